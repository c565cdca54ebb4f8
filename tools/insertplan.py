"""Compiled inserts: an effect of the shape ``find ROW by key → find … → require … → update (a found
row) … → insert … → if COND then [update …] else [update …] … → return …`` runs as one read that
stands for every find and require, reads what the later steps read of the found rows, and checks
the new id,

    SELECT <the found rows' fields read later>, <the id counter> FROM <ROW's table>
    WHERE <its keys> AND EXISTS (<each other find> AND <the requires on its row>) AND <the requires>
    AND NOT (<the new id is some text key already>)

then the updates (their own prepared statements, the new values worked out in Python on the rows
read, as `Update.run` does, each row then holding its new values for what follows), the insert (its
own prepared `INSERT … VALUES`) and the id counter's move, in the call's savepoint; the reply is built
in Python from the values the insert wrote, as the interpreter builds it. An insert that is the
call's only write, with a reply of the written values (or none), takes no savepoint: the counter's
move, which nothing refuses, then the insert, one statement and atomic by itself; when the insert
fails the counter is put back, so the call wrote nothing (`InsertHead._insert_alone`: three
statements where the floor's insert in a savepoint is three too). An `if` of updates after
the insert is written with the updates before it (its condition evaluated once, in order after
them): the condition and the updated values read neither the inserted row nor a table, and the
insert reads no row such an update changes, so the rows come out the same. (An `INSERT … SELECT`
with the guards would go through a temporary table, as SQLite does for a table with triggers, and
so would a RETURNING clause: ~4–6 µs each.) Chosen when the tool's plan is built (`tools.plan`),
for any tool of that shape: five statements (and one per update) where the steps run eight or more.

The read stands in for the steps only where the answer is the same:
- at compile time: the first find matches at most one row (its table's key or a unique field that
  is never null, compared exactly), is single, not optional, unfiltered; each other find is single
  and not optional, keyed by values that read no row or by fields of the first row of the same type
  (text or integer, which SQLite compares as the find's bound value), and matches at most one row
  when a later step reads its row. A require is a condition `tools.conditions` translates over the
  first row (or over another find's row of another table: inside that find's EXISTS, where the
  unqualified columns are that table's), or ``count_rows('T', {…}) == 0`` (or ``!= 0``, ``> 0``,
  ``>= 1``) with values that read no row (``NOT EXISTS`` / ``EXISTS``, with `count_rows`' own ``IS``
  comparisons and encoders), or
  any other condition, run in Python on the rows the read returned (the fields it reads, decoded as
  the find decodes them: ``days_between(row.bought, today) <= 30``, ``other.verified``). An
  update's values and the insert's read no table, with at most one ``next_id('PATTERN')`` as a
  whole value of the insert (into a text field); the return reads no table. Nothing evaluated
  before the writes can write: `next_id` anywhere else raises `Unsupported`, and the shape runs
  interpreted.
- the new id is `Sandbox.next_id`'s first candidate: the counter plus one plus the call's
  `Sandbox.id_spread`, through `format_id`. The
  counter is guessed (`Sandbox.id_hints`: as the template, the checkpoint a rewind returns to or this
  sandbox's last insert left it; none after a `restore`) and read in the same statement; when the
  guess was wrong, the read runs again with the
  counter it returned (or, when it refused, with the counter read alone). When the candidate is
  taken in any table with a text key, the read returns no row (or, in the inserted table when it
  is its key, the insert fails on that key) and the steps answer (they skip to the next free id).
  The counter is then moved on as `next_id` moves it.
- at run time, when the read returns no row (no such row, a false condition, a taken id), a
  condition run in Python is false, or anything raises (a value its column refuses, a null or a
  list key, a constraint, the reply's expression), nothing was written, or the savepoint is rolled
  back (an insert alone: the counter put back), and the interpreted steps run from the start, so
  an error is the interpreter's own message (errors stay data, with the same text).

Digest maintenance is unchanged: the table's trigger logs the inserted key in the same statement
(`tools.digest`), and the savepoint takes it back with the row (an insert alone that fails logs
nothing: the statement is undone whole).
"""
from __future__ import annotations

