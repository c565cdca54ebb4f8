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

The text's sentences are chosen here, where the prompt is made, not at extraction: the domain
keeps every sentence the text states, with its span (its provenance: what the text says), and the
task builder (`tasks.make`: which refusals the text states) and the outcomes told (`outcome_texts`)
read them there; only what an agent is given to read is chosen (`read_as_policy`): whole sentences
without markup, never a table row, a heading, a form's label, a placeholder, a click-path on the
customer's screen, a step with a console or tool the service does not have, or one pointing at
text left out. A sentence a tool checks stays whatever its form: a refusal cites it.
"""
from __future__ import annotations

import re
from typing import Any

from ...agents.guidance import outcome_texts
from ...text.words import leading_verb
from ...tools import Domain
from ...tools.model import InsertStep, LetStep, RequireStep, UpdateStep, every_step
from ...tools.render import CHARGED, TOTAL, gerund, singular

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
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_SMALL = frozenset("a an the to of and or is are be can for in on with by at from as it its you your we our this that "
                   "must only not no".split())


def policy_lines(domain: Domain) -> tuple[str, ...]:
    """The policy's lines, in that order, each said once: the text's sentences an agent reads as
    rules (`read_as_policy`; one a tool checks always, as its refusal cites it), the outcomes
    told, the rules enforced and the terms of the sums worked out (each cleaned of markup)."""
    tools = frozenset(t.name for t in domain.tools)
    checked = {_norm(st.message) for t in domain.tools for st in every_step(t.effect or [])
               if isinstance(st, RequireStep) and st.message}
    to_customer = _to_customer(domain)
    text_rules = [read_as_policy(p.text, tools, to_customer) or (_unmarked(p.text) if _norm(p.text) in checked
                                                                 else "") for p in domain.policy]
    conditions = [(st.require, st.message) for t in domain.tools for st in every_step(t.effect or [])
                  if isinstance(st, RequireStep)]
    text_rules = [r for r in text_rules if not r or _norm(r) in checked or not unenforced_eligibility(r, conditions)]
    title = _norm(re.sub(r"\s*[(\[].*$", "", domain.description))
    outcomes = [t for t in outcome_texts(domain) if _norm(t) != title and not _cut(t)]  # no heading, no cut line
    told = [_unmarked(t) for t in outcomes + _enforced(domain) + _price_terms(domain)] + offer_lines(domain)
    lines: list[str] = []
    for text in text_rules + told:
        text = " ".join(text.split())
        if text and not _said(text, lines):
            lines.append(text)
    return tuple(lines)


def offer_lines(domain: Domain) -> list[str]:
    """What the text has the assistant offer once a request's write is done (`WorkflowOffer`), with what
    to do on either answer ("After opening the account, ask the customer whether they would like you to
    transfer the opening deposit from their checking account into the new account now. If they say yes,
    do it; if no, tell them: You have 30 days to fund the account, ...")."""
    out = []
    for wf in domain.workflows:
        if wf.offer is None:
            continue
        write = next((s.tool for s in reversed(wf.steps) if (t := domain.tool(s.tool)) and t.kind == "write"), "")
        verb, _, obj = write.partition("_")
        act = re.sub(r"\s+", " ", re.sub(r"\{\w+\}", "", wf.offer.offer)).replace("your ", "their ").strip()
        after = f"After {gerund(verb)} the {obj.replace('_', ' ')}, " if verb and obj else "Then "
        no = f"; if no, tell them: {wf.offer.if_no}" if wf.offer.if_no else "."
        out.append(f"{after}ask the customer whether they would like you to {act} now. If they say yes, do it{no}")
    return list(dict.fromkeys(out))


# ------------------------------------------------------------------ eligibility no tool checks

#: a requirement on the customer or the record acted on, as a checklist states it ("Customer must be
#: verified", "Account must have been open for at least 3 business days", "Card must not be expired",
#: "Customer cannot have more than 1 active debit cards per checking account", "Savings accounts ...
#: are not eligible", "Editing is locked within 13 hours ...")
_ELIGIBILITY = re.compile(
    r"^(?:the\s+|your\s+|their\s+)?(?:customer|customers|you|account|accounts|card|cards|debit\s+card|transaction|payment"
    r"|member|linked\s+checking\s+account|[a-z]+\s+account)\b[^.;:]{0,40}?\b(?:must\s+(?:already\s+)?(?:be|have|not)"
    r"|cannot\s+(?:exceed|have\s+more\s+than))\b"
    r"|\bnot\s+eligible\b|\bineligible\b|\beligible\s+only\b|\bonly\s+eligible\b"
    r"|\b(?:is|are|remains?)\s+locked\s+within\b|\bmust\s+be\s+within\s+\d", re.IGNORECASE)
#: a number a rule states, and the unit it counts in ("at least 14 days", "$25", "60 days old")
_STATED = re.compile(r"\$?\s?(\d[\d,]*(?:\.\d+)?)(?:\s*(?:business\s+|calendar\s+)?(day|week|month|year|hour)s?\b)?", re.I)
_IN_DAYS = {None: (1,), "day": (1,), "week": (7,), "month": (30, 31), "year": (365,), "hour": (1,)}
_LITERAL = re.compile(r"(?<![\w.'])(\d+(?:\.\d+)?)(?![\w'])")
_STATUS_SAID = re.compile(r"'([A-Za-z ]+)'|\"([A-Za-z ]+)\"|\b([A-Z]{4,})\b")


def unenforced_eligibility(line: str, conditions: list[tuple[str, str]]) -> bool:
    """Whether a policy line states a requirement on the customer or the record acted on
    (`_ELIGIBILITY`) that none of the domain's `require` steps (condition, message) checks. Such a
    line is left out of the prompt: the sandbox lets the write through and the assistant makes it, so
    a conversation that shows the rule and breaks it would teach breaking it (the text keeps it, in
    `domain.policy`). A check is known by what it shares with the line: a figure the line states
    (in days for a time: "at least 14 days" and `>= 14`, "6 months" and `>= 180`), its message or
    most of the message's words, a status the line names ("must be OPEN" and `'open'`), a verified flag or an age ("years old" and
    a date of birth)."""
    s = _unmarked(line)
    label = _LABEL.match(s)
    if not (_ELIGIBILITY.search(s) or label is not None and _ELIGIBILITY.search(label["rest"])):
        return False
    said = _norm(s)
    conds = " ".join(c for c, _ in conditions).lower()
    if any(m and (_norm(m)[:40] in said or said[:40] in _norm(m)) for _, m in conditions if "{" not in m[:40]):
        return False
    content = {w for w in _WORDS.findall(said) if len(w) > 3 and w not in _SMALL}
    if len(content) >= 4 and any(len(content & set(_WORDS.findall(_norm(m)))) * 3 >= len(content) * 2 for _, m in conditions):
        return False  # the check's message says it in other words ("To close this account, you must have ...")
    if re.search(r"\bverified\b", s, re.I) and ".verified" in conds \
            or re.search(r"\byears\s+old\b|\bor\s+older\b", s, re.I) and "date_of_birth" in conds:
        return False
    if any(f"'{w.lower()}'" in conds for m in _STATUS_SAID.finditer(s) for w in m.groups() if w) \
            or any(f"'{w}'" in conds for w in content):  # "must not have any pending ... transactions"
        return False
    literals = {float(x) for c, _ in conditions for x in _LITERAL.findall(c)}
    for m in _STATED.finditer(s):
        n = float(m.group(1).replace(",", ""))
        if n and any(n * k in literals for k in _IN_DAYS[(m.group(2) or "").lower() or None]):
            return False
    return True


# ------------------------------------------------------------------ the text's sentences an agent reads

#: markup a help centre's page carries: bold, italics by underscores, code ticks
_MARKUP = re.compile(r"\*\*|__|`")
#: what opens a line before its sentence: a heading's hashes, a bullet, a number, a note's label,
#: a guideline's console tag ("[Record Reason] (interaction): ", "[N/A] (communication): ")
_OPENING = re.compile(r"^(?:#+\s*|[-*\u2022]\s+|\(?\d{1,2}[.)]\s+|(?:note|important|tip|reminder)\s*:\s*"
                      r"|\[[^\]\n]*\]\s*\([^)\n]*\)\s*:\s*)", re.IGNORECASE)
#: no sentence: a placeholder or console action left in brackets ("[value not available]", "enter
#: into [Verify Identity]"), braces, a table's cells, a flow's arrows ("'Order Received' > Then ..."),
#: a guideline's "<or>", a call's signature ("deposit_check(account_id, ...)")
_NOT_PROSE = re.compile(r"[\[\]{}|]|\s(?:>|->|=>|\u2192)\s|<or>|<and>|\b[a-z]+(?:_[a-z0-9]+)+\s*\(")
#: what the service's sandbox has none of: an agent desk's console (the oracle, a knowledge-base
#: query, a survey, a form, buttons), the customer's screens, talk of the tools themselves
_DESK = re.compile(r"\b(?:oracle|kb query|survey|the form|buttons?|click(?:s|ing)?|tap(?:s|ping)?|on-screen"
                   r"|screens?|dropdown|drop-down|checkbox|icons?|menus?|copy/paste|tool signature|call directly"
                   r"|when to call|tool usage|parameters?|the api|this tool|call (?:it|them|the tool))\b"
                   r"|\bconversation (?:is|as) (?:\w+ )?(?:not )?successful\b", re.IGNORECASE)
#: a control or step the customer works on their own screen: "Select ...", "Tap ...", "Log in ..."
_UI_VERBS = frozenset("click tap select press enter type navigate go log sign scroll swipe drag toggle upload "
                      "download install launch".split())
#: what points at text the policy does not show: "listed above", "the items below", "If yes, ..."
_ELSEWHERE = re.compile(r"\b(?:above|below)(?=\s*[.,;:)!]|\s*$)|\b(?:listed|described|shown|outlined|mentioned"
                        r"|items?|steps?|rules?|tiers?|table|sections?|circumstances) (?:above|below)\b"
                        r"|\bthe following\b|\bas follows\b|^if (?:yes|no|not|so)\b|\bsteps? \d+\b", re.IGNORECASE)
#: a label before a sentence ("Account Age: The account must be ...") or a value ("Early closure
#: fee: $15 if ..."); one in lower case names a parameter ("amount: the required ..."), one before
#: " - " a form's entry ("Username - occasionally, ...")
_LABEL = re.compile(r"^(?P<label>[^:.!?]{1,60}?)\s*:\s+(?P<rest>.+)$")
#: a step's label that names a price ("Check the price", "Review the fees") and a sum said first after it
_PRICE_STEP = re.compile(r"^[A-Z][a-z]+\s+(?:the|your)\s+(?P<noun>prices?|fees?|costs?|charges?)$", re.IGNORECASE)
_MONEY_FIRST = re.compile(r"^[$\u20ac\u00a3]\s?\d")
_HEADING = re.compile(r"[^.!?:;,]*[^.!?:;,\s]")
_ENTRY = re.compile(r"^[\w' ]{1,30} - (?=[a-z])")
#: a sentence two were cut into ("To get their username, you must That's it.")
_GLUED = re.compile(r"\b(?:must|should|can|will|may|to|and|or|the)\s+(?:That|This|It|They|Then|The)\b")
#: a clause's verb, for a line that ends with no stop: "Customer must be verified", "Block takes
#: effect within 24 hours" (not a heading: "Required Security Check", "Ongoing minimum balance")
_VERB = re.compile(r"\b(?:is|are|was|were|be|been|being|must|may|might|can|cannot|can't|could|will|won't|would"
                   r"|should|shall|do|does|did|don't|doesn't|isn't|aren't|wasn't|weren't|has|have|had|needs?"
                   r"|requires?|applies|apply|takes?|gets?|counts?|expires?|allows?|means|stays?|affects|covers"
                   r"|includes|changes|appears|shows|remains|arrives|lasts|equals|returns|depends|receives|earns"
                   r"|costs|charges|goes|comes|starts|ends|begins)\b", re.IGNORECASE)
#: the word a cut sentence stops at ("Apologise, explain that the fee was")
_OPEN_END = re.compile(r"\b(?:the|a|an|of|to|and|or|with|for|by|from|in|on|at|that|was|is|are|be|your|their|its|our"
                       r"|if|than|as|e\.g|i\.e|ie|vs)\.?$", re.IGNORECASE)
#: a condition ("If ...", "When ...") and what it leads to: a clause after a comma (not one joined
#: by "and": "If the customer is not satisfied with your answer, and would like to change ..."), or "then"
_CONDITION = re.compile(r"(?:only )?(?:if|when|unless|once)\b", re.IGNORECASE)
_MAIN_CLAUSE = re.compile(r"[,;:]\s+(?!(?:and|or|but)\b)|\bthen\b", re.IGNORECASE)
#: a heading: its words capitalised (small ones aside), or a step's number before it
_TITLED = re.compile(r"(?:(?:[A-Z0-9][\w'\u2019/&+-]*|a|an|the|of|to|and|or|for|in|on|at|by|with|is|are|not)"
                     r"[:,]?\s*)+")
_STEP = re.compile(r"(?:step|phase|part|stage)\s+\d+\b", re.IGNORECASE)
_SUBJECTLESS = re.compile(r"(?:cannot|can't|can|must|may|should|will|is|are|has|have|required|not)\b", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*\([^()]*\)")
_ABBREVIATED = re.compile(r"\b(?:e\.g|i\.e|ie|etc|vs)\.$", re.IGNORECASE)
_AMOUNT_SAID = re.compile(r"[$\u20ac\u00a3]\s?\d|\d\s?%|\b\d+[\s-]+(?:days?|months?|years?|hours?|business days?)\b")
#: a tool's name: an action on a thing ("get_user_details", "transfer_to_human_agents") or a numbered
#: one ("open_bank_account_4821"); not a field's ("user_id", "issue_reason", "credit_type")
_TOOL_NAME = re.compile(r"^(?:(?:get|list|find|search|update|create|cancel|transfer|apply|submit|call|unlock"
                        r"|order|open|close|freeze|unfreeze|file|check|reset|reboot|grant|refresh|deposit|send|make|book|modify|remove"
                        r"|add|exchange|return|calculate|change|set|enable|disable|toggle|pay|issue|log|record|request"
                        r"|schedule|lookup|view|think)_[a-z0-9_]+|[a-z0-9_]+_\d{3,})$")
_YOU = re.compile(r"\byou(?:r|rs|rself)?\b", re.IGNORECASE)
_SERVED = re.compile(r"\b(?:the (?:customer|user|caller|member|account holder)s?|agents?)\b", re.IGNORECASE)


def read_as_policy(text: str, tools: frozenset[str] = frozenset(), to_customer: bool = False) -> str:
    """The sentence as an agent's policy says it, or "" when the text's sentence is none a support
    agent reads as a rule: a table row, a heading or a form's label, a placeholder, a cut sentence
    or a question, a step on the customer's screen (or, where the text speaks to the customer
    (`to_customer`), any step they take: "Plan your purchases early ..."), a step on a console or
    with a tool the service has none of ("[Ask the Oracle] ...", "which you enter into [Verify
    Identity]", a snake_case name that is not one of `tools`), or one pointing at text left out
    ("the items below", "If yes, ..."). Markup goes ("**Card Status**: ...", a bullet, "Note: "),
    and a whole clause a list wrote with no stop gets one ("Customer must be verified.")."""
    s = _unmarked(text, stop=False)
    if not s or _NOT_PROSE.search(s) or _DESK.search(s) or _ELSEWHERE.search(s) or _GLUED.search(s) \
            or _ENTRY.match(s) or s.endswith((":", "?", "\u2026", "...")) or _ABBREVIATED.search(s):
        return ""
    if not (s[0].isupper() or s[0].isdigit() or s[0] in "\"'\u201c\u2018") or not _balanced(s):
        return ""  # a cut sentence's tail ("there was a price surge ...", "% cash back ...")
    if any(_TOOL_NAME.match(name) and not _has_tool(name, tools) for name in _SNAKE.findall(s)):
        return ""  # a step with a tool the service has none of
    label = _LABEL.match(s)
    if label is not None and (label["label"][:1].islower() or label["label"][:1] in "\"'\u201c\u2018"):
        return ""  # a parameter's description ("amount: the required ...", "'atm deposit not credited': ...")
    verb = leading_verb(s)
    if verb is not None and label is not None and (priced := _PRICE_STEP.match(label["label"])) \
            and _MONEY_FIRST.match(label["rest"]):  # "Check the price: $35 for the first extra bag ...":
        noun = priced["noun"].lower()  # a step that states what a change costs: the price is policy
        return f"The {noun} {'are' if noun.endswith('s') else 'is'} {label['rest']}"
    if verb in _UI_VERBS or verb is not None and to_customer:
        return ""  # a step the customer takes: the agent tells it, it binds no one
    if _SUBJECTLESS.match(s):
        return ""  # a list's item said of what its heading named ("Cannot be sequential (e.g., 1234)")
    if _CONDITION.match(s) and not _MAIN_CLAUSE.search(s):
        return ""  # a condition leading to nothing ("If the customer is not satisfied ..., and would like ...")
    clause = _BRACKETED.sub("", label["rest"] if label is not None else s)  # a verb in brackets makes no clause
    whole = bool(_VERB.search(clause) or leading_verb(clause)
                 or label is not None and (_VERB.search(label["label"]) or _AMOUNT_SAID.search(clause)))
    if s[-1] in ".!\"'\u201d\u2019" or s.endswith((".)", "!)")):
        return s if whole or label is None else ""  # no heading before a phrase ("...: The most common reasons.")
    if _TITLED.fullmatch(s) or _STEP.match(s):
        return ""  # a heading: "Confirm Requested Amount is Within Limits", "Step 2: ..."
    return f"{s}." if whole and len(s.split()) >= 4 and not _OPEN_END.search(s) else ""


def _unmarked(text: str, stop: bool = True) -> str:
    """The text without its markup (bold, a bullet, a note's label, a console tag), one line; with
    `stop`, a full stop where a list left none (not after a cut sentence's last word)."""
    lines = [line.strip() for line in _MARKUP.sub("", text).splitlines() if line.strip()]
    while len(lines) > 1 and _HEADING.fullmatch(lines[0]) and not _VERB.search(lines[0]) \
            and lines[1][:1].isupper():
        lines = lines[1:]  # a heading the sentence came with ("Prerequisites for Mobile Data")
    s = " ".join(" ".join(lines).split())
    while True:
        opened = _OPENING.sub("", s, count=1).strip()
        if opened == s:
            break
        s = opened
    if stop and s and s[-1] not in ".!?:;\"'\u201d\u2019)\u2026" and not _OPEN_END.search(s):
        s += "."
    return s


_ENUMERATOR = re.compile(r"(?:^|\s)(?:\d{1,2}|[a-z])\)")
"""An inline list's number ("1) Customer must be verified, 2) ..."), which closes no bracket."""


def _balanced(s: str) -> bool:
    """Whether brackets and double quotes open and close in pairs (a cut sentence's do not)."""
    s = _ENUMERATOR.sub("", s)
    return s.count("(") == s.count(")") and s.count('"') % 2 == 0 and s.count("\u201c") == s.count("\u201d")


def _has_tool(name: str, tools: frozenset[str]) -> bool:
    """Whether the service has the tool the text names, by that name or its own: the text's name,
    its number left off, holds every word of one of `tools` ("open_bank_account_4821" is
    open_account's, "transfer_funds_between_bank_accounts_7291" transfer_funds')."""
    words = set(re.sub(r"_\d+$", "", name).split("_"))
    return name in tools or any(set(tool.split("_")) <= words for tool in tools)


def _cut(text: str) -> bool:
    """Whether a line stops where a sentence goes on ("Apologise, explain that the fee was")."""
    s = " ".join(text.split())
    return not s.endswith((".", "!", "?", ")", '"', "\u201d")) and bool(_OPEN_END.search(s))


def _to_customer(domain: Domain) -> bool:
    """Whether the text speaks to the customer ("your card", "you can ..."), never of the customer or
    an agent: its instructions are then the customer's steps, not the agent's."""
    texts = [p.text for p in domain.policy] + [s.text for s in domain.provenance.spans] if domain.provenance \
        else [p.text for p in domain.policy]
    return any(_YOU.search(t) for t in texts) and not any(_SERVED.search(t) for t in texts)


def _norm(text: str) -> str:
    return " ".join(_MARKUP.sub("", text).split()).lower().rstrip(".")


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
