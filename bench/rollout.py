"""Rollout speed (prints JSON).

- offline: rollouts per second with the scripted user and the workflow agent, one at a time and
  at concurrency 8, and the share accepted by verification;
- overhead: the framework's own time per assistant turn with instant agents (recorded
  conversations replayed), i.e. rollout time minus sandbox time (episode sandbox, tool calls and
  the verification replay) minus the agents' time. Target < 2 ms. The same loop run as a
  LangGraph graph (as rollouts were until issue 12, round 3), interleaved: what LangGraph adds;
- llm: LLM agents against the fake OpenAI server (a child process, as a real endpoint is) at
  200 ms latency and 32 and 256 in flight: the share of the ideal throughput (every slot always
  waiting on a reply), target >= 0.9 (issue 12), and the resident memory each live episode adds. The same chat requests are then sent without rollouts: that is the
  LLM layer's own ceiling on this machine, and `share_of_llm_layer_ceiling` what rollouts keep of it.

Run: python bench/rollout.py [DOMAIN.yaml ...] [--tasks-per-domain 20] [--llm-rollouts 512]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from functools import cache
from typing import Any, TypedDict

from langchain_core.messages import SystemMessage
from langgraph.graph import END, START, StateGraph

from gem_env.agents.llm_agent import to_langchain
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.backends import make_agent
from gem_env.llm import LLMClient, LLMConfig
from gem_env.stages.ground import rollout as rollout_module
from gem_env.stages.ground.rollout import RolloutJob, run_rollout, run_rollouts
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.tasks import Task, make_tasks
from gem_env.testing import FakeOpenAIServer, Reply, Text, ToolCall, ToolCalls
from gem_env.tools import CompiledDomain, compile_domain, load_domain

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


# ------------------------------------------------------------------ LLM throughput


def correct_agent(items: list[tuple[CompiledDomain, Task]]):
    """A server reply function playing a correct agent: the task (found by the user's opening)'s
    gold actions one per request, then its required outputs."""
    async def openings() -> dict[str, Task]:
        return {await ScriptedUser(t.scenario).reply([]): t for _, t in items}

    by_opening = asyncio.run(openings())

    def reply(body: dict[str, Any]) -> Reply:
        messages = body["messages"]
        task = by_opening[next(m["content"] for m in messages if m["role"] == "user")]
        done = sum(m["role"] == "tool" for m in messages)
        if done < len(task.gold_actions):
            action = task.gold_actions[done]
            return ToolCalls([ToolCall(action.tool, action.arguments)])
        return Text("Done: " + "; ".join(task.required_outputs.values()) + ".")
    return reply


def serve(paths: list[Path], per_domain: int, latency: float) -> None:
    """Child process: serve the correct agent; print the base URL, then wait to be terminated."""
    with FakeOpenAIServer(correct_agent(load(paths, per_domain)), latency=latency) as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """The highest resident set size seen while the rollouts run, sampled every 20 ms."""

    def __init__(self) -> None:
        self.base = rss_bytes()
        self.peak = self.base
        self._task: asyncio.Task | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_bytes())
            await asyncio.sleep(0.02)

    def __enter__(self) -> "PeakRSS":
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, rss_bytes())


async def timed_llm(base_url: str, items: list[tuple[CompiledDomain, Task]], n: int,
                    concurrency: int) -> dict[str, Any]:
    """Wall time of ``n`` LLM-agent rollouts, then of the same chat requests sent without rollouts
    (the LLM layer's own ceiling on this machine)."""
    cfg = LLMConfig(model="fake-model", base_url=base_url, concurrency=concurrency, timeout=30)
    client = LLMClient(cfg)
    try:
        compiled, task = items[0]
        await run_rollout(task, compiled, make_agent("llm", compiled, client), ScriptedUser(task.scenario))  # warm-up
        chosen = [items[i % len(items)] for i in range(n)]
        jobs = [RolloutJob(t, c, make_agent("llm", c, client), ScriptedUser(t.scenario), id=f"{t.id}.{i}")
                for i, (c, t) in enumerate(chosen)]
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        with PeakRSS() as rss:
            trajectories = await run_rollouts(jobs, concurrency=concurrency)
        rollout_wall, rollout_cpu = time.perf_counter() - started, time.process_time() - cpu
        prompts = [([SystemMessage(tr.messages[0]["content"]), *to_langchain(tr.messages[1:i])], tr.tools)
                   for tr in trajectories for i, m in enumerate(tr.messages) if m["role"] == "assistant"]
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(client.chat(messages, tools) for messages, tools in prompts))
        layer_wall, layer_cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await client.aclose()
    return {"rollout_wall": rollout_wall, "layer_wall": layer_wall, "calls": len(prompts),
            "accepted": sum(t.verification.passed for t in trajectories),
            "rss_growth_per_live_episode_kib": round((rss.peak - rss.base) / concurrency / 1024, 1),
            "rollout_cpu_ms_per_llm_call": round(rollout_cpu / len(prompts) * 1000, 3),
            "layer_cpu_ms_per_llm_call": round(layer_cpu / len(prompts) * 1000, 3)}


def bench_llm(paths: list[Path], items: list[tuple[CompiledDomain, Task]], per_domain: int, n: int,
              concurrency: int, latency: float) -> dict[str, Any]:
    command = [sys.executable, __file__, *map(str, paths), "--tasks-per-domain", str(per_domain),
               "--serve", str(latency)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            base_url = child.stdout.readline().strip()
            got = asyncio.run(timed_llm(base_url, items, n, concurrency))
        finally:
            child.terminate()
    ideal = got["calls"] * latency / concurrency
    wall = got["rollout_wall"]
    return {"rollouts": n, "accepted": got["accepted"], "llm_calls": got["calls"], "latency_s": latency,
            "concurrency": concurrency, "wall_s": round(wall, 3), "ideal_wall_s": round(ideal, 3),
            "share_of_ideal": round(ideal / wall, 3), "rollouts_per_s": round(n / wall, 1), "target_share": 0.9,
            "rss_growth_per_live_episode_kib": got["rss_growth_per_live_episode_kib"],
            # this process's CPU per LLM call (client, rollout, sandbox, verification): one core then
            # caps the share of ideal at 1000 / cpu_ms calls/s over the ideal concurrency / latency
            "rollout_cpu_ms_per_llm_call": got["rollout_cpu_ms_per_llm_call"],
            "llm_layer_cpu_ms_per_call": got["layer_cpu_ms_per_llm_call"],
            "one_core_cap_on_share": round(min(1.0, 1000 / got["rollout_cpu_ms_per_llm_call"]
                                               / (concurrency / latency)), 3),
            "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
            "llm_layer_only_wall_s": round(got["layer_wall"], 3),
            "llm_layer_only_share_of_ideal": round(ideal / got["layer_wall"], 3),
            "share_of_llm_layer_ceiling": round(got["layer_wall"] / wall, 3)}


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
    parser.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = args.domains or sorted((ROOT / "examples" / "domains").glob("*.yaml"))
    if args.serve is not None:
        serve(paths, args.tasks_per_domain, args.serve)
        return
    items = load(paths, args.tasks_per_domain)
    out: dict[str, Any] = {"domains": [p.stem for p in paths]}
    if not args.skip_offline:
        out["offline"] = asyncio.run(bench_offline(items, args.repeats))
        out["overhead"] = asyncio.run(bench_overhead(items, args.repeats))
    for c in (int(x) for x in args.concurrency.split(",")):
        rollouts = max(args.llm_rollouts, 8 * c)  # enough waves that the last one's tail does not dominate
        out[f"llm_{c}"] = bench_llm(paths, items, args.tasks_per_domain, rollouts, c, args.latency)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
