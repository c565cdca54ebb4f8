"""A Hugging Face ``datasets.DatasetDict``, saved with ``save_to_disk`` and as Parquet.

Columns: ``id``, ``messages`` (OpenAI messages; a missing key reads back as null), ``tools`` (the
OpenAI function schemas as a JSON string: their parameter objects differ per tool, which an Arrow
struct column cannot hold without padding every tool with every other tool's fields), ``category``,
``domain``, ``doc_id`` and ``provenance`` (JSON string). ``OUT/`` opens with
``datasets.load_from_disk``; ``OUT/data/<split>.parquet`` with any Parquet reader or
``load_dataset("parquet", data_dir=OUT + "/data")``. Needs the ``hf`` extra (``datasets``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ...errors import GemError
from .records import Example


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise GemError("--format hf needs the `datasets` package: pip install 'gem-env[hf]'") from None
    return datasets


def features(datasets: Any) -> Any:
    V, L = datasets.Value, datasets.List
    call = {"id": V("string"), "type": V("string"), "function": {"name": V("string"), "arguments": V("string")}}
    message = {"role": V("string"), "content": V("string"), "tool_calls": L(call), "tool_call_id": V("string")}
    return datasets.Features({
        "id": V("string"), "messages": L(message), "tools": V("string"), "category": V("string"),
        "domain": V("string"), "doc_id": V("string"), "provenance": V("string"),
    })


def to_row(ex: Example) -> dict[str, Any]:
    messages = [{"role": m["role"], "content": m.get("content"), "tool_calls": m.get("tool_calls"),
                 "tool_call_id": m.get("tool_call_id")} for m in ex.messages]
    return {"id": ex.id, "messages": messages, "tools": json.dumps(ex.tools, ensure_ascii=False),
            "category": ex.category, "domain": ex.domain, "doc_id": ex.doc_id,
            "provenance": json.dumps(ex.provenance, ensure_ascii=False)}


def write(out: Path, splits: dict[str, Iterable[Example]]) -> dict[str, int]:
    datasets = _datasets()
    datasets.disable_progress_bars()  # gem's own progress reporter speaks for the export
    feats = features(datasets)
    parts = {name: datasets.Dataset.from_list([to_row(ex) for ex in items], features=feats)
             for name, items in splits.items()}
    dd = datasets.DatasetDict(parts)
    dd.save_to_disk(str(out))
    (out / "data").mkdir(exist_ok=True)
    for name, ds in parts.items():
        ds.to_parquet(str(out / "data" / f"{name}.parquet"))
    return {name: len(ds) for name, ds in parts.items()}


def to_openai(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A row's messages as OpenAI messages again (nulls Arrow added for absent keys removed)."""
    out = []
    for m in row["messages"]:
        msg = {"role": m["role"], "content": m["content"]}
        if m.get("tool_calls"):
            msg["tool_calls"] = m["tool_calls"]
        if m.get("tool_call_id") is not None:
            msg["tool_call_id"] = m["tool_call_id"]
        out.append(msg)
    return out
