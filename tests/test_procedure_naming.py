"""The procedure path's words: a goal says the title's task plainly, a tool is named verb_object
from its step, and a value the step names is a parameter the tool takes and stores."""
from __future__ import annotations

import re

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.procedure_values import plain_title
from gem_env.tools import Domain
from procedure_view import given, step_views

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


def test_a_name_after_a_blanked_picture_or_before_a_number_keeps_its_capital() -> None:
    """"uninstall Google chrome": a picture the text leaves blank before "Chrome." was read as a
    line's start, so the name counted for nothing; "raise your xbox 360 Gamerscore", "team Fortress 2": a
    word the text never says, after "your", read as a common noun though a model number follows."""
    text = "1. Open your phone's settings.\n2. Find and select " + " " * 40 + "Chrome.\n3. Tap Uninstall."
    assert plain_title("How to Uninstall Google Chrome - On Android", text) == "uninstall Google Chrome"
    assert plain_title("How to Raise Your Xbox 360 Gamerscore", "Get a high Gamerscore.") \
        == "raise your Xbox 360 Gamerscore"
    assert plain_title("How to Use a Mic in Team Fortress 2", "Press V.") == "use a mic in Team Fortress 2"


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
    steps = [(v.tool, v.said) for v in step_views(domain)]
    # a step that takes a value keeps a tool of its own, named verb_object; the others are acts taking
    # what they act on in the text's words (`procedure_acts`), a stressed one too ("Be sure to |clean
    # out your can first")
    assert steps[0] == ("click_green_button", None), steps
    assert steps[1:] == [("do_step", "restart the computer you want to bypass LanSchool on"),
                         ("do_step", "wait until you hear a beep"), ("click", "Safari"),
                         ("do_step", "clean out your can first"), ("do_step", "play the E and G notes"),
                         ("click", "Proceed"), ("click", "Proceed to PayPal"),
                         ("do_step", "select one of the channels to invert")], steps


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
    # a title said plainly keeps its names ("uninstalling google chrome": two capitalised words of three
    # read as title case), a title in title case is lowered
    assert _what_about("How to uninstall Google Chrome") == "Customers come to you about things like uninstalling Google Chrome."
    assert _what_about("How to Open a Checking Account") == "Customers come to you about things like opening a checking account."

VALUES = ("How to Block a Website with an Internet Filter\n"
          "1. Download the filter and install it on your computer.\n"
          "2. Or you can just easily click the green \"+\" button to add a specified URL.\n"
          "3. To set up a strict limit, you could choose \"Block All Websites Except the ones in White List\".\n"
          "4. Select a CSV file and press \"Open\".\n"
          "5. Bake the eggs for 7 to 12 minutes.\n"
          "6. Enter a name for the DVD.\n"
          "7. Type in the administrator password for your Mac computer at the prompt.\n"
          "8. Type your message and click \"Tweet.\"\n")


def test_a_value_the_step_names_is_a_parameter_the_tool_stores() -> None:
    """A URL, a quoted option, a file, a name and a message the user gives are parameters named by
    the step's nouns (not the minutes the text states: "How many minutes would you like?" asks what
    the text fixes) (the tools took only the record's id), kept in a field of the record and
    returned; the workflow passes what the user knows, one of the field's values other than the
    record's (or the text's own option). A password is none: the user types it themselves, and a
    support agent never asks for one ("Could you give me your password?" was taught in 38 how-to sessions)."""
    domain = _procedure(VALUES, "How to Block a Website with an Internet Filter")
    pk = domain.entities[0].primary_key
    params = {t.name: [p for p in t.parameters if p.name != pk] for t in domain.tools[2:]}
    given = {p.name: p for ps in params.values() for p in ps}
    assert {"url", "option", "csv_file_name", "dvd_name", "message"} <= set(given), params
    assert not [p for p in given if "password" in p], params
    assert "minutes" not in given, params
    assert given["option"].enum == ["Block All Websites Except the ones in White List"]
    fields = {f.name: f for f in domain.entities[0].fields}
    assert all(v.endswith(".csv") for v in fields["csv_file_name"].values)
    wf = domain.workflows[0]
    by_tool = {s.tool: s for s in wf.steps}
    for name in ("url", "csv_file_name", "dvd_name", "message"):
        tool = next(t for t in domain.tools if any(p.name == name for p in t.parameters))
        assert by_tool[tool.name].args[name].user == name
        stored = [s for s in tool.effect if getattr(s, "update", None)]
        assert stored and stored[0].set[name] == name, (tool.name, tool.effect)
    assert wf.knows["option"] == "'Block All Websites Except the ones in White List'"


def test_the_values_a_user_gives_are_the_same_on_every_run_and_plausible() -> None:
    one = _procedure(VALUES, "How to Block a Website with an Internet Filter")
    two = _procedure(VALUES, "How to Block a Website with an Internet Filter")
    assert one.model_dump() == two.model_dump()
    urls = next(f for f in one.entities[0].fields if f.name == "url").values
    assert len(urls) == 5 and all(u.startswith("http") and "." in u for u in urls), urls


