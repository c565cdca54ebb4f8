"""A question about a catalog's entry (a product, a doctor: nobody's own record) names the entry,
as a customer would, and the assistant finds it in the catalog's list; a customer is never asked
for a product's internal id, nor asks what the entry they name is called."""
from __future__ import annotations

import asyncio
import re

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.scripted import ScriptedUser, _said_again
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from test_extract_services import check_domain, extract


def _lookups(path: str, table: str, per_domain: int = 30, seed: int = 0):
    compiled = check_domain(extract(path)[1])
    tasks, _ = make_tasks(compiled, per_domain=per_domain, seed=seed)
    found = [(t, i, r) for t in tasks for i, r in enumerate(t.scenario.requests)
             if r.kind == "lookup" and t.gold_actions and any(f"{table}_" in k or k == "name" for k in r.knows)]
    return compiled, tasks, found


def _calls(messages):
    return [(c["function"]["name"], c["function"]["arguments"]) for m in messages for c in m.get("tool_calls") or []]


def test_a_product_is_asked_about_by_its_name_and_found_in_the_filtered_list():
    compiled, tasks, found = _lookups("shop/return-an-item.md", "product")
    named = [(t, r) for t, _, r in found if r.about.startswith("the ") and r.about != "the product"]
    assert named, [r.about for t in tasks for r in t.scenario.requests if r.kind == "lookup"]
    for _, r in named:
        assert list(r.knows) == ["product_name"] and r.about == f"the {r.knows['product_name']}"
        assert "name" not in r.asks  # no one asks what the thing they name is called
    tasks = [t for t, _ in named]
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t in tasks], concurrency=4))
    for t, r in zip(tasks, done):
        assert verify(t, r.messages, compiled).passed
        text = " ".join(m.get("content") or "" for m in r.messages if m["role"] == "assistant")
        assert "product ID" not in text  # the customer is never asked for it
        names = [q.knows["product_name"] for q in t.scenario.requests if "product_name" in q.knows and q.kind == "lookup"]
        assert not any(re.search(r"\bproduct PRD-\d+", text) and n not in text for n in names)  # called by name
    lists = [args for r in done for name, args in _calls(r.messages) if name == "list_products"]
    assert lists and all('"name"' in a for a in lists)  # filtered by the name the customer said


def test_a_thing_named_in_the_plural_is_they():
    """"I found the wireless earbuds. I checked: it is not in stock.": "They are not in stock."."""
    said = []
    for path in ("shop/return-an-item.md", "shop/exchange-an-item.md", "shop/track-an-order.md", "shop/cancel-an-order.md"):
        compiled, _, found = _lookups(path, "product")
        plural = [t for t, _, r in found if r.about.startswith("the ") and r.knows.get("product_name", "").endswith("s")
                  and "in_stock" in r.asks]
        done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                         for t in plural], concurrency=4))
        for t, r in zip(plural, done):  # the answers to a question about a thing named in the plural
            names = {q.knows["product_name"] for q in t.scenario.requests
                     if q.kind == "lookup" and q.knows.get("product_name", "").endswith("s")}
            asked = ""
            for m in r.messages:
                if m["role"] == "user":
                    asked = m["content"] or ""
                elif m["role"] == "assistant" and "in stock" in (m["content"] or "") and any(n in asked for n in names):
                    said.append(m["content"])
    assert said and all(re.search(r"\b[Tt]hey(?: are|'re)\b", s) and not re.search(r"\bit is\b", s) for s in said), said


def test_a_fact_the_list_shows_is_read_from_it_and_another_opens_the_entry():
    import random

    from gem_env.stages.tasks.lookups import lookup
    compiled = check_domain(extract("bank/open-a-savings-account.md")[1])
    sandbox = compiled.new_sandbox()
    shown = {"product_id", "name", "account_type", "annual_percentage_yield"}  # what list_products projects
    row = next(iter(sandbox.dump(["products"])["products"].values()))
    gold = {}
    for seed in range(30):
        built = lookup(compiled, "products", row, sandbox, random.Random(seed))
        assert built.request.knows == {"product_name": row["name"]} and "name" not in built.request.asks
        assert built.request.about == f'the product "{row["name"]}"'  # no filter takes the name: the noun says it
        gold[frozenset(built.request.asks) <= shown] = [a.tool for a in built.actions]
    sandbox.close()
    assert gold == {True: ["list_products"], False: ["list_products", "get_product_details"]}


