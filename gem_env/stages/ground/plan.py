"""An episode plan: how a refined task's environment differs from its domain's plain sandbox.

The plan is data recorded in the task (seeded when the task was refined), and every tool call of
an episode — and of its replay in `verify` — goes through `PlannedTools`, so a replay meets the
same missing tools, the same injected failures and the same long replies. The executor
(`Sandbox.call`) knows nothing of plans.

- ``hidden``: tools absent from the tool set until the assistant has said it cannot do something
  and the user has answered (BFCL's missed function). A call before that is an unknown tool.
- ``faults``: the n-th call of a tool fails with a transient error and changes nothing.
- ``context_records``: successful object replies carry these records of the customer's own (their
  other accounts, their transactions: real rows of the episode's state, keyed by their id, under
  ``context_key``), so replies are long (BFCL's long context); no reply shows another customer's.
  (``context_table`` / ``context_rows``, other rows of one table whoever's they were, are what
  earlier runs recorded: replayed as they were made.)
- ``changes``: a value the user says first and changes when asked to confirm (the user's side).
- ``mistakes``: a detail the user first gives with a slip, which a read finds nothing for; they
  give it right once told (the user's side).
- ``withheld`` / ``distractors`` / ``refusals`` / ``changes`` / ``mistakes`` / ``off_topic``: what
  the refined task's own checks look at.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from ...simulators.refined import says_cannot
from ...tools import CompiledDomain, Sandbox, ToolResult


class Fault(BaseModel):
    tool: str
    call: int = Field(default=1, ge=1, description="which call of the tool fails (1 = the first)")
    error: str


class Change(BaseModel):
    """A value of the user's first request that they change when the assistant asks to confirm."""

    key: str = Field(description="the user's knowledge key")
    said: Any = Field(description="what they say first (their brief's value)")
    wanted: Any = Field(description="what they change it to; the gold writes it")
    tool: str = Field(description="the write that takes it")
    argument: str = Field(description="the write's argument that takes it")


class Mistake(BaseModel):
    """A detail of the user's first request said first with a slip ("jstewrat@..."), which a read
    finds nothing for; said right once the assistant says so."""

    key: str
    said: str = Field(description="what they say first")
    right: str = Field(description="what they say when told it found nothing; the gold's")
    tool: str = Field(description="the read that finds nothing with the slip")


class EpisodePlan(BaseModel):
    hidden: list[str] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    context_table: str | None = None
    context_rows: int = 0
    context_records: dict[str, list[str]] = Field(default_factory=dict, exclude_if=lambda v: not v, description=(
        "table -> keys of the customer's own records that each successful object reply carries"))
    context_key: str = Field(default="related_records", exclude_if=lambda v: v == "related_records",
                             description="the reply field holding them")
    withheld: dict[str, str] = Field(default_factory=dict, description="user knowledge key -> its value")
    distractors: list[str] = Field(default_factory=list)
    refusals: list[str] = Field(default_factory=list, description="reasons the assistant must tell")
    changes: list[Change] = Field(default_factory=list)
    mistakes: list[Mistake] = Field(default_factory=list)
    off_topic: list[str] = Field(default_factory=list, description="asks the service does not do at all")
    corrections: list[Change] = Field(default_factory=list, description=(
        "values of the first request the user corrects once it is done: the gold writes both"))

    def unlocked(self, history: list[dict[str, Any]]) -> bool:
        """Hidden tools are there once a user message follows an assistant's "I cannot"."""
        said = False
        for m in history:
            if m.get("role") == "assistant" and not m.get("tool_calls") and says_cannot(m.get("content") or ""):
                said = True
            elif said and m.get("role") == "user":
                return True
        return False


class UnlockWatch:
    """`EpisodePlan.unlocked` of one conversation as it grows: each message is read once (the "I
    cannot" test is a regex), and once the tools are there they stay. A history shorter than the
    one read is another conversation: it is read again from its start."""

    def __init__(self) -> None:
        self._seen = 0
        self._said = False
        self._open = False
        self.at: int | None = None
        """The index of the user message that opened the hidden tools (the first turn that has them)."""

    def unlocked(self, history: list[dict[str, Any]]) -> bool:
        if self._seen > len(history):
            self._seen, self._said, self._open, self.at = 0, False, False, None
        if not self._open:
            said = self._said
            for i, m in enumerate(history[self._seen:], self._seen):
                role = m.get("role")
                if role == "assistant" and not m.get("tool_calls") and says_cannot(m.get("content") or ""):
                    said = True
                elif said and role == "user":
                    self._open, self.at = True, i
                    break
            self._said = said
        self._seen = len(history)
        return self._open


