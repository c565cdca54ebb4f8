"""SFT pairs for the trajectory synthesizer (issue 14): a document in, a whole episode out.

Each record is an OpenAI chat fine-tuning line whose ``messages`` are the synthesizer's system
prompt, the source document (for about half of the records, deterministically, with the task's
category as a request) and one assistant reply: the target, one JSON object in the format of
`gem_env.stages.synthesizer.format` (domain, task, conversation with the real tool replies); see
docs/synthesizer.md. Written as ``OUT/<split>.jsonl`` and, when the ``hf`` extra is installed, as a
``datasets.DatasetDict`` in ``OUT/hf`` (with Parquet files in ``OUT/hf/data``). Trajectories that
cannot be expressed as a target (no source document given, a task not on a seed row of its
workflow's anchor, as refined variants are) are listed with the reason in ``OUT/skipped.jsonl``.

The documents are not in a run directory: `export_run` passes the corpus the run was made from.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from ...errors import GemError
from ..rundir import read_jsonl
from .records import Example, RunInfo

SUFFIX = ".jsonl"


def write(out: Path, splits: dict[str, Iterable[Example]], *, run: RunInfo,
          corpus: Iterable[str] = ()) -> dict[str, int]:
    """``OUT/<split>.jsonl`` (+ ``OUT/hf``); the number of SFT pairs written per split."""
    documents = _documents(corpus)
    records = {r.get("id"): r for r in read_jsonl(run.path / "trajectories.jsonl")}
    anchors = _AnchorFinder(run)
    rows: dict[str, list[dict[str, Any]]] = {}
    skipped = []
    for name, items in splits.items():
        rows[name] = []
        for ex in items:
            got = sft_pair(ex, records.get(ex.id) or {}, documents, anchors)
            if isinstance(got, str):
                skipped.append({"id": ex.id, "domain": ex.domain, "reason": got})
            else:
                rows[name].append(got)
    for name, pairs in rows.items():
        with (out / f"{name}{SUFFIX}").open("w", encoding="utf-8") as fh:
            for pair in pairs:
                fh.write(json.dumps(pair, ensure_ascii=False) + "\n")
    with (out / "skipped.jsonl").open("w", encoding="utf-8") as fh:
        for s in skipped:
            fh.write(json.dumps(s, ensure_ascii=False) + "\n")
    _write_hf(out / "hf", rows)
    return {name: len(pairs) for name, pairs in rows.items()}


def sft_pair(ex: Example, record: dict[str, Any], documents: dict[str, Any],
             anchors: "_AnchorFinder") -> dict[str, Any] | str:
    """One SFT pair, or why this trajectory cannot be one."""
    from ...stages.synthesizer.format import FORMAT, TASK_KINDS, dump_target, target_domain, target_from_messages
    from ...stages.synthesizer.prompt import synth_chat
    doc = documents.get(ex.doc_id or "")
    if doc is None:
        return f"source document {ex.doc_id!r} is not in the corpus given"
    domain = anchors.run.domains.get(ex.domain)
    task = record.get("task") or {}
    if domain is None or not record.get("messages"):
        return "the run has no domain file or messages for this trajectory"
    kind = task.get("category") or "complete"
    if kind not in TASK_KINDS:
        return f"a {kind!r} task is not one workflow on one row, which is all {FORMAT} can name"
    first = _first_request(task, record["messages"])
    if isinstance(first, str):
        return first
    workflow, anchor, messages = first
    if anchor is None:
        anchor = anchors.find(ex.domain, workflow, kind, task.get("id"))
    if anchor is None or messages is None:
        return "its task is not on a seed row of its workflow's anchor (a refined variant?)"
    target = target_from_messages(target_domain(domain), workflow, anchor, messages, kind)
    category = ex.category if _asks_category(ex.id) else None
    messages = [*synth_chat(doc, category), {"role": "assistant", "content": dump_target(target)}]
    return {"messages": messages, "id": ex.id, "domain": ex.domain, "category": ex.category,
            "doc_id": ex.doc_id, "provenance": ex.provenance}


def _first_request(task: dict[str, Any], messages: list[dict[str, Any]]) -> tuple[str, Any, Any] | str:
    """(workflow, anchor key or None, messages) of what the target names: a task's one request, or
    the first request of a session of the task's kind (the customer's follow-on requests are left
    out: the conversation ends where the assistant closes that request, with the user's stop); or
    why the first request cannot stand alone: a first message that announces more requests would
    teach a conversation that promises them and stops (and the assistant's "You also mentioned ...")."""
    from ...simulators.phrases import announces_more
    from ...simulators.scenario import STOP, Scenario
    from ...stages.synthesizer.format import FORMAT
    from ...simulators.scripted import ScriptedUser
    requests = (task.get("scenario") or {}).get("requests") or []
    if len(requests) <= 1:
        return task.get("workflow"), None, messages
    first = requests[0]
    if first.get("kind") != task.get("category") or not first.get("anchor"):
        return task.get("workflow"), None, None
    opening = next((m.get("content") or "" for m in messages if m.get("role") == "user"), "")
    if announces_more(opening):
        return (f"the session's first message announces {len(requests)} requests; {FORMAT} names one, "
                "and the first alone would end on requests promised and never made")
    settles = ScriptedUser(Scenario.model_validate(task["scenario"])).settles  # where the user moved on
    close = next((i for i, m in enumerate(messages) if m.get("role") == "assistant" and not m.get("tool_calls")
                  and settles(m.get("content") or "")), None)
    if close is None:
        return task.get("workflow"), None, None
    cut = [*messages[:close + 1], {"role": "user", "content": STOP}]
    return str(task.get("workflow", "")).split("+")[0], first["anchor"], cut


def _asks_category(record_id: str) -> bool:
    """About half the inputs request the category, so a model learns both to follow and to choose one."""
    return hashlib.sha256(record_id.encode("utf-8")).digest()[0] % 2 == 0


class _AnchorFinder:
    """The anchor key of a task: the seed row its task id was made from (`stages.tasks.build.task_id`)."""

    def __init__(self, run: RunInfo) -> None:
        self.run = run
        self._keys: dict[tuple[str, str, str], dict[str, Any]] = {}

    def find(self, domain: str, workflow: str | None, kind: str, task_id: str | None) -> Any:
        if workflow is None or task_id is None:
            return None
        if (domain, workflow, kind) not in self._keys:
            self._keys[(domain, workflow, kind)] = self._task_ids(domain, workflow, kind)
        return self._keys[(domain, workflow, kind)].get(task_id)

    def _task_ids(self, domain: str, workflow: str, kind: str) -> dict[str, Any]:
        from ...stages.extract.offline import check_domain
        from ...stages.tasks import anchor_rows
        from ...stages.tasks.build import task_id
        from ...tools import parse_domain
        compiled = check_domain(parse_domain(self.run.domains[domain]))
        if isinstance(compiled, str):
            return {}
        wf = next((w for w in compiled.domain.workflows if w.name == workflow), None)
        if wf is None:
            return {}
        pk = compiled.tables[wf.anchor.table].pk
        name = workflow if kind == "complete" else f"{kind}.{workflow}"
        rows = anchor_rows(compiled, wf, matching=kind != "refuse")
        return {task_id(domain, name, str(r[pk])): r[pk] for r in rows}


def _documents(corpus: Iterable[str]) -> dict[str, Any]:
    paths = list(corpus)
    if not paths:
        raise GemError("--format synthesizer needs --corpus: the documents the run was made from "
                       "(a run directory does not keep them)")
    from ..corpus import iter_documents
    return {doc.id: doc for doc in iter_documents(paths)}


def _write_hf(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """A DatasetDict of the pairs (messages, id, domain, category, doc_id, provenance)."""
    from . import hf
    try:
        import datasets
    except ImportError:
        (folder.parent / "hf.txt").write_text("not written: the hf extra is not installed "
                                              "(pip install 'gem-env[hf]')\n", encoding="utf-8")
        return
    datasets.disable_progress_bars()
    V = datasets.Value
    feats = datasets.Features({"messages": datasets.List({"role": V("string"), "content": V("string")}),  # noqa
                               "id": V("string"), "domain": V("string"), "category": V("string"),
                               "doc_id": V("string"), "provenance": datasets.Json() if hf.objects(datasets) else V("string")})
    def columns(pairs: list[dict[str, Any]]) -> dict[str, list[Any]]:  # column-wise: an empty split works too
        return {key: [p[key] if key != "provenance" or hf.objects(datasets) else json.dumps(p[key], ensure_ascii=False)
                      for p in pairs] for key in feats}
    parts = {name: datasets.Dataset.from_dict(columns(pairs), features=feats) for name, pairs in rows.items()}
    datasets.DatasetDict(parts).save_to_disk(str(folder))
    (folder / "data").mkdir(exist_ok=True)
    for name, ds in parts.items():
        ds.to_parquet(str(folder / "data" / f"{name}.parquet"))


def read(path: Path) -> list[dict[str, Any]]:
    """The pairs of one exported split file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
