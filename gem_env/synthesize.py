"""The driver: the pipeline (`gem_env.pipeline`) over a corpus, through an engine, into a run directory.

The driver alone writes: it gives each document its domain name (`DomainNames`, in input order, so
names are the same whatever the engine and across a resume), skips what a resumed run already has,
writes each unit as it comes back in input order (`io.rundir.RunDir`: a killed run resumes cleanly)
and recomputes the manifest from the files. The offline pipeline is byte-identical for the same
input and seed, with either engine (apart from ``timings.jsonl``).

A unit whose endpoint was down is not written: it stays to do. The driver then stops sending new
documents, and reports how many were not processed (`RunIncomplete`, exit status 1).
"""
from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

from . import __version__
from .documents import Document, Rejection
from .engines.base import Engine, WorkItem
from .errors import GemError, RunIncomplete
from .llm.usage import COST_KEYS, reported
from .io.rundir import RunDir
from .pipeline import FILES as STAGE_FILES
from .pipeline import PipelineConfig, Unit

FILES = STAGE_FILES["records"]
SynthesizeConfig = PipelineConfig  # the name `gem synthesize` has always given its config


class DomainNames:
    """One domain name per document: its id's slug, with ``-2``, ``-3``... for ids whose slugs collide.

    Claimed in input order for every document (done ones included), so a resumed run and any engine
    name the same document the same way.
    """

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, doc_id: str) -> str:
        from .stages.extract.offline import domain_slug
        slug = domain_slug(doc_id)
        name, n = slug, 1
        while name in self.taken:
            n += 1
            name = f"{slug}-{n}"
        self.taken.add(name)
        return name


class Sink(Protocol):
    done: set[str]

    def write_unit(self, doc_id: str, records: dict[str, list[dict[str, Any]]],
                   domain: tuple[str, str] | None = None) -> None: ...


@dataclass
class Outcome:
    """How a drive ended: documents left unprocessed (their endpoint was down) and why."""

    unfinished: int = 0
    reason: str | None = None

    def check(self) -> None:
        """`RunIncomplete` when documents were left, as one line that says how to go on."""
        if self.unfinished:
            noun = "document" if self.unfinished == 1 else "documents"
            raise RunIncomplete(f"{self.unfinished} {noun} not processed: {self.reason}; rerun with --resume")


async def drive(items: Iterable[Document | Rejection], engine: Engine, sink: Sink, *,
                on_unit: Callable[[Unit], None] | None = None) -> Outcome:
    """Map `engine` over the `items` that `sink` has not done, writing each unit in input order."""
    names = DomainNames()
    rest = iter(items)
    outcome = Outcome()

    def todo() -> Iterator[WorkItem]:
        for item in rest:
            name = names.claim(item.id) if isinstance(item, Document) else ""
            if item.id in sink.done:
                continue
            yield WorkItem(item, name)
            if outcome.reason is not None:
                return  # the endpoint is down: send nothing more

    async for unit in engine.map(todo()):
        if unit.fatal:
            raise GemError(unit.fatal)
        if unit.unfinished:
            outcome.unfinished += 1
            outcome.reason = outcome.reason or unit.unfinished
            continue
        sink.write_unit(unit.doc_id, unit.records, unit.domain_file)
        if on_unit is not None:
            on_unit(unit)
    if outcome.reason is not None:
        outcome.unfinished += sum(1 for item in rest if item.id not in sink.done)
    return outcome


async def run_to_dir(items: Iterable[Document | Rejection], out: str | Path, cfg: PipelineConfig, engine: Engine,
                     *, resume: bool = False, on_unit: Callable[[Unit], None] | None = None,
                     command: str = "synthesize") -> tuple[dict[str, Any], Outcome]:
    """The pipeline over `items` into the run directory `out`; the manifest and how it ended."""
    config = cfg.output_config()
    with RunDir(out, files=STAGE_FILES[cfg.stop], config=config, resume=resume) as run:
        outcome = await drive(items, engine, run, on_unit=on_unit)
        manifest = build_manifest(run, config) if cfg.stop == "records" else stage_manifest(run, config, command)
    (Path(out) / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest, outcome


def _llm_costs(run: RunDir) -> dict[str, int]:
    llm = dict.fromkeys(COST_KEYS, 0)
    for t in run.records("timings.jsonl"):
        for k in llm:
            llm[k] += int((t.get("llm") or {}).get(k, 0) or 0)
    return reported(llm)


def _by_stage(rejected: Iterable[dict[str, Any]]) -> dict[str, int]:
    by_stage: dict[str, int] = {}
    for r in rejected:
        by_stage[r["stage"]] = by_stage.get(r["stage"], 0) + 1
    return by_stage


def stage_manifest(run: RunDir, config: dict[str, Any], command: str) -> dict[str, Any]:
    """The manifest of a run stopped after filter or extract."""
    verdicts = list(run.records("verdicts.jsonl"))
    by_stage = _by_stage(run.records("rejected.jsonl"))
    domains = sorted(p.name for p in (run.path / "domains").glob("*.json"))
    return {
        "gem_env": __version__,
        "python": platform.python_version(),
        "command": command,
        "config": config,
        "counts": {
            "documents": len(run.done) - by_stage.get("read", 0),
            "read_errors": by_stage.get("read", 0),
            "relevant": sum(1 for v in verdicts if v["relevant"]),
            "domains": len(domains),
            "rejected_by_stage": dict(sorted(by_stage.items())),
        },
        "costs": {"llm": _llm_costs(run)},
    }


def build_manifest(run: RunDir, config: dict[str, Any]) -> dict[str, Any]:
    """Counts at each stage, recomputed from the files (so they are right after a resume)."""
    verdicts = list(run.records("verdicts.jsonl"))
    rejected = list(run.records("rejected.jsonl"))
    accepted = list(run.records("trajectories.jsonl"))
    tasks = list(run.records("tasks.jsonl"))
    by_stage = _by_stage(rejected)
    domains = {t["doc_id"] for t in tasks} | {r["doc_id"] for r in rejected if r["stage"] in ("tasks", "verify")}
    docs_with_accepted = {t["doc_id"] for t in accepted}
    relevant = [v for v in verdicts if v["relevant"]]
    n_msgs = [len(t["messages"]) for t in accepted]
    calls = [[c for m in t["messages"] if m["role"] == "assistant" for c in m.get("tool_calls") or []]
             for t in accepted]
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
        "costs": {"llm": _llm_costs(run)},
    }
