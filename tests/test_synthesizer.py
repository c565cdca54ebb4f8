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

CASES = ["good", "wrong_replies", "unknown_tool", "sandbox_failure", "no_compile", "reask_fixes", "untold",
         "v1", "unknown_workflow", "no_row"]


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
    elif case == "v1":  # a gem-synth/1 reply (one workflow on one row) is still served
        reply["format"], reply["task"] = "gem-synth/1", {"workflow": "cancel_pending_order", "anchor": "ORD-76960"}
    elif case == "unknown_workflow":
        reply["task"]["requests"][0]["workflow"] = "refund_order"
    elif case == "no_row":
        reply["task"]["requests"][0]["anchor"] = "ORD-00000"
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
    assert set(accepted) == {"good", "wrong_replies", "reask_fixes", "v1"}
    assert set(accepted) | set(rejected) == set(CASES) and not set(accepted) & set(rejected)
    assert rejected["unknown_tool"]["detail"]["reached"] == "replay"
    assert "unknown tool 'refund_order'" in rejected["unknown_tool"]["reason"]
    assert rejected["sandbox_failure"]["detail"]["reached"] == "replay"
    assert "cancel_order failed in the sandbox: Order not found" in rejected["sandbox_failure"]["reason"]
    assert rejected["no_compile"]["detail"] == {"reached": "compile", "attempts": 2}
    assert rejected["untold"]["stage"] == "verify" and "required_outputs" in rejected["untold"]["reason"]
    assert "shipments" in rejected["no_compile"]["reason"]
    # a request naming a workflow the domain lacks, or a row its seed does not hold: recorded, said plainly
    assert rejected["unknown_workflow"]["detail"]["reached"] == "task"
    assert rejected["unknown_workflow"]["reason"] == ("task: request 1 names workflow 'refund_order', which the "
                                                      "domain lacks (has ['cancel_pending_order'])")
    assert rejected["no_row"]["detail"]["reached"] == "task"
    assert rejected["no_row"]["reason"] == "task: request 1 names orders 'ORD-00000', which is no seed row of the domain"
    assert rejected["no_row"]["detail"]["requests"] == [{"workflow": "cancel_pending_order", "anchor": "ORD-00000",
                                                         "kind": "complete"}]
    assert accepted["v1"]["task"]["gold_actions"] == accepted["good"]["task"]["gold_actions"]
    assert accepted["v1"]["verification"]["passed"]
    calls = {c: sum(1 for b in requests if f"case {c}." in b["messages"][1]["content"]) for c in CASES}
    assert calls == {"good": 1, "wrong_replies": 1, "unknown_tool": 1, "sandbox_failure": 1, "no_compile": 2,
                     "reask_fixes": 2, "untold": 1, "v1": 1, "unknown_workflow": 1, "no_row": 1}  # at most one
    # re-ask, only for parse/compile errors
    timings = [t for t in read_jsonl(run / "timings.jsonl") if "document_seconds" in t]
    assert sum(t["llm"]["calls"] for t in timings) == len(requests) == 12
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
    assert report["checked"] == 5 and report["confirmed"] == 5  # the 4 kept and the one verify rejected


def test_user_and_agent_options_are_refused_with_the_synthesizer_backend(tmp_path, capsys):
    rc = main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(tmp_path / "r"), "--backend", "synthesizer",
               "--agent", "llm", "--model", "m"])
    assert rc != 0 and "not used by --backend synthesizer" in capsys.readouterr().err


def test_a_wrong_anchor_stops_at_the_task_step():
    reply, _ = parse_synth_reply(json.dumps({**example_reply(), "format": "gem-synth/1",
                                             "task": {"workflow": "cancel_pending_order", "anchor": "ORD-NOPE"}}))
    compiled = compile_reply_domain(reply, "ex", Document(id="ex", text=EXAMPLE_TEXT))
    got = ground_reply(reply, compiled)
    assert isinstance(got, Stopped) and got.reached == "task" and "ORD-NOPE" in got.reason


