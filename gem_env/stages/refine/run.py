"""Refine a run: every verified task, every recipe, N variants each — built, rolled out again in a
sandbox, verified again; a variant that does not verify is dropped with its reason.

The output is a run directory like `gem synthesize`'s (tasks.jsonl holds the verified variants,
trajectories.jsonl their conversations, rejected.jsonl every variant that could not be made or
did not verify, domains/ the parents' and derived domains), written one document (unit) at a time,
so `--resume` and byte-identical reruns work the same way.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ...backends import make_agent, make_task_user
from ...errors import GemError
from ...io.rundir import RunDir, read_jsonl
from ...io.taskset import load_task_set
from ...tools import CompiledDomain
from ..ground.episode import _GENERIC_TOPICS, Limits
from ..ground.rollout import run_rollout
from ..tasks import Task
from . import long_context
from .base import DoesNotApply, NotApplicable, refinable
from .off_topic import business
from .operators import after_rollout, parse_recipes, refine_task

FILES = ["tasks.jsonl", "trajectories.jsonl", "rejected.jsonl", "timings.jsonl"]


class RefineConfig(BaseModel):
    """Everything that decides a refined run's output (RUN/config.json; resume must match)."""

    source: str
    recipes: list[str]
    variants_per_task: int = 1
    seed: int = 0
    max_turns: int = 30
    max_tool_errors: int = 5
    paraphrase_model: str | None = None
    """The model of `paraphrase` and `paraphrase_agent` (recipes naming them need an LLM client)."""


@dataclass
class Source:
    """The run being refined: its tasks by unit, their domains, and what their rollouts looked like."""

    units: dict[str, list[Task]]
    domains: dict[str, CompiledDomain]
    verified: set[str]
    reply_sizes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # task id -> tool messages
    shapes: dict[str, dict[str, float]] = field(default_factory=dict)  # task id -> complexity
    asks: dict[str, list[str]] = field(default_factory=dict)
    """Per domain, what its customers ask, in their words and naming no record ("book a flight from
    Boston to Denver ..."): what a customer of another service asks by mistake (`off_topic`)."""

    business: dict[str, str] = field(default_factory=dict)
    """Per domain, the business its document is of (`off_topic.business`)."""
    service: dict[str, str] = field(default_factory=dict)
    """Per domain, the service its description names ("... (retail service)": "retail"): two corpora's
    retailers are one kind of business (ABCD's guidelines and τ-bench's retail)."""

    def asked_elsewhere(self, domain: str) -> list[str]:
        """What customers of the run's other businesses ask: a bank's other documents' customers
        ("schedule a payment") ask what this bank does too, so no domain of its business is taken."""
        mine = self.business.get(domain)
        return sorted({a for d, asks in self.asks.items()
                       if d != domain and (mine is None or self.business.get(d) != mine) for a in asks
                       if not (self.service.get(domain) and self.service.get(d) == self.service.get(domain))})


def shape(messages: list[dict[str, Any]]) -> dict[str, float]:
    """Messages, tool calls and distinct tools of one conversation."""
    calls = [c["function"]["name"] for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []]
    return {"messages": len(messages), "tool_calls": len(calls), "distinct_tools": len(set(calls))}


def load_source(path: str | Path) -> Source:
    path = Path(path)
    if not (path / "trajectories.jsonl").exists():
        raise GemError(f"{path}: not a run directory (no trajectories.jsonl)")
    tasks, domains = load_task_set(path)
    src = Source(units={}, domains=domains, verified=set())
    for record in read_jsonl(path / "trajectories.jsonl"):
        task_id = record["task"]["id"]
        if record["verification"]["passed"] and task_id not in src.verified:
            src.verified.add(task_id)
            src.reply_sizes[task_id] = [m for m in record["messages"] if m.get("role") == "tool"]
            src.shapes[task_id] = shape(record["messages"])
    for t in tasks:
        src.units.setdefault(t.doc_id or t.domain, []).append(t)
        src.business.setdefault(t.domain, business(t.doc_id or t.domain))
        if t.domain in domains and t.domain not in src.service:
            topics = re.findall(r"\(([^()]+?)(?:\s+service)?\)", domains[t.domain].domain.description)
            topic = topics[-1].strip().lower() if topics else ""
            src.service[t.domain] = "" if topic in _GENERIC_TOPICS else topic
        src.asks.setdefault(t.domain, []).extend(
            r.intent for r in t.scenario.session() if r.intent and not _RECORD_ID.search(r.intent))
    return src


