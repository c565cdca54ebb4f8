"""The expressiveness test: τ-bench's retail domain written in the tool language (no Python tools).

For each of τ-bench's 115 retail test tasks, replay the gold actions in a fresh sandbox and compare
every action's outcome (and its error message or its reply) and the final state of every order,
user and product the task touched with `expected/retail_test_end_states.json`, which records what
τ-bench's own tools did. Needs ../shared (skipped without it); the Faker-seeded domain is tested
either way.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest

from gem_env.importers.taubench import RETAIL_DATA, export_all, export_retail, load_retail, read_retail_json
from gem_env.tools import compile_domain, load_domain

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "examples" / "domains" / "tau_retail.yaml"
SHARED = ROOT.parent / "shared"
TAUBENCH = SHARED / "external" / "taubench"
EXPECTED = TAUBENCH / "expected" / "retail_test_end_states.json"
TASKS = TAUBENCH / "tau-bench-tasks-json" / "retail_tasks_test.json"
SCHEMAS = TAUBENCH / "tau-bench-tasks-json" / "retail_tool_schemas.json"
DATA = SHARED / RETAIL_DATA

needs_shared = pytest.mark.skipif(
    not (EXPECTED.exists() and DATA.exists()),
    reason=f"τ-bench data not found under {TAUBENCH} (../shared is absent on this machine)",
)
MONEY = 0.005


# ---------------------------------------------------------------- comparison


def same(a: Any, b: Any, path: str = "") -> str | None:
    """None when equal (numbers within half a cent, dicts per key, lists whole and in order, keys
    starting with '_' ignored); else where and how they differ."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None if a is b else f"{path}: {a!r} != {b!r}"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return None if math.isclose(a, b, abs_tol=MONEY) else f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        ka = {k for k in a if not str(k).startswith("_")}
        kb = {k for k in b if not str(k).startswith("_")}
        if ka != kb:
            return f"{path}: keys differ: only ours {sorted(ka - kb)}, only τ-bench's {sorted(kb - ka)}"
        for k in sorted(ka):
            d = same(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} elements != {len(b)}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def reply(output: str) -> Any:
    """τ-bench's tools reply with text: JSON of a dict/list, or a plain string."""
    try:
        value = json.loads(output)
    except json.JSONDecodeError:
        return output
    return value if isinstance(value, (dict, list)) else output


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def domain():
    return load_domain(DOMAIN)


@pytest.fixture(scope="module")
def compiled(domain):
    if not DATA.exists():
        pytest.skip(f"τ-bench data not found at {DATA}")
    return compile_domain(domain, data=load_retail(DATA))


@pytest.fixture(scope="module")
def expected():
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the domain itself


def test_tools_match_taubench_schemas(domain):
    """Same tool names, parameters, required lists and descriptions as τ-bench's schemas."""
    if not SCHEMAS.exists():
        pytest.skip(f"{SCHEMAS} not found")
    from gem_env.tools import openai_schema
    theirs = {s["function"]["name"]: s["function"] for s in json.loads(SCHEMAS.read_text())}
    ours = {t.name: openai_schema(t)["function"] for t in domain.tools}
    assert set(ours) == set(theirs)
    for name, fn in theirs.items():
        mine = ours[name]
        assert mine["description"] == fn["description"], name
        assert mine["parameters"]["required"] == fn["parameters"]["required"], name
        assert mine["parameters"]["properties"] == fn["parameters"]["properties"], name
    assert all(t.effect is not None for t in domain.tools), "every tool is written in the tool language"


