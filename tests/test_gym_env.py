"""The gymnasium environment: API checks, full episodes, bad actions, vector envs, the async core."""
from __future__ import annotations

import asyncio
import json
import random
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.utils.env_checker import check_env

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.gym import ENV_ID, AsyncToolUseEnv, JSONText, ToolUseEnv, parse_action
from gem_env.stages.tasks import Task, make_tasks
from gem_env.io.taskset import load_task_set, write_task_set
from gem_env.testing import FakeOpenAIServer, Text, ToolCall, ToolCalls
from gem_env.tools import CompiledDomain, compile_domain, load_domain

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = ["shop", "clinic"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A task set in the layout of `gem synthesize`: tasks.jsonl and domains/<name>.json."""
    out = tmp_path_factory.mktemp("run")
    tasks, compiled = [], {}
    for name in DOMAINS:
        c = compile_domain(load_domain(ROOT / "examples" / "domains" / f"{name}.yaml"))
        made, _ = make_tasks(c, per_domain=4, seed=0, kinds=("complete", "refuse", "decline", "lookup", "disambiguate"))
        tasks += made
        compiled[c.domain.name] = c
    write_task_set(out, tasks, compiled)
    return out


@pytest.fixture(scope="module")
def task_set(run_dir: Path) -> tuple[list[Task], dict[str, CompiledDomain]]:
    return load_task_set(run_dir)


def make_env(run_dir: Path, **kwargs: Any) -> ToolUseEnv:
    return gym.make(ENV_ID, tasks=str(run_dir), **kwargs).unwrapped  # type: ignore[return-value]


def offline_action(env: ToolUseEnv | AsyncToolUseEnv) -> dict[str, Any]:
    """The workflow agent's next message for the env's conversation."""
    agent = WorkflowAgent(env.domains[env.task.domain]) if isinstance(env, AsyncToolUseEnv) \
        else WorkflowAgent(env.core.domains[env.core.task.domain])
    return asyncio.run(agent.act(env.messages))


def play(env: ToolUseEnv, act: Any, **reset: Any) -> tuple[float, bool, bool, dict[str, Any], int]:
    env.reset(**reset)
    steps = 0
    while True:
        _, reward, terminated, truncated, info = env.step(act(env))
        steps += 1
        if terminated or truncated:
            return reward, terminated, truncated, info, steps


def state(env: ToolUseEnv) -> str:
    return env.core.episode.sandbox.state_hash()


# ---------------------------------------------------------------- API


def test_check_env_passes_with_the_scripted_user(run_dir: Path) -> None:
    env = make_env(run_dir)
    assert env.spec is not None and env.spec.nondeterministic is False
    check_env(env)


def test_reset_opens_with_the_user_and_describes_the_task(run_dir: Path, task_set) -> None:
    tasks, domains = task_set
    env = make_env(run_dir)
    task = tasks[-1]
    obs, info = env.reset(seed=0, options={"task_id": task.id})
    assert isinstance(obs, str) and obs and obs in env.observation_space
    assert info["task_id"] == task.id and info["domain"] == task.domain and info["category"] == task.category
    assert info["tools"] == domains[task.domain].openai_schemas()
    assert info["policy"] == env.messages[0]["content"] and info["source"] == "user"
    assert env.messages[-1] == {"role": "user", "content": obs}
    with pytest.raises(ValueError, match="unknown task_id"):
        env.reset(options={"task_id": "nope"})


def test_seeding_uses_the_env_generator_only(run_dir: Path) -> None:
    a, b = make_env(run_dir), make_env(run_dir)
    first = [a.reset(seed=5)[1]["task_id"]] + [a.reset()[1]["task_id"] for _ in range(5)]
    random.seed(1)
    np.random.seed(1)
    second = [b.reset(seed=5)[1]["task_id"]] + [b.reset()[1]["task_id"] for _ in range(5)]
    assert first == second
    assert len({a.reset(seed=s)[1]["task_id"] for s in range(30)}) > 1


def test_a_one_call_step_read_in_place_ends_as_the_general_path(run_dir: Path, task_set) -> None:
    """Each episode played twice with the agent's actions: as dicts (one call read in place by
    `one_call`, `Episode.execute_one`) and as JSON text (`parse_action`, `execute_normal`)."""
    from gem_env.gym.actions import one_call
    env = make_env(run_dir)
    in_place = 0
    for task in task_set[0]:
        runs = []
        for as_text in (False, True):
            env.reset(seed=3, options={"task_id": task.id})
            steps = []
            while True:
                action = offline_action(env)
                in_place += not as_text and one_call(action) is not None
                step = env.step(json.dumps(action) if as_text else action)
                steps.append(step)
                if step[2] or step[3]:
                    break
            runs.append((steps, json.dumps(env.messages), env.core.episode.tool_calls, state(env)))
        assert runs[0] == runs[1], task.id
    assert in_place > len(task_set[0])


def test_offline_agent_reaches_reward_one_on_every_task(run_dir: Path, task_set) -> None:
    env = gym.make(ENV_ID, tasks=str(run_dir), user="scripted")
    for task in task_set[0]:
        reward, terminated, truncated, info, _ = play(env.unwrapped, offline_action, options={"task_id": task.id})
        assert (reward, terminated, truncated) == (1.0, True, False), info["verification"]
        assert info["termination"] == "user_stop" and info["verification"]["passed"]
        assert {c["name"] for c in info["verification"]["checks"]} >= {"final_state", "ended_by_user"}


def test_do_nothing_agent_gets_zero(run_dir: Path, task_set) -> None:
    env = make_env(run_dir)
    for task in task_set[0]:
        reward, terminated, _, info, _ = play(env, lambda e: {"content": "Okay, noted."},
                                              options={"task_id": task.id})
        assert reward == 0.0 and terminated
        assert not info["verification"]["passed"]


def test_tool_steps_observe_tool_messages(run_dir: Path, task_set) -> None:
    env = make_env(run_dir)
    task = next(t for t in task_set[0] if t.domain == "shop")
    env.reset(options={"task_id": task.id})
    gold = task.gold_actions[0]
    obs, reward, terminated, truncated, info = env.step(
        json.dumps({"tool_calls": [{"name": gold.tool, "arguments": gold.arguments}]}))
    replies = json.loads(obs)
    assert info["source"] == "tool" and (reward, terminated, truncated) == (0.0, False, False)
    assert replies == [{"role": "tool", "tool_call_id": env.messages[-2]["tool_calls"][0]["id"],
                        "content": env.messages[-1]["content"]}]
    assert json.loads(replies[0]["content"]) == gold.result or replies[0]["content"] == gold.result


# ---------------------------------------------------------------- bad actions


@pytest.mark.parametrize("action, expected", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    (42, "must be a JSON object"),
    ({"content": ""}, "empty message"),
    ({"content": "   ", "tool_calls": []}, "empty message"),
    ({"tool_calls": [{"arguments": {}}]}, "needs a 'name'"),
    ({"tool_calls": "get_order"}, "must be a list"),
    ({"role": "user", "content": "hi"}, "role must be 'assistant'"),
    ({"content": {"text": "hi"}}, "'content' must be"),
])
def test_invalid_actions_answer_with_an_error_and_change_nothing(run_dir: Path, action: Any, expected: str) -> None:
    env = make_env(run_dir)
    env.reset(seed=1)
    before, messages = state(env), list(env.messages)
    obs, reward, terminated, truncated, info = env.step(action)
    assert expected in json.loads(obs)["error"] and expected in info["error"]
    assert info["source"] == "env" and (reward, terminated, truncated) == (0.0, False, False)
    assert state(env) == before and env.messages == messages
    assert obs in env.observation_space


@pytest.mark.parametrize("call, expected", [
    ({"name": "launch_rockets", "arguments": {}}, "unknown tool 'launch_rockets'"),
    ({"name": "get_order", "arguments": {"order_id": 12345}}, "invalid arguments for get_order"),
    ({"name": "get_order", "arguments": "{broken"}, "not valid JSON"),
    ({"name": "get_order", "arguments": {"order_id": "X", "extra": 1}}, "unexpected argument 'extra'"),
])
def test_bad_tool_calls_are_answered_by_the_sandbox(run_dir: Path, task_set, call: dict, expected: str) -> None:
    env = make_env(run_dir)
    task = next(t for t in task_set[0] if t.domain == "shop")
    env.reset(options={"task_id": task.id})
    before = state(env)
    obs, reward, terminated, truncated, info = env.step({"tool_calls": [call]})
    (reply,) = json.loads(obs)
    assert info["source"] == "tool" and expected in json.loads(reply["content"])["error"]
    assert (reward, terminated, truncated) == (0.0, False, False) and state(env) == before


def test_repeated_invalid_actions_end_the_episode(run_dir: Path) -> None:
    env = make_env(run_dir, max_invalid_actions=3)
    env.reset(seed=2)
    results = [env.step("nope") for _ in range(3)]
    assert [r[2] for r in results] == [False, False, True]
    _, reward, _, truncated, info = results[-1]
    assert reward == 0.0 and not truncated and info["termination"] == "agent_error"
    assert "3 invalid actions in a row" in info["error"]


def test_action_after_the_end_is_refused_without_a_state_change(run_dir: Path) -> None:
    env = make_env(run_dir)
    play(env, offline_action, seed=3)
    before, messages = state(env), list(env.messages)
    obs, reward, terminated, truncated, info = env.step({"content": "one more thing"})
    assert "episode has ended" in json.loads(obs)["error"] and "episode has ended" in info["error"]
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert state(env) == before and env.messages == messages


def test_step_before_reset_raises_reset_needed(run_dir: Path) -> None:
    with pytest.raises(ResetNeeded):
        make_env(run_dir).step({"content": "hi"})


def test_turn_limit_truncates_and_tool_errors_terminate(run_dir: Path, task_set) -> None:
    task = next(t for t in task_set[0] if t.domain == "shop")
    gold = task.gold_actions[0]
    env = make_env(run_dir, max_turns=3)
    reward, terminated, truncated, info, steps = play(
        env, lambda e: {"tool_calls": [{"name": gold.tool, "arguments": gold.arguments}]},
        options={"task_id": task.id})
    assert (reward, terminated, truncated, steps) == (0.0, False, True, 3) and info["termination"] == "max_turns"

    env = make_env(run_dir, max_tool_errors=2)
    reward, terminated, truncated, info, steps = play(
        env, lambda e: {"tool_calls": [{"name": "nope"}]}, options={"task_id": task.id})
    assert (reward, terminated, truncated, steps) == (0.0, True, False, 2) and info["termination"] == "tool_errors"


def test_long_observations_are_clipped_to_the_space(run_dir: Path, task_set) -> None:
    env = make_env(run_dir, max_observation_length=60)
    task = next(t for t in task_set[0] if t.domain == "shop")
    env.reset(options={"task_id": task.id})
    gold = task.gold_actions[0]
    obs, *_, info = env.step({"tool_calls": [{"name": gold.tool, "arguments": gold.arguments}]})
    assert len(obs) == 60 and obs in env.observation_space and info["clipped_from"] > 60


# ---------------------------------------------------------------- the space


def test_space_contains_strings_and_samples_valid_actions(task_set) -> None:
    _, domains = task_set
    shop = domains["shop"]
    space = JSONText(tools=shop.openai_schemas(), seed=0)
    assert "{\"content\": \"é ✓\"}" in space and 3 not in space and "x" * (space.max_length + 1) not in space
    sandbox = shop.new_sandbox()
    kinds = set()
    for _ in range(200):
        message = parse_action(space.sample())
        for call in message.get("tool_calls", ()):
            result = sandbox.call(call["function"]["name"], call["function"]["arguments"])
            assert result.error_kind not in ("unknown_tool", "invalid_arguments"), result.error
        kinds.add("tool" if "tool_calls" in message else "text")
    assert kinds == {"tool", "text"}
    again = JSONText(tools=shop.openai_schemas(), seed=0)
    fresh = JSONText(tools=shop.openai_schemas(), seed=0)
    assert [again.sample() for _ in range(5)] == [fresh.sample() for _ in range(5)]


# ---------------------------------------------------------------- vector envs and the async core


def drive_vector(envs: gym.vector.VectorEnv, run_dir: Path, n: int) -> list[float]:
    """Run each sub-env's first episode with the offline agent; the rewards they end with."""
    _, domains = load_task_set(run_dir)
    envs.reset(seed=11)
    rewards: list[float | None] = [None] * n
    while any(r is None for r in rewards):
        conversations, tasks = envs.get_attr("messages"), envs.get_attr("task")
        actions = tuple(json.dumps(asyncio.run(WorkflowAgent(domains[t.domain]).act(m))) if r is None
                        else json.dumps({"content": "ok"})
                        for m, t, r in zip(conversations, tasks, rewards))
        obs, reward, terminated, truncated, _ = envs.step(actions)
        assert len(obs) == n and all(isinstance(o, str) for o in obs)
        for i in range(n):
            if rewards[i] is None and (terminated[i] or truncated[i]):
                rewards[i] = float(reward[i])
    return rewards  # type: ignore[return-value]


