"""Compiled inserts (`tools.insertplan`) answer exactly as the step-by-step path: over random call
sequences on the demo's domains (extracted offline from examples/corpus, as `make demo` does),
every call gives the same ok/error, value and reply text, and the same state,
digest and id counters as with the compiled insert switched off; the compiled insert really
answers; and each way it falls back (a taken id, a false condition, a value its column refuses, a
reply that fails after the row was written) leaves the answer to the steps."""
from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path
from typing import Any

import pytest

from gem_env.tools import compile_domain, load_domain, parse_domain
from gem_env.tools.expr import format_id
from gem_env.tools.seed import id_counters, id_spread
from gem_env.tools.insertplan import InsertHead
from gem_env.tools.plan import plan_for
from gem_env.tools.writeplan import MISS

from test_language import BASE, P, tool
from test_sql_reply import paired_calls
from test_write_plan import Counting, step_by_step

pytestmark = pytest.mark.usefixtures("every_call_runs")  # the executor's own paths: every write runs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_domains(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The domains `gem synthesize examples/corpus` compiles (its extract stage, offline)."""
    from gem_env.cli import main
    out = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["extract", str(ROOT / "examples" / "corpus"), "--out", str(out)]) == 0
    paths = sorted((out / "domains").glob("*.json"))
    assert len(paths) >= 20
    return paths


def insert_heads(compiled: Any) -> dict[str, InsertHead]:
    return {n: plan_for(t).single for n, t in compiled.tools.items()
            if t.steps is not None and isinstance(plan_for(t).single, InsertHead)}


def counters(sb: Any) -> list[tuple]:
    return sb.conn.execute('SELECT prefix, value FROM "_gem_counters" ORDER BY prefix').fetchall()


def test_insert_tools_equal_the_steps_on_the_demo_domains(demo_domains):
    answered: dict[str, int] = {}
    for i, path in enumerate(demo_domains):
        compiled = compile_domain(load_domain(path))
        heads = {n: Counting(h) for n, h in insert_heads(compiled).items()}
        for n, c in heads.items():
            plan_for(compiled.tools[n]).single = c
        fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
        try:
            for name, args, _ in paired_calls(compiled, random.Random(17 + i), 300, step_by_step, (fast, slow)):
                if name in heads:
                    assert fast.state_hash() == slow.state_hash() and counters(fast) == counters(slow), (name, args)
        finally:
            for n, c in heads.items():
                plan_for(compiled.tools[n]).single = c.head
        assert fast.dump() == slow.dump() and counters(fast) == counters(slow)
        assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()
        for n, c in heads.items():
            answered[n] = answered.get(n, 0) + c.answered
    # the tools the gym calls most compile, and answer
    for name in ("create_return", "create_dispute", "request_payment_plan", "request_refill",
                 "transfer_to_human_agent", "book_visit", "start_membership"):
        assert answered.get(name, 0) >= 3, (name, answered)  # a refill only for a visit that took place: fewer answer


NOTES = {"name": "notes", "primary_key": "note_id", "rows": 0,
         "fields": [{"name": "note_id"}, {"name": "order_id", "foreign_key": "orders.order_id"},
                    {"name": "text"}, {"name": "due", "type": "date", "nullable": True},
                    {"name": "kind", "default": "plain"}]}
FIND_ORDER = {"find": "orders", "as": "o", "where": {"order_id": "order_id"}, "error": "no order {order_id}"}
INSERT_NOTE = {"insert": "notes", "as": "n",
               "values": {"note_id": "next_id('NTE-###')", "order_id": "order_id", "text": "text",
                          "due": "add_business_days(today, 3)"}}
NOTE_PARAMS = [P("order_id"), P("text")]


def notes_domain(effect: list[Any], params: list[Any] = NOTE_PARAMS) -> Any:
    return compile_domain(parse_domain({**BASE, "entities": BASE["entities"] + [NOTES],
                                        "tools": [tool("note", effect, params)]}))


def new_id(compiled: Any, args: dict[str, Any], k: int = 1) -> str:
    """The id the k-th candidate of `note(args)` gets: its counter starts where the domain's seed
    puts it and moves on by the call's spread (`seed.id_spread` of its validated arguments)."""
    valid = plan_for(compiled.tools["note"]).arguments(args)
    n = id_counters(compiled.domain, compiled.domain.seed)["NTE-###"] + id_spread("NTE-###", "note", valid)
    return format_id("NTE-###", n + k)


