"""Stages 1 and 2 for one document, and for a stream of them in input order.

`process_document` is the unit of work: filter, then (for a relevant document) extract, with the
LLM usage and wall time of both. It takes either backend of each stage: a filter has ``judge(doc)
-> Verdict`` (offline) or ``async ajudge(doc) -> (Verdict, Usage)`` (LLM); an extractor has
``extract(doc, verdict) -> Domain | Rejection`` or ``async aextract(doc, verdict) -> (Domain |
Rejection, Usage)``. A document never raises: what goes wrong becomes a `Rejection` with its stage,
except an endpoint that refuses every request (`LLMRequestRejected`: bad key, unknown model), which
ends the run.

`process_stream` runs many documents at once (asyncio, a concurrency limit) and yields their
results in input order (`ordered.ordered_map`), so outputs are byte-identical whatever finishes
first and memory stays flat whatever the corpus size.
"""
from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, Union

from ..documents import Document, Rejection, Verdict
from ..engines.ordered import ordered_map
from ..llm import Usage
from ..llm.errors import LLMContextExceeded, LLMRequestRejected, LLMUnavailable
from ..tools import Domain

log = logging.getLogger(__name__)


class SyncFilter(Protocol):
    def judge(self, doc: Document) -> Verdict: ...


class AsyncFilter(Protocol):
    async def ajudge(self, doc: Document) -> tuple[Verdict, Usage]: ...


class SyncExtractor(Protocol):
    def extract(self, doc: Document, verdict: Verdict) -> Domain | Rejection: ...


class AsyncExtractor(Protocol):
    async def aextract(self, doc: Document, verdict: Verdict) -> tuple[Domain | Rejection, Usage]: ...


Filter = Union[SyncFilter, AsyncFilter]
Extractor = Union[SyncExtractor, AsyncExtractor]


@dataclass
class DocResult:
    """What stages 1-2 made of one input item.

    Exactly one of: `domain` (extracted), `rejection` (dropped by the filter — stage ``filter`` —,
    refused by the extractor — ``extract`` —, or an unreadable input line — ``read``).
    """

    doc_id: str
    verdict: Verdict | None = None
    domain: Domain | None = None
    rejection: Rejection | None = None
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    document: Document | None = None

    @property
    def stage(self) -> str:
        """Where the item ended: ``extracted`` or the rejecting stage."""
        return "extracted" if self.domain is not None else (self.rejection.stage if self.rejection else "?")


async def process_document(doc: Document, *, filter: Filter, extractor: Extractor | None,
                           keep_document: bool = False) -> DocResult:
    """Filter `doc` and, when relevant and an `extractor` is given, extract its domain."""
    started = time.perf_counter()
    out = DocResult(doc_id=doc.id, document=doc if keep_document else None)
    stage = "filter"
    try:
        if hasattr(filter, "ajudge"):
            verdict, usage = await filter.ajudge(doc)  # type: ignore[union-attr]
            out.usage += usage or Usage()
        else:
            verdict = filter.judge(doc)  # type: ignore[union-attr]
        out.verdict = verdict
        if not verdict.relevant:
            out.rejection = Rejection(id=doc.id, stage="filter", reason=verdict.reason,
                                      detail={"score": verdict.score})
        elif extractor is not None:
            stage = "extract"
            if hasattr(extractor, "aextract"):
                got, usage = await extractor.aextract(doc, verdict)  # type: ignore[union-attr]
                out.usage += usage or Usage()
            else:
                got = extractor.extract(doc, verdict)  # type: ignore[union-attr]
            if isinstance(got, Rejection):
                out.rejection = got
            else:
                out.domain = got
    except LLMContextExceeded as err:
        out.usage += err.usage
        out.rejection = Rejection(id=doc.id, stage=stage, reason=str(err))
    except LLMRequestRejected:
        raise
    except LLMUnavailable as err:
        out.usage += err.usage  # the calls made before the failure count too
        out.rejection = Rejection(id=doc.id, stage=stage, reason=f"llm unavailable: {err}")
    except Exception as err:  # one broken document must not end a corpus run
        log.debug("%s failed on %s", stage, doc.id, exc_info=True)  # the rejection says why
        out.rejection = Rejection(id=doc.id, stage=stage, reason=f"internal error: {type(err).__name__}: {err}")
    out.seconds = time.perf_counter() - started
    return out


Item = Union[Document, Rejection]


async def process_stream(items: Iterable[Item], *, filter: Filter, extractor: Extractor | None,
                         concurrency: int = 8, buffer: int | None = None,
                         keep_document: bool = False) -> AsyncIterator[DocResult]:
    """`process_document` over `items`, up to `concurrency` at once, results in input order.

    `items` may hold `Rejection`s (unreadable input lines) in place: they pass through as results.
    """
    async def one(item: Item) -> DocResult:
        if isinstance(item, Rejection):
            return DocResult(doc_id=item.id, rejection=item)
        return await process_document(item, filter=filter, extractor=extractor, keep_document=keep_document)

    async for result in ordered_map(items, one, concurrency, buffer):
        yield result


def with_read_errors(paths: Iterable[str], *, limit: int | None = None, **fields: Any) -> Iterator[Item]:
    """The documents of `paths` (see `corpus.iter_documents`) with each unreadable line, as a
    `Rejection` of stage ``read``, in its place; at most `limit` documents."""
    from ..io.corpus import iter_documents

    pending: list[Rejection] = []
    count = 0
    for doc in iter_documents(paths, on_error=pending.append, **fields):
        if limit is not None and count >= limit:
            return
        yield from pending
        pending.clear()
        yield doc
        count += 1
    yield from pending
