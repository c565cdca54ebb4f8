"""The synthesizer's reply: one JSON object holding a domain, the task it names and the conversation.

This is the fixed format a model fine-tuned on `gem export --format synthesizer` writes in one call,
and the format of that export's targets (see docs/synthesizer.md)::

    {"format": "gem-synth/2",
     "domain": {... a Domain: entities, tools, workflows, policy ...},
     "task": {"kind": "complete",
              "requests": [{"kind": "complete", "workflow": "cancel_pending_order", "anchor": "ORD-53918"}]},
     "conversation": [
       {"role": "user", "content": "Hi, please cancel my order ORD-53918."},
       {"role": "assistant", "content": null,
        "calls": [{"tool": "get_order", "arguments": {"order_id": "ORD-53918"}, "reply": {...}}]},
       {"role": "assistant", "content": "Your order ORD-53918 is cancelled."},
       {"role": "user", "content": "Thanks! ###STOP###"}]}

``task.requests`` are the customer's requests in order, each a workflow (or a lookup's
``lookup_<noun>``), the primary key of the row it is made on and its kind, as `stages.tasks` makes
them (a refusal's row is one the anchor's filter leaves out); ``offer`` (``yes``/``no``) is the
customer's answer to what the assistant offers after that request's write. ``task.kind`` is the
task's kind: the first request's, or ``multi_request`` for a session of mixed requests. A reply is
served as the task the task maker makes from those requests (`sessions.remake`). ``gem-synth/1``
replies (``task: {"workflow", "anchor", "kind"}``, one request) are still read, as that one request.
``reply`` is what the tool answered (in a target) or what the model imagines it answers (in a
model's reply); the backend never trusts it: every call is executed and its reply replaced by the
real one.
"""
from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

FORMAT = "gem-synth/2"
FORMAT_V1 = "gem-synth/1"


class Call(BaseModel):
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    reply: Any = None


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str | None = None
    calls: list[Call] = Field(default_factory=list)


#: Request kinds a reply can name (`stages.tasks`); a task's kind is one of them or ``multi_request``.
REQUEST_KINDS = ("complete", "refuse", "decline", "disambiguate", "lookup")
SESSION = "multi_request"


class RequestRef(BaseModel):
    """One request of the task: its workflow (or lookup), the key of its row, its kind."""

    workflow: str
    anchor: str | int | float
    kind: Literal["complete", "refuse", "decline", "disambiguate", "lookup"] = "complete"
    offer: Literal["yes", "no"] | None = None


class TaskRef(BaseModel):
    """The task a reply names: its kind and its requests in order."""

    kind: Literal["complete", "refuse", "decline", "disambiguate", "lookup", "multi_request"] = "complete"
    requests: list[RequestRef] = Field(min_length=1)


class TaskRefV1(BaseModel):
    """A ``gem-synth/1`` reply's task: one workflow on one anchor row."""

    workflow: str
    anchor: str | int | float
    kind: Literal["complete", "refuse", "decline", "disambiguate"] = "complete"

    def v2(self) -> TaskRef:
        return TaskRef(kind=self.kind, requests=[RequestRef(workflow=self.workflow, anchor=self.anchor, kind=self.kind)])


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
    if data.get("format", FORMAT) not in (FORMAT, FORMAT_V1):
        return None, f"unknown format {data.get('format')!r}; expected {FORMAT!r}"
    try:
        if data.get("format") == FORMAT_V1:  # one request: read as the /2 task of that request
            try:
                data = {**data, "task": TaskRefV1.model_validate(data.get("task")).v2().model_dump()}
            except ValidationError as err:
                return None, f"the reply does not follow the format: {_where(err, 'task')}"
        reply = SynthReply.model_validate(data)
    except ValidationError as err:
        return None, f"the reply does not follow the format: {_where(err)}"
    return reply, None


def _where(err: ValidationError, *under: str) -> str:
    """The first three errors, each as ``place: message``."""
    return "; ".join(f"{'.'.join(str(p) for p in (*under, *e['loc']))}: {e['msg']}" for e in err.errors()[:3])


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


def task_ref(kind: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
    """A target's ``task``: the task's kind and its requests (defaults left out: an offer only when
    the customer answered one)."""
    return {"kind": kind, "requests": [{"kind": r["kind"], "workflow": r["workflow"], "anchor": r["anchor"],
                                        **({"offer": r["offer"]} if r.get("offer") else {})} for r in requests]}


def target_from_messages(domain: dict[str, Any], task: dict[str, Any],
                         messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The reply a perfect synthesizer would write for a verified trajectory (its OpenAI messages),
    naming `task` (`task_ref`)."""
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
