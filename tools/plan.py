"""Compiled tool plans: what a call does, worked out once per tool instead of on every call.

A plan is built from a compiled tool (`CompiledTool`) the first time the tool runs:

- **argument checks**: for parameters of scalar types (string, integer, number, boolean, string
  enums) a plain-Python check that accepts exactly what the pydantic model accepts. Anything it is
  not sure of — a wrong type, a missing or extra name, arrays, objects — goes to the pydantic
  model, so error messages stay the model's.
- **finds**: the SQL for the common shape (every `where` value a single value) is fixed, each key's
  value encoder is specialised to its field type, and rows decode through the table's codec. A value
  that is null or a list takes the general SQL for its shape, as the interpreter does.
- **every other step** runs as the interpreter's own step object. That is deliberate: the tool
  language keeps gaining step kinds, and a step this module does not know still runs — slower
  only in its own setup, never differently. A `Find` whose attributes differ from the ones this
  module was written against (a new option) also falls back to the interpreter.

The executor (`Sandbox`) stays one for every tool kind, with a savepoint per call and errors as data.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from . import effects as fx
from .model import Parameter
from .errors import ExprError
from .loopplan import SetLoop, compile_loop, names_read
from .reply import SqlReply, Unsupported, compile_reply, known_find
from .insertplan import InsertHead, compile_insert
from .writeplan import MISS, WriteHead, compile_write

if TYPE_CHECKING:
    from .compiler import CompiledTool
    from .tables import Table

Runner = Callable[[dict[str, Any], Any], None]

class Program:
    """Compiled steps: `run(env, ctx)` → the reply (a value, or `Encoded` JSON text when a
    statement built it)."""

    def __init__(self, steps: list[Any], later: set[str] | None = frozenset(),
                 tables: dict[str, Table] | None = None):
        """`later`: the names read after these steps (None: unknown); `tables`: the domain's."""
        tail = compile_reply(steps, tables)
        self.reply: SqlReply | None = tail[1] if tail else None
        """The closing finds and return as one statement that writes the reply (`tools.reply`)."""
        self.steps = [_compile_step(s) for s in steps]
        for i, step in enumerate(steps):
            loop = _set_loop(steps, i, later) if type(step) is fx.ForEach else None
            if loop is not None:
                self.steps[i] = loop
        split = tail[0] if tail else len(steps)
        self.head, self.tail = self.steps[:split], self.steps[split:]
        """`tail`: what the statement replaces, run when it cannot answer (a null key, no row)."""

    def run(self, env: dict[str, Any], ctx: Any) -> Any:
        try:
            for step in self.head:
                step(env, ctx)
            if self.reply is not None:
                out = self.reply.run(env, ctx)
                if out is not None:
                    return out
            for step in self.tail:
                step(env, ctx)
        except fx.Return as r:
            return r.value
        return {"ok": True}


class Plan(Program):
    """One tool's compiled call: `arguments(raw)` → validated args; `run(env, ctx)` → its reply.

    `single`: the whole call as one statement (`tools.writeplan`: the opening find → require … →
    update, with the reply in its RETURNING clause). One statement is atomic by itself, so the
    executor runs it before opening the call's savepoint, from the raw arguments when it can
    (`WriteHead.direct`). Or the whole call as one read standing for its finds and requires, then
    the insert and the id counter's move in a savepoint of their own (`tools.insertplan`: finds →
    require … → insert → return). `write`: the same opening as one statement, the rest as steps,
    tried first inside the savepoint. When any writes nothing, the step-by-step program answers."""

    def __init__(self, tool: "CompiledTool"):
        steps = tool.steps or []
        super().__init__(steps, tables=tool.tables)
        self.check = _argument_check(tool.spec.parameters)
        self.validator = tool.validator
        head = compile_write(steps, lambda rest, later=frozenset(): Program(rest, later, tool.tables).run, tool.tables)
        self.single: WriteHead | InsertHead | None = head if head is not None and head.rest is None else None
        if head is None:
            self.single = compile_insert(steps, tool.tables)
        self.write: WriteHead | None = head if head is not None and head.rest is not None else None
        if type(self.single) is WriteHead and self.check is not None:
            self.single.bind_arguments(self.check.present)
        self.read: SqlReply | None = self.reply if not tool.writes and not self.head else None
        """A read whose whole answer is its reply's statement (no step before it): the executor
        runs the statement alone, and the steps only when it cannot answer."""
        self.compiled_steps = sum(1 for s in steps if type(s) is fx.Find and known_find(s))

    def arguments(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validated arguments; raises pydantic's ValidationError as the model would."""
        if self.check is not None:
            args = self.check(raw)
            if args is not None:
                return args
        return self.validator.model_validate(raw).__dict__

    def run(self, env: dict[str, Any], ctx: Any) -> Any:
        if self.write is not None:
            out = self.write.run(env, ctx)
            if out is not MISS:
                return out
        return super().run(env, ctx)


def plan_for(tool: "CompiledTool") -> Plan:
    plan = tool.__dict__.get("_plan")
    if plan is None:
        plan = tool.__dict__["_plan"] = Plan(tool)
    return plan


# ---------------------------------------------------------------- arguments

_EXACT = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}


