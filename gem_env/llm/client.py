"""``LLMClient``: one endpoint with a concurrency limit, retries, a response cache and accounting."""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from gem_env.llm.cache import ResponseCache, request_key
from gem_env.llm.config import LLMConfig, make_chat_model
from gem_env.llm.errors import LLMRequestRejected, LLMUnavailable
from gem_env.llm.retry import backoff_delay, describe, is_transient
from gem_env.llm.structured import (
    StructuredResult,
    parse_reply,
    reask_message,
    schema_instructions,
    with_instructions,
)
from gem_env.llm.usage import Usage

M = TypeVar("M", bound=BaseModel)


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
        self._model: BaseChatModel | None = None
        self._semaphore: asyncio.Semaphore | None = None

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
                return cached, self._record(Usage(cache_hits=1, seconds=time.perf_counter() - started))
        model, semaphore = self._bound()
        runnable: Runnable[Any, Any] = model
        if tools:
            runnable = model.bind_tools(tools, **params)
        elif params:
            runnable = model.bind(**params)
        async with semaphore:
            started = time.perf_counter()
            reply, retries = await self._invoke(runnable, list(messages))
            seconds = time.perf_counter() - started
        if cache is not None and key is not None:
            cache.put(key, reply)
        tokens = reply.usage_metadata
        usage = Usage(
            calls=1,
            retries=retries,
            prompt_tokens=tokens["input_tokens"] if tokens else 0,
            completion_tokens=tokens["output_tokens"] if tokens else 0,
            seconds=seconds,
        )
        return reply, self._record(usage)

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
        conversation = with_instructions(messages, schema_instructions(schema))
        usage = Usage()
        attempts = 0
        error: str | None = None
        while attempts <= max_reasks:
            reply, call_usage = await self.chat(conversation)
            usage += call_usage
            attempts += 1
            value, error = parse_reply(reply.text, schema)
            if value is not None and check is not None:
                error = check(value)
            if error is None:
                return StructuredResult(value=value, error=None, attempts=attempts, usage=usage)
            conversation = [*conversation, AIMessage(content=reply.text), HumanMessage(content=reask_message(error))]
        return StructuredResult(value=None, error=error, attempts=attempts, usage=usage)

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client and the cache; the client is not usable afterwards."""
        client = getattr(self._model, "http_async_client", None) if self._injected is None else None
        if client is not None:
            await client.aclose()
        if self._cache is not None:
            self._cache.close()

    def _bound(self) -> tuple[BaseChatModel, asyncio.Semaphore]:
        """The chat model and semaphore for the running event loop."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._model is None or self._semaphore is None:
            self._loop = loop
            self._model = self._injected or make_chat_model(self.cfg)
            self._semaphore = asyncio.Semaphore(self.cfg.concurrency)
        return self._model, self._semaphore

    async def _invoke(self, runnable: Runnable[Any, Any], messages: list[BaseMessage]) -> tuple[AIMessage, int]:
        """The reply and the number of failed attempts before it."""
        attempt = 0
        while True:
            try:
                reply = await runnable.ainvoke(messages)
            except Exception as exc:
                self._raise_unless_retryable(exc, attempt)
                delay = backoff_delay(attempt, self._rng, self.cfg.retry_base_delay, self.cfg.retry_max_delay, exc)
                await asyncio.sleep(delay)
                attempt += 1
                continue
            if not isinstance(reply, AIMessage):
                raise TypeError(f"chat model returned {type(reply).__name__}, expected AIMessage")
            return reply, attempt

    def _raise_unless_retryable(self, exc: Exception, attempt: int) -> None:
        if isinstance(exc, openai.APIStatusError) and not is_transient(exc):
            raise LLMRequestRejected(
                f"LLM endpoint {self.cfg.endpoint()} rejected the request: {describe(exc)}"
            ) from exc
        if not is_transient(exc):
            raise exc
        if attempt >= self.cfg.max_retries:
            raise LLMUnavailable(
                f"LLM endpoint {self.cfg.endpoint()} failed {attempt + 1} times; last error: {describe(exc)}"
            ) from exc

    def _record(self, usage: Usage) -> Usage:
        self.usage += usage
        return usage
