"""`gem export RUN --format openai|sharegpt|hf|synthesizer --out DIR`: verified trajectories as training data."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import GemError
from ..io.export import FORMATS, Selection, export_run
from ..progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export accepted trajectories for training (openai, sharegpt, hf, synthesizer)")
    p.add_argument("run", help="a run directory (gem synthesize/eval --out)")
    p.add_argument("--format", required=True, choices=FORMATS,
                   help="openai: chat fine-tuning JSONL; sharegpt: LLaMA-Factory; hf: datasets.DatasetDict; "
                        "synthesizer: document -> whole-episode SFT pairs (needs --corpus)")
    p.add_argument("--corpus", nargs="+", default=(),
                   help="--format synthesizer: the corpus the run was made from (its documents are the inputs)")
    p.add_argument("--out", required=True, help="new directory for the export (one file or folder per split)")
    p.add_argument("--split", default=None,
                   help="fractions of train[,validation][,test] by domain, e.g. 0.8,0.1,0.1 (default: all train)")
    p.add_argument("--categories", default=None,
                   help="only sessions whose category or any request's kind is one of these, comma-separated")
    p.add_argument("--max-requests", type=int, default=0,
                   help="only sessions of at most N requests (1: single-request conversations; default: any)")
    p.add_argument("--min-turns", type=int, default=0, help="only conversations with at least N assistant turns")
    p.add_argument("--seed", type=int, default=0, help="seeds which domains go to which split")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=run)


def _count_lines(path: Path) -> int | None:
    """The number of trajectories to go through (for the ETA), None when unknown."""
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return sum(1 for _ in fh) or None


def run(args: argparse.Namespace) -> int:
    if args.min_turns < 0 or args.max_requests < 0:
        raise GemError("--min-turns and --max-requests must be at least 0")
    categories = frozenset(c.strip() for c in (args.categories or "").split(",") if c.strip())
    progress = Progress("records", total=_count_lines(Path(args.run) / "trajectories.jsonl"), quiet=args.quiet)
    with progress:
        summary = export_run(args.run, args.format, args.out, selection=Selection(categories, args.min_turns, args.max_requests),
                             split=args.split, seed=args.seed, overwrite=args.overwrite,
                             on_record=lambda ex: progress.advance(accepted=1), corpus=args.corpus)
    print(json.dumps(summary, indent=1))
    if not summary["selected"]:
        print("gem export: no trajectory matched (check --categories, --min-turns and --max-requests)")
    return 0
