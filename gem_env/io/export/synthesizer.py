"""SFT pairs for the trajectory synthesizer (issue 14): a document in, a whole episode out.

Each record is an OpenAI chat fine-tuning line whose ``messages`` are the synthesizer's system
prompt, the source document (for about half of the records, deterministically, with the task's
category as a request) and one assistant reply: the target, one JSON object in the format of
`gem_env.stages.synthesizer.format` (domain, task, conversation with the real tool replies); see
docs/synthesizer.md. Every task the task maker makes is a target, a session whole: its requests
are named by remaking it (`stages.synthesizer.sessions`). Written as ``OUT/<split>.jsonl`` and,
when the ``hf`` extra is installed, as a ``datasets.DatasetDict`` in ``OUT/hf`` (with Parquet files
in ``OUT/hf/data``). Trajectories that cannot be a target (no source document given, a refined
variant, a task the task maker does not make again) are listed with the reason in
``OUT/skipped.jsonl``.

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
    makers = _Makers(run)
    rows: dict[str, list[dict[str, Any]]] = {}
    skipped = []
    for name, items in splits.items():
        rows[name] = []
        for ex in items:
            got = sft_pair(ex, records.get(ex.id) or {}, documents, makers)
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
             makers: "_Makers") -> dict[str, Any] | str:
    """One SFT pair, or why this trajectory cannot be one."""
    from ...stages.synthesizer.format import dump_target, target_domain, target_from_messages, task_ref
    from ...stages.synthesizer.prompt import synth_chat
    doc = documents.get(ex.doc_id or "")
    if doc is None:
        return f"source document {ex.doc_id!r} is not in the corpus given"
    domain = makers.run.domains.get(ex.domain)
    task = record.get("task") or {}
    if domain is None or not record.get("messages"):
        return "the run has no domain file or messages for this trajectory"
    named = makers.requests(ex.domain, task)
    if isinstance(named, str):
        return named
    target = target_from_messages(target_domain(domain), task_ref(task["category"], named), record["messages"])
    category = ex.category if _asks_category(ex.id) else None
    messages = [*synth_chat(doc, category), {"role": "assistant", "content": dump_target(target)}]
    return {"messages": messages, "id": ex.id, "domain": ex.domain, "category": ex.category,
            "doc_id": ex.doc_id, "provenance": ex.provenance}


def _asks_category(record_id: str) -> bool:
    """About half the inputs request the category, so a model learns both to follow and to choose one."""
    return hashlib.sha256(record_id.encode("utf-8")).digest()[0] % 2 == 0


class _Makers:
    """Each domain's task maker (`stages.synthesizer.sessions.TaskMaker`), remaking a record's task
    to name its requests as a reply names them."""

    def __init__(self, run: RunInfo) -> None:
        self.run = run
        self._makers: dict[tuple[str, int], Any] = {}

    def requests(self, domain: str, task: dict[str, Any]) -> list[dict[str, Any]] | str:
        """The record's requests (kind, workflow, anchor, offer) from its task remade, or why its task
        cannot be named: a refined variant, a kind the task maker does not make, or a task the task
        maker does not make again from its first request (with the run's seed) as the run has it."""
        from ...stages.synthesizer.format import REQUEST_KINDS, SESSION, RequestRef, TaskRef
        from ...stages.synthesizer.sessions import named_requests, remake
        kind = task.get("category") or "complete"
        if task.get("parent_id") or task.get("ops"):
            return (f"a refined variant ({'+'.join(task.get('ops') or []) or 'of ' + str(task['parent_id'])}): "
                    "the task maker does not make it from the domain's seed rows, so a reply cannot name it")
        if kind not in (*REQUEST_KINDS, SESSION):
            return f"a {kind!r} task is not one the task maker makes, which is all a reply can name"
        requests = (task.get("scenario") or {}).get("requests") or []
        maker = self._maker(domain, int(task.get("seed") or 0), task.get("doc_id"))
        if isinstance(maker, str):
            return maker
        if kind == SESSION:
            made = next((t for t in maker.sessions() if t.id == task.get("id")), None)
        else:
            if not requests or not requests[0].get("anchor"):
                return "the task's first request does not name its row (a run made before requests kept their anchor)"
            first = RequestRef(kind=requests[0].get("kind") or kind, anchor=requests[0]["anchor"],
                               workflow=str(task.get("workflow", "")).split("+")[0])
            ref = TaskRef(kind=kind, requests=[first])
            made = remake(maker.compiled, ref, maker=maker) if len(requests) <= 1 else maker.grown(first)
            made = made if not isinstance(made, str) else None
        if made is None or made.id != task.get("id"):
            return (f"the task maker does not make this {kind} task again from its requests (remade "
                    f"{made.id if made is not None else 'none'}): its requests cannot be named")
        return named_requests(made)

    def _maker(self, domain: str, seed: int, doc_id: str | None) -> Any:
        from ...stages.extract.offline import check_domain
        from ...stages.synthesizer.sessions import TaskMaker
        from ...tools import parse_domain
        if (domain, seed) not in self._makers:
            compiled = check_domain(parse_domain(self.run.domains[domain]))
            self._makers[(domain, seed)] = compiled if isinstance(compiled, str) else \
                TaskMaker(compiled, seed=seed, doc_id=doc_id)
        got = self._makers[(domain, seed)]
        return f"the run's domain file does not compile: {got}" if isinstance(got, str) else got


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
