"""What a write will cost, said before it from the records read (`agents.prechecks.sums_due`): a
booking's total for all its passengers in its cabin (the flight lists one economy fare), and what
moving a booking charges (the fare difference and the change fee)."""
from __future__ import annotations

import random
import re
from pathlib import Path

from gem_env.agents.prechecks import sums_due
from gem_env.agents.speech import fee_due
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.filter import OfflineFilter

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "examples" / "corpus" / "airline" / "change-a-booking.md").read_text()


def _airline():
    doc = Document(id="airline", text=TEXT)
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    return compiled, {n: t.pk for n, t in compiled.tables.items()}, compiled.new_sandbox()


def test_a_booking_says_its_total_before_it_is_made() -> None:
    compiled, keys, sb = _airline()
    customer = next(iter(sb.dump(["customers"])["customers"].values()))
    flight = next(f for f in sb.dump(["flights"])["flights"].values() if f["seats_left"] >= 3)
    args = {"customer_id": customer["customer_id"], "flight_id": flight["flight_id"], "cabin": "business",
            "bags": 1, "passengers": 3, "fare_type": "classic"}
    due = sums_due(compiled.tools["create_booking"].spec, args, [customer, [flight]], sb.clock, keys)
    made = sb.call("create_booking", args)
    assert made.ok, made.error
    total = sb.dump(["bookings"])["bookings"][made.value["booking_id"]]["total_paid"]
    assert due == [("total_paid", total)] and total == round(flight["price"] * 3 * 3, 2)
    said = fee_due(random.Random(0), *due[0])
    assert f"${total:,.2f}" in said and ("total" in said.lower() or "in all" in said.lower())
    assert made.value["total_paid"] == total  # and the booking's reply shows it, as a real service's does
    # the flight not read: nothing is said
    assert sums_due(compiled.tools["create_booking"].spec, args, [customer], sb.clock, keys) == []


def test_moving_a_booking_says_what_the_change_charges() -> None:
    compiled, keys, sb = _airline()
    dump = sb.dump(["bookings", "flights"])
    flights = dump["flights"]
    for booking in dump["bookings"].values():
        before = flights[booking["flight_id"]]
        dearer = [f for f in flights.values() if f["origin"] == before["origin"] and f["price"] > before["price"]
                  and f["destination"] == before["destination"] and f["seats_left"] >= booking["passengers"]]
        if booking["status"] == "confirmed" and booking["fare_type"] != "light" and dearer:
            break
    args = {"booking_id": booking["booking_id"], "flight_id": dearer[0]["flight_id"]}
    details = {**booking, "flight": before}
    due = sums_due(compiled.tools["update_booking_flight"].spec, args, [details, dearer], sb.clock, keys)
    moved = sb.call("update_booking_flight", args)
    assert moved.ok, moved.error
    assert due == [("charged", moved.value["amount_charged"])] and moved.value["amount_charged"] > 0
    assert f"${moved.value['amount_charged']:,.2f}" in fee_due(random.Random(0), *due[0])
    free = fee_due(random.Random(0), "charged", 0).lower()
    assert "nothing" in free or "no charge" in free



def test_a_change_that_works_its_total_out_again_says_the_difference() -> None:
    """A write that sets a total by working it out (removing an order's extra fee) says the
    difference before it: below 0, what comes back to the customer."""
    doc = Document(id="shop/extra-fee-on-an-order.md", title="An extra fee on your order",
                   text=(ROOT / "examples" / "corpus" / "shop" / "extra-fee-on-an-order.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, OfflineFilter().judge(doc)))  # as `gem synthesize` reads it
    keys = {n: t.pk for n, t in compiled.tables.items()}
    sb = compiled.new_sandbox()
    dump = sb.dump(["orders", "customers"])
    order = next(o for o in dump["orders"].values() if o.get("extra_fee") and o["status"] == "pending"
                 and dump["customers"][o["customer_id"]]["membership_level"] in ("silver", "gold"))
    customer = dump["customers"][order["customer_id"]]
    spec = compiled.tools["remove_order_fee"].spec
    due = sums_due(spec, {"order_id": order["order_id"]}, [customer, order], sb.clock, keys)
    removed = sb.call("remove_order_fee", {"order_id": order["order_id"]})
    assert removed.ok, removed.error
    after = sb.dump(["orders"])["orders"][order["order_id"]]["total"]
    assert due == [("charged", round(after - order["total"], 2))] and due[0][1] < 0
    said = fee_due(random.Random(0), *due[0])
    assert f"${-due[0][1]:,.2f}" in said and re.search(r"\bback\b|\boff\b|\bdown\b", said) and "-" not in said
    # the order not read: nothing is said
    assert sums_due(spec, {"order_id": order["order_id"]}, [customer], sb.clock, keys) == []
