"""The offline extractor's service path: documents about a service become multi-entity domains
(an archetype specialised with the text's nouns, enums, rules and id patterns)."""
from __future__ import annotations

import collections
import json
import random
import re
from pathlib import Path

import pytest

from gem_env.documents import Document, Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract import service
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.filter import OfflineFilter
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import IfStep, InsertStep, RequireStep

ROOT = Path(__file__).resolve().parents[1]
RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")


def extract(path: str) -> tuple[Document, Domain]:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / path]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain), got
    return doc, got


def extract_text(title: str, text: str) -> Domain:
    got = OfflineExtractor().extract(Document(id=title, text=text, title=title), RELEVANT)
    assert isinstance(got, Domain), got
    return got


@pytest.fixture(scope="module")
def kept() -> list[tuple[Document, Domain]]:
    f, ex = OfflineFilter(), OfflineExtractor()
    out = []
    for doc in iter_documents([ROOT / "examples" / "corpus"]):
        if f.judge(doc).relevant:
            got = ex.extract(doc, RELEVANT)
            assert isinstance(got, Domain), (doc.id, got)
            out.append((doc, got))
    return out


def test_dispute_a_charge_becomes_linked_tables_rules_enums_and_patterns():
    doc, d = extract("bank/dispute-a-charge.md")
    names = [e.name for e in d.entities]
    assert {"customers", "cards", "disputes"} <= set(names)
    child = d.entity("charges") or d.entity("transactions")
    assert child is not None and child.field("card_id").foreign_key == "cards.card_id"
    dispute = d.tool("create_dispute")
    assert dispute is not None
    reason = next(p for p in dispute.parameters if p.name == "reason")
    assert reason.enum == ["fraud", "duplicate charge", "wrong amount", "item not received", "cancelled subscription"]
    requires = " | ".join(s.require for s in dispute.effect if isinstance(s, RequireStep))
    assert "<= 60" in requires and ">= 5.0" in requires and "!= 'pending'" in requires
    insert = next(s for s in dispute.effect if isinstance(s, InsertStep))
    assert insert.values["dispute_id"] == "next_id('DSP-#####')"
    assert insert.values["reply_by"] == "add_business_days(today, 10)"
    # for fraud the card is also frozen, if it can be (a closed card stays closed)
    assert any(isinstance(s, IfStep) and s.if_ == "reason == 'fraud' and card_row.status in ['active']"
               for s in dispute.effect)
    assert d.workflows[0].name == "create_dispute"  # what the text is about comes first
    compiled = check_domain(d)
    tasks, _ = make_tasks(compiled, per_domain=len(d.workflows))
    gold = next(t for t in tasks if t.workflow.split("+")[0] == "create_dispute")  # first of a session
    filed = next(a.result for a in gold.gold_actions if a.tool == "create_dispute")
    assert re.fullmatch(r"DSP-\d{5}", filed["dispute_id"]) and filed["reply_by"]


def test_a_request_has_a_reply_date_only_where_the_text_gives_one():
    """A dispute guide that says nothing of when the bank replies gets no `reply_by` (it was null in
    every dispute filed and seeded: 295 of 657 offline trajectories showed `"reply_by":null`); one
    that does seeds its open disputes with a reply date ahead of the clock, within the window."""
    _, said = extract("bank/dispute-a-charge.md")
    seeded = said.entity("disputes").field("reply_by")
    assert seeded is not None and seeded.range[0] > said.clock[:10]
    silent = extract_text("Dispute a charge", "# Dispute a charge\n\nYou can dispute a charge on your card. "
                          "Pending transactions cannot be disputed.\n\n1. Log in to online banking.\n"
                          "2. Find the transaction and choose Dispute.\n3. Choose a reason: fraud, duplicate charge "
                          "or wrong amount.\n4. Submit the dispute. You get a dispute number such as DSP-77031.\n")
    requests = next(e for e in silent.entities if e.name == "disputes")
    assert requests.field("reply_by") is None
    create = silent.tool("create_dispute")
    assert all("reply_by" not in s.values for s in create.effect if isinstance(s, InsertStep))


def test_every_service_domain_is_rich_linked_and_admits_every_workflow(kept):
    services = [(doc, d) for doc, d in kept if "service)" in d.description]
    assert len(services) >= 0.7 * len(kept)
    for doc, d in services:
        assert 8 <= len(d.tools) <= 16, doc.id
        assert any(f.foreign_key for e in d.entities for f in e.fields), doc.id
        assert all(re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", t.name) for t in d.tools), doc.id
        # a trainer's schema tells every argument (a move's city and zip had none)
        assert all(p.description.strip() for t in d.tools for p in t.parameters), doc.id
        writes = [t for t in d.tools if t.kind == "write"]
        assert all(any(isinstance(s, (InsertStep,)) or type(s).__name__ in ("UpdateStep", "IfStep")
                       for s in t.effect) for t in writes), doc.id
        compiled = check_domain(d)
        assert not isinstance(compiled, str), (doc.id, compiled)
        tasks, rejected = make_tasks(compiled, per_domain=2 * len(d.workflows), kinds=("complete",))
        assert {t.workflow for t in tasks} == {w.name for w in d.workflows}, (doc.id, [r.reason for r in rejected])
        for span in [t.span for t in d.tools if t.span] + [p.span for p in d.policy] + d.provenance.spans:
            assert doc.text[span.start:span.end] == span.text


def test_a_read_given_an_id_that_is_no_record_says_so(kept):
    """As a real API answers 404: a read keyed by a record's id (its details, its transactions, a
    product's variants) given an id no record has is an error naming it, never an empty list (a
    model listing the charges of "CARD-0012" got [] five times over)."""
    checked = 0
    for doc, d in kept:
        compiled = check_domain(d)
        keys = {e.primary_key for e in d.entities}
        box = compiled.new_sandbox()
        for tool in d.tools:
            required = [p for p in tool.parameters if p.required]
            if tool.kind != "read" or len(required) != 1 or required[0].name not in keys:
                continue
            result = box.call(tool.name, {required[0].name: "NONE-0"})
            assert not result.ok and "NONE-0" in result.error, (doc.id, tool.name, result.content)
            checked += 1
    assert checked >= 3 * len(kept)


def test_statuses_and_plans_come_from_the_text():
    _, d = extract("telecom/change-your-plan.md")
    lines = d.entity("lines")
    assert lines.field("status").values[:3] == ["active", "suspended", "closed"]
    assert lines.field("plan").values == ["basic 5gb", "plus 20gb", "unlimited"]
    change = d.tool("update_line_plan")
    requires = [s.require for s in change.effect if isinstance(s, RequireStep)]
    assert "line_row.status != 'suspended'" in requires  # "A suspended line cannot change plan"


def test_a_lines_plan_is_its_plan_not_its_plan_name():
    """"I'd like to change the plan name of my line to Plus." (99 messages of the banking and
    support runs): a line's plan is a field `plan`, said "the plan" and referred to as "the line on
    the Plus plan"."""
    from gem_env.tools.referring import reference
    _, d = extract("telecom/change-your-plan.md")
    goal = next(w.goal for w in d.workflows if w.name == "change_line_plan")
    assert "change the plan of my line" in goal and "plan name" not in goal
    assert reference("plan", "Plus", "line") == "line on the Plus plan"
    assert reference("plan_name", "Plus", "line") == "line on the Plus plan"


def test_a_memberships_plan_is_its_plan_and_a_new_one_is_on_the_plan_chosen():
    """"I'd like to change the plan name of my membership" (79 messages): a membership's plan is
    `plan`, the name of the plan it is on; a new membership takes it from the plan chosen, never a
    second choice of its own ("start a membership on the Standard plan for a Basic")."""
    doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / "more-businesses.jsonl"])
               if d.id == "gym-freeze-membership")
    d = OfflineExtractor().extract(doc, RELEVANT)
    goal = next(w.goal for w in d.workflows if w.name == "change_membership_plan")
    assert "change the plan of my membership" in goal
    start = d.tool("start_membership")
    assert [p.name for p in start.parameters] == ["member_id", "plan_id"]
    sb = check_domain(d).new_sandbox()
    member = next(iter(sb.dump(["members"])["members"]))
    plan_id, plan = next(iter(sb.dump(["plans"])["plans"].items()))
    made = sb.call("start_membership", {"member_id": member, "plan_id": plan_id})
    assert made.ok, made.error
    new = sb.dump(["memberships"])["memberships"][made.value["membership_id"]]
    assert new["plan"] == plan["plan_name"] and new["monthly_fee"] == plan["price"]
    sb.close()


def test_a_status_bar_is_not_a_records_status():
    """"The status bar shows icons like "LTE", "H+" or "E"" names no status of a line (a line read
    "whose status is h+" before): neither a thing named after a status nor signs are statuses."""
    from gem_env.stages.extract import archetypes
    from gem_env.stages.extract.specialise import specialise
    arch = next(a for a in archetypes.ARCHETYPES if a.key == "lines")
    rule = 'A line\'s status is "active", "suspended" or "closed".\n'
    for first in ('The status bar shows "Wi-Fi calling" or "roaming" when on.\n',
                  'The status shows icons like "H+" or "E" for a slow connection.\n'):
        assert specialise(arch, first + rule).statuses.value == ["active", "suspended", "closed"], first


def test_a_banking_app_procedure_is_read_as_the_service_it_is_about():
    """A bank app's click path ("open Settings, choose the payment, tap Cancel") is a service's text,
    not a how-to for one's own things: it gets the service's domain, not one table of UI steps."""
    text = ("# Canceling a payment\n\n1. Open your Rho-Bank dashboard and go to Settings.\n"
            "2. Choose the payment you want to stop.\n3. Tap Cancel payment and confirm.\n"
            "A payment that was already sent cannot be cancelled; ask for the money back instead.\n")
    assert service.pick(text, "Canceling a payment").key == "payments"
    assert service.pick(text.replace("Rho-Bank dashboard", "notebook").replace("Settings", "the back page"),
                        "Canceling a payment") is None


def test_who_may_use_an_account_is_a_service_of_its_own():
    """Blocking people or giving them a role is the access service's (users with roles, block,
    unblock, remove), not a table of the app's screens ("select the option", status 'selected')."""
    text = ("# Blocking and unblocking users\n\n1. Open the user's profile in the app.\n"
            "2. Select Block user and confirm.\nA blocked user cannot send you payment requests. "
            "To unblock, open Settings > Privacy > Blocked users and tap Unblock.\n")
    assert service.pick(text, "Blocking and unblocking users").key == "access"
    got = extract_text("Blocking and unblocking users", text)
    assert {"block_user", "unblock_user"} <= {t.name for t in got.tools}
    assert got.entity("users").field("role").values == ["viewer", "editor", "admin"]


def test_a_buy_now_pay_later_page_is_a_plan_with_installments():
    """BNPL pages (late fees, terms, autopay) were one table of screens; they are plans of installments
    a customer can cancel, pay automatically, or ask to extend, and a paid-off plan no longer changes."""
    text = ("# BNPL Gold: Late fees and autopay\n\nEach installment is due every two weeks. A late fee applies "
            "when an installment is not paid by its due date.\n1. Open your plan in the app.\n"
            "2. Turn on autopay so installments are paid on time.\n3. If you cannot pay, request an extension.\n")
    assert service.pick(text, "BNPL Gold: Late fees and autopay").key == "installments"
    got = extract_text("BNPL Gold: Late fees and autopay", text)
    assert {"cancel_plan", "request_extension", "update_plan_autopay"} <= {t.name for t in got.tools}
    assert got.entity("installments").field("plan_id").foreign_key == "plans.plan_id"
    requires = [s.require for s in got.tool("update_plan_autopay").effect if isinstance(s, RequireStep)]
    assert any("'active'" in r for r in requires), requires


def test_dispute_reasons_are_why_a_customer_files_not_another_fields_codes():
    from gem_env.stages.extract.archetypes import ARCHETYPES
    from gem_env.stages.extract.specialise import specialise
    cards = next(a for a in ARCHETYPES if a.key == "cards")
    codes = ("Dispute a card charge.\n- Use for NEW cards (issue_reason = 'new_account' or 'first_card').\n"
             "- Close reasons: 'annual_fee', 'not_using_card'.\n")
    assert specialise(cards, codes).reasons is None
    said = "Dispute a card charge.\n1. Choose a reason: `fraud`, `wrong amount` or `cancelled subscription`.\n"
    assert specialise(cards, said).reasons.value == ["fraud", "wrong amount", "cancelled subscription"]


def test_a_status_said_of_the_disputes_is_no_rule_on_the_charges():
    """"No active or pending transaction disputes" (a closing's rule) is about disputes that are
    pending; "Pending transactions cannot be disputed" is the rule on pending charges."""
    from gem_env.stages.extract.archetypes import ARCHETYPES
    from gem_env.stages.extract.specialise import specialise
    cards = next(a for a in ARCHETYPES if a.key == "cards")
    about_disputes = "Dispute a card charge.\nPending disputes: The account must not have any active or pending transaction disputes."
    assert [f.value for f in specialise(cards, about_disputes).blocked_child] == []
    about_charges = "Dispute a card charge.\nPending transactions cannot be disputed."
    assert [f.value for f in specialise(cards, about_charges).blocked_child] == ["pending"]


def test_customers_of_different_services_give_different_reasons():
    """The reason a user states is one of the service's reasons chosen by its title, not always the
    first (a corpus where every customer disputes 'because of fraud')."""
    said = set()
    for title in ("Dispute a charge", "Report a card charge", "Charge disputes", "Disputing a transaction"):
        text = f"# {title}\n\n1. Open the card.\n2. Find the charge.\n3. Dispute the charge with a reason.\n"
        said |= {w.knows["reason"] for w in extract_text(title, text).workflows if w.name == "create_dispute"}
    assert len(said) > 1, said
    hotel = [extract_text(t, f"# {t}\n\nCancel your hotel reservation online.\n")
             for t in ("Cancelling your stay", "Modify a reservation")]
    assert all(w.knows.get("reason") != "'other'" for d in hotel for w in d.workflows), "'because of other'"


def test_seeded_free_text_reads_like_what_people_write():
    """A memo or a ticket subject holds what people write there, never Faker's lorem-ipsum sentences."""
    from gem_env.stages.extract.archetypes import ARCHETYPES
    for arch in ARCHETYPES:
        for f in arch.main_fields + arch.child_fields + arch.catalog_fields:
            assert f.get("faker") != "sentence", (arch.key, f["name"])


def test_a_text_that_fits_no_archetype_still_gets_a_domain():
    text = "# Repot a plant\n\n1. Water the plant a day before.\n2. Lift it out of the pot.\n3. Set it in fresh soil.\n"
    assert service.pick(text, "Repot a plant") is None
    got = OfflineExtractor().extract(Document(id="p", text=text), RELEVANT)
    assert isinstance(got, Domain) and "service)" not in got.description


def test_a_software_guide_is_no_service():
    """A guide to one's own machine shares words with services ("user", "package", "return"): "in
    order to" is no order, and a software guide whose steps are commands gets the procedure path
    (a kernel build was an access service, a security guide an orders service)."""
    text = ("# Securing a machine\n\nWe keep the logs in order to understand the attack. Each user may "
            "return to the package store later; our support tool helps.\n\n1. Unplug the network cable.\n"
            "2. Copy the disk image.\n3. Check each package.\n")
    assert service.pick(text, "Securing a machine") is None
    # nor is "the command line" a phone line (a Debian migration guide was a lines service)
    migrate = ("# How to migrate\n\nWe move each user with our tool; the plan needs data from the command line.\n\n"
               "1. Copy the data.\n2. Run the tool on the command line.\n3. Check each user.\n")
    assert service.pick(migrate, "How to migrate") is None
    build = ("# Compiling a kernel\n\nEach user with the admin role and the permission to access the build "
             "tree can do it; our support tool helps.\n\n1. Get the sources:\n\n    $ apt install linux-source\n"
             "    $ tar xf linux-source.tar.xz\n    $ cd linux-source\n\n2. Configure the kernel with make menuconfig.\n"
             "3. Build the packages with make deb-pkg.\n")
    assert service.pick(build, "Compiling a kernel") is not None  # the words alone would make it a service
    software = Verdict(id="k", relevant=True, score=1.0, reason="test", labels={"domain": "software"})
    got = OfflineExtractor().extract(Document(id="k", text=build, title="Compiling a kernel"), software)
    assert isinstance(got, Domain) and "service)" not in got.description, got
    # nor one that names the system's own files (Debian's emergency downgrading, with no command line
    # the layout reads as one, was a phone-lines service: "Search lines in the sources.list file")
    downgrade = ("# Emergency downgrading\n\nSearch the lines in the \"/etc/apt/sources.list\" file tracking unstable. "
                 "Each user line has a plan; our support tool bills the account.\n\n"
                 "Replace each line with the testing one. Set the \"/etc/apt/preferences\" file as the following. "
                 "Remove the special \"/etc/apt/preferences\" file after this downgrading.\n")
    got = OfflineExtractor().extract(Document(id="d", text=downgrade, title="Emergency downgrading"), software)
    assert not (isinstance(got, Domain) and "service)" in got.description), got.description


