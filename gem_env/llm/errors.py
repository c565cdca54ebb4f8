"""Errors of the LLM layer. Model misbehaviour is data (see ``StructuredResult``); these are not."""
from __future__ import annotations


class LLMUnavailable(RuntimeError):
    """The endpoint kept failing (timeouts, 429, 5xx, broken responses) after all retries."""


class LLMRequestRejected(LLMUnavailable):
    """The endpoint refused the request with a 4xx other than 429 (bad key, unknown model, too long)."""


class MalformedResponse(Exception):
    """A 200 response that is not a usable chat completion; retried like a transient failure."""
