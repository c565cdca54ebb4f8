"""What the service's own text says happens around a change — timing, fees, next steps — in the
assistant's voice.

The compiled domain keeps the sentences it was built from (its policy rules and the provenance
spans). A sentence is kept for a workflow when it tells an outcome (a time frame, a fee, a refund,
something "we" do or "you" receive), is about that workflow's action, and reads as a statement to
the customer once rewritten from the document's voice into the agent's ("We give you a dispute
number and reply within 10 business days" -> "We'll give you a dispute number and reply within 10
business days"). Rules that can block the change ("must", "cannot", "only") are the refusals'
business, instructions to staff are dropped, and a sentence that applies only in one case ("For
fraud we also ...") is said only when the request's own values name that case. Nothing is added
that the text does not say: the rewrite changes person and tense, never content.
"""
from __future__ import annotations

import re
from typing import Any

from gem_env.tools import CompiledDomain, Domain, Workflow
from gem_env.tools.model import IfStep, RequireStep, every_step
from gem_env.tools.render import smooth

_OUTCOME = re.compile(
    r"\bwithin (?:\d+|a few|several)\b|\b\d+\s*(?:business |working |calendar )?(?:days?|hours?|weeks?|months?)\b|\bfees?\b|\brefund"
    r"|\bcredit(?:ed)?\b|\bwe(?:'ll| will)\b|\byou(?:'ll| will)\b|\byou (?:receive|get|see)\b|\bwe (?:also |then )?"
    r"(?:give|send|email|reply|respond|notify|review|contact|freeze|issue|process|credit|refund|mail|replace|keep"
    r"|investigate|charge|ship|waive|deliver|call|text|hold|release|post|apply)\b"
    r"|\bconfirmation\b|\bnotif|^[A-Z][a-z]+ (?:the|your) (?:prices?|fees?|costs?|charges?):\s*[$\u20ac\u00a3]\s?\d",
    re.IGNORECASE)
# a step that states what the change costs ("Check the price: $35 for the first extra bag and $50 for each one
# after it."): said as the price, as the prompt's policy says it
_PRICE_STEP = re.compile(r"^[A-Z][a-z]+\s+(?:the|your)\s+(?P<noun>prices?|fees?|costs?|charges?):\s*"
                         r"(?P<rest>[$\u20ac\u00a3]\s?\d.*)$", re.IGNORECASE)
# a rule that can block the change ("Editing remains locked within 13 hours"), a question, or a note to
# staff: not an outcome to tell
_RULE = re.compile(r"\b(?:must|cannot|locked|can't|can not|only|not eligible|eligibility|required|requirement|never|do not"
                   r"|don't|prohibited|not allowed|should|ensure|verify|important|note:|agent|internal|escalat"
                   r"|tell them|ask them|they|them|their|representative|example|advise|incorrect|invalid|error)\b|\?|(?-i: AND )| - |'s\b"
                   r"|\bof you\b|\byou wants?\b|\bstep \d", re.IGNORECASE)
_IMPERATIVE = re.compile(
    r"^(?:add|apply|ask|call|check|choose|click|complete|confirm|contact|enter|find|follow|go|keep|log|make|monitor"
    r"|navigate|note|open|pay|place|provide|review|select|send|share|sign|submit|tap|tell|update|upload|use|visit"
    r"|wait|await|record|document|offer|inform|explain|process|escalate|transfer|set|save|watch|download|enable|disable"
    r"|turn|schedule|consider|remember|expect|look|try|be|avoid|encourage|request|earn|cancel|reschedule|return"
    r"|renew|freeze|book)\b", re.IGNORECASE)
# (also a list introduced by a colon: "... which question you are asking: Canceling subscriptions, Late
# on a payment, ..."; a time frame of nothing: "processing time is 0 business days")
_NOISE = re.compile(r"\b[A-Z]{2,}-\d+\b|\[[^\]]*\]|\{[^}]*\}|\b[a-z]+_[a-z_]+\b|\w*[a-z]\d\w*|\([^)]*,[^)]*\)|https?://|\||\btool\b"
                    r"|:\s+[A-Z][^,:]*,\s*[A-Z][^,:]*,|\b0 (?:business |working |calendar )?(?:days?|hours?|weeks?)\b",
                    re.IGNORECASE)
