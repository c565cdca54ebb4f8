"""A customer who gives an email that is on nobody's record (one they used to have): the finder
fails, the assistant says so and the customer, taking it for an old email, says who they are by
name and zip code; the assistant finds them by those, once, and the session verifies. The gold
holds the failed read; refinement replays the session without it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.agents.lookup import auth_finder, fallback_finder
from gem_env.cli import main
from gem_env.simulators.refined import says_not_found
from gem_env.stages.refine.base import task_part
from gem_env.stages.tasks import Task
from gem_env.tools import compile_domain, load_domain



@pytest.fixture(scope="module")
def run(examples_run: Path) -> Path:
    return examples_run


def _old_email_sessions(run: Path):
    for line in (run / "trajectories.jsonl").open():
        traj = json.loads(line)
        compiled = compile_domain(load_domain(run / "domains" / f"{traj['task']['domain']}.json"))
        finder = auth_finder(compiled)
        if finder and any(a["tool"] == finder.tool and not a["ok"] for a in traj["task"]["gold_actions"]):
            yield traj, compiled


def test_an_old_email_fails_once_and_the_customer_is_found_by_name_and_zip_code(run: Path) -> None:
    sessions = list(_old_email_sessions(run))
    assert len(sessions) >= 3
    for traj, compiled in sessions:
        finder, alt = auth_finder(compiled), fallback_finder(compiled)
        task, messages = traj["task"], traj["messages"]
        assert traj["verification"]["passed"], task["id"]
        knows = task["scenario"]["knows"]
        old, real = knows[finder.param], None
        # the gold: the failed read on the old email, then the fallback finder's, which shows the real one
        gold = task["gold_actions"]
        at = next(i for i, a in enumerate(gold) if a["tool"] == finder.tool)
        assert gold[at]["arguments"] == {finder.param: old} and "error" in gold[at]["result"]
        assert gold[at + 1]["tool"] == alt.tool and gold[at + 1]["arguments"] == {p: knows[p] for p in alt.params}
        real = gold[at + 1]["result"][finder.param]
        assert real != old and real.split("@")[0] == old.split("@")[0]  # the same name at another mail host
        calls = [c["function"] for m in messages for c in m.get("tool_calls") or []]
        tried = [c for c in calls if c["name"] == finder.tool]
        assert len(tried) == 1 and json.loads(tried[0]["arguments"]) == {finder.param: old}, task["id"]  # once
        # the assistant says it found nothing for it; the customer answers with who they are, and
        # the fallback read comes straight after
        said = next(i for i, m in enumerate(messages) if m["role"] == "assistant" and old in (m.get("content") or ""))
        assert says_not_found(messages[said]["content"])
        reply = messages[said + 1]
        assert reply["role"] == "user" and f"{knows['first_name']} {knows['last_name']}" in reply["content"] \
            and str(knows["zip"]) in reply["content"] and old not in reply["content"]
        assert messages[said + 2]["tool_calls"][0]["function"]["name"] == alt.tool
        # no message says the email they really have: they never gave it
        assert not any(real in (m.get("content") or "") for m in messages if m["role"] in ("user", "assistant"))


def test_refinement_replays_an_old_email_session_without_the_failed_read(run: Path) -> None:
    traj, compiled = next(_old_email_sessions(run))
    finder = auth_finder(compiled)
    part = task_part(Task.model_validate(traj["task"]), compiled)
    assert finder.param in part.scenario.knows  # the user still says it
    assert finder.param not in part.knows or part.knows[finder.param] != part.scenario.knows[finder.param]


def test_refined_runs_keep_old_email_sessions_verified(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "refined"
    assert main(["refine", str(run), "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    failed = [json.loads(line) for line in (out / "rejected.jsonl").open()]
    parents = {t["task"]["id"] for t, _ in _old_email_sessions(run)}
    assert not [r for r in failed if r["parent"] in parents and r["stage"] != "not_applicable"]
    assert manifest["counts"]["variants_verified"] > 0
