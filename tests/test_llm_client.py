"""LLMClient against a real FakeOpenAIServer over HTTP: replies, retries, structured output, cache."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from gem_env.llm import LLMClient, LLMConfig, LLMRequestRejected, LLMUnavailable, Usage
from gem_env.testing import (
    FakeOpenAIServer,
    Fault,
    JSONReply,
    Text,
    ToolCall,
    ToolCalls,
    ToolFakeChatModel,
)

ASK = [HumanMessage("Where is order A1?")]
FIND_ORDER = {
    "type": "function",
    "function": {
        "name": "find_order",
        "description": "Look up an order.",
        "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
    },
}


class Refund(BaseModel):
    order_id: str
    amount: float


ClientFactory = Callable[..., LLMClient]


@pytest.fixture
async def client_for() -> AsyncIterator[ClientFactory]:
    """Builds clients for a server with fast retries, and closes them after the test."""
    made: list[LLMClient] = []

    def make(server: FakeOpenAIServer, **overrides: Any) -> LLMClient:
        settings = {"model": "fake-model", "base_url": server.base_url, "timeout": 2.0,
                    "retry_base_delay": 0.01, **overrides}
        made.append(LLMClient(LLMConfig(**settings)))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


async def test_text_reply_with_token_accounting(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("It ships tomorrow.")]) as server:
        client = client_for(server)
        reply, usage = await client.chat(ASK)
        assert server.requests[0]["messages"] == [{"role": "user", "content": "Where is order A1?"}]
    assert reply.content == "It ships tomorrow."
    assert usage.calls == 1 and usage.retries == 0 and usage.cache_hits == 0
    assert usage.prompt_tokens == 4 and usage.completion_tokens == 4
    assert client.usage == usage


async def test_sampling_settings_are_sent(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("x")]) as server:
        await client_for(server, temperature=0.3, seed=7, max_tokens=64).chat(ASK, stop=["\n"])
        sent = server.requests[0]
    assert (sent["temperature"], sent["seed"], sent["max_tokens"], sent["stop"]) == (0.3, 7, 64, ["\n"])
    assert "max_completion_tokens" not in sent  # local servers may ignore it


async def test_tool_calls_are_parsed_and_tool_schemas_are_sent(client_for: ClientFactory) -> None:
    reply = ToolCalls([ToolCall("find_order", {"order_id": "A1"}), ToolCall("find_order", "{oops")])
    with FakeOpenAIServer([reply]) as server:
        message, _ = await client_for(server).chat(ASK, tools=[FIND_ORDER])
        assert server.requests[0]["tools"] == [FIND_ORDER]
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("find_order", {"order_id": "A1"})]
    assert message.invalid_tool_calls[0]["args"] == "{oops"


@pytest.mark.parametrize(
    "fault",
    [Fault("http_500"), Fault("http_429"), Fault("timeout", seconds=2.0), Fault("malformed_json"),
     Fault("wrong_schema")],
    ids=lambda fault: fault.kind,
)
async def test_each_fault_is_retried_until_a_good_reply(fault: Fault, client_for: ClientFactory) -> None:
    with FakeOpenAIServer([fault, Text("recovered")]) as server:
        reply, usage = await client_for(server, timeout=1.0).chat(ASK)  # margin for a loaded CI machine
        assert len(server.requests) == 2
    assert reply.content == "recovered"
    assert usage.calls == 1 and usage.retries == 1


async def test_retry_after_is_honoured(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Fault("http_429", retry_after=0.3), Text("ok")]) as server:
        _, usage = await client_for(server).chat(ASK)
    assert usage.seconds >= 0.3


async def test_persistent_failure_raises_llm_unavailable_with_a_clear_message(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Fault("http_500")]) as server:
        with pytest.raises(LLMUnavailable) as caught:
            await client_for(server, max_retries=2).chat(ASK)
        assert len(server.requests) == 3
        base_url = server.base_url
    message = str(caught.value)
    assert "failed 3 times" in message and "500" in message and base_url in message
    assert "\n" not in message


async def test_client_errors_other_than_429_are_not_retried(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("unused")]) as server:
        client = client_for(server, base_url=server.base_url + "/wrong", retry_base_delay=3.0)
        with pytest.raises(LLMRequestRejected):  # the first call also builds the HTTP client: not timed
            await client.chat([HumanMessage("warm up")])
        started = time.perf_counter()
        with pytest.raises(LLMRequestRejected, match=r"rejected the request: .*404"):
            await client.chat(ASK)
    assert time.perf_counter() - started < 1.5  # a retry would wait at least 1.5 s


async def test_structured_valid_first_time(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([JSONReply({"order_id": "A1", "amount": 12.5})]) as server:
        result = await client_for(server).structured(ASK, Refund)
        system = server.requests[0]["messages"][0]
    assert result.value == Refund(order_id="A1", amount=12.5)
    assert result.error is None and result.attempts == 1 and result.usage.calls == 1
    assert system["role"] == "system" and '"amount"' in system["content"]


async def test_structured_reasks_after_invalid_json_showing_the_error(client_for: ClientFactory) -> None:
    replies = [Text('{"order_id": "A1", "amount": }'), Text('Sure:\n```json\n{"order_id": "A1", "amount": 3}\n```')]
    with FakeOpenAIServer(replies) as server:
        result = await client_for(server).structured(ASK, Refund)
        second = server.requests[1]["messages"]
    assert result.value == Refund(order_id="A1", amount=3) and result.attempts == 2
    assert result.usage.calls == 2
    assert second[-2] == {"role": "assistant", "content": '{"order_id": "A1", "amount": }'}
    assert "invalid JSON: Expecting value at line 1 column 30" in second[-1]["content"]


async def test_structured_reasks_after_a_schema_violation(client_for: ClientFactory) -> None:
    replies = [JSONReply({"order_id": "A1", "amount": "lots"}), JSONReply({"order_id": "A1", "amount": 1})]
    with FakeOpenAIServer(replies) as server:
        result = await client_for(server).structured(ASK, Refund)
        reask = server.requests[1]["messages"][-1]["content"]
    assert result.value == Refund(order_id="A1", amount=1) and result.attempts == 2
    assert "- amount: Input should be a valid number" in reask


async def test_structured_reasks_when_check_rejects_the_value(client_for: ClientFactory) -> None:
    def compiles(refund: Refund) -> str | None:
        return None if refund.amount > 0 else "compile error: require amount > 0 failed for tool refund"

    replies = [JSONReply({"order_id": "A1", "amount": 0}), JSONReply({"order_id": "A1", "amount": 5})]
    with FakeOpenAIServer(replies) as server:
        result = await client_for(server).structured(ASK, Refund, check=compiles)
        reask = server.requests[1]["messages"][-1]["content"]
    assert result.value == Refund(order_id="A1", amount=5) and result.attempts == 2
    assert "compile error: require amount > 0 failed for tool refund" in reask


async def test_structured_gives_up_after_max_reasks_without_raising(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("I cannot do that.")]) as server:
        result = await client_for(server).structured(ASK, Refund, max_reasks=1)
        assert len(server.requests) == 2
    assert result.value is None and result.attempts == 2
    assert result.error == "no JSON object found in the reply"


async def test_structured_adds_the_schema_to_an_existing_system_message(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([JSONReply({"order_id": "A1", "amount": 1})]) as server:
        await client_for(server).structured([SystemMessage("You extract refunds."), *ASK], Refund)
        sent = server.requests[0]["messages"]
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[0]["content"].startswith("You extract refunds.\n\nReply with one JSON object")


async def test_cache_answers_repeats_without_http_even_for_a_new_client(
    tmp_path: Path, client_for: ClientFactory
) -> None:
    with FakeOpenAIServer([Text("first"), Text("second")]) as server:
        first, _ = await client_for(server, cache_dir=str(tmp_path)).chat(ASK, tools=[FIND_ORDER])
        again, usage = await client_for(server, cache_dir=str(tmp_path)).chat(ASK, tools=[FIND_ORDER])
        assert len(server.requests) == 1
        other, _ = await client_for(server, cache_dir=str(tmp_path)).chat(ASK)  # no tools: another request
        assert len(server.requests) == 2
    assert first.content == again.content == "first" and other.content == "second"
    assert usage == Usage(cache_hits=1, seconds=usage.seconds)


async def test_temperature_and_seed_are_part_of_the_cache_key(tmp_path: Path, client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("x")]) as server:
        for overrides in ({}, {"temperature": 0.7}, {"seed": 3}, {}):
            await client_for(server, cache_dir=str(tmp_path), **overrides).chat(ASK)
        assert len(server.requests) == 3


async def test_32_concurrent_calls_overlap(client_for: ClientFactory) -> None:
    latency = 0.5  # overlap, not speed: one at a time takes 32 x 0.5 s, and a loaded machine's overhead stays far below half
    with FakeOpenAIServer([Text("ok")], latency=latency) as server:
        client = client_for(server, concurrency=32)
        started = time.perf_counter()
        await asyncio.gather(*(client.chat([HumanMessage(f"q{i}")]) for i in range(32)))
        elapsed = time.perf_counter() - started
    assert elapsed < 32 * latency / 2
    assert client.usage.calls == 32


async def test_concurrency_limit_is_respected(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("ok")], latency=0.1) as server:
        client = client_for(server, concurrency=2)
        started = time.perf_counter()
        await asyncio.gather(*(client.chat([HumanMessage(f"q{i}")]) for i in range(6)))
    assert time.perf_counter() - started >= 0.3  # three waves of two


# The first loop's keep-alive socket cannot be closed once that loop is gone; it is left to GC.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_client_survives_successive_event_loops() -> None:
    with FakeOpenAIServer([Text("ok")]) as server:
        client = LLMClient(LLMConfig(model="fake-model", base_url=server.base_url))
        first, _ = asyncio.run(client.chat(ASK))

        async def last_use() -> AIMessage:
            async with client:
                return (await client.chat(ASK))[0]

        assert first.content == asyncio.run(last_use()).content == "ok"


async def test_injected_fake_chat_model_with_tools_and_structured_output() -> None:
    call = {"name": "find_order", "args": {"order_id": "A1"}, "id": "call_1"}
    replies: list[AIMessage | str] = [AIMessage(content="", tool_calls=[call]), '{"order_id": "A1", "amount": 2}']
    fake = ToolFakeChatModel(messages=iter(replies))
    client = LLMClient(LLMConfig(model="fake"), model=fake)
    message, _ = await client.chat(ASK, tools=[FIND_ORDER])
    result = await client.structured(ASK, Refund)
    assert message.tool_calls[0]["args"] == {"order_id": "A1"}
    assert result.value == Refund(order_id="A1", amount=2)
    assert client.usage.calls == 2


def test_missing_api_key_falls_back_to_a_dummy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_KEY", raising=False)
    assert LLMConfig(model="m", api_key_env="MY_KEY").api_key() == "EMPTY"
    monkeypatch.setenv("MY_KEY", "sk-test")
    assert LLMConfig(model="m", api_key_env="MY_KEY").api_key() == "sk-test"


def test_usage_adds_field_by_field() -> None:
    total = Usage(calls=1, prompt_tokens=10, seconds=0.5) + Usage(calls=2, cache_hits=1, completion_tokens=3)
    assert total == Usage(calls=3, cache_hits=1, prompt_tokens=10, completion_tokens=3, seconds=0.5)
