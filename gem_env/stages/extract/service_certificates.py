"""A compensation certificate the text's rules grant for a record ("If the user is silver/gold member
or has travel insurance or flies business, and complains about cancelled flights in a reservation,
the agent can offer a certificate as a gesture ..., with the amount being $100 times the number of
passengers").

A text that grants a certificate with an amount for a complaint gets a `certificates` table and
`issue_certificate`, taking the record and what the customer complains about (each complaint the
text grants one for, with its amount: per the record's count when the text says "times the number
of passengers"). Who qualifies is the text's condition ("Only compensate if the user is a
silver/gold member or has travel insurance or flies business"): a membership level (the owner's
`membership_level`, seeded over the levels the text names), a yes/no the record has ("travel
insurance": a field of the record) or a value of one of its fields ("flies business": the cabin);
the tool requires it with the text's sentence, and one certificate per record. The workflow is
anchored on the records that qualify; the others are where refusals come from. A text that names
no amount for a certificate, or no complaint it is for, gets none of it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...text.words import indefinite
from .service_feature import Feature
from .service_writes import quoted_list
from .specialise import Found, Specialisation

#: membership levels, lowest first ("regular" and "guest" are no level at all)
LADDER = ("regular", "guest", "bronze", "silver", "gold", "platinum", "diamond")
_GRANT = re.compile(r"\bcomplains?\s+about\s+(\w+\s+\w+)\b[^.]*?\bcertificate\b[^.]*?\$\s?(\d+(?:\.\d+)?)"
                    r"(?:\s+times\s+the\s+number\s+of\s+(\w+))?", re.I)
_ONLY = re.compile(r"\b(?:only\s+compensate|compensate\s+only|(?:is|are)\s+(?:an?\s+)?[a-z/]+\s+members?\s+or\b)", re.I)
_LEVELS = re.compile(r"\b((?:" + "|".join(LADDER) + r")(?:\s*(?:/|,|\bor\b)\s*(?:" + "|".join(LADDER) + r"))*)\s+members?\b", re.I)
_HAS = re.compile(r"\bhas\s+(travel\s+insurance|insurance)\b", re.I)
_FLIES = re.compile(r"\bflies\s+(\w+)\b", re.I)


@dataclass(frozen=True)
class Certificates:
    """What the text grants: (complaint, amount, the record's count field it is times, or "") each,
    and who qualifies: levels, a yes/no field, (field, value)."""

    grants: tuple[tuple[str, float, str], ...]
    ladder: tuple[str, ...]
    levels: tuple[str, ...]
    flag: str | None
    value: tuple[str, str] | None


def read_certificates(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.certificates` (a `Found` of `Certificates`, citing the rule on who qualifies, else the
    first grant) and `sp.certificate_lines` (the grants) when the text grants a certificate."""
    grants, lines = [], []
    for start, end, s in sp.sentences:
        if (m := _GRANT.search(s)) and m.group(1).lower() not in [g[0] for g in grants]:
            per = (m.group(3) or "").lower()
            per = per if any(f["name"] == per and f.get("type") == "integer" for f in arch.main_fields) else ""
            grants.append((m.group(1).lower(), float(m.group(2)), per))
            lines.append(Found(True, start, end, s))
    if not grants:
        return
    named = {w.lower() for _, _, s in sp.sentences if re.search(r"\bcompensat|\bcertificate", s, re.I)
             for m in _LEVELS.finditer(s) for w in re.findall(r"[a-z]+", m.group(1).lower()) if w in LADDER}
    rule = next(((s, e, t) for s, e, t in sp.sentences if _ONLY.search(t) and re.search(r"\bcompensat|\bcertificate", t, re.I)),
                None)
    said = rule[2] if rule else ""
    levels = tuple(w for m in _LEVELS.finditer(said) for w in re.findall(r"[a-z]+", m.group(1).lower()) if w in LADDER)
    flag = m.group(1).lower().replace(" ", "_") if (m := _HAS.search(said)) else None
    values = {v: f["name"] for f in arch.main_fields for v in f.get("values", [])}
    value = (values[m.group(1).lower()], m.group(1).lower()) if (m := _FLIES.search(said)) and m.group(1).lower() in values \
        else None
    ladder = tuple(w for w in LADDER if w in named | set(levels))
    sp.certificates = Found(Certificates(tuple(grants), ladder if len(ladder) >= 2 else (), levels if len(ladder) >= 2 else (),
                                         flag, value), *(rule or (lines[0].start, lines[0].end, lines[0].text)))
    sp.certificate_lines = lines


class Certifying:
    """Mixin of `ToolKit` (service_tools.py): the level and flag the rule reads, the certificates
    table, `issue_certificate` and its workflow."""

    def certifies(self) -> bool:
        # a remedy by level (service_perks) already gives the owners their level
        return self.sp.certificates is not None and self.perk() is None

    @property
    def granted(self) -> Certificates:
        return self.sp.certificates.value  # type: ignore[return-value]

    def certificate_owner_fields(self) -> list[dict[str, Any]]:
        c = self.granted
        return [{"name": "membership_level", "values": list(c.ladder)}] if c.ladder else []

    def certificate_main_fields(self) -> list[dict[str, Any]]:
        flag = self.granted.flag
        # a new booking has none unless it is bought (the booking tool does not sell it)
        return [{"name": flag, "type": "boolean", "values": [True, False], "weights": [1, 3], "default": False}] if flag else []

    def certificate_entity(self) -> dict[str, Any]:
        return {"name": "certificates", "primary_key": "certificate_id", "rows": 0, "fields": [
            {"name": "certificate_id"}, {"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}"},
            {"name": self.main_pk, "foreign_key": f"{self.mains}.{self.main_pk}"},
            {"name": "reason"}, {"name": "amount", "type": "number"}, {"name": "issued_on", "type": "date"}]}

    def qualifies(self, owner: str, main: str) -> str | None:
        """The text's condition on who qualifies, over the owner and main rows; None: anyone."""
        c = self.granted
        conds = []
        if c.levels:
            conds.append(f"{owner}.membership_level in {quoted_list(c.levels)}")
        if c.flag:
            conds.append(f"{main}.{c.flag}")
        if c.value:
            conds.append(f"{main}.{c.value[0]} == '{c.value[1]}'")
        return " or ".join(conds) or None

    def _who_qualifies(self) -> str:
        """The text's condition said to the customer (the text's sentence is written to staff: "If the
        user is silver/gold member ..., the agent can offer a certificate"): "A certificate can only
        be given to silver or gold members, for a reservation with travel insurance, or for one in
        the business cabin."."""
        c, m = self.granted, self.sp.main.replace("_", " ")
        parts = [f"{' or '.join(c.levels)} members"] if c.levels else []
        if c.flag:
            parts.append(f"for {indefinite(m)} with {c.flag.replace('_', ' ')}")
        if c.value:
            parts.append(f"for one in the {c.value[1]} {c.value[0].replace('_', ' ')}" if parts
                         else f"for {indefinite(m)} in the {c.value[1]} {c.value[0].replace('_', ' ')}")
        said = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])}{',' if len(parts) > 2 else ''} or {parts[-1]}"
        return f"A certificate can only be given to {said}." if c.levels else f"A certificate can only be given {said}."

    def _amount(self, main: str) -> str:
        """The amount for the complaint `reason`: the text's, times the record's count where it says so."""
        out = "0"
        for reason, amount, per in reversed(self.granted.grants):
            each = f"{amount:g} * {main}.{per}" if per else f"{amount:g}"
            out = f"{each} if reason == '{reason}' else {out}" if out != "0" else each
        return out

    def certificate_tool(self) -> dict[str, Any]:
        m, o = self.sp.main, self.a.owner
        main, owner = f"{m}_row", f"{o}_row"
        rule = self.sp.certificates
        self._cite(rule)
        for line in self.sp.certificate_lines:
            self._cite(line)
        effect: list[dict[str, Any]] = [
            {"find": self.mains, "as": main, "where": {self.main_pk: self.main_pk}, "error": f"No {m} with id {{{self.main_pk}}}"},
            {"find": self.owners, "as": owner, "where": {self.owner_pk: f"{main}.{self.owner_pk}"}}]
        if (cond := self.qualifies(owner, main)) is not None:
            effect.append({"require": cond, "message": self._who_qualifies()})
        effect += [{"require": f"count_rows('certificates', {{{self.main_pk}: {self.main_pk}}}) == 0",
                    "message": f"There is already a certificate for this {m}"},
                   {"insert": "certificates", "as": "made", "values": {
                       "certificate_id": "next_id('CRT-#####')", self.owner_pk: f"{main}.{self.owner_pk}",
                       self.main_pk: self.main_pk, "reason": "reason", "amount": self._amount(main), "issued_on": "today"}},
                   {"return": {"certificate_id": "made.certificate_id", "amount": "made.amount"}}]
        first = self.sp.certificate_lines[0]
        return self._tool("issue_certificate", "write",
                          f"Give a certificate for a complaint about {indefinite(m.replace('_', ' '))}, if the text's rule allows.",
                          [self._id_param(m, self.main_pk),
                           {"name": "reason", "type": "string", "enum": [g[0] for g in self.granted.grants],
                            "description": "what the customer complains about"}],
                          effect, {"start": first.start, "end": first.end, "text": first.text})

    def _complained_of(self, reason: str, complaints: list[str]) -> str:
        """The record a complaint is about: one in the status it names ("cancelled flights": a
        cancelled reservation), else one in none of the statuses the complaints name."""
        named = [s for s in self.statuses if any(re.search(rf"\b{s}\b", c) for c in complaints)]
        own = [s for s in named if re.search(rf"\b{s}\b", reason)]
        return f"row.status in {quoted_list(own)}" if own else f"row.status not in {quoted_list(named)}"

    def certificate_flow(self) -> dict[str, Any]:
        m, o, pk = self.sp.main, self.a.owner, self.main_pk
        complaints = [g[0] for g in self.granted.grants]
        reason = self._said_reason(complaints)
        conds = [f"count_rows('certificates', {{{pk}: row.{pk}}}) == 0", self._complained_of(reason, complaints)]
        if (cond := self.qualifies(f"lookup('{self.owners}', row.{self.owner_pk})", "row")) is not None:
            conds.append(f"({cond})")
        return {"name": "issue_certificate", "category": "certificate",
                "goal": f"ask for compensation for the {{reason}} on my {m} {{{pk}}}",
                "anchor": {"table": self.mains, "filter": " and ".join(conds)},
                "knows": {"email": self._email_of_main(), pk: f"row.{pk}",
                          "reason": f"'{reason}'"},
                "steps": [{"use": "identify"},
                          {"tool": f"get_{o}_details", "args": {self.owner_pk: {"result": f"owner.{self.owner_pk}"}},
                           "as": "profile"},
                          {"tool": f"get_{m}_details", "args": {pk: {"user": pk}}, "as": "details"},
                          {"tool": "issue_certificate", "as": "issued", "args": {pk: {"user": pk}, "reason": {"user": "reason"}}}],
                "tells": {"certificate_id": "issued.certificate_id", "amount": "issued.amount"}}


CERTIFICATES = Feature("certificates", Certifying, read=read_certificates, on=Certifying.certifies,
                       owner_fields=Certifying.certificate_owner_fields, main_fields=Certifying.certificate_main_fields,
                       tables=lambda kit: [kit.certificate_entity()], writes=lambda kit: [kit.certificate_tool()],
                       flows=lambda kit: [kit.certificate_flow()])

__all__ = ["CERTIFICATES", "Certificates", "Certifying", "read_certificates"]
