"""What operators share: the variant being built, the context they may draw on, and replaying
several requests on one sandbox to get a composed gold."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from ...simulators.scenario import Scenario, humanize
from ...tools import CompiledDomain, Workflow
from ...tools.errors import ExprError
from ...tools.expr import compile_expr, compile_template
from ...tools.render import render
from ..ground.plan import EpisodePlan
from ..tasks import GoldAction, Task, replay_workflow

ORDER = ["chain", "pitfall", "distractors", "ambiguity", "miss_param", "miss_func", "tool_errors", "long_context"]
"""Operators apply in this order whatever order they are asked in (structure first, then the
tool set, then the user's brief, then the environment)."""


class NotApplicable(Exception):
    """The operator cannot make this task harder; the message says why (it is recorded)."""


@dataclass
class Part:
    """One request of a session: its workflow, what the user knows, and the user's brief."""

    workflow: str
    knows: dict[str, Any]
    scenario: Scenario
    expect_refusal: bool = False
    lookup: tuple[str, str, list[str]] | None = None
    """For a lookup request (no workflow): the read tool, its key parameter, the facts asked."""


@dataclass
class Variant:
    """A task being refined and the domain it runs on (operators may derive a new domain)."""

    task: Task
    compiled: CompiledDomain
    parts: list[Part]
    plan: EpisodePlan = field(default_factory=EpisodePlan)
    ops: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What an operator may use besides the task: the domain's other verified tasks and a seeded RNG."""

    siblings: list[Task]
    rng: random.Random
    derived: dict[str, CompiledDomain] = field(default_factory=dict)
    pool: dict[str, list[Task]] = field(default_factory=dict)  # admitted tasks per domain (chain)
    seed: int = 0


def refinable(task: Task) -> str | None:
    """Why a task is not refined, or None: operators work on single requests that are done (the
    "complete" kind); refusals, declines, lookups and sessions are other lessons already."""
    if task.ops:
        return "already a refined variant"
    if task.category != "complete" or len(task.scenario.requests) > 1 or task.refusals or task.declines \
            or task.ambiguities:
        return f"a {task.category} task (only complete single requests are refined)"
    return None


def start(task: Task, compiled: CompiledDomain) -> Variant:
    knows = {**task.scenario.found, **task.scenario.knows}  # the ids the assistant finds too: when an operator
    part = Part(task.workflow, knows, task.scenario.model_copy(update={"knows": knows}))  # hides them, the user knows
    return Variant(task=task, compiled=compiled, parts=[part],
                   plan=task.plan.model_copy(deep=True) if task.plan else EpisodePlan())


def workflow(compiled: CompiledDomain, name: str) -> Workflow:
    wf = next((w for w in compiled.domain.workflows if w.name == name), None)
    if wf is None:
        raise NotApplicable(f"workflow {name} is not in domain {compiled.domain.name}")
    return wf


def compose(v: Variant) -> Variant:
    """Replay every part on one sandbox: the session's gold actions, outputs and final state.

    A part expected to be refused must fail with the sandbox's refusal (its reason is what the
    plan's `refusal_told` check looks for; not a required output, since an assistant may know the
    rule from the policy before any tool says it); every other part must succeed."""
    compiled = v.compiled
    sandbox = compiled.new_sandbox()
    actions: list[GoldAction] = []
    outputs: dict[str, str] = {}
    refusals: list[str] = []
    try:
        initial = sandbox.state_hash()
        for n, part in enumerate(v.parts):
            if part.lookup is not None:
                got, told = _replay_lookup(part, sandbox, n)
                actions += got
                outputs.update(told)
                continue
            wf = workflow(compiled, part.workflow)
            try:
                got, env = replay_workflow(wf, part.knows, sandbox)
            except ExprError as err:
                raise NotApplicable(f"part {n + 1} ({part.workflow}): a binding failed: {err}") from None
            except KeyError as err:  # the user finds this id through a lookup first (a chained id)
                raise NotApplicable(f"part {n + 1} ({part.workflow}): the user does not know {err} "
                                    "(it comes from an earlier tool result)") from None
            failed = next((a for a in got if not a.ok), None)
            if part.expect_refusal:
                if failed is None:
                    raise NotApplicable(f"part {n + 1} ({part.workflow}) is not refused on this state")
                refusals.append(str(failed.result.get("error")))
            elif failed is not None:
                raise NotApplicable(f"part {n + 1} ({part.workflow}) fails after the earlier parts: "
                                    f"{failed.result}")
            else:
                outputs.update(_outputs(wf, env, sandbox, n))
            actions += got
        final = sandbox.state_hash()
    finally:
        sandbox.close()
    writes = any(compiled.tools[a.tool].writes and a.ok for a in actions)
    v.plan.refusals = refusals
    v.task = v.task.model_copy(update={
        "gold_actions": actions, "initial_state_hash": initial, "expected_state_hash": final,
        "required_outputs": outputs, "kind": "write" if writes else "read", "domain": compiled.domain.name,
        "state_tables": sorted(compiled.tables)})
    return v


def _replay_lookup(part: Part, sandbox: Any, n: int) -> tuple[list[GoldAction], dict[str, str]]:
    """A lookup on the session's state so far: the asked facts as they are now are its outputs."""
    tool, param, asks = part.lookup  # type: ignore[misc]
    result = sandbox.call(tool, {param: part.knows[param]})
    if not result.ok or not isinstance(result.value, dict):
        raise NotApplicable(f"part {n + 1} ({part.workflow}) finds no record after the earlier parts")
    told = {a: render(result.value.get(a)) for a in asks}
    if not all(told.values()):
        raise NotApplicable(f"part {n + 1} ({part.workflow}) has nothing to tell after the earlier parts")
    action = GoldAction(tool=tool, arguments={param: part.knows[param]}, result=result.value)
    return [action], {k if n == 0 else f"{n + 1}.{k}": val for k, val in told.items()}


def say_changes(v: Variant) -> Variant:
    """A later request about other records says up front what differs from the requests before it
    ("my other card, CRD-..."), so nothing is carried over from them by mistake. Run again after
    an operator inserts a request, since what came before has changed."""
    known: dict[str, Any] = {}
    for n, part in enumerate(v.parts):
        changed = [k for k, val in part.knows.items() if k in known and known[k] != val]
        known.update(part.knows)
        if n == 0 or not changed:
            continue
        s = part.scenario
        requests = [r.model_copy(update={"opening": list(dict.fromkeys([*r.opening, *changed]))}) for r in s.requests]
        part.scenario = s.model_copy(update={"opening": list(dict.fromkeys([*s.opening, *changed])),
                                             "requests": requests})
    return v


def _outputs(wf: Workflow, env: dict[str, Any], sandbox: Any, n: int) -> dict[str, str]:
    out = {}
    for k, src in wf.tells.items():
        try:
            value = render(compile_expr(src)(env, sandbox))
        except ExprError:
            continue
        if value:
            out[k if n == 0 else f"{n + 1}.{k}"] = value  # "2.status": the form verify reads
    return out


def brief(wf: Workflow, knows: dict[str, Any], persona: str, *, withheld: tuple[str, ...] = ()) -> Scenario:
    """A user's brief for a request: the goal in words, every known fact volunteered except
    `withheld` ones (which also leave the goal: a parenthesis holding one goes, else its name)."""
    goal = wf.goal
    unsaid = [k for k in re.findall(r"\{(\w+)\}", goal) if k not in knows]  # found by a lookup first
    for key in (*withheld, *unsaid):
        goal = re.sub(r"\s*\([^()]*\{" + re.escape(key) + r"\}[^()]*\)", "", goal)
        goal = goal.replace("{" + key + "}", "my " + humanize(key))
    text = compile_template(goal)({k: render(v) for k, v in knows.items()}, None)  # type: ignore[arg-type]
    unknown = [k for k in wf.tells if k not in knows]
    return Scenario(persona=persona, goal=text, knows=knows,
                    opening=[k for k in knows if k not in withheld], unknown=unknown)
