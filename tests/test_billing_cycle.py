"""A change of plan held to the billing cycle, as the telecom example says it: "Pinecone Mobile
customers can switch plans once per billing cycle", "Upgrades start at once; downgrades start at the
next billing cycle" (`service_cycles`). Neither was held by the sandbox nor said by the agent: a
second change in a cycle went through, a downgrade changed the price at once. And a new line's number,
unique among the lines."""
from __future__ import annotations

import random

from agents.speech import fact, facts_told
from gem_env.stages.tasks import make_tasks
from gem_env.tools import compile_domain
from gem_env.tools.expr import compile_expr
from gem_env.tools.model import RequireStep
from gem_env.tools.render import part_happened
from test_extract_services import extract, extract_text

ONCE = "You cannot change plan more than once in the same billing cycle."


def _lines(compiled):
    return list(compiled.new_sandbox().dump(["lines"])["lines"].values())


def test_a_second_change_in_a_cycle_is_refused_with_the_texts_reason():
    _, domain = extract("telecom/change-your-plan.md")
    tool = domain.tool("update_line_plan")
    rules = {s.message: s.require for s in tool.effect if isinstance(s, RequireStep)}
    assert ONCE in rules  # the sentence that forbids, over "can switch plans once per billing cycle"
    compiled = compile_domain(domain)
    lines = [r for r in _lines(compiled) if r["status"] == "active"]
    this_cycle = [r for r in lines if r["plan_changed_on"] >= r["last_renewed_on"]]
    earlier = [r for r in lines if r["plan_changed_on"] < r["last_renewed_on"]]
    assert this_cycle and earlier  # seeded both ways: refusals can be made
    for r in this_cycle:
        other = next(p for p in ("basic 5gb", "unlimited") if p != r["plan"])
        got = compiled.new_sandbox().call("update_line_plan", {"line_id": r["line_id"], "plan": other})
        assert not got.ok and got.error == ONCE
    # the workflow's own tasks are on lines free to change, and the task maker makes refusals by it
    flow = next(w for w in domain.workflows if w.name == "change_line_plan")
    assert "row.plan_changed_on < row.last_renewed_on)" in flow.anchor.filter
    tasks, _ = make_tasks(compiled, per_domain=30, seed=0)
    assert ONCE in {r.reason for t in tasks for r in t.refusals}


def test_an_upgrade_starts_at_once_and_a_downgrade_at_the_next_cycle():
    _, domain = extract("telecom/change-your-plan.md")
    compiled = compile_domain(domain)
    today = compiled.new_sandbox().clock["today"]
    free = [r for r in _lines(compiled) if r["status"] == "active" and r["plan_changed_on"] < r["last_renewed_on"]]
    up = next(r for r in free if r["plan"] == "basic 5gb")
    got = compiled.new_sandbox().call("update_line_plan", {"line_id": up["line_id"], "plan": "unlimited"})
    assert got.ok and got.value["plan"] == "unlimited" and got.value["monthly_price"] > up["monthly_price"]
    assert got.value["pending_plan"] is None
    down = next(r for r in free if r["plan"] == "unlimited")
    sandbox = compiled.new_sandbox()
    got = sandbox.call("update_line_plan", {"line_id": down["line_id"], "plan": "basic 5gb"})
    starts = compile_expr(f"add_days('{down['last_renewed_on']}', 30)")({}, None)  # the bills' cycle
    assert got.ok and got.value["plan"] == "unlimited" and got.value["monthly_price"] == down["monthly_price"]
    assert (got.value["pending_plan"], got.value["pending_plan_starts_on"]) == ("basic 5gb", starts) and starts > today
    after = sandbox.dump(["lines"])["lines"][down["line_id"]]
    assert after["plan_changed_on"] == today
    # a downgrade is told as what the plan becomes and when, not as a plan changed now
    flow = next(w for w in domain.workflows if w.name == "change_line_plan")
    assert set(flow.tells) == {"plan", "monthly_price", "pending_plan", "pending_plan_starts_on"}
    told = compile_expr(flow.tells["plan"])({"changed": got.value}, None)
    assert told is None
    said = facts_told(random.Random(0), [("pending_plan", "basic 5gb"), ("pending_plan_starts_on", starts)],
                      after_write=True)
    assert len(said) == 1 and "basic 5gb" in said[0] and "pending" not in said[0], said


def test_a_text_without_the_cycle_rules_keeps_its_lines_as_they_were():
    _, domain = extract("telecom/add-a-line.md")
    fields = {f.name for f in domain.entity("lines").fields}
    assert not fields & {"last_renewed_on", "plan_changed_on", "pending_plan"}
    text = "Customers can switch plans once per billing cycle.\n\n1. Choose the line.\n2. Pick the new plan.\n"
    domain = extract_text("Change your mobile plan", text)
    fields = {f.name for f in domain.entity("lines").fields}
    assert {"last_renewed_on", "plan_changed_on"} <= fields and "pending_plan" not in fields  # no downgrade rule


