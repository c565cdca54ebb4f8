"""`next_id`, `count_rows` and `rows` with their statements built once per domain (`tools.runtime_sql`)
answer as before: an id already taken in any table with a string key is skipped and the counter
keeps the id handed out; a failed call takes the counter back."""
from __future__ import annotations

from gem_env.tools import compile_domain, parse_domain
from gem_env.tools.runtime_sql import runtime_sql
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
    sb.conn.execute("UPDATE orders SET order_id = 'O-2' WHERE order_id = (SELECT min(order_id) FROM orders)")
    sb.conn.execute("INSERT INTO customers (customer_id, email, vip) VALUES ('O-3', 'z@x.org', 0)")  # another table
    first = sb.call("new_order", {"customer_id": who, "total": 5.0}).value
    assert first["id"] == "O-1" and counter(sb, "O-") == 1 and first["lines"] == 0
    assert sb.call("new_order", {"customer_id": who, "total": 5.0}).value["id"] == "O-4"
    assert counter(sb, "O-") == 4
    assert not sb.call("new_order", {"customer_id": who, "total": -1.0}).ok
    assert counter(sb, "O-") == 4  # rolled back with the call
    last = sb.call("new_order", {"customer_id": who, "total": 1.0}).value
    assert last["id"] == "O-5" and last["mine"] >= mine + 3


def test_statements_are_made_once_per_domain():
    compiled = compile_domain(parse_domain(DOMAIN))
    a, b = compiled.new_sandbox(), compiled.new_sandbox()
    assert a.sql is b.sql is runtime_sql(compiled)
    assert a.sql.count_sql("lines", ("order_id",)) is b.sql.count_sql("lines", ("order_id",))
