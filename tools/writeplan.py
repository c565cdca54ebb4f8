"""Compiled writes: an effect that opens ``find ROW by key → require … → update ROW`` runs those
steps as one statement,

    UPDATE t SET … WHERE <the find's keys> AND <the requires' conditions> RETURNING …

chosen when the tool's plan is built (`tools.plan`), for any tool of that shape. RETURNING gives
either the reply itself — when the rest of the effect is many-row finds and a `return` that
`tools.reply` can build, the reply is written in the same statement, reading the updated row from
the table being updated — or the updated row, which the rest of the effect then reads as the
interpreter would have left it.

The statement stands in for the steps only where the answer is the same:
- at compile time: the find is the first step, single, not optional, unfiltered, and one of its
  keys is the table's key or a unique field compared exactly (so it matches at most one row); each
  require is a condition `tools.reply` translates (`==` / `!=` on the row's text or number fields,
  `and` / `or` / `not`, anything that reads no row evaluated as a whole); the update's values read
  no field of the row; nothing evaluated before the statement calls `next_id` (it writes), and in a
  reply built in RETURNING nothing reads the database through `lookup` / `rows` / `count_rows`
  (the step path reads it after the update). Any other shape raises `Unsupported` and runs
  interpreted.
- at run time, when the statement returns no row (no such row, or a condition is false) or a
  value cannot be bound (a null or a list key, a value the column refuses, an SQL error), nothing
  was written and the interpreted steps run from the start, so an error is the interpreter's own
  message (errors stay data, with the same text).
- a reply built in RETURNING reads the updated fields back from their columns; it is used only
  when every updated field is text, a date, json or a boolean, which read back exactly as they were
  written (a number would read back as a REAL: 5 → 5.0).

Digest maintenance is unchanged: the table's trigger logs the written key in the same statement
(`tools.digest`), so a `ROLLBACK TO` takes it back with the write.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from . import effects as fx
from .errors import ExprError
from .expr import _PLACEHOLDER, Node, parse
from .loopplan import names_read, step_expressions
from .conditions import Conditions
from .reply import Encoded, SqlReply, Unsupported, calls_fn, expr_node, where_value, known_find
from .tables import Table, quote

MISS: Any = object()
"""`WriteHead.run`'s answer when nothing was written and the interpreted steps must run."""

_EXACT_READBACK = ("string", "date", "datetime", "json", "boolean")
_READS_DB = ("lookup", "rows", "count_rows")


