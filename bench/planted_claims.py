"""How many false statements verification catches (prints JSON).

An offline run of the bundled example corpus (or `--run DIR`, any run directory) is copied, and in
each accepted trajectory one statement the assistant makes after a tool reply is changed: an
amount (+$13.17), a date (a day later), a record id (its digits changed) or a record's status
(another status word). `gem verify` then replays the copy: a trajectory whose verdict turns to
failed is caught. A verifier that trusts the conversation's words catches none; the checks by name
(required outputs) catch only the statements a task asks for. A status said in a rule's clause ("a
card that is frozen cannot be changed") is planted too, and not caught: it is no claim about a record.

    python bench/planted_claims.py [--run DIR]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
_MONTHS = "January February March April May June July August September October November December".split()
_MONEY = re.compile(r"\$(\d[\d,]*(?:\.\d\d)?)")
_DATE = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}}), (\d{{4}})\b")
_ID = re.compile(r"\b([A-Z]{2,5})-(\d{3,})\b")
_STATUS = {"active": "closed", "open": "closed", "closed": "open", "pending": "posted", "posted": "pending",
           "frozen": "active", "scheduled": "cancelled", "cancelled": "scheduled", "overdue": "paid", "paid": "overdue",
           "delivered": "processing", "processing": "delivered", "suspended": "active", "confirmed": "cancelled"}
_STATUS_SAID = re.compile(r"\b(?:is|reads|shows|now|as) (%s)\b(?! out)" % "|".join(_STATUS))  # not "is paid out"


def _money(m: re.Match[str]) -> str:
    value = float(m.group(1).replace(",", "")) + 13.17
    return f"${value:,.2f}"


def _date(m: re.Match[str]) -> str:
    import datetime as dt
    day = dt.date(int(m.group(3)), _MONTHS.index(m.group(1)) + 1, int(m.group(2))) + dt.timedelta(days=1)
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _id(m: re.Match[str]) -> str:
    digits = m.group(2)
    return f"{m.group(1)}-{digits[:-1]}{(int(digits[-1]) + 1) % 10}"


def _status(m: re.Match[str]) -> str:
    return m.group(0)[: m.start(1) - m.start(0)] + _STATUS[m.group(1)]


KINDS: dict[str, tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = {
    "amount": (_MONEY, _money), "date": (_DATE, _date), "record_id": (_ID, _id), "status": (_STATUS_SAID, _status)}


def plant(record: dict[str, Any], kind: str, rng: random.Random) -> bool:
    """Change one statement of `kind` the assistant makes after a tool reply; False when it makes none."""
    pattern, change = KINDS[kind]
    messages = record["messages"]
    spots = []
    for i, m in enumerate(messages):
        if m.get("role") == "assistant" and isinstance(m.get("content"), str) and not m.get("tool_calls") \
                and any(x.get("role") == "tool" for x in messages[:i]):
            spots += [(i, found) for found in pattern.finditer(m["content"])]
    if not spots:
        return False
    i, found = rng.choice(spots)
    text = messages[i]["content"]
    messages[i]["content"] = text[:found.start()] + change(found) + text[found.end():]
    return True


def caught(run: Path, kind: str, seed: int = 0) -> dict[str, Any]:
    """Plant one false statement of `kind` per trajectory of a copy of `run`; how many `gem verify` fails."""
    from gem_env.cli import main
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "run"
        shutil.copytree(run, copy)
        lines, planted = [], 0
        for line in (run / "trajectories.jsonl").read_text().splitlines():
            record = json.loads(line)
            planted += plant(record, kind, rng)
            lines.append(json.dumps(record))
        (copy / "trajectories.jsonl").write_text("\n".join(lines) + "\n")
        (copy / "rejected.jsonl").write_text("")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main(["verify", str(copy), "--json"])
    report = json.loads(out.getvalue())
    failed = sum(1 for d in report["disagreements"] if d["recorded"] and not d["replayed"])
    return {"planted": planted, "caught": failed, "share_caught": round(failed / max(1, planted), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a run directory (default: the example corpus, synthesized offline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = args.run
        if run is None:
            from gem_env.cli import main as gem
            run = Path(tmp) / "examples"
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                if gem(["synthesize", str(ROOT / "examples" / "corpus"), "--out", str(run)]) != 0:
                    raise SystemExit("gem synthesize failed")
        result = {"run": str(args.run or "gem synthesize examples/corpus (offline)"),
                  "trajectories": sum(1 for _ in (run / "trajectories.jsonl").open()),
                  "by_kind": {kind: caught(run, kind) for kind in KINDS}}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
