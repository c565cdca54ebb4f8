"""Why a customer says no at the confirmation: a reason that fits what the confirmation just told
them (a fee it named, the money it moves, what the record holds now, the date it is for, the shop a
charge is from), else one a person has of their own ("I want to check with my partner first").

A customer who has just asked for something and turns it down when it is read back has learnt
something from the read-back, or wants to wait: a bare "No, not right now." teaches that a
confirmation is a coin toss. Every decline starts with a word the assistant and the verifier read
as no (`NO_START`); the reason never says "<name> is <value>", which the assistant would read as a
value changed ("the spending limit is $4,000"), and never a reason a tool takes in its words."""
from __future__ import annotations

import random
import re


NO_START = ["No,", "No thanks,", "Actually, no,", "Nope,", "No, sorry,", "No, hang on,"]
_MONEY = r"\$[\d,]+(?:\.\d\d)?"
_DATE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December) "
         r"\d{1,2}, \d{4}")
# what the confirmation may say, and the reasons a customer gives on hearing it ({v}: the value)
_FEE = re.compile(rf"\b(?:the|an?) ((?:[a-z]+ ){{0,2}})fee (?:would be|will be|is|of) ({_MONEY})|"
                  rf"\bfee of ({_MONEY})|\b(?:cost|charge) (?:you )?({_MONEY})")
_FEE_RISES = re.compile(rf"\b((?:[a-z]+ )?fee) (?:would|will) (?:rise|go up) to ({_MONEY})")
_MOVED = re.compile(rf"\btransfer ({_MONEY})\b|\bbalance will go down by ({_MONEY})")
_BALANCE = re.compile(rf"\bwith an? ({_MONEY}) balance(?! due)")
_DUE = re.compile(rf"({_MONEY}) balance due\b")
_NOW = re.compile(rf"\b(?:At the moment|Right now|Currently|As it stands|For now),? "
                  rf"(?:the [a-z][a-z ]*? is|it's set for|it's|it is) (.+?)\.(?=\s+[A-Z]|\s*$)")
_MERCHANT = re.compile(r"\b(?:transaction|charge|purchase) at ([A-Z][^.]*?)(?:, with\b|, for\b|\.(?=\s|$))")
_WHEN = re.compile(rf"\b(?:starting|traveling on|departing|leaving|scheduled for|set for|due on) ({_DATE})")
_ALSO = re.compile(r"\b(?:will|would|we'll|I'll) also ([a-z][^.?!]*)")
_HANDOFF = re.compile(r"\bto a person\b|\bto (?:a|our|the) (?:colleague|specialist|team)\b", re.IGNORECASE)
_NONE = re.compile(r"^\$0(?:\.00)?$")
_ENDS = re.compile(r"\b(?:close|cancel)\b", re.IGNORECASE)
"""A confirmation that ends the record (what is left in it or owed on it is a reason to wait)."""

FEE = ["I didn't realise there'd be a {v} {name}fee.", "I didn't know it would cost me {v}.",
       "{v} is more than I want to pay for that.", "I'm not paying {v} for that right now.",
       "with a {v} fee it isn't worth it for me."]
FEE_RISES = ["I didn't realise the {name} would go up to {v}.", "{v} is more than I want to pay each time.",
             "I can't have the {name} going up to {v} right now."]
MOVED = ["{v} is more than I want to move right now.", "I'd rather keep the {v} where it is for now.",
         "I need to check what's still going out before I move {v}.", "I should check my bills before moving {v}."]
BALANCE = ["I've still got {v} in there, so I'll move it out first.", "there's still {v} in that one; I'll sort that out first.",
           "I didn't realise I had {v} left in it. I'll deal with that first."]
DUE = ["I'd like to pay off the {v} I owe first.", "I didn't realise I still owed {v}. I'll clear that first.",
       "I want to settle the {v} first and then come back."]
NOW = ["{v} works for me after all, so I'll keep it.", "now that I see it's {v}, I'll leave it as it is.",
       "{v} is fine for now, I think.", "I'll keep it as {v} for now."]
# the same when what it is now is long or exact to the cent (an address, $567.42): nobody recites it
NOW_UNSAID = ["what's there now works for me after all, so I'll keep it.", "now that I see it, I'll leave it as it is.",
              "I'll keep it as it is for now.", "the current one is fine for now, I think."]
_RECITED = re.compile(r",\s|\.\d\d\b|(?:\S+\s+){3}\S")
"""A value a person would not say back: an address (a comma and a space), cents, or four words or more."""
MERCHANT = ["I'd like to try {v} myself first.", "let me contact {v} first; it may be a mistake on their side.",
            "I think I'll give {v} a call first and see if they'll sort it out."]
WHEN = ["I need to check my calendar for {v} first.", "let me make sure about {v} before we change anything.",
        "I want to see if {v} still works for me first."]
ALSO = ["I didn't realise it would also {v}.", "I didn't know it would {v} as well.",
        "I don't want it to {v}, so let's leave it for now."]
