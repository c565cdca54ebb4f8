"""How a person points at one of their records by a value only it has: "the booking from
Port Amandaburgh", "the card ending in 8225", "the scheduled visit", never "the one whose booking
origin is Port Amandaburgh".

Shared by the scripted user (who describes the record it means) and the offline assistant (who
says which record it is about to change), since agents and simulators may not import each other.
"""
from __future__ import annotations

import re

from .render import counted, is_count, none_of

# the preposition English uses to name a thing by this kind of value (first match wins); each a
# whole word of the snake_case field name ("spending_limit" is not "ending")
_ROLES: list[tuple[re.Pattern[str], str]] = [(re.compile(rf"(?<![a-z])(?:{p})(?![a-z])"), prep) for p, prep in [
    (r"last_?(?:4|four|digits)|ending|suffix", "ending in"),
    (r"shipping_address|delivery_address", "going to"),  # "the order going to 450 Natalie Plaza"
    (r"(?<!email_)address", "at"),  # "the account at 611 Willis Plaza" (a service address)
    (r"phone_?number|phone", "with the number"),  # "the line with the number 211-605-8476"
    (r"username|user_name|login", "with the username"),
    (r"origin|from|departure|source|pickup", "from"),
    (r"destination|to|arrival|dropoff", "to"),
    (r"merchant|vendor|store|shop|payee|seller|retailer|restaurant|hotel|venue", "at"),
    (r"city|location|branch|region|country", "in"),
    (r"(?:plan|tier|package|bundle)_name|^(?:plan|tier|package|bundle)$", "on the"),  # a line on the Plus plan, not "called Plus"
    (r"name|title|nickname|label", "called"),
    (r"doctor|provider|agent|contact|instructor|trainer|technician", "with"),
    (r"subject|topic|description|summary|note|memo", "about"),
]]
# a value that reads as a word describing the thing (an enum: "scheduled", "follow-up", "checked in");
# said as it is, so the record's own value is found in the words
_STATE = re.compile(r"status|state")
_ADJECTIVE = re.compile(r"^[A-Za-z][a-z-]*(?: [a-z][a-z-]*)?$|^[A-Z]{2,5}$")
_STATE_WORDS = re.compile(r"^[a-z][a-z-]*(?: [a-z][a-z-]*){0,3}$")
# fields whose values are kinds of the thing ("savings", "monthly", "gold"), unlike a username or a code
_KIND = re.compile(r"status|state|type|kind|tier|level|class|category|plan|frequency|priority|method|size|colou?r|"
                   r"reason|channel|mode|option|variant|style|flavou?r|finish|edition|cabin")
# a product named without its kind ("Navy Blue"), said before the noun it is a kind of
_PRODUCT = re.compile(r"(?:\w+_)?product(?:_name)?")
_NAME = re.compile(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*){0,3}")


#: fields that hold what a thing is commonly called ("running shoes"), unlike a username or a nickname
_COMMON_NAME = frozenset({"name", "product_name", "item_name", "title"})

_COUNTED = re.compile(r"^(?:\d+|no) [a-z]")

SPOKEN = {"zip": "zip code"}
"""Keys people say otherwise than their words ("my zip code is 94110"), asked for and said alike."""


PROPOSED_RECORD = re.compile(r"\bthe (?P<same>same )?(?P<noun>[a-z]+(?: [a-z]+)?)(?: as before| you mean)?, (?P<id>[^\s?,]*\d[^\s?,]*)\?")
"""The assistant proposing one record by its id, to be told yes or no: the one an earlier request
was about ("Is this for the same rental, RA-1?") or the only one a change can be made on ("Is that
the card you mean, CRD-1?"); `same` tells the first. The agent and the user simulator read it alike."""

PROPOSED_PART = re.compile(r"\b(?P<id>[A-Z][A-Z0-9]{0,5}-\d+) \([^()]*\) (?:qualifies|could work for this|could be used "
                           r"here)\. Is that the "
                           r"(?P<noun>[a-z]+(?: [a-z]+)?) it's (?P<way>coming from|going to)\?")
"""The assistant proposing the only one of the customer's records a move can be made with, for
its part in it ("Of your 3 accounts, only ACC-2 (savings, open) could work for this. Is that the account
it's going to?"), to be told yes or no; the agent and the user simulator read it alike."""

ONLY_FITTING = re.compile(r"\b(?P<n>\d+) (?P<nouns>[a-z]+(?: [a-z]+)?)(?: you have)?, (?:and )?only "
                          r"(?P<id>[^\s?,()]*\d[^\s?,()]*)(?: \([^()]*\))? "
                          r"(?:can be [a-z]+(?: [a-z]+)?(?: to [^()?]+?)?(?: \([^()]*\))?|would work for this)\.")
