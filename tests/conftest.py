from __future__ import annotations

from pathlib import Path

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


@pytest.fixture
def every_call_runs():
    """The write memo off for the test (`tools.write_memo`): tests of the executor's own paths
    (which statements a call runs, which plan answers) need every write call to run."""
    from gem_env.tools import write_memo
    was = write_memo.SETTINGS["enabled"]
    write_memo.configure(enabled=False)
    try:
        yield
    finally:
        write_memo.configure(enabled=was)
