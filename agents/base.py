"""What an assistant agent is: one OpenAI assistant message per turn."""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Assistant(Protocol):
    """Plays the assistant. ``act`` gets the conversation in OpenAI format (system, user, assistant,
    tool messages) and returns the next OpenAI assistant message: ``content`` and/or ``tool_calls``
    (each ``{"id", "type": "function", "function": {"name", "arguments": JSON string}}``).

    ``meta`` records the backend (and model). Agents keep no conversation state between calls and
    count nothing: an LLM agent's chat function counts its calls into the episode's usage (see
    `gem_env.backends`).
    """

    meta: dict[str, Any]

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]: ...
