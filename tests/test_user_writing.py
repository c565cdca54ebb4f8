"""Users write dates, amounts and times each their own way ("24 Jan 2025", "$4800", "9am"), and a
record's id without the word "id" ("It's for card CRD-1041."); the workflow agent reads every one of
them back as the value its tools take, and the sessions verify."""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from gem_env.agents.understanding import canonical, coerce, read_facts
from gem_env.cli import main
from gem_env.simulators.writing import DATES, MONEY, TIMES, Hand

ROOT = Path(__file__).resolve().parents[1]
SAID = ("I'd like to book a visit with Don Haley on January 24, 2025 at 2:00 pm for a consultation. "
        "Could you change the limit to $4,800? The amount is $1,164.14, and the fee was $12.50. "
        "It's the one from March 3, 2025 at 9:30 am.")


@pytest.mark.parametrize("date,money,time", list(itertools.product(DATES, MONEY, TIMES)))
def test_every_way_a_user_writes_is_read_back_as_it_was_meant(date: str, money: str, time: str) -> None:
    hand = Hand("someone")
    hand.date, hand.money, hand.time = date, money, time
    written = hand.write(SAID)
    assert (written == SAID) == (date is DATES[0] and money is MONEY[0] and time is TIMES[0])
    assert canonical(written) == SAID


def test_users_differ_in_how_they_write_and_each_keeps_one_way() -> None:
    hands = [Hand(f"user {i}") for i in range(200)]
    assert {h.date for h in hands} == set(DATES) and {h.money for h in hands} == set(MONEY)
    assert {h.time for h in hands} == set(TIMES)
    assert Hand("user 7").write(SAID) == Hand("user 7").write(SAID)


@pytest.mark.parametrize("said,type_,value", [
    ("24 Jan 2025", "date", "2025-01-24"), ("1/24/2025", "date", "2025-01-24"), ("2025-01-24", "date", "2025-01-24"),
    ("Sept 3, 2025", "date", "2025-09-03"), ("Jan 24, 2025 at 2pm", "datetime", "2025-01-24T14:00:00"),
    ("24 January 2025 at 2:00 PM", "datetime", "2025-01-24T14:00:00"), ("$4800", "number", 4800),
    ("4,800.50 dollars", "number", 4800.5), ("9:30 AM on 3 Mar. 2025", "string", "9:30 am on March 3, 2025"),
])
def test_a_value_written_another_way_becomes_what_the_tool_takes(said: str, type_: str, value: object) -> None:
    assert coerce(canonical(said), type_) == value


@pytest.mark.parametrize("text", ["My zip code is 94110.", "Call 608-697-1491x745.", "It's ACC-2025-01.",
                                  "On 2/30/2025 or 13/1/2025?", "I have 3 bags.", "It costs $100,000.",
                                  "My appointment on April 23, 2025 at 09:00."])
def test_what_is_not_a_date_amount_or_time_is_left_alone(text: str) -> None:
    assert canonical(text) == text


def test_sessions_with_users_who_write_their_own_way_verify(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "clinic"), "--out", str(run), "--quiet"]) == 0
    other = re.compile(r"\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b|\b\d{1,2} [A-Z][a-z]+ \d{4}\b|\b\d{1,2}/\d{1,2}/\d{4}\b"
                       r"|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}(?:am|pm|AM|PM)\b")
    trajectories = [json.loads(line) for line in (run / "trajectories.jsonl").open()]
    written = [t for t in trajectories if any(m["role"] == "user" and other.search(m["content"] or "")
                                              for m in t["messages"])]
    assert written and all(t["verification"]["passed"] for t in trajectories)
    assert len((run / "rejected.jsonl").read_text().strip().splitlines()) == 0 or all(
        json.loads(line)["stage"] != "verify" for line in (run / "rejected.jsonl").open())


