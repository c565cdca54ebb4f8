"""A how-to session says only what is true (review 59, rows 1, 2, 3 and 6): the close says what the
checklist shows, never the world ("Your CD tray is ejected now."); a question before the steps never
offers to do what the customer does ("Sure, I can build a hotel on animal crossing for you."); every
action step of the guide is told, marked or not (the Internet Explorer installer was never opened);
and a how-to's prompt names no service its keyword vote made up ("our airline service" for Halo)."""
from __future__ import annotations

import random
import re

from gem_env.agents import banks as B
from gem_env.agents import guided as G
from gem_env.agents import speech as S
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import policy_prompt
from gem_env.tools import Domain


def test_a_guided_close_says_what_the_checklist_shows_not_the_world() -> None:
    told = {S.fact(random.Random(seed), "status", "ejected", after_write=True, thing="your CD tray", checklist=True)
            for seed in range(30)}
    assert len(told) > 1 and all("checklist" in t and "ejected" in t for t in told), told
    assert not any(re.match(r"(?:As of now, )?[Yy]our CD tray is", t) for t in told), told
    assert all(" it " in t for t in {S.fact(random.Random(seed), "status", "refunded", after_write=True,
                                           thing="your refund", checklist=True) for seed in range(10)})
    # another field the checklist's record holds after the steps: the checklist's, too
    other = {S.fact(random.Random(seed), "notification_type", "standard", after_write=True, thing="your notification",
                    checklist=True) for seed in range(30)}
    assert all("checklist" in t and "standard" in t for t in other), other
    # the whole close: what was marked, and what the checklist shows (the value still said: it is
    # the task's required output)
    for seed in range(20):
        close = S.report(random.Random(seed), True, G.recorded("your hotel", 4), [("status", "built")],
                         thing="your hotel", recorded=True)
        assert "checklist" in close and " built" in close and "hotel is" not in close, close


def test_a_guided_question_never_offers_to_do_the_customers_step() -> None:
    does = re.compile(r"I can (?!help\b|assist\b)[^.?]*(?:for you)?\.|I can do that|I can take care|On it|I would be glad to")
    for helps, expect in ((True, False), (False, True)):
        said = {S.ask(random.Random(seed), ["friend_code"], False, "build a hotel on animal crossing", frozenset(),
                      helps=helps) for seed in range(200)}
        said |= {S.ask(random.Random(seed), ["two_factor"], False, "build a hotel on animal crossing",
                       frozenset({"two_factor"}), helps=helps) for seed in range(200)}
        assert any(does.search(s) for s in said) is expect, sorted(s for s in said if does.search(s))[:5]
    helping = {S.ask(random.Random(seed), ["friend_code"], False, "build a hotel", frozenset(), helps=True)
               for seed in range(200)}
    assert any("help you build a hotel" in s for s in helping), helping  # a lead-in is still said, as help
    assert all(B.HELPS.search(x) for x in B.ASK_FOR_LEAD.keep(B.HELPS.search))


IE = ["Check to see if you already have Internet Explorer.", "Go to Microsoft's Internet Explorer page.",
      "Scroll down and click Download Internet Explorer 11 (32/64-bit).", "Press Ctrl+J in your web browser.",
      "Click the file that begins with EIE11_EN.", "Click Yes to confirm.", "Click Install.", "Click Restart now."]


def test_every_action_step_of_the_guide_is_told_marked_or_not() -> None:
    # the writes mark every line but the fifth (the extractor made no write of it)
    spans = [g for k, g in enumerate(IE) if k != 4]
    assert G.marked(IE, spans) == spans  # (what was told before: the installer never opened)
    assert G.told(IE, spans) == IE
    # a step a read looks at after the writes ("Check the box ..."), last in the guide, is told last
    dropbox = ["Open Dropbox on your Android.", "Tap Settings.", "Check the box next to each desired notification type."]
    assert G.told(dropbox, dropbox[:2]) == dropbox
    # a note, or a line saying how things are, is still not told as a step; a marked command is
    guide = ["Know that the map edge is guarded by a force field.", "Make a Mongoose on Valhalla.",
             "For a split second the Mongoose will go out the map.", "export EDITOR=mcedit", "Jump out of it."]
    assert G.told(guide, ["Make a Mongoose on Valhalla.", "export EDITOR=mcedit"]) \
        == ["Make a Mongoose on Valhalla.", "export EDITOR=mcedit.", "Jump out of it."]
    # a write without its text: the guide's instructions, as before
    assert G.told(IE, [*spans, None]) == G.instructions(IE)


HALO = Document(id="openpi:Halo-Warthog", title="How to Kill Someone with a Sword from a Warthog in Halo", text=(
    "1. Get a passenger to drive the Warthog to the other side of the map.\n"
    "2. Sit in the passenger seat with the sword.\n"
    "3. Jump out of the Warthog next to the enemy.\n"
    "4. Swing the sword at them.\n"))


