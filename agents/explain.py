"""What a write will change, said before it is made to a user who asks ("What exactly will that
change?"). It is read from the tool's own effect, so the answer is what the call does: the fields
an update sets (to a value when the effect names one: a fixed status, an argument), the record an
insert adds, the record a delete removes. What a condition or a loop may write is said as what may
change too ("Your card may also be frozen because of fraud."), never as "other details"."""
from __future__ import annotations

import re
from typing import Any

from gem_env.tools.referring import PEOPLE, moved
from gem_env.tools.model import (DeleteStep, FindStep, ForEachStep, IfStep, InsertStep, LetStep, RequireStep,
                                 UpdateStep, every_step)
from gem_env.tools.render import counted, is_count, is_money, said_as, singular, smooth, spoken, words

from .speech import joined

ASKS_WHAT_CHANGES = re.compile(r"\bwhat (?:exactly )?(?:will|would) (?:that|this|it) (?:change|do)\b|"
                               r"\bwhat happens when\b|\bwhat will change\b", re.IGNORECASE)
_LITERAL = re.compile(r"^'([^']*)'$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_STEP = re.compile(r"^(?:round\()?\s*\w+\.(\w+)\s*([+-])\s*(\w+)\s*(?:,\s*\d+\s*\))?$")  # "row.balance - amount"
_ONE_STATUS = re.compile(r"^(\w+)\.status in \['([^']*)'\]$")  # the one status a row must have
_LATER = re.compile(r"^add_days\(\s*\w+\.(\w+)\s*,\s*(\d+)\s*\)$")  # "add_days(row.due_date, 21)"
_CLOCK = frozenset({"now", "today"})


def what_changes(effect: list[Any] | None, args: dict[str, Any], owner: str = "",
                 shared: frozenset[str] = frozenset(), names: dict[str, str] | None = None,
                 request: str = "", reasons: bool = True, seen: list[dict[str, Any]] | None = None) -> str:
    """The write's changes in sentences ("Your card will be frozen because it was lost. On your
    card, the spending limit will be $500."); "" when the effect shows none. `owner`: the table of the
    customer's own profile ("your profile", not "your customer"); `shared`: the "table.field" links
    to records nobody owns (an item's variant); `names`: what such records are called, by their key
    ("the Navy Blue product", not "product PRD-1"); `request`: the request as the confirmation says it
    (a reason it gives as a purpose, "for home delivery", is said so again); `reasons`: say why a
    status moves (not of a write under a condition, which decides when it happens); `seen`: the records
    read so far, whose values say what changes for the customer ("the spending limit will go from
    $2,000 to $4,700", "a new refund of $102.83"): only values a tool reply showed, never worked out."""
    said: list[str] = []
    maybe: list[str] = []  # what conditions and loops may write
    found_by: dict[str, str] = {}  # a row's name -> the argument it was found by ("source_account_id")
    rows: dict[str, dict[str, Any]] = {}  # a row's name -> the record read that it is (`seen`)
    only: dict[str, str] = {}  # a row's name -> the one status it must have ("loan_row.status in ['active']")
    paid_out: set[str] = set()  # "row.balance" a `let` pays out to the customer before it is emptied
    done = _act_done(effect, args)
    for step in effect or []:
        if isinstance(step, LetStep):
            paid_out |= {e.strip() for k, e in step.let.items() if k.endswith("paid_out") and isinstance(e, str)}
        elif isinstance(step, FindStep):
            found_by[step.as_] = next((v for v in step.where.values() if isinstance(v, str) and v in args), "")
            rows[step.as_] = _read(step.where, args, seen or [])
        elif isinstance(step, RequireStep) and (one := _ONE_STATUS.match(step.require.strip())):
            only[one.group(1)] = one.group(2)
        elif isinstance(step, UpdateStep):
            record = _record(step.update, owner, found_by.get(step.row, ""))
            sets = {f: e for f, e in _sets(step, done).items() if not (isinstance(e, str) and e.strip() in _CLOCK)}
            moved_to = _LITERAL.match(sets.pop("status").strip()) if isinstance(sets.get("status"), str) else None
            if moved_to and only.get(step.row) == moved_to.group(1):  # a renewal keeps the loan active: not news
                moved_to = None
            # "Your account will be closed because you're moving out.", not "On your account, the status
            # will be closed and the status reason will be moving out."
            if moved_to:
                why = next((sets.pop(f) for f in [f for f in sets if f.endswith("reason")][:1]), None)  # frozen_reason
                reason = args.get(why.strip()) if isinstance(why, str) else None
                because = f" because of {spoken('reason', reason)}" if reason and reasons else ""
                said.append(smooth(f"{_capital(record)} will be {moved_to.group(1)}{because}."))
            # what it held goes to the customer ("the balance will be paid out to you"), not "will be $0"
            now = rows.get(step.row, {})
            parts = [(f"the {words(f).lower()}{_of(f, now.get(f))} will be paid out to you" if f"{step.row}.{f}" in paid_out
                      else _field(f, expr, args, now.get(f))) for f, expr in sets.items()]
            if len(parts) == 1 and parts[0].startswith("it will have "):  # "Your booking will have 3 bags."
                said.append(f"{_capital(record)} {parts[0][3:]}.")
            elif parts:
                said.append(f"{'Also, on' if moved_to else 'On'} {record}, {joined(parts)}.")
        elif isinstance(step, InsertStep):
            said.append(_added(step.insert, step.values, args, owner, shared, names or {}, request, rows, seen or []))
        elif isinstance(step, DeleteStep):
            said.append(f"{_capital(_record(step.delete, owner, found_by.get(step.row, '')))} will be removed.")
        elif isinstance(step, (IfStep, ForEachStep)) and _writes(step):
            # what a condition or a loop may write, said as what may happen ("Your card may also be
            # frozen."), never "other details may change too"
            inner = [*step.then, *step.else_] if isinstance(step, IfStep) else step.do
            maybe.append(what_changes(inner, args, owner, shared, names, request, reasons=False, seen=seen))  # when is the condition's
    if not said:
        return ""
    return " ".join([*said, *(_may(m) for m in maybe if m and m not in said)])


def what_steps_change(calls: list[tuple[list[Any] | None, dict[str, Any]]], owner: str = "",
                      shared: frozenset[str] = frozenset(), names: dict[str, str] | None = None,
                      request: str = "", called: dict[str, str] | None = None,
                      seen: list[dict[str, Any]] | None = None) -> str:
    """What a chain of writes changes together, said once for the whole of it, as `what_changes`
    says one write: a how-to's steps, asked about before the first ("For your jambox, I'll click
    System Preferences and click the Bluetooth icon. Your jambox will then be connected."), never
    only its first step. A field set more than once is said as it ends
    up (a status moved to sent and then to supported: supported); `calls`: (effect, arguments) of
    each write, in order. `called`: a record as the user calls it, by how it is named otherwise
    ("your zapdos" -> "Zapdos", `actions.thing_called`)."""
    if len(calls) == 1:
        return what_changes(calls[0][0], calls[0][1], owner, shared, names, request, seen=seen)
    updated: dict[str, tuple[list[str], dict[str, tuple[Any, dict[str, Any]]]]] = {}  # record -> (steps, sets)
    besides: list[str] = []  # what the writes add, remove, or may change
    acted: dict[tuple[str, str], int] = {}  # (act, target) -> calls so far: the same target twice is two rows
    for effect, args in calls:
        found_by: dict[str, str] = {}
        done = _act_done(effect, args, acted)
        for step in effect or []:
            if isinstance(step, FindStep):
                found_by[step.as_] = next((v for v in step.where.values() if isinstance(v, str) and v in args), "")
            elif isinstance(step, UpdateStep):
                steps, sets = updated.setdefault(_record(step.update, owner, found_by.get(step.row, "")), ([], {}))
                for name, expr in _sets(step, done).items():
                    done = _LITERAL.match(expr.strip()) if name == "progress" and isinstance(expr, str) else None
                    if done:
                        steps.append(done.group(1))
                    elif not (isinstance(expr, str) and expr.strip() in _CLOCK):
                        sets.pop(name, None)  # said where it is last set
                        sets[name] = (expr, args)
        rest = [st for st in effect or [] if not isinstance(st, UpdateStep)]
        if told := what_changes(rest, args, owner, shared, names, request, seen=seen):
            besides.append(told)
    said: list[str] = []
    for record, (steps, sets) in updated.items():
        record = (called or {}).get(record, record)
        if steps:
            said.append(f"For {record}, {_steps_done(list(dict.fromkeys(steps)))}.")
        status = sets.pop("status", None)
        moved_to = _LITERAL.match(status[0].strip()) if status and isinstance(status[0], str) else None
        parts = [_field(f, expr, args) for f, (expr, args) in sets.items()]
        if status and not moved_to:
            parts.insert(0, _field("status", *status))
        if moved_to:
            said.append(smooth(f"{_capital(record)} will {'then ' if steps else ''}be {moved_to.group(1)}."))
        if parts:
            said.append(f"{'Also, on' if said else 'On'} {record}, {joined(parts)}.")
    return " ".join([*said, *besides])


_STEPS_NAMED = 4
"""The most steps named one by one; more are said by their first and last."""


def _steps_done(steps: list[str]) -> str:
    """How-to steps said as what the assistant will do, each in the guide's words (the progress a
    procedure's step sets: "insert your key into the ignition slot"), never as a quoted label nor
    as the sandbox's bookkeeping ('the steps ... will be recorded as done'): "I'll insert your key
    into the ignition slot and write down all codes"; more than `_STEPS_NAMED` by the first and
    the last."""
    if len(steps) <= _STEPS_NAMED:
        return f"I'll {joined(steps)}"
    return f"I'll go through {len(steps)} steps: first I'll {steps[0]}, and last I'll {steps[-1]}"


_QUOTED = re.compile(r"""^(['"])(.*)\1$""")


def _act_done(effect: list[Any] | None, args: dict[str, Any],
              acted: dict[tuple[str, str], int] | None = None) -> dict[str, str] | None:
    """What a how-to's act sets when called (`procedure_acts`: its `steps` rows, one of which the
    call's target names): the step row's label as the progress and the status it leaves, as
    literals ("click on Troubleshooting Information", 'reset'), read from the call, not from a
    literal its update sets; None for any other call. `acted` counts a chain's calls of each act and
    target: the second call of a target the guide names twice is its second row ("click Open again"),
    not the first's label again."""
    said = {_plain(v) for v in args.values() if isinstance(v, str)}
    for step in effect or []:
        rows = step.let.get("steps") if isinstance(step, LetStep) else None
        if not isinstance(rows, list):
            continue
        named = []
        for row in rows:
            target = _QUOTED.match(str(row.get("target", ""))) if isinstance(row, dict) else None
            if target and _plain(target.group(2)) in said:
                named.append((row, _plain(target.group(2))))
        if named:
            key = (str(rows), named[0][1])
            nth = (acted or {}).get(key, 0)
            if acted is not None:
                acted[key] = nth + 1
            row = named[min(nth, len(named) - 1)][0]
            label, status = (_QUOTED.match(str(row.get(k) or "")) for k in ("label", "status"))
            return {"progress": f"'{label.group(2)}'" if label else "",
                    **({"status": f"'{status.group(2)}'"} if status else {})}
    return None


def _sets(step: UpdateStep, done: dict[str, str] | None) -> dict[str, Any]:
    """An update's fields as the call sets them: an act's progress and status as its step row says."""
    if done is None:
        return step.set
    return {**{f: e for f, e in step.set.items() if f not in ("progress", "status")}, **done}


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _may(text: str) -> str:
    """Sentences of what will change as what may change too: "Your card will be frozen." -> "Your
    card may also be frozen."."""
    sentences = [re.sub(r"\bwill\b", "may", s, count=1) for s in re.split(r"(?<=\.)\s+(?=[A-Z])", text)]
    sentences[0] = re.sub(r"\bmay\b", "may also", sentences[0], count=1)
    return " ".join(sentences)


def _added(table: str, values: dict[str, Any], args: dict[str, Any], owner: str = "",
           shared: frozenset[str] = frozenset(), names: dict[str, str] | None = None, request: str = "",
           rows: dict[str, dict[str, Any]] | None = None, seen: list[dict[str, Any]] | None = None) -> str:
    """"A new dispute will be created for your transaction TRN-1 because of fraud. It will start
    out as open.": the values the insert sets from the arguments or as fixed words (not its new id,
    the date, or the customer's own profile), each said as what it is to the customer: the records
    it is for (with what the records read show it was for: "your transaction TRN-1 of $54.20"), its
    reason, its first status, then its other details; a sum it takes from a record read (`rows`: the
    effect's found rows as read) is said as its own ("A new refund of $102.83 will be created")."""
    noun = said_as(words(singular(table)).lower())
    owner_key = f"{singular(owner)}_id" if owner else ""
    fors, why, start, counts, details, worth, sums = [], "", "", [], [], "", []
    for name, expr in values.items():
        text = expr.strip() if isinstance(expr, str) else ""
        literal = _LITERAL.match(text)
        value = args[text] if text in args else literal.group(1) if literal else _row_value(text, rows or {})
        if value in (None, "") or name == owner_key:
            continue
        if text not in args and not literal:  # a sum the record read holds: "a new refund of $102.83"
            if is_money(name, value) and not worth:
                worth = f" of {spoken(name, value)}"
            continue
        field = words(name).lower()
        if moved(name):  # "from your account ACC-1 to your account ACC-2"
            thing, way = moved(name)  # type: ignore[misc]
            fors.append((way.split()[1], f"your {thing} {spoken(name, value)}"))
        elif name.endswith("_id") and f"{table}.{name}" in shared and str(value) in (names or {}):
            entry, kind = (names or {})[str(value)], words(name[:-3]).lower()
            # "for the Navy Blue product"; a person by their name: "with John Martin", never "for the John Martin doctor"
            fors.append(("with", entry) if PEOPLE.match(kind) else ("for", f"the {entry} {kind}"))
        elif name.endswith("_id") and PEOPLE.match(words(name[:-3]).lower()) \
                and (who := _person_named(name, value, seen or [])) is not None:
            fors.append(("for", f"your {words(name[:-3]).lower()} {who}"))  # "your contact Anthony Saunders"
        elif name.endswith("_id"):
            whose = "" if f"{table}.{name}" in shared else "your "
            fors.append(("for", f"{whose}{words(name[:-3]).lower()} {spoken(name, value)}\x00{_sum_of(name, value, seen or [])}"))
            sums.append(f"\x00{_sum_of(name, value, seen or [])}")
        elif name == "reason":
            purpose = re.search(rf"\bfor (?:an? |the )?{re.escape(str(value))}\b", request, re.IGNORECASE)
            why = f" {purpose.group(0)}" if purpose else f" because of {spoken(name, value)}"
        elif name.endswith(("status", "state")):
            start = f" It will start out as {spoken(name, value)}."
        elif is_count(name, value):  # "It will be for 3 nights.", never "the nights will be 3"
            counts.append(counted(name, value))
        elif isinstance(value, str) and value.count(" ") >= 3:  # words of the customer's own: quoted
            # (its own closing stop left out: 'will read "... cannot be changed". Is that okay?' read '.".')
            details.append(f'the {field} will read "{value.rstrip().rstrip(".")}"')
        else:
            details.append(f"the {field} will be {spoken(name, value)}")
    records = "".join(f" {prep} {joined([r for p, r in fors if p == prep])}" for prep in dict(fors))
    own_sum = worth or any(is_money(n, args.get(e)) for n, e in values.items() if isinstance(e, str) and e.strip() in args)
    for sum_of in sums:  # what the record it is for was for, unless the new one has a sum of its own
        records = records.replace(sum_of, "" if own_sum else sum_of[1:], 1)
    said = f"A new {noun}{worth} will be created{records}{why}.{start}"
    if counts:
        said += f" It will be for {joined(counts)}."
    if details:
        said += f" {_capital(joined(details))}."
    return smooth(said)


def _record(table: str, owner: str, param: str) -> str:
    """"your card"; "the account it's coming from" for a row found by `source_account_id`; "your profile"."""
    if table == owner:
        return "your profile"
    if moved(param):  # "the account it's coming from", never "your source account"
        return "the {} it's {}".format(*moved(param))
    noun = param[:-3] if param.endswith("_id") and len(param) > 3 else singular(table)
    return f"your {words(noun).lower()}"


def _read(where: dict[str, Any], args: dict[str, Any], seen: list[dict[str, Any]]) -> dict[str, Any]:
    """The record read (`seen`) that a find step's keys name by the call's arguments, else {}."""
    keys = {f: args[v] for f, v in where.items() if isinstance(v, str) and v in args}
    if not keys:
        return {}
    return next((r for r in seen if isinstance(r, dict) and all(f in r and str(r[f]) == str(v) for f, v in keys.items())), {})


def _row_value(expr: str, rows: dict[str, dict[str, Any]]) -> Any:
    """The value of "row.field" on the record read as that row, else None."""
    m = re.fullmatch(r"(\w+)\.(\w+)", expr)
    return rows.get(m.group(1), {}).get(m.group(2)) if m else None


_SUM = ("amount", "total", "price")


def _sum_of(key: str, value: Any, seen: list[dict[str, Any]]) -> str:
    """" of $54.20": what the record a new one is for was for, where the records read show it."""
    row = next((r for r in seen if isinstance(r, dict) and str(r.get(key)) == str(value)
                and any(f in r for f in _SUM)), None)
    field = next((f for f in _SUM if row is not None and is_money(f, row.get(f))), None)
    return f" of {spoken(field, row[field])}" if field else ""


def _person_named(key: str, value: Any, seen: list[dict[str, Any]]) -> str | None:
    """The name of the person record `key` = `value` where the records read show it ("Anthony
    Saunders" for CNT-36176 in the contacts listed): a person is said by name, never by an internal
    number the customer does not know."""
    row = next((r for r in seen if isinstance(r, dict) and str(r.get(key)) == str(value)), None)
    if row is None:
        return None
    name = row.get("name") if isinstance(row.get("name"), str) else \
        " ".join(str(row[f]) for f in ("first_name", "last_name") if isinstance(row.get(f), str))
    return name.strip() or None


def _of(name: str, value: Any) -> str:
    """" of $1,234.56": a sum the record read holds, else ""."""
    return f" of {spoken(name, value)}" if is_money(name, value) else ""


def _field(name: str, expr: Any, args: dict[str, Any], now: Any = None) -> str:
    """"the status will be frozen", "the spending limit will be $4,800", "the balance will go down by
    $100", "the due date will move 21 days later", or "the balance will be updated" for a value worked
    out from others in another way."""
    step = _STEP.match(expr) if isinstance(expr, str) else None
    if step and step.group(1) == name and (step.group(3) in args or _NUMBER.match(step.group(3))):
        # "round(row.balance - amount, 2)"; a count moved by a number: "row.renewals + 1"
        by = spoken(step.group(3), args[step.group(3)]) if step.group(3) in args else step.group(3)
        return f"the {words(name).lower()} will go {'up' if step.group(2) == '+' else 'down'} by {by}"
    later = _LATER.match(expr) if isinstance(expr, str) else None
    if later and later.group(1) == name:  # "add_days(row.due_date, 21)"
        days = int(later.group(2))
        return f"the {words(name).lower()} will move {days} day{'s' if days != 1 else ''} later"
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
    if name == "progress" and isinstance(value, str):  # a how-to's step done (`procedure`)
        return _steps_done([value])  # (was "the progress will be navigate bnpl platinum")
    if is_count(name, value):
        return f"it will have {counted(name, value)}"
    if now is not None and not isinstance(now, bool) and spoken(name, now) != spoken(name, value) \
            and (is_money(name, now) or isinstance(now, str) and len(now) < 40):
        return f"the {words(name).lower()} will go from {spoken(name, now)} to {spoken(name, value)}"  # as read
    return f"the {words(name).lower()} will be {spoken(name, value)}"


def _writes(step: IfStep | ForEachStep) -> bool:
    """Whether a condition's or a loop's steps write anything."""
    return any(isinstance(s, (UpdateStep, InsertStep, DeleteStep)) for s in every_step([step]))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
