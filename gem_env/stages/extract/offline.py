"""Stage 2, offline: a runnable domain from the text's own structure.

The document's main procedure (``procedure_steps``: ``text.features.segment_steps`` with fallbacks)
becomes ONE workflow with one workflow step per text step, in order, each calling a tool of its
own. Everything acts on one main entity table, the noun the steps act on (card, order, ...):

- the table has an id (a Faker ``bothify`` pattern), an owner email, the fields the text names, a
  ``status`` whose seeded values include a starting state on most rows (and the statuses the text
  names), and one field per condition the text states (a boolean flag, a date for "within N
  days", a number for "at least N", the status itself for "only `active` cards");
- ``get_<entity>`` finds a row by id; each step's tool finds the row, checks its preconditions
  (``require``, with the text's sentence as the message) and the values the user must give ("confirm
  with your PIN"), then either returns the row (read: look up, check, verify, navigate) or sets
  ``status`` to the verb's participle (write: freeze -> frozen, cancel -> cancelled, generic ->
  "<verb>ed"); a UI label names the action ("Tap **Freeze card**"); tools never show back what the
  user must give, nor secrets;
- the workflow is anchored on rows where every precondition holds, the user knows the id (and the
  values the steps ask for), and the assistant must tell the final status (or, for a read-only
  procedure, the value looked up).

So whatever procedure the text describes, the domain compiles and its workflow admits tasks:
conditions become data the seeded rows satisfy or break, never logic the extractor must get right.
Every tool, workflow step and policy rule carries the span of text it came from.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ...documents import Document, Rejection, Verdict
from ...tools import CompileError, CompiledDomain, Domain, DomainError, compile_domain, parse_domain
from ...tools.errors import ExprError
from ...text import features as tf
from . import service

log = logging.getLogger(__name__)

STAGE = "extract"
DEFAULT_CLOCK = "2025-01-15T12:00:00"

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
_UPDATE_FIELD_VERBS = frozenset({"update", "change", "edit", "modify", "correct", "replace",
                                 "rename", "set", "reset", "adjust", "switch"})
_VERIFY_VERBS = frozenset(tf.VERB_KINDS["verify"]) | {"check"}
_PARTICLES = frozenset({"up", "in", "out", "on", "off", "down", "over", "back", "through", "away"})
_TOOL_VERBS = frozenset({"use", "call", "run", "invoke", "execute", "trigger"})
_STOP = frozenset(
    "a an the your my our their his her its this that these those any each every some all no "
    "to for in on at by with from and or but nor so if as than then when while is are was were "
    "be been being has have had do does did will would can could should may might must it you "
    "we they he she i me us them not only also just very much more most less least such which "
    "what who whose where how why same other another own per via into over under about after "
    "before between during without within until unless because using once there here whether "
    "both either new up down out off back away again please sure".split()
)
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
_AFTER_TRIGGER = re.compile(r"\b(?:only\s+if|only\s+when|only\s+after|if|when|unless|once|after|"
                            r"provided\s+that|as\s+long\s+as)\b\s+(.*)", re.I | re.S)
_CANNOT = re.compile(r"\b(?:cannot|can't|can\s+not|must\s+not|mustn't|may\s+not|never|not\s+(?:be\s+)?"
                     r"(?:allowed|eligible|permitted|possible))\b", re.I)
_FLAG_STOP = frozenset({"of", "customer", "user", "must", "only", "cannot", "require", "required",
                        "eligible", "eligibility", "ensure", "need", "able", "following", "allow",
                        "allowed", "permit", "permitted", "possible", "never", "always", "should"})
_UI_NOUNS = frozenset({"app", "application", "website", "site", "page", "menu", "settings", "setting",
                       "portal", "tab", "screen", "link", "button", "dashboard", "browser", "window",
                       "dialog", "option", "section", "banking", "online"})
_FRONTED = re.compile(r"\s*(?:for|if|when|once|after|before|to|in|on|at|while|with|from|during|as|"
                      r"unless|since|because)\b[^,.;:]{0,80},\s*", re.I)
_LABEL_LEAD = re.compile(r"\s*(?:\*\*)?[^:.\n]{1,40}?(?:\*\*)?\s*(?::|\s[-–—])\s+")
_MODAL = re.compile(r"\b(?:must|should|shall|can|cannot|can't|could|may|will|would|needs?\s+to|has\s+to|"
                    r"have\s+to|(?:is|are)\s+required\s+to|is\s+able\s+to)\s+"
                    r"(?:(?:not|only|first|also|always|never|then|still|just|usually|now)\s+)*"
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


def plural(noun: str) -> str:
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def participle(verb: str) -> str:
    """The status a verb leaves behind: freeze -> frozen, cancel -> cancelled, submit -> submitted."""
    if verb in VERB_STATUS:
        return VERB_STATUS[verb][0]
    return _regular_participle(verb)


def _regular_participle(verb: str) -> str:
    """The past participle: open -> opened, freeze -> frozen, stop -> stopped."""
    if verb in ("freeze", "unfreeze"):
        return verb[:-4] + "ozen"
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    vowels = re.findall(r"[aeiou]+", verb)
    if (len(vowels) == 1 and re.search(r"[^aeiou][aeiou][^aeiouwxy]$", verb)) or verb in {
            "submit", "commit", "admit", "permit", "transmit", "refer", "transfer", "prefer", "occur",
            "compel", "expel", "patrol", "control", "enrol"}:
        return verb + verb[-1] + "ed"
    return verb + "ed"


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


# ---------------------------------------------------------------- analysis of one step


@dataclass
class StepInfo:
    step: tf.Step
    verb: str                       # lemma (or the step's first word when no verb is known)
    particle: str = ""
    kind: str = "read"              # read | write
    lexical_kind: str | None = None
    object_words: list[str] = field(default_factory=list)   # lemmas of the object phrase
    tool_id: str | None = None      # a tool identifier the text names ("open_bank_account_4821")
    param_ids: list[str] = field(default_factory=list)  # identifiers named beside it ("card_id, new_pin")
    known_verb: bool = True


def _words(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]


def analyse_step(step: tf.Step, text: str, tool_line: bool = False) -> StepInfo:
    """Verb, particle, action kind and object of one step.

    `tool_line` marks a line that names a tool ("Tool: request_limit_increase_8374"): the tool's
    name gives the verb and the identifiers listed after it its parameters.
    """
    body = text[step.start:step.end]
    tokens = _words(body)
    verb = step.verb if step.verb not in _STOP else None  # text.features may take "If the ..." for a verb
    pos = -1
    if verb:
        for i, (w, _) in enumerate(tokens):
            low = w.lower()
            if low == verb or (low[:1].isalpha() and tf.verb_lemma(low) == verb) or tf.lemma(low) == verb:
                pos = i
                break
    known = verb is not None
    if verb is None:
        verb, pos = _fallback_verb(body, tokens)
    info = StepInfo(step=step, verb=_ident(verb or "handle", 20), known_verb=known)
    # "Use open_bank_account_4821 to open the account": the tool is named, the verb follows "to".
    ids = [m.group(0) for m in _SNAKE_ID.finditer(body)]
    tool_line = tool_line or bool(_TOOL_LINE.match(body))
    if verb in _TOOL_VERBS and not ids and body.rstrip().endswith(":"):  # "Call the tool:" + a code line
        ids = [m.group(0) for m in _SNAKE_ID.finditer(text, step.end, min(len(text), step.end + 200))][:1]
        if ids:
            body = body + " " + ids[0]
    if tool_line and ids:
        info.tool_id = ids[0]
        parts = [p for p in ids[0].split("_") if p.isalpha()]
        info.verb = tf.verb_lemma(parts[0]) or _ident(parts[0], 20)
        info.object_words = [tf.lemma(p) for p in parts[1:]][-3:]
        info.known_verb = tf.verb_lemma(parts[0]) is not None
        after = text[step.end:step.end + 800]
        listed = [m.group(0) for m in _SNAKE_ID.finditer(after)]
        info.param_ids = [i for i in dict.fromkeys(listed) if i != ids[0]][:6]
    elif verb in _TOOL_VERBS and ids:
        info.tool_id = ids[0]
        info.param_ids = list(dict.fromkeys(ids[1:]))[:6]
        m = _TO_VERB.search(body, body.find(ids[0]))
        inner = tf.verb_lemma(m.group(1)) if m else None
        head = tf.verb_lemma(ids[0].split("_")[0])
        info.verb = inner or head or info.verb
        after = body[m.end():] if m else body[body.find(ids[0]) + len(ids[0]):]
        info.object_words = _object(_words(after), 0)
    else:
        rest = tokens[pos + 1:] if pos >= 0 else tokens
        if rest and rest[0][0].lower() in _PARTICLES:
            info.particle = rest[0][0].lower()
            rest = rest[1:]
        info.object_words = _object(rest, 0)
    lk = tf.action_kind(info.verb)
    ui = lk in ("navigate", None) or info.verb in {"open", "press", "hit"}
    label = _UI_LABEL.search(body) if ui and not info.tool_id else None
    if label:  # "Tap **Freeze card**": the button names the action
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", label.group("label") or label.group("b"))
        action = tf.verb_lemma(words[0]) if words else None
        if action and tf.action_kind(action) in _LABEL_ACTIONS and not _TO_SEE.search(body):
            info.verb, lk = action, tf.action_kind(action)
            info.object_words = [tf.lemma(w.lower()) for w in words[1:] if w.lower() not in _STOP][:3]
            info.particle = ""
        else:
            lk = "navigate"  # "Open **Manage booking**", "Select **Baggage**"
    elif info.verb in ("sign", "log") and info.particle in ("in", "on", "out", "into", ""):
        lk = "navigate"  # sign in, log in: getting to the place where the action is
    elif info.verb == "open" and not (set(info.object_words[-1:]) & _OPENABLE):
        lk = "navigate"  # "Open the record" (but "Open a savings account" creates one)
    if info.object_words and info.object_words[-1] in _UI_NOUNS and not info.tool_id and not label:
        lk = "navigate"  # "Open the mobile app", "Select the Settings tab"
    info.lexical_kind = lk
    if lk in ("create", "update", "delete", "transfer", "physical") or info.verb in _WRITE_COMMUNICATE:
        info.kind = "write"
    elif lk in ("read", "verify", "navigate", "communicate"):
        info.kind = "read"
    else:  # a verb outside the lexicon ("maintain", "hire"): a generic action that changes state
        info.kind = "write" if known else "read"
    if info.verb == "look" and info.particle in {"up", ""}:
        info.kind = "read"
    return info


def _fallback_verb(body: str, tokens: list[tuple[str, int]]) -> tuple[str | None, int]:
    """The action of a step that does not open with a known instruction verb, and its token index.

    Skips a label ("Payment: ...") and a fronted clause ("For ELITE tier, ..."); then takes the
    verb after a modal ("The agent must first obtain ..." -> obtain; "Basic economy flights cannot
    be modified" -> modify), else the first content word ("Maintain sufficient funds").
    """
    at = 0
    label = _LABEL_LEAD.match(body)
    if label:
        at = label.end()
    fronted = _FRONTED.match(body, at)
    if fronted:
        at = fronted.end()
    modal = _MODAL.search(body, at, min(len(body), at + 120))
    if modal:
        word = modal["verb"].lower()
        base = (tf.verb_lemma(word) or tf.lemma(word)) if modal["be"] else word
        if base.isalpha() and base not in _STOP:
            idx = next((i for i, (_, p) in enumerate(tokens) if p >= modal.start("verb")), -1)
            return base, idx
    skip = next((i for i, (_, p) in enumerate(tokens) if p >= at), 0)
    for i, (w, _) in enumerate(tokens[skip:skip + 3], start=skip):
        low = w.lower()
        if low.isalpha() and low not in _STOP and len(low) > 1:
            return _base_form(low), i
    return None, -1


def _base_form(word: str) -> str:
    """The base form of a word used as a verb: simplemma's lemma, "-ing" stripped ("funding")."""
    lem = tf.lemma(word)
    if lem.endswith("ing") and len(lem) > 5:
        stem = lem[:-3]
        return stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem
    return lem


def _instruction(step: tf.Step) -> bool:
    """A step that opens with a verb, not with an identifier ("wire_transfer_in" is no "wire")."""
    return bool(step.verb) and not re.match(r"\W*[A-Za-z0-9]+_", step.text)


_TOOL_LINE = re.compile(r"^[ \t*#>-]*(?:\*\*)?(?:tool|function|api|endpoint)s?(?:\*\*)?\s*:\s*(?:\*\*)?`?"
                        r"(?P<id>[a-z][a-z0-9]*(?:_[a-z0-9]+)+)", re.I | re.M)


def procedure_steps(text: str) -> tuple[list[tf.Step], str]:
    """The main procedure's steps and where they came from.

    ``segment``: `text.features.segment_steps` found a run with instructions (or a numbered list);
    ``run``: another list run holds the instructions (the first list was conditions);
    ``instructions``: instruction items and sentences anywhere, in text order;
    ``tool``: no steps, but the text documents a tool ("Tool: request_limit_increase_8374"): a
    check sentence before it, if any, then the tool.
    """
    steps = tf.segment_steps(text)
    if any(_instruction(s) for s in steps):
        return steps, "segment"
    runs = [r for r in tf.step_lists(text) if len(r) >= 2 and sum(1 for s in r if _instruction(s)) >= 2]
    if runs:
        return max(runs, key=lambda r: (sum(1 for s in r if _instruction(s)), len(r))), "run"
    lay = tf.layout(text)
    found = [i for i in lay.items if _instruction(i)]
    for a, b in lay.sentences:
        body = text[a:b]
        verb = tf.leading_verb(body)
        if verb:
            lead = len(body) - len(body.lstrip())
            found.append(tf.Step(" ".join(body.split()), a + lead, b, "sentence", None, 0, "", verb))
    found.sort(key=lambda s: s.start)
    if len(found) >= 2:
        return found, "instructions"
    m = _TOOL_LINE.search(text)
    if m:
        line_end = text.find("\n", m.start())
        line_end = len(text) if line_end < 0 else line_end
        tool = tf.Step(" ".join(text[m.start():line_end].split()), m.start(), line_end, "sentence",
                       None, 0, "", None)
        check = [s for s in found if s.end <= m.start() and tf.action_kind(s.verb) in ("verify", "read")]
        return check[:1] + [tool], "tool"
    if len(steps) >= 2 and steps[0].marker == "number":
        return steps, "segment"
    return [], "none"


def promote_action(infos: list[StepInfo]) -> None:
    """A procedure without a state-changing step still ends in an action the assistant carries out
    for the user ("Contact support", "Provide the details", "Complete your withdrawal"): the last
    such step records it. Procedures that only look things up stay read-only."""
    if any(i.kind == "write" for i in infos):
        return
    for info in reversed(infos):
        if info.lexical_kind in ("navigate", "communicate") or (info.lexical_kind is None and info.known_verb):
            info.kind = "write"
            return


def _object(tokens: list[tuple[str, int]], start: int) -> list[str]:
    """Lemmas of the noun phrase after the verb: "the customer's desired account_class selection"
    -> [customer, desired, account_class, selection]; "status of your order" -> [order, status]."""
    words: list[str] = []
    before_of: list[str] = []
    for w, _ in tokens[start:start + 12]:
        low = w.lower().replace("’", "'")
        if low in {"of"} and words and not before_of:
            before_of, words = words, []
            continue
        if not low[:1].isalpha():
            if words or before_of:
                break
            continue
        if low in _BREAK and (words or before_of):
            break
        if low in _STOP:
            continue
        low = re.sub(r"'s$|'$", "", low)
        words.append(tf.lemma(low) if "_" not in low else low)
        if len(words) >= 4:
            break
    out = words + before_of if before_of else words
    return [w for w in out if w and w not in _STOP][:4]


# ---------------------------------------------------------------- the extractor


@dataclass
class _Field:
    spec: dict[str, Any]
    #: for a field a precondition reads: the seed keys (values/weights or range) given the share
    #: of rows that must pass
    seed: Callable[[float], dict[str, Any]] | None = None
    named: bool = False  # a field the text names (counted against max_fields)


@dataclass
class _Require:
    """A precondition; `expr` names the row "{row}" (the bound name in a tool, "row" in an anchor)."""

    expr: str
    message: str
    span: tuple[int, int] | None


class OfflineExtractor:
    """Rules over the document's structure; deterministic, no network.

    `rows` is the seed row count of the main table (small: compiling is part of extracting).
    """

    def __init__(self, *, rows: int = 24, max_steps: int = 50, max_chars: int = 200_000,
                 max_conditions: int = 6, max_fields: int = 8, clock: str = DEFAULT_CLOCK,
                 seed: int = 0, archetypes: bool = True) -> None:
        self.archetypes = archetypes  # try the service archetypes (service.py) before the procedure
        self.rows = rows
        self.max_steps = max_steps
        self.max_chars = max_chars
        self.max_conditions = max_conditions
        self.max_fields = max_fields
        self.clock = clock
        self.seed = seed

    # -- public -------------------------------------------------------------------------------

    def extract(self, doc: Document, verdict: Verdict | None = None) -> Domain | Rejection:
        """A domain that compiles, or a `Rejection` (stage ``extract``) saying why not. Never raises."""
        got = self.extract_compiled(doc, verdict)
        return got if isinstance(got, Rejection) else got.domain

    def extract_compiled(self, doc: Document, verdict: Verdict | None = None, *,
                         name: str | None = None) -> CompiledDomain | Rejection:
        """`extract`, keeping the compile check's result (the pipeline compiles each domain once),
        the domain named `name` (default: `domain_slug` of the document id)."""
        try:
            got = self._extract(doc, verdict)
        except Exception as err:  # a bug must not stop a corpus run; it is reported with the document
            log.debug("offline extraction failed on %s", doc.id, exc_info=True)  # the rejection says why
            return Rejection(id=doc.id, stage=STAGE, reason=f"internal error: {type(err).__name__}: {err}")
        if isinstance(got, Rejection):
            return got
        if name is not None and name != got.name:
            got = got.model_copy(update={"name": name})
        compiled = check_domain(got)
        if isinstance(compiled, str):
            return Rejection(id=doc.id, stage=STAGE, reason=f"does not compile: {compiled}")
        return compiled

    # -- the rules ----------------------------------------------------------------------------

    def _reject(self, doc: Document, reason: str, **detail: Any) -> Rejection:
        return Rejection(id=doc.id, stage=STAGE, reason=reason, detail=detail)

    def _extract(self, doc: Document, verdict: Verdict | None) -> Domain | Rejection:
        text = doc.text or ""
        if not text.strip():
            return self._reject(doc, "empty text")
        if len(text) > self.max_chars:
            return self._reject(doc, f"text too long ({len(text)} characters > {self.max_chars})")
        if not _is_english(text):
            return self._reject(doc, "not English text (the offline extractor reads English only)")
        if self.archetypes:
            arch = service.pick(text, doc.title or "")
            if arch is not None:
                got = self._from_archetype(arch, doc, verdict, text)
                if isinstance(got, Domain):
                    return got
                log.debug("archetype %s did not fit %s: %s", arch.key, doc.id, got)
        steps, how = procedure_steps(text)
        if not steps:
            return self._reject(doc, "no procedure: no list of steps, instruction sentences or named tool found")
        truncated = len(steps) > self.max_steps
        steps = steps[: self.max_steps]
        infos = [analyse_step(s, text, tool_line=(how == "tool" and k == len(steps) - 1))
                 for k, s in enumerate(steps)]
        numbered = steps[0].marker == "number" and steps[0].number == 1
        if not numbered and not any(i.known_verb for i in infos):
            return self._reject(doc, "no step opens with an instruction verb")
        promote_action(infos)
        return _Builder(self, doc, verdict, text, infos, truncated).build()


    def _from_archetype(self, arch: Any, doc: Document, verdict: Verdict | None, text: str) -> Domain | str:
        """The archetype's domain specialised with the text, if it compiles; else why not."""
        built = service.build_service(arch, text, clock=self.clock, rows=self.rows, title=doc.title or "")
        spans = sorted(set(built.pop("spans")))
        title = (doc.title or "").strip()
        labels = verdict.labels if verdict else {}
        description = _clean(title or text.strip().splitlines()[0], 200) + f" ({arch.key} service)"
        if labels.get("domain"):
            description += f" ({labels['domain']})"
        data = {"name": domain_slug(doc.id), "description": description, "clock": self.clock, "seed": self.seed,
                **built,
                "provenance": {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                               "spans": [_span(text, a, b) for a, b in spans]}}
        try:
            domain = parse_domain(data, origin=f"extracted from {doc.id}")
        except DomainError as err:
            return f"invalid domain: {err}"
        compiled = check_domain(domain)
        return compiled if isinstance(compiled, str) else domain


def check_domain(domain: Domain) -> CompiledDomain | str:
    """Compile a domain; the compiled domain, or the compile error as one line."""
    try:
        return compile_domain(domain)
    except (CompileError, DomainError, ExprError, ValidationError) as err:
        return "; ".join(line for line in str(err).splitlines() if line.strip())


class _Builder:
    """Builds one domain; a fresh one per document."""

    def __init__(self, ex: OfflineExtractor, doc: Document, verdict: Verdict | None, text: str,
                 infos: list[StepInfo], truncated: bool) -> None:
        self.ex, self.doc, self.verdict, self.text, self.infos = ex, doc, verdict, text, infos
        self.truncated = truncated
        self.fields: dict[str, _Field] = {}
        self.windows: set[str] = set()
        self.spans: list[tuple[int, int]] = []

    # ---------------------------------------------------------------- entity

    def entity_noun(self) -> str:
        score: Counter[str] = Counter()
        for info in self.infos:
            weight = 3 if info.kind == "write" else 1
            for w in info.object_words:
                base = w.split("_")[-1] if "_" in w else w
                if base in _ENTITY_RANK:
                    score[base] += weight * _noun_weight(base)
        title = (self.doc.title or "").lower()
        for w in re.findall(r"[a-z]+", title):
            lw = tf.lemma(w)
            if lw in _ENTITY_RANK:
                score[lw] += 2 * _noun_weight(lw)
        if score:
            return max(score, key=lambda n: (score[n], -_ENTITY_RANK[n]))
        heads: Counter[str] = Counter()
        for info in self.infos:
            if info.object_words:
                w = info.object_words[-1]
                if w.isalpha() and len(w) >= 3 and w not in _PEOPLE:
                    heads[w] += 3 if info.kind == "write" else 1
        if heads:
            return _ident(max(heads, key=lambda n: (heads[n], n)), 24)
        return "request"

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
                    "name", "full_name", "owner_name", "owner_email") or name in _EXPR_WORDS:
            return None
        if name in self.fields:
            return name
        if sum(1 for f in self.fields.values() if f.named) >= self.ex.max_fields:
            return None
        self.fields[name] = _Field({"name": name, **_field_spec(name), "description": _clean(description, 80)},
                                   named=True)
        return name

    # ---------------------------------------------------------------- conditions

    def condition_require(self, cond_text: str, kinds: set[str], amount: int | None, unit: str | None,
                          span: tuple[int, int], verb_words: set[str]) -> _Require | None:
        """A precondition for a condition clause, reading an entity field made for it.

        "within N days" -> a date field and ``days_between(x.date, today) <= N``; "at least N" /
        "up to $N" -> a number field and a comparison; anything else -> a boolean flag named after
        the clause ("only if the account is in good standing" -> ``account_good_standing``).
        The field's seeded values are set later (`_seed_guards`) so that most rows pass.
        """
        message = _clean(cond_text)
        if "within" in kinds and amount and unit in _UNIT_DAYS:
            m = _WITHIN_OF.search(cond_text)
            base = m.group(1).split()[-1].lower() if m else self.noun
            base = _ident(tf.lemma(base) if base.isalpha() else base, 20)
            if base in self.windows:  # one window per date; further tiers stay policy text
                return None
            self.windows.add(base)
            clock = self.ex.clock
            if unit in ("minute", "hour"):
                hours = amount if unit == "hour" else max(1, amount // 60)
                name = self.add_field(f"{base}_at", {"type": "datetime", "description": f"when the {base} happened"},
                                      lambda p, h=hours: {"range": [_shift(clock, hours=-math.ceil(h / p)), clock]})
                return _Require(f"days_between({{row}}.{name}, now) * 24 <= {hours}", message, span)
            days = max(1, round(amount * _UNIT_DAYS[unit]))
            name = self.add_field(f"{base}_date", {"type": "date", "description": f"date of the {base}"},
                                  lambda p, d=days: {"range": [_shift(clock, days=-math.ceil((d + 1) / p) + 1)[:10],
                                                               clock[:10]]})
            return _Require(f"days_between({{row}}.{name}, today) <= {days}", message, span)
        lim = _LIMIT.search(cond_text)
        if lim:
            got = self._limit_require(lim, cond_text, message, span)
            if got is not None:
                return got
        # A boolean flag named after the clause: "only if the account is in good standing".
        negative = bool(_CANNOT.search(cond_text)) and "unless" not in kinds
        m = _AFTER_TRIGGER.search(cond_text)
        phrase = m.group(1) if m and len(m.group(1).split()) >= 2 else cond_text
        cut = _CANNOT.search(phrase) if phrase is cond_text else None
        if cut and len(phrase[cut.end():].split()) >= 2:  # "Cards cannot be frozen online"
            phrase = phrase[cut.end():]
        words = [tf.lemma(w.lower()) for w in re.findall(r"[A-Za-z][A-Za-z]+", phrase)]
        words = [w for w in words if w not in _STOP and w not in _FLAG_STOP and w not in verb_words
                 and w != self.noun]
        name = self.add_field("_".join(dict.fromkeys(words[:3])) or "condition_met",
                              {"type": "boolean", "description": _clean(cond_text, 160)},
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
        if re.match(r"\s*years?\s+(?:old|of\s+age)", rest):
            name, ftype = "age", "integer"
        elif "$" in lim.group(0) or re.search(r"\b(?:dollars?|usd|eur|euros?)\b", rest):
            name, ftype = "amount", "number"
        else:
            nouns = [tf.lemma(w) for w in re.findall(r"[a-z]+", rest) if w not in _STOP][:3]
            if not nouns or nouns[0] in _UNIT_DAYS or nouns[0] in {"percent", "time", "character", "digit"}:
                return None
            name, ftype = f"{nouns[-1]}_count", "integer"
        if _ident(name) in self.fields:  # a second limit on the same quantity stays policy text
            return None
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

        name = self.add_field(name, {"type": ftype, "description": _clean(cond_text, 160)}, seed)
        value = repr(float(n)) if ftype == "number" else str(n)
        return _Require(f"{{row}}.{name} {op} {value}", message, span)

    def _seed_guards(self) -> None:
        """Seed every guard field so that most rows pass all preconditions together (about 60%)."""
        guards = [f for f in self.fields.values() if f.seed is not None]
        if not guards:
            return
        p = max(0.8, 0.6 ** (1.0 / len(guards)))
        for f in guards:
            f.spec.update(f.seed(p))

    # ---------------------------------------------------------------- build

    def build(self) -> Domain | Rejection:
        text, doc, infos = self.text, self.doc, self.infos
        self.noun = self.entity_noun()
        self.table = _ident(plural(self.noun), 40)
        self.pk = f"{_ident(self.noun, 30)}_id"
        id_key = self.pk
        prefix = re.sub(r"[^A-Z]", "", self.noun.upper())[:3] or "ID"
        code = next((f.text.lstrip("#") for f in tf.named_fields(text) if f.kind == "code"), None)
        pattern = re.sub(r"\d", "#", code) if code and len(code) <= 16 else f"{prefix}-#####"
        if pattern.count("#") < 4:
            pattern += "##"

        # the conditions the text states, one per clause, strongest kind first
        clauses: dict[int, dict[str, Any]] = {}
        for c in tf.conditions(text):
            if c.kind not in tf.STRONG_CONDITIONS and not (c.kind == "limit" and _LIMIT.search(c.text)):
                continue
            if c.text.rstrip().endswith(":"):  # "Verify all of the following before closing:" introduces a list
                continue
            entry = clauses.setdefault(c.start, {"start": c.start, "end": c.end, "text": c.text,
                                                 "kinds": set(), "amount": None, "unit": None})
            entry["kinds"].add(c.kind)
            if c.kind == "within" and c.amount:
                entry["amount"], entry["unit"] = c.amount, c.unit
        cond_list = sorted(clauses.values(), key=lambda e: e["start"])

        # tools per step: names, kinds
        tool_names: set[str] = set()
        get_name = _unique(f"get_{_ident(self.noun, 50)}", tool_names)
        writes = [i for i in infos if i.kind == "write"]
        statuses = [participle(i.verb) if not i.particle else f"{participle(i.verb)} {i.particle}"
                    for i in writes]
        first_prior = VERB_STATUS.get(writes[0].verb, (None, None))[1] if writes else None
        produced = set(statuses)

        # which step each condition guards: its own step, else a write step it names, else the first write
        step_of: dict[int, int] = {}
        in_step: list[int] = []
        # a rule outside the steps guards the main write only when it is about what the steps act on
        topic = {self.noun, plural(self.noun)} | {w for i in writes for w in i.object_words if len(w) > 2}
        about = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(topic)) + r")\b", re.I)
        for k, entry in enumerate(cond_list):
            inside = next((j for j, i in enumerate(infos)
                           if i.step.start <= entry["start"] < i.step.end or entry["start"] <= i.step.start < entry["end"]),
                          None)
            if inside is not None:
                in_step.append(k)
            else:
                low = entry["text"].lower()
                inside = next((j for j, i in enumerate(infos) if i.kind == "write" and
                               re.search(rf"\b{re.escape(i.verb)}|\b{re.escape(participle(i.verb))}\b", low)), None)
            if inside is None and about.search(entry["text"]):
                inside = next((j for j, i in enumerate(infos) if i.kind == "write"), len(infos) - 1)
            if inside is not None:  # other rules stay policy text only
                step_of[k] = inside
        chosen = (in_step + [k for k in step_of if k not in in_step])[: self.ex.max_conditions]
        self.n_conditions = len(chosen) + sum(1 for i in infos if i.verb in _VERIFY_VERBS)

        # statuses the text names ("Check that the status is `active`. A `cancelled` card cannot be
        # frozen"): they become the status field's values and preconditions on it, on steps no
        # earlier write has changed the status for
        first_write = next((j for j, i in enumerate(infos) if i.kind == "write"), len(infos))
        self.status_rules: dict[int, tuple[list[str], list[str]]] = {}
        for k in chosen:
            if step_of[k] <= first_write:
                pos, neg = status_values(cond_list[k]["text"], self.noun)
                if pos or neg:
                    self.status_rules[k] = ([v for v in pos if v not in produced],
                                            [v for v in neg if v not in produced])
        wanted = next((r[0][0] for r in self.status_rules.values() if r[0]), None)
        initial = wanted or (first_prior if first_prior and first_prior not in produced else next(
            s for s in (_INITIAL.get(self.noun, "active"), "active", "pending", "open", "new", "draft",
                        "requested", "ready") if s not in produced))
        named = {v for pos, neg in self.status_rules.values() for v in pos + neg}
        blocking = next(s for s in ("closed", "suspended", "archived", "expired", "on hold", "locked out")
                        if s not in produced and s != initial and s not in named)

        requires: dict[int, list[_Require]] = {j: [] for j in range(len(infos))}
        verb_words = {i.verb for i in infos} | {participle(i.verb) for i in infos}
        extra_statuses: list[str] = []
        for k in sorted(chosen):
            e = cond_list[k]
            span = (e["start"], e["end"])
            if k in self.status_rules:
                pos, neg = self.status_rules[k]
                if initial in pos:
                    r = _Require(f"{{row}}.status in {_list_expr(pos)}", _clean(e["text"]), span)
                elif neg and initial not in neg:
                    r = _Require(f"{{row}}.status not in {_list_expr(neg)}", _clean(e["text"]), span)
                else:
                    continue
                extra_statuses += pos + neg
            else:
                r = self.condition_require(e["text"], e["kinds"], e["amount"], e["unit"], span, verb_words)
            if r is not None:
                requires[step_of[k]].append(r)

        # named fields per step, as parameters the user confirms or new values they give
        all_named = tf.named_fields(text)
        step_params: dict[int, list[tuple[str, str]]] = {}   # step -> [(field, "match"|"set")]
        for j, info in enumerate(infos):
            seen: list[tuple[str, str]] = []
            for pid in info.param_ids:  # "Use reset_pin_6284 with parameters: card_id, new_pin"
                new = pid.startswith("new_")
                if new and info.kind != "write":
                    continue
                name = self.named_field(pid[4:] if new else pid, pid)
                if name is not None and all(name != f for f, _ in seen):
                    seen.append((name, "set" if new else "match"))
            for nf in all_named:
                if not (info.step.start <= nf.start < info.step.end) or nf.kind != "named" or info.param_ids:
                    continue
                if re.search(r"\bnew\s+(?:[\w-]+\s+)?$", text[max(0, nf.start - 20):nf.start], re.I):
                    continue  # "a new 4-digit PIN" is not a value on file
                name = self.named_field(nf.name, nf.text)
                if name is None or any(name == s for s, _ in seen):
                    continue
                if info.kind == "write":  # "Update the address" sets it; "confirm with your PIN" checks it
                    mode = "set" if info.verb in _UPDATE_FIELD_VERBS else "match"
                elif info.lexical_kind in ("verify", "navigate", "communicate") or not info.known_verb:
                    mode = "match"  # confirm / enter / provide: the user gives it, the tool checks it
                else:
                    mode = "read"   # look up / check / find: the tool returns it
                seen.append((name, mode))
                if len(seen) >= 4:
                    break
            step_params[j] = seen
            if info.verb in _VERIFY_VERBS and not seen and not requires[j] and info.lexical_kind == "verify":
                words = [w for w in info.object_words if w not in _STOP][-2:] or [self.noun]
                name = self.add_field("_".join(words) + "_verified",
                                      {"type": "boolean", "description": _clean(info.step.text, 160)},
                                      lambda p: {"values": [True, False], "weights": [round(p, 3), round(1 - p, 3)]})
                requires[j].append(_Require(f"{{row}}.{name}", _clean(f"Not yet done: {info.step.text}"),
                                            (info.step.start, info.step.end)))

        # what the user must give is not shown back by any tool, nor are secrets
        hidden = {f for params in step_params.values() for f, mode in params if mode == "match"}
        hidden |= {f for f in self.fields if _SECRET.search(f)}
        for j, params in step_params.items():
            step_params[j] = [(f, mode) for f, mode in params if not (mode == "read" and f in hidden)]

        # --- entity
        self._seed_guards()
        states = list(dict.fromkeys([initial, blocking, *statuses, *extra_statuses]))
        weights = [16, 2] + [1] * (len(states) - 2)
        entity_fields = [
            {"name": self.pk, "type": "string", "faker": {"provider": "bothify", "args": {"text": pattern}},
             "description": f"{self.noun} id"},
            {"name": "owner_email", "type": "string", "values": OWNER_EMAILS,
             "description": f"email of the customer the {self.noun} belongs to"},
            {"name": "status", "type": "string", "values": states, "weights": weights,
             "description": f"state of the {self.noun}"},
            *[f.spec for f in self.fields.values()],
        ]
        entity = {"name": self.table, "primary_key": self.pk, "rows": self.ex.rows, "fields": entity_fields,
                  "description": f"{plural(self.noun)} the procedure acts on"}

        # --- tools
        row = _ident(self.noun, 30)
        if row in _EXPR_WORDS or row == self.pk:
            row = "item"
        find = {"find": self.table, "as": row, "where": {self.pk: self.pk},
                "error": f"No {self.noun} with that id"}
        shown = {f["name"]: f"{row}.{f['name']}" for f in entity_fields if f["name"] not in hidden}
        result = {"return": shown}
        id_param = {"name": self.pk, "type": "string", "description": f"the {self.noun} id, e.g. {pattern.replace('#', '0')}"}
        first_mention = re.search(rf"\b{re.escape(self.noun)}", text, re.I)
        tools: list[dict[str, Any]] = [{
            "name": get_name, "kind": "read", "description": f"Look up a {self.noun} by its id.",
            "parameters": [id_param], "effect": [find, result],
            **({"span": _span(text, first_mention.start(), first_mention.end())} if first_mention else {}),
        }]
        wf_steps: list[dict[str, Any]] = []
        knows: dict[str, str] = {id_key: f"row.{self.pk}", "email": "row.owner_email"}
        anchor_conds = [f"row.status == '{initial}'"]
        write_seen = 0
        last_as = None
        last_write_as = None
        read_tell: tuple[str, str] | None = None
        new_values: dict[str, str] = {}  # field -> the user's key for the value an earlier step set
        checked: list[_Require] = []      # preconditions earlier read steps check
        for j, info in enumerate(infos):
            s = info.step
            self.spans.append((s.start, s.end))
            if info.tool_id and len(info.tool_id) <= 64:
                base = info.tool_id
            else:
                obj = [w for w in info.object_words if w][-2:] or [self.noun]
                base = "_".join([info.verb] + ([info.particle] if info.particle else []) + obj)
            name = _unique(_ident(base, 60), tool_names)
            params = [id_param]
            effect: list[dict[str, Any]] = [find]
            args: dict[str, Any] = {self.pk: {"user": id_key}}
            sets: dict[str, Any] = {}
            read_field: str | None = None
            for fname, mode in step_params[j]:
                ftype = self.fields[fname].spec.get("type", "string")
                ptype = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(ftype, "string")
                words = fname.replace("_", " ")
                if mode == "read":
                    read_field = fname
                elif mode == "match":
                    params.append({"name": fname, "type": ptype, "description": f"the {words} the user gives"})
                    effect.append({"require": f"{row}.{fname} == {fname}",
                                   "message": f"The {words} does not match our records"})
                    key = new_values.get(fname)
                    if key is None:
                        key = fname
                        knows.setdefault(fname, f"row.{fname}")
                    args[fname] = {"user": key}
                else:
                    pname = f"new_{fname}"[:40]
                    params.append({"name": pname, "type": ptype, "description": f"the new {words}"})
                    sets[fname] = pname
                    knows.setdefault(pname, _new_value(fname, ftype))
                    args[pname] = {"user": pname}
                    new_values[fname] = pname
            guards = requires[j]
            for r in guards:
                # the anchor filter runs outside a tool call, where now/today are not bound: the
                # clock is frozen, so its value is written in
                anchor_conds.append("(" + _at_clock(r.expr.replace("{row}", "row"), self.ex.clock) + ")")
                if r.span:
                    self.spans.append(r.span)
            if info.kind == "write":  # what the earlier checks established must still hold
                inherited = [r for r in checked if r.expr not in {g.expr for g in guards}
                             and not (write_seen and "{row}.status" in r.expr)]  # an earlier write moved it
                guards = inherited + guards
            else:
                checked += guards
            for r in guards:
                effect.append({"require": r.expr.replace("{row}", row), "message": r.message})
            if info.kind == "write":
                status = statuses[write_seen]
                prior = VERB_STATUS.get(info.verb, (None, None))[1] if write_seen == 0 else None
                if prior and prior == initial:
                    effect.insert(1, {"require": f"{row}.status == '{prior}'",
                                      "message": f"Only a {prior} {self.noun} can be {status}"})
                done = _regular_participle(info.verb) + (f" {info.particle}" if info.particle else "")
                effect.insert(1, {"require": f"{row}.status != '{blocking}'",
                                  "message": f"This {self.noun} is {blocking}; it cannot be {done}"})
                effect.append({"update": self.table, "row": row, "set": {"status": f"'{status}'", **sets}})
                write_seen += 1
            effect.append(result)
            tools.append({
                "name": name, "kind": info.kind,
                "description": _clean(f"{s.text}" if len(s.text) <= 200 else s.text[:200], 300)
                               + ("" if info.kind == "read" else f" Sets the {self.noun}'s status to '{statuses[write_seen - 1]}'."),
                "parameters": params, "effect": effect, "span": _span(text, s.start, s.end),
            })
            as_name = f"r{j + 1}"
            wf_steps.append({"tool": name, "args": args, "as": as_name, "span": _span(text, s.start, s.end)})
            last_as = as_name
            if info.kind == "write":
                last_write_as = as_name
            else:
                read_tell = (as_name, read_field or "status")

        # --- workflow
        if last_write_as:
            tells = {"status": f"{last_write_as}.status"}
        else:
            as_name, fname = read_tell or (last_as, "status")
            tells = {fname: f"{as_name}.{fname}"}
        title = (doc.title or "").strip()
        phrase = _goal_phrase(title, infos, writes)
        goal = _clean(f"{phrase} ({self.noun} {{{id_key}}})".replace("{" + id_key + "}", "\x00"), 400)
        goal = goal.replace("\x00", "{" + id_key + "}")
        wf_name = _ident(writes[-1].verb + "_" + self.noun if writes else f"{infos[-1].verb}_{self.noun}", 50)
        category = (self.verdict.labels.get("category") if self.verdict else None) or (
            writes[-1].lexical_kind if writes else "lookup") or "general"
        first, last = infos[0].step, infos[-1].step
        workflow = {
            "name": wf_name, "goal": goal, "category": category,
            "anchor": {"table": self.table, "filter": " and ".join(anchor_conds)},
            "knows": knows, "steps": wf_steps, "tells": tells,
            "span": _span(text, first.start, last.end),
        }

        # --- policy: every constraint sentence, with its span
        policy = []
        for k, e in enumerate(cond_list[:40]):
            policy.append({"id": f"P{k + 1}", "text": _clean(e["text"], 500), "span": _span(text, e["start"], e["end"])})
            self.spans.append((e["start"], e["end"]))

        spans = sorted(set(self.spans))
        domain_name = domain_slug(doc.id)
        labels = self.verdict.labels if self.verdict else {}
        description = _clean(title or infos[0].step.text, 200)
        if labels.get("domain"):
            description += f" ({labels['domain']})"
        if self.truncated:
            description += f" [first {self.ex.max_steps} steps]"
        data = {
            "name": domain_name, "description": description, "clock": self.ex.clock, "seed": self.ex.seed,
            "entities": [entity], "tools": tools, "workflows": [workflow], "policy": policy,
            "provenance": {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                           "spans": [_span(text, a, b) for a, b in spans]},
        }
        try:
            return parse_domain(data, origin=f"extracted from {doc.id}")
        except DomainError as err:
            return Rejection(id=doc.id, stage=STAGE, reason=f"invalid domain: {err}")


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


