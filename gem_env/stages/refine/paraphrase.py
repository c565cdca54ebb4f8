"""`paraphrase` (LLM only): the user's turns of a verified conversation rewritten in the persona's
voice — lexical variety the offline phrase banks cannot give.

The model is not trusted. Its rewrite is checked turn by turn against the original: every value
of the task that the user said in a turn (an id, an email, an amount, a date) must still be said
in that turn, no value may be said that the turn did not say (a withheld value volunteered early
would be a different lesson), and the user's stop token stays where it was. The model is re-asked
once with the exact error; a rewrite still failing is a recorded rejection with that reason. The
rewritten conversation is then verified again, like any variant (the assistant's side and every
tool call are unchanged, so the same replay applies).

It runs after a variant's rollout (it rewrites a conversation, not a task), so it comes last in a
recipe: ``chain+paraphrase``.
"""
from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from ...simulators.scenario import STOP
from ...tools.render import render
from ..tasks import Task
from ..verify_text import said
from ..verify import spoken_forms, verify

MAX_REASKS = 1
SYSTEM = """You rewrite the customer's side of a support conversation in the customer's own voice.
The customer is {persona}. Rewrite each customer message so it sounds like that person: their
vocabulary, their tone, their sentence length. Keep what each message means and asks for, keep a
yes as a yes and a no as a no, and write every id, email, name, number, amount and date exactly
as the original message writes it. Add no fact the original message does not give, and leave out
none. Do not rewrite the assistant's messages; they are there for context.
Reply with JSON: {{"turns": ["...", ...]}} holding exactly one rewritten message per customer
message, in order."""


class Rewrite(BaseModel):
    turns: list[str] = Field(description="the customer's messages rewritten, one per original, in order")


def task_values(task: Task) -> dict[str, str]:
    """Every value the user may say (what they know, in every request of the session), rendered."""
    scenarios = [task.scenario, *task.followups]
    knows: dict[str, Any] = {}
    for s in scenarios:
        for r in [s, *s.requests]:
            knows.update({k: v for k, v in r.knows.items() if k not in knows})
    values = {k: render(v) for k, v in knows.items()}
    return {k: v for k, v in values.items() if v.strip() and v.lower() not in ("true", "false", "yes", "no")}


def says(value: str, text: str) -> bool:
    return any(said(form, text) for form in spoken_forms(value))


def turn_problems(original: list[str], rewritten: list[str], values: dict[str, str]) -> str | None:
    """Why `rewritten` may not replace `original` (None when it may): a count that differs, a value
    a turn dropped or added."""
    if len(rewritten) != len(original):
        return f"expected {len(original)} rewritten customer messages, got {len(rewritten)}"
    problems = []
    for n, (old, new) in enumerate(zip(original, rewritten), start=1):
        if old and not new.strip():
            problems.append(f"message {n} is empty")
        problems += value_problems(n, old, new, values)
    return "; ".join(problems) or None


def value_problems(n: int, old: str, new: str, values: dict[str, str]) -> list[str]:
    """The values message `n`'s rewrite dropped or added (customer and agent rewrites alike)."""
    problems = []
    for key, value in sorted(values.items()):
        before, after = says(value, old), says(value, new)
        if before and not after:
            problems.append(f"message {n} drops the {key.replace('_', ' ')} {value!r}")
        elif after and not before:
            problems.append(f"message {n} adds the {key.replace('_', ' ')} {value!r}, which it did not say")
    return problems


def _transcript(messages: list[dict[str, Any]]) -> str:
    lines = []
    for m in messages:
        text = m.get("content")
        if m.get("role") == "user":
            lines.append({"customer": text.replace(STOP, "").strip()})
        elif m.get("role") == "assistant" and isinstance(text, str) and text.strip():
            lines.append({"assistant": text})
    return json.dumps(lines, ensure_ascii=False, indent=0)


async def paraphrase(task: Task, messages: list[dict[str, Any]],
                     client: Any) -> tuple[list[dict[str, Any]] | None, str]:
    """The conversation with the user's turns rewritten (None and the reason when the model's
    rewrite fails the checks) and the rewrite's outcome in words."""
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    original = [str(messages[i].get("content") or "").replace(STOP, "").strip() for i in users]
    values = task_values(task)
    prompt = [SystemMessage(SYSTEM.format(persona=task.scenario.persona)),
              HumanMessage(f"The conversation ({len(original)} customer messages):\n{_transcript(messages)}")]
    got = await client.structured(prompt, Rewrite, check=lambda r: turn_problems(original, r.turns, values),
                                  max_reasks=MAX_REASKS)
    if got.value is None:
        return None, f"the model's rewrite was rejected: {got.error}"
    out = [dict(m) for m in messages]
    for i, text in zip(users, got.value.turns):
        stop = STOP in (messages[i].get("content") or "")
        out[i]["content"] = text.strip() + (f" {STOP}" if stop else "")
    return out, f"rewritten after {got.attempts} attempt(s)"


async def paraphrase_trajectory(trajectory: Any, task: Task, compiled: Any, client: Any) -> str | None:
    """Rewrite a verified trajectory's user turns in place and verify it again; the reason it is
    rejected, or None. Without a client the pass cannot run (a recorded reason, not a crash)."""
    if client is None:
        return "paraphrase: needs an LLM backend (--model, --base-url)"
    messages, outcome = await paraphrase(task, trajectory.messages, client)
    if messages is None:
        return f"paraphrase: {outcome}"
    verification = verify(task, messages, compiled)
    if not verification.passed:
        return "paraphrase: the rewritten conversation fails " + ", ".join(verification.failed)
    trajectory.messages, trajectory.verification = messages, verification
    trajectory.meta["paraphrase"] = {"model": client.cfg.model, "outcome": outcome}
    return None
