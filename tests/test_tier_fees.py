"""A text's groups of products with their terms (tau2 banking's "Internal: Closing Personal Checking
Accounts": "ENTRY TIER (Light Blue Account, ...)" / "Early closure fee: $15 if closed within 30 days")
become the account's product and its group's terms; closing charges the fee the text sets for the
account's product inside its window, refuses by the text's balance rules and takes the fee from the
balance. Before, the products, the fee and the balance rules were lost: every open account without
pending transactions closed for free, its balance paid out."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from agents.prechecks import blocking_rule, sums_due
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
TITLE = "Internal: Closing Personal Checking Accounts"
TEXT = """## Pre-Closure Requirements

Verify all of the following before closing:
- If an early closure fee applies, the account balance must be at least the fee amount; otherwise, account balance (current_holdings) must be $0. The fee is deducted directly from the account balance and there is no alternative payment method.
- Account status is OPEN
- No pending transactions for this account

## Tier-Specific Closure Requirements

- ENTRY TIER (Sky Account, Meadow Account)
  - Early closure fee: $15 if closed within 30 days
  - Notice period: 0 days

- MID TIER (Harbor Account, Summit Account (checking))
  - Early closure fee: $40 if closed within 90 days
  - Notice period: 5 days

- ELITE TIER (accounts with credit lines over $100,000)
  - Early closure fee: $400 if closed within 270 days

## Closure Procedure

