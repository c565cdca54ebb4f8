"""Compiled writes (`tools.writeplan`) answer exactly as the step-by-step path: over random call
sequences on the example domains (and the τ-bench retail data when ../shared has it), every call
gives the same ok/error, the same value and reply text, and the same state and digest as with the
compiled write switched off; and the compiled write really answers (it does not always fall back)."""
from __future__ import annotations

import json
import random
from contextlib import contextmanager
from unittest import mock
from pathlib import Path
from typing import Any, Iterator

import pytest

from gem_env.tools import compile_domain, load_domain, parse_domain
from gem_env.tools.plan import plan_for
from gem_env.tools.loopplan import SetLoop
from gem_env.tools.writeplan import MISS

from test_language import BASE, P, tool
from test_sql_reply import interpreted, paired_calls

pytestmark = pytest.mark.usefixtures("every_call_runs")  # the executor's own paths: every write runs

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = sorted((ROOT / "examples" / "domains").glob("*.yaml"))
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")


@contextmanager
def step_by_step(compiled: Any) -> Iterator[None]:
    """Every tool of `compiled` without its compiled write and with its loops run step by step
    (`tools.loopplan`), for the duration."""
    plans = [plan_for(t) for t in compiled.tools.values() if t.steps is not None]
    saved = [(p.single, p.write) for p in plans]
    for p in plans:
        p.single = p.write = None
    try:
        with mock.patch.object(SetLoop, "__call__", lambda self, env, ctx: self.loop.run(env, ctx)):
            yield
    finally:
        for p, (single, write) in zip(plans, saved):
            p.single, p.write = single, write


class Counting:
    """A compiled write that counts the calls it answered."""

    def __init__(self, head: Any):
        self.head, self.answered = head, 0

    def run(self, env: dict, ctx: Any) -> Any:
        out = self.head.run(env, ctx)
        self.answered += out is not MISS
        return out


def check_sequence(compiled: Any, calls: int, seed: int) -> dict[str, int]:
    """Run the same random calls with and without compiled writes; {tool: calls it answered}."""
    writes = {n: (kind, Counting(getattr(plan_for(t), kind))) for n, t in compiled.tools.items()
              for kind in ("single", "write") if t.steps is not None and getattr(plan_for(t), kind) is not None}
    for n, (kind, c) in writes.items():
        setattr(plan_for(compiled.tools[n]), kind, c)
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    try:
        for name, args, _ in paired_calls(compiled, random.Random(seed), calls, step_by_step, (fast, slow)):
            if name in writes:
                assert fast.state_hash() == slow.state_hash(), (name, args)
    finally:
        for n, (kind, c) in writes.items():
            setattr(plan_for(compiled.tools[n]), kind, c.head)
    assert fast.dump() == slow.dump()
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()
    return {n: c.answered for n, (_, c) in writes.items()}


@pytest.mark.parametrize("path", DOMAINS, ids=[p.stem for p in DOMAINS])
def test_compiled_writes_equal_the_steps_on_example_domains(path):
    compiled = compile_domain(load_domain(path))
    check_sequence(compiled, calls=400, seed=11)


def test_compiled_writes_answer_on_the_shop_domain():
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "shop.yaml"))
    answered = check_sequence(compiled, calls=1500, seed=5)
    assert answered.get("update_shipping_address", 0) >= 5, answered


def test_compiled_writes_equal_the_steps_on_taubench_retail():
    from gem_env.importers.taubench import RETAIL_DATA, load_retail
    data = SHARED / RETAIL_DATA
    if not data.exists():
        pytest.skip(f"τ-bench data not found at {data} (../shared is absent on this machine)")
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"), data=load_retail(data))
    answered = check_sequence(compiled, calls=1500, seed=3)
    assert answered["modify_user_address"] >= 20 and answered["modify_pending_order_address"] >= 3, answered


def test_the_retail_address_writes_are_one_statement_with_their_reply():
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"))
    for name in ("modify_user_address", "modify_pending_order_address"):
        head = plan_for(compiled.tools[name]).single
        assert head is not None and head.rest is None and head.sql.startswith("UPDATE "), name


UPDATE_WRITE = {"find": "orders", "as": "o", "where": {"order_id": "order_id"}, "error": "no order {order_id}"}


