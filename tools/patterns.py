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
