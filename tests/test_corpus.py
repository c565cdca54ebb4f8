"""Corpus input: JSON Lines, text and markdown files, folders, globs; bad input reported, not fatal."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from gem_env.io.corpus import CorpusError, iter_documents
from gem_env.documents import Rejection


def write_jsonl(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    return path


def read(paths, **kwargs) -> tuple[list, list[Rejection]]:
    errors: list[Rejection] = []
    docs = list(iter_documents([str(p) for p in paths], on_error=errors.append, **kwargs))
    return docs, errors


def test_jsonl_records_keep_source_license_and_other_fields(tmp_path):
    f = write_jsonl(tmp_path / "kb.jsonl",
                    {"id": "a", "title": "Cancel", "text": "Cancel it.", "source": "s", "license": "MIT",
                     "platform": "linux"},
                    {"text": "No id here."})
    docs, errors = read([f])
    assert errors == []
    assert [(d.id, d.title, d.text) for d in docs] == [("a", "Cancel", "Cancel it."), ("kb:2", "", "No id here.")]
    assert (docs[0].source, docs[0].license, docs[0].meta) == ("s", "MIT", {"platform": "linux"})


def test_field_names_are_configurable(tmp_path):
    f = write_jsonl(tmp_path / "x.json", {"key": 7, "name": "T", "body": "Do this."})
    docs, _ = read([f], text_field="body", id_field="key", title_field="name")
    assert [(d.id, d.title, d.text, d.meta) for d in docs] == [("7", "T", "Do this.", {})]


def test_malformed_lines_are_reported_with_file_and_line_and_skipped(tmp_path):
    f = write_jsonl(tmp_path / "bad.jsonl",
                    {"id": "ok1", "text": "First."},
                    "{not json",
                    {"id": "no-text"},
                    {"id": "empty", "text": "   "},
                    "[1, 2]",
                    {"id": "num", "text": 42},
                    "",
                    {"id": "ok2", "text": "Last."})
    docs, errors = read([f])
    assert [d.id for d in docs] == ["ok1", "ok2"]
    assert [(e.stage, e.detail["line"]) for e in errors] == [("read", 2), ("read", 3), ("read", 4), ("read", 5), ("read", 6)]
    assert all(e.reason.startswith(f"{f}:{e.detail['line']}: ") for e in errors)
    assert "bad JSON" in errors[0].reason and "missing text field 'text'" in errors[1].reason
    assert "empty text" in errors[2].reason and "not a JSON object" in errors[3].reason
    assert [e.id for e in errors][1:3] == ["no-text", "empty"]


def test_invalid_utf8_line_is_a_rejection(tmp_path):
    f = tmp_path / "enc.jsonl"
    f.write_bytes(b'{"text": "fine"}\n{"text": "\xff\xfe"}\n')
    docs, errors = read([f])
    assert [d.text for d in docs] == ["fine"]
    assert errors[0].detail == {"file": str(f), "line": 2}


def test_default_error_handler_logs_a_warning(tmp_path, caplog):
    f = write_jsonl(tmp_path / "w.jsonl", "oops", {"text": "ok"})
    with caplog.at_level(logging.WARNING, logger="gem_env.io.corpus"):
        assert [d.text for d in iter_documents([str(f)])] == ["ok"]
    assert f"{f}:1: bad JSON" in caplog.text


def test_markdown_and_text_files_are_one_document_each(tmp_path):
    (tmp_path / "guide.md").write_text("Intro line\n\n## Freeze a card\n\n1. Open Cards.\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("Plain text without a heading.", encoding="utf-8")
    docs, _ = read([tmp_path / "guide.md", tmp_path / "notes.txt"])
    assert [(d.id, d.title) for d in docs] == [("guide.md", "Freeze a card"), ("notes.txt", "notes")]
    assert docs[0].source == str(tmp_path / "guide.md")


def test_folders_are_read_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "z.md").write_text("# Z\nz", encoding="utf-8")
    (tmp_path / "a" / "y.txt").write_text("y", encoding="utf-8")
    write_jsonl(tmp_path / "a" / "x.jsonl", {"id": "x1", "text": "x"})
    (tmp_path / "a" / "ignored.csv").write_text("not,a,corpus", encoding="utf-8")
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    docs, errors = read([tmp_path])
    assert [d.id for d in docs] == ["x1", "a/y.txt", "b/z.md"]
    assert [e.id for e in errors] == ["empty.md"]


def test_glob_patterns(tmp_path):
    for name in ("one.md", "two.md", "three.txt"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    docs, _ = read([tmp_path / "*.md"])
    assert [d.id for d in docs] == ["one.md", "two.md"]
    with pytest.raises(CorpusError, match="no corpus files match"):
        read([tmp_path / "*.jsonl"])


def test_ids_are_unique_within_a_run(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", {"id": "doc", "text": "1"}, {"id": "doc", "text": "2"})
    b = write_jsonl(tmp_path / "b.jsonl", {"id": "doc", "text": "3"}, {"id": "doc#2", "text": "4"})
    docs, _ = read([a, b])
    ids = [d.id for d in docs]
    assert ids[:3] == ["doc", "doc#2", "doc#3"]
    assert len(set(ids)) == 4


def test_missing_path_is_a_one_line_error(tmp_path):
    with pytest.raises(CorpusError) as err:
        list(iter_documents([str(tmp_path / "nope.jsonl")]))
    assert str(err.value) == f"{tmp_path / 'nope.jsonl'}: no such file or directory"


def test_paths_are_checked_before_the_first_document(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", {"text": "x"})
    docs = iter_documents([str(good), str(tmp_path / "missing")])
    with pytest.raises(CorpusError):
        next(docs)


def test_unsupported_file_type(tmp_path):
    f = tmp_path / "data.csv"
    f.write_text("a,b", encoding="utf-8")
    with pytest.raises(CorpusError, match="unsupported file type"):
        read([f])


def test_jsonl_is_streamed_line_by_line(tmp_path):
    f = write_jsonl(tmp_path / "s.jsonl", {"text": "first"}, "broken", {"text": "third"})
    errors: list[Rejection] = []
    docs = iter_documents([str(f)], on_error=errors.append)
    assert next(docs).text == "first" and errors == []  # the bad line is not read yet
    assert next(docs).text == "third" and len(errors) == 1


def test_one_path_alone_is_one_path(tmp_path):
    """A path given alone, as a string or a Path, is read as it is (a string was iterated letter by
    letter, and "/" walked the whole file system)."""
    f = write_jsonl(tmp_path / "one.jsonl", {"id": "a", "text": "x"})
    assert [d.id for d in iter_documents(str(f))] == ["a"]
    assert [d.id for d in iter_documents(f)] == ["a"]


def test_a_text_left_html_escaped_reads_as_written(tmp_path):
    """OpenPI's wikiHow pages came HTML-escaped ("the dog&#x27;s mouth", said so to the customer); a
    manual that writes entities as its subject, beside plain quotes, is left as it is."""
    f = write_jsonl(tmp_path / "kb.jsonl",
                    {"id": "a", "title": "Teach a Dog&#x27;s Trick", "text": "Hold it at the dog&#x27;s mouth."},
                    {"id": "b", "text": "Say &quot;sit&quot; firmly."},
                    {"id": "c", "text": 'Write &quot; for a " and &lt; for <.'})
    docs, errors = read([f])
    assert not errors
    assert [d.text for d in docs] == ["Hold it at the dog's mouth.", 'Say "sit" firmly.', 'Write &quot; for a " and &lt; for <.']
    assert docs[0].title == "Teach a Dog's Trick"
