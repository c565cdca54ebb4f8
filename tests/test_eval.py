"""pass^k / pass@k estimators, the eval report, and `gem eval` end to end offline."""
from __future__ import annotations

import json
from math import isclose
from pathlib import Path
from typing import Any

import pytest

from gem_env.cli import main
from gem_env.evaluate import EvalSettings, build_report, format_table, report_ks, run_eval
from gem_env.backends import make_agent, make_user
from gem_env.passk import mean_over_tasks, pass_at_k, pass_hat_k
from gem_env.stages.tasks import make_tasks
from gem_env.io.taskset import load_task_set, write_task_set
from gem_env.tools import compile_domain, load_domain
from gem_env.trajectory import Check, Trajectory, Verification

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("n, c, k, at_k, hat_k", [
    (5, 2, 2, 1 - 3 / 10, 1 / 10),        # C(3,2)=3, C(5,2)=10, C(2,2)=1
    (10, 5, 3, 1 - 10 / 120, 10 / 120),   # C(5,3)=10, C(10,3)=120
    (10, 3, 1, 0.3, 0.3),                 # k=1: both are the success rate
    (4, 4, 4, 1.0, 1.0),
    (4, 0, 2, 0.0, 0.0),
    (4, 3, 4, 1.0, 0.0),                  # one failure among 4: never all 4 pass
    (8, 6, 3, 1.0, 20 / 56),              # n-c=2 < k: pass@3 is certain; C(6,3)=20, C(8,3)=56
])
def test_estimators_match_hand_computed_values(n: int, c: int, k: int, at_k: float, hat_k: float) -> None:
    assert isclose(pass_at_k(n, c, k), at_k) and isclose(pass_hat_k(n, c, k), hat_k)


def test_estimators_reject_impossible_counts() -> None:
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_hat_k(3, 1, 4)


def test_mean_over_tasks_averages_per_task_values() -> None:
    got = mean_over_tasks([(4, 4), (4, 0), (4, 2)], 2)
    assert isclose(got["pass^2"], (1 + 0 + 1 / 6) / 3)       # C(2,2)/C(4,2) = 1/6
    assert isclose(got["pass@2"], (1 + 0 + 5 / 6) / 3)       # 1 - C(2,2)/C(4,2)
    assert mean_over_tasks([(1, 1)], 2) == {}
    assert report_ks(1) == [1] and report_ks(4) == [1, 2, 4] and report_ks(5) == [1, 2, 4, 5]


def _trajectory(task_id: str, domain: str, category: str, passed: bool, **meta: Any) -> Trajectory:
    checks = [Check(name="final_state", passed=passed)]
    return Trajectory(id=task_id, domain=domain, task={"id": task_id, "category": category}, tools=[],
                      messages=[], verification=Verification(passed=passed, checks=checks),
                      meta={"termination": "user_stop" if passed else "max_turns", "tool_calls": 4,
                            "tool_errors": 0 if passed else 1,
                            "llm": {"agent": {"calls": 2, "prompt_tokens": 10}, "user": {}}, **meta},
                      timings={"total": 0.5})


def test_report_groups_by_domain_and_category() -> None:
    pattern = {("a1", "A", "cancel"): [1, 1, 1], ("a2", "A", "modify"): [1, 0, 1], ("b1", "B", "cancel"): [0, 0, 1]}
    trajectories = [_trajectory(t, d, c, bool(p)) for (t, d, c), ps in pattern.items() for p in ps]
    report = build_report(trajectories, 3, 1.5)
    assert report["k"] == [1, 2, 3]
    overall = report["overall"]
    assert (overall["tasks"], overall["episodes"], overall["passed"]) == (3, 9, 6)
    assert isclose(overall["pass^1"], 6 / 9) and isclose(overall["pass^3"], 1 / 3)
    assert isclose(overall["pass^2"], (1 + 1 / 3 + 0) / 3)    # C(2,2)/C(3,2) = 1/3 for two passes of 3
    assert isclose(overall["pass@2"], (1 + 1 + 2 / 3) / 3)    # one pass of 3: 1 - C(2,2)/C(3,2)
    assert isclose(report["by_domain"]["A"]["pass^3"], 0.5) and report["by_domain"]["B"]["passed"] == 1
    assert isclose(report["by_category"]["cancel"]["pass@3"], 1.0)
    assert report["terminations"] == {"user_stop": 6, "max_turns": 3}
    assert report["failed_checks"] == {"final_state": 3}
    assert report["tool_calls"]["calls"] == 36 and isclose(report["tool_calls"]["error_rate"], 3 / 36)
    assert report["costs"]["llm"]["agent"] == {"calls": 18, "prompt_tokens": 90}
    assert {t["task_id"]: t["passed"] for t in report["tasks"]} == {"a1": 3, "a2": 2, "b1": 1}
    assert "pass^3" in format_table(report) and "domain A" in format_table(report)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "shop.yaml"))
    tasks, _ = make_tasks(compiled, per_domain=4, seed=0)
    out = tmp_path_factory.mktemp("run")
    write_task_set(out, tasks, {compiled.domain.name: compiled})
    return out


