"""Making a domain's tasks: every kind through the admission gate, spread over workflows.

A task is admitted only if its gold actions run as the kind says in a fresh sandbox (a complete
write changes the state, so its target is not already true; a refusal is stopped by a rule the
assistant can see; a declined write would have succeeded), and a conversation that does nothing
fails verification (a state to reach, facts to tell, a reason to give or a confirmation to ask).
"""
from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ...documents import Rejection
from ...tools import CompiledDomain, Sandbox, Workflow
from ...tools.errors import ExprError
from ...tools.expr import compile_expr
from ...tools.model import RequireStep
from ...agents.lookup import latest_lists
from ..anchors import explain_anchor
from . import kinds as K
from . import lookups as L
from . import compare as C
from .build import make_task, task_id
from .model import KINDS, Task
from .owners import Owner, Owners
from .session import Candidate, grow_session, make_session

Builder = Callable[[Sandbox, random.Random], "K.Built | str"]

#: a domain made from a service archetype: its description says "(<kind> service)" (`extract.offline`)
_SERVICE = re.compile(r"\([\w -]+ service\)")


def instantiate(compiled: CompiledDomain, wf: Workflow, row: dict[str, Any], *, seed: int = 0,
                doc_id: str | None = None, kind: str = "complete") -> Task | Rejection:
    """A one-request task of `kind` on one anchor row, or the reason it is not admitted."""
    table = compiled.tables[wf.anchor.table]
    key = str(row[table.pk])
    fn = {"complete": K.complete, "refuse": K.refuse, "decline": K.decline, "disambiguate": K.disambiguate}[kind]
    return _single(compiled, kind, key, lambda sb, rng: fn(compiled, wf, row, sb, rng), seed=seed, doc_id=doc_id,
                   name=wf.name)


def _single(compiled: CompiledDomain, kind: str, key: str, builder: Builder, *, seed: int,
            doc_id: str | None, name: str) -> Task | Rejection:
    rng = random.Random(f"{seed}\x00{compiled.domain.name}\x00{kind}\x00{name}\x00{key}")
    sandbox = compiled.new_sandbox()
    try:
        initial = sandbox.state_hash()
        built = builder(sandbox, rng)
        if not isinstance(built, str):
            built = K.authenticate(compiled, [built], sandbox) or built
        if isinstance(built, str):
            tid = task_id(compiled.domain.name, name if kind == "complete" else f"{kind}.{name}", key)
            return Rejection(id=tid, stage="tasks", reason=built)
        return make_task(compiled, [built], category=kind, key=key, initial=initial,
                         final=sandbox.state_hash(), seed=seed, doc_id=doc_id)
    finally:
        sandbox.close()


def single_task(compiled: CompiledDomain, kind: str, key: str, builder: Builder, *, seed: int,
                doc_id: str | None, name: str) -> Task | Rejection:
    """A task of one request of `kind`, made by `builder` (a candidate's) as `make_tasks` makes it."""
    return _single(compiled, kind, key, builder, seed=seed, doc_id=doc_id, name=name)


def anchor_rows(compiled: CompiledDomain, wf: Workflow, *, matching: bool = True) -> list[dict[str, Any]]:
    """The rows a workflow can be instantiated on (or, `matching=False`, the rows its anchor filter
    leaves out: where refusals are found, those its status allows first), in key order."""
    sandbox = compiled.new_sandbox()
    try:
        pk = compiled.tables[wf.anchor.table].pk
        rows = sorted(sandbox.dump([wf.anchor.table])[wf.anchor.table].values(), key=lambda r: str(r[pk]))
        if not wf.anchor.filter:
            return rows if matching else []
        cond = compile_expr(wf.anchor.filter)
        keep = []
        for r in rows:
            try:
                ok = bool(cond({**sandbox.clock, "row": r}, sandbox))
            except ExprError:
                ok = False
            if ok == matching:
                keep.append(r)
        status = _STATUS_CLAUSE.search(wf.anchor.filter)
        if not matching and status is not None:
            # the rows left out by a rule besides their status first ("Editing is locked within 13
            # hours" of a scheduled payment, before a cancelled one): a refusal by a rule the text
            # states over one by the record's status alone
            allowed = compile_expr(status.group(0))

            def by_status(r: dict[str, Any]) -> bool:
                try:
                    return bool(allowed({**sandbox.clock, "row": r}, sandbox))
                except ExprError:
                    return False
            keep = [r for r in keep if by_status(r)] + [r for r in keep if not by_status(r)]
        return keep
    finally:
        sandbox.close()


