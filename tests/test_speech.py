"""What reads badly in the offline assistant's words, each fixed and held: a count that breaks a rule
said for what it counts, counts in the right number, a how-to guide's step said as the service's
(never the document's first person or a tool name's leftovers), asks that give only true reasons."""
from __future__ import annotations

import random
import re

import pytest

from gem_env.agents import banks as B
from gem_env.agents import speech as S
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.tools import compile_domain, parse_domain
from gem_env.tools.render import counted, is_count
from test_language import P, tool

LOANS = {"name": "library", "description": "Loans at a public library", "clock": "2025-03-01T10:00:00",
         "entities": [
             {"name": "members", "primary_key": "member_id", "rows": 4,
              "fields": [{"name": "member_id"}, {"name": "email", "unique": True}]},
             {"name": "loans", "primary_key": "loan_id", "rows": 10,
              "fields": [{"name": "loan_id", "faker": {"provider": "bothify", "args": {"text": "LN-####"}}},
                         {"name": "member_id", "foreign_key": "members.member_id"},
                         {"name": "status", "values": ["active"]},
                         {"name": "renewals", "type": "integer", "values": [0, 2]}]}],
         "tools": [
             tool("get_loan", [{"find": "loans", "as": "l", "where": {"loan_id": "loan_id"}}, {"return": "l"}],
                  [P("loan_id")], "read"),
             tool("renew_loan", [{"find": "loans", "as": "l", "where": {"loan_id": "loan_id"}},
                                 {"require": "l.renewals < 2", "message": "A loan can be renewed twice at most."},
                                 {"update": "loans", "row": "l", "set": {"renewals": "l.renewals + 1"}},
                                 {"return": {"loan_id": "l.loan_id", "renewals": "l.renewals"}}], [P("loan_id")])],
         "workflows": [{
             "name": "renew_loan", "goal": "Renew your loan (loan {loan_id})", "anchor": {"table": "loans"},
             "knows": {"loan_id": "row.loan_id"},
             "steps": [{"tool": "get_loan", "args": {"loan_id": {"user": "loan_id"}}, "as": "loan"},
                       {"tool": "renew_loan", "args": {"loan_id": {"user": "loan_id"}}, "as": "done"}]}]}


async def test_a_refusal_says_what_a_count_at_its_limit_counts() -> None:
    compiled = compile_domain(parse_domain(LOANS))
    tasks = [t for seed in range(3) for t in make_tasks(compiled, per_domain=6, seed=seed)[0]
             if t.category == "refuse"]
    assert tasks, "the loans domain makes a refusal"
    done = await run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                               for t in tasks], concurrency=2)
    for traj in done:
        assert traj.verification.passed, traj.verification.failed
        refusal = next(m["content"] for m in traj.messages if m["role"] == "assistant" and m.get("content")
                       and "twice at most" in m["content"])
        assert "2 renewals" in refusal and not re.search(r"\b(?:it's|currently|as|shows) 2\.", refusal), refusal


def test_a_refusal_says_each_breaking_value_for_what_it_means() -> None:
    for seed in range(20):
        rng = random.Random(seed)
        count = S.refuse(rng, "freeze your membership", "You cannot freeze a membership more than twice a year.",
                         ["2"], [("freezes_this_year", 2, "")])
        assert "2 freezes this year" in count, count
        money = S.refuse(rng, "transfer the funds", "The balance must cover the amount.", ["40.5"], [("balance", 40.5, "")])
        assert "$40.50" in money and "balance" in money.split("amount.")[-1], money


def test_counts_named_by_their_field_agree_with_their_number() -> None:
    assert counted("new_guests", 4) == "4 guests" and counted("new_guests", 1) == "1 guest"
    assert counted("freezes_this_year", 1) == "1 freeze this year" and counted("seats_left", 3) == "3 seats left"
    assert counted("renewal_count", 2) == "2 renewals" and counted("number_of_nights", 1) == "1 night"
    assert is_count("freezes_this_year", 2) and is_count("renewal_count", 0)
    assert not is_count("status", 2) and not is_count("balance", 2) and not is_count("address", 2)
    for seed in range(10):
        said = S.details({"booking_id": "BK-1", "new_guests": 4}, re.compile("pin"), said="change your booking")
        assert "4 guests" in said and "guests is" not in said, said
        # a count of times done is said as a person says it (round 61): "frozen twice this year"
        assert "frozen twice this year" in S.fact(random.Random(seed), "freezes_this_year", 2, after_write=False)


def test_a_guide_step_is_said_as_the_service_would() -> None:
    goal = "User Blocking: Complete Guide: choose the option to block the user and confirm (profile {profile_id})"
    assert S.action(goal, "immediately_add") == "choose the option to block the user"
    # what the customer receives is what the service sends them, never "I'll receive the invitation"
    assert S.action("Adding authorized users", "receive_invitation") == "send you the invitation"
    assert S.action("Adding users: receive the invitation by email", "enter_detail") == "send you the invitation by email"
    # a step only the customer can take is not put in the agent's mouth; a tool name that starts with
    # no verb leaves the guide's step, whatever its verb (round 53: was "go ahead with this step")
    said = S.action("Promo: watch for an on-screen confirmation", "watch_screen")
    assert not re.search(r"\b(?:watch|receive)\b", said), said
    assert S.action("Blocking: review your list", "immediately_add") == "review your list"
    assert S.past(said).startswith("gone ")
    # a field named for a moment is said as a noun
    assert S.action("change the send on of my payment {payment_id} to {new_send_on}", "update_payment",
                    {"payment_id": "PAY-1", "new_send_on": "2025-02-02"}) \
        == "change the send date of your payment PAY-1 to February 2, 2025"
    assert "4821" not in S.action("Internal: use open_bank_account_4821 to open the account", "open_bank_account_4821")
    # a guide's setting step with the value the user chose, or without it before they say it (was
    # "set the delivery preference to." before they had)
    goal = "Alerts on Hunter Green: set the delivery preference to {new_delivery_preference} (alert {alert_id})"
    assert S.action(goal, "set_delivery_preference") == "set the delivery preference"
    assert S.action(goal, "set_delivery_preference", {"new_delivery_preference": "email"}) \
        == "set the delivery preference to email"