class WriteHead:
    """The opening find → guards → update as one statement; then `middle` (the steps that stood
    between the find and the update, moved after it) and `rest` (the steps after the update; None
    when the statement also writes the reply)."""

    def __init__(self, find: fx.Find, guards: list[fx.Require], update: fx.Update,
                 middle: Callable[[dict, Any], Any] | None, rest: Callable[[dict, Any], Any] | None,
                 tail: list[Any] | None = None, tables: dict[str, Table] | None = None,
                 reply: SqlReply | None = None, columns: list[str] | None = None):
        """`reply`: the rest's finds and return as one statement reading the updated row by key
        (`rest` answers when it cannot). `columns`: the only fields of the row the middle and
        the rest read (None: any) — the statement returns and decodes just these, and when
        `reply` cannot answer, the whole row is read again before `rest` runs."""
        self.table: Table = find.table
        self.as_ = find.as_
        self.sets = update.set
        self.updated = [f for f, _ in update.set]
        self.middle, self.rest, self.reply = middle, rest, reply
        self.columns = self.table.columns if columns is None else columns
        self.partial = columns is not None
        self.decode = _row_decoder(self.table, self.columns)
        self.stmt = SqlReply(tail[:-1], tail[-1], target=find) if tail is not None else _Parameters()
        stmt = self.stmt
        stmt.tables = tables or {}
        where = [f"{w.lhs} = {stmt.param(where_value(w, self.table))}{w.collate}" for w in find.where]
        where += [stmt.condition(expr_node(r.cond.source), find.as_, self.table) for r in guards]
        self.setters: list[tuple[int, Any, Callable[[Any], Any]]] = []
        """(slot, value closure, the column's encoder) per updated field: where each updated value
        goes in the parameters, filled per call."""
        for f, e in self.sets:
            stmt.values.append(None)
            self.setters.append((len(stmt.values) - 1, _reader(e.source) or e.fn, self.table.encoder(f)))
        sets = ", ".join(f"{quote(f)} = ?{i + 1}" for (f, _), (i, _, _) in zip(self.sets, self.setters))
        returning = stmt.text if tail is not None else ", ".join(quote(c) for c in self.columns)
        self.sql = (f"UPDATE {quote(self.table.name)} SET {sets} WHERE {' AND '.join(where)} "
                    f"RETURNING {returning}")

    def bind_arguments(self, present: list[tuple[str, tuple[type, ...], frozenset[str] | None]]) -> None:
        """Make `direct` when every per-call value of the statement (a where value, an updated
        value) is a tool parameter read by name, and the statement also writes the reply.
        `present`: each parameter's (name, accepted types, enum or None), all scalars."""
        parameters = frozenset(name for name, _, _ in present)
        slots = []
        for i, get in self.stmt.getters:
            arg = getattr(get, "argument", None)
            if arg is None or arg[0] not in parameters:
                return
            slots.append((i, arg[0], arg[1]))
        reads = [getattr(fn, "reads", None) for _, fn, _ in self.setters]
        if self.rest is not None or any(r is None or not r <= parameters for r in reads):
            return
        self.direct = _direct_call(self, present, slots)

    direct: Callable[[Any, Any], tuple[str, tuple, tuple] | None] | None = None
    """The whole call from its raw arguments, or None (`bind_arguments`): (the reply's text, the
    arguments' values in parameter order, their types), or None when the general path must answer
    instead — an argument is missing, null, extra or of another type (validation says what is
    wrong, or fills a default), a value has not its column's plain type, or nothing was written."""

    def run(self, env: dict[str, Any], ctx: Any) -> Any:
        """The reply, or `MISS` when nothing was written (the interpreted steps must answer)."""
        t = self.table
        params = self.stmt.values[:]
        new = []
        try:
            for i, get in self.stmt.getters:
                params[i] = get(env, ctx)
            for i, fn, encode in self.setters:
                v = fn(env, ctx)
                new.append(v)
                params[i] = encode(v)
            rows = ctx.conn.execute(self.sql, params).fetchall()
        except Exception:  # noqa: BLE001 — nothing was written; the interpreted steps say what is wrong
            return MISS
        if not rows:
            return MISS
        ctx.dirty.add(t.name)
        if self.rest is None:
            return Encoded(rows[0][0])
        row = self.decode(rows[0])
        row.update(zip(self.updated, new))  # the row as the interpreter's update leaves it
        env[self.as_] = row
        if self.middle is not None:
            self.middle(env, ctx)
        if self.reply is not None:
            out = self.reply.run(env, ctx)
            if out is not None:
                return out
            if self.partial:  # the steps may read any field: the whole row, as the update left it
                row = ctx.lookup(t.name, row[t.pk])
                row.update(zip(self.updated, new))
                env[self.as_] = row
        return self.rest(env, ctx)


def _direct_call(head: WriteHead, present: list[tuple[str, tuple[type, ...], frozenset[str] | None]],
                 slots: list[tuple[int, str, type]]) -> Callable[[Any, Any], tuple[str, tuple, tuple] | None]:
    """`WriteHead.direct`: `run` without the call's names (`env`) or a closure per where value —
    the raw arguments, each given with an accepted type (what validation returns as it is), fill
    the parameters themselves. What it does not take the general path does, so it answers as
    `run` does or not at all."""
    sql, values, table, count = head.sql, head.stmt.values, head.table.name, len(present)
    # the arguments' types when each parameter takes one type (as `read_cache.argument_key` has them)
    fixed = tuple(types[0] for _, types, _ in present) if all(len(t) == 1 for _, t, _ in present) else None
    setters = [(i, _object_text(fn) if head.table.fields[f].type == "json" else None, fn, encode)
               for (i, fn, encode), f in zip(head.setters, head.updated)]

    def call(raw: dict[str, Any], ctx: Any) -> tuple[str, tuple, tuple] | None:
        if len(raw) != count:
            return None
        given = []
        for name, types, enum in present:
            v = raw.get(name, raw)  # (raw itself when missing: never an accepted type)
            if type(v) not in types or (enum is not None and v not in enum):
                return None
            given.append(v)
        params = values[:]
        for i, name, plain in slots:
            v = raw[name]
            if type(v) is not plain:
                return None
            params[i] = v
        try:
            for i, text, fn, encode in setters:
                params[i] = (text and text(raw)) or encode(fn(raw, ctx))
            rows = ctx.conn.execute(sql, params).fetchall()
        except Exception:  # noqa: BLE001 — nothing was written; the general path says what is wrong
            return None
        if not rows:
            return None
        ctx.dirty.add(table)
        given_values = tuple(given)
        return rows[0][0], given_values, fixed or tuple(map(type, given_values))
    return call


