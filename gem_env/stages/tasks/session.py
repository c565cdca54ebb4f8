"""Sessions: 2-4 requests of one customer in one domain, on one sandbox, in order.

Later requests see the earlier ones' changes (a lookup after a change reads the new values), and
the user brings each only once the one before is settled. A `multi_request` task is a session of
mixed requests; a task of another kind is its defining request (a refusal, a decline, a "which
one?", a question, a change) followed by more of the same customer's requests, as a real support
chat goes on after its first matter -- the task keeps the defining kind.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ...agents.ids import own_key
from ...agents.lookup import finder_tools
from ...agents.prechecks import records
from ...simulators.declining import TALK_IT_OVER
from ...simulators.scripted import in_words
from ...simulators.scenario import Request
from ...tools.model import InsertStep, UpdateStep, every_step
from ...tools.reasons import claims
from ...tools.render import ENDED, FREE_TEXT, render, smooth, spoken
from . import kinds as K
from . import lookups as L
from .build import make_task
from .model import GoldAction, Refusal, Task
from .owners import Owner

if TYPE_CHECKING:
    from ...tools import CompiledDomain
    from .make import _Context

TRIES_PER_REQUEST = 6
OWNERS_TRIED = 8
SIZE = 4
FOLLOW_ON = {  # what a customer asks next, after a request of the task's defining kind
    "complete": ["lookup_after", "complete", "lookup", "complete", "lookup"],
    "lookup": ["lookup", "complete", "lookup_after", "disambiguate", "complete", "lookup"],
    "refuse": ["complete", "lookup_after", "disambiguate", "lookup", "complete", "lookup"],
    "decline": ["complete", "lookup_after", "disambiguate", "lookup", "complete", "lookup"],
    "disambiguate": ["lookup_after", "complete", "lookup", "complete", "lookup"],
}
"""(a session stops at SIZE requests; the later entries stand in when an earlier one finds nothing)"""
STILL_SHORT = ["complete", "lookup", "complete"]
"""Tried, in turn, when a session's own kinds leave it short of SIZE (a question dropped as one the
customer was just told the answer to)."""
Candidate = tuple[str, str, Callable[..., "K.Built | str"]]
"""(row key, workflow or looked-up table, builder): one request to try."""


def make_session(ctx: "_Context", taken: set[str]) -> Task | None:
    """The longest session (then the one using most distinct tools) of the few customers with
    records for most workflows; None when no customer has two requests to make."""
    c = ctx.compiled
    rng = random.Random(f"{ctx.seed}\x00{c.domain.name}\x00session")
    tail = ["refuse", "decline", "complete", "lookup", "disambiguate"]
    rng.shuffle(tail)
    best: tuple[tuple[int, int], Task, Owner] | None = None
    made = 0
    # the first few customers that make a session at all (a customer with one record may not)
    for owner in [o for o in _owners(ctx, rng) if o not in ctx.session_owners][:4 * OWNERS_TRIED]:
        task = _session(ctx, owner, ["complete", "lookup_after", *tail], random.Random(rng.random()))
        if task is None or task.id in taken:
            continue
        made += 1
        score = (len(task.scenario.requests), len({a.tool for a in task.gold_actions}))
        if best is None or score > best[0]:
            best = (score, task, owner)
        if made >= OWNERS_TRIED:
            break
    if best is None:
        return None
    ctx.session_owners.add(best[2])
    return best[1]


def _owners(ctx: "_Context", rng: random.Random) -> list[Owner]:
    """Customers by how many of the domain's workflows they have a record for (most first; ties
    in a seeded order)."""
    covered: dict[Owner, set[str]] = {}
    for wf in ctx.workflows:
        for matching in (True, False):
            for row in ctx.anchored(wf, matching):
                owner = ctx.owners.of(wf.anchor.table, row)
                if owner is not None:
                    covered.setdefault(owner, set()).add(f"{wf.name}:{matching}")
    order = sorted(covered)
    rng.shuffle(order)
    return sorted(order, key=lambda o: -len(covered[o]))


def grow_session(ctx: "_Context", kind: str, first: Candidate, taken: set[str]) -> Task | None:
    """A task of `kind` whose first request is `first` (row key, workflow or table, builder), with
    the same customer's follow-on requests; None when the row has no owner or nothing follows."""
    key, name, _ = first
    wf = next((w for w in ctx.workflows if w.name == name), None)
    table = wf.anchor.table if wf is not None else name
    row = ctx.owners.rows.get(table, {}).get(key)
    owner = ctx.owners.of(table, row) if row is not None else None
    then = [k for k in FOLLOW_ON.get(kind, []) if k.removesuffix("_after") in ctx.kinds]
    if owner is None or not then or "multi_request" not in ctx.kinds:  # sessions not asked for
        return None
    rng = random.Random(f"{ctx.seed}\x00{ctx.compiled.domain.name}\x00{kind}\x00{name}\x00{key}")
    task = _session(ctx, owner, then, rng, first=first, category=kind)
    return None if task is None or task.id in taken else task


