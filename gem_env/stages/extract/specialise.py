"""What a document says that specialises an archetype: nouns, enumerations, rules, id patterns.

Everything found keeps the character span of the sentence it came from, so the domain built from
it can show where each enum, rule and id pattern is in the text.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ...text import features as tf
from ...text.words import indefinite
from .archetypes import Archetype

_CONT = r"\n[ \t]*(?![-*+#>|]|\d+[.)]\s)(?=\S)"  # a wrapped line: not blank, not a list item or heading
_SENTENCE = re.compile(rf"(?:[^\n.!?]|{_CONT})+(?:[.!?](?!\d)(?:[^\n.!?]|{_CONT})*)*?(?:[.!?]+(?=\s|$)|(?=\n)|$)")
_QUOTED = re.compile(r"`([^`\n]{1,30})`|'([A-Za-z][^'\n]{0,28})'|\"([A-Za-z][^\"\n]{0,28})\"")
_ID = re.compile(r"\b([A-Z]{2,5})-(\d{3,8})\b")
#: after a refusal, where it stops naming what it refuses ("cannot be closed until it is delivered",
#: "will not check if the bill is overdue"); before it, such a clause is the refused state ("If a
#: card is frozen, it cannot be closed")
_NOT_ABOUT = re.compile(r"\b(?:until|unless|once|if|whether)\b", re.I)
#: the status a change results in ("will change the order status to 'pending'"), not one refused
_RESULT = re.compile(r"\bstatus\s+(?:to|becomes|will\s+be)\s+['`\"]?([A-Za-z]+)", re.I)
#: a status a record must have, which a refusal in the same sentence does not block
_MUST_BE = re.compile(r"\bmust\s+(?:currently\s+|still\s+)?be\s+(?:in\s+)?(?:an?\s+)?`?([A-Za-z]+)", re.I)
#: a refusal's negation; "whether or not" asks, it refuses nothing
_NEGATION = re.compile(r"\b(?:cannot|can't|can\s+not|(?<!\bor\s)not|never|no\s+longer|isn't|aren't)\b", re.I)
_WINDOW = re.compile(r"\bwithin\s+(\d{1,3})\s+(business\s+|working\s+|calendar\s+)?(day|week|month)s?\b"
                     r"(?:\s+(?:of|from|after|since)\b)?", re.I)
#: "Transaction must be within 60 days old": an age limit on the record a request is filed on
_OLD = re.compile(r"\bwithin\s+(\d{1,3})\s+(day|week|month)s?\s+old\b", re.I)
#: "Editing is locked within 13 hours of the upcoming occurrence": no change that close to the record's next date
_LOCKED = re.compile(r"\b([a-z]+)\s+(?:is|are|remains?)\s+(?:locked|not\s+(?:possible|allowed))\s+within\s+(\d{1,3})\s+"
                     r"hours?\b", re.I)
#: "at most three times your current limit", "New limit cannot exceed 150% of current limit": how far a
#: number may be raised, by the word naming it
_TIMES_CURRENT = re.compile(r"\b(?:at\s+most|no\s+more\s+than|up\s+to)\s+(twice|two|three|four|five|\d)\s+times\s+"
                            r"(?:your|the|its)\s+current\s+([a-z]+)", re.I)
_PERCENT_CURRENT = re.compile(r"\b(?:cannot|can't|must\s+not|may\s+not)\s+exceed\s+(\d{3})\s*%\s+of\s+(?:the\s+|your\s+|its\s+)?"
                              r"current\s+([a-z]+)", re.I)
_FACTORS = {"twice": 2, "two": 2, "three": 3, "four": 4, "five": 5}
_UNDER = re.compile(r"\b(?:under|less\s+than|below)\s+\$\s?(\d[\d,]*(?:\.\d+)?)", re.I)
_AT_LEAST = re.compile(r"\b(?:at\s+least|minimum\s+of|no\s+less\s+than)\s+\$\s?(\d[\d,]*(?:\.\d+)?)", re.I)
_OUR_SIDE = re.compile(r"\b(?:we|our\s+team)\b[^.]*\b(?:reply|respond|answer|process|resolve|review|refund|"
                       r"decide|contact)\w*\b", re.I)
_PASSIVE = re.compile(r"\b(?:cannot|can't|can\s+not|not|never)\s+(?:be|been|get)\s+`?([a-z]+)", re.I)
_BEFORE = re.compile(r"\b(?:until|up\s+to|no\s+later\s+than|at\s+least)\s+(\d{1,3})\s+(hour|day)s?\s+before\s+"
                     r"(?:the\s+|your\s+|its\s+)?(?:original\s+|scheduled\s+)?([a-z]+(?:[-\s][a-z]+)?)", re.I)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
_MORE_THAN = re.compile(r"\b(?:more\s+than|over)\s+(once|twice|(\d{1,2})\s+times)\b", re.I)
_TIMES = {"once": 1, "twice": 2}
#: "Late cancellations ... are charged a fee of $25, unless the visit was a vaccination."
_LATE_FEE = re.compile(r"\blate\s+([a-z]+).{0,80}?\bfee\s+of\s+\$\s?(\d[\d,]*(?:\.\d+)?)"
                       r"(?:.{0,40}?\bunless\s+the\s+[a-z]+\s+(?:was|is)\s+an?\s+([a-z-]+))?", re.I)
#: "If the appointment is less than 24 hours away", "Cancel at least 24 hours before the appointment time"
_LATE_WINDOW = re.compile(r"\b(?:less\s+than|within|at\s+least)\s+(\d{1,3})\s+hours?\s+(?:away|before|of)\b", re.I)
#: how a text says a most ("up to 2 times", "at most 15 holds", "a reference of up to 18 characters")
_MOST = r"(?:up\s+to|at\s+most|no\s+more\s+than)"
_REQUESTS_AT_ONCE = re.compile(rf"\b(?:have|hold|place)\s+(?:{_MOST}|a\s+maximum\s+of)\s+"
                               r"(\d{1,3})\s+(?:open\s+|active\s+)?([a-z]+)\b", re.I)
_UP_TO_TIMES = re.compile(rf"\b{_MOST}\s+(once|twice|(\d{{1,2}})\s+times)\b", re.I)
_REFERENCE_MOST = re.compile(rf"\breference\s+(?:of\s+)?{_MOST}\s+(\d{{1,3}})\s+characters\b", re.I)
#: "at most 2 guests in `standard`, 3 in `deluxe` and 4 in a `suite`": a most per value of a field
_CAPS = re.compile(r"\bat\s+most\s+\d{1,3}\s+([a-z]+)\s+in\s+(?:(?:an?|the)\s+)?[`'\"]?[a-z]", re.I)
_CAP_EACH = re.compile(r"(\d{1,3})\s+(?:[a-z]+\s+)?in\s+(?:(?:an?|the)\s+)?[`'\"]?([a-z][\w-]*)[`'\"]?", re.I)
_ANOTHER = re.compile(r"\b(?:another|other|someone\s+else)\b", re.I)
#: "for 21 days each time": what one renewal adds
_EACH_TIME = re.compile(r"\bfor\s+(\d{1,3})\s+days?\s+(?:each\s+time|at\s+a\s+time|per\s+\w+|each)\b", re.I)
#: an action's date it moves by a number of days ("add_days(r.due_date, 14)")
ADDS_DAYS = re.compile(r"add_days\((r\.\w+), \d+\)")
_MONEY = r"\$\s?(\d[\d,]*(?:\.\d+)?)"
_PER_DAY = re.compile(rf"{_MONEY}\s+(?:per|a|each)\s+(?:calendar\s+)?day\b|\bdaily\s+(?:\w+\s+)?limit\s+"
                      rf"(?:is\s+|of\s+)?{_MONEY}", re.I)
_TO_OTHERS = re.compile(r"\b(?:other\s+people|someone\s+else|others|another\s+person|other\s+customers|"
                        r"external|other\s+banks?|third[-\s]part(?:y|ies))\b", re.I)


@dataclass
class Found:
    """A fact taken from the text, with the sentence it came from."""

    value: object
    start: int
    end: int
    text: str


@dataclass
class Specialisation:
    main: str
    child: str | None
    request: str | None
    catalog: str | None
    sentences: list[tuple[int, int, str]]
    reasons: Found | None = None
    statuses: Found | None = None
    child_statuses: Found | None = None
    enums: dict[str, Found] = field(default_factory=dict)          # editable field -> values
    id_patterns: dict[str, Found] = field(default_factory=dict)    # noun -> 'DSP-#####'
    window_days: Found | None = None                               # request within N days
    min_amount: Found | None = None
    blocked_child: list[Found] = field(default_factory=list)      # child statuses a request refuses
    blocked_main: list[Found] = field(default_factory=list)       # (field, value, verb lemmas) main refuses
    deadline: Found | None = None                                  # (date field, days, verb lemmas): until N before
    min_age: Found | None = None                                   # (date field, days, verb lemmas): held N days first
    lock_hours: Found | None = None                                # (hours, verb lemmas): locked within N hours of the next date
    raise_most: Found | None = None                                # (factor, word): "at most three times your current limit"
    paid_up: Found | None = None                                   # (number field, verb lemmas): nothing owed first
    only_from: dict[str, Found] = field(default_factory=dict)      # action verb -> allowed statuses
    reply_days: Found | None = None                                # we reply within N business days
    freeze_on: Found | None = None                                 # reason that also freezes the main
    times_limit: dict[str, Found] = field(default_factory=dict)    # action verb -> at most N times
    period_days: dict[str, Found] = field(default_factory=dict)    # action verb -> days it adds each time
    others_request: dict[str, Found] = field(default_factory=dict)  # action verb refused by another's request
    move_cap: Found | None = None                                  # a move cannot exceed the amount field
    daily_limit: Found | None = None                               # (amount, to others only): per day
    reference_most: Found | None = None                            # a move's reference: "of up to 18 characters"
    products: Found | None = None                                  # product names a new main is opened as
    eligibility: list[Found] = field(default_factory=list)        # (rule kind, numbers...) for opening one
    product_facts: dict[str, Found] = field(default_factory=dict)  # field -> the title product's figure
    opens: bool = False                                            # the text speaks of opening one
    offer: Found | None = None                                     # a write offered after the opening (service_offers)
    perk: Found | None = None                                      # a remedy granted by level (service_perks)
    issues: Found | None = None                                    # the kind of new card issued on request
    issue_limits: dict[str, Found] = field(default_factory=dict)   # "count" / "cap" of issued cards
    perk_lines: list[Found] = field(default_factory=list)         # its other grant and refusal lines
    min_main: Found | None = None                                  # (main money field, amount): "a balance of at least $100"
    adds: Found | None = None                                      # the text offers adding a record (service_additions)
    addition_rules: dict[str, Found] = field(default_factory=dict)  # "window" / "not_lower" / "count" / "no_child_state"
    exchanges: Found | None = None                                 # the text offers exchanges (service_exchanges)
    modifies: Found | None = None                                  # ... or changing a pending order's item's option
    exchange_rules: dict[str, Found] = field(default_factory=dict)  # "from" (a delivered order) / "in_stock"
    certificates: Found | None = None                              # a certificate the text grants (service_certificates)
    certificate_lines: list[Found] = field(default_factory=list)  # its grants, one per complaint
    connections: Found | None = None                               # the text speaks of connecting flights
    places: Found | None = None                                    # the text asks where from and to (service_places)
    rebooks: Found | None = None                                   # the text offers changing a booking's entry
    rebook_rules: dict[str, Found] = field(default_factory=dict)   # "same_route": the route stays
    action_reasons: dict[str, Found] = field(default_factory=dict)  # action verb -> the reasons the text lists for it
    tracks: Found | None = None                                    # the text speaks of tracking (service_tracking)
    tracking_rules: dict[str, Found] = field(default_factory=dict)  # "not_yet" / "prefix" (TRK)
    extends: Found | None = None                                   # the text offers extending (service_extensions)
    extension_rules: dict[str, Found] = field(default_factory=dict)  # "window" / "booked" / "lead" / "price"
    cycle_rules: dict[str, Found] = field(default_factory=dict)  # "once" / "later": a tier's change and the billing cycle (service_cycles)
    kinds: dict[str, Found] = field(default_factory=dict)          # new main field -> its values ("fare type")
    caps: Found | None = None                                      # (counted noun, {value: most}): "at most 2 guests in standard"
    request_cap: Found | None = None                               # most requests a customer has at once: "at most 15 holds"
    late_fees: dict[str, Found] = field(default_factory=dict)      # action verb -> (fee, value of the record exempt)
    late_hours: Found | None = None                                # an action is late less than N hours before
    child_clear: dict[str, Found] = field(default_factory=dict)    # action verb -> child status that holds it back
    others_held: dict[str, list[Found]] = field(default_factory=dict)  # action verb -> (kind, status, at least one, kind acted on) of the owner's other records
    tiers: Found | None = None                                     # groups of products and their terms (service_tiers)
    tier_rules: dict[str, Found] = field(default_factory=dict)     # "at_least" / "else_zero" / "deducted": the fee's balance rules


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every sentence and list item, markdown markers left out."""
    out = []
    for m in _SENTENCE.finditer(text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip(" \t\n-*#>0123456789.)"))
        body = raw[lead:].rstrip()
        if len(body) >= 3:
            start = m.start() + lead
            out.append((start, start + len(body), body))
    return out


