"""The tool-use environment: one episode per task, stepped one assistant message at a time.

`AsyncToolUseEnv` is the core (`await reset()`, `await step()`) for RL frameworks that run many
episodes in one event loop; `ToolUseEnv` is the `gymnasium.Env` over it. Both drive the same
`Episode` as the LangGraph rollout, so a step here is a turn there.

API
- `reset(seed=None, options={"task_id": ...})` picks the task by id, else draws one with
  `np_random`; the observation is the user's opening message. `info`: `task_id`, `domain`,
  `category`, `tools` (OpenAI function schemas; read-only), `policy` (the system prompt), `source`,
  `tools_now` (the schemas of the tools the assistant has on this turn: a refined task may hide one
  until the assistant says it cannot do that; every step's `info` has it too).
- `step(action)`: the assistant's next message, a dict or JSON string (`{"content": ...,
  "tool_calls": [{"name": ..., "arguments": {...}}]}` or the full OpenAI form). With tool calls
  the observation is a JSON list of the tool messages (`{"role": "tool", "tool_call_id", "content"}`)
  and `info["source"] == "tool"`; without, it is the user's reply and `info["source"] == "user"`.
- Reward: 0.0 until the episode ends, then 1.0 if `verify` accepts the conversation, else 0.0;
  `info["verification"]` has every check. `terminated`: the user stopped, or the episode was cut
  for consecutive tool errors or invalid actions; `truncated`: the turn limit (or the user
  simulator failed). `info["termination"]` says which.
- Bad actions never raise and never touch the sandbox. An action that is not a message (malformed
  JSON, no tool name, an empty message) returns an `{"error": ...}` observation with
  `info["source"] == "env"` and `info["error"]`, reward 0, and is not recorded; `max_invalid_actions`
  of them in a row end the episode. Unknown tools and wrong argument types are tool calls like any
  other: the sandbox answers with an error tool message. An action after the episode ended
  returns the same kind of error observation with the final `terminated`/`truncated` flags and no
  change of state (friendlier to loops and vector envs than raising); `step` before any `reset`
  raises `gymnasium.error.ResetNeeded`.
"""
from __future__ import annotations

import asyncio
import atexit
import dataclasses
import json
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium.error import ResetNeeded
from gymnasium.utils import seeding

from ..stages.ground.episode import Episode
from ..llm import LLMClient, LLMConfig
from ..backends import make_task_user
from ..simulators.base import UserSimulator
from ..stages.tasks import Task
from ..io.taskset import load_task_set
from ..tools import CompiledDomain
from ..stages.verify import verify
from .actions import ActionError, one_call, parse_action
from .spaces import DEFAULT_MAX_LENGTH, JSONText

T = TypeVar("T")
StepResult = tuple[str, float, bool, bool, dict[str, Any]]
UserFactory = Callable[[Task, int], UserSimulator]
"""Builds the user simulator of one episode from its task and a seed drawn from `np_random`."""

TERMINATED = frozenset({"user_stop", "tool_errors", "agent_error", "loop"})
ENDED_ERROR = "the episode has ended; call reset() to start a new one"


@lru_cache(maxsize=8)
def _cached_task_set(path: str, mtime: float) -> tuple[list[Task], dict[str, CompiledDomain]]:
    return load_task_set(path)


def _task_set(tasks: str | Path | list[Task], domains: dict[str, CompiledDomain] | None
              ) -> tuple[list[Task], dict[str, CompiledDomain]]:
    """Tasks and domains from a path (cached per process: many envs share one compiled copy)."""
    if isinstance(tasks, (str, Path)):
        path = Path(tasks).resolve()
        file = path / "tasks.jsonl" if path.is_dir() else path
        return _cached_task_set(str(path), file.stat().st_mtime if file.exists() else 0.0)
    tasks = list(tasks)
    if domains is None:
        raise ValueError("give `domains` (compiled, by name) with a list of tasks")
    missing = sorted({t.domain for t in tasks} - set(domains))
    if missing:
        raise ValueError(f"no compiled domain for {', '.join(missing)}")
    return tasks, dict(domains)


def _user_factory(user: str | UserFactory, user_llm: LLMConfig | dict[str, Any] | None) -> UserFactory:
    if callable(user):
        return user
    if user == "scripted":
        return lambda task, seed: make_task_user("scripted", task, seed=seed)
    if user == "llm":
        if user_llm is None:
            raise ValueError("user='llm' needs user_llm (an LLMConfig or its fields, e.g. {'model': ...})")
        cfg = user_llm if isinstance(user_llm, LLMConfig) else LLMConfig(**user_llm)
        client = LLMClient(cfg)
        return lambda task, seed: make_task_user("llm", task, client)
    raise ValueError(f"user must be 'scripted', 'llm' or a factory, not {user!r}")