def both(compiled: Any) -> tuple[Any, Any]:
    return compiled.new_sandbox(), compiled.new_sandbox()


def same_call(fast: Any, slow: Any, compiled: Any, args: dict[str, Any]) -> Any:
    a = fast.call("note", args)
    with step_by_step(compiled):
        b = slow.call("note", args)
    assert (a.ok, a.error, a.error_kind, a.value, a.content) == (b.ok, b.error, b.error_kind, b.value, b.content)
    assert fast.dump() == slow.dump() and counters(fast) == counters(slow)
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()
    return a


def an_order(sb: Any, status: str | None = None) -> str:
    return next(k for k, o in sb.dump(["orders"])["orders"].items() if status is None or o["status"] == status)


GUARDED = [FIND_ORDER, {"require": "o.status == 'pending'", "message": "order {o.order_id} is {o.status}"},
           {"require": "count_rows('notes', {order_id: order_id}) == 0", "message": "already noted"},
           INSERT_NOTE, {"return": {"id": "n.note_id", "due": "n.due", "kind": "n.kind", "text": "n.text"}}]


def test_a_guarded_insert_answers_and_refuses_as_the_steps():
    compiled = notes_domain(GUARDED)
    head = insert_heads(compiled)["note"]
    fast, slow = both(compiled)
    pending, delivered = an_order(fast, "pending"), an_order(fast, "delivered")
    ok = same_call(fast, slow, compiled, {"order_id": pending, "text": "hi"})
    assert ok.value == {"id": new_id(compiled, {"order_id": pending, "text": "hi"}), "due": "2025-03-05",
                        "kind": "plain", "text": "hi"}
    assert same_call(fast, slow, compiled, {"order_id": pending, "text": "again"}).error == "already noted"
    assert same_call(fast, slow, compiled, {"order_id": delivered, "text": "x"}).error == f"order {delivered} is delivered"
    assert same_call(fast, slow, compiled, {"order_id": "nope", "text": "x"}).error == "no order nope"
    assert not same_call(fast, slow, compiled, {"order_id": pending}).ok  # validation, before any plan
    assert head.check_sql is not None and "EXISTS" in head.check_sql


def test_a_taken_id_falls_back_to_the_steps_which_skip_it():
    compiled = notes_domain(GUARDED)
    fast, slow = both(compiled)
    pending = an_order(fast, "pending")
    args = {"order_id": pending, "text": "hi"}
    for sb in (fast, slow):  # the next id is taken in another table with a text key
        sb.conn.execute("UPDATE orders SET order_id = ? WHERE order_id = ?", [new_id(compiled, args), an_order(sb, "delivered")])
        sb.recomputed_state_hash()  # (orders has no change log: no tool writes it)
    got, calls = _watched_call(insert_heads(compiled)["note"], fast, slow, compiled, args)
    assert got.value["id"] == new_id(compiled, args, 2) and calls == [MISS]
    spread = id_spread("NTE-###", "note", plan_for(compiled.tools["note"]).arguments(args))
    assert counters(fast) == [("NTE-###", id_counters(compiled.domain, compiled.domain.seed)["NTE-###"] + 2 + spread)]


def test_an_id_taken_in_the_inserted_table_falls_back_to_the_steps_which_skip_it():
    """The read does not look for the new id in the inserted table (its key refuses it there):
    the insert fails, the counter is put back, and the steps skip to the next free id."""
    compiled = notes_domain(GUARDED)
    head = insert_heads(compiled)["note"]
    assert '"notes" WHERE "note_id"' not in head.check_sql and '"orders" WHERE "order_id" = ?' in head.check_sql
    fast, slow = both(compiled)
    pending = an_order(fast, "pending")
    args = {"order_id": pending, "text": "hi"}
    for sb in (fast, slow):
        sb.conn.execute("INSERT INTO notes (note_id, order_id, text, kind) VALUES (?, ?, 'x', 'plain')",
                        [new_id(compiled, args), an_order(sb, "delivered")])
        sb.recomputed_state_hash()
    got, calls = _watched_call(head, fast, slow, compiled, args)
    assert got.value["id"] == new_id(compiled, args, 2) and calls == [MISS]


