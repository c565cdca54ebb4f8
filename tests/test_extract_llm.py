"""The LLM backend of stages 1-2 end to end against the fake OpenAI-compatible server, with every
injected fault: the run finishes and each document ends extracted or rejected with a reason."""
from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from typing import Any

import pytest

from gem_env.documents import Document, Rejection
from gem_env.llm import LLMClient, LLMConfig
from gem_env.stages.extract.llm import (EXAMPLE_DOMAIN, EXAMPLE_TEXT, LLMExtractor, extraction_messages,
                                        locate_spans)
from gem_env.stages.filter import LLMFilter
from gem_env.stages.process import process_document, process_stream
from gem_env.testing import FakeOpenAIServer, Fault, JSONReply, Reply, Text
from gem_env.tools import Domain

RELEVANT = {"relevant": True, "score": 0.9, "reason": "numbered steps that act on an order",
            "domain": "retail", "category": "order"}
IRRELEVANT = {"relevant": False, "score": 0.1, "reason": "company news", "domain": "general",
              "category": "reference"}


def good_domain() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE_DOMAIN)


def not_compiling() -> dict[str, Any]:
    d = good_domain()
    d["tools"][1]["effect"][2]["set"]["refund_total"] = "order.total"  # no such field
    return d


def unknown_tool() -> dict[str, Any]:
    d = good_domain()
    d["workflows"][0]["steps"][1]["tool"] = "cancel_the_order"
    return d


def no_admissible_task() -> dict[str, Any]:
    d = good_domain()
    d["workflows"][0]["anchor"]["filter"] = "row.status == 'refunded'"
    return d


#: case -> (judge replies, extract replies); the last reply repeats.
CASES: dict[str, tuple[list[Reply], list[Reply]]] = {
    "ok": ([JSONReply(RELEVANT)], [JSONReply(good_domain())]),
    "http_500": ([JSONReply(RELEVANT)], [Fault("http_500"), JSONReply(good_domain())]),
    "http_429": ([JSONReply(RELEVANT)], [Fault("http_429"), JSONReply(good_domain())]),
    "timeout": ([JSONReply(RELEVANT)], [Fault("timeout", seconds=4.0), JSONReply(good_domain())]),
    "malformed_json": ([JSONReply(RELEVANT)], [Fault("malformed_json"), JSONReply(good_domain())]),
    "wrong_schema": ([JSONReply(RELEVANT)], [Fault("wrong_schema"), JSONReply(good_domain())]),
    "not_json": ([JSONReply(RELEVANT)], [Text("Sure! Here is the domain: {oops"), JSONReply(good_domain())]),
    "compile_then_fixed": ([JSONReply(RELEVANT)], [JSONReply(not_compiling()), JSONReply(good_domain())]),
    "never_compiles": ([JSONReply(RELEVANT)], [JSONReply(not_compiling())]),
    "unknown_tool": ([JSONReply(RELEVANT)], [JSONReply(unknown_tool())]),
    "no_task": ([JSONReply(RELEVANT)], [JSONReply(no_admissible_task())]),
    "irrelevant": ([JSONReply(IRRELEVANT)], [JSONReply(good_domain())]),
    "judge_always_500": ([Fault("http_500")], [JSONReply(good_domain())]),
    "extract_always_429": ([JSONReply(RELEVANT)], [Fault("http_429")]),
}

EXPECTED = {  # case -> (stage it ends in, words in the reason)
    "ok": ("extracted", ""), "http_500": ("extracted", ""), "http_429": ("extracted", ""),
    "timeout": ("extracted", ""), "malformed_json": ("extracted", ""), "wrong_schema": ("extracted", ""),
    "not_json": ("extracted", ""), "compile_then_fixed": ("extracted", ""),
    "never_compiles": ("extract", "does not compile"), "unknown_tool": ("extract", "unknown tool 'cancel_the_order'"),
    "no_task": ("extract", "no admissible task"), "irrelevant": ("filter", "company news"),
    "judge_always_500": ("filter", "llm unavailable"), "extract_always_429": ("extract", "llm unavailable"),
}


