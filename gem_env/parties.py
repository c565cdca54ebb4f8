"""Build the rollout's parties (assistant agent, user simulator) and stage backends from choices.

This is where `gem_env` turns configuration into objects for `agents/` and `simulators/`, which
only ever receive what they need as arguments: a chat function, tool schemas, a policy, a scenario.
"""
from __future__ import annotations

from typing import Any, Callable

from .agents.base import Assistant
from .agents.llm_agent import LLMAgent
from .agents.workflow_agent import WorkflowAgent
from .simulators.base import UserSimulator
from .simulators.llm_user import LLMUser
from .simulators.scripted import ScriptedUser
from .tasks import Task
from .episode import policy_prompt
from .tools import CompiledDomain


def agent_factory(kind: str, client: Any = None, model_name: str | None = None) -> Callable[[CompiledDomain], Assistant]:
    """`workflow` (offline) or `llm` (needs an `LLMClient`)."""
    if kind == "workflow":
        return WorkflowAgent
    if client is None:
        raise ValueError("an LLM agent needs an LLM client")

    async def chat(messages: list, tools: list | None) -> Any:
        reply, _ = await client.chat(messages, tools=tools)
        return reply

    return lambda compiled: LLMAgent(chat, compiled.openai_schemas(), policy_prompt(compiled.domain),
                                     model_name=model_name)


def user_factory(kind: str, *, seed: int = 0, client: Any = None, model_name: str = "",
                 temperature: float = 0.0) -> Callable[[Task], UserSimulator]:
    """`scripted` (offline) or `llm` (needs an `LLMClient`)."""
    if kind == "scripted":
        return lambda task: ScriptedUser(task.scenario, seed=seed)
    if client is None:
        raise ValueError("an LLM user needs an LLM client")

    async def chat(messages: list) -> Any:
        reply, _ = await client.chat(messages)
        return reply

    return lambda task: LLMUser(chat, task.scenario, model_name=model_name, temperature=temperature, seed=seed)
