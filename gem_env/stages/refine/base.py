"""What operators share: the variant being built, the context they may draw on, and replaying
several requests on one sandbox to get a composed gold."""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...agents.ids import id_from_results
from ...simulators.phrases import said_value
from ...simulators.scenario import Request, Scenario, humanize, user_words
from ...tools import CompiledDomain, Workflow
from ...tools.errors import ExprError
from ...tools.expr import compile_expr, compile_template
from ...tools.render import is_money, render
from ..ground.plan import EpisodePlan
from ..tasks import GoldAction, Task, replay_workflow
from ..tasks.model import Offered
from ..tasks.offers import answer_offer
from ..tasks.kinds import found_by_name
from ..tasks.owners import Owner, Owners
from ..tasks.session import makes_earlier_pointless

ORDER = ["chain", "pitfall", "off_topic", "correction", "distractors", "ambiguity", "change_of_mind", "wrong_detail", "miss_param",
         "miss_func", "tool_errors", "long_context", "paraphrase", "paraphrase_agent"]
"""Operators apply in this order whatever order they are asked in (structure first, then the
tool set, then the user's brief, then the environment; `paraphrase` and `paraphrase_agent`, LLM
passes over the rolled-out conversation, last)."""


class NotApplicable(Exception):
    """The operator cannot make this task harder; the message says why (it is recorded)."""


class DoesNotApply(NotApplicable):
    """The task lacks what the operator works on (no value to withhold, no tool call, a table too
    small): not a failed variant. Counted apart from the variants tried; a variant the operator
    set out to make and could not (a part that does not compose) is a plain `NotApplicable`."""


@dataclass
class Part:
    """One request of a session: its workflow, what the user knows, and the user's brief."""

    workflow: str
    knows: dict[str, Any]
    scenario: Scenario
    expect_refusal: bool = False
    lookup: tuple[str, str, list[str]] | None = None
    """For a lookup request (no workflow): the read tool, its key parameter, the facts asked."""
    found: dict[str, Any] = field(default_factory=dict)
    """Values the replay needs that the user does not know: ids the assistant finds by a lookup
    first (see `found_ids`)."""
    off_topic: bool = False
    """A request the service does not do at all (`off_topic`): no workflow, no gold."""
    finder: tuple[str, dict[str, Any]] | None = None
    """For a lookup that starts from who the user is: the read (and its arguments, e.g. their
    email) whose result holds the record's key."""


@dataclass
class Variant:
    """A task being refined and the domain it runs on (operators may derive a new domain)."""

    task: Task
    compiled: CompiledDomain
    parts: list[Part]
    plan: EpisodePlan = field(default_factory=EpisodePlan)
    ops: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What an operator may use besides the task: the domain's other verified tasks and a seeded RNG."""

    siblings: list[Task]
    rng: random.Random
    derived: dict[str, CompiledDomain] = field(default_factory=dict)
    pool: dict[str, list[Task]] = field(default_factory=dict)  # admitted tasks per domain (chain)
    owners: dict[str, dict[str, Any]] = field(default_factory=dict)  # per domain: row key or email -> its customer (chain)
    seed: int = 0
    elsewhere: list[str] = field(default_factory=list)  # what customers of the run's other services ask (off_topic)


def refinable(task: Task) -> str | None:
    """Why a task is not refined, or None: operators work on single requests that are done (the
    "complete" kind: its first request, when the customer goes on to ask more -- see `task_part`);
    refusals, declines, lookups and mixed sessions are other lessons already."""
    if task.ops:
        return "already a refined variant"
    first = task.scenario.requests[0].kind if task.scenario.requests else "complete"
    if task.category != "complete" or first != "complete" or task.refusals or task.declines or task.ambiguities:
        return f"a {task.category} task (only complete requests are refined)"
    return None


def found_ids(wf: Workflow | None, knows: dict[str, Any], actions: list[GoldAction]) -> dict[str, Any]:
    """The values a workflow's steps take from the user that this user does not know (an id the
    assistant finds by a lookup first), as the verified gold actions passed them (or, for a step
    the gold's first read stood in for, as that read returned them)."""
    out: dict[str, Any] = {}
    actions = [a for a in actions if a.ok]  # (not a read that found nobody by an old email)
    for step in wf.steps if wf else []:
        for name, b in step.args.items():
            if b.user is None or b.user in knows or b.user in out:
                continue
            action = next((a for a in actions if a.tool == step.tool and name in a.arguments), None)
            if action is not None:
                out[b.user] = action.arguments[name]
            else:  # a step the gold made another way (the customer found by name and zip code, not
                # email): the value is in that read's reply
                out.update({b.user: a.result[name] for a in actions[:1]
                            if isinstance(a.result, dict) and isinstance(a.result.get(name), str)})
    return out


