"""Table metadata: DDL, and the codecs between Python values and SQLite columns.

Every identifier that reaches SQL comes from here, i.e. from a schema that was validated first,
and is double-quoted; values always travel as bound parameters.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import CompileError, ExprError
from .expr import compile_expr
from .model import Entity, EntityField

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
INTERNAL_PREFIX = "_gem_"
COUNTERS_TABLE = f"{INTERNAL_PREFIX}counters"  # id counters of `Sandbox.next_id`, made by the compiler
_SQL_TYPE = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER",
             "date": "TEXT", "datetime": "TEXT", "json": "TEXT"}


def quote(ident: str) -> str:
    """Quote an identifier that was already checked against the schema."""
    if not _IDENT.match(ident):
        raise CompileError(f"not a valid identifier: {ident!r}")
    return f'"{ident}"'


def json_encoder(separators: tuple[str, str] = (",", ":"), default: Callable[[Any], Any] | None = None
                 ) -> Callable[[Any], str]:
    """`json.JSONEncoder(ensure_ascii=False, separators=separators, default=default).encode`, with
    its C encoder made once rather than on every call (`encode` makes one per call: ~1 µs of a
    small object's ~1.5 µs). Without a circular-reference check; a value it cannot write (a cycle,
    a type `default` refuses) goes to the ordinary encoder, which raises as `json.dumps` would."""
    item, key = separators
    slow = json.JSONEncoder(ensure_ascii=False, separators=separators, default=default).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return slow
    fast = make(None, default or json.JSONEncoder().default, json.encoder.encode_basestring,
                None, key, item, False, False, True)
    join = "".join

    def encode(value: Any) -> str:
        try:
            return join(fast(value, 0))
        except (TypeError, ValueError, RecursionError):
            return slow(value)
    return encode


_scan = json.JSONDecoder().scan_once


def loads(text: str) -> Any:
    """`json.loads(text)`, ~1.5 µs sooner for the usual text of a tool's arguments: one object with
    nothing around it, read by the C scanner directly (`json.loads` passes through three Python
    frames and two regex matches first). Anything else, or any error, is `json.loads`'s own."""
    if text[:1] == "{" and text[-1:] == "}":
        try:
            value, end = _scan(text, 0)
        except Exception:  # noqa: BLE001 -- json.loads says what is wrong, as it would
            return json.loads(text)
        if end == len(text):
            return value
    return json.loads(text)


def compact_json(default: Callable[[Any], Any] | None = None) -> Callable[[Any], str]:
    """`json_encoder` with the compact separators SQLite's JSON functions write."""
    return json_encoder((",", ":"), default)


_JSON_TEXT = compact_json()
"""How a json field is stored: `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`."""


def _check_type(f: EntityField, value: Any) -> Any:
    """Check a Python value against a field type and return what SQLite stores."""
    if value is None:
        return None
    t = f.type
    if t == "json":
        return _JSON_TEXT(value)
    if t == "boolean":
        if isinstance(value, bool):
            return int(value)
    elif t == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif t == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif t in ("date", "datetime"):
        if isinstance(value, str):
            try:
                dt.datetime.fromisoformat(value)
                return value
            except ValueError:
                pass
    elif isinstance(value, str):
        return value
    expected = {"date": "an ISO date", "datetime": "an ISO datetime"}.get(t, f"a {t}")
    raise ExprError(f"field '{f.name}' takes {expected}, not {value!r}")


_PLAIN: dict[str, type] = {"string": str, "integer": int, "number": float}


