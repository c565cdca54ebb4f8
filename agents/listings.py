"""What a list a read returned holds: all the rows of its table with some values (a customer's
accounts; an account's transactions in one status, when the read was asked for that status), so a
rule over such rows ("no savings still open") is judged from the list only when the list holds
every row the rule counts."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from gem_env.tools.conditions import names_of
from gem_env.tools.errors import ExprError
from gem_env.tools.expr import Node, build
from gem_env.tools.model import FindStep, ReturnStep, ToolSpec

from .runtime import NoDatabase, parsed

Listing = tuple[str, dict[str, Any]] | None
"""(table, the values every row of the table that has them is in the list with), or None: the
list holds only some of such rows, in a way that cannot be read (a filter of another shape, a
limit it reached)."""


def listings(reads: Iterable[tuple[ToolSpec | None, dict[str, Any], Any]]) -> dict[int, Listing]:
    """`listed_as` of each read (tool spec, arguments, result) in one map."""
    out: dict[int, Listing] = {}
    for spec, args, result in reads:
        if spec is not None:
            out.update(listed_as(spec, args, result))
    return out


def listed_as(spec: ToolSpec, args: dict[str, Any], result: Any) -> dict[int, Listing]:
    """id() of each list in `result` that a find of many rows of the read made -> its `Listing`:
    the find's `where` values (an argument, a constant, or the record it is listed under, as the
    reply shows it) and what its filter, or the return's own condition, keeps ("status == null or
    found.status == status" with status 'pending': status 'pending'). Lists the return does not
    show as such a find's rows (a whole reply, several finds mixed) are left out."""
    steps = spec.effect or []
    finds = {st.as_: st for st in steps if isinstance(st, FindStep) and st.many}
    returned = next((st.return_ for st in steps if isinstance(st, ReturnStep)), None)
    if not finds:
        return {}
    if isinstance(returned, str):
        parts = [(returned, result, None)]
    elif isinstance(returned, dict) and isinstance(result, dict):
        parts = [(src, result.get(k), result) for k, src in returned.items()]
    else:
        return {}
    env = {p.name: args.get(p.name) for p in spec.parameters}
    out: dict[int, Listing] = {}
    for source, value, parent in parts:
        if not isinstance(source, str) or not isinstance(value, list):
            continue
        try:
            node = parsed(source)
        except ExprError:
            continue
        if names_of(node) & set(finds):
            out[id(value)] = _listing(node, finds, env, parent, len(value))
    return out


def _listing(node: Node, finds: Mapping[str, FindStep], env: dict[str, Any], parent: dict[str, Any] | None,
             size: int) -> Listing:
    """The `Listing` of the list a return expression makes of one find's rows: the rows themselves,
    `project`ed, or a comprehension over them (its condition read like a filter)."""
    kept: Node | None = None
    var = ""
    if node.op == "call" and node.value == "project" and node.args:
        node = node.args[0]
    elif node.op == "comp" and len(node.args) >= 2:
        var, kept = node.value, (node.args[2] if len(node.args) > 2 else None)
        node = node.args[1]
    if node.op != "name" or node.value not in finds:
        return None
    find = finds[node.value]
    if find.limit is not None and size >= find.limit:
        return None
    held: dict[str, Any] = {}
    for field, source in find.where.items():
        try:
            held[field] = _value(source, env)
        except ExprError:  # the record it is listed under (`customer.customer_id`): as the reply shows it
            if parent is None or field not in parent:
                return None
            held[field] = parent[field]
    for row, cond in ((find.as_, parsed(find.filter) if find.filter else None), (var, kept)):
        kept_by = {} if cond is None else _kept(cond, row, env)
        if kept_by is None:
            return None
        held.update(kept_by)
    return find.find, held


