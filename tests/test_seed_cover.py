"""`cover` on a foreign key: every referred row gets a row of the table before any gets a second
(a delivered order listed no items and a total of $759.87)."""
from __future__ import annotations

import pytest

from gem_env.tools import CompileError, compile_domain, parse_domain
from gem_env.tools.seed import seed_rows

SEEDS = (0, 1, 2, 7)


def _shop(cover: bool | None, items: int = 40) -> dict:
    key = {"name": "order_id", "foreign_key": "orders.order_id"}
    if cover is not None:
        key["cover"] = cover
    return {"name": "shop", "clock": "2025-01-15T12:00:00", "entities": [
        {"name": "orders", "primary_key": "order_id", "rows": 24, "fields": [{"name": "order_id"}]},
        {"name": "items", "primary_key": "item_id", "rows": items, "fields": [{"name": "item_id"}, key]}],
        "tools": [{"name": "noop", "effect": [{"return": "1"}]}]}


def _empty_orders(domain: dict, seed: int) -> int:
    rows = seed_rows(parse_domain(domain), {}, seed)
    held = {r["order_id"] for r in rows["items"]}
    return sum(1 for o in rows["orders"] if o["order_id"] not in held)


def test_cover_gives_every_order_an_item() -> None:
    assert all(_empty_orders(_shop(True), seed) == 0 for seed in SEEDS)
    # without it, 40 items drawn over 24 orders leave some empty (what the option is for)
    assert sum(_empty_orders(_shop(None), seed) for seed in SEEDS) > 0


def test_cover_with_fewer_rows_than_parents_gives_each_at_most_one() -> None:
    rows = seed_rows(parse_domain(_shop(True, items=10)), {}, 0)
    held = [r["order_id"] for r in rows["items"]]
    assert len(held) == len(set(held)) == 10


def test_cover_is_for_a_foreign_key() -> None:
    domain = _shop(None)
    domain["entities"][0]["fields"].append({"name": "note", "cover": True})
    with pytest.raises(CompileError, match="cover is for a foreign key"):
        compile_domain(parse_domain(domain))
