"""Every integration on a run over the τ²-bench banking knowledge base (third-party text in ../shared):
the three export formats, the MCP server, the report and the verifiers environment."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.io.export.records import sft_messages
from gem_env.io.rundir import read_jsonl

from conftest import shared_path


@pytest.fixture(scope="module")
def tau2_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = shared_path("corpora", "tau2_banking_kb_docs.jsonl")
    out = tmp_path_factory.mktemp("tau2") / "run"
    assert main(["synthesize", str(corpus), "--out", str(out), "--limit", "25", "--quiet"]) == 0
    assert any(True for _ in read_jsonl(out / "trajectories.jsonl")), "no accepted trajectory on the KB sample"
    return out


def test_exports_round_trip(tau2_run: Path, tmp_path: Path) -> None:
    from gem_env.io.export import sharegpt
    accepted = {t["id"]: t for t in read_jsonl(tau2_run / "trajectories.jsonl")}
    assert main(["export", str(tau2_run), "--format", "openai", "--out", str(tmp_path / "oa"), "--quiet"]) == 0
    records = [json.loads(line) for line in (tmp_path / "oa" / "train.jsonl").open()]
    assert {r["id"] for r in records} == set(accepted)
    assert all(r["messages"] == sft_messages(accepted[r["id"]]["messages"]) for r in records)
    assert main(["export", str(tau2_run), "--format", "sharegpt", "--out", str(tmp_path / "sg"), "--quiet"]) == 0
    for r in sharegpt.read(tmp_path / "sg" / "train.json"):
        sharegpt.check_layout(r["conversations"])
    datasets = pytest.importorskip("datasets", reason="the hf export needs the `hf` extra")
    assert main(["export", str(tau2_run), "--format", "hf", "--out", str(tmp_path / "hf"), "--quiet"]) == 0
    assert datasets.load_from_disk(str(tmp_path / "hf"))["train"].num_rows == len(accepted)


def test_report(tau2_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(tau2_run), "--out", str(out)]) == 0
    assert "<svg" in out.read_text() and "gem-data" in out.read_text()


async def test_mcp_server_in_process(tau2_run: Path) -> None:
    pytest.importorskip("mcp", reason="needs the `serve` extra")
    from mcp import Client
    from gem_env.integrations.mcp_server import build_server
    from gem_env.integrations.targets import load_target
    domain = next(read_jsonl(tau2_run / "trajectories.jsonl"))["domain"]
    server, pool = build_server(load_target(tau2_run, domain), stdio=True)
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        assert "reset" in {t.name for t in tools}
        bad = await client.call_tool(tools[0].name, {"no_such_argument": 1})
        assert bad.is_error
    pool.close()


async def test_verifiers_environment(tau2_run: Path) -> None:
    pytest.importorskip("verifiers", reason="needs the `verifiers` extra")
    from openai import AsyncOpenAI
    from verifiers.clients import OpenAIChatCompletionsClient
    from gem_env.integrations.verifiers_env import load_environment
    from gem_env.testing import FakeOpenAIServer
    from gem_env.io.taskset import load_task_set
    from test_verifiers_env import _run_verdicts, workflow_policy
    tasks, _ = load_task_set(tau2_run)
    env = load_environment(tasks=tau2_run, limit=4)
    with FakeOpenAIServer(workflow_policy(tau2_run)) as server:
        client = OpenAIChatCompletionsClient(AsyncOpenAI(base_url=server.base_url, api_key="test"))
        results = await env.evaluate(client, model="fake", num_examples=4, on_progress=lambda *a, **k: None)
    verdicts = _run_verdicts(tau2_run)
    assert [o["reward"] for o in results["outputs"]] == [float(verdicts[t.id]) for t in tasks[:4]]
