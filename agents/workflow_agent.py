"""An offline assistant that follows the domain's workflows: deterministic, no model.

It keeps no state between turns: every reply is worked out again from the conversation (which
workflow the opening asks for, what the user said, what the tools returned), so one agent can
serve any number of episodes and a replayed conversation always gets the same answers.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from gem_env.tools import CompiledDomain, Workflow
from gem_env.tools.errors import ExprError
from gem_env.tools.expr import Compiled, compile_expr
from gem_env.tools.render import render


_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be by do for from have hi hello i i'd id like is it its me my need of on or our "
    "please the their there this to want we with you your".split()
)
# a fact runs to the end of its line or to the ". My" of the next one, so values may hold ". "
_FACT = re.compile(r"\bmy ([a-z][a-z0-9 ]*?) is (.+?)(?=\.\s+my\s|\.?$)", re.IGNORECASE | re.MULTILINE)
_YES = re.compile(r"^\W*(?:yes|yeah|yep|sure|ok|okay|confirm|please (?:go ahead|proceed|do)|go ahead|proceed)\b",
                  re.IGNORECASE)
_NO = re.compile(r"^\W*(?:no|nope|don't|do not|cancel)\b", re.IGNORECASE)
_INT = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_ROW_FIELD = re.compile(r"^row\.(\w+)$")
_LOOKUP_FIELD = re.compile(r"^lookup\(\s*'(\w+)'.*\)\.(\w+)$")

GREETING = "Hello! How can I help you today?"
OUT_OF_SCOPE = "I'm sorry, I can't help with that request: it is outside what I can do here."
ANYTHING_ELSE = "Is there anything else I can help you with?"


def parse_facts(text: str) -> dict[str, str]:
    """What a user states as "my X is Y" sentences: {"x": "Y"} with X in lower case."""
    return {m.group(1).strip().lower(): m.group(2).strip() for m in _FACT.finditer(text)}


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - _STOPWORDS


def _human(key: str) -> str:
    return key.replace("_", " ").strip()


def _coerce(value: str, type_: str | None) -> Any:
    """A value the user said, typed as the parameter it feeds or the field it came from (else text)."""
    if type_ == "integer" and _INT.match(value):
        return int(value)
    if type_ == "number" and _NUMBER.match(value):
        return int(value) if _INT.match(value) else float(value)
    if type_ == "boolean" and value.lower() in ("yes", "no", "true", "false"):
        return value.lower() in ("yes", "true")
    if type_ == "array":
        return [v.strip() for v in value.split(",") if v.strip()]
    if type_ in ("object", "json"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class _NoDatabase:
    """The expression runtime the agent offers: it reads results, never the database."""

    def lookup(self, table: str, key: Any) -> dict | None:
        raise ExprError("the assistant cannot read the database directly")

    def next_id(self, prefix: str) -> str:
        raise ExprError("the assistant cannot allocate ids")

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        raise ExprError("the assistant cannot read the database directly")


@dataclass
class _Step:
    tool: str
    writes: bool
    args: dict[str, tuple[str, Any]]  # name -> ("user", key) | ("result", Compiled) | ("const", value)
    when: Compiled | None
    as_: str | None
    needs: list[str]  # user knowledge the step reads


@dataclass
class _Plan:
    workflow: Workflow
    goal_tokens: set[str]
    name_tokens: set[str]
    key_types: dict[str, str | None]
    steps: list[_Step]
    tells: dict[str, Compiled]


def _field_type(src: str, anchor: str, compiled: CompiledDomain) -> str | None:
    """The entity field type of knowledge taken straight from a field (``row.x``, ``lookup('t', ..).x``)."""
    src = src.strip()
    if m := _ROW_FIELD.match(src):
        table, name = anchor, m.group(1)
    elif m := _LOOKUP_FIELD.match(src):
        table, name = m.group(1), m.group(2)
    else:
        return None
    entity = compiled.domain.entity(table)
    found = entity.field(name) if entity else None
    return found.type if found else None


def _plan(wf: Workflow, compiled: CompiledDomain) -> _Plan:
    keys = set(wf.knows)
    types: dict[str, str | None] = {k: None for k in wf.knows}
    steps = []
    for s in wf.steps:
        params = {p.name: p.type for p in compiled.tools[s.tool].spec.parameters}
        args: dict[str, tuple[str, Any]] = {}
        needs: list[str] = []
        for name, b in s.args.items():
            if b.user is not None:
                args[name] = ("user", b.user)
                needs.append(b.user)
                types[b.user] = types[b.user] or params[name]
            elif b.result is not None:
                expr = compile_expr(b.result)
                args[name] = ("result", expr)
                needs += sorted(expr.names & keys)
            else:
                args[name] = ("const", b.const)
        when = compile_expr(s.when) if s.when else None
        if when is not None:
            needs += sorted(when.names & keys)
        steps.append(_Step(s.tool, compiled.tools[s.tool].writes, args, when, s.as_, list(dict.fromkeys(needs))))
    for key, src in wf.knows.items():
        types[key] = types[key] or _field_type(src, wf.anchor.table, compiled)
    return _Plan(wf, _tokens(re.sub(r"\{[^}]*\}", " ", wf.goal)), _tokens(wf.name.replace("_", " ")), types,
                 steps, {k: compile_expr(v) for k, v in wf.tells.items()})


class WorkflowAgent:
    """Recognises the workflow the user wants, asks for what it lacks, runs the steps (checking
    ``when`` conditions and binding results), asks for a yes/no before every write, and tells the
    workflow's ``tells`` facts; relays a tool's refusal and says when a request is out of scope."""

    def __init__(self, compiled: CompiledDomain) -> None:
        self.compiled = compiled
        self.meta: dict[str, Any] = {"backend": "workflow"}
        self._plans = [_plan(wf, compiled) for wf in compiled.domain.workflows]
        self._rt = _NoDatabase()
        clock = dt.datetime.fromisoformat(compiled.domain.clock)
        self._clock = {"now": clock.isoformat(), "today": clock.date().isoformat()}  # as the sandbox's

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self.reply(messages)

    def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The next assistant message for this conversation."""
        user_texts = [m.get("content") or "" for m in messages if m.get("role") == "user"]
        if not user_texts:
            return _say(GREETING)
        plan = self.recognise(user_texts[0])
        if plan is None:
            return _say(OUT_OF_SCOPE)
        try:
            return self._follow(plan, messages, user_texts)
        except ExprError as err:
            return _say(f"I'm sorry, I can't complete this request: {err}.")

    def recognise(self, text: str) -> _Plan | None:
        """The workflow whose goal the text covers best (ties: the first); None when nothing overlaps."""
        words = _tokens(text)
        best, best_score = None, (0, 0.0, 0)
        for plan in self._plans:
            overlap = len(words & plan.goal_tokens)
            score = (overlap, overlap / max(1, len(plan.goal_tokens)), len(words & plan.name_tokens))
            if score > best_score:
                best, best_score = plan, score
        return best if best_score[0] or best_score[2] else None

    def _follow(self, plan: _Plan, messages: list[dict[str, Any]], user_texts: list[str]) -> dict[str, Any]:
        known = _knowledge(plan, user_texts)
        results = _tool_results(messages)
        said = [m.get("content") or "" for m in messages if m.get("role") == "assistant" and not m.get("tool_calls")]
        last = messages[-1] if messages else {}
        env: dict[str, Any] = {**self._clock, **known}
        done, wrote = 0, False
        for step in plan.steps:
            missing = [k for k in step.needs if k not in known]
            if missing:
                ask = f"Could you tell me your {_join(_human(k) for k in missing)}?"
                if ask in said and last.get("role") == "user":
                    return _say(f"I'm sorry, I can't continue without your {_join(_human(k) for k in missing)}.")
                return _say(ask)
            if step.when is not None and not step.when(env, self._rt):
                continue
            args = {name: known[v] if kind == "user" else v(env, self._rt) if kind == "result" else v
                    for name, (kind, v) in step.args.items()}
            if done < len(results):
                tool, result = results[done]
                done += 1
                if isinstance(result, dict) and set(result) == {"error"}:
                    return _say(f"I'm sorry, I couldn't complete that: {_human(tool)} failed with: {result['error']}")
                wrote = wrote or step.writes
                if step.as_:
                    env[step.as_] = result
                continue
            if step.writes:
                confirm = f"I'm about to {step.tool} with {_args_text(args)}. Shall I proceed? (yes/no)"
                asked = bool(said) and said[-1] == confirm and last.get("role") == "user"
                answer = (last.get("content") or "") if asked else ""
                if not (_YES.match(answer) or _NO.match(answer)):
                    return _say(confirm)
                if _NO.match(answer):
                    return _say(f"Okay, I won't {_human(step.tool)}. Nothing has been changed.")
            made = sum(len(m.get("tool_calls") or []) for m in messages if m.get("role") == "assistant")
            return {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{made}", "type": "function",
                "function": {"name": step.tool, "arguments": json.dumps(args, ensure_ascii=False)}}]}
        facts = [(k, render(expr(env, self._rt))) for k, expr in plan.tells.items()]
        report = "All done." if wrote else "Here is what I found."
        report += "".join(f" {_human(k).capitalize()}: {v}." for k, v in facts if v)
        return _say(ANYTHING_ELSE if said and said[-1] == report else report)


def _say(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def _join(words: Any) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _args_text(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={render(v)}" for k, v in args.items()) or "no arguments"


def _knowledge(plan: _Plan, user_texts: list[str]) -> dict[str, Any]:
    """What the user told, keyed by the workflow's knowledge keys, typed for the tools they feed."""
    names = {_human(k).lower(): k for k in plan.workflow.knows}
    known: dict[str, Any] = {}
    for text in user_texts:
        for name, value in parse_facts(text).items():
            if name in names:
                key = names[name]
                known[key] = _coerce(value, plan.key_types[key])
    return known


def _tool_results(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(tool, decoded result) of every answered tool call, in call order."""
    replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    out = []
    for m in messages:
        for call in (m.get("tool_calls") or []) if m.get("role") == "assistant" else []:
            if call.get("id") in replies:
                content = replies[call["id"]]
                try:
                    value = json.loads(content)
                except (TypeError, json.JSONDecodeError):
                    value = content
                out.append(((call.get("function") or {}).get("name", ""), value))
    return out
