"""JSON text as SQLite expressions: the pieces `tools.reply` builds a reply's text from.

A `Json` is a concatenation of constant text and SQL expressions that SQLite evaluates to the
value's JSON text, written as `ENCODE` (the one encoding of tool replies) writes the value the
interpreter would return. Concatenation (`||`) and `json_quote` are used rather than json_object,
which would parse its JSON arguments again.
"""
from __future__ import annotations

from typing import Any

from . import effects as fx
from .tables import Table, compact_json, quote

ENCODE = compact_json(default=str)
"""The one encoding of tool replies: compact, as SQLite's JSON functions write."""

class RowSource:
    """Rows the reply reads: a find of the tail (or a row looked up by key), its table alias, and
    the WHERE ... ORDER BY ... LIMIT of its rows."""

    def __init__(self, table: Table, many: bool, alias: str | None, clauses: str, used: set[str] | None = None):
        self.table, self.alias, self.clauses = table, alias, clauses
        self.many = many and alias is not None
        """Rows (a list) rather than one row: False for a single find and for the loop variable of
        a comprehension over rows (one row, read inside the rows' subquery: `alias` None)."""
        self.used: set[str] = set() if used is None else used
        """The columns read so far; a many-row subquery selects only these."""

    @classmethod
    def of(cls, find: fx.Find, alias: str | None, clauses: str) -> "RowSource":
        return cls(find.table, find.many, alias, clauses)

    def row(self) -> "RowSource":
        """One of these rows, as a comprehension's loop variable sees it."""
        return RowSource(self.table, True, None, self.clauses, self.used)

    def select(self) -> str:
        cols = [c for c in self.table.columns if c in self.used] or [self.table.pk]
        return f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(self.table.name)}{self.clauses}"


class Json:
    """A value's JSON text as an SQL expression: `parts` concatenated (a `str` part is constant text,
    an `Sql` part an expression), and `null` an SQL condition true when the value is null (None:
    never null)."""

    def __init__(self, parts: list[Any], null: str | None = None, scalar: str | None = None,
                 stored: str | None = None):
        self.parts, self.null = parts, null
        self.scalar = scalar
        """An SQL expression whose value `json_object` writes as this text (a text or number
        column: what `json_quote` of it writes), or None."""
        self.stored = stored
        """A json column whose stored text (compact, as `Table.encode` wrote it; null when NULL) is
        this text, or None. `json()` of it reads it back as it is written."""


class Sql(str):
    """An SQL expression part of a `Json`."""


class Wrap:
    """A `Json` part: `inner` rendered as an SQL expression between `before` and `after`."""

    def __init__(self, before: str, inner: Json, after: str):
        self.before, self.inner, self.after = before, inner, after


class Call:
    """A `Json` part: the SQL function `fn` applied to `args`, each an `Sql` expression, a nested
    `Call`, or a `Json` (constant text in it is bound as a parameter, like any other)."""

    def __init__(self, fn: str, args: list[Any]):
        self.fn, self.args = fn, args


def column(src: RowSource, fld: str) -> Json:
    """A column's JSON text as the interpreter decodes it: json text as it is stored (compact, as
    `Table.encode` wrote it), a boolean as true/false, anything else quoted by SQLite."""
    t = src.table
    src.used.add(fld)
    col = f"{src.alias}.{quote(fld)}" if src.alias and not src.many else quote(fld)
    null = f"{col} IS NULL" if t.fields[fld].nullable and fld != t.pk else None
    ftype = t.fields[fld].type
    if ftype == "json":
        return Json([Sql(f"coalesce({col}, 'null')")], null, stored=col)
    if ftype == "boolean":
        return Json([Sql(f"CASE WHEN {col} IS NULL THEN 'null' WHEN {col} THEN 'true' ELSE 'false' END")], null)
    return Json([Sql(f"json_quote({col})")], null, scalar=col)


def row_object(src: RowSource, fields: list[str] | None, compact: bool) -> Json:
    names = src.table.columns if fields is None else fields
    return json_object({f: column(src, f) for f in names}, compact)


def json_object(members: dict[str, Json], compact: bool) -> Json:
    """A JSON object; with `compact`, without the members whose value is null."""
    if members and all(v.scalar is not None or v.stored is not None for v in members.values()) and (
            not compact or all(v.null is None for v in members.values())):
        # columns only: SQLite writes the object (each value as json_quote or the stored text
        # would) — cheaper than concatenating, and the JSON aggregates take it as it is
        pairs = []
        for key, v in members.items():
            pairs += [Json([key]), Sql(v.scalar if v.scalar is not None else f"json({v.stored})")]
        return Json([Call("json_object", pairs)])
    if not compact or all(v.null is None for v in members.values()):
        parts: list[Any] = ["{"]
        for i, (key, v) in enumerate(members.items()):
            parts += [("," if i else "") + ENCODE(key) + ":", *v.parts]
        return Json(parts + ["}"])
    if all(v.scalar is not None for v in members.values()):
        # scalars only: SQLite writes the object, and json_patch onto {} drops its null members
        # (RFC 7396) — about half the cost of a CASE per member; numbers and strings keep the text
        # json_object wrote, which is json_quote's
        pairs: list[Any] = []
        for key, v in members.items():
            pairs += [Json([key]), Sql(v.scalar)]
        return Json([Call("json_patch", [Sql("'{}'"), Call("json_object", pairs)])])
    parts = []  # each member with a leading comma; the first comma is cut off
    for key, v in members.items():
        member = ["," + ENCODE(key) + ":", *v.parts]
        if v.null is None:
            parts += member
        else:
            parts.append(Wrap(f"CASE WHEN {v.null} THEN '' ELSE ", Json(member), " END"))
    return Json(["{", Wrap("substr(", Json(parts), ", 2)"), "}"])


def json_array(items: list[Json]) -> Json:
    parts: list[Any] = ["["]
    for i, v in enumerate(items):
        parts += ([","] if i else []) + v.parts
    return Json(parts + ["]"])
