"""Rules over the customer's OTHER records, from a closing checklist: "Customer has no linked savings
accounts that are still OPEN" and "Customer must have at least one active checking account
remaining" (tau2 banking's business closings lost both: such accounts were closed). Each is a
`require` of the action's tool and a condition of its workflow's anchor, over the owner's records
other than the one acted on; a refusal by it can be seen from the customer's list of accounts, and
the task maker makes refusal tasks by it."""
from __future__ import annotations

import random
import re

import pytest

from agents.listings import listed_as
from agents.prechecks import SeenRows, blocking_rule
from agents.speech import facts_told, reason_text, refuse
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.tasks import kinds as K
from gem_env.stages.tasks import make_tasks
from gem_env.stages.tasks.make import anchor_rows
from gem_env.tools import Domain, compile_domain
from gem_env.tools.errors import ExprError
from gem_env.tools.model import RequireStep, ToolSpec

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
CHECKLIST = """## Pre-Closure Requirements

Verify all of the following before closing:
- Account status is OPEN
- {rule}

## Tier-Specific Closure Requirements

- ENTRY TIER ({entry})
  - Early closure fee: $20 if closed within 30 days

- MID TIER ({mid})
  - Early closure fee: $60 if closed within 90 days

## Closure Procedure

1. Verify pre-closure requirements are met.
2. Close the account in the bank system.
"""
NONE_LEFT = ("Internal: Closing Harbor Checking Accounts",
             CHECKLIST.format(rule="Customer has no linked savings accounts that are still OPEN (close those first)",
                              entry="Harbor Basic", mid="Harbor Plus"))
ONE_LEFT = ("Internal: Closing Harbor Savings Accounts",
            CHECKLIST.format(rule="Customer must have at least one active checking account remaining (savings "
                                  "needs a linked checking account)",
                             entry="Tide Saver Account", mid="Reef Saver Account"))


