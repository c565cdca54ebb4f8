"""`gem extract CORPUS... --out DIR`: stage 1 then stage 2, one domain JSON per kept document.

DIR/domains/<slug>.json   one domain per document that passed the filter and extraction
DIR/verdicts.jsonl        the filter's verdict on every document, in input order
DIR/rejected.jsonl        every input dropped on the way, with its stage and reason
DIR/manifest.json         counts per stage, backend, seed, versions

The offline backend gives byte-identical files for the same input and seed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from ..io.corpus import CorpusError
from ..errors import GemError
from ..llm import Usage
from ..llm.errors import LLMRequestRejected
from ..stages.extract.offline import domain_slug
from ..stages.process import DocResult, process_stream, with_read_errors
from ..io.corpus import corpus_files
from .options import add_corpus_options, add_llm_options, corpus_kwargs, llm_client

MANIFEST = "manifest.json"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="filter a corpus and extract a runnable domain from each procedure")
    p.add_argument("corpus", nargs="+", help="JSONL files, .txt/.md files, folders or globs")
    p.add_argument("--out", required=True, help="output directory")
    add_stage_options(p)
    p.set_defaults(handler=run)


def add_stage_options(p: argparse.ArgumentParser) -> None:
    """Options `gem filter` and `gem extract` share: backend, limits, seed, corpus fields, LLM."""
    p.add_argument("--backend", choices=["offline", "llm"], default="offline",
                   help="rules over the text (default) or a chat model")
    p.add_argument("--limit", type=int, default=None, help="at most this many documents")
    p.add_argument("--seed", type=int, default=0, help="seed of the extracted domains' data")
    p.add_argument("--concurrency", type=int, default=16, help="documents in flight (default: 16)")
    p.add_argument("--threshold", type=float, default=None, help="filter score to keep a document")
    p.add_argument("--check-workers", type=int, default=1,
                   help="llm backend: processes that compile the model's domains off the event loop "
                        "(0: in the event loop; default: 1)")
    add_corpus_options(p)
    add_llm_options(p)


@dataclass
class Stages:
    """The stage-1/2 backends the options name, and what must be closed after the run."""

    filter: Any
    extractor: Any = None
    client: Any = None
    pool: Executor | None = None

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self.pool is not None:
            self.pool.shutdown()


def make_stages(args: argparse.Namespace, *, extract: bool) -> Stages:
    if args.limit is not None and args.limit < 0:
        raise GemError("--limit must be 0 or more")
    if args.concurrency < 1:
        raise GemError("--concurrency must be at least 1")
    if args.check_workers < 0:
        raise GemError("--check-workers must be 0 or more")
    threshold = {} if args.threshold is None else {"threshold": args.threshold}
    if args.backend == "offline":
        from ..stages.extract.offline import OfflineExtractor
        from ..stages.filter import OfflineFilter
        return Stages(OfflineFilter(**threshold), OfflineExtractor(seed=args.seed) if extract else None)
    from ..stages.extract.llm import LLMExtractor
    from ..stages.filter import LLMFilter
    client = llm_client(args)
    pool = ProcessPoolExecutor(args.check_workers) if extract and args.check_workers else None
    extractor = LLMExtractor(client, seed=args.seed, executor=pool) if extract else None
    return Stages(LLMFilter(client, **threshold), extractor, client, pool)


async def iterate(args: argparse.Namespace, *, extract: bool):  # type: ignore[no-untyped-def]
    """Results of stages 1(-2) over the corpus, in input order, with a progress bar on a terminal."""
    stages = make_stages(args, extract=extract)
    items = with_read_errors(args.corpus, limit=args.limit, **corpus_kwargs(args))
    bar = _progress("extract" if extract else "filter")
    try:
        async for result in process_stream(items, filter=stages.filter, extractor=stages.extractor,
                                           concurrency=args.concurrency):
            if bar is not None:
                bar.update(1)
            yield result
    except CorpusError as err:
        raise GemError(str(err)) from None
    except LLMRequestRejected as err:
        raise GemError(str(err)) from None
    finally:
        if bar is not None:
            bar.close()
        await stages.aclose()


def _progress(desc: str) -> Any:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(desc=desc, unit="doc", file=sys.stderr, dynamic_ncols=True)


def verdict_record(result: DocResult) -> dict[str, Any]:
    v = result.verdict
    assert v is not None
    return {"id": v.id, "relevant": v.relevant, "score": v.score, "reason": v.reason, "labels": v.labels}


def write_line(f: TextIO, obj: Any) -> None:
    f.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")


def versions() -> dict[str, str]:
    out = {"gem-env": __version__, "python": platform.python_version()}
    for dist in ("pydantic", "simplemma", "faker", "langchain-openai"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def usage_record(usage: Usage, backend: str) -> dict[str, Any]:
    data = usage.model_dump()
    if backend == "offline":  # no calls; wall time would break byte-identical manifests
        data.pop("seconds")
    else:
        data["seconds"] = round(data["seconds"], 3)
    return data


def _prepare(out: Path) -> Path:
    """The output directory, emptied of a previous extract's files; refuses a foreign non-empty one."""
    if out.exists() and not out.is_dir():
        raise GemError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise GemError(f"{out}: not empty and not an extract output; choose a new or empty directory")
    domains = out / "domains"
    domains.mkdir(parents=True, exist_ok=True)
    for old in domains.glob("*.json"):
        old.unlink()
    return domains


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    corpus_files(args.corpus)  # a bad path fails here, before the output directory is made
    domains_dir = _prepare(out)
    counts = {"inputs": 0, "read_errors": 0, "documents": 0, "relevant": 0, "dropped": 0,
              "extracted": 0, "extract_rejected": 0}
    usage = Usage()
    slugs: set[str] = set()

    async def main() -> None:
        nonlocal usage
        with open(out / "verdicts.jsonl", "w", encoding="utf-8") as verdicts, \
                open(out / "rejected.jsonl", "w", encoding="utf-8") as rejected:
            async for r in iterate(args, extract=True):
                counts["inputs"] += 1
                usage += r.usage
                if r.verdict is not None:
                    counts["documents"] += 1
                    write_line(verdicts, verdict_record(r))
                    counts["relevant" if r.verdict.relevant else "dropped"] += 1
                elif r.rejection is not None and r.rejection.stage == "read":
                    counts["read_errors"] += 1
                elif r.rejection is not None and r.rejection.stage == "filter":
                    counts["documents"] += 1
                    counts["dropped"] += 1
                if r.rejection is not None:
                    write_line(rejected, r.rejection.model_dump(mode="json"))
                    if r.rejection.stage == "extract":
                        counts["extract_rejected"] += 1
                if r.domain is not None:
                    counts["extracted"] += 1
                    slug = domain_slug(r.doc_id)
                    name, n = slug, 1
                    while name in slugs:
                        n += 1
                        name = f"{slug}-{n}"
                    slugs.add(name)
                    (domains_dir / f"{name}.json").write_text(r.domain.to_json() + "\n", encoding="utf-8")

    asyncio.run(main())
    manifest = {
        "command": "extract",
        "inputs": [str(p) for p in args.corpus],
        "backend": args.backend,
        "model": args.model if args.backend == "llm" else None,
        "seed": args.seed,
        "limit": args.limit,
        "counts": counts,
        "stages": {"read": {"in": counts["inputs"], "rejected": counts["read_errors"]},
                   "filter": {"in": counts["documents"], "kept": counts["relevant"], "rejected": counts["dropped"]},
                   "extract": {"in": counts["relevant"], "kept": counts["extracted"],
                               "rejected": counts["extract_rejected"]}},
        "usage": usage_record(usage, args.backend),
        "files": {"domains": "domains/", "verdicts": "verdicts.jsonl", "rejected": "rejected.jsonl"},
        "versions": versions(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{counts['documents']} documents: {counts['relevant']} relevant, {counts['extracted']} domains "
          f"extracted, {counts['extract_rejected']} rejected at extract, {counts['read_errors']} unreadable "
          f"-> {out}", file=sys.stderr)
    return 0
