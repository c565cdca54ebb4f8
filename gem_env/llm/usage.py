"""Cost accounting for LLM calls."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Usage(BaseModel):
    """Calls, cache hits, retries, tokens and seconds; ``a + b`` sums every field.

    ``calls`` counts replies obtained from the endpoint (a cache hit is not a call); ``retries``
    counts failed attempts that were retried; ``seconds`` is time spent calling the endpoint,
    excluding the wait for a concurrency slot. ``failed`` counts requests given up on (after
    their retries); ``tool_calls_native`` and ``tool_calls_parsed`` count the tool calls of replies
    as the server sent them and as parsed from their text; ``calls_without_tokens`` the replies
    that carried no token counts (llama.cpp's server streams none), whose tokens are not in the sums.
    """

    model_config = ConfigDict(frozen=True)

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    tool_calls_native: int = 0
    tool_calls_parsed: int = 0
    calls_without_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{name: getattr(self, name) + getattr(other, name) for name in Usage.model_fields})


COST_KEYS = ("calls", "prompt_tokens", "completion_tokens", "calls_without_tokens")
"""What a trajectory, a document and a run record of their LLM calls."""


def reported(counts: dict[str, int]) -> dict[str, int]:
    """``counts`` as recorded: ``calls_without_tokens`` only when some call had none (an offline
    run's records, and a run against a server that counts tokens, read as they always have)."""
    return {k: v for k, v in counts.items() if v or k != "calls_without_tokens"}
