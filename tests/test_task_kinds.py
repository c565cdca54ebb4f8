"""Task kinds end to end: made through the gate, solved by the offline agent, failed by agents that
do nothing or always write, spoken like people, and verified by meaning."""
from __future__ import annotations

import collections
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.understanding import GOING_ON
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.llm_user import system_prompt
from gem_env.simulators.scenario import STOP
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.episode import policy_prompt
from gem_env.stages.ground.rollout import RolloutJob, run_rollout, run_rollouts
from gem_env.stages.tasks import Task, make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, compile_domain, load_domain, parse_domain
from test_language import BASE, P, tool

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "domains").glob("*.yaml"))
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

ORDERS = {**BASE, "description": "Order help for a small shop (retail)", "tools": [
    tool("get_order", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}],
         [P("order_id")], "read"),
    tool("cancel_order", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                          {"require": "o.status == 'pending'", "message": "Only pending orders can be cancelled"},
                          {"update": "orders", "row": "o", "set": {"status": "'cancelled'"}},
                          {"return": {"order_id": "o.order_id", "status": "'cancelled'"}}], [P("order_id")]),
], "workflows": [{
    "name": "cancel_order", "goal": "Cancel your order: we refund it (order {order_id})",
    "anchor": {"table": "orders", "filter": "row.status == 'pending'"}, "knows": {"order_id": "row.order_id"},
    "steps": [{"tool": "get_order", "args": {"order_id": {"user": "order_id"}}, "as": "order"},
              {"tool": "cancel_order", "args": {"order_id": {"user": "order_id"}}, "as": "done"}],
    "tells": {"status": "done.status"}}]}


@pytest.fixture(scope="module")
def orders() -> CompiledDomain:
    return compile_domain(parse_domain(ORDERS))


@pytest.fixture(scope="module")
def order_tasks(orders: CompiledDomain) -> list[Task]:
    tasks = []
    for seed in range(4):
        got, _ = make_tasks(orders, per_domain=6, seed=seed)
        tasks += got
    return list({t.id: t for t in tasks}.values())


def jobs(compiled: CompiledDomain, tasks: list[Task], agent: Any = None) -> list[RolloutJob]:
    return [RolloutJob(t, compiled, agent(t) if agent else WorkflowAgent(compiled), ScriptedUser(t.scenario))
            for t in tasks]


def test_every_kind_is_made_and_records_what_it_checks(order_tasks: list[Task]) -> None:
    kinds = collections.Counter(t.category for t in order_tasks)
    assert set(kinds) == {"complete", "refuse", "decline", "lookup", "multi_request"}, kinds
    refused = [t for t in order_tasks if t.category == "refuse"]
    assert all(t.scenario.requests[0].kind == "refuse" for t in refused)  # the defining request comes first
    for refuse in refused:
        assert refuse.refusals[0].tool == "cancel_order" and refuse.refusals[0].values == ["delivered"]
        assert refuse.gold_actions[0].tool == "get_order"  # the rule is seen in what was read
        # the refused request writes nothing: the session's writes are its follow-on requests' own
        done = [r for r in refuse.scenario.requests if r.kind in ("complete", "disambiguate")]
        assert sum(a.tool == "cancel_order" for a in refuse.gold_actions) == len(done)
        assert (refuse.expected_state_hash == refuse.initial_state_hash) == (not done)
    decline = next(t for t in order_tasks if t.category == "decline")
    assert decline.scenario.requests[0].kind == "decline" and not decline.scenario.requests[0].confirm
    assert decline.declines[0].tool == "cancel_order"
    assert any(len(t.scenario.requests) > 1 for t in order_tasks if t.category != "multi_request")
    lookup = next(t for t in order_tasks if t.category == "lookup")
    asked = {k.split(".", 1)[-1] for k in lookup.required_outputs}  # "2.status": the session's second request's
    assert lookup.required_outputs and asked <= {"status", "total", "placed"}
    assert lookup.scenario.requests[0].kind == "lookup"
    session = next(t for t in order_tasks if t.category == "multi_request")
    assert 2 <= len(session.scenario.requests) <= 4
    assert all(re.match(r"\d\.", k) for k in session.required_outputs)
    for t in order_tasks:  # doing nothing fails every kind
        assert not verify(t, [{"role": "user", "content": "hi"}], compile_domain(parse_domain(ORDERS))).passed


