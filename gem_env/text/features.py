"""Text analysis shared by the filter and the extractor: where the steps are, which verb each step
starts with, which conditions and named fields the text states.

Everything works on the document's own structure (list markers, headings, sentence starts, fixed
phrases) plus a real lemmatiser (simplemma) and curated lexicons. It is deterministic and cheap:
one line pass per text (`layout`, cached for the last few texts) serves every function, so the
filter can read thousands of documents a second. Offsets are character offsets into the text
given: ``text[start:end]`` is the span a result came from.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

import simplemma

# ---------------------------------------------------------------- lexicons

#: Action verbs (base form) by the kind of action they ask for. The system kinds are disjoint;
#: ``physical`` verbs act on things in the world (cooking, crafts, sport) and only count as
#: physical when no system kind claims them too ("place an order", "fill in the form").
VERB_KINDS: dict[str, tuple[str, ...]] = {
    "create": (
        "add", "apply", "book", "build", "buy", "claim", "compile", "create", "deploy", "dispute",
        "download", "enroll", "export", "file", "generate", "import", "initiate", "install",
        "invite", "issue", "join", "make", "open", "order", "place", "post", "prepare", "process",
        "publish", "purchase", "record", "refer", "register", "report", "request", "reserve",
        "schedule", "set", "sign", "start", "submit", "subscribe", "upload", "write",
    ),
    "update": (
        "activate", "adjust", "assign", "change", "configure", "convert", "correct", "customize",
        "deactivate", "disable", "downgrade", "edit", "enable", "extend", "fix", "freeze",
        "increase", "limit", "link", "lock", "lower", "mark", "mask", "modify", "mount", "move",
        "pause", "pin", "raise", "reactivate", "reduce", "reinstall", "rename", "renew", "replace",
        "reschedule", "reset", "resolve", "restart", "restore", "restrict", "resume", "rotate",
        "save", "switch", "toggle", "turn", "tweak", "unfreeze", "unlock", "unmount", "update",
        "upgrade", "waive",
    ),
    "delete": (
        "archive", "block", "cancel", "clear", "close", "delete", "deregister", "disconnect",
        "discard", "dismiss", "drop", "erase", "kill", "purge", "remove", "revoke", "stop",
        "terminate", "uninstall", "unlink", "unsubscribe", "void", "withdraw",
    ),
    "transfer": (
        "charge", "copy", "credit", "deposit", "exchange", "forward", "pay", "redeem", "refund",
        "reimburse", "return", "send", "ship", "sync", "transfer", "wire",
    ),
    "read": (
        "audit", "browse", "calculate", "check", "collect", "compare", "consult", "count",
        "decide", "determine", "diagnose", "display", "evaluate", "examine", "figure", "filter",
        "find", "gather", "get", "identify", "inspect", "investigate", "learn", "list", "locate",
        "look", "lookup", "monitor", "note", "print", "pull", "query", "read", "research",
        "retrieve", "review", "scan", "search", "see", "show", "study", "test", "track", "view",
        "watch",
    ),
    "verify": (
        "accept", "approve", "authenticate", "authorize", "confirm", "decline", "deny", "ensure",
        "reject", "validate", "verify",
    ),
    "communicate": (
        "advise", "answer", "apologize", "ask", "call", "chat", "contact", "describe", "discuss",
        "email", "escalate", "explain", "greet", "inform", "let", "message", "notify", "offer",
        "provide", "reach", "remind", "reply", "respond", "share", "suggest", "tell", "text",
        "thank",
    ),
    "navigate": (
        "access", "allow", "boot", "choose", "click", "complete", "connect", "continue", "enter",
        "execute", "exit", "fill", "follow", "go", "include", "insert", "invoke", "keep", "leave",
        "log", "login", "navigate", "pick", "press", "proceed", "quit", "reboot", "repeat", "run",
        "scroll", "select", "skip", "specify", "tap", "try", "type", "use", "visit", "wait",
    ),
    "physical": (
        "bake", "bend", "boil", "brush", "catch", "chill", "chop", "clean", "climb", "cook",
        "cover", "cut", "dig", "drain", "drill", "drink", "drive", "dry", "eat", "feed", "fold",
        "fry", "garnish", "glue", "grab", "grill", "hang", "heat", "hold", "jump", "kick", "knead",
        "knit", "lift", "light", "marinate", "melt", "mix", "nail", "paint", "peel", "plant",
        "pour", "preheat", "push", "put", "rinse", "roll", "rub", "sand", "scrub", "season",
        "serve", "sew", "shake", "simmer", "sit", "slice", "soak", "spray", "spread", "sprinkle",
        "squeeze", "stand", "stir", "stretch", "swim", "tape", "throw", "tie", "toast", "trim",
        "twist", "walk", "wash", "water", "wear", "whisk", "wipe", "wrap",
    ),
}
#: verb lemma -> kind; a verb listed under a system kind and ``physical`` counts as the system kind.
ACTION_VERBS: dict[str, str] = {v: k for k, verbs in reversed(VERB_KINDS.items()) for v in verbs}
SYSTEM_KINDS = frozenset(VERB_KINDS) - {"physical"}

#: Things an assistant with tools acts on: accounts, orders, records, software. A step that names
#: one is about a system or service, not about things in the world.
SYSTEM_NOUNS = (
    "account", "order", "payment", "card", "booking", "reservation", "appointment",
    "subscription", "plan", "bill", "invoice", "transaction", "statement", "balance", "transfer",
    "refund", "fee", "charge", "claim", "dispute", "request", "ticket", "case", "record",
    "profile", "password", "username", "email", "login", "app", "application", "website", "site",
    "online", "portal", "dashboard", "settings", "setting", "menu", "button", "tab", "page",
    "link", "form", "field", "screen", "notification", "alert", "message", "customer", "user",
    "agent", "member", "membership", "policy", "service", "provider", "support", "status", "id",
    "database", "system", "server", "file", "directory", "folder", "package", "command",
    "terminal", "shell", "script", "program", "software", "config", "configuration", "option",
    "network", "interface", "device", "kernel", "module", "repository", "flight",
    "passenger", "seat", "baggage", "prescription", "refill", "patient", "library", "loan",
    "item", "shipping", "delivery", "cart", "checkout", "address", "phone", "number", "line",
    "contract", "internet", "merchant", "receipt", "tool", "api", "report", "schedule",
)

#: Headings over lists of advice rather than a procedure ("Tips", "Best practices").
_ADVICE_HEADING = re.compile(
    r"\b(?:tips?|best\s+practices?|recommendations?|strategies|strategy|considerations?|"
    r"guidance|ideas|advice|ways\s+to|benefits?|features?|overview|highlights?|perks?|"
    r"what\s+you\s+(?:can\s+expect|get|earn))\b", re.I)

#: Words that end a named field ("order *number*", "account *ID*", "email *address*").
FIELD_HEADS = (
    "number", "id", "ids", "code", "address", "name", "date", "amount", "status", "pin",
    "password", "username", "digits", "reference", "balance", "method", "type", "tier", "level",
    "reason", "nickname", "key", "token", "email", "phone", "zip", "postcode",
)
#: Fields that name themselves.
STANDALONE_FIELDS = (
    "email", "e-mail", "username", "password", "pin", "ssn", "vin", "iban", "cvv", "zip code",
    "postcode", "postal code", "date of birth", "phone number", "full name", "passport number",
)
_FUNCTION_WORDS = frozenset(
    "a an the your my our their his her its this that these those any each every some all no "
    "of to for in on at by with from and or but nor so if as than then when while is are was "
    "were be been being has have had do does did will would can could should may might must "
    "it you we they he she i me us them not only also just very much more most less least "
    "such which what who whose where how why same other another own per via into over under "
    "about after before between during without within up down out off new there here".split()
)
_KEEP_SMALL = frozenset({"last", "first", "four", "full"})
#: Verbs that introduce a field rather than qualify it ("enter order number").
_FIELD_INTRODUCERS = frozenset(
    "enter provide select type give ask use verify confirm update change check include get find "
    "share add send record collect gather request pull input supply".split()
)
#: Words an instruction can start with that are never its verb.
_NOT_VERBS = frozenset(
    "only all both each every most many some any this these those that there here what which who "
    "how why when where it they we you he she one no not also even just very more less your our "
    "my their his her its a an the".split()
)
#: After a generic (not curated) first word, one of these marks it as an imperative verb.
_OBJECT_STARTERS = frozenset(
    "the a an your my any all this that these those it them each every some both their our his "
    "her".split()
)
SEQUENCE_WORDS = ("first", "firstly", "second", "secondly", "third", "then", "next", "after that",
                  "afterwards", "finally", "lastly", "once", "when done", "to finish")
_LEAD_INS = frozenset({"please", "first", "firstly", "then", "next", "finally", "lastly", "also",
                       "now", "second", "secondly", "third", "afterwards", "simply", "just",
                       "always", "optionally", "immediately", "carefully", "and", "or"})

# ---------------------------------------------------------------- patterns

_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<num>\d{1,3})[.)](?!\d)|\((?P<pnum>\d{1,3})\)|[-*•+·▪◦]"
    r"|[Ss]tep\s+(?P<snum>\d{1,3})\s*[:.)-])[ \t]+(?P<body>\S.*)$"
)
_HEADING = re.compile(r"^[ \t]{0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>\S[^\n]*?)[ \t#]*$")
_NUMBERED_TITLE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)\.?[ \t]+(?P<title>[A-Z][^\n]{0,80})$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CODE_LINE = re.compile(r"^\s*(?:\$\s*\S|[$#]\s*$|#\s+[a-z./~][\w./+-]*\s+[-/~.$\"'\w])|^\s*`[^`]+`\s*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_TABLE_LINE = re.compile(r"^\s*(?:\|.*\||\+[-=+]{3,}\+?)\s*$")
_LABEL = re.compile(r"(?:\[[^\]\n]{1,50}\][ \t]*(?:\([^)\n]{0,40}\))?|[^:.\n]{1,60}):[ \t]+")
_FRONTED_CLAUSE = re.compile(
    r"(?:if|when|once|to|for|after|before|in|from|on|while|unless|with)\b[^,.;:]{0,90},\s*", re.I)
_DEFINITION = re.compile(
    r"^(?:an?\s+|the\s+)?[\w()/-]+(?:\s+[\w()/-]+){0,5}\s+(?:is|are)\s+(?:a|an|the|one of|used|known)\b"
    r"|\b(?:refers? to|is defined as|stands for|is short for)\b", re.I)
_PROCEDURAL_HEADING = re.compile(
    r"^(?:how\s+(?:to|do\s+i|can\s+i|we\s+can)\b|to\s+[a-z]+\b|steps?\b|what\s+to\s+do|"
    r"getting\s+started|actions\b)|\b(?:steps|procedure|process|workflow|instructions|checklist)\b",
    re.I)
_QUOTED = re.compile(r"""'(?P<sq>[^'\n]{2,40})'|"(?P<dq>[^"\n]{2,40})"|`(?P<bq>[^`\n]{2,40})`"""
                     r"""|\[(?P<br>[A-Z][^\]\n]{1,40})\](?!\()""")
