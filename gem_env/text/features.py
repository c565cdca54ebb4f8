"""Text analysis shared by the filter and the extractor: where the steps are, which verb each step
starts with, which conditions and named fields the text states.

Everything works on the document's own structure (list markers, headings, sentence starts, fixed
phrases) plus a real lemmatiser (simplemma) and curated lexicons. It is deterministic and cheap:
one line pass per text (`layout`, cached for the last few texts) serves every function, so the
filter can read thousands of documents a second. Offsets are character offsets into the text
given: ``text[start:end]`` is the span a result came from.
"""
from __future__ import annotations

from dataclasses import dataclass

# the analysis lives in these modules; callers use it through this one (`features as tf`)
from .lexicons import (  # noqa: F401
    ACTION_VERBS, CONDITION_PHRASES, ConditionKind, FIELD_HEADS, SEQUENCE_WORDS, STANDALONE_FIELDS,
    STRONG_CONDITIONS, SYSTEM_KINDS, SYSTEM_NOUNS, StepMarker, VERB_KINDS, _DEFINITION, _MONTHS,
    _PAST_WORDS, _SECOND_PERSON,
)
from .words import (Lexicon, Tokens, action_kind, common_word, known_word, leading_verb, lemma, tokens,  # noqa: F401
    verb_lemma)
from .layout import (  # noqa: F401
    Condition, Layout, NamedField, Section, Step, _mentions_system, is_advice_heading, is_command_reference,
    is_procedural_heading, is_system_word, layout, list_items, sections, segment_steps, sentences,
    step_lists, system_mentions, without_embeds,
)
from .fields import conditions, named_fields, snake_case  # noqa: F401


# ---------------------------------------------------------------- summary for the filter


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """Counts of the evidence the filter weighs; see `features`."""

    words: int
    steps: int                # steps of the main procedure (`segment_steps`)
    numbered: bool            # ... a numbered list starting at 1
    step_verbs: int           # steps that open with a verb
    system_verbs: int         # ... a verb acting on a system, service or person
    physical_verbs: int       # ... a verb that only acts on things (stir, bake, fold)
    system_steps: int         # steps that name something a system keeps (account, order, file)
    advice: bool              # the main procedure sits under a "Tips" / "Best practices" heading
    system_nouns: int         # words naming something a system keeps, anywhere
    instructions: int         # list items and sentences opening with a verb, anywhere
    sequence_words: int       # sentences or items opening with first/then/next/finally
    procedural_headings: int  # "How to cancel", "Redemption steps", "To add a user"
    conditions: int           # clauses with any condition
    strong_conditions: int    # clauses with only/unless/cannot/must/within/before
    fields: int               # distinct named fields and identifiers
    second_person: int        # you, your
    code_lines: int
    example_items: int        # list items that only introduce a code example
    table_lines: int
    past_tense: int           # narrative markers (was, announced, founded)
    dates: int                # years and month names
    definitions: int          # sentences like "X is a ...", "refers to"
    sentences: int            # prose sentences plus list items


def features(text: str) -> TextFeatures:
    """Every count the filter uses, from the cached `layout` and `tokens` passes."""
    lay, (words, spans) = layout(text), tokens(text)
    steps = segment_steps(text)
    sents = [text[a:b].strip() for a, b in lay.sentences]
    verbs = [s.verb for s in steps if s.verb]
    kinds = [action_kind(v) for v in verbs]
    conds = conditions(text)
    return TextFeatures(
        words=sum(1 for w in words if not w[0].isdigit()),
        steps=len(steps),
        numbered=bool(steps) and steps[0].marker == "number" and steps[0].number == 1,
        step_verbs=len(verbs),
        system_verbs=sum(1 for k in kinds if k in SYSTEM_KINDS),
        physical_verbs=sum(1 for k in kinds if k == "physical"),
        system_steps=sum(1 for st in steps if _mentions_system(words, spans, st)),
        advice=bool(steps) and is_advice_heading(steps[0].section),
        system_nouns=system_mentions(text),
        instructions=sum(1 for s in sents if leading_verb(s)) + sum(1 for i in lay.items if i.verb),
        sequence_words=sum(1 for s in sents + [i.text for i in lay.items]
                           if s.lower().startswith(SEQUENCE_WORDS)),
        procedural_headings=sum(1 for h in {s.title for s in lay.sections} if is_procedural_heading(h)),
        conditions=len({c.start for c in conds}),
        strong_conditions=len({c.start for c in conds if c.kind in STRONG_CONDITIONS}),
        fields=len({f.name for f in named_fields(text)}),
        second_person=sum(1 for w in words if w in _SECOND_PERSON),
        code_lines=lay.code_lines,
        example_items=lay.example_items,
        table_lines=lay.table_lines,
        past_tense=sum(1 for w in words if w in _PAST_WORDS),
        dates=sum(1 for w, (a, _) in zip(words, spans) if (w in _MONTHS and text[a].isupper())
                  or (len(w) == 4 and w.isdigit() and 1800 <= int(w) < 2100)),
        definitions=sum(1 for s in sents if _DEFINITION.search(s[:160])),
        sentences=len(sents) + len(lay.items),
    )
