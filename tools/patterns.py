"""Regular expressions built at run time, compiled once.

The agent and the user simulator build patterns from the values of a conversation ("\\bACC-1\\b",
"because ... high bill") and read the whole conversation again on every turn. Through `re.search`
with a pattern string they went through `re`'s own cache of 512 patterns, which a rollout overflows:
a pattern was compiled again, turn after turn (a third of the offline rollout's CPU). `compiled`
keeps 8,192 (about 15 MiB when full), least recently used first out.

`SENTENCE_BREAK` is where the agent and the user simulator both split a message into sentences.
"""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=8192)
def compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, kept."""
    return re.compile(pattern, flags)


#: the space after a sentence's end; not after a title or an abbreviation of an address
#: ("Dr. Lee", "2996 Arthur Station Apt. 745": an address cut there lost its apartment and city)
SENTENCE_BREAK = re.compile(r"(?<=[.!?])" + "".join(rf"(?<!\b{a}\.)" for a in (
    "Dr", "Mr", "Ms", "Mrs", "St", "Apt", "Ste", "Jr", "Sr", "Ave", "Rd", "Blvd")) + r"\s+")


WORD_ID = re.compile(r"[a-z]{3,20}")
"""A record id a person says as a word ("premium" of a plan, "economy" of a cabin), not a code."""
_ID_BEFORE_WORD = re.compile(r"\{(\w+_id|id)\}(?=\s+[A-Za-z])")


def ids_said_as_words(goal: str, knows: dict) -> set[str]:
    """The id placeholders of a goal that a person says in its sentence: a word-like id ("premium")
    between the goal's own words ("switch to the {plan_id} plan" -> "... to the premium plan"); any
    other id is given as a fact or asked for. With `knows` empty, every id placed so (for a reader
    that does not know the values yet)."""
    return {k for k in _ID_BEFORE_WORD.findall(goal) if not knows or WORD_ID.fullmatch(str(knows.get(k, "")))}
