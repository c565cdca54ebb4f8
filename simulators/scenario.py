"""What a simulated user is: the scenario a task gives it."""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from gem_env.tools.patterns import SENTENCE_BREAK, ids_said_as_words

from .phrases import REQUEST_VERBS
from gem_env.tools.render import plain_words, sentence_case

STOP = "###STOP###"
"""The token a simulated user sends to end the conversation (as in τ-bench)."""


class Request(BaseModel):
    """One thing the user wants in a session.

    ``kind`` is what the request teaches: ``complete`` (the user wants it done and confirms),
    ``refuse`` (the user wants it but a rule forbids it), ``decline`` (the user says no at the
    confirmation), ``lookup`` (the user asks about ``asks`` facts), ``disambiguate`` (what the user
    says first fits several records). ``intent`` is the want in the user's own words; ``goal`` is
    the task's wording, for model users and readers, never pasted into a message.
    """

    kind: str = "complete"
    goal: str
    intent: str = ""
    knows: dict[str, Any] = Field(default_factory=dict)
    opening: list[str] = Field(default_factory=list)
    confirm: bool = True
    asks: list[str] = Field(default_factory=list)
    about: str = Field(default="", description="what a lookup asks about when no key the user knows names it")
    yes_no: list[str] = Field(default_factory=list, description=(
        "the `asks` whose answer is yes or no: asked as a question of the record (\"is my doctor accepting patients?\")"))
    counts: list[str] = Field(default_factory=list, exclude_if=lambda v: not v, description=(
        "the `asks` that count things: asked \"how many failed logins my account has\", not \"the failed logins of ...\""))
    compare: str = Field(default="", description=(
        "'highest' or 'lowest': a lookup asking which of the user's records has the most or least of `asks[0]`"))
    found: dict[str, Any] = Field(default_factory=dict, description=(
        "record ids the assistant finds in tool results (the user does not know them): for replaying "
        "the request's workflow, never said by the user"))
    anchor: str = Field(default="", description=(
        "the key of the row the request was made on (its workflow's anchor, or the table looked up)"))
    clears: bool = Field(default=False, exclude_if=lambda v: not v, description=(
        "asked so that the request refused just before can go through (\"Could you unfreeze it first, then?\")"))
    since: str = Field(default="", exclude_if=lambda v: not v, description=(
        "with `clears`: what changed since the hold it lifts, in the user's words (\"I found it again\")"))
    retry: bool = Field(default=False, exclude_if=lambda v: not v, description=(
        "the request refused before, asked again now that what stopped it is cleared"))
    offer: str = Field(default="", exclude_if=lambda v: not v, description=(
        "the answer to what the assistant offers once the request is done (`WorkflowOffer`): \"yes\" or "
        "\"no\"; none given: no"))
    twin: bool = Field(default=False, exclude_if=lambda v: not v, description=(
        "of a request the user turns down: the same change is asked for on another of their records in "
        "the session, so what they say no for is this record, not the change (\"I'd rather keep that one\")"))


