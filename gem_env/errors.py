"""Errors that are the user's to fix; the CLI prints them as one line.

Nothing heavy is imported here (`gem --help` must stay fast): the LLM and sandbox error types are
looked up only when an error is being reported.
"""
from __future__ import annotations

from typing import Any


class GemError(Exception):
    """A clear, user-facing problem (bad input, bad configuration). Exit status 2."""

    exit_code = 2


class RunIncomplete(GemError):
    """A run ended with documents left to do (their endpoint was down); ``--resume`` does them."""

    exit_code = 1


def user_error_types() -> tuple[type[BaseException], ...]:
    """What the CLI reports as one line (an unavailable endpoint included: rerun with --resume)."""
    from .llm.errors import LLMUnavailable
    from .tools.errors import CompileError, DomainError
    return (GemError, DomainError, CompileError, FileNotFoundError, LLMUnavailable)


def __getattr__(name: str) -> Any:  # `UserError`, as before, without importing it eagerly
    if name == "UserError":
        return user_error_types()
    raise AttributeError(name)