def test_an_ask_gives_no_reason_it_does_not_have() -> None:
    for seed in range(40):
        text = S.ask(random.Random(seed), ["summary"], False, "pass your question to a person", frozenset())
        assert not re.search(r"look you up|find the right record|find you in our system|one detail first", text), text
        who = S.ask(random.Random(seed), ["email"], False, "freeze your card CRD-1", frozenset(),
                    finds=frozenset({"email"}))
        assert "records" not in who and ("your card" in who or who.endswith("?")), who


def test_the_reason_names_the_record_not_what_becomes_of_it() -> None:
    """"It's how I find your computer.", never "It's how I find your computer run faster." (the
    action's words after "your" go on past the record the request is about)."""
    whys = {S.ask(random.Random(seed), ["computer_name"], False, "make your computer run faster", frozenset(),
                  finds=frozenset({"computer_name"}), record="computer") for seed in range(40)}
    assert any(w.endswith("your computer.") for w in whys) and not any(w.endswith("run faster.") for w in whys), whys
    # a record said in more words than its noun keeps them
    whys = {S.ask(random.Random(seed), ["email"], False, "hide your profile picture on Facebook", frozenset(),
                  finds=frozenset({"email"}), record="picture") for seed in range(40)}
    assert any(w.endswith("your profile picture.") for w in whys), whys


def test_the_full_action_is_said_once_at_the_confirmation() -> None:
    what = "freeze your account ACC-1 because of suspected fraud"
    assert S.brief(what) == "freeze your account"
    assert S.brief("create a dispute for transaction TRN-9 because of fraud") == "create a dispute for the transaction"
    for seed in range(30):
        done = S.report(random.Random(seed), True, what, [("status", "frozen")])
        assert "ACC-1" not in done and "because" not in done, done
        lead = S.ask(random.Random(seed), ["reason"], False, what, frozenset())
        assert "ACC-1" not in lead, lead


def test_free_text_is_asked_for_as_something_to_write() -> None:
    for seed in range(40):
        text = S.ask(random.Random(seed), ["summary"], bool(seed % 2), "pass your question to a person", frozenset())
        assert "a short summary" in text and not re.search(r"(?i)what(?:'s| is) a short", text), text


def test_which_one_says_what_a_bare_number_is() -> None:
    text = S.which(random.Random(0), "card_id", [{"card_id": "CRD-1", "status": "active", "last4": "9199"},
                                                 {"card_id": "CRD-2", "status": "frozen", "last4": "0078"}])
    assert "CRD-1 (ending in 9199, active)" in text and "CRD-2 (ending in 0078, frozen)" in text, text


def test_which_one_lists_what_tells_the_records_apart_and_says_what_they_share_once() -> None:
    cards = [{"card_id": f"CRD-{i}", "status": "active", "last4": digits, "card_type": kind, "spending_limit": 2000.0 + i}
             for i, (digits, kind) in enumerate([("9237", "debit"), ("9775", "credit"), ("7152", "credit")])]
    text = S.which(random.Random(0), "card_id", cards)
    assert "3 active cards" in text and "CRD-0 (debit, ending in 9237), CRD-1 (credit, ending in 9775) and CRD-2 " \
        "(credit, ending in 7152)" in text and "$" not in text, text
    loans = [{"loan_id": "LOAN-1", "status": "active", "due_date": "January 25, 2025",
              "title": {"title_id": "TTL-1", "name": "Bread Every Day"}},
             {"loan_id": "LOAN-2", "status": "overdue", "due_date": "January 5, 2025",
              "title": {"title_id": "TTL-2", "name": "A Field Guide to Mosses"}}]
    text = S.which(random.Random(0), "loan_id", loans)
    assert "LOAN-1 (Bread Every Day, active) and LOAN-2 (A Field Guide to Mosses, overdue)" in text, text
    same = [{"loan_id": f"LOAN-{i}", "status": "active", "due_date": f"January {i + 20}, 2025"} for i in range(2)]
    text = S.which(random.Random(0), "loan_id", same)
    assert "2 active loans" in text and "LOAN-0 (due on January 20, 2025)" in text, text


def test_records_a_list_would_say_alike_are_told_apart_in_plain_words() -> None:
    """"BKN-19915 (from San Francisco, to Seattle), ... BKN-53262 (from San Francisco, to Seattle)":
    a trip reads "San Francisco to Seattle", and two the details say alike get the date that tells
    them apart (and so does every other record: a list dates all its records or none); memos are
    quoted all alike ('about Utilities' beside 'about "Phone bill"')."""
    trip = {"status": "confirmed", "origin": "San Francisco", "destination": "Seattle", "passengers": 2}
    bookings = [{"booking_id": "BKN-1", **trip, "travel_date": "February 21, 2025"},
                {"booking_id": "BKN-2", **trip, "origin": "Chicago", "destination": "Boston", "travel_date": "February 3, 2025"},
                {"booking_id": "BKN-3", **trip, "travel_date": "February 18, 2025"}]
    text = S.which(random.Random(0), "booking_id", bookings)
    assert "BKN-1 (San Francisco to Seattle, traveling on February 21, 2025), BKN-2 (Chicago to Boston, traveling " \
        "on February 3, 2025) and " \
        "BKN-3 (San Francisco to Seattle, traveling on February 18, 2025)" in text, text
    payments = [{"payment_id": "PYM-1", "status": "scheduled", "memo": "Utilities", "amount": 40.0},
                {"payment_id": "PYM-2", "status": "scheduled", "memo": "Phone bill", "amount": 55.0}]
    text = S.which(random.Random(0), "payment_id", payments)
    assert 'PYM-1 (about "Utilities"' in text and 'PYM-2 (about "Phone bill"' in text, text
    # a card opened to be told apart keeps its status beside its kind and digits where the statuses differ
    cards = [{"card_id": f"CRD-{i}", "status": status, "last4": f"000{i}", "card_type": "debit" if i else "credit"}
             for i, status in enumerate(["frozen", "active", "active"])]
    text = S.which_fitting(random.Random(0), "card_id", cards, 4, "close your card")
    assert "CRD-0 (credit, ending in 0000, frozen), CRD-1 (debit, ending in 0001, active)" in text, text
    text = S.which_fitting(random.Random(0), "card_id", cards[1:], 4, "close your card")
    assert "CRD-1 (ending in 0001) and CRD-2 (ending in 0002)" in text, text


def test_a_row_of_a_fee_table_is_never_told_alone() -> None:
    rows = [f"The early closure fee is ${fee} if closed within {days} days." for fee, days in ((15, 30), (25, 60), (50, 90))]
    for seed in range(20):
        said = S.guide(random.Random(seed), [*rows, "Standard transfers typically complete in 2 business days."])
        if "closure fee" in said:
            assert all(f"${fee} if closed within {days} days" in said for fee, days in ((15, 30), (25, 60), (50, 90))), said


