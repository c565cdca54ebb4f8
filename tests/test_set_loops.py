"""Set-based loops (`tools.loopplan`) and the conditions `tools.reply` translates for them answer
exactly as the steps: the same replies, errors, rows and digests as the interpreted loop, on
τ-bench retail's refunds (gift cards included) and on loops built to hit the fallbacks (two loop
rows updating one row, a value the column refuses)."""
from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from gem_env.tools import compile_domain, load_domain, parse_domain
from gem_env.tools.loopplan import SetLoop
from gem_env.tools.plan import plan_for

from test_language import BASE, P, tool
from test_write_plan import step_by_step

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")


class LoopCount:
    """Counts set-based loops that answered and that fell back, while active."""

    def __init__(self) -> None:
        self.answered = self.fell_back = 0

    def __enter__(self) -> "LoopCount":
        real = SetLoop.__call__

        def counted(loop: SetLoop, env: dict, ctx) -> bool:
            try:
                ok = real(loop, env, ctx)
            except Exception:  # the steps it fell back to refused
                self.fell_back += 1
                raise
            self.answered += ok
            self.fell_back += not ok
            return ok
        self._patch = mock.patch.object(SetLoop, "__call__", counted)
        self._patch.start()
        return self

    def __exit__(self, *exc) -> None:
        self._patch.stop()


def same_calls(compiled, calls: list[tuple[str, dict]]) -> LoopCount:
    """Each call on two sandboxes, the second step by step: equal results, rows and digests."""
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    with LoopCount() as count:
        for name, args in calls:
            a = fast.call(name, args)
            with step_by_step(compiled):
                b = slow.call(name, args)
            assert (a.ok, a.error, a.content) == (b.ok, b.error, b.content), (name, args)
            assert fast.state_hash() == slow.state_hash(), (name, args)
    assert fast.dump() == slow.dump()
    assert fast.state_hash() == fast.recomputed_state_hash()
    return count


def loop_domain(effect: list, params: list) -> object:
    lines = {"name": "lines", "primary_key": "line_id", "rows": 30,
             "fields": [{"name": "line_id", "type": "integer"},
                        {"name": "order_id", "foreign_key": "orders.order_id"},
                        {"name": "sku", "values": ["a", "b", "gift-1"]}, {"name": "qty", "type": "integer", "range": [1, 3]}]}
    entities = [e for e in BASE["entities"] if e["name"] != "lines"] + [lines]
    return compile_domain(parse_domain({**BASE, "entities": entities, "tools": [tool("w", effect, params)]}))


