"""Stream documents from JSON Lines, text and markdown files, folders and glob patterns.

Files are read one at a time and JSON Lines one line at a time, so a corpus of any size runs in
flat memory. A bad line does not stop a run: it becomes a `Rejection` (stage ``read``) handed to
`on_error`, and reading goes on.
"""
from __future__ import annotations

import glob
import html
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..documents import Document, Rejection
from ..errors import GemError

JSONL_SUFFIXES = (".jsonl", ".json")
TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = JSONL_SUFFIXES + TEXT_SUFFIXES
_GLOB_CHARS = re.compile(r"[*?\[]")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)

log = logging.getLogger(__name__)


class CorpusError(GemError, ValueError):
    """A corpus path cannot be used (missing, unmatched pattern, unsupported file type)."""


def iter_documents(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    text_field: str = "text",
    id_field: str = "id",
    title_field: str = "title",
    on_error: Callable[[Rejection], None] | None = None,
) -> Iterator[Document]:
    """Yield every document under `paths`, in a deterministic order, with run-unique ids.

    All paths are resolved before the first document is yielded, so a missing path fails fast with
    `CorpusError`. A record without an id gets ``{file-stem}:{line}``; a repeated id gets a ``#2``
    (``#3``...) suffix. Malformed lines go to `on_error` (logged as warnings when it is None).
    """
    report = on_error or (lambda r: log.warning("%s", r.reason))
    files = corpus_files(paths)
    seen: dict[str, int] = {}
    for path, rel in files:
        if path.suffix.lower() in JSONL_SUFFIXES:
            docs = _read_jsonl(path, text_field, id_field, title_field, report)
        else:
            docs = _read_text(path, rel, report)
        for doc in docs:
            doc.id = _unique(doc.id, seen)
            yield doc


def with_read_errors(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str], *, limit: int | None = None,
                     **fields: Any) -> Iterator[Document | Rejection]:
    """The documents of `paths` (see `iter_documents`) with each unreadable line, as a `Rejection`
    of stage ``read``, in its place; at most `limit` documents."""
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


def corpus_files(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[tuple[Path, str]]:
    """The files `paths` name, each with its id-friendly relative path; `CorpusError` if one is unusable.
    One path alone is taken as it is (a string is no list of one-letter paths, "/" among them)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [f for p in paths for f in _resolve(str(p))]


def _resolve(spec: str) -> list[tuple[Path, str]]:
    """Files of one path argument, each with its id-friendly path relative to the argument."""
    path = Path(spec)
    if path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise CorpusError(f"{spec}: unsupported file type (expected one of {', '.join(SUFFIXES)})")
        return [(path, path.name)]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        return [(p, p.relative_to(path).as_posix()) for p in files]
    if _GLOB_CHARS.search(spec):
        root = Path(os.path.dirname(_GLOB_CHARS.split(spec, maxsplit=1)[0]))
        hits = sorted(Path(p) for p in glob.glob(spec, recursive=True))
        files = [p for p in hits if p.is_file() and p.suffix.lower() in SUFFIXES]
        if not files:
            raise CorpusError(f"{spec}: no corpus files match this pattern")
        return [(p, _relative(p, root)) for p in files]
    raise CorpusError(f"{spec}: no such file or directory")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _unique(doc_id: str, seen: dict[str, int]) -> str:
    n = seen.get(doc_id, 0) + 1
    seen[doc_id] = n
    return doc_id if n == 1 else _unique(f"{doc_id}#{n}", seen)


def _read_text(path: Path, rel: str, report: Callable[[Rejection], None]) -> Iterator[Document]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        report(Rejection(id=rel, stage="read", reason=f"{path}: cannot read: {err}", detail={"file": str(path)}))
        return
    if not text.strip():
        report(Rejection(id=rel, stage="read", reason=f"{path}: empty text", detail={"file": str(path)}))
        return
    heading = _HEADING.search(text)
    yield Document(id=rel, text=text, title=heading.group(1) if heading else path.stem, source=str(path))


def _read_jsonl(
    path: Path, text_field: str, id_field: str, title_field: str, report: Callable[[Rejection], None]
) -> Iterator[Document]:
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            fallback_id = f"{path.stem}:{lineno}"
            record, problem = _parse_line(raw, text_field)
            if problem:
                rid = str(record.get(id_field)) if record and record.get(id_field) is not None else fallback_id
                report(Rejection(id=rid, stage="read", reason=f"{path}:{lineno}: {problem}",
                                 detail={"file": str(path), "line": lineno}))
                continue
            assert record is not None
            doc_id = record.get(id_field)
            title = record.get(title_field)
            reserved = {text_field, id_field, title_field, "source", "license"}
            yield Document(
                id=fallback_id if doc_id is None or doc_id == "" else str(doc_id),
                text=unescaped(record[text_field]),
                title=unescaped(title) if isinstance(title, str) else "",
                source=str(record.get("source") or ""),
                license=str(record.get("license") or ""),
                meta={k: v for k, v in record.items() if k not in reserved},
            )


#: what only an HTML escaper writes for a quote: a character reference for the apostrophe, or for
#: double quotes in a text that has none written plainly
_ESCAPED = re.compile(r"&#(?:x27|39);")


def unescaped(text: str) -> str:
    """A text a scraper left HTML-escaped ("the dog&#x27;s mouth", OpenPI's wikiHow pages) as it
    reads; it was said so to the customer. A text that writes entities as its subject ("&lt;a1&gt;",
    a manual's table of "&quot; -> \"") and has plain quotes is left as it is."""
    if _ESCAPED.search(text) or "&quot;" in text and '"' not in text:
        return html.unescape(text)
    return text


def _parse_line(raw: bytes, text_field: str) -> tuple[dict[str, Any] | None, str]:
    """The record of one line and "" , or what is wrong with it."""
    try:
        record = json.loads(raw)
    except UnicodeDecodeError as err:
        return None, f"not UTF-8: {err.reason}"
    except json.JSONDecodeError as err:
        return None, f"bad JSON: {err.msg} (column {err.colno})"
    if not isinstance(record, dict):
        return None, f"not a JSON object (got {type(record).__name__})"
    text = record.get(text_field)
    if text_field not in record:
        return record, f"missing text field {text_field!r}"
    if not isinstance(text, str):
        return record, f"text field {text_field!r} is not a string"
    if not text.strip():
        return record, f"empty text field {text_field!r}"
    return record, ""
