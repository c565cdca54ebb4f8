"""Stage 2 with a chat model: the document in, a domain out, checked by compiling it.

The model is shown a compact description of the domain format (the full JSON Schema of `Domain`
is some 20 KB, most of it noise to a model), the rules of the expression language and one worked
example that compiles. Its reply is validated with `parse_domain`, spans are located in the text,
the domain is compiled and, optionally, its workflows must admit a task; any error goes back to
the model verbatim (`LLMClient.structured`'s bounded re-ask). A document whose domain never
passes is rejected with the last error as the reason.
"""
from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import Executor
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import RootModel

from ...documents import Document, Rejection, Verdict
from ...llm import LLMClient, Usage
from ...llm.structured import reask_message
from ...tools import CompiledDomain, Domain, DomainError, parse_domain
from .offline import DEFAULT_CLOCK, STAGE, check_domain, domain_slug

MAX_ROWS = 30

#: The reply schema shown to the model: the shape of a domain, without pydantic's noise.
COMPACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "entities", "tools", "workflows"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "entities": {"type": "array", "items": {
            "type": "object", "required": ["name", "primary_key", "fields"],
            "properties": {
                "name": {"type": "string", "description": "table name, snake_case plural"},
                "primary_key": {"type": "string"},
                "rows": {"type": "integer", "maximum": MAX_ROWS},
                "fields": {"type": "array", "items": {
                    "type": "object", "required": ["name", "type"],
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"enum": ["string", "integer", "number", "boolean", "date", "datetime", "json"]},
                        "values": {"type": "array"}, "weights": {"type": "array"},
                        "range": {"type": "array", "minItems": 2, "maxItems": 2},
                        "faker": {"description": "provider name, or {provider, args}"},
                        "foreign_key": {"type": "string", "description": "table.primary_key"},
                        "nullable": {"type": "boolean"}, "unique": {"type": "boolean"},
                    }}},
            }}},
        "tools": {"type": "array", "items": {
            "type": "object", "required": ["name", "kind", "parameters", "effect"],
            "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
                "description": {"type": "string"},
                "kind": {"enum": ["read", "write"]},
                "parameters": {"type": "array", "items": {
                    "type": "object", "required": ["name", "type"],
                    "properties": {"name": {"type": "string"},
                                   "type": {"enum": ["string", "integer", "number", "boolean", "array", "object"]},
                                   "description": {"type": "string"}, "enum": {"type": "array"},
                                   "required": {"type": "boolean"}}}},
                "effect": {"type": "array", "description": "steps: find | require | insert | update | delete | let | return"},
                "span": {"$ref": "#/$defs/span"},
            }}},
        "workflows": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "goal", "anchor", "knows", "steps"],
            "properties": {
                "name": {"type": "string"}, "goal": {"type": "string"}, "category": {"type": "string"},
                "anchor": {"type": "object", "properties": {"table": {"type": "string"}, "filter": {"type": "string"}}},
                "knows": {"type": "object", "additionalProperties": {"type": "string"}},
                "steps": {"type": "array", "items": {
                    "type": "object", "required": ["tool", "args"],
                    "properties": {"tool": {"type": "string"}, "args": {"type": "object"}, "as": {"type": "string"},
                                   "when": {"type": "string"}, "span": {"$ref": "#/$defs/span"}}}},
                "tells": {"type": "object", "additionalProperties": {"type": "string"}},
            }}},
        "policy": {"type": "array", "items": {
            "type": "object", "required": ["id", "text"],
            "properties": {"id": {"type": "string"}, "text": {"type": "string"}, "span": {"$ref": "#/$defs/span"}}}},
    },
    "$defs": {"span": {"type": "object", "required": ["text"],
                       "properties": {"text": {"type": "string", "description": "an exact quote of the document"}}}},
}

#: A worked example (it compiles and admits tasks; a test keeps it so).
EXAMPLE_TEXT = """\
# Cancel an order
You can cancel an order while it is still pending.
1. Look up the order by its order number.
2. Check that the order status is `pending`. Shipped orders cannot be cancelled.
3. Cancel the order and give a reason."""

