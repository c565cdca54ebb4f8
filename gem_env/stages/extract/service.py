"""Build a multi-entity domain from an archetype specialised with a document.

Tables: owners (customers) -> main records (cards, orders, ...) -> their records (transactions,
items) and what customers file (disputes, returns), plus a catalog and a hand-off log. Tools are
the operations a real API offers, named verb_object with the parameters it takes; reads return
projections, joined where natural; every write changes a table. Rules the text states become
`require` steps; listed values become enums; ids follow the text's pattern. Workflows: a lookup,
each status action, an edit, and filing a request, sharing the identification step.
"""
from __future__ import annotations

import re
from typing import Any

from ...text import features as tf
from ...text.words import indefinite
from ...tools.render import participle
from .archetypes import Archetype, ARCHETYPES
from .service_registry import FEATURES
from . import service_pairs as pairs
from .service_tools import ToolKit, plural
from .specialise import Specialisation, specialise

MIN_SCORE = 5.0


#: words of a record in a phrase that names none: "in order to", "in the usual order", "order of",
#: "the command line"
_IDIOMS = re.compile(r"\bin\s+(?:(?:the|their|its|this|that|any|reverse|alphabetical|chronological|"
                     r"the\s+same|the\s+usual|the\s+right|the\s+correct)\s+)?order\b|\border\s+of\b|"
                     r"\border\s+in\s+which\b|\bin\s+return\b|\bcommand[\s-]+lines?\b|\blines?\s+of\s+(?:code|text)\b|"
                     r"\bin\s+line\s+with\b", re.I)


def score(arch: Archetype, text: str, title: str) -> float:
    """How much the text is about this archetype's service: the weights of the keywords it uses
    (each once; twice in the title), if it names the main record or its records at all (not in a
    phrase that names none: "in order to" is no order)."""
    words = {tf.lemma(w) for w in re.findall(r"[A-Za-z]+", _IDIOMS.sub(" ", text))}
    title_words = {tf.lemma(w) for w in re.findall(r"[A-Za-z]+", title)}
    nouns = set(arch.main) | set(arch.child) | set(arch.request) | set(arch.catalog)
    nouns |= {arch.move.record} if arch.move else set()
    if not nouns & (words | title_words):
        return 0.0
    return sum(w * (2 if k in title_words else 1) for k, w in arch.keywords.items() if k in words | title_words)


TITLE_SUBJECT = 4.0


def rank(arch: Archetype, text: str, title: str) -> float:
    """`score`, plus TITLE_SUBJECT when the title names what the archetype is about, by the longest
    name any archetype has in it: what the text is about decides between archetypes ("Freeze your
    gym membership" is about a membership, whatever verb it shares with cards; "Set up a payment
    plan" about a payment plan, not a payment), but not whether the text is a service's at all."""
    said = _title_subject(arch, title)
    longest = max(_title_subject(a, title) for a in ARCHETYPES)
    return score(arch, text, title) + (TITLE_SUBJECT if said and said == longest else 0.0)


def _title_subject(arch: Archetype, title: str) -> int:
    """How many words the longest name of the archetype's main record or request has that the title
    says ("payment plan": 2), or 0."""
    low = " " + " ".join(tf.lemma(w) for w in re.findall(r"[A-Za-z]+", title)) + " "
    names = [n.split("_") for n in (*arch.main, *arch.request)]
    return max((len(n) for n in names if f" {' '.join(tf.lemma(w) for w in n)} " in low), default=0)


SURE_SCORE = 8.0
#: words of a text about a service's customers (not a how-to for one's own things)
SERVICE_CUES = frozenset({"customer", "agent", "account", "online", "app", "website", "support", "policy",
                          "member", "user", "we", "our", "us", "request", "eligible", "fee", "tool",
                          "settings", "dashboard", "portal", "bank", "banking"})


#: the customer spoken of as a third party ("Ask the customer for ...", "Customer has a question"): a
#: guideline for the staff who serve customers, not a how-to for one's own things
_SERVES_CUSTOMERS = re.compile(r"(?:\b(?:the|a|each|every|your)\s+|^\s*|[.!?]\s+)customer(?:'s|s)?\b"
                               r"(?!\s+(?:service|support|care|representative))", re.I | re.M)


def serves_customers(text: str, times: int = 2) -> bool:
    """Whether the text is written for staff serving customers (`_SERVES_CUSTOMERS` `times` times)."""
    return len(_SERVES_CUSTOMERS.findall(text)) >= times


