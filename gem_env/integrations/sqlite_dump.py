"""`gem domain dump`: a sandbox's state as a SQLite file that `sqlite-utils` and Datasette open.

Without a task: the seeded sandbox. With a task (or trajectory) id from a run: the final state after
replaying that trajectory's tool calls in a fresh sandbox (as `verify` does), plus three tables that
say what happened: ``_gem_calls`` (each call: tool, arguments, ok, result), ``_gem_changes`` (each
row the conversation added, removed or changed, against the seeded state) and ``_gem_meta``.

The state is copied with SQLite's backup API, so the file has the sandbox's own schema (primary
keys, foreign keys, indexes). The extra tables are written with sqlite-utils, which infers their
columns from the records; measured against the compiler's prepared statements (bench/sqlite_utils_fit.py)
it is 2-3x slower to build a template and 6-10x slower per read, so the compiler and the per-call path
stay on plain sqlite3 and sqlite-utils is used here, where convenience counts and speed does not.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from ..errors import GemError
from ..io.rundir import read_jsonl
from ..tools import CompiledDomain, Sandbox, diff_states
from ..tools.tables import INTERNAL_PREFIX, quote
from .targets import load_target


def find_trajectory(run: Path, ident: str) -> dict[str, Any]:
    """The trajectory of a run with this id, or the first one of the task with this id."""
    candidates = list(read_jsonl(run / "trajectories.jsonl"))
    candidates += [r["trajectory"] for r in read_jsonl(run / "rejected.jsonl") if isinstance(r.get("trajectory"), dict)]
    for t in candidates:
        if t.get("id") == ident:
            return t
    for t in candidates:
        if (t.get("task") or {}).get("id") == ident:
            return t
    raise GemError(f"{run}: no trajectory or task with id {ident!r}")


def replay(sandbox: Sandbox, messages: list[dict[str, Any]]) -> None:
    """Run every assistant tool call of a conversation in order (results land in ``sandbox.log``)."""
    for m in messages:
        if m.get("role") == "assistant":
            for call in m.get("tool_calls") or []:
                fn = call.get("function") or {}
                sandbox.call(fn.get("name"), fn.get("arguments") or "{}")


def _write_state(sandbox: Sandbox, out: Path) -> None:
    if out.exists():
        out.unlink()
    target = sqlite3.connect(out)
    try:
        sandbox.conn.backup(target)
        _drop_internal(target)
    finally:
        target.close()


def _drop_internal(conn: sqlite3.Connection) -> None:
    """Drop the sandbox's own bookkeeping (id counters, the digest's change log and its triggers):
    a user browsing the file sees the domain's tables and the story tables written below."""
    internal = conn.execute("SELECT type, name FROM sqlite_master WHERE name LIKE ? ESCAPE '\\' "
                            "AND type IN ('trigger', 'table') ORDER BY type = 'table'",
                            [INTERNAL_PREFIX.replace("_", "\\_") + "%"]).fetchall()
    for kind, name in internal:
        conn.execute(f"DROP {kind.upper()} IF EXISTS {quote(name)}")
    conn.commit()


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _write_story(db: sqlite_utils.Database, sandbox: Sandbox, seeded: dict, meta: dict[str, Any]) -> None:
    calls = [{"n": i, "tool": c.tool, "arguments": _as_json(c.arguments if not isinstance(c.arguments, str)
                                                             else json.loads(c.arguments or "{}")),
              "ok": c.ok, "result": _as_json(c.result)} for i, c in enumerate(sandbox.log, 1)]
    db["_gem_calls"].create({"n": int, "tool": str, "arguments": str, "ok": int, "result": str}, pk="n")
    db["_gem_calls"].insert_all(calls)
    changes = [{"table_name": c["table"], "row_key": c["key"], "change": c["change"],
                "detail": _as_json(c.get("fields") or c.get("row"))} for c in diff_states(seeded, sandbox.dump())]
    db["_gem_changes"].create({"table_name": str, "row_key": str, "change": str, "detail": str})
    db["_gem_changes"].insert_all(changes)
    db["_gem_meta"].insert_all([{"key": k, "value": _as_json(v)} for k, v in meta.items()], pk="key")


def dump(target: str | Path, out: str | Path, *, task: str | None = None, domain: str | None = None,
         seed: int | None = None) -> dict[str, Any]:
    """Write the file; a summary read back from it with sqlite-utils (tables, rows, foreign keys)."""
    out = Path(out)
    trajectory = None
    if task is not None:
        if not Path(target).is_dir():
            raise GemError("--task needs a run directory (its trajectories are replayed)")
        trajectory = find_trajectory(Path(target), task)
        domain = trajectory.get("domain")
    compiled: CompiledDomain = load_target(target, domain, seed=seed)
    sandbox = compiled.new_sandbox()
    try:
        seeded = sandbox.dump()
        meta: dict[str, Any] = {"domain": compiled.domain.name, "seeded_state_hash": sandbox.state_hash()}
        if trajectory is not None:
            replay(sandbox, trajectory.get("messages") or [])
            meta.update(trajectory_id=trajectory.get("id"), task_id=(trajectory.get("task") or {}).get("id"),
                        verified=(trajectory.get("verification") or {}).get("passed"),
                        final_state_hash=sandbox.state_hash())
        _write_state(sandbox, out)
        db = sqlite_utils.Database(out)
        try:
            if trajectory is not None:
                _write_story(db, sandbox, seeded, meta)
            return summary(db, meta)
        finally:
            db.close()
    finally:
        sandbox.close()


def summary(db: sqlite_utils.Database, meta: dict[str, Any]) -> dict[str, Any]:
    tables = {t.name: {"rows": t.count, "foreign_keys": [f"{fk.column} -> {fk.other_table}.{fk.other_column}"
                                                          for fk in t.foreign_keys]}
              for t in db.tables}
    return {"file": str(db.conn.execute("PRAGMA database_list").fetchone()[2]), **meta, "tables": tables}