def test_archetype_choice_follows_the_text():
    assert service.pick("Cancel a pending order before it ships; returns within 30 days.", "Orders").key == "orders"
    assert service.pick("Book an appointment with a doctor at the clinic.", "Clinic").key == "appointments"
    assert service.pick("Add checked baggage to your flight reservation.", "Baggage").key == "reservations"
    assert service.pick("Change the room type or the number of guests of your hotel reservation.",
                        "Modify a stay").key == "stays"


def test_a_refused_act_is_not_read_as_a_status():
    _, d = extract("shop/return-an-item.md")  # "Final-sale items and gift cards cannot be returned."
    messages = [s.message for t in d.tools for s in t.effect if isinstance(s, RequireStep)]
    assert not any("Final-sale" in m for m in messages)
    _, d = extract("bank/dispute-a-charge.md")  # "Pending transactions cannot be disputed"
    requires = [s.require for s in d.tool("create_dispute").effect if isinstance(s, RequireStep)]
    assert any("!= 'pending'" in r for r in requires)


def test_an_archetype_without_requests_or_records_extracts():
    text = ("# Recover your password\n\nIf you forgot your password, we can reset it. Our support agent "
            "verifies your account with your username and phone number.\n\n1. Open the app and tap Sign in.\n"
            "2. Choose Forgot password and enter your username.\n3. Enter the code we text to your phone.\n"
            "A `locked` account cannot reset its password until we unlock it.\n")
    assert service.pick(text, "Recover your password").key == "profiles"
    got = OfflineExtractor().extract(Document(id="pw", text=text, title="Recover your password"), RELEVANT)
    assert isinstance(got, Domain), got
    assert "service)" in got.description and got.tool("unlock_account") is not None


def test_a_membership_text_maps_to_subscriptions_by_its_subject():
    """"Freeze your gym membership" shares "freeze" and "charged" with cards; what it is about is a
    membership, and its "not more than twice a year" rule guards the freeze by the count it keeps."""
    doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / "more-businesses.jsonl"])
               if d.id == "gym-freeze-membership")
    assert service.score(service.ARCHETYPES[0], doc.text, doc.title) > 0  # cards does score
    assert service.pick(doc.text, doc.title).key == "subscriptions"
    d = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(d, Domain) and d.entity("memberships") is not None
    freeze = d.tool("freeze_membership")
    requires = [s.require for s in freeze.effect if isinstance(s, RequireStep)]
    assert "membership_row.freezes_this_year < 2" in requires
    compiled = check_domain(d)
    sandbox = compiled.new_sandbox()
    rows = sandbox.dump()["memberships"]
    used_up = next(k for k, r in rows.items() if r["status"] == "active" and r["freezes_this_year"] == 2
                   and r["started_on"] <= "2024-11-16" and not r["balance_due"])
    refused = sandbox.call("freeze_membership", {"membership_id": used_up, "reason": "travel"})
    assert not refused.ok and "more than twice" in refused.error
    # "A membership can only be frozen if it has been active for at least 2 months and has no unpaid
    # fees": both are the freeze's rules, on the start date and what the membership owes
    assert "days_between(membership_row.started_on, today) >= 60" in requires
    assert "coalesce(membership_row.balance_due, 0) == 0" in requires
    for young_or_owing in (lambda r: r["started_on"] > "2024-11-16", lambda r: r["balance_due"]):
        key = next(k for k, r in rows.items() if r["status"] == "active" and r["freezes_this_year"] < 2
                   and young_or_owing(r))
        refused = sandbox.call("freeze_membership", {"membership_id": key, "reason": "travel"})
        assert not refused.ok and "at least 2 months" in refused.error
    assert service.pick("Cancel your phone line or change its plan; roaming costs extra.", "Phone line").key == "lines"


def test_id_patterns_of_one_domain_differ():
    """"member" and "membership" both start MMB: the later noun's ids get a longer prefix."""
    doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / "more-businesses.jsonl"])
               if d.id == "gym-freeze-membership")
    d = OfflineExtractor().extract(doc, RELEVANT)
    prefixes = [e.fields[0].faker.args["text"].split("-")[0] for e in d.entities if e.fields[0].faker]
    assert len(prefixes) == len(set(prefixes)) >= 3, prefixes


def test_a_short_noun_is_its_own_id_prefix():
    """"loan" and "line" have two consonants: LOAN-, LINE- (was LNX1-, the same for both)."""
    from gem_env.stages.extract.service_tools import id_pattern
    assert (id_pattern("loan"), id_pattern("line"), id_pattern("card")) == ("LOAN-#####", "LINE-#####", "CRD-#####")
    assert id_pattern("line", frozenset({"LINE-#####"})) != "LINE-#####"


def test_rules_on_any_listed_field_and_deadlines_before_a_date():
    _, d = extract("hotel/modify-a-reservation.md")
    assert d.entity("reservations").field("room_type").values == ["standard", "deluxe", "suite"]
    for name in ("update_reservation_guests", "cancel_reservation"):
        requires = [s.require for s in d.tool(name).effect if isinstance(s, RequireStep)]
        assert "reservation_row.rate != 'non-refundable'" in requires, name  # "Non-refundable rates cannot be ..."
    requires = [s.require for s in d.tool("update_reservation_guests").effect if isinstance(s, RequireStep)]
    assert "days_between(today, reservation_row.check_in) >= 2" in requires  # "until 48 hours before check-in"
    suspend = [s.require for s in extract("telecom/change-your-plan.md")[1].tool("suspend_line").effect
               if isinstance(s, RequireStep)]
    assert not any("!= 'suspended'" in r for r in suspend)  # the plan-change rule is not the suspension's


def _open_pair(accounts: dict) -> tuple[dict, dict]:
    """Two open accounts of one customer, the first holding the larger balance."""
    by_owner: dict[str, list[dict]] = {}
    for a in sorted(accounts.values(), key=lambda r: r["account_id"]):
        if a["status"] == "open":
            by_owner.setdefault(a["customer_id"], []).append(a)
    pair = next(sorted(v, key=lambda r: -r["balance"])[:2] for v in by_owner.values() if len(v) >= 2)
    return pair[0], pair[1]


def test_a_transfer_moves_money_between_accounts_under_the_texts_rules():
    doc, d = extract("bank/transfer-money.md")
    assert d.tool("create_transfer") is None
    tool = d.tool("transfer_funds")
    assert [p.name for p in tool.parameters] == ["source_account_id", "destination_account_id", "amount", "reference"]
    messages = [s.message for s in tool.effect if isinstance(s, RequireStep)]
    assert "The amount cannot be more than the available balance of the source account." in messages
    assert "Transfers to other people are limited to $5,000 per day." in messages
    assert any(m.startswith("Transfers can only come from") for m in messages)
    # what the customer is told after is what is left on the account the money came from ("The new
    # balance is $4,517.65" read as the balance of the account it went to)
    flow = next(w for w in d.workflows if any(s.tool == "transfer_funds" for s in w.steps))
    assert flow.tells.get("remaining_balance") == "moved.source_balance", flow.tells
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    accounts = sb.dump(["accounts"])["accounts"]
    src, dst = _open_pair(accounts)
    moved = sb.call("transfer_funds", {"source_account_id": src["account_id"],
                                       "destination_account_id": dst["account_id"], "amount": 100})
    assert moved.ok, moved.error
    assert re.fullmatch(r"TRNS-\d{5}", moved.value["transfer_id"])
    after = sb.dump(["accounts", "transfers"])
    assert after["accounts"][src["account_id"]]["balance"] == round(src["balance"] - 100, 2)
    assert after["accounts"][dst["account_id"]]["balance"] == round(dst["balance"] + 100, 2)
    assert len(after["transfers"]) == 1
    too_much = sb.call("transfer_funds", {"source_account_id": src["account_id"],
                                          "destination_account_id": dst["account_id"], "amount": src["balance"]})
    assert not too_much.ok and "available balance" in too_much.error
    stranger = next(a for a in accounts.values() if a["customer_id"] != src["customer_id"] and a["status"] == "open")
    to_other = {"source_account_id": src["account_id"], "destination_account_id": stranger["account_id"]}
    assert src["balance"] > 5200  # the daily limit to other people, counted over the day's transfers
    assert sb.call("transfer_funds", {**to_other, "amount": 4000}).ok
    refused = sb.call("transfer_funds", {**to_other, "amount": 1001})
    assert not refused.ok and "$5,000 per day" in refused.error
    assert sb.call("transfer_funds", {**to_other, "amount": 1000}).ok
    frozen = next(a for a in accounts.values() if a["status"] != "open")
    stopped = sb.call("transfer_funds", {"source_account_id": frozen["account_id"],
                                         "destination_account_id": dst["account_id"], "amount": 1})
    assert not stopped.ok and "only come from" in stopped.error


def test_the_transfer_workflow_admits_complete_refuse_decline_and_sessions():
    _, d = extract("bank/transfer-money.md")
    compiled = check_domain(d)
    tasks, rejected = make_tasks(compiled, per_domain=12, kinds=("complete", "refuse", "decline", "multi_request"))
    kinds = {t.category for t in tasks if "transfer_funds" in t.workflow.split("+") or "transfer_funds" in t.id}
    assert {"complete", "refuse", "decline", "multi_request"} <= kinds, [r.reason for r in rejected]
    gold = next(t for t in tasks if t.category == "complete" and t.workflow.split("+")[0] == "transfer_funds")
    call = next(a for a in gold.gold_actions if a.tool == "transfer_funds")  # the session's first request's
    assert call.tool == "transfer_funds" and call.arguments["amount"] % 100 == 0
    assert call.arguments["source_account_id"] != call.arguments["destination_account_id"]


def test_a_payment_plan_is_for_an_overdue_bill_and_code_in_backticks_is_no_status():
    d = extract_text("Pay your phone bill", "Every mobile line has a plan and monthly bills. A bill is `paid` or "
                     "`overdue`. Use `check_status_bar()` or `check_network_status()` to see the line's signal. "
                     "Customers who cannot pay may request a payment plan for a bill.")
    assert "check_status_bar()" not in (d.entity("lines").field("status").values or [])
    rules = {s.message: s.require for s in d.tool("request_payment_plan").effect if isinstance(s, RequireStep)}
    assert rules["A bill that is {bill_row.status} cannot get a payment plan"] == "bill_row.status in ['overdue']"
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    bills = sb.dump(["bills"])["bills"]
    paid = next(b for b, row in bills.items() if row["status"] == "paid")
    assert sb.call("request_payment_plan", {"bill_id": paid, "reason": "hardship"}).error \
        == "A bill that is paid cannot get a payment plan"
    flow = next(w for w in d.workflows if w.name == "request_payment_plan")
    assert "row.status in ['overdue']" in flow.anchor.filter


def test_a_return_is_for_an_item_not_returned_yet():
    _, d = extract("shop/return-an-item.md")
    requires = [s.require for s in d.tool("create_return").effect if isinstance(s, RequireStep)]
    assert "item_row.status in ['ordered']" in requires


def test_an_amount_at_least_is_a_rule_of_a_request_only_where_the_sentence_is_about_it():
    text = ("Dispute a charge on your card in the app. Choose the transaction and a reason (`fraud`, "
            "`wrong amount`). {}")
    promise = extract_text("Dispute a card charge", text.format("If approved, your starting limit will be at least $3,000."))
    rule = extract_text("Dispute a card charge", text.format("A dispute must be for at least $5."))

    def amount_rules(d: Domain) -> list[str]:
        return [s.require for s in d.tool("create_dispute").effect if isinstance(s, RequireStep) and "amount" in s.require]
    assert amount_rules(promise) == []
    assert amount_rules(rule) == ["transaction_row.amount >= 5.0"]


def test_a_refusal_prefers_a_rule_the_text_states_over_a_status_guard():
    # the title's workflow (a new limit) is refused only by status; the dispute by the text's rule
    d = extract_text("Change your card spending limit",
                     "Change your card's spending limit in the app: open the card, choose Spending limit and enter "
                     "the new amount. You can also freeze a card or dispute a charge. Pending charges cannot be "
                     "disputed; wait until they post.")
    assert d.workflows[0].name == "change_card_spending_limit"
    tasks, _ = make_tasks(check_domain(d), per_domain=1, kinds=("refuse",))
    assert [(t.workflow, t.refusals[0].reason) for t in tasks] == \
        [("create_dispute", "Pending charges cannot be disputed; wait until they post.")]


STAFF_CONSOLE = """The main effort is figuring out which question the customer is asking: how to clean
the lamp, how bright is the bulb, does it come with a warranty.

Actions:
- [Open Help Articles]: When you realize the customer is asking something the articles answer, click it.
- [Lamps]: Decide which product the customer is asking about and click its toggle.
- [Pick Answer]: Read the four answers and click the one that fits.
- [Send]: Send the customer the answer and ask if they need anything else.
"""

OWN_APP = """1. Open the Larkspur app and tap **Lights**.
2. Choose the lamp you want to rename.
3. Tap **Rename** and type the new name.
4. Tap **Save**. The new name shows within a minute.
"""


def test_a_staff_guideline_that_fits_no_service_is_rejected_with_the_reason() -> None:
    """Its steps are the staff's console clicks; as the customer's tools they made nonsense
    ("It's now systemmed"). A how-to for one's own app still takes the procedure path."""
    assert service.pick(STAFF_CONSOLE, "Lamp FAQ") is None
    got = OfflineExtractor().extract(Document(id="faq", text=STAFF_CONSOLE, title="Lamp FAQ"), RELEVANT)
    assert not isinstance(got, Domain) and got.stage == "extract"
    assert "guideline for staff serving customers" in got.reason
    assert isinstance(OfflineExtractor().extract(Document(id="app", text=OWN_APP, title="Rename a lamp"),
                                                 RELEVANT), Domain)
    assert service.serves_customers("Customer has a question. Message the customer a link.")
    assert not service.serves_customers("Call customer service. Customer support replies. Customer care too.")


def test_a_settled_record_keeps_its_fields_but_may_still_get_a_remedy():
    """A delivered order's address cannot change (nor a sent payment's amount), while a fee can
    still come off a delivered order."""
    _, d = extract("shop/extra-fee-on-an-order.md")
    tool = {t.name: t for t in d.tools}
    guard = next(s.require for s in tool["update_order_shipping_address"].effect
                 if isinstance(s, RequireStep) and ".status in" in s.require)
    assert "'pending'" in guard and "'delivered'" not in guard and "'cancelled'" not in guard
    fee = [s.require for s in tool["remove_order_fee"].effect if isinstance(s, RequireStep) and ".status in" in s.require]
    assert fee and "'delivered'" in fee[0]
    flow = next(w for w in d.workflows if w.name == "change_order_shipping_address")
    assert "'delivered'" not in flow.anchor.filter


