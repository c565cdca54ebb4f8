"""Reading a customer's records one by one to find the one they describe.

A list read (the customer's accounts: ids and statuses) often does not tell which record the user
means ("my savings account"); a support agent then opens each listed record until it sees the one
described, and asks which only when the details do not settle it. The offline agent does this
for a record id it lacks when the list holds at most `MOST` records and a tool reads one record by
that id; the task builder uses the same functions, so the gold, what the user says and what the
agent reads agree.
"""
from __future__ import annotations

from typing import Any

from .ids import record_lists

MOST = 4
"""Records an agent opens one by one; a longer list is asked about instead."""


def listed(key: str, results: list[Any]) -> list[dict[str, Any]] | None:
    """The latest list in `results` holding several records told apart by `key`, or None."""
    for value in reversed(results):
        for recs in record_lists(value):
            if len({str(r.get(key)) for r in recs if r.get(key) not in (None, "")}) >= 2:
                return recs
    return None


def candidate_ids(key: str, records: list[dict[str, Any]]) -> list[Any]:
    """The ids of `records` to open, in list order, or [] when there are too many."""
    ids = list(dict.fromkeys(r[key] for r in records if isinstance(r.get(key), (str, int))))
    return ids if len(ids) <= MOST else []


def read_prefix(key: str, ids: list[Any], tool: str, results: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The records the candidate reads at the head of `results` ((tool, result) in call order)
    returned: reads of `tool` giving `ids` in order."""
    out: list[dict[str, Any]] = []
    for (name, result), want in zip(results, ids):
        if name != tool or not isinstance(result, dict) or str(result.get(key)) != str(want):
            break
        out.append(result)
    return out
