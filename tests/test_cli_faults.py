"""Bad input a new user would try: one line on stderr, the right exit status, never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from gem_env.cli import main

CORPUS = str(EXAMPLES / "corpus" / "bank")
RETAIL = EXAMPLES / "domains" / "tau_retail.yaml"


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gem: error:"), err
    return err[0]


def task_set(tmp_path: Path) -> str:
    run = tmp_path / "run"
    assert main(["synthesize", CORPUS, "--out", str(run), "--limit", "1", "--tasks-per-domain", "1"]) == 0
    return str(run)


COMMANDS = {
    "synthesize": lambda out, tmp: ["synthesize", CORPUS, "--out", out],
    "extract": lambda out, tmp: ["extract", CORPUS, "--out", out],
    "filter": lambda out, tmp: ["filter", CORPUS, "--out", out],
    "eval": lambda out, tmp: ["eval", task_set(tmp), "--out", out],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where, fragment", [("a_file/out", "is a file"), ("a_file", "a_file")])
def test_out_under_a_file_or_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
                                            where: str, fragment: str) -> None:
    (tmp_path / "a_file").write_text("mine")
    argv = COMMANDS[command](str(tmp_path / where), tmp_path)
    capsys.readouterr()
    assert main(argv) == 2
    assert fragment in one_line_error(capsys)
    assert (tmp_path / "a_file").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories; run as a normal user")
@pytest.mark.parametrize("command", ["synthesize", "extract", "filter"])
def test_out_under_a_read_only_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(COMMANDS[command](str(locked / "out"), tmp_path)) == 2
        assert "not writable" in one_line_error(capsys) or "cannot" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_filter_does_not_overwrite_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "verdicts.jsonl"
    out.write_text("precious\n")
    assert main(["filter", CORPUS, "--out", str(out)]) == 2
    assert "already exists" in one_line_error(capsys) and out.read_text() == "precious\n"


def test_a_non_empty_directory_that_is_not_a_run_is_called_that(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    for resume in ([], ["--resume"]):
        assert main(["synthesize", CORPUS, "--out", str(tmp_path / "notes"), *resume]) == 2
        line = one_line_error(capsys)
        assert "not a gem run directory" in line and "already holds a run" not in line


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_limit_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str], limit: str) -> None:
    for command in ("synthesize", "extract", "filter"):
        out = tmp_path / f"{command}{limit}"
        assert main([command, CORPUS, "--out", str(out), "--limit", limit]) == 2
        assert "--limit must be at least 1" in one_line_error(capsys)
        assert not out.exists()


def test_empty_corpus_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    assert main(["synthesize", str(tmp_path / "empty.jsonl"), "--out", str(tmp_path / "r")]) == 2
    assert "no documents (empty corpus)" in one_line_error(capsys)
    assert not (tmp_path / "r").exists()


def test_a_domain_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "shop.yaml"
    bad.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    assert main(["domain", "check", str(bad)]) == 2
    assert "not UTF-8" in one_line_error(capsys)


def test_calculate_caps_its_input_and_names_no_python_exception() -> None:
    from gem_env.tools import compile_domain, load_domain
    sandbox = compile_domain(load_domain(RETAIL)).new_sandbox()
    assert sandbox.call("calculate", {"expression": "(2 + 3) / 4"}).value == "1.25"
    for expression in ["+".join(["1"] * 500), "(" * 400 + "1" + ")" * 400, "1 + " * 400_000 + "1"]:
        result = sandbox.call("calculate", {"expression": expression})
        assert result.ok or ("Error" not in result.error and "Traceback" not in result.error), result.error
    too_long = sandbox.call("calculate", {"expression": "1 + " * 400_000 + "1"})
    assert not too_long.ok and "too long" in too_long.error  # refused before it is parsed


def test_gem_help_imports_none_of_the_pipeline() -> None:
    code = ("import sys, contextlib, io\nfrom gem_env.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try: main(['--help'])\n    except SystemExit: pass\n"
            "heavy = [m for m in ('langchain_core', 'gem_env.tools', 'gem_env.llm', 'faker', 'sqlite3') if m in sys.modules]\n"
            "print(heavy, 'synthesize' in out.getvalue())")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert got.strip() == "[] True"


def test_help_of_every_subcommand_matches_its_module() -> None:
    from gem_env.cli import SUBCOMMANDS, build_parser
    full = build_parser()  # every module imported and registered
    sub = next(a for a in full._actions if a.__class__.__name__ == "_SubParsersAction")
    assert {c.dest: c.help for c in sub._choices_actions} == SUBCOMMANDS


def test_the_run_directory_records_nothing_for_an_invalid_config(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", CORPUS, "--out", str(tmp_path / "r"), "--backend", "llm", "--model", "m",
                 "--threshold", "0.5"]) == 2
    assert "--threshold" in one_line_error(capsys) and not (tmp_path / "r").exists()