EXAMPLE_DOMAIN: dict[str, Any] = {
    "name": "cancel_order_help",
    "description": "Cancelling a pending order",
    "entities": [{
        "name": "orders", "primary_key": "order_id", "rows": 24,
        "fields": [
            {"name": "order_id", "type": "string", "faker": {"provider": "bothify", "args": {"text": "ORD-#####"}}},
            {"name": "email", "type": "string", "faker": "email"},
            {"name": "status", "type": "string", "values": ["pending", "shipped", "cancelled"], "weights": [6, 3, 1]},
            {"name": "total", "type": "number", "range": [5, 500]},
            {"name": "cancel_reason", "type": "string", "nullable": True, "default": None},
        ],
    }],
    "tools": [
        {"name": "get_order", "kind": "read", "description": "Look up an order by its order number.",
         "parameters": [{"name": "order_id", "type": "string", "description": "e.g. ORD-12345"}],
         "effect": [{"find": "orders", "as": "order", "where": {"order_id": "order_id"}, "error": "Order not found"},
                    {"return": "order"}],
         "span": {"text": "Look up the order by its order number."}},
        {"name": "cancel_order", "kind": "write", "description": "Cancel a pending order.",
         "parameters": [{"name": "order_id", "type": "string"},
                        {"name": "reason", "type": "string", "enum": ["no longer needed", "ordered by mistake"]}],
         "effect": [{"find": "orders", "as": "order", "where": {"order_id": "order_id"}, "error": "Order not found"},
                    {"require": "order.status == 'pending'", "message": "Shipped orders cannot be cancelled."},
                    {"update": "orders", "row": "order", "set": {"status": "'cancelled'", "cancel_reason": "reason"}},
                    {"return": {"order_id": "order.order_id", "status": "order.status"}}],
         "span": {"text": "Cancel the order and give a reason."}},
    ],
    "workflows": [{
        "name": "cancel_pending_order", "category": "cancel",
        "goal": "cancel my order {order_id}, I no longer need it",
        "anchor": {"table": "orders", "filter": "row.status == 'pending'"},
        "knows": {"order_id": "row.order_id"},
        "steps": [
            {"tool": "get_order", "args": {"order_id": {"user": "order_id"}}, "as": "order",
             "span": {"text": "Look up the order by its order number."}},
            {"tool": "cancel_order", "args": {"order_id": {"result": "order.order_id"},
                                              "reason": {"const": "no longer needed"}}, "as": "cancelled",
             "span": {"text": "Cancel the order and give a reason."}},
        ],
        "tells": {"status": "cancelled.status"},
    }],
    "policy": [{"id": "P1", "text": "Shipped orders cannot be cancelled.",
                "span": {"text": "Shipped orders cannot be cancelled."}}],
}

SYSTEM = """\
You turn a help-centre article, policy or how-to guide into an executable tool sandbox: a JSON \
"domain" with database tables (entities), tools whose effects are small declarative programs over \
those tables, and one workflow that follows the document's procedure.

FORMAT
- entities: tables. Each has name, primary_key (one of its fields), rows (at most {max_rows}) and \
fields {{name, type}}. Types: string integer number boolean date datetime json. Say how seed rows get \
values: "values" (+ "weights"), "range" [min, max] (numbers, ISO dates), "faker" (a Faker provider such \
as "email", "name", or {{"provider": "bothify", "args": {{"text": "ORD-#####"}}}} for ids), \
"foreign_key" "table.key", or "default". Give every primary key a bothify faker pattern.
- tools: name (snake_case, at most 64 characters), description, kind "read" or "write", parameters \
[{{name, type, description}}] (types: string integer number boolean array object; "enum" allowed), \
and effect, a list of steps, each an object with exactly one keyword:
  {{"find": TABLE, "as": NAME, "where": {{FIELD: EXPR}}, "error": MESSAGE}} binds one row (fails with error if absent; add "many": true for a list, "optional": true for null)
  {{"require": EXPR, "message": MESSAGE}} fails the call unless EXPR is true: use it for every condition the text states (must, only if, cannot, unless, before, within N days)
  {{"insert": TABLE, "values": {{FIELD: EXPR}}, "as": NAME}}
  {{"update": TABLE, "row": NAME, "set": {{FIELD: EXPR}}}}
  {{"delete": TABLE, "row": NAME}}
  {{"let": {{NAME: EXPR}}}}
  {{"return": EXPR}} (an expression, or an object of expressions)
  A read tool never inserts, updates or deletes. A write tool changes state and should be guarded by require steps.
- workflows: exactly one, following the document's steps in order, one workflow step per step of \
the text. anchor {{table, filter}} picks the row a task is built on (filter over "row", true for rows \
where every require of the workflow holds); knows maps what the user knows to expressions over row \
(e.g. "row.order_id"); steps [{{tool, args, as}}] where each arg is {{"user": KEY}} (a key of knows), \
{{"result": EXPR}} (over earlier steps' "as" names) or {{"const": VALUE}}; every required parameter \
needs an arg; tells maps facts the assistant must say to expressions over results. goal is the \
user's request in words; {{KEY}} placeholders name knows keys.
- policy: the document's rules [{{id, text}}].
- span: on tools, workflow steps and policy rules, {{"text": an exact quote of the document}}.

EXPRESSIONS (strings in value positions; never Python)
- literals 12, 3.5, 'text', true, false, null, [a, b]; string constants need inner quotes: "'cancelled'"
- names: tool parameters, names bound by find/insert/let, now and today (the frozen clock)
- row.field, order.status; operators or and not == != < <= > >= in not in + - * / %; a if c else b
- functions: len count sum min max abs round lower upper str int float coalesce date add_days(d, n) \
days_between(a, b) contains startswith next_id('ORD-') lookup('table', key)
- In messages, {{EXPR}} is filled in; do not use braces otherwise.

Reply with the JSON object only.

EXAMPLE
Document:
{example_text}
Domain:
{example_domain}"""