def _object_text(read: Callable[[dict, Any], Any]) -> Callable[[dict], str | None] | None:
    """For an updated json value that is an object of names (`_reader`): its stored text written
    straight from the names when every value is a str — what the column's encoder writes for that
    object (compact, `ensure_ascii=False`) — else None (the value is encoded as usual)."""
    members = getattr(read, "members", None)
    if members is None:
        return None
    quote_text = json.encoder.encode_basestring
    keyed = [(quote_text(k) + ":", n) for k, n in members]

    def text(env: dict) -> str | None:
        parts = []
        for key, n in keyed:
            v = env[n]
            if type(v) is not str:
                return None
            parts.append(key + quote_text(v))
        return "{" + ",".join(parts) + "}"
    return text


def _row_decoder(t: Table, columns: list[str]) -> Callable[[tuple], dict[str, Any]]:
    """`t.decode` for a row of `columns` (the table's, or some of them in any order)."""
    if columns == t.columns:
        return t.decode
    decoders = [(c, dec) for c, dec in t._decoders if c in columns]

    def decode(row: tuple) -> dict[str, Any]:
        out = dict(zip(columns, row))
        for name, dec in decoders:
            v = out[name]
            if v is not None:
                out[name] = dec(v)
        return out
    return decode


def _reader(source: Any) -> Callable[[dict, Any], Any] | None:
    """An updated value that only reads names — a name, or an object or list of names and
    constants — as one closure indexing the call's names, or None for any other expression. A
    missing name raises KeyError: nothing is written and the steps answer with their own error.
    The closure's `reads` attribute is the set of names it reads."""
    if isinstance(source, dict):
        items = [(str(k), _reader(v)) for k, v in source.items()]
        if any(r is None for _, r in items):
            return None
        names = [(k, getattr(r, "name", None)) for k, r in items]
        if all(n is not None for _, n in names):
            def read_object(env: dict, ctx: Any) -> Any:
                return {k: env[n] for k, n in names}
            read_object.members = names  # type: ignore[attr-defined]
            return _reading(read_object, {n for _, n in names})

        def build_object(env: dict, ctx: Any) -> Any:
            return {k: r(env, ctx) for k, r in items}
        return _reading(build_object, set().union(*(r.reads for _, r in items)))
    if isinstance(source, list):
        readers = [_reader(v) for v in source]
        if any(r is None for r in readers):
            return None

        def build_list(env: dict, ctx: Any) -> Any:
            return [r(env, ctx) for r in readers]
        return _reading(build_list, set().union(*(r.reads for r in readers)))
    try:
        node = expr_node(source)
    except (Unsupported, ExprError):
        return None
    if node.op == "const":
        value = node.value
        return _reading(lambda env, ctx: value, set())
    if node.op != "name":
        return None
    name = node.value

    def read(env: dict, ctx: Any) -> Any:
        return env[name]
    read.name = name  # type: ignore[attr-defined]
    return _reading(read, {name})


def _reading(fn: Callable[[dict, Any], Any], names: set[str]) -> Callable[[dict, Any], Any]:
    """`fn`, saying which names it reads (`WriteHead.bind_arguments`)."""
    fn.reads = frozenset(names)  # type: ignore[attr-defined]
    return fn


class _Parameters(Conditions):
    """The parameter list and condition translation, without a reply."""


def compile_write(steps: list[Any], program: Callable[..., Callable[[dict, Any], Any]],
                  tables: dict[str, Table] | None = None) -> WriteHead | None:
    """The statement for an effect that opens with a find of one row and later updates that row,
    or None for any other shape. `program(steps, later)` compiles the steps run after the
    statement (`later`: the names read after them, None when unknown)."""
    if not steps or type(steps[0]) is not fx.Find:
        return None
    find = steps[0]
    u = next((i for i, s in enumerate(steps) if type(s) is fx.Update and s.row == find.as_), None)
    if u is None:
        return None
    update, before, tail = steps[u], steps[1:u], steps[u + 1:]
    try:
        _check_head(find, update)
        guards, middle = _split_guards(find, update, before, tables or {})
        if not middle and _reply_fits(find, update, tail):
            try:
                return WriteHead(find, guards, update, None, None, tail, tables)
            except Unsupported:
                pass
        later = names_read(tail)
        reply = _keyed_reply(find, update, tail)
        read_after = middle + (tail if reply is None else tail[:-1])  # the steps that read the bound row
        return WriteHead(find, guards, update, program(middle, later) if middle else None, program(tail),
                         tables=tables, reply=reply, columns=_columns_read(find, read_after))
    except (Unsupported, ExprError):
        return None


