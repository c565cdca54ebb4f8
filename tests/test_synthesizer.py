"""The trajectory synthesizer (issue 14): `--backend synthesizer` against a local server with
scripted replies, and `gem export --format synthesizer` round-tripping into verified trajectories."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from conftest import EXAMPLES
from gem_env.cli import main
from gem_env.documents import Document
from gem_env.io.corpus import iter_documents
from gem_env.io.rundir import read_jsonl
from gem_env.stages.extract.llm import EXAMPLE_TEXT
from gem_env.stages.synthesizer.format import parse_synth_reply
from gem_env.stages.synthesizer.prompt import MARKER, example_reply
from gem_env.stages.synthesizer.repair import Corrections
from gem_env.stages.synthesizer.replay import Stopped, ground_reply
from gem_env.stages.synthesizer.stage import compile_reply_domain
from gem_env.testing import FakeOpenAIServer, Text

CASES = ["good", "wrong_replies", "unknown_tool", "sandbox_failure", "no_compile", "reask_fixes", "untold"]


def _reply(case: str) -> dict:
    """The example reply (it verifies) spoilt as each case says."""
    reply = copy.deepcopy(example_reply())
    turns = reply["conversation"]
    if case == "wrong_replies":  # imagined: another total, and a refund field the tool does not have
        turns[1]["calls"][0]["reply"] = {**turns[1]["calls"][0]["reply"], "total": 99.5, "refund_eta": "3 days"}
        turns[2]["content"] = ("I found order ORD-76960: it is still pending, total $99.5. Your refund arrives in "
                               "3 days. I'll cancel it with the reason \"no longer needed\". Shall I go ahead?")
    elif case == "unknown_tool":
        turns[4]["calls"][0]["tool"] = "refund_order"
    elif case == "sandbox_failure":  # the imagined reply says it worked; the sandbox refuses
        turns[4]["calls"][0]["arguments"]["order_id"] = "ORD-00000"
    elif case == "untold":  # the result is never told: verification fails
        turns[5]["content"] = "Done."
    elif case in ("no_compile", "reask_fixes"):
        reply["domain"]["tools"][0]["effect"][0]["find"] = "shipments"
    return reply


def _server_reply(body: dict) -> Text:
    """Each document names its case; a re-ask (more than two messages) of reask_fixes gets a good reply."""
    assert MARKER in body["messages"][0]["content"]
    doc = body["messages"][1]["content"]
    case = next(c for c in CASES if f"case {c}." in doc)
    if case == "reask_fixes" and len(body["messages"]) > 2:
        case = "good"
    return Text(json.dumps(_reply(case)))


@pytest.fixture(scope="module")
def synth_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FakeOpenAIServer]:
    tmp = tmp_path_factory.mktemp("synth")
    corpus = tmp / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": c, "text": f"{EXAMPLE_TEXT}\nThis is case {c}.\n"}) + "\n"
                              for c in CASES))
    with FakeOpenAIServer(_server_reply) as server:
        rc = main(["synthesize", str(corpus), "--out", str(tmp / "run"), "--backend", "synthesizer",
                   "--model", "synth", "--base-url", server.base_url, "--cache-dir", "", "--quiet"])
        requests = server.requests
    assert rc == 0
    return tmp / "run", requests


def test_each_document_is_kept_or_rejected_with_how_far_it_got(synth_run):
    run, requests = synth_run
    accepted = {t["doc_id"]: t for t in read_jsonl(run / "trajectories.jsonl")}
    rejected = {r["doc_id"]: r for r in read_jsonl(run / "rejected.jsonl")}
    assert set(accepted) == {"good", "wrong_replies", "reask_fixes"}
    assert set(accepted) | set(rejected) == set(CASES) and not set(accepted) & set(rejected)
    assert rejected["unknown_tool"]["detail"]["reached"] == "replay"
    assert "unknown tool 'refund_order'" in rejected["unknown_tool"]["reason"]
    assert rejected["sandbox_failure"]["detail"]["reached"] == "replay"
    assert "cancel_order failed in the sandbox: Order not found" in rejected["sandbox_failure"]["reason"]
    assert rejected["no_compile"]["detail"] == {"reached": "compile", "attempts": 2}
    assert rejected["untold"]["stage"] == "verify" and "required_outputs" in rejected["untold"]["reason"]
    assert "shipments" in rejected["no_compile"]["reason"]
    calls = {c: sum(1 for b in requests if f"case {c}." in b["messages"][1]["content"]) for c in CASES}
    assert calls == {"good": 1, "wrong_replies": 1, "unknown_tool": 1, "sandbox_failure": 1,
                     "no_compile": 2, "reask_fixes": 2, "untold": 1}  # at most one re-ask, only for parse/compile errors
    timings = [t for t in read_jsonl(run / "timings.jsonl") if "document_seconds" in t]
    assert sum(t["llm"]["calls"] for t in timings) == len(requests) == 9
    config = json.loads((run / "config.json").read_text())
    assert config["backend"] == "synthesizer" and set(config["models"]) == {"stages"}


def test_imagined_replies_are_replaced_and_what_they_contradict_repaired(synth_run):
    run, _ = synth_run
    t = next(t for t in read_jsonl(run / "trajectories.jsonl") if t["doc_id"] == "wrong_replies")
    meta = t["meta"]["synthesizer"]
    assert meta["reached"] == "verified" and meta["replaced_replies"] == 1
    kinds = {r["kind"] for r in meta["repairs"]}
    assert kinds == {"substituted", "removed_unbacked"}
    said = t["messages"][4]["content"]
    assert "276.61" in said and "99.5" not in said and "3 days" not in said
    tool = json.loads(t["messages"][3]["content"])
    assert tool["total"] == 276.61 and "refund_eta" not in tool


def test_kept_trajectories_pass_gem_verify(synth_run, capsys):
    run, _ = synth_run
    assert main(["verify", str(run), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checked"] == 4 and report["confirmed"] == 4  # the 3 kept and the one verify rejected


def test_user_and_agent_options_are_refused_with_the_synthesizer_backend(tmp_path, capsys):
    rc = main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(tmp_path / "r"), "--backend", "synthesizer",
               "--agent", "llm", "--model", "m"])
    assert rc != 0 and "not used by --backend synthesizer" in capsys.readouterr().err


def test_a_wrong_anchor_stops_at_the_task_step():
    reply, _ = parse_synth_reply(json.dumps({**example_reply(), "task": {"workflow": "cancel_pending_order",
                                                                          "anchor": "ORD-NOPE"}}))
    compiled = compile_reply_domain(reply, "ex", Document(id="ex", text=EXAMPLE_TEXT))
    got = ground_reply(reply, compiled)
    assert isinstance(got, Stopped) and got.reached == "task" and "ORD-NOPE" in got.reason


@pytest.mark.parametrize("text, error", [("no json here", "not a JSON object"),
                                         ('{"format": "gem-synth/1", "domain": {}}', "task")])
def test_unreadable_replies_say_why(text, error):
    reply, why = parse_synth_reply(text)
    assert reply is None and error in why


def test_corrections_rewrite_quoted_values_and_drop_unbacked_claims():
    fix = Corrections()
    fix.learn({"id": "ORD-1", "total": 12.5, "eta": "Friday"}, {"id": "ORD-2", "total": 13.0})
    assert fix.arguments({"order_id": "ORD-1", "n": 1}) == {"order_id": "ORD-2", "n": 1}
    assert fix.text("Order ORD-1 costs 12.5 (not ORD-12).") == "Order ORD-2 costs 13 (not ORD-12)."
    kept, removed = fix.unbacked_sentences("It is cancelled. It ships Friday. Bye!")
    assert kept == "It is cancelled. Bye!" and removed == ["It ships Friday."]


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("offline") / "run"
    # 8 documents: most sessions announce their later requests and are no target, so 4 left too few
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--limit", "8", "--quiet"]) == 0
    return out


def test_export_round_trip_targets_compile_and_verify(offline_run, tmp_path):
    out = tmp_path / "sft"
    assert main(["export", str(offline_run), "--format", "synthesizer", "--out", str(out), "--split", "0.5,0.5",
                 "--corpus", str(EXAMPLES / "corpus"), "--quiet"]) == 0
    docs = {d.id: d for d in iter_documents([EXAMPLES / "corpus"])}
    accepted = list(read_jsonl(offline_run / "trajectories.jsonl"))
    pairs = {s: list(read_jsonl(out / f"{s}.jsonl")) for s in ("train", "test")}
    skipped = list(read_jsonl(out / "skipped.jsonl"))
    assert sum(map(len, pairs.values())) + len(skipped) == len(accepted) and sum(map(len, pairs.values())) >= 4
    nameable = {"complete", "refuse", "decline", "disambiguate"}
    by_id = {t["id"]: t for t in accepted}
    for s in skipped:  # sessions and lookups; a first request whose opening announces the others
        assert (by_id[s["id"]]["task"]["category"] not in nameable and "is not one workflow on one row" in s["reason"]
                or "first message announces" in s["reason"])
    assert not {p["domain"] for p in pairs["train"]} & {p["domain"] for p in pairs["test"]}
    for pair in pairs["train"] + pairs["test"]:
        system, user, assistant = pair["messages"]
        assert (system["role"], user["role"], assistant["role"]) == ("system", "user", "assistant")
        assert docs[pair["doc_id"]].text in user["content"]
        reply, error = parse_synth_reply(assistant["content"])
        assert error is None
        compiled = compile_reply_domain(reply, pair["domain"], docs[pair["doc_id"]])
        assert not isinstance(compiled, str), compiled
        task, trajectory = ground_reply(reply, compiled, doc_id=pair["doc_id"])
        assert trajectory.verification.passed, trajectory.verification.failed
        assert trajectory.meta["synthesizer"]["replaced_replies"] == 0
        source = by_id[pair["id"]]["task"]
        if len(source["scenario"]["requests"]) > 1:  # a session's first request: that request's own task
            assert task.workflow == source["workflow"].split("+")[0] and task.category == source["category"]
        else:
            assert task.id == pair["provenance"]["task_id"]


def test_a_first_request_whose_opening_announces_more_is_no_target(offline_run, tmp_path):
    """A session's first request stands alone as a target only if its opening asks for it alone: cut
    after "I've got a few things ..." or "After that, I'd also like to ...", the target would teach a
    customer who promises requests and leaves (and "You also mentioned ..." left unanswered)."""
    from gem_env.io.export.synthesizer import _first_request
    from gem_env.simulators.phrases import NAMED_LATER, SEVERAL, announces_more
    assert all(announces_more(f"Hi. {s} I need to freeze my card.") for s in SEVERAL)
    assert all(announces_more("I need to freeze my card. " + t.format(x="change my address")) for t in NAMED_LATER)
    assert not announces_more("Hi, I need to freeze my card because I lost it. My email is a@b.co.")
    sessions = [r for r in read_jsonl(offline_run / "trajectories.jsonl")
                if len(r["task"]["scenario"]["requests"]) > 1 and r["task"]["scenario"]["requests"][0]["kind"] == r["task"]["category"]]
    assert sessions
    for record in sessions:
        opening = next(i for i, m in enumerate(record["messages"]) if m["role"] == "user")
        told = record["messages"][opening]["content"]
        got = _first_request(record["task"], record["messages"])
        assert isinstance(got, str) == announces_more(told)
        messages = copy.deepcopy(record["messages"])
        messages[opening]["content"] = f"Hello. I've got a few things to sort out today. {told}"
        assert "first message announces" in _first_request(record["task"], messages)
    assert any(not announces_more(next(m["content"] for m in r["messages"] if m["role"] == "user")) for r in sessions)


def test_export_without_the_corpus_says_what_is_missing(offline_run, tmp_path, capsys):
    rc = main(["export", str(offline_run), "--format", "synthesizer", "--out", str(tmp_path / "x"), "--quiet"])
    assert rc != 0 and "needs --corpus" in capsys.readouterr().err


def test_the_prompt_example_verifies():
    reply, _ = parse_synth_reply(json.dumps(example_reply()))
    compiled = compile_reply_domain(reply, "cancel_order_help", Document(id="ex", text=EXAMPLE_TEXT))
    _, trajectory = ground_reply(reply, compiled)
    assert trajectory.verification.passed and trajectory.meta["synthesizer"]["repairs"] == []


def test_export_writes_a_datasets_dict_when_the_hf_extra_is_there(offline_run, tmp_path):
    datasets = pytest.importorskip("datasets", reason="the hf extra (datasets) is not installed")
    out = tmp_path / "sft"
    assert main(["export", str(offline_run), "--format", "synthesizer", "--out", str(out), "--split", "0.5,0.5",
                 "--corpus", str(EXAMPLES / "corpus"), "--quiet"]) == 0
    dd = datasets.load_from_disk(str(out / "hf"))
    for split in ("train", "test"):
        rows = list(read_jsonl(out / f"{split}.jsonl"))
        assert [r["id"] for r in dd[split]] == [r["id"] for r in rows]
        assert [m["content"] for m in dd[split][0]["messages"]] == [m["content"] for m in rows[0]["messages"]]
        got = dd[split][0]["provenance"]
        assert (got if isinstance(got, dict) else json.loads(got)) == rows[0]["provenance"]


def _ground(reply: dict):
    parsed, error = parse_synth_reply(json.dumps(reply))
    assert error is None
    compiled = compile_reply_domain(parsed, "ex", Document(id="ex", text=EXAMPLE_TEXT))
    return ground_reply(parsed, compiled)


def test_invalid_arguments_stop_the_replay_and_a_foreseen_failure_does_not():
    bad = copy.deepcopy(example_reply())
    bad["conversation"][1]["calls"][0]["arguments"] = {"order": "ORD-76960"}
    got = _ground(bad)
    assert isinstance(got, Stopped) and got.reached == "replay" and "invalid arguments for get_order" in got.reason
    foreseen = copy.deepcopy(example_reply())
    foreseen["conversation"][1]["calls"].insert(0, {"tool": "get_order", "arguments": {"order_id": "ORD-00000"},
                                                    "reply": {"error": "Order not found"}})
    task, trajectory = _ground(foreseen)
    assert trajectory.meta["tool_errors"] == 1 and trajectory.verification.passed
