"""The incremental state digest equals a full recomputation after any sequence of calls, stays blind
to float noise, and bounds a row diff by the keys that were written."""
from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gem_env.tools import SandboxDB, ToolError, compile_domain, diff_states, parse_domain, python_tool
from gem_env.tools.digest import table_sum

from test_language import BASE, P, tool


@python_tool(kind="write")
def rekey_order(db: SandboxDB, order_id: str, new_id: str) -> dict:
    """Give an order a new key (a write the effect language cannot express), then fail on demand.

    Args:
        order_id: the order
        new_id: its new key; "boom" writes and then refuses, so the write must roll back
    """
    if db.get("orders", order_id) is None:
        raise ToolError("no such order")
    for line in db.find("lines", order_id=order_id):
        db.delete("lines", line["line_id"])
    db.update("orders", order_id, order_id=new_id, total=0.1 + 0.2)
    if new_id == "boom":
        raise ToolError("refused after writing")
    return {"ok": True}


DOMAIN = {**BASE, "tools": [
    tool("cancel", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                    {"update": "orders", "row": "o", "set": {"status": "'cancelled'", "total": "o.total - fee"}},
                    {"require": "o.total >= 0", "message": "fee too high"}],
         [P("order_id"), P("fee", "number")]),
    tool("add", [{"for_each": "skus", "as": "s",
                  "do": [{"insert": "lines", "values": {"order_id": "order_id", "sku": "s", "qty": "qty"}}]}],
         [P("order_id"), P("skus", "array", items=P("s")), P("qty", "integer")]),
    # find → require → update of the found row: runs as one UPDATE … RETURNING (tools.writeplan)
    tool("deliver", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                     {"require": "o.status == 'pending'", "message": "order {o.order_id} is {o.status}"},
                     {"update": "orders", "row": "o", "set": {"status": "'delivered'", "tags": "tags"}},
                     {"find": "lines", "as": "ls", "many": True, "where": {"order_id": "o.order_id"}},
                     {"return": {"order": "o", "lines": "ls"}}],
         [P("order_id"), P("tags", "array", items=P("tag"))]),
    tool("drop", [{"find": "lines", "as": "ls", "many": True, "where": {"order_id": "order_id"}},
                  {"delete": "lines", "row": "ls"}], [P("order_id")]),
    tool("drop_order", [{"find": "lines", "as": "ls", "many": True, "where": {"order_id": "order_id"}},
                        {"delete": "lines", "row": "ls"},
                        {"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                        {"delete": "orders", "row": "o"}], [P("order_id")]),
]}
COMPILED = compile_domain(parse_domain(DOMAIN), python_tools=[rekey_order])
ORDER_IDS = sorted(COMPILED.new_sandbox().dump(["orders"])["orders"])

order_ids = st.sampled_from(ORDER_IDS + ["O-new", "boom"])
calls = st.lists(st.one_of(
    st.tuples(st.just("cancel"), st.fixed_dictionaries({"order_id": order_ids, "fee": st.floats(-50, 120)})),
    st.tuples(st.just("add"), st.fixed_dictionaries({"order_id": order_ids, "skus": st.lists(st.text(max_size=3), max_size=3),
                                                      "qty": st.integers(-3, 3)})),
    st.tuples(st.sampled_from(["drop", "drop_order"]), st.fixed_dictionaries({"order_id": order_ids})),
    st.tuples(st.just("deliver"), st.fixed_dictionaries({"order_id": order_ids,
                                                          "tags": st.lists(st.text(max_size=2), max_size=2)})),
    st.tuples(st.just("rekey_order"), st.fixed_dictionaries({"order_id": order_ids, "new_id": order_ids})),
), max_size=12)


def full_hash(sb) -> str:
    """The state hash computed from every row, independently of the sandbox's digest."""
    h = hashlib.sha256()
    for name in sorted(sb.tables):
        h.update(f"{name}\x00{table_sum(sb.conn, sb.tables[name]):064x}\n".encode())
    return h.hexdigest()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls, st.lists(st.booleans(), min_size=12, max_size=12))
def test_incremental_digest_equals_full_recomputation(seq, hash_now):
    sb = COMPILED.new_sandbox()
    for (name, args), now in zip(seq, hash_now):
        before = full_hash(sb)
        result = sb.call(name, args)
        if not result.ok:
            assert full_hash(sb) == before, (name, args, result.error)
        if now:  # hashing after some calls and not others folds one or several calls at a time
            assert sb.state_hash() == full_hash(sb), (name, args)
    assert sb.state_hash() == full_hash(sb)
    assert sb.state_hash(["lines", "orders"]) == sb.recomputed_state_hash(["lines", "orders"])
    template = COMPILED.new_sandbox()
    touched = sb.touched()
    assert touched is not None
    full_diff = diff_states(template.dump(), sb.dump())
    assert {(c["table"], c["key"]) for c in full_diff} <= {(t, str(k)) for t, keys in touched.items() for k in keys}


