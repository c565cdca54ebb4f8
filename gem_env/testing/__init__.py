"""Test helpers shipped with the package: an OpenAI-compatible fake server and fake chat models."""
from gem_env.testing.fake_models import ToolFakeChatModel
from gem_env.testing.replies import (
    Fault,
    FaultKind,
    JSONReply,
    Reply,
    Slow,
    Text,
    ToolCall,
    ToolCalls,
)
from gem_env.testing.server import FakeOpenAIServer

__all__ = [
    "FakeOpenAIServer",
    "Fault",
    "FaultKind",
    "JSONReply",
    "Reply",
    "Slow",
    "Text",
    "ToolCall",
    "ToolCalls",
    "ToolFakeChatModel",
]
