"""A write tool's rules checked against records already read: how an assistant (and the task
builder, to know a refusal can be seen coming) tells that an action would be refused before
taking it; and which earlier reads are still true."""
from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator, Mapping, Sequence

from gem_env.tools import CompiledDomain
from gem_env.tools.errors import ExprError
from gem_env.tools.expr import Node, build, compile_template
from gem_env.tools.patterns import compiled
from gem_env.tools.render import CHARGED, TOTAL, is_money, singular
from gem_env.tools.model import (DeleteStep, FindStep, ForEachStep, IfStep, InsertStep, LetStep, RequireStep, ReturnStep,
                                 ToolSpec, UpdateStep)

from .ids import own_key
from .listings import listed_rows
from .runtime import NoDatabase, expression, parsed


_UNTOLD = object()  # a list no read of which tells how it was made


class SeenRows(NoDatabase):
    """The runtime a rule over other records is checked with: `rows` and `count_rows` answered from
    a complete list read of them (a customer's accounts as their profile lists them, an account's
    transactions), each item with what a later read of it says (an account opened since). A list
    the read that made it tells the making of (`listed`: id() of the list -> `agents.listings.Listing`)
    is complete for a `where` that includes every value it was listed by (the customer's accounts
    for any rule over them; those in one status only for a rule over that status, never for one
    that counts the others); one it does not tell of, for a `where` that gives the key of the
    record it is listed under (the customer's id of their accounts), or, a list that is a reply of
    its own, an id all its items share. A field of `where` that an item does not tell makes the
    rule unknown (ExprError), never a "no"."""

    def __init__(self, results: list[Any], keys: dict[str, str],
                 listed: Mapping[int, tuple[str, dict[str, Any]] | None] | None = None) -> None:
        self.keys = keys
        self.needs: set[str] = set()  # fields the rule reads of the rows (`x.balance`): each row must tell them
        # (what it is listed under, items, how it was listed: `_UNTOLD` when no read tells)
        self.lists: list[tuple[dict[str, Any], list[dict[str, Any]], Any]] = []
        self.latest: dict[tuple[str, str], dict[str, Any]] = {}  # (key field, value) -> the record as last read
        told = listed or {}

        def walk(value: Any, parent: dict[str, Any]) -> None:
            if isinstance(value, list):
                items = [v for v in value if isinstance(v, dict)]
                if items and len(items) == len(value) or not value:
                    self.lists.append((parent, items, told.get(id(value), _UNTOLD)))
                for v in value:
                    walk(v, {})
            elif isinstance(value, dict):
                own = own_key(value)
                if own is not None and value.get(own) is not None:
                    key = (own, str(value[own]))
                    self.latest[key] = {**self.latest.get(key, {}), **value}
                for v in value.values():
                    if isinstance(v, (dict, list)):
                        walk(v, value)

        for value in results:  # oldest first: a later read's values win
            walk(value, {})

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]:
        pk = self.keys.get(table)
        if pk is None:
            raise ExprError(f"no key known for {table}")
        for parent, items, listing in reversed(self.lists):
            if any(own_key(i) != pk for i in items):
                continue
            under = self._holds_all(table, where, parent, items, listing)
            if under is None:
                continue
            out = []
            for item in items:
                row = {**under, **item, **self.latest.get((pk, str(item.get(pk))), {})}
                if any(k not in row for k in [*where, *self.needs]):
                    raise ExprError(f"the {table} listed do not tell {sorted(k for k in [*where, *self.needs] if k not in row)}")
                if all(str(row[k]) == str(v) for k, v in where.items()):
                    out.append(row)
            return out
        raise ExprError(f"no complete list of {table} was read")

    def _holds_all(self, table: str, where: dict[str, Any], parent: dict[str, Any], items: list[dict[str, Any]],
                   listing: Any) -> dict[str, Any] | None:
        """The values every row of the list has, when the list holds every row of `table` that
        `where` picks; None when it may not."""
        if listing is None:
            return None
        if listing is not _UNTOLD:
            listed_table, held = listing
            return held if listed_table == table and all(k in where and str(where[k]) == str(v)
                                                        for k, v in held.items()) else None
        under = {k: v for k, v in parent.items() if k == own_key(parent)}
        if under and all(k in where and str(where[k]) == str(v) for k, v in under.items()):
            return under
        ids = set(self.keys.values())
        if not parent and items and any(k in ids and all(str(i.get(k)) == str(v) for i in items)
                                        for k, v in where.items()):
            return {}
        return None

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        return len(self.rows(table, where))


def records(results: list[Any]) -> list[dict[str, Any]]:
    """Every record (dict) in tool results, nested ones included, latest result first."""
    out: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            out.append(value)
            for v in value.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for value in reversed(results):
        walk(value)
    return out


def is_rule(spec: ToolSpec, step: RequireStep) -> bool:
    """A rule about the data (a status, a date, a limit), not a check of what the user typed (a PIN)."""
    params = {p.name for p in spec.parameters}
    try:
        names = expression(step.require).names
    except ExprError:
        return False
    where_params = {v for s in spec.effect or [] if isinstance(s, FindStep)
                    for v in s.where.values() if isinstance(v, str)}
    return not (names & (params - where_params)) and not _found_nothing(spec, step, params)


_NONE_FOUND = re.compile(r"len\((\w+)\) > 0")


def _found_nothing(spec: ToolSpec, step: RequireStep, params: set[str]) -> bool:
    """Whether the step only asks if a search by the user's own words found anything ("No pictures
    with that name"): what they typed finds nothing, which no rule of the data says."""
    m = _NONE_FOUND.fullmatch(step.require.strip())
    return m is not None and any(
        isinstance(s, FindStep) and s.many and s.as_ == m.group(1) and s.where
        and all(isinstance(v, str) and v in params for v in s.where.values()) for s in spec.effect or [])


def rule_messages(spec: ToolSpec) -> list[str]:
    return [s.message for s in spec.effect or [] if isinstance(s, RequireStep) and is_rule(spec, s)]


def _filled(template: str, filler: str, flags: int = re.DOTALL) -> re.Pattern[str]:
    """A rule's message as a pattern, each `{...}` placeholder matched by `filler`; "this contact"
    also as a refusal names the one meant ("your contact Daniel Dunn", `speech._this_one`)."""
    parts = [_THIS.sub(lambda m: rf"(?:[Tt]his|[Yy]our)\ {m[1]}(?:\ [^.;,()]+?)?", re.escape(p))
             for p in re.split(r"\{[^{}]*\}", template)]
    return compiled(filler.join(parts), flags)


_THIS = re.compile(r"[Tt]his\\ (\w+)")
"""an escaped "this <noun>" of a rule's message"""


def is_rule_message(spec: ToolSpec, message: str) -> bool:
    """Whether an error is one of the tool's rules, its `{...}` placeholders filled in
    ("A card that is frozen cannot be changed" for "A card that is {card_row.status} cannot be changed")."""
    return any(_filled(template, ".+?").fullmatch(message) for template in rule_messages(spec))


def states_rule(message: str, text: str) -> bool:
    """Whether `text` states a rule's message (its values filled in) as a refusal says it: to the
    customer (`addressed`), as a person says it (`as_said`), "this doctor" as the one meant ("your
    doctor Daniel Burton")."""
    return any(_filled_said(form, "", re.IGNORECASE).search(text) is not None
               for form in said_forms(addressed(message.strip().rstrip("."))))


def as_said(rule: str) -> str:
    """A rule's sentence as a support agent says it, not as a rulebook reads: "A card that is frozen
    cannot be changed" -> "A frozen card can't be changed", "Only an account that is open can send
    money" -> "Only an open account can send money"; otherwise its "that is", "cannot", "is not"
    contracted ("A plan that's paid off can't be changed"). Its words stay (a refusal must still
    give the rule's reason, `verify_kinds.gives_reason`)."""
    m = _STATE_RULE.match(rule)
    if m is not None:
        only, noun, state, rest = m["only"] or "", m["noun"], m["state"], m["rest"]
        article = "an" if state[:1].lower() in "aeiou" else "a"
        first = (only + article) if only else article.capitalize() if rule[:1].isupper() else article
        return _contracted(f"{first} {state} {noun} {rest}")
    return _contracted(rule)


