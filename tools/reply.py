"""SQL-built replies: a tool's closing finds and its `return`, run as one SQLite statement that
builds the reply's JSON text, so Python does no per-row or per-field work on the way out.

A tool's effect usually ends ``find ...; find ...; return {...}``. That tail is compiled once into
one SELECT whose single-row finds are derived tables in its FROM clause and whose many-row finds
are correlated scalar subqueries (a filter of `==`/`!=`/`and`/`or`/`not` becomes their WHERE).
Field reads, object and list literals, comprehensions over found rows, `project`, `compact` and
`index_by` become JSON text concatenated in SQLite (`||`, `group_concat`, `json_quote`; json_object
would parse its JSON arguments again) — except an object of columns only, which `json_object`
writes (a json column read back through `json()`), and a list or keyed object of such objects or of
text/number columns, which `json_group_array` / `json_group_object` write: fewer, cheaper string
operations for the same text (`tools.jsontext`). Any sub-expression that reads no row of the tail
(arguments, clock, names bound by earlier steps, `lookup(...)`) is evaluated by its ordinary
closure and bound as one encoded parameter, so its meaning is the interpreter's by construction.
Identifiers come from the checked schema (quoted); every value and key is a bound parameter.

The statement stands in for the interpreter only where the answer is the same:
- a shape it does not know (optional single finds, paths into json fields, arithmetic on row
  fields, ...) raises `Unsupported` at compile time and those steps stay interpreted;
- at run time a where value that is null or a list, a compared value of another type than its
  field, a parameter whose closure fails, a single find that matches no row, or an SQLite error
  returns None, and the interpreted steps run instead — so the error an agent sees is the
  interpreter's own.

What differs: SQLite writes a REAL with 15 significant digits (0.1 + 0.2 reads 0.3), the same
noise-blind rule as the state digest. The texts are compact JSON, like every other tool reply.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import effects as fx
from .errors import ExprError
from .conditions import PLAIN, Conditions, Fallback, Getter, Unsupported, calls_fn, expr_node, names_of
from .expr import Node, build
from .jsontext import ENCODE, Call, Json, RowSource, Sql, Wrap, column, json_array, json_object, row_object
from .tables import Table, quote

_FIND_ATTRS = {"table", "as_", "many", "optional", "limit", "where", "indexable", "filter", "order_sql",
               "order_fields", "error", "_sql_cache"}
"""The attributes of `effects.Find` compiled here and in `tools.plan`; a Find with others (a new
option) runs interpreted."""
_WHERE_ATTRS = {"field", "path", "nocase", "expr", "collate", "lhs", "lhs_params", "encode"}


def known_find(find: fx.Find) -> bool:
    return set(vars(find)) == _FIND_ATTRS and all(set(vars(w)) == _WHERE_ATTRS for w in find.where)


class Encoded:
    """A reply already encoded as JSON text."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class SqlReply(Conditions):
    """The compiled tail: `run(env, ctx)` → `Encoded`, or None when the interpreter must answer."""

    def __init__(self, finds: list[fx.Find], ret: fx.ReturnValue, target: fx.Find | None = None,
                 keyed: fx.Find | None = None, tables: dict[str, Table] | None = None):
        """With `target`, the reply is a RETURNING clause of an UPDATE of `target`'s row
        (`tools.writeplan`): that row's columns are read from the table being updated, and the
        other finds must be many-row ones (a RETURNING clause has no FROM). With `keyed`, the row
        an earlier find bound to `keyed.as_` is read again from its table by its key (the caller
        knows the stored row is the bound one), instead of encoding its fields in Python.
        `tables`: the domain's, for a row the reply looks up by key (`_looked_up`)."""
        self.tables = tables or {}
        self.values: list[Any] = []
        """Bound parameters: constants as they are, None where a getter fills the value per call."""
        self.getters: list[tuple[int, Getter]] = []
        self.sources: dict[str, RowSource] = {}
        if target is not None:
            self.sources[target.as_] = RowSource.of(target, quote(target.table.name), "")
        singles: list[RowSource] = []
        if keyed is not None:
            key = self.param(_row_key(keyed.as_, keyed.table.pk))
            singles.append(RowSource.of(keyed, "t0", f" WHERE {quote(keyed.table.pk)} = {key}"))
            self.sources[keyed.as_] = singles[0]
        for find in finds:
            if target is not None and (not find.many or find.table is target.table):
                raise Unsupported("a single find, or a find of the updated table, in a RETURNING clause")
            src = self._source(find)
            if not find.many:
                singles.append(src)
            self.sources[find.as_] = src
        self.text = self._sql(self._value(ret.value.source))
        """The reply's JSON text as one SQL expression."""
        self.sql = f"SELECT {self.text}" + (
            " FROM " + ", ".join(f"({s.select()}) AS {s.alias}" for s in singles) if singles else "")

    def run(self, env: dict[str, Any], ctx: Any) -> Encoded | None:
        params = self.values[:]
        try:
            for i, get in self.getters:
                params[i] = get(env, ctx)
            row = ctx.conn.execute(self.sql, params).fetchone()
        except (Fallback, ExprError, sqlite3.Error):
            return None
        return None if row is None else Encoded(row[0])

    # ------------------------------------------------------------ parameters and text

    def _sql(self, value: Json) -> str:
        """The concatenation, adjacent constant parts bound as one parameter."""
        out: list[str] = []
        text = ""
        for part in value.parts:
            if isinstance(part, str) and not isinstance(part, Sql):
                text += part
                continue
            if text:
                out.append(self.const(text))
                text = ""
            out.append(self._part(part))
        if text or not out:
            out.append(self.const(text))
        return " || ".join(out)

    def _part(self, part: Any) -> str:
        """One non-constant part of a `Json` as SQL."""
        if isinstance(part, Wrap):
            return part.before + self._sql(part.inner) + part.after
        if isinstance(part, Call):
            args = (self._sql(a) if isinstance(a, Json) else self._part(a) for a in part.args)
            return f"{part.fn}({', '.join(args)})"
        return part

    # ------------------------------------------------------------ finds

    def _source(self, find: fx.Find) -> RowSource:
        if not known_find(find) or (find.optional and not find.many) or (find.filter is not None and not find.many):
            raise Unsupported("an optional single find or a filter on one")
        conds = [self._where(find, w) for w in find.where]
        if find.filter is not None:
            conds.append(f"({self.condition(expr_node(find.filter.source), find.as_, find.table)})")
        clauses = (" WHERE " + " AND ".join(conds) if conds else "") + find.order_sql
        if not find.many:
            clauses += " LIMIT 1"
        elif find.limit:
            clauses += f" LIMIT {int(find.limit)}"
        return RowSource.of(find, f"t{len(self.sources)}", clauses)

    def _where(self, find: fx.Find, w: Any) -> str:
        if w.path or w.lhs_params:
            raise Unsupported("a path into a json field")
        node = expr_node(w.expr.source)
        if not names_of(node) & set(self.sources):
            return f"{w.lhs} = {self.param(where_value(w, find.table))}{w.collate}"
        ref = self._column_ref(node)
        if ref is None or find.many is False:
            raise Unsupported("a single find keyed on another find's row")
        src, fld = ref
        src.used.add(fld)
        ftype = find.table.fields[w.field].type
        if ftype not in PLAIN or src.table.fields[fld].type != ftype:
            raise Unsupported("a key of another type")
        return f"{w.lhs} IS {src.alias}.{quote(fld)}{w.collate}"

    def _column_ref(self, node: Node) -> tuple[RowSource, str] | None:
        """`name.field` of a single row of the tail, as (source, field)."""
        if node.op == "attr" and node.args[0].op == "name":
            src = self.sources.get(node.args[0].value)
            if src is not None and not src.many and node.value in src.table.fields:
                return src, node.value
        return None

    # ------------------------------------------------------------ values

    def _value(self, source: Any) -> Json:
        if isinstance(source, Node):
            return self._node_value(source)
        if isinstance(source, dict):
            return self._object({str(k): v for k, v in source.items()})
        if isinstance(source, list):
            return json_array([self._value(v) for v in source])
        return self._node_value(expr_node(source))

    def _node_value(self, node: Node) -> Json:
        if node.op == "const":
            return Json([ENCODE(node.value)], "1" if node.value is None else None)
        if not names_of(node) & set(self.sources):
            return self._evaluated(node)
        if node.op == "dict":
            return self._object(dict(zip(node.value, node.args)))
        if node.op == "list":
            return json_array([self._node_value(a) for a in node.args])
        if node.op == "name":
            src = self.sources[node.value]
            if src.many:
                return self._aggregate(src, row_object(src, None, False))
            return row_object(src, None, False)
        if node.op == "attr" and node.args[0].op == "name" and node.value in self.sources[node.args[0].value].table.fields:
            src = self.sources[node.args[0].value]
            if src.many:
                return self._aggregate(src, column(src, node.value))
            return column(src, node.value)
        if node.op == "comp" and len(node.args) == 2:
            return self._comprehension(node)
        if (node.op == "call" and node.value in ("project", "compact") and node.args and node.args[0].op == "name"
                and not self.sources[node.args[0].value].many):
            return self._single_row(node)
        if node.op == "call" and node.value == "compact" and len(node.args) == 1 and node.args[0].op == "dict":
            inner = node.args[0]
            return self._object(dict(zip(inner.value, inner.args)), compact=True)
        if node.op == "call" and node.value == "project" and len(node.args) == 2 and node.args[0].op == "call" \
                and node.args[0].value == "lookup":
            return self._looked_up(node.args[0], node.args[1])
        if node.op == "call" and node.value in ("project", "compact", "index_by"):
            return self._rows_value(node)
        raise Unsupported(f"{node.op} over found rows")

    def _looked_up(self, call: Node, names: Node) -> Json:
        """``project(lookup('T', ROW.field), [names])``, ROW a single found row (a booking's
        flight, a loan's title): T's row by that key, as a scalar subquery. When T has no such
        row (or the key is null) the statement fails, and the interpreter answers with its own
        error (a project of nothing)."""
        t = self.tables.get(call.args[0].value) if len(call.args) == 2 and call.args[0].op == "const" else None
        ref = self._column_ref(call.args[1]) if t is not None else None
        fields = [a.value for a in names.args] if names.op == "list" else []
        if ref is None or ref[0].alias is None or not fields or not all(
                type(f) is str and f in t.fields for f in fields):  # type: ignore[union-attr]
            raise Unsupported("a lookup other than a found row's key, projected on names of its table")
        src, fld = ref
        if src.table.fields[fld].type not in PLAIN or src.table.fields[fld].type != t.fields[t.pk].type:
            raise Unsupported("a lookup by a key of another type")
        src.used.add(fld)
        alias = f"l{len(self.values)}"
        obj = self._sql(row_object(RowSource(t, False, alias, ""), fields, False))
        return Json([Sql(f"coalesce((SELECT {obj} FROM {quote(t.name)} AS {alias} WHERE {alias}.{quote(t.pk)} = "
                         f"{src.alias}.{quote(fld)}), json('no row'))")])

    def _comprehension(self, node: Node) -> Json:
        """``[ELEM for VAR in ROWS]`` over a many-row find: ELEM once per row, inside its subquery."""
        elem, source = node.args
        src = self.sources.get(source.value) if source.op == "name" else None
        if src is None or not src.many:
            raise Unsupported("a comprehension over something other than found rows")
        shadowed = self.sources.get(node.value)
        self.sources[node.value] = src.row()
        try:
            element = self._node_value(elem)
        finally:
            if shadowed is None:
                del self.sources[node.value]
            else:
                self.sources[node.value] = shadowed
        return self._aggregate(src, element)

    def _single_row(self, node: Node) -> Json:
        """project(ROW, [names]) / compact(ROW) of one found row."""
        src = self.sources[node.args[0].value]
        if node.value == "compact" and len(node.args) == 1:
            return row_object(src, None, True)
        if len(node.args) == 2 and node.args[1].op == "list" and all(
                a.op == "const" and type(a.value) is str and a.value in src.table.fields for a in node.args[1].args):
            return row_object(src, [a.value for a in node.args[1].args], False)
        raise Unsupported("project of names the row does not have")

    def _evaluated(self, node: Node) -> Json:
        """A sub-expression that reads no row of the tail: its closure's value, encoded, as one
        parameter."""
        if calls_fn(node, "next_id"):
            raise Unsupported("next_id in a reply")
        fn = build(node)
        if node.op == "attr" and node.args[0].op == "name":
            ref = self.param(_field_text(node.args[0].value, node.value, fn))
        else:
            ref = self.param(lambda env, ctx: ENCODE(fn(env, ctx)))
        return Json([Sql(ref)], f"{ref} = 'null'")

    def _object(self, items: dict[str, Any], compact: bool = False) -> Json:
        """`items`: key → a parsed node or a structured source (a YAML mapping or list)."""
        return json_object({key: self._value(item) for key, item in items.items()}, compact)

    def _aggregate(self, src: RowSource, element: Json, key: str | None = None) -> Json:
        """A JSON array (or, with `key`, object) of `element` over the rows of a many-row find.
        An element SQLite's JSON aggregates write as its text — a text or number column (as
        `json_quote` writes it), or an object a JSON function made — goes to `json_group_array` /
        `json_group_object`; any other is concatenated (`group_concat`)."""
        value = element.scalar if element.scalar is not None else (
            self._part(element.parts[0]) if len(element.parts) == 1 and isinstance(element.parts[0], Call)
            and element.parts[0].fn in _JSON_MADE else None)
        if value is not None:
            agg = f"json_group_array({value})" if key is None else f"json_group_object({key}, {value})"
            return Json([Sql(f"(SELECT {agg} FROM ({src.select()}))")])
        item = self._sql(element)
        if key is None:
            return Json([Sql(f"(SELECT '[' || coalesce(group_concat({item}, ','), '') || ']' FROM ({src.select()}))")])
        return Json([Sql(f"(SELECT '{{' || coalesce(group_concat(json_quote({key}) || ':' || {item}, ','), '') "
                         f"|| '}}' FROM ({src.select()}))")])

    def _rows_value(self, node: Node) -> Json:
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
            return self._aggregate(src, row_object(src, fields, compact))
        t = src.table
        unique_text = index_key in t.fields and t.fields[index_key].type == "string" and (
            index_key == t.pk or (t.fields[index_key].unique and not t.fields[index_key].nullable))
        if not unique_text or (fields is not None and index_key not in fields) or (
                index_value is not None and (index_value not in t.fields
                                             or (fields is not None and index_value not in fields))):
            raise Unsupported("index_by on a key that is not a unique text field of the rows")
        element = (column(src, index_value) if index_value is not None
                   else row_object(src, fields, compact))
        src.used.add(index_key)
        return self._aggregate(src, element, key=quote(index_key))

    def _rows(self, node: Node) -> tuple[RowSource, list[str] | None, bool]:
        """(source, projected fields or None for all, compacted) of a row-set expression."""
        if node.op == "name" and node.value in self.sources and self.sources[node.value].many:
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