REFUND = [
    {"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
    {"find": "lines", "as": "ls", "where": {"order_id": "o.order_id"}, "many": True, "order_by": ["line_id"]},
    {"let": {"n": "len(ls)"}},
    {"for_each": "ls", "as": "l", "do": [
        {"insert": "lines", "values": {"order_id": "o.order_id", "sku": "l.sku", "qty": "n"}},
        {"let": {"n": "n + 2"}},
        {"find": "orders", "as": "same", "where": {"order_id": "l.order_id"}, "many": True,
         "filter": "'pend' in same.status or not ('x' in same.status)"},
        {"update": "orders", "row": "same", "set": {"total": "round(same.total + l.qty * 1.5, 2)"}}]},
    {"return": {"n": "n", "lines": "len(ls)"}},
]


def test_a_refund_loop_runs_as_statements_and_equals_the_steps():
    compiled = loop_domain([{**REFUND[0]}, REFUND[1], REFUND[2],
                            {**REFUND[3], "do": REFUND[3]["do"][:2]}, REFUND[4]], [P("order_id")])
    plan = plan_for(compiled.tools["w"])
    assert any(isinstance(s, SetLoop) for s in plan.steps)
    orders = list(compiled.new_sandbox().dump(["orders"])["orders"])
    count = same_calls(compiled, [("w", {"order_id": o}) for o in orders] + [("w", {"order_id": "nope"})])
    assert count.answered >= 5 and count.fell_back == 0
    # with the gift-line update: an order's lines all update that order, so two or more lines fall back
    # (both ways are taken: the seeded orders hold one line or several)
    full = loop_domain(REFUND, [P("order_id")])
    count = same_calls(full, [("w", {"order_id": o}) for o in orders])
    assert count.answered >= 2 and count.fell_back >= 1


def test_two_loop_rows_updating_one_row_fall_back_to_the_steps():
    """Every line of an order updates that order: from the second line on, the steps read their
    own write, which one UPDATE … FROM cannot; the loop falls back and the answer is the steps'."""
    bump = [{"find": "orders", "as": "same", "where": {"order_id": "l.order_id"}, "many": True},
            {"update": "orders", "row": "same", "set": {"total": "round(same.total + l.qty * 1.5, 2)"}}]
    compiled = loop_domain([REFUND[0], REFUND[1], REFUND[2], {"for_each": "ls", "as": "l", "do": bump},
                            REFUND[4]], [P("order_id")])
    plan = plan_for(compiled.tools["w"])
    assert any(isinstance(s, SetLoop) for s in plan.steps)
    sb = compiled.new_sandbox()
    lines = sb.dump(["lines"])["lines"].values()
    per_order: dict[str, int] = {}
    for line in lines:
        per_order[line["order_id"]] = per_order.get(line["order_id"], 0) + 1
    calls = [("w", {"order_id": o}) for o in sorted(per_order)]
    count = same_calls(compiled, calls)
    assert count.fell_back == sum(1 for n in per_order.values() if n > 1) > 0
    assert count.answered == sum(1 for n in per_order.values() if n == 1)


def test_a_value_the_column_refuses_gives_the_steps_error():
    compiled = loop_domain([REFUND[0], REFUND[1], REFUND[2], {**REFUND[3], "do": [
        {"find": "orders", "as": "same", "where": {"order_id": "l.order_id"}, "many": True},
        {"update": "orders", "row": "same", "set": {"total": "l.sku"}}]}, REFUND[4]], [P("order_id")])
    sb = compiled.new_sandbox()
    with_lines = sorted({line["order_id"] for line in sb.dump(["lines"])["lines"].values()})
    with LoopCount() as count:
        out = sb.call("w", {"order_id": with_lines[0]})
    assert not out.ok and "total" in out.error and count.fell_back == 1
    same_calls(compiled, [("w", {"order_id": o}) for o in with_lines])


@pytest.mark.parametrize("body, runs_as_statements", [
    ([{"insert": "lines", "values": {"order_id": "o.order_id", "sku": "l.sku", "qty": "n"}}], True),
    # a let that is not a counter
    ([{"let": {"n": "n * 2"}}, {"insert": "lines", "values": {"order_id": "o.order_id", "sku": "l.sku", "qty": "n"}}], False),
    # a copied field of another type
    ([{"insert": "lines", "values": {"order_id": "o.order_id", "sku": "l.qty", "qty": "1"}}], False),
    # an insert that binds its row (read after the loop? it is a body name: refused)
    ([{"insert": "lines", "as": "made", "values": {"order_id": "o.order_id", "sku": "l.sku", "qty": "1"}}], False),
    # a require in the body may refuse: stays step by step
    ([{"require": "l.qty > 0", "message": "no"},
      {"insert": "lines", "values": {"order_id": "o.order_id", "sku": "l.sku", "qty": "1"}}], False),
    # an update of the looped table
    ([{"find": "lines", "as": "x", "where": {"line_id": "l.line_id"}, "many": True},
      {"update": "lines", "row": "x", "set": {"qty": "1"}}], False),
])
def test_which_loops_run_as_statements(body, runs_as_statements):
    compiled = loop_domain([REFUND[0], REFUND[1], REFUND[2], {"for_each": "ls", "as": "l", "do": body},
                            {"return": "n"}], [P("order_id")])
    plan = plan_for(compiled.tools["w"])
    assert any(isinstance(s, SetLoop) for s in plan.steps) == runs_as_statements


def test_the_retail_refunds_run_as_statements_and_equal_the_steps():
    from gem_env.importers.taubench import RETAIL_DATA, load_retail
    data = SHARED / RETAIL_DATA
    if not data.exists():
        pytest.skip(f"τ-bench data not found at {data} (../shared is absent on this machine)")
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"), data=load_retail(data))
    sb = compiled.new_sandbox()
    orders = sb.dump(["orders"])["orders"]
    history = sb.dump(["payment_history"])["payment_history"].values()
    gift = {h["order_id"] for h in history if "gift_card" in h["payment_method_id"]}
    pending = sorted(k for k, o in orders.items() if o["status"] == "pending")
    chosen = [o for o in pending if o in gift][:15] + [o for o in pending if o not in gift][:15]
    calls = [("cancel_pending_order", {"order_id": o, "reason": "no longer needed"}) for o in chosen]
    calls += calls[:3]  # again: refused now (not pending)
    head = plan_for(compiled.tools["cancel_pending_order"]).write
    assert head is not None and any(isinstance(s, SetLoop) for s in head.middle.__self__.steps)
    count = same_calls(compiled, calls)
    assert count.answered >= 25 and count.fell_back == 0 and len([o for o in chosen if o in gift]) >= 5
    refunded = [k for k, m in sb.dump(["payment_methods"])["payment_methods"].items() if "gift_card" in k]
    assert refunded  # the gift cards whose balance the refunds raised: checked equal in same_calls


def test_a_lookup_guard_makes_the_bank_card_writes_one_statement_equal_to_the_steps():
    """freeze_card / unfreeze_card check the card's owner with lookup('accounts', card.account_id):
    an EXISTS in the UPDATE's WHERE; the owner, a wrong member and a card in the wrong state all
    answer as the steps do."""
    from test_write_plan import Counting
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "bank.yaml"))
    heads = {n: Counting(plan_for(compiled.tools[n]).single) for n in ("freeze_card", "unfreeze_card")}
    assert all(c.head is not None and "EXISTS (SELECT 1 FROM" in c.head.sql for c in heads.values())
    sb = compiled.new_sandbox()
    accounts = sb.dump(["accounts"])["accounts"]
    calls = []
    for card_id, card in list(sb.dump(["cards"])["cards"].items())[:25]:
        owner = accounts[card["account_id"]]["customer_id"]
        calls += [(name, {"customer_id": who, "card_id": card_id})
                  for name in ("freeze_card", "freeze_card", "unfreeze_card") for who in (owner, "MBR-000000")]
    for n, c in heads.items():
        plan_for(compiled.tools[n]).single = c
    try:
        same_calls(compiled, calls)
    finally:
        for n, c in heads.items():
            plan_for(compiled.tools[n]).single = c.head
    assert heads["freeze_card"].answered >= 5 and heads["unfreeze_card"].answered >= 5, \
        {n: c.answered for n, c in heads.items()}


