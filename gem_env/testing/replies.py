"""Scripted replies for :class:`~gem_env.testing.server.FakeOpenAIServer`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

FaultKind = Literal["http_500", "http_429", "timeout", "malformed_json", "wrong_schema", "context_length",
                    "context_length_in_stream", "stall"]


@dataclass(frozen=True)
class Text:
    """A plain assistant message."""

    content: str


@dataclass(frozen=True)
class ToolCall:
    """One function call. ``arguments`` given as a str is sent verbatim (it may be invalid JSON)."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)


@dataclass(frozen=True)
class ToolCalls:
    """An assistant message that calls tools, with optional text beside the calls."""

    calls: list[ToolCall]
    content: str | None = None


@dataclass(frozen=True)
class Fault:
    """A failure instead of a reply.

    - ``http_500``: a 500 with an OpenAI-style error body.
    - ``http_429``: a 429 with ``Retry-After: retry_after`` (seconds, may be fractional).
    - ``timeout``: the server stalls ``seconds`` (longer than the client's timeout), then hangs up.
    - ``malformed_json``: a 200 whose body is not JSON.
    - ``wrong_schema``: a 200 with valid JSON that is not a chat completion.
    - ``context_length``: a 400 saying the prompt is longer than the model's context (``context``
      tokens), worded as vLLM and OpenAI word it.
    - ``context_length_in_stream``: the same 400 for a plain request; a streamed one gets a 200 and
      a stream with no chunk, as llama.cpp's server sends when the prompt is too long for it.
    - ``stall``: a streamed request gets its headers and first chunk, then nothing for ``seconds``
      before the server hangs up; a plain request stalls like ``timeout``.
    """

    kind: FaultKind
    seconds: float = 5.0
    retry_after: float = 0.05
    context: int = 8192

    def __post_init__(self) -> None:
        if self.kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {get_args(FaultKind)}")


@dataclass(frozen=True)
class Slow:
    """A reply generated slowly: streamed as ``chunks`` pieces ``delay`` seconds apart.

    A plain (non-streamed) request waits ``chunks * delay`` seconds before the whole reply, as a
    server does that generates before answering.
    """

    reply: Text | ToolCalls
    chunks: int = 10
    delay: float = 0.1


Reply = Text | ToolCalls | Fault | Slow


def JSONReply(obj: Any) -> Text:  # noqa: N802 -- reads like the reply classes it builds
    """A text reply holding ``obj`` serialized as JSON."""
    return Text(json.dumps(obj))
