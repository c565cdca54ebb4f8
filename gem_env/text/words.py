"""Tokens, lemmas and verbs: the word-level passes of the text analysis (features.py)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

import simplemma

from ..tools.render import a_or_an, gerund
from .lexicons import (
    ACTION_VERBS, CONDITION_PHRASES, FIELD_HEADS, STANDALONE_FIELDS, SYSTEM_NOUNS, _FRONTED_CLAUSE,
    _CAPTIONS, _FINITE, _LABEL, _LEAD_INS, _NOT_VERBS, _OBJECT_STARTERS, _REMARK_NEXT, _REMARK_VERBS, _TOKEN, _WH,
    _WORD,
)


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


_UNSEEN = object()
#: Distinct words a `Lexicon` remembers the key of before it starts over (bounds its memory).
_KEY_MEMO = 50_000


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
        self._keys: dict[str, str | None] = {}  # word -> its key, memoised (bounded, see _keys_of)

    def _key(self, word: str) -> str | None:
        if word in self._index:
            return word
        if self.lemmas and word.endswith(_INFLECTED):
            base = lemma(word)
            return base if base in self._index else None
        return None

    def _keys_of(self, words: Sequence[str]) -> list[str | None]:
        """Each word's key (itself or its lemma if indexed, else None), through the memo."""
        memo = self._keys
        if len(memo) > _KEY_MEMO:
            memo.clear()
        keys = [memo.get(w, _UNSEEN) for w in words]
        for i, key in enumerate(keys):
            if key is _UNSEEN:
                keys[i] = memo[words[i]] = self._key(words[i])
        return keys  # type: ignore[return-value]

    def matches(self, words: Sequence[str]) -> Iterator[tuple[str, int, int]]:
        """(label, index of the first word, index after the last) of each match, left to right."""
        n, end = len(words), 0
        keys = self._keys_of(words)
        for i in [i for i, key in enumerate(keys) if key]:
            if i < end:
                continue
            for phrase, label in self._index[keys[i]]:  # type: ignore[index]
                k = len(phrase)
                if i + k <= n and all(words[i + j] == phrase[j] or keys[i + j] == phrase[j]
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
def common_word(word: str, after_article: bool = False) -> bool:
    """Whether a capitalised word is a common English word rather than a name: simplemma keeps a
    name's capital in its lemma ("Oregon", "Twitter", "Danes" -> "Dane") and lowers a common
    word's ("Profit" -> "profit", "Problems" -> "problem"). `after_article`: the word follows an
    article or an adjective ("a Lost Village"), where only a word simplemma does not know in lower
    case ("a Samsung") is a name."""
    lem = simplemma.lemmatize(word, lang="en")
    return bool(lem) and (lem[:1].islower() or after_article and known_word(word))


def known_word(word: str) -> bool:
    """Whether `word` is an English word simplemma knows ("jail", "database"), not a program's or
    an option's name ("radvd", "umask", "nodeflate")."""
    return simplemma.is_known(word.lower(), lang="en")


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


@lru_cache(maxsize=8192)
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


#: a noun phrase of up to four words then a modal passive: the sentence's subject, no instruction's object
_PASSIVE_AFTER = re.compile(r"(?:[\w-]+\s+){1,4}(?:may|might|must|can|could|should|will|would)\s+(?:not\s+)?be\s+[a-z]+(?:ed|en)\b",
                            re.I)
_CODE_STATEMENT = re.compile(r";\s*(?:$|[a-z_]+\()")
"""A statement's end: a code line ("type myapp_exec_t; domain_type(myapp_t)"), not prose."""


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
    if low in _REMARK_VERBS and (nxt in _REMARK_NEXT or after[:1] == ","):
        return None
    third = words[i + 2].lower() if i + 2 < len(words) else ""
    if nxt not in _OBJECT_STARTERS and nxt not in _WH and _PASSIVE_AFTER.match(after):
        return None  # a subject before its passive: "file names with non-ASCII characters may be encoded"
    if third in _FINITE and nxt not in _OBJECT_STARTERS and nxt not in _WH:
        return None  # a noun phrase before its verb: "Read access gives the right to ...", "Return value is 0"
    if low in _CAPTIONS and after[:1].isdigit() or word[:1].islower() and _CODE_STATEMENT.search(s):
        return None  # "Figure 14.1."; a line of code ("type myapp_t;", "allow myapp_t self:process signal;")
    if low in ACTION_VERBS:
        return low
    if nxt in _OBJECT_STARTERS and word[:1].isupper() and lemma(low) == low \
            and not low.endswith(("ly", "ing", "ed")):
        return low
    return None


def indefinite(noun: str) -> str:
    """`noun` with its indefinite article by its sound: "an account", "a card", "a user"."""
    return f"{a_or_an(noun)} {noun}"


def articled(text: str) -> str:
    """`text` with "a" before a word opening with a, e, i or o made "an" ("A order's details" ->
    "An order's details"); "a user", "a unit" stay."""
    return _A_BEFORE_VOWEL.sub(lambda m: m.group(1) + "n ", text)


_A_BEFORE_VOWEL = re.compile(r"\b([Aa]) (?=[aeioAEIO]\w)")



#: verbs said after another in a title ("send and receive money") that the action lexicon leaves out
_PAIRED_VERBS = frozenset("receive keep view manage track share earn redeem spend save".split())


#: two nouns whose first is also an action verb: a thing's name, not a doing
_NOUN_COMPOUNDS = frozenset(f"{a} {b}" for a, bs in {
    "credit": "card cards score limit line", "debit": "card cards", "cash": "back", "return": "policy policies",
    "order": "status history", "transfer": "limit limits", "check": "deposit deposits", "change": "log"}.items()
    for b in bs.split())


def doing(phrase: str) -> str:
    """A task named by its verb, as an activity: "return an item" -> "returning an item", "freeze
    or unfreeze a card" -> "freezing or unfreezing a card"; a phrase not opening with an action verb
    as it is."""
    words = phrase.split(" ")
    if not words or words[0].lower() not in ACTION_VERBS or " ".join(words[:2]).lower() in _NOUN_COMPOUNDS:
        return phrase  # "credit card retention protocol" names a thing (was "crediting card ...")
    words[0] = gerund(words[0])
    if len(words) > 2 and words[1] in ("or", "and") and (words[2].lower() in ACTION_VERBS or
                                                         words[2].lower() in _PAIRED_VERBS):
        words[2] = gerund(words[2])
    return " ".join(words)
