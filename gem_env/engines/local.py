"""The local engine: today's behaviour — one process, documents concurrently on asyncio (LLM-bound
work overlaps), the LLM extractor's compile checks in a process pool (`Runtime.check_workers`)."""
from __future__ import annotations

from typing import AsyncIterator, Iterable, Sequence

from ..pipeline import Pipeline, PipelineConfig, Runtime, Stage, Unit, build_pipeline
from .base import WorkItem
from .ordered import ordered_map


class LocalEngine:
    name = "local"

    def __init__(self, cfg: PipelineConfig, runtime: Runtime = Runtime(), *, concurrency: int = 4,
                 refine: Sequence[Stage] = ()) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.pipeline: Pipeline = build_pipeline(cfg, runtime, refine=refine)

    async def map(self, items: Iterable[WorkItem]) -> AsyncIterator[Unit]:
        """Each item's unit, in input order, at most `concurrency` documents in flight."""
        async for unit in ordered_map(items, lambda it: self.pipeline.run(it.item, it.name), self.concurrency):
            yield unit

    async def aclose(self) -> None:
        await self.pipeline.aclose()
