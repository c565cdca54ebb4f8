"""`gem refine RUN --out RUN2`: harder variants of a run's verified tasks, rolled out and verified again."""
from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from ..errors import GemError
from ..progress import Progress
from ..stages.refine.base import ORDER
from ..stages.refine.operators import AFTER_ROLLOUT, DEFAULT_RECIPES, parse_recipes
from .options import add_llm_options, llm_client
from ..stages.refine.run import RefineConfig, refine_run


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("refine", help="make a run's verified tasks harder, re-ground and re-verify them")
    p.add_argument("run", help="a run directory written by gem synthesize (its verified tasks are refined)")
    p.add_argument("--out", required=True, help="new run directory for the variants")
    p.add_argument("--ops", default=",".join(DEFAULT_RECIPES),
                   help="recipes, comma-separated; a recipe is operators joined by '+' (operators: "
                        f"{', '.join(ORDER)}; default: every operator with chain)")
    p.add_argument("--variants-per-task", type=int, default=1, help="variants per task and recipe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-turns", type=int, default=30, help="assistant messages per request of a session")
    p.add_argument("--resume", action="store_true", help="continue a killed run in --out")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_llm_options(p, roles=())  # the model of `paraphrase`
    p.set_defaults(handler=run)


def config_from(args: argparse.Namespace) -> RefineConfig:
    try:
        recipes = ["+".join(r) for r in parse_recipes(args.ops)]
    except ValueError as err:
        raise GemError(f"--ops: {err}") from None
    for name in ("variants_per_task", "max_turns"):
        if getattr(args, name) < 1:
            raise GemError(f"--{name.replace('_', '-')} must be at least 1, not {getattr(args, name)}")
    if Path(args.out).resolve() == Path(args.run).resolve():
        raise GemError("--out must be a new directory, not the run being refined")
    llm = any(op in AFTER_ROLLOUT for r in recipes for op in r.split("+"))
    if llm and not args.model:
        raise GemError("--ops: paraphrase needs an LLM: give --model (and --base-url for a local server)")
    return RefineConfig(source=str(args.run), recipes=recipes, variants_per_task=args.variants_per_task,
                        seed=args.seed, max_turns=args.max_turns, paraphrase_model=args.model if llm else None)


def run(args: argparse.Namespace) -> int:
    cfg = config_from(args)

    bar = Progress("units", quiet=args.quiet)

    def progress(unit_id: str, records: dict[str, Any]) -> None:
        bar.advance(accepted=len(records.get("trajectories.jsonl", [])), rejected=len(records.get("rejected.jsonl", [])))

    client = llm_client(args) if cfg.paraphrase_model else None

    async def refine() -> dict[str, Any]:
        try:
            return await refine_run(args.run, args.out, cfg, resume=args.resume, on_unit=progress, client=client)
        finally:
            if client is not None:
                await client.aclose()

    with bar:
        manifest = asyncio.run(refine())
    if args.json:
        print(json.dumps(manifest, indent=1))
        return 0
    c = manifest["counts"]
    print(f"refined {args.run} -> {args.out}: {c['parents']} parent tasks, {c['variants_verified']} variants "
          f"verified, {c['variants_rejected']} dropped (reasons in rejected.jsonl)")
    for name, g in manifest["by_recipe"].items():
        top = next(iter(g["reasons"]), "")
        na = f" ({g['not_applicable']} not applicable)" if g["not_applicable"] else ""
        drop = f"   most common drop: {top}" if top else ""
        kept = g.get("assistant_turns_kept")
        kept = f", {kept} of them with the original assistant turns (meta.paraphrase_agent.outcome)" if kept else ""
        print(f"  {name:40} {g['verified']:5}/{g['tried']:<5} verified{kept}{na}{drop}")
    b, a = manifest["before"], manifest["after"]
    print(f"  per trajectory: messages {b['mean_messages']} -> {a['mean_messages']}, tool calls "
          f"{b['mean_tool_calls']} -> {a['mean_tool_calls']}, distinct tools {b['mean_distinct_tools']} -> "
          f"{a['mean_distinct_tools']}")
    print(f"check with `gem verify {args.out}`; measure an agent with `gem eval {args.out} --out EVAL`")
    return 0
