"""The TRL-style environment: TRL's contract (reset(**row) -> str, typed tool methods, get_reward),
checked without TRL; where TRL is installed, its own schema extraction is run on every method."""
from __future__ import annotations

import inspect
import json
import typing
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.integrations.trl_env import tool_methods, trl_dataset, trl_environment
from gem_env.io.taskset import load_task_set

from conftest import EXAMPLES


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "demo"
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--limit", "6", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def write_task(run_dir: Path):
    tasks, _ = load_task_set(run_dir)
    # (a "which of my bookings has the most ..." request is told in a sentence the joined outputs do not make)
    return next(t for t in tasks if t.kind == "write" and t.category == "complete"
                and not any(r.compare for r in t.scenario.session()))


def test_one_typed_documented_method_per_tool(run_dir: Path, write_task) -> None:
    env_cls = trl_environment(run_dir, write_task.domain)
    env = env_cls()
    _, domains = load_task_set(run_dir)
    schemas = {s["function"]["name"]: s["function"] for s in domains[write_task.domain].openai_schemas()}
    methods = tool_methods(env)
    assert set(methods) == set(schemas)
    assert env_cls.tasks and not any(t.declines or t.ambiguities for t in env_cls.tasks.values())
    for name, method in methods.items():
        params = schemas[name]["parameters"]
        sig = inspect.signature(method)
        assert set(sig.parameters) == set(params["properties"])
        hints = typing.get_type_hints(method)
        assert hints["return"] is str
        for arg, p in sig.parameters.items():
            assert arg in hints and f"{arg}:" in method.__doc__
            assert (p.default is inspect.Parameter.empty) == (arg in params.get("required", []))


def test_gold_actions_through_the_methods_earn_the_reward(run_dir: Path, write_task) -> None:
    env = trl_environment(run_dir, write_task.domain)()
    rows = {r["task_id"]: r for r in trl_dataset(run_dir, write_task.domain)}
    assert rows[write_task.id]["prompt"][0]["role"] == "system"
    text = env.reset(**rows[write_task.id])
    knows = [v for r in write_task.scenario.session() for v in r.knows.values()]
    assert isinstance(text, str) and knows and all(str(v) in text for v in knows)
    assert env.get_reward() == 0.0  # nothing done yet: the state differs from the gold replay
    for action in write_task.gold_actions:
        result = getattr(env, action.tool)(**action.arguments)
        assert json.loads(result) == json.loads(json.dumps(action.result, default=str))
    answer = " ".join(str(v) for v in write_task.required_outputs.values()) or "Done."
    assert env.get_reward(answer) == 1.0
    env.reset(**rows[write_task.id])  # a reset starts a fresh sandbox
    assert env.get_reward(answer) == 0.0


def test_bad_calls_come_back_as_errors_not_exceptions(run_dir: Path, write_task) -> None:
    env = trl_environment(run_dir, write_task.domain)()
    first = write_task.gold_actions[0]
    assert "reset()" in getattr(env, first.tool)(**first.arguments)
    env.reset(task_id=write_task.id)
    wrong = {k: ["not", "a", "string"] for k in first.arguments}
    assert "error" in json.loads(getattr(env, first.tool)(**wrong))
    with pytest.raises(ValueError, match="unknown task_id"):
        env.reset(task_id="nope")


def test_a_run_with_several_domains_needs_one_named(run_dir: Path) -> None:
    from gem_env.errors import GemError
    with pytest.raises(GemError, match="choose one"):
        trl_environment(run_dir)


def test_trl_schema_extraction_where_installed(run_dir: Path, write_task) -> None:
    """TRL turns each public method into a tool schema with transformers' `get_json_schema`; where it
    is installed, that schema must equal the domain's own (names, types, enums, required)."""
    pytest.importorskip("transformers", reason="transformers (which TRL uses to read tool methods) is not "
                                               "installed; the contract is checked above without it")
    from transformers.utils import get_json_schema
    env = trl_environment(run_dir, write_task.domain)()
    _, domains = load_task_set(run_dir)
    schemas = {s["function"]["name"]: s["function"] for s in domains[write_task.domain].openai_schemas()}
    for name, method in tool_methods(env).items():
        got = get_json_schema(method)["function"]
        want = schemas[name]["parameters"]
        assert got["name"] == name and got["description"].startswith(schemas[name]["description"].strip()[:40])
        assert set(got["parameters"].get("required", [])) == set(want.get("required", []))
        for arg, spec in want["properties"].items():
            mine = got["parameters"]["properties"][arg]
            assert mine["type"] == spec["type"] and mine.get("enum") == spec.get("enum")
            # transformers needs a description per argument: ours, else the argument's name in words
            assert mine.get("description") == (spec.get("description") or arg.replace("_", " "))


def test_reset_never_names_a_record_the_user_does_not_know(run_dir: Path) -> None:
    """The request is said in the user's words: the id of a record the agent must find (the goal's)
    is not handed to the policy unless the user knows it."""
    import re
    from gem_env.integrations.trl_env import request_text
    tasks, _ = load_task_set(run_dir)
    checked = 0
    for task in tasks:
        known = {str(v) for r in task.scenario.session() for v in r.knows.values()}
        for r in task.scenario.session():
            hidden = {i for i in re.findall(r"\b[A-Z]{2,5}-\d{3,}\b", r.goal) if i not in known and i not in (r.intent or "")}
            checked += bool(hidden)
            assert not hidden & set(re.findall(r"\b[A-Z]{2,5}-\d{3,}\b", request_text(task)))
    assert checked, "some goal names a record the user must have found"


def test_a_task_whose_tool_comes_back_mid_conversation_is_no_trl_row(write_task) -> None:
    """One set of methods cannot offer a tool only after the assistant said it cannot (37 of 37
    such refined tasks were offered it from the start and scored 0.0 for using it)."""
    from gem_env.integrations.trl_env import needs_user_turns
    from gem_env.stages.ground.plan import EpisodePlan
    assert not write_task.hides_tools and not needs_user_turns(write_task)
    hidden = write_task.model_copy(update={"plan": EpisodePlan(hidden=[write_task.gold_actions[-1].tool])})
    assert hidden.hides_tools and needs_user_turns(hidden)
