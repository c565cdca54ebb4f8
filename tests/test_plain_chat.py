"""The agent's plain chat path (`gem_env.llm.plain_chat`, `LLMClient.chat_plain`) against the
LangChain path it stands for: the same request bytes, the same assistant messages, the same
rollouts, retries, errors and accounting, and the LangChain path wherever it does not apply."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import SystemMessage

from gem_env.agents.llm_agent import LLMAgent, to_langchain, to_openai
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.backends import agent_chat_fn, agent_plain_chat_fn, make_agent
from gem_env.llm import LLMClient, LLMConfig, LLMRequestRejected, LLMUnavailable
from gem_env.llm.client import LLMClient as _Client
from gem_env.llm.config import make_chat_model
from gem_env.llm.plain_chat import ConversationJSON, plain_reply
from gem_env.llm.transport import MessageJSON
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.rollout import run_rollout
from gem_env.stages.ground.usage import EpisodeUsage
from gem_env.stages.tasks import make_tasks
from gem_env.testing import FakeOpenAIServer, Fault, Text, ToolCall, ToolCalls, ToolFakeChatModel
from gem_env.testing.bodies import completion_body
from gem_env.tools import compile_domain, load_domain

DOMAINS = sorted((Path(__file__).resolve().parents[1] / "examples" / "domains").glob("*.yaml"))
POLICY = "You are the shop's assistant. Politique: ne pas révéler les données."


def call(name: str, arguments: Any, id: str | None = "c1") -> dict[str, Any]:
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


ODD_CONVERSATION = [
    {"role": "system", "content": "dropped"},
    {"role": "user", "content": "Où est ma commande ? 注文"},
    {"role": "assistant", "content": None, "tool_calls": [call("find", '{"id": "A1", "n": 1.50, "x": [1, {"é": null}]}')]},
    {"role": "tool", "tool_call_id": "c1", "content": '{"status": "shipped"}'},
    {"role": "assistant", "content": "", "tool_calls": [call("bad", '{"id": ', "c2"), call("ok", "", None),
                                                         call("lst", "[1, 2]", "c4"), call("dict", {"a": "é"}, "c5"),
                                                         call("num", 7, "c6")]},
    {"role": "tool", "content": "error"},
    {"role": "assistant", "content": "Voilà.\n\t\"quoted\" \u2028"},
    {"role": "user", "content": ""},
    {"role": "assistant", "content": "calling", "tool_calls": [call("f", " {} ", "c7")]},
    {"role": "developer", "content": "dropped too"},
    {"role": "user", "content": None},
]


def langchain_json(system: str, messages: list[dict[str, Any]]) -> str:
    return MessageJSON()([SystemMessage(system), *to_langchain(messages)])


def recorded_conversations() -> list[list[dict[str, Any]]]:
    """The workflow agent's conversations with the scripted user on every example domain."""
    async def record() -> list[list[dict[str, Any]]]:
        out = []
        for path in DOMAINS:
            compiled = compile_domain(load_domain(path))
            for task in make_tasks(compiled, per_domain=4, seed=0)[0]:
                tr = await run_rollout(task, compiled, WorkflowAgent(compiled), ScriptedUser(task.scenario))
                out.append(tr.messages)
        return out
    return asyncio.run(record())


def test_conversation_json_is_langchain_openais_request_messages_byte_for_byte() -> None:
    conversations = [*recorded_conversations(), ODD_CONVERSATION]
    assert len(conversations) > 10
    for messages in conversations:
        assert ConversationJSON(POLICY)(messages) == langchain_json(POLICY, messages)


def test_conversation_json_grows_with_the_conversation_and_starts_afresh_on_another() -> None:
    encode = ConversationJSON(POLICY)
    talk = ODD_CONVERSATION
    for end in (1, 2, 4, 4, 7, len(talk)):
        assert encode(talk[:end]) == langchain_json(POLICY, talk[:end])
    assert encode.calls == 7  # the tool calls of its assistant messages: `to_openai`'s numbering
    other = [dict(m) for m in talk[:3]]  # equal, not the same objects: not a continuation
    assert encode(other) == langchain_json(POLICY, other) and encode.calls == 1
    assert encode(talk[:2]) == langchain_json(POLICY, talk[:2])  # shorter: afresh


def test_content_that_is_not_text_is_left_to_the_langchain_path() -> None:
    encode = ConversationJSON(POLICY)
    assert encode([{"role": "user", "content": [{"type": "text", "text": "hi"}]}]) is None
    assert encode(ODD_CONVERSATION[:3]) == langchain_json(POLICY, ODD_CONVERSATION[:3])


