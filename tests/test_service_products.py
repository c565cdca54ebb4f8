"""Opening a new account or card from a product the text names, under the eligibility rules the
text states (`gem_env.stages.extract.service_products`)."""
from __future__ import annotations

import random
import re
from pathlib import Path

from gem_env.agents.guidance import voice
from gem_env.agents.speech import confirm
from gem_env.documents import Document, Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.service_products import _facts, _product_names
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

ROOT = Path(__file__).resolve().parents[1]
RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
CUTOFF = "2007-01-15"  # 18 years before the offline extractor's clock (2025-01-15)


def _savings() -> Domain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "open-a-savings-account.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain), got
    return got


def test_the_products_and_rules_of_the_text_become_a_table_owner_fields_and_an_open_tool():
    d = _savings()
    products = d.entity("products")
    assert [r["name"] for r in products.data] == ["Harbor Everyday Saver Account", "Harbor Goal Saver Account"]
    assert {r["account_type"] for r in products.data} == {"savings"}
    assert {"verified", "date_of_birth"} <= {f.name for f in d.entity("customers").fields}
    assert d.entity("accounts").field("product_id").foreign_key == "products.product_id"
    tool = d.tool("open_account")
    assert [p.name for p in tool.parameters] == ["customer_id", "product_id"]
    rules = {s.message: s.require for s in tool.effect if isinstance(s, RequireStep)}
    assert rules == {
        "A new account needs the customer to be at least 18 years old": f"customer_row.date_of_birth <= '{CUTOFF}'",
        "A new account needs the customer's identity to be verified": "customer_row.verified",
        "A customer can hold at most 3 savings accounts":
            "count_rows('accounts', {customer_id: customer_row.customer_id, account_type: 'savings'}) < 3",
        "A new account needs an existing open checking account with a balance of at least $100":
            "len([x for x in rows('accounts', {customer_id: customer_row.customer_id}) if x.status == 'open' and "
            "x.account_type == 'checking' and x.balance >= 100.0]) > 0"}
    cited = {(s.start, s.end) for s in d.provenance.spans}
    text = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "open-a-savings-account.md"])).text
    for sentence in ("You must be at least 18 years old.", "You cannot have more than 3 savings accounts with us."):
        at = text.index(sentence)
        assert any(s <= at < e for s, e in cited), sentence
    flow = next(w for w in d.workflows if w.name == "open_account")
    assert flow.goal == "open a new {product_name}"


def test_the_open_tool_refuses_exactly_the_customers_a_rule_leaves_out():
    compiled = check_domain(_savings())
    sb = compiled.new_sandbox()
    data = sb.dump(["customers", "accounts", "products"])
    product = next(iter(data["products"]))
    seen_ok = seen_refused = 0
    for cid, c in sorted(data["customers"].items()):
        held = [a for a in data["accounts"].values() if a["customer_id"] == cid]
        expected = [m for m, ok in (
            ("at least 18 years old", c["date_of_birth"] <= CUTOFF),
            ("identity to be verified", bool(c["verified"])),
            ("at most 3 savings accounts", sum(a["account_type"] == "savings" for a in held) < 3),
            ("balance of at least $100", any(a["status"] == "open" and a["account_type"] == "checking"
                                             and a["balance"] >= 100 for a in held))) if not ok]
        snap = sb.snapshot()
        got = sb.call("open_account", {"customer_id": cid, "product_id": product})
        if expected:
            seen_refused += 1
            assert not got.ok and expected[0] in got.error, (cid, expected, got.error)
        else:
            seen_ok += 1
            assert got.ok, got.error
            made = sb.dump(["accounts"])["accounts"][got.value["account_id"]]
            assert made == {**made, "customer_id": cid, "status": "open", "account_type": "savings",
                            "balance": 0, "product_id": product, "opened_on": "2025-01-15"}
            assert got.value["product"] == data["products"][product]["name"]
        sb.restore(snap)
    assert seen_ok and seen_refused


