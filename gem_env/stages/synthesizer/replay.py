"""From a parsed, compiled synthesizer reply to a verified trajectory, with no model call.

`ground_reply` remakes the task the reply names, one request or a session, as the task maker
makes it (`sessions.remake`: the same gold actions, admission gate and id as the pipeline's),
replays the conversation's tool calls in order in a fresh sandbox — each imagined reply replaced
by the real one, later turns repaired where the real replies contradict them (`repair.Corrections`)
— and verifies the result with `stages.verify.verify`, exactly as a rollout's trajectory is verified.

A reply that cannot get that far stops with a `Stopped`: which step it reached and why.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ...tools import CompiledDomain
from ...trajectory import Trajectory
from ..ground.episode import normalize_assistant, policy_prompt
from ..tasks import Task
from ..verify import verify
from .format import SynthReply, TaskRef, Turn, tool_reply_data
from .repair import Corrections
from .sessions import remake

BACKEND = "synthesizer"


@dataclass
class Stopped:
    """How far a reply got (``parse``, ``compile``, ``task``, ``replay``) and why it stopped there."""

    reached: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Replayed:
    """The conversation with real tool replies, and what replaying it changed."""

    messages: list[dict[str, Any]]
    tool_calls: int = 0
    tool_errors: int = 0
    replaced_replies: int = 0
    repairs: list[dict[str, Any]] = field(default_factory=list)


def find_task(compiled: CompiledDomain, ref: TaskRef, *, seed: int = 0, doc_id: str | None = None) -> Task | Stopped:
    """The task the task maker makes from the requests `ref` names, in order (`sessions.remake`)."""
    got = remake(compiled, ref, seed=seed, doc_id=doc_id)
    return Stopped("task", got, {"requests": [r.model_dump(exclude_none=True) for r in ref.requests]}) \
        if isinstance(got, str) else got


def replay_conversation(turns: list[Turn], compiled: CompiledDomain) -> Replayed | Stopped:
    """Every tool call of `turns` executed in order in a fresh sandbox (see the module docstring)."""
    out = Replayed([{"role": "system", "content": policy_prompt(compiled.domain)}])
    fixes = Corrections()
    used_ids: set[str] = set()
    sandbox = compiled.new_sandbox()
    try:
        for i, turn in enumerate(turns):
            if turn.role == "user":
                out.messages.append({"role": "user", "content": _repaired_text(turn.content or "", fixes, i, out)})
                continue
            stopped = _assistant_turn(turn, i, compiled, sandbox, fixes, used_ids, out)
            if stopped is not None:
                return stopped
    finally:
        sandbox.close()
    return out


def _assistant_turn(turn: Turn, i: int, compiled: CompiledDomain, sandbox: Any, fixes: Corrections,
                    used_ids: set[str], out: Replayed) -> Stopped | None:
    unknown = [c.tool for c in turn.calls if c.tool not in compiled.tools]
    if unknown:
        return Stopped("replay", f"turn {i}: unknown tool {unknown[0]!r}", {"turn": i, "tools": sorted(compiled.tools)})
    content, removed = fixes.unbacked_sentences(_repaired_text(turn.content or "", fixes, i, out))
    if removed:
        out.repairs.append({"turn": i, "kind": "removed_unbacked", "sentences": removed})
    calls = []
    for c in turn.calls:
        args = fixes.arguments(c.arguments)
        if args != c.arguments:
            out.repairs.append({"turn": i, "kind": "arguments", "tool": c.tool, "was": c.arguments, "now": args})
        calls.append({"function": {"name": c.tool, "arguments": json.dumps(args, ensure_ascii=False)}})
    if not content and not calls:
        out.repairs.append({"turn": i, "kind": "dropped_turn"})
        return None
    message = normalize_assistant({"content": content or None, "tool_calls": calls}, used_ids)
    out.messages.append(message)
    for call, imagined in zip(message.get("tool_calls", ()), turn.calls):
        result = sandbox.call(call["function"]["name"], call["function"]["arguments"])
        out.tool_calls += 1
        if result.error_kind == "invalid_arguments":
            return Stopped("replay", f"turn {i}: invalid arguments for {imagined.tool}: {result.error}", {"turn": i})
        if not result.ok:
            out.tool_errors += 1
            if not _imagined_error(imagined.reply):
                return Stopped("replay", f"turn {i}: {imagined.tool} failed in the sandbox: {result.error}",
                               {"turn": i, "imagined": imagined.reply})
        out.messages.append({"role": "tool", "tool_call_id": call["id"], "content": result.content})
        real = tool_reply_data(result.content)
        if imagined.reply != real:
            out.replaced_replies += 1
            fixes.learn(imagined.reply, real)
    return None


def _repaired_text(text: str, fixes: Corrections, i: int, out: Replayed) -> str:
    fixed = fixes.text(text)
    if fixed != text:
        out.repairs.append({"turn": i, "kind": "substituted", "was": text, "now": fixed})
    return fixed


def _imagined_error(reply: Any) -> bool:
    """The model foresaw the failure (its imagined reply is an error), so the turns after it stand."""
    return isinstance(reply, dict) and "error" in reply


def ground_reply(reply: SynthReply, compiled: CompiledDomain, *, seed: int = 0, doc_id: str | None = None,
                 llm: dict[str, int] | None = None) -> tuple[Task, Trajectory] | Stopped:
    """The reply's task and its verified (or not) trajectory; `Stopped` if it never gets to verify."""
    task = find_task(compiled, reply.task, seed=seed, doc_id=doc_id)
    if isinstance(task, Stopped):
        return task
    replayed = replay_conversation(reply.conversation, compiled)
    if isinstance(replayed, Stopped):
        replayed.detail.setdefault("task", task.id)
        return replayed
    verification = verify(task, replayed.messages, compiled)
    meta = {
        "backends": {"stages": BACKEND, "agent": {"kind": BACKEND}, "user": {"kind": BACKEND}},
        "seeds": {"task": task.seed},
        "termination": "user_stop" if verification.passed else "replayed",
        "error": None,
        "turns": sum(1 for m in replayed.messages if m["role"] == "assistant"),
        "tool_calls": replayed.tool_calls,
        "tool_errors": replayed.tool_errors,
        "llm": dict(llm or {}),
        BACKEND: {"reached": "verified" if verification.passed else "verify",
                  "replaced_replies": replayed.replaced_replies, "repairs": replayed.repairs},
    }
    return task, Trajectory(id=task.id, doc_id=doc_id, domain=task.domain, task=task.model_dump(mode="json"),
                            tools=compiled.openai_schemas(), messages=replayed.messages,
                            verification=verification, meta=meta)