_PAREN = re.compile(r"\s*\((?:for example|e\.g\.|for instance|such as|see)\b[^)]*\)", re.IGNORECASE)
_MARKUP = re.compile(r"[*`#>_]{1,3}")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_CUSTOMER = re.compile(r"\b(?:the|a) (?:customer|cardholder|account ?holder|member|client|user|guest|patient|caller)"
                       r"\b|\bcustomers\b", re.IGNORECASE)
# an eligibility requirement ("The customer has no checking accounts closed in the past 6 months"): a
# condition checked before the change, not something that happens
_REQUIREMENT = re.compile(r"^(?:the |an? )?(?:customer|cardholder|account ?holder|member|client|applicant|user)(?:'s)?"
                          r"(?: \w+)? (?:is|has|does|meets|holds|exceeds|was|had)\b", re.IGNORECASE)
_WE_VERB = re.compile(r"(^|, |\band |\b[Ff]or [a-z ]{1,30} )([Ww])e (also |then |usually |typically |normally )?(?!will\b|'ll\b|are\b|were\b|have\b|had\b"
                      r"|can\b|could\b|may\b|might\b|do\b|did\b|would\b|should\b|need\b)([a-z]+)\b")
_YOU_VERB = {"is": "are", "was": "were", "has": "have", "does": "do"}
_CONDITION = re.compile(r"^(?:for|with|on) ([^,]{1,40}?)(?:,\s*|\s+(?=we\b|you\b|the\b|it\b|your\b))",
                        re.IGNORECASE)
# a subject narrowed to one case ("Transfers to other banks arrive within 1 business day"): said only
# when the request names that case, not after a transfer between the customer's own accounts
_QUALIFIED = re.compile(r"^[A-Z][a-z]+s (?:to|from|between|with|at|in) ((?:other|another|external|international"
                        r"|your own|someone else's|different) [a-z]+)\b")
# a subject of one kind ("External transfers typically complete in 1 business day": not of a transfer
# between the customer's own accounts; "Silver member get a refund if ...": not of any member)
_KIND_OF = re.compile(r"^(?:standard |regular )?(external|international|domestic|outgoing|incoming|wire|foreign"
                      r"|interbank|overseas|cross-border|same-day|instant|expedited|gold|silver|bronze|platinum"
                      r"|guest) [a-z]+\b", re.IGNORECASE)
# a consequence under a condition ("If unauthorized activity is confirmed, we'll replace your card
# number"): said only where the request names it, not after a dispute for a duplicate charge
_IF = re.compile(r"^if ([^,;]{3,80}),", re.IGNORECASE)
_CASE_COMMA = re.compile(r"^((?:For|With|On) [a-z ]{1,40}?) (we'll|you'll)\b")
_LABEL = re.compile(r"^([A-Z][A-Za-z -]{2,40}):\s+(\S.*)$")
_GENERIC = frozenset("update change set edit modify create make add get".split())
_HANDOFF = re.compile(r"human|agent|person|escalat|representative")
_MAX = 180
# a sentence, or a list item without its full stop ("Early closure fee: $15 if closed within 30 days")
_STATEMENT = re.compile(r"^[A-Z].*[^:;,\s]$")
_TITLE = re.compile(r"^(?:[A-Z0-9][\w'’-]*\s+(?:(?:a|an|the|of|by|for|and|or|to|in|on|with)\s+)*)+[A-Z0-9][\w'’-]*$")


# the past participles a root's regular prefix does not reach ("frozen" of "freeze", "paid" of
# "pay"): a sentence saying "a frozen card" is about freezing it
_IRREGULAR = {"freez": ("frozen", "froze"), "unfreez": ("unfrozen",), "pay": ("paid",), "send": ("sent",),
              "hold": ("held",), "buy": ("bought",), "lend": ("lent",), "spend": ("spent",), "mak": ("made",),
              "choos": ("chosen", "chose"), "withdraw": ("withdrawn", "withdrew"), "giv": ("given", "gave"),
              "tak": ("taken", "took"), "ris": ("risen", "rose"), "writ": ("written", "wrote"),
              "undo": ("undone",), "renew": ("renewal",), "issu": ("issuance",)}


def names(words: set[str] | list[str], root: str) -> bool:
    """Whether one of `words` is a form of `root` ("closed", "closure" of "clos"; "frozen" of "freez")."""
    forms = _IRREGULAR.get(root, ())
    return any(w.startswith(root) or w in forms for w in words)


