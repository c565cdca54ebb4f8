"""How a value is written when said to a user: shared by task outputs and the agents that tell them."""
from __future__ import annotations

import json
from typing import Any


def render(value: Any) -> str:
    """Numbers without trailing noise, booleans as yes/no, lists comma-joined, null as empty."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, list):
        return ", ".join(render(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)
