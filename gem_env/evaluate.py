"""Measure an agent on a task set: k trials per task, pass^k and pass@k, and where episodes go wrong.

Each trial is a rollout (`run_rollouts`: the same episode logic as synthesis and the gym env) with a
fresh agent and user simulator; the report aggregates the verified trajectories per domain and per
task category, with termination reasons, tool-error rates and costs. `write_eval` stores the run in
the run-directory layout, so `gem verify OUT` replays every verdict.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agents.base import Assistant
from .stages.ground.episode import Limits
from .passk import mean_over_tasks
from .stages.ground.rollout import RolloutJob, run_rollouts
from .llm.usage import COST_KEYS
from .stages.ground.usage import EpisodeUsage
from .io.rundir import dumps
from .simulators.base import UserSimulator
from .stages.tasks import Task
from .io.taskset import write_domains
from .tools import CompiledDomain
from .trajectory import Trajectory

AgentMaker = Callable[[CompiledDomain, EpisodeUsage], Assistant]
"""A fresh assistant for a domain, its LLM calls counted into the episode's usage."""
UserMaker = Callable[[Task, int, EpisodeUsage], UserSimulator]
"""A fresh user simulator for a task and a per-trial seed, its LLM calls counted into the episode's usage."""


@dataclass(frozen=True)
class EvalSettings:
    trials: int = 1
    concurrency: int = 8
    seed: int = 0
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if self.trials < 1 or self.concurrency < 1:
            raise ValueError("trials and concurrency must be at least 1")


def trial_seed(seed: int, task_id: str, trial: int) -> int:
    """The user simulator's seed for one trial: stable across runs, different across trials."""
    return random.Random(f"{seed}\x00{task_id}\x00{trial}").randrange(2**31)


async def run_eval(tasks: list[Task], domains: dict[str, CompiledDomain], make_agent: AgentMaker,
                   make_user: UserMaker, settings: EvalSettings,
                   on_done: Callable[[Trajectory], None] | None = None) -> tuple[list[Trajectory], float]:
    """Every task `settings.trials` times; the trajectories (task-major order) and wall seconds.

    A trajectory's id is `<task id>#<trial>`, and `meta["trial"]` holds the trial number.
    """
    def job(task: Task, trial: int) -> RolloutJob:
        usage = EpisodeUsage()
        compiled = domains[task.domain]
        return RolloutJob(task, compiled, make_agent(compiled, usage),
                          make_user(task, trial_seed(settings.seed, task.id, trial), usage), settings.limits,
                          id=f"{task.id}#{trial}", usage=usage)

    jobs = [job(task, trial) for task in tasks for trial in range(settings.trials)]
    started = time.perf_counter()
    trajectories = await run_rollouts(jobs, concurrency=settings.concurrency, on_done=on_done)
    seconds = time.perf_counter() - started
    for i, t in enumerate(trajectories):
        t.meta["trial"] = i % settings.trials
    return trajectories, seconds


# ---------------------------------------------------------------- the report


def report_ks(trials: int) -> list[int]:
    """The k reported: 1, powers of two, and the number of trials."""
    ks, k = [], 1
    while k < trials:
        ks.append(k)
        k *= 2
    return ks + [trials]


def _group(trajectories: list[Trajectory], ks: list[int]) -> dict[str, Any]:
    by_task: dict[str, list[bool]] = {}
    for t in trajectories:
        by_task.setdefault(t.task["id"], []).append(t.verification.passed)
    passed = sum(sum(v) for v in by_task.values())
    out: dict[str, Any] = {"tasks": len(by_task), "episodes": len(trajectories), "passed": passed,
                           "success_rate": passed / len(trajectories) if trajectories else 0.0}
    counts = [(len(v), sum(v)) for v in by_task.values()]
    for k in ks:
        out.update(mean_over_tasks(counts, k))
    return out


