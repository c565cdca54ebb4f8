"""The line-level pass of the text analysis: sections, list items, sentences and the steps of a
procedure (features.py)."""
from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .lexicons import (
    ConditionKind, SEQUENCE_WORDS, StepMarker, _ADVICE_HEADING, _CODE_LINE, _FENCE, _HEADING, _ITEM,
    _NUMBERED_TITLE, _PROCEDURAL_HEADING, _SENTENCE_END, _TABLE_LINE,
)
from .words import _SYSTEM_NOUN_SET, leading_verb, lemma, tokens


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the span of the body under it (up to the next heading of any level)."""

    title: str
    level: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Step:
    """One step: a list item or a sentence, without its marker, whitespace collapsed in `text`.

    `number` is the list number of a numbered item; `depth` is 0 for top-level items and grows
    with indentation; `section` is the heading above it; `verb` is the lemma of the verb the step
    opens with when it is an instruction (see `leading_verb`).
    """

    text: str
    start: int
    end: int
    marker: StepMarker
    number: int | None
    depth: int
    section: str
    verb: str | None


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition trigger and the clause (list item or sentence) it sits in.

    For ``within`` conditions `amount` and `unit` hold the window: "within 30 days" -> 30, "day".
    """

    kind: ConditionKind
    trigger: str
    text: str
    start: int
    end: int
    amount: int | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class NamedField:
    """A field or identifier the text names; `name` is snake_case ("order_number")."""

    name: str
    text: str
    start: int
    end: int
    kind: Literal["named", "quoted", "identifier", "code"]


@dataclass(frozen=True, slots=True)
class Layout:
    """One pass over a text's lines: its sections, list items, prose sentences and line counts."""

    sections: tuple[Section, ...]
    items: tuple[Step, ...]
    sentences: tuple[tuple[int, int], ...]
    code_lines: int
    table_lines: int
    example_items: int  # list items that only introduce a code example ("- List all keys:")


# ---------------------------------------------------------------- layout


@lru_cache(maxsize=16)
def layout(text: str) -> Layout:
    """Parse `text` once: headings, list items (continuation lines joined), prose sentences."""
    sections: list[tuple[int, int, str, int]] = []  # heading line start, body start, title, level
    items: list[Step] = []
    prose: list[tuple[int, int]] = []
    code = table = examples = 0
    section, in_fence = "", False
    indents: list[int] = []
    cur: list | None = None  # [start, end, marker, number, depth, section]
    block: list[int] | None = None  # [start, end] of the current prose block
    prev_example = False

    def flush_item() -> None:
        nonlocal cur
        if cur is not None:
            body = text[cur[0]:cur[1]]
            items.append(Step(" ".join(body.split()), cur[0], cur[1], cur[2], cur[3], cur[4],
                              cur[5], leading_verb(body)))
            cur = None

    def flush_block() -> None:
        nonlocal block
        if block is not None:
            prose.append((block[0], block[1]))
            block = None

    pos = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        start, end = pos, pos + len(line)
        pos += len(raw)
        if _FENCE.match(line):
            flush_item(), flush_block()
            in_fence = not in_fence
            continue
        if in_fence:
            code += 1
            continue
        if not line.strip():
            flush_item(), flush_block()
            continue
        if _CODE_LINE.match(line) and start > 0:
            flush_item(), flush_block()
            code += 1
            examples += prev_example
            prev_example = False
            continue
        prev_example = False
        if _TABLE_LINE.match(line):
            flush_item(), flush_block()
            table += 1
            continue
        heading = _heading(line)
        if heading:
            flush_item(), flush_block()
            section, indents = heading[0], []
            sections.append((start, pos, *heading))
            continue
        item = _ITEM.match(line)
        if item:
            flush_item(), flush_block()
            indent = len(item["indent"].expandtabs(4))
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            num = item["num"] or item["pnum"] or item["snum"]
            cur = [start + item.start("body"), end, "number" if num else "bullet",
                   int(num) if num else None, len(indents) - 1, section]
            prev_example = line.rstrip().endswith(":")
            continue
        if cur is not None:
            cur[1] = end
        elif block is None:
            block = [start, end]
        else:
            block[1] = end
    flush_item(), flush_block()
    heads = tuple(Section(title, level, body, sections[k + 1][0] if k + 1 < len(sections) else len(text))
                  for k, (_, body, title, level) in enumerate(sections))
    sents = tuple(s for a, b in prose for s in _split_sentences(text, a, b))
    return Layout(heads, tuple(items), sents, code, table, examples)


def _heading(line: str) -> tuple[str, int] | None:
    """(title, level) of a markdown heading or a numbered title line."""
    m = _HEADING.match(line)
    if m:
        return m["title"].strip(), len(m["hashes"])
    m = _NUMBERED_TITLE.match(line)
    return (m["title"].strip(), m["num"].count(".") + 1) if m else None


def is_procedural_heading(title: str) -> bool:
    """Whether a heading or title announces a procedure ("How to cancel", "Redemption steps")."""
    title = title.lstrip("# ")
    return bool(_PROCEDURAL_HEADING.search(title)) or leading_verb(title) is not None


