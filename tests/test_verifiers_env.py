"""The `verifiers` environment, run by verifiers itself against the local OpenAI-compatible test server."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.io.rundir import read_jsonl
from gem_env.io.taskset import load_task_set
from gem_env.stages.ground.episode import policy_prompt

from conftest import EXAMPLES

vf = pytest.importorskip("verifiers", reason="the verifiers adapter needs the `verifiers` extra")
from openai import AsyncOpenAI  # noqa: E402
from verifiers.clients import OpenAIChatCompletionsClient  # noqa: E402

from gem_env.agents.workflow_agent import WorkflowAgent  # noqa: E402
from gem_env.integrations.verifiers_env import load_environment  # noqa: E402
from gem_env.testing import FakeOpenAIServer, Text, ToolCalls  # noqa: E402
from gem_env.testing.replies import ToolCall  # noqa: E402


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "demo"
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--limit", "3", "--quiet"]) == 0
    return out


def workflow_policy(run: Path):
    """A 'model' behind the test server: the offline workflow agent of the domain whose policy and
    tools it is given (two domains of one kind of service can offer the same tools)."""
    _, domains = load_task_set(run)
    by_prompt = {(policy_prompt(d.domain), frozenset(d.tools)): d for d in domains.values()}

    def reply(body: dict) -> object:
        system = next(m["content"] for m in body["messages"] if m["role"] == "system")
        compiled = by_prompt[(system, frozenset(t["function"]["name"] for t in body.get("tools") or []))]
        message = WorkflowAgent(compiled).reply(body["messages"])
        if message.get("tool_calls"):
            return ToolCalls([ToolCall(c["function"]["name"], json.loads(c["function"]["arguments"]))
                              for c in message["tool_calls"]], content=message.get("content"))
        return Text(message.get("content") or "")
    return reply


async def _evaluate(env, server: FakeOpenAIServer, n: int):
    client = OpenAIChatCompletionsClient(AsyncOpenAI(base_url=server.base_url, api_key="test"))
    return await env.evaluate(client, model="fake-model", num_examples=n, max_concurrent=2, on_progress=lambda *a, **k: None)


def _run_verdicts(run: Path) -> dict[str, bool]:
    """task id -> whether `gem synthesize` accepted its trajectory."""
    verdicts = {t["task"]["id"]: True for t in read_jsonl(run / "trajectories.jsonl")}
    for r in read_jsonl(run / "rejected.jsonl"):
        if isinstance(r.get("trajectory"), dict):
            verdicts.setdefault(r["trajectory"]["task"]["id"], False)
    return verdicts


async def test_rollouts_against_the_test_server_are_rewarded_by_verification(run_dir: Path) -> None:
    """The workflow agent behind an OpenAI-compatible endpoint, driven by verifiers, earns exactly
    the verdicts `gem synthesize` gave the same agent and user on the same tasks."""
    tasks, _ = load_task_set(run_dir)
    env = load_environment(tasks=run_dir, limit=6)
    assert env.eval_dataset.num_rows == 6
    with FakeOpenAIServer(workflow_policy(run_dir)) as server:
        results = await _evaluate(env, server, 6)
        assert server.requests and all(r.get("tools") for r in server.requests)
    outputs = results["outputs"]
    verdicts = _run_verdicts(run_dir)
    expected = [float(verdicts[t.id]) for t in tasks[:6]]
    assert [o["reward"] for o in outputs] == expected and 1.0 in expected
    completion = outputs[0]["completion"]
    roles = [m["role"] if isinstance(m, dict) else m.role for m in completion]
    assert "tool" in roles and roles.count("user") >= 1


async def test_a_model_that_does_nothing_gets_no_reward(run_dir: Path) -> None:
    tasks, _ = load_task_set(run_dir)
    write = next(t for t in tasks if t.kind == "write" and not t.declines)
    env = load_environment(tasks=run_dir, domain=write.domain, limit=1)
    with FakeOpenAIServer([Text("Sorry, I cannot help with that.")]) as server:
        results = await _evaluate(env, server, 1)
    assert [o["reward"] for o in results["outputs"]] == [0.0]
