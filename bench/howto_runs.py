"""The how-to corpora as a data builder runs them: `gem synthesize` (offline) of each whole file at
two seeds, and what came out (prints one JSON object).

    python bench/howto_runs.py [--shared DIR] [--seeds 0 5] [--corpora NAME ...] [--keep DIR]

Per corpus and seed: documents, relevant, domains, admitted tasks, accepted and rejected
trajectories (`accepted_share` of the admitted: the target is 1.0), documents rejected per stage
and the extract stage's most common reasons (numbers as N), and the means per accepted trajectory, and `record_ids` (`asked_share`: of the accepted trajectories,
those whose assistant asks the customer for a "<thing> ID"; `said_share`: those whose customer says
an id a tool then takes; `told_share`: those whose assistant says one; issue 9/11: a person knows their email, a package's name, not a PAC-12345
number the sandbox made up; `signed_in_share`: those whose system prompt says the customer is signed in,
`email_asked_share`: those whose assistant asks for their email: in the app they do it in, nobody is
asked who they are). For the first
seed of each corpus, `procedure_names` (bench/procedure_names.py) on its procedure-path domains.
``same_counts_at_every_seed`` says whether every seed admitted and accepted as many tasks.

The corpora are the third-party how-to text in ../shared/corpora (Debian docs, wikiHow goal-steps
and OpenPI, tldr pages; see ../shared/SOURCES.md); a missing file is reported as skipped.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import procedure_names  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ("debian_docs_sections", "wikihow_goal_steps_1000", "wikihow_openpi_procedures", "tldr_pages_en")


_ASKS_ID = re.compile(r"\b[\w'-]+ IDs?\b")
_EMAIL = re.compile(r"\bemail\b", re.IGNORECASE)


def record_ids(trajectories: Path) -> dict[str, Any]:
    """Of the accepted trajectories: how many have the assistant ask for a record's "<thing> ID"
    (in a message with a question), how many have the user say an id that a tool call then takes
    (an argument named `id` or `*_id`), how many have the assistant say one (`told`: "This is for
    zapdos ZAP-14852"), and the most asked nouns."""
    n = asked = said = told = signed = email = 0
    nouns: Counter[str] = Counter()
    with trajectories.open(encoding="utf-8") as fh:
        for line in fh:
            messages = json.loads(line)["messages"]
            n += 1
            texts = [m.get("content") or "" for m in messages if m["role"] == "assistant" and not m.get("tool_calls")]
            hits = [h for t in texts if "?" in t for h in _ASKS_ID.findall(t)]
            asked += bool(hits)
            signed += "The customer is signed in" in (messages[0].get("content") or "")
            email += any("?" in t and _EMAIL.search(t) for t in texts)
            nouns.update({h.split()[0].lower() for h in hits})
            ids = {str(v) for m in messages for c in m.get("tool_calls") or []
                   for k, v in json.loads(c["function"]["arguments"] or "{}").items()
                   if (k == "id" or k.endswith("_id")) and isinstance(v, (str, int)) and len(str(v)) >= 4}
            users = " ".join(m.get("content") or "" for m in messages if m["role"] == "user")
            said += any(v in users for v in ids)
            told += any(v in t for t in texts for v in ids)
    return {"trajectories": n, "asked_share": round(asked / n, 4) if n else None,
            "said_share": round(said / n, 4) if n else None, "told_share": round(told / n, 4) if n else None,
            "signed_in_share": round(signed / n, 4) if n else None, "email_asked_share": round(email / n, 4) if n else None,
            "asked_nouns": dict(sorted(nouns.items(), key=lambda kv: (-kv[1], kv[0]))[:8])}


def run_one(corpus: Path, seed: int, out: Path) -> dict[str, Any]:
    """`gem synthesize` of `corpus` at `seed` into `out`, and what its manifest and rejections say."""
    subprocess.run([sys.executable, "-m", "gem_env", "synthesize", str(corpus), "--out", str(out),
                    "--seed", str(seed), "--quiet"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    reasons: Counter[str] = Counter()
    with (out / "rejected.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rejection = json.loads(line)
            if rejection.get("stage") == "extract":
                reasons[re.sub(r"\d+", "N", rejection.get("reason") or "")[:90]] += 1  # "N one-line examples"
    admitted = counts["tasks_admitted"]
    return {
        "documents": counts["documents"], "relevant": counts["relevant"], "domains": counts["domains"],
        "tasks_admitted": admitted, "accepted": counts["trajectories_accepted"],
        "rejected": counts["trajectories_rejected"],
        "accepted_share": round(counts["trajectories_accepted"] / admitted, 4) if admitted else None,
        "rejected_by_stage": counts["rejected_by_stage"],
        "extract_reasons": dict(reasons.most_common(5)),
        "per_accepted_trajectory": manifest["accepted_trajectories"],
        "record_ids": record_ids(out / "trajectories.jsonl"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared data directory")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 5])
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA), help="file names in shared/corpora, no suffix")
    parser.add_argument("--keep", type=Path, help="keep the run directories here (<corpus>.<seed>) to read")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            tmp = str(args.keep)
        for name in args.corpora:
            corpus = args.shared / "corpora" / f"{name}.jsonl"
            if not corpus.is_file():
                report[name] = {"skipped": f"{corpus} not found (give --shared, or put ../shared beside the project)"}
                continue
            runs = {}
            for k, seed in enumerate(args.seeds):
                out = Path(tmp) / f"{name}.{seed}"
                runs[f"seed_{seed}"] = run_one(corpus, seed, out)
                if k == 0:
                    runs["procedure_names"] = {key: value for key, value in procedure_names.measure(out, corpus).items()
                                               if not key.endswith("examples")}
            seeds = [runs[f"seed_{s}"] for s in args.seeds]
            runs["same_counts_at_every_seed"] = len({(r["tasks_admitted"], r["accepted"]) for r in seeds}) == 1
            report[name] = runs
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
