"""How a value is written when said to a person: one home for the wording that task outputs, the
offline assistant and the scripted user share (agents and simulators may not import each other)."""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from typing import Any

_MONEY = re.compile(r"amount|price|balance|limit|fee|total|refund|cost|payment|charge|fare|deposit|salary|income|"
                    r"(?:nightly|daily|hourly)_rate")
_NOT_MONEY = re.compile(r"count|number|days|months|years|percent|(?<!nightly_)(?<!daily_)(?<!hourly_)rate|score|points|"
                        r"miles|quantity|nights")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$")
_CODE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")
_ON_THE_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::00)?$")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def render(value: Any) -> str:
    """Numbers without trailing noise, booleans as yes/no, lists comma-joined, null as empty."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, list):
        return ", ".join(render(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def is_money(name: str, value: Any) -> bool:
    """Whether a number is an amount of money, read from its field's name ("spending_limit")."""
    low = name.lower()
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and bool(_MONEY.search(low)) and not _NOT_MONEY.search(low)


#: a field holding what a record costs in all (a booking's total paid), not one fare or fee of it
TOTAL = re.compile(r"(?:^|_)(?:total|cost)(?:_paid|_due)?$")
#: a field of free text someone writes for whoever reads the record next (a hand-off's summary, a
#: dispute's note): its words are the writer's own, so no two writers say it alike
FREE_TEXT = re.compile(r"summary|note|comment|message|description|details")
#: what a change charges, worked out by the change itself (a fare difference and a fee)
CHARGED = re.compile(r"^(?:amount_)?charged$")
ENDED = frozenset({"closed", "cancelled", "canceled", "removed", "terminated", "deleted", "expired", "deactivated"})
"""Statuses of a record that is no longer the customer's to use: a question across their records
("which of my accounts has the lowest balance?") leaves it out."""


def ended(record: Any) -> bool:
    """Whether a record (a mapping with a `status`) has ended: closed, cancelled, removed ..."""
    return isinstance(record, dict) and str(record.get("status", "")).lower() in ENDED


def money(value: float) -> str:
    """$1,200.50; whole amounts without cents ($5,500)."""
    return f"${value:,.0f}" if float(value) == int(value) else f"${value:,.2f}"


def when_words(text: str) -> str:
    """A date or an ISO date-time written out to the minute ("2025-03-03T17:05:00" -> "March 3, 2025
    at 5:05 pm"), for values said to describe a record, never for values to be typed back."""
    m = _ISO_DATETIME.match(text)
    if m is None:
        return date_words(text)
    day, hour = date_words(m.group(1)), int(m.group(2))
    if day == m.group(1) or hour > 23:
        return text
    return f"{day} at {hour % 12 or 12}:{m.group(3)} {'am' if hour < 12 else 'pm'}"


def date_words(text: str) -> str:
    """An ISO date written out ("2025-03-03" -> "March 3, 2025"); anything else as it is."""
    if not _ISO_DATE.match(text):
        return text
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def spoken(name: str, value: Any, *, codes_in_words: bool = True) -> str:
    """A value as a person says it: money with a dollar sign, a duration with its unit
    ("notice_period_days" 7 -> "7 days"), dates (and date-times on the minute) written out, and
    (unless the listener must type it back exactly) a code in words ("gift_card" -> "gift card")."""
    if is_money(name, value):
        return money(value)
    if (d := _DURATION.match(name.lower())) and isinstance(value, int) and not isinstance(value, bool):
        return f"{value} {d.group(1)}{'' if value == 1 else 's'}"
    text = render(value)
    if codes_in_words and isinstance(value, str) and _CODE.fullmatch(value):
        return value.replace("_", " ")
    if _ON_THE_MINUTE.match(text):  # said to the minute, it is still the exact value
        return when_words(text)
    return date_words(text)


def code_for(said: Any, choices: list[Any]) -> Any:
    """The choice a value said in words stands for ("annual fee" -> "annual_fee"); else the value."""
    if not isinstance(said, str) or said in choices:
        return said
    low = said.strip().lower()
    return next((c for c in choices if isinstance(c, str) and c.replace("_", " ").lower() == low), said)


def words(name: str) -> str:
    """A field or parameter name in words: `card_id` -> "card ID", `filed_on` -> "date filed",
    `purchase_apr` -> "purchase APR"."""
    return _ACRONYM.sub(lambda m: m.group(0).upper(), plain_words(name))


#: short names written in capitals wherever they stand in a field's name
_ACRONYM = re.compile(r"\b(?:id|apr|apy|atm|pin|fico|sms|url|vat|iban|ach)\b")


#: a field holding how long a named period lasts: "notice_period_days", "early_closure_window_days"
_DURATION = re.compile(r"^(?:[a-z0-9]+_)*(?:period|window|term)_(day|week|month)s$")


@functools.lru_cache(maxsize=4096)  # a field's name: said again for every user and message
def plain_words(name: str) -> str:
    """`order_id` -> "order id", `card_last4` -> "card last four digits"; a moment named by what happens then, as people name it (see
    `moment`): `filed_on` -> "date filed", `starts_at` -> "start time", `new_starts_at` -> "new start time",
    `member_since` -> "member-since date", `check_in` -> "check-in date"."""
    said = name.replace("_", " ").strip()
    if _DURATION.match(name.lower()):  # "notice period days" is the notice period (its value says "7 days")
        said = said.rsplit(" ", 1)[0]
    # digits glued to a word are read apart ("address2" -> "address 2"); "last4" is the card's last four digits
    said = re.sub(r"\blast ?(?:4|four)\b", "last four digits", said)
    said = re.sub(r"\b([a-z]+)(\d+)\b", r"\1 \2", said)
    if m := _PHRASAL_MOMENT.match(said):  # "check_in" -> "check-in date", never "the check in shows ..."
        return f"{m.group(1) or ''}{m.group(2)}-{m.group(3)} date"
    m = _MOMENT_FIELD.match(said)  # "new_starts_at" -> "new start time"
    return (m.group(1) or "") + moment(m.group(2), m.group(3)) if m else said


