"""Every change the assistant makes waits for the customer's yes.

The policy every domain's prompt carries says: say what you will do, then wait for an explicit yes.
Without a check of its own a policy that writes at once, or asks "Shall I go ahead?" in the very
message that makes the change, is rewarded like one that waits. A change made (a write whose reply
is no error) must come after the customer answered a confirmation question (`asks_confirmation`,
the same question the scripted users answer) with anything but a no, since the last change made
before the customer's latest message: one yes covers the writes of one change (a transfer and its
fee), and a yes given before a setback still holds when the customer asks to try again.
"""
from __future__ import annotations

from typing import Any

from ..simulators.base import asks_confirmation
from ..trajectory import Check
from .verify_kinds import _NO
from .verify_text import message_text


def confirmed_check(messages: list[dict[str, Any]], changes: list[tuple[int, str]]) -> Check:
    """``changes``: (message index, tool) of every write call that changed something."""
    problems = []
    for at, tool in changes:
        last_user = max((i for i in range(at) if messages[i].get("role") == "user"), default=None)
        if last_user is None or _NO.search(message_text(messages[last_user])):
            problems.append({"tool": tool, "at": at, "why": "no yes from the customer before it"})
            continue
        since = max((i for i, _ in changes if i < last_user), default=-1)
        if not any(_yes_to_confirmation(messages, i) for i in range(since + 1, last_user + 1)):
            problems.append({"tool": tool, "at": at, "why": "made without asking the customer to confirm"})
    return Check(name="confirmed_before_write", passed=not problems, evidence=problems or None)


def _yes_to_confirmation(messages: list[dict[str, Any]], i: int) -> bool:
    """Whether message `i` is the customer's answer, not a no, to the assistant's spoken
    confirmation question right before it (a question beside a tool call is not waited for)."""
    if messages[i].get("role") != "user" or _NO.search(message_text(messages[i])):
        return False
    asked = next((m for m in reversed(messages[:i]) if m.get("role") == "assistant"), None)
    return asked is not None and not asked.get("tool_calls") and asks_confirmation(message_text(asked))
