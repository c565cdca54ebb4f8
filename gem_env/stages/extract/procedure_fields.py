"""The procedure builder's entity fields and the preconditions the text's conditions become."""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...text import features as tf
from ...text.lexicons import ACTION_VERBS
from ...text.signals import machine_signals
from ...tools.kinds import NAMED_BY
from ...tools.render import plural, singular, uncountable
from .lexicon import (_ADVERBIAL, _ATTRIBUTES, _BEFORE_EVENT, _ENTITY_RANK, _EXPR_WORDS, _LIMIT, _LOCKED,
    _NOT_RECORDS, _PEOPLE, _PRONOUNS, _RESERVED_FIELDS, _STOP, _UI_NOUNS, _UNIT_DAYS, _WITHIN_OF, _WITHIN_SUBJECT,
    _WRITE_COMMUNICATE, _clean, _date_head, _ident,
    _unique, bare_title)
from .flag_names import flag_name
from .procedure_own_name import seeded_names_fit
from .procedure_values import _HOW_TO, _field_spec, _noun_weight, _shift, plain_title

_TITLE_STOPS = frozenset("in on at for with without to from of into using when while by via and or your my a an the "
                         "yourself own".split()) | _ADVERBIAL
#: verbs whose complement says what someone is, not a thing acted on ("Be Cool in an Online Game": the game)
_COPULAS = frozenset("be become stay remain seem feel look".split())


def _title_object(title: str, counted: bool = False) -> str | None:
    """The noun a how-to title's verb acts on ("How to Get a Golden Shovel in Animal Crossing" ->
    shovel), when the title opens with an action verb; None otherwise. A subtitle is apart ("Delete
    Bookmarks - Firefox": bookmarks, not firefox), and names the thing where the title names only
    what is used ("Use Excel - Creating Charts": charts). `counted`: only a thing the title counts,
    plural or after a determiner ("a Simple Web Page", "Google Books"); a bare singular is a mass
    noun or a name ("Buy Postage", "Uninstall Twitch", "Get Zapdos"), no kind of record."""
    rest = re.sub(r"^\s*how\s+(?:to|do\s+i|can\s+i)\s+", "", title, flags=re.I)
    main, _, sub = rest.partition(" - ")
    sub_said = bool(sub) and sub.split()[0].lower() not in _INSTRUMENT_VERBS  # not "- Using My Coach"
    if main.split()[:1] and main.split()[0].lower() in _INSTRUMENT_VERBS:
        return _phrase_object(sub, False, counted) if sub_said else None
    got = _phrase_object(main, rest != title, counted)
    return _phrase_object(sub, False, counted) if got is None and sub_said else got


#: a screen's parts and a record's fields, whose thing the words before them name ("the Applications
#: folder", "your Settings app", "the package display limit")
_PART_HEADS = _UI_NOUNS | _ATTRIBUTES | {"folder", "icon"}
_DETERMINERS = frozenset("a an the your my".split())
#: verbs whose object is what is used, not the thing worked on ("Use Excel - Creating Charts")
_INSTRUMENT_VERBS = frozenset("use using".split())


