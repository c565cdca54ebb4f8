"""multi_request: a session of 2-4 requests in one domain, on one sandbox, in order.

Later requests see the earlier ones' changes (a lookup after a change reads the new values), and
the user brings each only once the one before is settled.
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING

from ...agents.lookup import finder_tools
from . import kinds as K
from .build import make_task
from .model import Task

if TYPE_CHECKING:
    from .make import _Context

TRIES_PER_REQUEST = 6


def make_session(ctx: "_Context", taken: set[str]) -> Task | None:
    c = ctx.compiled
    rng = random.Random(f"{ctx.seed}\x00{c.domain.name}\x00session")
    size = rng.choice([3, 4, 4])
    tail = ["refuse", "decline", "complete", "lookup", "disambiguate"]
    rng.shuffle(tail)
    sandbox = c.new_sandbox()
    try:
        initial = sandbox.state_hash()
        built: list[K.Built] = []
        for kind in ["complete", "lookup_after", *tail]:
            if len(built) >= size:
                break
            got = _next(ctx, kind, built, sandbox, rng)
            if got is not None:
                built.append(got)
        if len(built) < 2:
            return None
        _say_new_keys(built)
        key = "|".join(f"{b.request.kind}:{b.workflow}:{sorted(b.request.knows.items())}" for b in built)
        task = make_task(c, built, category="multi_request", key=key, initial=initial,
                         final=sandbox.state_hash(), seed=ctx.seed, doc_id=ctx.doc_id)
        return None if task.id in taken else task
    finally:
        sandbox.close()


def _next(ctx: "_Context", kind: str, built: list[K.Built], sandbox, rng: random.Random) -> K.Built | None:
    if kind == "lookup_after":
        prev = built[-1] if built else None
        wf = next((w for w in ctx.workflows if prev and w.name == prev.workflow), None)
        if wf is None or wf.anchor.table not in K.lookup_tools(ctx.compiled):
            return None
        tool, param = K.lookup_tools(ctx.compiled)[wf.anchor.table]
        key = next((v for k, v in prev.request.knows.items() if k == param), None)
        if key is None:
            return None
        got = K.lookup(ctx.compiled, wf.anchor.table, {ctx.compiled.tables[wf.anchor.table].pk: key}, sandbox, rng)
        return got if isinstance(got, K.Built) else None
    used = {b.workflow for b in built}
    rows = {str(v) for b in built for v in b.request.knows.values()}
    # a record an earlier request settled is not asked about again (a declined write done after all)
    candidates = [c for c in ctx.candidates(kind) if c[0] not in rows]
    own = {f.table for f in finder_tools(ctx.compiled)} if kind == "lookup" else set()
    # workflows not yet in the session first (stable); questions about the user's own profile first
    candidates.sort(key=lambda c: (c[1] in used, c[1] not in own))
    first: K.Built | None = None
    for _, _, builder in candidates[:TRIES_PER_REQUEST]:
        got = builder(sandbox, rng)
        if isinstance(got, K.Built):
            if kind != "lookup" or len(got.actions) > 1:
                return got
            first = first or got  # a lookup only reads: trying another leaves the sandbox as it was
    return first


def _say_new_keys(built: list[K.Built]) -> None:
    """A later request about a different record names it up front ("and my other card, ...")."""
    known: dict[str, object] = {}
    for b in built:
        r = b.request
        hidden = b.ambiguity.key if b.ambiguity else None  # the user lets the assistant ask which
        changed = [k for k, v in r.knows.items() if k in known and known[k] != v and k != hidden]
        r.opening = list(dict.fromkeys([*r.opening, *changed]))
        known.update(r.knows)
