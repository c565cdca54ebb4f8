"""Questions about one record ("what's the status of my card?"): recognised by a question cue and
the names of the record's fields, answered from one lookup call."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gem_env.tools import CompiledDomain
from gem_env.tools.model import FindStep, RequireStep, ReturnStep
from gem_env.tools.render import when_words

from . import speech as S
from .ids import id_by_description, id_from_results
from .messages import call as _call, say as _say, tool_results as _tool_results

_CUE = re.compile(r"\b(?:could you tell me|can you tell me|i'd like to know|i would like to know|what(?:'s| is| are) the|"
                  r"do you know (?:what|if|whether)|could you check (?:what|if|whether)|can you check what)\b", re.IGNORECASE)


@dataclass
class LookupPlan:
    table: str
    noun: str
    tool: str
    param: str
    fields: list[str]


@dataclass
class Lookup:
    plan: LookupPlan
    asks: list[str]


def _single_key_reads(compiled: CompiledDomain) -> list[tuple[str, list[Any], str]]:
    """(tool, its steps, its one parameter) for every read tool of one parameter whose first step
    finds rows: the tools a lookup or a finder can be."""
    out = []
    for name, tool in compiled.tools.items():
        spec, steps = tool.spec, tool.spec.effect or []
        if not tool.writes and len(spec.parameters) == 1 and steps and isinstance(steps[0], FindStep):
            out.append((name, steps, spec.parameters[0].name))
    return out


def lookup_plans(compiled: CompiledDomain) -> list[LookupPlan]:
    """One per table that a read tool finds by key without checking anything."""
    out: dict[str, LookupPlan] = {}
    for plan in _key_reads(compiled):
        out.setdefault(plan.table, plan)
    return list(out.values())


def record_reader(compiled: CompiledDomain, table: str) -> LookupPlan | None:
    """The read that opens one record of `table` by its key, checking nothing, and returns the most
    of it (an order's details with its items, not its returns summary), or None."""
    plans = [p for p in _key_reads(compiled, derived=True) if p.table == table]
    return max(plans, key=lambda p: len(p.fields)) if plans else None


def _key_reads(compiled: CompiledDomain, derived: bool = False) -> list[LookupPlan]:
    """Every read tool that finds one row by its key without checking anything, in tool order:
    returning what it finds (or, `derived`, also what it works out from it: totals, nested items)."""
    out: list[LookupPlan] = []
    for name, steps, param in _single_key_reads(compiled):
        find, table = steps[0], compiled.tables.get(steps[0].find)
        entity = compiled.domain.entity(find.find)
        if table is None or entity is None or find.many or find.where != {table.pk: param}:
            continue
        if any(isinstance(s, RequireStep) or not (derived or isinstance(s, (FindStep, ReturnStep))) for s in steps):
            continue
        noun = S.singular(find.find)
        returned = next((s.return_ for s in steps if isinstance(s, ReturnStep)), None)
        fields = list(returned) if isinstance(returned, dict) else [f.name for f in entity.fields]
        out.append(LookupPlan(find.find, noun.replace("_", " "), name, param, fields))
    return out


@dataclass
class Finder:
    """A read that finds one row of `table` by something a person knows (`field`, e.g. an email),
    not by its key: its result can give the ids the person's records go by."""

    tool: str
    param: str
    table: str
    field: str


def finder_tools(compiled: CompiledDomain) -> list[Finder]:
    out: list[Finder] = []
    for name, steps, param in _single_key_reads(compiled):
        find, table = steps[0], compiled.tables.get(steps[0].find)
        if table is None or find.many or len(find.where) != 1 or param.endswith("_id") or param == "id":
            continue
        field, source = next(iter(find.where.items()))
        if source == param and field != table.pk:
            out.append(Finder(name, param, find.find, field))
    return out


def auth_finder(compiled: CompiledDomain) -> Finder | None:
    """The read a support agent starts a session with, to know who it is talking to (find the
    customer by their email): the domain's first finder, or None."""
    found = finder_tools(compiled)
    return found[0] if found else None


def reaches(compiled: CompiledDomain, table: str, target: str) -> bool:
    """Whether rows of `table` belong to a row of `target` by a chain of foreign keys (a card to
    its account to its customer), or are `target` rows themselves."""
    seen, todo = set(), [table]
    while todo:
        name = todo.pop()
        if name == target:
            return True
        if name in seen or name not in compiled.tables:
            continue
        seen.add(name)
        todo += [f.foreign_key.split(".", 1)[0] for f in compiled.tables[name].entity.fields if f.foreign_key]
    return False


def recognise_lookup(text: str, plans: list[LookupPlan]) -> Lookup | None:
    """A question about a record: a cue, the record's noun and at least one of its field names."""
    cue = _CUE.search(text)
    if not cue:
        return None
    # the fields asked are those named in the question, not in the facts said around it
    low = re.split(r"(?<=[.?!])\s+", text[cue.start():])[0].lower()
    best: Lookup | None = None
    for plan in plans:
        if not re.search(rf"\b{re.escape(plan.noun)}", low):
            continue
        asks = named_fields([f for f in plan.fields if f != plan.param], low)
        if asks and (best is None or len(asks) > len(best.asks)):
            best = Lookup(plan, asks)
    return best


def named_fields(fields: list[str], text: str) -> list[str]:
    """The fields a question names, in the record's order: longest names first, each taking its
    words out of the text, so "room type" names the room type and not also the room."""
    named: set[str] = set()
    for f in sorted(fields, key=lambda f: -len(S.words(f))):
        pattern = rf"\b{re.escape(S.words(f).lower())}\b"
        if re.search(pattern, text):
            named.add(f)
            text = re.sub(pattern, " ", text)
    return [f for f in fields if f in named]


def described(value: Any) -> Any:
    """A record's value as it is said to describe it: a date-time to the minute in words
    ("March 2, 2025 at 5:00 pm"), never as the ISO string the record holds."""
    return when_words(value) if isinstance(value, str) else value


def lookup_reply(lk: Lookup, turn: Any, agent: Any) -> dict[str, Any]:
    """The answer to a question about a record: find who the customer is, find the record (its key
    given, the only one they have, or the one they describe among theirs, opened one by one), read
    it and tell the facts asked."""
    plan = lk.plan
    results = _tool_results(turn.segment)
    auth = agent.authentication(plan.table, turn)  # who the customer is, first
    if isinstance(auth, str):
        return agent._ask([auth], turn)
    if auth is not None and not results:
        return _call(auth[0], auth[1], turn)
    opened: list[Any] = []
    if plan.param not in turn.known:  # a read by who the user is may give the record's id
        found = _find_record(plan, turn, agent, results)
        if not isinstance(found, tuple):
            return found
        turn.known[plan.param], opened = found
    key = turn.known[plan.param]
    mine = [r for t, r in results if t == plan.tool]
    record = next((r for r in [*opened, *mine] if isinstance(r, dict) and str(r.get(plan.param)) == str(key)), None)
    if record is None and not (mine and isinstance(mine[-1], dict) and set(mine[-1]) == {"error"}):
        param_type = next(p.type for p in agent.compiled.tools[plan.tool].spec.parameters)
        from .understanding import coerce
        return _call(plan.tool, {plan.param: coerce(key, param_type) if isinstance(key, str) else key}, turn)
    close = S.close(turn.rng, turn.going_on)
    if record is None:
        return _say(f"{S.pick(turn.rng, S.FAILED, error=S.reason_text(str(mine[-1]['error']), []))} {close}".strip())
    facts = S.facts_told(turn.rng, [(f, described(record[f])) for f in lk.asks if f in record], after_write=False,
                         person=bool(S.PEOPLE.match(plan.noun)))
    if not facts:
        return _say(f"I'm sorry, I can't see that for this {plan.noun}. {close}".strip())
    return _say(" ".join(p for p in [S.looked(turn.rng, plan.noun, record.get(plan.param, key)), *facts, close] if p))


def owner_listing(turn: Any, agent: Any, results: list[tuple[str, Any]], key: str) -> Any:
    """(the finder's arguments, what it returned, whether an earlier request read it) for the read
    by who the user is (their email), as an earlier request of the session read it (nothing
    written since) or as this one did; else the next message (that read, or asking for `key`)."""
    finder = next((f for f in agent._finders if f.param in turn.known), None)
    if finder is None:
        return agent._ask([key], turn)
    args = {finder.param: turn.known[finder.param]}
    found = next((r for t, a, r in reversed(turn.before) if t == finder.tool and a == args), None)
    if found is None and not results:
        return _call(finder.tool, args, turn)
    return args, results[0][1] if found is None else found, found is not None


def _find_record(plan: LookupPlan, turn: Any, agent: Any, results: list[tuple[str, Any]]) -> Any:
    """(the record's key, the records opened to find it) from a read by who the user is: the one
    record of theirs it lists, or the one the user describes among the few it lists, opened one by
    one as for a change; else the next message (a read to make, or a question)."""
    got = owner_listing(turn, agent, results, plan.param)
    if not isinstance(got, tuple):
        return got
    args, listing, earlier = got
    # the only record of theirs, or the one their words single out in the list itself
    key = id_from_results(plan.param, [listing])
    if key is None:
        key = id_by_description(plan.param, [listing], turn.user_text)
    if key is not None:
        return key, []
    got = agent.records.open(plan.param, [("", args, listing)], results[0 if earlier else 1:], turn.before)
    if got is None:
        return agent._ask([plan.param], turn)
    entries, _, nxt = got
    if nxt is not None:
        reader = agent.records.by_key[plan.param]
        return _call(reader.tool, {reader.param: nxt}, turn)
    opened = [r for _, _, r in entries]
    key = id_by_description(plan.param, [opened], turn.user_text)
    if key is None:
        return _say(S.which(turn.rng, plan.param, [{k: described(v) for k, v in r.items()} for r in opened]))
    return key, opened
