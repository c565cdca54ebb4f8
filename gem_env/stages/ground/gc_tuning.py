"""Cyclic-GC settings for a batch of rollouts: an option for trainers, not the default.

With hundreds of episodes in flight a process holds millions of container objects (compiled
domains, tasks, conversations, LangChain messages), and every full collection walks them all:
`bench/rollout.py` measured the cyclic GC at ~29% of the rollout process's CPU at 256 in flight.
``rollout_gc("tuned")`` freezes what exists when the batch starts (`gc.freeze`: setup objects are
never scanned again) and collects the youngest generation every ``GEN0`` allocations instead of 700.

Not the default because it changes the whole process: cycles among frozen objects are only freed
after `gc.unfreeze` (done on exit), and garbage cycles made during the batch wait longer, so the
peak memory can be higher. Reference counting frees everything else as usual.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

GCMode = Literal["default", "tuned"]
GC_MODES: tuple[GCMode, ...] = ("default", "tuned")
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
