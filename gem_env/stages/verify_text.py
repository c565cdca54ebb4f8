"""Whether a value is said in a text: shared by verification's checks."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from ..tools.render import date_words, when_words

_NUM = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_SPACES = re.compile(r"\s+")


def _number(m: re.Match[str]) -> str:
    s = m.group(0).replace(",", "")
    return s.rstrip("0").rstrip(".") if "." in s else s


@lru_cache(maxsize=4096)
def _normalise(text: str) -> str:
    """Lower-case, drop thousands separators and trailing zeros so 1,200.50 matches 1200.5.

    Kept per text: verification asks about every required output (and each of its spoken forms)
    in every assistant message, so without the cache each message was normalised once per
    question; one verification stays well inside the cache."""
    return _SPACES.sub(" ", _NUM.sub(_number, text.lower()))


@lru_cache(maxsize=4096)
def _pattern(value: str) -> tuple[str, re.Pattern[str]] | None:
    """(the value normalised, its whole-words pattern), or None for a value with no words."""
    needle = _normalise(value).strip()
    return (needle, re.compile(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)")) if needle else None


def said(value: str, text: str) -> bool:
    """`value` appears in `text` as whole words ("open" is not said by "open_card_account",
    nor "12" by "123").

    The pattern opens with a look-behind, so ``search`` tried it at every character (~40 µs on a
    1.4 KB tool reply without the value); instead ``str.find`` finds each occurrence of the value
    and the pattern is matched there (its look-behind sees the text before that position): a
    match of the pattern starts with the value, so the first occurrence that matches is the
    first match ``search`` would find."""
    found = _pattern(value)
    if found is None:
        return False
    needle, pattern = found
    haystack = _normalise(text)
    at = haystack.find(needle)
    while at >= 0:
        if pattern.match(haystack, at) is not None:
            return True
        at = haystack.find(needle, at + 1)
    return False


def spoken_forms(value: str) -> list[str]:
    """Ways a value may be said: as it is, a code in words ("gift_card" as "gift card"), an ISO date
    written out ("2025-02-27" as "February 27, 2025"), an ISO date-time to the minute
    ("2025-03-02T17:00:00" as "March 2, 2025 at 5:00 pm")."""
    forms = [value]
    if "_" in value and re.fullmatch(r"[a-z0-9_]+", value):
        forms.append(value.replace("_", " "))
    for written in (date_words(value), when_words(value)):
        if written not in forms:
            forms.append(written)
    return forms


def message_text(m: dict[str, Any]) -> str:
    """A message's content as text (content parts or null written as JSON)."""
    c = m.get("content")
    return c if isinstance(c, str) else json.dumps(c)
