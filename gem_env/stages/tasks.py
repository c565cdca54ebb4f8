"""Tasks: a domain's workflows instantiated on concrete rows, with gold actions and an admission gate.

A task is admitted only if its gold actions run without errors in a fresh sandbox, a write task
changes the state, and a conversation that does nothing would fail verification (a write task
leaves the state unchanged; a read task has facts the assistant must tell).
"""
from __future__ import annotations

import hashlib
import random
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..documents import Rejection
from ..simulators.scenario import Scenario
from .ground.plan import EpisodePlan
from ..tools import CompiledDomain, Sandbox, Workflow
from ..tools.errors import ExprError
from ..tools.expr import compile_expr, compile_template
from ..tools.render import render
from .anchors import explain_anchor

PERSONAS = [
    "a polite customer who answers questions briefly",
    "a busy person who wants this done quickly",
    "a careful customer who wants to understand what will happen",
    "a friendly customer who is not very technical",
    "a direct customer who gives one piece of information at a time",
]


class GoldAction(BaseModel):
    tool: str
    arguments: dict[str, Any]
    ok: bool = True
    result: Any = None


class Task(BaseModel):
    id: str
    domain: str
    doc_id: str | None = None
    workflow: str
    category: str = "general"
    kind: Literal["read", "write"]
    scenario: Scenario
    gold_actions: list[GoldAction]
    state_tables: list[str] = Field(description="tables whose final state verification compares")
    initial_state_hash: str
    expected_state_hash: str
    required_outputs: dict[str, str] = Field(default_factory=dict)
    seed: int = 0
    # set by refinement (stages/refine): where the variant came from and how its episode differs
    parent_id: str | None = None
    ops: list[str] = Field(default_factory=list)
    plan: EpisodePlan | None = None
    followups: list[Scenario] = Field(default_factory=list, description="requests the user brings next")


def resolve_args(step_args: dict, knows: dict[str, Any], env: dict[str, Any], rt: Sandbox) -> dict[str, Any]:
    """A workflow step's concrete arguments from its bindings."""
    out = {}
    for name, b in step_args.items():
        if b.user is not None:
            out[name] = knows[b.user]
        elif b.result is not None:
            out[name] = compile_expr(b.result)(env, rt)
        else:
            out[name] = b.const
    return out


def replay_workflow(wf: Workflow, knows: dict[str, Any], sandbox: Sandbox) -> tuple[list[GoldAction], dict[str, Any]]:
    """Run a workflow's steps for this user; the actions taken and the names they bound."""
    env: dict[str, Any] = {**sandbox.clock, **knows}
    actions: list[GoldAction] = []
    for step in wf.steps:
        if step.when and not compile_expr(step.when)(env, sandbox):
            continue
        args = resolve_args(step.args, knows, env, sandbox)
        result = sandbox.call(step.tool, args)
        actions.append(GoldAction(tool=step.tool, arguments=args, ok=result.ok, result=result.as_data()))
        if not result.ok:
            break
        if step.as_:
            env[step.as_] = result.value
    return actions, env


def _task_id(domain: str, workflow: str, key: str) -> str:
    digest = hashlib.sha256(f"{domain}\x00{workflow}\x00{key}".encode()).hexdigest()[:12]
    return f"{domain}.{workflow}.{digest}"


def _scenario(wf: Workflow, knows: dict[str, Any], rng: random.Random) -> Scenario:
    """The user's brief. What the assistant must tell (`tells`) is what the user does not know."""
    goal = compile_template(wf.goal)
    text = goal({k: render(v) for k, v in knows.items()}, None)  # type: ignore[arg-type]
    in_goal = [k for k in knows if "{" + k + "}" in wf.goal]
    rest = [k for k in knows if k not in in_goal]
    volunteered = in_goal + rest[: rng.randint(0, min(1, len(rest)))]
    unknown = [k for k in wf.tells if k not in knows]
    return Scenario(persona=rng.choice(PERSONAS), goal=text, knows=knows, opening=volunteered, unknown=unknown)