def _not_describing(tokens: list[str], states: set[str], sp: Specialisation) -> list[str]:
    """The tokens without the statuses that describe a record ("PENDING, CLOSED, or already FROZEN
    cards": a run of statuses before the record's noun); a status said as what is done stays ("be
    modified or cancelled")."""
    nouns = {n for n in (sp.main, sp.child) if n} | {f"{n}s" for n in (sp.main, sp.child) if n}
    low = [t.lower() for t in tokens]

    def describes(i: int) -> bool:
        j = i + 1
        while j < len(low) and (low[j] in states or low[j] in _LIST_GLUE):
            j += 1
        return j < len(low) and low[j] in nouns
    return [w for i, w in enumerate(tokens) if not (low[i] in states and describes(i))]


_LIST_GLUE = frozenset({"or", "and", "already", "currently", "still", "not", "yet"})


def _words(text: str) -> set[str]:
    """Lemmas and the lower-cased words themselves ("pending" stays findable as a status)."""
    raw = re.findall(r"[A-Za-z]+", text)
    verbs = {v for v in map(tf.verb_lemma, raw) if v}  # "cancelled" -> "cancel", where lemma keeps "cancell"
    return {tf.lemma(w) for w in raw} | {w.lower() for w in raw} | verbs


def _choose(candidates: tuple[str, ...], counts: dict[str, int]) -> str | None:
    if not candidates:
        return None
    return max(candidates, key=lambda n: (counts.get(n, 0), -candidates.index(n)))