def _new_value(fname: str, ftype: str) -> str:
    """An expression over the anchor row for a new value the user asks for (never the current one)."""
    if ftype == "integer":
        return f"row.{fname} + 1"
    if ftype == "number":
        return f"row.{fname} + 10"
    if ftype == "boolean":
        return f"not row.{fname}"
    if ftype == "date":
        return f"add_days(row.{fname}, 7)"
    if "email" in fname:
        return "'new.' + row.owner_email"
    if "address" in fname:
        return "'742 Evergreen Terrace'"
    if "phone" in fname:
        return "'555-0142'"
    return f"row.{fname} + ' (updated)'"


_FIELD_RULES: list[tuple[re.Pattern[str], dict[str, Any]]] = [(re.compile(p), spec) for p, spec in [
    (r"date|birth|_on$|day$", {"type": "date"}),
    (r"amount|balance|total|price|fee|limit|cost|payment", {"type": "number", "range": [5, 2500]}),
    (r"digits|last_four|last_4|pin$|^pin|cvv",
     {"type": "string", "faker": {"provider": "numerify", "args": {"text": "####"}}}),
    (r"zip|postcode|postal", {"type": "string", "faker": "postcode"}),
    (r"email", {"type": "string", "faker": "email"}),
    (r"phone", {"type": "string", "faker": {"provider": "numerify", "args": {"text": "555-###-####"}}}),
    (r"address", {"type": "string", "faker": "street_address"}),
    (r"name$", {"type": "string", "faker": "name"}),
    (r"password|token|key$", {"type": "string", "faker": {"provider": "bothify", "args": {"text": "??##??##"}}}),
    (r"number|_id$|^id_|code|reference|ssn|vin|iban",
     {"type": "string", "faker": {"provider": "bothify", "args": {"text": "########"}}}),
    (r"tier|level", {"type": "string", "values": ["basic", "silver", "gold"]}),
    (r"method", {"type": "string", "values": ["card", "bank transfer", "cash"]}),
    (r"type$", {"type": "string", "values": ["standard", "premium"]}),
    (r"reason|note|description", {"type": "string", "faker": "sentence"}),
]]


