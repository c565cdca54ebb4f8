"""`chain`: 2–4 requests of one domain in one session, the user bringing the next only after the
previous is resolved. The gold is the composition, replayed on one sandbox (a later request runs
on the state the earlier ones left), and verified as one conversation.

Requests are the domain's other verified single requests first; when there are too few, more
"complete" requests of the domain's workflows that pass the admission gate fill the session.
"""
from __future__ import annotations

import random

from ...simulators.scenario import Scenario
from ..tasks import anchor_rows
from ..tasks.kinds import Built, complete
from .base import Context, NotApplicable, Part, Variant, compose, refinable

POOL = 8


def _pool(v: Variant, ctx: Context) -> list[Part]:
    """More requests of the domain: the "complete" kind built on rows of every workflow's anchor
    (each on a fresh sandbox, so each passes the admission gate alone), in seeded order."""
    name = v.compiled.domain.name
    if name not in ctx.pool:
        rng = random.Random(f"{ctx.seed}\x00{name}\x00chain")
        rows = [(wf, row) for wf in v.compiled.domain.workflows for row in anchor_rows(v.compiled, wf)]
        rng.shuffle(rows)
        parts = []
        for wf, row in rows[:POOL * 3]:
            sandbox = v.compiled.new_sandbox()
            try:
                got = complete(v.compiled, wf, row, sandbox, rng)
            finally:
                sandbox.close()
            if isinstance(got, Built):
                r = got.request
                parts.append(Part(wf.name, dict(r.knows), Scenario(goal=r.goal, knows=r.knows, opening=r.opening,
                                                                   unknown=got.unknown, requests=[r])))
            if len(parts) >= POOL:
                break
        ctx.pool[name] = parts  # type: ignore[assignment]
    return ctx.pool[name]  # type: ignore[return-value]


def apply(v: Variant, ctx: Context) -> Variant:
    want = ctx.rng.choice([3, 4])
    others = [Part(t.workflow, dict(t.scenario.knows), t.scenario) for t in ctx.siblings
              if t.id != v.task.id and refinable(t) is None]
    ctx.rng.shuffle(others)
    first = sorted(v.parts[0].knows.items(), key=str)
    extra = [p for p in _pool(v, ctx) if sorted(p.knows.items(), key=str) != first]
    ctx.rng.shuffle(extra)
    others += extra
    persona = v.parts[0].scenario.persona
    reasons = []
    for other in others:
        if len(v.parts) >= want:
            break
        scenario = _naming_changes(other.scenario.model_copy(update={"persona": persona}), v)
        v.parts.append(Part(other.workflow, dict(other.knows), scenario))
        try:
            compose(v)
        except NotApplicable as err:
            v.parts.pop()
            reasons.append(str(err))
    if len(v.parts) < 2:
        raise NotApplicable("no other task of the domain composes with this one"
                            + (f": {reasons[0]}" if reasons else " (no siblings)"))
    return v


def _naming_changes(scenario: Scenario, v: Variant) -> Scenario:
    """A later request about other records says up front what differs from the earlier ones
    ("my other card, CRD-..."), so nothing is carried over from the request before by mistake."""
    known: dict[str, object] = {}
    for part in v.parts:
        known.update(part.knows)
    changed = [k for k, val in scenario.knows.items() if k in known and known[k] != val]
    opening = list(dict.fromkeys([*scenario.opening, *changed]))
    requests = [r.model_copy(update={"opening": list(dict.fromkeys([*r.opening, *changed]))}) for r in scenario.requests]
    return scenario.model_copy(update={"opening": opening, "requests": requests})