def where_value(w: Any, table: Table) -> Getter:
    """The where value, encoded for its column; `Fallback` on null or a list (the interpreter's
    IS NULL / IN (...) shapes). A bare name of a text or integer column skips the closure and the
    general encoder when the value already has the column's type; that getter says so in its
    `argument` attribute, (name, type), for a caller that binds the value itself. So does
    `row.field` of a row bound as a dict (what the interpreter reads: the dict's value)."""
    expr, encode = w.expr, w.encode
    node = expr_node(expr.source)
    plain = {"string": str, "integer": int}.get(table.fields[w.field].type)
    if node.op == "name" and plain is not None:
        name = node.value

        def get_name(env: dict[str, Any], ctx: Any) -> Any:
            value = env.get(name)
            if type(value) is plain:
                return value
            if value is None or isinstance(value, list):
                raise Fallback
            return encode(expr(env, ctx))
        get_name.argument = (name, plain)  # type: ignore[attr-defined]  # `WriteHead.direct` binds it as it is
        return get_name
    if node.op == "attr" and node.args[0].op == "name" and plain is not None:
        row_name, fld = node.args[0].value, node.value

        def get_field(env: dict[str, Any], ctx: Any) -> Any:
            row = env.get(row_name)  # a found row: its field as the interpreter reads it (dict.get)
            if type(row) is dict:
                value = row.get(fld)
                if type(value) is plain:
                    return value
            value = expr(env, ctx)
            if value is None or isinstance(value, list):
                raise Fallback
            return encode(value)
        return get_field

    def get(env: dict[str, Any], ctx: Any) -> Any:
        value = expr(env, ctx)
        if value is None or isinstance(value, list):
            raise Fallback
        return encode(value)
    return get


