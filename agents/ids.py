"""Record ids an assistant can take from what its tools returned instead of asking for them."""
from __future__ import annotations

from typing import Any


def id_from_results(key: str, results: list[Any]) -> Any:
    """The one value of record id `key` that earlier tool results point to, or None.

    A result names it when it carries `key` as a field of its own (a customer found by email
    carries its customer_id) or lists records that all share one value of it (the only card a
    customer holds). Several values anywhere (a list of two cards) mean the user must say which.
    The assistant takes such an id from the results instead of asking the user for it, and the
    task builder leaves it out of what the user volunteers, so both must use this one rule."""
    if not (key == "id" or key.endswith("_id")):
        return None
    found: set[str] = set()
    values: list[Any] = []
    for result in results:
        own = [result[key]] if isinstance(result, dict) and isinstance(result.get(key), (str, int)) else []
        for recs in record_lists(result):
            own += [r[key] for r in recs if isinstance(r.get(key), (str, int))]
        for v in own:
            if str(v) not in found:
                found.add(str(v))
                values.append(v)
    return values[0] if len(values) == 1 else None


def record_lists(value: Any) -> list[list[dict[str, Any]]]:
    """Lists of records inside a tool result (the result itself, or a field of it)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [value]
    if isinstance(value, dict):
        return [lst for v in value.values() for lst in record_lists(v)]
    return []
