"""`gem domain dump`: a seeded sandbox or a trajectory's final state as a SQLite file."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from gem_env.cli import main
from gem_env.io.rundir import read_jsonl
from gem_env.tools import compile_domain, load_domain

from conftest import EXAMPLES

SHOP = EXAMPLES / "domains" / "shop.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "demo"
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--limit", "4", "--quiet"]) == 0
    return out


def test_seeded_dump_keeps_rows_keys_and_foreign_keys(tmp_path: Path, capsys) -> None:
    out = tmp_path / "shop.db"
    assert main(["domain", "dump", str(SHOP), "--out", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    compiled = compile_domain(load_domain(SHOP))
    db = sqlite_utils.Database(out)
    for table, n in compiled.row_counts.items():
        assert db[table].count == n == info["tables"][table]["rows"]
        assert db[table].pks == [compiled.tables[table].pk]
    fks = {(fk.column, fk.other_table) for fk in db["orders"].foreign_keys}
    assert ("customer_id", "customers") in fks
    sandbox = compiled.new_sandbox()
    orders = sandbox.dump(["orders"])["orders"]
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == len(orders)
    assert info["seeded_state_hash"] == sandbox.state_hash()


def test_task_dump_replays_the_trajectory_and_says_what_changed(run_dir: Path, tmp_path: Path, capsys) -> None:
    trajectory = next(t for t in read_jsonl(run_dir / "trajectories.jsonl") if t["task"]["kind"] == "write")
    out = tmp_path / "final.db"
    assert main(["domain", "dump", str(run_dir), "--task", trajectory["task"]["id"], "--out", str(out)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["trajectory_id"] == trajectory["id"] and info["verified"] is True
    assert info["final_state_hash"] != info["seeded_state_hash"]
    db = sqlite_utils.Database(out)
    calls = [c for m in trajectory["messages"] for c in m.get("tool_calls") or []]
    rows = list(db["_gem_calls"].rows)
    failed = {m["tool_call_id"] for m in trajectory["messages"] if m["role"] == "tool"
              and (m.get("content") or "").startswith('{"error"')}  # (an old email that finds nobody)
    assert [r["tool"] for r in rows] == [c["function"]["name"] for c in calls]
    assert [bool(r["ok"]) for r in rows] == [c["id"] not in failed for c in calls]
    changes = list(db["_gem_changes"].rows)
    assert changes and {c["table_name"] for c in changes} <= set(trajectory["task"]["state_tables"])
    change = next(c for c in changes if c["change"] == "changed")
    table = change["table_name"]
    pk = db[table].pks[0]
    now = db[table].get(change["row_key"])
    for field, (_, after) in json.loads(change["detail"]).items():
        assert now[field] == after or str(now[field]) == str(after)
    assert now[pk] == change["row_key"]


def test_dump_errors_are_clear(run_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["domain", "dump", str(SHOP), "--task", "x", "--out", str(tmp_path / "a.db")]) == 2
    assert "needs a run directory" in capsys.readouterr().err
    assert main(["domain", "dump", str(run_dir), "--task", "nope", "--out", str(tmp_path / "b.db")]) == 2
    assert "no trajectory or task" in capsys.readouterr().err
    assert main(["domain", "dump", str(run_dir), "--out", str(tmp_path / "c.db")]) == 2
    assert "choose one with --domain" in capsys.readouterr().err