"""The assistant naming the only one of the customer's records a change can be made on, in the
confirmation that proposes to make it there ("Of your 4 accounts, only ACC-2 (savings, on the entry
tier) can be closed. I'll close your account ACC-2. Shall I go ahead?"; "only BKN-1 (...) can be
changed to 2 bags (BKN-2 already has that)." where another has what the change sets already):
one question, answered yes, or no with "not that one" where the customer means another
(`ANOTHER_RECORD`). The agent and the user simulator read it alike."""

ANOTHER_RECORD = re.compile(r"^\W*(?:no|nope|actually,? no)\b[,.!]?\s*"
                            r"(?:not that one|(?:it's )?(?:a different|another|the other) [a-z]+)\b", re.IGNORECASE)
"""A customer's no that says the record proposed is not the one they mean ("No, not that one.",
"No, it's another account."), not that they do not want the change."""

RECORD_ID = re.compile(r"\b[A-Z][A-Z0-9]{0,5}-\d+\b")
"""A record's ID as the assistant says it ("O-7196", "CRD-00896")."""
WHICH_RECORD = re.compile(r"\b(which (?:[a-z]+ ){1,2}?)"
                          r"(?=(?:is it|do you mean|should i use|should i go with|you mean|would that be)\b)",
                          re.IGNORECASE)
"""A question for one of the records listed before it by their IDs, naming only their kind ("Which
card is it?", "Could you tell me which booking you mean?")."""


def asking_for_id(text: str) -> str:
    """`text` with each `WHICH_RECORD` question said as what it asks for, the record's ID ("Which card
    ID is it?"), where it names records by their IDs ("O-7196 and O-9332", "CRD-1 (debit, ...)");
    the agent and the user simulator read the question alike."""
    if len(set(RECORD_ID.findall(text))) < 2:
        return text
    return WHICH_RECORD.sub(lambda m: f"{m[1]}ID ", text)


LISTED = re.compile(r"\b([A-Z]{2,5}-\d+) \(([^()]*)\)")
"""A record the assistant lists with its details when it asks which one ("CRD-1 (debit, ending in
9237)"): the id and the details; the user answers by a detail only theirs has, and the assistant
reads the answer against the same list (`listed_by_detail`)."""


def listed_by_detail(listing: str, answer: str) -> str | None:
    """The id of the one record `listing` names whose detail the `answer` says and no other listed
    record has ("The one ending in 9237.", "It's the savings one."); None when none or several."""
    options = LISTED.findall(listing)
    low = answer.lower()
    details = {i: [d.strip().lower() for d in text.split(", ") if len(d.strip()) >= 3] for i, text in options}
    hit = {i for i, ds in details.items()
           if any(re.search(rf"(?<![\w-]){re.escape(d)}(?![\w-])", low)
                  and sum(d in other for other in details.values()) == 1 for d in ds)}
    return next(iter(hit)) if len(hit) == 1 else listed_by_claims(listing, answer)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_LISTED_DATE = re.compile(rf"\b({'|'.join(MONTHS)}) (\d{{1,2}}), (\d{{4}})\b")
_SAID_MONTH = re.compile(rf"\b(?:in|from|on) ({'|'.join(MONTHS)})(?: (\d{{1,2}})(?!\d))?(?:,? (\d{{4}}))?\b")
_SAID_MONEY = re.compile(r"(?<![\w$])\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d\d)?(?: dollars\b)?(?!\w|[.,]\d)")
ORDINALS = ("first", "second", "third", "fourth", "fifth")
_SAID_ORDINAL = re.compile(rf"\bthe ({'|'.join(ORDINALS)}|last) one\b", re.IGNORECASE)


def _money(text: str) -> set[str]:
    """The amounts of money `text` says, as plain numbers ("$1,200.50", "$1200.50" and "1,200.50
    dollars" alike: "1200.50"); a bare number counts only with its "$" or "dollars"."""
    return {m[1].replace(",", "") + (m[2] or "") for m in _SAID_MONEY.finditer(text)
            if m[0].startswith("$") or m[0].endswith("dollars")}