def test_loops_still_run_after_a_restore():
    """A sandbox restored from a snapshot (`deserialize` on the same connection) runs its loop
    statements again: they use no table-valued function (SQLite 3.40 crashed preparing a
    `json_each` statement after a `deserialize` of a connection that had used one)."""
    compiled = loop_domain(REFUND, [P("order_id")])
    sb = compiled.new_sandbox()
    with_lines = sorted({line["order_id"] for line in sb.dump(["lines"])["lines"].values()})
    with LoopCount() as count:
        for order_id in with_lines[:4]:
            before = sb.snapshot()
            first = sb.call("w", {"order_id": order_id})
            sb.restore(before)
            again = sb.call("w", {"order_id": order_id})
            assert (first.ok, first.content) == (again.ok, again.content)
    assert count.answered >= 2


@pytest.mark.parametrize("cond, translated", [
    ("o.status in ['pending', 'delivered']", True),
    ("not (o.status in ['pending'])", True),
    ("o.total in [10, 12.5]", True),
    ("'pend' in o.status", True),
    ("o.status in [1, 'pending']", False),     # mixed kinds: Python's == and SQLite's differ
    ("o.total in [true]", False),              # a boolean equals 1 in Python
    ("o.status in statuses", False),           # a list per call would need json_each
])
def test_which_in_conditions_guard_the_statement(cond, translated):
    effect = [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
              {"require": cond, "message": "no"},
              {"update": "orders", "row": "o", "set": {"placed": "'2025-01-01'"}}, {"return": "o.status"}]
    compiled = compile_domain(parse_domain({**BASE, "tools": [tool("w", effect, [P("order_id"),
                                                                                  P("statuses", "array", items={"name": "s", "type": "string"})])]}))
    plan = plan_for(compiled.tools["w"])
    head = plan.single or plan.write  # an untranslated require runs as a step after the statement
    assert head is not None and (" IN (" in head.sql or "instr(" in head.sql) == translated
    orders = list(compiled.new_sandbox().dump(["orders"])["orders"])
    same_calls(compiled, [("w", {"order_id": o, "statuses": ["pending"]}) for o in orders] * 2)


