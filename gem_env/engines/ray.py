"""The Ray engine: the same per-document pipeline on a Ray cluster (``pip install 'gem-env[ray]'``).

Why Ray actors (tasks on long-lived workers) rather than Ray Data: a document's work is an async
function with heavy per-worker state (the stage backends, LLM clients with their connection pools
and response cache), results must come back in input order with a bound on what is in flight, and
LLM-bound documents should overlap inside a worker. An async actor per worker, built once from the
run's picklable config, does all of that with a few lines; Ray Data would turn documents into table
rows, reorder unless told not to, and add its streaming executor's start-up to every run.

Each actor rebuilds the pipeline from `PipelineConfig` and `Runtime` (no lambdas or live clients are
shipped). The driver sends `WorkItem`s and gets `Unit`s back; it alone writes the run directory.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterable, Sequence

from ..errors import GemError
from ..pipeline import PipelineConfig, Runtime, Stage, Unit, build_pipeline
from .base import WorkItem
from .ordered import ordered_map


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise GemError("--engine ray needs Ray: pip install 'gem-env[ray]'") from None
    return ray


class _Worker:
    """One Ray actor: a pipeline built in the worker process, running documents concurrently."""

    def __init__(self, cfg: dict[str, Any], runtime: Runtime, refine: Sequence[Stage]) -> None:
        self.pipeline = build_pipeline(PipelineConfig.model_validate(cfg), runtime, refine=refine)

    async def run(self, item: WorkItem) -> Unit:
        return await self.pipeline.run(item.item, item.name)

    async def close(self) -> None:
        await self.pipeline.aclose()


class RayEngine:
    name = "ray"

    def __init__(self, cfg: PipelineConfig, runtime: Runtime = Runtime(), *, concurrency: int = 4,
                 address: str | None = None, workers: int | None = None, refine: Sequence[Stage] = ()) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        ray = self.ray = _import_ray()
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        n = workers or max(1, int(ray.available_resources().get("CPU", 1)))
        per_worker = max(1, -(-concurrency // n))  # documents in flight per actor
        actor = ray.remote(num_cpus=1, max_concurrency=per_worker)(_Worker)
        self.workers = [actor.remote(cfg.model_dump(mode="json"), runtime, list(refine)) for _ in range(n)]
        self.in_flight = [0] * n
        self.concurrency = max(concurrency, n)

    async def _run(self, item: WorkItem) -> Unit:
        """The item's unit from the least busy worker; a worker (or node) lost on the way leaves the
        document unfinished, so the run stops sending work and `--resume` retries it."""
        k = min(range(len(self.workers)), key=self.in_flight.__getitem__)
        self.in_flight[k] += 1
        try:
            return await self.workers[k].run.remote(item)
        except self.ray.exceptions.RayError as err:
            return Unit(item.item.id, unfinished=f"a Ray worker failed ({type(err).__name__})")
        finally:
            self.in_flight[k] -= 1

    async def map(self, items: Iterable[WorkItem]) -> AsyncIterator[Unit]:
        """Each item's unit, in input order, at most `concurrency` documents in flight on the cluster."""
        async for unit in ordered_map(items, self._run, self.concurrency):
            yield unit

    async def aclose(self) -> None:
        for w in self.workers:
            try:
                await w.close.remote()
            finally:
                self.ray.kill(w)
        self.workers = []