class Script:
    """Replies by case (a marker in the document) and by stage (judge or extract prompt)."""

    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Reply:
        messages = body["messages"]
        stage = "extract" if messages[0]["content"].startswith("You turn") else "judge"
        prompt = next(m["content"] for m in messages if m["role"] == "user")  # the document
        case = next(c for c in CASES if f"[case {c}]" in prompt)
        with self.lock:
            n = self.seen[case, stage]
            self.seen[case, stage] += 1
        replies = CASES[case][0 if stage == "judge" else 1]
        return replies[min(n, len(replies) - 1)]


def doc(case: str) -> Document:
    return Document(id=f"doc-{case}", title="Cancel an order", text=f"{EXAMPLE_TEXT}\n\n[case {case}]\n")


def client(server: FakeOpenAIServer, **overrides: Any) -> LLMClient:
    # The timeout is well above one extraction's CPU work on a loaded 2-core machine (a 0.5 s timeout
    # once expired on a reply the server had already sent, and the retry shifted the script), and
    # below the injected timeout fault's 4 s.
    settings = {"model": "fake-model", "base_url": server.base_url, "timeout": 3.0, "max_retries": 2,
                "retry_base_delay": 0.01, "retry_max_delay": 0.05, "concurrency": 8, **overrides}
    return LLMClient(LLMConfig(**settings))


async def test_every_fault_ends_in_an_accounted_document() -> None:
    script = Script()
    with FakeOpenAIServer(script) as server:
        llm = client(server)
        docs = [doc(c) for c in CASES]
        results = [r async for r in process_stream(docs, filter=LLMFilter(llm), extractor=LLMExtractor(llm),
                                                   concurrency=4)]
        await llm.aclose()
    assert [r.doc_id for r in results] == [d.id for d in docs]  # input order, every document
    for r, case in zip(results, CASES):
        stage, words = EXPECTED[case]
        assert r.stage == stage, (case, r.rejection)
        if stage == "extracted":
            assert isinstance(r.domain, Domain) and r.rejection is None
            assert r.domain.name == f"doc-{case}" and r.domain.provenance.doc_id == r.doc_id
        else:
            assert r.rejection is not None and words in r.rejection.reason, (case, r.rejection.reason)
    by_case = dict(zip(CASES, results))
    assert by_case["http_500"].usage.retries >= 1 and by_case["timeout"].usage.retries >= 1
    assert by_case["compile_then_fixed"].usage.calls == 3  # judge + two extraction attempts
    assert by_case["never_compiles"].usage.calls == 1 + 3  # judge + the first try and two re-asks
    assert script.seen["never_compiles", "extract"] == 3


async def test_the_compile_error_goes_back_to_the_model() -> None:
    with FakeOpenAIServer([JSONReply(unknown_tool()), JSONReply(good_domain())]) as server:
        llm = client(server)
        got, usage = await LLMExtractor(llm).aextract(doc("x"))
        second = server.requests[1]["messages"]
        await llm.aclose()
    assert isinstance(got, Domain) and usage.calls == 2
    assert "unknown tool 'cancel_the_order'" in second[-1]["content"]
    assert second[-2]["role"] == "assistant"


async def test_prompt_is_compact_and_spans_are_located() -> None:
    with FakeOpenAIServer([JSONReply(good_domain())]) as server:
        llm = client(server)
        got, _ = await LLMExtractor(llm).aextract(doc("x"))
        system = server.requests[0]["messages"][0]["content"]
        await llm.aclose()
    assert isinstance(got, Domain)
    assert len(system) < 16_000 and "FindStep" not in system and "dispute_charge" in system
    text = doc("x").text
    for span in [t.span for t in got.tools if t.span] + [s.span for s in got.workflows[0].steps if s.span]:
        assert text[span.start:span.end] == span.text
    assert got.provenance.spans