class DoNothing:
    meta = {"backend": "do-nothing"}

    def __init__(self, _: Any, usage: Any = None) -> None:
        pass

    async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"role": "assistant", "content": "Okay, noted."}


async def test_run_eval_counts_trials_and_failures(run_dir: Path) -> None:
    tasks, domains = load_task_set(run_dir)
    settings = EvalSettings(trials=2, concurrency=3, seed=1)
    user = lambda task, seed, usage: make_user("scripted", task.scenario, seed=seed)  # noqa: E731
    good, _ = await run_eval(tasks, domains, lambda c, usage: make_agent("workflow", c), user, settings)
    bad, _ = await run_eval(tasks, domains, DoNothing, user, settings)
    assert [t.id for t in good] == [f"{t.id}#{i}" for t in tasks for i in range(2)]
    assert all(t.verification.passed for t in good) and not any(t.verification.passed for t in bad)
    assert build_report(bad, 2, 0.1)["overall"]["pass@2"] == 0.0


def test_gem_eval_end_to_end_offline(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEM_MODEL", raising=False)
    out = tmp_path / "eval"
    assert main(["eval", str(run_dir / "tasks.jsonl"), "--trials", "3", "--concurrency", "4",
                 "--limit", "3", "--seed", "7", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads((out / "report.json").read_text())
    assert report["config"]["trials"] == 3 and report["config"]["limit"] == 3
    assert report["overall"]["episodes"] == 9 and report["overall"]["pass^3"] == 1.0
    assert report["terminations"] == {"user_stop": 9} and report["tool_calls"]["errors"] == 0
    lines = (out / "trajectories.jsonl").read_text().splitlines()
    assert len(lines) == 9 and (out / "rejected.jsonl").read_text() == ""
    record = json.loads(lines[0])
    assert {"id", "domain", "task", "tools", "messages", "verification", "meta"} <= set(record)
    assert record["meta"]["trial"] == 0 and record["id"].endswith("#0")
    assert main(["verify", str(out)]) == 0
    assert "9/9 verdicts confirmed" in capsys.readouterr().out

    assert main(["eval", str(run_dir), "--out", str(out)]) == 2  # existing, non-empty --out
    assert "not empty" in capsys.readouterr().err
    assert main(["eval", str(run_dir), "--trials", "0", "--out", str(tmp_path / "x")]) == 2
    assert main(["eval", str(tmp_path / "missing"), "--out", str(tmp_path / "y")]) == 2
    assert main(["eval", str(run_dir), "--agent", "llm", "--out", str(tmp_path / "z")]) == 2
    assert "--model" in capsys.readouterr().err


def test_gem_eval_table_output(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["eval", str(run_dir), "--trials", "2", "--out", str(tmp_path / "e")]) == 0
    text = capsys.readouterr().out
    assert "pass^2" in text and "domain shop" in text and "terminations: user_stop 8" in text


def test_gem_eval_with_an_llm_agent_on_the_test_server(run_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    from gem_env.testing import FakeOpenAIServer, Text

    with FakeOpenAIServer([Text("Sorry, I cannot help with that.")]) as server:
        code = main(["eval", str(run_dir), "--agent", "llm", "--model", "fake", "--base-url", server.base_url,
                     "--trials", "2", "--limit", "2", "--llm-retries", "0", "--out", str(tmp_path / "e"), "--json"])
        requests = len(server.requests)
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overall"]["episodes"] == 4 and report["overall"]["pass@2"] == 0.0
    # one call per assistant turn; a multi_request session brings its next request after each answer
    assert report["costs"]["llm"]["agent"]["calls"] == requests >= 4
    assert report["config"]["agent_model"] == "fake"
    assert len((tmp_path / "e" / "rejected.jsonl").read_text().splitlines()) == 4


@pytest.mark.parametrize("stream", ["on", "off"])
def test_calls_without_token_counts_are_counted_not_summed_as_zero(run_dir: Path, tmp_path: Path, stream: str,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """A server that reports no token counts (llama.cpp's streams none) made the report read "0
    prompt + 0 completion tokens"; the calls it did not count are said, and kept in the
    trajectories' meta. A server that counts keeps its trajectories' meta as it was."""
    from gem_env.testing import FakeOpenAIServer, Text

    for usage in (False, True):
        with FakeOpenAIServer([Text("Sorry, I cannot help with that.")], usage=usage) as server:
            out = tmp_path / f"e{usage}"
            assert main(["eval", str(run_dir), "--agent", "llm", "--model", "fake", "--base-url", server.base_url,
                         "--limit", "1", "--llm-retries", "0", "--llm-stream", stream, "--out", str(out)]) == 0
            calls = len(server.requests)
        text = capsys.readouterr().out
        meta = json.loads((out / "rejected.jsonl").read_text().splitlines()[0])["trajectory"]["meta"]["llm"]
        if usage:
            assert "no token counts" not in text and "calls_without_tokens" not in meta["agent"]
            assert meta["prompt_tokens"] > 0
        else:
            assert f"the server reported no token counts for {calls} of the {calls} calls" in text
            assert meta["agent"]["calls_without_tokens"] == meta["calls_without_tokens"] == calls
            assert meta["prompt_tokens"] == 0


def test_infra_errors_are_left_out_of_pass_k_and_counted_apart() -> None:
    ok = [_trajectory("a1", "A", "cancel", True) for _ in range(2)]
    failed = _trajectory("a1", "A", "cancel", False, termination="agent_error")
    down = [_trajectory("b1", "A", "cancel", False, termination="infra_error",
                        error=f"LLMUnavailable: LLM endpoint x failed {n} times; last error: request timed out")
            for n in (3, 5)]
    report = build_report([*ok, failed, *down], 3, 1.0)
    assert report["overall"]["episodes"] == 3 and report["overall"]["tasks"] == 1  # b1 only had infra errors
    assert isclose(report["overall"]["pass^1"], 2 / 3)
    assert report["infra_errors"] == {"episodes": 2, "reasons": {"request timed out": 2}}
    assert report["terminations"]["infra_error"] == 2
    assert "infrastructure errors: 2 episodes left out" in format_table(report)


def test_a_long_endpoint_error_is_counted_by_its_whole_sentences() -> None:
    """The server's message goes on with per-request token counts: the reason keeps the sentences
    that fit, so equal causes count together and none ends mid-sentence ("... tokens. However, ")."""
    said = ("LLMContextExceeded: the prompt is longer than the model's context (4096 tokens): Error code: 400 - "
            "This model's maximum context length is 4096 tokens. However, you requested {} tokens ({} in the "
            "messages, 256 in the completion).")
    down = [_trajectory("b1", "A", "cancel", False, termination="infra_error", error=said.format(n, n - 256))
            for n in (5012, 6120)]
    reasons = build_report(down, 2, 1.0)["infra_errors"]["reasons"]
    assert reasons == {"LLMContextExceeded: the prompt is longer than the model's context (4096 tokens): Error "
                       "code: 400 - This model's maximum context length is 4096 tokens.": 2}


def test_gem_eval_exits_1_naming_the_infra_errors(run_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    from gem_env.testing import FakeOpenAIServer, Fault

    with FakeOpenAIServer([Fault("http_500")]) as server:
        code = main(["eval", str(run_dir), "--agent", "llm", "--model", "fake", "--base-url", server.base_url,
                     "--limit", "2", "--llm-retries", "0", "--out", str(tmp_path / "e"), "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 1 and report["infra_errors"]["episodes"] == 2 and report["overall"]["episodes"] == 0
    err = [line for line in captured.err.splitlines() if line.startswith("gem eval:")]
    assert len(err) == 1 and "2 of 2 episodes ended in infra_error" in err[0] and "500" in err[0]


def test_gem_eval_runs_model_rollouts_with_the_tuned_gc_and_restores_it(run_dir: Path, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    import gc

    from gem_env.stages.ground.gc_tuning import GEN0
    from gem_env.testing import FakeOpenAIServer, Text

    seen: list[int] = []

    def reply(body: dict) -> Text:  # runs in this process: sees its GC settings during the run
        seen.append(gc.get_threshold()[0])
        return Text("Sorry, I cannot help with that.")

    before = gc.get_threshold()
    with FakeOpenAIServer(reply) as server:
        assert main(["eval", str(run_dir), "--agent", "llm", "--model", "fake", "--base-url", server.base_url,
                     "--limit", "1", "--llm-retries", "0", "--out", str(tmp_path / "e"), "--json"]) == 0
    assert seen and set(seen) == {GEN0}
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    capsys.readouterr()
