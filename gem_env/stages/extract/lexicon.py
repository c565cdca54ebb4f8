"""Word lists, patterns and small helpers of the offline procedure extractor (offline.py)."""
from __future__ import annotations

import hashlib
import re
from typing import Any

from ...text import features as tf
from ...tools.render import participle as english_participle
from ...tools.render import plural  # noqa: F401 -- the extractor's tables are named as the agent says them

# ---------------------------------------------------------------- lexicons

#: Nouns a procedure's steps act on, best first when tied. People (customer, user) are owners.
ENTITY_NOUNS = (
    "order", "card", "account", "appointment", "reservation", "booking", "subscription", "payment",
    "transfer", "claim", "refund", "ticket", "loan", "policy", "profile", "password", "device",
    "plan", "package", "shipment", "return", "dispute", "statement", "deposit", "transaction",
    "application", "request", "membership", "flight", "trip", "item", "product", "delivery",
    "invoice", "bill", "contract", "prescription", "complaint", "address", "pin", "beneficiary",
    "payee", "alert", "overdraft", "mortgage", "wallet", "line", "sim", "router", "modem",
    "coupon", "voucher", "reward", "enrollment", "course", "event", "room", "seat", "vehicle",
    "rental", "lease", "permit", "licence", "license", "visa", "passport", "registration",
    "document", "report", "file", "repository", "server", "backup", "container", "job", "case",
    "cheque", "limit", "budget", "goal", "note", "message", "notification", "setting",
    "service", "refill", "certificate", "key", "token", "session", "record", "form", "list",
    "page", "project", "task", "car", "phone", "email", "number", "fee", "charge", "balance",
    "purchase", "cart", "gift", "point", "installation", "user", "customer", "member", "guest",
    "patient", "passenger",
)
_ENTITY_RANK = {n: i for i, n in enumerate(ENTITY_NOUNS)}
#: Nouns that are usually a field of something else ("card PIN", "account balance"): weak entities.
_ATTRIBUTES = frozenset({"pin", "password", "address", "email", "number", "balance", "fee", "limit",
                         "setting", "key", "token", "point", "charge", "note", "list", "page", "form",
                         "message", "notification", "record", "session", "phone"})
_PEOPLE = frozenset({"user", "customer", "member", "guest", "patient", "passenger", "agent",
                     "person", "people", "someone", "team", "staff", "recipient", "owner"})

#: Status a verb leaves behind, and the status it needs before (reversals).
VERB_STATUS: dict[str, tuple[str, str | None]] = {
    "freeze": ("frozen", None), "unfreeze": ("active", "frozen"), "lock": ("locked", None),
    "unlock": ("unlocked", "locked"), "block": ("blocked", None), "unblock": ("unblocked", "blocked"),
    "activate": ("active", "inactive"), "reactivate": ("active", "inactive"),
    "deactivate": ("inactive", None), "enable": ("enabled", "disabled"), "disable": ("disabled", None),
    "suspend": ("suspended", None), "resume": ("resumed", "paused"), "pause": ("paused", None),
    "restore": ("restored", "suspended"), "reopen": ("reopened", "closed"), "open": ("open", None),
    "close": ("closed", None), "cancel": ("cancelled", None), "label": ("labelled", None),
    "travel": ("travelled", None), "unsubscribe": ("unsubscribed", None), "set": ("set", None),
}
_IRREGULAR = {
    "be": "done", "do": "done", "have": "done", "go": "gone", "make": "made", "send": "sent",
    "pay": "paid", "buy": "bought", "put": "put", "cut": "cut", "build": "built", "write": "written",
    "get": "obtained", "hold": "held", "keep": "kept", "choose": "chosen", "take": "taken",
    "find": "found", "give": "given", "begin": "begun", "sell": "sold", "bring": "brought",
    "leave": "left", "run": "run", "draw": "drawn", "tear": "torn", "hang": "hung", "dig": "dug",
    "feed": "fed", "spread": "spread", "shake": "shaken", "throw": "thrown", "wear": "worn",
    "sew": "sewn", "lay": "laid", "light": "lit", "eat": "eaten", "drink": "drunk", "sit": "sat",
    "stand": "stood", "swim": "swum", "drive": "driven", "grind": "ground", "lend": "lent",
    "spend": "spent", "split": "split", "reset": "reset", "read": "read", "shut": "shut",
    "quit": "quit", "upset": "upset", "bind": "bound", "wind": "wound", "teach": "taught",
    "catch": "caught", "think": "thought", "seek": "sought", "fight": "fought", "tell": "told",
    "say": "said", "hear": "heard", "know": "known", "show": "shown", "grow": "grown",
    "blow": "blown", "fly": "flown", "see": "seen", "forget": "forgotten", "rebuild": "rebuilt",
    "rewrite": "rewritten", "undo": "undone", "redo": "redone", "withdraw": "withdrawn",
    "forgive": "forgiven", "hide": "hidden", "ride": "ridden", "rise": "risen", "stick": "stuck",
    "strike": "struck", "swing": "swung", "sweep": "swept", "sleep": "slept", "feel": "felt",
    "meet": "met", "lose": "lost", "win": "won", "mislay": "mislaid", "log": "logged",
    "set": "set", "hit": "hit", "let": "let", "cancel": "cancelled", "label": "labelled",
    "travel": "travelled",
}
#: Verbs whose step is a write even though the lexicon calls them communicate or navigate.
_WRITE_COMMUNICATE = frozenset({"escalate", "notify", "remind", "email", "message", "text"})
#: Looks whose participle is a state of the thing looked at ("Your hockey cards are displayed"); a
#: request to find, check, determine, view or read something leaves it in none ('found', 'determined')
_SHOWN = frozenset({"display", "show", "exhibit"})
_UPDATE_FIELD_VERBS = frozenset({"update", "change", "edit", "modify", "correct", "replace",
                                 "rename", "set", "reset", "adjust", "switch"})
