"""What the scripted agent works out of texts that do not change between replies (a tool's rule,
a lookup's field names, its own earlier messages) is worked out once, not at every reply: its
Python between two env steps is what the gym's agent-driven step rate pays for."""
from __future__ import annotations

from gem_env.agents.lookup import _field_said, named_fields
from gem_env.agents.prechecks import expression, parsed
from gem_env.agents.workflow_agent import _settled


def test_a_rule_is_compiled_once() -> None:
    rule = "account_row.status == 'active' and account_row.balance_due > 0"
    assert expression(rule) is expression(rule) and parsed(rule) is parsed(rule)
    assert expression(rule)({"account_row": {"status": "active", "balance_due": 3}}, None) is True


def test_a_fields_pattern_is_built_once_and_still_reads_when() -> None:
    """"When was my order placed?" names `placed_on`; without "when" the verb alone does not."""
    asked = "when was my order placed?"
    assert named_fields(["status", "placed_on"], asked) == ["placed_on"]
    built = _field_said.cache_info().misses
    assert named_fields(["status", "placed_on"], asked) == ["placed_on"]
    assert _field_said.cache_info().misses == built
    assert named_fields(["status", "placed_on"], "was my order placed?") == []


def test_whether_a_message_settled_a_request_is_read_once() -> None:
    said = "You're all set. Anything else I can help with?"
    assert _settled(said, False)
    before = _settled.cache_info().hits
    assert _settled(said, False) and _settled.cache_info().hits == before + 1


def test_a_request_is_recognised_once(monkeypatch) -> None:
    """Which workflow a request asks for is read once per text, not at every reply of its request."""
    from gem_env.agents import workflow_agent
    from gem_env.agents.workflow_agent import WorkflowAgent
    from test_recalled_records import _domain
    agent = WorkflowAgent(_domain("telecom/add-a-line.md"))
    read = []
    monkeypatch.setattr(workflow_agent, "content_words", lambda text, _read=workflow_agent.content_words:
                        read.append(text) or _read(text))
    asked = "Hi, I'd like to request a payment plan for my bill because of hardship."
    plan = agent.recognise(asked)
    assert plan is not None and agent.recognise(asked) is plan and len(read) == 1


def test_a_requests_opening_and_question_are_read_once(monkeypatch) -> None:
    """The values a request's opening gives for its goal, and the question it asks of a record,
    are read once per text, not at every reply of the request."""
    from gem_env.agents import workflow_agent
    from gem_env.agents.workflow_agent import WorkflowAgent
    from test_recalled_records import _domain
    agent = WorkflowAgent(_domain("telecom/add-a-line.md"))
    read: list[str] = []
    for name in ("goal_values", "recognise_lookup"):
        monkeypatch.setattr(workflow_agent, name, lambda text, *rest, _fn=getattr(workflow_agent, name), _name=name:
                            read.append(_name) or _fn(text, *rest))
    goal = "Request a payment plan for bill {bill_id} because of {reason}."
    opening = "I'd like a payment plan for my bill because of hardship."
    said = agent._goal_said(goal, opening, {})
    assert agent._goal_said(goal, opening, {}) == said and read == ["goal_values"]
    asked = "What's the status of my line?"
    assert agent._lookup_asked(asked) is agent._lookup_asked(asked) and read == ["goal_values", "recognise_lookup"]
