"""A customer's later request about a record the chat already named says its id as one named before
("It's card CRD-1 again.", "It's card CRD-2, the one you mentioned."), never as if new ("The card
is CRD-1." of the card just frozen), and the assistant still takes the id from it."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from gem_env.simulators import phrases as P
from gem_env.simulators.scenario import Scenario
from gem_env.simulators.scripted import ScriptedUser
from test_session_openings import _answers_to

_ID = re.compile(r"\b[A-Z]{2,5}-\d+\b")
_AS_BEFORE = re.compile(r"\bagain\b|\bthe same one as before\b|\byou mentioned\b")


def _forms(bank: list[str], noun: str, v: str) -> list[str]:
    return [f.format(noun=noun, v=v) for f in bank]


def _second(card: str, done: str, seeds: int = 24) -> list[str]:
    """The second request of users whose first was to freeze card CRD-1, after the assistant's `done`
    (those who named it up front, to be offered it, left out)."""
    requests = [{"goal": "freeze my card CRD-1 because of lost", "intent": "freeze my card because of lost",
                 "knows": {"card_id": "CRD-1"}, "opening": ["card_id"], "anchor": "CRD-1"},
                {"goal": f"change the spending limit of my card {card} to 4800",
                 "intent": "change the spending limit of my card to $4,800", "knows": {"card_id": card},
                 "opening": ["card_id"], "anchor": card}]
    out = _answers_to(done, requests, seeds)
    assert len(out) >= 10
    return out


def test_a_record_a_request_before_was_about_is_named_again() -> None:
    for said in _second("CRD-1", "Done: I've frozen your card CRD-1. Anything else?"):
        assert any(f in said for f in _forms(P.SAME_RECORD, "card", "CRD-1")), said


def test_a_record_the_assistant_only_listed_is_the_one_it_mentioned() -> None:
    done = "Done: I've frozen your card CRD-1. Your other cards are CRD-2 (debit) and CRD-3 (credit). Anything else?"
    for said in _second("CRD-2", done):
        assert any(f in said for f in _forms(P.MENTIONED, "card", "CRD-2")), said


def test_a_record_the_assistant_named_alone_is_named_again() -> None:
    """"I can't unfreeze your card CRD-2: ..." then "talk to a person about my card": the customer's
    own request was about it, as the assistant said."""
    done = "Done: I've frozen your card CRD-1. Your card CRD-2 shows as closed. Anything else?"
    for said in _second("CRD-2", done):
        assert any(f in said for f in _forms(P.SAME_RECORD, "card", "CRD-2")), said


def test_a_record_not_named_before_is_not_said_as_named_before() -> None:
    for said in _second("CRD-3", "Done: I've frozen your card CRD-1. Anything else?"):
        assert not _AS_BEFORE.search(said), said


def test_in_sessions_an_id_named_before_is_never_said_as_new_and_is_taken(examples_run: Path) -> None:
    """Every later request of the examples that names a record the chat named before says so, and
    the assistant does not ask which record it is (a few sessions of the corpus have one)."""
    run = examples_run
    checked = 0
    for line in (run / "trajectories.jsonl").open():
        said = [m for m in json.loads(line)["messages"] if m["role"] in ("user", "assistant") and m.get("content")]
        for at, (asked, m) in enumerate(zip(said, said[1:]), start=1):
            if m["role"] != "user" or not re.search(r"\banything else\b", asked["content"], re.IGNORECASE):
                continue
            before = {i for n in said[:at] for i in _ID.findall(n["content"])}
            again = {i for i in _ID.findall(m["content"]) if i in before}
            if not again or re.search(r"(?:^|[.?!] )(?:From|To)\b|\b(?:coming from|going to)\b", m["content"], re.M):
                continue  # (a record with a part in a move: "From my account ACC-1.")
            checked += 1
            assert _AS_BEFORE.search(m["content"]), m["content"]
            reply = said[at + 1]["content"] if at + 1 < len(said) else ""
            assert not re.search(r"\bwhich\b[^.?]*\?|\byou mean\b", reply, re.IGNORECASE), (m["content"], reply)
    assert checked >= 3


def test_a_refined_follow_up_names_a_record_the_chat_named_as_such() -> None:
    """A chained request's user sees only its own part of the chat, and said "My card id is CRD-1."
    of the card the chat had just frozen (568 of 568 such requests in `gem refine` of the support
    run): it is told what the chat said before its first message."""
    from gem_env.simulators.refined import RefinedUser
    brief = {"goal": "freeze my card CRD-1 because of lost", "intent": "freeze my card because of lost",
             "knows": {"card_id": "CRD-1"}, "opening": ["card_id"], "anchor": "CRD-1"}
    later = {"goal": "change the spending limit of my card CRD-1 to 4800",
             "intent": "change the spending limit of my card to $4,800", "knows": {"card_id": "CRD-1"},
             "opening": ["card_id"], "anchor": "CRD-1"}
    said = []
    for seed in range(12):
        first = ScriptedUser(Scenario(persona="a customer", goal="one thing", knows={"email": "a@example.com"},
                                      requests=[brief]), seed=seed)
        follow = Scenario(persona="a customer", goal="one thing", knows={"email": "a@example.com"}, requests=[later])
        user = RefinedUser(first, [follow], lambda sc, i: ScriptedUser(sc, seed=seed, continuing=True), seed=seed)
        history = [{"role": "system", "content": "policy"}]
        opening = asyncio.run(user.reply(history))
        history += [{"role": "user", "content": opening},
                    {"role": "assistant", "content": "Done: I've frozen your card CRD-1. Anything else?"}]
        said.append(asyncio.run(user.reply(history)))
    for text in said:
        assert "spending limit" in text and any(f in text for f in _forms(P.SAME_RECORD, "card", "CRD-1")), text


def test_a_record_named_again_is_no_number_asked_for_again() -> None:
    """"... change the phone number of my account to 740-985-8412. That's account ACC-31587 again." was
    answered "It's HND-2448." (a handoff number, as if asked for again: 4 refined support variants
    failed): a number is asked for again in one sentence."""
    from gem_env.agents.workflow_agent import _NUMBER_AGAIN
    for text in _forms(P.SAME_RECORD, "account", "ACC-31587"):
        assert not _NUMBER_AGAIN.search(f"I'm looking to change the phone number of my account to 740-985-8412. {text}")
    for asked in P.ASK_REPEAT:
        assert _NUMBER_AGAIN.search(asked.format(x="handoff")), asked
