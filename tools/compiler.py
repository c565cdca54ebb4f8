"""Compile a `Domain` once: check it, build argument validators and effects, seed the template DB."""
from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Literal, Union

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr, create_model

from . import effects as fx
from .digest import TemplateRows, log_ddl, written_tables
from .errors import CompileError, ExprError
from .model import Domain, Parameter, ToolSpec, Workflow
from .python_tools import PythonTool
from .render import record_noun, singular
from .seed import id_counters, seed_rows
from .tables import COUNTERS_TABLE, INTERNAL_PREFIX, Table, check_entities, quote, reserve_free_pages

if TYPE_CHECKING:
    from .sandbox import Sandbox

_WRITE_STEPS = (fx.Insert, fx.Update, fx.Delete)


def _annotation(p: Parameter) -> Any:
    if p.enum:
        return Literal[tuple(p.enum)]
    return {
        "string": StrictStr, "integer": StrictInt, "number": Union[StrictInt, StrictFloat],
        "boolean": StrictBool, "object": dict[str, Any],
        "array": list[_annotation(p.items)] if p.items else list,  # type: ignore[misc]
    }[p.type]


def _validator(spec: ToolSpec) -> type[BaseModel]:
    return _validator_for(json.dumps([p.model_dump(mode="json") for p in spec.parameters], sort_keys=True))


@functools.lru_cache(maxsize=4096)
def _validator_for(parameters_json: str) -> type[BaseModel]:
    """Argument models are shared by tools with the same parameters (building one costs ~0.4 ms)."""
    fields: dict[str, Any] = {}
    for p in (Parameter.model_validate(d) for d in json.loads(parameters_json)):
        ann = _annotation(p)
        fields[p.name] = (ann, ...) if p.required else (ann | None, p.default)
    return create_model("ToolArguments", __config__=ConfigDict(extra="forbid"), **fields)


def parameter_schema(p: Parameter) -> dict[str, Any]:
    s: dict[str, Any] = {"type": p.type}
    if p.description:
        s["description"] = p.description
    if p.enum:
        s["enum"] = list(p.enum)
    if p.type == "array" and p.items:
        s["items"] = parameter_schema(p.items)
    return s


def openai_schema(spec: ToolSpec) -> dict[str, Any]:
    """The OpenAI function-calling schema of a tool."""
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": {
                "type": "object",
                "properties": {p.name: parameter_schema(p) for p in spec.parameters},
                "required": [p.name for p in spec.parameters if p.required],
            },
        },
    }


@dataclass
class CompiledTool:
    spec: ToolSpec
    validator: type[BaseModel]
    steps: list[fx.Step] | None = None
    python: PythonTool | None = None
    schema: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict, repr=False)
    """The domain's tables, for plans that read another table in SQL (`lookup` in a condition)."""

    @property
    def writes(self) -> bool:
        return self.spec.kind == "write"


def _compile_tool(i: int, spec: ToolSpec, tables: dict[str, Table]) -> CompiledTool:
    where = f"tools[{i}] ({spec.name})"
    names = [p.name for p in spec.parameters]
    if len(set(names)) != len(names):
        raise CompileError(f"{where}: duplicate parameter names")
    clash = set(names) & fx.CLOCK_NAMES
    if clash:
        raise CompileError(f"{where}: parameter names {sorted(clash)} are reserved")
    scope = fx.Scope(tables, {n: fx.Binding() for n in names}, f"{where}.effect")
    steps = fx.compile_steps(spec.effect or [], scope)
    if spec.kind == "read" and _writes(steps):
        raise CompileError(f"{where}: a read tool cannot insert, update or delete; declare kind: write")
    return CompiledTool(spec=spec, validator=_validator(spec), steps=steps, schema=openai_schema(spec),
                        tables=tables)


def _lookup_fields(steps: Iterable[fx.Step]) -> set[tuple[str, tuple[str, ...], bool]]:
    """(table, columns, nocase) that finds select on: these get an index in the template. A find
    on one exact key ordered by other fields gets (key, *order fields), which also serves the key
    alone and spares SQLite a sort of the matching rows."""
    out: set[tuple[str, tuple[str, ...], bool]] = set()
    for s in steps:
        if isinstance(s, fx.Find):
            out |= {(s.table.name, (fld,), nocase) for fld, nocase in s.indexable}
            if len(s.where) == 1 and s.indexable == [(s.where[0].field, False)] and s.order_fields != [s.table.pk]:
                out.add((s.table.name, (s.where[0].field, *s.order_fields), False))
        else:
            out |= _lookup_fields(fx.nested_steps(s))
    return out


def _indexes(tables: dict[str, Table], wanted: set[tuple[str, tuple[str, ...], bool]]) -> list[tuple[str, tuple[str, ...], bool]]:
    """The indexes to build: not one on a table's key alone (it has one), nor one whose columns
    begin another's (that one serves it), in a fixed order."""
    wanted = {(t, cols, nocase) for t, cols, nocase in wanted if nocase or cols != (tables[t].pk,)}
    return sorted(w for w in wanted if not any(
        o[0] == w[0] and o[2] == w[2] and len(o[1]) > len(w[1]) and o[1][:len(w[1])] == w[1] for o in wanted))