def _tool_union(domains: dict[str, CompiledDomain]) -> list[dict[str, Any]]:
    """Every distinct tool schema of the domains, in domain-name order (a tool that several domains
    share with the same schema appears once). Compared as dicts: no JSON encoding per env."""
    union: list[dict[str, Any]] = []
    by_name: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(domains):
        for schema in domains[name].openai_schemas():
            same_name = by_name.setdefault(schema["function"]["name"], [])
            if schema not in same_name:
                same_name.append(schema)
                union.append(schema)
    return union


def _error(message: str) -> str:
    return json.dumps({"error": message}, ensure_ascii=False)


_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str

_OBSERVED: dict[tuple[str, str], str] = {}
"""One tool message's observation (`[{"role": "tool", "tool_call_id": ..., "content": ...}]`) by
(call id, reply): a reply kept by `tools.read_cache` or `tools.write_memo` comes back as the same
text step after step, under the same few call ids, and writing it (every '"' of its JSON escaped,
~3 ns a character, then the whole text copied) costs more than finding it. Bounded by
`_OBSERVED_MAX` entries of replies of at most `_OBSERVED_MAX_CHARS` characters (emptied when full)."""
_OBSERVED_MAX = 2048
_OBSERVED_MAX_CHARS = 4096


def _observed(call_id: str, content: str) -> str:
    """`json.dumps([{"role": "tool", "tool_call_id": call_id, "content": content}], ensure_ascii=False)`."""
    key = (call_id, content)
    got = _OBSERVED.get(key)
    if got is None:
        got = f'[{{"role": "tool", "tool_call_id": {_string(call_id)}, "content": {_string(content)}}}]'
        if len(content) <= _OBSERVED_MAX_CHARS:
            if len(_OBSERVED) >= _OBSERVED_MAX:
                _OBSERVED.clear()
            _OBSERVED[key] = got
    return got


def _tool_observation(replies: list[dict[str, Any]]) -> str:
    """`json.dumps(replies, ensure_ascii=False)` of the step's tool messages, written directly: their
    keys are fixed and their values strings (the content is the tool's reply text as it is)."""
    if len(replies) == 1:  # most steps make one call
        r = replies[0]
        return _observed(r["tool_call_id"], r["content"])
    return "[" + ", ".join(_observed(r["tool_call_id"], r["content"])[1:-1] for r in replies) + "]"