def test_a_confirmation_does_not_tack_a_word_onto_the_reason() -> None:
    for seed in range(60):
        said = S.confirm(random.Random(seed), "freeze your card CRD-1 because it was lost", {"card_id": "CRD-1"},
                         re.compile("pin"))
        assert "lost now" not in said, said


def test_which_says_as_many_records_as_it_counts() -> None:
    """"There's more than one here, 8 cards: <six of them>" read as if six were all: the ones not
    listed are counted ("... and 2 more")."""
    import random as _random

    from gem_env.agents import speech as _S
    cards = [{"card_id": f"CRD-{i:05d}", "status": "active"} for i in range(8)]
    for seed in range(6):
        said = _S.which(_random.Random(seed), "card_id", cards)
        assert "8 cards" in said and "and 2 more" in said and "CRD-00005" in said, said
    two = _S.which(_random.Random(0), "card_id", cards[:2])
    assert "2 active cards: CRD-00000 and CRD-00001" in two and "more" not in two, two



def test_a_record_not_named_yet_keeps_the_word_that_tells_it_apart() -> None:
    goal = "transfer {amount} from my account {source_account_id} to my other account {destination_account_id}"
    assert S.action(goal, "transfer_funds", {"amount": 1100}) == "transfer $1,100 from your account to your other account"


def test_a_yes_no_fact_about_a_person_says_they() -> None:
    import random
    for seed in range(10):
        said = S.fact(random.Random(seed), "accepting_patients", False, after_write=False, who="they").lower()
        assert "they are not accepting patients" in said and " it " not in f" {said} ", said
        said = S.fact(random.Random(seed), "has_insurance", False, after_write=False, who="they").lower()
        assert "they do not have insurance" in said, said
        said = S.fact(random.Random(seed), "verified", True, after_write=False, who="you").lower()
        assert "you are verified" in said and "they" not in said, said  # the customer's own profile
    assert "it is not accepting patients" in S.fact(random.Random(0), "accepting_patients", False, after_write=False).lower()
    # a person the customer named is called by their name ("Yes, they are accepting patients." before)
    for seed in range(10):
        said = S.fact(random.Random(seed), "accepting_patients", True, after_write=False, who="Glenn Cortez")
        assert "Glenn Cortez is accepting patients" in said, said
        said = S.fact(random.Random(seed), "has_insurance", False, after_write=False, who="Glenn Cortez")
        assert "Glenn Cortez does not have insurance" in said, said


@pytest.mark.parametrize(("field", "said"), [
    ("check_in", "checking in on"), ("move_out", "moving out on"), ("travel_date", "traveling on"),
    ("birth_date", "born on"), ("expiry_date", "expiring on"), ("send_on", "to be sent on"), ("booked_on", "booked on"), ("starts_at", "starting"),
    ("picked_up_at", "picked up on"), ("last_scanned_at", "last scanned on"),
])
def test_a_records_date_is_said_as_the_event_it_marks(field: str, said: str) -> None:
    from gem_env.agents.speech import _when_phrase
    assert _when_phrase(field) == said


def test_a_yes_no_state_named_by_a_preposition_reads_as_one() -> None:
    """'in_stock' is a state: "it is in stock", never "In stock is on"."""
    for seed in range(8):
        said = S.fact(random.Random(seed), "in_stock", False, after_write=False).lower()
        assert "it is not in stock" in said and " on." not in said, said


def test_a_confirmation_says_what_the_field_holds_before_the_change() -> None:
    """The user sees the change from what to what ("Right now, the plan name is Basic."); a count
    says what the record has, a moment when it is set for, and a field the record does not show,
    or already shows the new value, adds nothing."""
    seen = [{"membership_id": "MMBR-1", "status": "active", "plan_name": "Basic", "bags": 1,
             "starts_at": "2025-02-07T12:19:00"}]
    for seed in range(8):
        def said(args: dict) -> str:
            return S.confirm(random.Random(seed), "change it", args, re.compile("pin"), seen=seen)
        assert "the plan name is Basic." in said({"membership_id": "MMBR-1", "plan_name": "Standard"})
        assert "it has 1 bag." in said({"membership_id": "MMBR-1", "bags": 2})
        assert "it's set for February 7, 2025 at 12:19 pm." in said({"membership_id": "MMBR-1",
                                                                     "starts_at": "2025-02-09T10:00:00"})
        for args in ({"membership_id": "MMBR-1", "plan_name": "Basic"}, {"membership_id": "MMBR-1", "tier": "gold"}):
            assert not re.search(r"Right now|At the moment|Currently|As it stands", said(args)), said(args)


def test_a_fee_told_earlier_in_the_chat_is_not_read_out_again() -> None:
    """The second account closed in one chat gets "the same fees apply", not the fee table again."""
    fees = ["The early closure fee is $20 if closed within 60 days.", "The early closure fee is $35 if closed within 90 days."]
    first = S.confirm(random.Random(0), "close your account ACC-1", {"account_id": "ACC-1"}, re.compile("pin"),
                      guidance=fees)
    assert "$20 if closed within 60 days" in first and "$35" in first
    assert all(S.told_before(f, f"Okay. {first}") for f in fees)
    assert not S.told_before("The late fee is $5.", first)
    for seed in range(6):
        again = S.confirm(random.Random(seed), "close your account ACC-2", {"account_id": "ACC-2"}, re.compile("pin"),
                          guidance=fees, told=f"Okay. {first}")
        assert "$20" not in again and re.search(r"fees I mentioned", again), again
    # a refund told earlier is no fee: "the same terms", never "the same fees"
    refund = ["We'll refund the full total to the original payment method within 5 business days."]
    first = S.confirm(random.Random(0), "cancel your order ORD-1", {"order_id": "ORD-1"}, re.compile("pin"),
                      guidance=refund)
    for seed in range(12):
        again = S.confirm(random.Random(seed), "cancel your order ORD-2", {"order_id": "ORD-2"}, re.compile("pin"),
                          guidance=refund, told=f"Okay. {first}")
        assert "refund the full total" not in again and "fee" not in again, again
        assert re.search(r"terms I mentioned|same terms|said earlier", again), again


