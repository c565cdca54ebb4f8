"""Trips with one stop: the catalog searched for two flights that connect ("Some flight segments can
be kept", "connecting flights", "one-stop flights", "a layover").

For an archetype whose catalog is searched by where and when (`Archetype.places`), a text that speaks
of connecting flights or flight segments gets `search_onestop_<catalog>`: from the origin on the date, each first
flight and the first flight on from where it lands to the destination, not before it; the catalog
is then the timetable over the places (`service_places.timetable`), where one flight lands where the
next one leaves. The workflow asks for a trip with one stop between two places the timetable
connects that way.
"""
from __future__ import annotations

import re
from typing import Any

from .service_feature import Feature
from .service_places import timetable
from .specialise import Found, Specialisation

_CONNECTS = re.compile(r"\b(?:one[- ]stop|connecting\s+flights?|layovers?|flight\s+segments?)\b", re.I)


def read_connections(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.connections` (the first sentence speaking of them) for an archetype serving places."""
    if arch.places is None:
        return
    sp.connections = next((Found(True, s, e, t) for s, e, t in sp.sentences if _CONNECTS.search(t)), None)


class Connections:
    """Mixin of `ToolKit` (service_tools.py): `search_onestop_<catalog>` and its workflow."""

    def connects(self) -> bool:
        return self.sp.connections is not None and self.catalogs is not None and "search_catalog" in self.a.extras \
            and self._departs() is not None

    def _departs(self) -> str | None:
        return next((f["name"] for f in self.a.catalog_fields if f["type"] == "date"), None)

    def _onward(self, first: str) -> str:
        """The flights of `seconds` leaving from where `first` lands, not before it."""
        date = self._departs()
        return f"[b for b in seconds if lower(b.origin) == lower({first}.destination) and b.{date} >= {first}.{date}]"

    def onestop_tool(self) -> dict[str, Any]:
        k, kpk, date = self.sp.catalog, self.catalog_pk, self._departs()
        said = self.sp.connections
        self._cite(said)
        pairs = f"[{{first: a.{kpk}, second: first({self._onward('a')}).{kpk}, stop: a.destination}} " \
                f"for a in firsts if len({self._onward('a')}) > 0]"
        return self._tool(
            f"search_onestop_{self.catalogs}", "read",
            f"Trips with one stop from origin to destination: a first {k} on the date and the next {k} on.",
            [{"name": "origin", "type": "string", "description": "city of departure"},
             {"name": "destination", "type": "string", "description": "city of arrival"},
             {"name": "date", "type": "string", "description": "YYYY-MM-DD"}],
            [{"find": self.catalogs, "as": "firsts", "many": True, "where": {"origin": "origin", date: "date"},
              "nocase": ["origin"]},
             {"find": self.catalogs, "as": "seconds", "many": True, "where": {"destination": "destination"},
              "nocase": ["destination"]},
             {"return": pairs}],
            {"start": said.start, "end": said.end, "text": said.text})

    def onestop_flow(self) -> dict[str, Any]:
        kpk, date = self.catalog_pk, self._departs()
        onward = f"[b for b in rows('{self.catalogs}', {{origin: row.destination}}) if b.{date} >= row.{date} " \
                 f"and b.destination != row.origin]"
        return {"name": f"search_onestop_{self.catalogs}", "category": "lookup",
                "goal": f"find {self.catalogs} with one stop from {{origin}} to {{destination}} on {{date}}",
                "anchor": {"table": self.catalogs, "filter": f"len({onward}) > 0"},
                "knows": {"origin": "row.origin", "destination": f"first({onward}).destination", "date": f"row.{date}"},
                "steps": [{"tool": f"search_onestop_{self.catalogs}", "as": "found",
                           "args": {"origin": {"user": "origin"}, "destination": {"user": "destination"},
                                    "date": {"user": "date"}}}],
                "tells": {f"first_{kpk}": "first([c.first for c in found])",
                          f"second_{kpk}": "first([c.second for c in found])"}}


CONNECTIONS = Feature("connections", Connections, read=read_connections, on=Connections.connects,
                      catalog_rows=timetable, reads=lambda kit: [kit.onestop_tool()],
                      flows=lambda kit: [kit.onestop_flow()])

__all__ = ["CONNECTIONS", "Connections", "read_connections"]
