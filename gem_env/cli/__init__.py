"""The `gem` command line. Each subcommand lives in its own module with `register(subparsers)`.

Only the subcommand being run is imported (`gem --help` lists them all from `SUBCOMMANDS` without
importing any): the pipeline's modules pull in LangChain, SQLite and Faker, which take a second.

A user's mistake (a bad file, an unknown tool, bad JSON) ends with one line on stderr and exit
status 2; nothing a user can type should print a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

SUBCOMMANDS = {
    "domain": "check, describe or call a domain file",
    "filter": "judge which documents describe a procedure an assistant could carry out",
    "extract": "filter a corpus and extract a runnable domain from each procedure",
    "synthesize": "text -> verified multi-turn tool-use trajectories",
    "refine": "make a run's verified tasks harder, re-ground and re-verify them",
    "verify": "replay a run's trajectories and confirm every verdict",
    "eval": "measure an agent on a task set (pass^k, pass@k)",
    "export": "export accepted trajectories for training (openai, sharegpt, hf, synthesizer)",
    "serve": "serve a domain's tools over MCP (a sandbox per client session)",
    "report": "one self-contained HTML page about a run (funnel, charts, trajectories)",
}


def _command(argv: list[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option), if any."""
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the subcommand it names is imported and fully registered."""
    parser = argparse.ArgumentParser(
        prog="gem", description="Text about doing things -> executable tool sandboxes and verified "
                                "multi-turn tool-use trajectories.",
        epilog="Start with: gem synthesize examples/corpus --out runs/demo")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _command(argv) if argv is not None else None
    for name, help_text in SUBCOMMANDS.items():
        if argv is None or name == chosen:
            importlib.import_module(f"{__name__}.{name}").register(sub)
        else:
            sub.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    from ..errors import user_error_types
    try:
        return int(args.handler(args) or 0)
    except user_error_types() as err:
        message = "; ".join(line for line in str(err).splitlines() if line.strip())
        print(f"gem: error: {message}", file=sys.stderr)
        return int(getattr(err, "exit_code", 2))
    except KeyboardInterrupt:
        print("gem: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `gem domain schema FILE | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
