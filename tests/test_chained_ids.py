"""Ids the assistant takes from earlier results, and rule errors with their placeholders filled in."""
from agents.ids import distinguishing, id_by_description, id_from_results, named_outright
from agents.prechecks import is_rule_message
from gem_env.tools.model import ToolSpec


def test_an_id_a_finder_returns_is_taken_from_it():
    found = {"customer_id": "CST-1", "cards": [{"card_id": "CRD-1", "status": "active"}]}
    assert id_from_results("customer_id", [found]) == "CST-1"
    assert id_from_results("card_id", [found]) == "CRD-1"


def test_several_candidates_or_a_non_id_give_nothing():
    found = {"customer_id": "CST-1", "cards": [{"card_id": "CRD-1"}, {"card_id": "CRD-2"}]}
    assert id_from_results("card_id", [found]) is None
    assert id_from_results("status", [{"status": "active"}]) is None
    assert id_from_results("customer_id", [{"customer_id": "CST-1"}, {"customer_id": "CST-2"}]) is None


def test_a_rule_error_matches_its_template():
    spec = ToolSpec.model_validate({
        "name": "update_card", "description": "", "kind": "write",
        "parameters": [{"name": "card_id", "type": "string", "description": "", "required": True}],
        "effect": [{"find": "cards", "as": "card_row", "where": {"card_id": "card_id"}},
                   {"require": "card_row.status in ['active']", "message": "A card that is {card_row.status} cannot be changed"}],
    })
    assert is_rule_message(spec, "A card that is frozen cannot be changed")
    assert not is_rule_message(spec, "No card with id CRD-9")


CARDS = {"customer_id": "CST-1", "cards": [
    {"card_id": "CRD-1", "card_type": "debit", "last4": "4411", "status": "active"},
    {"card_id": "CRD-2", "card_type": "credit", "last4": "9012", "status": "active"},
    {"card_id": "CRD-3", "card_type": "credit", "last4": "3456", "status": "frozen"}]}


def test_a_record_the_user_singles_out_gives_its_id():
    assert id_by_description("card_id", [CARDS], "Please freeze my card ending 4411, it was stolen") == "CRD-1"
    assert id_by_description("card_id", [CARDS], "my debit card") == "CRD-1"
    assert id_by_description("card_id", [CARDS], "the frozen one") == "CRD-3"


def test_words_that_fit_several_records_or_none_give_nothing():
    assert id_by_description("card_id", [CARDS], "my credit card") is None  # two are credit
    assert id_by_description("card_id", [CARDS], "my active card") is None
    assert id_by_description("card_id", [CARDS], "card 44110") is None  # a whole value, not part of one
    assert id_by_description("card_id", [CARDS], "my debit card ending 9012") is None  # two records fit
    assert ("status", "active") not in distinguishing(CARDS["cards"][0], CARDS["cards"], "card_id")


def test_a_record_named_outright_stops_the_search_but_a_status_does_not():
    """The first opened order has the address the user gave: the agent need not open the others.
    A status or any one word may be another record's too: every record is opened first."""
    first = [{"order_id": "ORD-1", "status": "processed", "shipping_address": "576 Jason Park Apt. 442"}]
    said = "What's the status of my order? I mean the one whose shipping address is 576 Jason Park Apt. 442."
    assert named_outright("order_id", first, said) == "ORD-1"
    assert named_outright("order_id", first, "the status of my processed order") is None
    assert named_outright("order_id", first, "my order to 576 Jason Park Apt. 4420") is None  # part of a value
    assert named_outright("order_id", first + [dict(first[0], order_id="ORD-2")], said) is None  # two fit
    # one word, but a pointing phrase only one record answers: the account read earlier is the one
    # (two more were opened to find "the one with the username sancheza")
    account = [{"account_id": "ACC-1", "status": "closed", "username": "sancheza"}]
    asked = "Could you check what the phone number on my account is? I mean the one with the username sancheza."
    assert named_outright("account_id", account, asked) == "ACC-1"
    assert named_outright("account_id", account, "the one with the username sanchez") is None
    # four digits are short, but "ending in" points at one card: the first card opened is the one
    # (two more were opened to answer "when was my card issued? It's the one ending in 6984.")
    card = [{"card_id": "CRD-1", "status": "frozen", "last4": "6984"}]
    assert named_outright("card_id", card, "when was my card issued? it's the one ending in 6984.") == "CRD-1"
    assert named_outright("card_id", card, "when was my card issued? it's the one ending in 698.") is None
    # a person's name of two words is one person's; a thing's two lower-case words may be another's
    user = [{"user_id": "USR-1", "status": "active", "full_name": "Troy Scott", "role": "admin"}]
    assert named_outright("user_id", user, "when was my user added? i mean the one called troy scott.") == "USR-1"
    assert named_outright("user_id", user, "when was my user added? i mean the one called troy.") is None
    item = [{"item_id": "ITM-1", "status": "ordered", "product_name": "water bottle"}]
    assert named_outright("item_id", item, "can i return my water bottle?") is None



def test_words_that_named_one_record_do_not_describe_another() -> None:
    """"It's on my plan that's paid off. I mean my scheduled installment.": "paid off" singled out
    the plan; its installments (one scheduled, one paid) are told apart by "scheduled" alone, not
    also by the "paid" of "paid off" (the agent asked which twice, and the session failed)."""
    from gem_env.agents.ids import singled_out
    from gem_env.agents.workflow_agent import _singled_out
    text = "It's on my plan that's paid off. I mean my scheduled installment."
    plans = [{"plan_id": "PLN-1", "status": "active"}, {"plan_id": "PLN-2", "status": "paid off"}]
    installments = [{"installment_id": "INS-1", "status": "scheduled"}, {"installment_id": "INS-2", "status": "paid"}]
    assert singled_out("installment_id", [installments], text) is None  # "scheduled" and "paid" both said
    plan, rest = _singled_out("plan_id", [plans], text)
    assert plan == "PLN-2" and "paid off" not in rest
    assert _singled_out("installment_id", [installments], rest)[0] == "INS-1"


def test_every_way_the_user_points_at_a_record_is_no_request() -> None:
    """"Next, change the payment method of my order to gift card. It's about my order whose shipping
    address is 2505 Veronica Manor.": the pointing sentence names a field of another workflow (the
    agent went on to change the shipping address again, and the session failed)."""
    from agents.workflow_agent import _WHICH_ONE
    from simulators.phrases import DESCRIBE, ON_RECORD, REFER
    ref = "order whose shipping address is 2505 Veronica Manor"
    for phrase in REFER + ON_RECORD + DESCRIBE:
        said = phrase.format(ref=ref, name="shipping address", v="2505 Veronica Manor")
        assert _WHICH_ONE.search(said), said


def test_a_new_value_is_cut_from_the_words_only_where_it_stands_whole() -> None:
    """"change the spending limit of my card to $900. It's the card ending in 5900.": cutting the new
    limit out of the description left "ending in 5", so the agent asked which card (one of 657
    offline sessions was rejected)."""
    from agents.workflow_agent import _without
    said = "Change the spending limit of my card to $900. It's the card ending in 5900."
    assert _without(said, ["900"]) == "Change the spending limit of my card to $ . It's the card ending in 5900."
    assert _without("swap it for the one in teal, size L", ["teal"]) == "swap it for the one in  , size L"
