"""A how-to session happens in the customer's own app, signed in: the assistant is told who they are
and finds their thing without asking for their email (issue 9: 746 of 789 how-to sessions opened
"Got your email handy? It lets me locate your laptop."), and every agent sees the same prompt."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.integrations.trl_env import trl_dataset
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import Limits, policy_prompt
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.refine.operators import refine_task
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, Domain, DomainError, compile_domain, load_domain, parse_domain
from gem_env.tools.signed_in import signed_in_facts, signed_in_line

SHOP = Path(__file__).resolve().parent / "data" / "rollout_shop.yaml"
RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")
TEXT = ("# How to Install an SSD in Your Laptop\n\n"
        "1. Shut down your laptop.\n2. Remove the battery.\n3. Remove the old hard drive.\n"
        "4. Place the SSD in the hard drive slot.\n5. Boot up your laptop.\n")


@pytest.fixture(scope="module")
def ssd() -> CompiledDomain:
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="ssd", title="How to Install an SSD in Your Laptop", text=TEXT), RELEVANT)
    assert isinstance(domain, Domain), domain
    return compile_domain(domain)


def test_the_line_reads_back_as_written() -> None:
    line = signed_in_line({"email": "ben.okafor@example.com", "customer_id": "CUS-1"})
    assert line == "The customer is signed in with the email ben.okafor@example.com and the customer id CUS-1."
    prompt = f"You are a customer support assistant.\n{line}\n\nHow to work:"
    assert signed_in_facts(prompt, ["email", "customer_id", "zip"]) == {"email": "ben.okafor@example.com",
                                                                      "customer_id": "CUS-1"}
    assert signed_in_line({}) == "" and signed_in_facts("You are a customer support assistant.", ["email"]) == {}


def test_a_procedure_on_the_customers_own_thing_is_done_signed_in(ssd: CompiledDomain) -> None:
    assert ssd.domain.signed_in == ["email"]
    tasks, rejected = make_tasks(ssd, per_domain=12, seed=0)
    assert len(tasks) >= 6, rejected
    jobs = [RolloutJob(t, ssd, RefinedAgent(WorkflowAgent(ssd)), ScriptedUser(t.scenario), Limits()) for t in tasks]
    trajectories = asyncio.run(run_rollouts(jobs))
    for task, traj in zip(tasks, trajectories):
        email = task.scenario.knows["email"]
        assert task.scenario.signed_in == {"email": email}
        system = traj.messages[0]["content"]
        assert system == policy_prompt(ssd.domain, task.scenario)
        assert f"Today is Wednesday, January 15, 2025; the time is 12:00.\n" \
               f"The customer is signed in with the email {email}.\n\nHow to work:" in system
        said = [m["content"] for m in traj.messages[1:] if m["role"] in ("user", "assistant") and m.get("content")]
        assert not any(re.search(r"\bemail\b", s, re.I) for s in said), said  # nobody asks for it or gives it
        first = next(c["function"] for m in traj.messages if m["role"] == "assistant" for c in m.get("tool_calls") or [])
        assert first == {"name": "find_ssds_by_email", "arguments": f'{{"email": "{email}"}}'}, first
        # the first reply goes on from nothing: no thanks for a detail, no "Next, I'll ..."
        reply = next(m["content"] for m in traj.messages if m["role"] == "assistant" and m.get("content"))
        assert not re.match(r"(?:Thank|Next|From here|So\b)", reply), reply
        result = verify(task, traj.messages, ssd)
        assert result.passed, [c.name for c in result.checks if not c.passed]


def test_a_session_not_signed_in_says_nothing_of_it(ssd: CompiledDomain) -> None:
    """The domain's prompt alone (a service's, or a caller with no task) has no such line, and the
    offline agent then asks for the email as before."""
    assert "signed in" not in policy_prompt(ssd.domain)
    tasks, _ = make_tasks(ssd, per_domain=3, seed=0)
    task = tasks[0]
    plain = task.model_copy(update={"scenario": task.scenario.model_copy(update={"signed_in": {}})})
    traj = asyncio.run(run_rollouts([RolloutJob(plain, ssd, RefinedAgent(WorkflowAgent(ssd)),
                                                ScriptedUser(plain.scenario), Limits())]))[0]
    assert "signed in" not in traj.messages[0]["content"]
    assert any(re.search(r"\bemail\b", m.get("content") or "") for m in traj.messages if m["role"] == "assistant")
    assert verify(plain, traj.messages, ssd).passed


def test_a_refined_variant_stays_signed_in() -> None:
    """A session's first request made harder is still the signed-in customer's (refinement builds
    its scenario afresh from the request)."""
    shop = compile_domain(load_domain(SHOP).model_copy(update={"signed_in": ["email"]}))
    tasks, _ = make_tasks(shop, per_domain=12, seed=3)
    task = next(t for t in tasks if len(t.scenario.requests) > 1 and t.scenario.signed_in)
    variant, compiled = refine_task(task, shop, ["tool_errors"], siblings=tasks, seed=0)
    assert variant.scenario.signed_in == task.scenario.signed_in
    traj = asyncio.run(run_rollouts([RolloutJob(variant, compiled, RefinedAgent(WorkflowAgent(compiled)),
                                                ScriptedUser(variant.scenario), Limits())]))[0]
    assert f"signed in with the email {task.scenario.signed_in['email']}." in traj.messages[0]["content"]
    assert not any(re.search(r"\bemail\b", m.get("content") or "") for m in traj.messages[1:] if m["role"] != "tool")
    assert verify(variant, traj.messages, compiled).passed


def test_trainer_rows_carry_each_tasks_prompt(ssd: CompiledDomain, tmp_path) -> None:
    tasks, _ = make_tasks(ssd, per_domain=3, seed=0)
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(t.model_dump_json() + "\n" for t in tasks))
    (tmp_path / "domains").mkdir()
    (tmp_path / "domains" / f"{ssd.domain.name}.json").write_text(ssd.domain.to_json())
    rows = trl_dataset(path)
    by_id = {t.id: t for t in tasks}
    assert rows and all(r["prompt"][0]["content"] == policy_prompt(ssd.domain, by_id[r["task_id"]].scenario)
                        and "signed in with the email" in r["prompt"][0]["content"] for r in rows)


def test_the_gym_gives_the_tasks_prompt_and_rewards_the_signed_in_session(ssd: CompiledDomain, tmp_path) -> None:
    import gymnasium as gym

    from gem_env.gym import ENV_ID
    from gem_env.io.taskset import write_task_set
    tasks, _ = make_tasks(ssd, per_domain=3, seed=0)
    write_task_set(tmp_path, tasks, {ssd.domain.name: ssd})
    env = gym.make(ENV_ID, tasks=str(tmp_path)).unwrapped
    task = next(t for t in tasks if t.category == "complete")
    _, info = env.reset(seed=0, options={"task_id": task.id})
    assert info["policy"] == policy_prompt(ssd.domain, task.scenario) == env.messages[0]["content"]
    agent = WorkflowAgent(ssd)
    while True:
        _, reward, terminated, truncated, _ = env.step(asyncio.run(agent.act(env.messages)))
        if terminated or truncated:
            break
    assert reward == 1.0 and not any("email" in (m.get("content") or "") for m in env.messages[1:]
                                     if m["role"] == "assistant")


def test_signed_in_must_name_what_a_workflow_knows(ssd: CompiledDomain) -> None:
    data = ssd.domain.model_dump(by_alias=True, exclude_none=True)
    data["signed_in"] = ["zip"]
    with pytest.raises(DomainError, match=r"signed_in names \['zip'\], which no workflow's `knows` has"):
        parse_domain(data)
    data.pop("signed_in")
    assert '"signed_in"' not in parse_domain(data).to_json()  # no key for a domain without it
