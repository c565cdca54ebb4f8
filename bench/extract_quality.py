"""Stage 2 quality on real text (offline backend): prints one JSON object.

- ``wikihow_steps``: on wikihow_goal_steps_1000.jsonl, the share of documents whose first workflow
  has exactly the given number of steps (the ``steps`` field) (target >= 0.9). Every document is
  extracted (wikiHow is hands-on, so the filter would drop most of it; this measures segmentation).
- ``kept``: on tau2_banking_kb_docs.jsonl and support_policies.jsonl, of the documents the offline
  filter keeps: the share yielding a compiling domain, with >= 1 write tool guarded by a
  precondition (any ``require``, and one from the text rather than the generic status guard),
  and with >= 1 admitted task (`gem_env.stages.tasks.make_tasks`).

Run: python bench/extract_quality.py [--corpora DIR]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from gem_env.io.corpus import iter_documents
from gem_env.documents import Rejection, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.filter import OfflineFilter
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

ROOT = Path(__file__).resolve().parents[1]
STATUS_GUARD = re.compile(r"\.status [!=]= '")


def guarded(domain: Domain, from_text: bool) -> bool:
    return any(t.kind == "write" and any(isinstance(s, RequireStep) and not (from_text and STATUS_GUARD.search(s.require))
                                         for s in t.effect or []) for t in domain.tools)


def wikihow(path: Path) -> dict[str, Any]:
    ex = OfflineExtractor()
    total = exact = rejected = 0
    off: Counter[int] = Counter()
    started = time.perf_counter()
    for doc in iter_documents([path]):
        total += 1
        got = ex.extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="measured"))
        if isinstance(got, Rejection):
            rejected += 1
            continue
        diff = len(got.workflows[0].steps) - len(doc.meta["steps"])
        exact += diff == 0
        if diff:
            off[diff] += 1
    return {"documents": total, "exact_step_count": exact, "share_exact": round(exact / total, 4),
            "rejected": rejected, "off_by": dict(sorted(off.items())), "target": 0.9,
            "seconds": round(time.perf_counter() - started, 1)}


def kept(path: Path) -> dict[str, Any]:
    f, ex = OfflineFilter(), OfflineExtractor()
    c: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for doc in iter_documents([path]):
        c["documents"] += 1
        verdict = f.judge(doc)
        if not verdict.relevant:
            continue
        c["kept"] += 1
        got = ex.extract(doc, verdict)
        if isinstance(got, Rejection):
            reasons[got.reason[:80]] += 1
            continue
        compiled = check_domain(got)
        if isinstance(compiled, str):
            reasons["does not compile"] += 1
            continue
        c["compiling"] += 1
        c["guarded_write"] += guarded(got, from_text=False)
        c["text_guarded_write"] += guarded(got, from_text=True)
        tasks, _ = make_tasks(compiled, per_domain=3, doc_id=doc.id)
        c["admitted"] += bool(tasks)
        c["admitted_write"] += any(t.kind == "write" for t in tasks)
    n = max(1, c["kept"])
    return {"documents": c["documents"], "kept": c["kept"],
            "share_compiling": round(c["compiling"] / n, 4),
            "share_guarded_write": round(c["guarded_write"] / n, 4),
            "share_text_guarded_write": round(c["text_guarded_write"] / n, 4),
            "share_admitted_task": round(c["admitted"] / n, 4),
            "share_admitted_write_task": round(c["admitted_write"] / n, 4),
            "extract_rejections": dict(reasons.most_common(5))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = p.parse_args()
    if not args.corpora.is_dir():
        sys.exit(f"{args.corpora}: not found (the corpora live in ../shared/corpora)")
    report = {"wikihow_steps": wikihow(args.corpora / "wikihow_goal_steps_1000.jsonl"),
              "kept": {name: kept(args.corpora / f"{name}.jsonl")
                       for name in ("tau2_banking_kb_docs", "support_policies")}}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
