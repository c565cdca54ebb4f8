"""An offline assistant for refined tasks: wraps a single-request agent (the workflow agent).

What it adds, each worked out again from the conversation on every turn (no hidden state):
- transient tool failures (a timeout, a rate limit, "please retry"): the same call is made again,
  up to `MAX_RETRIES` times, and the inner agent never sees the failed attempt;
- a tool set that changes by turn (`set_tools`): instead of calling a tool it does not have, it
  says that it cannot do that right now;
- a read that finds nothing for a detail the user gave (an email, an order number): it tells the
  user and asks them to check it; the inner agent sees neither the read nor that message, only
  the user's detail said again.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from .prechecks import is_rule_message

_TRANSIENT = re.compile(r"temporar|timed? ?out|rate.?limit|too many requests|try again|retry|unavailable \(5",
                        re.IGNORECASE)
MAX_RETRIES = 3
YES = "Yes, please go ahead."
CANNOT = ("I'm sorry, I can't do that right now: the function I need for it isn't available to me at "
          "the moment.")
NOT_FOUND = ["I couldn't find anything under {v}. Could you double-check it for me?",
             "I'm not finding a match for {v}. Could you check it and tell me again?",
             "Hmm, I couldn't find {v} on our side. Could you double-check it?",
             "Nothing comes up for {v}, I'm afraid. Could you check it and give it to me again?"]
"""Said when a read finds nothing for a detail the user gave (`RefinedAgent`)."""
_NOT_FOUND_SAID = re.compile("|".join(re.escape(t).replace(re.escape("{v}"), ".+?") for t in NOT_FOUND))


def transient(content: Any) -> bool:
    """Whether a tool reply is a failure worth retrying as it is."""
    try:
        data = json.loads(content) if isinstance(content, str) else content
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and set(data) == {"error"} and bool(_TRANSIENT.search(str(data["error"])))


class RefinedAgent:
    """``inner`` is the agent wrapped: ``reply(messages) -> message`` (sessions of several requests
    are its own business)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.meta: dict[str, Any] = dict(getattr(inner, "meta", {"backend": "workflow"}))
        self.tools: set[str] | None = None

    def set_tools(self, schemas: list[dict[str, Any]]) -> None:
        """The tools of the current turn (OpenAI schemas); None when none of the domain's is missing."""
        names = {s["function"]["name"] for s in schemas}
        domain = getattr(getattr(self.inner, "compiled", None), "tools", None)
        self.tools = None if domain is not None and names >= set(domain) else names

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self.reply(messages)

    def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        made = sum(len(m.get("tool_calls") or []) for m in messages if m.get("role") == "assistant")
        retry = self._retry(messages)
        if retry is not None:
            return _call(retry["name"], retry["arguments"], made)
        unfound = self._unfound(messages, len(messages) - 1)
        if unfound is not None:
            rng = random.Random(hashlib.sha256(f"{unfound}\x00{len(messages)}".encode()).digest())
            return {"role": "assistant", "content": rng.choice(NOT_FOUND).format(v=unfound)}
        view = self._view(messages)
        message = self.inner.reply(view)
        if self._lacks_tool(message) or self._would_lack_tool(view, message):
            return {"role": "assistant", "content": CANNOT}
        calls = message.get("tool_calls") or []
        if calls:
            return {**message, "tool_calls": [{**c, "id": f"call_{made + n}"} for n, c in enumerate(calls)]}
        return message

    def _lacks_tool(self, message: dict[str, Any]) -> bool:
        calls = message.get("tool_calls") or []
        return self.tools is not None and any(c["function"]["name"] not in self.tools for c in calls)

    def _would_lack_tool(self, view: list[dict[str, Any]], message: dict[str, Any]) -> bool:
        """Whether a question (a confirmation) leads, on a yes, to a tool the agent does not have:
        then say so now rather than ask for a go-ahead it cannot act on."""
        if self.tools is None or message.get("tool_calls") or "?" not in (message.get("content") or ""):
            return False
        probe = self.inner.reply([*view, message, {"role": "user", "content": YES}])
        return self._lacks_tool(probe)

    def _retry(self, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The call to make again when the last replies are transient failures (not too many)."""
        if not messages or messages[-1].get("role") != "tool" or not transient(messages[-1].get("content")):
            return None
        failed = 0
        for m in reversed(messages):
            if m.get("role") == "tool":
                if not transient(m.get("content")):
                    break
                failed += 1
            elif m.get("role") != "assistant" or not m.get("tool_calls"):
                break
        if failed > MAX_RETRIES:
            return None
        wanted = messages[-1].get("tool_call_id")
        for m in reversed(messages):
            for c in m.get("tool_calls") or []:
                if c.get("id") == wanted:
                    return c["function"]
        return None

    def _unfound(self, messages: list[dict[str, Any]], at: int) -> str | None:
        """The detail the user gave (or details, said together) that the read replied to at `at`
        found nothing for, if it did."""
        m = messages[at]
        content = m.get("content")
        # every turn looks at every reply (`_view`): most are no error, told by their first bytes
        if m.get("role") != "tool" or not isinstance(content, str) or not content.lstrip().startswith('{"error"') \
                or transient(content):
            return None
        try:
            reply = json.loads(content)
        except json.JSONDecodeError:
            return None
        if not (isinstance(reply, dict) and set(reply) == {"error"}):
            return None
        call = next((c["function"] for c in reversed([c for x in messages[:at] for c in x.get("tool_calls") or []])
                     if c.get("id") == m.get("tool_call_id")), None)
        tools = getattr(getattr(self.inner, "compiled", None), "tools", {})
        if call is None or call["name"] not in tools or tools[call["name"]].writes \
                or is_rule_message(tools[call["name"]].spec, str(reply["error"])):
            return None  # a rule the read checks is the request's answer, not a detail to check again
        try:
            args = json.loads(call.get("arguments") or "{}")
        except json.JSONDecodeError:
            return None
        said = " ".join(x.get("content") or "" for x in messages[:at] if x.get("role") == "user")
        given = [v for v in (args.values() if isinstance(args, dict) else ()) if isinstance(v, str) and v in said]
        if not any(len(v) > 3 for v in given):
            return None
        # several details ("Rachel", "May", "57746"): said together, "Rachel May, 57746"
        return given[0] if len(given) == 1 else f"{' '.join(given[:-1])}, {given[-1]}"

    def _view(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The conversation without the transient failures that were retried, nor the reads that
        found nothing for a detail the user gave and what was said of them."""
        failed_ids = {m.get("tool_call_id") for i, m in enumerate(messages) if m.get("role") == "tool"
                      and (transient(m.get("content")) or self._unfound(messages, i) is not None)}
        kept = []
        for m in messages:
            if m.get("role") == "tool" and m.get("tool_call_id") in failed_ids:
                continue
            if m.get("role") == "assistant" and not m.get("tool_calls") and _NOT_FOUND_SAID.fullmatch(m.get("content") or ""):
                continue
            if m.get("role") == "assistant" and m.get("tool_calls"):
                calls = [c for c in m["tool_calls"] if c.get("id") not in failed_ids]
                if not calls:
                    continue
                m = {**m, "tool_calls": calls}
            kept.append(m)
        return kept


def _call(name: str, arguments: str, made: int) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"call_{made}", "type": "function", "function": {"name": name, "arguments": arguments}}]}
