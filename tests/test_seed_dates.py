"""Seeded dates hold together: within a row in the order the domain says (`after`) and their names
imply (a rental is picked up before it is due back), and after the rows they refer to began."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bench_scripts import load_bench

from gem_env.tools import CompileError, compile_domain, parse_domain
from gem_env.tools.seed import seed_rows

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2, 7)


def _audit():
    """bench/date_order.py: the rule of which names come first."""
    return load_bench("date_order")


@pytest.fixture(scope="module")
def audit():
    return _audit()


def test_every_archetype_and_example_seeds_its_dates_in_order(audit) -> None:
    """The rental picked up on 2024-11-17 and due back on 2024-10-26 (a cancelled one: its status
    had no window of its own) and the shop's orders delivered before they were placed."""
    for name, domain in [*audit.archetype_domains(), *audit.example_domains()]:
        for seed in SEEDS:
            rows = seed_rows(domain, {}, seed)
            within = [x for x in audit.out_of_order(domain, rows) if x["kind"] == "within"]
            assert not within, (name, seed, within[:3])
            for e in domain.entities:  # and what `after` says, whatever the names
                for f in (f for f in e.fields if f.after and "." not in f.after):
                    assert all(r[f.name][:10] >= r[f.after][:10] for r in rows[e.name]), (name, e.name, f.name)


def _domain(fields: list[dict], parent_fields: list[dict] | None = None) -> dict:
    return {"name": "d", "clock": "2025-01-15T12:00:00", "entities": [
        {"name": "cards", "primary_key": "card_id", "rows": 6,
         "fields": [{"name": "card_id"}, *(parent_fields or [{"name": "issued_on", "type": "date"}])]},
        {"name": "rentals", "primary_key": "rental_id", "rows": 40,
         "fields": [{"name": "rental_id"}, {"name": "card_id", "foreign_key": "cards.card_id"}, *fields]}],
        "tools": [{"name": "noop", "effect": [{"return": "1"}]}]}


def test_a_date_falls_after_the_one_it_follows_even_past_its_own_window() -> None:
    """Windows that contradict the order (a return window ending before the pick-up's begins)
    give way to it: the return falls after the pick-up, as long after it as its window is long."""
    domain = parse_domain(_domain([
        {"name": "picked_up_at", "type": "datetime", "hours": [8, 17], "range": ["2025-01-10T08:00:00", "2025-01-14T17:00:00"]},
        {"name": "return_by", "type": "datetime", "range": ["2024-12-01T08:00:00", "2024-12-05T17:00:00"],
         "after": "picked_up_at"}]))
    for seed in SEEDS:
        for r in seed_rows(domain, {}, seed)["rentals"]:
            assert r["picked_up_at"] <= r["return_by"] <= "2025-01-19T02:00:00", r


def test_a_date_follows_a_date_of_the_row_it_refers_to() -> None:
    domain = parse_domain(_domain([{"name": "filed_on", "type": "date", "after": "card_id.issued_on",
                                    "range": ["2024-10-01", "2025-01-15"]}],
                                  [{"name": "issued_on", "type": "date", "range": ["2024-09-01", "2025-01-10"]}]))
    for seed in SEEDS:
        rows = seed_rows(domain, {}, seed)
        issued = {c["card_id"]: c["issued_on"] for c in rows["cards"]}
        assert all(r["filed_on"] >= issued[r["card_id"]] for r in rows["rentals"])


def test_a_window_that_reaches_past_the_parents_beginning_falls_after_it() -> None:
    """A charge's date from its own range still falls after the card was issued, where the range
    allows; a birth date is no beginning (a customer's account opens after they joined)."""
    domain = parse_domain(_domain([{"name": "posted_at", "type": "datetime", "range": ["2024-06-01T00:00:00", "2025-01-15T00:00:00"]}],
                                  [{"name": "date_of_birth", "type": "date", "range": ["1950-01-01", "2000-01-01"]},
                                   {"name": "issued_on", "type": "date", "range": ["2024-09-01", "2025-01-10"]}]))
    for seed in SEEDS:
        rows = seed_rows(domain, {}, seed)
        issued = {c["card_id"]: c["issued_on"] for c in rows["cards"]}
        assert all(r["posted_at"][:10] >= issued[r["card_id"]] for r in rows["rentals"])


