"""What an action is called when the assistant says it: the goal's request in the second person
with the values the user gave ("move $800 from your savings account ..."), a how-to guide's step
as the service's own (what the customer receives is what the service sends them), a tool's name
in words as the last resort; in brief once it has been said in full, and in the past once done."""
from __future__ import annotations

import itertools
import re
from typing import Any

from gem_env.tools.patterns import SENTENCE_BREAK
from gem_env.tools.render import moment, participle, smooth, spoken, when_words



def past(phrase: str) -> str:
    """"change the limit to $500" -> "changed the limit to $500" (the first verb, past participle)."""
    verb, _, rest = phrase.partition(" ")
    return f"{participle(verb)} {rest}".strip()


def done(what: str) -> str:
    """A how-to request as its close says it done ("text a heart to Mia" -> "texted a heart to Mia",
    "take care of the shell prompt" -> "taken care of the shell prompt"): its first word in the past,
    the rest as the request says it; "" where that word is no act of the assistant's ("be awesome
    on zombies") or no verb at all, a noun before the verb ("password protect a PDF", "disk swap
    on a PlayStation", "ninja defuse"), or where the request names nothing ("go ahead with this step")."""
    words = what.split()
    # (no verb ends in "a": "ninja defuse in call of duty")
    if len(words) < 2 or not re.fullmatch(r"[a-z]+", words[0]) or words[0] in _STATES or words[0].endswith("a") \
            or what == "go ahead with this step":
        return ""
    if words[0] not in VERBS and len(words) > 2 and re.fullmatch(r"[a-z]+", words[1]) \
            and words[1] not in _NOT_A_VERB and (words[2] in _ARTICLES or words[1] in VERBS and words[2] in _PLACES):
        return ""  # (a verb after a noun: "password protect a PDF", "sword cancel in Halo 2")
    return past(with_new_value(what))


#: verbs of a state the customer is in, not an act the assistant says it did ("I've been awesome")
_STATES = frozenset("be become feel seem stay remain".split())
#: words that follow a verb and are no verb themselves (a particle, a preposition, an article, a pronoun)
_NOT_A_VERB = frozenset("a an the your my his her their its our this that these those some any all more "
                        "up down in out on off over back away around apart through to into onto with without "
                        "for from of at by via about under after before between across along together "
                        "it them him me us you".split())
#: what begins a verb's object ("protect a PDF": a word before it with its own object is no verb's),
#: and where it is done ("cancel in Halo 2")
_ARTICLES = frozenset("a an the your my".split())
_PLACES = frozenset("in on at".split())


VERBS = frozenset(
    "add apply book buy cancel change check close complete create delete dispute enable disable extend file "
    "freeze increase lower make move open order pay raise reactivate redeem refill register remove renew replace "
    "report request reschedule reset return schedule send set sign pass start stop submit switch transfer unfreeze "
    "unlock update upgrade lock block unblock enroll activate deactivate claim link unlink enter provide save assign "
    "select choose download upload refresh confirm follow use pause resume place exchange swap".split())
# what the document says the customer receives is, said by the service, what it gives them
_THEIRS = {"receive": "send you", "get": "give you", "obtain": "give you"}
#: verbs whose tool is the user moved somewhere ("transfer_to_human_agent")
_MOVES_THEM = frozenset("transfer connect move put hand".split())
_NOTVERBS = frozenset("system customer user agent internal auto manual".split())
# a step only the customer can take (watching their screen, waiting): not said as the agent's
_ONLY_THEIRS = re.compile(r"^(?:watch|see|wait|look|notice|hear|check|read|visit|log|tap|click)\b")


_UNSAID = re.compile(r"\s+(?:(?:to|as|for|from|on|at|by|with|because of|due to)\s+\{(?P<key>\w+)\}(?:,?\s+\{\w+\})*"
                     r"|(?:(?P<det>my|your|the|an?|this|that)\s+(?P<mod>(?:other|new|old|second|current|main)\s+)?)?"
                     r"(?P<noun>\w+)\s+\{(?P<id>\w+_id|id)\})")


#: an infinitive left at the end once its date is left out ("extend your rental to return [on {date}]")
_DANGLING = re.compile(rf"\s+to\s+(?:{'|'.join(sorted(VERBS))})$")


