"""Command-line options shared by subcommands: corpus fields and the LLM endpoint."""
from __future__ import annotations

import argparse
import os
from typing import Any

from ..errors import GemError


def add_corpus_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("corpus")
    g.add_argument("--text-field", default="text", help="JSONL field holding the text (default: text)")
    g.add_argument("--id-field", default="id", help="JSONL field holding the id (default: id)")
    g.add_argument("--title-field", default="title", help="JSONL field holding the title (default: title)")


def corpus_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {"text_field": args.text_field, "id_field": args.id_field, "title_field": args.title_field}


def add_llm_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("LLM endpoint (any OpenAI-compatible server)")
    g.add_argument("--model", default=os.environ.get("GEM_MODEL"), help="model name (env GEM_MODEL)")
    g.add_argument("--base-url", default=os.environ.get("GEM_BASE_URL"),
                   help="e.g. http://127.0.0.1:8000/v1 (env GEM_BASE_URL; default: OpenAI)")
    g.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the key")
    g.add_argument("--temperature", type=float, default=0.0)
    g.add_argument("--llm-timeout", type=float, default=60.0, help="seconds per request")
    g.add_argument("--llm-retries", type=int, default=4)
    g.add_argument("--llm-concurrency", type=int, default=16, help="requests in flight per endpoint")
    g.add_argument("--cache-dir", default=".gem-cache", help="persistent response cache ('' for none)")


def llm_model_config(args: argparse.Namespace, model: str | None = None) -> Any:
    from ..llm import LLMConfig
    name = model or args.model
    if not name:
        raise GemError("the llm backend needs --model (or GEM_MODEL)")
    return LLMConfig(model=name, base_url=args.base_url, api_key_env=args.api_key_env,
                     temperature=args.temperature, seed=getattr(args, "seed", None), timeout=args.llm_timeout,
                     max_retries=args.llm_retries, concurrency=args.llm_concurrency,
                     cache_dir=args.cache_dir or None)


def llm_client(args: argparse.Namespace, model: str | None = None) -> Any:
    """An `LLMClient` for the endpoint the options name (`model` overrides --model)."""
    from ..llm import LLMClient
    return LLMClient(llm_model_config(args, model))