def test_a_shipping_address_changes_whole():
    """"change the shipping address of my order to 685 James Walks Apt. 135" changed the street and
    left the old city and zip (the tool took the street only); a real API takes the whole address.
    The tool takes street, city and zip, the customer gives all three, and the gold sets all three."""
    _, d = extract("shop/change-shipping-address.md")
    tool = next(t for t in d.tools if t.name == "update_order_shipping_address")
    assert [p.name for p in tool.parameters] == ["order_id", "shipping_address", "shipping_city", "shipping_zip"]
    tasks, rejected = make_tasks(check_domain(d), per_domain=12, seed=0)
    moves = [a for t in tasks for a in t.gold_actions if a.tool == tool.name and a.ok]
    assert moves, [r.reason for r in rejected]
    for t in tasks:
        for a in (a for a in t.gold_actions if a.tool == tool.name and a.ok):
            said = f"{a.arguments['shipping_address']}, {a.arguments['shipping_city']} {a.arguments['shipping_zip']}"
            assert said in json.dumps([t.scenario.goal, *(r.goal for r in t.scenario.requests)]), (said, t.scenario.goal)
            assert {a.result[k] for k in ("shipping_address", "shipping_city", "shipping_zip")} == {
                a.arguments[k] for k in ("shipping_address", "shipping_city", "shipping_zip")}


def test_a_handoff_says_what_the_customer_hands_over(kept):
    """"I would like to talk to someone about my account ACC-54100." told the person taking over
    nothing (254 of 302 refined support sessions): the customer's note says a concern a person has
    with that kind of record ("I do not understand a fee on my account ACC-1")."""
    seen = 0
    for _, d in kept:
        flow = next((w for w in d.workflows if w.name == "talk_to_a_person"), None)
        if flow is None:
            continue
        seen += 1
        summary = flow.knows["summary"]
        # a concern by the record's status ("before my visit" of a scheduled one): each said as "I ..."
        assert "talk to someone" not in summary and summary.lstrip("(").startswith("'I "), (d.name, summary)
        tasks, _ = make_tasks(check_domain(d), per_domain=12, seed=0)
        for t in tasks:
            for a in (a for a in t.gold_actions if a.tool == "transfer_to_human_agent" and a.ok):
                assert "talk to someone" not in a.arguments["summary"], a.arguments
    assert seen >= 10


def test_a_refill_is_asked_for_a_visit_that_took_place():
    """Not for a visit still to come; the seeded visits hold completed ones without a refill yet."""
    _, d = extract("clinic/request-a-prescription-refill.md")
    tool = next(t for t in d.tools if t.name == "request_refill")
    guard = next(s for s in tool.effect if isinstance(s, RequireStep) and ".status in" in s.require)
    assert "['completed']" in guard.require and "cannot get a refill" in guard.message
    tasks, rejected = make_tasks(check_domain(d), per_domain=20, seed=0)
    assert any(t.workflow == "request_refill" for t in tasks), [r.reason for r in rejected]


def test_a_hold_is_placed_on_a_title_with_no_copy_on_the_shelf_and_the_agent_finds_it_by_name():
    import asyncio

    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
    from gem_env.stages.verify import verify

    _, d = extract("library/place-a-hold.md")
    tool = next(t for t in d.tools if t.name == "place_hold")
    assert [p.name for p in tool.parameters][:2] == ["member_id", "title_id"]
    assert any(isinstance(s, RequireStep) and "copies_available == 0" in s.require for s in tool.effect)
    holds = d.entity("holds")
    assert {f.foreign_key for f in holds.fields if f.foreign_key} == {"titles.title_id", "members.member_id"}
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    shelf = next(t for t in sb.dump(["titles"])["titles"].values() if t["copies_available"] > 0)
    member = next(iter(sb.dump(["members"])["members"]))
    refused = sb.call("place_hold", {"member_id": member, "title_id": shelf["title_id"], "reason": "branch pickup"})
    assert not refused.ok and "on the shelf" in refused.error and shelf["name"] in refused.error
    tasks, _ = make_tasks(compiled, per_domain=20, seed=0)
    held = [t for t in tasks if "place_hold" in t.workflow]
    assert held and all("on " in r.goal for t in held for r in t.scenario.requests if r.goal.startswith("place a hold"))
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t in held], concurrency=4))
    assert all(verify(t, r.messages, compiled).passed for t, r in zip(held, done))
    assert any(c["function"]["name"] == "list_titles" for r in done for m in r.messages for c in m.get("tool_calls") or [])


def test_a_complaint_is_filed_on_a_stay_under_way():
    _, d = extract("hotel/modify-a-reservation.md")
    tool = next(t for t in d.tools if t.name == "file_complaint")
    guard = next(s for s in tool.effect if isinstance(s, RequireStep) and ".status in" in s.require)
    assert "['checked in']" in guard.require


def test_a_renewal_tells_the_new_due_date_not_an_unchanged_status():
    _, d = extract("library/renew-a-loan.md")
    flow = next(w for w in d.workflows if w.name == "renew_loan")
    assert set(flow.tells) == {"due_date"}
    freeze = next(w for w in extract("bank/freeze-a-card.md")[1].workflows if w.name == "freeze_card")
    assert set(freeze.tells) == {"status"}


def test_whether_or_not_asks_and_refuses_nothing():
    d = extract_text("Cancel a subscription", """To cancel a membership subscription, pull up the customer's
account first. This returns whether or not the subscription is active or cancelled, and the amount due.
Then cancel the subscription for the customer and tell the customer the cancellation date.""")
    cancel = next(t for t in d.tools if t.name.startswith("cancel_"))
    assert not any(isinstance(s, RequireStep) and "!= 'active'" in s.require for s in cancel.effect)


def test_a_status_a_card_must_have_is_not_refused_and_a_closed_card_is_not_a_closing():
    """"Card must currently be in ACTIVE status (cannot freeze PENDING, CLOSED, or already FROZEN
    cards)" blocked closing active cards (ACTIVE and CLOSED read as refused): now it blocks freezing
    a closed or frozen card, and nothing else."""
    d = extract_text("Freeze a card", """Freeze a debit card when it is lost or stolen.
- Card must currently be in ACTIVE status (cannot freeze PENDING, CLOSED, or already FROZEN cards)
- Card must be in ACTIVE status (cannot change PIN on FROZEN, PENDING, or CLOSED cards)
1. Look up the customer's card.
2. Freeze the card and tell the customer.""")
    rules = {t.name: [s.require for s in t.effect if isinstance(s, RequireStep) and "!= '" in s.require]
             for t in d.tools}
    assert not any("!= 'active'" in r for rs in rules.values() for r in rs), rules
    assert rules.get("close_card", []) == [], rules
    assert {"card_row.status != 'frozen'", "card_row.status != 'closed'"} <= set(rules["freeze_card"])


def test_a_status_after_until_if_or_a_status_change_is_not_refused():
    """"cannot be cancelled until the parcel is delivered", "will not check if the order is pending",
    "will change the order status to 'pending' and you will not be able to modify it": none of
    these statuses is one the refusal is about."""
    d = extract_text("Manage an order", """Help the customer with their online order.
An order cannot be cancelled until the parcel is delivered or the order is cancelled by the shop.
The lookup tool will not check if the order is pending.
Changing the address will change the order status to 'processed', and you will not be able to modify the order anymore.
1. Find the customer's order.
2. Cancel the order or change its shipping address.""")
    blocked = [s.require for t in d.tools for s in t.effect or []
               if isinstance(s, RequireStep) and re.search(r"status != '(?:delivered|cancelled|pending|processed)'", s.require)]
    assert blocked == [], blocked


def test_a_state_said_in_an_if_clause_before_the_refusal_is_refused():
    d = extract_text("Close a card", """Close a credit card for the customer.
If a card is frozen, it cannot be closed.
1. Find the customer's card.
2. Close the card.""")
    close = next(t for t in d.tools if t.name == "close_card")
    assert any(isinstance(s, RequireStep) and s.require == "card_row.status != 'frozen'" for s in close.effect)


def _rollouts(compiled, tasks):
    import asyncio

    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
    from gem_env.stages.verify import verify
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t in tasks], concurrency=4))
    return done, [verify(t, r.messages, compiled).passed for t, r in zip(tasks, done)]


def _sessions_pass(compiled, *tools, per_domain=20):
    """The tasks whose workflow uses one of `tools` (there is one at least), rolled out with the
    offline agent and user: each passes verification. Returns (tasks, rollouts)."""
    tasks, _ = make_tasks(compiled, per_domain=per_domain, seed=0)
    mine = [t for t in tasks if any(tool in t.workflow for tool in tools)]
    assert mine
    done, passed = _rollouts(compiled, mine)
    assert all(passed)
    return mine, done


def test_a_meter_reading_is_submitted_under_the_texts_rules():
    """The document is about submitting a reading: its domain had no tool for it (only closing the
    account, a tariff and a payment plan). Now `submit_reading` adds one, refusing one dated more
    than 5 days back, in the future or lower than the last one, each with the text's sentence."""
    _, d = extract("utility/submit-a-meter-reading.md")
    tool = next(t for t in d.tools if t.name == "submit_reading")
    assert [p.name for p in tool.parameters] == ["account_id", "value", "read_at"]
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    account = next(a for a in sb.dump(["accounts"])["accounts"].values() if a["status"] == "active")
    last = max((r for r in sb.dump(["readings"])["readings"].values() if r["account_id"] == account["account_id"]),
               key=lambda r: (r["read_at"], r["value"]), default=None)
    top = last["value"] if last else 1000
    today = compiled.domain.clock[:10]
    call = lambda value, when: sb.call("submit_reading", {"account_id": account["account_id"], "value": value, "read_at": when})  # noqa: E731
    late = call(top + 10, "2024-12-01")
    assert not late.ok and "within 5 days" in late.error
    if last:
        lower = call(top - 1, today)
        assert not lower.ok and "lower than the last one" in lower.error
    ok = call(top + 10, today)
    assert ok.ok and ok.value["status"] == "actual" and ok.value["value"] == top + 10
    sb.close()
    mine, done = _sessions_pass(compiled, "submit_reading")
    assert mine[0].workflow.startswith("submit_reading")  # what the text is about comes first
    assert any(c["function"]["name"] == "submit_reading" for r in done for m in r.messages
               for c in m.get("tool_calls") or [])


def test_a_line_is_added_under_the_count_and_no_overdue_bill_rules():
    _, d = extract("telecom/add-a-line.md")
    tool = next(t for t in d.tools if t.name == "add_line")
    rules = [s.message for s in tool.effect if isinstance(s, RequireStep)]
    assert rules == ["An account can have at most 5 lines.", "Your account must be in good standing, with no overdue bill."]
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    lines, bills = sb.dump(["lines"])["lines"].values(), sb.dump(["bills"])["bills"].values()
    overdue = {lines_row["customer_id"] for lines_row in lines for b in bills
               if b["line_id"] == lines_row["line_id"] and b["status"] == "overdue"}
    held = {c: sum(x["customer_id"] == c and x["status"] != "closed" for x in lines) for c in sb.dump(["customers"])["customers"]}
    full = next(c for c, n in sorted(held.items()) if n >= 5)
    refused = sb.call("add_line", {"customer_id": full, "plan": "Plus"})
    assert not refused.ok and "at most 5 lines" in refused.error
    owing = next(c for c in sorted(overdue) if held[c] < 5)
    refused = sb.call("add_line", {"customer_id": owing, "plan": "Plus"})
    assert not refused.ok and "overdue bill" in refused.error
    clear = next(c for c, n in sorted(held.items()) if c not in overdue and n < 5)
    added = sb.call("add_line", {"customer_id": clear, "plan": "Plus"})
    assert added.ok and added.value["status"] == "active" and re.fullmatch(r"212-555-01\d\d", added.value["phone_number"])
    # stored in one format, as the new line's is (Faker's own mixed "(399)608-1701", "3996081701")
    assert all(re.fullmatch(r"[1-9]\d\d-\d{3}-\d{4}", x["phone_number"]) for x in lines)
    sb.close()
    _sessions_pass(compiled, "add_line")


def test_a_booking_from_the_catalog_is_a_workflow_the_customer_asks_for_in_their_own_words():
    """`book_visit` existed but no workflow used it, so "Book an appointment" never booked one:
    now the customer names the doctor, the time and the visit type, the assistant finds the doctor
    in the list and books; a time said in words goes in as the ISO text the field takes."""
    _, d = extract("clinic/book-an-appointment.md")
    assert d.workflows[0].name == "book_visit"  # what the document is about comes first
    flow = d.workflows[0]
    assert flow.goal == "book a visit with {doctor_name} on {starts_at} for a {visit_type}"
    compiled = check_domain(d)
    _, done = _sessions_pass(compiled, "book_visit")
    booked = [json.loads(c["function"]["arguments"]) for r in done for m in r.messages
              for c in m.get("tool_calls") or [] if c["function"]["name"] == "book_visit"]
    assert booked and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", b["starts_at"]) for b in booked)


def test_a_booking_costs_the_entrys_rate_times_what_it_counts_and_every_value_said_is_taken():
    assert next(w for w in extract("clinic/cancel-an-appointment.md")[1].workflows if w.category == "book").goal \
        .startswith("book an appointment with ")  # the article the user's words have, or they are not read
    _, d = extract("hotel/modify-a-reservation.md")
    book = next(t for t in d.tools if t.name == "book_reservation")
    assert "total_paid" not in [p.name for p in book.parameters]  # the service works it out
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    room = next(r for r in sb.dump(["rooms"])["rooms"].values() if r["rooms_left"] > 0)
    guest = next(iter(sb.dump(["guests"])["guests"]))
    made = sb.call("book_reservation", {"guest_id": guest, "room_id": room["room_id"], "check_in": "2025-02-10",
                                        "nights": 3, "guests": 2, "rate": "flexible"})
    assert made.ok
    row = sb.lookup("reservations", made.value["reservation_id"])
    assert row["total_paid"] == round(room["nightly_rate"] * 3, 2) and row["room_type"] == room["room_type"]
    sb.close()
    _, done = _sessions_pass(compiled, "book_reservation")
    # five values in one sentence: none is asked for again
    assert not any("the nights" in (m.get("content") or "") for r in done for m in r.messages if m["role"] == "assistant")


def test_what_the_title_is_about_comes_first_by_the_reasons_a_workflow_gives():
    """"Report a lost phone" is about suspending a line for a lost phone (its reason), "Add checked
    baggage" about the bags (bag ~ baggage), not a hand-off whose name shares "a" and "to"."""
    assert extract("telecom/report-a-lost-phone.md")[1].workflows[0].name == "suspend_line"
    assert extract("airline/add-checked-baggage.md")[1].workflows[0].name == "change_booking_bags"
    assert extract("telecom/add-a-line.md")[1].workflows[0].name == "add_line"


def test_a_payment_plan_title_is_about_a_payment_plan_not_a_payment():
    """"Set up a payment plan" (for an energy bill) was specialised as scheduled payments to
    contacts, because the title says "payment": the longest name in the title ("payment plan")
    decides, and the text's "an overdue balance of at least $100" guards the plan."""
    _, d = extract("utility/set-up-a-payment-plan.md")
    assert d.workflows[0].name == "request_payment_plan"
    tool = next(t for t in d.tools if t.name == "request_payment_plan")
    rules = {s.require: s.message for s in tool.effect if isinstance(s, RequireStep)}
    assert rules.get("account_row.balance_due >= 100.0") == "You must have an overdue balance of at least $100."


def test_a_row_repeats_what_the_catalog_entry_it_refers_to_says():
    """An item of product PRD-1 was a 'coffee grinder' at $89.31 while PRD-1 was a 'yoga mat' at
    $122.53; a loan's title was not its title's name. `same_as` seeds them from the entry; a
    catalog known by a listed name has one entry per name."""
    compiled = check_domain(extract("shop/exchange-an-item.md")[1])
    sb = compiled.new_sandbox()
    d = sb.dump(["items", "products"])
    assert all(i["product_name"] == d["products"][i["product_id"]]["name"]
               and i["amount"] == d["products"][i["product_id"]]["price"] for i in d["items"].values())
    names = [p["name"] for p in d["products"].values()]
    assert len(names) == len(set(names))
    sb.close()
    loans = check_domain(extract("library/renew-a-loan.md")[1]).new_sandbox()
    d = loans.dump(["loans", "titles"])
    assert all(loan["title"] == d["titles"][loan["title_id"]]["name"] for loan in d["loans"].values())
    loans.close()