def test_a_wait_and_a_pressed_control_take_no_value() -> None:
    """"Wait 7 to 10 days" is the service's time; 'Select the "Comma" checkbox' presses a control."""
    text = ("How to Get a Passport\n1. Submit your application.\n2. Wait 7 to 10 days for your passport.\n"
            "3. Select the \"Comma\" checkbox then click \"OK\".\n")
    domain = _procedure(text, "How to Get a Passport")
    assert given(domain) == [[]] * len(domain.workflows[0].steps[1:]), given(domain)


def test_a_city_name_is_a_city() -> None:
    """"Plug in your zipcode or city name": the user said "My city name is Alexander Brock" (a
    person's name, from the rule for names)."""
    text = "How to Value a Car\n1. Go to the website.\n2. Plug in your zipcode or city name.\n3. Save the report.\n"
    domain = _procedure(text, "How to Value a Car")
    city = next(f for f in domain.entities[0].fields if f.name == "city_name")
    assert city.faker in ("city", {"provider": "city"}) or getattr(city.faker, "provider", None) == "city", city


def test_a_procedures_one_confirmation_says_every_value_the_customer_gave() -> None:
    """"I'll buy postage online. This is for purchase PUR-1, with the URL "Stamps.com"." before a
    chain whose later steps took a delivery address and a weight the customer had given: the
    confirmation named only the first write's value."""
    import re as _re

    from agents.plans import Plan, Step
    from agents.workflow_agent import _later_values
    step = lambda tool, args: Step(tool=tool, writes=True, args=args, when=None, as_=None, needs=[], effect="",  # noqa: E731
                                   pure=None, needed=False)
    plan = Plan(workflow=None, goal_tokens=set(), name_tokens=set(), key_types={}, tells={}, steps=[  # type: ignore[arg-type]
        step("open_site", {"purchase_id": ("user", "purchase_id"), "url": ("user", "url")}),
        step("choose_address", {"purchase_id": ("user", "purchase_id"), "delivery_address": ("user", "delivery_address")}),
        step("type_password", {"purchase_id": ("user", "purchase_id"), "password": ("user", "password")})])
    known = {"purchase_id": "PUR-1", "url": "Stamps.com", "delivery_address": "1 Main St", "password": "x"}
    assert _later_values(plan, "open_site", known, _re.compile("password")) == {"delivery_address": "1 Main St"}
    assert _later_values(plan, "type_password", known, _re.compile("password")) == {}


def test_a_record_is_never_called_status_or_progress() -> None:
    """Every procedure record has a `status` and a `progress`: one named "status" made "the status of my
    status" (a Debian supervision section whose steps install and note a grep's status)."""
    text = ("How to watch the status\n1. Install the status checker.\n2. Note the grep status.\n"
            "3. Refresh the status.\n4. Install the progress bar.\n")
    domain = _procedure(text)
    assert [e.name for e in domain.entities][0] not in ("statuses", "status", "progresses", "progress")


def test_a_title_naming_a_topic_is_asked_about_not_done() -> None:
    """A Debian section titled "Socket activation" made "I've been meaning to socket activation.", then
    "I'm getting in touch about the socket activation" (a heading, no request): a topic is what a
    person wants done with it ("set up the socket activation"); a task title and the record's own
    noun stay; a topic whose words name no doing is asked about."""
    from gem_env.simulators.phrases import ABOUT, WANT, want_phrase
    from gem_env.simulators.scenario import user_words
    text = ("1. Write the socket unit file.\n2. Type the reload command.\n3. Note the listening port.\n")
    goal = _procedure(text, "3.7.1. Socket activation").workflows[0].goal
    assert goal.startswith("set up the socket activation: "), goal
    assert user_words(goal) == "set up the socket activation" and want_phrase(user_words(goal))[0] is WANT
    goal = _procedure(text, "8.1.2. Reconfiguration of the locale").workflows[0].goal
    assert user_words(goal) == "reconfigure the locale", goal
    goal = _procedure(text, "2.6.7. Recovering package selection data").workflows[0].goal
    assert user_words(goal) == "recover package selection data", goal
    goal = _procedure(text, "8.4. The east Asian character widths").workflows[0].goal
    assert want_phrase(user_words(goal))[0] is ABOUT, goal
    assert _procedure(text, "3.7.1. Configure socket activation").workflows[0].goal.startswith("configure socket")
    assert want_phrase("porting a package to the stable system")[0] is ABOUT  # a doing, never "I'd like to porting"


def test_a_how_to_title_said_by_the_user_is_in_the_first_person() -> None:
    """"How to Unschool Yourself and Your Children" was asked as "help to unschool yourself and my children"."""
    from gem_env.simulators.scenario import user_words
    assert user_words("unschool yourself and your children (patient {patient_id})") == "unschool myself and my children"


