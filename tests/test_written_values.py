"""A value the how-to text writes itself ("Type passwd", "Go to www.piriform.com/recuva/download") is
the assistant's to use, read in the step: the workflow passes it as it is, and the assistant never
asks the user for it. A value the user chooses among several is still asked for."""
from __future__ import annotations

import json
import re
from pathlib import Path

from gem_env.cli import main
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import Domain

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
TITLE = "Change your password in Linux using terminal"
TEXT = ("Open a terminal window. Type passwd and press Enter. Enter your old password when asked. "
        "Type the new password twice. Your password is now changed.")


def test_the_texts_own_value_is_bound_in_the_workflow_not_asked() -> None:
    domain = OfflineExtractor(archetypes=False).extract(Document(id="pw", text=TEXT, title=TITLE), RELEVANT)
    assert isinstance(domain, Domain), domain
    bound = {name: b for wf in domain.workflows for s in wf.steps for name, b in s.args.items() if name == "command"}
    assert bound, [s.args for wf in domain.workflows for s in wf.steps]
    assert all(b.user is None and b.const == "passwd" for b in bound.values()), bound


def test_sessions_never_ask_for_what_the_procedure_writes(tmp_path: Path) -> None:
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(json.dumps({"id": "pw", "title": TITLE, "text": TEXT}) + "\n")
    out = tmp_path / "run"
    assert main(["synthesize", str(corpus), "--out", str(out), "--quiet"]) == 0
    records = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
    assert records and not (out / "rejected.jsonl").read_text().strip()
    typed = 0
    for r in records:
        for m in r["messages"]:
            if m["role"] == "assistant" and m.get("content"):
                questions = [q for q in re.split(r"(?<=[.!?])\s+", m["content"]) if q.endswith("?")]
                assert not any("command" in q for q in questions), m["content"]
            if m["role"] == "user":
                assert "passwd" not in (m.get("content") or ""), m["content"]
            for call in m.get("tool_calls") or []:
                typed += json.loads(call["function"]["arguments"]).get("command") == "passwd"
    assert typed >= 1


def test_a_command_the_step_quotes_is_its_tools_argument() -> None:
    """'Run "aptitude update"', 'Start "apt-get -s autoremove|less" as root': the step's tool takes the
    command it runs, as the text writes it (it took only the package's id), named for its program;
    a key pressed ('Type "l"') or a word in quotes is no command."""
    text = ("# Updating from mixed sources\n\n1. Change the sources file.\n2. Run \"aptitude update\".\n"
            "3. Type \"l\" to limit the display.\n4. Start \"apt-get -s autoremove|less\" as root to check the package.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="apt", text=text, title="Updating a package"),
                                                         RELEVANT)
    assert isinstance(domain, Domain), domain
    bound = {s.tool: {n: b.const for n, b in s.args.items() if n.endswith("_command")}
             for wf in domain.workflows for s in wf.steps}
    assert {n: v for args in bound.values() for n, v in args.items()} == \
        {"aptitude_command": "aptitude update", "apt_get_command": "apt-get -s autoremove|less"}, bound
    typed = next(s for s in domain.workflows[0].steps if s.args.get("step") and s.args["step"].const.startswith("type"))
    assert typed.tool == "do_step" and [n for n, b in typed.args.items() if b.user] == ["file_id"], typed.args