def test_an_amount_holds_with_what_it_is_derived_from():
    """A booking paid $95.91 for 7 deluxe nights at $359.04, a flight for 4 at $647.86 cost $954.50,
    an order of $28.07 held items of $556.85: a `derived` field is seeded from the row and the rows
    it reads (the entry's rate times the nights, the items' sum, plus an extra fee where the order
    carries one), and a new booking costs what the seeded ones do."""
    def rows(doc: str, *tables: str) -> dict:
        sb = check_domain(extract(doc)[1]).new_sandbox()
        try:
            return sb.dump(list(tables))
        finally:
            sb.close()
    d = rows("hotel/modify-a-reservation.md", "reservations", "rooms")
    assert all(r["total_paid"] == round(d["rooms"][r["room_id"]]["nightly_rate"] * r["nights"], 2)
               for r in d["reservations"].values())
    d = rows("airline/add-checked-baggage.md", "bookings", "flights")
    factor = {"economy": 1, "premium": 1.6, "business": 3}  # a fare follows the cabin
    assert all(b["total_paid"] == round(round(d["flights"][b["flight_id"]]["price"] * b["passengers"], 2)
                                        * factor[b["cabin"]], 2) for b in d["bookings"].values())
    for doc in ("shop/cancel-an-order.md", "shop/extra-fee-on-an-order.md"):
        d = rows(doc, "orders", "items")
        held = collections.defaultdict(list)
        for i in d["items"].values():
            held[i["order_id"]].append(i["amount"])
        with_items = [o for o in d["orders"].values() if held[o["order_id"]]]
        assert with_items and all(o["total"] == round(round(sum(held[o["order_id"]]), 2) + (o.get("extra_fee") or 0), 2)
                                  for o in with_items), doc
    book = next(t for t in extract("hotel/modify-a-reservation.md")[1].tools if t.name.startswith("book_"))
    assert "nightly_rate * nights" in book.model_dump_json()


def test_an_item_was_bought_on_the_day_its_order_was_placed():
    """An order placed 2024-11-24 listed a blender purchased 2024-12-25 at 10:25 pm (197 tool
    replies of the banking and support runs): an item's purchase is on its order's day, at its own
    time of day."""
    sb = check_domain(extract("shop/return-an-item.md")[1]).new_sandbox()
    d = sb.dump(["orders", "items"])
    sb.close()
    assert d["items"] and all(i["purchased_at"][:10] == d["orders"][i["order_id"]]["placed_on"]
                              and len(i["purchased_at"]) > 10 for i in d["items"].values())


def test_an_order_is_scanned_after_it_was_placed():
    """A delivered order placed 2025-01-04 was last scanned 2024-12-31 (6 rows of `date_order.py`
    once delivered orders could be recent): a scan falls on or after the order's placing."""
    domain = extract("shop/track-an-order.md")[1]
    for seed in range(3):
        sb = check_domain(domain.model_copy(update={"seed": seed})).new_sandbox()
        orders = sb.dump(["orders"])["orders"].values()
        sb.close()
        scanned = [o for o in orders if o.get("last_scanned_at")]
        assert scanned and all(o["last_scanned_at"][:10] >= o["placed_on"] for o in scanned), seed


def test_a_price_follows_its_tier():
    """Every room list showed a standard room dearer than a suite ($374.21 against $359.04), a
    line on the Unlimited plan cheaper than one on Basic 5GB: a tier's price is its slice of the
    range, in the order the tiers are listed (the text's own plan names too)."""
    for doc, table, tier, price in [("hotel/modify-a-reservation.md", "rooms", "room_type", "nightly_rate"),
                                    ("telecom/change-your-plan.md", "lines", "plan", "monthly_price")]:
        compiled = check_domain(extract(doc)[1])
        entity = next(e for e in compiled.domain.entities if e.name == table)
        order = next(f.values for f in entity.fields if f.name == tier)
        sb = compiled.new_sandbox()
        got = [(r[tier], r[price]) for r in sb.dump([table])[table].values()]
        sb.close()
        assert len({t for t, _ in got}) > 1, (doc, got)
        assert all(p <= q for t, p in got for u, q in got if order.index(t) < order.index(u)), (doc, order, got)


def test_a_price_that_follows_its_tier_moves_with_it():
    """"Pick the new plan and check the monthly price": a line moved to another plan kept the old
    plan's price (a Basic price on Unlimited). The change moves it by the gap between the two tiers'
    ranges, so it lands in the new tier's range, and the workflow tells it."""
    doc, domain = extract("telecom/change-your-plan.md")
    compiled = check_domain(domain)
    order = next(f.values for e in domain.entities if e.name == "lines" for f in e.fields if f.name == "plan")
    by = next(f.by for e in domain.entities if e.name == "lines" for f in e.fields if f.name == "monthly_price")
    sb = compiled.new_sandbox()
    lines = [r for r in sb.dump(["lines"])["lines"].values() if r["status"] == "active"]
    moved = 0
    for line, new in ((r, t) for r in lines for t in order if t != r["plan"]):
        before = sb.dump(["lines"])["lines"][line["line_id"]]
        got = sb.call("update_line_plan", {"line_id": line["line_id"], "plan": new})
        if not got.ok:
            continue  # "not more than once in the same billing cycle"
        if got.value["pending_plan"] is not None:  # "downgrades start at the next billing cycle"
            assert got.value["monthly_price"] == before["monthly_price"] and order.index(new) < order.index(before["plan"])
            continue
        lo, hi = by["plan"][new].range
        assert lo <= got.value["monthly_price"] <= hi, (before, got.value)
        gap = by["plan"][new].range[0] - by["plan"][before["plan"]].range[0]
        assert abs(got.value["monthly_price"] - round(before["monthly_price"] + gap, 2)) < 0.005
        moved += 1
    sb.close()
    assert moved >= 3, moved
    flow = next(w for w in domain.workflows if w.name == "change_line_plan")
    assert "monthly_price" in flow.tells, flow.tells


def test_a_field_copied_from_a_catalog_entry_moves_the_record_to_the_new_entry():
    """A membership changed to another plan kept the old plan's id and fee ("plan": "Premium" beside
    the Basic plan's id and $10.03): the change finds the entry of the new plan and takes its id and
    everything else the record copies from it, and the workflow tells the new fee."""
    doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / "more-businesses.jsonl"])
               if d.id == "gym-freeze-membership")
    domain = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(domain, Domain), domain
    sb = check_domain(domain).new_sandbox()
    plans = {r["plan_name"]: r for r in sb.dump(["plans"])["plans"].values()}
    changed = 0
    for m in [r for r in sb.dump(["memberships"])["memberships"].values() if r["status"] == "active"][:4]:
        new = next(p for p in plans if p != m["plan"])
        got = sb.call("update_membership_plan", {"membership_id": m["membership_id"], "plan": new})
        assert got.ok, got.error
        after = sb.dump(["memberships"])["memberships"][m["membership_id"]]
        assert (after["plan"], after["plan_id"], after["monthly_fee"]) == (
            new, plans[new]["plan_id"], plans[new]["price"]), after
        changed += 1
    sb.close()
    assert changed
    flow = next(w for w in domain.workflows if w.name == "change_membership_plan")
    assert "monthly_fee" in flow.tells and "plan_id" not in flow.tells, flow.tells


def test_a_derived_field_reads_only_its_row_and_declared_tables():
    from gem_env.tools import compile_domain, parse_domain
    from gem_env.tools.errors import CompileError
    def domain(derived: str) -> dict:
        return {"name": "d", "entities": [
            {"name": "rooms", "primary_key": "room_id", "rows": 3,
             "fields": [{"name": "room_id"}, {"name": "rate", "type": "number", "range": [70, 450]}]},
            {"name": "stays", "primary_key": "stay_id", "rows": 6, "fields": [
                {"name": "stay_id"}, {"name": "room_id", "foreign_key": "rooms.room_id"},
                {"name": "nights", "type": "integer", "range": [1, 7]},
                {"name": "total", "type": "number", "range": [1, 9], "derived": derived}]}], "tools": []}
    compiled = compile_domain(parse_domain(domain("round(lookup('rooms', room_id).rate * nights, 2)")))
    sb = compiled.new_sandbox()
    d = sb.dump(["stays", "rooms"])
    sb.close()
    assert all(s["total"] == round(d["rooms"][s["room_id"]]["rate"] * s["nights"], 2) for s in d["stays"].values())
    with pytest.raises(CompileError, match="reads \\['guests'\\], which are not fields of stays"):
        compile_domain(parse_domain(domain("guests * 2")))
    with pytest.raises(CompileError, match="unknown tables \\['suites'\\]"):
        compile_domain(parse_domain(domain("lookup('suites', room_id).rate")))


def test_same_as_that_does_not_fit_says_what_there_is():
    from gem_env.tools import compile_domain, parse_domain
    from gem_env.tools.errors import CompileError
    text = {"name": "d", "entities": [
        {"name": "products", "primary_key": "product_id", "fields": [{"name": "product_id"}, {"name": "name"}]},
        {"name": "items", "primary_key": "item_id", "fields": [
            {"name": "item_id"}, {"name": "product_id", "foreign_key": "products.product_id"},
            {"name": "product_name", "same_as": "product_id.title"}]}], "tools": []}
    with pytest.raises(CompileError, match="products has no field 'title'; fields: product_id, name"):
        compile_domain(parse_domain(text))


def test_a_request_is_filed_on_a_record_it_can_be_filed_on():
    """A refill on file was of a visit still scheduled (and a payment plan of a paid bill), which
    the service's own rule refuses: a request's record is `among` those it may be filed on."""
    compiled = check_domain(extract("clinic/request-a-prescription-refill.md")[1])
    refills = next(e for e in compiled.domain.entities if e.name == "refills")
    key = next(f for f in refills.fields if f.foreign_key)
    assert key.among == {"status": ["completed"]}, key
    sb = compiled.new_sandbox()
    d = sb.dump(["refills", key.foreign_key.split(".")[0]])
    sb.close()
    parents = d[key.foreign_key.split(".")[0]]
    assert d["refills"] and all(parents[r[key.name]]["status"] == "completed" for r in d["refills"].values())
    from gem_env.tools import compile_domain, parse_domain
    from gem_env.tools.errors import CompileError
    bad = {"name": "d", "entities": [
        {"name": "visits", "primary_key": "visit_id", "fields": [{"name": "visit_id"}, {"name": "status"}]},
        {"name": "refills", "primary_key": "refill_id", "fields": [
            {"name": "refill_id"}, {"name": "visit_id", "foreign_key": "visits.visit_id", "among": {"state": ["done"]}}]}],
        "tools": []}
    with pytest.raises(CompileError, match=r"among \{state: \['done'\]\} must name a field of visits \(status, visit_id\)"):
        compile_domain(parse_domain(bad))


def test_a_status_reason_follows_the_status():
    """A frozen card had no reason on file (every status_reason was null): now a frozen card has one
    of the reasons cards are frozen for, an active card none (`by`), and a bad `by` says what exists."""
    compiled = check_domain(extract("bank/freeze-a-card.md")[1])
    sb = compiled.new_sandbox()
    cards = list(sb.dump(["cards"])["cards"].values())
    sb.close()
    freeze = next(t for t in compiled.domain.tools if t.name == "freeze_card")
    reasons = set(next(p.enum for p in freeze.parameters if p.name == "reason"))
    frozen = [c for c in cards if c["status"] == "frozen"]
    assert frozen and all(c["status_reason"] in reasons for c in frozen)
    assert all(c["status_reason"] is None for c in cards if c["status"] == "active")
    from gem_env.tools import compile_domain, parse_domain
    from gem_env.tools.errors import CompileError
    bad = {"name": "d", "entities": [{"name": "cards", "primary_key": "card_id", "fields": [
        {"name": "card_id"}, {"name": "state"}, {"name": "status_reason", "by": {"status": {"frozen": ["lost"]}}}]}],
        "tools": []}
    with pytest.raises(CompileError, match=r"must name one other field of cards \(card_id, state\)"):
        compile_domain(parse_domain(bad))


def test_dates_follow_the_status_the_record_is_in():
    """A refill was asked for a "completed" visit dated next week, at 5:28 am; an "overdue" loan was
    not due yet. Service records now date what their status says (the archetype's `when`)."""
    clock = None
    for doc, table, field, past, future in [
            ("clinic/request-a-prescription-refill.md", "visits", "starts_at", {"completed"}, {"scheduled"}),
            ("library/renew-a-loan.md", "loans", "due_date", {"overdue"}, {"active"}),
            ("hotel/modify-a-reservation.md", "reservations", "check_in", {"checked in"}, set())]:
        compiled = check_domain(extract(doc)[1])
        clock = compiled.domain.clock
        sb = compiled.new_sandbox()
        rows = list(sb.dump([table])[table].values())
        sb.close()
        assert {r["status"] for r in rows} & past, doc
        for r in rows:
            if r["status"] in past:
                assert r[field] <= clock, (doc, r)
            if r["status"] in future:
                assert r[field] > clock, (doc, r)
            if field == "starts_at":
                assert "08:00:00" <= r[field][11:] < "17:00:00" and r[field][14:16] in ("00", "15", "30", "45"), r


def test_a_date_the_status_sets_is_there_for_every_status():
    """Only pending orders had a `placed_on` (delivered ones were placed on null), only overdue
    bills an `issued_on`, only pending charges a `posted_at`. Every record now has the date, the
    statuses the archetype does not date falling in the last 90 days, before the recent ones."""
    for doc, table, field, recent in [("shop/exchange-an-item.md", "orders", "placed_on", "pending"),
                                      ("telecom/add-a-line.md", "bills", "issued_on", None),
                                      ("bank/freeze-a-card.md", "transactions", "posted_at", "pending")]:
        compiled = check_domain(extract(doc)[1])
        clock = compiled.domain.clock
        sb = compiled.new_sandbox()
        rows = list(sb.dump([table])[table].values())
        sb.close()
        assert len({r["status"] for r in rows}) > 1 and all(r[field] for r in rows), (doc, rows)
        assert all(r[field] <= clock for r in rows), doc
        if recent:
            newest_other = max(r[field] for r in rows if r["status"] != recent)
            assert all(r[field] > newest_other for r in rows if r["status"] == recent), doc


def test_an_item_is_exchanged_for_another_variant_under_the_texts_rules():
    """"Exchange an item for another size or colour" had no tool to exchange one. Items are now of a
    variant (a colour and size of their product, each option once per product); `exchange_item`
    swaps one from a delivered order for another in-stock variant of the same product, refusing with
    the text's sentences, and sessions do it; a shop text that never speaks of exchanges has none."""
    _, d = extract("shop/exchange-an-item.md")
    tool = next(t for t in d.tools if t.name == "exchange_item")
    assert [p.name for p in tool.parameters] == ["item_id", "variant_id"]
    rules = [s.message for s in tool.effect if isinstance(s, RequireStep)]
    assert rules[0].startswith("An exchange only works for items from a delivered order")
    assert "You cannot pick a variant that is out of stock." in rules
    assert d.workflows[0].name == "exchange_item"  # what the text is about comes first
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    state = sb.dump(["items", "orders", "product_variants", "products"])
    variants, items = state["product_variants"], state["items"]
    for item in items.values():  # an item is of its variant's product, named and priced as it
        v = variants[item["variant_id"]]
        assert (item["option"], item["product_id"]) == (v["option"], v["product_id"])
        assert item["product_name"] == state["products"][item["product_id"]]["name"]
    pairs = [(v["product_id"], v["option"]) for v in variants.values()]
    assert len(pairs) == len(set(pairs))

    def other(item: dict, in_stock: bool | None) -> str | None:
        return next((k for k, v in variants.items() if v["product_id"] == item["product_id"]
                     and k != item["variant_id"] and (in_stock is None or v["in_stock"] == in_stock)), None)
    open_items = [i for i in items.values() if i["status"] == "ordered"]
    delivered = [i for i in open_items if state["orders"][i["order_id"]]["status"] == "delivered"]
    item = next(i for i in delivered if other(i, True))
    if (gone := next((i for i in delivered if other(i, False)), None)) is not None:
        refused = sb.call("exchange_item", {"item_id": gone["item_id"], "variant_id": other(gone, False)})
        assert not refused.ok and refused.error == "You cannot pick a variant that is out of stock."
    foreign = next(k for k, v in variants.items() if v["product_id"] != item["product_id"])
    refused = sb.call("exchange_item", {"item_id": item["item_id"], "variant_id": foreign})
    assert not refused.ok and "same product" in refused.error
    waiting = next(i for i in open_items if state["orders"][i["order_id"]]["status"] != "delivered")
    refused = sb.call("exchange_item", {"item_id": waiting["item_id"], "variant_id": other(waiting, None) or foreign})
    assert not refused.ok and refused.error.startswith("An exchange only works for items from a delivered order")
    done = sb.call("exchange_item", {"item_id": item["item_id"], "variant_id": other(item, True)})
    assert done.ok and done.value["option"] == variants[other(item, True)]["option"]
    after = sb.dump(["items"])["items"]
    assert after[item["item_id"]]["status"] == "exchanged"
    assert after[done.value["new_item_id"]]["variant_id"] == other(item, True)
    sb.close()
    _, done_runs = _sessions_pass(compiled, "exchange_item")
    assert any(c["function"]["name"] == "exchange_item" for r in done_runs for m in r.messages
               for c in m.get("tool_calls") or [])
    assert not any(t.name.startswith("exchange_") for t in extract("shop/return-an-item.md")[1].tools)


