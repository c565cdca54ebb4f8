"""`miss_param` (BFCL's missing parameter): the user's opening leaves out a value a call needs —
it is gone from the facts they volunteer and from the goal they state — and they give it only when
asked. The assistant must ask before that call and must not invent it (`withheld_value_asked`).

A value the user volunteers is withheld first; when they volunteer none (an opening that says only
what they want), a value they know is withheld from the goal's wording, and the facts they do not
withhold are volunteered, so the opening still lacks exactly what a call needs: never an id the
assistant found for them or the email they are signed in with, which nobody offers. A value the
parent's user left out already, with nothing else of theirs to say in its place, makes no variant:
it would be the parent again."""
from __future__ import annotations

import json
import re

from ...agents.prechecks import records
from ...tools.render import render
from .base import Context, DoesNotApply, NotApplicable, Part, Variant, brief, workflow


def _values(args: object) -> set[str]:
    if isinstance(args, dict):
        return {v for x in args.values() for v in _values(x)}
    if isinstance(args, list):
        return {v for x in args for v in _values(x)}
    return {render(args)}


def _derivable(value: str, actions: list) -> bool:
    """Whether a tool returns the value before the first call that takes it (then the assistant
    may read it there, or must ask which of several): such values are withheld only when no
    other is."""
    for a in actions:
        if value in _values(a.arguments):
            return False
        if value in json.dumps(a.result, default=str):
            return True
    return False


def _read_alone(value: str, actions: list) -> bool:
    """Whether a reply before the first call that takes the value names it as the only one of its
    field (the customer's one record, found by their email): the assistant takes it from there and
    never asks, so leaving it out makes nothing harder."""
    for a in actions:
        if value in _values(a.arguments):
            return False
        shown: dict[str, list[str]] = {}  # every value of every field the reply holds, by the field
        for record in records([a.result]):
            for k, x in record.items():
                if not isinstance(x, (dict, list)):
                    shown.setdefault(k, []).append(render(x))
        if any(vals == [value] for vals in shown.values()):
            return True
    return False


def _said_unasked(key: str, part: Part, goal: str) -> bool:
    """Whether the parent's user says the value before the assistant asks: a fact of their opening,
    or in the words of their request (the workflow's goal, less what it says in parentheses, which
    the user's words leave out)."""
    return key in part.scenario.opening or "{" + key + "}" in re.sub(r"\([^()]*\)", "", goal)


def _joined(key: str, goal: str) -> bool:
    """Whether the value is said as one part of several ("to {street}, {city} {zip}"): left out
    alone, the rest of it would stand in the words without it, or its name would stand in as a part
    ("to 49747 Morgan Pine, my new shipping city 12179", which the assistant took for the city)."""
    k = re.escape("{" + key + "}")
    return re.search(rf"\}},?\s*{k}|{k},?\s*\{{", goal) is not None


_WHO = {"first_name", "last_name", "zip"}
"""Who the customer is, said together ("I'm Frederick Burton, zip code 59695"): no one gives half of
their name and waits to be asked the rest (the assistant asked name and zip code again, of two given)."""


def apply(v: Variant, ctx: Context) -> Variant:
    part = v.parts[0]
    used = set().union(*(_values(a.arguments) for a in v.task.gold_actions)) if v.task.gold_actions else set()
    facts = {k: render(val) for k, val in part.knows.items()}
    wf = workflow(v.compiled, part.workflow)
    held = {render(b.const) for step in wf.steps for b in step.args.values() if b.const is not None}
    # a value the workflow does not hold itself (a guide's "Go to https://..."), that no other fact
    # of theirs says ("a question about my order ORD-1" gives the order away), nor one the app knows
    # them by (`signed_in`: the assistant is told it, never asks)
    keys = [k for k, value in facts.items() if value in used and value not in held and k not in v.task.scenario.signed_in
            and not any(value in other for o, other in facts.items() if o != k)
            and not _read_alone(value, v.task.gold_actions) and not _joined(k, wf.goal)
            and not (k in _WHO and len(_WHO & set(facts)) >= 2)]
    if not keys:
        raise DoesNotApply("the user knows no value that a call needs")
    ctx.rng.shuffle(keys)
    # values the user volunteers first (the opening loses one), then values no tool returns first
    keys.sort(key=lambda k: (k not in part.scenario.opening, _derivable(facts[k], v.task.gold_actions)))
    in_goal = False
    for key in keys:
        # the user's whole brief (with what an earlier operator added), less every withheld value
        scenario = brief(wf, part.scenario.knows, part.scenario.persona, withheld=(*v.plan.withheld, key),
                         quiet=(*part.scenario.found, *v.task.scenario.signed_in))
        if facts[key] in scenario.goal:
            in_goal = True
        # a value the parent's user left out already, and nothing more said in its place: no harder
        elif _said_unasked(key, part, wf.goal) or not set(scenario.opening) <= set(part.scenario.opening):
            part.scenario = scenario
            v.plan.withheld = {**v.plan.withheld, key: facts[key]}
            return v
    if in_goal:
        raise NotApplicable("every needed value stays in the goal's wording")
    raise DoesNotApply("the user leaves out every value a call needs already")