def instantiate(compiled: CompiledDomain, wf: Workflow, row: dict[str, Any], *, seed: int = 0,
                doc_id: str | None = None) -> Task | Rejection:
    """A task on one anchor row, or the reason it is not admitted."""
    name = compiled.domain.name
    anchor = compiled.tables[wf.anchor.table]
    key = str(row[anchor.pk])
    task_id = _task_id(name, wf.name, key)
    sandbox = compiled.new_sandbox()
    try:
        try:
            knows = {k: compile_expr(src)({**sandbox.clock, "row": row}, sandbox) for k, src in wf.knows.items()}
        except ExprError as err:
            return Rejection(id=task_id, stage="tasks", reason=f"user knowledge cannot be derived: {err}")
        if any(v is None or v == "" for v in knows.values()):
            empty = [k for k, v in knows.items() if v is None or v == ""]
            return Rejection(id=task_id, stage="tasks", reason=f"user knowledge is empty: {empty}")
        initial = sandbox.state_hash()
        try:
            actions, env = replay_workflow(wf, knows, sandbox)
        except ExprError as err:
            return Rejection(id=task_id, stage="tasks", reason=f"a binding or condition failed: {err}")
        failed = next((a for a in actions if not a.ok), None)
        if failed is not None:
            return Rejection(id=task_id, stage="tasks", reason=f"gold action {failed.tool} failed: "
                             f"{failed.result.get('error') if isinstance(failed.result, dict) else failed.result}")
        if not actions:
            return Rejection(id=task_id, stage="tasks", reason="no gold action runs for this row")
        kind = "write" if any(compiled.tools[a.tool].writes for a in actions) else "read"
        final = sandbox.state_hash()
        try:
            outputs = {k: render(compile_expr(src)(env, sandbox)) for k, src in wf.tells.items()}
        except ExprError as err:
            return Rejection(id=task_id, stage="tasks", reason=f"a required output cannot be computed: {err}")
        outputs = {k: v for k, v in outputs.items() if v}
        if kind == "write" and final == initial:
            return Rejection(id=task_id, stage="tasks", reason="write task does not change the state")
        if kind == "read" and not outputs:
            return Rejection(id=task_id, stage="tasks",
                             reason="read task has nothing to tell, so doing nothing would pass")
    finally:
        sandbox.close()
    rng = random.Random(f"{seed}\x00{task_id}")
    return Task(
        id=task_id, domain=name, doc_id=doc_id, workflow=wf.name, category=wf.category, kind=kind,
        scenario=_scenario(wf, knows, rng), gold_actions=actions, state_tables=sorted(compiled.tables),
        initial_state_hash=initial, expected_state_hash=final, required_outputs=outputs, seed=seed,
    )


def anchor_rows(compiled: CompiledDomain, wf: Workflow) -> list[dict[str, Any]]:
    """The rows a workflow can be instantiated on, in key order."""
    sandbox = compiled.new_sandbox()
    try:
        rows = list(sandbox.dump([wf.anchor.table])[wf.anchor.table].values())
        rows.sort(key=lambda r: str(r[compiled.tables[wf.anchor.table].pk]))
        if not wf.anchor.filter:
            return rows
        cond = compile_expr(wf.anchor.filter)
        keep = []
        for r in rows:
            try:
                if cond({**sandbox.clock, "row": r}, sandbox):
                    keep.append(r)
            except ExprError:
                continue
        return keep
    finally:
        sandbox.close()


def make_tasks(compiled: CompiledDomain, *, per_domain: int, seed: int = 0, doc_id: str | None = None,
               max_tries: int = 8) -> tuple[list[Task], list[Rejection]]:
    """Up to `per_domain` admitted tasks, spread over the workflows round-robin."""
    rng = random.Random(f"{seed}\x00{compiled.domain.name}")
    queues = []
    for wf in compiled.domain.workflows:
        rows = anchor_rows(compiled, wf)
        rng.shuffle(rows)
        queues.append((wf, rows[:max_tries]))
    tasks: list[Task] = []
    rejections: list[Rejection] = []
    reasons: dict[str, list[str]] = {wf.name: [] for wf in compiled.domain.workflows}
    progress = True
    while len(tasks) < per_domain and progress:
        progress = False
        for wf, rows in queues:
            while rows and len(tasks) < per_domain:
                got = instantiate(compiled, wf, rows.pop(0), seed=seed, doc_id=doc_id)
                if isinstance(got, Task):
                    tasks.append(got)
                    progress = True
                    break
                reasons[wf.name].append(got.reason)
    for wf, _ in queues:
        produced = any(t.workflow == wf.name for t in tasks)
        if not produced:
            why = reasons[wf.name][0] if reasons[wf.name] else explain_anchor(compiled, wf)
            rejections.append(Rejection(id=f"{compiled.domain.name}.{wf.name}", stage="tasks",
                                        reason=f"workflow {wf.name}: no admissible task: {why}",
                                        detail={"tries": len(reasons[wf.name])}))
    return tasks, rejections