def _session(ctx: "_Context", owner: Owner, kinds: list[str], rng: random.Random, *,
             first: Candidate | None = None, category: str = "multi_request") -> Task | None:
    c = ctx.compiled
    sandbox = c.new_sandbox()
    try:
        initial = sandbox.state_hash()
        built: list[K.Built] = []
        rows: set[str] = set()  # "workflow:record" of the requests so far
        if first is not None:
            got = first[2](sandbox, rng)
            if isinstance(got, str) or _hands_off(ctx, got.workflow):
                return None
            built.append(got)
            rows.add(f"{first[1]}:{first[0]}")
            built += _cleared(ctx, built, sandbox, rng, owner)
        for kind, left in _in_turn(kinds, STILL_SHORT):
            if len(built) >= SIZE:
                break
            snap, asked = sandbox.snapshot(), set(rows)
            got = _next(ctx, kind, built, sandbox, rng, owner, rows)
            if got is None:
                continue
            spare = left > SIZE - len(built) - 1  # a later kind can still fill this place
            # the same question twice (a status asked after a change, then again as a lookup), or a
            # request using only tools the session has used while a later kind's can take its place
            if any(asked_again(b.request, got.request) for b in built) or told_already(ctx.compiled, built, got) \
                    or spare and not _new_tools(ctx, [*built, got]) - _new_tools(ctx, built):
                sandbox.restore(snap)
                rows.intersection_update(asked)
                continue
            built.append(got)
            if _hands_off(ctx, got.workflow):
                break  # a person takes it from there: the chat ends with the hand-off
            built += _cleared(ctx, built, sandbox, rng, owner)
        if len(built) < 2 or K.authenticate(c, built, sandbox) is not None:
            return None
        _say_new_keys(c, built)
        _mark_twins(c, built)
        key = "|".join(f"{b.request.kind}:{b.workflow}:{sorted(b.request.knows.items())}" for b in built)
        return make_task(c, built, category=category, key=key, initial=initial,
                         final=sandbox.state_hash(), seed=ctx.seed, doc_id=ctx.doc_id)
    finally:
        sandbox.close()


def _in_turn(kinds: list[str], short: list[str]) -> Iterator[tuple[str, int]]:
    """(kind, how many of its own list come after it): the session's kinds, then the ones tried
    when those leave it short; a kind of the second list never makes one of the first spare."""
    for i, kind in enumerate(kinds):
        yield kind, len(kinds) - i - 1
    for i, kind in enumerate(short):
        yield kind, len(short) - i - 1


def asked_again(before: Request, now: Request) -> bool:
    """Whether `now` asks what `before` asked: the same request, or a question about the same
    record (the same ids) asking a fact again ("the submission time", then "the status and
    submission time")."""
    if before.kind != now.kind:
        return False
    ids = [{k: str(v) for k, v in r.knows.items() if k.endswith("_id")} for r in (before, now)]
    same = ids[0] == ids[1] if ids[0] or ids[1] else _knows(before) == _knows(now)
    if now.kind == "lookup":
        return same and bool(set(before.asks) & set(now.asks))
    return _knows(before) == _knows(now) and before.intent == now.intent


def told_already(compiled: "CompiledDomain", built: list[K.Built], now: K.Built) -> bool:
    """Whether `now` only reads, and every fact it would tell is what the session's replies last
    showed of its record ("what's the balance?" right after closing the account, whose reply said
    the balance is $0): the assistant answers from what it has, so the request brings no call and
    nothing the customer was not just told."""
    if not now.outputs or now.record is None or any(compiled.tools[a.tool].writes for a in now.actions):
        return False
    table, row = now.record
    pk = compiled.tables[table].pk
    if row.get(pk) in (None, ""):
        return False
    shown: dict[str, Any] = {}
    for a in (a for b in built for a in b.actions):
        for rec in records([a.result]):
            if own_key(rec) == pk and str(rec[pk]) == str(row[pk]):
                shown.update(rec)
    return all(name in shown and render(shown[name]) == told for name, told in now.outputs.items())


def undoes_earlier(ctx: "_Context", built: list[K.Built], now: K.Built) -> bool:
    """`makes_earlier_pointless` for the session's next request."""
    return makes_earlier_pointless(ctx.compiled, [a for b in built for a in b.actions], now.actions,
                                   lambda table: ctx.owners.rows.get(table, {}))


