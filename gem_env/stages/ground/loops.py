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
    row with no tool call in between (nothing was done while it repeated itself). Texts are compared
    with runs of whitespace as one space and in lower case; a tool's reply as it is (the same call
    on the same state replies with the same text). Only the tail is read, so checking after every
    message costs the same at any conversation length.
    """
    return LoopWatch().reason(messages)


class LoopWatch:
    """`loop_reason` for a conversation that only grows, kept up message by message: each
    message's signature is made once, when it is first seen, and each party's run of the same
    plain text is counted as messages arrive, so a check reads a few entries at the end whatever
    the conversation's length (an episode checks after every step)."""

    def __init__(self) -> None:
        self._seen = 0
        """Messages of the conversation signed so far (the system prompt included)."""
        self._said: list[Signature] = []
        """The signatures of those messages, the system prompt left out, oldest first."""
        self._user = self._assistant = _NO_RUN
        """Per party: the text of its last plain message since the last message with calls, and
        how many of its plain messages in a row (there) said it; `_NO_RUN` when none."""

    def reason(self, messages: list[dict[str, Any]]) -> str | None:
        said, seen = self._said, self._seen
        if seen > len(messages):  # not the conversation it was watching: start again
            seen = 0
            said.clear()
            self._user = self._assistant = _NO_RUN
        for m in messages[seen:]:
            role = m.get("role")
            if role == "system":
                continue
            content = m.get("content")
            text = (content if role == "tool" else _normal(content)) if isinstance(content, str) else ""
            calls = m.get("tool_calls")
            if calls:
                said.append((role, text, tuple(map(_call_text, calls))))
                self._user = self._assistant = _NO_RUN
                continue
            said.append((role, text, ()))
            if role == "user":
                run = self._user
                self._user = (text, run[1] + 1) if run[0] == text else (text, 1)
            elif role == "assistant":
                run = self._assistant
                self._assistant = (text, run[1] + 1) if run[0] == text else (text, 1)
        self._seen = len(messages)
        return (_cycle(said) or self._said_again()) if said else None

    def after_calls(self, messages: list[dict[str, Any]], text: str | None, calls: tuple[str, ...],
                    replies: list[str]) -> str | None:
        """`reason` after the conversation's last messages were an assistant message with calls
        (its text, each call's name and arguments as `_call_text` joins them) and their replies:
        the signatures made from those directly, without reading the messages again, when the
        watch had seen everything before them (else `reason` catches up)."""
        if self._seen != len(messages) - 1 - len(replies):
            return self.reason(messages)
        said = self._said
        said.append(("assistant", _normal(text) if text else "", calls))
        for content in replies:
            said.append(("tool", content, ()))
        self._user = self._assistant = _NO_RUN
        self._seen = len(messages)
        # (no plain message since the calls: nobody said anything again); `_cycle`'s usual no inline
        return _cycle(said) if said[-1] in said[-1 - MAX_CYCLE:-1] else None

    def _said_again(self) -> str | None:
        """A party's last `REPEATS` plain messages all the same non-empty text, with no tool call
        in between: read from the runs kept as messages arrive, not by walking back."""
        text, times = self._user
        if times < REPEATS or not text:
            text, times = self._assistant
            if times < REPEATS or not text:
                return None
            return f"the assistant said the same thing {REPEATS} times in a row: {text[:80]!r}"
        return f"the user said the same thing {REPEATS} times in a row: {text[:80]!r}"


_NO_RUN: tuple[str | None, int] = (None, 0)

_NORMALS: dict[str, str] = {}
"""Texts as `_normal` left them, by the text: a templated agent or user says the same few texts
again and again. Bounded by `_NORMALS_MAX` entries of at most `_NORMAL_MAX_CHARS` characters
(emptied when full)."""
_NORMALS_MAX = 1024
_NORMAL_MAX_CHARS = 4096


def _normal(text: str) -> str:
    """`text` as the loop check compares it: runs of whitespace as one space, lower case."""
    got = _NORMALS.get(text)
    if got is None:
        got = " ".join(text.split()).lower()
        if len(text) <= _NORMAL_MAX_CHARS:
            if len(_NORMALS) >= _NORMALS_MAX:
                _NORMALS.clear()
            _NORMALS[text] = got
    return got


Signature = tuple[Any, str, tuple[str, ...]]
"""A message as the loop check compares it: role, its text (normalised but a tool's), its calls
with arguments."""


def _cycle(said: list[Signature]) -> str | None:
    """The last k (1-6) signatures `REPEATS` times running at the end, read in place (no tail copy)."""
    end, last = len(said), said[-1]
    # a cycle of k repeats the last message k back: most steps meet none in the last `MAX_CYCLE`
    if last not in said[-1 - MAX_CYCLE:-1]:
        return None
    for k in range(1, min(MAX_CYCLE, min(end, REPEATS * MAX_CYCLE) // REPEATS) + 1):
        if last == said[-1 - k] and all(said[end - k:] == said[end - (i + 1) * k:end - i * k]
                                        for i in range(1, REPEATS)):
            return f"the last {k} message(s) repeated {REPEATS} times"
    return None


def is_infrastructure(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) is the LLM endpoint failing rather than a party. A
    conversation grown longer than the model's context is the party's failure: its episode ends,
    is verified and recorded, and the document's other episodes go on."""
    from ...llm.errors import LLMContextExceeded, LLMUnavailable

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, LLMContextExceeded):
            return False
        if isinstance(seen, LLMUnavailable):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _call_text(call: dict[str, Any]) -> str:
    fn = call.get("function") or {}
    return fn.get("name", "") + fn.get("arguments", "")