def test_a_loop_statement_failing_after_another_wrote_runs_the_call_again_step_by_step():
    """The loop's update of the orders runs first and writes; its insert then refuses a value (a
    text for an integer column): inside a call the loop keeps no savepoint of its own, so the call
    is undone and runs again step by step — the steps' error, and nothing written."""
    body = [{"insert": "lines", "values": {"order_id": "o.order_id", "sku": "l.sku", "qty": "qty"}},
            {"find": "orders", "as": "same", "where": {"order_id": "l.order_id"}, "many": True},
            {"update": "orders", "row": "same", "set": {"status": "'refunded'"}}]
    compiled = loop_domain([REFUND[0], REFUND[1], REFUND[2], {"for_each": "ls", "as": "l", "do": body},
                            REFUND[4]], [P("order_id"), P("qty", "number")])
    loop = next(s for s in plan_for(compiled.tools["w"]).steps if isinstance(s, SetLoop))
    assert [u.table for u in loop.units] == ["orders", "lines"]
    sb = compiled.new_sandbox()
    lines = sb.dump(["lines"])["lines"].values()
    single = sorted(o for o in {x["order_id"] for x in lines}
                    if sum(x["order_id"] == o for x in lines) == 1)
    before = sb.state_hash()
    ran: list[str] = []
    sb.conn.set_trace_callback(ran.append)
    with LoopCount() as count:
        out = sb.call("w", {"order_id": single[0], "qty": 1.5})
    sb.conn.set_trace_callback(None)
    assert not out.ok and "qty" in out.error and count.fell_back == 1 and sb.state_hash() == before
    assert not any("gem_loop" in sql for sql in ran)
    assert ran.count("ROLLBACK TO gem_call") == 2  # the first run undone, then the steps' refusal
    calls = [("w", {"order_id": o, "qty": q}) for o in single[:3] for q in (1.5, 2)]
    count = same_calls(compiled, calls)
    assert count.answered >= 1


