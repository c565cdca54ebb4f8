"""How the how-to path's goals and results are said, sentence by sentence (round 47): a goal in a
verb slot is a verb phrase, a procedure's result is said of the user's thing, and names keep the
capitals the document gives them."""
from __future__ import annotations

import random

import pytest

from gem_env.agents import speech as S
from gem_env.agents.actions import action
from gem_env.simulators.phrases import ABOUT, WANT, want_phrase
from gem_env.simulators.scenario import user_words
from gem_env.stages.extract.procedure_values import _goal_text, plain_title


@pytest.mark.parametrize(("goal", "tool", "said"), [
    # the title a topic, the step only the reader's: "I'll the chroot system: see ..."
    ('the chroot system: see "/usr/share/doc/sysv-rc/ README.policy-rc.d.gz" (effort {effort_id})', "see_doc_sysv",
     "take care of the chroot system"),
    ("the simple C program: look at the last parameter in the output text (program {program_id})",
     "look_last_parameter", "take care of the simple C program"),
    # a thought is no act ("you'd like to suppose the hostname"), a verb said twice, a compound split
    ("the shell prompt: suppose your hostname is foo, the login prompt looks as follows (hostname {hostname_id})",
     "suppose_hostname", "take care of the shell prompt"),
    ("the internal editor in MC: export EDITOR=mcedit export VISUAL=mcedit (key {key_id})", "export_export_visual",
     "take care of the internal editor in MC"),
    ("the filename encoding: if you are upgrading system, file names with non-ASCII characters (name {name_id})",
     "file_name", "take care of the filename encoding"),
    # a digit in a name is no value: the step is said
    ('the configuration of exim4: update exim4 configuration files in "/etc/exim4/" (file {file_id})',
     "read_official_guide", 'update exim4 configuration files in "/etc/exim4/"'),
    ("after the first boot: first boot (package {package_id})", "boot", "take care of what comes after the first boot"),
])
def test_a_topic_goal_is_said_as_a_verb_phrase(goal: str, tool: str, said: str) -> None:
    assert action(goal, tool, {}) == said


def test_a_tool_name_still_names_the_action_where_it_says_one() -> None:
    """The fallback keeps what worked: a topic goal whose write tool names an act on a thing, and
    any goal that is no topic."""
    assert action("the socket activation: first, disable system installed service unit (unit {unit_id})",
                  "disable_service_unit", {}) == "disable the service unit"
    assert action("", "cancel_order", {}) == "cancel the order"


def test_a_topic_is_never_put_in_the_users_verb_slot() -> None:
    """"I need to x server remote connection.", "I need your help to after the first boot."."""
    assert user_words("X server remote connection: run ssh(1) with -X option (server {server_id})") \
        == "X server remote connection"
    assert want_phrase(user_words("X server remote connection: run ssh (server {server_id})"))[0] is ABOUT
    assert want_phrase(user_words("X.509 certificates: write out database (certificate {certificate_id})")) \
        == (ABOUT, "X.509 certificates")
    assert want_phrase(user_words("after the first boot: first boot (package {package_id})")) \
        == (ABOUT, "what to do after the first boot")
    assert want_phrase(user_words("freeze your card {card_id}")) == (WANT, "freeze my card")


@pytest.mark.parametrize(("title", "said"), [
    ("Porting a package to the stable system", "port a package to the stable system"),
    ("Setting up ssh-agent", "set up ssh-agent"), ("Dealing with a compromised machine", "deal with a compromised machine"),
    ("Writing directly to the CD/DVD-R/RW", "write directly to the CD/DVD-R/RW"),
])
def test_a_section_titled_by_a_doing_is_a_request(title: str, said: str) -> None:
    """"Porting a package ...: build packages ..." was said "I'm calling about porting a package"
    and its step guessed from a tool name ("About to build the package"): the doing is the request,
    and the assistant says it."""
    goal = _goal_text(plain_title(title, "Build the packages."), [], [], "build the packages")
    assert goal == f"{said}: build the packages"
    assert action(f"{goal} (package {{package_id}})", "build_package", {}) == said


def test_a_word_before_a_noun_stays_a_topic() -> None:
    """"Spending alerts and budget controls" is no "spend alerts"; "obtaining backtrace" is the doing
    asked for ("obtain backtrace"), never "I'll obtaining backtrace" nor "I'm calling about obtaining
    backtrace" (a section's heading, no request)."""
    assert _goal_text("spending alerts on Hunter Green", [], [], "set the alert") \
        == "spending alerts on Hunter Green: set the alert"
    goal = _goal_text("obtaining backtrace", [], [], "load the core dump file")
    assert action(f"{goal} (file {{file_id}})", "type_bt", {}) == "obtain backtrace"
    # a doing with no object is set up
    assert _goal_text("monitoring", [], [], "return yes") == "set up monitoring: return yes"


