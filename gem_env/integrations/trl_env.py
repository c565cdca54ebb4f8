"""A TRL-style environment over a task set: ``GRPOTrainer(environment_factory=...)``.

TRL's contract: the trainer makes one instance per rollout with no arguments, calls
``reset(**row)`` with the dataset row and appends the returned text to the prompt, exposes every
public method with type hints and a Google-style docstring as a tool the model may call, and leaves
the reward to reward functions, which receive the environments (``env.get_reward()``).

``trl_environment(RUN, domain=...)`` builds that class for one domain (a class has one fixed set of
tool methods, and domains differ in their tools): one typed method per domain tool, generated from
its JSON schema, each running the call through the same `Episode` as the gym env and the rollouts.
``trl_dataset(RUN, domain=...)`` gives the matching rows (``prompt`` and ``task_id``).

There are no user turns inside TRL's tool loop, so ``reset`` states the whole request at once: the
user's goal(s) and everything the user knows; tasks judged on the user's replies (a declined
confirmation, a question of which record) are left out. ``get_reward(completion=None)`` replays the episode
through `verify` and returns 1.0 when every check passes except ``ended_by_user`` and
``confirmed_before_write`` (no simulated user closes a TRL rollout or answers a confirmation: the
request given at reset is the go-ahead); pass the model's final answer as ``completion`` so that the facts a read task
must tell can be checked.
"""
from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Literal, Optional

from ..errors import GemError
from ..backends import make_task_user
from ..io.taskset import load_task_set
from ..simulators.scenario import humanize
from ..stages.ground.episode import Episode
from ..stages.tasks import Task
from ..stages.verify import verify
from ..tools import CompiledDomain

UNCHECKED = frozenset({"ended_by_user", "confirmed_before_write"})
RESERVED = frozenset({"reset", "get_reward", "close"})
_JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool, "object": dict}


def python_type(schema: dict[str, Any]) -> Any:
    """The annotation TRL (via transformers' ``get_json_schema``) turns back into this JSON schema."""
    if schema.get("enum"):
        return Literal[tuple(schema["enum"])]
    if schema.get("type") == "array":
        return list[python_type(schema.get("items") or {"type": "string"})]
    return _JSON_TYPES.get(schema.get("type", "string"), str)


def request_text(task: Task) -> str:
    """The user's whole session in one message: each request in the user's words (its `intent`:
    never the id of a record the agent must find, which the goal names) and the facts the user knows."""
    parts = []
    for request in task.scenario.session():
        facts = "; ".join(f"{humanize(k)}: {v}" for k, v in request.knows.items())
        parts.append(f"{(request.intent or request.goal).rstrip('.')}." + (f" Details: {facts}." if facts else ""))
    return " ".join(parts) if len(parts) == 1 else " ".join(f"({i}) {p}" for i, p in enumerate(parts, 1))


def needs_user_turns(task: Task) -> bool:
    """Tasks that verification judges on the user's replies (a declined confirmation, a question
    of which record), or whose tools change between turns (`Task.hides_tools`): they cannot be
    played in TRL's loop, which has no user turns and one set of methods."""
    return bool(task.declines or task.ambiguities or task.hides_tools)


def _docstring(fn: dict[str, Any]) -> str:
    props = (fn.get("parameters") or {}).get("properties", {})
    args = "".join(f"\n    {name}: {(p.get('description') or humanize(name)).strip()}" for name, p in props.items())
    head = (fn.get("description") or humanize(fn["name"])).strip()
    return head + (f"\n\nArgs:{args}" if args else "") + "\n\nReturns:\n    The tool's result or error, as JSON."


def _tool_method(tool: str, fn: dict[str, Any]) -> Any:
    """A method ``(self, <typed params>) -> str`` that calls ``tool`` in this episode's sandbox."""
    params = fn.get("parameters") or {}
    required = set(params.get("required", []))
    sig_params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {}
    ordered = sorted(params.get("properties", {}).items(), key=lambda kv: kv[0] not in required)
    for name, schema in ordered:
        hint = python_type(schema)
        if name not in required:
            hint = Optional[hint]
        annotations[name] = hint
        sig_params.append(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            default=inspect.Parameter.empty if name in required else None,
                                            annotation=hint))
    annotations["return"] = str

    def method(self: "GemTRLEnvironment", *args: Any, **kwargs: Any) -> str:
        bound = method.__signature__.bind(self, *args, **kwargs)
        arguments = {k: v for k, v in bound.arguments.items() if k != "self" and v is not None}
        return self._call(tool, arguments)

    method.__name__ = method.__qualname__ = fn["name"] if fn["name"] not in RESERVED else f"tool_{fn['name']}"
    method.__doc__ = _docstring(fn)
    method.__signature__ = inspect.Signature(sig_params, return_annotation=str)  # type: ignore[attr-defined]
    method.__annotations__ = annotations
    return method


