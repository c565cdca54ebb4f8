"""An offline assistant that follows the domain's workflows: deterministic, no model.

It keeps no state between turns: every reply is worked out again from the conversation (which
request is open, what the user said, what the tools returned), so one agent can serve any number
of episodes and a replayed conversation always gets the same answers. A session may hold several
requests: each ends with the assistant asking whether there is anything else, and the user's next
message opens the next one.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from gem_env.tools import CompiledDomain
from gem_env.tools.errors import ExprError
from gem_env.tools.kinds import PROCEDURE_RECORDS
from gem_env.tools.offers import offer_asked
from gem_env.tools.model import InsertStep, RequireStep, every_step
from gem_env.tools.referring import (ANOTHER_RECORD, LISTED, ONLY_FITTING, PEOPLE, PROPOSED_PART, PROPOSED_RECORD,
                                     RECORD_ID, SPOKEN, asking_for_id, listed_by_detail, moved, part_words)
from gem_env.tools.patterns import compiled
from gem_env.tools.reasons import reason_in_words
from gem_env.tools.render import FREE_TEXT, SECRET, cased, code_for, domain_names, gerund, how_many, unquoted
from gem_env.tools.signed_in import signed_in_facts

from . import banks as B
from . import guided as G
from . import offers as O
from . import speech as S
from .plans import Plan, Step, compile_plan, content_words
from .guidance import Guidance, case_of, for_one_case, once_done
from .messages import call as _call, say as _say, tool_calls as _tool_calls, tool_results as _tool_results
from .candidates import Records, as_last_seen, listed, record_key, ruled_out_by_listing
from .compare import comparison_reply, recognise_comparison
from .explain import ASKS_WHAT_CHANGES, what_steps_change
from .ids import (id_by_description, id_from_results, named_by_entry, named_outright, names_entry, own_key,
                  record_lists, singled_out)
from .lookup import (LATEST, Lookup, auth_finder, described, fallback_finder, finder_tools, latest_lists, lookup_plans,
                     lookup_reply, owner_lists, reaches, recognise_lookup, tied)
from .listings import listings, shown_whole
from .prechecks import (NoDatabase, as_said, blocking_rule, case_holds, changed_besides, fees_not_due, is_rule_message,
                        Recollection, Stale, opened as was_opened, records, rule_cited, rule_fields, rule_records,
                        prices_moved, since_write, sums_due, waiting_changes)
from .understanding import (GOING_ON, NO, SAID_WHY, THANKS, YES, asks_confirmation, canonical, coerce, full_name,
                            goal_values, named_keys, parse_facts, read_facts, reason_given, unthanked)

# a sentence that points at a record ("I mean the one whose status is locked", "It's for the booking from Lake Jacob")
_WHICH_ONE = re.compile(r"\bthe one (?:whose|where|with|that|i mean)\b|^(?:it's|i mean|that's|i'm talking about) "
                        r"(?:(?:on |about )?my|(?:for )?the)\b",  # not "It's about the root shell prompt": what it is about
                        re.IGNORECASE)
_CLOSED = re.compile(r"\banything else\b|\bfrom here\.$", re.IGNORECASE)  # (`B.CLOSE`, `B.HANDED_OVER`)
_REASON_CLAUSE = re.compile(r"\bbecause\b[^.?!]*", re.IGNORECASE)
_CHARGE = re.compile(r"(?:^|_)fee$|^amount_charged$|_paid_out$")
# a user whose earlier try went wrong ("I tried this in the app and it didn't work."): acknowledged once
_TROUBLE = re.compile(r"\b(?:didn't|did not|doesn't|won't) work\b|\bsecond time\b|\bround in circles\b|"
                      r"\bcouldn't get\b|\bkeeps? giving me an error\b|\bfrustrat", re.IGNORECASE)
# a later request named in the first message ("After that, I'd also like to change my address."), and
# the agent's offer to go on with it (how `B.NEXT_UP` says it)
_ALSO = re.compile(r"\balso\b", re.IGNORECASE)
_OFFERED = re.compile(r"\byou also mentioned\b", re.IGNORECASE)
# the offer to hand a refused request to a person (`B.OFFER_HANDOFF`)
#: a message bringing a request of its own after a yes-like opener ("Okay, I understand. Another thing: ...")
_NEW_REQUEST = re.compile(r"\b(?:another thing|one more thing|also|separately|while i have you|next|"
                          r"i'd like|i would like|i want|i need|i'm (?:trying|hoping|looking)|i've been meaning|"
                          r"could you|can you|would you|is it possible|please help)\b", re.IGNORECASE)
# a rule a person could still meet where the assistant may not ("A reading lower than the last one cannot be
# accepted online; call us instead.", an approval, a manual review): the refusal offers a colleague; a rule
# that forbids outright ("A closed account can't be changed", "pending transactions can't be disputed; wait
# until they post", "This contact hasn't been verified yet": the customer verifies it, with a code) offers
# none, since a colleague could do no more, and the refusal's rule says what the customer can do instead
# where the text says it
_A_PERSON_MAY = re.compile(r"\b(?:approv\w*|manual review|a manager|a supervisor|a specialist|in person|"
                           r"(?:call|phone|contact|visit) us)\b", re.IGNORECASE)
_ONLY_TIME = re.compile(r"\bwait (?:until|till|for)\b", re.IGNORECASE)


def person_may(rule: str) -> bool:
    """Whether a colleague could do what `rule` stops the assistant doing (`_A_PERSON_MAY`), not only what
    the customer could do with time ("wait until it arrives and call back")."""
    return _A_PERSON_MAY.search(rule) is not None and _ONLY_TIME.search(rule) is None


HANDOFF_OFFERED = re.compile(r"\b(?:if you'd like|if it helps), I (?:can|could) |\bI can .+ if you'd like\.",
                              re.IGNORECASE)


# words of asking and of moving on, which say nothing of what is asked ("One more thing: can you help
# me find out ...")
_ASKING = frozenset("find out check get help know see tell look let one more thing another next also can could "
                    "would will wondering great thanks thank way about quick question".split())

# the number of something made in this chat, asked for again ("Sorry, what was my dispute number?"), in
# one sentence (not "... change the phone number of my account. That's account ACC-1 again.")
_NUMBER_AGAIN = re.compile(r"\b(?:repeat|again|once more|missed it)\b[^.!?]*?\b(?:my |the |that )?(\w+) number\b|"
                           r"\b(?:my |the |that )?(\w+) number\b[^.!?]*\b(?:again|once more)\b", re.IGNORECASE)
# the agent's question for a request that names a record but no action (`B.WHAT_TO_DO`)
_WHAT_TO_DO = re.compile(r"\bwhat would you like (?:me )?to do\b", re.IGNORECASE)
#: the agent's question for one of many records by the month of their date (`B.WHICH_WHEN`)
MONTH_ASKED = re.compile(r"\bwhich month's\b", re.IGNORECASE)
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.IGNORECASE)

_READ_KEPT = 4096
"""User messages whose facts an agent keeps (a conversation has tens)."""


@lru_cache(maxsize=4096)
def _settled(text: str, going_on: bool) -> bool:
    """Whether an assistant message ended a request: it asked whether there is anything else, or,
    in a session the user said has several things (no such question then), it asks nothing. Kept:
    every reply asks it of each of the assistant's messages so far."""
    return bool(_CLOSED.search(text) or _OFFERED.search(text) or HANDOFF_OFFERED.search(text)) \
        or going_on and "?" not in unquoted(text) \
        and not asks_confirmation(text)


GREETING = "Hello! How can I help you today?"
OUT_OF_SCOPE = B.OUT_OF_SCOPE

__all__ = ["GREETING", "OUT_OF_SCOPE", "WorkflowAgent", "parse_facts", "id_from_results"]


_DIFFERS = object()


@dataclass
class _Turn:
    """What the assistant knows when it replies: the open request's messages and the user's facts."""

    segment: list[dict[str, Any]]
    request: str
    known: dict[str, str]
    rng: random.Random
    said: list[str]
    last: dict[str, Any]
    calls_made: int
    before: list[tuple[str, dict[str, Any], Any]] = field(default_factory=list)  # reads still true
    earlier: set[str] = field(default_factory=set)  # tools called before the open request
    own: set[str] = field(default_factory=set)  # keys the user gave in the open request (others carry over)
    going_on: bool = False  # the user said at the start they have several things: no "anything else?"
    stale: Stale = field(default_factory=dict)  # the `before` results a write since may have changed, and in what
    told: str = ""  # all the assistant has said in the conversation
    answered: dict[str, str] = field(default_factory=dict)  # facts said after the request's first message
    next_up: str = ""  # a request named in the first message, still to come: offered at the close (`S.close`)
    mention: str = ""  # the open request as the user named it in their first message (they said yes to it)
    aside: str = ""  # the part of the open request's first message that names a later one
    prior: list[dict[str, Any]] = field(default_factory=list)  # the messages of the requests before this one
    # what is still known of the records the requests before read (`prechecks.recall`): of use to the
    # open request's steps before its first write only
    recalled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    made: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # the rows the writes so far added
    # that the record taken is the only one of theirs the change fits (`speech.only_fitting`), still to
    # be said: with the confirmation, or else before the next thing asked
    only: str = ""

    def close(self) -> str:
        """What ends a reply that settles the open request: "Anything else?", the offer of the
        request the user named at the start, or nothing."""
        return S.close(self.rng, self.going_on, self.next_up)

    @property
    def looked_now(self) -> bool:
        """Whether a call was answered since the user's last message: only then may the assistant
        say it looked something up ("I've pulled up ...", "Thanks for waiting."); an answer from
        what it read or changed before is worded as one at hand."""
        last = max((i for i, m in enumerate(self.segment) if m.get("role") == "user"), default=-1)
        return any(m.get("role") == "tool" for m in self.segment[last + 1:])

    @property
    def user_text(self) -> str:
        """What the user has said in the open request."""
        said = " ".join([self.mention, *(m.get("content") or "" for m in self.segment if m.get("role") == "user")])
        return said.replace(self.aside, "").strip() if self.aside else said.strip()


def _questions(text: str) -> str:
    """The sentences of an assistant message that ask something; a value said in quotes asks
    nothing ('The question is "Is the game free to use?".' was taken for asking the question, and
    the next request for its answer)."""
    return " ".join(s for s in S.SENTENCE_BREAK.split(unquoted(text)) if s.endswith("?"))


def _choice_said(said: str, read: str, choices: list[Any]) -> Any:
    """The one choice that starts with what was read and that the message says whole ("mail sent by
    smarthost; received via SMTP or fetchmail" read as its first clause), or None."""
    low, start = said.lower(), read.strip().lower()
    whole = [c for c in choices if isinstance(c, str) and c.lower().startswith(start) and c.lower() in low]
    return whole[0] if len(whole) == 1 else None


