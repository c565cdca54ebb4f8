"""`paraphrase_agent` (LLM only): the assistant's spoken turns of a verified conversation rewritten
in a support agent's own words — the variety of wording the offline phrase banks cannot give,
on the side a model is trained to produce.

The model is not trusted, and the assistant's words are what verification reads, so a rewrite is
checked turn by turn before it is verified again:
- every value a turn said (an id, an amount, a date, a name: the task's values and every value a
  tool returned) is still said in that turn, in one of the forms the verifier accepts, and no such
  value is said that the turn did not say (a value said before its source is a claimed result);
- a question stays a question and a statement a statement (the user answers what was asked);
- no snake_case name (a tool's, a field's) and no internal domain id appears that the turn did
  not have.
The model is re-asked once with the exact error. A rewrite that still fails, or a rewritten
conversation that fails verification (a required value no longer said after its source, a
refusal's reason dropped), is not used: the original turns are kept and the reason recorded in
the trajectory's meta. The tool calls, their replies and the user's turns are never touched.
"""
from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from ...simulators.scenario import STOP
from ...tools.render import render
from ..tasks import Task
from ..verify import verify
from .paraphrase import task_values, value_problems

MAX_REASKS = 1
SYSTEM = """You rewrite the support agent's side of a customer support conversation so it reads as a
capable, concise human agent of this service would write it. Vary the wording and sentence shape
from message to message. Keep what each agent message does: a question stays a question (ending
with "?"), a confirmation still asks the customer to confirm, a refusal still gives its reason, a
result still tells each value. Write every id, email, name, number, amount and date exactly as the
original message writes it, and say no value the original message does not say. Never write a
function name, a field name with underscores or an internal id. Do not rewrite the customer's
messages; they are there for context.
Reply with JSON: {"turns": ["...", ...]} holding exactly one rewritten message per agent message,
in order."""
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class AgentRewrite(BaseModel):
    turns: list[str] = Field(description="the agent's messages rewritten, one per original, in order")


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [] if value is None or isinstance(value, bool) else [value]


def conversation_values(task: Task, messages: list[dict[str, Any]]) -> dict[str, str]:
    """Every value an assistant turn may say, by a name for the error message: what the user knows
    and every value a tool returned (longer than one character: a lone digit is not a value)."""
    values = dict(task_values(task))
    for m in messages:
        if m.get("role") != "tool":
            continue
        try:
            reply = json.loads(m.get("content") or "")
        except (TypeError, json.JSONDecodeError):
            continue
        for leaf in _leaves(reply):
            text = render(leaf).strip()
            if len(text) > 1 and text not in values.values():
                values[f"value {text}"] = text
    return values


def turn_problems(original: list[str], rewritten: list[str], values: dict[str, str],
                  internal: list[str]) -> str | None:
    """Why `rewritten` may not replace the assistant's `original` turns (None when it may)."""
    if len(rewritten) != len(original):
        return f"expected {len(original)} rewritten agent messages, got {len(rewritten)}"
    problems = []
    for n, (old, new) in enumerate(zip(original, rewritten), start=1):
        if not new.strip():
            problems.append(f"message {n} is empty")
            continue
        if ("?" in old) != ("?" in new):
            problems.append(f"message {n} {'no longer asks' if '?' in old else 'asks'} a question")
        problems += value_problems(n, old, new, values)
        added = set(_SNAKE.findall(new)) - set(_SNAKE.findall(old))
        added = sorted(added | {name for name in internal if name in new and name not in old})
        if added:
            problems.append(f"message {n} names internals: {', '.join(added)}")
    return "; ".join(problems) or None


def _spoken(messages: list[dict[str, Any]]) -> list[int]:
    """Indexes of the assistant's spoken turns (a message with tool calls is an action, not speech)."""
    return [i for i, m in enumerate(messages) if m.get("role") == "assistant" and not m.get("tool_calls")
            and isinstance(m.get("content"), str) and m["content"].strip()]


def _transcript(messages: list[dict[str, Any]]) -> str:
    lines = []
    for m in messages:
        if m.get("role") == "user":
            lines.append({"customer": str(m.get("content") or "").replace(STOP, "").strip()})
        elif m.get("role") == "assistant" and not m.get("tool_calls") and (m.get("content") or "").strip():
            lines.append({"agent": m["content"]})
    return json.dumps(lines, ensure_ascii=False, indent=0)


async def rewrite_agent(task: Task, messages: list[dict[str, Any]], client: Any,
                        internal: list[str]) -> tuple[list[dict[str, Any]] | None, str]:
    """The conversation with the assistant's spoken turns rewritten (None and the reason when the
    model's rewrite fails the checks) and the outcome in words."""
    spoken = _spoken(messages)
    if not spoken:
        return None, "no agent message to rewrite"
    original = [messages[i]["content"] for i in spoken]
    values = conversation_values(task, messages)
    prompt = [SystemMessage(SYSTEM),
              HumanMessage(f"The conversation ({len(original)} agent messages):\n{_transcript(messages)}")]
    got = await client.structured(prompt, AgentRewrite, max_reasks=MAX_REASKS,
                                  check=lambda r: turn_problems(original, r.turns, values, internal))
    if got.value is None:
        return None, f"the model's rewrite was rejected: {got.error}"
    out = [dict(m) for m in messages]
    for i, text in zip(spoken, got.value.turns):
        out[i]["content"] = text.strip()
    return out, f"rewritten after {got.attempts} attempt(s)"


async def paraphrase_agent_trajectory(trajectory: Any, task: Task, compiled: Any, client: Any) -> str | None:
    """Rewrite a verified trajectory's assistant turns in place when the rewrite passes its checks
    and verification again; else keep the original turns. The outcome is recorded in
    `trajectory.meta["paraphrase_agent"]`; the reason is returned only when the pass cannot run
    (no LLM), so the caller records the variant as rejected then, like `paraphrase`."""
    if client is None:
        return "paraphrase_agent: needs an LLM backend (--model, --base-url)"
    internal = [compiled.domain.name]
    messages, outcome = await rewrite_agent(task, trajectory.messages, client, internal)
    if messages is not None:
        verification = verify(task, messages, compiled)
        if verification.passed:
            trajectory.messages, trajectory.verification = messages, verification
        else:
            outcome = "the rewritten conversation fails " + ", ".join(verification.failed)
            messages = None
    kept = "" if messages is not None else "original kept: "
    trajectory.meta["paraphrase_agent"] = {"model": client.cfg.model, "outcome": kept + outcome,
                                           "rewritten": messages is not None}
    return None