def test_sync_vector_env(run_dir: Path) -> None:
    envs = gym.vector.SyncVectorEnv([partial(gym.make, ENV_ID, tasks=str(run_dir)) for _ in range(3)])
    try:
        assert drive_vector(envs, run_dir, 3) == [1.0, 1.0, 1.0]
    finally:
        envs.close()


@pytest.mark.parametrize("shared_memory", [True, False])
def test_async_vector_env(run_dir: Path, shared_memory: bool) -> None:
    envs = gym.vector.AsyncVectorEnv([partial(gym.make, ENV_ID, tasks=str(run_dir)) for _ in range(2)],
                                     shared_memory=shared_memory)
    try:
        assert drive_vector(envs, run_dir, 2) == [1.0, 1.0]
        obs, _ = envs.reset(seed=0)
        envs.action_space.seed(0)
        for _ in range(4):
            obs, *_ = envs.step(envs.action_space.sample())
            assert all(o in envs.single_observation_space for o in obs)
    finally:
        envs.close()


async def test_async_core_runs_many_episodes_in_one_loop(run_dir: Path, task_set) -> None:
    tasks, _ = task_set

    async def episode(task: Task) -> float:
        env = AsyncToolUseEnv(str(run_dir))
        agent = WorkflowAgent(env.domains[task.domain])
        await env.reset(seed=0, options={"task_id": task.id})
        while True:
            _, reward, terminated, truncated, _ = await env.step(await agent.act(env.messages))
            if terminated or truncated:
                env.close()
                return reward

    assert await asyncio.gather(*(episode(t) for t in tasks)) == [1.0] * len(tasks)


