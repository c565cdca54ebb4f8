"""Rollout speed (prints JSON).

- offline: rollouts per second with the scripted user and the workflow agent, one at a time and
  at concurrency 8, and the share accepted by verification;
- overhead: the framework's own time per assistant turn with instant agents (recorded
  conversations replayed), i.e. rollout time minus sandbox time (episode sandbox, tool calls and
  the verification replay) minus the agents' time. Target < 2 ms. The same loop run as a
  LangGraph graph (as rollouts were until issue 12, round 3), interleaved: what LangGraph adds;
- llm: LLM agents against the fake OpenAI server (a child process, as a real endpoint is) at
  200 ms latency and 32 and 256 in flight (`rollout_llm`): the share of the ideal throughput
  (every slot always waiting on a reply), target >= 0.9 (issue 12); beside it the ideal with its
  tail (`rollout_llm.ideal_with_tail`: the same episodes if only the model took time, so fewer are
  in flight once the jobs run out), the cap that tail puts on the share and the share of it; the
  resident memory each live episode adds, and ``cpu_budget``: the CPU of one LLM call in this
  process (the LLM layer, the rest, the cyclic GC) and in the server, against what 0.9 of the
  ideal allows each. The same chat
  requests are then sent without rollouts: that is the LLM layer's own ceiling on this machine,
  and `share_of_llm_layer_ceiling` what rollouts keep of it. ``--gc default,tuned`` runs each
  concurrency with both GC settings (`gem_env.stages.ground.gc_tuning`). ``--processes 2`` runs
  each concurrency again with the rollouts split over that many client processes
  (`gem_env.engines.processes`; keys ``llm_<c>_p<n>``): the client's CPU then spans cores.

Run: python bench/rollout.py [DOMAIN.yaml ...] [--tasks-per-domain 20] [--llm-rollouts 512] [--gc default,tuned]
     [--processes 2]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from functools import cache
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.stages.ground import rollout as rollout_module
from gem_env.stages.ground.rollout import RolloutJob, run_rollout, run_rollouts
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.tasks import Task, make_tasks
from gem_env.tools import CompiledDomain, compile_domain, load_domain

from rollout_llm import bench_llm, bench_llm_processes, serve  # bench/ is on sys.path when this runs as a script
from gem_env.stages.ground.gc_tuning import GC_MODES

ROOT = Path(__file__).resolve().parents[1]


def load(paths: list[Path], per_domain: int) -> list[tuple[CompiledDomain, Task]]:
    items = []
    for path in paths:
        compiled = compile_domain(load_domain(path))
        tasks, _ = make_tasks(compiled, per_domain=per_domain, seed=0)
        items += [(compiled, t) for t in tasks]
    return items


class ReplayAgent:
    """An instant assistant: the assistant messages of a recorded conversation, in order."""

    meta = {"backend": "replay"}

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.script = [m for m in messages if m["role"] == "assistant"]
        self.usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self.script[sum(m["role"] == "assistant" for m in messages)]


class ReplayUser(ReplayAgent):
    """An instant user: the user messages of a recorded conversation, in order."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.script = [m["content"] for m in messages if m["role"] == "user"]
        self.usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        return self.script[sum(m["role"] == "user" for m in messages)]


def offline_jobs(items: list[tuple[CompiledDomain, Task]]) -> list[RolloutJob]:
    return [RolloutJob(t, c, WorkflowAgent(c), ScriptedUser(t.scenario)) for c, t in items]


async def bench_offline(items: list[tuple[CompiledDomain, Task]], repeats: int) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"sequential": [], "concurrency_8": []}
    accepted = turns = 0
    for _ in range(repeats):
        for name, concurrency in (("sequential", 1), ("concurrency_8", 8)):
            jobs = offline_jobs(items)
            gc.collect()
            started = time.perf_counter()
            trajectories = await run_rollouts(jobs, concurrency=concurrency)
            rates[name].append(len(jobs) / (time.perf_counter() - started))
            accepted = sum(t.verification.passed for t in trajectories)
            turns = sum(t.meta["turns"] for t in trajectories)
    return {"rollouts": len(items), "accepted": accepted, "assistant_turns": turns,
            **{f"rollouts_per_s_{k}": round(statistics.median(v), 1) for k, v in rates.items()}}


class _State(TypedDict):
    episode: Any
    agent: Any
    called: bool


async def _user(state: _State) -> dict[str, Any]:
    await state["episode"].user_turn()
    return {}


async def _assistant(state: _State) -> dict[str, Any]:
    return {"called": await rollout_module.assistant_turn(state["episode"], state["agent"])}


async def _after_assistant(state: _State) -> str:  # coroutines: LangGraph runs sync routers in threads
    return END if state["episode"].done else "assistant" if state["called"] else "user"


async def _to_assistant(state: _State) -> str:
    return END if state["episode"].done else "assistant"


@cache
def langgraph_rollout() -> Any:
    """The same conversation loop as `rollout.converse`, as the LangGraph graph rollouts used to run:
    START → user → assistant (its tool calls run) → assistant* → user … → END."""
    g = StateGraph(_State)
    g.add_node("user", _user)
    g.add_node("assistant", _assistant)
    g.add_edge(START, "user")
    g.add_conditional_edges("user", _to_assistant, ["assistant", END])
    g.add_conditional_edges("assistant", _after_assistant, ["assistant", "user", END])
    return g.compile()


async def converse_in_langgraph(ep: Any, agent: Any) -> None:
    await langgraph_rollout().ainvoke({"episode": ep, "agent": agent, "called": False},
                                      {"recursion_limit": 4 * ep.limits.max_turns + 10})


