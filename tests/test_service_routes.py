"""Features of a catalog searched by where (flights): a booking moved to another flight
(`service_rebooking`), the places served (`service_places`) and trips with one stop
(`service_connections`); the catalog is then a timetable over the places."""
from __future__ import annotations

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
POLICY = """# Airline agent policy

## Book flight
- The agent must first obtain the user id, then ask for the trip type, origin, destination.
- Each reservation can have at most five passengers and checked bags cost $50 each.

## Modify flight
- Change flights: reservations can be modified without changing the origin, destination, and trip type.
- Some flight segments can be kept, but their prices will not be updated.
- Change cabin: all reservations can change cabin without changing the flights.

## Cancel flight
- All reservations can be cancelled within 24 hours of booking, or if the airline cancelled the flight.
"""
PLAIN = """# Airline agent policy

- Each reservation can have at most five passengers and checked bags cost $50 each.
- Change cabin: all reservations can change cabin. Baggage can be added, not removed.
- All reservations can be cancelled within 24 hours of booking, or if the airline cancelled the flight.
"""


def _domain(text: str) -> Domain:
    got = OfflineExtractor().extract(Document(id="airline", text=text, title="Airline agent policy"), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def _admitted(d: Domain, workflow: str) -> list:
    compiled = check_domain(d.model_copy(update={"workflows": [w for w in d.workflows if w.name == workflow]}))
    tasks, _ = make_tasks(compiled, per_domain=2, doc_id="airline")
    return tasks


def test_a_text_without_them_gets_none_and_keeps_its_generated_catalog():
    d = _domain(PLAIN)
    names = {t.name for t in d.tools}
    assert not names & {"update_reservation_flight", "list_airports", "search_onestop_flights"}
    assert d.entity("flights").data in (None, [])


def test_changing_flights_moves_the_booking_on_its_route_only():
    d = _domain(POLICY)
    tool = d.tool("update_reservation_flight")
    assert [p.name for p in tool.parameters] == ["reservation_id", "flight_id"]
    rules = {s.require: s.message for s in tool.effect if isinstance(s, RequireStep)}
    route = "flight_row.origin == reservation_row.origin and flight_row.destination == reservation_row.destination"
    assert rules[route].startswith("Change flights: reservations can be modified without changing the origin")
    box = check_domain(d).new_sandbox()
    booking = next(r for r in box.rows("reservations", {}) if r["status"] == "confirmed")
    flights = box.rows("flights", {})
    same = next(f for f in flights if f["origin"] == booking["origin"] and f["destination"] == booking["destination"]
                and f["flight_id"] != booking["flight_id"] and f["seats_left"] > 0)
    other = next(f for f in flights if f["origin"] != booking["origin"] and f["seats_left"] > 0)
    refused = box.call("update_reservation_flight", {"reservation_id": booking["reservation_id"],
                                                     "flight_id": other["flight_id"]})
    assert not refused.ok
    moved = box.call("update_reservation_flight", {"reservation_id": booking["reservation_id"],
                                                   "flight_id": same["flight_id"]}).value
    assert moved["flight_id"] == same["flight_id"] and moved["travel_date"] == same["departure_date"]
    assert _admitted(d, "update_reservation_flight")


def test_the_places_listed_are_the_ones_the_timetable_flies_between():
    d = _domain(POLICY)
    box = check_domain(d).new_sandbox()
    listed = box.call("list_airports", {}).value
    cities = {p["city"] for p in listed}
    assert {p["code"] for p in listed} == {"JFK", "ORD", "SFO", "SEA"}
    assert {f["origin"] for f in box.rows("flights", {})} | {f["destination"] for f in box.rows("flights", {})} == cities
    assert _admitted(d, "find_airport_code")


def test_a_trip_with_one_stop_is_two_flights_that_connect():
    d = _domain(POLICY)
    box = check_domain(d).new_sandbox()
    flights = {f["flight_id"]: f for f in box.rows("flights", {})}
    first = next(f for f in flights.values() if any(g["origin"] == f["destination"]
                                                    and g["departure_date"] >= f["departure_date"] for g in flights.values()))
    on = next(g for g in flights.values() if g["origin"] == first["destination"] and g["departure_date"] >= first["departure_date"])
    trips = box.call("search_onestop_flights", {"origin": first["origin"], "destination": on["destination"],
                                                "date": first["departure_date"]}).value
    assert trips and all(flights[t["first"]]["destination"] == flights[t["second"]]["origin"] == t["stop"] for t in trips)
    assert _admitted(d, "search_onestop_flights")
