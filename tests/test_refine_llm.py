"""Refinement with an LLM, against the local test server: the LLM agent is offered only the
current turn's tools (a missing function appears once it is back); `paraphrase` rewrites the
user's turns and keeps every value, or the variant is rejected with the reason."""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from gem_env.backends import make_agent, make_task_user
from gem_env.cli import main
from gem_env.io.taskset import load_task_set
from gem_env.llm.client import LLMClient, LLMConfig
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import run_rollout
from gem_env.stages.ground.usage import EpisodeUsage
from gem_env.stages.refine.base import NotApplicable
from gem_env.stages.refine.operators import parse_recipes, refine_task
from gem_env.stages.refine.paraphrase import turn_problems
from gem_env.stages.tasks import Task
from gem_env.stages.verify_text import said
from gem_env.tools.render import render
from gem_env.simulators.scenario import STOP
from gem_env.testing import FakeOpenAIServer, JSONReply, Reply, Text, ToolCall, ToolCalls
from gem_env.tools import CompiledDomain

ROOT = Path(__file__).resolve().parents[1]
CANNOT = "I'm sorry, I can't do that right now: the function I need isn't available to me yet."


@pytest.fixture(scope="module")
def taskset(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Task], dict[str, CompiledDomain]]:
    out = tmp_path_factory.mktemp("refine_llm") / "base"
    # every bank page: a change of mind is of a value (an amount, a limit), never a reason, and the
    # first pages' requests change only reasons and statuses
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out)]) == 0
    return load_task_set(out)


def refined_variant(taskset: Any, recipe: str) -> tuple[Task, CompiledDomain]:
    tasks, domains = taskset
    for task in tasks:
        try:
            return refine_task(task, domains[task.domain], parse_recipes(recipe)[0],
                               siblings=[t for t in tasks if t.domain == task.domain], seed=0)
        except NotApplicable:
            continue
    raise AssertionError(f"no task takes {recipe}")


def _offered(body: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in body.get("tools") or []}


ASK = "I can do that now. Shall I go ahead?"


def model_that_waits_for(task: Task, compiled: CompiledDomain) -> Any:
    """A scripted model: while the missing tool is not offered it says it cannot; once offered,
    it makes the gold calls one per turn, asking the customer's yes before the first change, then
    tells the results."""
    hidden = set(task.plan.hidden)

    def reply(body: dict[str, Any]) -> Reply:
        if not hidden <= _offered(body):
            return Text(CANNOT)
        made = sum(1 for m in body["messages"] if m["role"] == "assistant" and m.get("tool_calls"))
        if made < len(task.gold_actions):
            action = task.gold_actions[made]
            asked = any(m["role"] == "assistant" and m.get("content") == ASK for m in body["messages"])
            if compiled.tools[action.tool].writes and not asked:
                return Text(ASK)
            return ToolCalls([ToolCall(action.tool, action.arguments)])
        return Text("Done: " + "; ".join(task.required_outputs.values()) + ".")
    return reply


@pytest.fixture
def episode_server(taskset: Any) -> Iterator[tuple[FakeOpenAIServer, Task, CompiledDomain]]:
    task, compiled = refined_variant(taskset, "miss_func")
    with FakeOpenAIServer(model_that_waits_for(task, compiled)) as server:
        yield server, task, compiled


async def test_llm_agent_is_offered_the_turns_tools(episode_server: Any) -> None:
    server, task, compiled = episode_server
    client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=0, timeout=5))
    usage = EpisodeUsage()
    try:
        agent = make_agent("llm", compiled, client, usage=usage)
        traj = await run_rollout(task, compiled, agent, make_task_user("scripted", task, seed=1),
                                 limits=Limits(max_turns=12), usage=usage)
    finally:
        await client.aclose()
    offered = [_offered(body) for body in server.requests]
    hidden = set(task.plan.hidden)
    assert offered[0] and not hidden & offered[0], "the missing tool was offered before it appeared"
    assert hidden <= offered[-1] and set(compiled.tools) == offered[-1]
    assert traj.verification.passed, (traj.verification.failed, traj.messages)
    assert "no_absent_tool_called" in {c.name for c in traj.verification.checks}


