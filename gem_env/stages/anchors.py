"""Why a workflow's anchor keeps no rows: each condition of its filter, and how many rows it keeps.

"no row matches the workflow's anchor" does not help anyone fix a domain; this names the table,
how many rows it has, and, for a filter ``a and b and c``, how many rows are left after each
condition, so the one that removed every row is plain.
"""
from __future__ import annotations

from typing import Any

from ..tools import CompiledDomain
from ..tools.errors import ExprError
from ..tools.expr import compile_expr, tokenize
from ..tools.model import Workflow


def conjuncts(source: str) -> list[str]:
    """The top-level ``and`` parts of a condition (brackets respected), as source text."""
    parts, depth, start = [], 0, 0
    for tok in tokenize(source):
        if tok.kind == "op" and tok.value in "([{":
            depth += 1
        elif tok.kind == "op" and tok.value in ")]}":
            depth -= 1
        elif tok.kind == "kw" and tok.value == "and" and depth == 0:
            parts.append(source[start:tok.pos].strip())
            start = tok.pos + 3
    parts.append(source[start:].strip())
    return [p for p in parts if p]


def explain_anchor(compiled: CompiledDomain, wf: Workflow, *, tried: int = 0) -> str:
    """One line on the anchor's rows: which condition removed them all, or that rows exist."""
    table = wf.anchor.table
    sandbox = compiled.new_sandbox()
    try:
        rows = list(sandbox.dump([table])[table].values())
        env_base: dict[str, Any] = dict(sandbox.clock)
        if not rows:
            return f"no row matches the workflow's anchor: table {table} has no rows"
        if not wf.anchor.filter:
            return f"the anchor table {table} has {len(rows)} rows, none admitted ({tried} tried)"
        steps = []
        left = rows
        for part in conjuncts(wf.anchor.filter):
            cond = compile_expr(part)
            kept, errors = [], 0
            for r in left:
                try:
                    if cond({**env_base, "row": r}, sandbox):
                        kept.append(r)
                except ExprError:
                    errors += 1
            steps.append(f"`{part}` keeps {len(kept)}" + (f" ({errors} failed to evaluate)" if errors else ""))
            left = kept
            if not left:
                return (f"no row matches the workflow's anchor: of {len(rows)} rows of {table}, "
                        + "; then ".join(steps) + " - this condition removed every row")
        return (f"{len(left)} of {len(rows)} rows of {table} match the anchor ({'; then '.join(steps)}), "
                + ("but none was tried: earlier workflows filled the task quota" if not tried else
                   f"none of {tried} tried was admitted"))
    finally:
        sandbox.close()