def _phrase_object(rest: str, asked: bool, counted: bool = False) -> str | None:
    """`_title_object` of one title or subtitle; `asked`: it followed "How to" (no action verb needed).
    A word with digits is a code, no thing ("Format FAT32"); the phrase ends at a comma or a quote
    ("Create Link Same HTML Document, Which Scrolls ...", 'Pass Hitman Contracts "Asylum Aftermath"')."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9'-]*", re.split(r"[,;:(\"\u201c]", rest)[0])
    using = next((k for k, w in enumerate(words) if k and w.lower() in _INSTRUMENT_VERBS), len(words))
    words = words[:using]  # what is used is no thing worked on ("Merchant Using a Price Manipulation")
    first = words[0].lower() if words else ""
    # a doing: "Upgrading from One Stable Distribution ...", "Dealing with ..." (not "Spending Alerts")
    doing = first.endswith("ing") and (tf.verb_lemma(first) is not None or
                                       len(words) > 2 and words[1].lower() in ("with", "from", "for", "to"))
    if len(words) < 2 or (not asked and first not in ACTION_VERBS and not doing):  # "How to ..." opens with one
        return None
    chunks: list[list[str]] = [[]]
    determined = [""]  # the determiner the chunk follows ("a Bed", "your Books")
    led: list[list[str]] = [[]]  # the words between the chunk and the one before it
    verbal: set[int] = set()  # chunks that say a doing, not a thing
    for w in words[1:]:
        low = w.lower()
        # (a manner is no thing: "Print Wirelessly from an iPad" -> the iPad, "Brake Properly on a
        # Motorcycle" -> the motorcycle; records were "wirelesslies" and "properlies")
        manner = low.endswith("ly") and len(low) > 6 and tf.known_word(low[:-2])
        # "Lose Weight Playing ...": the weight; "an Online Defensive Driving Course": the course
        gerund = bool(chunks[-1]) and low.endswith("ing") and not determined[-1]
        if low in _TITLE_STOPS or manner or gerund:
            if chunks[-1]:
                if low in _DETERMINERS and first == "give":
                    pass  # the one given a thing: "Give Your Dog a Bath" (see `steps._recipient`)
                elif low in _DETERMINERS and len(chunks[-1]) == 1:  # a word a determiner follows is a
                    verbal.add(len(chunks) - 1)  # verb ("Force Eject a Disc"), or ends the phrase
                elif low in _DETERMINERS:  # ("Make Your Phone Number Appear As a ...": the number)
                    chunks[-1].pop()
                chunks.append([])
                determined.append("")
                led.append([])
            determined[-1] = determined[-1] or (low if low in _DETERMINERS else "")  # "an Online Business"
            led[-1].append(low)
            continue
        chunks[-1].append(low)
    if first in _COPULAS and words[1].lower() not in _TITLE_STOPS:
        verbal.add(0)  # "Be Cool ...": no thing
    # the first noun phrase that names a thing: "Make a Minute to Win It Game" -> game, not minute
    k = next((k for k, c in enumerate(chunks) if c and k not in verbal and tf.lemma(c[-1]) not in _NOT_RECORDS), -1)
    if first == "give":  # what is given a thing: "Give a Thumbs Up for an Edit": the edit
        k = next((j for j in range(k + 1, len(chunks)) if chunks[j] and {"for", "to"} & set(led[j])), k)
    if counted and 0 <= k < len(chunks) - 1 and determined[k] == "the" and led[k + 1][:1] == ["of"] \
            and determined[k + 1] and tf.lemma(chunks[k][-1]) == chunks[k][-1]:
        k += 1  # the one thing a thing has: "Determine the Fair Market Value of a Vehicle": the vehicle
    chunk = chunks[k] if k >= 0 else []
    said = {w.lower(): w for w in words}
    if chunk and uncountable(tf.lemma(chunk[-1])):  # "Make Money in SimCity 4": what the steps act on
        return None
    while len(chunk) > 1 and tf.lemma(chunk[-1]) != chunk[-1] and plural(tf.lemma(chunk[-1])) != chunk[-1]:
        chunk = chunk[:-1]  # an inflected word, no plural, after the noun: "Make Your 3DS Screens Smaller",
        # "Eject a Disc Stuck in ...": the screens and the disc, not "small" and "stick"
        if len(chunk) > 1 and chunk[-1] in ACTION_VERBS:  # and the verb it goes with ("Make Your
            chunk = chunk[:-1]  # Computer Run Faster": the computer)
    head = tf.lemma(chunk[-1]) if chunk else ""
    many = bool(chunk) and chunk[-1] != head and chunk[-1].endswith("s")
    # a verb is no thing ("Sword Cancel") unless said as a noun ("Read Google Books", "Open CSV
    # Files", "Issue a Refund": records were titles, a step's, and none)
    noun = many or bool(determined[k])
    if not head.isalpha() or len(head) < 3 or head in _PEOPLE or head in ACTION_VERBS and not noun:
        return None
    if counted and (not (many or determined[k]) or determined[k] == "the" and said[chunk[-1]].isupper()):
        return None  # a bare singular: a mass noun or a name ("Buy Postage", "Get Zapdos"); "the" and
        # an acronym: a name ("Support the ACLU")
    if counted and head == chunk[-1] and head.endswith("s") and not tf.known_word(head):
        head = singular(head)  # "Copy Your DVDs": dvd
    return _ident(head, 24)


#: a noun after a determiner: "the package", "your keys"
#: a count of points as a text writes it ("5,000 points", "$3,000 points": the dollar sign a slip)
_POINTS = re.compile(r"(?<![\w.,])\$?(\d{1,3}(?:,\d{3})+|\d+)\s+points\b", re.IGNORECASE)


def _in_points(name: str, text: str) -> list[int]:
    """The counts of points a text gives for what an amount field names, where it counts that in
    points: a sentence that says the field's word (its first four letters: "redemption" of
    "Redeeming 5,000 points yields ...") beside "N points". Empty for any other field, and for an
    amount the text counts in money."""
    if not name.endswith("_amount") or name == "_amount":
        return []
    stem = re.escape(name.split("_")[0][:4])
    found = sorted({int(m.group(1).replace(",", "")) for sentence in re.split(r"(?<=[.!?\n])\s+", text)
                    if re.search(rf"\b{stem}", sentence, re.IGNORECASE) for m in _POINTS.finditer(sentence)})
    return [n for n in found if n > 0]


_DETERMINED = re.compile(r"\b(?i:the|a|an|your|this|that|each|every|my|their|its)\s+([a-z]{3,})\b")


@dataclass
class _Field:
    spec: dict[str, Any]
    #: for a field a precondition reads: the seed keys (values/weights or range) given the share
    #: of rows that must pass
    seed: Callable[[float], dict[str, Any]] | None = None
    named: bool = False  # a field the text names (counted against max_fields)


_CLAUSE_WORDS = frozenset({"if", "when", "unless", "and", "or", "but", "so", "while", "as", "because"})
"""Words that start the clause after a window's thing ("... of submission if it has not been claimed")."""


