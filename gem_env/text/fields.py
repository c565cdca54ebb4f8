"""Conditions and named fields a text states (features.py)."""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .lexicons import (
    _FIELD_INTRODUCERS, _FUNCTION_WORDS, _KEEP_SMALL, _NUMBER_WORDS, _QUOTED, _SNAKE, _TIME_UNITS,
    _TITLE_VALUE,
)
from .words import _CONDITIONS, _FIELD_HEAD_SET, _STANDALONE, lemma, tokens
from .layout import Condition, NamedField, layout


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
