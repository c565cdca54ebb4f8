"""How the assistant offers the write a service's text tells it to offer once a request's own write
is done (`WorkflowOffer`: "Ask the customer if they would like you to transfer the opening deposit
from their checking account now"), in words both sides of a conversation read: the agent asks so,
the simulated customer and verification know the question by it."""
from __future__ import annotations

import re

#: how the offer is put: a lead, then the question ("While we're at it, would you like me to move the
#: $50 opening deposit from your checking account ACC-1 into it now?")
OFFER_ASKS = (
    "While we're at it, would you like me to {x} now?",
    "Before we finish, would you like me to {x} now?",
    "One more thing: would you like me to {x} now?",
)
OFFER_ASKED = re.compile(r"\b(?:while we're at it,|before we finish,|one more thing:) "
                         r"would you like me to [^?]+ now\?", re.IGNORECASE)
"""An assistant message making the offer (a question, not the close of the request)."""


def offer_asked(text: str) -> bool:
    """Whether an assistant message makes an offer (`OFFER_ASKS`)."""
    return bool(OFFER_ASKED.search(text or ""))


__all__ = ["OFFER_ASKED", "OFFER_ASKS", "offer_asked"]
