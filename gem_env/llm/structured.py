"""Structured output: the JSON schema goes in the prompt and, where the server takes it, in
``response_format`` (constrained decoding in vLLM, SGLang, llama.cpp, Ollama); the reply is parsed
and validated here either way, and errors go back to the model verbatim.

Modes, strongest first: ``json_schema`` (the schema itself), ``json_object`` (any JSON object),
``none`` (the prompt alone). ``auto`` starts with ``json_schema`` and steps down once per refusal.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from langchain_core.messages import BaseMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from gem_env.llm.usage import Usage

M = TypeVar("M", bound=BaseModel)

StructuredMode = Literal["json_schema", "json_object", "none"]
STRUCTURED_SETTINGS = ("auto", "json_schema", "json_object", "none")
NEXT_MODE: dict[str, StructuredMode] = {"json_schema": "json_object", "json_object": "none"}
REASK_CHARS = 4000
"""Most characters of a rejected reply sent back with a re-ask; past that only the part around
the error (or the start) goes, so that re-asks do not grow the prompt past the model's context."""

_POSITION = re.compile(r"line (\d+) column (\d+)")
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCED = re.compile(r"```[a-zA-Z]*\s*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class StructuredResult(Generic[M]):
    """A validated value, or ``None`` with the last error after the re-asks ran out."""

    value: M | None
    error: str | None
    attempts: int
    usage: Usage
    mode: StructuredMode = "none"


def response_schema(schema: type[BaseModel]) -> tuple[dict[str, Any], bool]:
    """The JSON Schema to constrain decoding with, and whether it may be sent as strict.

    A model class may define ``response_schema()`` to send a looser schema than the one shown in
    the prompt (a domain is checked by compiling it, not by a schema a grammar engine can hold).
    """
    custom = getattr(schema, "response_schema", None)
    if callable(custom):
        return custom(), False
    return _closed(schema.model_json_schema()), True


def response_format(mode: StructuredMode, schema: type[BaseModel]) -> dict[str, Any] | None:
    """The ``response_format`` request field for ``mode``, or None for ``none``."""
    if mode == "json_object":
        return {"type": "json_object"}
    if mode == "json_schema":
        body, strict = response_schema(schema)
        name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64]
        return {"type": "json_schema", "json_schema": {"name": name, "schema": body, "strict": strict}}
    return None


def _closed(node: Any) -> Any:
    """``node`` with ``additionalProperties: false`` on every object schema, as strict mode wants."""
    if isinstance(node, dict):
        out = {k: _closed(v) for k, v in node.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


def reply_excerpt(text: str, error: str, limit: int = REASK_CHARS) -> str:
    """The part of a rejected reply a re-ask needs: all of it when short; else the window around
    the error's line and column when it names one, or the start."""
    if len(text) <= limit:
        return text
    lines = text.splitlines(keepends=True)
    at = 0
    if (pos := _POSITION.search(error)) is not None:
        line, column = int(pos.group(1)), int(pos.group(2))
        at = sum(len(x) for x in lines[: line - 1]) + column - 1
    start = max(0, min(at - limit // 2, len(text) - limit))
    head = f"[... {start} characters omitted ...]\n" if start else ""
    tail = f"\n[... {len(text) - start - limit} characters omitted ...]" if start + limit < len(text) else ""
    return head + text[start:start + limit] + tail


def schema_instructions(schema: type[BaseModel]) -> str:
    return (
        "Reply with one JSON object that conforms to the JSON Schema below, and nothing else "
        "(no prose, no code fences).\n"
        + json.dumps(schema.model_json_schema(), separators=(",", ":"))
    )


def reask_message(error: str) -> str:
    return f"Your reply could not be used: {error}\nReply again with only the corrected JSON object."


def with_instructions(messages: Sequence[BaseMessage], instructions: str) -> list[BaseMessage]:
    """Append ``instructions`` to a leading system message, or put them in a new one.

    Kept in the system message, not a second user turn, because some chat templates reject two
    user turns in a row.
    """
    first = messages[0] if messages else None
    if isinstance(first, SystemMessage) and isinstance(first.content, str):
        return [SystemMessage(content=f"{first.content}\n\n{instructions}"), *messages[1:]]
    return [SystemMessage(content=instructions), *messages]


def parse_reply(text: str, schema: type[M]) -> tuple[M | None, str | None]:
    """The JSON object in ``text`` validated as ``schema``, or ``None`` and why not.

    ``<think>`` blocks are dropped, a fenced code block is unwrapped, and prose around the object
    is ignored.
    """
    cleaned = _THINK.sub("", text)
    if fenced := _FENCED.search(cleaned):
        cleaned = fenced.group(1)
    start = cleaned.find("{")
    if start < 0:
        return None, "no JSON object found in the reply"
    try:
        obj, _ = json.JSONDecoder().raw_decode(cleaned, start)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    try:
        return schema.model_validate(obj), None
    except ValidationError as exc:
        return None, "the JSON does not match the schema:\n" + _format_validation_error(exc)


def _format_validation_error(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        lines.append(f"- {where}: {error['msg']}")
    return "\n".join(lines)