async def bench_overhead(items: list[tuple[CompiledDomain, Task]], repeats: int) -> dict[str, Any]:
    """The framework's time per turn of rollouts (a plain loop) and, interleaved repeat by repeat,
    of the same loop as a LangGraph graph: the difference is what LangGraph would cost."""
    recorded = [(c, t, tr.messages) for (c, t), tr in zip(items, await run_rollouts(offline_jobs(items), 1))]
    plain_loop = rollout_module.converse
    runs: dict[str, list[tuple[float, float, float, int]]] = {"plain": [], "graph": []}
    for _ in range(repeats):
        runs["plain"].append(await framework_time(recorded))
        try:
            rollout_module.converse = converse_in_langgraph
            runs["graph"].append(await framework_time(recorded))
        finally:
            rollout_module.converse = plain_loop
    per_turn = {k: [framework / turns * 1000 for framework, _, _, turns in v] for k, v in runs.items()}
    median = {k: statistics.median(v) for k, v in per_turn.items()}
    cpu = {k: statistics.median(c for _, _, c, _ in v) for k, v in runs.items()}
    return {"rollouts": len(recorded), "assistant_turns": runs["plain"][0][3],
            "framework_ms_per_turn": round(median["plain"], 3),
            "framework_ms_per_turn_per_repeat": [round(v, 3) for v in per_turn["plain"]],
            "framework_ms_per_rollout": round(statistics.median(f / len(recorded) * 1000
                                                                for f, _, _, _ in runs["plain"]), 3),
            "replayed_rollouts_per_s": round(len(recorded) / statistics.median(w for _, w, _, _ in runs["plain"]), 1),
            "target_ms_per_turn": 2.0,
            "langgraph_framework_ms_per_turn": round(median["graph"], 3),
            "langgraph_ms_per_turn": round(median["graph"] - median["plain"], 3),
            # CPU rather than wall time: on a shared machine the wall time of a step includes waits
            "langgraph_share_of_replayed_rollout_cpu": round(1 - cpu["plain"] / cpu["graph"], 3)}


async def framework_time(recorded: list[tuple[CompiledDomain, Task, list[dict[str, Any]]]]
                         ) -> tuple[float, float, float, int]:
    """(framework seconds, wall seconds, CPU seconds, assistant turns) of replaying ``recorded`` once."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    framework = 0.0
    turns = 0
    for compiled, task, messages in recorded:
        tr = await run_rollout(task, compiled, ReplayAgent(messages), ReplayUser(messages))
        s = tr.timings
        framework += s["total"] - s["sandbox"] - s["verify"] - s["agent"] - s["user"]
        turns += tr.meta["turns"]
    return framework, time.perf_counter() - started, time.process_time() - cpu, turns


def llm_in_own_process(paths: list[Path], per_domain: int, n: int, concurrency: int, latency: float,
                       gc_mode: str, processes: int = 1) -> dict[str, Any]:
    """`bench_llm` (or `bench_llm_processes`) in a fresh process: a run's resident-memory growth
    must not start from the heap an earlier run left behind."""
    command = [sys.executable, __file__, *map(str, paths), "--tasks-per-domain", str(per_domain),
               "--latency", str(latency), "--one-llm", f"{n}:{concurrency}:{gc_mode}:{processes}"]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domains", nargs="*", type=Path,
                        help="domain files (default: examples/domains/*.yaml)")
    parser.add_argument("--tasks-per-domain", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--llm-rollouts", type=int, default=512,
                        help="enough rollouts that the last wave's tail does not dominate (128 gives ~0.72)")
    parser.add_argument("--concurrency", default="32,256", help="rollouts in flight, comma-separated")
    parser.add_argument("--skip-offline", action="store_true", help="only the LLM throughput")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--gc", default="default,tuned",
                        help=f"GC settings of the LLM runs, comma-separated ({', '.join(GC_MODES)})")
    parser.add_argument("--processes", type=int, default=1,
                        help="also run each concurrency with the rollouts split over this many client processes")
    parser.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one-llm", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = args.domains or sorted((ROOT / "examples" / "domains").glob("*.yaml"))
    if args.serve is not None:
        serve(load(paths, args.tasks_per_domain), args.serve, args.gc)
        return
    items = load(paths, args.tasks_per_domain)
    if args.one_llm is not None:
        rollouts, concurrency, mode, processes = args.one_llm.split(":")
        if int(processes) > 1:
            got = bench_llm_processes(paths, args.tasks_per_domain, int(rollouts), int(concurrency), args.latency,
                                      mode, int(processes))
        else:
            got = bench_llm(paths, items, args.tasks_per_domain, int(rollouts), int(concurrency), args.latency, mode)
        print(json.dumps(got))
        return
    out: dict[str, Any] = {"domains": [p.stem for p in paths]}
    if not args.skip_offline:
        out["offline"] = asyncio.run(bench_offline(items, args.repeats))
        out["overhead"] = asyncio.run(bench_overhead(items, args.repeats))
    for c in (int(x) for x in args.concurrency.split(",")):
        rollouts = max(args.llm_rollouts, 8 * c)  # enough waves that the last one's tail does not dominate
        for mode in args.gc.split(","):
            key = f"llm_{c}" if mode == "default" else f"llm_{c}_gc_{mode}"
            out[key] = llm_in_own_process(paths, args.tasks_per_domain, rollouts, c, args.latency, mode)
            if args.processes > 1:
                out[f"{key}_p{args.processes}"] = llm_in_own_process(paths, args.tasks_per_domain, rollouts, c,
                                                                     args.latency, mode, args.processes)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