_VERIFY_VERBS = frozenset(tf.VERB_KINDS["verify"]) | {"check"}
_PARTICLES = frozenset({"up", "in", "out", "on", "off", "down", "over", "back", "through", "away"})
_TOOL_VERBS = frozenset({"use", "call", "run", "invoke", "execute", "trigger"})
#: Verbs too light to name the state they leave ("use a load board", "be cool", "go to the game",
#: "take legal action": 'used', 'done', 'gone', 'taken' say nothing of the record).
_LIGHT_VERBS = frozenset("be do have get go use try come keep let put see help need want take give".split())
#: Verbs of a step that uses the record, or one's time, rather than leaving it in a state: 'played' (a
#: measure), 'practiced', 'walked', 'held down' (a key), 'made' (of "make menuconfig", "make your
#: computer run faster"), nor a supposition or a look ("Suppose your hostname is foo": 'supposed'; "View the
#: boundary": 'viewed'), nor a beginning ("Start aptitude", "Start your workout", "Click Start", "Restart aptitude": a
#: program run or a thing begun is no state of the record, "Your package is started"); see `steps.leaves_a_state`.
_NO_STATE_VERBS = _LIGHT_VERBS | frozenset(
    "make play practice consider avoid mention know understand become enjoy aim touch pursue target focus end "
    "attend await present receive steady warm walk swim sit stand climb jump hold drive kick grab push catch throw "
    "lift stretch suppose assume imagine notice realize realise view determine start restart".split())
_STOP = frozenset(
    "a an the your my our their his her its this that these those any each every some all no "
    "to for in on at by with from and or but nor so if as than then when while is are was were "
    "be been being has have had do does did will would can could should may might must it you "
    "we they he she i me us them not only also just very much more most less least such which "
    "what who whose where how why same other another own per via into over under about after "
    "before between during without within until unless because using once there here whether "
    "both either new up down out off back away again please sure".split()
)
#: words that say how or when, never what a step acts on ("easily", "now", "later"): no part of a
#: tool's name (they made `easily_green_button`, `restart_now`, `view_article_late`)
_ADVERBS = frozenset("just now always never then again also still even already soon later late here there very "
                     "quite ever often sometimes usually simply really maybe perhaps only instead too almost "
                     "probably definitely immediately right first next finally once twice".split())
#: words in -ly that are no adverbs
_LY_NOUNS = frozenset("family reply supply apply assembly butterfly jelly belly holly ally rally fly lily italy july "
                      "bully anomaly monopoly comply multiply imply rely ply poly bubbly daily weekly monthly "
                      "yearly early friendly".split())
#: who does something in a relative clause ("the computer you want to ..."): the object ends there
_SUBJECTS = frozenset("you i we they he she you'd you'll you're you've we'd we'll we're we've i'd i'll i'm i've "
                      "they'd they'll they're".split())
