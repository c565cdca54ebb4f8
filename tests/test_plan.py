"""Compiled tool plans behave exactly as the interpreter: the same validated arguments or the same
errors, the same results, and steps the plan compiler does not know still run."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gem_env.tools import compile_domain, parse_domain
from gem_env.tools import effects as fx
from gem_env.tools.plan import Plan, _argument_check, plan_for

from test_language import BASE, P, tool

PARAMS = [P("s"), P("i", "integer"), P("n", "number", required=False, default=1.5), P("b", "boolean", required=False),
          P("e", enum=["x", "y"], required=False, default="x")]
DOMAIN = {**BASE, "tools": [
    tool("echo", [{"return": {"s": "s", "i": "i", "n": "n", "b": "b", "e": "e"}}], PARAMS, "read"),
    tool("orders_of", [{"find": "orders", "as": "os", "many": True, "where": {"customer_id": "who"}},
                       {"return": "os.order_id"}], [P("who", required=False)], "read"),
    tool("by_ids", [{"find": "orders", "as": "os", "many": True, "where": {"order_id": "ids"}},
                    {"return": "os.order_id"}], [P("ids", "array", items=P("x"))], "read"),
]}
COMPILED = compile_domain(parse_domain(DOMAIN))
CHECK = _argument_check(COMPILED.tools["echo"].spec.parameters)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=32),
                   st.sampled_from(["x", "y", "z", ""]), st.lists(st.integers(), max_size=2))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["s", "i", "n", "b", "e", "extra"]), VALUES, max_size=6))
def test_the_compiled_argument_check_agrees_with_the_model(raw):
    model = COMPILED.tools["echo"].validator
    try:
        expected = model.model_validate(raw).__dict__
    except ValidationError:
        expected = None
    fast = CHECK(raw)
    assert fast is None or fast == expected  # never accepts what the model refuses, never differs
    if fast is not None:
        assert {k: type(v) for k, v in fast.items()} == {k: type(v) for k, v in expected.items()}
    got = Plan(COMPILED.tools["echo"])
    if expected is None:
        with pytest.raises(ValidationError):
            got.arguments(raw)
    else:
        assert got.arguments(raw) == expected


def test_plain_arguments_take_the_fast_path():
    assert CHECK({"s": "a", "i": 3}) == {"s": "a", "i": 3, "n": 1.5, "b": None, "e": "x"}
    assert CHECK({"s": "a", "i": True}) is None  # a bool is not an integer: pydantic says so
    assert _argument_check(COMPILED.tools["by_ids"].spec.parameters) is None  # arrays: pydantic decides


def test_finds_with_null_and_list_values_take_the_general_shapes():
    sb = COMPILED.new_sandbox()
    orders = sb.dump(["orders"])["orders"]
    some = sorted(orders)[:3]
    assert sb.call("by_ids", {"ids": some}).value == some
    assert sb.call("orders_of", {}).value == []  # where customer_id IS NULL
    cid = orders[some[0]]["customer_id"]
    assert sb.call("orders_of", {"who": cid}).value == sorted(k for k, o in orders.items() if o["customer_id"] == cid)


def test_a_find_with_an_unknown_option_and_unknown_steps_run_interpreted():
    plan = plan_for(COMPILED.tools["orders_of"])
    assert plan.compiled_steps == 1
    find = COMPILED.tools["orders_of"].steps[0]
    find.new_option = True  # what a newer Find might carry
    try:
        fresh = Plan(COMPILED.tools["orders_of"])
        assert fresh.compiled_steps == 0 and fresh.steps[0] == find.run
    finally:
        del find.new_option

    class Shout:  # a step kind this module has never seen
        def run(self, env, ctx):
            env["os"] = env["os"] + [{"order_id": "shouted"}]
    spec = COMPILED.tools["orders_of"]
    steps = [spec.steps[0], Shout(), *spec.steps[1:]]
    custom = Plan(type(spec)(spec=spec.spec, validator=spec.validator, steps=steps))
    env = {"who": None}
    assert custom.run(env, COMPILED.new_sandbox()) == ["shouted"]
    assert isinstance(steps[0], fx.Find)
