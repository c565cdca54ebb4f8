"""The expression runtime the assistant checks rules with outside a sandbox: expression texts
compiled once, and a database that is never read."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from gem_env.tools.errors import ExprError
from gem_env.tools.expr import Compiled, Node, compile_expr, parse


@lru_cache(maxsize=4096)
def expression(source: str) -> Compiled:
    """`compile_expr` of an expression text, compiled once: the agent checks the same rules of a
    tool at every reply (a compiled expression is only called and read, never changed)."""
    return compile_expr(source)


@lru_cache(maxsize=4096)
def parsed(source: str) -> Node:
    """`parse` of an expression text, once (the tree is only read)."""
    return parse(source)


class NoDatabase:
    """The expression runtime offered outside a sandbox: it reads results, never the database."""

    def lookup(self, table: str, key: Any) -> dict | None:
        raise ExprError("the assistant cannot read the database directly")

    def next_id(self, prefix: str) -> str:
        raise ExprError("the assistant cannot allocate ids")

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        raise ExprError("the assistant cannot read the database directly")

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]:
        raise ExprError("the assistant cannot read the database directly")
