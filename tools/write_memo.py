"""Write calls remembered across sandboxes of a domain, and applied without running them.

RL runs one task many times from the same initial state (a GRPO group, pass^k), and verification
replays each conversation again: most write calls repeat on a state some sandbox has already been
in. The state a sandbox is in is named exactly by its version (`tools.read_cache`: the history of
changing calls since the template), and the executor is deterministic (the clock is the domain's,
frozen; a new id comes from the state and the arguments), so a write's reply and the rows it
changes depend on (version, tool, validated arguments) alone.

A call found here is *taken*, not run: its reply comes from the memo, the versions step as for a
run, and the call waits in the sandbox's `pending` list; the state digest moves by the rows it
changed (each row's digest before and after, kept with it) when the digest is next read. SQLite is
brought up to date only when someone reads it (a call that is not remembered, a dump, a lookup, a
snapshot, the connection itself): the pending calls then run for real, in order, from the state
they were taken on, and their change-log entries are dropped (the digest has them from the memo).
A sandbox that is rewound before anyone looked (an episode's verification replay, a pooled
episode) never runs them, nor moves its digest by them.

Only effect tools are remembered (a Python tool is code we do not see), and only with the read
cache on (its versions name the states); `configure(enabled=False)` or `GEM_ENV_WRITE_MEMO=0`
turns the memo off. Replies, errors, states and digests are the same either way
(tests/test_read_cache.py runs the same random calls with both on and with both off).
Bounded: at most `MAX_ENTRIES` calls per domain, least recently used first out.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, NamedTuple

from .per_domain import PerDomain
from .read_cache import lru_get

if TYPE_CHECKING:
    from .compiler import CompiledDomain, CompiledTool

MAX_ENTRIES = 4096

SETTINGS = {"enabled": os.environ.get("GEM_ENV_WRITE_MEMO", "1") != "0"}
"""Read directly by the sandbox on every write call; change it with `configure`."""


def configure(*, enabled: bool) -> None:
    """Turn the memo on or off for this process (`clear` drops what it keeps)."""
    SETTINGS["enabled"] = bool(enabled)


def remembers(tool: "CompiledTool") -> bool:
    """Whether calls of `tool` are remembered: a tool whose effect writes (worked out once)."""
    made = tool.__dict__.get("_remembered")
    if made is None:
        made = tool.__dict__["_remembered"] = tool.python is None and tool.writes and tool.steps is not None
    return made


class Taken(NamedTuple):
    """One remembered call: what it replied and what it changed, and what runs it for real."""

    reply: tuple[Any, ...]
    """`read_cache.entry_of` of its result: (True, text) or (False, error, error_kind)."""
    changes: tuple[tuple[int, Any, int, int], ...] | None
    """(table code, key, row digest before, after) per row it wrote; None when it changed nothing."""
    after: int
    """The version of the state it left (the one it was taken on when it changed nothing). A state
    may come to have two versions (the read cache's table of them emptied when full, and the call
    then run again elsewhere); a version never names two states."""
    tool: "CompiledTool"
    args: dict[str, Any]
    """Its validated arguments (never changed: the run copies them)."""


class WriteMemo:
    """One compiled domain's remembered calls, under (version, tool name, `argument_key`) and
    under (version, tool name, the arguments' JSON text as given)."""

    def __init__(self) -> None:
        self.calls: OrderedDict[Any, Taken] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: Any) -> Taken | None:
        """The remembered call, marked as just used (`read_cache.lru_get`)."""
        return lru_get(self.calls, key)

    def put(self, key: Any, taken: Taken, also: Any = None) -> None:
        """Remember `taken` under `key`, and under `also` too when given (the arguments' text)."""
        with self.lock:
            for k in (key, also) if also is not None else (key,):
                try:
                    self.calls[k] = taken
                except TypeError:
                    continue
            while len(self.calls) > MAX_ENTRIES:
                self.calls.popitem(last=False)


_MEMOS: PerDomain[WriteMemo] = PerDomain(lambda compiled: WriteMemo())


def memo_of(compiled: "CompiledDomain") -> WriteMemo:
    return _MEMOS.get(compiled)


def stats() -> dict[str, Any]:
    memos = _MEMOS.values()
    return {"enabled": SETTINGS["enabled"], "calls": sum(len(m.calls) for m in memos),
            "hits": sum(m.hits for m in memos), "misses": sum(m.misses for m in memos),
            "max_entries_per_domain": MAX_ENTRIES}


def clear() -> None:
    """Forget every remembered call (and the counts)."""
    for m in _MEMOS.values():
        with m.lock:
            m.calls.clear()
            m.hits = m.misses = 0