_TITLE_VALUE = re.compile(r"[A-Z][\w-]*(?: [\w-]+){0,3}")
_SNAKE = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w])")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*|\d+(?:[.,]\d+)*")

CONDITION_PHRASES: dict[str, tuple[str, ...]] = {
    "only_if": ("only if", "only when", "only after", "only before", "only while", "only for",
                "only within", "only be", "only on", "only to", "only until", "can only"),
    "unless": ("unless",),
    "cannot": ("cannot", "can't", "can not", "can no longer", "must not", "mustn't", "may not",
               "not allowed", "not be allowed", "not eligible", "not permitted", "not possible",
               "never"),
    "must": ("must", "require", "have to", "need to", "eligible", "eligibility"),
    "within": ("within",),
    "before": ("before", "prior to", "no later than"),
    "limit": ("at least", "at most", "up to", "no more than", "more than", "less than", "exceed",
              "maximum", "minimum"),
    "if": ("if", "when", "in case", "provided that", "as long as"),
}
_TIME_UNITS = frozenset({"minute", "hour", "day", "week", "month", "year"})
_PAST_WORDS = frozenset(
    "was were had did became founded announced launched began grew acquired said reported "
    "introduced celebrated merged expanded released won signed hired appointed".split())
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "you'll", "you're", "you've"})
_MONTHS = frozenset({"january", "february", "march", "april", "june", "july", "august",
                     "september", "october", "november", "december"})  # "May" is a modal too

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30, "sixty": 60,
                 "ninety": 90}
