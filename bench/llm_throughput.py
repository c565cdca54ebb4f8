"""LLM layer throughput: N ``LLMClient.chat`` calls against the fake server at a fixed latency.

The server runs in a child process, as a real endpoint would, so its threads do not compete with
the client for the GIL. Each repeat is a fresh client; the JSON reports the median repeat and
every repeat's share of the ideal (concurrency / latency calls per second). The same calls made
with the bare openai SDK, interleaved with ours, show how much of any gap is the machine's.

Run: python bench/llm_throughput.py [--calls 256] [--concurrency 32] [--latency 0.2] [--repeats 3]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import openai
from langchain_core.messages import HumanMessage

from gem_env.llm import LLMClient, LLMConfig


@contextmanager
def fake_server(latency: float) -> Iterator[str]:
    """Start ``python -m gem_env.testing`` and yield its base URL."""
    command = [sys.executable, "-m", "gem_env.testing", "--latency", str(latency)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip()
        finally:
            process.terminate()


async def llm_client_calls(base_url: str, calls: int, concurrency: int) -> float:
    cfg = LLMConfig(model="fake-model", base_url=base_url, concurrency=concurrency, timeout=30)
    async with LLMClient(cfg) as client:
        return await timed(calls, lambda i: client.chat([HumanMessage(f"request {i}")]))


async def bare_sdk_calls(base_url: str, calls: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)
    async with openai.AsyncOpenAI(base_url=base_url, api_key="EMPTY", max_retries=0, timeout=30) as sdk:

        async def call(i: int) -> object:
            async with semaphore:
                messages = [{"role": "user", "content": f"request {i}"}]
                return await sdk.chat.completions.create(model="fake-model", messages=messages)  # type: ignore[arg-type]

        return await timed(calls, call)


async def timed(calls: int, call: Callable[[int], Awaitable[object]]) -> float:
    """Seconds for ``calls`` concurrent calls, after one warm-up call that opens a connection."""
    await call(-1)
    started = time.perf_counter()
    await asyncio.gather(*(call(i) for i in range(calls)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    walls: dict[str, list[float]] = {"llm_client": [], "bare_sdk": []}
    with fake_server(args.latency) as base_url:
        for _ in range(args.repeats):
            walls["llm_client"].append(asyncio.run(llm_client_calls(base_url, args.calls, args.concurrency)))
            walls["bare_sdk"].append(asyncio.run(bare_sdk_calls(base_url, args.calls, args.concurrency)))
    calls: int = args.calls
    ideal: float = args.concurrency / args.latency

    def share(wall: float) -> float:
        return round(calls / wall / ideal, 3)

    wall = statistics.median(walls["llm_client"])
    print(json.dumps({
        "calls": args.calls,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "wall_s": round(wall, 3),
        "calls_per_s": round(calls / wall, 1),
        "ideal_calls_per_s": round(ideal, 1),
        "share_of_ideal": share(wall),
        "share_of_ideal_per_repeat": [share(w) for w in walls["llm_client"]],
        "bare_sdk_share_of_ideal": share(statistics.median(walls["bare_sdk"])),
    }, indent=2))


if __name__ == "__main__":
    main()
