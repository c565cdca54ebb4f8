"""A how-to's steps are done by the few acts an app agent has, each taking what it acts on in the
guide's words (`click(setting_id, target="Troubleshooting Information")`), not by one tool per
sentence taking only the record's id (`click_on_troubleshoot_information {setting_id}`); the
sandbox still checks the procedure: a call that is not its next step is refused as data."""
from __future__ import annotations

import asyncio
import json

import pytest

from gem_env.agents.explain import what_steps_change
from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import Limits, policy_prompt
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, Domain, compile_domain
from gem_env.tools.expr_values import VALUE_FUNCTIONS

RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")
TEXT = ("How to Reset Browser Settings - Firefox\n"
        "1. Open Firefox.\n"
        "2. Click the Firefox menu button.\n"
        "3. Click on Troubleshooting Information.\n"
        "4. Press the Reset Firefox button.\n"
        "5. Squeeze the stress ball while it resets.\n"
        "6. Confirm the reset of your browser settings.\n")


@pytest.fixture(scope="module")
def firefox() -> CompiledDomain:
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="firefox", title="How to Reset Browser Settings - Firefox", text=TEXT), RELEVANT)
    assert isinstance(domain, Domain), domain
    return compile_domain(domain)


def _record(compiled: CompiledDomain) -> tuple[object, str, str]:
    """A sandbox, the record's key and a record the workflow may run on (a task's)."""
    pk = compiled.domain.entities[0].primary_key
    tasks, _ = make_tasks(compiled, per_domain=3, seed=0)
    rid = next(a.arguments[pk] for t in tasks if t.kind == "write" for a in t.gold_actions if pk in a.arguments)
    return compiled.new_sandbox(), pk, rid


def test_the_steps_are_a_few_acts_taking_what_they_act_on(firefox: CompiledDomain) -> None:
    wf = firefox.domain.workflows[0]
    steps = [(s.tool, {k: a.const for k, a in s.args.items() if a.const is not None}) for s in wf.steps[1:]]
    assert steps == [("open_app", {"target": "Firefox"}), ("click", {"target": "Firefox menu button"}),
                     ("click", {"target": "Troubleshooting Information"}), ("click", {"target": "Reset Firefox button"}),
                     ("do_step", {"step": "squeeze the stress ball"}),  # (when it is done: no part of the act)
                     ("do_step", {"step": "confirm the reset of your browser settings"})], steps
    pk = firefox.domain.entities[0].primary_key
    acts = [t for t in firefox.domain.tools if t.name in {"open_app", "click", "do_step"}]
    assert len(acts) == 3 and all([p.name for p in t.parameters][0] == pk and len(t.parameters) == 2 for t in acts)
    assert not [t.name for t in firefox.domain.tools if [p.name for p in t.parameters] == [pk]
                and not t.name.startswith("get_")]  # (was a tool per sentence: click_on_troubleshoot_information)


def test_a_call_that_is_not_the_next_step_is_refused_and_changes_nothing(firefox: CompiledDomain) -> None:
    sandbox, pk, rid = _record(firefox)
    table = firefox.domain.entities[0].name
    before = sandbox.dump()[table][rid]
    out = json.loads(sandbox.call("click", {pk: rid, "target": "Firefox menu button"}).content)
    assert out == {"error": "There is no 'Firefox menu button' to click at this point."}  # Firefox is not open yet
    out = json.loads(sandbox.call("open_app", {pk: rid, "target": "Chrome"}).content)
    assert out == {"error": "There is no 'Chrome' to open at this point."}
    assert sandbox.dump()[table][rid] == before
    # the target in other case and punctuation is the same step
    out = json.loads(sandbox.call("open_app", {pk: rid, "target": "firefox."}).content)
    assert out["progress"] == "open Firefox", out
    out = json.loads(sandbox.call("do_step", {pk: rid, "step": "squeeze the stress ball"}).content)
    assert out == {"error": "'squeeze the stress ball' is not the next step at this point."}
    for target in ("Firefox menu button", "Troubleshooting Information", "reset firefox button"):
        assert "error" not in json.loads(sandbox.call("click", {pk: rid, "target": target}).content)
    for step in ("Squeeze the stress ball!", "confirm the reset of your browser settings"):
        out = json.loads(sandbox.call("do_step", {pk: rid, "step": step}).content)
    assert out["status"] != before["status"] and out["progress"] == "confirm the reset of your browser settings"