def makes_earlier_pointless(compiled: "CompiledDomain", done: list[GoldAction], now: list[GoldAction],
                            rows_of: Callable[[str], dict[Any, dict[str, Any]]]) -> bool:
    """Whether the calls `now` change the status of a record an earlier call of the session
    (`done`) wrote, so that the earlier change was for nothing: a card's limit raised and then the
    card frozen, an appointment moved and then cancelled, a user unblocked and then removed; or
    change a record the session made (a booking made and then moved to another flight). An
    escalation is a person's next step and stays: a card frozen and then closed, a line suspended
    and then cancelled (the earlier write left the record in a status other than its table's usual
    one), but only for the reason that moved it first: a card frozen because it was stolen is not
    then unfrozen, nor its limit changed, nor closed because of fees (the customer's story would
    change); nor is one record changed twice for two reasons. A record is named by its key or a role
    of it (`destination_account_id`: money moved into an account that is then closed). `rows_of(table)`:
    the table's rows by key, for a status no call has shown."""
    c = compiled
    made = {(c.tables[st.insert].pk, str(e.result[c.tables[st.insert].pk])) for e in done
            if e.ok and isinstance(e.result, dict) for st in every_step(c.tools[e.tool].spec.effect or [])
            if isinstance(st, InsertStep) and e.result.get(c.tables[st.insert].pk) not in (None, "")}
    for a in now:
        if not (c.tools[a.tool].writes and a.ok):
            continue
        if any((k, str(v)) in made for k, v in a.arguments.items()):
            return True  # a record made in the session, changed at once: it would have been made so
        for table, t in c.tables.items():
            keys = {str(v) for k, v in a.arguments.items() if _names_key(k, t.pk)}
            writes = [i for i, e in enumerate(done) if keys and c.tools[e.tool].writes and e.ok
                      and any(_names_key(k, t.pk) and str(v) in keys for k, v in e.arguments.items())]
            if not writes:
                continue
            rows = rows_of(table)
            usual = Counter(str(r["status"]) for r in rows.values() if "status" in r).most_common(1)
            changed = [i for i in writes if _updates(c, done[i].tool, table)] if _updates(c, a.tool, table) else []
            why = a.arguments.get("reason")
            if why is not None and any(done[i].arguments.get("reason") not in (None, why) for i in changed):
                return True  # the same record changed for another reason than before
            for key in keys if changed else ():  # moved out of its usual status: only that reason goes on
                was = _status(t.pk, key, done[:changed[0]], rows)
                moved = _status(t.pk, key, done[:changed[-1] + 1], rows)
                if usual and was == usual[0][0] and moved not in (None, was) \
                        and (why is None or done[changed[-1]].arguments.get("reason") != why):
                    return True
            key = a.arguments.get(t.pk)
            if key is None or not (isinstance(a.result, dict) and "status" in a.result):
                continue
            before = _status(t.pk, key, done, rows)
            if before is None or str(a.result["status"]) == before:
                continue  # (a write that leaves the status as it was changes a detail)
            after = _status(t.pk, key, done[:writes[-1] + 1], rows)
            if after == _status(t.pk, key, done[:writes[-1]], rows) or usual and after == usual[0][0]:
                return True
    return False


def _updates(compiled: "CompiledDomain", tool: str, table: str) -> bool:
    """Whether `tool`'s effect updates rows of `table`."""
    return any(isinstance(st, UpdateStep) and st.update == table
               for st in every_step(compiled.tools[tool].spec.effect or []))


def _names_key(arg: str, pk: str) -> bool:
    """Whether an argument named `arg` takes a key of the table keyed by `pk` (itself, or a role of
    it: `source_account_id`)."""
    return arg == pk or arg.endswith(f"_{pk}")


def _status(pk: str, key: Any, calls: list[GoldAction], rows: dict[Any, dict[str, Any]]) -> str | None:
    """The record's status as the replies of `calls` last showed it, else as seeded (`rows`)."""
    for e in reversed(calls):
        for rec in records([e.result]):
            if str(rec.get(pk)) == str(key) and "status" in rec:
                return str(rec["status"])
    row = rows.get(str(key)) or rows.get(key)
    return str(row["status"]) if row and "status" in row else None


def _knows(r: Request) -> list[tuple[str, str]]:
    return sorted((k, str(v)) for k, v in r.knows.items())