def said_forms(rule: str) -> list[str]:
    """`rule` as written and as a refusal may say it (`as_said`, and only contracted)."""
    return list(dict.fromkeys([rule, as_said(rule), _contracted(rule)]))


def _contracted(text: str) -> str:
    for full, short in _CONTRACTIONS:
        text = full.sub(short, text)
    return text


_STATE_RULE = re.compile(r"^(?P<only>[Oo]nly )?(?:an?|An?) (?P<noun>[a-z]+(?: [a-z]+)?) that is (?P<state>[\w{}.]+) "
                         r"(?P<rest>(?:cannot|can't|can) .+)$")
_CONTRACTIONS = [(re.compile(r"\bthat is\b"), "that's"), (re.compile(r"\bcannot\b"), "can't"),
                 (re.compile(r"\bCannot\b"), "Can't"), (re.compile(r"\bis not\b"), "isn't"),
                 (re.compile(r"\bdoes not\b"), "doesn't"), (re.compile(r"\bhas not\b"), "hasn't")]


def _filled_said(template: str, filler: str, flags: int = re.DOTALL) -> re.Pattern[str]:
    """`_filled` of a form of a rule, its first article either ("a frozen card", "an open account":
    a template's article is chosen before its value is known)."""
    pattern = _filled(template, filler, flags).pattern
    return compiled(re.sub(r"^((?:[Oo]nly\\ )?)[Aa]n?\\ ", lambda m: m[1] + r"[Aa]n?\ ", pattern), flags)


def rule_cited(spec: ToolSpec, text: str) -> str | None:
    """The rule of the tool that `text` (a refusal) states, in the rule's own words with its
    values filled in as the refusal said them ("Pending transactions cannot be disputed; wait
    until they post"; "a new account needs the customer's identity to be verified" of a refusal
    that said "your identity", `addressed`), or None."""
    for template in rule_messages(spec):
        written = template.strip().rstrip(".")
        for rule in said_forms(written):  # as written, or as the refusal said it (`as_said`)
            m = _filled_said(addressed(rule), r"([^.;,()]+)", re.IGNORECASE).search(text)
            if m is not None:  # (in its own words, whichever way it was said)
                parts = re.split(r"\{[^{}]*\}", written)
                return "".join(p + v for p, v in zip(parts, (*m.groups(), "")))
    return None


def addressed(rule: str) -> str:
    """A rule's words said to the customer it speaks of: "needs the customer's identity" -> "needs
    your identity", "needs the customer to be at least 18" -> "needs you to be ...", "This customer
    already has ..." -> "You already have ..."; a customer in general ("a customer can hold at
    most 3 cards", "another customer") stays."""
    said = _CUSTOMER_VERB.sub(lambda m: ("You" if m[1][0].isupper() else "you") + " " + _YOU_DO.get(m[2].lower(), m[2]), rule)
    said = _CUSTOMER.sub(lambda m: ("Y" if m[1][0].isupper() else "y") + ("our" if m[2] else "ou"), said)
    return said


_WHO = r"(?:customer|cardholder|account ?holder|member|client)"
_CUSTOMER = re.compile(rf"\b(the|this) {_WHO}('s)?(?![\w-])", re.IGNORECASE)
_CUSTOMER_VERB = re.compile(rf"\b(the|this) {_WHO} (has|is|was|does|already has|needs|wants)\b", re.IGNORECASE)
_YOU_DO = {"has": "have", "is": "are", "was": "were", "does": "do", "already has": "already have", "needs": "need",
           "wants": "want"}


def blocking_rule(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                  keys: dict[str, str], listed: Mapping[int, tuple[str, dict[str, Any]] | None] | None = None,
                  made: Made = ()) -> tuple[str, list[str], list[tuple[str, Any, str]]] | None:
    """(message, the values that break it, the same as (field, value, record) so they can be said
    for what they mean) of the first rule of `spec` that the records in `results` show this call
    would break; None when none does or the records do not tell. `record` names the record the
    value is of ("account ACC-1") when the call reads several of its kind (a transfer's two
    accounts: "this one" would not say which), else "".

    A found row is matched to a record that carries its table's key (`keys`: table -> key field)
    and the same `where` values; an optional find is never guessed (absence cannot be read). A rule
    over other records is judged from the lists `results` hold as `listed` says they were made
    (`SeenRows`); one that none may be (no payment plan for the bill yet) also by the rows the
    conversation's writes added (`made`: `made_rows`), which no list may show yet."""
    env: dict[str, Any] = {**clock, **args}
    rt = SeenRows(results, keys, listed)
    seen = records(results)
    finds = [st.find for st in spec.effect or [] if isinstance(st, FindStep)]
    refs: dict[str, str] = {}  # the name a found row is bound to -> "account ACC-1", where it needs saying
    for step in spec.effect or []:
        try:
            if isinstance(step, FindStep):
                row = _seen_row(step, env, rt, seen, keys)
                if row is None:  # not read: the rules on it are not told, the others still are
                    continue
                env[step.as_] = row
                if finds.count(step.find) > 1:
                    refs[step.as_] = f"{singular(step.find)} {row[keys[step.find]]}"
            elif isinstance(step, LetStep):
                _let(step, env, rt)
            elif isinstance(step, RequireStep):
                if made and is_rule(spec, step) and _made_breaks(parsed(step.require), env, made):
                    return _message(step.message, env, rt), [], []
                rt.needs = {f for n, f in _FIELD.findall(step.require) if n not in env}  # of rows()'s rows
                if is_rule(spec, step) and _fields_known(step.require, env) \
                        and not expression(step.require)(env, rt):
                    # a value the message itself says ("opened {days_between(account_row.opened_on, today)}
                    # days ago") is not said again; a status is left to the speech, which says it
                    # unless the message reads "this order is pending"
                    said = {f for _, f in _FIELD.findall(" ".join(_PLACEHOLDER.findall(step.message)))
                            if not f.lower().endswith(("status", "state"))}
                    # a rule over other records (none of the customer's savings still open) is said
                    # in its own words and by the records it counts, not by this record's values
                    named = _left_over(step.require, env, rt, keys) if _OTHER_ROWS.search(step.require) else \
                        [n for n in _named_values(step.require, env, refs) if n[0] not in said]
                    return _message(step.message, env, rt), list(dict.fromkeys(str(v) for _, v, _ in named)), named
            else:
                return None
        except ExprError:  # a rule or a find naming what is not known yet (where the money goes): not told
            if isinstance(step, (RequireStep, FindStep)):
                continue
            return None
    return None


#: a field read of a named row in an expression ("account_row.balance": name, field)
_FIELD = re.compile(r"\b([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b")
_OTHER_ROWS = re.compile(r"\b(?:count_)?rows\(")


def _seen_row(step: FindStep, env: dict[str, Any], rt: NoDatabase, seen: list[dict[str, Any]],
              keys: dict[str, str]) -> dict[str, Any] | None:
    """The record read so far that a find of one row by its `where` finds: one carrying its
    table's key (an order, not its item) and the same values; None when none does, or for a find
    that is not guessed (many rows, a filter, optional: absence cannot be read)."""
    if step.many or step.filter or step.optional or step.find not in keys:
        return None
    where = {k: expression(v)(env, rt) if isinstance(v, str) else v for k, v in step.where.items()}
    return next((r for r in seen if own_key(r) == keys[step.find]
                 and all(k in r and str(r[k]) == str(v) for k, v in where.items())), None)


def _let(step: LetStep, env: dict[str, Any], rt: NoDatabase) -> None:
    """The step's names bound in order, as the executor binds them (a later one may read an earlier)."""
    for k, v in step.let.items():
        env[k] = expression(v)(env, rt) if isinstance(v, str) else v


_FEE = re.compile(r"(?:^|_)fee$")
_BARE = re.compile(r"[\w.]+")  # a parameter or a row's field: copied, not worked out


def _total_worked_out(name: str, expr: Any) -> bool:
    """Whether a write sets a total (`total_paid`) by working it out, not by copying a value."""
    return bool(TOTAL.search(name)) and isinstance(expr, str) and not _BARE.fullmatch(expr)