def test_a_doing_is_found_by_its_verb_not_by_its_ending() -> None:
    from gem_env.stages.extract.procedure_values import _gerund_base
    assert [_gerund_base(w) for w in ("obtaining", "setting", "writing", "using", "thing")] \
        == ["obtain", "set", "write", "use", None]


def test_a_procedures_result_is_said_of_the_users_thing() -> None:
    """"The status now reads grown." told a status the user never saw: the state is the thing's."""
    told = {S.fact(random.Random(seed), "status", "grown", after_write=True, thing="your orchard") for seed in range(30)}
    # (never "That leaves your orchard grown.")
    assert told == {"Your orchard is grown now.", "Your orchard is now grown.", "As of now, your orchard is grown."}
    # a state named for the thing is not said of it again ("Your refund is now refunded.")
    assert S.fact(random.Random(0), "status", "refunded", after_write=True, thing="your refund") \
        in ("It's refunded now.", "That's refunded now.")
    # without a thing (a service's record), as before
    assert "status" in " ".join(S.fact(random.Random(s), "status", "frozen", after_write=True) for s in range(30)).lower()


@pytest.mark.parametrize(("noun", "goal", "thing"), [
    ("orchard", "grow an orchard in animal crossing wild world (orchard {orchard_id})", "your orchard"),
    ("zapdos", "get Zapdos in mystery dungeon blue (zapdos {zapdos_id})", "Zapdos"),
    ("wither", "kill the Wither in Minecraft (wither {wither_id})", "the Wither"),
    ("prius", "stop a runaway Toyota Prius (prius {prius_id})", "your Toyota Prius"),
    ("ssd", "install an SSD in your laptop (ssd {ssd_id})", "your SSD"),
    ("screen", "make your 3DS screens smaller with a Nintendo DS game (screen {screen_id})", "your screen"),
    ("setting", "turn off voicemail on a Samsung (setting {setting_id})", "your setting"),
    ("armor", "wear master Chief's armor in halo reach (armor {armor_id})", "your armor"),  # not "your Chief's armor"
    ("puff", "defeat huff N' puff in paper mario (puff {puff_id})", "your puff"),  # not "your N' puff"
    # a capital the title writes as many is no name: never "That leaves Reward redeemed."
    ("reward", "EcoCard: Redeeming sustainability points for Rewards: go to Rewards (reward {reward_id})", "your reward"),
    ("block", "type colored text in Minecraft chat (works with command Blocks) (block {block_id})", "your block"),
])
def test_a_things_name_is_said_as_the_goal_writes_it(noun: str, goal: str, thing: str) -> None:
    """Never "your zapdos" of a name the title capitalises; "your SSD" as the goal spells it."""
    from gem_env.agents.actions import thing_called
    assert thing_called(noun, goal) == thing


def test_a_name_ending_in_a_number_keeps_its_capitals_whatever_the_text_says() -> None:
    """"play call of Duty 5", "use a mic in team Fortress 2" where the text says "call" and "team"."""
    text = "Call your team. The team wins when you call the medic."
    assert plain_title("How to Use a Mic in Team Fortress 2", text) == "use a mic in Team Fortress 2"
    assert plain_title("How to Play Call of Duty 5 on Veteran Difficulty", text) \
        == "play Call of Duty 5 on veteran difficulty"
    assert plain_title("How to Defeat the Yiazmat in Final Fantasy XII", "It is the final fight.") \
        == "defeat the Yiazmat in Final Fantasy XII"
    assert plain_title("3.1.1. Stage 1: the UEFI", "The first stage.") != "3.1.1. Stage 1: the UEFI"


def test_what_the_steps_change_names_the_thing_as_the_goal_does() -> None:
    """"For your zapdos, I'll go to Mount Thunder ... Your zapdos will then be obtained.": a name
    the title capitalises is said as a name."""
    from gem_env.agents.actions import thing_called
    from gem_env.agents.explain import what_steps_change
    from gem_env.tools.model import UpdateStep
    calls = [([UpdateStep.model_validate({"update": "withers", "row": "w", "set": {"progress": f"'{s}'"}})],
              {"wither_id": "WIT-1"}) for s in ("build the Wither", "hit it with a sword")]
    calls.append(([UpdateStep.model_validate({"update": "withers", "row": "w", "set": {"status": "'killed'"}})],
                  {"wither_id": "WIT-1"}))
    assert what_steps_change(calls).startswith("For your wither, ")  # unnamed, as before
    told = what_steps_change(calls, called={"your wither": thing_called("wither", "kill the Wither in Minecraft")})
    assert told == ("For the Wither, I'll build the Wither and hit it with a sword. "
                    "The Wither will then be killed."), told