def test_a_shipped_order_is_tracked_and_a_return_needs_a_delivered_order():
    """"Track an order" went the procedure way (`open_email_send`, `select_track_parcel`, a "shipping
    email" that was not the customer's). It is now the shop's domain with a carrier, a tracking number
    in the text's pattern (TRK + 9: "12 characters long and start with TRK") and a latest scan on
    shipped orders only; `track_order` refuses a pending one with the text's sentence. A return was
    filed on a cancelled order's item: a return now needs a delivered order."""
    _, d = extract("shop/track-an-order.md")
    assert d.workflows[0].name == "track_order"
    tool = next(t for t in d.tools if t.name == "track_order")
    assert [s.message for s in tool.effect if isinstance(s, RequireStep)] == \
        ["Orders that are still pending or processing have no tracking number yet."]
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    orders = list(sb.dump(["orders"])["orders"].values())
    shipped = [o for o in orders if o["status"] in ("processed", "delivered")]
    assert shipped and all(re.fullmatch(r"TRK\d{9}", o["tracking_number"]) and o["carrier"]
                           and o["last_scanned_at"] <= compiled.domain.clock for o in shipped)
    assert all(o["tracking_number"] is None and o["last_scanned_at"] is None for o in orders if o not in shipped)
    told = sb.call("track_order", {"order_id": shipped[0]["order_id"]})
    assert told.ok and told.value["tracking_number"] == shipped[0]["tracking_number"]
    pending = next(o for o in orders if o["status"] == "pending")
    refused = sb.call("track_order", {"order_id": pending["order_id"]})
    assert not refused.ok and "no tracking number yet" in refused.error
    items = sb.dump(["items"])["items"].values()
    stuck = next(i for i in items if i["status"] == "ordered"
                 and next(o for o in orders if o["order_id"] == i["order_id"])["status"] != "delivered")
    refused = sb.call("create_return", {"item_id": stuck["item_id"], "reason": "damaged"})
    assert not refused.ok and refused.error.startswith("Only items from a delivered order can get a return")
    sb.close()
    _sessions_pass(compiled, "track_order", "create_return")
    assert not any(t.name.startswith("track_") for t in extract("shop/cancel-an-order.md")[1].tools)


@pytest.mark.parametrize("doc", ["shop/return-an-item.md", "bank/freeze-a-card.md", "clinic/request-a-prescription-refill.md"])
def test_customers_ask_what_they_do_not_know(doc):
    """40% of lookups asked for the customer's own phone, city, zip, address or member-since date
    ("what's the phone on my customer profile?"), or the reason of a dispute they filed themselves;
    they ask about their records and the service's now (a status, a price, a tracking number), and
    compare their records by money ("which has the highest balance?", not "the highest failed logins")."""
    compiled = check_domain(extract(doc)[1])
    tasks, _ = make_tasks(compiled, per_domain=12, seed=0, kinds=("lookup", "multi_request"))
    asked = [(r.goal, a) for t in tasks for r in t.scenario.requests if r.kind == "lookup" for a in r.asks]
    assert asked
    owner = next(e.name for e in compiled.domain.entities if any(f.name == "email" for f in e.fields))
    assert not [g for g, a in asked if f"of {owner[:-1]} " in g and re.search(r"phone|address|city|zip|since", a)]
    assert not [g for g, a in asked if a == "reason"]
    from gem_env.tools.render import is_money
    compared = [a for t in tasks for r in t.scenario.requests if r.compare for a in r.asks]
    assert all(is_money(a, 1.0) for a in compared), compared  # "the highest balance", never "failed logins"


def test_reasons_the_text_lists_for_an_action_are_that_actions():
    """"Select **Suspend line** and give the reason `lost` or `stolen`" gave the payment plan its
    reasons ("request a payment plan for my bill because it was stolen"); they are the suspension's,
    said as the service says them (a lost phone: the line itself was not lost)."""
    _, d = extract("telecom/report-a-lost-phone.md")
    enums = {t.name: p.enum for t in d.tools for p in t.parameters if p.name == "reason"}
    assert enums["suspend_line"] == ["lost phone", "stolen phone"]
    assert "stolen" not in " ".join(enums["request_payment_plan"])


def test_a_pending_orders_item_is_changed_to_another_option_in_place():
    """τ-bench retail's "For a pending order, each item can be modified to an available new item of
    the same product but of different product option": `change_order_item` makes the item another
    in-stock variant of its product while the order is pending, and sessions do it."""
    from conftest import shared_path
    wiki = shared_path("external", "taubench", "tau-bench", "tau_bench", "envs", "retail", "wiki.md")
    doc = next(iter_documents([wiki]))
    d = OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t"))
    assert {"exchange_item", "change_order_item", "list_product_variants"} <= {t.name for t in d.tools}
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    state = sb.dump(["items", "orders", "product_variants"])
    variants = state["product_variants"]

    def other(item: dict) -> str | None:
        return next((k for k, v in variants.items() if v["product_id"] == item["product_id"]
                     and k != item["variant_id"] and v["in_stock"]), None)
    open_items = [i for i in state["items"].values() if i["status"] == "ordered" and other(i)]
    pending = next(i for i in open_items if state["orders"][i["order_id"]]["status"] == "pending")
    done = sb.call("change_order_item", {"item_id": pending["item_id"], "variant_id": other(pending)})
    assert done.ok and sb.dump(["items"])["items"][pending["item_id"]]["variant_id"] == other(pending)
    shipped = next(i for i in open_items if state["orders"][i["order_id"]]["status"] != "pending")
    refused = sb.call("change_order_item", {"item_id": shipped["item_id"], "variant_id": other(shipped)})
    assert not refused.ok and refused.error.startswith("Only items of a pending order can be changed")
    sb.close()
    _sessions_pass(compiled, "change_order_item", per_domain=12)


def test_a_rule_written_to_staff_is_told_to_the_customer_as_the_rule() -> None:
    """τ-bench's "As a retail agent, you can help users ... exchange delivered orders" (and τ²'s
    fragment "return or exchange delivered orders") was what a customer was told when an exchange
    was refused; the rule is said instead, with the order's status."""
    from gem_env.stages.extract.service import _said_plainly
    staff = "As a retail agent, you can help users cancel or modify pending orders, return or exchange delivered orders"
    for message in (staff, "return or exchange delivered orders"):
        tools = [{"name": "exchange_item", "effect": [
            {"require": "order_row.status in ['delivered']", "message": message},
            {"require": "item_row.status == 'ordered'", "message": "This item is {item_row.status}, so it cannot be exchanged"}]}]
        said = [s["message"] for s in _said_plainly(tools)[0]["effect"]]
        assert said == ["Only items of a delivered order can be exchanged; this order is {order_row.status}",
                        "This item is {item_row.status}, so it cannot be exchanged"]
    told = "An order can only be returned if its status is 'delivered', and you should check its status before taking the action."
    tools = [{"name": "create_return", "effect": [{"require": "order_row.status == 'delivered'", "message": told}]}]
    assert _said_plainly(tools)[0]["effect"][0]["message"] == \
        "An order can only be returned if its status is 'delivered'."  # not what staff should check
    kept = [{"name": "cancel_order", "effect": [{"require": "order_row.status in ['pending']",
                                                 "message": "Only `pending` orders can be cancelled."}]}]
    assert _said_plainly(kept)[0]["effect"][0]["message"] == "Only pending orders can be cancelled."


def test_tool_descriptions_read_as_english():
    """A model agent reads these: "A order's details", "its latest meter_readings", "Book a booking"
    were what it was given."""
    said = []
    for path in ("shop/return-an-item.md", "utility/submit-a-meter-reading.md", "airline/change-a-booking.md",
                 "clinic/book-an-appointment.md"):
        _, d = extract(path)
        said += [t.description for t in d.tools] + [p.description for t in d.tools for p in t.parameters]
    assert said and not [s for s in said if re.search(r"\b[a-z]+_[a-z_]+\b|\b[Aa] [aeio]\w|\bBook an? book", s)], said
    assert "An order's details with its latest items." in said


def test_a_reason_that_names_a_status_does_not_single_out_the_record():
    """"a refund for my membership because of charged while frozen" was read as "my frozen
    membership": the assistant took the one frozen membership without asking which. The choice
    the request gives is not a description of the record."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.stages.ground.episode import policy_prompt
    doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / "more-businesses.jsonl"])
               if d.id.endswith("gym-freeze-membership"))
    got = OfflineExtractor().extract(doc, RELEVANT)
    compiled = check_domain(got)
    refund = next(t.name for t in got.tools if t.name.startswith("request_refund"))
    finder = next(t.name for t in got.tools if t.name.startswith("find_") and t.name.endswith("_by_email"))
    sb = compiled.new_sandbox()
    try:
        state = sb.dump(["members", "memberships"])

        def one_frozen(member: str) -> tuple[str, str] | None:
            """(email, the one frozen membership, not the first listed) of a member with several."""
            email = state["members"][member]["email"]
            listed = [m["membership_id"] for m in sb.call(finder, {"email": email}).value["memberships"]]
            for m in listed:
                if state["memberships"][m]["status"] == "frozen":
                    assert sb.call("unfreeze_membership", {"membership_id": m}).ok
            frozen = next((m for m in reversed(listed[1:])
                           if sb.call("freeze_membership", {"membership_id": m, "reason": "travel"}).ok), None)
            return (email, frozen) if frozen else None
        email, frozen = next(got for got in map(one_frozen, sorted(state["members"])) if got)
        messages = [{"role": "system", "content": policy_prompt(got)},
                    {"role": "user", "content": f"Hi, I'd like to request a refund for my membership because of "
                                                f"charged while frozen. My email is {email}."}]
        agent = WorkflowAgent(compiled)
        call = agent.reply(messages)
        assert call["tool_calls"][0]["function"]["name"] == finder, call
        found = sb.call(finder, {"email": email})
        messages += [call, {"role": "tool", "tool_call_id": call["tool_calls"][0]["id"], "content": found.content}]
        nxt = agent.reply(messages)
        called = json.dumps(nxt.get("tool_calls") or [])
        assert refund not in called and frozen not in called, nxt  # it asks, or opens them from the first
    finally:
        sb.close()


def test_a_closed_account_holds_no_money():
    """A closed account's balance was paid out: seeded 0 ("which of my accounts has the highest
    balance?" was answered with a closed account holding $16,736.96); open and frozen ones hold money."""
    _, d = extract("bank/transfer-money.md")
    accounts = check_domain(d).new_sandbox().dump()["accounts"].values()
    by_status = {s: [r["balance"] for r in accounts if r["status"] == s] for s in ("open", "frozen", "closed")}
    assert by_status["closed"] and all(b == 0 for b in by_status["closed"]), by_status
    assert any(b > 0 for b in by_status["open"] + by_status["frozen"]), by_status


def test_a_new_address_is_told_whole():
    """After moving house the customer hears the whole new address ("The address is now 625 David
    Inlet." dropped the city and zip they had just given)."""
    import asyncio
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.ground.rollout import run_rollout
    _, d = extract("bank/transfer-money.md")
    compiled = check_domain(d)
    flow = next(w for w in d.workflows if w.name.endswith("_address"))
    assert "city" in flow.tells["address"] and "zip" in flow.tells["address"]
    task = next(t for t in make_tasks(compiled, per_domain=40)[0]
                if t.scenario.session()[0].goal.startswith("change my address"))
    traj = asyncio.run(run_rollout(task, compiled, WorkflowAgent(compiled), ScriptedUser(task.scenario)))
    knows = task.scenario.session()[0].knows
    moved = next(i for i, m in enumerate(traj.messages)
                 if any(c["function"]["name"].endswith("_address") for c in m.get("tool_calls") or []))
    told = next(m["content"] for m in traj.messages[moved:] if m["role"] == "assistant" and m.get("content"))
    assert traj.verification.passed and f"{knows['address']}, {knows['city']} {knows['zip']}" in told, told


def test_a_service_whose_kind_its_archetype_says_is_called_so():
    """A utility's payment plan is "our utility service" (the filter's keyword vote said banking),
    a car rental "our rental service" (it said retail); elsewhere the vote stands."""
    from gem_env.stages.ground.episode import policy_prompt
    from gem_env.stages.filter import OfflineFilter
    for path, service_kind in (("utility/set-up-a-payment-plan.md", "utility"), ("more-businesses.jsonl", "rental"),
                               ("bank/transfer-money.md", "banking")):
        doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / path]) if "gym" not in d.id)
        d = OfflineExtractor().extract(doc, OfflineFilter().judge(doc))
        assert policy_prompt(d).startswith(f"You are a customer support assistant for our {service_kind} service."), \
            policy_prompt(d)[:120]


def test_a_change_workflow_is_kept_only_by_the_rules_its_tool_checks():
    """A bank guide's "Credits may only be applied to checking accounts (not savings accounts ...)"
    is a rule of applying credits: the overdraft protection workflow's anchor read it too (`!=
    'checking' and != 'savings'`), kept no account and admitted no task in three guides. Its anchor
    holds only what its tool requires."""
    from conftest import shared_path
    corpus = shared_path("corpora", "tau2_banking_kb_docs.jsonl")
    wanted = {f"tau2-banking-kb:doc_bank_accounts_bank_accounts_(general)_{n}" for n in ("002", "017", "046")}
    docs = [d for d in iter_documents([corpus]) if d.id in wanted]
    assert len(docs) == 3
    for doc in docs:
        d = OfflineExtractor().extract(doc, OfflineFilter().judge(doc))
        flow = next(w for w in d.workflows if w.name == "change_account_overdraft_protection")
        requires = {s.require.replace("account_row.", "row.") for s in d.tool("update_account_overdraft_protection").effect
                    if isinstance(s, RequireStep)}
        # ... and the kinds the seed gives the feature (no savings account has it turned on: `_kind_allows`)
        kinds = {c for c in flow.anchor.filter.split(" and ") if c.startswith("(row.account_type != 'savings' or ")}
        assert set(flow.anchor.filter.split(" and ")) - kinds <= requires, (doc.id, flow.anchor.filter, requires)
        _, refused = make_tasks(check_domain(d), per_domain=3)
        assert not [r for r in refused if "change_account_overdraft_protection" in str(r)], refused


def test_a_service_is_named_by_a_kind_its_archetype_can_be_part_of():
    """A shop's subscription guide was "our library service" (the filter's keyword vote: renew,
    hold); a kind of service the archetype cannot be part of is not said, the archetype's own is."""
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "shop" / "cancel-an-order.md"]))
    for label, said in [("library", "(orders service)"), ("retail", "(orders service) (retail)")]:
        verdict = Verdict(id=doc.id, relevant=True, score=1.0, reason="x", labels={"domain": label})
        domain = OfflineExtractor().extract(doc, verdict)
        assert isinstance(domain, Domain) and domain.description.endswith(said), (label, domain.description)


def test_a_rule_that_opens_with_a_pronoun_keeps_the_sentence_it_refers_to():
    """τ-bench retail's "They have no relations and should not be confused." was a policy line of
    its own; it is said with the sentence naming what "they" are."""
    text = ("# Retail agent policy\n\nAs a retail agent, you can help users cancel or modify pending orders, "
            "return or exchange delivered orders, and update their address.\n\n"
            "- Each product has an unique product id, and each item has an unique item id. They have no "
            "relations and should not be confused.\n"
            "- An order can only be cancelled if its status is 'pending'.\n"
            "- The customer must confirm the order id before any change.\n")
    d = extract_text("Retail agent policy", text)
    rules = [p.text for p in d.policy]
    assert ("Each product has an unique product id, and each item has an unique item id. They have no "
            "relations and should not be confused.") in rules, rules
    assert not any(r.startswith("They ") for r in rules), rules
    assert all(text[p.span.start:p.span.end] == p.span.text for p in d.policy)