def _told_steps(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                keys: dict[str, str]) -> Iterator[tuple[Any, dict[str, Any], NoDatabase]]:
    """The write's `let`s and its first insert or update, each with the names bound before it
    (`let`s: after it), as the records read so far give them; it stops at a find they do not tell,
    at any other step, and at the first write (what follows reads what it wrote)."""
    env: dict[str, Any] = {**clock, **args}
    rt = NoDatabase()
    seen = records(results)
    for step in spec.effect or []:
        try:
            if isinstance(step, FindStep):
                if (row := _seen_row(step, env, rt, seen, keys)) is None:
                    return  # what it reads next is not told (what came before stands)
                env[step.as_] = row
            elif isinstance(step, LetStep):
                _let(step, env, rt)
            elif not isinstance(step, (RequireStep, InsertStep, UpdateStep)):
                return
        except (ExprError, KeyError, TypeError):
            return
        if isinstance(step, (LetStep, InsertStep, UpdateStep)):
            yield step, env, rt
        if isinstance(step, (InsertStep, UpdateStep)):
            return


def sums_due(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
             keys: dict[str, str]) -> list[tuple[str, float]]:
    """(name, amount) of each sum the write works out for itself, as the records read so far give
    it: a fee (`let: {early_closure_fee: ...}`; 0: none applies), what a change charges (`let:
    {charged: ...}`: a fare difference, or a total it works out again: `charged`, the new total less
    the old; below 0 a refund) and the total of a record it makes (a booking's `total_paid` from the
    flight's price, the cabin and the passengers). What this very call will cost, said before it,
    as far as the records read tell it."""
    out: list[tuple[str, float]] = []

    def add(name: str, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append((name, value))
    try:
        for step, env, rt in _told_steps(spec, args, results, clock, keys):
            if isinstance(step, LetStep):
                for k in step.let:
                    if _FEE.search(k) or CHARGED.match(k):
                        add(k, env.get(k))
            elif isinstance(step, InsertStep):
                for k, source in step.values.items():
                    if _total_worked_out(k, source):
                        add(k, expression(source)(env, rt))
            else:
                row = env.get(step.row)
                for k, source in step.set.items():
                    if _total_worked_out(k, source) and isinstance(row, Mapping) \
                            and isinstance(old := row.get(k), (int, float)) \
                            and not any(CHARGED.match(name) for name, _ in out):  # (told by a `let` already)
                        add("charged", round(expression(source)(env, rt) - old, 2))
    except (ExprError, KeyError, TypeError):
        pass
    return out


def prices_moved(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                 keys: dict[str, str]) -> list[tuple[str, float, float]]:
    """(field, new, old) of each amount a change copies onto the record from another record it
    finds, besides what it is asked to set, as the records read so far show that one: a membership
    moved to Premium takes Premium's monthly fee from the plans listed. What a careful agent says
    before the yes ("That takes the monthly fee up to $25.72."), each figure one a read showed (an
    amount the write works out, a balance after a transfer, is no read's: not said)."""
    out: list[tuple[str, float, float]] = []
    try:
        for step, env, rt in _told_steps(spec, args, results, clock, keys):
            row = env.get(step.row) if isinstance(step, UpdateStep) else None
            if not isinstance(row, Mapping):
                continue
            for k, source in step.set.items():
                old = row.get(k)
                copied = isinstance(source, str) and _BARE.fullmatch(source) and "." in source \
                    and source.split(".")[0] != step.row  # another record's field ("new_plan.price")
                if k in args or not copied or not is_money(k, old) or TOTAL.search(k):
                    continue
                new = expression(source)(env, rt)
                if isinstance(new, (int, float)) and not isinstance(new, bool) and round(new, 2) != round(old, 2):
                    out.append((k, round(new, 2), old))
    except (ExprError, KeyError, TypeError):
        pass
    return out


def conditions(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
               keys: dict[str, str]) -> list[tuple[IfStep, bool | None, dict[str, Any]]]:
    """Each condition of the write (`IfStep`), whether it holds for this call by the records read
    so far (None: they do not tell), and the rows it reads, bound as `blocking_rule` finds them
    ("reason == 'fraud' and card_row.status in ['active']" with card_row the charge's card as a
    listing showed it)."""
    if not any(isinstance(step, IfStep) for step in spec.effect or []):
        return []  # most writes: nothing to read the records for
    env: dict[str, Any] = {**clock, **args}
    rt = NoDatabase()
    seen = records(results)
    out: list[tuple[IfStep, bool | None, dict[str, Any]]] = []
    for step in spec.effect or []:
        try:
            if isinstance(step, FindStep):
                if (row := _seen_row(step, env, rt, seen, keys)) is not None:
                    env[step.as_] = row
            elif isinstance(step, LetStep):
                _let(step, env, rt)
            elif isinstance(step, IfStep):
                out.append((step, bool(expression(step.if_)(env, rt)), dict(env)))
        except (ExprError, KeyError, TypeError):
            if isinstance(step, IfStep):
                out.append((step, None, dict(env)))
    return out


def waiting_changes(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                    keys: dict[str, str]) -> list[tuple[str, Any, Any]]:
    """(field, new value, from when) of each change the write leaves waiting (`pending_plan` with
    `pending_plan_starts_on`) in the branch of its condition the records read so far say it takes
    (a downgrade waits for the next billing cycle; an upgrade starts at once: nothing)."""
    out: list[tuple[str, Any, Any]] = []
    for step, holds, env in conditions(spec, args, results, clock, keys):
        for update in (st for st in (step.then if holds else step.else_ if holds is False else [])
                       if isinstance(st, UpdateStep)):
            for name, source in update.set.items():
                start = update.set.get(f"{name}_starts_on")
                if not name.startswith("pending_") or name.endswith("_starts_on") or not isinstance(start, str):
                    continue
                try:
                    value = expression(source)(env, NoDatabase()) if isinstance(source, str) else source
                    when = expression(start)(env, NoDatabase())
                    if value is not None and when is not None:  # (an upgrade clears what was waiting)
                        out.append((name.removeprefix("pending_"), value, when))
                except (ExprError, KeyError, TypeError):
                    continue
    return out


def case_holds(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
               keys: dict[str, str], case: str) -> bool | None:
    """Whether the write's condition that tests `case` ("reason == 'fraud' and card_row.status in
    ['active']") holds for this call by the records read so far: False when they show it does not
    (a fraud dispute on a card already frozen freezes nothing), None when they do not tell or no
    condition tests it."""
    quoted = f"'{case.lower()}'"
    return next((holds for step, holds, _ in conditions(spec, args, results, clock, keys)
                 if quoted in step.if_.lower()), None)


def changed_besides(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                    keys: dict[str, str]) -> list[tuple[str, Any, str]]:
    """(table, key, new status) of each record a write's condition moves to a fixed status when the
    records read before it show the condition held ("card CRD-1 is now frozen" after a fraud
    dispute): what the write did besides its own record, to tell after it."""
    out: list[tuple[str, Any, str]] = []
    for step, holds, env in conditions(spec, args, results, clock, keys):
        if holds is not True:
            continue
        for then in step.then:
            status = then.set.get("status") if isinstance(then, UpdateStep) else None
            row = env.get(then.row) if isinstance(then, UpdateStep) else None
            fixed = re.fullmatch(r"'([a-z][a-z _]*)'", status.strip()) if isinstance(status, str) else None
            if fixed and isinstance(row, dict) and then.update in keys and row.get(keys[then.update]) is not None \
                    and row.get("status") != fixed.group(1):
                out.append((then.update, row[keys[then.update]], fixed.group(1)))
    return out


def fees_not_due(spec: ToolSpec, args: dict[str, Any], results: list[Any], clock: dict[str, Any],
                 keys: dict[str, str]) -> set[str]:
    """The amounts ("25") a write sets only under a condition the records read show does not hold
    (a late fee, for a cancellation well ahead): a sentence of the text naming that fee is not
    said before this change."""
    out: set[str] = set()
    for step, holds, _ in conditions(spec, args, results, clock, keys):
        if holds is False:
            out |= {v.strip() for then in step.then if isinstance(then, UpdateStep) for v in then.set.values()
                    if isinstance(v, str) and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", v)}
    return out


def found_by_key(step: FindStep, args: dict[str, Any], keys: dict[str, str]) -> Any:
    """The key a find looks its one row up by, when it is an argument of the call (`find cards
    where card_id = card_id`); None otherwise."""
    source = step.where.get(keys.get(step.find, "")) if len(step.where) == 1 and not step.many else None
    return args.get(source) if isinstance(source, str) and args.get(source) not in (None, "") else None


def rule_records(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str]) -> list[tuple[str, Any]]:
    """(table, key) of the records a write's rules read, found by their key from its arguments
    ("update_limit(card_id=C1)" finds card C1 before its rules): what an assistant opens to see
    the condition for itself rather than trusting a list's summary of it. A record no rule reads
    (the customer a handoff is filed for) is not one."""
    return list(rule_fields(spec, args, keys))


def rule_fields(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str]) -> dict[tuple[str, Any], set[str]]:
    """`rule_records`, each with the fields of it the rules read (`line_row.status`: "status";
    None among them when a rule reads the whole row)."""
    out: dict[tuple[str, Any], set[str]] = {}
    finds: dict[str, tuple[str, Any]] = {}
    for step in spec.effect or []:
        if isinstance(step, RequireStep):
            if not is_rule(spec, step):
                continue
            names = expression(step.require).names
            fields = _FIELD.findall(step.require)
            for name, found in finds.items():
                if name in names:
                    read = {f for n, f in fields if n == name}
                    out.setdefault(found, set()).update(read or {None})
        elif isinstance(step, FindStep) and (key := found_by_key(step, args, keys)) is not None and step.as_:
            finds[step.as_] = (step.find, key)
    return out