def test_a_pressed_button_leaves_the_state_of_what_it_does() -> None:
    """A press's status is what the press carries out: its purpose ("to send your message": sent),
    the label it presses ("Click on “Save.”": saved), or for the last action the goal's verb ("How
    to Uninstall Twitch": uninstalled), never 'clicked' or 'pressed' ("It now shows as tapped")."""
    def statuses(text: str, title: str) -> list[str]:
        table = _procedure(text, title).entities[0]
        return next(f.values for f in table.fields if f.name == "status")
    got = statuses("1. Open the app.\n2. Type your message in the text field.\n"
                   "3. Press the blue arrow to send your message.\n", "How to Send a Message")
    assert "sent" in got and "pressed" not in got, got
    got = statuses("1. Open the document.\n2. Edit the first page.\n3. Click on “Save.”\n", "How to Edit a Document")
    assert "saved" in got and "clicked on" not in got, got
    got = statuses("1. Open the Applications folder.\n2. Find the Twitch icon.\n3. Click OK.\n",
                   "How to Uninstall Twitch on PC or Mac")
    assert "uninstalled" in got and "clicked" not in got, got
    # a goal that leaves no state (finding, reading) leaves the press as it was
    got = statuses("1. Open the app.\n2. Tap Search.\n", "How to Find a Song")
    assert "found" not in got, got


def test_a_shell_pages_step_introducing_its_command_is_asked_without_its_colon() -> None:
    """tldr's "- Upload to PyPI showing detailed information:" then the command: the goal was
    "the twine: upload ... information:", said as "I've uploaded ... information:." (28 messages)."""
    text = ("# twine\n\n> Utility for publishing Python packages on PyPI.\n\n"
            "- Upload to PyPI:\n\n`twine upload dist/*`\n\n"
            "- Upload to PyPI showing detailed information:\n\n`twine upload --verbose dist/*`\n")
    goals = [w.goal for w in _procedure(text, "How to publish to PyPI with twine").workflows]
    assert goals and not any(":(" in g.replace(" ", "") or re.search(r":\s*\(", g) for g in goals), goals


def test_an_answer_word_names_no_record() -> None:
    """'... it should return “yes” (and a 0 exit status)': Debian's monitoring section kept
    `yeses` keyed YES-94832, and the assistant read the id the user gave as a yes ("-94832")."""
    text = ("# Monitoring\n\n1. Install the plugin.\n"
            "2. Finally, when the plugin is invoked with the autoconf parameter, it should return “yes” or “no”.\n"
            "3. Return “yes” to enable it.\n")
    assert _procedure(text, "12.4. Monitoring").entities[0].name not in ("yeses", "nos", "oks")


def test_a_verb_alone_for_a_title_is_asked_by_the_step() -> None:
    """A shell page titled "open": the user said "I want to open, please." (the title, a verb with
    nothing to open); the page's step says what they want."""
    from gem_env.simulators.scenario import user_words
    assert user_words("open: open a specific URI using the default application (file {file_id})") \
        == "open a specific URI using the default application"
    assert user_words("Dispute a charge: add details and submit (card {card_id})") == "dispute a charge"


_IMAGE = ('{"smallUrl":"https:\\/\\/www.example.com\\/images\\/5\\/58\\/Settings-button-1.jpg","smallWidth":460,'
          '"licensing":"<div class=\\"mw-parser-output\\"><p>License: CC<\\/p><\\/div>"}')


def test_an_embedded_images_metadata_is_no_step() -> None:
    """A scraped page's image metadata before a step's words (`{"smallUrl":"https:..."} Click on
    ...`) is markup: no tool is named after its keys (was `smallurl_website_wikihow_image`), and
    the step is read from its own words; offsets into the text still hold."""
    text = ("How to Customize Your Toolbar\n"
            f"1. {_IMAGE} Click on the Settings button at the right end of the toolbar.\n"
            "2. Click on the option \"Toolbar Preferences\" to change the look of the toolbar.\n"
            f"3. {_IMAGE}   Remove the weather app from your toolbar.\n"
            "4. Click the Save button to save your settings.\n")
    domain = _procedure(text, "How to Customize Your Toolbar")
    names = [t.name for t in domain.tools] + [v.said or "" for v in step_views(domain)]
    assert not any(re.search(r"url|width|licens|image", n, re.I) for n in names), names
    assert "remove the weather app from your toolbar" in names, names
    for span in domain.provenance.spans:
        assert text[span.start:span.end].rstrip().endswith(span.text.strip()), span
    from gem_env.text import features as tf
    assert len(tf.without_embeds(text)) == len(text) and "smallUrl" not in tf.without_embeds(text)
    # a JSON object that is the document's own example, with no web address in it, stays
    assert tf.without_embeds('Run it with {"name": "x"} as input.') == 'Run it with {"name": "x"} as input.'