class AsyncToolUseEnv:
    """The environment's core, with coroutine `reset` and `step` (see the module docstring).

    `tasks` is a run directory, a tasks.jsonl path, or a list of tasks with their compiled
    `domains`. `user` is "scripted", "llm" (with `user_llm`: an `LLMConfig` or its fields) or a
    factory `(task, seed) -> UserSimulator`.
    """

    def __init__(self, tasks: str | Path | list[Task], *, domains: dict[str, CompiledDomain] | None = None,
                 user: str | UserFactory = "scripted", user_llm: LLMConfig | dict[str, Any] | None = None,
                 max_turns: int = 30, max_tool_errors: int = 5, max_invalid_actions: int = 3,
                 max_observation_length: int = DEFAULT_MAX_LENGTH):
        self.tasks, self.domains = _task_set(tasks, domains)
        if not self.tasks:
            raise ValueError("the task set is empty")
        for compiled in self.domains.values():  # each tool's plan built here, not in the first episodes
            compiled.warm()
        self.by_id = {t.id: t for t in self.tasks}
        self.nondeterministic = user == "llm"
        self._make_user = _user_factory(user, user_llm)
        self.max_turns = max_turns
        self.max_tool_errors = max_tool_errors
        self.max_invalid_actions = max_invalid_actions
        self.action_space = JSONText(max_observation_length, tools=_tool_union(self.domains))
        self.observation_space = JSONText(max_observation_length)
        self._clip_at = self.observation_space.max_length
        """Observations longer than this are clipped (read by every step: the space's own field is
        one object further)."""
        self._tools = {name: d.openai_schemas() for name, d in self.domains.items()}
        self._np_random: np.random.Generator | None = None
        self._np_random_seed: int | None = None
        self.episode: Episode | None = None
        self._invalid = 0
        self._final: dict[str, Any] = {}

    # ------------------------------------------------------------ seeding

    @property
    def np_random(self) -> np.random.Generator:
        if self._np_random is None:
            self._np_random, self._np_random_seed = seeding.np_random()
        return self._np_random

    @np_random.setter
    def np_random(self, value: np.random.Generator) -> None:
        self._np_random, self._np_random_seed = value, -1

    # ------------------------------------------------------------ state

    @property
    def task(self) -> Task | None:
        return self.episode.task if self.episode is not None else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation so far in OpenAI format (system, user, assistant, tool); read-only."""
        return self.episode.messages if self.episode is not None else []

    # ------------------------------------------------------------ reset

    async def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
                    ) -> tuple[str, dict[str, Any]]:
        task = self._begin(seed, options)
        opening = await self.episode.start()  # type: ignore[union-attr]
        return self._after_reset(task, opening)

    def _begin(self, seed: int | None, options: dict[str, Any] | None) -> Task:
        if seed is not None:
            self._np_random, self._np_random_seed = seeding.np_random(seed)
        rng = self.np_random
        task_id = (options or {}).get("task_id")
        if task_id is not None:
            if task_id not in self.by_id:
                raise ValueError(f"unknown task_id {task_id!r}")
            task = self.by_id[task_id]
        else:
            task = self.tasks[int(rng.integers(len(self.tasks)))]
        user = self._make_user(task, int(rng.integers(2**31)))
        self.close()
        self.episode = Episode(task, self.domains[task.domain], user, max_turns=self.max_turns,
                               max_tool_errors=self.max_tool_errors)
        self._invalid = 0
        self._final = {}
        return task

    def _after_reset(self, task: Task, opening: str) -> tuple[str, dict[str, Any]]:
        info: dict[str, Any] = {"task_id": task.id, "domain": task.domain, "category": task.category,
                                "tools": self._tools[task.domain], "policy": self.episode.policy,  # type: ignore[union-attr]
                                "source": "user", "tools_now": self.episode.current_tools()}  # type: ignore[union-attr]
        if self.episode.done:  # type: ignore[union-attr]  # the user simulator failed to open
            info.update(self._end_info())
        return self._clip(opening, info), info

    # ------------------------------------------------------------ step

    async def step(self, action: Any) -> StepResult:
        result = self._act(action)
        return result if result is not None else await self._user_reply()

    def _act(self, action: Any) -> StepResult | None:
        """Everything of a step up to the user's reply; None when the user is to speak next."""
        ep = self.episode
        if ep is None:
            raise ResetNeeded("call reset() before step()")
        if ep.termination is not None:  # done (read directly: this is every step's path)
            return self._refuse(ENDED_ERROR)
        parts = one_call(action)
        if parts is not None and parts[1] not in ep.call_ids:  # most steps: one call, read in place
            self._invalid = 0
            obs = _observed(parts[1], ep.execute_one(*parts))
            if ep.termination is None and len(obs) <= self._clip_at:  # `_finish`'s usual case inline
                return obs, 0.0, False, False, {"source": "tool", "turn": ep.turns, "tools_now": ep.current_tools()}
            return self._finish(obs, "tool")
        try:
            replies = ep.execute_normal(parse_action(action, used_ids=ep.call_ids))
        except (ActionError, ValueError) as err:
            self._invalid += 1
            if self._invalid >= self.max_invalid_actions:
                ep.fail("agent_error", f"{self._invalid} invalid actions in a row; last: {err}")
                return self._finish(_error(str(err)), "env", {"error": str(err)})
            return _error(str(err)), 0.0, False, False, {"source": "env", "error": str(err), "turn": ep.turns}
        self._invalid = 0
        if replies:
            return self._finish(_tool_observation(replies), "tool")
        if ep.termination is not None:  # the message itself ended the episode (it went round in circles)
            return self._finish(_error(ep.error or f"the episode has ended ({ep.termination})"), "env")
        return None

    async def _user_reply(self) -> StepResult:
        text = await self.episode.user_turn()  # type: ignore[union-attr]
        return self._finish(text, "user")

    def _finish(self, obs: str, source: str, extra: dict[str, Any] | None = None) -> StepResult:
        ep = self.episode
        assert ep is not None
        info: dict[str, Any] = {"source": source, "turn": ep.turns, "tools_now": ep.current_tools()}
        if extra:
            info.update(extra)
        if ep.termination is None:
            if len(obs) > self._clip_at:
                obs = self._clip(obs, info)
            return obs, 0.0, False, False, info
        info.update(self._end_info())
        terminated = ep.termination in TERMINATED
        return self._clip(obs, info), float(info["verification"]["passed"]), terminated, not terminated, info

    def _end_info(self) -> dict[str, Any]:
        """Verify the finished episode once; later calls reuse the verdict."""
        ep = self.episode
        assert ep is not None and ep.done
        if not self._final:
            verification = verify(ep.task, ep.messages, self.domains[ep.task.domain])
            self._final = {"task_id": ep.task.id, "termination": ep.termination,
                           "verification": verification.model_dump(mode="json")}
            if ep.error is not None:
                self._final["error"] = ep.error
        return json.loads(json.dumps(self._final))  # a fresh copy: callers keep infos

    def _refuse(self, message: str) -> StepResult:
        ep = self.episode
        assert ep is not None
        terminated = ep.termination in TERMINATED
        return _error(message), 0.0, terminated, not terminated, {"source": "env", "error": message,
                                                                   "turn": ep.turns}

    def _clip(self, obs: str, info: dict[str, Any]) -> str:
        limit = self._clip_at
        if len(obs) <= limit:
            return obs
        info["clipped_from"] = len(obs)
        marker = f"...[clipped {len(obs) - limit} characters]"
        return obs[: limit - len(marker)] + marker

    def render(self) -> str:
        """The conversation as text, one message per line."""
        lines = []
        for m in self.messages[1:]:
            calls = " ".join(f"{c['function']['name']}({c['function']['arguments']})" for c in m.get("tool_calls", ()))
            lines.append(f"{m['role']}: {(m.get('content') or '')} {calls}".rstrip())
        return "\n".join(lines)

    def close(self) -> None:
        if self.episode is not None:
            self.episode.close()


