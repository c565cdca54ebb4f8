"""Seeded records tell one story: what a record's status says happened, its dates and counts say
too (a pending charge is days old, a frozen membership was frozen this year, a returned item came
in a delivered order, whatever statuses the text names for its order)."""
from __future__ import annotations

import datetime as dt

from gem_env.stages.extract import service
from gem_env.stages.extract.archetypes import ARCHETYPES
from gem_env.stages.extract.offline import DEFAULT_CLOCK
from gem_env.tools import parse_domain
from gem_env.tools.seed import seed_rows

SEEDS = (0, 1, 2, 7)
CLOCK = dt.datetime.fromisoformat(DEFAULT_CLOCK)


def _rows(key: str, text: str, seed: int) -> dict[str, list[dict]]:
    arch = next(a for a in ARCHETYPES if a.key == key)
    built = service.build_service(arch, text, clock=DEFAULT_CLOCK, rows=24)
    built.pop("spans")
    return seed_rows(parse_domain({"name": key, "clock": DEFAULT_CLOCK, "seed": 0, **built}), {}, seed)


def test_a_pending_account_transaction_is_days_old() -> None:
    """TRN-30648 pending since October, 95 days before today: pending means not posted yet."""
    for seed in SEEDS:
        pending = [r for r in _rows("accounts", "Checking and savings accounts: balance, transfer, deposit.", seed)
                   ["transactions"] if r["status"] == "pending"]
        assert pending and all(CLOCK - dt.datetime.fromisoformat(r["posted_at"]) <= dt.timedelta(days=4)
                               for r in pending), seed


def test_a_frozen_membership_was_frozen_this_year() -> None:
    """SBS-04482 frozen with no freeze this year, which the assistant then reads out."""
    for seed in SEEDS:
        rows = _rows("subscriptions", "Gym membership: freeze, pause or cancel your subscription.", seed)
        frozen = [r for r in rows["memberships"] if r["status"] == "frozen"]
        assert frozen and all(r["freezes_this_year"] >= 1 for r in frozen), seed
        assert any(r["freezes_this_year"] == 0 for r in rows["memberships"] if r["status"] != "frozen"), seed


def test_an_item_is_returned_only_from_a_delivered_order() -> None:
    """ORD-13890 "order received" with its only item returned: statuses the text names (received,
    in transit, out for delivery) keep their items as ordered, as pending ones do."""
    text = ('# Where is my order\nYour order status can be "order received", "in transit", "out for delivery" '
            'or "delivered". You can return an item from a delivered order within 30 days.')
    returned = 0
    for seed in SEEDS:
        rows = _rows("orders", text, seed)
        status = {o["order_id"]: o["status"] for o in rows["orders"]}
        assert "out for delivery" in status.values(), seed
        back = [i for i in rows["items"] if i["status"] == "returned"]
        assert {status[i["order_id"]] for i in back} <= {"delivered"}, seed
        returned += len(back)
    assert returned


def test_overdraft_protection_is_a_checking_accounts():
    """Savings accounts were seeded with overdraft protection on, which the assistant read out."""
    for seed in SEEDS:
        rows = _rows("accounts", "Checking and savings accounts: balance, transfer, overdraft protection.", seed)
        on = {r["account_type"] for r in rows["accounts"] if r["overdraft_protection"]}
        assert on == {"checking"}, seed


def test_overdraft_protection_is_turned_on_only_for_a_checking_account() -> None:
    """The seed keeps savings accounts without overdraft protection, yet the change workflow
    anchored on them and turned it on (31 sessions of round 60's runs): a change the seed never
    gives a kind of record is asked only of the kinds that may have it."""
    from gem_env.stages.tasks.make import anchor_rows
    from gem_env.tools import compile_domain
    arch = next(a for a in ARCHETYPES if a.key == "accounts")
    built = service.build_service(arch, "Checking and savings accounts: balance, transfer, overdraft protection.",
                                  clock=DEFAULT_CLOCK, rows=24)
    built.pop("spans")
    kinds = []
    for seed in SEEDS:
        c = compile_domain(parse_domain({"name": "accounts", "clock": DEFAULT_CLOCK, "seed": seed, **built}))
        wf = next(w for w in c.domain.workflows if w.name == "change_account_overdraft_protection")
        kinds += [r["account_type"] for r in anchor_rows(c, wf)]
    assert kinds and set(kinds) == {"checking"}, kinds


