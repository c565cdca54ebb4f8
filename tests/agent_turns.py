"""The offline agent driven by hand against a sandbox, for tests that script the user's side."""
from __future__ import annotations

from typing import Any


def until_spoken(agent: Any, sb: Any, messages: list[dict[str, Any]]) -> str:
    """The agent's replies (its calls answered by the sandbox) until it speaks; what it said."""
    for _ in range(10):
        reply = agent.reply(messages)
        messages.append(reply)
        if not reply.get("tool_calls"):
            return reply["content"]
        for call in reply["tool_calls"]:
            fn = call["function"]
            messages.append({"role": "tool", "tool_call_id": call["id"],
                             "content": sb.call(fn["name"], fn["arguments"]).content})
    raise AssertionError("the agent never spoke")


def second_request(agent: Any, sb: Any, first: str, then: str) -> tuple[list[dict[str, Any]], int, str]:
    """A session whose first request (`first`) the user confirms and the agent settles, then asks
    `then`: (the messages, where the second request starts, what the agent said to it)."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"}, {"role": "user", "content": first}]
    until_spoken(agent, sb, messages)
    messages.append({"role": "user", "content": "Yes, please go ahead."})
    assert "anything else" in until_spoken(agent, sb, messages).lower()
    start = len(messages)
    messages.append({"role": "user", "content": then})
    return messages, start, until_spoken(agent, sb, messages)
