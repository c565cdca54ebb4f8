"""On the procedure path a precondition's flag, as tool replies show it, says what holds: the
object and the verb's participle (`games_found`, was `minute_win_play`); the domain compiles and
admits tasks."""
from __future__ import annotations

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep
from procedure_view import step_views

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
#: a company's how-to on the customer's refund in its app (`procedure_service.is_service_procedure`)
REFUND = ("1. Open the refunds page of your account in the app.\n"
          "2. Cancel the old refund request.\n"
          "3. The receipts must be found before you request the refund.\n"
          "4. Request the refund.\n")
GAMES = ("1. Plan your type of Minute to Win It game.\n"
         "2. The games must be found before you play it.\n"
         "3. Get ready with the 60 seconds timer and your games' materials.\n"
         "4. Give the awards.\n")
WII = ("1. Avoid standing on the edge of the Wii Fit balance board.\n"
       "2. Make sure that you warm up before you start playing.\n"
       "3. Make sure that the area around you is clear of both people and objects before you start.\n"
       "4. Glance at the instruction booklet that comes with your Wii Fit balance board.\n")


def _flags(text: str, title: str) -> tuple[Domain, dict[str, str]]:
    domain = OfflineExtractor(archetypes=False).extract(Document(id="d", text=text, title=title), RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    tasks, _ = make_tasks(compiled, per_domain=3)
    assert tasks
    return domain, {f.name: f.description for f in domain.entities[0].fields if f.type == "boolean"}


def test_a_precondition_flag_is_named_for_its_state() -> None:
    """A company's rule (a service's how-to: the customer's refund in its app) is a flag named for
    what holds (`receipts_found`, was `minute_win_play`)."""
    _, flags = _flags(REFUND, "How to Request a Refund")
    assert list(flags) == ["receipts_found"], flags


def test_a_guide_to_ones_own_thing_states_no_rule_its_assistant_refuses_by() -> None:
    """A guide to the reader's own game, device or purchase says what they do ("The games must be found
    before you play it", "Make sure the area around you is clear", "Accept the terms"): each was a flag
    seeded false that refused the guidance asked for ("I can't prevent injuries from playing Wii Fit.
    The area around you must be clear ... From what I see, the area around is not ensured.", review 61
    §5, 41 of 1,530 how-to sessions). No flag, no refusal: the step is told."""
    for text, title in ((GAMES, "How to Make a Minute to Win It Game"),
                        (WII, "How to Prevent Injuries from Playing Wii Fit"),
                        ("1. Sign in to your Xbox profile.\n"
                         "2. You don't have to be an expert, major-league gamer to get a high Gamerscore.\n"
                         "3. Accept the terms.\n4. Unlock the achievements.\n", "How to Raise Your Gamerscore")):
        domain, flags = _flags(text, title)
        assert flags == {}, (title, flags)
        compiled = check_domain(domain)
        assert not isinstance(compiled, str), compiled
        tasks, _ = make_tasks(compiled, per_domain=4)
        assert tasks and not any(t.refusals for t in tasks), [r.reason for t in tasks for r in t.refusals]
        assert not make_tasks(compiled, per_domain=1, kinds=("refuse",))[0], title
    domain, _ = _flags(WII, "How to Prevent Injuries from Playing Wii Fit")
    assert any("area around you is clear" in line for line in domain.guide), domain.guide


def test_a_function_word_after_a_steps_choices_names_no_field() -> None:
    """"such as dpkg, and debhelper from the backports" lists examples, not choices of a `from_type`."""
    text = ("1. Download the source package.\n"
            "2. Update some tool chain packages such as dpkg, and debhelper from the backport packages.\n"
            "3. Build the package.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="d", text=text, title="Backporting a package"),
                                                        RELEVANT)
    assert isinstance(domain, Domain), domain
    fields = [f.name for f in domain.entities[0].fields]
    # (the package is found by its name: no owner email, round 49)
    assert not any(f.endswith("_type") for f in fields) and fields[:2] == ["package_id", "status"], fields


def test_a_windows_date_is_named_for_its_thing() -> None:
    """"within 30 days of receipt of an order" measures from the receipt (was a field `of_date`)."""
    text = ("# Appeal\n\nFile an appeal within 30 days of receipt of an order.\n\n"
            "1. Find the order in your account.\n2. Submit the appeal with the order ID.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="d", text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    assert [f.name for f in domain.entities[0].fields][3:] == ["receipt_date"]


def test_a_rule_a_later_step_states_is_checked_before_the_first_change() -> None:
    """"The receipts must be found before you request the refund" (step 3) is on the record as it was
    before step 2: step 2's write checks it too, so a record without it is refused before anything is
    changed (the refusal was dropped: "the rule stops the workflow only after it has written")."""
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="d", text=REFUND, title="How to Request a Refund"), RELEVANT)
    assert isinstance(domain, Domain), domain
    first = next(t for t in domain.tools if t.kind == "write")
    assert any(s.require.endswith(".receipts_found") for s in first.effect if isinstance(s, RequireStep)), first.effect
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    tasks, _ = make_tasks(compiled, per_domain=3)
    reasons = [r.reason for t in tasks for r in t.refusals]
    assert "The receipts must be found before you request the refund." in reasons, reasons


