"""Replays that do not grow with the database: pooled scratch sandboxes, and row diffs bounded by
the keys that were written.

Verification replays a conversation (and, when the state differs, the gold actions) on a copy of
the template. A new copy costs a `deserialize` of the whole database (2 ms at 20 MB) and a schema
parse; a scratch sandbox is made once per domain and thread of use, and `rewind`s to the template
afterwards in O(pages written). Diffs read only rows written by either replay: every other row is
the template's in both. The gold side of a diff is cached per domain and gold action list, so the
many rollouts of one task (a GRPO group) replay its gold actions once.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .per_domain import PerDomain
from .sandbox import Sandbox, diff_states

if TYPE_CHECKING:
    from .compiler import CompiledDomain

POOL_SIZE = 4
"""Scratch sandboxes kept per domain (each holds one copy of the database)."""
GOLD_CACHE_SIZE = 256
"""Gold replays whose written rows are kept per domain."""

Rows = dict[str, dict[Any, dict[str, Any] | None]]


class _DomainScratch:
    def __init__(self) -> None:
        self.pool: list[Sandbox] = []
        self.gold: OrderedDict[str, Rows] = OrderedDict()
        self.lock = threading.Lock()


def _close_pool(st: _DomainScratch) -> None:
    for sb in st.pool:
        sb.close()


_STATE: PerDomain[_DomainScratch] = PerDomain(lambda compiled: _DomainScratch(), _close_pool)
_state = _STATE.get


def take_sandbox(compiled: "CompiledDomain") -> Sandbox:
    """A sandbox at the template's state, from the domain's pool when one is there: a pooled one has
    its schema parsed and its statements prepared already, which a fresh copy pays again on its
    first calls (~0.3 ms). Hand it back with `give_back` (or close it)."""
    st = _state(compiled)
    with st.lock:
        sb = st.pool.pop() if st.pool else None
    if sb is None:
        sb = compiled.new_sandbox()
        sb.checkpoint()
    return sb


def give_back(compiled: "CompiledDomain", sb: Sandbox) -> None:
    """Rewind `sb` to the template and keep it for the next `take_sandbox` (or close it when the
    pool is full or it cannot rewind). The caller must not use `sb` afterwards."""
    try:
        sb.rewind()
    except Exception:  # a sandbox that cannot rewind (restored, closed) is not reused
        sb.close()
        return
    st = _state(compiled)
    with st.lock:
        if len(st.pool) < POOL_SIZE:
            st.pool.append(sb)
            return
    sb.close()


@contextmanager
def scratch_sandbox(compiled: "CompiledDomain") -> Iterator[Sandbox]:
    """A sandbox at the template's state, returned to the pool (rewound) afterwards. Do not keep it."""
    sb = take_sandbox(compiled)
    try:
        yield sb
    finally:
        give_back(compiled, sb)


def written_rows(sandbox: Sandbox, touched: dict[str, set[Any]], tables: Iterable[str]) -> Rows:
    """{table: {key: row or None}} of the written keys of these tables, as they are now."""
    return {t: {k: sandbox.lookup(t, k) for k in touched.get(t, ())} for t in tables}


def gold_rows(compiled: "CompiledDomain", actions: list[tuple[str, Any]]) -> Rows:
    """The rows the gold actions write, as they leave them (cached per action list)."""
    key = json.dumps(actions, sort_keys=True, default=str)
    st = _state(compiled)
    with st.lock:
        hit = st.gold.get(key)
        if hit is not None:
            st.gold.move_to_end(key)
            return hit
    with scratch_sandbox(compiled) as gold:
        for tool, arguments in actions:
            gold.call(tool, arguments)
        touched = gold.touched() or {}
        rows = written_rows(gold, touched, touched)
    with st.lock:
        st.gold[key] = rows
        while len(st.gold) > GOLD_CACHE_SIZE:
            st.gold.popitem(last=False)
    return rows


def diff_vs_gold(compiled: "CompiledDomain", actions: list[tuple[str, Any]], sandbox: Sandbox,
                 tables: Iterable[str]) -> list[dict[str, Any]]:
    """`diff_states(gold replay, sandbox)` over `tables`, reading only rows either side wrote."""
    names = sorted(set(tables))
    touched = sandbox.touched()
    if touched is None:  # the sandbox was restored from a snapshot: what it wrote is unknown
        with scratch_sandbox(compiled) as gold:
            for tool, arguments in actions:
                gold.call(tool, arguments)
            return diff_states(gold.dump(names), sandbox.dump(names))
    gold = gold_rows(compiled, actions)
    before: dict[str, dict[str, dict]] = {}
    after: dict[str, dict[str, dict]] = {}
    with scratch_sandbox(compiled) as template:
        for t in names:
            g = gold.get(t, {})
            keys = set(touched.get(t, ())) | set(g)
            expected = {k: g[k] if k in g else template.lookup(t, k) for k in keys}
            actual = {k: sandbox.lookup(t, k) for k in keys}
            before[t] = {str(k): r for k, r in expected.items() if r is not None}
            after[t] = {str(k): r for k, r in actual.items() if r is not None}
    return diff_states(before, after)