def test_a_requests_procedure_leaves_the_request_done() -> None:
    """The status a how-to's procedure leaves is its request done ('displayed' for "How to Display
    Hockey Cards"), which the assistant says it has done; not the last write's own verb ('hung',
    said after "I've displayed hockey cards"). Under a light verb's request ("use ...") the step's
    own verb is no state of the cards: it hangs the frames (progress)."""
    text = ("1. Sort your cards by value.\n"
            "2. Put your important cards in magnetic cases.\n"
            "3. Make photocopies of your valuable cards for display purposes.\n"
            "4. Hang the frames on the wall of your room.\n")

    def last_write(title: str) -> tuple[str, list[str]]:
        domain = _procedure(text, title)
        status = next(f for f in domain.entities[0].fields if f.name == "status")
        left = [v.status for v in step_views(domain) if v.status]
        return (left[-1] if left else ""), status.values

    description, values = last_write("How to Display Hockey Cards")
    assert description == "displayed" and "hung" not in values, (description, values)
    description, values = last_write("How to Turn Off Your Card Display")
    assert description == "turned off", description
    description, values = last_write("How to Use a Card Binder")
    assert not {"hung", "used"} & set(values), (description, values)
    description, values = last_write("How to Take Action on Your Card Display")
    assert not {"hung", "taken"} & set(values), (description, values)
    # a write whose verb names a record's state of its own keeps the service's word for it
    domain = _procedure("1. Open the scheduled payment.\n2. Cancel the schedule.\n3. Confirm the cancellation.\n",
                        "How do I stop a recurring payment?")
    assert [v.status for v in step_views(domain) if v.status] == ["cancelled"], step_views(domain)


def test_a_standards_name_is_no_records_number() -> None:
    """A value shaped like an id that no field introduces ("an ISO9660 image", "Hash: SHA512") is a
    standard's name: the records are numbered PREFIX-#####, not ISO####; a number the text
    introduces ("the order number (for example LG-10482)") is still the ids' example."""
    def pattern(text: str) -> str:
        table = _procedure(text, "Writing a CD").entities[0]
        return next(f.faker.args["text"] for f in table.fields if f.name == table.primary_key)
    assert pattern("1. Create an ISO9660 image of the disc.\n2. Write the image to the blank disc.\n") == "IMA-#####"
    assert pattern("Each order has an order number (for example LG-10482).\n"
                   "1. Create an ISO9660 image of the order.\n2. Write the image to the blank disc.\n") == "LG-#####"


def test_a_value_a_step_does_without_is_no_parameter() -> None:
    """"Login to any accounts without their passwords" takes no passwords (the user was asked "Could
    you tell me your passwords as well?" right after setting a new password); a step that names
    the value as one it takes still takes it."""
    text = ("The root account can:\n\n"
            "1. Set the password of any non-privileged users on the system\n"
            "2. Login to any accounts without their passwords\n")
    domain = _procedure(text, "The root account")
    assert given(domain)[-1] == [], given(domain)  # (an act: `do_step`, "login to any accounts ...")
    text = text.replace("without their passwords", "with their passwords")
    login = next(t for t in _procedure(text, "The root account").tools if t.name.startswith("login"))
    assert [p.name for p in login.parameters if not p.name.endswith("_id")] == ["passwords"], login.parameters


def test_an_adverb_a_mass_or_a_concession_names_no_record() -> None:
    """OpenPI made records called "away" ("Get Zero Suit Samus Straight Away"), "around" ("Walk
    Around With No Weapons"), "cool" ("Be Cool in an Online Game"), "money" ("Make Money in SimCity
    4") and "limit" (a step's "although there isn't really a limit"): how a verb is done, what someone
    is, a mass of something and a concession's words are no record with an id."""
    from gem_env.stages.extract.procedure_fields import _title_object
    assert _title_object("How to Walk Around With No Weapons on Halo Reach") == "weapon"
    assert _title_object("How to Get Under the Stage in Dragonball Z") == "stage"
    assert _title_object("How to Be Cool in an Online Game") == "game"
    assert _title_object("How to Set up a Meat Stall in RuneScape") == "stall"
    assert _title_object("How to Make Money in SimCity 4") is None
    assert _title_object("How to watch the Olympics online") is None
    assert _title_object("How to Get a Golden Shovel in Animal Crossing") == "shovel"  # as before
    stall = _procedure("1. Follow this example of a meat stall.\n"
                       "2. Cook about 70 of them, although there isn't really a limit.\n"
                       "3. Sell them at 5 coins for a shrimp.\n", "How to Set up a Meat Stall in RuneScape")
    assert stall.entities[0].name == "stalls"
    assert not any("although" in t.name or "limit" in t.name for t in stall.tools), [t.name for t in stall.tools]


def test_a_refusal_says_what_the_user_asked_for_not_a_steps_verb() -> None:
    """"I'm trying to eject the CD tray." was refused with "this tray is closed; it cannot be turned
    off" (a step's verb the user never spoke of): every write's rule says the procedure's own. (A
    record is refused as closed only where the text speaks of it so.)"""
    text = ("1. Open the Start menu.\n2. Turn off the tray lock.\n3. Press the eject button on the drive.\n\n"
            "The tray stays closed while the drive is busy.\n")
    domain = _procedure(text, "How to Eject the CD Tray for Windows 10")
    messages = {m for v in step_views(domain) for m in v.checks if "cannot be" in m}
    assert messages == {"This tray is closed; it cannot be ejected"}, messages


