"""bench/dialogue_quality.py's `disagreements`: what in a trajectory's tool replies does not hold
together as a real service's data does (issue 11), each named once."""
from __future__ import annotations

import json

from bench_scripts import load_bench


def _bench():
    return load_bench("dialogue_quality")


def _tool(reply: object) -> dict:
    return {"role": "tool", "content": json.dumps(reply)}


def test_replies_that_disagree_are_named() -> None:
    found = _bench().disagreements([
        _tool({"line_id": "L-1", "status": "active", "monthly_price": 45.5, "recent_bills": [
            {"bill_id": "B-1", "amount": 125.89, "issued_on": "2024-11-13"},
            {"bill_id": "B-2", "amount": 45.5, "issued_on": "2024-11-14"}]}),
        _tool({"account_id": "A-1", "status": "closed", "balance": 19783.59}),
        _tool({"account_id": "A-2", "status": "open", "balance": 5.0}),
        {"role": "assistant", "content": "Your closed account A-1 has the highest balance. A-2 has $5."},
        _tool({"booking_id": "K-1", "cabin": "business", "passengers": 2, "total_paid": 200.0,
               "flight": {"price": 100.0}}),
        _tool([{"item_id": "I-1", "product_name": "coffee grinder", "option": "green, size M"}]),
        _tool({"payment_id": "P-1", "memo": "Rent", "amount": 79.55}),
        _tool({"plan_id": "N-1", "recent_installments": [{"amount": 463.51, "due_date": "2025-03-09"},
                                                         {"amount": 99.32, "due_date": "2025-03-23"}]})])
    assert found == {"bill_off_price", "bills_under_a_month_apart", "closed_holding_balance", "compare_counting_ended",
                     "fare_ignores_cabin", "size_of_unsized", "memo_amount", "installments_disagree"}


def test_replies_that_hold_together_are_not() -> None:
    assert _bench().disagreements([
        _tool({"line_id": "L-1", "status": "active", "monthly_price": 45.5, "recent_bills": [
            {"bill_id": "B-1", "amount": 45.5, "issued_on": "2024-11-13"},
            {"bill_id": "B-2", "amount": 45.5, "issued_on": "2024-12-13"}]}),
        _tool({"line_id": "L-1", "plan": "Plus", "monthly_price": 60.0}),  # a later plan change
        _tool({"account_id": "A-1", "status": "closed", "balance": 0}),
        _tool({"account_id": "A-2", "status": "open", "balance": 5.0}),
        _tool({"account_id": "A-3", "status": "open", "balance": 7.0}),
        {"role": "assistant", "content": "A-3 has the highest balance. A-2 has $5. I've left out A-1, which is closed."},
        _tool({"booking_id": "K-1", "cabin": "business", "passengers": 2, "total_paid": 600.0,
               "flight": {"price": 100.0}}),
        _tool({"payment_id": "P-1", "memo": "Rent", "amount": 1450.0})]) == set()


def _call(n: int, name: str) -> dict:
    return {"role": "assistant", "tool_calls": [{"id": f"c{n}", "function": {"name": name, "arguments": "{}"}}]}


def _reply(n: int, reply: object) -> dict:
    return {"role": "tool", "tool_call_id": f"c{n}", "content": json.dumps(reply)}


def test_a_read_echoing_a_record_a_list_showed_is_counted_until_a_write() -> None:
    flight = {"flight_id": "FLG-2", "price": 97.12, "seats_left": 18}
    search = [_call(1, "search_flights"), _reply(1, [flight])]
    echoed = _bench().echoed_reads
    assert echoed([*search, _call(2, "get_flight_details"), _reply(2, flight)]) == 1
    assert echoed([*search, _call(2, "get_flight_details"), _reply(2, {**flight, "seats_left": 17})]) == 0
    # a write between may have changed it: reading it again is no echo
    assert echoed([*search, _call(2, "book_flight"), _reply(2, {"booking_id": "B-1"}),
                   _call(3, "get_flight_details"), _reply(3, flight)]) == 0
