"""What the assistant states must have a source (`claims_grounded`), and its prompt must hold every
rule it cites and every outcome it tells (`policy_lines`)."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.ground.episode import policy_prompt
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.stages.verify_claims import (claims, not_worked_out, ungrounded, untied_described_dates,
                                          untied_listed_dates, untied_statuses, wrong_states)

ROOT = Path(__file__).resolve().parents[1]


def _example(rel: str) -> Any:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / rel]))
    return check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))


def _rollouts(compiled: Any, seeds: tuple[int, ...]) -> list[tuple[Any, Any]]:
    out = []
    for seed in seeds:
        tasks, _ = make_tasks(compiled, per_domain=12, seed=seed)
        jobs = [RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario)) for t in tasks]
        out += list(zip(tasks, asyncio.run(run_rollouts(jobs))))
    return out


@pytest.fixture(scope="module")
def hotel() -> tuple[Any, list[tuple[Any, Any]]]:
    compiled = _example("hotel/modify-a-reservation.md")
    # (seeds 0-9: with fewer records opened and reasons that fit, fewer seeds draw a refusal worded as a rule cited)
    return compiled, _rollouts(compiled, tuple(range(10)))


def _message(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "content": content}


def test_amounts_dates_and_ids_are_read_as_claims() -> None:
    said = claims("It comes to $1,259.04 (20% off) on Jan 24, 2025 for booking BKN-12345.")
    assert ("number", "1259.04", "$1,259.04") in said and ("number", "20", "20%") in said
    assert ("date", "2025-01-24", "January 24, 2025") in said  # any way the assistant writes a date with its year
    assert ("id", "BKN-12345", "BKN-12345") in said


def test_a_claim_is_grounded_by_any_source_written_any_way() -> None:
    messages = [_message("system", "Policy:\n- A late cancellation costs $25."),
                _message("user", "Please book it from 2 Feb 2025."),
                _message("tool", '{"reservation_id": "RSV-10293", "total": 1200.5}'),
                _message("assistant", "Booked from February 2, 2025: RSV-10293, $1,200.50 in total; a late "
                                      "cancellation costs $25.")]
    assert ungrounded(messages) == []
    messages[-1] = _message("assistant", "Booked from February 3, 2025: RSV-10294, $1,213.50 in total.")
    assert [c["said"] for c in ungrounded(messages)] == ["$1,213.50", "February 3, 2025", "RSV-10294"]


def test_a_changes_result_said_wrong_is_caught() -> None:
    """After a write, the state the assistant says the record now has must be one the turn's replies
    hold; a lookup's answer may come from an earlier read, so only a change's result is read this way."""
    def call(name: str) -> dict[str, Any]:
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": name, "type": "function", "function": {"name": name, "arguments": "{}"}}]}
    messages = [_message("user", "Please freeze my card."), call("get_card"),
                _message("tool", '{"card_id": "CRD-1", "status": "active"}'), call("freeze_card"),
                _message("tool", '{"card_id": "CRD-1", "status": "frozen"}'),
                _message("assistant", "Done. It now shows as frozen."),
                _message("user", "And my other card?"), call("get_card"),
                _message("tool", '{"card_id": "CRD-2", "status": "closed"}'),
                _message("assistant", "Its status is active.")]  # a lookup: said from an earlier read, not checked here
    assert wrong_states(messages, {"freeze_card"}) == []
    messages[5] = _message("assistant", "Done. It now shows as active.")
    assert [(c["value"], c["at"]) for c in wrong_states(messages, {"freeze_card"})] == [("active", 5)]


def test_a_refusal_says_the_records_status_as_its_reply_gave_it() -> None:
    """"Our records show your charge CHR-02446 as pending" (a refusal naming the record whose status
    breaks the rule) is a claim of that record's status: said "as posted", it was let through."""
    messages = [_message("tool", '{"card_id": "CRD-1", "status": "active", "recent_charges": '
                                 '[{"charge_id": "CHR-02446", "status": "pending"}, {"charge_id": "CHR-3", "status": "posted"}]}'),
                _message("assistant", "I can't create a dispute for your charge: pending charges cannot be disputed. "
                                      "Our records show your charge CHR-02446 as pending.")]
    said = lambda: [(c["value"], c["at"]) for c in untied_statuses(messages, {"active", "pending", "posted"})]  # noqa: E731
    assert said() == []
    messages[1] = _message("assistant", "Our records show your charge CHR-02446 as posted.")
    assert said() == [("posted", 1)]
    messages[1] = _message("assistant", "Our records show your charge CHR-02446 as reversed.")  # any word: a claim
    assert said() == [("reversed", 1)]