def test_opening_is_a_task_of_every_kind_and_a_refusal_names_the_rule():
    compiled = check_domain(_savings())
    tasks, _ = make_tasks(compiled, per_domain=12, kinds=("complete", "refuse", "decline", "multi_request"))
    kinds = {t.category for t in tasks if t.workflow.split("+")[0] == "open_account"}
    assert {"complete", "refuse", "decline"} <= kinds
    refused = next(t for t in tasks if t.category == "refuse" and t.workflow.split("+")[0] == "open_account")
    assert refused.refusals[0].tool == "open_account" and refused.refusals[0].reason.startswith("A new account needs")


def test_no_products_without_opening_words_or_product_names():
    freeze = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    d = OfflineExtractor().extract(freeze, RELEVANT)
    assert isinstance(d, Domain) and d.entity("products") is None and d.tool("apply_for_card") is None
    plain = ("To open a checking or savings account at the bank:\n1. Verify the customer.\n2. Check the balance "
             "of their accounts and the first deposit.\n3. Open the account and transfer the deposit.\n"
             "The customer must be at least 18 years old.")
    d = OfflineExtractor().extract(Document(id="p", title="Opening checking accounts", text=plain), RELEVANT)
    assert isinstance(d, Domain) and d.tool("freeze_account") is not None and d.entity("products") is None


def test_product_names_are_the_texts_own_not_generic_or_heading_words():
    text = ("## Expired Card\nReplace it. Apply for a Green Rewards Card or a Business Credit Card today.\n"
            "Personal checking account_class options include Navy Blue, Cobalt Blue, True Blue, etc.")
    assert _product_names(text, "Platinum Rewards Card: Elite Business Credit Card Application") == [
        "Platinum Rewards Card", "Green Rewards Card", "Navy Blue", "Cobalt Blue", "True Blue"]
    assert _product_names("", "Getting Started with Cobalt Blue Business Checking") == ["Cobalt Blue Business Checking"]
    assert _product_names("", "Green Rewards Card: Apply for a Sustainable Business Credit Card") == ["Green Rewards Card"]
    for phrase in ("Internal: Activating a Debit Card", "Internal: Lost/Stolen Card - Protocol", "Linked Checking Account",
                   "Virtual Card Management: Spending Limits Per Card", "Closing Personal Checking Accounts"):
        assert _product_names("", phrase) == [], phrase


def test_an_eligibility_requirement_is_not_read_out_as_what_happens():
    assert voice("The customer has no checking accounts closed for cause in the past 6 months.") is None
    assert voice("We send the card within 7 business days.") == "We'll send the card within 7 business days."


def test_a_catalog_entry_is_not_described_as_the_customers_own():
    product = {"product_id": "PRD-1", "name": "Harbor Goal Saver Account", "account_type": "savings"}
    account = {"account_id": "ACC-1", "customer_id": "CST-1", "status": "open", "account_type": "savings"}
    said = confirm(random.Random(3), "open a new Harbor Goal Saver Account",
                   {"customer_id": "CST-1", "product_id": "PRD-1"}, re.compile("pin"), [product])
    assert "product called" not in said and "your savings product" not in said
    assert "PRD-1" not in said  # the action names the product: its number adds nothing
    priced = {**product, "annual_percentage_yield": "2.25%", "monthly_fee": "$0", "minimum_opening_deposit": None}
    said = confirm(random.Random(3), "open a new Harbor Goal Saver Account",
                   {"customer_id": "CST-1", "product_id": "PRD-1"}, re.compile("pin"), [priced])
    assert "The Harbor Goal Saver Account has an annual percentage yield of 2.25% and a monthly fee of $0." in said
    said = confirm(random.Random(3), "close your account ACC-1", {"account_id": "ACC-1"}, re.compile("pin"), [account])
    assert "open savings account" in said


