"""A Hugging Face ``datasets.DatasetDict``, saved with ``save_to_disk`` and as Parquet.

Columns: ``id``, ``messages`` (OpenAI messages; a missing key reads back as null), ``tools`` (the
OpenAI function schemas), ``category``, ``request_kinds``, ``domain``, ``doc_id`` and
``provenance``. A tool call's ``arguments`` is an object, not OpenAI's JSON string: chat templates
(Llama's, Qwen's, what TRL's SFT renders) are written for an object, and ``tojson`` of a string
would teach a model to write its arguments as one quoted string. Arguments, tools and provenance
are ``datasets.Json`` columns (stored as JSON text, read back as objects): their keys differ per
tool, which an Arrow struct would pad with every other tool's keys as nulls. ``OUT/`` opens with
``datasets.load_from_disk``; ``OUT/data/<split>.parquet`` with any Parquet reader (the Json columns
are text there) or ``load_dataset("parquet", data_dir=OUT + "/data")``. Needs the ``hf`` extra.
With ``datasets`` 4, which has no ``Json`` feature (the ``verifiers`` extra pins it below 4.7),
the three stay JSON text: parse ``arguments`` before a template that `tojson`s it.
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
    json_value = datasets.Json() if objects(datasets) else V("string")  # an object, else its JSON text
    call = {"id": V("string"), "type": V("string"), "function": {"name": V("string"), "arguments": json_value}}
    message = {"role": V("string"), "content": V("string"), "tool_calls": L(call), "tool_call_id": V("string")}
    return datasets.Features({
        "id": V("string"), "messages": L(message), "tools": L(json_value) if objects(datasets) else V("string"),
        "category": V("string"), "request_kinds": L(V("string")), "domain": V("string"), "doc_id": V("string"),
        "provenance": json_value,
    })


def objects(datasets: Any) -> bool:
    """Whether this ``datasets`` stores JSON objects of varying keys (its ``Json`` feature, 5.0)."""
    return hasattr(datasets, "Json")


def to_row(ex: Example, as_objects: bool = True) -> dict[str, Any]:
    text = (lambda v: v) if as_objects else (lambda v: json.dumps(v, ensure_ascii=False))
    messages = [{"role": m["role"], "content": m.get("content"),
                 "tool_calls": _calls(m.get("tool_calls")) if as_objects else m.get("tool_calls"),
                 "tool_call_id": m.get("tool_call_id")} for m in ex.messages]
    return {"id": ex.id, "messages": messages, "tools": text(ex.tools), "category": ex.category,
            "request_kinds": ex.request_kinds, "domain": ex.domain, "doc_id": ex.doc_id,
            "provenance": text(ex.provenance)}


def _calls(calls: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """OpenAI tool calls with their arguments as objects."""
    if not calls:
        return calls
    return [{**c, "function": {**c["function"], "arguments": json.loads(c["function"]["arguments"] or "{}")}}
            for c in calls]


def write(out: Path, splits: dict[str, Iterable[Example]]) -> dict[str, int]:
    datasets = _datasets()
    datasets.disable_progress_bars()  # gem's own progress reporter speaks for the export
    feats = features(datasets)
    parts = {name: datasets.Dataset.from_list([to_row(ex, objects(datasets)) for ex in items], features=feats)
             for name, items in splits.items()}
    dd = datasets.DatasetDict(parts)
    dd.save_to_disk(str(out))
    (out / "data").mkdir(exist_ok=True)
    for name, ds in parts.items():
        ds.to_parquet(str(out / "data" / f"{name}.parquet"))
    return {name: len(ds) for name, ds in parts.items()}


def to_openai(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A row's messages as OpenAI messages again (nulls Arrow added for absent keys removed,
    arguments as JSON text)."""
    out = []
    for m in row["messages"]:
        msg = {"role": m["role"], "content": m["content"]}
        if m.get("tool_calls"):
            msg["tool_calls"] = [{**c, "function": {**c["function"], "arguments": _text(c["function"]["arguments"])}}
                                 for c in m["tool_calls"]]
        if m.get("tool_call_id") is not None:
            msg["tool_call_id"] = m["tool_call_id"]
        out.append(msg)
    return out


def _text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
