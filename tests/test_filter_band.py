"""The uncertain band: documents the offline filter scores near its threshold go to the LLM judge
when one is configured (here the fake OpenAI-compatible server); without one, or outside the band,
the offline verdict stands."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from gem_env.documents import Document
from gem_env.io.corpus import iter_documents
from gem_env.llm import LLMClient, LLMConfig
from gem_env.stages.filter import BAND, DEFAULT_THRESHOLD, BandedFilter, LLMFilter, OfflineFilter, in_band
from gem_env.testing import FakeOpenAIServer, JSONReply

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"
JUDGE = {"relevant": True, "score": 0.8, "reason": "the model saw steps in an app", "domain": "general",
         "category": "how-to"}


def docs() -> list[Document]:
    return list(iter_documents([str(CORPUS)]))


def judged(flt: BandedFilter) -> list:
    async def run() -> list:
        return [await flt.ajudge(d) for d in docs()]
    return asyncio.run(run())


def client(server: FakeOpenAIServer) -> LLMClient:
    return LLMClient(LLMConfig(model="fake-model", base_url=server.base_url, timeout=2.0, max_retries=1,
                               retry_base_delay=0.01, retry_max_delay=0.05, concurrency=4))


def test_band_is_symmetric_around_the_threshold() -> None:
    assert in_band(DEFAULT_THRESHOLD)
    assert not in_band(0.999) and not in_band(0.001)
    assert in_band(0.5, threshold=0.5, band=0.1) and not in_band(0.6, threshold=0.5, band=0.1)


def test_without_a_model_the_band_keeps_the_offline_verdict() -> None:
    offline = OfflineFilter()
    for verdict, usage in judged(BandedFilter(offline)):
        doc = next(d for d in docs() if d.id == verdict.id)
        assert verdict == offline.judge(doc) and usage.calls == 0


def test_only_documents_in_the_band_reach_the_model() -> None:
    offline = OfflineFilter()
    scores = {d.id: offline.judge(d).score for d in docs()}
    band = sorted(abs(_logit(s) - _logit(DEFAULT_THRESHOLD)) for s in scores.values())[len(scores) // 3] + 1e-6
    expected = {i for i, s in scores.items() if in_band(s, band=band)}
    assert 0 < len(expected) < len(scores)
    with FakeOpenAIServer(lambda body: JSONReply(JUDGE)) as server:
        results = judged(BandedFilter(offline, LLMFilter(client(server)), band=band))
        asked = len(server.requests)
    assert asked == len(expected)
    for verdict, usage in results:
        if verdict.id in expected:
            assert verdict.relevant and verdict.reason.startswith("uncertain offline (")
            assert "the model saw steps" in verdict.reason and usage.calls == 1
        else:
            assert verdict.score == scores[verdict.id] and usage.calls == 0
    assert BAND > 0


def test_banded_filter_through_the_cli(tmp_path: Path) -> None:
    from gem_env.cli import main

    out = tmp_path / "verdicts.jsonl"
    assert main(["filter", str(CORPUS), "--out", str(out), "--filter", "banded"]) == 0
    verdicts = [json.loads(line) for line in out.read_text().splitlines()]
    offline = {d.id: OfflineFilter().judge(d) for d in docs()}
    assert {v["id"]: v["relevant"] for v in verdicts} == {i: v.relevant for i, v in offline.items()}


def _logit(p: float) -> float:
    import math
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
