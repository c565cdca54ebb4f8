"""The synthesizer's reply: one JSON object holding a domain, the task it names and the conversation.

This is the fixed format a model fine-tuned on `gem export --format synthesizer` writes in one call,
and the format of that export's targets (see docs/synthesizer.md)::

    {"format": "gem-synth/1",
     "domain": {... a Domain: entities, tools, workflows, policy ...},
     "task": {"workflow": "cancel_pending_order", "anchor": "ORD-53918"},
     "conversation": [
       {"role": "user", "content": "Hi, please cancel my order ORD-53918."},
       {"role": "assistant", "content": null,
        "calls": [{"tool": "get_order", "arguments": {"order_id": "ORD-53918"}, "reply": {...}}]},
       {"role": "assistant", "content": "Your order ORD-53918 is cancelled."},
       {"role": "user", "content": "Thanks! ###STOP###"}]}

``task.anchor`` is the primary key of the anchor row the task is instantiated on; ``task.kind``
(default ``complete``; or ``refuse``, ``decline``, ``disambiguate``) the kind of request, as
`stages.tasks` makes them (a refusal's row is one the anchor's filter leaves out). ``reply`` is what
the tool answered (in a target) or what the model imagines it answers (in a model's reply); the
backend never trusts it: every call is executed and its reply replaced by the real one.
"""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

FORMAT = "gem-synth/1"


class Call(BaseModel):
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    reply: Any = None


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str | None = None
    calls: list[Call] = Field(default_factory=list)


#: Task kinds a reply can name: one workflow on one anchor row (`stages.tasks.instantiate`).
TASK_KINDS = ("complete", "refuse", "decline", "disambiguate")


class TaskRef(BaseModel):
    workflow: str
    anchor: str | int | float
    kind: Literal["complete", "refuse", "decline", "disambiguate"] = "complete"


class SynthReply(BaseModel):
    """A parsed reply. ``domain`` stays a plain dict: compiling it is the check (`parse_domain`)."""

    format: str = FORMAT
    domain: dict[str, Any]
    task: TaskRef
    conversation: list[Turn] = Field(min_length=2)


def parse_synth_reply(text: str) -> tuple[SynthReply | None, str | None]:
    """The reply, or why it is not one (one line, fit to show the model in a re-ask)."""
    body = _json_object(text)
    if body is None:
        return None, "the reply is not a JSON object"
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        return None, f"the reply is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
    if not isinstance(data, dict):
        return None, "the reply is not a JSON object"
    try:
        reply = SynthReply.model_validate(data)
    except ValidationError as err:
        first = err.errors()[:3]
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in first)
        return None, f"the reply does not follow the format: {where}"
    if reply.format != FORMAT:
        return None, f"unknown format {reply.format!r}; expected {FORMAT!r}"
    return reply, None


def _json_object(text: str) -> str | None:
    """The outermost {...} of `text` (a reply may wrap it in a code fence or a sentence)."""
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if 0 <= start < end else None


def tool_reply_data(content: Any) -> Any:
    """A tool message's content as data: its JSON when it is JSON, else the text itself."""
    if not isinstance(content, str):
        return content
    try:
        return json.loads(content)
    except json.JSONDecodeError:
        return content


def target_from_messages(domain: dict[str, Any], workflow: str, anchor: Any,
                         messages: list[dict[str, Any]], kind: str = "complete") -> dict[str, Any]:
    """The reply a perfect synthesizer would write for a verified trajectory (its OpenAI messages)."""
    replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.get("role") == "user":
            turns.append({"role": "user", "content": m.get("content") or ""})
        elif m.get("role") == "assistant":
            calls = [{"tool": c["function"]["name"],
                      "arguments": tool_reply_data(c["function"].get("arguments") or "{}"),
                      "reply": tool_reply_data(replies.get(c.get("id")))} for c in m.get("tool_calls") or []]
            turn: dict[str, Any] = {"role": "assistant", "content": m.get("content") or None}
            if calls:
                turn["calls"] = calls
            turns.append(turn)
    task = {"workflow": workflow, "anchor": anchor, **({"kind": kind} if kind != "complete" else {})}
    return {"format": FORMAT, "domain": domain, "task": task, "conversation": turns}


def dump_target(target: dict[str, Any]) -> str:
    """The target as the one compact JSON line a model is trained to write."""
    return json.dumps(target, ensure_ascii=False, separators=(",", ":"))


def target_domain(domain: dict[str, Any]) -> dict[str, Any]:
    """A run's domain file as a model should write it: without fields at their defaults, spans as
    quotes, no provenance (the run adds its own); ``seed`` and ``clock`` kept, since the task's
    anchor key is one of the seed rows they make."""
    from ...tools import parse_domain
    compact = parse_domain(domain).model_dump(mode="json", by_alias=True, exclude_defaults=True)
    compact.pop("provenance", None)
    for key in ("seed", "clock"):
        if key in domain:
            compact[key] = domain[key]

    def quotes(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: quotes(v) for k, v in value.items()}
            if isinstance(value.get("span"), dict):
                out["span"] = {"text": value["span"].get("text", "")}
            return out
        if isinstance(value, list):
            return [quotes(v) for v in value]
        return value
    return quotes(compact)
