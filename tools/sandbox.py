"""An episode's sandbox: its own in-memory copy of the template DB, the executor, state and diffs.

`call(tool, args)` is the one path for every tool: validate arguments → run the effect (or the
Python tool) in a savepoint → a result or an error *as data* → log the call. A call whose plan is
one statement (`tools.writeplan`) runs it without the savepoint: a statement is atomic by itself,
and when it writes nothing the steps run in the savepoint as usual. Such a statement is tried
first straight from the raw arguments (`WriteHead.direct`); whatever it does not take (arguments
it is unsure of, no row written) goes the general way from the start. An insert tool compiled to
one read and its writes (`tools.insertplan`) runs before the call's savepoint too, its two writes
in a savepoint of their own. A write call the domain's sandboxes have already made from this state
is taken from the write memo instead (`tools.write_memo`): SQLite runs it only when read through
`conn` (or `db`, a dump, a lookup, a snapshot). Nothing a caller passes can raise out of `call`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Iterable

from pydantic import ValidationError

from .digest import LOG_TABLE, StateDigest
from .effects import ToolFailure, run_effect
from .errors import ExprError
from .expr import format_id
from .plan import Plan, plan_for
from .jsontext import ENCODE
from .loopplan import StepByStep
from .python_tools import SandboxDB, ToolError
from . import read_cache, write_memo
from .reply import Encoded
from .runtime_sql import runtime_sql
from .seed import id_spread
from .tables import loads, quote
from .writeplan import MISS

if TYPE_CHECKING:
    from .compiler import CompiledDomain, CompiledTool


_UNSET: Any = object()
_CLEAR_LOG = f"DELETE FROM {quote(LOG_TABLE)}"


class ToolResult:
    """What one call produced: `value` when ok, else `error` (a message for the agent).

    A reply built inside SQLite (`tools.reply`) arrives as its JSON `text`; `value` is decoded
    from it only when someone asks, so a call whose reply only travels as text never parses it.
    `content` is that text as it is when it is an object's or a list's (set by `of_text`: a plain
    attribute, read by every step), else written on first read (`__getattr__`)."""

    __slots__ = ("ok", "_value", "error", "error_kind", "_text", "content")

    def __init__(self, ok: bool, value: Any = None, error: str | None = None,
                 error_kind: str | None = None, text: str | None = None):
        self.ok, self.error, self.error_kind = ok, error, error_kind  # error_kind: unknown_tool | invalid_arguments | refused
        self._value = _UNSET if text is not None else value
        self._text = text

    @classmethod
    def of_text(cls, text: str) -> "ToolResult":
        """A successful result whose reply is JSON text (what a compiled statement wrote)."""
        r = cls.__new__(cls)
        r.ok, r.error, r.error_kind, r._value, r._text = True, None, None, _UNSET, text
        if text[:1] != '"':
            r.content = text
        return r

    @property
    def value(self) -> Any:
        if self._value is _UNSET:
            self._value = json.loads(self._text)
        return self._value

    def as_data(self) -> Any:
        return self.value if self.ok else {"error": self.error}

    def __reduce__(self) -> tuple[Any, ...]:  # (the `_UNSET` mark is this process's object)
        value = None if self._text is not None else self._value
        return ToolResult, (self.ok, value, self.error, self.error_kind, self._text)

    def __getattr__(self, name: str) -> Any:
        """`content` when not set yet: the tool message text an agent sees, compact JSON or a
        string reply as it is (kept)."""
        if name != "content":
            raise AttributeError(name)
        if self.ok and self._text is not None and not self._text.startswith('"'):
            text = self._text
        else:
            data = self.as_data()
            text = data if isinstance(data, str) else ENCODE(data)
        self.content = text
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ToolResult) and (self.ok, self.value, self.error, self.error_kind) == (
            other.ok, other.value, other.error, other.error_kind)

    def __repr__(self) -> str:
        return f"ToolResult(ok={self.ok!r}, value={self.value!r}, error={self.error!r}, error_kind={self.error_kind!r})"


class CallRecord(tuple):
    """One logged call, `(tool, arguments, ok, result)`; `result` is the call's data (decoded on
    first read). A tuple: made without a Python frame, once per call."""

    __slots__ = ()
    tool = property(itemgetter(0))
    arguments = property(itemgetter(1))
    ok = property(itemgetter(2))

    def __new__(cls, tool: str, arguments: Any, ok: bool, result: Any) -> "CallRecord":
        return tuple.__new__(cls, (tool, arguments, ok, result))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    @property
    def result(self) -> Any:
        result = self[3]
        return result.as_data() if isinstance(result, ToolResult) else result

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CallRecord) and (self.tool, self.arguments, self.ok, self.result) == (
            other.tool, other.arguments, other.ok, other.result)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]  # (equal by the result's data, which may be a dict)

    def __repr__(self) -> str:
        return f"CallRecord(tool={self.tool!r}, arguments={self.arguments!r}, ok={self.ok!r}, result={self.result!r})"


def _kept(entry: tuple[Any, ...]) -> ToolResult:
    """A fresh result from a kept reply (`tools.read_cache.entry_of`)."""
    return ToolResult.of_text(entry[1]) if entry[0] else ToolResult(False, error=entry[1], error_kind=entry[2])


def _parsed(text: str) -> Any:
    """Arguments written as JSON text, as `Sandbox._arguments` reads them: the object, or the text
    itself when it is not a JSON object (`_arguments` says what is wrong with it)."""
    try:
        value = loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return text
    return value if type(value) is dict else text


def _format_validation(tool: str, err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "lax-", "strict-")))
        if e["type"] == "extra_forbidden":
            parts.append(f"unexpected argument '{loc}'")
        elif e["type"] == "missing":
            parts.append(f"missing argument '{loc}'")
        else:
            parts.append(f"'{loc}': {e['msg']}")
    return f"invalid arguments for {tool}: " + "; ".join(dict.fromkeys(parts))


_record = partial(tuple.__new__, CallRecord)
"""`CallRecord` of a `(tool, arguments, ok, result)` tuple, made in C."""


class Sandbox:
    """One episode's state and tools. Cheap to create: a copy of the compiled template."""

    def __init__(self, compiled: "CompiledDomain"):
        self.compiled = compiled
        self.tables = compiled.tables
        self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._conn.deserialize(compiled.template)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.create_function("gem_eval", -1, self._evaluate)
        self.sql = runtime_sql(compiled)
        """The statements of `next_id`, `count_rows` and `rows`, built once per domain."""
        self.restartable = False
        """Whether a set-based loop may ask for the call again step by step (`_steps`)."""
        self.evaluating: tuple[dict[str, Any], list[Any]] | None = None
        """(env, evaluators) of the set-based loop statement running now (`tools.loopplan`)."""
        clock = dt.datetime.fromisoformat(compiled.domain.clock)
        self.clock = {"now": clock.isoformat(), "today": clock.date().isoformat()}
        """The names of the frozen clock that every expression may read."""
        self.log: list[CallRecord] = []
        self.dirty: set[str] = set()
        """Tables written since the last state hash (informational: the digest reads SQLite's log)."""
        self.digest = StateDigest(self.tables, compiled.table_sums, compiled.template_rows)
        self._db = SandboxDB(self._conn, self.tables, self.dirty)
        self._checkpoint: tuple[Any, ...] | None = None
        """What the sandbox knew of the state at the last `checkpoint` (`_known`)."""
        self.cache = read_cache.domain_cache(compiled)
        self._names = sorted(self.tables)
        self.version = 0
        """The version of the whole state (0: the template's); `versions` per table."""
        self.versions = dict.fromkeys(self._names, 0)
        self._changes = self._conn.total_changes
        """The connection's count of changed rows that the versions account for."""
        self._folded = self._changes
        """The count when the change log was last emptied: the log is empty while it holds."""
        self.memo = write_memo.memo_of(compiled)
        self.pending: list[write_memo.Taken] = []
        """Calls taken from the write memo that SQLite has not run yet (`_flush`)."""
        self._unapplied: list[tuple[tuple[int, Any, int, int], ...]] = []
        """The rows moved by calls taken from the memo, not in the digest yet: whoever reads the
        digest goes through `_fold`, which takes them first (an episode's state is seldom hashed)."""
        self.id_hints: dict[str, int] = dict(compiled.id_starts)
        """The id counters as the template or this sandbox's compiled inserts last left them
        (`tools.insertplan`): a guess that saves reading a counter, checked by the statement that
        uses it (no entry: none)."""
        self._call: tuple[str, dict[str, Any]] | None = None
        """The tool and validated arguments of the call running now (`id_spread`)."""

    @property
    def conn(self) -> sqlite3.Connection:
        """The SQLite connection, brought up to date with the calls taken from the write memo."""
        if self.pending:
            self._flush()
        return self._conn

    @property
    def db(self) -> SandboxDB:
        """What a Python tool reads and writes through (up to date, as `conn`)."""
        if self.pending:
            self._flush()
        return self._db

    # ------------------------------------------------------------ calls

    def call(self, tool: str, arguments: Any = None) -> ToolResult:
        result = self._execute(tool, {} if arguments is None else arguments)
        self.log.append(_record((tool, arguments, result.ok, result)))
        return result

    def _execute(self, name: str, arguments: Any) -> ToolResult:
        tool = self.compiled.tools.get(name) if isinstance(name, str) else None
        if tool is None:
            known = ", ".join(self.compiled.tools)
            return ToolResult(False, error=f"unknown tool '{name}'; available tools: {known}",
                              error_kind="unknown_tool")
        caching = read_cache.SETTINGS["enabled"]  # (off: no versions kept; when it is on again,
        if caching:                                 # the first call meets an unknown state)
            if self._conn.total_changes != self._changes:  # SQL run on the connection directly
                self._unknown_state()
            versions_of = tool.__dict__.get("_versions_of", False)  # (`read_cache.versions_of`, made)
            if versions_of is False:
                versions_of = read_cache.versions_of(tool)
            if versions_of is not None:
                versions = versions_of(self.versions)
                if type(arguments) is str:  # a reply kept for this text (most steps end here)
                    cache, key = self.cache, (name, arguments, versions)
                    kept = cache.replies.get(key)  # `cache.get` inline
                    if kept is not None:
                        try:
                            cache.replies.move_to_end(key)
                        except KeyError:  # dropped by another thread's `put` meanwhile (`lru_get`)
                            pass
                        cache.hits += 1
                        return ToolResult.of_text(kept[1]) if kept[0] else _kept(kept)
                return self._read(tool, name, arguments, versions)
            if write_memo.SETTINGS["enabled"] and write_memo.remembers(tool):
                return self._write(tool, name, arguments)
        direct = getattr((tool.__dict__.get("_plan") or plan_for(tool)).single, "direct", None)
        if direct is not None:
            if type(arguments) is str:  # as a model writes them: parsed once, for either path
                arguments = _parsed(arguments)
            if type(arguments) is dict:
                done = direct(arguments, self)
                if done is not None:
                    if caching and self._conn.total_changes != self._changes:
                        self._changed(tool, done[1], done[2])  # as validation would give them
                    return ToolResult.of_text(done[0])
        parsed = self._arguments(tool, arguments)
        if type(parsed) is ToolResult:
            return parsed
        plan, args = parsed
        result = self._answer(tool, plan, args)
        if caching and self._conn.total_changes != self._changes:
            values = tuple(args.values())
            self._changed(tool, values, tuple(map(type, values)))
        return result

    def _arguments(self, tool: "CompiledTool", arguments: Any) -> tuple[Plan, dict[str, Any]] | ToolResult:
        """The tool's plan and its validated arguments, or the error saying what is wrong with them."""
        name = tool.spec.name
        if isinstance(arguments, str):  # as a model writes them
            try:
                arguments = loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError as err:
                return ToolResult(False, error=f"arguments for {name} are not valid JSON: {err.msg}",
                                  error_kind="invalid_arguments")
        if not isinstance(arguments, dict):
            return ToolResult(False, error=f"arguments for {name} must be a JSON object",
                              error_kind="invalid_arguments")
        plan = tool.__dict__.get("_plan") or plan_for(tool)
        try:
            return plan, plan.arguments(arguments)
        except ValidationError as err:
            return ToolResult(False, error=_format_validation(name, err), error_kind="invalid_arguments")

    def _read(self, tool: "CompiledTool", name: str, arguments: Any, versions: Any) -> ToolResult:
        """A read whose reply is kept (`tools.read_cache`) but not under the arguments' JSON text as
        given (`_execute` looked that up, with no parsing and no validation: the same text validates
        the same): looked up by the validated arguments (another spelling of the same ones), else
        run and kept. `name`: the tool's (as the call named it); `versions`: the state it reads
        (`read_cache.versions_of`)."""
        cache = self.cache
        text_key = (name, arguments, versions) if type(arguments) is str else None
        parsed = self._arguments(tool, arguments)
        if type(parsed) is ToolResult:
            return parsed
        plan, args = parsed
        key = (name, read_cache.argument_key(args), versions)
        kept = cache.get(key)
        if kept is None:
            cache.misses += 1
            result = self._answer(tool, plan, args)
            kept = read_cache.entry_of(result)
            if kept is None:
                return result
            cache.put(key, kept, text_key)
            # a reply that was a value is text now: the step's `content` is not encoded again
            return result if result._text is not None else _kept(kept)
        if text_key is not None:
            cache.put(text_key, kept)
        return _kept(kept)

    def _write(self, tool: "CompiledTool", name: str, arguments: Any) -> ToolResult:
        """A write call taken from the memo when this state has seen it (`tools.write_memo`), run
        and remembered when not. Looked up by the arguments' JSON text as given, then by the
        validated arguments. `name`: the tool's (as the call named it)."""
        memo = self.memo
        text_key = taken = None
        if type(arguments) is str:
            text_key = (self.version, name, arguments)
            taken = memo.calls.get(text_key)  # `memo.get` inline (a taken call's step ends here)
            if taken is not None:
                try:
                    memo.calls.move_to_end(text_key)
                except KeyError:  # dropped by another thread's `put` meanwhile (`lru_get`)
                    pass
        if taken is None:
            parsed = self._arguments(tool, arguments)
            if type(parsed) is ToolResult:
                return parsed
            plan, args = parsed
            values = tuple(args.values())
            key = (self.version, name, values, tuple(map(type, values)))
            taken = memo.get(key)
            if taken is None:
                memo.misses += 1
                if self.pending:  # SQLite catches up first
                    self._flush()
                if self._conn.total_changes != self._folded:  # what the call writes, alone in the log
                    self._fold()
                before = self.version  # (a flush that found the memo wrong left a state of its own)
                result = self._answer(tool, plan, args)
                taken = self._remember(tool, args, key[2], key[3], result)
                if taken is None:
                    return result
                if before == key[0]:
                    memo.put(key, taken, text_key)
                return result if result._text is not None else _kept(taken.reply)  # (as a read's)
            if text_key is not None:
                memo.put(text_key, taken)
        memo.hits += 1
        if taken.changes is not None:
            # (no SQL ran since `_execute` read the connection's count: `_changes` is it)
            if self._changes != self._folded:  # the log stays empty while calls wait
                self._fold()
            self._unapplied.append(taken.changes)
            self.pending.append(taken)
            self._moved_to(tool, taken.after)
        return _kept(taken.reply)

    def _remember(self, tool: "CompiledTool", args: dict[str, Any], values: tuple[Any, ...],
                  types: tuple[type, ...], result: ToolResult) -> write_memo.Taken | None:
        """What to remember of a call just run (its change folded into the digest now, to know its
        rows); None when it cannot be replayed from a memo (a reply that is no JSON text, a state
        summed anew after a restore)."""
        reply = read_cache.entry_of(result)
        if self._conn.total_changes == self._changes:
            return None if reply is None else write_memo.Taken(reply, None, self.version, tool, args)
        self._changed(tool, values, types)
        moved = self._fold()
        if reply is None or moved is None:
            return None
        return write_memo.Taken(reply, tuple(moved), self.version, tool, args)

    def _flush(self) -> None:
        """Run the calls taken from the memo, in order, from the state they were taken on: SQLite
        catches up with the versions and the digest, which have them already (their log entries
        are dropped). Their replies are the remembered ones (the executor is deterministic); if one
        were not, the state would be marked unknown and the digest summed anew."""
        pending, self.pending = self.pending, []
        alike = True
        for taken in pending:
            tool = taken.tool
            result = self._answer(tool, tool.__dict__.get("_plan") or plan_for(tool), taken.args)
            alike = alike and read_cache.entry_of(result) == taken.reply
        if alike:
            self._conn.execute(_CLEAR_LOG)
            self._changes = self._folded = self._conn.total_changes
        else:
            self._apply_taken()
            self.digest.recompute(self._conn)
            self._folded = self._conn.total_changes
            self._unknown_state()

    def _answer(self, tool: "CompiledTool", plan: Plan, args: dict[str, Any]) -> ToolResult:
        if self.pending:  # before this call is the one running (`id_spread` reads it)
            self._flush()
        self._call = (tool.spec.name, args)  # what `id_spread` draws a new id's place from
        if plan.single is not None:  # one statement, atomic without a savepoint (or an insert with its own)
            out = plan.single.run({**self.clock, **args}, self)
            if out is not MISS:
                return ToolResult.of_text(out.text) if type(out) is Encoded else ToolResult(True, value=out)
        elif plan.read is not None:  # one SELECT; what it cannot answer (or fails on), the steps do
            try:
                out = plan.read.run({**self.clock, **args}, self)
            except Exception:  # noqa: BLE001 -- the steps run and say what is wrong, as without it
                out = None
            if out is not None:
                return ToolResult.of_text(out.text)
        return self._run(tool, plan, args)

    # ------------------------------------------------------------ state versions (`tools.read_cache`)

    def _changed(self, tool: "CompiledTool", values: tuple[Any, ...], types: tuple[type, ...]) -> None:
        """A call changed the state: the tables it may write take the version of this history.
        `values`, `types`: the validated arguments' values in parameter order and their types
        (`read_cache.argument_key`)."""
        self._moved_to(tool, self.cache.step((self.version, tool.spec.name, values, types)))
        self._changes = self._conn.total_changes

    def _moved_to(self, tool: "CompiledTool", version: int) -> None:
        """The state is now `version`: the tables `tool` may write take it."""
        self.version = version
        versions = self.versions
        for t in tool.__dict__.get("_write_scope") or read_cache.writes_of(tool, self._names):
            versions[t] = version

    def _unknown_state(self) -> None:
        """A change no call accounts for: every table gets a version no other sandbox has."""
        self.version = v = self.cache.fresh()
        self.versions = dict.fromkeys(self._names, v)
        self._changes = self._conn.total_changes

    def _run(self, tool: "CompiledTool", plan: Plan, args: dict[str, Any]) -> ToolResult:
        """The steps (or the Python tool) in the call's savepoint; `plan.single` has had its try."""
        guarded = tool.writes or tool.python is not None
        if guarded:
            self.conn.execute("SAVEPOINT gem_call")
        try:
            if tool.python is not None:
                value = tool.python.fn(self.db, **args)
            else:
                value = self._steps(tool, plan, args, guarded)
        except (ToolFailure, ToolError, ExprError) as err:
            return self._fail(guarded, str(err))
        except sqlite3.IntegrityError as err:
            return self._fail(guarded, f"the change breaks a constraint: {err}")
        except Exception as err:  # a tool bug must not take the episode down
            return self._fail(guarded, f"{tool.spec.name} failed: {type(err).__name__}: {err}")
        if guarded:
            self.conn.execute("RELEASE gem_call")
        if type(value) is Encoded:
            return ToolResult(True, text=value.text)
        return ToolResult(True, value=value)

    def _steps(self, tool: "CompiledTool", plan: Plan, args: dict[str, Any], guarded: bool) -> Any:
        """The plan's run; when a set-based loop of it fails after writing (`StepByStep`), the
        call's writes are undone and its steps run again from the start, one by one."""
        self.restartable = guarded
        try:
            return plan.run({**self.clock, **args}, self)
        except StepByStep:
            self.restartable = False
            self.conn.execute("ROLLBACK TO gem_call")
            return run_effect(tool.steps or [], {**self.clock, **args}, self)
        finally:
            self.restartable = False

    def _fail(self, guarded: bool, message: str) -> ToolResult:
        if guarded:
            self.conn.execute("ROLLBACK TO gem_call")
            self.conn.execute("RELEASE gem_call")
        return ToolResult(False, error=message, error_kind="refused")

    # ------------------------------------------------------------ runtime for expressions

    def _evaluate(self, slot: int, *args: Any) -> Any:
        """`gem_eval(slot, ...)` in a loop's statement: its value computed by the step's closure."""
        if self.evaluating is None:
            raise RuntimeError("gem_eval outside a loop statement")
        env, evaluators = self.evaluating
        return evaluators[slot](env, self, args)

    def lookup(self, table: str, key: Any) -> dict | None:
        t = self.tables[table]
        row = self.conn.execute(t.by_pk_sql, [key]).fetchone()
        return t.decode(row) if row else None

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        """How many rows of `table` equal `where` (names were checked when the domain compiled)."""
        sql = self.sql.count_sql(table, tuple(where))
        return self.conn.execute(sql, self.sql.params(self.tables[table], where)).fetchone()[0]

    ROWS_LIMIT = 50

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]:
        """The rows of `table` equal to `where`, in key order, at most `ROWS_LIMIT` (a bounded read)."""
        t = self.tables[table]
        sql = self.sql.rows_sql(table, tuple(where), self.ROWS_LIMIT)
        return [t.decode(r) for r in self.conn.execute(sql, self.sql.params(t, where)).fetchall()]

    def id_spread(self, pattern: str) -> int:
        """`seed.id_spread` of the call running now (0 outside a call)."""
        return 0 if self._call is None else id_spread(pattern, *self._call)

    def next_id(self, prefix: str) -> str:
        """The next free id with this prefix: a counter kept in the DB, moved on by the call's
        `id_spread`, skipping ids already used."""
        sql, conn = self.sql, self.conn
        first = conn.execute(sql.bump_sql, [prefix]).fetchone()[0]
        n = first + self.id_spread(prefix)
        while True:
            candidate = format_id(prefix, n)  # 'ORD-' -> ORD-1; 'DSP-#####' -> DSP-10001
            if sql.taken_sql is None or not conn.execute(sql.taken_sql, [candidate]).fetchone()[0]:
                break
            n += 1
        if n != first:
            conn.execute(sql.set_counter_sql, [prefix, n])
        return candidate

    # ------------------------------------------------------------ state

    def _table_names(self, tables: Iterable[str] | None) -> list[str]:
        names = sorted(self.tables) if tables is None else sorted(set(tables))
        unknown = [n for n in names if n not in self.tables]
        if unknown:
            raise KeyError(f"unknown tables {unknown}")
        return names

    def table_hash(self, name: str) -> str:
        """The digest of one table (`tools.digest`): folded forward from the rows written since the
        last hash, so it costs O(rows written), not O(rows)."""
        if name not in self.tables:
            raise KeyError(f"unknown tables {[name]}")
        self._fold()
        return self.digest.table_hex(name)

    def state_hash(self, tables: Iterable[str] | None = None) -> str:
        """SHA-256 over the chosen tables' digests (all tables by default), in name order."""
        names = self._table_names(tables)
        self._fold()
        h = hashlib.sha256()
        for name in names:
            h.update(f"{name}\x00{self.digest.table_hex(name)}\n".encode())
        return h.hexdigest()

    def recomputed_state_hash(self, tables: Iterable[str] | None = None) -> str:
        """`state_hash` with every table digested from scratch (what the incremental one must equal)."""
        conn = self.conn  # up to date with the calls taken from the memo
        known = conn.total_changes == self._changes
        self._apply_taken()
        self.digest.recompute(conn)
        self._folded = conn.total_changes
        if known:
            self._changes = self._folded
        return self.state_hash(tables)

    def _fold(self) -> list[tuple[int, Any, int, int]] | None:
        """Take the change log into the digest; the rows it moved (`StateDigest.fold`). Nothing to
        read when nothing was written since the last fold (calls waiting in `pending` are not in
        the log: their rows, `_unapplied`, are taken first)."""
        if self._unapplied:
            self._apply_taken()
        conn = self._conn
        if conn.total_changes == self._folded:
            return []
        known = conn.total_changes == self._changes
        moved = self.digest.fold(conn)  # empties the change log: a change of no state
        self._folded = conn.total_changes
        if known:
            self._changes = self._folded
        self.dirty.clear()
        return moved

    def _apply_taken(self) -> None:
        """The rows of the calls taken from the memo into the digest, in the order taken (before any
        write logged since: a call is taken only with the log empty)."""
        for moved in self._unapplied:
            self.digest.apply(moved)
        self._unapplied.clear()

    def touched(self) -> dict[str, set[Any]] | None:
        """Keys written per table since the template (None when unknown, after a `restore`)."""
        self._fold()
        return self.digest.touched

    def dump(self, tables: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        """{table: {key: row}} for a row-level diff."""
        out = {}
        conn = self.conn
        for name in self._table_names(tables):
            t = self.tables[name]
            out[name] = {str(r[t.pk]): r for r in map(t.decode, conn.execute(t.select_sql))}
        return out

    def checkpoint(self) -> None:
        """Make the current state the one `rewind` returns to. Opens a transaction that stays open
        (calls nest their savepoints inside it), so `rewind` costs O(pages written), not O(DB)."""
        self._checkpoint = self._known()
        self._conn.execute("SAVEPOINT gem_checkpoint")

    def rewind(self) -> None:
        """Back to the last `checkpoint`: rows, digest, touched keys and the call log (calls taken
        from the memo and not run yet are dropped unrun)."""
        if self._checkpoint is None:
            raise RuntimeError("rewind needs a checkpoint")
        self.pending.clear()
        self._unapplied.clear()
        self._conn.execute("ROLLBACK TO gem_checkpoint")
        self._take(self._checkpoint)
        self.log.clear()
        self.dirty.clear()

    def snapshot(self) -> "Snapshot":
        """The state as bytes (`Connection.serialize`), carrying what this sandbox knows of it (see
        `Snapshot`)."""
        known = self._known()
        snap = Snapshot(self._conn.serialize())
        snap.known = (self.compiled, known)
        return snap

    def restore(self, snapshot: bytes) -> None:
        """The state of `snapshot`. One this sandbox's domain made brings its digest, touched keys
        and versions back with it (O(rows it had written)); other bytes are a state of their own,
        every table summed anew."""
        self.pending.clear()
        self._unapplied.clear()
        self._conn.deserialize(snapshot)
        self._conn.execute("PRAGMA foreign_keys = ON")
        known = getattr(snapshot, "known", None)
        if known is not None and known[0] is self.compiled:
            self._take(known[1])
            return
        self.digest.forget_template(self._conn)
        self._folded = self._conn.total_changes
        self._unknown_state()
        self.id_hints.clear()

    def _known(self) -> tuple[Any, ...]:
        """What this sandbox knows of its state, copied, for `rewind` or `restore` to take back:
        the digest's sums, written rows and template, the touched keys, the read cache's versions
        and the id hints. SQLite is brought up to date and the change log emptied first."""
        conn = self.conn  # the calls taken from the memo run first: SQLite holds the state
        self._fold()
        if conn.total_changes != self._changes:  # SQL run on the connection directly: versions
            self._unknown_state()                # taken back must be this state's
        d, touched = self.digest, self.digest.touched
        return (dict(d.sums), dict(d.rows), d.template,
                None if touched is None else {t: set(k) for t, k in touched.items()},
                self.version, dict(self.versions), dict(self.id_hints))

    def _take(self, known: tuple[Any, ...]) -> None:
        """Back to what `_known` copied, on the state it was copied from (the change log empty)."""
        sums, rows, template, touched, self.version, versions, hints = known
        d = self.digest
        d.sums, d.rows, d.template = dict(sums), dict(rows), template
        d.touched = None if touched is None else {t: set(k) for t, k in touched.items()}
        self.versions, self.id_hints = dict(versions), dict(hints)
        self._changes = self._folded = self._conn.total_changes

    def close(self) -> None:
        self.pending.clear()
        self._unapplied.clear()
        self._conn.close()


class Snapshot(bytes):
    """A sandbox's serialized state (`Sandbox.snapshot`) with what the sandbox knew of that state:
    its digest sums, the written rows' digests, the keys touched since the template, the read
    cache's versions and the id hints. `restore` on a sandbox of the same compiled domain takes
    them instead of summing every table again (task admission restores hundreds of times per
    domain). Pickled, it is plain bytes (restored as a state of its own)."""

    known: tuple[Any, tuple[Any, ...]] | None = None
    """(the compiled domain, `Sandbox._known`) of the sandbox that made it."""

    def __reduce__(self) -> tuple[Any, ...]:
        return bytes, (bytes(self),)


def same_reply(recorded: Any, replayed: str) -> bool:
    """Whether a recorded tool message is the replayed reply: the same text, or the same JSON
    written with other spacing (runs recorded before replies were compact JSON)."""
    if recorded == replayed:
        return True
    try:
        return isinstance(recorded, str) and json.loads(recorded) == json.loads(replayed)
    except json.JSONDecodeError:
        return False


def diff_states(before: dict[str, dict[str, dict]], after: dict[str, dict[str, dict]]) -> list[dict[str, Any]]:
    """Row-level differences between two `Sandbox.dump()`s: added, removed and changed rows."""
    changes: list[dict[str, Any]] = []
    for table in sorted(set(before) | set(after)):
        a, b = before.get(table, {}), after.get(table, {})
        for key in sorted(set(a) | set(b)):
            if key not in b:
                changes.append({"table": table, "key": key, "change": "removed", "row": a[key]})
            elif key not in a:
                changes.append({"table": table, "key": key, "change": "added", "row": b[key]})
            elif a[key] != b[key]:
                fields = {f: [a[key].get(f), b[key].get(f)] for f in a[key] if a[key].get(f) != b[key].get(f)}
                changes.append({"table": table, "key": key, "change": "changed", "fields": fields})
    return changes