@dataclass
class Table:
    """A compiled entity: quoted names, prepared statements and codecs."""

    entity: Entity
    fields: dict[str, EntityField] = field(init=False)
    columns: list[str] = field(init=False)
    pk: str = field(init=False)
    select_sql: str = field(init=False)
    canonical_sql: str = field(init=False)
    """One JSON text of the whole table for the state hash: rows by key, built inside SQLite.
    Numbers are written to 15 significant digits, so float noise from a different order of the
    same arithmetic does not count as a different state."""
    by_pk_sql: str = field(init=False)
    row_text_sql: str = field(init=False)
    """One row's canonical text by key, for the incremental state digest (`tools.digest`)."""
    _decoders: list[tuple[str, Callable[[Any], Any]]] = field(init=False)

    def __post_init__(self) -> None:
        e = self.entity
        self.fields = {f.name: f for f in e.fields}
        self.columns = [f.name for f in e.fields]
        self.pk = e.primary_key
        cols = ", ".join(quote(c) for c in self.columns)
        self.select_sql = f"SELECT {cols} FROM {quote(e.name)}"
        self.by_pk_sql = f"{self.select_sql} WHERE {quote(self.pk)} = ?"
        values = ", ".join(quote(c) for c in self.columns)
        self.canonical_sql = (f"SELECT json_group_array(json_array({values})) "
                              f"FROM (SELECT {cols} FROM {quote(e.name)} ORDER BY {quote(self.pk)})")
        self.row_text_sql = f"SELECT json_array({values}) FROM {quote(e.name)} WHERE {quote(self.pk)} = ?"
        self._decoders = [(f.name, json.loads if f.type == "json" else bool)
                          for f in e.fields if f.type in ("json", "boolean")]

    @property
    def name(self) -> str:
        return self.entity.name

    def ddl(self) -> str:
        cols = []
        for f in self.entity.fields:
            col = f"{quote(f.name)} {_SQL_TYPE[f.type]}"
            if f.name == self.pk:
                col += " PRIMARY KEY"
            elif not f.nullable:
                col += " NOT NULL"
            if f.unique and f.name != self.pk:
                col += " UNIQUE"
            if f.foreign_key:
                ref_table, ref_field = f.foreign_key.split(".", 1)
                col += f" REFERENCES {quote(ref_table)}({quote(ref_field)})"
            cols.append(col)
        return f"CREATE TABLE {quote(self.name)} ({', '.join(cols)})"

    def decode(self, row: tuple) -> dict[str, Any]:
        out = dict(zip(self.columns, row))
        for name, dec in self._decoders:  # json and boolean fields only
            v = out[name]
            if v is not None:
                out[name] = dec(v)
        return out

    def encoder(self, name: str) -> Callable[[Any], Any]:
        """`encode(name, ·)` specialised to one field, for a value written on every call: a json
        value goes straight to its text, a value SQLite stores as it is (or a null, in a field that
        may be empty) returns at once, anything else (a null elsewhere, a value of another type)
        takes `encode`, which says what is wrong."""
        f = self.fields.get(name)
        if f is None:
            raise ExprError(f"table '{self.name}' has no field '{name}'")
        general = self.encode
        if f.type == "json":
            text = _JSON_TEXT
            return lambda v: general(name, v) if v is None else text(v)
        plain = self.plain_type(name)
        if plain is None:
            return lambda v: general(name, v)
        if f.nullable and name != self.pk:
            return lambda v: v if type(v) is plain or v is None else general(name, v)
        return lambda v: v if type(v) is plain else general(name, v)

    def plain_type(self, name: str) -> type | None:
        """The Python type whose values field `name` stores as they are (`encoder` passes them
        through): str, int or float; None for a field of another type."""
        return _PLAIN.get(self.fields[name].type)

    def encode(self, name: str, value: Any) -> Any:
        f = self.fields.get(name)
        if f is None:
            raise ExprError(f"table '{self.name}' has no field '{name}'")
        if value is None and not f.nullable and name != self.pk:
            raise ExprError(f"field '{name}' of {self.name} cannot be empty")
        if value is None and name == self.pk and f.type != "integer":
            raise ExprError(f"the key '{name}' of {self.name} cannot be empty")
        return _check_type(f, value)

    def field_names(self) -> str:
        return ", ".join(self.columns)


MAX_FREE_PAGES = 32


