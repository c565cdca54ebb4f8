"""Whether a value was said in a text, as whole words and numbers (used by verify and its kinds;
kept apart so that neither imports the other back)."""
from __future__ import annotations

import re

_NUM = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _normalise(text: str) -> str:
    """Lower-case, drop thousands separators and trailing zeros so 1,200.50 matches 1200.5."""
    def num(m: re.Match) -> str:
        s = m.group(0).replace(",", "")
        return s.rstrip("0").rstrip(".") if "." in s else s
    return re.sub(r"\s+", " ", _NUM.sub(num, text.lower()))


def said(value: str, text: str) -> bool:
    """`value` appears in `text` as whole words ("open" is not said by "open_card_account",
    nor "12" by "123")."""
    needle = _normalise(value).strip()
    if not needle:
        return False
    return re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)", _normalise(text)) is not None