def test_every_ask_for_something_to_write_is_a_question() -> None:
    """The agent reads the user's next message as the answer only after a question: an ask worded
    as a statement ("I'll need a short summary.") once made it read the summary as a new request."""
    assert all(q.endswith("?") and "{x}" in q for q in B.ASK_NOTE)


def test_a_one_word_yes_no_state_is_said_of_the_record() -> None:
    """A `verified` flag read out in a refusal says "it is not verified", never "Verified is not on"."""
    for seed in range(6):
        said = S.fact(random.Random(seed), "verified", False, after_write=False)
        assert "not verified" in said and " on" not in said, said


def test_a_new_records_facts_are_said_as_they_are_and_a_contacts_name_is_not_yours() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        made = " ".join(S.facts_told(rng, [("refund_id", "RFN-10001"), ("amount", 268.26)], after_write=True))
        assert "RFN-10001" in made and "$268.26" in made and not re.search(r"\bnow\b|now reads|comes out", made), made
        changed = " ".join(S.facts_told(random.Random(seed), [("total", 350.64)], after_write=True))
        assert "$350.64" in changed
        assert not S.fact(random.Random(seed), "name", "Katherine Rivera", after_write=False).startswith("Your")


def test_a_question_about_doing_something_to_a_person_says_them() -> None:
    """"block your user USR-1 ... Do you want me to block it?": a person is "them"; a card is "it"."""
    asked = {S.question(random.Random(i), "block your user USR-1 because of spam") for i in range(12)}
    assert any("block them" in a for a in asked) and not any(re.search(r"\bit\b", a) for a in asked)
    assert any("freeze it" in S.question(random.Random(i), "freeze your card CRD-1") for i in range(12))


def test_a_reason_told_in_words_is_not_repeated_as_a_value() -> None:
    """"... because the item was not received. That's with the reason "item not received"." said it twice."""
    args = {"transaction_id": "TRN-1", "reason": "item not received"}
    said = "create a dispute for transaction TRN-1 because the item was not received"
    assert S.details(args, re.compile("pin"), said=said) == ""
    # told apart, in a sentence of its own: not 'This is for line LINE-1, with the reason "travel".'
    assert S.details(args, re.compile("pin"), said="create a dispute") == \
        "This is for transaction TRN-1. I'll put the reason down as item not received."


def test_a_plural_field_takes_a_plural_verb() -> None:
    """"The last four digits shows 6583." -> "The last four digits show 6583."."""
    told = {S.fact(random.Random(i), "last4", "6583", after_write=w) for i in range(20) for w in (False, True)}
    assert not [t for t in told if re.search(r"digits (?:on file |now )?(?:is|shows|reads|comes)\b", t)], told
    assert any("digits are 6583" in t for t in told) and any("It shows the last four digits" in t for t in told)


@pytest.mark.parametrize("said,smoothed", [
    ("with a $8,213.24 balance", "with an $8,213.24 balance"), ("a $11,246.59 balance", "an $11,246.59 balance"),
    ("A $84.56 charge", "An $84.56 charge"), ("an $18 fee", "an $18 fee"), ("an $15.52 fee", "a $15.52 fee"),
    ("a $180 fee", "a $180 fee"), ("a $1,800 limit", "a $1,800 limit"), ("a $110 refund", "a $110 refund")])
def test_an_amount_takes_the_article_of_how_it_is_said(said: str, smoothed: str) -> None:
    """"eight thousand", "eleven", "eighteen", "eighty-four" start with a vowel; "one hundred" does not."""
    from gem_env.tools.render import smooth
    assert smooth(said) == smoothed


@pytest.mark.parametrize("action,said", [
    ("open the account", "opening an account"), ("update the customer address", "updating your address"),
    ("suspend the line", "suspending your line"), ("create a return for the item", "creating a return for your item"),
    ("move your reservation to the flight", "moving your reservation to the flight"),
    ("change the bags of your reservation", "changing the bags of your reservation")])
def test_what_the_service_can_do_is_said_to_the_customer(action: str, said: str) -> None:
    """A record the action names with "the" is the customer's, or a new one for an action that makes
    one; a field of theirs and a flight to move to keep their "the"."""
    from gem_env.agents.workflow_agent import _doing
    from gem_env.tools.render import smooth
    assert smooth(_doing(action)) == said


def test_another_records_id_after_a_change_is_where_it_points_now_not_a_new_number() -> None:
    """After moving a booking to flight FLG-1, "It's logged as flight FLG-1." told the flight as a
    record just made; the user then asked for "that flight number" again and got the last booking
    made instead. Only the records the write made get a new number's words."""
    for seed in range(30):
        moved = S.report(random.Random(seed), True, "move your booking", [("flight_id", "FLG-1")],
                         made=frozenset())
        assert "FLG-1" in moved and not re.search(r"logged|reference|keep that|quote|Your new", moved), moved
        made = S.report(random.Random(seed), True, "book a flight", [("booking_id", "BKN-1")],
                        made=frozenset({"booking_id"}))
        assert "BKN-1" in made and "now" not in made.split("BKN-1")[0][-20:], made


def test_a_date_still_to_come_is_not_told_as_past() -> None:
    """A reserved rental's pick-up next month read "It shows it was picked up on February 1, 2025"."""
    for seed in range(30):
        ahead = S.facts_told(random.Random(seed), [("picked_up_at", "February 1, 2025 at 3:45 pm")],
                             after_write=False, ahead=frozenset({"picked_up_at"}))[0]
        past = S.facts_told(random.Random(seed), [("picked_up_at", "January 2, 2025 at 3:45 pm")],
                            after_write=False)[0]
        assert "was" not in ahead and "picked up on February 1, 2025" in ahead, ahead
        assert "picked up on January 2, 2025" in past and not re.search(r"set to|due to|will", past), past


def test_another_person_is_described_by_name_but_the_customer_is_not_described_to_themselves() -> None:
    """"That's your active user called Allen Davis": a team member the customer blocks is named;
    the customer's own profile never is ("your customer called Bradley Miller")."""
    secret = re.compile(r"password|pin")
    member = {"user_id": "USR-1", "customer_id": "CST-1", "status": "active", "full_name": "Allen Davis"}
    me = {"customer_id": "CST-1", "first_name": "Bradley", "last_name": "Miller", "status": "active", "tier": "gold"}
    said = {S.describe(random.Random(seed), {"user_id": "USR-1"}, [member], secret, owner="customer_id")
            for seed in range(10)}
    assert all("active user called Allen Davis" in s for s in said), said
    assert S.describe(random.Random(0), {"customer_id": "CST-1"}, [me], secret, owner="customer_id") == ""
    assert S.describe(random.Random(0), {"user_id": "USR-1"}, [member], secret) == ""  # no owner known: no names


