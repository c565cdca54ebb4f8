"""`gem synthesize CORPUS... --out RUN`: the whole pipeline, from text to verified trajectories."""
from __future__ import annotations

import argparse
import asyncio
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ..errors import GemError
from ..backends import make_agent, make_task_user
from ..io.corpus import corpus_files
from ..stages.process import with_read_errors
from ..synthesize import Components, SynthesizeConfig, synthesize
from .options import add_corpus_options, add_llm_options, corpus_kwargs, llm_client, llm_model_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synthesize", help="text -> verified multi-turn tool-use trajectories")
    p.add_argument("corpus", nargs="+", help="JSONL files, .txt/.md files, folders or globs")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--backend", choices=["offline", "llm"], default="offline",
                   help="stages 1-2, and the default for --user/--agent (default: offline)")
    p.add_argument("--user", choices=["scripted", "llm"], default=None, help="user simulator")
    p.add_argument("--agent", choices=["workflow", "llm"], default=None, help="assistant agent")
    p.add_argument("--user-model", default=None, help="model for an LLM user (default: --model)")
    p.add_argument("--agent-model", default=None, help="model for an LLM agent (default: --model)")
    p.add_argument("--tasks-per-domain", type=int, default=3)
    p.add_argument("--max-turns", type=int, default=30)
    p.add_argument("--limit", type=int, default=None, help="at most this many documents")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--resume", action="store_true", help="continue a killed run in --out")
    p.add_argument("--check-workers", type=int, default=1,
                   help="llm backend: processes that compile the model's domains off the event loop "
                        "(0: in the event loop; default: 1)")
    add_corpus_options(p)
    add_llm_options(p)
    p.set_defaults(handler=run)


def _components(args: argparse.Namespace, cfg: SynthesizeConfig) -> tuple[Components, list[Any], Any]:
    clients: list[Any] = []
    pool = None

    def client_for(model: str | None) -> Any:
        c = llm_client(args, model=model)
        clients.append(c)
        return c

    if cfg.backend == "offline":
        from ..stages.extract.offline import OfflineExtractor
        from ..stages.filter import OfflineFilter
        stage_filter, extractor = OfflineFilter(), OfflineExtractor(seed=cfg.seed)
    else:
        from ..stages.extract.llm import LLMExtractor
        from ..stages.filter import LLMFilter
        stage_client = client_for(None)
        pool = ProcessPoolExecutor(args.check_workers) if args.check_workers > 0 else None
        stage_filter = LLMFilter(stage_client)
        extractor = LLMExtractor(stage_client, seed=cfg.seed, executor=pool)
    agent_client = client_for(args.agent_model) if cfg.agent == "llm" else None
    user_client = client_for(args.user_model) if cfg.user == "llm" else None
    parts = Components(
        filter=stage_filter, extractor=extractor,
        make_agent=lambda compiled: make_agent(cfg.agent, compiled, agent_client),
        make_user=lambda task: make_task_user(cfg.user, task, user_client, seed=cfg.seed),
    )
    return parts, clients, pool


def run(args: argparse.Namespace) -> int:
    uses_llm = args.backend == "llm"
    cfg = SynthesizeConfig(
        backend=args.backend, user=args.user or ("llm" if uses_llm else "scripted"),
        agent=args.agent or ("llm" if uses_llm else "workflow"), seed=args.seed,
        tasks_per_domain=args.tasks_per_domain, max_turns=args.max_turns,
        models={role: llm_model_config(args, model).model_dump(mode="json", exclude={"cache_dir"})
                for role, model, used in [("stages", None, uses_llm),
                                          ("agent", args.agent_model, (args.agent or "") == "llm" or uses_llm),
                                          ("user", args.user_model, (args.user or "") == "llm" or uses_llm)]
                if used},
    )
    if args.tasks_per_domain < 1 or args.concurrency < 1 or args.check_workers < 0:
        raise GemError("--tasks-per-domain and --concurrency must be at least 1, --check-workers at least 0")
    corpus_files(args.corpus)  # a bad path fails here, before the run directory is made
    items = with_read_errors(args.corpus, limit=args.limit, **corpus_kwargs(args))
    parts, clients, pool = _components(args, cfg)
    progress = _progress_bar()

    def on_unit(unit: Any) -> None:
        if progress is not None:
            progress.update(1)

    async def main() -> dict[str, Any]:
        try:
            return await synthesize(items, args.out, cfg, parts, concurrency=args.concurrency,
                                    resume=args.resume, on_unit=on_unit)
        finally:
            for c in clients:
                await c.aclose()
            if pool is not None:
                pool.shutdown()

    manifest = asyncio.run(main())
    if progress is not None:
        progress.close()
    _summary(args.out, manifest)
    return 0


def _progress_bar() -> Any:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(desc="documents", unit="doc", file=sys.stderr)


def _summary(out: str, manifest: dict[str, Any]) -> None:
    c, a = manifest["counts"], manifest["accepted_trajectories"]
    print(f"run: {out}")
    print(f"  documents {c['documents']} -> relevant {c['relevant']} -> domains {c['domains']} -> "
          f"tasks {c['tasks_admitted']} -> accepted trajectories {c['trajectories_accepted']} "
          f"(rejected {c['trajectories_rejected']})")
    print(f"  relevant documents with an accepted trajectory: {c['relevant_documents_with_accepted_trajectory']}"
          f"/{c['relevant']}")
    print(f"  per accepted trajectory: {a['mean_messages']} messages, {a['mean_tool_calls']} tool calls, "
          f"{a['mean_distinct_tools']} distinct tools")
    print(f"  rejected by stage: {c['rejected_by_stage']}")
    print(f"  files: {out}/trajectories.jsonl (accepted), rejected.jsonl, tasks.jsonl, domains/, manifest.json")