def test_a_records_status_said_is_the_one_a_reply_last_gave_it() -> None:
    """"ACC-202, which is closed": the status the last reply before it gave that record itself (not one
    of its transactions, not what it was before a change); what a change will make, a later reply of
    the record or one made for it; with no id, a record of the turn; a rule's clause is no claim."""
    vocabulary = {"open", "closed", "posted", "pending", "mounted"}
    messages = [_message("user", "Which account has more?"),
                _message("tool", '{"accounts": [{"account_id": "ACC-101", "status": "open"}, '
                                 '{"account_id": "ACC-202", "status": "closed"}]}'),
                _message("tool", '{"account_id": "ACC-101", "status": "open", "transactions": '
                                 '[{"transaction_id": "TRN-909", "account_id": "ACC-101", "status": "posted"}]}'),
                _message("assistant", "ACC-101 is open. I've left out ACC-202, which is closed. Its status shows open."),
                _message("assistant", "A dispute will be made for TRN-909. It will start out as pending."),
                _message("tool", '{"dispute_id": "DSP-303", "transaction_id": "TRN-909", "status": "pending"}'),
                _message("assistant", "Only an account that is open can be closed.")]
    said = lambda: [(c["value"], c["at"]) for c in untied_statuses(messages, vocabulary)]  # noqa: E731
    assert said() == [("open", 3)]  # "Its status shows open" after naming ACC-202, which is closed
    messages[3] = _message("assistant", "ACC-101 is open. I've left out ACC-202, which is closed.")
    assert said() == []
    for wrong in ("ACC-101 is posted.", "ACC-202 is open.", "ACC-101 is closed."):
        messages[3] = _message("assistant", wrong)
        assert said() == [(wrong.split()[-1].rstrip("."), 3)], wrong
    messages[4] = _message("assistant", "A dispute will be made for TRN-909. It will start out as open.")
    assert said() == [("closed", 3), ("open", 4)]
    messages[1:3] = [_message("tool", '{"account_id": "ACC-101", "status": "open"}'),
                     _message("tool", '{"account_id": "ACC-101", "status": "closed"}')]
    messages[3] = _message("assistant", "Done: the status is now closed. Before, ACC-101 was open; ACC-101 is closed.")
    assert said() == [("open", 4)]
    messages[3] = _message("assistant", "I can't change ACC-101: the address can only be changed while it is open. "
                                        "ACC-101 is closed; the disk is mounted.")
    assert said() == [("mounted", 3), ("open", 4)]
    messages[2] = _message("tool", '{"account_id": "ACC-101", "status": "closed", "disk_mounted": true}')
    assert said() == [("open", 4)]  # a flag's state; the rule's "while it is open" is no claim
    messages[3] = _message("assistant", "Item TRN-909 can't be returned; this account is open.")
    assert said() == [("open", 4)]  # said of the account it names by kind, not of the item named before
    vocabulary.add("requested")
    messages[3] = _message("assistant", "As requested, I've closed it. It's now closed. I'll now open the other.")
    assert said() == [("open", 4)]  # "As requested", "I'll now open" say no record's state


