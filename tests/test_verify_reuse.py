"""Verification reusing the episode's read results: every verdict and its evidence is the one a full
replay gives, on plain and planned episodes (faults, hidden tools, long replies) and on tampered
conversations; reads are reused only where tool, arguments and state digest match."""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.stages import verify as verify_module
from gem_env.stages.ground.episode import Episode
from gem_env.stages.ground.plan import EpisodePlan, Fault
from gem_env.stages.ground.rollout import converse
from gem_env.stages.tasks import Task, make_tasks
from gem_env.stages.verify import verify
from gem_env.stages.verify_reuse import RecordingSandbox, ReusingSandbox, reads_only
from gem_env.simulators.scripted import ScriptedUser
from gem_env.tools import CompiledDomain, ToolResult, compile_domain, load_domain
from gem_env.tools.scratch import scratch_sandbox

DOMAINS = sorted((Path(__file__).resolve().parents[1] / "examples" / "domains").glob("*.yaml"))


class Counting(ReusingSandbox):
    reused_in_all = 0

    def call(self, tool: Any, arguments: Any = None) -> Any:
        before = self.reused
        result = super().call(tool, arguments)
        Counting.reused_in_all += self.reused - before
        return result


@pytest.fixture(autouse=True)
def counting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify_module, "ReusingSandbox", Counting)


@pytest.fixture(scope="module")
def domains() -> list[tuple[CompiledDomain, list[Task]]]:
    out = []
    for path in DOMAINS:
        compiled = compile_domain(load_domain(path))
        out.append((compiled, make_tasks(compiled, per_domain=12, seed=0)[0]))
    return out


async def episode(task: Task, compiled: CompiledDomain) -> Episode:
    ep = Episode(task, compiled, ScriptedUser(task.scenario), record_calls=True)
    try:
        await converse(ep, RefinedAgent(WorkflowAgent(compiled)))
    finally:
        ep.close()
    return ep


def same_verdicts(task: Task, messages: list[dict[str, Any]], compiled: CompiledDomain, ep: Episode) -> bool:
    full = verify(task, messages, compiled).model_dump()
    reused = verify(task, messages, compiled, recorded=ep.recorded_calls).model_dump()
    assert reused == full, (task.id, full, reused)
    return full["passed"]


def planned(task: Task, compiled: CompiledDomain) -> Task:
    """The task with a plan over its first read tool: its first call fails, the first write tool
    is hidden until unlocked, and object replies carry two rows of the first table."""
    first_read = next(a.tool for a in task.gold_actions if reads_only(compiled, a.tool))
    writes = [a.tool for a in task.gold_actions if not reads_only(compiled, a.tool)]
    plan = EpisodePlan(faults=[Fault(tool=first_read, call=1, error="Service busy, try again.")],
                       hidden=writes[:1], context_table=sorted(compiled.tables)[0], context_rows=2)
    return task.model_copy(update={"plan": plan})


async def test_reuse_gives_the_full_replays_verdicts_and_evidence(domains: Any) -> None:
    Counting.reused_in_all = 0
    verdicts = []
    for compiled, tasks in domains:
        for task in tasks:
            ep = await episode(task, compiled)
            verdicts.append(same_verdicts(task, ep.messages, compiled, ep))
    assert sum(verdicts) > len(verdicts) // 2 and Counting.reused_in_all > len(verdicts)
    compiled, tasks = domains[0]
    unrecorded = Episode(tasks[0], compiled, ScriptedUser(tasks[0].scenario))  # as the gym makes one
    assert unrecorded.recorded_calls is None
    unrecorded.close()


async def test_planned_episodes_faults_hidden_tools_long_replies(domains: Any) -> None:
    Counting.reused_in_all = 0
    verdicts = []
    for compiled, tasks in domains:
        for task in tasks:
            if not any(reads_only(compiled, a.tool) for a in task.gold_actions):
                continue
            task = planned(task, compiled)
            ep = await episode(task, compiled)
            verdicts.append(same_verdicts(task, ep.messages, compiled, ep))
    assert len(verdicts) > 10 and Counting.reused_in_all > 0