1. Verify pre-closure requirements are met.
2. Determine the account tier and applicable fees/notice period.
3. Close the account in the bank system.
"""


@pytest.fixture(scope="module")
def domain() -> Domain:
    got = OfflineExtractor().extract(Document(id="tiers", text=TEXT, title=TITLE), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def test_groups_become_the_products_an_account_can_be_with_their_terms(domain):
    accounts = domain.entity("accounts")
    product = accounts.field("product")
    # members are names; the group of "accounts with credit lines over $100,000" names none
    assert product.values == ["Sky Account", "Meadow Account", "Harbor Account", "Summit Account"]
    assert accounts.field("tier").by == {"product": {"Sky Account": ["entry"], "Meadow Account": ["entry"],
                                                     "Harbor Account": ["mid"], "Summit Account": ["mid"]}}
    assert accounts.field("early_closure_fee").by["product"]["Harbor Account"] == [40.0]
    assert accounts.field("early_closure_window_days").by["product"]["Sky Account"] == [30]
    assert accounts.field("notice_period_days").by["product"]["Summit Account"] == [5]
    # an account's kind is its product's (the title names checking)
    assert set(v[0] for v in accounts.field("account_type").by["product"].values()) == {"checking"}
    sb = check_domain(domain).new_sandbox()
    rows = sb.dump(["accounts"])["accounts"].values()
    fees = {"Sky Account": 15, "Meadow Account": 15, "Harbor Account": 40, "Summit Account": 40}
    assert all(a["early_closure_fee"] == fees[a["product"]] for a in rows)
    open_rows = [a for a in rows if a["status"] == "open"]
    # seeded so the balance rules have accounts on each side: some empty, some below their fee
    assert any(a["balance"] == 0 for a in open_rows)
    assert any(0 < a["balance"] < a["early_closure_fee"] for a in rows)


def _account(sb, **values):
    """An open account without pending transactions, set to `values` (bound parameters)."""
    rows = sb.dump(["accounts", "transactions"])
    pending = {t["account_id"] for t in rows["transactions"].values() if t["status"] == "pending"}
    acc = next(a for a in rows["accounts"].values() if a["status"] == "open" and a["account_id"] not in pending
               and a["product"] == "Harbor Account")
    sets = ", ".join(f"{k} = ?" for k in values)
    sb.conn.execute(f"UPDATE accounts SET {sets} WHERE account_id = ?", [*values.values(), acc["account_id"]])
    return acc["account_id"]


def _days_ago(sb, n: int) -> str:
    return (dt.date.fromisoformat(sb.clock["today"]) - dt.timedelta(days=n)).isoformat()


def test_closing_inside_the_window_charges_the_tiers_fee_from_the_balance(domain):
    sb = check_domain(domain).new_sandbox()
    acc = _account(sb, balance=500.0, opened_on=_days_ago(sb, 20))
    got = sb.call("close_account", {"account_id": acc, "reason": "fees"})
    assert got.ok, got.error
    assert got.value["early_closure_fee"] == 40 and got.value["amount_paid_out"] == 460
    assert got.value["status"] == "closed" and got.value["balance"] == 0


def test_closing_outside_the_window_charges_nothing_and_needs_an_empty_account(domain):
    sb = check_domain(domain).new_sandbox()
    acc = _account(sb, balance=0.0, opened_on=_days_ago(sb, 120))
    got = sb.call("close_account", {"account_id": acc, "reason": "fees"})
    assert got.ok and got.value["early_closure_fee"] == 0, got
    sb = check_domain(domain).new_sandbox()
    acc = _account(sb, balance=250.0, opened_on=_days_ago(sb, 120))
    refused = sb.call("close_account", {"account_id": acc, "reason": "fees"})
    assert not refused.ok
    assert refused.error == ("If no early closure fee applies, account balance must be $0; this account was "
                             "opened 120 days ago, after the 90 days a fee applies for")


def test_a_balance_below_the_fee_is_refused_with_the_rule(domain):
    sb = check_domain(domain).new_sandbox()
    acc = _account(sb, balance=12.5, opened_on=_days_ago(sb, 10))
    refused = sb.call("close_account", {"account_id": acc, "reason": "fees"})
    assert not refused.ok
    assert refused.error.startswith("If an early closure fee applies, the account balance must be at least the fee amount; "
                                    "this account was opened 10 days ago, within the 90 days")
    assert sb.dump(["accounts"])["accounts"][acc]["status"] == "open"  # nothing changed


def test_the_assistant_sees_the_fee_and_the_refusal_in_the_account_it_read(domain):
    compiled = check_domain(domain)
    sb = compiled.new_sandbox()
    keys = {name: t.pk for name, t in compiled.tables.items()}
    spec = compiled.tools["close_account"].spec
    acc = _account(sb, balance=500.0, opened_on=_days_ago(sb, 20))
    read = sb.call("get_account_details", {"account_id": acc}).value
    args = {"account_id": acc, "reason": "fees"}
    assert sums_due(spec, args, [read], sb.clock, keys) == [("early_closure_fee", 40.0)]
    assert blocking_rule(spec, args, [read], sb.clock, keys) is None
    acc = _account(sb, balance=12.5, opened_on=_days_ago(sb, 10))
    read = sb.call("get_account_details", {"account_id": acc}).value
    message, values, named = blocking_rule(spec, {**args, "account_id": acc}, [read], sb.clock, keys)
    assert message.startswith("If an early closure fee applies")
    # what the message says (how long ago it was opened, the window) is not said again; the fee and
    # the balance are
    assert sorted(n[0] for n in named) == ["balance", "early_closure_fee"]


def test_tasks_close_with_a_fee_without_one_and_refuse_by_the_balance_rules(domain):
    compiled = check_domain(domain)
    tasks, _ = make_tasks(compiled, per_domain=12, seed=0)
    closings = [t for t in tasks if "close_account" in t.workflow]
    charged = [a.result["early_closure_fee"] for t in closings for a in t.gold_actions
               if a.tool == "close_account" and a.ok]
    assert any(f > 0 for f in charged) and any(f == 0 for f in charged), charged
    reasons = {r.reason.split(";")[0] for t in tasks for r in t.refusals if r.tool == "close_account"}
    assert reasons & {"If an early closure fee applies, the account balance must be at least the fee amount",
                      "If no early closure fee applies, account balance must be $0"}, reasons
    flow = next(w for w in domain.workflows if w.name == "close_account")
    assert "done.early_closure_fee" in flow.tells["early_closure_fee"]  # told after the closing
    rules = [s.require for s in domain.tool("close_account").effect if isinstance(s, RequireStep)]
    assert all(r.replace("account_row.", "row.") in flow.anchor.filter for r in rules[1:])


def test_tau2_closing_documents_get_their_tiers():
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "tau2_banking_kb_docs.jsonl"
    if not corpus.exists():
        corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "tau2_banking_kb_docs.jsonl"
    if not corpus.exists():
        pytest.skip("../shared is absent")
    docs = [json.loads(line) for line in corpus.read_text().splitlines()]
    wanted = {f"bank_accounts_(general)_00{n}": n for n in (5, 6, 7, 8)}
    got = {}
    for d in docs:
        key = next((k for k in wanted if d["id"].endswith(k) and "doc_bank_accounts_bank_accounts" in d["id"]), None)
        if key:
            dom = OfflineExtractor().extract(Document(id=d["id"], text=d["text"], title=d["title"]), RELEVANT)
            assert isinstance(dom, Domain), dom
            got[wanted[key]] = dom.entity("accounts").field("product").values
    assert got[5][:3] == ["Light Blue Account", "Light Green Account", "Green Fee-Free Account"]
    assert got[7] == ["Navy Blue", "True Blue", "Sky Blue", "Cobalt Blue"]  # no "accounts with credit lines ..."
    assert got[8] == ["Bronze Saver Account", "Silver Saver Account", "Gold Saver Account", "Platinum Reserve Account"]


def test_a_period_in_days_is_said_as_a_duration_not_a_count():
    from gem_env.tools.render import is_count, plain_words, smooth, spoken
    assert spoken("notice_period_days", 7) == "7 days" and spoken("early_closure_window_days", 1) == "1 day"
    assert plain_words("notice_period_days") == "notice period" and not is_count("notice_period_days", 7)
    assert is_count("extra_days", 3) and spoken("extra_days", 3) == "3"  # a count of days stays one
    assert smooth("It was opened 1 days ago, within the 21 days.") == "It was opened 1 day ago, within the 21 days."
