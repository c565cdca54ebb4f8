"""A procedure domain's steps as the tests read them: for each workflow step after the finder, the
tool that does it (an act, `procedure_acts`, or a tool of its own), what the act takes (the target
or the step, in the text's words), the progress it records, the status it leaves and the messages
of the rules it checks, whichever way the tool holds them (an act's step row and its rules, or a
step tool's own effect)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from gem_env.tools import Domain
from gem_env.tools.model import IfStep, LetStep, RequireStep, UpdateStep

_QUOTED = re.compile(r"""^(['"])(.*)\1$""")


@dataclass
class StepView:
    tool: str
    said: str | None     # an act's target or step, as the workflow passes it
    label: str | None    # the progress the step records
    status: str | None   # the status it leaves (a literal), if any
    checks: list[str]    # the messages of the rules checked at it
    requires: list[str]  # their expressions


def _literal(expr: object) -> str | None:
    m = _QUOTED.match(expr.strip()) if isinstance(expr, str) else None
    return m.group(2) if m else None


def step_views(domain: Domain) -> list[StepView]:
    tools = {t.name: t for t in domain.tools}
    done: set[int] = set()  # the rows taken (a step done again names its target again)
    out = []
    for step in domain.workflows[0].steps[1:]:
        tool = tools[step.tool]
        consts = [a.const for a in step.args.values() if a.const is not None]
        rows = next((s.let["steps"] for s in tool.effect if isinstance(s, LetStep) and "steps" in s.let), None)
        if rows is not None:
            said = next(c for c in consts if isinstance(c, str))
            row = next(r for r in rows if _literal(r["target"]) == said and id(r) not in done)
            done.add(id(row))
            label, status = _literal(row["label"]), _literal(row["status"])
            rules = [s for s in tool.effect if isinstance(s, RequireStep) and "due" not in s.require] + \
                [r for s in tool.effect if isinstance(s, IfStep) and s.if_ == f"due.label == {row['label']}"
                 for r in s.then if isinstance(r, RequireStep)]
            out.append(StepView(tool.name, said, label, status, [r.message for r in rules], [r.require for r in rules]))
            continue
        sets = {k: v for s in tool.effect if isinstance(s, UpdateStep) for k, v in s.set.items()}
        rules = [s for s in tool.effect if isinstance(s, RequireStep)]
        out.append(StepView(tool.name, None, _literal(sets.get("progress")), _literal(sets.get("status")),
                            [r.message for r in rules], [r.require for r in rules]))
    return out


def given(domain: Domain) -> list[list[str]]:
    """Per workflow step after the finder: the arguments the customer's words give (not the record's
    id, not the words the step passes as the text writes them)."""
    pk = domain.entities[0].primary_key
    return [[n for n, a in s.args.items() if a.const is None and n != pk] for s in domain.workflows[0].steps[1:]]