@pytest.mark.parametrize("after", ["return_by", "picked_up_at", "card_id.nope", "rental_id"])
def test_after_names_an_earlier_date_field(after: str) -> None:
    fields = [{"name": "picked_up_at", "type": "datetime"}, {"name": "return_by", "type": "datetime"}]
    target = 0 if after == "picked_up_at" else 1  # a field is never after itself
    fields[target]["after"] = after
    with pytest.raises(CompileError, match="after"):
        compile_domain(parse_domain(_domain(fields)))


def _billing(parent_issued: list[str], parent_fields: list[dict] | None = None) -> dict:
    """Cards issued on the given days (a status of their own with `parent_fields`), and charges
    whose status puts their date in a window ending on 2024-12-11 (overdue) or 2025-01-14 (paid)."""
    domain = _domain([{"name": "status", "values": ["paid", "overdue"], "weights": [1, 3]},
                      {"name": "issued_on", "type": "date", "by": {"status": {
                          "paid": {"range": ["2024-10-17", "2025-01-14"]},
                          "overdue": {"range": ["2024-10-17", "2024-12-11"]}}}}],
                     [{"name": "issued_on", "type": "date", "values": parent_issued}, *(parent_fields or [])])
    domain["entities"][0]["rows"] = len(parent_issued)
    return domain


def test_a_row_whose_window_ends_before_its_parent_began_refers_to_an_older_parent() -> None:
    """An overdue charge of a card issued last week goes to a card issued before the overdue
    window ends; the statuses stay as drawn (3 in 4 overdue)."""
    domain = parse_domain(_billing(["2024-06-01", "2024-07-01", "2025-01-08", "2025-01-09", "2025-01-10", "2025-01-11"]))
    for seed in SEEDS:
        rows = seed_rows(domain, {}, seed)
        issued = {c["card_id"]: c["issued_on"] for c in rows["cards"]}
        assert all(r["issued_on"] >= issued[r["card_id"]] for r in rows["rentals"]), seed
        # 2 cards old enough, 9 charges a card at most: the rest of the 3 in 4 overdue take "paid"
        assert sum(r["status"] == "overdue" for r in rows["rentals"]) >= 15, seed


def test_with_no_parent_old_enough_the_row_takes_a_status_whose_window_fits() -> None:
    """Every card issued last week: no charge of theirs is overdue (its window ended before)."""
    domain = parse_domain(_billing(["2025-01-08", "2025-01-09", "2025-01-10"]))
    for seed in SEEDS:
        rows = seed_rows(domain, {}, seed)
        issued = {c["card_id"]: c["issued_on"] for c in rows["cards"]}
        assert {r["status"] for r in rows["rentals"]} == {"paid"}, seed
        assert all(r["issued_on"] >= issued[r["card_id"]] for r in rows["rentals"]), seed


def test_the_rows_after_a_refitted_one_are_seeded_as_before() -> None:
    """The refit draws from the row's own stream: the next table's rows are the same as without it
    (a domain whose cards are all old enough needs no refit)."""
    young = parse_domain(_billing(["2025-01-08", "2025-01-09", "2025-01-10"]))
    old = parse_domain(_billing(["2024-01-08", "2024-01-09", "2024-01-10"]))
    for seed in SEEDS:
        a, b = seed_rows(young, {}, seed)["rentals"], seed_rows(old, {}, seed)["rentals"]
        assert [r["rental_id"] for r in a] == [r["rental_id"] for r in b]
        assert sum(x["status"] != y["status"] for x, y in zip(a, b)) > 0


