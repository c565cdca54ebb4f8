"""Extending a record held for a period: its end moved to the later date the customer gives.

"Extend a car rental" (a locker, a bike, equipment hired by the day): the archetype says which
field ends the period and which is the price of a day (`archetypes.Extension`); the text says
whether the service offers it ("Select Extend rental and choose the new return date") and its
rules, each a `require` step citing its sentence, with the text's numbers:

- "within 30 days of the original one": the record keeps `days_extended`, so the original end is
  the current one less those days, however often it was extended;
- "the car is not booked by another customer": a seeded flag, `is_booked_by_another_customer`;
- "at least 2 hours before the original return time": against the domain's frozen clock, before
  the time the record is due back now (before this extension): after a first extension the first
  time has passed, and reading it so would refuse every second one.

The new end keeps the time of day of the old one, and the reply says it. Where the
text speaks of their price ("Check the price: the extra days use the daily rate"), a read quotes it
first (`quote_<main>_extension`, changing nothing), and the reply says what they came to. The library's
`renew` (a fixed 14 days, `Action.also_set`) is the other way a period grows: there the service
picks the date, here the customer does, so it takes a date and its rules are about that date.
"""
from __future__ import annotations

import re
from typing import Any

from ...text.words import indefinite
from .service_feature import Feature
from .service_writes import quoted_list
from .specialise import _UNIT_DAYS, _WINDOW, Found, Specialisation

#: "within 30 days of the original one": the window is counted from the first end, not the current one
_FROM_ORIGINAL = re.compile(r"\b(?:original|first|initial|scheduled|current)\b", re.I)
_BOOKED = re.compile(r"\b(?:not|isn't|aren't|no\s+longer)\s+(?:already\s+)?(?:be(?:en)?\s+)?(?:booked|reserved|rented)\s+"
                     r"(?:by|to|for)\s+(?:another|other|someone|a\s+different)\b", re.I)
_LEAD = re.compile(r"\bat\s+least\s+(\d{1,3})\s+(hour|day)s?\s+before\b", re.I)
_PRICE = re.compile(r"\b(?:extra|additional|added)\s+days?\b[^.]*\b(?:rate|price|cost|charge)", re.I)


def _clause(sentence: str, rule: re.Pattern) -> str:
    """The part of a sentence joining several conditions that states this one ("A rental can only
    be extended if the new return date is within 30 days of the original one and the car is not
    booked by another customer" -> "... only be extended if the car is not booked by another
    customer."), so a refusal cites the rule broken; the sentence itself otherwise."""
    head, sep, conditions = " ".join(sentence.split()).partition(" if ")
    parts = [p.strip().rstrip(".") for p in re.split(r",?\s+and\s+(?=the\b|it\b|you\b|your\b)", conditions)]
    said = [p for p in parts if rule.search(p)]
    if not sep or len(parts) < 2 or len(said) != 1:
        return sentence
    return f"{head} if {said[0]}."


def _offer(verb: str) -> re.Pattern:
    """"Extend rental", "extending", "an extension"."""
    return re.compile(rf"\b{verb}(?:s|ed|ing)?\b|\b{verb[:-1]}sions?\b", re.I)


