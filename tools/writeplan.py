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

from typing import Any, Callable

from . import effects as fx
from .expr import Node
from .reply import Encoded, SqlReply, Unsupported, calls_fn, expr_node, where_value, known_find
from .tables import Table, quote

MISS: Any = object()
"""`WriteHead.run`'s answer when nothing was written and the interpreted steps must run."""

_EXACT_READBACK = ("string", "date", "datetime", "json", "boolean")
_READS_DB = ("lookup", "rows", "count_rows")


class WriteHead:
    """The opening find → requires → update as one statement; `rest` runs the remaining steps
    (None when the statement also writes the reply)."""

    def __init__(self, steps: list[Any], n_requires: int, rest: Callable[[dict, Any], Any] | None):
        find, update = steps[0], steps[n_requires + 1]
        self.table: Table = find.table
        self.as_ = find.as_
        self.sets = update.set
        self.rest = rest
        tail = steps[n_requires + 2:]
        self.stmt = SqlReply(tail[:-1], tail[-1], target=find) if rest is None else _Parameters()
        stmt = self.stmt
        where = [f"{w.lhs} = {stmt.param(where_value(w, self.table))}{w.collate}" for w in find.where]
        where += [stmt.condition(expr_node(r.cond.source), find.as_, self.table) for r in steps[1:n_requires + 1]]
        self.set_slots: list[int] = []
        """Where each updated value goes in the parameters (filled per call, encoded for its column)."""
        for _ in self.sets:
            stmt.values.append(None)
            self.set_slots.append(len(stmt.values) - 1)
        sets = ", ".join(f"{quote(f)} = ?{i + 1}" for (f, _), i in zip(self.sets, self.set_slots))
        returning = stmt.text if rest is None else ", ".join(quote(c) for c in self.table.columns)
        self.sql = (f"UPDATE {quote(self.table.name)} SET {sets} WHERE {' AND '.join(where)} "
                    f"RETURNING {returning}")

    def run(self, env: dict[str, Any], ctx: Any) -> Any:
        """The reply, or `MISS` when nothing was written (the interpreted steps must answer)."""
        stmt, t = self.stmt, self.table
        params = stmt.values[:]
        try:
            for i, get in stmt.getters:
                params[i] = get(env, ctx)
            new = [(f, e(env, ctx)) for f, e in self.sets]
            for i, (f, v) in zip(self.set_slots, new):
                params[i] = t.encode(f, v)
            rows = ctx.conn.execute(self.sql, params).fetchall()
        except Exception:  # noqa: BLE001 — nothing was written; the interpreted steps say what is wrong
            return MISS
        if not rows:
            return MISS
        ctx.dirty.add(t.name)
        if self.rest is None:
            return Encoded(rows[0][0])
        row = t.decode(rows[0])
        row.update(new)  # the row as the interpreter's update leaves it (values as computed)
        env[self.as_] = row
        return self.rest(env, ctx)


class _Parameters(SqlReply):
    """The parameter list and condition translation of `SqlReply`, without a reply."""

    def __init__(self) -> None:  # noqa: D107 — no reply to build
        self.values, self.getters, self.sources = [], [], {}


def compile_write(steps: list[Any], rest_program: Callable[[list[Any]], Callable[[dict, Any], Any]]) -> WriteHead | None:
    """The statement for an effect that opens with find → require … → update of the found row,
    or None for any other shape. `rest_program(steps)` compiles the steps after the update."""
    if not steps or type(steps[0]) is not fx.Find:
        return None
    n = 0
    while n + 1 < len(steps) and type(steps[n + 1]) is fx.Require:
        n += 1
    if n + 1 >= len(steps) or type(steps[n + 1]) is not fx.Update:
        return None
    try:
        _check_head(steps[0], steps[1:n + 1], steps[n + 1])
        tail = steps[n + 2:]
        if _reply_fits(steps[0], steps[n + 1], tail):
            try:
                return WriteHead(steps, n, None)
            except Unsupported:
                pass
        return WriteHead(steps, n, rest_program(tail))
    except Unsupported:
        return None


def _check_head(find: fx.Find, requires: list[fx.Require], update: fx.Update) -> None:
    t = find.table
    if not known_find(find) or find.many or find.optional or find.filter is not None:
        raise Unsupported("a find of many rows, an optional one or a filtered one")
    if update.table is not t or update.row != find.as_:
        raise Unsupported("an update of another row")
    if any(w.path or w.lhs_params for w in find.where):
        raise Unsupported("a path into a json field")
    if not any(not w.nocase and (w.field == t.pk or (t.fields[w.field].unique and not t.fields[w.field].nullable))
               for w in find.where):
        raise Unsupported("a find that may match more than one row")
    before = [w.expr.source for w in find.where] + [r.cond.source for r in requires]
    if any(_calls_any(s, ("next_id",)) for s in before + [e.source for _, e in update.set]):
        raise Unsupported("next_id before the statement")
    if any(find.as_ in e.names for _, e in update.set):
        raise Unsupported("an updated value that reads the row")


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
