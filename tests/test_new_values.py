"""A how-to step that has the user type a new value ("Type the new name and tap Save", "Enter the
new phone number") takes that value as a `new_` parameter and stores it on the record: the
request carries the value the user chose, and the record holds it afterwards."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gem_env.cli import main
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import Domain

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
DOCS = {
    "display": ("Change your display name",
                "Open the app and go to Settings. Tap Profile, then tap Display name. Type the new name and "
                "tap Save. The new name shows on your profile right away."),
    "phone": ("Update your phone number",
              "Open the app and tap Account. Tap Phone number. Enter the new phone number and tap Send code. "
              "Type the 6-digit code from the text message and tap Verify."),
    "rename": ("Rename a playlist",
               "Open the Music app. Go to Library and tap Playlists. Touch and hold the playlist, then tap "
               "Rename. Type a new name and tap Done."),
}


def _domain(key: str) -> Domain:
    title, text = DOCS[key]
    domain = OfflineExtractor(archetypes=False).extract(Document(id=key, text=text, title=title), RELEVANT)
    assert isinstance(domain, Domain), domain
    return domain


@pytest.mark.parametrize("key, field, kind", [("display", "display_name", "a person's name"),
                                              ("phone", "phone_number", "a phone number"),
                                              ("rename", "playlist_name", "a name for the playlist")])
def test_a_new_value_the_user_types_is_a_parameter_the_step_stores(key: str, field: str, kind: str) -> None:
    domain = _domain(key)
    fields = {f.name for f in domain.entities[0].fields}
    assert field in fields, fields
    setting = [t for t in domain.tools if any(p.name == f"new_{field}" for p in t.parameters)]
    assert len(setting) == 1, [t.name for t in domain.tools]
    param = next(p for p in setting[0].parameters if p.name == f"new_{field}")
    assert not param.enum, f"{kind} is any value, not one of a list: {param.enum}"


def test_a_progress_step_that_stores_a_new_value_does_not_call_it_confirmed() -> None:
    tool = next(t for t in _domain("rename").tools if any(p.name == "new_playlist_name" for p in t.parameters))
    returned = json.dumps([s.model_dump(mode="json") for s in tool.effect])
    assert "new_playlist_name_confirmed" not in returned


def test_sessions_carry_the_chosen_value_to_the_record(tmp_path: Path) -> None:
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"id": k, "title": t, "text": x}) + "\n" for k, (t, x) in DOCS.items()))
    out = tmp_path / "run"
    assert main(["synthesize", str(corpus), "--out", str(out), "--quiet"]) == 0
    records = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
    changed = 0
    for r in records:
        for m in r["messages"]:
            for call in m.get("tool_calls") or []:
                args = json.loads(call["function"]["arguments"])
                new = {k: v for k, v in args.items() if k.startswith("new_")}
                if not new:
                    continue
                changed += 1
                (key, value), = new.items()
                spoken = " ".join(x.get("content") or "" for x in r["messages"] if x["role"] == "user")
                assert value in spoken, f"{value!r} was never said by the user"
    assert changed >= 4, changed  # each document's write task and its sessions set a value
    assert not (out / "rejected.jsonl").read_text().strip()
