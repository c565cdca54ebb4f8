"""Tool calls a model wrote into its text, for servers that run without a tool-call parser.

Open models served raw (llama.cpp without ``--jinja``, vLLM without ``--tool-call-parser``) answer
with the call in the content: Hermes/Qwen ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``,
``functions.NAME: {...}``, or a bare JSON object with a name and arguments. These are turned into
real tool calls (arguments that are not a JSON object become invalid calls, kept raw so the
sandbox answers them with an error); verification judges them as any other call.
"""
from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from langchain_core.messages import AIMessage

PARSED_KEY = "tool_calls_parsed_from_text"
"""``response_metadata`` key: how many of the reply's tool calls were parsed from its text."""

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FUNCTIONS = re.compile(r"\bfunctions\.([A-Za-z_][\w.-]{0,63})\s*:?\s*(?=\{)")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)
_NAME_KEYS = ("name", "tool_name", "tool", "function")
_ARG_KEYS = ("arguments", "parameters", "args", "input", "tool_input")


def with_text_tool_calls(reply: AIMessage, tool_names: Collection[str]) -> AIMessage:
    """``reply`` with the calls written in its text made real, or ``reply`` itself when it already
    has tool calls or its text holds none."""
    if reply.tool_calls or reply.invalid_tool_calls or not may_hold_calls(reply.content):
        return reply
    calls, rest = parse_text_tool_calls(reply.content, tool_names)
    if not calls:
        return reply
    valid = [c for c in calls if c["type"] == "tool_call"]
    invalid = [c for c in calls if c["type"] == "invalid_tool_call"]
    return AIMessage(content=rest, tool_calls=valid, invalid_tool_calls=invalid, id=reply.id,
                     usage_metadata=reply.usage_metadata,
                     response_metadata={**reply.response_metadata, PARSED_KEY: len(calls)})


def may_hold_calls(content: object) -> bool:
    """Whether a reply's content could hold a call written as text: every form has a JSON object
    in it, so plain prose (most replies) is not parsed at all."""
    return isinstance(content, str) and "{" in content


def parse_text_tool_calls(text: str, tool_names: Collection[str]) -> tuple[list[dict[str, Any]], str]:
    """LangChain tool-call dicts found in ``text`` (``type`` ``tool_call`` or ``invalid_tool_call``)
    and the text left around them. A bare JSON object counts only when it names a known tool."""
    calls: list[dict[str, Any]] = []
    rest = text
    for match in list(_TAGGED.finditer(text)):
        call = _from_object(_decode(match.group(1)), None)
        if call is not None:
            calls.append(call)
            rest = rest.replace(match.group(0), "", 1)
    if not calls:
        calls, rest = _functions_form(text)
    if not calls:
        calls, rest = _bare_json(text, tool_names)
    return [{**c, "id": None} for c in calls], rest.strip()


def _functions_form(text: str) -> tuple[list[dict[str, Any]], str]:
    """``functions.NAME: {...}`` (the arguments object follows the name)."""
    calls, spans = [], []
    for match in _FUNCTIONS.finditer(text):
        try:
            args, end = json.JSONDecoder().raw_decode(text, match.end())
        except json.JSONDecodeError:
            end = _object_end(text, match.end())
            args = text[match.end():end]
        calls.append(_call(match.group(1), args))
        spans.append((match.start(), end))
    rest = text
    for start, end in reversed(spans):
        rest = rest[:start] + rest[end:]
    return calls, rest


def _bare_json(text: str, tool_names: Collection[str]) -> tuple[list[dict[str, Any]], str]:
    stripped = text.strip()
    if fenced := _FENCE.match(stripped):
        stripped = fenced.group(1).strip()
    obj = _decode(stripped)
    items = obj if isinstance(obj, list) else [obj]
    calls = [_from_object(item, tool_names) for item in items]
    if not items or any(c is None for c in calls):
        return [], text
    return [c for c in calls if c is not None], ""


def _from_object(obj: Any, tool_names: Collection[str] | None) -> dict[str, Any] | None:
    """A call from ``{"name": ..., "arguments": ...}`` and its common variants, else None."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # {"type": "function", "function": {...}}
        obj = obj["function"]
    name = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
    if not name or (tool_names is not None and name not in tool_names):
        return None
    args = next((obj[k] for k in _ARG_KEYS if k in obj), {})
    return _call(name, args)


def _call(name: str, args: Any) -> dict[str, Any]:
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as err:
            return {"name": name, "args": args, "error": f"arguments are not JSON: {err.msg}",
                    "type": "invalid_tool_call"}
    if not isinstance(args, dict):
        return {"name": name, "args": json.dumps(args), "error": "arguments are not a JSON object",
                "type": "invalid_tool_call"}
    return {"name": name, "args": args, "type": "tool_call"}


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _object_end(text: str, start: int) -> int:
    """Where an unparseable ``{...}`` ends: its matching brace, else the end of the line."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline
