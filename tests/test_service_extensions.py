"""A rental's end moved to the date the customer gives (`gem_env.stages.extract.service_extensions`)."""
from __future__ import annotations

import datetime as dt
import json
import random
import re

from gem_env.agents import speech
from gem_env.agents.actions import action
from gem_env.agents.prechecks import memory
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
CAR = """# Extend a car rental

Keep your Roadrunner Rentals car for longer by extending the rental before it ends.

Each rental has a rental agreement number (for example RA-558201), the car's plate number, the pick-up and return dates and the daily rate.

1. Open Manage rental and enter your rental agreement number and last name.
2. Select Extend rental and choose the new return date.
3. Check the price: the extra days use the daily rate of your agreement.
4. Confirm with the card used at pick-up.

A rental can only be extended if the new return date is within 30 days of the original one and the car is not booked by another customer. You must extend at least 2 hours before the original return time; otherwise late fees apply.
"""
WINDOW = "A rental can only be extended if the new return date is within 30 days of the original one."
BOOKED = "A rental can only be extended if the car is not booked by another customer."
LEAD = "You must extend at least 2 hours before the original return time; otherwise late fees apply."
BIKES = """# Extend a bike rental

Spoke & Pedal rents city bikes and e-bikes by the day. Your rental agreement shows the return date and the daily rate.

1. Sign in to your account and open your rental.
2. Choose Extend rental and pick a new return date.
3. Pay for the extra days at your daily rate.

You can extend a rental within 2 weeks of the original return date. Extensions must be made at least 1 day before the return date.
"""