def test_a_status_that_only_says_whose_child_it_is_is_left_out() -> None:
    """"your ordered item called desk lamp" (every item of an order is ordered): the status says
    nothing there; a card's "active" does."""
    secret = re.compile(r"password|pin")
    item = {"item_id": "ITM-1", "order_id": "ORD-1", "status": "ordered", "product_name": "desk lamp"}
    said = {S.describe(random.Random(seed), {"item_id": "ITM-1"}, [item], secret, owner="customer_id")
            for seed in range(10)}
    assert all("desk lamp" in s and "called" not in s and "ordered" not in s for s in said), said
    order = {"order_id": "ORD-1", "status": "delivered"}  # the item as its order's reply lists it
    nested = {k: v for k, v in item.items() if k != "order_id"}
    assert "ordered" not in S.describe(random.Random(0), {"item_id": "ITM-1"}, [order, nested], secret,
                                       owner="customer_id")
    card = {"card_id": "CRD-1", "customer_id": "CST-1", "status": "active", "last4": "1234"}
    assert S.record_phrase("booking", [("status", "checked in")]) == "checked-in booking"
    # a thing's common name is its noun ("returned desk lamp", not "returned item called desk lamp");
    # a person's or a proper name follows the noun
    assert S.record_phrase("item", [("status", "returned"), ("product_name", "desk lamp"), ("amount", 188.13)]) \
        == "returned desk lamp, with an amount of $188.13"
    assert S.record_phrase("user", [("status", "active"), ("name", "Allen Davis")]) == "active user called Allen Davis"
    assert S.record_phrase("loan", [("status", "active"), ("renewals", 0)]) == "active loan, with no renewals"
    assert "active card ending in 1234" in S.describe(random.Random(0), {"card_id": "CRD-1"}, [card], secret,
                                                      owner="customer_id")


def test_a_state_said_with_a_preposition_follows_the_noun() -> None:
    assert S.record_phrase("account", [("status", "in arrears"), ("balance_due", 596.44)]) \
        == "account that's in arrears, with a $596.44 balance due"
    assert S.record_phrase("card", [("status", "active"), ("card_type", "debit")]) == "active debit card"


def test_a_moment_with_a_date_is_on_it_and_a_bare_time_at_it() -> None:
    """"It starts on February 27, 2025 at 11:15 am" (was "starts at February 27, ..."); a time of
    day alone keeps "at"."""
    for seed in range(10):
        said = S.fact(random.Random(seed), "starts_at", "2025-02-27T11:15:00", after_write=False)
        assert "starts on February 27, 2025 at 11:15 am" in said and "starts at February" not in said, said


def test_a_field_of_a_record_just_changed_is_never_said_to_be_the_customers() -> None:
    """"Your priority is normal." of a case, "Your role is viewer." of another user: after a change the
    field is the record's ("The priority is now normal.")."""
    import random
    for seed in range(40):
        said = S.fact(random.Random(seed), "priority", "normal", after_write=True)
        assert not said.startswith("Your ") and "normal" in said, said


def test_a_slots_date_and_time_are_said_as_when_it_is() -> None:
    """"slot with Dr. Kevin Davis, date on April 8, 2025, with time 16:00" was said of a slot."""
    assert S.record_phrase("slot", [("doctor", "Dr. Kevin Davis"), ("date", "2025-04-08"), ("time", "16:00")]) \
        == "slot with Dr. Kevin Davis, on April 8, 2025 at 4:00 pm"


def test_the_customer_is_called_by_their_own_first_name_not_their_doctors() -> None:
    """"Thanks, Kevin." to Ryan, whose doctor Kevin Davis was read in the same request."""
    secret = re.compile(r"password")
    patient = {"patient_id": "PAT-1", "first_name": "Ryan", "last_name": "Cabrera"}
    doctor = {"doctor_id": "DOC-1", "first_name": "Kevin", "last_name": "Davis"}
    without_owner = {S.confirm(random.Random(seed), "book the appointment", {"doctor_id": "DOC-1"}, secret,
                               [doctor, patient]) for seed in range(20)}
    assert not any("Kevin," in s or "Ryan," in s for s in without_owner)  # whose name is whose: unknown
    with_owner = {S.confirm(random.Random(seed), "book the appointment", {"doctor_id": "DOC-1"}, secret,
                            [doctor, patient], owner="patient_id") for seed in range(20)}
    assert any("Ryan" in s for s in with_owner) and not any("Kevin," in s for s in with_owner)


def test_a_charge_is_said_as_a_charge_and_nothing_as_nothing() -> None:
    """After moving a booking, "You'll see the amount charged as $0." / "It's updated: the amount
    charged is $60." (worded as a changed field)."""
    import random as _r

    from agents import speech as _S
    for i in range(12):
        none = _S.fact(_r.Random(i), "amount_charged", 0, after_write=True)
        some = _S.fact(_r.Random(i), "amount_charged", 60.0, after_write=True)
        assert "$0" in none and ("Nothing" in none or "no charge" in none or "nothing" in none), none
        assert "$60" in some and "now" not in some and "updated" not in some and "see" not in some, some

def test_a_sentence_relayed_after_a_colon_goes_on_in_lower_case() -> None:
    """"That didn't work, I'm afraid: The booking ..." read wrong; an id, "I" or a two-word name
    keeps its capital."""
    import random as _random

    from gem_env.agents import banks as _B
    for seed in range(8):
        said = S.pick(_random.Random(seed), _B.FAILED, error="The booking BKN-1 is already cancelled.")
        assert ": the booking BKN-1 is already cancelled." in said, said
        said = S.pick(_random.Random(seed), _B.FAILED, error="Your booking is already cancelled.")
        assert ": your booking is already cancelled." in said, said
        for kept in ("BKN-1 is already cancelled.", "I could not reach the airline.", "Gold members can always get one."):
            assert f": {kept}" in S.pick(_random.Random(seed), _B.FAILED, error=kept)


