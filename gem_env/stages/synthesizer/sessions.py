"""The task a reply names, remade as the task maker makes it: one request, or a whole session.

A session's later requests depend on what the earlier ones changed and on the task maker's own
choices (whose records, which follow-on kinds, the customer's reasons and new values), so a session
is not put together from the requests a reply names: the task maker (`stages.tasks`, in the same
context as `make_tasks`, with the run's seed and the domain's name) makes the session it makes from
the reply's first request (a task of that request's kind grows one: `grow_session`), or the
domain's sessions of mixed requests (`make_session`, the first few in turn); the reply's task is
the one whose requests are the reply's, in order. Its gold actions, admission gate and id are the
pipeline's own. A reply naming requests the task maker does not make in that order gets a
`Stopped` saying what it makes instead.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from ...documents import Rejection
from ...tools import CompiledDomain
from ..tasks import Task
from ..tasks import kinds as K
from ..tasks.make import Builder, single_task, task_context
from ..tasks.session import grow_session, make_session
from .format import SESSION, RequestRef, TaskRef

SESSIONS_TRIED = 4
"""How many of a domain's sessions of mixed requests are made, in turn, to find the reply's
(`make_tasks` makes one per domain at its default three tasks; more at more tasks per domain)."""
LOOKUP_PREFIXES = ("lookup_", "compare_")
"""A lookup request's workflow is the task maker's name for it ("lookup_card", "lookup_latest_charge",
"compare_account"), not one of the domain's workflows."""


def named_requests(task: Task) -> list[dict[str, Any]]:
    """The requests of a task the task maker made, as a reply names them (`format.task_ref`)."""
    workflows = task.request_workflows
    requests = task.scenario.session()
    if len(workflows) != len(requests):
        raise ValueError(f"task {task.id} was not made by the task maker in this process (no request workflows)")
    return [{"kind": r.kind, "workflow": w, "anchor": r.anchor, "offer": r.offer or None}
            for r, w in zip(requests, workflows)]


def said(requests: list[Any]) -> str:
    """Requests in words: "decline freeze_card on CRD-1; lookup lookup_card on CRD-2"."""
    def one(r: Any) -> str:
        r = r if isinstance(r, dict) else r.model_dump()
        return f"{r['kind']} {r['workflow']} on {r['anchor']}" + (f" (offer: {r['offer']})" if r.get("offer") else "")
    return "; ".join(one(r) for r in requests)


class TaskMaker:
    """The task maker of one compiled domain, remaking the tasks a reply (or a run's record) names.
    Sessions of mixed requests are made once and kept (each one made changes which customers the
    next may be)."""

    def __init__(self, compiled: CompiledDomain, *, seed: int = 0, doc_id: str | None = None) -> None:
        self.compiled, self.seed, self.doc_id = compiled, seed, doc_id
        self.ctx = task_context(compiled, seed=seed, doc_id=doc_id)
        self._sessions: list[Task] = []
        self._lookups: list[tuple[tuple[str, str], tuple[str, str, Builder]]] | None = None

    def sessions(self, n: int = SESSIONS_TRIED) -> Iterator[Task]:
        """The domain's first `n` sessions of mixed requests, as `make_tasks` makes them in turn
        (each made only when the ones before it are not what the caller looks for)."""
        for i in range(n):
            if i == len(self._sessions):
                got = make_session(self.ctx, {t.id for t in self._sessions})
                if got is None:
                    return
                self._sessions.append(got)
            yield self._sessions[i]

    def first(self, ref: RequestRef) -> tuple[str, str, Builder] | str:
        """The task maker's candidate for the request `ref` names (row key, workflow or table,
        builder), or why there is none."""
        c = self.compiled
        if ref.kind == "lookup":
            got = next((cand for at, cand in self._lookup_candidates() if at == (ref.workflow, str(ref.anchor))), None)
            return got or f"no lookup {ref.workflow!r} of {ref.anchor!r} is one the task maker makes in this domain"
        wf = next((w for w in self.ctx.workflows if w.name == ref.workflow), None)
        if wf is None:
            return f"the domain has no workflow {ref.workflow!r}"
        fn = {"complete": K.complete, "refuse": K.refuse, "decline": K.decline, "disambiguate": K.disambiguate}[ref.kind]
        pk = c.tables[wf.anchor.table].pk
        # a refusal is made on a row the anchor's filter leaves out, or on one a rule of the tools stops
        rows = [*self.ctx.anchored(wf, False), *self.ctx.anchored(wf, True)] if ref.kind == "refuse" \
            else self.ctx.anchored(wf, True)
        row = next((r for r in rows if str(r[pk]) == str(ref.anchor)), None)
        if row is None:
            fits = "" if ref.kind == "refuse" else f" satisfies the anchor of workflow {wf.name!r}"
            return f"no row of {wf.anchor.table} with {pk} = {ref.anchor!r}{fits} (request kind {ref.kind})"
        return str(row[pk]), wf.name, lambda sb, rng, w=wf, r=row, f=fn, **kw: f(c, w, r, sb, rng, **kw)

    def single(self, ref: RequestRef) -> Task | str:
        """The one-request task of `ref`, as `make_tasks` admits it; or why it is not admitted."""
        cand = self.first(ref)
        if isinstance(cand, str):
            return cand
        key, name, builder = cand
        got = single_task(self.compiled, ref.kind, key, builder, seed=self.seed, doc_id=self.doc_id, name=name)
        return f"task not admitted: {got.reason}" if isinstance(got, Rejection) else got

    def grown(self, ref: RequestRef) -> Task | str | None:
        """The session the task maker grows from `ref` as a task of its kind (None: it grows none)."""
        cand = self.first(ref)
        return cand if isinstance(cand, str) else grow_session(self.ctx, ref.kind, cand, set())

    def _lookup_candidates(self) -> list[tuple[tuple[str, str], tuple[str, str, Builder]]]:
        """The lookups the task maker tries, each with the (workflow, anchor) of the request it makes."""
        if self._lookups is None:
            self._lookups = []
            for cand in self.ctx.candidates("lookup"):
                sandbox = self.compiled.new_sandbox()
                try:
                    built = cand[2](sandbox, random.Random(0))
                finally:
                    sandbox.close()
                if isinstance(built, K.Built) and built.record is not None:
                    table, row = built.record
                    self._lookups.append(((built.workflow, str(row.get(self.compiled.tables[table].pk))), cand))
        return self._lookups


