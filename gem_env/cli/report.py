"""`gem report RUN [--out report.html]`: a self-contained HTML page to look at a run."""
from __future__ import annotations

import argparse

from ..report import write_report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="one self-contained HTML page about a run (funnel, charts, trajectories)")
    p.add_argument("run", help="a run directory (gem synthesize or gem eval --out)")
    p.add_argument("--out", default=None, help="the HTML file to write (default: RUN/report.html)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = write_report(args.run, args.out)
    print(f"gem report: {path} (open it in a browser; it needs no network)")
    return 0
