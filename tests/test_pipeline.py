"""The per-document pipeline: stage order, the refine slot, names given once, domains compiled once."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from gem_env.documents import Document, Rejection
from gem_env.engines import make_engine
from gem_env.io.corpus import with_read_errors
from gem_env.pipeline import DocState, PipelineConfig, Runtime, build_pipeline
from gem_env.synthesize import DomainNames, drive, run_to_dir

FREEZE = (EXAMPLES / "corpus" / "bank" / "freeze-a-card.md").read_text()


class Sink:
    def __init__(self) -> None:
        self.done: set[str] = set()
        self.units: list[tuple[str, dict[str, Any], Any]] = []

    def write_unit(self, doc_id: str, records: dict[str, Any], domain: Any = None) -> None:
        self.units.append((doc_id, records, domain))
        self.done.add(doc_id)


def test_stages_in_order_and_stopping_points() -> None:
    names = lambda cfg: [s.name for s in build_pipeline(cfg, Runtime(cache_dir=None)).stages]  # noqa: E731
    assert names(PipelineConfig(stop="filter")) == ["filter"]
    assert names(PipelineConfig(stop="extract")) == ["filter", "extract"]
    assert names(PipelineConfig()) == ["filter", "extract", "tasks", "ground", "verify", "records"]


class RejectAll:
    """A refine stage for the test: sees verified trajectories, overrules every verdict."""

    name = "refine"

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def run(self, s: DocState) -> bool:
        self.seen.append(len(s.trajectories))
        assert all(t.verification.passed for t in s.trajectories)
        s.accepted = [False] * len(s.trajectories)
        return True


async def test_the_refine_slot_runs_between_verify_and_records() -> None:
    refine = RejectAll()
    pipeline = build_pipeline(PipelineConfig(tasks_per_domain=2), Runtime(cache_dir=None), refine=[refine])
    assert [s.name for s in pipeline.stages][-3:] == ["verify", "refine", "records"]
    unit = await pipeline.run(Document(id="bank/freeze", text=FREEZE), "bank_freeze")
    assert refine.seen == [2] and unit.records["trajectories.jsonl"] == []
    assert [r["stage"] for r in unit.records["rejected.jsonl"] if r["stage"] != "tasks"] == ["verify", "verify"]


async def test_colliding_slugs_get_distinct_names_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import gem_env.stages.extract.offline as offline
    compiled: list[str] = []
    real = offline.compile_domain
    monkeypatch.setattr(offline, "compile_domain", lambda d, **kw: compiled.append(d.name) or real(d, **kw))
    docs = [Document(id=i, text=FREEZE) for i in ("card freeze", "card_freeze", "card/freeze")]
    sink = Sink()
    engine = make_engine("local", PipelineConfig(stop="extract"), Runtime(cache_dir=None), concurrency=3)
    try:
        outcome = await drive(docs, engine, sink)
    finally:
        await engine.aclose()
    assert outcome.unfinished == 0
    files = [domain[0] for _, _, domain in sink.units]
    assert files == ["card_freeze.json", "card_freeze-2.json", "card_freeze-3.json"]
    assert [json.loads(domain[1])["name"] for _, _, domain in sink.units] == ["card_freeze", "card_freeze-2",
                                                                             "card_freeze-3"]
    assert compiled == ["card_freeze", "card_freeze-2", "card_freeze-3"]  # each compiled once, under its name


def test_domain_names_are_claimed_in_input_order() -> None:
    names = DomainNames()
    assert [names.claim(i) for i in ("a b", "a_b", "a-b", "a b")] == ["a_b", "a_b-2", "a-b", "a_b-3"]


async def test_a_resumed_run_names_domains_as_a_whole_run_does(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": FREEZE}) + "\n" for i in ("x y", "x_y", "x.y")))
    cfg = PipelineConfig(stop="extract")

    async def run(out: Path, limit: int | None, resume: bool) -> None:
        engine = make_engine("local", cfg, Runtime(cache_dir=None), concurrency=2)
        try:
            await run_to_dir(with_read_errors([str(corpus)], limit=limit), out, cfg, engine, resume=resume,
                             command="extract")
        finally:
            await engine.aclose()

    await run(tmp_path / "part", 1, False)
    await run(tmp_path / "part", None, True)
    await run(tmp_path / "whole", None, False)
    names = lambda p: sorted(f.name for f in (p / "domains").iterdir())  # noqa: E731
    assert names(tmp_path / "part") == names(tmp_path / "whole") == ["x_y-2.json", "x_y-3.json", "x_y.json"]


async def test_an_unreadable_line_passes_through_as_a_read_rejection() -> None:
    pipeline = build_pipeline(PipelineConfig(), Runtime(cache_dir=None))
    unit = await pipeline.run(Rejection(id="c.jsonl:2", stage="read", reason="not JSON"))
    assert unit.records["rejected.jsonl"] == [{"doc_id": "c.jsonl:2", "stage": "read", "reason": "not JSON"}]
    assert unit.records["timings.jsonl"] == [] and not unit.unfinished
