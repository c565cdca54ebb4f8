"""`verify_text.said` finds each occurrence of the value with ``str.find`` and matches the
whole-words pattern there instead of a regex ``search`` from every position: the same answers."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gem_env.stages import verify_text


def _said_by_search(value: str, text: str) -> bool:
    """The general path: the whole-words pattern searched over the normalised text."""
    needle = verify_text._normalise.__wrapped__(value).strip()
    return bool(needle) and re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)",
                                      verify_text._normalise.__wrapped__(text)) is not None


@pytest.mark.parametrize("value,text", [
    ("12.5", "x12.5 then 12.5"), ("12.5", "x12.5 and .12.5"), ("aa", "aaa aa"), ("aa", "aaa"),
    ("5", "1.5 and 5.0"), ("5", "5.1"), ("5", "5."), ("#W1007", '"#W1007"'), ("pending", "pending"),
    ("a b", "a  b"), ("b", "a.b"), ("b", "a-b"), ("é", "café é"), ("x", ""), ("", ""),
])
def test_said_by_find_answers_as_search(value: str, text: str) -> None:
    assert verify_text.said(value, text) == _said_by_search(value, text)


@settings(max_examples=600, deadline=None)
@given(st.text("ab1.5 ,_-#\n", max_size=4), st.text("ab1.5 ,_-#\n", max_size=30))
def test_said_by_find_answers_as_search_on_any_text(value: str, text: str) -> None:
    assert verify_text.said(value, text) == _said_by_search(value, text)
