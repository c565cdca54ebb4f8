"""LLM agent against the fake OpenAI server, LLM user with fake chat models: each misbehaviour is
rejected for the right reason, and failures of the endpoint end the episode without a crash."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from gem_env.agents.llm_agent import LLMAgent, to_langchain, to_openai
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.backends import agent_chat_fn, make_agent
from gem_env.stages.ground.usage import EpisodeUsage
from gem_env.stages.ground.episode import Limits, policy_prompt
from gem_env.llm import LLMClient, LLMConfig, Usage
from gem_env.stages.ground.rollout import run_rollout
from gem_env.simulators.llm_user import GREETING, LLMUser
from gem_env.simulators.scenario import STOP
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.tasks import Task, make_tasks
from gem_env.testing import FakeOpenAIServer, Fault, Reply, Text, ToolCall, ToolCalls, ToolFakeChatModel
from gem_env.tools import CompiledDomain, compile_domain, load_domain
from gem_env.trajectory import Trajectory

SHOP = Path(__file__).resolve().parent / "data" / "rollout_shop.yaml"


@pytest.fixture(scope="module")
def shop() -> CompiledDomain:
    return compile_domain(load_domain(SHOP))


@pytest.fixture(scope="module")
def cancel(shop: CompiledDomain) -> Task:
    tasks, _ = make_tasks(shop, per_domain=3, seed=3, kinds=("complete",))  # single requests
    return next(t for t in tasks if t.workflow == "cancel_pending_order")


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    """A server whose replies each test sets in ``server.script``."""
    script: list[Reply] = []
    srv = FakeOpenAIServer(lambda body: script[min(_assistant_turns(body), len(script) - 1)])
    srv.script = script  # type: ignore[attr-defined]
    with srv:
        yield srv


def _assistant_turns(body: dict[str, Any]) -> int:
    return sum(m["role"] == "assistant" for m in body["messages"])


async def roll(server: FakeOpenAIServer, shop: CompiledDomain, task: Task, replies: list[Reply],
               limits: Limits = Limits(), max_retries: int = 0) -> Trajectory:
    server.script[:] = replies  # type: ignore[attr-defined]
    client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=max_retries,
                                 retry_base_delay=0.0, retry_max_delay=0.0, timeout=5))
    usage = EpisodeUsage()
    try:
        agent = make_agent("llm", shop, client, usage=usage)
        traj = await run_rollout(task, shop, agent, ScriptedUser(task.scenario), limits=limits, usage=usage)
        assert not agent._converted  # type: ignore[attr-defined]  # the finished conversation is let go
        return traj
    finally:
        await client.aclose()


def gold_replies(task: Task, domain: CompiledDomain) -> list[Reply]:
    """The gold calls, the customer's yes asked before the first change, then the outputs told."""
    calls: list[Reply] = []
    for a in task.gold_actions:
        if domain.tools[a.tool].writes and not any(isinstance(r, Text) for r in calls):
            calls.append(Text("I'm about to make that change. Shall I go ahead?"))
        calls.append(ToolCalls([ToolCall(a.tool, a.arguments)]))
    return [*calls, Text("Done: " + "; ".join(task.required_outputs.values()) + ".")]


async def test_a_correct_agent_is_accepted(server: FakeOpenAIServer, shop: CompiledDomain, cancel: Task) -> None:
    traj = await roll(server, shop, cancel, gold_replies(cancel, shop))
    assert traj.verification.passed, traj.verification.failed
    assert traj.meta["llm"]["agent"]["calls"] == len(cancel.gold_actions) + 2  # + the question and the close
    assert traj.meta["llm"]["prompt_tokens"] > 0 and traj.meta["backends"]["agent"] == {"backend": "llm", "model": "fake"}
    request = server.requests[0]
    assert request["messages"][0] == {"role": "system", "content": policy_prompt(shop.domain)}
    assert {t["function"]["name"] for t in request["tools"]} == set(shop.tools)


