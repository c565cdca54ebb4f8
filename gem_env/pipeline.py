"""One document's way through the stages: filter → extract → tasks → ground → verify → refine → records.

Each stage is an object with one async method, ``run(state) -> bool`` (go on to the next stage or
stop), over a `DocState` that holds what the stages so far made of the document and the `Unit`
of records it will leave in the run directory. `Pipeline` composes them in order; `gem filter`,
`gem extract` and `gem synthesize` are the same pipeline stopped at ``filter``, ``extract`` and
``records`` (`PipelineConfig.stop`).

A pipeline is built from a `PipelineConfig` (what decides the output) and a `Runtime` (where the
caches and worker processes are): both picklable, so an engine's worker (see `gem_env.engines`)
rebuilds the same stages and clients instead of being shipped lambdas or live connections.

`Pipeline.run` never raises. A failing stage becomes a recorded rejection; an endpoint that is
down after its retries leaves the unit ``unfinished`` (not written, retried by ``--resume``); an
endpoint that refuses every request (bad key, unknown model) makes the unit ``fatal``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, Sequence

from pydantic import BaseModel

from .documents import Document, Rejection, Verdict
from .llm.errors import LLMContextExceeded, LLMRequestRejected, LLMUnavailable
from .llm.usage import COST_KEYS, reported

log = logging.getLogger(__name__)

Stop = Literal["filter", "extract", "records"]
FILES: dict[str, list[str]] = {
    "filter": ["verdicts.jsonl", "rejected.jsonl", "timings.jsonl"],
    "extract": ["verdicts.jsonl", "rejected.jsonl", "timings.jsonl"],
    "records": ["verdicts.jsonl", "tasks.jsonl", "trajectories.jsonl", "rejected.jsonl", "timings.jsonl"],
}


class PipelineConfig(BaseModel):
    """Everything that decides a run's output (kept in RUN/config.json; a resume must match it)."""

    backend: Literal["offline", "llm", "synthesizer"] = "offline"
    filter: Literal["offline", "llm", "banded"] | None = None  # None: `backend`; banded: offline + LLM near the threshold
    extract: Literal["offline", "llm"] | None = None  # None: `backend`
    user: Literal["scripted", "llm"] = "scripted"
    agent: Literal["workflow", "llm"] = "workflow"
    seed: int = 0
    tasks_per_domain: int = 3
    max_turns: int = 30
    max_tool_errors: int = 5
    models: dict[str, dict[str, Any]] = {}
    stop: Stop = "records"
    threshold: float | None = None
    refine: list[str] = []  # recipes for the refine slot (stages/refine), e.g. ["chain+miss_param"]

    def output_config(self) -> dict[str, Any]:
        """The config as recorded; ``stop`` and ``threshold`` only when not their defaults, so a
        synthesize run records what it always did."""
        data = self.model_dump(mode="json")
        if self.stop == "records":
            data.pop("stop")
        if self.threshold is None:
            data.pop("threshold")
        for stage in ("filter", "extract"):
            if data[stage] is None:
                data.pop(stage)
        if not self.refine:
            data.pop("refine")
        return data

    def stage_backend(self, stage: Literal["filter", "extract"]) -> str:
        """The backend of the filter or the extractor: its own setting, else `backend` (the
        synthesizer backend has neither: `build_pipeline` gives it no filter and no extractor)."""
        return getattr(self, stage) or ("offline" if self.backend == "synthesizer" else self.backend)


@dataclass(frozen=True)
class Runtime:
    """Where a run keeps its caches and how many processes compile LLM domains; not part of the
    output, so not in config.json."""

    cache_dir: str | None = ".gem-cache"
    check_workers: int = 1