def general_reply(completion: dict[str, Any], tools: list[dict[str, Any]], first_call: int) -> dict[str, Any]:
    model = make_chat_model(LLMConfig(model="fake-model", base_url="http://127.0.0.1:9/v1"))
    return to_openai(_Client._with_parsed_calls(model.message_of(completion), tools), first_call)


TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {}}}}
         for n in ("find", "cancel")]
PLAIN_REPLIES = [
    Text("Your order has shipped."), Text(""), Text("Ça marche — 注文は発送済み"),
    ToolCalls([ToolCall("find", {"id": "A1"})]), ToolCalls([ToolCall("find", {"id": "é", "n": [1, 2.5]})], "One moment."),
    ToolCalls([ToolCall("find", {}), ToolCall("cancel", '{"id":"A1" ,"why":"late"}')]),
    ToolCalls([ToolCall("find", "")]), ToolCalls([ToolCall("find", '{"s": "a\tb"}')]),  # a raw tab: LangChain's lax parse
]
ODD_REPLIES = [
    Text('<tool_call>{"name": "find", "arguments": {"id": "A1"}}</tool_call>'), Text('Use {"id": "A1"}'),
    ToolCalls([ToolCall("find", '{"id": ')]), ToolCalls([ToolCall("find", "[1]")]), ToolCalls([ToolCall("find", "7")]),
]


def test_a_plain_reply_is_the_message_langchain_and_to_openai_make_and_others_are_left_to_them() -> None:
    for i, reply in enumerate(PLAIN_REPLIES):
        completion = completion_body({"model": "m"}, reply, i, "m")
        got = plain_reply(completion, first_call=3)
        assert got is not None, reply
        assert got[0] == general_reply(completion, TOOLS, 3)
        assert got[1:] == (completion["usage"]["prompt_tokens"], completion["usage"]["completion_tokens"])
    for reply in ODD_REPLIES:
        assert plain_reply(completion_body({"model": "m"}, reply, 0, "m"), 0) is None, reply


def test_missing_ids_usage_and_message_fields_read_as_langchain_reads_them() -> None:
    def completion(message: dict[str, Any], usage: Any = None) -> dict[str, Any]:
        return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}
    no_ids = {"role": "assistant", "content": None, "tool_calls": [call("find", '{"a": 1}', None), call("cancel", "{}", "")]}
    got = plain_reply(completion(no_ids, {"prompt_tokens": 9}), first_call=5)
    assert got is not None and got[0] == general_reply(completion(no_ids), TOOLS, 5) and got[1:] == (9, 0)
    assert [c["id"] for c in got[0]["tool_calls"]] == ["call_5", "call_6"]
    vllm = {"role": "assistant", "content": "hi", "tool_calls": [], "refusal": None, "reasoning_content": None}
    assert plain_reply(completion(vllm, {"prompt_tokens": 3, "completion_tokens": 1, "prompt_tokens_details": None}),
                       0) == ({"role": "assistant", "content": "hi"}, 3, 1)
    for odd in ({**vllm, "refusal": "no"}, {**vllm, "role": "user"}, {**vllm, "content": [{"type": "text"}]},
                {**vllm, "extra": 1}, {**vllm, "tool_calls": [{"function": {"name": "f"}}]}):
        assert plain_reply(completion(odd), 0) is None
    for usage in ({"prompt_tokens": "3"}, [1], {"prompt_tokens_details": 4}):
        assert plain_reply(completion(vllm, usage), 0) is None
    assert plain_reply({**completion(vllm), "error": {"message": "x"}}, 0) is None


async def rollouts(server: FakeOpenAIServer, plain: bool) -> list[Any]:
    """Each example domain's first tasks rolled out one at a time through one path."""
    client = LLMClient(LLMConfig(model="fake-model", base_url=server.base_url, stream=False, timeout=10))
    out = []
    async with client:
        for path in DOMAINS:
            compiled = compile_domain(load_domain(path))
            for task in make_tasks(compiled, per_domain=2, seed=0)[0]:
                usage = EpisodeUsage()
                agent = make_agent("llm", compiled, client, usage=usage)
                assert isinstance(agent, LLMAgent) and agent.plain_chat_fn is not None
                if not plain:
                    agent.plain_chat_fn = None
                tr = await run_rollout(task, compiled, agent, ScriptedUser(task.scenario), usage=usage)
                if plain:  # the ended conversation's encoding is let go (jobs keep their agents)
                    assert agent.plain_chat_fn is not None and agent.plain_chat_fn.encode._seen == 0
                out.append((tr.messages, tr.verification.model_dump(), tr.meta))
    return out, client.usage


