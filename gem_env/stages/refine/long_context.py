"""`long_context` (BFCL's long context): the same task over much longer tool replies — every
record a tool returns comes with other records of the request's table (real rows of the
episode's state), so the assistant must find what matters in a long reply. After the rollout the
tool replies must be on average at least `MIN_GROWTH` times as long as the parent's (`check`)."""
from __future__ import annotations

from typing import Any

from .base import Context, DoesNotApply, Variant, workflow

MIN_GROWTH = 4.0
ROWS = 12


def apply(v: Variant, ctx: Context) -> Variant:
    table = workflow(v.compiled, v.parts[0].workflow).anchor.table
    rows = v.compiled.row_counts.get(table, 0)
    if rows < 4:
        raise DoesNotApply(f"table {table} has {rows} rows: too few for long replies")
    v.plan.context_table = table
    v.plan.context_rows = min(ROWS, rows - 1)
    return v


def mean_reply_chars(messages: list[dict[str, Any]]) -> float:
    sizes = [len(m.get("content") or "") for m in messages if m.get("role") == "tool"]
    return sum(sizes) / len(sizes) if sizes else 0.0


def check(messages: list[dict[str, Any]], parent_messages: list[dict[str, Any]] | None) -> str | None:
    """Why the variant's tool replies are not long enough (mean length per reply, against the
    parent's), or None."""
    if not parent_messages:
        return None
    before, after = mean_reply_chars(parent_messages), mean_reply_chars(messages)
    if before and after < MIN_GROWTH * before:
        return f"tool replies grew only {after / before:.1f}x (need {MIN_GROWTH:g}x)"
    return None