@dataclass
class Unit:
    """What one input item produced: records per file, its domain file, or why it is not done."""

    doc_id: str
    files: Sequence[str] = ()
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    domain_file: tuple[str, str] | None = None
    unfinished: str | None = None  # the endpoint was down: write nothing, a resume retries it
    fatal: str | None = None       # the endpoint refuses every request: the run stops

    def __post_init__(self) -> None:
        for name in self.files:
            self.records.setdefault(name, [])

    def reject(self, stage: str, reason: str, **detail: Any) -> None:
        self.records["rejected.jsonl"].append({"doc_id": self.doc_id, "stage": stage, "reason": reason, **detail})


@dataclass
class DocState:
    """One document on its way: what each stage made of it so far."""

    doc: Document
    name: str  # the domain's name, given by the driver (unique in the run)
    unit: Unit
    llm: dict[str, int] = field(default_factory=lambda: {k: 0 for k in COST_KEYS})
    verdict: Verdict | None = None
    compiled: Any = None  # CompiledDomain
    tasks: list[Any] = field(default_factory=list)
    trajectories: list[Any] = field(default_factory=list)
    accepted: list[bool] = field(default_factory=list)

    usage: Any = None  # the stages' own `gem_env.llm.Usage` (retries and cache hits too)

    def add_usage(self, usage: Any) -> None:
        """Add a `gem_env.llm.Usage` (of a stage) or a ``meta.llm`` dict (of a trajectory)."""
        if usage is None:
            return
        if not isinstance(usage, dict):
            self.usage = usage if self.usage is None else self.usage + usage
        get = usage.get if isinstance(usage, dict) else (lambda k, d: getattr(usage, k, d))
        for k in COST_KEYS:
            self.llm[k] += int(get(k, 0) or 0)


class Stage(Protocol):
    name: str

    async def run(self, state: DocState) -> bool:
        """Do this stage's work on `state`; False when the document goes no further."""
        ...


class Pipeline:
    """Stages in order over one input item at a time; see the module docstring."""

    def __init__(self, stages: Sequence[Stage], files: Sequence[str], close: Any = None) -> None:
        self.stages = list(stages)
        self.files = list(files)
        self._close = close

    async def run(self, item: Document | Rejection, name: str = "") -> Unit:
        """The unit of `item` (an unreadable input line comes as a `Rejection` of stage ``read``)."""
        if isinstance(item, Rejection):
            unit = Unit(item.id, self.files)
            unit.reject(item.stage, item.reason, **({"detail": item.detail} if item.detail else {}))
            return unit
        started = time.perf_counter()
        state = DocState(item, name or item.id, Unit(item.id, self.files))
        for stage in self.stages:
            try:
                if not await stage.run(state):
                    break
            except LLMContextExceeded as err:  # too long for the model: this document's rejection
                state.unit.reject(stage.name, str(err))
                break
            except LLMRequestRejected as err:
                return Unit(item.id, self.files, fatal=str(err))
            except LLMUnavailable as err:
                return Unit(item.id, self.files, unfinished=str(err))
            except Exception as err:  # noqa: BLE001 - one broken document must not end a corpus run
                log.debug("%s failed on %s", stage.name, item.id, exc_info=True)  # the rejection says why
                state.unit.reject(stage.name, f"internal error: {type(err).__name__}: {err}")
                break
        state.unit.records["timings.jsonl"].append(
            {"doc_id": item.id, "document_seconds": round(time.perf_counter() - started, 4), "llm": reported(state.llm)})
        return state.unit

    async def aclose(self) -> None:
        if self._close is not None:
            await self._close()


# ---------------------------------------------------------------------------- the stages


class FilterStage:
    """Stage 1: is this a procedure an assistant could carry out? Records the verdict."""

    name = "filter"

    def __init__(self, judge: Any) -> None:
        self.judge = judge

    async def run(self, s: DocState) -> bool:
        if hasattr(self.judge, "ajudge"):
            verdict, usage = await self.judge.ajudge(s.doc)
            s.add_usage(usage)
        else:
            verdict = self.judge.judge(s.doc)
        s.verdict = verdict
        s.unit.records["verdicts.jsonl"].append({"doc_id": s.doc.id, **verdict.model_dump()})
        if not verdict.relevant:
            s.unit.reject("filter", verdict.reason, detail={"score": verdict.score})
        return verdict.relevant