_MOMENT_FIELD = re.compile(r"^((?:new|old|original|current) )?([a-z]+) (on|at|by|since)$")
_PHRASAL_MOMENT = re.compile(r"^((?:new|original) )?(check|pick|drop|move|sign|log) (in|out|up|off)$")


_HAPPENED = re.compile(r"^((?:last_|first_)?[a-z]+ed(?:_(?:up|out|in|off|back))?)_(?:on|at)$|^date_([a-z]+ed)$")


def happened(field: str) -> str | None:
    """The verb a field names its moment by ("placed_on" -> "placed", "filed_at" -> "filed",
    "date_opened" -> "opened", "picked_up_at" -> "picked up", "last_scanned_at" -> "last scanned"):
    asked "when was it placed?", never
    "the date placed" or "the picked up at"; None for any other field."""
    m = _HAPPENED.match(field)
    return (m.group(1) or m.group(2)).replace("_", " ") if m else None


_PART_HAPPENED = re.compile(r"^(?!(?:last|first|date|new|old|next)_)([a-z]+(?:_[a-z]+)?)_([a-z]+ed|starts|begins|ends|expires|renews)_(?:on|at)$")


def part_happened(field: str) -> tuple[str, str] | None:
    """(the part, how it is said to happen) of a field naming a moment of a part of its record:
    "plan_changed_on" -> ("plan", "was changed"), "pending_plan_starts_on" -> ("pending plan",
    "starts"): asked "when was my plan changed?", said "The plan was changed on ...", never "the
    plan changed on"; None for any other field."""
    m = _PART_HAPPENED.match(field)
    if m is None:
        return None
    verb = m.group(2)
    return m.group(1).replace("_", " "), f"was {verb}" if verb.endswith("ed") else verb


def left_of(field: str) -> tuple[str, str] | None:
    """What a count of what remains counts, and how it is said ("seats_left" -> ("seats", "left"),
    "copies_available" -> ("copies", "available")): asked "how many seats are left on the
    flight?", "how many copies of Night Trains are available?", never "what the seats left on the
    flight is"; None for any other field."""
    m = re.match(r"^([a-z]+s)_(left|available|remaining)$", field) or re.match(r"^(available|remaining)_([a-z]+s)$", field)
    if m is None:
        return None
    return (m.group(1), m.group(2)) if m.group(2) in ("left", "available", "remaining") else (m.group(2), m.group(1))


def moment(word: str, prep: str) -> str:
    """The one rule for a moment named by what happens at it, in a field's name or a sentence:
    ("filed", "on") -> "date filed", ("starts", "at") -> "start time", ("send", "on") -> "send date";
    a deadline: ("reply", "by") -> "reply-by date", ("due", "by") -> "due date" ("approved by" names
    a person: left as it is); a start named by what has held since: ("member", "since") -> "member-since
    date" (never "the member since")."""
    if prep == "since":
        return f"{word}-since date"
    if prep == "by":
        if word.endswith("ed"):
            return f"{word} by"
        return "due date" if word == "due" else f"{word}-by date"
    noun = "date" if prep == "on" else "time"
    return f"{noun} {word}" if word.endswith("ed") else f"{singular(word)} {noun}"


#: a value that is a sentence: three words or more, ending in its own stop
_SENTENCE = re.compile(r"[A-Z][^\n\"]*\s\S+\s[^\n\"]*[.!?]")


def quoted_if_sentence(said: str) -> str:
    """A text value that is a sentence of its own, in quotes: its last stop is then seen to be part
    of it ("The question is \"Which planet is closest to the sun?\"" is no question to the reader,
    "The statement is \"I was charged twice.\"" keeps its stop); a code, a name or a word as it is."""
    return f'"{said}"' if _SENTENCE.fullmatch(said) else said


_QUOTED_TEXT = re.compile(r'"[^"\n]*"')


def unquoted(text: str) -> str:
    """`text` with what it quotes emptied: a value said in quotes asks nothing and ends no
    sentence ('The question is "Is it free?".' is no question)."""
    return _QUOTED_TEXT.sub('""', text) if '"' in text else text


_DOUBLED_STOP = re.compile(r"(?<![.])([.!?])\.(?=\s|$)")


def tidy_stops(text: str) -> str:
    """A sentence's full stop after a value that ends in its own ("The question shows I'd like an
    update, please..") is not written twice; an ellipsis stays, and so does a stop after a quote
    ('"Is it done?".': what ends the sentence for those who read it, `simulators` among them)."""
    return _DOUBLED_STOP.sub(r"\1", text) if "." in text else text


#: plurals no rule makes ("child" -> "children")
_IRREGULAR_PLURAL = {"child": "children", "person": "people", "man": "men", "woman": "women", "foot": "feet",
                     "tooth": "teeth", "mouse": "mice", "goose": "geese"}
_IRREGULAR_SINGULAR = {v: k for k, v in _IRREGULAR_PLURAL.items()}


def singular(noun: str) -> str:
    """"addresses" -> "address", "policies" -> "policy", "cards" -> "card", "children" -> "child"."""
    if noun in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[noun]
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "shes", "ches", "xes")):
        return noun[:-2]
    if noun.endswith("iis"):  # "wiis" (not "analysis")
        return noun[:-1]
    return noun[:-1] if noun.endswith("s") and not noun.endswith(("ss", "us", "is")) else noun


#: a value kept secret (a PIN, a passphrase): never said back, asked about or shown in a task's brief;
#: an id is none, whatever it is the id of (`password_id`); short codes are whole words of the name
#: ("card_pin", never "shipping_address"), as is a security question's answer (not a security deposit)
SECRET = re.compile(r"^(?!.*_id$)(?:.*(?:password|passphrase|passcode|secret|token)"
                    r"|(?:.*_)?(?:pin|ssn|cvv|cvc|security)(?:_(?:answer|code|number|word|key|question))?$)",
                    re.IGNORECASE)


