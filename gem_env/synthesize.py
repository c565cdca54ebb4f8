"""`gem synthesize`: text in, verified multi-turn tool-use trajectories out.

Each document is one unit of work: filter → extract → compile → tasks → rollouts → verify. A unit's
records are written together when it finishes (see `rundir`), in input order, so the offline
pipeline is byte-identical for the same input and seed and a killed run resumes cleanly.
"""
from __future__ import annotations

import asyncio
import json
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

from pydantic import BaseModel

from . import __version__
from .documents import Document, Rejection
from .stages.ground.episode import Limits
from .llm.errors import LLMRequestRejected
from .engines.ordered import ordered_map
from .stages.ground.rollout import run_rollout
from .io.rundir import RunDir
from .stages.extract.offline import domain_slug
from .stages.process import Extractor, Filter, process_document
from .stages.tasks import Task, make_tasks
from .tools import CompiledDomain, CompileError, compile_domain

FILES = ["verdicts.jsonl", "tasks.jsonl", "trajectories.jsonl", "rejected.jsonl", "timings.jsonl"]


class SynthesizeConfig(BaseModel):
    """Everything that decides a run's output (kept in RUN/config.json; resume must match)."""

    backend: Literal["offline", "llm"] = "offline"
    user: Literal["scripted", "llm"] = "scripted"
    agent: Literal["workflow", "llm"] = "workflow"
    seed: int = 0
    tasks_per_domain: int = 3
    max_turns: int = 30
    max_tool_errors: int = 5
    models: dict[str, dict[str, Any]] = {}


@dataclass
class Unit:
    """What one document produced."""

    doc_id: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {f: [] for f in FILES})
    domain_file: tuple[str, str] | None = None

    def reject(self, stage: str, reason: str, **detail: Any) -> None:
        self.records["rejected.jsonl"].append({"doc_id": self.doc_id, "stage": stage, "reason": reason, **detail})


@dataclass
class Components:
    """The stage backends and the rollout parties, built once per run from the config."""

    filter: Filter
    extractor: Extractor
    make_agent: Callable[[CompiledDomain], Any]
    make_user: Callable[[Task], Any]


async def synthesize_unit(item: Document | Rejection, cfg: SynthesizeConfig, parts: Components) -> Unit:
    """One input item's unit. An unreadable line or a failure inside any stage becomes a recorded
    rejection; only an endpoint that refuses every request (`LLMRequestRejected`) stops the run."""
    if isinstance(item, Rejection):
        unit = Unit(item.id)
        unit.reject(item.stage, item.reason)
        return unit
    try:
        return await _synthesize_document(item, cfg, parts)
    except LLMRequestRejected:
        raise
    except Exception as err:  # noqa: BLE001 - one bad document must not end the run
        unit = Unit(item.id)
        unit.reject("internal", f"{type(err).__name__}: {err}")
        return unit


async def _synthesize_document(doc: Document, cfg: SynthesizeConfig, parts: Components) -> Unit:
    unit = Unit(doc.id)
    started = time.perf_counter()
    stages = await process_document(doc, filter=parts.filter, extractor=parts.extractor)
    llm = {k: getattr(stages.usage, k) for k in ("calls", "prompt_tokens", "completion_tokens")}
    if stages.verdict is not None:
        unit.records["verdicts.jsonl"].append({"doc_id": doc.id, **stages.verdict.model_dump()})
    if stages.domain is None:
        r = stages.rejection
        unit.reject(r.stage, r.reason, **({"detail": r.detail} if r.detail else {}))
        return _finish(unit, started, llm)
    domain = stages.domain.model_copy(update={"name": domain_slug(doc.id), "seed": cfg.seed})
    try:
        compiled = compile_domain(domain)
    except CompileError as err:
        unit.reject("compile", str(err))
        return _finish(unit, started, llm)
    unit.domain_file = (f"{domain.name}.json", domain.to_json() + "\n")
    tasks, rejections = make_tasks(compiled, per_domain=cfg.tasks_per_domain, seed=cfg.seed, doc_id=doc.id)
    for r in rejections:
        unit.reject("tasks", r.reason, task=r.id, **({"detail": r.detail} if r.detail else {}))
    limits = Limits(max_turns=cfg.max_turns, max_tool_errors=cfg.max_tool_errors)
    trajectories = await asyncio.gather(*(
        run_rollout(task, compiled, parts.make_agent(compiled), parts.make_user(task), limits=limits)
        for task in tasks))
    for task, trajectory in zip(tasks, trajectories):
        unit.records["tasks.jsonl"].append(task.model_dump(mode="json"))
        trajectory.meta["backends"]["stages"] = cfg.backend
        for k in llm:
            llm[k] += int(trajectory.meta.get("llm", {}).get(k, 0))
        record = trajectory.model_dump(mode="json")
        timing = {k: record["meta"].pop(k) for k in list(record["meta"]) if k.endswith("seconds")}
        unit.records["timings.jsonl"].append({"doc_id": doc.id, "trajectory": trajectory.id, **timing})
        if trajectory.verification.passed:
            unit.records["trajectories.jsonl"].append(record)
        else:
            unit.reject("verify", "failed: " + ", ".join(trajectory.verification.failed),
                        task=task.id, trajectory=record)
    return _finish(unit, started, llm)