def pick(text: str, title: str) -> Archetype | None:
    """The archetype the text is most about (`rank`) among those it qualifies for: a `score` of
    SURE_SCORE, or of MIN_SCORE when the text also reads as a service's (three SERVICE_CUES words,
    or "the customer" three times); None when it qualifies for none."""
    service_like = len(SERVICE_CUES & {w.lower() for w in re.findall(r"[A-Za-z]+", text)}) >= 3 \
        or serves_customers(text, 3)
    qualified = [a for a in ARCHETYPES
                 if (got := score(a, text, title)) >= SURE_SCORE or (got >= MIN_SCORE and service_like)]
    if not qualified:
        return None
    return max(qualified, key=lambda a: (rank(a, text, title), -ARCHETYPES.index(a)))


def partner(arch: Archetype, text: str, title: str) -> Archetype | None:
    """The second archetype a text speaks of for the same customer (`service_pairs.partner`): the
    bank account a card draws on."""
    return pairs.partner(arch, text, title, SURE_SCORE, score)


def build_service(arch: Archetype, text: str, *, clock: str, rows: int, title: str = "",
                  second: Archetype | None = None) -> dict[str, Any]:
    """Entities, tools, workflows and policy (domain format, without name/provenance), and the
    spans of the text they came from (``spans``). With `second` (`partner`), the second archetype's
    tables, tools and workflows beside the first's (`service_pairs.merge`)."""
    sp = specialise(arch, text, title)
    if second is None:
        return _built(arch, sp, text, clock=clock, rows=rows, title=title)
    sp2 = specialise(second, text, title)
    if not pairs.part_ways((arch, sp), (second, sp2)):
        return _built(arch, specialise(arch, text, title), text, clock=clock, rows=rows, title=title)
    drawer, drawn = ((arch, sp), (second, sp2)) if arch.draws_on == second.key else ((second, sp2), (arch, sp))
    return pairs.merge(_built(arch, sp, text, clock=clock, rows=rows, title=title),
                       _built(second, sp2, text, clock=clock, rows=rows, title=title),
                       (plural(drawer[1].main), drawer[1].main), (plural(drawn[1].main), drawn[1].main), arch.owner,
                       text=text, second_main=sp2.main)


def _built(arch: Archetype, sp: Specialisation, text: str, *, clock: str, rows: int, title: str) -> dict[str, Any]:
    for feature in FEATURES:  # what each feature reads from the text
        feature.read(sp, arch, text, title)
    kit = ToolKit(arch, sp, clock=clock, rows=rows, title=title)
    return {"entities": kit.entities(), "tools": _said_plainly(kit.tools()), "workflows": kit.workflows(),
            "step_groups": kit.step_groups(), "policy": kit.policy(), "spans": kit.spans}


def _said_plainly(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A rule's message quotes the text without its markdown (`delivered`, **Exchange**): it is
    what the assistant tells the customer. A sentence written to staff ("As a retail agent, you can
    help users ... exchange delivered orders"), or a fragment of one ("return or exchange delivered
    orders"), is said as the rule instead, where its condition is a status one ("Only items of a
    delivered order can be exchanged; this order is pending"); a clause telling staff what to check
    is left out."""
    for tool in tools:
        for step in tool["effect"]:
            if isinstance(step.get("message"), str):
                step["message"] = _TO_STAFF_CLAUSE.sub("", re.sub(r"`|\*\*", "", step["message"]))
                said = step["message"]
                rule = _status_rule(tool["name"], step.get("require", ""))
                if rule and (_TO_STAFF.search(said) or said[:1].islower()):
                    step["message"] = rule
    return tools


_TO_STAFF = re.compile(r"\b(?:as an? [\w -]{0,30}agent|you (?:can|may|should) help|the user|users)\b", re.IGNORECASE)
#: a clause telling staff what to do, after the rule itself: "..., and you should check its status
#: before taking the action"
_TO_STAFF_CLAUSE = re.compile(r",?\s+and you (?:should|must|need to|have to) (?:check|verify|confirm|make sure|ask|look)"
                              r"\b[^.;]*")
_STATUS_IN = re.compile(r"^(\w+)_row\.status in \[([^\]]*)\]$")


def _status_rule(tool: str, condition: str) -> str | None:
    """The rule a `<noun>_row.status in [...]` condition states, in words, for a tool named
    verb_object ("exchange_item": "Only items of a delivered order can be exchanged; ...")."""
    m = _STATUS_IN.match(condition.strip())
    if m is None or "_" not in tool:
        return None
    noun, allowed = m.group(1), [v.strip(" '\"") for v in m.group(2).split(",") if v.strip()]
    verb, obj = tool.split("_", 1)
    states = " or ".join(allowed)
    head = f"Only {indefinite(noun.replace('_', ' '))} that is {states}" if obj == noun else \
        f"Only {plural(obj.replace('_', ' '))} of {indefinite(states)} {noun.replace('_', ' ')}"
    return f"{head} can be {participle(verb)}; this {noun.replace('_', ' ')} is {{{noun}_row.status}}"


__all__ = ["build_service", "partner", "pick", "rank", "score", "serves_customers", "Specialisation"]
