"""`chain`: 2–4 verified requests of one domain in one session, the user bringing the next only
after the previous is resolved. The gold is the composition, replayed on one sandbox (a later
request runs on the state the earlier ones left), and verified as one conversation."""
from __future__ import annotations

from .base import Context, NotApplicable, Part, Variant, compose


def apply(v: Variant, ctx: Context) -> Variant:
    want = ctx.rng.choice([3, 4])
    others = [t for t in ctx.siblings if t.id != v.task.id]
    ctx.rng.shuffle(others)
    persona = v.parts[0].scenario.persona
    reasons = []
    for other in others:
        if len(v.parts) >= want:
            break
        scenario = other.scenario.model_copy(update={"persona": persona})
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
