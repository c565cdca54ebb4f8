"""`gem verify RUN`: replay every trajectory of a run in a fresh sandbox and confirm each verdict."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Iterator

from ..errors import GemError
from ..io.rundir import read_jsonl
from ..stages.tasks import Task
from ..tools import CompiledDomain, compile_domain, load_domain
from ..stages.verify import verify


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="replay a run's trajectories and confirm every verdict")
    p.add_argument("run", help="a run directory written by gem synthesize or gem eval")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def _trajectories(run: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for t in read_jsonl(run / "trajectories.jsonl"):
        yield "accepted", t
    for r in read_jsonl(run / "rejected.jsonl"):
        if "trajectory" in r:
            yield "rejected", r["trajectory"]


def _replay(path: Path, record: dict[str, Any], compiled: dict[str, CompiledDomain]) -> Any:
    """The verification of one record replayed in a fresh sandbox of its domain (compiled once)."""
    domain = record["domain"]
    if domain not in compiled:
        file = path / "domains" / f"{domain}.json"
        if not file.exists():
            raise GemError(f"{file}: the domain of trajectory {record['id']} is missing")
        spec = load_domain(file)
        if spec.name != domain:
            raise GemError(f"{file} holds domain {spec.name!r}, not {domain!r}")
        compiled[domain] = compile_domain(spec)
    return verify(Task.model_validate(record["task"]), record["messages"], compiled[domain])


def run(args: argparse.Namespace) -> int:
    path = Path(args.run)
    if not (path / "trajectories.jsonl").exists():
        raise GemError(f"{path}: not a run directory (no trajectories.jsonl)")
    compiled: dict[str, CompiledDomain] = {}
    report = {"checked": 0, "confirmed": 0, "disagreements": []}
    for verdict, record in _trajectories(path):
        report["checked"] += 1
        try:
            again = _replay(path, record, compiled)
        except Exception as exc:  # a record that cannot be replayed is reported; the others still are
            report["disagreements"].append({"id": record.get("id"), "file": verdict,
                                            "recorded": record.get("verification", {}).get("passed"),
                                            "replayed": None, "failed_checks": [],
                                            "error": f"could not replay: {type(exc).__name__}: {exc}"})
            continue
        recorded = record["verification"]["passed"]
        if again.passed == recorded and (verdict == "accepted") == recorded:
            report["confirmed"] += 1
        else:
            report["disagreements"].append({"id": record["id"], "file": verdict, "recorded": recorded,
                                            "replayed": again.passed, "failed_checks": again.failed})
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{report['confirmed']}/{report['checked']} verdicts confirmed by replay in fresh sandboxes")
        for d in report["disagreements"]:
            if "error" in d:
                print(f"  NOT REPLAYED {d['id']} in {d['file']}: {d['error']}")
                continue
            print(f"  DISAGREES {d['id']}: recorded passed={d['recorded']} in {d['file']}, "
                  f"replayed passed={d['replayed']} {d['failed_checks']}")
    return 0 if not report["disagreements"] else 1