@pytest.mark.parametrize("text, error", [
    ("no json here", "not a JSON object"),
    ('{"format": "gem-synth/1", "domain": {}}', "task"),
    ('{"format": "gem-synth/1", "domain": {}, "task": {"anchor": "A-1"}}', "task.workflow: Field required"),
    ('{"format": "gem-synth/2", "domain": {}, "task": {"kind": "complete", "requests": []}, "conversation": []}',
     "task.requests: List should have at least 1 item"),
    ('{"format": "gem-synth/2", "domain": {}, "task": {"kind": "multi_request", "requests": [{"workflow": "w", '
     '"anchor": "A", "kind": "multi_request"}]}, "conversation": []}', "task.requests.0.kind"),
    ('{"format": "gem-synth/9", "domain": {}}', "unknown format 'gem-synth/9'; expected 'gem-synth/2'")])
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
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--limit", "4", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def exported(offline_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sft") / "sft"
    assert main(["export", str(offline_run), "--format", "synthesizer", "--out", str(out), "--split", "0.5,0.5",
                 "--corpus", str(EXAMPLES / "corpus"), "--quiet"]) == 0
    return out


def _pairs(exported: Path) -> list[dict]:
    return [p for s in ("train", "test") for p in read_jsonl(exported / f"{s}.jsonl")]


def test_export_round_trip_targets_compile_and_verify(offline_run, exported):
    """Every accepted trajectory is a target, a session whole; each one parses, compiles and replays
    into the run's own task (the same id), verified, with no reply replaced."""
    docs = {d.id: d for d in iter_documents([EXAMPLES / "corpus"])}
    accepted = list(read_jsonl(offline_run / "trajectories.jsonl"))
    by_id = {t["id"]: t for t in accepted}
    pairs = _pairs(exported)
    assert list(read_jsonl(exported / "skipped.jsonl")) == [] and len(pairs) == len(accepted)
    train, test = ({p["domain"] for p in read_jsonl(exported / f"{s}.jsonl")} for s in ("train", "test"))
    assert not train & test
    sessions = 0
    for pair in pairs:
        system, user, assistant = pair["messages"]
        assert (system["role"], user["role"], assistant["role"]) == ("system", "user", "assistant")
        assert docs[pair["doc_id"]].text in user["content"]
        reply, error = parse_synth_reply(assistant["content"])
        assert error is None and json.loads(assistant["content"])["format"] == "gem-synth/2"
        source = by_id[pair["id"]]
        assert [r.kind for r in reply.task.requests] == [r["kind"] for r in source["task"]["scenario"]["requests"]]
        assert [str(r.anchor) for r in reply.task.requests] == [r["anchor"] for r in source["task"]["scenario"]["requests"]]
        assert reply.task.kind == source["task"]["category"]
        sessions += len(reply.task.requests) > 1
        # the whole conversation: every user and assistant message of the record, in order
        said = [(m["role"], m.get("content") or None) for m in source["messages"] if m["role"] in ("user", "assistant")]
        assert [(t.role, t.content or None) for t in reply.conversation] == said
        compiled = compile_reply_domain(reply, pair["domain"], docs[pair["doc_id"]])
        assert not isinstance(compiled, str), compiled
        task, trajectory = ground_reply(reply, compiled, doc_id=pair["doc_id"])
        assert trajectory.verification.passed, trajectory.verification.failed
        assert trajectory.meta["synthesizer"]["replaced_replies"] == 0
        assert task.id == pair["provenance"]["task_id"] == source["task"]["id"]
        assert task.model_dump(mode="json") == source["task"]  # the same gold, scenario and checks
    assert sessions >= 8  # sessions of 2-4 requests are most of the data


def _session_target(exported: Path) -> tuple[dict, dict]:
    """A 4-request session target whose requests are four different rows, and its pair."""
    for pair in _pairs(exported):
        target = json.loads(pair["messages"][-1]["content"])
        rows = {(r["workflow"], r["anchor"]) for r in target["task"]["requests"]}
        if target["task"]["kind"] != "multi_request" and len(rows) == 4:
            return target, pair
    raise AssertionError("no 4-request session target")


def _ground_target(target: dict, pair: dict):
    reply, error = parse_synth_reply(json.dumps(target))
    assert error is None
    doc = next(d for d in iter_documents([EXAMPLES / "corpus"]) if d.id == pair["doc_id"])
    return ground_reply(reply, compile_reply_domain(reply, pair["domain"], doc), doc_id=pair["doc_id"])


