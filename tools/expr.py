"""The expression language of effects, conditions and bindings: parsed, then compiled to closures.

Nothing here calls Python's ``eval``: source text is tokenised and parsed (`tools.expr_syntax`) into
a tree, and each node becomes a small closure over its children, with operators and functions from
`tools.expr_values`. Evaluation errors raise `ExprError` with a message fit to show an agent.
`Compiled.names` and `Compiled.fields` let the compiler check every name and row field an
expression uses before any tool runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .errors import ExprError
from .expr_syntax import Node, parse, tokenize
from .expr_values import BINARY_OPS, VALUE_FUNCTIONS, format_id, get_attr, index_value, number, text_of, typename

__all__ = ["Compiled", "Env", "Fn", "Node", "Runtime", "arith", "build", "compile_expr", "compile_template",
           "format_id", "parse", "substitute", "tokenize"]

Env = dict[str, Any]


class Runtime(Protocol):
    """What an expression may ask of its sandbox (reads only, plus the id counter)."""

    def lookup(self, table: str, key: Any) -> dict | None: ...

    def next_id(self, prefix: str) -> str: ...

    def count_rows(self, table: str, where: dict[str, Any]) -> int: ...

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]: ...


Fn = Callable[[Env, Runtime], Any]

MAX_ARITH_CHARS = 1000
"""Longest string `arith` evaluates: a tool's input is the agent's to choose, its CPU is ours."""


def arith(text: Any) -> float | int:
    """Evaluate a plain arithmetic string: numbers, + - * / % and parentheses only, at most
    `MAX_ARITH_CHARS` long; anything else is an `ExprError` that names no Python internals."""
    src = text_of(text)
    if len(src) > MAX_ARITH_CHARS:
        raise ExprError(f"arithmetic expression too long ({len(src)} characters; at most {MAX_ARITH_CHARS})")
    try:
        return _arith(src)
    except RecursionError:
        raise ExprError("arithmetic expression nested too deeply; split it into smaller parts") from None


def _arith(src: str) -> float | int:
    node = parse(src) if src.strip() else None
    allowed = {"const", "neg", "+", "-", "*", "/", "%"}

    def check(n: Node) -> None:
        if n.op not in allowed or (n.op == "const" and not isinstance(n.value, (int, float))):
            raise ExprError(f"only numbers and + - * / % ( ) are allowed in {src!r}")
        for a in n.args:
            check(a)
    if node is None:
        raise ExprError("empty arithmetic expression")
    check(node)
    return build(node)({}, None)  # type: ignore[arg-type]


PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {**VALUE_FUNCTIONS, "arith": arith}
RUNTIME_FUNCTIONS = {"lookup", "next_id", "count_rows", "rows"}
FUNCTIONS = set(PURE_FUNCTIONS) | RUNTIME_FUNCTIONS

# ---------------------------------------------------------------- compile to closures


_SCALARS = (str, int, float, bool, type(None))
"""Constants a list literal of which is copied rather than evaluated element by element."""
_SHORT_ARITIES = (1, 2)
"""Calls with this many arguments built without the list of values (the general `call` otherwise)."""


def build(node: Node) -> Fn:
    op = node.op
    if op == "const":
        value = node.value
        return lambda env, rt: value
    if op == "name":
        name = node.value

        def get_name(env: Env, rt: Runtime) -> Any:
            try:
                return env[name]
            except KeyError:
                raise ExprError(f"unknown name '{name}'") from None
        return get_name
    args = [build(a) for a in node.args]
    if op == "attr":
        (obj,), attr = args, node.value

        def get_field(env: Env, rt: Runtime) -> Any:
            value = obj(env, rt)
            if value is None:
                raise ExprError(f"cannot read field '{attr}' of null")
            return get_attr(value, attr)
        return get_field
    if op == "index":
        obj, key = args
        return lambda env, rt: index_value(obj(env, rt), key(env, rt))
    if op == "list":
        if all(a.op == "const" and type(a.value) in _SCALARS for a in node.args):  # `status in ['open']`
            values = [a.value for a in node.args]
            return lambda env, rt: values[:]  # a fresh list of the same constants, as the elements give
        return lambda env, rt: [a(env, rt) for a in args]
    if op == "dict":
        keys = node.value
        return lambda env, rt: {k: a(env, rt) for k, a in zip(keys, args)}
    if op == "not":
        (a,) = args
        return lambda env, rt: not a(env, rt)
    if op == "neg":
        (a,) = args
        return lambda env, rt: -number(a(env, rt), "'-'")
    if op == "and":
        a, b = args
        return lambda env, rt: a(env, rt) and b(env, rt)
    if op == "or":
        a, b = args
        return lambda env, rt: a(env, rt) or b(env, rt)
    if op == "ifelse":
        cond, then, other = args
        return lambda env, rt: then(env, rt) if cond(env, rt) else other(env, rt)
    if op == "call":
        return _build_call(node.value, args, node)
    if op == "comp":
        return _build_comprehension(node.value, *args)
    binop = BINARY_OPS[op]
    a, b = args
    return lambda env, rt: binop(a(env, rt), b(env, rt))


def _build_comprehension(var: str, elem: Fn, source: Fn, cond: Fn | None = None) -> Fn:
    """``[elem for var in source if cond]``: `var` is bound for each element in a copy of the env."""
    def comprehension(env: Env, rt: Runtime) -> list:
        items = source(env, rt)
        if items is None:
            return []
        if isinstance(items, dict):
            items = list(items.values())
        if not isinstance(items, list):
            raise ExprError(f"'for {var} in ...' needs a list, got {typename(items)}")
        inner = dict(env)
        out = []
        for item in items:
            inner[var] = item
            if cond is None or cond(inner, rt):
                out.append(elem(inner, rt))
        return out
    return comprehension


def _build_call(name: str, args: list[Fn], node: Node) -> Fn:
    if name == "lookup":
        if len(node.args) != 2 or node.args[0].op != "const" or not isinstance(node.args[0].value, str):
            raise ExprError("lookup() takes a table name in quotes and a key: lookup('customers', id)")
        table, key = node.args[0].value, args[1]
        return lambda env, rt: rt.lookup(table, key(env, rt))
    if name in ("count_rows", "rows"):
        if (len(node.args) != 2 or node.args[0].op != "const" or not isinstance(node.args[0].value, str)
                or node.args[1].op != "dict"):
            raise ExprError(f"{name}() takes a table name in quotes and {{field: value, ...}}: "
                            f"{name}('orders', {{customer_id: row.customer_id}})")
        table, where = node.args[0].value, args[1]
        if name == "rows":
            return lambda env, rt: rt.rows(table, where(env, rt))
        return lambda env, rt: rt.count_rows(table, where(env, rt))
    if name == "next_id":
        if len(args) != 1:
            raise ExprError("next_id() takes one prefix")
        (prefix,) = args
        return lambda env, rt: rt.next_id(text_of(prefix(env, rt)))
    fn = PURE_FUNCTIONS.get(name)
    if fn is None:
        raise ExprError(f"unknown function '{name}'; known: {', '.join(sorted(FUNCTIONS))}")

    refused = f"{name}() got {len(args)} argument(s), which it does not take"
    if len(args) == 1 and 1 in _SHORT_ARITIES:  # (the common arity without the list of values)
        (arg,) = args

        def call1(env: Env, rt: Runtime) -> Any:
            value = arg(env, rt)
            try:
                return fn(value)
            except TypeError:
                raise ExprError(refused) from None
        return call1
    if len(args) == 2 and 2 in _SHORT_ARITIES:  # (the other common arity)
        first, second = args

        def call2(env: Env, rt: Runtime) -> Any:
            a, b = first(env, rt), second(env, rt)
            try:
                return fn(a, b)
            except TypeError:
                raise ExprError(refused) from None
        return call2

    def call(env: Env, rt: Runtime) -> Any:
        values = [a(env, rt) for a in args]
        try:
            return fn(*values)
        except TypeError:
            raise ExprError(refused) from None
    return call


@dataclass
class Compiled:
    """A compiled expression with what the compiler needs to check it."""

    fn: Fn
    names: set[str]                      # free names it reads
    fields: list[tuple[str, str]]        # (name, field) pairs read as name.field
    tables: set[str]                     # tables named in lookup(), count_rows() and rows()
    table_fields: list[tuple[str, str]] = field(default_factory=list)  # (table, field) of count_rows() and rows()
    source: Any = None

    def __call__(self, env: Env, rt: Runtime) -> Any:
        return self.fn(env, rt)

    def absorb(self, parts: list[Compiled]) -> None:
        """Take in what the parts read (their names, fields and tables)."""
        for p in parts:
            self.names |= p.names
            self.fields += p.fields
            self.tables |= p.tables
            self.table_fields += p.table_fields


def _walk(node: Node, out: Compiled) -> None:
    if node.op == "comp":  # the loop name is local: not a free name, its fields are not checked
        _walk(node.args[1], out)
        inner = Compiled(fn=out.fn, names=set(), fields=[], tables=set())
        for a in [node.args[0], *node.args[2:]]:
            _walk(a, inner)
        out.names |= inner.names - {node.value}
        out.fields += [(n, f) for n, f in inner.fields if n != node.value]
        out.tables |= inner.tables
        out.table_fields += inner.table_fields
        return
    if node.op == "name":
        out.names.add(node.value)
    elif node.op == "attr" and node.args[0].op == "name":
        out.fields.append((node.args[0].value, node.value))
    elif node.op == "call" and node.value in ("lookup", "count_rows", "rows") and node.args and node.args[0].op == "const":
        out.tables.add(node.args[0].value)
        if node.value in ("count_rows", "rows") and len(node.args) == 2 and node.args[1].op == "dict":
            out.table_fields += [(node.args[0].value, k) for k in node.args[1].value]
    for a in node.args:
        _walk(a, out)


def compile_expr(source: Any) -> Compiled:
    """Compile an expression value: a string is parsed; dicts and lists are built element-wise;
    other JSON values are constants."""
    out = Compiled(fn=lambda env, rt: None, names=set(), fields=[], tables=set(), source=source)
    if isinstance(source, str):
        node = parse(source)
        _walk(node, out)
        out.fn = build(node)
    elif isinstance(source, dict):
        parts = {str(k): compile_expr(v) for k, v in source.items()}
        out.absorb(list(parts.values()))
        out.fn = lambda env, rt: {k: p.fn(env, rt) for k, p in parts.items()}
    elif isinstance(source, list):
        items = [compile_expr(v) for v in source]
        out.absorb(items)
        out.fn = lambda env, rt: [p.fn(env, rt) for p in items]
    elif source is None or isinstance(source, (bool, int, float)):
        out.fn = lambda env, rt: source
    else:
        raise ExprError(f"not an expression: {source!r}")
    return out


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def compile_template(text: str) -> Compiled:
    """A message with ``{expr}`` placeholders, e.g. ``"Order {order_id} is {order.status}"``."""
    parts: list[Any] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(text[pos:m.start()])
        parts.append(compile_expr(m.group(1)))
        pos = m.end()
    parts.append(text[pos:])
    out = Compiled(fn=lambda env, rt: text, names=set(), fields=[], tables=set(), source=text)
    exprs = [p for p in parts if isinstance(p, Compiled)]
    if not exprs:
        return out
    out.absorb(exprs)
    out.fn = lambda env, rt: "".join(p if isinstance(p, str) else text_of(p.fn(env, rt)) for p in parts)
    return out


def substitute(source: str, names: dict[str, str]) -> str:
    """`source` with every free use of a name in `names` replaced by its expression, parenthesised.

    Field names (after '.'), function names (before '(') and mapping keys (before ':') are left
    alone. Used to expand a workflow's ``let`` bindings into the expressions that read them.
    """
    toks = tokenize(source)
    out, pos = [], 0
    for k, tok in enumerate(toks):
        if tok.kind != "name" or tok.value not in names:
            continue
        prev = toks[k - 1] if k else None
        nxt = toks[k + 1]
        if (prev is not None and prev.kind == "op" and prev.value == ".") or \
                (nxt.kind == "op" and nxt.value in ("(", ":")):
            continue
        out += [source[pos:tok.pos], "(", names[tok.value], ")"]
        pos = tok.pos + len(tok.value)
    out.append(source[pos:])
    return "".join(out)
