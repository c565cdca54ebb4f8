"""`chain`: 2–10 requests of one domain in one session, the user bringing the next only after the
previous is resolved (9–10 wanted: long sessions over several of the domain's workflows; up to
`MAX_PARTS` while another request calls a tool the session has not). The gold is the
composition, replayed on one sandbox (a later request runs on the state the earlier ones left),
and verified as one conversation.

Requests are the domain's other verified single requests first; when there are too few, more
"complete" requests of the domain's workflows that pass the admission gate fill the session.
Lookups of the domain's tables ("what is the status of transfer TRN-...?", or "...of my profile" from the
user's email, read with a finder first) join the candidates.
Every request is about the session's one customer (the owner of the records it names, found along
foreign keys, `tasks.owners`) or about records nobody owns, as in a real chat: one email per session.
The next request is picked greedily: one calling a tool the session has not yet, then a workflow
it has not used, then one naming a record the earlier requests named. A question about a record an
earlier request changed or asked about does not join (`settled`): the chat has answered it already;
nor does a question asked before in the same words of another record, or the same thing done again
to what an earlier request did it to (`repeats`).
"""
from __future__ import annotations

import random
import re
from dataclasses import replace

from ...tools.render import FREE_TEXT
from ...simulators.scenario import Scenario
from ..tasks import anchor_rows
from ..tasks.kinds import Built, complete, lookup_tools
from ..tasks.lookups import lookup
from ..tasks.session import asked_again
from .base import (Context, DoesNotApply, NotApplicable, Part, Variant, compose, customers_of, found_ids, joins,
                   refinable, say_changes, task_part)

POOL = 400
"""Most anchor rows a domain's pool of requests is built on."""
MAX_PARTS = 10
LOOKUPS_PER_TABLE = 40
"""Rows per table to build lookups on: enough that one is often about the session's own customer."""
MAX_FAILED = 12
"""Candidates that fail to compose before the chain stops growing (each try replays the session)."""


def _pool(v: Variant, ctx: Context) -> list[Part]:
    """More requests of the domain: the "complete" kind built on rows of every workflow's anchor
    (each on the initial state, so each passes the admission gate alone), in seeded order — every
    row, so that most customers have a request of most workflows and a session can stay with one."""
    name = v.compiled.domain.name
    if name not in ctx.pool:
        rng = random.Random(f"{ctx.seed}\x00{name}\x00chain")
        rows = [(wf, row) for wf in v.compiled.domain.workflows for row in anchor_rows(v.compiled, wf)]
        rng.shuffle(rows)
        parts = []
        sandbox = v.compiled.new_sandbox()
        try:
            initial = sandbox.snapshot()
            for wf, row in rows[:POOL]:
                got = complete(v.compiled, wf, row, sandbox, rng)
                sandbox.restore(initial)
                if isinstance(got, Built):
                    r = got.request
                    # as for a sibling task (`task_part`): the user knows the ids the assistant finds too,
                    # and says one up front when it differs from the session's (`say_changes`), since
                    # earlier requests may have changed what their description of the record matches
                    knows = {**r.found, **r.knows}
                    parts.append(Part(wf.name, dict(knows), Scenario(
                        goal=r.goal, knows=knows, opening=r.opening, unknown=got.unknown, requests=[r]),
                        found={**found_ids(wf, r.knows, got.actions), **r.found}))  # the request's own first
        finally:
            sandbox.close()
        ctx.pool[name] = parts + _lookups(v, rng)  # type: ignore[assignment]
    return ctx.pool[name]  # type: ignore[return-value]


def _lookups(v: Variant, rng: random.Random) -> list[Part]:
    """Lookup requests ("what is the status of transfer TRN-...?") on rows of every table a read
    tool finds one row of: sessions then read with more of the domain's tools."""
    compiled, parts = v.compiled, []
    sandbox = compiled.new_sandbox()
    try:
        for table, (tool, param) in sorted(lookup_tools(compiled).items()):
            rows = list(sandbox.dump([table])[table].values())
            rng.shuffle(rows)
            for row in rows[:LOOKUPS_PER_TABLE]:
                got = lookup(compiled, table, row, sandbox, rng)
                if not isinstance(got, Built):
                    continue
                r = got.request
                # one that starts from who the user is (their email) reads the key with a finder first
                finder = None if param in r.knows else (got.actions[0].tool, dict(got.actions[0].arguments))
                parts.append(Part(got.workflow, dict(r.knows), Scenario(
                    goal=r.goal, knows=r.knows, opening=r.opening, unknown=got.unknown, requests=[r]),
                    lookup=(tool, param, list(r.asks)), finder=finder))
    finally:
        sandbox.close()
    return parts