def _tool_stats(trajectories: list[Trajectory]) -> dict[str, Any]:
    calls = sum(t.meta.get("tool_calls", 0) for t in trajectories)
    errors = sum(t.meta.get("tool_errors", 0) for t in trajectories)
    invalid = 0
    for t in trajectories:
        check = next((c for c in t.verification.checks if c.name == "tool_calls_valid"), None)
        invalid += len(check.evidence or []) if check is not None else 0
    return {"calls": calls, "errors": errors, "error_rate": errors / calls if calls else 0.0,
            "invalid_calls": invalid, "invalid_rate": invalid / calls if calls else 0.0,
            "episodes_with_errors": sum(1 for t in trajectories if t.meta.get("tool_errors", 0)),
            "calls_per_episode": calls / len(trajectories) if trajectories else 0.0}


def _costs(trajectories: list[Trajectory], wall_seconds: float) -> dict[str, Any]:
    llm: dict[str, dict[str, int]] = {"agent": Counter(), "user": Counter()}  # type: ignore[dict-item]
    seconds: Counter[str] = Counter()
    for t in trajectories:
        for party in llm:
            llm[party].update((t.meta.get("llm") or {}).get(party) or {})
        seconds.update(t.timings)
    n = max(len(trajectories), 1)
    return {"llm": {party: dict(sorted(c.items())) for party, c in llm.items()},
            "seconds": {"wall": wall_seconds, "per_episode": seconds.get("total", 0.0) / n,
                        **{k: seconds[k] for k in ("agent", "user", "sandbox", "verify") if k in seconds}}}


INFRA = "infra_error"


def infra_errors(trajectories: list[Trajectory]) -> dict[str, Any]:
    """Episodes that ended because the LLM endpoint failed: how many, and why (first line of each
    error, most common first). They measure the infrastructure, not the agent."""
    failed = [t for t in trajectories if t.meta.get("termination") == INFRA]
    reasons = Counter(_reason(str(t.meta.get("error") or "unknown")) for t in failed)
    return {"episodes": len(failed), "reasons": dict(reasons.most_common())}


def _reason(error: str) -> str:
    """An endpoint error without its per-request details, so equal causes count together."""
    line = error.strip().splitlines()[0] if error.strip() else "unknown"
    reason = line.split("; last error: ", 1)[-1]
    if len(reason) <= 160:
        return reason
    end = reason.rfind(". ", 0, 160)  # whole sentences: not "... 4096 tokens. However, "
    return reason[:end + 1] if end > 40 else reason[:159].rstrip() + "…"


