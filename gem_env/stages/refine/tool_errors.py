"""`tool_errors`: the first call of one or two of the tools the task must call fails with a transient
error (a timeout, a rate limit, a 503) and changes nothing. The assistant must retry or recover;
the final state must still match, and `retried_after_error` checks the retry. The failures are
chosen with the variant's seed and recorded in its plan, so a replay meets the same ones."""
from __future__ import annotations

from ...tools import CompiledDomain
from ...tools.model import InsertStep, UpdateStep, every_step
from ..ground.plan import Fault
from .base import Context, DoesNotApply, Variant

REFUSED = [
    "503 Service Unavailable: the service is temporarily unavailable; please try again.",
    "429 Too Many Requests: rate limit exceeded; retry in a moment.",
]
"""Errors of a call the service turned away before doing anything: sent again at once, rightly."""
TIMEOUT = "Gateway timeout: the request timed out after 30 seconds; please retry."
"""A call whose outcome nobody knows: it may have gone through."""
ERRORS = [*REFUSED, TIMEOUT]


def apply(v: Variant, ctx: Context) -> Variant:
    """The tools to fail are ones every agent must call: the session's first (who the customer is)
    and its writes. A read the gold makes, an agent may skip (it remembers the record, or a list
    already says it), and a failure it never meets teaches nothing. A write that does something
    again when sent twice (`acts_again`) never times out: after a timeout the careful agent would
    first look whether it went through, and the variant's gold sends it again at once."""
    ok = [a for a in v.task.gold_actions if a.ok]
    needed = list(dict.fromkeys([*(a.tool for a in ok[:1]), *(a.tool for a in ok if v.compiled.tools[a.tool].writes)]))
    if not needed:
        raise DoesNotApply("the task calls no tools")
    picks = ctx.rng.sample(needed, k=min(len(needed), ctx.rng.choice([1, 2])))
    v.plan.faults = [Fault(tool=t, call=1, error=ctx.rng.choice(REFUSED if acts_again(v.compiled, t) else ERRORS))
                     for t in picks]
    return v


def acts_again(compiled: CompiledDomain, tool: str) -> bool:
    """Whether `tool` sent a second time does something again: it adds a record (a second transfer,
    a second dispute, a second hand-off) or moves a value by itself (a balance less the amount, a due
    date two weeks on, one more freeze this year)."""
    spec = compiled.tools[tool].spec
    if not compiled.tools[tool].writes:
        return False
    for step in every_step(spec.effect or []):
        if isinstance(step, InsertStep):
            return True
        if isinstance(step, UpdateStep) and any(isinstance(e, str) and f"{step.row}.{f}" in e for f, e in step.set.items()):
            return True
    return False