def test_a_how_to_prompt_names_no_service_its_word_vote_made_up() -> None:
    """"passenger" and "seat" made Halo an airline's ("You are a customer support assistant for our
    airline service. Customers come to you about things like killing someone with a sword ...")."""
    for label in ("airline", "software", "library"):
        verdict = Verdict(id=HALO.id, relevant=True, score=0.9, reason="steps", labels={"domain": label})
        domain = OfflineExtractor(archetypes=False).extract(HALO, verdict)
        assert isinstance(domain, Domain), domain
        first = policy_prompt(domain).split("\n")[0]
        assert first.startswith("You are a customer support assistant. Customers come to you about"), first
        assert "service" not in first, first
    # nor one its title's own brackets would make ("our hack free service")
    bracketed = HALO.model_copy(update={"title": "How to Kill Someone with a Sword from a Warthog (Hack Free)"})
    verdict = Verdict(id=HALO.id, relevant=True, score=0.9, reason="steps", labels={"domain": "airline"})
    domain = OfflineExtractor(archetypes=False).extract(bracketed, verdict)
    assert isinstance(domain, Domain), domain
    assert "service" not in policy_prompt(domain).split("\n")[0], policy_prompt(domain).split("\n")[0]


def test_a_figures_caption_is_no_step() -> None:
    """"Figure 4.16. First boot" was read as "First, boot": the only step of a Debian section
    (review 59, row 12), told as "1. First boot"."""
    from gem_env.stages.extract.steps import procedure_steps
    text = ("4.3. After the First Boot\n\nThe computer will display the gdm3 login manager.\n\n"
            "Figure\u00a04.16.\u00a0First boot\n\nThe user can then log in. Then run apt upgrade to get updates.\n")
    steps, _ = procedure_steps(text)
    assert [s.text for s in steps] == ["Then run apt upgrade to get updates."], steps
    assert [s.text for s in procedure_steps("First boot the machine.\nThen log in.\n")[0]][:1] == ["First boot the machine."]
    # a caption that is itself an instruction stays a step ("Figure 3.3. Install the selected services")
    kept = procedure_steps("Once Debian is installed, we need to install and configure each of the services.\n\n"
                           "Figure\u00a03.3.\u00a0Install the selected services\n\nPrior to jumping into this "
                           "exercise, it is strongly recommended that you read the next chapter.\n")[0]
    assert any(s.text.startswith("Install the selected services") for s in kept), kept


def test_a_guide_whose_only_step_points_elsewhere_makes_no_domain() -> None:
    """With the caption gone, the section's one step was "please refer to Section 6.2.3", made a
    write `refer_section` ("I'll refer Section.", "I have taken care of what comes after the first boot.")."""
    from gem_env.stages.filter import OfflineFilter
    doc = Document(id="debian-handbook:sect.after-first-boot", title="4.3. After the First Boot", text=(
        "4.3. After the First Boot\n\nThe computer will display the gdm3 login manager.\n\n"
        "Figure\u00a04.16.\u00a0First boot\n\nThe user that has already been created can then log in and begin "
        "working immediately. A first apt upgrade is generally required, especially for possible security updates.\n\n"
        "For further information on these updates conducted by apt , please refer to Section 6.2.3, "
        "\u201cSystem Upgrade\u201d .\n"))
    out = OfflineExtractor().extract(doc, OfflineFilter().judge(doc))
    assert not isinstance(out, Domain), [w.name for w in out.workflows]


BNPL = Document(id="tau2-banking-kb:doc_bnpl", title="BNPL Platinum: How to Activate 6-Month Financing on Your Account",
                text=("BNPL Platinum: How to Activate 6-Month Financing on Your Account\n## Before you start\n"
                      "- Ensure your account is eligible to use BNPL Platinum 6\u2011month financing.\n\n"
                      "## Activate 6\u2011month financing\n1. Sign in to your account and open Settings.\n"
                      "2. Navigate to Financing > BNPL Platinum.\n"
                      "3. Select Activate 6\u2011Month Financing and review the terms.\n4. Confirm activation.\n"))


def test_a_procedure_the_service_carries_out_keeps_its_service() -> None:
    """A bank's own procedure, whose tool is the bank's ("Activate 6-Month Financing"), is still
    "our banking service": only a how-to whose steps are the customer's names none."""
    from gem_env.stages.filter import OfflineFilter
    domain = OfflineExtractor().extract(BNPL, OfflineFilter().judge(BNPL))
    assert isinstance(domain, Domain), domain
    assert policy_prompt(domain).startswith("You are a customer support assistant for our banking service."), \
        policy_prompt(domain)[:120]
