"""`gem synthesize` with LLM parties, through the CLI, against a local OpenAI-compatible server."""
from __future__ import annotations

import json

from conftest import EXAMPLES
from gem_env.cli import main
from gem_env.testing import Fault, FakeOpenAIServer, JSONReply, Text

SHOP = str(EXAMPLES / "corpus" / "shop")


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_llm_agent_that_never_acts_is_rejected_with_reasons(tmp_path):
    with FakeOpenAIServer([Text("I'm sorry, I cannot help with that.")]) as server:
        rc = main(["synthesize", SHOP, "--out", str(tmp_path / "r"), "--agent", "llm", "--model", "fake",
                   "--base-url", server.base_url, "--cache-dir", "", "--tasks-per-domain", "1",
                   "--max-turns", "4"])
        assert rc == 0 and server.requests
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["agent"] == "llm" and manifest["config"]["models"]["agent"]["model"] == "fake"
    rejected = [r for r in lines(tmp_path / "r" / "rejected.jsonl") if r["stage"] == "verify"]
    assert rejected and manifest["counts"]["trajectories_rejected"] == len(rejected)
    for r in rejected:
        failed = r["reason"]
        assert "final_state" in failed or "required_outputs" in failed
        meta = r["trajectory"]["meta"]
        assert meta["backends"]["agent"]["model"] == "fake" and meta["llm"]["calls"] >= 1
    assert manifest["costs"]["llm"]["calls"] >= len(rejected)


def test_llm_stages_with_a_broken_endpoint_account_for_every_document(tmp_path):
    replies = [Fault("malformed_json"), JSONReply({"not": "a verdict"})]
    with FakeOpenAIServer(replies) as server:
        rc = main(["synthesize", SHOP, "--out", str(tmp_path / "r"), "--backend", "llm", "--model", "fake",
                   "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "1"])
    assert rc == 0
    verdicts = lines(tmp_path / "r" / "verdicts.jsonl")
    rejected = lines(tmp_path / "r" / "rejected.jsonl")
    assert verdicts and {v["doc_id"] for v in verdicts} == {r["doc_id"] for r in rejected}
    assert all(r["stage"] == "filter" and r["reason"].startswith("llm:") for r in rejected)


def test_unreachable_endpoint_is_a_recorded_rejection_per_document(tmp_path):
    args = ["synthesize", SHOP, "--out", str(tmp_path / "r"), "--backend", "llm", "--model", "fake",
            "--base-url", "http://127.0.0.1:9/v1", "--cache-dir", "", "--llm-retries", "0", "--llm-timeout", "1"]
    assert main(args) == 0
    rejected = lines(tmp_path / "r" / "rejected.jsonl")
    assert rejected and all(r["stage"] == "filter" and "llm unavailable" in r["reason"] for r in rejected)
    assert len(rejected) == len(lines(tmp_path / "r" / "progress.jsonl"))
