"""How values and speech acts are worded (tools/render.py, agents/speech.py, simulators/phrases.py),
and the contracts the two sides rely on to understand each other."""
from __future__ import annotations

import asyncio
import random
import re

import pytest

from gem_env.agents import banks as B
from gem_env.agents import speech as S
from gem_env.agents.understanding import CONFIRMING, NO, YES, goal_values, read_facts, reason_given
from gem_env.simulators import phrases as P
from gem_env.simulators.base import asks_confirmation
from gem_env.simulators.scenario import Scenario
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.verify import tells
from gem_env.stages.verify_kinds import _NO as VERIFY_NO
from gem_env.tools.render import code_for, counted, is_count, smooth, spoken

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
SECRET = re.compile(r"pin|password")


@pytest.mark.parametrize(("name", "value", "said"), [
    ("spending_limit", 4438.89, "$4,438.89"), ("amount", 5500, "$5,500"), ("credit_score", 720, "720"),
    ("due_date", "2025-03-03", "March 3, 2025"), ("method", "gift_card", "gift card"), ("passengers", 4, "4"),
    ("eligible", True, "yes"), ("note", None, ""),
])
def test_values_are_said_as_people_write_them(name: str, value: object, said: str) -> None:
    assert spoken(name, value) == said


def test_a_choice_said_in_words_maps_back_to_its_code() -> None:
    assert P.said_value("reason", "annual_fee") == "annual fee" and P.said_value("amount", 12.5) == "$12.50"
    assert code_for("Annual fee", ["annual_fee", "fraud"]) == "annual_fee"
    assert code_for("fraud", ["annual_fee", "fraud"]) == "fraud" and code_for("other", ["fraud"]) == "other"


def test_the_user_owns_their_email_but_not_the_reason() -> None:
    assert P.fact_said("My {name} is {v}.", "reason", "damaged", "reason") == "The reason is damaged."
    assert P.fact_said("Sure, my {name} is {v}.", "email", "a@b.example", "email") == "Sure, my email is a@b.example."


def test_counts_agree_with_their_number() -> None:
    assert counted("passengers", 4) == "4 passengers" and counted("bags", 1) == "1 bag"
    assert is_count("passengers", 4) and not is_count("status", 4) and not is_count("total", 4)
    assert not is_count("passengers", True)


@pytest.mark.parametrize(("text", "fixed"), [
    ("A account that is frozen cannot be changed.", "An account that is frozen cannot be changed."),
    ("file a claim because of lost", "file a claim because it was lost"),
    ("open a dispute because of fraud", "open a dispute because of fraud"),
    ("cancel my order because of no longer needed", "cancel my order because it's no longer needed"),
    ("cancel my plan because of too expensive.", "cancel my plan because it's too expensive."),
    ("I want to change the overdraft protection of my account to yes.",
     "I want to turn on the overdraft protection of my account."),
    ("set the autopay to false", "turn off the autopay"),
    ("change the bags of your booking BKN-1 to 1", "change your booking BKN-1 to 1 bag"),
    ("I'd like to change the number of passengers of my booking to 4.", "I'd like to change my booking to 4 passengers."),
    ("change the status of my order to 3", "change the status of my order to 3"),
    ("a user, a hour , a FAQ", "a user, an hour, a FAQ"),
    ("remove your user USR-1 because of left the business.", "remove your user USR-1 because they left the business."),
    ("close my account because of moved away today", "close my account because I moved away today"),
])
def test_smooth_fixes_what_filled_templates_get_wrong(text: str, fixed: str) -> None:
    assert smooth(text) == fixed


def test_every_close_ends_a_request_and_every_question_asks_to_confirm() -> None:
    assert all("anything else" in c.lower() for c in B.CLOSE)
    assert all(CONFIRMING.search(q) and asks_confirmation(q) for q in B.QUESTION)
    asked = {S.question(random.Random(seed), "freeze your card CRD-1 because it was stolen") for seed in range(40)}
    assert all(CONFIRMING.search(q) and asks_confirmation(q) for q in asked)
    assert any("freeze it" in q for q in asked) and any(q in B.QUESTION for q in asked), asked
    # "it" only where it names the action's object plainly: never "pass it" for "pass your question to a person"
    assert all("pass it" not in S.question(random.Random(seed), "pass your question to a person") for seed in range(20))


def test_user_answers_are_read_as_meant() -> None:
    assert all(YES.match(y) for y in P.YES)
    from gem_env.simulators.declining import NO_START, decline
    confirmations = ["I'll transfer $100 from your account ACC-1 to your other account ACC-2. Please confirm.",
                     "I'll close your account ACC-1. It's the open savings account, with a $6,995.53 balance. Shall "
                     "I go ahead?", "I'll open a new Green Account. Shall I go ahead?"]
    noes = [decline(c, random.Random(seed)) for c in confirmations for seed in range(40)]
    assert all(not YES.match(n) and NO.search(n) and VERIFY_NO.search(n) for n in noes + [f"{s} x." for s in NO_START])
    names = [("order id", "order_id"), ("email", "email")]
    for template in P.VOLUNTEER:
        text = "I'd like to cancel my order. " + template.format(name="order id", v="ORD-1") + " " + \
            template.format(name="email", v="a@b.example")
        assert read_facts(text, names, []) == {"order_id": "ORD-1", "email": "a@b.example"}, template


def test_a_change_of_mind_is_read_as_the_new_value_and_never_as_a_yes_or_no() -> None:
    names = [("new plan name", "new_plan_name"), ("reason", "reason"), ("new bags", "new_bags")]
    for template in P.CHANGE_MIND:
        for name, key, value in (("plan name", "new_plan_name", "Plus"), ("reason", "reason", "wrong item"),
                                 ("bags", "new_bags", "4")):
            text = template.format(name=name, v=value)
            assert read_facts(text, names, []) == {key: value}, text
            assert not YES.match(text) and not NO.search(text) and not VERIFY_NO.search(text), text
    # a request for another record, not a value: "... of my other account to no instead"
    assert read_facts("Could you change the reason of my other order to lost instead?", names, []) == {}


def test_the_user_hears_every_not_found_the_agent_says_and_is_read_saying_it_right() -> None:
    from gem_env.agents.refined import NOT_FOUND
    from gem_env.simulators.refined import says_cannot, says_not_found
    for template in NOT_FOUND:
        text = template.format(v="jstewrat@example.com")
        assert says_not_found(text) and not says_cannot(text) and "?" in text, text
    names = [("email", "email"), ("order id", "order_id")]
    # a reply naming what it gives is no bare answer to the question before it ("What's your email?")
    assert read_facts("Apologies, that was a typo. The order id is ORD-12345.", names, ["email"]) == {"order_id": "ORD-12345"}
    for template in P.CORRECTED:
        for name, key, value in (("email", "email", "jstewart@example.com"), ("order id", "order_id", "ORD-12345")):
            assert read_facts(template.format(name=name, v=value), names, [key]) == {key: value}, template


def test_a_confirmation_asked_again_says_the_action_anew_without_the_record() -> None:
    seen = [{"card_id": "CRD-1", "status": "active", "last4": "4782", "spending_limit": 400}]
    for seed in range(30):
        text = S.confirm(random.Random(seed), "change the spending limit of your card CRD-1 to $600",
                         {"card_id": "CRD-1", "spending_limit": 600}, SECRET, seen, again=True)
        assert asks_confirmation(text) and "instead" in text.lower() and "$600" in text, text
        assert "4782" not in text and "$400" not in text, text


def test_a_failure_names_fields_in_words_and_drops_markdown() -> None:
    said = S.reason_text("invalid arguments for update_account_overdraft_protection: 'overdraft_protection': "
                         "Input should be a valid boolean", [])
    assert "update account overdraft protection" in said and "'overdraft protection'" in said and not SNAKE.search(said)
    assert S.reason_text("**Pending** transactions cannot be _disputed_.", []) == "Pending transactions can't be disputed."
    # a rule about the customer, said to them (tau2-banking's account opening)
    assert S.reason_text("A new account needs the customer's identity to be verified", []) \
        == "A new account needs your identity to be verified."


def test_a_state_the_rule_denies_is_not_said_again() -> None:
    """"Per our rules: this contact hasn't been verified yet. From what I see, it is not verified.":
    the rule's words say the state, so the value breaking it is not told after them; a rule that
    asks for the state ("needs your identity to be verified") still gets the value."""
    for seed in range(10):
        said = S.reason_text("This contact hasn't been verified yet", ["False"], random.Random(seed),
                             [("verified", False, "")])
        assert said == "This contact hasn't been verified yet.", said
        said = S.reason_text("This doctor is not accepting patients", ["False"], random.Random(seed),
                             [("accepting_patients", False, "")])
        assert said == "This doctor isn't accepting patients.", said
        said = S.reason_text("A new account needs the customer's identity to be verified", ["False"],
                             random.Random(seed), [("identity_verified", False, "")])
        assert said.count("verified") == 2, said


def test_an_action_on_a_record_they_have_is_on_theirs() -> None:
    from gem_env.agents.actions import action
    assert action("Extend a car rental: select Extend rental (rental {rental_id})", "select_extend_rental", {}) \
        == "extend your car rental"
    assert action("Book a flight from {origin} to {destination}", "create_booking",
                  {"origin": "Boston", "destination": "Denver"}) == "book a flight from Boston to Denver"


