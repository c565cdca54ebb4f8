"""Engines: `gem synthesize` on the local engine and on Ray (a local Ray, 2 CPUs), one JSON object.

Reports documents/s of each on the same corpus slice (tau2 banking KB, first 100 documents by
default), whether their outputs are byte-identical (every file but timings.jsonl), Ray's start-up,
and the per-document overhead Ray adds: the wall time per item of items the pipeline does nothing
with (unreadable lines), Ray minus local. Needs ../shared for the corpus (or --corpus) and Ray
(`pip install 'gem-env[ray]'`); says so and exits 0 without them.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "tau2_banking_kb_docs.jsonl"


def synthesize(corpus: Path, out: Path, limit: int, engine: str) -> float:
    from gem_env.cli import main
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["synthesize", str(corpus), "--out", str(out), "--limit", str(limit), "--engine", engine,
                     "--quiet"])
    if code != 0:
        raise SystemExit(f"gem synthesize --engine {engine} exited {code}")
    return time.perf_counter() - started


def same_outputs(a: Path, b: Path) -> bool:
    def tree(p: Path) -> dict[str, bytes]:
        return {f.relative_to(p).as_posix(): f.read_bytes() for f in sorted(p.rglob("*"))
                if f.is_file() and f.name != "timings.jsonl"}
    return tree(a) == tree(b)


def per_item_seconds(engine_name: str, n: int) -> float:
    """Wall seconds per item of `n` items that the pipeline only passes through (read rejections)."""
    from gem_env.documents import Rejection
    from gem_env.engines import WorkItem, make_engine
    from gem_env.pipeline import PipelineConfig, Runtime

    items = [WorkItem(Rejection(id=f"line:{i}", stage="read", reason="bench")) for i in range(n)]

    async def run() -> float:
        engine = make_engine(engine_name, PipelineConfig(), Runtime(cache_dir=None), concurrency=4)
        try:
            async for _ in engine.map(items[:8]):  # warm-up: actors started, code imported
                pass
            started = time.perf_counter()
            async for _ in engine.map(items):
                pass
            return (time.perf_counter() - started) / n
        finally:
            await engine.aclose()

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--items", type=int, default=400, help="pass-through items for the overhead")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(json.dumps({"skipped": f"{args.corpus} is absent (the corpora live in ../shared/corpora)"}))
        return 0
    try:
        import ray
    except ImportError:
        print(json.dumps({"skipped": "Ray is not installed: pip install 'gem-env[ray]'"}))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        local_s = synthesize(args.corpus, Path(tmp) / "local", args.limit, "local")
        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        startup_s = time.perf_counter() - started
        try:
            ray_s = synthesize(args.corpus, Path(tmp) / "ray", args.limit, "ray")
            identical = same_outputs(Path(tmp) / "local", Path(tmp) / "ray")
            overhead = per_item_seconds("ray", args.items) - per_item_seconds("local", args.items)
        finally:
            ray.shutdown()
    print(json.dumps({
        "corpus": args.corpus.name, "documents": args.limit, "cpus": 2,
        "local": {"seconds": round(local_s, 2), "docs_per_s": round(args.limit / local_s, 1)},
        "ray": {"seconds": round(ray_s, 2), "docs_per_s": round(args.limit / ray_s, 1),
                "startup_seconds": round(startup_s, 2)},
        "ray_overhead_ms_per_document": round(overhead * 1000, 2),
        "byte_identical_apart_from_timings": identical,
    }, indent=1))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