_WS = re.compile(r"\s+")


class DomainDraft(RootModel[dict[str, Any]]):
    """Any JSON object; `check` validates it as a `Domain`. Shown to the model as `COMPACT_SCHEMA`."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return COMPACT_SCHEMA


@lru_cache(maxsize=1)
def system_prompt() -> str:
    return SYSTEM.format(max_rows=MAX_ROWS, example_text=EXAMPLE_TEXT,
                         example_domain=json.dumps(EXAMPLE_DOMAIN, separators=(",", ":")))


def extraction_messages(doc: Document, max_chars: int = 12_000) -> list[Any]:
    text = doc.text if len(doc.text) <= max_chars else doc.text[:max_chars] + "\n[... truncated]"
    title = f"Title: {doc.title}\n" if doc.title else ""
    return [SystemMessage(system_prompt()), HumanMessage(f"{title}Document:\n<<<\n{text}\n>>>\nDomain:")]


class LLMExtractor:
    """A chat model writes the domain; compiling it (and admitting a task) is the check.

    `check_tasks` also requires each workflow to admit at least one task (`gem_env.stages.tasks`), so a
    domain whose anchor matches no row or whose gold actions fail goes back to the model too.
    """

    def __init__(self, client: LLMClient, *, max_reasks: int = 2, max_chars: int = 12_000,
                 clock: str = DEFAULT_CLOCK, seed: int = 0, check_tasks: bool = True,
                 executor: Executor | None = None) -> None:
        self.client = client
        self.max_reasks = max_reasks
        self.max_chars = max_chars
        self.clock = clock
        self.seed = seed
        self.check_tasks = check_tasks
        self.executor = executor

    async def aextract(self, doc: Document, verdict: Verdict | None = None) -> tuple[Domain | Rejection, Usage]:
        """The domain, or a `Rejection` (stage ``extract``) with the last error; and the LLM usage.

        An endpoint that stays down raises `LLMUnavailable` (the document is not done, not rejected).
        """
        got, usage = await self.aextract_compiled(doc, verdict)
        return (got if isinstance(got, Rejection) else got.domain), usage

    async def aextract_compiled(self, doc: Document, verdict: Verdict | None = None, *,
                                name: str | None = None) -> tuple[CompiledDomain | Rejection, Usage]:
        """`aextract`, keeping the compile check's result, the domain named `name` (default:
        `domain_slug` of the document id).

        With an `executor` (e.g. a process pool) the compile check runs there, off the event loop,
        so many documents waiting on the model are not held up by one compiling; the accepted domain
        is then compiled once more here (a compiled domain does not cross processes).
        """
        if self.executor is not None:
            got, usage = await self._aextract_offloaded(doc, name)
            if isinstance(got, Rejection):
                return got, usage
            compiled = check_domain(got)
            if isinstance(compiled, str):
                return Rejection(id=doc.id, stage=STAGE, reason=f"does not compile: {compiled}"), usage
            return compiled, usage
        built: dict[str, CompiledDomain] = {}

        def check(draft: DomainDraft) -> str | None:
            got = self._finish(draft.root, doc, name)
            if isinstance(got, str):
                return got
            built["compiled"] = got
            return None

        result = await self.client.structured(extraction_messages(doc, self.max_chars), DomainDraft,
                                              check=check, max_reasks=self.max_reasks)
        if result.value is None or "compiled" not in built:
            reason = " ".join((result.error or "no domain").split())
            return Rejection(id=doc.id, stage=STAGE, reason=f"after {result.attempts} attempt(s): {reason[:1000]}",
                             detail={"attempts": result.attempts}), result.usage
        return built["compiled"], result.usage

    async def _aextract_offloaded(self, doc: Document, name: str | None) -> tuple[Domain | Rejection, Usage]:
        """`aextract` with the check in `self.executor`: the same bounded re-ask, driven here."""
        loop = asyncio.get_running_loop()
        conversation: list[Any] = extraction_messages(doc, self.max_chars)
        usage, attempts, reasks = Usage(), 0, self.max_reasks
        settings = {"clock": self.clock, "seed": self.seed, "check_tasks": self.check_tasks}
        while True:
            result = await self.client.structured(conversation, DomainDraft, max_reasks=reasks)
            usage += result.usage
            attempts += result.attempts
            reasks -= result.attempts - 1
            if result.value is None:
                error = result.error or "no domain"
                break
            data, error = await loop.run_in_executor(self.executor, _finish_in_worker, result.value.root,
                                                     doc.model_dump(), settings, name)
            if data is not None:
                return Domain.model_validate(data), usage
            if reasks <= 0:
                break
            reasks -= 1
            reply = json.dumps(result.value.root, ensure_ascii=False)
            conversation = [*conversation, AIMessage(reply), HumanMessage(reask_message(error or ""))]
        reason = " ".join(error.split())
        return Rejection(id=doc.id, stage=STAGE, reason=f"after {attempts} attempt(s): {reason[:1000]}",
                         detail={"attempts": attempts}), usage

    def finish(self, data: dict[str, Any], doc: Document, name: str | None = None) -> Domain | str:
        """Normalise a model's domain and check it: the `Domain`, or the error to show the model."""
        got = self._finish(data, doc, name)
        return got if isinstance(got, str) else got.domain

    def _finish(self, data: dict[str, Any], doc: Document, name: str | None) -> CompiledDomain | str:
        if not isinstance(data, dict):
            return "the reply must be a JSON object"
        data = dict(data)
        data["name"] = name or domain_slug(doc.id)
        data.setdefault("clock", self.clock)
        data["seed"] = self.seed
        for e in data.get("entities") or []:
            if isinstance(e, dict) and (not isinstance(e.get("rows"), int) or e["rows"] > MAX_ROWS):
                e["rows"] = min(int(e["rows"]) if isinstance(e.get("rows"), int) else 20, MAX_ROWS)
        spans = locate_spans(data, doc.text)
        data["provenance"] = {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                              "spans": spans}
        if not data.get("workflows"):
            return "workflows: give exactly one workflow that follows the document's steps"
        try:
            domain = parse_domain(data, origin="domain")
        except DomainError as err:
            return str(err)
        compiled = check_domain(domain)
        if isinstance(compiled, str):
            return f"the domain does not compile: {compiled}"
        if self.check_tasks:
            problem = admission_problem(compiled)
            if problem:
                return problem
        return compiled