def test_a_malformed_session_reply_stops_at_the_task_with_the_reason(exported):
    """Requests out of order, a row the seed does not hold, a workflow the domain lacks: each stops
    at the task step saying so (the stage records it as a rejection), never a traceback."""
    target, pair = _session_target(exported)
    requests = target["task"]["requests"]
    swapped = copy.deepcopy(target)
    swapped["task"]["requests"][1:3] = [requests[2], requests[1]]
    got = _ground_target(swapped, pair)
    assert isinstance(got, Stopped) and got.reached == "task"
    assert got.reason.startswith("the session the task maker grows from request 1 is [")
    assert got.reason.endswith("(the same requests in another order)")
    assert got.detail["requests"][1]["anchor"] == requests[2]["anchor"]
    missing = copy.deepcopy(target)
    missing["task"]["requests"][2]["anchor"] = "NOPE-1"
    got = _ground_target(missing, pair)
    assert isinstance(got, Stopped) and got.reached == "task" and (
        "request 3 names " in got.reason and "'NOPE-1', which is no seed row of the domain" in got.reason
        or requests[2]["kind"] == "lookup" and "the reply names [" in got.reason)
    unknown = copy.deepcopy(target)
    unknown["task"]["requests"][0]["workflow"] = "teleport_customer"
    got = _ground_target(unknown, pair)
    assert isinstance(got, Stopped) and got.reached == "task"
    assert got.reason.startswith("request 1 names workflow 'teleport_customer', which the domain lacks (has [")
    fewer = copy.deepcopy(target)
    fewer["task"]["requests"].pop()
    got = _ground_target(fewer, pair)
    assert isinstance(got, Stopped) and "the reply names [" in got.reason
    mixed = copy.deepcopy(target)
    mixed["task"]["kind"] = "multi_request"
    got = _ground_target(mixed, pair)
    assert isinstance(got, Stopped) and "not a session the task maker makes in this domain" in got.reason
    task, trajectory = _ground_target(target, pair)  # the target itself: its run's task, verified
    assert trajectory.verification.passed and task.id == pair["provenance"]["task_id"]


def test_a_refined_variant_is_skipped_with_its_reason(offline_run):
    from gem_env.io.export.records import open_run
    from gem_env.io.export.synthesizer import _Makers
    record = next(iter(read_jsonl(offline_run / "trajectories.jsonl")))
    makers = _Makers(open_run(offline_run))
    variant = {**record["task"], "parent_id": record["task"]["id"], "ops": ["miss_param"]}
    assert makers.requests(record["domain"], variant).startswith("a refined variant (miss_param): ")
    assert "is not one the task maker makes" in makers.requests(record["domain"], {**record["task"], "category": "chain"})


def test_export_without_the_corpus_says_what_is_missing(offline_run, tmp_path, capsys):
    rc = main(["export", str(offline_run), "--format", "synthesizer", "--out", str(tmp_path / "x"), "--quiet"])
    assert rc != 0 and "needs --corpus" in capsys.readouterr().err


def test_the_prompt_example_verifies_and_its_gem_synth_1_form_too():
    reply, _ = parse_synth_reply(json.dumps(example_reply()))
    assert reply.format == "gem-synth/2"
    compiled = compile_reply_domain(reply, "cancel_order_help", Document(id="ex", text=EXAMPLE_TEXT))
    task, trajectory = ground_reply(reply, compiled)
    assert trajectory.verification.passed and trajectory.meta["synthesizer"]["repairs"] == []
    # the same reply as a model trained on gem-synth/1 targets writes it: the same task, verified
    v1 = {**example_reply(), "format": "gem-synth/1", "task": {"workflow": "cancel_pending_order", "anchor": "ORD-76960"}}
    old, error = parse_synth_reply(json.dumps(v1))
    assert error is None and old.task == reply.task
    task1, trajectory1 = ground_reply(old, compile_reply_domain(old, "cancel_order_help", Document(id="ex", text=EXAMPLE_TEXT)))
    assert task1.id == task.id and trajectory1.verification.passed


def test_export_writes_a_datasets_dict_when_the_hf_extra_is_there(exported):
    datasets = pytest.importorskip("datasets", reason="the hf extra (datasets) is not installed")
    out = exported
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
