"""The task and flow side of a conversation as a reader meets it: values said as people say them and
accepted so by the verifier, openings that leave a rule's condition for the assistant to find,
sessions of one customer, records opened before a refusal and searched one by one in a lookup."""
from __future__ import annotations

import collections
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from agent_turns import until_spoken
from gem_env.agents import speech as S
from gem_env.agents.lookup import described
from gem_env.stages.verify import spoken_forms, tells


def test_a_date_time_is_said_in_words_and_the_verifier_takes_that_form() -> None:
    value = "2025-03-02T17:00:00"
    for seed in range(10):
        sentence = " ".join(S.facts_told(random.Random(seed), [("starts_at", described(value))], after_write=False))
        assert "March 2, 2025 at 5:00 pm" in sentence and "T17" not in sentence, sentence
    assert "March 2, 2025 at 5:00 pm" in spoken_forms(value)
    assert tells("starts_at", value, "Your visit starts on March 2, 2025 at 5:00 pm.")
    assert not tells("starts_at", value, "Your visit starts on March 2, 2025 at 6:00 pm.")


PAYMENT_TEXT = """# Order Issue / Status Payment Method

The customer believes the payment method is wrong.  Valid payment methods are credit card, debit card and PayPal.  The customer may want to change their payment method.

Actions:
- [Pull up Account] (interaction): Get Full Name or Account ID for [Pull up Account]
- [Shipping Status] (interaction): Find out whether the item has already shipped.
    - If the item is 'Order Received' or 'In Transit', then you can change the payment method immediately (go to the next step).
    - If the item is 'Out for Delivery' or 'Delivered' then the new payment method only applies to future orders.
- [Update Order] (interaction): Change the payment method
"""


def test_values_that_lead_to_a_field_are_not_its_choices() -> None:
    """'If the item is 'In Transit', you can change the payment method' names shipping states, not
    payment methods (abcd's Status Payment Method gave 'change the payment method to in transit')."""
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor
    from gem_env.tools import Domain

    doc = Document(id="abcd:payment", source="test", title="Order Issue / Status Payment Method", text=PAYMENT_TEXT)
    got = OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test"))
    assert isinstance(got, Domain), got
    choices = [v for t in got.tools for p in t.parameters if "payment" in p.name for v in p.enum or []]
    choices += [v for e in got.entities for f in e.fields if "payment" in f.name for v in f.values or []]
    assert not {"order received", "in transit", "out for delivery", "delivered"} & set(choices), choices


ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()), ROOT.parent / "shared")
CORPORA = SHARED / "corpora"


def corpus_domains(corpus: str, ids: list[str]) -> list[Any]:
    """Compiled offline domains of the documents `ids` of a shared corpus (skips when it is absent)."""
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    from gem_env.tools import Domain

    path = CORPORA / corpus
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party corpora live beside the project in ../shared")
    out = []
    for doc in iter_documents([path]):
        if doc.id in ids:
            got = OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test"))
            assert isinstance(got, Domain), got
            out.append((doc.id, check_domain(got)))
    assert len(out) == len(ids)
    return out


def test_a_refusal_or_decline_opening_leaves_the_rules_condition_to_the_assistant() -> None:
    """'Change the spending limit of my card. The card status is frozen.' recites the reason the
    assistant is to find in the record; the user describes the record otherwise (or the assistant
    asks which one)."""
    from gem_env.stages.tasks import make_tasks
    from gem_env.tools.model import RequireStep

    held = 0
    for doc_id, compiled in corpus_domains("tau2_banking_kb_docs.jsonl", [
            "tau2-banking-kb:doc_business_credit_cards_business_bronze_rewards_card_005",
            "tau2-banking-kb:doc_business_checking_accounts_sky_blue_005",
            "tau2-banking-kb:doc_business_savings_accounts_silver_plus_saver_001"]):
        for seed in range(2):
            for task in make_tasks(compiled, per_domain=3, seed=seed, doc_id=doc_id)[0]:
                for request, tool in zip([r for r in task.scenario.requests if r.kind in ("refuse", "decline")],
                                         [x.tool for x in [*task.refusals, *task.declines]]):
                    held += 1
                    rules = " ".join(s.require for s in compiled.tools[tool].spec.effect if isinstance(s, RequireStep))
                    fields = set(re.findall(r"\b[A-Za-z_]\w*\.([A-Za-z_]\w*)\b", rules))
                    # the value a change asks for ("new_overdraft_protection") is the request itself
                    said = [k for k in request.opening if not k.startswith("new_")
                            and any(k == f or k.endswith(f"_{f}") for f in fields)]
                    assert not said, (task.id, request.opening, fields)
    assert held >= 3


