"""Cyclic-GC settings for a batch of rollouts: ``gem eval``'s with a model agent or user, an option
for trainers.

With hundreds of episodes in flight a process holds millions of container objects (compiled
domains, tasks, conversations, LangChain messages), and every full collection walks them all:
`bench/rollout.py` measured the cyclic GC at ~29% of the rollout process's CPU at 256 in flight.
``rollout_gc("tuned")`` freezes what exists when the batch starts (`gc.freeze`: setup objects are
never scanned again) and collects the youngest generation every ``GEN0`` allocations instead of 700.

It changes the whole process: cycles among frozen objects are only freed after `gc.unfreeze` (done
on exit), and garbage cycles made during the batch wait longer, so the peak memory can be higher
(`bench/rollout.py` measured the same growth per live episode either way). Reference counting
frees everything else as usual. ``gem eval`` runs its batch with an LLM party in ``EVAL_GC``: the
same rollouts measured at 256 in flight spent 0.1 ms less GC CPU a call (8-11% -> 1% of the
client) and 6-20% less client CPU in all (1.27 -> 1.19 and 1.46 -> 1.17 ms a call in two runs at
load 5-8).

``gem synthesize`` keeps the default, by measurement (round 6: the same LLM rollouts with the
default and tuned settings interleaved in one process, load 2.5-5): the cyclic GC costs 0.023 ms a
call (1.5% of the client's CPU) at 12 in flight -- what synthesize's 4 documents of 3 tasks keep
in flight -- and 0.065 ms (4.5%; tuned: 1.455 -> 1.39 ms a call) at 32, against 0.13 ms (10%) at
256. At its scale ``tuned`` would save ~1.5% while freezing a long streaming run's heap and letting
its garbage cycles wait; a trainer with hundreds of episodes in flight should use it, as
``gem eval`` does.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

GCMode = Literal["default", "tuned"]
GC_MODES: tuple[GCMode, ...] = ("default", "tuned")
EVAL_GC: GCMode = "tuned"
"""``gem eval``'s setting when the agent or the user is a model (an offline eval is CPU-bound
rollouts with few live objects: it keeps the default)."""
GEN0 = 50_000
"""Allocations between young-generation collections in ``tuned`` mode (CPython's default: 700)."""


@contextmanager
def rollout_gc(mode: GCMode | str = "default") -> Iterator[None]:
    """Run the block with ``mode``'s GC settings; the previous settings are restored on exit."""
    if mode not in GC_MODES:
        raise ValueError(f"unknown GC mode {mode!r}; expected one of {', '.join(GC_MODES)}")
    if mode == "default":
        yield
        return
    thresholds = gc.get_threshold()
    gc.collect()  # what setup left as garbage goes now, not into the frozen generation
    gc.freeze()
    gc.set_threshold(GEN0, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