def test_compiles_without_data_and_reads_are_shaped_like_taubench(domain):
    """Faker-seeded (no ../shared needed): reads return τ-bench's nested JSON shape."""
    c = compile_domain(domain)
    assert c.row_counts["orders"] > 0 and c.row_counts["order_items"] > 0
    sb = c.new_sandbox()
    order_id = sb.conn.execute(
        "SELECT order_id FROM orders WHERE order_id IN (SELECT order_id FROM order_items) "
        "AND order_id IN (SELECT order_id FROM payment_history) LIMIT 1").fetchone()[0]
    r = sb.call("get_order_details", {"order_id": order_id})
    assert r.ok, r.error
    order = r.value
    assert list(order)[:7] == ["order_id", "user_id", "address", "items", "fulfillments", "status",
                               "payment_history"]
    assert isinstance(order["items"], list) and order["items"]
    assert set(order["items"][0]) == {"name", "product_id", "item_id", "price", "options"}
    assert isinstance(order["payment_history"], list) and order["payment_history"]
    assert set(order["payment_history"][0]) == {"transaction_type", "amount", "payment_method_id"}
    assert order == export_retail(sb, orders=[order_id])["orders"][order_id]

    user = sb.call("get_user_details", {"user_id": order["user_id"]}).value
    assert set(user) == {"name", "address", "email", "payment_methods", "orders"}
    assert order_id in user["orders"]
    assert sb.call("find_user_id_by_email", {"email": user["email"].upper()}).value == order["user_id"]
    types = sb.call("list_all_product_types", {}).value
    assert list(types) == sorted(types)
    product = sb.call("get_product_details", {"product_id": next(iter(types.values()))}).value
    assert set(product) == {"name", "product_id", "variants"}
    assert sb.call("calculate", {"expression": "(2 + 3) / 4"}).value == "1.25"
    assert sb.call("calculate", {"expression": "2 + x"}).error == "invalid characters in expression"

    # a write on seeded data: cancelling a pending order refunds every payment
    pending = sb.conn.execute(
        "SELECT order_id FROM orders WHERE status = 'pending' AND order_id IN "
        "(SELECT order_id FROM payment_history) LIMIT 1").fetchone()
    if pending:
        before = sb.call("get_order_details", {"order_id": pending[0]}).value
        after = sb.call("cancel_pending_order", {"order_id": pending[0], "reason": "ordered by mistake"})
        assert after.ok, after.error
        assert after.value["status"] == "cancelled"
        assert len(after.value["payment_history"]) == 2 * len(before["payment_history"])
        again = sb.call("cancel_pending_order", {"order_id": pending[0], "reason": "ordered by mistake"})
        assert again.error == "non-pending order cannot be cancelled"


def test_workflows_make_tasks_on_seeded_data(domain):
    from gem_env.stages.tasks import make_tasks
    assert len(domain.workflows) >= 2
    assert domain.provenance.license and "MIT" in domain.provenance.license
    assert len(domain.policy) >= 10
    compiled = compile_domain(domain)
    tasks, rejections = make_tasks(compiled, per_domain=2 * len(domain.workflows), kinds=("complete",))
    assert not rejections, [r.reason for r in rejections]
    assert {t.workflow for t in tasks} == {w.name for w in domain.workflows}
    assert all(t.scenario.knows["order_id"].startswith("#W") for t in tasks)


# ---------------------------------------------------------------- the real data


@needs_shared
def test_import_round_trips(compiled):
    """Importing then exporting gives back τ-bench's data (as loaded by load_data)."""
    assert same(export_all(compiled.new_sandbox()), read_retail_json(DATA)) is None


def replay(compiled, tasks: list[dict]) -> list[str]:
    """Replay each task's gold actions in a fresh sandbox; one line per task that differs."""
    mismatches: list[str] = []
    for task in tasks:
        sb = compiled.new_sandbox()
        problems = []
        for i, action in enumerate(task["actions"]):
            r = sb.call(action["name"], action["kwargs"])
            if r.ok == action["error"]:
                problems.append(f"action {i} {action['name']}: ok={r.ok}, τ-bench error={action['error']} "
                                f"({r.error or action['output'][:120]})")
            elif not r.ok and f"Error: {r.error}" != action["output"]:
                problems.append(f"action {i} {action['name']}: error {r.error!r} != {action['output']!r}")
            elif r.ok:
                d = same(r.value, reply(action["output"]), f"action {i} {action['name']} reply")
                if d:
                    problems.append(d)
        touched = task["touched"]
        state = export_retail(sb, orders=touched.get("orders", {}), users=touched.get("users", {}),
                              products=touched.get("products", {}))
        for kind in ("orders", "users"):
            for key, want in touched.get(kind, {}).items():
                d = same(state[kind][key], want, f"{kind}[{key}]")
                if d:
                    problems.append(d)
        for key, want in touched.get("products", {}).items():  # stored as {name, variants{available, price, options}}
            got = state["products"][key]
            if got is not None:
                got = {"name": got["name"], "variants": {
                    iid: {k: v[k] for k in ("available", "price", "options")} for iid, v in got["variants"].items()}}
            d = same(got, want, f"products[{key}]")
            if d:
                problems.append(d)
        if problems:
            mismatches.append(f"task {task['index']}: " + "; ".join(problems))
        sb.close()
    return mismatches


@needs_shared
def test_gold_replay_matches_taubench(compiled, expected):
    """All 115 test tasks: each action's outcome and reply, and the final state of what it touched."""
    tasks = expected["tasks"]
    assert len(tasks) == 115
    if TASKS.exists():
        gold = json.loads(TASKS.read_text(encoding="utf-8"))
        assert [[(a["name"], a["kwargs"]) for a in t["actions"]] for t in gold] == \
               [[(a["name"], a["kwargs"]) for a in t["actions"]] for t in tasks]
    started = time.perf_counter()
    mismatches = replay(compiled, tasks)
    seconds = time.perf_counter() - started
    assert not mismatches, f"{len(mismatches)} of {len(tasks)} tasks differ:\n" + "\n".join(mismatches)
    assert seconds < 15, f"replaying 115 tasks took {seconds:.1f} s"