async def test_the_agent_is_prompted_with_the_conversations_system_message(server: FakeOpenAIServer,
                                                                          shop: CompiledDomain) -> None:
    """A task whose customer is signed in gives the episode its own prompt; the model is sent that
    prompt (the trajectory's), not the domain's the agent was made with."""
    signed = compile_domain(shop.domain.model_copy(update={"signed_in": ["email"]}))
    tasks, _ = make_tasks(signed, per_domain=3, seed=3, kinds=("complete",))
    task = next(t for t in tasks if t.workflow == "cancel_pending_order")
    assert task.scenario.signed_in == {"email": task.scenario.knows["email"]}
    traj = await roll(server, signed, task, gold_replies(task, signed))
    assert traj.verification.passed, traj.verification.failed
    prompt = policy_prompt(signed.domain, task.scenario)
    assert f"signed in with the email {task.scenario.knows['email']}." in prompt
    assert traj.messages[0]["content"] == prompt
    assert all(r["messages"][0] == {"role": "system", "content": prompt} for r in server.requests)


async def test_unknown_tool_is_rejected(server: FakeOpenAIServer, shop: CompiledDomain, cancel: Task) -> None:
    traj = await roll(server, shop, cancel, [ToolCalls([ToolCall("refund_everything", {})]), *gold_replies(cancel, shop)])
    assert "unknown tool" in traj.messages[3]["content"]
    assert traj.verification.failed == ["tool_calls_valid"]


async def test_wrong_argument_types_are_rejected(server: FakeOpenAIServer, shop: CompiledDomain, cancel: Task) -> None:
    traj = await roll(server, shop, cancel, [ToolCalls([ToolCall("get_order", {"order_id": 12345})]),
                                              *gold_replies(cancel, shop)])
    assert "invalid arguments" in traj.messages[3]["content"]
    assert traj.verification.failed == ["tool_calls_valid"]


async def test_invalid_json_arguments_are_kept_raw_and_rejected(server: FakeOpenAIServer, shop: CompiledDomain,
                                                                cancel: Task) -> None:
    traj = await roll(server, shop, cancel, [ToolCalls([ToolCall("get_order", "{not json")]), *gold_replies(cancel, shop)])
    assert traj.messages[2]["tool_calls"][0]["function"]["arguments"] == "{not json"
    assert "not valid JSON" in traj.messages[3]["content"]
    # the raw string went back to the endpoint on the next request
    assert server.requests[1]["messages"][2]["tool_calls"][0]["function"]["arguments"] == "{not json"
    assert "tool_calls_valid" in traj.verification.failed


async def test_a_claimed_result_it_never_got_is_rejected(server: FakeOpenAIServer, shop: CompiledDomain,
                                                         cancel: Task) -> None:
    traj = await roll(server, shop, cancel, [Text("Your order has been cancelled.")])
    assert traj.meta["termination"] == "user_stop" and traj.meta["tool_calls"] == 0
    assert {"final_state", "outputs_grounded"} <= set(traj.verification.failed)


async def test_an_agent_that_never_finishes_is_cut(server: FakeOpenAIServer, shop: CompiledDomain, cancel: Task) -> None:
    calls: list[Reply] = [ToolCalls([ToolCall("get_order", {"order_id": f"ORD-0000{i}"})]) for i in range(8)]
    traj = await roll(server, shop, cancel, calls, limits=Limits(max_turns=6, max_tool_errors=10))
    assert traj.meta["termination"] == "max_turns" and traj.meta["turns"] == 6
    assert "ended_by_user" in traj.verification.failed


async def test_an_agent_repeating_the_same_call_ends_as_a_loop(server: FakeOpenAIServer, shop: CompiledDomain,
                                                               cancel: Task) -> None:
    order = cancel.scenario.knows["order_id"]
    traj = await roll(server, shop, cancel, [ToolCalls([ToolCall("get_order", {"order_id": order})])],
                      limits=Limits(max_turns=30))
    assert traj.meta["termination"] == "loop" and traj.meta["turns"] == 3
    assert "repeated 3 times" in traj.meta["error"] and not traj.verification.passed


async def test_two_model_parties_greeting_each_other_end_as_a_loop(server: FakeOpenAIServer, shop: CompiledDomain,
                                                                   cancel: Task) -> None:
    hello = "Hello! How can I assist you today?"

    async def parrot(messages: list[BaseMessage]) -> AIMessage:
        return AIMessage(content=hello)

    server.script[:] = [Text(hello)]  # type: ignore[attr-defined]
    client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=0))
    try:
        traj = await run_rollout(cancel, shop, make_agent("llm", shop, client),
                                 LLMUser(parrot, cancel.scenario, model_name="m"), limits=Limits(max_turns=30))
    finally:
        await client.aclose()
    assert traj.meta["termination"] == "loop" and traj.meta["turns"] <= 3