def _unsaid(m: re.Match, known: dict[str, Any]) -> str:
    """A placeholder the user has not filled yet, left out: with its preposition ("to {new_limit}"),
    or a record's number after its noun ("for transaction {transaction_id}" -> "for the transaction")."""
    if (m.group("key") or m.group("id")) in known:
        return m.group(0)
    if m.group("key"):
        return ""
    return f" {m.group('det') or 'the'} {m.group('mod') or ''}{m.group('noun')}"


def action(goal: str, tool: str, known: dict[str, Any] | None = None) -> str:
    """What a workflow does, as the assistant says it: the goal's request sentence in the second
    person with the values the user gave ("move $800 from your savings account ending in 6013 ..."),
    else the write in words ("update the shipping address")."""
    known = known or {}
    text = re.sub(r"\s*\([^)]*\)", "", goal)
    sentences = [x.strip() for x in SENTENCE_BREAK.split(text) if x.strip()]
    ask = next((x for x in sentences if x.split(" ")[0].lower() in VERBS), "")
    ask = re.split(r":\s", ask)[0].strip().rstrip(".:")  # "...: add details" ends it; "17:05" does not
    # what the user has not said yet is left out with its preposition ("... to {new_limit}"), or,
    # for a record's number, on its own
    ask = _DANGLING.sub("", _UNSAID.sub(lambda m: _unsaid(m, known), ask))
    if ask and all(m in known for m in re.findall(r"\{(\w+)\}", ask)):
        ask = re.sub(r"\{(\w+)\}", lambda m: when_words(spoken(m.group(1), known[m.group(1)])), ask)
        ask = re.sub(r"\bmy\b", "your", ask, flags=re.IGNORECASE).replace("$$", "$")
        if " it " not in f" {ask} ":
            return smooth(_yours(_given(_MOMENT.sub(_moment, ask[:1].lower() + ask[1:]))))
    titled = _titled_request(sentences[0] if sentences else "")
    if titled:
        return smooth(_yours(titled))
    step = _procedure_step(text, known)
    if step:
        return smooth(step)
    request = _request(sentences[0] if sentences else "")
    if request:
        return smooth(_yours(request))
    verb, _, rest = re.sub(r"_\d+\b", "", tool).replace("_", " ").partition(" ")
    topic = _topic(sentences[0] if sentences else "")
    if topic and (verb.endswith("ly") or verb in _NOTVERBS or _ONLY_THEIRS.match(verb) or not _acts(verb, rest, text)):
        return f"take care of {topic}"  # never "I'll the chroot system: see ...", "I'll suppose the hostname"
    if verb in _THEIRS:
        return smooth(f"{_THEIRS[verb]} the {rest}")
    if re.match(r"(?:to|into|with|from|for|on) ", rest):
        head, _, noun = rest.partition(" ")
        who = " you" if verb in _MOVES_THEM else ""  # "transfer you to a human agent", "put in an application for a card"
        return smooth(_given(f"{verb}{who} {head} a {noun}"))
    if verb.endswith("ly") or verb in _NOTVERBS or _ONLY_THEIRS.match(verb) or rest == "step":  # "immediately_add", "watch_screen"
        # a how-to's goal is what the steps do together: "identify songs using melody"
        first = sentences[0] if sentences else ""
        return smooth(_yours(first)) if re.match(r"[a-z]+ \w", first) and "{" not in first else _guide_words(goal, text)
    return f"{verb} the {rest}" if rest else verb


def _guide_words(goal: str, text: str) -> str:
    """A how-to request no other reading names, in the guide's words: its step after the title,
    whatever the verb ("configure your network via GUI" of "GUI network configuration tools: ..."),
    a title that is a verb alone with the record it acts on ("migrate your service"), or a title
    whose verb the guide capitalises as a name ("G Shot in Call of Duty 4"); "go ahead with this
    step" only where the guide says nothing the assistant can do."""
    step = _procedure_step(text, {}, any_verb=True)
    if step:
        return smooth(step)
    first = (SENTENCE_BREAK.split(text.strip()) or [""])[0].strip()
    record = re.search(r"\((\w+) (?:[A-Z]{2,}\d*-\d+|\{\w+\})\)", goal)  # "(service {service_id})"
    if re.fullmatch(r"[a-z]+", first) and first not in _THOUGHT and record:
        return f"{first} {thing_called(record.group(1), goal)}"
    if re.fullmatch(r"[A-Z][\w-]* [\w\"'].*", first) and not re.search(r"[:{_]", first):
        return _yours(first)
    return "go ahead with this step"


