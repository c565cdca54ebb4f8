"""Text analysis shared by the filter and the extractor: where the steps are, which verb each step
starts with, what conditions and named fields the text states.

Everything here works on the document's own structure (list markers, headings, sentence starts,
fixed phrases) plus a real lemmatiser (simplemma) and curated lexicons. It is deterministic and
allocation-light, so the filter can run it on thousands of documents a second. Offsets are
character offsets into the text given; ``text[start:end]`` is the span a result came from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import simplemma

# ---------------------------------------------------------------- lexicons

#: Action verbs (base form) a step may start with, by the kind of action they ask for.
#: ``physical`` verbs act on things in the world (cooking, crafts); every other kind acts on a
#: system, a service or a person an assistant can reach.
VERB_KINDS: dict[str, tuple[str, ...]] = {
    "create": (
        "add", "apply", "book", "create", "enroll", "file", "generate", "issue", "make", "open",
        "order", "place", "purchase", "buy", "register", "request", "reserve", "schedule",
        "set", "sign", "start", "submit", "subscribe", "upload", "initiate", "launch", "build",
        "write", "compile", "install", "record", "log", "refer", "share", "claim", "dispute",
        "report", "invite", "attach", "download", "export", "import", "backup", "deploy",
    ),
    "update": (
        "activate", "adjust", "assign", "change", "configure", "convert", "deactivate", "disable",
        "downgrade", "edit", "enable", "extend", "freeze", "increase", "link", "lock", "lower",
        "mark", "modify", "mount", "move", "pause", "raise", "reactivate", "reduce", "rename",
        "renew", "replace", "reschedule", "reset", "resume", "switch", "toggle", "turn",
        "unfreeze", "unlock", "update", "upgrade", "apply", "restore", "rotate", "restart",
        "reinstall", "pin", "mask", "unmount", "tweak", "customize", "fix", "correct",
    ),
    "delete": (
        "archive", "block", "cancel", "close", "delete", "deregister", "discard", "drop",
        "purge", "remove", "revoke", "stop", "terminate", "unsubscribe", "uninstall", "void",
        "withdraw", "kill", "clear", "clean", "erase", "disconnect", "unlink",
    ),
    "transfer": (
        "deposit", "pay", "redeem", "refund", "return", "send", "transfer", "wire", "exchange",
        "reimburse", "credit", "charge", "forward", "copy", "sync", "route", "ship",
    ),
    "read": (
        "browse", "check", "compare", "determine", "find", "get", "identify", "inspect", "list",
        "locate", "look", "lookup", "monitor", "note", "pull", "read", "retrieve", "review",
        "search", "see", "track", "view", "watch", "gather", "collect", "evaluate", "examine",
        "test", "audit", "filter", "print", "display", "show", "query", "diagnose", "investigate",
        "query", "calculate", "count", "measure", "scan",
    ),
    "verify": (
        "authenticate", "confirm", "ensure", "make", "validate", "verify", "approve", "deny",
        "reject", "accept", "decline", "authorize", "escalate", "sign",
    ),
    "communicate": (
        "ask", "call", "chat", "contact", "email", "explain", "inform", "let", "message",
        "notify", "offer", "reach", "reply", "respond", "tell", "text", "apologize", "advise",
        "describe", "discuss", "provide", "answer", "remind", "transfer", "escalate", "suggest",
    ),
    "navigate": (
        "access", "choose", "click", "enter", "fill", "follow", "go", "navigate", "pick",
        "press", "run", "scroll", "select", "tap", "type", "use", "visit", "execute", "invoke",
        "specify", "include", "keep", "allow", "wait", "try", "repeat", "save", "attach",
        "insert", "edit", "leave", "complete", "proceed", "continue", "skip", "answer",
    ),
    "physical": (
        "bake", "bend", "boil", "brush", "chill", "chop", "cook", "cover", "cut", "dig", "drain",
        "drink", "drive", "dry", "eat", "fold", "fry", "glue", "grab", "heat", "hold", "knit",
        "knead", "lift", "melt", "mix", "paint", "peel", "plant", "pour", "preheat", "pull",
        "push", "put", "rinse", "roll", "rub", "sand", "scrub", "season", "sew", "shake", "slice",
        "soak", "spray", "spread", "sprinkle", "squeeze", "stir", "stretch", "swim", "tie",
        "toast", "trim", "twist", "wash", "water", "whisk", "wipe", "wrap", "wear", "walk",
        "climb", "run", "jump", "throw", "catch", "kick", "sit", "stand", "feed", "grill",
        "simmer", "marinate", "garnish", "serve", "place", "attach", "tape", "nail", "drill",
        "fill", "remove", "clean", "cover", "hang", "light", "build",
    ),
}
PHYSICAL_ONLY = frozenset(VERB_KINDS["physical"]) - {
    v for kind, verbs in VERB_KINDS.items() if kind != "physical" for v in verbs
}
#: verb -> its first (most telling) kind, system kinds before ``physical``.
ACTION_VERBS: dict[str, str] = {}
for _kind, _verbs in VERB_KINDS.items():
    for _verb in _verbs:
        ACTION_VERBS.setdefault(_verb, _kind)

#: Heads of named fields: "order number", "account ID", "email address", "zip code"...
FIELD_HEADS = (
    "number", "id", "ids", "code", "address", "name", "date", "amount", "status", "type",
    "pin", "password", "username", "digits", "reference", "balance", "limit", "reason",
    "method", "tier", "level", "total", "fee", "price", "time", "details", "information",
    "nickname", "phone", "email", "zip", "key", "token", "handle", "class", "category",
)
STANDALONE_FIELDS = (
    "email", "e-mail", "username", "password", "pin", "ssn", "vin", "iban", "swift code",
    "zip code", "postcode", "postal code", "date of birth", "phone number", "full name",
    "user id", "account id", "order id", "cvv", "routing number", "account number",
)
_STOP = frozenset(
    "a an the your my our their his her its this that these those any each every some all no "
    "of to for in on at by with from and or but is are be as it you we they new same other "
    "first last next one two three four five more most less own such which what whose".split()
)
# "last four digits", "date of birth" keep their small words; the head decides anyway.
_KEEP_SMALL = frozenset({"last", "first", "four", "full", "new"})

SEQUENCE_WORDS = ("first", "firstly", "second", "secondly", "third", "then", "next", "after that",
                  "afterwards", "finally", "lastly", "once", "now", "when done", "to finish")
_LEAD_INS = frozenset({"please", "first", "firstly", "then", "next", "finally", "lastly", "also",
                       "now", "second", "secondly", "third", "afterwards", "simply", "just",
                       "always", "never", "optionally", "immediately", "carefully", "and"})

# ---------------------------------------------------------------- patterns

_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>(?P<num>\d{1,3})[.)](?!\d)|\((?P<pnum>\d{1,3})\)|[-*•+·▪◦]"
    r"|[Ss]tep\s+(?P<snum>\d{1,3})\s*[:.)-])[ \t]+(?P<body>\S.*)$"
)
_HEADING = re.compile(r"^[ \t]{0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>[^\n]+?)[ \t#]*$")
_NUMBERED_TITLE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)\.?[ \t]+(?P<title>[A-Z][^\n]{0,80})$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_CODE_LINE = re.compile(r"^\s*(?:[$>]\s*\S|#\s+[a-z./~][\w./+-]*\s+[-/~.$\"'\w])|^\s*`[^`]+`\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_LINE = re.compile(r"^\s*(\|.*\||\+[-=+]{3,}\+?)\s*$")
_SECOND_PERSON = re.compile(r"\byou(?:r|rs|rself|'ll|'re|'ve)?\b", re.I)
_PAST = re.compile(
    r"\b(?:was|were|had|did|became|founded|announced|launched|began|grew|acquired|said|"
    r"reported|introduced|opened|celebrated|named|joined|merged|expanded|released|won)\b", re.I)
_YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|"
                    r"October|November|December)\b")
_DEFINITION = re.compile(
    r"^(?:an?\s+|the\s+)?[\w\s()/-]{1,60}?\b(?:is|are)\s+(?:a|an|the|one of|used|known)\b"
    r"|\b(?:refers? to|is defined as|stands for|is short for|means that)\b", re.I)
_PROCEDURAL_HEADING = re.compile(
    r"^(?:how\s+to\b|to\s+[a-z]+\b|steps?\b|procedure|process|instructions|workflow|"
    r"getting\s+started|what\s+to\s+do|how\s+do\s+i\b|how\s+can\s+i\b|redemption\s+steps|"
    r".*\b(?:steps|procedure|process|workflow|instructions|checklist)\s*$)", re.I)
_QUOTED = re.compile(r"""(?:'(?P<sq>[^'\n]{2,40})'|"(?P<dq>[^"\n]{2,40})"|`(?P<bq>[^`\n]{2,40})`"""
                     r"""|\[(?P<br>[A-Z][^\]\n]{1,40})\](?!\())""")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_CODE_VALUE = re.compile(r"(?<![\w-])#?[A-Z]{1,4}-?\d{3,}\b")