async def test_an_agent_whose_calls_keep_failing_is_cut(server: FakeOpenAIServer, shop: CompiledDomain,
                                                        cancel: Task) -> None:
    traj = await roll(server, shop, cancel, [ToolCalls([ToolCall("get_order", {"order_id": "ORD-00000"})])],
                      limits=Limits(max_tool_errors=3))
    assert traj.meta["termination"] == "tool_errors" and traj.meta["tool_errors"] == 3
    assert "ended_by_user" in traj.verification.failed


@pytest.mark.parametrize("fault", ["http_500", "malformed_json", "wrong_schema"])
async def test_endpoint_failures_end_the_episode_with_infra_error(server: FakeOpenAIServer, shop: CompiledDomain,
                                                                  cancel: Task, fault: str) -> None:
    traj = await roll(server, shop, cancel, [Fault(fault)], max_retries=1)  # type: ignore[arg-type]
    assert traj.meta["termination"] == "infra_error"
    assert "LLMUnavailable" in traj.meta["error"]
    assert len(server.requests) == 2 and not traj.verification.passed


def test_message_conversion_keeps_calls_and_raw_invalid_arguments() -> None:
    messages = [
        {"role": "system", "content": "ignored: the agent has its own policy"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_order", "arguments": '{"order_id": "A"}'}},
            {"id": "c2", "type": "function", "function": {"name": "get_order", "arguments": "{oops"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": '{"status": "pending"}'},
        {"role": "tool", "tool_call_id": "c2", "content": '{"error": "bad"}'},
    ]
    lc = to_langchain(messages)
    assert [type(m) for m in lc] == [HumanMessage, AIMessage, ToolMessage, ToolMessage]
    assert lc[1].tool_calls[0]["args"] == {"order_id": "A"} and lc[1].invalid_tool_calls[0]["args"] == "{oops"
    assert to_openai(lc[1]) == {**messages[2]}
    reply = AIMessage(content="", tool_calls=[{"name": "f", "args": {}, "id": None}])
    assert to_openai(reply, first_call=7)["tool_calls"][0]["id"] == "call_7"


async def test_llm_agent_sends_policy_and_tools_to_its_chat_function() -> None:
    seen: list[tuple[list[BaseMessage], Any]] = []

    async def chat(messages: list[BaseMessage], tools: Any) -> AIMessage:
        seen.append((messages, tools))
        return AIMessage(content="Hello!", usage_metadata={"input_tokens": 5, "output_tokens": 2, "total_tokens": 7})

    agent = LLMAgent(chat, [{"type": "function", "function": {"name": "f"}}], "POLICY")
    assert await agent.act([{"role": "user", "content": "hi"}]) == {"role": "assistant", "content": "Hello!"}
    assert seen[0][0][0] == SystemMessage("POLICY") and seen[0][1][0]["function"]["name"] == "f"
    assert not hasattr(agent, "usage")  # the episode counts, through the chat function


async def test_llm_agent_converts_only_new_messages_and_notices_another_conversation() -> None:
    seen: list[list[BaseMessage]] = []

    async def chat(messages: list[BaseMessage], tools: Any) -> AIMessage:
        seen.append(list(messages))
        return AIMessage(content="ok")

    agent = LLMAgent(chat, [], "POLICY")
    talk: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
    for text in ("and one more", "thanks"):
        talk.append(await agent.act(talk))
        talk.append({"role": "user", "content": text})
    await agent.act(talk)
    other = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"},
             {"role": "user", "content": "a new episode, as long as the last turn above"}]
    await agent.act(other)
    await agent.act(other[:1])
    assert [m[1:] for m in seen] == [to_langchain(talk[:1]), to_langchain(talk[:3]), to_langchain(talk),
                                     to_langchain(other), to_langchain(other[:1])]
    assert seen[0][1] is seen[2][1] and seen[3][1] is not seen[2][1]  # kept between turns, not across episodes
    agent.end_conversation()
    assert agent._converted == [] and agent._last is None


# ------------------------------------------------------------------ LLM user


def recording(model: ToolFakeChatModel, seen: list[list[BaseMessage]], usage: EpisodeUsage | None = None):
    """A user chat function over `model` that keeps the prompts and, as `backends` does, counts calls."""
    async def chat(messages: list[BaseMessage]) -> AIMessage:
        seen.append(messages)
        if usage is not None:
            usage.add("user", Usage(calls=1))
        return await model.ainvoke(messages)
    return chat


async def test_llm_user_plays_the_scenario_with_roles_flipped(shop: CompiledDomain, cancel: Task) -> None:
    knows = cancel.scenario.knows
    lines = [
        f"Hi, I'd like to cancel my order. My order id is {knows['order_id']}. My email is {knows['email']}.",
        f"<think>they want a yes</think>Yes, please go ahead. {STOP}",  # STOP while confirming: dropped
        f"Thanks, that's all. {STOP}",
    ]
    seen: list[list[BaseMessage]] = []
    usage = EpisodeUsage()
    user = LLMUser(recording(ToolFakeChatModel(messages=iter(lines)), seen, usage), cancel.scenario,
                   model_name="fake-user", temperature=0.7, seed=11)
    traj = await run_rollout(cancel, shop, WorkflowAgent(shop), user, usage=usage)
    assert traj.verification.passed, traj.verification.failed
    users = [m["content"] for m in traj.messages if m["role"] == "user"]
    assert users[1] == "Yes, please go ahead."
    assert traj.meta["backends"]["user"] == {"backend": "llm", "model": "fake-user", "temperature": 0.7, "seed": 11}
    assert traj.meta["seeds"]["user"] == 11 and len(seen) == 3  # counting is the chat function's (backends)
    system, greeting, opening, *rest = seen[-1]
    assert isinstance(system, SystemMessage) and cancel.scenario.goal in system.content and STOP in system.content
    assert greeting == HumanMessage(GREETING) and isinstance(opening, AIMessage)
    assert [type(m) for m in rest] == [HumanMessage, AIMessage, HumanMessage]
    shown = " ".join(m.content for m in seen[-1])
    assert '"customer_id"' not in shown and "<think>" not in shown  # no tool results, no reasoning


async def test_llm_user_retries_an_empty_reply_then_falls_back() -> None:
    from gem_env.simulators.scenario import Scenario

    scenario = Scenario(goal="check my order", knows={"order_id": "A1"})
    calls: list[int] = []

    async def empty(messages: list[BaseMessage]) -> AIMessage:
        calls.append(1)
        return AIMessage(content="  ")

    user = LLMUser(empty, scenario, model_name="m")
    assert await user.reply([]) == "Hi, I'd like to check my order."
    assert await user.reply([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Which order?"}]) \
        == "Sorry, could you say that again?"
    assert len(calls) == 4


async def test_user_model_failure_ends_the_episode(shop: CompiledDomain, cancel: Task) -> None:
    async def down(messages: list[BaseMessage]) -> AIMessage:
        raise TimeoutError("user endpoint timed out")

    traj = await run_rollout(cancel, shop, WorkflowAgent(shop), LLMUser(down, cancel.scenario, model_name="m"))
    assert traj.meta["termination"] == "user_error" and "timed out" in traj.meta["error"]


async def test_user_endpoint_failure_is_an_infra_error(shop: CompiledDomain, cancel: Task) -> None:
    from gem_env.llm import LLMUnavailable

    async def down(messages: list[BaseMessage]) -> AIMessage:
        raise LLMUnavailable("LLM endpoint x failed 5 times; last error: request timed out")

    traj = await run_rollout(cancel, shop, WorkflowAgent(shop), LLMUser(down, cancel.scenario, model_name="m"))
    assert traj.meta["termination"] == "infra_error" and "failed 5 times" in traj.meta["error"]


def test_chat_fn_adapter_returns_the_message_and_counts_into_the_episode(server: FakeOpenAIServer) -> None:
    import asyncio

    server.script[:] = [Text("pong")]  # type: ignore[attr-defined]
    client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=0))
    usage = EpisodeUsage()

    async def main() -> AIMessage:
        try:
            return await agent_chat_fn(client, usage)([HumanMessage("ping")], None)
        finally:
            await client.aclose()

    assert asyncio.run(main()).content == "pong"
    assert usage.agent["calls"] == 1 and usage.agent["prompt_tokens"] > 0 and usage.user["calls"] == 0
    assert usage.record()["calls"] == 1 and usage.outage is None
    assert server.requests[0]["messages"] == [{"role": "user", "content": "ping"}]