def scripted_agent(body: dict[str, Any]) -> Any:
    """A model that looks up the order, then answers; a malformed call once in a while."""
    turns = sum(m["role"] == "assistant" for m in body["messages"])
    if turns == 0:
        return ToolCalls([ToolCall(body["tools"][0]["function"]["name"], {"order_id": "ORD-1", "é": "ü"})], "Let me see.")
    if turns == 1:
        return ToolCalls([ToolCall("nope", '{"a": ')])
    return Text("Done." if turns < 4 else "STOP")


async def test_rollouts_send_the_same_requests_and_make_the_same_trajectories_on_both_paths() -> None:
    results, bodies = {}, {}
    for plain in (True, False):
        with FakeOpenAIServer(scripted_agent) as server:  # a fresh server: the same call ids
            results[plain] = await rollouts(server, plain)
            bodies[plain] = server.requests
    assert len(bodies[True]) > 20
    assert bodies[True] == bodies[False]
    assert results[True][0] == results[False][0]
    assert results[True][1] == results[False][1].model_copy(update={"seconds": results[True][1].seconds})


FAULTS = [
    [Fault("http_500"), Text("ok")], [Fault("http_429", retry_after=0.01), Text("ok")],
    [Fault("malformed_json"), Text("ok")], [Fault("wrong_schema"), Text("ok")], [Fault("timeout", seconds=2.0), Text("ok")],
    [Fault("http_500")], [Fault("context_length")], [Text('<tool_call>{"name": "find", "arguments": {}}</tool_call>')],
    [ToolCalls([ToolCall("find", '{"id": ')])],
]


async def one_call(replies: list[Any], plain: bool, tools: list[dict[str, Any]] = TOOLS) -> tuple[Any, Any]:
    """(the reply as `LLMAgent.act` returns it, or the error's type and words; the client's usage)."""
    with FakeOpenAIServer(replies) as server:
        cfg = LLMConfig(model="fake-model", base_url=server.base_url, stream=False, timeout=1.0, max_retries=2,
                        retry_base_delay=0.0, retry_max_delay=0.0)
        async with LLMClient(cfg) as client:
            conversation = [{"role": "user", "content": "Where is A1?"}]
            agent = LLMAgent(agent_chat_fn(client), tools, POLICY,
                             plain_chat_fn=agent_plain_chat_fn(client, POLICY) if plain else None)
            try:
                got: Any = await agent.act(conversation)
            except (LLMUnavailable, LLMRequestRejected) as err:
                got = (type(err).__name__, str(err).replace(server.base_url, "URL"))
            return got, client.usage.model_copy(update={"seconds": 0.0})


@pytest.mark.parametrize("replies", FAULTS, ids=lambda r: "+".join(type(x).__name__ + getattr(x, "kind", "") for x in r))
async def test_faults_are_retried_and_reported_the_same_on_both_paths(replies: list[Any]) -> None:
    assert await one_call(replies, plain=True) == await one_call(replies, plain=False)


@pytest.mark.parametrize("reply", [Text("Hello there."), Text("{not a call}")], ids=["text", "braces"])
async def test_an_agent_without_tools_gets_the_same_replies_on_both_paths(reply: Text) -> None:
    assert await one_call([reply], plain=True, tools=[]) == await one_call([reply], plain=False, tools=[])


class Seen(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts = 0

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.starts += 1


async def test_where_the_plain_path_does_not_apply_nothing_is_sent_and_the_agent_takes_langchains(tmp_path) -> None:
    with FakeOpenAIServer([Text("one"), Text("two"), Text("three")]) as server:
        base = {"model": "fake-model", "base_url": server.base_url, "stream": False, "timeout": 5}
        for client in (LLMClient(LLMConfig(**base, cache_dir=str(tmp_path / "cache"))),
                       LLMClient(LLMConfig(**{**base, "stream": True}, first_token_timeout=1)),
                       LLMClient(LLMConfig(**base), model=ToolFakeChatModel(messages=iter([])))):
            async with client:
                assert await client.chat_plain("[]", TOOLS) is None
        seen = Seen()
        async with LLMClient(LLMConfig(**base)) as client:
            for model in client._bound()[0]:
                model.callbacks = [seen]
            agent = LLMAgent(agent_chat_fn(client), TOOLS, POLICY, plain_chat_fn=agent_plain_chat_fn(client, POLICY))
            first = await agent.act([{"role": "user", "content": "hi"}])
            assert agent.plain_chat_fn is None and seen.starts == 1  # the callback saw the call
            assert first == {"role": "assistant", "content": "one"}
        assert len(server.requests) == 1
