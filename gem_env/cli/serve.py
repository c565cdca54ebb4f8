"""`gem serve DOMAIN_OR_RUN --transport stdio|http`: a domain's tools as an MCP server."""
from __future__ import annotations

import argparse
import asyncio
import sys

from ..errors import GemError
from ..integrations.targets import load_target


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve a domain's tools over MCP (a sandbox per client session)")
    p.add_argument("target", help="a domain file (.yaml/.json) or a run directory")
    p.add_argument("--domain", default=None, help="the domain to serve when the run holds several")
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="http: address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="http: port (default: 8000); the endpoint is /mcp")
    p.add_argument("--max-sessions", type=int, default=10_000, help="sandboxes kept at once (least recently used go)")
    p.add_argument("--seed", type=int, default=None, help="seed the sandbox data differently")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ..integrations import mcp_server
    except ImportError:
        raise GemError("gem serve needs the MCP SDK: pip install 'gem-env[serve]'") from None
    if not 0 < args.port < 65536 or args.max_sessions < 1:
        raise GemError("--port must be 1-65535 and --max-sessions at least 1")
    compiled = load_target(args.target, args.domain, seed=args.seed)
    if args.transport == "stdio":
        asyncio.run(mcp_server.serve_stdio(compiled))
    else:
        print(f"gem serve: {compiled.domain.name} ({len(compiled.tools)} tools) at "
              f"http://{args.host}:{args.port}/mcp", file=sys.stderr, flush=True)
        mcp_server.serve_http(compiled, host=args.host, port=args.port, max_sessions=args.max_sessions)
    return 0
