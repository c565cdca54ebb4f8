"""The expression language's syntax: tokens and a Pratt parser into a `Node` tree.

Nothing is evaluated here; `tools.expr` compiles the tree to closures. Errors name what to write
instead of syntax borrowed from other languages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ExprError

# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.\d*|\.\d+|\d+)
    | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>==|!=|<=|>=|[-+*/%<>()\[\]{},:.])
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "if", "else", "true", "false", "null", "for"}


#: what to write instead of syntax from other languages (longest first)
_SYNTAX_HINTS = [
    ("&&", "; write 'and'"), ("||", "; write 'or'"), ("!", "; write 'not x' or '!='"),
    ("=", "; compare with '=='; bind names with a let step"), ("?", "; write 'a if cond else b'"),
    ("&", "; write 'and'"), ("|", "; write 'or'"), ("$", "; names need no '$'; write the name"),
    ("`", "; quote strings with ' or \""), (";", "; one expression per value; use several steps"),
]


@dataclass(frozen=True)
class Tok:
    kind: str  # num, str, name, op, kw, end
    value: Any
    pos: int


def tokenize(src: str) -> list[Tok]:
    toks, pos = [], 0
    src = src.rstrip()
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m or m.end() == pos:
            rest = src[pos:].lstrip()
            hint = next((h for p, h in _SYNTAX_HINTS if rest.startswith(p)), "")
            raise ExprError(f"unexpected character {rest[:1]!r} at {pos} in {src!r}{hint}")
        kind = m.lastgroup
        text, start = m.group(kind), m.start(kind)
        if kind == "num":
            value: Any = float(text) if "." in text else int(text)
        elif kind == "str":
            value = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "name" and text in _KEYWORDS:
            kind, value = "kw", text
        else:
            value = text
        toks.append(Tok(kind, value, start))
        pos = m.end()
    toks.append(Tok("end", None, len(src)))
    return toks


# ---------------------------------------------------------------- syntax tree

@dataclass
class Node:
    op: str
    args: list = field(default_factory=list)
    value: Any = None


_BINARY = {  # operator -> binding power
    "if": 5, "or": 10, "and": 20,
    "==": 40, "!=": 40, "<": 40, "<=": 40, ">": 40, ">=": 40, "in": 40, "not in": 40,
    "+": 50, "-": 50, "*": 60, "/": 60, "%": 60,
}


class _Parser:
    def __init__(self, src: str):
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    def peek(self) -> Tok:
        return self.toks[self.i]

    def next(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.next()
        if tok.value != value or tok.kind not in ("op", "kw"):
            got = "end of expression" if tok.kind == "end" else repr(tok.value)
            raise ExprError(f"expected {value!r} but found {got} at {tok.pos} in {self.src!r}")

    def parse(self) -> Node:
        node = self.expr(0)
        tok = self.peek()
        if tok.kind != "end":
            raise ExprError(f"unexpected {tok.value!r} at {tok.pos} in {self.src!r}")
        return node

    def _infix_op(self) -> str | None:
        tok = self.peek()
        if tok.kind in ("op", "kw") and tok.value in _BINARY:
            return tok.value
        if tok.kind == "kw" and tok.value == "not" and self.toks[self.i + 1].value == "in":
            return "not in"
        return None

    def expr(self, min_bp: int) -> Node:
        left = self.prefix()
        while True:
            op = self._infix_op()
            if op is None or _BINARY[op] <= min_bp:
                return left
            self.next()
            if op == "not in":
                self.next()
            if op == "if":  # a if cond else b
                cond = self.expr(_BINARY["if"])
                self.expect("else")
                left = Node("ifelse", [cond, left, self.expr(_BINARY["if"] - 1)])
            else:
                left = Node(op, [left, self.expr(_BINARY[op])])

    def prefix(self) -> Node:
        tok = self.next()
        if tok.kind in ("num", "str"):
            return self.postfix(Node("const", value=tok.value))
        if tok.kind == "kw":
            if tok.value in ("true", "false", "null"):
                return self.postfix(Node("const", value={"true": True, "false": False, "null": None}[tok.value]))
            if tok.value == "not":
                return Node("not", [self.expr(30)])
        if tok.kind == "name":
            if self.peek().value == "(" and self.peek().kind == "op":
                self.next()
                return self.postfix(Node("call", self.items(")"), tok.value))
            return self.postfix(Node("name", value=tok.value))
        if tok.kind == "op":
            if tok.value == "-":
                return Node("neg", [self.expr(70)])
            if tok.value == "(":
                inner = self.expr(0)
                self.expect(")")
                return self.postfix(inner)
            if tok.value == "[":
                return self.postfix(self.list_or_comprehension())
            if tok.value == "{":
                return self.postfix(self.mapping())
        got = "end of expression" if tok.kind == "end" else repr(tok.value)
        raise ExprError(f"unexpected {got} at {tok.pos} in {self.src!r}")

    def items(self, close: str) -> list[Node]:
        out: list[Node] = []
        if self.peek().value == close and self.peek().kind == "op":
            self.next()
            return out
        while True:
            out.append(self.expr(0))
            tok = self.next()
            if tok.value == close and tok.kind == "op":
                return out
            if tok.value != ",":
                raise ExprError(f"expected ',' or {close!r} at {tok.pos} in {self.src!r}")

    def list_or_comprehension(self) -> Node:
        """``[a, b]`` or ``[EXPR for NAME in LIST]`` / ``[EXPR for NAME in LIST if COND]``."""
        if self.peek().kind == "op" and self.peek().value == "]":
            self.next()
            return Node("list", [])
        first = self.expr(0)
        if not (self.peek().kind == "kw" and self.peek().value == "for"):
            rest = [first]
            if self.peek().value == ",":
                self.next()
                rest += self.items("]")
            else:
                self.expect("]")
            return Node("list", rest)
        self.next()
        var = self.next()
        if var.kind != "name":
            raise ExprError(f"expected a name after 'for' at {var.pos} in {self.src!r}")
        self.expect("in")
        source = self.expr(_BINARY["if"])  # stops before a trailing `if COND`
        cond = None
        if self.peek().kind == "kw" and self.peek().value == "if":
            self.next()
            cond = self.expr(0)
        self.expect("]")
        return Node("comp", [first, source] + ([cond] if cond is not None else []), var.value)

    def mapping(self) -> Node:
        keys, vals = [], []
        while not (self.peek().kind == "op" and self.peek().value == "}"):
            tok = self.next()
            if tok.kind not in ("name", "str", "kw"):
                raise ExprError(f"expected a key at {tok.pos} in {self.src!r}")
            keys.append(str(tok.value))
            self.expect(":")
            vals.append(self.expr(0))
            if self.peek().value == ",":
                self.next()
        self.next()
        return Node("dict", vals, keys)

    def postfix(self, node: Node) -> Node:
        while self.peek().kind == "op" and self.peek().value in (".", "["):
            if self.next().value == ".":
                tok = self.next()
                if tok.kind not in ("name", "kw"):
                    raise ExprError(f"expected a field name after '.' at {tok.pos} in {self.src!r}")
                node = Node("attr", [node], tok.value)
            else:
                node = Node("index", [node, self.expr(0)])
                self.expect("]")
        return node


def parse(src: str) -> Node:
    return _Parser(src).parse()
