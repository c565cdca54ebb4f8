"""The expression language of effects, conditions and bindings: parsed, then compiled to closures.

Nothing here calls Python's ``eval``: source text is tokenised and parsed (a Pratt parser) into a
tree, and each node becomes a small closure over its children. Evaluation errors raise `ExprError`
with a message fit to show an agent. `Compiled.names` and `Compiled.fields` let the compiler check
every name and row field an expression uses before any tool runs.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .errors import ExprError

Env = dict[str, Any]


class Runtime(Protocol):
    """What an expression may ask of its sandbox (reads only, plus the id counter)."""

    def lookup(self, table: str, key: Any) -> dict | None: ...

    def next_id(self, prefix: str) -> str: ...

    def count_rows(self, table: str, where: dict[str, Any]) -> int: ...

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]: ...


Fn = Callable[[Env, Runtime], Any]

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


# ---------------------------------------------------------------- semantics


def _typename(v: Any) -> str:
    return {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string",
            list: "list", dict: "object"}.get(type(v), type(v).__name__)


def _num(v: Any, what: str) -> float | int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ExprError(f"{what} needs a number, got {_typename(v)} {v!r}")
    return v


def _text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) or isinstance(b, str):
        return _text(a) + _text(b)
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    return _num(a, "'+'") + _num(b, "'+'")


def _div(a: Any, b: Any) -> Any:
    if _num(b, "'/'") == 0:
        raise ExprError("division by zero")
    return _num(a, "'/'") / b


def _mod(a: Any, b: Any) -> Any:
    if _num(b, "'%'") == 0:
        raise ExprError("division by zero")
    return _num(a, "'%'") % b


def _compare(op: str) -> Callable[[Any, Any], bool]:
    import operator
    fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def cmp(a: Any, b: Any) -> bool:
        try:
            return fn(a, b)
        except TypeError:
            raise ExprError(f"cannot compare {_typename(a)} {op} {_typename(b)}") from None
    return cmp


def _contains(a: Any, b: Any) -> bool:
    if isinstance(b, (list, dict)):
        return a in b
    if isinstance(b, str):
        return _text(a) in b
    if b is None:
        return False
    raise ExprError(f"'in' needs a list, object or string on the right, got {_typename(b)}")


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": lambda a, b: _num(a, "'-'") - _num(b, "'-'"),
    "*": lambda a, b: _num(a, "'*'") * _num(b, "'*'"),
    "/": _div, "%": _mod,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": _compare("<"), "<=": _compare("<="), ">": _compare(">"), ">=": _compare(">="),
    "in": _contains, "not in": lambda a, b: not _contains(a, b),
}


def get_attr(value: Any, name: str) -> Any:
    """`row.field`; on a list, the field of every element."""
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, list):
        return [get_attr(v, name) for v in value]
    raise ExprError(f"cannot read field '{name}' of {_typename(value)}")


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, list):
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExprError(f"a list index must be a whole number, got {_typename(key)}")
        if not -len(value) <= key < len(value):
            raise ExprError(f"index {key} is out of range for a list of {len(value)}")
        return value[key]
    if isinstance(value, dict):
        return value.get(_text(key))
    raise ExprError(f"cannot index {_typename(value)}")


# ---------------------------------------------------------------- functions


def _list(v: Any, fn: str) -> list:
    if not isinstance(v, list):
        raise ExprError(f"{fn}() needs a list, got {_typename(v)}")
    return v


def _sum(v: Any) -> Any:
    total: Any = 0
    for x in _list(v, "sum"):
        total = total + _num(x, "sum()")
    return total


def _minmax(fn: Callable, name: str) -> Callable:
    def inner(*args: Any) -> Any:
        items = _list(args[0], name) if len(args) == 1 else list(args)
        if not items:
            raise ExprError(f"{name}() of an empty list")
        try:
            return fn(items)
        except TypeError:
            raise ExprError(f"{name}() needs values of one kind") from None
    return inner


def _round(x: Any, n: Any = 0) -> Any:
    r = round(_num(x, "round()"), int(_num(n, "round()")))
    return r if n else int(r)


def _int(x: Any) -> int:
    try:
        return int(float(x)) if isinstance(x, str) else int(_num(x, "int()"))
    except ValueError:
        raise ExprError(f"int() cannot read {x!r}") from None


def _float(x: Any) -> float:
    try:
        return float(x) if isinstance(x, str) else float(_num(x, "float()"))
    except ValueError:
        raise ExprError(f"float() cannot read {x!r}") from None


def _date(x: Any) -> str:
    try:
        return dt.datetime.fromisoformat(_text(x)).date().isoformat()
    except ValueError:
        raise ExprError(f"date() cannot read {x!r}") from None


def _add_days(d: Any, n: Any) -> str:
    text = _text(d)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ExprError(f"add_days() cannot read the date {d!r}") from None
    out = parsed + dt.timedelta(days=_num(n, "add_days()"))
    return out.date().isoformat() if len(text) <= 10 else out.isoformat()


def _days_between(a: Any, b: Any) -> int:
    try:
        return (dt.datetime.fromisoformat(_text(b)) - dt.datetime.fromisoformat(_text(a))).days
    except ValueError:
        raise ExprError(f"days_between() cannot read {a!r} or {b!r}") from None


def _parse_day(x: Any, fn: str) -> dt.date:
    try:
        return dt.datetime.fromisoformat(_text(x)).date()
    except ValueError:
        raise ExprError(f"{fn}() cannot read the date {x!r}") from None


def _add_business_days(d: Any, n: Any) -> str:
    """`d` moved by `n` working days (Monday to Friday): Friday + 1 and Saturday + 1 are Monday."""
    day = _parse_day(d, "add_business_days")
    left = int(_num(n, "add_business_days()"))
    step = 1 if left >= 0 else -1
    while left:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            left -= step
    return day.isoformat()


def _business_days_between(a: Any, b: Any) -> int:
    """Working days (Monday to Friday) after `a` up to and including `b`; negative when b < a."""
    start, end = _parse_day(a, "business_days_between"), _parse_day(b, "business_days_between")
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5 + sum(1 for k in range(1, extra + 1) if (start + dt.timedelta(days=k)).weekday() < 5)
    return sign * count


def _join(v: Any, sep: Any = ", ") -> str:
    return _text(sep).join(_text(x) for x in _list(v, "join"))


def format_id(pattern: str, n: int) -> str:
    """The `n`-th id of a pattern: ``'DSP-#####'`` -> DSP-10001, DSP-10002, ...; a pattern without
    ``#`` is a prefix (``'ORD-'`` -> ORD-1). The first run of ``#`` is the number, other ``#`` are kept."""
    m = re.search(r"#+", pattern)
    if not m:
        return f"{pattern}{n}"
    width = len(m.group(0))
    number = 10 ** (width - 1) + n if width > 1 else n
    return pattern[:m.start()] + str(number) + pattern[m.end():]


