"""Run an async function over a stream with bounded concurrency, yielding results in input order.

Input order keeps outputs byte-identical whatever finishes first; only a window of about
`concurrency` items is held at once, so a corpus is never loaded whole.
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator, Awaitable, Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def ordered_map(items: Iterable[T], fn: Callable[[T], Awaitable[R]], concurrency: int) -> AsyncIterator[R]:
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    pending: list[asyncio.Task[R]] = []
    it = iter(items)
    exhausted = False
    while True:
        while not exhausted and len(pending) < concurrency:
            try:
                item = next(it)
            except StopIteration:
                exhausted = True
                break
            pending.append(asyncio.ensure_future(fn(item)))
        if not pending:
            return
        try:
            yield await pending.pop(0)
        except BaseException:
            for task in pending:
                task.cancel()
            raise