def task_part(task: Task, compiled: CompiledDomain) -> Part:
    """A verified task's request as a part of a session: a session task's first request alone
    (the customer's follow-on requests are not what an operator makes harder)."""
    scenario = task.scenario
    name = task.workflow
    if len(scenario.requests) > 1:
        req, name = scenario.requests[0], task.workflow.split("+")[0]
        scenario = Scenario(persona=scenario.persona, goal=req.goal, knows=req.knows, opening=req.opening,
                            unknown=[k for k in scenario.unknown if k not in req.knows],
                            decisions={"confirm": req.confirm}, requests=[req], found=req.found)
    wf = next((w for w in compiled.domain.workflows if w.name == name), None)
    # the ids the assistant finds are known to the user too: when an operator hides them, the user says them
    knows = {**scenario.found, **scenario.knows}
    scenario = scenario.model_copy(update={"knows": knows})
    # what only failed reads took (an old email on nobody's record) is said, but replays nothing
    knows = {k: v for k, v in knows.items() if not _only_failed(compiled, k, v, task.gold_actions)}
    return Part(name, knows, scenario, found=found_ids(wf, knows, task.gold_actions))


def _only_failed(compiled: CompiledDomain, key: str, value: Any, actions: list[GoldAction]) -> bool:
    """Whether the gold's reads took `value` for `key` and each of them failed."""
    took = [a for a in actions if a.arguments.get(key) == value and not compiled.tools[a.tool].writes]
    return bool(took) and not any(a.ok for a in took)


def start(task: Task, compiled: CompiledDomain) -> Variant:
    part = task_part(task, compiled)
    v = Variant(task=task, compiled=compiled, parts=[part],
                plan=task.plan.model_copy(deep=True) if task.plan else EpisodePlan())
    if len(task.scenario.requests) > 1:  # the first request's own gold, outputs and state
        v.task = task.model_copy(update={"workflow": part.workflow, "scenario": part.scenario})
        v = compose(v)
    return v


def workflow(compiled: CompiledDomain, name: str) -> Workflow:
    wf = next((w for w in compiled.domain.workflows if w.name == name), None)
    if wf is None:
        raise NotApplicable(f"workflow {name} is not in domain {compiled.domain.name}")
    return wf


def replay_alone(compiled: CompiledDomain, part: Part) -> list[GoldAction]:
    """A part's own gold actions, replayed alone on a fresh sandbox (as before any other request)."""
    sandbox = compiled.new_sandbox()
    try:
        got = replay_workflow(workflow(compiled, part.workflow), {**part.found, **part.knows}, sandbox)[0]
        return found_by_name(compiled, got, part.knows, sandbox)
    except (ExprError, KeyError) as err:
        raise DoesNotApply(f"{part.workflow} does not replay alone: {err}") from None
    finally:
        sandbox.close()


