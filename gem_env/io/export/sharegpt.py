"""ShareGPT with tool calls, as LLaMA-Factory reads it (``formatting: sharegpt``).

A record is ``{"conversations": [{"from": ..., "value": ...}], "system": ..., "tools": "<JSON>"}``
with roles ``human``, ``gpt``, ``function_call`` and ``observation``; LLaMA-Factory requires human or
observation turns at even positions and gpt or function_call turns at odd ones. A function call's
value is ``{"name", "arguments"}`` as JSON (a JSON list of them for parallel calls, whose observation
is then a JSON list of the replies, in order). LLaMA-Factory has no slot for text an assistant says
beside its tool calls; that text is dropped. A conversation that cannot be laid out this way is
skipped and counted. ``dataset_info.json`` beside the split files registers them with LLaMA-Factory.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from .records import Example

SUFFIX = ".json"
EVEN = ("human", "observation")
ODD = ("gpt", "function_call")


class LayoutError(ValueError):
    """The conversation does not alternate the way LLaMA-Factory requires."""


def _call_value(calls: list[dict[str, Any]]) -> str:
    out = [{"name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"] or "{}")}
           for c in calls]
    return json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False)


def conversations(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """(system prompt, conversation turns) of OpenAI messages, or ``LayoutError``."""
    system = "\n".join(m["content"] or "" for m in messages if m["role"] == "system")
    turns: list[dict[str, str]] = []
    pending: list[str] = []  # tool replies of the current function_call
    for m in messages:
        if m["role"] == "tool":
            pending.append(m["content"] or "")
            continue
        if pending:
            turns.append({"from": "observation", "value": pending[0] if len(pending) == 1 else json.dumps(pending, ensure_ascii=False)})
            pending = []
        if m["role"] == "user":
            turns.append({"from": "human", "value": m["content"] or ""})
        elif m["role"] == "assistant" and m.get("tool_calls"):
            turns.append({"from": "function_call", "value": _call_value(m["tool_calls"])})
        elif m["role"] == "assistant":
            turns.append({"from": "gpt", "value": m["content"] or ""})
    if pending:
        turns.append({"from": "observation", "value": pending[0] if len(pending) == 1 else json.dumps(pending, ensure_ascii=False)})
    check_layout(turns)
    return system, turns


def check_layout(turns: list[dict[str, str]]) -> None:
    """LLaMA-Factory's rule: alternating, starting with a human turn, ending on the assistant."""
    if not turns or len(turns) % 2:
        raise LayoutError("a conversation needs an even number of turns ending on the assistant")
    for i, turn in enumerate(turns):
        allowed = EVEN if i % 2 == 0 else ODD
        if turn["from"] not in allowed:
            raise LayoutError(f"turn {i} is {turn['from']}, expected one of {', '.join(allowed)}")
    if turns[0]["from"] != "human":
        raise LayoutError("a conversation must start with a human turn")


def to_record(ex: Example) -> dict[str, Any]:
    system, turns = conversations(ex.messages)
    tools = [t.get("function", t) for t in ex.tools]
    return {"conversations": turns, "system": system, "tools": json.dumps(tools, ensure_ascii=False),
            "id": ex.id, "domain": ex.domain, "category": ex.category, "request_kinds": ex.request_kinds,
            "provenance": ex.provenance}


def dataset_info(names: Iterable[str]) -> dict[str, Any]:
    """LLaMA-Factory's ``dataset_info.json`` entries for the split files."""
    return {f"gem_{name}": {"file_name": f"{name}{SUFFIX}", "formatting": "sharegpt",
                           "columns": {"messages": "conversations", "system": "system", "tools": "tools"}}
            for name in names}


def write(out: Path, splits: dict[str, Iterable[Example]]) -> dict[str, Any]:
    """``out/<split>.json`` (a JSON array, as LLaMA-Factory loads it) and ``dataset_info.json``."""
    counts: dict[str, Any] = {}
    skipped: dict[str, int] = {}
    for name, items in splits.items():
        records = []
        for ex in items:
            try:
                records.append(to_record(ex))
            except LayoutError as err:
                skipped[str(err)] = skipped.get(str(err), 0) + 1
        (out / f"{name}{SUFFIX}").write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        counts[name] = len(records)
    (out / "dataset_info.json").write_text(json.dumps(dataset_info(counts), indent=1) + "\n", encoding="utf-8")
    if skipped:
        counts["skipped"] = skipped
    return counts


def read(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def to_openai(record: dict[str, Any]) -> list[dict[str, Any]]:
    """OpenAI messages back from a ShareGPT record (call ids are renumbered ``call_<n>``)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": record["system"]}] if record.get("system") else []
    ids: list[str] = []
    n = 0
    for turn in record["conversations"]:
        who, value = turn["from"], turn["value"]
        if who == "human":
            messages.append({"role": "user", "content": value})
        elif who == "gpt":
            messages.append({"role": "assistant", "content": value})
        elif who == "function_call":
            calls = json.loads(value)
            calls = calls if isinstance(calls, list) else [calls]
            ids = [f"call_{n + i}" for i in range(len(calls))]
            n += len(calls)
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": i, "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["arguments"], ensure_ascii=False)}}
                for i, c in zip(ids, calls)]})
        elif who == "observation":
            replies = json.loads(value) if len(ids) > 1 else [value]
            messages.extend({"role": "tool", "tool_call_id": i, "content": r} for i, r in zip(ids, replies))
    return messages