@pytest.mark.parametrize("text,found", [
    ("It's for card CRD-1041.", {"card_id": "CRD-1041"}), ("That's line LNX1-27593.", {"line_id": "LNX1-27593"}),
    ("My card number is CRD-1041.", {"card_id": "CRD-1041"}), ("The card is CRD-1041.", {"card_id": "CRD-1041"}),
    ("It's the card ending in 4659.", {}), ("My card is lost.", {}), ("It's for card crd-1041.", {}),
])
def test_a_record_id_said_after_its_noun_is_read(text: str, found: dict[str, str]) -> None:
    names = [("card id", "card_id"), ("line id", "line_id"), ("email", "email")]
    assert read_facts(text, names, []) == found


def test_an_id_inside_a_note_the_user_was_asked_for_stays_in_the_note() -> None:
    names = [("card id", "card_id"), ("summary", "summary")]
    said = "Of course, it's a charge I do not recognise on my card CRD-67977."
    assert read_facts(said, names, ["summary"]) == {"summary": "a charge I do not recognise on my card CRD-67977"}
    assert read_facts("It's for card CRD-1.", names, ["card_id"]) == {"card_id": "CRD-1"}


def test_a_text_that_is_a_sentence_is_said_in_quotes_and_read_back_whole() -> None:
    """A free-text value ending in its own stop ("Thanks for the help so far.") was written "The
    narrative statement is Thanks for the help so far.." and, with one stop, read without its own;
    in quotes its stop is part of it. A code, a name or a word is said as it is."""
    from gem_env.simulators.phrases import said_value
    assert said_value("narrative_statement", "Thanks for the help so far.") == '"Thanks for the help so far."'
    assert said_value("question", "Is it done yet?") == '"Is it done yet?"'
    for value in ("Gold", "ACC-1234", "Mr. Smith", "wXVH2SKu3!"):
        assert said_value("x", value) == value
    said = 'Sure, the narrative statement is "Thanks for the help so far."'
    names = [("narrative statement", "narrative_statement")]
    assert canonical(read_facts(said, names, [])["narrative_statement"]) == "Thanks for the help so far."


def test_the_assistant_never_writes_a_full_stop_twice() -> None:
    from gem_env.agents.messages import say
    assert say("The question shows I'd like an update, please.. Anything else?")["content"] \
        == "The question shows I'd like an update, please. Anything else?"
    assert say("Hmm... let me check.")["content"] == "Hmm... let me check."
    assert say('With the question "Is it done?". Shall I?')["content"] == 'With the question "Is it done?". Shall I?'


def test_the_assistant_quotes_a_text_that_is_a_sentence() -> None:
    """"The question shows Which planet is closest to the sun? Anything else?" read as the
    assistant asking for the question, and the user's next request was taken for it (a refused
    session); in quotes it is a value."""
    import random
    from gem_env.agents import speech as S
    said = S.fact(random.Random(0), "question", "Which planet is closest to the sun?", after_write=False)
    assert '"Which planet is closest to the sun?"' in said, said
    assert '"' not in S.fact(random.Random(0), "status", "active", after_write=False)


def test_a_text_field_is_seeded_with_text_of_its_kind() -> None:
    """A how-to's question is a question, a review judges, a statement tells what happened (a
    Kahoot question was "I'd like an update on my game, please.")."""
    from gem_env.stages.extract.procedure_given import _texts
    assert all(t.endswith("?") for t in _texts("question", "game"))
    assert not any("update on my" in t for t in _texts("review", "game") + _texts("statement", "complaint"))
    assert any("my game" in t for t in _texts("message", "game"))


def test_a_quoted_question_asks_nothing() -> None:
    """'The question on file is "Is the game free to use?".' answered a lookup; read as a
    question, the request stayed open and the next one ("I want to create a kahoot game") got the
    lookup's answer again (and the user took it as asking for the question)."""
    from gem_env.agents.workflow_agent import _questions, _settled
    from gem_env.simulators.scripted import requests
    said = 'I\'ve got game GAM-01896 here. The question on file is "Is the game free to use?".'
    assert _settled(said, going_on=True) and _questions(said) == "" and requests(said) == []
    assert not _settled("What's your game ID?", going_on=True) and requests("What's your game ID?")
