"""A how-to's record is the thing the guide works on, named as the guide names it (round 54): not a
gift's head ("thumbs", "labels"), a message's content ("hearts"), what an app's screens show
("products", "sizes") or a noun phrase's last word ("packages" of a football channel package); a
program started is in no state ("Your package is started"), a noun before a modal passive is no
verb ("file names ... may be encoded": 'filed'), and a program goes by its name ("Twitch")."""
from __future__ import annotations

from gem_env.documents import Document, Rejection, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import Domain

from procedure_view import step_views

RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")


def _extract(text: str, title: str) -> Domain | Rejection:
    return OfflineExtractor(archetypes=False).extract(Document(id="d", title=title, text=text), RELEVANT)


def _record(text: str, title: str) -> str:
    domain = _extract(text, title)
    assert isinstance(domain, Domain), domain
    return domain.entities[0].name


def test_what_give_acts_on_is_the_one_given_a_thing() -> None:
    """"Give the drive a label" made the record a label (FAT32's "labels"), "Give a Thumbs Up for an
    Edit" a thumb: what is worked on is the one given the thing, the drive and the edit."""
    steps = ("1. Back up anything on the drive.\n2. Right-click on your USB drive and select Format.\n"
             "3. Give the drive a label.\n4. Click OK to start the format process.\n")
    assert _record(steps, "How to Format FAT32") == "drives"
    steps = "1. Go to Recent Changes Patrol.\n2. Press the Thumbs Up button.\n"
    assert _record(steps, "How to Give a Thumbs Up for an Edit on wikiHow") == "edits"
    from gem_env.stages.extract.procedure_fields import _title_object
    assert _title_object("How to Give Your Dog a Bath", counted=True) == "dog"


def test_a_message_verbs_record_is_the_message() -> None:
    """"How to Text a Heart Using Symbols" was done on a "heart" (`find_hearts_by_email`): the heart is
    what the message says; the record is the message its steps create and send."""
    steps = "1. Create a new message.\n2. Enter the recipient.\n3. Add a 3.\n4. Send your message.\n"
    assert _record(steps, "How to Text a Heart Using Symbols") == "messages"


def test_a_guide_to_using_a_named_app_is_done_on_that_program() -> None:
    """"How to Use Instacart on an iPhone" was done on "products", "Use Microsoft Paint" on "sizes" (what
    their screens show): the guide acts on nothing of the customer's but their copy of the app, by its
    name as the title writes it. A thing used on no screen is no program."""
    steps = ('1. Open Instacart on your iPhone.\n2. Explore the "Home" tab.\n3. Tap the "Cart" icon.\n'
             "4. Learn about the product pages.\n")
    domain = _extract(steps, "How to Use Instacart on an iPhone or iPad")
    assert isinstance(domain, Domain), domain
    table = domain.entities[0]
    assert table.name == "programs", table.name
    assert next(f for f in table.fields if f.name == "program_name").values == ["Instacart"]
    steps = "1. Select a text color.\n2. Click A.\n3. Change the font's size.\n4. Enter your text.\n"
    domain = _extract(steps, "How to Use Microsoft Paint in Windows - Adding Text")
    assert isinstance(domain, Domain), domain
    assert next(f for f in domain.entities[0].fields if f.name == "program_name").values == ["Microsoft Paint"]
    steps = "1. Rub arnica gel on the bruise.\n2. Wash your hands.\n3. Repeat twice a day.\n"
    assert _record(steps, "How to Use Arnica for Natural Remedies") != "programs"


def test_a_record_the_title_does_not_name_goes_by_the_texts_noun_phrase() -> None:
    """"How to Watch Live Football" was done on a "package" (its step buys "a football channel
    package"), "Watch TV Without Cable - Cancelling Cable Contracts" on a "contract": the record is
    named as the text names it with the title's word. The title's own thing keeps its name."""
    steps = ("1. Use a TV service to watch games.\n2. Stream games through a mobile app.\n"
             "3. Purchase a football channel package to watch any game you want.\n")
    assert _record(steps, "How to Watch Live Football") == "football_channel_packages"
    steps = "1. Call your cable provider.\n2. Cancel your cable contract.\n3. Try streaming for 3 months.\n"
    assert _record(steps, "How to Watch TV Without Cable - Cancelling Cable Contracts") == "cable_contracts"
    steps = "1. Open a text editor.\n2. Type the HTML tags.\n3. Save the web page.\n"
    assert _record(steps, "How to Create a Simple Web Page") == "pages"