def test_a_doctor_is_named_and_mentioned_once():
    import random

    from gem_env.stages.tasks.lookups import lookup
    compiled = check_domain(extract("clinic/book-an-appointment.md")[1])
    sandbox = compiled.new_sandbox()
    for row in sandbox.dump(["doctors"])["doctors"].values():
        built = lookup(compiled, "doctors", row, sandbox, random.Random(0))
        assert built.request.about == f"doctor {row['name']}" and built.request.knows == {"doctor_name": row["name"]}
        assert [a.tool for a in built.actions] == ["list_doctors"]  # the list shows a doctor's specialty
    sandbox.close()
    assert _said_again("I'd like to know the specialty of my doctor Jo Lee, and if my doctor Jo Lee is in.",
                       "doctor Jo Lee") == "I'd like to know the specialty of my doctor Jo Lee, and if Jo Lee is in."
    assert _said_again("the price of my water bottle, and if my water bottle is in stock",
                       "water bottle") == "the price of my water bottle, and if it is in stock"
    # a person not named keeps the noun: "they" would need another verb
    assert _said_again("the name of my contact, and if my contact is verified", "contact").count("my contact") == 2


def test_a_named_catalog_entry_wins_a_tie_with_the_customers_records():
    """"Could you tell me the card type of my product "Silver Zoom Card"?" was read as a question about
    one of the customer's cards (both have a card type), and the assistant asked which card until the
    session ran out."""
    from gem_env.agents.lookup import CatalogList, LookupPlan, recognise_lookup
    cards = LookupPlan("cards", "card", "get_card_details", "card_id", ["card_id", "card_type", "last4"])
    products = LookupPlan("products", "product", "get_product_details", "product_id", ["product_id", "card_type", "fee"],
                          catalog=CatalogList("list_products", {"name": ["Silver Zoom Card", "Gold Card"]}))
    text = 'Could you tell me what the card type of my product "Silver Zoom Card" is?'
    assert recognise_lookup(text, [cards, products]).plan is products
    assert recognise_lookup("Could you tell me the card type of my card ending in 1234?", [cards, products]).plan is cards
    # a product listed without names to filter by: "card" is only the field's word
    bare = LookupPlan("products", "product", "get_product_details", "product_id", ["product_id", "card_type", "fee"])
    assert recognise_lookup(text, [cards, bare]).plan is bare
    # nobody's own product: 'the product "Silver Zoom Card"' (the name's "Card" is no card of theirs)
    theirs = 'Could you tell me what the card type of the product "Silver Zoom Card" is?'
    assert recognise_lookup(theirs, [cards, bare]).plan is bare


def test_an_entry_with_a_one_word_name_is_said_with_its_kind():
    """"what is the price listed on the Standard?": a plan called Standard is "the Standard plan";
    the assistant still finds it by its name (a support guide's subscription plans)."""
    from conftest import shared_path
    from gem_env.io.corpus import iter_documents
    from test_extract_services import RELEVANT, OfflineExtractor
    path = shared_path("corpora", "support_policies.jsonl")
    doc = next(d for d in iter_documents([path]) if d.id == "abcd-guideline:Subscription Inquiry/Status Active")
    compiled = check_domain(OfflineExtractor().extract(doc, RELEVANT))
    tasks, _ = make_tasks(compiled, per_domain=30, seed=0)
    named = [(t, r) for t in tasks for r in t.scenario.requests if r.kind == "lookup" and r.about.endswith(" plan")]
    assert named, [r.about for t in tasks for r in t.scenario.requests if r.kind == "lookup"]
    for _, r in named:
        name = next(v for k, v in r.knows.items() if k.endswith("name"))
        assert re.fullmatch(r"[A-Z]\w*", name) and r.about == f"the {name} plan", (r.about, name)
    tasks = list({t.id: t for t, _ in named}.values())
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t in tasks], concurrency=4))
    assert all(verify(t, r.messages, compiled).passed for t, r in zip(tasks, done))


def test_a_room_is_asked_about_by_its_kind_not_its_internal_id():
    """"the nightly rate that's on the room ROOM-24509" (a hotel's rooms have no name: one of each
    kind): the customer names the kind ("the suite"), the assistant finds it in the list."""
    # a room lookup is one of the hotel's rarer requests: a sample large enough to hold some
    compiled, tasks, found = _lookups("hotel/modify-a-reservation.md", "room", per_domain=60, seed=3)
    rooms = [(t, r) for t, _, r in found if any(k.startswith("room_") for k in r.knows)]
    assert rooms
    for _, r in rooms:
        assert list(r.knows) == ["room_type"] and "room_id" not in r.knows, r.knows
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t, _ in rooms], concurrency=4))
    for (t, _), r in zip(rooms, done):
        assert verify(t, r.messages, compiled).passed
        assert not any("ROOM-" in (m.get("content") or "") for m in r.messages if m["role"] == "user")


