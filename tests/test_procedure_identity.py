"""How a how-to procedure's record is found: through the customer (their email lists their
records), never by a made-up id the customer is asked for or says (issue 9/11: "What's your
balcony ID?" "It's BAL-85239.")."""
from __future__ import annotations

import asyncio
import json
import re

import pytest

from agent_turns import until_spoken
from gem_env.agents.lookup import finder_tools, owner_lists
from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, Domain, compile_domain
from procedure_view import step_views

RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")
TEXT = ("# How to Enclose a Balcony\n\n"
        "1. Measure the balcony.\n"
        "2. Check that the balcony is in good standing. Only a balcony in good standing can be enclosed.\n"
        "3. Install the frame on the balcony.\n"
        "4. Enclose the balcony with glass panels.\n")


@pytest.fixture(scope="module")
def balcony() -> CompiledDomain:
    domain = OfflineExtractor(archetypes=False).extract(Document(id="balcony", title="How to Enclose a Balcony",
                                                                 text=TEXT), RELEVANT)
    assert isinstance(domain, Domain), domain
    return compile_domain(domain)


def _verified_rollouts(compiled: CompiledDomain, per_domain: int) -> tuple[list, list]:
    """The domain's tasks and their rollouts by the offline agent and user, each verified."""
    tasks, rejected = make_tasks(compiled, per_domain=per_domain, seed=0)
    assert tasks, rejected
    jobs = [RolloutJob(t, compiled, RefinedAgent(WorkflowAgent(compiled)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    trajectories = asyncio.run(run_rollouts(jobs))
    assert all(verify(t, traj.messages, compiled).passed for t, traj in zip(tasks, trajectories))
    return tasks, trajectories


def test_the_procedure_opens_by_finding_the_customers_records_by_email(balcony: CompiledDomain) -> None:
    wf = balcony.domain.workflows[0]
    first = wf.steps[0]
    assert first.tool == "find_balconies_by_email" and first.args["email"].user == "email"
    # the listing is how the customer's records are found, not who the customer is
    assert [f.tool for f in owner_lists(balcony)] == ["find_balconies_by_email"] and not finder_tools(balcony)


def test_no_session_asks_for_or_says_a_made_up_record_id(balcony: CompiledDomain) -> None:
    tasks, rejected = make_tasks(balcony, per_domain=12, seed=5)
    assert len(tasks) >= 8, rejected
    # (no rule the text states refuses; nothing to ask about: a balcony's status is what the steps leave)
    assert {t.category for t in tasks} >= {"complete", "decline"} and "lookup" not in {t.category for t in tasks}
    jobs = [RolloutJob(t, balcony, RefinedAgent(WorkflowAgent(balcony)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    trajectories = asyncio.run(run_rollouts(jobs))
    failed = [(t.id, [c.name for c in v.checks if not c.passed])
              for t, traj in zip(tasks, trajectories) if not (v := verify(t, traj.messages, balcony)).passed]
    assert not failed
    for t, traj in zip(tasks, trajectories):
        said = " ".join(m.get("content") or "" for m in traj.messages if m["role"] == "user")
        asked = [m.get("content") or "" for m in traj.messages if m["role"] == "assistant" and not m.get("tool_calls")]
        assert not re.search(r"\bBAL-\d", said), (t.id, said)
        assert not any(re.search(r"\bbalcony ID\b", a, re.I) for a in asked), (t.id, asked)
        # their only balcony is "your balcony", never read back as BAL-85239; nor described by how
        # far the procedure's steps got ("with progress not started")
        assert not any(re.search(r"\bBAL-\d|\bprogress\b", a) for a in asked), (t.id, asked)
        assert "balcony_id" not in t.scenario.knows, t.scenario.knows


def test_a_rule_an_earlier_request_read_refuses_the_write_without_trying_it(tmp_path, monkeypatch) -> None:
    """A lookup reads the server, then the customer asks for the procedure whose rule that server
    breaks: the assistant refuses from what it read (it found the server in the listing this time,
    not by opening it again) and does not try the write (Debian documents that failed so)."""

    from conftest import shared_path

    from gem_env.cli import main
    from gem_env.stages.filter import OfflineFilter
    judge = OfflineFilter.judge
    monkeypatch.setattr(OfflineFilter, "judge",
                        lambda self, doc: judge(self, doc).model_copy(update={"relevant": True}))
    wanted = {"debian-handbook:sect.virtualization", "debian-handbook:sect.x509-cert", "debian-reference:12.5.2",
              "debian-handbook:sect.network-config"}
    lines = [line for line in shared_path("corpora", "debian_docs_sections.jsonl").read_text().splitlines()
             if json.loads(line)["id"] in wanted]
    corpus = tmp_path / "debian.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    for seed in (0, 5):
        out = tmp_path / f"run{seed}"
        assert main(["synthesize", str(corpus), "--out", str(out), "--seed", str(seed), "--quiet"]) == 0
        counts = json.loads((out / "manifest.json").read_text())["counts"]
        assert counts["tasks_admitted"] >= 10 and counts["trajectories_accepted"] == counts["tasks_admitted"], counts


def test_the_request_is_done_at_the_step_that_does_it_not_the_write_before() -> None:
    """"How to Delete Bookmarks": step 3 deletes; 'deleted' was set by step 2 ("Expand the
    categories") and the bookmark was clicked after it."""
    text = ("How to Delete Bookmarks - Firefox\n1. Open the Bookmarks sidebar.\n"
            "2. Expand the categories to see your bookmarks.\n"
            "3. Right-click on a bookmark and select \"Delete\" to remove it.\n"
            "4. Open the Library to manage your bookmarks.")
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="bm", title="How to Delete Bookmarks - Firefox", text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    views = step_views(domain)
    assert [k for k, v in enumerate(views) if v.status] == [2], views
    # expanding the categories leaves the bookmark in no state of its own: the step is recorded as done
    assert views[1].label == "expand the categories to see your bookmarks" and views[1].status is None, views[1]


def test_a_package_goes_by_its_name_in_the_sandbox_and_in_the_dialogue() -> None:
    """A Debian package is known by its name ("coturn"), each record's its own; the customer says it
    and the assistant finds the package by it (no email for a package on their own machine), says it
    ("This is for package coturn", "package coturn is ..."), and no one asks what their own package's
    name is as a question of theirs."""
    from gem_env.tools.kinds import DEBIAN_PACKAGES
    text = ("# Installing a package\n\n1. Update the package index with apt.\n2. Install the package.\n"
            "3. Check the package status.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="pkg", title="Installing a package",
                                                                 text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = compile_domain(domain)
    sandbox = compiled.new_sandbox()
    rows = list(sandbox.dump()["packages"].values())
    names = [r["package_name"] for r in rows]
    assert len(set(names)) == len(rows) and set(names) <= set(DEBIAN_PACKAGES.values)
    listed = sandbox.call("find_packages_by_name", {"package_name": rows[0]["package_name"]}).value["packages"]
    assert listed == [{"package_id": rows[0]["package_id"], "package_name": rows[0]["package_name"],
                       "status": rows[0]["status"]}]
    assert "owner_email" not in rows[0] and not any(t.endswith("_by_email") for t in compiled.tools)
    tasks, trajectories = _verified_rollouts(compiled, 9)
    said = " ".join(m.get("content") or "" for traj in trajectories for m in traj.messages
                    if m["role"] == "assistant" and not m.get("tool_calls"))
    assert "email" not in said and "the name of your package" in said, said
    assert re.search(r"\bpackage (?:" + "|".join(map(re.escape, names)) + r")\b", said), said
    assert not re.search(r"\bpackage PAC-\d", said), said
    asks = [a for t in tasks for r in t.scenario.requests for a in r.asks]
    assert asks and "package_name" not in asks, asks


def test_the_thing_the_request_names_is_the_record_it_acts_on() -> None:
    """A request that names its package ("install ... package ibus-mozc") acts on that package: the
    record's name is the request's (it was a seeded name of another: "install ... ibus-mozc" went on
    with "This is for package rsync"); a file named by its kind ("Open CSV Files") ends in .csv, a
    quoted path is that file; a request naming none keeps the seeded names of its kind."""
    from gem_env.stages.extract.procedure_own_name import request_names
    text = ("# An example for Japanese\n\n1. Install the Japanese input tool package ibus-mozc (or ibus-anthy) "
            "with its recommended packages such as im-config.\n2. Log out and log in again.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="jp", title="An example for Japanese",
                                                                 text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    fields = {f.name: f for f in domain.entities[0].fields}
    assert fields["package_name"].values == ["ibus-mozc"], fields["package_name"]
    tasks, trajectories = _verified_rollouts(compile_domain(domain), 6)
    said = " ".join(m.get("content") or "" for traj in trajectories for m in traj.messages
                    if m["role"] == "assistant" and not m.get("tool_calls"))
    # ("Your package is installed now.": the result said of the user's thing, round 47; since round 59
    # as the checklist shows it: "On the checklist, your package now shows as installed.", "The
    # checklist now has your package down as installed.")
    assert "package ibus-mozc" in said and not re.search(r"\bpackage (?!ibus-mozc|is |installed\b|now |down as |as )[a-z]",
                                                         said), said
    csv = OfflineExtractor(archetypes=False).extract(Document(id="csv", title="How to Open CSV Files", text=(
        "How to Open CSV Files\n1. Open Microsoft Excel.\n2. Click on the File menu.\n"
        "3. Select a CSV file and click Open.\n")), RELEVANT)
    assert isinstance(csv, Domain), csv
    fields = {f.name: f for f in csv.entities[0].fields}
    assert "csv_file_name" not in fields and all(v.endswith(".csv") for v in fields["file_name"].values), fields
    select = next(t for t in csv.tools if t.name.startswith("select"))
    assert [p.name for p in select.parameters] == ["file_id", "file_name"], select
    assert request_names('remove this special "/etc/apt/preferences" file', "file", 3) == ["/etc/apt/preferences"]
    assert request_names("the package is broken", "package", 3) == []
    assert request_names('update the files in "/etc/exim4/"', "file", 3) == []


def test_a_step_that_selects_the_record_asks_for_no_new_name_and_the_note_names_it() -> None:
    """"Select a document." picks the record, which goes by its own name: the tool takes that name
    from the customer's list (checked against the record), never a new "document name" it stores over it
    (the assistant said "This is for document jackson_1973.docx, with the document name
    chang_1995.docx"); the line after the change names it, not DOC-55954."""
    text = ("How to Download Google Docs - On Desktop\n1. Open Google Docs.\n2. Select a document.\n"
            "3. Click File.\n4. Select Download as.\n5. Click a format.")
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="gd", title="How to Download Google Docs - On Desktop", text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    fields = {f.name: f for f in domain.entities[0].fields}
    assert fields["document_name"].unique
    select = domain.tool(domain.workflows[0].steps[2].tool)
    assert select.name == "select_document" and [p.name for p in select.parameters] == ["document_id", "document_name"]
    effects = json.dumps([s.model_dump(by_alias=True) for t in domain.tools for s in t.effect])
    assert "document.document_name == document_name" in effects and '"document_name": "document_name"' not in effects
    compiled = compile_domain(domain)
    tasks, rejected = make_tasks(compiled, per_domain=9, seed=1)
    jobs = [RolloutJob(t, compiled, RefinedAgent(WorkflowAgent(compiled)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    trajectories = asyncio.run(run_rollouts(jobs))
    assert all(verify(t, traj.messages, compiled).passed for t, traj in zip(tasks, trajectories))
    said = " ".join(m.get("content") or "" for traj in trajectories for m in traj.messages
                    if m["role"] != "tool" and not m.get("tool_calls"))
    assert "DOC-" not in said and "with the document name" not in said, said
    # its name comes from the customer's list (the assistant said it), never asked back of them
    assert all("document_name" not in r.knows for t in tasks for r in t.scenario.requests), tasks


IPHONE = ("How to Print from Your iPhone Using a Printing App\n"
          "1. Open the App Store.\n2. Tap Search.\n3. Tap Install.\n4. Enter your Apple ID password.\n"
          "5. Open the item you want to print.\n6. Tap the \"Share\" button.\n7. Follow the on-screen instructions.\n")


def test_a_name_the_text_writes_with_capitals_is_said_so() -> None:
    """"What's your apple ID password?", "This is for your iphone", "the status on my iphone": the
    field and the record take an identifier's lower case; the assistant and the user say the names
    as the text writes them ("Apple ID", "iPhone"), never inside an email or a file name."""
    from gem_env.tools.render import cased, text_names
    names = text_names(["Enter your Apple ID password.", "Tap Search.", "Tap the search bar.", "Tap DONE.",
                        "Install an SSD in your laptop.", "Copy your DVDs with Mac OS X."])
    assert names.get("apple id") == "Apple ID" and names.get("dvd") == "DVD" and names.get("ssd") == "SSD", names
    assert not {"search", "done", "tap"} & set(names), names
    assert cased("what's your apple ID password for apple.fan@example.com and my ssd, adams_1991.dvd?", names) \
        == "what's your Apple ID password for apple.fan@example.com and my SSD, adams_1991.dvd?"
    # a word said loud in capitals is no name ("Press RIGHT"), nor the title's capitals ("After the First Boot")
    names = text_names(["Press RIGHT on the pad.", "Bypass LanSchool on it."], titles=["After the First Boot"])
    assert names == {"lanschool": "LanSchool"}, names
    assert cased("Right, hack Lanschool on my iphone.", {**names, "iphone": "iPhone", "right": "RIGHT"}) \
        == "Right, hack LanSchool on my iPhone."
    # one capitalised word after a lower-case word is a name ("your Android", "the Avogadro"), not a
    # step verb's button ("and tap Next"), nor a word the title says in lower case ("Tap Report.")
    names = text_names(["Open your Android's settings.", "Wait for the Avogadro to show up.", "Find the Twitch app in Applications.", "Enter it and tap Next.",
                        "Tap Apps.", "Tap Report.", "Click the Recover button.", "Tap Services or More Settings.",
                        "by the following:\n\n    Compile and install it.", "6.7. Upgrading from Stable to the Next\n\nOne of the best-known features of the system is this.",
                        "See the section “Going from Stable to the Next” of the book.",
                        "[Pull up Account] (interaction): ask for the order.", "Questions on billing, Refund times.",
                        "Go to Rewards in your account and select Redeem.", "Status should display Active."],
                       titles=["How to recover and report files"])
    assert names == {"android": "Android", "avogadro": "Avogadro", "twitch": "Twitch", "applications": "Applications",
                     "rewards": "Rewards", "more settings": "More Settings"}, names
    assert cased("This is for your android and the avogadro. Next, tap next.", names) \
        == "This is for your Android and the Avogadro. Next, tap next."
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="iphone", title="How to Print from Your iPhone Using a Printing App", text=IPHONE), RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = compile_domain(domain)
    _, trajectories = _verified_rollouts(compiled, 8)
    said = [m.get("content") or "" for traj in trajectories for m in traj.messages if m["role"] in ("user", "assistant")]
    assert not [s for s in said if re.search(r"\biphones?\b|\bapple ID\b", s)], said
    assert any("iPhone" in s for s in said)
    assert not [s for s in said if re.search(r"\bpassword\b.*\?", s)], said  # never asked for


CHROME = ("How to Uninstall Google Chrome - On Android\n1. Open your Android's Settings.\n2. Tap Apps.\n"
          "3. Find and select Chrome.\n4. Tap UNINSTALL.\n5. Tap UNINSTALL when prompted.")


def test_a_program_the_title_names_is_the_record_by_its_name() -> None:
    """"How to Uninstall Google Chrome": the record was the steps' settings ("This is for your
    setting"); it is the customer's program, which goes by the name the title gives it."""
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="chrome", title="How to Uninstall Google Chrome - On Android", text=CHROME), RELEVANT)
    assert isinstance(domain, Domain), domain
    entity = domain.entities[0]
    assert entity.name == "programs", entity.name
    assert [f.values for f in entity.fields if f.name == "program_name"] == [["Google Chrome"]], entity.fields
    _, trajectories = _verified_rollouts(compile_domain(domain), 6)
    said = [m.get("content") or "" for traj in trajectories for m in traj.messages if m["role"] == "assistant"]
    assert any("Google Chrome" in s for s in said) and not any(re.search(r"\bsettings?\b", s) for s in said), said
    # a title that counts a thing, or names none, keeps its thing ("Update Your Browser": browsers)
    browser = OfflineExtractor(archetypes=False).extract(
        Document(id="browser", title="How to Update Your Browser", text="1. Open the browser.\n2. Click Update."), RELEVANT)
    assert isinstance(browser, Domain) and browser.entities[0].name == "browsers", browser


PHONE = ("# How to Choose a Smartphone\n\n1. Pick a carrier.\n2. Pick a screen size.\n3. Check the storage space.\n"
         "4. Choose the smartphone.\n")


def test_a_later_request_does_not_list_the_customers_records_again() -> None:
    """The list their email gave is kept across requests as the writes' replies patch it: a later
    request about their smartphone opens it by the id the list gave, not by listing it again (was in
    ~40% of the how-to runs' sessions: `find_balconies_by_email` twice)."""
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="phone", title="How to Choose a Smartphone", text=PHONE), RELEVANT)
    assert isinstance(domain, Domain), domain
    tasks, trajectories = _verified_rollouts(compile_domain(domain), per_domain=12)
    sessions = 0
    for t, traj in zip(tasks, trajectories):
        finds = [(c["function"]["name"], c["function"]["arguments"]) for m in traj.messages
                 for c in m.get("tool_calls") or [] if c["function"]["name"].startswith("find_")]
        assert len(finds) == len(set(finds)), (t.id, finds)
        sessions += bool(finds) and len(t.scenario.requests) > 1
    assert sessions >= 2  # sessions of several requests, each listing their records once


def test_a_procedure_named_after_a_question_is_offered_once_the_question_is_answered(balcony: CompiledDomain) -> None:
    """"What's the status of my balcony? ... I also want to enclose a balcony.": the answer ends by
    offering the procedure named for later (the user had to bring it up again: "Like I said at the
    start, ..." in 35 of the how-to runs' 837 sessions, where the first request was a question)."""
    sb = balcony.new_sandbox()
    email = next(iter(sb.dump(["balconies"])["balconies"].values()))["owner_email"]
    agent = WorkflowAgent(balcony)
    messages: list[dict] = [{"role": "system", "content": "policy"},
                            {"role": "user", "content": f"What's the status of my balcony? My email is {email}. "
                                                        "I also want to enclose a balcony, if we have time."}]
    said = until_spoken(agent, sb, messages)
    assert re.search(r"\bstatus\b|\bactive\b|\bclosed\b", said, re.I) and re.search(r"also mentioned", said, re.I), said
    assert "enclos" in said, said


def _writes_refuse(domain: Domain) -> list[str]:
    return [m for v in step_views(domain) for m, r in zip(v.checks, v.requires) if "status !=" in r]


def test_a_record_is_refused_as_closed_only_where_the_text_speaks_of_it_so(balcony: CompiledDomain) -> None:
    """Every procedure's write refused a record in an invented blocking state: "This weight is
    closed; it cannot be bought." (of "Lose Weight Playing Dance Dance Revolution"), in 70 of the
    how-to runs' 837 seed-0 sessions. A balcony text says nothing of closed balconies: no such
    rule, and no balcony is seeded closed; a text that speaks of a closed membership keeps it."""
    assert not _writes_refuse(balcony.domain)
    assert "closed" not in next(f for f in balcony.domain.entities[0].fields if f.name == "status").values
    text = ("# How to Renew a Membership\n\n1. Sign in to the membership page.\n2. Renew the membership.\n\n"
            "A closed membership cannot be renewed online.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="m", title="How to Renew a Membership", text=text),
                                                        RELEVANT)
    assert isinstance(domain, Domain), domain
    assert any("closed" in m for m in _writes_refuse(domain)), _writes_refuse(domain)


def test_one_thing_of_its_own_name_is_found_by_it_and_no_email() -> None:
    """"Password protect a PDF": the customer names their PDF ("civil.pdf") and the assistant finds it
    by that name, no email asked for a file of their own; where the request is about many ("Hide
    friends on Facebook": one friend's name picks none of them) or makes the thing ("Take a picture":
    it has no name yet), or the thing has no name of its own (a balcony), the customer's email lists
    their records as before."""
    def finders(title: str, text: str) -> list[str]:
        domain = OfflineExtractor(archetypes=False).extract(Document(id="d", title=title, text=text), RELEVANT)
        assert isinstance(domain, Domain), domain
        return [t.name for t in domain.tools if t.name.startswith("find_")]

    steps = "1. Open the PDF2Go website.\n2. Click Choose File and select your PDF.\n3. Enter a password.\n4. Click Save Changes.\n"
    assert finders("How to Password Protect a PDF Using PDF2Go", steps) == ["find_pdfs_by_name"]
    pdf = compile_domain(OfflineExtractor(archetypes=False).extract(
        Document(id="pdf", title="How to Password Protect a PDF Using PDF2Go", text=steps), RELEVANT))
    assert [f.tool for f in owner_lists(pdf)] == ["find_pdfs_by_name"]
    tasks, trajectories = _verified_rollouts(pdf, 3)
    first = [m.get("content") or "" for m in trajectories[0].messages if m["role"] == "user"]
    assert not any("@" in m for m in first) and any(m.endswith(".pdf.") or ".pdf" in m for m in first), first
    friends = "1. Open the Facebook app.\n2. Tap your friends list.\n3. Tap Privacy.\n4. Tap Only me.\n"
    assert finders("How to Hide Friends on Facebook", friends) == ["find_friends_by_email"]
    picture = "1. Hold Alt.\n2. Press Print Screen.\n3. Open My Computer and find the picture.\n"
    assert finders("How to Take a Picture of Your Character", picture) == ["find_pictures_by_email"]
    assert finders("How to Enclose a Balcony", TEXT) == ["find_balconies_by_email"]



def test_a_device_goes_by_the_name_it_shows() -> None:
    """"Print from your iPhone": the customer's iPhone is found by the name it shows ("Maya's iPhone"),
    no email, and said by it alone ("This is for Maya's iPhone.", not "iPhone Maya's iPhone"); a
    request to get one ("Choose a smartphone": none is theirs yet) lists theirs by email."""
    text = ("1. Open the App Store on your iPhone.\n2. Install a printing app.\n3. Open the document.\n"
            "4. Tap the Share button.\n5. Tap Print.\n")
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="ip", title="How to Print from Your iPhone Using a Printing App", text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = compile_domain(domain)
    assert [f.tool for f in owner_lists(compiled)] == ["find_iphones_by_name"]
    names = {r["iphone_name"] for r in compiled.new_sandbox().dump()["iphones"].values()}
    assert all(re.fullmatch(r"[A-Z][a-z]+'s iPhone", n) for n in names), names
    tasks, trajectories = _verified_rollouts(compiled, 3)
    said = " ".join(m.get("content") or "" for traj in trajectories for m in traj.messages if m["role"] == "assistant")
    assert "@" not in said and re.search(r"This is for [A-Z][a-z]+'s iPhone\b", said), said
    assert not re.search(r"iPhone [A-Z][a-z]+'s iPhone", said), said
    chosen = OfflineExtractor(archetypes=False).extract(Document(id="sm", title="How to Choose a Smartphone", text=(
        "1. Pick a carrier.\n2. Pick a screen size.\n3. Consider battery life.\n")), RELEVANT)
    assert isinstance(chosen, Domain), chosen
    assert [t.name for t in chosen.tools if t.name.startswith("find_")] == ["find_smartphones_by_email"]


def test_a_value_a_step_needs_is_not_asked_as_what_finds_the_records() -> None:
    """Only what a find tool takes is asked "to find your records": a shipping address the step
    enters finds nothing ("And your shipping address? To find your records." was said)."""
    from gem_env.agents import banks as B
    text = ("# How to Get a SIM Card\n\n1. Go to the SIM card page.\n2. Enter your shipping address.\n"
            "3. Submit the order.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="sim", title="How to Get a SIM Card", text=text),
                                                        RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = compile_domain(domain)
    assert "shipping_address" in {p.name for p in compiled.tools["enter_ship_address"].spec.parameters}
    _, trajectories = _verified_rollouts(compiled, 9)
    reasons = [w.format(records="your records") for w in B.WHY_PERSONAL if w]
    asked = [m["content"] for traj in trajectories for m in traj.messages if m["role"] == "assistant"
             and (m.get("content") or "").count("?") == 1]
    # (the customer is signed in: nothing is asked to find their records at all here)
    assert any("shipping address" in q for q in asked), asked
    assert not [q for q in asked if "shipping address" in q and any(r in q for r in reasons)], asked