def test_a_question_the_text_asks_is_no_rule() -> None:
    """A program's prompt ("Does the LDAP database require login?" of installing slapd) asks, it
    states no rule: it was a flag `has_login` whose refusal quoted the question, which the customer
    took as asked of them."""
    text = ("Its installation asks a few questions.\n\nDoes the LDAP database require login?\n\nno\n\n"
            "1. Install the libnss-ldap package on the database server.\n"
            "2. Move the old database out of the way.\n"
            "3. Restart the database.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="d", text=text, title="Configuring slapd"), RELEVANT)
    assert isinstance(domain, Domain), domain
    messages = [s.message for t in domain.tools for s in t.effect if isinstance(s, RequireStep)]
    assert not any(m.endswith("?") for m in messages), messages


def test_an_only_sentence_is_a_rule_on_the_record() -> None:
    """"Only a card in good standing can be upgraded" has no trigger word ("if", "must"): it was no
    rule, and no refusal tested it."""
    text = ("# Upgrade your card\n\nOnly a card in good standing can be upgraded.\n\n"
            "1. Sign in to your account.\n2. Open the card settings.\n3. Select Upgrade and confirm.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="up", text=text, title="Upgrade your card"),
                                                        RELEVANT)
    assert isinstance(domain, Domain), domain
    upgrade = next(v for v in step_views(domain) if v.status == "upgraded")
    assert upgrade.requires == ["card.in_good_standing"], upgrade
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    tasks, _ = make_tasks(compiled, per_domain=1, kinds=("refuse",))  # a how-to is refused in its kinds' turn
    assert "Only a card in good standing can be upgraded." in [r.reason for t in tasks for r in t.refusals]


def test_a_step_to_do_is_no_rule() -> None:
    """"Collect at least 5 of each fruit" is what one does, not a rule on the record: it made
    `fruit_count >= 5`, and a customer was refused "That's down to this rule: Collect at least 5 of
    each fruit". Nor is a step done in a case ("If the soil is dry, water it before you plant": a
    refusal quoted the instruction)."""
    text = ("1. Talk to the villager.\n2. Collect at least 5 of each fruit.\n3. Plant the fruit in rows.\n"
            "4. If the soil is dry, water it before you plant.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="o", text=text, title="Grow an Orchard"), RELEVANT)
    assert isinstance(domain, Domain), domain
    messages = [s.message for t in domain.tools for s in t.effect if isinstance(s, RequireStep)]
    assert not any("Collect" in m for m in messages), messages
    assert not any("If the soil is dry" in m for m in messages), messages


def test_an_instruction_an_obligation_or_a_remark_is_no_rule() -> None:
    """"You need to check build scripts ...", "Lastly, a storage method must be chosen ...", "The
    usual way is to connect ...; this will usually require ..." were rules the assistant refused by
    ("The rule is: you need to check build scripts of the package ..."): a rule is a state the text
    makes a precondition ("compatible interpreter must be available", "only if ..."), and one said as
    a check to make is said as the rule ("Your account must be eligible ...", not "Ensure ...")."""
    text = ("1. Open the refunds page of your account in the app.\n"
            "2. You need to check the order history of the account and ensure to use the right card for the refund.\n"
            "3. Lastly, a payout method must be chosen for the refund to be created.\n"
            "4. The usual way is to call us; this will usually require setting up a callback.\n"
            "5. Ensure your refund is signed by the account holder.\n"
            "6. A receipt must be available to request the refund.\n"
            "7. Request the refund.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="b", text=text, title="How to Request a Refund"),
                                                        RELEVANT)
    assert isinstance(domain, Domain), domain
    messages = {s.message for t in domain.tools for s in t.effect if isinstance(s, RequireStep)
                if not s.message.startswith(("Out of order", "No ")) and "our records" not in s.message
                and "at this point" not in s.message}  # (an act's refusal of a step that is not the next)
    assert messages == {"Your refund must be signed by the account holder.",
                        "A receipt must be available to request the refund."}, messages
