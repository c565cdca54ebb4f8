"""Structured output by prompting: the JSON schema goes in the prompt, the reply is parsed and
validated here, and errors go back to the model verbatim.

``response_format=json_schema`` is not used because many local servers lack it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from langchain_core.messages import BaseMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from gem_env.llm.usage import Usage

M = TypeVar("M", bound=BaseModel)

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCED = re.compile(r"```[a-zA-Z]*\s*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class StructuredResult(Generic[M]):
    """A validated value, or ``None`` with the last error after the re-asks ran out."""

    value: M | None
    error: str | None
    attempts: int
    usage: Usage


def schema_instructions(schema: type[BaseModel]) -> str:
    return (
        "Reply with one JSON object that conforms to the JSON Schema below, and nothing else "
        "(no prose, no code fences).\n"
        + json.dumps(schema.model_json_schema(), indent=1)
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
