"""Errors of the LLM layer. Model misbehaviour is data (see ``StructuredResult``); these are not."""
from __future__ import annotations

import re

from gem_env.llm.usage import Usage


class LLMUnavailable(RuntimeError):
    """The endpoint kept failing (timeouts, 429, 5xx, broken responses) after all retries.

    ``usage`` holds what the failed request cost, and for a structured call also the calls made
    before it, so a caller can account for every call even when it ends in this error.
    """

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class LLMRequestRejected(LLMUnavailable):
    """The endpoint refused the request with a 4xx other than 429 (bad key, unknown model, too long)."""


class LLMContextExceeded(LLMUnavailable):
    """The prompt (plus the tokens asked for) is longer than the model's context: a property of
    one document or conversation, so it rejects that one and never ends a run.

    ``context`` is the model's context length in tokens when the server said it, else ``None``.
    """

    def __init__(self, message: str, context: int | None = None, usage: Usage | None = None) -> None:
        super().__init__(message, usage)
        self.context = context


class MalformedResponse(Exception):
    """A 200 response that is not a usable chat completion; retried like a transient failure."""


class StalledGeneration(Exception):
    """A streamed reply whose first token, or next chunk, did not come in time; retried after the
    stream is closed (closing it tells the server to stop generating)."""


_CONTEXT_MESSAGE = re.compile(
    r"context length|context window|maximum context|context_length_exceeded|exceeds? the (?:model'?s? )?context|"
    r"too many tokens|prompt is too long|n_ctx|longer than the model",
    re.IGNORECASE,
)
_CONTEXT_NUMBER = re.compile(r"(?:context length|context window|n_ctx\w*)\D{0,20}?(\d{3,7})", re.IGNORECASE)


def context_overflow(message: str) -> tuple[bool, int | None]:
    """Whether a server's 4xx message says the prompt is over the context, and the context if given."""
    if not _CONTEXT_MESSAGE.search(message):
        return False, None
    number = _CONTEXT_NUMBER.search(message)
    return True, int(number.group(1)) if number else None
