"""The JSON bodies the fake server answers with: chat completions, their streamed chunks, refusals."""
from __future__ import annotations

import json
from typing import Any, Literal

from gem_env.testing.replies import Text, ToolCalls

StructuredSupport = Literal["accept", "reject_schema", "reject", "reject_schema_500"]
"""How the server treats ``response_format``: accept any; refuse ``json_schema`` (but take
``json_object``); refuse any ``response_format``. Refusals are HTTP 400s, as llama.cpp and older
vLLM builds answer, except ``reject_schema_500``: a 500 naming the field, as llama-cpp-python's
server answers ``json_schema``."""


def rough_tokens(text: str) -> int:
    """Rough token count: four characters a token."""
    return max(1, len(text) // 4)


def usage_of(body: dict[str, Any], reply: Text | ToolCalls) -> dict[str, int]:
    """Rough token counts of the prompt (its messages' contents, a content that is not text as its
    JSON) and of the reply. The prompt's characters are counted, not joined: a long conversation
    costs the server no copy of itself per request."""
    prompt = sum(len(c) if isinstance(c, str) else 4 if c is None else len(json.dumps(c))  # 4: "null"
                 for c in (m.get("content") for m in body.get("messages", [])))
    message = assistant_message(reply, 0)
    completion = (message["content"] or "") + (json.dumps(message["tool_calls"]) if "tool_calls" in message else "")
    prompt_tokens, completion_tokens = max(1, prompt // 4), rough_tokens(completion)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def assistant_message(reply: Text | ToolCalls, index: int) -> dict[str, Any]:
    if isinstance(reply, Text):
        return {"role": "assistant", "content": reply.content}
    calls = [
        {
            "id": f"call_{index}_{i}",
            "type": "function",
            "function": {
                "name": call.name,
                "arguments": call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments),
            },
        }
        for i, call in enumerate(reply.calls)
    ]
    return {"role": "assistant", "content": reply.content, "tool_calls": calls}


def finish_reason_of(reply: Text | ToolCalls) -> str:
    return "tool_calls" if isinstance(reply, ToolCalls) else "stop"


def completion_body(body: dict[str, Any], reply: Text | ToolCalls, index: int, model: str,
                    usage: bool = True) -> dict[str, Any]:
    completion: dict[str, Any] = {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", model),
        "choices": [
            {"index": 0, "message": assistant_message(reply, index), "finish_reason": finish_reason_of(reply), "logprobs": None}
        ],
    }
    if usage:
        completion["usage"] = usage_of(body, reply)
    return completion


def refusal_of(support: StructuredSupport, response_format: Any) -> str | None:
    """The 400 message for a ``response_format`` this server refuses, or None."""
    if not isinstance(response_format, dict) or support == "accept":
        return None
    kind = response_format.get("type")
    if support == "reject" or kind == "json_schema":
        return f"response_format type {kind!r} is not supported by this server"
    return None


def split_text(text: str, n: int) -> list[str]:
    size = max(1, -(-len(text) // max(n, 1)))
    return [text[i:i + size] for i in range(0, len(text), size)]


def chunk_bodies(body: dict[str, Any], reply: Text | ToolCalls, index: int, model: str,
            pieces: int = 1, usage: bool = True) -> list[dict[str, Any]]:
    """The same reply as a chat.completion.chunk sequence (role, content in ``pieces`` parts, tool
    calls, finish, usage)."""
    message = assistant_message(reply, index)
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    if message["content"]:
        deltas += [{"content": piece} for piece in split_text(message["content"], pieces)]
    deltas += [{"tool_calls": [{"index": i, **call}]} for i, call in enumerate(message.get("tool_calls", []))]
    head = {"id": f"chatcmpl-{index}", "object": "chat.completion.chunk", "created": 0,
            "model": body.get("model", model)}
    chunks = [{**head, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason_of(reply)}]})
    if usage and (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**head, "choices": [], "usage": usage_of(body, reply)})
    return chunks


def sse_event(chunk: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()
