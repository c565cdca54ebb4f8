"""bench/env.py's `by_kind`: each agent-driven tool step named by how its call was answered (a read
kept or worked out, a write taken from the write memo or run), from the counts of the sandbox's
domain read before and after the step."""
from __future__ import annotations

import json
from pathlib import Path

from bench_scripts import load_bench
from gem_env.tools import compile_domain, load_domain

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    return load_bench("env")


def test_each_call_is_named_by_how_it_was_answered() -> None:
    bench = _bench()
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "shop.yaml"))
    first, second = compiled.new_sandbox(), compiled.new_sandbox()  # (one domain: one cache and memo)
    order = first.conn.execute("SELECT order_id FROM orders WHERE status = 'pending' LIMIT 1").fetchone()[0]
    read = ("get_order", json.dumps({"order_id": order}))
    write = ("update_shipping_address", json.dumps({"order_id": order, "address1": "1 Elm St", "city": "Salem",
                                                    "state": "OR", "zip": "97301"}))
    named = []
    for sandbox, (tool, arguments) in [(first, read), (second, read), (first, write), (second, write),
                                       (first, ("no_such_tool", "{}"))]:
        before = bench._counts(sandbox)
        sandbox.call(tool, arguments)
        named.append(bench._answered_by(before, bench._counts(sandbox)))
    assert named == ["read_miss", "read_hit", "write_miss", "write_hit", "other"]


def test_the_kinds_share_the_steps_and_their_time() -> None:
    steps = ["read_hit", "read_hit", "write_miss", "read_hit"]
    by_kind = _bench()._by_kind(steps, [10_000, 20_000, 60_000, 10_000])  # CPU ns a step
    assert by_kind == {"read_hit": {"share": 0.75, "step_us_cpu": 13.3, "share_of_time": 0.4},
                       "write_miss": {"share": 0.25, "step_us_cpu": 60.0, "share_of_time": 0.6}}