def _quoted(sentence: str) -> list[str]:
    return [next(g for g in m.groups() if g).strip().lower() for m in _QUOTED.finditer(sentence)]


#: a function call or an assignment in backticks (`check_status_bar()`): code, not a value people choose
_CODE = re.compile(r"[()=]")


def _quoted_groups(sentence: str) -> list[tuple[str, list[str], int]]:
    """Runs of two or more quoted values ("`a`, `b` or `c`") with the word just before each run
    ("a plan (`Basic`, `Plus`)" -> plan) and where the run starts."""
    groups: list[tuple[str, list[str], int]] = []
    run: list[str] = []
    label, last_end, start = "", 0, 0
    for m in _QUOTED.finditer(sentence):
        value = next(g for g in m.groups() if g).strip().lower()
        gap = sentence[last_end:m.start()]
        if run and not re.fullmatch(r"[\s,;/]*(?:or|and)?[\s,;/]*", gap, re.I):
            groups.append((label, run, start))
            run = []
        if not run:
            start = m.start()
            before = re.findall(r"[A-Za-z]+", sentence[max(0, m.start() - 40):m.start()])
            label = tf.lemma(before[-1]) if before else ""
            if label in {"a", "an", "the", "be", "is", "of", "either", "to", "as"} and len(before) > 1:
                label = tf.lemma(before[-2])
        if len(value.split()) <= 4 and not _ID.fullmatch(value.upper()) and not _CODE.search(value):
            run.append(value)
        last_end = m.end()
    if run:
        groups.append((label, run, start))
    return [(lab, vals, at) for lab, vals, at in groups if len(vals) >= 2]