def _watched_call(head, fast, slow, compiled, args):
    """`same_call` with what the insert head's read answered, each time it ran."""
    calls = []
    real = head.run
    head.run = lambda env, ctx: calls.append(real(env, ctx)) or calls[-1]
    try:
        return same_call(fast, slow, compiled, args), calls
    finally:
        del head.run


def test_a_value_the_column_refuses_is_the_steps_error():
    effect = [FIND_ORDER, {**INSERT_NOTE, "values": {**INSERT_NOTE["values"], "due": "text"}}, {"return": "n"}]
    compiled = notes_domain(effect)
    assert "note" in insert_heads(compiled)
    fast, slow = both(compiled)
    bad = same_call(fast, slow, compiled, {"order_id": an_order(fast), "text": "not a date"})
    assert not bad.ok and "due" in bad.error
    assert same_call(fast, slow, compiled, {"order_id": an_order(fast), "text": "2025-04-01"}).ok


def test_a_reply_that_fails_after_the_write_undoes_it():
    effect = [FIND_ORDER, INSERT_NOTE, {"return": {"id": "n.note_id", "sum": "n.text - 1"}}]
    compiled = notes_domain(effect)
    assert "note" in insert_heads(compiled)
    fast, slow = both(compiled)
    before, counter = fast.state_hash(), counters(fast)
    bad = same_call(fast, slow, compiled, {"order_id": an_order(fast), "text": "x"})
    assert not bad.ok and fast.state_hash() == before and counters(fast) == counter  # not moved on


def test_an_integer_key_made_by_sqlite_is_the_reply():
    effect = [FIND_ORDER, {"insert": "lines", "as": "l", "values": {"order_id": "order_id", "sku": "'A'", "qty": "qty"}},
              {"return": "l"}]
    compiled = compile_domain(parse_domain({**BASE, "tools": [tool("note", effect, [P("order_id"), P("qty", "integer")])]}))
    assert "note" in insert_heads(compiled)
    fast, slow = both(compiled)
    order = an_order(fast)
    assert same_call(fast, slow, compiled, {"order_id": order, "qty": 2}).value["line_id"] == 1
    assert same_call(fast, slow, compiled, {"order_id": order, "qty": 3}).value["line_id"] == 2


@pytest.mark.parametrize("effect", [
    # a key from the arguments, a key SQLite makes: an insert alone with no id counter
    [FIND_ORDER, {**INSERT_NOTE, "values": {**INSERT_NOTE["values"], "note_id": "text"}}, {"return": {"id": "n.note_id"}}],
    [FIND_ORDER, {"insert": "lines", "as": "l", "values": {"order_id": "order_id", "sku": "text", "qty": "2"}},
     {"return": {"line": "l.line_id", "sku": "l.sku"}}],
])
def test_an_insert_alone_without_an_id_counter_answers_as_the_steps(effect):
    compiled = notes_domain(effect)
    head = insert_heads(compiled)["note"]
    assert head.alone and head.pattern is None
    fast, slow = both(compiled)
    order = an_order(fast)
    assert same_call(fast, slow, compiled, {"order_id": order, "text": "N-1"}).ok
    assert same_call(fast, slow, compiled, {"order_id": order, "text": "N-2"}).ok
    same_call(fast, slow, compiled, {"order_id": order, "text": "N-1"})  # a taken key (the first's): the steps' error
    same_call(fast, slow, compiled, {"order_id": "nope", "text": "N-3"})


FIND_CUSTOMER = {"find": "customers", "as": "c", "where": {"customer_id": "o.customer_id"}}
READ_LATER = [
    [FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE, {"return": {"id": "n.note_id", "email": "c.email", "o": "o"}}],
    [FIND_ORDER, {**INSERT_NOTE, "values": {**INSERT_NOTE["values"], "text": "o.status + ' ' + text"}}, {"return": "n"}],
    [FIND_ORDER, FIND_CUSTOMER, {"require": "c.vip", "message": "{c.email} is not vip"}, INSERT_NOTE, {"return": "n"}],
    # updates of found rows before the insert, which reads them as updated
    [FIND_ORDER, FIND_CUSTOMER, {"update": "orders", "row": "o", "set": {"status": "'noted'", "total": "o.total + 1"}},
     {"update": "customers", "row": "c", "set": {"vip": "not c.vip"}},
     {**INSERT_NOTE, "values": {**INSERT_NOTE["values"], "text": "o.status + ' ' + text"}},
     {"return": {"n": "n", "total": "o.total", "vip": "c.vip"}}],
]


