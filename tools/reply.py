"""SQL-built replies: a tool's closing finds and its `return`, run as one SQLite statement that
builds the reply's JSON text, so Python does no per-row or per-field work on the way out.

A tool's effect usually ends ``find ...; find ...; return {...}``. That tail is compiled once into
a ``SELECT json_quote(...)`` whose single-row finds are derived tables in its FROM clause and whose
many-row finds are correlated scalar subqueries (``json_group_array`` / ``json_group_object``);
``project``, ``compact`` and ``index_by`` over found rows, field reads, object and list literals
become ``json_object`` / ``json_remove`` / ``json_array``. Any sub-expression that reads no row of
the tail (arguments, clock, names bound by earlier steps, `lookup(...)`) is evaluated by its
ordinary closure and bound as one JSON parameter, so its meaning is the interpreter's by
construction. Identifiers come from the checked schema (quoted); every value and key is a bound
parameter.

The statement stands in for the interpreter only where the answer is the same:
- a shape it does not know (filters, optional single finds, paths into json fields, arithmetic on
  row fields, ...) raises `Unsupported` at compile time and those steps stay interpreted;
- at run time a where value that is null or a list, a parameter whose closure fails, a single find
  that matches no row, or an SQLite error returns None, and the interpreted steps run instead — so
  the error an agent sees is the interpreter's own.

What differs: SQLite writes a REAL with 15 significant digits (0.1 + 0.2 reads 0.3), the same
noise-blind rule as the state digest. The texts are compact JSON, like every other tool reply.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Callable

from . import effects as fx
from .errors import ExprError
from .expr import Node, _build, parse
from .tables import Table, quote

Getter = Callable[[dict[str, Any], Any], Any]

ENCODE = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode
"""The one encoding of tool replies: compact, as SQLite's JSON functions write."""

_PLAIN = ("string", "integer", "number", "date", "datetime")
_SAFE_KEY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- ")
_ABSENT = '$."\x01"'
"""A json_remove path no object here has (keys with control characters are never compacted)."""


_FIND_ATTRS = {"table", "as_", "many", "optional", "limit", "where", "indexable", "filter", "order_sql",
               "error", "_sql_cache"}
"""The attributes of `effects.Find` compiled here and in `tools.plan`; a Find with others (a new
option) runs interpreted."""
_WHERE_ATTRS = {"field", "path", "nocase", "expr", "collate", "lhs", "lhs_params", "encode"}


def known_find(find: fx.Find) -> bool:
    return set(vars(find)) == _FIND_ATTRS and all(set(vars(w)) == _WHERE_ATTRS for w in find.where)


class Unsupported(Exception):
    """This shape stays interpreted."""