def tampered(messages: list[dict[str, Any]], compiled: CompiledDomain) -> dict[str, list[dict[str, Any]]]:
    """The conversation bent in ways verification must catch."""
    out: dict[str, list[dict[str, Any]]] = {}
    first_call = next(i for i, m in enumerate(messages) if m.get("tool_calls"))
    first_reply = next(i for i, m in enumerate(messages) if m["role"] == "tool")
    bent = copy.deepcopy(messages)
    bent[first_reply]["content"] = json.dumps({"forged": True})
    out["reply_forged"] = bent
    bent = copy.deepcopy(messages)
    bent[first_call]["tool_calls"][0]["function"]["arguments"] = "{}"
    out["arguments_dropped"] = bent
    bent = copy.deepcopy(messages)
    out["reply_missing"] = [m for i, m in enumerate(bent) if i != first_reply]
    writes = {c["id"] for m in messages for c in m.get("tool_calls") or []
              if not reads_only(compiled, c["function"]["name"])}
    if writes:
        kept = []
        for m in copy.deepcopy(messages):
            if m.get("tool_calls"):
                m["tool_calls"] = [c for c in m["tool_calls"] if c["id"] not in writes] or None
                if m["tool_calls"] is None:
                    del m["tool_calls"]
            if m.get("tool_call_id") not in writes:
                kept.append(m)
        out["writes_dropped"] = kept
        swapped = copy.deepcopy(messages)  # reads after a write now see the template's state
        calls = [c for m in swapped for c in m.get("tool_calls") or []]
        first_write = next(k for k, c in enumerate(calls) if c["id"] in writes)
        calls[first_write]["function"]["arguments"] = calls[0]["function"]["arguments"]
        out["write_arguments_swapped"] = swapped
    return out


async def test_tampered_conversations_get_the_full_replays_verdicts(domains: Any) -> None:
    rejected: dict[str, int] = {}
    for compiled, tasks in domains:
        for task in tasks[:6]:
            ep = await episode(task, compiled)
            if not any(m.get("tool_calls") for m in ep.messages):
                continue
            for name, messages in tampered(ep.messages, compiled).items():
                rejected[name] = rejected.get(name, 0) + (not same_verdicts(task, messages, compiled, ep))
    assert rejected["reply_forged"] and rejected["reply_missing"] and rejected["writes_dropped"]


def test_a_read_on_another_state_or_with_other_arguments_runs() -> None:
    compiled = compile_domain(load_domain(next(p for p in DOMAINS if p.stem == "bank")))
    with scratch_sandbox(compiled) as seeded:  # an active card and its owner, as seeded
        state = seeded.dump(["cards", "accounts"])
    card = next(c for c in state["cards"].values() if c["status"] == "active")
    owner = state["accounts"][card["account_id"]]["customer_id"]
    read = json.dumps({"customer_id": owner})
    freeze = json.dumps({"customer_id": owner, "card_id": card["card_id"]})
    with scratch_sandbox(compiled) as episode_sandbox:
        recording = RecordingSandbox(episode_sandbox)
        recording.call("list_cards", read)
        recording.call("freeze_card", freeze)
        first, write = recording.calls
    with scratch_sandbox(compiled) as fresh:
        template_digest = fresh.state_hash()
    assert first.digest == template_digest and write.digest is None and first.result.ok
    forged = [replace(first, result=ToolResult(True, value={"forged": 1})), write]

    def replay(*calls: tuple[str, str]) -> tuple[list[Any], int]:
        with scratch_sandbox(compiled) as sandbox:
            reusing = ReusingSandbox(sandbox, forged)
            return [reusing.call(tool, args).value for tool, args in calls], reusing.reused

    assert replay(("list_cards", read)) == ([{"forged": 1}], 1)  # same state, same call: reused
    other = json.dumps({"customer_id": "MBR-000000"})
    assert replay(("list_cards", other))[1] == 0  # other arguments: run
    assert replay(("freeze_card", freeze), ("list_cards", read))[1] == 0  # another state: run
    values, reused = replay(("list_cards", read), ("freeze_card", freeze), ("list_cards", read))
    assert reused == 1 and values[1]["status"] == "frozen" and values[2] != {"forged": 1}