def test_steps_named_alike_are_told_apart_by_what_they_act_with_or_as_done_again() -> None:
    """wikiHow's alphabet ("Make the letter b." ... "Make the letter e.") and a step done twice
    ("Click Open." twice, "Tap the flashlight icon again.") made `make_letter_2`, `open_file_2`:
    a letter or number tells them apart, and a step done again is named so."""
    text = ("1. Make the letter b.\n2. Make the letter e.\n3. Play the E and G notes.\n4. Play the D and B notes.\n"
            "5. Tap the flashlight icon.\n6. Tap the flashlight icon again.\n7. Click Open.\n8. Click Open.\n")
    views = step_views(_procedure(text, "How to Write Letters"))
    # each is an act taking the step's own words; the same step done again is recorded so
    assert [(v.tool, v.said) for v in views] == [
        ("do_step", "make the letter b"), ("do_step", "make the letter e"), ("do_step", "play the E and G notes"),
        ("do_step", "play the D and B notes"), ("click", "the flashlight icon"), ("click", "the flashlight icon again"),
        ("click", "Open"), ("click", "Open")], views
    assert [v.label for v in views][-2:] == ["click Open", "click Open again"], views


def test_a_pressed_control_named_like_a_secret_asks_for_nothing() -> None:
    """wikiHow's 'Tap "Passwords" to view your stored passwords.' made a read checking the user's
    "passwords" ("What would you like your passwords to be?"): a control pressed takes no value;
    a selection still picks one."""
    domain = _procedure("1. Tap the Settings app.\n2. Tap \"Passwords\" to view your stored passwords.\n"
                        "3. Select \"No\" for \"Hide local mail name in outgoing mail?\".\n4. Tap Safari.\n",
                        "How to Change Your General Preferences on Safari")
    views = step_views(domain)
    # (the records are the title's preferences: the control pressed is all the call names)
    assert (views[1].tool, views[1].said) == ("click", "Passwords") and given(domain)[1] == [], views
    assert given(domain)[2], given(domain)  # the selection picks a value


def test_a_make_sure_step_is_a_check_or_the_step_it_stresses_never_a_making() -> None:
    """"Make sure you have an icon file." made `make_file`, a write leaving the record 'made'; "make
    sure" stresses the verb after it ("Make sure to read ...": read) or asks for a check."""
    domain = _procedure("1. Make sure you have an icon file.\n2. Make sure the topic isn't one we already have.\n"
                        "3. Make sure to read the sidebar.\n4. Install the icon.\n",
                        "How to Change the Icon for an Exe File")
    views = step_views(domain)
    names = [t.name for t in domain.tools]
    assert [v.status for v in views[:3]] == [None] * 3, views  # a check done, not a thing made
    status = next(f for f in domain.entities[0].fields if f.name == "status")
    assert "made" not in status.values and not any(n.startswith("make_") for n in names), (names, status.values)


def test_a_wait_in_seconds_is_no_count_a_record_keeps() -> None:
    """Debian's "tell systemd to not wait more than 5 seconds for the device to appear" made an
    `appear_count` field, read out as "I can see 15 appears"."""
    text = ("1. Mount the disk.\n2. Edit the fstab entry. Note that you can tell systemd to not wait more than "
            "5 seconds for the device to appear.\n3. Reboot the system.\n")
    domain = _procedure(text, "How to Mount a Disk")
    fields = [f.name for e in domain.entities for f in e.fields]
    assert not any(f.endswith("_count") for f in fields), fields


def _statuses(domain: Domain) -> list[str]:
    return next(f for f in domain.entities[0].fields if f.name == "status").values


def test_a_step_that_uses_the_record_claims_no_state() -> None:
    """"Type the l key" left the key 'typed', "Use emacs with M-x shell" the record 'used': a use of
    the record, on a screen or with one's time, names no state it is in. Such a step records that it
    is done (progress) and the assistant claims no status for it; a step that leaves one keeps it."""
    domain = _procedure("1. Open the package list.\n2. Type the l key.\n3. Use the equivalent command.\n",
                        "How to Use aptitude")
    assert not {"typed", "used"} & set(_statuses(domain)), _statuses(domain)
    views = step_views(domain)
    assert not [v for v in views if v.status], views
    used = next(v for v in views if (v.label or "").startswith("use "))  # recorded as done
    assert domain.tool(used.tool).kind == "write" and used.status is None, used
    assert domain.workflows[0].tells == {}  # not the status the first step read: "It's now active" said no news
    domain = _procedure("1. Open the package list.\n2. Type the l key.\n3. Install the package.\n",
                        "How to Use aptitude")
    assert "installed" in _statuses(domain) and "typed" not in _statuses(domain), _statuses(domain)