def _sorted(v: Any) -> list:
    try:
        return sorted(_list(v, "sorted"))
    except TypeError:
        raise ExprError("sorted() needs values of one kind") from None


def _index_by(rows: Any, key: Any, value: Any = None) -> dict:
    out = {}
    for row in _list(rows, "index_by"):
        k = _text(get_attr(row, _text(key)))
        out[k] = row if value is None else get_attr(row, _text(value))
    return out


def _pick(rows: Any, fld: Any, value: Any) -> list:
    return [r for r in _list(rows, "pick") if get_attr(r, _text(fld)) == value]


def _first(v: Any) -> Any:
    return _list(v, "first")[0] if v else None


def _last(v: Any) -> Any:
    return _list(v, "last")[-1] if v else None


def _zip(*lists: Any) -> list:
    ls = [_list(v, "zip") for v in lists]
    if len({len(v) for v in ls}) > 1:
        raise ExprError("zip() needs lists of the same length")
    return [list(t) for t in zip(*ls)]


def _unique(v: Any) -> list:
    out: list = []
    for x in _list(v, "unique"):
        if x not in out:
            out.append(x)
    return out


def _len(v: Any) -> int:
    if isinstance(v, (list, dict, str)):
        return len(v)
    if v is None:
        return 0
    raise ExprError(f"len() needs a list, object or string, got {_typename(v)}")


def _project(v: Any, fields: Any) -> Any:
    """An object with only `fields` (in that order; absent ones null), or that of every object of a list."""
    names = [_text(f) for f in _list(fields, "project")]
    if isinstance(v, list):
        return [_project(x, names) for x in v]
    if isinstance(v, dict):
        return {f: v.get(f) for f in names}
    raise ExprError(f"project() needs an object or a list of objects, got {_typename(v)}")