#: another field's reason ("issue_reason = 'new_account'"): not why a customer files a request
_OTHER_REASON = re.compile(r"\b[a-z]+_reason\b", re.I)
# a record's status, not a thing named after one ("the status bar shows "LTE", "H+" or "E"")
_STATUS = re.compile(r"\bstatus(?:es)?\b(?!\s+(?:bar|icons?|lights?|indicators?|pages?|lines?|screens?|leds?)\b)", re.I)
# what a status reads like: words ("active", "in transit", "on-hold"), not a sign or a letter ("H+", "E")
_STATE = re.compile(r"[A-Za-z][A-Za-z]+(?:[ _-][A-Za-z]+)*")


#: the head of a noun phrase that names a kind a record is of ("fare type", "membership tier")
_KIND_HEADS = frozenset("type kind class tier level category grade".split())
#: words that are no kind's name before its head ("with type `pos_declined`", "the type")
_NOT_MODIFIERS = frozenset("a an the its their your our his her this that each every with of for in on by to and or "
                           "from as at any which what same new".split())


def _kind_name(sentence: str, start: int) -> str | None:
    """The field a run of quoted values starting at `start` is the choices of, where its label is a
    kind of the record the archetype has no field for: "the fare type (`Light`, ...)" -> fare_type."""
    before = re.findall(r"[A-Za-z]+", sentence[max(0, start - 40):start])
    if len(before) < 2 or before[-1].lower() not in _KIND_HEADS or before[-2].lower() in _NOT_MODIFIERS:
        return None
    return f"{tf.lemma(before[-2])}_{before[-1].lower()}"


def specialise(arch: Archetype, text: str, title: str = "") -> Specialisation:
    counts: dict[str, int] = {}
    for w in re.findall(r"[A-Za-z]+", text):
        lw = tf.lemma(w)
        counts[lw] = counts.get(lw, 0) + 1
    sp = Specialisation(main=_choose(arch.main, counts) or arch.main[0], child=_choose(arch.child, counts),
                        request=_choose(arch.request, counts), catalog=_choose(arch.catalog, counts),
                        sentences=sentences(text))
    before: set[str] = set()
    lead: set[str] = set()  # the words of the heading and the list's lead-in a sentence stands under
    # what the whole text is about: its title ("Closing/Cancelling a Debit Card") where it names an
    # action, else its opening sentence
    subject = _words(title)
    if not any(_names_action(a.verb, subject) for a in arch.actions) and sp.sentences:
        subject = _words(sp.sentences[0][2])
    for start, end, s in sp.sentences:
        at = Found(None, start, end, s)
        before = _read_sentence(arch, sp, at, before)
        _read_clear(arch, sp, at, before | lead | subject)
        _read_eligibility(arch, sp, at, subject)
        _read_others(arch, sp, at, before | lead | subject, lead | subject)
        if text[text.rfind("\n", 0, start) + 1:start].lstrip().startswith("#"):
            lead = set(before)  # a heading starts a section
        elif s.rstrip().endswith(":"):
            lead = lead | before  # "Verify all of the following before closing:"
    return sp


#: "has been open for at least 6 months", "has been active for at least 2 months", "must have been active
#: for at least 14 days", "must be at least 60 days old"
_HELD_FOR = re.compile(r"\b(?:(?:has|have|must\s+have)\s+been|must\s+be)\s+(?:open(?:ed)?|active|issued|held|a\s+member|with\s+us)"
                       r"\s+for\s+at\s+least\s+(\d{1,3}|one|two|three|six|twelve)\s+(day|week|month|year)s?\b"
                       r"|\bmust\s+be\s+at\s+least\s+(\d{1,3})\s+(day|week|month|year)s?\s+old\b", re.I)
_COUNTS = {"one": 1, "two": 2, "three": 3, "six": 6, "twelve": 12}
#: "has no unpaid fees", "without an outstanding balance"
_UNPAID = re.compile(r"\b(?:no|without\s+(?:any|an)?)\s*(?:unpaid|outstanding|overdue)\s+(?:fees?|balance|charges?)\b", re.I)
#: the main record's date it started on, and its field of what its owner owes, by name
STARTED = ("opened_on", "issued_on", "started_on", "member_since", "created_on")
_OWED = re.compile(r"balance_due|late_fees|unpaid|owed")


