"""Whether a value is said in a text: shared by verification's checks."""
from __future__ import annotations

import re
from functools import lru_cache

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
def _pattern(value: str) -> re.Pattern[str] | None:
    """The whole-words pattern of a value, or None for a value with no words."""
    needle = _normalise(value).strip()
    return re.compile(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)") if needle else None


def said(value: str, text: str) -> bool:
    """`value` appears in `text` as whole words ("open" is not said by "open_card_account",
    nor "12" by "123")."""
    pattern = _pattern(value)
    return pattern is not None and pattern.search(_normalise(text)) is not None