def _finish_in_worker(data: dict[str, Any], doc: dict[str, Any], settings: dict[str, Any],
                      name: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """`LLMExtractor.finish` in another process: the domain as data, or the error."""
    extractor = LLMExtractor(client=None, **settings)  # type: ignore[arg-type]
    got = extractor.finish(data, Document.model_validate(doc), name)
    if isinstance(got, str):
        return None, got
    return got.model_dump(mode="json", by_alias=True, exclude_none=True), None


def admission_problem(compiled: CompiledDomain) -> str | None:
    """Why some workflow admits no task on the seeded rows, or None when each admits one."""
    from ..tasks import make_tasks

    _, rejections = make_tasks(compiled, per_domain=len(compiled.domain.workflows))
    if rejections:
        return (f"{rejections[0].reason}. Make the anchor filter select rows on which every require "
                f"of the workflow holds and every gold step succeeds.")
    return None


def locate_spans(data: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """Turn quoted spans ({text}) into character offsets of `text`; drop quotes not in the text.

    Returns every located span, for the domain's provenance.
    """
    norm, index = _normalised(text)
    found: list[dict[str, Any]] = []

    def fix(owner: dict[str, Any]) -> None:
        span = owner.get("span")
        if not isinstance(span, dict):
            owner.pop("span", None)
            return
        quote = span.get("text")
        located = _find(quote, text, norm, index) if isinstance(quote, str) and quote.strip() else None
        if located is None:
            owner.pop("span", None)
            return
        a, b = located
        owner["span"] = {"start": a, "end": b, "text": text[a:b]}
        found.append(owner["span"])

    for key in ("tools", "policy"):
        for item in data.get(key) or []:
            if isinstance(item, dict):
                fix(item)
    for wf in data.get("workflows") or []:
        if isinstance(wf, dict):
            wf.pop("span", None)
            for step in wf.get("steps") or []:
                if isinstance(step, dict):
                    fix(step)
    unique = {(s["start"], s["end"]): s for s in found}
    return [unique[k] for k in sorted(unique)]


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` with whitespace runs collapsed to one space, and each kept character's offset."""
    out, index = [], []
    prev_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
        index.append(i)
    return "".join(out), index


def _find(quote: str, text: str, norm: str, index: list[int]) -> tuple[int, int] | None:
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    q = _WS.sub(" ", quote.strip())
    at = norm.find(q)
    if at < 0:
        at = norm.lower().find(q.lower())
    if at < 0:
        return None
    return index[at], index[at + len(q) - 1] + 1
