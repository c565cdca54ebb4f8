"""`gem eval TASKS`: run an agent on a task set for k trials each; pass^k, pass@k and a report."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from ..agents.base import Assistant
from ..backends import make_agent, make_task_user
from ..stages.ground.episode import Limits
from ..stages.ground.gc_tuning import EVAL_GC, rollout_gc
from ..errors import GemError
from ..evaluate import EvalSettings, build_report, format_table, run_eval, write_eval
from ..simulators.base import UserSimulator
from ..stages.tasks import Task
from ..io.rundir import check_out_path
from ..io.taskset import load_task_set
from ..progress import Progress
from ..tools import CompiledDomain
from .options import add_llm_options, llm_client


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure an agent on a task set (pass^k, pass@k)")
    p.add_argument("tasks", help="a run directory or its tasks.jsonl (domains are read from domains/ beside it)")
    p.add_argument("--out", required=True, help="new directory for the report and the trajectories")
    p.add_argument("--agent", choices=["offline", "llm"], default="offline",
                   help="offline: the workflow agent; llm: a tool-calling model (--agent-model or --model)")
    p.add_argument("--user", choices=["scripted", "llm"], default="scripted", help="user simulator")
    p.add_argument("--agent-model", default=None, help="model of an LLM agent (default: --model)")
    p.add_argument("--user-model", default=None, help="model of an LLM user (default: --model)")
    p.add_argument("--trials", type=int, default=1, help="trials per task (k of pass^k)")
    p.add_argument("--concurrency", type=int, default=8, help="episodes at once")
    p.add_argument("--limit", type=int, default=None, help="only the first N tasks")
    p.add_argument("--seed", type=int, default=0, help="seeds user simulators (per task and trial) and models")
    p.add_argument("--max-turns", type=int, default=30)
    p.add_argument("--max-tool-errors", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_llm_options(p, roles=("agent", "user"))
    p.set_defaults(handler=run, cache_dir="")  # a response cache would make every trial the same


def _check(args: argparse.Namespace) -> None:
    for name in ("trials", "concurrency", "limit", "max_turns", "max_tool_errors"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise GemError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
    out = Path(args.out)
    check_out_path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise GemError(f"{out} already exists and is not empty; choose a new --out directory")


def run(args: argparse.Namespace) -> int:
    _check(args)
    tasks, domains = load_task_set(args.tasks)
    if args.limit is not None:
        tasks = tasks[: args.limit]
    if not tasks:
        raise GemError(f"{args.tasks}: no tasks")
    domains = {name: d for name, d in domains.items() if any(t.domain == name for t in tasks)}
    agent_model = args.agent_model or args.model
    user_model = args.user_model or args.model
    agent_client = llm_client(args, model=agent_model, role="agent") if args.agent == "llm" else None
    user_client = llm_client(args, model=user_model, role="user") if args.user == "llm" else None
    backend = "workflow" if args.agent == "offline" else "llm"

    def agent(compiled: CompiledDomain, usage: Any) -> Assistant:
        return make_agent(backend, compiled, agent_client, usage=usage)

    def user(task: Task, seed: int, usage: Any) -> UserSimulator:  # a model user takes its seed from the endpoint's --seed
        return make_task_user(args.user, task, user_client, seed=seed, usage=usage)

    settings = EvalSettings(trials=args.trials, concurrency=args.concurrency, seed=args.seed,
                            limits=Limits(args.max_turns, args.max_tool_errors))
    progress = Progress("episodes", total=len(tasks) * args.trials, quiet=args.quiet)
    with progress, rollout_gc(EVAL_GC if "llm" in (args.agent, args.user) else "default"):
        trajectories, seconds = asyncio.run(run_eval(
            tasks, domains, agent, user, settings,
            on_done=lambda t: progress.advance(accepted=int(t.verification.passed),
                                               rejected=int(not t.verification.passed))))
    config = {"tasks": str(args.tasks), "agent": args.agent, "agent_model": agent_model if args.agent == "llm" else None,
              "user": args.user, "user_model": user_model if args.user == "llm" else None,
              "trials": args.trials, "concurrency": args.concurrency, "limit": args.limit, "seed": args.seed,
              "max_turns": args.max_turns, "max_tool_errors": args.max_tool_errors}
    report = build_report(trajectories, args.trials, seconds, config)
    write_eval(args.out, trajectories, domains, report)
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        print(f"gem eval: {len(tasks)} tasks x {args.trials} trials, agent {args.agent}, user {args.user}")
        print(format_table(report))
        print(f"report and trajectories in {args.out}/ (report.json, trajectories.jsonl: passed, "
              f"rejected.jsonl: failed; check with `gem verify {args.out}`)")
    return _infra_status(report)


def _infra_status(report: dict) -> int:
    """1, with one line on stderr, when some episodes ended because the endpoint failed."""
    infra, total = report["infra_errors"], sum(report["terminations"].values())
    if not infra["episodes"]:
        return 0
    why = "; ".join(f"{n}x {r}" for r, n in infra["reasons"].items())
    print(f"gem eval: {infra['episodes']} of {total} episodes ended in infra_error (the LLM endpoint failed: "
          f"{why}); they are left out of pass^k", file=sys.stderr)
    return 1
