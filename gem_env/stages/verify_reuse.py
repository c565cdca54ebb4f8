"""An episode's read results, reused by its own verification replay where the state is the same.

Verification replays every tool call of a conversation in a fresh sandbox (`verify`). A call that
only reads returns what the state, the tool and its arguments make it return, so where the episode
made the same read on a state with the same digest, the episode's result is the replay's result.
The replay then executes only the calls that may write, which move its own sandbox on: the final
state, its hash and the row diff of a rejected run stay the replay's own.

Both sides sit under `PlannedTools` (`RecordingSandbox` in the episode, `ReusingSandbox` in the
replay), so a plan's hidden tools, injected faults and long replies are applied over the reused
result exactly as over an executed one. A read is reused only when its tool, its arguments and the
digest of the state it runs on equal the record's at the same position; anything else runs.

One bound: the state digest is blind to float noise (`tools.digest`), so a read on two states that
differ only past 15 significant digits would give the episode's float text. The replay runs the
same writes with the same arguments as the episode did, so the states are equal in practice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..tools import CompiledDomain, Sandbox, ToolResult


@dataclass(frozen=True)
class RecordedCall:
    tool: Any
    arguments: Any
    digest: str | None
    """The state digest the call ran on when it only reads; None for a call that may write."""
    result: ToolResult


def reads_only(compiled: CompiledDomain, tool: Any) -> bool:
    """Whether a call of ``tool`` cannot change the state: a known tool with no write step and no
    Python body (an unknown tool changes nothing either, but costs nothing to run)."""
    found = compiled.tools.get(tool) if isinstance(tool, str) else None
    return found is not None and not found.writes and found.python is None


class _DigestedSandbox:
    """A sandbox as `PlannedTools` uses it (`call`, `dump`, `compiled`), keeping the digest of its
    state between writes: computed on the first read after a write, not per call."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.compiled = sandbox.compiled
        self._digest: str | None = None

    def dump(self, tables: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        return self.sandbox.dump(tables)

    def _digest_for(self, tool: Any) -> str | None:
        """The state digest for a read of ``tool``; None (and forgotten) for a call that may write."""
        if not reads_only(self.compiled, tool):
            self._digest = None
            return None
        if self._digest is None:
            self._digest = self.sandbox.state_hash()
        return self._digest


class RecordingSandbox(_DigestedSandbox):
    """The episode's sandbox: every call recorded, with the state digest of each read."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(sandbox)
        self.calls: list[RecordedCall] = []

    def call(self, tool: Any, arguments: Any = None) -> ToolResult:
        digest = self._digest_for(tool)
        result = self.sandbox.call(tool, arguments)
        self.calls.append(RecordedCall(tool, arguments, digest, result))
        return result


class ReusingSandbox(_DigestedSandbox):
    """The replay's sandbox: a read that matches the episode's record at the same position (tool,
    arguments, state digest) gives the recorded result; every other call runs."""

    def __init__(self, sandbox: Sandbox, recorded: list[RecordedCall]) -> None:
        super().__init__(sandbox)
        self.recorded = recorded
        self.position = 0
        self.reused = 0

    def call(self, tool: Any, arguments: Any = None) -> ToolResult:
        record = self.recorded[self.position] if self.position < len(self.recorded) else None
        self.position += 1
        if (record is not None and record.digest is not None and record.tool == tool
                and record.arguments == arguments and self._digest_for(tool) == record.digest):
            self.reused += 1
            return record.result
        if not reads_only(self.compiled, tool):
            self._digest = None
        return self.sandbox.call(tool, arguments)