class PlannedTools:
    """A sandbox seen through a plan, for one conversation: `call` and `available` take the
    conversation so far (before the call), a prefix of the same conversation each time."""

    def __init__(self, sandbox: Sandbox, plan: EpisodePlan | None) -> None:
        self.sandbox = sandbox
        self.plan = plan
        self.counts: dict[str, int] = {}
        self._unlock = UnlockWatch()

    @property
    def may_hide(self) -> bool:
        """Whether the tool set can differ between turns (the plan hides tools until unlocked)."""
        return self.plan is not None and bool(self.plan.hidden)

    def added(self, history: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The hidden tools and the index of the first message of the turns that have them (None
        while they are still missing, or when nothing is hidden): what a trainer needs to give each
        turn its own tool list."""
        if not self.may_hide or not self._unlock.unlocked(history):
            return None
        return {"tools": list(self.plan.hidden), "message": self._unlock.at}  # type: ignore[union-attr]

    def available(self, history: list[dict[str, Any]]) -> list[str]:
        """The tool names of the current turn, in the domain's order."""
        names = list(self.sandbox.compiled.tools)
        plan = self.plan
        if plan is None or not plan.hidden or self._unlock.unlocked(history):
            return names
        return [t for t in names if t not in plan.hidden]

    def call(self, tool: Any, arguments: Any, history: list[dict[str, Any]]) -> ToolResult:
        plan = self.plan
        if plan is None:
            return self.sandbox.call(tool, arguments)
        if isinstance(tool, str) and tool in plan.hidden and not self._unlock.unlocked(history):
            known = ", ".join(self.available(history))
            return ToolResult(False, error=f"unknown tool '{tool}'; available tools: {known}",
                              error_kind="unknown_tool")
        if isinstance(tool, str):
            self.counts[tool] = self.counts.get(tool, 0) + 1
            fault = next((f for f in plan.faults if f.tool == tool and f.call == self.counts[tool]), None)
            if fault is not None:
                return ToolResult(False, error=fault.error, error_kind="transient")
        result = self.sandbox.call(tool, arguments)
        if result.ok and plan.context_records and isinstance(result.value, dict):
            return ToolResult(True, value={**result.value, plan.context_key: self._own(result.value)})
        if result.ok and plan.context_rows and plan.context_table and isinstance(result.value, dict):
            return ToolResult(True, value={**result.value, "related_records": self._keyed(self._context(result.value))})
        return result

    def _own(self, value: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The customer's records of the plan as the episode's state holds them now, by their key
        (beside the reply's own lists, not another list of the same shape to pick a record from):
        not the record the reply is, nor one the episode has deleted."""
        plan = self.plan
        tables = self.sandbox.dump(list(plan.context_records))  # type: ignore[union-attr]
        out: dict[str, dict[str, Any]] = {}
        for table, keys in plan.context_records.items():  # type: ignore[union-attr]
            pk = self.sandbox.compiled.tables[table].pk
            for key in keys:
                row = tables.get(table, {}).get(key)
                if row is not None and str(value.get(pk)) != key:
                    out[key] = row
        return out

    def _keyed(self, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Context rows by their key: beside the reply's own lists (a customer's accounts, the
        matches of a search), not another list of the same shape to pick a record from."""
        pk = self.sandbox.compiled.tables[self.plan.context_table].pk  # type: ignore[union-attr,index]
        return {str(r.get(pk)): r for r in rows}

    def _context(self, value: dict[str, Any]) -> list[dict[str, Any]]:
        """Other records of the context table, rotating with the number of calls so far."""
        table = self.plan.context_table  # type: ignore[union-attr]
        rows = list(self.sandbox.dump([table])[table].values())  # type: ignore[list-item]
        own = json.dumps(value, sort_keys=True, default=str)
        rows = [r for r in rows if json.dumps(r, sort_keys=True, default=str) != own]
        if not rows:
            return []
        shift = sum(self.counts.values()) % len(rows)
        rows = rows[shift:] + rows[:shift]
        return rows[: self.plan.context_rows]  # type: ignore[union-attr]


def tool_schemas(compiled: CompiledDomain, names: list[str]) -> list[dict[str, Any]]:
    """The OpenAI schemas of the named tools."""
    return [compiled.tools[n].schema for n in names if n in compiled.tools]