HANDOFF = ["I'd rather try to sort it out myself first.", "I think I can manage it on my own after all.",
           "I'll have another go myself before bothering anyone."]
GUIDED = ["I haven't been through the steps yet.", "I haven't had a chance to do them yet.",
          "I still need to do those steps first."]
# a reason of the customer's own, by what the change does (`act`): money only where money moves or
# a price applies, and a partner's or family's say only where the household's money or a thing it
# shares ends; a protective change (a freeze, a dispute) is not put off for a weekend; a free one
# (a promo code, a refund) is never weighed against a budget
OWN_BY_ACT = {
    "money": ["I want to check with my partner first.", "I need to talk it over with my family first.",
              "I'd like to look at my budget before I do that.", "I should run it past my accountant first.",
              "I'd like to sleep on it before I decide.", "I'd rather wait until after the weekend.",
              "I need to check a couple of things on my side first.", "I'd like to think it over a little first."],
    "buys": ["I want to check with my partner first.", "I need to talk it over with my family first.",
             "I'd like to sleep on it before I decide.", "I'd rather wait until after the weekend.",
             "I need to check a couple of things on my side first.", "I want to read up on it a bit more first.",
             "I'd like to compare a few options first.", "I'm not sure I'm ready for that yet."],
    "ends": ["I want to check with my partner first.", "I need to talk it over with my family first.",
             "I'd like to sleep on it before I decide.", "I'd rather wait until after the weekend.",
             "I didn't realise it would happen straight away.", "I need to check a couple of things on my side first.",
             "I'm not sure I'm ready for that yet.", "I'd like to think it over a little first."],
    "details": ["I didn't realise it would happen straight away.", "I thought it would take effect later, not right now.",
                "I want to read up on it a bit more first.", "I'd rather wait until after the weekend.",
                "I need to check a couple of things on my side first.", "I'd like to double-check the details first.",
                "I want to be sure it's right before it changes.", "I'd like to think it over a little first."],
    "protect": ["I want to check a couple of things on my side first.", "I want to read up on it a bit more first.",
                "I didn't realise it would happen straight away.", "I'd like to double-check something first.",
                "I want to have another look on my side first."],
    "free": ["I want to read up on it a bit more first.", "I need to check a couple of things on my side first.",
             "I didn't realise it would happen straight away.", "I'd rather leave it for another time.",
             "I'd rather save it for later."],
}
OWN = list(dict.fromkeys(r for bank in OWN_BY_ACT.values() for r in bank))
"""Every reason of the customer's own."""
# the customer's own reason about this record alone, when the same change is made on another of
# theirs in the same visit (a fee, a wait or a partner's say would hold for that one too)
THIS_ONE = {
    "ends": ["I think I'll keep that one a while longer.", "I'd rather hold on to that one for now.",
             "I'll keep that one open for now after all.", "I've changed my mind about that one; it can stay.",
             "I'd like to keep that one going a bit longer."],
    "other": ["I'd rather leave that one as it is for now.", "I think that one is fine as it is for now.",
              "let's leave that one alone for now.", "I've changed my mind about that one; it's fine as it is.",
              "I'm happy with that one the way it is, actually.", "I'll leave that one be for now."],
}
_FAULT = re.compile(r"\b(?:damaged|defective|broken|faulty|wrong|fraud|stolen|lost|never (?:arrived|made)|"
                    r"not (?:received|as described)|charged twice|duplicate)\b", re.IGNORECASE)
"""A reason that says something is wrong with the record (in the customer's words or the
confirmation's "because ..."): it is then not "fine as it is"."""
_CONTENT = re.compile(r"\b(?:fine|happy)\b")
# when they later ask for a person about it: what they want first
TALK_IT_OVER = "want to talk it over with someone first"
"""The note a customer leaves for a person about a change they turned down (`session._what_happened`)."""
PERSON = ["I'd like to talk it over with someone first.", "I'd rather go through it with someone first.",
          "I want to talk it over with someone before I decide.", "I'd prefer to discuss it with someone first."]
_ACTS = [("free", re.compile(r"\b(?:promo|refund|redeem|waive|unfreeze|unlock|unblock|reactivate|extension|reward|"
                             r"points|return|remove the (?:[a-z]+ )?fees?)\b", re.IGNORECASE)),
         ("protect", re.compile(r"\b(?:freeze|lock|block|suspend|dispute|report|complaint|fraud|stolen|lost|"
                                r"suspicious|two.factor|password)\b", re.IGNORECASE)),
         ("ends", re.compile(r"^(?:close|cancel|remove|delete|end|terminate|deactivate|unsubscribe|stop)\b",
                             re.IGNORECASE)),
         ("money", re.compile(r"^(?:transfer|pay|top up|deposit|withdraw|invest)\b|\blimit\b|\$\d", re.IGNORECASE)),
         ("buys", re.compile(r"^(?:buy|purchase|order|book|upgrade|subscribe|open|apply|rent|extend|renew|add|get|"
                             r"place|request a new)\b", re.IGNORECASE))]


