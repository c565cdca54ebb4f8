"""What the offline assistant reads from the user's words: facts, yes/no, and what is asked."""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any

from gem_env.tools.patterns import WORD_ID, compiled, ids_said_as_words
from gem_env.tools.reasons import reason_in_words
from gem_env.tools.referring import field_of, moved, referenced_value, role
from gem_env.tools.render import smooth

_FACT = re.compile(r"\bmy ([a-z][a-z0-9 ]*?) is (.+?)(?=\.\s+my\s|\.?$)", re.IGNORECASE | re.MULTILINE)
_END = (r"(?=,\s*(?:and\s+)?(?:my|the|it's|its)\s|\.\s+(?:my|the|and|it|i|that|thanks|thank|once|after|then|also|from|to)\b|\.\s+[A-Z][\w ]{0,30}:"
        r"|[.!]?\s*$|\s+and\s+(?:my|the)\s|;)")
_RECORD_ID = r"(?:[A-Z][A-Z0-9]*-[A-Z0-9-]*\d|#?[A-Z]{1,3}\d{5,})\b"  # "CRD-1041", "#W8104319"
"""How a record's id is written: capitals, a dash, digits ("CRD-1041", "LNX1-27593", "SI-2666")."""


@lru_cache(maxsize=1024)
def _id_after(noun: str) -> re.Pattern[str]:
    """"card CRD-1041", "card number is CRD-1041": an id after its record's noun (compiled once per
    noun: a pattern built per message would churn `re`'s own cache)."""
    return re.compile(rf"\b(?i:{re.escape(noun)})(?: (?i:number))?(?: (?i:is)|:)? (?P<v>{_RECORD_ID})")


@lru_cache(maxsize=64)
def _moved_answer(noun: str, way: str) -> re.Pattern[str]:
    """"From my account ACC-1.", "It's going to ACC-2.": the id of the record a move comes from or
    goes to (`tools.referring.moved`), said after its preposition."""
    return re.compile(rf"\b(?i:{way.split()[1]})\s+(?:(?i:my|the|our)\s+)?(?:(?i:{re.escape(noun)})\s+)?(?P<v>{_RECORD_ID})")


_FILLER = re.compile(r"^(?:(?:sure|of course|okay|ok|yes|yeah|right|certainly|no problem|yep)[,.!]?\s*)?"
                     r"(?:(?:it's|it is|that's|that is|that would be|that'd be|i think it's)\s+)?", re.IGNORECASE)
YES = re.compile(r"^\W*(?:yes|yeah|yep|sure|ok|okay|confirm|correct|absolutely|please (?:go ahead|proceed|do)|"
                 r"go ahead|proceed|do it|that's fine|sounds good|that works)\b", re.IGNORECASE)
NO = re.compile(r"^\W*(?:no\b|nope\b|nah\b|actually,? no\b|don't\b|do not\b|cancel\b)|\bchanged my mind\b|"
                r"\brather not\b|\bhold off\b", re.IGNORECASE)
CONFIRMING = re.compile(r"shall i (?:go ahead|proceed)|should i (?:go ahead|proceed)|do you want me to|would you like me "
                        r"to|(?:can|could) you confirm|please confirm|is that (?:ok|okay|correct|right)|\(yes/no\)",
                        re.IGNORECASE)
THANKS = re.compile(r"^\W*(?:thanks|thank you|great|perfect|that's all|nothing else|no,? that's)", re.IGNORECASE)
_FREE_TEXT = re.compile(r"summary|note|comment|message|description|details")
_INT = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_MONTHS = {m.lower(): i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July",
                                                   "August", "September", "October", "November", "December"], 1)}
_HUMAN_DATE = re.compile(r"^([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_HUMAN_TIME = re.compile(r"^(.+?),?\s+at\s+(\d{1,2}):(\d{2})\s*([ap])\.?m\.?$", re.IGNORECASE)


_NAMES = list(_MONTHS)
_SHORT = {m[:3]: m for m in _NAMES} | {"sept": "september"}
_MONTH_WORD = rf"(?:{'|'.join(sorted(_NAMES, key=len, reverse=True))}|{'|'.join(_SHORT)})"
# the ways people write a date, an amount and a time of day that are not how the assistant reads them
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_WORD})\.?,? (\d{{4}})\b", re.IGNORECASE)
_SHORT_MONTH = re.compile(rf"\b({'|'.join(_SHORT)})\.? (\d{{1,2}}),? (\d{{4}})\b", re.IGNORECASE)
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")  # month first, as in the US
_ISO = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b(?!T)")
_BARE_DOLLARS = re.compile(r"\$(\d{4,})(\.\d\d)?(?![\d,]|\.\d)")
_DOLLARS_AFTER = re.compile(r"(?<![\w$.,])(\d[\d,]*)(\.\d\d)? dollars\b", re.IGNORECASE)
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d\d))? ?([ap])\.?m\b", re.IGNORECASE)


