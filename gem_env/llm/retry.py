"""Which failures are worth retrying, how long to wait, and how to say what went wrong."""
from __future__ import annotations

import random

import openai

from gem_env.llm.errors import MalformedResponse, StalledGeneration


def is_transient(exc: BaseException) -> bool:
    """Timeouts, connection errors, 429, 5xx and broken 200 responses; not other 4xx, not bugs."""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError | openai.APIResponseValidationError | MalformedResponse
                                 | StalledGeneration)


def backoff_delay(attempt: int, rng: random.Random, base: float, cap: float, exc: BaseException) -> float:
    """Exponential backoff with equal jitter, never shorter than a server's ``Retry-After``."""
    ceiling = min(cap, base * 2.0**attempt)
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    return max(delay, min(cap, _retry_after(exc) or 0.0))


def describe(exc: BaseException) -> str:
    """One line saying what failed, for error messages."""
    if isinstance(exc, openai.APIStatusError):
        return _first_line(str(exc))  # "Error code: 429 - <the server's message>"
    if isinstance(exc, openai.APITimeoutError):
        return "request timed out"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        if "Timeout" in type(cause).__name__:  # httpx's ReadTimeout, ConnectTimeout: no message of their own
            return f"request timed out ({type(cause).__name__})"
        return _first_line(f"connection failed: {str(cause) or type(cause).__name__}")
    if isinstance(exc, StalledGeneration):
        return _first_line(f"stalled: {exc}")
    if isinstance(exc, MalformedResponse):
        return _first_line(f"malformed response: {exc}")
    return _first_line(f"{type(exc).__name__}: {exc}")


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _retry_after(exc: BaseException) -> float | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:  # an HTTP date: rare from LLM servers, fall back to our own backoff
        return None
    return None