def test_what_a_change_will_make_is_the_next_writes_reply_and_a_refusals_it_is_its_target() -> None:
    """"It will start out as open": the reply of the write the confirmation spoke of, not a later row
    (the refill cancelled since) nor an older refill of the same visit. "Right now it shows active",
    no id named, in a refusal stating its rule: the refused card as last shown, or a value breaking
    the rule ("pending" of the item's order); not any card of the conversation."""
    vocabulary = {"open", "closed", "active", "frozen", "pending", "ordered"}
    call = {"id": "c1", "type": "function", "function": {"name": "request_refill", "arguments": '{"visit_id": "VST-10001"}'}}
    messages = [_message("tool", '{"refill_id": "RFL-10001", "visit_id": "VST-10001", "status": "closed"}'),
                _message("assistant", "A new refill will be made for your visit VST-10001. It will start out as closed."),
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c1", "content": '{"refill_id": "RFL-10002", "status": "open"}'},
                _message("tool", '{"refill_id": "RFL-10002", "visit_id": "VST-10001", "status": "closed"}')]
    said = lambda writes=frozenset({"request_refill"}), refused=(): [  # noqa: E731
        (c["value"], c["at"]) for c in untied_statuses(messages, vocabulary, (), writes, list(refused))]
    assert said() == [("closed", 1)]
    assert said(frozenset()) == []  # (without the write known: any later row of the visit)
    messages[1] = _message("assistant", "A new refill will be made for your visit VST-10001. It will start out as open.")
    assert said() == []
    rule = (["CRD-10001"], "A card that is frozen cannot be changed", ["frozen"])
    messages = [_message("tool", '{"card_id": "CRD-10001", "status": "frozen"}'),
                _message("tool", '{"card_id": "CRD-10002", "status": "active"}'),
                _message("assistant", "I can't change your card's limit. A card that is frozen cannot be changed. "
                                      "Right now it shows active.")]
    assert said(refused=[rule]) == [("active", 2)]
    assert said() == []  # (no refusal known: any record of the conversation)
    messages[2] = _message("assistant", "A card that is frozen cannot be changed. At the moment it's active.")
    assert said(refused=[rule]) == [("active", 2)]
    for right in ("A card that is frozen cannot be changed. Right now it shows frozen.",
                  "Noted: you were told no because it's active."):  # (a note of the user's words)
        messages[2] = _message("assistant", right)
        assert said(refused=[rule]) == [], right
    messages[2] = _message("assistant", "It now shows as active. You also mentioned a card that was changed.")
    assert said(refused=[rule]) == []  # touching the rule's subject is not stating it: any card of the conversation
    messages[:3] = [_message("tool", '{"item_id": "ITM-10001", "order_id": "ORD-10001", "status": "ordered"}'),
                    _message("assistant", "An exchange only works for items from a delivered order. Right now it "
                                          "shows pending.")]
    assert said(refused=[(["ITM-10001"], "An exchange only works for items from a delivered order", ["pending"])]) == []


def test_a_deadline_worked_out_from_a_records_date_and_the_policys_period_is_grounded() -> None:
    """"You have until March 11, 2025": 60 days (the policy) from the statement date (a reply); the
    prompt says today's date, so "by January 22" is 5 business days from it. A record's date said a
    day off, or a date no period reaches, is still made up."""
    messages = [_message("system", policy_prompt(_example("bank/dispute-a-charge.md").domain)
                         + "\n- A dispute can be filed within 60 days of the statement date."
                         "\n- Refunds arrive within 5 business days."),
                _message("tool", '{"statement_id": "STM-10001", "statement_date": "2025-01-10"}'),
                _message("assistant", "You have until March 11, 2025 to dispute it, and the refund should be back "
                                      "by January 22, 2025.")]
    assert "Today is Wednesday, January 15, 2025; the time is 12:00." in messages[0]["content"]
    assert ungrounded(messages) != []  # a claim no message holds as it is ...
    assert not_worked_out(ungrounded(messages), messages) == []  # ... worked out from a date and a period
    for wrong in ("You have until March 12, 2025.", "The statement is from January 11, 2025.",
                  "It was filed on March 11, 2025."):
        messages[2] = _message("assistant", wrong)
        assert len(not_worked_out(ungrounded(messages), messages)) == 1, wrong


