"""`gem filter CORPUS... --out FILE`: the pipeline stopped after stage 1, one JSON verdict per document.

Each line: ``{"id", "relevant", "score", "reason", "labels"}``, in input order. Unreadable input
lines are reported on stderr (with file and line) and counted, not written. FILE is never
overwritten ('-' writes to stdout).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ..errors import GemError
from .extract import add_stage_options, stage_config
from .running import corpus_items, execute, progress_bar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("filter", help="judge which documents describe a procedure an assistant could carry out")
    p.add_argument("corpus", nargs="+", help="JSONL files, .txt/.md files, folders or globs")
    p.add_argument("--out", required=True, help="JSONL file for the verdicts ('-' for stdout); not overwritten")
    add_stage_options(p)
    p.set_defaults(handler=run)


class VerdictFile:
    """The sink of a filter run: each unit's verdict as one line, its other rejections on stderr."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.done: set[str] = set()
        self.counts = {"documents": 0, "relevant": 0, "unreadable": 0, "failed": 0}

    def write_unit(self, doc_id: str, records: dict[str, list[dict[str, Any]]], domain: Any = None) -> None:
        for v in records["verdicts.jsonl"]:
            verdict = {k: v[k] for k in ("id", "relevant", "score", "reason", "labels")}
            self.out.write(json.dumps(verdict, ensure_ascii=False) + "\n")
            self.counts["documents"] += 1
            self.counts["relevant"] += verdict["relevant"]
        if not records["verdicts.jsonl"]:
            for r in records["rejected.jsonl"]:
                self.counts["unreadable" if r["stage"] == "read" else "failed"] += 1
                print(f"gem filter: skipped {doc_id}: {r['reason']}", file=sys.stderr)
        self.done.add(doc_id)


def _open_out(out: str) -> TextIO:
    if out == "-":
        return sys.stdout
    path = Path(out)
    if path.is_dir():
        raise GemError(f"{path}: is a directory; --out takes a file")
    if path.exists():
        raise GemError(f"{path} already exists; gem filter does not overwrite it: choose a new --out or remove it")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise GemError(f"{path}: {parent} is a file, not a directory; choose another --out")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "x", encoding="utf-8")
    except OSError as err:
        raise GemError(f"{path}: cannot write: {err.strerror or err}") from None


def run(args: argparse.Namespace) -> int:
    cfg = stage_config(args, "filter")
    items = corpus_items(args)
    from ..synthesize import drive

    out = _open_out(args.out)
    sink = VerdictFile(out)
    bar = progress_bar("filter")
    on_unit = (lambda unit: bar.update(1)) if bar is not None else None
    try:
        outcome = execute(args, cfg, lambda engine: drive(items, engine, sink, on_unit=on_unit))
    finally:
        if bar is not None:
            bar.close()
        if out is not sys.stdout:
            out.close()
    c = sink.counts
    print(f"{c['documents']} documents: {c['relevant']} relevant, {c['documents'] - c['relevant']} not; "
          f"{c['unreadable']} unreadable input(s)" + (f", {c['failed']} failed" if c["failed"] else ""),
          file=sys.stderr)
    outcome.check()
    return 0
