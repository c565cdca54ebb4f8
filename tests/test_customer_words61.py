"""The scripted customer's and the offline agent's words where round 60's review found them wrong or
unnatural: "Yes." only answers a yes/no question; ..."""
from __future__ import annotations

import asyncio

from gem_env.simulators import phrases as P
from gem_env.simulators.scenario import Request, Scenario
from gem_env.simulators.scripted import ScriptedUser

_NOTE = "I do not understand a fee on my account ACC-1"


def _answers(question: str, seeds: range = range(40)) -> list[str]:
    request = Request(kind="complete", goal="pass my question about a fee to a person",
                      knows={"customer_id": "CUS-1", "summary": _NOTE})
    out = []
    for seed in seeds:
        user = ScriptedUser(Scenario(goal=request.goal, requests=[request], knows=request.knows), seed=seed)
        out.append(asyncio.run(user.reply([{"role": "user", "content": "I'd like to talk to a person about a fee."},
                                           {"role": "assistant", "content": question}])))
    return out


def test_a_what_question_is_never_answered_yes() -> None:
    for question in ("Glad to assist. What's it about, in a few words, for a short summary?",
                     "In a sentence or two, what's it about, for a short summary?",
                     "Briefly, what's it about, so I can put it in a short summary?"):
        said = _answers(question)
        assert all(_NOTE in s for s in said), said
        assert not any(s.startswith("Yes") for s in said), (question, said)


def test_a_yes_no_question_may_still_be_answered_yes() -> None:
    said = _answers("Sure. Could you tell me briefly what it's about, for a short summary?")
    assert all(_NOTE in s for s in said) and any(s.startswith("Yes. ") for s in said), said
    assert P.asks_yes_no("Thanks. Can you tell me what happened?")
    assert not P.asks_yes_no("Could you check it? What's it about?")