@pytest.mark.parametrize("effect, compiled_insert", [
    (GUARDED, True),
    ([INSERT_NOTE, {"return": "n.note_id"}], True),  # no find: the insert alone
    ([FIND_ORDER, {"find": "customers", "as": "c", "where": {"customer_id": "o.customer_id"}}, INSERT_NOTE], True),
    # rows read after the read: a second find's in the reply, the first's in a value, a require on the second's
    (READ_LATER[0], True), (READ_LATER[1], True), (READ_LATER[2], True), (READ_LATER[3], True),
    # a row read of a find that may match many rows
    ([FIND_ORDER, {"find": "lines", "as": "l", "where": {"order_id": "o.order_id"}}, INSERT_NOTE,
      {"return": "l.sku"}], False),
    # a find that may match many rows
    ([{"find": "orders", "as": "o", "where": {"status": "text"}}, INSERT_NOTE], False),
    # next_id before the insert writes: never evaluated before the statement
    ([FIND_ORDER, {"require": "next_id('X-') != ''", "message": "m"}, INSERT_NOTE], False),
    # two new ids
    ([FIND_ORDER, {**INSERT_NOTE, "values": {**INSERT_NOTE["values"], "text": "next_id('T-')"}}], False),
    # a step after the insert other than its return
    ([FIND_ORDER, INSERT_NOTE, {"let": {"x": "1"}}, {"return": "x"}], False),
    # a require the read does not translate: run in Python on the row it read
    ([FIND_ORDER, {"require": "len(o.status) > 3", "message": "short"}, INSERT_NOTE], True),
])
def test_which_shapes_compile_to_an_insert_plan(effect, compiled_insert):
    assert ("note" in insert_heads(notes_domain(effect))) == compiled_insert


AGED = [FIND_ORDER, {"require": "days_between(o.placed, today) <= 400", "message": "placed {o.placed}: too old"},
        {"require": "o.total > 50 and len(o.status) > 3", "message": "small"}, INSERT_NOTE,
        {"return": {"id": "n.note_id", "at": "today"}}]


def test_a_require_run_on_the_read_row_answers_as_the_steps():
    compiled = notes_domain(AGED)
    head = insert_heads(compiled)["note"]
    assert len(head.checks) == 2 and head.reads == {"o": {"placed", "total", "status"}}
    fast, slow = both(compiled)
    outcomes = set()
    for order in fast.dump(["orders"])["orders"]:
        outcomes.add(same_call(fast, slow, compiled, {"order_id": order, "text": "t"}).ok)
    assert outcomes == {True, False}


def test_every_compiled_shape_answers_as_the_steps():
    for effect in (GUARDED, AGED, *READ_LATER, [INSERT_NOTE, {"return": "n.note_id"}],
                   [FIND_ORDER, {"find": "customers", "as": "c", "where": {"customer_id": "o.customer_id"}}, INSERT_NOTE]):
        compiled = notes_domain(effect)
        fast, slow = both(compiled)
        for order in [an_order(fast, "pending"), an_order(fast, "delivered"), "nope", an_order(fast, "pending")]:
            same_call(fast, slow, compiled, {"order_id": order, "text": "t"})


def statements(sb: Any, call: Any) -> list[str]:
    seen: list[str] = []  # a trigger's program repeats its statement's text: kept once
    sb.conn.set_trace_callback(lambda sql: seen.append(sql) if not seen or seen[-1] != sql else None)
    try:
        call()
    finally:
        sb.conn.set_trace_callback(None)
    return [s.split()[0] for s in seen]


