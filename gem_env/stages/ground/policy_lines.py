"""The lines of the assistant's policy: every rule its tools enforce and every outcome it tells.

The offline assistant refuses by the rules the tools check ("Only an account that is open can be
closed") and tells what happens next from the text ("The first deposit arrives within 1 business
day"). A model trained on those conversations learns to say them, so its system prompt must hold
them: otherwise it learns to cite rules it was never given. The policy is the domain's own rule
sentences, then the outcome sentences the assistant may tell, then each rule a tool enforces that
the lines before do not already say; what reads as a fact about one record ("This doctor is not
accepting patients", "An item is listed more than once"), a lookup's miss or a procedure's step
order is no rule.
"""
from __future__ import annotations

import re

from ...agents.guidance import outcome_texts
from ...tools import Domain
from ...tools.model import RequireStep, every_step

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
    for text in [p.text for p in domain.policy] + outcome_texts(domain) + _enforced(domain):
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