def _writes(steps: Iterable[fx.Step]) -> bool:
    return any(isinstance(s, _WRITE_STEPS) or _writes(fx.nested_steps(s)) for s in steps)


def _check_workflow(i: int, wf: Workflow, tools: dict[str, CompiledTool], tables: dict[str, Table]) -> None:
    where = f"workflows[{i}] ({wf.name})"
    anchor = tables.get(wf.anchor.table)
    if anchor is None:
        raise CompileError(f"{where}.anchor: unknown table '{wf.anchor.table}'")
    row_scope = fx.Scope(tables, {"row": fx.Binding(anchor.name)}, f"{where}.anchor")
    if wf.anchor.filter:
        row_scope.expr(wf.anchor.filter)
    for key, src in wf.knows.items():
        row_scope.where = f"{where}.knows.{key}"
        row_scope.expr(src)
    scope = fx.Scope(tables, {k: fx.Binding() for k in wf.knows}, f"{where}.steps")
    if not wf.steps:
        raise CompileError(f"{where}: a workflow needs at least one step")
    for j, step in enumerate(wf.steps):
        scope.where = f"{where}.steps[{j}]"
        tool = tools.get(step.tool)
        if tool is None:
            raise CompileError(f"{scope.where}: unknown tool '{step.tool}'")
        params = {p.name: p for p in tool.spec.parameters}
        for arg, b in step.args.items():
            if arg not in params:
                raise CompileError(f"{scope.where}.args: '{step.tool}' has no parameter '{arg}'")
            if b.user is not None and b.user not in wf.knows:
                raise CompileError(f"{scope.where}.args.{arg}: the user does not know '{b.user}'")
            if b.result is not None:
                scope.expr(b.result)
        missing = [p for p, spec in params.items() if spec.required and p not in step.args]
        if missing:
            raise CompileError(f"{scope.where}: no binding for required parameter(s) {missing}")
        if step.when:
            scope.expr(step.when)
        if step.as_:
            scope.names[step.as_] = fx.Binding()
    for key, src in wf.tells.items():
        scope.where = f"{where}.tells.{key}"
        scope.expr(src)
    if wf.offer is not None:  # the offered write: after the workflow's steps, with their results
        _check_offer(wf, tools, scope, row_scope, f"{where}.offer")
    try:
        wf.goal.format(**{k: "" for k in wf.knows})
    except (KeyError, IndexError, ValueError) as err:
        raise CompileError(f"{where}.goal: placeholder {err} is not something the user knows") from None


def _check_offer(wf: Workflow, tools: dict[str, Any], scope: Any, row_scope: Any, where: str) -> None:
    offer = wf.offer
    assert offer is not None
    tool = tools.get(offer.step.tool)
    if tool is None or not tool.writes:
        raise CompileError(f"{where}.step: '{offer.step.tool}' is no write tool of the domain")
    params = {p.name: p for p in tool.spec.parameters}
    for arg, b in offer.step.args.items():
        if arg not in params:
            raise CompileError(f"{where}.step.args: '{offer.step.tool}' has no parameter '{arg}'")
        if b.user is not None and b.user not in wf.knows:
            raise CompileError(f"{where}.step.args.{arg}: the user does not know '{b.user}'")
        if b.result is not None:
            scope.where = f"{where}.step.args.{arg}"
            scope.expr(b.result)
    missing = [p for p, spec in params.items() if spec.required and p not in offer.step.args]
    if missing:
        raise CompileError(f"{where}.step: no binding for required parameter(s) {missing}")
    for key, src in offer.said.items():
        scope.where = f"{where}.said.{key}"
        scope.expr(src)
    try:
        offer.offer.format(**{k: "" for k in offer.said})
    except (KeyError, IndexError, ValueError) as err:
        raise CompileError(f"{where}.offer: placeholder {err} is not one of its values") from None
    both = fx.Scope(scope.tables, {**scope.names, **row_scope.names}, f"{where}.takes")
    both.expr(offer.takes)


@dataclass
class CompiledDomain:
    domain: Domain
    tables: dict[str, Table]
    tools: dict[str, CompiledTool]
    template: bytes
    row_counts: dict[str, int]
    table_sums: dict[str, int] = field(default_factory=dict)  # the template's digest, per table
    template_rows: TemplateRows | None = field(default=None, repr=False, compare=False)
    id_starts: dict[str, int] = field(default_factory=dict)  # the template's id counters (`seed.id_counters`)

    def new_sandbox(self) -> "Sandbox":
        from .sandbox import Sandbox
        return Sandbox(self)

    def openai_schemas(self) -> list[dict[str, Any]]:
        return [t.schema for t in self.tools.values()]

    def noun(self, table: str) -> str:
        """What one record of `table` is called ("zapdoses" -> "zapdos", "orders" -> "order")."""
        t = self.tables.get(table)
        return record_noun(table, t.pk) if t is not None else singular(table)

    def warm(self) -> "CompiledDomain":
        """Build now what each tool's first call would build (its call plan, the tables its reply
        reads and its call writes) and open the template's rows that a write's first fold reads
        (`TemplateRows`, when some tool writes): an environment that steps the domain many times
        pays this once when it is made, not inside its first episodes. Idempotent; returns the
        domain."""
        from . import read_cache, write_memo
        from .plan import plan_for
        names = list(self.tables)
        for tool in self.tools.values():
            if tool.python is None:
                plan_for(tool)
            read_cache.versions_of(tool)
            if write_memo.remembers(tool):
                read_cache.writes_of(tool, names)
        if self.template_rows is not None and any(t.writes for t in self.tools.values()):
            self.template_rows.open()
        return self

    def summary(self) -> dict[str, Any]:
        return {
            "domain": self.domain.name,
            "tables": dict(self.row_counts),
            "rows": sum(self.row_counts.values()),
            "tools": {"read": sorted(n for n, t in self.tools.items() if not t.writes),
                      "write": sorted(n for n, t in self.tools.items() if t.writes)},
            "workflows": [w.name for w in self.domain.workflows],
            "policy_rules": len(self.domain.policy),
        }