import re
from json.encoder import encode_basestring as _TEXT  # a text as `ENCODE` writes it (not ASCII-escaped)
from typing import Any, Callable

from . import effects as fx
from .conditions import Conditions, Getter, Unsupported, calls_fn, expr_node, names_of
from .errors import ExprError
from .expr import Node, build
from .jsontext import ENCODE
from .reply import Encoded, known_find, where_value
from .tables import COUNTERS_TABLE, Table, quote
from .writeplan import MISS, _expressions, _field_reads, _row_decoder

_READS_DB = ("lookup", "rows", "count_rows", "next_id")
_INSERT_ATTRS = {"table", "values", "defaults", "as_", "auto_pk", "cols", "missing", "sql"}
_UPDATE_ATTRS = {"table", "row", "set", "sql"}
_IF_ATTRS = {"cond", "then", "else_"}
_Update = tuple[str, list[tuple[str, Callable[[dict, Any], Any], Callable[[Any], Any]]], str, str]
"""An update of a found row, compiled: (row name, (field, value closure, encoder) per set field,
its SQL, the table's key)."""
_COUNTER = f"SELECT value FROM {quote(COUNTERS_TABLE)} WHERE prefix = ?"
_NEW_COUNTER = f"INSERT INTO {quote(COUNTERS_TABLE)} (prefix, value) VALUES (?1, ?2)"
_MOVE_COUNTER = f"UPDATE {quote(COUNTERS_TABLE)} SET value = ?2 WHERE prefix = ?1"
"""The counter read, and moved on as `RuntimeSql.bump_sql` moves it (made at 1, or one up), without
the RETURNING clause that needs (SQLite writes a returned row through a temporary table: ~4 µs)."""
_DROP_COUNTER = f"DELETE FROM {quote(COUNTERS_TABLE)} WHERE prefix = ?1"
"""A counter made by an insert alone taken away again when the insert fails (`_insert_alone`)."""
_EXISTS = {("==", 0): "NOT EXISTS", ("!=", 0): "EXISTS", (">", 0): "EXISTS", (">=", 1): "EXISTS"}
"""``count_rows(…) OP N`` as (NOT) EXISTS; the count on the left (a count on the right is turned)."""
_TURNED = {"==": "==", "!=": "!=", "<": ">", "<=": ">="}


