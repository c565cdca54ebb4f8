"""SQL-built replies (`tools.reply`) answer exactly as the interpreter: over random call sequences
on the example domains (and the τ-bench retail data when ../shared has it), every call gives the
same ok/error, the same value, the same reply text and the same state as with the statement
switched off."""
from __future__ import annotations

import random
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from unittest import mock

import pytest

from gem_env.tools import compile_domain, load_domain
from gem_env.tools.loopplan import SetLoop
from gem_env.tools.plan import plan_for
from gem_env.tools.reply import compile_reply

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = sorted((ROOT / "examples" / "domains").glob("*.yaml"))
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")
"""../shared beside the project (or beside the folder of worktrees it sits in)."""


@contextmanager
def interpreted(compiled: Any) -> Iterator[None]:
    """Every tool of `compiled` without its SQL reply (nor a compiled write, which may build one,
    nor the reply run alone for a read, nor a set-based loop), for the duration."""
    plans = [plan_for(t) for t in compiled.tools.values() if t.steps is not None]
    saved = [(p.reply, p.single, p.write, p.read) for p in plans]
    for p in plans:
        p.reply = p.single = p.write = p.read = None
    try:
        with mock.patch.object(SetLoop, "__call__", lambda self, env, ctx: self.loop.run(env, ctx)):
            yield
    finally:
        for p, (reply, single, write, read) in zip(plans, saved):
            p.reply, p.single, p.write, p.read = reply, single, write, read


def value_pool(compiled: Any) -> dict[str, list[Any]]:
    """Column name → values seen in the template, to build arguments that hit rows."""
    pool: dict[str, list[Any]] = {}
    for rows in compiled.new_sandbox().dump().values():
        for row in list(rows.values())[:60]:
            for k, v in row.items():
                if v is not None and not isinstance(v, (dict, list)):
                    pool.setdefault(k, []).append(v)
    return pool