def test_a_handoff_note_goes_on_the_action_in_one_sentence() -> None:
    """Was 'I'll pass your question about your visit VST-1 to a person. I'll include a note saying "I
    would like to talk to someone about my visit VST-1".': the request's words twice, in two voices."""
    secret = re.compile("password")
    for seed in range(6):
        said = S.confirm(random.Random(seed), "pass your question about your visit VST-1 to a person",
                         {"patient_id": "PTN-1", "summary": "I would like to talk to someone about my visit VST-1"},
                         secret, owner="patient_id")
        assert "to a person, with a note that you'd like to talk to someone about it." in said, said
        assert "include a note" not in said and "my visit" not in said and said.count("VST-1") == 1, said
        said = S.confirm(random.Random(seed), "pass your question about your card CRD-1 to a person",
                         {"customer_id": "CST-1", "summary": "I do not recognise a charge on my card CRD-1"},
                         secret, owner="customer_id")
        assert "with a note that you do not recognise a charge on it." in said, said
    # words that are not one sentence of the customer's own are quoted
    said = S.confirm(random.Random(0), "pass your question about your order to a person",
                     {"customer_id": "CST-1", "summary": "Wrong item. Need help."}, secret, owner="customer_id")
    assert 'to a person, with a note saying "Wrong item. Need help".' in said, said
    # a message's id is no note (was 'I'll send the message, with a note saying "MES-07554".')
    said = S.confirm(random.Random(0), "send the message", {"message_id": "MES-07554"}, secret)
    assert "note" not in said and "message MES-07554" in said, said


def test_the_customer_is_called_by_their_own_name_not_one_a_long_reply_lists() -> None:
    """A long_context reply lists other customers' records; the confirmation called Sandra "Brandon"."""
    secret = re.compile("password")
    seen = [{"account_id": "ACC-1", "customer_id": "CST-1", "status": "open",
             "related_records": {"CST-9": {"customer_id": "CST-9", "first_name": "Brandon"}}},
            {"customer_id": "CST-1", "first_name": "Sandra", "last_name": "Diaz"}]
    from gem_env.agents.prechecks import records
    for seed in range(12):
        said = S.confirm(random.Random(seed), "close your account ACC-1", {"account_id": "ACC-1"}, secret,
                         records(seen), owner="customer_id", who="CST-1")
        assert "Brandon" not in said, said


def test_a_placed_noun_takes_the() -> None:
    """"It's second flight FLG-52771." read wrong: "The second flight is FLG-52771."."""
    for seed in range(12):
        said = S.fact(random.Random(seed), "second_flight_id", "FLG-2", after_write=False)
        assert re.match(r"The second flight(?: ID)? is FLG-2\.$", said), said


def test_a_handoff_note_in_the_past_agrees_with_you() -> None:
    """"with a note that you was going to create a return for your item ..." (the demo)."""
    said = S.confirm(random.Random(0), "pass your question about your order ORD-1 to a person",
                     {"customer_id": "CST-1", "summary": "I was going to create a return for my item because it "
                      "came in pieces but want to talk it over with someone first"}, re.compile("password"),
                     owner="customer_id")
    assert "with a note that you were going to create a return for your item" in said, said
    said = S.confirm(random.Random(0), "pass your question about your account ACC-1 to a person",
                     {"customer_id": "CST-1", "summary": "I wanted to transfer $100 from my account but was told no "
                      "because it's closed"}, re.compile("password"), owner="customer_id")
    assert "that you wanted to transfer $100 from your account but were told no because it's closed" in said, said


def test_what_a_count_is_before_a_change_says_none_as_none() -> None:
    """"Currently, it has 0 bags." (a refined session)."""
    said = S._now(random.Random(0), {"booking_id": "BKN-1", "bags": 2}, {"booking_id": "BKN-1", "bags": 0},
                  re.compile("password"))
    assert "it has no bags" in said and "0 bags" not in said, said


def test_which_of_the_fitting_records_says_what_they_fit() -> None:
    from gem_env.tools.referring import PROPOSED_RECORD
    """Only the records a change can be made on are named, with how many there are in all; the
    change is said of the record when it is made on it ("can be frozen"), else they "would work for this"."""
    cards = [{"card_id": f"CRD-{i}", "status": "active"} for i in range(2)]
    for seed in range(6):
        said = S.which_fitting(random.Random(seed), "card_id", cards, 5, "freeze your card because it was lost")
        assert "5 cards" in said and "can be frozen" in said and "CRD-0" in said and "CRD-1" in said, said
        one = S.which_fitting(random.Random(seed), "transaction_id", [{"transaction_id": "TRN-1", "status": "posted"}],
                              3, "create a dispute for your transaction because of fraud")
        assert "3 transactions" in one and "TRN-1 (posted)" in one and "would work for this" in one, one
        assert PROPOSED_RECORD.search(one)["id"] == "TRN-1", one


def test_a_record_proposed_is_told_from_a_question_for_a_value() -> None:
    """"What's the rx number, please?" is no record proposed (it was read as one: "please")."""
    from gem_env.tools.referring import PROPOSED_RECORD
    assert PROPOSED_RECORD.search("What's the rx number, please?") is None
    assert PROPOSED_RECORD.search("Is this for the same rental, RA-1?")["id"] == "RA-1"
    assert PROPOSED_RECORD.search("Is that the card you mean, CRD-80117?")["noun"] == "card"


def test_a_tier_found_is_said_with_its_noun() -> None:
    """"I found the Basic." -> "... the Basic plan"; "the yoga mat" stays as it is."""
    said = [S.looked(random.Random(seed), "plan", "PLN-1", "Basic") for seed in range(20)]
    assert all("the Basic plan" in s for s in said if s) and any(said), said  # (some answers open with no lead)
    mats = [S.looked(random.Random(seed), "product", "PRD-1", "yoga mat") for seed in range(20)]
    assert all("the yoga mat" in s and "product" not in s for s in mats if s) and any(mats), mats


def test_a_fee_of_nothing_read_from_a_record_is_not_a_charge() -> None:
    """"Nothing was charged: the monthly fee is $0." answered a question about a product's monthly
    fee; that is said only of what a change charged."""
    looked = [S.fact(random.Random(seed), "monthly_fee", 0, after_write=False) for seed in range(12)]
    assert all("$0" in s and "charged" not in s.lower() and "cost nothing" not in s for s in looked), looked
    charged = [S.fact(random.Random(seed), "amount_charged", 0, after_write=True) for seed in range(12)]
    assert all("$0" in s for s in charged) and any("charge" in s.lower() or "nothing" in s.lower() for s in charged), charged


