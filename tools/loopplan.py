"""Set-based loops: a `for_each` over rows found earlier runs as a few statements over all of them,

    INSERT INTO t (…) VALUES (<row 0's fields, counters, values read once>), (<row 1's>), …
    UPDATE t2 SET f = … FROM (SELECT … FROM (VALUES (0, key0), (1, key1), …) JOIN <the rows' table> …) AS s
           WHERE t2.key IS s.field AND … AND <filter>

instead of one round of steps per row. Chosen when the tool's plan is built (`tools.plan`), by the
loop's shape:
- the loop runs over a name bound by a many-row find, with only `let` / `require` steps between
  them (so the found rows are still the stored ones): an insert binds the fields it copies from
  the found rows, an update reads them back by key in list order;
- its body is `insert` steps (each value a field of the loop row of the same type, a counter, or a
  value that reads no row and is evaluated once), counters (`let: {n: "n + 1"}` of a name bound
  before the loop), and `find` (many rows, keyed on loop-row fields or on values read once, an
  optional filter `tools.reply` translates) followed by an `update` of those rows. An updated
  value is computed by its own closure, called from SQL (`gem_eval`, registered by the sandbox)
  with the fields it reads, so its meaning is the interpreter's by construction;
- each step of the body writes its own table, only an insert may write the looped table (it runs
  last), and nothing the body binds is read after the loop.
At run time the loop answers only when no two loop rows pick the same rows to update (the steps
would update them twice, reading their own write; checked on the found rows before any statement)
and every statement succeeds; otherwise its statements are rolled back and the interpreted loop
runs, so errors are the interpreter's own. Inside a sandbox call (which has its own savepoint) a
statement that fails after another wrote asks for the whole call again, step by step
(`StepByStep`), instead of the loop keeping a savepoint of its own on every run.
"""
from __future__ import annotations

from typing import Any, Callable

from . import effects as fx
from .expr import Node
from .conditions import Conditions, Unsupported, calls_fn, expr_node
from .reply import known_find, where_value
from .tables import INTERNAL_PREFIX, Table, quote

_COPY = ("string", "integer", "number")
"""Field types whose stored value is the value a step reads and writes (no decoding, and the
encoder keeps it as it is): copied column to column."""
_RAW = _COPY + ("date", "datetime")
"""Field types whose stored value is the value a step reads: passed to an evaluated value."""
_RUNTIME = ("lookup", "rows", "count_rows", "next_id")


_KEYS = "\x00keys\x00"
"""Where a statement's text lists the loop rows: `(index, ?key)` per row, made per row count."""


class _Unit:
    """One statement of a set-based loop. Its loop rows come last in its parameters: their keys
    (`(index, ?key)` per row, joined to the rows' table), or with `row` the values of the fields it
    reads, row after row (`row = (fields, text)`: `text(i, first)` is the SQL of the row at index i,
    its field j bound as parameter number first + j + 1)."""

    def __init__(self, stmt: Conditions, sql: str, table: str, join: list[tuple[str, bool]] | None = None,
                 row: tuple[list[str], Callable[[int, int], str]] | None = None):
        self.stmt, self.table, self.join = stmt, table, join
        """`join`: an update's loop-row fields that pick the rows it updates: two loop rows with the
        same values would update one row twice, each reading the other's write (the steps answer)."""
        self.fields, self.row = row if row is not None else (None, None)
        self.template = sql
        self.texts: dict[int, str] = {}
        """The statement's text per number of loop rows."""

    def sql(self, n: int) -> str:
        text = self.texts.get(n)
        if text is None:
            base = len(self.stmt.values)
            if self.row is None:
                rows = ", ".join(f"({i}, ?{base + i + 1})" for i in range(n))
            else:
                width = len(self.fields)
                rows = ", ".join(self.row(i, base + i * width) for i in range(n))
            text = self.texts[n] = self.template.replace(_KEYS, rows)
        return text

    def tail(self, rows: list[dict[str, Any]], keys: list[Any]) -> list[Any]:
        """The loop rows' parameters: their keys, or the values of the fields the statement reads."""
        if self.fields is None:
            return keys
        fields = self.fields
        return [r[f] for r in rows for f in fields]


Evaluator = Callable[[dict, Any, tuple], Any]


class StepByStep(Exception):
    """A set-based loop failed after one of its statements wrote: the call that ran it must undo
    its writes and run again from its start, step by step (raised only where `ctx.restartable`
    says the caller does that, so the loop needs no savepoint of its own)."""