#: words standing for a thing, never its name ("Find something to use", "Select one of the channels")
_PLACEHOLDERS = frozenset("one ones something someone anything everything nothing somebody anybody it".split())


def is_adverb(word: str) -> bool:
    low = word.lower()
    return low in _ADVERBS or (low.endswith("ly") and len(low) > 4 and low not in _LY_NOUNS)


#: keys of a keyboard: "Press the ⏎ Return key" presses one, it names no value the user gives
_KEYBOARD = frozenset("return enter tab shift esc escape ctrl control alt option opt command cmd space spacebar "
                      "backspace delete del home end insert windows win fn globe caps arrow up down left right "
                      "super meta menu".split())
_PRESSED = re.compile(r"\b(?:press(?:es|ed|ing)?|hit(?:s|ting)?|tap(?:s|ped|ping)?|hold(?:s|ing)?)\s+(?:down\s+)?"
                      r"(?:(?:the|your|a|and|hold)\s+)*\W*$", re.I)
#: what a field's words may run into from the phrase before them: an adverb ("simply type"), a
#: gerund or preposition ("using physical drive number"), a number ("back out one level")
_LEAD_INS = frozenset("using including following regarding concerning considering entering typing selecting "
                      "choosing providing giving pressing clicking running one two three four five six seven eight "
                      "nine ten".split())
#: a head followed by one of these modifies a thing, and names no value: the "Wii Fit balance board",
#: "the white balance settings", `make NAME=devel` (a variable set on a command line)
_NOT_A_HEAD = re.compile(r"\s?=|\s+(?:boards?|games?|settings?|buttons?|icons?|tabs?|menus?)\b", re.I)


def field_words(name: str, text: str, start: int, end: int) -> str | None:
    """The field a phrase `tf.named_fields` found in `text[start:end]` names (`name`, snake case):
    without the words it ran into before it, or None where it names no value (a pressed key,
    a field-head word that modifies a thing, or the bare head left once those words are gone)."""
    words = name.split("_")
    if words[-1] in ("key", "keys") and (_PRESSED.search(text[max(0, start - 40):start])
                                         or len(words) == 2 and (len(words[0]) == 1 or words[0] in _KEYBOARD)):
        return None
    if _NOT_A_HEAD.match(text, end):
        return None
    kept = list(words)
    while len(kept) > 1 and (is_adverb(kept[0]) or kept[0] in _LEAD_INS):
        kept.pop(0)
    return None if len(kept) == 1 < len(words) else "_".join(kept)


def name_word(word: str) -> bool:
    """Whether a word may stand in a tool's name as a noun of the step's object: not an adverb, a
    placeholder pronoun, or a single letter ("Play the E and G notes" is `play_note`, not `play_e`)."""
    low = word.lower()
    return len(low) > 1 and not is_adverb(low) and low not in _PLACEHOLDERS


_BREAK = frozenset(
    "to for in on at by with from and or but so if as than then when while via into over under "
    "about after before between during without within until unless because using once whether "
    "that which who is are was were be will can should may must has have had do does did would "
    "could might need needs".split()
)
_ENGLISH = frozenset("the a an and or of to in for on with your you is are be it this that if "
                     "from by as at can will not".split())
_EXPR_WORDS = frozenset({"and", "or", "not", "in", "if", "else", "true", "false", "null", "now",
                         "today", "row"})
_RESERVED_FIELDS = frozenset({"status", "owner_name", "owner_email"})
_FIRST = ("ana", "ben", "chloe", "david", "elena", "farid", "grace", "hiro", "isla", "jamal", "kim",
          "luca", "maya", "noah", "olga", "priya")
_LAST = ("lopez", "okafor", "smith", "tanaka", "novak", "haddad", "berg", "silva")
#: Owner emails are drawn from a fixed list: as realistic as Faker's and far cheaper to seed.
OWNER_EMAILS = [f"{f}.{l}@example.com" for l in _LAST for f in _FIRST]

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_'’]*|\d+(?:[.,]\d+)?|[.,;:!?()\[\]]|\*\*|\s[-–—]\s")
_SNAKE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_TO_VERB = re.compile(r"\bto\s+([a-z]+)\b", re.I)
_NUMBER = r"\$?\s?(\d[\d,]*(?:\.\d+)?)"
_LIMIT = re.compile(
    r"(?P<op>at\s+least|no\s+less\s+than|minimum(?:\s+of)?|more\s+than|over|greater\s+than|"
    r"at\s+most|no\s+more\s+than|up\s+to|maximum(?:\s+of)?|less\s+than|under|(?:not|never)\s+exceed|"
    r"does\s+not\s+exceed|cannot\s+exceed|must\s+not\s+exceed)\s+" + _NUMBER
    + r"(?P<rest>[^.;:,()]{0,40})", re.I)
