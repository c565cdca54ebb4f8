"""Questions about one record ("what's the status of my card?"): recognised by a question cue and
the names of the record's fields, answered from one lookup call."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Sequence
from typing import Any

from gem_env.tools.referring import PEOPLE
from gem_env.tools import CompiledDomain
from gem_env.tools.patterns import compiled
from gem_env.tools.model import FindStep, RequireStep, ReturnStep
from gem_env.tools.render import happened, left_of, part_happened, record_noun, singular, when_words

from . import banks as B
from . import speech as S
from .ids import id_by_description, id_from_results, named_outright, names_entry, record_lists, says
from .messages import call as _call, say as _say, tool_calls as _tool_calls, tool_results as _tool_results
from .prechecks import footprint, listed_row, since_write, tells_now

_CUE = re.compile(r"\b(?:could you tell me|can you tell me|i'd like to know|i would like to know|what(?:'s| is| are) the|"
                  r"do you know (?:what|if|whether|when)|could you check (?:what|if|whether|when)|can you check what|"
                  r"when was|how many)\b", re.IGNORECASE)


@dataclass
class LookupPlan:
    table: str
    noun: str
    tool: str
    param: str
    fields: list[str]
    catalog: CatalogList | None = None
    """How a catalog's record (a product, a title: nobody's own) is found by its name, if it can be."""
    under: str | None = None
    """For a read listing the records kept under one record, newest first (a card's transactions,
    `param` the card's key): that record's noun; the question is about the latest of them."""


@dataclass
class CatalogList:
    """A read listing the rows of a catalog table, every parameter an optional filter: the
    assistant finds a record the customer names ("the bluetooth speaker") in it."""

    tool: str
    choices: dict[str, list[Any]]
    """filter parameter -> the values it takes (its enum): the names the assistant knows."""

    def arguments(self, text: str) -> dict[str, Any]:
        """The filters the customer's words give: each parameter whose one value they say."""
        low = text.lower()
        out = {}
        for param, values in self.choices.items():
            said = [v for v in values if isinstance(v, str) and says(v, low)]
            if len(said) == 1:
                out[param] = said[0]
        return out

    def names(self) -> list[str]:
        return [v for values in self.choices.values() for v in values if isinstance(v, str)]


def catalog_lists(compiled: CompiledDomain) -> dict[str, CatalogList]:
    """{table: the read that lists its rows} for reads that take only optional filters."""
    out: dict[str, CatalogList] = {}
    for name, tool in compiled.tools.items():
        steps, params = tool.spec.effect or [], tool.spec.parameters
        if tool.writes or not steps or not isinstance(steps[0], FindStep) or not steps[0].many:
            continue
        if any(p.required for p in params) or any(isinstance(s, RequireStep) for s in steps):
            continue
        out.setdefault(steps[0].find, CatalogList(name, {p.name: list(p.enum) for p in params if p.enum}))
    return out


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
    """One per table that a read tool finds by key without checking anything; a catalog's (a
    table nobody's records own, as `reaches` the customer) with the read listing it."""
    out: dict[str, LookupPlan] = {}
    for plan in key_reads(compiled):
        out.setdefault(plan.table, plan)
    finder, lists = auth_finder(compiled), catalog_lists(compiled)
    for plan in out.values():
        if plan.table in lists and (finder is None or not reaches(compiled, plan.table, finder.table)):
            plan.catalog = lists[plan.table]
    return list(out.values())


def latest_lists(compiled: CompiledDomain) -> list[LookupPlan]:
    """A question about the latest record kept under one of the customer's ("what was the amount
    of the last transaction on my card?"): one plan per read that lists a record's children by its
    key, newest first, for a table no read opens by its own key."""
    opened = {p.table for p in key_reads(compiled)}
    out: list[LookupPlan] = []
    for name, tool in compiled.tools.items():
        steps, required = tool.spec.effect or [], [p for p in tool.spec.parameters if p.required]
        if tool.writes or len(required) != 1:
            continue
        param = required[0].name
        finds = [s for s in steps if isinstance(s, FindStep)]
        many = next((s for s in finds if s.many), None)
        parent = next((s.find for s in finds if not s.many and s.find in compiled.tables
                       and s.where == {compiled.tables[s.find].pk: param}), None)
        returned = next((s.return_ for s in steps if isinstance(s, ReturnStep)), None)
        if many is None or parent is None or many.where != {param: param} or many.find in opened \
                or not many.order_by or not many.order_by[0].startswith("-") or many.find not in compiled.tables \
                or not (isinstance(returned, str) and re.search(rf"\b{many.as_}\b", returned)):  # the list itself
            continue
        entity = compiled.domain.entity(many.find)
        noun = record_noun(many.find, compiled.tables[many.find].pk).replace("_", " ")
        out.append(LookupPlan(many.find, noun, name, param, [f.name for f in entity.fields] if entity else [],
                              under=record_noun(parent, param).replace("_", " ")))
    return out


LATEST = re.compile(r"\b(?:latest|last|most recent|newest)\b", re.IGNORECASE)
"""What asks about the newest of a record's children ("my last transaction on my card")."""


def record_reader(compiled: CompiledDomain, table: str) -> LookupPlan | None:
    """The read that opens one record of `table` by its key, checking nothing, and returns the most
    of it (an order's details with its items, not its returns summary), or None."""
    plans = [p for p in key_reads(compiled, derived=True) if p.table == table]
    return max(plans, key=lambda p: len(p.fields)) if plans else None


def key_reads(compiled: CompiledDomain, derived: bool = False) -> list[LookupPlan]:
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
        noun = record_noun(find.find, param)
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
    many: bool = False
    """It lists the person's records (`owner_lists`), rather than finding the person."""


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


def owner_lists(compiled: CompiledDomain) -> list[Finder]:
    """Reads that list the records of `table` whose owner is the person with this email, or that
    have this name of their own (a procedure's `find_<records>_by_email`, `find_<records>_by_name`):
    where no table of people finds the customer, what the customer knows (their email, their
    package's name) still finds their record, and the record's id is taken from the list (the only
    one they have, or the one they say among several); never asked of them."""
    out: list[Finder] = []
    for name, steps, param in _single_key_reads(compiled):
        find, table = steps[0], compiled.tables.get(steps[0].find)
        if table is None or not find.many or len(find.where) != 1:
            continue
        field, source = next(iter(find.where.items()))
        own = next((f.unique for f in table.entity.fields if f.name == field), False)
        if source == param and field != table.pk and ("email" in field and "email" in param or own):
            out.append(Finder(name, param, find.find, field, many=True))
    return out


def auth_finder(compiled: CompiledDomain) -> Finder | None:
    """The read a support agent starts a session with, to know who it is talking to (find the
    customer by their email): the domain's first finder, or None."""
    found = finder_tools(compiled)
    return found[0] if found else None


@dataclass
class FallbackFinder:
    """A read that finds the customer by several things they know (their name and zip code), for
    when they cannot give what `auth_finder` goes by; its reply is the same as that finder's."""

    tool: str
    params: tuple[str, ...]
    fields: dict[str, str]  # parameter -> the column it matches


def fallback_finder(compiled: CompiledDomain) -> FallbackFinder | None:
    """The first read of several parameters, none a key, whose first step finds one row of the
    auth finder's table by exactly those parameters; None when there is none (or no auth finder)."""
    auth = auth_finder(compiled)
    if auth is None:
        return None
    for name, tool in compiled.tools.items():
        params = tuple(p.name for p in tool.spec.parameters)
        steps = tool.spec.effect or []
        if tool.writes or len(params) < 2 or not steps or not isinstance(steps[0], FindStep):
            continue
        find, table = steps[0], compiled.tables.get(steps[0].find)
        if find.find != auth.table or find.many or table is None or auth.param in params \
                or any(p == "id" or p.endswith("_id") for p in params):
            continue
        if sorted(find.where.values()) == sorted(params) and table.pk not in find.where:
            return FallbackFinder(name, params, {p: f for f, p in find.where.items()})
    return None


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


def recognise_lookup(text: str, plans: list[LookupPlan], owner: str | None = None) -> Lookup | None:
    """A question about a record: a cue, the record's noun and at least one of its field names. The
    customer's own record (of the `owner` table, who they are) is also "my profile"."""
    cue = _CUE.search(text)
    if not cue:
        return None
    # the fields asked are those named in the question, not in the facts said around it
    low = re.split(r"(?<=[.?!])\s+", text[cue.start():])[0].lower()
    best: tuple[int, bool, bool] | None = None
    found: Lookup | None = None
    for plan in plans:  # the record's noun, or a catalog entry's name ("the price of the blender")
        entry = bool(plan.catalog) and any(says(n, low) for n in plan.catalog.names())
        asks = named_fields([f for f in plan.fields if f != plan.param], low)
        rest = low  # the noun said apart from the fields asked ("the card type of my product": no card)
        for f in asks:
            rest = compiled(rf"\b{re.escape(S.words(f).lower())}\b{_said_as(f)}").sub(" ", rest)
        noun = rf"(?:{re.escape(plan.noun)}|profile)" if plan.table == owner else re.escape(plan.noun)
        if not compiled(rf"\b{noun}").search(rest) and not entry:
            continue
        # the most fields named; on a tie, the catalog whose entry is named ("the card type of the
        # Silver Zoom Card" is the product's, not one of the customer's cards), then the record said
        # by its noun ("of my product", 'of the product "Silver Zoom Card"', though the name says "Card")
        mine = compiled(rf"\b(?:my|the) {noun}").search(rest) is not None
        if asks and (best is None or (len(asks), entry, mine) > best):
            best, found = (len(asks), entry, mine), Lookup(plan, asks)
    return found


_MADE = frozenset({"booked", "created", "placed", "made"})
"""What a record's making is called by ("booked_on"), asked as "when was my booking made?"."""


def _said_as(field: str) -> str:
    """The other ways a question says a yes/no field, as pattern alternatives: the state of a thing
    ("whether the locale data is selected": `locale_data_selected`), and the name without the
    preposition it was cut off at ("if my task is executed": `is_executed_during`)."""
    out = ""
    if (state := S.state_of(field)) is not None:
        out += rf"|\b{re.escape(state[0])} (?:is|are) {re.escape(state[2])}\b"
    if (kept := S.undangled(field)) != field:
        out += rf"|\b{re.escape(' '.join(S.words(kept).lower().split()))}\b"
    return out


def named_fields(fields: list[str], text: str) -> list[str]:
    """The fields a question names, in the record's order: longest names first, each taking its
    words out of the text, so "room type" names the room type and not also the room."""
    named: set[str] = set()
    for f in sorted(fields, key=lambda f: -len(S.words(f))):
        said = _field_said(f, _WHEN.search(text) is not None)  # (of the text left: a name taken out may say "when")
        if said.search(text):
            named.add(f)
            text = said.sub(" ", text)
    return [f for f in fields if f in named]


_WHEN = re.compile(r"\bwhen\b")


@lru_cache(maxsize=4096)
def _field_said(f: str, when: bool) -> re.Pattern[str]:
    """The pattern a question names field `f` by (`when`: the question asks when), built once per
    field: every reply reads the user's question against each lookup's fields."""
    pattern = rf"\b{re.escape(S.words(f).lower())}\b{_said_as(f)}"
    if (verb := happened(f)) and when:  # "when was my order placed?"
        pattern += rf"|\b{verb}\b" + (r"|\bmade\b" if verb in _MADE else "")  # "when was my booking made?"
    if (part := part_happened(f)) and when:  # "when was my plan changed?"
        verb = part[1].removeprefix("was ").removesuffix("s")  # "changed", "start"
        pattern += rf"|\b{re.escape(part[0])} (?:(?:on|of) (?:my|the|this) [a-z]+ )?(?:was )?{re.escape(verb)}s?\b"
    if counted := left_of(f):  # "how many seats are left on the flight?", "how many suite rooms are left?",
        things, how = counted  # "how many copies of Night Trains are available?"
        pattern += rf"|\bhow many (?:[a-z]+ )?{things} (?:of [^?.]+? )?are {how}\b"
    return compiled(pattern)


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
    results = results[agent._found_nobody(results):]  # (an email on nobody's record, before the read that found them)
    auth = agent.authentication(plan.table, turn)  # who the customer is, first
    if isinstance(auth, list):
        return agent._ask(auth, turn)
    if auth is not None and not results:
        return _call(auth[0], auth[1], turn)
    opened: list[Any] = []
    if plan.param not in turn.known:  # a read by who the user is, or the catalog, may give the record's id
        found = _find_record(plan, turn, agent, results, lk.asks) if auth is not None or plan.catalog is None \
            else _find_in_catalog(plan, turn, agent, results)
        if not isinstance(found, tuple):
            return found
        turn.known[plan.param], opened = found
    key = turn.known[plan.param]
    if plan.under is not None:
        return _latest_reply(lk, turn, key)
    mine = [r for t, r in results if t == plan.tool]
    # a record as opened or listed answers when it holds every fact asked (a list may show fewer)
    # or as an earlier request read it by this same tool, unchanged since in what is asked (asked
    # again, it would only echo what was read: a freeze changed the account's status, not when it
    # was opened)
    earlier = [r for t, a, r in reversed(turn.before)
               if t == plan.tool and str(a.get(plan.param)) == str(key) and tells_now(turn.stale, r, lk.asks)]
    # (or a list read here since the last write: the contacts listed to find "my contact", asked by its id then)
    listed = listed_row([r for _, r in since_write(results, agent.compiled)], plan.param, key, lk.asks)
    # (or what an earlier read of it still shows, where that holds the facts asked: a line's status
    # after its plan was changed)
    still = [r for t, r in turn.recalled if t == plan.tool]
    record = next((r for r in [*opened, *mine, *earlier, listed, *still] if isinstance(r, dict)
                   and str(r.get(plan.param)) == str(key) and all(f in r for f in lk.asks)), None)
    if record is None and not (mine and isinstance(mine[-1], dict) and set(mine[-1]) == {"error"}):
        param_type = next(p.type for p in agent.compiled.tools[plan.tool].spec.parameters)
        from .understanding import coerce
        return _call(plan.tool, {plan.param: coerce(key, param_type) if isinstance(key, str) else key}, turn)
    close = turn.close()
    if record is None:
        return _say(f"{S.pick(turn.rng, S.FAILED, error=S.reason_text(str(mine[-1]['error']), []))} {close}".strip())
    if not tied(agent, turn, plan.table, record):  # someone else's: nothing of it is told
        return _say(S.pick(turn.rng, B.NOT_YOURS, noun=plan.noun, Noun=plan.noun.capitalize(), v=key,
                           x=S.id_words(plan.param, agent._nouns)))
    # the customer's own profile: the table who they are is found in (a "user" they blocked is not it)
    owner = agent._auth.table if agent._auth is not None else None
    own = plan.table == owner if owner else bool(_OWN.match(plan.noun))
    who = ("you" if own else "they") if PEOPLE.match(plan.noun) else "it"
    today = agent._clock["today"]  # a date still to come is not told as past ("It was picked up on ...")
    ahead = frozenset(f for f in lk.asks if isinstance(record.get(f), str) and _ISO_DAY.match(record[f])
                      and record[f][:10] > today)
    # a catalog entry or another person the customer named is called by name, not its internal number
    name = next((v for k, v in record.items() if isinstance(v, str) and names_entry(k, plan.noun)), None) \
        if plan.catalog or who == "they" else None
    # (another person is called by their name even where the customer gave only their number: "I've
    # checked Matthew Johnson's details.", never "I have reviewed contact CNT-63336.")
    called = name if name and (says(name, turn.user_text.lower()) or who == "they") else None
    if who == "it" and called and called == called.lower() and singular(last := called.split()[-1]) != last:
        subject = "they"  # a thing named in the plural: "I found the running shoes. They are not in stock."
    else:
        subject = called if who == "they" and called else who  # "Yes, Glenn Cortez is accepting patients."
    # told from what the assistant has (nothing read since the customer's message), a value a change
    # of the conversation set is said as it now is ("The balance is now $0." after the closing)
    now = turn.looked_now
    changed = set() if now else set_by_writes(agent.compiled, turn.prior + turn.segment, plan.table, key)
    asked = [(f, described(record[f])) for f in lk.asks if f in record]
    facts = [told for after in (False, True)
             for told in S.facts_told(turn.rng, [(f, v) for f, v in asked if (f in changed) is after], after_write=after,
                                      who=subject, own=who != "they" and plan.catalog is None, ahead=ahead, since=after)]
    if not facts:
        return _say(f"I'm sorry, I can't see that for this {plan.noun}. {close}".strip())
    # an answer whose first fact names nothing ("It's currently under review.") opens with the record
    named = S.NAMES_NOTHING.match(facts[0]) is not None
    return _say(" ".join(p for p in [S.looked(turn.rng, plan.noun, record.get(plan.param, key), called, own=own,
                                               name=_called_by(record, plan.param, key, agent, turn), now=now,
                                               named=named),
                                     *facts, close] if p))


def tied(agent: Any, turn: Any, table: str, record: dict[str, Any]) -> bool:
    """Whether a record read by a number the customer gave may be told to them: it names no owner
    (a catalog's entry, a doctor), or the customer found in this chat is its owner (a dispute's
    reply says whose it is, as an order's says its user); False for another customer's record,
    whose number they may have misread (tau-bench's "check that the order belongs to the user")."""
    if agent._auth is None or table == agent._auth.table:
        return True
    pk = agent.compiled.tables[agent._auth.table].pk
    caller = agent._customer(turn)
    return record.get(pk) is None or caller is None or str(record[pk]) == str(caller)


def _latest_reply(lk: Lookup, turn: Any, key: Any) -> dict[str, Any]:
    """The answer about the latest record kept under record `key` (the list read here, newest
    first): which it is, and the facts asked of it; or that there is none."""
    plan = lk.plan
    listed = next((r for t, a, r in reversed(_tool_calls(turn.segment))
                   if t == plan.tool and str(a.get(plan.param)) == str(key)), None)
    if listed is None:
        return _call(plan.tool, {plan.param: key}, turn)
    close = turn.close()
    if isinstance(listed, dict) and "error" in listed:
        return _say(f"{S.pick(turn.rng, S.FAILED, error=S.reason_text(str(listed['error']), []))} {close}".strip())
    rows = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    under = f"your {plan.under} {key}"
    if not rows:
        return _say(f"{S.pick(turn.rng, S.NONE_UNDER, noun=S.plural(plan.noun), under=under)} {close}".strip())
    latest = rows[0]
    own = next((k for k in latest if k.endswith("_id") and k != plan.param), None)
    asked = [(f, described(latest[f])) for f in lk.asks if f in latest]
    facts = S.facts_told(turn.rng, asked, after_write=False, who="it", own=False)  # "The amount is", not "Your ..."
    lead = S.pick(turn.rng, S.LATEST_UNDER, noun=plan.noun, under=under, v=latest.get(own, "")) if own \
        else S.pick(turn.rng, S.LATEST_UNDER_UNNAMED, noun=plan.noun, under=under)
    return _say(" ".join(p for p in [lead, *facts, close] if p))


def set_by_writes(compiled: CompiledDomain, messages: list[dict[str, Any]], table: str, key: Any) -> set[str]:
    """The fields of record `key` of `table` that a write among `messages` set (by its effect)."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    out: set[str] = set()
    for name, args, result in _tool_calls(messages):
        tool = compiled.tools.get(name)
        if tool is None or not tool.writes or isinstance(result, dict) and set(result) == {"error"}:
            continue
        rows, sets = (footprint(tool.spec, args, keys) or {}).get(table, ((), ()))
        if any(str(r) == str(key) for r in rows):
            out |= set(sets)
    return out


def _called_by(record: dict[str, Any], param: str, key: Any, agent: Any, turn: Any) -> str | None:
    """What the record is said as: its own name ("package coturn"), "" for the customer's only one
    of its kind ("your zapdos"), None for its key."""
    ident = str(record.get(param, key))
    name = S.own_names([record]).get(ident)
    return name if name is not None else "" if ident in agent.yours(turn) else None


def owner_listing(turn: Any, agent: Any, results: list[tuple[str, Any]], key: str) -> Any:
    """(the finder's arguments, what it returned, whether an earlier request read it) for the read
    by who the user is (their email), as an earlier request of the session read it (nothing
    written since) or as this one did; else the next message (that read, or asking for `key`)."""
    who = agent.identity(turn) or next(((f.tool, {f.param: turn.known[f.param]}) for f in agent._finders
                                        if f.param in turn.known), None)
    if who is None:  # who they are, where that is how their records are found; else the record's key
        return agent._ask(next(([f.param] for f in agent._finders if f.many), [key]), turn)
    tool, args = who
    found = next((r for t, a, r in reversed(turn.before) if t == tool and a == args), None)
    if found is None and not results:
        return _call(tool, agent.as_now(args, tool, turn), turn)
    return args, results[0][1] if found is None else found, found is not None


def _find_in_catalog(plan: LookupPlan, turn: Any, agent: Any, results: list[tuple[str, Any]]) -> Any:
    """(the record's key, its entry in the catalog's list) for the entry the customer names: the
    list read with the filters their words give (here, or for an earlier request and still true);
    else the next message (that read, or asking)."""
    assert plan.catalog is not None
    listing = next((r for t, r in results if t == plan.catalog.tool), None)
    if listing is None:  # the same list read for an earlier request, nothing written since that changes it
        args = plan.catalog.arguments(turn.user_text)
        listing = next((r for t, a, r in reversed(turn.before)
                        if t == plan.catalog.tool and a == args and id(r) not in turn.stale), None)
        if listing is None:
            return _call(plan.catalog.tool, args, turn)
    key = id_from_results(plan.param, [listing])
    if key is None:
        key = id_by_description(plan.param, [listing], turn.user_text)
    if key is None:
        return agent._ask([plan.param], turn)
    return key, [r for recs in record_lists(listing) for r in recs if str(r.get(plan.param)) == str(key)]


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: a person's record that is the customer's own: told of as "you" ("you are verified")
_OWN = re.compile(r"^(?:customer|member|patient|guest|client|user)$")


def _find_record(plan: LookupPlan, turn: Any, agent: Any, results: list[tuple[str, Any]],
                 asks: Sequence[str] = ()) -> Any:
    """(the record's key, the records opened to find it) from a read by who the user is: the one
    record of theirs it lists, or the one the user describes among the few it lists, opened one by
    one as for a change; else the next message (a read to make, or a question that does not tell
    the facts `asks` of each)."""
    got = owner_listing(turn, agent, results, plan.param)
    if not isinstance(got, tuple):
        return got
    args, listing, earlier = got
    # the only record of theirs, or the one their words single out in the list itself
    key = id_from_results(plan.param, [listing])
    if key is None:
        key = id_by_description(plan.param, [listing], turn.user_text)
    if key is None:  # or the one an earlier request read, by what it still shows of it
        key = agent.records.recalled(plan.param, [("", args, listing)], turn.recalled, turn.user_text)
    if key is not None:
        return key, []
    got = agent.records.open(plan.param, [("", args, listing)], results[0 if earlier else 1:], turn.before)
    if got is None:
        return agent._ask([plan.param], turn)
    entries, _, nxt = got
    opened = [r for _, _, r in entries]
    key = named_outright(plan.param, opened, turn.user_text)  # found: the rest need not be opened
    if nxt is not None and key is None:
        reader = agent.records.by_key[plan.param]
        return _call(reader.tool, {reader.param: nxt}, turn)
    key = key if key is not None else id_by_description(plan.param, [opened], turn.user_text)
    if key is None:
        return agent.which(plan.param, opened, turn, untold=asks)
    return key, opened
