"""The places a catalog searched by where serves, listed ("list all airports"), and the timetable
the catalog is then seeded as.

A text that has the assistant ask for where a trip starts and ends ("ask for the trip type, origin,
destination") gets, for an archetype whose catalog is searched by origin and destination
(`Archetype.places`), a table of the places (an airport's code and city), `list_<places>` reading
it, and a workflow asking a place's code by its city. The catalog is then a timetable over those
places (`timetable`): the flights are between them, so what the list says is where one can fly.
"""
from __future__ import annotations

import re
from typing import Any

from .lexicon import plural
from .service_feature import Feature
from .specialise import Found, Specialisation

_ASKS_ROUTE = re.compile(r"\b(?:obtain|ask\s+(?:for|about)|collect|get)\b[^.\n]{0,60}\borigin\b[^.\n]{0,30}\bdestination\b",
                         re.I)
#: flights a route is flown on: each route between neighbouring places, this many times (dates seeded apart)
FLIGHTS_PER_ROUTE = 3


def read_places(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.places` (the sentence asking where from and to) when the archetype's catalog serves places."""
    if arch.places is None:
        return
    sp.places = next((Found(True, s, e, t) for s, e, t in sp.sentences if _ASKS_ROUTE.search(t)), None)


def timetable(kit: Any) -> list[dict[str, Any]]:
    """The catalog's rows over the archetype's places: each route between neighbouring places (New
    York to Chicago, ..., Seattle back to New York) flown FLIGHTS_PER_ROUTE times, so a route has
    flights on several dates and one can fly on with a connection; the rest of a flight is seeded."""
    cities = [city for _, city in kit.a.places.served]
    routes = list(zip(cities, cities[1:] + cities[:1]))
    return [{"origin": a, "destination": b} for a, b in routes for _ in range(FLIGHTS_PER_ROUTE)]


class Places:
    """Mixin of `ToolKit` (service_tools.py): the places table, `list_<places>` and its workflow."""

    def lists_places(self) -> bool:
        return self.sp.places is not None and self.catalogs is not None and "search_catalog" in self.a.extras

    @property
    def places_table(self) -> str:
        return plural(self.a.places.noun)

    def places_entity(self) -> dict[str, Any]:
        return {"name": self.places_table, "primary_key": "code",
                "fields": [{"name": "code"}, {"name": "city"}],
                "data": [{"code": code, "city": city} for code, city in self.a.places.served]}

    def list_places(self) -> dict[str, Any]:
        said = self.sp.places
        self._cite(said)
        return self._tool(f"list_{self.places_table}", "read",
                          f"Every {self.a.places.noun} we fly between: its code and city.", [],
                          [{"find": self.places_table, "as": "served", "many": True},
                           {"return": "project(served, ['code', 'city'])"}],
                          {"start": said.start, "end": said.end, "text": said.text})

    def places_flow(self) -> dict[str, Any]:
        noun = self.a.places.noun
        return {"name": f"find_{noun}_code", "category": "lookup",
                "goal": f"find out the code of the {noun} in {{city}}",
                "anchor": {"table": self.places_table},
                "knows": {"city": "row.city"},
                "steps": [{"tool": f"list_{self.places_table}", "args": {}, "as": "listed"}],
                "tells": {"code": "first([p.code for p in listed if lower(p.city) == lower(city)])"}}


PLACES = Feature("places", Places, read=read_places, on=Places.lists_places, catalog_rows=timetable,
                 referred_tables=lambda kit: [kit.places_entity()], reads=lambda kit: [kit.list_places()],
                 flows=lambda kit: [kit.places_flow()])

__all__ = ["PLACES", "Places", "read_places", "timetable"]