def test_every_offline_conversation_grounds_what_it_states(hotel: tuple[Any, list[tuple[Any, Any]]]) -> None:
    _, rolled = hotel
    assert rolled and all(t.verification.passed for _, t in rolled)
    assert all(c.passed for _, t in rolled for c in t.verification.checks if c.name == "claims_grounded")


def test_a_changed_amount_date_or_id_fails_verification(hotel: tuple[Any, list[tuple[Any, Any]]]) -> None:
    """Each value the assistant states after a tool reply, changed in one place, fails `claims_grounded`
    (and only that check where it is no required output)."""
    compiled, rolled = hotel
    changed = 0
    for task, traj in rolled:
        messages = [dict(m) for m in traj.messages]
        at = next((i for i, m in enumerate(messages) if m["role"] == "assistant" and isinstance(m.get("content"), str)
                   and any(k == "number" and float(v) >= 10 for k, v, _ in claims(m["content"]))
                   and any(x["role"] == "tool" for x in messages[:i])), None)
        if at is None:
            continue
        messages[at]["content"] = re.sub(r"\$(\d[\d,]*)", lambda m: f"${int(m.group(1).replace(',', '')) + 13:,}",
                                         messages[at]["content"], count=1)
        result = verify(task, messages, compiled)
        assert not result.passed and "claims_grounded" in [c.name for c in result.checks if not c.passed]
        changed += 1
    assert changed >= 5


def test_what_a_change_would_make_is_grounded_by_running_it(hotel: tuple[Any, list[tuple[Any, Any]]]) -> None:
    """A total a confirmation works out before the change ("That comes to $1,209.36 in total") is in no
    message; the verification finds it in what the write made or would have made (a declined one run in
    its scratch sandbox), and a different total is still caught."""
    compiled, rolled = hotel
    told = [(task, traj, c) for task, traj in rolled for c in ungrounded(traj.messages) if c["kind"] == "number"]
    assert told, "no confirmation states a total worked out by the domain"
    for task, traj, claim in told:
        assert traj.verification.passed
        messages = [dict(m) for m in traj.messages]
        messages[claim["at"]]["content"] = messages[claim["at"]]["content"].replace(claim["said"], "$987.65")
        assert not verify(task, messages, compiled).passed


@pytest.mark.parametrize("rel, lines", [
    ("bank/open-a-savings-account.md", ["Only an account that is open can be closed.",
                                        "A new account needs an existing open checking account with a balance of at "
                                        "least $100.",
                                        "Your new account number appears at once, and the first deposit arrives "
                                        "within 1 business day."]),
    ("clinic/cancel-an-appointment.md", ["Late cancellations and missed appointments are charged a fee of $25, unless "
                                         "the visit was a vaccination.",
                                         "Only an appointment that is scheduled can be cancelled."]),
    # a flag's check, said of the doctor at hand ("This doctor is not accepting patients"), as a rule
    ("clinic/book-an-appointment.md", ["To book a visit, the doctor must be accepting patients."]),
])
def test_the_prompt_holds_every_rule_the_tools_enforce_and_outcome_told(rel: str, lines: list[str]) -> None:
    prompt = policy_prompt(_example(rel).domain)
    policy = prompt.split("Policy:\n", 1)[1].splitlines()
    for line in lines:
        assert f"- {line}" in policy, prompt
    # no check that states no rule: a lookup's miss, a fact of the record at hand, a placeholder
    assert not any(re.search(r"\{|for that email|already|^- This\b", line) for line in policy), prompt
    assert len(policy) == len(set(policy))


