"""One request of a task, built on a sandbox: complete, refuse, decline or lookup.

Each builder runs the request's gold actions in the sandbox it is given (so a session's later
requests see the earlier ones' changes) and returns a `Built`, or the reason the row does not
make this kind of request (the sandbox is then as it was).
"""
from __future__ import annotations

import random
import zlib
import re
from dataclasses import dataclass, field
from typing import Any

from ...agents.listings import listings
from ...agents.prechecks import blocking_rule, is_rule_message, opened as opened_record, rule_records
from ...agents.ids import distinguishing, id_by_description, id_from_results, record_lists
from ...agents.lookup import Finder, auth_finder, fallback_finder, reaches, record_reader
from ...simulators.phrases import said_value
from ...simulators.scenario import Request, user_words
from ...tools import CompiledDomain, Sandbox, Workflow
from ...tools.errors import ExprError
from ...tools.expr import compile_expr, compile_template
from ...tools.model import FindStep, RequireStep, ReturnStep
from ...tools.reasons import URGENT, of_person, own_words, reworded, reworded_in
from ...tools.render import FREE_TEXT, SECRET, render
from .model import Ambiguity, Decline, GoldAction, Offered, Refusal
from .offers import make_offer
from .opened import add_reads, description, opened_ids, picked as picked_by_details
from .replay import first_write, replay_workflow, resolve_args


@dataclass
class Built:
    request: Request
    actions: list[GoldAction]
    outputs: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    refusal: Refusal | None = None
    decline: Decline | None = None
    ambiguity: Ambiguity | None = None
    offer: Offered | None = None  # what the assistant offers once the request's write is done (tasks.offers)
    workflow: str = ""
    topic: str = "general"
    record: tuple[str, dict[str, Any]] | None = None  # (table, row) the request is about


def derive_knows(wf: Workflow, row: dict[str, Any], sandbox: Sandbox) -> dict[str, Any] | str:
    """What the user knows about their row, or why it cannot be derived."""
    try:
        knows = {k: compile_expr(src)({**sandbox.clock, "row": row}, sandbox) for k, src in wf.knows.items()}
    except ExprError as err:
        return f"user knowledge cannot be derived: {err}"
    empty = [k for k, v in knows.items() if v is None or v == ""]
    return f"user knowledge is empty: {empty}" if empty else knows


def goal_text(wf: Workflow, knows: dict[str, Any]) -> str:
    return compile_template(wf.goal)({k: render(v) for k, v in knows.items()}, None)  # type: ignore[arg-type]


def _request(kind: str, wf: Workflow, knows: dict[str, Any], rng: random.Random, actions: list[GoldAction], *,
             sandbox: Sandbox, before: bytes | None = None, confirm: bool = True, describe: bool = True,
             then: GoldAction | None = None) -> Request:
    """The user's side: what they know, and what they say up front (an id at most, sometimes nothing).
    A record id that an earlier read finds from what the user does know (their customer id, from
    their email) is not theirs to know: the assistant takes it from that read's result. One of
    several records such a read lists the user names by what only it has ("my credit card"), or,
    when the list does not tell them apart, by what the assistant sees opening each of them ("my
    savings account"), when `describe` and the assistant's rule (`id_by_description`) picks it out
    from that; the opening reads join the gold (`actions`). `then` is the write a refused or
    declined request stops at: the ids it takes count as used there. A record is never described by
    a field the request is about (`unsaid_fields`)."""
    planned = [*actions, then] if then is not None else actions
    chained, pinned = chained_ids(wf, knows, planned)
    said = {k: v for k, v in knows.items() if k not in chained}
    avoid = unsaid_fields(sandbox.compiled, wf, kind)
    described = described_ids(wf, said, planned, avoid) if describe else {}
    opened = opened_ids(wf, {k: v for k, v in said.items() if k not in described and k not in pinned}, planned,
                        sandbox, before)
    facts = " ".join(said_value(k, v) for k, v in said.items() if not (k == "id" or k.endswith("_id")))
    if describe:
        for key, (_, reads) in opened.items():
            got = description(key, said[key], reads, f"{user_words(wf.goal, said, said_value)} {facts}", avoid)
            if got is not None:
                described[key] = got
    for key, (name, value) in described.items():
        del said[key]
        said[name] = value
    ids = [k for k in said if k.endswith("_id") or k == "id"]
    opening = ids[:1] if ids and rng.random() < 0.6 else []
    opening += [k for k in pinned if k not in opening]
    opening += [name for name, _ in described.values()]
    intent = user_words(wf.goal, said, said_value)
    words = " ".join([intent, *(said_value(k, v) for k, v in said.items() if not (k == "id" or k.endswith("_id")))])
    for key in list(opened):
        if key in opening:
            del opened[key]  # said up front: nothing to open
        elif key not in described and picked_by_details(key, opened[key][1], words) not in (None, said[key]):
            opening.append(key)  # the assistant would take another record from the user's words
            del opened[key]
    add_reads(actions, opened)
    intent = reason_in_own_words(intent, said, rng)
    return Request(kind=kind, goal=goal_text(wf, knows), intent=intent, knows=said,
                   opening=opening, confirm=confirm, found={k: v for k, v in knows.items() if k not in said})