def compose(v: Variant) -> Variant:
    """Replay every part on one sandbox: the session's gold actions, outputs and final state.

    A part expected to be refused must fail with the sandbox's refusal (its reason is what the
    plan's `refusal_told` check looks for; not a required output, since an assistant may know the
    rule from the policy before any tool says it); every other part must succeed."""
    compiled = v.compiled
    sandbox = compiled.new_sandbox()
    actions: list[GoldAction] = []
    outputs: dict[str, str] = {}
    refusals: list[str] = []
    offers: list[Offered] = []
    dumped: dict[str, dict[Any, dict[str, Any]]] = {}

    def seeded(table: str) -> dict[Any, dict[str, Any]]:  # the table's rows before the session
        if not dumped:
            fresh = compiled.new_sandbox()
            try:
                dumped.update(fresh.dump())
            finally:
                fresh.close()
        return dumped.get(table, {})

    try:
        initial = sandbox.state_hash()
        who = next((p.knows for p in v.parts if not p.off_topic), {})  # who the user says they are, first
        for n, part in enumerate(v.parts):
            if part.off_topic:
                continue
            if part.lookup is not None:
                got, told = _replay_lookup(part, sandbox, n)
                actions += got
                outputs.update(told)
                continue
            if n:
                _name_what_no_longer_fits(part, compiled, sandbox)
            wf = workflow(compiled, part.workflow)
            try:
                got, env = replay_workflow(wf, {**part.found, **part.knows}, sandbox)
            except ExprError as err:
                raise NotApplicable(f"part {n + 1} ({part.workflow}): a binding failed: {err}") from None
            except KeyError as err:  # the user finds this id through a lookup first (a chained id)
                raise NotApplicable(f"part {n + 1} ({part.workflow}): the user does not know {err} "
                                    "(it comes from an earlier tool result)") from None
            got = found_by_name(compiled, got, who, sandbox)  # the customer found as the session found them
            failed = next((a for a in got if not a.ok), None)
            if part.expect_refusal:
                if failed is None:
                    raise NotApplicable(f"part {n + 1} ({part.workflow}) is not refused on this state")
                refusals.append(str(failed.result.get("error")))
            elif failed is not None:
                raise NotApplicable(f"part {n + 1} ({part.workflow}) fails after the earlier parts: "
                                    f"{failed.result}")
            elif n and _made_moot(compiled, wf, part, got):
                raise NotApplicable(f"part {n + 1} ({part.workflow}) no longer changes anything after the "
                                    "earlier parts (a customer would not ask it: it undoes or repeats one)")
            elif n and makes_earlier_pointless(compiled, actions, got, seeded):
                raise NotApplicable(f"part {n + 1} ({part.workflow}) makes an earlier part's change pointless "
                                    "(a customer would not move a booking and then cancel it)")
            else:
                outputs.update(_outputs(wf, env, sandbox, n))
                # what the text offers once its write is done, answered as the part's customer answers
                answered = answer_offer(wf, {**part.found, **part.knows}, env, sandbox, _takes_offer(part)) \
                    if wf.offer is not None and failed is None else None
                if answered is not None:
                    if _takes_offer(part) and not answered[0].taken:
                        raise NotApplicable(f"part {n + 1} ({part.workflow}): the offered {answered[0].tool} "
                                            "does not go through after the earlier parts")
                    offers.append(answered[0])
                    got = got + answered[1]
            actions += got
        final = sandbox.state_hash()
    finally:
        sandbox.close()
    writes = any(compiled.tools[a.tool].writes and a.ok for a in actions)
    v.plan.refusals = refusals
    v.task = v.task.model_copy(update={
        "gold_actions": actions, "initial_state_hash": initial, "expected_state_hash": final,
        "required_outputs": outputs, "kind": "write" if writes else "read", "domain": compiled.domain.name,
        "state_tables": sorted(compiled.tables), "offers": offers})
    return v


def _takes_offer(part: Part) -> bool:
    """Whether the part's customer says yes to what is offered once its write is done."""
    return any(r.offer == "yes" for r in part.scenario.requests[:1])


def _writes(compiled: CompiledDomain, actions: list[GoldAction]) -> bool:
    return any(compiled.tools[a.tool].writes and a.ok for a in actions)


def _made_moot(compiled: CompiledDomain, wf: Workflow, part: Part, got: list[GoldAction]) -> bool:
    """Whether a request that makes a change on its own makes none after the session's earlier
    requests (its write's `when` no longer holds): "unfreeze my card" right after the customer
    closed it, "freeze my account" for the one they just closed. The agent would only refuse it;
    no customer asks that (a refusal the session wants is `pitfall`'s, on the initial state)."""
    if _writes(compiled, got) or not any(compiled.tools[s.tool].writes for s in wf.steps):
        return False
    try:
        return _writes(compiled, replay_alone(compiled, part))
    except NotApplicable:
        return False


def _name_what_no_longer_fits(part: Part, compiled: CompiledDomain, sandbox: Any) -> None:
    """A request that describes a record instead of naming it ("It's on my frozen card") was built on
    the initial state; after the session's earlier requests the words may fit another record, or
    several (that card was unfrozen, another frozen). Then the user names the record by its id
    instead: the id moves from what the assistant finds to what the user knows and says, and the
    description is dropped. The part gets a brief of its own (its requests may be shared); the
    gold is unchanged."""
    requests = []
    for request in part.scenario.requests:
        for key, value in request.found.items():
            said = _described_by(key, value, request.knows, compiled, sandbox)
            if said:
                knows = {key: value, **{k: v for k, v in request.knows.items() if k not in said}}
                request = request.model_copy(update={
                    "knows": knows, "found": {k: v for k, v in request.found.items() if k != key},
                    "opening": [key, *(k for k in request.opening if k not in said and k != key)]})
                part.knows = {**{k: v for k, v in part.knows.items() if k not in said}, key: value}
                part.found = {k: v for k, v in part.found.items() if k != key}
                part.scenario = part.scenario.model_copy(update={
                    "knows": {**{k: v for k, v in part.scenario.knows.items() if k not in said}, key: value},
                    "opening": [key, *(k for k in part.scenario.opening if k not in said and k != key)]})
                break
        requests.append(request)
    part.scenario = part.scenario.model_copy(update={"requests": requests})