def test_some_card_charges_are_twins_a_day_or_two_apart() -> None:
    """No card ever held a charge put through twice, so "charged twice" was never true: a few of a
    card's charges repeat another of the same card (merchant and amount), up to two days apart, a
    pending one still days old and none before the card was issued."""
    for seed in SEEDS:
        rows = _rows("cards", "Credit cards: dispute a charge, freeze your card, merchant, transaction.", seed)
        issued = {c["card_id"]: c["issued_on"] for c in rows["cards"]}
        groups: dict[tuple, list[dict]] = {}
        for r in rows["transactions"]:
            groups.setdefault((r["card_id"], r["merchant"], r["amount"]), []).append(r)
        twins = [g for g in groups.values() if len(g) > 1]
        assert 2 <= len(twins) <= 4, seed  # about 1 charge in 16
        for a, b in twins:
            apart = abs(dt.datetime.fromisoformat(a["posted_at"]) - dt.datetime.fromisoformat(b["posted_at"]))
            assert apart <= dt.timedelta(days=2), (seed, a, b)
            assert a["posted_at"][:10] != b["posted_at"][:10], (seed, a, b)  # told apart by their day
            for r in (a, b):
                assert r["posted_at"][:10] >= issued[r["card_id"]], (seed, r)
                assert r["status"] != "pending" or CLOCK - dt.datetime.fromisoformat(r["posted_at"]) <= dt.timedelta(days=4)


def test_an_installment_falls_due_within_its_plans_term() -> None:
    """PLN-36713, a 6-month plan from 2024-05-09, had an installment due on 2025-04-04."""
    for seed in SEEDS:
        rows = _rows("installments", "Buy now pay later plans: installment, financing, term, autopay.", seed)
        plans = {p["plan_id"]: p for p in rows["plans"]}
        assert rows["installments"], seed
        for i in rows["installments"]:
            plan = plans[i["plan_id"]]
            ends = dt.date.fromisoformat(plan["started_on"]) + dt.timedelta(days=30 * int(plan["term"].split()[0]))
            assert dt.date.fromisoformat(i["due_date"]) < ends, (seed, plan, i)


def test_a_loan_is_due_a_loan_period_after_it_was_borrowed_for_each_renewal() -> None:
    """LOAN-34636, never renewed, borrowed 2024-09-21 and due 2025-01-19, where a loan runs 21 days
    and each renewal 21 more: borrowed 21 days before it is due for each time it ran, never later
    than today; an active loan is due within a loan period."""
    text = "# Renew a loan\nLibrary loans: borrow a book, renew it. Each loan can be renewed up to 2 times, for 21 days each time."
    for seed in (*SEEDS, 2, 3):  # (seeds 2 and 3 drew loans older than their members)
        rows = _rows("loans", text, seed)
        joined = {m["member_id"]: m["member_since"] for m in rows["members"]}
        for loan in rows["loans"]:
            borrowed, due = dt.date.fromisoformat(loan["borrowed_on"]), dt.date.fromisoformat(loan["due_date"])
            assert (due - borrowed).days == 21 * (loan["renewals"] + 1), (seed, loan)
            assert borrowed <= CLOCK.date(), (seed, loan)
            # borrowed by a member who had joined by then: a derived date moves the row to one
            assert loan["borrowed_on"] >= joined[loan["member_id"]], (seed, loan)
    for loan in _rows("loans", "Library loans: borrow a book, renew it, place a hold.", 0)["loans"]:
        assert (dt.date.fromisoformat(loan["due_date"]) - dt.date.fromisoformat(loan["borrowed_on"])).days \
            == 14 * (loan["renewals"] + 1), loan  # the archetype's own two weeks where the text says none


