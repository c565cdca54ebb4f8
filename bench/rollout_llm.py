"""The LLM part of `bench/rollout.py`: LLM-agent rollouts against the fake OpenAI server (a child
process, as a real endpoint is), with where each process's CPU goes.

The served model replays the workflow agent's own conversations: for the task a conversation opens
with, the recorded assistant message at that point (`recorded_agent`). So it paces its requests
like a real agent (asks, confirms, one step at a time) and its acceptance means what the workflow
agent's does offline, while the server does only a lookup per request.
"""
from __future__ import annotations

import asyncio
import gc
import heapq
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.backends import make_agent
from gem_env.engines.processes import run_rollouts_in_processes
from gem_env.stages.ground.gc_tuning import rollout_gc
from gem_env.llm import LLMClient, LLMConfig
from gem_env.llm.plain_chat import ConversationJSON
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.rollout import RolloutJob, longest_first, run_rollout, run_rollouts
from gem_env.stages.tasks import Task, make_tasks
from gem_env.testing import FakeOpenAIServer, Reply, Text, ToolCall, ToolCalls
from gem_env.tools import CompiledDomain, compile_domain, load_domain

Items = list[tuple[CompiledDomain, Task]]
SERVED_BY = Path(__file__).with_name("rollout.py")


def recorded_agent(items: Items):
    """A server reply function playing the workflow agent: each task's offline conversation
    (workflow agent ⇄ scripted user) is recorded once; a request gets the recorded assistant
    message that follows as many assistant messages as the request holds."""
    async def record() -> dict[str, list[dict[str, Any]]]:
        script = {}
        for compiled, task in items:
            tr = await run_rollout(task, compiled, WorkflowAgent(compiled), ScriptedUser(task.scenario))
            opening = next(m["content"] for m in tr.messages if m["role"] == "user")
            script.setdefault(opening, [m for m in tr.messages if m["role"] == "assistant"])
        return script

    script = asyncio.run(record())

    async def reply(body: dict[str, Any]) -> Reply:  # a lookup: on the server's loop, no thread hop
        messages = body["messages"]
        turns = script[next(m["content"] for m in messages if m["role"] == "user")]
        done = sum(m["role"] == "assistant" for m in messages)
        if done >= len(turns):
            return Text("Is there anything else I can help you with?")
        message = turns[done]
        calls = [ToolCall(c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls") or []]
        return ToolCalls(calls, message.get("content")) if calls else Text(message.get("content") or "")
    return reply


def serve(items: Items, latency: float, gc_mode: str) -> None:
    """Child process: serve the recorded agent; print the base URL, then wait to be terminated."""
    reply = recorded_agent(items)
    with FakeOpenAIServer(reply, latency=latency, record=False) as server:
        with rollout_gc(gc_mode):
            print(server.base_url, flush=True)
            threading.Event().wait()


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


class RecordedAssistant:
    """An instant assistant: a recorded conversation's assistant messages, in order."""

    meta = {"backend": "replay"}

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.script = [m for m in messages if m["role"] == "assistant"]

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self.script[sum(m["role"] == "assistant" for m in messages)]


async def replayed(jobs: list[RolloutJob], trajectories: list[Any], server_pid: int) -> tuple[Phase, int]:
    """The same rollouts again with the assistant replayed instantly (the scripted user, sandbox
    and verification as before, no LLM layer): their CPU, and the LLM calls they stand for.
    ``phase.parts`` splits the phase's CPU by the replays' own timings (sandbox, user, verify,
    the rest): run one at a time, their wall times are in the proportions of their CPU (not
    equal to it on a loaded machine, where a step's wall time includes waits for a core)."""
    sample = list(zip(jobs, trajectories))[:REPLAYED]
    parts = dict.fromkeys(("sandbox", "user", "verify", "total"), 0.0)
    with Phase(server_pid) as phase:
        for job, tr in sample:
            again = await run_rollout(job.task, job.compiled, RecordedAssistant(tr.messages),
                                      ScriptedUser(job.task.scenario))
            for k in parts:
                parts[k] += again.timings[k]
    total = parts.pop("total")
    parts["loop"] = total - sum(parts.values())
    phase.parts = {k: phase.cpu * v / total for k, v in parts.items()} if total else {}
    return phase, sum(m["role"] == "assistant" for _, tr in sample for m in tr.messages)


REPLAYED = 128
"""Rollouts replayed without the LLM to split the client's CPU (a sample: replaying is not free)."""


class Phase:
    """Wall time, this process's CPU, its cyclic GC's CPU and the server's CPU over a ``with`` block."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.gc_cpu = 0.0
        self._gc_started = 0.0
        self.parts: dict[str, float] = {}
        """Seconds per part of the work, when the block measured them (`replayed`)."""

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.process_time()
        else:
            self.gc_cpu += time.process_time() - self._gc_started

    def __enter__(self) -> "Phase":
        gc.callbacks.append(self._on_gc)
        self.server = cpu_seconds(self.server_pid)
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        self.server = cpu_seconds(self.server_pid) - self.server
        gc.callbacks.remove(self._on_gc)


async def timed_llm(base_url: str, server_pid: int, items: Items, n: int, concurrency: int, gc_mode: str
                    ) -> tuple[Phase, Phase, tuple[Phase, int], int, float, list[Any]]:
    """``n`` LLM-agent rollouts, then the same chat requests sent without rollouts (the LLM layer's
    own ceiling on this machine): both phases, a replay without the LLM (`replayed`), the
    requests, the RSS growth and the trajectories."""
    cfg = LLMConfig(model="fake-model", base_url=base_url, concurrency=concurrency, timeout=30)
    client = LLMClient(cfg)
    try:
        compiled, task = items[0]
        await run_rollout(task, compiled, make_agent("llm", compiled, client), ScriptedUser(task.scenario))  # warm-up
        chosen = [items[i % len(items)] for i in range(n)]
        jobs = [RolloutJob(t, c, make_agent("llm", c, client), ScriptedUser(t.scenario), id=f"{t.id}.{i}")
                for i, (c, t) in enumerate(chosen)]
        gc.collect()
        with rollout_gc(gc_mode), Phase(server_pid) as rollouts, PeakRSS() as rss:
            trajectories = await run_rollouts(jobs, concurrency=concurrency)
        replay = await replayed(jobs, trajectories, server_pid)
        prompts = [(tr.messages[0]["content"], tr.messages[1:i], tr.tools)
                   for tr in trajectories for i, m in enumerate(tr.messages) if m["role"] == "assistant"]
        gc.collect()
        with rollout_gc(gc_mode), Phase(server_pid) as layer:  # the agent's (plain) path, each prompt encoded afresh
            await asyncio.gather(*(client.chat_plain(ConversationJSON(system)(messages), tools)
                                   for system, messages, tools in prompts))
    finally:
        await client.aclose()
    return rollouts, layer, replay, len(prompts), (rss.peak - rss.base) / concurrency, trajectories


@contextmanager
def served_model(paths: list[Path], per_domain: int, latency: float, gc_mode: str) -> Iterator[tuple[str, int]]:
    """The scripted model server in a process of its own: (its base URL, its pid), stopped after."""
    command = [sys.executable, str(SERVED_BY), *map(str, paths), "--tasks-per-domain", str(per_domain),
               "--serve", str(latency), "--gc", gc_mode]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            yield child.stdout.readline().strip(), child.pid
        finally:
            child.terminate()


def ideal_with_tail(trajectories: list[Any], concurrency: int, latency: float, order: list[int]) -> float:
    """The wall time of these rollouts if nothing but the model took time: each started in
    ``order`` as soon as one of ``concurrency`` slots frees, and taking ``latency`` a call. The plain
    ideal (every slot always waiting on a reply) leaves out the tail, when the jobs have run out and
    the last episodes finish with fewer in flight: with 16 waves of the bench's episodes (2 to 22
    calls) started in job order that alone caps the share of the ideal at ~0.95; the engines start
    them longest first (`longest_first`), which leaves ~0.99."""
    free = [0.0] * concurrency
    for index in order:
        calls = sum(m["role"] == "assistant" for m in trajectories[index].messages)
        heapq.heappush(free, heapq.heappop(free) + calls * latency)
    return max(free)


def tail_shares(trajectories: list[Any], ideal: float, wall: float, concurrency: int, latency: float
                ) -> dict[str, Any]:
    """`ideal_with_tail` in the engines' order and what it means for the share of the ideal; beside
    it the cap the tail would put on the share in job order."""
    with_tail = ideal_with_tail(trajectories, concurrency, latency,
                                longest_first([Task.model_validate(t.task) for t in trajectories]))
    in_job_order = ideal_with_tail(trajectories, concurrency, latency, list(range(len(trajectories))))
    return {"ideal_with_tail_wall_s": round(with_tail, 3), "tail_cap_on_share": round(ideal / with_tail, 3),
            "share_of_ideal_with_tail": round(with_tail / wall, 3),
            "tail_cap_on_share_in_job_order": round(ideal / in_job_order, 3)}


def bench_llm(paths: list[Path], items: Items, per_domain: int, n: int, concurrency: int, latency: float,
              gc_mode: str) -> dict[str, Any]:
    with served_model(paths, per_domain, latency, gc_mode) as (base_url, pid):
        rollouts, layer, replay, calls, rss, trajectories = asyncio.run(
            timed_llm(base_url, pid, items, n, concurrency, gc_mode))
    ideal = calls * latency / concurrency
    return {"rollouts": n, "accepted": sum(t.verification.passed for t in trajectories), "llm_calls": calls,
            "latency_s": latency, "concurrency": concurrency, "gc": gc_mode,
            "wall_s": round(rollouts.wall, 3), "ideal_wall_s": round(ideal, 3),
            "share_of_ideal": round(ideal / rollouts.wall, 3), "rollouts_per_s": round(n / rollouts.wall, 1),
            "target_share": 0.9, **tail_shares(trajectories, ideal, rollouts.wall, concurrency, latency),
            "rss_growth_per_live_episode_kib": round(rss / 1024, 1),
            "cpu_budget": cpu_budget(rollouts, layer, replay, calls, concurrency, latency),
            "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
            "llm_layer_only_wall_s": round(layer.wall, 3),
            "llm_layer_only_share_of_ideal": round(ideal / layer.wall, 3),
            "share_of_llm_layer_ceiling": round(layer.wall / rollouts.wall, 3)}


def cpu_budget(rollouts: Phase, layer: Phase, replay: tuple[Phase, int], calls: int, concurrency: int,
               latency: float) -> dict[str, Any]:
    """Where the CPU of one LLM call goes, in ms, against what 0.9 of the ideal allows: each process
    runs on one core at most, so 0.9 × concurrency / latency calls a second leave each side
    1000 / that ms a call (less on a machine shared with other work).

    The sandbox, user, verification and loop share is the CPU of the same rollouts replayed without
    the LLM (`replayed`); the LLM layer and agent are the rest. ``llm_layer_only_ms_per_call`` is the same requests sent again outside rollouts on the agent's
    plain path (`LLMClient.chat_plain`), each conversation encoded afresh: an upper bound for the
    layer's share."""
    per_call = 1000 / calls
    allowed = 1000 / (0.9 * concurrency / latency)
    client = rollouts.cpu * per_call
    replay_phase, replay_calls = replay
    local = replay_phase.cpu * 1000 / max(replay_calls, 1)
    server = rollouts.server * per_call
    return {
        "allowed_ms_per_call_each_side_for_0_9": round(allowed, 3),
        "client_ms_per_call": round(client, 3),
        "client_sandbox_user_verify_loop_ms_per_call": round(local, 3),
        **{f"client_{part}_ms_per_call": round(seconds * 1000 / max(replay_calls, 1), 3)
           for part, seconds in replay_phase.parts.items()},
        "client_llm_layer_and_agent_ms_per_call": round(client - local, 3),
        "client_gc_ms_per_call": round(rollouts.gc_cpu * per_call, 3),
        "client_gc_share_of_cpu": round(rollouts.gc_cpu / rollouts.cpu, 3) if rollouts.cpu else 0.0,
        "client_cores_used": round(rollouts.cpu / rollouts.wall, 3),
        "llm_layer_only_ms_per_call": round(layer.cpu * per_call, 3),
        "server_ms_per_request": round(server, 3),
        "server_cores_used": round(rollouts.server / rollouts.wall, 3),
        "one_core_cap_on_share": round(min(1.0, allowed * 0.9 / max(client, server)), 3),
    }


@asynccontextmanager
async def llm_jobs(base_url: str, paths: list[Path], per_domain: int, n: int, concurrency: int,
                   gc_mode: str) -> AsyncIterator[list[Any]]:
    """The jobs of `timed_llm`, built in a worker process (`gem_env.engines.processes`): its own
    client, one warm-up rollout, and the worker's GC setting over its rollouts."""
    items = []
    for path in paths:
        compiled = compile_domain(load_domain(path))
        items += [(compiled, t) for t in make_tasks(compiled, per_domain=per_domain, seed=0)[0]]
    client = LLMClient(LLMConfig(model="fake-model", base_url=base_url, concurrency=concurrency, timeout=30))
    try:
        compiled, task = items[0]
        await run_rollout(task, compiled, make_agent("llm", compiled, client), ScriptedUser(task.scenario))
        chosen = [items[i % len(items)] for i in range(n)]
        jobs = [RolloutJob(t, c, make_agent("llm", c, client), ScriptedUser(t.scenario), id=f"{t.id}.{i}")
                for i, (c, t) in enumerate(chosen)]
        gc.collect()
        with rollout_gc(gc_mode):
            yield jobs
    finally:
        await client.aclose()


def bench_llm_processes(paths: list[Path], per_domain: int, n: int, concurrency: int, latency: float,
                        gc_mode: str, workers: int) -> dict[str, Any]:
    """`bench_llm` with the rollouts split over ``workers`` client processes (the server in one
    more): share of the ideal, client CPU a call summed over the workers, server CPU a request
    (over the workers' start-up too: one warm-up rollout each), memory per live episode."""
    with served_model(paths, per_domain, latency, gc_mode) as (base_url, pid):
        server = cpu_seconds(pid)
        run = run_rollouts_in_processes(partial(llm_jobs, base_url, paths, per_domain, n, concurrency, gc_mode),
                                        workers=workers, concurrency=concurrency)
        server = cpu_seconds(pid) - server
    calls = sum(m["role"] == "assistant" for t in run.trajectories for m in t.messages)
    ideal = calls * latency / concurrency
    allowed = 1000 / (0.9 * concurrency / latency)
    client = run.cpu_s * 1000 / calls
    return {"rollouts": n, "accepted": sum(t.verification.passed for t in run.trajectories), "llm_calls": calls,
            "latency_s": latency, "concurrency": concurrency, "gc": gc_mode, "client_processes": workers,
            "wall_s": round(run.wall_s, 3), "ideal_wall_s": round(ideal, 3),
            "share_of_ideal": round(ideal / run.wall_s, 3), "rollouts_per_s": round(n / run.wall_s, 1),
            "target_share": 0.9, **tail_shares(run.trajectories, ideal, run.wall_s, concurrency, latency),
            "rss_growth_per_live_episode_kib": round(sum(w.max_rss_growth_bytes for w in run.workers)
                                                     / concurrency / 1024, 1),
            "cpu_budget": {
                "allowed_ms_per_call_each_process_for_0_9": round(allowed * workers, 3),
                "client_ms_per_call": round(client, 3),
                "client_cores_used": round(run.cpu_s / run.wall_s, 3),
                "client_worker_cpu_s": [round(w.cpu_s, 3) for w in run.workers],
                "server_ms_per_request": round(server * 1000 / calls, 3),
                "server_cores_used": round(server / run.wall_s, 3),
                "cores_needed_for_0_9": round(0.9 * concurrency / latency * (client + server * 1000 / calls) / 1000, 3)},
            "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}
