"""Engines: the local engine and Ray give byte-identical runs; workers rebuild stages from config."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from conftest import EXAMPLES
from gem_env.cli import main
from gem_env.documents import Document, Rejection
from gem_env.engines import WorkItem, make_engine
from gem_env.pipeline import PipelineConfig, Runtime

CORPUS = EXAMPLES / "corpus"


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and p.name != "timings.jsonl"}


def test_what_a_worker_gets_is_picklable() -> None:
    cfg = PipelineConfig(backend="llm", agent="llm", models={"stages": {"model": "m"}, "agent": {"model": "m"}})
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert pickle.loads(pickle.dumps(Runtime(cache_dir=None, check_workers=0))) == Runtime(None, 0)
    item = WorkItem(Document(id="d", text="Do this."), "d")
    assert pickle.loads(pickle.dumps(item)) == item


async def test_local_engine_keeps_input_order_and_passes_read_errors_through() -> None:
    text = (CORPUS / "bank" / "freeze-a-card.md").read_text()
    items = [WorkItem(Document(id=f"d{i}", text=text), f"d{i}") if i % 3 else
             WorkItem(Rejection(id=f"line:{i}", stage="read", reason="bad json")) for i in range(9)]
    engine = make_engine("local", PipelineConfig(stop="extract"), Runtime(cache_dir=None), concurrency=4)
    try:
        units = [u async for u in engine.map(items)]
    finally:
        await engine.aclose()
    assert [u.doc_id for u in units] == [w.item.id for w in items]
    assert all(u.domain_file == (f"{u.doc_id}.json", u.domain_file[1]) for u in units if u.doc_id.startswith("d"))
    assert all(u.records["rejected.jsonl"][0]["stage"] == "read" for u in units if u.doc_id.startswith("line"))


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'gem-env[ray]'); CI installs it")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


def test_ray_engine_writes_the_same_run_as_the_local_engine(ray_local, tmp_path: Path) -> None:
    args = ["synthesize", str(CORPUS / "bank"), str(CORPUS / "reference"), "--tasks-per-domain", "1"]
    assert main([*args, "--out", str(tmp_path / "local")]) == 0
    assert main([*args, "--out", str(tmp_path / "ray"), "--engine", "ray"]) == 0
    assert tree(tmp_path / "ray") == tree(tmp_path / "local")
    assert len(tree(tmp_path / "local")) > 5


def test_ray_engine_resumes_a_run_the_local_engine_began(ray_local, tmp_path: Path) -> None:
    args = ["extract", str(CORPUS), "--out", str(tmp_path / "r")]
    assert main([*args, "--limit", "6"]) == 0
    assert main([*args, "--resume", "--engine", "ray"]) == 0
    assert main(["extract", str(CORPUS), "--out", str(tmp_path / "whole")]) == 0
    assert tree(tmp_path / "r") == tree(tmp_path / "whole")


def test_ray_address_needs_the_ray_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(CORPUS), "--out", str(tmp_path / "x"), "--ray-address", "auto"]) == 2
    assert "--engine ray" in capsys.readouterr().err


def test_ray_engine_without_ray_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as when not installed
    assert main(["extract", str(CORPUS / "bank"), "--out", str(tmp_path / "x"), "--engine", "ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'gem-env[ray]'" in err[0]
    assert not (tmp_path / "x").exists()


async def test_a_lost_ray_worker_leaves_the_document_unfinished(ray_local) -> None:
    from gem_env.engines.ray import RayEngine

    engine = RayEngine(PipelineConfig(stop="filter"), Runtime(cache_dir=None), concurrency=2, workers=1)
    try:
        ray_local.kill(engine.workers[0])
        units = [u async for u in engine.map([WorkItem(Document(id="d", text="Open the app."), "d")])]
    finally:
        engine.workers = []
    assert units[0].unfinished and "Ray worker failed" in units[0].unfinished
