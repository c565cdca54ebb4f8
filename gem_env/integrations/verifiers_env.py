"""A `verifiers` environment over a task set: ``load_environment(tasks=RUN)``.

Install with ``pip install 'gem-env[verifiers]'`` (``verifiers`` 0.2.x; no torch). Each dataset row
is one task: the prompt is the domain's policy and the user's opening, ``info`` holds the task id
and the domain's tools (``tool_defs``, so one environment can mix domains). A rollout drives the
same `Episode` as `gem synthesize`, `gem eval` and the gym env: the model's tool calls run in the
episode's own sandbox, and when the model speaks to the user the user simulator (the offline
scripted user by default) answers, until the user stops or a limit is hit. The reward is `verify`:
1.0 when every check passes, else 0.0; ``state["gem_verification"]`` keeps every check.

Run it against any OpenAI-compatible endpoint with verifiers' own client, e.g.::

    env = load_environment(tasks="runs/demo")
    client = OpenAIChatCompletionsClient(AsyncOpenAI(base_url="http://127.0.0.1:8000/v1", api_key="-"))
    results = await env.evaluate(client, model="my-model", num_examples=10)
"""
from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any, Callable

import verifiers as vf
from datasets import Dataset
from verifiers.types import ToolMessage, UserMessage

from ..backends import make_task_user
from ..io.taskset import load_task_set
from ..simulators.base import UserSimulator
from ..stages.ground.episode import Episode, policy_prompt
from ..stages.tasks import Task
from ..stages.verify import verify
from ..tools import CompiledDomain

UserFactory = Callable[[Task], UserSimulator]


def scripted_user(seed: int = 0) -> UserFactory:
    """The offline scripted user, seeded as `gem synthesize --seed` seeds it (so a rollout with the
    workflow agent replays the synthesis run's conversation)."""
    return lambda task: make_task_user("scripted", task, seed=seed)


def _run(coro: Any) -> Any:
    """Run a coroutine to completion from sync code, also when an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", asyncio.run(coro)))
    thread.start()
    thread.join()
    return box["value"]


def _content(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return "".join(part.get("text", "") if isinstance(part, dict) else getattr(part, "text", "") for part in value)


def to_openai(message: Any) -> dict[str, Any]:
    """An OpenAI message dict from a verifiers message (a pydantic model or a dict)."""
    m = message.model_dump() if hasattr(message, "model_dump") else dict(message)
    out: dict[str, Any] = {"role": m["role"], "content": _content(m.get("content"))}
    calls = []
    for c in m.get("tool_calls") or []:
        fn = c.get("function") or c
        calls.append({"id": c.get("id"), "type": "function",
                      "function": {"name": fn.get("name"), "arguments": fn.get("arguments") or "{}"}})
    if calls:
        out["tool_calls"] = calls
    return out


def build_dataset(tasks: list[Task], domains: dict[str, CompiledDomain], make_user: UserFactory) -> Dataset:
    """One row per task: prompt (policy + the user's opening) and info (task id, tool defs)."""
    rows = []
    for task in tasks:
        compiled = domains[task.domain]
        system = {"role": "system", "content": policy_prompt(compiled.domain, task.scenario)}
        opening = _run(make_user(task).reply([system]))
        tools = [{"name": s["function"]["name"], "description": s["function"].get("description", ""),
                  "parameters": s["function"].get("parameters") or {"type": "object", "properties": {}}}
                 for s in compiled.openai_schemas()]
        rows.append({"prompt": [system, {"role": "user", "content": opening}],
                     "info": json.dumps({"task_id": task.id, "domain": task.domain, "tool_defs": tools})})
    return Dataset.from_list(rows)


class GemToolUseEnv(vf.MultiTurnEnv):
    """User simulator ⇄ model ⇄ sandbox, one `Episode` per rollout, rewarded by `verify`."""

    def __init__(self, tasks: list[Task], domains: dict[str, CompiledDomain], *, make_user: UserFactory,
                 max_turns: int = 30, max_tool_errors: int = 5, **kwargs: Any) -> None:
        self.gem_tasks = {t.id: t for t in tasks}
        self.gem_domains = domains
        self.make_user = make_user
        self.max_tool_errors = max_tool_errors
        dataset = build_dataset(tasks, domains, make_user)
        rubric = vf.Rubric(funcs=[self.verified], weights=[1.0])
        super().__init__(dataset=dataset, eval_dataset=dataset, rubric=rubric, max_turns=max_turns * 2, **kwargs)
        self.episode_turns = max_turns

    async def setup_state(self, state: vf.State) -> vf.State:
        info = state["info"] if isinstance(state["info"], dict) else json.loads(state["info"])
        task = self.gem_tasks[info["task_id"]]
        episode = Episode(task, self.gem_domains[task.domain], self.make_user(task),
                          max_turns=self.episode_turns, max_tool_errors=self.max_tool_errors)
        episode.messages.append(to_openai(state["prompt"][-1]))  # the opening the prompt already holds
        state["gem_episode"] = episode
        return state

    async def env_response(self, messages: vf.Messages, state: vf.State, **kwargs: Any) -> vf.Messages:
        episode: Episode = state["gem_episode"]
        try:
            replies = episode.execute(to_openai(messages[-1]))
        except ValueError as err:
            episode.fail("agent_error", err)
            out: vf.Messages = [UserMessage(content=f"(the assistant's message was not valid: {err})")]
        else:
            if replies:
                out = [ToolMessage(tool_call_id=r["tool_call_id"], content=r["content"]) for r in replies]
            else:
                out = [UserMessage(content=await episode.user_turn())]
        if episode.done:
            state["final_env_response"] = out
        return out

    async def verified(self, state: vf.State, **kwargs: Any) -> float:
        """The reward: 1.0 when `verify` accepts the conversation."""
        episode: Episode | None = state.get("gem_episode")
        if episode is None:
            return 0.0
        report = verify(episode.task, episode.messages, self.gem_domains[episode.task.domain])
        state["gem_verification"] = report.model_dump(mode="json")
        episode.close()
        return float(report.passed)


def load_environment(tasks: str | Path = "runs/demo", *, domain: str | None = None, limit: int | None = None,
                     max_turns: int = 30, max_tool_errors: int = 5, seed: int = 0,
                     make_user: UserFactory | None = None, **kwargs: Any) -> GemToolUseEnv:
    """The environment over a run directory or tasks.jsonl (optionally one domain, the first ``limit``
    tasks). ``make_user`` builds each rollout's user simulator (default: the scripted user with ``seed``)."""
    all_tasks, domains = load_task_set(tasks)
    # a row carries one tool list: a refined task whose tool comes back mid-conversation is left out
    chosen = [t for t in all_tasks if (domain is None or t.domain == domain) and not t.hides_tools][:limit]
    if not chosen:
        raise ValueError(f"{tasks}: no tasks" + (f" for domain {domain!r}" if domain else "")
                         + " (refined tasks whose tool comes back mid-conversation are left out)")
    used = {t.domain for t in chosen}
    return GemToolUseEnv(chosen, {n: d for n, d in domains.items() if n in used},
                         make_user=make_user or scripted_user(seed),
                         max_turns=max_turns, max_tool_errors=max_tool_errors, **kwargs)
