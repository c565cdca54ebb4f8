"""Replies of read tools kept across sandboxes of a domain: RL runs one task many times from the same
initial state (a GRPO group, pass^k), and its reads repeat on the same states.

A reply is kept under (tool, its validated arguments, the *state versions* of exactly the tables the
tool reads). Which tables a read depends on is worked out once per tool from its effect (`scope`):
the tables its finds search and the tables its expressions name in `lookup`, `count_rows` and
`rows`. A tool is never cached when it is a Python tool, not a read, reads the clock (`now`,
`today`), calls `next_id`, or names a table other than by a constant.

A table's state version is exact, not a digest: the incremental state digest is blind to float
noise by design (15 significant digits), so two states that differ only there would share a reply
that shows the float. A version names the sequence of state-changing calls that left the table as it
is: every sandbox starts its tables at version 0 (the template); a call that changed anything gives
each table it may write the version `step(previous version of the whole sandbox, tool, arguments)`,
interned per domain, so two sandboxes that made the same changing calls in the same order from the
template share versions (the executor is deterministic), and any other history gets a version no one
else has. A change the sandbox cannot account for (SQL run on its connection directly, a `restore`)
gives every table a fresh version of its own.

Bounded: at most `MAX_ENTRIES` replies and `MAX_BYTES` of reply text per domain (least recently used
first out; a domain's cache goes with the compiled domain), and as many interned versions. `configure(enabled=False)` (or `GEM_ENV_READ_CACHE=0` in the environment) turns it off;
replies, errors and states are the same either way (tests/test_read_cache.py).
"""
from __future__ import annotations

import itertools
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from . import effects as fx
from .digest import written_tables
from .expr import _PLACEHOLDER
from .expr_syntax import Node, parse
from .jsontext import ENCODE
from .per_domain import PerDomain

if TYPE_CHECKING:
    from .compiler import CompiledDomain, CompiledTool

MAX_ENTRIES = 4096
MAX_BYTES = 2 << 20
_TABLE_FUNCTIONS = ("lookup", "count_rows", "rows")

SETTINGS = {"enabled": os.environ.get("GEM_ENV_READ_CACHE", "1") != "0"}
"""Read directly by the sandbox on every call; change it with `configure`."""


def configure(*, enabled: bool) -> None:
    """Turn the cache on or off for this process (`clear` drops what it keeps)."""
    SETTINGS["enabled"] = bool(enabled)


def enabled() -> bool:
    return SETTINGS["enabled"]


# ---------------------------------------------------------------- which tables a read depends on


def _expression_reads(text: str, names: set[str], tables: set[str]) -> bool:
    """Add what a string of the effect reads, taken both as an expression and as a message with
    `{expr}` placeholders; False when it reads something no version covers."""
    try:
        node = parse(text)
    except Exception:  # noqa: BLE001 -- not an expression (a message, a field list)
        node = None
    if node is not None and not _node_reads(node, names, tables):
        return False
    for m in _PLACEHOLDER.finditer(text) if "{" in text else ():
        try:
            inner = parse(m.group(1))
        except Exception:  # noqa: BLE001 -- a brace that is no placeholder: the compiler accepted it
            continue
        if not _node_reads(inner, names, tables):
            return False
    return True


def _node_reads(node: Any, names: set[str], tables: set[str]) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "name":
            names.add(n.value)
        elif n.op == "call" and n.value == "next_id":
            return False
        elif n.op == "call" and n.value in _TABLE_FUNCTIONS:
            if not n.args or n.args[0].op != "const" or not isinstance(n.args[0].value, str):
                return False
            tables.add(n.args[0].value)
        stack.extend(a for a in n.args if isinstance(a, Node))
    return True


def _walk(value: Any, names: set[str], tables: set[str]) -> bool:
    """Every string of the effect read as an expression and as a template (conservative: a field
    name read as a name costs nothing; a clock name anywhere keeps the tool out)."""
    if isinstance(value, str):
        return _expression_reads(value, names, tables)
    if isinstance(value, dict):
        if isinstance(value.get("find"), str):
            tables.add(value["find"])
        return all(_walk(k, names, tables) and _walk(v, names, tables) for k, v in value.items())
    if isinstance(value, list):
        return all(_walk(v, names, tables) for v in value)
    return True


def scope(tool: "CompiledTool") -> tuple[str, ...] | None:
    """The tables `tool`'s reply depends on, in name order; None when it is not to be cached.
    Worked out once per tool."""
    made = tool.__dict__.get("_read_scope", False)
    if made is not False:
        return made
    out: tuple[str, ...] | None = None
    if tool.python is None and not tool.writes and tool.steps is not None and tool.spec.effect is not None:
        names: set[str] = set()
        tables: set[str] = set()
        effect = [s.model_dump(mode="json", by_alias=True) if hasattr(s, "model_dump") else s
                  for s in tool.spec.effect]
        if _walk(effect, names, tables) and not names & fx.CLOCK_NAMES and tables <= set(tool.tables):
            out = tuple(sorted(tables))
    tool.__dict__["_read_scope"] = out
    return out