def _next(ctx: "_Context", kind: str, built: list[K.Built], sandbox, rng: random.Random,
          owner: Owner, rows: set[str]) -> K.Built | None:
    """The session's next request of `kind`; `rows` ("workflow:record" asked about so far) grows
    by its own."""
    if kind == "lookup_after":
        return _lookup_after(ctx, built, sandbox, rng)
    used = {a.tool for b in built for a in b.actions}
    # a record an earlier request of the same workflow settled is not asked about again (a declined
    # write done after all); another workflow may take it up (a held write made is checked below)
    candidates = [c for c in ctx.candidates(kind, owner) if f"{c[1]}:{c[0]}" not in rows]
    own = {f.table for f in finder_tools(ctx.compiled)} if kind == "lookup" else set()
    setback = next((b for b in reversed(built) if _setback(b)), None)
    if setback is not None and setback is not built[-1] and setback.request.kind == "refuse":
        # the assistant offered a person right after that refusal, and the customer went on to
        # something else: they do not ask for one about it later ("No thanks." ... "I'd like to talk
        # to a person about my card.")
        candidates = [c for c in candidates if not _hands_off(ctx, c[1])]
    said: dict[str, Any] = {"note": note, "about": setback.record[1] if setback and setback.record else None,
                            "offered": built[-1].request.kind == "refuse"} \
        if kind == "complete" and (note := _what_happened(built)) and not _ended_since(ctx, built) else {}
    last = len(built) == SIZE - 1
    # tools the session has not used yet first (stable); a request where the customer writes a
    # note (a handoff's summary) counts only after a request that did not go their way, where they
    # have something to say, and then as if it brought one more; a hand-off ends the session, so
    # it comes in the session's last place, or right after a refusal that offered it;
    # questions about the service's records before the user's own profile (people seldom ask
    # a service their own name)
    def rank(c: Candidate) -> tuple[int, bool]:
        note = _takes_note(ctx, c[1])
        if not last and _hands_off(ctx, c[1]) and not said.get("offered"):
            return 1, c[1] in own
        new = len(_tools(ctx, c[1], kind) - used) if said or not note else 0
        return -new - bool(said and note), c[1] in own
    candidates.sort(key=rank)
    first: tuple[str, K.Built] | None = None
    best = (-1, False)
    for key, name, builder in candidates[:TRIES_PER_REQUEST]:
        snap = sandbox.snapshot()
        got = builder(sandbox, rng, **said)
        if isinstance(got, K.Built) and (_held_write_made(ctx, [*built, got]) or undoes_earlier(ctx, built, got)
                                         or _story_breaks(ctx, built, got)):
            sandbox.restore(snap)  # a complete request's write is undone with it
            continue
        if isinstance(got, K.Built):
            if kind != "lookup":
                first = (f"{name}:{key}", got)
                break
            # a lookup only reads: trying another leaves the sandbox as it was. The one bringing the
            # most tools the session has not used wins, then one that finds the record from who the
            # user is (more than the read itself) over one whose key the user just says
            score = (len({a.tool for a in got.actions} - used), len(got.actions) > 1)
            if score > best:
                best, first = score, (f"{name}:{key}", got)
    if first is None:
        return None
    rows.add(first[0])
    return first[1]


def _cleared(ctx: "_Context", built: list[K.Built], sandbox, rng: random.Random, owner: Owner) -> list[K.Built]:
    """After a refusal with room for two more requests: the customer's own change that clears what
    stopped it (`_lift`: the card unfrozen so its limit can be raised, the balance moved out so the
    account can be closed, one of five lines cancelled so another can be added), then the refused
    request again, now done; none when no request of theirs would let the held write through. Each
    way out is tried on the sandbox: the held write must succeed after it, and the refused workflow
    must then run whole."""
    refused = built[-1]
    held = refused.refusal
    if held is None or refused.record is None or len(built) > SIZE - 2:
        return []
    table, row = refused.record
    pk = ctx.compiled.tables[table].pk
    wf = next(w for w in ctx.workflows if w.name == refused.workflow)
    held_now = sandbox.dump([table])[table].get(str(row[pk])) or row
    why = str(held_now.get("status_reason") or "")  # why the record is held as it is (frozen "because of travel")
    for key, name, builder in ctx.candidates("complete", owner):
        if name == wf.name or _hands_off(ctx, name):
            continue
        for way_of in [*_fitting_reasons(ctx, name, key, builder), *_all_of_it(ctx, name, key, held_now)]:
            snap = sandbox.snapshot()
            way = way_of(sandbox, rng)
            lift = _lift(ctx, way, held) if isinstance(way, K.Built) else None
            if lift is not None and _names_record(lift.arguments, held.target) and _NOT_THEIRS_TO_LIFT.search(why):
                lift = None  # a card frozen because it was stolen is not unfrozen to raise its limit
            again = None
            if lift is not None and not undoes_earlier(ctx, built, way) and not _story_breaks(ctx, built, way):
                probe = sandbox.snapshot()
                through = sandbox.call(held.tool, held.arguments).ok
                sandbox.restore(probe)
                now = sandbox.dump([table])[table].get(str(row[pk])) if through else None
                again = K.complete(ctx.compiled, wf, now, sandbox, rng) if now is not None else None
            if isinstance(again, K.Built) and any(a.tool == held.tool and K.target_of(a.arguments) == held.target
                                                  for a in again.actions) \
                    and not _story_breaks(ctx, [*built, way], again):
                way.request.clears, again.request.retry = True, True
                if _names_record(lift.arguments, held.target):  # (not "I'm back from my trip" after a
                    # freeze of theirs "because I'm going abroad" in the same session)
                    way.request.since = next((said for hold, said in _SINCE if hold.search(why) and not any(
                        hold.search(str(b.request.knows.get("reason", ""))) for b in built)), "")
                held.lifted_by = {"tool": lift.tool, "target": K.target_of(lift.arguments)}
                return [way, again]
            sandbox.restore(snap)
    return []


_NOT_THEIRS_TO_LIFT = re.compile(r"stolen|fraud|suspicious|compromised", re.IGNORECASE)
"""Why a record is held that the customer does not lift for another request's sake (a stolen card)."""
_SINCE = [(re.compile(r"\blost\b", re.IGNORECASE), "I found it again"),
          (re.compile(r"\btravel", re.IGNORECASE), "I'm back from my trip"),
          (re.compile(r"\binjur", re.IGNORECASE), "I've recovered now")]