def referrers(owners: Any, table: str, row: dict[str, Any]) -> set[Any]:
    """The owners of the rows that point to `row` by a foreign key."""
    key = str(row[owners.compiled.tables[table].pk])
    return {owners.of(child, r) for child, refs in owners.refs.items() for field, parent, _ in refs if parent == table
            for r in owners.rows.get(child, {}).values() if str(r.get(field)) == key} - {None}


def test_a_session_asks_only_about_records_of_its_customer() -> None:
    """A session with one customer asks only about their records: a payee (contact, recipient) is
    its customer's own by a foreign key (it was nobody's, and a session asked about "the name of my
    contact CNT-05123", a contact only another customer's payments went to); a row nobody owns is
    asked about only by someone whose records point to it."""
    from gem_env.stages.tasks import make_tasks
    from gem_env.stages.tasks.owners import Owners

    checked = 0
    for doc_id, compiled in corpus_domains("tau2_banking_kb_docs.jsonl", [
            "tau2-banking-kb:doc_everyone_pay_everyone_pay_001",
            "tau2-banking-kb:doc_business_checking_accounts_world_blue_004"]):
        owners = Owners(compiled)
        keyed = {t.pk: name for name, t in compiled.tables.items()}
        for seed in range(2):
            for task in make_tasks(compiled, per_domain=8, seed=seed, doc_id=doc_id)[0]:
                rows = [(keyed[k], owners.rows[keyed[k]][str(v)]) for a in task.gold_actions
                        for k, v in a.arguments.items() if k in keyed and str(v) in owners.rows.get(keyed[k], {})]
                people = {owners.of(t, r) for t, r in rows} - {None}
                assert len(people) <= 1, (task.id, people)
                for table, row in rows:
                    users = referrers(owners, table, row) if owners.of(table, row) is None else set()
                    checked += table in ("contacts", "recipients") and owners.of(table, row) is not None
                    assert not users or people & users, (task.id, table, row, people, users)
    assert checked


async def test_the_assistant_opens_the_record_before_it_refuses() -> None:
    """A customer's list shows each record's status; a support agent still opens the record and
    sees the rule's condition there before saying no (the gold makes the same read)."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
    from gem_env.stages.tasks import make_tasks
    from gem_env.agents.lookup import record_reader
    from gem_env.tools import compile_domain, load_domain

    checked = 0
    domains = [compile_domain(load_domain(ROOT / "examples" / "domains" / "shop.yaml"))]
    domains += [c for _, c in corpus_domains("tau2_banking_kb_docs.jsonl", [
        "tau2-banking-kb:doc_bank_accounts_bank_accounts_(general)_037",
        "tau2-banking-kb:doc_credit_cards_platinum_rewards_card_004"])]  # lists show each card's status
    for compiled in domains:
        tasks = [t for seed in range(3) for t in make_tasks(compiled, per_domain=4, seed=seed)[0] if t.refusals]
        done = await run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                   for t in tasks], concurrency=2)
        for task, traj in zip(tasks, done):
            assert traj.verification.passed, traj.verification.failed
            for refusal in task.refusals:
                key, value, table = next((k, v, t) for k, v in refusal.target.items() for t, c in compiled.tables.items()
                                         if c.pk == k and record_reader(compiled, t) is not None)
                opened = {(record_reader(compiled, table).tool, str(value))}
                calls = [(c["function"]["name"], str(json.loads(c["function"]["arguments"]).get(key)))
                         for m in traj.messages for c in m.get("tool_calls") or []]
                gold = [(a.tool, str(a.arguments.get(key))) for a in task.gold_actions]
                assert opened & set(calls) and opened & set(gold), (task.id, calls)
                checked += 1
    assert checked >= 3


async def test_a_lookup_finds_the_record_the_customer_describes_by_opening_each() -> None:
    """'What's the cabin on my booking? It's the one from Kiddchester.': the assistant finds the
    customer by email and opens each of their bookings until the description picks one, as a
    support agent does, instead of asking for an id the customer does not have."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.io.corpus import iter_documents
    from gem_env.documents import Verdict
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
    from gem_env.stages.tasks import make_tasks

    described, compiled_of = [], {}
    for path in ("airline/add-checked-baggage.md", "airline/change-a-booking.md", "shop/cancel-an-order.md",
                 "shop/change-shipping-address.md", "clinic/book-an-appointment.md"):
        doc = next(iter_documents([ROOT / "examples" / "corpus" / path]))
        compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
        tasks = [t for seed in range(3) for t in make_tasks(compiled, per_domain=3, seed=seed)[0]]
        found = [(t, r) for t in tasks for r in t.scenario.requests
                 if r.kind == "lookup" and r.about and not any(k == "id" or k.endswith("_id") for k in r.knows)
                 and len(r.knows) >= 2]
        described += found
        compiled_of.update({t.id: compiled for t, _ in found})
    assert described, "no lookup describes its record"
    done = await run_rollouts([RolloutJob(t, compiled_of[t.id], WorkflowAgent(compiled_of[t.id]), ScriptedUser(t.scenario))
                               for t in {t.id: t for t, _ in described}.values()], concurrency=2)
    for traj in done:
        assert traj.verification.passed, traj.verification.failed
    for task, request in described:
        opened = collections.Counter(a.tool for a in {json.dumps(a.model_dump(), sort_keys=True): a
                                                     for a in task.gold_actions}.values())
        assert max(opened.values()) >= 2, (task.id, opened)  # several records of theirs opened one by one


