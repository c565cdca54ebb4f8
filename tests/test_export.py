"""`gem export`: each format loads back with its reader, matches the run, and keeps domains apart."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.io.export import sharegpt
from gem_env.io.export.records import sft_messages, split_by_domain, Example
from gem_env.io.rundir import read_jsonl

from conftest import EXAMPLES

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema comes with the serve extra (mcp)")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "demo"
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--limit", "10", "--quiet"]) == 0
    return out


def _accepted(run: Path) -> dict[str, dict]:
    return {r["id"]: r for r in read_jsonl(run / "trajectories.jsonl")}


def _check_calls(messages: list[dict], tools: list[dict]) -> int:
    """Every tool call names a tool and its arguments satisfy that tool's JSON schema."""
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in tools}
    n = 0
    for m in messages:
        for call in m.get("tool_calls") or []:
            assert isinstance(call["function"]["arguments"], str) and call["id"]
            jsonschema.validate(json.loads(call["function"]["arguments"]), schemas[call["function"]["name"]])
            n += 1
    ids = {c["id"] for m in messages for c in m.get("tool_calls") or []}
    assert all(m["tool_call_id"] in ids for m in messages if m["role"] == "tool")
    return n


def _export(run: Path, out: Path, fmt: str, *extra: str) -> None:
    assert main(["export", str(run), "--format", fmt, "--out", str(out), "--quiet", *extra]) == 0


def test_openai_round_trip_with_schemas_provenance_and_domain_splits(run_dir: Path, tmp_path: Path) -> None:
    _export(run_dir, tmp_path / "oa", "openai", "--split", "0.6,0.2,0.2")
    accepted = _accepted(run_dir)
    seen, domains_by_split = set(), {}
    for split in ("train", "validation", "test"):
        records = [json.loads(line) for line in (tmp_path / "oa" / f"{split}.jsonl").open()]
        domains_by_split[split] = {r["domain"] for r in records}
        for r in records:
            source = accepted[r["id"]]
            assert r["messages"] == sft_messages(source["messages"]) and r["messages"][-1]["role"] == "assistant"
            assert r["tools"] == source["tools"] and _check_calls(r["messages"], r["tools"]) > 0
            p = r["provenance"]
            assert p["doc_id"] == source["doc_id"] and p["spans"] and len(p["domain_sha256"]) == 64
            assert p["verification"]["passed"] is True and p["gem_env_version"] and p["backends"]
            assert "run" in p["seed"]
            seen.add(r["id"])
    assert seen == set(accepted)
    a, b, c = domains_by_split.values()
    assert not (a & b or a & c or b & c) and all(domains_by_split.values())


def test_sharegpt_is_laid_out_as_llama_factory_reads_it_and_converts_back(run_dir: Path, tmp_path: Path) -> None:
    _export(run_dir, tmp_path / "sg", "sharegpt")
    info = json.loads((tmp_path / "sg" / "dataset_info.json").read_text())
    assert info["gem_train"]["formatting"] == "sharegpt" and info["gem_train"]["columns"]["tools"] == "tools"
    records = sharegpt.read(tmp_path / "sg" / "train.json")
    accepted = _accepted(run_dir)
    assert {r["id"] for r in records} == set(accepted)
    for r in records:
        sharegpt.check_layout(r["conversations"])
        tools = [{"type": "function", "function": t} for t in json.loads(r["tools"])]
        back = sharegpt.to_openai(r)
        assert _check_calls(back, tools) > 0
        original = sft_messages(accepted[r["id"]]["messages"])
        strip = lambda ms: [(m["role"], m.get("content") or "", [(c["function"]["name"], json.loads(c["function"]["arguments"]))
                                                                 for c in m.get("tool_calls") or []]) for m in ms]
        assert strip(back) == strip(original)


