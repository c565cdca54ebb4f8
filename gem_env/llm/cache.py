"""Persistent response cache: the same request is answered from disk, not the endpoint."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    convert_to_openai_messages,
    message_to_dict,
    messages_from_dict,
)
from langchain_core.utils.function_calling import convert_to_openai_tool

from gem_env.llm.config import LLMConfig

CACHE_FILE = "llm_responses.sqlite"


def request_key(
    cfg: LLMConfig,
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] | None,
    params: dict[str, Any],
) -> str:
    """SHA-256 of the canonical request: model, messages, tools and sampling parameters.

    The base URL is left out on purpose, so a cache survives moving the model to another server.
    """
    request = {
        "model": cfg.model,
        "messages": convert_to_openai_messages(list(messages)),
        "tools": [convert_to_openai_tool(tool) for tool in tools or ()],
        "temperature": cfg.temperature,
        "seed": cfg.seed,
        "max_tokens": cfg.max_tokens,
        "params": params,
    }
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """SQLite map from request key to reply, in ``directory/llm_responses.sqlite``.

    WAL mode and one-statement transactions let many tasks and processes share the file; a
    concurrent identical request may reach the endpoint twice, and the last reply stored wins.
    """

    def __init__(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self.path = path / CACHE_FILE
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, message TEXT NOT NULL)")

    def get(self, key: str) -> AIMessage | None:
        with self._lock:
            row = self._db.execute("SELECT message FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        (message,) = messages_from_dict([json.loads(row[0])])
        return message if isinstance(message, AIMessage) else None

    def put(self, key: str, message: AIMessage) -> None:
        blob = json.dumps(message_to_dict(message), ensure_ascii=False)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO responses (key, message) VALUES (?, ?)", (key, blob))

    def close(self) -> None:
        with self._lock:
            self._db.close()