def test_the_sessions_replay_and_are_accepted(firefox: CompiledDomain) -> None:
    tasks, _ = make_tasks(firefox, per_domain=3, seed=0)
    assert tasks
    jobs = [RolloutJob(t, firefox, RefinedAgent(WorkflowAgent(firefox)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    trajectories = asyncio.run(run_rollouts(jobs))
    assert all(verify(t, traj.messages, firefox).passed for t, traj in zip(tasks, trajectories))
    said = " ".join(m.get("content") or "" for traj in trajectories for m in traj.messages if m["role"] == "assistant")
    assert "target" not in said  # the step's own words are not read back as a value the customer gave


def test_the_assistant_says_the_steps_from_the_calls(firefox: CompiledDomain) -> None:
    pk = firefox.domain.entities[0].primary_key
    wf = firefox.domain.workflows[0]
    calls = [(firefox.tools[s.tool].spec.effect, {pk: "SET-1", **{k: a.const for k, a in s.args.items()
                                                                  if a.const is not None}}) for s in wf.steps[1:4]]
    assert what_steps_change(calls) == ("For your setting, I'll open Firefox, click the Firefox menu button and "
                                        "click on Troubleshooting Information.")


def test_the_prompt_carries_the_guides_steps(firefox: CompiledDomain) -> None:
    prompt = policy_prompt(firefox.domain)
    assert prompt.endswith("The guide's steps, in order:\n1. Open Firefox.\n2. Click the Firefox menu button.\n"
                           "3. Click on Troubleshooting Information.\n4. Press the Reset Firefox button.\n"
                           "5. Squeeze the stress ball while it resets.\n"
                           "6. Confirm the reset of your browser settings."), prompt


def test_plain_compares_words_without_case_or_punctuation() -> None:
    plain = VALUE_FUNCTIONS["plain"]
    assert plain("Press the Reset Firefox..") == plain("press THE reset firefox") == "press the reset firefox"
    assert plain("Modify icons in EXE/DLL") == "modify icons in exe dll"


def test_a_step_the_lexicon_has_no_verb_for_is_still_an_act_but_a_clause_is_none() -> None:
    """"Hook up controller" (no verb the lexicon knows) is done as the text says it; a clause the
    text splits into a step ("The same patterns can filter the list") is no instruction to pass to
    `do_step` (the assistant said "I'll the same patterns can filter the list"); one after a lead-in
    ("When the file is all saved, click ...") is."""
    from gem_env.stages.extract.procedure_tools import said_step
    assert said_step("Hook up controller.") == "hook up controller"
    assert said_step("Wait.") == "wait"
    assert said_step("The same patterns can filter the list.") is None
    assert said_step("Sonic will ask the other members to find them.") is None
    # an instruction after when or in which case it is done is the instruction
    assert said_step("When the file is all saved, click on the \"Open\" button.") == "click on the Open button"


def test_a_request_done_by_one_act_is_said_by_its_topic_not_the_acts_name() -> None:
    """A guide of one step done by `do_step` was confirmed "I'll do the step." (99 Debian sessions at
    seed 0): the act's name says nothing of the request, so its topic or first sentence is said."""
    from gem_env.agents.actions import action
    goal = "the shell prompt: suppose your hostname is foo, the login prompt looks as follows (hostname {hostname_id})"
    assert action(goal, "do_step", {"hostname_id": "HOS-1"}) == "take care of the shell prompt"
    assert action("Squeeze the front brakes (stoppie {stoppie_id})", "do_step", {"stoppie_id": "S-1"}) != "do the step"