@pytest.mark.parametrize("path", [None, *EXAMPLES], ids=["orders", *(p.stem for p in EXAMPLES)])
async def test_offline_agent_passes_every_kind(path: Path | None, orders: CompiledDomain,
                                               order_tasks: list[Task]) -> None:
    compiled = orders if path is None else compile_domain(load_domain(path))
    tasks = order_tasks if path is None else make_tasks(compiled, per_domain=8, seed=1)[0]
    done = await run_rollouts(jobs(compiled, tasks), concurrency=4)
    by_kind: dict[str, list[bool]] = collections.defaultdict(list)
    for traj in done:
        by_kind[traj.task["category"]].append(traj.verification.passed)
    assert {k: sum(v) / len(v) for k, v in by_kind.items()} == {k: 1.0 for k in by_kind}, \
        [(t.task["category"], t.verification.failed) for t in done if not t.verification.passed]
    if path is not None and path.stem == "shop":  # a customer with several orders: "which one?"
        which = next(t for t in done if t.task["category"] == "disambiguate")
        assert [c.passed for c in which.verification.checks if c.name == "asked_which"] == [True]
        opening = which.messages[1]["content"]
        assert not any(c in opening for c in which.task["ambiguities"][0]["candidates"])


class _DoNothing:
    meta: dict[str, Any] = {"backend": "test"}
    usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}

    def __init__(self, task: Task) -> None:
        self.task = task

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"role": "assistant", "content": "Thanks for reaching out. Is there anything else?"}


