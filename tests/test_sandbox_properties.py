"""Property tests: random tool calls never raise, and a failed call never changes state;
the template database is identical across processes."""
from __future__ import annotations

import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gem_env.tools import compile_domain, parse_domain

from test_language import BASE, P, tool

DOMAIN = {**BASE, "tools": [
    tool("get", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}],
         [P("order_id")], "read"),
    tool("cancel", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                    {"require": "o.status == 'pending'", "message": "not pending"},
                    {"update": "orders", "row": "o", "set": {"status": "'cancelled'", "total": "o.total - fee"}},
                    {"require": "o.total >= 0", "message": "fee too high"}],
         [P("order_id"), P("fee", "number")]),
    tool("add", [{"for_each": "skus", "as": "s",
                  "do": [{"insert": "lines", "values": {"order_id": "order_id", "sku": "s", "qty": "qty"}}]}],
         [P("order_id"), P("skus", "array", items=P("s")), P("qty", "integer")]),
]}
COMPILED = compile_domain(parse_domain(DOMAIN))
ORDER_IDS = sorted(COMPILED.new_sandbox().dump(["orders"])["orders"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
order_ids = st.sampled_from(ORDER_IDS) | st.text(max_size=10)
arguments = st.one_of(
    st.fixed_dictionaries({"order_id": order_ids, "fee": st.floats(-50, 200) | json_values}),
    st.fixed_dictionaries({"order_id": order_ids, "skus": st.lists(st.text(max_size=4), max_size=3) | json_values,
                           "qty": st.integers(-3, 3) | json_values}),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    json_values, st.text(max_size=20),
)
calls = st.lists(st.tuples(st.sampled_from(["get", "cancel", "add", "missing", ""]), arguments), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls)
def test_random_calls_never_raise_and_failures_change_nothing(seq):
    sb = COMPILED.new_sandbox()
    for name, args in seq:
        before = sb.state_hash()
        result = sb.call(name, args)
        assert result.ok or isinstance(result.error, str)
        if not result.ok:
            assert sb.state_hash() == before, (name, args, result.error)
        assert result.content  # always serialisable for the agent
    assert len(sb.log) == len(seq)
    assert sb.state_hash() == sb.recomputed_state_hash()  # the incremental digest is the full one


SCRIPT = """
import sys
from gem_env.tools import compile_domain, load_domain
c = compile_domain(load_domain(sys.argv[1]))
print(c.new_sandbox().state_hash())
"""


def test_template_is_identical_across_processes(tmp_path):
    import json
    path = tmp_path / "d.json"
    path.write_text(json.dumps(DOMAIN))
    hashes = {subprocess.run([sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True,
                             check=True, env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout
              for seed in (1, 2)}
    assert len(hashes) == 1 and COMPILED.new_sandbox().state_hash() in hashes.pop()