STRONG_CONDITIONS = frozenset({"only_if", "unless", "cannot", "must", "within", "before"})

ConditionKind = Literal["only_if", "unless", "cannot", "must", "within", "before", "limit", "if"]
StepMarker = Literal["number", "bullet", "sequence", "sentence"]


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the span of the body under it (up to the next heading of any level)."""

    title: str
    level: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a list item or a sentence, without its marker, whitespace collapsed in `text`.

    `number` is the list number of a numbered item; `depth` is 0 for top-level items and grows
    with indentation; `section` is the heading above it; `verb` is the lemma of the verb the step
    opens with when it is an instruction (see `leading_verb`).
    """

    text: str
    start: int
    end: int
    marker: StepMarker
    number: int | None
    depth: int
    section: str
    verb: str | None


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition trigger and the clause (list item or sentence) it sits in.

    For ``within`` conditions `amount` and `unit` hold the window: "within 30 days" -> 30, "day".
    """

    kind: ConditionKind
    trigger: str
    text: str
    start: int
    end: int
    amount: int | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class NamedField:
    """A field or identifier the text names; `name` is snake_case ("order_number")."""

    name: str
    text: str
    start: int
    end: int
    kind: Literal["named", "quoted", "identifier", "code"]


@dataclass(frozen=True, slots=True)
class Layout:
    """One pass over a text's lines: its sections, list items, prose sentences and line counts."""

    sections: tuple[Section, ...]
    items: tuple[Step, ...]
    sentences: tuple[tuple[int, int], ...]
    code_lines: int
    table_lines: int
    example_items: int  # list items that only introduce a code example ("- List all keys:")


