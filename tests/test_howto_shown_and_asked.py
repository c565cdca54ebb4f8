"""A how-to step that points at what its text shows ("Check results of the following command.") is told
with it, or without the pointer where the text shows nothing there (s57 item 3); a customer asks for a
guide's task by its title, never by reciting the manual's step with its commands and paths (item 1)."""
from __future__ import annotations

from gem_env.documents import Document, Verdict
from gem_env.simulators.scenario import user_words
from gem_env.stages.extract.lexicon import shown_after, with_shown
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import Domain

PURGE = ("You can purge all remaining configuration files of removed\npackages.\n\n"
         "    Check results of the following command.\n\n    # aptitude search '~c'\n\n"
         "    If you think listed packages are OK to be purged, execute the\nfollowing command.\n\n"
         "    # aptitude purge '~c'\n\n    Then you press \"_\" at top level headings such as \"Not Installed\n"
         "    Packages\".\n")


def _after(text: str, step: str) -> str:
    end = text.index(step) + len(step)
    return with_shown(" ".join(step.split()), text, end)


def test_a_step_pointing_at_a_command_is_told_with_it() -> None:
    assert _after(PURGE, "Check results of the following command.") == \
        "Check results of the following command: \"aptitude search '~c'\"."
    session = "For example, try the following\n\n$ touch foo bar\n$ chmod 644 bar\n$ ls -l foo bar\n" \
              "-rw-r--r-- 1 penguin penguin 0 Oct 16 21:39 bar\n\nTip\n"
    assert shown_after(session, session.index("following") + 9) == ["touch foo bar", "chmod 644 bar", "ls -l foo bar"]
    pin = 'Set the "/etc/apt/preferences" file as the following.\n\nPackage: *\n    Pin: release a=testing\nPin-Priority: 1010\n\nRun it.'
    assert _after(pin, 'Set the "/etc/apt/preferences" file as the following.').endswith(
        ': "Package: *", then "Pin: release a=testing", then "Pin-Priority: 1010".')
    quoted = 'Start it by the following.\n\n$ echo "$TERM"\n'
    assert _after(quoted, "Start it by the following.") == 'Start it by the following: `echo "$TERM"`.'


def test_a_step_whose_listing_is_lost_loses_its_pointer() -> None:
    prose = "Start exim4 by the following.\n\nThis is done once.\n"
    assert _after(prose, "Start exim4 by the following.") == "Start exim4."
    script = "For example, try the following.\n\n# enable bash-completion\nif ! shopt -oq posix; then\n  . /x\nfi\n"
    assert shown_after(script, script.index("following") + 10) == []  # a script's comment is no command
    assert _after(script, "For example, try the following.") == "For example, try the following."  # ("try." says less)
    assert with_shown("Run it now.", prose, 0) == "Run it now."  # no pointer: as it is


def test_the_guide_tells_the_commands_its_text_shows() -> None:
    doc = Document(id="debian-reference:2.3.3", title="2.3.3. Purging removed packages for good", text=PURGE)
    domain = OfflineExtractor(archetypes=False).extract(
        doc, Verdict(id="x", relevant=True, score=0.9, reason="steps", labels={"domain": "software"}))
    assert isinstance(domain, Domain), domain
    assert "Check results of the following command: \"aptitude search '~c'\"." in domain.guide, domain.guide
    assert any("execute the following command: \"aptitude purge '~c'\"" in g for g in domain.guide), domain.guide


def test_a_customer_asks_by_the_title_not_by_reciting_the_manual() -> None:
    assert user_words("the internal editor in MC: export EDITOR=mcedit export VISUAL=mcedit (key {key_id})") == \
        "the internal editor in MC"
    assert user_words('recovering package selection data: mount old system at "/path/to/old/system/"') == \
        "recovering package selection data"
    assert user_words("the socket activation: use ssh(1) with -X option") == "the socket activation"
    # a step in plain words is still the request ("Spending Alerts on ...: set the delivery preference to email")
    assert user_words("Spending Alerts on Hunter Green: set the delivery preference to {x}", {"x": "email"}) == \
        "set the delivery preference to email"
    assert user_words("the internal editor in MC: open the editor") == "open the editor"


def test_try_the_following_before_commands_is_the_act_of_running_them() -> None:
    """"For example, try the following" then `$ script` was taken for a note: the guide told only
    "Press Ctrl-D to exit script", never to start script. It is the act of running what is shown;
    without anything shown it stays a pointer."""
    from gem_env.stages.extract.steps import procedure_steps
    text = ("The basic method of recording the shell activity is to run it\nunder script(1).\n\n"
            "    For example, try the following\n\n    $ script\nScript started, file is typescript\n\n"
            "    Do whatever shell commands under script.\n\n    Press Ctrl-D to exit script.\n\n    $ vim typescript\n")
    steps, _ = procedure_steps(text)
    assert [s.text for s in steps][:1] == ['Run "script".'], [s.text for s in steps]
    doc = Document(id="debian-reference:1.4.9", title="1.4.9. Recording the shell activities", text=text)
    domain = OfflineExtractor(archetypes=False).extract(
        doc, Verdict(id="x", relevant=True, score=0.9, reason="steps", labels={"domain": "software"}))
    assert isinstance(domain, Domain), domain
    assert len(domain.workflows[0].steps) >= 3, domain.workflows[0].steps  # the finder, the run, the press
    script = "For example, try the following.\n\n# enable bash-completion\nif ! shopt -oq posix; then\n  . /x\nfi\n"
    steps, _ = procedure_steps(script + "\nThen restart the shell.\n")
    assert not any(s.text.startswith("Run") for s in steps), [s.text for s in steps]
