"""A user for refined tasks: brings follow-up requests one at a time and reacts to a missing tool.

Wraps any user simulator (scripted or LLM). It steps in at these moments only:
- the current request is resolved (the inner user would say goodbye) and follow-up requests
  remain: instead of the goodbye it bridges to the next request as the scripted user does between
  its own requests (a thanks and a lead-in not said yet in the session), voiced by
  a fresh user for that request's scenario who sees only its own part of the conversation (nor does
  it ask again for a number it was just told: that is a question before leaving, the last user's);
- the task withholds a tool until the assistant admits it cannot do something (`says_cannot`),
  and the assistant just did: the user asks it to try again (the tool is there from this reply on);
- the user changes a value of the first request (``changes``: (its name, what they want now, as
  they say it)) and the assistant asks to confirm it for the first time: the user asks for the
  new value instead (the next confirmation is the inner user's to answer);
- the user gave a detail with a slip (``corrections``: (its name, the right value)) and the
  assistant says it found nothing: the user says it right;
- the first follow-up corrects a value of the first request once it is done (``corrected``: the
  value's name): it is brought as a correction ("Oh, sorry, I gave you the wrong shipping address.
  ..."), not as another request.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from gem_env.tools.reasons import own_words

from . import phrases as P
from .base import STOP, asks_confirmation, visible_turns
from .reply_random import reply_random
from .scenario import Scenario

_CANNOT = re.compile(
    r"\b(?:can(?:'|no)t|cannot|unable to|not able to|don't have (?:a|any) (?:way|tool)|"
    r"isn't available|is not available|not available to me)\b", re.IGNORECASE)
_NOT_FOUND = re.compile(r"\b(?:couldn't|could not|can't|cannot|didn't|did not|not) (?:find|finding)\b|"
                        r"\bnothing (?:comes|came) up\b|\bno (?:match|record)", re.IGNORECASE)
RETRY = ["Could you please try once more? Maybe it was just a temporary glitch.",
         "Would you mind giving it another try? It's quite important to me.",
         "Could you try again, please? Perhaps it works now."]
"""Asked after the assistant's "I can't do that right now": a customer cannot know the option is
back, only hope so (never "It should work now")."""
_LEAVING_AFTER = re.compile(r",?\s+before I go(?=[?.!,])")
_LEAVING_BEFORE = re.compile(r"(^|[.!?]\s+)[Bb]efore I go,\s*(\w)")


def says_not_found(text: str) -> bool:
    """Whether an assistant message says it found nothing for what the user gave."""
    return bool(_NOT_FOUND.search(text))


def says_cannot(text: str) -> bool:
    """Whether an assistant message says it cannot do (part of) what was asked."""
    return bool(_CANNOT.search(text))


def staying(text: str) -> str:
    """A line of a user who thinks their session ends ("Before I go, what was the handoff number
    again?") said by one who has more requests to bring: without the leaving."""
    text = _LEAVING_AFTER.sub("", text)
    return _LEAVING_BEFORE.sub(lambda m: m.group(1) + m.group(2).upper(), text)


class RefinedUser:
    """``first`` plays the opening request; ``make(scenario, index)`` builds the user of each
    follow-up. ``retry_on_cannot``: answer the assistant's first "I cannot" with a request to retry.
    ``changes``: (name, value) the user asks for instead at the first request's confirmations;
    ``corrections``: (name, value) the user says right when the assistant found nothing.

    Each follow-up user sees the conversation from the message that brought its request
    (``starts`` keeps those indices), so it answers only for its own part.
    """

    def __init__(self, first: Any, followups: list[Scenario], make: Callable[[Scenario, int], Any], *,
                 retry_on_cannot: bool = False, changes: list[tuple[str, str]] = (),
                 corrections: list[tuple[str, str]] = (), corrected: list[str] = (), seed: int = 0) -> None:
        self.users = [first]
        self.followups = list(followups)
        self.make = make
        self.retry_on_cannot = retry_on_cannot
        self.meta: dict[str, Any] = {**getattr(first, "meta", {}), "refined": True}
        self.starts: list[int] = []
        self._retried = False
        self._changes = list(changes)
        self._corrections = list(corrections)
        self._corrected = list(corrected)
        self._seed = seed
        self._unsaid: dict[str, str] = {}  # a line said without the leaving (`staying`) -> as the inner user said it

    def _voice(self, value: str) -> random.Random:
        """The wording of a line said once a session, by what it says (sessions differ by their values)."""
        return random.Random(f"{self._seed}\x00{value}")

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        turns = visible_turns(messages)
        last = next((text for role, text in reversed(turns) if role == "assistant"), None)
        rng = reply_random(self._seed, len(turns))
        if self._corrections and len(self.users) == 1 and last is not None and says_not_found(last):
            name, value = self._corrections.pop(0)
            return self._voice(value).choice(P.CORRECTED).format(name=name, v=value)
        if self.retry_on_cannot and not self._retried and last is not None and says_cannot(last):
            self._retried = True
            return rng.choice(RETRY)
        if self._changes and len(self.users) == 1 and last is not None and asks_confirmation(last):
            name, value = self._changes.pop(0)
            voice = self._voice(value)
            why = own_words(value, voice) if "reason" in name else None  # said as the scripted user says one
            return voice.choice(P.CHANGE_REASON).format(v=why) if why else voice.choice(P.CHANGE_MIND).format(name=name, v=value)
        start = self.starts[-1] if self.starts else 0
        # the inner user reads its own lines as it said them (it tells what it asked by them)
        seen = [{**m, "content": self._unsaid[m["content"]]} if m.get("role") == "user" and m.get("content") in self._unsaid
                else m for m in messages[start:]]
        text = await self.users[-1].reply(seen)
        if P.asks_repeat(text) and len(self.users) <= len(self.followups):
            text = STOP  # a number is asked again before leaving, never by a user with more to bring
        if STOP not in text and len(self.users) <= len(self.followups) and (said := staying(text)) != text:
            self._unsaid[said] = text
            text = said
        if STOP in text and len(self.users) <= len(self.followups):
            following = self.followups[len(self.users) - 1]
            declined = any(not r.confirm for r in getattr(getattr(self.users[-1], "scenario", None), "requests", []))
            user = self.make(following, len(self.users))
            self.users.append(user)
            self.starts.append(len(messages))
            if callable(joins := getattr(user, "joins", None)):  # what the chat named before is named as such
                joins(messages)
            opening = await user.reply([])
            if self._corrected and len(self.users) == 2:  # the first follow-up corrects the first request
                lead = self._voice(opening).choice(P.CORRECTING).format(name=self._corrected[0])
                return f"{lead} {opening}"
            told = " ".join(t for role, t in turns if role == "user")
            return P.next_request(rng, opening, told, last=len(self.users) == len(self.followups) + 1,
                                  question=any(r.kind == "lookup" for r in following.requests[:1]),
                                  refused=last is not None and P.is_negative(last), declined=declined)
        return text