def _read_eligibility(arch: Archetype, sp: Specialisation, at: Found, subject: set[str]) -> None:
    """"A membership can only be frozen if it has been active for at least 2 months and has no unpaid
    fees": the main record's start date must be N days past, and what it owes nothing, for the
    acts the sentence names; a sentence naming none ("You are eligible only if the card account has
    been open for at least 6 months") is about what the text is about (its title's act, or the
    change of the field it names: a card's limit)."""
    s = at.text
    held, unpaid = _HELD_FOR.search(s), _UNPAID.search(s)
    if not (held or unpaid) or _NEGATION.search(s[:(held or unpaid).start()]):  # type: ignore[union-attr]
        return
    words = _words(s)
    named = any(_names_action(a.verb, words) for a in arch.actions)
    verbs = set(words) if named else set(words) | subject
    for f in arch.editable:  # a change of a field the sentence or title names ("a higher credit limit")
        parts = f["name"].split("_")
        if any(p in verbs for p in parts if len(p) > 3):
            verbs.add(parts[0])
    verbs |= {a.verb for a in arch.actions if _names_action(a.verb, verbs)}  # "Closing/Cancelling a Debit Card": close
    # the sentence as the refusal says it: not as the page wraps it, nor with a checklist's label
    # ("Minimum card age: The debit card must have been active for at least 14 days.")
    text = re.sub(r"^[A-Z][\w ]{0,40}:\s+(?=[A-Z])", "", " ".join(re.sub(r"[*`]", "", s).split()))
    fields = {f["name"]: f for f in arch.main_fields}
    start = next((n for n in STARTED if fields.get(n, {}).get("type") == "date"), None)
    if held and not held.group(0).lower().startswith(("has", "have")) and sp.main not in _words(s[:held.start()]):
        held = None  # "The account must be at least 60 days old" of a card: another record's age
    if held and start and sp.min_age is None:
        said, unit = (held.group(1), held.group(2)) if held.group(1) else (held.group(3), held.group(4))
        n = int(said) if said.isdigit() else _COUNTS[said.lower()]
        sp.min_age = Found((start, n * {"day": 1, "week": 7, "month": 30, "year": 365}[unit.lower()], verbs),
                           at.start, at.end, text)
    owed = next((n for n, f in fields.items() if f.get("type") == "number" and _OWED.search(n)), None)
    if unpaid and owed and sp.paid_up is None:
        sp.paid_up = Found((owed, verbs), at.start, at.end, text)


#: "No pending transactions for this account": a record of the child's in that status holds the action back
_NO_CHILD = re.compile(r"\b(?:no|without)\s+(?:any\s+)?([a-z]+)\s+([a-z]+?)s?\b", re.I)


def _read_clear(arch: Archetype, sp: Specialisation, at: Found, context: set[str]) -> None:
    """A rule, often a list item under "Verify all of the following before closing:", that no child
    record in a status may be left for an action ("No pending transactions for this account"):
    `sp.child_clear[verb]`, where the sentence, the heading and lead-in it stands under, or the text's
    title and opening sentence name the action (its verb, or a noun made from it: closure,
    cancellation)."""
    if not sp.child:
        return
    for m in _NO_CHILD.finditer(at.text):
        state, noun = m.group(1).lower(), tf.lemma(m.group(2).lower())
        if state not in arch.child_statuses or noun not in arch.child:
            continue
        for a in arch.actions:
            if a.verb not in sp.child_clear and _names_action(a.verb, context):
                sp.child_clear[a.verb] = Found(state, at.start, at.end, at.text)


#: "Customer has no linked business savings accounts that are still OPEN": none of the owner's other
#: records of a kind in a status may be left
_NO_OTHER = re.compile(r"\bno\s+(?P<words>(?:[a-z]+\s+){0,3}?)(?P<noun>[a-z]+?)s\s+(?:(?:that|which)\s+are\s+(?:still\s+)?|still\s+)"
                       r"(?P<state>[a-z]+)\b", re.I)
#: "Customer must have at least one active business checking account remaining": one must be left
_SOME_OTHER = re.compile(r"\bat\s+least\s+one\s+(?:other\s+)?(?P<state>[a-z]+)\s+(?P<words>(?:[a-z]+\s+){0,3}?)(?P<noun>[a-z]+?)s?"
                         r"\s+(?:remaining|left|still\s+(?:open|active))\b", re.I)
#: a live record's status said as a word the archetype has none for ("active" for an open account)
_LIVE = frozenset({"active", "live"})


