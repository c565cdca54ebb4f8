"""The LLM path against a real model server (manual; never in CI): filter, extract and rollouts with
LLM parties on a few documents, and what each stage got out of the model.

    GEM_LLM_BASE_URL=http://127.0.0.1:8765/v1 python bench/local_model.py MODEL [--docs 5]

Documents are the first ``--docs`` of ``--corpus`` (default: ../shared/corpora/tau2_banking_kb_docs.jsonl).
Every relevant document goes to the extractor; each extracted domain gets one task, rolled out with
an LLM agent and an LLM user (when no domain is extracted, tasks of the bundled shop domain are used
instead, so the rollouts are still measured: ``rollout_domains`` says which). Prints JSON: per stage
the success rate, seconds and tokens per call, the structured-output mode used (and why it stepped
down), tool calls parsed natively vs from text, terminations, and accepted trajectories.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = next((base / "shared" / "corpora" / "tau2_banking_kb_docs.jsonl" for base in ROOT.parents[:2]
                       if (base / "shared").is_dir()), ROOT.parent / "shared" / "corpora" / "tau2_banking_kb_docs.jsonl")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", nargs="?", default=os.environ.get("GEM_LLM_MODEL"), help="model name (env GEM_LLM_MODEL)")
    p.add_argument("--base-url", default=os.environ.get("GEM_LLM_BASE_URL"), help="env GEM_LLM_BASE_URL")
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--docs", type=int, default=5)
    p.add_argument("--max-reasks", type=int, default=1)
    p.add_argument("--max-turns", type=int, default=8)
    p.add_argument("--extract-max-tokens", type=int, default=2048)
    p.add_argument("--filter-max-tokens", type=int, default=256, help="a verdict is ~80 tokens")
    p.add_argument("--rollouts", type=int, default=5, help="episodes at most")
    p.add_argument("--timeout", type=float, default=900.0, help="total seconds per request")
    p.add_argument("--first-token-timeout", type=float, default=300.0)
    p.add_argument("--max-context", type=int, default=None)
    args = p.parse_args()
    if not args.model or not args.base_url:
        p.error("give a model and GEM_LLM_BASE_URL (or --base-url)")
    return args


def client(args: argparse.Namespace, max_tokens: int) -> Any:
    from gem_env.llm import LLMClient, LLMConfig
    return LLMClient(LLMConfig(model=args.model, base_url=args.base_url, max_tokens=max_tokens, timeout=args.timeout,
                               first_token_timeout=args.first_token_timeout, stall_timeout=120, max_retries=1,
                               concurrency=1, max_context=args.max_context))


def per_call(usage: Any, seconds: float) -> dict[str, Any]:
    calls = max(usage.calls, 1)
    return {"calls": usage.calls, "failed_requests": usage.failed, "retries": usage.retries,
            "seconds_per_call": round(usage.seconds / calls, 2), "wall_seconds": round(seconds, 1),
            "prompt_tokens_per_call": round(usage.prompt_tokens / calls), "completion_tokens_per_call":
            round(usage.completion_tokens / calls)}


async def filter_stage(args: argparse.Namespace, docs: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    from gem_env.stages.filter import LLMFilter
    llm = client(args, args.filter_max_tokens)
    judge, started, parsed, kept = LLMFilter(llm), time.perf_counter(), 0, []
    for doc in docs:
        verdict, _ = await judge.ajudge(doc)
        parsed += not verdict.reason.startswith("llm:")
        if verdict.relevant:
            kept.append(doc)
    out = {"documents": len(docs), "success_rate": parsed / len(docs), "relevant": len(kept),
           "structured_mode": llm.structured_mode, "fallbacks": llm.fallbacks,
           **per_call(llm.usage, time.perf_counter() - started)}
    await llm.aclose()
    return out, kept


async def extract_stage(args: argparse.Namespace, docs: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    from gem_env.documents import Rejection
    from gem_env.llm import LLMUnavailable
    from gem_env.stages.extract.llm import LLMExtractor
    from gem_env.tools import compile_domain
    llm = client(args, args.extract_max_tokens)
    extractor, started, domains, reasons = LLMExtractor(llm, max_reasks=args.max_reasks), time.perf_counter(), [], []
    for doc in docs:
        try:
            got, _ = await extractor.aextract(doc)
        except LLMUnavailable as err:
            reasons.append(f"unavailable: {str(err)[:160]}")
            continue
        if isinstance(got, Rejection):
            reasons.append(got.reason[:160])
        else:
            domains.append(compile_domain(got))
    out = {"documents": len(docs), "success_rate": len(domains) / len(docs) if docs else 0.0,
           "structured_mode": llm.structured_mode, "fallbacks": llm.fallbacks, "rejections": reasons,
           **per_call(llm.usage, time.perf_counter() - started)}
    await llm.aclose()
    return out, domains


async def rollout_stage(args: argparse.Namespace, domains: list[Any]) -> dict[str, Any]:
    from gem_env.backends import make_agent, make_user
    from gem_env.stages.ground.episode import Limits
    from gem_env.stages.ground.rollout import run_rollout
    from gem_env.stages.ground.usage import EpisodeUsage
    from gem_env.stages.tasks import make_tasks
    from gem_env.tools import compile_domain, load_domain
    source = "extracted"
    if not domains:
        domains, source = [compile_domain(load_domain(ROOT / "examples" / "domains" / "shop.yaml"))], "bundled shop"
    jobs = [(compiled, task) for compiled in domains for task in make_tasks(compiled, per_domain=1)[0]]
    if source != "extracted":
        jobs = [(domains[0], t) for t in make_tasks(domains[0], per_domain=args.docs)[0]]
    jobs = jobs[: args.rollouts]
    agent_llm, user_llm = client(args, 512), client(args, 128)
    started, trajectories = time.perf_counter(), []
    for compiled, task in jobs:
        usage = EpisodeUsage()
        trajectories.append(await run_rollout(
            task, compiled, make_agent("llm", compiled, agent_llm, usage=usage),
            make_user("llm", task.scenario, user_llm, usage=usage), limits=Limits(max_turns=args.max_turns),
            usage=usage))
    out = {"rollout_domains": source, "episodes": len(trajectories),
           "accepted": sum(t.verification.passed for t in trajectories),
           "terminations": dict(Counter(str(t.meta["termination"]) for t in trajectories)),
           "failed_checks": dict(Counter(c for t in trajectories for c in t.verification.failed)),
           "tool_calls_native": agent_llm.usage.tool_calls_native, "tool_calls_parsed": agent_llm.usage.tool_calls_parsed,
           "agent": per_call(agent_llm.usage, 0.0), "user": per_call(user_llm.usage, 0.0),
           "wall_seconds": round(time.perf_counter() - started, 1)}
    for c in (agent_llm, user_llm):
        await c.aclose()
    return out


async def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    from gem_env.io.corpus import iter_documents
    if not Path(args.corpus).exists():
        print(json.dumps({"skipped": f"{args.corpus} not found (third-party data in ../shared)"}))
        return
    docs = []
    for doc in iter_documents([args.corpus]):
        docs.append(doc)
        if len(docs) >= args.docs:
            break
    filtered, kept = await filter_stage(args, docs)
    print(json.dumps({"filter": filtered}), file=sys.stderr, flush=True)  # a slow model: stage by stage
    extracted, domains = await extract_stage(args, kept)
    print(json.dumps({"extract": extracted}), file=sys.stderr, flush=True)
    rollouts = await rollout_stage(args, domains)
    print(json.dumps({"model": args.model, "base_url": args.base_url, "corpus": Path(args.corpus).name,
                      "filter": filtered, "extract": extracted, "rollouts": rollouts}, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