async def test_sync_env_works_inside_a_running_loop(run_dir: Path) -> None:
    env = make_env(run_dir)
    obs, info = env.reset(seed=0)
    assert obs and info["task_id"]


# ---------------------------------------------------------------- LLM parties against the test server


def test_llm_agent_episode_against_the_fake_server(run_dir: Path, task_set) -> None:
    """A model that calls the gold tools, asking the customer's yes before the change, then tells
    the results, earns reward 1."""
    from gem_env.agents.llm_agent import LLMAgent
    from gem_env.llm import LLMClient, LLMConfig
    from gem_env.backends import make_agent

    tasks, domains = task_set
    task = next(t for t in tasks if t.kind == "write" and t.domain == "shop")
    writes = {n for n, tool in domains[task.domain].tools.items() if tool.writes}
    replies: list[Any] = []
    for a in task.gold_actions:
        if a.tool in writes and not any(isinstance(r, Text) for r in replies):
            replies.append(Text("I'm about to make that change. Shall I go ahead?"))
        replies.append(ToolCalls([ToolCall(a.tool, a.arguments)]))
    replies.append(Text("All done. " + " ".join(task.required_outputs.values())))
    env = make_env(run_dir)
    with FakeOpenAIServer(replies) as server:
        client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=0))
        agent = make_agent("llm", domains[task.domain], client)
        assert isinstance(agent, LLMAgent)

        async def act(messages: list[dict[str, Any]]) -> dict[str, Any]:
            return await agent.act(messages)

        env.reset(options={"task_id": task.id})
        loop = asyncio.new_event_loop()
        try:
            while True:
                _, reward, terminated, truncated, info = env.step(loop.run_until_complete(act(env.messages)))
                if terminated or truncated:
                    break
        finally:
            loop.close()
    assert (reward, terminated) == (1.0, True), info["verification"]
    assert len(server.requests) == len(replies)
    assert server.requests[0]["tools"] and server.requests[0]["messages"][0]["role"] == "system"


