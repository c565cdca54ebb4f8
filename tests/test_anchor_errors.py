"""'No row matches the anchor' names the condition that removed every row and what each keeps."""
from __future__ import annotations

from gem_env.stages.anchors import conjuncts, explain_anchor
from gem_env.stages.tasks import make_tasks
from gem_env.tools import compile_domain, parse_domain


def domain(filter_: str | None):
    return compile_domain(parse_domain({
        "name": "a", "clock": "2025-03-01T10:00:00",
        "entities": [{"name": "orders", "primary_key": "order_id", "rows": 10,
                      "fields": [{"name": "order_id"}, {"name": "status", "values": ["pending", "delivered"]},
                                 {"name": "total", "type": "number", "range": [10, 50]}]}],
        "tools": [{"name": "get", "parameters": [{"name": "order_id"}],
                   "effect": [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}]}],
        "workflows": [{"name": "look", "goal": "check order {order_id}",
                       "anchor": {"table": "orders", **({"filter": filter_} if filter_ else {})},
                       "knows": {"order_id": "row.order_id"},
                       "steps": [{"tool": "get", "args": {"order_id": {"user": "order_id"}}, "as": "o"}],
                       "tells": {"status": "o.status"}}]}))


def test_conjuncts_split_at_top_level_and_only():
    assert conjuncts("a and (b and c) and f([x and y])") == ["a", "(b and c)", "f([x and y])"]
    assert conjuncts("a or b") == ["a or b"]


def test_the_condition_that_removed_every_row_is_named():
    c = domain("row.status in ['pending', 'delivered'] and row.total > 100 and row.status == 'pending'")
    why = explain_anchor(c, c.domain.workflows[0])
    assert why.startswith("no row matches the workflow's anchor: of 10 rows of orders")
    assert "`row.status in ['pending', 'delivered']` keeps 10" in why
    assert "`row.total > 100` keeps 0 - this condition removed every row" in why
    assert "row.status == 'pending'" not in why  # never reached
    _, rejected = make_tasks(c, per_domain=2)
    assert "`row.total > 100` keeps 0" in rejected[0].reason


def test_rows_that_exist_but_were_not_tried_are_not_called_missing():
    c = domain("row.total >= 10")
    why = explain_anchor(c, c.domain.workflows[0])
    assert why.startswith("10 of 10 rows of orders match the anchor") and "none was tried" in why