def test_an_insert_alone_is_one_read_the_counters_move_and_the_insert():
    compiled = notes_domain(GUARDED)
    sb = compiled.new_sandbox()
    sb.conn.execute("DELETE FROM _gem_counters")  # no counter yet (the template seeds one) ...
    sb.id_hints.clear()                           # ... nor the sandbox's guess of it
    pending = [k for k, o in sb.dump(["orders"])["orders"].items() if o["status"] == "pending"]
    assert statements(sb, lambda: sb.call("note", {"order_id": pending[0], "text": "a"})) == [
        "SELECT", "INSERT", "INSERT"]  # the counter made, the row
    assert statements(sb, lambda: sb.call("note", {"order_id": pending[1], "text": "b"})) == [
        "SELECT", "UPDATE", "INSERT"]  # the counter moved on, the row
    first = 1 + id_spread("NTE-###", "note", plan_for(compiled.tools["note"]).arguments({"order_id": pending[0], "text": "a"}))
    second = first + 1 + id_spread("NTE-###", "note", plan_for(compiled.tools["note"]).arguments({"order_id": pending[1], "text": "b"}))
    assert [r["note_id"] for r in sb.dump(["notes"])["notes"].values()] == [format_id("NTE-###", first),
                                                                           format_id("NTE-###", second)]


def test_an_insert_with_other_writes_is_one_read_and_its_writes_in_a_savepoint():
    compiled = notes_domain(READ_LATER[3])
    sb = compiled.new_sandbox()
    order = an_order(sb)
    assert statements(sb, lambda: sb.call("note", {"order_id": order, "text": "a"})) == [
        "SELECT", "SAVEPOINT", "UPDATE", "UPDATE", "INSERT", "UPDATE", "RELEASE"]
    compiled = notes_domain([FIND_ORDER, INSERT_NOTE, {"return": {"id": "n.note_id", "sum": "n.text + '!'"}}])
    sb = compiled.new_sandbox()  # a reply that may fail after the row is written: in the savepoint too
    order = an_order(sb)
    assert statements(sb, lambda: sb.call("note", {"order_id": order, "text": "a"})) == [
        "SELECT", "SAVEPOINT", "INSERT", "UPDATE", "RELEASE"]


@pytest.mark.parametrize("made", [False, True])
def test_an_insert_alone_that_the_table_refuses_puts_the_counter_back(made):
    """The counter moves before the insert; when the insert fails (an order that does not exist:
    the foreign key), the counter is put back (made: the counter's row taken away), the steps answer
    with their error, and state, digest and counters are the steps' (which wrote nothing)."""
    compiled = notes_domain([INSERT_NOTE, {"return": {"id": "n.note_id"}}])
    fast, slow = both(compiled)
    if made:
        for sb in (fast, slow):
            sb.conn.execute("DELETE FROM _gem_counters")
        fast.id_hints.clear()
    before = counters(fast)
    order = "nope"
    seen: list[Any] = []
    assert statements(fast, lambda: seen.append(fast.call("note", {"order_id": order, "text": "t"})))[:4] == [
        "SELECT", "INSERT" if made else "UPDATE", "INSERT", "DELETE" if made else "UPDATE"]
    with step_by_step(compiled):
        b = slow.call("note", {"order_id": order, "text": "t"})
    a = seen[0]
    assert not a.ok and (a.error, a.error_kind) == (b.error, b.error_kind) and "constraint" in a.error
    assert fast.dump() == slow.dump() and counters(fast) == counters(slow) == before
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()


EMAILED = [FIND_ORDER, FIND_CUSTOMER, {"require": "c.email != text", "message": "{c.email} wrote it"},
           INSERT_NOTE, {"return": {"id": "n.note_id"}}]


def test_a_require_on_another_finds_row_is_inside_its_exists():
    """A require on the second find's row (of another table) goes inside that find's EXISTS: the
    row is not read for it, and the answers are the steps'."""
    compiled = notes_domain(EMAILED)
    head = insert_heads(compiled)["note"]
    assert head.checks == [] and "c" not in head.reads
    assert 'EXISTS (SELECT 1 FROM "customers" WHERE "customer_id" = "orders"."customer_id" AND "email" IS NOT' in head.check_sql
    fast, slow = both(compiled)
    emails = {c["customer_id"]: c["email"] for c in fast.dump(["customers"])["customers"].values()}
    outcomes = set()
    for order in list(fast.dump(["orders"])["orders"].values())[:4]:
        for text in (emails[order["customer_id"]], "someone else"):
            outcomes.add(same_call(fast, slow, compiled, {"order_id": order["order_id"], "text": text}).ok)
    assert outcomes == {True, False}


