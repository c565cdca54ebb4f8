"""A how-to procedure as the offline agent carries it out (wikiHow "support the ACLU": go to the
website, click the tab, send the letter): its steps are done after the user's yes, in order."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gem_env.agents.refined import RefinedAgent
from gem_env.agents.understanding import asks_confirmation
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, Domain, compile_domain

_FIND = {"find": "messages", "as": "message", "where": {"message_id": "message_id"}, "error": "No message with that id"}
_ID = [{"name": "message_id", "type": "string"}]


def _step(name: str, description: str, progress: str, after: str) -> dict[str, Any]:
    return {"name": name, "description": description, "kind": "write", "parameters": _ID,
            "effect": [_FIND, {"require": f"message.progress == '{after}'", "message": "Out of order"},
                       {"update": "messages", "row": "message", "set": {"progress": f"'{progress}'"}},
                       {"return": {"message_id": "message.message_id", "progress": "message.progress"}}]}


DOMAIN = {
    "name": "aclu", "description": "How to support the ACLU", "clock": "2025-01-15T12:00:00", "seed": 3,
    "entities": [{"name": "messages", "primary_key": "message_id", "rows": 12, "fields": [
        {"name": "message_id", "type": "string", "faker": {"provider": "bothify", "args": {"text": "MES-#####"}}},
        {"name": "owner_email", "type": "string", "faker": {"provider": "email"}},
        {"name": "status", "type": "string", "values": ["active", "closed"], "weights": [5, 1]},
        {"name": "progress", "type": "string", "values": ["not started"]}]}],
    "tools": [
        {"name": "get_message", "description": "Look up a message by its id.", "parameters": _ID,
         "effect": [_FIND, {"return": {"message_id": "message.message_id", "owner_email": "message.owner_email",
                                       "status": "message.status", "progress": "message.progress"}}]},
        {"name": "go_aclu_website", "description": "Go to the ACLU website.", "parameters": _ID,
         "effect": [_FIND, {"return": {"message_id": "message.message_id", "status": "message.status"}}]},
        _step("click_on_action_tab", 'Click on the "Take Action" tab.', "click on action tab", "not started"),
        {"name": "send_letter", "description": "Send a letter to members of Congress.", "kind": "write",
         "parameters": _ID,
         "effect": [_FIND, {"require": "message.status != 'closed'", "message": "This message is closed"},
                    {"update": "messages", "row": "message", "set": {"status": "'sent'"}},
                    {"return": {"message_id": "message.message_id", "status": "message.status"}}]}],
    "workflows": [
        {"name": "send_letter", "goal": "support the ACLU (message {message_id})",
         "anchor": {"table": "messages", "filter": "row.status == 'active'"},
         "knows": {"message_id": "row.message_id", "email": "row.owner_email"},
         "steps": [{"tool": "go_aclu_website", "args": {"message_id": {"user": "message_id"}}, "as": "r1"},
                   {"tool": "click_on_action_tab", "args": {"message_id": {"user": "message_id"}}, "as": "r2"},
                   {"tool": "send_letter", "args": {"message_id": {"user": "message_id"}}, "as": "r3"}],
         "tells": {"status": "r3.status"}}]}


@pytest.fixture(scope="module")
def aclu() -> CompiledDomain:
    return compile_domain(Domain.model_validate(DOMAIN))


def _calls(messages: list[dict[str, Any]]) -> list[str]:
    return [c["function"]["name"] for m in messages for c in m.get("tool_calls") or []]


def test_a_step_that_reads_waits_for_the_yes_and_the_record_is_looked_up_instead(aclu: CompiledDomain) -> None:
    """"Go to the ACLU website." is a step of the procedure the tools read by: it was done before the
    user was asked, in about half of the how-to write tasks. The confirmation reads the record with its
    lookup; the step comes first among the steps once the user says yes, and every session verifies."""
    tasks, rejected = make_tasks(aclu, per_domain=12, seed=5)
    assert tasks, rejected
    jobs = [RolloutJob(t, aclu, RefinedAgent(WorkflowAgent(aclu)), ScriptedUser(t.scenario), Limits()) for t in tasks]
    procedures = 0
    for task, traj in zip(tasks, asyncio.run(run_rollouts(jobs))):
        assert verify(task, traj.messages, aclu).passed, task.id
        asked = next((i for i, m in enumerate(traj.messages) if m["role"] == "assistant"
                      and asks_confirmation(m.get("content") or "")), None)
        if asked is None:
            continue
        assert "go_aclu_website" not in _calls(traj.messages[:asked]), task.id
        assert "get_message" in _calls(traj.messages[:asked]), task.id
        after = _calls(traj.messages[asked:])
        if "click_on_action_tab" in after:
            procedures += 1
            assert after.index("go_aclu_website") < after.index("click_on_action_tab")
    assert procedures


def _message_read(opening: str) -> list[dict[str, Any]]:
    """The conversation up to the reply of `get_message` for MES-12345, after the user's `opening`."""
    get = {"name": "get_message", "arguments": '{"message_id": "MES-12345"}'}
    row = '{"message_id": "MES-12345", "owner_email": "a@example.com", "status": "active", "progress": "not started"}'
    return [{"role": "system", "content": "policy"}, {"role": "user", "content": opening},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_0", "type": "function", "function": get}]},
            {"role": "tool", "tool_call_id": "call_0", "content": row}]


