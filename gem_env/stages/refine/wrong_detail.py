"""`wrong_detail`: the user first gives a detail with a slip in it (two letters of their email
swapped, two digits of an order number or a zip code), so the lookup that takes it finds nothing.
The assistant must say so and ask again rather than guess; the user then gives it right
(`detail_rechecked`).

The detail is one a read of the request takes as the user says it (an email, a record's id, a zip
code, a phone number), drawn at random among those; the slip must find nothing on the episode's
data, and the gold is the request with the right value.
"""
from __future__ import annotations

import random
import re
from typing import Any

from ...simulators.scenario import Request, Scenario
from ...tools import CompiledDomain
from ...tools.render import render
from ..ground.plan import Mistake
from ..tasks import GoldAction
from .base import Context, DoesNotApply, Variant, replay_alone


def apply(v: Variant, ctx: Context) -> Variant:
    part = v.parts[0]
    if part.lookup is not None:
        raise DoesNotApply("the first request is a lookup without a workflow")
    if set(part.scenario.knows) - set(part.knows):  # said but replaying nothing (`base.task_part`)
        raise DoesNotApply("a detail the user gives already finds nothing (an old email)")
    actions = replay_alone(v.compiled, part)
    # not an id a lookup finds, nor one the user knows but the assistant finds from their words ("the
    # card ending in 4659"): a slip there would never be met; nor what the app knows them by (`signed_in`)
    said = {k: val for k, val in part.scenario.knows.items()
            if k not in part.found and k not in part.scenario.found and k not in v.task.scenario.signed_in}
    details = _details(v.compiled, said, actions)
    ctx.rng.shuffle(details)
    for key, read in details:
        right = part.scenario.knows[key]
        slip = _slip(right, ctx.rng)
        if slip is None or not _finds_nothing(v.compiled, read, right, slip):
            continue
        v.plan.mistakes = [*v.plan.mistakes, Mistake(key=key, said=slip, right=right, tool=read.tool)]
        part.scenario = _said_instead(part.scenario, key, right, slip)
        return v
    raise DoesNotApply("no read takes a detail the user gives that a slip would leave unfound")


def _details(compiled: CompiledDomain, knows: dict[str, Any], actions: list[GoldAction]
             ) -> list[tuple[str, GoldAction]]:
    """(the user's key, the first read that takes its value as said): emails, ids and other details
    with digits in them (a zip code, a phone number)."""
    out = []
    for key, value in knows.items():
        if not isinstance(value, str) or not ("@" in value or key == "id" or key.endswith("_id")
                                               or len(re.findall(r"\d", value)) >= 4):
            continue
        read = next((a for a in actions if not compiled.tools[a.tool].writes
                     and any(arg == value for arg in a.arguments.values())), None)
        if read is not None:
            out.append((key, read))
    return out


def _slip(value: str, rng: random.Random) -> str | None:
    """`value` with one slip a person makes typing it: two neighbouring letters of an email's name
    swapped, two neighbouring digits of an id swapped; None where no such pair differs."""
    if "@" in value:
        name, domain = value.split("@", 1)
        spots = [i for i in range(len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha() and name[i] != name[i + 1]]
        if not spots:
            return None
        i = rng.choice(spots)
        return f"{name[:i]}{name[i + 1]}{name[i]}{name[i + 2:]}@{domain}"
    digits = [m.start() for m in re.finditer(r"\d(?=\d)", value) if value[m.start()] != value[m.start() + 1]]
    if not digits:
        return None
    i = rng.choice(digits)
    return f"{value[:i]}{value[i + 1]}{value[i]}{value[i + 2:]}"


def _finds_nothing(compiled: CompiledDomain, read: GoldAction, right: str, slip: str) -> bool:
    """Whether the read finds nothing with the slip in place of the right value (an error reply),
    on the domain's data, which holds the slip nowhere."""
    sandbox = compiled.new_sandbox()
    try:
        if any(slip in map(render, row.values()) for rows in sandbox.dump().values() for row in rows.values()):
            return False
        got = sandbox.call(read.tool, {k: slip if v == right else v for k, v in read.arguments.items()})
        return not got.ok
    finally:
        sandbox.close()


def _said_instead(scenario: Scenario, key: str, right: str, slip: str) -> Scenario:
    """The brief with the user saying `slip` where they said `right` (their facts, their words)."""
    def fixed(text: str) -> str:
        return text.replace(right, slip)

    def request(r: Request) -> Request:
        return r.model_copy(update={"knows": {**r.knows, key: slip} if key in r.knows else r.knows,
                                    "goal": fixed(r.goal), "intent": fixed(r.intent)})

    return scenario.model_copy(update={"knows": {**scenario.knows, key: slip}, "goal": fixed(scenario.goal),
                                       "requests": [request(r) for r in scenario.requests]})