def opened(results: list[Any], pk: str, key: Any) -> bool:
    """Whether a read returned the record `key` itself (not as an item of a list)."""
    return any(isinstance(r, dict) and str(r.get(pk)) == str(key) for r in results)


def listed_row(results: list[Any], pk: str, key: Any, fields: Sequence[str]) -> dict[str, Any] | None:
    """The record `key` as a list in `results` showed it with every one of `fields` (a flight search
    shows each flight whole), or None: opening it would only echo the list."""
    return next((r for value in results if isinstance(value, list) for r in value if isinstance(r, dict)
                 and str(r.get(pk)) == str(key) and set(fields) <= set(r)), None)


def since_write(calls: Sequence[tuple[Any, ...]], compiled: CompiledDomain) -> list[tuple[Any, ...]]:
    """The calls of `calls` ((tool, ..., reply) in call order) after the last write (or a tool the
    domain has not): what still shows the records as they are."""
    out: list[tuple[Any, ...]] = []
    for call in calls:
        tool = compiled.tools.get(call[0])
        out = [] if tool is None or tool.writes else [*out, call]
    return out


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _named_values(expr: str, env: dict[str, Any], refs: dict[str, str]) -> list[tuple[str, Any, str]]:
    """(field, value, record) of the record values a rule reads (``card.status`` -> ("status",
    "frozen", "")); the record as `refs` names it."""
    out: dict[str, tuple[str, Any, str]] = {}
    for name, field in _FIELD.findall(expr):
        row = env.get(name)
        if isinstance(row, dict) and row.get(field) not in (None, ""):
            out.setdefault(field, (field, row[field], refs.get(name, "")))
    return list(out.values())


def _left_over(rule: str, env: dict[str, Any], rt: NoDatabase, keys: dict[str, str]) -> list[tuple[str, Any, str]]:
    """(status field, status, "savings account ACC-2") of each of the other records a rule that
    none may be left counts (`len([x for x in rows('accounts', {..., account_type: 'savings',
    status: 'open'}) if ...]) == 0`, or `count_rows(...) == 0`): the customer is told which one
    holds the action back ("Your savings account ACC-2 is currently open."). The record is named by
    the kind the rule counts (its constant values but the status)."""
    counted = _none_left(parsed(rule))
    if counted is None:
        return []
    listed, call = counted
    table, where = call.args[0].value, call.args[1]
    pk = keys.get(table)
    state = next((k for k in where.value if k.lower().endswith(("status", "state"))), None)
    if pk is None or state is None:
        return []
    kind = [a.value for k, a in zip(where.value, where.args) if k != state and a.op == "const" and isinstance(a.value, str)]
    noun = " ".join([*kind, singular(table).replace("_", " ")])
    try:
        found = build(listed)(env, rt)
    except ExprError:
        return []
    return [(state, r[state], f"{noun} {r[pk]}") for r in found if isinstance(r, dict) and r.get(pk) is not None
            and r.get(state) is not None]


def _none_left(node: Node) -> tuple[Node, Node] | None:
    """(the expression listing the rows, its `rows`/`count_rows` call) of a `... == 0` over other
    records in `node`, under `and` / `or`; None when it has none."""
    if node.op in ("and", "or"):
        return next((got for a in node.args if (got := _none_left(a)) is not None), None)
    if node.op != "==":
        return None
    for side, other in (node.args, node.args[::-1]):
        if not (other.op == "const" and other.value == 0 and side.op == "call"):
            continue
        if side.value == "len" and len(side.args) == 1 and side.args[0].op == "comp" \
                and side.args[0].args[0].op == "name" and side.args[0].args[0].value == side.args[0].value:
            listed, call = side.args[0], side.args[0].args[1]
        elif side.value == "count_rows":
            listed = call = Node("call", list(side.args), "rows")
        else:
            continue
        if call.op == "call" and call.value == "rows" and len(call.args) == 2 and call.args[0].op == "const" \
                and call.args[1].op == "dict":
            return listed, call
    return None


Made = Sequence[tuple[str, dict[str, Any]]]
"""(table, the values known of it) of each row the writes of a conversation added."""


class _MadeRows(NoDatabase):
    """The runtime a "none may be" rule is checked with against the rows `made`: those of them a
    `where` picks (a row that does not tell a field it compares is not counted)."""

    def __init__(self, made: Made) -> None:
        self.made = made

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]:
        return [row for t, row in self.made if t == table
                and all(k in row and str(row[k]) == str(v) for k, v in where.items())]

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        return len(self.rows(table, where))


def _made_breaks(node: Node, env: dict[str, Any], made: Made) -> bool:
    """Whether a rule that none of some rows may be (`count_rows(...) == 0`, alone or in an `and`)
    is broken by rows `made` in the conversation: a payment plan filed for this bill."""
    if node.op == "and":
        return any(_made_breaks(a, env, made) for a in node.args)
    counted = _none_left(node) if node.op == "==" else None
    if counted is None:
        return False
    try:
        return bool(build(counted[0])(env, _MadeRows(made)))
    except (ExprError, KeyError, TypeError):
        return False


def made_rows(messages: list[dict[str, Any]], compiled: CompiledDomain) -> list[tuple[str, dict[str, Any]]]:
    """(table, values) of each row the writes in `messages` added for sure (an insert outside any
    condition or loop: a payment plan for a bill), with the values of its fields the call's
    arguments and constants give, and its key as the reply says it; a row is let go once a later
    write may change or delete rows of its table (the plan cancelled), and all of them after a
    write whose effect is not told. What an assistant knows exists though no list shows it yet."""
    return _made_after([], call_texts(messages), compiled)


def _made_after(out: list[tuple[str, dict[str, Any]]], calls: Sequence[CallText],
                compiled: CompiledDomain) -> list[tuple[str, dict[str, Any]]]:
    """`made_rows` after `calls`, of rows `out` made before them (`out` is left as it is)."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    for name, args, result in _calls(calls):
        tool = compiled.tools.get(name)
        if tool is not None and not tool.writes or isinstance(result, dict) and set(result) == {"error"}:
            continue
        changed = footprint(tool.spec, args, keys) if tool is not None else None
        if changed is None:
            out = []
            continue
        out = [(t, row) for t, row in out if not any(not isinstance(r, New) for r in changed.get(t, (set(), set()))[0])]
        for st in tool.spec.effect or []:  # (a write with no effect has no footprint: left above)
            if isinstance(st, InsertStep):
                values = {f: v for f, src in st.values.items()
                          if (v := _value_of(src, args, {}, {}, (), keys)) is not _UNKNOWN}
                pk = keys.get(st.insert, "")
                if isinstance(result, dict) and pk in result:
                    values[pk] = result[pk]
                out.append((st.insert, values))
    return out


CallText = tuple[Any, Any, Any]
"""(tool name, arguments text, reply text) of a call, as a conversation's messages hold them."""


