"""Refinement with an LLM: the LLM agent is offered only the current turn's tools (a missing
function appears once it is back), against the local test server."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gem_env.backends import make_agent, make_task_user
from gem_env.cli import main
from gem_env.io.taskset import load_task_set
from gem_env.llm.client import LLMClient, LLMConfig
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import run_rollout
from gem_env.stages.ground.usage import EpisodeUsage
from gem_env.stages.refine.base import NotApplicable
from gem_env.stages.refine.operators import parse_recipes, refine_task
from gem_env.stages.tasks import Task
from gem_env.testing import FakeOpenAIServer, Reply, Text, ToolCall, ToolCalls
from gem_env.tools import CompiledDomain

ROOT = Path(__file__).resolve().parents[1]
CANNOT = "I'm sorry, I can't do that right now: the function I need isn't available to me yet."


@pytest.fixture(scope="module")
def taskset(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Task], dict[str, CompiledDomain]]:
    out = tmp_path_factory.mktemp("refine_llm") / "base"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out), "--limit", "3"]) == 0
    return load_task_set(out)


def miss_func_variant(taskset: Any) -> tuple[Task, CompiledDomain]:
    tasks, domains = taskset
    for task in tasks:
        try:
            return refine_task(task, domains[task.domain], parse_recipes("miss_func")[0],
                               siblings=[t for t in tasks if t.domain == task.domain], seed=0)
        except NotApplicable:
            continue
    raise AssertionError("no task takes miss_func")


def _offered(body: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in body.get("tools") or []}


def model_that_waits_for(task: Task) -> Any:
    """A scripted model: while the missing tool is not offered it says it cannot; once offered,
    it makes the gold calls one per turn, then tells the results."""
    hidden = set(task.plan.hidden)

    def reply(body: dict[str, Any]) -> Reply:
        if not hidden <= _offered(body):
            return Text(CANNOT)
        made = sum(1 for m in body["messages"] if m["role"] == "assistant" and m.get("tool_calls"))
        if made < len(task.gold_actions):
            action = task.gold_actions[made]
            return ToolCalls([ToolCall(action.tool, action.arguments)])
        return Text("Done: " + "; ".join(task.required_outputs.values()) + ".")
    return reply


@pytest.fixture
def episode_server(taskset: Any) -> Iterator[tuple[FakeOpenAIServer, Task, CompiledDomain]]:
    task, compiled = miss_func_variant(taskset)
    with FakeOpenAIServer(model_that_waits_for(task)) as server:
        yield server, task, compiled


async def test_llm_agent_is_offered_the_turns_tools(episode_server: Any) -> None:
    server, task, compiled = episode_server
    client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=0, timeout=5))
    usage = EpisodeUsage()
    try:
        agent = make_agent("llm", compiled, client, usage=usage)
        traj = await run_rollout(task, compiled, agent, make_task_user("scripted", task, seed=1),
                                 limits=Limits(max_turns=12), usage=usage)
    finally:
        await client.aclose()
    offered = [_offered(body) for body in server.requests]
    hidden = set(task.plan.hidden)
    assert offered[0] and not hidden & offered[0], "the missing tool was offered before it appeared"
    assert hidden <= offered[-1] and set(compiled.tools) == offered[-1]
    assert traj.verification.passed, (traj.verification.failed, traj.messages)
    assert "no_absent_tool_called" in {c.name for c in traj.verification.checks}