class InsertHead(Conditions):
    """The whole call: the statement, the counter's move, and the reply from the written values.
    `run(env, ctx)` → the reply, or `MISS` when nothing was written (the steps must answer)."""

    direct = None
    """Not run from the raw arguments (`WriteHead.direct`): `tools.plan`'s checks validate them first."""

    def __init__(self, finds: list[fx.Find], guards: list[fx.Require], updates: list[fx.Update],
                 insert: fx.Insert, ret: fx.ReturnValue | None, tables: dict[str, Table],
                 branches: tuple[fx.If, ...] = ()):
        """`branches`: the `if` steps of updates after the insert, written before it (`compile_insert`)."""
        super().__init__()
        self.tables = tables
        self.rows = {f.as_ for f in finds}
        """The names the finds bind."""
        t = self.table = insert.table
        row = finds[0] if finds else None
        self.reads: dict[str, set[str] | None] = {}
        """The found rows read after the statement (by a require it does not translate, a value, the
        reply): their fields (None: the whole row), read by the statement too."""
        where: list[str] = []
        self.keyed: dict[str, tuple[fx.Find, str]] = {}
        """Each find after the first: its WHERE, for its EXISTS and for reading its fields."""
        keyed = self.keyed
        if row is not None:
            where += [f"{w.lhs} = {self.param(where_value(w, row.table))}{w.collate}" for w in row.where]
            for f in finds[1:]:
                keyed[f.as_] = (f, self._keyed(f, row))
        self.checks: list[Callable[[dict, Any], Any]] = []
        """The requires the statement does not translate, run in Python on the rows it read."""
        self.inside: dict[str, list[str]] = {name: [] for name in keyed}
        """The requires on one find's row after the first (of another table), translated: its
        EXISTS holds them, so that row is not read for them."""
        guarded = [w for g in guards for w in [self._guard(expr_node(g.cond.source), row)] if w is not None]
        where += [f"EXISTS (SELECT 1 FROM {quote(f.table.name)} WHERE {' AND '.join([on, *self.inside[name]])})"
                  for name, (f, on) in keyed.items()] + guarded
        self.updates = [self._update(u) for u in updates]
        """Each update of a found row before the insert: its values worked out in Python on the rows read."""
        self.branches: list[tuple[Callable[[dict, Any], Any], list[Any], list[Any]]] = []
        """(condition, then, else) per `if` of updates after the insert, each branch's updates as
        `updates` has them: the condition evaluated once, on the rows as the updates before left them."""
        for b in branches:
            self._mark(_expressions(b.cond.source, False), b.cond.names & self.rows)
            self.branches.append((b.cond.fn, [self._update(u) for u in b.then], [self._update(u) for u in b.else_]))
        self.updated = {u.table.name for u in updates} | {u.table.name for b in branches for u in b.then + b.else_}
        self.pattern: str | None = None
        """next_id's pattern of the new id, when the insert makes one."""
        self.new = [None] * len(insert.cols)
        """The insert's parameters (`insert.cols`): the values the same on every call encoded,
        None where the call fills them."""
        self.setters: list[tuple[int, str, Callable[[dict, Any], Any], Callable[[Any], Any]]] = []
        """(slot, field, value closure, the column's encoder) per value computed on every call
        but those that are a name (`named`)."""
        self.named: list[tuple[int, str, str, type | None, Callable[[Any], Any]]] = []
        """(slot, field, the name, the type its column stores as it is, the column's encoder) per
        value that is a name (an argument, mostly): read from the env, encoded as the encoder
        would (a value of the plain type as it is)."""
        self.clocked: list[tuple[int, str, Callable[[dict, Any], Any], Callable[[Any], Any]]] = []
        """(slot, field, value closure, the column's encoder) per value that reads only the clock."""
        self.by_clock: dict[tuple[Any, Any], tuple[list[Any], dict[str, Any]]] = {}
        """`new` and `written` with the values that read only the clock filled in, per clock (the
        domain's: worked out once; `add_business_days(today, 10)` walks the days, a date's encoder
        parses it)."""
        self.written: dict[str, Any] = {}
        """The values the same on every call, as the inserted row holds them (before encoding)."""
        slot = {f: i for i, f in enumerate(insert.cols)}
        self.id_slot, self.id_field = -1, t.pk if insert.auto_pk else None
        for f, e in insert.values:
            pattern = _next_id_pattern(e.source)
            if pattern is not None:
                if self.pattern is not None or insert.auto_pk or t.fields[f].type != "string":
                    raise Unsupported("two new ids, or a new id beside an integer key or in a field not text")
                self.pattern, self.id_field, self.id_slot = pattern, f, slot[f]
                self.id_format = _id_format(pattern)
                continue
            if _calls_any(e.source, _READS_DB):
                raise Unsupported("a value that reads a table or writes")
            self._mark(_expressions(e.source, False), e.names & self.rows)
            value = _constant(e, t.encoder(f)) if not e.names else MISS
            if value is not MISS:
                self.written[f] = value
                self.new[slot[f]] = t.encode(f, value)
                continue
            if e.names <= fx.CLOCK_NAMES:
                self.clocked.append((slot[f], f, e.fn, t.encoder(f)))
            else:
                node = expr_node(e.source) if isinstance(e.source, str) else None
                if node is not None and node.op == "name":
                    self.named.append((slot[f], f, node.value, t.plain_type(f), t.encoder(f)))
                else:
                    self.setters.append((slot[f], f, e.fn, t.encoder(f)))
        for f, default in insert.defaults:
            self.written[f] = default
            self.new[slot[f]] = t.encode(f, default)
        self.insert_sql = insert.sql
        if self.pattern is not None:
            self.values.append(None)
            self.id_param = len(self.values) - 1
            # as `RuntimeSql.taken_sql`, but for the inserted table when the new id is its key: the
            # insert's own key refuses it there, and the steps answer as when the read refuses
            taken = [s for s in tables.values()
                     if s.fields[s.pk].type == "string" and (s is not t or self.id_field != t.pk)]
            if taken:
                where.append("NOT (" + " OR ".join(
                    f"EXISTS (SELECT 1 FROM {quote(s.name)} WHERE {quote(s.pk)} = ?{self.id_param + 1})"
                    for s in taken) + ")")
        if ret is not None:
            self._mark(_expressions(ret.value.source, False), ret.value.names & self.rows)
        selected: list[str] = []
        self.readers: list[tuple[str, int, int, Callable[[tuple], dict[str, Any]]]] = []
        """(name, start, end, decoder) per row read: its fields are the read's columns start:end."""
        for f in finds:
            fields = self.reads.get(f.as_, False)
            if fields is False:
                continue
            if f is not row and not _unique(f):
                raise Unsupported("a row read of a find that may match more than one")
            columns = [c for c in f.table.columns if fields is None or c in fields or c == f.table.pk]
            self.readers.append((f.as_, len(selected), len(selected) + len(columns), _row_decoder(f.table, columns)))
            selected += [quote(c) if f is row else f"(SELECT {quote(c)} FROM {quote(f.table.name)} WHERE {keyed[f.as_][1]})"
                         for c in columns]
        selected = selected or ["1"]
        if self.pattern is not None:
            selected.append(f"(SELECT value FROM {quote(COUNTERS_TABLE)} WHERE prefix = {self.const(self.pattern)})")
        self.check_sql = None if row is None and not where and self.pattern is None else (
            f"SELECT {', '.join(selected)}"
            + (f" FROM {quote(row.table.name)}" if row is not None else "")
            + (f" WHERE {' AND '.join(where)}" if where else ""))
        """The finds, the requires and whether the new id is free, in one read: a row when the
        insert may run."""
        self.as_ = insert.as_
        self.reply = ret.value.fn if ret is not None else None
        self.fields = None if ret is None or insert.as_ is None else _fields_reply(ret.value.source, insert.as_)
        """The reply when it is an object of the inserted row's fields: (key, field) pairs."""
        self.alone = not self.updates and not self.branches and (ret is None or self.fields is not None)
        """Whether the insert is the call's only write and the reply cannot fail: its writes go
        without a savepoint (`_insert_alone`)."""
        self.keys_text = () if self.fields is None else tuple(
            ("{" if i == 0 else ",") + ENCODE(k) + ":" for i, k in enumerate(self.fields[0]))
        """Each key of a reply of the row's fields as it opens its member of the reply's JSON text."""

    def run(self, env: dict[str, Any], ctx: Any) -> Any:
        params = self.values[:]
        conn = ctx.conn
        try:
            if self.clocked:
                fixed = self.by_clock.get((env["now"], env["today"])) or self._at_clock(env)
            else:
                fixed = self.new, self.written
            new, row = fixed[0][:], dict(fixed[1])
            for i, get in self.getters:
                params[i] = get(env, ctx)
            if self.pattern is not None:
                guess, spread = ctx.id_hints.get(self.pattern), ctx.id_spread(self.pattern)
                found = self._read(conn, params, new, row, guess, spread)
                if found is not None and found[-1] != guess:  # the new id was checked for a wrong guess
                    found = self._read(conn, params, new, row, found[-1], spread)
                elif found is None:  # refused, perhaps for a wrong guess: the counter as it is
                    got = conn.execute(_COUNTER, [self.pattern]).fetchone()
                    if (got and got[0]) != guess:
                        found = self._read(conn, params, new, row, got and got[0], spread)
            elif self.check_sql is not None:
                found = conn.execute(self.check_sql, params).fetchone()
            else:
                found = ()
            if found is None:
                return MISS
            for name, start, end, decode in self.readers:
                env[name] = decode(found[start:end])
            for check in self.checks:
                if not check(env, ctx):
                    return MISS
            writes: list[tuple[str, list[Any]]] = []
            for update in self.updates:
                _written(update, env, ctx, writes)
            for cond, then, else_ in self.branches:
                for update in then if cond(env, ctx) else else_:
                    _written(update, env, ctx, writes)
            for i, f, name, plain, encode in self.named:
                row[f] = v = env[name]
                new[i] = v if type(v) is plain else encode(v)
            for i, f, fn, encode in self.setters:
                row[f] = v = fn(env, ctx)
                new[i] = encode(v)
        except Exception:  # noqa: BLE001 — nothing was written; the steps say what is wrong
            return MISS
        if self.alone:
            if self.pattern is None:
                return self._insert_alone(conn, ctx, new, row, None, 0)
            return self._insert_alone(conn, ctx, new, row, found[-1], spread)
        conn.execute("SAVEPOINT gem_call")
        try:
            for sql, values in writes:
                conn.execute(sql, values)
            cursor = conn.execute(self.insert_sql, new)
            if self.pattern is not None:
                counted = found[-1]
                conn.execute(_NEW_COUNTER if counted is None else _MOVE_COUNTER, [self.pattern, (counted or 0) + 1 + spread])
            elif self.id_field is not None:
                row[self.id_field] = cursor.lastrowid
            if self.fields is not None:  # what `return` reads of the row bound as the interpreter binds it
                reply = dict(zip(self.fields[0], map(row.get, self.fields[1])))
            else:
                if self.as_:
                    env[self.as_] = {c: row.get(c) for c in self.table.columns}
                reply = {"ok": True} if self.reply is None else self.reply(env, ctx)
        except Exception:  # noqa: BLE001 — undone; the steps say what is wrong
            conn.execute("ROLLBACK TO gem_call")
            conn.execute("RELEASE gem_call")
            return MISS
        conn.execute("RELEASE gem_call")
        ctx.dirty.add(self.table.name)
        ctx.dirty.update(self.updated)
        if self.pattern is not None:
            ctx.id_hints[self.pattern] = (counted or 0) + 1 + spread
        return reply

    def _insert_alone(self, conn: Any, ctx: Any, new: list[Any], row: dict[str, Any], counted: int | None,
                      spread: int) -> Any:
        """The writes of an insert that is the call's only write (`alone`), without a savepoint:
        the id counter's move (which nothing refuses: the counter's row is as the read found it,
        its value an integer), then the insert, one statement and atomic by itself; when the
        insert fails the counter is put back as it was, so the call wrote nothing. The reply reads
        only the written values, so nothing can fail after the insert."""
        try:
            if self.pattern is not None:
                moved = (counted or 0) + 1 + spread
                conn.execute(_NEW_COUNTER if counted is None else _MOVE_COUNTER, [self.pattern, moved])
            try:
                cursor = conn.execute(self.insert_sql, new)
            except Exception:
                if self.pattern is not None and counted is None:
                    conn.execute(_DROP_COUNTER, [self.pattern])
                elif self.pattern is not None:
                    conn.execute(_MOVE_COUNTER, [self.pattern, counted])
                raise
        except Exception:  # noqa: BLE001 — nothing written; the steps say what is wrong
            return MISS
        ctx.dirty.add(self.table.name)
        if self.pattern is not None:
            ctx.id_hints[self.pattern] = moved
        elif self.id_field is not None:
            row[self.id_field] = cursor.lastrowid
        if self.fields is None:
            return {"ok": True}
        return Encoded(_object_text(self.keys_text, map(row.get, self.fields[1])))

    def _update(self, u: fx.Update) -> "_Update":
        """An update of a found row as `updates` has it; the fields its values read are read too."""
        self.reads.setdefault(u.row, set())  # (its key at least)
        self._mark([n for _, e in u.set for n in _expressions(e.source, False)], {u.row} | (set().union(
            *(e.names for _, e in u.set)) & self.rows))
        return u.row, [(f, e.fn, u.table.encoder(f)) for f, e in u.set], u.sql, u.table.pk

    def _read(self, conn: Any, params: list[Any], new: list[Any], row: dict[str, Any], counted: int | None,
              spread: int) -> Any:
        """The read with the new id that follows the counter `counted` (None: no counter yet) by the
        call's `spread`, the counter itself as its last column: a row when the insert may run."""
        head, base, tail = self.id_format
        params[self.id_param] = new[self.id_slot] = row[self.id_field] = f"{head}{base + (counted or 0) + 1 + spread}{tail}"
        return conn.execute(self.check_sql, params).fetchone()

    def _at_clock(self, env: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """`new` and `written` with the values that read only the clock, kept for this clock
        when each is a plain scalar (nothing the call could change afterwards)."""
        new, written = self.new[:], dict(self.written)
        for i, f, fn, encode in self.clocked:
            written[f] = v = fn(env, None)
            new[i] = encode(v)
        if all(v is None or type(v) in (str, int, float, bool) for v in written.values()):
            self.by_clock[(env["now"], env["today"])] = (new, written)
        return new, written

    # ------------------------------------------------------------ the statement's parts

    def _keyed(self, find: fx.Find, row: fx.Find) -> str:
        """The WHERE of a find after the first: keyed by values that read no row, or by a field of
        the first row of the same text or integer type as its key (compared as its bound value would be)."""
        _single(find)
        t, conds = find.table, []
        for w in find.where:
            node = expr_node(w.expr.source)
            if row.as_ not in names_of(node):
                if names_of(node) & self.rows:
                    raise Unsupported("a key that reads another find's row")
                conds.append(f"{w.lhs} = {self.param(where_value(w, t))}{w.collate}")
                continue
            ftype = t.fields[w.field].type
            if t is row.table:
                raise Unsupported("a key read from the first row in a find of its own table")
            if (node.op != "attr" or node.args[0].op != "name" or node.value not in row.table.fields
                    or row.table.fields[node.value].type != ftype or ftype not in ("string", "integer")):
                raise Unsupported("a key read from the first row otherwise than as a field of its type")
            conds.append(f"{w.lhs} = {quote(row.table.name)}.{quote(node.value)}{w.collate}")
        return " AND ".join(conds)

    def _mark(self, nodes: list[Node], names: set[str]) -> None:
        """Record that `nodes` read the rows `names`: the fields they read, or the whole row."""
        for name in names:
            fields: set[str] = set()
            whole = not all(_field_reads(n, name, fields) for n in nodes)
            known = self.reads.get(name, set())
            self.reads[name] = None if whole or known is None else known | fields

    def _guard(self, node: Node, row: fx.Find | None) -> str | None:
        """A require as SQL, or None when it runs in Python on the rows the statement read (`checks`:
        a condition `tools.conditions` does not translate, such as a date's age, or one on another
        find's row)."""
        read = names_of(node) & self.rows
        if not read:
            counted = self._count_rows(node)
            if counted is not None:
                return counted
            fn = build(node)  # a condition that reads no row: its value, as a parameter
            return self.param(lambda env, ctx: 1 if fn(env, ctx) else 0)
        if row is not None and read == {row.as_}:
            values, getters = len(self.values), len(self.getters)
            try:
                return self.condition(node, row.as_, row.table)
            except Unsupported:
                del self.values[values:], self.getters[getters:]
        other = self.keyed.get(next(iter(read))) if len(read) == 1 else None
        if other is not None and row is not None and other[0].table is not row.table:
            values, getters = len(self.values), len(self.getters)
            try:  # inside that find's EXISTS, where its table's columns are the ones named
                self.inside[other[0].as_].append(self.condition(node, other[0].as_, other[0].table))
                return None
            except Unsupported:
                del self.values[values:], self.getters[getters:]
        self._mark([node], read)
        self.checks.append(build(node))
        return None

    def _count_rows(self, node: Node) -> str | None:
        """``count_rows('T', {f: v, …}) OP N`` as EXISTS over T's rows with ``f IS ?`` (the
        values encoded as `Sandbox.count_rows` encodes them), or None for another condition."""
        if node.op not in _TURNED or len(node.args) != 2:
            return None
        call, n = node.args
        op = node.op
        if call.op != "call":
            call, n, op = n, call, _TURNED[op]
        if (call.op != "call" or call.value != "count_rows" or n.op != "const" or type(n.value) not in (int, float)
                or (op, n.value) not in _EXISTS or call.args[1].op != "dict"
                or any(names_of(a) & self.rows or _calls_any(a, _READS_DB) for a in call.args[1].args)):
            return None
        t = self.tables.get(call.args[0].value) if call.args[0].op == "const" else None
        if t is None:
            return None
        conds = [f"{quote(f)} IS {self.param(_count_value(t, f, a))}" for f, a in zip(call.args[1].value, call.args[1].args)]
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        return f"{_EXISTS[(op, n.value)]} (SELECT 1 FROM {quote(t.name)}{where})"


def _written(update: "_Update", env: dict[str, Any], ctx: Any,
             writes: list[tuple[str, list[Any]]]) -> None:
    """As `Update.run`: the update's statement and parameters added to `writes`, and the row as
    updated, for what follows."""
    name, sets, sql, pk = update
    target = env[name]
    changed = [(f, fn(env, ctx)) for f, fn, _ in sets]
    writes.append((sql, [encode(v) for (_, v), (_, _, encode) in zip(changed, sets)] + [target[pk]]))
    target.update(changed)


def _object_text(keys: tuple[str, ...], values: Any) -> str:
    """`ENCODE` of the object of `keys` (each as `keys_text` opens its member) and `values`: a
    text or a null written here, any other value by `ENCODE`."""
    parts = []
    for key, v in zip(keys, values):
        parts.append(key)
        parts.append(_TEXT(v) if v.__class__ is str else "null" if v is None else ENCODE(v))
    return "".join(parts) + "}" if parts else "{}"


def _count_value(t: Table, f: str, node: Node) -> Getter:
    fn, encode = build(node), t.encoder(f)

    def get(env: dict[str, Any], ctx: Any) -> Any:
        v = fn(env, ctx)
        return None if v is None else encode(v)
    return get


def _id_format(pattern: str) -> tuple[str, int, str]:
    """`format_id(pattern, n)` is head + str(base + n) + tail: (head, base, tail)."""
    m = re.search(r"#+", pattern)
    if m is None:
        return pattern, 0, ""
    width = len(m.group(0))
    return pattern[:m.start()], 10 ** (width - 1) if width > 1 else 0, pattern[m.end():]


def _fields_reply(source: Any, name: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The keys and the fields of a reply ``{key: NAME.field, …}`` (in its order), or None for
    another reply."""
    if not isinstance(source, dict):
        return None
    out: list[tuple[str, str]] = []
    for k, v in source.items():
        try:
            node = expr_node(v)
        except (Unsupported, ExprError):
            return None
        if node.op != "attr" or node.args[0].op != "name" or node.args[0].value != name:
            return None
        out.append((str(k), node.value))
    return tuple(k for k, _ in out), tuple(f for _, f in out)


def _unique(find: fx.Find) -> bool:
    """Whether a find matches at most one row: one of its keys is its table's key or a unique
    field that is never null, compared exactly."""
    t = find.table
    return any(not w.nocase and (w.field == t.pk or (t.fields[w.field].unique and not t.fields[w.field].nullable))
               for w in find.where)


def _single(find: fx.Find) -> None:
    if not known_find(find) or find.many or find.optional or find.filter is not None:
        raise Unsupported("a find of many rows, an optional one or a filtered one")
    if any(w.path or w.lhs_params for w in find.where):
        raise Unsupported("a path into a json field")


def _constant(e: Any, encode: Callable[[Any], Any]) -> Any:
    """The value of an expression that reads no name and no table, or `MISS` when it raises (it
    is then computed on every call, and its error is the steps')."""
    try:
        value = e.fn({}, None)
        encode(value)
    except Exception:  # noqa: BLE001 — left to every call
        return MISS
    return value if value is None or type(value) in (str, int, float, bool) else MISS


def _next_id_pattern(source: Any) -> str | None:
    """PATTERN of a value that is exactly ``next_id('PATTERN')``, else None."""
    try:
        node = expr_node(source)
    except (Unsupported, ExprError):
        return None
    if node.op == "call" and node.value == "next_id" and len(node.args) == 1 and node.args[0].op == "const" \
            and type(node.args[0].value) is str:
        return node.args[0].value
    return None


def _calls_any(source: Any, fns: tuple[str, ...]) -> bool:
    """Whether an expression source calls one of `fns`; True when it cannot tell."""
    if isinstance(source, Node):
        return any(calls_fn(source, fn) for fn in fns)
    if isinstance(source, dict):
        return any(_calls_any(v, fns) for v in source.values())
    if isinstance(source, list):
        return any(_calls_any(v, fns) for v in source)
    try:
        node = expr_node(source)
    except Exception:  # noqa: BLE001 — unparseable here: assume the worst
        return True
    return any(calls_fn(node, fn) for fn in fns)


def compile_insert(steps: list[Any], tables: dict[str, Table]) -> InsertHead | None:
    """The statement for an effect of finds and requires, one insert and a return, or None for
    any other shape."""
    k = next((i for i, s in enumerate(steps) if type(s) is not fx.Find and type(s) is not fx.Require), len(steps))
    u = next((i for i in range(k, len(steps)) if type(steps[i]) is not fx.Update), len(steps))
    if u == len(steps) or type(steps[u]) is not fx.Insert or set(vars(steps[u])) != _INSERT_ATTRS:
        return None
    insert, rest, updates = steps[u], steps[u + 1:], steps[k:u]
    branches = []
    while rest and type(rest[0]) is fx.If:
        if set(vars(rest[0])) != _IF_ATTRS or any(type(s) is not fx.Update for s in rest[0].then + rest[0].else_):
            return None
        branches.append(rest[0])
        rest = rest[1:]
    if rest and (len(rest) != 1 or type(rest[0]) is not fx.ReturnValue):
        return None
    updates_after = [s for b in branches for s in b.then + b.else_]
    if any(set(vars(s)) != _UPDATE_ATTRS for s in updates + updates_after):
        return None
    finds = [s for s in steps[:k] if type(s) is fx.Find]
    guards = [s for s in steps[:k] if type(s) is fx.Require]
    try:
        return _compile(finds, guards, updates, insert, rest[0] if rest else None, tables, branches)
    except (Unsupported, ExprError):
        return None


def _compile(finds: list[fx.Find], guards: list[fx.Require], updates: list[fx.Update], insert: fx.Insert,
             ret: fx.ReturnValue | None, tables: dict[str, Table], branches: list[fx.If]) -> InsertHead:
    if insert.missing is not None:
        raise Unsupported("an insert that always fails")
    rows = {f.as_ for f in finds}
    if len(rows) != len(finds) or insert.as_ in rows:
        raise Unsupported("a name bound twice")
    if finds:
        first = finds[0]
        _single(first)
        if not _unique(first):
            raise Unsupported("a first find that may match more than one row")
        if any(names_of(expr_node(w.expr.source)) & rows for w in first.where):
            raise Unsupported("a first find keyed by a row")
    for s in [w.expr.source for f in finds for w in f.where] + [g.cond.source for g in guards]:
        if _calls_any(s, ("next_id",)):
            raise Unsupported("next_id before the insert")
    after = [u for b in branches for u in b.then + b.else_]
    for u in updates + after:
        if u.row not in rows or any(_calls_any(e.source, _READS_DB) for _, e in u.set):
            raise Unsupported("an update of a row no find bound, or a value that reads a table")
    # an `if` of updates after the insert is written before it: it must not read the inserted row
    # (nor a table), and the insert must not read a row it updates
    if any(_calls_any(b.cond.source, _READS_DB) or insert.as_ in b.cond.names for b in branches) or any(
            insert.as_ in e.names for u in after for _, e in u.set):
        raise Unsupported("an if after the insert that reads the inserted row or a table")
    if {u.row for u in after} & set().union(*(e.names for _, e in insert.values)):
        raise Unsupported("an insert that reads a row an if after it updates")
    if ret is not None and _calls_any(ret.value.source, _READS_DB):
        raise Unsupported("a reply that reads a table")
    return InsertHead(finds, guards, updates, insert, ret, tables, tuple(branches))
