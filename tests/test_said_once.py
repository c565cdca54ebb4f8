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


def test_a_lead_the_conversation_has_said_gives_way_to_another() -> None:
    """"I can confirm I have closed your account." then "I can confirm I have changed your address."."""
    for style in B.STYLES:
        for said in B.DONE_SAID.by_style[style]:
            lead = said.split("{")[0].strip()
            if len(lead.split()) < 3:
                continue
            told = said.format(past="closed your account")
            for seed in range(20):
                again = S.pick(_voice(style, seed, told), B.DONE_SAID, past="changed your address")
                assert not again.startswith(lead), (told, again)


def test_what_a_change_cost_is_a_charge_not_a_new_value() -> None:
    for seed in range(30):
        said = S.report(random.Random(seed), True, "extend your rental RA-1 to return on February 24, 2025",
                        [("extra_cost", 379.48)])
        assert "$379.48" in said and not re.search(r"cost (?:is now|now reads)|cost is \$379\.48 now", said), said


def test_a_record_described_at_an_earlier_change_is_not_described_again() -> None:
    """"That's your open savings account, with an $11,313.27 balance." at each change of the same
    account; another account described alike is still described."""
    secret = re.compile(r"password|pin")
    account = {"account_id": "ACC-1", "customer_id": "CST-1", "status": "open", "account_type": "savings",
               "balance": 11313.27}
    first = S.describe(random.Random(0), {"account_id": "ACC-1"}, [account], secret, owner="customer_id")
    assert "$11,313.27" in first, first
    earlier = [f"I'll freeze your account ACC-1 because of fraud. {first} Shall I go ahead?"]
    for seed in range(20):
        again = S.describe(random.Random(seed), {"account_id": "ACC-1"}, [account], secret, owner="customer_id",
                           before=earlier)
        assert "$11,313.27" not in again, again
        other = {**account, "account_id": "ACC-2"}
        told = S.describe(random.Random(seed), {"account_id": "ACC-2"}, [other], secret, owner="customer_id",
                          before=earlier)
        assert "$11,313.27" in told, told