class Tokens(NamedTuple):
    """The words and numbers of a text: `words` lower-cased (curly apostrophes straightened),
    `spans` their (start, end) offsets. "card's" and "e-mail" are one token each."""

    words: list[str]
    spans: list[tuple[int, int]]


@lru_cache(maxsize=16)
def tokens(text: str) -> Tokens:
    """Tokenise `text` once (cached for the last few texts)."""
    spans = [m.span() for m in _TOKEN.finditer(text)]
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer: lower word by word
        words = [text[a:b].lower() for a, b in spans]
    else:
        words = [low[a:b] for a, b in spans]
    if "’" in text:
        words = [w.replace("’", "'") for w in words]
    return Tokens(words, spans)


_INFLECTED = ("s", "ed", "ing", "d")


class Lexicon:
    """Labelled phrases matched over words, longest phrase first, by word or by lemma.

    ``Lexicon({"cannot": ["cannot", "must not"], "must": ["must", "require"]})`` finds "must not"
    as ``cannot`` and "requires" (simplemma lemma "require") as ``must``. Only words with a
    regular inflection ending (-s, -ed, -ing, -d) are lemmatised, which keeps matching fast.
    Matches never overlap.
    """

    def __init__(self, groups: dict[str, Iterable[str]], *, lemmas: bool = True) -> None:
        self.lemmas = lemmas
        self._index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for label, phrases in groups.items():
            for phrase in phrases:
                words = tuple(phrase.lower().split())
                self._index.setdefault(words[0], []).append((words, label))
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e[0]))

    def _key(self, word: str) -> str | None:
        if word in self._index:
            return word
        if self.lemmas and word.endswith(_INFLECTED):
            base = lemma(word)
            return base if base in self._index else None
        return None

    def matches(self, words: Sequence[str]) -> Iterator[tuple[str, int, int]]:
        """(label, index of the first word, index after the last) of each match, left to right."""
        n, end = len(words), 0
        for i in [i for i, w in enumerate(words) if self._key(w)]:
            if i < end:
                continue
            for phrase, label in self._index[self._key(words[i])]:  # type: ignore[index]
                k = len(phrase)
                if i + k <= n and all(words[i + j] == phrase[j] or self._key(words[i + j]) == phrase[j]
                                      for j in range(1, k)):
                    end = i + k
                    yield label, i, end
                    break

    def counts(self, words: Sequence[str], weight: int = 1) -> dict[str, int]:
        """How often each label matched, times `weight`."""
        out: dict[str, int] = {}
        for label, _, _ in self.matches(words):
            out[label] = out.get(label, 0) + weight
        return out


_CONDITIONS = Lexicon(CONDITION_PHRASES)
_STANDALONE = Lexicon({"field": STANDALONE_FIELDS})
_FIELD_HEAD_SET = frozenset(FIELD_HEADS)
_SYSTEM_NOUN_SET = frozenset(SYSTEM_NOUNS)


# ---------------------------------------------------------------- words and verbs


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """simplemma's English lemma of `word`, lower-cased ("orders" -> "order")."""
    return simplemma.lemmatize(word.lower(), lang="en").lower()


@lru_cache(maxsize=65536)
def verb_lemma(word: str) -> str | None:
    """The action-verb lemma of any inflection of `word` ("cancelled" -> "cancel"), else None."""
    low = word.lower()
    if low in ACTION_VERBS:
        return low
    lem = lemma(low)
    # simplemma sometimes keeps a doubled consonant or a stray "e" ("cancell", "mixe").
    for cand in (lem, lem[:-1]):
        if cand in ACTION_VERBS:
            return cand
    return None


