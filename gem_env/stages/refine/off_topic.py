"""`off_topic`: after their first request the user asks for something the service does not do at
all: what a customer of another business of the run asks ("book a flight from Boston to Denver on
March 3, 2025", said to a bank; never another document of the same bank's, `business`), or an
everyday ask ("arrange a taxi to the airport"). The assistant must say it cannot help with that,
call no tool for it, and go on with the session (`off_topic_declined`).

The ask shares no word with the domain's tools, records and workflows, so nothing the service has
could serve it; another service's ask is taken most of the time when one fits.
"""
from __future__ import annotations

import re

from ...agents.plans import content_words
from ...simulators import phrases as P
from ...simulators.scenario import Request, Scenario
from ...tools import CompiledDomain
from .base import Context, DoesNotApply, Part, Variant


def apply(v: Variant, ctx: Context) -> Variant:
    vocabulary = domain_words(v.compiled)
    other = [a for a in ctx.elsewhere if not content_words(a) & vocabulary]
    everyday = [a for a in P.OFF_TOPIC if not content_words(a) & vocabulary]
    if not other and not everyday:
        raise DoesNotApply("every ask shares a word with the domain")
    ask = ctx.rng.choice(other if other and (not everyday or ctx.rng.random() < 0.7) else everyday)
    scenario = Scenario(persona=v.parts[0].scenario.persona, goal=ask, requests=[
        Request(kind="off_topic", goal=ask, intent=ask)])
    v.parts.insert(1, Part(workflow="", knows={}, scenario=scenario, off_topic=True))
    v.plan.off_topic = [*v.plan.off_topic, ask]
    return v


def business(doc_id: str) -> str:
    """The business a document is of, from its id: a corpus of one organisation's documents is one
    business (a bank's knowledge base, `tau2-banking-kb:doc_...`; a retailer's guidelines,
    `abcd-guideline:Order Issue/...`), a repository of several services is one per service folder
    (`...:data/tau2/domains/airline/policy.md`: airline, as any corpus's airline), and loose
    documents one per folder (`bank/freeze-a-card.md`: bank; one outside any folder is its own).
    A customer of the same business asks what this service does too (a bank's "schedule a payment"
    is no off-topic ask at a bank's card desk)."""
    corpus, sep, path = doc_id.partition(":")
    if not sep:
        corpus, path = "", doc_id
    folders = path.split("/")[:-1]
    for i, folder in enumerate(folders[:-1]):
        if folder in ("envs", "domains"):
            return folders[i + 1]  # (τ-bench's retail and τ²-bench's retail are one kind of business)
    if corpus:
        return corpus
    return folders[0] if folders else path


def domain_words(compiled: CompiledDomain) -> set[str]:
    """The words of what the domain has: its tools, their parameters, its records and fields, its
    workflows' goals."""
    texts = [*compiled.tools, *(p.name for t in compiled.tools.values() for p in t.spec.parameters),
             *(w.goal for w in compiled.domain.workflows),
             *(e.name for e in compiled.domain.entities), *(f.name for e in compiled.domain.entities for f in e.fields)]
    return content_words(re.sub(r"[_{}]", " ", " ".join(texts)))