class Scenario(BaseModel):
    """A simulated user's brief: who they are, what they want, what they know.

    `opening` keys are volunteered in the first message; other `knows` keys are revealed only when
    the assistant asks for them. `decisions` answers the assistant's questions (``confirm: true``
    means "yes" to a confirmation request). `unknown` lists things the user does not know and must
    not invent (the assistant has to look them up). `requests`, when given, are the session's
    requests in order: the user brings the next one only once the assistant has resolved the one
    before; `goal`, `knows` and `decisions` then summarise them for readers (a model user, like the
    scripted one, is given the open request only).
    """

    persona: str = "a customer"
    goal: str
    knows: dict[str, Any] = Field(default_factory=dict)
    opening: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    decisions: dict[str, Any] = Field(default_factory=lambda: {"confirm": True})
    requests: list[Request] = Field(default_factory=list)
    found: dict[str, Any] = Field(default_factory=dict, description="the requests' `found`, merged")
    signed_in: dict[str, Any] = Field(default_factory=dict, exclude_if=lambda v: not v, description=(
        "what the service knows of the user before they say a word (the account they are signed in "
        "with: `Domain.signed_in`), told to the assistant in its system prompt"))
    names: dict[str, str] = Field(default_factory=dict, exclude_if=lambda v: not v, description=(
        "names the document writes with capitals, by their lower case (\"iphone\": \"iPhone\", \"apple id\": "
        "\"Apple ID\"): the user says them so, though the record's key says \"iphone\""))
    records: list[str] = Field(default_factory=list, exclude_if=lambda v: not v, description=(
        "the nouns of the records the service keeps (its tables': \"booking\", \"card\"): the user "
        "describes a record of these only (\"It's on my frozen card.\"); a fact named like one of "
        "something else is said as itself (`question_type`: \"My question type is standard.\", never "
        "\"It's on my standard question.\"). Empty when not told: every `<noun>_<field>` fact is then "
        "taken for a record's"))

    def session(self) -> list[Request]:
        """The requests in order (a scenario without `requests` is one request)."""
        if self.requests:
            return self.requests
        return [Request(goal=self.goal, intent=user_words(self.goal, self.knows), knows=self.knows, opening=self.opening,
                        confirm=bool(self.decisions.get("confirm", True)))]


def humanize(key: str) -> str:
    """`order_id` -> "order id": how users and assistants name a piece of knowledge in words."""
    return plain_words(key)


_PAREN = re.compile(r"\s*\([^)]*\)")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_BARE_RECORD = re.compile(r"\b(for|on|of|from|to|with|about|in|into|at) ([a-z]+) \{(\w+)_id\}", re.IGNORECASE)
"""a preposition, then the record's noun alone, then its id: "for charge {charge_id}" (the noun is the id's own)"""
_PRONOUNS = [(re.compile(r"\byourself\b", re.I), "myself"), (re.compile(r"\byourselves\b", re.I), "ourselves"),
             (re.compile(r"\byou are\b", re.I), "I am"), (re.compile(r"\byour\b", re.I), "my"),
             (re.compile(r"\byours\b", re.I), "mine"), (re.compile(r"\byou've\b", re.I), "I've"),
             (re.compile(r"\byou're\b", re.I), "I'm"), (re.compile(r"\byou\b", re.I), "I")]
_REFERS_BACK = re.compile(r"\b(?:it|them|this|that one)\b", re.IGNORECASE)
_IDENTITY = re.compile(r"\b(?:you are|i am|born|email is|name is)\b", re.IGNORECASE)
_IMPERATIVE = re.compile(r"^(?:add|apply|ask|book|buy|cancel|change|check|close|dispute|extend|file|find|freeze|get|"
                         r"increase|lower|make|move|open|order|pay|raise|redeem|refill|remove|renew|replace|report|"
                         r"request|reschedule|reset|return|schedule|send|set|sign|start|stop|submit|switch|transfer|"
                         r"unfreeze|unlock|update|upgrade|view)\b", re.IGNORECASE)


#: what only a manual writes in a step, which nobody says asking for help: a command or setting ("="),
#: a path or value in quotes, brackets, a key or option ("Ctrl-D", "--help"), an example ("e.g."), a
#: man page's section ("ssh(1)")
_MANUAL = re.compile(r"[=\"“”\[\]<>|`~]|(?:^|\s)--?[a-z]|\be\.g\b|\w\(\d\)|\b(?:Ctrl|Alt)-", re.IGNORECASE)


