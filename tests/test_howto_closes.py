"""How-to sessions say what was done in the guide's words (issue 9, round 53): the close names the
request done whatever its verb, and the confirmation names what will be done where the title is
capitalised or its step's verb is none of a service's."""
from __future__ import annotations

import random

import pytest

from gem_env.agents import speech as S
from gem_env.agents.actions import action, done


@pytest.mark.parametrize(("what", "said"), [
    ("text a heart using symbols", "texted a heart using symbols"),
    ("take care of the shell prompt", "taken care of the shell prompt"),
    ("connect Jambox to mac", "connected Jambox to mac"),
    ("breed on Nintendogs", "bred on Nintendogs"),
    ("format FAT32", "formatted FAT32"),
    ("run ssh with -X option", "run ssh with -X option"),
])
def test_a_howto_close_says_the_request_done_whatever_its_verb(what: str, said: str) -> None:
    """Never only "There we go." / "That's through." where no state of the record is told."""
    assert done(what) == said
    for seed in range(12):
        close = S.report(random.Random(seed), True, what, [], thing="your heart")
        assert f" {said}" in close, close


@pytest.mark.parametrize("what", [
    "password protect a PDF using PDF2Go",  # a noun before the verb: not "passworded protect"
    "sword cancel in Halo 2",
    "ninja defuse in call of duty",
    "be awesome on zombies on black ops",  # a state of the customer's, no act of the assistant's
    "go ahead with this step",
])
def test_a_request_whose_first_word_is_no_act_is_not_said_done(what: str) -> None:
    assert done(what) == ""


def test_a_close_that_tells_the_records_state_does_not_say_the_request_too() -> None:
    for seed in range(12):
        close = S.report(random.Random(seed), True, "install an SSD in your laptop", [("status", "installed")],
                         thing="your SSD")
        # (never "That leaves your SSD installed.": "As of now, your SSD is installed.")
        assert "installed now" in close or "now installed" in close or "your SSD is installed" in close, close
        assert "That leaves" not in close, close
        assert "installed an SSD" not in close, close


@pytest.mark.parametrize(("goal", "said"), [
    ("GUI network configuration tools: configure your network via GUI (user USE-63031)",
     "configure your network via GUI"),
    ("X server remote connection: run ssh(1) with -X option to establish a connection with the remote site "
     "(server SER-11111)", "run ssh with -X option to establish a connection with the remote site"),
    ("Real-Time Communication services: restart the service to use the new configuration (service SER-15292)",
     "restart the service to use the new configuration"),
    ("migrate (service SER-19958)", "migrate your service"),
    ("migrate (service {service_id})", "migrate your service"),
    ("G Shot in Call of Duty 4 (shot SHO-68252)", "G Shot in Call of Duty 4"),
])
def test_a_confirmation_names_what_will_be_done_in_the_guides_words(goal: str, said: str) -> None:
    """Never "go ahead with this step" where the guide says what is done."""
    assert action(goal, "do_step", {}) == said
