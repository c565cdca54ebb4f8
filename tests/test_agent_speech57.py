"""Round 57's buyer review, the assistant's side: refusals said as a support agent says them (not
"The rule is: a card that is frozen cannot be changed"), no "Anything else?" after a hand-off to a
person, hand-off notes in one person, a quoted note without a doubled stop, no "qualify" menus."""
from __future__ import annotations

import random
import re

from agents import banks as B
from agents import speech as S
from agents.explain import _added
from agents.prechecks import as_said, rule_cited, said_forms, states_rule
from agents.workflow_agent import _settled
from gem_env.stages.verify_kinds import gives_reason
from gem_env.tools.model import ToolSpec
from tools.referring import PROPOSED_PART

RULEBOOK = ("The rule", "Reason:", "Here's the reason", "Our policy says", "Our policy states", "Per our rules",
            "applicable rule", "because of this rule", "The reason is this", "down to this rule")


def test_a_status_rule_is_said_as_a_person_says_it():
    assert as_said("A card that is frozen cannot be changed") == "A frozen card can't be changed"
    assert as_said("An account that is closed cannot be changed") == "A closed account can't be changed"
    assert as_said("Only an account that is open can send money") == "Only an open account can send money"
    assert as_said("An installment that is paid cannot get an extension") == "A paid installment can't get an extension"
    # a state of two words stays after the noun, contracted
    assert as_said("A plan that is paid off cannot be changed") == "A plan that's paid off can't be changed"
    assert as_said("Pending transactions cannot be disputed; wait until they post") == \
        "Pending transactions can't be disputed; wait until they post"
    assert as_said("This contact hasn't been verified yet") == "This contact hasn't been verified yet"


def test_the_rule_said_so_is_still_found_as_stated():
    spec = ToolSpec.model_validate({
        "name": "update_card_limit", "description": "d", "parameters": [{"name": "card_id", "type": "string"}],
        "effect": [{"find": "cards", "where": {"card_id": "card_id"}, "as": "card_row"},
                   {"require": "card_row.status in ['active']",
                    "message": "A card that is {card_row.status} cannot be changed"}]})
    said = "Sorry, I can't change the limit of your card CRD-1. That's because a frozen card can't be changed."
    assert rule_cited(spec, said) == "A card that is frozen cannot be changed"  # in its own words
    assert rule_cited(spec, "I can't. An open card can't be changed.") == "A card that is open cannot be changed"
    assert states_rule("Only an account that is open can send money", "Sorry: only an open account can send money.")
    assert not states_rule("Only an account that is open can send money", "Sorry: only a savings account, then.")
    assert said_forms("A card that is frozen cannot be changed")[0] == "A card that is frozen cannot be changed"


def test_a_refusal_reads_no_rulebook_and_still_gives_the_reason():
    rules = [("A card that is frozen cannot be changed.", ["frozen"]),
             ("Only an account that is open can send money", ["closed"]),
             ("A new account needs the customer's identity to be verified", []),
             ("If you recently returned a purchase, wait for any point reversals to settle before redeeming.", [])]
    for rule, values in rules:
        for seed in range(40):
            said = S.refuse(random.Random(seed), "change the spending limit of your card CRD-1", rule, values)
            assert not any(frame in said for frame in RULEBOOK), said
            assert "cannot" not in said and " that is " not in said, said
            assert gives_reason(rule, values, said), said
            assert "because if you" not in said.lower(), said  # an instruction is never "That's because ..."


def test_no_anything_else_after_a_hand_off():
    for seed in range(30):
        rng = S.voice(str(seed), f"conversation {seed}")
        said = S.report(rng, True, "pass your question about your card to a person", [("case_id", "HND-1")],
                        handed=True)
        assert "anything else" not in said.lower() and said.endswith("from here."), said
        assert _settled(said, False)  # the request is over: the customer's goodbye opens nothing
        plain = S.report(S.voice(str(seed), f"conversation {seed}"), True, "freeze your card CRD-1", [])
        assert "from here." not in plain


def test_a_hand_off_note_speaks_of_the_customer_as_you_throughout():
    _, said = S._noted({"summary": "The customer wanted to close their card because they don't need it anymore "
                                   "but were told they don't qualify."}, "pass your question about your card")
    assert said == "that you wanted to close your card because you don't need it anymore but were told you don't qualify"
    _, said = S._noted({"summary": "The customer wanted to return the item because they sent them the wrong one."}, "x")
    assert "you sent you" not in said
    _, said = S._noted({"summary": "The customer wanted to transfer the funds (account ACC-1), but it wasn't "
                                   "possible: only an open account can send money."}, "pass your question")
    assert "policy" not in said and said.startswith("that you wanted to transfer")
    _, said = S._noted({"summary": "The customer wanted to create a dispute for the charge (CHR-1), but it wasn't "
                                   "possible: pending transactions can't be disputed; wait until they post."}, "x")
    assert said.endswith("wait until they post") and "their" not in said, said  # the rule's "they" is not the customer


def test_a_rule_after_because_goes_on_in_lower_case():
    """"That is because Pending transactions can't be disputed": a status word is never a name."""
    led = 0
    for seed in range(40):
        said = S.refuse(random.Random(seed), "create a dispute for your charge CHR-1",
                        "Pending transactions can't be disputed; wait until they post.", [])
        assert not re.search(r"[a-z,] Pending", said), said
        led += "pending transactions" in said
    assert led


def test_a_quoted_note_keeps_one_stop():
    said = _added("cases", {"summary": "summary"}, {"summary": "The customer wanted to change the limit, but it "
                                                               "wasn't possible: a frozen card can't be changed."})
    assert '."' not in said and "can't be changed\"" in said, said


def test_records_that_fit_are_said_without_qualify():
    records = [{"account_id": "ACC-1", "type": "savings"}, {"account_id": "ACC-2", "type": "checking"}]
    for seed in range(12):
        text = S.which_moved(random.Random(seed), "account_id", records + [{"account_id": "ACC-3", "type": "x"}],
                             records[:1], ("account", "going to"))
        assert "qualif" not in text and PROPOSED_PART.search(text), text
        text = S.which_fitting(random.Random(seed), "transaction_id", [{"transaction_id": "TRN-1"}, {"transaction_id": "TRN-2"}],
                               5, "create a dispute for your transaction")
        assert "qualif" not in text, text
    assert not any("more than one here" in q for q in B.WHICH)


def test_no_word_on_how_a_fee_is_taken_when_there_is_none():
    """"This one has no early closure fee to pay. Note that the fee is deducted directly from the
    account balance": with a fee due, how it is taken is said; with none, not."""
    note = "The fee is deducted directly from the account balance and there is no alternative payment method."
    for seed in range(20):
        free = S.confirm(random.Random(seed), "close your account ACC-1", {"account_id": "ACC-1"}, re.compile("x^"),
                         [], [note], due=[("early_closure_fee", 0.0)])
        assert "deducted" not in free and "no early closure fee" in free.lower(), free
        paid = S.confirm(random.Random(seed), "close your account ACC-1", {"account_id": "ACC-1"}, re.compile("x^"),
                         [], [note], due=[("early_closure_fee", 15.0)])
        assert "deducted" in paid and "$15" in paid, paid
