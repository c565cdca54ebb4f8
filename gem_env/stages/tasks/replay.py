"""Running a workflow's steps for one user in a sandbox: the gold actions."""
from __future__ import annotations

from typing import Any

from ...tools import Sandbox, Workflow
from ...tools.expr import compile_expr
from .model import GoldAction


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


def replay_workflow(wf: Workflow, knows: dict[str, Any], sandbox: Sandbox, *,
                    stop_before_write: bool = False) -> tuple[list[GoldAction], dict[str, Any]]:
    """Run a workflow's steps for this user; the actions taken and the names they bound.

    Stops after the first failing action, or (``stop_before_write``) before the first write.
    """
    env: dict[str, Any] = {**sandbox.clock, **knows}
    actions: list[GoldAction] = []
    for step in wf.steps:
        if step.when and not compile_expr(step.when)(env, sandbox):
            if step.as_:  # a skipped step's name is null (docs/tool-language.md)
                env[step.as_] = None
            continue
        if stop_before_write and sandbox.compiled.tools[step.tool].writes:
            break
        args = resolve_args(step.args, knows, env, sandbox)
        result = sandbox.call(step.tool, args)
        actions.append(GoldAction(tool=step.tool, arguments=args, ok=result.ok, result=result.as_data()))
        if not result.ok:
            break
        if step.as_:
            env[step.as_] = result.value
    return actions, env


def first_write(wf: Workflow, knows: dict[str, Any], sandbox: Sandbox) -> tuple[str, dict[str, Any]] | None:
    """(tool, arguments) of the write the workflow would make next for this user, run up to it
    in `sandbox` (which it changes only by reads)."""
    env: dict[str, Any] = {**sandbox.clock, **knows}
    for step in wf.steps:
        if step.when and not compile_expr(step.when)(env, sandbox):
            if step.as_:
                env[step.as_] = None
            continue
        args = resolve_args(step.args, knows, env, sandbox)
        if sandbox.compiled.tools[step.tool].writes:
            return step.tool, args
        result = sandbox.call(step.tool, args)
        if not result.ok:
            return None
        if step.as_:
            env[step.as_] = result.value
    return None
