"""Reasons in a person's own words: how a customer says why ("I was charged twice for the same
thing") where a tool takes one of its listed reasons ("duplicate charge"). The scripted user says
its reason this way, and the offline assistant reads it back to the tool's choice, as a support
agent does; shared here because agents and simulators may not import each other.

Each phrasing belongs to one reason and names no record (no "my card", "my order"), so reading
it back never picks a record or another reason."""
from __future__ import annotations

import random
import re

from .referring import PEOPLE

OWN_WORDS: dict[str, tuple[str, ...]] = {
    "fraud": ("I don't recognise it", "I never made this purchase"),
    "suspected fraud": ("I think someone else has been using it", "there are payments on it I never made"),
    "suspicious activity": ("I've noticed activity I don't recognise", "someone has been trying to get into it"),
    "duplicate charge": ("I was charged twice for the same thing", "the same charge went through twice"),
    "wrong amount": ("I was charged more than I agreed to pay", "the amount isn't what I paid"),
    "item not received": ("what I paid for never arrived", "I never got what I paid for"),
    "lost": ("I can't find it anywhere", "I've misplaced it"),
    "stolen": ("someone stole it", "it was taken from my bag"),
    "no longer needed": ("I don't need it anymore", "I have no use for it now"),
    "lost card": ("the card that goes with it has gone missing", "I can't find the card for it"),
    "moving bank": ("I'm moving to another bank", "I'm switching banks"),
    "fees": ("the fees are too high", "I'm paying too much in fees"),
    "ordered by mistake": ("I ordered it by accident", "I didn't mean to order it"),
    "damaged": ("it arrived broken", "it came in pieces"),
    "wrong item": ("they sent me something I didn't order", "it isn't what I ordered"),
    "billing error": ("I was billed for something I shouldn't have been", "the billing got it wrong"),
    "lost phone": ("I can't find my mobile anywhere", "I've misplaced my mobile"),
    "stolen phone": ("someone took my mobile", "my mobile was stolen"),
    "moving": ("I'm moving house", "I'm relocating"),
    "too expensive": ("it costs more than I can afford", "it's not worth the price for me"),
    "travel": ("I'll be away travelling for a while", "I'm going abroad for a few months"),
    "hardship": ("money is tight right now", "I'm going through a hard time financially"),
    "spam": ("they keep sending me junk", "it's all junk messages"),
    "unknown sender": ("I've never heard of them", "they're a complete stranger to me"),
    "harassment": ("they keep harassing me", "they won't leave me alone"),
    "left the business": ("they don't work with us anymore", "they've left the company"),
    "wrong recipient": ("it's going to the wrong person", "I sent it to the wrong person"),
    "injury": ("I've been injured", "I hurt myself and can't go for now"),
    "charged while frozen": ("I was billed while it was on hold", "I paid even though it was on hold"),
    "change of plan": ("my plans have changed", "my plans fell through"),
    "schedule change": ("my schedule has changed", "the timing no longer works for me"),
    "feeling better": ("I'm much better now", "I've recovered and don't need it"),
    "conflict": ("something else has come up at that time", "I have a clash at that time"),
    "running low": ("I've nearly run out", "I'm almost out"),
    "lost medication": ("I can't find my medicine", "my pills have gone missing"),
    "delayed": ("it was held up for hours", "it left hours late"),
    "lost baggage": ("my bags never showed up", "the airline lost my bags"),
    "switching supplier": ("I'm going with another supplier", "I've found a cheaper supplier"),
    "high bill": ("the bill is much higher than usual", "this month's bill is far more than normal"),
    "late delivery": ("it came days after it was due", "it turned up late"),
    "defective": ("it doesn't work properly", "it stopped working"),
    "found a better price": ("I found it cheaper elsewhere", "someone else sells it for less"),
    "found another option": ("I've found something else that suits me", "I went with something else"),
    "found another hotel": ("I've booked somewhere else", "I found another place to stay"),
    "delivery too slow": ("it's taking too long to arrive", "it's still not here after all this time"),
    "cancelled by us": ("you cancelled it on me", "it was cancelled on your side"),
    "cancelled flights": ("you cancelled my trips at short notice", "my trips were called off"),
    "delayed flights": ("I was kept waiting for hours to take off", "it took off hours behind schedule"),
    "cancelled subscription": ("I cancelled it but was still charged", "I was charged after I had cancelled"),
    "noise": ("it was too noisy to sleep", "there was noise all night"),
    "cleanliness": ("the place wasn't clean", "it was dirty when I arrived"),
    "moving out": ("I'm moving out soon", "I'm leaving the property"),
    "resolved": ("it's been sorted out", "the problem has gone away"),
    "duplicate": ("it's the same as one I already raised", "I already reported this"),
    "no reply": ("nobody ever got back to me", "I never heard back"),
    "branch pickup": ("I'll collect it at the branch", "I'd like to pick it up in person"),
    "home delivery": ("I'd like it sent to my home", "I can't get to the branch to collect it"),
    "goodwill": ("I've been a loyal customer for years", "I'm hoping for a gesture of goodwill"),
}