def test_a_kind_the_text_lists_for_the_record_is_a_field_its_rules_and_bookings_use():
    """"It holds ... the cabin (...) and the fare type (`Light`, `Classic` or `Flex`)." and "`Light`
    fares cannot be changed.": the airline domain had no fare type, so the rule was lost."""
    _, d = extract("airline/change-a-booking.md")
    fare = d.entity("bookings").field("fare_type")
    assert fare is not None and fare.values == ["light", "classic", "flex"]
    move = d.tool("update_booking_flight")
    rule = next(s for s in move.effect if isinstance(s, RequireStep) and "fare_type" in s.require)
    assert rule.require == "booking_row.fare_type != 'light'" and rule.message == "Light fares cannot be changed."
    assert "fare_type" in [p.name for p in d.tool("create_booking").parameters]
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    light = next(b for b in sb.dump(["bookings"])["bookings"].values()
                 if b["fare_type"] == "light" and b["status"] == "confirmed")
    refused = sb.call("update_booking_cabin", {"booking_id": light["booking_id"],
                                               "cabin": "business" if light["cabin"] != "business" else "economy"})
    assert not refused.ok and refused.error == "Light fares cannot be changed."
    sb.close()


def test_a_change_charges_the_fee_and_fare_difference_the_text_states():
    """"`Classic` fares can be changed for a fee of $60 per passenger per flight; `Flex` fares change
    for free." and "If the new flight costs more, you pay the difference": moving a booking cost
    nothing and its total stayed as it was."""
    _, d = extract("airline/change-a-booking.md")
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    state = sb.dump(["bookings", "flights"])
    flights = state["flights"]
    for fare in ("classic", "flex"):
        booking, other = next((b, f) for b in state["bookings"].values() for f in flights.values()
                              if b["fare_type"] == fare and b["status"] == "confirmed" and f["flight_id"] != b["flight_id"]
                              and (f["origin"], f["destination"]) == (b["origin"], b["destination"]) and f["seats_left"] > 0)
        moved = sb.call("update_booking_flight", {"booking_id": booking["booking_id"], "flight_id": other["flight_id"]})
        assert moved.ok, moved.error
        fee = 60 * booking["passengers"] if fare == "classic" else 0
        difference = max(0, other["price"] - flights[booking["flight_id"]]["price"]) * booking["passengers"]
        assert moved.value["amount_charged"] == round(fee + difference, 2)
        assert moved.value["total_paid"] == round(booking["total_paid"] + moved.value["amount_charged"], 2)
    sb.close()
    flow = next(w for w in d.workflows if w.name == "update_booking_flight")
    assert "amount_charged" in flow.tells


def test_a_deadline_before_departure_binds_the_booking_date_that_repeats_the_flights():
    """"Changes must be made at least 3 hours before the original departure." and "Bags can only be
    added online up to 24 hours before departure.": a booking's `travel_date` is its flight's
    departure date, so both bind it (neither did)."""
    for path, tool, days in (("airline/change-a-booking.md", "update_booking_flight", 1),
                             ("airline/add-checked-baggage.md", "update_booking_bags", 1)):
        _, d = extract(path)
        rules = [s.require for s in d.tool(tool).effect if isinstance(s, RequireStep)]
        assert f"days_between(today, booking_row.travel_date) >= {days}" in rules, (path, rules)


def test_a_renewal_follows_the_texts_limit_period_and_others_holds():
    """"Each loan can be renewed up to 2 times, for 21 days each time." and "An item cannot be
    renewed if another member has placed a hold on it.": the archetype's own 14 days and guard
    stood, and a loan another member waits for was renewed."""
    _, d = extract("library/renew-a-loan.md")
    renew = d.tool("renew_loan")
    rules = {s.message: s.require for s in renew.effect if isinstance(s, RequireStep)}
    assert rules["Each loan can be renewed up to 2 times, for 21 days each time."] == "loan_row.renewals < 2"
    assert "A loan can be renewed twice at most" not in rules
    held = rules["An item cannot be renewed if another member has placed a hold on it."]
    sb = check_domain(d).new_sandbox()
    state = sb.dump(["loans", "holds"])
    waited = {(h["title_id"], h["member_id"]) for h in state["holds"].values()}
    outcomes = set()
    for loan in (x for x in state["loans"].values() if x["status"] == "active" and x["renewals"] < 2):
        others = any(t == loan["title_id"] and m != loan["member_id"] for t, m in waited)
        got = sb.call("renew_loan", {"loan_id": loan["loan_id"]})
        assert got.ok == (not others), (loan, got.error)
        outcomes.add(got.ok)
        if got.ok:
            import datetime as dt
            assert got.value["due_date"] == (dt.date.fromisoformat(loan["due_date"]) + dt.timedelta(days=21)).isoformat()
        else:
            assert got.error == "An item cannot be renewed if another member has placed a hold on it."
    assert "holds" in held and outcomes == {True, False}
    sb.close()


def test_a_change_the_text_limits_by_its_own_verb_is_counted():
    """"An appointment can be rescheduled at most twice.": rescheduling is the change of its start
    time (the archetype names the verb), so the appointment counts its reschedules and a third is
    refused (the rule was lost: only an action with its own counter could be limited)."""
    _, d = extract("clinic/reschedule-an-appointment.md")
    assert d.entity("appointments").field("reschedule_count") is not None
    sb = check_domain(d).new_sandbox()
    rows = sb.dump(["appointments"])["appointments"].values()
    full = next(a for a in rows if a["status"] == "scheduled" and a["reschedule_count"] == 2)
    free = next(a for a in rows if a["status"] == "scheduled" and a["reschedule_count"] < 2)
    refused = sb.call("update_appointment_starts_at", {"appointment_id": full["appointment_id"], "starts_at": "2025-02-20T10:00:00"})
    assert not refused.ok and refused.error == "An appointment can be rescheduled at most twice."
    moved = sb.call("update_appointment_starts_at", {"appointment_id": free["appointment_id"], "starts_at": "2025-02-20T10:00:00"})
    assert moved.ok, moved.error
    assert sb.dump(["appointments"])["appointments"][free["appointment_id"]]["reschedule_count"] == free["reschedule_count"] + 1
    sb.close()


def test_a_most_per_kind_of_room_holds_in_seeds_changes_and_bookings():
    """"A room can host at most 2 guests in `standard`, 3 in `deluxe` and 4 in a `suite`.": a
    standard room took 4 guests (the rule was lost)."""
    _, d = extract("hotel/modify-a-reservation.md")
    most = {"standard": 2, "deluxe": 3, "suite": 4}
    sb = check_domain(d).new_sandbox()
    state = sb.dump(["reservations", "rooms"])
    rows = list(state["reservations"].values())
    assert all(r["guests"] <= most[r["room_type"]] for r in rows)
    std = next(r for r in rows if r["room_type"] == "standard" and r["status"] == "confirmed" and r["rate"] != "non-refundable"
               and r["check_in"] >= "2025-01-20")
    refused = sb.call("update_reservation_guests", {"reservation_id": std["reservation_id"], "guests": 3})
    assert not refused.ok and "at most 2 guests in standard" in refused.error, refused.error
    suite = next((r for r in rows if r["room_type"] == "suite" and r["guests"] >= 3 and r["status"] == "confirmed"
                  and r["rate"] != "non-refundable" and r["check_in"] >= "2025-01-20"), None)
    if suite is not None:
        got = sb.call("update_reservation_room_type", {"reservation_id": suite["reservation_id"], "room_type": "standard"})
        assert not got.ok and "at most 2 guests" in got.error
    room = next(r for r in state["rooms"].values() if r["room_type"] == "standard" and r["rooms_left"] > 0)
    guest = rows[0]["guest_id"]
    booked = sb.call("book_reservation", {"guest_id": guest, "room_id": room["room_id"], "check_in": "2025-02-10",
                                          "nights": 2, "guests": 4, "rate": "flexible"})
    assert not booked.ok and "at most 2 guests in standard" in booked.error, booked.error
    sb.close()


def test_the_most_requests_a_customer_has_at_once_is_a_rule():
    """"You can have at most 15 holds at once." was lost; it is a rule of placing one, in the text's
    words, counting the member's holds still open (with a most of 1: a member holding one is refused)."""
    _, d = extract("library/place-a-hold.md")
    rules = {s.message: s.require for s in d.tool("place_hold").effect if isinstance(s, RequireStep)}
    assert rules["You can have at most 15 holds at once."].endswith("< 15")
    text = (ROOT / "examples" / "corpus" / "library" / "place-a-hold.md").read_text().replace("at most 15", "at most 1")
    sb = check_domain(extract_text("Place a hold on a book", text)).new_sandbox()
    state = sb.dump(["holds", "titles", "members"])
    waiting = [t for t in state["titles"].values() if t["copies_available"] == 0]
    holding = {h["member_id"] for h in state["holds"].values()}
    outcomes = set()
    for member in state["members"]:
        title = next((t for t in waiting if not any(h["member_id"] == member and h["title_id"] == t["title_id"]
                                                    for h in state["holds"].values())), None)
        if title is None:
            continue
        got = sb.call("place_hold", {"member_id": member, "title_id": title["title_id"], "reason": d.tool("place_hold").parameters[2].enum[0]})
        assert got.ok == (member not in holding), (member, got.error)
        if not got.ok:
            assert got.error == "You can have at most 1 holds at once."
        outcomes.add(got.ok)
    assert outcomes == {True, False}
    sb.close()


def test_a_record_of_a_product_has_the_products_kind():
    """Half the seeded accounts of the savings products were "checking" accounts (a Silver Account
    of type checking beside one of type savings): an account's type is now its product's, and a
    checking account is of none of the text's savings products."""
    _, d = extract("bank/open-a-savings-account.md")
    sb = check_domain(d).new_sandbox()
    state = sb.dump(["accounts", "products"])
    of_products = [a for a in state["accounts"].values() if a.get("product_id")]
    assert len(of_products) >= 10
    assert all(a["account_type"] == state["products"][a["product_id"]]["account_type"] for a in of_products)
    assert {a["account_type"] for a in state["accounts"].values() if not a.get("product_id")} == {"checking"}
    sb.close()


def test_a_products_name_says_its_kind_where_the_text_does_not():
    """A text on adding employee cards to a "Business Bronze Rewards Card" names no kind: the card
    was seeded as a debit card (the first kind); a rewards card is a credit card, a saver a savings
    account."""
    d = extract_text("Business Bronze Rewards Card: Adding Employee Cards to Your Account",
                     "You can add up to 7 employee cards under your business account. Open the card settings, "
                     "enter the employee's legal name and email, then submit. Adjust spending controls at any time.")
    products = [r for e in d.entities if e.name == "products" for r in e.data or []]
    assert [(p["name"], p["card_type"]) for p in products] == [("Business Bronze Rewards Card", "credit")]


def test_a_late_cancellation_is_charged_the_texts_fee_but_for_the_kind_it_exempts():
    """"Late cancellations ... are charged a fee of $25, unless the visit was a vaccination." with "If
    the appointment is less than 24 hours away ... the late fee is added" was lost: cancelling within
    24 hours now records the fee on the appointment (and says it), a vaccination none, an early one none."""
    _, d = extract("clinic/cancel-an-appointment.md")
    sb = check_domain(d).new_sandbox()
    scheduled = [a for a in sb.dump(["appointments"])["appointments"].values() if a["status"] == "scheduled"]
    kinds = {a["visit_type"] for a in scheduled}
    assert "vaccination" in kinds and len(kinds) >= 2
    seen = {}
    soon = "2025-01-16T12:00:00"  # 24 hours after the domain's clock
    assert sb.clock["now"] == "2025-01-15T12:00:00"
    for a in scheduled:
        moved = a["visit_type"] not in seen
        late = moved or a["starts_at"] < soon  # one seeded less than 24 hours away is late as it is
        if moved:
            assert sb.call("update_appointment_starts_at", {"appointment_id": a["appointment_id"],
                                                            "starts_at": "2025-01-16T09:00:00"}).ok
        got = sb.call("cancel_appointment", {"appointment_id": a["appointment_id"], "reason": "conflict"})
        assert got.ok, got.error
        fee = got.value["late_fee"]
        assert fee == (25 if late and a["visit_type"] != "vaccination" else None), (a, fee)
        assert sb.dump(["appointments"])["appointments"][a["appointment_id"]]["late_fee"] == fee
        seen.setdefault(a["visit_type"], fee)
    assert len(seen) == len(kinds)
    sb.close()


def test_a_transfers_reference_is_bounded_as_the_text_says():
    """"Enter the amount and an optional reference of up to 18 characters." was lost: a longer
    reference is refused, a short one or none goes through."""
    _, d = extract("bank/transfer-money.md")
    sb = check_domain(d).new_sandbox()
    accounts = [a for a in sb.dump(["accounts"])["accounts"].values() if a["status"] == "open"]
    src, dst = next((x, y) for x in accounts for y in accounts
                    if x is not y and x["customer_id"] == y["customer_id"] and x["balance"] > 50)
    args = {"source_account_id": src["account_id"], "destination_account_id": dst["account_id"], "amount": 10}
    assert sb.call("transfer_funds", {**args, "reference": "rent"}).ok
    assert sb.call("transfer_funds", args).ok
    long = sb.call("transfer_funds", {**args, "reference": "x" * 19})
    assert not long.ok and long.error == "A reference can be at most 18 characters long"
    sb.close()


def test_a_limit_the_text_caps_is_seeded_and_raised_within_the_cap():
    """"Set the threshold at or below $1,250" capped `update_card_spending_limit`, but cards were
    seeded up to $5,000 and the change raised a limit by a quarter: the gold failed in every try
    and the workflow had no task. Seeded limits and the raise both stay within the cap now."""
    from conftest import shared_path
    from gem_env.io.corpus import iter_documents
    path = shared_path("corpora", "tau2_banking_kb_docs.jsonl")
    doc = next(d for d in iter_documents([path]) if d.id == "tau2-banking-kb:doc_business_credit_cards_silver_zoom_card_006")
    compiled = check_domain(OfflineExtractor().extract(doc, RELEVANT))
    sb = compiled.new_sandbox()
    limits = [c["spending_limit"] for c in sb.dump(["cards"])["cards"].values()]
    sb.close()
    assert limits and max(limits) <= 1250
    tasks, rejected = make_tasks(compiled, per_domain=3, seed=0)
    assert not rejected and any(t.workflow == "change_card_spending_limit" or "change_card_spending_limit" in t.id
                                for t in tasks), [r.reason for r in rejected]