def _read_others(arch: Archetype, sp: Specialisation, at: Found, context: set[str], about: set[str]) -> None:
    """A rule, often a list item under "Verify all of the following before closing:", over the
    owner's OTHER records of the main kind: none of a kind may be left in a status ("Customer has no
    linked business savings accounts that are still OPEN"), or at least one must remain ("Customer
    must have at least one active business checking account remaining"): `sp.others_held[verb]`,
    value (kind or None, status, whether at least one must remain, the kind of record the action
    is on or None), for the action the sentence, the heading and lead-in it stands under, or the
    title name. The kind is a value of the field a product sets (checking, savings); a live
    record's word ("active") is the first status. The kind acted on is the one other kind the
    heading, lead-in or title (`about`) names ("Closing Business Checking Accounts": closing a
    savings account is not held back by another savings account)."""
    kinds = arch.product_kinds()
    for rx, some in ((_NO_OTHER, False), (_SOME_OTHER, True)):
        for m in rx.finditer(at.text):
            if tf.lemma(m.group("noun").lower()) not in arch.main:
                continue
            state = m.group("state").lower()
            state = arch.statuses[0] if state in _LIVE and state not in arch.statuses else state
            said = m.group("words").lower().split()
            kind = next((k for k in kinds if k in said), None)
            if state not in arch.statuses:
                continue
            acted_on = [k for k in kinds if k in about and k != kind]
            value = (kind, state, some, acted_on[0] if len(acted_on) == 1 else None)
            for a in arch.actions:
                if _names_action(a.verb, context):
                    held = sp.others_held.setdefault(a.verb, [])
                    if all(f.value != value for f in held):
                        held.append(Found(value, at.start, at.end, at.text))


def _names_action(verb: str, words: set[str]) -> bool:
    """Whether `words` name the action `verb`: the verb or a noun made from it (closure, cancellation)."""
    stem = verb[:-1] if len(verb) >= 5 else verb
    return verb in words or any(w.startswith(stem) for w in words)


#: a sentence about what the one before named ("A booking is found by ... It holds ...")
_PRONOUN = re.compile(r"(?:it|they|this|each)\b", re.I)


