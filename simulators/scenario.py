"""What a simulated user is: the scenario a task gives it."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

STOP = "###STOP###"
"""The token a simulated user sends to end the conversation (as in τ-bench)."""


class Scenario(BaseModel):
    """A simulated user's brief: who they are, what they want, what they know.

    `opening` keys are volunteered in the first message; other `knows` keys are revealed only when
    the assistant asks for them. `decisions` answers the assistant's questions (``confirm: true``
    means "yes" to a confirmation request). `unknown` lists things the user does not know and must
    not invent (the assistant has to look them up).
    """

    persona: str = "a customer"
    goal: str
    knows: dict[str, Any] = Field(default_factory=dict)
    opening: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    decisions: dict[str, Any] = Field(default_factory=lambda: {"confirm": True})


def humanize(key: str) -> str:
    """`order_id` -> "order id": how users and assistants name a piece of knowledge in words."""
    return key.replace("_", " ").strip()