def _day(year: str, month: int, day: str) -> str:
    """"March 3, 2025", or "" for a day that does not exist."""
    try:
        d = dt.date(int(year), month, int(day))
    except ValueError:
        return ""
    return f"{_NAMES[d.month - 1].capitalize()} {d.day}, {d.year}"


def _month(word: str) -> int:
    word = word.lower()
    return _MONTHS.get(word) or _MONTHS[_SHORT[word[:3] if word[:3] in _SHORT else word]]


def _amount(digits: str, cents: str | None) -> str:
    return f"${int(digits.replace(',', '')):,}{cents or ''}"


@lru_cache(maxsize=4096)  # every turn reads the whole conversation again
def canonical(text: str) -> str:
    """A user's message with its dates, amounts and times of day written the one way the assistant
    reads them ("24 Jan 2025", "1/24/2025", "2025-01-24" -> "January 24, 2025"; "$4800", "4,800
    dollars" -> "$4,800"; "9am", "9:00 AM" -> "9:00 am"); anything else as it is (a time written
    "09:00" is how a record may hold it). A date that does not exist is left alone."""
    out = _DAY_MONTH_YEAR.sub(lambda m: _day(m.group(3), _month(m.group(2)), m.group(1)) or m.group(0), text)
    out = _SHORT_MONTH.sub(lambda m: _day(m.group(3), _month(m.group(1)), m.group(2)) or m.group(0), out)
    out = _SLASHED.sub(lambda m: _day(m.group(3), int(m.group(1)), m.group(2)) or m.group(0)
                       if 1 <= int(m.group(1)) <= 12 else m.group(0), out)
    out = _ISO.sub(lambda m: _day(m.group(1), int(m.group(2)), m.group(3)) or m.group(0)
                   if 1 <= int(m.group(2)) <= 12 else m.group(0), out)
    out = _BARE_DOLLARS.sub(lambda m: _amount(m.group(1), m.group(2)), out)
    out = _DOLLARS_AFTER.sub(lambda m: _amount(m.group(1), m.group(2)), out)
    out = _CLOCK.sub(lambda m: f"{int(m.group(1))}:{m.group(2) or '00'} {m.group(3).lower()}m"
                     if 1 <= int(m.group(1)) <= 12 else m.group(0), out)
    return out


#: what a courtesy thanks for ("Thanks for checking!", "thank you so much for looking into my
#: savings"): its words up to the clause's end, never past a word that starts the request after it
#: ("Thanks for that and could you also ...")
_THANKED_FOR = (r"\s+for\s+(?:(?!(?:and|but|so|now|also|could|can|would|will|please|i|i'd|i'm|while|before|then|if)\b)"
                r"[\w'\u2019-]+(?:[ \t]+|(?=[^\w \t'\u2019-])|$)){1,8}")
_COURTESY = re.compile(
    rf"\b(?P<thanks>thanks|thank you|many thanks|cheers|much appreciated)(?P<more>(?:\s+(?:so|very)\s+much|\s+a\s+lot"
    rf"|\s+again)*){_THANKED_FOR}"
    rf"|\b(?P<me>i\s+)?(?P<apprec>appreciate)\s+(?:you|your)\s+(?:help(?:ing)?|[a-z]+ing)\b"
    rf"(?:\s+(?:(?!(?:and|but|so|now|also|could|can|would|will|please|i|while|before|then|if)\b)[\w'\u2019-]+)){{0,6}}",
    re.IGNORECASE)


def unthanked(text: str) -> str:
    """A user's message without what its courtesies are for: "Thanks for checking! Could you also
    freeze my card?" is read as "Thanks! Could you also freeze my card?", so the request's kinds and
    values are read from the request, never from the thanks ("checking" is no account kind there)."""
    def kept(m: re.Match[str]) -> str:
        gap = " " if m.group(0)[-1:].isspace() else ""
        if m.group("apprec"):
            return f"{m.group('me') or ''}{m.group('apprec')} it{gap}"
        return f"{m.group('thanks')}{m.group('more') or ''}{gap}"
    return _COURTESY.sub(kept, text) if "for" in text.lower() or "apprec" in text.lower() else text


