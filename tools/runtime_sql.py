"""The SQL of the sandbox's runtime functions (`next_id`, `count_rows`, `rows`), built once per domain.

`next_id('HND-####')` used to build its statements on every call, read the counter and write it in
two, and ask each table with a string key in a statement of its own whether the candidate id is
taken (eight statements in the example shop); here it moves the counter on in one statement and
asks in one (a third only when the candidate was taken), fixed per domain, and
the `count_rows` / `rows` statements are kept per (table, fields asked). Every identifier comes
from the domain's own validated tables; values are always bound parameters.
"""
from __future__ import annotations

from typing import Any

from .per_domain import PerDomain
from .tables import COUNTERS_TABLE, Table, quote


class RuntimeSql:
    """The statements of one domain's tables (shared by all its sandboxes)."""

    def __init__(self, tables: dict[str, Table]):
        self.tables = tables
        self.bump_sql = (f"INSERT INTO {quote(COUNTERS_TABLE)} (prefix, value) VALUES (?, 1) "
                         "ON CONFLICT (prefix) DO UPDATE SET value = value + 1 RETURNING value")
        """The counter moved on by one (made at 1), returning the number to try first."""
        self.set_counter_sql = f"INSERT OR REPLACE INTO {quote(COUNTERS_TABLE)} (prefix, value) VALUES (?, ?)"
        string_keys = [t for t in tables.values() if t.fields[t.pk].type == "string"]
        self.taken_sql = ("SELECT " + " OR ".join(
            f"EXISTS(SELECT 1 FROM {quote(t.name)} WHERE {quote(t.pk)} = ?1)" for t in string_keys)
            if string_keys else None)
        """Whether any table with a string key has the candidate id (None: no such table)."""
        self._count: dict[tuple[str, tuple[str, ...]], str] = {}
        self._rows: dict[tuple[str, tuple[str, ...], int], str] = {}

    def count_sql(self, table: str, fields: tuple[str, ...]) -> str:
        sql = self._count.get((table, fields))
        if sql is None:
            conds = " AND ".join(f"{quote(k)} IS ?" for k in fields)
            sql = self._count[(table, fields)] = (f"SELECT count(*) FROM {quote(self.tables[table].name)}"
                                                  + (f" WHERE {conds}" if conds else ""))
        return sql

    def rows_sql(self, table: str, fields: tuple[str, ...], limit: int) -> str:
        sql = self._rows.get((table, fields, limit))
        if sql is None:
            t = self.tables[table]
            conds = " AND ".join(f"{quote(k)} IS ?" for k in fields)
            sql = self._rows[(table, fields, limit)] = (
                t.select_sql + (f" WHERE {conds}" if conds else "") + f" ORDER BY {quote(t.pk)} LIMIT {int(limit)}")
        return sql

    @staticmethod
    def params(table: Table, where: dict[str, Any]) -> list[Any]:
        return [None if v is None else table.encode(k, v) for k, v in where.items()]


_MADE: PerDomain[RuntimeSql] = PerDomain(lambda compiled: RuntimeSql(compiled.tables))


def runtime_sql(compiled: Any) -> RuntimeSql:
    """The domain's `RuntimeSql`, made on first use and forgotten with the domain."""
    return _MADE.get(compiled)
