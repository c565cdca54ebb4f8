"""Values a how-to step names that the user supplies: a URL, a quoted option, a file, a password, a
name they choose, a message they write. Not an amount the text states ("Bake for 7 to 12 minutes",
"turn it 3-5 times"): the text fixes it, no customer chooses it (asked "How many times would you
like?" "5 times is what I need.").

"Click the green + button to add a specified URL" takes the URL; 'choose "Block All Websites
Except the ones in White List"' takes that option; "Select a CSV file" a file name; "Type in the
administrator password" the password (checked against the record, never shown); "Enter a name
for the DVD" the DVD's name; "Type your message" the message. One reading of the step's words (`given_values`); each value becomes a field of the
record and a parameter of the step's tool named by the step's nouns.

The values a user may give are made here, once per document, with Faker seeded from the
document's seed and the field's name (a plausible URL or file name, never the clock); the text's
own value (www.example.com, "FAT32") is the only one when it writes one.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from ...text import features as tf
from ...tools.kinds import kind_of, thing_names
from .lexicon import _STOP, _ident
from .procedure_values import _field_spec

#: how many values a field offers the users of one domain
_CHOICES = 5

_URL = re.compile(r"(?<![\w@/.])(?:https?://)?(?:www\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\."
                  r"(?:com|org|net|edu|gov|io|co|uk|us|it|me|tv)(?:/[^\s\"'”),]*[^\s\"'”),.])?(?![\w.])", re.I)
_URL_NOUN = re.compile(r"\b(?:url|web\s*address|website\s+address)\b", re.I)
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,60}?)[.,]?[\"”]")
_UI_AFTER = re.compile(r"\s*(?:button|menu|tab|icon|link|checkbox|check\s*box|radio|toggle|switch|key|bar|window|"
                       r"pane|panel|screen|app|page|folder)\b", re.I)
_BOX = re.compile(r"\s*(?:box|field|menu|list|drop-?down|section|option)\b", re.I)
_CHOOSE = frozenset("choose select pick set tick".split())
_TYPE = frozenset("type enter input retype write fill plug provide add insert paste".split())
_FILE_EXT = "exe|txt|zip|jpg|jpeg|png|gif|mp3|mp4|wav|docx?|pdf|iso|csv|xlsx?|pptx?|dmg|apk|ini|cfg|bat|sh|html?|ico"
_FILE_NAME = re.compile(rf"(?<![\w/.-])([\w-]{{2,40}}\.(?:{_FILE_EXT}))\b", re.I)
_A_FILE = re.compile(rf"\b(?:a|an|the|your)\s+(?:(?P<kind>{_FILE_EXT}|icon|image|text|audio|video|music|zip|iso|"
                     r"backup|photo|picture)\s+)?(?P<what>file|document|folder)\b", re.I)
_FILE_VERBS = frozenset("select choose pick open upload attach import save rename download locate find drag".split())
_SECRET_NOUN = re.compile(r"\b((?:[A-Za-z][\w-]*\s+){0,2}?)(password|passcode|passphrase|pin|promo(?:tional)?\s+code|"
                          r"product\s+key|license\s+key|activation\s+code|access\s+code|verification\s+code)\b", re.I)
#: secrets no one tells a support agent (a code or a key they bought is told: a product key, a promo code)
_NEVER_ASKED = frozenset({"password", "passcode", "passphrase", "pin"})
#: a code sent to the customer to prove who they are: told to a support agent, it is a phishing pattern
_SENT_CODE = frozenset({"verification", "security", "confirmation", "authentication", "auth", "login", "otp", "2fa",
                        "one", "time", "sms", "text"})
#: the keys that are codes a customer has to tell ("Enter your product key"); any other key is a thing (a
#: brass key, a USB key) or a key pair's half that no chat carries (a public SSH key, a host key)
_CODE_KEYS = frozenset({"product", "license", "licence", "activation", "registration", "serial", "cd", "steam", "game"})


def never_asked(name: str) -> bool:
    """Whether a value is one a support agent never asks for: a secret (a password, a PIN, a token:
    "Type in the administrator password" is a step the user does themselves, no parameter the agent
    asks), a code sent to the customer ("Could you tell me your phone number and the verification
    code?", before the step that sends it), a key that is a thing or no code ("Mind telling me the
    brass key?" -> "sg23Dk52", "the USB Key", a public SSH key told as a GPG key id), or a count of
    digits ("a 3 digit number": "What's the digit number?")."""
    return re.split(r"[\s_]+", name.strip().lower())[-1] in _NEVER_ASKED or no_value_told(name)


def no_value_told(name: str) -> bool:
    """`never_asked`, less the password, passcode, passphrase and PIN a step names (those stay fields
    hidden from every reply): a value no record should hold as the customer's to tell."""
    words = [w for w in re.split(r"[\s_-]+", name.strip().lower()) if w]
    if not words:
        return False
    if words[-1] in ("token", "otp") or "digit" in words or "digits" in words:
        return True
    if words[-1] == "code" and len(words) > 1 and words[-2] in _SENT_CODE:
        return True
    return words[-1] == "key" and (len(words) < 2 or words[-2] not in _CODE_KEYS)


#: "Type passwd in the terminal", "Type su at the command prompt, and press Enter": what the user types
_COMMAND = re.compile(r"^\W*type\s+(?P<cmd>[a-z][\w.-]*(?:\s+[a-z0-9][\w.-]*){0,3}?)\s+(?:(?:in|into|at)\s+(?:the\s+)?"
                      r"(?:terminal|command\s+prompt|prompt|console|start|shell)\b|,?\s*and\s+press\b)", re.I)
_NAME_FOR = re.compile(r"\b(?:a|the|your)\s+(?:new\s+)?name\s+(?:for|of)\s+(?:the|your|a|an|this)?\s*"
                       r"(?P<thing>[a-z][a-z-]+)|^\W*name\s+(?:the|your|a|an|this)\s+(?P<obj>[a-z][a-z-]+)", re.I)
#: heads of a step's object that are values a user writes or picks, and where their values come from
_HEADS: dict[str, tuple[str, Any]] = {
    "message": ("string", "sentence"), "note": ("string", "sentence"), "comment": ("string", "sentence"),
    "review": ("string", "sentence"), "question": ("string", "sentence"), "caption": ("string", "sentence"),
    "statement": ("string", "sentence"), "description": ("string", "sentence"), "bio": ("string", "sentence"),
    "username": ("string", "user_name"), "nickname": ("string", "first_name"),
    "zipcode": ("string", "postcode"), "zip": ("string", "postcode"), "postcode": ("string", "postcode"),
    "city": ("string", "city"), "country": ("string", "country"), "language": ("string", "language_name"),
    "color": ("string", "color_name"), "colour": ("string", "color_name"),
    "year": ("integer", [2012, 2015, 2017, 2019, 2021]), "mileage": ("integer", [18500, 42000, 67300, 91200, 120400]),
    "weight": ("number", [0.5, 1.2, 2.4, 3.8, 5.0]), "budget": ("number", [50, 120, 250, 400, 800]),
    "season": ("string", ["spring", "summer", "autumn", "winter"]),
    "size": ("string", ["small", "medium", "large"]),
    "font": ("string", ["Arial", "Georgia", "Helvetica", "Times New Roman", "Verdana"]),
    "plan": ("string", ["basic", "standard", "premium"]),
    "date": ("date", "date"), "day": ("date", "date"),
    "address": ("string", "street_address"), "venue": ("string", "venue"),
    "destination": ("string", "city"),
    **{w: ("string", "company") for w in "carrier vendor provider company shop store brand agency lender dealer "
                                         "insurer caterer florist bakery salon gym".split()},
    **{w: ("string", "name") for w in "officiant artist photographer lawyer attorney doctor dentist tutor coach "
                                      "trainer contractor realtor babysitter sitter witness sponsor mentor "
                                      "recipient veterinarian vet plumber electrician".split()},
}
#: "Type the new name", "Enter your new phone number": a value of the record the user chooses afresh
_NEW_THING = re.compile(r"\b(?P<verb>[a-z]+)\s+(?:in\s+)?(?:a|the|your)\s+new\s+(?:(?P<mod>[a-z]+)\s+)?"
                        r"(?P<head>name|username|user\s*name|nickname|(?:phone|mobile|cell)\s+number|address)\b", re.I)
_A_NAME = re.compile(r"\b(?P<mod>[a-z]+)\s+name\b", re.I)
#: verbs by which a step names a value the user gives or picks
_GIVING = frozenset("decide state specify give tell hire book schedule find contact call visit".split())


@dataclass
class Given:
    """One value a step names: the field (and parameter) name, its spec, and how the tool takes it:
    "give" (the user supplies it, the tool stores it), "set" (the same for a value the record holds
    already, which the user changes: a new name) or "match" (the user gives it, the tool checks it
    against the record: a password)."""

    name: str
    spec: dict[str, Any]
    mode: str = "give"
    choices: list[Any] = field(default_factory=list)
    enum: bool = False


def _faker(seed: int, name: str) -> Faker:
    fk = Faker("en_US")
    fk.seed_instance(seed + zlib.crc32(name.encode("utf-8")))
    return fk


def _made(seed: int, name: str, source: Any, *args: Any, **kwargs: Any) -> list[Any]:
    """Up to `_CHOICES` distinct values from a Faker provider (or a list as it is)."""
    if isinstance(source, list):
        return list(source)
    fk = _faker(seed, name)
    out: list[Any] = []
    for _ in range(_CHOICES * 3):
        v = getattr(fk, source)(*args, **kwargs)
        if v not in out:
            out.append(v)
        if len(out) == _CHOICES:
            break
    return out


def _file_names(seed: int, name: str, ext: str) -> list[str]:
    """File names a person gives ("marshall_2019.csv"), not Faker's random words ("upon.csv")."""
    fk = _faker(seed, name)
    return list(dict.fromkeys(f"{fk.last_name().lower()}_{fk.year()}.{ext}" for _ in range(_CHOICES)))


def _texts(head: str, noun: str) -> list[str]:
    """What a person writes in a text box of this kind (`head`), about the record the steps act on:
    a message to the service by default, but a question asks something, a review judges, a
    statement tells what happened (a Kahoot question was "I'd like an update on my game, please.")."""
    n = noun.replace("_", " ")
    banks = {
        "question": [f"How long does the {n} take?", f"Can I change the {n} later?", "What is the capital of France?",
                     f"Is the {n} free to use?", "Which planet is closest to the sun?"],
        "review": [f"Great {n}, would recommend.", "It did the job, but it took longer than I expected.",
                   "Easy to set up and works as described.", f"The {n} was fine, nothing special.",
                   "Five stars: quick and friendly."],
        "statement": [f"The {n} was not handled as we agreed in writing.", "I was charged twice and never got a reply.",
                      "The deposit was not returned after I moved out.", f"Nobody answered my calls about the {n} for a month.",
                      "The repairs promised in March were never made."],
        "description": [f"My {n}, bought last spring and used daily.", "Blue, medium size, in good condition.",
                        f"The {n} in the back office, second floor.", "Older model, works but runs slowly.",
                        f"A spare {n} I keep for travel."],
        "caption": ["Sunset at the lake.", "Our first day in the new place.", "Weekend hike with friends.",
                    "Before and after the makeover.", "Best pancakes in town."],
        "bio": ["Coffee lover, runner and amateur photographer.", "Teacher from Ohio who loves to travel.",
                "Dog person, bookworm, weekend baker.", "Designer by day, guitarist by night.",
                "Always planning the next trip."],
    }
    return banks.get(head) or [f"Hi, I have a question about my {n}.", f"Could you tell me the next step for my {n}?",
                               f"Thanks for the help with my {n} so far.", f"Please get back to me about my {n} this week.",
                               f"I'd like an update on my {n}, please."]


def _words_before(body: str, end: int, n: int = 2) -> list[str]:
    """The nouns right before `end` ("the administrator password" -> administrator), no function words."""
    out = []
    for w in reversed(re.findall(r"[A-Za-z][\w'-]*", body[:end])[-n:]):
        low = w.lower()
        if low in _STOP or low in ("new", "old", "current", "desired", "specified", "exact"):
            break
        out.insert(0, tf.lemma(low))
    return out


def given_values(body: str, verb: str, object_words: list[str], noun: str, seed: int,
                 title: str = "") -> list[Given]:
    """The values one step's words name that the user supplies (at most two), in the step's order
    (`title`: the document's, which says which name a bare "the new name" is)."""
    out: list[Given] = []
    low_verb = verb.lower()
    desc = re.sub(r"\s+", " ", body).strip()[:160]

    def add(g: Given) -> None:
        if len(out) < 2 and all(o.name != g.name for o in out) and g.name and g.name != noun:
            out.append(g)

    command = _COMMAND.search(body)
    if command and low_verb == "type" and command["cmd"].split()[0].lower() not in _STOP | {"in", "it"}:
        add(Given("command", {"type": "string", "description": desc}, choices=[command["cmd"]]))
    _run(body, low_verb, desc, add)
    url = _URL.search(body)
    if url and not re.match(r"^\S+@", body[url.start():]):
        add(Given("url", {"type": "string", "description": desc}, choices=[url.group(0).rstrip("/")]))
    elif _URL_NOUN.search(body):
        add(Given("url", {"type": "string", "description": desc},
                  choices=[u.rstrip("/") for u in _made(seed, "url", "url")]))
    _quoted(body, low_verb, desc, add)
    _file(body, low_verb, desc, seed, add)
    secret = _SECRET_NOUN.search(body)
    # (a password or PIN: none, the user types it themselves)
    if secret and not never_asked(secret.group(2)) \
            and (low_verb in _TYPE or low_verb in ("use", "confirm", "verify", "redeem", "apply")):
        before = body[:secret.start(2)]
        new = re.search(r"\b(?:new|desired)\s+(?:[\w-]+\s+)?$", before, re.I)
        head = _ident(secret.group(2), 24)
        words = [w for w in _words_before(body, secret.start(2)) if w not in ("type", "enter", "retype", "re")]
        name = _ident("_".join(words[-2:] + [head]), 40)
        if "code" in head and not new:  # a promotional code the user has: given, kept
            add(Given(name, {"type": "string", "description": desc},
                      choices=_made(seed, name, "bothify", text="??##-####", letters="ABCDEFGHJKLMNPQRSTUVWXYZ")))
        elif new:
            add(Given("new_" + name if not name.startswith("new_") else name, {"type": "string", "description": desc},
                      choices=_made(seed, name, "password", length=10)))
        else:
            add(Given(name, {"type": "string", "faker": {"provider": "password", "args": {"length": 10}},
                             "description": desc}, mode="match"))
    _name(body, low_verb, desc, seed, add)
    _new_thing(body, low_verb, noun, title, desc, add)
    _head(body, low_verb, object_words, noun, desc, seed, add)
    _wanted(body, seed, add)
    return out


#: 'Run "apt-get dist-upgrade"', 'unmount it by "sudo umount /dev/hda"': a command the step quotes
_QUOTED_COMMAND = re.compile(r"[\"“](?P<cmd>(?:sudo\s+)?[a-z][\w.+-]*(?:\s+[^\"“”\n]{1,60}?)?)[\"”]")
_RUNS = frozenset("run execute start type enter issue invoke unmount mount install remove purge".split())
#: a quoted command's first word that is no program: a word of the sentence ("the", "on")
_NOT_PROGRAMS = _STOP | frozenset("on off yes no all none and or".split())


def _run(body: str, verb: str, desc: str, add: Any) -> None:
    """'Run the "apt-get dist-upgrade" command', 'Start "apt-get autoremove|less" as root': the command
    the step runs, as the text writes it: the tool takes it (the assistant reads it in the step; nobody
    is asked for it), named for its program (`apt_get_command`)."""
    if verb not in _RUNS:
        return
    m = _QUOTED_COMMAND.search(body)
    if m is None:
        return
    cmd = re.sub(r"\s+", " ", m["cmd"]).strip()
    words = cmd.split()
    program = words[1] if words[0] == "sudo" and len(words) > 1 else words[0]
    if program.lower() in _NOT_PROGRAMS or len(words) < 2 and not re.search(r"[-./|]", cmd) and verb != "run":
        return  # 'Type "l"': a key pressed; 'press "_"'
    add(Given(_ident(f"{program}_command", 40), {"type": "string", "description": desc}, choices=[cmd]))


def _quoted(body: str, verb: str, desc: str, add: Any) -> None:
    """'choose "A" or "B"': an option list; 'select "FAT32" from the "File system" menu': that
    option of that setting; 'choose "Block All Websites Except ..."' (a label of several words): that
    option; 'type a name into the "Field Name" box': the box's value."""
    found = list(_QUOTED.finditer(body))
    if not found:
        return
    # the word that picks: the step's verb, or "choose" later in it ("To set up a limit, choose "...")
    verb_at = re.search(r"\b(?:choose|select|pick|tick)\b", body, re.I)
    if verb_at is None:
        return
    found = [m for m in found if m.start() >= verb_at.end()]
    if not found:
        return
    first = found[0]
    # the options listed together: "A", "B" or "C"
    group = [first]
    for m in found[1:]:
        if re.fullmatch(r"\s*(?:,|,?\s*or|,?\s*and)\s*", body[group[-1].end():m.start()]):
            group.append(m)
        else:
            break
    labels = [m.group(1).strip() for m in group]
    after = body[group[-1].end():]
    if _UI_AFTER.match(after) or any(not re.search(r"[A-Za-z0-9]", lab) for lab in labels):
        return  # 'Select the "Comma" checkbox': a control pressed, not a value given
    setting = re.match(r"\s*(?:from|in|on|under)\s+the\s+[\"“]([^\"”]{1,40}?)[\"”]\s*(?:menu|list|box|field|drop-?down)",
                       after, re.I)
    if setting:
        name = _ident(setting.group(1), 30)
    elif len(labels) >= 2 or len(labels[0].split()) >= 3:
        noun = re.match(r"\s*(?:as\s+(?:the|your)\s+)?([a-z]+)\b", after)
        name = _ident(noun.group(1), 30) if noun and noun.group(1) in ("option", "setting", "mode", "format",
                                                                       "type", "plan", "level") else "option"
    else:
        return
    add(Given(name, {"type": "string", "description": desc}, choices=list(dict.fromkeys(labels)), enum=True))


def _file(body: str, verb: str, desc: str, seed: int, add: Any) -> None:
    named = _FILE_NAME.search(body)
    if named and not _URL.fullmatch(named.group(1)):
        add(Given("file_name", {"type": "string", "description": desc}, choices=[named.group(1)]))
        return
    a_file = _A_FILE.search(body)
    if a_file and verb in _FILE_VERBS and a_file["what"].lower() == "folder":
        fk = _faker(seed, "folder")
        choices = list(dict.fromkeys(f"Documents/{fk.word().capitalize()} {fk.year()}" for _ in range(_CHOICES)))
        add(Given("folder", {"type": "string", "description": desc}, choices=choices))
    elif a_file and verb in _FILE_VERBS and a_file["what"].lower() == "document":
        add(Given("document_name", {"type": "string", "description": desc},
                  choices=_file_names(seed, "document_name", "docx")))
    elif a_file and verb in _FILE_VERBS:
        kind = (a_file["kind"] or "").lower()
        ext = kind if re.fullmatch(_FILE_EXT, kind) else {"image": "jpg", "photo": "jpg", "picture": "jpg",
                                                          "audio": "mp3", "music": "mp3", "video": "mp4",
                                                          "text": "txt", "icon": "ico", "zip": "zip",
                                                          "iso": "iso", "backup": "zip"}.get(kind, "txt")
        name = f"{_ident(kind, 12)}_file_name" if kind else "file_name"
        add(Given(name, {"type": "string", "description": desc}, choices=_file_names(seed, name, ext)))


def _name(body: str, verb: str, desc: str, seed: int, add: Any) -> None:
    """"Enter a name for the DVD", "Name the playlist": the name the user chooses for it."""
    m = _NAME_FOR.search(body)
    if m is None or (m["obj"] and verb != "name"):
        return
    said = m["thing"] or m["obj"]
    thing = tf.lemma(said.lower())
    if thing in _STOP or len(thing) < 2:
        return
    name = _ident(f"{thing}_name", 40)
    if said.isupper():  # "the DVD"
        thing = said
    kind = kind_of(name)
    if thing in ("document", "file"):
        choices = _file_names(seed, name, "docx")
    elif kind is not None and kind != thing_names(tf.lemma(said.lower())):
        choices = _made(seed, name, list(kind.values) or kind.provider)  # a character's is a first name
    else:  # what a person calls a thing ("Family DVD"), not "Robert's power" nor a person's name
        choices = list(thing_names(thing).values)
    add(Given(name, {"type": "string", "description": desc}, choices=choices))


def _new_thing(body: str, verb: str, noun: str, title: str, desc: str, add: Any) -> None:
    """"Type the new name and tap Save", "Enter your new phone number": the value the record will
    hold, which the user chooses (a `new_` parameter: "set"). A bare "name" is the one the title
    names ("Change your display name": `display_name`), else the record's own (`playlist_name`); an
    email address is left out (the record's owner email is who it belongs to, not a value set here)."""
    m = _NEW_THING.search(body)  # (the step's verb may be its last: "Type the new name and tap Save")
    if m is None or not {verb, m["verb"].lower()} & (_TYPE | _CHOOSE):
        return
    head, mod = re.sub(r"\s+", "_", m["head"].lower()), (m["mod"] or "").lower()
    if mod in ("email", "e-mail"):
        return
    mod = "" if mod in _STOP else mod
    if head == "name" and not mod:
        named = _A_NAME.search(re.sub(r"^how to\s+", "", title, flags=re.I))
        mod = named["mod"].lower() if named and named["mod"].lower() not in _STOP else noun
    if head.endswith("_number"):
        name = "phone_number"
    else:
        name = _ident(f"{mod}_{head}" if mod and head in ("name", "address") else head.replace("user_name", "username"), 40)
    add(Given(name, {**_field_spec(name, f"{noun} {desc}"), "description": desc}, mode="set"))


#: things a user picks by name ("the file you want to download"), and where their names come from
_PICKED = {"file": "file", "document": "docx", "photo": "jpg", "picture": "jpg", "image": "jpg", "video": "mp4",
           "song": "mp3", "contact": "name", "friend": "name", "person": "name", "url": "url", "website": "url",
           "site": "url", "page": "url"}
_WANTED = re.compile(r"\b(?:the|a|an|each|every|any)\s+(?:(?P<kind>[a-z]+)\s+)?(?P<thing>[a-z]+)\s+(?:that\s+|which\s+)?"
                     r"you\s+(?:want|wish|would\s+like|'d\s+like|’d\s+like)\b", re.I)


def _wanted(body: str, seed: int, add: Any) -> None:
    """"Click the file you want to download", "Tap the contact you want to block": which one is the
    user's pick, by its name."""
    m = _WANTED.search(body)
    if m is None:
        return
    thing = tf.lemma(m["thing"].lower())
    source = _PICKED.get(thing)
    if source is None:
        return
    desc = re.sub(r"\s+", " ", body).strip()[:160]
    if source == "url":
        add(Given("url", {"type": "string", "description": desc},
                  choices=[u.rstrip("/") for u in _made(seed, "url", "url")]))
    elif source == "name":
        name = f"{thing}_name"
        add(Given(name, {"type": "string", "description": desc}, choices=_made(seed, name, "name")))
    else:
        kind = (m["kind"] or "").lower()
        ext = kind if re.fullmatch(_FILE_EXT, kind) else source if source != "file" else "txt"
        name = f"{kind}_{thing}_name" if kind and re.fullmatch(_FILE_EXT, kind) else f"{thing}_name"
        if thing == "file" and not kind:
            name = "file_name"
        add(Given(_ident(name, 40), {"type": "string", "description": desc}, choices=_file_names(seed, name, ext)))


def _head(body: str, verb: str, object_words: list[str], noun: str, desc: str, seed: int, add: Any) -> None:
    """"Type your message", "Provide your car's mileage", "Pick a season": the object is a value the
    user writes or picks (`_HEADS`)."""
    if verb not in _TYPE and verb not in _CHOOSE and verb not in _GIVING:
        return
    for w in object_words[-2:]:
        got = _HEADS.get(w)
        if got is None:
            continue
        ftype, source = got
        words = [x for x in object_words if x != w and x.isalpha() and x not in _STOP][-1:]
        name = _ident("_".join(words + [w]) if source in ("sentence", "date", "time") and words else w, 40)
        kind = kind_of(name, desc)  # "IP-addresses to listen on": IP addresses, not streets
        if kind is not None and isinstance(source, str):
            source = list(kind.values) or kind.provider
        if source == "sentence":
            choices: list[Any] = _texts(w, noun)
        elif source == "date":  # a day ahead of the frozen clock, as ISO text
            fk = _faker(seed, name)
            choices = list(dict.fromkeys(f"2025-{fk.random_int(2, 6):02d}-{fk.random_int(1, 28):02d}"
                                         for _ in range(_CHOICES)))
        elif source == "venue":
            fk = _faker(seed, name)
            choices = list(dict.fromkeys(f"{fk.last_name()} {fk.random_element(['Hall', 'Gardens', 'Center', 'House'])}"
                                         for _ in range(_CHOICES)))
        else:
            choices = _made(seed, name, source)
        if verb in _GIVING and re.search(rf"\b(?:your|my)\s+(?:[\w-]+\s+)?{re.escape(w)}\b", body, re.I):
            # "Call your cable provider": the one they have, on the record (the tool checks it), not a
            # new one stored over it (the assistant said the customer's provider, then another "currently")
            add(Given(name, {"type": ftype, "values": choices, "description": desc}, mode="match"))
            return
        add(Given(name, {"type": ftype, "description": desc}, choices=choices))
        return
