"""Values the procedure builder derives from clauses and names: statuses, new values, field specs, goals."""
from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from ...text import features as tf
from ...tools.kinds import Kind, kind_of
from .lexicon import _ATTRIBUTES, _PEOPLE, _STOP, without_pointer
from .service_writes import quoted_list
from .steps import StepInfo

_INITIAL = {
    "order": "pending", "appointment": "scheduled", "reservation": "confirmed", "booking": "confirmed",
    "ticket": "open", "case": "open", "claim": "open", "dispute": "open", "complaint": "open",
    "request": "open", "application": "submitted", "payment": "pending", "transfer": "pending",
    "transaction": "posted", "shipment": "in transit", "delivery": "scheduled", "return": "requested",
    "refund": "requested", "flight": "scheduled", "invoice": "unpaid", "bill": "unpaid",
}


_QUOTED_VALUE = re.compile(r"`([A-Za-z][A-Za-z -]{1,18})`|'([a-z][a-z -]{1,18})'|\"([a-z][a-z -]{1,18})\"|"
                           r"\*\*([a-z][a-z -]{1,18})\*\*|\b([A-Z]{3,}(?:_[A-Z]+)?)\b")
_STRONG_POSITIVE = re.compile(r"\b(?:must\s+be|only|should\s+be|status\s+(?:is|of|must\s+be))\W*(?:[\w-]+\W+){0,3}$",
                              re.I)
_NEGATION = re.compile(r"\b(?:not|cannot|can't|never|no)\b", re.I)
_PARENS = re.compile(r"\([^()]*\)")


def status_values(clause: str, noun: str) -> tuple[list[str], list[str]]:
    """Statuses a condition clause allows and forbids.

    "Check that the status is `active`" -> (["active"], []); "A `cancelled` or `expired` card
    cannot be frozen" -> ([], ["cancelled", "expired"]); "Card must be in ACTIVE status (cannot
    change PIN on FROZEN, PENDING, or CLOSED cards)" -> (["active"], ["frozen", "pending", "closed"]).
    Only clauses that speak of a status or of the entity count; ALL-CAPS words only beside "status".
    A sentence with a negation forbids its values, unless "must be" / "only" / "status is" comes
    right before one; a negation inside parentheses covers only the values there.
    """
    low = clause.lower()
    if "status" not in low and noun not in low:
        return [], []
    pos: list[str] = []
    neg: list[str] = []
    for sent in re.split(r"(?<=[.;!?])\s+", clause):
        parens = [(m.start(), m.end()) for m in _PARENS.finditer(sent)]
        outside = _PARENS.sub(" ", sent)
        neg_outside = bool(_NEGATION.search(outside))
        neg_inside = any(_NEGATION.search(sent[a:b]) for a, b in parens)
        for m in _QUOTED_VALUE.finditer(sent):
            caps = m.group(5)
            if caps and ("status" not in low or len(caps) < 4):
                continue
            value = next(g for g in m.groups() if g).lower().replace("_", " ").strip()
            if value in _STOP or len(value.split()) > 2:
                continue
            in_paren = any(a <= m.start() < b for a, b in parens)
            if in_paren:
                (neg if neg_inside else pos).append(value)
            elif neg_outside and not _STRONG_POSITIVE.search(sent[:m.start()]):
                neg.append(value)
            else:
                pos.append(value)
    return list(dict.fromkeys(pos)), [v for v in dict.fromkeys(neg) if v not in pos]