def _described_by(key: str, value: Any, knows: dict[str, Any], compiled: CompiledDomain, sandbox: Any) -> list[str]:
    """The keys of `knows` describing the record `key` = `value` ("card_status": "frozen" of a card)
    when, on the sandbox's state, they no longer single it out among its kin (the records sharing
    its owner or parent); [] when they still do, or none describes it."""
    table = next((t for t in compiled.tables.values() if t.pk == key), None)
    noun = key[:-3] if key.endswith("_id") else ""
    said = [k for k in knows if noun and k.startswith(f"{noun}_")]
    if table is None or not said:
        return []
    rows = list(sandbox.dump([table.name])[table.name].values())
    meant = next((r for r in rows if str(r.get(key)) == str(value)), None)
    if meant is None:
        return []
    pks = {t.pk for t in compiled.tables.values()}
    links = [f for f, v in meant.items() if v is not None and f != key and f in pks]  # its owner, its card
    fits = [r for r in rows if all(r.get(f) == meant[f] for f in links)
            and all(str(r.get(k[len(noun) + 1:])).lower() == str(knows[k]).lower() for k in said
                    if k[len(noun) + 1:] in r)]
    return [] if fits == [meant] else said


def _replay_lookup(part: Part, sandbox: Any, n: int) -> tuple[list[GoldAction], dict[str, str]]:
    """A lookup on the session's state so far: the asked facts as they are now are its outputs.
    One that starts from who the user is reads the record's key from the finder's result first."""
    tool, param, asks = part.lookup  # type: ignore[misc]
    actions: list[GoldAction] = []
    key = part.knows.get(param)
    if part.finder is not None:
        finder, args = part.finder
        found = sandbox.call(finder, args)
        key = id_from_results(param, [found.value]) if found.ok else None
        actions.append(GoldAction(tool=finder, arguments=dict(args), result=found.value if found.ok else {}))
    result = sandbox.call(tool, {param: key}) if key not in (None, "") else None
    if result is None or not result.ok or not isinstance(result.value, dict):
        raise NotApplicable(f"part {n + 1} ({part.workflow}) finds no record after the earlier parts")
    told = {a: render(result.value.get(a)) for a in asks}
    if not all(told.values()):
        raise NotApplicable(f"part {n + 1} ({part.workflow}) has nothing to tell after the earlier parts")
    actions.append(GoldAction(tool=tool, arguments={param: key}, result=result.value))
    return actions, {k if n == 0 else f"{n + 1}.{k}": val for k, val in told.items()}


def say_changes(v: Variant) -> Variant:
    """A later request about other records says up front what differs from the requests before it
    ("my other card, CRD-..."), so nothing is carried over from them by mistake. Run again after
    an operator inserts a request, since what came before has changed."""
    known: dict[str, Any] = {}
    for n, part in enumerate(v.parts):
        changed = [k for k, val in part.knows.items() if k in known and known[k] != val]
        known.update(part.knows)
        if n == 0 or not changed:
            continue
        s = part.scenario
        requests = [r.model_copy(update={"opening": list(dict.fromkeys([*r.opening, *changed]))}) for r in s.requests]
        part.scenario = s.model_copy(update={"opening": list(dict.fromkeys([*s.opening, *changed])),
                                             "requests": requests})
    return v


def _outputs(wf: Workflow, env: dict[str, Any], sandbox: Any, n: int) -> dict[str, str]:
    out = {}
    for k, src in wf.tells.items():
        try:
            value = render(compile_expr(src)(env, sandbox))
        except ExprError:
            continue
        if value:
            out[k if n == 0 else f"{n + 1}.{k}"] = value  # "2.status": the form verify reads
    return out


