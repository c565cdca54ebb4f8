"""`gem filter` and `gem extract` in-process on the example corpus: files, counts, determinism."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.extract.llm import EXAMPLE_DOMAIN
from gem_env.testing import FakeOpenAIServer, JSONReply
from gem_env.tools import load_domain

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tree(path: Path) -> dict[str, bytes]:
    """Every file of a run but its wall-clock timings."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and p.name != "timings.jsonl"}


def test_filter_writes_one_verdict_per_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "verdicts.jsonl"
    assert main(["filter", str(CORPUS), "--out", str(out)]) == 0
    verdicts = read_jsonl(out)
    assert len(verdicts) >= 25
    assert all(set(v) == {"id", "relevant", "score", "reason", "labels"} for v in verdicts)
    by_id = {v["id"]: v for v in verdicts}
    assert by_id["bank/freeze-a-card.md"]["relevant"] and not by_id["reference/banking-glossary.md"]["relevant"]
    assert f"{len(verdicts)} documents" in capsys.readouterr().err


def test_extract_writes_domains_verdicts_rejections_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["extract", str(CORPUS), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    verdicts = read_jsonl(out / "verdicts.jsonl")
    rejected = read_jsonl(out / "rejected.jsonl")
    domains = sorted((out / "domains").glob("*.json"))
    assert counts["documents"] == len(verdicts) and counts["relevant"] == sum(v["relevant"] for v in verdicts)
    assert counts["domains"] == len(domains) >= 20
    assert sum(counts["rejected_by_stage"].values()) == len(rejected)
    assert counts["relevant"] - counts["rejected_by_stage"].get("extract", 0) == len(domains)
    assert all(r["stage"] in {"read", "filter", "extract"} and r["reason"] for r in rejected)
    assert manifest["command"] == "extract" and manifest["gem_env"]
    assert manifest["config"]["backend"] == "offline" and manifest["config"]["seed"] == 0
    assert manifest["config"]["stop"] == "extract"
    assert {v["doc_id"] for v in verdicts} == {p["doc_id"] for p in read_jsonl(out / "progress.jsonl")}
    for path in domains:
        domain = load_domain(path)  # each file validates
        assert domain.provenance.doc_id and domain.workflows


def test_extract_is_byte_identical_on_a_second_run(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["extract", str(CORPUS), "--out", str(first)]) == 0
    assert main(["extract", str(CORPUS), "--out", str(second), "--concurrency", "3"]) == 0
    assert tree(first) == tree(second)
    assert main(["extract", str(CORPUS), "--out", str(first)]) == 2  # a run is never overwritten
    assert main(["extract", str(CORPUS), "--out", str(first), "--resume"]) == 0  # nothing left to do
    assert tree(first) == tree(second)


def test_seed_and_limit(tmp_path: Path) -> None:
    assert main(["extract", str(CORPUS), "--out", str(tmp_path / "a"), "--limit", "5", "--seed", "7"]) == 0
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["counts"]["documents"] == 5 and manifest["config"]["seed"] == 7
    seeds = {d["provenance"]["doc_id"]: d["seed"] for d in
             (json.loads(p.read_text()) for p in (tmp_path / "a" / "domains").glob("*.json"))}
    assert seeds and all(s == OfflineExtractor(seed=7).document_seed(doc) for doc, s in seeds.items())
    assert len(set(seeds.values())) == len(seeds)  # each document's records are its own


def test_unreadable_lines_are_reported_in_place(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    good = (CORPUS / "bank" / "freeze-a-card.md").read_text()
    corpus.write_text(json.dumps({"id": "a", "text": good}) + "\n{broken\n" + json.dumps({"id": "b", "body": good})
                      + "\n", encoding="utf-8")
    out = tmp_path / "run"
    assert main(["extract", str(corpus), "--out", str(out)]) == 0
    rejected = read_jsonl(out / "rejected.jsonl")
    assert [r["stage"] for r in rejected] == ["read", "read"]
    assert "c.jsonl:2" in rejected[0]["reason"] and "c.jsonl:3" in rejected[1]["reason"]
    assert json.loads((out / "manifest.json").read_text())["counts"]["domains"] == 1
    out2 = tmp_path / "run2"
    assert main(["extract", str(corpus), "--out", str(out2), "--text-field", "body"]) == 0
    assert json.loads((out2 / "manifest.json").read_text())["counts"]["documents"] == 1


@pytest.mark.parametrize("argv, message", [
    (["extract", "no/such/corpus", "--out", "{tmp}/x"], "no such file"),
    (["extract", str(CORPUS), "--out", "{tmp}/busy"], "not empty"),
    (["extract", str(CORPUS), "--out", "{tmp}/x", "--concurrency", "0"], "--concurrency"),
    (["extract", str(CORPUS), "--out", "{tmp}/x", "--backend", "llm", "--model", ""], "--model"),
])
def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                  message: str) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gem: error:") and message in err[0]


def test_llm_backend_through_the_cli(tmp_path: Path) -> None:
    judge = {"relevant": True, "score": 0.9, "reason": "steps", "domain": "retail", "category": "order"}

    def reply(body: dict) -> object:
        return JSONReply(EXAMPLE_DOMAIN if body["messages"][0]["content"].startswith("You turn") else judge)

    with FakeOpenAIServer(reply) as server:
        code = main(["extract", str(CORPUS / "shop"), "--out", str(tmp_path / "run"), "--backend", "llm",
                     "--model", "fake-model", "--base-url", server.base_url, "--cache-dir", ""])
    assert code == 0
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["config"]["backend"] == "llm" and manifest["config"]["models"]["extract"]["model"] == "fake-model"
    assert manifest["counts"]["domains"] == manifest["counts"]["documents"] >= 4
    assert manifest["costs"]["llm"]["calls"] == 2 * manifest["counts"]["documents"]