def compile_domain(domain: Domain, *, python_tools: Iterable[PythonTool] = (),
                   data: dict[str, list[dict]] | None = None, seed: int | None = None) -> CompiledDomain:
    """Check and compile a domain and build its seeded template database.

    `python_tools` provide tools declared without an effect (or add new ones); `data` gives the rows
    of some tables directly (an importer's), the rest are seeded with Faker from `seed` (default:
    the domain's own seed).
    """
    tables = check_entities(domain.entities)
    if data:
        unknown = set(data) - set(tables)
        if unknown:
            raise CompileError(f"data for unknown tables {sorted(unknown)}")
    py = {t.spec.name: t for t in python_tools}
    tools: dict[str, CompiledTool] = {}
    for i, spec in enumerate(domain.tools):
        if spec.name in tools:
            raise CompileError(f"tools[{i}]: duplicate tool name '{spec.name}'")
        if spec.effect is None:
            if spec.name not in py:
                raise CompileError(f"tools[{i}] ({spec.name}): no effect and no Python tool of that name")
            continue
        tools[spec.name] = _compile_tool(i, spec, tables)
    for name, tool in py.items():
        if name in tools:
            raise CompileError(f"python tool '{name}' clashes with a declared tool")
        tools[name] = CompiledTool(spec=tool.spec, validator=_validator(tool.spec), python=tool,
                                   schema=openai_schema(tool.spec))
    for i, wf in enumerate(domain.workflows):
        _check_workflow(i, wf, tools, tables)
    seed = domain.seed if seed is None else seed
    rows = seed_rows(domain, tables, seed, data)
    wanted = {(t.name, (f.name,), False) for t in tables.values() for f in t.entity.fields if f.foreign_key}
    for tool in tools.values():
        wanted |= _lookup_fields(tool.steps or [])
    written = written_tables(tables, [None if t.python is not None else t.steps for t in tools.values()])
    starts = id_counters(domain, seed)
    template, counts = _build_template(tables, rows, _indexes(tables, wanted), written, starts)
    compiled = CompiledDomain(domain=domain, tables=tables, tools=tools, template=template, row_counts=counts,
                              template_rows=TemplateRows(template), id_starts=starts)
    probe = compiled.new_sandbox()
    probe.digest.recompute(probe.conn)
    compiled.table_sums = dict(probe.digest.sums)
    probe.close()
    return compiled


def _build_template(tables: dict[str, Table], rows: dict[str, list[dict]], indexed: list[tuple[str, tuple[str, ...], bool]],
                    written: set[str], counters: dict[str, int]) -> tuple[bytes, dict[str, int]]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute(f"CREATE TABLE {quote(COUNTERS_TABLE)} (prefix TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        conn.executemany(f"INSERT INTO {quote(COUNTERS_TABLE)} (prefix, value) VALUES (?, ?)", sorted(counters.items()))
        for t in tables.values():
            conn.execute(t.ddl())
        conn.execute("BEGIN")
        counts = {}
        for name, table_rows in rows.items():
            t = tables[name]
            cols = t.columns
            sql = (f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in cols)}) "
                   f"VALUES ({', '.join('?' * len(cols))})")
            try:
                encoded = [[t.encode(c, r.get(c)) for c in cols] for r in table_rows]
                conn.executemany(sql, encoded)
            except (ExprError, sqlite3.Error) as err:
                raise CompileError(f"seed data for {name}: {err}") from None
            counts[name] = len(table_rows)
        for i, (table, cols, nocase) in enumerate(indexed):
            collate = " COLLATE NOCASE" if nocase else ""
            columns = ", ".join(quote(c) + collate for c in cols)
            conn.execute(f"CREATE INDEX {quote(f'{INTERNAL_PREFIX}i{i}')} ON {quote(table)} ({columns})")
        for ddl in log_ddl(tables, written):  # after the seed rows: the change log starts empty
            conn.execute(ddl)
        reserve_free_pages(conn)
        conn.execute("COMMIT")
        return conn.serialize(), {n: counts[n] for n in tables}
    finally:
        conn.close()