def reserve_free_pages(conn: Any) -> None:
    """Leave free pages in a template: 1 per 32 pages of data, at most `MAX_FREE_PAGES`.

    A deserialized database is one exactly-sized buffer: the first commit that needs a new page
    makes SQLite reallocate (double) and copy all of it — ~45 ms on a 20 MB database. An episode's
    writes reuse these pages instead; the reserve costs ≤ 3 % more bytes per reset, and nothing on a
    small database, whose growth is cheap anyway."""
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = min(MAX_FREE_PAGES, conn.execute("PRAGMA page_count").fetchone()[0] // 32)
    if pages == 0:
        return
    name = quote(f"{INTERNAL_PREFIX}reserve")
    conn.execute(f"CREATE TABLE {name} (x BLOB)")
    conn.execute(f"INSERT INTO {name} VALUES (zeroblob(?))", [pages * size])
    conn.execute(f"DROP TABLE {name}")


def check_entities(entities: list[Entity]) -> dict[str, Table]:
    """Validate names, keys and foreign keys; return tables by name."""
    tables: dict[str, Table] = {}
    for i, e in enumerate(entities):
        where = f"entities[{i}] ({e.name})"
        if not _IDENT.match(e.name) or e.name.startswith(INTERNAL_PREFIX):
            raise CompileError(f"{where}: invalid table name {e.name!r}")
        if e.name in tables:
            raise CompileError(f"{where}: duplicate table {e.name!r}")
        names = [f.name for f in e.fields]
        for f in e.fields:
            if not _IDENT.match(f.name):
                raise CompileError(f"{where}: invalid field name {f.name!r}")
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise CompileError(f"{where}: duplicate fields {sorted(dup)}")
        if e.primary_key not in names:
            raise CompileError(f"{where}: primary key {e.primary_key!r} is not one of its fields {names}")
        tables[e.name] = Table(e)
    for i, e in enumerate(entities):
        for f in e.fields:
            if f.same_as is not None:
                _check_same_as(f"entities[{i}] ({e.name}).{f.name}", f.same_as, e, tables)
            if f.derived is not None:
                _check_derived(f"entities[{i}] ({e.name}).{f.name}", f.derived, e, tables)
            if f.hours is not None and (f.type != "datetime" or not 0 <= f.hours[0] < f.hours[1] <= 24):
                raise CompileError(f"entities[{i}] ({e.name}).{f.name}: hours {list(f.hours)} must be two hours "
                                   "0 <= first < second <= 24 of a datetime field")
            if f.after is not None:
                _check_after(f"entities[{i}] ({e.name}).{f.name}", f, e, tables)
            if f.every is not None:
                _check_every(f"entities[{i}] ({e.name}).{f.name}", f, e, tables)
            elif f.until is not None:
                raise CompileError(f"entities[{i}] ({e.name}).{f.name}: until is for a date field with every (the "
                                   "date its parent row's cycles end before)")
            if f.rises_with is not None:
                _check_rises_with(f"entities[{i}] ({e.name}).{f.name}", f, e)
            if f.twins is not None:
                _check_twins(f"entities[{i}] ({e.name}).{f.name}", f, e)
            if f.by is not None and (len(f.by) != 1 or next(iter(f.by)) not in {x.name for x in e.fields}):
                other = next(iter(f.by)) if len(f.by) == 1 else ""
                if "." not in other:  # "order_id.status": a field of the row a foreign key refers to
                    raise CompileError(f"entities[{i}] ({e.name}).{f.name}: by {f.by!r} must name one other field of "
                                       f"{e.name} ({', '.join(x.name for x in e.fields if x.name != f.name)}), or "
                                       "'fk_field.field' of the row a foreign key refers to, with values for each "
                                       "of its values")
                _check_same_as(f"entities[{i}] ({e.name}).{f.name}: by", other, e, tables)
            if f.foreign_key is None:
                for option in ("among", "cover", "apart_by"):
                    if getattr(f, option):
                        raise CompileError(f"entities[{i}] ({e.name}).{f.name}: {option} is for a foreign key; this "
                                           "field has none")
                continue
            ref_table, _, ref_field = f.foreign_key.partition(".")
            ref = tables.get(ref_table)
            if ref is None or ref_field != ref.pk:
                raise CompileError(
                    f"entities[{i}] ({e.name}).{f.name}: foreign key {f.foreign_key!r} must name "
                    f"'table.primary_key' of a declared table"
                )
            own = [x.name for x in e.fields]
            if f.apart_by is not None and (f.apart_by not in own or own.index(f.apart_by) > own.index(f.name)):
                raise CompileError(f"entities[{i}] ({e.name}).{f.name}: apart_by {f.apart_by!r} must name a field of "
                                   f"{e.name} listed before {f.name}")
            fields = {x.name for x in ref.entity.fields}
            for name, values in (f.among or {}).items():
                if name not in fields or not values:
                    raise CompileError(f"entities[{i}] ({e.name}).{f.name}: among {{{name}: {values!r}}} must name "
                                       f"a field of {ref.name} ({', '.join(sorted(fields))}) with at least one value")
    return tables


def _check_same_as(where: str, same_as: str, e: Entity, tables: dict[str, Table]) -> None:
    """`same_as: 'product_id.name'`: a foreign key of this table, then a field of the table it refers to."""
    key, _, field = same_as.partition(".")
    fk = next((f for f in e.fields if f.name == key), None)
    if fk is None or fk.foreign_key is None:
        keys = [f.name for f in e.fields if f.foreign_key]
        raise CompileError(f"{where}: same_as {same_as!r} must start with one of this table's foreign keys {keys}")
    parent = tables.get(fk.foreign_key.partition(".")[0])
    if parent is not None and field not in {f.name for f in parent.entity.fields}:
        raise CompileError(f"{where}: same_as {same_as!r}: {parent.name} has no field {field!r}; fields: "
                           f"{', '.join(f.name for f in parent.entity.fields)}")


def _check_derived(where: str, source: str, e: Entity, tables: dict[str, Table]) -> None:
    """`derived: 'round(lookup('rooms', room_id).nightly_rate * nights, 2)'`: an expression of the
    row's own fields and the domain's clock (`today`, `now`) that reads other rows through lookup(),
    rows() and count_rows() only."""
    try:
        compiled = compile_expr(source)
    except ExprError as err:
        raise CompileError(f"{where}: derived {source!r}: {err}") from None
    unknown = compiled.names - {f.name for f in e.fields} - {"today", "now"}
    if unknown:
        raise CompileError(f"{where}: derived {source!r} reads {sorted(unknown)}, which are not fields of {e.name} "
                           f"({', '.join(f.name for f in e.fields)})")
    missing = compiled.tables - set(tables)
    if missing:
        raise CompileError(f"{where}: derived {source!r} reads unknown tables {sorted(missing)}")


def _check_every(where: str, f: EntityField, e: Entity, tables: dict[str, Table]) -> None:
    """`every: 30` (days) or an expression over the row the table's first foreign key refers to
    (`14 if payment_frequency == 'biweekly' else 30`), on a date field of a table with a foreign key."""
    fk = next((x for x in e.fields if x.foreign_key), None)
    if f.type != "date" or fk is None or isinstance(f.every, bool) or isinstance(f.every, int) and f.every < 1:
        raise CompileError(f"{where}: every {f.every!r} must be a number of days >= 1 (or an expression over the "
                           "row the first foreign key refers to) on a date field of a table with a foreign key "
                           "(the rows of one parent row fall that many days apart)")
    parent = tables.get(fk.foreign_key.split(".", 1)[0])  # type: ignore[union-attr]
    known = {x.name for x in parent.entity.fields} if parent is not None else set()
    for option, source in (("every", f.every), ("until", f.until)):
        if not isinstance(source, str):
            continue
        try:
            used = compile_expr(source)
        except ExprError as err:
            raise CompileError(f"{where}: {option} {source!r}: {err}") from None
        if used.names - known:
            raise CompileError(f"{where}: {option} {source!r} names {sorted(used.names - known)}, not fields of the "
                               f"row {fk.name} refers to ({', '.join(sorted(known))})")


def _check_rises_with(where: str, f: EntityField, e: Entity) -> None:
    """`rises_with: 'read_at'`: a number field rising with a date field of its row, in a table with
    a foreign key (the rows of one parent row are put in order)."""
    dated = [x.name for x in e.fields if x.type in ("date", "datetime")]
    if f.type not in ("integer", "number") or f.rises_with not in dated or not any(x.foreign_key for x in e.fields):
        raise CompileError(f"{where}: rises_with {f.rises_with!r} must name a date or datetime field of the row "
                           f"({', '.join(dated) or 'none'}), on an integer or number field of a table with a "
                           "foreign key (the rows of one parent row rise with that date)")


def _check_twins(where: str, f: EntityField, e: Entity) -> None:
    """`twins: {same: [merchant, amount], share: 0.06}`: on a date or datetime field of a table with a
    foreign key (twins are rows of one parent row), copying fields of the row that are neither its
    key, a foreign key, the date itself nor unique."""
    copyable = [x.name for x in e.fields if x.name not in (e.primary_key, f.name) and not x.foreign_key
                and not x.unique]
    if f.type not in ("date", "datetime") or not any(x.foreign_key for x in e.fields):
        raise CompileError(f"{where}: twins is for a date or datetime field of a table with a foreign key "
                           "(the rows of one parent row repeat each other)")
    wrong = [n for n in f.twins.same if n not in copyable]  # type: ignore[union-attr]
    if wrong:
        raise CompileError(f"{where}: twins.same {wrong} must name fields of {e.name} a row can copy "
                           f"({', '.join(copyable) or 'none'})")


def _check_after(where: str, f: EntityField, e: Entity, tables: dict[str, Table]) -> None:
    """`after: 'picked_up_at'` (a date field listed before this one) or `'order_id.placed_on'` (a
    date field of the row a foreign key refers to), on a date or datetime field."""
    dated = ("date", "datetime")
    earlier = [x for x in e.fields[:e.fields.index(f)] if x.type in dated]
    key, dot, name = f.after.partition(".")  # type: ignore[union-attr]
    if dot:
        _check_same_as(f"{where}: after", f.after, e, tables)  # type: ignore[arg-type]
        fk = next(x.foreign_key for x in e.fields if x.name == key)
        parent = tables.get(fk.partition(".")[0])  # type: ignore[union-attr]
        other = next((x for x in parent.entity.fields if x.name == name), None) if parent else None
    else:
        other = next((x for x in earlier if x.name == key), None)
    if f.type not in dated or other is None or other.type not in dated:
        raise CompileError(f"{where}: after {f.after!r} must name a date or datetime field listed before it "
                           f"({', '.join(x.name for x in earlier) or 'none'}) or 'fk_field.field' of a referred "
                           "row, on a date or datetime field")