CHARGED_TWICE = re.compile(r"\bduplicate (?:charge|payment|transaction)|\bcharged twice|\bdouble charge", re.IGNORECASE)
NEVER_CAME = re.compile(r"\bnot received|\bnever (?:arrived|received|came)|\bnon-?delivery", re.IGNORECASE)
FEES = re.compile(r"\bfees?\b", re.IGNORECASE)
OVERCHARGED = re.compile(r"\bwrong amount|\bovercharg|\bcharged more", re.IGNORECASE)
LOST_BAGS = re.compile(r"\blost (?:baggage|bags?|luggage)\b", re.IGNORECASE)
WHILE_FROZEN = re.compile(r"\b(?:charged|billed) while (?:frozen|paused|on hold)\b", re.IGNORECASE)
CLAIMS = (CHARGED_TWICE, NEVER_CAME, FEES, OVERCHARGED, LOST_BAGS, WHILE_FROZEN)
"""Reasons that claim something of the record, true only where it shows it: a twin charge, a purchase
made long enough ago, an account held long enough to have paid fees, money gone out, a bag checked, a
membership frozen (now or earlier this year) for a charge while it was. A task says
one only of a record that bears it out (the offline extractor's `Flows._reason_holds`)."""


def claims(reason: str) -> bool:
    """Whether `reason` claims something of the record (`CLAIMS`)."""
    return any(c.search(reason) for c in CLAIMS)


URGENT = re.compile(r"\b(?:stolen|theft|fraud|lost|missing|suspicious|unauthori[sz]ed|compromised|hacked|harassment)\b",
                    re.IGNORECASE)
"""Reasons that make a change urgent: a customer who gives one does not then turn the change down."""


_THE_BUSINESS = re.compile(r"\b(?:us|we|our|ours)\b", re.IGNORECASE)
_NO_NOUN = re.compile(r"^(?:\w+ed|found|made|got|went)\s+(?:while|when|by|a|an|another|the|at|in|on|to|for|after|before)\b"
                      r"|^\w+(?:ive|ous|ful|able|ible)$|^no (?!longer\b)\w+$", re.IGNORECASE)


def reworded(choice: str) -> bool:
    """Whether a customer never says `choice` as it is, but always in their own words (`OWN_WORDS`): a label
    in the business's voice ("cancelled by us": the customer is not "us"), or one that is no thing a
    reason can be "because of" ("charged while frozen", "found another hotel", "defective", "no reply")."""
    key = _key(choice)
    return key in OWN_WORDS and (_THE_BUSINESS.search(key) is not None or _NO_NOUN.match(key) is not None)


def reworded_in(text: str, knows: dict[str, object]) -> str:
    """`text` (a request as its builder wrote it) with a reason no customer says as it is (`reworded`: "because
    of charged while frozen") in their own words, drawn by the text itself (no draw from a session's RNG): the
    scripted customer never says the label, however the request was built."""
    for key, value in knows.items():
        if "reason" not in key or not isinstance(value, str) or not reworded(value):
            continue
        said = re.compile(rf"\b(?:because of|due to)\s+(?:an?\s+)?{re.escape(_key(value))}(?![\w-])", re.IGNORECASE)
        if said.search(text) and (words := own_words(value, random.Random(f"{text}\x00{value}"),
                                                     person=of_person(text))) is not None:
            text = said.sub(lambda _: f"because {words}", text, count=1)
    return text


def _key(choice: str) -> str:
    return " ".join(choice.replace("_", " ").lower().split())


#: a reason said of a person takes "them" where a thing's takes "it" ("I don't need them anymore")
_OBJECT_IT = re.compile(r"\b(need|for|find|misplaced) it\b")


def _of_them(words: str) -> str:
    return _OBJECT_IT.sub(r"\1 them", words)


def of_person(request: str) -> bool:
    """Whether the record a request names before its reason is a person ("remove my user because
    ...")."""
    nouns = re.findall(r"\bmy (\w+)", request.split(" because")[0])
    return bool(nouns) and PEOPLE.match(nouns[-1]) is not None


def own_words(choice: str, rng: random.Random, *, person: bool = False) -> str | None:
    """A way a person says `choice` after "because" ("I was charged twice for the same thing"), of
    a `person` ("I have no use for them now"), or None for a reason people say as it is ("other")."""
    said = OWN_WORDS.get(_key(choice))
    if not said:
        return None
    words = rng.choice(said)
    return _of_them(words) if person else words


def reason_in_words(text: str, choices: list[object]) -> object | None:
    """The one choice whose own words `text` says ("... because the same charge went through
    twice" -> "duplicate charge"), else None (none, or several: the assistant asks)."""
    low = " ".join(text.lower().split())
    found = [c for c in choices if isinstance(c, str)
             and any(w.lower() in low for p in OWN_WORDS.get(_key(c), ()) for w in (p, _of_them(p)))]
    return found[0] if len(found) == 1 else None


def says_reason(text: str, choice: str) -> bool:
    """Whether `text` says `choice` in one of its own words."""
    return reason_in_words(text, [choice]) is not None
