"""Tracking a shipped record: its carrier, tracking number and latest scan ("Track an order").

A text that speaks of tracking ("select **Track parcel** to see the carrier's tracking number and
the latest scan") gives the main record a carrier, a tracking number in the text's pattern (``TRK``
followed by digits) and a latest scan, set only for the statuses the archetype ships in
(`Archetype.tracked`: a pending order has none); `track_<main>` reads them and refuses, with the
text's sentence where it has one, a record not shipped yet; the workflow asks where a shipped one is.
"""
from __future__ import annotations

import re
from typing import Any

from .service_feature import Feature
from .service_writes import quoted_list
from .specialise import Found, Specialisation, shift

_TRACKS = re.compile(r"\btrack(?:s|ed|ing)?\b", re.I)
_NOT_YET = re.compile(r"\b(?:no|not|without)\b[^.]*\btracking\b|\btracking\b[^.]*\bnot\s+yet\b", re.I)
_PATTERN = re.compile(r"\bstart(?:s|ing)?\s+with\s+`?([A-Z]{2,5})`?", re.I)
_CARRIERS = ["UPS", "FedEx", "USPS", "DHL"]


def read_tracking(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.tracks` (the sentence about tracking) and `sp.tracking_rules` ("no tracking number
    yet", the number's prefix) when the archetype ships and the text speaks of tracking."""
    if not arch.tracked or not (_TRACKS.search(title) or len(_TRACKS.findall(text)) >= 2):
        return
    said = next(((s, e, t) for s, e, t in sp.sentences if _TRACKS.search(t) and not _NOT_YET.search(t)), (0, 0, ""))
    sp.tracks = Found(True, *said)
    for start, end, s in sp.sentences:
        if _NOT_YET.search(s):
            sp.tracking_rules.setdefault("not_yet", Found(True, start, end, s))
        if "tracking" in s.lower() and (m := _PATTERN.search(s)):
            sp.tracking_rules.setdefault("prefix", Found(m.group(1).upper(), start, end, s))


class Tracking:
    """Mixin of `ToolKit` (service_tools.py): the tracking fields, `track_<main>` and its workflow."""

    def tracking(self) -> bool:
        return self.sp.tracks is not None and bool(self._shipped())

    def _shipped(self) -> list[str]:
        return [s for s in self.statuses if s in self.a.tracked]

    def tracking_fields(self) -> list[dict[str, Any]]:
        """Carrier, tracking number and latest scan: set for a shipped record, null for the others."""
        none = {s: [None] for s in self.statuses if s not in self._shipped()}
        prefix = self.sp.tracking_rules.get("prefix")
        self._cite(prefix)
        number = f"{prefix.value if prefix else 'TRK'}" + "#" * 9
        scans = {s: {"range": [self._days(-20), self._days(-3)]} if s == "delivered" else
                 {"range": [self._days(-6), self._days(0)]} for s in self._shipped()}
        # scanned after it was placed, whatever the scan's window (an order placed 5 days ago and delivered)
        made = next((f["name"] for f in self.a.main_fields if f.get("type") in ("date", "datetime")), None)
        return [{"name": "carrier", "values": _CARRIERS, "by": {"status": none}},
                {"name": "tracking_number", "faker": {"provider": "bothify", "args": {"text": number}},
                 "by": {"status": none}},
                {"name": "last_scanned_at", "type": "datetime", "range": [self._days(-6), self._days(0)],
                 "by": {"status": {**none, **scans}}, **({"after": made} if made else {})}]

    def _days(self, n: int) -> str:
        return shift(self.clock, n, "datetime")

    def track_tool(self) -> dict[str, Any]:
        m, pk = self.sp.main, self.main_pk
        row = f"{m}_row"
        not_yet = self.sp.tracking_rules.get("not_yet")
        self._cite(not_yet)
        message = re.sub(r"[`*]", "", " ".join(not_yet.text.split()))[:300] if not_yet else \
            f"{m.capitalize()} {{{pk}}} is {{{row}.status}} and has no tracking number yet"
        span = {"start": self.sp.tracks.start, "end": self.sp.tracks.end, "text": self.sp.tracks.text} \
            if self.sp.tracks.text else None
        self._cite(self.sp.tracks)
        return self._tool(
            f"track_{m}", "read", f"Where a shipped {m} is: its carrier, tracking number and latest scan.",
            [self._id_param(m, pk)],
            [{"find": self.mains, "as": row, "where": {pk: pk}, "error": f"No {m} with id {{{pk}}}"},
             {"require": f"{row}.status in {quoted_list(self._shipped())}", "message": message},
             {"return": {pk: f"{row}.{pk}", "status": f"{row}.status", "carrier": f"{row}.carrier",
                         "tracking_number": f"{row}.tracking_number", "last_scanned_at": f"{row}.last_scanned_at"}}],
            span)

    def track_flow(self) -> dict[str, Any]:
        m, pk = self.sp.main, self.main_pk
        return {"name": f"track_{m}", "category": "track",
                "goal": f"find out the tracking number and latest scan of my {m} {{{pk}}}",
                "anchor": {"table": self.mains, "filter": f"row.status in {quoted_list(self._shipped())}"},
                "knows": {"email": self._email_of_main(), pk: f"row.{pk}"},
                "steps": [{"use": "identify"},
                          {"tool": f"track_{m}", "args": {pk: {"user": pk}}, "as": "tracked"}],
                "tells": {"tracking_number": "tracked.tracking_number", "last_scanned_at": "tracked.last_scanned_at"}}


TRACKING = Feature("tracking", Tracking, read=read_tracking, on=Tracking.tracking, main_fields=Tracking.tracking_fields,
                   reads=lambda kit: [kit.track_tool()], flows=lambda kit: [kit.track_flow()])

__all__ = ["TRACKING", "Tracking", "read_tracking"]
