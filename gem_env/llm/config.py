"""Endpoint configuration and the LangChain chat model built from it."""
from __future__ import annotations

import os
import urllib.parse
import urllib.request
from typing import Any, Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from gem_env.llm.transport import PlainCompletions, RawChatOpenAI, RawHTTP, completion_from_text

DUMMY_API_KEY = "EMPTY"


class LLMConfig(BaseModel):
    """Any OpenAI-compatible chat endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp server).

    Time limits, so that a slow but live generation is not killed and a dead one is: ``connect_timeout``
    to open a connection; ``first_token_timeout`` from sending the request to the first streamed
    token (queue wait plus prompt processing; default: ``timeout``); ``stall_timeout`` between two
    streamed chunks (default: ``first_token_timeout``); ``timeout`` for the whole request. With
    ``stream`` off the reply comes whole and only ``connect_timeout`` and ``timeout`` apply. With it
    on, a request streams only when a first-token or stall limit is shorter than ``timeout``
    (`streams`): otherwise streaming times nothing the whole-request limit does not, and costs
    about 1.5 ms more client CPU per call (a chunk object per token, merged).
    ``structured`` picks the ``response_format`` of structured calls (see ``llm.structured``).
    ``max_context`` is the model's context in tokens, when known better than the server says.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = Field(default=0.0, ge=0.0)
    seed: int | None = None
    timeout: float = Field(default=600.0, gt=0)
    connect_timeout: float = Field(default=10.0, gt=0)
    first_token_timeout: float | None = Field(default=None, gt=0)
    stall_timeout: float | None = Field(default=None, gt=0)
    stream: bool = True
    structured: Literal["auto", "json_schema", "json_object", "none"] = "auto"
    max_context: int | None = Field(default=None, gt=0)
    max_retries: int = Field(default=4, ge=0)
    retry_base_delay: float = Field(default=0.5, ge=0)
    retry_max_delay: float = Field(default=20.0, ge=0)
    max_tokens: int | None = Field(default=None, gt=0)
    concurrency: int = Field(default=8, ge=1)
    cache_dir: str | None = None

    def api_key(self) -> str:
        """The key from ``api_key_env``, or a dummy one: local servers do not check it."""
        return os.environ.get(self.api_key_env) or DUMMY_API_KEY

    def first_token_limit(self) -> float:
        return min(self.timeout, self.first_token_timeout or self.timeout)

    def stall_limit(self) -> float:
        return min(self.timeout, self.stall_timeout or self.first_token_limit())

    def streams(self) -> bool:
        """Whether requests stream: ``stream`` on and a first-token or stall limit to enforce."""
        return self.stream and min(self.first_token_limit(), self.stall_limit()) < self.timeout

    def endpoint(self) -> str:
        """A short description for error messages."""
        return f"{self.base_url or 'the default OpenAI endpoint'} (model {self.model!r})"


def make_chat_model(cfg: LLMConfig, share_with: RawChatOpenAI | None = None) -> RawChatOpenAI:
    """A ``ChatOpenAI`` for ``cfg`` with its own async HTTP client and no SDK-level retries.

    Retries are ``LLMClient``'s job; broken 200 responses raise ``MalformedResponse`` from an HTTP
    response hook so that they can be told apart from bugs. The HTTP client is bound to the event
    loop that first uses it, so build one model per loop. A model made ``share_with`` another
    sends its plain calls over that one's connections and encodings (`RawChatOpenAI.share_raw`).
    """
    timeout = _http_timeout(cfg)
    http_client = openai.DefaultAsyncHttpxClient(  # SDK defaults: pool of 1000 connections
        timeout=timeout, event_hooks={"response": [_reject_malformed]}
    )
    model = RawChatOpenAI(
        model=cfg.model,
        base_url=cfg.base_url,
        api_key=SecretStr(cfg.api_key()),
        temperature=cfg.temperature,
        seed=cfg.seed,
        **_token_limit(cfg),
        timeout=timeout,
        max_retries=0,
        stream_usage=True,  # token counts in streamed replies too
        stream_chunk_timeout=None,  # LLMClient times first token, stalls and the total itself
        use_responses_api=False,  # local servers only speak chat completions
        http_async_client=http_client,
    )
    model.async_client = PlainCompletions(model.root_async_client)
    base_url = str(model.root_async_client.base_url)
    if share_with is not None:
        model.share_raw(share_with)
    elif not _proxied(base_url):  # the SDK's client honours HTTP(S)_PROXY; our own connections do not
        model.use_raw(RawHTTP(base_url, cfg.api_key(), cfg.connect_timeout, cfg.timeout,
                              model.root_async_client._make_status_error_from_response))
    return model


def _proxied(url: str) -> bool:
    """Whether the environment routes requests to `url` through a proxy (``HTTPS_PROXY`` and the
    like, minus ``NO_PROXY``)."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(parts.hostname or "")


def _http_timeout(cfg: LLMConfig) -> openai.Timeout:
    """Transport limits: streamed reads wait at most for the first token or a stall (LLMClient
    enforces both precisely); a whole reply may take the total."""
    read = max(cfg.first_token_limit(), cfg.stall_limit()) if cfg.streams() else cfg.timeout
    return openai.Timeout(cfg.timeout, connect=cfg.connect_timeout, read=read + 1.0, write=cfg.connect_timeout + 20,
                          pool=cfg.timeout)


def _token_limit(cfg: LLMConfig) -> dict[str, Any]:
    """ChatOpenAI sends ``max_completion_tokens``, which some local servers ignore; they get ``max_tokens``."""
    if cfg.max_tokens is None:
        return {}
    if cfg.base_url:
        return {"extra_body": {"max_tokens": cfg.max_tokens}}
    return {"max_completion_tokens": cfg.max_tokens}


async def _reject_malformed(response: Any) -> None:
    """Raise ``MalformedResponse`` for a non-streamed 200 chat completion without usable choices.

    ``response`` is an ``httpx`` or ``httpx2`` response, whichever the installed openai SDK uses.
    """
    request = response.request
    if response.status_code != 200 or not request.url.path.endswith("/chat/completions"):
        return
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return
    await response.aread()
    completion_from_text(response.text)