def _check_head(find: fx.Find, update: fx.Update) -> None:
    t = find.table
    if not known_find(find) or find.many or find.optional or find.filter is not None:
        raise Unsupported("a find of many rows, an optional one or a filtered one")
    if update.table is not t:
        raise Unsupported("an update of another row")
    if any(w.path or w.lhs_params for w in find.where):
        raise Unsupported("a path into a json field")
    if not any(not w.nocase and (w.field == t.pk or (t.fields[w.field].unique and not t.fields[w.field].nullable))
               for w in find.where):
        raise Unsupported("a find that may match more than one row")
    if any(_calls_any(s, ("next_id",)) for s in [w.expr.source for w in find.where] + [e.source for _, e in update.set]):
        raise Unsupported("next_id before the statement")
    if any(find.as_ in e.names for _, e in update.set):
        raise Unsupported("an updated value that reads the row")


def _split_guards(find: fx.Find, update: fx.Update, before: list[Any],
                  tables: dict[str, Table]) -> tuple[list[fx.Require], list[Any]]:
    """The steps between the find and the update, as (guards: requires written into the
    statement's WHERE, middle: the others, run in order after the statement).

    A require becomes a guard when it translates and reads no name an earlier middle step binds:
    a false guard writes nothing and the steps answer, so only a true one counts, and then its
    step would have passed too. The middle may run after the update because it reads neither the
    updated table nor the updated fields of the row, and the updated values read nothing it binds."""
    guards: list[fx.Require] = []
    middle: list[Any] = []
    bound: set[str] = set()
    probe = _Parameters()
    probe.tables = tables
    for step in before:
        if type(step) is fx.Require and not step.cond.names & bound and _translates(probe, step, find):
            guards.append(step)
            continue
        middle.append(step)
        bound |= _binds(step)
    if find.as_ in bound:
        raise Unsupported("a middle step that binds the row's name again")
    if any(e.names & bound for _, e in update.set):
        raise Unsupported("an updated value that reads a name the middle binds")
    changed = {f for f, _ in update.set}
    for step in middle:
        _check_middle(step, find, changed)
    return guards, middle


def _translates(probe: Conditions, require: fx.Require, find: fx.Find) -> bool:
    if _calls_any(require.cond.source, ("next_id",)):
        return False  # it writes: never evaluated before a statement that may fall back
    n = len(probe.values)
    try:
        probe.condition(expr_node(require.cond.source), find.as_, find.table)
        return True
    except (Unsupported, ExprError):
        del probe.values[n:]
        return False


def _binds(step: Any) -> set[str]:
    """The names a step (and any step inside it) binds."""
    names = {step.as_} if getattr(step, "as_", None) else set()
    if type(step) is fx.Let:
        names |= {n for n, _ in step.items}
    for inner in fx.nested_steps(step):
        names |= _binds(inner)
    return names


_MIDDLE = (fx.Find, fx.Require, fx.Let, fx.ForEach, fx.If, fx.Insert, fx.Update, fx.Delete)


def _check_middle(step: Any, find: fx.Find, changed: set[str]) -> None:
    """A middle step may move after the update: it touches no row of the updated table, reads
    the row only as `row.field` of fields the update leaves alone, and returns nothing."""
    if type(step) not in _MIDDLE:
        raise Unsupported("a return, or a step kind this module does not know, before the update")
    if getattr(step, "table", None) is find.table:
        raise Unsupported("a step on the updated table before the update")
    for e, template in step_expressions(step) or []:
        for node in _expressions(e.source, template):
            if _reads_table(node, find.table.name) or not _reads_fields(node, find.as_, changed):
                raise Unsupported("a step that reads the updated table or an updated field")
    for inner in fx.nested_steps(step):
        _check_middle(inner, find, changed)


def _expressions(source: Any, template: bool) -> list[Node]:
    if template:
        return [parse(m.group(1)) for m in _PLACEHOLDER.finditer(source)] if isinstance(source, str) else []
    if isinstance(source, dict):
        return [n for v in source.values() for n in _expressions(v, False)]
    if isinstance(source, list):
        return [n for v in source for n in _expressions(v, False)]
    return [expr_node(source)]