def apply(v: Variant, ctx: Context) -> Variant:
    if _hands_off(v.parts[-1], v):
        raise DoesNotApply("a hand-off to a person ends the chat: no request follows it")
    want = ctx.rng.choice([9, 10])
    others = [task_part(t, v.compiled) for t in ctx.siblings if t.id != v.task.id and refinable(t) is None]
    ctx.rng.shuffle(others)
    first = sorted(v.parts[0].knows.items(), key=str)
    extra = [p for p in _pool(v, ctx) if sorted(p.knows.items(), key=str) != first]
    ctx.rng.shuffle(extra)
    others += extra
    persona = v.parts[0].scenario.persona
    whose = customers_of(v, ctx)
    session = set().union(*(whose(p) for p in v.parts))
    others = [p for p in others if joins(session, whose(p))]  # one customer per session, as a real chat
    # a hand-off to a person ends the chat: it comes last (below)
    handoffs, others = [p for p in others if _hands_off(p, v)], [p for p in others if not _hands_off(p, v)]
    reasons: list[str] = []
    while others and len(reasons) < MAX_FAILED:
        other = min(others, key=lambda p: _rank(p, v))
        if len(v.parts) >= want and (len(v.parts) >= MAX_PARTS or _rank(other, v)[:2] != (0, 0)):
            break  # past the length wanted, only a request calling a tool the session has not joins
        others.remove(other)
        if any(asked_again(was, now) for p in v.parts for was in p.scenario.requests for now in other.scenario.requests):
            continue  # a question the session has asked already ("the status of my account ACC-1", twice)
        if settled(other, v):
            continue  # a question about a record the session has changed or asked about already
        if repeats(other, v, {key for _, key in session}):
            continue  # the same ask again, or the same thing done again
        if (failed := _joined(v, other, persona)) is not None:
            reasons.append(failed)
            continue
        if not session and (session := whose(other)):
            others = [p for p in others if joins(session, whose(p))]
    seen = set().union(*(_tools(p, v) for p in v.parts))
    for other in [p for p in handoffs if joins(session, whose(p)) and _tools(p, v) - seen][:3]:
        if len(v.parts) >= MAX_PARTS or _joined(v, _says_why(other), persona) is None:
            break  # (one that brings a tool the chat has not called, in the chat's last place)
    if len(v.parts) < 2:
        if not reasons:  # nothing to compose with: the customer has no other request here (not a failed variant)
            raise DoesNotApply("no other task of the domain composes with this one (no siblings)")
        raise NotApplicable(f"no other task of the domain composes with this one: {reasons[0]}")
    return say_changes(v)


def _joined(v: Variant, other: Part, persona: str) -> str | None:
    """`other` added as the chat's next request, or why it does not compose (the chat as it was)."""
    v.parts.append(replace(other, knows=dict(other.knows),
                           scenario=_as_said(other.scenario.model_copy(update={"persona": persona}), v)))
    try:
        compose(v)
    except NotApplicable as err:
        v.parts.pop()
        return str(err)
    return None


def _says_why(part: Part) -> Part:
    """A hand-off to a person joined to the chat, its customer saying with the request what it is about
    (the note for the colleague: "I need to talk to a person about my card. The thing is, I do not recognise
    a charge on it."), as one who comes to ask for a person does, not only once asked "What's it about?"."""
    requests = [r.model_copy(update={"opening": [*r.opening, *(k for k in r.knows if FREE_TEXT.search(k)
                                                                 and k not in r.opening)]})
                for r in part.scenario.requests]
    opening = [*part.scenario.opening, *(k for r in requests for k in r.opening if FREE_TEXT.search(k)
                                         and k not in part.scenario.opening)]
    return replace(part, scenario=part.scenario.model_copy(update={"requests": requests, "opening": opening}))


def _as_said(scenario: Scenario, v: Variant) -> Scenario:
    """A later request's brief with what the session's user said of themselves that replays
    nothing (an old email on nobody's record, `base.task_part`): they know no other."""
    first = v.parts[0]
    said = {k: val for k, val in first.scenario.knows.items() if k not in first.knows}
    if not said:
        return scenario
    requests = [r.model_copy(update={"knows": {k: said.get(k, val) for k, val in r.knows.items()}})
                for r in scenario.requests]
    return scenario.model_copy(update={"knows": {k: said.get(k, val) for k, val in scenario.knows.items()},
                                       "requests": requests})


