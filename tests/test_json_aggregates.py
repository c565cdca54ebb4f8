"""Replies SQLite writes with its JSON functions (`tools.jsontext`, `tools.reply`): an object of
columns is `json_object` (a json column read back with `json()`), a list of such objects or of
text/number columns is `json_group_array`, a keyed one `json_group_object`. The text equals what the
interpreter encodes for every stored json text the encoder writes (unicode, escapes, nesting,
number spellings); a stored text `json()` refuses (NaN) makes the statement fail and the
interpreter answers, with the same text."""
from __future__ import annotations

import math

import pytest

from gem_env.tools import compile_domain, parse_domain
from gem_env.tools.plan import plan_for

from test_sql_reply import interpreted

TRICKY = [{"a": "Ünïcode \"q\" \\ \n\t\x01 🎉", "b": [1, 2.5, -0.0, 1e16, 12345678901234567890, None, True]},
          [], {}, "plain text", 0, 3.14159, None, {"nested": {"deep": [{"x": "</script>"}]}}]

DOMAIN = {
    "name": "j",
    "clock": "2025-03-01T10:00:00",
    "entities": [
        {"name": "items", "primary_key": "item_id", "rows": 0,
         "fields": [{"name": "item_id"}, {"name": "owner"}, {"name": "pos", "type": "integer"},
                    {"name": "price", "type": "number", "nullable": True},
                    {"name": "label", "nullable": True},
                    {"name": "data", "type": "json", "nullable": True}]},
    ],
    "tools": [
        {"name": "list", "kind": "read", "parameters": [{"name": "owner", "type": "string"}],
         "effect": [{"find": "items", "as": "rows", "where": {"owner": "owner"}, "many": True, "order_by": ["pos"]},
                    {"return": {"rows": "project(rows, ['item_id', 'price', 'label', 'data'])",
                                "by_id": "index_by(project(rows, ['item_id', 'price', 'data']), 'item_id')",
                                "labels": "rows.label", "prices": "rows.price"}}]},
        {"name": "one", "kind": "read", "parameters": [{"name": "item_id", "type": "string"}],
         "effect": [{"find": "items", "as": "row", "where": {"item_id": "item_id"}, "error": "no item"},
                    {"return": "row"}]},
    ],
}


def rows(data: list) -> list[dict]:
    return [{"item_id": f"i{k}", "owner": f"o{k % 3}", "pos": k, "price": [1, 2.5, None, 1e-7][k % 4],
             "label": [None, "x", "Ü \"y\""][k % 3], "data": d} for k, d in enumerate(data)]


@pytest.mark.parametrize("data, refused", [(TRICKY, set()), ([{"x": math.nan}, {"y": 1}], {"o0"})],
                         ids=["stored-json-of-every-kind", "nan-falls-back"])
def test_json_function_replies_equal_the_interpreter(data, refused):
    compiled = compile_domain(parse_domain(DOMAIN), data={"items": rows(data)})
    assert "json_group_array(json_object(" in plan_for(compiled.tools["list"]).reply.sql
    assert "json_group_object(" in plan_for(compiled.tools["list"]).reply.sql
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    calls = [("list", {"owner": f"o{k}"}) for k in range(4)] + [("one", {"item_id": f"i{k}"}) for k in range(len(data))]
    for name, args in calls:
        a = fast.call(name, args)
        with interpreted(compiled):
            b = slow.call(name, args)
        assert (a.ok, a.error, a.content) == (b.ok, b.error, b.content), (name, args)
        if name == "list" and a.value["rows"]:  # the statement wrote it, or json() refused a stored text
            # (asked of the statement itself: a reply the read cache keeps comes back as its text)
            made = plan_for(compiled.tools["list"]).reply.run({**fast.clock, **args}, fast)
            assert (made is None) == (args["owner"] in refused), (name, args)
