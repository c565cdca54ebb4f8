"""A write tool's rules checked against records already read: how an assistant (and the task
builder, to know a refusal can be seen coming) tells that an action would be refused before
taking it; and which earlier reads are still true."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from gem_env.tools import CompiledDomain
from gem_env.tools.errors import ExprError
from gem_env.tools.expr import compile_expr, compile_template
from gem_env.tools.patterns import compiled
from gem_env.tools.render import singular
from gem_env.tools.model import (DeleteStep, FindStep, ForEachStep, IfStep, InsertStep, LetStep, RequireStep, ReturnStep,
                                 ToolSpec, UpdateStep)

from .ids import own_key


class NoDatabase:
    """The expression runtime offered outside a sandbox: it reads results, never the database."""

    def lookup(self, table: str, key: Any) -> dict | None:
        raise ExprError("the assistant cannot read the database directly")

    def next_id(self, prefix: str) -> str:
        raise ExprError("the assistant cannot allocate ids")

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        raise ExprError("the assistant cannot read the database directly")

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]:
        raise ExprError("the assistant cannot read the database directly")


def records(results: list[Any]) -> list[dict[str, Any]]:
    """Every record (dict) in tool results, nested ones included, latest result first."""
    out: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            out.append(value)
            for v in value.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for value in reversed(results):
        walk(value)
    return out


def is_rule(spec: ToolSpec, step: RequireStep) -> bool:
    """A rule about the data (a status, a date, a limit), not a check of what the user typed (a PIN)."""
    params = {p.name for p in spec.parameters}
    try:
        names = compile_expr(step.require).names
    except ExprError:
        return False
    where_params = {v for s in spec.effect or [] if isinstance(s, FindStep)
                    for v in s.where.values() if isinstance(v, str)}
    return not (names & (params - where_params))


def rule_messages(spec: ToolSpec) -> list[str]:
    return [s.message for s in spec.effect or [] if isinstance(s, RequireStep) and is_rule(spec, s)]


def is_rule_message(spec: ToolSpec, message: str) -> bool:
    """Whether an error is one of the tool's rules, its `{...}` placeholders filled in
    ("A card that is frozen cannot be changed" for "A card that is {card_row.status} cannot be changed")."""
    for template in rule_messages(spec):
        parts = re.split(r"\{[^{}]*\}", template)
        if compiled(".+?".join(re.escape(p) for p in parts), re.DOTALL).fullmatch(message):
            return True
    return False


def blocking_rule(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                  keys: dict[str, str]) -> tuple[str, list[str], list[tuple[str, Any, str]]] | None:
    """(message, the values that break it, the same as (field, value, record) so they can be said
    for what they mean) of the first rule of `spec` that the records in `results` show this call
    would break; None when none does or the records do not tell. `record` names the record the
    value is of ("account ACC-1") when the call reads several of its kind (a transfer's two
    accounts: "this one" would not say which), else "".

    A found row is matched to a record that carries its table's key (`keys`: table -> key field)
    and the same `where` values; an optional find is never guessed (absence cannot be read)."""
    env: dict[str, Any] = {**clock, **args}
    rt = NoDatabase()
    seen = records(results)
    finds = [st.find for st in spec.effect or [] if isinstance(st, FindStep)]
    refs: dict[str, str] = {}  # the name a found row is bound to -> "account ACC-1", where it needs saying
    for step in spec.effect or []:
        try:
            if isinstance(step, FindStep):
                row = _seen_row(step, env, rt, seen, keys)
                if row is None:  # not read: the rules on it are not told, the others still are
                    continue
                env[step.as_] = row
                if finds.count(step.find) > 1:
                    refs[step.as_] = f"{singular(step.find)} {row[keys[step.find]]}"
            elif isinstance(step, LetStep):
                _let(step, env, rt)
            elif isinstance(step, RequireStep):
                if is_rule(spec, step) and _fields_known(step.require, env) \
                        and not compile_expr(step.require)(env, rt):
                    named = _named_values(step.require, env, refs)
                    return _message(step.message, env, rt), list(dict.fromkeys(str(v) for _, v, _ in named)), named
            else:
                return None
        except ExprError:
            if isinstance(step, RequireStep):
                continue
            return None
    return None


def _seen_row(step: FindStep, env: dict[str, Any], rt: NoDatabase, seen: list[dict[str, Any]],
              keys: dict[str, str]) -> dict[str, Any] | None:
    """The record read so far that a find of one row by its `where` finds: one carrying its
    table's key (an order, not its item) and the same values; None when none does, or for a find
    that is not guessed (many rows, a filter, optional: absence cannot be read)."""
    if step.many or step.filter or step.optional or step.find not in keys:
        return None
    where = {k: compile_expr(v)(env, rt) if isinstance(v, str) else v for k, v in step.where.items()}
    return next((r for r in seen if own_key(r) == keys[step.find]
                 and all(k in r and str(r[k]) == str(v) for k, v in where.items())), None)


def _let(step: LetStep, env: dict[str, Any], rt: NoDatabase) -> None:
    env.update({k: compile_expr(v)(env, rt) if isinstance(v, str) else v for k, v in step.let.items()})


def conditions(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
               keys: dict[str, str]) -> list[tuple[IfStep, bool | None, dict[str, Any]]]:
    """Each condition of the write (`IfStep`), whether it holds for this call by the records read
    so far (None: they do not tell), and the rows it reads, bound as `blocking_rule` finds them
    ("reason == 'fraud' and card_row.status in ['active']" with card_row the charge's card as a
    listing showed it)."""
    if not any(isinstance(step, IfStep) for step in spec.effect or []):
        return []  # most writes: nothing to read the records for
    env: dict[str, Any] = {**clock, **args}
    rt = NoDatabase()
    seen = records(results)
    out: list[tuple[IfStep, bool | None, dict[str, Any]]] = []
    for step in spec.effect or []:
        try:
            if isinstance(step, FindStep):
                if (row := _seen_row(step, env, rt, seen, keys)) is not None:
                    env[step.as_] = row
            elif isinstance(step, LetStep):
                _let(step, env, rt)
            elif isinstance(step, IfStep):
                out.append((step, bool(compile_expr(step.if_)(env, rt)), dict(env)))
        except (ExprError, KeyError, TypeError):
            if isinstance(step, IfStep):
                out.append((step, None, dict(env)))
    return out


def case_holds(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
               keys: dict[str, str], case: str) -> bool | None:
    """Whether the write's condition that tests `case` ("reason == 'fraud' and card_row.status in
    ['active']") holds for this call by the records read so far: False when they show it does not
    (a fraud dispute on a card already frozen freezes nothing), None when they do not tell or no
    condition tests it."""
    quoted = f"'{case.lower()}'"
    return next((holds for step, holds, _ in conditions(spec, args, results, clock, keys)
                 if quoted in step.if_.lower()), None)


def changed_besides(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                    keys: dict[str, str]) -> list[tuple[str, Any, str]]:
    """(table, key, new status) of each record a write's condition moves to a fixed status when the
    records read before it show the condition held ("card CRD-1 is now frozen" after a fraud
    dispute): what the write did besides its own record, to tell after it."""
    out: list[tuple[str, Any, str]] = []
    for step, holds, env in conditions(spec, args, results, clock, keys):
        if holds is not True:
            continue
        for then in step.then:
            status = then.set.get("status") if isinstance(then, UpdateStep) else None
            row = env.get(then.row) if isinstance(then, UpdateStep) else None
            fixed = re.fullmatch(r"'([a-z][a-z _]*)'", status.strip()) if isinstance(status, str) else None
            if fixed and isinstance(row, dict) and then.update in keys and row.get(keys[then.update]) is not None \
                    and row.get("status") != fixed.group(1):
                out.append((then.update, row[keys[then.update]], fixed.group(1)))
    return out


def fees_not_due(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                 keys: dict[str, str]) -> set[str]:
    """The amounts ("25") a write sets only under a condition the records read show does not hold
    (a late fee, for a cancellation well ahead): a sentence of the text naming that fee is not
    said before this change."""
    out: set[str] = set()
    for step, holds, _ in conditions(spec, args, results, clock, keys):
        if holds is False:
            out |= {v.strip() for then in step.then if isinstance(then, UpdateStep) for v in then.set.values()
                    if isinstance(v, str) and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", v)}
    return out


def found_by_key(step: FindStep, args: dict[str, Any], keys: dict[str, str]) -> Any:
    """The key a find looks its one row up by, when it is an argument of the call (`find cards
    where card_id = card_id`); None otherwise."""
    source = step.where.get(keys.get(step.find, "")) if len(step.where) == 1 and not step.many else None
    return args.get(source) if isinstance(source, str) and args.get(source) not in (None, "") else None


def rule_records(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str]) -> list[tuple[str, Any]]:
    """(table, key) of the records a write's rules read, found by their key from its arguments
    ("update_limit(card_id=C1)" finds card C1 before its rules): what an assistant opens to see
    the condition for itself rather than trusting a list's summary of it. A record no rule reads
    (the customer a handoff is filed for) is not one."""
    out: list[tuple[str, Any]] = []
    finds: dict[str, tuple[str, Any]] = {}
    for step in spec.effect or []:
        if isinstance(step, RequireStep):
            if not is_rule(spec, step):
                continue
            names = compile_expr(step.require).names
            out += [found for name, found in finds.items() if name in names and found not in out]
        elif isinstance(step, FindStep) and (key := found_by_key(step, args, keys)) is not None and step.as_:
            finds[step.as_] = (step.find, key)
    return out


def opened(results: list[Any], pk: str, key: Any) -> bool:
    """Whether a read returned the record `key` itself (not as an item of a list)."""
    return any(isinstance(r, dict) and str(r.get(pk)) == str(key) for r in results)


def _named_values(expr: str, env: dict[str, Any], refs: dict[str, str]) -> list[tuple[str, Any, str]]:
    """(field, value, record) of the record values a rule reads (``card.status`` -> ("status",
    "frozen", "")); the record as `refs` names it."""
    out: dict[str, tuple[str, Any, str]] = {}
    for name, field in re.findall(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b", expr):
        row = env.get(name)
        if isinstance(row, dict) and row.get(field) not in (None, ""):
            out.setdefault(field, (field, row[field], refs.get(name, "")))
    return list(out.values())


def _fields_known(expr: str, env: dict[str, Any]) -> bool:
    """Every ``row.field`` the rule reads is in the record read (a missing field is not a "no")."""
    for name, field in re.findall(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b", expr):
        row = env.get(name)
        if isinstance(row, dict) and field not in row:
            return False
    return True


def _message(message: str, env: dict[str, Any], rt: NoDatabase) -> str:
    """The rule's message with its {placeholders} filled, as the sandbox would say it."""
    if "{" not in message:
        return message
    try:
        return str(compile_template(message)(env, rt))  # type: ignore[arg-type]
    except ExprError:
        return re.sub(r"\s*\{[^}]*\}", "", message)


