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
