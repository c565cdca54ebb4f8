"""What `gem report` shows, gathered from a run directory (synthesis or eval) as plain data."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from ..errors import GemError
from ..io.rundir import read_jsonl

#: GEM paper, mean per trajectory: messages, tool calls, distinct tools (before and after refinement)
GEM_PUBLISHED = {"before refinement": {"messages": 30.1, "tool_calls": 7.8, "distinct_tools": 5.0},
                 "after refinement": {"messages": 46.1, "tool_calls": 16.3, "distinct_tools": 8.6}}
#: at most this many trajectories are embedded in the browser (a page must stay loadable)
MAX_BROWSER = 2000


def shape(messages: list[dict[str, Any]]) -> dict[str, int]:
    calls = [c for m in messages if m.get("role") == "assistant" for c in m.get("tool_calls") or []]
    return {"messages": len(messages), "tool_calls": len(calls),
            "distinct_tools": len({(c.get("function") or {}).get("name") for c in calls})}


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _short(reason: str, limit: int = 90) -> str:
    """A rejection reason grouped by its gist: the part before any specifics after a colon."""
    head = reason.split(": ", 1)[0] if len(reason) > limit else reason
    return head[:limit]


def funnel(run: Path, manifest: dict[str, Any], rejected: list[dict[str, Any]], accepted: int) -> dict[str, Any]:
    counts = manifest.get("counts") or {}
    stages = [("documents", counts.get("documents")), ("relevant", counts.get("relevant")),
              ("domains", counts.get("domains")), ("tasks", counts.get("tasks_admitted")),
              ("accepted", accepted)]
    reasons: dict[str, Counter] = defaultdict(Counter)
    for r in rejected:
        reasons[str(r.get("stage", "?"))][_short(str(r.get("reason", "")))] += 1
    return {"stages": [{"name": n, "count": c} for n, c in stages if c is not None],
            "rejections": {stage: c.most_common(8) for stage, c in sorted(reasons.items())}}


def _table(records: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[r[key]].append(r)
    rows = []
    for name, rs in sorted(groups.items()):
        ok = [r for r in rs if r["passed"]]
        rows.append({"name": name, "trajectories": len(rs), "accepted": len(ok),
                     "acceptance": len(ok) / len(rs),
                     "mean_messages": round(mean(r["shape"]["messages"] for r in ok), 2) if ok else None,
                     "mean_tool_calls": round(mean(r["shape"]["tool_calls"] for r in ok), 2) if ok else None})
    return rows


def _record(t: dict[str, Any], passed: bool) -> dict[str, Any]:
    task = t.get("task") or {}
    return {"id": t.get("id"), "domain": t.get("domain") or "?", "category": str(task.get("category") or "base"),
            "kind": task.get("kind"), "goal": (task.get("scenario") or {}).get("goal", ""), "passed": passed,
            "messages": t.get("messages") or [], "checks": (t.get("verification") or {}).get("checks", []),
            "termination": (t.get("meta") or {}).get("termination"), "shape": shape(t.get("messages") or [])}


def collect(run: str | Path) -> dict[str, Any]:
    """Everything the report renders."""
    path = Path(run)
    if not (path / "trajectories.jsonl").is_file():
        raise GemError(f"{path}: not a run directory (no trajectories.jsonl)")
    manifest = _json(path / "manifest.json")
    eval_report = _json(path / "report.json")
    accepted = list(read_jsonl(path / "trajectories.jsonl"))
    rejected = list(read_jsonl(path / "rejected.jsonl"))
    records = [_record(t, True) for t in accepted]
    records += [_record(r["trajectory"], False) for r in rejected if isinstance(r.get("trajectory"), dict)]
    shapes = [r["shape"] for r in records if r["passed"]]
    ours = {k: round(mean(s[k] for s in shapes), 2) if shapes else 0.0 for k in ("messages", "tool_calls", "distinct_tools")}
    return {
        "run": str(path), "kind": "eval" if eval_report else "synthesis",
        "manifest": manifest, "funnel": funnel(path, manifest, rejected, len(accepted)),
        "distributions": {k: [s[k] for s in shapes] for k in ("messages", "tool_calls", "distinct_tools")},
        "means": ours, "published": GEM_PUBLISHED,
        "by_category": _table(records, "category"), "by_domain": _table(records, "domain"),
        "passk": _passk(eval_report) if eval_report else None,
        "trajectories": records[:MAX_BROWSER], "truncated": max(0, len(records) - MAX_BROWSER),
    }


def _passk(report: dict[str, Any]) -> dict[str, Any]:
    ks = report.get("k") or []

    def curve(group: dict[str, Any]) -> list[float | None]:
        return [group.get(f"pass^{k}") for k in ks]

    series = {"all": curve(report.get("overall") or {})}
    for name, group in sorted((report.get("by_domain") or {}).items())[:8]:
        series[name] = curve(group)
    return {"k": ks, "series": series, "trials": report.get("trials"),
            "by_category": {n: curve(g) for n, g in (report.get("by_category") or {}).items()}}