def _row_key(name: str, pk: str) -> Getter:
    def get(env: dict[str, Any], ctx: Any) -> Any:
        row = env.get(name)
        if type(row) is not dict:
            raise Fallback
        return row.get(pk)
    return get


def _field_text(name: str, fld: str, fn: Getter) -> Getter:
    """`name.field`'s JSON text: read straight from a bound row (a text value through the string
    encoder alone, as ENCODE does for a str), else the general closure."""
    def get(env: dict[str, Any], ctx: Any) -> str:
        row = env.get(name)
        if type(row) is dict:
            value = row.get(fld)
            return _STRING_TEXT(value) if type(value) is str else ENCODE(value)
        return ENCODE(fn(env, ctx))
    return get


_JSON_MADE = ("json_patch", "json_object")
"""SQL functions whose result SQLite's JSON functions take as JSON (not as a string to quote)."""

_STRING_TEXT = json.encoder.encode_basestring
"""What ENCODE (ensure_ascii=False) writes for a str."""


def compile_reply(steps: list[Any], tables: dict[str, Table] | None = None) -> tuple[int, SqlReply] | None:
    """(index of the first step the statement replaces, the statement) for the longest tail of
    finds + return it can build; None when the effect does not end in one with at least one find
    (a return of bound values alone is cheaper encoded in Python). `tables`: the domain's (a
    reply may look a row up by key)."""
    if not steps or type(steps[-1]) is not fx.ReturnValue:
        return None
    first = len(steps) - 1
    while first > 0 and type(steps[first - 1]) is fx.Find:
        first -= 1
    for start in range(first, len(steps) - 1):
        try:
            return start, SqlReply(list(steps[start:-1]), steps[-1], tables=tables)
        except (Unsupported, ExprError):
            continue
    return None
