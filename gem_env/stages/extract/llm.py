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
from ...llm.errors import LLMContextExceeded, LLMUnavailable
from ...llm.structured import reask_message, reply_excerpt, schema_instructions
from ...llm.tokens import estimate_tokens
from ...tools import CompiledDomain, Domain, DomainError, parse_domain
from .offline import DEFAULT_CLOCK, STAGE, check_domain, domain_slug

MAX_ROWS = 30
REPLY_TOKENS = 3000
"""Tokens kept free for the reply when the client sets no ``max_tokens``: a domain of 3-4 tables
and 4-8 tools is 1,500-3,000 tokens of JSON."""

#: What the reply must be at least; the format itself is described in the prompt (a full JSON
#: Schema of a domain is some 20 KB, and even a compact one cost ~1,500 tokens of every request).
DRAFT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["entities", "tools", "workflows"],
    "properties": {"entities": {"type": "array"}, "tools": {"type": "array"}, "workflows": {"type": "array"},
                   "policy": {"type": "array"}, "description": {"type": "string"}},
}

#: A worked example (it compiles and every workflow admits tasks; a test keeps it so).
EXAMPLE_TEXT = """\
# Lost cards and disputed charges
1. Sign in with your email and give the last four digits of the card.
2. Lost card: we block it at once.
3. To dispute a charge, give its transaction ID (like TX-40917) and a reason: fraud, wrong amount or duplicate.
   For fraud we also block the card.
4. Pending transactions cannot be disputed and charges under $5 are not eligible; a charge is disputed once.
5. You get a dispute number like DSP-77031."""

EXAMPLE_DOMAIN: dict[str, Any] = {
    "entities": [
        {"name": "cards", "primary_key": "card_id", "rows": 20, "fields": [
            {"name": "card_id"},
            {"name": "email", "faker": "email"},
            {"name": "last4", "faker": {"provider": "numerify", "args": {"text": "####"}}},
            {"name": "status", "values": ["active", "blocked"], "weights": [4, 1]}]},
        {"name": "transactions", "primary_key": "txn_id", "rows": 30, "fields": [
            {"name": "txn_id", "faker": {"provider": "bothify", "args": {"text": "TX-#####"}}},
            {"name": "card_id", "foreign_key": "cards.card_id"},
            {"name": "amount", "type": "number", "range": [1, 400]},
            {"name": "status", "values": ["posted", "pending"], "weights": [3, 1]}]},
        {"name": "disputes", "primary_key": "dispute_id", "fields": [
            {"name": "dispute_id"},
            {"name": "txn_id", "foreign_key": "transactions.txn_id"},
            {"name": "reason"},
            {"name": "status", "default": "open"}]},
    ],
    "tools": [
        {"name": "find_card", "kind": "read", "description": "A card by email and last four digits.",
         "parameters": [{"name": "email"}, {"name": "last4"}],
         "effect": [{"find": "cards", "as": "card", "where": {"email": "email", "last4": "last4"}, "nocase": ["email"],
                     "error": "No such card"},
                    {"return": "project(card, ['card_id', 'status'])"}],
         "span": {"text": "give the last four digits of the card"}},
        {"name": "block_card", "kind": "write", "description": "Block a card.",
         "parameters": [{"name": "card_id"}],
         "effect": [{"find": "cards", "as": "card", "where": {"card_id": "card_id"}, "error": "No such card"},
                    {"require": "card.status == 'active'", "message": "Card {card_id} is already blocked"},
                    {"update": "cards", "row": "card", "set": {"status": "'blocked'"}},
                    {"return": {"card_id": "card_id", "status": "card.status"}}],
         "span": {"text": "Lost card: we block it at once."}},
        {"name": "open_dispute", "kind": "write", "description": "Dispute a posted charge of $5 or more.",
         "parameters": [{"name": "txn_id"},
                        {"name": "reason", "enum": ["fraud", "wrong amount", "duplicate"]}],
         "effect": [{"find": "transactions", "as": "txn", "where": {"txn_id": "txn_id"}, "error": "No such transaction"},
                    {"require": "txn.status == 'posted'", "message": "Pending transactions cannot be disputed"},
                    {"require": "txn.amount >= 5", "message": "Charges under $5 are not eligible"},
                    {"require": "count_rows('disputes', {txn_id: txn_id}) == 0", "message": "Already disputed"},
                    {"insert": "disputes", "as": "d",
                     "values": {"dispute_id": "next_id('DSP-#####')", "txn_id": "txn_id", "reason": "reason"}},
                    {"return": {"dispute_id": "d.dispute_id", "card_id": "txn.card_id"}}],
         "span": {"text": "Pending transactions cannot be disputed"}},
    ],
    "workflows": [
        {"name": "block_lost_card", "category": "card", "goal": "my card ending {last4} is lost, block it",
         "anchor": {"table": "cards", "filter": "row.status == 'active'"},
         "knows": {"email": "row.email", "last4": "row.last4"},
         "steps": [{"tool": "find_card", "args": {"email": {"user": "email"}, "last4": {"user": "last4"}}, "as": "card"},
                   {"tool": "block_card", "args": {"card_id": {"result": "card.card_id"}}, "as": "blocked"}],
         "tells": {"status": "blocked.status"}},
        {"name": "dispute_charge", "category": "dispute", "goal": "dispute charge {txn_id}: {reason}",
         "anchor": {"table": "transactions",
                    "filter": "row.status == 'posted' and row.amount >= 5 and lookup('cards', row.card_id).status == 'active'"},
         "knows": {"txn_id": "row.txn_id", "reason": "'fraud' if row.amount > 200 else 'wrong amount'"},
         "steps": [{"tool": "open_dispute", "args": {"txn_id": {"user": "txn_id"}, "reason": {"user": "reason"}},
                    "as": "dispute"},
                   {"tool": "block_card", "when": "reason == 'fraud'", "args": {"card_id": {"result": "dispute.card_id"}}}],
         "tells": {"dispute_id": "dispute.dispute_id"}},
    ],
    "policy": [{"id": "P1", "text": "Pending transactions cannot be disputed; charges under $5 are not eligible."}],
    "signed_in": ["email"],
}

