"""Curated lexicons and patterns of the text analysis (features.py)."""
from __future__ import annotations

import re
from typing import Literal


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
#: Words an instruction can start with that are never its verb: determiners, pronouns, and the
#: prepositions and connectives a remark opens with ("Through this mechanism, AppArmor confines
#: ...", "Likewise, some rights ...", "Such a method works", "Voilà: the package is created"), or
#: a warning or an illustration ("Beware that ...", "Imagine that ..."), never a step.
_NOT_VERBS = frozenset(
    "only all both each every most many some any this these those that there here what which who "
    "how why when where it they we you he she one no not also even just very more less your our "
    "my their his her its a an the "
    "through with at by of in on for from to into onto upon via per under over during without within "
    "among between beyond besides despite such likewise otherwise instead however therefore thus hence "
    "moreover furthermore still yet perhaps maybe as since because although though whereas either "
    "neither nor another other same several few voil attention beware imagine".split()
)
#: Verbs that introduce a remark, not a step, when "that", a question word or a comma follows:
#: "Note that the program does not ...", "Notice that this access request ...", "Note, however, ..."
#: (while "Note the confirmation number" is a step).
_REMARK_VERBS = frozenset("note notice remember suppose assume recall realize realise observe understand".split())
_REMARK_NEXT = frozenset("that how what whether why".split())
#: A statement's verb after a two-word subject ("Read access *gives* ..."), never an instruction's
#: third word unless a question word comes between ("Install what is needed").
_FINITE = frozenset("is are was were has have will can cannot may must should gives allows lets means provides "
                    "requires contains shows lists".split())
_WH = frozenset("what which whatever whichever how where when who whom whether if".split())
#: A caption's label before its number ("Figure 14.1."), not the verb "figure".
_CAPTIONS = frozenset("figure table example listing chapter section".split())
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
_NUMBERED_TITLE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})+)\.?[ \t\xa0]+(?P<title>[A-Z][^\n]{0,80})$")
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
