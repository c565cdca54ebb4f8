"""A change of a record's tier held to its billing cycle: "Pinecone Mobile customers can switch
plans once per billing cycle"; "Upgrades start at once; downgrades start at the next billing cycle".

The record keeps the first day of the cycle it is in (`last_renewed_on`; the next starts a calendar
month on) and when the tier last changed (`plan_changed_on`, within the last 90 days: some lines this cycle, so a
second change can be refused). Where the text allows one change a cycle, the edit `require`s that
the last came before this cycle, with the text's sentence as its reason. Where it says downgrades
start at the next cycle, a change to a cheaper tier (a tier's values are listed cheapest first)
leaves the record's tier and price as they are and schedules the new one (`pending_plan`,
`pending_plan_starts_on`: the next cycle's first day); an upgrade changes them at once. The reply
says which, so the assistant tells the customer when the new plan takes effect.
"""
from __future__ import annotations

import re
from typing import Any

from .archetypes import tier_factor
from .service_feature import Feature
from .specialise import Found, Specialisation, shift

#: "switch plans once per billing cycle", "more than once in the same billing cycle"
_ONCE = re.compile(r"\bonce\s+(?:per|a|each|every|in\s+(?:the\s+same|a|one))\s+billing\s+(?:cycle|period)\b", re.I)
#: "downgrades start at the next billing cycle"
_LATER = re.compile(r"\bdowngrades?\b[^.;]*?\b(?:start|begin|take\s+effect|apply)\w*\b[^.;]*?"
                    r"\bnext\s+billing\s+(?:cycle|period)\b", re.I)
_NEGATIVE = re.compile(r"\b(?:cannot|can't|not|no)\b", re.I)


def read_cycles(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.cycle_rules` ("once": one change of the tier a billing cycle; "later": its downgrades
    wait for the next cycle), each the tier field and its sentence; of "once", a sentence that
    forbids (the customer's reason) over one that allows. The tier is the one editable field
    another field is priced by (a line's plan)."""
    tiers = {f.get("tier") for f in arch.main_fields}
    editable = [f["name"] for f in arch.editable if f["name"] in tiers]
    if len(editable) != 1:
        return
    name = editable[0]
    for start, end, s in sp.sentences:
        if _ONCE.search(s):
            was = sp.cycle_rules.get("once")
            if was is None or _NEGATIVE.search(s) and not _NEGATIVE.search(was.text):
                sp.cycle_rules["once"] = Found(name, start, end, s)
        if _LATER.search(s):
            sp.cycle_rules.setdefault("later", Found(name, start, end, s))


class Cycles:
    """Mixin of `ToolKit` (service_tools.py): a tier's change held to the billing cycle."""

    def cycles(self) -> bool:
        return bool(self.sp.cycle_rules)

    def cycle_rule(self, key: str, name: str) -> Found | None:
        """The text's "once" or "later" rule of a change of the field `name`, if it states it."""
        found = self.sp.cycle_rules.get(key)
        return found if found is not None and found.value == name else None

    def _cycled(self) -> str:
        return str(next(iter(self.sp.cycle_rules.values())).value)

    def cycle_fields(self) -> list[dict[str, Any]]:
        """The cycle the record is in and when its tier last changed; where downgrades wait, the
        tier scheduled and the day it starts (none seeded)."""
        name = self._cycled()
        today, days = shift(self.clock, 0, "date"), self._cycle_days()
        # the day its bills are issued on (`every` days from when it started), the latest not ahead
        on_bills = f"add_days(started_on, {days} * int(days_between(started_on, '{today}') / {days}))" \
            if days and self._has("started_on") else None
        out = [{"name": "last_renewed_on", "type": "date",
                "range": [shift(self.clock, -27, "date"), today], "after": "started_on" if on_bills else None,
                "derived": on_bills,
                "description": "the first day of the billing cycle it is in (it renews a month on)"},
               {"name": f"{name}_changed_on", "type": "date", "after": "started_on" if self._has("started_on") else None,
                "range": [shift(self.clock, -90, "date"), shift(self.clock, 0, "date")],
                "description": f"when its {name} last changed"}]
        if self.cycle_rule("later", name) is not None:
            out += [{"name": f"pending_{name}", "default": None,
                     "description": f"the {name} it moves to when the next billing cycle starts"},
                    {"name": f"pending_{name}_starts_on", "type": "date", "default": None,
                     "description": f"when the pending {name} starts"}]
        return [{k: v for k, v in f.items() if v is not None or k == "default"} for f in out]

    def _cycle_days(self) -> int | None:
        """The days of a billing cycle, as the record's bills are issued (`every` of a child's date), if fixed."""
        return next((f["every"] for f in self.a.child_fields if isinstance(f.get("every"), int)), None)

    def next_cycle(self, row: str) -> str:
        """When the cycle after the one the record is in starts."""
        days = self._cycle_days()
        return f"add_days({row}.last_renewed_on, {days})" if days else f"add_months({row}.last_renewed_on, 1)"

    def _has(self, field: str) -> bool:
        return any(f["name"] == field for f in self.a.main_fields)

    def _tiers(self, name: str) -> list[Any]:
        """The tier's values, cheapest first, as the text names them."""
        said = self.sp.enums.get(name)
        return list(said.value) if said is not None else next(list(f["values"]) for f in self.a.main_fields
                                                               if f["name"] == name)

    def cycle_guards(self, name: str, row: str) -> list[dict[str, Any]]:
        """The `require` of one change a cycle: the last one came before this cycle."""
        once = self.cycle_rule("once", name)
        if once is None:
            return []
        self._cite(once)
        return [{"require": self.changed_before(name, row), "message": once.text[:300]}]

    def changed_before(self, name: str, row: str) -> str:
        """That the record's tier last changed before the cycle it is in (a condition over `row`)."""
        return f"({row}.{name}_changed_on == null or {row}.{name}_changed_on < {row}.last_renewed_on)"

    def cycle_update(self, name: str, row: str, sets: dict[str, str]) -> list[dict[str, Any]]:
        """The update of an edit of `name` (`sets`: what it sets) as the cycle has it: the day it
        changed kept; where downgrades wait, a cheaper tier scheduled for the next cycle's first
        day instead (the record's tier and price as they are), a dearer one at once."""
        update = {"update": self.mains, "row": row, "set": sets}
        if not self.cycles() or self._cycled() != name:
            return [update]
        dated = {f"{name}_changed_on": "today"}
        later = self.cycle_rule("later", name)
        if later is None:
            return [{**update, "set": {**sets, **dated}}]
        self._cite(later)
        tiers = self._tiers(name)
        pending, starts = f"pending_{name}", f"pending_{name}_starts_on"
        return [{"if": f"{tier_factor(name, tiers)} < {tier_factor(f'{row}.{name}', tiers)}",
                 "then": [{**update, "set": {pending: name, starts: self.next_cycle(row), **dated}}],
                 "else": [{**update, "set": {**sets, **dated, pending: "null", starts: "null"}}]}]

    def cycle_told(self, name: str, row: str) -> dict[str, str]:
        """What the reply of an edit of `name` tells besides: the tier scheduled and when it starts."""
        if self.cycle_rule("later", name) is None:
            return {}
        return {f: f"{row}.{f}" for f in (f"pending_{name}", f"pending_{name}_starts_on")}


CYCLES = Feature("cycles", Cycles, read=read_cycles, on=Cycles.cycles, main_fields=lambda kit: kit.cycle_fields())

__all__ = ["CYCLES", "Cycles", "read_cycles"]