class Encoded:
    """A reply already encoded as JSON text."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _Source:
    def __init__(self, find: fx.Find, alias: str, sql: str):
        self.find, self.alias, self.sql = find, alias, sql
        self.table: Table = find.table


class SqlReply:
    """The compiled tail: `run(env, ctx)` → `Encoded`, or None when the interpreter must answer."""

    def __init__(self, finds: list[fx.Find], ret: fx.ReturnValue):
        self.params: list[Getter] = []
        self.sources: dict[str, _Source] = {}
        singles: list[_Source] = []
        for find in finds:
            src = self._source(find)
            if not find.many:
                singles.append(src)
            self.sources[find.as_] = src
        value, _ = self._value(ret.value.source)
        self.sql = f"SELECT json_quote({value})" + (
            " FROM " + ", ".join(f"({s.sql}) AS {s.alias}" for s in singles) if singles else "")

    def run(self, env: dict[str, Any], ctx: Any) -> Encoded | None:
        try:
            params = [get(env, ctx) for get in self.params]
            row = ctx.conn.execute(self.sql, params).fetchone()
        except (_Fallback, ExprError, sqlite3.Error):
            return None
        return None if row is None else Encoded(row[0])

    # ------------------------------------------------------------ finds

    def _param(self, get: Getter) -> str:
        self.params.append(get)
        return f"?{len(self.params)}"

    def _const(self, value: Any) -> str:
        return self._param(lambda env, ctx: value)

    def _source(self, find: fx.Find) -> _Source:
        if not known_find(find) or find.filter is not None or (find.optional and not find.many):
            raise Unsupported("a filter or an optional single find")
        conds = [self._where(find, w) for w in find.where]
        sql = find.table.select_sql + (" WHERE " + " AND ".join(conds) if conds else "") + find.order_sql
        if not find.many:
            sql += " LIMIT 1"
        elif find.limit:
            sql += f" LIMIT {int(find.limit)}"
        return _Source(find, f"t{len(self.sources)}", sql)

    def _where(self, find: fx.Find, w: Any) -> str:
        if w.path or w.lhs_params:
            raise Unsupported("a path into a json field")
        node = _node(w.expr.source)
        if not _names(node) & set(self.sources):
            return f"{w.lhs} = {self._param(_where_value(w))}{w.collate}"
        ref = self._column_ref(node)
        if ref is None or find.many is False:
            raise Unsupported("a single find keyed on another find's row")
        src, fld = ref
        ftype = find.table.fields[w.field].type
        if ftype not in _PLAIN or src.table.fields[fld].type != ftype:
            raise Unsupported("a key of another type")
        return f"{w.lhs} IS {src.alias}.{quote(fld)}{w.collate}"

    def _column_ref(self, node: Node) -> tuple[_Source, str] | None:
        """`name.field` of a single row of the tail, as (source, field)."""
        if node.op == "attr" and node.args[0].op == "name":
            src = self.sources.get(node.args[0].value)
            if src is not None and not src.find.many and node.value in src.table.fields:
                return src, node.value
        return None

    # ------------------------------------------------------------ values

    def _value(self, source: Any) -> tuple[str, bool]:
        """SQL for a JSON-able value, and whether it can be SQL NULL."""
        if isinstance(source, Node):
            return self._node_value(source)
        if isinstance(source, dict):
            return self._object({str(k): v for k, v in source.items()}), False
        if isinstance(source, list):
            return "json_array(" + ", ".join(self._value(v)[0] for v in source) + ")", False
        return self._node_value(_node(source))

    def _node_value(self, node: Node) -> tuple[str, bool]:
        if node.op == "const":
            return _constant(self, node.value)
        if not _names(node) & set(self.sources):
            return self._evaluated(node), True
        if node.op == "dict":
            return self._object(dict(zip(node.value, node.args))), False
        if node.op == "list":
            return "json_array(" + ", ".join(self._node_value(a)[0] for a in node.args) + ")", False
        if node.op == "name":
            src = self.sources[node.value]
            if src.find.many:
                return self._aggregate(src, "json_group_array", _row_object(self, src, None, False)), False
            return _row_object(self, src, None, False), False
        if node.op == "attr" and node.args[0].op == "name" and node.value in self.sources[node.args[0].value].table.fields:
            src = self.sources[node.args[0].value]
            col = _decoded(src.table, node.value, src.alias if not src.find.many else None)
            if src.find.many:
                return self._aggregate(src, "json_group_array", col), False
            return col, _nullable(src.table, node.value)
        if node.op == "call" and node.value == "compact" and len(node.args) == 1 and node.args[0].op == "dict":
            inner = node.args[0]
            return self._object(dict(zip(inner.value, inner.args)), compact=True), False
        if node.op == "call" and node.value in ("project", "compact", "index_by"):
            return self._rows_value(node), False
        raise Unsupported(f"{node.op} over found rows")

    def _evaluated(self, node: Node) -> str:
        """A sub-expression that reads no row of the tail: its closure's value as one JSON parameter."""
        if _calls(node, "next_id"):
            raise Unsupported("next_id in a reply")
        fn = _build(node)

        def get(env: dict[str, Any], ctx: Any) -> str | None:
            value = fn(env, ctx)
            return None if value is None else ENCODE(value)
        return f"json({self._param(get)})"

    def _object(self, items: dict[str, Any], compact: bool = False) -> str:
        """`items`: key → a parsed node or a structured source (a YAML mapping or list)."""
        parts, removals = [], []
        for key, item in items.items():
            sql, nullable = self._value(item)
            parts.append(f"{self._const(key)}, {sql}")
            if compact and nullable:
                removals.append((key, sql))
        obj = "json_object(" + ", ".join(parts) + ")"
        return _compacted(self, obj, removals) if compact else obj

    def _aggregate(self, src: _Source, fn: str, element: str, key: str | None = None) -> str:
        args = f"{key}, {element}" if key else element
        return f"json((SELECT {fn}({args}) FROM ({src.sql})))"

    def _rows_value(self, node: Node) -> str:
        """project / compact / index_by over a many-row find of the tail."""
        index_key = index_value = None
        if node.value == "index_by":
            if not 2 <= len(node.args) <= 3 or any(a.op != "const" or type(a.value) is not str
                                                     for a in node.args[1:]):
                raise Unsupported("index_by with computed names")
            index_key = node.args[1].value
            index_value = node.args[2].value if len(node.args) == 3 else None
            node = node.args[0]
        src, fields, compact = self._rows(node)
        if index_key is None:
            return self._aggregate(src, "json_group_array", _row_object(self, src, fields, compact))
        t = src.table
        unique_text = index_key in t.fields and t.fields[index_key].type == "string" and (
            index_key == t.pk or (t.fields[index_key].unique and not t.fields[index_key].nullable))
        if not unique_text or (fields is not None and index_key not in fields) or (
                index_value is not None and (index_value not in t.fields
                                             or (fields is not None and index_value not in fields))):
            raise Unsupported("index_by on a key that is not a unique text field of the rows")
        element = (_decoded(t, index_value, None) if index_value is not None
                   else _row_object(self, src, fields, compact))
        return self._aggregate(src, "json_group_object", element, key=quote(index_key))

    def _rows(self, node: Node) -> tuple[_Source, list[str] | None, bool]:
        """(source, projected fields or None for all, compacted) of a row-set expression."""
        if node.op == "name" and node.value in self.sources and self.sources[node.value].find.many:
            return self.sources[node.value], None, False
        if node.op == "call" and node.value == "compact" and len(node.args) == 1:
            src, fields, _ = self._rows(node.args[0])
            return src, fields, True
        if node.op == "call" and node.value == "project" and len(node.args) == 2 and node.args[1].op == "list":
            src, fields, compact = self._rows(node.args[0])
            names = [a.value for a in node.args[1].args]
            if compact or not all(type(n) is str and n in src.table.fields for n in names) or (
                    fields is not None and not set(names) <= set(fields)):
                raise Unsupported("project of names the rows do not have")
            return src, names, False
        raise Unsupported("a row set this module does not build")


