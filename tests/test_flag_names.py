"""A flag a condition sentence becomes is named for the state it asks for, from the sentence's own
verb and object (`<object>_<participle>`, `has_<noun>`, `is_<word>`), never from fragments of it
(was `minute_win_play`, `use_mixe_source`, `expert_major_league`)."""
from __future__ import annotations

import pytest

from gem_env.stages.extract.flag_names import FlagName, flag_name


@pytest.mark.parametrize("sentence, name, negated", [
    ("You need to find the Minute to Win It games or your own games to play it.", "games_found", False),
    ("So you only need to execute ssh-add once.", "ssh_add_executed", False),
    ("When using mixed source of archives, you must ensure compatibility of packages by yourself.",
     "compatibility_ensured", False),
    ("After setting this command, the command block must be powered.", "command_block_powered", False),
    # "if X, undo X first": X must not hold to go on (was required: writing a CD refused unless mounted)
    ("If your desktop system mounts CDs automatically, unmount it first.", "cds_mounted", True),
    ("If the phone is on, turn it off first.", "phone_on", True),
    ("If the printer is connected, print a test page.", "printer_connected", False),
    ("Determine if you need to have a survey done.", "survey_done", False),
    ("Only if the account is in good standing.", "account_in_good_standing", False),
    # "only" restricting who or what may act: the restriction is the state (was no flag, or
    # `withdraw_funds_verified`, `guest_passes_available_only`)
    ("Only a card in good standing can be upgraded.", "in_good_standing", False),
    ("Only members in the premium plan may book a guest pass.", "in_premium_plan", False),
    ("Only verified accounts can withdraw funds.", "account_verified", False),
    ("Only the account holder can change the plan of a line.", "is_account_holder", False),
    ("Guest passes are available only to members with an active plan.", "has_active_plan", False),
    ("Refunds are available only to customers who kept the receipt.", "receipt_kept", False),
    ("The discount is only available to students.", "is_student", False),
    ("Refunds are only available if you have a receipt.", "has_receipt", False),
    ("A card cannot be replaced unless it has been reported lost.", "is_reported_lost", False),
    ("Cards cannot be frozen online.", "cards_frozen_online", True),
    ("Don't bring in professionals to run the support group.", "professionals_brought", True),
    ("Cards are not eligible for refunds if they were bought on sale.", "is_bought_on_sale", True),
    ("Make sure the printer is turned on.", "printer_turned_on", False),
    ("Ensure your account is eligible to use BNPL Platinum 6-month financing.", "account_eligible", False),
    # a fronted condition whose main clause forbids or defers the action: the state must not hold
    ("If you recently returned a purchase, wait for any point reversals to settle before redeeming.",
     "purchase_returned", True),
    ("If the order has shipped, it cannot be cancelled.", "order_shipped", True),
    ("If your account is overdrawn, you will not be able to transfer.", "account_overdrawn", True),
    ("If the account is not verified, you cannot send money.", "account_verified", False),
    ("If you want to redeem, you cannot have pending points.", "has_pending_points", True),  # a purpose
])
def test_a_flag_says_the_state_its_sentence_asks_for(sentence: str, name: str, negated: bool) -> None:
    assert flag_name(sentence) == FlagName(name, negated)


@pytest.mark.parametrize("sentence", [
    "You don't have to be an expert, major-league gamer to get a high Gamerscore.",  # lifts a rule
    "sudo(8) is a program designed to allow a sysadmin to give limited root privileges.",  # a definition
    "Activation is complete only when your account indicator shows [value not available] = true.",  # withheld
    "Only one payment plan can be active per account.",  # a count, not a state
])
def test_no_flag_where_the_sentence_asks_for_no_state(sentence: str) -> None:
    assert flag_name(sentence) is None