def _read_sentence(arch: Archetype, sp: Specialisation, at: Found, before: set[str]) -> set[str]:
    """Reads one sentence into `sp`; `before`: the words of the sentence before. Returns its words."""
    s = at.text
    low = s.lower()
    words = _words(s)
    of_main = sp.main in words or bool(_PRONOUN.match(s)) and sp.main in before
    quoted = [q for q in _quoted(s) if len(q.split()) <= 4 and not _ID.fullmatch(q.upper())]
    negative = bool(_NEGATION.search(s))

    def found(value: object) -> Found:
        return Found(value, at.start, at.end, at.text)

    groups = _quoted_groups(s)
    for label, values, start in groups:
        about = {label} if len(groups) > 1 else words | {label}
        # a field's choices follow its name ("payment methods are `card` or `paypal`"); a field
        # named only after the run is what the values lead to ("if the item is 'in transit', you
        # can change the payment method"), not its choices
        named = {label} if len(groups) > 1 else _words(s[:start]) | {label}
        verb = next((a.verb for a in arch.actions if a.reasons and a.verb in words), None)
        if "reason" in about and verb and not words & {r.split("_")[0] for r in arch.request} \
                and not _OTHER_REASON.search(s) and not any("_" in v for v in values):
            sp.action_reasons.setdefault(verb, found(values))  # "Select Suspend line and give the reason `lost`"
        elif "reason" in about and sp.reasons is None and not _OTHER_REASON.search(s) \
                and not any("_" in v for v in values):
            sp.reasons = found(values)
        elif "status" in about and sp.statuses is None and not negative and _STATUS.search(s) \
                and all(_STATE.fullmatch(v) for v in values) \
                and not words & ({*arch.request, *arch.child} - set(arch.main)):  # a return's statuses are not its order's
            sp.statuses = found(values)
        elif not any(f["name"].split("_")[0] in named for f in (*arch.main_fields, *arch.child_fields)):
            kind = _kind_name(s, start)
            if kind and of_main and kind not in sp.kinds and all(re.fullmatch(r"[a-z]+(?: [a-z]+)*", v) for v in values):
                sp.kinds[kind] = found(values)  # "It holds ... the fare type (`Light`, `Classic` or `Flex`)"
        else:
            for f in arch.editable:
                if f.get("type", "string") == "string" and f["name"].split("_")[0] in named \
                        and f["name"] not in sp.enums:
                    sp.enums[f["name"]] = found(values)
    for m in _ID.finditer(s):
        before = _words(s[:m.start()])
        for noun in (sp.request, sp.main, sp.child, sp.catalog, arch.owner):
            if noun and noun.split("_")[0] in before and noun not in sp.id_patterns:
                sp.id_patterns[noun] = found(f"{m.group(1)}-{'#' * len(m.group(2))}")
                break
    if fee := _LATE_FEE.search(s):  # a late action charged a fee, but for one kind of record
        for a in arch.actions:
            if fee.group(1).lower().startswith(a.verb[:5]) and a.verb not in sp.late_fees:
                exempt = fee.group(3).lower() if fee.group(3) else None
                sp.late_fees[a.verb] = found((float(fee.group(2).replace(",", "")), exempt))
    if (w := _LATE_WINDOW.search(s)) and sp.late_hours is None \
            and any(a.verb[:5] in low for a in arch.actions) | ("late" in words):
        sp.late_hours = found(int(w.group(1)))
    request_words = {w for w in (sp.request, arch.request_verb) if w} | ({tf.lemma(sp.request)} if sp.request else set())
    if sp.request and sp.request_cap is None and (m := _REQUESTS_AT_ONCE.search(s)) \
            and tf.lemma(m.group(2).lower()) == sp.request.split("_")[-1]:  # "You can have at most 15 holds at once."
        sp.request_cap = found(int(m.group(1)))
    about_request = bool(words & request_words) or (sp.request or "") in low
    w = _WINDOW.search(s)
    if w and about_request and not _OUR_SIDE.search(s) and sp.window_days is None and " of " in low[w.start():]:
        sp.window_days = found(int(w.group(1)) * _UNIT_DAYS[w.group(3).lower()])
    old = _OLD.search(s)
    if old and sp.window_days is None and sp.child and sp.request and set(arch.child) & words and not negative:
        n = int(old.group(1)) * _UNIT_DAYS[old.group(2).lower()]
        child, request = sp.child.replace("_", " "), sp.request.replace("_", " ")
        # the text's "must be within 60 days old" said as a rule reads: at most N days old
        said = f"{indefinite(child).capitalize()} must be at most {n} days old for {indefinite(request)}"
        sp.window_days = Found(n, at.start, at.end, said)
    most = _TIMES_CURRENT.search(s) or _PERCENT_CURRENT.search(s)
    if most and sp.raise_most is None:
        n = most.group(1).lower()
        factor = _FACTORS.get(n) or (int(n) / 100 if most.re is _PERCENT_CURRENT else int(n))
        text = re.sub(r"^[A-Z][\w ]{0,40}:\s+(?=[A-Z])", "", " ".join(re.sub(r"[*`]", "", s).split()))
        sp.raise_most = Found((factor, most.group(2).lower()), at.start, at.end, text)
    lock = _LOCKED.search(s)
    if lock and sp.lock_hours is None:
        sp.lock_hours = found((int(lock.group(2)), _words(lock.group(1))))
    if w and w.group(2) and _OUR_SIDE.search(s) and sp.reply_days is None:
        sp.reply_days = found(int(w.group(1)) * (_UNIT_DAYS[w.group(3).lower()] if w.group(3).lower() != "day" else 1))
    for rx in (_UNDER, _AT_LEAST):
        m = rx.search(s)
        # "a dispute must be at least $5"; not "If approved, your starting limit will be at least $3,000"
        if m and sp.min_amount is None and (rx is _AT_LEAST and about_request or negative or "eligible" in low):
            sp.min_amount = found(float(m.group(1).replace(",", "")))
    m = _AT_LEAST.search(s)
    if m and sp.min_main is None:  # "You must have an overdue balance of at least $100"
        said = _words(s[:m.start()])
        field = next((f["name"] for f in arch.main_fields if f.get("type") == "number" and f["name"].split("_")[0] in said), None)
        if field:
            sp.min_main = found((field, float(m.group(1).replace(",", ""))))
    if negative:
        # "cannot be returned" names the refused act, not a status of what is refused
        acts = {m.group(1).lower() for m in _PASSIVE.finditer(s)}
        child_states = set(arch.child_statuses) - acts
        # the statuses a refusal is about: not those after "until ... delivered" or "check if the bill
        # is overdue" (what lifts it, what is asked), nor the one a change results in
        neg = _NEGATION.search(s)
        tail = _NOT_ABOUT.search(s, neg.end())  # type: ignore[union-attr]
        named = (set(_quoted(s[:tail.start()])) | _words(s[:tail.start()])) if tail else set(quoted) | words
        named -= {m.group(1).lower() for m in _RESULT.finditer(s)}
        for v in sorted(named & child_states):  # sorted: set order varies by process
            if sp.child and set(arch.child) & words and about_request and not _of_the_request(s, v, arch):
                sp.blocked_child.append(found(v))
        # the verbs of what is refused, not its statuses ("cannot freeze CLOSED cards" refuses no closing)
        refused = _words(" ".join(_not_describing(re.findall(r"[A-Za-z]+", s[neg.end():]),  # type: ignore[union-attr]
                                                  set(arch.statuses) | set(arch.child_statuses), sp)))
        required = {m.group(1).lower() for m in _MUST_BE.finditer(s)}  # "Card must be in ACTIVE status (cannot ...)"
        for v in sorted(named & (set(arch.statuses) - acts - required)):
            if sp.main in words:
                sp.blocked_main.append(found(("status", v, refused)))
        _blocked_values(arch, sp, low[:neg.start()], words, refused, found)  # type: ignore[union-attr]
    d = _BEFORE.search(s)
    if d and sp.deadline is None:
        _read_deadline(arch, sp, d, words, found)
    if "only" in words and not negative:
        states = [v for v in quoted if v in set(arch.statuses) | set(sp.statuses.value if sp.statuses else [])]
        for a in arch.actions:
            if states and (a.verb in words or tf.lemma(a.to_status) in words or a.to_status in low):
                sp.only_from.setdefault(a.verb, found(states))
    # "You cannot freeze a membership more than twice in a calendar year"; "Each loan can be renewed
    # up to 2 times, for 21 days each time"
    times = (_MORE_THAN.search(s) if negative else None) or _UP_TO_TIMES.search(s)
    if times:
        n = int(times.group(2)) if times.group(2) else _TIMES[times.group(1).lower()]
        for verb in [a.verb for a in arch.actions if a.also_set] + [f["verb"] for f in arch.editable if "verb" in f]:
            if verb in words:  # an action's counter, or a change the text names by its verb ("rescheduled")
                sp.times_limit.setdefault(verb, found(n))
    if negative and sp.request and sp.request in words and _ANOTHER.search(s):
        for a in arch.actions:  # "An item cannot be renewed if another member has placed a hold on it."
            if a.verb in words:
                sp.others_request.setdefault(a.verb, found(sp.request))
    cap = _CAPS.search(s)
    if cap and sp.caps is None:
        most = {v.lower(): int(n) for n, v in _CAP_EACH.findall(s[cap.start():])}
        if len(most) >= 2:
            sp.caps = found((cap.group(1).lower(), most))
    each = _EACH_TIME.search(s)
    for a in arch.actions if each else ():
        if a.verb in words and any(ADDS_DAYS.search(expr) for _, expr in a.also_set):
            sp.period_days.setdefault(a.verb, found(int(each.group(1))))  # type: ignore[union-attr]
    if "fraud" in words and "freeze" in words and sp.freeze_on is None:
        sp.freeze_on = found("fraud")
    if arch.move is not None:
        _read_move(arch, sp, s, words, negative, found)
    return words


