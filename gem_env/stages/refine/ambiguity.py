"""`ambiguity`: instead of the value that identifies their record, the user describes it by an
attribute that several records share ("my account status is active" when many accounts are
active). The assistant must ask which one before acting — it may not pick one of the matches —
and `withheld_value_asked` checks that the identifying value was asked for, not invented.

At refine time the description is checked against the initial state: it must match at least two
records, else the operator does not apply. Offline domains rarely have a search tool, so the
assistant resolves the ambiguity by asking, not by listing the matches.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ...tools.render import render
from .base import Context, DoesNotApply, NotApplicable, Variant, brief, workflow
from .miss_param import _read_alone, _values


def _shared_attributes(v: Variant, table: str, row: dict[str, Any]) -> list[tuple[str, Any, int]]:
    """(field, the row's value, rows that share it) for plain fields shared with other rows, but
    not a field the task gives a value for (a complaint described by the statement the user is
    about to write: "my narrative whose statement is ..." beside the new one, and the new one was
    taken for the description)."""
    given = {name for a in v.task.gold_actions for name in (a.arguments or {})}
    entity = v.compiled.domain.entity(table)
    sandbox = v.compiled.new_sandbox()
    try:
        rows = list(sandbox.dump([table])[table].values())
    finally:
        sandbox.close()
    out = []
    for f in entity.fields if entity else []:
        if f.name == entity.primary_key or f.unique or f.foreign_key or f.type not in ("string", "integer") \
                or f.name in given or f"new_{f.name}" in given:
            continue
        value = row.get(f.name)
        count = Counter(r.get(f.name) for r in rows)[value]
        if value not in (None, "") and count >= 2:
            out.append((f.name, value, count))
    return out


def apply(v: Variant, ctx: Context) -> Variant:
    part = v.parts[0]
    wf = workflow(v.compiled, part.workflow)
    table = wf.anchor.table
    pk = v.compiled.tables[table].pk
    key = next((k for k, src in wf.knows.items() if src.strip() == f"row.{pk}" and k in part.knows), None)
    if key is None:
        raise DoesNotApply("the user does not know the record's key")
    value = render(part.knows[key])
    used = set().union(*(_values(a.arguments) for a in v.task.gold_actions))
    if value not in used:
        raise DoesNotApply("no call takes the record's key")
    if _read_alone(value, v.task.gold_actions):  # many share the attribute, but only this one is theirs
        raise DoesNotApply("the customer's records the assistant finds are this one alone")
    sandbox = v.compiled.new_sandbox()
    try:
        row = sandbox.lookup(table, part.knows[key])
    finally:
        sandbox.close()
    shared = _shared_attributes(v, table, row or {})
    if not shared:
        raise DoesNotApply(f"no attribute of the {table} record is shared by other records")
    field, attr, _ = ctx.rng.choice(shared)
    noun = table[:-1] if table.endswith("s") else table
    attr_key = f"{noun}_{field}" if not field.startswith(noun) else field
    knows = {**part.knows, attr_key: attr}
    scenario = brief(wf, knows, part.scenario.persona, withheld=(key,))  # the attribute said up front
    if value in scenario.goal:
        raise NotApplicable("the record's key stays in the goal's wording")
    part.scenario = scenario
    v.plan.withheld = {**v.plan.withheld, key: value}
    return v
