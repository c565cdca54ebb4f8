"""What every export format shares: reading a run, choosing records, splitting by domain, provenance.

An exported record is built from one accepted trajectory of `RUN/trajectories.jsonl`. Its messages
are the trajectory's OpenAI messages made ready for supervised training: the user simulator's last
turn (its goodbye and stop marker, which no model should learn to produce or answer) is dropped, so a
conversation ends on the assistant; an assistant message that only calls tools has ``content: null``.
A record whose tools changed mid-conversation is cut to the turns one tool list is true of
(`turns_with_one_tool_list`; `provenance.cut_at` says where and why).

``category`` is the kind of the session's first request (the task's kind); ``request_kinds`` lists
every request's kind in order (``["lookup", "complete", "complete"]`` for a session of three), so a
buyer can tell a single refusal from a session that holds one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterator

from ...errors import GemError
from ..rundir import read_jsonl

SPLIT_NAMES = {1: ["train"], 2: ["train", "test"], 3: ["train", "validation", "test"]}
DEFAULT_CATEGORY = "base"


@dataclass(frozen=True)
class Selection:
    """Which trajectories to export. ``categories`` empty: all; else a record whose category or any
    request's kind is listed. ``max_requests`` 0: any number of requests in a session."""

    categories: frozenset[str] = frozenset()
    min_turns: int = 0
    max_requests: int = 0

    def keeps(self, category: str, request_kinds: list[str]) -> bool:
        if self.categories and not (self.categories & {category, *request_kinds}):
            return False
        return not self.max_requests or len(request_kinds) <= self.max_requests


@dataclass
class Example:
    """One exportable trajectory: SFT-ready messages, its tools, labels and provenance."""

    id: str
    domain: str
    category: str
    doc_id: str | None
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    provenance: dict[str, Any] = field(default_factory=dict)
    request_kinds: list[str] = field(default_factory=list)


@dataclass
class RunInfo:
    """What a run says about how it was made: versions, settings, domain files by name."""

    path: Path
    manifest: dict[str, Any]
    config: dict[str, Any]
    domains: dict[str, dict[str, Any]]
    digests: dict[str, str]


def canonical_digest(data: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces): equal content, equal digest."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_run(path: str | Path) -> RunInfo:
    run = Path(path)
    if not (run / "trajectories.jsonl").is_file():
        raise GemError(f"{run}: not a run directory (no trajectories.jsonl)")
    manifest = _json_file(run / "manifest.json")
    config = _json_file(run / "config.json") or manifest.get("config", {})
    domains: dict[str, dict[str, Any]] = {}
    folder = run / "domains"
    for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = _json_file(file)
        if isinstance(data.get("name"), str):
            domains.setdefault(data["name"], data)
    return RunInfo(run, manifest, config, domains, {n: canonical_digest(d) for n, d in domains.items()})


def _json_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise GemError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
    return data if isinstance(data, dict) else {}


def sft_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation without the closing user turn(s), each message with only OpenAI's keys."""
    end = len(messages)
    while end > 0 and messages[end - 1].get("role") == "user":
        end -= 1
    out = []
    for m in messages[:end]:
        msg: dict[str, Any] = {"role": m["role"], "content": m.get("content")}
        if m.get("tool_calls"):
            msg["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["function"]["name"],
                                               "arguments": c["function"]["arguments"]}}
                                 for c in m["tool_calls"]]
            msg["content"] = msg["content"] or None
        elif msg["content"] is None:
            msg["content"] = ""
        if m["role"] == "tool":
            msg["tool_call_id"] = m.get("tool_call_id")
        out.append(msg)
    return out


def assistant_turns(messages: list[dict[str, Any]]) -> int:
    return sum(1 for m in messages if m.get("role") == "assistant")


def category_of(record: dict[str, Any]) -> str:
    task = record.get("task") or {}
    return str(task.get("category") or DEFAULT_CATEGORY)


def request_kinds(record: dict[str, Any]) -> list[str]:
    """The kind of each request of the session, in order (one request: the task's category)."""
    task = record.get("task") or {}
    requests = (task.get("scenario") or {}).get("requests") or []
    return [str(r.get("kind") or "complete") for r in requests] or [category_of(record)]


