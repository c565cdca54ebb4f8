"""Issue 4's quality measure: the offline pipeline on real help-centre and policy text (prints JSON).

For tau2_banking_kb_docs.jsonl and support_policies.jsonl: documents -> relevant -> domains ->
admitted tasks -> accepted trajectories; mean messages, tool calls and distinct tools per accepted
trajectory; the share of relevant documents with an accepted trajectory (target >= 0.5) and the
share of accepted trajectories that `gem verify` confirms (target 1.0). Needs ../shared.
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
FILES = ["tau2_banking_kb_docs.jsonl", "support_policies.jsonl"]


def measure(corpus: Path, out: Path) -> dict:
    from gem_env.cli import main

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["synthesize", str(corpus), "--out", str(out), "--concurrency", "4"]) == 0
    seconds = time.perf_counter() - t0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        verify_rc = main(["verify", str(out), "--json"])
    verified = json.loads(buf.getvalue())
    manifest = json.loads((out / "manifest.json").read_text())
    c = manifest["counts"]
    accepted = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
    n_accepted_confirmed = sum(1 for _ in accepted) - sum(1 for d in verified["disagreements"] if d["file"] == "accepted")
    return {
        "documents": c["documents"], "relevant": c["relevant"], "domains": c["domains"],
        "tasks_admitted": c["tasks_admitted"], "trajectories_accepted": c["trajectories_accepted"],
        "trajectories_rejected": c["trajectories_rejected"], "rejected_by_stage": c["rejected_by_stage"],
        "share_relevant_with_accepted": round(c["relevant_documents_with_accepted_trajectory"] / max(1, c["relevant"]), 3),
        "share_accepted_confirmed_by_verify": round(n_accepted_confirmed / max(1, len(accepted)), 3),
        "verify_exit_code": verify_rc,
        **manifest["accepted_trajectories"],
        "seconds": round(seconds, 1),
        "docs_per_second": round(c["documents"] / seconds, 1),
    }


def main() -> int:
    if not CORPORA.exists():
        print(json.dumps({"skipped": f"{CORPORA} is absent"}))
        return 0
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in FILES:
            results[name] = measure(CORPORA / name, Path(tmp) / name)
    results["targets"] = {"share_relevant_with_accepted": 0.5, "share_accepted_confirmed_by_verify": 1.0}
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