def test_a_title_that_names_no_doing_gives_no_status() -> None:
    """"How to Merchant Using a Price Manipulation in RuneScape": no verb opens the title (no object
    follows "Merchant"), so the item is not left 'merchanted'; "How to Eject the CD Tray" is one."""
    text = "1. Buy the item at a low price.\n2. Sell the item at a high price.\n"
    values = _statuses(_procedure(text, "How to Merchant Using a Price Manipulation in RuneScape"))
    assert "merchanted" not in values and "sold" in values, values
    assert "ejected" in _statuses(_procedure(text, "How to Eject the CD Tray"))


def test_a_thing_made_is_ready_and_made_is_no_state() -> None:
    """"How to Make a Macro Diffuser" left the diffuser 'made', and "How to Make Your Computer Run
    Faster" the computer: a thing made is 'ready'; a make that makes something else ("make money",
    "make menuconfig") names no state of the record."""
    text = "1. Cut the bottom off the diffuser.\n2. Tape the foil inside the diffuser.\n"
    domain = _procedure(text, "How to Make a Macro Diffuser")
    assert "ready" in _statuses(domain) and "made" not in _statuses(domain), _statuses(domain)
    domain = _procedure(text + "\nAn archived diffuser stays on the shelf.\n", "How to Make a Macro Diffuser")
    refusal = {m for v in step_views(domain) for m in v.checks if "cannot be" in m}
    assert refusal == {"This diffuser is archived; it cannot be made"}, refusal  # what the user asked for
    values = _statuses(_procedure(text, "How to Make Money in School"))
    assert not {"made", "ready"} & set(values) and "taped" in values, values
    values = _statuses(_procedure("1. Extract the kernel sources.\n2. Make menuconfig in the kernel directory.\n",
                                  "Compiling a kernel"))
    assert "made" not in values and "extracted" in values, values


def test_a_menu_path_and_a_named_things_login_are_no_record_ids() -> None:
    """wikiHow's "Go to your Settings > Game Center > Apple ID." asked "What is your apple ID? That
    tells me exactly which apple you mean." (a record's number): an item of a menu path is a screen
    gone to, no value given; "Enter your Apple ID password." took the Apple ID, a password and the
    Apple ID password: none is asked (a password is typed by the user, never told to an agent)."""
    domain = _procedure("1. Go to your Settings > Game Center > Apple ID.\n2. Log in.\n",
                        "How to Recover a Lost Village on Clash of Clans")
    params = {p.name for t in domain.tools for p in t.parameters}
    assert "apple_id" not in params, params
    domain = _procedure("1. Open the App Store.\n2. Tap Install.\n3. Enter your Apple ID password.\n",
                        "How to Install a Printing App")
    assert given(domain)[-1] == [], given(domain)  # ("enter your Apple ID password": an act)


def test_a_step_that_picks_the_record_asks_no_name_for_it() -> None:
    """"Click the picture you want to hide." in a how-to whose records are pictures asked "Could you
    tell me your picture name?" and renamed the picture to the answer ("This is for picture
    coleman_2006.jpg, with the picture name moore_2001.jpg"): the step picks the record, which the
    customer's list found already. A step that names the record ("Name your business") still does.
    (A picture goes by its own name, round 49: the step takes it, checked against the record's, the
    one the customer named to find it; it is not asked again, nor stored as a new name.)"""
    domain = _procedure("1. Click your profile picture.\n2. Click the Photos tab.\n"
                        "3. Click the picture you want to hide.\n4. Select Hide.\n",
                        "How to Hide Your Profile Picture on Facebook")
    assert domain.entities[0].name == "pictures"
    click = next(t for t in domain.tools if t.name == "click_picture")
    assert [e.require for e in click.effect if getattr(e, "require", None)] == ["picture.picture_name == picture_name"]
    assert not any(getattr(e, "update", None) for e in click.effect), click.effect
    step = next(s for s in domain.workflows[0].steps if s.tool == "click_picture")
    assert step.args["picture_name"].user is None and step.args["picture_name"].result, step.args
    domain = _procedure("1. Think of ideas.\n2. Name your business.\n3. Make a plan.\n",
                        "How to Start an Online Business As a Kid")
    assert domain.entities[0].name == "businesses"
    assert "business_name" in {p.name for t in domain.tools for p in t.parameters}


def _state_steps(domain: Domain) -> dict[str, int]:
    """Each status value -> the (1-based) workflow step whose tool sets it."""
    return {v.status: k for k, v in enumerate(step_views(domain), 1) if v.status}