def parse_facts(text: str) -> dict[str, str]:
    """What a user states as "my X is Y" sentences: {"x": "Y"} with X in lower case."""
    return {m.group(1).strip().lower(): m.group(2).strip() for m in _FACT.finditer(text)}


def named_keys(text: str, names: list[tuple[str, str]]) -> list[str]:
    """Keys whose names (longest first) appear in `text`, in the order they appear."""
    low = text.lower()
    found: list[tuple[int, str]] = []
    for name, key in names:
        m = compiled(rf"\b{re.escape(name)}\b").search(low)
        if m:
            found.append((m.start(), key))
            low = low[:m.start()] + "#" * len(name) + low[m.end():]
    return [k for _, k in sorted(found)]


def read_facts(text: str, names: list[tuple[str, str]], asked: list[str],
               booleans: frozenset[str] = frozenset()) -> dict[str, str]:
    """Facts in one user message: "<name> is <value>" (or "make the <name> <value> instead") for
    any known name, a record pointed at by one of its values ("the one ending in 5305" for a
    last-four-digits key), and a bare answer ("It's CRD-1041.") to a question that asked for
    exactly one thing; when that thing is a yes/no value (one of `booleans`), a bare "yes", "sure"
    or "please don't" is the answer."""
    found: dict[str, str] = {}
    claimed: list[tuple[int, int]] = []  # where names already matched ("first name" claims its "name")
    plain = {n for n, _ in names}  # "make the start time ... instead" is the start time where one is known
    for name, key in names:
        instead = re.escape(name) if name[4:] in plain else _new_optional(name)
        pattern = rf"\b(?:my |the |our )?(?P<n>{re.escape(name)})(?:'s| is| was| are|:| =)\s+(?P<v>.+?){_END}" \
                  rf"|\b(?:make|set|change) (?:my |the |our )?(?P<n2>{instead}) (?:to )?" \
                  rf"(?!(?:of|for|on|in|at|from|with|my|the)\b)(?P<v2>.{{1,80}}?) instead\b"  # not "... of my other account to no instead"
        for m in compiled(pattern, re.IGNORECASE).finditer(text):
            n = "n" if m.group("n") is not None else "n2"  # "the limit is $3,000" / "make the limit $3,000 instead"
            if any(a <= m.start(n) < b for a, b in claimed):
                continue
            claimed.append((m.start(n), m.end(n)))
            found.setdefault(key, m.group("v" if n == "n" else "v2").strip().strip('"'))
            break
    ids = {}  # a record's id said after its noun: "It's for card CRD-1041", "my card number is ..."
    for name, key in names:
        if key.endswith("_id") and key not in found and key not in ids and name.lower().endswith(" id"):
            m = _id_after(name[:-3]).search(text)
            if m:
                ids[key] = m.group("v")
    if len(asked) == 1 and asked[0] in ids:  # the id asked for, said after its noun
        found.setdefault(asked[0], ids[asked[0]])
    for _, key in names:  # "From my account ACC-1.", "It's coming from ACC-1. To ACC-2.", asked or not
        if key not in found and (way := moved(key)) and (m := _moved_answer(*way).search(text)):
            found[key] = m.group("v")
    found.update({k: v for k, v in _referenced(text, names).items() if k not in found})
    if len(asked) == 1 and asked[0] in booleans and asked[0] not in found:
        # "Sure, it's no." says no: the words after the filler first, then the whole reply
        answer = yes_or_no(_FILLER.sub("", text.strip()))
        answer = yes_or_no(text) if answer is None else answer
        if answer is not None:
            found[asked[0]] = "yes" if answer else "no"
    if len(asked) == 1 and asked[0].endswith("_id") and asked[0] not in found \
            and len(said := set(re.findall(_RECORD_ID, text))) == 1:  # "Oh, sorry. It's DSP-72839.": the one id said
        found[asked[0]] = said.pop()
    if len(asked) == 1 and not found:  # a reply that names what it gives is not a bare answer to the question
        bare = _FILLER.sub("", text.strip()).strip()
        bare = re.sub(r"[.!]$", "", bare).strip().strip('"')  # one stop: a value may end in "."
        bare = re.sub(r",\s*please$", "", bare, flags=re.IGNORECASE)  # "SI-6092, please."
        longest = 200 if _FREE_TEXT.search(asked[0]) else 80  # a note is a sentence or two; anything else is short
        if bare and len(bare) <= longest and not _NOT_GIVEN.search(bare):
            found[asked[0]] = bare
            if _FREE_TEXT.search(asked[0]):  # a note in the user's words: the ids in it are part of it
                return found
    found.update({k: v for k, v in ids.items() if k not in found})
    return found


