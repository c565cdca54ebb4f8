"""Errors that are the user's to fix; the CLI prints them as one line."""
from __future__ import annotations

from .llm.errors import LLMUnavailable
from .tools.errors import CompileError, DomainError


class GemError(Exception):
    """A clear, user-facing problem (bad input, bad configuration)."""


UserError = (GemError, DomainError, CompileError, FileNotFoundError, LLMUnavailable)
"""What the CLI reports as one line (an unavailable endpoint included: rerun with --resume)."""
