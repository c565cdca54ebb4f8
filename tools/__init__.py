"""The sandbox: domain model, tool language, SQLite state and execution. Imports nothing of ours."""
from .errors import CompileError, DomainError, ExprError
from .loading import load_domain, parse_domain
from .model import Domain, Entity, EntityField, Parameter, PolicyRule, ToolSpec, Workflow

__all__ = [
    "CompileError", "DomainError", "ExprError", "load_domain", "parse_domain",
    "Domain", "Entity", "EntityField", "Parameter", "PolicyRule", "ToolSpec", "Workflow",
]
