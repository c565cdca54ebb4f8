"""Rollouts over worker processes: the same trajectories, in the same order, as one process."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import pytest

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.engines.processes import concurrency_shares, run_rollouts_in_processes
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.rollout import RolloutJob, longest_first, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.tools import compile_domain, load_domain

DOMAINS = sorted((Path(__file__).resolve().parents[1] / "examples" / "domains").glob("*.yaml"))


@asynccontextmanager
async def offline_jobs(per_domain: int) -> AsyncIterator[list[RolloutJob]]:
    """The workflow agent and the scripted user on the example domains' tasks (a picklable factory)."""
    jobs = []
    for path in DOMAINS:
        compiled = compile_domain(load_domain(path))
        tasks, _ = make_tasks(compiled, per_domain=per_domain, seed=0)
        jobs += [RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario), id=f"{t.id}.{i}")
                 for i, t in enumerate(tasks)]
    yield jobs


class SlowAgent:
    """The workflow agent, one second slower on its first turn."""

    def __init__(self, agent: WorkflowAgent) -> None:
        self.agent, self.meta, self.slept = agent, agent.meta, False

    async def act(self, messages: list[dict]) -> dict:
        if not self.slept:
            self.slept = True
            await asyncio.sleep(1.0)
        return await self.agent.act(messages)


@asynccontextmanager
async def one_slow_job_first(per_domain: int) -> AsyncIterator[list[RolloutJob]]:
    """`offline_jobs` whose first job started takes a second longer than all the others together."""
    async with offline_jobs(per_domain) as jobs:
        first = jobs[longest_first([job.task for job in jobs])[0]]
        first.agent = SlowAgent(first.agent)
        yield jobs


@asynccontextmanager
async def broken_jobs() -> AsyncIterator[list[RolloutJob]]:
    raise ValueError("no jobs today")
    yield []


def test_worker_processes_give_the_one_process_output_in_job_order() -> None:
    async def one_process() -> list[str]:
        async with offline_jobs(3) as jobs:
            return [t.model_dump_json() for t in await run_rollouts(jobs, concurrency=4)]

    expected = asyncio.run(one_process())
    run = run_rollouts_in_processes(partial(offline_jobs, 3), workers=3, concurrency=5)
    assert [t.model_dump_json() for t in run.trajectories] == expected
    assert len(expected) > 6 and len({t.id for t in run.trajectories}) == len(expected)
    assert [w.concurrency for w in run.workers] == [2, 2, 1]
    assert sum(w.jobs for w in run.workers) == len(expected)
    assert run.wall_s > 0 and run.cpu_s > 0


def test_a_worker_whose_slot_is_held_up_leaves_the_other_jobs_to_the_others() -> None:
    run = run_rollouts_in_processes(partial(one_slow_job_first, 1), workers=2, concurrency=2)
    async def one_process() -> list[str]:
        async with offline_jobs(1) as jobs:
            return [t.model_dump_json() for t in await run_rollouts(jobs, concurrency=2)]

    assert [t.model_dump_json() for t in run.trajectories] == asyncio.run(one_process())
    assert len(run.trajectories) >= 4 and len(run.trajectories) % 2 == 0  # so a fixed half each would be equal
    assert sorted(w.jobs for w in run.workers) != [len(run.trajectories) // 2] * 2  # not a fixed half each
    assert min(w.jobs for w in run.workers) >= 1


def test_a_failing_worker_raises_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="no jobs today"):
        run_rollouts_in_processes(broken_jobs, workers=2, concurrency=2)


def test_concurrency_is_split_evenly_and_never_below_one() -> None:
    assert concurrency_shares(256, 2) == [128, 128]
    assert concurrency_shares(5, 3) == [2, 2, 1]
    assert concurrency_shares(1, 2) == [1, 1]
    with pytest.raises(ValueError):
        run_rollouts_in_processes(broken_jobs, workers=0, concurrency=2)
