"""`miss_func` (BFCL's missing function): a tool the first request needs is absent from the tool
set at first. The assistant must say it cannot do that yet and must not call it; once it has
said so and the user answers (asking it to try again), the tool is there and the task completes.
The episode plan holds the hidden tool; `no_absent_tool_called` checks the order."""
from __future__ import annotations

from .base import Context, DoesNotApply, Variant


def apply(v: Variant, ctx: Context) -> Variant:
    tools = v.compiled.tools
    needed = list(dict.fromkeys(a.tool for a in v.task.gold_actions if a.ok))
    if not needed:
        raise DoesNotApply("the task calls no tools")
    writes = [t for t in needed if tools[t].writes]
    # the tool that does what the user asked (the write) is the one to miss; else any step's
    pick = writes[0] if writes else ctx.rng.choice(needed)
    v.plan.hidden = [pick]
    return v