def test_a_how_to_request_is_the_action_whatever_its_verb() -> None:
    """A how-to guide's goal is the customer's request: the assistant says it, not the steps' tool
    ("make the card photocopy" for "display hockey cards"), in the second person and, once done,
    in the past with an irregular verb's own participle ("found", not "finded")."""
    from gem_env.agents.actions import action, past
    assert action("display hockey cards (card {card_id})", "make_card_photocopy", {}) == "display hockey cards"
    assert action("unschool myself and my children (child {child_id})", "pursue_child_interest", {}) \
        == "unschool you and your children"  # (the assistant's doing: never "I'll unschool yourself")
    assert past(action("find the flashlight on an iPhone (phone {phone_id})", "open_control_center", {})) \
        == "found the flashlight on an iPhone"
    # a topic and its step, or a request with values still to fill, keeps the tool's words
    assert action("the filesystem permissions: number the hard link (file {file_id})", "number_hard_link", {}) \
        == "number the hard link"
    assert action("suspend my line {line_id} because of {reason}", "suspend_line", {}) == "suspend the line"
    assert action("extracting data from a table: (use awk) (file {file_id})", "use_equivalent", {}) == "use the equivalent"


def test_a_confirmation_asks_for_no_fact_and_names_the_values() -> None:
    user = ScriptedUser(Scenario(goal="change the limit", knows={"card_id": "CRD-1", "spending_limit": 500}))
    for seed in range(40):
        text = S.confirm(random.Random(seed), "change the spending limit of your card CRD-1 to $500",
                         {"card_id": "CRD-1", "spending_limit": 500, "pin": "1234", "passengers": 2}, SECRET)
        assert asks_confirmation(text) and not user.asked_keys(text), text
        assert "1234" not in text and "2 passengers" in text and text.count("CRD-1") == 1
        assert "(" not in text and not SNAKE.search(text)


@pytest.mark.parametrize(("name", "value"), [("is_eligible", True), ("is_eligible", False),
                                             ("overdraft_protection", True), ("has_overdraft", False),
                                             ("identity_verified", True), ("identity_verified", False)])
def test_yes_no_facts_are_told_with_their_polarity(name: str, value: bool) -> None:
    for seed in range(20):
        text = S.fact(random.Random(seed), name, value, after_write=False)
        assert tells(name, "yes" if value else "no", text), text


def test_a_yes_no_named_by_what_the_record_is_doing_reads_as_a_sentence() -> None:
    """Not 'Accepting patients is not active on this one.'"""
    for seed in range(20):
        for value in (True, False):
            text = S.fact(random.Random(seed), "accepting_patients", value, after_write=False)
            assert "is accepting patients" in text or "is not accepting patients" in text, text
            assert "active on this one" not in text and tells("accepting_patients", "yes" if value else "no", text)


def test_a_yes_no_named_for_a_thing_held_is_had_not_switched_on() -> None:
    """Not 'You don't have travel insurance switched on.' (insurance is had, not switched)."""
    for seed in range(20):
        for value in (True, False):
            text = S.fact(random.Random(seed), "travel_insurance", value, after_write=False)
            assert ("has travel insurance" if value else "doesn't have travel insurance") in text, text
            assert "switched" not in text and "turned" not in text and tells("travel_insurance", "yes" if value else "no", text)
        assert "you don't have travel insurance" in S.fact(random.Random(seed), "travel_insurance", False,
                                                           after_write=False, who="you").lower()


def test_a_count_with_words_after_its_noun_reads_as_a_sentence() -> None:
    """Not 'It's 24 seats left in total.' / 'It's 2 freezes this year in total.'"""
    for seed in range(30):
        for name, value in (("seats_left", 24), ("freezes_this_year", 2)):
            text = S.fact(random.Random(seed), name, value, after_write=False)
            assert "in total" not in text and (str(value) in text or "twice" in text), text  # "frozen twice"


def test_a_rule_quoted_after_a_colon_goes_on_in_lower_case() -> None:
    said = [S.refuse(random.Random(seed), "change your card", "A card that is frozen cannot be changed.", ["frozen"])
            for seed in range(40)]
    assert not any(re.search(r": A card", t) for t in said), said
    assert any(": a frozen card" in t for t in said) and any("A frozen card" in t for t in said)


def test_facts_read_by_their_meaning() -> None:
    rng = random.Random(0)
    assert "4 passengers" in S.fact(rng, "passengers", 4, after_write=False)
    assert "DSP-1" in S.fact(rng, "dispute_id", "DSP-1", after_write=True)
    for seed in range(20):
        text = S.fact(random.Random(seed), "refund_method", "credit_card", after_write=True)
        assert tells("refund_method", "credit_card", text) and not SNAKE.search(text)


def test_a_date_named_for_its_event_reads_as_one() -> None:
    for seed in range(10):
        text = S.fact(random.Random(seed), "placed_on", "2024-08-07", after_write=False)
        assert "placed on August 7, 2024" in text and tells("placed_on", "2024-08-07", text), text


def test_a_report_says_each_value_once() -> None:
    for seed in range(30):
        text = S.report(random.Random(seed), True, "change the spending limit of your card CRD-1 to $500",
                        [("spending_limit", 500), ("dispute_id", "DSP-9")], "For your records, that's card CRD-1.")
        assert text.count("$500") == 1 and text.count("CRD-1") == 1 and "DSP-9" in text, text


def test_a_status_is_said_in_a_sentence_of_its_own() -> None:
    """"I can see closed for the status, and $8,640.29 for the balance." read as a form."""
    for seed in range(30):
        said = " ".join(S.facts_told(random.Random(seed), [("status", "closed"), ("balance", 8640.29)], after_write=False))
        assert "for the status" not in said and "as the status" not in said, said
        assert tells("status", "closed", said) and "$8,640.29" in said, said


def test_a_title_opening_with_the_takes_no_second_the() -> None:
    said = S._terms({"title_id": "TTL-1", "name": "The Long Way North", "copies_available": 0})
    assert said.startswith("The Long Way North has") and "The The" not in said, said
    assert S._terms({"plan_id": "PLN-1", "plan_name": "Premium", "price": 27.3}).startswith("The Premium plan has")


def test_articles_follow_the_words_spelling() -> None:
    from gem_env.text.words import articled
    assert articled("A order's details. Exchange a item for a user.") == "An order's details. Exchange an item for a user."


@pytest.mark.parametrize("reason, request_text, given", [
    ("delivery too slow", "I'd like to cancel my order because the delivery was too slow.", True),
    ("lost", "Please freeze my card because it was lost.", True),
    ("stolen", "Please freeze my card because it was lost.", False),
    ("no longer needed", "I'd like to cancel my order, please.", False),
    ("left the business", "I'd like to remove my user because they left the business.", True)])
def test_a_reason_the_request_gives_in_its_own_words_is_given(reason: str, request_text: str, given: bool) -> None:
    from gem_env.simulators.scripted import _gives_reason
    assert _gives_reason(reason, request_text) is given
    from gem_env.agents.understanding import reason_given
    assert (reason_given(request_text, [reason, "other"]) == reason) is given


def test_an_answer_from_what_was_read_before_does_not_thank_for_waiting() -> None:
    """"Thanks for waiting. The status reads closed." came with no tool call: the record was read
    for an earlier request."""
    for seed in range(40):
        said = S.report(random.Random(seed), False, "", [("status", "closed")], looked_now=False)
        assert not re.search(r"waiting|looked it up|checked|pulled|gone through", said), said
        assert tells("status", "closed", said), said


def test_a_fact_of_someone_elses_record_is_not_called_yours() -> None:
    """"I have Laura Mcmahon's details. Your specialty is dermatology." of a doctor; "Your price" of
    a catalog's product."""
    for seed in range(40):
        said = S.fact(random.Random(seed), "specialty", "dermatology", after_write=False, who="they", own=False)
        assert not said.startswith("Your") and "dermatology" in said, said


def test_a_value_inside_another_word_is_still_told() -> None:
    for seed in range(30):
        text = S.report(random.Random(seed), True, "open the bank account", [("status", "open")])
        assert tells("status", "open", text), text


def test_a_refusal_cites_the_rule_in_words() -> None:
    for seed in range(20):
        text = S.refuse(random.Random(seed), "change the limit of your card CRD-1",
                        "A card that is past_due cannot be changed.", ["past_due"])
        assert "an card" not in text.lower() and "past due" in text and not SNAKE.search(text)


def test_the_user_closes_in_keeping_with_how_the_request_ended() -> None:
    user = ScriptedUser(Scenario(goal="cancel my order", knows={"order_id": "ORD-1"}))
    refused = [{"role": "user", "content": "Hi"},
               {"role": "assistant", "content": "I'm sorry, but I can't cancel the order. Is there anything else?"}]
    reply = asyncio.run(user.reply(refused))
    assert any(reply.startswith(u) for u in P.UNDERSTOOD), reply


def test_a_record_is_described_to_the_minute_but_typed_values_stay_exact():
    from gem_env.tools.render import date_words, when_words
    assert when_words("2024-12-08T17:19:13") == "December 8, 2024 at 5:19 pm"
    assert when_words("2025-01-02T00:05:00") == "January 2, 2025 at 12:05 am"
    assert when_words("2025-03-03") == "March 3, 2025" == date_words("2025-03-03")
    assert date_words("2024-12-08T17:19:13") == "2024-12-08T17:19:13"  # a value to type back keeps its seconds
    assert when_words("2025-13-40T10:00:00") == "2025-13-40T10:00:00"