class _Fallback(Exception):
    """These values need the interpreter."""


def _where_value(w: Any) -> Getter:
    expr, encode = w.expr, w.encode

    def get(env: dict[str, Any], ctx: Any) -> Any:
        value = expr(env, ctx)
        if value is None or isinstance(value, list):
            raise _Fallback  # IS NULL / IN (...): the interpreter's other SQL shapes
        return encode(value)
    return get


def _constant(reply: SqlReply, value: Any) -> tuple[str, bool]:
    if value is None:
        return "NULL", True
    if isinstance(value, bool):
        return ("json('true')" if value else "json('false')"), False
    return reply._const(value), False


def _decoded(t: Table, fld: str, alias: str | None) -> str:
    """A column as the interpreter decodes it: json text as JSON, a boolean as true/false."""
    col = f"{alias}.{quote(fld)}" if alias else quote(fld)
    ftype = t.fields[fld].type
    if ftype == "json":
        return f"json({col})"
    if ftype == "boolean":
        return f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} THEN json('true') ELSE json('false') END"
    return col


def _row_object(reply: SqlReply, src: _Source, fields: list[str] | None, compact: bool) -> str:
    t = src.table
    alias = None if src.find.many else src.alias
    names = t.columns if fields is None else fields
    obj = "json_object(" + ", ".join(f"{reply._const(f)}, {_decoded(t, f, alias)}" for f in names) + ")"
    if not compact:
        return obj
    return _compacted(reply, obj, [(f, _decoded(t, f, alias)) for f in names if _nullable(t, f)])


def _nullable(t: Table, fld: str) -> bool:
    """Whether the column can hold NULL (the DDL says NOT NULL otherwise; a key is never null)."""
    return t.fields[fld].nullable and fld != t.pk


def _compacted(reply: SqlReply, obj: str, nullable: list[tuple[str, str]]) -> str:
    """`obj` without the members whose value is null (`compact`)."""
    if not nullable:
        return obj
    if not all(set(key) <= _SAFE_KEY for key, _ in nullable):
        raise Unsupported("compact of a key that a JSON path cannot name plainly")
    absent = reply._const(_ABSENT)
    paths = [f"CASE WHEN {sql} IS NULL THEN {reply._const(_member_path(key))} ELSE {absent} END"
             for key, sql in nullable]
    return f"json_remove({obj}, {', '.join(paths)})"


def _member_path(key: str) -> str:
    return '$."' + key + '"'


def _node(source: Any) -> Node:
    if isinstance(source, str):
        return parse(source)
    if source is None or isinstance(source, (bool, int, float)):
        return Node("const", value=source)
    raise Unsupported("a structured value inside an expression")


def _names(node: Node) -> set[str]:
    if node.op == "name":
        return {node.value}
    if node.op == "comp":
        return set().union(*(_names(a) for a in node.args)) - {node.value}
    return set().union(*(_names(a) for a in node.args)) if node.args else set()


def _calls(node: Node, fn: str) -> bool:
    return (node.op == "call" and node.value == fn) or any(_calls(a, fn) for a in node.args)


def compile_reply(steps: list[Any]) -> tuple[int, SqlReply] | None:
    """(index of the first step the statement replaces, the statement) for the longest tail of
    finds + return it can build; None when the effect does not end in one with at least one find
    (a return of bound values alone is cheaper encoded in Python)."""
    if not steps or type(steps[-1]) is not fx.ReturnValue:
        return None
    first = len(steps) - 1
    while first > 0 and type(steps[first - 1]) is fx.Find:
        first -= 1
    for start in range(first, len(steps) - 1):
        try:
            return start, SqlReply(list(steps[start:-1]), steps[-1])
        except (Unsupported, ExprError):
            continue
    return None
