"""What the assistant says once: a sentence the conversation has already said word for word ("That
has been completed." at the second request too), a frame one reply has used ("Its status shows
under review. It shows it was filed on ..."), a setting the report's opener has just said it
turned off ("I've turned off the overdraft protection of your account. Overdraft protection is
turned off now.")."""
from __future__ import annotations

import random
import re

from gem_env.agents import banks as B
from gem_env.agents import speech as S


def _voice(style: str, seed: int, told: str = "") -> S.Voice:
    first = next(f"Hi {n}" for n in range(200) if S.voice("0", f"Hi {n}").style == style)
    return S.voice(str(seed), first, told)


def test_a_sentence_the_conversation_has_said_gives_way_to_another() -> None:
    for style in B.STYLES:
        done = B.DONE.by_style[style]
        for left in done:
            told = " ".join(d for d in done if d != left)
            for seed in range(10):
                assert S.pick(_voice(style, seed, told), B.DONE) == left


def test_one_reply_does_not_use_a_frame_twice() -> None:
    frames = re.compile(r"\bshows?\b|\bI can see\b|\bupdated\b|\bLooking at\b|\blists\b|\brecord\b", re.IGNORECASE)
    for style in B.STYLES:
        for seed in range(60):
            rng = _voice(style, seed)
            said = " ".join(S.facts_told(rng, [("status", "under review"), ("filed_on", "January 8, 2025"),
                                               ("amount", 12.5), ("memo", "Team lunch")], after_write=False))
            used = [m.group(0).lower().rstrip("s") for m in frames.finditer(said)]
            assert len(used) == len(set(used)), said
            said = " ".join(S.facts_told(_voice(style, seed), [("plan", "Basic"), ("memo", "Rent")], after_write=True))
            assert said.count("updated") <= 1, said


def test_a_setting_the_report_says_it_turned_off_is_not_told_again() -> None:
    for seed in range(40):
        said = S.report(random.Random(seed), True, "turn off the overdraft protection of your account ACC-1",
                        [("overdraft_protection", False)])
        assert len(re.findall(r"overdraft protection", said, re.IGNORECASE)) == 1, said
        assert "off" in said, said
