"""A record named by an entry it lists: the customer names the charge ("the transaction at Yoder
and Sons"), not the card it is on. Where a card already opened shows that charge among its recent
transactions, the workflow agent goes on with that card instead of asking which card it is."""
from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents import speech as S
from gem_env.agents.ids import named_by_entry
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import CompiledDomain, compile_domain
from gem_env.tools.sandbox import Sandbox
from conftest import drive_agent

ROOT = Path(__file__).resolve().parents[1]
CARDS = [
    {"card_id": "CRD-1", "last4": "4411", "recent_transactions": [
        {"transaction_id": "TRN-1", "merchant": "Yoder and Sons", "amount": 60.32},
        {"transaction_id": "TRN-2", "merchant": "Todd Ltd", "amount": 32.55}]},
    {"card_id": "CRD-2", "last4": "9012", "recent_transactions": [
        {"transaction_id": "TRN-3", "merchant": "Wells LLC", "amount": 12.0}]},
]


def test_the_one_record_listing_the_entry_named_gives_its_id() -> None:
    assert named_by_entry("card_id", CARDS, "I need to dispute the transaction at Yoder and Sons.") == "CRD-1"


def test_an_entry_on_several_records_a_short_value_or_a_part_of_one_names_none() -> None:
    twice = CARDS + [{"card_id": "CRD-3", "recent_transactions": [{"transaction_id": "TRN-4", "merchant": "Yoder and Sons"}]}]
    assert named_by_entry("card_id", twice, "the transaction at Yoder and Sons") is None
    assert named_by_entry("card_id", CARDS, "the transaction at Wells LLC") is None  # two words: others may share it
    assert named_by_entry("card_id", CARDS, "the transaction at Yoder and Sonsby") is None
    assert named_by_entry("card_id", CARDS, "the card ending in 4411") is None  # the card's own value, not an entry's


@pytest.fixture(scope="module")
def bank() -> CompiledDomain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    return compile_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test")))




def test_a_charge_shown_under_one_opened_card_is_disputed_without_asking_which_card(bank: CompiledDomain) -> None:
    sandbox = Sandbox(bank)
    held = collections.defaultdict(list)
    for email, card, last4, merchant in sandbox.conn.execute(
            "SELECT c.email, k.card_id, k.last4, t.merchant FROM customers c JOIN cards k ON k.customer_id = c.customer_id"
            " LEFT JOIN transactions t ON t.card_id = k.card_id ORDER BY c.email, k.card_id, t.transaction_id"):
        held[email].append((card, last4, merchant))
    # a customer with a few cards, one of whose charges is at a merchant of several words no other card shows
    email, (card, last4, merchant) = next(
        (e, r) for e, rows in held.items() if 2 <= len({c for c, _, _ in rows}) <= S.LISTED_MOST
        for r in rows if r[2] and len(r[2].split()) >= 3 and sum(x[2] == r[2] for x in rows) == 1)
    agent = WorkflowAgent(bank)
    messages: list[dict[str, Any]] = [{"role": "user", "content": f"When was my card ending in {last4} issued? My email is {email}."}]
    drive_agent(agent, sandbox, messages)
    opened = {json.loads(c["function"]["arguments"]).get("card_id") for m in messages for c in m.get("tool_calls") or []
              if c["function"]["name"] == "get_card_details"}
    assert card in opened  # the first request opened the cards, the one with the charge among them
    messages.append({"role": "user", "content": f"Thanks. I also need to dispute the transaction at {merchant} because of fraud."})
    start = len(messages)
    drive_agent(agent, sandbox, messages)
    calls = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for m in messages[start:]
             for c in m.get("tool_calls") or []]
    # the card's transactions listed, unless its details showed them whole (`listings.shown_whole`)
    assert calls == [] or calls[0] == ("list_card_transactions", {"card_id": card}), calls
    said = messages[-1]["content"]
    assert merchant in said and "Which card" not in said and "?" in said  # the charge confirmed, no card asked for
