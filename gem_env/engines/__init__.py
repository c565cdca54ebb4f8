"""Engines: the per-document pipeline mapped over a corpus stream, bounded and in input order.

`local` runs in this process (asyncio; the LLM extractor's compile checks in a process pool),
`ray` on a Ray cluster. See `base` for what an engine is.
"""
from __future__ import annotations

from typing import Any

from .base import Engine, WorkItem

__all__ = ["ENGINES", "Engine", "WorkItem", "make_engine"]

ENGINES = ("local", "ray")


def make_engine(name: str, cfg: Any, runtime: Any, *, concurrency: int, ray_address: str | None = None,
                refine: Any = ()) -> Engine:
    """The engine called `name`, building its pipeline(s) from `cfg` and `runtime`."""
    if name == "local":
        from .local import LocalEngine
        return LocalEngine(cfg, runtime, concurrency=concurrency, refine=refine)
    if name == "ray":
        from .ray import RayEngine
        return RayEngine(cfg, runtime, concurrency=concurrency, address=ray_address, refine=refine)
    raise ValueError(f"unknown engine {name!r} (one of {', '.join(ENGINES)})")