def test_every_rule_a_refusal_cites_is_in_the_prompt(hotel: tuple[Any, list[tuple[Any, Any]]]) -> None:
    """"That's down to this rule: X" (or "The applicable rule is: X", "Per our rules: X", ...): X is a
    line of the assistant's own system prompt."""
    _, rolled = hotel
    citing = re.compile(r"\b(?:rules?(?: is)?|policy (?:says|states)|Here's why): (.+?)\.")
    cited = [(m["content"], traj.messages[0]["content"]) for _, traj in rolled for m in traj.messages
             if m["role"] == "assistant" and isinstance(m.get("content"), str) and citing.search(m["content"])]
    assert cited
    from agents.prechecks import as_said
    for said, prompt in cited:
        rule = citing.search(said).group(1)
        # (said as a person says it: "Non-refundable rates can't be ..." of the line "... cannot be ...")
        lines = [as_said(line[2:].rstrip(".")).lower() for line in prompt.splitlines() if line.startswith("- ")]
        assert rule.lower() in prompt.lower() or any(rule.lower() in line for line in lines), (rule, prompt)


def test_a_request_said_done_is_no_status_claim() -> None:
    """"This is now complete." speaks of the request, not of a record whose status may be complete
    (a package's `package_status`): no claim to ground; "It's now complete." still is one."""
    from gem_env.stages.verify_claims import _status_said
    said = _status_said({"complete", "in progress"})
    assert said.search("This is now complete.") is None and said.search("That is now complete.") is None
    assert said.search("It's now complete.") and said.search("The package is now complete.")


def test_a_date_among_a_listed_records_details_is_that_records_own() -> None:
    """"BLL-202 (issued on September 24, 2024)" when BLL-202 was issued on September 23 and another
    bill on the 24th: the date has a source (the other bill), but not this record. Asked which one,
    the assistant lists each record with its own dates (a date-time's day counts); a record no reply
    showed with a date of its own is not judged."""
    bills = [{"bill_id": "BLL-101", "status": "open", "issued_on": "2024-09-24"},
             {"bill_id": "BLL-202", "status": "open", "issued_on": "2024-09-23"}]
    messages = [{"role": "user", "content": "I need a payment plan for my bill."},
                {"role": "tool", "content": json.dumps(bills)},
                {"role": "tool", "content": json.dumps({"rental_id": "RA-101", "picked_up_at": "2025-01-24T09:30:00"})},
                {"role": "assistant", "content": "You have 2 bills: BLL-101 (issued on September 24, 2024) and BLL-202 "
                                                 "(issued on September 23, 2024). Which bill ID should I use?"},
                {"role": "assistant", "content": "RA-101 (compact car, picked up on January 24, 2025 at 9:30 am) and "
                                                 "RA-202 (SUV, picked up on January 26, 2025 at 9:45 am)."}]
    assert untied_listed_dates(messages) == []
    messages[3]["content"] = messages[3]["content"].replace("September 23", "September 24")
    assert [(c["value"], c["record"]) for c in untied_listed_dates(messages)] == [("2024-09-24", "BLL-202")]
    messages[4]["content"] = messages[4]["content"].replace("January 24", "January 25")
    assert [c["record"] for c in untied_listed_dates(messages)] == ["BLL-202", "RA-101"]


