"""Build the assistant and the user simulator of a rollout from a backend choice.

`agents/` and `simulators/` take a chat function, never an endpoint; this is where an `LLMClient`
becomes one.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage

from .agents.base import Assistant
from .agents.llm_agent import AgentChatFn, LLMAgent
from .agents.refined import RefinedAgent
from .agents.workflow_agent import WorkflowAgent
from .stages.ground.episode import policy_prompt
from .llm import LLMClient
from .simulators.base import UserSimulator
from .simulators.llm_user import LLMUser, UserChatFn
from .simulators.refined import RefinedUser
from .simulators.scenario import Scenario
from .simulators.scripted import ScriptedUser
from .stages.tasks import Task
from .tools import CompiledDomain

AgentBackend = Literal["workflow", "llm"]
UserBackend = Literal["scripted", "llm"]


def agent_chat_fn(client: LLMClient) -> AgentChatFn:
    async def chat(messages: list[BaseMessage], tools: Sequence[dict[str, Any]] | None) -> AIMessage:
        reply, _ = await client.chat(messages, tools)
        return reply
    return chat


def user_chat_fn(client: LLMClient) -> UserChatFn:
    async def chat(messages: list[BaseMessage]) -> AIMessage:
        reply, _ = await client.chat(messages)
        return reply
    return chat


def make_agent(backend: AgentBackend, compiled: CompiledDomain, client: LLMClient | None = None, *,
               policy: str | None = None) -> Assistant:
    """A fresh assistant for one episode."""
    if backend == "workflow":
        return RefinedAgent(WorkflowAgent(compiled))  # + follow-up requests, retries, missing tools
    if client is None:
        raise ValueError("the llm agent needs an LLMClient")
    return LLMAgent(agent_chat_fn(client), compiled.openai_schemas(),
                    policy if policy is not None else policy_prompt(compiled.domain), model_name=client.cfg.model)


def make_user(backend: UserBackend, scenario: Scenario, client: LLMClient | None = None, *,
              seed: int = 0) -> UserSimulator:
    """A fresh user simulator for one episode."""
    if backend == "scripted":
        return ScriptedUser(scenario, seed=seed)
    if client is None:
        raise ValueError("the llm user needs an LLMClient")
    return LLMUser(user_chat_fn(client), scenario, model_name=client.cfg.model,
                   temperature=client.cfg.temperature, seed=client.cfg.seed)


def make_task_user(backend: UserBackend, task: Task, client: LLMClient | None = None, *,
                   seed: int = 0) -> UserSimulator:
    """A fresh user simulator for one episode of `task`; a refined task's user also brings its
    follow-up requests and asks the assistant to retry once a missing tool is back."""
    first = make_user(backend, task.scenario, client, seed=seed)
    plan = task.plan
    if not task.followups and not (plan is not None and plan.hidden):
        return first
    return RefinedUser(first, task.followups,
                       lambda scenario, n: make_user(backend, scenario, client, seed=seed + n),
                       retry_on_cannot=plan is not None and bool(plan.hidden), seed=seed)