@asynccontextmanager
async def llm_user(task: Task, says: str) -> AsyncIterator[tuple[Any, FakeOpenAIServer]]:
    """`task`'s user played by a model that always `says` the same (the local test server)."""
    with FakeOpenAIServer(lambda body: Text(says)) as server:
        client = LLMClient(LLMConfig(model="fake", base_url=server.base_url, max_retries=0, timeout=5))
        try:
            yield make_task_user("llm", task, client, seed=1), server
        finally:
            await client.aclose()


async def test_an_llm_user_changes_its_mind_as_the_scripted_one_does(taskset: Any) -> None:
    """The change of mind is the refined user's line whoever plays the user: at the first asking
    the model is not asked; at the next, it answers."""
    task, _ = refined_variant(taskset, "change_of_mind")
    (change,) = task.plan.changes
    async with llm_user(task, "Yes, please go ahead.") as (user, server):
        chat = [{"role": "system", "content": "policy"}, {"role": "user", "content": "Hi, I need a change."},
                {"role": "assistant", "content": "I'll make that change for you. Shall I go ahead?"}]
        changed = await user.reply(chat)
        # a value as it is ("make the limit $3,000 instead"), a reason in the user's own words
        from gem_env.tools.reasons import says_reason
        assert ("instead" in changed and said(render(change.wanted), changed)
                or says_reason(changed, render(change.wanted))) and not server.requests, changed
        again = await user.reply([*chat, {"role": "user", "content": changed},
                                  {"role": "assistant", "content": "Of course, I'll do that instead. Shall I go ahead?"}])
    assert again == "Yes, please go ahead." and len(server.requests) == 1


async def test_an_llm_user_gives_a_slipped_detail_right_as_the_scripted_one_does(taskset: Any) -> None:
    task, _ = refined_variant(taskset, "wrong_detail")
    (mistake,) = task.plan.mistakes
    async with llm_user(task, "Thanks.") as (user, server):
        again = await user.reply([
            {"role": "system", "content": "policy"}, {"role": "user", "content": f"It's {mistake.said}."},
            {"role": "assistant", "content": f"I couldn't find anything under {mistake.said}. Could you check it?"}])
    assert mistake.right in again and mistake.said not in again and not server.requests, again


# ------------------------------------------------------------------ paraphrase


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("paraphrase") / "base"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out), "--limit", "1",
                 "--quiet"]) == 0
    return out


def _customer_turns(body: dict[str, Any]) -> list[str]:
    """The customer's messages of the transcript the paraphrase prompt shows."""
    text = next(m["content"] for m in body["messages"] if m["content"].startswith("The conversation"))
    lines = json.loads(text[text.index("\n") + 1:])
    return [line["customer"] for line in lines if "customer" in line]


def rewrite(turns: list[str]) -> list[str]:
    """A rewrite that keeps every value: a new voice around the same words."""
    return [f"Honestly, {t[:1].lower()}{t[1:]}" for t in turns]


def drop_a_value(turns: list[str]) -> list[str]:
    """A rewrite that loses who the customer is: their email address (or, for one found by name,
    their zip code)."""
    return [re.sub(r"\b\d{5}\b", "my usual code", re.sub(r"\S+@\S+", "my usual address", t)) for t in turns]


