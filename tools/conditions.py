"""Conditions as SQL: a `require` or a find's `filter` over one row, written as an SQL condition
that is true only where the interpreter's condition is true, for the statements `tools.reply`,
`tools.writeplan` and `tools.loopplan` build.

Translated: `and`, `or`, `not`; `==` / `!=` between a text or number field of the row and a value
that reads no row; `lookup('T', KEY).field == / != VALUE` (an EXISTS on T by key); `'text' in
row.field` (a substring). Never NULL, so `not` stays exact. Anything that
reads no row is evaluated by its own closure and bound as one parameter. A value of another type
than the comparison needs raises `Fallback` at run time, and the interpreted steps answer.
"""
from __future__ import annotations

from typing import Any, Callable

from .expr import Node, build, parse
from .tables import Table, quote

Getter = Callable[[dict[str, Any], Any], Any]

PLAIN = ("string", "integer", "number", "date", "datetime")
"""Field types stored as the value a step reads and compared by SQLite as Python does."""


class Unsupported(Exception):
    """This shape stays interpreted."""


class Fallback(Exception):
    """These values need the interpreter."""


class Conditions:
    """Bound parameters (`values`, with `getters` filling some per call) and the translation of
    conditions into SQL that refers to them."""

    values: list[Any]
    getters: list[tuple[int, Getter]]
    tables: dict[str, Table] = {}
    """The domain's tables by name, when known: a condition may then read another table by key
    (`lookup`)."""

    def __init__(self) -> None:
        self.values, self.getters = [], []

    def const(self, value: Any) -> str:
        self.values.append(value)
        return f"?{len(self.values)}"

    def param(self, get: Getter) -> str:
        self.values.append(None)
        self.getters.append((len(self.values) - 1, get))
        return f"?{len(self.values)}"

    def condition(self, node: Node, row: str, t: Table) -> str:
        """A filter as SQL: `and`, `or`, `not`, and `==` / `!=` between a text or number field of
        the row and a value that reads no row; anything else reading no row is evaluated as a whole."""
        if row not in names_of(node):
            fn = build(node)
            return self.param(lambda env, ctx: 1 if fn(env, ctx) else 0)
        if node.op in ("and", "or"):
            a, b = (self.condition(x, row, t) for x in node.args)
            return f"({a} {node.op.upper()} {b})"
        if node.op == "not":
            return f"NOT ({self.condition(node.args[0], row, t)})"
        if node.op in ("==", "!="):
            field, other = node.args if node.args[0].op == "attr" else node.args[::-1]
            if (field.op == "attr" and field.args[0].op == "name" and field.args[0].value == row
                    and field.value in t.fields and row not in names_of(other)):
                ftype = t.fields[field.value].type
                if ftype in PLAIN:
                    kind = str if ftype in ("string", "date", "datetime") else float
                    if other.op == "const" and _kind_of(other.value, kind):  # the same on every call
                        value = self.const(other.value)
                    else:
                        value = self.param(_comparable(build(other), kind))
                    return f"{quote(field.value)} {'IS' if node.op == '==' else 'IS NOT'} {value}"
        if node.op in ("==", "!="):
            looked = self._lookup_compare(node, row, t)
            if looked is not None:
                return looked
        if node.op in ("in", "not in"):
            sql = self._contains(node.args[0], node.args[1], row, t)
            return sql if node.op == "in" else f"NOT {sql}"
        raise Unsupported("a filter this module does not translate")

    def _lookup_compare(self, node: Node, row: str, t: Table) -> str | None:
        """``lookup('T', KEY).field == VALUE`` (or !=), KEY a field of the row or a value that reads
        no row: true only when that row of T exists and compares so, as the step finds it (a
        missing row is an error there: false here, and the steps answer)."""
        for look, other in (node.args, node.args[::-1]):
            call = look.args[0] if look.op == "attr" and look.args else None
            if call is None or call.op != "call" or call.value != "lookup" or len(call.args) != 2:
                continue
            t2 = self.tables.get(call.args[0].value) if call.args[0].op == "const" else None
            if t2 is None or t2.name == t.name or look.value not in t2.fields or row in names_of(other):
                return None
            ftype = t2.fields[look.value].type
            field = _row_field(call.args[1], row, t)
            if ftype not in PLAIN or (field is None and row in names_of(call.args[1])):
                return None
            key = (f"{quote(t.name)}.{quote(field)}" if field is not None
                   else self.param(build(call.args[1])))
            value = self.param(_comparable(build(other), str if ftype in ("string", "date", "datetime") else float))
            return (f"EXISTS (SELECT 1 FROM {quote(t2.name)} WHERE {quote(t2.pk)} = {key} "
                    f"AND {quote(look.value)} {'IS' if node.op == '==' else 'IS NOT'} {value})")
        return None

    def _contains(self, a: Node, b: Node, row: str, t: Table) -> str:
        """`TEXT in row.field` of a text field (a substring), or `row.field in [constants]` of
        the field's kind (text, or numbers that are not booleans). Never NULL, so `not` stays
        exact. A list computed per call is not translated: it would need `json_each`, and SQLite
        3.40 crashes preparing a statement that uses it on a connection after `deserialize`
        (`Sandbox.restore`)."""
        fa, fb = _row_field(a, row, t), _row_field(b, row, t)
        if fb is not None and row not in names_of(a) and t.fields[fb].type in ("string", "date", "datetime"):
            value = self.param(_typed(build(a), str))
            return f"coalesce(instr({quote(fb)}, {value}) > 0, 0)"
        if fa is not None and b.op == "list" and b.args and t.fields[fa].type in PLAIN:
            text = t.fields[fa].type in ("string", "date", "datetime")
            items = [x.value for x in b.args if x.op == "const"]
            if len(items) == len(b.args) and all(type(v) is str if text else type(v) in (int, float) for v in items):
                return f"coalesce({quote(fa)} IN ({', '.join(self.const(v) for v in items)}), 0)"
        raise Unsupported("an 'in' this module does not translate")

def _row_field(node: Node, row: str, t: Table) -> str | None:
    if node.op == "attr" and node.args[0].op == "name" and node.args[0].value == row and node.value in t.fields:
        return node.value
    return None


def _typed(fn: Callable[[dict[str, Any], Any], Any], kind: type) -> Getter:
    def get(env: dict[str, Any], ctx: Any) -> Any:
        value = fn(env, ctx)
        if type(value) is not kind:
            raise Fallback
        return value
    return get


def _comparable(fn: Callable[[dict[str, Any], Any], Any], kind: type) -> Getter:
    """A filter's compared value as a parameter, when SQLite compares it as Python would: None, or
    text against a text field, a number (not a boolean) against a number field."""
    def get(env: dict[str, Any], ctx: Any) -> Any:
        value = fn(env, ctx)
        if _kind_of(value, kind):
            return value
        raise Fallback
    return get


def _kind_of(value: Any, kind: type) -> bool:
    return value is None or (type(value) is str if kind is str else type(value) in (int, float))


def expr_node(source: Any) -> Node:
    if isinstance(source, str):
        return parse(source)
    if source is None or isinstance(source, (bool, int, float)):
        return Node("const", value=source)
    raise Unsupported("a structured value inside an expression")


def names_of(node: Node) -> set[str]:
    if node.op == "name":
        return {node.value}
    if node.op == "comp":
        return set().union(*(names_of(a) for a in node.args)) - {node.value}
    return set().union(*(names_of(a) for a in node.args)) if node.args else set()


def calls_fn(node: Node, fn: str) -> bool:
    return (node.op == "call" and node.value == fn) or any(calls_fn(a, fn) for a in node.args)
