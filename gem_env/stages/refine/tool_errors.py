"""`tool_errors`: the first call of one or two of the tools the task must call fails with a transient
error (a timeout, a rate limit, a 503) and changes nothing. The assistant must retry or recover;
the final state must still match, and `retried_after_error` checks the retry. The failures are
chosen with the variant's seed and recorded in its plan, so a replay meets the same ones."""
from __future__ import annotations

from ..ground.plan import Fault
from .base import Context, DoesNotApply, Variant

ERRORS = [
    "503 Service Unavailable: the service is temporarily unavailable; please try again.",
    "429 Too Many Requests: rate limit exceeded; retry in a moment.",
    "Gateway timeout: the request timed out after 30 seconds; please retry.",
]


def apply(v: Variant, ctx: Context) -> Variant:
    """The tools to fail are ones every agent must call: the session's first (who the customer is)
    and its writes. A read the gold makes, an agent may skip (it remembers the record, or a list
    already says it), and a failure it never meets teaches nothing."""
    ok = [a for a in v.task.gold_actions if a.ok]
    needed = list(dict.fromkeys([*(a.tool for a in ok[:1]), *(a.tool for a in ok if v.compiled.tools[a.tool].writes)]))
    if not needed:
        raise DoesNotApply("the task calls no tools")
    picks = ctx.rng.sample(needed, k=min(len(needed), ctx.rng.choice([1, 2])))
    v.plan.faults = [Fault(tool=t, call=1, error=ctx.rng.choice(ERRORS)) for t in picks]
    return v
