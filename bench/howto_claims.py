"""What a how-to run's assistant claims to have done, and the fragments it speaks (issue s56 items 1, 2).

    python bench/howto_claims.py RUN_DIR [RUN_DIR ...] [--examples N]

Per run directory (a `gem synthesize` run of a how-to corpus) and in total, of the accepted trajectories:

- `act_calls`: those with a call of a how-to's acts (`do_step`, `click`, `open_app`, `go_to`): the
  reviewer's count (987 of 1,560 in round 55's runs).
- `hands_on`: those with a write on a how-to's record that is the customer's own act: an act call, or
  any write of a procedure domain (its record's table described as "... the procedure acts on") whose
  run is not a software guide's (the system prompt does not say "software service").
- `claims_done`: of `hands_on`, those where an assistant turn after the first such write says the
  assistant did something ("I've evolved Vulpix", "I have connected", "All done! I've got ..."), a
  first-person perfect whose verb is not one of keeping the record (marked, recorded, noted, logged,
  updated, ticked) or of reading (checked, looked, found).
- `claims_will`: of `hands_on`, those whose assistant, in the turn that gets the yes before the first
  such write, says it will do it ("I'll evolve Vulpix", "I'd go through the steps to ...") other than
  keep the record or walk the customer through it.
- `fragment_goals`: task goals that carry a section title before a colon ("the shell prompt: suppose
  your hostname is foo ...": `^[^(]*?: `, the reviewer's count).
- `fragment_speech`: trajectories whose assistant says a fragment: "take care of the/your <topic>", a
  shell variable or `#set`, a program's output ("1 new entries", "Data Base Updated"), a verb phrase
  with a doubled word ("vice the versa versa").
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

ACTS = frozenset({"do_step", "click", "open_app", "go_to"})
_KEEPING = ("marked", "recorded", "noted", "logged", "updated", "ticked", "checked", "looked", "found", "had",
            "pulled", "added", "put", "got your", "taken note", "saved", "filed", "opened")
_DONE = re.compile(r"\b(?:I've|I have|I just|I've just)\s+(?:just\s+|now\s+|successfully\s+|also\s+|gone ahead and\s+)?"
                   r"([\w'-]+(?:\s+your)?)",
                   re.IGNORECASE)
_WILL = re.compile(r"\b(?:I'll|I will|I'd|I shall|I can|I intend to|I'm (?:going|about|ready|glad|happy|all set|prepared) to|"
                   r"I am (?:going|about|ready|glad|happy|prepared) to|(?:^|\. )(?:Going|About|Ready) to|The plan is to|"
                   r"My plan is to|This will|We'll|We're ready to)\s+(?:now\s+|just\s+|go ahead and\s+|proceed to\s+|"
                   r"go through the steps to\s+)?([\w'-]+)", re.IGNORECASE)
_WILL_OK = frozenset({"mark", "record", "note", "log", "walk", "guide", "help", "tick", "update", "check", "look",
                      "find", "keep", "let", "be", "need", "leave", "add", "put", "talk", "explain", "tell", "give",
                      "pull", "open" if False else "_"})
_TAKE_CARE = re.compile(r"\btake care of (?:the|your) ", re.IGNORECASE)
_FRAGMENT = re.compile(r"#set|\$[A-Z_]{3,}|\b1 new entries\b|Data Base Updated|\b(\w{3,}) \1\b", re.IGNORECASE)
_TITLE_GOAL = re.compile(r"^[^(]*?: ")


def _procedure_tables(run: Path) -> dict[str, tuple[frozenset[str], frozenset[str], bool]]:
    """domain id -> (its procedure tables, its write tools on them, whether it is a software guide)."""
    out = {}
    for f in (run / "domains").glob("*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        tables = frozenset(e["name"] for e in d.get("entities", []) if (e.get("description") or "").endswith(
            "the procedure acts on"))
        writes = frozenset(t["name"] for t in d.get("tools", []) if t.get("kind") == "write"
                           and any(tab in json.dumps(t.get("effect") or []) for tab in tables))
        out[f.stem] = (tables, writes, "(software" in (d.get("description") or ""))
    return out


def measure(run: Path, examples: int = 0) -> dict[str, object]:
    domains = _procedure_tables(run)
    c: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    with (run / "trajectories.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line)
            c["trajectories"] += 1
            tables, writes, software = domains.get(t["domain"], (frozenset(), frozenset(), False))
            msgs = t["messages"]
            goal = t["task"]["scenario"].get("goal") or ""
            if _TITLE_GOAL.match(goal):
                c["fragment_goals"] += 1
            spoken = [m.get("content") or "" for m in msgs if m["role"] == "assistant" and not m.get("tool_calls")]
            if any(_TAKE_CARE.search(s) or _FRAGMENT.search(s) for s in spoken):
                c["fragment_speech"] += 1
                shown.setdefault("fragment_speech", []).append(
                    f"{t['id']}: " + next(s for s in spoken if _TAKE_CARE.search(s) or _FRAGMENT.search(s))[:160])
            names = [(i, call["function"]["name"]) for i, m in enumerate(msgs) if m["role"] == "assistant"
                     for call in m.get("tool_calls") or []]
            if any(n in ACTS for _, n in names):
                c["act_calls"] += 1
            hands = [i for i, n in names if n in ACTS or (n in writes and not software)]
            if not hands:
                continue
            c["hands_on"] += 1
            first = hands[0]
            after = [m.get("content") or "" for m in msgs[first:] if m["role"] == "assistant" and not m.get("tool_calls")]
            done = [s for s in after for v in _DONE.findall(s) if not v.lower().startswith(_KEEPING)]
            if done:
                c["claims_done"] += 1
                shown.setdefault("claims_done", []).append(f"{t['id']}: {done[0][:160]}")
            before = [m.get("content") or "" for m in msgs[:first] if m["role"] == "assistant" and not m.get("tool_calls")]
            ask = before[-1] if before else ""
            will = [v for v in _WILL.findall(ask) if v.lower() not in _WILL_OK]
            if will:
                c["claims_will"] += 1
                shown.setdefault("claims_will", []).append(f"{t['id']}: {ask[:160]}")
    out: dict[str, object] = dict(c)
    if examples:
        out["examples"] = {k: v[:examples] for k, v in shown.items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--examples", type=int, default=0)
    a = ap.parse_args()
    total: Counter[str] = Counter()
    per = {}
    for run in a.runs:
        per[run.name] = measure(run, a.examples)
        total.update({k: v for k, v in per[run.name].items() if isinstance(v, int)})
    print(json.dumps({"runs": per, "total": dict(total)}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