def test_a_program_started_is_in_no_state() -> None:
    """Debian's "Start aptitude in interactive mode" left "Your package is started now.", Recuva's
    "Click Start" "Your file is started now.": a program run or a thing begun is no state of the
    record, and the close says the request done instead."""
    steps = ("1. Start aptitude in interactive mode as root.\n2. Type u to update the package list.\n"
             "3. Exit aptitude.\n4. Start apt-get autoremove as root to autoremove unused packages.\n")
    domain = _extract(steps, "Tidying auto/manual install status")
    assert isinstance(domain, Domain), domain
    assert not {v.status for v in step_views(domain)} & {"started", "restarted"}
    steps = "1. Open Recuva.\n2. Select the file type.\n3. Click Start.\n"
    domain = _extract(steps, "How to Recover Deleted Files from Your Computer")
    assert isinstance(domain, Domain), domain
    assert "started" not in {v.status for v in step_views(domain)}


def test_a_noun_before_a_modal_passive_is_no_verb() -> None:
    """"file names with non-ASCII characters may be encoded ..." was a step "file names" ('filed',
    "Your name is filed now."): a noun phrase before "may be encoded" is the sentence's subject."""
    from gem_env.text.features import leading_verb
    assert leading_verb("If you are upgrading system, file names with non-ASCII characters may be encoded.") is None
    assert leading_verb("Review what will be uninstalled.") == "review"
    assert leading_verb("Update the daemon configuration.") == "update"


def test_a_program_is_called_by_its_name() -> None:
    """"Your program is uninstalled now." of "uninstall Twitch on PC or mac": the program the goal's
    verb acts on by its name is called so; a goal naming none keeps "your program"."""
    from gem_env.agents.actions import thing_called
    assert thing_called("program", "uninstall Twitch on PC or mac (program {program_id})") == "Twitch"
    assert thing_called("program", "install Internet Explorer using Windows 10") == "Internet Explorer"
    assert thing_called("program", "uninstall a program") == "your program"
    assert thing_called("game", "get Zapdos in Mystery Dungeon Blue") == "your game"


def test_a_shooters_guide_is_done_in_the_game_it_names() -> None:
    """"How to Ninja Defuse in Call of Duty" was done on a "defuse", "G Shot in Call of Duty 4" on a
    "shot", "Merchant ... in RuneScape" on "quantities": their texts say no word of a game but a
    shooter's ("your enemy's routes") or an online world's ("a merchanting clan"); the task is done in
    the customer's game by the name the title gives, and a guide's note "See Section 11.1" is no step."""
    steps = ("1. Move in and cover your route to the bomb site.\n2. Find a hiding spot and pull out your pistol.\n"
             "3. Investigate your enemy's routes.\n4. Start defusing once the bomb has been planted.\n")
    domain = _extract(steps, "How to Ninja Defuse in Call of Duty")
    assert isinstance(domain, Domain), domain
    assert next(f for f in domain.entities[0].fields if f.name == "game_name").values == ["Call of Duty"]
    steps = ("1. Join a merchanting clan.\n2. Ask people in the clan what to merchant.\n"
             "3. Buy large quantities of the designated item.\n4. Sell before the price goes down.\n")
    domain = _extract(steps, "How to Merchant Using a Price Manipulation in RuneScape")  # (was "quantities")
    assert isinstance(domain, Domain), domain
    assert next(f for f in domain.entities[0].fields if f.name == "game_name").values == ["RuneScape"]
    from gem_env.stages.extract.steps import is_note
    assert is_note("See Section 11.1, \u201cText data conversion tools\u201d.")
    assert not is_note("Seed the lawn in spring.")