def test_a_date_said_of_a_record_named_by_id_is_that_records_own() -> None:
    """"reservation SI-2468. That's the checked-in reservation, checking in on January 14" when it
    checks in on the 13th and another reservation on the 14th: a source holds the date, but not this
    record. A day of the record the next call goes on to use (the flight a booking moves to), a day
    the user said (the new value), the day the change's reply gives (when it takes effect) and a
    deadline are not judged, nor a date before any id is named."""
    mine = {"reservation_id": "SI-2468", "status": "checked in", "check_in": "2025-01-13", "nights": 3}
    other = {"reservation_id": "SI-1357", "status": "booked", "check_in": "2025-01-14", "nights": 2}
    flight = {"flight_id": "FL-902", "departs_on": "2025-02-27"}
    messages = [{"role": "user", "content": "I'd like to file a complaint and move my stay to February 3, 2025."},
                {"role": "tool", "content": json.dumps([mine, other])},
                {"role": "assistant", "content": "I'll file a complaint for reservation SI-2468. That's the "
                                                 "checked-in reservation, checking in on January 13, 2025. Shall I?"},
                {"role": "assistant", "content": "I'll move SI-2468 to February 3, 2025, to the flight on "
                                                 "February 27, 2025; it takes effect on March 1, 2025. You'll "
                                                 "hear back by January 20, 2025. Shall I?"},
                {"role": "user", "content": "Yes."},
                {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "move", "arguments": json.dumps(
                        {"reservation_id": "SI-2468", "flight_id": "FL-902"})}}]},
                {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"effective_on": "2025-03-01"})},
                {"role": "tool", "content": json.dumps(flight)}]
    messages.insert(2, {"role": "tool", "content": json.dumps(flight)})
    assert untied_described_dates(messages) == []
    messages[3]["content"] = messages[3]["content"].replace("January 13", "January 14")
    assert [(c["value"], c["record"]) for c in untied_described_dates(messages)] == [("2025-01-14", "SI-2468")]
    messages[3]["content"] = "On January 14, 2025 I'll look at SI-2468 again."  # before any id: not judged
    assert untied_described_dates(messages) == []


def test_the_day_a_change_takes_effect_is_read_from_its_call_tried_again_after_an_error() -> None:
    """A confirmation says the day a plan change takes effect, which the change's reply gives; when
    the first try is answered by a transient error (a refined `tool_errors` variant), the retry's
    reply gives it."""
    line = {"line_id": "LINE-18885", "plan": "unlimited", "last_renewed_on": "2024-12-26"}

    def call(i: int) -> dict:
        return {"role": "assistant", "content": None, "tool_calls": [{"id": f"c{i}", "type": "function", "function": {
            "name": "update_line_plan", "arguments": json.dumps({"line_id": "LINE-18885", "plan": "basic 5gb"})}}]}

    messages = [{"role": "tool", "content": json.dumps(line)},
                {"role": "assistant", "content": "I'll change the plan of your line LINE-18885 to basic 5gb. "
                                                 "The change would take effect on January 25, 2025. Shall I?"},
                {"role": "user", "content": "Yes."},
                call(1), {"role": "tool", "tool_call_id": "c1",
                          "content": json.dumps({"error": "429 Too Many Requests: rate limit exceeded"})},
                call(2), {"role": "tool", "tool_call_id": "c2", "content": json.dumps(
                    {"line_id": "LINE-18885", "pending_plan": "basic 5gb", "pending_plan_starts_on": "2025-01-25"})}]
    assert untied_described_dates(messages) == []
    messages[-1]["content"] = json.dumps({"line_id": "LINE-18885", "pending_plan_starts_on": "2025-01-26"})
    assert [c["value"] for c in untied_described_dates(messages)] == ["2025-01-25"]


def test_what_a_refused_write_would_have_made_is_the_writes_own() -> None:
    """"A new refund will be created ... It will start out as open." before a write the tool then
    refused ("There is already a refund for this subscription": a refined pitfall of the support
    run) is grounded in the write's own effect (the status it sets), as the confirmation told it;
    a status it never sets is still a claim without a source."""
    call = {"id": "c1", "type": "function",
            "function": {"name": "request_refund", "arguments": '{"subscription_id": "SBS-10001"}'}}
    messages = [_message("assistant", "A new refund will be created for your subscription SBS-10001. "
                                      "It will start out as open."),
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c1", "content": '{"error": "There is already a refund"}'}]
    said = lambda: [(c["value"], c["at"]) for c in untied_statuses(  # noqa: E731
        messages, {"open", "closed"}, (), {"request_refund"}, [], {"request_refund": frozenset({"open"})})]
    assert said() == []
    messages[0] = _message("assistant", "A new refund will be created for your subscription SBS-10001. "
                                        "It will start out as closed.")
    assert said() == [("closed", 0)]
