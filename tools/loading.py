"""Read a domain from JSON or YAML with errors that name the file and the path inside it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import DomainError
from .model import STEP_KINDS, Domain

STEP_TAGS = set(STEP_KINDS)


def format_validation_error(err: ValidationError, origin: str) -> str:
    """One line per problem: ``origin: tools[3].effect[1].table: field required``."""
    lines = []
    for e in err.errors():
        path, prev = "", None
        for part in e["loc"]:
            is_tag = isinstance(prev, int) and part in STEP_TAGS
            prev = part
            if isinstance(part, int):
                path += f"[{part}]"
            elif is_tag or part.startswith(("function-", "tagged-union")):
                continue
            else:
                path += ("." if path else "") + part
        lines.append(f"{origin}: {path or '<root>'}: {e['msg']}")
    return "\n".join(dict.fromkeys(lines))




def parse_domain(data: Any, origin: str = "<domain>") -> Domain:
    try:
        return Domain.model_validate(data)
    except ValidationError as err:
        raise DomainError(format_validation_error(err, origin)) from None


def load_domain(path: str | Path) -> Domain:
    """Load a domain file (.json, .yaml, .yml)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise DomainError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise DomainError(f"{path}: not UTF-8 text (byte {err.start}); save the domain file as UTF-8") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise DomainError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {err}") from None
    if not isinstance(data, dict):
        raise DomainError(f"{path}: a domain must be a mapping at the top level")
    return parse_domain(data, str(path))
