"""What a customer hands over to a person is true of the record it names (round 60's review, §9: "I
need to ask the clinic something before my visit VST-03901" of a visit completed weeks ago): a
question before a visit only of one still to come, "no answer on my ticket" only of an open one,
a special request only for a booking not cancelled, "I cannot get into my profile" only of a
locked one, a charge or an item not recognised only on a record that has one."""
from __future__ import annotations

import re

import pytest

from gem_env.stages.extract import service
from gem_env.stages.extract.archetypes import ARCHETYPES
from gem_env.stages.extract.offline import DEFAULT_CLOCK
from gem_env.stages.tasks.kinds import derive_knows
from gem_env.stages.tasks.make import anchor_rows
from gem_env.tools import CompiledDomain, compile_domain, parse_domain

#: (what the note says, what the record it names must show: (its status, how many records of its own it has))
TRUE_OF = [(re.compile(r"\bbefore my\b"), lambda status, kids: status == "scheduled"),
           (re.compile(r"\bwhat the doctor told me\b"), lambda status, kids: status == "completed"),
           (re.compile(r"\bno answer\b"), lambda status, kids: status in ("open", "waiting")),
           (re.compile(r"\bspecial request\b"), lambda status, kids: status != "cancelled"),
           (re.compile(r"\bcannot get into\b"), lambda status, kids: status == "locked"),
           (re.compile(r"\brecognise a charge\b|\bitem in my\b"), lambda status, kids: kids > 0),
           (re.compile(r"\bbilled twice\b"), lambda status, kids: False)]


@pytest.mark.parametrize("key", ["appointments", "tickets", "reservations", "profiles", "cards", "orders", "subscriptions"])
def test_a_hand_off_note_says_a_concern_true_of_the_record_it_names(key: str) -> None:
    arch = next(a for a in ARCHETYPES if a.key == key)
    said = set()
    built = service.build_service(arch, " ".join(arch.keywords) + ".", clock=DEFAULT_CLOCK, rows=24)
    built.pop("spans")
    for seed in range(4):
        c = compile_domain(parse_domain({"name": key, "clock": DEFAULT_CLOCK, "seed": seed, **built}))
        wf = next(w for w in c.domain.workflows if w.name == "talk_to_a_person")
        key_field = next(k for k in wf.knows if k not in ("email", "summary"))
        mains = next(t for t, tb in c.tables.items() if tb.pk == key_field)
        child = next(iter(_children(c, mains)), None)
        sandbox = c.new_sandbox()
        try:
            owners = sandbox.dump([wf.anchor.table])[wf.anchor.table]
            records = sandbox.dump([mains])[mains]
            kids = sandbox.dump([child])[child] if child else {}
            pk = c.tables[wf.anchor.table].pk
            anchored = anchor_rows(c, wf)
            assert anchored
            for row in anchored:
                knows = derive_knows(wf, owners[str(row[pk])], sandbox)
                assert isinstance(knows, dict), knows
                record = records[str(knows[key_field])]
                held = sum(1 for k in kids.values() if k[key_field] == knows[key_field])
                said.add(knows["summary"].rsplit(" ", 1)[0])
                for pattern, true_of in TRUE_OF:
                    if pattern.search(knows["summary"]):
                        assert true_of(record["status"], held), (knows["summary"], record["status"], held)
        finally:
            sandbox.close()
    assert said


def _children(c: CompiledDomain, mains: str) -> list[str]:
    """The tables of a record's own records (a card's charges, an order's items), not what is filed on them."""
    return [e.name for e in c.domain.entities
            if any(f.foreign_key == f"{mains}.{c.tables[mains].pk}" for f in e.fields)
            and not any(f.name == "reason" for f in e.fields) and e.name != mains]
