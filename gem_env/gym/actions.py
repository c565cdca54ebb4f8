"""Turn an action (the assistant's next message, as a dict or a JSON string) into an OpenAI message.

Accepted forms::

    {"content": "text"}
    {"content": "...", "tool_calls": [{"name": "get_order", "arguments": {"order_id": "A1"}}]}
    {"role": "assistant", "content": null,
     "tool_calls": [{"id": "call_1", "type": "function",
                     "function": {"name": "get_order", "arguments": "{\\"order_id\\": \\"A1\\"}"}}]}

What cannot be read as a message (malformed JSON, not an object, a call without a name, nothing to
say) raises `ActionError`. A call of an unknown tool or with wrong arguments is still a message: the
sandbox answers it with an error, as it would for a model in a rollout.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..stages.ground.episode import unique_call_id
from ..tools.tables import json_encoder

_ENCODE = json_encoder((", ", ": "))
"""`json.dumps(value, ensure_ascii=False)` without building an encoder per call."""
_string = json.encoder.encode_basestring  # what `_ENCODE` writes for a str


def _arguments_text(args: Any) -> str:
    """`_ENCODE(args)`; an object of one string value (most calls: an id) written directly, in a
    third of the time the C encoder takes to set up."""
    if type(args) is dict and len(args) == 1:
        for key, value in args.items():
            if type(key) is str and type(value) is str:
                return f"{{{_string(key)}: {_string(value)}}}"
    return _ENCODE({} if args is None else args)


class ActionError(ValueError):
    """An action that is not an assistant message; the message says what is wrong."""


def _content(value: Any) -> str | None:
    """Content parts joined into one text (a string or None is taken as it is, before the call)."""
    if isinstance(value, list):  # OpenAI content parts
        texts = [p.get("text") for p in value if isinstance(p, Mapping) and p.get("type") == "text"]
        if len(texts) == len(value) and all(isinstance(t, str) for t in texts):
            return "".join(texts)  # type: ignore[arg-type]
    raise ActionError("'content' must be a string, null, or a list of text parts")


def _tool_call(i: int, raw: Any, id_prefix: str) -> dict[str, Any]:
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise ActionError(f"tool_calls[{i}] must be an object")
    fn = raw.get("function", raw)
    if fn is not raw and type(fn) is not dict and not isinstance(fn, Mapping):
        raise ActionError(f"tool_calls[{i}].function must be an object")
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise ActionError(f"tool_calls[{i}] needs a 'name' (a non-empty string)")
    args = fn.get("arguments", {})
    if not isinstance(args, str):  # a string goes to the sandbox as it is, even if it is not JSON
        try:
            args = _arguments_text(args)
        except (TypeError, ValueError) as err:
            raise ActionError(f"tool_calls[{i}].arguments cannot be written as JSON: {err}") from None
    call_id = raw.get("id")
    if call_id is None:
        call_id = f"{id_prefix}_{i}"
    elif not isinstance(call_id, str) or not call_id:
        raise ActionError(f"tool_calls[{i}].id must be a non-empty string")
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def parse_action(action: Any, *, id_prefix: str = "call", used_ids: set[str] | None = None) -> dict[str, Any]:
    """The OpenAI assistant message of an action; calls without an id get `{id_prefix}_{i}`.

    With `used_ids` (an episode's call ids so far) the message is what `Episode.execute_normal`
    records: an id already used is renamed (`unique_call_id`), each id is added to `used_ids`
    (only once the action is known to be a message), and an empty text beside calls is null."""
    if type(action) is not dict:  # (a dict first: the isinstance checks cost most)
        if isinstance(action, (str, bytes, bytearray)):
            try:
                action = json.loads(action)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise ActionError(f"action is not valid JSON: {err}") from None
        if type(action) is not dict and not isinstance(action, Mapping):
            raise ActionError(f"action must be a JSON object (a message), not {type(action).__name__}")
    role = action.get("role", "assistant")
    if role != "assistant":
        raise ActionError(f"action role must be 'assistant', not {role!r}")
    content = action.get("content")
    if content is not None and not isinstance(content, str):
        content = _content(content)
    raw_calls = action.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise ActionError("'tool_calls' must be a list")
    calls = [_tool_call(i, c, id_prefix) for i, c in enumerate(raw_calls)]
    if len(calls) > 1 and len({c["id"] for c in calls}) != len(calls):
        raise ActionError("tool call ids must be unique within a message")
    if not calls and not (content or "").strip():
        raise ActionError("empty message: give 'content' text or 'tool_calls'")
    if not calls:
        return {"role": "assistant", "content": content}
    if used_ids is not None:
        content = content or None
        for call in calls:
            call_id = call["id"]
            if call_id in used_ids:
                call["id"] = unique_call_id(call_id, used_ids)
            else:
                used_ids.add(call_id)
    return {"role": "assistant", "content": content, "tool_calls": calls}


def one_call(action: Any) -> tuple[str | None, str, str, str] | None:
    """(content, call id, tool name, arguments text) of an action in the form most steps take, read
    in place: a dict with no role or role "assistant", content a string or null, and one call with
    a non-empty string id and name and its arguments as JSON text (what a model's API returns).
    None for any other action, which `parse_action` reads. The content is None for an empty text,
    as `parse_action` records it beside calls."""
    if type(action) is not dict:
        return None
    calls = action.get("tool_calls")
    if type(calls) is not list or len(calls) != 1:
        return None
    raw = calls[0]
    fn = raw.get("function") if type(raw) is dict else None
    name = fn.get("name") if type(fn) is dict else None
    call_id = raw.get("id") if type(name) is str and name else None
    args = fn.get("arguments") if type(call_id) is str and call_id else None  # type: ignore[union-attr]
    content = action.get("content")
    if type(args) is not str or (content is not None and type(content) is not str):
        return None
    if action.get("role", "assistant") != "assistant":
        return None
    return content or None, call_id, name, args  # type: ignore[return-value]
