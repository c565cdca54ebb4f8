"""The lines of the assistant's policy: every rule its tools enforce and every outcome it tells.

The offline assistant refuses by the rules the tools check ("Only an account that is open can be
closed") and tells what happens next from the text ("The first deposit arrives within 1 business
day"). A model trained on those conversations learns to say them, so its system prompt must hold
them: otherwise it learns to cite rules it was never given. The policy is the domain's own rule
sentences, then the outcome sentences the assistant may tell, then each rule a tool enforces that
the lines before do not already say, then the terms of every sum a tool works out (its fees, its
tiers' prices), which the assistant states before a change; what reads as a fact about one record ("This doctor is not
accepting patients", "An item is listed more than once"), a lookup's miss or a procedure's step
order is no rule.
"""
from __future__ import annotations

import re
from typing import Any

from ...agents.guidance import outcome_texts
from ...tools import Domain
from ...tools.model import InsertStep, LetStep, RequireStep, UpdateStep, every_step
from ...tools.render import CHARGED, TOTAL, singular

#: a check's message that states no rule: a step out of order, a lookup's miss, a fact of the
#: record at hand, a value the records do not hold or already hold
_NOT_A_RULE = re.compile(r"^(?:out of order\b|no \w+ (?:for|with|of|on)\b|there (?:is|are) no\b|not (?:yet|enough)\b"
                         r"|(?:this|that|these|those|it|its)\b)|does not match|\balready\b", re.IGNORECASE)
#: what a rule says: what must, may or can be, and its bounds ("An item is listed more than once" says none)
_RULE_WORD = re.compile(r"\b(?:must|only|can|cannot|can't|may|needs?|at (?:most|least)|no more than|up to|required|"
                        r"allowed|eligible|within|before|after|unless)\b", re.IGNORECASE)
#: an aside about the record at hand: "(this account is {account_row.status})", "; this order is {...}"
_ASIDE = re.compile(r"\s*\([^()]*\{[^()]*\}[^()]*\)|;\s*this [^;{]*\{[^;]*$")
#: a check of a record's status said of the record at hand ("A card that is {card_row.status} cannot be
#: changed"), and the statuses it allows: said as the rule ("Only a card that is active can be changed")
_OF_STATUS = re.compile(r"^(?:an?|the|this) (?P<noun>[a-z]+(?: (?!that\b)[a-z]+)?) (?:that )?is "
                        r"\{(?P<row>\w+)\.status\}(?:,? and|, so it)? cannot (?P<act>[^{}]+?)\.?$", re.IGNORECASE)
#: a check of a record's flag said of the record at hand ("This doctor is not accepting patients")
_OF_FLAG = re.compile(r"^(?:this|that|the) (?P<noun>[a-z]+(?: [a-z]+)?) (?P<not>hasn't been|has not been|is not|isn't) "
                      r"(?P<state>[a-z][a-z ]*?)(?: yet)?\.?$", re.IGNORECASE)
_FLAG = re.compile(r"^\w+_row\.\w+$")
_ALLOWED = re.compile(r"^(?P<row>\w+)\.status (?:in \[(?P<many>[^\]]*)\]|== '(?P<one>[^']*)')$")
_WORDS = re.compile(r"[a-z0-9$%]+(?:[.,]\d+)?")
_SMALL = frozenset("a an the to of and or is are be can for in on with by at from as it its you your we our this that "
                   "must only not no".split())


def policy_lines(domain: Domain) -> tuple[str, ...]:
    """The policy's lines, in that order, each said once."""
    lines: list[str] = []
    for text in [p.text for p in domain.policy] + outcome_texts(domain) + _enforced(domain) + _price_terms(domain):
        text = " ".join(text.split())
        if text and not _said(text, lines):
            lines.append(text)
    return tuple(lines)


def _enforced(domain: Domain) -> list[str]:
    """The rules the tools check, as general sentences (an aside about the record at hand left out)."""
    out = []
    for tool in domain.tools:
        for step in every_step(tool.effect or []):
            if isinstance(step, RequireStep):
                text = _status_rule(step) or _flag_rule(step, tool.description) or _ASIDE.sub("", step.message).strip()
                if text and "{" not in text and _RULE_WORD.search(text) and not _NOT_A_RULE.search(text):
                    out.append(text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else "."))
    return out


#: a price by a tier, cheapest first ("(1.6 if cabin == 'premium' else 3 if cabin == 'business' else 1)")
_TIER = re.compile(r"\(((?:[\d.]+ if (\w+) == '[^']+' else )+)1\)")
_TIER_CASE = re.compile(r"([\d.]+) if \w+ == '([^']+)'")
#: a catalog entry's price times a count: "(flight_row).price * passengers"
_PER = re.compile(r"\(?(\w+)_row\)?\.(\w*(?:price|rate|fee)) \* (\w+)\b")
_AMOUNT = re.compile(r"(?<![\w.'])(\d+(?:\.\d+)?)(?![\w.'])")
_ROUNDED = re.compile(r",\s*\d+\)")