def paraphrase_with(tmp_path: Path, base_run: Path, reply: Any) -> tuple[Path, FakeOpenAIServer]:
    out = tmp_path / "para"
    with FakeOpenAIServer(reply) as server:
        assert main(["refine", str(base_run), "--out", str(out), "--ops", "paraphrase", "--quiet", "--model", "fake",
                     "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "0"]) == 0
    return out, server


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open()]


def test_paraphrase_rewrites_user_turns_and_verifies_again(tmp_path: Path, base_run: Path) -> None:
    out, server = paraphrase_with(tmp_path, base_run, lambda body: JSONReply({"turns": rewrite(_customer_turns(body))}))
    got = _records(out / "trajectories.jsonl")
    assert got and server.requests
    parents = {t["task"]["id"]: t for t in _records(base_run / "trajectories.jsonl")}
    for t in got:
        assert t["task"]["category"] == "paraphrase" and t["verification"]["passed"]
        users = [m["content"] for m in t["messages"] if m["role"] == "user"]
        assert all(u.startswith("Honestly, ") for u in users)
        parent = parents[t["task"]["parent_id"]]
        def acts(messages: list[dict]) -> list:  # the calls and replies the rewrite must leave alone
            return [(m["role"], m.get("tool_calls"), m["content"] if m["role"] == "tool" else None)
                    for m in messages if m["role"] in ("tool", "system") or m.get("tool_calls")]
        mine = acts(t["messages"])  # a session parent's first request: the head of its calls
        assert mine == acts(parent["messages"])[:len(mine)] and len(mine) > 1
        assert users[-1].endswith(STOP) and t["meta"]["paraphrase"]["model"] == "fake"
    assert main(["verify", str(out)]) == 0


def test_a_rewrite_that_drops_a_value_is_rejected_with_its_reason(tmp_path: Path, base_run: Path) -> None:
    out, server = paraphrase_with(tmp_path, base_run,
                                  lambda body: JSONReply({"turns": drop_a_value(_customer_turns(body))}))
    rejected = [r for r in _records(out / "rejected.jsonl") if r["category"] == "paraphrase"]
    dropped = [r for r in rejected if re.search(r"drops the (?:email|zip)", r["reason"])]
    assert dropped and not (out / "trajectories.jsonl").read_text().strip()
    assert len(server.requests) == 2 * len(rejected)  # asked once more with the error, then rejected
    assert re.search(r"drops the (?:email|zip)", server.requests[1]["messages"][-1]["content"])


def test_a_reply_that_is_not_json_is_rejected(tmp_path: Path, base_run: Path) -> None:
    out, _ = paraphrase_with(tmp_path, base_run, lambda body: Text("Sure! Here is the rewrite: hello there"))
    rejected = [r for r in _records(out / "rejected.jsonl") if r["category"] == "paraphrase"]
    assert rejected and all("rewrite was rejected" in r["reason"] for r in rejected)
    assert not (out / "trajectories.jsonl").read_text().strip()


def test_rewrite_checks_name_what_changed() -> None:
    values = {"email": "ana@example.com", "card_id": "CRD-12345"}
    original = ["Hi, my email is ana@example.com.", "Yes, please."]
    assert turn_problems(original, ["Hey there, ana@example.com here.", "Sure, go ahead."], values) is None
    assert "got 1" in turn_problems(original, ["one"], values)
    assert "message 2 adds the card id 'CRD-12345'" in turn_problems(original, [original[0], "Yes, CRD-12345."], values)


def test_paraphrase_needs_a_model(base_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["refine", str(base_run), "--out", str(tmp_path / "x"), "--ops", "chain+paraphrase"]) == 2
    assert "needs an LLM" in capsys.readouterr().err


def test_synthesize_refine_slot_records_paraphrase_without_a_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out), "--limit", "1",
                 "--quiet", "--refine", "paraphrase"]) == 0
    rejected = [r for r in _records(out / "rejected.jsonl") if r.get("category") == "paraphrase"]
    assert rejected and all("needs an LLM backend" in r["reason"] for r in rejected)
    assert not any(t.get("parent_id") for t in _records(out / "tasks.jsonl"))


# ------------------------------------------------------------------ paraphrase_agent


def _agent_turns(body: dict[str, Any]) -> list[str]:
    """The agent's messages of the transcript the assistant-side prompt shows."""
    text = next(m["content"] for m in body["messages"] if m["content"].startswith("The conversation"))
    lines = json.loads(text[text.index("\n") + 1:])
    return [line["agent"] for line in lines if "agent" in line]


