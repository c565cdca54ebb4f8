"""The gym step gives the same observations, rewards and infos as before it was made lean.

`tests/data/gym_golden.json` was recorded from the env before the lean step (commit 4999bf3) over a
fixed shop episode: the task's gold calls one by one, a step with two calls, an unknown tool, wrong
arguments, an action that is not a message, then a reply the user ends. The user is a fixed script
here (not a simulator), so the record changes only when the env, the tools' replies or the task's
checks change. After a deliberate change of those, rewrite it with GEM_REGEN_GYM_GOLDEN=1 and
say why in the commit.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gem_env.gym import ToolUseEnv
from gem_env.io.taskset import write_task_set
from gem_env.simulators.scenario import STOP
from gem_env.stages.ground.plan import tool_schemas
from gem_env.stages.tasks import Task, make_tasks
from gem_env.tools import compile_domain, load_domain

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "gym_golden.json"


class FixedUser:
    """Opens with a request, agrees to every message with tool results behind it, stops after a
    message that has none since its last reply."""

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        if len(messages) == 1:
            return "Hi, I would like to cancel my order, please."
        return f"Thanks, that is all. {STOP}" if messages[-1].get("content") == "All done." else "Yes, go ahead."


def fixed_actions(task: Task) -> list[Any]:
    """The task's gold calls one per step (alternating dict and JSON-string actions), then the
    kinds of step a trainer's policy also makes."""
    calls = [{"name": a.tool, "arguments": a.arguments} for a in task.gold_actions]
    actions: list[Any] = [{"tool_calls": [c]} if i % 2 else json.dumps({"tool_calls": [c]})
                          for i, c in enumerate(calls)]
    first = calls[0]
    return actions + [
        {"content": "Let me check again.", "tool_calls": [first, {"id": "mine", "name": first["name"],
                                                                   "arguments": json.dumps(first["arguments"])}]},
        {"tool_calls": [{"name": "no_such_tool", "arguments": {}}]},
        {"tool_calls": [{"name": first["name"], "arguments": {"unexpected": 1}}]},
        "{not json",
        {"content": "All done."},
    ]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> ToolUseEnv:
    out = tmp_path_factory.mktemp("run")
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "shop.yaml"))
    tasks, _ = make_tasks(compiled, per_domain=4, seed=0, kinds=("complete",))
    write_task_set(out, tasks, {compiled.domain.name: compiled})
    return ToolUseEnv(str(out), user=lambda task, seed: FixedUser())


def play(env: ToolUseEnv) -> list[Any]:
    """Every (observation, reward, terminated, truncated, info) of the fixed episode, JSON-ready."""
    task = env.core.tasks[0]
    obs, info = env.reset(seed=0, options={"task_id": task.id})
    steps: list[Any] = [[obs, info]]
    for action in fixed_actions(task):
        result = env.step(action)
        steps.append(list(result))
        if result[2] or result[3]:
            break
    return json.loads(json.dumps(steps))


def test_the_fixed_episode_is_what_it_was(env: ToolUseEnv) -> None:
    steps = play(env)
    if os.environ.get("GEM_REGEN_GYM_GOLDEN"):
        GOLDEN.write_text(json.dumps(steps, indent=1, ensure_ascii=False) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert len(steps) == len(golden)
    for i, (now, then) in enumerate(zip(steps, golden)):
        assert now == then, f"step {i} differs"
    sources = [s[-1]["source"] for s in steps[1:]]
    assert {"tool", "env", "user"} <= set(sources)  # the record covers every kind of step
    assert steps[-1][2] is True and steps[-1][-1]["termination"] == "user_stop"


def test_a_tool_observation_is_its_tool_messages_and_tools_now_the_turns_tools(env: ToolUseEnv) -> None:
    """The observation written directly equals `json.dumps` of the tool messages the step recorded,
    and `tools_now` (made once per episode) equals the schemas looked up for the turn."""
    task = env.core.tasks[0]
    env.reset(seed=0, options={"task_id": task.id})
    episode = env.core.episode
    for action in fixed_actions(task):
        before = len(env.messages)
        obs, _, terminated, truncated, info = env.step(action)
        added = env.messages[before:]
        if info["source"] == "tool":
            assert obs == json.dumps([m for m in added if m["role"] == "tool"], ensure_ascii=False)
        if info["source"] != "env":  # a step that is not a message has no turn of tools
            assert info["tools_now"] == tool_schemas(episode.compiled, episode.tools.available(env.messages))
            info["tools_now"].append("mine")  # a caller's list: changing it changes no later step
        if terminated or truncated:
            break
