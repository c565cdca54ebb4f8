"""Verification checks of refined tasks, added to `verify`'s own for tasks that carry a plan.

Each looks only at the conversation and the task's plan, so `gem verify`, rollouts and the gym
reward apply them alike:
- ``withheld_value_asked``: a withheld value is used in a call only after the user said it (or a
  tool returned it), and the user said it in answer to a question — never invented;
- ``no_distractor_called``: none of the near-duplicate tools was called;
- ``no_absent_tool_called``: no call to a missing tool before it was there (the assistant said it
  could not, and the user answered);
- ``retried_after_error``: every injected failure was met and followed by a call of the same tool;
- ``refusal_told``: the reason of every refused request was told to the user;
- ``change_confirmed``: a value the user changed at the confirmation was not written as first said
  before the new one, and the write of the new value came after the assistant asked again;
- ``detail_rechecked``: after a read found nothing for a detail the user gave with a slip, the
  assistant spoke to the user before its next call, never tried the slip again, and used the
  right value only once the user (or a tool) had said it;
- ``correction_made``: a value the user corrected once the first request was done was written
  first as they said it, then again as corrected, after the assistant asked to confirm it;
- ``off_topic_declined``: the assistant answered an ask the service does not do with no tool call
  and said it could not help.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from ...agents.plans import content_words
from ...agents.prechecks import states_rule
from ...agents.refined import transient
from ...simulators.base import asks_confirmation
from ...simulators.writing import every_way
from ...tools.reasons import says_reason
from ...tools.render import render, when_words
from ...trajectory import Check
from ..tasks import Task
from ..verify_text import spoken_forms

Said = Callable[[str, str], bool]


def _calls(messages: list[dict[str, Any]]) -> list[tuple[int, str, dict[str, Any]]]:
    out = []
    for i, m in enumerate(messages):
        for c in (m.get("tool_calls") or []) if m.get("role") == "assistant" else []:
            fn = c.get("function") or {}
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except (TypeError, json.JSONDecodeError):
                args = {}
            out.append((i, str(fn.get("name")), args if isinstance(args, dict) else {}))
    return out


def _call_ids(messages: list[dict[str, Any]]) -> list[Any]:
    """The ids of the calls `_calls` lists, in its order."""
    return [c.get("id") for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []]


def _values(args: Any) -> list[str]:
    if isinstance(args, dict):
        return [v for x in args.values() for v in _values(x)]
    if isinstance(args, list):
        return [v for x in args for v in _values(x)]
    return [str(args)]


def _withheld(task: Task, messages: list[dict[str, Any]], said: Said) -> Check:
    bad = []
    for key, value in task.plan.withheld.items():  # type: ignore[union-attr]
        # as the user may write it: "2025-02-01 at 1:30 PM" gives 2025-02-01T13:30:00
        forms = list(dict.fromkeys(w for f in spoken_forms(value) for w in every_way(f)))
        for i, tool, args in _calls(messages):
            if value not in _values(args):
                continue
            told = next((j for j, m in enumerate(messages[:i]) if m.get("role") in ("user", "tool")
                         and (any(said(f, _text(m)) for f in forms)
                              or m.get("role") == "user" and says_reason(_text(m), value))),
                        None)  # a reason in the user's own words ("Someone stole it." for "stolen")
            if told is None:
                bad.append({"key": key, "tool": tool, "why": "used before anyone gave it"})
            elif messages[told].get("role") == "user" and not _asked_before(messages, told):
                bad.append({"key": key, "tool": tool, "why": "the user gave it without being asked"})
            break
    return Check(name="withheld_value_asked", passed=not bad, evidence=bad or None)


def _asked_before(messages: list[dict[str, Any]], index: int) -> bool:
    """Whether the assistant's last spoken message before `index` asked something."""
    for m in reversed(messages[:index]):
        if m.get("role") == "assistant" and not m.get("tool_calls"):
            return "?" in (m.get("content") or "")
    return False


