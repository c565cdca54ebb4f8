"""`gem synthesize` end to end offline: outputs, determinism, resume after a kill, `gem verify`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES
from gem_env.cli import main
from gem_env.io.rundir import RunDir

CORPUS = str(EXAMPLES / "corpus")
OUTPUTS = ["trajectories.jsonl", "tasks.jsonl", "rejected.jsonl", "verdicts.jsonl", "manifest.json"]


def synth(out: Path, *extra: str) -> int:
    return main(["synthesize", CORPUS, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "first"
    assert synth(out) == 0
    return out


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_outputs_and_records(run):
    manifest = json.loads((run / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["documents"] >= 20 and counts["trajectories_accepted"] > 0
    assert counts["relevant"] < counts["documents"]  # the non-procedures were dropped
    trajectories = lines(run / "trajectories.jsonl")
    assert len(trajectories) == counts["trajectories_accepted"]
    for t in trajectories:
        assert set(t) >= {"id", "doc_id", "domain", "task", "tools", "messages", "verification", "meta"}
        assert t["verification"]["passed"] and t["messages"][0]["role"] == "system"
        answered = {m["tool_call_id"] for m in t["messages"] if m["role"] == "tool"}
        calls = [c for m in t["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]
        assert calls and {c["id"] for c in calls} == answered
        assert (run / "domains" / f"{t['domain']}.json").exists()
    verdicts = lines(run / "verdicts.jsonl")
    assert all(set(v) >= {"id", "relevant", "score", "reason", "labels"} for v in verdicts)
    rejected = lines(run / "rejected.jsonl")
    assert all(r["stage"] and r["reason"] for r in rejected)
    assert {r["stage"] for r in rejected} >= {"filter"}


def test_gem_verify_confirms_every_verdict(run, capsys):
    assert main(["verify", str(run)]) == 0
    out = capsys.readouterr().out
    n = len(lines(run / "trajectories.jsonl")) + sum("trajectory" in r for r in lines(run / "rejected.jsonl"))
    assert out.startswith(f"{n}/{n} verdicts confirmed")  # accepted and rejected trajectories alike


def test_verify_catches_a_tampered_trajectory(run, tmp_path, capsys):
    copy = tmp_path / "tampered"
    subprocess.run(["cp", "-r", str(run), str(copy)], check=True)
    records = lines(copy / "trajectories.jsonl")
    writes = next(t for t in records if t["task"]["kind"] == "write")
    writes["messages"] = [m for m in writes["messages"] if not m.get("tool_calls") and m["role"] != "tool"]
    (copy / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["verify", str(copy)]) == 1
    assert "DISAGREES" in capsys.readouterr().out


def test_verify_reports_a_record_it_cannot_replay_and_checks_the_rest(run, tmp_path, capsys):
    copy = tmp_path / "swapped"
    subprocess.run(["cp", "-r", str(run), str(copy)], check=True)
    records = lines(copy / "trajectories.jsonl")
    domains = sorted({r["domain"] for r in records})
    victim, other = domains[0], domains[1]
    # one domain's file now holds another domain's tables: its records cannot be replayed
    (copy / "domains" / f"{victim}.json").write_text((copy / "domains" / f"{other}.json").read_text())
    assert main(["verify", str(copy), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    broken = [d for d in report["disagreements"] if "error" in d]
    n = len(records) + sum("trajectory" in r for r in lines(copy / "rejected.jsonl"))
    assert report["checked"] == n and broken
    assert {d["id"].split(".")[0] for d in broken} == {victim}
    assert all(d["error"].startswith("could not replay") for d in broken)
    assert report["confirmed"] == n - len(report["disagreements"]) > 0


def test_deterministic_whatever_the_concurrency(run, tmp_path):
    assert synth(tmp_path / "again", "--concurrency", "7") == 0
    for name in OUTPUTS:
        assert (tmp_path / "again" / name).read_bytes() == (run / name).read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "again" / "domains").iterdir()) == \
        sorted(p.name for p in (run / "domains").iterdir())


def test_existing_run_needs_resume_and_same_settings(run, capsys):
    assert synth(run) == 2
    assert "--resume" in capsys.readouterr().err
    assert synth(run, "--resume", "--seed", "9") == 2
    assert "settings differ" in capsys.readouterr().err


def test_resume_after_a_torn_write(run, tmp_path):
    out = tmp_path / "torn"
    assert synth(out, "--limit", "8") == 0
    done = lines(out / "progress.jsonl")
    # A kill between a unit's records and its progress line: the last unit is half written.
    (out / "progress.jsonl").write_text("".join(json.dumps(d) + "\n" for d in done[:-3]))
    with (out / "trajectories.jsonl").open("a") as fh:
        fh.write('{"doc_id": "torn", "id": "half a li')
    assert synth(out, "--resume") == 0
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (run / name).read_bytes(), name


def test_resume_after_sigkill(run, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "gem_env", "synthesize", CORPUS, "--out", str(out), "--concurrency", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    progress = out / "progress.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if progress.exists() and len(progress.read_text().splitlines()) >= 3:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert subprocess.run([*cmd, "--resume"], capture_output=True).returncode == 0
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (run / name).read_bytes(), name


def test_malformed_input_is_recorded_and_the_run_goes_on(tmp_path):
    corpus = tmp_path / "c.jsonl"
    good = (EXAMPLES / "corpus").glob("*/*.md")
    text = next(iter(sorted(good))).read_text()
    corpus.write_text(json.dumps({"id": "ok", "text": text}) + "\n{not json\n" + json.dumps({"id": "x"}) + "\n")
    assert main(["synthesize", str(corpus), "--out", str(tmp_path / "r")]) == 0
    rejected = lines(tmp_path / "r" / "rejected.jsonl")
    reads = [r for r in rejected if r["stage"] == "read"]
    assert len(reads) == 2 and all("c.jsonl" in r["reason"] for r in reads)
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["counts"]["read_errors"] == 2


def test_run_directory_refuses_foreign_dirs(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("hello")
    from gem_env.errors import GemError
    with pytest.raises(GemError, match="not a gem run directory"):
        RunDir(tmp_path / "x", files=["a.jsonl"], config={}, resume=True)


@pytest.mark.parametrize("argv, fragment", [
    (["synthesize", "nothing/here"], "nothing/here: no such file or directory"),
    (["extract", "nothing/here"], "nothing/here: no such file or directory"),
    (["synthesize", CORPUS, "--concurrency", "0"], "must be at least 1"),
    (["synthesize", CORPUS, "--backend", "llm"], "needs --model"),
])
def test_user_mistakes_are_one_line_and_leave_nothing(tmp_path, capsys, monkeypatch, argv, fragment):
    monkeypatch.delenv("GEM_MODEL", raising=False)
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gem: error:") and fragment in err and err.count("\n") == 1
    assert not out.exists()
