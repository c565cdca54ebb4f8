"""How chat requests reach the endpoint, with less client CPU than the SDK's defaults.

- `RawChatOpenAI` + `RawHTTP`: a plain (not streamed, no ``response_format``) chat call is one
  JSON POST over a kept HTTP/1.1 connection of our own, its result made in the event loop's thread.
- `ainvoke`: a plain call that nothing observes (`RawChatOpenAI.unobserved`: no callbacks,
  tracing or LangChain cache) goes straight to the model's ``_agenerate``; LangChain's run
  machinery around it cost ~0.3 ms of CPU a call, more than the request itself.
- `RawChatOpenAI.plain_request`: the same call for messages already encoded from OpenAI messages
  (`plain_chat`, the agent's path: no LangChain messages at all), its request body's JSON around
  the messages made once per binding (`PlainRequest`).
- `PlainCompletions`: what still goes through the SDK (streamed and structured calls) is sent as
  the plain JSON LangChain already built. The SDK walks every request through a recursive
  TypedDict transform (aliases, dates, files) that chat requests do not need; with a growing
  history and a dozen tool schemas it cost ~5 ms of CPU per call.

Errors are the SDK's exception types either way, so retries and messages do not depend on the path.

uvloop was measured as the event loop (round 6: 256 LLM rollouts in flight, asyncio and uvloop
interleaved in one process): client CPU 0.956 vs 0.979 ms a call, share of the ideal no better, so
it is not a dependency; the loop's own work is a few percent of a call.
"""
from __future__ import annotations

import asyncio
import json
import operator
import os
import re
import ssl
import urllib.parse
import weakref
from typing import Any

import openai
import orjson
from langchain_core.globals import get_debug, get_llm_cache
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import Runnable, RunnableBinding
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import _convert_from_v1_to_chat_completions, _convert_message_to_dict
from openai import AsyncStream, NotGiven, Omit, not_given
from openai._base_client import make_request_options
from openai.resources.chat.completions import AsyncCompletions
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import PrivateAttr

from gem_env.llm.errors import MalformedResponse

try:  # what LangChain's own run machinery consults; without them every call takes the full path
    from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
    from langchain_core.tracers.context import _configure_hooks, _tracing_v2_is_enabled
except ImportError:  # pragma: no cover -- another langchain-core
    _gen_info_and_msg_metadata = _configure_hooks = _tracing_v2_is_enabled = None  # type: ignore[assignment]

try:  # the HTTP library of the installed openai SDK: its errors wrap that library's requests
    import httpx2
except ImportError:  # pragma: no cover -- older SDKs use httpx
    import httpx as httpx2  # type: ignore[no-redef]


class PlainCompletions(AsyncCompletions):
    async def create(self, *, extra_headers: Any = None, extra_query: Any = None,  # type: ignore[override]
                     extra_body: Any = None, timeout: Any = not_given, **params: Any) -> Any:
        body = {k: v for k, v in params.items() if not isinstance(v, (NotGiven, Omit))}
        return await self._post(
            "/chat/completions",
            body=body,
            options=make_request_options(extra_headers=extra_headers, extra_query=extra_query,
                                         extra_body=extra_body, timeout=timeout,
                                         security={"bearer_auth": True}),
            cast_to=ChatCompletion,
            stream=bool(body.get("stream")),
            stream_cls=AsyncStream[ChatCompletionChunk],
        )


ENCODED_PARTS = 128
"""Encoded tools lists kept per `RawHTTP`; all are dropped when it fills up."""