"""What changed since a hold the customer lifts, in their words, by why it was held."""


def _lift(ctx: "_Context", way: K.Built, held: Refusal) -> GoldAction | None:
    """The write of `way` that may clear `held` in the way its rule means: one on the held record
    itself, or naming it in a role (money moved out of the account the rule keeps open), or one
    ending another record of a kind the rule names ("at most 5 lines": one of them cancelled). A
    write merely changing another record (a linked account frozen so that "no linked account is
    open" holds) is no way out a customer would take."""
    c = ctx.compiled
    for a in way.actions:
        if not (c.tools[a.tool].writes and a.ok):
            continue
        if _names_record(a.arguments, held.target):
            return a
        status = a.result.get("status") if isinstance(a.result, dict) else None
        tables = {st.update for st in every_step(c.tools[a.tool].spec.effect or []) if isinstance(st, UpdateStep)}
        if str(status) in ENDED and any(re.search(rf"\b{re.escape(t.replace('_', ' '))}\b", held.reason, re.I)
                                        for t in tables):
            return a
    return None


def _names_record(args: dict[str, Any], target: dict[str, Any]) -> bool:
    """Whether a call's arguments name the record `target` names, by its keys or a role of them."""
    return bool(target) and all(any(_names_key(k, key) and str(v) == str(value) for k, v in args.items())
                                for key, value in target.items())


def _given(ctx: "_Context", name: str, key: str, knows: dict[str, str]) -> Callable[..., Any] | None:
    """A builder of workflow `name` on its row `key` with some of what the customer knows given
    (expressions by name) in place of the workflow's own; None when the row is not theirs to ask about."""
    wf = next((w for w in ctx.workflows if w.name == name), None)
    row = ctx.owners.rows.get(wf.anchor.table, {}).get(key) if wf is not None else None
    if wf is None or row is None:
        return None
    w = wf.model_copy(update={"knows": {**wf.knows, **knows}})
    return lambda sb, rng: K.complete(ctx.compiled, w, row, sb, rng)


def _all_of_it(ctx: "_Context", name: str, key: str, held_row: dict[str, Any]) -> list[Callable[..., Any]]:
    """Workflow `name` with an amount the customer gives set to all of an amount of the held record
    as it is now (the whole balance moved out, so that the account can be closed): ways to try
    when the workflow's own amount does not clear the rule."""
    wf = next((w for w in ctx.workflows if w.name == name), None)
    amounts = [v for v in held_row.values() if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0]
    given = [k for k in (wf.knows if wf is not None else {}) if k == "amount" or k.endswith("_amount")]
    return [b for k in given for v in amounts if (b := _given(ctx, name, key, {k: repr(v)})) is not None]


def _fitting_reasons(ctx: "_Context", name: str, key: str, builder: Callable[..., Any]) -> list[Callable[..., Any]]:
    """Workflow `name` as a way out, with the reasons it may be given for that fit: a record ended
    to make room for another is "no longer needed" where its write takes that reason, and never
    ended "because I'm moving" (`LEAVING`) when the customer then stays (a new line added); the
    workflow's own reason otherwise."""
    wf = next((w for w in ctx.workflows if w.name == name), None)
    if wf is None or "reason" not in wf.knows:
        return [builder]
    enum = next((p.enum for s in wf.steps for p in ctx.compiled.tools[s.tool].spec.parameters
                 if p.name == "reason" and p.enum), None) or []
    # (nor one claiming what this record may not show: "fees" of an account opened last week)
    fits = [r for r in enum if isinstance(r, str) and r != "other" and not LEAVING.search(r) and not claims(r)]
    own = [] if LEAVING.search(wf.knows["reason"]) else [builder]
    tried = [r for r in fits if r == "no longer needed"] + ([] if own else [r for r in fits if r != "no longer needed"])
    given = [b for r in tried if repr(r) != wf.knows["reason"] and (b := _given(ctx, name, key, {"reason": repr(r)}))]
    return [*given, *own]


