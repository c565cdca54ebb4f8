"""`gem report`: one self-contained HTML page about a run (charts as inline SVG, data and script
inside, nothing fetched at view time)."""
from __future__ import annotations

from pathlib import Path

from .data import collect
from .page import render


def write_report(run: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``run`` to ``out`` (default ``RUN/report.html``); its path."""
    target = Path(out) if out is not None else Path(run) / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(collect(run)), encoding="utf-8")
    return target