class WorkflowAgent:
    """Recognises the request (a workflow, or a question about a record), asks only for what the
    steps that will run need, runs them (checking ``when`` conditions and binding results), checks
    a write's rules against what it has read, asks once for confirmation before writing, and tells
    the results in sentences; refuses with the rule's reason, honours a no, and says when a request
    is out of scope."""

    def __init__(self, compiled: CompiledDomain) -> None:
        self.compiled = compiled
        self.meta: dict[str, Any] = {"backend": "workflow"}
        self._plans = [compile_plan(wf, compiled) for wf in compiled.domain.workflows]
        handoff = next((p for p in self._plans if p.workflow.category == "handoff"), None)
        write = next((st.tool for st in handoff.steps if st.writes), None) if handoff else None
        self._handoff = (handoff.workflow.name, S.action(handoff.workflow.goal, write, {})) if write else None
        """(workflow, its doing: "pass your question about your loan to a person") of the service's
        handoff to a person, offered after a refusal; None when it has none."""
        self._lookups = lookup_plans(compiled)
        self._nouns = frozenset(compiled.noun(t) for t in compiled.tables)  # what the records go by (`said_as`)
        self._latest = latest_lists(compiled)  # "the amount of the last transaction on my card"
        self._after_yes = {p.workflow.name: _steps_after_yes(p, self._lookups, self._guided(p)) for p in self._plans}
        self._finders = finder_tools(compiled) + owner_lists(compiled)  # who the customer is, or their records
        self._auth = auth_finder(compiled)
        self._fallback = fallback_finder(compiled)  # who they are without their email: name and zip code
        # what a find tool takes: only a question for one of these is asked "to find your records"
        self._finds = frozenset(f.param for f in self._finders) | set(self._fallback.params if self._fallback else ())
        # what says who the customer is (their profile's fields), the facts that carry over between requests
        self._who = frozenset(f.name for f in compiled.tables[self._auth.table].entity.fields) \
            | {self._auth.param, *(self._fallback.params if self._fallback else ())} if self._auth else None
        # "table.field" of the links to a record nobody owns (a product's variant): "variant VAR-1", not "your"
        self._shared = frozenset(f"{name}.{f.name}" for name, t in compiled.tables.items() for f in t.entity.fields
                                 if self._auth and f.foreign_key
                                 and not reaches(compiled, f.foreign_key.split(".", 1)[0], self._auth.table))
        # who the customer is, or the list of their records (a procedure's `find_<records>_by_email`):
        # kept across requests while write replies patch it, not listed again to find the same record
        self._kept = frozenset(f.tool for f in (self._auth, self._fallback) if f) \
            | {f.tool for f in self._finders if f.many}
        self._signed_in = tuple(compiled.domain.signed_in)  # the keys the system prompt may give
        self._recollection = Recollection(compiled, self._kept)  # what the conversations' calls leave known
        self._inserts = {n: _inserted_keys(compiled, n) for n in compiled.tools}  # the keys of what each may make
        self._adds = frozenset(n for n, t in compiled.tools.items()  # the tools that make a record
                               if t.writes and any(isinstance(st, InsertStep) for st in t.spec.effect or []))
        self._rt = NoDatabase()
        self.records = Records(compiled)
        self._columns = {name: t.columns for name, t in compiled.tables.items()}  # each table's fields
        self.keys_of = {lk.tool: key for key, lk in self.records.by_key.items()}  # a record's reader -> its key
        clock = dt.datetime.fromisoformat(compiled.domain.clock)
        self._clock = {"now": clock.isoformat(), "today": clock.date().isoformat()}  # as the sandbox's
        names = {k for p in self._plans for k in p.workflow.knows} | {lp.param for lp in self._lookups} \
            | {f.param for f in self._finders} | set(self._fallback.params if self._fallback else ())
        self._names = sorted(((S.words(k).lower(), k) for k in names), key=lambda p: -len(p[0]))
        self._names += [(k.replace("_", " "), k) for k in names if S.words(k).lower() != k.replace("_", " ")]
        self._names += [(spoken, k) for k, spoken in SPOKEN.items() if k in names]  # "my zip code is 94110"
        self._names += [("{} it's {}".format(*moved(k)), k) for k in names if moved(k)]  # "the account it's going to"
        self._names += [(f"name of your {S.words(k[:-5]).lower()}", k) for k in names  # "the name of your package"
                        if k.endswith("_name") and len(k) > 5]
        self._booleans = frozenset(k for p in self._plans for k, t in p.key_types.items() if t == "boolean")
        enums: dict[str, dict[Any, None]] = {}  # a parameter's choices over every tool ("reason": fraud, ...)
        for param in (p for tool in compiled.tools.values() for p in tool.spec.parameters if p.enum):
            enums.setdefault(param.name, {}).update(dict.fromkeys(param.enum))
        self._enums = {name: list(choices) for name, choices in enums.items()}
        self._counts = _count_asks({k: t for p in self._plans for k, t in p.key_types.items()})
        self._integers = frozenset(k for p in self._plans for k, t in p.key_types.items() if t == "integer")
        # "how many bags" asks for the new bags (and is matched before the "bags" inside it)
        self._names = sorted([*self._names, *((q, k) for k, q in self._counts.items())], key=lambda p: -len(p[0]))
        self._guidance = Guidance(compiled)
        # what the requests are about ("card", "order"), not what they do: a table named for an action
        # ("returns", "transfers") keeps its verb
        verbs = {next(iter(content_words(w.goal.split(" ", 1)[0])), "") for w in compiled.domain.workflows}
        self._records = content_words(" ".join(compiled.noun(t).replace("_", " ") for t in compiled.tables)) - verbs
        self._plan_choices: dict[str, dict[str, list[Any]]] = {}
        self._opening: Any = ""  # the first user message as said (`reply`): what the voice is drawn from
        self._read: dict[tuple[str, str, str], dict[str, str]] = {}  # (user message, the assistant's before it,
        # the list it answers from) -> facts
        self._later: dict[str, tuple[str, str] | None] = {}  # first message -> `_later_request`
        self._recognised: dict[str, Plan | None] = {}  # text -> `recognise`
        self._lookups_read: dict[str, Lookup | None] = {}  # text -> `recognise_lookup`
        self._goals_read: dict[tuple[str, str, tuple[tuple[str, Any], ...]], dict[str, str]] = {}  # `_goal_said`
        # the words a field takes in this domain ("olive", "rust"): where two values are said side by side
        self._field_values: dict[str, list[str]] = {}
        for entity in compiled.domain.entities:
            for f in entity.fields:
                if f.values and all(isinstance(v, str) for v in f.values):
                    self._field_values.setdefault(f.name, []).extend(str(v) for v in f.values)

        self._spelled = domain_names(compiled.domain)  # "iphone" -> "iPhone", as the text writes it
        #: the tables of the records a how-to's steps act on (`PROCEDURE_RECORDS`)
        self._procedure = frozenset(e.name for e in compiled.domain.entities
                                    if (e.description or "").endswith(PROCEDURE_RECORDS))
        self._guiding = False  # this reply asks for a value of a guided request (`_ask`)

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self.reply(messages)

    def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The next assistant message for this conversation (the user's dates, amounts and times
        read in the one way it reads them: `canonical`; what their thanks are for left out, as it
        asks for nothing: `unthanked`)."""
        messages = [m if m.get("role") != "user" or not isinstance(m.get("content"), str)
                    or (said := canonical(m["content"])) == m["content"] else {**m, "content": said}
                    for m in messages]
        # the conversation's voice is drawn from its first message as said, thanks and all
        self._opening = messages[1].get("content") if len(messages) > 1 else ""
        messages = [m if m.get("role") != "user" or not isinstance(m.get("content"), str)
                    or (said := unthanked(m["content"])) == m["content"] else {**m, "content": said}
                    for m in messages]
        self._guiding = False  # (set by a question asked for a guided request: `_ask`)
        out = _heard_trouble(self._respond(messages), messages, self._guiding)
        if self._spelled and isinstance(out.get("content"), str):
            out = {**out, "content": cased(out["content"], self._spelled)}
        return out

    def _respond(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        turn = self._turn(messages)
        if turn is None:
            return _say(GREETING)
        turn.request = self._said_when_asked(turn) or turn.request
        again = self._number_again(turn, messages)
        if again:
            return _say(again)
        comparison = recognise_comparison(turn.request, self._lookups)
        if comparison is not None:
            return comparison_reply(comparison, turn, self)
        lookup = self._lookup_asked(turn.request)
        plan = None if lookup else self.recognise(turn.request)
        if lookup is not None:
            return lookup_reply(lookup, turn, self)
        if plan is None:
            if _only_thanks(turn.request) and len(turn.said) < len([m for m in messages if m.get("role") == "assistant"]):
                return _say(S.pick(turn.rng, S.WELCOME))
            asked = self._what_to_do(turn)
            if asked:
                return _say(asked)
            said = (S.pick(turn.rng, B.OUT_OF_SCOPE), self._scope(turn.rng), turn.close())
            return _say(" ".join(x for x in said if x))
        try:
            out = self._follow(plan, turn)
            if turn.only and not out.get("tool_calls") and isinstance(out.get("content"), str):
                out = _say(f"{turn.only} {out['content']}")  # (not said with a confirmation: before the question)
            return out
        except ExprError as err:
            return _say(f"I'm sorry, I can't complete this request: {err}. {turn.close()}".strip())

    def _number_again(self, turn: _Turn, messages: list[dict[str, Any]]) -> str:
        """The number of a record made for the user in this chat, when they ask for it again
        ("Sorry, what was my dispute number?"): the one of that kind made last, else the last one
        made; "" when they do not ask, or nothing was made."""
        m = _NUMBER_AGAIN.search(turn.request)
        if not m:
            return ""
        made: list[tuple[str, str]] = []  # (id key, id) from the replies of calls that add a record
        called: dict[str, str] = {}
        for msg in messages:
            for c in msg.get("tool_calls") or []:
                called[c.get("id")] = c["function"]["name"]
            if msg.get("role") == "tool" and called.get(msg.get("tool_call_id")) in self._adds:
                try:
                    reply = json.loads(msg.get("content") or "")
                except json.JSONDecodeError:
                    continue
                key = next((k for k in reply if k.endswith("_id")), None) if isinstance(reply, dict) else None
                if key:
                    made.append((key, str(reply[key])))
        if not made:
            return ""
        noun = next((g for g in m.groups() if g), "").lower()
        key, value = next((p for p in reversed(made) if noun and noun in S.id_words(p[0], self._nouns).lower()),
                          made[-1])
        return f"{S.pick(turn.rng, B.NUMBER_AGAIN, x=S.id_words(key, self._nouns), v=value)} {turn.close()}".strip()

    def _what_to_do(self, turn: _Turn) -> str:
        """For a request that names a record of this service but no action ("I need some help with
        my card"): what the user would like to do with it, and what can be done (up to four
        things); nothing when no record is named, or when this was asked already."""
        if any(_WHAT_TO_DO.search(s) for s in turn.said):
            return ""
        low = turn.request.lower()
        doings: dict[str, list[str]] = {}
        for p in self._plans:
            write = next((st.tool for st in p.steps if st.writes), None)
            noun = S.words(self.compiled.noun(p.workflow.anchor.table)).lower()
            if write and compiled(rf"\b{re.escape(noun)}s?\b").search(low) and (a := S.action(p.workflow.goal, write, {})):
                doings.setdefault(noun, []).append(_doing(a))
        if not doings:
            return ""
        noun = max(doings, key=lambda n: (len(n), n))  # "credit card" before "card"
        can = sorted(set(doings[noun]))
        if len(can) > 4:
            can = sorted(turn.rng.sample(can, 4))
        # one thing it can do is no menu ("What would you like to do with your transaction: creating a dispute?")
        bank = B.WHAT_TO_DO if len(can) > 1 else B.kept(B.WHAT_TO_DO, lambda q: not q.endswith(": {can}?"))
        return S.pick(turn.rng, bank, noun=noun, can=S.joined(can).replace(" and ", " or "))

    def _said_when_asked(self, turn: _Turn) -> str | None:
        """The user's request as they said it after being asked what they would like to do (their
        first message named only what it was about): the first later message of theirs that asks
        for something this service does."""
        if not any(_WHAT_TO_DO.search(s) for s in turn.said):
            return None
        later = [m.get("content") or "" for m in turn.segment if m.get("role") == "user"][1:]
        return next((t for t in later if self._lookup_asked(t) or self.recognise(t)), None)

    def _scope(self, rng: random.Random) -> str:
        """Two things the service does, as an out-of-scope reply says them ("I can help with things
        like changing the cabin of your booking or cancelling your booking."), or sometimes nothing."""
        doings = sorted({_doing(a) for p in self._plans for st in p.steps if st.writes
                         if (a := S.action(p.workflow.goal, st.tool, {}))})
        if len(doings) < 2:
            return ""
        a, b = rng.sample(doings, 2)
        return S.pick(rng, B.SCOPE, a=a, b=b)

    def _not_another(self, text: str, workflow: str) -> bool:
        """Whether `text` asks for no workflow but `workflow` (a yes to an offer, not a new request:
        one says it asks, "Another thing: could you ...", and what for)."""
        if not _NEW_REQUEST.search(text):
            return True
        plan = self.recognise(text)
        return plan is None or plan.workflow.name == workflow

    def recognise(self, text: str) -> Plan | None:
        """The workflow whose goal the text covers best (ties: the first); None when nothing overlaps.
        A sentence saying which record ("I mean the one whose status is locked") or what went wrong
        before ("This is my second time contacting you": no start *time* to change) is not the request.
        Kept per text: every reply asks it of the open request again."""
        if text in self._recognised:
            return self._recognised[text]
        words = content_words(" ".join(s for s in S.SENTENCE_BREAK.split(text)
                                       if not _WHICH_ONE.search(s) and not _TROUBLE.search(s)))
        # what the request is about: "find out" or "one more thing" alone is not a request of ours, nor
        # the record alone ("I need some help with my card": what to do with it is asked, `_what_to_do`)
        topic = words - _ASKING - self._records
        best, best_score = None, (0, 0, 0.0, 0)
        for plan in self._plans:
            if not topic & (plan.goal_tokens | plan.name_tokens):
                continue
            overlap = len(words & plan.goal_tokens)
            named = words & plan.name_tokens
            if not overlap:  # by the workflow's name alone: by what it acts on, not only its verb ("choose")
                named -= content_words(plan.workflow.name.split("_", 1)[0])
            score = (overlap, self._acts_on(plan, text), overlap / max(1, len(plan.goal_tokens)), len(named))
            if score > best_score:
                best, best_score = plan, score
        if len(self._recognised) >= _READ_KEPT:
            self._recognised.clear()
        found = self._recognised[text] = best if best_score[0] or best_score[3] else None
        return found

    def _acts_on(self, plan: Plan, text: str) -> int:
        """1 when the text says the workflow's verb of its own record ("freeze my account"): between
        two workflows of one verb on two kinds of record (a card's freeze and an account's) whose
        words the text both has ("freeze my account: the card that goes with it is lost")."""
        verb = plan.workflow.name.split("_", 1)[0]
        noun = S.words(self.compiled.noun(plan.workflow.anchor.table)).lower()
        said = re.compile(rf"\b{re.escape(verb)}\w*\s+(?:(?:my|the|your|our|this|that|a|an)\s+)?(?:\w+\s+)?"
                          rf"{re.escape(noun)}s?\b", re.I)
        return 1 if said.search(text) else 0

    def _turn(self, messages: list[dict[str, Any]]) -> _Turn | None:
        spoken = [(i, m) for i, m in enumerate(messages) if m.get("role") in ("user", "assistant")
                  and not m.get("tool_calls") and isinstance(m.get("content"), str)]
        if not any(m["role"] == "user" for _, m in spoken):
            return None
        first = next(m["content"] for _, m in spoken if m["role"] == "user")
        going_on = bool(GOING_ON.search(first))
        start = max((i + 1 for i, m in spoken if m["role"] == "assistant" and _settled(m["content"], going_on)),
                    default=0)
        segment = messages[start:]
        request = next((m.get("content") or "" for m in segment if m.get("role") == "user"), "")
        later = self._later_request(first)  # a request named at the start for after the first
        aside = mention = next_up = ""
        if later is not None and start == 0:  # the first request: the later one is offered at its close
            aside, next_up = later
            request = request.replace(aside, "").strip()
        elif later is not None and _OFFERED.search(messages[start - 1].get("content") or "") and not NO.search(request):
            mention = later[0]  # the user said yes to the offer: the request is what they named then
            request = f"{mention} {request}"
        elif self._handoff and start and HANDOFF_OFFERED.search(messages[start - 1].get("content") or "") \
                and YES.search(request) and self._not_another(request, self._handoff[0]):
            # yes to handing the refused request to a person ("Okay, I understand. Another thing: ..."
            # is not: it brings a request of its own)
            mention = re.sub(r"\byour\b", "my", self._handoff[1])  # as they would have asked for it
            request = f"{mention} {request}"
        # who the customer is, when the service knows it before they say a word (a signed-in app)
        known = signed_in_facts(messages[0].get("content") or "", self._signed_in) \
            if self._signed_in and messages and messages[0].get("role") == "system" else {}
        own: set[str] = set()  # keys the user gave in the open request
        answered: dict[str, str] = {}  # what they said after the request's first message
        opened = False  # the request's first message is read
        previous = earlier = ""
        for i, m in spoken:
            if m["role"] == "assistant":
                earlier, previous = previous, m["content"]
                continue
            facts = self._facts_in(m["content"], previous, earlier)
            # who the user is carries over between requests; which record a request is about, and why
            # (a reason given for another request), does not
            known.update({k: v for k, v in facts.items() if i >= start or self._carried(k)})
            if i >= start:
                if opened:
                    answered.update(facts)
                opened = True
                own.update(facts)
        seed = hashlib.sha256(f"{self._opening if len(messages) > 1 else ''}\x00{len(messages)}"
                              .encode()).hexdigest()
        said = [m.get("content") or "" for m in segment if m.get("role") == "assistant" and not m.get("tool_calls")]
        made = sum(len(m.get("tool_calls") or []) for m in messages if m.get("role") == "assistant")
        earlier = {c["function"]["name"] for m in messages[:start] if m.get("role") == "assistant"
                   for c in m.get("tool_calls") or []}
        before, stale = self._recollection.memory(messages[:start])
        told = " ".join(m["content"] for _, m in spoken if m["role"] == "assistant")
        # one style a conversation, and no sentence of it said twice
        rng = S.voice(seed, str(self._opening or "") if len(messages) > 1 else "", told)
        return _Turn(segment, request, known, rng, said, messages[-1] if messages else {}, made,
                     before, earlier, own, going_on, stale, told=told, answered=answered,
                     next_up=next_up, mention=mention, aside=aside, prior=messages[:start],
                     recalled=self._recollection.recall(messages[:start]), made=self._recollection.made_rows(messages))

    def _carried(self, key: str) -> bool:
        """Whether a fact the user gave for an earlier request holds for this one: who they are."""
        return key in self._who if self._who is not None else not (key == "id" or key.endswith("_id"))

    def _later_request(self, first: str) -> tuple[str, str] | None:
        """The sentence of the user's first message that names a request for after the first one
        ("Once that's done, I also need to change my address."), and that request as a doing
        ("changing your address"); None when the message names one request (a sentence with
        "also" that is the first request itself is not one)."""
        if first in self._later:
            return self._later[first]
        found = None
        sentences = S.SENTENCE_BREAK.split(first)
        for i, sentence in enumerate(sentences[1:], 1):
            # (a question is asked now, not named for later: "and also how many freezes this year it
            # has?" names no freeze)
            plan = self.recognise(sentence) if _ALSO.search(sentence) and self._lookup_asked(sentence) is None else None
            rest = " ".join(sentences[:i] + sentences[i + 1:])  # the first request: a change or a question
            if plan is None or self.recognise(rest) is None and self._lookup_asked(rest) is None:
                continue
            write = _main_write(plan)
            said = self.typed(plan.key_types, goal_values(plan.workflow.goal, sentence, {}, self._field_values))
            if write and (action := S.action(plan.workflow.goal, write, said)):  # with the values it names
                found = (sentence, _doing(action))
                break
        if len(self._later) >= _READ_KEPT:
            self._later.clear()
        self._later[first] = found
        return found

    def _facts_in(self, said: str, previous: str, earlier: str = "") -> dict[str, str]:
        """The facts a user message gives, read as an answer to the assistant's `previous` message's
        questions; a record picked by a detail is read against the list `previous` shows, or, when it
        shows none, against the one of the message before it (`earlier`: "ACC-1, then. And the account
        it's going to: which one is that?" after listing the accounts); kept, since every turn reads
        the whole conversation again (a fresh dict each time)."""
        listing = earlier if earlier and not LISTED.search(previous) else previous
        got = self._read.get((said, previous, listing))
        if got is None:
            # an offer asks for nothing, nor does "What would you like to do: change the cabin, ...?"
            asked = named_keys(_questions(asking_for_id(previous)), self._names) \
                if previous and not _OFFERED.search(previous) and not _WHAT_TO_DO.search(previous) \
                and not G.GUIDANCE.search(previous) else []  # (guidance asks only to mark its steps done)
            got = read_facts(said, self._names, asked, self._booleans)
            for k, v in got.items():  # a choice read short at its own ';' or ','; the whole choice was said
                if (choices := self._enums.get(k)) and code_for(v, choices) not in choices \
                        and (whole := _choice_said(said, v, choices)) is not None:
                    got[k] = whole
            for k in asked:  # a reason asked for, answered in the user's own words ("I don't need it anymore")
                choices = self._enums.get(k)
                if choices and code_for(got.get(k), choices) not in choices \
                        and (choice := reason_in_words(said, choices)) is not None:
                    got[k] = choice
            if not asked and asks_confirmation(previous) and not YES.match(said):
                # a reason changed at the confirmation in the user's own words ("Actually, make that
                # because the item never arrived."), as read when it was asked for
                got.update({k: choice for k, choices in self._enums.items()
                            if code_for(got.get(k), choices) not in choices
                            and (choice := reason_in_words(said, choices)) is not None})
            if ({"first_name", "last_name"} <= set(asked) or "zip" in got) and (full := full_name(said)):
                got = {**dict(zip(("first_name", "last_name"), full)), **got}
            # "3 times is what I need": the count, not "what I need" read as the times
            got.update({k: n for k in asked if (k not in got or not re.search(r"\d", got[k]))
                        and (n := self._count_in(k, said))})
            for k in asked:  # "The one ending in 9237." to "CRD-1 (debit, ending in 9237), ...: which card?"
                if k.endswith("_id") and not re.search(r"\b[A-Z]{2,5}-\d+\b", said) \
                        and (pointed := listed_by_detail(listing, said)) is not None:
                    got[k] = pointed
                elif k.endswith("_id") and MONTH_ASKED.search(previous) and _MONTH.search(str(got.get(k, ""))):
                    del got[k]  # "The one from August.": a month, not the id (`_month_said`)
            same = PROPOSED_RECORD.search(previous) if previous else None
            if same and YES.search(said):  # "Is this for the same rental, RA-1?" "Yes, that one."
                key = next(iter(named_keys(f"{same['noun']} id", self._names)), None)
                if key is not None and key.endswith("_id") and key not in got:
                    got[key] = same["id"]
            part = PROPOSED_PART.search(previous) if previous else None
            if part and YES.search(said):  # "... Is that the account it's going to?" "Yes, that's the one."
                key = next((k for k in asked if moved(k)), None)
                if key is not None and not RECORD_ID.search(said):  # ("Yes, that's it.": not an id "it")
                    got[key] = part["id"]
            if len(self._read) >= _READ_KEPT:  # one agent may serve many conversations
                self._read.clear()
            self._read[(said, previous, listing)] = got
        return dict(got)

    def typed(self, plan_types: dict[str, str | None], known: dict[str, str]) -> dict[str, Any]:
        """The values as the parameters they feed take them; words that are no number for a number
        ("transfer my amount": "my amount") are no value given, and are asked for."""
        out = {k: coerce(v, plan_types.get(k)) for k, v in known.items()}
        return {k: v for k, v in out.items() if not (plan_types.get(k) in ("integer", "number") and isinstance(v, str))}

    def _follow(self, plan: Plan, turn: _Turn) -> dict[str, Any]:
        known = self.typed(plan.key_types, {k: v for k, v in turn.known.items() if k in plan.workflow.knows})
        known.update(self._opening_values(plan, known, turn))
        # a value said after the request's words wins over them ("could you make it $3,000 instead?");
        # a field the request changes is its new value ("make the start time ... instead": new_starts_at)
        later = {k if k in plan.workflow.knows else f"new_{k}": v for k, v in turn.answered.items()}
        known.update(self.typed(plan.key_types, {k: v for k, v in later.items() if k in plan.workflow.knows}))
        calls = _tool_calls(turn.segment)
        results = [(tool, result) for tool, _, result in calls]
        env: dict[str, Any] = {**self._clock, **known}
        done, wrote, called = 0, False, []
        confirmed = _confirmation(turn.segment)
        authed: list[tuple[str, dict[str, Any], Any]] = []  # who the customer is: for reuse only, not ids
        besides: list[tuple[str, Any, str]] = []  # records a write's conditions moved: (table, key, status)
        auth = self.authentication(plan.workflow.anchor.table, turn)
        if isinstance(auth, list):  # asked with what it is for: "That's how I find your card."
            write = _main_write(plan)
            return self._ask(auth, turn, S.action(plan.workflow.goal, write, {}) if write else "", lead=False, plan=plan)
        if auth is not None:
            done = self._found_nobody(results)  # an email not on file, before the read that found them
            if done >= len(results):
                return _call(auth[0], auth[1], turn)
            authed.append((self.records.effects[auth[0]], auth[1], results[done][1]))
            done += 1
        # a record the customer named by its number, read and seen to be another customer's: nothing is
        # changed on it nor said of it, and the number is asked again (as `lookup.tied` before telling)
        untied = self._not_theirs(plan, known, results[done:], turn)
        if untied is not None:
            return untied
        while done < len(results) and self._untied(results[done], turn):
            done += 1  # (a number since replaced by the right one: that read is none of this request's)
        after_yes = self._after_yes[plan.workflow.name]
        first = self._record_first(plan, known, after_yes)
        # (an earlier request's read of it, which no write since may have changed, is not made again)
        kept = next((r for t, a, r in reversed(turn.before) if first and t == first[0] and a == first[1]
                     and id(r) not in turn.stale), None)
        if kept is not None:
            called.append(("", first[1], kept))  # type: ignore[index]
        elif first is not None:  # look the record up before changing it: it shows what the rules need
            if done >= len(results):
                return _call(first[0], first[1], turn)
            if results[done][0] == first[0]:
                called.append(("", first[1], results[done][1]))
                done += 1
        # what describes a record of theirs, without the new values the request asks for ("swap my
        # item for the one in teal, size L": teal, size L is not the item they have) nor the choice
        # it gives ("a refund because of charged while frozen" is not about the frozen subscription)
        choices = self._choices(plan)
        described_by = _without(turn.user_text, [str(v) for k, v in known.items()
                                                 if v and (k.startswith("new_") or k in choices)])
        # nor the reason said in their own words ("because I sent it to the wrong person" names no
        # payment that is "sent")
        described_by = _REASON_CLAUSE.sub(" ", described_by)
        # (the records as the request found them: its own change does not make the record it was
        # made on another's; judged before the first write of the request, as the gold is)
        first_write = next((i for i, (t, _) in enumerate(results) if t in self.compiled.tools
                            and self.compiled.tools[t].writes), len(results))
        by_kind: dict[str, list[Any]] = {}  # a record's key -> those records, opened once for every
        # step and key naming one of them (the accounts a transfer between them is from and to)
        for at, step in enumerate(plan.steps):
            if at in after_yes and confirmed is not True:
                continue
            if step.when is not None and not (step.when.names & set(plan.workflow.knows) - set(known)):
                if not step.when(env, self._rt) and not _told_from(plan, step):
                    continue
            stand_in = self._stand_in(step.tool, known, turn)  # found by name and zip code, not email
            missing = [] if stand_in else [k for k in step.needs if k not in known]
            if step.when is not None:
                missing += [k for k in sorted(step.when.names & set(plan.workflow.knows)) if k not in known]
            for k in [k for k in missing if k not in known]:  # an id an earlier result gives
                read = [r for _, _, r in called]
                value = id_from_results(k, read)
                if value is None:  # or the one record there the user's words single out
                    value, described_by = _singled_out(k, read, described_by)
                if value is None:  # or by its month, asked for it
                    value = self._month_said(k, read, plan, turn)
                if value is None:  # or by an entry it lists ("the transaction at Goodwin, Smith and Adams")
                    value = self._named_by_entry(k, read + [r for _, r in results[done:]], turn, described_by)
                if value is not None:
                    known[k] = env[k] = value
            opened: dict[str, list[Any]] = {}  # id key -> the listed records opened to find it
            passed: dict[str, list[Any]] = {}  # ... and those left unopened, as the list shows them
            entered: dict[str, list[Any]] = {}  # ... and their reads, (effect, arguments, record)
            unwritten = not any(s.writes for s in plan.steps[:at])  # (what was read before is as the request found it)
            for k in [k for k in step.needs if k == "id" or k.endswith("_id")]:
                own = record_key(k, self.records.by_key)
                # (not those the list already shows the change cannot be made on: a frozen account, to
                # close one, as the latest reads show them: a card unfrozen since it was listed)
                ruled = ruled_out_by_listing(self.compiled, plan.workflow, k, self._clock) if own == k else None
                seen = as_last_seen(own, [r for _, r in _tool_results(turn.prior)] + [r for _, r in results[:first_write]])
                if ruled is not None:
                    ruled = (lambda rule: lambda r: rule(seen(r)))(ruled)
                if k not in known and unwritten \
                        and (value := self.records.recalled(k, called, turn.recalled, described_by, ruled)) is not None:
                    known[k] = env[k] = value  # the record described, as an earlier request read it
                if own != k and k not in known and step.writes and (refused := self._refused_early(
                        plan, step, known, called, results[done:], calls, turn)):
                    return refused  # (a transfer from a frozen account: no need to look for where it goes)
                shared = own != k and own in by_kind and unwritten  # opened for the other part of the move
                got = (by_kind[own], 0, None) if shared else \
                    self.records.open(k, called, results[done:], turn.before, ruled)
                if got is None or (k in known and not got[1] and not shared):
                    continue
                entries, used, nxt = got
                outright = named_outright(k, [r for _, _, r in entries], described_by) if k not in known else None
                if nxt is not None and outright is None:
                    if k not in known and used == len(results) - done:
                        return _call(self.records.by_key[own].tool, {self.records.by_key[own].param: nxt}, turn)
                    continue
                done += used
                if own != k:
                    by_kind[own] = entries
                opened[k] = [r for _, _, r in entries]
                entered[k] = entries
                passed[k] = [seen(r) for r in self.records.passed_over(k, called, ruled)] if ruled else []
                value = outright
                if value is None and k not in known and (way := moved(k)) is not None:
                    # described after its part ("coming from my savings account"), each part by its own words
                    value = id_by_description(own, [opened[k]], part_words(way[1], described_by))
                elif value is None and k not in known:
                    value, described_by = _singled_out(k, [opened[k]], described_by)
                if value is not None:
                    known[k] = env[k] = value
                # the record meant is read; the others do not name what the next steps take
                called += [e for e in entries if k in known and str(e[2].get(own)) == str(known[k])]
            missing = [k for k in missing if k not in known]
            for k in [k for k in missing if FREE_TEXT.search(k)]:
                # what the customer said it is about with the request, else the assistant writes it itself
                if (note := _why_said(turn)) is not None or (note := self._note(plan, turn)) is not None:
                    known[k] = env[k] = note
                    missing.remove(k)
            if self._handoff is not None and plan.workflow.name == self._handoff[0]:
                for k in [k for k in step.needs if FREE_TEXT.search(k) and isinstance(known.get(k), str)]:
                    known[k] = env[k] = S.of_customer(known[k])  # filed for a colleague: "The customer needs ..."
            while missing:
                asked = next((k for k in missing if k in opened), None)
                write = _main_write(plan)
                action = S.action(plan.workflow.goal, write, known) if write else ""
                which = None
                if asked is not None:  # none of the records opened is the one described
                    own = record_key(asked, self.records.by_key)
                    taken = [v for k, v in known.items()
                             if k != asked and moved(k) and record_key(k, self.records.by_key) == own]
                    which = asked, self.which(asked, opened[asked], turn, plan, action, taken,
                                              passed=passed.get(asked, []))
                elif (listed_ := _which(missing, [r for _, _, r in called] + [r for _, r in results[done:]])):
                    which = listed_[0], self.which(listed_[0], listed_[1], turn, plan, action)
                if which is not None and _ONLY in which[1]:  # the only one the change fits: taken, and said
                    k, (value, sentence) = which[0], which[1][_ONLY]  # with the confirmation that names it
                    known[k] = env[k] = value
                    turn.only = turn.only or sentence
                    missing.remove(k)
                    own = record_key(k, self.records.by_key)  # (its read is the record meant, as above)
                    called += [e for e in entered.get(k, []) if str(e[2].get(own)) == str(value)]
                    continue
                if which is not None:
                    return which[1]
                # a rule the records read so far break refuses it before more is asked (a transfer
                # from a frozen account, before asking where the money goes; one of a move's parts: above)
                if step.writes and (refused := self._refused_early(plan, step, known, called, results[done:], calls,
                                                                   turn)):
                    return refused
                # (the action not led in again where the user just said yes to the offer that named it)
                return self._ask(list(dict.fromkeys(missing)), turn, action, lead=not turn.mention, plan=plan)
            if step.when is not None and not step.when(env, self._rt) and not _told_from(plan, step):
                continue  # a branch not taken; the guard of the write the result is told from is a
                # precondition instead: the tool's own rules refuse it, with their reason
            tool, effect = step.tool, step.effect
            if stand_in:
                tool, args = stand_in
                effect = self.records.effects[tool]
            else:
                args = {name: known[v] if kind == "user" else v(env, self._rt) if kind == "result" else v
                        for name, (kind, v) in step.args.items()}
                args = _as_codes(args, self.compiled.tools[tool].spec)
            same = next((r for e, a, r in called if not step.writes and e == effect and a == args), None)
            if same is None and not step.writes:  # or the customer found at the start
                same = next((r for e, a, r in authed if e == effect and a == args), None)
                if same is not None:
                    called.append((effect, args, same))
            if same is None and not step.writes:  # or what an earlier request read, unchanged since
                same = next((r for t, a, r in reversed(turn.before) if t == tool and a == args), None)
                if same is None and unwritten and at not in after_yes:  # or unchanged in all the later steps
                    # read of it (a line's status); a step of a procedure is one of its steps, done after the yes
                    same = self._recalled_step(plan, at, args, turn)
                if same is not None:
                    called.append((effect, args, same))
            if same is not None:  # the same read again would only echo what was read
                if step.as_:
                    env[step.as_] = same
                continue
            if step.pure and not step.needed and at not in after_yes \
                    and _already_read(step.pure, args, [r for _, _, r in called]):
                continue  # a record this request has read already: reading it again tells nothing new
                # (but a step of the procedure is one of its steps, done once the user says yes)
            while step.writes and done < len(results) and self.records.opens(step.tool, args, results[done]):
                called.append((self.records.effects[results[done][0]], {}, results[done][1]))  # read before the write
                done += 1
            while done < len(results) and self._opened_to_ask(results[done], tool, args):
                name, record = results[done]
                if str(record.get(self.keys_of[name])) == str(known.get(self.keys_of[name])):
                    called.append((self.records.effects[name], {}, record))  # opened to ask which: the one meant
                done += 1  # (the others' lists, a card's charges, are none of this request's)
            shown = self.records.listed(tool, args, results[:done]) if step.pure and not step.writes else None
            if shown is None and not step.writes and at not in after_yes:
                still = [(t, a, r) for t, a, r in turn.before if id(r) not in turn.stale]  # (earlier requests')
                reads = [(self.compiled.tools[t].spec, a, r)
                         for t, a, r in since_write([*still, *calls[:done]], self.compiled)]
                shown = shown_whole(self.compiled.tools[tool].spec, args, reads, self._columns)
            if shown is not None:  # a list read here showed it whole: opening it would only echo the list
                # (or a record read here showed the list whole: a card's details, its charges)
                called.append((effect, args, shown))
                if step.as_:
                    env[step.as_] = shown
                continue
            if done < len(results):
                tool, result = results[done]
                done += 1
                if isinstance(result, dict) and set(result) == {"error"}:
                    return self._failed(plan, tool, result["error"], [], turn)
                if step.writes:  # what its conditions changed besides, by the records read before it
                    before = [r for _, _, r in authed] + [r for _, _, r in turn.before] + [r for _, r in results[:done - 1]]
                    besides += changed_besides(self.compiled.tools[tool].spec, args, before, self._clock,
                                               self.records.keys)
                wrote = wrote or step.writes
                called.append((effect, args, result))
                if step.as_:
                    env[step.as_] = result
                continue
            if step.writes and confirmed is not True:
                # (and what the steps waiting for the yes before it take: asked before the guidance says them)
                later = list(dict.fromkeys([k for at in sorted(after_yes) for k in plan.steps[at].needs
                                            if k not in known and k != "id" and not k.endswith("_id")
                                            and not SECRET.search(k)] + _asked_later(plan, step, known)))
                if later:  # one confirmation for the whole change: what its later steps take, asked now,
                    # once the record is read and its rules let the change be made (a refusal needs none of it)
                    checked = self._before_write(plan, step.tool, args, (called, calls, done), False, known, turn,
                                                 rules_only=True)
                    if checked is not None:
                        return checked
                    return self._ask(later, turn, S.action(plan.workflow.goal, _main_write(plan), known), plan=plan)
                return self._before_write(plan, step.tool, args, (called, calls, done), confirmed is False, known, turn)
            return _call(tool, self.as_now(args, tool, turn) if stand_in else args, turn)
        if plan.workflow.offer is not None and wrote:  # what the text offers once the write is done
            offered = self._offered(plan, env, turn, results[done:], known, besides)
            if offered is not None:
                return offered
        return self._report(plan, env, wrote, turn, besides)

    def _offered(self, plan: Plan, env: dict[str, Any], turn: _Turn, after: list[tuple[str, Any]],
                 known: dict[str, Any], besides: Sequence[tuple[str, Any, str]]) -> dict[str, Any] | None:
        """The offer the text makes once the request's write is done (`agents.offers`): asked with the
        result told, made on a yes (its call, then what it did), or on a no the text's line for it;
        None where it cannot be made (nothing to move the money from): the result told as ever."""
        offer = plan.workflow.offer
        assert offer is not None
        values = O.offer_values(offer, env, self._rt)
        if values is None:
            return None
        asked, answer = O.asked_answer(turn.segment)
        if not asked:
            return self._report(plan, env, True, turn, besides, ending=O.question(turn.rng, offer, values))
        if answer is None:
            return None
        if not answer:
            return _say(f"{O.declined(turn.rng, offer)} {turn.close()}".strip())
        if not after:
            args = O.offer_args(offer, env, self._rt, known)
            return _call(offer.step.tool, args, turn) if args is not None else None
        tool, result = after[0]
        if isinstance(result, dict) and set(result) == {"error"}:
            return self._failed(plan, tool, result["error"], [], turn)
        return _say(f"{O.done(turn.rng, offer, values, result)} {turn.close()}".strip())

    def _before_write(self, plan: Plan, tool: str, args: dict[str, Any],
                      read: tuple[list[tuple[str, dict[str, Any], Any]], list[tuple[str, dict[str, Any], Any]], int],
                      declined: bool, known: dict[str, Any], turn: _Turn, rules_only: bool = False
                      ) -> dict[str, Any] | None:
        """What comes before a write: open the record its rules read (seen only in a list so far),
        refuse by a rule the records show, honour the user's no, or ask to confirm. `read` is (the
        reads this request matched to its steps, all its calls, how many of them are matched).
        `rules_only`: the read or the refusal only, None where the rules let the write be made."""
        called, calls, done = read
        results = [(t, r) for t, _, r in calls]
        views = {id(r) for _, r in turn.recalled}  # (what a step took of a record read before is no reading of
        # it for the rules: only where it shows what they read)
        looked = [r for _, _, r in called if id(r) not in views] + [r for _, _, r in turn.before]
        recalled = self._recalled(tool, args, turn) if not any(self.compiled.tools[t].writes for t, _, _ in calls
                                                               if t in self.compiled.tools) else []
        unread = self.records.unopened(tool, args, [r for r in looked if id(r) not in turn.stale] + recalled)
        if unread is not None:  # check the rules on the record itself as it is now, not a list's summary
            return _call(*unread, turn)
        seen = [r for _, _, r in called if id(r) not in views] + [r for _, r in results[done:]]  # read here or reused
        # or, where this request has not read it, as an earlier request last read it, unchanged
        # since (found here in a list, not opened again), or what it still shows of the fields the
        # rules read
        for table, key in rule_records(self.compiled.tools[tool].spec, args, self.records.keys):
            pk = self.records.keys[table]
            if not was_opened(seen, pk, key):
                kept = next((r for r in [*reversed(looked), *recalled] if id(r) not in turn.stale
                             and was_opened([r], pk, key)), None)
                seen += [kept] if kept is not None else []
        blocked = blocking_rule(self.compiled.tools[tool].spec, args, seen, self._clock, self.records.keys,
                                self._listed(calls, turn), turn.made)
        if blocked is not None:
            return self._failed(plan, tool, blocked[0], blocked[1], turn, blocked[2], seen, args)
        if rules_only:
            return None
        if declined:
            return _say(f"{S.declined(turn.rng)} {turn.close()}".strip())
        main = _main_write(plan)
        spec = self.compiled.tools[tool].spec
        # a change that waits is said with when it starts ("The switch to basic 5gb would start on
        # February 11, 2025."), before the yes, not only after it
        waits = waiting_changes(spec, args, seen, self._clock, self.records.keys)
        last = turn.last.get("content") if turn.last.get("role") == "user" else None
        if self._guided(plan):  # steps only the customer can take: guided, and recorded once they say done
            return _say(self._guided_confirm(plan, main, tool, args, known, turn, last, seen))
        if last and ASKS_WHAT_CHANGES.search(last):  # "What exactly will that change?": the writes' own effects
            owner = self._auth.table if self._auth else ""
            doing = S.action(plan.workflow.goal, main, known)
            table = plan.workflow.anchor.table
            noun = self.compiled.noun(table)
            called = {f"your {noun.replace('_', ' ')}": S.thing_called(noun, plan.workflow.goal)} \
                if table in self._procedure else None  # "On Zapdos, the steps ...", never "On your zapdos"
            told = what_steps_change([(spec.effect, args), *self._writes_after(plan, tool, known)],
                                     owner, self._shared, S.entry_names(records(seen)), doing, called,
                                     seen=records(seen)) \
                or " ".join(S.waiting(turn.rng, *w) for w in waits)  # (a change all in a condition)
            # and what the service's text says then happens (no sum: the confirmation's terms say those)
            then = S.guide(turn.rng, [g for g in self._guide(plan, main, {**known, **args})
                                      if case_of(g) is None and not re.search(r"\$\d|\bfees?\b", g)])
            if told:
                return _say(" ".join(p for p in (told, then, S.question(turn.rng, doing)) if p))
        # a case the records show this call is not ("For fraud, we'll also freeze the card" of a card
        # already frozen) is not said
        # nor a fee it charges only in a case the records show this is not (a late fee, well ahead)
        not_due = fees_not_due(spec, args, seen, self._clock, self.records.keys)
        # a fee the call works out from the record read is said as this record's ("The early closure
        # fee for this one comes to $15"), not as the text's table of every tier's
        due = sums_due(spec, args, seen, self._clock, self.records.keys)
        moved = prices_moved(spec, args, seen, self._clock, self.records.keys)  # "That takes the fee up to $25.72."
        guidance = [g for g in self._guide(plan, main, {**known, **args})
                    if ((case := case_of(g)) is None
                        or case_holds(spec, args, seen, self._clock, self.records.keys, case) is not False)
                    and not any(re.search(rf"\${re.escape(fee)}(?![\d,.]\d)", g) for fee in not_due)
                    and not any(name.replace("_", " ") in g.lower() for name, _ in due)]
        # a procedure confirmed once for its chain of writes says every value the customer gave
        # for it ("with the URL ... and the file name ..."), not only the first write's; not the words a
        # how-to's step takes from its text (the button it clicks)
        written = {n for s in plan.steps if s.tool == tool for n, (kind, _) in s.args.items() if kind == "const"} \
            if plan.workflow.anchor.table in self._procedure else set()
        args = {**{n: v for n, v in args.items() if n not in written}, **_later_values(plan, tool, known, SECRET)}
        owner = f"{self.compiled.noun(self._auth.table)}_id" if self._auth else ""
        return _say(S.confirm(turn.rng, S.action(plan.workflow.goal, main, known), args, SECRET,
                              # (and what a step took of a record an earlier request read, unchanged
                              # since: the address on file, for a move, where account changes since made
                              # the profile read stale as a whole)
                              records(recalled + [r for _, r in results] + [r for _, _, r in turn.before]
                                      + [r for _, _, r in called if id(r) in views]),
                              guidance, told=turn.told,
                              again=self._changed_at_confirmation(turn),
                              owner=owner, who=self._customer(turn),
                              terms=_terms(args, seen, owner) if self._inserts.get(tool) else [],  # (what it buys)
                              how_to=_how_to(plan, len(self._writes_after(plan, tool, known))),
                              yours=self.yours(turn), due=due, moved=moved, waits=waits,
                              before=[m["content"] for m in turn.prior if m.get("role") == "assistant"
                                      and isinstance(m.get("content"), str)] + turn.said,
                              given=bool(turn.own or turn.answered or turn.prior), only=self._only_said(turn)))

    @staticmethod
    def _only_said(turn: _Turn) -> str:
        """That the record is the only one the change fits (`turn.only`), to say with the confirmation:
        once (taken from the turn, so that it is not said before it again)."""
        only, turn.only = turn.only, ""
        return only

    def _guided(self, plan: Plan) -> bool:
        """Whether the request's writes record steps only the customer can take (`guided`)."""
        return G.guided([self.compiled.tools[s.tool].spec.description for s in plan.steps
                         if s.writes and s.tool in self.compiled.tools])

    def _guided_confirm(self, plan: Plan, main: str, tool: str, args: dict[str, Any], known: dict[str, Any],
                        turn: _Turn, last: str | None, seen: list[Any]) -> str:
        """The guidance a guided request gets before its writes (`guided.confirm`), or, asked what it
        will change, that only the checklist does (`guided.effect`)."""
        thing = S.thing_called(self.compiled.noun(plan.workflow.anchor.table), plan.workflow.goal)
        if last and ASKS_WHAT_CHANGES.search(last):
            return G.effect(turn.rng, thing, len(self._told(plan)), self._for_later(plan))
        doing = S.action(plan.workflow.goal, main, known)
        written = {n for s in plan.steps if s.writes for n, (kind, _) in s.args.items() if kind == "const"}
        given = {**{n: v for n, v in args.items() if n not in written}, **_later_values(plan, tool, known, SECRET)}
        extra = S.details(given, SECRET, said=doing, names=S.own_names(records(seen)), yours=self.yours(turn))
        return G.confirm(turn.rng, doing, self._told(plan), thing, extra, later=self._for_later(plan),
                         needed=self._needed_first(plan))

    def _told(self, plan: Plan) -> list[str]:
        """The guide's steps the request's guidance tells (`guided.told`): those its writes mark done,
        and the guide's other action steps in their places. Every write of a guided request marks its
        step on the checklist, a step the customer takes (`customer_step`) or one of a software
        guide's own commands ("press level heading")."""
        return G.told(self.compiled.domain.guide, self._told_spans(plan))

    def _told_spans(self, plan: Plan) -> list[str | None]:
        """The texts of the request's steps the guidance tells as marked (`_told`)."""
        after_yes = self._after_yes.get(plan.workflow.name, frozenset()) if self._guided(plan) else frozenset()
        steps = [(s, w, at in after_yes) for at, (s, w) in enumerate(zip(plan.steps, plan.workflow.steps))
                 if s.tool in self.compiled.tools]
        first = next((k for k, (s, _, _) in enumerate(steps) if s.writes), len(steps))
        # (and a step between them that checks what the customer gives or the record's own name, "Pick a
        # reel based on your skill level", "Click the picture you want to hide": the customer takes it
        # too; it was left out of the steps told; and a step of the guide read before the first write,
        # once the customer says yes (`_steps_after_yes`: the VPN's "After all certificates have been
        # created ..., they need to be copied where appropriate"): called, it is a step told)
        key = next((e.primary_key for e in self.compiled.domain.entities if e.name == plan.workflow.anchor.table), "")
        return [w.span.text if w.span else None for k, (s, w, waits) in enumerate(steps)
                if s.writes or waits and w.span and G.read_told(w.span.text)
                or k > first and w.span and any(n != key for n in s.args)]

    def _needed_first(self, plan: Plan) -> list[str]:
        """What the guide says must already be so before the steps told (`guided.needed_first`): its
        sentences before the first of them that no tool checks as a rule (a rule refuses instead)."""
        checked = {" ".join(e.message.split()) for t in self.compiled.domain.tools
                   for e in every_step(t.effect or []) if isinstance(e, RequireStep)}
        policy = [(r.text, r.span.start) for r in self.compiled.domain.policy
                  if r.span is not None and " ".join(r.text.split()) not in checked]
        told = [w.span.start for s, w in zip(plan.steps, plan.workflow.steps) if w.span and s.tool in self.compiled.tools]
        return G.needed_first(policy, min(told) if told else None)

    def _for_later(self, plan: Plan) -> int:
        """How many of the steps the guidance tells are for later (`guided.later`)."""
        spans = self._told_spans(plan)
        return G.later(G.told(self.compiled.domain.guide, spans), G.marked(self.compiled.domain.guide, spans))

    def _recalled_step(self, plan: Plan, at: int, args: dict[str, Any], turn: _Turn) -> dict[str, Any] | None:
        """What an earlier read by the same tool still shows of the one record the read step `at`
        opens by its key, where that holds every field the later steps and the facts told read of
        its result (`prechecks.recall`); None otherwise (one reads it whole, or not by its fields)."""
        step = plan.steps[at]
        if step.tool not in self.records.returns or step.as_ is None or len(args) != 1:
            return None
        key, opened = self.records.returns[step.tool][0], next(iter(args.values()))
        later = [c for s in plan.steps[at + 1:]
                 for c in [s.when, *(v for kind, v in s.args.values() if kind == "result")] if c is not None] \
            + list(plan.tells.values())
        fields = {f for c in later for n, f in c.fields if n == step.as_}
        if not fields and any(step.as_ in c.names for c in later):
            return None  # read whole
        view = next((r for t, r in turn.recalled if t == step.tool and str(r.get(key)) == str(opened)), None)
        return view if view is not None and fields <= set(view) else None

    def _recalled(self, tool: str, args: dict[str, Any], turn: _Turn) -> list[dict[str, Any]]:
        """What was read before of each record the write's rules read, where it still shows every
        field they read (`prechecks.recall`): a line whose plan was changed still shows its status,
        which is all a suspension's rule reads; it is not opened again for it."""
        out = []
        for (table, key), fields in rule_fields(self.compiled.tools[tool].spec, args, self.records.keys).items():
            pk = self.records.keys[table]
            view = next((r for _, r in turn.recalled if was_opened([r], pk, key)), None)
            if view is not None and None not in fields and fields <= set(view):
                out.append(view)
        return out

    def _listed(self, calls: list[tuple[str, dict[str, Any], Any]], turn: _Turn) -> Any:
        """What each list this request and the earlier ones read was listed by (`listings`)."""
        return listings((self.compiled.tools[t].spec if t in self.compiled.tools else None, a, r)
                        for t, a, r in [*calls, *turn.before])

    def yours(self, turn: _Turn) -> frozenset[str]:
        """Ids of the records the customer's own list (`owner_lists`: their records by their email)
        shows as their only one: said as "your zapdos", not by a number nobody knows."""
        lists = {f.tool: self.compiled.tables[f.table].pk for f in self._finders if f.many}
        out: set[str] = set()
        for tool, result in [*_tool_results(turn.segment), *((t, r) for t, _, r in turn.before)]:
            for recs in record_lists(result) if tool in lists else []:
                if len(recs) == 1 and recs[0].get(lists[tool]) is not None:
                    out.add(str(recs[0][lists[tool]]))
        return frozenset(out)

    def _writes_after(self, plan: Plan, tool: str, known: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
        """(effect, the arguments known now) of the writes that always follow `tool`'s in the plan:
        the rest of a procedure, whose one confirmation is for all of it. A secret is not among
        them (said as "will be updated", never read back)."""
        at = next((i for i, s in enumerate(plan.steps) if s.writes and s.tool == tool), len(plan.steps))
        return [(self.compiled.tools[s.tool].spec.effect,
                 {n: known[v] if kind == "user" else v for n, (kind, v) in s.args.items()
                  if (kind == "const" or kind == "user" and v in known) and not SECRET.search(n)})
                for s in plan.steps[at + 1:] if s.writes and s.when is None]

    def _customer(self, turn: _Turn) -> Any:
        """The id of the customer the finder found (its reply's own, not a record listed in it), or None."""
        if self._auth is None:
            return None
        key = f"{self.compiled.noun(self._auth.table)}_id"
        messages = [*turn.prior, *turn.segment]
        calls = {c.get("id") for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []
                 if (c.get("function") or {}).get("name") in self._kept}
        for m in messages:
            if m.get("role") == "tool" and m.get("tool_call_id") in calls:
                try:
                    reply = json.loads(m.get("content") or "")
                except json.JSONDecodeError:
                    continue
                if isinstance(reply, dict) and reply.get(key) is not None:
                    return reply[key]
        return None

    def _untied(self, result: tuple[str, Any], turn: _Turn) -> bool:
        """Whether `result` is a read of a record that names its owner, and another customer than the
        one this chat found (`lookup.tied`)."""
        tool, record = result
        spec = self.compiled.tools.get(tool)
        if spec is None or spec.writes or not isinstance(record, dict) or tool not in self.keys_of:
            return False
        table = next((t for t, tb in self.compiled.tables.items() if tb.pk == self.keys_of[tool]), None)
        return table is not None and not tied(self, turn, table, record)

    def _not_theirs(self, plan: Plan, known: dict[str, Any], results: list[tuple[str, Any]], turn: _Turn
                    ) -> dict[str, Any] | None:
        """What is said when a record the customer named by its number (a value of `known`) was read
        and is another customer's: that it is not among theirs, and to check the number (nothing of
        the record, nor the change); None where every such record read is theirs."""
        for tool, record in results:
            if not self._untied((tool, record), turn):
                continue
            key = self.keys_of[tool]
            named = next((k for k, v in known.items() if record_key(k, self.records.by_key) == key
                          and str(v) == str(record.get(key))), None)
            if named is None:
                continue
            noun = S.words(key[:-3] if key.endswith("_id") else key).lower()
            return _say(S.pick(turn.rng, B.NOT_YOURS_TO_CHANGE, noun=noun, Noun=noun.capitalize(), v=record[key],
                               x=S.id_words(key, self._nouns)))
        return None

    def _changed_at_confirmation(self, turn: _Turn) -> bool:
        """Whether the user answered the confirmation just asked with a value ("could you make it
        $3,000 instead?") rather than a yes or a no."""
        asked = turn.said[-1] if turn.said else ""
        return asks_confirmation(asked) and turn.last.get("role") == "user" \
            and bool(self._facts_in(turn.last.get("content") or "", asked))

    def authentication(self, table: str, turn: _Turn) -> tuple[str, dict[str, Any]] | list[str] | None:
        """(finder, arguments) to find who the customer is before the first request about a record
        of theirs (a support chat starts so), the key to ask for when they have not given it (`_ask`
        asks the fallback's keys once they say they cannot), or None (done already, or the record
        is nobody's)."""
        f = self._auth
        if f is None or self._kept & turn.earlier or not reaches(self.compiled, table, f.table):
            return None
        return self.identity(turn) or [f.param]

    def identity(self, turn: _Turn) -> tuple[str, dict[str, Any]] | None:
        """(finder, arguments) by what the user has said of who they are: their email, else every
        key of the fallback finder; None when they have said neither."""
        f, alt = self._auth, self._fallback
        if f is not None and f.param in turn.known and turn.known[f.param] not in self._not_on_file(turn):
            return f.tool, {f.param: turn.known[f.param]}
        if alt is not None and all(p in turn.known for p in alt.params):
            return alt.tool, {p: turn.known[p] for p in alt.params}
        return None

    def as_now(self, args: dict[str, Any], tool: str, turn: _Turn) -> dict[str, Any]:
        """The arguments of a call finding the customer again by what they said of themselves, as
        their record held them when the open request began: a zip code they changed earlier in the
        chat (their address) is the new one, not the one they first gave."""
        key = self.compiled.tables[self._auth.table].pk if self._auth is not None else None
        results = _tool_results(turn.prior)
        found = next((r.get(key) for t, r in results if t == tool and isinstance(r, dict) and key in r), None)
        if found is None:
            return args
        for _, r in results:
            if isinstance(r, dict) and r.get(key) == found:
                args = {p: r.get(p, v) if isinstance(r.get(p), type(v)) else v for p, v in args.items()}
        return args

    def _stand_in(self, tool: str, known: dict[str, Any], turn: _Turn) -> tuple[str, dict[str, Any]] | None:
        """(fallback finder, arguments) in place of a step finding the customer by email, when the
        user gave their name and zip code instead."""
        if self._auth is None or self._fallback is None or tool != self._auth.tool \
                or self._auth.param in known and known[self._auth.param] not in self._not_on_file(turn):
            return None
        who = self.identity(turn)
        return who if who is not None and who[0] == self._fallback.tool else None

    def recovers(self, tool: str) -> bool:
        """Whether a read of `tool` that finds nobody has another way round here: the customer's
        email on no record, and their name and zip code to find them by (`RefinedAgent` leaves such
        a failure in view)."""
        return self._auth is not None and self._fallback is not None and tool == self._auth.tool

    def _not_on_file(self, turn: _Turn) -> set[Any]:
        """The values the customer gave for who they are (an old email) that the finder found
        nobody by."""
        f = self._auth
        return {a.get(f.param) for t, a, r in _tool_calls([*turn.prior, *turn.segment])
                if t == f.tool and isinstance(r, dict) and "error" in r} if f is not None else set()

    def _found_nobody(self, results: list[tuple[str, Any]]) -> int:
        """How many of a request's first calls are finder reads that found nobody."""
        tools = {f.tool for f in (self._auth, self._fallback) if f}
        return next((i for i, (t, r) in enumerate(results) if t not in tools or not (isinstance(r, dict) and "error" in r)),
                    len(results))

    def _not_given(self, key: str, turn: _Turn) -> bool:
        """Whether the user answered a question for `key` without giving it ("I don't have my
        email to hand")."""
        for m, after in zip(turn.segment, turn.segment[1:]):
            if m.get("role") == "assistant" and not m.get("tool_calls") and after.get("role") == "user":
                if key in named_keys(_questions(m.get("content") or ""), self._names):
                    return True
        return False

    def _said(self, plan: Plan | None, turn: _Turn) -> dict[str, Any]:
        """What is known of the request so far, with the values its opening words give ("to Plus")."""
        return {**turn.known, **self._opening_values(plan, turn.known, turn)} if plan is not None else turn.known

    def _opening_values(self, plan: Plan, known: dict[str, Any], turn: _Turn) -> dict[str, Any]:
        """What the user already said that the request needs, so it is not asked again: a choice
        given in a "because ..." clause, and values the opening words as the goal does ("change the
        amount of my payment to $891.73"). A choice must be one the tool takes."""
        choices = self._choices(plan)
        found: dict[str, Any] = {}
        for key, enum in choices.items():  # this request's own reason wins over one carried over
            if key not in turn.own and (choice := reason_given(turn.user_text, enum)) is not None:
                found[key] = choice
        # what this request's words say wins over a value carried over from an earlier request
        own = {k: v for k, v in known.items() if k in turn.own}
        said = {**self._goal_said(plan.workflow.goal, turn.request, {**own, **found}),
                **self._counts_said(plan, turn)}
        for key, value in self.typed(plan.key_types, said).items():
            if key in plan.workflow.knows and (key not in choices or code_for(value, choices[key]) in choices[key]):
                found[key] = value
        return found

    def _goal_said(self, goal: str, text: str, known: dict[str, Any]) -> dict[str, str]:
        """`goal_values` of the request's text against a workflow's goal, kept per (goal, text,
        known): every reply of a request reads its opening again."""
        try:
            key = (goal, text, tuple(known.items()))
            got = self._goals_read.get(key)
        except TypeError:  # (a value that is no text or number)
            return goal_values(goal, text, known, self._field_values)
        if got is None:
            if len(self._goals_read) >= _READ_KEPT:
                self._goals_read.clear()
            got = self._goals_read[key] = goal_values(goal, text, known, self._field_values)
        return dict(got)

    def _lookup_asked(self, text: str) -> Lookup | None:
        """`recognise_lookup` of a text against this service's lookups, kept per text: every reply
        asks it of the open request again."""
        if text not in self._lookups_read:
            if len(self._lookups_read) >= _READ_KEPT:
                self._lookups_read.clear()
            owner = self._auth.table if self._auth else None
            latest = recognise_lookup(text, self._latest, owner) if self._latest and LATEST.search(text) else None
            self._lookups_read[text] = latest or recognise_lookup(text, self._lookups, owner)
        return self._lookups_read[text]

    def _choices(self, plan: Plan) -> dict[str, list[Any]]:
        """The plan's keys the user gives as one of a tool's choices (a reason), with the choices;
        worked out once per plan."""
        got = self._plan_choices.get(plan.workflow.name)
        if got is None:
            got = self._plan_choices[plan.workflow.name] = {
                source[1]: p.enum for step in plan.steps for p in self.compiled.tools[step.tool].spec.parameters
                if p.enum and (source := step.args.get(p.name)) and source[0] == "user"}
        return got

    def _count_in(self, key: str, text: str) -> str | None:
        """The number of things an answer gives for a count asked ("It's for 2 bags and 2 passengers.")."""
        if key not in self._integers:
            return None
        noun = S.words(key.removeprefix("new_")).lower()
        m = re.search(rf"\b(\d+) (?:{re.escape(noun)}|{re.escape(S.singular(noun))})\b", text)
        return m.group(1) if m else None

    def _counts_said(self, plan: Plan, turn: _Turn) -> dict[str, str]:
        """Counts the request says as a number of things ("change my booking to 3 bags")."""
        found = {}
        for key, question in _count_asks(plan.key_types).items():  # this request's counts (a booking's bags
            noun = question.removeprefix("how many ")               # are not a change's new bags)
            m = re.search(rf"\bto (\d+) (?:{re.escape(noun)}|{re.escape(S.singular(noun))})\b", turn.request)
            if key in plan.workflow.knows and key not in turn.own and m:
                found[key] = m.group(1)
        return found

    def _record_first(self, plan: Plan, known: dict[str, Any], after_yes: frozenset[int] = frozenset()
                      ) -> tuple[str, dict[str, Any]] | None:
        """(lookup tool, arguments) when the request starts with a write on a record the user named
        by its key (after the steps that wait for the user's yes) and a tool can read that record."""
        step = next((s for at, s in enumerate(plan.steps) if at not in after_yes), None)
        if step is None or not step.writes:
            return None
        for lk in self._lookups:
            source = step.args.get(lk.param)
            if source is not None and source[0] == "user" and source[1] in known:
                return lk.tool, {lk.param: known[source[1]]}
        return None

    def _refused_early(self, plan: Plan, step: Step, known: dict[str, Any], called: list[Any],
                       ahead: list[tuple[str, Any]], calls: list[Any], turn: _Turn) -> dict[str, Any] | None:
        """The refusal of the write `step` a rule breaks on what is known and read so far, before
        the rest it needs is asked; None when none does."""
        given = {name: known[v] for name, (kind, v) in step.args.items() if kind == "user" and v in known}
        seen = [r for _, _, r in called] + [r for _, r in ahead]
        blocked = blocking_rule(self.compiled.tools[step.tool].spec, given, seen, self._clock, self.records.keys,
                                self._listed(calls, turn), turn.made)
        if blocked is None:
            return None
        return self._failed(plan, step.tool, blocked[0], blocked[1], turn, blocked[2], seen, given)

    def which(self, key: str, records: list[dict[str, Any]], turn: _Turn, plan: Plan | None = None,
              action: str = "", taken: Sequence[Any] = (), untold: Sequence[str] = (),
              passed: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        """Asks which of the records the user means, naming only those the request's change can be
        made on when the records show that of some but not all (`_fitting`); after asking twice in
        this request with no answer that tells them apart, says it cannot go on without it (never
        the same question again and again to a user who does not know the id). `taken`: ids the
        other part of a move already names (a transfer's account it's coming from); `untold`: the
        facts a question about the record asks, which the list does not tell before it is picked
        ("When was my account opened?" is not answered for every account in the question);
        `passed`: the customer's records of the kind left unopened, the list showing the change
        cannot be made on them (`candidates.ruled_out_by_listing`): counted among theirs, and named
        as the list shows them where none of the others fits either."""
        unopened = {id(r) for r in passed}
        records = [*records, *passed]
        # asked as the user reads it ("Which card is it?" after a list asks the card's ID)
        asked = sum("?" in s and key in named_keys(_questions(asking_for_id(s)), self._names) for s in turn.said)
        way = moved(key)
        if turn.last.get("role") == "user" and asked >= 2:  # "... without knowing which card you mean"
            which = "knowing which {} it's {}".format(*way) if way else \
                f"knowing which {S.words(key[:-3] if key.endswith('_id') else key).lower()} you mean"
            return _say(f"{S.pick(turn.rng, S.GIVE_UP, x=which)} {turn.close()}".strip())
        said = self._said(plan, turn) if plan is not None and action else {}  # ("to Plus": one on Plus already is none)
        if way is not None:  # the account a transfer is coming from, among the customer's accounts
            own = record_key(key, self.records.by_key)
            fitting = self._fitting(plan, key, records, turn.made, own, said) if plan is not None and action else records
            # never the one the other part named (the account it's coming from is not where it goes)
            fitting = [r for r in fitting if str(r.get(own)) not in {str(v) for v in taken}]
            listed_before = any(f"the {way[0]} it's " in s and "?" in s for s in turn.said)
            chosen = taken[0] if listed_before and taken else None  # the other part, just answered
            return _say(S.which_moved(turn.rng, own, [_described(r) for r in records],
                                      [_described(r) for r in fitting], way, chosen))
        folds = plan is not None and bool(action)  # a change, confirmed before it is made
        turned_down = _turned_down(turn.segment)
        # the only one that fits, said with the confirmation and not turned down: the same one still
        # (whatever the change made of it since)
        proposed = [m["id"] for s in turn.said if (m := ONLY_FITTING.search(s)) and m["id"] not in turned_down]
        if folds and (taken_ := next((r for r in records if proposed and str(r.get(key)) == proposed[-1]), None)):
            return {_ONLY: (taken_.get(key), "")}
        fitting = self._fitting(plan, key, records, turn.made, known=said) if plan is not None and action else records
        if len(fitting) == 1 and (any(PROPOSED_RECORD.search(s) for s in turn.said)
                                  or str(fitting[0].get(key)) in turned_down):
            fitting = records  # the one that fits was proposed and is not it: all of them
        if 0 < len(fitting) < len(records):
            fitting, unread = self._opened(key, fitting, turn)
            if unread is not None:  # those that fit, known by their ids alone: opened, to be told apart
                return _call(*unread, turn)
            # opened, they show the rules a list's summary could not (an early closure fee the balance
            # cannot cover): only those still fitting are named, all of them where none is
            fitting = self._fitting(plan, key, fitting, turn.made, known=said) if plan is not None and action else fitting
            if fitting and (field := S.dated_apart(key, fitting)) is not None:  # many, told apart by a date
                return _say(S.which_when(turn.rng, key, _by(field, fitting), field, len(records), action))
            # those left out only because they hold what the change sets already (a booking with 2
            # bags, for 2 bags): said as that, never as records the change cannot be made on
            held = [r.get(key) for r in records if folds and said and not self._fitting(plan, key, [r], turn.made, known=said)
                    and self._fitting(plan, key, [r], turn.made)]
            if len(fitting) == 1 and folds and str(fitting[0].get(key)) not in turned_down:
                # one question, the confirmation's, which names it ("Of your 4 accounts, only ACC-2
                # (...) can be closed. I'll close ... Shall I go ahead?"), never first "Is that the one?"
                return {_ONLY: (fitting[0].get(key), S.only_fitting(turn.rng, key, _described(fitting[0]),
                                                                     len(records), action, held))}
            if fitting and not (len(fitting) == 1 and str(fitting[0].get(key)) in turned_down):
                return _say(S.which_fitting(turn.rng, key, [_described(r) for r in fitting], len(records), action,
                                            held))
        shown, unread = self._opened(key, [r for r in records if id(r) not in unopened], turn)
        if unread is not None:
            return _call(*unread, turn)
        records = [*shown, *(r for r in records if id(r) in unopened)]
        records = [{k: v for k, v in r.items() if k not in untold} for r in records]
        if (field := S.dated_apart(key, records)) is not None:
            return _say(S.which_when(turn.rng, key, _by(field, records), field))
        return _say(S.which(turn.rng, key, [_described(r) for r in records]))

    def _month_said(self, key: str, read: list[Any], plan: Plan, turn: _Turn) -> Any:
        """The id `key` of the record the user's answer to "Which month's bill is it?" (`S.which_when`)
        names by the month, and the year where said, of the date that alone tells the records asked
        about apart ("The one from August."); None when that was not asked, or the answer names no
        one record."""
        spoken = [m for m in turn.segment if m.get("role") in ("user", "assistant") and not m.get("tool_calls")]
        pairs = reversed(list(zip(spoken, spoken[1:])))
        answer = next((u.get("content") or "" for a, u in pairs if a["role"] == "assistant" and u["role"] == "user"
                       and MONTH_ASKED.search(a.get("content") or "")), None)
        recs = listed(key, read) if answer is not None else None
        if recs is None:
            return None
        fitting = self._fitting(plan, key, recs, turn.made, known=self._said(plan, turn))
        asked = fitting if 0 < len(fitting) < len(recs) else recs  # (as `which` chose them)
        field = S.dated_apart(key, asked)
        hits = [r for r in asked if field is not None and _in_month(str(r[field]), answer)]
        return hits[0][key] if len(hits) == 1 else None

    def _opened(self, key: str, fitting: list[dict[str, Any]], turn: _Turn
                ) -> tuple[list[dict[str, Any]], tuple[str, dict[str, Any]] | None]:
        """The records that fit as opened (read by themselves, in this request or an earlier one
        and unchanged since), and the read opening the next one a list showed only by its id and
        status, or as it showed another ("ACC-2 (savings)", "ACC-3 (savings)"); none when more fit
        than a question lists one by one (`speech.LISTED_MOST`) or no tool reads one by `key`. A
        support agent looks at the cards that can be frozen before asking which, so that it can
        say "CRD-1 (debit, ending in 9237)", not a bare id the customer may not know."""
        lk = self.records.by_key.get(key)
        if lk is None or len(fitting) > S.LISTED_MOST:
            return fitting, None
        out = []
        for r, shown in self._as_read(lk.tool, key, fitting, turn):
            if shown is None:
                return fitting, (lk.tool, {lk.param: r.get(key)})
            out.append(shown)
        return out, None

    def _as_read(self, tool: str, key: str, records: list[dict[str, Any]], turn: _Turn
                 ) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """Each of the listed `records` with what a read of it by itself (`tool`) showed, in this
        request or an earlier one and unchanged since; the listed record itself where the list
        already tells it apart; None where it must be opened to be told apart (`_opened`)."""
        # (or what an earlier request's read of it still shows, `prechecks.recall`, with nothing written
        # since: a booking's route after its cabin changed)
        recalled = [] if any(self.compiled.tools[t].writes for t, _ in _tool_results(turn.segment)
                             if t in self.compiled.tools) else turn.recalled
        seen = [(t, r) for t, r in recalled if t == tool] + _tool_results(turn.segment) \
            + [(t, r) for t, _, r in turn.before if t == tool]
        out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for r in records:
            read = [(t, x) for t, x in reversed(seen) if isinstance(x, dict) and str(x.get(key)) == str(r.get(key))]
            own = next((x for _, x in read if len(x) > len(r)), None)
            unread = own is None and not any(t == tool for t, _ in read) and (
                set(r) <= {key, "status"} or any(x is not r and _besides(x, key) == _besides(r, key) for x in records))
            out.append((r, None if unread else own or r))
        return out

    def _named_by_entry(self, key: str, results: list[Any], turn: _Turn, text: str) -> Any:
        """The id `key` of the one listed record whose read, made so far, shows an entry the user's
        words name outright (`ids.named_by_entry`: the card the named charge is on); None otherwise.
        Opening stops there, as `named_outright` stops it for a record's own values."""
        lk = self.records.by_key.get(key)
        recs = listed(key, results) if lk is not None else None
        if not recs:
            return None
        return named_by_entry(key, [shown for _, shown in self._as_read(lk.tool, key, recs, turn) if shown], text)

    def _opened_to_ask(self, result: tuple[str, Any], tool: str, args: dict[str, Any]) -> bool:
        """Whether `result` ((tool, record)) is a record `_opened` read to tell the records a change
        fits apart, not this step's own result: a read of one record by its key, by another tool
        than the step's or of another record than the step's."""
        name, record = result
        key = self.keys_of.get(name)
        if key is None or not isinstance(record, dict) or record.get(key) is None:  # (a reply without its key)
            return False
        return name != tool or str(record[key]) != str(args.get(self.records.by_key[key].param))

    def _fitting(self, plan: Plan, key: str, records: list[dict[str, Any]],
                 made: Sequence[tuple[str, dict[str, Any]]] = (), own: str = "",
                 known: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The records the request's writes on a record named by `key` can be made on: none of
        their rules that a record shows (its status, a date, a count), or that the rows the
        conversation's writes added break (a bill that has a payment plan now), refuses it, nor
        does it already hold the value the user asks for (`known`; "Basic" for a subscription on
        Basic: "The subscription already has that plan"). `own`: the records' own key where `key`
        names one by its part in a move ("source_account_id")."""
        calls = [(self.compiled.tools[s.tool].spec, p) for s in plan.steps if s.writes
                 for p, source in s.args.items() if source == ("user", key)]
        known = known or {}
        held = [(field, known[source[1]]) for s in plan.steps if s.writes and ("user", key) in s.args.values()
                for q, source in s.args.items() if source[0] == "user" and source[1] != key and source[1] in known
                for field in _kept_apart(self.compiled.tools[s.tool].spec, q)]
        records = [r for r in records if not any(field in r and _holds(r[field], value) for field, value in held)]
        # a write on a record of theirs under it (an item of the order: "only items from a delivered
        # order can get a return"), judged by the rules on this record, with the one under it unknown
        under = [(self.compiled.tools[s.tool].spec, p) for s in plan.steps if s.writes
                 for p, source in s.args.items() if source[0] == "user" and source[1] != key and self._under(p, key)]
        own = own or key
        return [r for r in records if all(
            blocking_rule(spec, {p: r.get(own)}, [r], self._clock, self.records.keys, made=made) is None
            for spec, p in calls)
            and all(blocking_rule(spec, {p: _UNDER}, [r, {p: _UNDER, key: r.get(own)}], self._clock,
                                  self.records.keys) is None for spec, p in under)]

    def _under(self, child: str, key: str) -> bool:
        """Whether a record named by `child` (an item) refers to one named by `key` (its order)."""
        return any(t.pk == child and key in t.fields for t in self.compiled.tables.values())

    def _ask(self, missing: list[str], turn: _Turn, action: str = "", lead: bool = True,
             plan: Plan | None = None) -> dict[str, Any]:
        """The question for `missing`, or giving up when it was asked and answered without it; who
        the customer is, asked the other way (`ASK_FALLBACK`), says no more than that. A record's id
        that an earlier request named is asked about first (`_same_record`). `plan`: the request's,
        whose record the reason names ("It's how I find your computer.")."""
        if len(missing) == 1 and (same := self._same_record(missing[0], turn)) is not None:
            return same
        nobody = self._not_on_file(turn) if self._auth is not None and missing == [self._auth.param] else set()
        if self._auth is not None and self._fallback is not None and missing == [self._auth.param] \
                and (nobody or self._not_given(self._auth.param, turn)):
            missing = list(self._fallback.params)  # "I don't have my email to hand": their name and zip code
        fallback = self._fallback is not None and missing == list(self._fallback.params)
        what = "your " + S.joined([SPOKEN.get(k, S.words(k).lower()) for k in missing]) if fallback \
            else S.asked_for(missing)
        asked = [what] + [self._counts[k] for k in missing[:1] if len(missing) == 1 and k in self._counts]
        if any(a.lower() in s.lower() and "?" in s for s in turn.said for a in asked) and turn.last.get("role") == "user":
            return _say(f"{S.pick(turn.rng, S.GIVE_UP, x=what)} {turn.close()}".strip())
        if fallback and nobody:  # the email they gave is on nobody's record
            return _say(S.pick(turn.rng, B.NOT_ON_FILE, x=what, v=sorted(map(str, nobody))[0]))
        if fallback:
            return _say(S.pick(turn.rng, B.ASK_FALLBACK, x=what))
        more = any(not _WHAT_TO_DO.search(s) for s in turn.said)  # asked what they want: this is the first question
        record = S.words(self.compiled.noun(plan.workflow.anchor.table)).lower() if plan else ""
        # a guided request's steps are the customer's: its question never leads in with "I can build
        # a hotel on animal crossing for you" (the guidance says next that they do it themselves)
        self._guiding = plan is not None and self._guided(plan)
        return _say(S.ask(turn.rng, missing, more, action, self._booleans, self._counts, lead=lead,
                          finds=self._finds, record=record, helps=self._guiding))

    def _same_record(self, key: str, turn: _Turn) -> dict[str, Any] | None:
        """Asks whether the open request is about the record an earlier request of the conversation
        was, when it needs a record's id the user has not given and the earlier requests named or
        made one record of that kind ("Is this for the same rental, RA-1?"); once a request. None
        otherwise. Not when the user's records are listed to choose from (`which`): there it was
        another record three times in four (a loan just renewed is not the one to return)."""
        if not key.endswith("_id") or any(PROPOSED_RECORD.search(s) for s in turn.said):
            return None
        values = self._earlier_ids(turn.prior).get(key, ())
        if len(values) > 1:  # several named: the one the latest change was made to ("the appointment just cancelled")
            values = self._last_changed(key, turn.prior)
        if len(values) != 1:
            return None
        earlier = next(iter(values))
        shape = re.escape(re.sub(r"\d.*$", "", earlier))  # "#W", "ACC-": an id of this kind the request
        if shape and re.search(rf"{shape}\d", turn.user_text.replace(earlier, "")):  # gives (not read): asked for
            return None
        return _say(S.pick(turn.rng, B.SAME_RECORD, noun=S.words(key[:-3]).lower(), id=earlier))

    def _last_changed(self, key: str, prior: list[dict[str, Any]]) -> set[str]:
        """The id under `key` of the record the latest write call in `prior` was made to, or none."""
        for m in reversed(prior):
            for c in reversed(m.get("tool_calls") or ()) if m.get("role") == "assistant" else ():
                tool = self.compiled.tools.get((c.get("function") or {}).get("name"))
                if tool is not None and tool.writes:
                    value = _object((c.get("function") or {}).get("arguments")).get(key)
                    return {str(value)} if isinstance(value, (str, int)) and not isinstance(value, bool) else set()
        return set()

    def _earlier_ids(self, prior: list[dict[str, Any]]) -> dict[str, set[str]]:
        """The record ids, per key, that the earlier requests named (the user's words, the calls'
        arguments), with those of the records their writes made or changed added only where the
        kind was named: a dispute just filed is never the one asked after alone. The records a
        read opened one after another between two of the user's messages were looked through to
        ask which one (`_opened`), not named."""
        named: dict[str, set[str]] = {}
        written: dict[str, set[str]] = {}
        replies = {m.get("tool_call_id"): m.get("content") for m in prior if m.get("role") == "tool"}
        previous = earlier = ""
        looked: dict[str, list[dict[str, Any]]] = {}  # read -> its arguments since the user last spoke
        for m in [*prior, {"role": "user"}]:
            if m.get("role") == "user":
                for calls in looked.values():
                    if len(calls) == 1:
                        _add_ids(named, calls[0])
                looked = {}
                if isinstance(m.get("content"), str):
                    _add_ids(named, self._facts_in(m["content"], previous, earlier))
            elif m.get("role") == "assistant" and not m.get("tool_calls") and isinstance(m.get("content"), str):
                earlier, previous = previous, m["content"]
            for c in m.get("tool_calls") or () if m.get("role") == "assistant" else ():
                name = (c.get("function") or {}).get("name")
                args = _object((c.get("function") or {}).get("arguments"))
                tool = self.compiled.tools.get(name)
                if tool is not None and tool.writes:
                    _add_ids(named, args)
                    _add_ids(written, _object(replies.get(c.get("id"))))
                elif args not in looked.setdefault(name, []):
                    looked[name].append(args)
        return {k: v | written.get(k, set()) for k, v in named.items()}

    def _note(self, plan: Plan, turn: _Turn) -> str | None:
        """The note the assistant writes itself for the colleague it hands a request to, when a
        request of the chat did not go the customer's way (the latest such): what they wanted and
        how it ended ("The customer wanted to cancel their order O-2320, which our policy does not
        allow."). None otherwise: a customer who comes to talk to a person says what it is about."""
        if self._handoff is None or plan.workflow.name != self._handoff[0]:
            return None
        prior, named = turn.prior, set(RECORD_ID.findall(turn.user_text))
        while prior:  # the latest request of the chat that did not go their way: the one just before,
            # or an earlier one whose record the customer names ("It's card CRD-1, the same one as before.")
            before = self._turn(prior[:-1])  # a request before, up to the reply that settled it
            if before is None:
                return None
            note = self._setback_note(before, prior[-1].get("content") or "", turn, turn.prior[len(prior):])
            if note is not None and (prior is turn.prior or named & set(RECORD_ID.findall(note))):
                return note
            prior = before.prior
        return None

    def _setback_note(self, before: _Turn, ended: str, turn: _Turn,
                      later: list[dict[str, Any]] = ()) -> str | None:  # type: ignore[assignment]
        """`_note` of the request `before`, which the reply `ended` settled, when it did not go the
        customer's way; None when it went through, or when a request `later` in the chat made the
        change they had said no to after all (never "decided not to go ahead" of a transfer made)."""
        earlier = self.recognise(self._said_when_asked(before) or before.request)
        write = _main_write(earlier) if earlier is not None else None
        if earlier is None or not write or earlier.workflow.name == self._handoff[0]:
            return None
        # a refusal that offered the hand-off, or the one the customer named at the start ("You also
        # mentioned passing your question ... Want to do that now?")
        refused = HANDOFF_OFFERED.search(ended) is not None \
            or rule_cited(self.compiled.tools[write].spec, ended) is not None
        if not refused and _confirmation(before.segment) is not False:
            return None
        if not refused and any(name == write and not (isinstance(result, dict) and "error" in result)
                               for name, _, result in _tool_calls(list(later))):
            return None
        action = S.action(earlier.workflow.goal, write, self.typed(earlier.key_types, before.known))
        # the records it was about, as the refusal or the questions the customer said no to named them
        # (the last one may not: "Your account will be closed ... Do you want me to close it now?")
        asked = [{"content": ended}] if refused else [m for m in reversed(before.segment) if m.get("role") == "assistant"
                                                      and asks_confirmation(m.get("content") or "")]
        named = ([i for i in dict.fromkeys(RECORD_ID.findall(m.get("content") or "")) if i not in action] for m in asked)
        ids = next((n for n in named if n), []) \
            or [i for i in self._written_ids(earlier, write, before) if i not in action and i != self._customer(turn)]
        action = re.sub(r"\byour\b", "their", action) + (f" ({self._kinds(ids, action, turn)})" if 0 < len(ids) <= 2 else "")
        if not refused:
            return f"The customer was about to {action} but decided not to go ahead for now and asked to speak with someone."
        rule = rule_cited(self.compiled.tools[write].spec, ended)
        # a name keeps its capital ("EcoCard ...", "PIN ..."), a sentence's first word does not ("A user that ...")
        rule = None if rule is None else as_said(rule)  # as a person writes it ("a frozen card can't be changed")
        rule = rule if rule is None or re.match(r"[A-Z][A-Za-z]*[A-Z]", rule) else rule[:1].lower() + rule[1:]
        return f"The customer wanted to {action}, but it wasn't possible" + (f": {rule}." if rule else ".")

    def _kinds(self, ids: list[str], action: str, turn: _Turn) -> str:
        """`ids` as a note names them after `action`: an id of another kind than the thing the action
        names with its kind ("schedule the payment (contact CNT-1)", "exchange the item (order
        ORD-1)"), never as if it were that thing's own."""
        read = records([r for _, _, r in _tool_calls(turn.prior)])
        pks = {t.pk: name for name, t in self.compiled.tables.items()}
        nouns = []
        named = {}  # a catalog's entry, known by its name: said by it ("the Gold Saver product"; a person
        # keeps their number, which the colleague needs: "contact CNT-1", `test_contact_directory`)
        for i in ids:
            key = next((k for r in read if (k := own_key(r)) and r.get(k) == i), None)
            noun = self.compiled.noun(pks[key]) if key in pks else ""
            nouns.append(noun if noun and not action.lower().endswith(noun.lower()) else "")
            row = next((r for r in read if key and r.get(key) == i), {})
            name = next((v for k, v in row.items() if isinstance(v, str) and v and noun
                         and names_entry(k, noun)), None)
            catalog = key in pks and self._auth is not None and not reaches(self.compiled, pks[key], self._auth.table)
            if name is not None and catalog and not PEOPLE.match(noun):
                named[i] = f"the {name} {noun}".strip()  # "(the Gold Saver product)"
        if named:
            return ", ".join(named.get(i, f"{noun} {i}".strip()) for noun, i in zip(nouns, ids))
        if len(ids) > 1 and len(set(nouns)) == 1 and nouns[0]:  # "transfer the funds (accounts ACC-1 and ACC-2)"
            return f"{S.plural(nouns[0])} {S.joined(ids)}"
        return ", ".join(f"{noun} {i}".strip() for noun, i in zip(nouns, ids))

    def _written_ids(self, plan: Plan, write: str, turn: _Turn) -> list[str]:
        """The record ids the request's write was for (where the refusal or the question named none,
        the colleague reading the note still learns which record): its call's arguments, or the
        user's facts its step reads when it was never called, or else the one record of each kind
        it takes that the request read and that carries words the request was said in (the contact
        "Charles Smith" of a payment to them, refused because the contact is not verified)."""
        calls = [args for name, args, _ in _tool_calls(turn.segment) if name == write]
        if calls:
            args = calls[-1]
        else:
            step = next((st for st in plan.steps if st.tool == write), None)
            args = {n: turn.known.get(v) for n, (kind, v) in (step.args.items() if step else ()) if kind == "user"}
        ids = list(dict.fromkeys(v for v in args.values() if isinstance(v, str) and RECORD_ID.fullmatch(v)))
        if ids or calls:
            return ids
        told = " ".join(m.get("content") or "" for m in turn.segment if m.get("role") in ("user", "assistant"))
        read = records([r for _, _, r in _tool_calls(turn.segment)])
        for p in [p.name for p in self.compiled.tools[write].spec.parameters if p.name.endswith("_id")]:
            meant = {str(r[p]) for r in read if p in r and any(
                isinstance(v, str) and len(v) > 3 and k != p and re.search(rf"(?<!\w){re.escape(v)}(?!\w)", told)
                for k, v in r.items())}
            ids += list(meant) if len(meant) == 1 else []
        return ids

    def _failed(self, plan: Plan, tool: str, error: str, values: list[str], turn: _Turn,
                named: list[tuple[str, Any, str]] | None = None, judged: Sequence[Any] = (),
                args: dict[str, Any] | None = None) -> dict[str, Any]:
        """The refusal of a write a rule stops (`named`: the values that break it, of the records it
        was `judged` on for a call with `args`), or the error said."""
        turn.only = ""  # (never "only ACC-1 can be closed" before "I can't close your account ACC-1")
        close = turn.close()
        if is_rule_message(self.compiled.tools[tool].spec, error) or values:
            if self._handoff and plan.workflow.name != self._handoff[0] and not turn.next_up \
                    and person_may(error):
                close = self._offer_handoff(plan, tool, turn)  # instead of "Anything else?"
            write = next((st.tool for st in plan.steps if st.writes), tool)
            said = self.typed(plan.key_types, turn.known)  # "3 bags" is said as the 3 it stands for
            # the record whose values break the rule, said by its id where nothing names it (the note names it too)
            if (record := self._judged(named or [], judged, said, args or {})) is not None:
                if any(_STATE.search(k) for k, _, _ in named or []):  # "Your transaction TRN-1 is currently pending."
                    ref = f"{S.words(record[0][:-3]).lower()} {record[1]}"
                    named = [(k, v, ref if _STATE.search(k) else "") for k, v, _ in named or []]
                elif record[0] in plan.key_types:  # "I can't create a dispute for your charge CHR-1"
                    said = {**said, record[0]: record[1]}
                elif any(isinstance(v, bool) for _, v, _ in named or []):  # "your contact Dan Dunn hasn't been verified"
                    ref = f"{S.words(record[0][:-3]).lower()} {_called(record, judged)}"
                    named = [(k, v, ref if isinstance(v, bool) else "") for k, v, _ in named or []]
            text = S.refuse(turn.rng, S.action(plan.workflow.goal, write, said), error, values, named,
                            looked=turn.looked_now)
            return _say(f"{text} {close}".strip())
        return _say(f"{S.pick(turn.rng, S.FAILED, error=S.reason_text(error, []))} {close}".strip())

    def _offer_handoff(self, plan: Plan, tool: str, turn: _Turn) -> str:
        """The offer, after a refusal, to hand what was refused to a colleague, said as what they
        would look into ("I can ask a colleague to look into changing the spending limit of your
        card with you, if you'd like."): the customer asked no question to pass on. No id (the
        refusal just named it), nor the reason they gave ("because of fraud")."""
        write = next((st.tool for st in plan.steps if st.writes), tool)
        doing = _REASON_TAIL.sub("", _doing(S.action(plan.workflow.goal, write, {})))
        helps = S.pick(turn.rng, B.HANDOFF_HELP, doing=doing)
        return S.pick(turn.rng, B.OFFER_HANDOFF, x=helps[:1].lower() + helps[1:])  # (said inside a sentence)

    def _judged(self, named: list[tuple[str, Any, str]], judged: Sequence[Any], said: dict[str, Any],
                args: dict[str, Any]) -> tuple[str, str] | None:
        """(key, id) of the record whose values broke the rule where nothing names it: the one record
        `judged` showing every value `named` (the one the call's `args` name, of several), when the
        action (`said`) does not name it already."""
        if not named or any(ref for _, _, ref in named):
            return None
        pks = set(self.records.keys.values())
        ids: dict[str, str] = {}  # id -> its key, of each record showing the values
        for r in records(list(judged)):
            pk = next((k for k in r if k in pks and k.endswith("_id")), None)
            if pk is not None and isinstance(r[pk], str) and all(str(r.get(k)) == str(v) for k, v, _ in named):
                ids[r[pk]] = pk
        if len(ids) > 1:
            ids = {i: pk for i, pk in ids.items() if i in {str(v) for v in args.values()}}
        if len(ids) != 1 or any(str(v) in ids for v in said.values()):
            return None
        (value, pk), = ids.items()
        return pk, value

    def _report(self, plan: Plan, env: dict[str, Any], wrote: bool, turn: _Turn,
                besides: Sequence[tuple[str, Any, str]] = (), ending: str | None = None) -> dict[str, Any]:
        """The result told; `besides`: records the write's conditions moved ("Your card CRD-1 has been
        frozen too.", after a fraud dispute)."""
        write = next((st.tool for st in plan.steps if st.writes), "")
        facts, kept = [], set()
        # what a record showed before the change and still shows is no change of it: "The status is
        # complete.", never "It now shows as complete." of a status the claim had before the call
        seen = self._read_before_write(turn, plan.workflow.anchor.table) if wrote else {}
        for key, expr in plan.tells.items():
            value = expr(env, self._rt)
            if value not in (None, "", [], {}):
                facts.append((key, described(value)))
                if key in seen and seen[key] == value and not _CHARGE.search(key):  # (a charge is the call's)
                    kept.add(key)
        # a catalog entry's terms the confirmation said ("its monthly fee is $0") are not told again
        said_terms = " ".join(turn.said).lower()
        facts = [(k, v) for k, v in facts if S.its_terms([(k, v)]).rstrip(".").lower() not in said_terms]
        last = next((r for _, r in reversed(_tool_results(turn.segment))
                     if isinstance(r, dict) and "error" not in r), None) if wrote else None
        # what the change cost, where its reply says so and the request does not tell it ("the late fee is $25")
        facts += [(k, v) for k, v in (last or {}).items() if _CHARGE.search(k) and k not in plan.tells
                  and isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0]
        note = ""
        if wrote and turn.rng.random() < 0.6:
            note = S.record_note(turn.rng, last, S.own_names([r for _, r in _tool_results(turn.segment)
                                                             if isinstance(r, dict)]), self.yours(turn))
            if _repeats(note, turn.said) or any(isinstance(v, str) and v in note for _, v in facts):
                note = ""  # the confirmation just named that record, or the reply tells its new id: not said again
        also = " ".join(f"Your {self.compiled.noun(table)} {key} has been {status} too." for table, key, status in besides)
        note = f"{also} {note}".strip()
        said = {**turn.known, **{k: v for k, v in env.items() if k in plan.workflow.knows}}
        what = S.action(plan.workflow.goal, _main_write(plan), said) if write else ""  # as the confirmation said
        if wrote and self._guided(plan):  # what the record now shows, never "I've connected a Wii to HD TV"
            marked = sum(1 for t, _ in _tool_results(turn.segment) if t in self.compiled.tools and self.compiled.tools[t].writes)
            what = G.recorded(S.thing_called(self.compiled.noun(plan.workflow.anchor.table), plan.workflow.goal), marked,
                              later=self._for_later(plan))
        # a case's consequence is told before the change, and what it did as `besides`: not again
        # here, nor of a record the case did not hold for
        noun = self.compiled.noun(plan.workflow.anchor.table)
        guidance = [once_done(g, write, noun) for g in self._guide(plan, write, {**turn.known, **env})
                    if not for_one_case(g) and not S.told_before(g, turn.told)]
        table = plan.workflow.anchor.table
        # a how-to's record: the state its steps leave is said of the user's thing ("Your orchard is
        # grown now."), never as a status they never saw ("The status now reads grown.")
        thing = S.thing_called(self.compiled.noun(table), plan.workflow.goal) if wrote and table in self._procedure else ""
        # the record read, should the answer's first fact name nothing ("It's showing as frozen."):
        # "your account ACC-1", or "your account" where it is their only one (never another person's number)
        rid = said.get(self.records.keys.get(table, "")) if not wrote else None
        of = "" if rid is None or PEOPLE.match(noun) or (self._auth and table == self._auth.table) else \
            f"your {S.words(noun).lower()}" + ("" if str(rid) in self.yours(turn) else f" {rid}")
        return _say(S.report(turn.rng, wrote, what, facts, note, guidance, going_on=turn.going_on, of=of,
                             next_up=turn.next_up, looked_now=turn.looked_now,
                             made=self._inserts.get(write) if write else None, thing=thing,
                             kept=frozenset(kept), recorded=bool(wrote and self._guided(plan)),
                             taken=self._nouns, handed=bool(wrote and self._handoff and plan.workflow.name == self._handoff[0]),
                             ending=ending))

    def _read_before_write(self, turn: _Turn, table: str) -> dict[str, Any]:
        """The values the reads still true and the request's own before its first write showed of
        the record it changed (a `table` row by its key; the values differing between reads left out)."""
        pk = self.compiled.tables[table].pk if table in self.compiled.tables else None
        calls = [(tool, result) for tool, _, result in turn.before]
        for tool, result in _tool_results(turn.segment):
            if tool not in self.compiled.tools or self.compiled.tools[tool].writes:
                ident = next((r.get(pk) for r in records([result]) if pk in r), None)
                break
            calls.append((tool, result))
        else:
            return {}
        seen: dict[str, Any] = {}
        for _, result in calls:
            for r in records([result]):
                if pk is None or ident is None or r.get(pk) != ident:
                    continue
                for k, v in r.items():
                    seen[k] = v if k not in seen or seen[k] == v else _DIFFERS
        return {k: v for k, v in seen.items() if v is not _DIFFERS}

    def _guide(self, plan: Plan, write: str, values: dict[str, Any]) -> list[str]:
        """What the service's text says about this request's change (fees, timing, next steps)."""
        return self._guidance.about(plan.workflow, write, self.compiled.noun(plan.workflow.anchor.table), values)


_UNDER = "\x00under"
"""The key of a record under another that the rules are judged without (`_fitting`)."""


def _called(record: tuple[str, str], judged: Sequence[Any]) -> str:
    """What the customer calls the record (`record`: its key and id): its name where it has one
    ("Daniel Dunn"), else its id."""
    rows = sorted((r for r in records(list(judged)) if str(r.get(record[0])) == record[1]),
                  key=lambda r: own_key(r) != record[0])  # its own row first (a payment names it too)
    return next((str(v) for r in rows for k, v in r.items() if (k == "name" or k.endswith("_name")) and isinstance(v, str)
                 and v), record[1])


def _add_ids(ids: dict[str, set[str]], values: dict[str, Any]) -> None:
    """The record ids among `values` (keys ending in "_id"), added to `ids`."""
    for k, v in values.items():
        if k.endswith("_id") and isinstance(v, (str, int)) and not isinstance(v, bool):
            ids.setdefault(k, set()).add(str(v))


def _steps_after_yes(plan: Plan, lookups: list[Any], guided: bool = False) -> frozenset[int]:
    """The reads before a procedure's first write that are steps of it, not how its record is looked
    up ("Go to the ACLU website." of a message): each reads the one record by its key with another
    tool than the record's lookup, checking nothing, and no later step's arguments or condition read
    its result (the facts told at the end may). They are done with the writes once the user says
    yes; the record is looked up for the confirmation instead. In a guided request, so is every read
    that is a step of the guide (its span in the text), a check of a value the customer gives too:
    it was made before any step was told ("Is it possible to use Microsoft publisher?" ->
    `click_on_file(participant.pptx)` at once; "What's the provider?" -> `call_cable_provider`)."""
    readers = {lk.table: lk.tool for lk in lookups}
    read_by_steps = {name for step in plan.steps for kind, v in step.args.values() if kind == "result"
                     for name in v.names} | {name for step in plan.steps if step.when for name in step.when.names}
    if guided and any(s.writes for s in plan.steps):
        first = next(at for at, s in enumerate(plan.steps) if s.writes)
        steps = [at for at in range(first) if plan.workflow.steps[at].span is not None
                 and plan.steps[at].as_ not in read_by_steps and plan.steps[at].when is None]
        if steps:
            return frozenset(steps)
    out = set()
    for at, step in enumerate(plan.steps):
        if step.writes:
            break
        if step.pure is None or step.as_ in read_by_steps or step.when is not None \
                or readers.get(step.pure[0], step.tool) == step.tool:
            return frozenset()
        out.add(at)
    return frozenset(out) if any(s.writes for s in plan.steps) else frozenset()


def _asked_later(plan: Plan, step: Step, known: dict[str, Any]) -> list[str]:
    """What the user is to give for the steps after `step` that always run (the new transaction
    type after the new threshold; the file type a how-to's later check step takes): asked before
    the change is confirmed, not after it has begun. Ids are left out (a read before their step
    may give them), and so are secrets (the customer types those themselves)."""
    after = plan.steps[plan.steps.index(step) + 1:]
    return list(dict.fromkeys(k for s in after if s.when is None for k in s.needs
                              if k not in known and k != "id" and not k.endswith("_id") and not SECRET.search(k)))


def _object(raw: Any) -> dict[str, Any]:
    """JSON text (or a value) as an object; {} when it is not one."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _heard_trouble(out: dict[str, Any], messages: list[dict[str, Any]], guiding: bool = False) -> dict[str, Any]:
    """The reply, acknowledging at its start, in the assistant's first words to the user, that their
    earlier try went wrong when their first message says so (`B.TROUBLE`, in place of a lead such
    as "Of course."). `guiding`: the reply asks for a value of a guided request, whose steps the
    customer takes: no "I can take care of it here" either."""
    if not out.get("content") or out.get("tool_calls"):
        return out
    first = next((m for m in messages if m.get("role") == "user"), None)
    if first is None or not _TROUBLE.search(first.get("content") or "") or any(
            m.get("role") == "assistant" and m.get("content") and not m.get("tool_calls") for m in messages):
        return out
    seed = hashlib.sha256(first["content"].encode()).digest()[0]
    text = out["content"]
    ack = next((a for a in B.ACK if a and text.startswith(a + " ")), "")
    rest = text[len(ack):].lstrip()
    # before a refusal, no "I can take care of it here": the trouble is heard, nothing is promised
    # before guidance for the customer's own steps, nothing the assistant would do: "Let's go through it together."
    bank = B.TROUBLE_THEN_NO if any(rest.startswith(lead) for lead in B.REFUSE_LEAD) else \
        B.TROUBLE_GUIDED if guiding or G.GUIDANCE.search(rest) else B.TROUBLE
    return {**out, "content": f"{bank[seed % len(bank)]} {rest}"}


def _told_from(plan: Plan, step: Any) -> bool:
    """Whether the request's result is told from what this write returns ("done.status")."""
    return bool(step.writes and step.as_ and any(step.as_ in expr.names for expr in plan.tells.values()))


def _which(missing: list[str], results: list[Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """(key, records) when a list read in this request holds several records told apart by a key
    the user has not given yet: the assistant asks which one rather than for the key cold. Only a
    key naming a record (``*_id``) is asked this way: an amount the user wants to move is not one
    of the amounts listed."""
    for key in [k for k in missing if k.endswith("_id")]:
        for value in reversed(results):
            for recs in record_lists(value):
                if len({str(r.get(key)) for r in recs if r.get(key) not in (None, "")}) >= 2:
                    return key, recs
    return None


def _besides(record: dict[str, Any], key: str) -> dict[str, Any]:
    """A listed record's values besides its key."""
    return {k: v for k, v in record.items() if k != key}


def _by(field: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`records` in the order of their `field` (a date: earliest first)."""
    return sorted(records, key=lambda r: str(r.get(field)))


def _in_month(iso: str, text: str) -> bool:
    """Whether `text` says the month of the date `iso` ("August", "Aug"), and its year where it
    says a year."""
    if not re.match(r"\d{4}-\d{2}", iso):
        return False
    name = calendar.month_name[int(iso[5:7])].lower()
    low = text.lower()
    years = re.findall(r"\b(?:19|20)\d{2}\b", low)
    return re.search(rf"\b(?:{name}|{name[:3]})\b", low) is not None and (not years or iso[:4] in years)


def _described(record: Any) -> Any:
    """A record as its values are said when listing it (date-times in words)."""
    return {k: described(v) for k, v in record.items()} if isinstance(record, dict) else record


def _as_codes(args: dict[str, Any], spec: Any) -> dict[str, Any]:
    """A choice the user said in words ("annual fee") as the tool takes it ("annual_fee")."""
    choices = {p.name: p.enum for p in spec.parameters if p.enum}
    return {k: code_for(v, choices[k]) if k in choices else v for k, v in args.items()}


_TERMS = re.compile(r"fee|apr$|_rate$|deposit|minimum|yield|^price$")
"""What an entry of the service's catalog costs and asks (its annual fee, APR, opening deposit)."""


def _terms(args: dict[str, Any], seen: list[Any], owner: str) -> list[tuple[str, Any]]:
    """(field, value) of what the catalog entry a call takes costs and asks, as read for it (a
    product's fees and opening deposit, said before the customer's yes): of a record the call names
    by its key that is no customer's own (it has no owner key)."""
    if not owner:
        return []
    terms = {k: v for r in records(seen) for key, val in args.items()
             if key.endswith("_id") and key != owner and str(r.get(key)) == str(val) and own_key(r) == key
             and owner not in r for k, v in r.items() if _TERMS.search(k) and v not in (None, "")}
    return list(terms.items())


def _already_read(pure: tuple[str, str, str], args: dict[str, Any], results: list[Any]) -> bool:
    _, key, param = pure
    return any(str(r.get(key)) == str(args.get(param)) for r in records(results))


def _doing(action: str) -> str:
    """What the service does, said to the customer: "change the cabin of your booking" -> "changing
    the cabin of your booking"; a record the action names with "the" (it has no value here) is
    theirs ("suspending your line", "updating your address"), or a new one for an action that makes
    one ("opening an account", not "opening the account"); so is the record a change is made on
    ("creating a dispute for your transaction because of fraud", "... of your card to $5,500")."""
    verb, _, rest = action.partition(" ")
    rest = _PERSON_FIELD.sub(r"your \1", rest)
    if verb in _MAKES and rest.startswith("the "):
        rest = "a " + rest[4:]  # smooth() makes it "an account"
    rest = re.sub(r"(?<!\bto )\bthe ([a-z]\w*(?: \w+)?)$", r"your \1", rest)  # not "to the flight" (a new one), nor "the Basic plan"
    rest = re.sub(r"(^|\b(?:of|for) )the ([a-z]\w*)\b(?= because\b| to\b|$)", r"\1your \2", rest)  # "a dispute for your transaction"
    return f"{gerund(verb)} {rest}".strip()


_REASON_TAIL = re.compile(r" (?:because|due to)\b.*$")
_MAKES = frozenset("open start book issue add apply".split())
_PERSON_FIELD = re.compile(r"\bthe (?:customer|member|patient|user|client|guest)(?:'s)? (\w+)$")


def _why_said(turn: _Turn) -> str | None:
    """What the customer said, with the open request, it is about (`SAID_WHY`: "The thing is, I do not
    recognise a charge on my card CRD-1."), or None."""
    for m in turn.segment:
        if m.get("role") != "user":
            continue
        for sentence in S.SENTENCE_BREAK.split(m.get("content") or ""):
            if (said := SAID_WHY.match(sentence.strip())) is not None:
                return said["why"]
    return None


def _only_thanks(text: str) -> bool:
    """Whether a message thanks and asks for nothing more ("Thanks, that's all."; not "Thanks!
    Before I go, I want to get a taxi to the airport.")."""
    first, *rest = S.SENTENCE_BREAK.split(text.strip(), maxsplit=1)
    return bool(THANKS.match(first)) and not any(content_words(r) for r in rest)


def _confirmation(segment: list[dict[str, Any]]) -> bool | None:
    """The user's answer to this request's confirmation question: True, False, or None (not asked
    or not answered)."""
    spoken = [m for m in segment if m.get("role") in ("user", "assistant") and not m.get("tool_calls")]
    answer = None
    for a, u in zip(spoken, spoken[1:]):
        if a["role"] == "assistant" and u["role"] == "user" and asks_confirmation(a.get("content") or "") \
                and not offer_asked(a.get("content") or ""):  # (an offer after the write is no confirmation of it)
            text = u.get("content") or ""
            if (only := ONLY_FITTING.search(a.get("content") or "")) and _not_that_one(text, only["id"]):
                answer = None  # not the record they mean: no answer about the change yet
                continue
            answer = True if YES.match(text) else False if NO.search(text) else answer
    return answer


_ONLY = "only"
"""`WorkflowAgent.which`'s answer when one record fits the change: {_ONLY: (its id, what says so)}."""


def _not_that_one(text: str, proposed: str) -> bool:
    """Whether the user's answer to the confirmation proposing `proposed`, the only record the
    change fits, says they mean another ("No, not that one. My account is ACC-2."), not that they
    do not want the change."""
    return bool(ANOTHER_RECORD.search(text)
                or NO.search(text) and any(i != proposed for i in RECORD_ID.findall(text)))


def _turned_down(segment: list[dict[str, Any]]) -> set[str]:
    """The ids proposed as the only record a change fits (`referring.ONLY_FITTING`) that the user
    said were not the one they mean."""
    spoken = [m for m in segment if m.get("role") in ("user", "assistant") and not m.get("tool_calls")]
    return {m["id"] for a, u in zip(spoken, spoken[1:]) if a["role"] == "assistant" and u["role"] == "user"
            and (m := ONLY_FITTING.search(a.get("content") or "")) and _not_that_one(u.get("content") or "", m["id"])}


def _count_asks(key_types: dict[str, str | None]) -> dict[str, str]:
    """Whole-number keys that count things, by the question that asks them ("new_bags" -> "how many
    bags"); a question two keys would share asks for neither."""
    asks = {k: q for k, t in key_types.items() if t == "integer" and (q := how_many(k)) is not None}
    shared = {q for q in asks.values() if list(asks.values()).count(q) > 1}
    return {k: q for k, q in asks.items() if q not in shared}


_STATE = re.compile(r"(?:status|state)$", re.IGNORECASE)


def _main_write(plan: Plan) -> str:
    """The write that says what a request is for: the workflow's own, else its last ("select the
    period, then download the summary" is a download)."""
    writes = [st.tool for st in plan.steps if st.writes]
    return plan.workflow.name if plan.workflow.name in writes else writes[-1] if writes else ""


def _repeats(note: str, said: list[str]) -> bool:
    """Whether every record id `note` names is in what the assistant said this request."""
    ids = re.findall(r"\b[A-Z][A-Z0-9]*-\d+\b", note)
    return bool(ids) and all(compiled(rf"\b{re.escape(i)}\b").search(" ".join(said)) for i in ids)


def _inserted_keys(compiled: CompiledDomain, tool: str) -> frozenset[str]:
    """The keys of the records a call of `tool` may make (its inserts, in conditions and loops too)."""
    return frozenset(compiled.tables[st.insert].pk for st in every_step(compiled.tools[tool].spec.effect or [])
                     if isinstance(st, InsertStep))


def _later_values(plan: Plan, tool: str, known: dict[str, Any], secret: re.Pattern) -> dict[str, Any]:
    """The arguments the steps after `tool` in the plan take from what the customer said (not ids,
    not secrets): what the one confirmation before the chain must say too."""
    steps = plan.steps[next((i for i, s in enumerate(plan.steps) if s.tool == tool), len(plan.steps)) + 1:]
    return {name: known[key] for s in steps for name, (kind, key) in s.args.items()
            if kind == "user" and key in known and not name.endswith("_id") and not secret.search(name)}


def _singled_out(key: str, results: list[Any], text: str) -> tuple[Any, str]:
    """(the id of the record the user's words single out, or None; the words without what singled
    it out, which describes no other record)."""
    got = singled_out(key, results, text)
    return (None, text) if got is None else (got[0], _without(text, [got[1]]))


def _without(text: str, values: list[str]) -> str:
    """`text` with each of `values` cut out where it stands whole (case as written): a new limit of
    900 leaves "the card ending in 5900" as it is."""
    for v in values:
        text = compiled(r"(?<!\w)" + re.escape(v) + r"(?!\w)", re.IGNORECASE).sub(" ", text)
    return text


def _how_to(plan: Plan, later: int) -> int:
    """How many steps a confirmation of a how-to guide's title is for (`S.confirm`'s `how_to`): a
    procedure of several writes confirmed at once whatever its kind ("get a federal explosives
    license": check, pay, mail, receive), or a how-to of one; 0 for another request."""
    return 1 + later if later or plan.workflow.category == "how-to" else 0


def _holds(shown: Any, value: Any) -> bool:
    """Whether a record's field as a read shows it (a value, or the entry it names: {"plan_name":
    "Plus", ...}) is `value`."""
    said = [*shown.values()] if isinstance(shown, dict) else [shown]
    return any(str(v).lower() == str(value).lower() for v in said)


_SAME_AS_ROW = re.compile(r"^\s*(\w+)\s*!=\s*(\w+)\.(\w+)\s*$")


def _kept_apart(spec: Any, param: str) -> list[str]:
    """The fields of the record a write refuses to set to what it holds already (`require: plan !=
    row.plan`, "The subscription already has that plan"), for its parameter `param`."""
    return [m.group(3) for st in spec.effect or [] if isinstance(st, RequireStep)
            and (m := _SAME_AS_ROW.match(st.require)) and m.group(1) == param]
