"""Round 59, the agent's reads: a record the customer's listing already shows the change cannot be
made on (a closed card, to freeze one) is not opened to find the one they mean, by the agent and
in the gold alike, and is still counted when asking which; records left out of "N can be changed"
only because they hold what the change sets already are said as that, never as records the change
cannot be made on."""
from __future__ import annotations

import collections
import json
import random
import re
from pathlib import Path
from typing import Any

from agent_turns import until_spoken
from gem_env.agents import speech as S
from gem_env.tools.referring import ONLY_FITTING

ROOT = Path(__file__).resolve().parents[1]


def _example(rel: str, table: str) -> tuple[Any, Any, dict[str, list[dict[str, Any]]]]:
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / rel]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    sb = compiled.new_sandbox()
    by_owner: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in sb.dump([table])[table].values():
        by_owner[row["customer_id"]].append(row)
    return compiled, sb, by_owner


def _reads(messages: list[dict[str, Any]], tool: str) -> list[str]:
    return [json.loads(c["function"]["arguments"])["card_id"] for m in messages for c in m.get("tool_calls") or []
            if c["function"]["name"] == tool]


def _mixed_owner(by_owner: dict[str, list[dict[str, Any]]]) -> tuple[str, list[dict[str, Any]]]:
    """A customer with 3 to 6 cards: 2 or more active, 1 or more not (closed or frozen)."""
    return next((o, cs) for o, cs in sorted(by_owner.items()) if 3 <= len(cs) <= 6
                and sum(c["status"] == "active" for c in cs) >= 2 and any(c["status"] != "active" for c in cs))


def test_a_card_listed_as_not_active_is_not_opened_to_find_the_card_to_freeze() -> None:
    """"Freeze my card": the agent opened every listed card, the closed and frozen ones too, though
    the listing showed their status and only an active card can be frozen. It opens the active ones
    only, and the question still counts all the customer's cards ("Of your 4 cards, 2 can be frozen")."""
    from gem_env.agents.workflow_agent import WorkflowAgent

    compiled, sb, by_owner = _example("bank/freeze-a-card.md", "cards")
    owner, cards = _mixed_owner(by_owner)
    email = sb.dump(["customers"])["customers"][owner]["email"]
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"},
                                      {"role": "user", "content": f"Please freeze my card. My email is {email}."}]
    asked = until_spoken(WorkflowAgent(compiled), sb, messages)
    active = [c["card_id"] for c in cards if c["status"] == "active"]
    assert sorted(_reads(messages, "get_card_details")) == sorted(active), (asked, _reads(messages, "get_card_details"))
    assert f"{len(cards)} cards" in asked and "can be frozen" in asked and "?" in asked, asked
    assert all(c in asked for c in active), asked
    # the customer picks one: the request goes on (the reason is asked), with no more reads of the others
    last4 = next(c["last4"] for c in cards if c["card_id"] == active[0])
    messages.append({"role": "user", "content": f"It's the one ending in {last4}."})
    said = until_spoken(WorkflowAgent(compiled), sb, messages)
    assert "reason" in said and "?" in said, said
    assert sorted(_reads(messages, "get_card_details")) == sorted(active)
    messages.append({"role": "user", "content": "lost"})
    until_spoken(WorkflowAgent(compiled), sb, messages)
    messages.append({"role": "user", "content": "Yes, go ahead."})
    done = until_spoken(WorkflowAgent(compiled), sb, messages)
    # the change made is the request's own: its card, frozen now, is still the one meant (never
    # "which card?" again, nor the other cards opened, once the card it froze no longer fits)
    assert _reads(messages, "freeze_card") == [active[0]], done
    assert "which" not in done.lower() and sorted(_reads(messages, "get_card_details")) == sorted(active), done


def test_a_status_question_still_opens_every_card() -> None:
    """Asked about a card's status or facts, every listed card stays a candidate: the listing's
    status rules out no card for a question (no change is made)."""
    from gem_env.agents.candidates import candidate_ids, ruled_out_by_listing

    compiled, sb, by_owner = _example("bank/freeze-a-card.md", "cards")
    _, cards = _mixed_owner(by_owner)
    listing = [{"card_id": c["card_id"], "status": c["status"]} for c in cards]
    freeze = next(w for w in compiled.domain.workflows if any(s.tool == "freeze_card" for s in w.steps))
    ruled = ruled_out_by_listing(compiled, freeze, "card_id", sb.clock)
    assert ruled is not None
    assert candidate_ids("card_id", listing, ruled) == [c["card_id"] for c in cards if c["status"] == "active"]
    assert candidate_ids("card_id", listing) == [c["card_id"] for c in cards]  # a lookup: all of them
    # where the listing rules out every card, all are opened (the customer means one that is refused)
    closed = [{"card_id": c["card_id"], "status": "closed"} for c in cards]
    assert candidate_ids("card_id", closed, ruled) == [c["card_id"] for c in cards]