def build_report(trajectories: list[Trajectory], trials: int, wall_seconds: float,
                 config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The eval report: overall, per domain and per category pass^k / pass@k, terminations,
    failed checks, tool errors, costs, and each task's passes.

    Episodes that ended in ``infra_error`` (the endpoint failed) are left out of every score and
    counted apart under ``infra_errors``; terminations and costs still include them.
    """
    ks = report_ks(trials)
    everything = trajectories
    trajectories = [t for t in trajectories if t.meta.get("termination") != INFRA]

    def groups(key: Callable[[Trajectory], str]) -> dict[str, Any]:
        names = sorted({key(t) for t in trajectories})
        return {n: _group([t for t in trajectories if key(t) == n], ks) for n in names}

    per_task: dict[str, dict[str, Any]] = {}
    for t in trajectories:
        entry = per_task.setdefault(t.task["id"], {"task_id": t.task["id"], "domain": t.domain,
                                                   "category": t.task.get("category"), "trials": 0, "passed": 0,
                                                   "failed_checks": Counter()})
        entry["trials"] += 1
        entry["passed"] += t.verification.passed
        entry["failed_checks"].update(t.verification.failed)
    return {
        "config": config or {},
        "trials": trials,
        "k": ks,
        "overall": _group(trajectories, ks),
        "by_domain": groups(lambda t: t.domain),
        "by_category": groups(lambda t: str(t.task.get("category"))),
        "infra_errors": infra_errors(everything),
        "terminations": dict(Counter(str(t.meta.get("termination")) for t in everything).most_common()),
        "failed_checks": dict(Counter(c for t in trajectories for c in t.verification.failed).most_common()),
        "tool_calls": _tool_stats(trajectories),
        "costs": _costs(everything, wall_seconds),
        "tasks": [{**e, "failed_checks": dict(e["failed_checks"])} for e in per_task.values()],
    }


def format_table(report: dict[str, Any]) -> str:
    """The report as a few readable lines for a terminal."""
    ks = report["k"]
    cols = [f"pass^{k}" for k in ks] + [f"pass@{ks[-1]}"]
    names = ["all", *(f"domain {n}" for n in report["by_domain"]), *(f"category {n}" for n in report["by_category"])]
    width = min(max(map(len, names)), 48)
    lines = [f"{'':{width}} {'tasks':>6} {'episodes':>8} {'success':>8} " + " ".join(f"{c:>8}" for c in cols)]

    fewer: list[str] = []  # rows whose pass^k leaves out tasks with fewer than k scored trials

    def row(name: str, g: dict[str, Any]) -> str:
        vals = " ".join(f"{g[c]:>8.3f}" if c in g else f"{'-':>8}" for c in cols)
        success = f"{g['success_rate']:>8.1%}" if g["episodes"] else f"{'-':>8}"
        fewer.extend(f"{name} pass^{k} over {g[f'pass^{k}_tasks']} of {g['tasks']} tasks" for k in ks
                     if g.get(f"pass^{k}_tasks", g["tasks"]) < g["tasks"])
        return f"{name[:width]:{width}} {g['tasks']:>6} {g['episodes']:>8} {success} {vals}"

    lines.append(row("all", report["overall"]))
    lines += [row(f"domain {n}", g) for n, g in report["by_domain"].items()]
    lines += [row(f"category {n}", g) for n, g in report["by_category"].items()]
    if fewer:
        lines.append("averaged over fewer tasks (the others have fewer scored trials than k): " + "; ".join(fewer))
    tc, costs = report["tool_calls"], report["costs"]
    llm = {k: sum(c.get(k, 0) for c in costs["llm"].values()) for k in COST_KEYS}
    unreported = (f" (the server reported no token counts for {llm['calls_without_tokens']} of the "
                  f"{llm['calls']} calls)" if llm["calls_without_tokens"] else "")
    infra = report.get("infra_errors") or {"episodes": 0}
    if infra["episodes"]:
        lines.append(f"infrastructure errors: {infra['episodes']} episodes left out of the scores above ("
                     + "; ".join(f"{n}x {r}" for r, n in infra["reasons"].items()) + ")")
    lines += [
        "terminations: " + ", ".join(f"{k} {v}" for k, v in report["terminations"].items()),
        "failed checks: " + (", ".join(f"{k} {v}" for k, v in report["failed_checks"].items()) or "none"),
        f"tool calls: {tc['calls']} ({tc['calls_per_episode']:.1f} per episode), errors {tc['errors']} "
        f"({tc['error_rate']:.1%}), invalid (unknown tool or arguments) {tc['invalid_calls']} ({tc['invalid_rate']:.1%})",
        f"costs: {llm['calls']} LLM calls, {llm['prompt_tokens']} prompt + {llm['completion_tokens']} completion "
        f"tokens{unreported}; {costs['seconds']['wall']:.2f} s wall, {costs['seconds']['per_episode'] * 1000:.1f} ms per episode",
    ]
    return "\n".join(lines)


def write_eval(out: str | Path, trajectories: Iterable[Trajectory], domains: dict[str, CompiledDomain],
               report: dict[str, Any]) -> Path:
    """`out/` as a run directory: passed trajectories in trajectories.jsonl, failed ones in
    rejected.jsonl (with their reasons), domains/, report.json and report.txt."""
    out = Path(out)
    write_domains(out, domains)
    with (out / "trajectories.jsonl").open("w", encoding="utf-8") as ok, \
            (out / "rejected.jsonl").open("w", encoding="utf-8") as bad:
        for t in trajectories:
            record = t.model_dump(mode="json")
            if t.verification.passed:
                ok.write(dumps(record) + "\n")
            else:
                bad.write(dumps({"doc_id": t.doc_id, "stage": "verify", "reason": "failed: " + ", ".join(
                    t.verification.failed), "task": t.task["id"], "trajectory": record}) + "\n")
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.txt").write_text(format_table(report) + "\n", encoding="utf-8")
    return out