def _request_part(sentence: str) -> str:
    """Of "Title: its main step", the part a user asks with: the first part that is a request
    ("Dispute a charge: add details ...": the title; "Spending Alerts on Hunter Green: set the
    delivery preference to {x}": the step, not a topic) or a doing, said as it is, the goal's word
    the assistant knows ("EcoCard: Redeeming Points: go to Rewards": redeeming points); else the title."""
    parts = [re.sub(r"^how to\s+", "", p.strip(), flags=re.IGNORECASE) for p in re.split(r":(?:\s|$)", sentence)]
    for k, part in enumerate(parts if len(parts) > 1 else ()):
        if k and _MANUAL.search(part):  # a step in the manual's own words ("export EDITOR=mcedit ...",
            continue  # 'mount old system at "/path/to/old/system/"'): nobody asks so; the title says what
        first = part.split(" ", 1)[0].lower()
        if first in REQUEST_VERBS and " " in part.strip():  # a verb alone ("open", a shell page's title) asks nothing
            return part
        stem = first[:-3] if first.endswith("ing") else ""
        if stem and any(v in REQUEST_VERBS for v in (stem, stem + "e", stem[:-1])):
            return sentence_case(part)
    return parts[0]


def user_words(goal: str, knows: dict[str, Any] | None = None, fmt: Any = None) -> str:
    """A task goal as the user would say what they want: its request (the first sentence that asks
    for something, the headline before any ':' -- the how-to steps after it are the assistant's
    business), in the first person ("your card" -> "my card"), placeholders filled with what the
    user knows as they would write it (`fmt(key, value)`) except record ids, parenthesised asides
    dropped. Sentences are told apart on the goal before its values go in, so a value holding a
    period ("Apt. 357") or a colon stays whole."""
    knows = knows or {}
    fill = fmt or (lambda k, v: str(v))
    text = _PAREN.sub("", goal)
    # record ids are left for the assistant to ask for (or for the opening to give as a fact); the
    # record they named is the user's own: "a dispute for transaction {transaction_id}" -> "... for my transaction"
    text = _BARE_RECORD.sub(lambda m: m.group(0) if m.group(2) != m.group(3).rsplit("_", 1)[-1]
                            else f"{m.group(1)} my {m.group(2)}", text)
    words = ids_said_as_words(text, knows) if knows else set()  # "... to the premium plan"
    text = re.sub(r"\s*\{(\w+_id|id)\}", lambda m: m.group(0) if m.group(1) in words else "", text)
    sentences = [x.strip() for x in SENTENCE_BREAK.split(text) if x.strip()]  # before filling: "Apt. 357" is one value
    ask = next((i for i, x in enumerate(sentences) if _IMPERATIVE.match(x)), 0)
    chosen = sentences[ask:ask + 1]
    if chosen and _REFERS_BACK.search(chosen[0]):  # "Report it" needs the sentence saying what "it" is
        chosen = [x for x in sentences[:ask] if not _IDENTITY.search(x)][-1:] + chosen
    titled = any(re.search(r":(?:\s|$)", x) for x in chosen)  # "Title: its main step"
    head = " ".join(_request_part(x).strip().rstrip(".!") + "." for x in chosen).rstrip(".")
    head = _PLACEHOLDER.sub(lambda m: fill(m.group(1), knows[m.group(1)]) if m.group(1) in knows else "", head)
    for pattern, mine in _PRONOUNS:
        head = pattern.sub(mine, head)
    head = re.sub(r"\s+([,.])", r"\1", re.sub(r"\s+", " ", head)).strip(" ,;-")
    first, second = (head.split(" ") + ["", ""])[:2]
    if titled and first.lower() in REQUEST_VERBS:  # a document's title: "Navigate Currency Conversions on ..."
        head = sentence_case(head)  # (was said "I need some help with Navigate Currency Conversions ...")
    elif first not in ("I", "I'm", "I've", "My") and re.fullmatch(r"[A-Za-z][a-z'’-]+", first) \
            and not second[:1].isupper():
        head = head[:1].lower() + head[1:]  # a verb phrase: "Freeze my card" -> "freeze my card"; not a
        # name: "Sky Blue", "X server remote connection", "X.509 certificates" (never "I need to x server ...")
    return head or "get some help with my account"