def _list_expr(values: list[str]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def _noun_weight(noun: str) -> float:
    return 0.2 if noun in _PEOPLE else 0.3 if noun in _ATTRIBUTES else 1.0


def _new_value(fname: str, ftype: str, spec: dict[str, Any]) -> str:
    """An expression over the anchor row for a new value the user asks for (never the current one):
    a string is another value of the field's Faker kind (a new host name is a hostname)."""
    if ftype == "integer":
        return f"row.{fname} + 1"
    if ftype == "number":
        return f"row.{fname} + 10"
    if ftype == "boolean":
        return f"not row.{fname}"
    if ftype in ("date", "datetime"):
        return f"add_days(row.{fname}, 7)"
    if "email" in fname:
        return "'new.' + row.owner_email"
    faker = spec.get("faker") or "word"
    kind = Kind(faker, {}) if isinstance(faker, str) else Kind(faker["provider"], faker.get("args", {}))
    others = [v for v in kind.others(fname, 4) if "'" not in v][:3]  # a literal keeps its value whole
    return f"first([v for v in {quoted_list(others)} if v != row.{fname}])"


_FIELD_RULES: list[tuple[re.Pattern[str], dict[str, Any]]] = [(re.compile(p), spec) for p, spec in [
    (r"date|birth|_on$|day$", {"type": "date"}),
    (r"amount|balance|total|price|fee|limit|cost|payment", {"type": "number", "range": [5, 2500]}),
    (r"digits|last_four|last_4|pin$|^pin|cvv",
     {"type": "string", "faker": {"provider": "numerify", "args": {"text": "####"}}}),
    (r"zip|postcode|postal", {"type": "string", "faker": "postcode"}),
    (r"email", {"type": "string", "faker": "email"}),
    (r"phone", {"type": "string", "faker": {"provider": "numerify", "args": {"text": "555-###-####"}}}),
    (r"password|token|key$", {"type": "string", "faker": {"provider": "bothify", "args": {"text": "??##??##"}}}),
    (r"number|_id$|^id_|code|reference|ssn|vin|iban",
     {"type": "string", "faker": {"provider": "bothify", "args": {"text": "########"}}}),
    # a status the text names but does not list: stages any process goes through, never a random word
    (r"status$|state$", {"type": "string", "values": ["pending", "in progress", "complete"]}),
    (r"reason|note|description", {"type": "string", "faker": "sentence"}),
]]


def _field_spec(name: str, context: str = "") -> dict[str, Any]:
    """Type and Faker source of a field by its name ("order_number", "date_of_birth", "amount"): the
    kind its head noun and modifiers say (`kinds.kind_of`; `context`: its record's noun and
    description), else the first rule whose pattern matches; a date's range depends on whether it
    is a birth date."""
    kind = kind_of(name, context)
    if kind is not None:
        return {"type": "string", **kind.spec()}
    for pattern, spec in _FIELD_RULES:
        if pattern.search(name):
            if spec["type"] == "date":
                return {"type": "date", "range": ["1960-01-01" if "birth" in name else "2024-01-01", "2025-01-10"]}
            return copy.deepcopy(spec)
    return {"type": "string", "faker": "word"}


def _at_clock(expr: str, clock: str) -> str:
    """`expr` with the clock names replaced by the frozen clock's value."""
    expr = re.sub(r"\btoday\b", repr(clock[:10]), expr)
    return re.sub(r"\bnow\b", repr(clock), expr)


def _shift(clock: str, *, days: float = 0, hours: float = 0) -> str:
    t = dt.datetime.fromisoformat(clock) + dt.timedelta(days=days, hours=hours)
    return t.replace(microsecond=0).isoformat()


def _goal_phrase(title: str, infos: list[StepInfo], writes: list[StepInfo], main: str | None = None,
                 text: str = "", noun: str = "") -> str:
    """The workflow's goal: the title's request, or the title and the main step (`main`: that step
    in words of its own, when the text's are not a request: "set the delivery preference to ..."),
    the title said plainly (`plain_title`: "block a website with an internet filter", not "Block a
    Website with an Internet Filter - Block Website with Internet Filter")."""
    phrase = plain_title(title, text) if _HOW_TO.match(title) else _goal_text(plain_title(title, text), infos, writes,
                                                                               main, noun)
    return re.sub(r"\*\*|__|`", "", phrase)


def _goal_text(title: str, infos: list[StepInfo], writes: list[StepInfo], main: str | None = None,
               noun: str = "") -> str:
    """"<title>: <the main step>" (a title that is no how-to may name only a topic)."""
    if main is None:
        main = (writes[-1] if writes else infos[-1]).step.text
        main = re.split(r"(?<=[.!?])\s", main)[0].rstrip(".!?:; ")  # a shell page's "...information:" introduces its command
        main = without_pointer(main)  # ("start the postfix| by the following")
    if title and len(title) <= 80:
        return f"{_topic(title.rstrip('?.! '), noun)}: {main[:1].lower() + main[1:]}"
    return main[:1].lower() + main[1:]


def _topic(title: str, noun: str = "") -> str:
    """A title naming a topic, not a task, said as what a person wants done with it where its words
    say it (`_wanted`: "the configuration of exim4" -> "configure exim4", "the internal editor in
    MC" -> "set up the internal editor in MC"), else as a topic ("the east Asian character widths"):
    a customer asks for help with it, never "I'd like to socket activation". Not the record's own
    noun ("steam" of a record called steam): "It's about the steam" names no request."""
    first, _, rest = title.partition(" ")
    base = _gerund_base(first) if _DOING_GOES_ON.match(rest) and first[:1].islower() else None
    if base:  # a doing is the request it names: "porting a package" -> "port a package" (was "I'll porting a
        return f"{base} {rest}"  # package"); not a word before a noun ("spending alerts", "billing address")
    if not first[:1].islower() or first in _FUNCTION_WORDS or first.endswith("ing") or tf.leading_verb(title) \
            or title.replace("_", " ") in (noun.replace("_", " "), f"{noun.replace('_', ' ')}s"):
        topic = title
    else:
        topic = f"the {title}"
    if title.replace("_", " ") in (noun.replace("_", " "), f"{noun.replace('_', ' ')}s") or tf.leading_verb(title):
        return topic
    return _wanted(topic) or topic


#: a doing named by its noun, and the verb a person asks it with ("the configuration of exim4")
_NOMINAL_VERB = {"configuration": "configure", "reconfiguration": "reconfigure", "installation": "install",
                 "activation": "activate", "creation": "create", "deletion": "delete", "removal": "remove",
                 "migration": "migrate", "verification": "verify", "conversion": "convert", "recovery": "recover",
                 "customization": "customize", "customisation": "customise"}
#: a thing a manual's section sets up, by its head noun ("the internal editor in MC", "the remote login")
_SET_UP = frozenset({"editor", "filesystem", "connection", "login", "network", "activation", "upgrades", "installation",
                     "time", "certificates", "certificate", "server", "flow", "workflow", "virtualization",
                     "environment", "directory", "services", "management", "shares", "proxy", "firewall", "vpn"})
#: things a section says how to use ("the frontends", "the aptitude, apt-get, and apt commands")
_USE = frozenset({"frontends", "commands", "tools"})
#: an event a person asks to carry out ("the system wide upgrade", "the emergency downgrading")
_DO = {"upgrade": "upgrade", "downgrade": "downgrade", "downgrading": "downgrade", "rescue": "rescue"}
#: the prepositions after a topic's head noun ("the internal editor| in MC", "the web server| (HTTP)")
_HEAD_ENDS = frozenset("of in on for with from to by at via into about using over under".split())
#: a doing whose "-ing" form names a kind of thing before a noun, no request ("spending alerts")
_MODIFYING = frozenset("spending billing shipping mailing banking building training running opening closing operating "
                       "reporting booking parking pending recurring processing marketing accounting pricing streaming "
                       "messaging networking logging tracking matching missing existing remaining incoming outgoing "
                       "upcoming ongoing cooking dining living working sleeping waiting printing computing programming "
                       "hosting routing caching learning listening reading writing sharing gaming shopping".split())


def _wanted(topic: str) -> str | None:
    """A manual's section topic as what a person wants done (the request they would make), or None
    where its words name no doing: a doing's "-ing" ("recovering package selection data" -> "recover
    package selection data"), a doing's noun with what it is done to ("the reconfiguration of the
    locale" -> "reconfigure the locale"), a thing one sets up or uses by its head noun ("the internal
    editor in MC" -> "set up the internal editor in MC", "the frontends" -> "use the frontends"), an
    event carried out ("the system wide upgrade" -> "do the system wide upgrade"), an introduction's
    subject ("the introduction to AppArmor" -> "get started with AppArmor")."""
    words = topic.split()
    bare = words[1:] if words[0].lower() in ("the", "a", "an") else words
    if not bare:
        return None
    first = bare[0]
    low = first.lower()
    if low.endswith("ing") and first.islower() and low not in _MODIFYING:
        base = _gerund_base(low)
        if base and len(bare) > 1:
            return " ".join([base, *bare[1:]])
        if base and len(bare) == 1:
            return f"set up {low}"  # "monitoring"
    if low == "introduction" and len(bare) > 2 and bare[1] == "to":
        return "get started with " + " ".join(bare[2:])
    if low in _NOMINAL_VERB and len(bare) > 2 and bare[1] in ("of", "for"):
        return " ".join([_NOMINAL_VERB[low], *bare[2:]])
    head = next((w for w in bare if w.lower() in _HEAD_ENDS or w.startswith("(")), None)
    head_words = bare[:bare.index(head)] if head else bare
    last = head_words[-1].lower() if head_words else ""
    if last in _DO:
        said = topic.replace(head_words[-1], _DO[last], 1) if last != _DO[last] else topic
        return f"do {said}"
    if last in _SET_UP:
        return f"set up {topic}"
    if last in _USE:
        return f"use {topic}"
    return None


#: what follows a doing's verb, not a noun it may modify: its object's determiner, a particle, a
#: preposition or an adverb ("setting up ssh-agent", "dealing with a compromised machine", "writing directly")
_DOING_GOES_ON = re.compile(r"(?:the|an?|your|my|our|their|this|that|these|those|some|any|all|each|every|up|down|out|"
                            r"off|over|back|away|with|without|to|from|for|into|onto|about|through|via|at|by|\w+ly)\b")


def _doing_to_do(title: str) -> str:
    """A title naming a doing says it as a request: "Canceling a payment" -> "Cancel a payment"
    (the user said "I'd like to canceling a payment")."""
    first, _, rest = title.partition(" ")
    base = tf.verb_lemma(first.lower()) if first.lower().endswith("ing") and rest else None
    return f"{base.capitalize()} {rest}" if base else title


def _gerund_base(word: str) -> str | None:
    """The verb a doing names ("obtaining" -> "obtain", "setting" -> "set", "writing" -> "write"):
    an action verb's, else simplemma's lemma, else the stem (its doubled consonant single, or with
    its "e") that is a word; not a word that only looks like one ("thing", "king")."""
    low = word.lower()
    if not re.fullmatch(r"[a-z]{2,}ing", low):
        return None
    base = tf.verb_lemma(low)
    if base:
        return base
    lem = tf.lemma(low)
    if lem != low and not lem.endswith("ing"):
        return lem if tf.known_word(lem) else None
    stem = low[:-3]
    if len(stem) < 3 or not re.search(r"[aeiouy]", stem):  # "thing", "king": no doing
        return None
    doubled = (stem[:-1],) if stem[-1] == stem[-2] and stem[-1] not in "lsz" else ()
    return next((c for c in (*doubled, stem + "e", stem) if tf.known_word(c)), None)


#: how a subtitle says the way the title's task is done ("- Using LinuxLive USB", "- By Logging in on iOS")
_MANNER = frozenset({"using", "by", "via", "through", "with", "from"})
#: words before a title's noun that make it a common noun ("a Lost Village", "the Icon")
_DETERMINERS = frozenset("a an the your my our their his her its this that these those some any another".split())
_FUNCTION_WORDS = _DETERMINERS | frozenset("to of on in for with and or by from at as into onto using via about over "
                                           "under up down out off is are be it vs without you yourself yourselves "
                                           "someone something somebody anyone everyone me them they we when if "
                                           "while after before during".split())
_TITLE_WORD = re.compile(r"[A-Za-z][\w'’.+-]*[\w+]|[A-Za-z]")


def plain_title(title: str, text: str = "") -> str:
    """A how-to title's task said plainly, as a request: "How to Block a Website with an Internet
    Filter - Block Website with Internet Filter" -> "block a website with an internet filter".

    The subtitle (after " - ") names a part of the document, not what the customer asks for; it is
    kept only where it says how the task is done and adds words ("Hack LanSchool - Using LinuxLive
    USB" -> "hack LanSchool using LinuxLive USB"; "Contact Max Factor - Contacting via Twitter" ->
    "contact Max Factor via Twitter"). Title case becomes lower case but for names: a word stays
    capitalised where the document writes it so (and not lower case as often), or, unseen, where it
    is not a common noun after a determiner ("in Oregon" stays; "a Lost Village" is lowered);
    acronyms and mixed case ("iTunes", "USB") stay as written.
    """
    return _lower_common(_plain(title), text.replace(title, " ")) if title else title


def said_title(title: str, text: str = "") -> str:
    """A document's title as a service's prompt says what customers come about: a how-to title said
    plainly ("How to block a website with an Internet filter", without its subtitle), others as written."""
    return f"How to {plain_title(title, text)}" if re.match(r"\s*how\s+to\s", title, re.I) else title


_HOW_TO = re.compile(r"^\s*how\s+(?:to|do\s+i|can\s+i)\s+", re.I)


def _plain(title: str) -> str:
    """The title without "how to" and its subtitle, unless that says how (`plain_title`)."""
    title = _HOW_TO.sub("", title.strip()).rstrip("?.! ")
    main, sub = (re.split(r"\s+[-–—]\s+", title, maxsplit=1) + [""])[:2]
    main = _doing_to_do(main)
    if sub:
        words = sub.split()
        verb = main.split(" ", 1)[0].lower()
        first = words[0].lower()
        said = {w.lower() for w in _TITLE_WORD.findall(main)}
        if first == verb or (first.endswith("ing") and tf.verb_lemma(first) == verb):
            words = words[1:]  # "Contact X - Contacting via Twitter": the same doing
            while words and words[0].lower() in said and words[0].lower() not in _MANNER:
                words = words[1:]  # "Check Traffic - Checking Traffic with Google Maps": the same thing
        rest = " ".join(words)
        new = [w for w in _TITLE_WORD.findall(rest)[1:] if w.lower() not in said and w.lower() not in _FUNCTION_WORDS]
        if words and words[0].lower() in _MANNER and words[0].lower() not in said and new:
            main = f"{main} {rest}"
    return main


def _lower_common(phrase: str, text: str) -> str:
    """`phrase` in lower case but for the names in it (see `plain_title`)."""
    lower: dict[str, int] = {}
    upper: dict[str, int] = {}
    # a capitalised word counts as a name only mid-sentence (not after a full stop, a colon, a list
    # number or at a line's start, however much space comes between: a picture left blank before
    # "Chrome." is none); a word counts by its lemma ("profits" for "Profit")
    for m in re.finditer(r"(?<![\w'’])([A-Za-z][a-z'’]+)\b", text):
        w = m.group(1)
        key = tf.lemma(w)
        if w[0].islower():
            lower[key] = lower.get(key, 0) + 1
            continue
        before = text[:m.start()]
        said = before.rstrip()
        if not said or "\n" in before[len(said):] or re.search(r"(?:[.!?:\n\"“(*#]|\d\.)$", said[-3:]):
            continue
        upper[key] = upper.get(key, 0) + 1
    out: list[str] = []
    prev, prev_lowered = "", False
    tokens = phrase.split(" ")
    for k, tok in enumerate(tokens):
        bare = tok.strip("\"'“”‘’(),:;")
        low = bare.lower()
        common = bool(bare) and bare[:1].isupper() and bare[1:].islower()
        if common and k > 0 and low not in _FUNCTION_WORDS:  # the first word is the task's verb
            seen_low, seen_up = lower.get(tf.lemma(low), 0), upper.get(tf.lemma(low), 0)
            article = prev in _DETERMINERS or prev_lowered
            numbered = _before_number(tokens[k + 1:])  # a model: "Your Xbox 360", "Team Fortress 2"
            if seen_up > seen_low or (not seen_low and not seen_up and (numbered or not tf.common_word(bare, article))):
                common = False  # a name: "Max Factor", "in Oregon", "on Clash of Clans"
        out.append(tok.replace(bare, low, 1) if common else tok)
        prev, prev_lowered = low, common and k > 0 and low not in _FUNCTION_WORDS
    lead = next((k for k, tok in enumerate(tokens) if tok.endswith(":")), 0)
    if lead >= 1 and all(_capitalised(t) and not t[:1].isdigit() for t in tokens[:lead + 1]) and out[0] != tokens[0]:
        out[:lead + 1] = tokens[:lead + 1]  # a name before the colon is no task: "Sky Blue: ..." (was "the sky Blue")
    return " ".join(_names_whole(tokens, out))


def _names_whole(tokens: list[str], out: list[str]) -> list[str]:
    """A name of capitalised words that ends in a number kept whole ("Team Fortress 2", "Call of
    Duty 4", "Final Fantasy XII"; the text's "team" and "call" notwithstanding): two words or more
    before the number, "of" between them joining them (not "Stage 1" of a numbered section); the
    first word, the task's verb, is none of it."""
    out = list(out)
    k = 1
    while k < len(tokens):
        if not _capitalised(tokens[k]):
            k += 1
            continue
        end = k
        while end + 1 < len(tokens) and (_capitalised(tokens[end + 1]) or tokens[end + 1] == "of"
                                         and end + 2 < len(tokens) and _capitalised(tokens[end + 2])):
            end += 1
        last = tokens[end].strip("\"'“”‘’(),:;")
        words = [t for t in tokens[k:end] if t[:1].isupper()]
        if re.fullmatch(r"\d+|[IVX]{2,}", last) and len(words) >= 2:
            out[k:end + 1] = tokens[k:end + 1]
        k = end + 1
    return out


def _capitalised(tok: str) -> bool:
    """A title word that may be part of a name: capitalised, a number or a Roman numeral."""
    bare = tok.strip("\"'“”‘’(),:;")
    return bool(bare) and (bare[:1].isupper() or bare.isdigit()) and bare.lower() not in _FUNCTION_WORDS


def _before_number(tokens: list[str]) -> bool:
    """Whether a number follows, after capitalised words only ("Fortress 2" after "Team")."""
    for tok in tokens:
        if tok.isdigit():
            return True
        if not tok[:1].isupper() or tok.lower() in _FUNCTION_WORDS:
            return False
    return False
