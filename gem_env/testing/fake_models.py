"""LangChain fake chat models usable where tools get bound (agents, ``LLMClient.chat(tools=...)``)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool


class ToolFakeChatModel(GenericFakeChatModel):
    """``GenericFakeChatModel`` whose ``bind_tools`` accepts any tools and returns the model itself.

    Replies come from ``messages`` (an iterator of ``AIMessage`` or str), so scripted tool calls are
    ``AIMessage(content="", tool_calls=[{"name": ..., "args": {...}, "id": "call_1"}])``.
    """

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self
