"""`gem serve` under load (prints JSON): MCP tool calls per second over stdio and over HTTP, and
many concurrent sessions, each with its own sandbox, with the server's memory per session.

Usage: python bench/serve.py [--calls 2000] [--sessions 1000] [--domain examples/domains/shop.yaml]

Calls are sequential `get_order` reads from one client (latency-bound: the figure is the round trip
through the SDK and transport, not the sandbox, which answers in ~50 us). The HTTP server runs in its
own process; memory per session is the growth of that process's RSS while `--sessions` clients hold
their sessions open, each having made a write, divided by the number of sessions.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))


def pending_orders(domain: Path, n: int) -> list[str]:
    from gem_env.tools import compile_domain, load_domain
    sandbox = compile_domain(load_domain(domain)).new_sandbox()
    rows = sandbox.dump(["orders"])["orders"].values()
    return [r["order_id"] for r in rows if r["status"] == "pending"][:n]


async def calls_per_second(client, calls: int, order_id: str) -> float:
    for _ in range(20):  # warm up
        await client.call_tool("get_order", {"order_id": order_id})
    started = time.perf_counter()
    for _ in range(calls):
        result = await client.call_tool("get_order", {"order_id": order_id})
        assert not result.is_error
    return calls / (time.perf_counter() - started)


async def bench_stdio(domain: Path, calls: int, order_id: str) -> float:
    from mcp import Client, StdioServerParameters
    params = StdioServerParameters(command=sys.executable, args=["-m", "gem_env", "serve", str(domain)])
    async with Client(params) as client:
        return await calls_per_second(client, calls, order_id)


@contextlib.contextmanager
def http_server(domain: Path, sessions: int):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "gem_env", "serve", str(domain), "--transport", "http",
                             "--port", str(port), "--max-sessions", str(sessions + 10)],
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def bench_sessions(url: str, pid: int, sessions: int, orders: list[str]) -> dict:
    from mcp import Client
    async with Client(url) as warm:  # the first session pays for imports and the first sandbox
        await warm.call_tool("get_order", {"order_id": orders[0]})
    before = rss_bytes(pid)
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for i in range(sessions):
            client = await stack.enter_async_context(Client(url))
            await client.call_tool("cancel_order", {"order_id": orders[i % len(orders)], "reason": "no longer needed"})
            clients.append(client)
        opened = time.perf_counter() - started
        held = rss_bytes(pid)
        # every session still sees its own change, and only its own
        first = await clients[0].call_tool("get_order", {"order_id": orders[0]})
        isolated = json.loads(first.content[0].text)["status"] == "cancelled"
    return {"sessions": sessions, "open_and_write_seconds": round(opened, 2),
            "server_rss_before_mib": round(before / 2**20, 1), "server_rss_held_mib": round(held / 2**20, 1),
            "kib_per_session": round((held - before) / sessions / 1024, 1), "isolated": isolated}


def bare_sandbox_kib(domain: Path, n: int = 200) -> float:
    """Memory of a sandbox alone (no MCP session around it), to split the per-session figure."""
    from gem_env.tools import compile_domain, load_domain
    compiled = compile_domain(load_domain(domain))
    before = rss_bytes(os.getpid())
    sandboxes = [compiled.new_sandbox() for _ in range(n)]
    kib = (rss_bytes(os.getpid()) - before) / n / 1024
    for s in sandboxes:
        s.close()
    return round(kib, 1)


async def main(args: argparse.Namespace) -> dict:
    domain = Path(args.domain)
    orders = pending_orders(domain, max(1, args.sessions))
    out: dict = {"domain": str(domain), "calls": args.calls, "load_average": os.getloadavg(),
                 "bare_sandbox_kib": bare_sandbox_kib(domain)}
    out["stdio_calls_per_s"] = round(await bench_stdio(domain, args.calls, orders[0]), 1)
    from mcp import Client
    with http_server(domain, args.sessions) as (url, pid):
        async with Client(url) as client:
            out["http_calls_per_s"] = round(await calls_per_second(client, args.calls, orders[0]), 1)
        out["held_sessions"] = await bench_sessions(url, pid, args.sessions, orders)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--domain", default=str(ROOT / "examples" / "domains" / "shop.yaml"))
    try:
        import mcp  # noqa: F401
    except ImportError:
        print(json.dumps({"skipped": "needs the serve extra: pip install 'gem-env[serve]'"}))
        sys.exit(0)
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=1))