def test_the_titles_state_comes_with_the_last_step_carried_out() -> None:
    """"How to Print from Your iPhone": 'printed' was set by "Tap Install" while five steps remained
    (the assistant's tool said the goal was reached before the item was opened); it comes with the
    last step the reader carries out ("Tap Install" is recorded as done: 'installed' is the app's, no
    state of the phone). It stays where it is when that step does the title's verb itself, or when
    only a look at the result or a remark follows."""
    text = ("1. Open the App Store.\n2. Tap Install.\n3. Open the item you want to print.\n"
            "4. Tap the \"Share\" button.\n5. Follow the on-screen instructions.\n")
    domain = _procedure(text, "How to Print from Your iPhone Using a Printing App")
    assert _state_steps(domain) == {}, _state_steps(domain)  # (round 53: 'printed' is no state of a phone)
    text = ("1. Open your Applications folder.\n2. Right-click Twitch in the Trash bin.\n"
            "3. Select Delete Immediately on the right-click menu.\n4. Click OK in the pop-up.\n")
    assert _state_steps(_procedure(text, "How to Uninstall Twitch on PC or Mac"))["uninstalled"] == 4
    text = ("1. Open your Applications folder.\n2. Uninstall the program.\n"
            "3. Review what will be uninstalled.\n4. Try out the free space.\n")
    assert _state_steps(_procedure(text, "How to Uninstall a Program")) == {"uninstalled": 2}
    text = "1. Open Settings.\n2. Tap Sync account.\n3. Look at your contacts.\n"
    assert _state_steps(_procedure(text, "How to Transfer Contacts to a Samsung")) == {"transferred": 2}


def test_a_steps_own_participle_is_no_state_of_the_record() -> None:
    """A code went 'written down', 'shut', then 'checked' (each step overwrote the status with its own
    verb, and the result said "Its status has changed to checked" after three changes): only the
    state the procedure leaves is a status; the other steps are recorded as done. A state a service
    keeps of the record itself ('locked', not the alarm's 'disabled') or one the text speaks of the
    record in ("an installed package") stays."""
    text = ("1. Insert your key into the ignition and turn it 3-5 times.\n2. Write down all codes.\n"
            "3. Shut your vehicle off.\n4. Search online for your code.\n")
    domain = _procedure(text, "How to Check for Diagnostic Trouble Codes")
    assert _state_steps(domain) == {}, _state_steps(domain)  # (round 53: a look leaves no state: 'checked')
    status = next(f for f in domain.entities[0].fields if f.name == "status")
    assert not {"written down", "shut"} & set(status.values), status.values
    progress = [v.label for v in step_views(domain) if not v.status]
    assert {"write down all codes", "shut your vehicle off"} <= set(progress), progress
    assert "times" not in {p.name for t in domain.tools for p in t.parameters}
    text = ("1. Disable the alarm.\n2. Lock the locker.\n3. Paint the locker.\n4. Label the locker.\n")
    assert _state_steps(_procedure(text, "How to Label a Locker")) == {"locked": 2, "labelled": 4}
    text = "1. Install the package.\n2. Configure the package.\n3. Upgrade the package.\n"
    assert _state_steps(_procedure(text, "Upgrading a package")) == {"upgraded": 3}
    text = text.replace("package.\n3", "package. Only an installed package can be configured.\n3")
    assert _state_steps(_procedure(text, "Upgrading a package"))["installed"] == 1


def test_the_last_steps_own_participle_is_a_state_only_of_what_it_acts_on() -> None:
    """"How to Do a Stoppie on a Mountain Bike" ended "Your Stoppie is now released" (its last step
    "Release the front brake"), "How to Connect Jambox to Mac" left the Jambox 'turned' ("Click Turn
    Bluetooth On"): the last write's own verb is the record's state only when it is what the request
    asks for, or its step names the record, or a pressed label names nothing else ("Click Save")."""
    text = ("1. Roll forward at moderate speed.\n2. Squeeze the front brake.\n"
            "3. Release the front brake and extend your legs.\n")
    domain = _procedure(text, "How to Do a Stoppie on a Mountain Bike")
    assert _statuses(domain) == ["active"], _statuses(domain)
    release = next(v for v in step_views(domain) if (v.label or "").startswith("release"))
    assert domain.tool(release.tool).kind == "write" and release.status is None, release
    text = "1. Open System Preferences.\n2. Click Turn Bluetooth On.\n3. Pair the speaker.\n"
    assert "turned" not in _statuses(_procedure(text, "How to Connect Jambox to Mac"))
    text = "1. Set the relay host.\n2. Start the postfix server.\n"  # (a program started: no state, round 54)
    assert "started" not in _state_steps(_procedure(text, "The configuration of postfix"))
    text = "1. Open the document.\n2. Add a title.\n3. Click Save.\n"
    assert "saved" in _statuses(_procedure(text, "Writing a Report Document"))
    # an earlier step's verb before a determiner is no state the text speaks of the record in
    text = "1. Launch My Coach.\n2. Set the workout time.\n3. Add a workout.\n4. Start a workout.\n5. Take a rest.\n"
    assert _statuses(_procedure(text, "How to Use Your Android As Your Workout Trainer")) == ["active", "added"]


def test_a_forced_verb_leaves_its_state() -> None:
    """"How to Force Eject a Disc Stuck in Your Xbox 360" left no 'ejected': "force" opened the
    title, no verb the lexicon knows; what is forced is the eject. A fronted "Using a flashlight,"
    does not hide the step after it."""
    text = ("1. Remove the faceplate from the console.\n2. Straighten out a length of paper clip.\n"
            "3. Place the long end of the paper clip in the hole on the very left.\n"
            "4. Using a flashlight, place the end of the paper clip in the teeth of the gears and push.\n"
            "5. Finished.\n")
    states = _state_steps(_procedure(text, "How to Force Eject a Disc Stuck in Your Xbox 360"))
    assert states.get("ejected") == 4 and "forced" not in states, states


