"""The offline agent's side of an offer the service's text makes once a request's write is done
(`WorkflowOffer`: "Ask the customer if they would like you to transfer the opening deposit from their
checking account now"): asked right after the write, with the values that matter ("While we're at it,
would you like me to transfer the $50 opening deposit from your checking account ACC-1 into the new
account now?"), made on a yes (the yes is its confirmation: the question named everything), and on a
no the text's line for it told ("You have 30 days to fund the account ...")."""
from __future__ import annotations

import random
import re
from typing import Any

from gem_env.tools.errors import ExprError
from gem_env.tools.expr import compile_expr
from gem_env.tools.model import WorkflowOffer
from gem_env.tools.offers import OFFER_ASKS, offer_asked
from gem_env.tools.render import money, spoken, words

from .understanding import NO, YES

#: after a no: the answer taken, then the text's line
_TAKEN_NO = ["No problem.", "That's fine.", "Sure, no problem.", "Understood.", "Okay, that's fine."]
#: after the offered write: what was done, in the past
_DONE = ["Done: I've {x}.", "All set: I've {x}.", "That's done. I've {x}.", "Okay, I've {x}."]
_PAST = {"transfer": "transferred", "move": "moved"}


def asked_answer(segment: list[dict[str, Any]]) -> tuple[bool, bool | None]:
    """(whether the open request's messages make the offer, the customer's answer: True for yes,
    False for no, None while unanswered)."""
    spoken_ = [m for m in segment if m.get("role") in ("user", "assistant") and not m.get("tool_calls")]
    at = next((i for i, m in enumerate(spoken_) if m["role"] == "assistant" and offer_asked(m.get("content") or "")), None)
    if at is None:
        return False, None
    answer = next((m.get("content") or "" for m in spoken_[at + 1:] if m["role"] == "user"), None)
    if answer is None:
        return True, None
    return True, bool(YES.match(answer)) and not NO.search(answer)


def offer_values(offer: WorkflowOffer, env: dict[str, Any], rt: Any) -> dict[str, Any] | None:
    """The values the offer names, from the request's results; None where one cannot be worked out
    (nothing to move it from: no offer is made)."""
    try:
        got = {k: compile_expr(src)(env, rt) for k, src in offer.said.items()}
    except ExprError:
        return None
    return None if any(v in (None, "") for v in got.values()) else got


def offer_args(offer: WorkflowOffer, env: dict[str, Any], rt: Any, known: dict[str, Any]) -> dict[str, Any] | None:
    """The offered write's arguments, as its step binds them."""
    out: dict[str, Any] = {}
    try:
        for name, b in offer.step.args.items():
            out[name] = known.get(b.user) if b.user is not None else \
                compile_expr(b.result)(env, rt) if b.result is not None else b.const
    except ExprError:
        return None
    return None if any(v is None for v in out.values()) else out


def _said(offer: WorkflowOffer, values: dict[str, Any]) -> str:
    return offer.offer.format(**{k: spoken(k, v) for k, v in values.items()})


def question(rng: random.Random, offer: WorkflowOffer, values: dict[str, Any]) -> str:
    """The offer as a question (`OFFER_ASKS`)."""
    return rng.choice(OFFER_ASKS).format(x=_said(offer, values))


def declined(rng: random.Random, offer: WorkflowOffer) -> str:
    """The no taken, and the text's line for it."""
    return " ".join(p for p in (rng.choice(_TAKEN_NO), offer.if_no) if p)


def done(rng: random.Random, offer: WorkflowOffer, values: dict[str, Any], result: Any) -> str:
    """The offered write told as made, with what its reply says that is new (the new record's
    figure, the move's number)."""
    said = _said(offer, values)
    verb, rest = (said.split(" ", 1) + [""])[:2]
    text = rng.choice(_DONE).format(x=f"{_PAST.get(verb, verb + 'ed')} {rest}".strip())
    if isinstance(result, dict):
        figure = next(((k, v) for k, v in result.items() if k.startswith("destination_") and not k.endswith("_id")
                       and isinstance(v, (int, float)) and not isinstance(v, bool)), None)
        ident = next((v for k, v in result.items() if k.endswith("_id") and not re.match(r"(?:source|destination)_", k)
                      and isinstance(v, str)), None)
        if figure is not None:
            text += f" The new {words(figure[0][len('destination_'):]).lower()} there is {money(figure[1])}."
        if ident is not None:
            text += f" The reference is {ident}."
    return text


__all__ = ["asked_answer", "declined", "done", "offer_args", "offer_values", "question"]