class GemTRLEnvironment:
    """The base of the generated classes: episode bookkeeping, ``reset`` and ``get_reward``."""

    tasks: dict[str, Task] = {}
    compiled: CompiledDomain
    max_tool_errors: int = 5

    def __init__(self) -> None:
        self._episode: Episode | None = None

    def reset(self, **row: Any) -> str:
        """Start the task the dataset row names (``task_id``; the first task when absent)."""
        task_id = row.get("task_id")
        if task_id is None:
            task = next(iter(self.tasks.values()))
        elif task_id in self.tasks:
            task = self.tasks[task_id]
        else:
            raise ValueError(f"unknown task_id {task_id!r} for domain {self.compiled.domain.name}")
        if self._episode is not None:
            self._episode.close()
        user = make_task_user("scripted", task, seed=task.seed)
        self._episode = Episode(task, self.compiled, user, max_turns=10**6, max_tool_errors=self.max_tool_errors)
        text = request_text(task)
        self._episode.messages.append({"role": "user", "content": text})
        return text

    def _call(self, tool: str, arguments: dict[str, Any]) -> str:
        if self._episode is None:
            return json.dumps({"error": "call reset() before using the tools"})
        if self._episode.done:
            return json.dumps({"error": f"the episode has ended ({self._episode.termination})"})
        call = {"function": {"name": tool, "arguments": arguments}}
        replies = self._episode.execute({"content": None, "tool_calls": [call]})
        return replies[0]["content"]

    def get_reward(self, completion: str | None = None) -> float:
        """1.0 when the episode passes verification (all checks but `UNCHECKED`), else 0.0."""
        if self._episode is None:
            return 0.0
        messages = list(self._episode.messages)
        if completion:
            messages.append({"role": "assistant", "content": completion})
        report = verify(self._episode.task, messages, self.compiled)
        return float(all(c.passed for c in report.checks if c.name not in UNCHECKED))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The episode so far (OpenAI format), for logging."""
        return list(self._episode.messages) if self._episode else []


def _domain_tasks(tasks: str | Path, domain: str | None) -> tuple[list[Task], CompiledDomain]:
    all_tasks, compiled = load_task_set(tasks)
    if domain is None:
        if len(compiled) != 1:
            raise GemError(f"{tasks} holds {len(compiled)} domains; choose one with domain= "
                           f"({', '.join(sorted(compiled)[:10])})")
        domain = next(iter(compiled))
    if domain not in compiled:
        raise GemError(f"{tasks} has no tasks for domain {domain!r}")
    return [t for t in all_tasks if t.domain == domain and not needs_user_turns(t)], compiled[domain]


def trl_environment(tasks: str | Path, domain: str | None = None, *, max_tool_errors: int = 5) -> type[GemTRLEnvironment]:
    """A class for ``GRPOTrainer(environment_factory=...)`` with one typed method per tool of ``domain``."""
    chosen, compiled = _domain_tasks(tasks, domain)
    methods: dict[str, Any] = {}
    for schema in compiled.openai_schemas():
        fn = schema["function"]
        method = _tool_method(fn["name"], fn)
        methods[method.__name__] = method
    name = "GemEnv_" + "".join(ch if ch.isalnum() else "_" for ch in compiled.domain.name)
    attrs = {"tasks": {t.id: t for t in chosen}, "compiled": compiled, "max_tool_errors": max_tool_errors,
             "__doc__": f"gem-env tasks of {compiled.domain.name} for TRL.", **methods}
    return type(name, (GemTRLEnvironment,), attrs)


def trl_dataset(tasks: str | Path, domain: str | None = None, *, system_prompt: bool = True) -> list[dict[str, Any]]:
    """Rows for the trainer: ``prompt`` (the task's policy prompt as the system message) and ``task_id``.
    Wrap with ``datasets.Dataset.from_list`` for TRL."""
    from ..stages.ground.episode import policy_prompt
    chosen, compiled = _domain_tasks(tasks, domain)
    return [{"prompt": [{"role": "system", "content": policy_prompt(compiled.domain, t.scenario)}] if system_prompt
             else [], "task_id": t.id} for t in chosen]


def tool_methods(env: GemTRLEnvironment) -> dict[str, Any]:
    """The public methods TRL would expose as tools (everything public but reset/get_reward)."""
    return {name: m for name, m in inspect.getmembers(env, inspect.ismethod)
            if not name.startswith("_") and name not in RESERVED}
