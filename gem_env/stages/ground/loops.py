"""Telling a conversation that goes round in circles, and an endpoint failure from a party's.

Two model parties can trade "Hello! How can I assist you today?" until the turn limit (18 minutes a
document on CPU); `loop_reason` ends such an episode early as ``loop``. `is_infrastructure`
separates an endpoint that failed (timeouts, 5xx, refused requests: ``infra_error``, not the agent's
fault) from a party that misbehaved.
"""
from __future__ import annotations

from typing import Any

REPEATS = 3
MAX_CYCLE = 6


def loop_reason(messages: list[dict[str, Any]]) -> str | None:
    """Why the conversation is looping, or None.

    A loop is the same stretch of 1-6 messages three times running at the end (calls with the same
    arguments and the same results included), or a party saying the same thing three times in a
    row with no tool call in between (nothing was done while it repeated itself). Only the tail is
    read, so checking after every message costs the same at any conversation length.
    """
    return LoopWatch().reason(messages)


class LoopWatch:
    """`loop_reason` for a conversation that only grows: each message's signature is made once,
    when it is first seen, instead of on every check (an episode checks after every step)."""

    def __init__(self) -> None:
        self._seen = 0
        """Messages of the conversation signed so far (the system prompt included)."""
        self._said: list[Signature] = []
        """The signatures of those messages, the system prompt left out, oldest first."""

    def reason(self, messages: list[dict[str, Any]]) -> str | None:
        said = self._said
        if self._seen > len(messages):  # not the conversation it was watching: start again
            self._seen = 0
            said.clear()
        for i in range(self._seen, len(messages)):
            m = messages[i]
            if m.get("role") != "system":
                said.append(_signature(m))
        self._seen = len(messages)
        return (_cycle(said) or _said_again(said)) if said else None


Signature = tuple[Any, str, tuple[str, ...]]
"""A message as the loop check compares it: role, its text normalised, its calls with arguments."""


def _cycle(said: list[Signature]) -> str | None:
    """The last k (1-6) signatures `REPEATS` times running at the end, read in place (no tail copy)."""
    end, last = len(said), said[-1]
    for k in range(1, min(MAX_CYCLE, min(end, REPEATS * MAX_CYCLE) // REPEATS) + 1):
        # a cycle of k repeats the last message k back: most steps stop at that one comparison
        if last == said[-1 - k] and all(said[end - k:] == said[end - (i + 1) * k:end - i * k]
                                        for i in range(1, REPEATS)):
            return f"the last {k} message(s) repeated {REPEATS} times"
    return None


def _said_again(said: list[Signature]) -> str | None:
    """A party's last `REPEATS` plain messages all the same non-empty text, with no tool call in
    between: walking back from the end once for both parties, up to the first message with calls."""
    texts: dict[Any, list[str]] = {"user": [], "assistant": []}
    for role, text, calls in reversed(said):
        if calls:
            break
        got = texts.get(role)
        if got is not None and len(got) < REPEATS:
            got.append(text)
            if len(texts["user"]) == len(texts["assistant"]) == REPEATS:
                break
    for role, got in texts.items():
        if len(got) == REPEATS and got[0] and got.count(got[0]) == REPEATS:
            return f"the {role} said the same thing {REPEATS} times in a row: {got[0][:80]!r}"
    return None


def is_infrastructure(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the LLM endpoint failing rather than a party."""
    from ...llm.errors import LLMUnavailable

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, LLMUnavailable):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    return " ".join(content.split()).lower() if isinstance(content, str) else ""


def _signature(message: dict[str, Any]) -> Signature:
    calls = message.get("tool_calls")
    return message.get("role"), _text(message), tuple([_call_text(c) for c in calls]) if calls else ()


def _call_text(call: dict[str, Any]) -> str:
    fn = call.get("function") or {}
    return fn.get("name", "") + fn.get("arguments", "")