SAID_AS = {"handoff": ("case", "referral")}
"""Records the service keeps for its own staff, as a customer is told of them: a hand-off to a
colleague is their case ("Your case number is HND-1234."), or their referral where the service keeps
cases of its own."""


def said_as(noun: str, taken: frozenset[str] = frozenset()) -> str:
    """`noun` as the customer is told of a record of it (`SAID_AS`): the first word the domain's own
    records (`taken`) do not go by."""
    return next((w for w in SAID_AS.get(noun, ()) if w not in taken), noun)


def record_noun(table: str, key: str) -> str:
    """The noun a table's records go by: its key's ("zapdoses", `zapdos_id` -> "zapdos", which
    `singular` cannot tell from "cases" -> "case") when the table is that noun's plural, else the
    table's singular ("product_variants", `variant_id` -> "product_variant")."""
    noun = key[:-3] if key.endswith("_id") else ""
    return noun if noun and plural(noun) == table else singular(table)


#: nouns with no plural: a table of them keeps the noun ("money", never "moneys")
#: nouns of no count: a mass of something ("money", "traffic"), never one of it; nor a name plural
#: in form ("the Olympics", "graphics")
UNCOUNTABLE = frozenset("money fun information data equipment feedback advice software hardware luggage baggage "
                        "news traffic wool homework research knowledge furniture insurance evidence progress "
                        "stuff cash gravity luck weather music".split())


def uncountable(noun: str) -> bool:
    return noun in UNCOUNTABLE or noun.endswith("ics")