def test_a_gift_is_sent_once() -> None:
    """"schedule a payment to Tracey Curtis of $410 for Wedding gift ... as a monthly payment"
    (5 sessions of round 61's runs): a payment made once (a gift, a dinner split) is seeded and
    asked for as a one-time payment; a rent may repeat."""
    from gem_env.stages.extract.archetypes import _ONE_OFF_MEMOS
    from gem_env.stages.tasks.make import anchor_rows, instantiate
    from gem_env.tools import compile_domain
    text = "Send money to a contact: schedule a payment, recurring payments, cancel a payment."
    seeded = []
    for seed in SEEDS:
        rows = _rows("payments", text, seed)
        seeded += [(r["memo"], r["frequency"]) for r in rows["payments"]]
    assert {f for m, f in seeded if m in _ONE_OFF_MEMOS} == {"one-time"}, seeded
    assert {f for m, f in seeded if m not in _ONE_OFF_MEMOS} > {"one-time"}, seeded
    arch = next(a for a in ARCHETYPES if a.key == "payments")
    built = service.build_service(arch, text, clock=DEFAULT_CLOCK, rows=24)
    built.pop("spans")
    asked = []
    for seed in SEEDS:
        c = compile_domain(parse_domain({"name": "payments", "clock": DEFAULT_CLOCK, "seed": seed, **built}))
        wf = next(w for w in c.domain.workflows if w.name == "schedule_payment")
        for row in anchor_rows(c, wf):
            task = instantiate(c, wf, row, seed=seed)
            for call in getattr(task, "gold_actions", None) or []:
                if call.tool == "schedule_payment":
                    asked.append((call.arguments["memo"], call.arguments["frequency"]))
    assert len({m for m, _ in asked} & set(_ONE_OFF_MEMOS)) >= 2, asked
    assert {f for m, f in asked if m in _ONE_OFF_MEMOS} == {"one-time"}, asked
    assert {f for m, f in asked if m not in _ONE_OFF_MEMOS} > {"one-time"}, asked


def test_a_member_holds_one_copy_of_a_title() -> None:
    """"Small Engines Explained" on loan twice to one member, one overdue and one active (the demo
    run): a member's loans are of different titles (`apart_by`), also after a loan older than its
    member moved to another one."""
    text = "# Renew a loan\nLibrary loans: borrow a book, renew it. Each loan can be renewed up to 2 times, for 21 days each time."
    loans = 0
    for seed in range(10):
        rows = _rows("loans", text, seed)
        held = [(r["member_id"], r["title"]) for r in rows["loans"]]
        assert len(held) == len(set(held)), (seed, sorted(held))
        loans += len(held)
    assert loans >= 200


def test_apart_by_names_a_field_before_it() -> None:
    """`apart_by` names a field of the same table seeded before the foreign key."""
    import pytest
    from gem_env.tools import CompileError, compile_domain
    domain = {"name": "lib", "clock": DEFAULT_CLOCK, "seed": 0, "entities": [
        {"name": "members", "primary_key": "member_id", "rows": 3,
         "fields": [{"name": "member_id", "faker": {"provider": "numerify", "args": {"text": "MMB-#####"}}}]},
        {"name": "titles", "primary_key": "title_id", "rows": 3,
         "fields": [{"name": "title_id", "faker": {"provider": "numerify", "args": {"text": "TTL-#####"}}}]},
        {"name": "loans", "primary_key": "loan_id", "rows": 4,
         "fields": [{"name": "loan_id", "faker": {"provider": "numerify", "args": {"text": "LN-#####"}}},
                    {"name": "title_id", "foreign_key": "titles.title_id", "apart_by": "member_id"},
                    {"name": "member_id", "foreign_key": "members.member_id"}]}], "tools": []}
    with pytest.raises(CompileError, match="apart_by"):
        compile_domain(parse_domain(domain))
    loans = domain["entities"][2]["fields"]
    loans[1], loans[2] = loans[2], loans[1]
    rows = seed_rows(parse_domain(domain), {}, 0)["loans"]
    assert len({(r["member_id"], r["title_id"]) for r in rows}) == len(rows) == 4