def _assistant_said(t: dict[str, Any]) -> list[str]:
    return [m["content"] for m in t["messages"] if m["role"] == "assistant" and not m.get("tool_calls")]


def agent_paraphrase_with(tmp_path: Path, base_run: Path, reply: Any) -> tuple[Path, FakeOpenAIServer]:
    out = tmp_path / "para_agent"
    with FakeOpenAIServer(reply) as server:
        assert main(["refine", str(base_run), "--out", str(out), "--ops", "paraphrase_agent", "--quiet", "--model",
                     "fake", "--base-url", server.base_url, "--cache-dir", "", "--llm-retries", "0"]) == 0
    return out, server


def test_paraphrase_agent_rewrites_the_assistant_and_verifies_again(tmp_path: Path, base_run: Path) -> None:
    out, server = agent_paraphrase_with(
        tmp_path, base_run, lambda body: JSONReply({"turns": [f"Right then. {t}" for t in _agent_turns(body)]}))
    got = _records(out / "trajectories.jsonl")
    assert got and server.requests
    for t in got:
        assert t["verification"]["passed"] and t["meta"]["paraphrase_agent"]["rewritten"], t["meta"]
        assert all(s.startswith("Right then. ") for s in _assistant_said(t))
        assert not any(u.startswith("Right then") for u in (m["content"] for m in t["messages"] if m["role"] == "user"))
    assert main(["verify", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["by_recipe"]["paraphrase_agent"]["assistant_turns_kept"] == 0


def test_an_agent_rewrite_that_drops_a_value_is_rejected_and_the_original_kept(tmp_path: Path, base_run: Path) -> None:
    """A rewrite that no longer says the record's id (a required value, said after its source) is
    re-asked with the error, then not used: the original turns stay and the variant is kept."""
    def drop(body: dict[str, Any]) -> Reply:
        return JSONReply({"turns": [re.sub(r"\b[A-Z]{2,}-\d+\b", "that one", t) for t in _agent_turns(body)]})
    out, server = agent_paraphrase_with(tmp_path, base_run, drop)
    got = _records(out / "trajectories.jsonl")
    assert got
    for t in got:
        meta = t["meta"]["paraphrase_agent"]
        assert not meta["rewritten"] and meta["outcome"].startswith("original kept: ") and "drops the" in meta["outcome"]
        assert t["verification"]["passed"] and not any("that one" in s for s in _assistant_said(t))
    assert len(server.requests) == 2 * len(got)  # asked once more with the error
    assert "drops the" in server.requests[1]["messages"][-1]["content"]


def test_an_agent_rewrite_that_is_not_json_keeps_the_original(tmp_path: Path, base_run: Path) -> None:
    out, _ = agent_paraphrase_with(tmp_path, base_run, lambda body: Text("Sure! Here is a friendlier version."))
    got = _records(out / "trajectories.jsonl")
    assert got and all(not t["meta"]["paraphrase_agent"]["rewritten"] for t in got)
    assert all("rewrite was rejected" in t["meta"]["paraphrase_agent"]["outcome"] for t in got)
    # counted apart: a verified variant whose assistant turns were not rewritten is no paraphrase
    group = json.loads((out / "manifest.json").read_text())["by_recipe"]["paraphrase_agent"]
    assert group["assistant_turns_kept"] == group["verified"] == len(got)


def test_agent_rewrite_checks_name_what_changed() -> None:
    from gem_env.stages.refine.paraphrase_agent import turn_problems as agent_problems
    values = {"card_id": "CRD-12345", "value 5500": "5500"}
    original = ["What's your card ID?", "Your new limit is $5,500 on card CRD-12345."]
    assert agent_problems(original, ["Which card ID is it?", "Card CRD-12345 now has a $5,500 limit."], values,
                          ["bank_limits"]) is None
    said = agent_problems(original, ["Give me the card ID.", "Done for CRD-12345 via update_limit in bank_limits."],
                          values, ["bank_limits"])
    assert "message 1 no longer asks" in said and "drops the value 5500" in said
    assert "names internals: bank_limits, update_limit" in said