def arguments(rng: random.Random, spec: Any, pool: dict[str, list[Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in spec.parameters:
        if p.enum:
            out[p.name] = rng.choice(p.enum)
        elif p.type == "array":
            out[p.name] = rng.sample(pool.get(p.items.name if p.items else "", ["x"]) or ["x"], 1)
        elif p.name in pool and rng.random() < 0.85:
            out[p.name] = rng.choice(pool[p.name])
        else:
            out[p.name] = {"integer": rng.randint(-2, 5), "number": rng.choice([0, 12.5, 1e9]),
                           "boolean": rng.random() < 0.5}.get(p.type, rng.choice(["", "nope", "Ünïcode \"q\"\n"]))
        if not p.required and rng.random() < 0.2:
            out.pop(p.name)
    return out


def paired_calls(compiled: Any, rng: random.Random, calls: int, slow_path: Any,
                 pair: tuple[Any, Any]) -> Iterator[tuple[str, dict, Any]]:
    """`calls` random calls made on both sandboxes of `pair`, the second inside `slow_path(compiled)`,
    each pair of results asserted equal (outcome, value, reply text); yields (tool, args, result)."""
    pool = value_pool(compiled)
    names = sorted(n for n, t in compiled.tools.items() if t.steps is not None)
    fast, slow = pair
    for _ in range(calls):
        name = rng.choice(names)
        args = arguments(rng, compiled.tools[name].spec, pool)
        a = fast.call(name, args)
        with slow_path(compiled):
            b = slow.call(name, args)
        assert (a.ok, a.error, a.error_kind) == (b.ok, b.error, b.error_kind), (name, args)
        assert a.value == b.value and a.content == b.content, (name, args)
        yield name, args, a


def check_sequence(compiled: Any, calls: int, seed: int) -> int:
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    answered = 0
    ok_calls: dict[str, int] = {}
    built: dict[str, int] = {}
    for name, _, a in paired_calls(compiled, random.Random(seed), calls, interpreted, (fast, slow)):
        answered += a.ok and a._text is not None
        ok_calls[name] = ok_calls.get(name, 0) + a.ok
        built[name] = built.get(name, 0) + (a.ok and a._text is not None)
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()
    silent = [n for n, k in ok_calls.items() if k >= 3 and not built[n] and plan_for(compiled.tools[n]).reply]
    assert not silent, f"statements that never answered (an SQL error falls back silently): {silent}"
    return answered


@pytest.mark.parametrize("path", DOMAINS, ids=[p.stem for p in DOMAINS])
def test_sql_replies_equal_the_interpreter_on_example_domains(path):
    compiled = compile_domain(load_domain(path))
    check_sequence(compiled, calls=400, seed=7)


def test_sql_replies_equal_the_interpreter_on_taubench_retail():
    from gem_env.importers.taubench import RETAIL_DATA, load_retail
    data = SHARED / RETAIL_DATA
    if not data.exists():
        pytest.skip(f"τ-bench data not found at {data} (../shared is absent on this machine)")
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"), data=load_retail(data))
    assert check_sequence(compiled, calls=1500, seed=3) > 300  # the statement answered many of them


def test_sql_replies_equal_the_interpreter_on_extracted_domains(tmp_path):
    """The domains `gem extract` makes from the example corpus (finds + returns of every shape it
    writes: comprehensions over found rows, filters, projections)."""
    import contextlib
    import io
    import json
    from gem_env.cli import main
    from gem_env.tools import parse_domain
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["extract", str(ROOT / "examples" / "corpus"), "--out", str(tmp_path / "run")]) == 0
    answered = 0
    for i, path in enumerate(sorted((tmp_path / "run" / "domains").glob("*.json"))):
        compiled = compile_domain(parse_domain(json.loads(path.read_text())))
        answered += check_sequence(compiled, calls=120, seed=i)
    assert answered > 200


def test_the_retail_reads_are_built_in_sql():
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"))
    built = {n for n, t in compiled.tools.items() if t.steps and compile_reply(t.steps)}
    assert {"get_user_details", "get_order_details", "get_product_details", "modify_user_address",
            "cancel_pending_order"} <= built


def test_a_reply_recorded_with_other_spacing_still_matches_but_another_value_does_not():
    from gem_env.tools.sandbox import same_reply
    assert same_reply('{"a": 1, "b": [true, null]}', '{"a":1,"b":[true,null]}')
    assert not same_reply('{"a": 2, "b": [true, null]}', '{"a":1,"b":[true,null]}')
    assert not same_reply("not json", '{"a":1}') and same_reply("plain text", "plain text")


def test_a_row_looked_up_by_a_found_rows_key_is_built_in_sql_and_a_missing_one_answers_as_the_interpreter():
    """``project(lookup('titles', loan.title_id), [...])`` in a reply (a loan's title, a booking's
    flight) is a subquery of the statement; with no such row the interpreter's own error comes back."""
    from gem_env.tools import parse_domain
    compiled = compile_domain(parse_domain({
        "name": "lib", "clock": "2025-03-01T10:00:00",
        "entities": [
            {"name": "titles", "primary_key": "title_id", "rows": 4,
             "fields": [{"name": "title_id"}, {"name": "name"}, {"name": "copies", "type": "integer"},
                        {"name": "tags", "type": "json", "default": []}, {"name": "rare", "type": "boolean"}]},
            {"name": "loans", "primary_key": "loan_id", "rows": 6,
             "fields": [{"name": "loan_id"}, {"name": "title_id", "foreign_key": "titles.title_id"},
                        {"name": "status", "values": ["active", "returned"]}]}],
        "tools": [{"name": "get_loan", "kind": "read", "parameters": [{"name": "loan_id", "type": "string"}],
                   "effect": [{"find": "loans", "as": "loan", "where": {"loan_id": "loan_id"}},
                              {"return": {"loan_id": "loan.loan_id", "status": "loan.status",
                                          "title": "project(lookup('titles', loan.title_id), "
                                                   "['title_id', 'name', 'copies', 'tags', 'rare'])"}}]}]}))
    assert plan_for(compiled.tools["get_loan"]).reply is not None
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    loans = sorted(fast.dump(["loans"])["loans"])
    for loan_id in loans:
        a = fast.call("get_loan", {"loan_id": loan_id})
        with interpreted(compiled):
            b = slow.call("get_loan", {"loan_id": loan_id})
        assert a.ok and a._text is not None and (a.value, a.content) == (b.value, b.content)
        assert a.value["title"]["title_id"] == fast.lookup("loans", loan_id)["title_id"]
    for sb in (fast, slow):  # a loan whose title is gone (the key checks set aside to make one)
        sb.conn.execute("PRAGMA foreign_keys = OFF")
        sb.conn.execute('UPDATE "loans" SET "title_id" = ? WHERE "loan_id" = ?', ["T-missing", loans[0]])
    a = fast.call("get_loan", {"loan_id": loans[0]})
    with interpreted(compiled):
        b = slow.call("get_loan", {"loan_id": loans[0]})
    assert not a.ok and (a.error, a.error_kind) == (b.error, b.error_kind)
