"""A text that speaks of a debit card and the checking account it draws on gets both: the cards
archetype's domain with the accounts archetype's tables and reads beside it (issue 11's aim: a bank
customer holds accounts and cards). Before, the domain held cards only and every account the text
named was lost; sessions could not look at the account a card draws on."""
from __future__ import annotations

import pytest

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.stages.extract import service
from gem_env.stages.extract.archetypes import ARCHETYPES
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.service_pairs import linked, said_of

from test_extract_services import _sessions_pass

BY = {a.key: a for a in ARCHETYPES}

TEXT = """## Your debit card
Your debit card is linked to your checking account: every purchase with the card is paid from that account.
- To dispute a card transaction, call us within 60 days of the statement date.
- If your card is lost or stolen, freeze it at once in the app.
- Pending transactions cannot be disputed.

## Your checking account
- You can check your account balance, deposits and transactions at any time.
- Close your checking or savings account by calling us; a closed account cannot be reopened.
"""

#: the same card, no bank account spoken of: a card's own "account" is no checking account
CARD_ONLY = """## Your credit card
- To dispute a card transaction, call us within 60 days of the statement date.
- If your card is lost or stolen, freeze it at once in the app.
- Pending transactions cannot be disputed. Your card account shows every charge.
"""


@pytest.fixture(scope="module")
def compiled():
    doc = Document(id="debit", text=TEXT, title="Your debit card and checking account")
    domain = OfflineExtractor().extract(doc, Verdict(id="debit", relevant=True, score=1.0, reason="test"))
    return check_domain(domain)


def test_a_card_text_naming_the_checking_account_it_draws_on_pairs_the_two_archetypes():
    arch = service.pick(TEXT, "Your debit card and checking account")
    assert arch is not None and arch.key == "cards"
    assert service.partner(arch, TEXT, "") is BY["accounts"]
    assert service.partner(BY["cards"], CARD_ONLY, "Your credit card") is None
    # an account's own "linked checking account" speaks of no card
    assert not linked(BY["cards"], BY["accounts"], "A savings account earns a boost from its linked checking account.")
    assert linked(BY["cards"], BY["accounts"], "Raising a debit card's limit. The linked checking account must be open.")


def test_both_kinds_of_record_keep_their_own_tables_and_the_card_is_keyed_to_its_account(compiled):
    tables = set(compiled.tables)
    assert {"customers", "cards", "charges", "disputes", "accounts", "transactions"} <= tables
    cards = next(e for e in compiled.domain.entities if e.name == "cards")
    key = next(f for f in cards.fields if f.name == "account_id")
    assert key.foreign_key == "accounts.account_id"
    assert compiled.tools["create_dispute"].spec.parameters[0].name == "charge_id"  # the card's, not the account's


def test_every_card_draws_on_an_account_of_its_own_customer_opened_before_it(compiled):
    """Its own customer's (each holds one), open where they have one open, opened before the card."""
    sb = compiled.new_sandbox()
    dump = sb.dump(["cards", "accounts"])
    for card in dump["cards"].values():
        account = dump["accounts"][card["account_id"]]
        assert account["customer_id"] == card["customer_id"]
        assert str(account["opened_on"]) <= str(card["issued_on"])
        mine = [a for a in dump["accounts"].values() if a["customer_id"] == card["customer_id"]]
        if any(a["status"] != "closed" for a in mine):
            assert account["status"] != "closed"
        if account["status"] == "closed":  # no card draws on a closed account
            assert card["status"] == "closed"
    sb.close()


def test_the_customer_reads_list_both_and_the_card_shows_its_account(compiled):
    sb = compiled.new_sandbox()
    dump = sb.dump(["customers", "cards", "accounts"])
    card = next(iter(dump["cards"].values()))
    who = dump["customers"][card["customer_id"]]
    for got in (sb.call("get_customer_details", {"customer_id": who["customer_id"]}),
                sb.call("find_customer_by_email", {"email": who["email"]})):
        assert got.ok, got.error
        assert {c["card_id"] for c in got.value["cards"]} == \
            {k for k, c in dump["cards"].items() if c["customer_id"] == who["customer_id"]}
        assert {a["account_id"] for a in got.value["accounts"]} == \
            {k for k, a in dump["accounts"].items() if a["customer_id"] == who["customer_id"]}
    details = sb.call("get_card_details", {"card_id": card["card_id"]})
    assert details.ok and details.value["account_id"] == card["account_id"]
    sb.close()


def test_only_the_account_writes_the_text_says_come_along(compiled):
    """The text closes an account but never freezes one, moves money or turns on overdraft
    protection: the account's close comes, its freeze, transfer and overdraft change do not."""
    tools = set(compiled.tools)
    assert {"get_account_details", "close_account", "freeze_card", "create_dispute"} <= tools
    assert not {"freeze_account", "transfer_funds", "update_account_overdraft_protection"} & tools
    assert "transfers" not in compiled.tables
    assert said_of("close_account", "account", "Close your checking account by calling us.")
    assert not said_of("freeze_account", "account", "'freeze_pending_investigation': Temporarily freeze card "
                                                    "during investigation of the account")
    assert not said_of("close_account", "account", "Multiple cards may be returned if the account has card "
                                                   "history (e.g., old closed cards plus current active card).")


def test_sessions_mix_requests_on_cards_and_accounts_and_pass(compiled):
    tasks, _ = _sessions_pass(compiled, "close_account", "lookup_account", "check_account_status", per_domain=24)
    assert any("card" in t.workflow and "account" in t.workflow.replace("account_id", "") for t in tasks)


def test_the_agent_takes_the_record_a_verb_is_said_of(compiled):
    """"Freeze my account" is the account's request even where the sentence also names a card."""
    agent = WorkflowAgent(compiled)
    said = "I need to close my account because the card that goes with it was lost."
    plan = agent.recognise(said)
    assert plan is not None and plan.workflow.name == "close_account"
    plan = agent.recognise("Please close my card; the account it draws on stays open.")
    assert plan is not None and plan.workflow.name == "close_card"


def test_closing_an_account_closes_the_cards_drawn_on_it(compiled):
    """Nothing draws on a closed account afterwards: a later request on its card finds it closed."""
    sb = compiled.new_sandbox()
    dump = sb.dump(["cards", "accounts"])
    account = next(a for a in dump["accounts"].values() if a["status"] == "open"
                   and any(c["account_id"] == a["account_id"] and c["status"] == "active" for c in dump["cards"].values()))
    done = sb.call("close_account", {"account_id": account["account_id"], "reason": "no longer needed"})
    assert done.ok, done.error
    after = sb.dump(["cards"])["cards"]
    drawing = [k for k, c in dump["cards"].items() if c["account_id"] == account["account_id"]]
    assert drawing and all(after[k]["status"] == "closed" for k in drawing)
    assert all(after[k] == c for k, c in dump["cards"].items() if k not in drawing)  # the others as they were
    sb.close()
