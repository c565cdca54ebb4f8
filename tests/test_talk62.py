"""Round 62's wording and care fixes for the offline agent: a reason label that is no thing a reason is
"because of" said in words ("because you were charged while it was frozen", never "because of charged
while frozen"); a record's date field said as a person would ("due on", never "payment time on"); a
record another customer owns, named by its number, is not changed (nor said), the number asked again;
a bag change says the text's price before the yes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents import speech as S
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import policy_prompt
from gem_env.tools import CompiledDomain, compile_domain
from gem_env.tools.render import smooth
from gem_env.tools.sandbox import Sandbox
from conftest import drive_agent

ROOT = Path(__file__).resolve().parents[1]


def _domain(path: str) -> CompiledDomain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / path]))
    return compile_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test")))


@pytest.mark.parametrize("said, meant", [
    ("I'll request a refund for your subscription SBS-1 because of charged while frozen.",
     "I'll request a refund for your subscription SBS-1 because you were charged while it was frozen."),
    ("I'm going to close your case CASE-1 because of no reply.",
     "I'm going to close your case CASE-1 because there's been no reply."),
    ("I'll cancel your reservation RSV-1 because of found another hotel.",
     "I'll cancel your reservation RSV-1 because you found another hotel."),
    ("I'll return your item because of defective. Shall I go ahead?",
     "I'll return your item because it's defective. Shall I go ahead?"),
    ("Please refund my subscription because of charged while frozen.",
     "Please refund my subscription because I was charged while it was frozen."),
])
def test_a_label_no_reason_is_because_of_is_said_in_words(said: str, meant: str) -> None:
    assert smooth(said) == meant
    # a thing a reason is said as it was
    assert smooth("I'll close your case because of no longer needed.") == "I'll close your case because it's no longer needed."
    assert smooth("I'll freeze your card because of fraud.") == "I'll freeze your card because of fraud."


def test_a_records_date_is_said_as_what_happens_then() -> None:
    pending = S.record_phrase("payment", [("status", "pending"), ("payment_time", "2025-01-16T02:24:00")])
    assert pending == "pending payment, due on January 16, 2025 at 2:24 am", pending
    done = S.record_phrase("payment", [("status", "completed"), ("payment_time", "2025-01-10T09:00:00")])
    assert "paid on January 10, 2025" in done and "payment time" not in done, done
    sent = S.record_phrase("payment", [("status", "pending"), ("submission_time", "2025-01-15T11:57:00")])
    assert "submitted on January 15, 2025 at 11:57 am" in sent and "submission time" not in sent, sent
    # a reason on file that says none: the status alone, never "frozen because of other"
    assert S.record_phrase("membership", [("status", "frozen"), ("status_reason", "other"), ("plan", "Premium")]) \
        == "frozen membership on the Premium plan"


def _say_and_run(agent: WorkflowAgent, sandbox: Sandbox, messages: list[dict[str, Any]], text: str) -> str:
    messages.append({"role": "user", "content": text})
    drive_agent(agent, sandbox, messages)
    return messages[-1]["content"]


def test_another_customers_card_named_by_number_is_not_changed_and_the_number_asked_again() -> None:
    bank = _domain("bank/freeze-a-card.md")
    sandbox = Sandbox(bank)
    rows = sandbox.conn.execute("SELECT k.card_id, k.status, c.customer_id, c.email FROM cards k JOIN customers c"
                                " USING(customer_id) ORDER BY k.card_id").fetchall()
    _, _, holder, email = rows[0]
    other = next(card for card, status, owner, _ in rows if owner != holder and status == "active")
    mine = next(card for card, status, owner, _ in rows if owner == holder and status == "active")
    agent = WorkflowAgent(bank)
    messages: list[dict[str, Any]] = []
    said = _say_and_run(agent, sandbox, messages, f"Please freeze my card {other} because it was stolen. "
                                                  f"My email is {email}.")
    read = json.loads(messages[-2]["content"])
    assert read["card_id"] == other and read["customer_id"] != holder  # read, and seen not to be theirs
    assert other in said and "?" in said and read["last4"] not in said and "freeze" not in said.lower(), said
    said = _say_and_run(agent, sandbox, messages, f"Oh, sorry. It's {mine}.")
    assert mine in said and other not in said, said
    _say_and_run(agent, sandbox, messages, "Yes, go ahead.")
    status = dict(sandbox.conn.execute("SELECT card_id, status FROM cards WHERE card_id IN (?, ?)", (other, mine)))
    assert status == {other: "active", mine: "frozen"}, status
    assert "or changing it, check that it is theirs" in policy_prompt(bank.domain)


def test_a_bag_change_says_the_price_before_the_yes() -> None:
    airline = _domain("airline/add-checked-baggage.md")
    sandbox = Sandbox(airline)
    booking, bags, email = sandbox.conn.execute(
        "SELECT b.booking_id, b.bags, c.email FROM bookings b JOIN customers c USING(customer_id)"
        " WHERE b.status = 'confirmed' ORDER BY b.booking_id").fetchone()
    agent = WorkflowAgent(airline)
    said = _say_and_run(agent, sandbox, [], f"Hi, I'd like to change my booking {booking} to {bags + 1} bags. "
                                            f"My email is {email}.")
    assert "$35 for the first extra bag and $50 for each one after it" in said and said.endswith("?"), said


def test_a_handoff_joined_to_a_chain_says_why_and_the_assistant_need_not_ask() -> None:
    """A hand-off chained onto a session came with no reason: the assistant asked "What's it about, for a
    short summary?" (154 of 246 refined support sessions); the customer now says it with the request, and
    the assistant's note is their words."""
    import random
    import re

    from gem_env.agents.understanding import SAID_WHY
    from gem_env.simulators import phrases as P
    from gem_env.simulators.scenario import Request, Scenario
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.refine.base import Part
    from gem_env.stages.refine.chain import _says_why

    bank = _domain("bank/freeze-a-card.md")
    sandbox = Sandbox(bank)
    card, email = sandbox.conn.execute("SELECT k.card_id, c.email FROM cards k JOIN customers c USING(customer_id)"
                                       " ORDER BY k.card_id").fetchone()
    handoff = next(w for w in bank.domain.workflows if w.category == "handoff")
    why = f"I do not recognise a charge on my card {card}"
    knows = {"card_id": card, "summary": why}
    request = Request(goal=f"pass my question about my card {card} to a person",
                      intent="pass my question about my card to a person", knows=knows, opening=["card_id"])
    part = _says_why(Part(handoff.name, dict(knows), Scenario(goal=request.goal, knows=knows, opening=["card_id"],
                                                               requests=[request])))
    assert part.scenario.requests[0].opening == ["card_id", "summary"] and "summary" in part.scenario.opening
    for k, phrase in enumerate(P.WHY_UP_FRONT):  # every way the customer says it is read as the note
        said = ScriptedUser._volunteered("summary", why, request.intent, random.Random(k), ["summary"])
        assert said in {p.format(v=why) for p in P.WHY_UP_FRONT}, said
        assert SAID_WHY.match(phrase.format(v=why))["why"] == why
    agent = WorkflowAgent(bank)
    said = _say_and_run(agent, sandbox, [], f"I'd like to talk to a person about my card {card}. "
                                            f"{P.WHY_UP_FRONT[0].format(v=why)} My email is {email}.")
    assert not re.search(r"what it's about|what's it about|briefly", said, re.IGNORECASE), said
    assert "recognise a charge" in said and said.endswith("?"), said


def test_a_note_on_the_customer_is_said_to_them_as_theirs_all_through() -> None:
    """"with a note that you have a question about what the doctor told them at their visit": a "them"
    with no "they" before it is the customer too; someone else's "they ... them" stays."""
    said = S._noted({"summary": "The customer has a question about what the doctor told them at their visit VST-1"},
                    "pass your question about your visit VST-1 to a person")
    assert said == ("summary", "that you have a question about what the doctor told you at your visit VST-1"), said
    said = S._noted({"summary": "The customer wanted a refund because they sent them the wrong item"}, "x")
    assert said == ("summary", "that you wanted a refund because they sent them the wrong item"), said