_SMALL = frozenset("a an the and or of to for in on at by with from your our you we how what when why can do does "
                   "internal procedure procedures guide".split())


def _content(text: str) -> set[str]:
    """The words that say what a text is about ("Open a savings account" -> {"open", "savings",
    "account"}, also as "saving"): no small words."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if len(w) >= 4 and w not in _SMALL:
            out |= {w, w[:-1] if w.endswith("s") else w}
    return out


def _roots(name: str, entity: str) -> list[str]:
    """The words a sentence must carry to be about an action named `name` ("close_account" ->
    ["clos"]; "update_card_spending_limit" on cards -> ["spending", "limit"]): its verb, or what
    a generic verb changes, each without a final "e" so "closed" and "closure" match "close"."""
    words = [w for w in name.lower().split("_") if w]
    if not words:
        return []
    if words[0] not in _GENERIC:
        picked = words[:1]
    else:
        picked = [w for w in words[1:] if w != entity and len(w) >= 4] or words[1:]
    # (and without a plural's "s": "bags" is about "the first extra bag")
    return [w[:-1] if w.endswith("e") and len(w) > 4 or re.fullmatch(r"[a-z]{2,}[^s]s", w) else w for w in picked]


# a note to staff that says what to tell the customer: what follows is said to them
_TELL = re.compile(r"^(?P<case>(?:if|when|once|after)\b[^,]{3,80},\s*)?(?:then\s+)?(?:inform|tell|let|remind|explain to"
                   r"|notify|assure|reassure) (?:the )?(?:customer|user|caller|member|cardholder|client)(?: know)?"
                   r"(?: that)?\s+(?P<said>[a-z].+)$", re.IGNORECASE)


def _told(text: str) -> str:
    """"If already shipped, tell the customer you can add a credit back to their account" -> "If
    already shipped, I can add a credit back to your account": the staff member's "you will" / "you
    can" becomes the agent's "I'll" / "I can", the customer's "they" becomes "you". Any other "you"
    (whose?) leaves the sentence as it was, to be dropped as an instruction."""
    m = _TELL.match(text)
    if m is None:
        return text
    said = re.sub(r"\byou(?: will|'ll)\b", "I'll", m.group("said"))
    said = re.sub(r"\byou (can|could|may)\b", r"I \1", said)
    if re.search(r"\byou\b", said, re.IGNORECASE):
        return text
    said = re.sub(r"\btheir\b", "your", re.sub(r"\b(?:they|them)\b", "you", said))
    said = re.sub(r"\byou (is|was|has|does)\b", lambda w: f"you {_YOU_VERB[w.group(1)]}", said)
    case = m.group("case") or ""
    return f"{case[:1].upper()}{case[1:]}{said if case else said[:1].upper() + said[1:]}"


def voice(sentence: str) -> str | None:
    """The sentence as the agent says it to the customer, or None when it cannot be said as a
    plain statement (an instruction, a rule, markup, a note to staff)."""
    text = _told(_PAREN.sub("", _MARKUP.sub("", sentence)).strip().rstrip(":;,"))
    if (priced := _PRICE_STEP.match(text)) is not None:
        noun = priced["noun"].lower()
        text = f"The {noun} {'are' if noun.endswith('s') else 'is'} {priced['rest']}"
    if len(text.split()) < 6 or len(text) > _MAX or _NOISE.search(text) or _IMPERATIVE.match(text) \
            or _TITLE.match(text):
        return None
    if m := _LABEL.match(text):  # "Early closure fee: $100 if closed within 90 days"
        label, rest = m.group(1).strip(), m.group(2).strip()
        if not re.match(r"[$\d]", rest) or ":" in rest:
            return None
        text = f"The {label[:1].lower() + label[1:]} is {rest}"
    if _REQUIREMENT.match(text):
        return None
    text = _CUSTOMER.sub("you", text)
    text = re.sub(r"\byou (is|was|has|does)\b", lambda m: f"you {_YOU_VERB[m.group(1)]}", text)
    text = re.sub(r"\byou ([a-z]+[^s])s\b", r"you \1", text)  # "you receives" -> "you receive"
    if _RULE.search(text):
        return None
    text = re.sub(r"\b([Ww])e will\b", r"\1e'll", text)
    text = _WE_VERB.sub(lambda m: f"{m.group(1)}{m.group(2)}e'll {m.group(3) or ''}{m.group(4)}", text)
    text = _CASE_COMMA.sub(r"\1, \2", text[:1].upper() + text[1:])  # "For fraud, we'll also ..."
    text = _ONE.sub(r"1 \1", _MAYBE_PLURAL.sub(_plural_as_counted, text))
    return smooth(text if text.endswith((".", "!")) else text + ".")


# "within 1 business day(s)": a noun whose plural the document left open
_MAYBE_PLURAL = re.compile(r"\b(?:(\d+(?:\.\d+)?) ((?:[a-z]+ )?))?([A-Za-z]+)\(s\)")

# "in 1 business days" as the document wrote it
_ONE = re.compile(r"(?<![\d.,])\b1 ((?:business |working |calendar )?(?:day|hour|week|month|year))s\b")


def _plural_as_counted(m: re.Match[str]) -> str:
    """"1 business day(s)" -> "1 business day", "3 month(s)" -> "3 months", "account owner(s)" ->
    "account owners" (no count: any number of them)."""
    count, between, noun = m.group(1), m.group(2) or "", m.group(3)
    if count is not None and float(count) == 1:
        return f"{count} {between}{noun}"
    return f"{count + ' ' if count else ''}{between}{noun}s"


def case_of(sentence: str) -> str | None:
    """The case a sentence for one case names ("For fraud, we'll also ...": "fraud"; "External
    transfers ...": "external"; "If the new flight costs more, ...": "the new flight costs more");
    else None."""
    m = _CONDITION.match(sentence) or _QUALIFIED.match(sentence) or _KIND_OF.match(sentence) or _IF.match(sentence)
    return m.group(1).lower() if m else None


def for_one_case(sentence: str) -> bool:
    """Whether the sentence tells what happens in one case only ("For fraud, we'll also freeze the
    card"): `Guidance.about` keeps it only for a request whose values name that case, so it is a
    consequence of this very request, to tell before it is made."""
    return case_of(sentence) is not None


def _outcomes(texts: list[str], rules: tuple[str, ...] = ()) -> list[tuple[str, set[str]]]:
    """(as said, the words of the source sentence) of each outcome sentence in `texts`, once; none
    that is part of a rule's message (`rules`, lower case: "Editing is locked within 13 hours" is
    told when it refuses, never as what happens after a change went through)."""
    return [(said, set(re.findall(r"[a-z]+", raw.lower()))) for raw, said in _outcome_sentences(texts, rules)]


def _outcome_sentences(texts: list[str], rules: tuple[str, ...]) -> list[tuple[str, str]]:
    """(as the text writes it, as said) of each outcome sentence in `texts`, once (`_outcomes`)."""
    seen: dict[str, tuple[str, str]] = {}
    for text in texts:
        for raw in _SENTENCES.split(text):
            raw = " ".join(raw.split())
            if raw.lower() in seen or not _OUTCOME.search(raw) or not _STATEMENT.match(raw) \
                    or any(raw.lower() in r for r in rules):
                continue
            said = voice(raw)
            if said is not None:
                seen[raw.lower()] = (raw, said)
    return list(seen.values())


def _sources(domain: Domain) -> tuple[list[str], list[str], tuple[str, ...]]:
    """The texts a domain's outcome sentences come from: its policy and provenance spans, and its
    tools' own spans; and its rules' messages (lower case), which are no outcomes."""
    texts = [p.text for p in domain.policy] + [s.text for s in domain.provenance.spans if s.text]
    own = [t.span.text for t in domain.tools if t.span is not None and t.span.text]
    rules = tuple(" ".join(st.message.split()).lower() for t in domain.tools for st in every_step(t.effect or [])
                  if isinstance(st, RequireStep) and st.message)
    return texts, own, rules


def outcome_texts(domain: Domain) -> list[str]:
    """Every outcome sentence `Guidance` may tell, as the text writes it: what the assistant's
    system prompt lists, so the assistant is given every consequence it states."""
    texts, own, rules = _sources(domain)
    return [raw for raw, _ in _outcome_sentences(texts + own, rules)]


class Guidance:
    """The outcome sentences of a domain's text, found once, handed out per workflow and request."""

    def __init__(self, compiled: CompiledDomain) -> None:
        domain = compiled.domain
        texts, own, rules = _sources(domain)
        self._sentences = _outcomes(texts, rules)
        # a tool's own source text is about that tool whatever verbs it uses ("Block takes effect ...")
        self._own = {t.name: [said for said, _ in _outcomes([t.span.text], rules)] for t in domain.tools
                     if t.span is not None and t.span.text}
        # the cases a tool's own conditions test ("reason == 'fraud'"): a sentence for such a case
        # ("For fraud we also freeze the card") is about that tool whatever its words
        self._cases = {t.name: _tested(t.effect or []) for t in domain.tools}
        # the verbs of the domain's other writes ("cancel"): a sentence about one of them is not about
        # this write ("All reservations can be cancelled within 24 hours ..." after moving a flight)
        self._verbs = {name: _roots(name, "")[0] for name, t in compiled.tools.items()
                       if t.writes and name.split("_")[0] not in _GENERIC and _roots(name, "")
                       and not _HANDOFF.search(name)}  # "transfer" to a person says nothing of a transfer
        known = {said for said, _ in self._sentences}
        self._sentences += [(said, words) for said, words in _outcomes(own, rules) if said not in known]
        # the action the text is about, by its title ("Open a savings account"): what it says happens
        # ("Your new account number appears at once ...") is that action's outcome, in its words or not
        self._title = _content(re.sub(r"\s*\(.*$", "", domain.description))
        nouns = {s.tool: compiled.noun(w.anchor.table) for w in domain.workflows for s in w.steps}
        named = {name: r for name, t in compiled.tools.items() if t.writes and not _HANDOFF.search(name)
                 and (r := _roots(name, nouns.get(name, ""))) and not any(x in nouns.get(name, "") for x in r)
                 and all(names(self._title, x) for x in r)}
        # the most specific of them ("Change the shipping address of an order": the order's, not the profile's)
        self._topic = {name for name, r in named.items() if not any(set(r) < set(o) for o in named.values())}

    def about(self, workflow: Workflow, write: str, entity: str, values: dict[str, Any]) -> list[str]:
        """The sentences about this workflow's write (none for a hand-off to a person): each carries
        the write's verb (or what a generic verb changes), and a sentence for one case only ("For
        fraud we'll also ...") is kept when the request's values name that case."""
        if not write or _HANDOFF.search(write):
            return []
        roots = _roots(write, entity)
        said = " ".join(str(v).lower() for v in values.values() if isinstance(v, (str, int, float)))
        own, cases = self._own.get(write, []), self._cases.get(write, frozenset())
        mine = self._verbs.get(write)
        others = {v for t, v in self._verbs.items() if v != mine}
        out = []
        for sentence, words in self._sentences:
            case = case_of(sentence)
            if sentence not in own and case not in cases and (not roots or not all(names(words, r) for r in roots)) \
                    and not (write in self._topic and _content(sentence) & self._title):
                continue
            if sentence not in own and case not in cases and any(names(words, o) for o in others) \
                    and not (mine and names(words, mine)):
                continue  # another write's outcome (not a case this write's own conditions test: "For
                # fraud, we'll also freeze the card" is the dispute's, whatever other write freezes)
            if case is not None and case not in said:
                continue
            out.append(sentence)
        return out


# a clause that waits for the change itself ("... within several business days after the account is closed")
_ONCE_DONE = re.compile(r",?\s+(?:after|once|when) (?:the|your) [a-z ]{1,30}? (?:is|are|has been|have been) ([a-z]+)\.$")


def once_done(sentence: str, write: str, entity: str) -> str:
    """The sentence as said once the change went through: a closing clause that waits for that change
    is left out ("You will receive a final statement within several business days after the account is
    closed." -> "... within several business days."), since the change is made, and the document's
    name for the record ("the account" of a card) need not be the one the customer knows it by."""
    m = _ONCE_DONE.search(sentence)
    roots = _roots(write, entity)
    if m is None or not roots or not m.group(1).startswith(roots[0]) or len(sentence[:m.start()].split()) < 6:
        return sentence
    return sentence[:m.start()] + "."


_QUOTED = re.compile(r"'([^']+)'")


def _tested(steps: list) -> frozenset[str]:
    """The quoted values the conditions among `steps` compare with, lower case ("fraud")."""
    return frozenset(v.lower() for st in every_step(steps) if isinstance(st, IfStep) for v in _QUOTED.findall(st.if_))