class RawHTTP:
    """JSON POSTs to one origin over HTTP/1.1 keep-alive connections of our own (asyncio streams).

    A non-streamed chat call through the SDK walks httpx, httpcore (whose pool polls every open
    connection on each request), the SDK's response wrappers and a thread hop for the result; at
    hundreds of calls a second that was most of a rollout's CPU. Here a request is one socket
    write of headers and body and a read of the response; errors are the SDK's own exception
    types, so retries and error messages do not change. One instance per event loop.
    """

    def __init__(self, base_url: str, api_key: str, connect_timeout: float, timeout: float,
                 status_error: Any) -> None:
        url = urllib.parse.urlsplit(base_url)
        self.https = url.scheme == "https"
        self.host = url.hostname or "localhost"
        self.port = url.port or (443 if self.https else 80)
        self.base_url, self.prefix = base_url.rstrip("/"), url.path.rstrip("/")
        self.auth = f"Authorization: Bearer {api_key}\r\n" if api_key else ""
        self.netloc = url.netloc
        self.connect_timeout, self.timeout = connect_timeout, timeout
        self.status_error = status_error
        """The SDK client's own mapping of an error response to its exception type."""
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._encoded_parts: dict[int, tuple[Any, str]] = {}
        """id of a tools list -> (the list, kept alive so the id stays its own; its JSON text)."""

    async def post_json(self, path: str, payload: dict[str, Any], messages_json: str | None = None
                        ) -> dict[str, Any]:
        """``payload`` POSTed as JSON; ``messages_json``, when given, is its ``messages`` already
        encoded (`MessageJSON`)."""
        return await self.post_body(path, self._encode(payload, messages_json))

    async def post_body(self, path: str, body: bytes) -> dict[str, Any]:
        """`post_json` of a body already encoded."""
        head = (f"POST {self.prefix}{path} HTTP/1.1\r\nHost: {self.netloc}\r\n{self.auth}"
                f"Content-Type: application/json\r\nAccept: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        try:
            status, headers, data = await self._exchange(self._kept(), head + body)
        except (OSError, asyncio.IncompleteReadError, ValueError) as err:
            raise openai.APIConnectionError(message=f"connection error: {err}", request=self._request(path)) from err
        except TimeoutError as err:
            raise openai.APITimeoutError(request=self._request(path)) from err
        if status != 200:
            raise self.status_error(httpx2.Response(status, headers=headers, content=data, request=self._request(path)))
        return completion_from_text(data.decode("utf-8", "replace"))

    def _encode(self, payload: dict[str, Any], messages_json: str | None) -> bytes:
        """The JSON body. A ``tools`` list seen before (a bound runnable's) reuses its encoding:
        a dozen tool schemas were most of what each turn encoded again."""
        tools = payload.get("tools")
        tools = tools if isinstance(tools, list) and tools else None
        if tools is None and messages_json is None:
            return _dumps(payload).encode()
        parts = [_dumps({k: v for k, v in payload.items() if k not in ("tools", "messages")})[1:-1]]
        if messages_json is not None:
            parts.append('"messages":' + messages_json)
        elif "messages" in payload:
            parts.append('"messages":' + _dumps(payload["messages"]))
        if tools is not None:
            parts.append('"tools":' + self._encoded(tools))
        return ("{" + ",".join(p for p in parts if p) + "}").encode()

    def _encoded(self, obj: Any) -> str:
        """The JSON text of ``obj``, kept by identity (with ``obj``, so the id stays its own)."""
        hit = self._encoded_parts.get(id(obj))
        if hit is None or hit[0] is not obj:
            if len(self._encoded_parts) >= ENCODED_PARTS:
                self._encoded_parts.clear()
            hit = self._encoded_parts[id(obj)] = (obj, _dumps(obj))
        return hit[1]

    async def _exchange(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None, request: bytes
                        ) -> tuple[int, list[tuple[str, str]], bytes]:
        if conn is None:
            conn = await asyncio.wait_for(asyncio.open_connection(
                self.host, self.port, ssl=ssl.create_default_context() if self.https else None), self.connect_timeout)
        reader, writer = conn
        keep = False
        try:
            async with asyncio.timeout(self.timeout):
                writer.write(request)
                status, headers, data, keep = await _read_response(reader)
        finally:
            if keep:
                self.idle.append(conn)
            else:
                writer.close()
        return status, headers, data

    def _kept(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """An idle connection the server has not closed meanwhile (its hang-up has been read by
        the event loop), or None for a new one."""
        while self.idle:
            reader, writer = self.idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    def _request(self, path: str) -> Any:
        return httpx2.Request("POST", self.base_url + path)

    async def aclose(self) -> None:
        while self.idle:
            self.idle.pop()[1].close()


def _dumps(obj: Any) -> str:
    """Compact JSON text, non-ASCII kept. orjson writes it ~10x faster than ``json`` (most of a
    request's encoding CPU); what orjson refuses (non-string keys, integers beyond 64 bits) goes
    through ``json``, which writes the same JSON values."""
    try:
        return orjson.dumps(obj).decode()
    except orjson.JSONEncodeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    """(status, headers, body, whether the connection can be kept) of one HTTP/1.1 response."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    version, status = head[0].split(" ", 2)[:2]
    headers = [tuple(p.strip() for p in line.split(":", 1)) for line in head[1:] if ":" in line]
    fields = {k.lower(): v for k, v in headers}
    if "content-length" in fields:
        data = await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        data = b"".join(parts)
    else:
        return int(status), headers, await reader.read(), False
    keep = fields.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return int(status), headers, data, keep


def completion_from_text(text: str) -> dict[str, Any]:
    """A 200 chat completion's body, or ``MalformedResponse`` when it has no usable choices."""
    try:
        body = _loads(text)
    except ValueError:
        raise MalformedResponse(f"body is not JSON: {text[:80]!r}") from None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not choices or not isinstance(choices, list) or not all(
        isinstance(choice, dict) and isinstance(choice.get("message"), dict) for choice in choices
    ):
        keys = sorted(body)[:8] if isinstance(body, dict) else type(body).__name__
        raise MalformedResponse(f"JSON is not a chat completion with choices (got {keys})")
    return body


def _loads(text: str) -> Any:
    """``json.loads``, through orjson first (``json`` also takes ``NaN`` and the like)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_O_SERIES = re.compile(r"^o\d")
"""Models whose system messages langchain-openai sends as "developer" messages."""


_CONTENT = operator.attrgetter("content")


class MessageJSON:
    """The JSON text of LangChain messages as langchain-openai makes chat-completions dicts of them,
    made once per message object while it lives (weakly kept): an agent sends the same history
    objects every turn (`LLMAgent`), and converting and encoding them all again grew with the
    conversation's square. A message whose content was replaced is made again.

    The text of a whole list is kept too, under its last message, so that the next turn's list
    (the same messages and a few more) starts from it instead of joining every message again."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[weakref.ref[BaseMessage], Any, str]] = {}
        self._lists: dict[int, tuple[weakref.ref[BaseMessage], tuple[int, ...], tuple[Any, ...], str]] = {}
        """id of a list's last message -> (a ref to it, the ids and contents of the list's
        messages, the list's JSON without its closing bracket)."""

    def __call__(self, messages: list[BaseMessage]) -> str:
        ids = tuple(map(id, messages))
        contents = tuple(map(_CONTENT, messages))
        done, head = self._kept_prefix(messages, ids, contents)
        text = head + "".join(("," if i else "[") + self._one(messages[i]) for i in range(done, len(messages)))
        if messages and done < len(messages):
            last = messages[-1]
            self._lists[id(last)] = (weakref.ref(last, self._forget(self._lists, id(last))), ids, contents, text)
        return (text or "[") + "]"

    def _kept_prefix(self, messages: list[BaseMessage], ids: tuple[int, ...], contents: tuple[Any, ...]
                     ) -> tuple[int, str]:
        """(n, JSON of the first n messages without its closing bracket) for the longest kept
        prefix of ``messages``, whose entry then goes (the longer list replaces it); (0, "") if none."""
        for end in range(len(messages), 0, -1):
            hit = self._lists.get(ids[end - 1])
            if hit is not None and hit[0]() is messages[end - 1] and hit[1] == ids[:end] and hit[2] == contents[:end]:
                if end < len(messages):
                    del self._lists[ids[end - 1]]
                return end, hit[3]
        return 0, ""

    def _one(self, m: BaseMessage) -> str:
        hit = self._kept.get(id(m))
        if hit is None or hit[0]() is not m or hit[1] is not m.content:
            converted = _convert_message_to_dict(
                _convert_from_v1_to_chat_completions(m) if isinstance(m, AIMessage) else m)
            hit = self._kept[id(m)] = (weakref.ref(m, self._forget(self._kept, id(m))), m.content, _dumps(converted))
        return hit[2]

    @staticmethod
    def _forget(kept: dict[int, Any], key: int) -> Any:
        def forget(ref: weakref.ref[BaseMessage]) -> None:
            if key in kept and kept[key][0] is ref:
                del kept[key]
        return forget


_SDK_ONLY = ("response_format", "extra_headers", "extra_query", "timeout")
"""Request options the SDK path handles (parsed structured output, per-request HTTP settings)."""


class PlainRequest:
    """A chat request's body without its messages, encoded once: the JSON text before and after the
    messages' (`RawHTTP._encode`'s bytes, split where the messages go)."""

    def __init__(self, raw: RawHTTP, body: dict[str, Any]) -> None:
        self.raw = raw
        before, after = raw._encode(body, _MESSAGES_GO_HERE).decode().split(_MESSAGES_GO_HERE)
        self.before, self.after = before, after

    async def send(self, messages_json: str) -> dict[str, Any]:
        """The chat completion body of the request with ``messages_json`` as its messages."""
        return await self.raw.post_body("/chat/completions", (self.before + messages_json + self.after).encode())


_MESSAGES_GO_HERE = "\0"
"""Where `PlainRequest` splits the encoded body: JSON text holds no raw NUL (strings escape it)."""


class RawChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` whose plain (not streamed, no ``response_format``) calls go over `RawHTTP`, and
    whose result is made in the event loop's thread (the SDK path hands it to a thread pool)."""

    _raw: RawHTTP | None = PrivateAttr(default=None)
    _messages_json: MessageJSON = PrivateAttr(default_factory=lambda: MessageJSON())
    _plain_requests: dict[int, tuple[dict[str, Any], PlainRequest | None]] = PrivateAttr(default_factory=dict)
    """id of a binding's kwargs -> (the kwargs, kept alive; `_plain_request` of them)."""

    def use_raw(self, raw: RawHTTP) -> None:
        self._raw = raw

    def share_raw(self, other: RawChatOpenAI) -> None:
        """Send plain calls over ``other``'s `RawHTTP` and encode messages with its `MessageJSON`.

        `LLMClient` spreads requests over several models (its shards) for the SDK's connection
        pools; with a cache each, a conversation whose turns went to different shards had its whole
        history converted and encoded again almost every turn."""
        self._raw, self._messages_json = other._raw, other._messages_json

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: Any = None, **kwargs: Any) -> ChatResult:
        if self.streaming or self._raw is None:
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        payload = self._get_request_payload([], stop=stop, **kwargs)
        messages_json = None
        if "messages" in payload and not _O_SERIES.match(self.model_name or ""):
            messages_json = self._messages_json(messages)
        else:  # the Responses API, or a model whose system role langchain-openai renames
            payload = self._get_request_payload(messages, stop=stop, **kwargs)
        body = _raw_body(payload)
        if body is None:
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        return self._create_chat_result(await self._raw.post_json("/chat/completions", body, messages_json), {})

    def plain_request(self, kwargs: dict[str, Any]) -> PlainRequest | None:
        """The request `_agenerate` sends for a model bound to ``kwargs``, ready for messages
        encoded as `MessageJSON` encodes them (`plain_chat.ConversationJSON`), or None where it
        would not send such messages over `RawHTTP`, or something observes the call."""
        request = self._plain_request(kwargs)
        return request if request is not None and self.unobserved() else None

    def _plain_request(self, kwargs: dict[str, Any]) -> PlainRequest | None:
        """`plain_request` without the `unobserved` check, made once per ``kwargs`` object (a
        binding's: `LLMClient` keeps its bindings)."""
        hit = self._plain_requests.get(id(kwargs))
        if hit is None or hit[0] is not kwargs:
            request = None
            raw = self._raw
            if not self.streaming and raw is not None and not _O_SERIES.match(self.model_name or ""):
                payload = self._get_request_payload([], **kwargs)
                body = _raw_body(payload) if "messages" in payload else None
                request = PlainRequest(raw, body) if body is not None else None
            if len(self._plain_requests) >= ENCODED_PARTS:
                self._plain_requests.clear()
            hit = self._plain_requests[id(kwargs)] = (kwargs, request)
        return hit[1]

    def unobserved(self) -> bool:
        """Whether nothing would see a LangChain run of this model: no callbacks (its own, or a
        parent runnable's), no tracing or run collectors, no debug or verbose output, no LangChain
        cache (`LLMClient` has its own), no rate limiter, no v1 content blocks, not streaming."""
        if _configure_hooks is None or _tracing_v2_is_enabled is None or self.streaming or self._raw is None:
            return False
        if self.callbacks or self.verbose or self.rate_limiter is not None or self.output_version == "v1":
            return False
        if self.cache is not False and (self.cache is not None or get_llm_cache() is not None):
            return False
        parent = var_child_runnable_config.get()
        if (parent and parent.get("callbacks")) or get_debug() or _tracing_v2_is_enabled():
            return False
        return not any(var.get() is not None or (env and os.environ.get(env)) for var, _, _, env in _configure_hooks)

    async def ainvoke_direct(self, messages: list[BaseMessage], **kwargs: Any) -> AIMessage:
        """The message ``ainvoke(messages)`` would return, without LangChain's run machinery
        (callback managers, run ids, invocation parameters for tracers): ~0.3 ms of CPU a call,
        more than the request itself. Only for an `unobserved` model."""
        return self.message_of(await self._agenerate(messages, **kwargs))

    def message_of(self, result: ChatResult | dict[str, Any]) -> AIMessage:
        """The ``AIMessage`` of a chat result (or of a chat completion body) as ``ainvoke`` returns
        it: the response metadata merged as `BaseChatModel` merges it, a run's message id."""
        if isinstance(result, dict):
            result = self._create_chat_result(result, {})
        generation = result.generations[0]
        message = generation.message
        message.response_metadata = {**(result.llm_output or {}), **_gen_info_and_msg_metadata(generation)}
        if message.id is None:  # a run's message id, as LangChain gives it
            message.id = f"{LC_ID_PREFIX}-{uuid7()}-0"
        if not isinstance(message, AIMessage):
            raise TypeError(f"chat model returned {type(message).__name__}, expected AIMessage")
        return message

    async def aclose_transport(self) -> None:
        if self._raw is not None:
            await self._raw.aclose()


def _raw_body(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON body `RawHTTP` sends for a request ``payload`` of langchain-openai, or None for one
    the SDK path handles (streamed, or with SDK-only options)."""
    if any(k in payload for k in _SDK_ONLY) or payload.get("stream"):
        return None
    body = {k: v for k, v in payload.items() if k != "stream" and not isinstance(v, (NotGiven, Omit))}
    body.update(body.pop("extra_body", None) or {})  # what the SDK merges into the JSON body
    return body


def unbound(runnable: Runnable[Any, Any]) -> tuple[Runnable[Any, Any], dict[str, Any]]:
    """(the model, its bound kwargs) of a `RunnableBinding` without config, else (runnable, {})."""
    if isinstance(runnable, RunnableBinding) and not runnable.config and not runnable.config_factories:
        return runnable.bound, runnable.kwargs
    return runnable, _NO_KWARGS


_NO_KWARGS: dict[str, Any] = {}
"""An unbound model's kwargs: one object, so `RawChatOpenAI._plain_request` keeps its request too."""


async def ainvoke(runnable: Runnable[Any, Any], messages: list[BaseMessage]) -> Any:
    """``runnable.ainvoke(messages)``, straight to the request when ``runnable`` is a
    `RawChatOpenAI` (or one bound to tools and parameters) that nothing observes."""
    model, kwargs = unbound(runnable)
    if isinstance(model, RawChatOpenAI) and model.unobserved():
        return await model.ainvoke_direct(messages, **kwargs)
    return await runnable.ainvoke(messages)