class ExtractStage:
    """Stage 2: the document's domain, named once (`DocState.name`) and compiled once."""

    name = "extract"

    def __init__(self, extractor: Any) -> None:
        self.extractor = extractor

    async def run(self, s: DocState) -> bool:
        if hasattr(self.extractor, "aextract_compiled"):
            got, usage = await self.extractor.aextract_compiled(s.doc, s.verdict, name=s.name)
            s.add_usage(usage)
        else:
            got = self.extractor.extract_compiled(s.doc, s.verdict, name=s.name)
        if isinstance(got, Rejection):
            s.unit.reject(got.stage, got.reason, **({"detail": got.detail} if got.detail else {}))
            return False
        s.compiled = got
        s.unit.domain_file = (f"{got.domain.name}.json", got.domain.to_json() + "\n")
        return True


class TasksStage:
    """Admitted tasks of the domain; the ones that cannot be admitted are recorded as rejections."""

    name = "tasks"

    def __init__(self, per_domain: int, seed: int) -> None:
        self.per_domain, self.seed = per_domain, seed

    async def run(self, s: DocState) -> bool:
        from .stages.tasks import make_tasks
        s.tasks, rejections = make_tasks(s.compiled, per_domain=self.per_domain, seed=self.seed, doc_id=s.doc.id)
        for r in rejections:
            s.unit.reject("tasks", r.reason, task=r.id, **({"detail": r.detail} if r.detail else {}))
        return True


class GroundStage:
    """One rollout per task (user simulator ⇄ assistant ⇄ sandbox), concurrently.

    Each episode counts its own LLM usage (`EpisodeUsage`); an endpoint that went down during any
    of them raises here, so the document stays unfinished instead of being rejected at verify.
    """

    name = "ground"

    def __init__(self, cfg: PipelineConfig, agent_client: Any = None, user_client: Any = None) -> None:
        self.cfg, self.agent_client, self.user_client = cfg, agent_client, user_client

    async def run(self, s: DocState) -> bool:
        from .backends import make_agent, make_task_user
        from .stages.ground.episode import Limits
        from .stages.ground.rollout import run_rollout
        from .stages.ground.usage import EpisodeUsage

        limits = Limits(max_turns=self.cfg.max_turns, max_tool_errors=self.cfg.max_tool_errors)
        usages = [EpisodeUsage() for _ in s.tasks]
        s.trajectories = list(await asyncio.gather(*(
            run_rollout(task, s.compiled, make_agent(self.cfg.agent, s.compiled, self.agent_client, usage=u),
                        make_task_user(self.cfg.user, task, self.user_client, seed=self.cfg.seed, usage=u),
                        limits=limits, usage=u)
            for task, u in zip(s.tasks, usages))))
        outage = next((u.outage for u in usages if u.outage is not None), None)
        if outage is not None:
            raise outage
        for trajectory in s.trajectories:
            trajectory.meta["backends"]["stages"] = self.cfg.backend
            s.add_usage(trajectory.meta["llm"])
        return True


class VerifyStage:
    """Accept or reject each trajectory by its verification: the conversation replayed in a fresh
    sandbox against the gold actions (run by the rollout, which holds the compiled domain)."""

    name = "verify"

    async def run(self, s: DocState) -> bool:
        s.accepted = [t.verification.passed for t in s.trajectories]
        return True


class RecordsStage:
    """The unit's records: tasks, accepted trajectories, rejected ones (kept whole), timings."""

    name = "records"

    async def run(self, s: DocState) -> bool:
        records = s.unit.records
        for task, trajectory, passed in zip(s.tasks, s.trajectories, s.accepted):
            records["tasks.jsonl"].append(task.model_dump(mode="json"))
            record = trajectory.model_dump(mode="json")
            records["timings.jsonl"].append({"doc_id": s.doc.id, "trajectory": trajectory.id,
                                             "seconds": trajectory.timings})
            if passed:
                records["trajectories.jsonl"].append(record)
            else:
                s.unit.reject("verify", "failed: " + ", ".join(trajectory.verification.failed),
                              task=task.id, trajectory=record)
        return True


