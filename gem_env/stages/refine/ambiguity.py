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
from collections.abc import Callable
from typing import Any

from ...tools.render import render
from ..tasks import anchor_rows
from .base import Context, DoesNotApply, NotApplicable, Variant, brief, customers_of, workflow
from .miss_param import _read_alone, _values


def _shared_attributes(v: Variant, table: str, row: dict[str, Any], kin: list[dict[str, Any]]
                       ) -> list[tuple[str, Any, int]]:
    """(field, the row's value, rows that share it) for plain fields the row shares with another of
    its owner's records (`kin`: a status shared only with other customers' records leaves theirs one),
    a field a person describes a record by (a word, a name, a date: not a count, a number of days, a
    reason the service recorded: "the account that's lost card", "with 1 failed login"), and not a
    field the task gives a value for (a complaint described by the statement the user is about to
    write: "my narrative whose statement is ..." beside the new one, and the new one was taken for
    the description)."""
    given = {name for a in v.task.gold_actions for name in (a.arguments or {})}
    entity = v.compiled.domain.entity(table)
    out = []
    for f in entity.fields if entity else []:
        if f.name == entity.primary_key or f.unique or f.foreign_key or f.type != "string" or "reason" in f.name \
                or f.name in given or f"new_{f.name}" in given:
            continue
        value = row.get(f.name)
        count = Counter(r.get(f.name) for r in kin)[value]
        if value not in (None, "") and count >= 2:
            out.append((f.name, value, count))
    return out


def _kin(v: Variant, ctx: Context, table: str, row: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of `table` with the same owner as `row` (`tasks.owners`): the records the customer
    could mean; every row for a record nobody owns."""
    customers_of(v, ctx)  # (fills the domain's index of row keys to their owners)
    index = ctx.owners[v.compiled.domain.name]
    pk = v.compiled.tables[table].pk
    owner = index.get(str(row.get(pk)))
    return rows if owner is None else [r for r in rows if index.get(str(r.get(pk))) == owner]


def _descriptions(v: Variant, table: str, knows: dict[str, Any], rows: dict[str, dict[str, dict[str, Any]]]
                  ) -> dict[str, Callable[[dict[str, Any]], bool]]:
    """The facts the user knows that describe a row of `table`, each as a test of a row: a field of
    it (`merchant`, `transaction_merchant`), a record it is on by its id (`card_id`) or by a field of
    that record (`card_last4`: the card it is on ends in 9889)."""
    noun = table[:-1] if table.endswith("s") else table
    entity = v.compiled.domain.entity(table)
    fields = {f.name: f for f in (entity.fields if entity else [])}
    out: dict[str, Callable[[dict[str, Any]], bool]] = {}
    for k, x in knows.items():
        field = k.removeprefix(f"{noun}_") if k.removeprefix(f"{noun}_") in fields else k if k in fields else None
        if field is not None:
            out[k] = lambda r, field=field, x=x: str(r.get(field)) == str(x)
            continue
        for f in fields.values():  # a field of the record it is on
            if not f.foreign_key:
                continue
            parent, _, key = f.foreign_key.partition(".")
            pnoun = parent[:-1] if parent.endswith("s") else parent
            if k.startswith(f"{pnoun}_") and rows.get(parent):
                pfield = k.removeprefix(f"{pnoun}_")
                by_key = {str(p.get(key)): p for p in rows[parent].values()}
                out[k] = lambda r, f=f.name, pfield=pfield, x=x, by_key=by_key: \
                    str((by_key.get(str(r.get(f))) or {}).get(pfield)) == str(x)
                break
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
        rows = sandbox.dump()
    finally:
        sandbox.close()
    # the customer's records the request could be about: theirs, and ones it can be done to (of 3
    # cards, one expired and one frozen, "freeze my credit card" means the one still active)
    # and not one the request names otherwise (the account a transfer goes to) nor one that holds
    # what the change would set already (of 3 lines, "change my line's plan to basic" is the one not on it)
    write = next((a for a in v.task.gold_actions if v.compiled.tools[a.tool].writes
                  and value in _values(a.arguments)), None)
    sets = {k: x for k, x in (write.arguments if write else {}).items() if render(x) != value}
    can = {str(r.get(pk)) for r in anchor_rows(v.compiled, wf)} - {render(x) for x in sets.values()}
    kin = [r for r in _kin(v, ctx, table, row or {}, list(rows.get(table, {}).values())) if str(r.get(pk)) in can
           and not (sets and all(render(r.get(k.removeprefix("new_"))) == render(x) for k, x in sets.items()))]
    shared = _shared_attributes(v, table, row or {}, kin)
    if not shared:
        raise DoesNotApply(f"no attribute of the {table} record is shared by another of the customer's records")
    field, attr, _ = ctx.rng.choice(shared)
    noun = table[:-1] if table.endswith("s") else table
    attr_key = f"{noun}_{field}" if not field.startswith(noun) else field
    knows = {**part.knows, attr_key: attr}
    # what else the user would say of the record ("It's my card ending in 3349.") is said only while
    # two of their records still fit it all: else it names the one, and nothing is ambiguous
    # (a value a call takes, the card a disputed charge is on, is said whatever it narrows)
    fits = [r for r in kin if str(r.get(field)) == str(attr)]
    unsaid = [key]
    described = _descriptions(v, table, {k: x for k, x in part.knows.items() if k != key}, rows)
    for k, test in sorted(described.items(), key=lambda kv: render(part.knows[kv[0]]) not in used):
        if render(part.knows[k]) in used or len([r for r in fits if test(r)]) >= 2:
            fits = [r for r in fits if test(r)]
        else:
            unsaid.append(k)
    if len(fits) < 2:
        raise DoesNotApply("what the user must say of the record fits it alone")
    scenario = brief(wf, knows, part.scenario.persona, withheld=tuple(unsaid))  # the attribute said up front
    if value in scenario.goal:
        raise NotApplicable("the record's key stays in the goal's wording")
    part.scenario = scenario
    v.plan.withheld = {**v.plan.withheld, key: value}
    return v
