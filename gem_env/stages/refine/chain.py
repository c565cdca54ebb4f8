"""`chain`: 2–4 requests of one domain in one session, the user bringing the next only after the
previous is resolved. The gold is the composition, replayed on one sandbox (a later request runs
on the state the earlier ones left), and verified as one conversation.

Requests are the domain's other verified tasks first; when there are too few, more tasks of the
domain's workflows that pass the admission gate (`make_tasks`) fill the session.
"""
from __future__ import annotations

from ...simulators.scenario import Scenario
from ..tasks import Task, make_tasks
from .base import Context, NotApplicable, Part, Variant, compose, refinable

POOL = 8


def _pool(v: Variant, ctx: Context) -> list[Task]:
    name = v.compiled.domain.name
    if name not in ctx.pool:
        ctx.pool[name], _ = make_tasks(v.compiled, per_domain=POOL, seed=ctx.seed, doc_id=v.task.doc_id)
    return ctx.pool[name]


def apply(v: Variant, ctx: Context) -> Variant:
    want = ctx.rng.choice([3, 4])
    others = [t for t in ctx.siblings if t.id != v.task.id and refinable(t) is None]
    ctx.rng.shuffle(others)
    extra = [t for t in _pool(v, ctx) if t.id != v.task.id and t.id not in {o.id for o in others}
             and refinable(t) is None]
    ctx.rng.shuffle(extra)
    others += extra
    persona = v.parts[0].scenario.persona
    reasons = []
    for other in others:
        if len(v.parts) >= want:
            break
        scenario = _naming_changes(other.scenario.model_copy(update={"persona": persona}), v)
        v.parts.append(Part(other.workflow, dict(other.scenario.knows), scenario))
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
