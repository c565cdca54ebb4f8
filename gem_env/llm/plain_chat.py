"""The plain path of a tool-calling agent's chat call: OpenAI chat messages in, an OpenAI assistant
message out, with the same request and reply as the LangChain path.

The LangChain path turns each turn's OpenAI-format conversation into LangChain messages
(`agents.llm_agent.to_langchain`), langchain-openai turns those into request dicts, and the reply
into an ``AIMessage`` that the agent turns back into an OpenAI message (`to_openai`). At 256
episodes in flight those conversions, with their pydantic validation, were a third of the LLM
layer's CPU. Here the request's ``messages`` JSON is written straight from the OpenAI messages as
langchain-openai writes it (`ConversationJSON`; the same bytes), and a plain reply (text and tool
calls with JSON-object arguments) becomes the assistant message `to_openai` would make
(`plain_reply`). Anything else -- non-text content, arguments that are not a JSON object, calls
written as text -- returns None and goes the LangChain way (`LLMClient.chat_plain`).
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage

from gem_env.llm.toolparse import may_hold_calls
from gem_env.llm.transport import _dumps


def call_arguments(raw: Any) -> tuple[Any, str | None]:
    """(arguments, None) for a tool call's ``arguments`` that are a JSON object (text or dict), else
    (None, why not): the rule by which `agents.llm_agent.to_langchain` splits valid from invalid
    calls (`agents/` imports none of this; tests/test_plain_chat.py holds the two to one output)."""
    try:
        args = json.loads(raw.strip() or "{}") if isinstance(raw, str) else raw
    except json.JSONDecodeError as err:
        return None, str(err)
    return (args, None) if isinstance(args, dict) else (None, "arguments are not a JSON object")


def request_message(m: dict[str, Any]) -> str | None:
    """The JSON langchain-openai sends for ``to_langchain([m])``: "" for a message it drops (a
    system message), None when ``m`` has content that is not text (left to the LangChain path)."""
    role, content = m.get("role"), m.get("content") or ""
    if not isinstance(content, str):
        return None
    if role == "user":
        return _dumps({"content": content, "role": "user"})
    if role == "tool":
        return _dumps({"content": content, "role": "tool", "tool_call_id": m.get("tool_call_id") or ""})
    if role != "assistant":
        return ""
    valid, invalid = [], []
    for c in m.get("tool_calls") or []:
        fn = c.get("function") or {}
        raw = fn.get("arguments") or ""
        args, error = call_arguments(raw)
        if error is None:
            valid.append({"type": "function", "id": c.get("id"),
                          "function": {"name": fn.get("name") or "", "arguments": json.dumps(args, ensure_ascii=False)}})
        else:
            invalid.append({"type": "function", "id": c.get("id"),
                            "function": {"name": fn.get("name"),
                                         "arguments": raw if isinstance(raw, str) else json.dumps(raw)}})
    calls = valid + invalid
    if not calls:
        return _dumps({"content": content, "role": "assistant"})
    return _dumps({"content": content or None, "role": "assistant", "tool_calls": calls})


class ConversationJSON:
    """The ``messages`` JSON of ``[SystemMessage(system), *to_langchain(messages)]`` as
    langchain-openai sends it, for one conversation that grows turn by turn: only the messages
    appended since the last call are encoded. A list that does not continue the last one starts
    afresh. Also counts the tool calls of its assistant messages (`to_openai`'s numbering)."""

    def __init__(self, system: str) -> None:
        self._opening = "[" + _dumps({"content": system, "role": "system"})
        self.reset()

    def reset(self) -> None:
        self._text, self._seen, self._last, self.calls = self._opening, 0, None, 0

    def __call__(self, messages: list[dict[str, Any]]) -> str | None:
        """The JSON text, or None when a message is not plain text (the conversation then starts
        afresh next time)."""
        if len(messages) < self._seen or (self._seen and messages[self._seen - 1] is not self._last):
            self.reset()
        parts, calls = [self._text], 0
        for m in messages[self._seen:]:
            piece = request_message(m)
            if piece is None:
                self.reset()
                return None
            if piece:
                parts.append(piece)
            if m.get("role") == "assistant":
                calls += len(m.get("tool_calls") or [])
        self._text = ",".join(parts)
        self.calls += calls
        self._seen, self._last = len(messages), messages[-1] if messages else None
        return self._text + "]"


class PlainChat:
    """One conversation's plain chat calls, for `agents.llm_agent.LLMAgent`: the conversation
    encoded (`ConversationJSON`) and sent by ``send`` (`LLMClient.chat_plain`, counted) with the
    number its tool calls without an id start from."""

    def __init__(self, send: Callable[[str, Any, int], Awaitable[dict[str, Any] | AIMessage | None]],
                 system: str) -> None:
        self.send = send
        self.encode = ConversationJSON(system)

    async def __call__(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
                       ) -> tuple[dict[str, Any] | AIMessage, int] | None:
        """(the reply, the first call number), or None when a message is not plain text or the
        plain path does not apply (nothing sent)."""
        encoded = self.encode(messages)
        if encoded is None:
            return None
        first_call = self.encode.calls
        reply = await self.send(encoded, tools, first_call)
        return None if reply is None else (reply, first_call)

    def end_conversation(self) -> None:
        """Drop the kept encoding (the agent's conversation ended)."""
        self.encode.reset()

    def set_system(self, system: str) -> None:
        """Send `system` as the system message from now on (the conversation's own prompt)."""
        self.encode = ConversationJSON(system)


PLAIN_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "refusal", "function_call", "audio", "annotations",
                                "reasoning_content", "reasoning"})