def test_the_title_products_facts_are_its_rows_and_a_question_the_agent_answers():
    import asyncio

    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
    from gem_env.stages.tasks.make import instantiate
    from gem_env.stages.verify import verify

    d = _savings()
    rows = d.entity("products").data
    assert rows[0] | {"annual_percentage_yield": "2.25%", "monthly_fee": "$0", "minimum_opening_deposit": "$25"} == rows[0]
    assert all(rows[1][f] is None for f in ("annual_percentage_yield", "monthly_fee", "minimum_opening_deposit"))
    flow = next(w for w in d.workflows if w.name == "ask_about_product")
    assert flow.goal == "find out the annual percentage yield and the monthly fee of the {product_name}"
    c = check_domain(d)
    task = instantiate(c, flow, next(r for r in c.new_sandbox().dump(["products"])["products"].values()
                                     if r["name"] == "Harbor Everyday Saver Account"))
    assert task.required_outputs == {"annual_percentage_yield": "2.25%", "monthly_fee": "$0"}
    tasks, _ = make_tasks(c, per_domain=20, seed=0)
    jobs = [RolloutJob(t, c, WorkflowAgent(c), ScriptedUser(t.scenario)) for t in [task, *tasks]]
    done = asyncio.run(run_rollouts(jobs, concurrency=4))
    failed = [(t.id, v.failed) for t, r in zip([task, *tasks], done) if not (v := verify(t, r.messages, c)).passed]
    assert len(tasks) >= 15 and not failed, failed
    said = " ".join(m.get("content") or "" for m in done[0].messages if m["role"] == "assistant")
    assert "2.25%" in said and "$0" in said


def test_a_domain_with_product_rows_written_out_and_read_back_seeds_the_same_sandbox():
    from gem_env.tools.compiler import compile_domain
    d = _savings()
    again = Domain.model_validate_json(d.to_json())
    assert again.entity("products").rows == 0
    first, second = check_domain(d).new_sandbox(), compile_domain(again).new_sandbox()
    assert first.state_hash() == second.state_hash()


def test_a_score_the_text_writes_as_money_is_a_plain_number():
    """"Minimum credit score: $640" (a page of the banking corpus) is said "a minimum credit score of 640"."""
    got = _facts("- Minimum credit score: $640\n- Annual fee: $0.00\n")
    assert got["minimum_credit_score"].value == "640" and got["annual_fee"].value == "$0.00"
    # the label may go on past "score" (was said "a minimum credit score required of $750")
    assert _facts("| Minimum credit score required | $750 |\n")["minimum_credit_score_required"].value == "750"


def test_a_number_of_things_the_text_states_is_a_count(tmp_path: Path):
    """"up to 35 supported currencies" is a count (an integer field, "35 supported currencies"), not
    the text "35" (said "the supported currencies is 35"); a fee stays as the text writes it."""
    doc_path = tmp_path / "world.md"
    doc_path.write_text("# How to open a World Blue Checking Account\n\nOpen a World Blue Checking Account online.\n\n"
                        "- Monthly fee: $50.00\n- Supported currencies: 35\n\n1. Sign in.\n2. Choose the account.\n"
                        "3. Submit the application.\n")
    got = OfflineExtractor().extract(next(iter_documents([doc_path])), RELEVANT)
    assert isinstance(got, Domain), got
    products = got.entity("products")
    assert products.field("supported_currencies").type == "integer" and products.field("monthly_fee").type == "string"
    assert products.data[0]["supported_currencies"] == 35 and products.data[0]["monthly_fee"] == "$50.00"


def test_a_catalog_entrys_name_with_a_digit_is_not_one_of_its_figures():
    said = confirm(random.Random(3), "place a hold on Vision-oriented 24hour help-desk for home delivery",
                   {"member_id": "MMB-1", "title_id": "TTL-1"}, re.compile("pin"),
                   [{"title_id": "TTL-1", "name": "Vision-oriented 24hour help-desk", "copies_available": 0}])
    assert "has no copies available" in said and "a name of" not in said


def test_a_plan_named_by_its_plan_name_is_a_catalog_entry_not_yours():
    """"This is for plan PLN-16223. This is your plan called Premium, with a price of $27.32" before
    starting a membership: a plan is the catalog's, told by its terms, its id not said again."""
    said = confirm(random.Random(1), "start a membership on the Premium plan", {"member_id": "MMB-1", "plan_id": "PLN-1"},
                   re.compile("pin"), [{"plan_id": "PLN-1", "plan_name": "Premium", "price": 27.32}])
    assert "The Premium plan has a price of $27.32." in said and "PLN-1" not in said and "your plan" not in said