def _domain(title_text: tuple[str, str]) -> Domain:
    title, text = title_text
    got = OfflineExtractor().extract(Document(id="others", text=text, title=title), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def _rule(domain: Domain) -> RequireStep:
    close = next(t for t in domain.tools if t.name == "close_account")
    rules = [s for s in close.effect if isinstance(s, RequireStep) and "rows('accounts'" in s.require]
    assert len(rules) == 1, [s.require for s in close.effect if isinstance(s, RequireStep)]
    return rules[0]


@pytest.mark.parametrize("text, kind, acted_on, test, message", [
    (NONE_LEFT, "savings", "checking", "== 0",
     "To close this account, you must have no linked savings accounts that are still open (close those first)"),
    (ONE_LEFT, "checking", "savings", "> 0",
     "To close this account, you must have at least one active checking account remaining (savings needs a linked "
     "checking account)")])
def test_a_rule_over_the_customers_other_records_is_a_require_and_an_anchor_condition(text, kind, acted_on, test,
                                                                                      message):
    domain = _domain(text)
    rule = _rule(domain)
    assert f"account_type: '{kind}', status: 'open'" in rule.require and rule.require.endswith(test)
    assert "x.account_id != account_row.account_id" in rule.require  # other than this one
    # of closing the kind of account the title names ("Closing Harbor Checking Accounts") only
    assert rule.require.startswith(f"account_row.account_type != '{acted_on}' or ")
    assert rule.message == message
    close = next(w for w in domain.workflows if w.name == "close_account")
    assert f"account_type: '{kind}', status: 'open'" in (close.anchor.filter or "")
    # the rule's kind is seeded beside the products' own, without a product
    compiled = compile_domain(domain)
    sandbox = compiled.new_sandbox()
    accounts = list(sandbox.dump(["accounts"])["accounts"].values())
    assert {a["account_type"] for a in accounts} == {"checking", "savings"}
    assert all(a["product"] is None for a in accounts if a["account_type"] == kind)
    # the sandbox refuses exactly where the rule says, with its words
    held, free = [], []
    for a in accounts:
        if a["status"] != "open":
            continue
        others = [o for o in accounts if o["customer_id"] == a["customer_id"] and o["account_id"] != a["account_id"]
                  and o["account_type"] == kind and o["status"] == "open"]
        (held if bool(others) != (test == "> 0") and a["account_type"] == acted_on else free).append(a)
    assert held and free
    for a in held:
        got = sandbox.call("close_account", {"account_id": a["account_id"], "reason": "fees"})
        assert not got.ok and got.error == message
    for a in free:  # each on the sandbox as seeded (a closing changes what the rule counts)
        got = compiled.new_sandbox().call("close_account", {"account_id": a["account_id"], "reason": "fees"})
        assert got.error != message


def test_a_text_without_such_a_rule_keeps_its_products_kinds() -> None:
    title, text = NONE_LEFT
    domain = _domain((title, text.replace("- Customer has no linked savings accounts that are still OPEN (close those first)\n", "")))
    close = next(t for t in domain.tools if t.name == "close_account")
    assert not any(isinstance(s, RequireStep) and "rows(" in s.require for s in close.effect)
    kind = domain.entity("accounts").field("account_type")
    assert kind.by == {"product": {"Harbor Basic": ["checking"], "Harbor Plus": ["checking"]}}


def test_the_refusal_is_seen_from_the_customers_list_and_made_a_task() -> None:
    domain = _domain(NONE_LEFT)
    compiled = compile_domain(domain)
    spec = compiled.tools["close_account"].spec
    keys = {name: t.pk for name, t in compiled.tables.items()}
    close = next(w for w in domain.workflows if w.name == "close_account")
    message = _rule(domain).message
    made = []
    for row in anchor_rows(compiled, close, matching=False):
        got = K.refuse(compiled, close, row, compiled.new_sandbox(), random.Random(0))
        if not isinstance(got, str) and got.refusal.reason == message:
            made.append(got)
    assert made, "no refusal task by the rule over the customer's other accounts"
    built = made[0]
    # the customer's list shows each account's kind, so the rule is seen before the write
    results = [a.result for a in built.actions]
    listed = next(r for r in results if isinstance(r, dict) and "accounts" in r)
    assert all("account_type" in a for a in listed["accounts"])
    args = built.refusal.arguments
    said, values, named = blocking_rule(spec, args, results, compiled.new_sandbox().clock, keys)
    assert said == message
    # and names the savings account still open, so the customer knows which to close first
    still_open = [a["account_id"] for a in listed["accounts"] if a["account_type"] == "savings"
                  and a["status"] == "open" and a["account_id"] != args["account_id"]]
    assert still_open and named == [("status", "open", f"savings account {a}") for a in still_open]
    refusal = refuse(random.Random(0), "close your account", said, values, named)
    assert re.search(rf"\byour savings account {still_open[0]}\b", refusal, re.IGNORECASE), refusal
    # the account's own details alone do not tell the customer's other accounts: not seen, not guessed
    own = [r for r in results if isinstance(r, dict) and r.get("account_id") == args["account_id"]]
    assert blocking_rule(spec, args, own, compiled.new_sandbox().clock, keys) is None
    # and the task maker makes such refusals, one rule after another
    tasks, _ = make_tasks(compiled, per_domain=30, seed=0)
    assert message in {r.reason for t in tasks for r in t.refusals}


def test_seen_rows_answer_only_from_a_complete_list() -> None:
    keys = {"accounts": "account_id", "customers": "customer_id"}
    listed = {"customer_id": "C1", "accounts": [{"account_id": "A1", "status": "open"},
                                                 {"account_id": "A2", "status": "closed"}]}
    rt = SeenRows([listed, {"account_id": "A1", "customer_id": "C1", "account_type": "savings"}], keys)
    assert rt.count_rows("accounts", {"customer_id": "C1", "status": "open"}) == 1
    with pytest.raises(Exception):  # A2's kind was never read
        rt.count_rows("accounts", {"customer_id": "C1", "account_type": "savings"})
    with pytest.raises(Exception):  # another customer's accounts were never listed
        rt.count_rows("accounts", {"customer_id": "C2", "status": "open"})


def test_charges_a_write_reports_are_not_said_as_changed_values() -> None:
    """"The early closure fee is now $500 and the amount paid out is $6,145" read as if the fee had
    gone up: a charge of this call is said as one."""
    for seed in range(40):
        said = " ".join(facts_told(random.Random(seed), [("early_closure_fee", 500.0), ("amount_paid_out", 6145.0)],
                                   after_write=True))
        assert "$500" in said and "$6,145" in said
        assert not re.search(r"\bnow\b", said), said


def _read(name: str, params: list[dict], effect: list[dict]) -> ToolSpec:
    return ToolSpec.model_validate({"name": name, "kind": "read", "parameters": params, "effect": effect})


LIST_TRANSACTIONS = _read(
    "list_account_transactions",
    [{"name": "account_id", "type": "string"}, {"name": "status", "type": "string", "required": False}],
    [{"find": "accounts", "as": "account_row", "where": {"account_id": "account_id"}},
     {"find": "transactions", "as": "found", "many": True, "where": {"account_id": "account_id"},
      "filter": "status == null or found.status == status"},
     {"return": "project(found, ['transaction_id', 'account_id', 'status'])"}])
OPEN_ACCOUNTS = _read(
    "find_customer_by_email", [{"name": "email", "type": "string"}],
    [{"find": "customers", "as": "customer", "where": {"email": "email"}},
     {"find": "accounts", "as": "held", "many": True, "where": {"customer_id": "customer.customer_id", "status": "'open'"}},
     {"return": {"customer_id": "customer.customer_id",
                 "accounts": "[{account_id: x.account_id, account_type: x.account_type} for x in held]"}}])
TXN_KEYS = {"accounts": "account_id", "customers": "customer_id", "transactions": "transaction_id"}


def test_a_list_read_under_a_filter_answers_only_rules_its_filter_is_part_of() -> None:
    """A list asked for by status (an account's pending transactions; a customer's open accounts) holds
    none of the rows in other statuses: a rule counting those is not judged from it (it was: "no
    posted transaction" held of an account whose pending ones alone were listed)."""
    pending = [{"transaction_id": "T1", "account_id": "A1", "status": "pending"}]
    listed = listed_as(LIST_TRANSACTIONS, {"account_id": "A1", "status": "pending"}, pending)
    assert listed == {id(pending): ("transactions", {"account_id": "A1", "status": "pending"})}
    rt = SeenRows([pending], TXN_KEYS, listed)
    assert rt.count_rows("transactions", {"account_id": "A1", "status": "pending"}) == 1
    with pytest.raises(ExprError):
        rt.count_rows("transactions", {"account_id": "A1", "status": "posted"})
    with pytest.raises(ExprError):
        rt.count_rows("transactions", {"account_id": "A1"})
    # asked for without a status, the same read lists them all
    every = [*pending, {"transaction_id": "T2", "account_id": "A1", "status": "posted"}]
    rt = SeenRows([every], TXN_KEYS, listed_as(LIST_TRANSACTIONS, {"account_id": "A1"}, every))
    assert rt.count_rows("transactions", {"account_id": "A1", "status": "posted"}) == 1
    with pytest.raises(ExprError):  # nor of another account
        rt.count_rows("transactions", {"account_id": "A2", "status": "posted"})
    # a profile listing only the open accounts: complete for a rule over open ones, not over all
    profile = {"customer_id": "C1", "accounts": [{"account_id": "A1", "account_type": "savings"}]}
    rt = SeenRows([profile], TXN_KEYS, listed_as(OPEN_ACCOUNTS, {"email": "a@b.c"}, profile))
    assert rt.count_rows("accounts", {"customer_id": "C1", "account_type": "savings", "status": "open"}) == 1
    with pytest.raises(ExprError):
        rt.count_rows("accounts", {"customer_id": "C1", "account_type": "savings"})


def test_a_list_cut_short_by_a_limit_answers_no_rule() -> None:
    recent = _read("get_account_details", [{"name": "account_id", "type": "string"}],
                   [{"find": "accounts", "as": "account_row", "where": {"account_id": "account_id"}},
                    {"find": "transactions", "as": "recent", "many": True, "where": {"account_id": "account_id"},
                     "limit": 2},
                    {"return": {"account_id": "account_row.account_id", "recent_transactions": "recent"}}])
    two = {"account_id": "A1", "recent_transactions": [{"transaction_id": f"T{i}", "account_id": "A1", "status": "posted"}
                                                       for i in range(2)]}
    with pytest.raises(ExprError):
        SeenRows([two], TXN_KEYS, listed_as(recent, {"account_id": "A1"}, two)).count_rows(
            "transactions", {"account_id": "A1", "status": "posted"})
    one = {**two, "recent_transactions": two["recent_transactions"][:1]}
    assert SeenRows([one], TXN_KEYS, listed_as(recent, {"account_id": "A1"}, one)).count_rows(
        "transactions", {"account_id": "A1", "status": "posted"}) == 1


def test_a_list_no_read_tells_of_is_complete_by_an_id_its_items_share_not_a_status() -> None:
    pending = [{"transaction_id": "T1", "account_id": "A1", "status": "pending"}]
    rt = SeenRows([pending], TXN_KEYS)
    assert rt.count_rows("transactions", {"account_id": "A1", "status": "pending"}) == 1
    with pytest.raises(ExprError):  # all pending, of account A1: says nothing of account A2's
        rt.count_rows("transactions", {"account_id": "A2", "status": "pending"})


def test_the_records_a_rule_counts_are_named_in_one_sentence() -> None:
    """"Your transaction TRN-1 is currently pending. Your transaction TRN-2 is currently pending. ..."
    read as a list read out: the records of one kind in one state are said together."""
    named = [("status", "pending", f"transaction TRN-{i}") for i in (1, 2, 3)]
    for seed in range(6):
        said = reason_text("A card with pending transactions cannot be closed", ["pending"], random.Random(seed), named)
        assert said.count("pending") == 2 and "transactions TRN-1, TRN-2 and TRN-3" in said, said
        assert re.search(r"\b(?:are|show|as)\b", said.split(". ", 1)[1]), said


def test_a_refusal_on_a_flag_names_the_record_it_is_of() -> None:
    """"This contact hasn't been verified yet" after "schedule a payment to Daniel Dunn": the refusal
    says which contact, and the rule is still read back from it (`rule_cited`)."""
    from gem_env.agents.prechecks import _filled, addressed
    named = [("verified", False, "contact Daniel Dunn")]
    said = reason_text("This contact hasn't been verified yet", ["False"], random.Random(0), named)
    assert said == "Your contact Daniel Dunn hasn't been verified yet."
    rule = _filled(addressed("This contact hasn't been verified yet"), r"([^.;,()]+)", re.IGNORECASE)
    assert rule.search(f"The rule: {said[0].lower()}{said[1:]}") and rule.search("The rule: this contact hasn't been verified yet.")
    assert reason_text("This contact hasn't been verified yet", ["False"], random.Random(0),
                       [("verified", False, "")]) == "This contact hasn't been verified yet."


def test_a_refused_pitfall_is_told_when_the_rule_names_the_record_it_is_of() -> None:
    """A chained pitfall whose refusal said "The rule: your doctor Daniel Burton is not accepting
    patients." failed `refusal_told` (the examples' chain+pitfall, 114 -> 115 of 115): the check reads
    the rule as the refusal says it, as `rule_cited` does."""
    from types import SimpleNamespace

    from gem_env.stages.refine.checks import _refusals
    from gem_env.stages.verify_text import said
    task = SimpleNamespace(plan=SimpleNamespace(refusals=["This doctor is not accepting patients"]))
    told = [{"role": "assistant", "content": "Sorry, I can't book the appointment. The rule: your doctor Daniel "
                                            "Burton is not accepting patients. If it helps, I can pass it on."}]
    assert _refusals(task, told, said).passed  # type: ignore[arg-type]
    other = [{"role": "assistant", "content": "Sorry, I can't book the appointment: your doctor is away."}]
    assert not _refusals(task, other, said).passed  # type: ignore[arg-type]