def test_hf_dataset_dict_loads_back_from_disk_and_parquet(run_dir: Path, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets", reason="the hf export needs the `hf` extra (datasets)")
    from gem_env.io.export import hf
    _export(run_dir, tmp_path / "hf", "hf", "--split", "0.5,0.5")
    dd = datasets.load_from_disk(str(tmp_path / "hf"))
    assert set(dd) == {"train", "test"} and not set(dd["train"]["domain"]) & set(dd["test"]["domain"])
    assert {"messages", "tools", "category", "domain", "doc_id", "provenance"} <= set(dd["train"].column_names)
    accepted = _accepted(run_dir)
    as_objects = hf.objects(datasets)  # datasets 5; with 4 (beside the verifiers extra) JSON text
    load = (lambda v: v) if as_objects else json.loads
    for split in dd.values():
        for row in split:
            original = sft_messages(accepted[row["id"]]["messages"])
            assert _parsed(hf.to_openai(row)) == _parsed(original)
            _check_calls(hf.to_openai(row), load(row["tools"]))
            assert load(row["provenance"])["trajectory_id"] == row["id"] and load(row["tools"]) == accepted[row["id"]]["tools"]
            # with datasets 5 a call's arguments are the object a chat template renders with `tojson`,
            # holding only its own keys (an Arrow struct would pad them with every other tool's as nulls)
            calls = [c for m in row["messages"] for c in m["tool_calls"] or []]
            assert calls and [load(c["function"]["arguments"]) for c in calls] == [
                json.loads(c["function"]["arguments"]) for m in original for c in m.get("tool_calls") or []]
            assert all(isinstance(c["function"]["arguments"], dict) == as_objects for c in calls)
    parquet = datasets.load_dataset("parquet", data_dir=str(tmp_path / "hf" / "data"))
    assert parquet["train"].num_rows == dd["train"].num_rows
    assert parquet["train"][0]["messages"] == dd["train"][0]["messages"]


def _parsed(messages: list[dict]) -> list[dict]:
    """Messages with each call's arguments parsed (JSON text may differ in escaping, not in value)."""
    return [{**m, **({"tool_calls": [{**c, "function": {**c["function"], "arguments": json.loads(c["function"]["arguments"])}}
                                     for c in m["tool_calls"]]} if m.get("tool_calls") else {})} for m in messages]


def _kinds(record: dict) -> list[str]:
    return [q["kind"] for q in record["task"]["scenario"].get("requests") or []] or [record["task"]["category"]]


def test_categories_max_requests_and_min_turns_select(run_dir: Path, tmp_path: Path) -> None:
    """A session is labelled by its first request's kind and lists every request's kind; --categories
    keeps a session holding a request of the kind, --max-requests N sessions of at most N requests."""
    accepted = _accepted(run_dir).values()
    fewest = min(len(_kinds(r)) for r in accepted)
    assert any(len(_kinds(r)) > fewest for r in accepted)
    _export(run_dir, tmp_path / "all", "openai")
    for r in map(json.loads, (tmp_path / "all" / "train.jsonl").open()):
        assert r["request_kinds"] == r["provenance"]["request_kinds"] == _kinds(next(a for a in accepted if a["id"] == r["id"]))
    category = next(iter(accepted))["task"]["category"]
    _export(run_dir, tmp_path / "cat", "openai", "--categories", category)
    records = [json.loads(line) for line in (tmp_path / "cat" / "train.jsonl").open()]
    assert records and all(category in {r["category"], *r["request_kinds"]} for r in records)
    assert len(records) == sum(1 for r in accepted if category in {r["task"]["category"], *_kinds(r)})
    _export(run_dir, tmp_path / "few", "openai", "--max-requests", str(fewest))
    few = [json.loads(line) for line in (tmp_path / "few" / "train.jsonl").open()]
    assert len(few) == sum(1 for r in accepted if len(_kinds(r)) == fewest) and all(len(r["request_kinds"]) == fewest for r in few)
    _export(run_dir, tmp_path / "long", "openai", "--min-turns", "1000")
    assert (tmp_path / "long" / "train.jsonl").read_text() == ""


def test_split_never_puts_a_domain_in_two_splits() -> None:
    items = [Example(id=f"{d}-{i}", domain=f"d{d}", category="base", doc_id=None, messages=[], tools=[])
             for d in range(30) for i in range(d % 4 + 1)]
    parts = split_by_domain(items, [("train", 0.8), ("validation", 0.1), ("test", 0.1)], seed=3)
    assert sum(len(v) for v in parts.values()) == len(items)
    owners = {}
    for name, exs in parts.items():
        for ex in exs:
            assert owners.setdefault(ex.domain, name) == name
    assert 0.7 < len(parts["train"]) / len(items) < 0.9 and parts["test"] and parts["validation"]
    assert parts == split_by_domain(items, [("train", 0.8), ("validation", 0.1), ("test", 0.1)], seed=3)


def test_bad_input_is_a_clear_error(run_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["export", str(tmp_path), "--format", "openai", "--out", str(tmp_path / "x")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["export", str(run_dir), "--format", "openai", "--out", str(tmp_path / "y"), "--split", "0.5,0.6"]) == 2
    assert "sum to 1" in capsys.readouterr().err
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "f").write_text("x")
    assert main(["export", str(run_dir), "--format", "openai", "--out", str(tmp_path / "z")]) == 2
    assert "not empty" in capsys.readouterr().err