def test_the_prompt_names_every_way_a_field_is_seeded() -> None:
    """Each option of a table's field (values, faker, same_as, by, among, ...) is in the prompt: a
    model cannot use what it is not told of."""
    from gem_env.tools.model import EntityField
    system = extraction_messages(Document(id="x", text="x"))[0].content
    missing = [k for k in EntityField.model_fields if f'"{k}"' not in system and f"{k} (" not in system
               and f"{{{{{k}," not in system and f"{{{k}," not in system]
    assert not missing, missing


def test_quotes_become_offsets_and_unknown_quotes_are_dropped() -> None:
    text = "Step one.\n  Cancel   the order\nand give a reason."
    data = {"tools": [{"name": "a", "span": {"text": "Cancel the order and give a reason."}},
                      {"name": "b", "span": {"text": "not in the text"}}, {"name": "c", "span": "bad"}]}
    spans = locate_spans(data, text)
    first = data["tools"][0]["span"]
    assert text[first["start"]:first["end"]] == first["text"] and first["text"].startswith("Cancel")
    assert "span" not in data["tools"][1] and "span" not in data["tools"][2]
    assert len(spans) == 1


def test_the_worked_example_compiles_and_admits_a_task() -> None:
    got = LLMExtractor(client=None).finish(good_domain(), Document(id="ex", text=EXAMPLE_TEXT))  # type: ignore[arg-type]
    assert isinstance(got, Domain), got
    assert EXAMPLE_TEXT in extraction_messages(Document(id="ex", text="x"))[0].content


async def test_a_long_document_is_cut_for_the_prompt() -> None:
    messages = extraction_messages(Document(id="long", text="word " * 10_000), max_chars=1000)
    assert "[... truncated]" in messages[-1].content and len(messages[-1].content) < 1200


async def test_process_document_with_an_offline_filter_and_llm_extractor() -> None:
    from gem_env.stages.filter import OfflineFilter

    with FakeOpenAIServer([JSONReply(good_domain())]) as server:
        llm = client(server)
        # a procedure on a service, as its heading says (the prompt's EXAMPLE_TEXT under that heading
        # is mostly statements, which the filter trained on v1-v4 scores 0.28: a close call)
        procedure = Document(id="p", text="# Cancel an order\n\n1. Sign in to your account and open Orders.\n"
                             "2. Select the order by its order number (like ORD-1042).\n"
                             "3. Click Cancel order and choose a reason.\n"
                             "4. Confirm; the refund goes to the original payment method.\n")
        result = await process_document(procedure, filter=OfflineFilter(), extractor=LLMExtractor(llm))
        await llm.aclose()
    assert result.verdict is not None and result.verdict.relevant
    assert result.domain is not None and result.usage.calls == 1 and result.seconds > 0


@pytest.mark.parametrize("reply", [Text("[]"), JSONReply({"entities": []})])
async def test_replies_that_are_no_domain_are_rejected(reply: Reply) -> None:
    with FakeOpenAIServer([reply]) as server:
        llm = client(server)
        got, usage = await LLMExtractor(llm, max_reasks=1).aextract(doc("x"))
        await llm.aclose()
    assert isinstance(got, Rejection) and got.stage == "extract" and usage.calls == 2
    assert json.dumps(got.model_dump())  # a reason that serialises


async def test_checks_in_a_process_pool_reask_and_reject_the_same_way() -> None:
    from concurrent.futures import ProcessPoolExecutor

    script = Script()
    cases = ["compile_then_fixed", "never_compiles", "not_json", "ok"]
    with FakeOpenAIServer(script) as server, ProcessPoolExecutor(1) as pool:
        llm = client(server)
        results = [r async for r in process_stream([doc(c) for c in cases], filter=LLMFilter(llm),
                                                   extractor=LLMExtractor(llm, executor=pool), concurrency=4)]
        await llm.aclose()
    stages = {c: r.stage for c, r in zip(cases, results)}
    assert stages == {"compile_then_fixed": "extracted", "never_compiles": "extract", "not_json": "extracted",
                      "ok": "extracted"}
    never = results[1]
    assert "does not compile" in never.rejection.reason and never.usage.calls == 1 + 3
    assert results[0].usage.calls == 3 and results[0].domain.provenance.spans