def read_extension(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.extends` (the sentence offering it) and `sp.extension_rules` ("window" in days,
    "booked", "lead" in hours, "price") when the archetype has an `Extension` and the text or its
    title speaks of extending."""
    ext = arch.extension
    if ext is None:
        return
    offer = _offer(ext.verb)
    said = next((Found(True, s, e, t) for s, e, t in sp.sentences if offer.search(t) and not _LEAD.search(t)
                 and not _WINDOW.search(t)), None)
    if said is None and not offer.search(title):
        return
    sp.extends = said or Found(True, 0, 0, "")
    rules = sp.extension_rules
    for start, end, s in sp.sentences:
        if (w := _WINDOW.search(s)) and _FROM_ORIGINAL.search(s[w.end():]) and not w.group(2):
            rules.setdefault("window", Found(int(w.group(1)) * _UNIT_DAYS[w.group(3).lower()], start, end,
                                             _clause(s, _WINDOW)))
        if _BOOKED.search(s):
            rules.setdefault("booked", Found(True, start, end, _clause(s, _BOOKED)))
        if (m := _LEAD.search(s)) and offer.search(s):
            rules.setdefault("lead", Found(int(m.group(1)) * (24 if m.group(2).lower() == "day" else 1), start, end, s))
        if _PRICE.search(s):
            rules.setdefault("price", Found(True, start, end, s))


#: the extra days a workflow's customer asks for, from 2 to 5 (varied by the row, stable)
_EXTRA_DAYS = "(2 + int(row.daily_rate) % 4)"


class Extensions:
    """Mixin of `ToolKit` (service_tools.py): `<verb>_<main>` taking the new end date, and its workflow."""

    def extends(self) -> bool:
        return self.a.extension is not None and self.sp.extends is not None

    def _extension_rule(self, key: str) -> Found | None:
        return self.sp.extension_rules.get(key)

    def _end_words(self) -> str:
        """How the end field is said: "return" of return_by."""
        return re.sub(r"_(?:at|on|by|date|time)$", "", self.a.extension.end_field).replace("_", " ")

    def _new_end(self) -> str:
        """The argument the customer gives: new_return_date."""
        return f"new_{self._end_words().replace(' ', '_')}_date"

    def extension_fields(self) -> list[dict[str, Any]]:
        """`days_extended` (the original end is the current one less those), and the flag of the
        text's "not booked by another customer"."""
        window = self._extension_rule("window")
        top = int(window.value) if window else 7  # type: ignore[arg-type]
        out = [{"name": "days_extended", "type": "integer", "values": list(range(top + 1)),
                "weights": [top] + [1] * top, "description": f"days the {self._end_words()} was moved later"}]
        if self._extension_rule("booked") is not None:
            out.append({"name": "is_booked_by_another_customer", "type": "boolean", "values": [False, True],
                        "weights": [5, 1], "description": f"booked by another customer after this {self.sp.main}"})
        return out

    def _extension_conditions(self, row: str, new: str) -> list[tuple[str, Found]]:
        """(condition over `row` and the new end date `new`, the rule's sentence) for each rule the
        text states: over the record and the date alone, so what was read shows the rule broken."""
        end, out = self.a.extension.end_field, []
        if (w := self._extension_rule("window")) is not None:
            original = f"date(add_days({row}.{end}, -{row}.days_extended))"
            out.append((f"days_between({original}, {new}) <= {int(w.value)}", w))  # type: ignore[arg-type]
        if (b := self._extension_rule("booked")) is not None:
            out.append((f"not {row}.is_booked_by_another_customer", b))
        if (lead := self._extension_rule("lead")) is not None:
            out.append((f"hours_between(now, {row}.{end}) >= {lead.value}", lead))
        return out

    def _later(self, row: str) -> dict[str, Any]:
        """The new date must come after the current end (an input error, not a rule of the text)."""
        end, new = self.a.extension.end_field, self._new_end()
        return {"require": f"days_between(date({row}.{end}), {new}) >= 1",
                "message": f"The new {self._end_words()} date must be after the current one, {{date({row}.{end})}}"}

    def _extendable(self) -> list[str]:
        return [s for s in self.a.extension.from_statuses if s in self.statuses] or self.statuses[:1]

    def extension_tool(self) -> dict[str, Any]:
        ext, m, pk = self.a.extension, self.sp.main, self.main_pk
        row, end, new = f"{m}_row", ext.end_field, self._new_end()
        allowed = self._extendable()
        effect: list[dict[str, Any]] = [
            {"find": self.mains, "as": row, "where": {pk: pk}, "error": f"No {m} with id {{{pk}}}"},
            {"require": f"{row}.status in {quoted_list(allowed)}",
             "message": f"Only {indefinite(m)} that is {' or '.join(allowed)} can be extended "
                        f"(this {m} is {{{row}.status}})"},
            self._later(row)]
        for cond, found in self._extension_conditions(row, new):
            effect.append({"require": cond, "message": " ".join(found.text.split())[:300]})
            self._cite(found)
        result = {pk: f"{row}.{pk}", end: f"{row}.{end}", "extra_days": "extra_days"}
        if (price := self._extension_rule("price")) is not None:
            result.update({ext.rate_field: f"{row}.{ext.rate_field}",
                           "extra_cost": f"round(extra_days * {row}.{ext.rate_field}, 2)"})
            self._cite(price)
        effect += [{"let": {"extra_days": f"days_between(date({row}.{end}), {new})"}},
                   {"update": self.mains, "row": row,
                    "set": {end: f"add_days({row}.{end}, extra_days)", "days_extended": f"{row}.days_extended + extra_days"}},
                   {"return": {**result, "status": f"{row}.status"}}]
        said = self.sp.extends
        self._cite(said)
        span = {"start": said.start, "end": said.end, "text": said.text} if said.text else None
        param = {"name": new, "type": "string", "description": f"the new {self._end_words()} date (YYYY-MM-DD)"}
        return self._tool(f"{ext.verb}_{m}", "write", f"Move {indefinite(m)}'s {self._end_words()} to a later date; "
                          f"the extra days are charged at its {ext.rate_field.replace('_', ' ')}.",
                          [self._id_param(m, pk), param], effect, span)

    def _noun(self) -> str:
        """What the write makes, as a noun: extension of extend."""
        verb = self.a.extension.verb
        return f"{verb[:-1]}sion" if verb.endswith("d") else f"{verb}al"

    def quote_tool(self) -> dict[str, Any]:
        """The price of moving the end to a date, changing nothing (the text's "Check the price"):
        the new end, the extra days, the rate and what they come to; the rules are the write's. Its
        reply is no record of its own (no id): the record read is still the rental."""
        ext, m, pk = self.a.extension, self.sp.main, self.main_pk
        row, end, new = f"{m}_row", ext.end_field, self._new_end()
        effect = [{"find": self.mains, "as": row, "where": {pk: pk}, "error": f"No {m} with id {{{pk}}}"},
                  self._later(row),
                  {"let": {"extra_days": f"days_between(date({row}.{end}), {new})"}},
                  {"return": {new: new, "extra_days": "extra_days",
                              ext.rate_field: f"{row}.{ext.rate_field}",
                              "extra_cost": f"round(extra_days * {row}.{ext.rate_field}, 2)"}}]
        price = self._extension_rule("price")
        self._cite(price)
        span = {"start": price.start, "end": price.end, "text": price.text} if price and price.text else None
        param = {"name": new, "type": "string", "description": f"the new {self._end_words()} date (YYYY-MM-DD)"}
        return self._tool(f"quote_{m}_{self._noun()}", "read", f"The price of moving {indefinite(m)}'s "
                          f"{self._end_words()} to a later date, at its {ext.rate_field.replace('_', ' ')}; changes nothing.",
                          [self._id_param(m, pk), param], effect, span)

    def extension_flow(self) -> dict[str, Any]:
        """"extend my rental RA-558201 to return on 2025-01-20": 2 to 5 days later, on a row every
        rule of the text allows."""
        ext, m, pk = self.a.extension, self.sp.main, self.main_pk
        allowed, new = self._extendable(), self._new_end()
        conds = [f"row.status in {quoted_list(allowed)}",
                 *(c for c, _ in self._extension_conditions("row", f"add_days(date(row.{ext.end_field}), {_EXTRA_DAYS})"))]
        tells = {ext.end_field: f"done.{ext.end_field}"}
        priced = self._extension_rule("price") is not None
        if priced:  # the extra days were said with their price before the change
            tells["extra_cost"] = "done.extra_cost"
        return {"name": f"{ext.verb}_{m}", "category": ext.verb,
                "goal": f"{ext.verb} my {m} {{{pk}}} to {self._end_words()} on {{{new}}}",
                "anchor": {"table": self.mains, "filter": " and ".join(conds)},
                "knows": {"email": self._email_of_main(), pk: f"row.{pk}",
                          new: f"add_days(date(row.{ext.end_field}), {_EXTRA_DAYS})"},
                "steps": [{"use": "identify"},
                          {"tool": f"get_{m}_details", "args": {pk: {"user": pk}}, "as": "details"},
                          *([{"tool": f"quote_{m}_{self._noun()}", "as": "quote",
                              "args": {pk: {"user": pk}, new: {"user": new}}}] if priced else []),
                          {"tool": f"{ext.verb}_{m}", "as": "done", "when": f"details.status in {quoted_list(allowed)}",
                           "args": {pk: {"user": pk}, new: {"user": new}}}],
                "tells": tells}


EXTENSIONS = Feature("extensions", Extensions, read=read_extension, on=Extensions.extends,
                     reads=lambda kit: [kit.quote_tool()] if kit._extension_rule("price") else [],
                     main_fields=lambda kit: kit.extension_fields(),
                     main_fields_after=lambda kit: kit.a.extension.end_field,
                     writes=lambda kit: [kit.extension_tool()], flows=lambda kit: [kit.extension_flow()])

__all__ = ["EXTENSIONS", "Extensions", "read_extension"]
