"""An amount moved between two main records of a specialised archetype (archetypes.Move): the
table of moves, the `<verb>_<obj>` tool that moves it under the text's rules, and its workflow."""
from __future__ import annotations

from typing import Any

from ...text.words import indefinite
from .service_feature import Feature
from .service_writes import quoted_list


class Moves:
    """Mixin of `ToolKit` (service_tools.py): what `self.a.move` declares."""

    def move_entity(self) -> dict[str, Any]:
        """The moves made: who made it, from and to which record, how much, when, and whether it
        stayed between the same owner's records (a per-day limit for others counts only those)."""
        mv, m = self.a.move, self.sp.main
        pk = f"{mv.record}_id"
        return {"name": self.moves, "primary_key": pk, "rows": 0, "fields": [
            {"name": pk}, {"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}"},
            {"name": f"source_{m}_id", "foreign_key": f"{self.mains}.{self.main_pk}"},
            {"name": f"destination_{m}_id", "foreign_key": f"{self.mains}.{self.main_pk}"},
            {"name": "amount", "type": "number"}, {"name": "reference", "default": None},
            {"name": "same_owner", "type": "boolean"}, {"name": "created_on", "type": "date"}]}

    def _source_statuses(self) -> list[str]:
        only = self.sp.only_from.get(self.a.move.verb)
        self._cite(only)
        allowed = [s for s in (only.value if only else self.a.move.from_statuses) if s in self.statuses]  # type: ignore[union-attr]
        return allowed or [self.statuses[0]]

    def _move_rules(self, src: str, dst: str) -> list[dict[str, Any]]:
        """The checks before money moves: the two records differ and can take part, the amount is
        positive, within the source's amount field and the text's per-day limit."""
        mv, m, sp = self.a.move, self.sp.main, self.sp
        fld, allowed = mv.amount_field, self._source_statuses()
        only = sp.only_from.get(mv.verb)
        out = [{"require": f"source_{m}_id != destination_{m}_id", "message": f"The source and destination {m}s must differ"},
               {"require": f"{src}.status in {quoted_list(allowed)}",
                "message": only.text[:300] if only else f"Only {indefinite(m)} that is {' or '.join(allowed)} can send money"},
               {"require": f"{dst}.status in {quoted_list(mv.to_statuses)}",
                "message": f"The destination {m} is {{{dst}.status}} and cannot receive money"},
               {"require": "amount > 0", "message": "The amount must be more than zero"}]
        cap = sp.move_cap.text[:300] if sp.move_cap else f"The amount cannot be more than the {fld} of the source {m}"
        self._cite(sp.move_cap)
        out.append({"require": f"amount <= {src}.{fld}", "message": cap})
        if sp.daily_limit is not None:
            limit, to_others = sp.daily_limit.value  # type: ignore[misc]
            self._cite(sp.daily_limit)
            where = f"{{{self.owner_pk}: {src}.{self.owner_pk}, created_on: today"
            where += ", same_owner: false}" if to_others else "}"
            within = f"sum([t.amount for t in rows('{self.moves}', {where})]) + amount <= {limit:g}"
            if to_others:
                within = f"{dst}.{self.owner_pk} == {src}.{self.owner_pk} or " + within
            out.append({"require": within, "message": sp.daily_limit.text[:300]})
        return out

    def move_tool(self) -> dict[str, Any]:
        mv, m, fld = self.a.move, self.sp.main, self.a.move.amount_field
        pk, src, dst = f"{mv.record}_id", "from_row", "to_row"
        params = [{**self._id_param(m, self.main_pk), "name": f"source_{m}_id",
                   "description": f"the {m} the money comes from, e.g. {self.pattern(m).replace('#', '0')}"},
                  {**self._id_param(m, self.main_pk), "name": f"destination_{m}_id",
                   "description": f"the {m} the money goes to, e.g. {self.pattern(m).replace('#', '0')}"},
                  {"name": "amount", "type": "number", "description": "how much to move, in dollars"},
                  {"name": "reference", "type": "string", "required": False, "description": "a note for the statement"
                   + (f", up to {self.sp.reference_most.value} characters" if self.sp.reference_most else "")}]
        effect = [{"find": self.mains, "as": src, "where": {self.main_pk: f"source_{m}_id"},
                   "error": f"No {m} with id {{source_{m}_id}}"},
                  {"find": self.mains, "as": dst, "where": {self.main_pk: f"destination_{m}_id"},
                   "error": f"No {m} with id {{destination_{m}_id}}"},
                  *self._move_rules(src, dst),
                  *self._reference_rule(),
                  {"update": self.mains, "row": src, "set": {fld: f"round({src}.{fld} - amount, 2)"}},
                  {"update": self.mains, "row": dst, "set": {fld: f"round({dst}.{fld} + amount, 2)"}},
                  {"insert": self.moves, "as": "made", "values": {
                      pk: f"next_id('{self.pattern(mv.record)}')", self.owner_pk: f"{src}.{self.owner_pk}",
                      f"source_{m}_id": f"source_{m}_id", f"destination_{m}_id": f"destination_{m}_id", "amount": "amount",
                      "reference": "reference", "same_owner": f"{dst}.{self.owner_pk} == {src}.{self.owner_pk}",
                      "created_on": "today"}},
                  {"return": {pk: f"made.{pk}", "amount": "made.amount", f"source_{m}_id": f"source_{m}_id",
                              f"destination_{m}_id": f"destination_{m}_id", f"source_{fld}": f"{src}.{fld}", f"destination_{fld}": f"{dst}.{fld}"}}]
        return self._tool(f"{mv.verb}_{mv.obj}", "write",
                          f"{mv.verb.capitalize()} an amount from one {m} to another; both {fld}s change.",
                          params, effect, self.span_for(mv.verb, m) or self.span_for(mv.verb))

    def _reference_rule(self) -> list[dict[str, Any]]:
        """"an optional reference of up to 18 characters" (an instruction, cited): a longer one is refused."""
        most = self.sp.reference_most
        if most is None:
            return []
        self._cite(most)
        return [{"require": f"len(coalesce(reference, '')) <= {most.value}",
                 "message": f"A reference can be at most {most.value} characters long"}]

    def move_flow(self) -> dict[str, Any]:
        """The user moves a round sum (half the source's amount field, within a per-day limit on
        every move, in hundreds, at least 100) from one of their records to another of theirs that
        can receive it."""
        mv, m, pk, fld = self.a.move, self.sp.main, self.main_pk, self.a.move.amount_field
        others = (f"[a.{pk} for a in rows('{self.mains}', {{{self.owner_pk}: row.{self.owner_pk}}}) "
                  f"if a.{pk} != row.{pk} and a.status in {quoted_list(mv.to_statuses)}]")
        allowed = self._source_statuses()
        half = f"row.{fld} / 2"
        if self.sp.daily_limit is not None and not self.sp.daily_limit.value[1]:  # a limit on every move
            half = f"min({half}, {self.sp.daily_limit.value[0]:g})"
        return {"name": f"{mv.verb}_{mv.obj}", "category": mv.verb,
                "goal": f"{mv.verb} {{amount}} from my {m} {{source_{m}_id}} to my other {m} {{destination_{m}_id}}",
                "anchor": {"table": self.mains,
                           "filter": f"row.status in {quoted_list(allowed)} and row.{fld} >= 100 and len({others}) > 0"},
                "knows": {"email": self._email_of_main(), f"source_{m}_id": f"row.{pk}",
                          f"destination_{m}_id": f"first({others})", "amount": f"max(100, int({half} / 100) * 100)"},
                "steps": [{"use": "identify"},
                          {"tool": f"get_{m}_details", "args": {pk: {"user": f"source_{m}_id"}}, "as": "details"},
                          {"tool": f"{mv.verb}_{mv.obj}", "as": "moved",
                           "args": {f"source_{m}_id": {"user": f"source_{m}_id"}, f"destination_{m}_id": {"user": f"destination_{m}_id"},
                                    "amount": {"user": "amount"}}}],
                "tells": {f"{mv.record}_id": f"moved.{mv.record}_id", f"remaining_{fld}": f"moved.source_{fld}"}}


MOVES = Feature("moves", Moves, on=lambda kit: bool(kit.moves), tables=lambda kit: [kit.move_entity()],
                writes=lambda kit: [kit.move_tool()], flows=lambda kit: [kit.move_flow()])

__all__ = ["MOVES", "Moves"]