def _kept(node: Node, row: str, env: dict[str, Any]) -> dict[str, Any] | None:
    """The values a condition over `row` keeps rows with (`row.status == status`, status given), {}
    when it keeps every row (`status == null or ...`, status not given); None for other shapes."""
    if row not in names_of(node):
        return {} if _truthy(node, env) else None  # (one that holds of no row: an empty list, not told here)
    if node.op == "and":
        parts = [_kept(a, row, env) for a in node.args]
        return None if any(p is None for p in parts) else {k: v for p in parts for k, v in p.items()}  # type: ignore[union-attr]
    if node.op == "or":  # a row-free side that holds keeps every row; else the other side keeps them
        free, of_row = ([a for a in node.args if (row in names_of(a)) is side] for side in (False, True))
        holds = [_truthy(a, env) for a in free]
        if any(holds):
            return {}
        return _kept(of_row[0], row, env) if len(of_row) == 1 and None not in holds else None
    if node.op == "==":
        for field, other in (node.args, node.args[::-1]):
            if field.op == "attr" and field.args[0].op == "name" and field.args[0].value == row \
                    and row not in names_of(other):
                try:
                    return {field.value: build(other)(env, NoDatabase())}
                except ExprError:
                    return None
    return None


def _truthy(node: Node, env: dict[str, Any]) -> bool | None:
    """Whether a condition that reads no row holds for the call (None: the arguments do not tell)."""
    try:
        return bool(build(node)(env, NoDatabase()))
    except (ExprError, TypeError):
        return None


def _value(source: Any, env: dict[str, Any]) -> Any:
    """A `where` value as the call's arguments give it (ExprError: it reads an earlier row)."""
    if not isinstance(source, str):
        return source
    return build(parsed(source))(env, NoDatabase())


def shown_whole(spec: ToolSpec, args: dict[str, Any], reads: Iterable[tuple[ToolSpec | None, dict[str, Any], Any]],
                columns: Mapping[str, list[str]]) -> list[dict[str, Any]] | None:
    """The rows a read that lists one find's rows (`spec`, `args`: a card's charges) would return,
    where one of `reads` (tool spec, arguments, result; none of them after a write) showed the same
    list whole, every field the read returns included (the card's details with its recent charges,
    fewer than their limit): listing them again would only echo them. None otherwise."""
    probe: list[Any] = []
    want = listed_as(spec, args, probe).get(id(probe))
    returned = _returned_fields(spec, columns)
    if want is None or returned is None:
        return None
    for rspec, rargs, result in reversed(list(reads)):
        if rspec is None or rspec is spec:
            continue
        for listing, rows in listed_rows(rspec, rargs, result):
            if listing == want and all(set(returned) <= set(r) for r in rows):
                return rows
    return None


def listed_rows(spec: ToolSpec, args: dict[str, Any], result: Any) -> list[tuple[tuple[str, dict[str, Any]], list[dict[str, Any]]]]:
    """Each list in a read's `result` whose making is known (`listed_as`), with its rows, each
    carrying the values the list is listed by that it leaves out (a card's recent charges, each with
    the card's id)."""
    out = []
    for found, listing in listed_as(spec, args, result).items():
        rows = next((v for v in _lists_in(result) if id(v) == found), None)
        if listing is not None and rows is not None:
            held = listing[1]
            out.append((listing, [{**r, **{k: v for k, v in held.items() if k not in r}} for r in rows if isinstance(r, dict)]))
    return out


def _returned_fields(spec: ToolSpec, columns: Mapping[str, list[str]]) -> list[str] | None:
    """The fields of each row a read returning one find's rows gives: a `project`'s, or the whole
    row's; None for other returns (a comprehension that builds its own rows)."""
    steps = spec.effect or []
    finds = {st.as_: st for st in steps if isinstance(st, FindStep) and st.many}
    returned = next((st.return_ for st in steps if isinstance(st, ReturnStep)), None)
    if not isinstance(returned, str):
        return None
    try:
        node = parsed(returned)
    except ExprError:
        return None
    if node.op == "name" and node.value in finds:
        return columns.get(finds[node.value].find)
    if node.op == "call" and node.value == "project" and len(node.args) == 2 and node.args[1].op == "list" \
            and all(a.op == "const" and isinstance(a.value, str) for a in node.args[1].args):
        return [a.value for a in node.args[1].args]
    return None


def _lists_in(result: Any) -> list[list[Any]]:
    """The lists a reply is or holds as its fields' values."""
    if isinstance(result, list):
        return [result]
    return [v for v in result.values() if isinstance(v, list)] if isinstance(result, dict) else []