_FIRST_PERSON = {"my": "your", "myself": "yourself", "mine": "yours", "me": "you"}

#: what a step asks the reader to think or key in, not the service's act ("suppose your hostname is
#: foo", "type bt": never "I'll type the bt")
_THOUGHT = frozenset("suppose assume imagine consider remember note notice understand know refer think type press "
                     "hit".split())


def _topic(first: str) -> str:
    """The topic a how-to goal's title names before its step ("the chroot system" of "the chroot
    system: see ..."), when the title is no request (`_titled_request`): what the assistant
    takes care of, said in a verb slot as "take care of the chroot system" (the title alone there
    read "I'll the chroot system: see ..."): a title the procedure path said as a topic, in lower
    case. "" for any other goal."""
    title, colon, _ = first.partition(": ")
    if not colon or "{" in title or not title[:1].islower() or _titled_request(first):
        return ""  # (a section's own title, "Promo: watch for ...", is left to the step: "go ahead with this step")
    title = title.strip()
    # a moment, not a thing: "after the first boot" -> "what comes after the first boot"
    return f"what comes {title}" if re.match(r"(?:after|before|during|until|since) ", title) else title


def _acts(verb: str, rest: str, goal: str) -> bool:
    """Whether a step tool's name says an act on a thing ("update_configuration_file"): not a
    thought or a key pressed ("suppose_hostname", "type_bt"), not its verb again ("export_export_visual": "export the export
    visual"), not a compound the goal writes as one word ("file_name" of "the filename encoding":
    "file the name")."""
    head = rest.split(" ", 1)[0]  # (a how-to's acts name no thing: "I'll do the step", "I'll open the app")
    return bool(rest) and rest not in ("step", "app") and verb not in _THOUGHT and head != verb and \
        not re.search(rf"\b{re.escape(verb + head)}\b", goal, re.IGNORECASE)


def _request(first: str) -> str:
    """A how-to guide's goal is the customer's request said plainly ("display hockey cards",
    "uninstall Twitch on PC or mac"; the record's number in brackets is gone): what the steps do
    together, so what the assistant says it will do, in the second person, whatever its verb. Not a
    topic and its step ("the root account: set ...", or its step in brackets, gone: "extracting
    data from text file table:"), nor a sentence with values still to fill: the
    steps' own tool then names the action."""
    if not re.match(r"[a-z]+ \w", first) or "{" in first or ":" in first:
        return ""
    return re.sub(r"\b(my|myself|mine|me)\b", lambda m: _FIRST_PERSON[m.group(1)], first)


#: a title's first word that makes it a topic, not a request ("the links", "after the first boot",
#: "navigate currency conversions")
_TOPIC_OPENERS = frozenset("the a an this these those your my our its their some any all each every after before "
                           "for with to in on at about from by of into via when how what why".split()
                          # a guide's subject, not something to do ("navigate currency conversions")
                          + "navigate understand learn know explore manage handle".split())


def _titled_request(first: str) -> str:
    """A how-to goal whose title is the customer's request and whose step follows a colon ("rename a
    playlist: type a new name and tap Done", "purge removed packages for good: then you press
    ..."): the title, not the step. Not a topic ("the links: note", "LDAP directory: move old
    database", "obtaining backtrace: load ...": its step names the action, `_procedure_step`)."""
    title, colon, _ = first.partition(": ")
    verb = title.split(" ", 1)[0]
    if not colon or verb in _TOPIC_OPENERS or verb.endswith("ing") or not re.fullmatch(r"[a-z]+ [\w\"'].*", title) \
            or "{" in title or re.search(r"[_\d]", title):
        return ""
    return _request(title)


# verbs that act on a record the customer already has: its article is theirs ("extend a car rental"
# -> "extend your car rental"); "book a flight", "open an account" make a new one and keep theirs
_ON_THEIRS = re.compile(r"^(extend|cancel|change|update|modify|renew|freeze|unfreeze|close|block|unblock|remove|"
                        r"reschedule|return|track|suspend|resume|replace|lock|unlock|reactivate|upgrade|downgrade|"
                        r"reset|repair|fix|clean|restart|reboot|rename|delete|uninstall|recover|restore|clear|wipe|"
                        r"format|wash|charge|unclog|defrost|descale) an? ")  # "reset your check engine light"


