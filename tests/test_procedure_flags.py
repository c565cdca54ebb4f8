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


def _flags(text: str, title: str) -> tuple[Domain, dict[str, str]]:
    domain = OfflineExtractor(archetypes=False).extract(Document(id="d", text=text, title=title), RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    tasks, _ = make_tasks(compiled, per_domain=3)
    assert tasks
    return domain, {f.name: f.description for f in domain.entities[0].fields if f.type == "boolean"}


def test_a_precondition_flag_is_named_for_its_state() -> None:
    text = ("1. Plan your type of Minute to Win It game.\n"
            "2. The games must be found before you play it.\n"
            "3. Get ready with the 60 seconds timer and your games' materials.\n"
            "4. Give the awards.\n")
    domain, flags = _flags(text, "How to Make a Minute to Win It Game")
    assert list(flags) == ["games_found"], flags
    requires = [s.require for t in domain.tools for s in t.effect if isinstance(s, RequireStep)]
    assert any(r.endswith(".games_found") for r in requires), requires


def test_a_rule_a_sentence_lifts_makes_no_flag_and_a_step_check_says_its_verb() -> None:
    """"You don't have to be an expert" is no rule (was a required flag `expert_major_league`);
    "Accept the terms" is done when the terms are accepted (was `term_verified`)."""
    text = ("1. Sign in to your Xbox profile.\n"
            "2. You don't have to be an expert, major-league gamer to get a high Gamerscore.\n"
            "3. Accept the terms.\n"
            "4. Unlock the achievements.\n")
    _, flags = _flags(text, "How to Raise Your Gamerscore")
    assert list(flags) == ["term_accepted"], flags


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
    """"The games must be found before you play it" (step 2) is on the record as it was before step 1:
    step 1's write checks it too, so a record without it is refused before anything is changed
    (the refusal was dropped: "the rule stops the workflow only after it has written")."""
    text = ("1. Plan your type of Minute to Win It game.\n"
            "2. The games must be found before you play it.\n"
            "3. Get ready with the 60 seconds timer and your games' materials.\n"
            "4. Give the awards.\n")
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="d", text=text, title="How to Make a Minute to Win It Game"), RELEVANT)
    assert isinstance(domain, Domain), domain
    first = next(t for t in domain.tools if t.kind == "write")
    assert any(s.require.endswith(".games_found") for s in first.effect if isinstance(s, RequireStep)), first.effect
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    tasks, _ = make_tasks(compiled, per_domain=3)
    reasons = [r.reason for t in tasks for r in t.refusals]
    assert "The games must be found before you play it." in reasons, reasons


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
    text = ("1. Download the source package.\n"
            "2. You need to check build scripts of the package and ensure to use CFLAGS for compiling binaries.\n"
            "3. Lastly, a storage method must be chosen for the images to be created.\n"
            "4. The usual way is to connect to it remotely; this will usually require setting up a server.\n"
            "5. Ensure your package is signed by its maintainer.\n"
            "6. A compatible interpreter must be available to build the package.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="b", text=text, title="How to Build a Package"),
                                                        RELEVANT)
    assert isinstance(domain, Domain), domain
    messages = {s.message for t in domain.tools for s in t.effect if isinstance(s, RequireStep)
                if not s.message.startswith(("Out of order", "No ")) and "our records" not in s.message
                and "at this point" not in s.message}  # (an act's refusal of a step that is not the next)
    assert messages == {"Your package must be signed by its maintainer.", "A compatible interpreter must be available to build the package."}, \
        messages
