"""A user played by a chat model: the scenario's open request as its system prompt, roles flipped."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from gem_env.tools.render import plural, render
from .base import STOP, asks_confirmation, strip_reasoning, visible_turns
from .scenario import Scenario, humanize
from .scripted import ScriptedUser

UserChatFn = Callable[[list[BaseMessage]], Awaitable[AIMessage]]

GREETING = "Hi! How can I help you today?"
"""What the model sees as the assistant's first words: chat models need a human turn to answer."""

_AFFIRM = re.compile(r"^\W*(?:yes|yeah|yep|sure|ok|okay|please (?:go ahead|proceed|do)|go ahead|proceed)\b",
                     re.IGNORECASE)


def system_prompt(scenario: Scenario, current: int = 0) -> str:
    """The simulator's brief for the session's `current` request: persona, that request's goal,
    what the user knows for it, its decision and the rules of ending. The scripted user's contract:
    later requests are not shown until the ones before them are settled."""
    session = scenario.session()
    request = session[min(current, len(session) - 1)]
    knows = {**scenario.knows, **request.knows} if scenario.requests else scenario.knows
    facts = "\n".join(f"- {humanize(k)}: {render(v)}" for k, v in knows.items()) or "- (nothing)"
    opening = ", ".join(humanize(k) for k in request.opening if k in knows)
    unknown = [k for k in [*scenario.unknown, *request.asks] if k not in knows]
    last = current >= len(session) - 1
    lines = [
        "You are playing a customer talking to a support assistant. Stay in character as the customer.",
        f"Persona: {scenario.persona}.",
        f"Your goal: {request.goal}." if current == 0 else
        f"Your earlier requests are settled. Now bring up your next one in your next message: {request.goal}.",
        "What you know:",
        facts,
    ]
    if scenario.records:  # the scripted user's contract: "my <noun>" only of a record the service keeps
        lines.append("The service keeps records of these kinds: " + ", ".join(plural(n) for n in scenario.records)
                     + ". Speak of a record of yours only of these kinds; any other fact is a detail to give as it is.")
    if unknown:
        lines.append("You do not know: " + ", ".join(humanize(k) for k in dict.fromkeys(unknown))
                     + ". Never invent these; say you don't know.")
    lines += [
        "When the assistant asks you to confirm an action, "
        + ("confirm it." if request.confirm else "decline: you do not want it done."),
        *(["Once it is done, if the assistant offers to do something more for it (such as moving money into a "
           "new account now), " + ("accept." if request.offer == "yes" else "say no, thank you.")]
          if request.offer else []),
        "",
        "Rules:",
        "- Write only the customer's next message: short and natural. Never write as the assistant.",
        "- When you bring up this request, say what you want in your own words"
        + (f" and give your {opening}." if opening else "."),
        "- Reveal any other fact only when the assistant asks for it. Never make up facts.",
        f"- Only you end the conversation: write a short thanks followed by {STOP} when the assistant "
        "has told you the outcome of your request, or has said it cannot be done." if last else
        f"- You have another request after this one: once this one is settled, say only a short thanks "
        f"and wait; never write {STOP}.",
        f"- Never write {STOP} in a message that confirms an action: wait for the assistant to report "
        "the result first.",
        f"- Do not write {STOP} while your goal is still open and possible.",
    ]
    return "\n".join(lines)


def current_request(scenario: Scenario, turns: list[tuple[str, str]]) -> int:
    """Which of the session's requests the user is on: one more for each assistant message that
    settled the one before (the scripted user's rule), the last message included."""
    tracker = ScriptedUser(scenario)
    settled = sum(tracker.settles(text) for role, text in turns if role == "assistant")
    return min(settled, len(scenario.session()) - 1)


class LLMUser:
    """Plays the scenario's user through ``chat_fn`` (one chat call: messages -> AIMessage).

    The model sees the assistant's spoken messages as human turns and its own as AI turns; tool
    calls, tool results and the assistant's reasoning are never shown. An empty reply is retried
    once, then a polite fallback is used. ``model_name``, ``temperature`` and ``seed`` are recorded
    in ``meta`` (``chat_fn`` is expected to be configured with them).
    """

    def __init__(self, chat_fn: UserChatFn, scenario: Scenario, *, model_name: str,
                 temperature: float = 0.0, seed: int | None = None) -> None:
        self.chat_fn = chat_fn
        self.scenario = scenario
        self.meta: dict[str, Any] = {"backend": "llm", "model": model_name, "temperature": temperature,
                                     "seed": seed}

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        turns = visible_turns(messages)
        current = current_request(self.scenario, turns)
        prompt: list[BaseMessage] = [SystemMessage(system_prompt(self.scenario, current))]
        if not turns or turns[0][0] != "assistant":
            prompt.append(HumanMessage(GREETING))
        for role, text in turns:
            prompt.append(AIMessage(text) if role == "user" else HumanMessage(text or "(no reply)"))
        text = ""
        for _ in range(2):
            text = await self._ask(prompt)
            if text:
                break
        last = next((t for r, t in reversed(turns) if r == "assistant"), None)
        if not text:
            goal = self.scenario.session()[current].goal
            return f"Hi, I'd like to {goal}." if last is None else "Sorry, could you say that again?"
        if STOP in text and last is not None and asks_confirmation(last) and _AFFIRM.match(text):
            text = text.replace(STOP, "").strip()
        return text

    async def _ask(self, prompt: list[BaseMessage]) -> str:
        reply = await self.chat_fn(prompt)
        return strip_reasoning(reply.text)