def _given(action: str) -> str:
    """What the customer requests new, the service gives them: "request a new promo code" -> "get
    you a new promo code" (the assistant does not request it of anyone); what the customer applies
    or signs up for, the assistant puts in for them ("apply for a new Gold Card" -> "put in an
    application for a new Gold Card", never "I'll apply for a new Gold Card")."""
    action = re.sub(r"^request (an?) new ", r"get you \1 new ", action)
    action = re.sub(r"^apply for ", "put in an application for ", action)
    action = re.sub(r"^sign up (for|to) ", r"sign you up \1 ", action)
    return re.sub(r"^(register|enroll|enrol) (for|in) ", r"\1 you \2 ", action)


#: the person as the guide's reflexive names them ("Write Poetry for Yourself"), who in what the
#: assistant does is its object: "I'll write poetry for you", never "for yourself"
_REFLEXIVE = re.compile(r"\b(?:yourself|yourselves|myself|ourselves)\b")


def _yours(action: str) -> str:
    return _REFLEXIVE.sub("you", _ON_THEIRS.sub(r"\1 your ", action))


#: a record's number as an action says it ("ACC-1", "LG-21668")
_NUMBER = r"[A-Z]{2,}\d*-\d+\b"
_DETAIL = re.compile(r"\s+(?:because|due to|so that|as(?!\s+(?:an?|the|my|your)\s))\b.*$"
                     rf"|\s+{_NUMBER}(?:(?! to an? [a-z]+$).*$)?")
"""A reason, or a record number and the values after it; a number before where a thing goes ("your
account ACC-1 to a person") leaves where it goes. "as" before an article is what a thing becomes,
not a reason ("make your number appear as a private number")."""


def brief(what: str) -> str:
    """An action without its record numbers and reasons ("freeze your account ACC-1 because of
    fraud" -> "freeze your account"): how it is named before the confirmation has said it in full,
    and after, once it is done. A dangling preposition goes with what it led to."""
    # "for transaction TRN-1" -> "for the transaction" (not "to email" -> "to the email": a value)
    short = re.sub(rf"\b(for|of|on|to|from|about) ([a-z]+)(?=\s+{_NUMBER})", r"\1 the \2", what)
    short = _DETAIL.sub("", short).strip()
    short = re.sub(r"\s+(?:for|of|to|from|on|with|about)\s*$", "", short)
    return short if len(short.split()) >= 2 else what


def with_new_value(what: str) -> str:
    """A change named with the value it sets and without its record number ("change the cabin of
    your booking BKN-1 to premium" -> "change the cabin of your booking to premium"): how it is
    told once done, the new value said with it rather than again in a sentence of its own. Any
    other action as `brief` names it."""
    m = _TO_VALUE.match(what)
    return f"{m.group(1)} {m.group(2)}" if m else brief(what)


#: a change of one record to a value: the record's number, then "to" and the value (no reason, no
#: other record: "to your other account ACC-2" is a move)
_TO_VALUE = re.compile(rf"^(.+?)\s+{_NUMBER}\s+(to (?:(?!\b(?:because|due to)\b)(?!{_NUMBER}).)+)$")


_MOMENT = re.compile(r"\bthe ([a-z]+) (on|at) of\b")


def _moment(m: re.Match) -> str:
    """"the send on of" -> "the send date of", "the starts at of" -> "the start time of": a field
    named for the moment something happens, as a noun (`tools.render.moment`, the one rule)."""
    return f"the {moment(m.group(1), m.group(2))} of"