def call_texts(messages: list[dict[str, Any]]) -> tuple[CallText, ...]:
    """The `CallText` of each call in `messages`, in order (None where a part is missing): all that
    `memory`, `recall` and `made_rows` read of a conversation."""
    replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    return tuple((fn.get("name"), fn.get("arguments"), replies.get(c.get("id")))
                 for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []
                 for fn in (c.get("function") or {},))


def _parsed_call(arguments: Any, reply: Any) -> tuple[Any, Any]:
    """A call's arguments and reply as JSON values; {} and None where they do not parse."""
    try:
        return json.loads(arguments or "{}"), json.loads(reply or "")
    except (TypeError, json.JSONDecodeError):
        return {}, None


def _calls(calls: Sequence[CallText]) -> list[tuple[str, dict[str, Any], Any]]:
    """(tool, arguments, reply) of each call, parsed; "", {} and None where they do not parse."""
    return [(name or "", args if isinstance(args, dict) else {}, result)
            for name, arguments, reply in calls for args, result in (_parsed_call(arguments, reply),)]


def calls_made(messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(tool, arguments, reply) of each call in `messages`, in order; {} and None where they do not parse."""
    return _calls(call_texts(messages))


def _fields_known(expr: str, env: dict[str, Any]) -> bool:
    """Every ``row.field`` the rule reads is in the record read (a missing field is not a "no")."""
    for name, field in _FIELD.findall(expr):
        row = env.get(name)
        if isinstance(row, dict) and field not in row:
            return False
    return True


def _message(message: str, env: dict[str, Any], rt: NoDatabase) -> str:
    """The rule's message with its {placeholders} filled, as the sandbox would say it."""
    if "{" not in message:
        return message
    try:
        return str(compile_template(message)(env, rt))  # type: ignore[arg-type]
    except ExprError:
        return re.sub(r"\s*\{[^}]*\}", "", message)


ANY = object()
"""In a write's footprint: rows of the table the write may change other than by their key."""


@dataclass(frozen=True)
class New:
    """In a write's footprint: a row the write adds (no record read before is changed by it; a list
    of such records may gain one), with the values of its fields that are known before the write
    (an argument, or a field of a record read: an exchanged item's replacement is in its order)."""

    values: tuple[tuple[str, Any], ...] = ()


NEW = New()
"""A row added with no field known."""


Footprint = dict[str, tuple[set[Any], set[str]]]
"""Per table a write may change: (the keys of the rows it changes, `ANY` or a `New` row; the fields it sets)."""


def footprint(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str],
              known: Sequence[Any] = ()) -> Footprint | None:
    """The records a write may change, per table: the keys of rows it updates or deletes after
    finding them by their key from its arguments (or by a field of a row found so, as a record in
    the reads `known` shows it: a dispute's charge names its card), `ANY` (rows found otherwise,
    inside a loop or a branch) or a `New` row (inserted), with the fields it sets; None when the
    tool has no declared effect."""
    if spec.effect is None:
        return None
    found: dict[str, Any] = {}
    tables: dict[str, str] = {}  # a found row's name -> its table
    out: Footprint = {}

    def walk(steps: list[Any], nested: bool) -> None:
        for st in steps:
            if isinstance(st, FindStep):
                key = None if nested else found_by_key(st, args, keys)
                if key is None and not nested and known:
                    key = _key_via(st, found, tables, known, keys)
                found[st.as_] = ANY if key is None else key
                tables[st.as_] = st.find
            elif isinstance(st, (UpdateStep, DeleteStep)):
                table, fields = (st.update, set(st.set)) if isinstance(st, UpdateStep) else (st.delete, set())
                rows, sets = out.setdefault(table, (set(), set()))
                rows.add(found.get(st.row, ANY) if isinstance(st, UpdateStep) else ANY)
                sets.update(fields)
            elif isinstance(st, InsertStep):
                values = {f: v for f, src in st.values.items()
                          if (v := _value_of(src, args, found, tables, known, keys)) is not _UNKNOWN}
                out.setdefault(st.insert, (set(), set()))[0].add(New(tuple(sorted(values.items()))))
            elif isinstance(st, ForEachStep):
                walk(st.do, True)
            elif isinstance(st, IfStep):
                walk(st.then, True)
                walk(st.else_, True)

    walk(list(spec.effect), False)
    return out


_FIELD_OF = re.compile(r"\s*([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*")
_NAME = re.compile(r"\s*([A-Za-z_]\w*)\s*")
_QUOTED = re.compile(r"\s*'([^'\\]*)'\s*")
_UNKNOWN = object()


def _value_of(source: Any, args: dict[str, Any], found: dict[str, Any], tables: dict[str, str],
              known: Sequence[Any], keys: dict[str, str]) -> Any:
    """The value an expression of a call has before it runs, when it is plain: an argument given, a
    quoted text, or a field of a row found by its key as the reads `known` show it (all alike);
    `_UNKNOWN` otherwise."""
    if not isinstance(source, str):
        return source if isinstance(source, (int, float)) and not isinstance(source, bool) else _UNKNOWN
    if (m := _QUOTED.fullmatch(source)) is not None:
        return m[1]
    if (m := _NAME.fullmatch(source)) is not None:
        return args[m[1]] if m[1] in args and args[m[1]] not in (None, "") else _UNKNOWN
    m = _FIELD_OF.fullmatch(source)
    if m is None or found.get(m[1], ANY) is ANY or m[1] not in tables:
        return _UNKNOWN
    table = tables[m[1]]
    if m[2] == keys.get(table):
        return found[m[1]]
    values = _field_values(table, found[m[1]], m[2], known, keys)
    return values.pop() if len(values) == 1 else _UNKNOWN


def _field_values(table: str, key: Any, field: str, known: Sequence[Any], keys: dict[str, str]) -> set[Any]:
    """The values the reads `known` show for `field` of the record `key` of `table` (in a record of
    its own: an item's record, not an order's that lists it)."""
    pk = keys.get(table, "")
    out: set[str] = set()
    for r in known:
        for d in _records_in(r):
            if own_key(d) == pk and str(d[pk]) == str(key) and field in d:
                out.add(json.dumps(d[field], sort_keys=True))
    return {json.loads(v) for v in out if not v.startswith(("{", "["))}


def _key_via(step: FindStep, found: dict[str, Any], tables: dict[str, str], known: Sequence[Any],
             keys: dict[str, str]) -> Any:
    """The key a find looks its one row up by when that is a field of a row found earlier by its
    key (`find cards where card_id = charge_row.card_id`) and the reads `known` show that row with
    the field, all alike; None otherwise."""
    pk = keys.get(step.find, "")
    source = step.where.get(pk) if len(step.where) == 1 and not step.many else None
    value = _value_of(source, {}, found, tables, known, keys) if _FIELD_OF.fullmatch(str(source)) else _UNKNOWN
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "" else None


