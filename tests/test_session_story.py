"""A session tells one customer's story: a hand-off to a person ends the chat; a record an earlier
request froze (or moved for one reason) is not changed again for another; a customer leaving the
service does not carry on with it; nobody turns down a change they asked for because their card
was stolen. And the words a reviewer read as machine-made are gone: "handoff" said to the
customer, sentences with no subject, "comes to" of a single value."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gem_env.agents.speech import of_customer
from gem_env.stages.tasks import GoldAction
from gem_env.stages.tasks.session import LEAVING, makes_earlier_pointless
from gem_env.tools import compile_domain, load_domain
from gem_env.tools.reasons import URGENT



@pytest.fixture(scope="module")
def run(examples_run: Path) -> Path:
    return examples_run


def _trajectories(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "trajectories.jsonl").open()]


def _calls(traj: dict) -> list[str]:
    return [c["function"]["name"] for m in traj["messages"] for c in m.get("tool_calls") or []]


def test_a_hand_off_to_a_person_ends_the_chat(run: Path) -> None:
    handed = 0
    for traj in _trajectories(run):
        calls = _calls(traj)
        if "transfer_to_human_agent" not in calls:
            continue
        handed += 1
        assert set(calls[calls.index("transfer_to_human_agent"):]) == {"transfer_to_human_agent"}, traj["id"]
        assert traj["task"]["workflow"].split("+")[-1] == "talk_to_a_person", traj["id"]
    assert handed >= 8


def test_sessions_tell_one_story(run: Path) -> None:
    """No request after one whose reason says the customer is leaving changes anything, and no
    record is changed twice for two reasons."""
    for traj in _trajectories(run):
        requests = traj["task"]["scenario"]["requests"]
        leaving = [i for i, r in enumerate(requests) if LEAVING.search(str(r["knows"].get("reason", "")))]
        writes = [i for i, r in enumerate(requests) if r["kind"] in ("complete", "disambiguate")]
        assert not [i for i in writes if leaving and i > leaving[0]], traj["id"]
        # nor was a change asked for and refused on either side of it (round 58: a plan change refused,
        # then the subscription cancelled "because I'm relocating")
        assert not [i for i, r in enumerate(requests) if leaving and r["kind"] == "refuse" and i not in leaving], \
            traj["id"]
        reasons: dict[str, set[str]] = {}
        for a in traj["task"]["gold_actions"]:
            why = a["arguments"].get("reason")
            for k, v in a["arguments"].items():
                if why is not None and a["ok"] and k.endswith("_id") and k != "customer_id":
                    reasons.setdefault(str(v), set()).add(why)
        assert all(len(w) == 1 for w in reasons.values()), (traj["id"], reasons)


def test_no_customer_declines_a_change_they_want_for_an_urgent_reason(run: Path) -> None:
    declined = 0
    for traj in _trajectories(run):
        for r in traj["task"]["scenario"]["requests"]:
            if r["kind"] == "decline":
                declined += 1
                assert not URGENT.search(str(r["knows"].get("reason", ""))), traj["id"]
    assert declined >= 5


def test_a_record_frozen_for_one_reason_takes_no_other_change(run: Path) -> None:
    compiled = compile_domain(load_domain(run / "domains" / "bank_freeze-a-card_md.json"))
    sandbox = compiled.new_sandbox()
    try:
        card = next(r for r in sandbox.dump(["cards"])["cards"].values() if r["status"] == "active")
        key = card["card_id"]
        rows = {t: sandbox.dump([t])[t] for t in compiled.tables}  # as seeded
        froze = sandbox.call("freeze_card", {"card_id": key, "reason": "stolen"})
        done = [GoldAction(tool="freeze_card", arguments={"card_id": key, "reason": "stolen"}, ok=froze.ok,
                           result=froze.as_data())]

        def then(tool: str, args: dict) -> bool:
            snap = sandbox.snapshot()
            got = sandbox.call(tool, args)
            sandbox.restore(snap)
            assert got.ok, got.as_data()
            return makes_earlier_pointless(compiled, done, [GoldAction(tool=tool, arguments=args, ok=True,
                                                                       result=got.as_data())], rows.get)
        assert then("unfreeze_card", {"card_id": key})  # the customer just said it was stolen
        assert then("close_card", {"card_id": key, "reason": "no longer needed"})  # the story changes
        assert not then("close_card", {"card_id": key, "reason": "stolen"})  # the next step for the same reason
    finally:
        sandbox.close()


_SUBJECTLESS = re.compile(r"(?:^|[.!?] )(?:Going to|About to|Ready to|Checked|Found|Retrieved) [a-z]")


def test_the_assistant_speaks_as_a_person_to_a_customer(run: Path) -> None:
    said = [m.get("content") or "" for t in _trajectories(run) for m in t["messages"] if m["role"] == "assistant"]
    assert said
    assert not [s for s in said if re.search(r"\bhand-?offs?\b", s, re.IGNORECASE)]
    assert not [s for s in said if _SUBJECTLESS.search(s)]
    assert not [s for s in said if re.search(r"\b(?:comes to|comes out as)\b", s) and "total" not in s
                and "change" not in s]
    assert any(re.search(r"\bcase (?:number |ID )?(?:is )?HND-\d+", s) for s in said)


@pytest.mark.parametrize(("note", "filed"), [
    ("I need help with a special request for my booking BKN-1.", "The customer needs help with a special request for their booking BKN-1."),
    ("I do not recognise a charge on my card CRD-1", "The customer does not recognise a charge on their card CRD-1"),
    ("I was going to close my account but want to talk it over with someone first.",
     "The customer was going to close their account but wants to talk it over with someone first."),
    ("I wanted to freeze my card but was told no because it's closed",
     "The customer wanted to freeze their card but was told no because it's closed"),
    ("Charge at Acme not mine", "Charge at Acme not mine"),
])
def test_a_note_the_customer_wrote_is_filed_of_them(note: str, filed: str) -> None:
    assert of_customer(note) == filed


def test_no_hand_off_is_filed_in_the_first_person(run: Path) -> None:
    filed = [json.loads(c["function"]["arguments"])["summary"] for t in _trajectories(run) for m in t["messages"]
             for c in m.get("tool_calls") or [] if c["function"]["name"] == "transfer_to_human_agent"]
    assert filed and not [s for s in filed if re.match(r"I\b", s)]
