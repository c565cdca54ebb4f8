"""`next_id`, `count_rows` and `rows` with their statements built once per domain (`tools.runtime_sql`)
answer as before: an id already taken in any table with a string key is skipped and the counter
keeps the id handed out; a failed call takes the counter back."""
from __future__ import annotations

from gem_env.tools import compile_domain, parse_domain
from gem_env.tools.plan import plan_for
from gem_env.tools.runtime_sql import runtime_sql
from gem_env.tools.seed import id_spread
from gem_env.tools.tables import COUNTERS_TABLE

from test_language import BASE, P, tool

DOMAIN = {**BASE, "tools": [
    tool("new_order", [{"find": "customers", "as": "c", "where": {"customer_id": "customer_id"}},
                       {"insert": "orders", "as": "o", "values": {"order_id": "next_id('O-')", "customer_id": "customer_id",
                                                                  "status": "'pending'", "total": "total", "placed": "today"}},
                       {"require": "total > 0", "message": "a total above zero"},
                       {"return": {"id": "o.order_id", "lines": "count_rows('lines', {order_id: o.order_id})",
                                   "mine": "len(rows('orders', {customer_id: customer_id}))"}}],
         [P("customer_id"), P("total", "number")]),
]}


def counter(sb, prefix: str) -> int | None:
    row = sb.conn.execute(f'SELECT value FROM "{COUNTERS_TABLE}" WHERE prefix = ?', [prefix]).fetchone()
    return row[0] if row else None


def test_next_id_skips_taken_ids_and_a_failed_call_takes_the_counter_back():
    compiled = compile_domain(parse_domain(DOMAIN))
    sb = compiled.new_sandbox()
    sb.conn.execute("DELETE FROM _gem_counters")  # a counter not made yet (the template seeds one)
    who = sorted(sb.dump(["customers"])["customers"])[0]
    mine = sum(1 for o in sb.dump(["orders"])["orders"].values() if o["customer_id"] == who)

    def spread(total: float) -> int:  # how far past the counter this call's new id starts
        return id_spread("O-", "new_order", plan_for(compiled.tools["new_order"]).arguments({"customer_id": who, "total": total}))
    one = 1 + spread(5.0)
    two = one + 1 + spread(5.0)  # the second call's first candidate, taken here in two tables
    sb.conn.execute("UPDATE orders SET order_id = ? WHERE order_id = (SELECT min(order_id) FROM orders)", [f"O-{two}"])
    sb.conn.execute("INSERT INTO customers (customer_id, email, vip) VALUES (?, 'z@x.org', 0)", [f"O-{two + 1}"])
    first = sb.call("new_order", {"customer_id": who, "total": 5.0}).value
    assert first["id"] == f"O-{one}" and counter(sb, "O-") == one and first["lines"] == 0
    assert sb.call("new_order", {"customer_id": who, "total": 5.0}).value["id"] == f"O-{two + 2}"
    assert counter(sb, "O-") == two + 2
    assert not sb.call("new_order", {"customer_id": who, "total": -1.0}).ok
    assert counter(sb, "O-") == two + 2  # rolled back with the call
    last = sb.call("new_order", {"customer_id": who, "total": 1.0}).value
    assert last["id"] == f"O-{two + 3 + spread(1.0)}" and last["mine"] >= mine + 3


def test_statements_are_made_once_per_domain():
    compiled = compile_domain(parse_domain(DOMAIN))
    a, b = compiled.new_sandbox(), compiled.new_sandbox()
    assert a.sql is b.sql is runtime_sql(compiled)
    assert a.sql.count_sql("lines", ("order_id",)) is b.sql.count_sql("lines", ("order_id",))
