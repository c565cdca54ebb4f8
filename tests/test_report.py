"""`gem report`: the page's content, and the page itself loaded in headless Chromium."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.io.rundir import read_jsonl
from gem_env.report.data import collect

from conftest import EXAMPLES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("runs")
    run, ev = base / "demo", base / "eval"
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(run), "--limit", "6", "--quiet"]) == 0
    assert main(["eval", str(run), "--trials", "2", "--out", str(ev), "--quiet"]) == 0
    return run, ev


def test_report_data_matches_the_run(runs: tuple[Path, Path]) -> None:
    run, _ = runs
    data = collect(run)
    manifest = json.loads((run / "manifest.json").read_text())
    stages = {s["name"]: s["count"] for s in data["funnel"]["stages"]}
    assert stages == {"documents": manifest["counts"]["documents"], "relevant": manifest["counts"]["relevant"],
                      "domains": manifest["counts"]["domains"], "tasks": manifest["counts"]["tasks_admitted"],
                      "accepted": manifest["counts"]["trajectories_accepted"]}
    assert data["means"]["messages"] == pytest.approx(manifest["accepted_trajectories"]["mean_messages"], abs=0.01)
    accepted = list(read_jsonl(run / "trajectories.jsonl"))
    assert sum(r["accepted"] for r in data["by_domain"]) == len(accepted)
    assert {r["name"] for r in data["by_category"]} == {t["task"]["category"] for t in accepted}
    assert data["passk"] is None and data["kind"] == "synthesis"


def test_eval_run_has_passk_curves(runs: tuple[Path, Path], tmp_path: Path) -> None:
    _, ev = runs
    data = collect(ev)
    assert data["kind"] == "eval" and data["passk"]["k"] == [1, 2]
    assert all(0 <= v <= 1 for v in data["passk"]["series"]["all"])
    out = tmp_path / "r.html"
    assert main(["report", str(ev), "--out", str(out)]) == 0
    assert "id='passk'" in out.read_text()


def test_page_is_self_contained(runs: tuple[Path, Path], tmp_path: Path) -> None:
    run, _ = runs
    out = tmp_path / "report.html"
    assert main(["report", str(run), "--out", str(out)]) == 0
    html = out.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched at view time
    assert "<svg" in html and "GEM after" in html and "gem-data" in html


def test_a_missing_run_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is absent (Debian: apt-get install -y chromium; "
                                            ".ci/run installs it)")
def test_page_in_headless_chromium(runs: tuple[Path, Path], tmp_path: Path) -> None:
    run, _ = runs
    out = tmp_path / "report.html"
    assert main(["report", str(run), "--out", str(out)]) == 0
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run([*flags, "--enable-logging=stderr", "--v=0", "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []  # the page logs nothing: no errors, no warnings
    assert dom.stdout.count('class="chart"') >= 4  # funnel and three distributions
    # the conversation is built by the page's script: its presence proves the script ran
    assert re.search(r'class="msg user"', dom.stdout) and re.search(r'class="tool-call"', dom.stdout)
    assert re.search(r'id="count">\d+ of \d+<', dom.stdout)
    shot = tmp_path / "report.png"
    subprocess.run([*flags, "--window-size=1300,2400", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