def _read_move(arch: Archetype, sp: Specialisation, s: str, words: set[str], negative: bool, found: Any) -> None:
    """"The amount cannot be more than the available balance", "Transfers to other people are
    limited to $5,000 per day", "Transfers can only come from an account that is `open`"."""
    move = arch.move
    assert move is not None
    cap = re.search(rf"\b(?:more|greater|higher|larger)\s+than\s+(?:the\s+|your\s+|its\s+)?(?:\w+\s+)?"
                    rf"{move.amount_field}\b|\bexceeds?\s+(?:the\s+|your\s+)?(?:\w+\s+)?{move.amount_field}\b", s, re.I)
    if cap and negative and "amount" in words and sp.move_cap is None:
        sp.move_cap = found(move.amount_field)
    most = _REFERENCE_MOST.search(s)  # "an optional reference of up to 18 characters"
    if most and sp.reference_most is None:
        sp.reference_most = found(int(most.group(1)))
    limit = _PER_DAY.search(s)
    if limit and (move.verb in words or "limit" in words) and sp.daily_limit is None:
        amount = float((limit.group(1) or limit.group(2)).replace(",", ""))
        sp.daily_limit = found((amount, bool(_TO_OTHERS.search(s))))
    states = [v for v in _quoted(s) if v in set(arch.statuses)]
    if "only" in words and not negative and states and move.verb in words:
        sp.only_from.setdefault(move.verb, found(states))


def _of_the_request(s: str, status: str, arch: Archetype) -> bool:
    """Whether the status is said of what the customer files, the child's word only saying which
    ("any active or pending transaction disputes": disputes that are pending, not pending transactions)."""
    return any(tf.lemma(m.group(1).lower()) in arch.child and tf.lemma(m.group(2).lower()) in arch.request
               for m in re.finditer(rf"\b{re.escape(status)}\s+(\w+)\s+(\w+)", s, re.IGNORECASE))


def _blocked_values(arch: Archetype, sp: Specialisation, subject: str, words: set[str], refused: set[str],
                    found: Any) -> None:
    """"Non-refundable rates cannot be modified": a value of one of the main record's listed fields,
    named before the negation together with the field, blocks the verbs of the sentence."""
    kinds = [{"name": k, "values": v.value} for k, v in sp.kinds.items()]
    for f in (*arch.main_fields, *kinds):
        values = sp.enums[f["name"]].value if f["name"] in sp.enums else f.get("values")
        if not values or f["name"].split("_")[0] not in words:
            continue
        for v in values:
            if re.search(rf"(?<![\w-]){re.escape(str(v).lower())}(?![\w-])", subject):
                sp.blocked_main.append(found((f["name"], v, refused)))


def _read_deadline(arch: Archetype, sp: Specialisation, m: re.Match, words: set[str], found: Any) -> None:
    """"Changes are possible until 48 hours before check-in": a date field of the main record the
    verbs of the sentence must stay N days ahead of."""
    said = re.sub(r"[-\s]+", "_", m.group(3).lower())
    for f in arch.main_fields:
        # the field by its name, or by the catalog's field it repeats ("departure": a booking's travel_date)
        names = (f["name"], f.get("same_as", "").removeprefix("catalog."))
        if f.get("type") in ("date", "datetime") and any(n == said or n.split("_")[0] == said.split("_")[0] for n in names if n):
            n = int(m.group(1))
            days = -(-n // 24) if m.group(2).lower() == "hour" else n
            sp.deadline = found((f["name"], days, words))
            return


def shift(clock: str, days: int, kind: str) -> str:
    """The clock moved by `days`, as a date or a datetime."""
    t = dt.datetime.fromisoformat(clock) + dt.timedelta(days=days)
    return t.date().isoformat() if kind == "date" else t.replace(microsecond=0).isoformat()
