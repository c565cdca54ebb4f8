"""A refusal the customer clears: "a card that is frozen cannot be changed", so the customer asks
to unfreeze it, then asks for the change again and it is made. The session's gold holds the
refusal's reads, the unfreeze and the change; verification holds the refusal until the unfreeze."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from gem_env.simulators import phrases as P
from gem_env.stages.tasks import Task
from gem_env.stages.verify_kinds import gives_reason, kind_checks, writes_on
from gem_env.tools import compile_domain, load_domain


def _cleared_sessions(run: Path):
    for line in (run / "trajectories.jsonl").open():
        traj = json.loads(line)
        task = Task.model_validate(traj["task"])
        if any(r.lifted_by for r in task.refusals):
            yield traj, task, compile_domain(load_domain(run / "domains" / f"{task.domain}.json"))


def _call_index(messages: list[dict], compiled, tool: str, target: dict) -> int:
    return next(i for i, m in enumerate(messages) if any(w["tool"] == tool for w in writes_on([m], compiled, target)))


def test_a_cleared_refusal_is_asked_for_again_and_made_after_the_change_that_clears_it(examples_run: Path) -> None:
    sessions = list(_cleared_sessions(examples_run))
    assert sessions, "the example corpus's freeze-a-card text makes one"
    for traj, task, compiled in sessions:
        refusal = next(r for r in task.refusals if r.lifted_by)
        kinds = [(r.kind, r.clears, r.retry) for r in task.scenario.requests]
        at = kinds.index(("refuse", False, False))
        assert kinds[at + 1] == ("complete", True, False) and kinds[at + 2] == ("complete", False, True), kinds
        assert task.scenario.requests[at + 2].intent == task.scenario.requests[at].intent  # the same change again
        messages = traj["messages"]
        cleared = _call_index(messages, compiled, refusal.lifted_by["tool"], refusal.lifted_by["target"])
        made = _call_index(messages, compiled, refusal.tool, refusal.target)
        assert cleared < made  # the held write comes after what clears it, never before
        # the customer answers the refusal by asking for what clears it, in so many words
        refused_at = next(i for i, m in enumerate(messages[:cleared]) if m["role"] == "assistant"
                          and gives_reason(refusal.reason, refusal.values, m.get("content") or ""))
        answer = messages[refused_at + 1]["content"]
        assert any(answer.startswith(b.strip()) for b in [*P.BRIDGE_CLEAR, *P.OFFER_NO]), answer
        assert traj["verification"]["passed"] and all(c["passed"] for c in traj["verification"]["checks"])


def test_a_way_out_on_another_record_ends_one_of_the_kind_the_rule_counts(examples_run: Path) -> None:
    """"An account can have at most 5 lines": the customer cancels one of their other lines, then
    the new line is added."""
    traj, task, compiled = next((t, k, c) for t, k, c in _cleared_sessions(examples_run)
                                if any(r.lifted_by and r.lifted_by["target"] != r.target for r in k.refusals))
    refusal = next(r for r in task.refusals if r.lifted_by)
    assert "lines" in refusal.reason and refusal.lifted_by["tool"] == "cancel_line"
    messages = traj["messages"]
    at = _call_index(messages, compiled, "cancel_line", refusal.lifted_by["target"])
    call_id = messages[at]["tool_calls"][0]["id"]
    reply = json.loads(next(m["content"] for m in messages if m.get("tool_call_id") == call_id))
    assert reply["status"] == "closed" and reply["line_id"] == refusal.lifted_by["target"]["line_id"]
    assert at < _call_index(messages, compiled, refusal.tool, refusal.target)
    assert traj["verification"]["passed"]


def test_a_way_out_fits_what_the_rule_means(examples_run: Path) -> None:
    """A write on the held record (or naming it in a role) may clear it; on another record, only one
    ending a record of a kind the rule names: cancelling a line against "at most 5 lines", not
    suspending one, nor cancelling one against a rule about something else."""
    from types import SimpleNamespace

    from gem_env.stages.tasks.kinds import Built
    from gem_env.stages.tasks.model import GoldAction, Refusal
    from gem_env.stages.tasks.session import _lift
    from gem_env.simulators.scenario import Request

    ctx = SimpleNamespace(compiled=compile_domain(load_domain(examples_run / "domains" / "telecom_add-a-line_md.json")))
    limit = Refusal(tool="add_line", target={"customer_id": "CST-1"}, reason="An account can have at most 5 lines.")

    def way(tool: str, status: str, line: str = "LINE-2") -> Built:
        return Built(Request(goal="g"), [GoldAction(tool=tool, arguments={"line_id": line}, result={"line_id": line, "status": status})])

    assert _lift(ctx, way("cancel_line", "closed"), limit).tool == "cancel_line"
    assert _lift(ctx, way("suspend_line", "suspended"), limit) is None
    other_rule = limit.model_copy(update={"reason": "A customer must be verified first"})
    assert _lift(ctx, way("cancel_line", "closed"), other_rule) is None
    on_it = Refusal(tool="update_line_plan", target={"line_id": "LINE-2"}, reason="A line that is suspended cannot be changed")
    assert _lift(ctx, way("resume_line", "active"), on_it).tool == "resume_line"


def test_the_refusal_holds_until_the_change_that_clears_it_is_made(examples_run: Path) -> None:
    traj, task, compiled = next(_cleared_sessions(examples_run))
    refusal = next(r for r in task.refusals if r.lifted_by)

    def refused_ok(messages: list[dict]) -> bool:
        return next(c for c in kind_checks(task, messages, compiled) if c.name == "refused_with_reason").passed

    messages = traj["messages"]
    assert refused_ok(messages)
    # the change that clears it failed: the write made later is a refused write made
    failed = copy.deepcopy(messages)
    at = _call_index(failed, compiled, refusal.lifted_by["tool"], refusal.lifted_by["target"])
    call_id = failed[at]["tool_calls"][0]["id"]
    reply = next(m for m in failed if m.get("role") == "tool" and m.get("tool_call_id") == call_id)
    reply["content"] = json.dumps({"error": "not now"})
    assert not refused_ok(failed)
    # the held write made before what clears it: refused
    early = copy.deepcopy(messages)
    write = early.pop(_call_index(early, compiled, refusal.tool, refusal.target))
    early.insert(_call_index(early, compiled, refusal.lifted_by["tool"], refusal.lifted_by["target"]), write)
    assert not refused_ok(early)


@pytest.mark.parametrize("field", ["clears", "retry"])
def test_requests_that_clear_nothing_serialise_as_before(field: str) -> None:
    from gem_env.simulators.scenario import Request
    assert field not in json.loads(Request(goal="g").model_dump_json())
    assert json.loads(Request(goal="g", **{field: True}).model_dump_json())[field] is True


def _refusal_grown(run: Path, domain: str, workflow: str, held: str):
    """The refusal of `workflow` on the record `held` of the example domain, grown into a session."""
    import random

    from gem_env.stages.tasks.make import _Context, anchor_rows
    from gem_env.stages.tasks.session import grow_session

    compiled = compile_domain(load_domain(run / "domains" / f"{domain}.json"))
    rows = {wf.name: anchor_rows(compiled, wf) for wf in compiled.domain.workflows}
    ctx = _Context(compiled, rows, 0, domain, 8)
    first = next(c for c in ctx.candidates("refuse") if c[1] == workflow and c[0] == held)
    return grow_session(ctx, "refuse", first, set())


def test_a_hold_is_lifted_only_for_a_reason_the_customer_can_lift_it_and_they_say_what_changed(examples_run: Path) -> None:
    """A card frozen because it was lost: "I found it again, so could you unfreeze my card?", then
    its limit raised; one frozen because it was stolen, or for suspicious activity, is not unfrozen
    for a higher limit: the refusal stands."""
    compiled = compile_domain(load_domain(examples_run / "domains" / "bank_freeze-a-card_md.json"))
    sandbox = compiled.new_sandbox()
    cards = sandbox.dump(["cards"])["cards"]
    sandbox.close()
    frozen = {str(c.get("status_reason")): key for key, c in cards.items() if c["status"] == "frozen"}
    assert {"lost", "stolen"} <= set(frozen)
    lost = _refusal_grown(examples_run, "bank_freeze-a-card_md", "change_card_spending_limit", frozen["lost"])
    clears = [r for r in lost.scenario.requests if r.clears]
    assert [r.since for r in clears] == ["I found it again"] and lost.refusals[0].lifted_by["tool"] == "unfreeze_card"
    stolen = _refusal_grown(examples_run, "bank_freeze-a-card_md", "change_card_spending_limit", frozen["stolen"])
    assert stolen is None or not any(r.lifted_by for r in stolen.refusals)


def test_the_customer_says_what_changed_since_the_hold_when_asking_to_lift_it() -> None:
    import asyncio

    from gem_env.simulators.scenario import Scenario
    from gem_env.simulators.scripted import ScriptedUser
    knows = {"card_id": "CRD-1"}
    requests = [{"goal": "change the spending limit of my card CRD-1 to 4800", "kind": "refuse",
                 "intent": "change the spending limit of my card to $4,800", "knows": knows, "opening": ["card_id"]},
                {"goal": "unfreeze my card CRD-1", "intent": "unfreeze my card", "knows": knows,
                 "clears": True, "since": "I found it again"},
                {"goal": "change the spending limit of my card CRD-1 to 4800", "retry": True,
                 "intent": "change the spending limit of my card to $4,800", "knows": knows}]
    for seed in range(6):
        user = ScriptedUser(Scenario(persona="a customer", goal="three things", knows={"email": "a@example.com", **knows},
                                     requests=requests), seed=seed)
        history = [{"role": "system", "content": "policy"}]
        history += [{"role": "user", "content": asyncio.run(user.reply(history))},
                    {"role": "assistant", "content": "I can't change its limit: a card that is frozen cannot be changed."}]
        said = asyncio.run(user.reply(history))
        assert "I found it again" in said and "unfreeze my card" in said, said