# ---------------------------------------------------------------------------- building


def build_pipeline(cfg: PipelineConfig, runtime: Runtime = Runtime(), *,
                   refine: Sequence[Stage] = ()) -> Pipeline:
    """The stages `cfg` asks for, with their backends and clients built here (in this process).

    `refine` is the slot for refinement stages, run between verify and records (none by default).
    """
    from .llm import LLMClient, LLMConfig

    clients: dict[str, Any] = {}

    def client(role: str) -> Any:
        if role not in clients:
            clients[role] = LLMClient(LLMConfig(**{**cfg.models[role], "cache_dir": runtime.cache_dir}))
        return clients[role]

    def stage_client(stage: str) -> Any:  # runs before the per-stage roles kept "stages"
        return client(stage if stage in cfg.models else "stages")

    pool = None
    threshold = {} if cfg.threshold is None else {"threshold": cfg.threshold}  # the offline filter's
    if cfg.backend == "synthesizer" and cfg.stop != "records":
        raise ValueError("the synthesizer backend runs only the whole pipeline (gem synthesize)")
    extractor: Any = None
    if cfg.backend == "synthesizer":  # its one model call sees every document (pre-filter with gem filter)
        from .stages.synthesizer import Unfiltered
        judge: Any = Unfiltered()
    elif cfg.stage_backend("filter") == "offline":
        from .stages.filter import OfflineFilter
        judge = OfflineFilter(**threshold)
    elif cfg.stage_backend("filter") == "banded":  # without a model the band keeps the offline verdict
        from .stages.filter import BandedFilter, LLMFilter, OfflineFilter
        has_model = "filter" in cfg.models or "stages" in cfg.models
        judge = BandedFilter(OfflineFilter(**threshold), LLMFilter(stage_client("filter")) if has_model else None)
    else:
        from .stages.filter import LLMFilter
        judge = LLMFilter(stage_client("filter"))
    if cfg.backend == "synthesizer" or cfg.stop == "filter":
        pass
    elif cfg.stage_backend("extract") == "offline":
        from .stages.extract.offline import OfflineExtractor
        extractor = OfflineExtractor(seed=cfg.seed)
    else:
        from .stages.extract.llm import LLMExtractor
        if runtime.check_workers > 0:
            from concurrent.futures import ProcessPoolExecutor
            pool = ProcessPoolExecutor(runtime.check_workers)
        extractor = LLMExtractor(stage_client("extract"), seed=cfg.seed, executor=pool)
    if cfg.refine:
        from .stages.refine.stage import RefineStage
        refine = [*refine, RefineStage(cfg, client("agent") if cfg.agent == "llm" else None,
                                       client("user") if cfg.user == "llm" else None)]
    stages: list[Stage] = [FilterStage(judge)]
    if cfg.backend == "synthesizer":  # one model call writes domain, task and dialogue (issue 14)
        from .stages.synthesizer import SynthesizerStage
        stages += [SynthesizerStage(client("stages"), seed=cfg.seed), VerifyStage(), *refine, RecordsStage()]
    elif cfg.stop != "filter":
        stages.append(ExtractStage(extractor))
    if cfg.stop == "records" and cfg.backend != "synthesizer":
        stages += [TasksStage(cfg.tasks_per_domain, cfg.seed),
                   GroundStage(cfg, client("agent") if cfg.agent == "llm" else None,
                               client("user") if cfg.user == "llm" else None),
                   VerifyStage(), *refine, RecordsStage()]

    async def close() -> None:
        for c in clients.values():
            await c.aclose()
        if pool is not None:
            pool.shutdown()

    return Pipeline(stages, FILES[cfg.stop], close)
