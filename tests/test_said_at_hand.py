"""An answer the assistant gives from what it already has (nothing called since the customer's last
message) never says it looked anything up: "I have retrieved account ACC-80938. The record shows
the balance as $0." came with no call, after the closing whose reply gave that balance. It is
worded as what it is: at hand, and what a change of the conversation set, as it now is."""
from __future__ import annotations

import random
import re
from typing import Any

from agent_turns import second_request

from gem_env.agents import banks as B
from gem_env.agents import speech as S
from gem_env.agents.workflow_agent import WorkflowAgent

from test_recalled_records import _domain

#: what says a read was just made
CLAIMS = re.compile(r"\b(?:retrieved|checked|looked|pulled|found|located|reviewed|brought up|opened|"
                    r"had a (?:good )?look|gone through|waiting)\b|^(?:Got|Found|Checked)\b", re.IGNORECASE)


def test_a_record_at_hand_is_not_said_to_be_looked_up() -> None:
    for seed in range(60):
        for called in (None, "the yoga mat", "Jackie Morton"):
            said = S.looked(random.Random(seed), "account", "ACC-1", called, now=False)
            assert not CLAIMS.search(said), said
            assert not said or "ACC-1" in said or called in said, said


def test_a_comparison_or_refusal_from_what_is_at_hand_claims_no_look() -> None:
    for bank in (B.COMPARED, B.REFUSE_LEAD, B.WHICH, B.WHICH_FITTING):
        kept = S.at_hand(bank)
        assert kept and not any(CLAIMS.search(x) for x in kept), kept
    for seed in range(40):
        said = S.refuse(random.Random(seed), "freeze your card", "Only a card that is active can be frozen.", [],
                        looked=False)
        assert not CLAIMS.search(said), said


def _after_freeze(then: str) -> tuple[list[dict[str, Any]], int, str, dict[str, Any]]:
    compiled = _domain("bank/freeze-a-card.md")
    sb = compiled.new_sandbox()
    customers = sb.dump(["customers"])["customers"]
    out = []
    for card in [c for c in sb.dump(["cards"])["cards"].values() if c["status"] == "active"][:8]:
        sb = compiled.new_sandbox()
        first = (f"Hi, I'd like to freeze my card because it was lost. The card id is {card['card_id']}. "
                 f"My email is {customers[card['customer_id']]['email']}.")
        out.append((*second_request(WorkflowAgent(compiled), sb, first, then.format(card=card["card_id"])), card))
    return out


def test_facts_of_a_record_read_before_are_told_without_a_look_and_a_change_as_it_now_is() -> None:
    """After freezing a card, its status and spending limit asked: no call is made, no look claimed;
    the status the freeze set is said as changed, the spending limit it left as it is."""
    sessions = _after_freeze("Could you tell me the status of my card {card} and its spending limit?")
    assert len(sessions) >= 4
    for messages, start, said, card in sessions:
        assert not any(m.get("tool_calls") for m in messages[start:]), said
        assert not CLAIMS.search(said), said
        assert re.search(r"\b(?:now|changed to)\b[^.]*\bfrozen\b|\bfrozen now\b", said), said
        limit = f"${card['spending_limit']:,.2f}".replace(".00", "")
        assert limit in said and not re.search(r"spending limit[^.]*\bnow\b", said), said
