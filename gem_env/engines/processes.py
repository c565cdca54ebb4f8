"""Rollouts over N worker processes, each with its own event loop; trajectories in job order.

Why: one Python process runs on one core at most. LLM rollouts at a few hundred in flight need
more client CPU a second than a core has (`bench/rollout.py`, ``cpu_budget``), so past that the
share of the ideal throughput is capped by the one process, not by the model.

Jobs hold live objects (agents with LLM clients, compiled domains with their sandbox pools) that
do not cross processes, so each worker builds them itself: ``build`` is a picklable factory (a
module-level function, or a `functools.partial` of one) of an async context manager that yields
the run's full job list, the same in every process. Each worker keeps its share of
``concurrency`` in flight, and a slot that frees takes the next job not yet taken by any worker (a
counter the workers share, over the jobs longest first: `stages.ground.rollout.longest_first`), so
the workers run out of jobs together: a fixed split (worker ``k`` of ``n`` ran jobs ``k, k+n, …``)
left one worker's last long episodes running alone while the other's slots stood idle, and which
worker runs a job never changes its rollout. The parent puts
the trajectories back in job order, so the output is the one a single process gives (every
rollout depends only on its own job).

Workers start from ``spawn`` (no inherited threads or sockets), build their jobs, then wait for
each other, so `ProcessRun.wall_s` times the rollouts only, not the start-up.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import resource
import time
import traceback
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Callable

from ..stages.ground.rollout import RolloutJob, longest_first, run_job
from ..trajectory import Trajectory

JobsFactory = Callable[[], AbstractAsyncContextManager[list[RolloutJob]]]


@dataclass
class WorkerStats:
    """What one worker spent on its rollouts (after its jobs were built)."""

    jobs: int
    concurrency: int
    cpu_s: float
    started: float
    """`time.perf_counter()` when its rollouts began (system-wide monotonic on Linux)."""
    finished: float
    max_rss_growth_bytes: int
    """The worker's resident set size at its peak during its rollouts (sampled every 20 ms) minus
    its size before them."""


@dataclass
class ProcessRun:
    trajectories: list[Trajectory]
    workers: list[WorkerStats] = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        """From the first worker's start to the last worker's finish."""
        return max(w.finished for w in self.workers) - min(w.started for w in self.workers)

    @property
    def cpu_s(self) -> float:
        return sum(w.cpu_s for w in self.workers)


def concurrency_shares(concurrency: int, workers: int) -> list[int]:
    """``concurrency`` split over ``workers`` as evenly as it goes (each at least 1)."""
    base, extra = divmod(concurrency, workers)
    return [max(1, base + (k < extra)) for k in range(workers)]


def run_rollouts_in_processes(build: JobsFactory, *, workers: int, concurrency: int) -> ProcessRun:
    """The jobs ``build`` yields, run by ``workers`` spawned processes with ``concurrency`` rollouts
    in flight in all; trajectories in job order. A worker that fails raises `RuntimeError` with
    its traceback. Blocks: from async code, run it in a thread (`asyncio.to_thread`)."""
    if workers < 1 or concurrency < 1:
        raise ValueError("workers and concurrency must be at least 1")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    taken = ctx.Value("q", 0)
    """How many jobs the workers have taken so far: the next job's index."""
    shares = concurrency_shares(concurrency, workers)
    pipes, procs = [], []
    for k in range(workers):
        here, there = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(build, shares[k], taken, barrier, there), daemon=True)
        proc.start()
        there.close()
        pipes.append(here)
        procs.append(proc)
    try:
        outcomes = [_receive(pipe, proc, barrier) for pipe, proc in zip(pipes, procs)]
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
    return _merged(outcomes)


Outcome = tuple[list[tuple[int, Trajectory]], WorkerStats]
"""A worker's (job index, trajectory) pairs and its stats."""


def _receive(pipe: Connection, proc: Any, barrier: Any) -> Outcome:
    try:
        kind, payload = pipe.recv()
    except EOFError:
        barrier.abort()  # the others must not wait for it
        raise RuntimeError(f"rollout worker {proc.pid} died (exit code {proc.exitcode})") from None
    if kind == "error":
        barrier.abort()
        raise RuntimeError(f"rollout worker {proc.pid} failed:\n{payload}")
    return payload


def _merged(outcomes: list[Outcome]) -> ProcessRun:
    """The workers' trajectories in job order."""
    ordered = sorted((pair for pairs, _ in outcomes for pair in pairs), key=lambda pair: pair[0])
    return ProcessRun([t for _, t in ordered], [stats for _, stats in outcomes])


def _worker(build: JobsFactory, concurrency: int, taken: Any, barrier: Any, pipe: Connection) -> None:
    try:
        pipe.send(("ok", asyncio.run(_run_share(build, concurrency, taken, barrier))))
    except BaseException:  # noqa: BLE001 -- reported to the parent, which raises
        try:
            barrier.abort()
        finally:
            pipe.send(("error", traceback.format_exc()))
    finally:
        pipe.close()


async def _run_share(build: JobsFactory, concurrency: int, taken: Any, barrier: Any) -> Outcome:
    async with build() as jobs:
        await asyncio.to_thread(barrier.wait)
        rss_before = peak = _rss_bytes()

        async def sample() -> None:
            nonlocal peak
            while True:
                await asyncio.sleep(0.02)
                peak = max(peak, _rss_bytes())

        sampler = asyncio.get_running_loop().create_task(sample())
        started, cpu = time.perf_counter(), time.process_time()
        try:
            done = await _take_and_run(jobs, concurrency, taken)
        finally:
            sampler.cancel()
        stats = WorkerStats(len(done), concurrency, time.process_time() - cpu, started, time.perf_counter(),
                            max(peak, _rss_bytes()) - rss_before)
    return done, stats


async def _take_and_run(jobs: list[RolloutJob], concurrency: int, taken: Any) -> list[tuple[int, Trajectory]]:
    """``concurrency`` slots, each running the next job (longest first) no worker has taken until none
    is left: (job index, trajectory) of the jobs this worker ran."""
    done: list[tuple[int, Trajectory]] = []
    order = longest_first([job.task for job in jobs])

    def take() -> int:
        with taken.get_lock():  # held for an increment: no other worker waits on it for long
            index = taken.value
            taken.value = index + 1
        return index

    async def slot() -> None:
        while (taken_so_far := take()) < len(jobs):
            index = order[taken_so_far]
            done.append((index, await run_job(jobs[index])))

    await asyncio.gather(*(slot() for _ in range(concurrency)))
    return done


def _rss_bytes() -> int:
    """Resident set size now (Linux ``/proc``; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
