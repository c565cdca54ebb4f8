"""Small wording rules of the offline agent and user: a how-to guide's title is confirmed as all its
steps, never as "the next step"; a yes/no named by the state a thing is in is asked and told as
that state ("whether the locale data is selected", never "whether locale data selected is on"),
and a name cut off at a preposition is said without it ("it is executed", never "it is executed
during"); a date a record is to be returned by is "to be returned by", never "return-by date on"."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from gem_env.agents import banks as B
from gem_env.agents import speech as S
from gem_env.agents.lookup import named_fields
from gem_env.simulators.scenario import Request
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.tasks.lookups import _asked

SECRET = re.compile(r"password|pin\b")


def test_a_change_is_confirmed_as_what_will_happen_not_as_the_next_step() -> None:
    """"My next step would be to cancel your booking BKN-1." spoke of the assistant's process: a
    confirmation says what the assistant will do."""
    said = {S.confirm(random.Random(seed), "cancel your booking BKN-1", {"booking_id": "BKN-1"}, SECRET, [])
            for seed in range(200)}
    assert not [s for s in said if re.search(r"next step", s, re.I)]
    assert any(s.startswith("Once you confirm, I'll cancel your booking BKN-1.") for s in said)
    # and it is not asked to be confirmed twice ("Once you confirm, I'll ... Please confirm.")
    assert not [s for s in said if re.search(r"confirm.*confirm", s, re.I)]


def test_the_records_beside_the_most_are_said_by_comparison() -> None:
    """"Beside it, ACC-2 has $6,995.53 and ACC-3 has $0." (53 answers of the banking and support
    runs) is no English for the other records' values: they come "for comparison"."""
    from types import SimpleNamespace

    from gem_env.agents.compare import _told
    cmp = SimpleNamespace(plan=SimpleNamespace(param="account_id", noun="account"), field="balance", most="highest")
    rows = [{"account_id": f"ACC-{i}", "balance": 100.0 * i, "status": "open"} for i in (1, 2, 3)]
    said = {_told(random.Random(seed), cmp, rows[2], rows[:2]) for seed in range(60)}
    assert not [s for s in said if "Beside it" in s]
    assert any("By comparison, ACC-1 has $100 and ACC-2 has $200." in s for s in said), said


def test_a_how_to_title_is_confirmed_as_what_was_asked_not_as_the_next_step() -> None:
    """"The next step is to support the ACLU." read as a how-to's instruction: a guide's title is
    what the customer asked for, of several steps ("Next come the steps to ...") or one ("Next up,
    I'll ..."). Only the alternatives the how-to banks word otherwise change, each in its place;
    every other confirmation is word for word what it was, by the same seed."""
    record = [{"message_id": "MES-1", "status": "active", "progress": "not started"}]
    said: dict[int, set[str]] = {5: set(), 1: set()}
    swaps = {steps: {a.format(action="support the ACLU"): b.format(action="support the ACLU")
                     for a, b in zip(B.CONFIRM_BODY, bank) if a != b}
             for steps, bank in ((5, B.CONFIRM_BODY_STEPS), (1, B.CONFIRM_BODY_HOW_TO))}
    other = 0
    for seed in range(300):
        before = ["Happy to help."]  # not the chat's first reply, which never goes on ("Next ...")
        plain = S.confirm(random.Random(seed), "support the ACLU", {"message_id": "MES-1"}, SECRET, record,
                          before=before)
        for steps in said:
            how_to = S.confirm(random.Random(seed), "support the ACLU", {"message_id": "MES-1"}, SECRET, record,
                               how_to=steps, before=before)
            first = S.confirm(random.Random(seed), "support the ACLU", {"message_id": "MES-1"}, SECRET, record,
                              how_to=steps)
            assert not re.match(r"(?:Next|Now|So)\b", first), first
            assert not re.search(r"next step", how_to), how_to
            body = next((a for a in swaps[steps] if re.search(rf"(?:^|[.!] ){re.escape(a)}", plain)), None)
            if body:
                assert swaps[steps][body] in how_to, how_to
                said[steps].add(swaps[steps][body])
            else:
                assert how_to == plain
                other += 1
    assert {"Next come the steps to support the ACLU.", "Next, I'd go through the steps to support the ACLU."} <= said[5]
    assert said[1] == {"Next up, I'll support the ACLU.", "What I'd do next is support the ACLU."}
    assert other > 400


@pytest.mark.parametrize("field,thing,be", [
    ("locale_data_selected", "the locale data", "is"), ("available_packages_refreshed", "the available packages", "are"),
    ("parameters_are_mounted", "the parameters", "are"), ("files_extracted", "the files", "are"),
    ("user_logged_in", "the user", "is")])
