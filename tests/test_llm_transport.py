"""The raw HTTP path of non-streamed chat calls (`gem_env.llm.transport.RawHTTP`): connections are
kept and reused, a kept connection that died is replaced without a failed attempt, and a reply
that does not come in time is the SDK's timeout error, retried like any other."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage

from gem_env.llm import LLMClient, LLMConfig
from gem_env.llm import transport
from gem_env.llm.config import make_chat_model
from gem_env.testing import FakeOpenAIServer, Fault, Text, ToolCall, ToolCalls

ASK = [HumanMessage("Where is order A1?")]


def plain_client(server: FakeOpenAIServer, **overrides: Any) -> LLMClient:
    settings = {"model": "fake-model", "base_url": server.base_url, "timeout": 2.0, "retry_base_delay": 0.01,
                "stream": False, **overrides}
    cfg = LLMConfig(**settings)
    assert not cfg.streams()
    return LLMClient(cfg)


async def test_sequential_calls_share_one_connection(monkeypatch) -> None:
    opened = []
    real = asyncio.open_connection

    async def counting(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return await real(*args, **kwargs)
    monkeypatch.setattr(transport.asyncio, "open_connection", counting)
    call = ToolCalls([ToolCall("find_order", {"order_id": "A1"})])
    with FakeOpenAIServer([Text("one"), call, Text("three")]) as server:
        async with plain_client(server) as client:
            replies = [(await client.chat(ASK))[0] for _ in range(3)]
    assert [r.content for r in replies[::2]] == ["one", "three"]
    assert replies[1].tool_calls[0]["args"] == {"order_id": "A1"}
    assert len(opened) == 1


async def test_a_kept_connection_that_died_is_replaced_without_a_failed_attempt() -> None:
    with FakeOpenAIServer([Text("one"), Text("two")]) as server:
        async with plain_client(server) as client:
            await client.chat(ASK)
            (model,) = client._models
            for _, writer in model._raw.idle:
                writer.transport.abort()  # as when the server closes an idle connection
            reply, usage = await client.chat(ASK)
    assert reply.content == "two" and usage.retries == 0


async def test_a_reply_that_does_not_come_in_time_is_retried() -> None:
    with FakeOpenAIServer([Fault("timeout", seconds=2.0), Text("recovered")]) as server:
        async with plain_client(server, timeout=1.0) as client:  # margin for a loaded CI machine
            reply, usage = await client.chat(ASK)
        assert len(server.requests) == 2
    assert reply.content == "recovered" and usage.retries == 1


async def test_a_server_hanging_up_on_a_kept_connection_is_a_failed_attempt() -> None:
    """Not mistaken for a connection that died while idle: the request reached the server."""
    with FakeOpenAIServer([Text("one"), Fault("timeout", seconds=0.3), Text("three")]) as server:
        async with plain_client(server) as client:
            await client.chat(ASK)
            reply, usage = await client.chat(ASK)
        assert len(server.requests) == 3
    assert reply.content == "three" and usage.retries == 1


def test_a_proxied_endpoint_keeps_the_sdk_client(monkeypatch) -> None:
    """Our own connections do not go through a proxy: where the environment sets one for the
    endpoint, every call takes the SDK's client, which honours it."""
    from gem_env.llm.config import make_chat_model
    cfg = LLMConfig(model="m", base_url="http://models.internal:8000/v1", stream=False)
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert make_chat_model(cfg)._raw is not None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    assert make_chat_model(cfg)._raw is None
    monkeypatch.setenv("NO_PROXY", "models.internal")
    assert make_chat_model(cfg)._raw is not None


