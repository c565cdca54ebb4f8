from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

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


@pytest.fixture(scope="session")
def examples_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`gem synthesize examples/corpus` at the default seed, once per test process: the run many
    modules read (never write into it)."""
    from gem_env.cli import main
    out = tmp_path_factory.mktemp("examples") / "run"
    assert main(["synthesize", str(EXAMPLES / "corpus"), "--out", str(out), "--quiet"]) == 0
    return out


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


def pointless_writes(compiled: Any, task: Any) -> list[tuple[str, str]]:
    """(earlier tool, later tool) of writes on one record where the later one makes the earlier
    pointless: a status change after a change of a detail (a move, then a cancellation), or any
    change of a record the session made."""
    out, last, made = [], {}, set()
    for a in task.gold_actions:
        if not (compiled.tools[a.tool].writes and a.ok):
            continue
        keys = [(k, str(v)) for k, v in a.arguments.items() if any(t.pk == k for t in compiled.tables.values())]
        ends = a.tool.split("_")[0] in ("cancel", "close", "remove", "freeze", "block", "suspend", "delete")
        for key in keys:
            if key in made or ends and key in last and last[key].startswith(("update_", "extend_", "renew_")):
                out.append((last.get(key, "made"), a.tool))
            last[key] = a.tool
        made |= {(t.pk, str(a.result[t.pk])) for t in compiled.tables.values()
                 if isinstance(a.result, dict) and t.pk not in a.arguments and a.result.get(t.pk)}
    return out


def drive_agent(agent: Any, sandbox: Any, messages: list[dict[str, Any]]) -> None:
    """The agent's messages appended, its tool calls run on `sandbox`, up to its next words to the user."""
    import json

    while True:
        out = agent.reply(messages)
        messages.append(out)
        if not out.get("tool_calls"):
            return
        for call in out["tool_calls"]:
            got = sandbox.call(call["function"]["name"], json.loads(call["function"]["arguments"]))
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": got.content})
