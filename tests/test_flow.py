"""The task and flow side of a conversation as a reader meets it: values said as people say them and
accepted so by the verifier, openings that leave a rule's condition for the assistant to find,
sessions of one customer, records opened before a refusal and searched one by one in a lookup."""
from __future__ import annotations

import random

from gem_env.agents import speech as S
from gem_env.stages.verify import spoken_forms, tells


def test_a_date_time_is_said_in_words_and_the_verifier_takes_that_form() -> None:
    value = "2025-03-02T17:00:00"
    for seed in range(10):
        sentence = S.fact(random.Random(seed), "starts_at", value, after_write=False)
        assert "March 2, 2025 at 5:00 pm" in sentence and "T17" not in sentence, sentence
    assert "March 2, 2025 at 5:00 pm" in spoken_forms(value)
    assert tells("starts_at", value, "Your visit starts on March 2, 2025 at 5:00 pm.")
    assert not tells("starts_at", value, "Your visit starts on March 2, 2025 at 6:00 pm.")