def test_a_lookup_opens_only_the_record_the_list_already_singles_out() -> None:
    """'My account, the one that is closed': the customer's list shows each account's status, so
    the assistant opens that account alone, not every account of theirs."""
    from gem_env.stages.tasks.lookups import lookup

    (doc_id, compiled), = corpus_domains("tau2_banking_kb_docs.jsonl", ["tau2-banking-kb:doc_bank_accounts_bank_accounts_(general)_001"])
    singled = 0
    for seed, row in [(s, r) for s in range(4) for r in compiled.new_sandbox().dump(["accounts"])["accounts"].values()]:
        sandbox = compiled.new_sandbox()
        try:
            built = lookup(compiled, "accounts", row, sandbox, random.Random(seed))
        finally:
            sandbox.close()
        if isinstance(built, str) or not built.request.about or "account_id" in built.request.knows:
            continue
        described = next((v for k, v in built.request.knows.items() if k.startswith("account_")), None)
        listing = built.actions[0].result.get("accounts", [])
        if described is not None and sum(described in map(str, r.values()) for r in listing) == 1:
            singled += 1
            assert [a.arguments for a in built.actions[1:]] == [{"account_id": row["account_id"]}], built.actions
    assert singled


def test_the_assistant_stops_asking_which_record_of_a_customer_who_cannot_say() -> None:
    """A customer who does not know their card id was asked "Which card ID do you mean?" fifteen
    times until the session ran out (and "What is your card ID?" as often: the check for a question
    already asked compared "card ID" with the lowered text); the assistant now says it cannot go on."""
    from gem_env.agents import banks as B
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    sb = compiled.new_sandbox()
    cards = list(sb.dump(["cards"])["cards"].values())
    owner = next(c["customer_id"] for c in cards if sum(x["customer_id"] == c["customer_id"] for x in cards) >= 2)
    email = sb.dump(["customers"])["customers"][owner]["email"]
    agent = WorkflowAgent(compiled)
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"},
                                      {"role": "user", "content": f"Could you tell me the card type of my card? My email is {email}."}]
    said: list[str] = []
    for _ in range(4):
        said.append(until_spoken(agent, sb, messages))
        if any(g.split("{x}")[0] in said[-1] for g in B.GIVE_UP):
            break
        messages.append({"role": "user", "content": "I don't know my card id, sorry."})
    assert any(g.split("{x}")[0] in said[-1] for g in B.GIVE_UP), said
    assert "without knowing which card you mean" in said[-1], said[-1]  # not "without your card ID"
    assert len(said) <= 3, said  # at most two questions, then the assistant stops


def _example_by_owner(rel: str, table: str) -> tuple[Any, Any, dict[str, list[dict[str, Any]]]]:
    """An example corpus document's domain, a sandbox of it, and the rows of `table` by customer."""
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / rel]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    sb = compiled.new_sandbox()
    by_owner: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in sb.dump([table])[table].values():
        by_owner[row["customer_id"]].append(row)
    return compiled, sb, by_owner


