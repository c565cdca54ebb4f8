"""The sandbox: domain model, tool language, SQLite state and execution. Imports nothing of ours."""
from .compiler import CompiledDomain, CompiledTool, compile_domain, openai_schema
from .errors import CompileError, DomainError, ExprError
from .loading import format_validation_error, load_domain, parse_domain
from .model import (Anchor, Binding, Domain, Entity, EntityField, Parameter, PolicyRule, Provenance,
                    Span, ToolSpec, Workflow, WorkflowOffer, WorkflowStep)
from .python_tools import PythonTool, SandboxDB, ToolError, python_tool
from .sandbox import CallRecord, Sandbox, ToolResult, diff_states

__all__ = [
    "CompiledDomain", "CompiledTool", "compile_domain", "openai_schema",
    "CompileError", "DomainError", "ExprError", "format_validation_error", "load_domain", "parse_domain",
    "Anchor", "Binding", "Domain", "Entity", "EntityField", "Parameter", "PolicyRule", "Provenance",
    "Span", "ToolSpec", "Workflow", "WorkflowOffer", "WorkflowStep",
    "PythonTool", "SandboxDB", "ToolError", "python_tool",
    "CallRecord", "Sandbox", "ToolResult", "diff_states",
]
