"""Effects: a tool's declarative steps, checked against the schema and compiled to closures + SQL.

Compilation walks the steps in order with a static scope (which names are bound, and to rows of
which table), so an unknown table, field or name is a `CompileError` before anything runs. At run
time each step reads and writes the episode's SQLite connection with prepared, parameterised
statements; a failing step raises `ToolFailure`, which the executor turns into `{"error": ...}`.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Protocol

from . import model as m
from .errors import CompileError, ExprError
from .expr import Compiled, Env, Runtime, compile_expr, compile_template
from .tables import Table, quote

CLOCK_NAMES = {"now", "today"}


class ToolFailure(Exception):
    """A tool refused or failed; the message is what the agent sees."""


class Context(Runtime, Protocol):
    conn: sqlite3.Connection
    tables: dict[str, Table]
    dirty: set[str]


class Return(Exception):
    def __init__(self, value: Any):
        self.value = value


# ---------------------------------------------------------------- static scope


@dataclass(frozen=True)
class Binding:
    table: str | None = None  # rows of this table, or a plain value
    many: bool = False


class Scope:
    """Names visible at a point of an effect, for compile-time checks."""

    def __init__(self, tables: dict[str, Table], names: dict[str, Binding], where: str):
        self.tables, self.names, self.where = tables, dict(names), where

    def child(self, where: str) -> "Scope":
        return Scope(self.tables, self.names, where)

    def table(self, name: str) -> Table:
        t = self.tables.get(name)
        if t is None:
            raise CompileError(f"{self.where}: unknown table '{name}'; tables: {', '.join(self.tables)}")
        return t

    def field(self, table: Table, name: str, role: str = "field") -> None:
        if name not in table.fields:
            raise CompileError(
                f"{self.where}: table '{table.name}' has no {role} '{name}'; fields: {table.field_names()}"
            )

    def expr(self, source: Any, extra: dict[str, Binding] | None = None, template: bool = False) -> Compiled:
        try:
            c = compile_template(source) if template else compile_expr(source)
        except ExprError as err:
            raise CompileError(f"{self.where}: {err}") from None
        names = {**self.names, **(extra or {})}
        unknown = c.names - set(names) - CLOCK_NAMES
        if unknown:
            raise CompileError(
                f"{self.where}: unknown name(s) {sorted(unknown)} in {source!r}; "
                f"known here: {sorted(set(names) | CLOCK_NAMES)}"
            )
        for name, fld in c.fields:
            b = names.get(name)
            if b is not None and b.table is not None:
                self.field(self.tables[b.table], fld)
        for t in c.tables:
            self.table(t)
        for t, fld in c.table_fields:
            self.field(self.tables[t], fld)
        return c


# ---------------------------------------------------------------- steps


class Step(Protocol):
    def run(self, env: Env, ctx: Context) -> None: ...


def _run_all(steps: list[Step], env: Env, ctx: Context) -> None:
    for s in steps:
        s.run(env, ctx)


class Find:
    def __init__(self, st: m.FindStep, scope: Scope):
        self.table = t = scope.table(st.find)
        self.as_, self.many, self.optional, self.limit = st.as_, st.many, st.optional, st.limit
        unknown = set(st.nocase) - set(st.where)
        if unknown:
            raise CompileError(f"{scope.where}: nocase names {sorted(unknown)}, which are not where keys")
        self.where = [_WhereKey(t, key, key in st.nocase, scope.expr(val), scope) for key, val in st.where.items()]
        self.indexable = [(w.field, w.nocase) for w in self.where if not w.path]
        self.filter = scope.expr(st.filter, {st.as_: Binding(t.name)}) if st.filter else None
        order = []
        for o in st.order_by or [t.pk]:
            desc = o.startswith("-")
            scope.field(t, o.lstrip("-"))
            order.append(f"{quote(o.lstrip('-'))}{' DESC' if desc else ''}")
        self.order_sql = " ORDER BY " + ", ".join(order)
        self.order_fields = [o.lstrip("-") for o in st.order_by or [t.pk]]
        self.error = scope.expr(st.error or f"{t.name} not found", template=True)
        self._sql_cache: dict[tuple, str] = {}
        scope.names[st.as_] = Binding(t.name, st.many)

    def bind(self, values: list[Any]) -> tuple[str, list[Any]]:
        """The SQL and parameters for these where values: a null is IS NULL, a list is IN (...)."""
        params: list[Any] = []
        shape: list[int | None] = []
        for w, v in zip(self.where, values):
            params.extend(w.lhs_params)
            if v is None:
                shape.append(-1)
            elif isinstance(v, list):
                shape.append(len(v))
                params.extend(w.encode(x) for x in v)
            else:
                shape.append(None)
                params.append(w.encode(v))
        return self._sql(tuple(shape)), params

    def _sql(self, shape: tuple) -> str:
        sql = self._sql_cache.get(shape)
        if sql is None:
            conds = []
            for w, kind in zip(self.where, shape):
                if kind == -1:
                    conds.append(f"{w.lhs} IS NULL")
                elif kind is None:
                    conds.append(f"{w.lhs} = ?{w.collate}")
                else:
                    conds.append(f"{w.lhs} IN ({', '.join('?' * kind)}){w.collate}")
            sql = self.table.select_sql + (" WHERE " + " AND ".join(conds) if conds else "") + self.order_sql
            if self.limit and not self.filter:
                sql += f" LIMIT {int(self.limit)}"
            elif not self.many and not self.filter:
                sql += " LIMIT 1"
            self._sql_cache[shape] = sql
        return sql

    def run(self, env: Env, ctx: Context) -> None:
        sql, params = self.bind([w.expr(env, ctx) for w in self.where])
        rows = [self.table.decode(r) for r in ctx.conn.execute(sql, params)]
        if self.filter:
            keep = []
            for r in rows:
                env[self.as_] = r
                if self.filter(env, ctx):
                    keep.append(r)
            rows = keep[: self.limit] if self.limit else keep
        if self.many:
            env[self.as_] = rows
        elif rows:
            env[self.as_] = rows[0]
        elif self.optional:
            env[self.as_] = None
        else:
            raise ToolFailure(self.error(env, ctx))


class _WhereKey:
    """One `where` condition: a field or a path into a json field, its SQL and how values bind."""

    def __init__(self, table: Table, key: str, nocase: bool, expr: Compiled, scope: Scope):
        self.field, *self.path = key.split(".")
        scope.field(table, self.field)
        self.nocase, self.expr = nocase, expr
        self.collate = " COLLATE NOCASE" if nocase else ""
        if self.path:
            if table.fields[self.field].type != "json" or not all(_SEGMENT.match(p) for p in self.path):
                raise CompileError(f"{scope.where}: '{key}' needs a json field and name segments after it")
            self.lhs = f"json_extract({quote(self.field)}, ?)"
            self.lhs_params = ["$" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in self.path)]
            self.encode = _scalar
        else:
            self.lhs, self.lhs_params = quote(self.field), []
            self.encode = lambda v: table.encode(self.field, v)


_SEGMENT = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|\d+)$")


def _scalar(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        raise ExprError("a path inside a json field compares with a single value")
    return value


class Require:
    def __init__(self, st: m.RequireStep, scope: Scope):
        self.cond = scope.expr(st.require)
        self.message = scope.expr(st.message, template=True)

    def run(self, env: Env, ctx: Context) -> None:
        if not self.cond(env, ctx):
            raise ToolFailure(self.message(env, ctx))


class Insert:
    def __init__(self, st: m.InsertStep, scope: Scope):
        self.table = t = scope.table(st.insert)
        self.values = []
        for fld, val in st.values.items():
            scope.field(t, fld)
            self.values.append((fld, scope.expr(val)))
        given = set(st.values)
        self.defaults = [(f.name, f.default) for f in t.entity.fields
                         if f.name not in given and f.default is not None]
        self.as_ = st.as_
        self.auto_pk = t.pk not in given and t.fields[t.pk].type == "integer"
        if t.pk not in given and not self.auto_pk:
            raise CompileError(f"{scope.where}: insert into {t.name} must set its key '{t.pk}' "
                               "(use next_id('PREFIX') for a new id)")
        if st.as_:
            scope.names[st.as_] = Binding(t.name)
        self.cols = [fld for fld, _ in self.values] + [fld for fld, _ in self.defaults]
        missing = [f.name for f in t.entity.fields if f.name not in self.cols and not f.nullable
                   and not (self.auto_pk and f.name == t.pk)]
        self.missing = f"field '{missing[0]}' of {t.name} needs a value" if missing else None
        """The refusal of every run when a required field gets no value (said after the values
        are computed, as their own errors come first)."""
        self.sql = (f"INSERT INTO {quote(t.name)} ({', '.join(quote(c) for c in self.cols)}) "
                    f"VALUES ({', '.join('?' * len(self.cols))})")

    def run(self, env: Env, ctx: Context) -> None:
        row = {fld: expr(env, ctx) for fld, expr in self.values}
        for fld, default in self.defaults:
            row[fld] = default
        if self.missing is not None:
            raise ToolFailure(self.missing)
        encode = self.table.encode
        params = [encode(c, row[c]) for c in self.cols]
        ctx.dirty.add(self.table.name)
        cur = ctx.conn.execute(self.sql, params)
        if self.auto_pk:
            row[self.table.pk] = cur.lastrowid
        if self.as_:
            env[self.as_] = {c: row.get(c) for c in self.table.columns}


class Update:
    def __init__(self, st: m.UpdateStep, scope: Scope):
        self.table = t = scope.table(st.update)
        b = scope.names.get(st.row)
        if b is None or b.table != t.name:
            raise CompileError(f"{scope.where}: update needs 'row' to name rows of {t.name} found earlier; "
                               f"'{st.row}' is {'unknown' if b is None else 'not rows of ' + t.name}")
        self.row = st.row
        self.set = []
        for fld, val in st.set.items():
            scope.field(t, fld)
            if fld == t.pk:
                raise CompileError(f"{scope.where}: the key '{fld}' of {t.name} cannot be updated")
            self.set.append((fld, scope.expr(val, {st.row: Binding(t.name)})))
        self.sql = (f"UPDATE {quote(t.name)} SET {', '.join(quote(f) + ' = ?' for f, _ in self.set)} "
                    f"WHERE {quote(t.pk)} = ?")

    def run(self, env: Env, ctx: Context) -> None:
        target = env[self.row]
        rows = target if isinstance(target, list) else [target]
        ctx.dirty.add(self.table.name)
        for row in rows:
            if row is None:
                raise ToolFailure(f"nothing to update: '{self.row}' is empty")
            env[self.row] = row
            try:
                new = [(f, e(env, ctx)) for f, e in self.set]
            finally:
                env[self.row] = target
            params = [self.table.encode(f, v) for f, v in new] + [row[self.table.pk]]
            ctx.conn.execute(self.sql, params)
            row.update(new)


class Delete:
    def __init__(self, st: m.DeleteStep, scope: Scope):
        self.table = t = scope.table(st.delete)
        b = scope.names.get(st.row)
        if b is None or b.table != t.name:
            raise CompileError(f"{scope.where}: delete needs 'row' to name rows of {t.name} found earlier")
        self.row = st.row
        self.sql = f"DELETE FROM {quote(t.name)} WHERE {quote(t.pk)} = ?"

    def run(self, env: Env, ctx: Context) -> None:
        target = env[self.row]
        ctx.dirty.add(self.table.name)
        for row in target if isinstance(target, list) else [target]:
            if row is not None:
                ctx.conn.execute(self.sql, [row[self.table.pk]])


class Let:
    def __init__(self, st: m.LetStep, scope: Scope):
        self.items = []
        for name, val in st.let.items():
            self.items.append((name, scope.expr(val)))
            scope.names[name] = _binding_of(val, scope)

    def run(self, env: Env, ctx: Context) -> None:
        for name, expr in self.items:
            env[name] = expr.fn(env, ctx)


def _binding_of(source: Any, scope: Scope, element: bool = False) -> Binding:
    """What a name bound to `source` carries: if `source` is a bare bound name, its rows (or, with
    `element`, one of its rows); otherwise a plain value."""
    if isinstance(source, str) and source.strip() in scope.names:
        b = scope.names[source.strip()]
        if element and b.many:
            return Binding(b.table)
        return b if not element else Binding()
    return Binding()


class ForEach:
    def __init__(self, st: m.ForEachStep, scope: Scope):
        self.items = scope.expr(st.for_each)
        self.as_ = st.as_
        inner = scope.child(f"{scope.where}.do")
        inner.names[st.as_] = _binding_of(st.for_each, scope, element=True)
        self.body = compile_steps(st.do, inner)

    def run(self, env: Env, ctx: Context) -> None:
        items = self.items(env, ctx)
        if not isinstance(items, list):
            raise ExprError(f"for_each needs a list, got {type(items).__name__}")
        for item in list(items):
            env[self.as_] = item
            _run_all(self.body, env, ctx)


class If:
    """``if: COND, then: [...], else: [...]``: names bound in both branches stay bound after it."""

    def __init__(self, st: m.IfStep, scope: Scope):
        self.cond = scope.expr(st.if_)
        then_scope, else_scope = scope.child(f"{scope.where}.then"), scope.child(f"{scope.where}.else")
        self.then = compile_steps(st.then, then_scope)
        self.else_ = compile_steps(st.else_, else_scope)
        for name, b in then_scope.names.items():
            if name not in scope.names and else_scope.names.get(name) == b:
                scope.names[name] = b

    def run(self, env: Env, ctx: Context) -> None:
        _run_all(self.then if self.cond(env, ctx) else self.else_, env, ctx)


class ReturnValue:
    def __init__(self, st: m.ReturnStep, scope: Scope):
        self.value = scope.expr(st.return_)

    def run(self, env: Env, ctx: Context) -> None:
        raise Return(self.value(env, ctx))


_STEP_CLASSES = {m.FindStep: Find, m.RequireStep: Require, m.InsertStep: Insert, m.UpdateStep: Update,
                 m.DeleteStep: Delete, m.LetStep: Let, m.ForEachStep: ForEach, m.IfStep: If,
                 m.ReturnStep: ReturnValue}


def nested_steps(step: Step) -> list[Step]:
    """The steps inside a `for_each` or `if` (empty for other steps)."""
    if isinstance(step, ForEach):
        return step.body
    if isinstance(step, If):
        return step.then + step.else_
    return []


def compile_steps(steps: list[Any], scope: Scope) -> list[Step]:
    out = []
    base = scope.where
    for i, st in enumerate(steps):
        scope.where = f"{base}[{i}]"
        out.append(_STEP_CLASSES[type(st)](st, scope))
    scope.where = base
    return out


def run_effect(steps: list[Step], env: Env, ctx: Context) -> Any:
    """Run compiled steps; the value of `return`, or ``{"ok": true}``."""
    try:
        _run_all(steps, env, ctx)
    except Return as r:
        return r.value
    return {"ok": True}
