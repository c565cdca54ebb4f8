"""The `gem` command line. Each subcommand lives in its own module with `register(subparsers)`.

A user's mistake (a bad file, an unknown tool, bad JSON) ends with one line on stderr and exit
status 2; nothing a user can type should print a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import UserError

SUBCOMMANDS = ["domain", "filter", "extract", "synthesize", "refine", "verify", "eval"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gem", description="Text about doing things -> executable tool sandboxes and verified "
                                "multi-turn tool-use trajectories.",
        epilog="Start with: gem synthesize examples/corpus --out runs/demo")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as err:
        message = "; ".join(line for line in str(err).splitlines() if line.strip())
        print(f"gem: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gem: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gem domain schema FILE | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