def _field_spec(name: str) -> dict[str, Any]:
    """Type and Faker source of a field by its name ("order_number", "date_of_birth", "amount"): the
    first rule whose pattern matches; a date's range depends on whether it is a birth date."""
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


def _goal_phrase(title: str, infos: list[StepInfo], writes: list[StepInfo]) -> str:
    phrase = _goal_text(title, infos, writes)
    return re.sub(r"\*\*|__|`", "", phrase)


def _goal_text(title: str, infos: list[StepInfo], writes: list[StepInfo]) -> str:
    low = title.lower()
    for lead in ("how to ", "how do i ", "how can i "):
        if low.startswith(lead):
            return title[len(lead):].rstrip("?.! ")
    main = (writes[-1] if writes else infos[-1]).step.text
    main = re.split(r"(?<=[.!?])\s", main)[0].rstrip(".!? ")
    if title and len(title) <= 80:
        return f"{title.rstrip('?.! ')}: {main[:1].lower() + main[1:]}"
    return main[:1].lower() + main[1:]


def domain_slug(doc_id: str) -> str:
    """A domain (and file) name from a document id: letters, digits, '_' and '-', at most 64."""
    s = re.sub(r"[^A-Za-z0-9_\-]+", "_", doc_id).strip("_-")
    if not s or not (s[0].isalpha() or s[0] == "_"):
        s = "doc_" + s
    if len(s) > 64:
        digest = hashlib.sha256(doc_id.encode()).hexdigest()[:10]
        s = s[:53].rstrip("_-") + "_" + digest
    return s
