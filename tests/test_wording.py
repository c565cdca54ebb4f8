"""Small wording rules of the offline agent: a how-to guide's title is confirmed as all its steps,
never as "the next step"; ..."""
from __future__ import annotations

import random
import re

from gem_env.agents import speech as S

SECRET = re.compile(r"password|pin\b")


def test_a_how_to_title_is_confirmed_as_its_steps_not_as_the_next_step() -> None:
    """"The next step is to support the ACLU." read as a how-to's instruction: a guide's title is all
    of its steps. Only those two alternatives change; every other confirmation is word for word
    what it was, by the same seed."""
    record = [{"message_id": "MES-1", "status": "active", "progress": "not started"}]
    titles, steps, other = set(), set(), 0
    for seed in range(300):
        plain = S.confirm(random.Random(seed), "support the ACLU", {"message_id": "MES-1"}, SECRET, record)
        whole = S.confirm(random.Random(seed), "support the ACLU", {"message_id": "MES-1"}, SECRET, record, steps=True)
        assert not re.search(r"next step (?:is|would be) to support", whole), whole
        if re.search(r"next step (?:is|would be) to", plain):
            titles.add(plain)
            steps.add(re.search(r"Next come the steps to support the ACLU\.|Next, I'd go through the steps to "
                                r"support the ACLU\.", whole)[0])
        else:
            assert whole == plain
            other += 1
    assert titles and len(steps) == 2 and other > 200