# an answer that gives nothing ("Sorry, I don't have my email to hand."): never a bare value
_NOT_GIVEN = re.compile(r"\b(?:don't know|not sure|no idea|don't have|can't remember|can't recall|rather not)\b",
                        re.IGNORECASE)
_FULL_NAME = re.compile(r"\b(?:[Mm]y (?:full )?name is|I'm|I am|[Ii]t's|[Tt]his is)\s+([A-Z][A-Za-z'-]+)\s+([A-Z][A-Za-z'-]+)\b")


def full_name(text: str) -> tuple[str, str] | None:
    """(first, last) of a name said whole ("My name is Leslie Harmon, and ..."), or None."""
    m = _FULL_NAME.search(text)
    return (m.group(1), m.group(2)) if m else None


def _new_optional(name: str) -> str:
    """A name's pattern where its "new " may go unsaid ("make the plan name Plus instead")."""
    return rf"(?:new )?{re.escape(name[4:])}" if name.startswith("new ") else re.escape(name)


def _referenced(text: str, names: list[tuple[str, str]]) -> dict[str, str]:
    """Values of keys the user pointed at a record by ("It's the booking from Lake Jacob."): read
    for a role only one known key has, so "from" is never given to two fields."""
    found = {}
    for key in _one_key_per_role(tuple(k for _, k in names)):
        value = referenced_value(field_of(key), text)
        if value is not None:
            found[key] = value
    return found


