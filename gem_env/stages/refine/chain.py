"""`chain`: 2–6 requests of one domain in one session, the user bringing the next only after the
previous is resolved (5–6 wanted: long sessions over several of the domain's workflows). The gold is the composition, replayed on one sandbox (a later request runs
on the state the earlier ones left), and verified as one conversation.

Requests are the domain's other verified single requests first; when there are too few, more
"complete" requests of the domain's workflows that pass the admission gate fill the session.
The next request is picked greedily: a workflow the session has not used yet first (more of the
domain's tools), then one about the same customer (a record the earlier requests named).
"""
from __future__ import annotations

import random

from ...simulators.scenario import Scenario
from ..tasks import anchor_rows
from ..tasks.kinds import Built, complete
from .base import Context, NotApplicable, Part, Variant, compose, refinable, say_changes

POOL = 16
MAX_FAILED = 12
"""Candidates that fail to compose before the chain stops growing (each try replays the session)."""


def _pool(v: Variant, ctx: Context) -> list[Part]:
    """More requests of the domain: the "complete" kind built on rows of every workflow's anchor
    (each on a fresh sandbox, so each passes the admission gate alone), in seeded order."""
    name = v.compiled.domain.name
    if name not in ctx.pool:
        rng = random.Random(f"{ctx.seed}\x00{name}\x00chain")
        rows = [(wf, row) for wf in v.compiled.domain.workflows for row in anchor_rows(v.compiled, wf)]
        rng.shuffle(rows)
        parts = []
        for wf, row in rows[:POOL * 4]:
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
    want = ctx.rng.choice([5, 6])
    others = [Part(t.workflow, dict(t.scenario.knows), t.scenario) for t in ctx.siblings
              if t.id != v.task.id and refinable(t) is None]
    ctx.rng.shuffle(others)
    first = sorted(v.parts[0].knows.items(), key=str)
    extra = [p for p in _pool(v, ctx) if sorted(p.knows.items(), key=str) != first]
    ctx.rng.shuffle(extra)
    others += extra
    persona = v.parts[0].scenario.persona
    reasons: list[str] = []
    while len(v.parts) < want and others and len(reasons) < MAX_FAILED:
        other = min(others, key=lambda p: _rank(p, v))
        others.remove(other)
        scenario = other.scenario.model_copy(update={"persona": persona})
        v.parts.append(Part(other.workflow, dict(other.knows), scenario))
        try:
            compose(v)
        except NotApplicable as err:
            v.parts.pop()
            reasons.append(str(err))
    if len(v.parts) < 2:
        raise NotApplicable("no other task of the domain composes with this one"
                            + (f": {reasons[0]}" if reasons else " (no siblings)"))
    return say_changes(v)


def _rank(candidate: Part, v: Variant) -> tuple[int, int, int]:
    """Lower is better: not a request the session already has, a workflow it has not used, the same
    customer (a value the session already named); `min` is stable, so ties keep the seeded order."""
    used = [p.workflow for p in v.parts]
    named = {str(val) for p in v.parts for val in p.knows.values()}
    same = sum(str(val) in named for val in candidate.knows.values())
    repeat = any(p.knows == candidate.knows and p.workflow == candidate.workflow for p in v.parts)
    return (int(repeat), used.count(candidate.workflow), int(same == 0))