def listed_by_claims(listing: str, answer: str) -> str | None:
    """The one record `listing` names (`LISTED`: id, details) that everything the `answer` says of
    it fits, when no single detail tells it apart: its place in the list ("The second one.", "The
    last one.", of up to five listed whole), the month (and day or year) of a date listed with it
    ("The one opened in December.", "The savings one from March 2024.", "The one on January 5."),
    an amount listed with it ("The one with $16,335.47 in it.", in any way a person writes money)
    and any listed detail said whole ("savings"); None when nothing is said or not exactly one
    record fits."""
    options = LISTED.findall(listing)
    if len(options) < 2:
        return None
    place = _SAID_ORDINAL.search(answer)
    if place is not None:
        word = place[1].lower()
        at = len(options) - 1 if word == "last" else ORDINALS.index(word)
        whole = len(options) <= len(ORDINALS) and not re.search(r"\band \d+ more\b", listing)
        return options[at][0] if whole and at < len(options) else None
    low = answer.lower()
    fits = list(options)
    said = False
    words = {d.strip().lower() for _, text in options for d in text.split(", ")
             if len(d.strip()) >= 3 and not d.strip().isdigit()}
    for word in words:
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", low):
            said = True
            fits = [(i, text) for i, text in fits if word in {d.strip().lower() for d in text.split(", ")}]
    for m in _SAID_MONTH.finditer(answer):
        said = True
        month, day, year = m[1], m[2], m[3]
        fits = [(i, text) for i, text in fits if any(
            d[0] == month and (day is None or int(d[1]) == int(day)) and (year is None or d[2] == year)
            for d in _LISTED_DATE.findall(text))]
    for amount in _money(answer):
        said = True
        fits = [(i, text) for i, text in fits if amount in _money(text)]
    return fits[0][0] if said and len(fits) == 1 else None


PEOPLE = re.compile(r"^(?:doctor|dentist|physician|nurse|therapist|provider|agent|advisor|adviser|stylist|trainer|"
                    r"instructor|tutor|coach|technician|driver|host|landlord|tenant|member|customer|patient|guest|"
                    r"client|user|employee|staff member|contact|payee|recipient|beneficiary)$")
"""Nouns of records that are people ("my doctor"): spoken of as they, not it."""


def field_of(key: str, noun: str | None = None) -> str:
    """The field part of a key named for its record: ("booking_origin", "booking") -> "origin";
    without a noun, the key's first word is taken for it ("from_last4" -> "last4")."""
    head = (noun if noun is not None else key.split("_")[0]).replace(" ", "_") + "_"
    return key[len(head):] if key.startswith(head) and len(key) > len(head) else key


def role(field: str) -> str | None:
    """The preposition that names a thing by this field's value ("origin" -> "from"), or None."""
    return next((prep for p, prep in _ROLES if p.search(field)), None)


_MOVED = re.compile(r"^(?:(source|from|origin)|(destination|to|target))_([a-z]+(?:_[a-z]+)?)_id$")


def moved(key: str) -> tuple[str, str] | None:
    """A record named by its part in a move, as a person says it: "source_account_id" ->
    ("account", "coming from"), "to_wallet_id" -> ("wallet", "going to"); None for other keys.
    The assistant asks for "the ID of the account it's coming from" (never "your source account
    ID"); the user hears that question as asking for this key and answers "From ACC-1."."""
    m = _MOVED.match(key)
    if m is None:
        return None
    return m.group(3).replace("_", " "), "coming from" if m.group(1) else "going to"


_PART = re.compile(r"^(?:(source|from|origin)|(destination|to|target))_([a-z]+)_(\w+)$")


def described_part(key: str) -> tuple[str, str, str] | None:
    """A record named by its part in a move, described by a value of its own (the task names the
    fact `<part>_<noun>_<field>`): "source_account_type" -> ("coming from", "account", "type");
    None for other keys (an id: `moved`)."""
    m = _PART.match(key)
    if m is None or key.endswith("_id"):
        return None
    return "coming from" if m.group(1) else "going to", m.group(3), m.group(4)


def part_words(way: str, text: str) -> str:
    """The words of `text` that describe the record of a move's part `way` ("coming from"): those
    after "from" up to "to" or the sentence's end ("... from my savings account to my checking
    account": "my savings account"), or after "to" up to "from" or the end."""
    start, stop = (r"\bfrom\b", r"\bto\b") if way == "coming from" else (r"\bto\b", r"\bfrom\b")
    return " ".join(m.group(1) for m in re.finditer(rf"{start}(.*?)(?={stop}|[.?!;]|$)", text, re.IGNORECASE))


def moved_key(key: str) -> str | None:
    """The key of the kind of record a move names by its part: "source_account_id" -> "account_id";
    None for other keys."""
    way = moved(key)
    return way[0].replace(" ", "_") + "_id" if way is not None else None