_REASON_SAID = r"\b(?:because of|due to)\s+(?:an?\s+)?{}(?![\w-])"


def reason_in_own_words(intent: str, said: dict[str, Any], rng: random.Random) -> str:
    """The request's reason as the user would put it, half the time (always, for a label no customer
    says as it is: "because of charged while frozen", "because it was cancelled by us"): "freeze my
    card because someone stole it" (was "because of stolen"); the assistant reads it back to the
    tool's choice."""
    for key, value in said.items():
        if "reason" not in key or not isinstance(value, str):
            continue
        words = own_words(value, rng, person=of_person(intent))
        if words is None or rng.random() < 0.5 and not reworded(value):
            continue
        intent = re.sub(_REASON_SAID.format(re.escape(said_value(key, value))), lambda _: f"because {words}",
                        intent, count=1, flags=re.IGNORECASE)
    return intent


def reworded_reason(intent: str, said: dict[str, Any]) -> str:
    """`intent` with a reason no customer says as it is (`reasons.reworded`: "because of no reply") in their own
    words (`reasons.reworded_in`, drawn by the intent itself: the task's draws stay as they were): for an
    intent written again."""
    return reworded_in(intent, said)


def unsaid_fields(compiled: CompiledDomain, wf: Workflow, kind: str) -> frozenset[str]:
    """Fields a user does not describe their record by: what the request asks to be told ("the
    status of my card. It's the one whose status is active" answers itself) and, in a refusal or
    a decline, the fields the write's rules and the workflow's anchor read -- the condition the
    assistant is to find in the record ("change my card's limit. The card status is closed."
    would recite the reason for the refusal)."""
    exprs = list(wf.tells.values())
    if kind in ("refuse", "decline"):
        exprs.append(wf.anchor.filter or "")
        for step in wf.steps:
            tool = compiled.tools.get(step.tool)
            if tool is not None and tool.writes:
                exprs += [s.require for s in tool.spec.effect or [] if isinstance(s, RequireStep)]
    return frozenset(f for e in exprs for f in re.findall(r"\b[A-Za-z_]\w*\.([A-Za-z_]\w*)\b", e or ""))


