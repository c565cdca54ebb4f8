"""The service's own sentences about a change (timing, fees, next steps) in the agent's voice."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from gem_env.agents import speech as S
from gem_env.agents.guidance import Guidance, case_of, voice
from gem_env.tools import compile_domain, parse_domain
from test_language import BASE, P, tool


@pytest.mark.parametrize(("text", "said"), [
    ("We give you a dispute number (for example `DSP-77031`) and reply within 10 business days.",
     "We'll give you a dispute number and reply within 10 business days."),
    ("The status changes to cancelled at once and we refund the full total to the original payment.",
     "The status changes to cancelled at once and we'll refund the full total to the original payment."),
    ("**Early closure fee**: $100 if closed within 90 days", "The early closure fee is $100 if closed within 90 days."),
    ("The customer receives a confirmation email within 2 business days.",
     "You receive a confirmation email within 2 business days."),
    ("For fraud we also freeze the card and send a new one with new card numbers.",
     "For fraud, we'll also freeze the card and send a new one with new card numbers."),
    # a plural the document left open agrees with its count (tau2-banking's transfer timing)
    ("Standard external transfers typically complete within 1 business day(s), subject to submission time and verification.",
     "Standard external transfers typically complete within 1 business day, subject to submission time and verification."),
    ("We refund the fee within 3 month(s) of the request.", "We'll refund the fee within 3 months of the request."),
])
def test_a_sentence_is_said_in_the_agents_voice_with_nothing_added(text: str, said: str) -> None:
    assert voice(text) == said


@pytest.mark.parametrize("text", [
    "Submit the transfer and monitor status until completion within 2 business days.",  # an instruction
    "Pending transactions cannot be disputed; wait until they post.",  # a rule: the refusals' business
    "If the annual fee posted recently, advise that a full refund may be available.",  # a note to staff
    "Use the get_pending_orders tool to check within 3 days.",  # tool names
    "Fees apply.",  # too short to say anything
])
def test_instructions_rules_and_fragments_are_not_said(text: str) -> None:
    assert voice(text) is None


DOMAIN = {**BASE, "tools": [
    tool("get_order", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}],
         [P("order_id")], "read"),
    tool("cancel_order", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                          {"update": "orders", "row": "o", "set": {"status": "'cancelled'"}},
                          {"return": {"order_id": "o.order_id", "status": "'cancelled'"}}],
         [P("order_id"), P("reason")]),
], "workflows": [{
    "name": "cancel_order", "goal": "cancel my order {order_id} because of {reason}",
    "anchor": {"table": "orders"}, "knows": {"order_id": "row.order_id", "reason": "'fraud'"},
    "steps": [{"tool": "cancel_order", "args": {"order_id": {"user": "order_id"}, "reason": {"user": "reason"}}}]}],
    "policy": [{"id": "P1", "text": "Once cancelled, we refund the order within 5 business days."},
               {"id": "P2", "text": "For fraud we also close the card and send you a new one within 3 days."},
               {"id": "P3", "text": "Deliveries usually arrive within 4 business days."}]}


def test_a_workflow_gets_the_sentences_about_its_own_change_and_its_own_case() -> None:
    compiled = compile_domain(parse_domain(DOMAIN))
    workflow = compiled.domain.workflows[0]
    guide = Guidance(compiled)
    said = guide.about(workflow, "cancel_order", "order", {"reason": "lost"})
    assert said == ["Once cancelled, we'll refund the order within 5 business days."]  # not deliveries, not fraud
    assert len(guide.about(workflow, "cancel_order", "order", {"reason": "fraud"})) == 1  # P2 is about closing
    assert guide.about(workflow, "transfer_to_human_agent", "order", {}) == []


def test_another_writes_outcome_is_not_said_after_this_one() -> None:
    """"All orders can be cancelled within 24 hours of the address change" carries the address
    change's words, but it is the cancel's outcome: after an address change it is not said (a
    tau-bench airline session said "all reservations can be cancelled within 24 hours of booking"
    after moving a flight); after a cancel it is."""
    tools = [*DOMAIN["tools"], tool("update_order_address", [
        {"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
        {"update": "orders", "row": "o", "set": {"status": "'updated'"}}, {"return": {"order_id": "o.order_id"}}],
        [P("order_id"), P("address")])]
    tools.append(tool("transfer_to_human_agent", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                                                  {"update": "orders", "row": "o", "set": {"status": "'held'"}},
                                                  {"return": {"order_id": "o.order_id"}}], [P("order_id")]))
    policy = [{"id": "P1", "text": "All orders can be cancelled within 24 hours of an address change."},
              {"id": "P2", "text": "After an address change we transfer the parcel to the new depot within 2 days."}]
    compiled = compile_domain(parse_domain({**DOMAIN, "tools": tools, "policy": policy}))
    guide, workflow = Guidance(compiled), compiled.domain.workflows[0]
    # a handoff's "transfer" (to a person) is no other write's verb: the parcel's transfer is said
    assert guide.about(workflow, "update_order_address", "order", {}) == \
        ["After an address change we transfer the parcel to the new depot within 2 days."]
    assert guide.about(workflow, "cancel_order", "order", {}) == \
        ["All orders can be cancelled within 24 hours of an address change."]


def test_a_case_the_write_itself_tests_is_its_own_whatever_the_words() -> None:
    """"For fraud we also close the card" does not say "cancel"; when the cancel tool's effect
    has a condition on 'fraud' (the text's case made into a step), the sentence is about it."""
    tools = [dict(t) for t in DOMAIN["tools"]]
    cancel = tools[1]
    cancel["effect"] = [*cancel["effect"][:2], {"if": "reason == 'fraud'", "then": [
        {"update": "orders", "row": "o", "set": {"status": "'closed'"}}]}, cancel["effect"][2]]
    compiled = compile_domain(parse_domain({**DOMAIN, "tools": tools}))
    guide, workflow = Guidance(compiled), compiled.domain.workflows[0]
    case = "For fraud, we'll also close the card and send you a new one within 3 days."
    assert case in guide.about(workflow, "cancel_order", "order", {"reason": "fraud"})
    assert case not in guide.about(workflow, "cancel_order", "order", {"reason": "lost"})
    # ... also when its words carry another write's verb: "freeze" is a freeze tool's too, but this
    # write's own condition makes the freeze (the bundled dispute example never said it)
    tools.append(tool("freeze_card", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                                      {"update": "orders", "row": "o", "set": {"status": "'frozen'"}},
                                      {"return": {"order_id": "o.order_id"}}], [P("order_id")]))
    policy = [*DOMAIN["policy"][:1], {"id": "P2", "text": "For fraud we also freeze the card."}]
    compiled = compile_domain(parse_domain({**DOMAIN, "tools": tools, "policy": policy}))
    guide, workflow = Guidance(compiled), compiled.domain.workflows[0]
    assert "For fraud, we'll also freeze the card." in guide.about(workflow, "cancel_order", "order", {"reason": "fraud"})