#: an anchor's clause on the row's status ("row.status in ['scheduled']")
_STATUS_CLAUSE = re.compile(r"\brow\.status (?:in \[[^\]]*\]|== '[^']*')")


def make_tasks(compiled: CompiledDomain, *, per_domain: int, seed: int = 0, doc_id: str | None = None,
               max_tries: int = 8, kinds: Sequence[str] = KINDS) -> tuple[list[Task], list[Rejection]]:
    """Up to `per_domain` admitted tasks: one `complete` task per workflow first (round-robin), then
    the other kinds in a rotation that starts at a different kind for each domain."""
    name = compiled.domain.name
    ctx = task_context(compiled, seed=seed, doc_id=doc_id, max_tries=max_tries, kinds=kinds)
    tasks: list[Task] = []
    reasons: dict[str, list[str]] = {wf.name: [] for wf in compiled.domain.workflows}
    plan = _kind_plan(name, kinds, per_domain)
    completes = plan[:per_domain].count("complete")
    if "complete" in kinds:
        tasks += ctx.completes(completes, reasons)
    stated = "refuse" in kinds and ctx.states_rule()
    for kind in [k for k in plan if k != "complete"]:
        if len(tasks) >= per_domain:
            break
        task = None
        if stated and len(tasks) == per_domain - 1 and not any(t.refusals for t in tasks):
            # the last task of a text that states a rule refuses by one when none before did: the
            # rule is what the text teaches, and the rotation of kinds would leave it untested in
            # most domains of a few tasks
            stated = False
            task = ctx.make("refuse", taken={t.id for t in tasks})
            task = task if task is not None and ctx.stated(task) else None  # not by a status guard alone
        if task is None and kind == "decline" and "complete" in kinds and any(t.category == kind for t in tasks):
            # a decline teaches the same thing each time (the user says no): a second one comes only
            # when no complete task can be made (a how-to with one request was two declines of three)
            task = next(iter(ctx.completes(1, reasons, skip={t.id for t in tasks})), None)
        task = task or ctx.make(kind, taken={t.id for t in tasks})
        if task is None and kind == "multi_request" and "complete" in kinds:
            # a customer with no second thing to ask about: the session's first request on its own
            # (a how-to's one write would otherwise be taught only declined)
            task = next(iter(ctx.completes(1, reasons, skip={t.id for t in tasks})), None)
        if task is not None:
            tasks.append(task)
    if "complete" in kinds and len(tasks) < per_domain:
        tasks += ctx.completes(per_domain - len(tasks), reasons, skip={t.id for t in tasks})
    rejections = []
    for wf in compiled.domain.workflows:
        # the gate (and the extractors that ask it) cares whether the workflow can be done as written
        done = any(t.category == "complete" and t.workflow.split("+")[0] == wf.name for t in tasks)
        if not done and "complete" in kinds:
            done = bool(ctx.completes(1, reasons, only=wf, grow=False))
        if done or "complete" not in kinds:
            continue
        why = reasons[wf.name][0] if reasons[wf.name] else explain_anchor(compiled, wf)
        rejections.append(Rejection(id=f"{name}.{wf.name}", stage="tasks",
                                    reason=f"workflow {wf.name}: no admissible task: {why}",
                                    detail={"tries": len(reasons[wf.name])}))
    return tasks[:per_domain], rejections


def task_context(compiled: CompiledDomain, *, seed: int = 0, doc_id: str | None = None, max_tries: int = 8,
                 kinds: Sequence[str] = KINDS) -> "_Context":
    """The context `make_tasks` makes a domain's tasks in (the same drawn rows, in the same order):
    the synthesizer remakes a session's task in it (`stages.synthesizer.sessions`)."""
    rng = random.Random(f"{seed}\x00{compiled.domain.name}")
    rows = {}
    for wf in compiled.domain.workflows:
        got = anchor_rows(compiled, wf)
        rng.shuffle(got)
        rows[wf.name] = got[:max_tries]
    return _Context(compiled, rows, seed, doc_id, max_tries, kinds)


