"""The check of what the assistant offers once a request's write is done (`Task.offers`): an offer
the customer took is in the gold, so the final state holds it to the write; one they turned down
must be answered with the text's line for a no ("You have 30 days to fund the account, ... or it
will be closed."): its figures, or most of its words, said by the assistant after the offered write
could have been made, that is after the request's own write."""
from __future__ import annotations

from typing import Any

from ..trajectory import Check
from .tasks import Task


def offers_check(task: Task, messages: list[dict[str, Any]], told: Any) -> Check:
    """`told(line, values, text)`: whether `text` says the line (`verify_kinds.gives_reason`)."""
    problems = []
    for offer in task.offers:
        if offer.taken or not offer.if_no:
            continue
        after = _written_at(messages, offer.arguments)
        said = [m.get("content") or "" for m in messages[after:]
                if m.get("role") == "assistant" and not m.get("tool_calls")]
        if not any(told(offer.if_no, offer.values, text) for text in said):
            problems.append({"tool": offer.tool, "if_no": offer.if_no, "told": False})
    return Check(name="offer_answered", passed=not problems, evidence=problems or None)


def _written_at(messages: list[dict[str, Any]], arguments: dict[str, Any]) -> int:
    """Where the record the offer is about appears first: of the ids the offered write takes, the one
    the conversation names last for the first time ("ACC-49120", the account just opened); 0 when none."""
    firsts = []
    for v in (v for v in arguments.values() if isinstance(v, str) and v):
        at = next((i for i, m in enumerate(messages) if v in (m.get("content") or "")), None)
        if at is not None:
            firsts.append(at)
    return max(firsts, default=0)


__all__ = ["offers_check"]
