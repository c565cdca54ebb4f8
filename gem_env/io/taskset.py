"""Load a task set: `RUN/tasks.jsonl` and the compiled domains its tasks name (`RUN/domains/`)."""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import GemError
from ..stages.tasks import Task
from ..tools import CompiledDomain, compile_domain, load_domain

DOMAIN_SUFFIXES = (".json", ".yaml", ".yml")


def _tasks_file(path: Path) -> Path:
    if path.is_dir():
        path = path / "tasks.jsonl"
    if not path.is_file():
        raise GemError(f"{path}: no such task file (give a run directory or a tasks.jsonl)")
    return path


def read_tasks(path: Path) -> list[Task]:
    """Every task of a JSONL file; a bad line is an error naming the file and line."""
    tasks = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                tasks.append(Task.model_validate_json(line))
            except ValidationError as err:
                first = err.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "<line>"
                raise GemError(f"{path}:{n}: not a task: {where}: {first['msg']}") from None
    return tasks


def load_task_set(path: str | Path) -> tuple[list[Task], dict[str, CompiledDomain]]:
    """The tasks of a run directory or tasks.jsonl, and their compiled domains by name.

    Domains are the files of `domains/` beside the tasks file, matched by their `name`. Each
    compiled domain is checked against its tasks' initial state hash, so a task set never runs
    against a sandbox seeded differently from the one its gold actions were replayed on.
    """
    tasks_path = _tasks_file(Path(path))
    tasks = read_tasks(tasks_path)
    needed = {t.domain for t in tasks}
    domain_dir = tasks_path.parent / "domains"
    found = {}
    if domain_dir.is_dir():
        for file in sorted(domain_dir.iterdir()):
            if file.suffix in DOMAIN_SUFFIXES:
                domain = load_domain(file)
                if domain.name in needed:
                    found.setdefault(domain.name, domain)
    missing = sorted(needed - set(found))
    if missing:
        raise GemError(f"{tasks_path}: no domain file in {domain_dir} for {', '.join(missing)}")
    compiled = {name: compile_domain(domain) for name, domain in found.items()}
    for name, domain in compiled.items():
        sandbox = domain.new_sandbox()
        try:
            initial = sandbox.state_hash()
        finally:
            sandbox.close()
        stale = next((t.id for t in tasks if t.domain == name and t.initial_state_hash != initial), None)
        if stale is not None:
            raise GemError(f"{tasks_path}: task {stale} was made on a different {name} sandbox "
                           "(initial state hash differs; was the domain recompiled with another seed?)")
    return tasks, compiled


def write_domains(out: str | Path, compiled: dict[str, CompiledDomain]) -> None:
    """`out/domains/<name>.json` for each domain."""
    folder = Path(out) / "domains"
    folder.mkdir(parents=True, exist_ok=True)
    for name, domain in compiled.items():
        (folder / f"{name}.json").write_text(domain.domain.to_json() + "\n", encoding="utf-8")


def write_task_set(out: str | Path, tasks: list[Task], compiled: dict[str, CompiledDomain]) -> Path:
    """Write `out/tasks.jsonl` and `out/domains/<name>.json` (the layout `load_task_set` reads)."""
    write_domains(out, compiled)
    path = Path(out) / "tasks.jsonl"
    path.write_text("".join(t.model_dump_json() + "\n" for t in tasks), encoding="utf-8")
    return path