def action_kind(verb: str | None) -> str | None:
    """What a verb lemma asks for: create, update, delete, transfer, read, verify, communicate,
    navigate or physical; None for verbs outside the lexicon."""
    return ACTION_VERBS.get(verb or "")


def leading_verb(sentence: str) -> str | None:
    """The lemma of the verb an instruction opens with, or None when `sentence` is no instruction.

    Skips lead-ins ("Please", "Then,", "Proactively"), a fronted clause ending in a comma ("If the
    order is pending, cancel it"; "To add a user, open Settings") and, failing that, a label
    ending in a colon ("[Verify Identity] (kb query): Ask for..."; "Insufficient funds: Add
    funds"). The verb must be in its base form ("Cancelled", "Opens" are not instructions) and
    not a label itself ("Order number: ...", "Order ID"). Curated action verbs count on their own;
    any other base-form word counts when an object follows it ("Prepare the cups").
    """
    s = sentence.lstrip(" \t*_>\"'`([")
    verb = _opening_verb(s)
    if verb is None:
        label = _LABEL.match(s)
        if label:
            verb = _opening_verb(s[label.end():])
    return verb


def _opening_verb(s: str) -> str | None:
    clause = _FRONTED_CLAUSE.match(s)
    if clause:
        s = s[clause.end():]
    words = _WORD.findall(s[:80])
    i = 0
    while i < min(len(words), 2) and (words[i].lower() in _LEAD_INS or words[i].lower().endswith("ly")):
        i += 1
    if i >= len(words):
        return None
    word = words[i]
    low = word.lower()
    nxt = words[i + 1].lower() if i + 1 < len(words) else ""
    after = s[s.find(word) + len(word):].lstrip()
    if low in _NOT_VERBS or after[:1] in {":", "(", "=", "]"} or nxt in FIELD_HEADS \
            or nxt in {"is", "are", "was", "has", "will", "can", "may", "of", "fee", "fees", "limits"}:
        return None
    if low in ACTION_VERBS:
        return low
    if nxt in _OBJECT_STARTERS and word[:1].isupper() and lemma(low) == low \
            and not low.endswith(("ly", "ing", "ed")):
        return low
    return None


# ---------------------------------------------------------------- layout


@lru_cache(maxsize=16)
def layout(text: str) -> Layout:
    """Parse `text` once: headings, list items (continuation lines joined), prose sentences."""
    sections: list[tuple[int, int, str, int]] = []  # heading line start, body start, title, level
    items: list[Step] = []
    prose: list[tuple[int, int]] = []
    code = table = examples = 0
    section, in_fence = "", False
    indents: list[int] = []
    cur: list | None = None  # [start, end, marker, number, depth, section]
    block: list[int] | None = None  # [start, end] of the current prose block
    prev_example = False

    def flush_item() -> None:
        nonlocal cur
        if cur is not None:
            body = text[cur[0]:cur[1]]
            items.append(Step(" ".join(body.split()), cur[0], cur[1], cur[2], cur[3], cur[4],
                              cur[5], leading_verb(body)))
            cur = None

    def flush_block() -> None:
        nonlocal block
        if block is not None:
            prose.append((block[0], block[1]))
            block = None

    pos = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        start, end = pos, pos + len(line)
        pos += len(raw)
        if _FENCE.match(line):
            flush_item(), flush_block()
            in_fence = not in_fence
            continue
        if in_fence:
            code += 1
            continue
        if not line.strip():
            flush_item(), flush_block()
            continue
        if _CODE_LINE.match(line) and start > 0:
            flush_item(), flush_block()
            code += 1
            examples += prev_example
            prev_example = False
            continue
        prev_example = False
        if _TABLE_LINE.match(line):
            flush_item(), flush_block()
            table += 1
            continue
        heading = _heading(line)
        if heading:
            flush_item(), flush_block()
            section, indents = heading[0], []
            sections.append((start, pos, *heading))
            continue
        item = _ITEM.match(line)
        if item:
            flush_item(), flush_block()
            indent = len(item["indent"].expandtabs(4))
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            num = item["num"] or item["pnum"] or item["snum"]
            cur = [start + item.start("body"), end, "number" if num else "bullet",
                   int(num) if num else None, len(indents) - 1, section]
            prev_example = line.rstrip().endswith(":")
            continue
        if cur is not None:
            cur[1] = end
        elif block is None:
            block = [start, end]
        else:
            block[1] = end
    flush_item(), flush_block()
    heads = tuple(Section(title, level, body, sections[k + 1][0] if k + 1 < len(sections) else len(text))
                  for k, (_, body, title, level) in enumerate(sections))
    sents = tuple(s for a, b in prose for s in _split_sentences(text, a, b))
    return Layout(heads, tuple(items), sents, code, table, examples)