def _cancel_domain_and_owner(pending: int) -> tuple[Any, Any, str, list[dict[str, Any]]]:
    """The example corpus' order-cancelling domain, a sandbox, and the email and orders of a customer
    with `pending` pending orders (at least 2 when `pending` is 2) and some that are not."""
    compiled, sb, by_owner = _example_by_owner("shop/cancel-an-order.md", "orders")
    owner, theirs = next((o, rs) for o, rs in by_owner.items() if len(rs) <= 6
                         and (sum(r["status"] == "pending" for r in rs) >= 2 if pending == 2
                              else sum(r["status"] == "pending" for r in rs) == pending)
                         and any(r["status"] != "pending" for r in rs))
    return compiled, sb, sb.dump(["customers"])["customers"][owner]["email"], theirs


def test_the_only_record_a_change_can_be_made_on_is_named_in_the_one_confirmation() -> None:
    """With one order of several that can be cancelled, the assistant asked "Only one fits: is it the
    one you mean?" and then, after the yes, "Shall I cancel it?": two questions for one go-ahead (91
    of 702 sessions). It now says the only one that fits in the confirmation that proposes it: a yes
    cancels it; "not that one" lists them all; "not that one" with the customer's own order refuses
    that order by the rule; a plain no is a no to the change."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.base import asks_confirmation
    from gem_env.tools.referring import ONLY_FITTING, PROPOSED_RECORD

    compiled, _, email, theirs = _cancel_domain_and_owner(pending=1)
    only = next(r["order_id"] for r in theirs if r["status"] == "pending")
    other = next(r["order_id"] for r in theirs if r["status"] != "pending")
    opening = [{"role": "system", "content": "policy"},
               {"role": "user", "content": f"Please cancel my order because it was ordered by mistake. My email is {email}."}]
    answers = {"Yes, go ahead.": "cancelled", "No, not that one.": "all",
               f"No, not that one. My order is {other}.": "refused", "No, I'd rather not.": "declined"}
    for answer, then in answers.items():
        sb = compiled.new_sandbox()
        messages = list(opening)
        asked = until_spoken(WorkflowAgent(compiled), sb, messages)
        proposed = ONLY_FITTING.search(asked)
        assert proposed and proposed["id"] == only and "can be cancelled" in asked, asked
        assert asks_confirmation(asked) and not PROPOSED_RECORD.search(asked) and asked.count("?") <= 1, asked
        assert not any(r["order_id"] in asked for r in theirs if r["status"] != "pending"), asked
        messages.append({"role": "user", "content": answer})
        said = until_spoken(WorkflowAgent(compiled), sb, messages)
        cancels = [json.loads(c["function"]["arguments"]) for m in messages for c in m.get("tool_calls") or []
                   if c["function"]["name"].startswith("cancel")]
        if then == "cancelled":
            assert cancels == [{"order_id": only, "reason": cancels[0]["reason"]}], cancels
        elif then == "all":
            assert not cancels and all(r["order_id"] in said for r in theirs) and "?" in said, said
            assert not asks_confirmation(said), said
        elif then == "refused":
            assert not cancels and other in said and "pending" in said and not ONLY_FITTING.search(said), said
        else:
            assert not cancels and not any(r["order_id"] in said for r in theirs), said


def test_which_record_names_only_those_the_change_can_be_made_on() -> None:
    """"Cancel my order" from a customer with six orders was met with all six, cancelled and
    delivered ones too; the assistant now names the ones the rule lets it cancel ("Of your 6
    orders, 2 can be cancelled: ..."), and the customer still answers with whichever they mean."""
    from gem_env.agents.workflow_agent import WorkflowAgent

    compiled, sb, email, theirs = _cancel_domain_and_owner(pending=2)
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"},
                                      {"role": "user", "content": f"Please cancel my order because it was ordered by mistake. My email is {email}."}]
    until_spoken(WorkflowAgent(compiled), sb, messages)
    asked = messages[-1]["content"]
    pending = [r["order_id"] for r in theirs if r["status"] == "pending"]
    assert f"{len(theirs)} orders" in asked and "can be cancelled" in asked and "?" in asked, asked
    assert all(o in asked for o in pending), asked
    assert not any(r["order_id"] in asked for r in theirs if r["status"] != "pending"), asked


