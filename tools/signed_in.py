"""The customer a session is signed in as, in the words of the assistant's system prompt.

A service whose customers use it signed in (an app on their own device, their account's help
centre) knows who they are before they say a word (`Domain.signed_in`). The prompt tells the
assistant so in one sentence, and an assistant reads the facts back from it; both sides use this
module, so what one writes the other reads.
"""
from __future__ import annotations

import re
from typing import Any

from .render import plain_words

_LEAD = "The customer is signed in with "


def signed_in_line(facts: dict[str, Any]) -> str:
    """"The customer is signed in with the email ben.okafor@example.com."; "" for no facts."""
    if not facts:
        return ""
    return _LEAD + " and ".join(f"the {plain_words(k)} {v}" for k, v in facts.items()) + "."


def signed_in_facts(prompt: str, keys: list[str] | tuple[str, ...] | frozenset[str]) -> dict[str, str]:
    """The facts `signed_in_line` wrote into `prompt`, for the `keys` the reader knows of."""
    line = next((ln for ln in prompt.splitlines() if ln.startswith(_LEAD) and ln.endswith(".")), "")
    if not line:
        return {}
    parts = line[len(_LEAD):-1]
    found: dict[str, str] = {}
    for key in keys:
        m = re.search(rf"(?:^|\band )the {re.escape(plain_words(key))} (.+?)(?= and the |$)", parts)
        if m:
            found[key] = m.group(1)
    return found