def test_a_wrong_guess_of_the_counter_is_read_again():
    compiled = notes_domain(GUARDED)
    fast, slow = both(compiled)
    pending = [k for k, o in fast.dump(["orders"])["orders"].items() if o["status"] == "pending"]
    calls = [{"order_id": pending[i], "text": t} for i, t in enumerate("abcd")]
    spread = [id_spread("NTE-###", "note", plan_for(compiled.tools["note"]).arguments(a)) for a in calls]
    same_call(fast, slow, compiled, calls[0])  # guesses the counter it left next time
    for sb in (fast, slow):
        sb.conn.execute("UPDATE _gem_counters SET value = 6")
    assert same_call(fast, slow, compiled, calls[1]).value["id"] == format_id("NTE-###", 7 + spread[1])
    guessed = format_id("NTE-###", 7 + spread[1] + 1 + spread[2])
    for sb in (fast, slow):  # the guessed id is taken, the counter's is free: refused, then read again
        sb.conn.execute("UPDATE _gem_counters SET value = 900")
        sb.conn.execute("UPDATE orders SET order_id = ? WHERE order_id = ?", [guessed, an_order(sb, "delivered")])
        sb.recomputed_state_hash()  # (orders has no change log: no tool writes it)
    third = 900 + 1 + spread[2]
    assert same_call(fast, slow, compiled, calls[2]).value["id"] == format_id("NTE-###", third)
    fast.checkpoint()
    same_call(fast, slow, compiled, calls[3])
    fast.rewind()  # the counter back at the third's, the guess forgotten
    assert fast.call("note", calls[3]).value["id"] == format_id("NTE-###", third + 1 + spread[3])


def test_updates_of_found_rows_before_the_insert_answer_as_the_steps(demo_domains):
    """`transfer_funds` (two finds in one table, requires on both rows, an update of each, the
    insert reading them, a reply of the updated rows): over pairs of accounts and amounts."""
    answered = 0
    for path in demo_domains:
        compiled = compile_domain(load_domain(path))
        heads = insert_heads(compiled)
        if "transfer_funds" not in heads:
            continue
        head = plan_for(compiled.tools["transfer_funds"]).single = Counting(heads["transfer_funds"])
        fast, slow = both(compiled)
        try:
            accounts = sorted(fast.dump(["accounts"])["accounts"])[:12]
            for i, source in enumerate(accounts):
                for destination in accounts[i % 3::4]:
                    for amount in (1, 50.5, 10 ** 6):
                        args = {"source_account_id": source, "destination_account_id": destination, "amount": amount}
                        a = fast.call("transfer_funds", args)
                        with step_by_step(compiled):
                            b = slow.call("transfer_funds", args)
                        assert (a.ok, a.error, a.value, a.content) == (b.ok, b.error, b.value, b.content), args
                        assert fast.state_hash() == slow.state_hash() and counters(fast) == counters(slow), args
        finally:
            plan_for(compiled.tools["transfer_funds"]).single = head.head
        assert fast.dump() == slow.dump() and fast.state_hash() == fast.recomputed_state_hash()
        answered += head.answered
    assert answered >= 10, answered


def test_the_first_insert_of_an_episode_guesses_the_templates_counter():
    """One read, not two: the template's counter (where the domain's seed puts it) is the guess of a
    new sandbox and of a rewind to the template."""
    compiled = notes_domain(GUARDED)
    sb = compiled.new_sandbox()
    sb.checkpoint()
    pending = [k for k, o in sb.dump(["orders"])["orders"].items() if o["status"] == "pending"]
    for _ in range(2):
        assert statements(sb, lambda: sb.call("note", {"order_id": pending[0], "text": "a"})) == [
            "SELECT", "UPDATE", "INSERT"]
        assert sb.dump(["notes"])["notes"].keys() >= {new_id(compiled, {"order_id": pending[0], "text": "a"})}
        sb.rewind()