SYSTEM = """\
You turn a help-centre article, policy or how-to guide into an executable tool sandbox: one JSON \
object with tables (entities), tools whose effects are programs over the tables, \
workflows (2-4, one per request served) and policy.

entities: {{name (plural), primary_key, rows (0-{max_rows} generated), fields, data}}: a table per \
thing the text names or identifies, linked by foreign keys. field {{name, type (string integer number \
boolean date datetime json), and how rows get values: "values" [..] (+"weights"), "range" [min, max] \
(numbers, dates), "faker" (provider, or {{"provider": "bothify", "args": {{"text": "ORD-#####"}}}}), \
"foreign_key" "table.key" (+"among" {{F: [..]}}, "cover" true, "apart_by" F), "default", "nullable", "unique", \
"same_as" "product_id.name", "derived" E, \
"by" {{"status": {{"frozen": ["lost"], "done": {{"range": [..]}}}}}}, "hours" [8, 17], "after" "start_date", "every" N \
(+"until" E), "rises_with" "read_at", "twins" {{"same": [F], "share": 0.06}}}}. "data": [{{field: value}}] gives a reference table's rows.

tools: {{name (verb_object), description, kind "read"|"write", parameters [{{name, type (string integer \
number boolean array object), description, enum, required, default}}], effect, span}}, with the \
parameters a real API takes. A read changes nothing; a write has a require for every rule the text \
states (must, only if, cannot, within N days, under $5). effect steps:
 {{"find": T, "as": N, "where": {{F: E}}, "nocase": [F], "filter": E, "many": true, "optional": true, \
"order_by": ["-F"], "limit": 5, "error": MSG}} one row, or a list with many
 {{"require": E, "message": MSG}}  {{"insert": T, "values": {{F: E}}, "as": N}}  {{"update": T, "row": N, "set": {{F: E}}}}
 {{"delete": T, "row": N}}  {{"let": {{N: E}}}}  {{"if": E, "then": [..], "else": [..]}}  {{"for_each": E, "as": N, "do": [..]}}
 {{"return": E}} (E or {{key: E}})

E, expressions (strings, never Python): 12 'text' true null [a, b] {{k: v}}; names (parameters, bound \
names, now, today); x.f x['k'] xs[0] rows.f; or and not == != < <= > >= in, not in, + - * / %, \
a if c else b, [E for x in xs if c]. Functions: len sum min max round lower upper str int coalesce \
sorted unique first last join zip project(x, ['a', 'b']) pick(rows, field, value) count_of contains \
startswith date add_days(d, n) days_between(a, b) add_business_days(d, n) business_days_between(a, b) \
next_id('DSP-#####') lookup('table', key) count_rows('table', {{field: value}}) rows('table', {{field: value}}). Quote string \
constants: "'blocked'". In a message {{E}} is filled in.

workflows: {{name, category, goal ({{key}} names a knows key), anchor {{table, filter over row}} (rows \
where every step holds), knows {{key: E over row}} (what the user knows), steps [{{tool, \
args {{param: {{"user": key}} | {{"result": E over earlier "as" names}} | {{"const": v}}}}, as, when: E}} \
(a conditional step) | {{"let": {{N: E}}}} | {{"use": group}}], tells {{key: E}} (facts the \
assistant must say)}}; "step_groups": {{group: [steps]}} at the top shares steps. Every required parameter needs an arg.
policy: [{{id, text}}]. span {{"text": exact quote}} on tools, steps and policy. signed_in: knows keys \
the service has when customers are signed in. Types default to string.

Reply with the JSON object only.

EXAMPLE
Document:
{example_text}
Domain:
{example_domain}"""

