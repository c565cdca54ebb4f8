"""What `gem serve` and `gem domain dump` accept: a domain file, or a run directory and a domain in it."""
from __future__ import annotations

from pathlib import Path

from ..errors import GemError
from ..io.taskset import DOMAIN_SUFFIXES
from ..tools import CompiledDomain, compile_domain, load_domain


def domain_files(run: Path) -> dict[str, Path]:
    """The domain files of a run directory (``RUN/domains/``) by domain name."""
    folder = run / "domains"
    if not folder.is_dir():
        raise GemError(f"{run}: not a run directory (no domains/)")
    out: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix in DOMAIN_SUFFIXES:
            out.setdefault(load_domain(file).name, file)
    return out


def load_target(target: str | Path, domain: str | None = None, *, seed: int | None = None) -> CompiledDomain:
    """The compiled domain of a domain file, or of the domain named ``domain`` in a run directory
    (which may be left out when the run holds only one)."""
    path = Path(target)
    if path.is_file():
        compiled = compile_domain(load_domain(path), seed=seed)
        if domain is not None and compiled.domain.name != domain:
            raise GemError(f"{path} holds domain {compiled.domain.name!r}, not {domain!r}")
        return compiled
    if not path.is_dir():
        raise GemError(f"{path}: no such domain file or run directory")
    files = domain_files(path)
    if not files:
        raise GemError(f"{path}/domains holds no domain files")
    if domain is None:
        if len(files) > 1:
            shown = ", ".join(list(files)[:10]) + (" ..." if len(files) > 10 else "")
            raise GemError(f"{path} holds {len(files)} domains; choose one with --domain ({shown})")
        domain = next(iter(files))
    if domain not in files:
        raise GemError(f"{path} has no domain {domain!r}")
    return compile_domain(load_domain(files[domain]), seed=seed)