def reference(field: str, value: str, noun: str) -> str:
    """The words after "the" that single out a `noun` by `field` = `value`: "booking from Lake
    Jacob", "scheduled visit", "card ending in 8225", a thing by its common name ("running
    shoes", not "item called running shoes"), a product by its name ("Light Blue Account",
    "Navy Blue one"); a field with no role and a value that is
    not a describing word (or not of a field that holds kinds: a username) reads "account whose
    username is elizabethsullivan"; a count is what the thing has ("booking with 2 bags", "one
    with no renewals"), never "the one whose bags are 2"."""
    prep = role(field)
    if prep is None and value.isdigit() and is_count(field, int(value)):
        return f"{noun} with {counted(field, int(value)) if int(value) else none_of(field)}"
    if prep is None and _STATE.search(field) and _STATE_WORDS.match(value):
        # "the cancelled booking", but "the booking that's checked in", "the order that's out for delivery"
        return f"{noun} that's {value}" if " " in value else f"{value} {noun}"
    if prep is None and value[:1].isupper() and value.lower().split()[-1:] == noun.lower().split()[-1:]:
        return value  # a name that says what it is: "the Light Blue Account", not "the account whose product is ..."
    if prep is None and (_ADJECTIVE.match(value) and _KIND.search(field)  # "the savings account", "the SUV one"
                         or _PRODUCT.fullmatch(field) and _NAME.fullmatch(value)):  # "the Navy Blue account"
        return f"{value} {noun}"
    if prep is None:
        return f"{noun} whose {field.replace('_', ' ')} is {value}"
    if prep == "called" and re.fullmatch(r"[a-z][a-z -]*", value) and field in _COMMON_NAME:
        return value  # a thing by its common name: "the running shoes", not "the item called running shoes"
    if prep == "about" and " " in value and value[:1].isupper():  # a title: 'the case about "Question about my bill"'
        value = f'"{value}"'
    if prep == "on the":
        kind = _kind_named(field)
        return f"{noun} on the {value}" + ("" if value.lower().endswith(kind) else f" {kind}")
    return f"{noun} {prep} {value}"


def _kind_named(field: str) -> str:
    """What a field of the "on the" role names: "plan_name" -> "plan", "plan" -> "plan"."""
    return field.removesuffix("_name").split("_")[-1]


_NOT_A_PLACE = re.compile(r"(?:the|this|that) (?:moment|time|point|stage|end)|"
                          r"(?:the )?(?:same time|least|most|all|once|first|last|present|times|best)", re.IGNORECASE)


_FIRM_WORD = r"[A-Z][\w'-]*"
_FIRM = rf"{_FIRM_WORD}(?:, {_FIRM_WORD})*,? and {_FIRM_WORD}"
"""Names listed with a last "and" ("Goodwin, Smith and Adams"): one firm's name, commas and all."""


def referenced_value(field: str, text: str) -> str | None:
    """The value a reference in `text` gives for `field` ("It's the one ending in 5305." -> "5305"
    for a last-four-digits field); None unless exactly one reference with the field's role is there."""
    prep = role(field)
    if prep is None:
        return None
    # a period ends the value only before a new sentence: "at 2712 Lindsey Points Apt. 598." goes on;
    # a comma ends it but inside a firm's name of names ("called Mcclure, Kane and Wise")
    pattern = rf"\b(?:the|my) (?:[\w-]+ ){{1,3}}?{re.escape(prep)} (?P<v>{_FIRM}|[^?!;,]+?)" \
              rf"(?=[?!;,](?:\s|$)|\.(?:\s+(?=[A-Z\"'])|\s*$)|$)"
    found = [m.group("v").strip().strip('"') for m in re.finditer(pattern, text, re.IGNORECASE)]
    if prep == "with":  # "the one with 2 bags" counts things; it names no doctor or agent
        found = [v for v in found if not _COUNTED.match(v)]
    if prep == "to":  # "the right place to ask": what one does there (a verb), not where a thing goes
        found = [v for v in found if not re.fullmatch(r"[a-z]+", v)]
    if prep == "at":  # "the status on my card at the moment": a time, not an address or a shop
        found = [v for v in found if not _NOT_A_PLACE.fullmatch(v)]
    if prep == "on the":  # "the line on the Plus plan" -> "Plus" ("on the Basic Plan": the name holds it)
        found = [re.sub(rf"\s+{_kind_named(field)}$", "", v) for v in found]
    return found[0] if len(found) == 1 else None