def test_five_records_listed_by_id_and_status_are_opened_and_told_apart_before_asking_which() -> None:
    """"Of your 6 payments, 5 can be cancelled: PYM-22719, PYM-55112, PYM-64236, PYM-84533 and
    PYM-52043." named bare ids, and "I found 5 cards: CRD-00638 (closed), ..., CRD-16388 (closed)"
    ids told apart by nothing: the agent opened the records it names only up to four, and only
    those a change fits. It now opens as many as a question lists one by one (six), so that each
    is said with what tells it apart (here none can be unfrozen: all five are named)."""
    from gem_env.agents.workflow_agent import WorkflowAgent

    compiled, sb, by_owner = _example_by_owner("bank/freeze-a-card.md", "cards")
    owner = next(o for o, cs in sorted(by_owner.items()) if len(cs) == 5 and all(c["status"] != "frozen" for c in cs))
    email = sb.dump(["customers"])["customers"][owner]["email"]
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"},
                                      {"role": "user", "content": f"Please unfreeze my card. My email is {email}."}]
    asked = until_spoken(WorkflowAgent(compiled), sb, messages)
    told = re.findall(r"\b(CRD-\d+)(?: \(([^)]*)\))?", asked)
    assert len(told) == 5 and all(t for _, t in told) and len({t for _, t in told}) == 5, asked
    assert sum(1 for m in messages if m.get("tool_calls") and m["tool_calls"][0]["function"]["name"] == "get_card_details") == 5


def test_the_other_records_opened_to_ask_which_lend_nothing_to_the_request() -> None:
    """After the customer picked one of five cards opened to tell them apart, the agent asked which
    of "2 posted transactions" it meant: another card's recent ones, from that card's details. The
    records opened are set aside once one is picked: the picked card's one charge is the one meant."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "dispute-a-charge.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    sb = compiled.new_sandbox()
    charges = sb.dump(["charges"])["charges"].values()
    by_owner = collections.defaultdict(list)
    for card in sb.dump(["cards"])["cards"].values():
        by_owner[card["customer_id"]].append(card["card_id"])
    owner, cards = next((o, cs) for o, cs in sorted(by_owner.items()) if len(cs) == 5)
    picked = next(c for c in cards if sum(ch["card_id"] == c for ch in charges) == 1)
    email = sb.dump(["customers"])["customers"][owner]["email"]
    messages: list[dict[str, Any]] = [{"role": "system", "content": "policy"}, {
        "role": "user", "content": f"I'd like to dispute a charge on my card because it's fraud. My email is {email}."}]
    assert all(f"{c} (" in until_spoken(WorkflowAgent(compiled), sb, messages) for c in cards)
    messages.append({"role": "user", "content": f"It's {picked}."})
    asked = until_spoken(WorkflowAgent(compiled), sb, messages)
    named = set(re.findall(r"\bCHR-\d+\b", asked))
    assert named and named <= {ch["charge_id"] for ch in charges if ch["card_id"] == picked}, asked


def test_records_a_list_shows_alike_are_opened_before_asking_which() -> None:
    """"3 can be closed: ACC-26436 (checking), ACC-57024 (savings) and ACC-88017 (savings)": the
    list showed two accounts alike, and only records it showed by id and status were opened; now
    those it shows alike are too (and the one it tells apart is not)."""
    from gem_env.agents.workflow_agent import WorkflowAgent, _Turn
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    agent = WorkflowAgent(check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t"))))
    turn = _Turn([], "", {}, random.Random(0), [], {}, 0)
    listed = [{"card_id": "CRD-1", "status": "active", "card_type": "debit"},
              {"card_id": "CRD-2", "status": "active", "card_type": "credit"},
              {"card_id": "CRD-3", "status": "active", "card_type": "credit"}]
    assert agent._opened("card_id", listed, turn) == (listed, ("get_card_details", {"card_id": "CRD-2"}))
    assert agent._opened("card_id", listed[:2], turn) == (listed[:2], None)


def test_records_opened_to_ask_which_are_not_records_an_earlier_request_named() -> None:
    """A later request asked "Is this for the same line, LINE-1?" about the line an earlier one was
    about; once the lines were opened to ask which, each read's id counted as named, and it asked
    for the id instead. Reads made one after another between two of the user's messages were a
    look through the records; one read alone names its record."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    agent = WorkflowAgent(check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t"))))

    def read(n: int, card: str) -> list[dict[str, Any]]:
        call = {"id": f"c{n}", "type": "function", "function": {"name": "get_card_details", "arguments": json.dumps({"card_id": card})}}
        return [{"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": f"c{n}", "content": json.dumps({"card_id": card, "status": "active"})}]

    prior = [{"role": "user", "content": "Please freeze my card."}, *read(1, "CRD-1"), *read(2, "CRD-2"), *read(3, "CRD-3"),
             {"role": "assistant", "content": "Which card is it?"}, {"role": "user", "content": "The one ending in 0002."},
             *read(4, "CRD-2")]
    assert agent._earlier_ids(prior) == {"card_id": {"CRD-2"}}


