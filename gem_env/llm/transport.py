"""Chat completions sent as the plain JSON LangChain already built.

The openai SDK walks every request through a recursive TypedDict transform (aliases, dates, files)
that chat requests do not need; with a growing history and a dozen tool schemas it cost ~5 ms of
CPU per call, the largest part of a rollout's client time at high concurrency. `PlainCompletions`
keeps everything else of the SDK — HTTP client, auth, errors, response parsing — and skips that
walk.
"""
from __future__ import annotations

from typing import Any

from openai import AsyncStream, NotGiven, Omit, not_given
from openai._base_client import make_request_options
from openai.resources.chat.completions import AsyncCompletions
from openai.types.chat import ChatCompletion, ChatCompletionChunk


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
