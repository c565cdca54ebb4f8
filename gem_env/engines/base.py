"""What an engine is: the per-document pipeline mapped over a stream, bounded and in input order.

An engine gets `WorkItem`s (an input item and the domain name the driver gave it) and yields one
`Unit` per item in input order; it never writes the run directory (the driver alone does, see
`gem_env.synthesize.drive`), so resume and byte-identical output do not depend on the engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterable, Protocol, Union

from ..documents import Document, Rejection

Item = Union[Document, Rejection]


@dataclass(frozen=True)
class WorkItem:
    item: Item
    name: str = ""  # the domain's name in this run (unique; `gem_env.synthesize.DomainNames`)


class Engine(Protocol):
    name: str

    def map(self, items: Iterable[WorkItem]) -> AsyncIterator[Any]: ...

    async def aclose(self) -> None: ...


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
