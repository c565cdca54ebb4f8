"""A workflow compiled once for the offline agent: its steps with where each argument comes from
(the user, an earlier result, a constant), which reads only find one row, which results later
steps or the facts to tell need, and the words that recognise the request."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from gem_env.tools import CompiledDomain, Workflow
from gem_env.tools.expr import Compiled, compile_expr
from gem_env.tools.model import FindStep, InsertStep, ReturnStep, UpdateStep

from . import speech as S

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be been by could do for from have hi hello i i'd id in into like is it its ll me my need "
    "of on onto or our please re the their there this to ve want we will with would you your".split()
) | {"", "s", "t", "d", "m"} | set(  # what is left of "Quote's", "don't", "I'd", "I'm" ("s" singular is "")
    "that these those than so if but what which who whom whose can should shall may might must also just some any".split())
_ROW_FIELD = re.compile(r"^row\.(\w+)$")
_LOOKUP_FIELD = re.compile(r"^lookup\(\s*'(\w+)'.*\)\.(\w+)$")


def content_words(text: str) -> set[str]:
    """Content words, each singular ("1 bag" asks for what "the bags" names)."""
    return {S.singular(w) for w in _WORD.findall(text.lower())} - _STOPWORDS


@dataclass
class Step:
    tool: str
    writes: bool
    args: dict[str, tuple[str, Any]]  # name -> ("user", key) | ("result", Compiled) | ("const", value)
    when: Compiled | None
    as_: str | None
    needs: list[str]  # user knowledge the step's arguments read
    effect: str  # the tool's effect as JSON: two tools with the same effect and arguments reply the same
    pure: tuple[str, str, str] | None  # (table, key field, parameter) of a read that only finds one row
    needed: bool  # whether later steps, conditions or the facts to tell read this step's result


@dataclass
class Plan:
    workflow: Workflow
    goal_tokens: set[str]
    name_tokens: set[str]
    key_types: dict[str, str | None]
    steps: list[Step]
    tells: dict[str, Compiled]


_MOVED_DATE = re.compile(r"^add_(?:business_)?days\((.+),[^,()]+\)$")


def _field_type(src: str, anchor: str, compiled: CompiledDomain) -> str | None:
    """The entity field type of knowledge taken straight from a field (``row.x``, ``lookup('t', ..).x``),
    or a date moved from one (``add_days(row.x, 7)``)."""
    src = src.strip()
    if m := _MOVED_DATE.match(src):
        return _field_type(m.group(1), anchor, compiled)
    if m := _ROW_FIELD.match(src):
        table, name = anchor, m.group(1)
    elif m := _LOOKUP_FIELD.match(src):
        table, name = m.group(1), m.group(2)
    else:
        return None
    entity = compiled.domain.entity(table)
    found = entity.field(name) if entity else None
    return found.type if found else None


def _stored_type(tool: Any, param: str, compiled: CompiledDomain) -> str | None:
    """The type of the field a write tool stores `param` in as it is (an insert's or an update's
    value): a time said in words goes in as the ISO text that field takes."""
    for st in tool.spec.effect or []:
        values = st.values if isinstance(st, InsertStep) else st.set if isinstance(st, UpdateStep) else {}
        table = st.insert if isinstance(st, InsertStep) else st.update if isinstance(st, UpdateStep) else ""
        entity = compiled.domain.entity(table) if table else None
        for field, value in values.items():
            if value == param and entity is not None and (found := entity.field(field)) is not None:
                return found.type
    return None


def _pure_read(tool: Any, compiled: CompiledDomain) -> tuple[str, str, str] | None:
    """(table, key, parameter) when a read tool only finds one row by its key and returns it."""
    steps = tool.spec.effect or []
    if tool.writes or len(steps) != 2 or not isinstance(steps[0], FindStep) or not isinstance(steps[1], ReturnStep):
        return None
    find = steps[0]
    table = compiled.tables.get(find.find)
    if table is None or find.many or find.filter or len(find.where) != 1 or table.pk not in find.where:
        return None
    param = find.where[table.pk]
    return (find.find, table.pk, param) if isinstance(param, str) and param in {p.name for p in tool.spec.parameters} \
        else None


def tool_effect(name: str, tool: Any) -> str:
    """A tool's effect as JSON: two tools with the same effect and arguments reply the same."""
    if tool.spec.effect is None:
        return name
    return json.dumps([st.model_dump(by_alias=True) for st in tool.spec.effect], sort_keys=True, default=str)


def compile_plan(wf: Workflow, compiled: CompiledDomain) -> Plan:
    keys = set(wf.knows)
    types: dict[str, str | None] = {k: None for k in wf.knows}
    steps = []
    for s in wf.steps:
        tool = compiled.tools[s.tool]
        params = {p.name: p.type for p in tool.spec.parameters}
        args: dict[str, tuple[str, Any]] = {}
        needs: list[str] = []
        for name, b in s.args.items():
            if b.user is not None:
                args[name] = ("user", b.user)
                needs.append(b.user)
                stored = _stored_type(tool, name, compiled) if tool.writes else None
                types[b.user] = types[b.user] or (stored if stored in ("date", "datetime") else params[name])
            elif b.result is not None:
                expr = compile_expr(b.result)
                args[name] = ("result", expr)
                needs += sorted(expr.names & keys)
            else:
                args[name] = ("const", b.const)
        when = compile_expr(s.when) if s.when else None
        steps.append(Step(s.tool, tool.writes, args, when, s.as_, list(dict.fromkeys(needs)), tool_effect(s.tool, tool),
                           _pure_read(tool, compiled), True))
    read_later: set[str] = set()
    for src in wf.tells.values():
        read_later |= compile_expr(src).names
    if wf.offer is not None:  # what the offer after the write names and takes (`agents.offers`)
        for src in [*wf.offer.said.values(), *(b.result for b in wf.offer.step.args.values() if b.result)]:
            read_later |= compile_expr(src).names
    for step, s in reversed(list(zip(steps, wf.steps))):
        step.needed = bool(step.as_ and step.as_ in read_later)
        for b in s.args.values():
            if b.result is not None:
                read_later |= compile_expr(b.result).names
        if s.when:
            read_later |= compile_expr(s.when).names
    for key, src in wf.knows.items():
        found = _field_type(src, wf.anchor.table, compiled)
        types[key] = found if found in ("date", "datetime") else types[key] or found
    return Plan(wf, content_words(re.sub(r"\{[^}]*\}", " ", wf.goal)), content_words(wf.name.replace("_", " ")), types,
                 steps, {k: compile_expr(v) for k, v in wf.tells.items()})