def test_the_gold_opens_the_same_cards_the_agent_does() -> None:
    """The task builder's gold reads for a described card (`tasks.opened.opened_ids`) leave out the
    cards the listing rules out, as the agent does: the user describes theirs among those opened."""
    from gem_env.stages.tasks.model import GoldAction
    from gem_env.stages.tasks.opened import opened_ids

    compiled, sb, by_owner = _example("bank/freeze-a-card.md", "cards")
    owner, cards = _mixed_owner(by_owner)
    freeze = next(w for w in compiled.domain.workflows if any(s.tool == "freeze_card" for s in w.steps))
    email = sb.dump(["customers"])["customers"][owner]["email"]
    found = sb.call("find_customer_by_email", {"email": email}).value
    active = [c["card_id"] for c in cards if c["status"] == "active"]
    key = next(b.user for s in freeze.steps if s.tool == "freeze_card" for b in s.args.values() if b.user and b.user.endswith("card_id"))
    actions = [GoldAction(tool="find_customer_by_email", arguments={"email": email}, result=found),
               GoldAction(tool="freeze_card", arguments={"card_id": active[1], "reason": "lost"}, result={})]
    got = opened_ids(freeze, {key: active[1]}, actions, sb)
    assert sorted(a.arguments["card_id"] for a in got[key][1]) == sorted(active)
    # a card the listing rules out is not found by opening the others: the user names it by its id
    other = next(c["card_id"] for c in cards if c["status"] != "active")
    actions[1] = GoldAction(tool="freeze_card", arguments={"card_id": other, "reason": "lost"}, result={})
    assert opened_ids(freeze, {key: other}, actions, sb) == {}


def test_records_already_holding_the_new_value_are_said_as_that() -> None:
    """"You have 4 bookings, and 2 can be changed: ..." left out a confirmed booking that already had
    2 bags: false, it can be changed, only not to 2 bags. The change's value is said, and the ones
    that hold it already are named as that."""
    bookings = [{"booking_id": "BKN-1", "route": "Oslo to Rome"}, {"booking_id": "BKN-2", "route": "Rome to Oslo"}]
    for seed in range(12):
        said = S.which_fitting(random.Random(seed), "booking_id", bookings, 4, "change your booking to 2 bags",
                               held=["BKN-3"])
        assert re.search(r"\b2 (of them )?can be changed to 2 bags \(BKN-3 already has that\): BKN-1", said) and "?" in said, said
        plain = S.which_fitting(random.Random(seed), "booking_id", bookings, 4, "change your booking to 2 bags")
        assert re.search(r"\b2 (of them )?can be changed: BKN-1", plain) and "BKN-3" not in plain, plain
        only = S.only_fitting(random.Random(seed), "booking_id", bookings[0], 3, "change your booking to 2 bags",
                              held=["BKN-3", "BKN-4"])
        assert "can be changed to 2 bags (BKN-3 and BKN-4 already have that)." in only, only
        found = ONLY_FITTING.search(only)  # still read by the agent and the user as the one proposed
        assert found and found["id"] == "BKN-1" and found["n"] == "3", only
    # a change with no "to ..." is said as "that way"
    said = S.which_fitting(random.Random(0), "booking_id", bookings, 3, "upgrade your booking", held=["BKN-3"])
    assert "can be upgraded that way (BKN-3 already has that)" in said, said


def test_a_record_is_judged_as_the_latest_read_shows_it() -> None:
    """The listing read at the start of a session goes stale: a card listed as frozen that an
    unfreeze since showed active is a candidate again; a transaction's account_id is not its account."""
    from gem_env.agents.candidates import as_last_seen

    listing = {"customer_id": "CST-1", "cards": [{"card_id": "CRD-1", "status": "frozen"},
                                                 {"card_id": "CRD-2", "status": "active"}]}
    seen = as_last_seen("card_id", [listing, {"card_id": "CRD-1", "status": "active"},
                                    {"charge_id": "CHR-1", "card_id": "CRD-2", "status": "posted"}])
    assert seen({"card_id": "CRD-1", "status": "frozen"}) == {"card_id": "CRD-1", "status": "active"}
    assert seen({"card_id": "CRD-2", "status": "active"}) == {"card_id": "CRD-2", "status": "active"}