FIND = {"type": "function", "function": {"name": "find_order", "description": "Find an order.",
                                         "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}}}}
CANCEL = {"type": "function", "function": {"name": "cancel_order", "description": "Cancel an order.",
                                           "parameters": {"type": "object", "properties": {}}}}


async def test_tool_schemas_are_bound_and_encoded_once_and_sent_as_given() -> None:
    with FakeOpenAIServer([Text("ok")]) as server:
        async with plain_client(server) as client:
            for tools in ([FIND, CANCEL], [FIND, CANCEL], [FIND]):  # equal lists, then a narrower one
                await client.chat(ASK, tools)
            (model,) = client._models
            encoded = model._raw._encoded_parts
        sent = server.requests
    assert [[t["function"]["name"] for t in body["tools"]] for body in sent] == [
        ["find_order", "cancel_order"], ["find_order", "cancel_order"], ["find_order"]]
    assert sent[0]["tools"][0] == FIND and sent[0]["messages"] == [{"role": "user", "content": "Where is order A1?"}]
    assert sent[0] == sent[1] and sent[2]["model"] == "fake-model"
    assert len(client._tool_bindings) == 2  # one binding per schema set
    assert sum(isinstance(obj, list) for obj, _ in encoded.values()) == 2  # one encoding per bound list


async def test_shards_share_one_transport_message_cache_and_tool_encoding() -> None:
    """Requests spread over the shards (the least busy one each time) still reuse one encoding
    of each message and of the tools list: a turn is not encoded again because it went elsewhere."""
    with FakeOpenAIServer([Text("ok")], latency=0.05) as server:
        async with plain_client(server, concurrency=32) as client:
            history = [*ASK, HumanMessage("and order A2?")]
            await asyncio.gather(*(client.chat(history, [FIND, CANCEL]) for _ in range(12)))
            models = client._models
            assert len(models) > 1
            assert all(m._raw is models[0]._raw and m._messages_json is models[0]._messages_json for m in models)
            used = {model_id for _, per_model in client._tool_bindings.values() for model_id in per_model}
            encoded = models[0]._raw._encoded_parts
        sent = server.requests
    assert len(used) > 1  # the calls did go to several shards
    assert sum(isinstance(obj, list) for obj, _ in encoded.values()) == 1
    assert len(models[0]._messages_json._kept) == 2
    assert all(body == sent[0] for body in sent) and sent[0]["tools"] == [FIND, CANCEL]


def test_message_json_matches_langchain_openai_and_is_made_once_per_live_message() -> None:
    import gc
    import json

    from langchain_core.messages import AIMessage, SystemMessage, ToolMessage
    from langchain_openai import ChatOpenAI

    history = [SystemMessage("POLICY"), HumanMessage("cancel A1"),
               AIMessage("", tool_calls=[{"name": "find_order", "args": {"order_id": "A1"}, "id": "c1"}]),
               ToolMessage('{"status": "pending"}', tool_call_id="c1"), AIMessage("Cancel it?")]
    expected = ChatOpenAI(model="m", api_key="k")._get_request_payload(history)["messages"]
    encode = transport.MessageJSON()
    assert json.loads(encode(history)) == expected
    kept = dict(encode._kept)
    assert json.loads(encode([*history, HumanMessage("yes")]))[-1] == {"role": "user", "content": "yes"}
    assert all(encode._kept[k] is v for k, v in kept.items())  # not made again
    history[1].content = "cancel A2"  # replaced content is made again
    assert json.loads(encode(history))[1]["content"] == "cancel A2"
    del history, expected, kept
    gc.collect()
    assert not encode._kept  # nothing kept once the messages are gone


def test_message_json_starts_a_grown_list_from_its_kept_prefix_and_only_from_the_same_messages() -> None:
    import json

    from langchain_core.messages import AIMessage, SystemMessage

    encode = transport.MessageJSON()
    system, ask, answer = SystemMessage("POLICY"), HumanMessage("cancel A1"), AIMessage("Cancel it?")
    first = encode([system, ask])
    assert len(encode._lists) == 1
    grown = encode([system, ask, answer])
    assert grown.startswith(first[:-1] + ",") and len(encode._lists) == 1  # the longer list replaced it
    assert json.loads(grown) == json.loads(transport.MessageJSON()([system, ask, answer]))
    other = encode([system, HumanMessage("cancel A2"), answer])  # same length, another message inside
    assert json.loads(other)[1]["content"] == "cancel A2"
    ask.content = "cancel A3"  # replaced content inside a kept list
    assert json.loads(encode([system, ask, answer, HumanMessage("yes")]))[1]["content"] == "cancel A3"
    assert encode([]) == "[]"


class _Seen(BaseCallbackHandler):
    """Records the chat-model runs LangChain reports."""

    def __init__(self) -> None:
        self.runs = 0

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.runs += 1


async def test_an_unobserved_call_skips_langchains_run_but_returns_the_same_message(monkeypatch) -> None:
    direct = []
    real = transport.RawChatOpenAI.ainvoke_direct

    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        direct.append(1)
        return await real(self, *args, **kwargs)
    monkeypatch.setattr(transport.RawChatOpenAI, "ainvoke_direct", counted)
    call = ToolCalls([ToolCall("find_order", {"order_id": "A1"})], content="Looking.")
    with FakeOpenAIServer([call]) as server:
        model = make_chat_model(LLMConfig(model="fake-model", base_url=server.base_url, stream=False))
        bound = model.bind_tools([FIND])
        fast = await transport.ainvoke(bound, ASK)
        assert direct == [1]
        full = await bound.ainvoke(ASK)
        await model.aclose_transport()
    def fields(m: Any) -> dict[str, Any]:  # ids aside: the server numbers them by request
        text = json.dumps({f: getattr(m, f) for f in ("content", "tool_calls", "invalid_tool_calls", "usage_metadata",
                                                       "response_metadata")}, sort_keys=True)
        return json.loads(text.replace("chatcmpl-1", "chatcmpl-0").replace("call_1_0", "call_0_0"))
    assert fields(fast) == fields(full)
    assert fast.id and fast.id.startswith("lc_run--") and full.id and full.id.startswith("lc_run--")
    assert fast.response_metadata["finish_reason"] == "tool_calls"


async def test_a_model_with_callbacks_or_a_parent_runs_callbacks_takes_langchains_path() -> None:
    from langchain_core.runnables import RunnableLambda

    own, parents = _Seen(), _Seen()
    with FakeOpenAIServer([Text("ok")]) as server:
        model = make_chat_model(LLMConfig(model="fake-model", base_url=server.base_url, stream=False))
        assert model.unobserved()
        async def inside_a_parent_run(messages: Any) -> Any:
            return await transport.ainvoke(model, messages)
        await RunnableLambda(inside_a_parent_run).ainvoke(ASK, {"callbacks": [parents]})
        model.callbacks = [own]
        assert not model.unobserved()
        async with LLMClient(LLMConfig(model="fake-model", stream=False), model=model) as client:
            reply, _ = await client.chat(ASK)
        await model.aclose_transport()
    assert reply.content == "ok" and own.runs == 1 and parents.runs == 1


async def test_a_plain_request_sends_the_bytes_the_general_encoding_makes(monkeypatch) -> None:
    """`PlainRequest` encodes the body around the messages once; what it sends is byte for byte
    what `RawHTTP._encode` makes of the whole body, with tools and without, and text that looks like
    the split point stays in the messages."""
    sent: list[bytes] = []

    async def capture(self: Any, path: str, body: bytes) -> dict[str, Any]:
        sent.append(body)
        return {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}

    monkeypatch.setattr(transport.RawHTTP, "post_body", capture)
    with FakeOpenAIServer([Text("ok")]) as server:
        async with plain_client(server, max_tokens=64) as client:
            models, _ = client._bound()
            messages_json = json.dumps([{"content": "a \u0000 NUL, é", "role": "user"}], ensure_ascii=False)
            for tools in ([FIND, CANCEL], None):
                model, kwargs = transport.unbound(client._runnable(models[0], tools, {}))
                request = model.plain_request(kwargs)
                assert request is not None and model.plain_request(kwargs) is request  # made once
                await request.send(messages_json)
                payload = transport._raw_body(model._get_request_payload([], **kwargs))
                assert sent[-1] == model._raw._encode(payload, messages_json)
                assert json.loads(sent[-1])["messages"][0]["content"] == "a \u0000 NUL, é"
    assert len(sent) == 2 and b'"tools"' in sent[0] and b'"tools"' not in sent[1]
