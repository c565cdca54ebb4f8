"""A run directory: append-only JSON Lines written one document (unit) at a time, resumable.

Each unit's records are appended to their files and then a line in `progress.jsonl` marks the unit
done. A killed run can leave a unit half-written; on resume every file is cut back to the records
of done units, so nothing is lost or duplicated. Every record carries the `doc_id` of its unit.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import GemError

PROGRESS = "progress.jsonl"
CONFIG = "config.json"


def dumps(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False, separators=(",", ":"), default=str)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file, skipping a torn last line."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def check_out_path(path: Path) -> None:
    """`GemError` (one line) when an output directory cannot be made at `path`: it is a file, it
    would be under a file, or its nearest existing parent is not writable."""
    if path.exists() and not path.is_dir():
        raise GemError(f"{path}: is a file; --out takes a directory")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise GemError(f"{path}: {parent} is a file, not a directory; choose another --out")
        if parent.exists():
            if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
                raise GemError(f"{path}: cannot create it, {parent} is not writable; choose another --out")
            break


def check_out_dir(path: Path, *, resume: bool) -> None:
    """`GemError` (one line) unless `path` can be a run directory: new, empty, or (to resume) a run."""
    check_out_path(path)
    if not path.is_dir() or not any(path.iterdir()):
        if resume and path.is_dir():
            raise GemError(f"{path} is empty: there is no run to resume; drop --resume")
        return
    is_run = (path / CONFIG).exists() or (path / PROGRESS).exists()
    if not is_run:
        raise GemError(f"{path} is not empty and is not a gem run directory; choose a new or empty --out directory")
    if not resume:
        raise GemError(f"{path} already holds a run; pass --resume to continue it, or choose a new --out directory")


class RunDir:
    def __init__(self, path: str | Path, *, files: Iterable[str], config: dict[str, Any], resume: bool):
        self.path = Path(path)
        self.files = list(files)
        check_out_dir(self.path, resume=resume)
        if resume and self.path.is_dir() and any(self.path.iterdir()):
            self._check_config(config)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / "domains").mkdir(exist_ok=True)
            (self.path / CONFIG).write_text(json.dumps(config, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            self.done = {r["doc_id"] for r in read_jsonl(self.path / PROGRESS)}
            self._truncate_to_done()
            self._handles = {name: (self.path / name).open("a", encoding="utf-8")
                             for name in [*self.files, PROGRESS]}
        except OSError as err:
            raise GemError(f"{self.path}: cannot write the run directory: {err.strerror or err}") from None

    def _check_config(self, config: dict[str, Any]) -> None:
        previous = self.path / CONFIG
        if not previous.exists():
            raise GemError(f"{self.path} is not a gem run directory (no {CONFIG})")
        old = json.loads(previous.read_text(encoding="utf-8"))
        changed = sorted(k for k in set(old) | set(config) if old.get(k) != config.get(k))
        if changed:
            raise GemError(f"cannot resume {self.path}: settings differ from the first run ({', '.join(changed)})")

    def _truncate_to_done(self) -> None:
        for name in self.files:
            path = self.path / name
            if not path.exists():
                continue
            keep = [r for r in read_jsonl(path) if r.get("doc_id") in self.done]
            tmp = path.with_suffix(".tmp")
            tmp.write_text("".join(dumps(r) + "\n" for r in keep), encoding="utf-8")
            os.replace(tmp, path)

    def write_unit(self, doc_id: str, records: dict[str, list[dict[str, Any]]],
                   domain: tuple[str, str] | list[tuple[str, str]] | None = None) -> None:
        """Write one unit's records (file name -> records), its domain file, then mark it done."""
        for name, text in [domain] if isinstance(domain, tuple) else domain or []:  # one (name, text) or a list
            (self.path / "domains" / name).write_text(text, encoding="utf-8")
        for name, recs in records.items():
            fh = self._handles[name]
            fh.write("".join(dumps({"doc_id": doc_id, **r} if "doc_id" not in r else r) + "\n" for r in recs))
            fh.flush()
        progress = self._handles[PROGRESS]
        progress.write(dumps({"doc_id": doc_id}) + "\n")
        progress.flush()
        os.fsync(progress.fileno())
        self.done.add(doc_id)

    def records(self, name: str) -> Iterator[dict[str, Any]]:
        return read_jsonl(self.path / name)

    def close(self) -> None:
        for fh in self._handles.values():
            fh.close()

    def __enter__(self) -> "RunDir":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