ANY = object()
"""In a write's footprint: rows of the table the write may change other than by their key."""
NEW = object()
"""In a write's footprint: a row the write adds (no record read before is changed by it; a list
of such records may gain one)."""


Footprint = dict[str, tuple[set[Any], set[str]]]
"""Per table a write may change: (the keys of the rows it changes, `ANY` or `NEW`; the fields it sets)."""


def footprint(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str]) -> Footprint | None:
    """The records a write may change, per table: the keys of rows it updates or deletes after
    finding them by their key from its arguments, `ANY` (rows found otherwise, inside a loop or a
    branch) or `NEW` (a row inserted), with the fields it sets; None when the tool has no declared
    effect."""
    if spec.effect is None:
        return None
    found: dict[str, Any] = {}
    out: Footprint = {}

    def walk(steps: list[Any], nested: bool) -> None:
        for st in steps:
            if isinstance(st, FindStep):
                key = None if nested else found_by_key(st, args, keys)
                found[st.as_] = ANY if key is None else key
            elif isinstance(st, (UpdateStep, DeleteStep)):
                table, fields = (st.update, set(st.set)) if isinstance(st, UpdateStep) else (st.delete, set())
                rows, sets = out.setdefault(table, (set(), set()))
                rows.add(found.get(st.row, ANY) if isinstance(st, UpdateStep) else ANY)
                sets.update(fields)
            elif isinstance(st, InsertStep):
                out.setdefault(st.insert, (set(), set()))[0].add(NEW)
            elif isinstance(st, ForEachStep):
                walk(st.do, True)
            elif isinstance(st, IfStep):
                walk(st.then, True)
                walk(st.else_, True)

    walk(list(spec.effect), False)
    return out


