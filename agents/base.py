"""What an assistant agent is: one OpenAI assistant message per turn."""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Assistant(Protocol):
    """Plays the assistant. ``act`` gets the conversation in OpenAI format (system, user, assistant,
    tool messages) and returns the next OpenAI assistant message: ``content`` and/or ``tool_calls``
    (each ``{"id", "type": "function", "function": {"name", "arguments": JSON string}}``).

    ``meta`` records the backend (and model); ``usage`` counts LLM calls and tokens. Agents keep no
    conversation state between calls, but ``usage`` accumulates: use one agent per episode to
    account per episode.
    """

    meta: dict[str, Any]
    usage: dict[str, int]

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]: ...


def new_usage() -> dict[str, int]:
    return {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
