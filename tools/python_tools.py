"""Tools written as typed Python functions over the sandbox (for hand-written domains).

The schema comes from the type hints and the docstring's ``Args:`` section, as in τ²-bench. The
function receives a `SandboxDB`, whose methods check table and field names against the schema and
bind every value, so a Python tool is as safe as a declarative one.
"""
from __future__ import annotations

import inspect
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Literal, get_args, get_origin

from .errors import CompileError, ExprError
from .model import Parameter, ToolSpec
from .tables import Table, quote


class ToolError(Exception):
    """Raise from a Python tool to refuse a call; the message is what the agent sees."""


@dataclass
class PythonTool:
    spec: ToolSpec
    fn: Callable[..., Any]


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}


def _param(name: str, hint: Any, description: str, default: Any) -> Parameter:
    required = default is inspect.Parameter.empty
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        if len(inner) == 1:
            p = _param(name, inner[0], description, default)
            return p.model_copy(update={"required": False})
    if origin is Literal:
        values = list(get_args(hint))
        t = _SCALARS.get(type(values[0]), "string")
        return Parameter(name=name, type=t, description=description, enum=values, required=required,
                         default=None if required else default)
    if origin in (list, tuple) or hint in (list, tuple):
        args = get_args(hint)
        item = _param("item", args[0], "", inspect.Parameter.empty) if args else Parameter(name="item")
        return Parameter(name=name, type="array", items=item, description=description, required=required)
    if origin is dict:
        hint = dict
    t = _SCALARS.get(hint)
    if t is None:
        raise CompileError(f"parameter '{name}': type {hint!r} is not one of str, int, float, bool, "
                           "list[...], dict, Literal[...]")
    return Parameter(name=name, type=t, description=description, required=required,
                     default=None if required else default)


def _doc_sections(doc: str) -> tuple[str, dict[str, str]]:
    doc = inspect.cleandoc(doc or "")
    head, _, rest = doc.partition("\nArgs:")
    args: dict[str, str] = {}
    current = None
    for line in rest.splitlines():
        m = re.match(r"^\s+(\w+)\s*(?:\([^)]*\))?:\s*(.*)$", line)
        if m:
            current = m.group(1)
            args[current] = m.group(2).strip()
        elif current and line.strip() and not re.match(r"^\S", line):
            args[current] += " " + line.strip()
        elif re.match(r"^\S", line):
            break
    return head.strip(), args


def python_tool(fn: Callable | None = None, *, kind: Literal["read", "write"] = "read",
                name: str | None = None) -> Any:
    """Decorate ``def tool(db: SandboxDB, arg: type, ...) -> result`` into a `PythonTool`."""

    def wrap(f: Callable) -> PythonTool:
        sig = inspect.signature(f)
        hints = typing.get_type_hints(f)
        params = list(sig.parameters.values())
        if not params or params[0].name != "db":
            raise CompileError(f"python tool {f.__name__}: the first parameter must be 'db'")
        description, arg_docs = _doc_sections(f.__doc__ or "")
        parameters = [_param(p.name, hints.get(p.name, str), arg_docs.get(p.name, ""), p.default)
                      for p in params[1:]]
        spec = ToolSpec(name=name or f.__name__, description=description, kind=kind,
                        parameters=parameters, effect=None)
        return PythonTool(spec=spec, fn=f)

    return wrap(fn) if fn is not None else wrap


class SandboxDB:
    """Schema-checked, parameterised access to an episode's tables for Python tools."""

    def __init__(self, conn: Any, tables: dict[str, Table], dirty: set[str]):
        self._conn = conn
        self._tables = tables
        self._dirty = dirty

    def _table(self, name: str) -> Table:
        t = self._tables.get(name)
        if t is None:
            raise ToolError(f"unknown table '{name}'")
        return t

    def find(self, table: str, **where: Any) -> list[dict[str, Any]]:
        t = self._table(table)
        conds, params = [], []
        for k, v in where.items():
            conds.append(f"{quote(k)} = ?" if v is not None else f"{quote(k)} IS NULL")
            if v is not None:
                params.append(t.encode(k, v))
        sql = t.select_sql + (" WHERE " + " AND ".join(conds) if conds else "") + f" ORDER BY {quote(t.pk)}"
        return [t.decode(r) for r in self._conn.execute(sql, params)]

    def get(self, table: str, key: Any) -> dict[str, Any] | None:
        t = self._table(table)
        row = self._conn.execute(t.by_pk_sql, [key]).fetchone()
        return t.decode(row) if row else None

    def insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        t = self._table(table)
        self._dirty.add(t.name)
        cols = list(row)
        params = [t.encode(c, row[c]) for c in cols]
        cur = self._conn.execute(
            f"INSERT INTO {quote(t.name)} ({', '.join(quote(c) for c in cols)}) "
            f"VALUES ({', '.join('?' * len(cols))})", params)
        key = row.get(t.pk, cur.lastrowid)
        return self.get(table, key) or {}

    def update(self, table: str, key: Any, **values: Any) -> dict[str, Any]:
        t = self._table(table)
        self._dirty.add(t.name)
        if not values:
            raise ExprError("update needs at least one field")
        params = [t.encode(k, v) for k, v in values.items()] + [key]
        cur = self._conn.execute(
            f"UPDATE {quote(t.name)} SET {', '.join(quote(k) + ' = ?' for k in values)} WHERE {quote(t.pk)} = ?",
            params)
        if cur.rowcount == 0:
            raise ToolError(f"{table} {key!r} not found")
        return self.get(table, key) or {}

    def delete(self, table: str, key: Any) -> None:
        t = self._table(table)
        self._dirty.add(t.name)
        cur = self._conn.execute(f"DELETE FROM {quote(t.name)} WHERE {quote(t.pk)} = ?", [key])
        if cur.rowcount == 0:
            raise ToolError(f"{table} {key!r} not found")
