"""The installed package holds every module: `pip install .` (not only the editable install the
tests run from) ships each package under `gem_env/`, `tools/`, `agents/` and `simulators/`."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_for_the_build() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join((package, *init.parent.relative_to(ROOT / folder).parts))
             for package, folder in setup["package-dir"].items() for init in (ROOT / folder).rglob("__init__.py")}
    missing = sorted(found - set(setup["packages"]))
    assert not missing, f"packages missing from pyproject.toml [tool.setuptools] packages: {missing}"
