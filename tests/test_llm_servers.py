"""The LLM layer against servers as they really behave: structured-output support or refusal,
tool calls written as text, slow and stalled streams, context overflow, usage on failure."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from gem_env.llm import LLMClient, LLMConfig, LLMContextExceeded, LLMUnavailable
from gem_env.llm.structured import reply_excerpt
from gem_env.llm.toolparse import parse_text_tool_calls
from gem_env.testing import FakeOpenAIServer, Fault, JSONReply, Slow, Text, ToolCall, ToolCalls

ASK = [HumanMessage("Where is order A1?")]
FIND_ORDER = {"type": "function", "function": {
    "name": "find_order", "description": "Look up an order.",
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}


class Refund(BaseModel):
    order_id: str
    amount: float


ClientFactory = Callable[..., LLMClient]


@pytest.fixture
async def client_for() -> AsyncIterator[ClientFactory]:
    made: list[LLMClient] = []

    def make(server: FakeOpenAIServer, **overrides: Any) -> LLMClient:
        settings = {"model": "fake-model", "base_url": server.base_url, "timeout": 5.0,
                    "retry_base_delay": 0.01, "retry_max_delay": 0.02, **overrides}
        made.append(LLMClient(LLMConfig(**settings)))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


# ---------------------------------------------------------------- structured outputs


async def test_a_server_that_takes_json_schema_gets_the_schema_strict(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([JSONReply({"order_id": "A1", "amount": 2})]) as server:
        client = client_for(server)
        result = await client.structured(ASK, Refund)
    rf = server.requests[0]["response_format"]
    assert result.value == Refund(order_id="A1", amount=2) and result.mode == "json_schema"
    assert rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True
    assert rf["json_schema"]["schema"]["additionalProperties"] is False
    assert set(rf["json_schema"]["schema"]["required"]) == {"order_id", "amount"}


@pytest.mark.parametrize(("support", "mode", "requests"), [("reject_schema", "json_object", 3), ("reject", "none", 4),
                                                         ("reject_schema_500", "json_object", 3)])
async def test_auto_steps_down_once_per_refusal_and_remembers(client_for: ClientFactory, support: str, mode: str,
                                                              requests: int) -> None:
    with FakeOpenAIServer([JSONReply({"order_id": "A1", "amount": 2})], structured=support) as server:  # type: ignore[arg-type]
        client = client_for(server)
        first = await client.structured(ASK, Refund)
        second = await client.structured(ASK, Refund)
    assert first.value is not None and second.value is not None
    assert first.mode == second.mode == client.structured_mode == mode
    assert len(server.requests) == requests  # the refusals, then one request per call in the kept mode
    assert len(client.fallbacks) == requests - 2 and "refused response_format json_schema" in client.fallbacks[0]
    assert server.requests[-1].get("response_format", {"type": "none"})["type"] == mode


async def test_requests_refused_together_step_down_once_each_mode(client_for: ClientFactory) -> None:
    """Several structured calls in flight when the server refuses: each refusal of a mode already
    left behind retries in the mode the client uses now (it once raised KeyError 'none' when a
    request sent as json_object came back after another had stepped down to none)."""
    import asyncio
    with FakeOpenAIServer([JSONReply({"order_id": "A1", "amount": 2})], structured="reject") as server:
        client = client_for(server)
        results = await asyncio.gather(*(client.structured(ASK, Refund) for _ in range(6)))
    assert all(r.value is not None and r.mode == "none" for r in results)
    assert client.structured_mode == "none" and len(client.fallbacks) == 2


async def test_an_explicit_mode_is_not_stepped_down(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([JSONReply({"order_id": "A1", "amount": 2})], structured="reject") as server:
        with pytest.raises(LLMUnavailable, match="not supported"):
            await client_for(server, structured="json_schema").structured(ASK, Refund)
        none = await client_for(server, structured="none").structured(ASK, Refund)
    assert none.value is not None and "response_format" not in server.requests[-1]


async def test_a_reask_sends_only_the_last_reply_and_the_error(client_for: ClientFactory) -> None:
    broken = "{" + '"order_id": "A1", ' * 600 + '"amount": oops}'
    with FakeOpenAIServer([Text(broken), Text(broken), JSONReply({"order_id": "A1", "amount": 2})]) as server:
        result = await client_for(server).structured(ASK, Refund, max_reasks=2)
    assert result.value is not None and result.attempts == 3
    third = server.requests[2]["messages"]
    assert len(third) == 4  # system, question, one earlier reply, one re-ask: not the whole history
    assert "characters omitted" in third[2]["content"] and "oops" in third[2]["content"]
    assert len(third[2]["content"]) < len(broken)


def test_reply_excerpt_keeps_short_replies_and_the_window_around_an_error() -> None:
    assert reply_excerpt("{}", "invalid JSON") == "{}"
    text = "x" * 10_000 + "ERR" + "y" * 10_000
    window = reply_excerpt(text, "invalid JSON: Expecting value at line 1 column 10001", limit=100)
    assert "ERR" in window and window.startswith("[... ") and len(window) < 200


# ---------------------------------------------------------------- tool calls written as text


@pytest.mark.parametrize("content", [
    '<tool_call>\n{"name": "find_order", "arguments": {"order_id": "A1"}}\n</tool_call>',
    'Let me check. <tool_call>{"name": "find_order", "arguments": "{\\"order_id\\": \\"A1\\"}"}</tool_call>',
    'functions.find_order: {"order_id": "A1"}',
    '{"name": "find_order", "arguments": {"order_id": "A1"}}',
    '```json\n{"name": "find_order", "parameters": {"order_id": "A1"}}\n```',
])
async def test_text_tool_calls_of_each_shape_become_real_calls(client_for: ClientFactory, content: str) -> None:
    with FakeOpenAIServer([Text(content)]) as server:
        client = client_for(server)
        message, usage = await client.chat(ASK, tools=[FIND_ORDER])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("find_order", {"order_id": "A1"})]
    assert "find_order" not in message.text and "<tool_call>" not in message.text
    assert usage.tool_calls_parsed == 1 and usage.tool_calls_native == 0
    assert message.response_metadata["tool_calls_parsed_from_text"] == 1


async def test_native_calls_and_plain_text_are_left_alone(client_for: ClientFactory) -> None:
    native = ToolCalls([ToolCall("find_order", {"order_id": "A1"})])
    json_text = '{"name": "Ada", "arguments": "none"}'  # JSON, but no known tool: just text
    with FakeOpenAIServer([native, Text(json_text)]) as server:
        client = client_for(server)
        first, u1 = await client.chat(ASK, tools=[FIND_ORDER])
        second, u2 = await client.chat(ASK, tools=[FIND_ORDER])
    assert u1.tool_calls_native == 1 and u1.tool_calls_parsed == 0
    assert second.tool_calls == [] and second.text == json_text and u2.tool_calls_parsed == 0


def test_unparseable_text_arguments_become_invalid_calls_kept_raw() -> None:
    calls, rest = parse_text_tool_calls('functions.cancel_order_4821: {"order_id": "A1", oops}\nDone.', {"x"})
    assert [(c["type"], c["name"], c["args"]) for c in calls] == [
        ("invalid_tool_call", "cancel_order_4821", '{"order_id": "A1", oops}')]
    assert rest == "Done."


# ---------------------------------------------------------------- time limits


async def test_a_slow_but_live_stream_is_not_killed(client_for: ClientFactory) -> None:
    # each gap 0.2 s, 10x under the limits (a loaded CI machine may hold a chunk back for a second);
    # the whole stream takes longer than either limit
    with FakeOpenAIServer([Slow(Text("a slow but steady answer"), chunks=12, delay=0.2)]) as server:
        client = client_for(server, first_token_timeout=2.0, stall_timeout=2.0, timeout=20)
        started = time.perf_counter()
        message, usage = await client.chat(ASK)
    assert message.text == "a slow but steady answer"
    assert time.perf_counter() - started > 2.2 > 2.0  # longer than any per-chunk limit
    assert usage.retries == 0 and len(server.requests) == 1


async def test_a_stalled_stream_is_closed_and_retried(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Fault("stall", seconds=3.0), Text("ok")]) as server:
        client = client_for(server, first_token_timeout=0.4, timeout=10)
        started = time.perf_counter()
        message, usage = await client.chat(ASK)
    assert message.text == "ok" and usage.retries == 1
    assert time.perf_counter() - started < 2.5  # the stall was cut at 0.4 s, not waited out
    assert len(server.requests) == 2


async def test_a_stall_that_persists_ends_in_llm_unavailable(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Fault("stall", seconds=3.0)]) as server:
        client = client_for(server, first_token_timeout=0.3, max_retries=1)
        with pytest.raises(LLMUnavailable, match="stalled: no first token within 0.3 s") as caught:
            await client.chat(ASK)
    assert caught.value.usage.failed == 1 and caught.value.usage.retries == 1


async def test_a_generation_past_the_total_timeout_is_not_resent(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Slow(Text("x" * 100), chunks=20, delay=0.1)]) as server:
        client = client_for(server, timeout=0.8, stall_timeout=0.5)
        with pytest.raises(LLMUnavailable, match="still being generated after the total timeout of 0.8 s"):
            await client.chat(ASK)
    assert len(server.requests) == 1


async def test_without_streaming_the_whole_reply_may_take_the_total(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Slow(Text("whole"), chunks=4, delay=0.15)]) as server:
        client = client_for(server, stream=False, timeout=3)
        message, _ = await client.chat(ASK)
    assert message.text == "whole" and not server.requests[0].get("stream")


# ---------------------------------------------------------------- context


async def test_a_400_context_error_is_a_context_rejection_not_unavailable(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Fault("context_length", context=4096)]) as server:
        client = client_for(server)
        with pytest.raises(LLMContextExceeded, match=r"longer than the model's context \(4096 tokens\)") as caught:
            await client.structured(ASK, Refund)
    assert caught.value.context == 4096 and len(server.requests) == 1  # neither retried nor stepped down


async def test_a_stream_that_ends_without_a_chunk_is_asked_again_whole(client_for: ClientFactory) -> None:
    """llama.cpp's server answers a streamed prompt too long for it with a 200 and no chunk
    (LangChain: "No generation chunks were returned", once an internal error rejecting the
    document); asked again unstreamed, its 400 says why."""
    with FakeOpenAIServer([Fault("context_length_in_stream", context=4096)]) as server:
        client = client_for(server, stream=True, first_token_timeout=2.0)
        with pytest.raises(LLMContextExceeded, match=r"longer than the model's context \(4096 tokens\)"):
            await client.chat(ASK)
    assert [bool(r.get("stream")) for r in server.requests] == [True, False]
    with FakeOpenAIServer([Fault("context_length_in_stream"), Text("ok")]) as server:
        reply, _ = await client_for(server, stream=True, first_token_timeout=2.0).chat(ASK)
    assert reply.content == "ok" and [bool(r.get("stream")) for r in server.requests] == [True, False]


async def test_context_length_comes_from_the_setting_or_the_models_endpoint(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("ok")], context=4096) as server:
        assert await client_for(server).context_length() == 4096
        assert await client_for(server, max_context=2048).context_length() == 2048
    with FakeOpenAIServer([Text("ok")]) as server:
        assert await client_for(server).context_length() is None


# ---------------------------------------------------------------- usage


async def test_usage_keeps_the_calls_made_before_a_failure(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("not json"), Fault("http_500")]) as server:
        client = client_for(server, max_retries=1)
        with pytest.raises(LLMUnavailable) as caught:
            await client.structured(ASK, Refund)
    usage = caught.value.usage
    assert usage.calls == 1 and usage.prompt_tokens > 0 and usage.failed == 1 and usage.retries == 1
    assert client.usage.calls == 1 and client.usage.failed == 1


async def test_clients_of_one_endpoint_share_its_concurrency(client_for: ClientFactory) -> None:
    import asyncio

    with FakeOpenAIServer([Text("ok")], latency=0.15) as server:
        agent, user = client_for(server, concurrency=2), client_for(server, concurrency=2)
        started = time.perf_counter()
        await asyncio.gather(*(c.chat([HumanMessage(f"q{i}")]) for i in range(3) for c in (agent, user)))
        elapsed = time.perf_counter() - started
    assert elapsed >= 0.45  # six requests, two at a time on the server: three waves


async def test_a_request_streams_only_when_a_first_token_or_stall_limit_is_tighter(client_for: ClientFactory) -> None:
    with FakeOpenAIServer([Text("whole"), Text("streamed"), Text("off")]) as server:
        assert (await client_for(server, timeout=10).chat(ASK))[0].text == "whole"
        assert (await client_for(server, timeout=10, stall_timeout=2).chat(ASK))[0].text == "streamed"
        assert (await client_for(server, timeout=10, stall_timeout=2, stream=False).chat(ASK))[0].text == "off"
    assert [bool(r.get("stream")) for r in server.requests] == [False, True, False]


async def test_requests_in_flight_are_spread_over_connection_pool_shards(client_for: ClientFactory) -> None:
    import asyncio

    from gem_env.llm.client import SHARD_CONNECTIONS, shards

    assert shards(1) == shards(SHARD_CONNECTIONS) == 1 and shards(SHARD_CONNECTIONS + 1) == 2
    n = 2 * SHARD_CONNECTIONS
    with FakeOpenAIServer([Text(f"r{i}") for i in range(n)], latency=0.3) as server:
        client = client_for(server, concurrency=n)
        peaks: list[list[int]] = []

        async def sample() -> None:
            while True:
                peaks.append(list(client._in_flight))
                await asyncio.sleep(0.05)

        sampler = asyncio.ensure_future(sample())
        replies = await asyncio.gather(*(client.chat(ASK) for _ in range(n)))
        sampler.cancel()
    assert sorted(m.text for m, _ in replies) == sorted(f"r{i}" for i in range(n))
    assert len(client._models) == 2 and client._in_flight == [0, 0]
    peaks = [p for p in peaks if p]  # samples before the first request bound the models are empty
    assert max(p[0] for p in peaks) == max(p[1] for p in peaks) == SHARD_CONNECTIONS  # least busy first
