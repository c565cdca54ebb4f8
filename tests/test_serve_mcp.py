"""`gem serve`: the MCP SDK's own client over stdio and over HTTP on 127.0.0.1."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES

mcp = pytest.importorskip("mcp", reason="gem serve needs the `serve` extra (the mcp SDK)")
from mcp import Client, StdioServerParameters  # noqa: E402

from gem_env.integrations.mcp_server import result_data  # noqa: E402
from gem_env.tools import compile_domain, load_domain  # noqa: E402

SHOP = EXAMPLES / "domains" / "shop.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_url() -> str:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gem_env", "serve", str(SHOP), "--transport", "http",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gem serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(timeout=10)


def _pending_order() -> str:
    """A pending order of the shop sandbox (the server seeds the same data from the same file)."""
    sandbox = compile_domain(load_domain(SHOP)).new_sandbox()
    return next(r["order_id"] for r in sandbox.dump(["orders"])["orders"].values() if r["status"] == "pending")


ORDER = _pending_order()


async def _exercise(client: Client) -> None:
    listed = await client.list_tools()
    names = {t.name for t in listed.tools}
    assert {"get_order", "cancel_order", "reset"} <= names
    schema = next(t for t in listed.tools if t.name == "get_order").input_schema
    assert schema["required"] == ["order_id"]
    order_id = ORDER
    assert result_data(await client.call_tool("get_order", {"order_id": order_id}))["status"] == "pending"
    bad = await client.call_tool("get_order", {"order_id": 123, "surprise": 1})
    assert bad.is_error and "invalid arguments" in bad.content[0].text
    unknown = await client.call_tool("no_such_tool", {})
    assert unknown.is_error and "unknown tool" in unknown.content[0].text
    cancel = await client.call_tool("cancel_order", {"order_id": order_id, "reason": "no longer needed"})
    assert not cancel.is_error, cancel.content[0].text
    after = result_data(await client.call_tool("get_order", {"order_id": order_id}))
    assert after["status"] != "pending"
    again = await client.call_tool("cancel_order", {"order_id": order_id, "reason": "no longer needed"})
    assert again.is_error  # a refused precondition is a tool error, and the server lives on
    await client.call_tool("reset", {})
    assert result_data(await client.call_tool("get_order", {"order_id": order_id}))["status"] == "pending"


async def test_stdio_lists_calls_reads_writes_and_reports_errors() -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "gem_env", "serve", str(SHOP)])
    async with Client(params) as client:
        await _exercise(client)


async def test_http_session_round_trip(http_url: str) -> None:
    async with Client(http_url) as client:
        await _exercise(client)


async def test_http_sessions_are_isolated(http_url: str) -> None:
    async with Client(http_url) as a, Client(http_url) as b:
        order_id = ORDER
        changed = await a.call_tool("cancel_order", {"order_id": order_id, "reason": "no longer needed"})
        assert not changed.is_error
        assert result_data(await a.call_tool("get_order", {"order_id": order_id}))["status"] != "pending"
        assert result_data(await b.call_tool("get_order", {"order_id": order_id}))["status"] == "pending"
    async with Client(http_url) as c:  # a new session starts fresh
        assert result_data(await c.call_tool("get_order", {"order_id": order_id}))["status"] == "pending"


async def test_stateless_clients_name_their_session_in_meta(http_url: str) -> None:
    async with Client(http_url, mode="2026-07-28") as client:
        anonymous = await client.call_tool("get_order", {"order_id": "ORD-10001"})
        assert anonymous.is_error and "gem-env/session" in anonymous.content[0].text
        order_id = ORDER
        await client.call_tool("cancel_order", {"order_id": order_id, "reason": "no longer needed"}, meta={"gem-env/session": "s1"})
        s1 = result_data(await client.call_tool("get_order", {"order_id": order_id}, meta={"gem-env/session": "s1"}))
        s2 = result_data(await client.call_tool("get_order", {"order_id": order_id}, meta={"gem-env/session": "s2"}))
        assert s1["status"] != "pending" and s2["status"] == "pending"


def test_serve_rejects_a_bad_target(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "gem_env", "serve", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "no such domain file" in out.stderr and "Traceback" not in out.stderr


def test_pool_keeps_a_sandbox_per_session_and_lets_idle_or_surplus_ones_go() -> None:
    from gem_env.integrations.mcp_server import SandboxPool
    now = [0.0]
    pool = SandboxPool(compile_domain(load_domain(SHOP)), max_sessions=2, idle_seconds=100, clock=lambda: now[0])
    a = pool.get("a")
    assert pool.get("a") is a and len(pool) == 1
    a.call("cancel_order", {"order_id": ORDER, "reason": "no longer needed"})
    b = pool.get("b")
    assert b is not a and b.dump(["orders"])["orders"][ORDER]["status"] == "pending"
    pool.get("a")          # a is now the most recent
    pool.get("c")          # over max_sessions: b, the least recently used, goes
    assert len(pool) == 2 and pool.get("a") is a
    now[0] = 150           # everything idle for more than 100 s goes on the next use
    fresh = pool.get("a")
    assert fresh is not a and len(pool) == 1
    assert fresh.dump(["orders"])["orders"][ORDER]["status"] == "pending"
    pool.reset("a")
    assert len(pool) == 0
    pool.close()
