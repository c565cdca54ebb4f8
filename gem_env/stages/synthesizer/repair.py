"""What a real tool reply changes in the rest of an imagined conversation.

The synthesizer's model imagines each tool's reply and writes the later turns from it. When the
sandbox answers differently, a value the model imagined at some place of the reply (say
``refund: 12.5``) either has a real counterpart at the same place (``refund: 13``), and later turns
that quote it are repaired by substitution, or has none (the real reply has no such field), and a
later assistant sentence that quotes it is a claim no tool backs: it is removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...tools.render import render
from ..verify import said

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_MIN_QUOTABLE = 2  # shorter values ("1", "a") are everywhere in text: never rewritten


@dataclass
class Corrections:
    """What the real replies so far say about the imagined ones (see the module docstring)."""

    values: list[tuple[Any, Any]] = field(default_factory=list)  # (imagined, real) at the same place
    unbacked: set[str] = field(default_factory=set)  # imagined values with no real counterpart

    def learn(self, imagined: Any, real: Any) -> None:
        """Compare one imagined reply with the real one, place by place."""
        real_values = {render(v) for v in _scalars(real)}
        self._compare(imagined, real, real_values)

    def _compare(self, imagined: Any, real: Any, real_values: set[str]) -> None:
        if isinstance(imagined, dict) and isinstance(real, dict):
            for key, value in imagined.items():
                if key in real:
                    self._compare(value, real[key], real_values)
                else:
                    self._unback(value, real_values)
        elif isinstance(imagined, list) and isinstance(real, list):
            for i, value in enumerate(imagined):
                if i < len(real):
                    self._compare(value, real[i], real_values)
                else:
                    self._unback(value, real_values)
        elif isinstance(imagined, (dict, list)):
            self._unback(imagined, real_values)
        elif imagined != real and _quotable(imagined) and render(imagined) not in real_values:
            if isinstance(real, (dict, list)):
                self.unbacked.add(render(imagined))
            else:
                self.values.append((imagined, real))

    def _unback(self, imagined: Any, real_values: set[str]) -> None:
        for v in _scalars(imagined):
            if _quotable(v) and render(v) not in real_values:
                self.unbacked.add(render(v))

    def arguments(self, args: Any) -> Any:
        """Arguments with every imagined value replaced by its real counterpart."""
        if isinstance(args, dict):
            return {k: self.arguments(v) for k, v in args.items()}
        if isinstance(args, list):
            return [self.arguments(v) for v in args]
        for imagined, real in self.values:
            if type(args) is type(imagined) and args == imagined:
                return real
        return args

    def text(self, text: str) -> str:
        """`text` with imagined values rewritten as the real ones."""
        for imagined, real in self.values:
            needle = render(imagined)
            text = re.sub(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)", lambda _: render(real), text)
        return text

    def unbacked_sentences(self, text: str) -> tuple[str, list[str]]:
        """`text` without the sentences that quote an unbacked value; and those sentences."""
        if not self.unbacked:
            return text, []
        kept, removed = [], []
        for sentence in _SENTENCE.split(text):
            (removed if any(said(v, sentence) for v in self.unbacked) else kept).append(sentence)
        return " ".join(kept).strip(), removed


def _quotable(value: Any) -> bool:
    return value is not None and not isinstance(value, bool) and len(render(value)) >= _MIN_QUOTABLE


def _scalars(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _scalars(v)]
    if isinstance(value, list):
        return [s for v in value for s in _scalars(v)]
    return [value]