class SetLoop:
    """Called as a step: the loop as statements; the interpreted loop runs when they cannot answer."""

    def __init__(self, loop: fx.ForEach, source: fx.Find, units: list[_Unit], counters: dict[str, int],
                 evaluators: list[Evaluator]):
        self.loop, self.rows_name, self.pk = loop, source.as_, source.table.pk
        self.units, self.counters, self.evaluators = units, counters, evaluators

    def __call__(self, env: dict[str, Any], ctx: Any) -> bool:
        """Run the loop; True when its statements answered, False when the steps ran."""
        rows = env.get(self.rows_name)
        counts = {}
        steps = type(rows) is not list  # the interpreted loop answers (it says what is wrong)
        for c in self.counters:
            counts[c] = v = env.get(c)
            steps = steps or type(v) is not int
        if not steps:
            for r in rows:
                if type(r) is not dict:
                    steps = True
                    break
        if steps:
            self.loop.run(env, ctx)
            return False
        if not rows:
            return True
        if len(rows) > 1 and any(  # (one row cannot pick the same rows as another)
                u.join is not None and len({tuple(_folded(r.get(f), nocase) for f, nocase in u.join)
                                            for r in rows}) < len(rows) for u in self.units):
            self.loop.run(env, ctx)
            return False
        keys = [r[self.pk] for r in rows]
        restart = getattr(ctx, "restartable", False)
        guarded = len(self.units) > 1 and not restart  # one statement is atomic by itself
        if guarded:
            ctx.conn.execute("SAVEPOINT gem_loop")
        ctx.evaluating = (env, self.evaluators)
        wrote = False
        try:
            for unit in self.units:
                params = unit.stmt.values[:]
                for i, get in unit.stmt.getters:
                    params[i] = get(env, ctx)
                ctx.conn.execute(unit.sql(len(keys)), params + unit.tail(rows, keys))
                wrote = True
                ctx.dirty.add(unit.table)
        except Exception:  # noqa: BLE001 — nothing of the loop stays; the steps say what is wrong
            ctx.evaluating = None
            if wrote and restart:
                raise StepByStep from None
            if guarded:
                ctx.conn.execute("ROLLBACK TO gem_loop")
                ctx.conn.execute("RELEASE gem_loop")
            self.loop.run(env, ctx)
            return False
        ctx.evaluating = None
        if guarded:
            ctx.conn.execute("RELEASE gem_loop")
        for c, per_row in self.counters.items():
            env[c] = counts[c] + per_row * len(rows)
        return True


def _folded(value: Any, nocase: bool) -> Any:
    """A key as a NOCASE comparison sees it, or coarser (`lower` folds more than ASCII)."""
    return value.lower() if nocase and type(value) is str else value


def compile_loop(loop: fx.ForEach, source: fx.Find, later_names: set[str]) -> SetLoop:
    """The loop as statements, or `Unsupported`. `later_names`: names read after the loop."""
    items = expr_node(loop.items.source)
    if items.op != "name" or items.value != source.as_ or not source.many:
        raise Unsupported("a loop over something other than found rows")
    var, t = loop.as_, source.table
    body_names = {var} | {s.as_ for s in loop.body if getattr(s, "as_", None)}
    counters = _counters(loop.body, var)
    if (body_names | set(counters)) & {source.as_} or body_names & later_names:
        raise Unsupported("a name the loop binds is read after it, or names its rows")
    units: list[_Unit] = []
    evaluators: list[Evaluator] = []
    position = {c: 0 for c in counters}
    body = list(loop.body)
    i = 0
    while i < len(body):
        step = body[i]
        if type(step) is fx.Let:
            (name, e), = step.items
            position[name] += _increment(e.source, name)
            i += 1
            continue
        if type(step) is fx.Insert:
            units.append(_insert(step, t, var, counters, dict(position), body_names))
            i += 1
        elif type(step) is fx.Find and i + 1 < len(body) and type(body[i + 1]) is fx.Update:
            units.append(_update(step, body[i + 1], t, var, body_names | set(counters), evaluators))
            i += 2
        else:
            raise Unsupported("a loop step this module does not run over all rows")
    tables = [u.table for u in units]
    if not units or len(set(tables)) < len(tables) or tables.count(t.name) > 1:
        raise Unsupported("a loop that writes nothing, or one table twice")
    ordered = [u for u in units if u.table != t.name] + [u for u in units if u.table == t.name]
    return SetLoop(loop, source, ordered, counters, evaluators)


def _counters(body: list[Any], var: str) -> dict[str, int]:
    """Names the body counts up (`let: {n: "n + K"}`): name → its increase per row."""
    out: dict[str, int] = {}
    for step in body:
        if type(step) is fx.Let:
            if len(step.items) != 1:
                raise Unsupported("a let of several names in a loop")
            (name, e), = step.items
            if name == var:
                raise Unsupported("a let of the loop's name")
            out[name] = out.get(name, 0) + _increment(e.source, name)
    return out


