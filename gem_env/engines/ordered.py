"""Run an async function over a stream with bounded concurrency, yielding results in input order.

Input order keeps outputs byte-identical whatever finishes first. A new item starts as soon as any
running one finishes (a slow item does not stall the others), and at most `buffer` items are
running or finished-but-waiting at once, so a slow item holds back the output, never memory.
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator, Awaitable, Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def ordered_map(items: Iterable[T], fn: Callable[[T], Awaitable[R]], concurrency: int,
                      buffer: int | None = None) -> AsyncIterator[R]:
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    limit = max(concurrency, buffer or 4 * concurrency)
    source = iter(items)
    running: dict[asyncio.Future[R], int] = {}
    finished: dict[int, R] = {}
    next_in = next_out = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < concurrency and len(running) + len(finished) < limit:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                running[asyncio.ensure_future(fn(item))] = next_in
                next_in += 1
            while next_out in finished:
                yield finished.pop(next_out)
                next_out += 1
            if not running:
                if exhausted:
                    return
                continue
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                finished[running.pop(task)] = task.result()
    finally:
        for task in running:
            task.cancel()
