"""One LLM usage counter per episode, kept by the rollout, not by the agents or simulators.

The chat functions that `gem_env.backends` hands to an LLM agent or user add what each call cost
here. The counter also remembers an endpoint that stopped answering (`LLMUnavailable`), so that a
pipeline can tell "the model's endpoint was down" apart from "the conversation failed" and leave
the document unfinished instead of rejecting it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...llm.usage import COST_KEYS as KEYS
from ...llm.usage import reported


def zero() -> dict[str, int]:
    return {k: 0 for k in KEYS}


@dataclass
class EpisodeUsage:
    """LLM calls and tokens of one episode, by role (``agent``, ``user``)."""

    agent: dict[str, int] = field(default_factory=zero)
    user: dict[str, int] = field(default_factory=zero)
    outage: BaseException | None = None

    def add(self, role: str, usage: Any) -> None:
        """Count one reply's `gem_env.llm.Usage` (a cache hit counts no call) for `role`."""
        counts = self.agent if role == "agent" else self.user
        for k in KEYS:
            counts[k] += int(getattr(usage, k, 0) or 0)

    def total(self) -> dict[str, int]:
        return {k: self.agent[k] + self.user[k] for k in KEYS}

    def record(self) -> dict[str, Any]:
        """The ``meta.llm`` of a trajectory: per role, then the totals."""
        return {"agent": reported(self.agent), "user": reported(self.user), **reported(self.total())}
