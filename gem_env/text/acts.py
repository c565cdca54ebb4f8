"""The document as a sequence of acts on a machine: the published criterion's "multi-step
operations involving the use of a machine", read line by line rather than as a bag of words.

Each line is one of:

- a *command act*: a shell line (``$ cmd``, ``# cmd``) or a line typed at a program's own prompt
  (``(gdb) break 1``, ``lvm> lvscan``, ``mysql> select``);
- an *instruction act*: a list item or line opening with an imperative verb whose object is on a
  machine — a quoted command or control, a path, a menu path (``Preferences → Profiles``), or an
  interface or system noun ("Lock your card in the app", "Run \"aptitude update\"");
- a heading, which ends a block;
- prose or output, which a block tolerates a little of (a command's output, a sentence of
  explanation between two steps).

Acts in one block form a sequence; the document's evidence is its longest sequence, how many
sequences of two or more it has, whether a later act reuses what an earlier one named (the output
or file of one step is the input of the next), and whether a goal line ("... as follows:", "To
set up X:", a task heading) introduces the sequence. The corpus's text is re-wrapped with random
indentation, so indentation is ignored throughout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .layout import is_system_word
from .words import leading_verb

#: A shell prompt line, or a line at a program's own prompt ("(gdb) run", "lvm> lvscan").
_COMMAND = re.compile(r"^(?:[$#]\s+[\w./~-]|\([a-z][\w-]{0,10}\)\s+\S|[a-z][\w-]{0,10}>\s+\S)")
_PROGRAM_PROMPT = re.compile(r"^(?:\([a-z][\w-]{0,10}\)|[a-z][\w-]{0,10}>)\s+\S")
_MARKER = re.compile(r"^(?:[-*+•◦]|\d{1,2}[.)]|[a-z][.)]|step \d+[:.])\s+", re.I)
_HEADING = re.compile(r"^(?:#{1,6}\s+\S|\d+(?:\.\d+)+\.?\s+[A-Z])")
#: A machine object named in an instruction: a quoted or bracketed target, a path, a menu path.
_MACHINE_OBJECT = re.compile(r"[\"“'`][^\"”'`\n]{1,60}[\"”'`]|\*\*[^*\n]{1,40}\*\*|\[[^\]\n]{1,40}\]"
                             r"|(?<![\w])[~.]?/[\w.-]+|\S\s*(?:→|->|>|»)\s*[A-Z\w]")
#: Interface words an instruction may name instead (what `is_system_word` does not cover).
_UI_WORDS = frozenset(
    "app apps online website site web browser page screen tab menu button icon settings setting dashboard "
    "portal login terminal console shell command prompt window dialog field form toolbar keyboard atm "
    "device phone computer server file files folder directory package packages program editor key "
    "keys enter mouse cursor".split())
#: A goal line that introduces a sequence: "as follows:", "by the following", "To mount it:".
_GOAL = re.compile(r"(?:as follows|the following|following steps|steps?\b.*:|:\s*$)", re.I)
_TO_GOAL = re.compile(r"^(?:to|how to|in order to)\s+\w+", re.I)
_WORD = re.compile(r"[a-z][a-z'-]*")
_ARGUMENT = re.compile(r"(?<![\w])(?:[~.]?/[\w./-]+|[\w-]+\.[a-z]{1,5}\b)|[\"“'`]([^\"”'`\n]{2,40})[\"”'`]")
#: Prose or output lines a sequence tolerates between two acts before it ends.
MAX_GAP = 3


@dataclass(frozen=True, slots=True)
class ActSequences:
    """Counts over the text's act sequences; see `act_sequences`."""

    acts: int             # act lines anywhere
    longest: int          # acts in the longest sequence
    sequences: int        # sequences of two or more acts
    chained: int          # acts of the longest sequence reusing an argument an earlier act named
    prompt_lines: int     # lines typed at a program's own prompt ("(gdb) next")
    goal_sequence: bool   # a sequence of two or more acts right after a goal line or task heading
    prose_lines: int      # lines of prose (neither act nor heading)


@lru_cache(maxsize=8)
def act_sequences(text: str) -> ActSequences:
    """Split `text` into act sequences (blocks of acts, a few prose lines apart at most)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    gap, acts, prose, prompts, goal_sequence = 0, 0, 0, 0, False
    goal_before = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _HEADING.match(line):
            blocks, current, gap = _close(blocks, current), [], 0
            goal_before = True  # a heading names what the list under it is for
            continue
        if _is_act(line):
            if not current and goal_before:
                current.append("")  # marks a sequence that a goal line introduced
            current.append(line)
            acts += 1
            prompts += bool(_PROGRAM_PROMPT.match(line))
            gap = 0
            continue
        prose += 1
        gap += 1
        if gap > MAX_GAP:
            blocks, current = _close(blocks, current), []
        if not current:
            goal_before = bool(_GOAL.search(line) or _TO_GOAL.match(line))
    blocks = _close(blocks, current)
    sizes = [sum(1 for a in b if a) for b in blocks]
    goal_sequence = any(b[0] == "" and n >= 2 for b, n in zip(blocks, sizes))
    best = max(blocks, key=lambda b: sum(1 for a in b if a), default=[])
    return ActSequences(acts=acts, longest=max(sizes, default=0), sequences=sum(1 for n in sizes if n >= 2),
                        chained=_chained([a for a in best if a]), prompt_lines=prompts,
                        goal_sequence=goal_sequence, prose_lines=prose)


def _close(blocks: list[list[str]], current: list[str]) -> list[list[str]]:
    return blocks + [current] if any(current) else blocks


def _is_act(line: str) -> bool:
    """A command line, or an imperative line acting on something on a machine."""
    if _COMMAND.match(line):
        return True
    body = _MARKER.sub("", line, count=1)
    if not leading_verb(body):
        return False
    if _MACHINE_OBJECT.search(body):
        return True
    return any(w in _UI_WORDS or is_system_word(w) for w in _WORD.findall(body.lower()))


def _chained(acts: list[str]) -> int:
    """Acts reusing a path, file name or quoted name an earlier act of the sequence named."""
    seen: set[str] = set()
    chained = 0
    for act in acts:
        names = {m.group(1) or m.group(0) for m in _ARGUMENT.finditer(act)}
        chained += bool(names & seen)
        seen |= names
    return chained
