"""A plan's hidden tools appear once the assistant has said it cannot and the user has answered:
`UnlockWatch` reads each message of the growing conversation once and agrees with the general
reading (`EpisodePlan.unlocked`) at every length, and starts again for a shorter conversation."""
from __future__ import annotations

import random

from gem_env.stages.ground.plan import EpisodePlan, UnlockWatch


def _pool() -> list[dict]:
    call = [{"id": "c", "type": "function", "function": {"name": "a", "arguments": "{}"}}]
    return [{"role": "user", "content": "please do it"},
            {"role": "assistant", "content": "I cannot do that."},
            {"role": "assistant", "content": "I'm unable to change it.", "tool_calls": call},
            {"role": "assistant", "content": "Done."},
            {"role": "assistant", "content": None, "tool_calls": call},
            {"role": "tool", "tool_call_id": "c", "content": "I cannot"},
            {"role": "system", "content": "policy"}]


def test_the_watch_agrees_with_the_general_reading_as_the_conversation_grows() -> None:
    rng = random.Random(3)
    plan = EpisodePlan(hidden=["a"])
    pool = _pool()
    unlocked = restarted = 0
    for _ in range(300):
        msgs = [rng.choice(pool) for _ in range(rng.randint(0, 25))]
        watch = UnlockWatch()
        n = 0
        while n <= len(msgs):
            if rng.random() < 0.1:  # a shorter history: verify's replay of another conversation
                n = rng.randint(0, n)
                restarted += 1
            expected = plan.unlocked(msgs[:n])
            assert watch.unlocked(msgs[:n]) == expected, msgs[:n]
            unlocked += expected
            n += rng.randint(0, 3)  # the same length again: several calls of one message
    assert unlocked > 300 and restarted > 100


def test_a_shorter_conversation_is_read_from_its_start() -> None:
    cannot = [{"role": "assistant", "content": "I cannot do that."}, {"role": "user", "content": "ok"}]
    watch = UnlockWatch()
    assert watch.unlocked(cannot) is True
    assert watch.unlocked(cannot[:1]) is False  # shorter: not the conversation it was reading
    assert watch.unlocked(cannot) is True
