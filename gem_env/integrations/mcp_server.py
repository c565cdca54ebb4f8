"""An MCP server over a compiled domain, on the official `mcp` SDK (2.x; the ``serve`` extra).

Each domain tool is an MCP tool with its JSON schema, plus a ``reset`` tool (``gem_reset`` if the
domain has a tool of that name) that gives the caller a fresh sandbox. Every client session has its
own sandbox, made on its first call:

- over stdio a process serves one client: one session (either protocol era);
- over HTTP the server speaks the handshake-era protocol (it does not answer ``server/discover``,
  so SDK clients fall back to ``initialize``), whose ``Mcp-Session-Id`` names the session; the
  2026-07-28 protocol is stateless, so a client that pins it must name its session in the request
  ``_meta`` as ``gem-env/session`` (or gets a tool error saying so).

A tool's failure (unknown tool, invalid arguments, a refused precondition) comes back as an MCP
tool error (``isError``) with the sandbox's message; nothing a client sends crashes the server.
Sessions beyond ``max_sessions`` evict the least recently used one.
"""
from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any, Callable

import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.streamable_http_manager import DEFAULT_SESSION_IDLE_TIMEOUT
from mcp.shared.exceptions import MCPError

from ..stages.ground.policy_lines import policy_lines
from ..tools import CompiledDomain, Sandbox

SESSION_META = "gem-env/session"
STDIO_SESSION = "stdio"


class SandboxPool:
    """One sandbox per session key. The least recently used go beyond ``max_sessions``, and any
    unused for ``idle_seconds`` (the SDK's own idle timeout for HTTP sessions), so sandboxes of
    sessions that ended do not pile up."""

    def __init__(self, compiled: CompiledDomain, max_sessions: int = 10_000, *,
                 idle_seconds: float = 30 * 60, clock: Callable[[], float] = time.monotonic) -> None:
        self.compiled = compiled
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._sandboxes: OrderedDict[str, tuple[Sandbox, float]] = OrderedDict()  # oldest use first

    def get(self, key: str) -> Sandbox:
        now = self.clock()
        self._expire(lambda used: now - used >= self.idle_seconds)
        entry = self._sandboxes.pop(key, None)
        sandbox = entry[0] if entry is not None else self.compiled.new_sandbox()
        self._sandboxes[key] = (sandbox, now)
        self._expire(lambda used: len(self._sandboxes) > self.max_sessions)
        return sandbox

    def _expire(self, stale: Callable[[float], bool]) -> None:
        """Close sandboxes from the least recently used on, while ``stale(last_use)`` holds."""
        while self._sandboxes:
            key, (sandbox, used) = next(iter(self._sandboxes.items()))
            if not stale(used):
                break
            del self._sandboxes[key]
            sandbox.close()

    def reset(self, key: str) -> None:
        old = self._sandboxes.pop(key, None)
        if old is not None:
            old[0].close()

    def __len__(self) -> int:
        return len(self._sandboxes)

    def close(self) -> None:
        for sandbox, _ in self._sandboxes.values():
            sandbox.close()
        self._sandboxes.clear()


def session_key(ctx: Any, default: str | None) -> str | None:
    """The session a request belongs to: its ``_meta`` name, the HTTP session id, or ``default``."""
    meta = ctx.meta
    named = meta.get(SESSION_META) if isinstance(meta, dict) else None
    if isinstance(named, str) and named:
        return f"meta:{named}"
    request = ctx.request
    headers = getattr(request, "headers", None)
    if headers is not None:
        sid = headers.get("mcp-session-id")
        return f"http:{sid}" if sid else None
    return default


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def _mcp_tool(schema: dict[str, Any]) -> types.Tool:
    fn = schema["function"]
    return types.Tool(name=fn["name"], description=fn.get("description") or fn["name"],
                      input_schema=fn.get("parameters") or {"type": "object", "properties": {}})


def build_server(compiled: CompiledDomain, *, stdio: bool, max_sessions: int = 10_000) -> tuple[Server, SandboxPool]:
    """The MCP server for a domain and its sandbox pool (exposed for tests and benchmarks)."""
    # over stdio the one session lasts as long as the process; over HTTP, as long as the SDK keeps it
    pool = SandboxPool(compiled, max_sessions, idle_seconds=float("inf") if stdio else DEFAULT_SESSION_IDLE_TIMEOUT)
    reset_name = "gem_reset" if "reset" in compiled.tools else "reset"
    tools = [_mcp_tool(s) for s in compiled.openai_schemas()]
    tools.append(types.Tool(name=reset_name, description="Discard this session's changes: start again "
                            "from a fresh copy of the seeded sandbox.", input_schema={"type": "object", "properties": {}}))
    default = STDIO_SESSION if stdio else None

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        key = session_key(ctx, default)
        if key is None:
            return _error(f"no session: connect with the initialize handshake (an Mcp-Session-Id), or name "
                          f"a session in the request _meta as {SESSION_META!r}")
        if params.name == reset_name:
            pool.reset(key)
            return types.CallToolResult(content=[types.TextContent(type="text", text='{"reset": true}')],
                                        structured_content={"reset": True})
        result = pool.get(key).call(params.name, dict(params.arguments or {}))
        if not result.ok:
            return _error(result.content)
        data = result.as_data()
        return types.CallToolResult(content=[types.TextContent(type="text", text=result.content)],
                                    structured_content=data if isinstance(data, dict) else {"result": data})

    async def no_discover(ctx: Any, params: Any) -> Any:
        raise MCPError(code=types.METHOD_NOT_FOUND, message="server/discover: this server keeps a sandbox "
                       "per session; use the initialize handshake")

    server = Server(f"gem-env:{compiled.domain.name}", version=_version(),
                    instructions=_instructions(compiled, reset_name),
                    on_list_tools=list_tools, on_call_tool=call_tool)
    if not stdio:  # over HTTP the handshake era is the one with sessions
        server.add_request_handler("server/discover", types.RequestParams, no_discover)
    return server, pool


def _instructions(compiled: CompiledDomain, reset_name: str) -> str:
    domain = compiled.domain
    lines = [f"Tools of the {domain.name} sandbox. {domain.description}".strip(),
             f"Your session has its own copy of the data; call {reset_name} to start again."]
    lines += [f"- {rule}" for rule in policy_lines(domain)]  # the rules an agent reads, as the prompt gives them
    return "\n".join(lines)


def _version() -> str:
    from importlib import metadata
    try:
        return metadata.version("gem-env")
    except metadata.PackageNotFoundError:
        return "0"


async def serve_stdio(compiled: CompiledDomain) -> None:
    from mcp.server.stdio import stdio_server
    server, pool = build_server(compiled, stdio=True)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        pool.close()


def http_app(compiled: CompiledDomain, *, host: str = "127.0.0.1", max_sessions: int = 10_000) -> tuple[Any, SandboxPool]:
    server, pool = build_server(compiled, stdio=False, max_sessions=max_sessions)
    return server.streamable_http_app(host=host, max_sessions=max_sessions, json_response=True), pool


def serve_http(compiled: CompiledDomain, *, host: str = "127.0.0.1", port: int = 8000,
               max_sessions: int = 10_000) -> None:
    import uvicorn
    app, pool = http_app(compiled, host=host, max_sessions=max_sessions)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        pool.close()


def result_data(result: Any) -> Any:
    """A client-side helper: the JSON a tool result carries (structured content, else its text)."""
    if getattr(result, "structured_content", None) is not None:
        return result.structured_content
    text = "".join(getattr(c, "text", "") for c in result.content)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