def _sources(value: Any) -> list[str]:
    """Every expression text in a step's value (a return's dict of expressions, a list of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _sources(v)]
    if isinstance(value, list):
        return [s for v in value for s in _sources(v)]
    return []


_PROJECTED_LOOKUP = re.compile(r"\s*project\(\s*lookup\(\s*'(\w+)'\s*,[^()]*\)\s*,\s*\[([^\]]*)\]\s*\)\s*")


@lru_cache(maxsize=4096)
def _tables_looked_up(source: str) -> frozenset[str]:
    """The tables an expression looks up (none when it does not compile): asked for every read the
    session remembers at every write, so compiled once per expression."""
    try:
        return frozenset(expression(source).tables)
    except ExprError:
        return frozenset()


@dataclass
class _Find:
    """A find a read makes: its table, the row's name, the values its `where` compares fields with
    (those known before the call), whether it runs inside a loop or branch, and whether it is the
    record the read opens by its key."""

    table: str
    name: str
    where: dict[str, Any]
    nocase: frozenset[str]
    nested: bool
    opens: bool = False


@dataclass
class ReadShape:
    """What a read's reply depends on: the tables (found, or looked up by its expressions), its
    finds, the tables its expressions look up, the (table, key) of the one record it opens by its
    key, the fields of that record its expressions use (None: the whole row), and which of them it
    shows only through an expression (a lookup by the field, not the field: not patched by a reply)."""

    tables: set[str]
    finds: list[_Find]
    looked_up: set[str]
    opened: tuple[str, Any] | None
    shown: set[str] | None
    derived: set[str] | None  # those of `shown` it shows only through an expression (None: unknown)
    looked_up_fields: dict[str, frozenset[str]] = field(default_factory=dict)  # a table of `looked_up` shown
    # only as those fields of the row looked up (`project(lookup('flights', ...), [...])`); else all of it


def read_shape(spec: ToolSpec, args: dict[str, Any], keys: dict[str, str]) -> ReadShape | None:
    """The `ReadShape` of a call of a read; None when the tool has no declared effect."""
    if spec.effect is None:
        return None
    finds: list[_Find] = []
    looked_up: set[str] = set()
    used: list[str] = []  # every expression after the opening find

    def walk(steps: list[Any], nested: bool) -> None:
        for st in steps:
            if isinstance(st, FindStep):
                key = None if nested or any(f.opens for f in finds) else found_by_key(st, args, keys)
                where: dict[str, Any] = {}
                if key is not None:
                    where[keys[st.find]] = key
                else:
                    named = {f.name: f for f in finds if f.opens}
                    for field, src in st.where.items():
                        m = _FIELD_OF.fullmatch(src) if isinstance(src, str) else None
                        if m is not None and m[1] in named and m[2] == keys.get(named[m[1]].table):
                            where[field] = named[m[1]].where[m[2]]  # the opened record's own key
                        elif (v := _value_of(src, args, {}, {}, (), keys)) is not _UNKNOWN:
                            where[field] = v
                    used.extend(_sources(list(st.where.values())))
                finds.append(_Find(st.find, st.as_, where, frozenset(st.nocase), nested, key is not None))
                used.extend(_sources(st.filter))
            elif isinstance(st, LetStep):
                used.extend(_sources(st.let))
            elif isinstance(st, RequireStep):
                used.extend(_sources(st.require))
            elif isinstance(st, ReturnStep):
                used.extend(_sources(st.return_))
            elif isinstance(st, ForEachStep):
                used.extend(_sources(st.for_each))
                walk(st.do, True)
            elif isinstance(st, IfStep):
                used.extend(_sources(st.if_))
                walk(st.then, True)
                walk(st.else_, True)

    walk(list(spec.effect), False)
    projected: dict[str, frozenset[str]] = {}
    whole_tables: set[str] = set()
    for source in used:
        tables = _tables_looked_up(source)
        looked_up |= tables
        m = _PROJECTED_LOOKUP.fullmatch(source)
        if m is not None and tables == {m[1]}:
            projected[m[1]] = projected.get(m[1], frozenset()) | frozenset(re.findall(r"'([^']*)'", m[2]))
        else:
            whole_tables |= tables
    opening = next((f for f in finds if f.opens), None)
    shown: set[str] | None = set()
    derived: set[str] | None = set()
    if opening is not None:
        name = re.escape(opening.name)
        whole = False  # the row returned as it is
        for source in used:
            if (m := _FIELD_OF.fullmatch(source)) is not None and m[1] == opening.name:
                shown.add(m[2])  # type: ignore[union-attr]
            elif re.fullmatch(rf"\s*{name}\s*", source):
                whole = True
            elif (m := re.fullmatch(rf"\s*project\(\s*{name}\s*,\s*\[([^\]]*)\]\s*\)\s*", source)) is not None:
                shown.update(re.findall(r"'([^']*)'", m[1]))  # type: ignore[union-attr]
            elif re.search(rf"\b{name}\b(?!\s*\.\s*[A-Za-z_])", source):
                shown = derived = None  # the row itself, whole, in an expression (`compact`)
                break
            else:  # fields in an expression: a lookup by the booking's flight shows the flight
                fields = re.findall(rf"\b{name}\s*\.\s*([A-Za-z_]\w*)", source)
                shown.update(fields)  # type: ignore[union-attr]
                derived.update(fields)  # type: ignore[union-attr]
        if whole:
            shown = None
    return ReadShape({f.table for f in finds} | looked_up, finds, looked_up,
                     (opening.table, opening.where[keys[opening.table]]) if opening else None, shown, derived,
                     {t: fs for t, fs in projected.items() if t not in whole_tables})


def reply_keys_showing(spec: ToolSpec, shape: ReadShape, fields: set[str]) -> frozenset[str] | None:
    """The keys of a read's reply (of `shape`, opening one record) whose values show any of the
    opened record's `fields`, directly or through a row or value found by them (the plan a line's
    `plan_id` finds); None when the reply's shape does not tell (a loop, a branch, the whole row in
    an expression, an expression that does not parse). Worked out once per tool, opening name and
    fields (`_SHOWING`): the agent asks it of every kept read after every write, each reply."""
    opening = next((f for f in shape.finds if f.opens), None)
    if opening is None or not fields:
        return None
    key = (id(spec), opening.name, frozenset(fields))
    kept = _SHOWING.get(key)
    if kept is not None and kept[0]() is spec:
        return kept[1]
    if len(_SHOWING) >= 4096:
        _SHOWING.clear()
    shown = _keys_showing(spec, opening.name, fields)
    _SHOWING[key] = (weakref.ref(spec), shown)
    return shown


_SHOWING: dict[tuple[int, str, frozenset[str]], tuple[weakref.ref, frozenset[str] | None]] = {}
"""`reply_keys_showing` by (tool spec, opening name, fields), with the spec it was worked out of (an
id may be another spec's once that one is gone)."""


def _keys_showing(spec: ToolSpec, opened: str, fields: set[str]) -> frozenset[str] | None:
    """`reply_keys_showing` of a read whose opening find binds `opened`."""
    returned = next((st.return_ for st in spec.effect or [] if isinstance(st, ReturnStep)), None)
    if any(isinstance(st, (ForEachStep, IfStep)) for st in spec.effect or []):
        return None
    tainted = {opened}  # names whose every field may show them (a row found by a set field)

    def depends(value: Any) -> bool:
        try:
            return any(_shows(parsed(src), opened, fields, tainted) for src in _sources(value))
        except ExprError:
            return True

    for st in spec.effect or []:
        if isinstance(st, FindStep) and st.as_ != opened and depends([st.where, st.filter]):
            tainted.add(st.as_)
        elif isinstance(st, LetStep):
            tainted.update(name for name, src in st.let.items() if depends(src))
    if isinstance(returned, dict):
        return frozenset(k for k, src in returned.items() if depends(src))
    if isinstance(returned, str) and re.fullmatch(rf"\s*{re.escape(opened)}\s*", returned):
        return frozenset(fields)
    return None


def reply_keys_from(spec: ToolSpec, tables: set[str]) -> frozenset[str] | None:
    """The keys of a read's reply whose values come from rows of `tables` (found, or looked up or
    counted by an expression), directly or through a name bound from them; None when the reply's
    shape does not tell (a loop, a branch, an expression that does not parse)."""
    steps = spec.effect or []
    if any(isinstance(st, (ForEachStep, IfStep)) for st in steps):
        return None
    tainted: set[str] = set()

    def depends(value: Any) -> bool:
        try:
            return any((c := expression(src)).names & tainted or c.tables & tables for src in _sources(value))
        except ExprError:
            return True

    for st in steps:
        if isinstance(st, FindStep) and (st.find in tables or depends([st.where, st.filter])):
            tainted.add(st.as_)
        elif isinstance(st, LetStep):
            tainted.update(name for name, src in st.let.items() if depends(src))
    returned = next((st.return_ for st in steps if isinstance(st, ReturnStep)), None)
    if isinstance(returned, dict):
        return frozenset(k for k, src in returned.items() if depends(src))
    return frozenset() if isinstance(returned, str) and not depends(returned) else None


def _shows(node: Node, row: str, fields: set[str], tainted: set[str]) -> bool:
    """Whether an expression reads one of `fields` of `row`, the whole `row`, or a `tainted` name."""
    if node.op == "attr" and node.args and node.args[0].op == "name" and node.args[0].value == row:
        return node.value in fields
    if node.op == "name":
        return node.value in tainted
    return any(_shows(a, row, fields, tainted) for a in node.args or ())


Read = tuple[str, dict[str, Any], Any]
"""(tool effect or name, arguments, result) of a read made."""

Stale = dict[int, frozenset[str] | None]
"""id() of a read a write since may have changed -> the keys of its reply that may show a changed
value (None: any)."""


def reads_since_write(messages: list[dict[str, Any]], compiled: CompiledDomain,
                      keep: frozenset[str] = frozenset()) -> list[Read]:
    """The reads in `messages` that are still true (`memory`)."""
    return memory(messages, compiled, keep)[0]


def memory(messages: list[dict[str, Any]], compiled: CompiledDomain,
           keep: frozenset[str] = frozenset()) -> tuple[list[Read], Stale]:
    """The reads in `messages` that are still true, as the writes since have left them, and those a
    write since may have changed (kept as its reply patched them), with the keys of their reply
    that show what it may have set (`Stale`: a freeze sets an account's status, not the date it
    was opened, which the read before it still tells). A write's reply
    is patched into the records it names; a read holding a record the write may have changed
    otherwise is forgotten, as is a read listing records among which one the write changed or added
    may be (by the fields the listing is found by: a new reading of one account is not among
    another account's readings). A support agent remembers the booking it opened before cancelling
    another; it does not open it again, but it looks again before changing a record that a change
    since may have touched. The reads of the tools in `keep` (who the customer is) follow the
    older, list-level rule: kept while the reply patches them and the write changed no field they
    show of a record the reply does not name."""
    return _memory_of(call_texts(messages), compiled, keep)


def _listed_under(reads: Sequence[Read], compiled: CompiledDomain) -> list[list[dict[str, Any]]]:
    """The lists `reads` show, each row with the values it is listed by (a card's recent charges,
    each with the card's id), which the rows under a parent leave out: what a write's rows are found
    by ("find cards where card_id = charge_row.card_id") is then known."""
    return [rows for name, args, result in reads if (tool := compiled.tools.get(name)) is not None
            for _, rows in listed_rows(tool.spec, args, result)]


def _memory_of(calls: Sequence[CallText], compiled: CompiledDomain, keep: frozenset[str]) -> tuple[list[Read], Stale]:
    """`memory` of a conversation whose calls are `calls`."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    out: list[Read] = []
    stale: Stale = {}
    for name, arguments, reply in calls:
        tool = compiled.tools.get(name)
        args, result = _parsed_call(arguments, reply)
        if tool is None or tool.writes:
            known = [r for _, _, r in out] + _listed_under(out, compiled)
            changed = footprint(tool.spec, args, keys, known) if tool is not None else None
            shapes = [read_shape(compiled.tools[t].spec, a, keys) for t, a, _ in out]
            for (t, _, r), sh in zip(out, shapes):
                if _may_touch(sh, changed):
                    keys_set = _stale_keys(compiled.tools[t].spec, sh, changed) if t in compiled.tools else None
                    before = stale.get(id(r), frozenset())
                    stale[id(r)] = None if before is None or keys_set is None else before | keys_set
            out[:] = [(t, a, r) for (t, a, r), sh in zip(out, shapes)
                      if (_patched(r, result) and not _unnamed_change(r, result, changed, keys) if t in keep
                          else _still_true(sh, r, result, changed, keys, known))]
            kept_ids = {id(r) for _, _, r in out}  # a forgotten read's id may be a later read's
            stale = {i: v for i, v in stale.items() if i in kept_ids}
            for _, _, r in out:  # what the write's reply says of the record again is known now
                if stale.get(id(r)):
                    left = stale[id(r)] - _told_again(r, result, stale[id(r)])
                    if left:
                        stale[id(r)] = left
                    else:
                        del stale[id(r)]
            continue
        if result is not None and not (isinstance(result, dict) and set(result) == {"error"}):
            out.append((name, args, result))
    return out, stale


def recall(messages: list[dict[str, Any]], compiled: CompiledDomain) -> list[tuple[str, dict[str, Any]]]:
    """(read, record) of each record a read in `messages` opened by its key, latest first, with only
    the plain values of its own fields that no write since may have changed, or that a write's
    reply about it said again: a plan change leaves a line's phone number and status as read, even
    where `memory` forgets the read (it showed when the plan last changed). What an assistant still
    knows of a record it looked at, to tell which one a customer describes, or that a rule holds,
    without opening it or the others again; a write whose footprint is not told forgets them all."""
    return _recall_of(call_texts(messages), compiled)


def _recall_of(calls: Sequence[CallText], compiled: CompiledDomain) -> list[tuple[str, dict[str, Any]]]:
    """`recall` of a conversation whose calls are `calls`."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    held: list[tuple[str, ReadShape, dict[str, Any], set[str]]] = []  # (read, its shape, record, stale keys)
    for name, args, result in _calls(calls):
        tool = compiled.tools.get(name)
        if isinstance(result, dict) and set(result) == {"error"}:
            continue  # a failed call read nothing and changed nothing
        if tool is not None and not tool.writes:
            shape = read_shape(tool.spec, args, keys)
            if shape is not None and shape.opened is not None and isinstance(result, dict):
                held.append((name, shape, result, set()))
            continue
        changed = footprint(tool.spec, args, keys) if tool is not None else None
        kept = []
        for read, shape, record, stale in held:
            spec = compiled.tools[read].spec
            if _may_touch(shape, changed):
                more = _stale_keys(spec, shape, changed)
                if more is None:
                    continue
                stale |= more
            # a value worked out from other records the write changed (an allowance left today, from
            # the transfers made)
            others = set(changed or ()) & shape.tables - {shape.opened[0]}  # type: ignore[index]
            if others:
                more = reply_keys_from(spec, others)
                if more is None:
                    continue
                stale |= more
            pk = own_key(record)  # what the write's reply says of the record is known again
            if stale and isinstance(result, dict) and pk in result and str(result[pk]) == str(record[pk]):
                told = {k for k in stale if k in result}
                record, stale = {**record, **{k: result[k] for k in told}}, stale - told
            kept.append((read, shape, record, stale))
        held = kept
    return [(name, {k: v for k, v in record.items() if k not in stale and not isinstance(v, (dict, list))})
            for name, _, record, stale in reversed(held)]


class Recollection:
    """`memory`, `recall` and `made_rows` of the conversations one agent serves, kept by the calls
    they read (`call_texts`). Every reply reads its conversation again, but the requests before the
    open one (all `memory` and `recall` read) change only when one is settled: those are worked out
    once per request; `made_rows`, of the whole conversation, goes on from the calls it last read.
    A reply costs its new calls, not the conversation's. What is handed out may be handed out again
    (the same reads, for `Stale`'s ids): read, never changed."""

    _KEPT = 64  # conversations' worth kept: one agent may serve many at once

    def __init__(self, compiled: CompiledDomain, keep: frozenset[str] = frozenset()) -> None:
        self.compiled, self.keep = compiled, keep
        self._memory: dict[tuple[CallText, ...], tuple[list[Read], Stale]] = {}
        self._recall: dict[tuple[CallText, ...], list[tuple[str, dict[str, Any]]]] = {}
        self._made: tuple[tuple[CallText, ...], list[tuple[str, dict[str, Any]]]] = ((), [])

    def memory(self, messages: list[dict[str, Any]]) -> tuple[list[Read], Stale]:
        calls = call_texts(messages)
        got = _kept(self._memory, calls, lambda: _memory_of(calls, self.compiled, self.keep))
        return list(got[0]), dict(got[1])

    def recall(self, messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        calls = call_texts(messages)
        return list(_kept(self._recall, calls, lambda: _recall_of(calls, self.compiled)))

    def made_rows(self, messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        calls = call_texts(messages)
        seen, made = self._made
        if calls[:len(seen)] != seen:
            seen, made = (), []
        made = _made_after(made, calls[len(seen):], self.compiled)
        self._made = (calls, made)
        return list(made)


def _kept(kept: dict[Any, Any], key: tuple[CallText, ...], work_out: Any) -> Any:
    """`kept[key]`, worked out and kept first when missing (all of `kept` let go when full; a key of
    parts that are not text is never kept)."""
    try:
        got = kept.get(key)
    except TypeError:
        return work_out()
    if got is None:
        if len(kept) >= Recollection._KEPT:
            kept.clear()
        got = kept[key] = work_out()
    return got


def _told_again(read: Any, reply: Any, keys: frozenset[str]) -> frozenset[str]:
    """The `keys` of the record `read` opens whose values a write's `reply` about that same record
    says too, as the read now holds them (patched in): a whole record a write returns (a step of a
    procedure) leaves nothing to read again."""
    if not isinstance(read, dict) or not isinstance(reply, dict):
        return frozenset()
    pk = own_key(read)
    if not pk or pk not in reply or str(reply[pk]) != str(read.get(pk)):
        return frozenset()
    return frozenset(k for k in keys if k in reply and k in read and reply[k] == read[k])


def tells_now(stale: Stale, read: Any, keys: Sequence[str]) -> bool:
    """Whether `read` tells the values of its reply's `keys` as they are now: no write since may
    have changed the read, or none of those keys."""
    if id(read) not in stale:
        return True
    shown = stale[id(read)]
    return shown is not None and bool(keys) and not shown & set(keys)


def _stale_keys(spec: ToolSpec, shape: ReadShape | None, changed: Footprint | None) -> frozenset[str] | None:
    """The keys of a read's reply that show a field the write (`changed`) sets of the record the
    read opens; None when not told (no footprint, no record opened, or a delete)."""
    if changed is None or shape is None or shape.opened is None:
        return None
    return reply_keys_showing(spec, shape, changed.get(shape.opened[0], (set(), set()))[1])


def _may_touch(shape: ReadShape | None, changed: Footprint | None) -> bool:
    """Whether a write of footprint `changed` may have changed the record a read of `shape` opens
    (or, for a read opening none, anything it shows)."""
    if changed is None or shape is None:
        return True
    if shape.opened is None:
        return bool(shape.tables & set(changed))
    rows = changed.get(shape.opened[0], (set(), set()))[0]
    return ANY in rows or str(shape.opened[1]) in {str(k) for k in rows}


def _still_true(shape: ReadShape | None, read: Any, reply: Any, changed: Footprint | None,
                keys: dict[str, str], known: Sequence[Any]) -> bool:
    """Whether `read` (of `shape`) holds after a write with footprint `changed` and `reply`: every
    row the write changed or added is one no find of the read can have found (its fields, as the
    reads `known` or the write show them, are not those the find looks for: another card, another
    account's reading), or the record the read opens with none of the fields the write set shown,
    or with the reply saying every such field (patched into `read` in place). A table the read's
    expressions look up (a count, a lookup) is one it depends on whole."""
    if isinstance(reply, dict) and set(reply) == {"error"}:
        return True  # a failed write changed nothing
    if changed is None or shape is None:
        return False
    for table in set(changed) & shape.tables:
        rows, sets = changed[table]
        if table in shape.looked_up:
            shown = shape.looked_up_fields.get(table)
            if shown is None or sets & shown or not sets:
                return False
            if not any(f.table == table for f in shape.finds):
                continue  # the lookup shows none of what the write set (a booking's flight, not its seats left)
        if ANY in rows:
            return False
        pk = keys.get(table, "")
        for find in (f for f in shape.finds if f.table == table):
            if find.nested:
                return False
            for row in rows:
                if _not_among(find, row, pk, sets, known, keys):
                    continue
                if find.opens and not isinstance(row, New):  # the record the read opens, changed
                    if shape.shown is not None and not sets & shape.shown:
                        continue  # the read shows none of what the write set (a card's charges)
                    if isinstance(read, dict) and shape.derived is not None and not sets & shape.derived \
                            and _patch_one(read, reply, pk, sets):
                        continue
                return False
    return True


def _not_among(find: _Find, row: Any, pk: str, sets: set[str], known: Sequence[Any], keys: dict[str, str]) -> bool:
    """Whether the changed or added `row` cannot be one `find` found: a field it compares, which the
    write did not set, has another value in the row."""
    if isinstance(row, New):
        if pk in find.where and pk not in dict(row.values):
            return True  # a row made now has a key of its own, not one read before
        values = dict(row.values)
    else:
        values = {pk: row}
    for field, wanted in find.where.items():
        if field in sets:
            continue  # the write may have set it to the value the find looks for
        if field in values:
            have = {values[field]}
        elif not isinstance(row, New):
            have = _field_values(find.table, row, field, known, keys)
        else:
            continue
        if have and all(not _same(h, wanted, field in find.nocase) for h in have):
            return True
    return False


def _same(a: Any, b: Any, nocase: bool) -> bool:
    """Whether a row's value `a` is one a find's `where` value `b` matches (a list: any of it)."""
    if isinstance(b, (list, tuple)):
        return any(_same(a, x, nocase) for x in b)
    if nocase and isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return str(a) == str(b)


def _patch_one(record: dict[str, Any], reply: Any, pk: str, fields: set[str]) -> bool:
    """Patch the write's `reply` into `record` when the reply is that record and says every field
    the write set that the record shows; False otherwise (the record may be stale; a reply about the
    record that is not the record, a quote for changing it, is forgotten)."""
    if not isinstance(reply, dict) or pk not in record or str(reply.get(pk)) != str(record[pk]) or (fields & set(record)) - set(reply):
        return False
    record.update({k: v for k, v in reply.items() if k in record})
    return True


def _patched(read: Any, reply: Any) -> bool:
    """Patch a write's `reply` into the records of `read` it names (in place), or add the new
    record it made to the list of such records `read` holds (a customer's bookings, after booking
    one) when the reply says every field the list shows; False when `read` may be stale past
    repair: the reply names no record, or a new one the list cannot take."""
    if not isinstance(reply, dict) or set(reply) == {"error"}:
        return isinstance(reply, dict)  # a failed write changed nothing
    key = next((k for k in reply if k == "id" or k.endswith("_id")), None)
    if key is None:
        return False
    found = [d for d in _records_in(read) if d.get(key) == reply[key]]
    for d in found:
        d.update({k: v for k, v in reply.items() if k in d})
    if found or not any(key in d for d in _records_in(read)):
        return True
    lists = [lst for lst in _lists_in(read) if lst and all(isinstance(d, dict) and key in d for d in lst)]
    if len(lists) != 1 or not set(lists[0][0]) <= set(reply):
        return False
    lists[0].append({k: reply[k] for k in lists[0][0]})
    return True


def _unnamed_change(read: Any, reply: Any, changed: Footprint | None, keys: dict[str, str]) -> bool:
    """Whether the write may have changed a field `read` shows of a record its `reply` does not
    name: a fraud dispute's reply names the dispute, not the card it froze, which the customer's
    list of cards still shows as active (so the list is read again before it is offered). Not when
    the reply tells each such field as the read shows it ("card_status": "frozen" of a card listed
    as frozen already): nothing the read shows changed."""
    if changed is None or not isinstance(reply, dict) or set(reply) == {"error"}:
        return False
    for table, (rows, sets) in changed.items():
        pk = keys.get(table)
        if pk is None or pk in reply or not sets:
            continue
        noun = pk[:-3] if pk.endswith("_id") else pk
        for d in _records_in(read):
            if pk in d and sets & set(d) and (ANY in rows or str(d[pk]) in {str(k) for k in rows}) \
                    and not all(reply.get(f"{noun}_{f}", _UNSAID) == d[f] for f in sets & set(d)):
                return True
    return False


_UNSAID = object()
"""A value no reply holds (`_unnamed_change`: a field the reply does not tell may have changed)."""


def _lists_in(value: Any) -> list[list[Any]]:
    if isinstance(value, list):
        return [value] + [lst for x in value for lst in _lists_in(x)]
    if isinstance(value, dict):
        return [lst for x in value.values() for lst in _lists_in(x)]
    return []


def _records_in(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [d for x in value for d in _records_in(x)]
    if isinstance(value, dict):
        return [value] + [d for x in value.values() for d in _records_in(x)]
    return []
