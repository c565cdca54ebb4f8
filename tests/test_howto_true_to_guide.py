"""A how-to's steps are the guide's acts (review 59, row 6 and "left"): a line that says how things are
("When you face him, he won't join your team at the first battle.", "She's stuck in a tree.", "You
should be holding no weapons.", "You can even put music on for breeding.") is no step to tell or mark;
and a guide whose text lost the code its steps show ("give it an id like described in the previous
method.(e.g.") makes no domain: told, its steps point at what nobody sees."""
from __future__ import annotations

import json
import re

from gem_env.agents import guided as G
from gem_env.documents import Document, Rejection
from gem_env.stages.extract.steps import is_note
from gem_env.tools import compile_domain

from howto_helpers import extracted, guide_domain, marked_spans, rolled_out

ZAPDOS = Document(id="openpi:Get-Zapdos", title="How to Get Zapdos in Mystery Dungeon Blue", text=(
    "1. Beat Rayquaza and finish the game.\n2. Go to Mount Thunder.\n3. Finish the maze and save.\n"
    "4. When you face him, he won't join your team at the first battle.\n"))
JQUERY = Document(id="wikihow-goal-step:360", title="How to Create Link Same HTML Document - Using jQuery", text=(
    "1. Open previously created document that contains the HTML code you wish to modify.\n"
    "2. Add the following to the <head> tag like shown below.\n"
    "3. Locate the element that you wish to click on for the scroll function and give it an id like described "
    "in the previous method.(e.g.\n4. Give the element that you wish to scroll to an id.(e.g.\n"))


def test_a_line_that_says_how_things_are_is_a_note() -> None:
    for said in ("She's stuck in a tree.", "When you face him, he won't join your team at the first battle.",
                 "When you find the walrus with the backpack, that's Wendell.", "You should be holding no weapons.",
                 "You can even put music on for breeding.",
                 "Once installation is complete, you might be prompted to install DirectX 9.0c."):
        assert is_note(said), said
    for act in ("Whack the tree until she falls down.", "You can log into Yahoo Mail on your PSP.",
                "There's a good chance you'll get launched over your bars, so strap on your helmet.",
                "Once these new package sources are registered, you should first do a minimal upgrade.",
                "Once this configuration is complete, you can open the ADSL connection with pon dsl-provider.",
                "Go to Mount Thunder."):
        assert not is_note(act), act
    # and the guidance does not tell one where no write marks it
    assert G.instructions(["Go to Mount Thunder.", "She's stuck in a tree.", "You should be holding no weapons.",
                           "When you face him, he won't join your team at the first battle."]) == ["Go to Mount Thunder."]


def test_a_statement_in_the_guide_is_neither_told_nor_marked() -> None:
    domain = guide_domain(ZAPDOS)
    assert domain.guide[-1].startswith("When you face him")  # (the prompt's guide still has it)
    spans = marked_spans(domain)
    assert spans and not any("join your team" in s for s in spans), spans
    assert not any("join your team" in line for line in G.told(domain.guide, spans)), G.told(domain.guide, spans)


def test_a_guide_whose_examples_were_cut_from_its_text_makes_no_domain() -> None:
    out = extracted(JQUERY)
    assert isinstance(out, Rejection) and "(e.g." in out.reason, out


ITUNES = Document(id="wikihow-goal-step:247", title="How to Contact the iTunes Store Using Apple Support Resources", text=(
    "1. Access the iTunes support page on Apple's website.\n2. Search or select a topic.\n"
    "3. Email iTunes if you don't mind waiting a few days.\n"
    "4. Get iTunes support to call you if you'd like to talk on the phone.\n"
    "5. Start an online chat session if you want to talk with a representative.\n"))


def test_steps_each_taken_if_it_suits_are_a_choice_told_once_and_marked_as_one() -> None:
    """iTunes' three ways to contact support were all marked done, of a customer who takes one (round
    60's "left"), then none of them (round 61's): they are told as a choice, and the checklist marks the
    one step the customer takes whichever way, said whole ("email iTunes, get iTunes support to call you
    or start an online chat session"), never one way alone."""
    from gem_env.tools.kinds import alternatives, one_of
    guide = list(ITUNES.text.splitlines())
    assert alternatives(guide) == [(2, 5)]
    assert alternatives(["Select a text color.", "Enter your text.", "Give your text a background if you like.",
                         "Anchor your text."]) == []  # (a lone optional step is the guide's own)
    assert one_of(["Email iTunes if you don't mind waiting a few days.",
                   "Get iTunes support to call you if you'd like to talk on the phone."]) \
        == "Email iTunes or get iTunes support to call you."
    domain = guide_domain(ITUNES)
    spans = marked_spans(domain)
    assert len(spans) == 3 and all(re.search(r"Email iTunes|call you|chat session", s) for s in spans[2:]), spans
    labels = [s.args["step"].const for w in domain.workflows for s in w.steps if "step" in s.args]
    assert labels[-1] == "email iTunes, get iTunes support to call you or start an online chat session", labels
    choice = ("Then do whichever of these suits you: email iTunes if you don't mind waiting a few days; get "
              "iTunes support to call you if you'd like to talk on the phone; or start an online chat session if "
              "you want to talk with a representative.")
    assert G.marked(domain.guide, spans)[-1] == choice
    told = G.told(domain.guide, spans)
    assert told == ["Access the iTunes support page on Apple's website.", "Search or select a topic.", choice], told


async def test_the_choice_is_marked_once_whichever_way_the_customer_took() -> None:
    compiled = compile_domain(guide_domain(ITUNES))
    checked = 0
    for traj in await rolled_out(compiled, per_domain=3):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        steps = [json.loads(c["function"]["arguments"]).get("step") for m in traj.messages
                 for c in m.get("tool_calls") or [] if c["function"]["name"] == "do_step"]
        if steps:
            assert steps[-1] == "email iTunes, get iTunes support to call you or start an online chat session", steps
            assert not any(s in ("email iTunes", "get iTunes support to call you") for s in steps), steps
            checked += 1
    assert checked >= 2


def test_a_sentence_about_a_thing_is_a_note_and_an_instruction_is_not() -> None:
    """"Certain things give you certain prizes." (Wendell), "Kapp'n or Rover will talk to you ...", "Old
    package installers are taking up too much space." were told and marked as steps (round 60's "left":
    a noun subject). An instruction the lexicon does not open with a verb stays one."""
    for said in ("Certain things give you certain prizes.",
                 "Kapp'n or Rover will talk to you a little bit while you drive to the city.",
                 "Old package installers are taking up too much space.", '"Asylum Aftermath" is the first mission.',
                 "Now it's game time.", "For a split second the Mongoose will go out the map.",
                 "Then a Message will be displayed as Link: submitted and awaiting approval.",
                 "By now it should be narrowed down to 2-5 phones."):
        assert is_note(said), said
    for act in ("Then the loop can be started manually with systemctl start adsl-connection.",
                "Once you have entered, play the mini-game that you are forced to do in the stage.",
                "Once Debian is installed, we need to individually install and configure each of the services.",
                "Ensure everything is mixed thoroughly.", "Blend until it is as smooth as your blender will get it.",
                "Await confirmation that the card is linked and eligible.", "Remember to give your brain a quick break.",
                "Talk sweetly to him and give him grace.", "Root forsythia after the bush has finished blooming.",
                "Once these prerequisites are installed, the next step is to test the behavior of the dom0.",
                "Right-click Twitch in the Trash bin.", "Then you can move your cursor."):
        assert not is_note(act), act
