"""Changing the catalog entry of a booking, under the text's rules ("Change flights: Basic economy
flights cannot be modified. Other reservations can be modified without changing the origin,
destination, and trip type"; "Select **Change flight** ... pick a flight on the same route").

For an archetype whose catalog is searched by where and when (flights: `Archetype.places`), a text
that speaks of changing the booked entry gets `update_<main>_<catalog>`: it moves the booking to
another entry, copying what the booking repeats of it (the route, the date), refused where the
text's rules on changes refuse it (a status, a value, a deadline), where the new entry is the one
booked or has no seat left, and, when the text says the route stays, where it flies another route
(citing that sentence). What a change costs is charged as the text says: a fee ("for a fee of
$60 per passenger", only on the fares the clause names) and the fare difference when the new entry
costs more; the reply says the amount charged and the booking's new total. The catalog is then seeded as a timetable (`service_places.timetable`):
each route flown on several dates, so a booking has another flight on its route; the workflow
moves a booking to the flight on its route on the date the customer names.
"""
from __future__ import annotations

import re
from typing import Any

from .service_feature import Feature
from .service_places import timetable
from .service_writes import _UPDATE_VERBS, quoted_list
from .specialise import Found, Specialisation

#: "can be changed for a fee of $60 per passenger per flight": what a change costs, per traveller or not
_FEE = re.compile(r"\bfee\s+of\s+\$\s?(\d[\d,]*(?:\.\d+)?)(\s+(?:per|a|each)\s+(?:passenger|person|traveller|traveler|guest))?",
                  re.I)
#: "If the new flight costs more, you pay the difference": the fare difference is charged
_DIFFERENCE = re.compile(r"\bcosts?\s+more\b[^.;]*\b(?:pay|charged?)\b[^.;]*\bdifference\b|"
                         r"\bpay\s+(?:the\s+|any\s+)?(?:fare\s+|price\s+)?difference\b", re.I)
_SAME_ROUTE = re.compile(r"\bsame\s+route\b|\bwithout\s+changing\s+the\s+origin\b|\bnot\b[^.]{0,60}\bthe\s+route\b", re.I)


def _changes(catalog: str) -> re.Pattern:
    """"modifying flights", "Change flights", "Select **Change flight**"."""
    return re.compile(rf"\b(?:chang|modif)\w*\s+(?:\*\*)?(?:(?:the|your|a|their|of)\s+)?{catalog}s?\b", re.I)


