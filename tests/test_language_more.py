"""The language features added for multi-entity domains: if steps, comprehensions, business days,
id patterns, explicit seed rows, consistent seeding, default null, workflow let and step groups,
quote spans and syntax hints."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from gem_env.tools import CompileError, DomainError, ExprError, compile_domain, parse_domain
from gem_env.tools.expr import compile_expr, format_id, substitute
from gem_env.tools.plan import plan_for
from gem_env.tools.seed import id_counters, id_spread

CLOCK = "2025-03-05T10:00:00"  # a Wednesday


def bank(**extra):
    """customers -> accounts -> cards -> transactions (-> disputes); reasons is a reference table."""
    data = {
        "name": "bank", "clock": CLOCK,
        "entities": [
            {"name": "customers", "primary_key": "customer_id", "rows": 6,
             "fields": [{"name": "customer_id"}, {"name": "email", "unique": True},
                        {"name": "joined", "type": "date"}]},
            {"name": "accounts", "primary_key": "account_id", "rows": 12,
             "fields": [{"name": "account_id"}, {"name": "customer_id", "foreign_key": "customers.customer_id"},
                        {"name": "opened", "type": "date"}]},
            {"name": "cards", "primary_key": "card_id", "rows": 20,
             "fields": [{"name": "card_id", "faker": {"provider": "bothify", "args": {"text": "CRD-#####"}}},
                        {"name": "account_id", "foreign_key": "accounts.account_id"},
                        {"name": "customer_id", "foreign_key": "customers.customer_id"},
                        {"name": "status", "values": ["active"]},
                        {"name": "frozen_reason", "default": None},
                        {"name": "issued", "type": "date"}]},
            {"name": "transactions", "primary_key": "txn_id", "rows": 40,
             "fields": [{"name": "txn_id", "faker": {"provider": "bothify", "args": {"text": "TX-#####"}}},
                        {"name": "card_id", "foreign_key": "cards.card_id"},
                        {"name": "amount", "type": "number", "range": [1, 300]},
                        {"name": "posted", "type": "datetime"}]},
            {"name": "reasons", "primary_key": "code",
             "data": [{"code": "fraud", "label": "I did not make this charge"},
                      {"code": "wrong_amount", "label": "The amount is wrong"},
                      {"code": "duplicate"}],
             "fields": [{"name": "code"}, {"name": "label", "faker": "sentence"}]},
            {"name": "disputes", "primary_key": "dispute_id", "rows": 0,
             "fields": [{"name": "dispute_id"}, {"name": "txn_id", "foreign_key": "transactions.txn_id"},
                        {"name": "reason", "foreign_key": "reasons.code"},
                        {"name": "reply_by", "type": "date"}]},
        ],
        "tools": [
            {"name": "dispute_charge", "kind": "write",
             "parameters": [{"name": "txn_id"}, {"name": "reason", "enum": ["fraud", "wrong_amount", "duplicate"]}],
             "effect": [
                 {"find": "transactions", "as": "txn", "where": {"txn_id": "txn_id"}},
                 {"find": "cards", "as": "card", "where": {"card_id": "txn.card_id"}},
                 {"insert": "disputes", "as": "d",
                  "values": {"dispute_id": "next_id('DSP-#####')", "txn_id": "txn_id", "reason": "reason",
                             "reply_by": "add_business_days(today, 10)"}},
                 {"if": "reason == 'fraud'",
                  "then": [{"update": "cards", "row": "card", "set": {"status": "'frozen'",
                                                                       "frozen_reason": "'fraud'"}},
                           {"let": {"note": "'card frozen'"}}],
                  "else": [{"let": {"note": "'card unchanged'"}}]},
                 {"return": {"dispute_id": "d.dispute_id", "reply_by": "d.reply_by", "card": "card.status",
                             "note": "note"}}]},
            {"name": "list_card_transactions", "kind": "read", "parameters": [{"name": "card_id"}],
             "effect": [
                 {"find": "transactions", "as": "txns", "many": True, "where": {"card_id": "card_id"}},
                 {"return": {"lines": "[t.txn_id + ': ' + str(t.amount) for t in txns if t.amount >= 5]",
                             "text": "join([t.txn_id for t in txns], '; ')"}}]},
        ],
    }
    data.update(extra)
    return parse_domain(data)


@pytest.fixture(scope="module")
def compiled():
    return compile_domain(bank())


def test_explicit_rows_and_default_null(compiled):
    sb = compiled.new_sandbox()
    reasons = sb.dump(["reasons"])["reasons"]
    assert sorted(reasons) == ["duplicate", "fraud", "wrong_amount"]  # exactly the data rows
    assert reasons["fraud"]["label"] == "I did not make this charge"
    assert reasons["duplicate"]["label"]  # a field the row leaves out is generated
    cards = sb.dump(["cards"])["cards"].values()
    assert all(c["frozen_reason"] is None for c in cards)  # default: null is honoured
    assert compiled.domain.entity("cards").field("frozen_reason").nullable
    again = parse_domain(json.loads(compiled.domain.to_json()))  # survives a round trip
    assert "default" in again.entity("cards").field("frozen_reason").model_fields_set
    assert "default" not in again.entity("cards").field("card_id").model_fields_set


def test_rows_given_with_data_add_generated_rows():
    d = bank()
    reasons = d.entity("reasons").model_copy(update={"rows": 2})
    reasons.model_fields_set.add("rows")
    assert reasons.generated_rows == 2 and d.entity("reasons").generated_rows == 0


def test_data_rows_are_checked():
    with pytest.raises(CompileError, match=r"reasons\).data\[0\]: unknown field"):
        entities = bank().model_dump(by_alias=True, exclude_none=True)["entities"]
        entities[4] = {"name": "reasons", "primary_key": "code", "data": [{"code": "x", "bad": 1}],
                       "fields": [{"name": "code"}]}
        compile_domain(bank(entities=entities))


def test_seeding_is_consistent_along_foreign_keys_and_dates(compiled):
    state = compiled.new_sandbox().dump()
    for card in state["cards"].values():
        account = state["accounts"][card["account_id"]]
        assert card["customer_id"] == account["customer_id"]  # the account is the card's owner's
        assert card["issued"] >= min(account["opened"], state["customers"][card["customer_id"]]["joined"])
        assert card["issued"] >= account["opened"]
    for txn in state["transactions"].values():
        assert txn["posted"][:10] >= state["cards"][txn["card_id"]]["issued"]  # after its parent's date
        assert txn["posted"] <= CLOCK


def test_if_step_id_pattern_and_business_days(compiled):
    sb = compiled.new_sandbox()
    txn = next(iter(sb.dump(["transactions"])["transactions"]))
    out = sb.call("dispute_charge", {"txn_id": txn, "reason": "fraud"}).value
    start = id_counters(compiled.domain, compiled.domain.seed)["DSP-#####"]
    spread = {r: id_spread("DSP-#####", "dispute_charge", plan_for(compiled.tools["dispute_charge"]).arguments(
        {"txn_id": txn, "reason": r})) for r in ("fraud", "duplicate")}
    first = start + 1 + spread["fraud"]
    assert out["dispute_id"] == format_id("DSP-#####", first) and out["card"] == "frozen" and out["note"] == "card frozen"
    assert out["reply_by"] == "2025-03-19"  # ten working days after Wednesday 5 March
    other = sb.call("dispute_charge", {"txn_id": txn, "reason": "duplicate"}).value
    assert other["dispute_id"] == format_id("DSP-#####", first + 1 + spread["duplicate"]) and other["note"] == "card unchanged"


def test_new_ids_start_where_the_domains_seed_puts_them():
    """Not DSP-10001 in every domain and episode: a start drawn from the seed, in the pattern's width,
    the same on every compile."""
    d = bank()
    starts = {seed: id_counters(d, seed)["DSP-#####"] for seed in range(20)}
    assert len(set(starts.values())) >= 15 and all(0 <= v < 45_000 for v in starts.values())
    assert id_counters(d, 3) == id_counters(d, 3)
    made = compile_domain(d, seed=3).new_sandbox().next_id("DSP-#####")
    assert re.fullmatch(r"DSP-\d{5}", made) and made == format_id("DSP-#####", starts[3] + 1)


def test_comprehension_and_join(compiled):
    sb = compiled.new_sandbox()
    state = sb.dump(["transactions"])["transactions"]
    card = next(iter(state.values()))["card_id"]
    out = sb.call("list_card_transactions", {"card_id": card}).value
    mine = sorted((t for t in state.values() if t["card_id"] == card), key=lambda t: t["txn_id"])
    assert out["lines"] == [f"{t['txn_id']}: {t['amount']}" for t in mine if t["amount"] >= 5]
    assert out["text"] == "; ".join(t["txn_id"] for t in mine)


@pytest.mark.parametrize("src, env, expected", [
    ("[x * 2 for x in xs]", {"xs": [1, 2, 3]}, [2, 4, 6]),
    ("[x for x in xs if x > 1]", {"xs": [1, 2, 3]}, [2, 3]),
    ("[r.a for r in rows if r.b]", {"rows": [{"a": 1, "b": True}, {"a": 2, "b": False}]}, [1]),
    ("[x for x in null]", {}, []),
    ("[a, b]", {"a": 1, "b": 2}, [1, 2]),
    ("[]", {}, []),
    ("join(['a', 'b'])", {}, "a, b"),
    ("add_business_days('2025-03-07', 1)", {}, "2025-03-10"),   # Friday -> Monday
    ("add_business_days('2025-03-08', 1)", {}, "2025-03-10"),   # Saturday -> Monday
    ("add_business_days('2025-03-10', -1)", {}, "2025-03-07"),
    ("business_days_between('2025-03-07', '2025-03-14')", {}, 5),
    ("business_days_between('2025-03-14', '2025-03-07')", {}, -5),
    ("business_days_between('2025-03-08', '2025-03-09')", {}, 0),
    ("hours_between('2025-01-15T12:00:00', '2025-01-15T13:30:00')", {}, 1.5),
    ("hours_between('2025-01-15T12:00:00', '2025-01-14')", {}, -36),    # a date is its midnight
    ("days_between('2025-01-15T12:00:00', '2025-01-15T20:00:00')", {}, 0),  # whole days only
])
def test_new_expressions(src, env, expected):
    assert compile_expr(src)(env, None) == expected


def test_comprehension_name_is_local():
    c = compile_expr("[t.amount for t in txns if t.amount > limit]")
    assert c.names == {"txns", "limit"} and c.fields == []


def test_business_days_match_a_day_count():
    start = dt.date(2025, 1, 1)
    for n in range(0, 30):
        end = dt.date.fromisoformat(compile_expr(f"add_business_days('{start}', {n})")({}, None))
        assert compile_expr(f"business_days_between('{start}', '{end}')")({}, None) == n


def test_format_id():
    assert format_id("ORD-", 3) == "ORD-3"
    assert format_id("DSP-#####", 1) == "DSP-10001"
    assert format_id("T#-##", 2) == "T2-##"


@pytest.mark.parametrize("src, hint", [
    ("a && b", "write 'and'"), ("a || b", "write 'or'"), ("!a", "write 'not x'"),
    ("a = 1", "compare with '=='"), ("a ? b : c", "a if cond else b"),
])
def test_syntax_errors_say_what_to_write(src, hint):
    with pytest.raises(ExprError, match=hint):
        compile_expr(src)


def test_if_branches_bind_names_only_when_both_do():
    bad = {"name": "t", "kind": "read", "parameters": [{"name": "x", "type": "integer"}],
           "effect": [{"if": "x > 1", "then": [{"let": {"y": 1}}]}, {"return": "y"}]}
    with pytest.raises(CompileError, match=r"unknown name\(s\) \['y'\]"):
        compile_domain(bank(tools=[bad]))
    writes = {"name": "t", "kind": "read", "parameters": [{"name": "card_id"}],
              "effect": [{"find": "cards", "as": "c", "where": {"card_id": "card_id"}},
                         {"if": "true", "then": [{"delete": "cards", "row": "c"}]}]}
    with pytest.raises(CompileError, match="a read tool cannot insert"):
        compile_domain(bank(tools=[writes]))


def workflow_domain(workflows, groups=None):
    extra = {"workflows": workflows}
    if groups is not None:
        extra["step_groups"] = groups
    return bank(**extra)


def test_workflow_let_and_step_groups_expand():
    groups = {"charges": [{"tool": "list_card_transactions", "args": {"card_id": {"user": "card_id"}},
                           "as": "listing"}]}
    wf = {"name": "dispute_first_charge", "goal": "dispute a charge on card {card_id}",
          "anchor": {"table": "cards"}, "knows": {"card_id": "row.card_id"},
          "steps": [{"use": "charges", "when": "card_id != ''"},
                    {"let": {"lines": "listing.lines"}},
                    {"let": {"first_line": "first(lines)"}},
                    {"tool": "dispute_charge", "when": "len(lines) > 0",
                     "args": {"txn_id": {"result": "first_line"}, "reason": {"const": "fraud"}}, "as": "d"}],
          "tells": {"dispute": "d.dispute_id", "line": "first_line"}}
    steps = workflow_domain([wf], groups).workflows[0].steps
    assert [s.tool for s in steps] == ["list_card_transactions", "dispute_charge"]
    assert steps[0].when == "card_id != ''"
    assert steps[1].when == "len((listing.lines)) > 0"
    assert steps[1].args["txn_id"].result == "(first((listing.lines)))"
    tells = workflow_domain([wf], groups).workflows[0].tells  # listing is bound by a conditional step
    assert tells["line"] == "((first((listing.lines)))) if listing != null else null"
    assert tells["dispute"] == "(d.dispute_id) if d != null else null"


def test_workflow_let_feeds_arguments():
    from gem_env.stages.tasks import make_tasks
    tool = {"name": "card_transactions", "kind": "read", "parameters": [{"name": "card_id"}],
            "effect": [{"find": "transactions", "as": "txns", "many": True, "where": {"card_id": "card_id"}},
                       {"return": {"ids": "[t.txn_id for t in txns]"}}]}
    base = bank()
    groups = {"verify": [{"tool": "card_transactions", "args": {"card_id": {"user": "card_id"}}, "as": "listing"}]}
    wf = {"name": "dispute_latest", "goal": "dispute a charge on card {card_id}", "category": "dispute",
          "anchor": {"table": "cards", "filter": "count_rows('transactions', {card_id: row.card_id}) > 0"},
          "knows": {"card_id": "row.card_id"},
          "steps": [{"use": "verify"}, {"let": {"txn": "first(listing.ids)"}},
                    {"tool": "dispute_charge", "args": {"txn_id": {"result": "txn"}, "reason": {"const": "fraud"}},
                     "as": "d", "when": "txn != null"}],
          "tells": {"dispute": "d.dispute_id", "first": "txn"}}
    data = base.model_dump(by_alias=True, exclude_none=True)
    data["tools"].append(tool)
    data.update(workflows=[wf], step_groups=groups)
    compiled = compile_domain(parse_domain(data))
    tasks, rejected = make_tasks(compiled, per_domain=2, kinds=("complete",))
    assert tasks and not rejected
    assert [a.tool for a in tasks[0].gold_actions] == ["card_transactions", "dispute_charge"]
    assert tasks[0].gold_actions[1].arguments["txn_id"] == tasks[0].gold_actions[0].result["ids"][0]


def test_unknown_step_group_names_the_known_ones():
    wf = {"name": "w", "goal": "g", "anchor": {"table": "cards"}, "steps": [{"use": "nope"}]}
    with pytest.raises(DomainError, match="unknown step group 'nope'; step groups: a"):
        workflow_domain([wf], {"a": []})


def test_substitute_leaves_fields_functions_and_keys():
    assert substitute("x + y.x + x(1) + {x: x}", {"x": "a.b"}) == "(a.b) + y.x + x(1) + {x: (a.b)}"


def test_spans_may_be_quotes():
    d = bank(policy=[{"id": "P1", "text": "Pending charges cannot be disputed.",
                      "span": {"text": "Pending charges cannot be disputed."}}])
    assert d.policy[0].span.start is None
    with pytest.raises(DomainError, match="both start and end, or neither"):
        bank(policy=[{"id": "P1", "text": "x", "span": {"start": 3}}])


def test_the_card_disputes_example_uses_the_language_and_admits_every_workflow():
    from pathlib import Path

    from gem_env.stages.tasks import make_tasks
    from gem_env.tools import load_domain
    d = load_domain(Path(__file__).resolve().parents[1] / "examples" / "domains" / "language" / "card_disputes.yaml")
    c = compile_domain(d)
    tasks, rejected = make_tasks(c, per_domain=4 * len(d.workflows), kinds=("complete", "refuse", "decline", "lookup", "disambiguate"))
    assert not rejected and {w for t in tasks for w in t.workflow.split("+")} == {w.name for w in d.workflows}
    fraud = next(t for t in tasks if t.workflow == "dispute_a_fraudulent_charge" and t.kind == "write"
                 and t.category not in ("decline", "refusal", "multi_request"))
    assert re.fullmatch(r"DSP-\d{5}", fraud.required_outputs["dispute_id"]) and fraud.required_outputs["card_status"] == "frozen"
    assert [a.tool for a in fraud.gold_actions] == ["find_customer_by_email", "open_dispute"]


def test_a_name_bound_in_a_skipped_step_leaves_its_output_untold():
    """A step skipped by its `when` binds its `as` name to null; a `tells` entry reading it tells
    nothing for that row (left out), the other entries still do, and the task is still made."""
    from gem_env.stages.tasks import make_tasks
    tool = {"name": "card_transactions", "kind": "read", "parameters": [{"name": "card_id"}],
            "effect": [{"find": "transactions", "as": "txns", "many": True, "where": {"card_id": "card_id"}},
                       {"return": {"ids": "[t.txn_id for t in txns]", "count": "len(txns)"}}]}
    wf = {"name": "dispute_big", "goal": "dispute a big charge on card {card_id}", "category": "dispute",
          "anchor": {"table": "cards", "filter": "count_rows('transactions', {card_id: row.card_id}) > 0"},
          "knows": {"card_id": "row.card_id"},
          "steps": [{"tool": "card_transactions", "args": {"card_id": {"user": "card_id"}}, "as": "listing"},
                    {"tool": "dispute_charge", "args": {"txn_id": {"result": "first(listing.ids)"},
                                                        "reason": {"const": "duplicate"}},
                     "as": "d", "when": "listing.count > 1000"}],  # never true: always skipped
          "tells": {"dispute": "d.dispute_id", "charges": "listing.count"}}
    data = bank().model_dump(by_alias=True, exclude_none=True)
    data["tools"].append(tool)
    data["workflows"] = [wf]
    compiled = compile_domain(parse_domain(data))
    tasks, rejected = make_tasks(compiled, per_domain=2, kinds=("complete",))
    assert tasks, rejected
    assert [a.tool for a in tasks[0].gold_actions] == ["card_transactions"]
    assert set(tasks[0].required_outputs) == {"charges"}


def test_a_persons_name_and_email_agree():
    domain = parse_domain({
        "name": "people", "clock": CLOCK,
        "entities": [{"name": "customers", "primary_key": "customer_id", "rows": 30,
                      "fields": [{"name": "customer_id"}, {"name": "first_name"}, {"name": "last_name"},
                                 {"name": "full_name"}, {"name": "email", "faker": "email", "unique": True},
                                 {"name": "backup_email", "values": ["ops@example.com"]}]}],
        "tools": [], "workflows": []})
    rows = compile_domain(domain).new_sandbox().dump()["customers"].values()
    emails = [r["email"] for r in rows]
    assert len(set(emails)) == 30
    for r in rows:
        first, last = r["first_name"].lower(), r["last_name"].lower()
        assert r["full_name"] == f"{r['first_name']} {r['last_name']}"
        local = r["email"].split("@")[0].rstrip("0123456789")
        assert local in {f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}{last[0]}"}, r
        assert r["backup_email"] == "ops@example.com"  # listed values are kept as they are


def test_a_username_follows_its_owners_name():
    """Omar King's accounts had Faker's usernames of other people (davidholloway, cassandramiller):
    a generated username is made from the name of the person the row is of, distinct in its field."""
    domain = parse_domain({
        "name": "logins", "clock": CLOCK,
        "entities": [{"name": "customers", "primary_key": "customer_id", "rows": 10,
                      "fields": [{"name": "customer_id"}, {"name": "first_name"}, {"name": "last_name"}]},
                     {"name": "accounts", "primary_key": "account_id", "rows": 40,
                      "fields": [{"name": "account_id"}, {"name": "customer_id", "foreign_key": "customers.customer_id"},
                                 {"name": "username", "faker": "user_name"},
                                 {"name": "handle", "values": ["kept"]}]}],
        "tools": [], "workflows": []})
    dump = compile_domain(domain).new_sandbox().dump()
    people = dump["customers"]
    names = [r["username"] for r in dump["accounts"].values()]
    assert len(set(names)) == 40
    for r in dump["accounts"].values():
        owner = people[r["customer_id"]]
        first, last = owner["first_name"].lower(), owner["last_name"].lower()
        shapes = {f"{first}{last}", f"{first}.{last}", f"{first[0]}{last}", f"{last}{first[0]}",
                  f"{first}{last[0]}", f"{last}.{first}"}
        assert r["username"].rstrip("0123456789") in shapes, (r, owner)
        assert r["handle"] == "kept"


def test_a_full_name_alone_is_a_name_without_faker_s_titles():
    """Faker writes "Dr. Valerie Moore" and "John Hill MD"; a record holds the name alone."""
    domain = parse_domain({
        "name": "team", "clock": CLOCK,
        "entities": [{"name": "users", "primary_key": "user_id", "rows": 200,
                      "fields": [{"name": "user_id"}, {"name": "full_name"}]}],
        "tools": [], "workflows": []})
    names = [r["full_name"] for r in compile_domain(domain).new_sandbox().dump()["users"].values()]
    assert all(re.fullmatch(r"[A-Z][\w'-]+ [A-Z][\w'-]+", n) for n in names), [n for n in names if n.count(" ") != 1]


def _visits(**starts_at) -> dict:
    return {"name": "clinic", "clock": CLOCK, "entities": [
        {"name": "visits", "primary_key": "visit_id", "rows": 60, "fields": [
            {"name": "visit_id"}, {"name": "status", "values": ["scheduled", "completed", "cancelled"]},
            {"name": "starts_at", "type": "datetime", **starts_at},
            {"name": "booked_on", "type": "date"}]}], "tools": [], "workflows": []}


def test_a_date_follows_the_status_and_the_row_is_booked_before_it():
    """A completed visit started before the clock, a scheduled one starts after it (`by` with a range
    per status; statuses without one take the field's own range), at a quarter hour within opening
    hours (`hours`); a date the field does not bound (booked_on) comes before the row's past dates."""
    compiled = compile_domain(parse_domain(_visits(
        range=["2025-03-06T00:00:00", "2025-04-30T23:59:00"], hours=[8, 17],
        by={"status": {"completed": {"range": ["2025-01-01T00:00:00", "2025-03-04T23:59:00"]}}})))
    assert not compiled.domain.entity("visits").field("starts_at").nullable  # it has a range of its own
    rows = list(compiled.new_sandbox().dump()["visits"].values())
    assert {r["status"] for r in rows} == {"scheduled", "completed", "cancelled"}
    for r in rows:
        when = dt.datetime.fromisoformat(r["starts_at"])
        assert (when < dt.datetime.fromisoformat(CLOCK)) == (r["status"] == "completed"), r
        assert 8 <= when.hour < 17 and when.minute % 15 == 0 and when.second == 0, r
        assert r["booked_on"] <= CLOCK[:10]
        if r["status"] == "completed":
            assert r["booked_on"] <= r["starts_at"][:10], r


def test_hours_fit_a_range_that_starts_and_ends_mid_day():
    rows = compile_domain(parse_domain(_visits(range=["2025-03-06T15:10:00", "2025-03-07T09:00:00"],
                                               hours=[8, 17]))).new_sandbox().dump()["visits"].values()
    got = {r["starts_at"] for r in rows}
    assert got <= {"2025-03-06T15:15:00", "2025-03-06T15:30:00", "2025-03-06T15:45:00", "2025-03-06T16:00:00",
                   "2025-03-06T16:15:00", "2025-03-06T16:30:00", "2025-03-06T16:45:00", "2025-03-07T08:00:00",
                   "2025-03-07T08:15:00", "2025-03-07T08:30:00", "2025-03-07T08:45:00", "2025-03-07T09:00:00"}
    assert len(got) > 3


@pytest.mark.parametrize("starts_at, message", [
    ({"type": "date", "hours": [8, 17]}, r"hours \[8, 17\] must be two hours 0 <= first < second <= 24 of a datetime"),
    ({"hours": [17, 8]}, r"hours \[17, 8\] must be two hours"),
    ({"by": {"status": {"completed": {"range": ["soon", "later"]}}}}, r"starts_at.by.status: range needs ISO dates"),
])
def test_bad_hours_and_by_ranges_say_what_is_wrong(starts_at, message):
    d = _visits(**{k: v for k, v in starts_at.items() if k != "type"})
    d["entities"][0]["fields"][2]["type"] = starts_at.get("type", "datetime")
    with pytest.raises(CompileError, match=message):
        compile_domain(parse_domain(d)).new_sandbox()


def test_new_ids_differ_between_sessions_that_create_different_records(compiled):
    """Every trajectory of a domain handed its first new dispute the same id (DSP-50661 in each): the
    id now starts past the counter by a spread drawn from the call, so different calls in fresh
    sandboxes get different ids and the same call (a replay) the same one."""
    txns = sorted(compiled.new_sandbox().dump(["transactions"])["transactions"])[:12]

    def first_id(txn: str) -> str:
        return compiled.new_sandbox().call("dispute_charge", {"txn_id": txn, "reason": "duplicate"}).value["dispute_id"]
    ids = [first_id(t) for t in txns]
    assert len(set(ids)) >= 10
    assert [first_id(t) for t in txns] == ids


def test_a_new_ids_spread_reads_a_whole_number_as_the_same_amount():
    """A model may write a limit of 3000 or 3000.0: the same call, the same new id (a session that
    wrote 3000 was failed against a gold run that had 3000.0)."""
    assert id_spread("CRD-#####", "issue_card", {"customer_id": "C-1", "spending_limit": 3000}) == \
        id_spread("CRD-#####", "issue_card", {"customer_id": "C-1", "spending_limit": 3000.0})
    assert id_spread("CRD-#####", "issue_card", {"customer_id": "C-1", "spending_limit": [1.0, 2]}) == \
        id_spread("CRD-#####", "issue_card", {"customer_id": "C-1", "spending_limit": [1, 2.0]})


def _orders_and_items(item_status: dict) -> dict:
    return {"name": "shop", "clock": CLOCK, "seed": 3, "entities": [
        {"name": "orders", "primary_key": "order_id", "rows": 20, "fields": [
            {"name": "order_id"}, {"name": "status", "values": ["pending", "delivered", "cancelled"]}]},
        {"name": "items", "primary_key": "item_id", "rows": 60, "fields": [
            {"name": "item_id"}, {"name": "order_id", "foreign_key": "orders.order_id"}, item_status,
            {"name": "returned_on", "type": "date", "by": {"status": {"returned": {"range": ["2025-01-01", "2025-01-10"]}}}}]}],
        "tools": []}


def test_by_follows_a_field_of_the_row_a_foreign_key_refers_to():
    """An item of a pending or cancelled order is not returned yet (`by: {order_id.status: ...}`);
    a delivered order's items take the field's own values; what follows the item's own status
    follows the value it got (a return date only on a returned item)."""
    status = {"name": "status", "values": ["ordered", "returned"],
              "by": {"order_id.status": {"pending": ["ordered"], "cancelled": ["ordered"]}}}
    dump = compile_domain(parse_domain(_orders_and_items(status))).new_sandbox().dump()
    orders = dump["orders"]
    items = list(dump["items"].values())
    assert all(i["status"] == "ordered" for i in items if orders[i["order_id"]]["status"] != "delivered"), items
    assert {i["status"] for i in items if orders[i["order_id"]]["status"] == "delivered"} == {"ordered", "returned"}
    assert all((i["returned_on"] is not None) == (i["status"] == "returned") for i in items), items
    bad = {**status, "by": {"product_id.status": {"pending": ["ordered"]}}}
    with pytest.raises(CompileError, match=r"must start with one of this table's foreign keys \['order_id'\]"):
        compile_domain(parse_domain(_orders_and_items(bad)))
