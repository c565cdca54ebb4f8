"""Verification: replay a conversation's tool calls in a fresh sandbox and check it against the task.

Verification never trusts what the conversation says: it replays every tool call from the
messages in a new copy of the template, compares the replies, and compares the final state with
the gold replay's. A rollout hands over its episode's own sandbox calls: a read whose tool,
arguments and state digest match the episode's is not run again (`verify_reuse`; every write is).
The same function serves rollouts, `gem verify` and the gym reward.
"""
from __future__ import annotations

import re
from typing import Any

from ..simulators.scenario import STOP
from .ground.plan import PlannedTools
from .refine.checks import variant_checks
from .tasks import Task
from .verify_claims import claims_check
from .verify_confirm import confirmed_check
from .verify_kinds import kind_checks
from .verify_reuse import RecordedCall, ReusingSandbox
from .verify_text import message_text, said, spoken_forms
from ..tools import CompiledDomain
from ..tools.render import FREE_TEXT, is_count, none_of, times_done, undangled
from ..tools.sandbox import same_reply
from ..tools.scratch import diff_vs_gold, scratch_sandbox
from ..trajectory import Check, Verification

def tool_calls(messages: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(message index, tool call) for every assistant tool call, in order."""
    return [(i, c) for i, m in enumerate(messages) if m.get("role") == "assistant"
            for c in m.get("tool_calls") or []]


def verify(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain,
           recorded: list[RecordedCall] | None = None) -> Verification:
    """``recorded``: the episode's own sandbox calls (`Episode.recorded_calls`); the replay reuses
    the results of its reads where the state digest matches (`verify_reuse`), same verdicts.

    Whatever a conversation holds, verification answers: a message it cannot judge fails the
    episode with the error as evidence (`verification_error`), so one episode never ends a
    training run, an eval or a synthesis run."""
    try:
        return _verify(task, messages, compiled, recorded)
    except Exception as e:  # noqa: BLE001 - the episode fails, the run goes on
        return Verification(passed=False, checks=[Check(name="verification_error", passed=False,
                                                        evidence={"error": f"{type(e).__name__}: {e}"})])


def _verify(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain,
            recorded: list[RecordedCall] | None) -> Verification:
    checks: list[Check] = []
    with scratch_sandbox(compiled) as sandbox:  # a pooled copy of the template, rewound afterwards
        replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
        invalid, unexecuted, mismatched, changes = [], [], [], []
        tools = sandbox if recorded is None else ReusingSandbox(sandbox, recorded)
        planned = PlannedTools(tools, task.plan)  # type: ignore[arg-type]
        for i, call in tool_calls(messages):
            fn = call.get("function") or {}
            result = planned.call(fn.get("name"), fn.get("arguments") or "{}", messages[:i])
            if result.error_kind in ("unknown_tool", "invalid_arguments"):
                invalid.append({"tool": fn.get("name"), "error": result.error})
            elif result.ok and compiled.tools[fn["name"]].writes:
                changes.append((i, fn["name"]))
            if call.get("id") not in replies:
                unexecuted.append({"tool": fn.get("name"), "id": call.get("id")})
            elif not same_reply(replies[call.get("id")], result.content):
                mismatched.append({"tool": fn.get("name"), "recorded": replies[call.get("id")],
                                   "replayed": result.content})
        checks.append(Check(name="tool_calls_valid", passed=not invalid, evidence=invalid or None))
        checks.append(Check(name="tool_calls_executed", passed=not unexecuted and not mismatched,
                            evidence={"unexecuted": unexecuted, "mismatched": mismatched}
                            if unexecuted or mismatched else None))
        final_hash = sandbox.state_hash(task.state_tables)  # incremental: O(rows written)
        state_ok = final_hash == task.expected_state_hash
        evidence = None
        if not state_ok:  # the rows either replay wrote; the gold side is cached per task
            gold = [(a.tool, a.arguments) for a in task.gold_actions]
            diff = diff_vs_gold(compiled, gold, sandbox, task.state_tables)
            state_ok = bool(diff) and all(_in_other_words(change) for change in diff)
            evidence = {"free_text_in_other_words" if state_ok else "diff_vs_gold": diff}
        checks.append(Check(name="final_state", passed=state_ok, evidence=evidence))
        checks.append(claims_check(task, messages, sandbox))  # last: it may run the withheld writes
    checks.extend(_output_checks(task, messages))
    checks.extend(kind_checks(task, messages, compiled))
    checks.append(confirmed_check(messages, changes))
    checks.append(_tool_names_check(messages, compiled))
    checks.append(_ended_check(messages))
    checks.extend(variant_checks(task, messages, said))
    return Verification(passed=all(c.passed for c in checks), checks=checks)


def _in_other_words(change: dict[str, Any]) -> bool:
    """A row the gold replay wrote alike but for free text (`FREE_TEXT`: a hand-off's summary), which
    both sides wrote: the same state in other words. An agent writes a colleague's note in its own
    words, so none is held to the gold's letter; the note must still say something (three words at
    least: "." or "n/a" tells a colleague nothing)."""
    fields = change.get("fields") or {}
    return change.get("change") == "changed" and bool(fields) and all(
        FREE_TEXT.search(name) and all(isinstance(v, str) and len(_WORDS.findall(v)) >= 3 for v in pair)
        for name, pair in fields.items())


_WORDS = re.compile(r"[^\W\d_]{2,}")


def spoken(messages: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(index, text) of the assistant's messages to the user."""
    return [(i, m.get("content") or "") for i, m in enumerate(messages)
            if m.get("role") == "assistant" and not m.get("tool_calls") and isinstance(m.get("content"), str)]


def _output_checks(task: Task, messages: list[dict[str, Any]]) -> list[Check]:
    """A required output is told when some assistant message says it after its first source (a tool
    reply or the user); one said only before any source is a claimed result."""
    missing, ungrounded = [], []
    said_by = spoken(messages)
    for name, value in task.required_outputs.items():
        label = name.split(".", 1)[1] if name[:1].isdigit() and "." in name else name
        mentions = [i for i, text in said_by if tells(label, value, text)]
        if not mentions:
            missing.append({name: value})
            continue
        source = _first_source(value, messages)
        if source is None or not any(i > source for i in mentions):
            ungrounded.append({name: value, "said_at": mentions[0]})
    return [
        Check(name="required_outputs", passed=not missing, evidence={"missing": missing} if missing else None),
        Check(name="outputs_grounded", passed=not ungrounded,
              evidence={"claimed_without_a_source": ungrounded} if ungrounded else None),
    ]


_NEGATION = re.compile(r"\b(?:not|no|never|none|cannot|without)\b|n't\b", re.IGNORECASE)
#: a setting said to be off ("Overdraft protection is now off."): a "no" without a negation; "not off" is a "yes"
_OFF = re.compile(r"\b(?:off|disabled|deactivated)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.?!;])\s+|\n+")


def tells(name: str, value: str, text: str) -> bool:
    """Whether `text` tells the output: its value in words, or for a yes/no output, a sentence that
    names it and says it with that polarity ("it is not eligible" tells eligible = no)."""
    if value.lower() not in ("yes", "no"):
        if value == "0" and is_count(name, 0) and said(none_of(name), text):
            return True  # "no refills remaining" tells refills_remaining = 0
        if re.fullmatch(r"\d+", value) and (done := times_done(name, int(value))) is not None \
                and any(said(f, text) for f in (done, done.replace("not ", "not been ", 1), f"hasn't been {done[4:]}")):
            return True  # "frozen twice this year" tells freezes_this_year = 2, "hasn't been frozen" 0
        return any(said(form, text) for form in spoken_forms(value))
    # a name cut off at a preposition is named without it ("it is executed": is_executed_during)
    words = [w for w in re.findall(r"[a-z0-9]+", undangled(name).lower()) if w not in ("is", "has", "can")]
    for sentence in _SENTENCES.split(text):
        low = sentence.lower()
        if words and all(re.search(rf"\b{re.escape(w)}", low) for w in words):
            if (bool(_NEGATION.search(sentence)) != bool(_OFF.search(sentence))) == (value.lower() == "no"):
                return True
    return False


def _first_source(value: str, messages: list[dict[str, Any]]) -> int | None:
    """The first tool reply or user message holding `value`. A value joined from several fields
    ("442 Parrish Neck, Port Brittanytown 12179": a street, a city and a zip) has its source where
    the last of its parts has one, each part whole or word by word ("My new city is Port
    Brittanytown. My new zip is 12179.", or a reply's fields)."""
    texts = [(i, message_text(m)) for i, m in enumerate(messages) if m.get("role") in ("tool", "user")]
    whole = next((i for i, t in texts if any(said(v, t) for v in _source_forms(value))), None)
    if whole is not None or ", " not in value:
        return whole
    found = []
    for part in value.split(", "):
        at = next((i for i, t in texts if said(part, t)), None)
        if at is None:
            words = [next((i for i, t in texts if said(w, t)), None) for w in part.split()]
            at = None if None in words or not words else max(words)
        if at is None:
            return None
        found.append(at)
    return max(found)


def _source_forms(value: str) -> list[str]:
    """How a said value may appear in a tool result: "yes"/"no" are rendered JSON booleans."""
    return {"yes": ["yes", "true"], "no": ["no", "false"]}.get(value.lower(), [value])




def _tool_names_check(messages: list[dict[str, Any]], compiled: CompiledDomain) -> Check:
    """`no_tool_names_said`: the policy says never to show a tool's name to the customer ("I ran
    find_customer_by_email for you"); a name of one word ("search") is a word, not a leak, and a
    name the policy's own text uses (a guide's program `run_example`) is the text's word."""
    policy = " ".join(message_text(m) for m in messages if m.get("role") == "system")
    names = [n for n in compiled.tools if "_" in n and n not in policy]
    found = [{"tool": n, "at": i} for i, text in spoken(messages) for n in names
             if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)] if names else []
    return Check(name="no_tool_names_said", passed=not found, evidence=found or None)


def _ended_check(messages: list[dict[str, Any]]) -> Check:
    last = messages[-1] if messages else {}
    ok = last.get("role") == "user" and STOP in (last.get("content") or "")
    return Check(name="ended_by_user", passed=ok,
                 evidence=None if ok else {"last_role": last.get("role"),
                                           "last_content": (last.get("content") or "")[:200]})
