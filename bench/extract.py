"""Stages 1-2 speed and memory: prints one JSON object.

- ``offline``: documents per second through the offline filter + extractor (compiling every domain)
  on tau2_banking_kb_docs.jsonl, in one process and with a pool of 2 processes (target >= 200/s).
- ``memory``: peak RSS of a child process streaming 1x and 10x that corpus through the offline
  filter + extractor (flat: the corpus is never held).
- ``llm``: the LLM filter + extractor against the fake server at 200 ms latency, concurrency 32;
  throughput against the ideal (concurrency / (calls per document x latency)) (target >= 0.8).
  The server runs in a child process, as a real endpoint would.

Run: python bench/extract.py [--corpus PATH] [--docs 256] [--latency 0.2] [--concurrency 32]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "tau2_banking_kb_docs.jsonl"


# ---------------------------------------------------------------- offline throughput

_WORKER: Any = None


def _init_worker() -> None:
    global _WORKER
    from gem_env.stages.extract.offline import OfflineExtractor
    from gem_env.stages.filter import OfflineFilter
    _WORKER = (OfflineFilter(), OfflineExtractor())


def _one(doc: Any) -> str:
    filt, ex = _WORKER
    verdict = filt.judge(doc)
    if not verdict.relevant:
        return "dropped"
    got = ex.extract(doc, verdict)
    return "rejected" if hasattr(got, "stage") else "extracted"


def offline_throughput(corpus: Path, repeats: int = 3) -> dict[str, Any]:
    from gem_env.io.corpus import iter_documents

    docs = list(iter_documents([corpus]))
    _init_worker()
    for doc in docs[:50]:  # warm caches and imports
        _one(doc)
    single = []
    for _ in range(repeats):
        started = time.perf_counter()
        outcomes = [_one(d) for d in docs]
        single.append(len(docs) / (time.perf_counter() - started))
    pooled = []
    with Pool(2, initializer=_init_worker) as pool:
        pool.map(_one, docs[:100], chunksize=10)  # warm both workers
        for _ in range(repeats):
            started = time.perf_counter()
            pool.map(_one, docs, chunksize=16)
            pooled.append(len(docs) / (time.perf_counter() - started))
    counts = {k: outcomes.count(k) for k in ("dropped", "extracted", "rejected")}
    return {"corpus": corpus.name, "documents": len(docs), "outcomes": counts,
            "docs_per_s_1_process": round(max(single), 1), "docs_per_s_2_processes": round(max(pooled), 1),
            "target_docs_per_s": 200, "cores": os.cpu_count()}


# ---------------------------------------------------------------- memory on 1x and 10x


def _stream(path: str) -> None:
    """Child process: stream a corpus through filter + extract; print peak RSS (MiB) and counts."""
    from gem_env.stages.extract.offline import OfflineExtractor
    from gem_env.stages.filter import OfflineFilter
    from gem_env.io.corpus import with_read_errors
    from gem_env.stages.process import process_stream

    async def main() -> int:
        n = 0
        async for _ in process_stream(with_read_errors([path]), filter=OfflineFilter(),
                                      extractor=OfflineExtractor(), concurrency=16):
            n += 1
        return n

    n = asyncio.run(main())
    print(json.dumps({"documents": n, "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


def memory(corpus: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "x10.jsonl"
        with big.open("w", encoding="utf-8") as f:
            lines = corpus.read_text(encoding="utf-8").splitlines()
            for k in range(10):
                for line in lines:
                    record = json.loads(line)
                    record["id"] = f"{record.get('id')}#{k}"
                    f.write(json.dumps(record) + "\n")
        for label, path in (("x1", corpus), ("x10", big)):
            started = time.perf_counter()
            got = subprocess.run([sys.executable, __file__, "--child-stream", str(path)], capture_output=True,
                                 text=True, check=True)
            out[label] = {**json.loads(got.stdout.strip().splitlines()[-1]),
                          "seconds": round(time.perf_counter() - started, 1)}
    out["growth_mib"] = round(out["x10"]["peak_rss_mib"] - out["x1"]["peak_rss_mib"], 1)
    out["flat"] = out["growth_mib"] < 0.1 * out["x1"]["peak_rss_mib"]
    return out


# ---------------------------------------------------------------- LLM backend vs the ideal


def _serve(latency: float) -> None:
    """Child process: a fake endpoint that answers the judge and the extractor."""
    import threading

    from gem_env.stages.extract.llm import EXAMPLE_DOMAIN
    from gem_env.testing import FakeOpenAIServer, JSONReply

    judge = JSONReply({"relevant": True, "score": 0.9, "reason": "numbered steps on an order",
                       "domain": "retail", "category": "order"})
    domain = JSONReply(EXAMPLE_DOMAIN)

    def reply(body: dict) -> Any:
        return domain if body["messages"][0]["content"].startswith("You turn") else judge

    with FakeOpenAIServer(reply, latency=latency) as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


@contextmanager
def fake_server(latency: float) -> Iterator[str]:
    with subprocess.Popen([sys.executable, __file__, "--child-serve", str(latency)], stdout=subprocess.PIPE,
                          text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip()
        finally:
            process.terminate()


async def _llm_run(base_url: str, docs: list[Any], concurrency: int,
                   executor: Any = None) -> tuple[float, dict[str, int], Any]:
    from gem_env.llm import LLMClient, LLMConfig, Usage
    from gem_env.stages.extract.llm import LLMExtractor
    from gem_env.stages.filter import LLMFilter
    from gem_env.stages.process import process_stream

    client = LLMClient(LLMConfig(model="fake-model", base_url=base_url, concurrency=concurrency, timeout=30))
    counts: dict[str, int] = {}
    usage = Usage()
    started = time.perf_counter()
    async for r in process_stream(docs, filter=LLMFilter(client), extractor=LLMExtractor(client, executor=executor),
                                  concurrency=concurrency):
        counts[r.stage] = counts.get(r.stage, 0) + 1
        usage += r.usage
    seconds = time.perf_counter() - started
    await client.aclose()
    return seconds, counts, usage


def llm_throughput(n_docs: int, latency: float, concurrency: int, repeats: int = 3) -> dict[str, Any]:
    """Inline compile checks, and checks in a one-process pool (`LLMExtractor(executor=...)`)."""
    from concurrent.futures import ProcessPoolExecutor

    from gem_env.documents import Document
    from gem_env.stages.extract.llm import EXAMPLE_TEXT

    docs = [Document(id=f"d{i}", title="Cancel an order", text=f"{EXAMPLE_TEXT}\n\n(copy {i})\n")
            for i in range(n_docs)]
    out: dict[str, Any] = {"documents": n_docs, "latency_s": latency, "concurrency": concurrency,
                           "target_share_of_ideal": 0.8}
    with fake_server(latency) as url, ProcessPoolExecutor(1) as pool:
        for label, executor in (("inline_check", None), ("check_in_process_pool", pool)):
            asyncio.run(_llm_run(url, docs[: 2 * concurrency], concurrency, executor))  # warm-up
            runs = []
            for _ in range(repeats):
                seconds, counts, usage = asyncio.run(_llm_run(url, docs, concurrency, executor))
                calls_per_doc = usage.calls / len(docs)
                ideal = concurrency / (calls_per_doc * latency)
                runs.append({"seconds": round(seconds, 2), "docs_per_s": round(len(docs) / seconds, 1),
                             "ideal_docs_per_s": round(ideal, 1),
                             "share_of_ideal": round(len(docs) / seconds / ideal, 3),
                             "calls_per_doc": round(calls_per_doc, 2), "outcomes": counts})
            out[label] = {"best_share_of_ideal": max(r["share_of_ideal"] for r in runs), "runs": runs}
    return out


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child-stream":
        sys.path.insert(0, str(ROOT))
        _stream(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--child-serve":
        sys.path.insert(0, str(ROOT))
        _serve(float(sys.argv[2]))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--docs", type=int, default=256, help="documents for the LLM run")
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--skip", nargs="*", default=[], choices=["offline", "memory", "llm"])
    args = p.parse_args()
    if not args.corpus.exists():
        sys.exit(f"{args.corpus}: not found (the corpora live in ../shared/corpora)")
    report: dict[str, Any] = {}
    if "offline" not in args.skip:
        report["offline"] = offline_throughput(args.corpus)
    if "memory" not in args.skip:
        report["memory"] = memory(args.corpus)
    if "llm" not in args.skip:
        report["llm"] = llm_throughput(args.docs, args.latency, args.concurrency)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