_RECORD_ID = re.compile(r"\b[A-Z][A-Z0-9]*-\d+\b")


async def refine_unit(unit_id: str, tasks: list[Task], src: Source, cfg: RefineConfig,
                      client: Any = None) -> dict[str, Any]:
    """One unit's records (file -> records) and the domains its variants run on; `client` is the
    LLM of recipes with `paraphrase`."""
    records: dict[str, list[dict[str, Any]]] = {f: [] for f in FILES}
    used: dict[str, CompiledDomain] = {}
    derived: dict[str, CompiledDomain] = {}
    pool: dict[str, list[Task]] = {}
    seen: dict[str, str] = {}
    parents = [t for t in tasks if t.id in src.verified and refinable(t) is None]
    limits = Limits(max_turns=cfg.max_turns, max_tool_errors=cfg.max_tool_errors)
    for task in parents:
        compiled = src.domains[task.domain]
        siblings = [t for t in parents if t.domain == task.domain]
        elsewhere = src.asked_elsewhere(task.domain)
        for recipe in parse_recipes(",".join(cfg.recipes)):
            for n in range(cfg.variants_per_task):
                base = {"doc_id": unit_id, "parent": task.id, "category": "+".join(recipe)}
                try:
                    variant, vcompiled = refine_task(task, compiled, recipe, siblings=siblings, seed=cfg.seed,
                                                     n=n, derived=derived, pool=pool, elsewhere=elsewhere)
                except NotApplicable as err:
                    stage = "not_applicable" if isinstance(err, DoesNotApply) else "refine"
                    records["rejected.jsonl"].append({**base, "stage": stage, "reason": str(err)})
                    continue
                except Exception as err:  # noqa: BLE001 - one task the operators trip on must not end the run
                    records["rejected.jsonl"].append({**base, "stage": "refine",
                                                      "reason": f"internal error: {type(err).__name__}: {err}"})
                    continue
                key = variant.model_copy(update={"id": ""}).model_dump_json()
                if key in seen:
                    records["rejected.jsonl"].append({**base, "stage": "refine",
                                                      "reason": f"duplicate of {seen[key]}"})
                    continue
                seen[key] = variant.id
                started = time.perf_counter()
                trajectory = await run_rollout(variant, vcompiled, make_agent("workflow", vcompiled),
                                               make_task_user("scripted", variant, seed=cfg.seed), limits=limits)
                short = _too_short(trajectory, variant, src)
                if short is not None:  # verified, but no long-context task: nothing failed
                    records["rejected.jsonl"].append({**base, "stage": "not_applicable", "reason": short})
                    continue
                why = _why_rejected(trajectory, variant, src)
                if why is None:
                    why = await after_rollout(trajectory, variant, vcompiled, client)
                trajectory.meta["refine"] = {"parent": task.id, "ops": list(recipe), "category": variant.category}
                record = trajectory.model_dump(mode="json")
                records["timings.jsonl"].append({"doc_id": unit_id, "trajectory": variant.id,
                                                 "refine_seconds": round(time.perf_counter() - started, 4),
                                                 "seconds": trajectory.timings})
                used[vcompiled.domain.name] = vcompiled  # rejected trajectories are replayed by gem verify too
                if why is None:
                    records["tasks.jsonl"].append(variant.model_dump(mode="json"))
                    records["trajectories.jsonl"].append(record)
                else:
                    records["rejected.jsonl"].append({**base, "stage": "verify", "reason": why,
                                                      "task": variant.id, "trajectory": record})
    return {"records": records, "domains": used}


def _why_rejected(trajectory: Any, variant: Task, src: Source) -> str | None:
    if not trajectory.verification.passed:
        return "failed: " + ", ".join(trajectory.verification.failed)
    return None


