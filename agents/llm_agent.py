"""An assistant played by a tool-calling chat model, with the conversation's system message (the
task's policy prompt) as its system prompt."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage


AgentChatFn = Callable[[list[BaseMessage], "list[dict[str, Any]] | None"], Awaitable[AIMessage]]


class PlainChatFn(Protocol):
    """A chat function on OpenAI messages (`gem_env.llm.plain_chat.PlainChat`): (the conversation,
    tools) -> (the reply as an OpenAI message, or an ``AIMessage``; the number its calls without an
    id start from), or None where it does not apply (nothing was sent)."""

    async def __call__(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
                       ) -> tuple[dict[str, Any] | AIMessage, int] | None: ...

    def end_conversation(self) -> None: ...

    def set_system(self, system: str) -> None: ...


def to_langchain(messages: list[dict[str, Any]]) -> list[BaseMessage]:
    """OpenAI chat messages as LangChain messages; system messages are dropped (the agent has its own).

    Tool calls whose arguments are not a JSON object become ``invalid_tool_calls`` with the raw
    string, which langchain-openai sends back to the endpoint as it was.
    """
    out: list[BaseMessage] = []
    for m in messages:
        role, content = m.get("role"), m.get("content") or ""
        if role == "user":
            out.append(HumanMessage(content))
        elif role == "tool":
            out.append(ToolMessage(content, tool_call_id=m.get("tool_call_id") or ""))
        elif role == "assistant":
            calls, invalid = [], []
            for c in m.get("tool_calls") or []:
                fn = c.get("function") or {}
                raw = fn.get("arguments") or ""
                try:
                    args = json.loads(raw.strip() or "{}") if isinstance(raw, str) else raw
                except json.JSONDecodeError as err:
                    args, error = None, str(err)
                else:
                    error = None if isinstance(args, dict) else "arguments are not a JSON object"
                if error is None:
                    calls.append({"name": fn.get("name") or "", "args": args, "id": c.get("id"), "type": "tool_call"})
                else:
                    invalid.append({"name": fn.get("name"), "args": raw if isinstance(raw, str) else json.dumps(raw),
                                    "id": c.get("id"), "error": error, "type": "invalid_tool_call"})
            out.append(AIMessage(content, tool_calls=calls, invalid_tool_calls=invalid))
    return out


def to_openai(reply: AIMessage, first_call: int = 0) -> dict[str, Any]:
    """An AIMessage as an OpenAI assistant message: its text and its tool calls, invalid ones kept
    with their raw argument string so that the sandbox answers them with an error. Missing call ids
    are numbered from ``first_call``."""
    calls = [(c["id"], c["name"], json.dumps(c["args"], ensure_ascii=False)) for c in reply.tool_calls]
    calls += [(c.get("id"), c.get("name") or "", c.get("args") or "") for c in reply.invalid_tool_calls]
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or (None if calls else "")}
    if calls:
        message["tool_calls"] = [
            {"id": cid or f"call_{first_call + i}", "type": "function", "function": {"name": name, "arguments": args}}
            for i, (cid, name, args) in enumerate(calls)
        ]
    return message


class LLMAgent:
    """Calls ``chat_fn(messages, tools)`` once per turn with ``policy`` as the system prompt; a
    conversation that opens with a system message (an episode's: the domain's policy and what the
    task's session says, such as the customer it is signed in as) gives the prompt instead.

    ``tools`` are the domain's schemas; the episode may narrow them turn by turn (`set_tools`: a
    refined task's missing function is not offered until it appears), and the model is offered
    only the tools of the current turn.

    With ``plain_chat_fn`` a turn skips the LangChain messages: it sends the same request from the
    OpenAI messages and a plain reply comes back as the OpenAI message `to_openai` would make. Where
    it does not apply (it returns None) the turn goes through ``chat_fn``, and so do the
    conversation's later turns.
    """

    def __init__(self, chat_fn: AgentChatFn, tools: list[dict[str, Any]], policy: str, *,
                 model_name: str | None = None, plain_chat_fn: PlainChatFn | None = None) -> None:
        self.chat_fn = chat_fn
        self.plain_chat_fn = plain_chat_fn
        self.tools = tools
        self.policy = policy
        self.meta: dict[str, Any] = {"backend": "llm", "model": model_name}
        self.tools_now: list[dict[str, Any]] = list(tools)
        self._system = SystemMessage(policy)
        self._converted: list[BaseMessage] = []
        """`to_langchain` of the conversation's first ``_seen`` messages, kept between turns:
        converting the whole history every turn grew with its square (6% of a rollout's CPU)."""
        self._seen = 0
        self._last: dict[str, Any] | None = None
        self._calls_made = 0
        """Tool calls in the assistant messages of those ``_seen`` messages (`to_openai`'s numbering)."""

    def set_tools(self, schemas: list[dict[str, Any]]) -> None:
        """The tools of the current turn (OpenAI schemas), as the episode offers them."""
        self.tools_now = list(schemas)

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        system = messages[0].get("content") if messages and messages[0].get("role") == "system" else None
        if isinstance(system, str) and system != self.policy:
            self.policy, self._system = system, SystemMessage(system)
            if self.plain_chat_fn is not None:
                self.plain_chat_fn.set_system(system)
        if self.plain_chat_fn is not None:
            got = await self.plain_chat_fn(messages, self.tools_now or None)
            if got is not None:
                plain, first_call = got
                return plain if isinstance(plain, dict) else to_openai(plain, first_call)
            self.plain_chat_fn = None
        reply = await self.chat_fn([self._system, *self._history(messages)], self.tools_now or None)
        return to_openai(reply, self._calls_made)

    def end_conversation(self) -> None:
        """Drop what was kept of the finished conversation (a rollout calls this when it ends):
        jobs made up front keep their agents until the last rollout finishes."""
        self._converted, self._seen, self._last, self._calls_made = [], 0, None, 0
        if self.plain_chat_fn is not None:
            self.plain_chat_fn.end_conversation()

    def _history(self, messages: list[dict[str, Any]]) -> list[BaseMessage]:
        """``to_langchain(messages)``, converting only what was appended since the last turn; a
        conversation that is not the continuation of the last one is converted afresh."""
        if len(messages) < self._seen or (self._seen and messages[self._seen - 1] is not self._last):
            self.end_conversation()
        new = messages[self._seen:]
        self._converted += to_langchain(new)
        self._calls_made += sum(len(m.get("tool_calls") or []) for m in new if m.get("role") == "assistant")
        self._seen = len(messages)
        self._last = messages[-1] if messages else None
        return self._converted
