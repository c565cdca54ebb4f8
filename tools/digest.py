"""The incremental state digest: per-row digests summed per table, kept up to date per write.

A table's digest is the sum (mod 2**256) of the SHA-256 of each row's canonical text — SQLite's
`json_array` of the row, which writes numbers to 15 significant digits, so float noise from a
different order of the same arithmetic does not count as a different state. A sum is a multiset
hash: a row can be taken out and put back in O(1), whatever the size of the table.

Which rows changed is recorded inside SQLite itself: a trigger on each table a tool can write logs
every written key once into `_gem_changes`. Because the log is an ordinary table, a call's
`ROLLBACK TO` takes its entries back with the write, and a Python tool or a new effect step kind is
covered without doing anything (a domain with either gets triggers on every table). `fold` reads
the log, moves each logged row's previous digest out of the sum (kept from its last fold, or read
from the template by key the first time) and its current one in, and empties the log: a state
hash after a write costs O(rows written), not O(rows).

Triggers hold only the key, not the old row: a fresh connection parses every trigger of the schema
on its first statement (~18 µs per written table here), and an old-row image in the trigger made
that twice as long and every row write ~5 µs slower. SQLite's session extension (a changeset) would also do, but Python's
`sqlite3` does not expose it, and a changeset of an UPDATE carries only the changed columns, so the
full old row would be needed from elsewhere anyway.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from typing import Any, Iterable

from . import effects as fx
from .tables import INTERNAL_PREFIX, Table, quote

LOG_TABLE = f"{INTERNAL_PREFIX}changes"
MOD = 1 << 256
_CLEAR_LOG = f'DELETE FROM "{LOG_TABLE}"'


def row_digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def table_codes(tables: dict[str, Table]) -> dict[str, int]:
    """The small integer that stands for each table in the change log (tables in name order)."""
    return {name: i for i, name in enumerate(sorted(tables))}


def log_ddl(tables: dict[str, Table], written: Iterable[str]) -> list[str]:
    """The change log and the triggers of the `written` tables. Identifiers come from the checked
    schema; the table code is an int the code itself made."""
    log = quote(LOG_TABLE)
    out = [f"CREATE TABLE {log} (tbl INTEGER NOT NULL, key NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID"]
    codes = table_codes(tables)
    for name in sorted(set(written)):
        code, t, pk = codes[name], tables[name], quote(tables[name].pk)
        trig = f"{INTERNAL_PREFIX}log{code}"
        add = f"INSERT OR IGNORE INTO {log} VALUES"
        out.append(f"CREATE TRIGGER {quote(trig + 'i')} AFTER INSERT ON {quote(t.name)} "
                   f"BEGIN {add} ({code}, NEW.{pk}); END")
        out.append(f"CREATE TRIGGER {quote(trig + 'd')} AFTER DELETE ON {quote(t.name)} "
                   f"BEGIN {add} ({code}, OLD.{pk}); END")
        out.append(f"CREATE TRIGGER {quote(trig + 'u')} AFTER UPDATE ON {quote(t.name)} "
                   f"BEGIN {add} ({code}, OLD.{pk}), ({code}, NEW.{pk}); END")
    return out


_READS = (fx.Find, fx.Require, fx.Let, fx.ReturnValue)
_WRITES = (fx.Insert, fx.Update, fx.Delete)


def written_tables(tables: dict[str, Table], effects: Iterable[list[Any] | None]) -> set[str]:
    """The tables some tool can write: those of insert/update/delete steps; every table when a tool
    is Python (`None`) or has a step kind this function does not know."""
    names: set[str] = set()

    def walk(steps: list[Any]) -> bool:
        for st in steps:
            if isinstance(st, _WRITES):
                names.add(st.table.name)
            elif isinstance(st, fx.ForEach):
                if not walk(st.body):
                    return False
            elif isinstance(st, fx.If):
                if not (walk(st.then) and walk(st.else_)):
                    return False
            elif not isinstance(st, _READS):
                return False
        return True

    for steps in effects:
        if steps is None or not walk(steps):
            return set(tables)
    return names


class TemplateRows:
    """The template's rows by key: the "before" of a row's first write in a sandbox. One read-only
    copy of the template per domain, opened on first use and shared under a lock; the digests read
    are kept (the template never changes, and every episode of a task writes the same rows again),
    at most `KEPT` of them (emptied when full)."""

    KEPT = 1 << 16

    def __init__(self, template: bytes):
        self._template = template
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, Any], int] = {}

    def open(self) -> None:
        """Open the copy now (a deserialize and a schema parse, ~0.4 ms), not in the first write
        that meets a template row. Idempotent."""
        with self._lock:
            self._open()

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(":memory:", check_same_thread=False)
            self._conn.deserialize(self._template)
            self._conn.execute("SELECT 1 FROM sqlite_schema LIMIT 0")  # the schema parsed now
        return self._conn

    def digest(self, t: Table, key: Any) -> int:
        kept = self._kept.get((t.name, key))
        if kept is not None:
            return kept
        with self._lock:
            row = self._open().execute(t.row_text_sql, (key,)).fetchone()
            if len(self._kept) >= self.KEPT:
                self._kept.clear()
            got = self._kept[(t.name, key)] = row_digest(row[0]) if row else 0
        return got

    def __getstate__(self) -> dict[str, Any]:  # a compiled domain may be pickled (to a worker)
        return {"_template": self._template}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["_template"])  # type: ignore[misc]


def changed_rows_sql(tables: dict[str, Table]) -> str:
    """The change log with each logged row's canonical text (`Table.row_text_sql`; null when the
    row is gone), in one statement: a fold reads no row on its own."""
    log = quote(f"{INTERNAL_PREFIX}log")  # the log's alias: no table of the schema has the prefix
    cases = []
    for name, code in table_codes(tables).items():
        t = tables[name]
        values = ", ".join(quote(c) for c in t.columns)
        cases.append(f"WHEN {code} THEN (SELECT json_array({values}) FROM {quote(name)} "
                     f"WHERE {quote(t.pk)} = {log}.key)")
    return f"SELECT {log}.tbl, {log}.key, CASE {log}.tbl {' '.join(cases)} END FROM {quote(LOG_TABLE)} AS {log}"


def table_sum(conn: sqlite3.Connection, t: Table) -> int:
    """The digest of a whole table, from scratch."""
    cols = ", ".join(quote(c) for c in t.columns)
    total = 0
    for (text,) in conn.execute(f"SELECT json_array({cols}) FROM {quote(t.name)}"):
        total += row_digest(text)
    return total % MOD


class StateDigest:
    """One sandbox's per-table sums, folded forward from the change log; and every key written since
    the sandbox left its template (`touched`), which bounds a row diff."""

    def __init__(self, tables: dict[str, Table], sums: dict[str, int], template: TemplateRows | None):
        self.tables = tables
        self.names = sorted(tables)
        self.sums = dict(sums)
        self.template = template
        """Where a row's digest before its first write comes from; None after a restore, when the
        state is no longer the template's plus the rows written (tables are then summed anew)."""
        self.rows: dict[tuple[int, Any], int] = {}
        """The digest of each written row as of the last fold (0: absent)."""
        self.touched: dict[str, set[Any]] | None = {}
        """Keys written per table since the template; None after a restore (unknown)."""
        self._changed_rows = changed_rows_sql(tables)

    def fold(self, conn: sqlite3.Connection) -> list[tuple[int, Any, int, int]] | None:
        """Take the logged changes into the sums and empty the log. Returns the rows it moved,
        (table code, key, digest before, after), for `apply` to make the same move elsewhere; None
        when the tables were summed anew (after a restore)."""
        entries = conn.execute(self._changed_rows).fetchall()
        if not entries:
            return []
        if self.template is None:
            self._resum(conn, {self.names[code] for code, _, _ in entries})
            return None
        rows, sums = self.rows, self.sums
        moved = []
        for code, key, text in entries:
            name = self.names[code]
            old = rows.get((code, key))
            if old is None:
                old = self.template.digest(self.tables[name], key)
            rows[(code, key)] = new = row_digest(text) if text is not None else 0
            sums[name] = (sums[name] + new - old) % MOD
            if self.touched is not None:
                self.touched.setdefault(name, set()).add(key)
            moved.append((code, key, old, new))
        conn.execute(_CLEAR_LOG)
        return moved

    def apply(self, moved: tuple[tuple[int, Any, int, int], ...]) -> None:
        """The same rows moved as a `fold` moved them (a remembered call, `tools.write_memo`): on the
        same state, each row's digest before is the one recorded."""
        rows, sums, names, touched = self.rows, self.sums, self.names, self.touched
        for code, key, old, new in moved:
            name = names[code]
            sums[name] = (sums[name] + new - old) % MOD
            rows[(code, key)] = new
            if touched is not None:
                touched.setdefault(name, set()).add(key)

    def recompute(self, conn: sqlite3.Connection) -> None:
        """Every sum from scratch (to check the incremental ones)."""
        self.fold(conn)
        self._resum(conn, self.names)

    def forget_template(self, conn: sqlite3.Connection) -> None:
        """The state was replaced (a restore): sum every table anew, and from now on every table
        that is written (its rows' previous digests are unknown)."""
        self.template, self.rows, self.touched = None, {}, None
        self._resum(conn, self.names)

    def _resum(self, conn: sqlite3.Connection, names: Iterable[str]) -> None:
        conn.execute(_CLEAR_LOG)
        for name in names:
            self.sums[name] = table_sum(conn, self.tables[name])

    def table_hex(self, name: str) -> str:
        return f"{self.sums[name]:064x}"