def test_an_entry_named_by_its_kind_is_said_with_its_noun() -> None:
    """"The deluxe has a nightly rate of $332.77 and 11 rooms left." -> "The deluxe room has ..."."""
    said = S._terms({"room_id": "ROOM-1", "room_type": "deluxe", "nightly_rate": 332.77, "rooms_left": 11})
    assert said.startswith("The deluxe room has") and "11 rooms left" in said, said


def test_a_state_flag_ending_in_a_preposition_is_said_as_a_state() -> None:
    """`is_relied_on` (a how-to's "... is relied on") was said "No, it is not date relied." (the words
    of a date field named for its event, "filed_on" -> "date filed"), and its lookup failed."""
    said = {S.fact(random.Random(seed), "is_relied_on", False, after_write=False) for seed in range(12)}
    assert all("relied on" in s and "date" not in s for s in said), said


def test_a_yes_no_named_by_a_state_word_is_said_as_that_state() -> None:
    """Debian's flags named by an irregular participle or an -able adjective read "No, mailfrom set
    isn't turned on.", "You don't have actions made switched on.": they are the thing in that state."""
    cases = {"mailfrom_set": "the mailfrom is not set", "actions_made": "the actions are not made",
             "compatible_interpreter_available": "the compatible interpreter is not available"}
    for seed in range(6):
        for name, want in cases.items():
            said = S.fact(random.Random(seed), name, False, after_write=False).lower()
            assert want in said and " on" not in said, said
    assert "two factor" in S.fact(random.Random(0), "two_factor", True, after_write=False).lower()  # a setting, as before


def test_a_no_that_breaks_a_rule_answers_no_question() -> None:
    """A refusal's value is said plainly: "It is not verified.", never "No, it is not verified."
    (nobody asked), while a question about it is still answered "No, ..." at times."""
    for seed in range(12):
        said = S._breaking(random.Random(seed), "verified", False)
        assert "not verified" in said and not said.startswith("No,") and "afraid" not in said, said
    assert any(S.fact(random.Random(seed), "in_stock", False, after_write=False).startswith("No,") for seed in range(12))


def test_the_customers_only_record_is_not_pointed_at_when_nothing_else_is_said() -> None:
    """A procedure's confirmation of their only unit said "This is for your unit. For reference,
    it's the active unit." (in ~14% of the how-to runs' assistant messages): neither tells anything
    apart. With another value, or a record that is not their only one, the sentence stays."""
    seen = [{"unit_id": "UNI-1", "owner_email": "a@example.com", "status": "active"}]
    for seed in range(12):
        said = S.confirm(random.Random(seed), "disable the service unit", {"unit_id": "UNI-1"}, re.compile("pin"),
                         seen=seen, yours=frozenset({"UNI-1"}))
        assert "your unit" not in said and "active unit" not in said and said.endswith(("?", "confirm.")), said
        other = S.confirm(random.Random(seed), "disable the service unit", {"unit_id": "UNI-1"}, re.compile("pin"),
                          seen=seen)
        assert "UNI-1" in other and "active" in other, other
        more = S.confirm(random.Random(seed), "set the timer", {"unit_id": "UNI-1", "minutes": 30}, re.compile("pin"),
                         seen=seen, yours=frozenset({"UNI-1"}))
        assert "your unit" in more and "30" in more, more


def test_a_payment_listed_to_tell_it_apart_is_said_to_its_payee() -> None:
    """"PYM-1 (to Lisa Garrett, about ...)": money goes to a person; a record that only names a
    person it is with (an appointment's doctor) keeps the bare name."""
    payments = [{"payment_id": f"PYM-{i}", "status": "scheduled", "amount": 10.0 * i, "memo": memo,
                 "contact": {"contact_id": f"CNT-{i}", "name": name}}
                for i, (name, memo) in enumerate([("Lisa Garrett", "Rent"), ("Ashley Simmons", "Gift")], 1)]
    options, _ = S._options("payment_id", payments)
    assert "PYM-1 (to Lisa Garrett" in options and "PYM-2 (to Ashley Simmons" in options, options
    visits = [{"visit_id": f"VST-{i}", "status": "booked", "doctor": {"doctor_id": f"DOC-{i}", "name": name}}
              for i, name in enumerate(["Glenn Cortez", "Ana Ruiz"], 1)]
    options, _ = S._options("visit_id", visits)
    assert "VST-1 (Glenn Cortez" in options and " to " not in options, options


def test_items_bought_on_one_day_are_listed_by_what_they_are_not_the_minute() -> None:
    """"ITM-1 (rain jacket, purchased on January 14, 2025 at 5:47 pm) and ITM-2 (blender, purchased
    on January 14, 2025 at 12:07 am)": the day said for each, the minute no customer knows. Where
    only the moment tells them apart it stays."""
    items = [{"item_id": "ITM-1", "status": "ordered", "product_name": "rain jacket",
              "purchased_at": "2025-01-14T17:47:00"},
             {"item_id": "ITM-2", "status": "ordered", "product_name": "blender", "purchased_at": "2025-01-14T00:07:00"}]
    for seed in range(10):
        text = S.which(random.Random(seed), "item_id", items)
        assert "ITM-1 (rain jacket)" in text and "ITM-2 (blender)" in text and "purchased" not in text, text
        bare = S.which(random.Random(seed), "item_id", [{k: v for k, v in r.items() if k != "product_name"}
                                                         for r in items])
        assert bare.count("purchased on") == 2, bare


def test_a_detail_that_tells_alike_records_apart_is_told_of_every_record() -> None:
    """"ACC-1 (savings, open), ACC-2 (checking, open, opened on November 8, 2024) and ACC-3
    (checking, open, opened on September 23, 2024)": a list dating two of its records and not the
    third answers "When was my account opened?" for some and hides it for the others; the date
    that tells the alike ones apart is said of each."""
    accounts = [{"account_id": "ACC-1", "account_type": "savings", "status": "frozen", "opened_on": "May 2, 2024"},
                {"account_id": "ACC-2", "account_type": "checking", "status": "open", "opened_on": "November 8, 2024"},
                {"account_id": "ACC-3", "account_type": "checking", "status": "open", "opened_on": "September 23, 2024"}]
    for seed in range(10):
        text = S.which(random.Random(seed), "account_id", accounts)
        assert text.count("opened on") == 3 and "ACC-1 (savings, frozen, opened on May 2, 2024)" in text, text