def test_a_case_is_said_before_the_change_each_time_and_same_terms_only_of_a_fee() -> None:
    case, fee = "For fraud, we'll also freeze the card.", "The cancellation fee is $10."
    secret = re.compile("pin")
    for seed in range(20):
        first = S.confirm(random.Random(seed), "cancel your order", {}, secret, [], [case])
        again = S.confirm(random.Random(seed), "cancel your order", {}, secret, [], [case], told=first)
        assert case in first and case in again and "mentioned" not in again
        assert not first.endswith(case)  # the question comes last
        told = S.confirm(random.Random(seed), "cancel your order", {}, secret, [], [fee])
        later = S.confirm(random.Random(seed), "cancel your order", {}, secret, [], [fee], told=told)
        assert "$10" in told and "$10" not in later and later != S.confirm(
            random.Random(seed), "cancel your order", {}, secret, [], [], told=told)


def test_fees_are_said_before_the_change_and_next_steps_after() -> None:
    fee, later = "The cancellation fee is $10.", "We'll email you within 2 days."
    for seed in range(20):
        rng = random.Random(seed)
        asked = S.confirm(rng, "cancel your order", {"order_id": "ORD-1"}, re.compile("pin"), [], [fee, later])
        done = S.report(random.Random(seed), True, "cancel your order", [], "", [fee, later])
        assert "$10" in asked and "email you" not in asked
        assert "email you" in done and "$10" not in done


@pytest.mark.parametrize(("text", "said"), [
    ("Inform the customer that the refund takes 5 to 7 business days.", "The refund takes 5 to 7 business days."),
    ("If already shipped, tell the customer you can add a credit back to their account for the shipping fee.",
     "If already shipped, I can add a credit back to your account for the shipping fee."),
    ("Let the customer know that to reset, you will be sending a special code to their email.",
     "To reset, I'll be sending a special code to your email."),
    ("If a frozen card is not unfrozen within 90 days, the customer will receive a reminder notification",
     "If a frozen card is not unfrozen within 90 days, you will receive a reminder notification."),
])
def test_what_staff_are_told_to_say_is_said_to_the_customer(text: str, said: str) -> None:
    assert voice(text) == said


@pytest.mark.parametrize("text", [
    "Tell the customer you cannot get their password, but you can generate a new one for them.",  # a rule
    "Tell the customer you checked with the team and it takes 3 days.",  # whose "you"? not said
    "Available APY Bonuses by Eligible Business Credit Card Fees",  # a heading
    "Watch for an on-screen or email confirmation within 2 days.",  # the customer's own step
])
def test_what_staff_are_told_is_said_only_when_it_is_a_plain_statement(text: str) -> None:
    assert voice(text) is None


