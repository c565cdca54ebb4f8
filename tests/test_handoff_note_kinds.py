"""A hand-off note names each record it gives by its kind where the action it follows names another
kind ("The customer wanted to exchange the item (order ORD-1), ...", "... schedule the payment
(contact CNT-1) ...", "... transfer the funds (accounts ACC-1 and ACC-2) ..."), never as if it were
that thing's own id ("exchange the item (ORD-1)": the item is ITM-2)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


_NOTE_IDS = re.compile(r"(\w+) \(([^)]*\b[A-Z]{2,5}-\d+[^)]*)\)")
_ID = re.compile(r"\b[A-Z]{2,5}-\d+\b")


def _kinds(value: Any, out: dict[str, str]) -> None:
    """Each record's id -> its kind ("item" of {"item_id": "ITM-1", "order_id": ...}), from tool replies."""
    if isinstance(value, list):
        for v in value:
            _kinds(v, out)
    elif isinstance(value, dict):
        own = next((k for k in value if k.endswith("_id")), None)
        if own and isinstance(value[own], str):
            out.setdefault(value[own], own[:-3].split("_")[-1])
        for v in value.values():
            _kinds(v, out)


def test_a_notes_ids_of_another_kind_are_named_by_it(examples_run: Path) -> None:
    checked = labelled = 0  # over the whole example corpus: a hand-off ends its session, so notes are few
    for line in (examples_run / "trajectories.jsonl").open():
        kinds: dict[str, str] = {}
        for m in json.loads(line)["messages"]:
            if m["role"] == "tool":
                try:
                    _kinds(json.loads(m["content"]), kinds)
                except ValueError:
                    pass
            for call in m.get("tool_calls") or []:
                if call["function"]["name"] != "transfer_to_human_agent":
                    continue
                note = json.loads(call["function"]["arguments"]).get("summary", "")
                for thing, ids in _NOTE_IDS.findall(note):
                    for i in _ID.findall(ids):
                        kind = kinds.get(i)
                        if kind is None:
                            continue
                        checked += 1
                        if kind != thing.lower():
                            assert re.search(rf"\b{kind}s? (?:[A-Z]{{2,5}}-\d+(?:, | and ))*{i}", ids), note
                            labelled += 1
    # (round 59: with the listed records a change cannot be made on left unopened, one note of the
    # example corpus names an id of another kind, where two did)
    assert checked >= 5 and labelled >= 1
