"""Issue 10's measure: stage 4 on real text, offline (prints JSON).

For each corpus (tau2 banking KB, support policies; `--limit` documents each): `gem synthesize`,
then `gem refine` twice — every operator alone (is each operator's verified share >= 0.5 of the
tasks it applies to? `verified_share_of_all` also counts those it does not apply to) and the
default recipes (every operator with chain: do the refined means reach GEM's 46 messages, 16.3 tool
calls, 8.6 distinct tools?) — then `gem verify` on the refined run and `gem eval` of the offline
agent on it (pass^1 per category >= 0.95). `domain_tools_of_refined` is the ceiling of distinct
tools: the domains' tools, and those a request reaches. Needs ../shared.

    python bench/refine.py [--limit 60] [--corpora ../shared/corpora]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
FILES = ["tau2_banking_kb_docs.jsonl", "support_policies.jsonl"]

def single_operators() -> str:
    """Every offline operator alone (the LLM passes need a model)."""
    from gem_env.stages.refine.operators import OPERATORS, ORDER
    return ",".join(o for o in ORDER if o in OPERATORS)


TARGETS = {"mean_messages": 46, "mean_tool_calls": 16.3, "mean_distinct_tools": 8.6, "verified_share_per_operator": 0.5,
           "pass^1_per_category": 0.95, "confirmed_by_verify": 1.0}


def _gem(*argv: str) -> tuple[int, str]:
    from gem_env.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(list(argv))
    return rc, buf.getvalue()


def _refine(base: Path, out: Path, ops: str | None) -> tuple[dict, float]:
    started = time.perf_counter()
    rc, text = _gem("refine", str(base), "--out", str(out), "--json", *(["--ops", ops] if ops else []))
    assert rc == 0, text
    return json.loads(text), time.perf_counter() - started


def measure(corpus: Path, tmp: Path, limit: int) -> dict:
    base = tmp / "base"
    assert _gem("synthesize", str(corpus), "--out", str(base), "--limit", str(limit))[0] == 0
    single, single_s = _refine(base, tmp / "single", single_operators())
    recipes, recipes_s = _refine(base, tmp / "recipes", None)
    rc, text = _gem("verify", str(tmp / "recipes"), "--json")
    verified = json.loads(text)
    rc_eval, text = _gem("eval", str(tmp / "recipes"), "--out", str(tmp / "eval"), "--json")
    report = json.loads(text)
    n = recipes["counts"]["variants_verified"] + single["counts"]["variants_verified"]
    return {
        "documents": limit,
        "parent_tasks": recipes["counts"]["parents"],
        "per_operator": {k: {"tried": g["tried"], "verified": g["verified"], "not_applicable": g["not_applicable"],
                             "verified_share": g["verified_share"],
                             "verified_share_of_all": g["verified_share_of_all"],
                             "reasons": g["reasons"]} for k, g in single["by_recipe"].items()},
        "per_recipe": {k: {"tried": g["tried"], "verified": g["verified"]} for k, g in recipes["by_recipe"].items()},
        "verified_variants_per_second": round(n / (single_s + recipes_s), 2),
        "complexity_before": recipes["before"],
        "complexity_after_single_ops": single["after"],
        "complexity_after_recipes": recipes["after"],
        "domain_tools_of_refined": _domain_tools(tmp / "recipes"),
        "confirmed_by_verify": round(verified["confirmed"] / max(1, verified["checked"]), 3),
        "offline_agent_pass^1_by_category": {k: round(g.get("pass^1", 0.0), 3) for k, g in report["by_category"].items()},
    }


def _domain_tools(run: Path) -> dict:
    """The ceiling of the refined trajectories' distinct tools (distractors not counted): the
    tools of their domains, and those a request can reach (a workflow's steps, a lookup by key, a
    finder by email). A tool no workflow uses is never called by a refined session."""
    from gem_env.agents.lookup import finder_tools
    from gem_env.io.taskset import load_task_set
    from gem_env.stages.tasks.kinds import lookup_tools

    tasks, domains = load_task_set(run)
    tools, reachable = [], []
    for t in tasks:
        compiled, dx = domains[t.domain], set(t.plan.distractors if t.plan else [])
        reach = {s.tool for w in compiled.domain.workflows for s in w.steps}
        reach |= {tool for tool, _ in lookup_tools(compiled).values()} | {f.tool for f in finder_tools(compiled)}
        tools.append(len(set(compiled.tools) - dx))
        reachable.append(len(reach - dx))
    if not tasks:
        return {}
    return {"mean_domain_tools": round(sum(tools) / len(tasks), 2),
            "mean_reachable_tools": round(sum(reachable) / len(tasks), 2),
            "share_in_domains_under_9_tools": round(sum(c < 9 for c in tools) / len(tasks), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60, help="documents per corpus")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of the corpora (default: ../shared/corpora)")
    args = parser.parse_args()
    if not args.corpora.exists():
        print(json.dumps({"skipped": f"{args.corpora} is absent"}))
        return 0
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in FILES:
            results[name] = measure(args.corpora / name, Path(tmp) / name, args.limit)
    results["targets"] = TARGETS
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