def act(intent: str) -> str:
    """What a change does, by the customer's words for it ("freeze my card because it was lost"):
    "free" (a promo code, a refund, a card unfrozen), "protect" (a freeze, a dispute), "ends" (a
    record closed or cancelled), "money" (money moved, a limit), "buys" (something bought, booked or
    opened: a partner's say, no accountant's), else "details"."""
    intent = intent.strip()
    return next((name for name, pattern in _ACTS if pattern.search(intent)), "details")


_YOURS = [(re.compile(r"\byour\b"), "my"), (re.compile(r"\byou\b"), "me")]


def _mine(text: str) -> str:
    """The assistant's words as the customer says them ("freeze your card" -> "freeze my card")."""
    for pattern, word in _YOURS:
        text = pattern.sub(word, text)
    return text


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return next((g for g in m.groups() if g), None) if m else None


def reasons(said: str, *, guided: bool = False, intent: str = "", twin: bool = False,
            person: bool = False) -> list[list[str]]:
    """The reasons a customer may give for saying no to the confirmation `said`, a bank per fact it
    names that a person would answer (their own reason, by what the change `intent` does, when none);
    to guidance the customer carries out themselves, that they have not done the steps yet. `twin`:
    the same change is made on another of their records in the visit, so only what sets this record
    apart is a reason (what it is now, the shop, the date), else one about this record alone;
    `person`: their own reason is that they want to talk it over with someone (`PERSON`)."""
    if guided:
        return [GUIDED]
    found: list[list[str]] = []
    fee = _FEE.search(said)
    if fee and not twin and not _NONE.match(v := next(g for g in fee.groups()[1:] if g)):
        name = fee.group(1) or ""
        found.append([t.format(v=v, name=name) for t in FEE])
    if not twin and (rise := _FEE_RISES.search(said)) is not None:
        found.append([t.format(v=rise.group(2), name=rise.group(1)) for t in FEE_RISES])
    for pattern, bank in ((_MOVED, MOVED), (_BALANCE, BALANCE), (_DUE, DUE), (_NOW, NOW), (_MERCHANT, MERCHANT),
                          (_WHEN, WHEN)):
        if twin and pattern in (_MOVED, _BALANCE, _DUE):  # (money left in one is money left in the other)
            continue
        v = _first(pattern, said)
        if not v or _NONE.match(v) or pattern is _NOW and not re.search(r"\d|^[A-Z]", v):  # (not "it's off")
            continue
        if pattern in (_BALANCE, _DUE) and not _ENDS.search(said):  # money in it matters to closing it only
            continue
        if pattern is _NOW and _RECITED.search(v):
            found.append(NOW_UNSAID)
            continue
        found.append([t.format(v=v) for t in bank])
    if not twin and (also := _ALSO.search(said)) is not None:
        found.append([t.format(v=_mine(also.group(1).rstrip(", "))) for t in ALSO])
    if _HANDOFF.search(said):
        found.append(HANDOFF)
    return found or [PERSON if person else own(said, intent, twin=twin)]


def own(said: str, intent: str = "", *, twin: bool = False) -> list[str]:
    """The customer's own reasons for turning down the change `intent` (else the one `said` reads
    back): by what it does, or, with `twin`, about this record alone."""
    kind = act(intent or _mine(next((m.group(1) for m in re.finditer(r"\bI(?:'ll| will| would| can) (?:now |just )?"
                                                                          r"([a-z][^.?!]*)", said)), "")))
    if twin:
        bank = THIS_ONE["ends" if kind == "ends" else "other"]
        faulty = _FAULT.search(intent) or any(_FAULT.search(why) for why in re.findall(r"\bbecause\b[^.?!]*", said))
        return [r for r in bank if not _CONTENT.search(r)] if faulty else bank
    return OWN_BY_ACT[kind]


OWN_SHARE = 0.2
"""The share of declines, where the confirmation named something to answer, that give a reason of
the customer's own instead."""


def decline(said: str, rng: random.Random, *, guided: bool = False, intent: str = "", twin: bool = False,
            person: bool = False) -> str:
    """A no to the confirmation `said`, with a reason: one about a fact it named (each fact as likely
    as the next), or in `OWN_SHARE` of them the customer's own (`own`, by what the change `intent`
    does); `person`: they ask a person about it later in the visit, so their own reason is that they
    want to talk it over with someone first (a fact named still answers: "I didn't realise there'd
    be a $500 fee.", and the person is asked about it).
    Every reason starts with "I", a value or a lower-case word, so it follows the no as written."""
    banks = reasons(said, guided=guided, intent=intent, twin=twin, person=person)
    mine = PERSON if person else own(said, intent, twin=twin)
    by_own = rng.random() < OWN_SHARE and not guided
    return f"{rng.choice(NO_START)} {rng.choice(mine if by_own else rng.choice(banks))}"
