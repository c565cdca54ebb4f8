"""Does sqlite-utils serve? Template build and per-call reads, sqlite3 vs sqlite-utils (prints JSON).

Usage: python bench/sqlite_utils_fit.py [--repeat 5] [--calls 5000]

For each bundled domain (shop, and τ-bench retail seeded by Faker): build the seeded template
database the way the compiler does (CREATE TABLE with keys and foreign keys, executemany of the
rows, indexes, in one transaction) and the same with sqlite-utils (`table.create(..., pk=,
foreign_keys=, not_null=)`, `insert_all`, `create_index`); then read rows by primary key with the
compiler's prepared statement and with sqlite-utils' `table.get`. Medians; the two databases are
checked to hold the same rows.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from pathlib import Path

import sqlite_utils

from gem_env.tools import compile_domain, load_domain
from gem_env.tools.compiler import _build_template
from gem_env.tools.seed import seed_rows
from gem_env.tools.tables import check_entities

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = ["shop.yaml", "tau_retail.yaml"]
_TYPES = {"string": str, "integer": int, "number": float, "boolean": int, "date": str, "datetime": str, "json": str}


def build_with_sqlite_utils(tables, rows) -> sqlite3.Connection:
    db = sqlite_utils.Database(memory=True)
    db.conn.execute("PRAGMA foreign_keys = ON")
    for name, t in tables.items():  # parents first, as the compiler orders them
        fields = t.entity.fields
        db[name].create({f.name: _TYPES[f.type] for f in fields}, pk=t.pk,
                        not_null={f.name for f in fields if not f.nullable and f.name != t.pk},
                        foreign_keys=[(f.name, *f.foreign_key.split(".", 1)) for f in fields if f.foreign_key])
    with db.conn:
        for name, table_rows in rows.items():
            t = tables[name]
            db[name].insert_all(({c: t.encode(c, r.get(c)) for c in t.columns} for r in table_rows), batch_size=1000)
    for name, t in tables.items():
        for f in t.entity.fields:
            if f.foreign_key:
                db[name].create_index([f.name], if_not_exists=True)
    return db.conn


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def bench_domain(path: Path, repeat: int, calls: int) -> dict:
    domain = load_domain(path)
    tables = check_entities(domain.entities)
    rows = seed_rows(domain, tables, domain.seed)
    n_rows = sum(len(r) for r in rows.values())
    indexed = sorted({(t.name, f.name, False) for t in tables.values() for f in t.entity.fields if f.foreign_key})
    ours = median_ms(lambda: _build_template(tables, rows, indexed, set()), repeat)  # no change-log triggers
    theirs = median_ms(lambda: build_with_sqlite_utils(tables, rows).close(), repeat)
    conn = build_with_sqlite_utils(tables, rows)
    compiled = compile_domain(domain)
    sandbox = compiled.new_sandbox()
    same = all(sorted(conn.execute(t.select_sql).fetchall()) == sorted(sandbox.conn.execute(t.select_sql).fetchall())
               for t in tables.values())
    table = max(tables.values(), key=lambda t: len(rows[t.name]))
    keys = [r[table.pk] for r in rows[table.name]][:calls] * (calls // max(len(rows[table.name]), 1) + 1)
    keys = keys[:calls]
    su_table = sqlite_utils.Database(sandbox.conn)[table.name]

    def prepared() -> None:
        for k in keys:
            table.decode(sandbox.conn.execute(table.by_pk_sql, (k,)).fetchone())

    def via_sqlite_utils() -> None:
        for k in keys:
            su_table.get(k)

    per_call = {"sqlite3_prepared_us": round(median_ms(prepared, repeat) * 1000 / len(keys), 2),
                "sqlite_utils_get_us": round(median_ms(via_sqlite_utils, repeat) * 1000 / len(keys), 2)}
    return {"domain": domain.name, "rows": n_rows, "same_rows": same,
            "template_build_ms": {"sqlite3": ours, "sqlite_utils": theirs},
            "read_by_pk": {"table": table.name, **per_call}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    results = [bench_domain(ROOT / "examples" / "domains" / name, args.repeat, args.calls) for name in DOMAINS]
    print(json.dumps({"sqlite_utils": sqlite_utils.__version__ if hasattr(sqlite_utils, "__version__") else None,
                      "domains": results}, indent=1))


if __name__ == "__main__":
    main()
