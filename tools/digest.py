"""The incremental state digest: per-row digests summed per table, kept up to date per write.

A table's digest is the sum (mod 2**256) of the SHA-256 of each row's canonical text — SQLite's
`json_array` of the row, which writes numbers to 15 significant digits, so float noise from a
different order of the same arithmetic does not count as a different state. A sum is a multiset
hash: a row can be taken out and put back in O(1), whatever the size of the table.

Which rows changed is recorded inside SQLite itself: triggers on every table log each written key
once, with the row's image as of the last fold (`NULL`: the row did not exist), into
`_gem_changes`. Because the log is an ordinary table, a call's `ROLLBACK TO` takes its entries back
with the write, and a Python tool or a new effect step kind is covered without doing anything.
`fold` reads the log, moves each logged row's old digest out of the sum and its current one in,
and empties the log: a state hash after a write costs O(rows written), not O(rows).

Measured against SQLite's session extension (bench/hot_path.py, `digest_alternatives`): a
changeset carries only the changed columns of an updated row, so the full old row must be kept
elsewhere anyway, and Python's `sqlite3` does not expose sessions (it needs apsw).
"""
from __future__ import annotations

import hashlib
import sqlite3
from typing import Any, Iterable

from .tables import INTERNAL_PREFIX, Table, quote

LOG_TABLE = f"{INTERNAL_PREFIX}changes"
MOD = 1 << 256


def row_digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def table_codes(tables: dict[str, Table]) -> dict[str, int]:
    """The small integer that stands for each table in the change log (tables in name order)."""
    return {name: i for i, name in enumerate(sorted(tables))}


def log_ddl(tables: dict[str, Table]) -> list[str]:
    """The change log and its triggers. Identifiers come from the checked schema; the table code is
    an int the code itself made."""
    log = quote(LOG_TABLE)
    out = [f"CREATE TABLE {log} (tbl INTEGER NOT NULL, key NOT NULL, old TEXT, PRIMARY KEY (tbl, key))"]
    for name, code in table_codes(tables).items():
        t = tables[name]
        pk = quote(t.pk)

        def image(alias: str) -> str:
            return "json_array(" + ", ".join(f"{alias}.{quote(c)}" for c in t.columns) + ")"

        def logged(alias: str) -> str:
            return f"EXISTS (SELECT 1 FROM {log} WHERE tbl = {code} AND key = {alias}.{pk})"

        trig = f"{INTERNAL_PREFIX}log{code}"
        out.append(f"CREATE TRIGGER {quote(trig + 'i')} AFTER INSERT ON {quote(name)} "
                   f"WHEN NOT {logged('NEW')} BEGIN "
                   f"INSERT INTO {log} VALUES ({code}, NEW.{pk}, NULL); END")
        out.append(f"CREATE TRIGGER {quote(trig + 'd')} AFTER DELETE ON {quote(name)} "
                   f"WHEN NOT {logged('OLD')} BEGIN "
                   f"INSERT INTO {log} VALUES ({code}, OLD.{pk}, {image('OLD')}); END")
        out.append(f"CREATE TRIGGER {quote(trig + 'u')} AFTER UPDATE ON {quote(name)} "
                   f"WHEN NOT {logged('OLD')} OR NEW.{pk} IS NOT OLD.{pk} BEGIN "
                   f"INSERT OR IGNORE INTO {log} VALUES ({code}, OLD.{pk}, {image('OLD')}); "
                   f"INSERT OR IGNORE INTO {log} VALUES ({code}, NEW.{pk}, NULL); END")
    return out


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

    def __init__(self, tables: dict[str, Table], sums: dict[str, int]):
        self.tables = tables
        self.names = sorted(tables)
        self.sums = dict(sums)
        self.touched: dict[str, set[Any]] | None = {}
        """Keys written per table since the template; None after a restore (unknown)."""

    def reset(self, sums: dict[str, int]) -> None:
        self.sums = dict(sums)
        self.touched = {}

    def fold(self, conn: sqlite3.Connection) -> None:
        """Take the logged changes into the sums and empty the log."""
        entries = conn.execute(f"SELECT tbl, key, old FROM {quote(LOG_TABLE)}").fetchall()
        if not entries:
            return
        for code, key, old in entries:
            name = self.names[code]
            new = conn.execute(self.tables[name].row_text_sql, (key,)).fetchone()
            delta = (row_digest(new[0]) if new else 0) - (row_digest(old) if old is not None else 0)
            self.sums[name] = (self.sums[name] + delta) % MOD
            if self.touched is not None:
                self.touched.setdefault(name, set()).add(key)
        conn.execute(f"DELETE FROM {quote(LOG_TABLE)}")

    def recompute(self, conn: sqlite3.Connection) -> None:
        """Every sum from scratch (after a restore, or to check the incremental ones)."""
        self.fold(conn)
        conn.execute(f"DELETE FROM {quote(LOG_TABLE)}")
        for name in self.names:
            self.sums[name] = table_sum(conn, self.tables[name])

    def table_hex(self, name: str) -> str:
        return f"{self.sums[name]:064x}"