def versions_of(tool: "CompiledTool") -> Callable[[dict[str, int]], Any] | None:
    """What a kept reply of `tool` is keyed by besides its arguments: a getter of the versions of
    the tables in its `scope` from a sandbox's versions (`itemgetter`: one table's version, or the
    tuple of several; ~0.5 µs a call less than building the tuple); None when its replies are not
    kept. Made once per tool."""
    made = tool.__dict__.get("_versions_of", False)
    if made is False:
        reads = scope(tool)
        made = None if reads is None else itemgetter(*reads) if reads else _NO_VERSIONS
        tool.__dict__["_versions_of"] = made
    return made


def _NO_VERSIONS(versions: dict[str, int]) -> tuple[()]:
    """The versions of a reply that reads no table."""
    return ()


def writes_of(tool: "CompiledTool", all_tables: list[str]) -> tuple[str, ...]:
    """The tables a call of `tool` may change (every table for a Python tool or a read)."""
    made = tool.__dict__.get("_write_scope")
    if made is None:
        if tool.python is None and tool.writes and tool.steps is not None:
            made = tuple(sorted(written_tables(tool.tables, [tool.steps])))
        else:
            made = tuple(all_tables)
        tool.__dict__["_write_scope"] = made
    return made


# ---------------------------------------------------------------- keys and versions


def argument_key(args: dict[str, Any]) -> tuple[tuple, tuple]:
    """The validated arguments as an exact key: the values with their types (1, 1.0 and True are
    equal in Python, not in a reply). Unhashable when a value is a list or an object: `step`
    keys those by their JSON text, `get` and `put` keep nothing for them."""
    values = tuple(args.values())
    return values, tuple(map(type, values))


class DomainCache:
    """One compiled domain's kept replies and interned versions."""

    def __init__(self) -> None:
        self.replies: OrderedDict[Any, tuple[Any, ...]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        """Replies worked out by a call because none was kept (counted by the sandbox)."""
        self.steps: dict[Any, int] = {}
        self._fresh = itertools.count(1)
        self.lock = threading.Lock()

    def step(self, key: tuple[int, str, tuple, tuple]) -> int:
        """The version after a call changed the state: `key` is (the version before, the tool, its
        `argument_key`), interned. Without a lock: two threads making the same step at once agree
        through `setdefault`, and a table emptied when full only means a known history gets a new
        version."""
        try:
            got = self.steps.get(key)
        except TypeError:  # a list or object argument: its JSON text, in argument order
            key = (key[0], key[1], ENCODE(list(key[2])) + repr(key[3]))
            got = self.steps.get(key)
        if got is None:
            if len(self.steps) >= MAX_ENTRIES:
                self.steps.clear()
            got = self.steps.setdefault(key, next(self._fresh))
        return got

    def fresh(self) -> int:
        """A version no other state has."""
        return next(self._fresh)

    def get(self, key: Any) -> tuple[Any, ...] | None:
        """The kept reply, marked as just used (`lru_get`)."""
        got = lru_get(self.replies, key)
        if got is not None:
            self.hits += 1
        return got

    def put(self, key: Any, entry: tuple[Any, ...], also: Any = None) -> None:
        """Keep `entry` under `key`, and under `also` too when given (the arguments' text)."""
        size = len(entry[1] or "")
        with self.lock:
            for k in (key, also) if also is not None else (key,):
                try:
                    if k in self.replies:
                        continue
                except TypeError:
                    continue
                self.replies[k] = entry
                self.bytes += size
            while len(self.replies) > MAX_ENTRIES or self.bytes > MAX_BYTES:
                _, old = self.replies.popitem(last=False)
                self.bytes -= len(old[1] or "")


def lru_get(store: OrderedDict[Any, Any], key: Any) -> Any:
    """`store[key]` marked as just used, or None. Without a lock (every call asks): the lookup and
    the move are each one step of the dict; a `put` of another thread that drops the entry in
    between only leaves nothing to move (the entry found is still the right one). An unhashable
    key (a list or object argument) finds nothing."""
    try:
        got = store.get(key)
    except TypeError:
        return None
    if got is not None:
        try:
            store.move_to_end(key)
        except KeyError:
            pass
    return got


_CACHES: PerDomain[DomainCache] = PerDomain(lambda compiled: DomainCache())


def domain_cache(compiled: "CompiledDomain") -> DomainCache:
    return _CACHES.get(compiled)


def stats() -> dict[str, Any]:
    """What the caches of this process hold: replies, their text in bytes, hits and misses."""
    caches = _CACHES.values()
    return {"enabled": enabled(), "domains": len(caches),
            "replies": sum(len(c.replies) for c in caches), "bytes": sum(c.bytes for c in caches),
            "hits": sum(c.hits for c in caches), "misses": sum(c.misses for c in caches),
            "max_entries_per_domain": MAX_ENTRIES, "max_bytes_per_domain": MAX_BYTES}


def clear() -> None:
    """Drop every kept reply (and the counts), e.g. between two timed passes of a bench."""
    for c in _CACHES.values():
        with c.lock:
            c.replies.clear()
            c.bytes = c.hits = c.misses = 0


def entry_of(result: Any) -> tuple[Any, ...] | None:
    """What to keep of a call's result: its reply text (ok) or its error; None when the reply is
    a value that does not come back the same from its JSON text."""
    if not result.ok:
        return (False, result.error, result.error_kind)
    text = result._text
    if text is None:
        value = result._value
        try:
            text = ENCODE(value)
            if json.loads(text) != value:
                return None
        except (TypeError, ValueError):
            return None
    return (True, text)