def test_every_puts_one_parents_rows_on_its_cycle_days_one_a_cycle() -> None:
    """A line's bills were issued days apart (Nov 13, 14, 18): with `every: 30` they fall on the
    card's cycle days (issued + k * 30 days, up to the clock), one a cycle, an overdue one still in
    its window (on or before 2024-12-11); a card with more rows than cycles hands them to another."""
    domain = _billing(["2024-06-01", "2024-07-01", "2024-09-20", "2024-10-15", "2024-12-20", "2025-01-02"])
    domain["entities"][1]["rows"] = 14
    domain["entities"][1]["fields"][3]["every"] = 30
    parsed = parse_domain(domain)
    import datetime as dt
    for seed in SEEDS:
        rows = seed_rows(parsed, {}, seed)
        issued = {c["card_id"]: dt.date.fromisoformat(c["issued_on"]) for c in rows["cards"]}
        seen: dict[str, set] = {}
        for r in rows["rentals"]:
            day = dt.date.fromisoformat(r["issued_on"])
            gap = (day - issued[r["card_id"]]).days
            assert gap >= 0 and gap % 30 == 0 and day <= dt.date(2025, 1, 15), (seed, r)
            assert r["status"] != "overdue" or r["issued_on"] <= "2024-12-11", (seed, r)
            assert day not in seen.setdefault(r["card_id"], set()), (seed, r)
            seen[r["card_id"]].add(day)


def test_every_is_checked_at_compile_time() -> None:
    domain = _domain([{"name": "at", "type": "datetime", "every": 30}])
    with pytest.raises(CompileError, match="every"):
        compile_domain(parse_domain(domain))


def test_every_may_follow_the_parent_row() -> None:
    """A biweekly plan's installments fall two weeks apart, a monthly one's a month apart: `every`
    as an expression over the row the foreign key refers to; it must name that row's fields."""
    domain = _billing(["2024-06-01", "2024-07-01", "2024-09-20"],
                      [{"name": "frequency", "values": ["biweekly", "monthly"]}])
    domain["entities"][1]["fields"][3]["every"] = "14 if frequency == 'biweekly' else 30"
    import datetime as dt
    for seed in SEEDS:
        rows = seed_rows(parse_domain(domain), {}, seed)
        cards = {c["card_id"]: c for c in rows["cards"]}
        for r in rows["rentals"]:
            card = cards[r["card_id"]]
            gap = (dt.date.fromisoformat(r["issued_on"]) - dt.date.fromisoformat(card["issued_on"])).days
            assert gap % (14 if card["frequency"] == "biweekly" else 30) == 0, (seed, r, card)
    domain["entities"][1]["fields"][3]["every"] = "14 if cadence == 'biweekly' else 30"
    with pytest.raises(CompileError, match="cadence"):
        compile_domain(parse_domain(domain))


def test_a_row_whose_parent_has_no_past_date_falls_after_the_grandparent_began() -> None:
    """An extension of an installment due next month was filed before its plan started (2024-04-07,
    plan of 2024-09-16): a parent with no past date of its own began when the rows it refers to did."""
    domain = {"name": "d", "clock": "2025-01-15T12:00:00", "entities": [
        {"name": "plans", "primary_key": "plan_id", "rows": 6,
         "fields": [{"name": "plan_id"}, {"name": "started_on", "type": "date", "range": ["2024-10-01", "2025-01-10"]}]},
        {"name": "installments", "primary_key": "installment_id", "rows": 12,
         "fields": [{"name": "installment_id"}, {"name": "plan_id", "foreign_key": "plans.plan_id"},
                    {"name": "due_date", "type": "date", "range": ["2025-02-01", "2025-04-01"]}]},
        {"name": "extensions", "primary_key": "extension_id", "rows": 12,
         "fields": [{"name": "extension_id"}, {"name": "installment_id", "foreign_key": "installments.installment_id"},
                    {"name": "filed_on", "type": "date"}]}],
        "tools": [{"name": "noop", "effect": [{"return": "1"}]}]}
    for seed in SEEDS:
        rows = seed_rows(parse_domain(domain), {}, seed)
        plans = {p["plan_id"]: p for p in rows["plans"]}
        inst = {i["installment_id"]: i for i in rows["installments"]}
        for x in rows["extensions"]:
            assert x["filed_on"] >= plans[inst[x["installment_id"]]["plan_id"]]["started_on"], (seed, x)


