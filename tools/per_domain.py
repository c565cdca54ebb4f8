"""State kept beside a compiled domain, one object each: made on first use, forgotten with the domain.

A `CompiledDomain` is immutable and shared by every sandbox of its domain; what the runtime keeps
per domain (a pool of sandboxes, a read cache, statements built once) lives here by the domain's
`id`, and is dropped (and `forget` called on it) when the domain is garbage-collected.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerDomain(Generic[T]):
    def __init__(self, make: Callable[[Any], T], forget: Callable[[T], None] | None = None) -> None:
        self._make, self._forget = make, forget
        self._made: dict[int, T] = {}
        self._lock = threading.Lock()

    def get(self, compiled: Any) -> T:
        made = self._made.get(id(compiled))
        if made is None:
            with self._lock:
                made = self._made.get(id(compiled))
                if made is None:
                    made = self._made[id(compiled)] = self._make(compiled)
                    weakref.finalize(compiled, self._drop, id(compiled))
        return made

    def values(self) -> list[T]:
        return list(self._made.values())

    def _drop(self, key: int) -> None:
        made = self._made.pop(key, None)
        if made is not None and self._forget is not None:
            self._forget(made)