_FIELD = re.compile(
    r"\b((?:[A-Za-z]+(?:'s|’s)?[ \t]+){1,3})(" + "|".join(FIELD_HEADS) + r")\b(?![-'])", re.I)
_STANDALONE = re.compile(r"\b(" + "|".join(re.escape(f) for f in STANDALONE_FIELDS) + r")\b", re.I)

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30, "sixty": 60}
_CONDITIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("only_if", re.compile(r"\bonly\s+(?:if|when|after|before|while|for|within|be|if)\b|\bcan\s+only\b", re.I)),
    ("unless", re.compile(r"\bunless\b", re.I)),
    ("cannot", re.compile(r"\b(?:cannot|can't|can not|can no longer|must not|mustn't|may not|"
                          r"not (?:be )?(?:allowed|eligible|permitted|possible)|is not available|"
                          r"are not available|never)\b", re.I)),
    ("must", re.compile(r"\b(?:must|required|requires|have to|has to|need to|needs to|"
                        r"is eligible|are eligible|eligible if|eligibility)\b", re.I)),
    ("within", re.compile(r"\bwithin\s+(?:the\s+)?(?:(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+)?"
                          r"(?:calendar\s+|business\s+)?(minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)),
    ("before", re.compile(r"\b(?:before|prior to|no later than|by the due date)\b", re.I)),
    ("limit", re.compile(r"\b(?:at least|at most|up to|no more than|more than|less than|"
                         r"exceeds?|maximum|minimum|over \$|under \$)\b", re.I)),
    ("if", re.compile(r"\b(?:if|when|in case|provided that|as long as)\b", re.I)),
)
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
    """One step of a procedure: a list item or a sentence, without its marker.

    `number` is the list number of a numbered item; `depth` is 0 for top-level items and grows
    with indentation; `verb` is the lemma of the action verb the step starts with (or None).
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
    """A constraint the text states, e.g. kind ``within`` with ``amount=30, unit="days"``."""

    kind: ConditionKind
    trigger: str
    text: str
    start: int
    end: int
    amount: int | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class NamedField:
    """A field or identifier the text names: `name` is snake_case ("order_number")."""

    name: str
    text: str
    start: int
    end: int
    kind: Literal["named", "quoted", "identifier", "code"]


# ---------------------------------------------------------------- words and verbs


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """simplemma's English lemma of `word`, lower-cased."""
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


def action_kind(verb: str) -> str | None:
    """The kind of action a verb lemma asks for: create, update, delete, transfer, read,
    verify, communicate, navigate or physical; None when it is not an action verb."""
    return ACTION_VERBS.get(verb)


def leading_verb(sentence: str) -> str | None:
    """The lemma of the action verb a sentence opens with, if the sentence is an instruction.

    Skips lead-ins ("Please", "Then,", "First,") and a fronted clause ending in a comma ("If the
    order is pending, cancel it"; "To add a user, open Settings"). The verb must be in its base
    form (not "Cancelled", "Opens") and must not be a label ("Order number: ...").
    """
    s = sentence.lstrip(" \t*_>\"'`([")
    clause = re.match(r"(?:if|when|once|to|for|after|before|in|from|on|while|unless)\b[^,.;:]{0,90},\s*", s, re.I)
    if clause:
        s = s[clause.end():]
    words = _WORD.findall(s[:80])
    i = 0
    while i < len(words) and words[i].lower() in _LEAD_INS and i < 2:
        i += 1
    if i >= len(words):
        return None
    word = words[i]
    low = word.lower()
    if low not in ACTION_VERBS or verb_lemma(low) != low:
        return None
    after = s[s.find(word) + len(word):].lstrip()
    if after.startswith(":") or after[:1] in {"(", "="}:
        return None
    nxt = words[i + 1].lower() if i + 1 < len(words) else ""
    if nxt in {"id", "number", "status", "date", "history", "details", "is", "are", "was", "has",
               "will", "can", "may", "of", "fee", "fees", "limit", "limits", "amount", "type"}:
        return None
    return low


# ---------------------------------------------------------------- structure


def sections(text: str) -> list[Section]:
    """Markdown headings (``#``..``######``) and numbered titles ("9.4.2. The ps command")."""
    heads: list[tuple[int, int, str, int]] = []  # (line start, body start, title, level)
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        m = _HEADING.match(stripped)
        if m and not _CODE_LINE.match(stripped):
            heads.append((pos, pos + len(line), m["title"].strip(), len(m["hashes"])))
        else:
            n = _NUMBERED_TITLE.match(stripped)
            if n:
                heads.append((pos, pos + len(line), n["title"].strip(), n["num"].count(".") + 1))
        pos += len(line)
    out = []
    for k, (_, body, title, level) in enumerate(heads):
        end = heads[k + 1][0] if k + 1 < len(heads) else len(text)
        out.append(Section(title, level, body, end))
    return out


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def list_items(text: str) -> list[Step]:
    """Every numbered or bulleted list item, in order, with continuation lines joined in.

    A continuation is a following non-blank line that is neither a list item, a heading, a code
    line nor a table row. Items inside fenced code blocks are ignored.
    """
    items: list[Step] = []
    section, in_fence = "", False
    cur: dict | None = None
    indents: list[int] = []

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            body = text[cur["start"]:cur["end"]]
            items.append(Step(" ".join(body.split()), cur["start"], cur["end"], cur["marker"],
                              cur["number"], cur["depth"], cur["section"], leading_verb(body)))
            cur = None

    for pos, line in _lines(text):
        if _FENCE.match(line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not line.strip():
            flush()
            continue
        h = _HEADING.match(line)
        if h and not _CODE_LINE.match(line):
            flush()
            section, indents = h["title"].strip(), []
            continue
        m = _ITEM.match(line)
        if m:
            flush()
            indent = len(m["indent"].expandtabs(4))
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            num = m["num"] or m["pnum"] or m["snum"]
            cur = {"start": pos + m.start("body"), "end": pos + len(line),
                   "marker": "number" if num else "bullet", "number": int(num) if num else None,
                   "depth": len(indents) - 1, "section": section}
            continue
        if cur is not None and not _CODE_LINE.match(line) and not _TABLE_LINE.match(line):
            cur["end"] = pos + len(line)
        else:
            flush()
    flush()
    return items


def step_lists(text: str) -> list[list[Step]]:
    """Runs of sibling list items, each a candidate procedure.

    A numbered run continues while each number is one more than the last (prose between items
    is allowed, a heading ends the run); a bulleted run is consecutive bullets at one depth in
    one section. Nested items are left out of their parent's run and form runs of their own.
    """
    runs: list[list[Step]] = []
    open_runs: dict[tuple[str, int, str], list[Step]] = {}
    for item in list_items(text):
        key = (item.marker, item.depth, item.section)
        run = open_runs.get(key)
        if item.marker == "number":
            fits = run is not None and run[-1].number is not None and item.number == run[-1].number + 1
        else:
            fits = run is not None and _adjacent(text, run[-1], item)
        if fits and run is not None:
            run.append(item)
        else:
            run = [item]
            runs.append(run)
            open_runs[key] = run
        # a shallower item closes deeper runs
        for k in [k for k in open_runs if k[1] > item.depth]:
            del open_runs[k]
    return runs


def _adjacent(text: str, a: Step, b: Step) -> bool:
    """Nothing but blank lines, deeper items and code between two bullets."""
    gap = text[a.end:b.start]
    for line in gap.splitlines()[1:]:
        s = line.strip()
        if s and not (_ITEM.match(line) and len(line) - len(line.lstrip()) > 0) and not _CODE_LINE.match(line):
            if not _ITEM.match(line):
                return False
    return True


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of the prose (list items, headings, code and tables excluded)."""
    spans: list[tuple[int, int]] = []
    block_start: int | None = None
    block_end = 0
    in_fence = False
    for pos, line in _lines(text) + [(len(text), "")]:
        prose = bool(line.strip()) and not in_fence and not _ITEM.match(line) \
            and not _HEADING.match(line) and not _CODE_LINE.match(line) \
            and not _TABLE_LINE.match(line) and not _FENCE.match(line)
        if _FENCE.match(line):
            in_fence = not in_fence
        if prose:
            if block_start is None:
                block_start = pos
            block_end = pos + len(line)
            continue
        if block_start is not None:
            spans.extend(_split_sentences(text, block_start, block_end))
            block_start = None
    return spans


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, cur = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[cur:m.start()].strip():
            out.append((cur, m.start()))
        cur = m.end()
    if text[cur:end].strip():
        out.append((cur, end))
    return out


def segment_steps(text: str) -> list[Step]:
    """The document's main procedure as ordered steps.

    The best list run wins: numbered runs before bulleted ones, then the run with most
    instruction-like items, then the longest. Without a run of two or more items, the prose is
    read as steps: sentences that open with a sequencing word ("First", "Then", "Finally") or an
    action verb.
    """
    best, best_key = None, None
    for run in step_lists(text):
        if len(run) < 2:
            continue
        verbs = sum(1 for s in run if s.verb)
        key = (run[0].marker == "number" and run[0].number == 1, verbs >= len(run) / 2, verbs, len(run))
        if best_key is None or key > best_key:
            best, best_key = run, key
    if best is not None:
        return best
    steps = []
    for start, end in sentences(text):
        body = text[start:end].strip()
        verb = leading_verb(body)
        seq = body.lower().startswith(SEQUENCE_WORDS)
        if verb or seq:
            steps.append(Step(" ".join(body.split()), start, end, "sequence" if seq else "sentence",
                              None, 0, "", verb))
    return steps if len(steps) >= 2 else []


# ---------------------------------------------------------------- conditions and fields


def conditions(text: str) -> list[Condition]:
    """Every condition trigger with the sentence or list item it sits in, in text order.

    A sentence can hold several (``must ... within 30 days``); an ``if`` that is part of an
    ``only if`` is reported once, as ``only_if``.
    """
    out: list[Condition] = []
    for start, end in _clauses(text):
        taken: list[tuple[int, int]] = []
        for kind, pattern in _CONDITIONS:
            for m in pattern.finditer(text, start, end):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                amount = unit = None
                if kind == "within" and m.group(2):
                    raw = (m.group(1) or "1").lower()
                    amount = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
                    unit = m.group(2).lower().rstrip("s")
                out.append(Condition(kind, m.group(0), " ".join(text[start:end].split()),
                                     start, end, amount, unit))
    out.sort(key=lambda c: (c.start, c.end))
    return out


def _clauses(text: str) -> list[tuple[int, int]]:
    spans = [(s.start, s.end) for s in list_items(text)] + sentences(text)
    spans.sort()
    return spans


def named_fields(text: str) -> list[NamedField]:
    """Fields and identifiers the text names, in text order, duplicates kept.

    Kinds: ``named`` ("order number", "email address", "card's last four digits"), ``quoted``
    ('account_class', [Verify Identity]), ``identifier`` (snake_case names such as
    ``get_user_details``) and ``code`` (values shaped like ids: ORD-1234, #W2378156).
    """
    out: list[NamedField] = []
    seen_spans: set[tuple[int, int]] = set()

    def add(name: str, start: int, end: int, kind: str) -> None:
        if name and (start, end) not in seen_spans:
            seen_spans.add((start, end))
            out.append(NamedField(name, text[start:end], start, end, kind))  # type: ignore[arg-type]

    for m in _FIELD.finditer(text):
        words = [w.replace("’s", "").replace("'s", "") for w in m.group(1).split()]
        while words and words[0].lower() in _STOP and words[0].lower() not in _KEEP_SMALL:
            words.pop(0)
        words = [w for w in words if w.lower() not in _STOP or w.lower() in _KEEP_SMALL]
        if words and not any(w.lower() in ACTION_VERBS and w[0].isupper() for w in words[:1]):
            start = m.start(1) + m.group(1).find(words[0])
            add(snake_case(" ".join(words + [m.group(2)])), start, m.end(), "named")
    for m in _STANDALONE.finditer(text):
        if not any(f.start <= m.start() < f.end for f in out):
            add(snake_case(m.group(1)), m.start(), m.end(), "named")
    for m in _QUOTED.finditer(text):
        value = next(g for g in m.group("sq", "dq", "bq", "br") if g)
        if m.group("br") or _SNAKE.fullmatch(value) or re.fullmatch(r"[A-Z][\w ]{1,30}", value):
            add(snake_case(value), m.start(), m.end(), "quoted")
    for m in _SNAKE.finditer(text):
        add(m.group(0), m.start(), m.end(), "identifier")
    for m in _CODE_VALUE.finditer(text):
        add(m.group(0).lstrip("#"), m.start(), m.end(), "code")
    out.sort(key=lambda f: f.start)
    return out


def snake_case(phrase: str) -> str:
    """"Card's last four digits" -> "card_last_four_digits"."""
    phrase = re.sub(r"['’]s\b", "", phrase)
    return "_".join(re.findall(r"[a-z0-9]+", phrase.lower()))


# ---------------------------------------------------------------- summary for the filter


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """Counts of the evidence the filter weighs; see `features`."""

    words: int
    steps: int                # items in the main procedure (`segment_steps`)
    numbered: bool            # the main procedure is a numbered list starting at 1
    step_verbs: int           # steps that open with an action verb
    system_verbs: int         # ... whose verb acts on a system, service or person (not physical)
    physical_verbs: int       # ... whose verb only acts on things (stir, bake, fold)
    instructions: int         # list items and sentences that open with an action verb
    sequence_words: int       # sentences or items opening with first/then/next/finally
    procedural_headings: int  # "How to cancel", "Steps", "To add a user"
    conditions: int           # clauses stating a condition
    condition_kinds: int      # distinct kinds of condition
    fields: int               # distinct named fields and identifiers
    second_person: int        # you, your
    code_lines: int           # shell prompts, fenced or back-quoted command lines
    example_items: int        # list items that only introduce a code example ("- List keys:")
    table_lines: int
    past_tense: int           # narrative past-tense markers (was, announced, founded)
    dates: int                # years and month names
    definitions: int          # "X is a ...", "refers to"
    sentences: int


def features(text: str) -> TextFeatures:
    """All the counts the filter uses, from one pass over each structure."""
    steps = segment_steps(text)
    items = list_items(text)
    sents = sentences(text)
    lines = text.splitlines()
    starts = [text[a:b].lstrip() for a, b in sents] + [i.text for i in items]
    instructions = sum(1 for s in sents if leading_verb(text[s[0]:s[1]])) + sum(1 for i in items if i.verb)
    step_verbs = [s.verb for s in steps if s.verb]
    conds = conditions(text)
    code_lines = sum(1 for line in lines if _CODE_LINE.match(line))
    example_items = sum(
        1 for k, line in enumerate(lines[:-1])
        if _ITEM.match(line) and line.rstrip().endswith(":")
        and any(_CODE_LINE.match(n) for n in lines[k + 1:k + 3])
    )
    heads = [s.title for s in sections(text)] + [i.section for i in items[:1]]
    return TextFeatures(
        words=len(_WORD.findall(text)),
        steps=len(steps),
        numbered=bool(steps) and steps[0].marker == "number" and steps[0].number == 1,
        step_verbs=len(step_verbs),
        system_verbs=sum(1 for v in step_verbs if v not in PHYSICAL_ONLY),
        physical_verbs=sum(1 for v in step_verbs if v in PHYSICAL_ONLY),
        instructions=instructions,
        sequence_words=sum(1 for s in starts if s.lower().startswith(SEQUENCE_WORDS)),
        procedural_headings=sum(1 for h in set(heads) if h and _PROCEDURAL_HEADING.match(h)),
        conditions=len({(c.start, c.end) for c in conds}),
        condition_kinds=len({c.kind for c in conds}),
        fields=len({f.name for f in named_fields(text)}),
        second_person=len(_SECOND_PERSON.findall(text)),
        code_lines=code_lines,
        example_items=example_items,
        table_lines=sum(1 for line in lines if _TABLE_LINE.match(line)),
        past_tense=len(_PAST.findall(text)),
        dates=len(_YEAR.findall(text)) + len(_MONTH.findall(text)),
        definitions=sum(1 for a, b in sents if _DEFINITION.search(text[a:b].strip()[:160])),
        sentences=len(sents) + len(items),
    )
