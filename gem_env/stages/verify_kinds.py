"""Checks for the task kinds beyond "reach the state, tell the facts": refusals, declines,
ambiguous references and questions across the user's records.

A refusal passes when no write was made on the refused record and the assistant gave the rule's
reason (the record values that break it, or most of the rule's words) after reading the record;
one the customer then clears (the card unfrozen) holds until that change.
A decline passes when the assistant asked to confirm, the user said no, no write was made on that
record, and the assistant answered the no. A disambiguation passes when, before any write, the
assistant asked which of the fitting records the user meant: a question naming two of them, or
one naming one that is not the confirmation of a change ("Is this for the same account as before,
ACC-1?", "Do you mean ACC-1?"), which leaves the choice to the user as well; so does the confirmation
that says the one it names is the only one of all of them the change fits ("Of your 4 accounts, only
ACC-1 (...) can be closed. I'll close ... Shall I go ahead?"), which the user can answer "not that one".
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..simulators.base import asks_confirmation
from ..tools import CompiledDomain
from ..tools.referring import ONLY_FITTING
from ..trajectory import Check
from .tasks import Task
from .verify_text import said
from .verify_offers import offers_check

_NO = re.compile(r"^\W*(?:no\b|nope\b|nah\b|actually,? no\b|don't\b|do not\b)|\bchanged my mind\b|\brather not\b|"
                 r"\bhold off\b|\bdon't (?:do|go ahead|proceed)\b|\bnot (?:now|go ahead)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset("a an and are as at be by can cannot for from has have if in is it its may must no not "
                       "of on or only that the their then this to was were when which will with you your".split())


def kind_checks(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain) -> list[Check]:
    checks = []
    if task.refusals:
        checks.append(_refusals(task, messages, compiled))
    if task.declines:
        checks.append(_declines(task, messages, compiled))
    if task.ambiguities:
        checks.append(_asked_which(task, messages, compiled))
    if any(r.compare for r in task.scenario.requests):
        checks.append(_named_the_most(task, messages))
    if any(not o.taken for o in task.offers):  # a no to what was offered after the write: its line told
        checks.append(offers_check(task, messages, gives_reason))
    return checks


_MOST = {"highest": r"highest|most|largest|biggest|greatest|top", "lowest": r"lowest|least|smallest|cheapest|fewest"}


def _named_the_most(task: Task, messages: list[dict[str, Any]]) -> Check:
    """A question across the user's records ("which of my lines has the lowest price?") is answered
    when one of the assistant's sentences names the record with the most or least, its value and
    which of the two it is; listing every record's value without saying which is not an answer."""
    texts = [m.get("content") or "" for m in messages if m.get("role") == "assistant" and not m.get("tool_calls")]
    sentences = [x for t in texts for x in re.split(r"(?<=[.?!;])\s+", t)]
    problems = []
    for n, request in enumerate(task.scenario.requests, 1):
        if not request.compare:
            continue
        told = {k.split(".", 1)[1]: v for k, v in task.required_outputs.items() if k.startswith(f"{n}.")}
        if not told:
            continue
        word = re.compile(rf"\b(?:{_MOST[request.compare]})\b", re.IGNORECASE)
        if not any(word.search(x) and all(said(v, x) for v in told.values()) for x in sentences):
            problems.append({"request": n, "most": request.compare, "outputs": told})
    return Check(name="named_the_most", passed=not problems, evidence=problems or None)


def _asked_which(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain) -> Check:
    """Before the write on the record the user meant, the assistant asked which of the fitting
    records it was (a question naming at least two of them, or one that is no confirmation)."""
    problems = []
    for a in task.ambiguities:
        target = {a.key: a.chosen} if a.chosen else {}
        writes = [i for i, m in enumerate(messages) if m.get("role") == "assistant" and writes_on([m], compiled, target)]
        until = writes[0] if writes else len(messages)
        asked = any(_asks_which(m.get("content") or "", a.candidates)
                    for m in messages[:until] if m.get("role") == "assistant" and not m.get("tool_calls"))
        if not asked:
            problems.append({"key": a.key, "candidates": a.candidates, "before_message": until})
    return Check(name="asked_which", passed=not problems, evidence=problems or None)


