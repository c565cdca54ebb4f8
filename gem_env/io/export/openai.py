"""OpenAI chat fine-tuning JSONL: ``{"messages": [...], "tools": [...]}`` per line.

Tool calls keep their ids and JSON-string arguments; each tool reply is a ``tool`` message with its
``tool_call_id``. Beside the two keys OpenAI reads, each line carries ``id``, ``domain``,
``category``, ``request_kinds`` and ``provenance`` (trainers that read only ``messages``/``tools``
ignore them).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from .records import Example

SUFFIX = ".jsonl"


def to_record(ex: Example) -> dict[str, Any]:
    return {"messages": ex.messages, "tools": ex.tools, "id": ex.id, "domain": ex.domain,
            "category": ex.category, "request_kinds": ex.request_kinds, "provenance": ex.provenance}


def write(out: Path, splits: dict[str, Iterable[Example]]) -> dict[str, int]:
    """``out/<split>.jsonl`` per split; the number of records written per split."""
    counts = {}
    for name, items in splits.items():
        n = 0
        with (out / f"{name}{SUFFIX}").open("w", encoding="utf-8") as fh:
            for ex in items:
                fh.write(json.dumps(to_record(ex), ensure_ascii=False) + "\n")
                n += 1
        counts[name] = n
    return counts


def read(path: Path) -> list[dict[str, Any]]:
    """The records of one exported split file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
