"""Exceptions for a domain author's mistakes. Tool-call failures are never exceptions: they are data."""


class DomainError(ValueError):
    """A domain file cannot be read or does not validate; the message names file and path."""


class CompileError(ValueError):
    """A domain validates but cannot compile (unknown table, field or name; bad expression)."""


class ExprError(ValueError):
    """An expression does not parse, or fails while evaluated (the message is shown to the agent)."""