def is_command_reference(text: str, title: str = "") -> bool:
    """Whether `text` is a command reference (a tldr page): every list item only introduces its
    own one-line example ("- Create a bucket:" over `b2 create_bucket ...`), no other command,
    nothing told in order and no title or heading that announces a procedure ("How to ...",
    "Steps"). Its items are alternatives, each a task of its own, not the steps of one."""
    lay = layout(text)
    if not lay.items or lay.example_items != len(lay.items) or lay.code_lines != lay.example_items:
        return False
    if any(_PROCEDURAL_HEADING.search(t) for t in [title, *(s.title for s in lay.sections)] if t):
        return False
    return not any(item.text.lower().startswith(SEQUENCE_WORDS) for item in lay.items)


def is_advice_heading(title: str) -> bool:
    """Whether a heading introduces advice or a feature list ("Tips", "Best practices")."""
    return bool(_ADVICE_HEADING.search(title))


def is_system_word(word: str) -> bool:
    """Whether a lower-case word names something a system keeps ("orders", "account", "file")."""
    return word in _SYSTEM_NOUN_SET or (word.endswith("s") and lemma(word) in _SYSTEM_NOUN_SET)


def system_mentions(text: str) -> int:
    """How many words of `text` name something a system keeps."""
    return sum(1 for w in tokens(text).words if is_system_word(w))


def _mentions_system(words: Sequence[str], spans: Sequence[tuple[int, int]], step: Step) -> bool:
    lo = bisect.bisect_left(spans, (step.start, 0))
    hi = bisect.bisect_left(spans, (step.end, 0))
    return any(is_system_word(w) for w in words[lo:hi])


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, cur = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        out.append((cur, m.start()))
        cur = m.end()
    out.append((cur, end))
    return [(a, b) for a, b in out if b > a]


def sections(text: str) -> list[Section]:
    """Markdown headings (``#``..``######``) and numbered titles ("9.4.2. The ps command")."""
    return list(layout(text).sections)


_EMBED_START = re.compile(r'\{\s*"')
_DECODER = json.JSONDecoder()


def without_embeds(text: str) -> str:
    """The text with the metadata of the resources it embeds blanked out: a JSON object one of
    whose values is a web address (a scraped page's image, `{"smallUrl":"https:...","bigUrl":...}
    Click on the Settings button`) is markup, not words of the document; its steps would be named
    after its keys. Blanked with spaces, so every offset into the text still holds; a JSON object
    that is the document's own example (a command's argument) stays."""
    out, at = [], 0
    for m in _EMBED_START.finditer(text):
        if m.start() < at:
            continue
        try:
            obj, end = _DECODER.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(obj, dict) and any(isinstance(v, str) and re.match(r"https?:", v) for v in obj.values()):
            out += [text[at:m.start()], " " * (end - m.start())]
            at = end
    return "".join(out) + text[at:] if out else text


def list_items(text: str) -> list[Step]:
    """Every numbered or bulleted list item in order, its continuation lines joined in.

    A continuation is a following non-blank line that is no list item, heading, code line or
    table row. Lines inside fenced code blocks are never items.
    """
    return list(layout(text).items)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the prose sentences (list items, headings, code and tables excluded)."""
    return list(layout(text).sentences)


def step_lists(text: str) -> list[list[Step]]:
    """Runs of sibling list items, each a candidate procedure.

    A numbered run goes on while each number is one more than the last (prose between items is
    allowed); a bulleted run is bullets at one depth with nothing but blank lines, deeper items
    and code between them. A heading ends every run; nested items form runs of their own.
    """
    runs: list[list[Step]] = []
    open_runs: dict[tuple[str, int, str], list[Step]] = {}
    for item in layout(text).items:
        for k in [k for k in open_runs if k[1] > item.depth or k[2] != item.section]:
            del open_runs[k]
        key = (item.marker, item.depth, item.section)
        run = open_runs.get(key)
        if run is not None and (
            (item.marker == "number" and run[-1].number is not None and item.number == run[-1].number + 1)
            or (item.marker == "bullet" and _adjacent(text, run[-1], item))
        ):
            run.append(item)
        else:
            open_runs[key] = run = [item]
            runs.append(run)
    return runs


def _adjacent(text: str, a: Step, b: Step) -> bool:
    gap = text[a.end:text.rfind("\n", 0, b.start) + 1]
    return all(not line.strip() or _ITEM.match(line) or _CODE_LINE.match(line)
               for line in gap.splitlines())


def segment_steps(text: str) -> list[Step]:
    """The document's main procedure as ordered steps.

    The best list run wins: a numbered run starting at 1 first, then a run under a procedural
    heading ("How to cancel"), then runs where most items are instructions, then the most
    instructions, then the longest. Without a run of two or more items the prose is read as
    steps: sentences that open with a sequencing word ("First", "Then", "Finally") or an
    instruction verb, when there are at least two.
    """
    best, best_key = None, None
    for run in step_lists(text):
        if len(run) < 2:
            continue
        verbs = sum(1 for s in run if s.verb)
        key = (run[0].marker == "number" and run[0].number == 1, is_procedural_heading(run[0].section),
               2 * verbs >= len(run), verbs, len(run))
        if best_key is None or key > best_key:
            best, best_key = run, key
    if best is not None:
        return best
    steps = []
    for start, end in layout(text).sentences:
        body = text[start:end].strip()
        verb = leading_verb(body)
        seq = body.lower().startswith(SEQUENCE_WORDS)
        if verb or seq:
            steps.append(Step(" ".join(body.split()), start, end, "sequence" if seq else "sentence",
                              None, 0, "", verb))
    return steps if len(steps) >= 2 else []