_WITHIN_OF = re.compile(r"\bwithin\b[^.;]*?\b(?:of|from|after|since)\s+(?:the\s+|your\s+|a\s+|an\s+)?"
                        r"([a-z]+(?:\s+[a-z]+)?)", re.I)
#: the thing a window is measured from, when the text says it with a pronoun ("... of the original one")
_PRONOUNS = frozenset({"one", "it", "that", "this", "them", "those", "these"})
#: "the new return date is within ...": the subject of a window
_WITHIN_SUBJECT = re.compile(r"\b(?:the|your|a|an)\s+(?:new\s+|original\s+|current\s+)?([a-z]+(?:\s+[a-z]+)?)\s+"
                             r"(?:is|are|must\s+be|falls?|lies?)\s+within\b", re.I)
#: "... hours before the original return time": the event a lead time is measured to
_BEFORE_EVENT = re.compile(r"\bbefore\s+(?:the\s+|your\s+|its\s+|their\s+)?(?:original\s+|scheduled\s+|planned\s+)?"
                           r"([a-z]+(?:\s+[a-z]+)?)", re.I)


def _date_head(phrase: str) -> str:
    """The event a date or time phrase names: "return date" / "return time" -> "return"."""
    words = phrase.lower().split()
    while len(words) > 1 and words[-1] in ("date", "time", "day", "deadline"):
        words.pop()
    return words[-1]


#: a window in which the action is shut ("Editing is locked within 13 hours"): the event it is
#: measured to lies ahead, and the action needs it further away than that
_LOCKED = re.compile(r"\b(?:locked|blocked|frozen|closed|not (?:allowed|possible|available)|unavailable|disabled)\s+"
                     r"within\b", re.IGNORECASE)
_CANNOT = re.compile(r"\b(?:cannot|can't|can\s+not|must\s+not|mustn't|may\s+not|never|not\s+(?:be\s+)?"
                     r"(?:allowed|eligible|permitted|possible))\b", re.I)
_UI_NOUNS = frozenset({"app", "application", "website", "site", "page", "menu", "settings", "setting",
                       "portal", "tab", "screen", "link", "button", "dashboard", "browser", "window",
                       "dialog", "option", "section", "banking", "online"})
_FRONTED = re.compile(r"\s*(?:for|if|when|once|after|before|to|in|on|at|while|with|from|during|as|"
                      r"unless|since|because)\b[^,.;:]{0,80},\s*", re.I)
_LABEL_LEAD = re.compile(r"\s*(?:\*\*)?[^:.\n]{1,40}?(?:\*\*)?\s*(?::|\s[-–—])\s+")
_MODAL = re.compile(r"\b(?:must|should|shall|can|cannot|can't|could|may|will|would|needs?\s+to|has\s+to|"
                    r"have\s+to|(?:is|are)\s+required\s+to|is\s+able\s+to)\s+"
                    r"(?:(?:not|only|first|also|always|never|then|still|just|usually|now|[a-z]+ly)\s+)*"
                    r"(?P<be>be\s+)?(?P<verb>[A-Za-z]+)", re.I)
_UI_LABEL = re.compile(r"\*\*(?P<label>[^*\n]{2,40})\*\*|\[(?P<b>[A-Z][^\]\n]{1,40})\](?!\()")
_TO_SEE = re.compile(r"\bto\s+(?:see|view|check|find|look|review|read)\b", re.I)
_LABEL_ACTIONS = frozenset({"create", "update", "delete", "transfer", "read"})
_OPENABLE = frozenset({"account", "ticket", "case", "claim", "dispute", "request", "application", "line",
                       "loan", "deposit", "subscription", "membership", "policy", "order", "position"})
_SECRET = re.compile(r"pin$|^pin|password|passcode|cvv|cvc|ssn|security|secret|token|otp|code$")
_BRACES = str.maketrans({"{": "(", "}": ")"})
_UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}


# ---------------------------------------------------------------- small helpers