@pytest.mark.parametrize("effect, compiled_write", [
    ([UPDATE_WRITE, {"require": "o.status == 'pending'", "message": "order is {o.status}"},
      {"update": "orders", "row": "o", "set": {"status": "'delivered'"}}, {"return": "o"}], True),
    # the new value reads the row: stays step by step
    ([UPDATE_WRITE, {"update": "orders", "row": "o", "set": {"total": "o.total + 1"}}, {"return": "o"}], False),
    # the find may match many rows (status is not unique)
    ([{"find": "orders", "as": "o", "where": {"status": "status"}},
      {"update": "orders", "row": "o", "set": {"total": "1"}}], False),
    # next_id writes: never evaluated before the statement
    ([UPDATE_WRITE, {"update": "orders", "row": "o", "set": {"status": "next_id('S-')"}}], False),
    # a condition that is not translated (a call on the row's field)
    ([UPDATE_WRITE, {"require": "len(o.status) > 3", "message": "short"},
      {"update": "orders", "row": "o", "set": {"status": "'x'"}}], False),
])
def test_which_shapes_compile_to_one_statement(effect, compiled_write):
    params = [P("order_id"), P("status")]
    compiled = compile_domain(parse_domain({**BASE, "tools": [tool("w", effect, params)]}))
    plan = plan_for(compiled.tools["w"])
    assert (plan.single is not None or plan.write is not None) == compiled_write


def test_a_refused_compiled_write_says_what_the_steps_say_and_writes_nothing():
    effect = [UPDATE_WRITE, {"require": "o.status == 'pending'", "message": "order {o.order_id} is {o.status}"},
              {"update": "orders", "row": "o", "set": {"status": "'delivered'", "total": "total"}}, {"return": "o"}]
    compiled = compile_domain(parse_domain({**BASE, "tools": [tool("w", effect, [P("order_id"), P("total", "number")])]}))
    sb = compiled.new_sandbox()
    orders = sb.dump(["orders"])["orders"]
    pending = next(k for k, o in orders.items() if o["status"] == "pending")
    before = sb.state_hash()
    assert sb.call("w", {"order_id": "nope", "total": 1}).error == "no order nope"
    ok = sb.call("w", {"order_id": pending, "total": 5})
    assert ok.ok and ok.value["status"] == "delivered" and '"total":5,' in ok.content  # as computed, not 5.0
    again = sb.call("w", {"order_id": pending, "total": 6})
    assert again.error == f"order {pending} is delivered"
    assert sb.dump(["orders"])["orders"][pending]["total"] == 5
    assert sb.state_hash() != before and sb.state_hash() == sb.recomputed_state_hash()


def test_an_address_write_built_in_sql_drops_null_members_as_compact_does():
    """modify_user_address's reply is one statement; its payment methods are compact objects of
    scalar columns (json_object + json_patch). Seeded gift cards have no brand or last four: those
    members are left out, exactly as the steps leave them out, and the arguments as JSON text (as
    a model writes them) take the same statement."""
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"))
    head = plan_for(compiled.tools["modify_user_address"]).single
    assert "json_patch('{}', json_object(" in head.sql
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    user = next(iter(fast.dump(["users"])["users"]))
    args = {"user_id": user, "address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
            "country": "USA", "zip": "73301"}
    a = fast.call("modify_user_address", json.dumps(args))
    with interpreted(compiled):
        b = slow.call("modify_user_address", args)
    assert a._text is not None and b._text is None  # built by the statement / by the steps
    assert a.content == b.content and a.value == b.value
    methods = a.value["payment_methods"]
    assert methods and all("brand" not in m and "last_four" not in m for m in methods.values())
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()


def test_a_write_reads_back_only_the_fields_read_later_and_the_whole_row_when_the_steps_answer():
    """The statement returns just the key and the fields the later steps read; when the reply's
    statement cannot answer (a null where value: the steps' IS NULL), the steps get the whole row
    as the update left it, and answer as the steps alone do."""
    effect = [UPDATE_WRITE, {"update": "orders", "row": "o", "set": {"status": "'delivered'"}},
              {"find": "lines", "as": "ls", "many": True, "where": {"order_id": "o.order_id", "sku": "sku"}},
              {"return": {"id": "o.order_id", "total": "o.total", "placed": "o.placed", "status": "o.status",
                          "skus": "ls.sku", "all": "count_rows('lines', {})"}}]
    params = [P("order_id"), P("sku", required=False)]
    compiled = compile_domain(parse_domain({**BASE, "tools": [tool("w", effect, params)]}))
    head = plan_for(compiled.tools["w"]).write
    assert head is not None and head.reply is not None
    assert head.sql.endswith('RETURNING "order_id"')  # count_rows: not in RETURNING; o.order_id: the key
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    order_ids = list(fast.dump(["orders"])["orders"])
    for order_id, sku in [(order_ids[0], "A-1"), (order_ids[1], None), ("nope", None)]:
        a = fast.call("w", {"order_id": order_id, "sku": sku})
        with interpreted(compiled):
            b = slow.call("w", {"order_id": order_id, "sku": sku})
        assert (a.ok, a.error, a.content) == (b.ok, b.error, b.content), (order_id, sku)
    assert a.error == "no order nope" and fast.state_hash() == slow.state_hash()