def _heading(line: str) -> tuple[str, int] | None:
    """(title, level) of a markdown heading or a numbered title line."""
    m = _HEADING.match(line)
    if m:
        return m["title"].strip(), len(m["hashes"])
    m = _NUMBERED_TITLE.match(line)
    return (m["title"].strip(), m["num"].count(".") + 1) if m else None


def is_procedural_heading(title: str) -> bool:
    """Whether a heading or title announces a procedure ("How to cancel", "Redemption steps")."""
    title = title.lstrip("# ")
    return bool(_PROCEDURAL_HEADING.search(title)) or leading_verb(title) is not None


def is_advice_heading(title: str) -> bool:
    """Whether a heading introduces advice or a feature list ("Tips", "Best practices")."""
    return bool(_ADVICE_HEADING.search(title))


def is_system_word(word: str) -> bool:
    """Whether a lower-case word names something a system keeps ("orders", "account", "file")."""
    return word in _SYSTEM_NOUN_SET or (word.endswith("s") and lemma(word) in _SYSTEM_NOUN_SET)


def system_mentions(text: str) -> int:
    """How many words of `text` name something a system keeps."""
    return sum(1 for w in tokens(text).words if is_system_word(w))


def _mentions_system(words: Sequence[str], spans: Sequence[tuple[int, int]], step: Step) -> bool:
    lo = bisect.bisect_left(spans, (step.start, 0))
    hi = bisect.bisect_left(spans, (step.end, 0))
    return any(is_system_word(w) for w in words[lo:hi])


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, cur = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        out.append((cur, m.start()))
        cur = m.end()
    out.append((cur, end))
    return [(a, b) for a, b in out if b > a]


def sections(text: str) -> list[Section]:
    """Markdown headings (``#``..``######``) and numbered titles ("9.4.2. The ps command")."""
    return list(layout(text).sections)