@dataclass
class _Require:
    """A precondition; `expr` names the row "{row}" (the bound name in a tool, "row" in an anchor)."""

    expr: str
    message: str
    span: tuple[int, int] | None



#: what a text about playing a game says (`title_game`)
_GAME_WORDS = re.compile(r"\b(?:games?|gaming|gameplay|play(?:ing|er|ers)?|boss|console|Wii|Xbox|PlayStation|PS[1-4P]|"
                         r"Nintendo\w*|3?DS|enem(?:y|ies)|zombies?|sniper|ammo|ammunition|respawn|clans?|guilds?|inventory)\b", re.I)
#: (a shooter's guide says none of the first: "Ninja Defuse in Call of Duty" speaks of the enemy's routes;
#: an online world's neither: "Merchant ... in RuneScape" of a merchanting clan, its inventory, a Mining Guild)
#: where a title's task is done, by a name at its end: "... in Resident Evil 4", "... on Super Smash Bros";
#: not a console's ("in PS2", "on Nintendo 64": the game is another) nor a thing of theirs ("on Your Wii")
_IN_A_GAME = re.compile(r"\s(?:in|on)\s+(?!(?:Your|My|The|A|An|Wii|Xbox|PS\d|PSP|PlayStation|Nintendo|GameCube|DS|"
                        r"3DS|PC|Mac|Android|iPhone|iPad)\b)"
                        r"([A-Z0-9][\w'\u2019:.-]*(?:\s+(?:of|the|and|[A-Z0-9][\w'\u2019:.-]*))*)\s*$")