def test_the_compiled_write_is_in_the_property_test():
    from gem_env.tools.plan import plan_for
    assert plan_for(COMPILED.tools["deliver"]).single is not None


def test_a_write_and_its_undo_give_back_the_template_digest():
    sb = COMPILED.new_sandbox()
    initial = sb.state_hash()
    assert sb.call("add", {"order_id": ORDER_IDS[0], "skus": ["a"], "qty": 1}).ok
    assert sb.state_hash() != initial
    assert sb.call("drop", {"order_id": ORDER_IDS[0]}).ok
    assert sb.state_hash() == initial == COMPILED.new_sandbox().state_hash()


def test_float_noise_is_not_a_different_state():
    a, b = COMPILED.new_sandbox(), COMPILED.new_sandbox()
    oid = ORDER_IDS[0]
    a.conn.execute('UPDATE "orders" SET "total" = ? WHERE "order_id" = ?', [0.1 + 0.2, oid])
    b.conn.execute('UPDATE "orders" SET "total" = ? WHERE "order_id" = ?', [0.3, oid])
    assert a.state_hash() == b.state_hash()
    b.conn.execute('UPDATE "orders" SET "total" = ? WHERE "order_id" = ?', [0.31, oid])
    assert a.state_hash() != b.state_hash()


def test_restore_of_plain_bytes_recomputes_and_forgets_what_was_touched():
    sb = COMPILED.new_sandbox()
    snap, initial = sb.snapshot(), sb.state_hash()
    assert sb.call("cancel", {"order_id": ORDER_IDS[1], "fee": 1.0}).ok
    assert sb.touched() == {"orders": {ORDER_IDS[1]}}
    sb.restore(bytes(snap))  # bytes from elsewhere: a state of its own
    assert sb.state_hash() == initial and sb.touched() is None


def test_a_snapshot_brings_back_what_its_sandbox_knew_of_the_state():
    """Restoring a snapshot of the same domain takes its digest and touched keys instead of summing
    every table (`Snapshot`); pickled, or restored into another domain's sandbox, it is bytes."""
    import pickle
    sb = COMPILED.new_sandbox()
    assert sb.call("cancel", {"order_id": ORDER_IDS[1], "fee": 1.0}).ok
    snap, at = sb.snapshot(), sb.state_hash()
    assert sb.call("add", {"order_id": ORDER_IDS[0], "skus": ["x"], "qty": 1}).ok
    sb.restore(snap)
    assert sb.touched() == {"orders": {ORDER_IDS[1]}} and sb.state_hash() == at == full_hash(sb)
    other = COMPILED.new_sandbox()
    other.restore(snap)  # another sandbox of the domain
    assert other.state_hash() == at and other.touched() == {"orders": {ORDER_IDS[1]}}
    plain = pickle.loads(pickle.dumps(snap))
    assert type(plain) is bytes and plain == snap
    elsewhere = compile_domain(parse_domain(DOMAIN), python_tools=[rekey_order]).new_sandbox()
    elsewhere.restore(snap)  # the same schema compiled again: not this domain's knowledge
    assert elsewhere.state_hash() == at and elsewhere.touched() is None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls, st.lists(st.sampled_from(["call", "snapshot", "restore"]), min_size=12, max_size=12))
def test_the_digest_after_restores_equals_full_recomputation(seq, moves):
    """Snapshots taken and restored between random calls: the incremental digest still equals a
    full recomputation, and the touched keys still bound the diff from the template."""
    sb, snaps = COMPILED.new_sandbox(), []
    for (name, args), move in zip(seq, moves):
        if move == "snapshot":
            snaps.append((sb.snapshot(), full_hash(sb)))
        elif move == "restore" and snaps:
            snap, then = snaps[len(seq) % len(snaps)]
            sb.restore(snap)
            assert sb.state_hash() == then
        sb.call(name, args)
        assert sb.state_hash() == full_hash(sb), (name, args, move)
    touched = sb.touched()
    full_diff = diff_states(COMPILED.new_sandbox().dump(), sb.dump())
    assert {(c["table"], c["key"]) for c in full_diff} <= {(t, str(k)) for t, keys in touched.items() for k in keys}


def test_a_key_changed_after_a_write_in_the_same_fold_is_counted():
    sb = COMPILED.new_sandbox()
    oid = ORDER_IDS[2]
    assert sb.call("cancel", {"order_id": oid, "fee": 1.0}).ok  # logs oid
    assert sb.call("rekey_order", {"order_id": oid, "new_id": "O-new"}).ok  # then moves it
    assert sb.state_hash() == full_hash(sb)
    assert {oid, "O-new"} <= sb.touched()["orders"]


# ---------------------------------------------------------------- scratch sandboxes and bounded diffs

from gem_env.tools.scratch import diff_vs_gold, scratch_sandbox  # noqa: E402

GOLD = [("cancel", {"order_id": ORDER_IDS[0], "fee": 5.0}),
        ("add", {"order_id": ORDER_IDS[0], "skus": ["a", "b"], "qty": 2})]