def test_a_charge_that_reads_its_cards_status_moves_to_an_older_card_alike() -> None:
    """A charge of a closed card is overdue (its status follows the card's), so dated before
    2024-12-11; one drawn for the closed card issued on 2025-01-13 goes to the closed card issued in
    June, not to an active card and not left dated before its card was issued."""
    issued = ["2024-06-01", "2024-07-01", "2025-01-13", "2025-01-14"]
    state = {"2024-06-01": ["closed"], "2024-07-01": ["active"], "2025-01-13": ["closed"], "2025-01-14": ["active"]}
    domain = _billing(issued, [{"name": "state", "by": {"issued_on": state}}])
    next(f for f in domain["entities"][1]["fields"] if f["name"] == "status")["by"] = {
        "card_id.state": {"closed": ["overdue"]}}
    parsed = parse_domain(domain)
    for seed in SEEDS:
        rows = seed_rows(parsed, {}, seed)
        cards = {c["card_id"]: c for c in rows["cards"]}
        on_closed = [r for r in rows["rentals"] if cards[r["card_id"]]["state"] == "closed"]
        assert on_closed and all(r["status"] == "overdue" for r in on_closed), seed
        assert all(r["issued_on"] >= cards[r["card_id"]]["issued_on"] for r in rows["rentals"]), seed


def test_a_reading_rises_with_its_date() -> None:
    """A meter read 46719 on Jul 31 and 19788 on Dec 10: with `rises_with`, one meter's readings
    go up in the order they were read; the values drawn and every other field stay as they were."""
    fields = [{"name": "read_at", "type": "date"}, {"name": "value", "type": "integer", "range": [1000, 90000]}]
    plain = parse_domain(_domain(fields))
    fields[1]["rises_with"] = "read_at"
    rising = parse_domain(_domain(fields))
    for seed in SEEDS:
        a, b = seed_rows(plain, {}, seed)["rentals"], seed_rows(rising, {}, seed)["rentals"]
        assert sorted(r["value"] for r in a) == sorted(r["value"] for r in b)
        assert [{**r, "value": 0} for r in a] == [{**r, "value": 0} for r in b]
        by_card: dict[str, list] = {}
        for r in b:
            by_card.setdefault(r["card_id"], []).append((r["read_at"], r["value"]))
        values = [[v for _, v in sorted(readings)] for readings in by_card.values()]
        assert all(v == sorted(v) for v in values) and any(len(v) > 1 for v in values), seed
        assert any(r["value"] != s["value"] for r, s in zip(a, b)), seed


def test_rises_with_is_checked_at_compile_time() -> None:
    domain = _domain([{"name": "value", "type": "integer", "rises_with": "nowhere"}])
    with pytest.raises(CompileError, match="rises_with"):
        compile_domain(parse_domain(domain))


def _charges(twins: dict | None) -> dict:
    """A card's charges, pending ones at most 3 days old."""
    posted_at = {"name": "posted_at", "type": "datetime", "by": {"status": {
        "pending": {"range": ["2025-01-12T12:00:00", "2025-01-15T12:00:00"]},
        "posted": {"range": ["2024-10-17T12:00:00", "2025-01-11T12:00:00"]}}}}
    return _domain([{"name": "status", "values": ["posted", "pending"], "weights": [3, 1]},
                    {"name": "merchant", "faker": "company"}, {"name": "amount", "type": "number", "range": [2, 400]},
                    {**posted_at, **({"twins": twins} if twins else {})}])


