"""The trajectory record: one JSON line per conversation, loadable by trainers as it is."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Check(BaseModel):
    name: str
    passed: bool
    evidence: Any = None


class Verification(BaseModel):
    passed: bool
    checks: list[Check]

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]


class Trajectory(BaseModel):
    id: str
    doc_id: str | None = None
    domain: str
    task: dict[str, Any] = Field(description="the task: id, workflow, category, kind, scenario, gold actions")
    tools: list[dict[str, Any]] = Field(description="OpenAI function schemas the assistant had")
    messages: list[dict[str, Any]] = Field(description="OpenAI chat format")
    verification: Verification
    meta: dict[str, Any] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict, exclude=True,
                                      description="wall-clock seconds; not in the record, so records stay byte-identical")