def _increment(source: Any, name: str) -> int:
    node = expr_node(source)
    if (node.op == "+" and node.args[0].op == "name" and node.args[0].value == name
            and node.args[1].op == "const" and type(node.args[1].value) is int):
        return node.args[1].value
    raise Unsupported("a let in a loop that is not a counter")


def _rows(t: Table, used: list[str]) -> str:
    """The loop's rows by key, in loop order: `_n`, the index, and the `used` columns as
    `_gem_s<i>`. (Not `json_each` over a JSON list of keys: SQLite 3.40 crashes preparing a
    statement that uses it on a connection after `deserialize`, which `Sandbox.restore` does.)"""
    cols = "".join(f", t.{quote(c)} AS {_alias(k)}" for k, c in enumerate(used))
    return (f"SELECT j.column1 AS _n{cols} FROM (VALUES {_KEYS}) AS j "
            f"JOIN {quote(t.name)} AS t ON t.{quote(t.pk)} = j.column2")


def _alias(k: int) -> str:
    return f"{INTERNAL_PREFIX}s{k}"


def _raw(t: Table, fld: str) -> str:
    if fld not in t.fields or t.fields[fld].type not in _RAW:
        raise Unsupported("a field that is decoded")
    return fld


def _use(used: list[str], t: Table, fld: str) -> str:
    _raw(t, fld)
    if fld not in used:
        used.append(fld)
    return _alias(used.index(fld))


def _field_of(node: Node, var: str) -> str | None:
    if node.op == "attr" and node.args[0].op == "name" and node.args[0].value == var:
        return node.value
    return None


def _once(stmt: Conditions, e: Any, encode: Callable[[Any], Any], avoid: set[str]) -> str:
    """A value that reads nothing the loop changes: evaluated once per call, encoded — a constant
    that encodes once and for all is bound as it is (one that does not raises on every call)."""
    if e.names & avoid or _calls_runtime(e.source):
        raise Unsupported("a value that changes per row, or reads the database")
    node = expr_node(e.source)
    if node.op == "const":
        try:
            return stmt.const(encode(node.value))
        except Exception:  # noqa: BLE001 — the loop's statements fail and the steps say why
            pass
    return stmt.param(lambda env, ctx: encode(e(env, ctx)))


def _calls_runtime(source: Any) -> bool:
    node = expr_node(source)
    return any(calls_fn(node, fn) for fn in _RUNTIME)


def _insert(step: fx.Insert, t: Table, var: str, counters: dict[str, int], position: dict[str, int],
            body_names: set[str]) -> _Unit:
    """The loop's insert as one ``INSERT … VALUES (…), (…)``: a copied field of a loop row is bound
    from the found row itself (still the stored one, and of a type stored as it is read)."""
    target = step.table
    if step.as_ or step.missing is not None:
        raise Unsupported("an insert that binds its row, or that always fails")
    stmt, fields = Conditions(), []
    parts: list[Callable[[int, int], str]] = []
    for fld, e in step.values:
        node = expr_node(e.source)
        read = _field_of(node, var)
        if read is not None:
            if read not in t.fields or t.fields[read].type != target.fields[fld].type or t.fields[read].type not in _COPY:
                raise Unsupported("a copied field of another type, or one the encoder checks")
            if read not in fields:
                fields.append(read)
            parts.append(lambda i, first, j=fields.index(read): f"?{first + j + 1}")
        elif node.op == "name" and node.value in counters:
            c = node.value
            base = stmt.param(lambda env, ctx, c=c: env[c])
            parts.append(lambda i, first, base=base, k=int(counters[c]), at=int(position[c]):
                         f"({base} + {i * k + at})")
        else:
            once = _once(stmt, e, target.encoder(fld), body_names | set(counters))
            parts.append(lambda i, first, once=once: once)
    for fld, default in step.defaults:
        once = stmt.param(lambda env, ctx, v=target.encode(fld, default): v)
        parts.append(lambda i, first, once=once: once)
    cols = ", ".join(quote(c) for c in step.cols)
    sql = f"INSERT INTO {quote(target.name)} ({cols}) VALUES {_KEYS}"

    def row(i: int, first: int) -> str:
        return "(" + ", ".join(part(i, first) for part in parts) + ")"
    return _Unit(stmt, sql, target.name, row=(fields, row))