def test_twins_repeat_a_charge_of_the_same_card_a_day_or_two_apart() -> None:
    """No card was ever charged twice by one merchant, so no duplicate-charge dispute could be true:
    with `twins`, a share of the charges (one in ten here: 4 of 40) repeat another charge of the same
    card in merchant and amount, up to two days from it, each in its own status's window and after
    the card was issued; the other rows and the table's keys stay as drawn."""
    plain = parse_domain(_charges(None))
    twinned = parse_domain(_charges({"same": ["merchant", "amount"], "share": 0.1, "days": 2}))
    for seed in SEEDS:
        a, b = seed_rows(plain, {}, seed), seed_rows(twinned, {}, seed)
        assert a["cards"] == b["cards"] and [r["rental_id"] for r in a["rentals"]] == [r["rental_id"] for r in b["rentals"]]
        changed = [(x, y) for x, y in zip(a["rentals"], b["rentals"]) if x != y]
        assert len(changed) == 4, seed
        issued = {c["card_id"]: c["issued_on"] for c in b["cards"]}
        for _, y in changed:
            first = [r for r in b["rentals"] if r is not y and (r["card_id"], r["merchant"], r["amount"])
                     == (y["card_id"], y["merchant"], y["amount"])]
            assert len(first) == 1, (seed, y)
            apart = abs(dt.datetime.fromisoformat(y["posted_at"]) - dt.datetime.fromisoformat(first[0]["posted_at"]))
            assert dt.timedelta(hours=1) <= apart <= dt.timedelta(days=2), (seed, y, first)
            assert y["posted_at"][:10] >= issued[y["card_id"]] and y["posted_at"] <= "2025-01-15T12:00:00"
            assert y["posted_at"] >= "2025-01-12T12:00:00" if y["status"] == "pending" else y["posted_at"] <= "2025-01-11T12:00:00"


def test_twins_is_checked_at_compile_time() -> None:
    with pytest.raises(CompileError, match="twins.same"):
        compile_domain(parse_domain(_charges({"same": ["card_id"], "share": 0.1})))
    with pytest.raises(CompileError, match="twins"):
        compile_domain(parse_domain(_domain([{"name": "note", "twins": {"same": ["note"], "share": 0.1}}])))


def test_until_ends_a_parents_cycles() -> None:
    """A 6-month plan from May 2024 had an installment due in April 2025: with `until` (an
    expression over the parent row), one card's rows fall on its cycle days before its term ends;
    rows a card has no cycle left for go to another or are not seeded; it must name the parent's fields."""
    domain = _billing(["2024-06-01", "2024-07-01", "2024-09-20", "2024-10-15", "2024-12-20", "2025-01-02"],
                      [{"name": "months", "values": [2, 4]}])
    domain["entities"][1]["rows"] = 14
    domain["entities"][1]["fields"][3]["every"] = 30
    plain = parse_domain(domain)
    domain["entities"][1]["fields"][3]["until"] = "add_days(issued_on, 30 * months)"
    ended = parse_domain(domain)
    late = 0
    for seed in SEEDS:
        for rows, bounded in ((seed_rows(plain, {}, seed), False), (seed_rows(ended, {}, seed), True)):
            cards = {c["card_id"]: c for c in rows["cards"]}
            over = [r for r in rows["rentals"] if (dt.date.fromisoformat(r["issued_on"]) - dt.date.fromisoformat(
                cards[r["card_id"]]["issued_on"])).days >= 30 * cards[r["card_id"]]["months"]]
            if bounded:
                assert not over and rows["rentals"], (seed, over[:2])
            late += len(over)
    assert late  # without `until` some fall after the term
    domain["entities"][1]["fields"][3]["until"] = "add_days(issued_on, 30 * term)"
    with pytest.raises(CompileError, match="term"):
        compile_domain(parse_domain(domain))
