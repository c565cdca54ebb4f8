"""Telling a conversation that goes round in circles, and an endpoint failure from a party's.

Two model parties can trade "Hello! How can I assist you today?" until the turn limit (18 minutes a
document on CPU); `loop_reason` ends such an episode early as ``loop``. `is_infrastructure`
separates an endpoint that failed (timeouts, 5xx, refused requests: ``infra_error``, not the agent's
fault) from a party that misbehaved.
"""
from __future__ import annotations

import json
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
    tail = _tail(messages, REPEATS * MAX_CYCLE)
    sigs = [_signature(m) for m in tail]
    for k in range(1, MAX_CYCLE + 1):
        if len(sigs) >= REPEATS * k and all(sigs[-k:] == sigs[len(sigs) - (i + 1) * k:len(sigs) - i * k]
                                            for i in range(1, REPEATS)):
            return f"the last {k} message(s) repeated {REPEATS} times"
    for role in ("user", "assistant"):
        texts = _last_said_without_acting(messages, role)
        if len(texts) == REPEATS and len(set(texts)) == 1 and texts[0]:
            return f"the {role} said the same thing {REPEATS} times in a row: {texts[0][:80]!r}"
    return None


def _tail(messages: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The last `n` messages that are not the system prompt, oldest first."""
    out: list[dict[str, Any]] = []
    for m in reversed(messages):
        if len(out) == n:
            break
        if m.get("role") != "system":
            out.append(m)
    return out[::-1]


def _last_said_without_acting(messages: list[dict[str, Any]], role: str) -> list[str]:
    """The texts of `role`'s last `REPEATS` plain messages, walking back from the end; fewer when a
    tool call comes first (something was done in between)."""
    texts: list[str] = []
    for m in reversed(messages):
        if m.get("tool_calls"):
            break
        if m.get("role") == role:
            texts.append(_text(m))
            if len(texts) == REPEATS:
                break
    return texts


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


def _signature(message: dict[str, Any]) -> str:
    calls = [(c.get("function") or {}).get("name", "") + (c.get("function") or {}).get("arguments", "")
             for c in message.get("tool_calls") or []]
    return json.dumps([message.get("role"), _text(message), calls])
