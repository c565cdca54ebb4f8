"""Stages 1 and 2 for one document, and for a stream of them in input order.

`process_document` is the unit of work: filter, then (for a relevant document) extract, with the
LLM usage and wall time of both — the pipeline's stages (`gem_env.pipeline`) for a caller that
wants stages 1-2 as data rather than a run directory (benchmarks, tests, notebooks). It takes either backend of each stage: a filter has ``judge(doc)
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
from collections.abc import AsyncIterator, Iterable
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
    """Filter `doc` and, when relevant and an `extractor` is given, extract its domain: the
    pipeline's own `FilterStage` and `ExtractStage`, with an unavailable endpoint as a rejection."""
    from ..pipeline import FILES, DocState, ExtractStage, FilterStage, Unit
    from .extract.offline import domain_slug

    started = time.perf_counter()
    out = DocResult(doc_id=doc.id, document=doc if keep_document else None)
    state = DocState(doc, domain_slug(doc.id), Unit(doc.id, FILES["extract"]))
    stages = [FilterStage(filter), *([ExtractStage(_Compiling(extractor))] if extractor is not None else [])]
    stage = "filter"
    try:
        for step in stages:
            stage = step.name
            if not await step.run(state):
                break
    except LLMContextExceeded as err:  # too long for the model: this document's own rejection
        out.rejection = Rejection(id=doc.id, stage=stage, reason=str(err))
    except LLMRequestRejected:
        raise
    except LLMUnavailable as err:
        out.rejection = Rejection(id=doc.id, stage=stage, reason=f"llm unavailable: {err}")
    except Exception as err:  # one broken document must not end a corpus run
        log.debug("%s failed on %s", stage, doc.id, exc_info=True)  # the rejection says why
        out.rejection = Rejection(id=doc.id, stage=stage, reason=f"internal error: {type(err).__name__}: {err}")
    out.verdict, out.usage = state.verdict, state.usage or Usage()
    if out.rejection is None:
        if state.compiled is not None:
            out.domain = state.compiled.domain
        elif state.unit.records["rejected.jsonl"]:
            r = state.unit.records["rejected.jsonl"][0]
            out.rejection = Rejection(id=doc.id, stage=r["stage"], reason=r["reason"], detail=r.get("detail") or {})
    out.seconds = time.perf_counter() - started
    return out


class _Compiling:
    """An extractor with only ``extract``/``aextract`` seen as one that returns compiled domains."""

    def __init__(self, inner: Extractor) -> None:
        self.inner = inner
        if hasattr(inner, "aextract_compiled"):
            self.aextract_compiled = inner.aextract_compiled  # type: ignore[union-attr]
        elif hasattr(inner, "extract_compiled"):
            self.extract_compiled = inner.extract_compiled  # type: ignore[union-attr]
        elif hasattr(inner, "aextract"):
            self.aextract_compiled = self._acompile
        else:
            self.extract_compiled = self._compile

    def _compile(self, doc: Document, verdict: Verdict | None, *, name: str) -> Any:
        from .extract.offline import check_domain
        got = self.inner.extract(doc, verdict)  # type: ignore[union-attr]
        if isinstance(got, Rejection):
            return got
        compiled = check_domain(got)
        return Rejection(id=doc.id, stage="extract", reason=f"does not compile: {compiled}") \
            if isinstance(compiled, str) else compiled

    async def _acompile(self, doc: Document, verdict: Verdict | None, *, name: str) -> Any:
        from .extract.offline import check_domain
        got, usage = await self.inner.aextract(doc, verdict)  # type: ignore[union-attr]
        if isinstance(got, Rejection):
            return got, usage
        compiled = check_domain(got)
        return (Rejection(id=doc.id, stage="extract", reason=f"does not compile: {compiled}")
                if isinstance(compiled, str) else compiled), usage


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