@lru_cache(maxsize=256)
def _one_key_per_role(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The keys whose role (`tools.referring`) no other key of an agent's vocabulary shares; the
    vocabulary is fixed per agent, so this is worked out once, not on every user turn."""
    by_role: dict[str, list[str]] = {}
    for key in keys:
        prep = role(field_of(key))
        if prep is not None and "_" in key and not key.endswith("_id"):
            by_role.setdefault(prep, []).append(key)
    return tuple(ks[0] for ks in by_role.values() if len(set(ks)) == 1)


_GOAL_SLOT = re.compile(r"\{(\w+)\}")
# "May 2, 2025" goes on, and so does "Apt. 357": a period ends the value only before a new sentence
_VALUE_END = (r"(?=[?!;](?:\s|$)|\.(?:\s+(?=[A-Z\"'])|\s*$)|,?\s+(?:today|please|if|thanks|thank|so|because|and i|instead)\b|$)")


def goal_values(goal: str, text: str, known: dict[str, Any],
                choices: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Values the user's words give for the goal's placeholders, read by the goal's own wording
    ("change the amount of my payment to $891.73" against "change the amount of my payment
    {payment_id} to {new_amount}" -> {"new_amount": "$891.73"}): what the opening said is not asked
    again. Each sentence of the goal is read so ("You are {first_name} .... Cancel your appointment
    on {appointment_date} ..."). Record ids, which the user gives as facts, and keys already known
    are left out (the others of their sentence are still read); two values side by side are read
    only when the words split between them one way: one of them known, or one of its `choices`
    ("olive Quilted Puffer Vest", with the colours the domain lists)."""
    found: dict[str, str] = {}
    # "turn off the overdraft protection" is how people say the goal's "change the ... to no"
    text = _TURN.sub(lambda m: f"{m.group(1)}change {m.group(3)} to {'yes' if m.group(2).lower() == 'on' else 'no'}", text)
    for sentence in _GOAL_SENTENCE.split(re.sub(r"\s*\([^)]*\)", "", goal).strip()):
        # a how-to's "Topic: its main step" is asked for by the step alone (`scenario.user_words`)
        for part in (sentence, sentence.rsplit(": ", 1)[1]) if ": " in sentence else (sentence,):
            found.update({k: v for k, v in _sentence_values(part.rstrip(".!?"), text, known, choices or {}).items()
                          if k not in found})
            # an id said as a word between the goal's words ("switch to the premium plan")
            words = ids_said_as_words(part, {}) - set(known) - set(found)
            if words:
                said = _sentence_values(part.rstrip(".!?"), text, known, choices or {}, keep=words)
                found.update({k: v for k, v in said.items() if k in words and WORD_ID.fullmatch(v)})
    return found


_TURN = re.compile(r"(^|\b(?:to|and|I'll|will|can|I've|me|please|help me|you) )turn (on|off) (the [^.,;?!]+?)(?=\s+instead\b|[.,;?!]|$)",
                   re.IGNORECASE | re.MULTILINE)

# a sentence ends at . ! ? before a capital, not after a title ("Dr. {doctor_last_name}")
_GOAL_SENTENCE = re.compile(r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)(?<=[.!?])\s+(?=[A-Z{])")


def _sentence_values(sentence: str, text: str, known: dict[str, Any], choices: dict[str, list[str]],
                     keep: set[str] = frozenset()) -> dict[str, str]:
    """`goal_values` for one sentence of the goal (the ids in `keep` read as values too)."""
    # a record named by its id in the goal is "my <record>" in the user's words ("from order {order_id}":
    # "from my order"): the noun before a removed id may take a determiner (marked \x00)
    sentence = re.sub(r"(?:(?<=\s)|^)([A-Za-z]+)\s*\{(\w+_id|id)\}",
                      lambda m: m.group(0) if m.group(2) in keep else f"\x00{m.group(1)}", sentence)
    sentence = re.sub(r"\s*\{(\w+_id|id)\}", lambda m: m.group(0) if m.group(1) in keep else "", sentence)
    slots = _GOAL_SLOT.findall(sentence)
    if not slots or all(k in known for k in slots) or len(slots) > 8 or sentence.startswith("{"):
        return {}  # (a value leading its sentence has no words before it to say where it starts)
    pattern = r"\b"
    for token in re.findall(r"\{\w+\}|[^\s{}]+", sentence):
        slot = _GOAL_SLOT.fullmatch(token)
        part = rf"(?P<{slot.group(1)}>.+?)" if slot else "(?:my|your)(?: other)?" if token.lower() in ("my", "your") \
            else "(?:you|I)" if token.lower() == "you" \
            else rf"(?:(?:my|your|the)\s+(?:other\s+)?)?{re.escape(token[1:])}" if token.startswith("\x00") \
            else re.escape(token)
        gap = "" if pattern == r"\b" else r"\s*" if re.fullmatch(r"\W+", token) else r"\s+"
        pattern += gap + part
    m = compiled(pattern + _VALUE_END, re.IGNORECASE).search(text)
    if m is None:
        return {}
    found = m.groupdict()
    for a, b in re.findall(r"\{(\w+)\}\s+\{(\w+)\}", sentence):  # "{city} {zip}": only one way to split
        both = f"{found[a]} {found[b]}"
        split = _known_split(both, [str(known[a])], True) if a in known else \
            _known_split(both, [str(known[b])], False) if b in known else \
            _known_split(both, choices.get(a, []), True) or _known_split(both, choices.get(b, []), False) \
            or _one_split(both.split())
        if split is None:
            return {}
        found[a], found[b] = split
    return {k: v.strip().strip('"') for k, v in found.items() if v and v.strip() and k not in known}


def _known_split(both: str, values: list[str], first: bool) -> tuple[str, str] | None:
    """Two values side by side, the first (`first`) or the second one of `values` ("rust Denim
    Trucker Jacket", the colour rust): split where it ends or begins, the longest that fits; None
    when none is there."""
    low = both.lower()
    for v in sorted((v.lower() for v in values if v), key=len, reverse=True):
        if first and low.startswith(v + " "):
            return both[:len(v)], both[len(v) + 1:]
        if not first and low.endswith(" " + v):
            return both[:-len(v) - 1], both[-len(v):]
    return None


def _one_split(words: list[str]) -> tuple[str, str] | None:
    """Two values said side by side, split where words end and numbers begin ("East Mary 43227":
    "East Mary" and "43227"), or the only way two words split; None when neither says where."""
    if len(words) == 2:
        return words[0], words[1]
    digits = [any(ch.isdigit() for ch in w) for w in words]
    cuts = [i for i in range(1, len(words))
            if set(digits[:i]) == {digits[0]} and set(digits[i:]) == {not digits[0]}]
    return (" ".join(words[:cuts[0]]), " ".join(words[cuts[0]:])) if len(cuts) == 1 else None


@lru_cache(maxsize=1024)
def _rendered_reason(choice: str) -> str:
    """The reason as the renderer says it ("because the item was not received"), as a pattern; made
    once per choice, since the agent reads a reason on every turn."""
    return re.escape(smooth(f"because of {choice.replace('_', ' ')}.").lower().rstrip("."))


def reason_given(text: str, choices: list[Any]) -> Any:
    """The one choice the user gave as their reason in a "because ..." clause ("cancel it because
    it's no longer needed" -> "no_longer_needed"; "because I'm moving banks" -> "moving bank"), or in
    their own words ("because I don't need it anymore"), else None: a reason said in the opening is
    not asked for again."""
    found = []
    for choice in choices:
        if not isinstance(choice, str) or not choice.strip():
            continue
        said = re.escape(choice.replace("_", " ").lower())
        if compiled(rf"\b(?:because|due to)(?: of| it's| it is| it was| its| the| my| a| an| i'm| i am| you're| you are| they're| they are| they| i| you)*\s+{said}(?:e?s)?\b").search(text.lower()) \
                or compiled(rf"\b{_rendered_reason(choice)}\b").search(text.lower()):  # "because the item was not received"
            found.append(choice)
    if not found:  # in the user's own words: "because the same charge went through twice"
        return reason_in_words(text, choices)
    return found[0] if len(found) == 1 else None


_COUNTED = re.compile(r"^(\d+) [a-z][^\d]*$", re.IGNORECASE)


def coerce(value: str, type_: str | None) -> Any:
    """A value the user said, typed as the parameter it feeds or the field it came from (else text):
    "$1,200.50" is 1200.5 for a number, "March 3, 2025" is 2025-03-03 for a date, "March 3, 2025
    at 5:05 pm" is 2025-03-03T17:05:00 for a date-time."""
    plain = value.replace("$", "").replace(",", "").strip() if type_ in ("integer", "number") else value
    if type_ == "integer" and _INT.match(plain):
        return int(plain)
    if type_ == "integer" and (m := _COUNTED.match(plain)):  # "3 bags": a count said with its noun
        return int(m.group(1))
    if type_ == "number" and _NUMBER.match(plain):
        return int(plain) if _INT.match(plain) else float(plain)
    if type_ == "boolean" and (answer := yes_or_no(value)) is not None:
        return answer
    if type_ == "array":
        return [v.strip() for v in value.split(",") if v.strip()]
    if type_ in ("object", "json"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if type_ == "datetime" and (t := _HUMAN_TIME.match(value.strip())):
        day, hour = _iso_day(t.group(1)), int(t.group(2)) % 12 + (12 if t.group(4).lower() == "p" else 0)
        return f"{day}T{hour:02d}:{t.group(3)}:00" if day and int(t.group(3)) < 60 else value
    if type_ in ("date", "string", None):
        return _iso_day(value) or value
    return value


def _iso_day(said: str) -> str | None:
    """"March 3, 2025" -> "2025-03-03"; None for anything else."""
    m = _HUMAN_DATE.match(said.strip())
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if not month:
        return None
    try:
        return dt.date(int(m.group(3)), month, int(m.group(2))).isoformat()
    except ValueError:
        return None


def yes_or_no(text: str) -> bool | None:
    """A yes/no answer as a boolean ("true"/"false" too), or None when the text is neither."""
    low = text.strip().lower().rstrip(".!")
    if low in ("true", "false"):
        return low == "true"
    if NO.search(text) or re.match(r"^\W*(?:please )?(?:don't|do not)\b", text, re.IGNORECASE):
        return False
    return True if YES.match(text) or re.match(r"^\W*(?:yes|please)\W*$", text, re.IGNORECASE) else None


#: what a request for a person is about, said with it ("The thing is, I do not recognise a charge on my card."):
#: the note, not asked for again (the scripted customer's `WHY_UP_FRONT`)
SAID_WHY = re.compile(r"^(?:The thing is,|Basically,|It's about this:)\s+(?P<why>\S.*?)[.!]?$")
GOING_ON = re.compile(r"\b(?:a few|a couple of|several|some) (?:more |other )?things\b", re.IGNORECASE)
"""How a user says at the start that the session has several requests ("I've got a few things")."""


def asks_confirmation(text: str) -> bool:
    """Whether an assistant message asks the user to confirm an action."""
    return bool(CONFIRMING.search(text))