def _fills(template: str, message: str) -> bool:
    """Whether `message` is `template` with its {placeholders} filled in."""
    parts = re.split(r"\{[^{}]*\}", template)
    return re.fullmatch(".+?".join(re.escape(p) for p in parts), message, re.DOTALL) is not None


def _rule_key(task: Task) -> str:
    """The rule a task's first refusal is by: its message, the figures it fills in left out."""
    return re.sub(r"\d[\d,.]*", "#", task.refusals[0].reason) if task.refusals else ""


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(".").lower()


def _requires(steps: Sequence[Any]) -> list[RequireStep]:
    return [s for s in steps if isinstance(s, RequireStep)]


def _kind_plan(domain: str, kinds: Sequence[str], n: int) -> list[str]:
    """Which kinds to try, in order. Half the domains (by name) start with a complete task, all
    have a session, and the single-request kinds follow in a rotation that starts at a different
    kind per domain, so a corpus gets every kind in useful shares; complete fills any gap."""
    h = int(hashlib.sha256(domain.encode()).hexdigest(), 16)
    others = [k for k in ("refuse", "lookup", "decline", "disambiguate") if k in kinds]
    start = h % max(1, len(others))
    rotated = others[start:] + others[:start]
    if "lookup" in rotated and h // 8 % 3 == 0:
        # a third of the domains ask about a record first: a rule broken is common, asking who owns what is not
        rotated = ["lookup"] + [k for k in rotated if k != "lookup"]
    head = [k for k in (("complete", "multi_request") if h % 2 == 0 else ("multi_request",)) if k in kinds]
    order = list(dict.fromkeys(head + rotated + [k for k in kinds if k not in head and k not in rotated]))
    plan: list[str] = []
    while len(plan) < n + len(order):
        plan += order
    return plan