@lru_cache(maxsize=4096)
def _tables_looked_up(source: str) -> frozenset[str]:
    """The tables an expression looks up (none when it does not compile): asked for every read the
    session remembers at every write, so compiled once per expression."""
    try:
        return frozenset(compile_expr(source).tables)
    except ExprError:
        return frozenset()


def read_scope(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str]) -> tuple[set[str], tuple[str, Any] | None] | None:
    """The tables a read's reply depends on (found rows, and tables its expressions look up), and
    the (table, key) of the one record it opens by its key from its arguments, if it opens one;
    None when the tool has no declared effect."""
    if spec.effect is None:
        return None
    tables: set[str] = set()
    opens: list[tuple[str, Any]] = []

    def exprs(values: Any) -> None:
        for v in values if isinstance(values, (list, tuple)) else [values]:
            if isinstance(v, str):
                tables.update(_tables_looked_up(v))

    def walk(steps: list[Any], nested: bool) -> None:
        for st in steps:
            if isinstance(st, FindStep):
                tables.add(st.find)
                exprs([*st.where.values(), st.filter])
                key = None if nested or opens else found_by_key(st, args, keys)
                if key is not None:
                    opens.append((st.find, key))
            elif isinstance(st, LetStep):
                exprs(list(st.let.values()))
            elif isinstance(st, RequireStep):
                exprs(st.require)
            elif isinstance(st, ReturnStep):
                exprs(st.return_)
            elif isinstance(st, ForEachStep):
                exprs(st.for_each)
                walk(st.do, True)
            elif isinstance(st, IfStep):
                exprs(st.if_)
                walk(st.then, True)
                walk(st.else_, True)

    walk(list(spec.effect), False)
    return tables, (opens[0] if opens else None)