_WS = re.compile(r"\s+")


class DomainDraft(RootModel[dict[str, Any]]):
    """Any JSON object; `check` validates it as a `Domain`. Shown to the model as `DRAFT_SCHEMA`."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return DRAFT_SCHEMA

    @classmethod
    def response_schema(cls) -> dict[str, Any]:
        """What constrained decoding may hold a domain to: a JSON object with these arrays."""
        return DRAFT_SCHEMA


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
        too_long = await self.context_problem(doc)
        if too_long is not None:
            return Rejection(id=doc.id, stage=STAGE, reason=too_long), Usage()
        try:
            return await self._extract_compiled(doc, name)
        except LLMContextExceeded as err:  # the server's 400: too long for this model
            return Rejection(id=doc.id, stage=STAGE, reason=str(err)), err.usage

    async def context_problem(self, doc: Document) -> str | None:
        """Why the document cannot fit the model's context with the prompt and a reply, or None
        (also when the context is unknown: the server's 400 then says so)."""
        context = await self.client.context_length()
        if context is None:
            return None
        messages = extraction_messages(doc, self.max_chars)
        prompt = sum(estimate_tokens(str(m.content)) for m in messages) + estimate_tokens(
            schema_instructions(DomainDraft))
        reply = self.client.cfg.max_tokens or REPLY_TOKENS
        if prompt + reply <= context:
            return None
        return (f"longer than the model's context ({context} tokens): the prompt with this document is "
                f"about {prompt} tokens, and the reply needs up to {reply}")

    async def _extract_compiled(self, doc: Document, name: str | None) -> tuple[CompiledDomain | Rejection, Usage]:
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
        base: list[Any] = extraction_messages(doc, self.max_chars)
        conversation = base
        usage, attempts, reasks = Usage(), 0, self.max_reasks
        settings = {"clock": self.clock, "seed": self.seed, "check_tasks": self.check_tasks}
        while True:
            try:
                result = await self.client.structured(conversation, DomainDraft, max_reasks=reasks)
            except LLMUnavailable as err:
                err.usage = usage + err.usage  # the calls before the failure count too
                raise
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
            reply = reply_excerpt(json.dumps(result.value.root, ensure_ascii=False), error or "")
            conversation = [*base, AIMessage(reply), HumanMessage(reask_message(error or ""))]
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
            return "workflows: give at least one workflow that follows the document's steps"
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
