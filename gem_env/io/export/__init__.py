"""Export a run's verified trajectories to the formats trainers read: ``openai``, ``sharegpt``, ``hf``,
``synthesizer`` (document -> whole-episode SFT pairs, which also need the corpus).

``export_run`` reads ``RUN/trajectories.jsonl`` (and the run's domains, manifest and config for
provenance), keeps what the selection asks for, splits by domain so that no domain is in two splits,
and hands each split to the format's ``write``. One module per format; each also has a reader or
``to_openai`` used by the round-trip tests.
"""
from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any, Callable, Sequence

from ...errors import GemError
from .records import Example, Selection, examples, open_run, parse_split, split_by_domain

FORMATS = ("openai", "sharegpt", "hf", "synthesizer")

__all__ = ["FORMATS", "Selection", "export_run", "parse_split"]


def export_run(run: str | Path, fmt: str, out: str | Path, *, selection: Selection = Selection(),
               split: str | None = None, seed: int = 0, overwrite: bool = False,
               on_record: Callable[[Example], None] | None = None,
               corpus: Sequence[str] = ()) -> dict[str, Any]:
    """Write the export into the directory ``out``; a summary (records and domains per split)."""
    if fmt not in FORMATS:
        raise GemError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    fractions = parse_split(split)
    info = open_run(run)
    out = Path(out)
    occupied = any(out.iterdir()) if out.is_dir() else out.exists()
    if occupied:
        if not overwrite:
            raise GemError(f"{out} exists and is not empty; choose a new --out or pass --overwrite")
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for ex in examples(info, selection):
        items.append(ex)
        if on_record is not None:
            on_record(ex)
    splits = split_by_domain(items, fractions, seed=seed)
    writer = importlib.import_module(f"{__name__}.{fmt}")
    extra = {"run": info, "corpus": corpus} if fmt == "synthesizer" else {}  # SFT pairs need the documents
    counts = writer.write(out, splits, **extra)
    return {"format": fmt, "out": str(out), "records": counts,
            "domains": {name: len({ex.domain for ex in exs}) for name, exs in splits.items()},
            "selected": len(items)}
