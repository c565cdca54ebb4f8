"""`gem extract CORPUS... --out DIR`: the pipeline stopped after stage 2, one domain JSON per kept document.

DIR is a run directory (the layout of `gem synthesize`, `--resume` included):

DIR/domains/<name>.json   one domain per document that passed the filter and extraction
DIR/verdicts.jsonl        the filter's verdict on every document, in input order
DIR/rejected.jsonl        every input dropped on the way, with its stage and reason
DIR/manifest.json         counts per stage, config, versions, LLM costs
DIR/timings.jsonl         wall-clock seconds and LLM usage per document

The offline backend gives byte-identical files for the same input and seed (timings apart).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import GemError
from .options import stage_backends, stage_roles
from .running import add_run_options, check_run_options, corpus_items, execute, model_configs, progress_bar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="filter a corpus and extract a runnable domain from each procedure")
    p.add_argument("corpus", nargs="+", help="JSONL files, .txt/.md files, folders or globs")
    p.add_argument("--out", required=True, help="output (run) directory")
    p.add_argument("--resume", action="store_true", help="continue a killed run in --out")
    add_stage_options(p)
    p.set_defaults(handler=run)


def add_stage_options(p: argparse.ArgumentParser) -> None:
    """Options `gem filter` and `gem extract` share."""
    p.add_argument("--threshold", type=float, default=None, help="offline filter: score to keep a document")
    add_run_options(p, concurrency=16)


def stage_config(args: argparse.Namespace, stop: str) -> Any:
    from ..pipeline import PipelineConfig
    check_run_options(args)
    filter_backend, extract_backend = stage_backends(args)
    if args.threshold is not None and filter_backend not in ("offline", "banded"):
        raise GemError("--threshold applies to the offline filter only")
    return PipelineConfig(backend=args.backend, filter=args.filter_backend, extract=args.extract_backend,
                          seed=args.seed, stop=stop, threshold=args.threshold,
                          models=model_configs(args, stage_roles(args, extract=stop != "filter")))


def run(args: argparse.Namespace) -> int:
    cfg = stage_config(args, "extract")
    items = corpus_items(args)
    from ..synthesize import run_to_dir

    bar = progress_bar("extract")
    on_unit = (lambda unit: bar.update(1)) if bar is not None else None
    try:
        manifest, outcome = execute(args, cfg, lambda engine: run_to_dir(
            items, args.out, cfg, engine, resume=args.resume, on_unit=on_unit, command="extract"))
    finally:
        if bar is not None:
            bar.close()
    c = manifest["counts"]
    print(f"{c['documents']} documents: {c['relevant']} relevant, {c['domains']} domains extracted, "
          f"{c['rejected_by_stage'].get('extract', 0)} rejected at extract, {c['read_errors']} unreadable "
          f"-> {args.out}", file=sys.stderr)
    outcome.check()
    return 0