def test_a_case_the_records_show_does_not_apply_is_not_said() -> None:
    """The bundled dispute guide: "For fraud we also freeze the card" is its create_dispute's
    condition (`reason == 'fraud' and card_row.status in ['active']`). Read against what the
    conversation has shown: an active card -> it holds; a closed one -> it does not (the agent
    said "we'll also freeze the card" of a closed card); a card not seen -> unknown."""
    from gem_env.agents.prechecks import case_holds
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    root = Path(__file__).resolve().parents[1]
    doc = Document(id="dispute", text=(root / "examples" / "corpus" / "bank" / "dispute-a-charge.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id="dispute", relevant=True, score=1.0, reason="t")))
    spec = compiled.tools["create_dispute"].spec
    keys = {name: table.pk for name, table in compiled.tables.items()}
    charge = {"charge_id": "CHR-1", "card_id": "CRD-1", "status": "posted", "amount": 40.0}
    listing = {"customer_id": "CST-1", "cards": [{"card_id": "CRD-1", "status": "active"}]}

    def holds(args: dict, results: list) -> bool | None:
        return case_holds(spec, args, results, {"today": "2025-01-15"}, keys, "fraud")
    assert holds({"charge_id": "CHR-1", "reason": "fraud"}, [listing, [charge]]) is True
    assert holds({"charge_id": "CHR-1", "reason": "wrong amount"}, [listing, [charge]]) is False
    closed = {"customer_id": "CST-1", "cards": [{"card_id": "CRD-1", "status": "closed"}]}
    assert holds({"charge_id": "CHR-1", "reason": "fraud"}, [closed, [charge]]) is False
    assert holds({"charge_id": "CHR-1", "reason": "fraud"}, [[charge]]) is None  # the card not seen
    # after the write: what its condition changed besides, told ("Your card CRD-1 has been frozen too.")
    from gem_env.agents.prechecks import changed_besides
    fraud = {"charge_id": "CHR-1", "reason": "fraud"}
    clock = {"today": "2025-01-15"}
    assert changed_besides(spec, fraud, [listing, [charge]], clock, keys) == [("cards", "CRD-1", "frozen")]
    assert changed_besides(spec, fraud, [closed, [charge]], clock, keys) == []
    assert changed_besides(spec, {**fraud, "reason": "wrong amount"}, [listing, [charge]], clock, keys) == []
    assert changed_besides(spec, fraud, [[charge]], clock, keys) == []  # not seen: not told


def test_a_list_for_staff_and_a_time_frame_of_nothing_are_not_told():
    """Said to customers in the support and banking runs: "Good to know: the main effort is in
    figuring out which question you are asking: Canceling subscriptions, Late on a subscription
    payment, Refund policy" and "Also, the external transfer processing time is 0 business days."."""
    assert voice("The main effort is in figuring out which question you are asking: Canceling subscriptions, "
                 "Late on a subscription payment, Refund policy.") is None
    assert voice("The external transfer processing time is 0 business days.") is None
    assert voice("The external transfer processing time is 2 business days.") is not None


def test_a_sentence_about_a_narrower_subject_is_said_only_for_that_case() -> None:
    """"Transfers to other banks arrive within 1 business day" was said after a transfer between the
    customer's own accounts (3 of the bundled examples' sessions): its subject names one case."""
    policy = [*DOMAIN["policy"][:1], {"id": "P2", "text": "Cancellations to other stores are refunded within 9 days."}]
    compiled = compile_domain(parse_domain({**DOMAIN, "policy": policy}))
    guide, workflow = Guidance(compiled), compiled.domain.workflows[0]
    assert guide.about(workflow, "cancel_order", "order", {"reason": "lost"}) == \
        ["Once cancelled, we'll refund the order within 5 business days."]
    assert "Cancellations to other stores are refunded within 9 days." in \
        guide.about(workflow, "cancel_order", "order", {"store": "one of our other stores"})
    assert case_of("Transfers to other banks arrive within 1 business day.") == "other banks"
    assert case_of("Payments to the card post within 2 days.") is None


def test_a_sentence_of_one_kind_or_condition_is_said_only_where_the_request_names_it() -> None:
    """"External transfers typically complete in 1 business day." was said after a transfer between
    the customer's own accounts (9 tau2 banking sessions), "If unauthorized activity is confirmed,
    we'll replace your card number ..." after a dispute for a duplicate charge, "If the cadence
    attempts to schedule occurrences too close together, increase the interval ..." after a payment
    was scheduled; and "Editing remains locked within 13 hours ..." (a rule) after a cancellation."""
    policy = [*DOMAIN["policy"][:1],
              {"id": "P2", "text": "External cancellations are refunded in 1 business days."},
              {"id": "P3", "text": "If the order was shipped, we refund it when it comes back within 9 days."},
              {"id": "P4", "text": "Editing remains locked within 13 hours, and cancelling refunds within 2 days."}]
    compiled = compile_domain(parse_domain({**DOMAIN, "policy": policy}))
    guide, workflow = Guidance(compiled), compiled.domain.workflows[0]
    assert guide.about(workflow, "cancel_order", "order", {"reason": "lost"}) == \
        ["Once cancelled, we'll refund the order within 5 business days."]
    assert "External cancellations are refunded in 1 business day." in \
        guide.about(workflow, "cancel_order", "order", {"store": "an external store"})
    assert case_of("Standard external transfers typically complete within 1 business day.") == "external"
    assert case_of("If unauthorized activity is confirmed, we'll replace your card number.") == \
        "unauthorized activity is confirmed"
    assert case_of("Standard transfers typically complete in 2 business days.") is None
    assert case_of("Silver member get a refund if the amount wrong is less than $10.") == "silver"


def test_a_clause_waiting_for_the_change_is_not_said_once_it_is_made() -> None:
    """"You will receive ... a final statement within several business days after the account is
    closed." said after a card of a credit-card-account text was closed (tau2 banking 288-290): the
    change is made, and the text's "account" is not what the customer calls their card. Before the
    change, and of another change, the sentence stays whole."""
    from gem_env.agents.guidance import once_done
    text = ("You will receive a confirmation email and a final statement within several business days "
            "after the account is closed.")
    assert once_done(text, "close_card", "card") == ("You will receive a confirmation email and a final statement "
                                                     "within several business days.")
    assert once_done(text, "freeze_card", "card") == text  # not this change's clause
    assert once_done("You will get an email once the card is frozen.", "freeze_card", "card") \
        == "You will get an email once the card is frozen."  # too little left to say alone
    for seed in range(10):
        asked = S.confirm(random.Random(seed), "close your card", {"card_id": "CRD-1"}, re.compile("pin"), [], [text])
        assert "after the account is closed" in asked or "several business days" not in asked


def test_what_the_text_is_about_is_the_outcome_of_its_titles_action() -> None:
    """Review s56 #6: "Open a savings account" says "Your new account number appears at once, and
    the first deposit arrives within 1 business day." without the word "open": it was never said
    after an account was opened. The action the title names gets the text's outcome sentences that
    share its title's words and name no other write; other writes do not."""
    tools = [*DOMAIN["tools"], tool("open_order", [{"insert": "orders", "values": {"order_id": "next_id('ORD')", "status": "'open'"}}], [P("reason")])]
    workflows = [*DOMAIN["workflows"], {"name": "open_order", "goal": "open an order because of {reason}",
                                        "anchor": {"table": "orders"}, "knows": {"reason": "'fraud'"},
                                        "steps": [{"tool": "open_order", "args": {"reason": {"user": "reason"}}}]}]
    policy = [{"id": "P1", "text": "Your new order number appears at once, and the first parcel ships within 1 business day."},
              {"id": "P2", "text": "Deliveries usually arrive within 4 business days."}]
    compiled = compile_domain(parse_domain({**DOMAIN, "description": "Open an order (orders service)", "tools": tools,
                                            "workflows": workflows, "policy": policy}))
    guide = Guidance(compiled)
    opened = guide.about(compiled.domain.workflows[1], "open_order", "order", {"reason": "lost"})
    assert opened == ["Your new order number appears at once, and the first parcel ships within 1 business day."]
    assert guide.about(compiled.domain.workflows[0], "cancel_order", "order", {"reason": "lost"}) == []
    untitled = Guidance(compile_domain(parse_domain({**DOMAIN, "tools": tools, "workflows": workflows, "policy": policy})))
    assert untitled.about(compiled.domain.workflows[1], "open_order", "order", {"reason": "lost"}) == []


def test_a_participle_of_the_writes_verb_is_about_it() -> None:
    from gem_env.agents.guidance import names
    assert names({"a", "frozen", "card"}, "freez") and names({"closure"}, "clos") and not names({"card"}, "freez")


def test_a_promise_of_a_number_already_given_still_says_what_follows() -> None:
    """After "Your dispute number is DSP-1", "We'll give you a dispute number and reply within 10
    business days." was dropped whole, and with it the timing; now its rest is said."""
    sentence = "We'll give you a dispute number and reply within 10 business days."
    assert S.past_given(sentence, {"dispute"}) == "We'll reply within 10 business days."
    assert S.past_given("We'll give you a dispute number.", {"dispute"}) == ""
    assert S.past_given(sentence, {"order"}) == sentence
    for seed in range(10):
        done = S.report(random.Random(seed), True, "open a dispute", [("dispute_id", "DSP-1")], "", [sentence])
        assert "within 10 business days" in done and "give you a dispute number" not in done
