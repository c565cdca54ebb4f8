"""Booking: a new main record made from a catalog entry the customer names ("book a visit with
Dr. Laura Mcmahon on February 21 at 10:30 am for a check-up", "book a deluxe room from March 3 for
2 nights", "book a flight from Lake Jacob to Port Amanda on February 15").

`book_<main>` takes the owner, the catalog entry and the new record's own
values; its workflow finds who the customer is, finds the entry they name (the catalog's list, or
its search by where and when) and books it with what they said. The entry is one the catalog
offers (a doctor accepting patients, a flight with seats left); the values are ones a customer of
that service asks for: a choice among the field's values, a date ahead of the service's clock, a
count in the field's range.
"""
from __future__ import annotations

import re
from typing import Any

from ...text.words import indefinite
from ...tools.expr import substitute
from ...tools.render import TOTAL, plural
from .archetypes import ENTRY_NAMES, tier_priced
from .service_feature import Feature, present
from .service_writes import quoted_list


class Bookings:
    """Mixin of `ToolKit` (service_tools.py): the `book_<main>` tool and its workflow."""

    def books(self) -> bool:
        """Whether the archetype books from a catalog this domain has."""
        return bool(self.a.book_verb and self.catalogs)

    def book_tool(self) -> dict[str, Any]:
        m, k, o = self.sp.main, self.sp.catalog, self.a.owner
        cat_fields = {f["name"]: f for f in self.a.catalog_fields}
        params = [self._id_param(o, self.owner_pk), self._id_param(k, self.catalog_pk)]
        values: dict[str, Any] = {self.main_pk: f"next_id('{self.pattern(m)}')", self.owner_pk: self.owner_pk,
                                  "status": f"'{self.statuses[0]}'", self.catalog_pk: self.catalog_pk}
        price = next((c for c, s in cat_fields.items() if s.get("type") == "number" and re.search(r"price|rate|fee", c)), None)
        for f in self.a.main_fields:
            n, t = f["name"], f.get("type", "string")
            if n in cat_fields:
                values[n] = f"{k}_row.{n}"
            elif f.get("same_as", "").startswith("catalog."):  # what the entry says (a membership's plan is its plan's name)
                values[n] = f"{k}_row.{f['same_as'].removeprefix('catalog.')}"
            elif "default" in f:  # a new record starts from it (no freezes used, nothing due)
                continue
            elif "derived" in f:  # what it costs as the seeded rows do: a night's rate times the nights
                tier = f.get("tier")  # a business fare as the seeded ones are: three economy fares
                values[n] = tier_priced(substitute(f["derived"], {"catalog": f"{k}_row"}), tier, next(
                    (x.get("values") for x in self.entity(self.mains)["fields"] if x["name"] == tier), None))
            elif t in ("number",) and price:  # the entry's price
                values[n] = f"{k}_row.{price}"
            elif n.endswith("_on"):
                values[n] = "today"
            elif t in ("date", "datetime") and any(c["type"] == "date" for c in cat_fields.values()):
                values[n] = f"{k}_row." + next(c for c, s in cat_fields.items() if s["type"] == "date")
            else:
                ptype = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(t, "string")
                p = {"name": n, "type": ptype, "description": f.get("description", n.replace("_", " "))}
                if f.get("values"):
                    p["enum"] = list(f["values"])
                params.append(p)
                values[n] = n
        for n, kinds in self.sp.kinds.items():  # the kind the text lists for the record: "the fare type"
            params.append({"name": n, "type": "string", "enum": list(kinds.value),  # type: ignore[arg-type]
                           "description": n.replace("_", " ")})
            values[n] = n
        effect = [{"find": self.owners, "as": f"{o}_row", "where": {self.owner_pk: self.owner_pk},
                   "error": f"No {o} with id {{{self.owner_pk}}}"},
                  {"find": self.catalogs, "as": f"{k}_row", "where": {self.catalog_pk: self.catalog_pk},
                   "error": f"No {k} with id {{{self.catalog_pk}}}"}]
        if self.directory():  # one of the customer's own contacts, not another customer's
            effect.append({"require": f"{k}_row.{self.owner_pk} == {self.owner_pk}",
                           "message": f"This {k} is not one of this {o}'s {plural(k).replace('_', ' ')}"})
        avail, held = self.availability(), values.get(self.a.units_held or "", "1")
        if avail:
            effect.append({"require": f"{k}_row.{avail}" + (f" >= {held}" if avail == self.units() else ""),
                           "message": self.short_of(k, f"{k}_row") if held != "1" else
                           unavailable(k, avail, count=avail == self.units())})
        if (caps := self.caps()) is not None and caps[0] in values and caps[1] in cat_fields:  # "at most 2 guests in standard"
            effect.append({"require": f"{caps[0]} <= {caps[2](f'{k}_row.{caps[1]}')}", "message": self.sp.caps.text[:300]})  # type: ignore[union-attr]
        effect.append({"insert": self.mains, "as": "made", "values": values})
        if (units := self.units()) is not None:  # the seats booked are fewer left
            effect.append({"update": self.catalogs, "row": f"{k}_row", "set": {units: f"{k}_row.{units} - {held}"}})
        # what it costs in all, where worked out (a fare times the passengers): shown as a real service's reply does
        totals = [n for n, v in values.items() if TOTAL.search(n) and not re.fullmatch(r"[\w.]+", v)]
        effect.append({"return": {self.main_pk: f"made.{self.main_pk}", "status": "made.status",
                                  **{n: f"made.{n}" for n in totals}}})
        verb = "create" if m.startswith(self.a.book_verb) else self.a.book_verb
        return self._tool(f"{verb}_{m}", "write", f"{verb.capitalize()} a {m} for a {o}.",
                          params, effect, self.span_for(self.a.book_verb))

    def booking(self) -> str | None:
        """The book tool's name, when the archetype books from a catalog this domain has."""
        if not self.books():
            return None
        m = self.sp.main
        verb = "create" if m.startswith(self.a.book_verb) else self.a.book_verb
        return f"{verb}_{m}" if f"{verb}_{m}" in self.used else None

    def availability(self) -> str | None:
        """The catalog's field saying whether an entry can be had: a count left (`seats_left`) or a flag."""
        return next((f["name"] for f in self.a.catalog_fields if f.get("type") in ("integer", "boolean")), None)

    def units(self) -> str | None:
        """The catalog's count of units left, where it has one (`seats_left`, `copies_available`)."""
        avail = self.availability()
        return avail if avail and any(f["name"] == avail and f["type"] == "integer" for f in self.a.catalog_fields) else None

    def units_of_record(self) -> str | None:
        """`units`, where the main record refers to the entry it holds them of (a booking's flight)."""
        units = self.units()
        return units if units and any(f["name"] == self.catalog_pk for f in self.entity(self.mains)["fields"]) else None

    def held(self, row: str) -> str:
        """How many of its entry's units the record `row` holds (a booking's passengers: a seat each)."""
        return f"{row}.{self.a.units_held}" if self.a.units_held else "1"

    def short_of(self, k: str, entry: str) -> str:
        """The refusal of an entry without the units asked for."""
        units = self.units() or ""
        return f"Not enough {units.replace('_', ' ')} on this {k} ({{{entry}.{units}}})"

    def _offered(self, holding: str = "1") -> str:
        """The condition an entry must meet to be booked (the book tool's own), over `e`, for a record
        holding `holding` of its units."""
        avail = self.availability()
        if avail is None:
            return "true"
        return f"e.{avail}" + (f" >= {holding}" if avail == self.units() else "")

    def book_flow(self) -> dict[str, Any] | None:
        tool = self.booking()
        if tool is None:
            return None
        k, m = self.sp.catalog, self.sp.main
        spec = next(t for t in self.made_tools if t["name"] == tool)
        fits = "true"  # an entry that holds what the customer asks for ("at most 2 guests in standard")
        if (caps := self.caps()) is not None and caps[1] in {f["name"] for f in self.a.catalog_fields}:
            asked = next((self._asked_value(p["name"], p) for p in spec["parameters"][2:] if p["name"] == caps[0]), None)
            fits = f"{asked} <= {caps[2](f'e.{caps[1]}')}" if asked else "true"
        # the seats for the passengers asked: over the anchor's row, then as the user says it
        holding = next((self._asked_value(p["name"], p) for p in spec["parameters"][2:]
                        if p["name"] == self.a.units_held), None) or "1"
        said_holding = self.a.units_held if holding != "1" else "1"
        whose = f"{{{self.owner_pk}: row.{self.owner_pk}}}" if self.directory() else "{}"  # the customer's own contacts
        searched = "search_catalog" in self.a.extras
        # an entry without the yes/no it needs (a contact not verified yet) is still asked for, and the
        # rule refuses it; one short of units is not (the search and the list offer what is left)
        ruled = self.availability() != self.units() and not searched
        wanted, said_wanted = ("true", "true") if ruled else (self._offered(holding), self._offered(said_holding))
        askable = f"[e for e in rows('{self.catalogs}', {whose}) if {wanted} and {fits}]"
        chosen = f"{askable}[len(row.email) % len({askable})]"
        knows: dict[str, str] = {"email": "row.email"}
        said: list[str] = []
        args: dict[str, Any] = {self.owner_pk: {"result": f"owner.{self.owner_pk}"}}
        steps: list[dict[str, Any]] = [{"use": "identify"}]
        if searched:  # where and when: the search finds the entry
            date = next((f["name"] for f in self.a.catalog_fields if f["type"] == "date"), None)
            for key, field in (("origin", "origin"), ("destination", "destination"), ("date", date)):
                if field:
                    knows[key] = f"{chosen}.{field}"
            steps.append({"tool": f"search_{self.catalogs}", "as": "found",
                          "args": {key: {"user": key} for key in ("origin", "destination", "date") if key in knows}})
            pick = f"first([e.{self.catalog_pk} for e in found if {said_wanted}])"
            said.append("from {origin} to {destination}" + (" on {date}" if "date" in knows else ""))
        else:
            by = next((n for n in ENTRY_NAMES if any(f["name"] == n for f in self.a.catalog_fields)), None)
            if by is None:
                return None
            name = f"{k}_{by}" if not by.startswith(k) else by
            knows[name] = f"{chosen}.{by}"
            listed = {self.owner_pk: {"result": f"owner.{self.owner_pk}"}} if self.directory() else {}
            steps.append({"tool": f"list_{self.catalogs}", "args": listed, "as": "offered"})
            pick = f"first([e.{self.catalog_pk} for e in offered if lower(e.{by}) == lower({name}) and {said_wanted}])"
            to = "to" if any(p["name"] == "amount" for p in spec["parameters"]) else "with"  # a payment's payee
            said.append(f"{to} {{{name}}}" if by == "name" else f"on the {{{name}}} {k}" if by.endswith("_name")
                        else f"for a {{{name}}} {k}")
        args[self.catalog_pk] = {"result": pick}
        for p in spec["parameters"][2:]:
            n = p["name"]
            value = self._asked_value(n, p)
            if value is None:
                return None
            knows[n], args[n] = value, {"user": n}
        thing = k if tool.startswith("create_") else m  # "book a flight", not "create a booking"
        for p in spec["parameters"][2:]:
            said.append(_said(p["name"], p, kind=p["name"] in self.sp.kinds, thing=thing))
        steps.append({"tool": tool, "as": "booked", "args": args})
        return {"name": tool, "category": "book", "goal": f"{self.a.book_verb} {indefinite(thing)} " + " ".join(said),
                "anchor": {"table": self.owners, "filter": f"len({askable}) > 0"},
                "knows": knows, "steps": steps, "tells": {self.main_pk: f"booked.{self.main_pk}"}}

    def _asked_value(self, name: str, param: dict[str, Any]) -> str | None:
        """What a customer asks for in a field of a new booking, stable per customer (by their email)."""
        f = next((f for f in self.a.main_fields if f["name"] == name), {})
        pick = "len(row.email)"
        if param.get("enum"):
            values = [str(v) for v in param["enum"]]
            (other, cases), = (f.get("by") or {"": {}}).items()
            chosen = self._asked_value(other, {"name": other}) if cases and "." not in other else None
            if chosen is not None and all(isinstance(c, list) for c in cases.values()):
                # what the seed gives a kind only (a gift is sent once: `by` its memo), else any
                cased = [(k, [str(v) for v in c if str(v) in values] or values) for k, c in cases.items()]
                return "(" + " else ".join(f"{quoted_list(v)}[{pick} % {len(v)}] if {chosen} == {quoted_list([k])[1:-1]}"
                                           for k, v in cased) + f" else {quoted_list(values)}[{pick} % {len(values)}])"
            return f"{quoted_list(values)}[{pick} % {len(values)}]"
        t = f.get("type", "string")
        if t == "date":
            return f"add_days(today, 7 + {pick} % 14)"
        if t == "datetime":  # a slot on the half hour, in opening hours
            return f"add_days(today, 3 + {pick} % 10) + ['T09:00:00', 'T10:30:00', 'T14:00:00', 'T15:30:00'][{pick} % 4]"
        if t == "integer":  # two or more: the goal says "for {nights} nights"
            low, high = (f.get("range") or [2, 3])[:2]
            low, high = max(2, low), max(3, high)
            return f"{low} + {pick} % {high - low + 1}"
        if t == "number":
            (other, cases), = (f.get("by") or {"": {}}).items()
            chosen = self._asked_value(other, {"name": other}) if cases else None
            if chosen is not None and all(isinstance(c, dict) and "range" in c for c in cases.values()):
                # an amount that fits what it is for: rent is no $25 (`by` its memo)
                amounts = ", ".join(f"{quoted_list([v])[1:-1]}: {_round_amounts(*c['range'])}" for v, c in cases.items())
                return f"{{{amounts}}}[{chosen}][{pick} % 3]"
            return f"[25, 50, 75, 120, 200][{pick} % 5]"
        faker = f.get("faker")
        if isinstance(faker, dict) and faker.get("provider") == "random_element":
            values = faker["args"]["elements"]
            return f"{quoted_list(values)}[{pick} % {len(values)}]"
        return None