def test_only_a_record_a_rule_reads_is_opened_before_a_write() -> None:
    """Before a handoff (no rule) the assistant read the customer's full profile again, as if a rule
    needed it; only records a write's rules read are opened first (a card before freezing it)."""
    from gem_env.agents.prechecks import rule_records
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    keys = {name: t.pk for name, t in compiled.tables.items()}
    handoff = compiled.tools["transfer_to_human_agent"].spec
    assert rule_records(handoff, {"customer_id": "CST-1", "summary": "help"}, keys) == []
    freeze = compiled.tools["freeze_card"].spec
    assert rule_records(freeze, {"card_id": "CRD-1", "reason": "lost"}, keys) == [("cards", "CRD-1")]


def test_a_fee_the_change_charged_is_told() -> None:
    """A late cancellation's reply carried "late_fee": 25 and the assistant said only "It now shows
    as cancelled."; what a change cost is told ("The late fee comes to $25."), and the text's fee
    sentence is said before a cancellation it applies to, not before one well ahead."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = next(iter_documents([ROOT / "examples" / "corpus" / "clinic" / "cancel-an-appointment.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    sb = compiled.new_sandbox()
    state = sb.dump(["appointments", "patients"])
    visit = next(a for a in state["appointments"].values() if a["status"] == "scheduled" and a["visit_type"] != "vaccination"
                 and any(b["status"] == "scheduled" and b["patient_id"] == a["patient_id"] and b["starts_at"] > "2025-01-20"
                         for b in state["appointments"].values() if b is not a))
    assert sb.call("update_appointment_starts_at", {"appointment_id": visit["appointment_id"],
                                                    "starts_at": "2025-01-16T09:00:00"}).ok
    email = state["patients"][visit["patient_id"]]["email"]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "policy"},
        {"role": "user", "content": f"Please cancel my appointment {visit['appointment_id']} because of a conflict. My email is {email}."}]
    asked = until_spoken(WorkflowAgent(compiled), sb, messages)
    assert "fee of $25" in asked and ("?" in asked or "Please confirm." in asked), asked
    messages.append({"role": "user", "content": "Yes, please go ahead."})
    told = until_spoken(WorkflowAgent(compiled), sb, messages)
    assert "late fee" in told and "$25" in told, told
    # well ahead, the fee is not due: the text's sentence about it is not said before the change
    ahead = next(a for a in state["appointments"].values() if a["status"] == "scheduled"
                 and a["patient_id"] == visit["patient_id"] and a["starts_at"] > "2025-01-20" and a is not visit)
    messages = [{"role": "system", "content": "policy"},
                {"role": "user", "content": f"Please cancel my appointment {ahead['appointment_id']} because of a conflict. My email is {email}."}]
    asked = until_spoken(WorkflowAgent(compiled), sb, messages)
    assert ("?" in asked or "Please confirm." in asked) and "$25" not in asked, asked


def test_a_customer_with_five_cards_names_theirs_by_its_last_four_digits() -> None:
    """A customer with five cards said its internal id ("My card id is CRD-05424": 130 openings of
    2,698 requests) because the assistant opened at most four listed records to find the one
    described; it now opens up to `candidates.MOST` (6, the most of one kind a seeded customer
    holds on average three), so the customer says "the card ending in 3349" and the gold opens
    the cards one by one."""
    from gem_env.agents.candidates import MOST
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    from gem_env.stages.tasks import make_tasks

    assert MOST >= 5
    described = 0
    for name in ("freeze-a-card.md", "dispute-a-charge.md", "raise-card-limit.md"):
        doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / name]))
        compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
        cards = compiled.new_sandbox().dump(["cards"])["cards"]
        held = collections.Counter(c["customer_id"] for c in cards.values())
        tasks, _ = make_tasks(compiled, per_domain=12, seed=0)
        for task in tasks:
            for request in task.scenario.requests:
                card = request.found.get("card_id")
                if card in cards and held[cards[card]["customer_id"]] == 5 and "card_last4" in request.knows:
                    described += 1
                    assert "card_id" not in request.knows and "card_id" not in request.opening, request
                    opened = [a.arguments["card_id"] for a in task.gold_actions if a.tool == "get_card_details"]
                    assert card in opened, opened
    assert described >= 3, described
