"""Rollouts: user ⇄ assistant (its tool calls run within its turn) over an `Episode`, then
verification."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ...agents.base import Assistant
from .episode import Episode, Limits
from .loops import is_infrastructure
from .usage import EpisodeUsage
from ...simulators.base import UserSimulator
from ..tasks import Task
from ...tools import CompiledDomain
from ...trajectory import Trajectory
from ..verify import verify


async def converse(ep: Episode, agent: Assistant) -> None:
    """user → assistant (its tool calls run) → assistant* → user … until STOP or a limit ends ``ep``.

    A plain loop: run as a LangGraph graph of the same two steps, LangGraph's own bookkeeping
    cost ~2.3 ms a turn, 94% of the framework's time and two thirds of a replayed rollout's CPU
    (`bench/rollout.py`, ``overhead``); the episode's limits already bound the loop."""
    while not ep.done:
        await ep.user_turn()
        while not ep.done and await assistant_turn(ep, agent):
            pass


async def assistant_turn(ep: Episode, agent: Assistant) -> bool:
    """The agent's next message, recorded, and its tool calls run; whether it called tools (then
    the assistant speaks again)."""
    started = time.perf_counter()
    set_tools = getattr(agent, "set_tools", None)
    if set_tools is not None:  # the tool set may change by turn (a refined task's missing tool)
        set_tools(ep.current_tools())
    try:
        message = await agent.act(ep.messages)
    except Exception as err:  # noqa: BLE001 -- LLM unavailable, a bug in the agent: end, don't crash
        ep.fail("infra_error" if is_infrastructure(err) else "agent_error", err)
        return False
    finally:
        ep.seconds["agent"] += time.perf_counter() - started
    try:
        ep.execute(message)
    except ValueError as err:
        ep.fail("agent_error", f"malformed assistant message: {err}")
    return isinstance(message, dict) and bool(message.get("tool_calls"))


async def run_rollout(task: Task, compiled: CompiledDomain, agent: Assistant, user: UserSimulator, *,
                      limits: Limits = Limits(), policy: str | None = None, id: str | None = None,
                      usage: EpisodeUsage | None = None) -> Trajectory:
    """One conversation for ``task``, every tool call executed in its own sandbox, then verified.

    ``messages`` start with the policy as the system message. ``meta`` records backends, seeds,
    why the episode ended, turns, tool calls and LLM usage: what the agent's and user's chat
    functions counted into ``usage`` (see `gem_env.backends`; zeros for offline parties). Wall
    times go to ``Trajectory.timings``, which is not part of the record.
    """
    started = time.perf_counter()
    usage = usage if usage is not None else EpisodeUsage()
    ep = Episode(task, compiled, user, max_turns=limits.max_turns, max_tool_errors=limits.max_tool_errors,
                 policy=policy, record_calls=True)
    try:
        await converse(ep, agent)
    finally:
        ep.close()
        end_conversation = getattr(agent, "end_conversation", None)
        if end_conversation is not None:  # an agent that keeps per-conversation state lets it go
            end_conversation()
    verify_started = time.perf_counter()
    verification = verify(task, ep.messages, compiled, recorded=ep.recorded_calls)
    finished = time.perf_counter()
    meta = {
        "backends": {"agent": agent.meta, "user": user.meta},
        "seeds": {"task": task.seed, "user": user.meta.get("seed")},
        "termination": ep.termination,
        "error": ep.error,
        "turns": ep.turns,
        "tool_calls": ep.tool_calls,
        "tool_errors": ep.tool_errors,
        "llm": usage.record(),
    }
    added = ep.tools.added(ep.messages)
    if added is not None:  # the record's tool list is the last turn's; before `message` these were missing
        meta["tools_added"] = added
    timings = {"total": finished - started, "sandbox": ep.seconds["sandbox"], "agent": ep.seconds["agent"],
               "user": ep.seconds["user"], "verify": finished - verify_started}
    return Trajectory(id=id or task.id, doc_id=task.doc_id, domain=task.domain, task=task.model_dump(mode="json"),
                      tools=compiled.openai_schemas(), messages=ep.messages, verification=verification, meta=meta,
                      timings=timings)


@dataclass
class RolloutJob:
    """What one rollout needs; agents and users are per job (their chat functions count into `usage`)."""

    task: Task
    compiled: CompiledDomain
    agent: Assistant
    user: UserSimulator
    limits: Limits = field(default_factory=Limits)
    id: str | None = None
    usage: EpisodeUsage | None = None


async def run_job(job: RolloutJob) -> Trajectory:
    """`run_rollout` of one job."""
    return await run_rollout(job.task, job.compiled, job.agent, job.user, limits=job.limits, id=job.id,
                             usage=job.usage)


def expected_turns(task: Task) -> int:
    """A rough count of the assistant's turns in ``task``'s episode, for scheduling: one a gold tool
    call, two a request (its reply, and a confirmation or a question)."""
    return len(task.gold_actions) + 2 * (1 + len(task.followups))


def longest_first(tasks: Sequence[Task]) -> list[int]:
    """Indices of ``tasks`` in the order to start their episodes: the longest expected first, ties in
    their own order (longest-processing-time-first scheduling). Started in job order, the last long
    episodes finish with most slots idle (the tail): on the rollout bench's 4,096 episodes of 2 to 22
    model calls at 256 in flight, that caps the share of the ideal throughput at 0.948; in this
    order at 0.989 (`bench/rollout_llm.py`, ``ideal_with_tail``)."""
    return sorted(range(len(tasks)), key=lambda i: -expected_turns(tasks[i]))


async def run_rollouts(jobs: Iterable[RolloutJob], concurrency: int = 8,
                       on_done: Callable[[Trajectory], None] | None = None) -> list[Trajectory]:
    """Run jobs with at most ``concurrency`` at once, started longest first (`longest_first`);
    trajectories in the order of ``jobs`` (each depends on its own job only). ``on_done`` (e.g. a
    progress reporter) sees each trajectory as it finishes."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    jobs = list(jobs)
    done: list[Trajectory | None] = [None] * len(jobs)
    order = iter(longest_first([job.task for job in jobs]))

    async def slot() -> None:
        for index in order:  # the slots share the iterator: each takes the next job not yet started
            done[index] = trajectory = await run_job(jobs[index])
            if on_done is not None:
                on_done(trajectory)

    await asyncio.gather(*(slot() for _ in range(min(concurrency, len(jobs)))))
    return [t for t in done if t is not None]