@pytest.mark.parametrize("qty, bound_once", [("7", True), ("'seven'", False), ("null", False)])
def test_a_constant_in_a_loop_statement_is_bound_once_or_refused_as_the_steps_refuse_it(qty, bound_once):
    """A constant inserted or set by a loop is encoded when the loop compiles; one its column
    refuses (text for an integer, null for a required field) stays a per-call value that fails
    the statement, and the steps say why."""
    body = [{"insert": "lines", "values": {"order_id": "o.order_id", "sku": "'const'", "qty": qty}},
            {"find": "orders", "as": "same", "where": {"order_id": "l.order_id"}, "many": True},
            {"update": "orders", "row": "same", "set": {"status": "'looped'"}}]
    compiled = loop_domain([REFUND[0], REFUND[1], {**REFUND[3], "do": body}, {"return": "len(ls)"}], [P("order_id")])
    loop = next(s for s in plan_for(compiled.tools["w"]).steps if isinstance(s, SetLoop))
    insert, update = sorted(loop.units, key=lambda u: u.table != "lines")
    assert "const" in insert.stmt.values and "looped" in update.stmt.values
    assert (int(qty) in insert.stmt.values if bound_once else len(insert.stmt.getters) == 2)
    sb = compiled.new_sandbox()
    one_line = [o for o, n in _lines_per_order(sb).items() if n == 1]  # (two lines update one order: steps)
    assert one_line
    count = same_calls(compiled, [("w", {"order_id": o}) for o in one_line])
    assert (count.answered, count.fell_back) == ((len(one_line), 0) if bound_once else (0, len(one_line)))


def _lines_per_order(sb) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in sb.dump(["lines"])["lines"].values():
        out[line["order_id"]] = out.get(line["order_id"], 0) + 1
    return out


@pytest.mark.parametrize("rows, n", [({"line_id": 1}, 0), (None, 0), ([1], 0), ([{"line_id": 1}], 1.5),
                                     ([{"line_id": 1}], None)])
def test_loop_rows_or_counters_of_another_type_run_the_steps(rows, n):
    compiled = loop_domain([REFUND[0], REFUND[1], REFUND[2], {**REFUND[3], "do": REFUND[3]["do"][:2]},
                            REFUND[4]], [P("order_id")])
    loop = next(s for s in plan_for(compiled.tools["w"]).steps if isinstance(s, SetLoop))
    with mock.patch.object(loop.loop, "run") as steps:
        assert loop({"ls": rows, "n": n}, compiled.new_sandbox()) is False
    steps.assert_called_once()


def test_a_loop_insert_binds_the_found_rows_values_and_equals_the_steps():
    """The loop's insert is one INSERT … VALUES of the found rows' own values (no read back by key),
    with counters per row and a value read once; orders with several lines answer as the steps, and
    an insert the table refuses (a foreign key to no order) leaves the answer to the steps."""
    body = [{"let": {"n": "n + 3"}},
            {"insert": "lines", "values": {"order_id": "l.order_id", "sku": "l.sku", "qty": "n"}},
            {"let": {"n": "n + 1"}}]
    effect = [REFUND[0], REFUND[1], REFUND[2], {"for_each": "ls", "as": "l", "do": body}, REFUND[4]]
    compiled = loop_domain(effect, [P("order_id")])
    loop = next(s for s in plan_for(compiled.tools["w"]).steps if isinstance(s, SetLoop))
    sql = loop.units[0].sql(3)
    assert sql.count("VALUES (") == 1 and sql.count("), (") == 2 and " JOIN " not in sql
    sb = compiled.new_sandbox()
    per_order: dict[str, int] = {}
    for line in sb.dump(["lines"])["lines"].values():
        per_order[line["order_id"]] = per_order.get(line["order_id"], 0) + 1
    assert max(per_order.values()) >= 2
    count = same_calls(compiled, [("w", {"order_id": o}) for o in sorted(per_order)] + [("w", {"order_id": "nope"})])
    assert count.answered == len(per_order) and count.fell_back == 0
    orphan = loop_domain([REFUND[0], REFUND[1], REFUND[2], {"for_each": "ls", "as": "l", "do": [
        {"insert": "lines", "values": {"order_id": "'no-such-order'", "sku": "l.sku", "qty": "l.qty"}}]}, REFUND[4]],
        [P("order_id")])
    count = same_calls(orphan, [("w", {"order_id": o}) for o in sorted(per_order)[:3]])
    assert count.fell_back == 3 and count.answered == 0
