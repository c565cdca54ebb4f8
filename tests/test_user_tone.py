"""The scripted user's tone fits the session it is in: a busy customer with three or four things to
sort out does not open with "quick one" or "I only have a minute", and a frustrated one whose
session had a refusal or a no does not leave saying it was "much easier" (a reviewer found 33 and 17
such sessions in the τ²-bench banking run); and the assistant says the note it writes for a
colleague to the customer as theirs ("with a note that you were about to ..."), never in the third
person it wrote it in."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.simulators import phrases as P

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("tone") / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus"), "--out", str(out), "--quiet", "--seed", "2"]) == 0
    return [json.loads(line) for line in (out / "trajectories.jsonl").open()]


def _users(t: dict) -> list[str]:
    return [m["content"] for m in t["messages"] if m["role"] == "user" and m.get("content")]


def test_a_long_session_does_not_open_in_a_hurry(sessions: list[dict]) -> None:
    long = [t for t in sessions if len(t["task"]["scenario"].get("requests") or []) > 2]
    busy = [t for t in long if "busy" in t["task"]["scenario"].get("persona", "")]
    assert busy, "no busy customer with several requests in the run"
    for t in long:
        assert not P.IN_A_HURRY.search(_users(t)[0]), _users(t)[0]


def test_no_relief_at_an_easy_chat_after_a_no(sessions: list[dict]) -> None:
    troubled = 0
    for t in sessions:
        requests = t["task"]["scenario"].get("requests") or []
        if any(r.get("kind") == "refuse" or r.get("confirm") is False for r in requests):
            troubled += 1
            assert not any("much easier" in u or u.startswith("Finally, thank") for u in _users(t)), _users(t)[-1]
    assert troubled >= 10


def test_the_assistants_own_note_is_said_to_the_customer_as_theirs(sessions: list[dict]) -> None:
    said = [m["content"] for t in sessions for m in t["messages"] if m["role"] == "assistant"
            and "with a note" in (m.get("content") or "")]
    assert any("with a note that you were about to" in s or "with a note that you wanted to" in s for s in said)
    assert not any('note saying "The customer' in s for s in said), said


def _relief() -> list[str]:
    return P.RELIEVED + P.RELIEVED_AT_LAST + P.RELIEVED_ANSWERED + P.GOT_THERE + P.SOMETHING_AT_LEAST


def test_relief_at_the_end_only_after_something_was_hard(sessions: list[dict]) -> None:
    """Reviewer (round 58): "Finally", "what a relief", "at least that part is sorted" closed 49
    chats where nothing was hard. Relief comes after a refusal, or from a frustrated customer whose
    trouble before was with what they came for and who turned nothing down; the others thank."""
    relieved = plain = 0
    for t in sessions:
        requests = t["task"]["scenario"].get("requests") or []
        last = _users(t)[-1].replace("###STOP###", "").strip()
        frustrated = "frustrated" in t["task"]["scenario"].get("persona", "")
        refused = any(r.get("kind") == "refuse" for r in requests)
        declined = any(r.get("confirm") is False and r.get("kind") != "refuse" for r in requests)
        if last in _relief():
            relieved += 1
            assert refused or frustrated and not declined, (t["id"], last)
            # easier than what? than the app or website their first message said failed them
            assert "easier" not in last or re.search(r"\b(?:app|website)\b", _users(t)[0]), (t["id"], _users(t)[0])
            # a question answered sorts nothing: "at least that part is sorted" only after a change
            assert not (requests[-1].get("kind") == "lookup" and last in P.RELIEVED_AT_LAST), (t["id"], last)
        elif last in P.GOODBYES:
            plain += 1
    assert relieved and plain > relieved, (relieved, plain)


def test_a_change_turned_down_and_made_on_another_record_is_turned_down_for_that_record(sessions: list[dict]) -> None:
    """"No, hang on, with a $500 fee it isn't worth it for me.", then the twin account with the same
    fee closed: when the session makes the declined change on another record, the request is a
    `twin`, its no is about that record alone (no fee, no money in it, no wait), and the later
    request asks for it on "my other" record."""
    twins = 0
    for t in sessions:
        made = {a["tool"] for a in t["task"]["gold_actions"]}
        requests = t["task"]["scenario"].get("requests") or []
        for d in t["task"].get("declines") or []:
            declined = next(r for r in requests if r.get("confirm") is False and r.get("kind") == "decline")
            assert bool(declined.get("twin")) == (d["tool"] in made), t["id"]
            if d["tool"] not in made:
                continue
            twins += 1
            no = next(u for u in _users(t) if u.startswith(("No,", "No thanks,", "Actually, no,", "Nope,")))
            assert not re.search(r"\$|\bfee\b|weekend|partner|family|accountant|budget", no), (t["id"], no)
    assert twins >= 3, twins
