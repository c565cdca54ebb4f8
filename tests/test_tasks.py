"""Task instantiation and the admission gate."""
from __future__ import annotations

from gem_env.stages.tasks import Task, make_tasks
from gem_env.tools import compile_domain, parse_domain
from gem_env.stages.verify import verify
from test_language import BASE, P, tool

TOOLS = [
    tool("get", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}],
         [P("order_id")], "read"),
    tool("cancel", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                    {"require": "o.status == 'pending'", "message": "not pending"},
                    {"update": "orders", "row": "o", "set": {"status": "'cancelled'"}},
                    {"return": "o"}], [P("order_id")]),
    tool("touch", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                   {"update": "orders", "row": "o", "set": {"status": "o.status"}}], [P("order_id")]),
]


def workflow(name, steps, *, filter=None, tells=None, knows=None):
    return {"name": name, "goal": "sort out order {order_id}", "anchor": {"table": "orders", "filter": filter},
            "knows": knows or {"order_id": "row.order_id"}, "steps": steps, "tells": tells or {}}


def compiled(*workflows):
    return compile_domain(parse_domain({**BASE, "tools": TOOLS, "workflows": list(workflows)}))


def test_tasks_carry_scenario_gold_and_expected_state():
    c = compiled(workflow("cancel", [
        {"tool": "get", "args": {"order_id": {"user": "order_id"}}, "as": "order"},
        {"tool": "cancel", "args": {"order_id": {"result": "order.order_id"}}, "when": "order.status == 'pending'",
         "as": "done"}], filter="row.status == 'pending' and today >= '2025-01-01'", tells={"status": "done.status"}))
    tasks, rejections = make_tasks(c, per_domain=3, seed=1, kinds=("complete",))
    assert len(tasks) == 3 and not rejections
    t = tasks[0]
    assert t.category == "complete" and t.topic == "general"
    assert t.kind == "write" and [a.tool for a in t.gold_actions] == ["get", "cancel"]
    assert t.scenario.knows == {"order_id": t.gold_actions[0].arguments["order_id"]}
    assert t.scenario.goal == f"sort out order {t.scenario.knows['order_id']}"
    assert t.scenario.unknown == ["status"] and t.required_outputs == {"status": "cancelled"}
    assert t.expected_state_hash != t.initial_state_hash
    assert Task.model_validate_json(t.model_dump_json()) == t
    assert make_tasks(c, per_domain=3, seed=1, kinds=("complete",))[0] == tasks  # deterministic
    assert verify(t, [{"role": "user", "content": "hi"}], c).passed is False  # doing nothing fails


def test_anchor_can_count_child_rows():
    c = compiled(workflow("lines", [{"tool": "cancel", "args": {"order_id": {"user": "order_id"}}}],
                          filter="row.status == 'pending' and count_rows('lines', {order_id: row.order_id}) == 0"))
    tasks, rejections = make_tasks(c, per_domain=2, kinds=("complete",))
    assert len(tasks) == 2 and not rejections


def test_gate_rejects_with_reasons():
    c = compiled(
        workflow("no_change", [{"tool": "touch", "args": {"order_id": {"user": "order_id"}}}]),
        workflow("nothing_to_tell", [{"tool": "get", "args": {"order_id": {"user": "order_id"}}}]),
        workflow("fails", [{"tool": "cancel", "args": {"order_id": {"user": "order_id"}}}],
                 filter="row.status == 'delivered'"),
        workflow("no_rows", [{"tool": "get", "args": {"order_id": {"user": "order_id"}}}], filter="false"),
    )
    tasks, rejections = make_tasks(c, per_domain=4, kinds=("complete",))
    assert not tasks
    reasons = {r.id.split(".")[-1]: r.reason for r in rejections}
    assert "write task does not change the state" in reasons["no_change"]
    assert "nothing to tell" in reasons["nothing_to_tell"]
    assert "gold action cancel failed: not pending" in reasons["fails"]
    assert "no row matches the workflow's anchor" in reasons["no_rows"]