def _reads_table(node: Node, table: str) -> bool:
    """Whether `node` reads `table` through lookup / rows / count_rows (or may: a computed name)."""
    if node.op == "call" and node.value in _READS_DB and (
            not node.args or node.args[0].op != "const" or node.args[0].value == table):
        return True
    return any(_reads_table(a, table) for a in node.args)


def _reads_fields(node: Node, name: str, changed: set[str]) -> bool:
    """Whether `name` appears only as `name.field` of a field not in `changed`."""
    if node.op == "attr" and node.args[0].op == "name" and node.args[0].value == name:
        return node.value not in changed
    if node.op == "name" and node.value == name:
        return False
    if node.op == "comp" and node.value == name:  # its own name hides the row inside it
        return _reads_fields(node.args[1], name, changed)
    return all(_reads_fields(a, name, changed) for a in node.args)


def _keyed_reply(find: fx.Find, update: fx.Update, tail: list[Any]) -> SqlReply | None:
    """The steps after the update as one statement, when they are finds and a return: it reads
    the updated row from its table by key (it reads back as bound: see `_reply_fits`), so its
    fields are not encoded in Python. None for any other rest."""
    if (not tail or type(tail[-1]) is not fx.ReturnValue or any(type(s) is not fx.Find for s in tail[:-1])
            or any(s.as_ == find.as_ for s in tail[:-1])
            or any(find.table.fields[f].type not in _EXACT_READBACK for f, _ in update.set)):
        return None
    try:
        return SqlReply(tail[:-1], tail[-1], keyed=find)
    except (Unsupported, ExprError):
        return None


def _columns_read(find: fx.Find, steps: list[Any]) -> list[str] | None:
    """The key and the fields of the found row that `steps` read (as `row.field`, of fields of its
    table), in table order; None when they may read more: the row as a whole, a field it does not
    have, a step that binds its name again or writes it, or a step this module does not know.
    A keyed reply's `return` is not among `steps`: `SqlReply` reads the row's fields from its table
    (its closures evaluate only what reads none of its rows), and the steps that answer when it
    cannot get the whole row (`WriteHead.run`)."""
    t, name, fields = find.table, find.as_, set()
    for step in steps:
        if name in _binds(step) or getattr(step, "row", None) == name:
            return None
        exprs = step_expressions(step)
        if exprs is None:
            return None
        for e, template in exprs:
            for node in _expressions(e.source, template):
                if not _field_reads(node, name, fields):
                    return None
        inner = _columns_read(find, fx.nested_steps(step))
        if inner is None:
            return None
        fields |= set(inner)
    if not fields <= set(t.columns):
        return None
    return [c for c in t.columns if c in fields or c == t.pk]


def _field_reads(node: Node, name: str, out: set[str]) -> bool:
    """Add the fields `node` reads of `name` to `out`; False when it reads `name` otherwise."""
    if node.op == "attr" and node.args[0].op == "name" and node.args[0].value == name:
        out.add(node.value)
        return True
    if node.op == "name" and node.value == name:
        return False
    if node.op == "comp" and node.value == name:  # its own name hides the row inside it
        return _field_reads(node.args[1], name, out)
    return all(_field_reads(a, name, out) for a in node.args)


def _reply_fits(find: fx.Find, update: fx.Update, tail: list[Any]) -> bool:
    """Whether the rest is many-row finds and a return that may be written in RETURNING."""
    if not tail or type(tail[-1]) is not fx.ReturnValue or any(type(s) is not fx.Find for s in tail[:-1]):
        return False
    if any(find.table.fields[f].type not in _EXACT_READBACK for f, _ in update.set):
        return False
    sources = [w.expr.source for s in tail[:-1] for w in s.where] + [tail[-1].value.source]
    return not any(_calls_any(s, _READS_DB) for s in sources)


def _calls_any(source: Any, fns: tuple[str, ...]) -> bool:
    """Whether an expression source (a string, a constant, or a mapping / list of them) calls one
    of `fns`; True when it cannot tell."""
    if isinstance(source, dict):
        return any(_calls_any(v, fns) for v in source.values())
    if isinstance(source, list):
        return any(_calls_any(v, fns) for v in source)
    try:
        node = source if isinstance(source, Node) else expr_node(source)
    except Exception:  # noqa: BLE001 — unparseable here: assume the worst
        return True
    return any(calls_fn(node, fn) for fn in fns)
