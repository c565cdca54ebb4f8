"""Workflow shorthands expanded when a domain is read: shared step groups (`use`) and `let`.

Both are expanded into plain workflow steps before validation, so everything that runs a workflow
(task making, the scripted agent, verification) sees only ``{tool, args, as, when}`` steps:

- ``{use: GROUP}`` is replaced by the steps of ``step_groups[GROUP]`` (a `when` on the `use` is
  and-ed into each of them);
- ``{let: {name: EXPR}}`` binds a name for the steps after it: its expression is substituted into
  their ``result`` bindings, ``when`` conditions, and the workflow's ``tells``.

A step skipped by its ``when`` binds its ``as`` name to null (the runners do that); a ``tells``
entry reading a name that only such steps bind is made null-safe here (``(EXPR) if NAME != null
else null``), so that output is simply not told when the step did not run.
"""
from __future__ import annotations

import copy
from typing import Any

from .errors import ExprError
from .expr import compile_expr, substitute

_MAX_DEPTH = 8


def expand_domain(data: Any) -> Any:
    """A domain's raw data with every workflow's `use` and `let` steps expanded (other input as is)."""
    if not isinstance(data, dict) or not isinstance(data.get("workflows"), list):
        return data
    groups = data.get("step_groups") or {}
    if not isinstance(groups, dict):
        return data
    out = dict(data)
    out["workflows"] = [_expand_workflow(wf, groups) if isinstance(wf, dict) else wf for wf in data["workflows"]]
    return out


def _expand_workflow(wf: dict[str, Any], groups: dict[str, Any]) -> dict[str, Any]:
    steps = wf.get("steps")
    if not isinstance(steps, list):
        return wf
    where = f"workflow {wf.get('name', '?')}"
    flat = _inline_groups(steps, groups, where, 0)
    lets: dict[str, str] = {}
    plain: list[Any] = []
    for step in flat:
        if isinstance(step, dict) and set(step) == {"let"} and isinstance(step["let"], dict):
            for name, src in step["let"].items():
                lets[str(name)] = _sub(_as_source(src, where), lets, where)
            continue
        plain.append(_substituted_step(step, lets, where) if lets else step)
    out = dict(wf)
    out["steps"] = plain
    if isinstance(wf.get("tells"), dict):
        maybe_null = _conditional_names(plain)
        out["tells"] = {k: _null_safe(_sub(v, lets, where), maybe_null) if isinstance(v, str) else v
                        for k, v in wf["tells"].items()}
    return out


def _conditional_names(steps: list[Any]) -> set[str]:
    """`as` names bound only by steps with a `when` (null when those steps are skipped)."""
    bound = [(s["as"], bool(s.get("when"))) for s in steps if isinstance(s, dict) and isinstance(s.get("as"), str)]
    return {name for name, _ in bound} - {name for name, conditional in bound if not conditional}


def _null_safe(src: str, maybe_null: set[str]) -> str:
    """`src` guarded against each name it reads that may be null (unchanged if it does not parse:
    the compiler reports that)."""
    try:
        names = compile_expr(src).names & maybe_null
    except ExprError:
        return src
    for name in sorted(names):
        src = f"({src}) if {name} != null else null"
    return src


def _inline_groups(steps: list[Any], groups: dict[str, Any], where: str, depth: int) -> list[Any]:
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: step groups nest deeper than {_MAX_DEPTH} (a group uses itself?)")
    out: list[Any] = []
    for step in steps:
        if not (isinstance(step, dict) and "use" in step):
            out.append(step)
            continue
        extra = set(step) - {"use", "when"}
        if extra:
            raise ValueError(f"{where}: a 'use' step takes only use and when, not {sorted(extra)}")
        name = step["use"]
        if name not in groups or not isinstance(groups[name], list):
            known = ", ".join(sorted(groups)) or "none (declare step_groups: {NAME: [steps]})"
            raise ValueError(f"{where}: unknown step group {name!r}; step groups: {known}")
        for inner in _inline_groups(copy.deepcopy(groups[name]), groups, where, depth + 1):
            if step.get("when") and isinstance(inner, dict) and "tool" in inner:
                inner["when"] = f"({step['when']}) and ({inner['when']})" if inner.get("when") else step["when"]
            out.append(inner)
    return out


def _as_source(src: Any, where: str) -> str:
    if isinstance(src, bool) or src is None:
        return {True: "true", False: "false", None: "null"}[src]
    if isinstance(src, (int, float)):
        return repr(src)
    if isinstance(src, str):
        return src
    raise ValueError(f"{where}: a workflow let binds an expression (a string or number), not {src!r}")


def _sub(src: str, lets: dict[str, str], where: str) -> str:
    try:
        return substitute(src, lets)
    except ExprError as err:
        raise ValueError(f"{where}: {err}") from None


def _substituted_step(step: Any, lets: dict[str, str], where: str) -> Any:
    if not isinstance(step, dict):
        return step
    out = dict(step)
    if isinstance(out.get("when"), str):
        out["when"] = _sub(out["when"], lets, where)
    if isinstance(out.get("args"), dict):
        args = {}
        for k, b in out["args"].items():
            if isinstance(b, dict) and isinstance(b.get("result"), str):
                b = {**b, "result": _sub(b["result"], lets, where)}
            args[k] = b
        out["args"] = args
    return out