def test_llm_user_marks_the_spec_nondeterministic(run_dir: Path) -> None:
    with FakeOpenAIServer([Text("Hi, I need help with my order.")]) as server:
        env = gym.make(ENV_ID, tasks=str(run_dir), user="llm",
                       user_llm={"model": "fake-user", "base_url": server.base_url, "max_retries": 0})
        assert env.spec.nondeterministic is True and env.unwrapped.spec.nondeterministic is True
        obs, _ = env.reset(seed=0)
        assert obs == "Hi, I need help with my order."
        env.close()
    with pytest.raises(ValueError, match="user_llm"):
        gym.make(ENV_ID, tasks=str(run_dir), user="llm")


def test_an_env_builds_each_tools_call_plan_when_it_is_made(task_set) -> None:
    """Each tool's plan and the tables its reply reads are built with the env, not by its first
    call inside an episode (a domain's first episodes paid ~1 ms a tool for it)."""
    tasks, domains = task_set
    fresh = {n: compile_domain(d.domain) for n, d in domains.items()}
    assert not any("_plan" in t.__dict__ for d in fresh.values() for t in d.tools.values())
    AsyncToolUseEnv(tasks, domains=fresh)
    for d in fresh.values():
        for tool in d.tools.values():
            assert "_read_scope" in tool.__dict__
            assert tool.python is not None or "_plan" in tool.__dict__
            assert not tool.writes or tool.python is not None or "_write_scope" in tool.__dict__
