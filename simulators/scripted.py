"""An offline, deterministic user: templates over its scenario, no model."""
from __future__ import annotations

import random
import re
from typing import Any

from gem_env.tools.render import render
from .base import STOP, asks_confirmation, visible_turns
from .scenario import Scenario, humanize

_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_REQUEST_START = re.compile(
    r"^(?:please|could|can|may|would|what|which|provide|tell|let me know|i need|i'll need|i will need)",
    re.IGNORECASE,
)
_CLOSING = re.compile(r"\banything else\b|\bsomething else\b", re.IGNORECASE)

OPENINGS = ["Hi, I'd like to {goal}.", "Hello! I want to {goal}.", "Hi there, I need to {goal}."]
ANSWER_PREFIXES = ["", "Sure. ", "Of course. ", "Okay. "]
YES = ["Yes, please go ahead.", "Yes, please proceed.", "Yes, that's right, go ahead."]
NO = ["No, please don't do that.", "No, I've changed my mind, please don't."]
NUDGES = ["Sorry, I didn't get a reply. Are you still there?", "Hello? I didn't see an answer."]
DONT_KNOW = ["Sorry, I don't know that.", "I'm not sure, sorry."]
GOODBYES = ["Thank you for your help.", "Okay, thanks.", "Alright, thanks for letting me know."]


def requests(text: str) -> list[str]:
    """The sentences of an assistant message that ask the user for something."""
    return [s for s in _SENTENCE.split(text.strip())
            if s.rstrip().endswith("?") or _REQUEST_START.match(s.strip())]


class ScriptedUser:
    """Opens with its goal and the ``opening`` facts, answers what it is asked from ``knows``,
    confirms or declines per ``decisions['confirm']``, and says thanks + STOP once the assistant
    reports a result or says it cannot help. Never stops in the reply that confirms.

    A reply depends only on the conversation: wording varies with an RNG seeded from the scenario,
    ``seed`` and the turn number.
    """

    def __init__(self, scenario: Scenario, *, seed: int = 0) -> None:
        self.scenario = scenario
        self.meta: dict[str, Any] = {"backend": "scripted", "seed": seed}
        self._seed = f"{seed}\x00{scenario.model_dump_json()}"
        keys = [*scenario.knows, *(k for k in scenario.unknown if k not in scenario.knows)]
        # longest names first, so "new email" is matched before (and instead of) "email"
        self._names = sorted(((humanize(k).lower(), k) for k in keys), key=lambda p: -len(p[0]))

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        turns = visible_turns(messages)
        rng = random.Random(f"{self._seed}\x00{len(turns)}")
        said = next((text for role, text in reversed(turns) if role == "assistant"), None)
        if said is None:
            return self._opening(rng)
        if not said.strip():
            return rng.choice(NUDGES)
        asked = self.asked_keys(said)
        if asked:
            return rng.choice(ANSWER_PREFIXES) + " ".join(self._fact(k) for k in asked)
        closing = bool(_CLOSING.search(said))
        if asks_confirmation(said) and not closing:
            return rng.choice(YES if self.scenario.decisions.get("confirm", True) else NO)
        if requests(said) and not closing:
            return rng.choice(DONT_KNOW)
        return f"{rng.choice(GOODBYES)} {STOP}"

    def asked_keys(self, text: str) -> list[str]:
        """Keys the assistant asks for, in the order their names first appear in its requests."""
        asked = " ".join(requests(text)).lower()
        found: list[tuple[int, str]] = []
        for name, key in self._names:
            m = re.search(rf"\b{re.escape(name)}\b", asked)
            if m:
                found.append((m.start(), key))
                asked = asked[:m.start()] + "#" * len(name) + asked[m.end():]
        return [k for _, k in sorted(found)]

    def _opening(self, rng: random.Random) -> str:
        facts = [self._fact(k) for k in self.scenario.opening if k in self.scenario.knows]
        goal = self.scenario.goal.strip().rstrip(".")
        # a goal written as a sentence ("Your order ... has not shipped") is said as it is
        opening = f"Hi! {goal}." if goal[:1].isupper() else rng.choice(OPENINGS).format(goal=goal)
        return " ".join([opening, *facts])

    def _fact(self, key: str) -> str:
        if key in self.scenario.knows:
            return f"My {humanize(key)} is {render(self.scenario.knows[key])}."
        return f"I don't know my {humanize(key)}."