def test_what_the_change_does_is_the_whole_procedure_not_its_first_step(aclu: CompiledDomain) -> None:
    """"What exactly will that change?" was answered with the first write alone ('On your jambox,
    the step "click system preference" will be marked as done.'): it is what all the steps do."""
    agent = WorkflowAgent(aclu)
    messages = _message_read("I'd like to support the ACLU. My message id is MES-12345.")
    asked = agent.reply(messages)
    assert asks_confirmation(asked["content"]) and not asked.get("tool_calls")
    messages += [asked, {"role": "user", "content": "Before you do, what exactly will that change?"}]
    told = agent.reply(messages)["content"]
    assert told.startswith("For your message, I'll click on action tab. Your message will then be sent."), told


def test_a_record_an_earlier_request_read_is_not_looked_up_again_for_the_confirmation(aclu: CompiledDomain) -> None:
    """The status asked first, then the procedure: the message read for the first request, which
    nothing has changed since, is what the confirmation reads; it was looked up again."""
    agent = WorkflowAgent(aclu)
    messages = _message_read("What's the status of my message? It's MES-12345.") + [
        {"role": "assistant", "content": "I have message MES-12345 here. It's active. Anything else?"},
        {"role": "user", "content": "Could you help me support the ACLU? It's message MES-12345."}]
    asked = agent.reply(messages)
    assert not asked.get("tool_calls") and asks_confirmation(asked["content"]), asked


def test_a_cumulative_list_is_said_as_what_each_step_adds() -> None:
    """OpenPI's "Teach a Dog Catch a Frisbee" repeats every earlier step inside each step; the guide
    told the first step again three times. Each step is what it adds, at its place in the text."""
    from gem_env.stages.extract.steps import procedure_steps
    first = "Bend over slightly and hold the frisbee in your hand."
    text = (f"How to Teach a Dog Catch a Frisbee\n1. {first}\n2. {first} Teach running and grabbing.\n"
            f"3. {first} Teach running and grabbing. Teach jumping and grabbing.\n")
    steps, _ = procedure_steps(text)
    assert [s.text for s in steps] == [first, "Teach running and grabbing.", "Teach jumping and grabbing."]
    for s in steps:
        assert text[s.start:s.start + len(s.text)] == s.text
    # the cheer at its end is no step ("You got a VS Seeker!")
    got = "1. Fly to Vermillion City.\n2. Fly to Vermillion City. Talk to the lady.\n" \
          "3. Fly to Vermillion City. Talk to the lady. You got a VS Seeker!\n"
    from gem_env.stages.extract.steps import is_outcome
    assert [s.text for s in procedure_steps(got)[0] if not is_outcome(s)] == ["Fly to Vermillion City.", "Talk to the lady."]
    # a step that only begins like the one before it, not with it whole, stays as it is
    steps, _ = procedure_steps("1. Open the lid.\n2. Open the lid gently again and look in.\n")
    assert [s.text for s in steps][1].startswith("Open the lid gently")