def remake(compiled: CompiledDomain, ref: TaskRef, *, seed: int = 0, doc_id: str | None = None,
           maker: TaskMaker | None = None) -> Task | str:
    """The task the task maker makes whose requests are `ref`'s, in order; or why there is none
    (one line: an unknown workflow, a row that is no seed row, or the requests the task maker
    makes instead)."""
    maker = maker or TaskMaker(compiled, seed=seed, doc_id=doc_id)
    wanted = [r.model_dump() for r in ref.requests]
    problem = _unknown(compiled, ref)
    if problem:
        return problem
    if ref.kind == SESSION:
        if len(ref.requests) < 2:
            return "a multi_request task names two requests or more"
        made = []
        for task in maker.sessions():
            if _same(named_requests(task), wanted):
                return task
            made.append(task)
        if not made:
            return "the task maker makes no session of mixed requests in this domain"
        return (f"the requests are not a session the task maker makes in this domain: it makes "
                + " | ".join(f"[{said(named_requests(t))}]" for t in made) + f"; the reply names [{said(wanted)}]")
    if ref.requests[0].kind != ref.kind:
        return (f"a {ref.kind} task opens with a {ref.kind} request; request 1 is {ref.requests[0].kind} "
                "(a session of mixed requests is kind multi_request)")
    if len(ref.requests) == 1:
        return maker.single(ref.requests[0])
    grown = maker.grown(ref.requests[0])
    if isinstance(grown, str):
        return grown
    if grown is None:
        return f"the task maker grows no session from request 1 ({said(wanted[:1])}): it makes that request alone"
    made = named_requests(grown)
    if _same(made, wanted):
        return grown
    again = " (the same requests in another order)" if sorted(said([m]) for m in made) == \
        sorted(said([w]) for w in wanted) else ""
    return f"the session the task maker grows from request 1 is [{said(made)}]; the reply names [{said(wanted)}]{again}"


def _same(made: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> bool:
    """Whether the task maker's requests are the reply's: kind, workflow and row in order, and the
    answer to an offer where the reply gives one."""
    return len(made) == len(wanted) and all(
        (m["kind"], m["workflow"], str(m["anchor"])) == (w["kind"], w["workflow"], str(w["anchor"]))
        and (w.get("offer") is None or w["offer"] == (m.get("offer") or "no")) for m, w in zip(made, wanted))


def _unknown(compiled: CompiledDomain, ref: TaskRef) -> str | None:
    """A request naming a workflow the domain lacks or a row its seed does not hold."""
    workflows = {w.name: w for w in compiled.domain.workflows}
    sandbox = compiled.new_sandbox()
    try:
        for i, r in enumerate(ref.requests, 1):
            if r.kind == "lookup" and r.workflow.startswith(LOOKUP_PREFIXES):
                continue
            wf = workflows.get(r.workflow)
            if wf is None:
                return f"request {i} names workflow {r.workflow!r}, which the domain lacks (has {sorted(workflows)})"
            table = wf.anchor.table
            pk = compiled.tables[table].pk
            if not any(str(row.get(pk)) == str(r.anchor) for row in sandbox.dump([table])[table].values()):
                return f"request {i} names {table} {r.anchor!r}, which is no seed row of the domain"
    finally:
        sandbox.close()
    return None
