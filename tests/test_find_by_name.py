"""A customer who does not have their email to hand is found by their name and zip code: the
task's gold, the scripted user and the workflow agent agree, and the session verifies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.agents.lookup import auth_finder, fallback_finder
from gem_env.agents.understanding import full_name, read_facts
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.cli import main
from gem_env.tools import compile_domain, load_domain

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = []
    for corpus in ("bank", "airline", "shop"):
        run = tmp_path_factory.mktemp(corpus) / "run"
        assert main(["synthesize", str(ROOT / "examples" / "corpus" / corpus), "--out", str(run), "--quiet"]) == 0
        out.append(run)
    return out


def _sessions(runs: list[Path]):
    for run in runs:
        for line in (run / "trajectories.jsonl").open():
            traj = json.loads(line)
            compiled = compile_domain(load_domain(run / "domains" / f"{traj['task']['domain']}.json"))
            yield traj, compiled


def test_some_customers_are_found_by_name_and_zip_code_and_the_rest_by_email(runs: list[Path]) -> None:
    by_name = by_email = 0
    for traj, compiled in _sessions(runs):
        finder, alt = auth_finder(compiled), fallback_finder(compiled)
        assert finder is not None and alt is not None and alt.params == ("first_name", "last_name", "zip")
        task, messages = traj["task"], traj["messages"]
        calls = [c["function"] for m in messages for c in m.get("tool_calls") or []]
        gold = {a["tool"] for a in task["gold_actions"]}
        assert traj["verification"]["passed"], task["id"]
        if alt.tool not in gold:
            by_email += finder.tool in gold
            assert alt.tool not in {c["name"] for c in calls}, task["id"]
            continue
        by_name += 1
        knows = task["scenario"]["knows"]
        assert finder.param not in knows and finder.param in task["scenario"]["unknown"], task["id"]
        found = [json.loads(c["arguments"]) for c in calls if c["name"] == alt.tool]
        assert found == [{p: knows[p] for p in alt.params}], task["id"]  # found once, by what the user said
        assert finder.tool not in {c["name"] for c in calls}, task["id"]
        users = [m["content"] for m in messages if m["role"] == "user"]
        said = [m.get("content") or "" for m in messages if m["role"] == "assistant"]
        asked = next(i for i, s in enumerate(said) if "zip code" in s and "?" in s)
        assert any("email" in s.lower() and "?" in s for s in said[:asked]), task["id"]  # asked for first
        assert any(f"{knows['first_name']} {knows['last_name']}" in u and str(knows["zip"]) in u for u in users)
    assert by_name and by_email and by_name < by_email  # a quarter or so, chosen by who the customer is


def test_a_name_said_whole_gives_first_and_last_name() -> None:
    assert full_name("My name is Leslie Harmon, and my zip code is 94110.") == ("Leslie", "Harmon")
    assert full_name("Sure, it's Mary-Jo O'Neil, and my zip code is 02110.") == ("Mary-Jo", "O'Neil")
    assert full_name("it's the open one.") is None


@pytest.mark.parametrize("reply", ["Sorry, I don't have my email to hand.", "I can't remember which email I used.",
                                   "I'd rather not guess my email, I have a few."])
def test_an_answer_without_the_value_is_no_bare_value(reply: str) -> None:
    assert read_facts(reply, [("email", "email")], ["email"]) == {}


def test_the_agent_asks_for_name_and_zip_once_and_gives_up_after(runs: list[Path]) -> None:
    """Asked for their email, a customer who cannot give it is asked for their name and zip code;
    one who cannot give those either is told the agent cannot go on (never asked a third time)."""
    traj, compiled = next(_sessions(runs[:1]))
    agent = WorkflowAgent(compiled)
    request = next(m["content"] for m in traj["messages"] if m["role"] == "user")
    messages = [{"role": "system", "content": "x"}, {"role": "user", "content": request}]
    asked = agent.reply(messages)["content"]
    assert "email" in asked and "?" in asked
    messages += [{"role": "assistant", "content": asked}, {"role": "user", "content": "Sorry, I don't have my email to hand."}]
    fallback = agent.reply(messages)["content"]
    assert "first name, last name and zip code" in fallback and "?" in fallback
    messages += [{"role": "assistant", "content": fallback}, {"role": "user", "content": "I'm not sure, sorry."}]
    last = agent.reply(messages)
    assert not last.get("tool_calls") and "without your first name, last name and zip code" in last["content"]