_SECTION_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+(?=[A-Za-z])")
#: words a procedure's steps leave last in an object that name no record ("Though, ...", "the next
#: step", "this section"): the document's parts, the time it takes, and an answer (a plugin "should
#: return “yes”" made a record called yes, whose id "YES-94832" a reply reads as an answer)
_NOT_RECORDS = frozenset("though although however step steps section chapter part example note way thing time status progress "
                         "minute minutes second seconds hour fun yes no ok okay "  # 'Answer "yes"': no record
                         "follow following follows information".split())  # "Try the following", "as follows": no record
#: adverbs a title's verb takes ("Walk Around", "Take Apart", "Get ... Straight Away", "Watch ... Online"):
#: how or where it is done, never the thing it acts on
_ADVERBIAL = _PARTICLES | frozenset("around apart aside ahead along across under behind together forward "
                                    "backward online offline straight home".split())


def bare_title(title: str | None) -> str:
    """A document's title without its section number ("6.7. Upgrading from ..." -> "Upgrading from
    ..."): the number is the book's, not what the customer comes about."""
    return _SECTION_NUMBER.sub("", (title or "").strip())


def worded_title(title: str | None, text: str) -> str:
    """A title that says something: a title with no word at all ("$", a shell page's) is the text's
    first line of prose instead ("> Expand a Bash variable." -> "Expand a Bash variable"), so no
    prompt says customers come "about things like $"."""
    if not (title or "").strip() or re.search(r"[A-Za-z]{2}", title or ""):
        return title or ""  # (no title at all: the steps say what it is about)
    for line in text.splitlines():
        line = re.sub(r"^[\s#>*-]+", "", line).strip()
        if len(re.findall(r"[A-Za-z]{2,}", line)) >= 2 and not line.startswith(("`", "http")):
            return re.split(r"(?<=[a-z])[.:](?:\s|$)", line)[0].strip()
    return title or ""


def _clean(text: str, limit: int = 300) -> str:
    """One line of text safe inside a message template (no braces), at most `limit` characters."""
    s = " ".join(text.split()).translate(_BRACES)
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _ident(name: str, limit: int = 40) -> str:
    s = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    s = re.sub(r"_+", "_", s)[:limit].rstrip("_")
    if not s or not s[0].isalpha():
        s = "x_" + s if s else "x"
    return s


def _unique(name: str, taken: set[str], limit: int = 64) -> str:
    name = name[:limit]
    out, n = name, 1
    while out in taken or out in _EXPR_WORDS:
        n += 1
        suffix = f"_{n}"
        out = name[: limit - len(suffix)] + suffix
    taken.add(out)
    return out


def participle(verb: str) -> str:
    """The status a verb leaves behind: freeze -> frozen, cancel -> cancelled, submit -> submitted."""
    if verb in VERB_STATUS:
        return VERB_STATUS[verb][0]
    return _regular_participle(verb)


def _regular_participle(verb: str) -> str:
    """The past participle as a status names it: the domain's own forms ("get" -> "obtained", "be"
    -> "done"), else English's (`tools.render.participle`: open -> opened, freeze -> frozen)."""
    return _IRREGULAR.get(verb) or english_participle(verb)