def _rank(candidate: Part, v: Variant) -> tuple[int, int, int, int]:
    """Lower is better: not a request the session already has, one that calls a tool the session
    has not (a lookup of another table counts only then), a workflow it has not used, the same
    customer (a value the session already named); `min` is stable, so ties keep the seeded order."""
    used = [p.workflow for p in v.parts]
    named = {str(val) for p in v.parts for val in p.knows.values()}
    same = sum(str(val) in named for val in candidate.knows.values())
    repeat = any(p.knows == candidate.knows and p.workflow == candidate.workflow for p in v.parts)
    seen = set().union(*(_tools(p, v) for p in v.parts))
    return (int(repeat), int(not _tools(candidate, v) - seen), used.count(candidate.workflow), int(same == 0))


def _hands_off(part: Part, v: Variant) -> bool:
    """Whether `part` hands the customer to a person (the service's hand-off workflow)."""
    return any(w.name == part.workflow and w.category == "handoff" for w in v.compiled.domain.workflows)


def _tools(part: Part, v: Variant) -> set[str]:
    if part.lookup is not None:
        return {part.lookup[0], *([part.finder[0]] if part.finder else [])}
    wf = next((w for w in v.compiled.domain.workflows if w.name == part.workflow), None)
    return {s.tool for s in wf.steps} if wf else set()


def settled(part: Part, v: Variant) -> bool:
    """Whether `part` is a question (a lookup, or a workflow that changes nothing) about a record an
    earlier request of the session named: one it changed ("the status of my account" after closing
    it: the assistant described the record at the confirmation and told what the change made of it),
    or one it asked about already (a person asks all they want to know of a record at once). The
    records are the ids the parts name and the names they find a record by (a plan's: "the price of
    the Basic plan" after starting a subscription on it). A question only of yes-or-no flags the
    earlier change did not set is still open ("is extra care taken on my server?" after a guide's
    steps on it) unless the earlier request set or asked one: a confirmation describes a record by
    its figures, words and dates, never a flag."""
    if not _asks_only(part, v):
        return False
    mine = _records(part)
    flags = set(part.lookup[2]) if part.lookup is not None else set()
    if not part.scenario.requests or not flags <= set(part.scenario.requests[0].yes_no):
        flags = set()
    for p in v.parts:
        if not mine & _records(p):
            continue
        if flags and not flags & _sets(p, v):
            continue  # a flag the earlier request did not set nor ask: nothing the chat said
        return True
    return False


def repeats(part: Part, v: Variant, who: set[str] = frozenset()) -> bool:
    """Whether `part` is a question an earlier one of the session asked in the same words, of
    another record ("I'd like to find out the status of my account." of a second account: a person
    asks of both at once), or does again what an earlier request did to the same thing (a second
    Silver Plus Account opened, money moved back to the account it came from, a limit set twice);
    `who` are the keys of the session's customer (every request of theirs names them). A second
    change in the same words on another record stays (two charges disputed, for the same reason):
    it is work a customer brings, said as the first was."""
    writes = not _asks_only(part, v)
    if not writes and any(_ask(p) == _ask(part) for p in v.parts):
        return True
    mine = _records(part) - who
    return writes and any(p.workflow == part.workflow and mine & _records(p) for p in v.parts)


def _ask(part: Part) -> str:
    """The request's goal with the records it names left out."""
    return _RECORD_ID.sub("X", part.scenario.goal).strip().lower()


_RECORD_ID = re.compile(r"\b[A-Z][A-Z0-9]*-\d+\b")


def _asks_only(part: Part, v: Variant) -> bool:
    """Whether `part` changes nothing: a lookup, or a workflow with no write."""
    wf = next((w for w in v.compiled.domain.workflows if w.name == part.workflow), None)
    return part.lookup is not None or wf is not None and not any(v.compiled.tools[s.tool].writes for s in wf.steps)


def _sets(part: Part, v: Variant) -> set[str]:
    """The fields a part's writes take a value for (`overdraft_protection`), what its user says the
    new value of is (`new_tier`: "tier"), and what it asks or tells (a lookup's facts, a workflow's
    `tells`)."""
    wf = next((w for w in v.compiled.domain.workflows if w.name == part.workflow), None)
    return ({name for s in (wf.steps if wf else []) if v.compiled.tools[s.tool].writes for name in s.args}
            | {k.removeprefix("new_") for k in part.knows} | set(part.lookup[2] if part.lookup else ())
            | set(wf.tells if wf else ()))


def _records(part: Part) -> set[str]:
    """The record ids a part names (the user's or the ids the assistant finds for them), and the names
    it finds a record by (`plan_name`, `title_name`; not a person's first, last or full name)."""
    return {val for k, val in {**part.found, **part.knows}.items() if isinstance(val, str) and val
            and (k == "id" or k.endswith("_id") or k.endswith("_name") and not _PERSON & set(k.split("_")))}


_PERSON = {"first", "last", "full", "middle"}
"""Words of a `<x>_name` key that is a person's name (`user_full_name`), not a record's."""