def _price_terms(domain: Domain) -> list[str]:
    """The terms of every sum a tool works out before the assistant tells it (a fee, what a change
    charges, a new record's total), so that the sum can be worked out from the prompt and the
    records read, as the offline assistant works it out: the text's sentences stating an amount the
    tool's arithmetic uses ("`Classic` fares can be changed for a fee of $60 per passenger ..."),
    and a price by a tier that the archetype sets where the text is silent ("Prices shown are for
    the economy cabin: premium costs 1.6 times as much and business 3 times as much.")."""
    sums = [e for tool in domain.tools for e in _sum_expressions(tool.effect or [])]
    if not sums:
        return []
    out: list[str] = []
    for expr in sums:
        for m in _PER.finditer(expr):
            each = singular(m[3].replace("_", " "))
            if each not in m[2]:  # "a room's nightly rate is per night" says nothing
                out.append(f"A {m[1].replace('_', ' ')}'s {m[2].replace('_', ' ')} is per {each}.")
        for m in _TIER.finditer(expr):
            out.append(_tier_sentence(domain, m[2], _TIER_CASE.findall(m[1])))
    # the numbers the arithmetic uses, not its tiers' factors nor the places it rounds to
    amounts = {float(a) for e in sums for a in _AMOUNT.findall(_ROUNDED.sub(")", _TIER.sub("", e)))} - {0.0}
    spans = [" ".join(s.text.split()) for s in domain.provenance.spans] if domain.provenance else []
    for text in spans:
        said = {float(a.replace(",", "")) for a in re.findall(r"\$(\d[\d,]*(?:\.\d+)?)", text)}
        if said & amounts:
            out.append(text)
    return [t for t in out if t]


def _sum_expressions(steps: list[Any]) -> list[str]:
    """The expressions of the sums an effect works out: a fee or a charge it binds, a total it sets."""
    out = []
    for st in every_step(steps):
        named = (st.let if isinstance(st, LetStep) else st.values if isinstance(st, InsertStep)
                 else st.set if isinstance(st, UpdateStep) else {})
        out += [e for k, e in named.items() if isinstance(e, str) and not re.fullmatch(r"[\w.()]+", e)
                and (k.endswith("fee") or CHARGED.match(k) or TOTAL.search(k))]
    return out


def _tier_sentence(domain: Domain, field: str, cases: list[tuple[str, str]]) -> str:
    """"Prices shown are for the economy cabin: premium costs 1.6 times as much and business 3
    times as much.": the tier priced first from the field's values (cheapest first)."""
    values = next((f.values for e in domain.entities for f in e.fields if f.name == field and f.values), None)
    priced = {v for _, v in cases}
    base = next((str(v) for v in values or [] if str(v) not in priced), None)
    if base is None:
        return ""
    told = [f"{v} costs {float(x):g} times as much" if not i else f"{v} {float(x):g} times as much"
            for i, (x, v) in enumerate(cases)]
    return f"Prices shown are for the {base} {field.replace('_', ' ')}: {' and '.join(told)}."


def _status_rule(step: RequireStep) -> str | None:
    """"Only a card that is active or frozen can be closed", from a status check and its message."""
    said, allowed = _OF_STATUS.match(" ".join(step.message.split())), _ALLOWED.match(step.require.strip())
    if said is None or allowed is None or said["row"] != allowed["row"]:
        return None
    states = re.findall(r"'([^']*)'", allowed["many"]) if allowed["many"] is not None else [allowed["one"]]
    if not states:
        return None
    noun = said["noun"].lower()
    which = states[0] if len(states) == 1 else f"{', '.join(states[:-1])} or {states[-1]}"
    return f"Only {'an' if noun[0] in 'aeiou' else 'a'} {noun} that is {which} can {said['act']}"


def _flag_rule(step: RequireStep, description: str) -> str | None:
    """"To schedule a payment, the contact must have been verified", from a check of a record's flag
    (`contact_row.verified`) and its message of the record at hand ("This contact hasn't been
    verified yet"), with what the tool does from its description."""
    said, flag = _OF_FLAG.match(" ".join(step.message.split())), _FLAG.match(step.require.strip())
    action = re.sub(r"\s+for (?:a|an|the) \w+$", "", description.strip().split(". ")[0].rstrip("."))
    if said is None or flag is None or not action:
        return None
    must = "must have been" if "been" in said["not"] else "must be"
    return f"To {action[:1].lower()}{action[1:]}, the {said['noun'].lower()} {must} {said['state']}"


def _said(text: str, lines: list[str]) -> bool:
    """Whether a line already says it: its words (all but the small ones) in one line before."""
    words = set(_WORDS.findall(text.lower())) - _SMALL
    return any(words <= set(_WORDS.findall(line.lower())) for line in lines)