def _text(m: dict[str, Any]) -> str:
    c = m.get("content")
    return c if isinstance(c, str) else json.dumps(c)


def _hidden(task: Task, messages: list[dict[str, Any]]) -> Check:
    plan = task.plan
    early = [{"tool": tool, "message": i} for i, tool, _ in _calls(messages)
             if tool in plan.hidden and not plan.unlocked(messages[:i])]  # type: ignore[union-attr]
    return Check(name="no_absent_tool_called", passed=not early, evidence=early or None)


def _retried(task: Task, messages: list[dict[str, Any]]) -> Check:
    calls = _calls(messages)
    missing = []
    for fault in task.plan.faults:  # type: ignore[union-attr]
        positions = [n for n, (_, tool, _) in enumerate(calls) if tool == fault.tool]
        if len(positions) <= fault.call:
            missing.append({"tool": fault.tool, "why": "the failure was not met" if len(positions) < fault.call
                            else "no retry after the failure"})
    return Check(name="retried_after_error", passed=not missing, evidence=missing or None)


def _refusals(task: Task, messages: list[dict[str, Any]], said: Said) -> Check:
    spoken = " ".join(m.get("content") or "" for m in messages if m.get("role") == "assistant")
    # (as the refusal says it: "your doctor Daniel Burton is not accepting patients" of "This doctor ...")
    untold = [r for r in task.plan.refusals if not said(r, spoken) and not states_rule(r, spoken)]  # type: ignore[union-attr]
    return Check(name="refusal_told", passed=not untold, evidence={"untold": untold} if untold else None)