def test_seeds_hold_together_a_few_records_each_and_every_kind_in_its_share():
    """A gym member had 8 memberships and 24 orders weighted 6:2:2:1 could hold no delivered one (a
    return of a delivered order's item then had no task): a parent holds at most its share + 2 of
    a table's rows, and an enumeration is dealt in proportion to its weights."""
    import collections
    _, d = extract("shop/track-an-order.md")
    sb = check_domain(d).new_sandbox()
    state = sb.dump(["orders", "items", "customers"])
    sb.close()
    assert collections.Counter(o["status"] for o in state["orders"].values()) == \
        {"pending": 13, "processed": 5, "delivered": 4, "cancelled": 2}  # 24 x 6:2:2:1, largest remainders
    per_customer = collections.Counter(o["customer_id"] for o in state["orders"].values())
    assert max(per_customer.values()) <= -(-len(state["orders"]) // len(state["customers"])) + 2
    per_order = collections.Counter(i["order_id"] for i in state["items"].values())
    assert max(per_order.values()) <= -(-len(state["items"]) // len(state["orders"])) + 2


def test_no_pending_child_records_in_a_closing_checklist_holds_the_closing_back():
    """tau2 banking's "Verify all of the following before closing: ... - No pending transactions for
    this account" was lost: accounts with pending transactions were closed. The item, under a
    heading or lead-in naming the action, is a rule of that action's tool and workflow anchor."""
    text = ("# Closing a bank account\n\nCustomers can close an open checking or savings account. Transactions "
            "post to the account and may be pending for a few days.\n\n## Pre-Closure Requirements\n\n"
            "Verify all of the following before closing:\n- Account status is OPEN\n"
            "- No pending transactions for this account\n\n## Closure Procedure\n\n"
            "1. Verify pre-closure requirements are met.\n2. Close the account.\n")
    d = extract_text("Closing a bank account", text)
    close = d.tool("close_account")
    rules = [s for s in close.effect if isinstance(s, RequireStep) and "count_rows" in s.require]
    assert len(rules) == 1 and "'pending'" in rules[0].require, [s.require for s in close.effect if isinstance(s, RequireStep)]
    assert rules[0].message == "An account with pending transactions cannot be closed"
    flow = next(w for w in d.workflows if w.name == "close_account")
    assert rules[0].require.replace("account_row.", "row.") in flow.anchor.filter
    sandbox = check_domain(d).new_sandbox()
    rows = sandbox.dump()
    pending = {t["account_id"] for t in rows["transactions"].values() if t["status"] == "pending"}
    held = next(a for a in rows["accounts"].values() if a["status"] == "open" and a["account_id"] in pending)
    clear = next(a for a in rows["accounts"].values() if a["status"] == "open" and a["account_id"] not in pending)
    refused = sandbox.call("close_account", {"account_id": held["account_id"], "reason": "fees"})
    assert not refused.ok and "pending transactions" in refused.error
    assert sandbox.call("close_account", {"account_id": clear["account_id"], "reason": "fees"}).ok
    # the action named only by the title and opening sentence (tau2's "Closing/Cancelling a Debit Card":
    # "## Requirements ... 4. No pending transactions: The card must not have any pending ... transactions")
    card = ("Procedure for when a customer wants to close their debit card or freeze it. Card transactions may be "
            "pending for a few days before they post.\n\n## Requirements\n\n1. The card must be active\n"
            "2. No pending transactions: The card must not have any pending transactions.\n")
    cards = extract_text("Closing a Debit Card", card)
    held = [s.message for s in cards.tool("close_card").effect if isinstance(s, RequireStep) and "count_rows" in s.require]
    assert held == ["A card with pending transactions cannot be closed"], held
    assert not [s for s in cards.tool("freeze_card").effect if isinstance(s, RequireStep) and "count_rows" in s.require]
    # a text that does not say it keeps closing as it was
    plain = extract_text("Closing a bank account", text.replace("- No pending transactions for this account\n", ""))
    assert not [s for s in plain.tool("close_account").effect if isinstance(s, RequireStep) and "count_rows" in s.require]


def test_a_record_closed_in_a_session_reads_as_the_seeded_closed_ones_do():
    # the seed pays out a closed account (`by: {status: {closed: [0]}}`); closing one sets it too
    _, d = extract("bank/transfer-money.md")
    sb = check_domain(d).new_sandbox()
    accounts = sb.dump(["accounts"])["accounts"]
    assert all(a["balance"] == 0 for a in accounts.values() if a["status"] == "closed")
    held = next(a for a in accounts.values() if a["status"] == "open" and a["balance"] > 0)
    closed = sb.call("close_account", {"account_id": held["account_id"], "reason": "no longer needed"})
    assert closed.ok, closed.error
    assert closed.value["status"] == "closed" and closed.value["balance"] == 0
    assert sb.dump(["accounts"])["accounts"][held["account_id"]]["balance"] == 0
    # ... and says where the money went: what it held is paid out ("I've closed your account." alone
    # left $16,389.17 unaccounted for), which the agent tells
    assert closed.value["amount_paid_out"] == held["balance"]
    from gem_env.agents.speech import facts_told
    told = facts_told(random.Random(0), [("amount_paid_out", held["balance"])], after_write=True)
    assert "paid out to you" in told[0] and f"{held['balance']:,.2f}" in told[0], told


def test_a_question_across_records_leaves_out_the_closed_ones():
    """"Which of my accounts has the lowest balance?" was answered with a closed account (its balance
    paid out, or never a balance to use): the ended records are read but not compared."""
    import random
    from gem_env.stages.tasks.compare import compare
    from gem_env.tools.render import ended
    _, d = extract("bank/transfer-money.md")
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    accounts = list(sb.dump(["accounts"])["accounts"].values())
    owners = {}
    for a in accounts:
        owners.setdefault(a["customer_id"], []).append(a)
    mixed = [rs for rs in owners.values() if any(ended(r) for r in rs) and sum(not ended(r) for r in rs) >= 2]
    assert mixed
    for rs in mixed:
        built = compare(compiled, "accounts", rs[0], sb, random.Random(0))
        assert not isinstance(built, str), built
        best = built.outputs["account_id"]
        assert not ended(next(r for r in rs if r["account_id"] == best))


def test_a_lines_bills_are_its_monthly_price_a_month_apart():
    """A line at $45.50 a month had bills of $125.89, $17.08 and $12.95, issued days apart: a bill
    is the line's monthly price, and a line's bills fall a month apart on its billing day."""
    import datetime as dt
    _, d = extract("telecom/add-a-line.md")
    dump = check_domain(d).new_sandbox().dump(["lines", "bills"])
    lines, bills = dump["lines"], dump["bills"]
    by_line: dict = {}
    for b in bills.values():
        assert b["amount"] == lines[b["line_id"]]["monthly_price"], b
        by_line.setdefault(b["line_id"], []).append(dt.date.fromisoformat(b["issued_on"]))
    assert any(len(days) > 1 for days in by_line.values())
    for days in by_line.values():
        days.sort()
        assert all((b - a).days % 30 == 0 and b > a for a, b in zip(days, days[1:])), days


def _cabin_domain(extra: str = "") -> Domain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "airline" / "change-a-booking.md"]))
    return extract_text(doc.title or "Change a flight booking", doc.text + extra)


def test_a_fare_follows_the_cabin():
    """A premium booking cost what an economy one did: the flight's price is its economy fare, and a
    booking's total is it times the passengers times the cabin's factor, seeded and booked alike."""
    from gem_env.stages.extract.archetypes import TIER_FACTORS
    d = _cabin_domain()
    sb = check_domain(d).new_sandbox()
    main = next(e.name for e in d.entities if any(f.name == "cabin" for f in e.fields))
    dump = sb.dump([main, "flights"])
    cabins = next(f.values for e in d.entities if e.name == main for f in e.fields if f.name == "cabin")
    factor = {c: TIER_FACTORS[i] for i, c in enumerate(cabins)}
    for r in dump[main].values():
        price = dump["flights"][r["flight_id"]]["price"]
        assert abs(r["total_paid"] - round(price * r["passengers"], 2) * factor[r["cabin"]]) < 0.02, r
    assert {r["cabin"] for r in dump[main].values()} == set(cabins)


def test_a_cabin_change_moves_money_only_where_the_text_says_so():
    """With no word on it a cabin change charges nothing (the total stays); where the text says the
    customer pays the difference, the total moves to the new cabin's fare and the reply tells it."""
    for extra, repriced in (("", False), ("\n\nCabin changes require you to pay the difference between the "
                                          "two cabins.\n", True)):
        d = _cabin_domain(extra)
        tool = next(t for t in d.tools if t.name.endswith("_cabin"))
        sb = check_domain(d).new_sandbox()
        main = next(e for e in d.entities if any(f.name == "cabin" for f in e.fields))
        row = next(r for r in sb.dump([main.name])[main.name].values() if r["cabin"] == "economy"
                   and r["status"] == "confirmed")
        got = sb.call(tool.name, {main.primary_key: row[main.primary_key], "cabin": "business"})
        assert got.ok, got.error
        after = sb.dump([main.name])[main.name][row[main.primary_key]]["total_paid"]
        if repriced:
            assert after == round(row["total_paid"] * 3, 2) and got.value["fare_difference"] == round(after - row["total_paid"], 2)
        else:
            assert after == row["total_paid"] and "fare_difference" not in got.value


def test_a_variant_is_one_its_products_kind_comes_in():
    """Every product came in "colour, size": a coffee grinder in size M. A variant's option is one
    its product's kind comes in (running shoes in sizes, a grinder in finishes), and two variants of
    one product never read the same; an item says its variant's option."""
    from gem_env.stages.extract.archetypes import _OPTIONS_BY_KIND
    _, d = extract("shop/exchange-an-item.md")
    dump = check_domain(d).new_sandbox().dump()
    variants, products = dump["product_variants"], dump["products"]
    seen: dict = {}
    for v in variants.values():
        kind = products[v["product_id"]]["name"]
        assert v["option"] in _OPTIONS_BY_KIND[kind], (kind, v)
        assert v["option"] not in seen.setdefault(v["product_id"], set()), v
        seen[v["product_id"]].add(v["option"])
    assert not any("size" in v["option"] for v in variants.values()
                   if products[v["product_id"]]["name"] in ("coffee grinder", "blender", "desk lamp"))
    assert all(i["option"] == variants[i["variant_id"]]["option"] for i in dump["items"].values() if i.get("variant_id"))


_EMAIL_TEXT = """# Change the email on your account

You can change the email address we use to sign you in and send you statements.

1. Sign in to online banking and open **Profile**.
2. Select **Email address** and enter the new email address.
3. We send a confirmation code to the new address; enter it to confirm.

You cannot use an email address that is already on another customer's account.
"""


def test_a_text_about_changing_the_email_serves_that_request():
    """"Change the email on your account" got a domain with no way to change an email: the owner's
    email is changed to a new one no other customer has, and that is the document's first workflow."""
    d = extract_text("Change the email on your account", _EMAIL_TEXT)
    tool = d.tool("update_customer_email")
    assert tool is not None and d.workflows[0].name == "change_customer_email"
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    customers = list(sb.dump(["customers"])["customers"].values())
    one, other = customers[0], customers[1]
    taken = sb.call(tool.name, {"customer_id": one["customer_id"], "new_email": other["email"]})
    assert not taken.ok and "already" in taken.error
    done = sb.call(tool.name, {"customer_id": one["customer_id"], "new_email": "New.Me@fastmail.com"})
    assert done.ok and done.value["email"] == "new.me@fastmail.com"
    assert sb.call("find_customer_by_email", {"email": "new.me@fastmail.com"}).ok
    tasks, _ = make_tasks(compiled, per_domain=6, seed=0)
    assert any("change my email to" in r.goal for t in tasks for r in t.scenario.requests)
    assert extract_text("Close your account", _EMAIL_TEXT.replace("Change the email on", "Close")).tool(
        "update_customer_email") is None


def test_a_plans_installments_spread_its_purchase_a_period_apart():
    """Installments of $463.51, $99.32 and $293.08 on a $2,435.54 12-month plan, due Mar 9, Mar 23
    and Apr 1: each is the purchase spread over the term's payments, due a period apart (two weeks
    for a biweekly plan, a month for a monthly one), counted from when the plan started."""
    import datetime as dt
    d = extract_text("Buy now, pay later", "Split a purchase into installments with our buy now pay later "
                     "financing. Pay biweekly or monthly over 3, 6 or 12 months; autopay is on by default. "
                     "If an installment is late, you can request an extension for hardship.")
    dump = check_domain(d).new_sandbox().dump()
    plans, installments = dump["plans"], dump["installments"]
    assert installments
    for i in installments.values():
        plan = plans[i["plan_id"]]
        every = 14 if plan["payment_frequency"] == "biweekly" else 30
        months = int(plan["term"].split()[0])
        assert i["amount"] == round(plan["purchase_amount"] * every / (30 * months), 2), (i, plan)
        assert (dt.date.fromisoformat(i["due_date"]) - dt.date.fromisoformat(plan["started_on"])).days % every == 0


def test_a_payments_amount_follows_what_it_is_for():
    """"Rent" for $79.55 and "Book club dues" for $478.92: a payment's amount falls in what its memo
    costs."""
    from gem_env.stages.extract.archetypes import _MEMO_AMOUNTS
    d = extract_text("Send a payment", "Send money to a contact or schedule a recurring payment. Pick a recipient, "
                     "the amount and a memo, then choose once, weekly or monthly. You can cancel a scheduled payment "
                     "before it is sent.")
    payments = check_domain(d).new_sandbox().dump(["payments"])["payments"].values()
    assert len({p["memo"] for p in payments}) > 3
    for p in payments:
        lo, hi = _MEMO_AMOUNTS[p["memo"]]
        assert lo <= p["amount"] <= hi, p
    # ... and so does one a customer schedules in a session ("$120 for Rent", asked from a fixed list)
    compiled = check_domain(d)
    tasks, _ = make_tasks(compiled, per_domain=12, kinds=("complete",))
    asked = [t.scenario.knows for t in tasks if "memo" in t.scenario.knows and "amount" in t.scenario.knows]
    assert asked
    for knows in asked:
        lo, hi = _MEMO_AMOUNTS[knows["memo"]]
        assert lo <= float(knows["amount"]) <= hi, knows
    # how often it goes is said as a person says it: "as a one-time payment", never "... on 2025-02-01 sent
    # once" nor "to go out one-time"
    goals = [wf.goal for wf in compiled.domain.workflows if "{frequency}" in wf.goal]
    assert goals and all("as a {frequency} payment" in g and "sent {" not in g for g in goals), goals


def test_an_action_reply_shows_what_its_status_sets_but_no_nulls():
    """Cancelling an order clears its tracking (a cancelled order has none, as seeded) without a
    reply full of nulls ("carrier": null, "tracking_number": null, "last_scanned_at": null)."""
    _, d = extract("shop/track-an-order.md")
    tool = d.tool("cancel_order")
    sb = check_domain(d).new_sandbox()
    order = next(o for o in sb.dump(["orders"])["orders"].values() if o["status"] == "pending")
    got = sb.call(tool.name, {"order_id": order["order_id"], "reason": tool.parameters[1].enum[0]})
    assert got.ok, got.error
    assert None not in got.value.values(), got.value


def test_a_new_username_is_made_of_the_owners_own_name():
    """"change the username of my account to ivanc" asked for another customer's login; a new username
    is the owner's own name ("amanda.sanchez24")."""
    text = ("# Change your username\n\nYou can change the username of your account in the app. Our support agent "
            "verifies your account with your username and phone number.\n\n1. Open the app and tap Profile.\n"
            "2. Choose Change username and enter the new username.\n3. Save.\n")
    d = extract_text("Change your username", text)
    flow = next(w for w in d.workflows if w.name == "change_account_username")
    tasks, rejected = make_tasks(check_domain(d), per_domain=3, kinds=("complete",))
    task = next(t for t in tasks if t.workflow == "change_account_username")
    knows = task.scenario.knows  # (this customer is found by name and zip)
    first, last = knows["first_name"].lower(), knows["last_name"].lower()
    assert re.fullmatch(rf"{first}\.{last}\d\d", knows["new_username"]), knows
    assert "lower(" in flow.knows["new_username"]


def test_every_bundled_text_an_archetype_fits_compiles_as_that_archetype(kept):
    """A service domain that does not compile falls back to the procedure path (a corpus run goes
    on); on the bundled examples that hid a broken booking flow (the airline text became a
    procedure on `flights` alone, every trajectory still accepted)."""
    for doc, d in kept:
        arch = service.pick(doc.text, doc.title or "")
        if arch is not None:
            assert f"({arch.key} service)" in d.description, (doc.id, arch.key, d.description)


def _units(conn, table: str, key: str, value: str, units: str) -> int:
    return conn.execute(f"SELECT {units} FROM {table} WHERE {key} = ?", (value,)).fetchone()[0]