def brief(wf: Workflow, knows: dict[str, Any], persona: str, *, withheld: tuple[str, ...] = (),
          quiet: tuple[str, ...] = ()) -> Scenario:
    """A user's brief for a request: the goal in words, every known fact volunteered except
    `withheld` ones (which also leave the goal: a parenthesis holding one goes, an id after the
    record it names, a value with its preposition; else the value's name stands in) and the `quiet`
    ones, which they say when asked but never offer: ids the parent's assistant found for them (a
    how-to customer does not know their iPad's IPA-92552), the email a session is signed in with."""
    goal = wf.goal
    unsaid = [k for k in re.findall(r"\{(\w+)\}", goal) if k not in knows]  # found by a lookup first
    for key in (*withheld, *unsaid):
        goal = re.sub(r"\s*\([^()]*\{" + re.escape(key) + r"\}[^()]*\)", "", goal)
        noun = re.sub(r"\s+(?:id|number|code)$", "", humanize(key))  # "account {account_id}": "my account"
        goal = re.sub(rf"\b(?:(my|the|your)\s+)?{re.escape(noun)}\s+\{{{re.escape(key)}\}}",
                      lambda m: f"{m.group(1) or 'my'} {noun}", goal)
        # one item of a list of changes goes whole ("set the alert threshold amount to $110.49, the
        # transaction type to {new_transaction_type} and the delivery preference to email": was "the
        # transaction type to and ..."), and so does a detail said with its value ("request a new card
        # with a spending limit of {spending_limit}": was "... of some money")
        k = re.escape("{" + key + "}")
        if len(re.findall(r"\bto \{\w+\}", goal)) >= 2:
            item = r"(?:the|my)\s+[a-z]+(?:\s+[a-z]+){0,3}\s+to\s+" + k
            goal = re.sub(rf"\b{item},\s+", "", goal, count=1)  # first or middle: "A to {a}, B ..."
            goal = re.sub(rf",\s+{item}(?=\s+and\b|,)", "", goal, count=1)  # middle: ", B to {b} and C"
            goal = re.sub(rf",\s+([^,]+?)\s+and\s+{item}", r" and \1", goal, count=1)  # last of three or more
            goal = re.sub(rf"\b{item}\s+and\s+", "", goal, count=1)  # first of two: "A to {a} and B to {b}"
            goal = re.sub(rf"\s+and\s+{item}", "", goal, count=1)  # last of two
        goal = re.sub(rf"\s+with\s+(?:an?|the)\s+[a-z]+(?:\s+[a-z]+){{0,3}}\s+of\s+{k}", "", goal)
        # after the record it names ("from my account {source_account_id}"): the words say it already
        goal = re.sub(rf"(\b(?:my|your|the)(?:\s+[a-z]+){{1,3}})\s+\{{{re.escape(key)}\}}", r"\1", goal)
        # a value after its preposition goes with it ("... because of {reason}", "... to {new_plan_name}")
        goal = re.sub(rf"\s+(?:because of|due to|to|for|on|in|with|by|at)\s+(?:an?\s+)?\{{{re.escape(key)}\}}", "", goal)
        # else the value's name stands in ("my reference"); an amount of money is "some money"
        money = key in knows and is_money(key, knows[key])
        goal = goal.replace("{" + key + "}", "some money" if money else "my " + humanize(key))
    text = compile_template(goal)({k: render(v) for k, v in knows.items()}, None)  # type: ignore[arg-type]
    unknown = [k for k in wf.tells if k not in knows]
    opening = [k for k in knows if k not in withheld and k not in quiet]
    # the user says what they want in their words ("transfer $700 from my account to my other
    # account"), the ids as facts: never the goal with its ids and raw numbers pasted in
    request = Request(goal=text, intent=user_words(goal, knows, said_value), knows=knows, opening=opening)
    return Scenario(persona=persona, goal=text, knows=knows, opening=opening, unknown=unknown, requests=[request])


def joins(session: set[Owner], owners: set[Owner]) -> bool:
    """Whether a request about records of `owners` joins a session with `session`'s customer:
    about nobody's records, or the same one customer's (the first to join sets who that is)."""
    return len(owners) <= 1 and (not session or owners <= session)


def customers_of(v: Variant, ctx: Context) -> Callable[[Part], set[Owner]]:
    """The customers a request is about: the owners (`tasks.owners`) of the initial rows whose key,
    or whose person's email, is among what the user knows or the assistant finds."""
    name = v.compiled.domain.name
    if name not in ctx.owners:
        owners = Owners(v.compiled)
        index: dict[str, Owner] = {}
        for table, rows in owners.rows.items():
            for key, row in rows.items():
                owner = owners.of(table, row)
                if owner is not None:
                    index[str(key)] = owner
                    if table in owners.people and isinstance(row.get("email"), str):
                        index[row["email"].lower()] = owner
                    for field in owners.found_by.get(table, ()):  # what the customer finds it by: an email, a name
                        if isinstance(row.get(field), str):
                            index[row[field].lower()] = owner
        ctx.owners[name] = index
    index = ctx.owners[name]

    def whose(part: Part) -> set[Owner]:
        values = [*part.knows.values(), *part.found.values()]
        return {index[k] for x in values for k in (str(x), str(x).lower()) if k in index}
    return whose