def test_a_yes_no_named_by_a_state_is_asked_and_told_as_that_state(field: str, thing: str, be: str) -> None:
    """The user asked "whether locale data selected is on for my locale", and the assistant answered "the available packages is refreshed", "the parameters are is
    mounted"; each now says the thing, its verb and its state, and the assistant still finds the
    field asked in the user's words."""
    state = field.rsplit("_", 2 if field.endswith("_in") else 1)[1:]
    said = f"{thing} {be} {' '.join(state)}"
    request = Request(kind="lookup", goal=_asked(field, True), asks=[field], yes_no=[field])
    for seed in range(6):
        question = ScriptedUser._question(request, "locale", random.Random(seed))
        assert said in question and not re.search(r"\bis on\b|turned on", question), question
        assert named_fields([field, "status"], question.lower()) == [field]
        told = S._yes_no(random.Random(seed), field, seed % 2 == 0)
        assert re.search(rf"{thing} {be} (?:not )?{' '.join(state)}", told, re.IGNORECASE), told


def test_a_yes_no_cut_off_at_a_preposition_is_said_without_it() -> None:
    """`is_executed_during` (from "commands ... executed during an hour that never existed"): asked
    "if my task is executed", answered "it is executed", never "... executed during"."""
    field = "is_executed_during"
    request = Request(kind="lookup", goal=_asked(field, True), asks=[field], yes_no=[field])
    for seed in range(6):
        question = ScriptedUser._question(request, "task", random.Random(seed))
        assert "is executed" in question and "during" not in question, question
        assert named_fields([field, "status"], question.lower()) == [field]
        told = S._yes_no(random.Random(seed), field, seed % 2 == 0)
        assert re.search(r"\bit is (?:not )?executed\b", told, re.IGNORECASE) and "during" not in told, told


@pytest.mark.parametrize("field,said", [
    ("return_by", "to be returned by"), ("pick_up_by", "to be picked up by"), ("due_by", "due by"),
    ("reply_by", "with a reply due by"), ("valid_until", "valid until"),
    ("booked_on", "booked on"), ("picked_up_at", "picked up on"), ("starts_at", "starting")])
def test_a_date_a_record_is_to_be_done_by_is_said_as_a_deadline(field: str, said: str) -> None:
    """A loan's "return_by" was described "return-by date on January 24, 2025"."""
    assert S._when_phrase(field) == said
    assert S.record_phrase("loan", [("status", "active"), (field, "2025-01-24")]) == \
        f"active loan, {said} January 24, 2025"


def test_how_to_sessions_say_titles_and_states_as_people_do(tmp_path: Path, monkeypatch) -> None:
    """The how-to documents these came from (the ACLU guide, Debian's cron and dpkg sections):
    every admitted task is accepted, no confirmation calls a guide's title "the next step", and no
    yes/no named by a state is asked or told as a setting ("... selected is on") or cut off. Every
    document is taken as relevant: whether stage 1 keeps them is the filter's business (two of
    them score under its threshold since round 38), what the later stages say of them is this
    test's."""
    from conftest import shared_path

    from gem_env.cli import main
    from gem_env.stages.filter import OfflineFilter
    judge = OfflineFilter.judge
    monkeypatch.setattr(OfflineFilter, "judge",
                        lambda self, doc: judge(self, doc).model_copy(update={"relevant": True}))
    wanted = {"wikihow-goal-step:9", "debian-handbook:sect.task-scheduling-cron-atd",
              "debian-handbook:sect.manipulating-packages-with-dpkg", "debian-reference:8.1.2",
              "debian-handbook:sect.config-misc"}
    lines = [line for name in ("wikihow_goal_steps_1000.jsonl", "debian_docs_sections.jsonl")
             for line in shared_path("corpora", name).read_text().splitlines() if json.loads(line)["id"] in wanted]
    assert len(lines) == len(wanted)
    corpus = tmp_path / "how_to.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    assert main(["synthesize", str(corpus), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    counts = json.loads((tmp_path / "run" / "manifest.json").read_text())["counts"]
    assert counts["tasks_admitted"] >= 12 and counts["trajectories_accepted"] == counts["tasks_admitted"], counts
    text = " ".join(m.get("content") or "" for line in (tmp_path / "run" / "trajectories.jsonl").open()
                    for m in json.loads(line)["messages"] if m["role"] in ("user", "assistant"))
    # a guide is confirmed as what was asked ("Going to support the ACLU."), never as its next step
    # (the steps' wording of a confirmation that is not the chat's first: the test above)
    assert re.search(r"\bsupport the ACLU\b[^?]*\?", text)
    assert not re.search(r"next step (?:is|would be) to support the ACLU", text)
    assert not re.search(r"executed during\b(?! an hour)|\b(?:selected|removed|extracted|mounted) is on\b"
                         r"|has (?:[a-z]+ ){1,3}(?:selected|removed|extracted) turned on|\bare is\b", text)


def test_verification_reads_a_yes_no_cut_off_at_a_preposition_without_it() -> None:
    """"It is executed." tells `is_executed_during`, with its polarity; another field it does not."""
    from gem_env.stages.verify import tells
    assert tells("is_executed_during", "yes", "Yes, it is executed.")
    assert tells("is_executed_during", "no", "No, it is not executed.")
    assert not tells("is_executed_during", "yes", "No, it is not executed.")
    assert not tells("is_followed_by_command_lilo", "yes", "Yes, it is followed.")