def _what_happened(built: list[K.Built]) -> str | None:
    """What the customer would write in a note for whoever reads their next request (a handoff's
    summary), when a request of the session did not go their way (the latest such): what they
    wanted, in their words, and what stopped it ("I wanted to freeze my card because it was stolen
    but was told no because it's closed"); None when every request went through (a refusal they
    cleared went through in the end)."""
    built = built[:max((i + 1 for i, b in enumerate(built) if _setback(b)), default=0)]
    prev = built[-1].request if built else None
    if prev is None or prev.kind not in ("refuse", "decline") or not prev.intent:
        return None
    want = smooth(in_words(prev.intent))
    if prev.kind == "decline":
        return f"I was going to {want} but {TALK_IT_OVER}"
    refusal, record = built[-1].refusal, built[-1].record
    values = [str(v) for v in refusal.values] if refusal else []
    # the state that stopped it, when it is the record's status in words ("closed"); a rule on
    # anything else (a membership level, a cabin) is one the customer does not qualify under
    status = str(record[1].get("status", "")) if record else ""
    if status in values and re.fullmatch(r"[a-z][a-z _]*", status):
        return f"I wanted to {want} but was told no because it's {spoken('', status)}"
    # the state of the record it belongs to, as the rule says it ("...; this order is pending")
    other = re.search(r"\bthis ([a-z]+(?: [a-z]+)?) is ([a-z][a-z ]*)\)?$", refusal.reason) if refusal else None
    if other and other.group(2) in values:
        return f"I wanted to {want} but was told no because the {other.group(1)} is {other.group(2)}"
    # a condition the rule names, turned round ("... only be extended if the car is not booked by
    # another customer": "because the car is booked by another customer")
    turned = re.search(r"\bif (the [a-z]+(?: [a-z]+)?) (is|are) not ([a-z][a-z ]*[a-z])\.?$", refusal.reason) \
        if refusal else None
    if turned and values in (["True"], ["true"]):
        return f"I wanted to {want} but was told no because {turned.group(1)} {turned.group(2)} {turned.group(3)}"
    return f"I wanted to {want} but was told I don't qualify" if values else \
        f"I wanted to {want} but was told it can't be done"


def _ended_since(ctx: "_Context", built: list[K.Built]) -> bool:
    """Whether the record of the session's latest setback (`_setback`) was ended by a later request
    (closed, cancelled: `ENDED`): a transfer from an account held back to talk over, the account
    then closed, is nothing to hand a person a note about ("I was going to transfer $1,500 from my
    account but want to talk it over", of an account paid out and closed)."""
    at = max((i for i, b in enumerate(built) if _setback(b)), default=None)
    record = built[at].record if at is not None else None
    if record is None:
        return False
    table, row = record
    pk = ctx.compiled.tables[table].pk
    key = str(row.get(pk))
    return any(ctx.compiled.tools[a.tool].writes and a.ok and isinstance(a.result, dict)
               and str(a.arguments.get(pk, a.result.get(pk))) == key and a.result.get("status") in ENDED
               for b in built[at + 1:] for a in b.actions if a.tool in ctx.compiled.tools)


def _setback(b: K.Built) -> bool:
    """Whether a request did not go the customer's way: declined, or refused and not cleared later."""
    return b.request.kind == "decline" or b.request.kind == "refuse" and not (b.refusal and b.refusal.lifted_by)


def _lookup_after(ctx: "_Context", built: list[K.Built], sandbox, rng: random.Random) -> K.Built | None:
    """A question about the record the previous request changed ("what's its status now?"); none
    after a request that changed nothing, whose record the user has just been told about, and none
    when the session has already used the tool that reads it (the next kind's request, which
    prefers tools not yet used, takes its place)."""
    prev = built[-1] if built else None
    wf = next((w for w in ctx.workflows if prev and w.name == prev.workflow), None)
    if prev is None or wf is None or wf.anchor.table not in K.lookup_tools(ctx.compiled):
        return None
    if not any(ctx.compiled.tools[a.tool].writes and a.ok for a in prev.actions):
        return None
    tool, param = K.lookup_tools(ctx.compiled)[wf.anchor.table]
    key = next((v for k, v in prev.request.knows.items() if k == param), None)
    if key is None or any(a.tool == tool for b in built for a in b.actions):
        return None  # the session has read that record with this tool: a question of another kind brings more
    got = L.lookup(ctx.compiled, wf.anchor.table, {ctx.compiled.tables[wf.anchor.table].pk: key}, sandbox, rng)
    return got if isinstance(got, K.Built) else None


LEAVING = re.compile(r"\b(?:moving|switching|leaving|relocating)\b", re.IGNORECASE)
"""A reason that says the customer is leaving the service ("moving bank", "switching supplier")."""


def _leaving_and_staying(ctx: "_Context", built: list[K.Built], now: K.Built) -> bool:
    """Whether a request of the session says the customer is leaving (`LEAVING`) while another
    carries on with the service: a change after it (one asked for and refused too: a plan to change
    on a subscription they then cancel "because I'm relocating"), or one before it that starts or
    adds something (money moved into the account then closed "because I'm moving banks") or that
    they were refused. A question may follow."""
    def leaves(b: K.Built) -> bool:
        return bool(LEAVING.search(str(b.request.knows.get("reason", ""))))

    def writes(b: K.Built) -> bool:
        return any(ctx.compiled.tools[a.tool].writes and a.ok for a in b.actions) or refused(b)

    def refused(b: K.Built) -> bool:  # a change they wanted, whatever stopped it
        return b.refusal is not None and not leaves(b)

    def adds(b: K.Built) -> bool:
        return any(ctx.compiled.tools[a.tool].writes and a.ok and isinstance(st, InsertStep)
                   for a in b.actions for st in every_step(ctx.compiled.tools[a.tool].spec.effect or []))
    if any(leaves(b) for b in built):
        return writes(now)
    return leaves(now) and any(adds(b) or refused(b) for b in built)


