"""What a user simulator is, and what of the conversation it may see."""
from __future__ import annotations

import re
from typing import Any, Protocol, runtime_checkable

from .scenario import STOP

_CONFIRM = re.compile(
    r"\(yes/no\)|shall i (?:go ahead|proceed)|should i (?:go ahead|proceed)|do you want me to|"
    r"would you like me to|(?:can|could) you confirm|please confirm|do you confirm|is that (?:ok|okay|correct|right)",
    re.IGNORECASE,
)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


@runtime_checkable
class UserSimulator(Protocol):
    """Plays the user. ``reply`` gets the conversation in OpenAI format as the assistant sees it and
    answers with the user's next message; a reply containing ``STOP`` ends the dialogue.

    ``meta`` records the backend (and for models: model, temperature, seed). Simulators count
    nothing: an LLM user's chat function counts its calls into the episode's usage.
    """

    meta: dict[str, Any]

    async def reply(self, messages: list[dict[str, Any]]) -> str: ...


def visible_turns(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, text) of what a user sees: its own messages and the assistant's spoken messages.

    Tool messages, assistant messages that call tools (their text is the assistant thinking aloud)
    and any reasoning (separate fields, or ``<think>`` blocks in the text) are left out.
    """
    turns = []
    for m in messages:
        role = m.get("role")
        if role == "user" or (role == "assistant" and not m.get("tool_calls")):
            content = m.get("content")
            turns.append((role, strip_reasoning(content) if isinstance(content, str) else ""))
    return turns


def strip_reasoning(text: str) -> str:
    """The text without ``<think>...</think>`` blocks that some models write into their content."""
    return _THINK.sub("", text).strip()


def asks_confirmation(text: str) -> bool:
    """Whether an assistant message asks the user to confirm an action."""
    return bool(_CONFIRM.search(text))


__all__ = ["STOP", "UserSimulator", "asks_confirmation", "strip_reasoning", "visible_turns"]