"""Keys of a reply message that `plain_reply` reads or that langchain-openai keeps aside from the
text and the tool calls; a message with any other key is left to the LangChain path."""


def plain_reply(completion: dict[str, Any], first_call: int) -> tuple[dict[str, Any], int | None, int | None] | None:
    """(the assistant message, prompt tokens, completion tokens) of a chat completion body, as
    `to_openai` of langchain-openai's ``AIMessage`` of it and `LLMClient`'s token counts (None
    when the body has no ``usage``), or None
    when the reply is not plain: an ``error``, a first choice that is not an assistant message of
    text and tool calls whose arguments are JSON objects, or text that may hold a call
    (`toolparse`)."""
    if completion.get("error"):
        return None
    message = completion["choices"][0]["message"]
    content = message.get("content") or ""
    if message.get("role") != "assistant" or not isinstance(content, str) or not message.keys() <= PLAIN_MESSAGE_KEYS \
            or message.get("function_call") or message.get("audio") or message.get("refusal"):
        return None
    raw_calls = message.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        return None
    calls = []
    for i, raw in enumerate(raw_calls):
        fn = raw.get("function") if isinstance(raw, dict) else None
        if not isinstance(fn, dict) or "name" not in fn or "arguments" not in fn \
                or not isinstance(fn["name"], str | None) or not isinstance(raw.get("id"), str | None):
            return None
        arguments = fn["arguments"]
        if arguments and not isinstance(arguments, str):
            return None
        try:
            args = json.loads(arguments, strict=False) if arguments else {}
        except json.JSONDecodeError:
            return None  # an invalid call: langchain-openai's own words for it
        if not isinstance(args, dict):
            return None
        calls.append({"id": raw.get("id") or f"call_{first_call + i}", "type": "function",
                      "function": {"name": fn["name"] or "", "arguments": json.dumps(args, ensure_ascii=False)}})
    if not calls and may_hold_calls(content):
        return None
    reply: dict[str, Any] = {"role": "assistant", "content": content or (None if calls else "")}
    if calls:
        reply["tool_calls"] = calls
    usage = completion.get("usage")
    if not usage:
        return reply, None, None
    if not isinstance(usage, dict) or not all(usage.get(k) is None or type(usage[k]) is int for k in _COUNTS) \
            or not all(usage.get(k) is None or isinstance(usage[k], dict) for k in _DETAILS):
        return None  # token counts LangChain would read otherwise, or fail on
    return reply, usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0


_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_DETAILS = ("prompt_tokens_details", "completion_tokens_details")