def test_a_catalog_listed_for_an_earlier_request_is_not_listed_again():
    """"What's the monthly fee on the ... Account?" after the products were listed to open one: the
    list read then is still true (nothing written since changes it), so it is not read again with
    the same reply; the entry is still opened for facts the list does not show."""
    compiled, tasks, found = _lookups("bank/open-a-savings-account.md", "product")
    later = [t for t, i, _ in found if i > 0]
    assert later, [r.about for t in tasks for r in t.scenario.requests if r.kind == "lookup"]
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t in later], concurrency=4))
    lists = {name for name, tool in compiled.tools.items() if name.startswith("list_") and not tool.writes}
    repeated = 0
    for t, r in zip(later, done):
        assert verify(t, r.messages, compiled).passed
        calls = {c["id"]: (c["function"]["name"], c["function"]["arguments"])
                 for m in r.messages for c in m.get("tool_calls") or []}
        seen: dict = {}
        for m in r.messages:
            if m["role"] == "tool" and calls[m["tool_call_id"]][0] in lists:
                call = calls[m["tool_call_id"]]
                repeated += seen.get(call) == m["content"]
                seen[call] = m["content"]
    assert repeated == 0, repeated


def test_a_rule_on_a_record_read_is_told_though_its_parent_was_not_read():
    """A return's rules read the item and its order; with only the item listed (its order not
    opened), "An item that is returned cannot get a return" is still told, so the assistant lists
    only the items a return can be made for. It used to give up at the unread order."""
    from gem_env.agents.prechecks import blocking_rule
    compiled = check_domain(extract("shop/return-an-item.md")[1])
    spec = compiled.tools["create_return"].spec
    keys = {name: t.pk for name, t in compiled.tables.items()}
    clock = {"today": "2025-01-15", "now": "2025-01-15T12:00:00"}
    item = {"item_id": "ITM-1", "order_id": "ORD-1", "status": "returned", "purchased_at": "2025-01-10T10:00:00"}
    rule = blocking_rule(spec, {"item_id": "ITM-1"}, [[item]], clock, keys)
    assert rule is not None and "returned" in rule[0], rule
    assert blocking_rule(spec, {"item_id": "ITM-1"}, [[{**item, "status": "ordered"}]], clock, keys) is None


def test_a_customer_asks_about_their_own_profile_as_my_profile():
    """"whether my customer profile is verified", "the credit score of my customer profile" (10
    questions of the dialogue bench): a customer says "my profile"; the assistant reads it as their
    own record (the table who they are is found in), not a user they manage."""
    from gem_env.agents.lookup import LookupPlan, recognise_lookup
    customers = LookupPlan("customers", "customer", "get_customer_details", "customer_id",
                           ["customer_id", "verified", "credit_score"])
    users = LookupPlan("users", "user", "get_user_details", "user_id", ["user_id", "verified", "role"])
    text = "I would like to know whether my profile is verified, please."
    assert recognise_lookup(text, [users, customers], owner="customers").plan is customers
    assert recognise_lookup(text, [users, customers]) is None
    assert recognise_lookup("Could you tell me the credit score on my profile?", [customers], "customers").asks == \
        ["credit_score"]

    import random

    from gem_env.stages.tasks.lookups import lookup
    compiled = check_domain(extract("bank/open-a-savings-account.md")[1])  # the task asks it so
    sandbox = compiled.new_sandbox()
    row = next(iter(sandbox.dump(["customers"])["customers"].values()))
    built = lookup(compiled, "customers", row, sandbox, random.Random(0))
    sandbox.close()
    assert built.request.about == "profile" and built.request.intent.endswith("of my profile"), built.request.intent


def test_a_flight_asked_about_by_its_number_is_one_the_customer_is_booked_on():
    """"I'd like to know the destination that's on the flight." ... "My flight id is FLG-11189." of
    a flight none of the customer's bookings is on (the demo run): an entry of a catalog the
    assistant cannot list by name is asked about only by a customer whose records refer to it."""
    asked = 0
    for path in ("airline/add-checked-baggage.md", "airline/change-a-booking.md"):
        compiled = check_domain(extract(path)[1])
        for seed in range(3):
            tasks, _ = make_tasks(compiled, per_domain=12, seed=seed)
            for t in tasks:
                if len(t.scenario.requests) < 2:
                    continue
                sandbox = compiled.new_sandbox()
                try:
                    flights = {str(b.get("flight_id")) for b in sandbox.dump(["bookings"])["bookings"].values()
                               if str(b.get("customer_id")) == str(_customer(t))}
                finally:
                    sandbox.close()
                for r in t.scenario.requests:
                    if r.kind == "lookup" and "flight_id" in r.knows:
                        asked += 1
                        assert str(r.knows["flight_id"]) in flights, (t.id, r.goal, flights)
    assert asked


def _customer(task):
    """The customer a session is with: the one its first call finds."""
    for a in task.gold_actions:
        if isinstance(a.result, dict) and a.result.get("customer_id"):
            return a.result["customer_id"]
    return None