# ---------------------------------------------------------------- the sync layer


_local = threading.local()
_loops: list[asyncio.AbstractEventLoop] = []
_offthread: list[ThreadPoolExecutor] = []


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop for sync environments: one per thread, not one per environment
    (a loop holds file descriptors; a thousand environments must not hold a thousand loops)."""
    loop = getattr(_local, "loop", None)
    if loop is None:
        loop = _local.loop = asyncio.new_event_loop()
        _loops.append(loop)
    return loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, also when an event loop is already running
    in this thread (a notebook, an async test): then on a helper thread with its own loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _thread_loop().run_until_complete(coro)
    if not _offthread:
        _offthread.append(ThreadPoolExecutor(1, thread_name_prefix="gem-env-sync"))
    return _offthread[0].submit(lambda: _thread_loop().run_until_complete(coro)).result()


@atexit.register
def _close_loops() -> None:
    for pool in _offthread:
        pool.shutdown(wait=False)
    for loop in _loops:
        if not loop.is_running():
            loop.close()


class ToolUseEnv(gym.Env[str, str]):
    """`gymnasium.Env` over `AsyncToolUseEnv` (same arguments; see the module docstring).

    Registered as `gem_env/ToolUse-v0`. A step with tool calls runs without an event loop; the
    user's turns and resets run on this thread's loop.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(self, tasks: str | Path | list[Task], render_mode: str | None = None, **kwargs: Any):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', not {render_mode!r}")
        self.render_mode = render_mode
        self.core = AsyncToolUseEnv(tasks, **kwargs)
        self.action_space = self.core.action_space
        self.observation_space = self.core.observation_space
        self._spec: gym.envs.registration.EnvSpec | None = None

    # gymnasium reads and writes the generator through `_np_random`: keep the core's the only one
    @property  # type: ignore[override]
    def _np_random(self) -> np.random.Generator | None:
        return self.core._np_random

    @_np_random.setter
    def _np_random(self, value: np.random.Generator | None) -> None:
        self.core._np_random = value

    @property  # type: ignore[override]
    def _np_random_seed(self) -> int | None:
        return self.core._np_random_seed

    @_np_random_seed.setter
    def _np_random_seed(self, value: int | None) -> None:
        self.core._np_random_seed = value

    @property  # type: ignore[override]
    def spec(self) -> gym.envs.registration.EnvSpec | None:
        return self._spec

    @spec.setter
    def spec(self, value: gym.envs.registration.EnvSpec | None) -> None:
        """`gym.make` sets the spec after construction: an LLM user makes it nondeterministic."""
        if value is not None and self.core.nondeterministic and not value.nondeterministic:
            value = dataclasses.replace(value, nondeterministic=True)
        self._spec = value

    @property
    def task(self) -> Task | None:
        return self.core.task

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.core.messages

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[str, dict[str, Any]]:
        return run_sync(self.core.reset(seed=seed, options=options))

    def step(self, action: Any) -> StepResult:
        result = self.core._act(action)
        return result if result is not None else run_sync(self.core._user_reply())

    def render(self) -> str | None:
        return self.core.render() if self.render_mode == "ansi" else None

    def close(self) -> None:
        self.core.close()
