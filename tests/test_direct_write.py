"""A one-statement write run straight from its raw arguments (`WriteHead.direct`) answers exactly
as the general path (arguments validated into the call's names, the statement's closures, the steps
when it writes nothing): over random call sequences on the example domains (and the τ-bench retail
data when ../shared has it) every call gives the same ok/error, value and reply text, and the same
state and digest; what it does not take (arguments it is unsure of, no row written, text that is
not a JSON object) goes the general way and says what the general path says. The direct run is
the executor's path where every call runs, so these run with the write memo off (`tools.write_memo`,
which validates the arguments to key what it remembers)."""
from __future__ import annotations

import json
import random
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from gem_env.tools import compile_domain, load_domain
from gem_env.tools.plan import plan_for
from gem_env.tools.tables import _JSON_TEXT
from gem_env.tools.writeplan import _object_text, _reader

from test_sql_reply import paired_calls

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = sorted((ROOT / "examples" / "domains").glob("*.yaml"))
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")
RETAIL = ROOT / "examples" / "domains" / "tau_retail.yaml"


pytestmark = pytest.mark.usefixtures("every_call_runs")  # the executor's own paths: every write runs


def heads(compiled: Any) -> list[Any]:
    return [plan_for(t).single for t in compiled.tools.values()
            if t.steps is not None and plan_for(t).single is not None]


@contextmanager
def general(compiled: Any) -> Iterator[None]:
    """Every one-statement write of `compiled` without its direct run, for the duration."""
    saved = [(h, h.__dict__.get("direct")) for h in heads(compiled)]
    for h, _ in saved:
        h.direct = None
    try:
        yield
    finally:
        for h, d in saved:
            if d is None:
                h.__dict__.pop("direct", None)
            else:
                h.direct = d


@contextmanager
def counted(compiled: Any) -> Iterator[dict[str, int]]:
    """{tool: calls its direct run answered}, for the duration."""
    counts: dict[str, int] = {}
    saved = []
    for name, t in compiled.tools.items():
        head = plan_for(t).single if t.steps is not None else None
        if head is None or head.direct is None:
            continue
        saved.append((head, head.direct))

        def count(raw: Any, ctx: Any, run: Any = head.direct, name: str = name) -> Any:
            out = run(raw, ctx)
            counts[name] = counts.get(name, 0) + (out is not None)
            return out
        head.direct = count
    try:
        yield counts
    finally:
        for head, run in saved:
            head.direct = run


def check_sequence(compiled: Any, calls: int, seed: int) -> dict[str, int]:
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    with counted(compiled) as counts:
        for name, args, _ in paired_calls(compiled, random.Random(seed), calls, general, (fast, slow)):
            assert fast.state_hash() == slow.state_hash(), (name, args)
    assert fast.dump() == slow.dump()
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()
    assert (fast.version, fast.versions) == (slow.version, slow.versions)  # one history, one read-cache key
    return counts


@pytest.mark.parametrize("path", DOMAINS, ids=[p.stem for p in DOMAINS])
def test_direct_writes_equal_the_general_path_on_example_domains(path):
    check_sequence(compile_domain(load_domain(path)), calls=400, seed=13)


def test_direct_writes_equal_the_general_path_on_taubench_retail():
    from gem_env.importers.taubench import RETAIL_DATA, load_retail
    data = SHARED / RETAIL_DATA
    if not data.exists():
        pytest.skip(f"τ-bench data not found at {data} (../shared is absent on this machine)")
    compiled = compile_domain(load_domain(RETAIL), data=load_retail(data))
    counts = check_sequence(compiled, calls=1500, seed=3)
    assert counts.get("modify_user_address", 0) >= 20 and counts.get("modify_pending_order_address", 0) >= 3, counts


def test_the_retail_user_address_write_runs_direct_and_its_fallbacks_answer_as_the_general_path():
    compiled = compile_domain(load_domain(RETAIL))
    assert plan_for(compiled.tools["modify_user_address"]).single.direct is not None
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    user = next(iter(fast.dump(["users"])["users"]))
    good = {"user_id": user, "address1": "1 Main St", "address2": "", "city": "Äustin \"q\"\n\x01",
            "state": "TX", "country": "USA", "zip": "73301"}
    cases = [
        good,
        json.dumps(good),                               # JSON text, as a model writes it: direct too
        {**good, "user_id": "nobody"},                  # no row written: the steps' error
        {**good, "zip": 73301},                         # not sure of the arguments: pydantic says why
        {**good, "extra": 1},
        {k: v for k, v in good.items() if k != "city"},
        '"not an object"', "{not json", "", "[]",
    ]
    with counted(compiled) as counts:
        for args in cases:
            a = fast.call("modify_user_address", args)
            with general(compiled):
                b = slow.call("modify_user_address", args)
            assert (a.ok, a.error, a.error_kind, a.content) == (b.ok, b.error, b.error_kind, b.content), args
    assert counts == {"modify_user_address": 2}
    assert fast.log == slow.log and fast.dump() == slow.dump() and fast.versions == slow.versions
    assert fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()


@pytest.mark.parametrize("value", ["", "plain", "Ünïcode", "quote \" back \\ slash", "ctl \n\t\r\b\f\x00\x1f\x7f",
                                   "emoji 🎉", "</script>"])
def test_an_object_of_names_is_written_as_the_json_column_encoder_writes_it(value):
    read = _reader({"a": "x", "b c": "y", "ü": "x"})
    text = _object_text(read)
    env = {"x": value, "y": value[::-1]}
    assert text(env) == _JSON_TEXT(read(env, None))
    assert text({"x": 1, "y": "s"}) is None and text({"x": None, "y": "s"}) is None  # encoded as usual
    assert _object_text(_reader({"a": "'const'"})) is None  # not an object of names only


@pytest.mark.parametrize("guard, binds_constant", [
    ("o.status == 'pending'", True),   # a constant of the field's kind: bound once, not per call
    ("o.status != 'pending'", True),
    ("o.status == 5", False),          # another kind: evaluated per call, the steps answer
    ("o.total == 12.5", True),
    ("o.total == true", False),
])
def test_a_constant_guard_answers_as_the_steps_do(guard, binds_constant):
    from gem_env.tools import parse_domain
    from test_language import BASE, P, tool
    from test_write_plan import step_by_step
    effect = [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}, "error": "no order {order_id}"},
              {"require": guard, "message": "refused: {o.status}"},
              {"update": "orders", "row": "o", "set": {"status": "status"}},
              {"return": {"id": "o.order_id", "status": "o.status", "total": "o.total"}}]
    compiled = compile_domain(parse_domain({**BASE, "tools": [tool("w", effect, [P("order_id"), P("status")])]}))
    head = plan_for(compiled.tools["w"]).single
    assert head is not None and (head.direct is not None) == binds_constant
    fast, slow = compiled.new_sandbox(), compiled.new_sandbox()
    keys = sorted(fast.dump(["orders"])["orders"])
    for key in keys + ["nope"]:
        for status in ("pending", "delivered"):
            a = fast.call("w", {"order_id": key, "status": status})
            with step_by_step(compiled):
                b = slow.call("w", {"order_id": key, "status": status})
            assert (a.ok, a.error, a.content) == (b.ok, b.error, b.content), (guard, key, status)
    assert fast.dump() == slow.dump() and fast.state_hash() == slow.state_hash() == fast.recomputed_state_hash()