def test_a_catalog_entry_without_a_name_is_the_one_not_yours_and_not_said_twice():
    """"I'll book a flight from A to B on January 22, 2025 ... I'm looking at your flight from A to B
    from January 22, 2025": a flight is the airline's, and what the action says is not said again;
    a night's rate is money."""
    said = confirm(random.Random(2), "book a flight from Bentleyberg to Medinaport on January 22, 2025",
                   {"customer_id": "CST-1", "flight_id": "FLG-1"}, re.compile("pin"),
                   [{"flight_id": "FLG-1", "origin": "Bentleyberg", "destination": "Medinaport",
                     "departure_date": "2025-01-22", "price": 605.15, "seats_left": 36}])
    assert "your flight" not in said and "a price of $605.15 and 36 seats left" in said
    assert said.count("Bentleyberg") == 1
    from gem_env.tools.render import is_money
    assert is_money("nightly_rate", 140.47) and not is_money("interest_rate", 3.5)


def test_a_rule_about_the_customer_is_said_to_them_and_cited_in_its_own_words():
    """Refused, the customer hears "a new account needs you to be at least 18 years old" (was "...
    needs the customer to be ..."); the hand-off note cites the rule in its own words from either
    (a refusal saying "your identity" was not read as citing "the customer's identity": its note
    had no rule, or the customer was asked to write one)."""
    from gem_env.agents.prechecks import rule_cited
    from gem_env.agents.speech import reason_text
    tool = _savings().tool("open_account")
    said = {m: reason_text(m, []) for m in (s.message for s in tool.effect if isinstance(s, RequireStep))}
    assert said["A new account needs the customer to be at least 18 years old"] \
        == "A new account needs you to be at least 18 years old."
    assert said["A new account needs the customer's identity to be verified"] \
        == "A new account needs your identity to be verified."
    for rule, words in said.items():
        refusal = f"I'm sorry, I can't open the account. The rule is: {words[:1].lower()}{words[1:]} If you'd like, ..."
        assert rule_cited(tool, refusal).lower() == rule.lower(), (rule, refusal)
    assert reason_text("This customer already has an active promo code", []) == "You already have an active promo code."
    assert reason_text("A customer can hold at most 3 savings accounts", []) \
        == "A customer can hold at most 3 savings accounts."


def test_a_product_is_opened_after_reading_the_terms_its_list_does_not_show():
    """The list of products shows each one's id and main facts; its monthly fee and opening deposit
    are in its details, read before the account is opened (as a careful agent does) and told."""
    d = _savings()
    flow = next(w for w in d.workflows if w.name == "open_account")
    tools = [s.tool for s in flow.steps]
    assert tools.index("list_products") < tools.index("get_product_details") < tools.index("open_account")
    assert {"monthly_fee", "minimum_opening_deposit"} <= set(flow.tells)
    listed = d.tool("list_products").effect[-1].return_
    assert "monthly_fee" not in str(listed) and "minimum_opening_deposit" not in str(listed)


def test_no_details_read_where_the_list_shows_an_entry_whole(examples_run: Path):
    """A gym's plans are listed whole (name and price): nothing is opened again before a change."""
    import json
    d = Domain.model_validate_json((examples_run / "domains" / "gym-freeze-membership.json").read_text())
    assert all("get_plan_details" not in [s.tool for s in w.steps] for w in d.workflows)
    said = [json.loads(line) for line in (examples_run / "trajectories.jsonl").open()]
    opened = [t for t in said if "bank_open-a-savings-account" in t["task"]["id"]
              and any(a["tool"] == "open_account" and a["ok"] for a in t["task"]["gold_actions"])]
    assert opened
    told = 0
    for t in opened:
        calls = [c["function"]["name"] for m in t["messages"] for c in m.get("tool_calls") or []]
        assert calls.index("get_product_details") < calls.index("open_account")
        at = next(i for i, m in enumerate(t["messages"]) for c in m.get("tool_calls") or []
                  if c["function"]["name"] == "get_product_details")
        terms = json.loads(t["messages"][at + 1]["content"])
        after = " ".join(m["content"] or "" for m in t["messages"][at:] if m["role"] == "assistant")
        given = [terms[k] for k in ("monthly_fee", "minimum_opening_deposit") if terms[k]]
        assert all(v in after for v in given), (given, after)  # told
        told += len(given)
    assert told