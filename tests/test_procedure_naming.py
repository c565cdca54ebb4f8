"""The procedure path's words: a goal says the title's task plainly, a tool is named verb_object
from its step, and a value the step names is a parameter the tool takes and stores."""
from __future__ import annotations

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.procedure_values import plain_title
from gem_env.tools import Domain

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")


def _procedure(text: str, title: str = "") -> Domain:
    domain = OfflineExtractor(archetypes=False).extract(Document(id="d", text=text, title=title), RELEVANT)
    assert isinstance(domain, Domain), domain
    assert not isinstance(check_domain(domain), str)
    return domain


FILTER = ("How to Block a Website with an Internet Filter - Block Website with Internet Filter\n"
          "1. Download the filter and install it on your computer.\n"
          "2. Bring up Aobo Filter with the hotkey.\n"
          "3. Or you can just easily click the green \"+\" button to add a specified URL.\n"
          "4. Go to the browser and try to open the websites you add to the Black List.\n")


def test_a_goal_is_the_titles_task_said_plainly() -> None:
    """Not "Block a Website with an Internet Filter - Block Website with Internet Filter": the
    subtitle repeats the title (or names a part of the text) and title case is no request."""
    title = "How to Block a Website with an Internet Filter - Block Website with Internet Filter"
    domain = _procedure(FILTER, title)
    assert domain.workflows[0].goal.startswith("block a website with an internet filter ("), domain.workflows[0].goal


def test_a_subtitle_saying_how_is_kept_and_names_keep_their_capitals() -> None:
    text = "Boot from the USB stick. Open LanSchool and close it. Contact Max Factor on Twitter."
    assert plain_title("How to Hack Lanschool - Using LinuxLive USB", text) == "hack Lanschool using LinuxLive USB"
    assert plain_title("How to Contact Max Factor - Contacting via Twitter", text) == "contact Max Factor via Twitter"
    assert plain_title("How to Contact the iTunes Store - Using Apple Support Resources",
                       "Go to the Apple website and open the support page.") \
        == "contact the iTunes store using Apple support resources"
    assert plain_title("How to Get Married in Oregon - Planning a Wedding Ceremony", "Choose a season.") \
        == "get married in Oregon"
    assert plain_title("How to Recover a Lost Village - By Logging in", "Log in.") == "recover a lost village by logging in"


def test_a_tool_is_named_by_its_steps_verb_and_object() -> None:
    """No adverb, modal, relative clause's verb, placeholder or letter in a name, and a repeated
    name told apart by the step's own words before a number (they were `easily_green_button`,
    `restart_computer_want`, `wait_hear`, `scroll_down_tap_safari`, `first_can`, `play_e`,
    `click_proceed_2`)."""
    text = ("How to Bypass a Filter\n"
            "1. Or you can just easily click the green \"+\" button to add a specified URL.\n"
            "2. Restart the computer you want to bypass LanSchool on.\n"
            "3. Wait until you hear a beep.\n"
            "4. Scroll down and tap Safari.\n"
            "5. Be sure to clean out your can first.\n"
            "6. Play the E and G notes.\n"
            "7. Click Proceed.\n"
            "8. Click Proceed to PayPal.\n"
            "9. Select one of the channels to invert.\n")
    domain = _procedure(text, "How to Bypass a Filter")
    noun = domain.entities[0].primary_key[:-3]  # a step with no object acts on the record
    names = [t.name for t in domain.tools[2:]]
    assert names[:4] == ["click_green_button", "restart_computer", f"wait_{noun}", "tap_safari"], names
    assert names[4].startswith("clean_out"), names
    assert names[5:] == ["play_note", "click_proceed", "click_proceed_paypal", "select_channel"], names


def test_a_how_to_title_is_said_plainly_in_the_service_prompt() -> None:
    """"You are a customer support assistant. How to Block a Website with an Internet Filter - Block
    Website with Internet Filter." (the raw title, as a sentence of its own: 13 words)."""
    from gem_env.stages.extract.procedure_values import said_title
    from gem_env.stages.ground.episode import _what_about
    title = "How to Block a Website with an Internet Filter - Block Website with Internet Filter"
    assert said_title(title) == "How to block a website with an internet filter"
    assert said_title("Change a flight booking") == "Change a flight booking"
    assert _what_about(said_title(title)) == "Customers come to you about things like blocking a website with an internet filter."
    long = "How to take legal action as a victim of violence at a bar near your home"
    assert _what_about(long).startswith("Customers come to you about things like")
