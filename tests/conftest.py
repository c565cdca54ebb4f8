from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party corpora live beside the project in ../shared")
    return path


@contextmanager
def write_memo_on(on: bool) -> Iterator[None]:
    """The write memo (`tools.write_memo`) on or off for the duration."""
    from gem_env.tools import write_memo
    was = write_memo.SETTINGS["enabled"]
    write_memo.configure(enabled=on)
    try:
        yield
    finally:
        write_memo.configure(enabled=was)


@pytest.fixture
def every_call_runs() -> Iterator[None]:
    """The write memo off for the test: tests of the executor's own paths (which statements a call
    runs, which plan answers) need every write call to run."""
    with write_memo_on(False):
        yield
