"""`long_context` (BFCL's long context): the same task over much longer tool replies — every
record a tool returns comes with the customer's own other records (their accounts, their cards,
the transactions on them: real rows of the episode's state, never another customer's), so the
assistant must find what matters in a long reply. After the rollout the tool replies must be on
average at least `MIN_GROWTH` times as long as the parent's (`check`); a customer with too few
records to make them so is no long-context task (`DoesNotApply`)."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ..tasks import GoldAction
from ..tasks.owners import Owners
from .base import Context, DoesNotApply, Variant, compose, customers_of

MIN_GROWTH = 4.0
ROWS = 16
LEAST_ESTIMATE = 2.4
"""The least growth of the session's gold replies when only the calls every assistant makes carry
the customer's records (`_mean_chars`): an estimate that undercounts (the assistant's reads carry
them too), so a session under it cannot reach `MIN_GROWTH` (measured: estimates 2.0-2.4 grew 2.4-3.7x
in the rollout, 2.6-3.0 grew 4.0-6.0x)."""


def apply(v: Variant, ctx: Context) -> Variant:
    whose = customers_of(v, ctx)
    owners = {o for p in v.parts for o in whose(p)}
    if len(owners) != 1:
        raise DoesNotApply("the session is not with one known customer: no records of theirs to list")
    owner, = owners
    rows = own_records(Owners(v.compiled), owner)[:ROWS]
    if len(rows) < 4:
        raise DoesNotApply(f"the customer has {len(rows)} records besides their profile: too few for long replies")
    size = _chars({key: row for _, key, row in rows})
    before, after = _mean_chars(v.task.gold_actions), _mean_chars(_session_gold(v), size, v.compiled)
    if after < LEAST_ESTIMATE * before:
        raise DoesNotApply(f"the customer's records ({size} characters) cannot make replies of {before:.0f} "
                           f"characters {MIN_GROWTH:g} times as long")
    records: dict[str, list[str]] = {}
    for table, key, _ in rows:
        records.setdefault(table, []).append(key)
    v.plan.context_records = records
    person = owner[0] if owner[0] in v.compiled.tables else None
    v.plan.context_key = f"{v.compiled.noun(person)}_records" if person else "owner_records"
    return v


def own_records(owners: Owners, owner: tuple[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(table, key, row) of every initial row `owner` owns but their own profile, in the domain's
    table order then by key; then the rows no person owns that those refer to (the title of a
    loan, the flight of a booking, the product of an account: what the customer's records are of)."""
    out = []
    for table in owners.compiled.tables:
        if table == owner[0]:
            continue  # the person's own row: every finder's reply is it already
        for key, row in sorted(owners.rows.get(table, {}).items()):
            if owners.of(table, row) == owner:
                out.append((table, key, row))
    seen = {(t, k) for t, k, _ in out}
    for table, _, row in list(out):
        for field, parent, ref in owners.refs.get(table, []):
            found = owners._row(parent, ref, row.get(field)) if row.get(field) not in (None, "") else None
            if found is None:
                continue
            key = str(found.get(owners.compiled.tables[parent].pk))
            if (parent, key) not in seen and parent != owner[0] and owners.of(parent, found) is None:
                seen.add((parent, key))
                out.append((parent, key, found))
    return out


def _chars(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str))


def _session_gold(v: Variant) -> list[GoldAction]:
    """The gold actions of the session the variant is (its requests replayed on one sandbox), the
    variant itself left as it is."""
    return compose(replace(v, plan=v.plan.model_copy(deep=True))).task.gold_actions


def _mean_chars(actions: list[GoldAction], context: int = 0, compiled: Any = None) -> float:
    """The mean length of the actions' replies, the successful object replies of the session's
    first call and its writes `context` characters longer: the calls every assistant makes (a read
    of the gold's it may skip, answering from a list it has; a list carries no records)."""
    ok = [a for a in actions if a.ok]
    sure = {id(a) for a in ok[:1]} | {id(a) for a in ok if compiled is not None and compiled.tools[a.tool].writes}
    sizes = [_chars(a.result) + (context if id(a) in sure and isinstance(a.result, dict) else 0)
             for a in actions if a.result is not None]
    return sum(sizes) / len(sizes) if sizes else 0.0


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