def described_ids(wf: Workflow, said: dict[str, Any], actions: list[GoldAction],
                  avoid: frozenset[str] = frozenset()) -> dict[str, tuple[str, str]]:
    """{id key: (field, value)} for ids the user can give as a description of their record: a list
    read before the id's first use holds several records, and a value only theirs singles it out
    under the assistant's rule, with everything else the user says around it."""
    out: dict[str, tuple[str, str]] = {}
    for key, value in said.items():
        if not (key == "id" or key.endswith("_id")):
            continue
        first = _first_use(wf, key, value, actions)
        results = [a.result for a in actions[:first]] if first is not None else []
        record = next((r for res in reversed(results) for recs in record_lists(res) for r in recs
                       if str(r.get(key)) == str(value)), None)
        if record is None or id_from_results(key, results) is not None:
            continue
        recs = next(recs for res in reversed(results) for recs in record_lists(res) if record in recs)
        rest = " ".join(said_value(k, v) for k, v in said.items() if k != key)
        noun = key[:-3] if key.endswith("_id") else key
        names = sorted(((f if f.startswith(noun) else f"{noun}_{f}", v) for f, v in distinguishing(record, recs, key)
                        if f not in avoid), key=lambda d: d[0].endswith("status"))
        for name, text in [d for d in names if d[0] not in said]:  # "card_status": "my card status is frozen"
            if str(id_by_description(key, results, f"{rest} {text}")) == str(value):
                out[key] = (name, text)
                break
    return out


def _first_use(wf: Workflow, key: str, value: Any, actions: list[GoldAction]) -> int | None:
    params = {name for s in wf.steps for name, b in s.args.items() if b.user == key}
    return next((i for i, a in enumerate(actions) if any(str(a.arguments.get(p)) == str(value) for p in params)),
                None)


def chained_ids(wf: Workflow, knows: dict[str, Any], actions: list[GoldAction]) -> tuple[list[str], list[str]]:
    """(ids the assistant finds in the results read before their first use, ids it would find
    wrong there and the user must therefore say up front)."""
    chained: list[str] = []
    pinned: list[str] = []
    for key, value in knows.items():
        first = _first_use(wf, key, value, actions)
        if first is None:
            continue
        found = id_from_results(key, [a.result for a in actions[:first]])
        if found is None:
            continue
        (chained if str(found) == str(value) else pinned).append(key)
    return chained, pinned


def complete(compiled: CompiledDomain, wf: Workflow, row: dict[str, Any], sandbox: Sandbox,
             rng: random.Random, describe: bool = True, note: str | None = None,
             about: dict[str, Any] | None = None, offered: bool = False) -> Built | str:
    """The workflow done for this user: every gold action succeeds and a write changes the state
    (else the target is already true); a read has facts to tell. `note`, when given, is what the
    user writes in a free-text field (`FREE_TEXT`) in their own words, in place of the seed's text, about
    the record `about` (the one the request before was about): the ids the user knows are its own
    or those of the records it belongs to (the order of a refused item), not another of theirs; a
    note on a new thing not made goes under none of theirs, so is only taken up where the assistant
    `offered` to pass it on (after a refusal: the customer says yes, naming no record)."""
    knows = derive_knows(wf, row, sandbox)
    if isinstance(knows, str):
        return knows
    if note and any(FREE_TEXT.search(k) and isinstance(v, str) for k, v in knows.items()):
        # only a request that takes the note is about that record: another one (a return after a
        # declined fee removal) keeps its own row's ids (its item's order, not the fee's order)
        ids = [k for k in knows if k.endswith("_id")]
        if about and not offered and ids and not any(k in about for k in ids):
            # a note on what was not made (a new subscription declined) is not asked for under
            # another record of theirs ("my question about my subscription SBS-1")
            return "the note is about a record this request does not name"
        knows = {k: note if FREE_TEXT.search(k) and isinstance(v, str) else v for k, v in knows.items()}
        knows = {k: about[k] if about and k.endswith("_id") and isinstance(about.get(k), str) else v
                 for k, v in knows.items()}
    snap, before = sandbox.snapshot(), sandbox.state_hash()
    try:
        actions, env = replay_workflow(wf, knows, sandbox)
        reason = _complete_problem(compiled, wf, actions, env, sandbox, before)
    except ExprError as err:
        reason = f"a binding or condition failed: {err}"
    if isinstance(reason, str):
        sandbox.restore(snap)
        return reason
    _open_before_write(compiled, actions, sandbox, snap)
    request = _request("complete", wf, knows, rng, actions, sandbox=sandbox, before=snap, describe=describe)
    offered = make_offer(wf, row, knows, env, sandbox, rng)  # (after its write: the customer takes it or not)
    if offered is not None:
        request.offer = "yes" if offered[0].taken else "no"
        actions += offered[1]
    return Built(request, actions, reason,
                 unknown=[k for k in wf.tells if k not in knows], workflow=wf.name, topic=wf.category,
                 record=(wf.anchor.table, row), offer=offered[0] if offered else None)