def test_a_booking_holds_a_seat_for_each_passenger_and_gives_them_back():
    """Booking, cancelling, moving and resizing a booking keep the flights' seats left (a flight
    with 5 seats left still had 5 after a booking of 3; a returned book stayed off the shelf)."""
    _, d = extract("airline/change-a-booking.md")
    compiled = check_domain(d)
    assert not isinstance(compiled, str), compiled
    box = compiled.new_sandbox()
    c = box.conn
    seats = lambda f: _units(c, "flights", "flight_id", f, "seats_left")  # noqa: E731
    booking, flight, passengers, origin, destination = c.execute(
        "SELECT booking_id, flight_id, passengers, origin, destination FROM bookings WHERE status = 'confirmed' "
        "AND fare_type != 'light' AND travel_date > '2025-01-20'").fetchone()
    before = seats(flight)
    assert box.call("update_booking_passengers", {"booking_id": booking, "passengers": passengers + 1}).ok
    assert seats(flight) == before - 1
    other, other_before = c.execute("SELECT flight_id, seats_left FROM flights WHERE origin = ? AND destination = ? "
                                    "AND flight_id != ? AND seats_left >= ?",
                                    (origin, destination, flight, passengers + 1)).fetchone()
    assert box.call("update_booking_flight", {"booking_id": booking, "flight_id": other}).ok
    assert (seats(flight), seats(other)) == (before + passengers, other_before - passengers - 1)
    assert box.call("cancel_booking", {"booking_id": booking, "reason": "other"}).ok
    assert seats(other) == other_before
    customer = c.execute("SELECT customer_id FROM customers").fetchone()[0]
    flight, left = c.execute("SELECT flight_id, seats_left FROM flights WHERE seats_left BETWEEN 1 AND 3").fetchone()
    asked = {"customer_id": customer, "flight_id": flight, "cabin": "economy", "bags": 0, "fare_type": "classic"}
    refused = box.call("create_booking", {**asked, "passengers": left + 1})
    assert not refused.ok and f"({left})" in refused.error
    assert box.call("create_booking", {**asked, "passengers": left}).ok and seats(flight) == 0


def test_a_returned_loan_puts_its_copy_back_on_the_shelf():
    _, d = extract("library/renew-a-loan.md")
    box = check_domain(d).new_sandbox()
    loan, title = box.conn.execute("SELECT loan_id, title_id FROM loans WHERE status = 'active'").fetchone()
    copies = _units(box.conn, "titles", "title_id", title, "copies_available")
    assert box.call("return_loan", {"loan_id": loan}).ok
    assert _units(box.conn, "titles", "title_id", title, "copies_available") == copies + 1


def test_every_line_on_a_plan_costs_what_the_plan_costs():
    """Two lines on Plus cost $39.91 and $54.99 (each drew its own price within Plus's slice); a
    plan's price is one price, and a line moved to a plan costs what that plan costs."""
    _, d = extract("telecom/change-your-plan.md")
    box = check_domain(d).new_sandbox()
    prices = dict(box.conn.execute("SELECT plan, group_concat(DISTINCT monthly_price) FROM lines GROUP BY plan"))
    assert len(prices) >= 2 and all("," not in p for p in prices.values()), prices
    order = next(f.values for f in d.entity("lines").fields if f.name == "plan")
    # an upgrade, on a line whose plan last changed before this billing cycle (a downgrade waits for the next)
    line, plan = box.conn.execute("SELECT line_id, plan FROM lines WHERE status = 'active' AND plan != ? "
                                  "AND plan_changed_on < last_renewed_on", (order[-1],)).fetchone()
    other = order[-1]
    moved = json.loads(box.call("update_line_plan", {"line_id": line, "plan": other}).content)
    assert moved["monthly_price"] == float(prices[other])


def test_a_products_price_follows_what_it_is():
    """A water bottle at $100.84, an office chair at $12: a catalog product's price falls in what
    its kind costs, and an ordered item costs what its product does."""
    from gem_env.stages.extract.archetypes import _PRODUCT_PRICES
    d = extract_text("Return an item", "Return an item from a delivered order within 30 days. Open your order, pick "
                     "the item and a reason (damaged, wrong item, no longer needed), then print the label.")
    dump = check_domain(d).new_sandbox().dump()
    products = [p for p in dump["products"].values() if p["name"] in _PRODUCT_PRICES]
    assert len(products) > 3
    for p in products:
        lo, hi = _PRODUCT_PRICES[p["name"]]
        assert lo <= p["price"] <= hi, p
    prices = {p["name"]: p["price"] for p in dump["products"].values()}
    assert all(i["amount"] == prices[i["product_name"]] for i in dump["items"].values())


def test_the_prompt_gives_the_terms_of_every_total_the_assistant_tells():
    """The assistant told "The total comes to $7,774.32" for 4 business seats on a $647.86 flight
    and "There's $60 to pay for the change" of a classic fare, from the tools' arithmetic; the
    prompt gave neither the cabins' prices nor the $60 fee, so a model trained on it learns to
    state sums it cannot work out. The prompt's terms must reproduce what the tool charges."""
    from gem_env.stages.ground.episode import policy_prompt
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "airline" / "change-a-booking.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    prompt = policy_prompt(got)
    assert "fee of $60 per passenger per flight" in prompt, prompt
    assert "A flight's price is per passenger." in prompt, prompt
    said = re.search(r"Prices shown are for the (\w+) cabin: (.*)\.", prompt)
    assert said, prompt
    factors = {said[1]: 1.0, **{v: float(x) for v, x in re.findall(r"(\w+) (?:costs )?([\d.]+) times as much", said[2])}}
    assert set(factors) == {"economy", "premium", "business"}, factors
    sb = check_domain(got).new_sandbox()
    try:
        state = sb.dump(["customers", "flights"])
        customer, flight = sorted(state["customers"])[0], sorted(state["flights"])[0]
        price = state["flights"][flight]["price"]
        for cabin, factor in factors.items():
            made = sb.call("create_booking", {"customer_id": customer, "flight_id": flight, "cabin": cabin, "bags": 0,
                                              "passengers": 2, "fare_type": "flex"})
            assert made.ok and made.value["total_paid"] == round(round(price * 2, 2) * factor, 2), (cabin, made.value)
    finally:
        sb.close()


def test_an_eligibility_sentence_naming_no_act_guards_the_change_the_title_names():
    """"You are eligible only if the card account has been open for at least 6 months": a text titled
    "Request a higher credit limit" guards the card's limit change by the card's age, not its
    freeze or closing."""
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "raise-card-limit.md"]))
    d = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(d, Domain)
    age = "days_between(card_row.issued_on, today) >= 180"
    assert age in [s.require for s in d.tool("update_card_spending_limit").effect if isinstance(s, RequireStep)]
    assert all(age not in [s.require for s in d.tool(t).effect if isinstance(s, RequireStep)]
               for t in ("freeze_card", "close_card"))
    sandbox = check_domain(d).new_sandbox()
    new = next(k for k, r in sandbox.dump()["cards"].items() if r["status"] == "active" and r["issued_on"] > "2024-07-19")
    refused = sandbox.call("update_card_spending_limit", {"card_id": new, "spending_limit": 1000})
    assert not refused.ok and "at least 6 months" in refused.error


_DISPUTE_CHECKLIST = """# Internal: Filing a Debit Card Transaction Dispute

When a customer needs to file a dispute for a debit card transaction, the agent must gather the details.

## Eligibility

- Customer must be verified
- Transaction must be within 60 days old
"""
_PAYMENT_LOCK = """# Editing or canceling a scheduled payment

You can change the amount, the send date or the frequency of a scheduled payment, or cancel it.
Editing is locked within 13 hours of the upcoming occurrence.
"""
_SAVINGS_OPENING = """# Internal: Opening Personal Savings Accounts

Procedure for opening personal savings accounts.
Eligibility requirements: 1) Customer must be verified, 2) Customer must already have at least one active checking account, 3) Cannot have more than 5 personal savings accounts, 4) Must have held their checking account for at least 14 days.
Products: the Silver Plus Account and the Gold Account.
"""
_CARD_CLOSING = """# Internal: Closing/Cancelling a Debit Card

Verify all of the following before closing:
- Minimum card age: The debit card must have been active for at least 14 days.
- Account Age: The account must be at least 60 days old.
"""


def _requires(d: Domain, tool: str) -> dict[str, str]:
    return {s.require: s.message for s in d.tool(tool).effect if isinstance(s, RequireStep)}


def test_an_age_limit_on_the_record_a_request_is_filed_on():
    """"Transaction must be within 60 days old": the dispute's transaction, said as a rule reads."""
    d = extract_text("Filing a Debit Card Transaction Dispute", _DISPUTE_CHECKLIST)
    rule = "days_between(transaction_row.posted_at, today) <= 60"
    assert _requires(d, "create_dispute")[rule] == "A transaction must be at most 60 days old for a dispute"
    flow = next(w for w in d.workflows if w.name == "create_dispute")
    assert "days_between(row.posted_at, today) <= 60" in flow.anchor.filter
    sandbox = check_domain(d).new_sandbox()
    old = next(k for k, r in sandbox.dump()["transactions"].items() if r["posted_at"] < "2024-11-15")
    refused = sandbox.call("create_dispute", {"transaction_id": old, "reason": "fraud"})
    assert not refused.ok and "at most 60 days old" in refused.error


def test_a_lock_before_the_next_date_counts_hours_from_the_domains_clock():
    """"Editing is locked within 13 hours of the upcoming occurrence": every change of a payment, to
    the hour from the fixed clock (12:00; a payment sent tomorrow is 12 hours away), not its cancelling."""
    d = extract_text("Editing or canceling a scheduled payment", _PAYMENT_LOCK)
    lock = "hours_between(now, payment_row.send_date) >= 13"
    for name in ("update_payment_amount", "update_payment_send_date", "update_payment_frequency"):
        assert _requires(d, name).get(lock) == "Editing is locked within 13 hours of the upcoming occurrence.", name
    assert lock not in _requires(d, "cancel_payment")
    sandbox = check_domain(d).new_sandbox()
    rows = [(k, r) for k, r in sandbox.dump()["payments"].items() if r["status"] == "scheduled"]
    near = next(k for k, r in rows if r["send_date"] <= "2025-01-16")
    far = next(k for k, r in rows if r["send_date"] >= "2025-01-17")
    refused = sandbox.call("update_payment_amount", {"payment_id": near, "amount": 1234.5})
    assert not refused.ok and "locked within 13 hours" in refused.error
    assert sandbox.call("update_payment_amount", {"payment_id": far, "amount": 1234.5}).ok


def test_opening_needs_a_live_account_of_a_kind_held_long_enough():
    """"must already have at least one active checking account" and "Must have held their checking
    account for at least 14 days": one rule over the customer's other accounts; both sides seeded."""
    d = extract_text("Opening Personal Savings Accounts", _SAVINGS_OPENING)
    rule = ("len([x for x in rows('accounts', {customer_id: customer_row.customer_id}) if x.status == 'open' and "
            "x.account_type == 'checking' and days_between(x.opened_on, today) >= 14]) > 0")
    assert _requires(d, "open_account")[rule] == "A new account needs an open checking account held for at least 14 days"
    sandbox = check_domain(d).new_sandbox()
    state = sandbox.dump(["customers", "accounts", "products"])
    product = next(iter(state["products"]))

    def holds(c: str) -> bool:
        return any(a["customer_id"] == c and a["status"] == "open" and a["account_type"] == "checking"
                   and a["opened_on"] <= "2025-01-01" for a in state["accounts"].values())
    verified = [c for c, r in state["customers"].items() if r["verified"]
                and sum(a["customer_id"] == c and a["account_type"] == "savings" for a in state["accounts"].values()) < 5]
    holders = [c for c in verified if holds(c)]
    assert len(holders) >= 2
    # the profile lists each account's kind and opening date: the rule can be seen from it
    found = sandbox.call("get_customer_details", {"customer_id": holders[0]})
    assert found.ok and all({"account_type", "opened_on"} <= set(a) for a in found.value["accounts"]), found.value
    # (finding the customer shows id and status only: after a change, the assistant reads the profile again)
    email = state["customers"][holders[0]]["email"]
    assert all("opened_on" not in a for a in sandbox.call("find_customer_by_email", {"email": email}).value["accounts"])
    assert sandbox.call("open_account", {"customer_id": holders[0], "product_id": product}).ok
    for key, a in state["accounts"].items():  # the other holder's checking accounts closed: none left
        if a["customer_id"] == holders[1] and a["account_type"] == "checking" and a["status"] == "open":
            assert sandbox.call("close_account", {"account_id": key, "reason": "fees"}).ok
    refused = sandbox.call("open_account", {"customer_id": holders[1], "product_id": product})
    assert not refused.ok and "held for at least 14 days" in refused.error


def test_a_card_age_said_as_must_have_been_active_guards_the_titles_act():
    """"The debit card must have been active for at least 14 days" under "Closing/Cancelling a Debit
    Card" guards closing (label left out of what a refusal says); "The account must be at least 60 days
    old" is another record's age, not the card's."""
    d = extract_text("Closing/Cancelling a Debit Card", _CARD_CLOSING)
    close = _requires(d, "close_card")
    assert close.get("days_between(card_row.issued_on, today) >= 14") == \
        "The debit card must have been active for at least 14 days."
    assert not any(">= 60" in r for t in d.tools if t.kind == "write" for r in _requires(d, t.name))
    assert "days_between(card_row.issued_on, today) >= 14" not in _requires(d, "freeze_card")


def test_a_refusal_by_the_texts_lock_is_drawn_before_one_by_status():
    """The rows a change's anchor leaves out by a rule besides their status come first: a scheduled
    payment sent tomorrow is refused by "Editing is locked within 13 hours", not a cancelled one by
    its status (whose refusal would stop the search of that change's rows)."""
    from gem_env.stages.tasks.make import anchor_rows
    d = extract_text("Editing or canceling a scheduled payment", _PAYMENT_LOCK)
    compiled = check_domain(d)
    for name in ("change_payment_amount", "change_payment_send_date", "change_payment_frequency"):
        blocked = anchor_rows(compiled, next(w for w in d.workflows if w.name == name), matching=False)
        statuses = [r["status"] for r in blocked]
        assert statuses[0] == "scheduled" and "scheduled" not in statuses[statuses.index("scheduled") + statuses.count("scheduled"):], statuses
    tasks, _ = make_tasks(compiled, per_domain=6, kinds=("refuse",))
    reasons = {r.reason for t in tasks for r in t.refusals}
    assert "Editing is locked within 13 hours of the upcoming occurrence." in reasons, reasons


def test_no_extension_for_an_installment_of_a_plan_cancelled_before():
    """A cancelled plan's installments are not due: the sandbox refuses an extension for one of a plan
    cancelled earlier in the session (it let it through, described from the read before the cancel)."""
    d = extract_text("BNPL plans", "Pay for a purchase in installments with a BNPL plan. You can cancel an active "
                     "plan, turn autopay on or off, or request an extension for a scheduled installment if it is "
                     "due soon. Late installments are charged late fees.")
    assert d.entity("installments") is not None
    sandbox = check_domain(d).new_sandbox()
    state = sandbox.dump(["plans", "installments"])
    key, inst = next((k, r) for k, r in sorted(state["installments"].items())
                     if r["status"] == "scheduled" and state["plans"][r["plan_id"]]["status"] == "active")
    assert sandbox.call("cancel_plan", {"plan_id": inst["plan_id"], "reason": "other"}).ok
    refused = sandbox.call("request_extension", {"installment_id": key, "reason": "hardship"})
    assert not refused.ok and "active plan" in refused.error and "cancelled" in refused.error


def test_a_raise_is_capped_at_a_multiple_of_the_current_value():
    """"at most three times your current limit", "**Maximum Increase**: New limit cannot exceed 150% of
    current limit": the new limit's most is the card's own limit times that (label and markup left out)."""
    _, d = extract("bank/raise-card-limit.md")
    assert "spending_limit <= round(card_row.spending_limit * 3, 2)" in _requires(d, "update_card_spending_limit")
    d = extract_text("Debit card limit increase", "# Debit Card Limit Increase\n\nYou can ask to raise the spending "
                     "limit of your debit card.\n\n- **Maximum Increase**: New limit cannot exceed 150% of current "
                     "limit (50% boost maximum)\n")
    rule = "spending_limit <= round(card_row.spending_limit * 1.5, 2)"
    assert _requires(d, "update_card_spending_limit")[rule] == "New limit cannot exceed 150% of current limit (50% boost maximum)"
    sandbox = check_domain(d).new_sandbox()
    key, card = next((k, r) for k, r in sorted(sandbox.dump()["cards"].items()) if r["status"] == "active")
    refused = sandbox.call("update_card_spending_limit", {"card_id": key, "spending_limit": card["spending_limit"] * 2})
    assert not refused.ok and "150%" in refused.error
    assert sandbox.call("update_card_spending_limit", {"card_id": key, "spending_limit": card["spending_limit"] * 1.2}).ok