Read = tuple[str, dict[str, Any], Any]
"""(tool effect or name, arguments, result) of a read made."""


def reads_since_write(messages: list[dict[str, Any]], compiled: CompiledDomain,
                      keep: frozenset[str] = frozenset()) -> list[Read]:
    """The reads in `messages` that are still true (`memory`)."""
    return memory(messages, compiled, keep)[0]


def memory(messages: list[dict[str, Any]], compiled: CompiledDomain,
           keep: frozenset[str] = frozenset()) -> tuple[list[Read], set[int]]:
    """The reads in `messages` that are still true, as the writes since have left them, and the
    `id()`s of those a write since may have changed (kept as its reply patched them). A write's reply
    is patched into the records it names; a read holding a record the write may have changed
    otherwise is forgotten, as is a read listing records of a kind the write may add to. A support
    agent remembers the booking it opened before cancelling another; it does not open it again, but
    it looks again before changing a record that a change since may have touched. The reads of the
    tools in `keep` (who the customer is) follow the older, list-level rule: kept while the reply
    patches them and the write changed no field they show of a record the reply does not name."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    out: list[Read] = []
    stale: set[int] = set()
    for m in messages:
        for c in (m.get("tool_calls") or []) if m.get("role") == "assistant" else []:
            fn = c.get("function") or {}
            tool = compiled.tools.get(fn.get("name"))
            try:
                args, result = json.loads(fn.get("arguments") or "{}"), json.loads(replies.get(c.get("id")) or "")
            except (TypeError, json.JSONDecodeError):
                args, result = {}, None
            if tool is None or tool.writes:
                changed = footprint(tool.spec, args, keys) if tool is not None else None
                scopes = [read_scope(compiled.tools[t].spec, a, keys) for t, a, _ in out]
                stale.update(id(r) for (_, _, r), sc in zip(out, scopes) if _may_touch(sc, changed))
                out[:] = [(t, a, r) for (t, a, r), sc in zip(out, scopes)
                          if (_patched(r, result) and not _unnamed_change(r, result, changed, keys) if t in keep
                              else _still_true(sc, r, result, changed, keys))]
                stale &= {id(r) for _, _, r in out}  # a forgotten read's id may be a later read's
                continue
            if result is not None and not (isinstance(result, dict) and set(result) == {"error"}):
                out.append((fn["name"], args, result))
    return out, stale


def _may_touch(scope: tuple[set[str], tuple[str, Any] | None] | None, changed: Footprint | None) -> bool:
    """Whether a write of footprint `changed` may have changed the record a read of `scope` opens
    (or, for a read opening none, anything it shows)."""
    if changed is None or scope is None:
        return True
    tables, opened = scope
    if opened is None:
        return bool(tables & set(changed))
    rows = changed.get(opened[0], (set(), set()))[0]
    return ANY in rows or str(opened[1]) in {str(k) for k in rows}


def _still_true(scope: tuple[set[str], tuple[str, Any] | None] | None, read: Any, reply: Any,
                changed: Footprint | None, keys: dict[str, str]) -> bool:
    """Whether `read` (by a tool of `scope`) holds after a write with footprint `changed` and
    `reply`: the write changed no table the read depends on, or only other records of the one
    table of the one record it opens, or that record itself with the reply saying every field it
    set (patched into `read` in place)."""
    if isinstance(reply, dict) and set(reply) == {"error"}:
        return True  # a failed write changed nothing
    if changed is None or scope is None:
        return False
    tables, opened = scope
    touched = set(changed) & tables
    if not touched:
        return True
    if opened is None or touched != {opened[0]} or not isinstance(read, dict):
        return False
    rows, fields = changed[opened[0]]
    if ANY in rows:
        return False
    pk = keys[opened[0]]
    return str(opened[1]) not in {str(k) for k in rows} or _patch_one(read, reply, pk, fields)


def _patch_one(record: dict[str, Any], reply: Any, pk: str, fields: set[str]) -> bool:
    """Patch the write's `reply` into `record` when the reply is that record and says every field
    the write set that the record shows; False otherwise (the record may be stale; a reply about the
    record that is not the record, a quote for changing it, is forgotten)."""
    if not isinstance(reply, dict) or pk not in record or str(reply.get(pk)) != str(record[pk]) or (fields & set(record)) - set(reply):
        return False
    record.update({k: v for k, v in reply.items() if k in record})
    return True


def _patched(read: Any, reply: Any) -> bool:
    """Patch a write's `reply` into the records of `read` it names (in place), or add the new
    record it made to the list of such records `read` holds (a customer's bookings, after booking
    one) when the reply says every field the list shows; False when `read` may be stale past
    repair: the reply names no record, or a new one the list cannot take."""
    if not isinstance(reply, dict) or set(reply) == {"error"}:
        return isinstance(reply, dict)  # a failed write changed nothing
    key = next((k for k in reply if k == "id" or k.endswith("_id")), None)
    if key is None:
        return False
    found = [d for d in _records_in(read) if d.get(key) == reply[key]]
    for d in found:
        d.update({k: v for k, v in reply.items() if k in d})
    if found or not any(key in d for d in _records_in(read)):
        return True
    lists = [lst for lst in _lists_in(read) if lst and all(isinstance(d, dict) and key in d for d in lst)]
    if len(lists) != 1 or not set(lists[0][0]) <= set(reply):
        return False
    lists[0].append({k: reply[k] for k in lists[0][0]})
    return True


def _unnamed_change(read: Any, reply: Any, changed: Footprint | None, keys: dict[str, str]) -> bool:
    """Whether the write may have changed a field `read` shows of a record its `reply` does not
    name: a fraud dispute's reply names the dispute, not the card it froze, which the customer's
    list of cards still shows as active (so the list is read again before it is offered)."""
    if changed is None or not isinstance(reply, dict) or set(reply) == {"error"}:
        return False
    for table, (rows, sets) in changed.items():
        pk = keys.get(table)
        if pk is None or pk in reply or not sets:
            continue
        for d in _records_in(read):
            if pk in d and sets & set(d) and (ANY in rows or str(d[pk]) in {str(k) for k in rows}):
                return True
    return False


def _lists_in(value: Any) -> list[list[Any]]:
    if isinstance(value, list):
        return [value] + [lst for x in value for lst in _lists_in(x)]
    if isinstance(value, dict):
        return [lst for x in value.values() for lst in _lists_in(x)]
    return []


def _records_in(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [d for x in value for d in _records_in(x)]
    if isinstance(value, dict):
        return [value] + [d for x in value.values() for d in _records_in(x)]
    return []
