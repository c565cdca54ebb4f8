"""The offer a request's workflow makes once its write is done (`WorkflowOffer`), in the gold: whether
this customer takes it (the offer's `takes`, a trait of theirs: both answers occur), and, when they
do, the offered write made in the sandbox after the request's own."""
from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from ...tools import Sandbox, Workflow
from ...tools.errors import ExprError
from ...tools.expr import compile_expr
from .model import GoldAction, Offered
from .replay import resolve_args

#: a figure of the "if no" line, checked as a refusal's values are ("30 days")
_FIGURE = re.compile(r"\$?\d[\d,]*(?:\.\d+)?(?:\s+(?:business\s+)?(?:days?|weeks?|months?|years?))?")


def make_offer(wf: Workflow, row: dict[str, Any], knows: dict[str, Any], env: dict[str, Any],
               sandbox: Sandbox, rng: random.Random) -> tuple[Offered, list[GoldAction]] | None:
    """The offer after the workflow's steps (`env`: their results), taken or not by this customer
    (where they can: the offer's `takes`, over their `row`; whether they do: one in two, by the
    task's draw `rng`, read without taking a number from it, so the rest of the session is as
    it would be without the offer), and the gold actions it adds (its write, when taken); None
    when the workflow offers nothing or its write cannot be worked out."""
    if wf.offer is None:
        return None
    try:
        can = bool(compile_expr(wf.offer.takes)({**env, "row": row}, sandbox))
    except ExprError:
        return None
    return answer_offer(wf, knows, env, sandbox, can and _coin(rng))


def _coin(rng: random.Random) -> bool:
    """Heads or tails from the generator's state (the same for the same task and seed), leaving it as it is."""
    return int(hashlib.sha256(repr(rng.getstate()).encode()).hexdigest(), 16) % 2 == 0


def answer_offer(wf: Workflow, knows: dict[str, Any], env: dict[str, Any], sandbox: Sandbox,
                 takes: bool) -> tuple[Offered, list[GoldAction]] | None:
    """The offer answered yes (`takes`: its write made in `sandbox`, when it goes through; one that
    does not is taken as a no) or no; None when the workflow offers nothing or its write's values
    cannot be worked out."""
    offer = wf.offer
    if offer is None or wf.steps[-1].as_ and env.get(wf.steps[-1].as_) is None:
        return None
    try:
        args = resolve_args(offer.step.args, knows, env, sandbox)
    except (ExprError, KeyError):
        return None
    if any(v is None for v in args.values()):
        return None  # (nothing to move it from: the offer is not made)
    actions: list[GoldAction] = []
    if takes:
        snap = sandbox.snapshot()
        result = sandbox.call(offer.step.tool, args)
        if not result.ok:  # not one the customer could take up after all
            sandbox.restore(snap)
            takes = False
        else:
            actions.append(GoldAction(tool=offer.step.tool, arguments=args, ok=True, result=result.as_data()))
    return Offered(tool=offer.step.tool, arguments=args, taken=takes, if_no=offer.if_no,
                   values=[m.group(0) for m in _FIGURE.finditer(offer.if_no)]), actions


__all__ = ["answer_offer", "make_offer"]
