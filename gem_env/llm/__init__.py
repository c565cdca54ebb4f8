"""The LLM layer: any OpenAI-compatible chat endpoint through langchain-openai."""
from gem_env.llm.client import LLMClient
from gem_env.llm.config import LLMConfig, make_chat_model
from gem_env.llm.errors import LLMContextExceeded, LLMRequestRejected, LLMUnavailable
from gem_env.llm.structured import StructuredResult
from gem_env.llm.usage import Usage

__all__ = [
    "LLMClient",
    "LLMConfig",
    "LLMContextExceeded",
    "LLMRequestRejected",
    "LLMUnavailable",
    "StructuredResult",
    "Usage",
    "make_chat_model",
]
