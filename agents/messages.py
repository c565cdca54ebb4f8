"""Assistant messages of the offline agent, and the tool results it reads back."""
from __future__ import annotations

import json
from typing import Any

from gem_env.tools.render import tidy_stops


def say(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": tidy_stops(text)}


def call(tool: str, args: dict[str, Any], turn: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": f"call_{turn.calls_made}", "type": "function",
        "function": {"name": tool, "arguments": json.dumps(args, ensure_ascii=False)}}]}


def tool_results(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(tool, decoded result) of every answered tool call, in call order."""
    return [(tool, result) for tool, _, result in tool_calls(messages)]


def tool_calls(messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(tool, decoded arguments, decoded result) of every answered tool call, in call order."""
    replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    out = []
    for m in messages:
        for call in (m.get("tool_calls") or []) if m.get("role") == "assistant" else []:
            if call.get("id") in replies:
                fn = call.get("function") or {}
                args = _decoded(fn.get("arguments") or "{}")
                out.append((fn.get("name", ""), args if isinstance(args, dict) else {}, _decoded(replies[call["id"]])))
    return out


def _decoded(content: Any) -> Any:
    try:
        return json.loads(content)
    except (TypeError, json.JSONDecodeError):
        return content