def _span(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def _is_english(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text[:4000])
    if len(words) < 3:
        return False
    letters = sum(1 for c in text[:4000] if c.isalpha())
    ascii_letters = sum(1 for c in text[:4000] if "a" <= c.lower() <= "z")
    if letters and ascii_letters / letters < 0.8:
        return False
    common = sum(1 for w in words if w.lower() in _ENGLISH)
    return common / len(words) >= 0.04 or (len(words) < 40 and common >= 1)


def domain_slug(doc_id: str) -> str:
    """A domain (and file) name from a document id: letters, digits, '_' and '-', at most 64."""
    s = re.sub(r"[^A-Za-z0-9_\-]+", "_", doc_id).strip("_-")
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "doc_" + s
    if len(s) > 64:
        digest = hashlib.sha256(doc_id.encode()).hexdigest()[:10]
        s = s[:53].rstrip("_-") + "_" + digest
    return s


#: a step's pointer to what the text shows after it ("restart NM| by the following", "set the
#: /etc/apt/preferences file| as the following", "... the file| to include the following"): the guide
#: shows it; said, it pointed at nothing ("I've started the postfix by the following.")
_POINTER_TAIL = re.compile(r"\s+(?:(?:by|as|in|with|like|to\s+include)\s+)?(?:(?:as\s+)?(?:shown|given|described)\s+)?"
                           r"(?:in\s+)?(?:the\s+following|follows|the\s+example\s+below)\s*[:.]?$", re.I)


#: a step that points at what the text shows after it ("Check results of the following command.",
#: "Start exim4 by the following.", "... as shown below:")
_POINTS = re.compile(r"\b(?:the\s+following|as\s+follows|(?:shown|given|listed)\s+below|the\s+example\s+below)\b"
                     r"[^.!?]{0,60}[.:]?\s*$", re.I)
#: a line of a command or configuration a text shows: a shell prompt and its command ("# aptitude purge
#: '~c'", "$ debuild"; not code's "#include"), an assignment ("export EMAIL=...", "EDITOR=mcedit"), a
#: setting of a colon-joined name ('APT::Periodic::Update-Package-Lists "1";'), an APT source line
#: ("deb http://... bookworm main") or a header-style setting ("Pin-Priority: 1010")
_CODE_LINE = re.compile(r"^(?:[#$]\s+[\w./~<\[-].*|(?:export\s+)?[A-Za-z_][\w.]*\s*[+:]?=\s*\S.*|"
                        r"[\w.-]+(?:::[\w.-]+)+\s.*|deb(?:-src)?\s+\S+://\S+.*|[A-Z][\w-]*:\s+\S{1,30}(?:\s\S{1,30}){0,2})$")
_PROMPT = re.compile(r"^[#$]\s+")
#: a line of a shell script, not a command's output ("if ! shopt -oq posix; then", ". /etc/bash_completion")
_SCRIPT = re.compile(r"^(?:if|then|else|elif|fi|for|while|do|done|case|esac|function)\b|^\.\s+/|^\w+\(\)\s*\{")


def shown_after(text: str, end: int) -> list[str]:
    """The command or configuration lines a text shows right after a step that points at them: in
    the paragraph after the step's line, its commands at a shell prompt (the first three; the lines
    between them are their output), or its one to three lines of configuration (`_CODE_LINE`);
    without prompts. [] where the text shows none there (its listing was lost, or prose follows)."""
    m = re.match(r"[^\n]*\n(?:[^\S\n]*\n)*((?:[^\n]*\S[^\n]*(?:\n|$))+)", text[end:])
    if not m:
        return []
    lines = [" ".join(line.split()) for line in m.group(1).splitlines()]
    lines = [line for line in lines if line and line not in ("#", "$")]
    if lines and _PROMPT.match(lines[0]) and _CODE_LINE.match(lines[0]):
        if any(_SCRIPT.match(line) for line in lines if not _PROMPT.match(line)):
            return []  # a script, whose "# ..." lines are its comments ("# enable bash-completion")
        lines = [line for line in lines if _PROMPT.match(line)][:3]
    if not 1 <= len(lines) <= 3 or not all(_CODE_LINE.match(line) and len(line) <= 100 and not line.endswith("\\")
                                           for line in lines):
        return []
    return [_PROMPT.sub("", line) for line in lines]


def with_shown(step: str, text: str, end: int) -> str:
    """A step as a guide tells it (`end`: where it ends in `text`): one that points at what the text
    shows after it is said with that ('Check results of the following command: "aptitude search
    \'~c\'".'), or, where the text shows nothing there, without the pointer ("Start exim4 by the
    following." -> "Start exim4."); any other step as it is. Told as it was, the step pointed at
    text the conversation never carries ("For example, try the following.")."""
    if not _POINTS.search(step):
        return step
    shown = shown_after(text, end)
    if shown:
        return step.rstrip(" .:") + ": " + ", then ".join(f"`{s}`" if '"' in s else f'"{s}"' for s in shown) + "."
    cut = without_pointer(step.rstrip())
    # (not where only its verb is left: "For example, try." says less than what it pointed at)
    left = re.sub(r"^\W*(?:for example|for instance|then|now|next)\b,?\s*", "", cut, flags=re.I)
    return cut + "." if cut != step.rstrip() and len(left.split()) >= 2 else step


def without_pointer(text: str) -> str:
    """`text` without a pointer to what follows at its end (`_POINTER_TAIL`), where an act remains
    ("execute the following" stays whole)."""
    cut = _POINTER_TAIL.sub("", text)  # (not "as simple| as in the following": a comparison)
    return cut if cut != text and len(cut.split()) >= 2 and not re.search(r"\bas\s+\w+$", cut) else text

