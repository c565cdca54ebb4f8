"""The name of the flag a condition sentence becomes: the state it asks for, in its own words.

A flag's name reaches tool replies, so it says what holds, from the sentence's verb and object:
"You need to find the games to play it" -> ``games_found`` (the object, then the verb's
participle); "the command block must be powered" -> ``command_block_powered``; "only if you have
a valid licence" -> ``has_valid_licence``; "you must be an adult" -> ``is_adult``. The clause read
is the one after "unless" / "only if" (the condition itself), else the one with the obligation
("must", "need to", "cannot"), else the one after "if" / "when", else the sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ...text import features as tf
from .lexicon import _ADVERBS, _CANNOT, _LY_NOUNS, _PARTICLES, _ident, _regular_participle

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:'[a-z]+)?|[,;:.()!?]")
_STRONG_TRIGGERS = ("unless", "only if", "only when", "only after", "provided that", "as long as")
_TRIGGERS = ("if", "when", "once", "after") + _STRONG_TRIGGERS
#: an obligation, and the words after it that belong to it ("need to")
_OBLIGATIONS = {"must": (), "should": (), "need": ("to",), "needs": ("to",), "have": ("to",), "has": ("to",),
                "required": ("to",), "cannot": (), "can't": (), "mustn't": (), "shouldn't": ()}
_MAKE_SURE = ("make sure", "be sure", "ensure that", "ensure", "check that", "verify that", "confirm that")
_NEGATIVE_MODALS = frozenset({"cannot", "can't", "mustn't", "shouldn't"})
_NEGATIONS = frozenset({"not", "don't", "doesn't", "didn't", "never", "nor", "no"})
_BE = frozenset({"be", "is", "are", "was", "were", "been", "being"})
_HAVE = frozenset({"have", "has", "had", "need", "needs", "require", "requires"})  # "you need a licence"
_PRONOUN_SUBJECTS = frozenset({"you", "we", "i", "they", "he", "she", "it", "one", "this", "that", "there"})
_AUX = frozenset({"do", "does", "did", "will", "would", "can", "could", "may", "might", "shall", "must", "should",
                  "to"}) | _ADVERBS
_DETERMINERS = frozenset("a an the your my our their his her its this that these those any each every some all no "
                         "own other another such both either particular certain several few many more most "
                         "following".split())
#: words that end a noun phrase: punctuation, prepositions, conjunctions, relatives
_NP_END = frozenset("to for from in on at by with of into onto about via through as so since because if when unless "
                    "while before after until or and but nor which that where who whose than like using without "
                    "within once between among against across around behind along toward towards upon per over "
                    "under e g i".split()) | frozenset(",;:.()!?")


_PREPOSITIONS = frozenset("in on at for with from by into onto under over within without".split())


@dataclass(frozen=True)
class FlagName:
    name: str
    negated: bool  # the state must not hold ("Don't bring in professionals", "cards cannot be frozen")


def flag_name(sentence: str) -> FlagName | None:
    """The flag for a condition sentence; None when it lifts a requirement ("You don't have to be
    an expert") or names no state (a definition: "sudo is a program designed to ...", a value the
    source withheld: "shows [value not available] = true")."""
    if _WITHHELD.search(sentence):
        return None
    words = _name_runs_dropped([re.sub(r"'(?:ll|re|ve|d)$", "", w) for w in _WORD.findall(sentence.replace("’", "'"))])
    strong = _trigger_end(words, _STRONG_TRIGGERS)
    if strong is not None:
        return _clause_state(words, strong)
    only = _only_whom(words)
    if only is not None:
        return only
    sure = _trigger_end(words[:3], _MAKE_SURE)
    if sure is not None:  # "Make sure the printer is turned on": the clause says the state
        return _clause_state(words, sure + (words[sure:sure + 1] == ["that"]))
    fronted = _fronted_condition(words)
    if fronted is not None:
        return fronted
    duty = _obligation(words)
    if duty is not None:
        start, end = duty
        if any(w in _NEGATIONS for w in words[max(0, start - 2):start]):
            return None  # "You don't have to be an expert", "nor need to worry about ...": no rule
        negated = words[start] in _NEGATIVE_MODALS or words[start + 1:start + 3] == ["not"] or \
            words[start + 1:start + 2] == ["not"] and words[start + 2:start + 3] != ["only"]
        got = _state(words, end, _subject(words, start), any_verb=True)
        return FlagName(got.name, got.negated != negated) if got else None
    weak = _trigger_end(words, _TRIGGERS)
    if weak is not None:  # "Cards are not eligible if they were bought on sale": the state must not hold
        got = _clause_state(words, weak)
        against = bool(_CANNOT.search(" ".join(words[:weak])))
        return FlagName(got.name, got.negated != against) if got else None
    start = next((k + 1 for k, w in enumerate(words[:12]) if w == ","), 0) if words[:1] in (["here"], ["for"], ["in"]) \
        else 0  # "Here, the permission ...": past a fronted phrase
    return _clause_state(words, start)


#: the verb after the noun phrase an "Only ..." sentence restricts ("Only verified accounts *can* ...")
_ONLY_VERB = frozenset({"can", "may", "could", "will", "are", "is", "should", "must", "get", "receive", "qualify"})
#: what a restricted noun phrase's qualifier opens with: a preposition or a relative
_QUALIFIERS = frozenset({"in", "on", "under", "with", "without", "who", "that", "whose", "which"})
#: nouns of people, named as what one is ("Only the account holder can ..." -> is_account_holder)
_PEOPLE = frozenset("holder owner member user customer patient person people adult student employee subscriber admin "
                    "administrator resident".split())


def _only_whom(words: list[str]) -> FlagName | None:
    """The state an "only" restriction of who or what may act names: "Only a card in good standing
    can be upgraded" -> ``in_good_standing``; "Only verified accounts can withdraw funds" ->
    ``account_verified``; "Guest passes are available only to members with an active plan" ->
    ``has_active_plan``; "Refunds are available only to customers who kept the receipt" ->
    ``receipt_kept``; "Only the account holder can change the plan" -> ``is_account_holder``. None
    for any other sentence ("only if ..." is a trigger; "Only one payment plan can be active" a count)."""
    if words[:1] == ["only"] and words[1:2] not in (["if"], ["when"], ["after"], ["once"]):
        start = 1
        end = next((k for k in range(start, len(words)) if words[k] in _ONLY_VERB), None)
    else:
        at = next((k for k in range(1, len(words)) if words[k] in ("to", "for") and "only" in words[max(0, k - 2):k]
                   and "available" in words[max(0, k - 3):k]), None)  # "available only to", "only available for"
        if at is None:
            return None
        start = at + 1
        end = next((k for k in range(start, len(words)) if words[k] in ",;:.()!?"), len(words))
    if end is None or end <= start or words[start] in ("one", "two", "three") or words[start].isdigit():
        return None
    phrase = words[start:end]
    q = next((k for k, w in enumerate(phrase) if w in _QUALIFIERS and k > 0), None)
    if q is not None:
        at = start + q
        if phrase[q] in ("who", "that", "whose", "which"):
            return _clause_state(words[:end], at + 1)
        thing = _noun_phrase(words[:end], at + 1)
        if not thing:
            return None
        if phrase[q] == "with":
            return FlagName(_ident("has_" + "_".join(thing)), False)
        if phrase[q] == "without":
            return FlagName(_ident("has_" + "_".join(thing)), True)
        return FlagName(_ident(phrase[q] + "_" + "_".join(w for w in words[at + 1:end] if w not in _DETERMINERS)), False)
    bare = [w for w in phrase if w not in _DETERMINERS and w.isalpha()]
    if not bare:
        return None
    head = tf.lemma(bare[-1])
    if len(bare) >= 2 and bare[-2].endswith("ed"):  # "verified accounts"
        return FlagName(_ident(f"{head}_{bare[-2]}"), False)
    if head in _PEOPLE:  # "the account holder", "premium members"
        return FlagName(_ident("is_" + "_".join(bare[:-1] + [head])), False)
    return None


#: a value the source text withheld (a redaction placeholder): the sentence states nothing checkable
_WITHHELD = re.compile(r"\[(?:value not available|redacted|not available)\]", re.I)
#: a main clause that forbids or defers what the sentence is about
_FORBIDS = re.compile(r"^(?:wait|hold off|do not|don't|never)\b|\b(?:cannot|can't|can not|may not|must not|mustn't|"
                      r"unable|ineligible|not be able|not (?:be )?(?:allowed|eligible|permitted|possible))\b")
#: "If you want to ...": the fronted clause says what the reader wants, not a state
_PURPOSE = frozenset({"want", "wants", "wish", "like", "plan", "intend", "need", "prefer", "choose", "decide"})


def _fronted_condition(words: list[str]) -> FlagName | None:
    """The state a fronted condition names when its main clause forbids or defers the action: the
    state must not hold ("If you recently returned a purchase, wait for any point reversals to
    settle before redeeming" -> not ``purchase_returned``; "If the order has shipped, it cannot be
    cancelled" -> not ``order_shipped``). None for any other sentence."""
    if words[:1] not in (["if"], ["when"]):
        return None
    comma = next((k for k, w in enumerate(words) if w == ","), None)
    if comma is None or comma < 3 or _PURPOSE & set(words[1:4]):
        return None
    got = _clause_state(words[:comma], 1)
    if got is None or not (_FORBIDS.search(" ".join(words[comma + 1:])) or _undoes(words[comma + 1:], got.name)):
        return None
    return FlagName(got.name, not got.negated)


_UNDOING = ("un", "dis", "de")
#: a state and the word that undoes it ("If the phone is on, turn it off first")
_OPPOSITES = {"on": "off", "in": "out", "enabled": "disable", "connected": "disconnect"}


def _undoes(main: list[str], state: str) -> bool:
    """Whether the main clause opens by undoing the state its condition names ("If your desktop
    system mounts CDs automatically, unmount it first": the CDs must not be mounted to go on)."""
    words = [w for w in main[:3] if w not in ("please", "then", "you", "first")]
    if not words:
        return False
    done = state.rsplit("_", 1)[-1]
    base = tf.lemma(done)
    verb = tf.lemma(words[0])
    if any(verb == p + base for p in _UNDOING) or _OPPOSITES.get(done) == verb:
        return True
    return _OPPOSITES.get(done) in words[1:3]  # "turn it off"


def _name_runs_dropped(tokens: list[str]) -> list[str]:
    """The words, lower-cased, without a title a noun phrase is named by ("the Minute to Win It
    games" -> the games): two or more capitalised words, maybe joined by "to" / "of" / "the"."""
    out: list[str] = []
    k = 0
    while k < len(tokens):
        j = k
        while j < len(tokens) and (tokens[j][:1].isupper() or j > k and tokens[j] in ("to", "of", "the")
                                   and j + 1 < len(tokens) and tokens[j + 1][:1].isupper()):
            j += 1
        if k > 0 and j - k >= 2 and j < len(tokens) and tokens[j][:1].islower() and tokens[j].isalpha():
            k = j  # a title before a common noun: the noun names the thing
            continue
        out.append(tokens[k].lower())
        k += 1
    return out


def _trigger_end(words: list[str], triggers: tuple[str, ...]) -> int | None:
    """The index after the first of `triggers` in `words`."""
    for k in range(len(words)):
        for t in triggers:
            parts = t.split()
            if words[k:k + len(parts)] == parts:
                return k + len(parts)
    return None


def _obligation(words: list[str]) -> tuple[int, int] | None:
    """(index of the obligation word, index after it) of the first "must" / "need to" / "cannot"."""
    for k, w in enumerate(words):
        tail = _OBLIGATIONS.get(w)
        if tail is not None and words[k + 1:k + 1 + len(tail)] == list(tail):
            if w in ("have", "has") and k > 0 and words[k - 1] in _DETERMINERS:
                continue
            return k, k + 1 + len(tail)
    return None


def _subject(words: list[str], end: int) -> list[str]:
    """The noun phrase just before `end` in its clause ("the locale data must be compiled"); empty
    for a pronoun ("you must ...")."""
    start = end
    while start > 0 and words[start - 1] not in _NP_END and words[start - 1] not in _TRIGGERS:
        start -= 1
    phrase = [w for w in words[start:end] if w not in _DETERMINERS and w not in _AUX]
    return [] if not phrase or phrase[-1] in _PRONOUN_SUBJECTS else _head(phrase)


def _clause_state(words: list[str], start: int) -> FlagName | None:
    """The state a clause states, reading its subject first when it has one ("your desktop system
    mounts CDs", "the account is in good standing"), else from its opening verb ("using mixed sources")."""
    k = start
    while k < len(words) and words[k] not in _BE and words[k] not in _HAVE and not _finite(words, k, start):
        if words[k] in _NP_END:
            return _state(words, start, [])  # no subject: the clause opens with its verb
        k += 1
    if k >= len(words):
        return _state(words, start, [])
    subject = [w for w in words[start:k] if w not in _DETERMINERS and w not in _AUX]
    subject = [] if not subject or subject[-1] in _PRONOUN_SUBJECTS else _head(subject)
    return _state(words, k, subject)


def _finite(words: list[str], k: int, start: int) -> bool:
    """Whether words[k] is a verb after its subject ("system *mounts* CDs"): an inflected action
    verb not right after a determiner, or any verb after a subject pronoun."""
    w = words[k]
    prev = words[k - 1] if k > start else ""
    if prev in _PRONOUN_SUBJECTS and k > start and w not in _NP_END:
        return True
    return k > start and prev not in _DETERMINERS and w.endswith(("s", "ed")) and tf.verb_lemma(w) is not None


def _state(words: list[str], k: int, subject: list[str], any_verb: bool = False) -> FlagName | None:
    """The state from the verb at `k` on: "be <adjective>" -> <subject>_<adjective>, "be a <noun>"
    -> is_<noun>, "have <noun>" -> has_<noun>, "<verb> <object>" -> <object>_<participle>.
    `any_verb`: the word at `k` is a verb by its place ("need to *worry*"), known to the lexicon or not."""
    negated = False
    while k < len(words) and (words[k] in _AUX or words[k] in _NEGATIONS or _adverb(words[k])
                              or words[k] in _HAVE and k + 1 < len(words) and _perfect(words[k + 1])):
        negated |= words[k] in _NEGATIONS and words[k + 1:k + 2] != ["only"]
        any_verb |= words[k] in _NEGATIONS or words[k] in _AUX and words[k] not in _ADVERBS  # "Don't *bring* ..."
        k += 1
    if k >= len(words) or words[k] in _NP_END:
        return None
    w = words[k]
    if w in _BE:
        k += 1
        while k < len(words) and (words[k] in _NEGATIONS or words[k] in _ADVERBS):
            negated |= words[k] in _NEGATIONS
            k += 1
        if k >= len(words) or words[k] in ",;:.()!?" or words[k] in ("or", "and", "but", "nor"):
            return None
        if words[k] in ("a", "an", "the"):
            thing = _noun_phrase(words, k)
            return FlagName(_ident("is_" + "_".join(thing)), negated) if thing else None
        nxt = words[k + 1:k + 2]
        if words[k] in _NP_END or not subject and nxt and nxt[0] in _PREPOSITIONS:  # "is in good standing"
            at = k + (words[k] not in _NP_END)
            state = words[k:at + 1] + _noun_phrase(words, at + 1)
        else:  # "is turned on", "been reported lost"
            state = [words[k]] + [w for w in nxt if w.isalpha() and (w not in _NP_END or _ends(words, k + 2))]
        return FlagName(_ident("_".join((subject or ["is"]) + state)), negated)
    if w in _HAVE:
        after = _after_phrase(words, k + 1)
        done = tf.lemma(after) != after and _regular_participle(tf.lemma(after)) == after
        thing = [w for w in _noun_phrase(words, k + 1) if not (done and w == after)]
        if thing and done:  # "have a survey done"
            return FlagName(_ident("_".join(thing) + "_" + after), negated)
        return FlagName(_ident("has_" + "_".join(thing)), negated) if thing else None
    verb = _verb_of(w, any_verb)
    if verb is None:
        return None
    k += 1
    particle = ""
    while k < len(words) and words[k] in _PARTICLES:
        particle = words[k]  # "bring in professionals", "turn on the light", "log in"
        k += 1
    thing = _noun_phrase(words, k) or subject
    done = _regular_participle(verb) + (f"_{particle}" if particle and not _noun_phrase(words, k) else "")
    return FlagName(_ident("_".join(thing or ["is"]) + "_" + done), negated)


def _ends(words: list[str], k: int) -> bool:
    """Whether the clause ends at `k`."""
    return k >= len(words) or words[k] in ",;:.()!?"


def _adverb(word: str) -> bool:
    return word in _ADVERBS or word.endswith("ly") and word not in _LY_NOUNS


def _perfect(word: str) -> bool:
    """Whether `word` after "have" makes a perfect tense ("has *been*", "have *required*")."""
    return word in _BE or tf.lemma(word) != word and _regular_participle(tf.lemma(word)) == word


def _verb_of(word: str, any_verb: bool) -> str | None:
    """The verb lemma of a word in a verb's place: "using" -> use, "mounts" -> mount, "find" -> find;
    a word the lexicon does not know only when `any_verb`."""
    if word in _NP_END or word in _DETERMINERS or word in _PRONOUN_SUBJECTS or not word.isalpha():
        return None
    found = tf.verb_lemma(word)
    if found:
        return found
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        return next((c for c in (stem + "e", stem, stem[:-1]) if tf.verb_lemma(c)), None)
    return tf.lemma(word) if any_verb else None


def _noun_phrase(words: list[str], k: int) -> list[str]:
    """The head of the noun phrase at `k` and one word before it ("the source package" -> source,
    package); words in -ed or -ly and determiners left out."""
    out: list[str] = []
    while k < len(words) and words[k] not in _NP_END and not (out and words[k] in _BE):
        w = words[k]
        if w not in _DETERMINERS and not _adverb(w) and not (w.endswith("ed") and len(w) > 4) \
                and not w.isdigit() and w not in _PRONOUN_SUBJECTS and w not in ("them", "him", "her", "us"):
            out.append(w)
        k += 1
    return _head(out)


def _after_phrase(words: list[str], k: int) -> str:
    """The word after the noun phrase at `k` ("have a survey *done*")."""
    while k < len(words) and words[k] not in _NP_END:
        k += 1
    return words[k - 1] if k > 0 else ""


def _head(phrase: list[str]) -> list[str]:
    return [w for w in phrase[-2:] if w.isalnum()]