def _same(a: Any, b: Any) -> bool:
    """Call arguments as the sandbox takes them: 3000 is 3000.0; text as written."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return render(a) == render(b)


def _changes(task: Task, messages: list[dict[str, Any]], said: Said) -> Check:
    bad = []
    calls = _calls(messages)
    for change in task.plan.changes:  # type: ignore[union-attr]
        wanted = render(change.wanted)
        written = [(i, args[change.argument]) for i, tool, args in calls
                   if tool == change.tool and change.argument in args]
        at = next((i for i, value in written if _same(value, change.wanted)), None)
        # before the new value is written (a later request may take the first value again)
        if any(_same(value, change.said) for i, value in written if at is None or i < at):
            bad.append({"key": change.key, "why": f"wrote {render(change.said)}, the value the user changed"})
        if at is None:
            continue  # never written: the final state says whether that is wrong
        # a reason may be asked for in the user's own words ("make that because it never arrived")
        told = next((j for j, m in enumerate(messages[:at]) if m.get("role") == "user"
                     and (any(said(form, _text(m)) for form in {wanted, when_words(wanted)})
                          or says_reason(_text(m), wanted))), None)
        if told is None:
            bad.append({"key": change.key, "why": f"wrote {wanted} before the user asked for it"})
        elif not any(m.get("role") == "assistant" and not m.get("tool_calls") and asks_confirmation(_text(m))
                     for m in messages[told + 1:at]):  # in its words: "because the item was not received"
            bad.append({"key": change.key, "why": f"wrote {wanted} without asking again"})
    return Check(name="change_confirmed", passed=not bad, evidence=bad or None)


def _mistakes(task: Task, messages: list[dict[str, Any]], said: Said) -> Check:
    bad = []
    calls = _calls(messages)
    # a try met by a transient failure is retried as it was: not a second try of the slip
    retried = {m.get("tool_call_id") for m in messages if m.get("role") == "tool" and transient(m.get("content"))}
    tries = [(n, args) for n, ((_, _, args), cid) in enumerate(zip(calls, _call_ids(messages))) if cid not in retried]
    for mistake in task.plan.mistakes:  # type: ignore[union-attr]
        tried = [n for n, args in tries if mistake.said in _values(args)]  # indices into `calls`
        right = next((i for i, _, args in calls if mistake.right in _values(args)), None)
        if right is not None:
            told = next((j for j, m in enumerate(messages[:right]) if m.get("role") in ("user", "tool")
                         and said(mistake.right, _text(m))), None)
            if told is None:
                bad.append({"key": mistake.key, "why": f"used {mistake.right} before anyone said it"})
        if len(tried) > 1:
            bad.append({"key": mistake.key, "why": f"tried {mistake.said} again"})
        if tried and tried[0] + 1 < len(calls):
            at, after = calls[tried[0]][0], calls[tried[0] + 1][0]
            if not any(m.get("role") == "assistant" and not m.get("tool_calls") for m in messages[at:after]):
                bad.append({"key": mistake.key, "why": "called again without telling the user"})
    return Check(name="detail_rechecked", passed=not bad, evidence=bad or None)


def _corrections(task: Task, messages: list[dict[str, Any]]) -> Check:
    bad = []
    calls = _calls(messages)
    for c in task.plan.corrections:  # type: ignore[union-attr]
        written = [(i, args[c.argument]) for i, tool, args in calls if tool == c.tool and c.argument in args]
        first = next((i for i, value in written if _same(value, c.said)), None)
        again = next((i for i, value in written if _same(value, c.wanted) and (first is None or i > first)), None)
        if first is None:
            bad.append({"key": c.key, "why": f"never wrote {render(c.said)}, the value the user first gave"})
        elif again is None:
            bad.append({"key": c.key, "why": f"never wrote {render(c.wanted)} after {render(c.said)}"})
        elif not any(m.get("role") == "assistant" and not m.get("tool_calls") and asks_confirmation(_text(m))
                     for m in messages[first + 1:again]):
            bad.append({"key": c.key, "why": f"wrote {render(c.wanted)} without asking to confirm"})
    return Check(name="correction_made", passed=not bad, evidence=bad or None)


_CANNOT_HELP = re.compile(r"\b(?:can(?:'|no)t|cannot|unable to|not able to|not something|not a service)\b|\boutside\b",
                          re.IGNORECASE)


def _off_topic(task: Task, messages: list[dict[str, Any]]) -> Check:
    bad = []
    for ask in task.plan.off_topic:  # type: ignore[union-attr]
        words = content_words(ask)
        at = next((i for i, m in enumerate(messages) if m.get("role") == "user"
                   and len(words & content_words(_text(m))) >= 0.6 * len(words)), None)
        if at is None:
            bad.append({"ask": ask, "why": "never asked"})
            continue
        reply = next((i for i in range(at + 1, len(messages)) if messages[i].get("role") == "user"), len(messages))
        answer = messages[at + 1:reply]
        if any(m.get("tool_calls") for m in answer):
            bad.append({"ask": ask, "why": "called a tool for it"})
        if not any(m.get("role") == "assistant" and _CANNOT_HELP.search(_text(m)) for m in answer):
            bad.append({"ask": ask, "why": "did not say it cannot help"})
    return Check(name="off_topic_declined", passed=not bad, evidence=bad or None)


def variant_checks(task: Task, messages: list[dict[str, Any]], said: Said) -> list[Check]:
    """The checks a refined task's plan asks for (none for a plain task). `said(value, text)` is
    verify's test of a value being said (passed in: verify imports this module)."""
    plan = task.plan
    if plan is None:
        return []
    checks = []
    if plan.withheld:
        checks.append(_withheld(task, messages, said))
    if plan.distractors:
        called = sorted({tool for _, tool, _ in _calls(messages) if tool in plan.distractors})
        checks.append(Check(name="no_distractor_called", passed=not called, evidence=called or None))
    if plan.hidden:
        checks.append(_hidden(task, messages))
    if plan.faults:
        checks.append(_retried(task, messages))
    if plan.refusals:
        checks.append(_refusals(task, messages, said))
    if plan.changes:
        checks.append(_changes(task, messages, said))
    if plan.mistakes:
        checks.append(_mistakes(task, messages, said))
    if plan.off_topic:
        checks.append(_off_topic(task, messages))
    if plan.corrections:
        checks.append(_corrections(task, messages))
    return checks
