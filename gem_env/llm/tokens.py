"""Token counts estimated without a tokenizer, for context budgets.

Models differ and tokenizer files cannot be fetched at run time, so counts are estimated: a run of
letters is a token per 5 letters (at least one), digits go in threes, a run of punctuation a token
per 3 characters (JSON's `":"` and `"},{"` are one or two tokens). On English prose and on JSON this lands at or a little above
what BPE tokenizers (Llama, Qwen, GPT) count, which is the safe side for a budget.
"""
from __future__ import annotations

import re

_PIECES = re.compile(r"[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]+")


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is, erring high."""
    total = 0
    for piece in _PIECES.findall(text):
        if piece[0].isdigit():
            total += 1
        else:
            total += -(-len(piece) // (5 if piece[0].isalpha() else 3))
    return total
