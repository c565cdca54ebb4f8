"""`change_of_mind`: the user changes a value of their request when the assistant asks to confirm
("Actually, could you make the new limit $3,000 instead?"). The user first says what their brief
says; the gold writes the value they change it to. The assistant must take the new value, ask
again, and never write the first one (`change_confirmed`); the final state shows the new value.

The value is one the user chooses (an amount, a count, a choice, a new address), never one that
names a record or who the user is: it goes to the request's first write as it is and no call
before it takes it. Its new value is nearby (an amount a fifth lower or higher, rounded as people
round; another of the tool's choices; another value the domain's records hold in a column of that
name: a plan's name, an address), and must let the session compose and end in another state.
"""
from __future__ import annotations

import copy
import datetime as dt
import random
import re
from typing import Any

from ...tools import CompiledDomain
from ...tools.render import render
from ..ground.plan import Change
from ..tasks import GoldAction
from .base import Context, DoesNotApply, NotApplicable, Part, Variant, compose, replay_alone

_IDENTITY = ("email", "phone", "name", "date_of_birth", "address", "zip", "password", "pin")


def apply(v: Variant, ctx: Context) -> Variant:
    part, write, read_before = first_write(v, "to confirm")
    before = _composed_hash(v, part, {})
    tried = 0
    corrected = {c.key for c in v.plan.corrections}  # changed at the confirmation and corrected after: one lesson at a time
    for key, argument in [(k, a) for k, a in _changeable(part, write, read_before) if k not in corrected]:
        for wanted in _nearby(part.knows[key], key, v.compiled, write, argument, ctx.rng):
            tried += 1
            if _composed_hash(v, part, {key: wanted}) in (None, before):
                continue  # a rule refuses it, or it ends where the first value would
            v.plan.changes = [*v.plan.changes, Change(key=key, said=part.knows[key], wanted=wanted,
                                                      tool=write.tool, argument=argument)]
            part.knows = {**part.knows, key: wanted}  # the gold's; the user's brief keeps what they say first
            return v
    if not tried:
        raise DoesNotApply("the first write takes no value the user chooses")
    raise DoesNotApply("no other value of the request composes into another state")


def first_write(v: Variant, purpose: str) -> tuple[Part, GoldAction, set[str]]:
    """The first request, its own first write (replayed alone) and the values the calls before it
    took; `DoesNotApply` when it makes no write (a lookup, a refusal) -- none `purpose`."""
    part = v.parts[0]
    actions = [] if part.lookup is not None or part.expect_refusal else replay_alone(v.compiled, part)
    n, a = next(((n, a) for n, a in enumerate(actions) if v.compiled.tools[a.tool].writes), (0, None))
    if a is not None and a.ok:
        return part, a, {render(x) for b in actions[:n] for x in b.arguments.values()}
    raise DoesNotApply(f"the first request makes no write {purpose}")


def _changeable(part: Part, write: GoldAction, read_before: set[str]) -> list[tuple[str, str]]:
    """(the user's key, the write's argument taking it) for each value the user chooses: passed to
    the write as it is, taken by no call before it, not an id nor who the user is, nor a reason (what
    happened is no choice: "because of a lost card" -> "Actually, make that because I think someone
    else has been using it" is another case, not another mind)."""
    out = []
    for key, value in part.knows.items():
        who = not key.startswith("new_") and any(w in key for w in _IDENTITY)
        if key == "id" or key.endswith("_id") or who or isinstance(value, bool) or "reason" in key \
                or not isinstance(value, (int, float, str)) or render(value) in read_before:
            continue
        argument = next((name for name, arg in write.arguments.items() if arg == value and type(arg) is type(value)), None)
        if argument is not None:
            out.append((key, argument))
    return out


def _nearby(value: Any, key: str, compiled: CompiledDomain, write: GoldAction, argument: str,
            rng: random.Random) -> list[Any]:
    """Other values a person would change `value` to: another choice the tool lists, or another
    value the domain holds under that name; a number a fifth lower or higher (a count one less or
    more), rounded as people round."""
    if isinstance(value, str):
        param = next((p for p in compiled.tools[write.tool].spec.parameters if p.name == argument), None)
        choices = param.enum if param is not None and param.enum else _held(compiled, {argument, key.removeprefix("new_")})
        others = sorted({str(c) for c in choices} - {value})
        rng.shuffle(others)
        when = _moment(value)
        if when is not None:  # a date or time: the closest others, on the same side of now
            return _near_in_time(when, others, dt.datetime.fromisoformat(compiled.domain.clock))
        if _LAID_OUT.match(value):  # a number written in a layout ("(536)821-3654"): the others in it too
            others = [o for o in dict.fromkeys(_laid_out_as(value, o) for o in others) if o not in (None, value)]
        return others[:3]
    if value <= 0:
        return []
    if isinstance(value, int) and value < 10:
        steps = [value - 1, value + 1] if value > 1 else [value + 1]
    else:
        steps = [_round_like_people(value * f, value) for f in (0.8, 1.2)]
    steps = [s for s in dict.fromkeys(steps) if s != value and s > 0]
    rng.shuffle(steps)
    return steps


_LAID_OUT = re.compile(r"^(?=(?:\D*\d){4})[\d\s().+-]+$")


def _laid_out_as(layout: str, other: str) -> str | None:
    """`other`'s digits in `layout`'s places ("528-277-6961" as "(536)821-3654" is "(528)277-6961"):
    a person corrects a phone number as they wrote it; None when the digits do not fit."""
    digits = re.sub(r"\D", "", other)
    if not _LAID_OUT.match(other) or len(digits) != sum(c.isdigit() for c in layout):
        return None
    it = iter(digits)
    return re.sub(r"\d", lambda _: next(it), layout)


def _moment(text: str) -> dt.datetime | None:
    """An ISO date or date-time as a moment ("2025-02-22T16:45:00", "2025-02-22"); None for other text."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?", text):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _near_in_time(when: dt.datetime, others: list[str], now: dt.datetime) -> list[str]:
    """The other moments a person would move `when` to: on its side of now (an appointment moved to
    next week, never to last month) and the closest first. A reschedule to "Dec 8, 2024" when today
    is January 15, 2025 was picked by chance from the records' values."""
    ahead = when >= now
    near = [(abs(m - when), o) for o in others if (m := _moment(o)) is not None and (m >= now) == ahead]
    return [o for _, o in sorted(near)[:3]]


def _held(compiled: CompiledDomain, names: set[str]) -> list[Any]:
    """The text values the domain's seeded records hold in columns of these names."""
    sandbox = compiled.new_sandbox()
    try:
        return [v for rows in sandbox.dump().values() for row in rows.values()
                for name, v in row.items() if name in names and isinstance(v, str) and v]
    finally:
        sandbox.close()


def _round_like_people(x: float, like: int | float) -> int | float:
    """3,840 -> 3,800; 276.4 -> 280; 38.2 -> 38 (an int stays an int, a float keeps two places)."""
    step = 100 if x >= 1000 else 10 if x >= 100 else 1
    rounded = round(x / step) * step
    return int(rounded) if isinstance(like, int) else float(rounded)


def _composed_hash(v: Variant, part: Part, change: dict[str, Any]) -> str | None:
    """The session's final state with `change` made to `part`'s values; None where it does not compose."""
    trial = Variant(task=v.task, compiled=v.compiled, parts=[copy.copy(p) for p in v.parts],
                    plan=v.plan.model_copy(deep=True))
    trial.parts[v.parts.index(part)].knows = {**part.knows, **change}
    try:
        return compose(trial).task.expected_state_hash
    except NotApplicable:
        return None