def _asks_which(text: str, candidates: list[Any]) -> bool:
    """A question that names two of the candidates, or names one without asking to confirm a change,
    or confirms a change on the one it says is the only one of all the candidates that it fits."""
    named = [c for c in candidates if said(c, text)]
    only = ONLY_FITTING.search(text)
    if only is not None and len(named) == 1 and only["id"] == str(named[0]) and int(only["n"]) == len(candidates) \
            and asks_confirmation(text):
        return True  # (asked as "Please confirm." too)
    if "?" not in text:
        return False
    return len(named) >= 2 or (len(named) == 1 and not asks_confirmation(text))


def writes_on(messages: list[dict[str, Any]], compiled: CompiledDomain, target: dict[str, Any]) -> list[dict]:
    """Write calls whose arguments name the target record."""
    out = []
    for m in messages:
        for call in (m.get("tool_calls") or []) if m.get("role") == "assistant" else []:
            fn = call.get("function") or {}
            tool = compiled.tools.get(fn.get("name"))
            if tool is None or not tool.writes:
                continue
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except (TypeError, json.JSONDecodeError):
                continue
            if isinstance(args, dict) and all(str(args.get(k)) == str(v) for k, v in target.items()):
                out.append({"tool": fn.get("name"), "arguments": args})
    return out


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


def gives_reason(reason: str, values: list[str], text: str) -> bool:
    """The rule's reason is in `text`: a value that breaks it, or at least half the rule's words."""
    if any(said(v, text) for v in values):
        return True
    rule = content_words(reason)
    return bool(rule) and len(rule & content_words(text)) * 2 >= len(rule)


def _cleared_at(messages: list[dict[str, Any]], compiled: CompiledDomain, lifted_by: dict[str, Any] | None) -> int:
    """Where the customer's own change that clears a refusal is made (the assistant's message
    calling it, answered without an error), else the end: the refusal holds until then."""
    if not lifted_by:
        return len(messages)
    replies = {m.get("tool_call_id"): m.get("content") or "" for m in messages if m.get("role") == "tool"}
    for i, m in enumerate(messages):
        made = writes_on([m], compiled, lifted_by["target"])
        calls = {c.get("id"): (c.get("function") or {}).get("name") for c in m.get("tool_calls") or []}
        if any(w["tool"] == lifted_by["tool"] for w in made) and any(
                name == lifted_by["tool"] and cid in replies and not _failed(replies[cid]) for cid, name in calls.items()):
            return i
    return len(messages)


def _failed(reply: str) -> bool:
    try:
        got = json.loads(reply)
    except (TypeError, json.JSONDecodeError):
        return False
    return isinstance(got, dict) and "error" in got


def _refusals(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain) -> Check:
    """Each refusal holds until the customer's change that clears it, if the task has one
    (`Refusal.lifted_by`): no write on its record before, and the reason told before."""
    first_call = next((i for i, m in enumerate(messages) if m.get("role") == "tool"), len(messages))
    problems = []
    for r in task.refusals:
        held = messages[:_cleared_at(messages, compiled, r.lifted_by)]
        made = writes_on(held, compiled, r.target)
        told = any(gives_reason(r.reason, r.values, m.get("content") or "") for m in held[first_call:]
                   if m.get("role") == "assistant" and not m.get("tool_calls"))
        if made or not told:
            problems.append({"tool": r.tool, "target": r.target, "writes_made": made, "reason_told": told})
    return Check(name="refused_with_reason", passed=not problems, evidence=problems or None)


def _declines(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain) -> Check:
    problems = []
    spoken = [(i, m) for i, m in enumerate(messages) if m.get("role") in ("assistant", "user")
              and not m.get("tool_calls") and isinstance(m.get("content"), str)]
    answered_no = False
    for (i, a), (j, u), (_, after) in zip(spoken, spoken[1:], spoken[2:]):
        if (a["role"], u["role"], after["role"]) == ("assistant", "user", "assistant") \
                and asks_confirmation(a["content"]) and _NO.search(u["content"]):
            answered_no = True
    for d in task.declines:
        made = writes_on(messages, compiled, d.target)
        if made or not answered_no:
            problems.append({"tool": d.tool, "target": d.target, "writes_made": made,
                             "confirmation_declined_and_answered": answered_no})
    return Check(name="decline_honoured", passed=not problems, evidence=problems or None)
