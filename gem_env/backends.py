"""Build the assistant and the user simulator of a rollout from a backend choice.

`agents/` and `simulators/` take a chat function, never an endpoint; this is where an `LLMClient`
becomes one, and where each reply's cost is counted into the episode's `EpisodeUsage` (agents and
simulators count nothing themselves). An endpoint that stops answering is remembered there too.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage

from .agents.base import Assistant
from .agents.llm_agent import AgentChatFn, LLMAgent, PlainChatFn
from .agents.refined import RefinedAgent
from .agents.workflow_agent import WorkflowAgent
from .stages.ground.episode import policy_prompt
from .llm import LLMClient
from .llm.plain_chat import PlainChat
from .llm.errors import LLMUnavailable
from .stages.ground.loops import is_infrastructure
from .stages.ground.usage import EpisodeUsage
from .simulators.base import UserSimulator
from .simulators.llm_user import LLMUser, UserChatFn
from .simulators.refined import RefinedUser
from .simulators.phrases import said_value
from .simulators.scenario import Scenario, humanize
from .simulators.scripted import ScriptedUser
from .stages.tasks import Task
from .tools import CompiledDomain

AgentBackend = Literal["workflow", "llm"]
UserBackend = Literal["scripted", "llm"]


async def _counted(call: Callable[..., Awaitable[Any]], role: str, usage: EpisodeUsage | None, *args: Any) -> Any:
    """``call(*args)``'s reply (an `LLMClient` chat method's), its cost counted into ``usage``;
    None when it returns None (it sent nothing)."""
    try:
        got = await call(*args)
    except LLMUnavailable as err:
        if usage is not None:
            usage.add(role, err.usage)  # what the failed request cost counts too
            # (a conversation grown past the model's context is this episode's end, not an outage)
            if usage.outage is None and is_infrastructure(err):
                usage.outage = err
        raise
    if got is None:
        return None
    reply, cost = got
    if usage is not None:
        usage.add(role, cost)
    return reply


def agent_chat_fn(client: LLMClient, usage: EpisodeUsage | None = None) -> AgentChatFn:
    async def chat(messages: list[BaseMessage], tools: Sequence[dict[str, Any]] | None) -> AIMessage:
        return await _counted(client.chat, "agent", usage, messages, tools)
    return chat


def agent_plain_chat_fn(client: LLMClient, policy: str, usage: EpisodeUsage | None = None) -> PlainChatFn:
    """One conversation's plain path (`LLMClient.chat_plain`), counted like `agent_chat_fn`."""
    return PlainChat(partial(_counted, client.chat_plain, "agent", usage), policy)


def user_chat_fn(client: LLMClient, usage: EpisodeUsage | None = None) -> UserChatFn:
    async def chat(messages: list[BaseMessage]) -> AIMessage:
        return await _counted(client.chat, "user", usage, messages)
    return chat


def make_agent(backend: AgentBackend, compiled: CompiledDomain, client: LLMClient | None = None, *,
               policy: str | None = None, usage: EpisodeUsage | None = None) -> Assistant:
    """A fresh assistant for one episode; its LLM calls are counted into `usage`. An LLM agent is
    prompted with the conversation's system message (the episode's: the task's prompt); `policy`,
    else the domain's prompt, serves a conversation that has none."""
    if backend == "workflow":
        return RefinedAgent(WorkflowAgent(compiled))  # + follow-up requests, retries, missing tools
    if client is None:
        raise ValueError("the llm agent needs an LLMClient")
    policy = policy if policy is not None else policy_prompt(compiled.domain)
    return LLMAgent(agent_chat_fn(client, usage), compiled.openai_schemas(), policy, model_name=client.cfg.model,
                    plain_chat_fn=agent_plain_chat_fn(client, policy, usage))


def make_user(backend: UserBackend, scenario: Scenario, client: LLMClient | None = None, *,
              seed: int = 0, usage: EpisodeUsage | None = None, voice: str = "",
              continuing: bool = False) -> UserSimulator:
    """A fresh user simulator for one episode; its LLM calls are counted into `usage`. `voice`
    (a task id) gives the scripted user its own wording when two tasks share a scenario;
    `continuing`: it brings a later request of a chat under way (no greeting, no email again)."""
    if backend == "scripted":
        return ScriptedUser(scenario, seed=seed, voice=voice, continuing=continuing)
    if client is None:
        raise ValueError("the llm user needs an LLMClient")
    return LLMUser(user_chat_fn(client, usage), scenario, model_name=client.cfg.model,
                   temperature=client.cfg.temperature, seed=client.cfg.seed)


def make_task_user(backend: UserBackend, task: Task, client: LLMClient | None = None, *,
                   seed: int = 0, usage: EpisodeUsage | None = None) -> UserSimulator:
    """A fresh user simulator for one episode of `task`; a refined task's user also brings its
    follow-up requests, asks the assistant to retry once a missing tool is back, and changes a
    value when first asked to confirm (`EpisodePlan.changes`)."""
    first = make_user(backend, task.scenario, client, seed=seed, usage=usage, voice=task.id)
    plan = task.plan
    if not task.followups and not (plan is not None and (plan.hidden or plan.changes or plan.mistakes)):
        return first
    corrected = [humanize(c.key.removeprefix("new_")) for c in plan.corrections] if plan is not None else []
    changes = [(humanize(c.key.removeprefix("new_")), said_value(c.key, c.wanted))
               for c in plan.changes] if plan is not None else []
    corrections = [(humanize(m.key), m.right) for m in plan.mistakes] if plan is not None else []
    return RefinedUser(first, task.followups,
                       lambda scenario, n: make_user(backend, scenario, client, seed=seed + n, usage=usage,
                                                     continuing=True),
                       retry_on_cannot=plan is not None and bool(plan.hidden), changes=changes,
                       corrections=corrections, corrected=corrected, seed=seed)