def _domain(text: str, title: str) -> Domain:
    got = OfflineExtractor().extract(Document(id="rental", text=text, title=title), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def _day(value: str, days: int) -> str:
    return (dt.date.fromisoformat(value[:10]) + dt.timedelta(days=days)).isoformat()


def test_a_car_rental_text_becomes_a_rentals_service_with_an_extend_write_under_its_rules():
    d = _domain(CAR, "Extend a car rental")
    assert {t.name for t in d.tools} >= {"find_customer_by_email", "find_customer_by_name_zip", "get_rental_details",
                                         "quote_rental_extension", "extend_rental"}
    tool = d.tool("extend_rental")
    assert [p.name for p in tool.parameters] == ["rental_id", "new_return_date"]
    messages = [s.message for s in tool.effect if isinstance(s, RequireStep)]
    assert {WINDOW, BOOKED, LEAD} <= set(messages)  # each rule of the text's sentence on its own
    box = check_domain(d).new_sandbox()
    rows = box.rows("rentals", {})
    assert all(r["rental_id"].startswith("RA-") and len(r["rental_id"]) == 9 for r in rows)
    now = dt.datetime.fromisoformat(d.clock)
    fine = [r for r in rows if r["status"] == "active" and not r["is_booked_by_another_customer"]
            and dt.datetime.fromisoformat(r["return_by"]) - now >= dt.timedelta(hours=2) and r["days_extended"] <= 20]
    row = fine[0]
    quote = box.call("quote_rental_extension", {"rental_id": row["rental_id"], "new_return_date": _day(row["return_by"], 3)})
    assert quote.value["extra_cost"] == round(3 * row["daily_rate"], 2)
    assert box.rows("rentals", {"rental_id": row["rental_id"]})[0] == row  # a quote changes nothing
    got = box.call("extend_rental", {"rental_id": row["rental_id"], "new_return_date": _day(row["return_by"], 3)})
    assert got.ok, got
    assert got.value["return_by"] == _day(row["return_by"], 3) + row["return_by"][10:]  # the same time of day
    assert got.value["extra_days"] == 3 and got.value["extra_cost"] == round(3 * row["daily_rate"], 2)
    other = fine[1]
    too_far = _day(other["return_by"], 31 - other["days_extended"])
    assert box.call("extend_rental", {"rental_id": other["rental_id"], "new_return_date": too_far}).error == WINDOW
    earlier = _day(other["return_by"], 0)
    assert "after the current one" in box.call("extend_rental", {"rental_id": other["rental_id"],
                                                                 "new_return_date": earlier}).error
    booked = next(r for r in rows if r["status"] == "active" and r["is_booked_by_another_customer"]
                  and r["days_extended"] <= 20)
    assert box.call("extend_rental", {"rental_id": booked["rental_id"],
                                      "new_return_date": _day(booked["return_by"], 2)}).error == BOOKED


def test_the_extend_workflow_admits_complete_and_refused_tasks():
    d = _domain(CAR, "Extend a car rental")
    assert d.workflows[0].name == "extend_rental"  # what the title is about comes first
    compiled = check_domain(d.model_copy(update={"workflows": [w for w in d.workflows if w.name == "extend_rental"]}))
    tasks, _ = make_tasks(compiled, per_domain=6, doc_id="rental", kinds=("complete", "refuse", "decline"))
    assert {t.category for t in tasks} == {"complete", "refuse", "decline"}
    refused = next(t for t in tasks if t.category == "refuse")
    assert refused.refusals[0].reason in (BOOKED, LEAD)  # what was read shows it broken


def test_another_rented_thing_gets_the_texts_own_numbers_and_a_text_not_offering_it_none():
    d = _domain(BIKES, "Extend a bike rental")
    rules = {s.require: s.message for s in d.tool("extend_rental").effect if isinstance(s, RequireStep)}
    window = "days_between(date(add_days(rental_row.return_by, -rental_row.days_extended)), new_return_date) <= 14"
    assert rules[window].startswith("You can extend a rental within 2 weeks")
    assert rules["hours_between(now, rental_row.return_by) >= 24"].startswith("Extensions must be made at least 1 day")
    plain = _domain(BIKES.replace("Extend a bike rental", "Rent a bike").replace("2. Choose Extend rental and pick a new "
                                  "return date.\n", "").split("You can extend")[0], "Rent a bike")
    assert "extend_rental" not in {t.name for t in plain.tools}


def test_a_confirmation_says_what_the_quote_read_for_this_call_priced():
    quote = {"new_return_date": "2025-01-20", "extra_days": 3, "daily_rate": 47.26, "extra_cost": 141.78}
    record = {"rental_id": "RA-1", "status": "active", "vehicle_type": "compact car", "daily_rate": 47.26}
    args = {"rental_id": "RA-1", "new_return_date": "2025-01-20"}
    assert speech.quoted(args, [record, quote]) is quote
    assert speech.quoted({**args, "new_return_date": "2025-01-21"}, [record, quote]) is None
    said = speech.confirm(random.Random(0), "extend your rental RA-1 to return on January 20, 2025", args,
                          re.compile("pin"), [record, quote])
    assert "3 extra days" in said and "$141.78" in said and "$47.26 daily rate" in said


def test_a_value_breaking_a_rule_is_said_without_cheer_and_no_infinitive_dangles():
    for seed in range(12):
        said = speech._breaking(random.Random(seed), "is_booked_by_another_customer", True)
        assert "booked by another customer" in said and "Good news" not in said
    goal = "extend my rental {rental_id} to return on {new_return_date}"
    assert action(goal, "extend_rental", {"rental_id": "RA-1"}) == "extend your rental RA-1"
    assert action(goal, "extend_rental", {"rental_id": "RA-1", "new_return_date": "2025-01-20"}) == \
        "extend your rental RA-1 to return on January 20, 2025"


def test_a_quote_read_before_the_write_is_forgotten_after_it():
    compiled = check_domain(_domain(CAR, "Extend a car rental"))
    row = next(r for r in compiled.new_sandbox().rows("rentals", {}) if r["status"] == "active")
    args = {"rental_id": row["rental_id"], "new_return_date": _day(row["return_by"], 2)}
    quote = {"new_return_date": args["new_return_date"], "extra_days": 2, "daily_rate": 40.0, "extra_cost": 80.0}
    done = {"rental_id": row["rental_id"], "return_by": "x", "extra_days": 2, "status": "active"}

    def call(i: int, tool: str, reply: dict) -> list[dict]:
        return [{"role": "assistant", "tool_calls": [{"id": f"c{i}", "function": {"name": tool,
                                                                                 "arguments": json.dumps(args)}}]},
                {"role": "tool", "tool_call_id": f"c{i}", "content": json.dumps(reply)}]
    messages = call(1, "quote_rental_extension", quote) + call(2, "extend_rental", done)
    assert [t for t, _, _ in memory(messages, compiled)[0]] == []