def _argument_check(params: list[Parameter]) -> Callable[[dict[str, Any]], dict[str, Any] | None] | None:
    """A check that returns the validated arguments, or None when pydantic must decide (and say
    what is wrong). None when some parameter is not a plain scalar."""
    specs = []
    for p in params:
        if p.type not in _EXACT or not isinstance(p.default, (str, int, float, bool, type(None))):
            return None
        if p.enum is not None and not all(type(v) is str for v in p.enum):
            return None
        specs.append((p.name, _EXACT[p.type], frozenset(p.enum) if p.enum is not None else None,
                      p.required, p.default))
    names = frozenset(p.name for p in params)

    def check(raw: dict[str, Any]) -> dict[str, Any] | None:
        if not names.issuperset(raw):
            return None
        out = {}
        for name, types, enum, required, default in specs:
            if name not in raw:
                if required:
                    return None
                out[name] = default
                continue
            v = raw[name]
            if v is None and not required:
                out[name] = None
            elif type(v) not in types or (enum is not None and v not in enum):
                return None
            else:
                out[name] = v
        return out
    # every parameter's (name, types, enum): what `check` takes as it is when each is given, not null
    check.present = [(name, types, enum) for name, types, enum, _, _ in specs]  # type: ignore[attr-defined]
    return check


# ---------------------------------------------------------------- steps


def _compile_step(step: Any) -> Runner:
    if type(step) is fx.Find and known_find(step):
        return _find(step)
    return step.run


def _set_loop(steps: list[Any], i: int, later: set[str] | None) -> SetLoop | None:
    """`steps[i]` (a for_each) as statements over all its rows (`tools.loopplan`), when it loops
    over the rows of a find with only lets and requires between them."""
    loop, j = steps[i], i - 1
    while j >= 0 and type(steps[j]) in (fx.Let, fx.Require):
        j -= 1
    after = names_read(steps[i + 1:])
    if j < 0 or type(steps[j]) is not fx.Find or later is None or after is None:
        return None
    source = steps[j]
    if any(source.as_ in {n for n, _ in s.items} for s in steps[j + 1:i] if type(s) is fx.Let):
        return None
    try:
        return compile_loop(loop, source, after | set(later))
    except (Unsupported, ExprError):
        return None


def _encoder(find: fx.Find, w: Any) -> Callable[[Any], Any]:
    """The where value's encoder, with a shortcut for the types SQLite stores as they are."""
    if w.path:
        return w.encode
    ftype = find.table.fields[w.field].type
    plain = {"string": str, "integer": int}.get(ftype)
    if plain is None:
        return w.encode
    slow = w.encode
    return lambda v: v if type(v) is plain else slow(v)


def _find(find: fx.Find) -> Runner:
    keys = [(w.expr.fn, tuple(w.lhs_params), _encoder(find, w)) for w in find.where]
    scalar_sql = find._sql((None,) * len(keys))
    as_, many, optional, filt, limit = find.as_, find.many, find.optional, find.filter, find.limit
    decode = _row_decoder(find.table)
    one = not many and filt is None  # the SQL says LIMIT 1: fetch one row, not a list of them

    def run(env: dict[str, Any], ctx: Any) -> None:
        values = [fn(env, ctx) for fn, _, _ in keys]
        for v in values:
            if v is None or isinstance(v, list):
                sql, params = find.bind(values)
                break
        else:
            sql, params = scalar_sql, []
            for (_, lhs, enc), v in zip(keys, values):
                if lhs:
                    params.extend(lhs)
                params.append(enc(v))
        if one:
            row = ctx.conn.execute(sql, params).fetchone()
            if row is not None:
                env[as_] = decode(row)
            elif optional:
                env[as_] = None
            else:
                raise fx.ToolFailure(find.error(env, ctx))
            return
        rows = [decode(r) for r in ctx.conn.execute(sql, params)]
        if filt is not None:
            keep = []
            for r in rows:
                env[as_] = r
                if filt(env, ctx):
                    keep.append(r)
            rows = keep[:limit] if limit else keep
        if many:
            env[as_] = rows
        elif rows:
            env[as_] = rows[0]
        elif optional:
            env[as_] = None
        else:
            raise fx.ToolFailure(find.error(env, ctx))
    return run


def _row_decoder(table: Any) -> Callable[[tuple], dict[str, Any]]:
    """`table.decode`, or the plain dict of the row when no field needs decoding."""
    if table._decoders:
        return table.decode
    columns = table.columns
    return lambda row: dict(zip(columns, row))