def _compact(v: Any) -> Any:
    """An object without its null-valued keys, or that of every object of a list."""
    if isinstance(v, list):
        return [_compact(x) for x in v]
    if isinstance(v, dict):
        return {k: x for k, x in v.items() if x is not None}
    raise ExprError(f"compact() needs an object or a list of objects, got {_typename(v)}")


def _only_chars(s: Any, allowed: Any) -> bool:
    chars = set(_text(allowed))
    return all(c in chars for c in _text(s))


def _coalesce(*args: Any) -> Any:
    return next((a for a in args if a is not None), None)


MAX_ARITH_CHARS = 1000
"""Longest string `arith` evaluates: a tool's input is the agent's to choose, its CPU is ours."""


def arith(text: Any) -> float | int:
    """Evaluate a plain arithmetic string: numbers, + - * / % and parentheses only, at most
    `MAX_ARITH_CHARS` long; anything else is an `ExprError` that names no Python internals."""
    src = _text(text)
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
    return _build(node)({}, None)  # type: ignore[arg-type]


PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _len, "count": _len, "sum": _sum, "min": _minmax(min, "min"), "max": _minmax(max, "max"),
    "abs": lambda x: abs(_num(x, "abs()")), "round": _round,
    "lower": lambda s: _text(s).lower(), "upper": lambda s: _text(s).upper(),
    "str": _text, "int": _int, "float": _float, "coalesce": _coalesce,
    "sorted": _sorted, "unique": _unique, "first": _first, "last": _last, "zip": _zip,
    "keys": lambda d: list(d) if isinstance(d, dict) else _list(d, "keys"),
    "values": lambda d: list(d.values()) if isinstance(d, dict) else _list(d, "values"),
    "index_by": _index_by, "pick": _pick, "project": _project, "compact": _compact,
    "only_chars": _only_chars,
    "count_of": lambda v, x: _list(v, "count_of").count(x),
    "contains": lambda a, b: _contains(b, a),
    "startswith": lambda s, p: _text(s).startswith(_text(p)),
    "date": _date, "add_days": _add_days, "days_between": _days_between, "arith": arith,
    "add_business_days": _add_business_days, "business_days_between": _business_days_between,
    "join": _join,
}
RUNTIME_FUNCTIONS = {"lookup", "next_id", "count_rows", "rows"}
FUNCTIONS = set(PURE_FUNCTIONS) | RUNTIME_FUNCTIONS

# ---------------------------------------------------------------- compile to closures


def _build(node: Node) -> Fn:
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
    args = [_build(a) for a in node.args]
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
        return lambda env, rt: _index(obj(env, rt), key(env, rt))
    if op == "list":
        return lambda env, rt: [a(env, rt) for a in args]
    if op == "dict":
        keys = node.value
        return lambda env, rt: {k: a(env, rt) for k, a in zip(keys, args)}
    if op == "not":
        (a,) = args
        return lambda env, rt: not a(env, rt)
    if op == "neg":
        (a,) = args
        return lambda env, rt: -_num(a(env, rt), "'-'")
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
    binop = _BINOPS[op]
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
            raise ExprError(f"'for {var} in ...' needs a list, got {_typename(items)}")
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
        return lambda env, rt: rt.next_id(_text(prefix(env, rt)))
    fn = PURE_FUNCTIONS.get(name)
    if fn is None:
        raise ExprError(f"unknown function '{name}'; known: {', '.join(sorted(FUNCTIONS))}")

    def call(env: Env, rt: Runtime) -> Any:
        values = [a(env, rt) for a in args]
        try:
            return fn(*values)
        except TypeError:
            raise ExprError(f"{name}() got {len(values)} argument(s), which it does not take") from None
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
        out.fn = _build(node)
    elif isinstance(source, dict):
        parts = {str(k): compile_expr(v) for k, v in source.items()}
        for p in parts.values():
            out.names |= p.names
            out.fields += p.fields
            out.tables |= p.tables
            out.table_fields += p.table_fields
        out.fn = lambda env, rt: {k: p.fn(env, rt) for k, p in parts.items()}
    elif isinstance(source, list):
        items = [compile_expr(v) for v in source]
        for p in items:
            out.names |= p.names
            out.fields += p.fields
            out.tables |= p.tables
            out.table_fields += p.table_fields
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
    for p in exprs:
        out.names |= p.names
        out.fields += p.fields
        out.tables |= p.tables
        out.table_fields += p.table_fields
    out.fn = lambda env, rt: "".join(p if isinstance(p, str) else _text(p.fn(env, rt)) for p in parts)
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