def test_a_record_an_earlier_request_read_is_recalled_only_where_the_change_fits_it() -> None:
    """A later request's record named by what an earlier request read of it ("the one ending in
    ...") is taken from memory only among the records the change may be made on, as the opening
    reads and the gold's description are: a closed card with those digits is not the card to freeze."""
    from gem_env.agents.candidates import Records, ruled_out_by_listing

    compiled, sb, by_owner = _example("bank/freeze-a-card.md", "cards")
    _, cards = _mixed_owner(by_owner)
    other = next(c for c in cards if c["status"] != "active")
    listing = {"customer_id": cards[0]["customer_id"], "cards": [{"card_id": c["card_id"], "status": c["status"]} for c in cards]}
    details = sb.call("get_card_details", {"card_id": other["card_id"]}).value
    freeze = next(w for w in compiled.domain.workflows if any(s.tool == "freeze_card" for s in w.steps))
    ruled = ruled_out_by_listing(compiled, freeze, "card_id", sb.clock)
    records = Records(compiled)
    text = f"freeze my card ending in {details['last4']}"
    still = [("get_card_details", details)]
    assert records.recalled("card_id", [("", {}, listing)], still, text) == other["card_id"]
    assert records.recalled("card_id", [("", {}, listing)], still, text, ruled) is None


def test_a_record_described_by_what_no_write_changed_is_found_without_opening_all_again() -> None:
    """After a transfer between the customer's two accounts, "turn on the overdraft protection. It's
    the savings one" re-opened both accounts (their balances changed) to find the savings one,
    though an account's type cannot change: what is still known of every candidate finds it."""
    from gem_env.agents.candidates import Records

    compiled, sb, by_owner = _example("bank/transfer-money.md", "accounts")
    def unique(rs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rs if sum(x["account_type"] == r["account_type"] for x in rs) == 1]

    owner, accounts = next((o, rs) for o, rs in sorted(by_owner.items()) if 2 <= len(rs) <= 6 and unique(rs))
    listing = {"customer_id": owner, "accounts": [{"account_id": r["account_id"], "status": r["status"]} for r in accounts]}
    still = [("get_account_details", {"account_id": r["account_id"], "account_type": r["account_type"]}) for r in accounts]
    records = Records(compiled)
    for r in unique(accounts):
        text = f"turn on the overdraft protection of my account. It's the {r['account_type']} one"
        assert records.recalled("account_id", [("", {}, listing)], still, text) == r["account_id"]
        # not where one of them is no longer known: it is opened, as before
        others = [x for x in still if x[1]["account_id"] != r["account_id"]]
        assert records.recalled("account_id", [("", {}, listing)], others[:-1] + [still[accounts.index(r)]], text) is None


def test_the_card_the_request_froze_is_still_the_one_meant_after_the_write() -> None:
    """The card named in the first words ("ending in ...") is found on the first card opened; once it
    is frozen, it no longer fits a freeze: the request's own change must not send the agent looking
    for another card (it opened the other one and asked "which card?" after the freeze)."""
    from gem_env.agents.workflow_agent import WorkflowAgent

    compiled, sb, by_owner = _example("bank/freeze-a-card.md", "cards")
    owner, cards = _mixed_owner(by_owner)
    email = sb.dump(["customers"])["customers"][owner]["email"]
    listed = sb.call("find_customer_by_email", {"email": email}).value
    first = next(c["card_id"] for c in listed["cards"] if c["status"] == "active")
    last4 = next(c["last4"] for c in cards if c["card_id"] == first)
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"}, {
        "role": "user", "content": f"Please freeze my card ending in {last4} because it was lost. My email is {email}."}]
    asked = until_spoken(WorkflowAgent(compiled), sb, messages)
    assert first in asked and _reads(messages, "get_card_details") == [first], asked
    messages.append({"role": "user", "content": "Yes, go ahead."})
    done = until_spoken(WorkflowAgent(compiled), sb, messages)
    assert _reads(messages, "freeze_card") == [first] and _reads(messages, "get_card_details") == [first], done
    assert "which" not in done.lower(), done