#: verbs whose object, a name, is a program ("Install Internet Explorer", "Update Firefox", "Use
#: Instacart on an iPhone": a guide to using an app acts on nothing of the customer's but their copy
#: of the app; its records were the "products" and "sizes" its steps look at)
_PROGRAM_VERBS = frozenset("install uninstall reinstall update upgrade download use".split())


class FieldRules:
    """Mixin of the procedure builder: the entity noun, its fields and the conditions on them."""

    def title_program(self) -> str | None:
        """The program a how-to title installs, removes or updates by its name, as the title says
        it plainly ("How to Uninstall Google Chrome - On Android": "Google Chrome"; "Install Swat 4":
        "Swat 4"); None where the title counts a thing ("Download Kindle Books") or names none
        ("Update Your Browser"). Its record is a program, not the files or settings its steps touch."""
        title = bare_title(self.doc.title)
        if not _HOW_TO.match(title) or _title_object(title, counted=True):
            return None
        words = plain_title(title, self.text).split(" ")
        if words[0] not in _PROGRAM_VERBS or words[0] == "use" and not machine_signals(self.text).ui_steps:
            return None  # (a thing used on no screen is no program: "Use Arnica for Natural Remedies")
        name: list[str] = []
        raw = _HOW_TO.sub("", title).split(" ")  # a name goes on as the title writes it ("Microsoft Paint")
        for k, w in enumerate(words[1:], 1):
            if name and k < len(raw) and raw[k].lower() == w.lower():
                w = raw[k]
            bare = w.rstrip(",;:")
            if not (bare[:1].isupper() or name and bare.isdigit()) or bare.lower() in _TITLE_STOPS:
                break
            name.append(bare)
            if bare != w:
                break
        return " ".join(name) or None

    def title_game(self) -> str | None:
        """The game a how-to title's task is done in, by its name ("How to Get Zapdos in Mystery
        Dungeon Blue": "Mystery Dungeon Blue"), where the title's thing is no kind of record a player
        keeps but a name or none ("Zapdos", "the Wither", "Breed on Nintendogs"): the record is the
        customer's game, as they call it, not a "zapdos" or a "salazar" record. None where the title
        counts a thing ("Craft a Bed in Minecraft": the bed) or the text speaks of no game."""
        title = bare_title(self.doc.title)
        said = f"{title}\n{self.text}"
        if not _HOW_TO.match(title) or not (_GAME_WORDS.search(said) or machine_signals(said).game_words):
            return None
        thing = _title_object(title, counted=True)
        if thing and not re.search(rf"\b{re.escape(thing[:1].upper() + thing[1:])}", plain_title(title, self.text)):
            return None  # a thing the player has ("a golden shovel"), not a name ("the Wither")
        main = re.split(r"\s+[-\u2013\u2014]\s+", _HOW_TO.sub("", title))[0]
        place = _IN_A_GAME.search(re.sub(r"\s*\([^)]*\)\s*$", "", main))
        if place is None:
            return None
        words = place.group(1).split()  # ("Animal Crossing City Folk| Without Hacking")
        cut = next((k for k, w in enumerate(words) if k and w.lower() in _TITLE_STOPS - {"of", "the", "and"}), len(words))
        return " ".join(words[:cut])

    def entity_noun(self) -> str:
        """The kind of record the procedure acts on (`_record_kind`), named as the text names it."""
        return self._named_as_said(self._record_kind())

    def _named_as_said(self, noun: str) -> str:
        """A record the main title does not name, as the text names it with a word of the title: the
        noun phrase, not its head ("How to Watch Live Football": a step's "football channel package",
        not a package; "Watch TV Without Cable - Cancelling Cable Contracts": the cable contract). A
        guide on nothing of the customer's is done on the thing its own words tie to the goal."""
        title = bare_title(self.doc.title)
        if not _HOW_TO.match(title) or not noun.isalpha() or noun in NAMED_BY and seeded_names_fit(noun, self.text):
            return noun  # (a kind known by names of its own keeps them: "file_name" of XML files)
        main = _HOW_TO.sub("", title).partition(" - ")[0]
        if _title_object(f"How to {main}", counted=True) == noun:
            return noun  # the title's own thing: "Create a Simple Web Page" is a page
        topic = {w for w in re.findall(r"[a-z]+", main.lower())[1:] if len(w) > 2 and w not in _TITLE_STOPS}
        for m in re.finditer(rf"\b{noun}s?\b", self.text.lower()):
            said = self.text.lower()[max(0, m.start() - 40):m.start()]
            before = list(itertools.takewhile(str.isalpha, reversed(said.split())))[:2][::-1] if said[-1:] == " " else []
            while before and (before[0] in _STOP or before[0] not in topic or before[0].endswith("ing")):
                before = before[1:]
            if before and not set(before) & _STOP:
                return _ident("_".join([*before, noun]), 40)
        return noun

    def _record_kind(self) -> str:
        """The kind of record the procedure acts on: what a how-to's title makes or acts on ("How to
        Create a Simple Web Page": pages), else the known kind the steps and title name most, else
        what the steps act on."""
        title = bare_title(self.doc.title)
        # (a how-to's title names the customer's goal; a manual's section title names a topic; a
        # message verb's object is what the message says, the record the message the steps send:
        # "Text a Heart Using Symbols" is done on a message, not a heart)
        said = _HOW_TO.match(title) and tf.verb_lemma(_HOW_TO.sub("", title).split(" ")[0].lower()) not in _WRITE_COMMUNICATE
        thing = _title_object(title, counted=True) if said else None
        if thing:  # (a clipped word the steps say in full: "Download Google Docs", "Select a document";
            # not another word: a car is no card)
            full = [w for i in self.infos for w in i.object_words[-1:]
                    if len(w) >= len(thing) + 4 and w.startswith(thing) and tf.known_word(w)]
            return min(full) if full else self._made_thing(title, thing)
        score: Counter[str] = Counter()
        for info in self.infos:
            weight = 3 if info.kind == "write" else 1
            # the head of the step's object, not a word that only modifies it ("Add a line break":
            # no line; records were lines, and "create a simple web page" was refused), unless the
            # head is a screen's part or a field the word's thing has ("the Applications folder",
            # "the package display limit")
            heads = info.object_words if set(info.object_words[-1:]) & _PART_HEADS else info.object_words[-1:]
            for w in heads:
                base = w.split("_")[-1] if "_" in w else w
                if base in _ENTITY_RANK:
                    score[base] += weight * _noun_weight(base)
        verb = tf.leading_verb(title)
        for k, w in enumerate(re.findall(r"[a-z]+", title.lower())):
            lw = tf.lemma(w)
            if lw in _ENTITY_RANK and not (k == 0 and verb):  # "Return value of the command": no return
                score[lw] += 2 * _noun_weight(lw)
        if score:
            return max(score, key=lambda n: (score[n], -_ENTITY_RANK[n]))
        thing = _title_object(title)
        if thing:  # what a how-to title makes or acts on: "Craft a Bed in Minecraft" -> bed (was wool, a step's)
            return thing
        heads: Counter[str] = Counter()
        for info in self.infos:
            if info.object_words:
                w = info.object_words[-1]
                if w.isalpha() and len(w) >= 3 and w not in _PEOPLE and w not in _STOP and w not in _NOT_RECORDS \
                        and not uncountable(tf.lemma(w)) and w not in _ADVERBIAL:
                    heads[w] += 3 if info.kind == "write" else 1
        words = [w for w in heads if tf.known_word(w)]
        if words:  # what the steps act on ("the jail", "the database")
            return _ident(max(words, key=lambda n: (heads[n], n)), 24)
        named = Counter(tf.lemma(m.group(1)) for m in _DETERMINED.finditer(self.text))
        kinds = [n for n, c in named.items() if c >= 2 and n in _ENTITY_RANK]
        if kinds:  # a kind of record the text speaks of ("the file", "your key"), not a program's or an
            # option's name the steps act on ("radvd": radvds; "nodeflate": nodeflates)
            return max(kinds, key=lambda n: (named[n] * _noun_weight(n), -_ENTITY_RANK[n]))
        if heads:
            return _ident(max(heads, key=lambda n: (heads[n], n)), 24)
        return "request"

    def _made_thing(self, title: str, thing: str) -> str:
        """What "Make Your X V ..." acts on: a word after the thing made that the steps never say
        is the verb it is made to do ("Make Your Mobile Phone Number Appear As a Private Number":
        appears), and the thing is the last word before it the steps say after a determiner ("make
        your number private": numbers)."""
        words = re.findall(r"[a-z]+", _HOW_TO.sub("", title).partition(" - ")[0].lower())
        if len(words) < 3 or words[0] != "make" or words[1] not in _DETERMINERS or thing not in words:
            return thing
        body = self.text.replace(self.doc.title or "", " ").lower()
        if re.search(rf"\b{thing}", body):
            return thing
        said = [w for w in words[2:words.index(thing)] if re.search(rf"\b(?:the|an?|your|my)\s+(?:\w+\s+)?{w}\b", body)]
        return _ident(said[-1], 24) if said else thing

    # ---------------------------------------------------------------- fields

    def add_field(self, name: str, spec: dict[str, Any],
                  seed: Callable[[float], dict[str, Any]] | None = None) -> str:
        name = _unique(_ident(name), set(self.fields) | _RESERVED_FIELDS | {self.pk}, 40)
        self.fields[name] = _Field({"name": name, **spec}, seed)
        return name

    def named_field(self, name: str, description: str) -> str | None:
        """The entity field for a field the text names ("card's last four digits"), made once;
        None for the id, status and owner fields every table has, or past `max_fields`."""
        name = _ident(name)
        if name in (self.pk, f"{self.noun}_id", "id", "status", "email", "e_mail", "email_address",
                    "name", "full_name", "owner_name", "owner_email") or name in _EXPR_WORDS \
                or name in self.id_names:
            return None
        if name in self.fields:
            return name
        if sum(1 for f in self.fields.values() if f.named) >= self.ex.max_fields:
            return None
        spec = _field_spec(name, f"{self.noun} {description}")
        if (points := _in_points(name, self.text)):
            # an amount the text counts in points ("Choose your redemption amount" of "Redeeming 5,000
            # points"): a number of points, one of the text's own, said "5,000 points"; as money it
            # was "$77.49", of a minimum of 3,000 points
            name = name.removesuffix("_amount") + "_points"
            if name in self.fields:
                return name
            spec = {"type": "integer", "values": points}
        self.fields[name] = _Field({"name": name, **spec, "description": _clean(description, 80)}, named=True)
        return name

    # ---------------------------------------------------------------- conditions

    def condition_require(self, cond_text: str, kinds: set[str], amount: int | None, unit: str | None,
                          span: tuple[int, int]) -> _Require | None:
        """A precondition for a condition clause, reading an entity field made for it.

        "within N days" -> a date field and ``days_between(x.date, today) <= N``; "at least N" /
        "up to $N" -> a number field and a comparison; anything else -> a boolean flag named for the
        state it asks for (`flag_names`: "only if the account is in good standing" ->
        ``account_in_good_standing``), or nothing when the clause names none.
        The field's seeded values are set later (`_seed_guards`) so that most rows pass.
        """
        message = _clean(cond_text)
        if "within" in kinds and amount and unit in _UNIT_DAYS:
            m = _WITHIN_OF.search(cond_text)
            # "within 17 minutes of submission if ...": the thing, not the clause after it, nor a
            # function word or a doing ("of receipt of an order", "of receiving your licence": was
            # `of_date`, `your_date`)
            named = []
            for w in (m.group(1).lower().split() if m else []):
                if w in _CLAUSE_WORDS or w in _STOP or w == "of":
                    break
                if not (w.endswith("ing") and tf.verb_lemma(w)):
                    named.append(w)
            base = _date_head(" ".join(named)) if named else self.noun
            if base in _PRONOUNS:  # "the new return date is within 30 days of the original one"
                subject = _WITHIN_SUBJECT.search(cond_text)
                base = _date_head(subject.group(1)) if subject else self.noun
            base = _ident(tf.lemma(base) if base.isalpha() else base, 20)
            if base in self.windows:  # one window per date; further tiers stay policy text
                return None
            self.windows.add(base)
            if _LOCKED.search(cond_text):  # "Editing is locked within 13 hours": of an event ahead
                return self._far_enough_ahead(base, amount * _UNIT_DAYS[unit] * 24, unit, message, span)
            clock = self.ex.clock
            if unit in ("minute", "hour"):  # "within 17 minutes of submission": 17 minutes, not an hour
                minutes = amount * 60 if unit == "hour" else amount
                name = self.add_field(f"{base}_time", {"type": "datetime", "description": f"when the {base} happened"},
                                      lambda p, m=minutes: {"range": [_shift(clock, hours=-math.ceil(m / p) / 60), clock]})
                limit = f"<= {amount:g}" if unit == "hour" else f"* 60 <= {amount:g}"
                return _Require(f"hours_between({{row}}.{name}, now) {limit}", message, span)
            days = max(1, round(amount * _UNIT_DAYS[unit]))
            name = self.add_field(f"{base}_date", {"type": "date", "description": f"date of the {base}"},
                                  lambda p, d=days: {"range": [_shift(clock, days=-math.ceil((d + 1) / p) + 1)[:10],
                                                               clock[:10]]})
            return _Require(f"days_between({{row}}.{name}, today) <= {days}", message, span)
        lim = _LIMIT.search(cond_text)
        if lim:
            got = self._limit_require(lim, cond_text, message, span)
            if got is not None:
                return got if got.expr else None  # a further tier of a quantity checked: policy text, no flag
        # A boolean flag named for the state the clause asks for: "only if the account is in good
        # standing" -> `account_in_good_standing`; none for a sentence that names no state.
        flag = flag_name(cond_text)
        if flag is None:
            return None
        negative = flag.negated
        name = self.add_field(flag.name, {"type": "boolean", "description": _clean(cond_text, 160)},
                              lambda p, bad=negative: {"values": [not bad, bad],
                                                       "weights": [round(p, 3), round(1 - p, 3)]})
        return _Require(f"not {{row}}.{name}" if negative else f"{{row}}.{name}", message, span)

    def _limit_require(self, lim: re.Match[str], cond_text: str, message: str,
                       span: tuple[int, int]) -> _Require | None:
        op_text = " ".join(lim["op"].lower().split())
        try:
            n = float(lim.group(2).replace(",", ""))
        except ValueError:
            return None
        rest = (lim["rest"] or "").lower()
        if re.match(r"\s*(?:seconds?|secs?)\b", rest):  # "not wait more than 5 seconds for the device to
            return _Require("", message, span)  # appear": a wait, policy text; no count a record keeps (it
            # made `appear_count`, "I can see 15 appears")
        if re.match(r"\s*years?\s+(?:old|of\s+age)", rest):
            name, ftype = "age", "integer"
        elif "$" in lim.group(0) or re.search(r"\b(?:dollars?|usd|eur|euros?)\b", rest):
            name, ftype = "amount", "number"
        else:
            nouns = [tf.lemma(w) for w in re.findall(r"[a-z]+", rest) if w not in _STOP][:3]
            if nouns and nouns[0] in _UNIT_DAYS:
                return self._ahead_require(n, nouns[0], op_text, rest, message, span)
            if not nouns or nouns[0] in {"percent", "time", "character", "digit"}:
                return None
            name, ftype = f"{nouns[-1]}_count", "integer"
        if op_text in ("at least", "no less than", "minimum", "minimum of"):
            op = ">="
        elif op_text in ("more than", "over", "greater than"):
            op = ">"
        elif op_text in ("less than", "under"):
            op = "<"
        else:
            op = "<="
        if n <= 0 and op in ("<", "<="):
            return None
        integer = ftype == "integer"
        if integer:
            n = int(n)

        def seed(p: float, n: float = n, op: str = op, integer: bool = integer) -> dict[str, Any]:
            if op in (">=", ">"):
                hi = max(n * 3, n + 10)
                lo = max(0.0, hi - (hi - n) / p)
            else:
                lo = n * 0.1
                hi = lo + (n - lo) / p
            if integer:
                return {"range": [int(lo), max(int(hi), int(lo) + 2)]}
            return {"range": [round(lo, 2), round(hi, 2)]}

        value = repr(float(n)) if ftype == "number" else str(n)
        if _ident(name) in self.fields:
            # the same limit again is the same check ("Enter an amount that is at least $100" at the
            # step and at submission: was a flag field `amount_2`); another tier of it stays policy
            # text (an empty expression: no check, and no flag either)
            same = self.limits.get(_ident(name)) == f"{op} {value}"
            return _Require(f"{{row}}.{_ident(name)} {op} {value}" if same else "", message, span)
        name = self.add_field(name, {"type": ftype, "description": _clean(cond_text, 160)}, seed)
        self.limits[name] = f"{op} {value}"
        return _Require(f"{{row}}.{name} {op} {value}", message, span)

    def _ahead_require(self, n: float, unit: str, op_text: str, rest: str, message: str,
                       span: tuple[int, int]) -> _Require | None:
        """"at least 2 hours before the original return time": a time field for the event and how
        far ahead of it the record must be (most seeded rows far enough ahead)."""
        event = _BEFORE_EVENT.search(rest)
        if event is None or op_text not in ("at least", "no less than", "minimum", "minimum of", "more than"):
            return None
        return self._far_enough_ahead(_ident(_date_head(event.group(1)), 20), n * _UNIT_DAYS[unit] * 24, unit,
                                      message, span)

    def _far_enough_ahead(self, base: str, hours: float, unit: str, message: str,
                          span: tuple[int, int]) -> _Require:
        """A time (or date) field for an event ahead and the rule that it is at least `hours` away
        (most seeded rows far enough ahead)."""
        clock = self.ex.clock
        if unit in ("minute", "hour"):
            name = self.add_field(f"{base}_time", {"type": "datetime", "description": f"when the {base} is due"},
                                  lambda p, h=hours: {"range": [_shift(clock, hours=math.floor(4 * h - 3 * h / p)),
                                                                _shift(clock, hours=math.ceil(4 * h))]})
            return _Require(f"hours_between(now, {{row}}.{name}) >= {hours:g}", message, span)
        days = max(1, round(hours / 24))
        name = self.add_field(f"{base}_date", {"type": "date", "description": f"date of the {base}"},
                              lambda p, d=days: {"range": [_shift(clock, days=math.ceil(4 * d - 3 * d / p))[:10],
                                                           _shift(clock, days=4 * d)[:10]]})
        return _Require(f"days_between(today, {{row}}.{name}) >= {days}", message, span)

    def _seed_guards(self) -> None:
        """Seed every guard field so that most rows pass all preconditions together (about 60%)."""
        guards = [f for f in self.fields.values() if f.seed is not None]
        if not guards:
            return
        p = max(0.8, 0.6 ** (1.0 / len(guards)))
        for f in guards:
            f.spec.update(f.seed(p))

    # ---------------------------------------------------------------- build