def _story_breaks(ctx: "_Context", built: list[K.Built], now: K.Built) -> bool:
    """Whether request `now` contradicts what the customer said in the session's earlier ones, or
    they contradict it: leaving the service and staying (`_leaving_and_staying`), short of money and
    spending more (`_hard_up_and_spending`), a card reported misused and then loosened
    (`_reported_and_loosened`)."""
    return (_leaving_and_staying(ctx, built, now) or _hard_up_and_spending(ctx, built, now)
            or _reported_and_loosened(ctx, built, now))


COMPROMISED = re.compile(r"\b(?:fraud|stolen|lost|unauthori[sz]ed|never made|someone else)", re.IGNORECASE)
"""A reason that says a record is out of its owner's hands or was misused ("fraud": "I never made
this purchase"; a card frozen as lost)."""
HELD = frozenset({"frozen", "locked", "blocked", "suspended", "lost", "stolen"})
"""Statuses that hold a record back; a change off one of them loosens it (unfreeze, reactivate)."""
LIMIT = re.compile(r"(?:^|_)limit$")


def _reported_and_loosened(ctx: "_Context", built: list[K.Built], now: K.Built) -> bool:
    """Whether a request of the session says a record was misused or is out of the customer's hands
    (`COMPROMISED`: a fraud dispute on one of a card's charges, a card frozen as lost) while another
    loosens that record or one above it: unfreezes or reactivates it, or raises its limit. Either
    order: nobody reports a card's charge as fraud and has its limit raised in the same visit."""
    c, refs, people = ctx.compiled, ctx.owners.refs, ctx.owners.people

    def rows_written(actions: list[GoldAction]) -> list[tuple[str, str, dict]]:
        out = []
        for a in actions:
            if not (c.tools[a.tool].writes and a.ok):
                continue
            for table, t in c.tables.items():
                key = a.arguments.get(t.pk)
                row = ctx.owners.rows.get(table, {}).get(str(key)) if key is not None else None
                if row is not None and table not in people:
                    out.append((table, str(key), row))
        return out

    def reported(b: K.Built) -> set[tuple[str, str]]:  # the rows written on and those above them
        if not COMPROMISED.search(str(b.request.knows.get("reason", ""))):
            return set()
        found, todo = set(), rows_written(b.actions)
        while todo:
            table, key, row = todo.pop()
            if (table, key) in found:
                continue
            found.add((table, key))
            for field, parent, pk in refs.get(table, []):
                up = ctx.owners.rows.get(parent, {}).get(str(row.get(field)))
                if up is not None and parent not in people and pk == c.tables[parent].pk:
                    todo.append((parent, str(row.get(field)), up))
        return found

    def loosened(b: K.Built) -> set[tuple[str, str]]:
        out = set()
        for a in b.actions:
            if not (c.tools[a.tool].writes and a.ok and isinstance(a.result, dict)):
                continue
            for table, key, was in rows_written([a]):
                unheld = was.get("status") in HELD and a.result.get("status") not in (None, *HELD)
                raised = any(LIMIT.search(f) and isinstance(v, (int, float)) and isinstance(was.get(f), (int, float))
                             and v > was[f] for f, v in a.result.items())
                if unheld or raised:
                    out.add((table, key))
        return out
    return any(reported(x) & loosened(y) for b in built for x, y in ((now, b), (b, now)))


HARD_UP = re.compile(r"\b(?:hardship|afford|money is tight)", re.IGNORECASE)
"""A reason that says the customer is short of money ("hardship": "money is tight right now"): no
spending goes with it."""
TOO_DEAR = re.compile(r"\btoo expensive\b", re.IGNORECASE)
"""A reason that says one record costs too much: no dearer plan goes with it (a line cancelled as
too expensive and a new one added in its place is a swap)."""
PRICED = re.compile(r"(?:^|_)(?:price|fee|rate|cost)$|^total_paid$")
"""A field holding what a record costs its owner (`monthly_price`, `nightly_rate`, `total_paid`)."""


def _hard_up_and_spending(ctx: "_Context", built: list[K.Built], now: K.Built) -> bool:
    """Whether a request of the session says the customer is short of money (`HARD_UP`: a payment
    plan "because money is tight") while another makes them pay more: a record moved to a dearer
    plan (a priced field raised: Basic $23.99 to Plus $50.99), or a priced record added (a new line,
    a booking); or says a record is too expensive (`TOO_DEAR`) while another is moved to a dearer
    plan. Either order: nobody upgrades and then asks for a hardship plan in one visit."""
    c = ctx.compiled

    def why(b: K.Built) -> str:
        return str(b.request.knows.get("reason", ""))

    def dearer(a: GoldAction, added: bool) -> bool:
        if not (c.tools[a.tool].writes and a.ok and isinstance(a.result, dict)):
            return False
        for st in every_step(c.tools[a.tool].spec.effect or []):
            if added and isinstance(st, InsertStep) and any(PRICED.search(f) for f in c.tables[st.insert].fields):
                return True
        for table, t in c.tables.items():
            key = a.arguments.get(t.pk)
            rows = ctx.owners.rows.get(table, {})
            was = rows.get(str(key)) or rows.get(key) if key is not None else None
            if was and any(PRICED.search(f) and isinstance(v, (int, float)) and isinstance(was.get(f), (int, float))
                           and v > was[f] for f, v in a.result.items()):
                return True
        return False

    def short(b: K.Built) -> bool:
        return bool(HARD_UP.search(why(b)) or TOO_DEAR.search(why(b)))

    def breaks(said: K.Built, other: K.Built) -> bool:  # (a hardship request's own record is no spending)
        if short(other):
            return False
        added = bool(HARD_UP.search(why(said)))
        return short(said) and any(dearer(a, added) for a in other.actions)
    return any(breaks(now, b) or breaks(b, now) for b in built)