def test_which_of_the_listed_records_names_the_kind_not_its_id() -> None:
    """"I see 4 cards under your name: CRD-1 (...), .... Could you tell me the card ID of the one you
    mean?" asked the customer for an internal id after listing their cards; every which-question
    names the kind ("Which card would that be?"), read by the user and the agent as asking its ID."""
    from gem_env.tools.referring import asking_for_id
    cards = [{"card_id": f"CRD-{i}", "status": "active", "last4": f"{i}111", "card_type": t}
             for i, t in ((1, "debit"), (2, "credit"), (3, "debit"))]
    for seed in range(60):
        text = S.which(random.Random(seed), "card_id", cards)
        assert " ID" not in text and "card ID" in asking_for_id(text), text


def test_charges_of_different_days_keep_their_dates() -> None:
    """Only a moment all the listed records share the day of is left out: charges posted on other
    days are still told by when (said in words or not)."""
    for posted in (("2024-12-29T13:32:00", "2024-12-22T22:40:00"),
                   ("December 29, 2024 at 1:32 pm", "December 22, 2024 at 10:40 pm")):
        charges = [{"charge_id": f"CHR-{i}", "status": "posted", "merchant": m, "posted_at": p}
                   for i, m, p in ((1, "Mckinney-Park", posted[0]), (2, "Walker-Martin", posted[1]))]
        text = S.which(random.Random(0), "charge_id", charges)
        assert text.count("posted on") == 2 or text.count("posted at") == 2, text


def test_twin_charges_are_told_apart_by_the_day_they_posted() -> None:
    """"TRN-39610 (at Marks, Carey and Merritt, posted) and TRN-16969 (at Marks, Carey and Merritt,
    posted)" (10 sessions of round 60's runs, each answered "The second one."): two charges of one
    merchant and amount are told by when they posted, their status said more fully; a pending one
    beside them is not said "posted on" anything."""
    charges = [{"transaction_id": "TRN-1", "status": "pending", "merchant": "Wright Ltd", "amount": 82.67,
                "posted_at": "2025-01-13T02:55:00"},
               {"transaction_id": "TRN-2", "status": "posted", "merchant": "Marks LLC", "amount": 100.02,
                "posted_at": "2024-12-24T19:50:00"},
               {"transaction_id": "TRN-3", "status": "posted", "merchant": "Marks LLC", "amount": 100.02,
                "posted_at": "2024-12-23T11:12:00"}]
    for said in (False, True):  # ISO or said in words
        if said:
            for c, words in zip(charges, ("January 13, 2025 at 2:55 am", "December 24, 2024 at 7:50 pm",
                                          "December 23, 2024 at 11:12 am")):
                c["posted_at"] = words
        text = S.which(random.Random(0), "transaction_id", charges)
        parts = dict(re.findall(r"(TRN-\d) \(([^)]*)\)", text))
        assert parts["TRN-2"] != parts["TRN-3"], text
        assert re.search(r"December 24|12-24", parts["TRN-2"]) and re.search(r"December 23|12-23", parts["TRN-3"]), text
        assert "posted on" not in parts["TRN-1"] and "pending" in parts["TRN-1"], text


def test_a_pending_charge_is_never_said_posted() -> None:
    """"TRN-06015 (at Carlson-Bates, pending, posted on January 15, 2025 at 10:39 am), ... and
    TRN-29816 (at Lawson Group, posted, posted on January 10, ...)" (round 61's review, 3 sessions):
    pending twins dated, a pending charge is made on its day, not posted; a posted one is said
    posted once."""
    charges = [{"transaction_id": "TRN-1", "status": "pending", "merchant": "Carlson-Bates", "amount": 239.81,
                "posted_at": "2025-01-15T10:39:00"},
               {"transaction_id": "TRN-2", "status": "pending", "merchant": "Carlson-Bates", "amount": 239.81,
                "posted_at": "2025-01-14T17:49:00"},
               {"transaction_id": "TRN-3", "status": "pending", "merchant": "Cox Ltd", "amount": 12.5,
                "posted_at": "2025-01-13T20:31:00"},
               {"transaction_id": "TRN-4", "status": "posted", "merchant": "Lawson Group", "amount": 70.0,
                "posted_at": "2025-01-10T01:02:00"}]
    text = S.which(random.Random(0), "transaction_id", charges)
    parts = dict(re.findall(r"(TRN-\d) \(([^)]*)\)", text))
    assert parts["TRN-1"] != parts["TRN-2"], text
    for t in ("TRN-1", "TRN-2", "TRN-3"):
        assert "posted" not in parts[t] and "pending" in parts[t], text
    assert parts["TRN-4"].count("posted") == 1, text


def test_that_points_at_the_record_only_before_any_other_fact() -> None:
    """"The record shows the balance as $6,328.78. That was opened on July 23, 2024." (tau2 banking
    109): "that" after a value points at the value. A refusal's date names the record it is of ("...
    the plan was changed on December 30, 2024. Your line was last renewed on December 29, 2024.", was
    "That was last renewed ...")."""
    first = later = 0
    for seed in range(40):
        told = S.facts_told(random.Random(seed), [("balance", 6328.78), ("opened_on", "2024-07-23")], after_write=False)
        assert not told[-1].startswith("That"), told
        alone = S.facts_told(random.Random(seed), [("opened_on", "2024-07-23")], after_write=False)
        first += alone[0].startswith("That")
        said = S.refuse(random.Random(seed), "change the plan of your line LINE-1", "You cannot change plan more than "
                        "once in the same billing cycle.", [], [("plan_changed_on", "2024-12-30", ""),
                                                                  ("last_renewed_on", "2024-12-29", "")])
        assert "That was" not in said and "It was last renewed" not in said, said
        later += "your line was last renewed on december 29, 2024" in said.lower()
    assert first and later == 40


def test_the_field_a_change_acts_on_is_not_a_detail_of_the_record() -> None:
    """"I'll remove the extra fee from your order ORD-1. That's the pending order, with $340.90 in total
    and a $12 extra fee. You'll get $12 back for the change." (shop): the fee is what the change is about,
    told by what it does, not a detail that tells the order apart."""
    order = {"order_id": "ORD-1", "status": "pending", "total": 340.90, "extra_fee": 12, "payment_method": "paypal"}
    for seed in range(10):
        said = S.describe(random.Random(seed), {"order_id": "ORD-1"}, [order], re.compile("pin"),
                          said="remove the extra fee from your order ORD-1")
        assert "$12" not in said and "$340.90" in said, said
        other = S.describe(random.Random(seed), {"order_id": "ORD-1"}, [order], re.compile("pin"),
                           said="cancel your order ORD-1")
        assert "$12 extra fee" in other, other
