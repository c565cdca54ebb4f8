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


#: ``max_tokens`` of each LLM role unless --<role>-max-tokens or --max-tokens says otherwise: a
#: verdict is a short JSON object, a domain 1,500-3,000 tokens, a turn a few sentences or calls.
DEFAULT_MAX_TOKENS = {"filter": 1024, "extract": 4096, "agent": 1024, "user": 256}


def add_stage_backend_options(p: argparse.ArgumentParser) -> None:
    """--filter and --extract, each offline or llm with its own model; --backend sets both."""
    g = p.add_argument_group("stage backends (--backend is the shorthand for both)")
    g.add_argument("--filter", dest="filter_backend", choices=["offline", "llm", "banded"], default=None,
                   help="stage 1, the relevance filter (default: --backend); banded: offline, with "
                        "the documents scored near the threshold judged by the model")
    g.add_argument("--extract", dest="extract_backend", choices=["offline", "llm"], default=None,
                   help="stage 2, the domain extractor (default: --backend)")
    g.add_argument("--filter-model", default=None, help="model of an LLM filter (default: --model)")
    g.add_argument("--extract-model", default=None, help="model of an LLM extractor (default: --model)")


def stage_backends(args: argparse.Namespace) -> tuple[str, str]:
    """The filter's and the extractor's backend: their own option, else --backend."""
    backend = getattr(args, "backend", "offline")
    return (getattr(args, "filter_backend", None) or backend, getattr(args, "extract_backend", None) or backend)


def stage_roles(args: argparse.Namespace, *, extract: bool = True) -> list[tuple[str, str | None]]:
    """The (role, model) of each stage that uses a model: ``filter`` and ``extract``."""
    filter_backend, extract_backend = stage_backends(args)
    # banded: the model judges the uncertain band only when one is given; without, it runs offline
    model = getattr(args, "filter_model", None) or getattr(args, "model", None)
    banded = filter_backend == "banded" and model
    roles = [("filter", getattr(args, "filter_model", None))] if filter_backend == "llm" or banded else []
    if extract and extract_backend == "llm":
        roles.append(("extract", getattr(args, "extract_model", None)))
    return roles


def add_llm_options(p: argparse.ArgumentParser,
                    roles: tuple[str, ...] = ("filter", "extract", "agent", "user")) -> None:
    g = p.add_argument_group("LLM endpoint (any OpenAI-compatible server)")
    g.add_argument("--model", default=os.environ.get("GEM_MODEL"), help="model name (env GEM_MODEL)")
    g.add_argument("--base-url", default=os.environ.get("GEM_BASE_URL"),
                   help="e.g. http://127.0.0.1:8000/v1 (env GEM_BASE_URL; default: OpenAI)")
    g.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the key")
    g.add_argument("--temperature", type=float, default=0.0)
    g.add_argument("--llm-timeout", type=float, default=600.0,
                   help="seconds a whole request may take (default: 600)")
    g.add_argument("--llm-connect-timeout", type=float, default=10.0, help="seconds to connect (default: 10)")
    g.add_argument("--llm-first-token-timeout", type=float, default=300.0,
                   help="seconds from sending a request to its first streamed token: queue wait and prompt "
                        "processing (default: 300)")
    g.add_argument("--llm-stall-timeout", type=float, default=60.0,
                   help="seconds without a streamed chunk before a generation counts as stalled (default: 60)")
    g.add_argument("--llm-stream", choices=["on", "off"], default="on",
                   help="stream replies, so a slow but live generation is not cut (default: on)")
    g.add_argument("--llm-retries", type=int, default=4)
    g.add_argument("--llm-concurrency", type=int, default=16, help="requests in flight per endpoint")
    g.add_argument("--structured", choices=["auto", "json_schema", "json_object", "none"], default="auto",
                   help="response_format of structured calls; auto tries json_schema and steps down once "
                        "per refusal (default: auto)")
    g.add_argument("--max-context", type=int, default=None,
                   help="the model's context in tokens (default: what the server's /v1/models says, if anything)")
    g.add_argument("--max-tokens", type=int, default=None, help="completion tokens per request, every role")
    for role in roles:
        g.add_argument(f"--{role}-max-tokens", type=int, default=None,
                       help=f"completion tokens per {role} request (default: {DEFAULT_MAX_TOKENS[role]})")
    g.add_argument("--cache-dir", default=".gem-cache", help="persistent response cache ('' for none)")


def llm_model_config(args: argparse.Namespace, model: str | None = None, role: str | None = None) -> Any:
    """The endpoint config of one LLM role (filter, extract, agent, user): its model and max_tokens."""
    from ..llm import LLMConfig
    name = model or args.model
    if not name:
        raise GemError("the llm backend needs --model (or GEM_MODEL)")
    max_tokens = (getattr(args, f"{role}_max_tokens", None) if role else None) or getattr(args, "max_tokens", None) \
        or DEFAULT_MAX_TOKENS.get(role or "")
    try:
        return LLMConfig(model=name, base_url=args.base_url, api_key_env=args.api_key_env,
                         temperature=args.temperature, seed=getattr(args, "seed", None), timeout=args.llm_timeout,
                         connect_timeout=args.llm_connect_timeout, first_token_timeout=args.llm_first_token_timeout,
                         stall_timeout=args.llm_stall_timeout, stream=args.llm_stream == "on",
                         structured=args.structured, max_context=args.max_context, max_tokens=max_tokens,
                         max_retries=args.llm_retries, concurrency=args.llm_concurrency,
                         cache_dir=args.cache_dir or None)
    except ValueError as err:  # pydantic: a negative timeout, a zero --max-tokens ...
        raise GemError(f"invalid LLM option: {' '.join(str(err).split())[:300]}") from None


def llm_client(args: argparse.Namespace, model: str | None = None, role: str | None = None) -> Any:
    """An `LLMClient` for the endpoint the options name (`model` overrides --model)."""
    from ..llm import LLMClient
    return LLMClient(llm_model_config(args, model, role))
