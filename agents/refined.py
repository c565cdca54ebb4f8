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

from gem_env.tools.render import SECRET

from .actions import action, brief
from .prechecks import is_rule_message

_TRANSIENT = re.compile(r"temporar|timed? ?out|rate.?limit|too many requests|try again|retry|unavailable \(5",
                        re.IGNORECASE)
MAX_RETRIES = 3
YES = "Yes, please go ahead."
CANNOT = ["I'm sorry, I can't {what} right now: that option isn't available to me at the moment.",
          "Unfortunately, I'm not able to {what} from here at the moment.",
          "I'm afraid I can't {what} just now; the option to do it isn't open to me at the moment."]
"""Said instead of calling a tool the agent does not have (`RefinedAgent`): what it cannot do, in
the words of the request it serves ("change the cabin of your booking"), never "the function I need"."""
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
        unfounds = self._unfounds(messages)
        unfound = unfounds.get(len(messages) - 1)
        if unfound is not None:
            rng = random.Random(hashlib.sha256(f"{unfound}\x00{len(messages)}".encode()).digest())
            return {"role": "assistant", "content": rng.choice(NOT_FOUND).format(v=unfound)}
        view = self._view(messages, unfounds)
        message = self.inner.reply(view)
        lacking = self._lacking(message) or self._would_lack(view, message)
        if lacking is not None:
            return {"role": "assistant", "content": self._cannot(lacking, len(messages))}
        calls = message.get("tool_calls") or []
        if calls:
            return {**message, "tool_calls": [{**c, "id": f"call_{made + n}"} for n, c in enumerate(calls)]}
        return message

    def _lacking(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """The first call of `message` to a tool the agent does not have."""
        if self.tools is None:
            return None
        return next((c["function"] for c in message.get("tool_calls") or [] if c["function"]["name"] not in self.tools),
                    None)

    def _would_lack(self, view: list[dict[str, Any]], message: dict[str, Any]) -> dict[str, Any] | None:
        """The call to a tool the agent does not have that a question (a confirmation) leads to on a
        yes: then say so now rather than ask for a go-ahead it cannot act on."""
        if self.tools is None or message.get("tool_calls") or "?" not in (message.get("content") or ""):
            return None
        probe = self.inner.reply([*view, message, {"role": "user", "content": YES}])
        return self._lacking(probe)

    def _cannot(self, call: dict[str, Any], at: int) -> str:
        """That it cannot do what the missing tool's call would: a write as the request it serves
        says it, in brief ("change the cabin of your booking"), with the values the call takes."""
        rng = random.Random(hashlib.sha256(f"{call['name']}\x00{at}".encode()).digest())
        return rng.choice(CANNOT).format(what=self._doing(call))

    def _doing(self, call: dict[str, Any]) -> str:
        compiled = getattr(self.inner, "compiled", None)
        tool = call.get("name", "")
        if compiled is None or tool not in compiled.tools or not compiled.tools[tool].writes:
            return "look that up" if compiled is not None and tool in compiled.tools else "do that"
        try:
            args = json.loads(call.get("arguments") or "{}")
        except json.JSONDecodeError:
            args = {}
        said = []
        for wf in compiled.domain.workflows:
            for step in (s for s in wf.steps if s.tool == tool):
                known = {b.user: args[name] for name, b in step.args.items()
                         if b.user is not None and isinstance(args, dict) and name in args}
                said.append((not all(k in known for k in re.findall(r"\{(\w+)\}", wf.goal)),
                             brief(action(wf.goal, tool, known))))
        return min(said, key=lambda x: x[0])[1] if said else "do that"

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

    def _unfounds(self, messages: list[dict[str, Any]]) -> dict[int, str]:
        """The replies (by index) of reads that found nothing for a detail the user gave, with the
        detail: the first time for each detail only. Found nothing again for the same detail (the
        user could not give another), the reply is the request's answer, seen by the inner agent:
        asking the user to check it once more, and calling again, would go round in circles."""
        out: dict[int, str] = {}
        for i, m in enumerate(messages):
            if m.get("role") == "tool" and (detail := self._unfound(messages, i)) is not None \
                    and detail not in out.values():
                out[i] = detail
        return out

    @staticmethod
    def _called(messages: list[dict[str, Any]], at: int) -> str:
        """The name of the tool whose reply is `messages[at]`."""
        ids = {m.get("tool_call_id") for m in messages[at:at + 1]}
        return next((c["function"].get("name", "") for x in messages[:at] for c in x.get("tool_calls") or []
                     if c.get("id") in ids), "")

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
        given = [v for k, v in (args.items() if isinstance(args, dict) else ()) if isinstance(v, str) and v in said
                 and not SECRET.search(k)]  # a passphrase is checked, never read back
        if not any(len(v) > 3 for v in given):
            return None
        # several details ("Rachel", "May", "57746"): said together, "Rachel May, 57746"
        return given[0] if len(given) == 1 else f"{' '.join(given[:-1])}, {given[-1]}"

    def _view(self, messages: list[dict[str, Any]], unfound: dict[int, str]) -> list[dict[str, Any]]:
        """The conversation without the transient failures that were retried, nor the reads that
        found nothing for a detail the user gave (`unfound`, `_unfounds`) and what was said of them;
        but a read the inner agent finds another way round (`recovers`: who the customer is, by
        their name and zip code when their email finds nobody) stays for it to see."""
        recovers = getattr(self.inner, "recovers", None)
        failed_ids = {m.get("tool_call_id") for i, m in enumerate(messages) if m.get("role") == "tool"
                      and (transient(m.get("content")) or i in unfound and not (recovers and recovers(self._called(messages, i))))}
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
