"""`gem synthesize CORPUS... --out RUN`: the whole pipeline, from text to verified trajectories."""
from __future__ import annotations

import argparse
from typing import Any

from ..errors import GemError
from ..progress import Progress
from .options import stage_roles
from .running import add_run_options, check_run_options, corpus_items, execute, model_configs


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synthesize", help="text -> verified multi-turn tool-use trajectories")
    p.add_argument("corpus", nargs="+", help="JSONL files, .txt/.md files, folders or globs")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--user", choices=["scripted", "llm"], default=None, help="user simulator")
    p.add_argument("--agent", choices=["workflow", "llm"], default=None, help="assistant agent")
    p.add_argument("--user-model", default=None, help="model for an LLM user (default: --model)")
    p.add_argument("--agent-model", default=None, help="model for an LLM agent (default: --model)")
    p.add_argument("--tasks-per-domain", type=int, default=3)
    p.add_argument("--max-turns", type=int, default=30)
    p.add_argument("--refine", nargs="?", const="default", default=None, metavar="OPS",
                   help="also make harder variants of the verified tasks (stage 4; recipes as in gem refine "
                        "--ops; without OPS: every operator with chain)")
    p.add_argument("--resume", action="store_true", help="continue a killed run in --out")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_run_options(p, concurrency=4)
    _with_synthesizer_backend(p)
    p.set_defaults(handler=run)


def _with_synthesizer_backend(p: argparse.ArgumentParser) -> None:
    """`--backend synthesizer` (issue 14): one model call per document, then compile, replay, verify."""
    for action in p._actions:
        if action.dest == "backend":
            action.choices = [*(action.choices or []), "synthesizer"]
            action.help = (f"{action.help}; synthesizer: one call to a fine-tuned synthesizer model writes "
                           "domain, task and dialogue, every tool call then executed and verified "
                           "(no filter: every document goes to the model; --user/--agent are not used)")
        elif action.dest in ("user", "agent", "user_model", "agent_model"):
            action.help = f"{action.help} (not used by --backend synthesizer)"


def config(args: argparse.Namespace) -> Any:
    from ..pipeline import PipelineConfig
    if args.backend == "synthesizer":
        if args.user or args.agent or args.user_model or args.agent_model:
            raise GemError("--user, --agent and their models are not used by --backend synthesizer "
                           "(its model writes the whole dialogue); leave them out")
        return PipelineConfig(backend="synthesizer", seed=args.seed, tasks_per_domain=args.tasks_per_domain,
                              max_turns=args.max_turns, models=model_configs(args, [("stages", None)]))
    uses_llm = args.backend == "llm"
    user = args.user or ("llm" if uses_llm else "scripted")
    agent = args.agent or ("llm" if uses_llm else "workflow")
    roles = stage_roles(args) + [(role, model) for role, model, used in [("agent", args.agent_model, agent == "llm"),
                                                                         ("user", args.user_model, user == "llm")]
                                 if used]
    return PipelineConfig(backend=args.backend, filter=args.filter_backend, extract=args.extract_backend,
                          user=user, agent=agent, seed=args.seed,
                          tasks_per_domain=args.tasks_per_domain, max_turns=args.max_turns,
                          models=model_configs(args, roles), refine=_recipes(args.refine))


def _recipes(ops: str | None) -> list[str]:
    if ops is None:
        return []
    from ..stages.refine.operators import DEFAULT_RECIPES, parse_recipes
    try:
        return ["+".join(r) for r in parse_recipes(",".join(DEFAULT_RECIPES) if ops == "default" else ops)]
    except ValueError as err:
        raise GemError(f"--refine: {err}") from None


def run(args: argparse.Namespace) -> int:
    check_run_options(args)
    if args.tasks_per_domain < 1:
        raise GemError("--tasks-per-domain must be at least 1")
    cfg = config(args)
    items = corpus_items(args)
    from ..synthesize import run_to_dir

    progress = Progress("documents", total=args.limit, quiet=args.quiet)

    def on_unit(unit: Any) -> None:
        progress.advance(accepted=len(unit.records.get("trajectories.jsonl", [])),
                         rejected=len(unit.records.get("rejected.jsonl", [])))

    with progress:
        manifest, outcome = execute(args, cfg, lambda engine: run_to_dir(items, args.out, cfg, engine,
                                                                         resume=args.resume, on_unit=on_unit))
    _summary(args.out, manifest)
    outcome.check()
    return 0


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
