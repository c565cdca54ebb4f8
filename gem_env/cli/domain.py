"""`gem domain check|schema|call|dump`: validate, compile and poke at a domain file."""
from __future__ import annotations

import argparse
import json
import sys

from ..errors import GemError
from ..tools import CompiledDomain, compile_domain, load_domain


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("domain", help="check, describe or call a domain file")
    dsub = p.add_subparsers(dest="domain_command", required=True, metavar="ACTION")

    check = dsub.add_parser("check", help="validate and compile; print a summary")
    check.add_argument("file")
    check.add_argument("--seed", type=int, default=None)
    check.set_defaults(handler=_check)

    schema = dsub.add_parser("schema", help="print the OpenAI tool schemas as JSON")
    schema.add_argument("file")
    schema.set_defaults(handler=_schema)

    call = dsub.add_parser("call", help="compile, run one tool call, print the result or error as JSON")
    call.add_argument("file")
    call.add_argument("tool")
    call.add_argument("--args", default="{}", help="arguments as a JSON object")
    call.add_argument("--seed", type=int, default=None)
    call.set_defaults(handler=_call)

    dump = dsub.add_parser("dump", help="write a seeded sandbox, or a trajectory's final state, to a SQLite "
                                        "file (open it with sqlite-utils or Datasette)")
    dump.add_argument("target", help="a domain file or a run directory")
    dump.add_argument("--task", default=None, help="a task or trajectory id of the run: dump its final state")
    dump.add_argument("--domain", default=None, help="the domain, when the run holds several (and no --task)")
    dump.add_argument("--out", required=True, help="the .db file to write (replaced if it exists)")
    dump.add_argument("--seed", type=int, default=None)
    dump.set_defaults(handler=_dump)


def _compile(path: str, seed: int | None = None) -> CompiledDomain:
    return compile_domain(load_domain(path), seed=seed)


def _dump(args: argparse.Namespace) -> int:
    from ..integrations.sqlite_dump import dump
    info = dump(args.target, args.out, task=args.task, domain=args.domain, seed=args.seed)
    print(json.dumps(info, indent=1, ensure_ascii=False))
    return 0


def _check(args: argparse.Namespace) -> int:
    summary = _compile(args.file, args.seed).summary()
    print(f"ok: {summary['domain']}: {len(summary['tables'])} tables, {summary['rows']} rows, "
          f"{len(summary['tools']['read']) + len(summary['tools']['write'])} tools "
          f"({len(summary['tools']['write'])} write), {len(summary['workflows'])} workflows")
    for table, n in summary["tables"].items():
        print(f"  table {table}: {n} rows")
    print(f"  read tools: {', '.join(summary['tools']['read']) or '-'}")
    print(f"  write tools: {', '.join(summary['tools']['write']) or '-'}")
    print(f"  workflows: {', '.join(summary['workflows']) or '-'}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    json.dump(_compile(args.file).openai_schemas(), sys.stdout, indent=2)
    print()
    return 0


def _call(args: argparse.Namespace) -> int:
    try:
        arguments = json.loads(args.args)
    except json.JSONDecodeError as err:
        raise GemError(f"--args is not valid JSON: {err.msg} (at character {err.pos})") from None
    if not isinstance(arguments, dict):
        raise GemError("--args must be a JSON object, e.g. '{\"order_id\": \"ORD-1\"}'")
    compiled = _compile(args.file, args.seed)
    if args.tool not in compiled.tools:
        raise GemError(f"unknown tool '{args.tool}'; tools: {', '.join(compiled.tools)}")
    result = compiled.new_sandbox().call(args.tool, arguments)
    print(json.dumps(result.as_data(), indent=2, ensure_ascii=False, default=str))
    return 0 if result.ok else 1