def full_diff_vs_gold(seq) -> list:
    gold, conv = COMPILED.new_sandbox(), COMPILED.new_sandbox()
    for name, args in GOLD:
        gold.call(name, args)
    for name, args in seq:
        conv.call(name, args)
    return diff_states(gold.dump(), conv.dump())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls)
def test_bounded_diff_equals_the_full_dump_diff(seq):
    with scratch_sandbox(COMPILED) as conv:
        for name, args in seq:
            conv.call(name, args)
        assert diff_vs_gold(COMPILED, GOLD, conv, COMPILED.tables) == full_diff_vs_gold(seq)


def test_a_scratch_sandbox_comes_back_at_the_template_state():
    initial = COMPILED.new_sandbox()
    with scratch_sandbox(COMPILED) as sb:
        first = sb
        assert sb.call("add", {"order_id": ORDER_IDS[0], "skus": ["x"], "qty": 1}).ok
        assert sb.call("rekey_order", {"order_id": ORDER_IDS[1], "new_id": "O-moved"}).ok
        assert sb.state_hash() != initial.state_hash()
    with scratch_sandbox(COMPILED) as sb:
        assert sb is first  # pooled, not copied again
        assert sb.state_hash() == initial.state_hash() == sb.recomputed_state_hash()
        assert sb.dump() == initial.dump() and sb.log == [] and sb.touched() == {}
    with scratch_sandbox(COMPILED) as a, scratch_sandbox(COMPILED) as b:
        assert a is not b  # in use at once: two copies


def test_only_tables_a_tool_can_write_get_triggers():
    from gem_env.tools.digest import written_tables
    declarative = compile_domain(parse_domain(DOMAIN))
    tools = declarative.tools.values()
    assert written_tables(declarative.tables, [t.steps for t in tools]) == {"orders", "lines"}
    assert written_tables(declarative.tables, [t.steps for t in tools] + [None]) == set(declarative.tables)
    assert written_tables(declarative.tables, [[object()]]) == set(declarative.tables)  # an unknown step kind
    branchy = compile_domain(parse_domain({**BASE, "tools": [tool("maybe_add", [
        {"if": "qty > 0", "then": [{"insert": "lines", "values": {"order_id": "order_id", "sku": "'x'", "qty": "qty"}}],
         "else": []}], [P("order_id"), P("qty", "integer")])]}))
    assert written_tables(branchy.tables, [t.steps for t in branchy.tools.values()]) == {"lines"}
    triggers = {n for (n,) in declarative.new_sandbox().conn.execute(
        "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {"orders", "lines"}


def test_writes_after_a_restore_are_still_counted():
    sb = COMPILED.new_sandbox()
    assert sb.call("cancel", {"order_id": ORDER_IDS[1], "fee": 1.0}).ok
    snap = sb.snapshot()
    sb.restore(snap)
    assert sb.call("add", {"order_id": ORDER_IDS[1], "skus": ["q"], "qty": 1}).ok
    assert sb.call("cancel", {"order_id": ORDER_IDS[1], "fee": 2.0}).ok
    assert sb.state_hash() == full_hash(sb)


def test_the_reused_c_encoder_writes_what_json_dumps_writes():
    """`tables.json_encoder` keeps one C encoder; its text is the ordinary encoder's (compact, and
    spaced as `json.dumps` writes), and what it cannot write raises as json.dumps raises."""
    import datetime as dt
    import json

    import pytest

    from gem_env.tools.tables import compact_json, json_encoder

    fast, plain = compact_json(), json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lenient = compact_json(default=str)
    spaced = json_encoder((", ", ": "))
    values = ["a\"b\n\x01é☃", 1, 1.0, 0.1 + 0.2, 1e300, float("nan"), True, None, "",
              [1, {"a": [None, False]}], {"x": {1: 2, None: 3, 1.5: 4}, "y": {True: 5}}, [], {}]
    for v in values:
        assert fast(v) == plain(v) == lenient(v)
        assert spaced(v) == json.dumps(v, ensure_ascii=False)
    assert lenient({"d": dt.date(2024, 5, 1)}) == '{"d":"2024-05-01"}'
    with pytest.raises(TypeError):
        fast({"d": dt.date(2024, 5, 1)})
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        fast(loop)


def test_warm_opens_the_template_rows_only_for_a_domain_that_writes():
    writes = compile_domain(parse_domain(DOMAIN), python_tools=[rekey_order])
    reads = compile_domain(parse_domain({**BASE, "tools": [tool(
        "get", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}],
        [P("order_id")], "read")]}))
    assert writes.template_rows._conn is None and reads.template_rows._conn is None
    writes.warm(), reads.warm()
    assert writes.template_rows._conn is not None and reads.template_rows._conn is None
    opened = writes.template_rows._conn
    sb = writes.new_sandbox()  # the first fold reads the copy warm() opened, and gets the same digest
    initial = sb.state_hash()
    assert sb.call("cancel", {"order_id": ORDER_IDS[0], "fee": 1}).ok
    assert writes.template_rows._conn is opened
    assert sb.state_hash() == sb.recomputed_state_hash() != initial
