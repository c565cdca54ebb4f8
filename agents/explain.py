"""What a write will change, said before it is made to a user who asks ("What exactly will that
change?"). It is read from the tool's own effect, so the answer is what the call does: the fields
an update sets (to a value when the effect names one: a fixed status, an argument), the record an
insert adds, the record a delete removes. Writes inside a condition or a loop are not listed one by
one; the answer then says that other details may change too."""
from __future__ import annotations

import re
from typing import Any

from gem_env.tools.model import DeleteStep, FindStep, ForEachStep, IfStep, InsertStep, UpdateStep, every_step
from gem_env.tools.render import counted, is_count, singular, spoken, words

from .speech import joined

ASKS_WHAT_CHANGES = re.compile(r"\bwhat (?:exactly )?(?:will|would) (?:that|this|it) (?:change|do)\b|"
                               r"\bwhat happens when\b|\bwhat will change\b", re.IGNORECASE)
_LITERAL = re.compile(r"^'([^']*)'$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_STEP = re.compile(r"^(?:round\()?\s*\w+\.(\w+)\s*([+-])\s*(\w+)\s*(?:,\s*\d+\s*\))?$")  # "row.balance - amount"
_CLOCK = frozenset({"now", "today"})


def what_changes(effect: list[Any] | None, args: dict[str, Any], owner: str = "") -> str:
    """The write's changes in sentences ("On your card, the status will be frozen and the status
    reason will be lost."); "" when the effect shows none. `owner`: the table of the
    customer's own profile ("your profile", not "your customer")."""
    said, hidden = [], False
    found_by: dict[str, str] = {}  # a row's name -> the argument it was found by ("source_account_id")
    for step in effect or []:
        if isinstance(step, FindStep):
            found_by[step.as_] = next((v for v in step.where.values() if isinstance(v, str) and v in args), "")
        elif isinstance(step, UpdateStep):
            parts = [_field(f, expr, args) for f, expr in step.set.items()
                     if not (isinstance(expr, str) and expr.strip() in _CLOCK)]
            record = _record(step.update, owner, found_by.get(step.row, ""))
            if len(parts) == 1 and parts[0].startswith("it will have "):  # "Your booking will have 3 bags."
                said.append(f"{_capital(record)} {parts[0][3:]}.")
            elif parts:
                said.append(f"On {record}, {joined(parts)}.")
        elif isinstance(step, InsertStep):
            said.append(_added(step.insert, step.values, args))
        elif isinstance(step, DeleteStep):
            said.append(f"{_capital(_record(step.delete, owner, found_by.get(step.row, '')))} will be removed.")
        elif isinstance(step, (IfStep, ForEachStep)):
            hidden = hidden or _writes(step)
    if not said:
        return ""
    return " ".join([*said, *(["Depending on the record, other details may change too."] if hidden else [])])


def _added(table: str, values: dict[str, Any], args: dict[str, Any]) -> str:
    """"A new dispute will be added, with transaction ID TRN-1, reason fraud and status open.": the
    values the insert sets from the arguments or as fixed words (not its new id or the date)."""
    given = []
    for name, expr in values.items():
        text = expr.strip() if isinstance(expr, str) else ""
        literal = _LITERAL.match(text)
        if text in args and args[text] not in (None, ""):
            given.append(f"{words(name).lower() if not name.endswith('_id') else words(name)} {spoken(name, args[text])}")
        elif literal and literal.group(1):
            given.append(f"{words(name).lower()} {spoken(name, literal.group(1))}")
    noun = words(singular(table)).lower()
    return f"A new {noun} will be added, with {joined(given)}." if given else f"A new {noun} will be added."


def _record(table: str, owner: str, param: str) -> str:
    """"your card"; "your source account" for a row found by `source_account_id`; "your profile"."""
    if table == owner:
        return "your profile"
    noun = param[:-3] if param.endswith("_id") and len(param) > 3 else singular(table)
    return f"your {words(noun).lower()}"


def _field(name: str, expr: Any, args: dict[str, Any]) -> str:
    """"the status will be frozen", "the spending limit will be $4,800", or "the balance will be
    updated" for a value worked out from others."""
    step = _STEP.match(expr) if isinstance(expr, str) else None
    if step and step.group(1) == name and step.group(3) in args:  # "round(row.balance - amount, 2)"
        return f"the {words(name).lower()} will go {'up' if step.group(2) == '+' else 'down'} by " \
               f"{spoken(step.group(3), args[step.group(3)])}"
    if not isinstance(expr, str):  # a constant
        return f"the {words(name).lower()} will be cleared" if expr is None else _field(name, "true" if expr is True
                                                                                       else "false" if expr is False else str(expr), {})
    expr = expr.strip()
    literal = _LITERAL.match(expr)
    if literal:
        value: Any = literal.group(1)
    elif expr in args:
        value = args[expr]
    elif expr in ("true", "false"):
        value = expr == "true"
    elif _NUMBER.match(expr):
        value = float(expr) if "." in expr else int(expr)
    else:
        return f"the {words(name).lower()} will be updated"
    if isinstance(value, bool):
        return f"the {words(name).lower()} will be {'on' if value else 'off'}"
    if is_count(name, value):
        return f"it will have {counted(name, value)}"
    return f"the {words(name).lower()} will be {spoken(name, value)}"


def _writes(step: IfStep | ForEachStep) -> bool:
    """Whether a condition's or a loop's steps write anything."""
    return any(isinstance(s, (UpdateStep, InsertStep, DeleteStep)) for s in every_step([step]))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