def _procedure_step(goal: str, known: dict[str, Any], *, any_verb: bool = False) -> str:
    """The step a how-to guide's goal names after its title ("User Blocking: choose the option to
    block the user and confirm" -> "choose the option to block the user and confirm"), as the agent
    says it: what the customer receives as what the service sends them; a step only the customer
    can take (watching for an email) is left out (empty). A value the user gave is said ("set the
    delivery preference to email"); one not given yet is left out with its preposition. `any_verb`:
    a step whose verb is not one of a service's (`VERBS`: "restart the service"), not a thought."""
    head = SENTENCE_BREAK.split(goal.strip())[0] if goal.strip() else ""
    if ": " not in head:
        return ""
    clause = _UNSAID.sub(lambda m: _unsaid(m, known), head.rsplit(": ", 1)[1])
    said = {k: when_words(spoken(k, known[k])) for k in re.findall(r"\{(\w+)\}", clause) if k in known}
    clause = re.sub(r"\{(\w+)\}", lambda m: f"\x00{m.group(1)}\x00" if m.group(1) in said else m.group(0), clause)
    # one step, one verb: "enter the details and select ..." is said as its first step
    # ("set the threshold to $200, the type to online and the delivery to email" is one step)
    clause = re.split(r"[,;]\s(?!the [a-z ]+? to \x00)|\s(?:if|when|so that|in order to|as|once|or)\s|\s+\{|"
                      r"\sand (?!the [a-z ]+? to \x00)(?=[a-z]+\b(?! (?:of|in|for|to)\b))", clause)[0].strip().rstrip(".")
    verb, _, rest = clause.partition(" ")
    bare = re.sub(r"\x00\w+\x00", "", clause)
    # (a digit in a name is no value: "update exim4 configuration files")
    # (nor a number, unless the guide's own words are all there is: "write out database with 1 new entries")
    if not rest or not re.fullmatch(r"[a-z]+", verb) or _ONLY_THEIRS.match(clause) or re.search(r"[{_]", bare) \
            or (not any_verb and re.search(r"(?<![A-Za-z])\d", bare)):
        return ""
    if verb in _THEIRS:
        clause = f"{_THEIRS[verb]} {rest}"
    elif verb not in VERBS and (not any_verb or verb in _THOUGHT):
        return ""
    return re.sub(r"\x00(\w+)\x00", lambda m: said[m.group(1)], re.sub(r"\bmy\b", "your", clause))


def thing_called(noun: str, goal: str) -> str:
    """A how-to's record as its goal writes it, with whose it is: "your orchard" (of "grow an
    orchard ..."), "your SSD", "your Toyota Prius" (of "stop a runaway Toyota Prius"), and a name
    the title capitalises as it is, with the goal's "the": "Zapdos", "the Wither" (never "your
    zapdos", a record kind made of a name); a capital the title writes in the plural is no name
    ("your reward" of "... for Rewards"). A program the goal's verb acts on by its name is called so
    ("Twitch" of "uninstall Twitch on PC or mac", never "your program")."""
    words = noun.replace("_", " ")
    text = re.sub(r"\{[^}]*\}", "", re.sub(r"\s*\([^()]*\{[^}]*\}[^()]*\)", "", goal))  # (not its "(program {id})")
    m = re.search(rf"\b({re.escape(words)})(?:e?s)?\b", text, re.IGNORECASE)
    if m is None:
        name = _NAMED_OBJECT.match(text) if noun in _KNOWN_BY_NAME else None
        return name.group(1) if name else f"your {words}"
    said = m.group(1)  # one of them, as the goal spells it ("SSD" of "SSDs")
    before = text[:m.start()].split()
    # "Toyota" of "Toyota Prius"; not a possessor ("master Chief's armor") nor a fragment ("huff N' puff")
    run = list(itertools.takewhile(lambda w: re.fullmatch(r"[A-Z][A-Za-z0-9-]*", w) is not None, reversed(before)))
    if len(run) < len(before) and not re.fullmatch(r"[A-Za-z-]+", before[-len(run) - 1]):
        return f"your {words}"  # (the run ends at "Chief's", "N'")
    if run:
        return f"your {' '.join(reversed(run))} {said}"
    # the determiner of its phrase, back to the goal's verb or a preposition ("build a home Studio": a)
    phrase = list(itertools.takewhile(lambda w: w.lower() not in _PREPOSITIONS, reversed(before[1:])))
    det = next((w.lower() for w in phrase if w.lower() in ("a", "an", "the", "your", "my")), "")
    if said[:1].isupper() and said[1:].islower() and det in ("", "the"):
        # a name: "Zapdos", "the Wither"; never one the title writes as many ("for Rewards", "command Blocks")
        return f"{det} {said}".strip() if m.group(0) == said else f"your {words}"
    return f"your {said}"


#: records a goal's verb acts on by their name, no noun said (the extract's program the title installs,
#: updates or uses: "uninstall Twitch", "use Microsoft Paint"; a game is where a task is done, not its object)
_KNOWN_BY_NAME = frozenset({"program"})
#: the capitalised run after a goal's verb: "uninstall |Google Chrome| on ..."
_NAMED_OBJECT = re.compile(r"\s*[a-z]+\s+((?:[A-Z][\w.+-]*|\d+)(?:\s+(?:[A-Z][\w.+-]*|\d+))*)\b")
_PREPOSITIONS = frozenset("in on at from with to for of by into onto via using without".split())
