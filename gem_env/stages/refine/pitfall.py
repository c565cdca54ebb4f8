"""`pitfall`: mid-session the user asks for something the domain's rules forbid for their row (a
workflow whose precondition fails there); the assistant must not do it, must tell the reason,
and completes the rest of the session. The refused request's reason is a required output and the
final state is the one without it."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...tools import CompiledDomain, Workflow
from ...tools.errors import ExprError
from ...tools.expr import compile_expr
from .base import (Context, DoesNotApply, NotApplicable, Part, Variant, brief, compose, customers_of, joins,
                   replay_alone, say_changes)
from .chain import settled

MAX_TRIES = 40
"""Candidate requests tried (after those of other customers are left out)."""


def _candidates(compiled: CompiledDomain, ctx: Context) -> list[tuple[Workflow, dict[str, Any]]]:
    """(workflow, user knowledge) for rows of every workflow's anchor table, in seeded order."""
    sandbox = compiled.new_sandbox()
    out = []
    try:
        for wf in compiled.domain.workflows:
            table = wf.anchor.table
            for row in sandbox.dump([table])[table].values():
                try:
                    knows = {k: compile_expr(src)({**sandbox.clock, "row": row}, sandbox) for k, src in wf.knows.items()}
                except ExprError:
                    continue
                if all(val not in (None, "") for val in knows.values()):
                    out.append((wf, knows))
    finally:
        sandbox.close()
    ctx.rng.shuffle(out)
    return out


def apply(v: Variant, ctx: Context) -> Variant:
    """Requests calling a tool the session has not come first (the refusal is real tool use too); a
    request is one the rules refuse on the initial state, not one the session made moot."""
    persona = v.parts[0].scenario.persona
    used = {a.tool for a in v.task.gold_actions}
    whose = customers_of(v, ctx)
    session = set().union(*(whose(p) for p in v.parts))
    # never another customer's record: not theirs to ask about in this one's chat
    mine = [(wf, knows) for wf, knows in _candidates(v.compiled, ctx)
            if joins(session, whose(Part(wf.name, knows, v.parts[0].scenario)))][:MAX_TRIES]
    candidates = sorted(mine, key=lambda c: not {s.tool for s in c[0].steps} - used)
    for wf, knows in candidates:
        part = Part(wf.name, knows, brief(wf, knows, persona), expect_refusal=True)
        if not _refused_alone(v, part):
            continue  # refused only for what the session did ("change my cabin to economy" once more,
            # right after it was changed): no customer asks that; the rules must forbid it for their row
        if any(settled(later, replace(v, parts=[part])) for later in v.parts[1:]):
            continue  # a later question asks about the record the refusal names, and the refusal told
            # it ("A frozen account can't be changed." ... "I'd like to find out the status of my account.")
        v.parts.insert(1, part)
        try:
            compose(v)
        except NotApplicable:
            v.parts.pop(1)
            continue
        return say_changes(v)
    raise DoesNotApply("no request of this domain is refused on the session's state")


def _refused_alone(v: Variant, part: Part) -> bool:
    """Whether the request is refused on the initial state too, asked first in a fresh session."""
    try:
        return any(not a.ok for a in replay_alone(v.compiled, part))
    except NotApplicable:
        return False
