"""Work a rollout does once and keeps (issue 12, rollouts at 256): the scripted user reads each
assistant message once, verification normalises each text once, the policy prompt is made once
per domain, and none of it changes what comes out."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.llm.toolparse import may_hold_calls, parse_text_tool_calls
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages import verify_text
from gem_env.stages.ground.episode import policy_prompt
from gem_env.stages.ground.rollout import run_rollout
from gem_env.stages.tasks import make_tasks
from gem_env.tools import CompiledDomain, compile_domain, load_domain

SHOP = Path(__file__).resolve().parent / "data" / "rollout_shop.yaml"


@pytest.fixture(scope="module")
def shop() -> CompiledDomain:
    return compile_domain(load_domain(SHOP))


def test_the_scripted_user_reads_each_assistant_message_once_and_replies_as_a_fresh_one(
        shop: CompiledDomain, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks, _ = make_tasks(shop, per_domain=4, seed=3)
    read: list[str] = []
    real = ScriptedUser._keys_in

    def counted(self: ScriptedUser, text: str) -> list[str]:
        read.append(text)
        return real(self, text)
    monkeypatch.setattr(ScriptedUser, "_keys_in", counted)
    for task in tasks:
        read.clear()
        user = ScriptedUser(task.scenario)
        tr = asyncio.run(run_rollout(task, shop, WorkflowAgent(shop), user))
        assert len(read) == len(set(read))  # no assistant text read twice in the whole conversation
        for i, m in enumerate(tr.messages):  # each reply is what a user who kept nothing says
            if m["role"] == "user":
                assert asyncio.run(ScriptedUser(task.scenario).reply(tr.messages[:i])) == m["content"]


def _said_uncached(value: str, text: str) -> bool:
    import re
    needle = verify_text._normalise.__wrapped__(value).strip()
    return bool(needle) and re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)",
                                      verify_text._normalise.__wrapped__(text)) is not None


@pytest.mark.parametrize("value,text", [
    ("1200.5", "The total is 1,200.50 dollars."), ("12", "Order 123 is here."), ("open", "open_card_account"),
    ("gift card", "Paid by Gift  Card."), ("", "anything"), ("A1", "order a1."), ("3.5", "rated 3.50, then 3.5.1"),
])
def test_said_with_kept_normalisation_answers_as_before(value: str, text: str) -> None:
    assert verify_text.said(value, text) == _said_uncached(value, text)
    assert verify_text.said(value, text) == _said_uncached(value, text)  # and again, from the caches


def test_the_policy_prompt_follows_the_domain_not_the_object(shop: CompiledDomain) -> None:
    domain = shop.domain
    before = policy_prompt(domain)
    assert policy_prompt(domain.model_copy(deep=True)) == before
    changed = domain.model_copy(update={"description": "Card services (banking)"})
    assert policy_prompt(changed) != before and "banking service" in policy_prompt(changed)


def test_prose_is_not_parsed_for_calls_and_every_written_form_holds_an_object() -> None:
    assert not may_hold_calls("Your order A1 is pending. Shall I cancel it?") and not may_hold_calls(None)
    for text in ('<tool_call>{"name": "find", "arguments": {}}</tool_call>', 'functions.find: {"a": 1}',
                 '{"name": "find", "arguments": {"a": 1}}', '[{"name": "find", "arguments": {}}]'):
        assert may_hold_calls(text) and parse_text_tool_calls(text, {"find"})[0]
