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


def test_unreachable_endpoint_leaves_documents_to_do_and_resume_does_them(tmp_path, capsys):
    judge = {"relevant": False, "score": 0.1, "reason": "not a procedure", "domain": "retail", "category": "news"}
    up = {"on": False}

    def reply(body):
        return JSONReply(judge) if up["on"] else Fault("http_500")

    with FakeOpenAIServer(reply) as server:
        args = ["synthesize", SHOP, "--out", str(tmp_path / "r"), "--backend", "llm", "--model", "fake",
                "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "0"]
        assert main(args) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "documents not processed" in err[0] and server.base_url in err[0]
        assert "rerun with --resume" in err[0]
        assert lines(tmp_path / "r" / "progress.jsonl") == [] and lines(tmp_path / "r" / "rejected.jsonl") == []
        up["on"] = True
        assert main([*args, "--resume"]) == 0
    done = lines(tmp_path / "r" / "progress.jsonl")
    assert len(done) >= 4 and len(lines(tmp_path / "r" / "verdicts.jsonl")) == len(done)


def test_endpoint_dying_mid_rollout_leaves_the_document_to_do(tmp_path, capsys):
    up = {"on": False}

    def reply(body):
        return Text("I'm sorry, I cannot help with that.") if up["on"] else Fault("http_500")

    with FakeOpenAIServer(reply) as server:
        args = ["synthesize", SHOP, "--out", str(tmp_path / "r"), "--agent", "llm", "--model", "fake",
                "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "0", "--tasks-per-domain", "1",
                "--max-turns", "4", "--limit", "2"]
        assert main(args) == 1  # filter and extract are offline; the agent's endpoint is down
        assert "not processed" in capsys.readouterr().err
        assert lines(tmp_path / "r" / "progress.jsonl") == [] and lines(tmp_path / "r" / "tasks.jsonl") == []
        up["on"] = True
        assert main([*args, "--resume"]) == 0
    rejected = [r for r in lines(tmp_path / "r" / "rejected.jsonl") if r["stage"] == "verify"]
    assert len(lines(tmp_path / "r" / "progress.jsonl")) == 2 and rejected
    assert all(r["trajectory"]["meta"]["termination"] != "agent_error" for r in rejected)


def test_a_conversation_grown_past_the_context_ends_its_episode_not_the_document(tmp_path):
    """The agent's model answers its first turn, then says the conversation is longer than its
    context (as a 4k model does a few turns in): that episode ends as the agent's failure, is
    verified and recorded; the document's other episodes are kept, and the run is not left
    unfinished (it once rejected the whole document at ground, losing its other trajectories)."""
    def reply(body):
        if sum(m["role"] == "user" for m in body["messages"]) > 1:
            return Fault("context_length", context=4096)
        return Text("Could you tell me a bit more?")

    with FakeOpenAIServer(reply) as server:
        rc = main(["synthesize", SHOP, "--out", str(tmp_path / "r"), "--agent", "llm", "--model", "fake",
                   "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "0", "--tasks-per-domain", "2",
                   "--max-turns", "8", "--limit", "1"])
    assert rc == 0
    rejected = lines(tmp_path / "r" / "rejected.jsonl")
    assert len(rejected) == 2 and all(r["stage"] == "verify" for r in rejected)
    for r in rejected:
        meta = r["trajectory"]["meta"]
        assert meta["termination"] == "agent_error" and "longer than the model's context (4096 tokens)" in meta["error"]
    assert len(lines(tmp_path / "r" / "progress.jsonl")) == 1