def list_items(text: str) -> list[Step]:
    """Every numbered or bulleted list item in order, its continuation lines joined in.

    A continuation is a following non-blank line that is no list item, heading, code line or
    table row. Lines inside fenced code blocks are never items.
    """
    return list(layout(text).items)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the prose sentences (list items, headings, code and tables excluded)."""
    return list(layout(text).sentences)


def step_lists(text: str) -> list[list[Step]]:
    """Runs of sibling list items, each a candidate procedure.

    A numbered run goes on while each number is one more than the last (prose between items is
    allowed); a bulleted run is bullets at one depth with nothing but blank lines, deeper items
    and code between them. A heading ends every run; nested items form runs of their own.
    """
    runs: list[list[Step]] = []
    open_runs: dict[tuple[str, int, str], list[Step]] = {}
    for item in layout(text).items:
        for k in [k for k in open_runs if k[1] > item.depth or k[2] != item.section]:
            del open_runs[k]
        key = (item.marker, item.depth, item.section)
        run = open_runs.get(key)
        if run is not None and (
            (item.marker == "number" and run[-1].number is not None and item.number == run[-1].number + 1)
            or (item.marker == "bullet" and _adjacent(text, run[-1], item))
        ):
            run.append(item)
        else:
            open_runs[key] = run = [item]
            runs.append(run)
    return runs


def _adjacent(text: str, a: Step, b: Step) -> bool:
    gap = text[a.end:text.rfind("\n", 0, b.start) + 1]
    return all(not line.strip() or _ITEM.match(line) or _CODE_LINE.match(line)
               for line in gap.splitlines())


def segment_steps(text: str) -> list[Step]:
    """The document's main procedure as ordered steps.

    The best list run wins: a numbered run starting at 1 first, then a run under a procedural
    heading ("How to cancel"), then runs where most items are instructions, then the most
    instructions, then the longest. Without a run of two or more items the prose is read as
    steps: sentences that open with a sequencing word ("First", "Then", "Finally") or an
    instruction verb, when there are at least two.
    """
    best, best_key = None, None
    for run in step_lists(text):
        if len(run) < 2:
            continue
        verbs = sum(1 for s in run if s.verb)
        key = (run[0].marker == "number" and run[0].number == 1, is_procedural_heading(run[0].section),
               2 * verbs >= len(run), verbs, len(run))
        if best_key is None or key > best_key:
            best, best_key = run, key
    if best is not None:
        return best
    steps = []
    for start, end in layout(text).sentences:
        body = text[start:end].strip()
        verb = leading_verb(body)
        seq = body.lower().startswith(SEQUENCE_WORDS)
        if verb or seq:
            steps.append(Step(" ".join(body.split()), start, end, "sequence" if seq else "sentence",
                              None, 0, "", verb))
    return steps if len(steps) >= 2 else []


# ---------------------------------------------------------------- conditions and fields


def conditions(text: str) -> list[Condition]:
    """Every condition trigger in a list item or prose sentence, in text order.

    A clause can hold several ("must ... within 30 days"): each is reported with the clause.
    "within" counts only with a time window after it ("within 30 days", "within two hours").
    """
    lay, (words, spans) = layout(text), tokens(text)
    clauses = sorted([(s.start, s.end) for s in lay.items] + list(lay.sentences))
    starts = [a for a, _ in clauses]
    out = []
    for kind, i, j in _CONDITIONS.matches(words):
        start = spans[i][0]
        k = bisect.bisect_right(starts, start) - 1
        if k < 0 or start >= clauses[k][1]:
            continue
        amount = unit = None
        if kind == "within":
            window = _time_window(words, j)
            if window is None:
                continue
            amount, unit, j = window
        a, b = clauses[k]
        out.append(Condition(kind, text[start:spans[j - 1][1]], " ".join(text[a:b].split()),  # type: ignore[arg-type]
                             a, b, amount, unit))
    return out


def _time_window(words: Sequence[str], i: int) -> tuple[int, str, int] | None:
    """(amount, unit, index after the unit) of "[the] [30] [business] days" from word i on."""
    if i < len(words) and words[i] == "the":
        i += 1
    amount = 1
    if i < len(words) and (words[i].isdigit() or words[i] in _NUMBER_WORDS):
        amount = int(words[i]) if words[i].isdigit() else _NUMBER_WORDS[words[i]]
        i += 1
    if i < len(words) and words[i] in {"calendar", "business", "working"}:
        i += 1
    if i < len(words) and lemma(words[i]) in _TIME_UNITS:
        return amount, lemma(words[i]), i + 1
    return None


def named_fields(text: str) -> list[NamedField]:
    """Fields and identifiers the text names, in text order (a name may repeat).

    Kinds: ``named`` ("order number", "email address", "card's last four digits"), ``quoted``
    ('account_class', "Order Received", [Verify Identity]), ``identifier`` (snake_case names such
    as ``get_user_details``) and ``code`` (values shaped like ids: LG-10482, #W2378156).
    """
    words, spans = tokens(text)
    out: list[NamedField] = []
    taken: set[int] = set()

    def add(name: str, start: int, end: int, kind: str) -> None:
        if name and start not in taken:
            taken.update(range(start, end))
            out.append(NamedField(name, text[start:end], start, end, kind))  # type: ignore[arg-type]

    for i, word in enumerate(words):
        if word in _FIELD_HEAD_SET:
            first = _qualifier_start(text, words, spans, i)
            if first < i:
                add(snake_case(text[spans[first][0]:spans[i][1]]), spans[first][0], spans[i][1], "named")
        elif len(word) >= 3 and word.isdigit():
            start = _code_prefix(text, spans[i][0])
            if start is not None:
                add(text[start:spans[i][1]].lstrip("#"), start, spans[i][1], "code")
    for _, i, j in _STANDALONE.matches(words):
        add(snake_case(text[spans[i][0]:spans[j - 1][1]]), spans[i][0], spans[j - 1][1], "named")
    for m in _QUOTED.finditer(text):
        value = m["sq"] or m["dq"] or m["bq"] or m["br"]
        if m["br"] or _SNAKE.fullmatch(value) or _TITLE_VALUE.fullmatch(value):
            add(snake_case(value), m.start(), m.end(), "quoted")
    if "_" in text:
        for m in _SNAKE.finditer(text):
            add(m.group(0), m.start(), m.end(), "identifier")
    out.sort(key=lambda f: f.start)
    return out


def _qualifier_start(text: str, words: Sequence[str], spans: Sequence[tuple[int, int]], head: int) -> int:
    """Index of the first of up to three words qualifying a field head ("order" in "order number")."""
    i = head
    while i > 0 and head - i < 3 and text[spans[i - 1][1]:spans[i][0]] in (" ", "\t"):
        word = words[i - 1].removesuffix("'s")
        if (word in _FUNCTION_WORDS and word not in _KEEP_SMALL) or word in _FIELD_INTRODUCERS \
                or word.isdigit() or (word.endswith("ed") and lemma(word) != word):
            break
        i -= 1
    return i


def _code_prefix(text: str, digits: int) -> int | None:
    """Start of an id-shaped value whose digits begin at `digits`: "LG-10482", "#W2378156"."""
    k = digits - 1 if digits and text[digits - 1] == "-" else digits
    j = k
    while j > 0 and k - j < 4 and "A" <= text[j - 1] <= "Z":
        j -= 1
    if j == k or (j and (text[j - 1].isalnum() or text[j - 1] in "-_")):
        return None
    return j - 1 if j and text[j - 1] == "#" else j


def snake_case(phrase: str) -> str:
    """"Card's last four digits" -> "card_last_four_digits"."""
    return "_".join(re.findall(r"[a-z0-9]+", re.sub(r"['’]s\b", "", phrase.lower())))


# ---------------------------------------------------------------- summary for the filter


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """Counts of the evidence the filter weighs; see `features`."""

    words: int
    steps: int                # steps of the main procedure (`segment_steps`)
    numbered: bool            # ... a numbered list starting at 1
    step_verbs: int           # steps that open with a verb
    system_verbs: int         # ... a verb acting on a system, service or person
    physical_verbs: int       # ... a verb that only acts on things (stir, bake, fold)
    system_steps: int         # steps that name something a system keeps (account, order, file)
    advice: bool              # the main procedure sits under a "Tips" / "Best practices" heading
    system_nouns: int         # words naming something a system keeps, anywhere
    instructions: int         # list items and sentences opening with a verb, anywhere
    sequence_words: int       # sentences or items opening with first/then/next/finally
    procedural_headings: int  # "How to cancel", "Redemption steps", "To add a user"
    conditions: int           # clauses with any condition
    strong_conditions: int    # clauses with only/unless/cannot/must/within/before
    fields: int               # distinct named fields and identifiers
    second_person: int        # you, your
    code_lines: int
    example_items: int        # list items that only introduce a code example
    table_lines: int
    past_tense: int           # narrative markers (was, announced, founded)
    dates: int                # years and month names
    definitions: int          # sentences like "X is a ...", "refers to"
    sentences: int            # prose sentences plus list items


def features(text: str) -> TextFeatures:
    """Every count the filter uses, from the cached `layout` and `tokens` passes."""
    lay, (words, spans) = layout(text), tokens(text)
    steps = segment_steps(text)
    sents = [text[a:b].strip() for a, b in lay.sentences]
    verbs = [s.verb for s in steps if s.verb]
    kinds = [action_kind(v) for v in verbs]
    conds = conditions(text)
    return TextFeatures(
        words=sum(1 for w in words if not w[0].isdigit()),
        steps=len(steps),
        numbered=bool(steps) and steps[0].marker == "number" and steps[0].number == 1,
        step_verbs=len(verbs),
        system_verbs=sum(1 for k in kinds if k in SYSTEM_KINDS),
        physical_verbs=sum(1 for k in kinds if k == "physical"),
        system_steps=sum(1 for st in steps if _mentions_system(words, spans, st)),
        advice=bool(steps) and is_advice_heading(steps[0].section),
        system_nouns=system_mentions(text),
        instructions=sum(1 for s in sents if leading_verb(s)) + sum(1 for i in lay.items if i.verb),
        sequence_words=sum(1 for s in sents + [i.text for i in lay.items]
                           if s.lower().startswith(SEQUENCE_WORDS)),
        procedural_headings=sum(1 for h in {s.title for s in lay.sections} if is_procedural_heading(h)),
        conditions=len({c.start for c in conds}),
        strong_conditions=len({c.start for c in conds if c.kind in STRONG_CONDITIONS}),
        fields=len({f.name for f in named_fields(text)}),
        second_person=sum(1 for w in words if w in _SECOND_PERSON),
        code_lines=lay.code_lines,
        example_items=lay.example_items,
        table_lines=lay.table_lines,
        past_tense=sum(1 for w in words if w in _PAST_WORDS),
        dates=sum(1 for w, (a, _) in zip(words, spans) if (w in _MONTHS and text[a].isupper())
                  or (len(w) == 4 and w.isdigit() and 1800 <= int(w) < 2100)),
        definitions=sum(1 for s in sents if _DEFINITION.search(s[:160])),
        sentences=len(sents) + len(lay.items),
    )