class _Context:
    """One domain's candidates for each kind, tried in a fixed order."""

    def __init__(self, compiled: CompiledDomain, rows: dict[str, list[dict[str, Any]]], seed: int,
                 doc_id: str | None, max_tries: int, kinds: Sequence[str] = KINDS) -> None:
        self.compiled, self.rows, self.seed, self.doc_id, self.max_tries = compiled, rows, seed, doc_id, max_tries
        self.kinds = set(kinds)  # the kinds asked for: a session's follow-on requests are of these only
        self.workflows = list(compiled.domain.workflows)
        self.owners = Owners(compiled)
        self.session_owners: set[Owner] = set()  # customers a session has been made with
        self._anchored: dict[tuple[str, bool], list[dict[str, Any]]] = {}
        self._policy: set[str] | None = None  # the text's sentences, normalised, once asked (`stated`)
        self.refused: Counter[str] = Counter()  # how many refusals were made by each rule (`_rule_key`)

    def completes(self, n: int, reasons: dict[str, list[str]], skip: set[str] = frozenset(),
                  only: Workflow | None = None, grow: bool = True) -> list[Task]:
        """Up to `n` complete tasks, one workflow at a time (or of `only`), each in a session with
        the same customer's follow-on requests where they have some (`grow`)."""
        out: list[Task] = []
        queues = [(wf, list(self.rows[wf.name])) for wf in self.workflows if only is None or wf is only]
        progress = True
        while len(out) < n and progress:
            progress = False
            for wf, rows in queues:
                while rows and len(out) < n:
                    row = rows.pop(0)
                    got = instantiate(self.compiled, wf, row, seed=self.seed, doc_id=self.doc_id)
                    if isinstance(got, Task) and got.id not in skip:
                        key = str(row[self.compiled.tables[wf.anchor.table].pk])
                        grown = grow_session(self, "complete", (key, wf.name, lambda sb, rng, w=wf, r=row:
                                             K.complete(self.compiled, w, r, sb, rng)), skip) if grow else None
                        out.append(grown or got)
                        progress = True
                        break
                    if isinstance(got, Rejection):
                        reasons[wf.name].append(got.reason)
        return out

    def make(self, kind: str, taken: set[str]) -> Task | None:
        """A task of `kind`: its defining request on one of the drawn rows, in a session with more of
        that customer's requests when they have more to ask (else on its own, but a decline: a no alone
        is not made where sessions are asked for and the domain has more than one workflow)."""
        if kind == "multi_request":
            session = make_session(self, taken)
            self.refused.update([_rule_key(session)] if session is not None and session.refusals else [])
            return session
        first: tuple[Task, Candidate] | None = None
        preferred, least = False, 0  # whether `first` is of the kind's preferred sort (below); its rule's refusals
        scanned = 0
        guarded: set[str] = set()  # workflows whose refusal was a status guard: look at the others' rules
        for candidate in self.candidates(kind):
            key, name, builder = candidate
            if name in guarded:
                continue
            got = _single(self.compiled, kind, key, builder, seed=self.seed, doc_id=self.doc_id, name=name)
            if isinstance(got, Task) and got.id not in taken:
                # a lookup that finds the record's id from who the user is comes first, and so does a
                # refusal by a rule the text states over one by the record's status alone, and by a
                # rule no earlier refusal of the domain was by (the text's other rules get their turn:
                # "no linked savings accounts still open" after "no pending transactions")
                good = (kind != "lookup" or len(got.gold_actions) > 1) and (kind != "refuse" or self.stated(got))
                times = self.refused[_rule_key(got)] if kind == "refuse" else 0
                if good and not times:
                    first = (got, candidate)
                    break
                if first is None or good and (not preferred or times < least):  # else the least used rule
                    first, preferred, least = (got, candidate), good, times
                if kind == "refuse" and not good:
                    guarded.add(name)
            scanned += first is not None
            if scanned > self.max_tries * (len(self.workflows) if kind == "refuse" else 1):
                break
        if first is None:
            return None
        grown = grow_session(self, kind, first[1], taken)
        if grown is None and kind == "decline" and {"multi_request", "complete"} <= self.kinds \
                and len(self.workflows) > 1:
            # a no alone is a three-turn chat that teaches nothing else: where the service does more
            # than one thing, a customer who goes on with other requests after it, or no decline (a
            # complete task takes its place); a procedure of one write (a how-to) is still taught
            # declined once, alone
            return self._decline_going_on(first[1], taken)
        made = grown or first[0]
        self.refused.update([_rule_key(made)] if made.refusals else [])
        return made

    def _decline_going_on(self, tried: Candidate, taken: set[str]) -> Task | None:
        """A decline in a session: the first of the drawn rows (after `tried`, which grew none)
        whose customer has more requests to make after saying no; None when no customer does."""
        for candidate in self.candidates("decline")[:self.max_tries]:
            if candidate[:2] == tried[:2]:
                continue
            got = _single(self.compiled, "decline", candidate[0], candidate[2], seed=self.seed, doc_id=self.doc_id,
                          name=candidate[1])
            if isinstance(got, Task) and got.id not in taken \
                    and (grown := grow_session(self, "decline", candidate, taken)) is not None:
                return grown
        return None

    def policy(self) -> set[str]:
        """The text's sentences (its policy and the spans the domain came from), normalised."""
        if self._policy is None:
            d = self.compiled.domain
            self._policy = {_norm(t) for t in [p.text for p in d.policy] + [s.text for s in d.provenance.spans]}
        return self._policy

    def states_rule(self) -> bool:
        """Whether a write checks a rule whose message is a sentence of a service's text ("If you
        recently returned a purchase, wait for any point reversals to settle before redeeming.").
        A how-to's sentences are its steps as often as its rules ("Collect at least 5 of each
        fruit", "You will have to copy the magic cookie"): a procedure's refusal comes only in its
        turn, never forced."""
        if not _SERVICE.search(self.compiled.domain.description):
            return False
        return any(_norm(s.message) in self.policy() for t in self.compiled.tools.values() if t.writes
                   for s in _requires(t.spec.effect))

    def stated(self, task: Task) -> bool:
        """Whether a refusal's rule is more than a status guard every service has ("A card that is
        frozen cannot be changed"): a sentence of the text, or a rule on anything but the status
        (an eligibility rule, a membership level, a limit, a request already made)."""
        if not task.refusals:
            return False
        refusal = task.refusals[0]
        if _norm(refusal.reason) in self.policy():
            return True
        tool = self.compiled.tools.get(refusal.tool)
        # the rule whose message, its {placeholders} filled ("this account was opened 66 days ago"), is the reason
        rule = next((s.require for s in _requires(tool.spec.effect if tool else [])
                     if s.message == refusal.reason or "{" in s.message and _fills(s.message, refusal.reason)), "")
        return bool(rule) and ".status" not in rule

    def candidates(self, kind: str, owner: Owner | None = None) -> list[tuple[str, str, Builder]]:
        """(row key, name, builder) to try for a single-request kind; with `owner`, over every row
        that person may ask about (else over the few rows drawn for the domain)."""
        c = self.compiled
        out: list[tuple[str, str, Builder]] = []
        if kind == "lookup":
            tables = list(dict.fromkeys([wf.anchor.table for wf in self.workflows] + sorted(K.lookup_tools(c))))
            for table in tables:
                if table not in K.lookup_tools(c):
                    continue
                pk = c.tables[table].pk
                rows = self._owned(table, self._table_rows(table, owner is not None), owner)
                if owner is not None and L.known_by_key_only(c, table):
                    # a flight asked about by its number: one of theirs (their booking's), not one
                    # of nobody's they could not know the number of
                    rows = [r for r in rows if self.owners.of(table, r) is not None
                            or owner in self.owners.referred_by(table, r)]
                if owner is not None and rows:  # which of theirs has the most of something: asked once
                    out.append(("*", table, lambda sb, rng, t=table, r=rows[0]: C.compare(c, t, r, sb, rng)))
                for row in rows:
                    out.append((str(row[pk]), table, lambda sb, rng, t=table, r=row: L.lookup(c, t, r, sb, rng)))
            for plan in latest_lists(c):  # the latest record kept under one of theirs: named by its list read
                parent = next((t for t, tb in c.tables.items() if tb.pk == plan.param), None)
                if parent is None:
                    continue
                for row in self._owned(parent, self._table_rows(parent, owner is not None), owner):
                    out.append((str(row[plan.param]), plan.tool,
                                lambda sb, rng, p=plan, r=row: L.latest(c, p, r, sb, rng)))
            return out
        fn = {"refuse": K.refuse, "decline": K.decline, "complete": K.complete,
              "disambiguate": K.disambiguate}.get(kind)
        if fn is None:
            return []
        for wf in self.workflows:
            pk = c.tables[wf.anchor.table].pk
            rows = list(self.rows[wf.name]) if owner is None else self.anchored(wf, True)
            if kind == "refuse":
                blocked = self.anchored(wf, False)
                rows = (blocked[: 3 * self.max_tries] if owner is None else blocked) + rows
            for row in self._owned(wf.anchor.table, rows, owner):
                out.append((str(row[pk]), wf.name, lambda sb, rng, w=wf, r=row, f=fn, **kw: f(c, w, r, sb, rng, **kw)))
        return out

    def anchored(self, wf: Workflow, matching: bool) -> list[dict[str, Any]]:
        """`anchor_rows`, worked out once per workflow."""
        if (wf.name, matching) not in self._anchored:
            self._anchored[(wf.name, matching)] = anchor_rows(self.compiled, wf, matching=matching)
        return self._anchored[(wf.name, matching)]

    def _owned(self, table: str, rows: list[dict[str, Any]], owner: Owner | None) -> list[dict[str, Any]]:
        return rows if owner is None else [r for r in rows if self.owners.allows(owner, table, r)]

    def _table_rows(self, table: str, every: bool = False) -> list[dict[str, Any]]:
        rows = sorted(self.owners.rows.get(table, {}).values(), key=lambda r: str(r[self.compiled.tables[table].pk]))
        return rows if every else rows[: self.max_tries]
