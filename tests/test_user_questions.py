"""Questions users ask besides their requests. A careful user asks what a change will do before
saying yes or no; the workflow agent answers from the tool's own effect (what an update sets, what an
insert adds, and that a condition may change more), then asks again. A user asks again, before
leaving, for the number of something made for them; the agent gives it from the reply of the call
that made it. The sessions verify."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gem_env.agents import banks as B
from gem_env.agents.explain import ASKS_WHAT_CHANGES, what_changes
from gem_env.agents.understanding import NO
from gem_env.cli import main
from gem_env.simulators import phrases as P
from gem_env.simulators.base import asks_confirmation
from gem_env.tools import compile_domain, load_domain
from gem_env.tools.render import SAID_AS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(examples_run: Path) -> Path:
    return examples_run


def _tool(run: Path, domain_prefix: str, name: str):
    path = next(p for p in sorted((run / "domains").glob(f"{domain_prefix}*.json")) if name in p.read_text())
    return compile_domain(load_domain(path)).tools[name].spec


def test_what_a_write_changes_is_read_from_its_effect(run: Path) -> None:
    freeze = _tool(run, "bank_freeze", "freeze_card")
    said = what_changes(freeze.effect, {"card_id": "CRD-1", "reason": "lost"})
    assert said == "Your card will be frozen because it was lost."  # was "On your card, the status will be frozen
    # and the status reason will be lost."
    transfer = _tool(run, "bank_transfer", "transfer_funds")
    said = what_changes(transfer.effect, {"source_account_id": "ACC-1", "destination_account_id": "ACC-2", "amount": 900})
    assert "On the account it's coming from, the balance will go down by $900" in said
    assert "On the account it's going to, the balance will go up by $900" in said
    assert "A new transfer will be created from your account ACC-1 to your account ACC-2. The amount will be $900." in said
    address = _tool(run, "bank_freeze", "update_customer_address")
    said = what_changes(address.effect, {"customer_id": "CST-1", "address": "1 Oak St", "city": "Leeds", "zip": "12345"},
                        owner="customers")
    assert said.startswith("On your profile, the address will be 1 Oak St")
    # closing an account pays out what it holds: not "the balance will be $0"
    close = _tool(run, "bank_open", "close_account")
    said = what_changes(close.effect, {"account_id": "ACC-1", "reason": "no longer needed"})
    assert said == "Your account will be closed because it's no longer needed. Also, on your account, the " \
                   "balance will be paid out to you.", said


def test_a_new_record_for_a_catalog_entry_is_not_said_to_be_for_the_customers_own(run: Path) -> None:
    """An exchange makes an item of the variant chosen: "for variant VAR-1" (nobody's own), not
    "for your variant VAR-1"; the customer's own item stays "your item"."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    path = run / "domains" / "shop_exchange-an-item_md.json"
    agent = WorkflowAgent(compile_domain(load_domain(path)))
    assert "items.variant_id" in agent._shared and "items.order_id" not in agent._shared
    said = what_changes(agent.compiled.tools["exchange_item"].spec.effect, {"item_id": "ITM-1", "variant_id": "VAR-1"},
                        "customers", agent._shared)
    assert "A new item will be created for variant VAR-1." in said and "Your item will be exchanged." in said
    # an entry read before is called by its name, not its id
    said = what_changes(agent.compiled.tools["exchange_item"].spec.effect, {"item_id": "ITM-1", "variant_id": "VAR-1"},
                        "customers", agent._shared, {"VAR-1": "Large Blue"})
    assert "A new item will be created for the Large Blue variant." in said


def test_a_new_record_with_a_person_from_the_catalog_names_them(run: Path) -> None:
    """A booked visit was "created for the John Martin doctor": a person is named, "with John Martin"."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    agent = WorkflowAgent(compile_domain(load_domain(run / "domains" / "clinic_book-an-appointment_md.json")))
    book = next(t for t in agent.compiled.tools.values() if t.spec.name.startswith("book_"))
    said = what_changes(book.spec.effect, {"patient_id": "PTN-1", "doctor_id": "DCT-1", "visit_type": "consultation"},
                        "patients", agent._shared, {"DCT-1": "John Martin"})
    assert "A new visit will be created with John Martin." in said and "doctor" not in said, said



def test_a_reason_the_request_gives_as_a_purpose_is_said_so() -> None:
    """"A new hold will be created for the title because of a home delivery" was said of a hold
    placed "for home delivery"."""
    domain = compile_domain(load_domain(ROOT / "examples" / "domains" / "language" / "card_disputes.yaml"))
    effect = domain.tools["open_dispute"].spec.effect
    said = what_changes(effect, {"txn_id": "TX-1", "reason": "review"}, request="open a dispute for review")
    assert "for review." in said and "because" not in said
    assert "because of fraud" in what_changes(effect, {"txn_id": "TX-1", "reason": "fraud"},
                                              request="open a dispute because of fraud")


def test_a_write_under_a_condition_is_said_as_what_may_change_too() -> None:
    """Was "Depending on the record, other details may change too.": vague; the effect says what."""
    domain = compile_domain(load_domain(ROOT / "examples" / "domains" / "language" / "card_disputes.yaml"))
    said = what_changes(domain.tools["open_dispute"].spec.effect, {"txn_id": "TX-1", "reason": "fraud"})
    assert said == ("A new dispute will be created for your txn TX-1 because of fraud. It will start out as open. "
                    "Your card may also be frozen.")


def test_every_question_a_user_asks_about_a_change_is_one_the_agent_hears() -> None:
    assert all(ASKS_WHAT_CHANGES.search(q) for q in P.ASK_EFFECT)


def test_careful_users_ask_what_a_change_will_do_and_get_the_answer_before_deciding(run: Path) -> None:
    asked = 0
    for line in (run / "trajectories.jsonl").open():
        traj = json.loads(line)
        assert traj["verification"]["passed"], traj["id"]
        spoken = [m for m in traj["messages"] if m["role"] in ("user", "assistant") and not m.get("tool_calls")]
        questions = [i for i, m in enumerate(spoken) if m["role"] == "user" and m["content"] in P.ASK_EFFECT]
        assert len(questions) <= 1 and (not questions or "careful" in traj["task"]["scenario"]["persona"])
        for i in questions:
            asked += 1
            before, answer, decided = (spoken[i - 1]["content"], spoken[i + 1]["content"], spoken[i + 2]["content"])
            assert asks_confirmation(before)  # asked at a confirmation
            # what will be set, or for a change that waits for the next cycle, when it takes effect
            assert answer.startswith(("On your", "On the", "A new", "Your ", "The change to ", "The switch to ")) \
                and asks_confirmation(answer), answer
            assert decided not in P.ASK_EFFECT and (decided in P.YES or NO.search(decided)), decided
    assert asked >= 2


def test_a_number_asked_for_again_is_the_one_the_call_that_made_it_returned(run: Path) -> None:
    asked = 0
    for line in (run / "trajectories.jsonl").open():
        traj = json.loads(line)
        messages = traj["messages"]
        spoken = [m for m in messages if m["role"] in ("user", "assistant") and not m.get("tool_calls")]
        again = [i for i, m in enumerate(spoken) if m["role"] == "user"
                 and any(m["content"].startswith(q.split("{x}")[0]) for q in P.ASK_REPEAT)]
        assert len(again) <= 1
        for i in again:
            asked += 1
            noun = next(w for w in P.ASK_REPEAT if spoken[i]["content"].startswith(w.split("{x}")[0]))
            noun = spoken[i]["content"][len(noun.split("{x}")[0]):].split(" number")[0]
            answer = spoken[i + 1]["content"]
            # the ids that the calls of this session which insert a record returned, for one of that kind
            tools = compile_domain(load_domain(run / "domains" / f"{traj['task']['domain']}.json")).tools
            adds = {n for n, t in tools.items() if any(getattr(st, "insert", None) for st in t.spec.effect or [])}
            names = {c["id"]: c["function"]["name"] for m in messages for c in m.get("tool_calls") or []}
            made = [json.loads(m["content"]) for m in messages if m["role"] == "tool"
                    and names.get(m["tool_call_id"]) in adds and m["content"].startswith("{")]
            ids = [str(r[k]) for r in made for k in r if k.endswith("_id")
                   and any(noun.split()[-1] in x for x in (k, *SAID_AS.get(k[:-3], ())))]  # (a hand-off: a case)
            assert ids and ids[-1] in answer, (noun, answer)
            assert any(answer.startswith(t.split("{")[0]) for t in B.NUMBER_AGAIN), answer
            assert spoken[i + 2]["content"].endswith("###STOP###")  # then the goodbye
    assert asked >= 3


def test_a_goodbye_after_an_answer_that_counts_failed_logins_is_not_one_after_a_refusal() -> None:
    """"The record shows 0 failed logins." answered the question; the user said "Okay, I
    understand. Thanks anyway." to it, as to a refusal."""
    from gem_env.simulators.phrases import is_negative
    assert not is_negative("I've checked account ACC-1. The record shows 0 failed logins. Anything else?")
    assert not is_negative("It has 2 failed attempts.")
    assert is_negative("The payment failed.") and is_negative("Sorry, that failed because the card is frozen.")


def test_a_how_to_step_recorded_is_said_as_a_step_done() -> None:
    """A procedure's step moves the record's progress: said as what the assistant will do, not
    "the progress will be navigate bnpl platinum", nor the step quoted as a label ('the step "navigate
    bnpl platinum" will be marked as done')."""
    from gem_env.tools.model import UpdateStep
    step = UpdateStep.model_validate({"update": "accounts", "row": "a", "set": {"progress": "'navigate bnpl platinum'"}})
    said = what_changes([step], {"account_id": "ACC-1"})
    assert said == "On your account, I'll navigate bnpl platinum.", said


def test_a_renewal_says_how_its_counter_and_date_move() -> None:
    """"Your loan will be active. Also, on your loan, the due date will be updated and the renewals will
    be updated." (refined runs of the examples): a counter moved by a number and a date moved by days
    are said so, and a status the record must already have is no news."""
    from gem_env.tools.model import FindStep, RequireStep, UpdateStep
    effect = [FindStep.model_validate({"find": "loans", "as": "loan_row", "where": {"loan_id": "loan_id"}}),
              RequireStep.model_validate({"require": "loan_row.status in ['active']", "message": "Only active loans"}),
              UpdateStep.model_validate({"update": "loans", "row": "loan_row",
                                         "set": {"status": "'active'", "due_date": "add_days(loan_row.due_date, 14)",
                                                 "renewals": "loan_row.renewals + 1"}})]
    said = what_changes(effect, {"loan_id": "LOAN-1"})
    # (and not "Your loan will be active.": it is, and stays so)
    assert said == "On your loan, the due date will move 14 days later and the renewals will go up by 1.", said


def test_a_count_is_asked_how_many() -> None:
    """"can you tell me the failed logins of my account ...?": a lookup of a count (a whole number
    its field names in the plural) is asked as one, "how many failed logins my account has"; the
    task marks it (`Request.counts`), which stays out of a task that asks none."""
    import random

    from gem_env.simulators.scenario import Request
    from gem_env.simulators.scripted import ScriptedUser
    for asks, yes_no in ((["failed_logins"], []), (["failed_logins", "two_factor"], ["two_factor"]),
                         (["status", "failed_logins"], [])):
        request = Request(kind="lookup", goal="g", asks=asks, yes_no=yes_no, counts=["failed_logins"])
        for seed in range(4):
            said = ScriptedUser._question(request, "account", random.Random(seed))
            assert "how many failed logins" in said and "the failed logins" not in said, said
    assert "counts" not in Request(goal="g").model_dump()


def test_what_a_downgrade_will_change_is_when_it_starts(run: Path) -> None:
    """"What exactly will that change?" of a downgrade had no answer (the plan change is all in a
    condition; the confirmation was said again): it is when the new plan starts."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    asked = 0
    for line in (run / "trajectories.jsonl").open():
        traj = json.loads(line)
        messages = traj["messages"]
        calls = [i for i, m in enumerate(messages) if any(c["function"]["name"] == "update_line_plan"
                                                          for c in m.get("tool_calls") or [])]
        if not calls or json.loads(messages[calls[0] + 1]["content"]).get("pending_plan") is None:
            continue  # an upgrade: at once
        agent = WorkflowAgent(compile_domain(load_domain(run / "domains" / f"{traj['domain']}.json")))
        said = agent.reply([*messages[:calls[0] - 1], {"role": "user", "content": "What exactly will that change?"}])
        first = said["content"].split(". ")[0]
        assert " would " in first and "basic 5gb" in first, said  # the answer, not the confirmation again
        asked += 1
    assert asked


def test_a_customer_asks_for_a_fact_as_people_do() -> None:
    """"Can you check what my dispute has as the status?" (10 service sessions): "... what status my
    dispute has?"."""
    asked = [q.format(x="status", noun="dispute", be="is") for q in P.ASK_FACTS]
    assert "can you check what status my dispute has?" in asked
    assert not any(" has as the " in q for q in asked), asked


def test_a_thing_named_in_the_plural_is_asked_about_as_such() -> None:
    """"can you tell me whether the running shoes is in stock?" (support 26, examples 65): "are", and
    "whether they are"; one thing stays "is", and so does a name ("the Night Trains")."""
    import random

    from gem_env.simulators.scenario import Request
    from gem_env.simulators.scripted import ScriptedUser
    for about, be in (("the running shoes", "are"), ("the desk lamp", "is"), ("the glass", "is")):
        for seed in range(6):
            alone = Request(goal="g", intent="x", knows={"product_id": "PRD-1"}, asks=["in_stock"], yes_no=["in_stock"],
                            kind="lookup", about=about)
            asked = ScriptedUser._question(alone, about, random.Random(seed))
            assert f"{about} {be} in stock" in asked, asked
            both = alone.model_copy(update={"asks": ["price", "in_stock"]})
            asked = ScriptedUser._question(both, about, random.Random(seed))
            assert ("they are in stock" if be == "are" else "it is in stock") in asked, asked


def test_what_a_change_will_do_carries_the_values_the_records_read_show(run: Path) -> None:
    """Review s56 #6: "A new refund will be created for your order ORD-18018." left out the $102.83
    the refund will be; "On your card, the spending limit will be $4,700" left out what it is now.
    The answer says what changes for the customer with the values a tool reply showed (never a sum
    worked out), and nothing it has not read."""
    from gem_env.tools.model import FindStep, InsertStep
    refund = [FindStep.model_validate({"find": "orders", "as": "o", "where": {"order_id": "order_id"}}),
              InsertStep.model_validate({"insert": "refunds", "values": {"order_id": "order_id", "amount": "o.total"}})]
    order = {"order_id": "ORD-18018", "total": 102.83, "status": "delivered"}
    assert what_changes(refund, {"order_id": "ORD-18018"}) == "A new refund will be created for your order ORD-18018."
    said = what_changes(refund, {"order_id": "ORD-18018"}, seen=[order])
    assert said == "A new refund of $102.83 will be created for your order ORD-18018.", said
    dispute = _tool(run, "bank_dispute", "create_dispute")
    key = next(p.name for p in dispute.parameters if p.name.endswith("_id"))
    charge = {key: "CHR-1", "amount": 54.2, "status": "posted"}
    said = what_changes(dispute.effect, {key: "CHR-1", "reason": "item not received"}, seen=[charge])
    assert "CHR-1 of $54.20" in said, said
    # a new record with a sum of its own (a payment of $50 to a recipient) is not said to be the other's
    payment = [InsertStep.model_validate({"insert": "payments", "values": {"recipient_id": "recipient_id", "amount": "amount"}})]
    said = what_changes(payment, {"recipient_id": "RCP-1", "amount": 50}, seen=[{"recipient_id": "RCP-1", "amount": 20.14}])
    assert "$20.14" not in said and "$50" in said, said
    limit = _tool(run, "bank_raise", "update_card_spending_limit")
    args = {p.name: ("CRD-1" if p.name.endswith("_id") else 4700) for p in limit.parameters}
    said = what_changes(limit.effect, args, seen=[{"card_id": "CRD-1", "spending_limit": 2000, "status": "active"}])
    assert "the spending limit will go from $2,000 to $4,700" in said, said
    close = _tool(run, "bank_open", "close_account")
    said = what_changes(close.effect, {"account_id": "ACC-1", "reason": "no longer needed"},
                        seen=[{"account_id": "ACC-1", "balance": 18668.12, "status": "open"}])
    assert "the balance of $18,668.12 will be paid out to you" in said, said


def test_what_a_change_will_do_says_what_the_text_says_happens_then(run: Path) -> None:
    """Asked "What will that do, exactly?" before opening a savings account, the answer says what
    the text says happens ("Your new account number appears at once, and the first deposit arrives
    within 1 business day."), not only the new record."""
    answers = [m["content"] for line in (run / "trajectories.jsonl").read_text().splitlines()
               for t in [json.loads(line)] if t["domain"].startswith(("bank_open", "clinic_book", "bank_dispute"))
               for i, m in enumerate(t["messages"][1:], 1)
               if m["role"] == "assistant" and m.get("content") and t["messages"][i - 1]["role"] == "user"
               and ASKS_WHAT_CHANGES.search(t["messages"][i - 1]["content"] or "")]
    for said in answers:
        assert re.search(r"\bwithin \d+|\bat once\b|\bconfirmation email\b|\breply\b", said), said


def test_a_person_a_new_record_is_for_is_said_by_name_where_the_reads_show_it() -> None:
    """"A new payment will be created for your contact CNT-36176." after a confirmation that said
    "a payment to Anthony Saunders": a person is said by the name the contacts listed, never by an
    internal number (4 sessions of round 59's service runs); not read, the number is all there is."""
    from gem_env.tools.model import InsertStep
    step = InsertStep.model_validate({"insert": "payments", "as": "made", "values": {
        "payment_id": "next_id('PYM-#####')", "customer_id": "customer_id", "contact_id": "contact_id",
        "amount": "amount", "status": "'scheduled'"}})
    args = {"customer_id": "CST-1", "contact_id": "CNT-36176", "amount": 55}
    seen = [{"contact_id": "CNT-36176", "name": "Anthony Saunders", "email": "asaunders@example.net"}]
    said = what_changes([step], args, owner="customers", seen=seen)
    assert said.startswith("A new payment will be created for your contact Anthony Saunders.") and "CNT-" not in said
    assert "for your contact CNT-36176." in what_changes([step], args, owner="customers")