def provenance(record: dict[str, Any], run: RunInfo) -> dict[str, Any]:
    """Where a record came from and how it was made, enough to reproduce or audit it."""
    task = record.get("task") or {}
    domain = run.domains.get(record.get("domain", ""), {})
    meta = record.get("meta") or {}
    verification = record.get("verification") or {}
    return {
        "trajectory_id": record.get("id"),
        "task_id": task.get("id"),
        "doc_id": record.get("doc_id"),
        "source": (domain.get("provenance") or {}).get("source"),
        "spans": _spans(domain, task.get("workflow")),
        "domain": record.get("domain"),
        "domain_sha256": run.digests.get(record.get("domain", "")),
        "gem_env_version": run.manifest.get("gem_env") or _installed_version(),
        "backends": meta.get("backends") or {k: run.config.get(k) for k in ("backend", "user", "agent")},
        "models": run.config.get("models") or {},
        "seed": {"run": run.config.get("seed"), **(meta.get("seeds") or {}), "task": task.get("seed")},
        "verification": {"passed": bool(verification.get("passed")),
                         "checks": {c.get("name"): bool(c.get("passed")) for c in verification.get("checks", [])}},
        "request_kinds": request_kinds(record),
        **({"cut_at": cut_at(record)} if (meta.get("tools_added") or {}) else {}),
    }


def cut_at(record: dict[str, Any]) -> dict[str, Any]:
    """Where `turns_with_one_tool_list` cuts a record and why: the verification above is of the whole
    conversation, of which the export keeps the first ``message`` messages."""
    added = record["meta"]["tools_added"]
    return {"message": added["message"], "of": len(record.get("messages") or []),
            "tools_added": list(added.get("tools") or [])}


def _installed_version() -> str | None:
    try:
        return metadata.version("gem-env")
    except metadata.PackageNotFoundError:
        return None


def _spans(domain: dict[str, Any], workflow: str | None) -> list[dict[str, Any]]:
    """The source spans of the task's workflow (its own and its steps'), else the domain's."""
    wf = next((w for w in domain.get("workflows", []) if w.get("name") == workflow), None)
    spans = []
    if wf is not None:
        spans = [s for s in [wf.get("span"), *(st.get("span") for st in wf.get("steps", []))] if s]
    if not spans:
        spans = (domain.get("provenance") or {}).get("spans", [])
    return [{"start": s.get("start"), "end": s.get("end")} for s in spans]


def examples(run: RunInfo, selection: Selection) -> Iterator[Example]:
    """Every accepted trajectory of the run that the selection keeps, in file order."""
    for record in read_jsonl(run.path / "trajectories.jsonl"):
        if not record.get("messages") or not record.get("domain"):
            continue
        category, kinds = category_of(record), request_kinds(record)
        if not selection.keeps(category, kinds):
            continue
        messages, tools = turns_with_one_tool_list(record)
        if assistant_turns(messages) < selection.min_turns:
            continue
        yield Example(id=str(record.get("id")), domain=record["domain"], category=category,
                      doc_id=record.get("doc_id"), messages=messages, tools=tools,
                      provenance=provenance(record, run), request_kinds=kinds)


def turns_with_one_tool_list(record: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The SFT messages and the one tool list true of all of them. A refined record whose tool set
    grew mid-conversation (`meta.tools_added`: BFCL's missing function, which the assistant said it
    could not use) is cut where the tools came: the turns before it, with the tools they had. With
    the whole conversation under the final list, a model would learn to say "I can't" with the tool
    in front of it."""
    tools = record.get("tools") or []
    added = (record.get("meta") or {}).get("tools_added")
    if not added:
        return sft_messages(record["messages"]), tools
    missing = set(added.get("tools") or [])
    return (sft_messages(record["messages"][:added["message"]]),
            [t for t in tools if (t.get("function") or t).get("name") not in missing])


def parse_split(text: str | None) -> list[tuple[str, float]]:
    """``"0.8,0.1,0.1"`` -> [("train", .8), ("validation", .1), ("test", .1)]; None -> all train."""
    if not text:
        return [("train", 1.0)]
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError:
        raise GemError(f"--split must be fractions separated by commas, e.g. 0.8,0.1,0.1 (got {text!r})") from None
    if len(parts) not in SPLIT_NAMES or any(p < 0 for p in parts) or abs(sum(parts) - 1) > 1e-6:
        raise GemError(f"--split takes 1 to 3 non-negative fractions that sum to 1 (got {text!r})")
    return list(zip(SPLIT_NAMES[len(parts)], parts))


def split_by_domain(items: list[Example], split: list[tuple[str, float]], seed: int = 0) -> dict[str, list[Example]]:
    """Assign whole domains to splits so that no domain is in two of them.

    Domains are visited in an order fixed by the seed (a hash of seed and name) and each goes to the
    split furthest below its target share of records; the result is deterministic and close to the
    fractions when there are many domains (with few, shares are coarse).
    """
    by_domain: dict[str, list[Example]] = {}
    for ex in items:
        by_domain.setdefault(ex.domain, []).append(ex)
    order = sorted(by_domain, key=lambda d: hashlib.sha256(f"{seed}\x00{d}".encode()).hexdigest())
    total = len(items)
    out: dict[str, list[Example]] = {name: [] for name, _ in split}
    for domain in order:
        name = max(split, key=lambda s: (s[1] * total - len(out[s[0]])) if s[1] > 0 else float("-inf"))[0]
        out[name].extend(by_domain[domain])
    return out
