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