def unavailable(k: str, flag: str, count: bool = False) -> str:
    """The refusal of an entry whose yes/no `flag` is off (or `count` of units left is none), the
    state said in words: "This contact hasn't been verified yet" (a state reached by something
    done), "This doctor is not accepting patients", "This flight has no seats left"."""
    words = flag.replace("_", " ")
    if count:
        return f"This {k} has no {words}"
    if re.fullmatch(r"[a-z]+ed", flag) and not flag.endswith("eed"):
        return f"This {k} hasn't been {words} yet"
    return f"This {k} is not {words}"


def _round_amounts(low: float, high: float) -> list[int]:
    """Three round amounts a person would choose within [low, high] (to 5 under 100, to 10 under
    1,000, else to 50)."""
    def nice(x: float) -> int:
        step = 5 if x < 100 else 10 if x < 1000 else 50
        return int(max(low, min(high, round(x / step) * step)))
    return [nice(low + (high - low) * q) for q in (0.2, 0.5, 0.8)]


def _said(name: str, param: dict[str, Any], kind: bool = False, thing: str = "") -> str:
    """How a booking request says a value: "on {starts_at}", "for {nights} nights", "for a {visit_type}";
    a `kind` the text lists for the record by its noun ("with a {fare_type} fare")."""
    words = name.replace("_", " ")
    if kind:
        return f"with a {{{name}}} {name.rpartition('_')[0].replace('_', ' ')}"
    if name == "frequency":  # "as a weekly payment", "as a one-time payment" (never "to go out one-time")
        return f"as a {{{name}}} {thing or 'one'}"
    if param.get("enum"):
        return f"in {{{name}}}" if name == "cabin" else f"on the {{{name}}} rate" if name == "rate" else f"for a {{{name}}}"
    if param["type"] == "integer":
        return f"{'with' if name == 'bags' else 'for'} {{{name}}} {words}"
    if name.endswith(("_at", "_date", "_in")) or name in ("check_in",):
        return f"{'from' if name == 'check_in' else 'on'} {{{name}}}"
    if param["type"] == "number":
        return f"of {{{name}}}"
    return f"for {{{name}}}"  # a payment's memo: "for Rent"


BOOKINGS = Feature("bookings", Bookings, on=Bookings.books,
                   writes=lambda kit: [kit.book_tool()], flows=lambda kit: present(kit.book_flow()))

__all__ = ["BOOKINGS", "Bookings", "unavailable"]