def test_a_step_done_is_recorded_in_the_texts_words_and_said_so() -> None:
    """Asked "What will that do?", the assistant quoted the tools' labels ('On your code, the steps
    "insert key", "write down code" and "shut vehicle" will be marked as done.'): the progress a step
    records is its first clause in the text's words, and the answer says the steps as doings."""
    from gem_env.agents.explain import what_steps_change
    from gem_env.tools.model import UpdateStep
    text = ("1. Insert your key into the ignition slot, and turn it from 'Off' to 'On' 3-5 times.\n"
            "2. Write down all codes, starting with the letter 'P'.\n3. Shut your vehicle off.\n"
            "4. Search online for your code.\n")
    domain = _procedure(text, "How to Check for Diagnostic Trouble Codes")
    done = [v.label for v in step_views(domain)]
    assert done[1:3] == ["write down all codes", "shut your vehicle off"], done
    labels = ["insert your key into the ignition slot", "write down all codes", "shut your vehicle off"]

    def told(said: list[str]) -> str:
        return what_steps_change([([UpdateStep.model_validate({"update": "codes", "row": "c", "set": {
            "progress": f"'{s}'"}})], {"code_id": "COD-1"}) for s in said])
    assert told(labels) == ("For your code, I'll insert your key into the ignition slot, write down all codes "
                            "and shut your vehicle off."), told(labels)
    many = told([*labels, "a b", "c d", "search online"])
    assert many == ("For your code, I'll go through 6 steps: first I'll insert your key into the ignition slot, "
                    "and last I'll search online."), many


def test_a_step_label_is_a_clause_of_the_step_or_none() -> None:
    """What a label keeps: the step's first clause from its verb, no quotes, whole up to 14 words, not
    ending on a function word; None for a line that opens with no verb."""
    from gem_env.stages.extract.procedure_tools import step_label
    assert step_label('Type "l" to enter the package display limit as "~i(~R~i)" and type "M"') == \
        "type l to enter the package display limit"
    assert step_label("Change the text's font.") == "change the text\u2019s font"
    assert step_label("1, 2.915, ./run_exam, (null)") is None
    assert step_label("Click File.") == "click File"
    assert step_label("Try out real gravities from across the solar system.") == \
        "try out real gravities from across the solar system"
    assert step_label("IMMEDIATELY use emergency_credit_bureau_incident_transfer_1114 to open a case.") == \
        "use emergency credit bureau incident transfer 1114 to open a case"


def test_a_value_a_step_reads_out_is_not_asked_before() -> None:
    """"What is the DTC code?" was asked before anything was read: "Write down all codes" reads the
    code out, so the later "Search online for your DTC code" takes no code from the user."""
    text = ("1. Insert your key into the ignition and turn it 3-5 times.\n2. Write down all codes.\n"
            "3. Shut your vehicle off.\n4. Search online for your DTC code.\n")
    domain = _procedure(text, "How to Check for Diagnostic Trouble Codes")
    assert not any(p.name.endswith("code") for t in domain.tools for p in t.parameters), \
        [(t.name, [p.name for p in t.parameters]) for t in domain.tools]
    text = "1. Open the app.\n2. Search online for your DTC code.\n"
    domain = _procedure(text, "How to Look Up a Trouble Code")
    assert any(p.name == "dtc_code" for t in domain.tools for p in t.parameters)


def test_words_that_only_look_like_a_field_are_asked_of_nobody() -> None:
    """"May I also have the high level?" ("arm yourself with as high level of armor"), "Could you tell
    me your consider phone?" ("Consider phone battery life"), "What would you like the alternative
    method to be?" ("An alternative method is to ..."), "My future reference is 21192368" ("for future
    reference"): a measure of something, the step's own verb, a clause's subject and a purpose are no
    value a customer gives. "Enter your shipping address" still is."""
    def params(step: str) -> set[str]:
        domain = _procedure(f"1. Open the shop app.\n2. {step}\n3. Buy the sword.\n", "How to Buy a Sword")
        return {n for ns in given(domain) for n in ns} - {"sword_id", "email"}
    assert not params("Arm yourself with as high level of armor as you can get."), params
    assert not params("Consider phone battery life.")
    assert not params("An alternative method is to target with the sword and press X.")
    assert not params("Add a torch whenever your Blockhead's status suggests more light.")
    assert not params("Knife the zombies to get a maximum amount of points.")
    assert not params("Save the URL of the page for future reference.") - {"url"}
    assert not params("Enter the bonus stage in every possible level.")
    assert "shipping_address" in params("Enter your shipping address.")
    assert "skill_level" in params("Pick a reel based on your skill level.")
    assert "storage_method" in params("Lastly, a storage method must be chosen for the sword.")
    assert "new_host_name" in params("Set the host name of the outgoing smarthost to smtp.example.com.")