def _update(find: fx.Find, update: fx.Update, t: Table, var: str, avoid: set[str],
            evaluators: list[Evaluator]) -> _Unit:
    """``find X (many) … ; update X set …`` for every loop row as one UPDATE … FROM."""
    t2, x = find.table, find.as_
    if (not known_find(find) or not find.many or find.limit or update.row != x or update.table is not t2
            or t2 is t or any(f.startswith(INTERNAL_PREFIX) or f == "_n" for f in t2.fields)):
        raise Unsupported("an update in a loop of a shape this module does not run")
    stmt, used, conds, join = Conditions(), [], [], []
    name = quote(t2.name)
    for w in find.where:
        if w.path or w.lhs_params:
            raise Unsupported("a path into a json field")
        read = _field_of(expr_node(w.expr.source), var)
        if read is not None:
            if read not in t.fields or t.fields[read].type != t2.fields[w.field].type:
                raise Unsupported("a key of another type")
            conds.append(f"{name}.{quote(w.field)} IS s.{_use(used, t, read)}{w.collate}")
            join.append((read, w.nocase))
        elif w.expr.names & (avoid | {var}) or _calls_runtime(w.expr.source):
            raise Unsupported("a key that changes per row")
        else:
            conds.append(f"{name}.{quote(w.field)} = {stmt.param(where_value(w, t2))}{w.collate}")
    if find.filter is not None:
        if find.filter.names & (avoid | {var}) - {x} or _calls_runtime(find.filter.source):
            raise Unsupported("a filter that reads the loop row")
        conds.append(stmt.condition(expr_node(find.filter.source), x, t2))
    sets = []
    for fld, e in update.set:
        node = expr_node(e.source)
        if not e.names & {x, var}:
            sets.append(f"{quote(fld)} = {_once(stmt, e, t2.encoder(fld), avoid | {x})}")
            continue
        xf, vf = _fields_only(node, x), _fields_only(node, var)
        if xf is None or vf is None or e.names & (avoid - {x, var}) or _calls_runtime(e.source):
            raise Unsupported("an updated value this module does not compute per row")
        args = [f"{name}.{quote(_raw(t2, f))}" for f in xf] + [f"s.{_use(used, t, f)}" for f in vf]
        evaluators.append(_evaluator(e, fld, t2, x, xf, var, vf))
        sets.append(f"{quote(fld)} = gem_eval({len(evaluators) - 1}{''.join(', ' + a for a in args)})")
    sql = (f"UPDATE {name} SET {', '.join(sets)} FROM ({_rows(t, used)}) AS s "
           f"WHERE {' AND '.join(conds) if conds else '1'}")
    return _Unit(stmt, sql, t2.name, join)


def _evaluator(e: Any, fld: str, t2: Table, x: str, xf: list[str], var: str, vf: list[str]) -> Evaluator:
    """An updated value computed by its own closure, from the fields it reads (SQL passes them)."""
    nx = len(xf)

    def evaluate(env: dict[str, Any], ctx: Any, args: tuple) -> Any:
        scope = dict(env)
        scope[x] = dict(zip(xf, args[:nx]))
        scope[var] = dict(zip(vf, args[nx:]))
        return t2.encode(fld, e(scope, ctx))
    return evaluate


def _fields_only(node: Node, name: str) -> list[str] | None:
    """The fields of `name` an expression reads, or None when it reads `name` otherwise."""
    out: list[str] = []

    def walk(n: Node) -> bool:
        if n.op == "attr" and n.args[0].op == "name" and n.args[0].value == name:
            if n.value not in out:
                out.append(n.value)
            return True
        if n.op == "name" and n.value == name:
            return False
        if n.op == "comp" and n.value == name:
            return walk(n.args[1])
        return all(walk(a) for a in n.args)
    return out if walk(node) else None


def step_expressions(step: Any) -> list[tuple[Any, bool]] | None:
    """(compiled expression, is a message template) of every expression of one step, not of the
    steps inside it; None for a step kind this module does not know."""
    t = type(step)
    if t is fx.Find:
        return ([(w.expr, False) for w in step.where] + [(step.error, True)]
                + ([(step.filter, False)] if step.filter is not None else []))
    if t is fx.Require:
        return [(step.cond, False), (step.message, True)]
    if t is fx.Let:
        return [(e, False) for _, e in step.items]
    if t is fx.ForEach:
        return [(step.items, False)]
    if t is fx.If:
        return [(step.cond, False)]
    if t is fx.Insert:
        return [(e, False) for _, e in step.values]
    if t is fx.Update:
        return [(e, False) for _, e in step.set]
    if t is fx.ReturnValue:
        return [(step.value, False)]
    if t is fx.Delete:
        return []
    return None


def names_read(steps: list[Any]) -> set[str] | None:
    """Every name the steps (and the steps inside them) read; None when unknown."""
    out: set[str] = set()
    for step in steps:
        exprs = step_expressions(step)
        inner = names_read(fx.nested_steps(step))
        if exprs is None or inner is None:
            return None
        out |= inner.union(*(e.names for e, _ in exprs))
        if type(step) in (fx.Update, fx.Delete):
            out.add(step.row)
    return out