def plural(noun: str) -> str:
    """"account" -> "accounts", "policy" -> "policies", "address" -> "addresses": of a phrase, its
    last word ("gift card" -> "gift cards"); "money" stays."""
    head, _, last = noun.rpartition(" ")
    if uncountable(last):
        return noun
    if last in _IRREGULAR_PLURAL:
        last = _IRREGULAR_PLURAL[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif last.endswith(("s", "sh", "ch", "x", "z")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}".strip()


# words that may follow a counted noun in a field's name: "freezes_this_year", "seats_left"
_COUNT_AFTER = frozenset("this last per so far year month week day today left remaining available used taken total".split())


def _count_noun(name: str) -> tuple[str, str] | None:
    """(the counted noun in the plural, what follows it) that a field named for a count carries:
    "passengers" -> ("passengers", ""), "freezes_this_year" -> ("freezes", "this year"),
    "renewal_count" -> ("renewals", ""), "number_of_guests" -> ("guests", ""); a "new" in front
    is the request's wording, not part of what is counted. None when the name counts nothing."""
    if _DURATION.match(name.lower()):  # "notice_period_days": how long, not how many
        return None
    parts = [w for w in name.lower().replace("_", " ").split() if w]
    if parts[:1] == ["new"]:
        parts = parts[1:]
    if parts[:2] == ["number", "of"]:
        parts = parts[2:]
    if len(parts) >= 2 and parts[-1] == "count":
        return " ".join([*parts[:-2], plural(parts[-2])]), ""
    for i, w in enumerate(parts):
        if w.endswith("s") and singular(w) != w and all(x in _COUNT_AFTER for x in parts[i + 1:]):
            return " ".join(parts[:i + 1]), " ".join(parts[i + 1:])
    return None


def how_many(name: str) -> str | None:
    """The question a count field is asked by, in words both sides of a conversation recognise:
    "new_guests" -> "how many guests" (never "what's the new guests?"); None when it counts nothing."""
    found = _count_noun(name)
    return f"how many {' '.join(found).strip()}" if found else None


def is_count(name: str, value: Any) -> bool:
    """Whether a whole number counts things its field names in the plural ("passengers", "bags",
    "freezes_this_year", "renewal_count")."""
    return isinstance(value, int) and not isinstance(value, bool) and not is_money(name, value) \
        and bool(name.strip()) and _count_noun(name) is not None


def none_of(name: str) -> str:
    """A count of 0 as people say it: "copies_available" -> "no copies available"."""
    return "no " + counted(name, 0).split(" ", 1)[1]


def counted(name: str, value: int) -> str:
    """"4 passengers", "1 bag", "2 freezes this year": a count with its noun in the right number."""
    found = _count_noun(name)
    if found is None:
        return f"{value} {name.replace('_', ' ').strip()}"
    noun, after = found
    head, _, last = noun.rpartition(" ")
    said = f"{head} {singular(last)}".strip() if value == 1 else noun
    return f"{value} {said} {after}".strip()


# a count of times a record had something done to it, said as a person says it: "frozen twice this year",
# never the field's "2 freezes this year"
_TIMES_DONE = re.compile(r"^(?P<noun>freeze|renewal|extension)s?_this_(?P<span>year|month|week)$")
_DONE_AS = {"freeze": "frozen", "renewal": "renewed", "extension": "extended"}
_TIMES = {1: "once", 2: "twice"}


def times_done(key: str, value: Any) -> str | None:
    """"frozen twice this year", "not frozen this year" for a count of times done (`_TIMES_DONE`), else None."""
    m = _TIMES_DONE.match(key.lower())
    if m is None or not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    done, span = _DONE_AS[m["noun"]], f"this {m['span']}"
    return f"not {done} {span}" if value == 0 else f"{done} {_TIMES.get(value, f'{value} times')} {span}"



_PARTICIPLE = re.compile(r"^(?:\w+ed|lost|stolen|broken|gone|missing|late|wrong|overcharged|unauthori[sz]ed|"
                         r"expired|closed|frozen|damaged|unused)$", re.IGNORECASE)
_VOWEL_SOUND = re.compile(r"^(?!one\b|once\b|eu|uni|use|usu|uti|ura|ure|uro)(?:[aeiou]|hour|honest|honor)", re.IGNORECASE)


_TO_BOOLEAN = re.compile(r"(^|\b(?:to|and|I'll|will|can|I've|me|please|you) )(?:change|set|update|switch) (the [^.,;?!]+?) to (yes|no|true|false)\b",
                         re.IGNORECASE)


_COUNT_TO = re.compile(r"\b(change|set|update) the (?:number of )?(\w+) of ((?:your|my) [^.,;?!]+?) to (\d+)\b",
                       re.IGNORECASE)


def smooth(text: str) -> str:
    """Grammar that filled-in templates get wrong: "a account" -> "an account", "a $8.39 fee" -> "an
    $8.39 fee", "because of lost"
    -> "because it was lost", "because of item not received" -> "because the item was not
    received", "change the overdraft protection to yes" -> "turn on the overdraft protection",
    "change the bags of my booking to 1" -> "change my booking to 1 bag", a template's "for you"
    after an action done for the person already ("I can write poetry for you for you"), doubled
    spaces and spaces before punctuation."""
    text = re.sub(r"(?<![\d.,$])\b1 (day|week|month|hour|year)s\b", r"1 \1", text)  # "opened 1 days ago" -> "1 day"
    if "because of" in text or "due to" in text:
        text = _reasons_said(text)
    text = _TO_BOOLEAN.sub(lambda m: f"{m.group(1)}turn {'on' if m.group(3).lower() in ('yes', 'true') else 'off'} "
                                     f"{m.group(2)}", text)
    text = _COUNT_TO.sub(lambda m: f"{m.group(1)} {m.group(3)} to {counted(m.group(2), int(m.group(4)))}"
                         if singular(m.group(2)) != m.group(2) else m.group(0), text)
    text = agree(re.sub(r"\b([Aa]n?) (\w+)", _article, text))
    text = _MONEY_ARTICLE.sub(_money_article, text)
    text = re.sub(r"\b(for you)(?: for you)+\b", r"\1", text)
    return re.sub(r"\s+([,.?!])", r"\1", re.sub(r"[ \t]{2,}", " ", text))


def _reasons_said(text: str) -> str:
    """`smooth`'s readings of a reason said as a template fills it in ("because of lost")."""
    text = re.sub(r"\b(?:because of|due to) (no longer|not|never) ", _not_reason, text)
    # "because of wrong item" -> "because it was the wrong item"
    text = re.sub(rf"\b(?:because of|due to) (?:an? |the )?wrong (\w+)\b(?={_REASON_END})", r"because it was the wrong \1", text)
    # a thing and what did not happen to it: "because of item not received" -> "because the item was not received"
    text = re.sub(rf"\b(?:because of|due to) (\w+) not (\w+ed)\b(?={_REASON_END})", r"because the \1 was not \2", text)
    # a thing and its degree: "because of delivery too slow" -> "because the delivery was too slow"
    text = re.sub(rf"\b(?:because of|due to) (\w+) too (\w+)\b(?={_REASON_END})", r"because the \1 was too \2", text)
    # a degree: "because of too expensive" -> "because it's too expensive"
    text = re.sub(rf"\b(?:because of|due to) (too \w+)\b(?={_REASON_END})", r"because it's \1", text)
    # a doing with how: "because of feeling better" -> "because I'm feeling better", a change of which
    # one: "because of moving bank" -> "because you're moving banks" (whose: the sentence's "my" or
    # "your" before it)
    text = _DOING_REASON.sub(lambda m: _doing_reason(m, text), text)
    text = _SWITCHING_REASON.sub(lambda m: _doing_reason(m, text), text)
    # a person's doing in the past: "remove my user because of left the business" -> "... because they left ..."
    text = _DONE_REASON.sub(lambda m: _done_reason(m, text), text)
    # what was done to the customer while the record was so: "a refund for your subscription because of charged
    # while frozen" -> "... because you were charged while it was frozen"
    text = _DONE_WHILE.sub(lambda m: _done_while(m, text), text)
    # none of a thing: "close your case because of no reply" -> "... because there's been no reply"
    text = re.sub(rf"\b(?:because of|due to) no (?!longer\b)([a-z]+)\b(?={_REASON_END})", r"because there's been no \1", text)
    # how the thing is: "because of defective" -> "because it's defective" (never "because of a defective")
    text = re.sub(rf"\b(?:because of|due to) ([a-z]+(?:ive|ous|ful|able|ible))\b(?={_REASON_END})", r"because it's \1",
                  text)
    # only a participle that ends the reason: "because of suspected fraud" stays as it is
    text = re.sub(rf"\b(because of|due to) (\w+)\b(?={_REASON_END})", _one_word_reason, text)
    text = re.sub(rf"\b(because of|due to) (\w+) (\w+)\b(?={_REASON_END})", _a_reason, text)
    text = re.sub(rf"\b(because of|due to) (\w+) (of \w+)\b(?={_REASON_END})", _a_reason, text)
    return text


# an article before an amount: "an $8,213.24 balance" ("eight thousand"), "an $11 fee", "a $180 fee"
_MONEY_ARTICLE = re.compile(r"\b([Aa])n? (\$(\d+)(?:,\d{3})*(?:\.\d+)?)")


def _money_article(m: re.Match[str]) -> str:
    lead = m.group(3)  # the digits before the first comma: what is said first
    return f"{m.group(1)}{'n' if lead.startswith('8') or lead in ('11', '18') else ''} {m.group(2)}"


# where a reason said as a choice ends: "because of a wrong amount." / "... today" / "... and"
_REASON_END_WORDS = ("and or but so now today please by in at on to from during after before twice instead too also "
                     "again anyway then first").split()
_REASON_END = rf"[.,;:!?)]|\s+(?:{'|'.join(_REASON_END_WORDS)})\b|$"
# heads of a reason that take no article: a mass noun ("suspected fraud") or a kind of one
_MASS = re.compile(r"(?:fraud|activity|medication|damage|information|access|weather|service|spam|abuse|misuse|use|"
                   r"travel|work|mail|goodwill|traffic|debt|income|money|health|age|maintenance|baggage|luggage|equipment|"
                   r"furniture|software|hardware|data|feedback|advice|evidence|noise|pain|stress|"
                   r"\w+ness|\w+ship|\w+ment|\w+ism|\w+ing|\w+tion|\w+sion|\w+ance|\w+ence|\w+ity)$")


# words that are not a thing a reason can be one of: "because of other" stays as it is
_NOT_A_THING = frozenset("a an the my your our their it this that its no not other others another me you us them "
                         "something nothing anything everything".split())
# gerunds that name a kind of thing before a noun ("a billing error"), unlike "moving bank"
_NOUN_GERUNDS = frozenset("billing shipping booking parking banking pricing scheduling processing charging "
                          "routing loading rounding".split())


# a reason that is something the person is doing, and how ("moving", "feeling better", "running low")
_HOW = "better worse low abroad away out home late early well sick ill short behind overseas".split()
_DOING_REASON = re.compile(rf"\b(?:because of|due to) ([a-z]+ing(?: (?:{'|'.join(_HOW)}))?)\b(?={_REASON_END})")
#: words ending in -ing that are things, not doings: never "because I'm wedding"
_ING_THINGS = frozenset("thing something anything nothing everything morning evening ceiling wedding building "
                        "clothing housing funding spring string king ring wing during".split())


# a change of which one: "moving bank" -> "moving banks", "switching supplier" -> "switching suppliers"
_SWITCHING_REASON = re.compile(rf"\b(?:because of|due to) ((?:moving|switching|changing) ([a-z]+))\b(?={_REASON_END})")


def _doing_reason(m: re.Match, text: str) -> str:
    """"because I'm feeling better" in a sentence about "my" things, "because you're ..." about
    "your" ones, "because you're moving banks" (one changed for another is said in the plural);
    as it was when the sentence says neither."""
    if m.group(1).split()[0] in _NOUN_GERUNDS | _ING_THINGS:
        return m.group(0)
    whose = _whose(text, m.start())
    if whose is None:
        return m.group(0)
    who = "I'm" if whose == "my" else "you're"
    doing = m.group(1)
    if m.re is _SWITCHING_REASON and m.group(2) not in _HOW and singular(m.group(2)) == m.group(2):
        doing = f"{doing.split()[0]} {plural(m.group(2))}"
    return f"because {who} {doing}"


def _whose(text: str, at: int) -> str | None:
    """"my" or "your", the last said in the sentence before `at` (whose the reason is); "your" in
    the assistant's "I'll ..." of the customer's request ("I'll request a refill for visit VST-1
    because you're running low"); None."""
    sentence = re.split(r"[.!?]\s", text[:at])[-1]
    owner = re.findall(r"\b(my|your)\b", sentence, re.IGNORECASE)
    if owner:
        return owner[-1].lower()
    return "your" if re.search(r"(?:^|[:;,]\s)\s*I(?:'ll| will)\b", sentence) else None


# a reason that is what someone did ("left the business", "moved away"): a past tense and its object
_DONE_REASON = re.compile(r"\b(?:because of|due to) ((?:left|moved|joined|quit|retired|changed|switched|closed|found|"
                          r"chose|bought|got) (?:the|a|an|another|their|his|her|our|my|away|abroad)\b)")
# a reason that is what was done to someone while their record was so ("charged while frozen")
_DONE_WHILE = re.compile(rf"\b(?:because of|due to) ([a-z]+ed) (while|when) ([a-z]+)\b(?={_REASON_END})")
_PERSON_RECORD = re.compile(r"\b(?:user|member|employee|contact|person|staff|signer|delegate|payee|recipient)s?\b",
                            re.IGNORECASE)


def _not_reason(m: re.Match) -> str:
    """"because it's no longer needed"; "because they're no longer needed" of a person on the
    account (a user, a member) named earlier in the sentence."""
    before = re.split(r"[.!?]\s", m.string[:m.start()])[-1]
    who = "they're" if _PERSON_RECORD.search(before) else "it's"
    return f"because {who} {m.group(1)} "


def _done_reason(m: re.Match, text: str) -> str:
    """"because they left the business" when the sentence is about a person on the account (a user,
    a member, a payee); else "because I moved away" about "my" things, "because you ..." about
    "your" ones; as it was when the sentence says neither."""
    if _PERSON_RECORD.search(re.split(r"[.!?]\s", text[:m.start()])[-1]):
        return f"because they {m.group(1)}"
    whose = _whose(text, m.start())
    return m.group(0) if whose is None else f"because {'I' if whose == 'my' else 'you'} {m.group(1)}"


def _done_while(m: re.Match, text: str) -> str:
    """"because you were charged while it was frozen" of "your" things, "because I was ..." of "my" ones,
    "because it was charged while frozen" when the sentence says neither."""
    whose = _whose(text, m.start())
    who = "I was" if whose == "my" else "you were" if whose == "your" else None
    if who is None:
        return f"because it was {m.group(1)} {m.group(2)} {m.group(3)}"
    return f"because {who} {m.group(1)} {m.group(2)} it was {m.group(3)}"


def _one_word_reason(m: re.Match) -> str:
    """"because of lost" -> "because it was lost"; "because of conflict" -> "because of a conflict"
    (one countable thing); a mass noun or a plural stays as it is ("because of fraud", "fees")."""
    word = m.group(2)
    if _PARTICIPLE.match(word):
        return f"because it was {word}"
    low = word.lower()
    if low in _NOT_A_THING or not word.isalpha() or not word.islower() or singular(low) != low \
            or _MASS.match(low) or low in _REASON_END_WORDS:
        return m.group(0)
    return f"{m.group(1)} {'an' if _VOWEL_SOUND.match(word) else 'a'} {word}"


def _a_reason(m: re.Match) -> str:
    """"because of wrong amount" -> "because of a wrong amount": a choice of two words whose head
    is one countable thing takes an article (a word before it and the words stay as they were, so
    the choice is still read back whole)."""
    first, head = m.group(2), m.group(3)
    if first.lower() in ("a", "an", "the", "my", "your", "our", "their", "it", "this", "that", "its", "no", "not") \
            or first.endswith("ing") and first.lower() not in _NOUN_GERUNDS \
            or singular(head) != head or _MASS.match(head.lower()) and not head.startswith("of ") \
            or head.lower() in _REASON_END_WORDS:  # "because of fees today": the reason is one word
        return m.group(0)
    return f"{m.group(1)} {'an' if _VOWEL_SOUND.match(first) else 'a'} {first} {head}"


# "the card last four digits is" -> "are": a name of up to four words after the/my/your whose last
# word is a plural (a consonant before the "s": not "status", "address", "gas"), and no "of" in it
_PLURAL_IS = re.compile(r"\b((?:[Tt]he|[Mm]y|[Yy]our|whose) (?:(?!of\b)[a-z]+ ){0,3}[a-z]*[b-df-hj-np-rtv-z]s) is\b")


def agree(text: str) -> str:
    """A plural name takes "are": "the last four digits is 7939" -> "the last four digits are 7939"."""
    return _PLURAL_IS.sub(r"\1 are", text)


def a_or_an(word: str) -> str:
    """The indefinite article `word` takes by its sound: "an account", "an hour", "a user", "a unit"."""
    return "an" if _VOWEL_SOUND.match(word) else "a"


def _article(m: re.Match) -> str:
    article, word = m.group(1), m.group(2)
    if not word[:1].isalpha() or word.isupper():
        return m.group(0)
    want = a_or_an(word)
    return f"{want if article.islower() else want.capitalize()} {word}"


_IRREGULAR = {"go": "gone", "choose": "chosen", "buy": "bought", "freeze": "frozen", "make": "made", "pay": "paid",
              "send": "sent", "set": "set", "reset": "reset", "get": "got", "put": "put", "take": "taken",
              "give": "given", "hold": "held", "withdraw": "withdrawn", "draw": "drawn", "sign": "signed",
              "lower": "lowered", "open": "opened", "cancel": "cancelled", "refill": "refilled", "upgrade": "upgraded",
              "forget": "forgotten", "begin": "begun",
              # the strong verbs a how-to's request may start with ("find the flashlight", "win a match")
              "be": "been", "do": "done", "have": "had", "find": "found", "write": "written", "win": "won",
              "run": "run", "shoot": "shot", "lose": "lost", "hide": "hidden", "speak": "spoken", "break": "broken",
              "bring": "brought", "build": "built", "catch": "caught", "cut": "cut", "drive": "driven",
              "eat": "eaten", "feed": "fed", "feel": "felt", "fight": "fought", "fly": "flown", "grow": "grown",
              "hear": "heard", "hit": "hit", "keep": "kept", "know": "known", "lead": "led", "leave": "left",
              "lend": "lent", "let": "let", "light": "lit", "mean": "meant", "meet": "met", "read": "read",
              "ride": "ridden", "say": "said", "see": "seen", "sell": "sold", "shake": "shaken", "shut": "shut",
              "sing": "sung", "sit": "sat", "sleep": "slept", "slide": "slid", "speed": "sped", "spend": "spent",
              "split": "split", "spread": "spread", "stand": "stood", "steal": "stolen", "stick": "stuck",
              "swim": "swum", "teach": "taught", "tell": "told", "think": "thought", "throw": "thrown",
              "understand": "understood", "wake": "woken", "wear": "worn", "dig": "dug", "hang": "hung",
              "seek": "sought", "bind": "bound", "blow": "blown", "drink": "drunk", "tear": "torn",
              "forgive": "forgiven", "swing": "swung", "spin": "spun", "sweep": "swept", "quit": "quit",
              "beat": "beaten", "become": "become", "overcome": "overcome", "undergo": "undergone", "breed": "bred"}


_PARTICIPLES = frozenset(_IRREGULAR.values())


def says_state(word: str) -> bool:
    """Whether a word says a state a thing is in: a past participle ("verified", "made", "reset") or
    an adjective of what it can be ("available", "compatible"), so a yes/no named by it reads "the
    actions are made", never "actions made is on"."""
    return word.endswith(("ed", "able", "ible")) or word in _PARTICIPLES


_DANGLING = frozenset("during for with by from of to into about before after until within without between "
                      "through via than".split())
"""A preposition a name ends in whose object was left out ("is_executed_during"): not said."""
_PARTICLES = frozenset("in up out off down on".split())
"""A verb's particle after its participle: "logged in", "set up"."""


def undangled(key: str) -> str:
    """A name without a preposition left at its end: "is_executed_during" -> "is_executed" (a verb's
    particle, "set_up", "logged_in", stays)."""
    head, _, last = key.rpartition("_")
    return head if head and last.lower() in _DANGLING else key


def state_of(key: str) -> tuple[str, str, str] | None:
    """(the thing, "is" or "are", the state) of a yes/no named by the state a thing is in, a past
    participle or an adjective last: "locale_data_selected" -> ("locale data", "is", "selected"),
    "files_extracted" -> ("files", "are", "extracted"), "parameters_are_mounted" -> ("parameters",
    "are", "mounted"), "user_logged_in" -> ("user", "is", "logged in"); None for another name. The
    assistant and the scripted user both say such a yes/no so."""
    parts = undangled(key).lower().split("_")
    if len(parts) >= 3 and parts[-1] in _PARTICLES and says_state(parts[-2]):
        parts = [*parts[:-2], f"{parts[-2]} {parts[-1]}"]
    if len(parts) < 2 or not says_state(parts[-1].split()[0]) or parts[-1] in ("needed", "required") \
            or parts[0] in ("is", "has", "can"):
        return None
    thing, state = parts[:-1], parts[-1]
    be = thing.pop() if len(thing) > 1 and thing[-1] in ("is", "are") else None
    last = thing[-1]
    many = len(last) > 3 and singular(last) != last and not last.endswith(("ss", "us", "is"))
    return " ".join(thing), be or ("are" if many else "is"), state


STRESSED_LAST = frozenset("submit commit admit permit transmit refer transfer prefer occur compel expel patrol control "
                     "enrol forget begin upset omit equip regret rebook format debug".split())
"""Verbs of more than one syllable whose final consonant doubles, most stressed last ("submitted",
"submitting"; "formatted", "debugged")."""


def participle(verb: str) -> str:
    """The past participle of a base verb: "change" -> "changed", "freeze" -> "frozen", "unfreeze"
    -> "unfrozen" (a prefix keeps its verb's form), "submit" -> "submitted", "apply" -> "applied",
    "stop" -> "stopped", "renew" -> "renewed"."""
    low = verb.lower()
    for prefix in ("", "un", "re"):
        if low.startswith(prefix) and low[len(prefix):] in _IRREGULAR:
            return prefix + _IRREGULAR[low[len(prefix):]]
    if low.endswith("e"):
        return low + "d"
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return low[:-1] + "ied"
    if _doubles(low):
        return low + low[-1] + "ed"
    return low + "ed"


def _doubles(low: str) -> bool:
    """Whether a verb's final consonant doubles before -ed and -ing ("stop", "submit"; not "open")."""
    return (len(re.findall(r"[aeiou]+", low)) == 1 and re.search(r"[^aeiou][aeiou][^aeiouwxy]$", low) is not None) \
        or low in STRESSED_LAST


def gerund(verb: str) -> str:
    """The -ing form of a base verb: "return" -> "returning", "exchange" -> "exchanging", "set" ->
    "setting", "submit" -> "submitting", "see" -> "seeing", "tie" -> "tying"."""
    low = verb.lower()
    if low.endswith("ie"):
        return low[:-2] + "ying"
    if low.endswith("e") and not low.endswith(("ee", "ye", "oe")) and len(low) > 2:
        return low[:-1] + "ing"
    return low + (low[-1] if _doubles(low) else "") + "ing"


def sentence_case(title: str) -> str:
    """"Opening Personal Checking Accounts" -> "opening personal checking accounts" (acronyms kept);
    a phrase whose first word is in lower case is no title ("uninstall Google Chrome" keeps its names)."""
    words = title.split()
    parts = [p for w in words for p in (w.split("-") if w[:1].isalpha() else ())]  # "6-Month" counts for neither
    lettered = [p for p in parts if p[:1].isalpha()]  # "Split-the-Bill": three, two of them capitalised
    titled = len(lettered) > 1 and sum(p[:1].isupper() for p in lettered) * 2 > len(lettered) \
        and not (words[0].isalpha() and words[0].islower())
    if not titled:
        return title[:1].lower() + title[1:] if title[1:2].islower() else title
    return " ".join(w if w.isupper() else w.lower() for w in words)


# ---------------------------------------------------------------- names as the text writes them

#: a word written with a capital inside it ("iPhone", "MediaWiki", "wikiHow"), or in capitals, short
#: or with a number ("SSD", "DVDs", "FAT32"; not "RIGHT", "SAMBA", a word said loud): a name
_MIXED = re.compile(r"(?<![\w@./\\-])(?:[a-z]+[A-Z]|[A-Z][a-z]+[A-Z])[A-Za-z]*(?![\w@\\-])")
_CAPITALS = re.compile(r"(?<![\w@./\\-])(?:[A-Z]{2,3}s?|[A-Z]{2,5}\d{1,2})(?![\w@&\\-])")
#: capitalised words in a row ("your Apple ID password", "the App Store", "Google Books")
_TITLED_RUN = re.compile(r"(?<![\w@./\\-])[A-Z][A-Za-z0-9]*(?:[ ][A-Z][A-Za-z0-9]*)+(?![\w@\\-])")
#: one capitalised word ("the Avogadro", "your Android's"; its lower-case word before it is found apart)
_TITLED = re.compile(r"(?<![\w@./\\'’-])[A-Z][a-z]{2,}(?![\w@&\\-])(?![ ][A-Z])")
#: words a verb follows, so the word after it is one ("and select Redeem", "should display Active")
_BEFORE_VERB = frozenset("and then or to should will can must please also just".split())
#: the words of three letters or more a title writes in lower case ("Upgrading from One ... to the Next")
_TITLE_MINOR = frozenset("the and but for nor from with into onto via per".split())
_DETERMINERS = frozenset("the a an your my our their his her its this that these those some any".split())
#: short words in capitals that are a button's word or a shout, not a name ("Click OK", "AT&T")
_SHOUTED = frozenset("ok on off no yes all and or the not new add end out top get set run see use tap "
                     "go to in it is my at of up us an as be by do he if me so we am".split())


def text_names(texts: Any, titles: Any = ()) -> dict[str, str]:
    """The names the texts write with capitals, keyed by their lower case: a word with a capital
    inside it ("iphone" -> "iPhone"), a word in capitals beside a word in lower case ("an SSD in":
    "ssd" -> "SSD"; "your DVDs": "dvd" too; not a button's "Tap DONE."), and two or more capitalised words in a row after a
    word in lower case ("your Apple ID password": "apple id" -> "Apple ID"; "the App Store"), and
    one capitalised word after a word in lower case ("your Android", "the Avogadro") unless that word
    is only ever a verb, one a step opens with ("and tap Next" beside "Tap Apps.") or one after "and",
    "to", "should" ("and select Redeem"): then it is the verb's button or a value on a screen.
    A name the texts also write in lower case is none ("Search" of "Tap Search." beside "the search
    bar"; the title's "how to report a fake account" beside "Tap Report."), nor is a sentence's first
    word, nor one word of a line or a quote in title case (a heading's "from Stable to the Next").
    `titles` (a document's title: "After the First Boot", "How to uninstall Google Chrome") give only
    words with a capital inside and in capitals, and their lower-case words."""
    found: dict[str, str] = {}
    lowered: set[str] = set()
    single: dict[str, tuple[str, set[tuple[str, bool]]]] = {}  # a word -> it, the word before it (a verb?)
    openers: set[str] = set()  # the words a sentence opens with: the steps' verbs ("Tap", "Select")
    titles = [t for t in titles if isinstance(t, str)]
    for text in [*titles, *texts]:
        if not isinstance(text, str) or not text:
            continue
        titled = any(text is t for t in titles)
        for m in _MIXED.finditer(text):
            found.setdefault(m.group(0).lower(), m.group(0))
        for m in _CAPITALS.finditer(text):
            word = m.group(0)
            before, after = text[:m.start()].rstrip(), text[m.end():].lstrip()
            beside = re.search(r"[a-z][a-z']*$", before) or re.match(r"[a-z]", after)
            if beside and word.lower().rstrip("s") not in _SHOUTED and word.lower() not in _SHOUTED:
                found.setdefault(word.lower(), word)
                if word.endswith("s") and len(word) > 3:  # "your DVDs": one is a DVD
                    found.setdefault(word[:-1].lower(), word[:-1])
        for m in () if titled else _TITLED_RUN.finditer(text):
            if re.search(r"\b[a-z][a-z']*,?\s+$", text[:m.start()]):  # after a lower-case word: not a sentence's start
                found.setdefault(m.group(0).lower(), m.group(0))
        for word, before, verbal in () if titled else _single_words(text):
            single.setdefault(word.lower(), (word, set()))[1].add((before, verbal))
        openers.update(w.lower() for w in re.findall(r"(?:^|[.!?:]\s)\s*([A-Za-z]+)", text, re.M))
        lowered.update(w for w in re.findall(r"(?<![\w@./\\-])[a-z][a-z0-9]*(?:[ ][a-z][a-z0-9]*)*", text))
    for low, (word, before) in single.items():
        # not only a verb's label: "the Avogadro", not "and tap Next" ("Tap Apps.": a step's verb) or "to open Settings"
        if any(not verbal and w not in openers - _DETERMINERS for w, verbal in before):
            found.setdefault(low, word)
    words = {w for phrase in lowered for w in phrase.split(" ")}
    return {k: v for k, v in found.items()
            if (k not in words if " " not in k else not any(k in p for p in lowered)) and not v.islower()}


def _single_words(text: str) -> Iterator[tuple[str, str, bool]]:
    """Each capitalised word of `text` after a lower-case word on its line (not a list's item: "billing,
    Refund times"), with that word and whether a verb's word goes before it ("and select Redeem");
    none in a line, a quote or a marked label in title case ("from One Stable Distribution to the
    Next", "[Pull up Account]")."""
    for line in re.split(r"[\n\"“”\[\]*]", text):
        words = [w for w in re.findall(r"[A-Za-z]{3,}", line)[1:] if w not in _TITLE_MINOR]
        if words and all(w[0].isupper() for w in words):
            continue
        for m in _TITLED.finditer(line):
            before = re.search(r"(?:(\w+)[ \t]+)?(?<![\w'’-])([a-z][a-z']*)[ \t]+$", line[:m.start()])
            if before and m.group(0).lower() not in _SHOUTED:
                verbal = (before.group(1) or "").lower() in _BEFORE_VERB and before.group(2) not in _DETERMINERS
                yield m.group(0), before.group(2), verbal


def domain_names(domain: Any) -> dict[str, str]:
    """`text_names` of what a domain quotes from its document: the spans it came from, its rules,
    its workflows' spans and its description (a title). Not its goals: they name the record by its key
    ("(iphone {iphone_id})"), in an identifier's lower case."""
    texts = [*(sp.text for sp in domain.provenance.spans), *(r.text for r in domain.policy),
             *(wf.span.text for wf in domain.workflows if wf.span is not None)]
    return text_names(texts, titles=[domain.description])


def record_nouns(domain: Any) -> list[str]:
    """The nouns of the records a domain keeps, in words, one or two per table (its key's and its
    name's: `record_noun`, `singular`): "booking", "card", "product variant"."""
    nouns = (n for e in domain.entities for n in (record_noun(e.name, e.primary_key), singular(e.name)))
    return sorted({n.replace("_", " ") for n in nouns})


def cased(text: str, names: dict[str, str]) -> str:
    """`text` with each name of `names` (`text_names`) written as the text that named it writes it,
    where it stands as words of their own in lower case ("your apple ID password" -> "your Apple ID
    password", "my iphone" -> "my iPhone") or only capitalised ("Lanschool" -> "LanSchool"; a
    sentence's "Right," stays whatever "RIGHT" is: `_recased`); never inside an email, a file name
    or an id ("adams_1991.csv")."""
    if not names or not text:
        return text
    pattern = _names_pattern(tuple(sorted(names, key=lambda k: (-len(k), k))))
    return pattern.sub(lambda m: _recased(m.group(0), names.get(m.group(0).lower(), m.group(0))), text)


def _recased(said: str, name: str) -> str:
    """`name` for `said` when `said` is it in lower case, or only capitalised where the name has a
    capital inside ("Lanschool" -> "LanSchool"); else `said` ("Right," is no "RIGHT")."""
    if said[:1].islower() or said == said.capitalize() and any(c.isupper() for c in name[1:]) and not name.isupper():
        return name
    return said


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _names_pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    got = _PATTERNS.get(keys)
    if got is None:
        alternatives = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys)
        got = re.compile(rf"(?<![\w@./\\-])(?:{alternatives})(?![\w@\\-])(?!\.\w)", re.IGNORECASE)
        if len(_PATTERNS) < 4096:
            _PATTERNS[keys] = got
    return got
