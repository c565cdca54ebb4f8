"""The LLM stages through the CLI against the local test server: domains a capable model would
write become tasks for every workflow; each stage has its own backend and model; documents too
long for the model's context are rejected with that context."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gem_env.cli import main
from gem_env.llm.structured import schema_instructions
from gem_env.llm.tokens import estimate_tokens
from gem_env.stages.extract.llm import EXAMPLE_DOMAIN, EXAMPLE_TEXT, DomainDraft, system_prompt
from gem_env.testing import FakeOpenAIServer, Fault, JSONReply, Reply

DATA = Path(__file__).resolve().parent / "data" / "llm_replies"
JUDGE = {"relevant": True, "score": 0.9, "reason": "numbered steps on an account", "domain": "general",
         "category": "account"}
DOMAINS = {"cards": EXAMPLE_DOMAIN, "subscriptions": json.loads((DATA / "subscriptions.json").read_text())}


#: The cards example as an app procedure (EXAMPLE_TEXT is mostly statements, which the offline
#: filter trained on v1-v4 scores below its threshold: a close call it may drop).
CARDS_IN_THE_APP = """# Dispute a card charge
1. Sign in with your email and open Cards.
2. Select the card by the last four digits of its number.
3. Select the charge by its transaction ID (like TX-40917) and click Dispute.
4. Choose a reason (fraud, wrong amount or duplicate) and click Submit to get a dispute number like DSP-77031.
"""


def corpus(tmp_path: Path, long: bool = False, in_the_app: bool = False) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "cards.md").write_text((CARDS_IN_THE_APP if in_the_app else EXAMPLE_TEXT) + "\n")
    (folder / "subscriptions.md").write_text((DATA / "subscriptions.md").read_text())
    if long:
        (folder / "long.md").write_text("# A very long manual\n\n" + "Press the button to save the file. " * 2000)
    return folder


def is_extraction(body: dict[str, Any]) -> bool:
    return body["messages"][0]["content"].startswith("You turn")


def reply(body: dict[str, Any]) -> Reply:
    """The judge says relevant; the extractor writes the domain of whichever document it is shown."""
    if not is_extraction(body):
        return JSONReply(JUDGE)
    document = body["messages"][-1]["content"]
    name = "subscriptions" if "streaming subscription" in document else "cards"
    return JSONReply(DOMAINS[name])


def llm_args(server: FakeOpenAIServer) -> list[str]:
    return ["--model", "fake-model", "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "0"]


def test_the_extraction_prompt_fits_its_budget() -> None:
    prompt = system_prompt() + schema_instructions(DomainDraft)
    assert estimate_tokens(prompt) <= 2500
    for word in ("for_each", "pick(", "first", "project(", "count_rows(", "order_by", "nocase", '"when"', '"if"',
                 "for x in xs", "add_business_days(", "next_id('DSP-#####')", '"data"', "step_groups", '"use"', '"signed_in"'):
        assert word in prompt, word


def test_domains_a_capable_model_writes_admit_tasks_for_every_workflow(tmp_path: Path) -> None:
    with FakeOpenAIServer(reply) as server:
        code = main(["synthesize", str(corpus(tmp_path)), "--out", str(tmp_path / "run"), "--backend", "llm",
                     "--agent", "workflow", "--user", "scripted", "--tasks-per-domain", "6", *llm_args(server)])
    assert code == 0
    tasks = [json.loads(line) for line in (tmp_path / "run" / "tasks.jsonl").read_text().splitlines()]
    accepted = [json.loads(line) for line in (tmp_path / "run" / "trajectories.jsonl").read_text().splitlines()]
    for name, domain in DOMAINS.items():
        workflows = {w["name"] for w in domain["workflows"]}
        assert len(workflows) >= 2 and len(domain["entities"]) >= 3
        admitted = {w for t in tasks if t["doc_id"] == f"{name}.md" for w in t["workflow"].split("+")}
        done = {w for t in accepted if t["doc_id"] == f"{name}.md" for w in t["task"]["workflow"].split("+")}
        assert admitted == workflows, name  # multi-request tasks chain workflows with "+"
        assert done and done <= workflows, name  # accepted trajectories: the conversation layer's to win
    calls = [[a["tool"] for a in t["task"]["gold_actions"]] for t in accepted]
    assert any("charge_difference" in c for c in calls)  # a `when` step that ran


@pytest.mark.parametrize(("flags", "judged", "extracted", "roles"), [
    (["--filter", "offline", "--extract", "llm"], False, True, {"extract"}),
    (["--filter", "llm", "--extract", "offline"], True, False, {"filter"}),
    (["--backend", "llm", "--extract", "offline"], True, False, {"filter"}),
    (["--backend", "llm"], True, True, {"filter", "extract"}),
])
def test_each_stage_has_its_own_backend(tmp_path: Path, flags: list[str], judged: bool, extracted: bool,
                                        roles: set[str]) -> None:
    with FakeOpenAIServer(reply) as server:
        code = main(["extract", str(corpus(tmp_path, in_the_app=True)), "--out", str(tmp_path / "run"), *flags,
                     *llm_args(server)])
        requests = server.requests
    assert code == 0
    assert any(not is_extraction(r) for r in requests) == judged
    assert any(is_extraction(r) for r in requests) == extracted
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert set(manifest["config"]["models"]) == roles
    assert manifest["counts"]["domains"] == manifest["counts"]["relevant"] >= 1


def test_each_llm_stage_has_its_own_model_and_token_limit(tmp_path: Path) -> None:
    with FakeOpenAIServer(reply) as server:
        code = main(["extract", str(corpus(tmp_path)), "--out", str(tmp_path / "run"), "--backend", "llm",
                     "--filter-model", "small", "--extract-model", "big", "--extract-max-tokens", "3000",
                     *llm_args(server)])
        requests = server.requests
    assert code == 0
    assert {r["model"] for r in requests if is_extraction(r)} == {"big"}
    assert {r["model"] for r in requests if not is_extraction(r)} == {"small"}
    assert {r["max_tokens"] for r in requests if is_extraction(r)} == {3000}
    assert {r["max_tokens"] for r in requests if not is_extraction(r)} == {1024}


def test_a_document_longer_than_the_context_is_rejected_with_it(tmp_path: Path) -> None:
    with FakeOpenAIServer(reply, context=8192) as server:
        code = main(["extract", str(corpus(tmp_path, long=True)), "--out", str(tmp_path / "run"), "--backend", "llm",
                     *llm_args(server)])
        extractions = [r for r in server.requests if is_extraction(r)]
    assert code == 0
    rejected = [json.loads(line) for line in (tmp_path / "run" / "rejected.jsonl").read_text().splitlines()]
    assert [(r["doc_id"], r["stage"]) for r in rejected] == [("long.md", "extract")]
    assert "longer than the model's context (8192 tokens)" in rejected[0]["reason"]
    assert len(extractions) == 2  # the long document was never sent


def test_a_400_context_error_is_a_rejection_not_an_outage(tmp_path: Path) -> None:
    def too_long(body: dict[str, Any]) -> Reply:
        return Fault("context_length", context=4096) if is_extraction(body) else JSONReply(JUDGE)

    with FakeOpenAIServer(too_long) as server:
        code = main(["extract", str(corpus(tmp_path)), "--out", str(tmp_path / "run"), "--backend", "llm",
                     *llm_args(server)])
    assert code == 0
    rejected = [json.loads(line) for line in (tmp_path / "run" / "rejected.jsonl").read_text().splitlines()]
    assert len(rejected) == 2 and all("longer than the model's context (4096 tokens)" in r["reason"] for r in rejected)
    assert not any("unavailable" in r["reason"] for r in rejected)