def _too_short(trajectory: Any, variant: Task, src: Source) -> str | None:
    """Why a verified `long_context` variant is no long-context task (its replies did not grow
    enough: the customer's records are few for this session), or None. Not a rejection by
    verification: `gem verify` would replay it as passed and find the verdict wrong."""
    if "long_context" not in variant.ops or not trajectory.verification.passed:
        return None
    why = long_context.check(trajectory.messages, src.reply_sizes.get(variant.parent_id or ""))
    return f"long_context: {why}" if why is not None else None


def _write_domain(file: Path, text: str) -> None:
    """A domain file, never written over a different domain of the same name (each record is
    replayed against the file of its domain's name)."""
    if file.exists() and file.read_text(encoding="utf-8") != text:
        raise GemError(f"{file}: two different domains are named {file.stem!r}; refusing to write one over the other")
    file.write_text(text, encoding="utf-8")


async def refine_run(source: str | Path, out: str | Path, cfg: RefineConfig, *, resume: bool = False,
                     on_unit: Any = None, client: Any = None) -> dict[str, Any]:
    """Refine every unit of `source` into `out`; returns the manifest. `client` is the LLM of
    recipes with `paraphrase`."""
    src = load_source(source)
    config = cfg.model_dump(mode="json")
    with RunDir(out, files=FILES, config=config, resume=resume) as run:
        for unit_id, tasks in src.units.items():
            if unit_id in run.done:
                continue
            got = await refine_unit(unit_id, tasks, src, cfg, client)
            for name, compiled in sorted(got["domains"].items()):
                _write_domain(run.path / "domains" / f"{name}.json", compiled.domain.to_json() + "\n")
            run.write_unit(unit_id, got["records"])
            if on_unit is not None:
                on_unit(unit_id, got["records"])
        manifest = build_manifest(run, config, src)
    (Path(out) / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = ("messages", "tool_calls", "distinct_tools")
    return {f"mean_{k}": round(sum(r[k] for r in rows) / len(rows), 2) if rows else 0.0 for k in keys}


def build_manifest(run: RunDir, config: dict[str, Any], src: Source) -> dict[str, Any]:
    """Per recipe: variants tried (the tasks it applies to), verified, and the reasons for the
    rest; tasks it does not apply to apart (`verified_share_of_all` counts them too); with
    `paraphrase_agent`, the verified ones whose assistant turns are the original (the rewrite
    failed: `assistant_turns_kept`); complexity before/after."""
    accepted = list(run.records("trajectories.jsonl"))
    rejected = list(run.records("rejected.jsonl"))
    by_recipe: dict[str, dict[str, Any]] = {}

    def group(name: str) -> dict[str, Any]:
        return by_recipe.setdefault(name, {"tried": 0, "verified": 0, "not_applicable": 0, "reasons": Counter()})
    for t in accepted:
        g = group(t["task"]["category"])
        g["tried"] += 1
        g["verified"] += 1
        rewrite = t["meta"].get("paraphrase_agent")
        if rewrite is not None:  # verified with the original assistant turns when the rewrite failed
            g["assistant_turns_kept"] = g.get("assistant_turns_kept", 0) + (not rewrite["rewritten"])
    for r in rejected:
        g = group(r["category"])
        g["not_applicable" if r["stage"] == "not_applicable" else "tried"] += 1
        g["reasons"][f"{r['stage']}: {_short(r['reason'])}"] += 1
    parents = sorted({t["task"]["parent_id"] for t in accepted})
    return {
        "config": config,
        "counts": {"parents": len(parents), "variants_verified": len(accepted), "variants_rejected": len(rejected)},
        "by_recipe": {k: {**v, "verified_share": round(v["verified"] / v["tried"], 3) if v["tried"] else 0.0,
                          "verified_share_of_all": round(v["verified"] / (v["tried"] + v["not_applicable"]), 3),
                          "reasons": dict(v["reasons"].most_common())} for k, v in sorted(by_recipe.items())},
        "before": _mean([src.shapes[p] for p in parents if p in src.shapes]),
        "after": _mean([shape(t["messages"]) for t in accepted]),
    }


def _short(reason: str) -> str:
    """A reason without its row-specific detail (what follows its second colon), so reasons count
    together: "chain: part 2 (x) fails after the earlier parts: {...}" -> "chain: part 2 (x) fails ..."."""
    head = reason.split(": ")
    return ": ".join(head[:2])