def _complete_problem(compiled: CompiledDomain, wf: Workflow, actions: list[GoldAction], env: dict[str, Any],
                      sandbox: Sandbox, before: str) -> dict[str, str] | str:
    failed = next((a for a in actions if not a.ok), None)
    if failed is not None:
        err = failed.result.get("error") if isinstance(failed.result, dict) else failed.result
        return f"gold action {failed.tool} failed: {err}"
    if not actions:
        return "no gold action runs for this row"
    try:
        outputs = {k: render(compile_expr(src)(env, sandbox)) for k, src in wf.tells.items()}
    except ExprError as err:
        return f"a required output cannot be computed: {err}"
    outputs = {k: v for k, v in outputs.items() if v}
    writes = any(compiled.tools[a.tool].writes for a in actions)
    if writes and sandbox.state_hash() == before:
        return "write task does not change the state"
    if not writes and not outputs:
        return "read task has nothing to tell, so doing nothing would pass"
    return outputs


def target_of(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments that name the record a call touches (its ids), else all but secrets."""
    ids = {k: v for k, v in args.items() if k == "id" or k.endswith("_id")}
    return ids or {k: v for k, v in args.items() if not SECRET.search(k)}


def refuse(compiled: CompiledDomain, wf: Workflow, row: dict[str, Any], sandbox: Sandbox,
           rng: random.Random) -> Built | str:
    """The user wants the workflow but a rule from the text forbids it for their row: gold is the
    reads up to the rule, no write; the rule must be visible in what the assistant has read."""
    knows = derive_knows(wf, row, sandbox)
    if isinstance(knows, str):
        return knows
    snap = sandbox.snapshot()
    try:
        actions, env = replay_workflow(wf, knows, sandbox)
    except ExprError as err:
        sandbox.restore(snap)
        return f"a binding or condition failed: {err}"
    arguments = _write_arguments(compiled, wf, knows, env, sandbox)
    sandbox.restore(snap)
    failed = actions[-1] if actions and not actions[-1].ok else None
    if failed is None:
        return "no rule stops this workflow for this row"
    spec = compiled.tools[failed.tool].spec
    message = failed.result.get("error", "") if isinstance(failed.result, dict) else ""
    if not is_rule_message(spec, message):
        return f"{failed.tool} fails for a reason that is not a rule: {message}"
    write = next((s.tool for s in wf.steps if compiled.tools[s.tool].writes), None)
    if write is None:
        return "the workflow makes no write to refuse"
    if any(compiled.tools[a.tool].writes for a in actions[:-1]):
        return "the rule stops the workflow only after it has written"
    if spec.kind == "write":
        gold = actions[:-1] or _record_lookup(compiled, failed.arguments, sandbox)
        gold = gold + _unopened_records(compiled, spec, failed.arguments, gold, sandbox)
        keys = {name: t.pk for name, t in compiled.tables.items()}
        listed = listings((compiled.tools[a.tool].spec, a.arguments, a.result) for a in gold)
        seen = blocking_rule(spec, failed.arguments, [a.result for a in gold], sandbox.clock, keys, listed)
        if seen is None:
            return "the rule that stops the write cannot be seen in what was read before it"
        if seen[0] != message:  # the assistant would cite the rule it can see, so the task must expect it
            return f"what was read shows another rule first ({seen[0]!r}) than the one that stops it ({message!r})"
        values = seen[1]
    else:
        gold = actions
        values = _rule_values(spec, message, row)
    for a in gold:  # the reads again, so later requests of a session see the same sandbox
        sandbox.call(a.tool, a.arguments)
    held = GoldAction(tool=write, arguments=failed.arguments if spec.kind == "write" else arguments)
    return Built(_request("refuse", wf, knows, rng, gold, sandbox=sandbox, then=held), gold,
                 refusal=Refusal(tool=write, target=target_of(failed.arguments), reason=message, values=values,
                                 arguments=failed.arguments if spec.kind == "write" else arguments),
                 workflow=wf.name, topic=wf.category, record=(wf.anchor.table, row))


def _record_lookup(compiled: CompiledDomain, args: dict[str, Any], sandbox: Sandbox) -> list[GoldAction]:
    """A write that comes first: the read of its record an assistant makes before changing it."""
    for tool, param in lookup_tools(compiled).values():
        if param in args:
            result = sandbox.call(tool, {param: args[param]})
            if result.ok:
                return [GoldAction(tool=tool, arguments={param: args[param]}, result=result.value)]
    return []


def _unopened_records(compiled: CompiledDomain, spec: Any, args: dict[str, Any], gold: list[GoldAction],
                      sandbox: Sandbox) -> list[GoldAction]:
    """Reads of the records a write's rules read that the gold has seen only in a list: the assistant
    opens each to check the rules on the record itself before it offers or refuses the change (as
    `WorkflowAgent` does)."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    out = []
    for table, key in rule_records(spec, args, keys):
        reader = record_reader(compiled, table)
        if reader is None or opened_record([a.result for a in gold], keys[table], key):
            continue
        result = sandbox.call(reader.tool, {reader.param: key})
        if result.ok:
            out.append(GoldAction(tool=reader.tool, arguments={reader.param: key}, result=result.value))
    return out


def _open_before_write(compiled: CompiledDomain, actions: list[GoldAction], sandbox: Sandbox, before: bytes) -> None:
    """The reads of the records the first write's rules read, where the gold has seen them only in
    a list, set before that write (read on the state `before` the request's changes)."""
    at = next((i for i, a in enumerate(actions) if compiled.tools[a.tool].writes), None)
    if at is None:
        return
    now = sandbox.snapshot()
    sandbox.restore(before)
    try:
        actions[at:at] = _unopened_records(compiled, compiled.tools[actions[at].tool].spec, actions[at].arguments,
                                           actions[:at], sandbox)
    finally:
        sandbox.restore(now)


def _write_arguments(compiled: CompiledDomain, wf: Workflow, knows: dict[str, Any], env: dict[str, Any],
                     sandbox: Sandbox) -> dict[str, Any]:
    """The first write step's arguments, as far as what was read before a rule stopped the workflow
    lets them be worked out."""
    step = next((s for s in wf.steps if compiled.tools[s.tool].writes), None)
    out: dict[str, Any] = {}
    for name, b in (step.args.items() if step else []):
        try:
            out[name] = resolve_args({name: b}, knows, env, sandbox)[name]
        except (ExprError, KeyError):
            continue
    return out


def _rule_values(spec: Any, message: str, row: dict[str, Any]) -> list[str]:
    step = next((s for s in spec.effect or [] if isinstance(s, RequireStep) and s.message == message), None)
    fields = re.findall(r"\b[A-Za-z_]\w*\.([A-Za-z_]\w*)\b", step.require) if step else []
    return list(dict.fromkeys(str(row[f]) for f in fields if row.get(f) not in (None, "")))


def decline(compiled: CompiledDomain, wf: Workflow, row: dict[str, Any], sandbox: Sandbox,
            rng: random.Random) -> Built | str:
    """The user asks for an admissible write and says no when asked to confirm: gold is the reads
    before the write; the state must stay as it was."""
    snap = sandbox.snapshot()
    trial = complete(compiled, wf, row, sandbox, rng)
    if isinstance(trial, str):
        return trial
    sandbox.restore(snap)
    if not any(compiled.tools[a.tool].writes for a in trial.actions):
        return "the workflow makes no write to decline"
    knows = derive_knows(wf, row, sandbox)
    if isinstance(knows, str):
        return knows
    if any(k.endswith("reason") and URGENT.search(str(v)) for k, v in knows.items()):
        return "a customer does not turn down a change they want for an urgent reason (a stolen card, fraud)"
    nxt = first_write(wf, knows, sandbox)
    sandbox.restore(snap)
    if nxt is None:
        return "no write is reached for this row"
    actions, _ = replay_workflow(wf, knows, sandbox, stop_before_write=True)
    actions += _unopened_records(compiled, compiled.tools[nxt[0]].spec, nxt[1], actions, sandbox)
    held = GoldAction(tool=nxt[0], arguments=nxt[1])
    return Built(_request("decline", wf, knows, rng, actions, sandbox=sandbox, confirm=False, then=held), actions,
                 decline=Decline(tool=nxt[0], target=target_of(nxt[1]), arguments=nxt[1]), workflow=wf.name,
                 topic=wf.category, record=(wf.anchor.table, row))


def lookup_tools(compiled: CompiledDomain) -> dict[str, tuple[str, str]]:
    """table -> (tool, parameter) for read tools that find one row by its key and check nothing."""
    out: dict[str, tuple[str, str]] = {}
    for name, tool in compiled.tools.items():
        spec = tool.spec
        steps = spec.effect or []
        if tool.writes or len(spec.parameters) != 1 or not steps or not isinstance(steps[0], FindStep):
            continue
        find, param = steps[0], spec.parameters[0].name
        table = compiled.tables.get(find.find)
        if table is None or find.many or find.where != {table.pk: param}:
            continue
        if any(not isinstance(s, (FindStep, ReturnStep)) for s in steps):
            continue
        out.setdefault(find.find, (name, param))
    return out


def disambiguate(compiled: CompiledDomain, wf: Workflow, row: dict[str, Any], sandbox: Sandbox,
                 rng: random.Random) -> Built | str:
    """A complete request where what the user gives first fits several records (a list read on the
    way holds two or more), and the user does not say which up front: the assistant must ask."""
    snap = sandbox.snapshot()
    built = complete(compiled, wf, row, sandbox, rng, describe=False)
    if isinstance(built, str):
        return built
    # which record: an id the user would give (not a value of what they add: a reading's date)
    keys = [b.user for s in wf.steps for b in s.args.values() if b.user is not None
            and (b.user == "id" or b.user.endswith("_id"))]
    for action in built.actions:
        for records in record_lists(action.result):
            for key in keys:
                values = [str(r[key]) for r in records if r.get(key) not in (None, "")]
                said = {k: v for k, v in built.request.knows.items() if k != key}
                text = " ".join(said_value(k, v) for k, v in said.items())
                picked = id_by_description(key, [a.result for a in built.actions], text)
                if picked is None and str(built.request.knows.get(key)) in values:  # or the records opened
                    opened = opened_ids(wf, {key: built.request.knows[key]}, built.actions, sandbox, snap)
                    reads = opened[key][1] if key in opened else []
                    picked = picked_by_details(key, reads, f"{user_words(wf.goal, said, said_value)} {text}") \
                        if reads else None
                if len(set(values)) >= 2 and str(built.request.knows.get(key)) in values \
                        and key not in _given_before(wf, action, built) and picked is None:
                    # (what the user does say must not single one out: the assistant would not ask)
                    built.request.kind = "disambiguate"
                    built.request.opening = [k for k in built.request.opening if k != key]
                    built.request.intent = reworded_reason(user_words(wf.goal, said, said_value), said)
                    chosen = str(built.request.knows[key])
                    candidates = [v for v in dict.fromkeys(values) if v != chosen][:5] + [chosen]
                    built.ambiguity = Ambiguity(key=key, candidates=sorted(candidates), chosen=chosen)
                    return built
    sandbox.restore(snap)
    return "nothing the user gives fits several records"


def _given_before(wf: Workflow, action: GoldAction, built: Built) -> set[str]:
    """User keys the workflow reads up to and including `action` (the user must give them anyway)."""
    out: set[str] = set()
    for step, done in zip(wf.steps, built.actions):
        out |= {b.user for b in step.args.values() if b.user is not None}
        if done is action:
            break
    return out


def authenticate(compiled: CompiledDomain, built: list[Built], sandbox: Sandbox) -> str | None:
    """The session starts, as a support chat does, by finding who the customer is: before the
    first request whose record belongs to a customer the domain's finder finds (by their email, as
    the session's first state holds it),
    that read goes into the gold and what it is found by into what the user knows (unless the
    request itself starts there). Some customers then turn out not to have their email to hand
    (`by_name`). The assistant makes the same read at the same point (`WorkflowAgent`). The
    reason, when the user cannot be found so."""
    finder = auth_finder(compiled)
    if finder is None:
        return None
    before = compiled.new_sandbox()  # who they are when the session starts (a later request may change their email)
    try:
        for b in built:
            if b.record is None or not reaches(compiled, b.record[0], finder.table):
                continue
            if any(a.tool == finder.tool for a in b.actions[:1]) and finder.param in b.request.knows:
                break  # the request itself starts there
            person = linked_row(compiled, before, *b.record, finder.table)
            value = person.get(finder.field) if person else None
            if value in (None, "") or b.request.knows.get(finder.param, value) != value:
                return f"the customer cannot be found by {finder.param}"
            b.request.knows[finder.param] = value
            result = before.call(finder.tool, {finder.param: value})
            b.actions.insert(0, GoldAction(tool=finder.tool, arguments={finder.param: value}, ok=result.ok,
                                           result=result.as_data()))
            if not result.ok:
                return f"{finder.tool} does not find the customer"
            break
        by_name(compiled, built, before)
    finally:
        before.close()
    return None


BY_NAME = 4
"""One customer in this many cannot give their email and is found by the fallback finder (their
name and zip code) where the domain has one, chosen by who they are."""
STALE = 5
"""One in this many of the others gives an email that is not on file (one they used to have): the
finder finds nobody, and they are found by the fallback finder after all (`stale_email`)."""
_MAIL_HOSTS = ("example.com", "example.org", "example.net")


def by_name(compiled: CompiledDomain, built: list[Built], sandbox: Sandbox) -> None:
    """Where the domain has a fallback finder and the customer is one of `BY_NAME`: they know their
    name and zip code instead of their email (half of them say it in their first message, as
    τ-bench's users do), and every read of the gold that found them by email finds them by those
    (the same reply, with their email: what later steps take from it is the same). Not when a
    request's own words hold the email. One in `STALE` of the others gives an old email first."""
    finder, alt = auth_finder(compiled), fallback_finder(compiled)
    if finder is None or alt is None:
        return
    emails = {str(b.request.knows[finder.param]) for b in built if finder.param in b.request.knows}
    if len(emails) != 1:
        return
    email = emails.pop()
    by_name_only = zlib.crc32(f"{compiled.domain.name}\x00{email}".encode()) % BY_NAME == 0
    if not by_name_only and zlib.crc32(f"{email}\x00stale".encode()) % STALE \
            or any(email in f"{b.request.goal} {b.request.intent}" for b in built):
        return
    person = sandbox.rows(finder.table, {finder.field: email})[:1]
    named = {p: person[0].get(f) for p, f in alt.fields.items()} if person else {}
    if not named or not all(isinstance(v, str) and v for v in named.values()) \
            or any(set(named) & set(b.request.knows) for b in built) or not sandbox.call(alt.tool, named).ok:
        return
    if not by_name_only:
        stale_email(compiled, finder, built, sandbox, email, named)
        return
    up_front = zlib.crc32(f"{email}\x00name".encode()) % 2 == 0  # half say who they are in their first message
    first = True
    for b in built:
        if b.request.knows.pop(finder.param, None) is not None and first:
            b.request.knows.update(named)
            if up_front:
                b.request.opening = [*b.request.opening, *named]
            b.unknown.append(finder.param)
            first = False
        b.actions = found_by_name(compiled, b.actions, named, sandbox)


def stale_email(compiled: CompiledDomain, finder: Finder, built: list[Built], sandbox: Sandbox, email: str,
                named: dict[str, Any]) -> None:
    """The customer gives an email they used to have (the same name at another mail host, on
    nobody's record): the gold's first finder read fails on it ("No customer with email ..."),
    and the assistant, asking their name and zip code instead, finds them by the fallback finder,
    as `by_name`'s customers are found. Nothing changes when the domain's finder takes no email or
    every other host is on file."""
    local, _, host = email.partition("@")
    if not host:
        return
    old = next((f"{local}@{h}" for h in _MAIL_HOSTS if h != host
                and not sandbox.rows(finder.table, {finder.field: f"{local}@{h}"})), None)
    failed = sandbox.call(finder.tool, {finder.param: old}) if old else None
    if failed is None or failed.ok:
        return
    miss = GoldAction(tool=finder.tool, arguments={finder.param: old}, ok=False, result=failed.as_data())
    first = True
    for b in built:
        if finder.param in b.request.knows:
            if first:
                b.request.knows.update({finder.param: old, **named})
                first = False
            else:
                del b.request.knows[finder.param]
        b.actions = found_by_name(compiled, b.actions, named, sandbox)
        if miss is not None and (at := next((i for i, a in enumerate(b.actions) if a.tool != finder.tool
                                              and a.arguments == named), None)) is not None:
            b.actions.insert(at, miss)
            miss = None


def found_by_name(compiled: CompiledDomain, actions: list[GoldAction], knows: dict[str, Any],
                  sandbox: Sandbox) -> list[GoldAction]:
    """`actions` as the assistant makes them for a customer who gave the fallback finder's keys
    (their name and zip code) and not their email: each read finding them by email is that finder's
    read instead. Unchanged when `knows` holds their email or lacks a key."""
    finder, alt = auth_finder(compiled), fallback_finder(compiled)
    if finder is None or alt is None or finder.param in knows or not all(p in knows for p in alt.params):
        return actions
    named = {p: knows[p] for p in alt.params}
    result = sandbox.call(alt.tool, named)
    found = result.as_data() if result.ok else None
    if not isinstance(found, dict) or finder.param not in found:
        return actions
    read = GoldAction(tool=alt.tool, arguments=named, ok=True, result=found)
    return [read if a.tool == finder.tool and a.arguments == {finder.param: found[finder.param]} else a
            for a in actions]


def linked_row(compiled: CompiledDomain, sandbox: Sandbox, table: str, row: dict[str, Any], target: str,
                depth: int = 0) -> dict[str, Any] | None:
    """The row of `target` that `row` belongs to along foreign keys, or None."""
    if table == target:
        return row
    if depth > len(compiled.tables):
        return None
    for f in compiled.tables[table].entity.fields:
        if not f.foreign_key or row.get(f.name) in (None, ""):
            continue
        parent, key = f.foreign_key.split(".", 1)
        if parent not in compiled.tables:
            continue
        found = sandbox.rows(parent, {key: row[f.name]})[:1]
        up = linked_row(compiled, sandbox, parent, found[0], target, depth + 1) if found else None
        if up is not None:
            return up
    return None