def _add(total: dict[str, int], usage: dict[str, Any] | None) -> None:
    for k in total:
        total[k] += int((usage or {}).get(k, 0) or 0)


def _finish(unit: Unit, started: float, llm: dict[str, int]) -> Unit:
    unit.records["timings.jsonl"].append({"doc_id": unit.doc_id, "document_seconds":
                                          round(time.perf_counter() - started, 4), "llm": llm})
    return unit


async def synthesize(items: Iterable[Document | Rejection], out: str | Path, cfg: SynthesizeConfig,
                     parts: Components, *, concurrency: int = 4, resume: bool = False,
                     on_unit: Callable[[Unit], None] | None = None) -> dict[str, Any]:
    """Run the pipeline over a stream of documents (and unreadable lines, as rejections of stage
    "read", see `stages.process.with_read_errors`) into `out`; returns the manifest."""
    config = cfg.model_dump(mode="json")
    with RunDir(out, files=FILES, config=config, resume=resume) as run:
        todo = (item for item in items if item.id not in run.done)
        async for unit in ordered_map(todo, lambda item: synthesize_unit(item, cfg, parts), concurrency):
            run.write_unit(unit.doc_id, unit.records, unit.domain_file)
            if on_unit:
                on_unit(unit)
        manifest = build_manifest(run, config)
    (Path(out) / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def build_manifest(run: RunDir, config: dict[str, Any]) -> dict[str, Any]:
    """Counts at each stage, recomputed from the files (so they are right after a resume)."""
    verdicts = list(run.records("verdicts.jsonl"))
    rejected = list(run.records("rejected.jsonl"))
    accepted = list(run.records("trajectories.jsonl"))
    tasks = list(run.records("tasks.jsonl"))
    by_stage: dict[str, int] = {}
    for r in rejected:
        by_stage[r["stage"]] = by_stage.get(r["stage"], 0) + 1
    domains = {t["doc_id"] for t in tasks} | {r["doc_id"] for r in rejected if r["stage"] in ("tasks", "verify")}
    docs_with_accepted = {t["doc_id"] for t in accepted}
    relevant = [v for v in verdicts if v["relevant"]]
    n_msgs = [len(t["messages"]) for t in accepted]
    calls = [[c for m in t["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]
             for t in accepted]
    llm = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    for t in run.records("timings.jsonl"):
        _add(llm, t.get("llm"))
    mean = lambda xs: round(sum(xs) / len(xs), 2) if xs else 0.0  # noqa: E731
    return {
        "gem_env": __version__,
        "python": platform.python_version(),
        "config": config,
        "counts": {
            "documents": len(run.done) - by_stage.get("read", 0),
            "read_errors": by_stage.get("read", 0),
            "relevant": len(relevant),
            "domains": len(domains),
            "tasks_admitted": len(tasks),
            "trajectories_accepted": len(accepted),
            "trajectories_rejected": by_stage.get("verify", 0),
            "rejected_by_stage": dict(sorted(by_stage.items())),
            "relevant_documents_with_accepted_trajectory": len(docs_with_accepted),
        },
        "accepted_trajectories": {
            "mean_messages": mean(n_msgs),
            "mean_tool_calls": mean([len(c) for c in calls]),
            "mean_distinct_tools": mean([len({x["function"]["name"] for x in c}) for c in calls]),
        },
        "costs": {"llm": llm},
    }