def _held_write_made(ctx: "_Context", built: list[K.Built]) -> bool:
    """Whether some request's write names the record a refusal (one not cleared, `_cleared`) or a
    decline holds back (all of its target's arguments), which verification would count as the held
    write made; or a request before
    a "which one?" request wrote on the record the user means, which would count as writing before
    asking."""
    def writes(requests: list[K.Built]) -> list[dict]:
        return [a.arguments for b in requests for a in b.actions if ctx.compiled.tools[a.tool].writes and a.ok]

    def names(args: dict, target: dict) -> bool:
        return all(str(args.get(k)) == str(v) for k, v in target.items())

    held = [x.target for b in built for x in (b.refusal, b.decline) if x is not None
            and not (b.refusal is x and x.lifted_by)]  # a refusal the customer cleared is done after all
    if any(names(args, target) for target in held for args in writes(built)):
        return True
    return any(names(args, {b.ambiguity.key: b.ambiguity.chosen}) for i, b in enumerate(built) if b.ambiguity
               for args in writes(built[:i]))


def _tools(ctx: "_Context", name: str, kind: str = "complete") -> set[str]:
    """The tools a candidate request of workflow (or looked-up table) `name` may call (a refused or
    declined one never calls its writes), but a read of the customer's own profile: it is who they
    are, not what the request is about (a move reads the address on file first)."""
    wf = next((w for w in ctx.workflows if w.name == name), None)
    if wf is not None:
        held = kind in ("refuse", "decline")
        lookups = K.lookup_tools(ctx.compiled)
        profile = {lookups[f.table][0] for f in finder_tools(ctx.compiled) if f.table in lookups}
        return {s.tool for s in wf.steps if not (held and ctx.compiled.tools[s.tool].writes) and s.tool not in profile}
    found = K.lookup_tools(ctx.compiled).get(name)
    return {found[0]} if found else {name} if name in ctx.compiled.tools else set()  # (a list read, `lookups.latest`)


def _new_tools(ctx: "_Context", built: list[K.Built]) -> set[str]:
    """The tools the requests' gold calls."""
    return {a.tool for b in built for a in b.actions}


def _hands_off(ctx: "_Context", name: str) -> bool:
    """Whether workflow `name` hands the customer to a person (the service's hand-off)."""
    return any(w.name == name and w.category == "handoff" for w in ctx.workflows)


def _takes_note(ctx: "_Context", name: str) -> bool:
    """Whether workflow `name` has the user write free text (`FREE_TEXT`: a summary, a note)."""
    wf = next((w for w in ctx.workflows if w.name == name), None)
    return wf is not None and any(FREE_TEXT.search(k) for k in wf.knows)


def _mark_twins(compiled: "CompiledDomain", built: list[K.Built]) -> None:
    """A declined request whose write another request of the session makes (or asks for) on another
    record is a `twin`: the customer says no for what sets this record apart, not for the change
    ("with a $500 fee it isn't worth it", and then the other account with the same fee closed)."""
    for b in built:
        if b.decline is None:
            continue
        tool = b.decline.tool
        b.request.twin = any(o is not b and (any(a.tool == tool and a.ok and compiled.tools[a.tool].writes
                                                 for a in o.actions)
                                             or any(x is not None and x.tool == tool for x in (o.refusal, o.decline)))
                             for o in built)


def _say_new_keys(compiled: "CompiledDomain", built: list[K.Built]) -> None:
    """A later request about a different record names it up front ("and my other card, ..."), but
    for one that lets the assistant ask which record it is about: nor then a record under it, whose
    id would say which ("That's bill BLL-1." and then "Which line is it?")."""
    known: dict[str, object] = {}
    for b in built:
        r = b.request
        hidden = b.ambiguity.key if b.ambiguity else None  # the user lets the assistant ask which
        under = {t.pk for t in compiled.tables.values() if hidden in t.fields and t.pk != hidden} if hidden else set()
        changed = [k for k, v in r.knows.items() if k in known and known[k] != v and k != hidden and k not in under]
        r.opening = list(dict.fromkeys([*r.opening, *changed]))
        known.update(r.knows)