def read_rebooking(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.rebooks` (the sentence offering it) and `sp.rebook_rules` when the archetype's
    catalog is searched by where (`Archetype.places`) and the text speaks of changing the entry."""
    if arch.places is None or not sp.catalog:
        return
    offer = _changes(sp.catalog)
    said = next(((s, e, t) for s, e, t in sp.sentences if offer.search(t)), None)
    if said is None and not offer.search(title):
        return
    sp.rebooks = Found(True, *(said or (0, 0, "")))
    for start, end, s in sp.sentences:
        if _SAME_ROUTE.search(s):
            sp.rebook_rules.setdefault("same_route", Found(True, start, end, s))
        if (fee := _FEE.search(s)) and "fee" not in sp.rebook_rules:
            clause = s[s.rfind(";", 0, fee.start()) + 1:fee.start()].lower()  # "`Classic` fares can be changed for"
            named = [(k, v) for k, kinds in sp.kinds.items() for v in kinds.value  # type: ignore[attr-defined]
                     if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", clause)]
            sp.rebook_rules["fee"] = Found((float(fee.group(1).replace(",", "")), bool(fee.group(2)), named), start, end, s)
        if _DIFFERENCE.search(s):
            sp.rebook_rules.setdefault("difference", Found(True, start, end, s))


class Rebooking:
    """Mixin of `ToolKit` (service_tools.py): `update_<main>_<catalog>` and its workflow."""

    def rebooks(self) -> bool:
        """The text speaks of it, the domain books from a catalog searched by where, and a booking
        repeats its entry's date (whose search finds the other flights of its route)."""
        return self.sp.rebooks is not None and self.books() and "search_catalog" in self.a.extras \
            and not self.children and self._dates() is not None

    def _copied(self, new: str) -> dict[str, str]:
        """What the booking repeats of its entry (origin, destination, travel date), from the entry `new`."""
        return {f["name"]: f"{new}.{f['same_as'].removeprefix('catalog.')}" for f in self.a.main_fields
                if f.get("same_as", "").startswith("catalog.")}

    def _dates(self) -> tuple[str, str] | None:
        """(the booking's date, the entry's date it repeats): travel_date, departure_date."""
        return next(((f["name"], f["same_as"].removeprefix("catalog.")) for f in self.a.main_fields
                     if f.get("type") == "date" and f.get("same_as", "").startswith("catalog.")), None)

    def _available(self, row: str, holding: str = "1") -> str:
        """The booking tool's condition on an entry (seats left), over `row`, for a record holding
        `holding` of its units."""
        return re.sub(r"\be\.", f"{row}.", self._offered(holding))

    def _route(self, entry: str, booking: str) -> str:
        return f"{entry}.origin == {booking}.origin and {entry}.destination == {booking}.destination"

    def rebook_tool(self) -> dict[str, Any]:
        m, k, pk, kpk = self.sp.main, self.sp.catalog, self.main_pk, self.catalog_pk
        row, new = f"{m}_row", f"{k}_row"
        allowed = self.changeable_statuses()
        copied = self._copied(new)
        effect: list[dict[str, Any]] = [
            {"find": self.mains, "as": row, "where": {pk: pk}, "error": f"No {m} with id {{{pk}}}"},
            {"require": f"{row}.status in {quoted_list(allowed)}",
             "message": f"A {m} that is {{{row}.status}} cannot be changed"},
            *self._blocked_main(_UPDATE_VERBS | {k}, allowed),
            {"find": self.catalogs, "as": new, "where": {kpk: kpk}, "error": f"No {k} with id {{{kpk}}}"},
            {"require": f"{kpk} != {row}.{kpk}", "message": f"The {m} is already on that {k}"}]
        if (same := self.sp.rebook_rules.get("same_route")) is not None:
            effect.append({"require": self._route(new, row), "message": " ".join(same.text.split())[:300]})
            self._cite(same)
        if (avail := self._available(new, self.held(row))) != "true":
            effect.append({"require": avail, "message": self.short_of(k, new) if self.a.units_held
                           else f"This {k} has no seat left"})
        charges, paid = self._charges(row, new)
        effect += [*charges, *self._moved_units(row, new),
                   {"update": self.mains, "row": row, "set": {kpk: kpk, **copied, **paid}},
                   {"return": {pk: f"{row}.{pk}", kpk: f"{row}.{kpk}", **{n: f"{row}.{n}" for n in copied},
                               **({"amount_charged": "charged", **{n: f"{row}.{n}" for n in paid}} if charges else {}),
                               "status": f"{row}.status"}}]
        said = self.sp.rebooks
        self._cite(said)
        span = {"start": said.start, "end": said.end, "text": said.text} if said.text else None
        return self._tool(f"update_{m}_{k}", "write", f"Move {m} to another {k}; what it repeats of the {k} follows.",
                          [self._id_param(m, pk), self._id_param(k, kpk)], effect, span)

    def _moved_units(self, row: str, new: str) -> list[dict[str, Any]]:
        """The units the record holds move from its entry to the new one (a booking's seats)."""
        units, kpk = self.units(), self.catalog_pk
        if units is None:
            return []
        held = self.held(row)
        return [{"find": self.catalogs, "as": "left", "where": {kpk: f"{row}.{kpk}"}, "optional": True},
                {"if": "left != null", "then": [{"update": self.catalogs, "row": "left",
                                                  "set": {units: f"left.{units} + {held}"}}]},
                {"update": self.catalogs, "row": new, "set": {units: f"{new}.{units} - {held}"}}]

    def _charges(self, row: str, new: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """What a change costs, as the text says: its fee ("$60 per passenger", only for the fares it
        names) and the fare difference when the new entry costs more (per traveller, as the booking
        was priced); `let` steps binding `charged`, and the booking's total moved by it."""
        fee, diff = self.sp.rebook_rules.get("fee"), self.sp.rebook_rules.get("difference")
        if fee is None and diff is None:
            return [], {}
        times = next((f["name"] for f in self.a.main_fields if f["name"] in ("nights", "passengers")), None)
        per = f" * {row}.{times}" if times else ""
        parts = []
        if fee is not None:
            amount, each, named = fee.value  # type: ignore[misc]
            cost = f"{amount}{per if each else ''}"
            only = " or ".join(f"{row}.{k} == '{v}'" for k, v in named)
            parts.append(f"({cost} if {only} else 0)" if only else cost)
            self._cite(fee)
        steps: list[dict[str, Any]] = []
        if diff is not None:
            price = self._price()
            if price:
                steps.append({"find": self.catalogs, "as": "booked_before", "where": {self.catalog_pk: f"{row}.{self.catalog_pk}"}})
                parts.append(f"max(0, {new}.{price} - booked_before.{price}){per}")
                self._cite(diff)
        if not parts:
            return [], {}
        steps.append({"let": {"charged": f"round({' + '.join(parts)}, 2)"}})
        total = next((f["name"] for f in self.a.main_fields if f.get("type") == "number"
                      and re.search(r"total|paid", f["name"])), None)
        return steps, ({total: f"round({row}.{total} + charged, 2)"} if total else {})

    def _price(self) -> str | None:
        """The catalog entry's price field, which a fare difference is of."""
        return next((c["name"] for c in self.a.catalog_fields if c.get("type") == "number"
                     and re.search(r"price|rate|fare", c["name"])), None)

    def _charges_anything(self) -> bool:
        rules = self.sp.rebook_rules
        return "fee" in rules or ("difference" in rules and self._price() is not None)

    def rebook_flow(self) -> dict[str, Any]:
        """"move my reservation RSV-00012 to the flight on 2025-02-03": another flight on its route
        with seats left, chosen by the booking's id; found by the catalog's search."""
        m, k, pk, kpk = self.sp.main, self.sp.catalog, self.main_pk, self.catalog_pk
        allowed = self.changeable_statuses()
        own, date = self._dates()
        # another flight of its route on another day (the search by day then finds it, not the booked one)
        others = f"[e for e in rows('{self.catalogs}', {{}}) if {self._route('e', 'row')} and e.{kpk} != row.{kpk} " \
                 f"and e.{date} != row.{own} and {self._offered(self.held('row'))}]"
        conds = [f"row.status in {quoted_list(allowed)}", *self._unblocked(_UPDATE_VERBS | {k}, allowed),
                 f"len({others}) > 0"]
        pick = f"first([e.{kpk} for e in found if e.{date} == date and e.{kpk} != details.{kpk} and " \
               f"{self._available('e', self.held('details'))}])"
        return {"name": f"update_{m}_{k}", "category": "rebook",
                "goal": f"move my {m} {{{pk}}} to the {k} on {{date}}",
                "anchor": {"table": self.mains, "filter": " and ".join(conds)},
                "knows": {"email": self._email_of_main(), pk: f"row.{pk}",
                          "date": f"{others}[len(row.{pk}) % len({others})].{date}"},
                "steps": [{"use": "identify"},
                          {"tool": f"get_{m}_details", "args": {pk: {"user": pk}}, "as": "details"},
                          {"tool": f"search_{self.catalogs}", "as": "found",
                           "args": {"origin": {"result": "details.origin"}, "destination": {"result": "details.destination"},
                                    "date": {"user": "date"}}},
                          {"tool": f"update_{m}_{k}", "as": "moved", "args": {pk: {"user": pk}, kpk: {"result": pick}}}],
                "tells": {kpk: f"moved.{kpk}", **({"amount_charged": "moved.amount_charged"} if self._charges_anything() else {})}}


REBOOKING = Feature("rebooking", Rebooking, read=read_rebooking, on=Rebooking.rebooks, catalog_rows=timetable,
                    writes=lambda kit: [kit.rebook_tool()], flows=lambda kit: [kit.rebook_flow()])

__all__ = ["REBOOKING", "Rebooking", "read_rebooking"]