def test_a_month_on_is_the_same_day_or_the_months_last():
    assert compile_expr("add_months('2025-01-31', 1)")({}, None) == "2025-02-28"
    assert compile_expr("add_months('2024-12-15', 1)")({}, None) == "2025-01-15"
    assert compile_expr("add_months('2025-03-31T09:30:00', -1)")({}, None) == "2025-02-28T09:30:00"


def test_a_moment_of_a_part_of_the_record_is_said_and_asked_by_that_part():
    assert part_happened("plan_changed_on") == ("plan", "was changed")
    assert part_happened("pending_plan_starts_on") == ("pending plan", "starts")
    assert part_happened("last_scanned_at") is None and part_happened("placed_on") is None
    said = fact(random.Random(0), "plan_changed_on", "2025-01-07", after_write=False)
    assert "plan was changed on January 7, 2025" in said and "plan changed on" not in said, said


def test_a_new_line_gets_a_number_no_line_has():
    """A new line's number came from the count of lines alone: a line holding that number already
    (seeded, or added when the count had wrapped round the fictional 555-01xx range) got a twin."""
    _, domain = extract("telecom/add-a-line.md")
    compiled = compile_domain(domain)
    sandbox = compiled.new_sandbox()
    lines = list(sandbox.dump(["lines"])["lines"].values())
    held = {c: sum(x["customer_id"] == c and x["status"] != "closed" for x in lines) for c in {x["customer_id"] for x in lines}}
    owing = {x["customer_id"] for x in lines for b in sandbox.dump(["bills"])["bills"].values()
             if b["line_id"] == x["line_id"] and b["status"] == "overdue"}
    free = sorted(c for c, n in held.items() if c not in owing and n < 4)
    taken = f"212-555-01{10 + len(lines) % 90}"  # the number the count gives the next line
    other = next(x for x in lines if x["customer_id"] != free[0])
    sandbox.db.update("lines", other["line_id"], phone_number=taken)
    numbers = []
    for customer in free[:2] * 2:
        added = sandbox.call("add_line", {"customer_id": customer, "plan": "Plus"})
        assert added.ok, added.error
        numbers.append(added.value["phone_number"])
    now = [x["phone_number"] for x in sandbox.dump(["lines"])["lines"].values()]
    assert taken not in numbers and len(set(now)) == len(now), numbers


def test_a_downgrade_is_said_to_wait_before_it_is_made():
    """The assistant said a downgrade waits for the next cycle only after making it: now the
    confirmation says when it would start, from the line read (an upgrade, at once, says nothing)."""
    from agents.prechecks import waiting_changes
    _, domain = extract("telecom/change-your-plan.md")
    compiled = compile_domain(domain)
    sb = compiled.new_sandbox()
    keys = {n: t.pk for n, t in compiled.tables.items()}
    line = next(r for r in _lines(compiled) if r["status"] == "active" and r["plan"] == "unlimited"
                and r["plan_changed_on"] < r["last_renewed_on"])
    spec = compiled.tools["update_line_plan"].spec
    down = {"line_id": line["line_id"], "plan": "basic 5gb"}
    waits = waiting_changes(spec, down, [line], sb.clock, keys)
    made = sb.call("update_line_plan", down)
    assert made.ok and waits == [("plan", "basic 5gb", made.value["pending_plan_starts_on"])]
    assert waiting_changes(spec, down, [], sb.clock, keys) == []  # the line not read: not told
    cheap = next(r for r in _lines(compiled) if r["status"] == "active" and r["plan"] == "basic 5gb"
                 and r["plan_changed_on"] < r["last_renewed_on"])
    assert waiting_changes(spec, {"line_id": cheap["line_id"], "plan": "unlimited"}, [cheap], sb.clock, keys) == []


def test_a_lines_cycle_starts_on_its_billing_day():
    """A line started on November 29 whose bills come on the 29th was "last renewed on December
    21": the cycle it is in starts on its latest billing day (when it started + k x the bills'
    `every` days, not ahead of the clock), and a downgrade waits for the next one."""
    import datetime as dt
    _, domain = extract("telecom/change-your-plan.md")
    compiled = compile_domain(domain)
    sb = compiled.new_sandbox()
    today = dt.date.fromisoformat(sb.clock["today"])
    dump = sb.dump(["lines", "bills"])
    for line in dump["lines"].values():
        started, renewed = (dt.date.fromisoformat(line[k]) for k in ("started_on", "last_renewed_on"))
        assert (renewed - started).days % 30 == 0 and 0 <= (today - renewed).days < 30, line
        for bill in (b for b in dump["bills"].values() if b["line_id"] == line["line_id"]):
            assert (dt.date.fromisoformat(bill["issued_on"]) - started).days % 30 == 0, (line, bill)
    line = next(r for r in dump["lines"].values() if r["status"] == "active" and r["plan"] == "unlimited"
                and r["plan_changed_on"] < r["last_renewed_on"])
    made = sb.call("update_line_plan", {"line_id": line["line_id"], "plan": "basic 5gb"})
    assert made.ok and made.value["pending_plan_starts_on"] == str(
        dt.date.fromisoformat(line["last_renewed_on"]) + dt.timedelta(days=30))

