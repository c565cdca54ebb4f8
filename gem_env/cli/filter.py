"""`gem filter CORPUS... --out FILE`: stage 1 alone, one JSON verdict per document.

Each line: ``{"id", "relevant", "score", "reason", "labels"}``, in input order. Unreadable input
lines are reported on stderr (with file and line) and counted, not written.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ..errors import GemError
from .extract import add_stage_options, iterate, verdict_record, write_line


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("filter", help="judge which documents describe a procedure an assistant could carry out")
    p.add_argument("corpus", nargs="+", help="JSONL files, .txt/.md files, folders or globs")
    p.add_argument("--out", required=True, help="JSONL file for the verdicts ('-' for stdout)")
    add_stage_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    counts = {"documents": 0, "relevant": 0, "unreadable": 0, "failed": 0}

    async def main(out) -> None:  # type: ignore[no-untyped-def]
        async for r in iterate(args, extract=False):
            if r.verdict is not None:
                counts["documents"] += 1
                counts["relevant"] += r.verdict.relevant
                write_line(out, verdict_record(r))
            elif r.rejection is not None:
                counts["unreadable" if r.rejection.stage == "read" else "failed"] += 1
                print(f"gem filter: skipped {r.rejection.id}: {r.rejection.reason}", file=sys.stderr)

    if args.out == "-":
        asyncio.run(main(sys.stdout))
    else:
        path = Path(args.out)
        if path.is_dir():
            raise GemError(f"{path}: is a directory; --out takes a file")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            asyncio.run(main(out))
    print(f"{counts['documents']} documents: {counts['relevant']} relevant, "
          f"{counts['documents'] - counts['relevant']} not; {counts['unreadable']} unreadable input(s)"
          + (f", {counts['failed']} failed" if counts["failed"] else ""), file=sys.stderr)
    return 0