def test_a_yes_no_setting_is_asked_as_one_and_answered_in_words() -> None:
    names, booleans = [("new overdraft protection", "new_overdraft_protection")], frozenset({"new_overdraft_protection"})
    user = ScriptedUser(Scenario(goal="change it", knows={"new_overdraft_protection": False}))
    for seed in range(30):
        rng = random.Random(seed)
        question = S.ask(rng, ["new_overdraft_protection"], bool(seed % 2), "change the overdraft protection", booleans)
        assert re.search(r"\bon\b.*\boff\b", question) and not asks_confirmation(question), question
        assert user.asked_keys(question) == ["new_overdraft_protection"]
        answer = asyncio.run(user.reply([{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                                         {"role": "assistant", "content": question}]))
        assert read_facts(answer, names, ["new_overdraft_protection"], booleans) == {"new_overdraft_protection": "no"}


def test_an_ask_for_who_the_user_is_says_why_and_still_asks() -> None:
    user = ScriptedUser(Scenario(goal="x", knows={"email": "a@b.example", "card_id": "CRD-1"}))
    for seed in range(30):
        for keys in (["email"], ["card_id"]):
            text = S.ask(random.Random(seed), keys, False, "", frozenset(), finds=frozenset({"email"}))
            assert user.asked_keys(text) == keys and not user.settles(text), text


def test_what_the_opening_said_is_read_and_not_asked_again() -> None:
    goal = "change the spending limit of my card {card_id} to {new_spending_limit}"
    said = "Hi! Could you help me change the spending limit of my card to $2,774.57, if that's possible?"
    assert goal_values(goal, said, {}) == {"new_spending_limit": "$2,774.57"}
    assert goal_values("change the send on of my payment {payment_id} to {new_send_on}",
                       "I'd like to change the send on of my payment to February 2, 2025. Thanks.", {}) \
        == {"new_send_on": "February 2, 2025"}
    assert goal_values(goal, "I want to change my card", {}) == {}
    assert goal_values("change my address to {address}, {city} {zip}", "I'm hoping to change my address to "
                       "42 Elm Street, Jeremymouth 24112.", {}) == {"address": "42 Elm Street", "city": "Jeremymouth",
                                                                     "zip": "24112"}
    assert goal_values("change my address to {address}, {city} {zip}", "change my address to 42 Elm Street, "
                       "East Mary 43227.", {}) == {"address": "42 Elm Street", "city": "East Mary", "zip": "43227"}
    # a value the user said on its own ("The visit type is consultation.") leaves the others read
    booking = "book a visit with {doctor_name} on {starts_at} for a {visit_type}"
    said = "Could you help me book a visit with Andrew Haney on January 25, 2025 at 10:30 am for a consultation?"
    assert goal_values(booking, said, {"visit_type": "consultation"}) == {
        "doctor_name": "Andrew Haney", "starts_at": "January 25, 2025 at 10:30 am"}
    # "order {order_id}" is "my order" in the user's words; two values side by side split at a word
    # the domain lists for one of them (its colours)
    ret = "Return the {color} {product_name} (size {size}) from order {order_id}; it does not fit."
    said = "Can you help me return the olive Quilted Puffer Vest from my order; it does not fit?"
    assert goal_values(ret, said, {}, {"color": ["navy", "olive"]}) == {"color": "olive", "product_name": "Quilted Puffer Vest"}
    assert goal_values(ret, said, {}) == {}  # no list of colours: no way to tell where the colour ends
    # words then a number split where the number begins; words alone say nothing of where
    assert goal_values("change my name to {first_name} {last_name}", "change my name to Mary Anne Lee.", {}) == {}
    assert reason_given("cancel my order because it's no longer needed", ["no_longer_needed", "other"]) \
        == "no_longer_needed"
    assert reason_given("move money to my other account", ["other", "fraud"]) is None  # not a reason clause


def test_a_record_is_described_as_a_person_would() -> None:
    assert S.record_phrase("card", [("status", "active"), ("card_type", "debit"), ("last4", "4782")]) \
        == "active debit card ending in 4782"
    assert S.record_phrase("payment", [("status", "scheduled"), ("amount", 362.12), ("send_on", "2025-01-17")]) \
        == "scheduled payment, to be sent on January 17, 2025, with an amount of $362.12"
    # a status that names the record is not said before it ("your order received order"), nor as
    # "the order, with the status order received and ...": it is what the record is marked
    assert S.record_phrase("order", [("status", "order received"), ("total", 69.17)]) \
        == 'order marked "order received", with $69.17 in total'
    person = S.describe(random.Random(1), {"customer_id": "C-1"},
                        [{"customer_id": "C-1", "first_name": "Ann", "last_name": "Lee"}], SECRET)
    assert person == ""


def test_smooth_keeps_a_reason_that_is_more_than_a_participle() -> None:
    assert smooth("freeze it because of suspected fraud.") == "freeze it because of suspected fraud."
    assert smooth("return it because of ordered by mistake.") == "return it because it was ordered by mistake."
    assert S.action("Book the slot that starts at {t}: bring your card", "book_slot", {"t": "2025-03-02T17:05:00"}) \
        == "book the slot that starts at March 2, 2025 at 5:05 pm"
    assert S.action("x", "transfer_to_human_agent") == "transfer you to a human agent"
    assert S.action("x", "apply_for_card") == "put in an application for a card"  # not "apply you for a card"


def test_a_description_in_the_opening_is_read_as_the_fact_it_states() -> None:
    names = [("from last4", "from_last4"), ("card id", "card_id")]
    for template in P.DESCRIBE:
        text = "I'd like to move $800 from my checking account. My card id is CRD-1. " + \
            template.format(name="from last4", v="5305") + " Thanks."
        assert read_facts(text, names, []) == {"card_id": "CRD-1", "from_last4": "5305"}, template


def test_an_action_leaves_out_what_the_user_has_not_said_yet() -> None:
    goal = "create a dispute for transaction {transaction_id} because of {reason}"
    assert S.action(goal, "create_dispute", {}) == "create a dispute for the transaction"
    assert S.action(goal, "create_dispute", {"reason": "fraud"}) == "create a dispute for the transaction because of fraud"
    assert S.action("change the limit of my card {card_id} to {new_limit}", "x", {}) == "change the limit of your card"


def test_a_value_holding_a_period_is_said_and_read_whole() -> None:
    """"Apt. 357" is one value: the user's words keep it, and the agent reads it to the end, while a
    period before a new sentence still ends a value."""
    from gem_env.simulators.scenario import user_words
    goal = "Change the shipping address of your order {order_id} to {new_shipping_address}. Then wait."
    said = user_words(goal, {"new_shipping_address": "05847 Lyons Villages Apt. 357"})
    assert said == "change the shipping address of my order to 05847 Lyons Villages Apt. 357"
    wording = "change the shipping address of my order {order_id} to {new_shipping_address}"
    assert goal_values(wording, f"Hi. Please {said}. It's the one I mean.", {}) == \
        {"new_shipping_address": "05847 Lyons Villages Apt. 357"}


def test_an_edited_text_field_gets_a_value_of_its_own_kind() -> None:
    """The new value of a free-text field is another record's value of that field (a shipping
    address for a shipping address, a phone number for a phone number), not one street address for
    every field."""
    from pathlib import Path

    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor
    from gem_env.stages.tasks import make_tasks
    from gem_env.tools.compiler import compile_domain
    corpus = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    doc = next(d for d in iter_documents([corpus]) if "change-shipping-address" in d.id)
    compiled = compile_domain(OfflineExtractor().extract(doc))
    sandbox = compiled.new_sandbox()
    addresses = {r["shipping_address"] for r in sandbox.dump(["orders"])["orders"].values()}
    sandbox.close()
    tasks, _ = make_tasks(compiled, per_domain=6)
    new = [r.knows["new_shipping_address"] for t in tasks for r in t.scenario.requests
           if "new_shipping_address" in r.knows]
    assert new and all(v in addresses and v != "42 Elm Street" for v in new), new


def test_a_moment_field_is_named_as_people_name_it() -> None:
    """'what the filed on on my dispute is' read as a field name; people say 'the date filed'. The
    user, the task's goal and the agent's reading use the same name, and a date still reads
    'It was filed on ...' when the agent tells it."""
    from gem_env.simulators.scenario import humanize
    from gem_env.tools.render import words
    assert words("filed_on") == humanize("filed_on") == "date filed"
    assert words("posted_at") == "time posted" and words("member_since") == "member-since date"
    assert words("send_on") == "send date" and words("starts_at") == "start time" and words("card_id") == "card ID"
    # "what is the check in listed on my reservation?" / "The check in shows January 14, 2025."
    assert words("check_in") == humanize("check_in") == "check-in date" and words("new_check_out") == "new check-out date"
    from gem_env.agents.lookup import named_fields
    assert named_fields(["check_in", "nights"], "what is the check-in date listed on my reservation?") == ["check_in"]
    for name in ("filed_on", "send_on", "starts_at"):  # one rule names a moment, in a field's name or a goal
        said = S.action(f"change the {name.replace('_', ' ')} of my payment {{payment_id}}", "x", {"payment_id": "P-1"})
        assert f"the {words(name)} of your payment" in said, said
    text = S.fact(random.Random(0), "filed_on", "2024-08-15", after_write=False)
    assert "filed on August 15, 2024" in text and "date filed" not in text, text


def test_a_deadline_field_is_named_as_a_date_and_an_agent_field_as_who() -> None:
    """'Your reply by is January 29, 2025.' read a deadline's name as a noun: it is the
    'reply-by date'; 'approved_by' names a person and stays 'approved by'."""
    from gem_env.tools.render import words
    assert words("reply_by") == "reply-by date" and words("due_by") == "due date"
    assert words("approved_by") == "approved by" and words("card_id") == "card ID"
    told = [S.fact(random.Random(i), "reply_by", "2025-01-29", after_write=False) for i in range(8)]
    assert all("January 29, 2025" in t and "by d" not in t for t in told), told


def test_a_count_is_asked_how_many_and_answered_as_a_number_of_things() -> None:
    """Never "what's the new guests?" / "The new guests is 4": the ask, the user's answer and the
    agent's reading of it agree on "how many guests" / "4 guests"."""
    from gem_env.agents.understanding import coerce
    from gem_env.tools.render import how_many
    assert how_many("new_guests") == "how many guests" and how_many("email") is None
    names, counts = [("how many guests", "new_guests"), ("new guests", "new_guests")], {"new_guests": "how many guests"}
    user = ScriptedUser(Scenario(goal="change it", knows={"new_guests": 4}))
    for seed in range(30):
        question = S.ask(random.Random(seed), ["new_guests"], bool(seed % 2), "change your reservation", frozenset(),
                         counts)
        assert question.lower().startswith(("how many guests", "and how many guests")), question
        assert user.asked_keys(question) == ["new_guests"]
        answer = asyncio.run(user.reply([{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                                         {"role": "assistant", "content": question}]))
        assert "4 guests" in answer and "new guests" not in answer, answer
        assert coerce(read_facts(answer, names, ["new_guests"])["new_guests"], "integer") == 4, answer


@pytest.mark.parametrize(("text", "fixed"), [
    ("I'll cancel it because of wrong amount.", "I'll cancel it because it was the wrong amount."),
    ("freeze my card because of lost today", "freeze my card because it was lost today"),
    ("because of unknown sender, please", "because of an unknown sender, please"),
    ("because of suspected fraud.", "because of suspected fraud."),  # a mass noun takes no article
    ("because of suspicious activity.", "because of suspicious activity."),
    ("a claim because of lost baggage.", "a claim because of lost baggage."),  # not "a lost baggage"
    ("because of fees.", "because of fees."),
    ("close my account because of fees today.", "close my account because of fees today."),  # not "a fees today"
    ("because of moving bank.", "because of moving bank."),
    ("because of the delay.", "because of the delay."),
    ("cancel it because of conflict.", "cancel it because of a conflict."),  # one countable thing
    ("because of injury today", "because of an injury today"),
    ("because of billing error.", "because of a billing error."),  # a gerund naming a kind of error
    ("because of change of plan.", "because of a change of plan."),
    ("because of relocation.", "because of relocation."),
    ("because of other.", "because of other."),
    ("close my other account because of fees instead?", "close my other account because of fees instead?"),
    ("close it because of conflict instead?", "close it because of a conflict instead?"),
])
def test_a_reason_said_as_a_choice_reads_as_words_in_context(text: str, fixed: str) -> None:
    assert smooth(text) == fixed


def test_a_reason_with_an_article_is_still_read_back_as_the_choice() -> None:
    said = smooth("I'd like to dispute it because of wrong amount.")
    assert reason_given(said, ["wrong_amount", "fraud"]) == "wrong_amount"


def test_digits_in_a_field_name_are_read_as_words() -> None:
    from gem_env.tools.render import words
    assert words("card_last4") == "card last four digits" and words("address_line2") == "address line 2"


def test_a_user_saying_they_have_several_things_is_understood() -> None:
    from gem_env.agents.understanding import GOING_ON
    assert all(GOING_ON.search(x) for x in P.SEVERAL)
    assert not GOING_ON.search("I'd like to cancel my booking. Thanks.")


def test_a_plural_name_takes_are() -> None:
    from gem_env.tools.render import agree
    assert agree("The card last four digits is 7939.") == "The card last four digits are 7939."
    assert agree("It's the one whose last four digits is 1234.") == "It's the one whose last four digits are 1234."
    for same in ("The status is open.", "The address is 1 Elm St.", "The number of bags is 3.", "My email is a@b.example"):
        assert agree(same) == same


def test_the_ask_for_who_the_customer_is_says_why_in_the_requests_terms() -> None:
    """"What's your email? That's how I find your card." — the action gives the why, not a lead-in
    that repeats what the confirmation will say in full."""
    whys = 0
    for seed in range(40):
        question = S.ask(random.Random(seed), ["email"], False, "freeze your card", frozenset(), lead=False,
                         finds=frozenset({"email"}))
        assert "freeze" not in question and "your records" not in question, question
        whys += "your card" in question
    assert whys > 10


def test_a_record_named_by_its_id_alone_is_the_users_own() -> None:
    """"a dispute for transaction {transaction_id}" without the id is "a dispute for my
    transaction", never "for transaction because"; a noun with its own determiner, or a verb
    before the id, is left as it was."""
    from gem_env.simulators.scenario import user_words
    assert user_words("Create a dispute for transaction {transaction_id} because of {reason}.", {"reason": "fraud"}) \
        == "create a dispute for my transaction because of fraud"
    assert user_words("Start a return for item {item_id}.", {}) == "start a return for my item"
    assert user_words("Freeze your card {card_id}.", {}) == "freeze my card"
    assert user_words("Cancel {order_id} today.", {}) == "cancel today"
    # a how-to title before the main step: in plain case, a want (was "I need some help with
    # Navigate Currency Conversions on World Blue."); a product named in a request keeps its capitals
    title = "Navigate Currency Conversions on World Blue: submit the conversion (wallet {wallet_id})"
    assert user_words(title) == "navigate currency conversions on world blue"
    assert P.want_phrase(user_words(title))[0] is P.WANT
    assert user_words("Cancel my Gold Rewards Card {card_id}.") == "cancel my Gold Rewards Card"
    # a how-to's task in lower case is a want whatever its verb ("I'm calling about identify songs
    # using melody": 97 of 2,524 wikiHow user turns); a doing or a title stays a topic
    assert P.want_phrase("identify songs using melody")[0] is P.WANT
    assert P.want_phrase("preparing investor reports")[0] is P.ABOUT
    assert P.want_phrase("the refund policy")[0] is P.ABOUT


def test_a_date_already_in_words_is_told_as_the_event_it_names() -> None:
    """A lookup describes a record's dates in words before telling them; the field still reads as
    its event ("It was filed on ...", "Member since ..."), never as a noun ("We have the member
    since as November 3, 2024", "It start time ...")."""
    told = {n: [S.fact(random.Random(i), n, v, after_write=False) for i in range(12)]
            for n, v in [("member_since", "November 3, 2024"), ("filed_on", "December 6, 2024"),
                         ("starts_at", "March 3, 2025 at 5:05 pm")]}
    assert all(t.lower().startswith(("member since", "on file: member since")) for t in told["member_since"]), told
    assert all("filed on December 6, 2024" in t and "date filed" not in t for t in told["filed_on"]), told
    assert all("starts on March 3, 2025 at 5:05 pm" in t for t in told["starts_at"]), told


def test_a_yes_no_fact_is_asked_as_a_question_of_the_record() -> None:
    """Never "the accepting patients of my doctor": a yes/no fact is asked "is my doctor accepting
    patients?" (or "whether overdraft protection is on"), every one of them, with the plain facts
    by name; and the agent still reads the question as a lookup of those fields."""
    from gem_env.agents.lookup import _CUE, named_fields
    from gem_env.simulators.scenario import Request
    for asks in (["name", "accepting_patients"], ["accepting_patients"], ["overdraft_protection", "is_active"]):
        request = Request(kind="lookup", goal="g", knows={"doctor_id": "D-1"}, asks=asks,
                          yes_no=[a for a in asks if a != "name"])
        for seed in range(12):
            said = ScriptedUser._question(request, "doctor", random.Random(seed))
            assert "the accepting patients" not in said and "the overdraft protection" not in said, said
            assert _CUE.search(said) and named_fields(asks, said.lower()) == asks, said
            if "accepting_patients" in asks:
                assert "my doctor is accepting patients" in said, said


def test_the_same_want_again_names_the_other_record() -> None:
    """After a refusal, a second request for the same change on another record is not the first
    one's words again: "Then could you change my other booking to 3 bags instead?"."""
    import asyncio

    from gem_env.simulators.scenario import Request
    want = "change my booking to 3 bags"
    scenario = Scenario(goal="g", requests=[
        Request(kind="refuse", goal="g", intent=want, knows={"email": "a@b.c"}),
        Request(kind="complete", goal="g", intent=want, knows={"email": "a@b.c"})])
    for seed in range(12):
        user = ScriptedUser(scenario, seed=seed)
        first = asyncio.run(user.reply([{"role": "system", "content": "s"}]))
        refused = "Sorry, I can't change that booking: a booking that is cancelled cannot be changed."
        second = asyncio.run(user.reply([{"role": "system", "content": "s"}, {"role": "user", "content": first},
                                         {"role": "assistant", "content": refused}]))
        assert "my other booking to 3 bags" in second and second[:1].isupper(), second
        assert goal_values("change my booking {booking_id} to {new_bags}", second, {}) == {"new_bags": "3 bags"}, second



def test_a_customer_moves_to_a_real_address_and_never_asks_their_own_name() -> None:
    """A move goes to another customer's whole address (street, city and zip of one row, in another
    city), not one street for everyone in the same city; and no question asks the user's own name."""
    from pathlib import Path

    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor
    from gem_env.stages.tasks import make_tasks
    from gem_env.tools.compiler import compile_domain
    corpus = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    moves = asked = 0
    for doc in [d for d in iter_documents([corpus]) if "airline" in d.id or "bank" in d.id]:
        compiled = compile_domain(OfflineExtractor().extract(doc))
        sandbox = compiled.new_sandbox()
        people = sandbox.dump(["customers"])["customers"].values() if "customers" in compiled.tables else []
        homes = {(r["address"], r["city"], r["zip"]): r["email"] for r in people}
        sandbox.close()
        tasks, _ = make_tasks(compiled, per_domain=6)
        for r in (r for t in tasks for r in t.scenario.requests):
            assert not {"first_name", "last_name", "full_name"} & set(r.asks), r.goal
            asked += bool(r.asks)
            if {"address", "city", "zip"} <= set(r.knows):
                moves += 1
                home = (r.knows["address"], r.knows["city"], r.knows["zip"])
                assert home in homes and homes[home] != r.knows.get("email"), home
    assert moves and asked


def test_a_note_the_user_gives_never_opens_their_message_in_lower_case() -> None:
    """Asked for a short summary, the user never answers "a question about my order ORD-1." bare."""
    for seed in range(30):
        user = ScriptedUser(Scenario(goal="x", knows={"summary": "a question about my order ORD-1"}), seed=seed)
        answer = asyncio.run(user.reply([{"role": "system", "content": "s"}, {"role": "user", "content": "hi"},
                                         {"role": "assistant", "content": "Could you give me a short summary?"}]))
        assert "a question about my order ORD-1" in answer and answer[:1].isupper(), answer


def test_every_sentence_of_the_goal_is_read_and_a_title_ends_none() -> None:
    """The request is often the goal's second sentence, after who the user is; "Dr. {name}" is one
    sentence, and a sentence opening with a value says nothing of where the value starts."""
    goal = ("You are {first_name} {last_name}, born {date_of_birth}. Cancel your appointment on {appointment_date} "
            "at {appointment_time}; you have a schedule conflict.")
    said = "Hi. Is it possible to cancel my appointment on April 23, 2025 at 09:00; I have a schedule conflict?"
    assert goal_values(goal, said, {}) == {"appointment_date": "April 23, 2025", "appointment_time": "09:00"}
    goal = "You are {first_name}. Book the earliest appointment with your doctor, Dr. {doctor_last_name}, for a checkup."
    said = "Hi! I'm hoping to book the earliest appointment with my doctor, Dr. Davis, for a checkup."
    assert goal_values(goal, said, {}) == {"doctor_last_name": "Davis"}


def test_a_reason_of_what_did_not_happen_reads_as_a_sentence() -> None:
    from gem_env.tools.render import smooth
    assert smooth("create a dispute because of item not received.") == \
        "create a dispute because the item was not received."
    assert smooth("because of item not received today") == "because the item was not received today"
    assert reason_given("I'd like a dispute because the item was not received.", ["fraud", "item not received"]) \
        == "item not received"


def test_a_new_card_is_told_as_a_thing_made_not_a_case_to_follow_up() -> None:
    for seed in range(12):
        said = S.fact(random.Random(seed), "card_id", "CRD-10001", after_write=True)
        assert "CRD-10001" in said and "follow up" not in said and "number" not in said and "logged" not in said
    assert any("follow up" in S.fact(random.Random(seed), "dispute_id", "DSP-1", after_write=True) for seed in range(40))


def test_a_change_to_the_users_own_profile_is_not_noted_as_their_customer_number() -> None:
    assert S.record_note(random.Random(1), {"customer_id": "CST-1", "address": "1 Elm St"}) == ""
    assert "card CRD-1" in S.record_note(random.Random(1), {"card_id": "CRD-1", "status": "frozen"})


def test_a_question_about_a_catalogs_record_does_not_claim_it() -> None:
    """A product of the shop's catalog is "the <its name>" (one entry per name: the user names it),
    never "my product"; the user's own records stay theirs."""
    from pathlib import Path

    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    from gem_env.stages.tasks import make_tasks
    from gem_env.documents import Verdict

    root = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    doc = next(iter_documents([root / "shop" / "return-an-item.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id="x", relevant=True, score=1.0, reason="t")))
    tasks, _ = make_tasks(compiled, per_domain=30, seed=0)
    requests = [r for t in tasks for r in t.scenario.requests if r.kind == "lookup"]
    about = {r.about for r in requests if "product_name" in r.knows}
    assert about and about == {f"the {r.knows['product_name']}" for r in requests if "product_name" in r.knows}
    for t in tasks:
        user = ScriptedUser(t.scenario)
        for k, r in enumerate(t.scenario.requests):
            if "product_name" in r.knows:
                said = user._opening(r, random.Random(k), first=True)
                assert not re.search(rf"\bmy (?:product|{r.knows['product_name']})\b", said, re.IGNORECASE), said
                assert f"the {r.knows['product_name']}" in said


def test_a_setting_turned_off_in_the_users_words_is_the_goals_new_value_and_said_back_as_now_off() -> None:
    goal = "change the overdraft protection of my account {account_id} to {new_overdraft_protection}"
    assert goal_values(goal, "I've been meaning to turn off the overdraft protection of my account.", {}) == \
        {"new_overdraft_protection": "no"}
    assert goal_values(goal, "Could you help me turn on the overdraft protection of my account?", {}) == \
        {"new_overdraft_protection": "yes"}
    for seed in range(10):
        said = S.fact(random.Random(seed), "overdraft_protection", False, after_write=True)
        assert "now off" in said or "off now" in said, said
        assert tells("overdraft_protection", "no", said) and not tells("overdraft_protection", "yes", said), said


def test_a_moment_is_asked_when_and_understood():
    """"Do you know what the date placed of my order is?" read like a form; the user now asks
    "when was my order placed?" and the assistant reads it as the question about `placed_on`
    (never "when my booking was booked": "when was my booking made?")."""
    from gem_env.agents.lookup import LookupPlan, recognise_lookup
    from gem_env.simulators.scenario import Request
    from gem_env.simulators.scripted import ScriptedUser
    plan = LookupPlan("orders", "order", "get_order_details", "order_id", ["order_id", "status", "placed_on", "total"])
    for text in ("when was my order placed?", "Could you tell me when my order was placed?"):
        assert recognise_lookup(text, [plan]).asks == ["placed_on"], text
    asked = {ScriptedUser._question(Request(kind="lookup", goal="g", intent="i", asks=["placed_on"]), "order",
                                    random.Random(n)) for n in range(20)}
    assert asked <= {q.format(noun="order", verb="placed") for q in P.ASK_WHEN} and len(asked) > 2
    booked = ScriptedUser._question(Request(kind="lookup", goal="g", intent="i", asks=["booked_on"]), "booking",
                                    random.Random(0))
    assert "when my booking was made" in booked or "when was my booking made" in booked, booked
    assert "date booked" not in booked and "booking was booked" not in booked


def _session_turns(scenario: Scenario, seed: int, assistant: list[str]) -> list[str]:
    """The user's messages when the assistant says each of `assistant` in turn."""
    user = ScriptedUser(scenario, seed=seed)
    messages: list[dict] = [{"role": "system", "content": "s"}]
    said = []
    for text in [None, *assistant]:
        if text is not None:
            messages.append({"role": "assistant", "content": text})
        said.append(asyncio.run(user.reply(messages)))
        messages.append({"role": "user", "content": said[-1]})
    return said


def test_after_their_own_no_the_user_moves_on_without_praise_and_never_repeats_a_lead_in() -> None:
    """"That's great." never answers a change the user just declined; the lead-ins that bring the next
    request ("Another thing:") are not said twice in a session, "Before I go" only before the last
    request, and "another question" only before a question."""
    from gem_env.simulators.scenario import Request
    scenario = Scenario(goal="g", requests=[
        Request(kind="decline", goal="g", intent="cancel my order", knows={"order_id": "ORD-1"}, confirm=False),
        Request(kind="complete", goal="g", intent="change my booking to 3 bags", knows={"booking_id": "BKN-1"}),
        Request(kind="complete", goal="g", intent="freeze my card", knows={"card_id": "CRD-1"}),
        Request(kind="lookup", goal="g", intent="find out the status of my loan", knows={"loan_id": "LN-1"},
                asks=["status"], about="loan")])
    done = "All done. Anything else?"
    for seed in range(20):
        said = _session_turns(scenario, seed, ["Shall I cancel order ORD-1?", "Okay, I haven't changed anything. Anything else?",
                                               "Shall I go ahead?", done, "Shall I go ahead?", done])
        after_no = said[2]
        assert not re.match(r"(?:That's great|Great|Perfect|Brilliant|Lovely)\b", after_no), after_no
        # (a second request named in the first message is brought up as such: "As I mentioned, ...")
        leads = [P.lead_in(next(b for b in P.BRIDGE + P.BRIDGE_AFTER_DECLINE + P.BRIDGE_MENTIONED if s.startswith(b)))
                 for s in (said[2], said[4], said[6])]
        assert len(set(leads)) == 3, said
        assert "Before I go" not in said[2] + said[4], said
        assert "question" not in said[2] + said[4], said


def test_a_fact_and_a_moment_are_asked_as_people_ask_them() -> None:
    """"the status of my claim and when it was filed", never "the status and date filed"; the agent
    still reads both fields."""
    from gem_env.agents.lookup import named_fields
    from gem_env.simulators.scenario import Request
    request = Request(kind="lookup", goal="g", knows={"claim_id": "C-1"}, asks=["status", "filed_on"])
    for seed in range(8):
        said = ScriptedUser._question(request, "claim", random.Random(seed))
        assert "when it was filed" in said or "when was it filed" in said, said
        assert "date filed" not in said and named_fields(["status", "filed_on"], said.lower()) == ["status", "filed_on"], said


def test_a_catalog_entry_named_in_quotes_is_never_the_users_own() -> None:
    from gem_env.simulators.scenario import Request
    request = Request(kind="lookup", goal="g", knows={"product_name": "World Blue"}, asks=["price"])
    for seed in range(8):
        said = ScriptedUser._question(request, 'the product "World Blue"', random.Random(seed))
        assert 'my product' not in said and 'the product "World Blue"' in said, said


def test_a_value_the_request_says_points_at_nothing() -> None:
    """"book a visit ... for a consultation" is not followed by "It's the consultation one." (no
    visit exists yet); the value is said plainly if at all."""
    for seed in range(12):
        said = ScriptedUser._volunteered("visit_type", "consultation", "book a visit with Dr Lee for a consultation",
                                         random.Random(seed), ["visit_type"])
        assert "one" not in said.split() and "It's the" not in said, said


def test_a_reason_of_a_thing_and_its_degree_reads_as_a_sentence() -> None:
    assert smooth("cancel it because of delivery too slow.") == "cancel it because the delivery was too slow."
    assert reason_given("cancel it because the delivery was too slow", ["delivery too slow", "damaged"]) == "delivery too slow"


def test_a_service_sentence_promising_the_number_just_given_is_not_said() -> None:
    """After "The dispute ID is DSP-1.", "We'll give you a dispute number ..." tells nothing."""
    promise = "We'll give you a dispute number and reply within 10 business days."
    for seed in range(12):
        said = S.report(random.Random(seed), True, "create a dispute for the charge", [("dispute_id", "DSP-1")],
                        guidance=[promise])
        assert "DSP-1" in said and promise not in said, said
    kept = [S.report(random.Random(seed), True, "freeze your card", [("status", "frozen")], guidance=[promise])
            for seed in range(12)]
    assert any(promise[1:] in s for s in kept)


def test_a_record_named_by_its_option_needs_no_id_in_the_confirmation() -> None:
    seen = [{"variant_id": "VAR-9", "product_id": "PRD-1", "option": "navy, size M"}]
    for seed in range(8):
        said = S.confirm(random.Random(seed), "exchange your item ITM-1 for one in navy, size M",
                         {"item_id": "ITM-1", "variant_id": "VAR-9"}, SECRET, seen)
        assert "VAR-9" not in said, said


@pytest.mark.parametrize(("verb", "ing"), [("return", "returning"), ("exchange", "exchanging"), ("set", "setting"),
                                           ("submit", "submitting"), ("see", "seeing"), ("open", "opening"),
                                           ("tie", "tying"), ("ship", "shipping"), ("transfer", "transferring")])
def test_gerunds(verb: str, ing: str) -> None:
    from gem_env.text.words import gerund
    assert gerund(verb) == ing


def test_the_system_prompt_says_what_customers_come_about_in_english() -> None:
    from gem_env.stages.ground.episode import _what_about
    assert _what_about("Return an item") == "Customers come to you about things like returning an item."
    assert _what_about("Freeze or unfreeze your debit card") == \
        "Customers come to you about things like freezing or unfreezing their debit card."
    assert _what_about("Why was I charged a fee?") == 'Customers come to you with questions like "Why was I charged a fee?"'
    assert _what_about("An extra fee on your order") == "Customers come to you about things like an extra fee on their order."
    # a guide's title that names the product first: the product is theirs when it is something they hold
    # ("about things like blue Account" before); a feature is named as it is (not "their Virtual Card Management")
    assert _what_about("Blue Account \u2014 Managing your balance with low-balance alerts") == \
        "Customers come to you about their Blue Account and things like managing their balance with low-balance alerts."
    assert _what_about("BNPL Silver \u2014 How to Enable Buy Now, Pay Later on Your Account") == \
        "Customers come to you about BNPL Silver and things like enabling buy now, pay later on their account."
    assert _what_about("Virtual Card Management \u2014 Setting spending limits per card") == \
        "Customers come to you about Virtual Card Management and things like setting spending limits per card."
    # a one-word name with a capital inside is a name too (was "about things like ecocard — apply for ...")
    assert _what_about("EcoCard \u2014 Apply for a sustainable rewards credit card") == \
        "Customers come to you about their EcoCard and things like applying for a sustainable rewards credit card."
    # a how-do-I title is the task it asks about (was "about things like how do I stop a recurring payment?.")
    assert _what_about("How do I stop a recurring payment?") == \
        "Customers come to you about things like stopping a recurring payment."
    assert _what_about("How can I change my PIN?") == "Customers come to you about things like changing their PIN."
    assert _what_about("How to send and receive money") == \
        "Customers come to you about things like sending and receiving money."
    # a how-to whose verb the lexicon does not know stays a how-to (was "things like craft a bed in minecraft")
    assert _what_about("How to Craft a Bed in Minecraft") == \
        "Customers come to you about things like how to craft a bed in minecraft."
    assert _what_about("How to Have Fun With a Wii when You're Bored With It") == \
        "Customers come to you about things like how to have fun with a wii when they're bored with it."


def test_the_service_is_named_once_by_its_kind() -> None:
    """"(cards service)" alone was said "our cards service service"; a banking guide's domain label
    is banking, not retail (a guide to card replacements by account tier was "our retail service")."""
    from gem_env.documents import Document
    from gem_env.stages.ground.episode import _policy_prompt
    from gem_env.stages.filter import classify
    assert _policy_prompt("Card replacements (cards service)", (), frozenset()).startswith(
        "You are a customer support assistant for our card service.")  # a noun before another is singular
    doc = Document(id="d", title="Internal: Debit Card Replacement Options by Account Tier",
                   text="Each account tier gets a debit card replacement: standard delivery of the card, or an "
                        "expedited shipment with tracking number for the premium tier. Order the replacement item.")
    assert classify(doc, True)["domain"] == "banking"
    # an account's balance and funds are a bank's words ("Blue Account: Managing your balance with low-balance
    # alerts" was "our retail service" for "Review pending and posted items ... return your balance above $62")
    doc = Document(id="d", title="Blue Account: Managing your balance with low-balance alerts",
                   text="Set the threshold so you are notified when your available balance falls below it. "
                        "Review pending and posted items. Add funds to return your balance above $62.")
    assert classify(doc, True)["domain"] == "banking"


def test_each_policy_rule_is_one_line_of_the_prompt() -> None:
    """A rule quoted from a wrapped source line ("Added bags cannot be\nrefunded, ...") broke the
    prompt's list in two."""
    from gem_env.stages.ground.episode import _policy_prompt
    prompt = _policy_prompt("Add checked baggage (airline)", ("Added bags cannot be\nrefunded, but they can be moved.",),
                            frozenset())
    assert prompt.endswith("Policy:\n- Added bags cannot be refunded, but they can be moved."), prompt


def test_a_refusal_names_which_of_a_transfers_accounts_breaks_the_rule() -> None:
    """A transfer reads two accounts: the one whose status stops it is named ("Your account ACC-1
    is currently frozen."), never "This one is currently frozen." after the other was opened."""
    from gem_env.agents.prechecks import blocking_rule
    from gem_env.tools.model import ToolSpec
    spec = ToolSpec.model_validate({
        "name": "transfer_funds", "description": "Move money between two accounts.", "kind": "write",
        "parameters": [{"name": "source_account_id"}, {"name": "destination_account_id"},
                       {"name": "amount", "type": "number"}],
        "effect": [{"find": "accounts", "as": "source", "where": {"account_id": "source_account_id"}},
                   {"find": "accounts", "as": "destination", "where": {"account_id": "destination_account_id"}},
                   {"require": "source.status == 'open'", "message": "Only an account that is open can send money."},
                   {"update": "accounts", "row": "source", "set": {"balance": "source.balance - amount"}}]})
    records = [{"account_id": "ACC-1", "status": "frozen", "balance": 10.0},
               {"account_id": "ACC-2", "status": "open", "balance": 5.0}]
    args = {"source_account_id": "ACC-1", "destination_account_id": "ACC-2", "amount": 1}
    message, values, named = blocking_rule(spec, args, records, {}, {"accounts": "account_id"})
    assert values == ["frozen"] and named == [("status", "frozen", "account ACC-1")]
    for seed in range(8):
        said = S.refuse(random.Random(seed), "transfer the funds", message, values, named)
        assert "account ACC-1" in said and "frozen" in said and "This one" not in said, said


def test_a_refusal_says_the_records_status_once() -> None:
    """"... this order is pending." is not followed by "Right now it shows pending."; a rule naming
    only the status it forbids ("A card that is frozen ...") still says what the record is now."""
    told = "Only items from a delivered order can get a return; this order is pending"
    for seed in range(8):
        for named in (None, [("status", "pending", "")]):
            said = S.reason_text(told, ["pending"], random.Random(seed), named)
            assert said.lower().count("pending") == 1, said
        said = S.reason_text("A card that is frozen cannot be changed", ["frozen"], random.Random(seed))
        assert said.lower().count("frozen") == 2, said



@pytest.mark.parametrize(("field", "value", "said"), [
    ("in_stock", True, "whether it is in stock"), ("filed_on", "2025-01-01", "when it was filed"),
    ("overdraft_protection", False, "whether overdraft protection is on"), ("is_active", True, "whether it is active"),
    ("price", 3.0, "the price")])
def test_a_lookups_goal_asks_facts_as_people_do(field: str, value: object, said: str) -> None:
    """The task's goal (what an LLM user reads) never says "find out the in stock of product ..."."""
    from gem_env.stages.tasks.lookups import _asked
    assert _asked(field, value) == said


@pytest.mark.parametrize(("verb", "done"), [("unfreeze", "unfrozen"), ("freeze", "frozen"), ("reopen", "reopened"),
                                            ("submit", "submitted"), ("apply", "applied"), ("renew", "renewed"),
                                            # OpenPI's "Beat ..." and "Become ..." left records 'beated', 'becomed'
                                            ("beat", "beaten"), ("become", "become")])
def test_participles(verb: str, done: str) -> None:
    from gem_env.tools.render import participle
    assert participle(verb) == done


def test_a_catalog_count_reads_as_a_count() -> None:
    assert S._figure("supported_currencies", 35.0) == "35 supported currencies"
    assert S._figure("monthly_fee", 50.0) == "a monthly fee of $50"


def test_a_date_the_request_says_is_not_said_again() -> None:
    """"... move my booking to the flight on January 24, 2025? The date's January 24, 2025." said it twice."""
    for seed in range(8):
        said = ScriptedUser._volunteered("date", "2025-01-24", "move my booking to the flight on January 24, 2025",
                                         random.Random(seed), ["date"])
        assert said == "", said


def test_several_counts_asked_are_answered_and_read_as_counts() -> None:
    """"The bags is 2. The passengers is 2." was the answer to "Can you tell me the cabin, the bags
    and the passengers?"; now "It's for 2 bags and 2 passengers.", which the agent reads back."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.scenario import Request
    from gem_env.tools import compile_domain
    knows = {"cabin": "economy", "bags": 2, "passengers": 2}
    user = ScriptedUser(Scenario(goal="g", knows=knows))
    for seed in range(6):
        said = user._facts(["cabin", "bags", "passengers"], Request(kind="complete", goal="g", knows=knows),
                           random.Random(seed))
        assert "It's for 2 bags and 2 passengers." in said and "bags is" not in said, said
    from pathlib import Path

    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor
    doc = next(iter_documents([Path(__file__).resolve().parents[1] / "examples/corpus/airline/change-a-booking.md"]))
    agent = WorkflowAgent(compile_domain(OfflineExtractor().extract(doc)))
    assert agent._count_in("bags", said) == "2" and agent._count_in("passengers", said) == "2"


def test_a_topic_named_by_a_name_keeps_its_capitals() -> None:
    from gem_env.simulators.scenario import user_words
    assert user_words("Sky Blue: Burn-Rate Analytics and Runway Projections (transaction {transaction_id})",
                      {"transaction_id": "TRA-1"}).startswith("Sky Blue")
    assert user_words("Freeze my card {card_id}", {"card_id": "CRD-1"}).startswith("freeze my card")


def test_a_how_to_goal_under_a_topic_is_asked_for_by_its_request() -> None:
    """A procedure's goal "Topic: its main step" is asked for by the first part that is a request
    (the customer said "It's about Spending Alerts and Budget Controls on Hunter Green" and the
    assistant guessed what they wanted); a title that is a request stays the request."""
    from gem_env.simulators.scenario import user_words
    goal = ("Spending Alerts and Budget Controls on Hunter Green: set the alert threshold amount to "
            "{new_alert_threshold_amount} and the delivery preference to {new_delivery_preference} (alert {alert_id})")
    assert user_words(goal, {"alert_id": "ALE-1", "new_alert_threshold_amount": "$197.34",
                             "new_delivery_preference": "email"}) == \
        "set the alert threshold amount to $197.34 and the delivery preference to email"
    assert user_words("EcoCard: Redeeming Sustainability Points for Rewards: go to Rewards and select Redeem") == \
        "redeeming sustainability points for rewards"
    assert user_words("BNPL Platinum: How to Activate 6-Month Financing on Your Account: select Activate") == \
        "activate 6-month financing on my account"
    assert user_words("Dispute a charge: add details and upload receipts, then submit (card {card_id})") == \
        "dispute a charge"
    # a machine's task after a reference text's topic (was "I need some help with Real-Time
    # Communication services", and the assistant restarted the service unasked)
    assert user_words("Real-Time Communication services: restart the service to use the new configuration "
                      "(service {service_id})") == "restart the service to use the new configuration"


def test_one_word_that_describes_a_record_is_said_even_if_the_request_has_it() -> None:
    """"compensation for the cancelled flights on my reservation" does not say which reservation:
    "cancelled" there is the reason, so "my cancelled reservation" is still said."""
    said = ScriptedUser._volunteered("reservation_status", "cancelled",
                                     "ask for compensation for the cancelled flights on my reservation",
                                     random.Random(0), ["reservation_status"])
    assert "cancelled" in said, said


def test_a_value_the_request_says_after_for_is_not_said_again() -> None:
    said = ScriptedUser._volunteered("visit_type", "consultation",
                                     "book a visit with Andrew Haney on January 25, 2025 at 10:30 am for a consultation",
                                     random.Random(0), [])
    assert said == "", said



def test_a_title_naming_the_document_is_not_what_customers_come_about() -> None:
    """"tau2 telecom main policy" and a help centre's path ("Ordering Issue / Manage Cancel") name the
    document: the prompt says what the service does for customers, from its workflows' requests."""
    from gem_env.stages.ground.episode import _policy_prompt
    goals = ("exchange my item {item_id} for one in {new_option}", "swap my item {item_id} for the one in {new_option}",
             "pass my question about my order {order_id} to a person", "find out the status of my order {order_id}",
             "create a return for item {item_id} because of {reason}", "change my address to {address}, {city} {zip}")
    for title in ("tau2 retail policy (orders service) (retail)", "Ordering Issue / Manage Cancel (orders service) (retail)"):
        first = _policy_prompt(title, (), frozenset(), goals).split("\n")[0]
        assert first == ("You are a customer support assistant for our retail service. Customers come to you about "
                         "things like exchanging their item, creating a return for an item and changing their address.")
    # a title that says what customers come about keeps saying it
    assert "things like returning an item." in _policy_prompt("Return an item", (), frozenset(), goals)
    # "Business Bronze Saver: Complete Guide" names a product and the document: the product (theirs, when
    # it is something held) and what the service does (was "... and things like completing guide")
    money = ("transfer {amount} from {source_account_id} to {destination_account_id}", "open a new {product_name}",
             "freeze my account {account_id} because of {reason}", "close my card {card_id} because of {reason}")
    assert _policy_prompt("Business Bronze Saver: Complete Guide (accounts service) (banking)", (), frozenset(),
                          money).split("\n")[0].endswith(
        "about their Business Bronze Saver and things like freezing their account and closing their card.")
    assert "about Everyone Pay and things like freezing" in _policy_prompt("Everyone Pay: Getting Started Guide",
                                                                          (), frozenset(), money)
    assert "about things like connecting their ERP for beige account." in _policy_prompt(
        "Connecting Your ERP for Beige Account: API Integration Guide (telecom)", (), frozenset(), money)


def test_a_rule_or_a_tool_made_of_a_noun_takes_the_article_it_sounds() -> None:
    """"A user that is removed cannot be changed", "Change a user's role" (were "An user ..." in the
    tool descriptions and rules of 9 banking domains): the article goes by sound, as the agent says it."""
    from gem_env.text.words import indefinite
    assert [indefinite(n) for n in ("user", "account", "unit", "hour", "order", "card")] == \
        ["a user", "an account", "a unit", "an hour", "an order", "a card"]


def test_an_answer_that_a_thing_is_out_of_stock_is_bad_news_to_the_user() -> None:
    """"I checked: it is not in stock." was followed by "Wonderful, thanks, bye!" (6 sessions of the
    dialogue bench); the user reacts to it as to a no."""
    from gem_env.simulators import phrases as P
    for said in ("I checked: it is not in stock.", "From what I see, it is not in stock.", "No, it is not in stock. Anything else?",
                 "The blue one is out of stock.", "That room isn't available."):
        assert P.is_negative(said), said
    assert not P.is_negative("Yes, it is in stock.") and not P.is_negative("Two factor is on for this account.")


def test_every_way_the_assistant_declines_an_ask_it_does_not_cover_is_a_no_to_the_user() -> None:
    """"I regret that this request is outside what I am able to help with." was answered "Great.
    Also, ..." (31 refined off-topic sessions): each decline of the bank reads as a no."""
    from gem_env.agents.banks import OUT_OF_SCOPE
    from gem_env.simulators import phrases as P
    lines = list(OUT_OF_SCOPE)  # every style's alternatives
    assert len(lines) >= 10 and all(P.is_negative(line) for line in lines), [l for l in lines if not P.is_negative(l)]
    assert not P.is_negative("All done: the transfer went through, no regrets.")  # the word whole, not "regrets"


def test_a_title_naming_a_thing_is_not_a_doing_and_the_asker_is_the_customer() -> None:
    """"Credit Card Retention Protocol" was "things like crediting card retention protocol"; "How do I
    unblock someone I previously blocked?" kept the asker's "I" in a prompt about customers."""
    from gem_env.stages.ground.episode import _what_about
    from gem_env.text.words import doing
    assert _what_about("Credit Card Retention Protocol") == \
        "Customers come to you about things like credit card retention protocol."
    assert doing("credit the account") == "crediting the account" and doing("transfer money") == "transferring money"
    assert _what_about("How do I unblock someone I previously blocked?") == \
        "Customers come to you about things like how to unblock someone they previously blocked."


def test_a_setting_the_request_turns_on_or_off_is_not_said_again_as_yes_or_no() -> None:
    """"Could you turn on the overdraft protection of my account?" says the new value; never
    followed by "The new overdraft protection is yes." (9 such turns in the dialogue bench)."""
    import random

    from gem_env.simulators.scripted import ScriptedUser
    for value, said in ((True, "turn on"), (False, "turn off")):
        intent = f"Could you help me {said} the overdraft protection of my account?"
        assert ScriptedUser._volunteered("new_overdraft_protection", value, intent, random.Random(0), []) == ""
    assert ScriptedUser._volunteered("new_overdraft_protection", True, "Could you help me with my account?",
                                     random.Random(0), [])  # said where the request does not say it


def test_a_work_is_named_by_its_title_and_none_left_is_no_count() -> None:
    """A library's title is "Winter at Larkspur", never "the Winter at Larkspur" (a product is "the
    yoga mat"); no copies left is "no copies available", never "the copies available is 0"."""
    import random

    from gem_env.agents import speech as S
    titles = [S.looked(random.Random(seed), "title", "TTL-1", "Winter at Larkspur") for seed in range(12)]
    products = [S.looked(random.Random(seed), "product", "PRD-1", "yoga mat") for seed in range(12)]
    assert any("Winter at Larkspur" in t for t in titles) and not any("the Winter" in t for t in titles), titles
    assert all("the yoga mat" in p for p in products if p) and any(products), products
    for seed in range(6):
        said = S.fact(random.Random(seed), "copies_available", 0, after_write=False)
        assert "no copies available" in said and "0" not in said, said
        assert tells("copies_available", "0", said) and not tells("copies_available", "3", said)  # verified so
    entry = {"title_id": "TTL-1", "name": "Winter at Larkspur", "copies_available": 0}
    assert S._terms(entry) == "Winter at Larkspur has no copies available."
    assert S._terms({"product_id": "P-1", "name": "Harbor Saver", "monthly_fee": "$0"}).startswith("The Harbor Saver")


def test_a_wrong_thing_as_a_reason_reads_as_a_sentence() -> None:
    """"because of a wrong item" (the choice pasted after "because of") is "because it was the
    wrong item"; the agent still reads it back as the choice."""
    from gem_env.agents.understanding import reason_given
    from gem_env.tools.render import smooth
    said = smooth("I'll create a return for item ITM-1 because of wrong item.")
    assert said == "I'll create a return for item ITM-1 because it was the wrong item.", said
    assert reason_given(said.lower(), ["wrong item", "damaged"]) == "wrong item"


def test_trouble_heard_before_a_refusal_promises_nothing() -> None:
    """"Apologies for the trouble. I can take care of it here. I wish I could help here, but I'm
    unable to ..." (3 of 111 such openings in the dialogue bench): before a refusal, the trouble is
    heard without a promise."""
    from gem_env.agents import banks as B
    from gem_env.agents.workflow_agent import _heard_trouble
    for n in range(12):
        first = {"role": "user", "content": f"Hi, I couldn't get this to work on the website ({n}). Please change my plan."}
        refusal = {"role": "assistant", "content": "Unfortunately, I can't change the plan name of your line."}
        said = _heard_trouble(refusal, [first])["content"]
        assert said.endswith(refusal["content"]) and not any(said.startswith(t) for t in B.TROUBLE), said
        done = {"role": "assistant", "content": "I'll change the plan name of your line. Shall I go ahead?"}
        assert any(_heard_trouble(done, [first])["content"].startswith(t) for t in B.TROUBLE)


def test_a_customer_asks_for_a_person_as_people_do() -> None:
    """"I've been meaning to pass my question about my card to a person." was the service's own
    wording of the handoff in the customer's mouth."""
    from gem_env.simulators import phrases as P
    bank, intent = P.want_phrase("pass my question about my card CRD-1 to a person")
    assert bank is P.WANT and intent == "talk to a person about my card CRD-1"


def test_an_action_in_brief_keeps_where_a_thing_goes() -> None:
    """"Sure, I can pass your question about your account for you." lost "to a person" with the
    record number; a reason and the values after a record number still go."""
    from gem_env.agents.actions import brief
    assert brief("pass your question about your account ACC-1 to a person") \
        == "pass your question about your account to a person"
    assert brief("freeze your account ACC-1 because of fraud") == "freeze your account"
    assert brief("change the shipping address of your order ORD-1 to 5 Oak St") \
        == "change the shipping address of your order"


def test_a_change_done_is_told_with_its_new_value_once() -> None:
    """"I've changed the cabin of your booking. All updated: the cabin is premium." said the change
    twice: done, it is told with the value it set, and the sentence repeating it is left out; a
    reason, a move to another record and the record number still go."""
    import random
    from gem_env.agents import speech as S
    from gem_env.agents.actions import with_new_value
    assert with_new_value("change the cabin of your booking BKN-10001 to premium") \
        == "change the cabin of your booking to premium"
    assert with_new_value("transfer $600 from your account ACC-10001 to your other account ACC-10002") \
        == "transfer $600 from your account"
    assert with_new_value("freeze your card CRD-10001 because of fraud") == "freeze your card"
    told = [S.report(random.Random(seed), True, "change the cabin of your booking BKN-10001 to premium",
                     [("cabin", "premium")]) for seed in range(40)]
    assert all(said.count("premium") == 1 for said in told), told
    assert any("changed the cabin of your booking to premium" in said for said in told)


def test_an_action_in_brief_keeps_what_a_thing_becomes() -> None:
    """"Done: I've made your mobile phone number appear." (wikiHow's "make your mobile phone number
    appear as a private number"): "as" before an article says what it becomes, not why."""
    from gem_env.agents.actions import brief
    assert brief("make your mobile phone number appear as a private number") \
        == "make your mobile phone number appear as a private number"
    assert brief("set Google Chrome as your default browser") == "set Google Chrome as your default browser"
    assert brief("freeze your card as it was stolen") == "freeze your card"


def test_a_comparisons_winner_says_its_status_when_the_records_differ_in_it() -> None:
    """"your line LINE-92357 has the lowest monthly price" of a closed line, the others active."""
    from gem_env.agents.compare import Comparison, _told
    from gem_env.agents.lookup import LookupPlan
    plan = LookupPlan("lines", "line", "get_line_details", "line_id", ["line_id", "status", "monthly_price"])
    lines = [{"line_id": "LINE-1", "status": "closed", "monthly_price": 58.86},
             {"line_id": "LINE-2", "status": "active", "monthly_price": 66.62},
             {"line_id": "LINE-3", "status": "active", "monthly_price": 73.29}]
    cmp = Comparison(plan, "monthly_price", "lowest")
    said = {_told(random.Random(seed), cmp, lines[0], lines[1:]) for seed in range(10)}
    assert all("closed line LINE-1" in s for s in said), said
    alike = [dict(r, status="active") for r in lines]
    assert not any("active line" in _told(random.Random(seed), cmp, alike[0], alike[1:]) for seed in range(10))


@pytest.mark.parametrize("goal, said", [
    ("rename a playlist: type a new name and tap Done (playlist PLA-83246)", "rename your playlist"),
    ("purge removed packages for good: then you press \"_\" at top level headings", "purge removed packages for good"),
    ("start MC: just press F1 to get the help screen (request REQ-10024)", "start MC"),
    ("LDAP directory: move old database (database DAT-90910)", "move old database"),
    ("the links: open the file (file FIL-64968)", "open the file"),
])
def test_a_how_to_request_titled_before_its_step_is_said_as_the_request(goal: str, said: str) -> None:
    """"rename a playlist: type a new name ..." was confirmed as "Next, I'll type the name" (the
    step after the colon); a title that is a topic ("LDAP directory:", "the links:") still gives way
    to its step."""
    from gem_env.agents.actions import action
    assert action(goal, "type_name", {}) == said


@pytest.mark.parametrize("goal, said", [
    ("reset a check engine light: connect the scanner (car CAR-04974)", "reset your check engine light"),
    ("uninstall a program (package PAC-61493)", "uninstall your program"),
    ("make a cake (cake CAK-10001)", "make a cake"),
])
def test_a_how_to_request_on_a_thing_the_customer_has_is_said_as_theirs(goal: str, said: str) -> None:
    """"Done: I've reset a check engine light." -> "your": a reset, a repair or an uninstall acts on
    something the customer has; making a cake makes a new one."""
    from gem_env.agents.actions import action
    assert action(goal, "hold_horn", {}) == said


def test_one_conversation_keeps_one_style_and_conversations_differ() -> None:
    """Every reply of a conversation is worded in the style its first message gets (`speech.voice`),
    so it reads as one person; other conversations' agents get other styles."""
    styles = set()
    for n in range(40):
        first = f"Hi, I'd like to freeze my card CRD-{n}."
        style = S.voice("0", first).style
        styles.add(style)
        for turn in range(12):
            rng = S.voice(f"{turn}", first)
            assert rng.style == style
            assert S.pick(rng, B.DONE) in B.DONE.by_style[style] and S.pick(rng, B.CLOSE) in B.CLOSE.by_style[style]
            held = S.declined(rng)
            assert any(held.startswith(d) for d in B.DECLINED.by_style[style]), held
    assert styles == set(B.STYLES)
    # every style keeps the contracts: a close asks for anything else, a question asks to confirm
    for style in B.STYLES:
        assert all("anything else" in c.lower() for c in B.CLOSE.by_style[style])
        assert all(CONFIRMING.search(q) and asks_confirmation(q) for q in B.QUESTION.by_style[style])


def test_an_agent_words_a_whole_session_in_one_style() -> None:
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.stages.ground.rollout import run_rollout
    from gem_env.stages.tasks import make_tasks
    from gem_env.tools import compile_domain, load_domain
    from pathlib import Path
    compiled = compile_domain(load_domain(Path(__file__).resolve().parents[1] / "examples" / "domains" / "shop.yaml"))
    tasks = make_tasks(compiled, per_domain=12, seed=0)[0]
    seen = set()
    for task in tasks:
        traj = asyncio.run(run_rollout(task, compiled, WorkflowAgent(compiled), ScriptedUser(task.scenario)))
        # the question that ends a reply: a close, or a confirmation's
        said = [re.split(r"(?<=[.!?])\s+", m["content"])[-1] for m in traj.messages
                if m.get("role") == "assistant" and m.get("content")]
        fits = [{st for st in B.STYLES if s in bank.by_style[st]} for s in said for bank in (B.CLOSE, B.QUESTION)
                if s in bank]
        assert not fits or set.intersection(*fits), said  # one style fits every one of them
        seen |= set.intersection(*fits) if fits else set()
    assert len(seen) >= 2


def test_a_change_that_waits_for_a_date_is_not_reported_as_made() -> None:
    """"I've just changed the plan of your line to basic 5gb. The pending plan starts on February
    12, 2025." said a downgrade that waits for the next cycle was made: it is told as what the plan
    becomes and when."""
    facts = [("pending_plan", "basic 5gb"), ("pending_plan_starts_on", "2025-02-12")]
    for seed in range(40):
        said = S.report(random.Random(seed), True, "change the plan of your line to basic 5gb", facts)
        assert "changed the plan" not in said and "pending plan" not in said.lower(), said
        assert "February 12, 2025" in said and "basic 5gb" in said, said