class _YesWriter(_DoNothing):
    """Makes the write each request is about, as if every answer were yes, then says it is done."""

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        writes = [(w.tool, w.arguments or w.target) for w in [*self.task.refusals, *self.task.declines]]
        made = sum(len(m.get("tool_calls") or []) for m in messages if m.get("role") == "assistant")
        if made < len(writes):
            tool, args = writes[made]
            return {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"w{made}", "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}]}
        return {"role": "assistant", "content": "All done, I've made that change. Is there anything else?"}


@pytest.mark.parametrize("agent", [_DoNothing, _YesWriter])
async def test_doing_nothing_or_always_writing_scores_zero_on_refuse_and_decline(
        agent: Any, orders: CompiledDomain, order_tasks: list[Task]) -> None:
    tasks = [t for t in order_tasks if t.category in ("refuse", "decline")]
    assert {t.category for t in tasks} == {"refuse", "decline"}
    done = await run_rollouts(jobs(orders, tasks, agent), concurrency=4)
    assert not [t.task["category"] for t in done if t.verification.passed]


async def test_people_speak_in_their_own_words(orders: CompiledDomain, order_tasks: list[Task]) -> None:
    done = await run_rollouts(jobs(orders, order_tasks), concurrency=4)
    prompt = policy_prompt(orders.domain)
    assert orders.domain.name not in prompt.split() and "retail service" in prompt
    for traj in done:
        spoken = [m for m in traj.messages[1:] if m["role"] in ("user", "assistant") and m.get("content")]
        assert not [m["content"] for m in spoken if SNAKE.search(m["content"]) or "(yes/no)" in m["content"]]
        assert traj.task["scenario"]["goal"] not in spoken[0]["content"]
    # a user who says at the start they have several things is not asked (test_sessions)
    session = next(t for t in done if t.task["category"] == "multi_request"
                   and not GOING_ON.search(next(m["content"] for m in t.messages if m["role"] == "user")))
    users = [m["content"] for m in session.messages if m["role"] == "user"]
    # (or offered the one the user named up front: "You also mentioned cancelling your order ...")
    asked_more = [m["content"] for m in session.messages if m["role"] == "assistant" and m.get("content")
                  and ("anything else" in m["content"].lower() or "you also mentioned" in m["content"].lower())]
    # one request at a time: each settled request is followed by the next or by goodbye
    assert len(asked_more) == len(session.task["scenario"]["requests"]) and STOP in users[-1]


def test_verification_takes_a_later_mention_and_booleans_by_meaning(orders: CompiledDomain,
                                                                   order_tasks: list[Task]) -> None:
    task = next(t for t in order_tasks if t.category == "lookup").model_copy(
        update={"required_outputs": {"status": "pending", "eligible": "no"}})
    reply = json.dumps({"status": "pending", "eligible": False})
    call = {"id": "c", "type": "function", "function": {"name": "get_order", "arguments": json.dumps(
        task.gold_actions[0].arguments)}}

    def convo(after: str, before: str = "Let me check whether it is still pending.") -> list[dict[str, Any]]:
        return [{"role": "user", "content": "hi"}, {"role": "assistant", "content": before},
                {"role": "user", "content": "ok"}, {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c", "content": reply}, {"role": "assistant", "content": after},
                {"role": "user", "content": f"thanks {STOP}"}]

    def outputs(messages: list[dict[str, Any]]) -> dict[str, bool]:
        v = verify(task, messages, orders)
        return {c.name: c.passed for c in v.checks if c.name in ("required_outputs", "outputs_grounded")}

    # the tool reply differs from the sandbox's, but the output checks are what is tested here
    assert outputs(convo("It is pending, and it is not eligible.")) == {"required_outputs": True,
                                                                        "outputs_grounded": True}
    assert outputs(convo("It is pending and eligible.")) == {"required_outputs": False, "outputs_grounded": True}
    assert outputs(convo("It is not eligible.", before="It is pending."))["outputs_grounded"] is False


def test_a_value_joined_from_several_fields_is_grounded_by_its_parts() -> None:
    """A new address told as one ("442 Parrish Neck, Port Brittanytown 12179") after the user gave
    its street, city and zip one by one has its source in those; a part no source holds (a made-up
    zip) leaves it a claimed result."""
    from gem_env.stages.verify import _first_source
    user = {"role": "user", "content": "My new street is 442 Parrish Neck. My new city is Port Brittanytown. "
                                       "My new zip is 12179."}
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Your new address?"}, user]
    assert _first_source("442 Parrish Neck, Port Brittanytown 12179", messages) == 2
    assert _first_source("442 Parrish Neck, Port Brittanytown 12170", messages) is None
    assert _first_source("Port Brittanytown 12179", messages) is None  # no comma: held whole or not at all
    messages[0]["content"] = "Change it to 442 Parrish Neck, Port Brittanytown 12179."
    assert _first_source("442 Parrish Neck, Port Brittanytown 12179", messages) == 0


def test_a_model_user_gets_the_open_request_only(order_tasks: list[Task]) -> None:
    sessions = [t for t in order_tasks if t.category == "multi_request"]
    assert sessions
    for session in sessions:
        requests = session.scenario.requests
        for i, r in enumerate(requests):
            prompt = system_prompt(session.scenario, i)
            assert r.goal in prompt and ("decline" in prompt) == (not r.confirm)
            assert not [x.goal for x in requests[i + 1:] if x.goal in prompt and x.goal not in r.goal]


async def test_an_llm_agent_is_held_to_the_same_contract(orders: CompiledDomain, order_tasks: list[Task]) -> None:
    from gem_env.backends import make_agent
    from gem_env.llm import LLMClient, LLMConfig
    from gem_env.testing import FakeOpenAIServer, Text, ToolCall, ToolCalls

    refuse = next(t for t in order_tasks if t.category == "refuse")
    write = refuse.refusals[0]
    script = [ToolCalls([ToolCall(write.tool, write.arguments or write.target)]), Text("Done, it is cancelled.")]
    with FakeOpenAIServer(lambda body: script[min(sum(m["role"] == "assistant" for m in body["messages"]), 1)]) as srv:
        client = LLMClient(LLMConfig(model="fake", base_url=srv.base_url, max_retries=0, timeout=5))
        try:
            traj = await run_rollout(refuse, orders, make_agent("llm", orders, client), ScriptedUser(refuse.scenario))
        finally:
            await client.aclose()
        sent = srv.requests[0]["messages"][0]["content"]
    assert sent == policy_prompt(orders.domain)
    assert "refused_with_reason" in traj.verification.failed


def test_a_decline_goes_on_with_the_customers_other_requests() -> None:
    """A decline alone is a three-turn chat that teaches only "no" (13 of 702 in round 58's review):
    where the service does more than one thing, the customer who says no goes on with another
    request of theirs (a how-to's one write is still declined alone: `test_extract_offline`)."""
    declines = []
    for path in EXAMPLES:
        compiled = compile_domain(load_domain(path))
        if len(compiled.domain.workflows) < 2:
            continue
        for seed in range(3):
            declines += [t for t in make_tasks(compiled, per_domain=6, seed=seed)[0] if t.category == "decline"]
    assert len(declines) >= 5 and all(len(t.scenario.requests) >= 2 for t in declines), \
        [[r.goal for r in t.scenario.requests] for t in declines if len(t.scenario.requests) < 2]
    assert all(t.scenario.requests[0].kind == "decline" for t in declines)
