"""``LLMClient``: one endpoint with a concurrency limit, retries, a response cache and accounting."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import weakref
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableBinding
from pydantic import BaseModel

from gem_env.llm.cache import ResponseCache, request_key
from gem_env.llm.config import LLMConfig, make_chat_model
from gem_env.llm.errors import (
    LLMContextExceeded,
    LLMRequestRejected,
    LLMUnavailable,
    StalledGeneration,
    context_overflow,
)
from gem_env.llm.retry import backoff_delay, describe, is_transient
from gem_env.llm.structured import (
    NEXT_MODE,
    StructuredMode,
    StructuredResult,
    parse_reply,
    reask_message,
    reply_excerpt,
    response_format,
    schema_instructions,
    with_instructions,
)
from gem_env.llm.toolparse import PARSED_KEY, may_hold_calls, with_text_tool_calls
from gem_env.llm.plain_chat import plain_reply
from gem_env.llm.transport import RawChatOpenAI, ainvoke, unbound
from gem_env.llm.usage import Usage

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
log = logging.getLogger("gem_env.llm")
TOOL_BINDINGS = 128
"""Tool schema sets bound per client (each for every shard); all are dropped when it fills up."""


class _TooLong(Exception):
    """A live generation still running when the total timeout came: not retried (it would again)."""


class _EmptyStream(Exception):
    """A stream that ended without a chunk: the request goes again unstreamed, whose answer (a
    reply, or an error to classify) says what the stream did not."""


class LLMClient:
    """Async chat calls to the endpoint of ``cfg``, or to an injected LangChain chat ``model``.

    ``usage`` is the running total over all calls; each call also returns its own ``Usage`` so
    callers can account per document. The HTTP client and semaphore belong to one event loop; a
    client used from a new loop (another ``asyncio.run``) builds fresh ones, abandoning the old
    connections. Close it with ``aclose()`` or ``async with`` in the loop that used it last. An
    injected ``model`` is used as it is.
    """

    def __init__(self, cfg: LLMConfig, model: BaseChatModel | None = None) -> None:
        self.cfg = cfg
        self.usage = Usage()
        self._injected = model
        self._cache = ResponseCache(cfg.cache_dir) if cfg.cache_dir else None
        self._rng = random.Random(cfg.seed or 0)  # backoff jitter, never the global RNG
        self._loop: asyncio.AbstractEventLoop | None = None
        self._models: list[BaseChatModel] = []
        self._tool_bindings: dict[tuple[int, ...], tuple[tuple[dict[str, Any], ...], dict[int, Runnable[Any, Any]]]] = {}
        """schema ids -> (the schemas, kept alive; the binding per shard model id): `_bound_to_tools`."""
        self._in_flight: list[int] = []
        self._semaphore: asyncio.Semaphore | None = None
        self.structured_mode: StructuredMode = "json_schema" if cfg.structured == "auto" else cfg.structured
        """The ``response_format`` structured calls use now; ``auto`` steps down on a refusal."""
        self.fallbacks: list[str] = []
        """Why ``structured_mode`` stepped down, one line per step."""

    async def chat(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any]] | None = None,
        **params: Any,
    ) -> tuple[AIMessage, Usage]:
        """One reply, from the cache or the endpoint, with retries on transient failures.

        ``tools`` are OpenAI function schemas, bound with ``bind_tools``; ``params`` go to
        ``bind_tools`` (``tool_choice``, ...) or ``bind`` (``stop``, ...) and are part of the cache key.
        Raises ``LLMUnavailable`` when the endpoint keeps failing, ``LLMRequestRejected`` on a 4xx.
        """
        cache, key = self._cache, None
        if cache is not None:
            started = time.perf_counter()
            key = request_key(self.cfg, messages, tools, params)
            cached = cache.get(key)
            if cached is not None:
                reply = self._with_parsed_calls(cached, tools)
                return reply, self._record(Usage(cache_hits=1, seconds=time.perf_counter() - started,
                                                 **_call_counts(reply)))
        models, semaphore = self._bound()
        async with semaphore:
            shard = min(range(len(models)), key=self._in_flight.__getitem__)
            runnable = self._runnable(models[shard], tools, params)
            reply, retries, seconds = await self._on_shard(shard, lambda: self._invoke(runnable, list(messages)))
        if cache is not None and key is not None:
            cache.put(key, reply)
        reply = self._with_parsed_calls(reply, tools)
        return reply, self._record(_usage_of(reply, retries, seconds))

    async def _on_shard(self, shard: int, call: Callable[[], Awaitable[tuple[Any, int]]]) -> tuple[Any, int, float]:
        """(reply, retries, seconds) of `call` run on `shard`, counted in flight there; a call that
        fails for good records its failure and time on the error's usage."""
        self._in_flight[shard] += 1
        started = time.perf_counter()
        try:
            reply, retries = await call()
        except LLMUnavailable as err:
            err.usage = self._record(err.usage + Usage(failed=1, seconds=time.perf_counter() - started))
            raise
        finally:
            self._in_flight[shard] -= 1
        return reply, retries, time.perf_counter() - started

    async def chat_plain(self, messages_json: str, tools: Sequence[dict[str, Any]] | None, first_call: int = 0
                         ) -> tuple[dict[str, Any] | AIMessage, Usage] | None:
        """`chat` for a tool-calling agent's conversation given as the JSON of its request messages
        (`plain_chat.ConversationJSON`): the same request, retries, errors and accounting, and the
        reply as the OpenAI assistant message `to_openai` would make of ``chat``'s (tool calls
        without an id numbered from ``first_call``), or as ``chat``'s ``AIMessage`` when it is not
        plain (`plain_chat.plain_reply`). None, with nothing sent, where the request would not go
        as a plain call over our own HTTP (a response cache, an injected model, streaming, a
        LangChain callback or tracer): then use `chat`."""
        if self._cache is not None or self._injected is not None or self.cfg.streams():
            return None
        models, semaphore = self._bound()
        async with semaphore:
            shard = min(range(len(models)), key=self._in_flight.__getitem__)
            model, kwargs = unbound(self._runnable(models[shard], tools, {}))
            request = model.plain_request(kwargs) if isinstance(model, RawChatOpenAI) else None
            if request is None:
                return None

            async def send() -> tuple[dict[str, Any], int, int] | AIMessage:
                completion = await request.send(messages_json)
                return plain_reply(completion, first_call) or self._with_parsed_calls(model.message_of(completion), tools)
            reply, retries, seconds = await self._on_shard(shard, lambda: self._retrying(send))
        if isinstance(reply, AIMessage):
            return reply, self._record(_usage_of(reply, retries, seconds))
        message, prompt_tokens, completion_tokens = reply
        return message, self._record(Usage(calls=1, retries=retries, prompt_tokens=prompt_tokens or 0,
                                           completion_tokens=completion_tokens or 0, seconds=seconds,
                                           calls_without_tokens=int(prompt_tokens is None),
                                           tool_calls_native=len(message.get("tool_calls", ()))))

    def _runnable(self, model: BaseChatModel, tools: Sequence[dict[str, Any]] | None,
                  params: dict[str, Any]) -> Runnable[Any, Any]:
        """The model bound to ``tools`` and ``params``; ``response_format`` goes in the raw request
        body, so that langchain-openai does not switch to the SDK's parse helpers."""
        params = dict(params)
        if "response_format" in params:
            extra = dict(getattr(model, "extra_body", None) or {})
            extra["response_format"] = params.pop("response_format")
            params["extra_body"] = extra
        if tools and not params:
            return self._bound_to_tools(model, tools)
        if tools:
            return model.bind_tools(tools, **params)
        return model.bind(**params) if params else model

    def _bound_to_tools(self, model: BaseChatModel, tools: Sequence[dict[str, Any]]) -> Runnable[Any, Any]:
        """``model.bind_tools(tools)``, made once per set of schema objects and shared by the shards.

        An agent sends the same schema dicts every turn; binding converts each one again and hands
        the request a new list, so its encoding could not be reused either (`RawHTTP` keeps the
        encoded text of a bound list). The other shards get the first binding's converted list
        (the shards are one configuration), so it is converted and encoded once, not per shard.
        Keyed by the schemas' identity, which the entry keeps alive."""
        key = tuple(map(id, tools))
        hit = self._tool_bindings.get(key)
        if hit is None or not all(a is b for a, b in zip(hit[0], tools)):
            if len(self._tool_bindings) >= TOOL_BINDINGS:
                self._tool_bindings.clear()
            hit = self._tool_bindings[key] = (tuple(tools), {})
        per_model = hit[1]
        runnable = per_model.get(id(model))
        if runnable is None:
            first = next(iter(per_model.values()), None)
            runnable = model.bind_tools(tools) if not isinstance(first, RunnableBinding) else \
                RunnableBinding(bound=model, kwargs=first.kwargs)
            per_model[id(model)] = runnable
        return runnable

    @staticmethod
    def _with_parsed_calls(reply: AIMessage, tools: Sequence[dict[str, Any]] | None) -> AIMessage:
        if not tools or reply.tool_calls or reply.invalid_tool_calls or not may_hold_calls(reply.content):
            return reply  # nothing to parse: the tool names are not needed
        names = {t.get("function", {}).get("name") for t in tools if isinstance(t, dict)}
        return with_text_tool_calls(reply, {n for n in names if isinstance(n, str)})

    async def structured(
        self,
        messages: Sequence[BaseMessage],
        schema: type[M],
        check: Callable[[M], str | None] | None = None,
        max_reasks: int = 2,
    ) -> StructuredResult[M]:
        """A ``schema`` instance from the model, re-asking with the exact error up to ``max_reasks`` times.

        ``check`` may reject a valid instance by returning an error (e.g. a compile error). Model
        misbehaviour ends in ``value=None`` with the last error; only ``chat``'s errors propagate.
        """
        base = with_instructions(messages, schema_instructions(schema))
        conversation = base
        usage = Usage()
        attempts = 0
        error: str | None = None
        while attempts <= max_reasks:
            try:
                reply, call_usage = await self._structured_call(conversation, schema)
            except LLMUnavailable as err:
                err.usage = usage + err.usage
                raise
            usage += call_usage
            attempts += 1
            value, error = parse_reply(reply.text, schema)
            if value is not None and check is not None:
                error = check(value)
            if error is None:
                return StructuredResult(value=value, error=None, attempts=attempts, usage=usage,
                                        mode=self.structured_mode)
            conversation = [*base, AIMessage(content=reply_excerpt(reply.text, error)),
                            HumanMessage(content=reask_message(error))]
        return StructuredResult(value=None, error=error, attempts=attempts, usage=usage, mode=self.structured_mode)

    async def _structured_call(self, conversation: list[BaseMessage], schema: type[BaseModel]) -> tuple[AIMessage, Usage]:
        """One structured request in the current mode; with ``auto``, a refused ``response_format``
        steps the mode down (json_schema, json_object, none) and the request goes again."""
        while True:
            mode = self.structured_mode
            rf = response_format(mode, schema)
            try:
                return await self.chat(conversation, **({"response_format": rf} if rf else {}))
            except LLMContextExceeded:
                raise
            except LLMRequestRejected as err:
                if rf is None or self.cfg.structured != "auto":
                    raise
                if self.structured_mode != mode:  # another call in flight stepped down meanwhile
                    continue
                step = NEXT_MODE[mode]
                reason = (f"{self.cfg.endpoint()} refused response_format {mode} ({err}); "
                          f"structured calls use {step} from now on")
                log.warning("%s", reason)
                self.fallbacks.append(reason)
                self.structured_mode = step

    async def context_length(self) -> int | None:
        """The model's context in tokens: ``max_context``, else what the server's ``/v1/models``
        says (vLLM's ``max_model_len``, llama.cpp's ``meta.n_ctx``, ...), else None. Asked once."""
        if self.cfg.max_context is not None:
            return self.cfg.max_context
        if not hasattr(self, "_context"):
            self._context = await self._served_context()
        return self._context

    async def _served_context(self) -> int | None:
        models, _ = self._bound()
        client = getattr(models[0], "root_async_client", None)
        if client is None:
            return None
        try:
            listing = await client.models.list()
        except Exception as exc:  # noqa: BLE001 -- metadata is optional; the request itself will tell
            log.info("no context length from %s: %s", self.cfg.endpoint(), describe(exc))
            return None
        for entry in listing.data:
            if entry.id == self.cfg.model or len(listing.data) == 1:
                return _context_of(entry.model_dump())
        return None

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client and the cache; the client is not usable afterwards."""
        for model in self._models if self._injected is None else ():
            client = getattr(model, "http_async_client", None)
            if client is not None:
                await client.aclose()
            close_transport = getattr(model, "aclose_transport", None)
            if close_transport is not None:
                await close_transport()
        if self._cache is not None:
            self._cache.close()

    def _bound(self) -> tuple[list[BaseChatModel], asyncio.Semaphore]:
        """The chat models (one per connection-pool shard) and semaphore for the running event loop.

        httpcore scans every connection of its pool (a socket poll each) to place each request, so a
        request's client CPU grows with the connections open: with 256 in flight in one pool that
        scan cost ~4 ms a request. Requests are spread over `shards` models, each with its own HTTP
        client of about `SHARD_CONNECTIONS` connections, to the one with the fewest in flight
        (shards of 8 measured 0.2-0.6 ms a call cheaper than shards of 32, at 32 and 256 in flight)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or not self._models or self._semaphore is None:
            self._loop = loop
            if self._injected is not None:
                self._models = [self._injected]
                self._semaphore = asyncio.Semaphore(self.cfg.concurrency)
            else:
                first = make_chat_model(self.cfg)
                self._models = [first, *(make_chat_model(self.cfg, share_with=first)
                                         for _ in range(shards(self.cfg.concurrency) - 1))]
                self._semaphore = _endpoint_slots(loop, self.cfg)
            self._in_flight = [0] * len(self._models)
            self._tool_bindings.clear()
        return self._models, self._semaphore

    async def _invoke(self, runnable: Runnable[Any, Any], messages: list[BaseMessage]) -> tuple[AIMessage, int]:
        """The reply and the number of failed attempts before it (`_retrying`)."""
        async def send() -> AIMessage:
            streamed = self.cfg.streams() and self._injected is None
            try:
                reply = await (self._stream(runnable, messages) if streamed else ainvoke(runnable, messages))
            except _EmptyStream:  # a server that failed inside the stream (llama.cpp's, on a prompt
                reply = await ainvoke(runnable, messages)  # too long) says why when asked whole
            if not isinstance(reply, AIMessage):
                raise TypeError(f"chat model returned {type(reply).__name__}, expected AIMessage")
            return reply
        return await self._retrying(send)

    async def _retrying(self, send: Callable[[], Awaitable[R]]) -> tuple[R, int]:
        """What ``send()`` returns and the number of failed attempts before it.

        A failed attempt's connection is closed before the next one, so the server stops working
        on a request nobody waits for; the next waits a jittered backoff.
        """
        attempt = 0
        while True:
            try:
                reply = await send()
            except _TooLong as exc:
                raise LLMUnavailable(f"LLM endpoint {self.cfg.endpoint()}: {exc}", Usage(retries=attempt)) from exc
            except Exception as exc:
                self._raise_unless_retryable(exc, attempt)
                delay = backoff_delay(attempt, self._rng, self.cfg.retry_base_delay, self.cfg.retry_max_delay, exc)
                await asyncio.sleep(delay)
                attempt += 1
                continue
            return reply, attempt

    async def _stream(self, runnable: Runnable[Any, Any], messages: list[BaseMessage]) -> AIMessage:
        """The streamed reply, put together; ``StalledGeneration`` when the first token or a next
        chunk is late, ``_TooLong`` when a live generation outlasts the total timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cfg.timeout
        chunks = runnable.astream(messages).__aiter__()
        merged: AIMessageChunk | None = None
        try:
            while True:
                started = merged is not None and bool(merged.content or merged.tool_call_chunks)
                wait = self.cfg.stall_limit() if started else self.cfg.first_token_limit()
                remaining = max(deadline - loop.time(), 0.0)
                try:
                    chunk = await _next_within(chunks, min(wait, remaining))
                except StopAsyncIteration:
                    break
                except ValueError:  # LangChain's "No generation chunks were returned"
                    if merged is None:
                        raise _EmptyStream() from None
                    raise
                except TimeoutError:
                    if started and remaining <= wait:
                        raise _TooLong(f"the reply was still being generated after the total timeout of "
                                       f"{self.cfg.timeout:g} s; raise --llm-timeout or lower --max-tokens") from None
                    what = "no chunk for" if started else "no first token within"
                    raise StalledGeneration(f"{what} {wait:g} s") from None
                merged = chunk if merged is None else merged + chunk
        finally:
            await chunks.aclose()  # closes the HTTP stream: the server stops generating
        if merged is None:
            raise _EmptyStream()
        return _whole_message(merged)

    def _raise_unless_retryable(self, exc: Exception, attempt: int) -> None:
        if isinstance(exc, openai.APIStatusError) and "response_format" in str(exc):
            # llama-cpp-python answers a response_format it does not know with a 500: a refusal all the same
            raise LLMRequestRejected(
                f"LLM endpoint {self.cfg.endpoint()} rejected the request: {describe(exc)}", Usage(retries=attempt)
            ) from exc
        if isinstance(exc, openai.APIStatusError) and not is_transient(exc):
            overflow, context = context_overflow(str(exc))
            if overflow and exc.status_code in (400, 413, 422):
                raise LLMContextExceeded(
                    f"the prompt is longer than the model's context"
                    f"{f' ({context} tokens)' if context else ''}: {describe(exc)}", context, Usage(retries=attempt)
                ) from exc
            raise LLMRequestRejected(
                f"LLM endpoint {self.cfg.endpoint()} rejected the request: {describe(exc)}", Usage(retries=attempt)
            ) from exc
        if not is_transient(exc):
            raise exc
        if attempt >= self.cfg.max_retries:
            raise LLMUnavailable(
                f"LLM endpoint {self.cfg.endpoint()} failed {attempt + 1} times; last error: {describe(exc)}",
                Usage(retries=attempt),
            ) from exc

    def _record(self, usage: Usage) -> Usage:
        self.usage += usage
        return usage


async def _next_within(chunks: Any, seconds: float) -> Any:
    """The next chunk, or ``TimeoutError`` after ``seconds``.

    A chunk that arrived while the event loop was busy elsewhere (compiling a domain, say) is
    still taken: on time-out the loop gets one short turn to read what is already in the socket.
    """
    task = asyncio.ensure_future(chunks.__anext__())
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        done, _ = await asyncio.wait({task}, timeout=min(0.05, seconds / 10 + 0.001))
    if not done:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
            await task
        raise TimeoutError
    return task.result()


SHARD_CONNECTIONS = 8
"""Requests in flight per HTTP client before another one is used (see `LLMClient._bound`)."""


def shards(concurrency: int) -> int:
    """How many HTTP clients carry ``concurrency`` requests in flight."""
    return max(1, -(-concurrency // SHARD_CONNECTIONS))


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = \
    weakref.WeakKeyDictionary()


def _endpoint_slots(loop: asyncio.AbstractEventLoop, cfg: LLMConfig) -> asyncio.Semaphore:
    """The semaphore of ``cfg``'s endpoint in ``loop``: clients of one server (the agent, the user
    and the stages on one vLLM, say) share ``concurrency`` requests in flight, as the server sees
    them. The first client of an endpoint sets the limit."""
    slots = _SLOTS.setdefault(loop, {})
    key = cfg.base_url or "openai"
    if key not in slots:
        slots[key] = asyncio.Semaphore(cfg.concurrency)
    return slots[key]


def _whole_message(merged: AIMessageChunk) -> AIMessage:
    """The streamed chunks as one message, tool-call arguments parsed strictly (LangChain's
    partial-JSON parser would turn a cut-off ``{"order_id": "A`` into a valid call)."""
    calls, invalid = [], []
    for chunk in merged.tool_call_chunks:
        raw = chunk.get("args") or ""
        try:
            args = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as err:
            args, error = None, f"arguments are not JSON: {err.msg}"
        else:
            error = None if isinstance(args, dict) else "arguments are not a JSON object"
        if error is None:
            calls.append({"name": chunk.get("name") or "", "args": args, "id": chunk.get("id"), "type": "tool_call"})
        else:
            invalid.append({"name": chunk.get("name"), "args": raw, "id": chunk.get("id"), "error": error,
                            "type": "invalid_tool_call"})
    return AIMessage(content=merged.content, tool_calls=calls, invalid_tool_calls=invalid, id=merged.id,
                     usage_metadata=merged.usage_metadata, response_metadata=merged.response_metadata,
                     additional_kwargs={k: v for k, v in merged.additional_kwargs.items() if k != "tool_calls"})


def _usage_of(reply: AIMessage, retries: int, seconds: float) -> Usage:
    """One call's usage: its reply's token counts and tool calls."""
    tokens = reply.usage_metadata
    return Usage(calls=1, retries=retries, prompt_tokens=tokens["input_tokens"] if tokens else 0,
                 completion_tokens=tokens["output_tokens"] if tokens else 0, seconds=seconds,
                 calls_without_tokens=0 if tokens else 1, **_call_counts(reply))


def _call_counts(reply: AIMessage) -> dict[str, int]:
    """Tool calls in ``reply``: as the server sent them, and parsed from the text."""
    parsed = int(reply.response_metadata.get(PARSED_KEY, 0) or 0)
    total = len(reply.tool_calls) + len(reply.invalid_tool_calls)
    return {"tool_calls_native": total - parsed, "tool_calls_parsed": parsed}


def _context_of(entry: dict[str, Any]) -> int | None:
    """The context length in a ``/v1/models`` entry, in the fields servers use for it."""
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    for value in (entry.get("max_model_len"), entry.get("context_length"), entry.get("context_window"),
                  entry.get("max_context_length"), meta.get("n_ctx"), meta.get("n_ctx_train")):
        if isinstance(value, int) and value > 0:
            return value
    return None
