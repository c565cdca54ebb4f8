"""A how-to's steps carry whole phrases of the text (round 52): a label is never cut mid-phrase nor
split from its step, a clicked target names the thing the text acts on, and a step to understand or
enjoy is said in the guide, not done by a call."""
from __future__ import annotations

from gem_env.agents.explain import what_steps_change
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.extract.procedure_acts import step_act
from gem_env.stages.extract.procedure_tools import said_step, step_label
from gem_env.stages.extract.steps import analyse_step, is_note
from gem_env.text import features as tf
from gem_env.tools import CompiledDomain, Domain, compile_domain

RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")


def _compiled(text: str) -> CompiledDomain:
    title = text.splitlines()[0]
    domain = OfflineExtractor(archetypes=False).extract(Document(id="guide", title=title, text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    return compile_domain(domain)


def _acts(compiled: CompiledDomain) -> list[tuple[str, str | None]]:
    return [(s.tool, next((a.const for a in s.args.values() if a.const is not None), None))
            for s in compiled.domain.workflows[0].steps[1:]]


def _act(text: str) -> tuple[str, str] | None:
    info = analyse_step(tf.Step(text, 0, len(text), "sentence", None, 0, "", tf.leading_verb(text)), text)
    got = step_act(info, said_step(text))
    return (got[0].name, got[1]) if got else None


def test_a_label_is_the_whole_instruction_with_the_value_that_completes_it() -> None:
    """The 8-word cut made "confirm that you want", "choose seats based", and the label's characters
    dropped "$100" and "↵ Enter"; a longer step is cut where a clause of its own starts."""
    assert step_label("Confirm that you want to reset your browser settings.") == \
        "confirm that you want to reset your browser settings"
    assert step_label("Choose seats based on your price range and availability.") == \
        "choose seats based on your price range and availability"
    assert step_label("Enter an amount that is at least $100.") == "enter an amount that is at least $100"
    assert step_label("Type passwd and press ↵ Enter.") == "type passwd and press ↵ Enter"
    assert step_label("Use your Activity Monitor to find out which programs are slowing down your computer "
                      "the most.") == "use your Activity Monitor"
    assert step_label("Click A.") == "click A"  # (a key, not an article)
    # when or in which case is no part of the act: the assistant said the desk "is lowered" up front
    assert step_label("Let go of the button when the desk is lowered to your liking.") == "let go of the button"
    assert step_label("Buy tickets online as soon as you know you're going.") == "buy tickets online"
    assert step_label("Wait until you hear a beep.") == "wait until you hear a beep"
    assert step_label("Tap Layers if you are using an app.") == "tap Layers"
    assert step_label("Click the submit link button this will open a Submission request form page.") == \
        "click the submit link button"
    assert step_label("Run ssh(1) with -X option to establish a connection with the remote site as the "
                      "following.") == "run ssh with -X option"
    assert said_step("Straighten out a length of paper clip as best you can.") == \
        "straighten out a length of paper clip as best you can"
    assert step_label("Delete, compress or remove large and unnecessary files.") == \
        "delete, compress or remove large and unnecessary files"
    assert step_label('Change the setting to "UTC=yes" in the "/etc/default/rcS".') == \
        "change the setting to UTC=yes in the /etc/default/rcS"


def test_a_step_after_a_lead_in_or_a_modal_is_its_instruction() -> None:
    """"To exit ..., choose Exit" was the step "to exit the configuration program"; "Then you have to
    install ..." a tool of its own taking only the record's id."""
    assert said_step("To exit the configuration program, choose Exit from the main menu.") == \
        "choose Exit from the main menu"
    assert said_step("First, you need to change the /etc/apt/sources.list file to tell APT to get its "
                     "packages from Bullseye instead of Buster.") == "change the /etc/apt/sources.list file"
    assert said_step("Be sure to clean out your can first.") == "clean out your can first"


def test_a_target_names_the_thing_the_text_acts_on() -> None:
    """A control by its name without its place ("Settings button", not "Settings button located"), a
    thing the text only describes by its description with its determiner ("the search bar", "the email
    you want to copy", not "email you want"; "your icon", not "icon"), a capitalised label as it is ("This is a fake account", not
    "is a fake account"), and no target where the text names none ("Click to choose a template")."""
    assert _act("Click on the Settings button located at the right end of the toolbar.") == \
        ("click", "Settings button")
    assert _act("Click the tiny globe icon below your name on the top-right.") == ("click", "the tiny globe icon")
    assert _act("Tap the search bar.") == ("click", "the search bar")
    assert _act("Click the email you want to copy.") == ("click", "the email you want to copy")
    assert _act("Select your icon.") == ("click", "your icon")
    assert _act("Click the icon on the top-right.") == ("click", "the icon on the top-right")  # (what tells it apart)
    assert _act("Tap This is a fake account.") == ("click", "This is a fake account")
    assert _act("Click Sign In or tap the icon that resembles a person.") == ("click", "Sign In")
    assert _act("Tap the ⋮ menu.") == ("click", "⋮ menu")
    assert _act("Click to choose a template or create a new game.") == \
        ("do_step", "click to choose a template or create a new game")
    assert _act("Tap and hold the globe key.") == ("do_step", "tap and hold the globe key")
    assert _act("Go to your Settings > Game Center > Apple ID.") == ("go_to", "Settings")
    assert _act('Select "Settings" → "Keyboard" → "Input Sources" → click "+" in "Input Sources".') == \
        ("click", "Settings → Keyboard → Input Sources")  # (a menu path, not its next click)


def test_a_step_split_at_a_controls_ellipsis_is_one_press() -> None:
    """The list cut "Press the Reset Firefox..." from "button located at the top right of the page.",
    which became a step of its own (`do_step "button located at the top right"`) and a label with a
    doubled stop ("press the Reset Firefox..")."""
    compiled = _compiled("How to Reset Browser Settings - Firefox\n1. Open Firefox.\n"
                         "2. Click on Troubleshooting Information.\n3. Press the Reset Firefox...\n"
                         "4. button located at the top right of the page.\n"
                         "5. Confirm that you want to reset your browser settings.\n")
    assert _acts(compiled) == [("open_app", "Firefox"), ("click", "Troubleshooting Information"),
                               ("click", "Reset Firefox button"),
                               ("do_step", "confirm that you want to reset your browser settings")], _acts(compiled)


def test_a_step_to_understand_is_in_the_guide_and_no_call() -> None:
    """"Understand what resetting Firefox will accomplish" was a tool `accomplish_setting` taking only
    the record's id, "Enjoy your new phone!" a `do_step`, "Done!" a tool `do_samus`, "Sonic will ask
    the other members ..." `ask_member`: nothing the assistant does in the app."""
    assert is_note("Understand what creating a data CD does.") and is_note("Enjoy your new picture!")
    assert is_note("Note that Xen is so far incompatible with ACPI.") and is_note("See dpkg(8) for details.")
    assert is_note("For example, try the following")
    assert not is_note("Note down the code.") and not is_note("Remember to save your work.")
    text = ("How to Reset Firefox\n1. Understand what resetting Firefox will accomplish.\n2. Open Firefox.\n"
            "3. Click on Troubleshooting Information.\n4. Once it restarts, Firefox will show a new profile.\n"
            "5. Enjoy your fresh browser!\n6. Done!\n")
    compiled = _compiled(text)
    assert _acts(compiled) == [("open_app", "Firefox"), ("click", "Troubleshooting Information")], _acts(compiled)
    assert compiled.domain.guide[0] == "Understand what resetting Firefox will accomplish."
    assert len(compiled.domain.guide) == 6


def test_the_same_target_twice_is_said_as_each_step() -> None:
    """Two "Click Open." steps: the second call was said with the first row's label ("click Open")."""
    compiled = _compiled("How to Open a File\n1. Click Open.\n2. Select the file.\n3. Click Open.\n")
    pk = compiled.domain.entities[0].primary_key
    wf = compiled.domain.workflows[0]
    calls = [(compiled.tools[s.tool].spec.effect, {pk: "F-1", **{k: a.const for k, a in s.args.items()
                                                                if a.const is not None}}) for s in wf.steps[1:]]
    said = what_steps_change(calls)
    assert "click Open again" in said, said


def test_a_supposition_or_a_look_leaves_no_state() -> None:
    """"That leaves your hostname supposed." ("Suppose your hostname is foo"), "Your boundary is now
    viewed.", "Your vehicle is now determined.": no state the record is left in."""
    from gem_env.stages.extract.steps import leaves_a_state
    assert not any(leaves_a_state(v) for v in ("suppose", "assume", "view", "determine"))
    assert leaves_a_state("install") and leaves_a_state("hide")
