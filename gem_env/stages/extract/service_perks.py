"""What a customer's membership level entitles them to, as the text states it.

Support guidelines grant a remedy by level: "If Gold or Silver: they will always get their extra
fees removed" / "If Guest or Bronze: the extra fee stays"; "Gold, Silver and Bronze all qualify
(we will generate a new promo code)" / "Guest: apologize that you cannot help them"; "If they are
bronze, silver or gold: tell them you can offer a refund" / "a Guest customer must wait".

Such a text gets the levels it names as an owner field (`membership_level`), the remedy as a tool
whose `require` is the rule (citing its lines), and a workflow anchored on the owners the rule
allows; the owners of a level the text refuses are where refusals come from. Remedies: an extra
fee removed from the main record (`remove_<main>_fee`), a refund or credit of the main record's
amount (`issue_refund`, `issue_credit`), a new promo code with the text's discount and validity
(`issue_promo_code`). A level whose grant depends on more ("if they are only 1 day late") is
neither allowed nor refused. A text that names fewer than two levels, or does not both grant the
remedy to some level and refuse it to another, gets none of it; unless it has the assistant hand out
a promo code to anyone ("offer them a discount using [Promo Code]"): that is a promo code tool
without a level rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...text.words import indefinite
from .service_writes import quoted_list
from .service_feature import Feature
from .specialise import Found, Specialisation

#: membership levels, lowest first
LEVELS = ("guest", "bronze", "silver", "gold", "platinum", "diamond")
_LEVEL = re.compile(r"\b(" + "|".join(LEVELS) + r")\b", re.I)
#: the text speaks of levels of membership, not of a "Gold Plus Saver Account"
_ABOUT_LEVELS = re.compile(r"\bmember(?:ship)?\s+(?:level|tier|status)\b|\b(?:" + "|".join(LEVELS[1:]) + r")\s+members?\b",
                           re.I)
_OTHERS = re.compile(r"\ball\s+other\s+members\b|\bregular\s+(?:user|customer)s?\b", re.I)
_GRANT = re.compile(r"\b(?:always|unlimited|qualif(?:y|ies)|waived|removed|special\s+treatment|can\s+offer|"
                    r"only\s+works?\s+for|get\s+what\s+they\s+want|will\s+(?:generate|give))\b", re.I)
_DENY = re.compile(r"\b(?:cannot|can't|can\s+not|nothing\s+you\s+can|unfortunately|customer\s+error|stays|must\s+wait|"
                   r"not\s+eligible|do\s+not\s+qualify)\b", re.I)
_HEDGE = re.compile(r"\bif\s+(?:they\s+are\s+only|the\s+amount)\b|\bwithin\b|\bask\s+(?:for|if|them)\b|\bdepends?\s+on\b",
                    re.I)
_ONLY = re.compile(r"\bonly\s+(?:works?\s+)?for\b", re.I)
_FEE = re.compile(r"\bfees?\b[^.>]*\b(?:removed|waived)\b|\b(?:remove|waive)\b[^.>]*\bfees?\b", re.I)
_REFUND = re.compile(r"\b(refund|credit)\b", re.I)
_PROMO = re.compile(r"\b(?:promo(?:tion(?:al)?)?|discount|coupon)\s+codes?\b", re.I)
#: the text has the assistant hand out a promo code, whoever the customer is
_PROMO_OFFER = re.compile(r"\b(?:offer|generate|give|send)\b[^.\n]{0,60}?(?:\bpromo(?:tion(?:al)?)?\s+codes?\b|\bdiscount\b)", re.I)
_PERCENT = re.compile(r"\b(\d{1,2})\s?%\s+off\b", re.I)
_VALID_DAYS = re.compile(r"\b(?:last|valid\s+for|expires?\s+(?:after|in))\s+(\d{1,3})\s+days\b", re.I)


@dataclass(frozen=True)
class Perk:
    """A remedy the text grants by membership level."""

    kind: str                       # fee, refund, credit, promo_code
    levels: tuple[str, ...]         # every level the text names, lowest first
    allowed: tuple[str, ...]        # granted without more
    refused: tuple[str, ...]        # refused
    percent_off: int = 10           # promo codes: the text's discount
    valid_days: int = 30            # promo codes: how long one lasts


def read_perk(sp: Specialisation, text: str) -> None:
    """Set `sp.perk` (a `Found` of a `Perk`, citing the first grant line) and `sp.perk_lines` when
    the text grants a remedy to some membership levels and refuses it to others, or has the
    assistant hand out a promo code to anyone ("offer them a discount using [Promo Code]")."""
    if not _by_level(sp, text) and (m := _PROMO_OFFER.search(text)):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end].strip()
        start = text.index(line, line_start)
        sp.perk = Found(_promo(text, ()), start, start + len(line), line)


def _promo(text: str, levels: tuple[str, ...], allowed: tuple[str, ...] = (), refused: tuple[str, ...] = ()) -> Perk:
    percent = _PERCENT.search(text)
    days = _VALID_DAYS.search(text)
    return Perk("promo_code", levels, allowed, refused, int(percent.group(1)) if percent else 10,
                int(days.group(1)) if days else 30)


def _by_level(sp: Specialisation, text: str) -> bool:
    """`read_perk` for a remedy granted by level; whether the text has one."""
    if not _ABOUT_LEVELS.search(text):
        return False
    named: set[str] = set()
    allowed: dict[str, None] = {}
    refused: dict[str, None] = {}
    hedged: set[str] = set()
    grants: list[tuple[int, int, str]] = []
    cited: list[tuple[int, int, str]] = []
    at = 0
    for line in text.splitlines(keepends=True):
        start, at = at, at + len(line)
        body = line.strip()
        levels = list(dict.fromkeys(m.group(1).lower() for m in _LEVEL.finditer(body)))
        named.update(levels)
        others = bool(_OTHERS.search(body))
        if not levels and not others:
            continue
        span = (start + line.index(body[:1]) if body else start, start + len(line.rstrip()), body)
        if _HEDGE.search(body) or (_GRANT.search(body) and _DENY.search(body)):
            hedged.update(levels)
        elif _GRANT.search(body):
            allowed.update(dict.fromkeys(levels))
            grants.append(span)
            if _ONLY.search(body):
                refused.update(dict.fromkeys(l for l in LEVELS if l not in levels))
        elif _DENY.search(body):
            refused.update(dict.fromkeys(levels if levels and not others else
                                         [l for l in LEVELS if l not in allowed]))
            cited.append(span)
    ladder = tuple(l for l in LEVELS if l in named)
    allowed_t = tuple(l for l in ladder if l in allowed and l not in refused and l not in hedged)
    refused_t = tuple(l for l in ladder if l in refused and l not in allowed)
    if len(ladder) < 2 or not allowed_t or not refused_t or not grants:
        return False
    kind = _kind(" ".join(g[2] for g in grants), text)
    if kind is None:
        return False
    perk = _promo(text, ladder, allowed_t, refused_t) if kind == "promo_code" else Perk(kind, ladder, allowed_t, refused_t)
    first = grants[0]
    sp.perk = Found(perk, first[0], first[1], first[2])
    sp.perk_lines = [Found(None, s, e, t) for s, e, t in grants[1:] + cited]
    return True


def _kind(granted: str, text: str) -> str | None:
    """What the grant lines give: an extra fee removed, a refund or credit, else a promo code the
    text speaks of; None for anything else (an extension)."""
    if _FEE.search(granted):
        return "fee"
    if m := _REFUND.search(granted):
        return m.group(1).lower()
    if _PROMO.search(text):
        return "promo_code"
    return None



def _said(levels: tuple[str, ...]) -> str:
    return levels[0] if len(levels) == 1 else ", ".join(levels[:-1]) + " and " + levels[-1]


#: the main record's amount a fee is part of, or a refund gives back, by archetype field name
_AMOUNTS = ("total", "total_paid", "purchase_amount", "balance_due", "balance", "amount")


class Perks:
    """Mixin of `ToolKit` (service_tools.py): the owner's level, the remedy's table, tool and workflow."""

    def perk(self) -> Perk | None:
        p = self.sp.perk.value if self.sp.perk else None
        if p is None or (p.kind != "promo_code" and self._amount_field() is None) or p.kind + "s" == self.requests:
            return None
        return p  # type: ignore[return-value]

    def _amount_field(self) -> str | None:
        names = [f["name"] for f in self.a.main_fields if f.get("type") == "number"]
        return next((n for n in _AMOUNTS if n in names), None)

    def perk_owner_fields(self) -> list[dict[str, Any]]:
        p = self.perk()
        return [{"name": "membership_level", "values": list(p.levels)}] if p and p.levels else []

    def perk_main_fields(self) -> list[dict[str, Any]]:
        p = self.perk()
        if p is None or p.kind != "fee":
            return []
        return [{"name": "extra_fee", "type": "number", "values": [None, 4.99, 7.5, 12.0, 15.99], "weights": [3, 1, 1, 1, 1], "default": None,
                 "description": "a fee added to the price"}]

    def with_fee(self, name: str, derived: str) -> str:
        """A main record's amount as derived, plus the extra fee the record carries when the text's
        perk is a fee added to the price (removing the fee takes it off the total again)."""
        p = self.perk()
        if p is None or p.kind != "fee" or name != self._amount_field():
            return derived
        return f"round(({derived}) + (extra_fee or 0), 2)"

    def _perk_table(self) -> tuple[str, str] | None:
        p = self.perk()
        if p is None or p.kind == "fee":
            return None
        return (p.kind + "s", p.kind + "_id")

    def perk_entity(self) -> list[dict[str, Any]]:
        got = self._perk_table()
        if got is None:
            return []
        table, pk = got
        p = self.perk()
        fields: list[dict[str, Any]] = [{"name": pk}, {"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}"}]
        if p.kind == "promo_code":
            fields += [{"name": "discount"}, {"name": "expires_on", "type": "date"},
                       {"name": "status", "values": ["active", "used", "expired"]}]
        else:
            fields += [{"name": self.main_pk, "foreign_key": f"{self.mains}.{self.main_pk}"},
                       {"name": "amount", "type": "number"}]
        fields.append({"name": "issued_on", "type": "date"})
        return [{"name": table, "primary_key": pk, "rows": 0, "fields": fields}]

    def _perk_what(self) -> str:
        return {"fee": "an extra fee removed", "refund": "a refund", "credit": "a credit",
                "promo_code": "a new promo code"}[self.perk().kind]

    def _grant_span(self) -> dict[str, Any]:
        """The line granting the remedy: where the tool comes from."""
        g = self.sp.perk
        return {"start": g.start, "end": g.end, "text": g.text}

    def _level_rule(self, owner_row: str) -> list[dict[str, Any]]:
        p, what = self.perk(), self._perk_what()
        for f in [self.sp.perk, *self.sp.perk_lines]:
            self._cite(f)
        if not p.allowed:
            return []
        return [{"require": f"{owner_row}.membership_level in {quoted_list(p.allowed)}",
                 "message": f"Only {_said(p.allowed)} members can get {what}"}]

    def perk_tool(self) -> dict[str, Any]:
        p, o, m = self.perk(), self.a.owner, self.sp.main
        owner = f"{o}_row"
        if p.kind == "promo_code":
            table, pk = self._perk_table()
            effect: list[dict[str, Any]] = [
                {"find": self.owners, "as": owner, "where": {self.owner_pk: self.owner_pk},
                 "error": f"No {o} with id {{{self.owner_pk}}}"},
                *self._level_rule(owner),
                {"require": f"count_rows('{table}', {{{self.owner_pk}: {self.owner_pk}, status: 'active'}}) == 0",
                 "message": f"This {o} already has an active promo code"},
                {"insert": table, "as": "made", "values": {
                    pk: f"next_id('{self.pattern('promo')}')", self.owner_pk: self.owner_pk,
                    "discount": f"'{p.percent_off}%'", "expires_on": f"add_days(today, {p.valid_days})",
                    "status": "'active'", "issued_on": "today"}},
                {"return": {pk: f"made.{pk}", "discount": "made.discount", "expires_on": "made.expires_on"}}]
            return self._tool("issue_promo_code", "write", f"Give a {o} a new promo code, if their membership level allows.",
                              [self._id_param(o, self.owner_pk)], effect, self._grant_span())
        main, amount = f"{m}_row", self._amount_field()
        effect = [{"find": self.mains, "as": main, "where": {self.main_pk: self.main_pk},
                   "error": f"No {m} with id {{{self.main_pk}}}"},
                  {"find": self.owners, "as": owner, "where": {self.owner_pk: f"{main}.{self.owner_pk}"}},
                  *self._level_rule(owner),
                  {"require": f"{main}.status in {quoted_list(tuple(self.editable_statuses()))}",
                   "message": f"{indefinite(m).capitalize()} that is {{{main}.status}} cannot get {self._perk_what()}"}]
        if p.kind == "fee":
            effect += [{"require": f"{main}.extra_fee != null", "message": f"This {m} has no extra fee to remove"},
                       {"update": self.mains, "row": main,
                        "set": {amount: f"round({main}.{amount} - {main}.extra_fee, 2)", "extra_fee": None}},
                       {"return": {self.main_pk: self.main_pk, "extra_fee": f"{main}.extra_fee", amount: f"{main}.{amount}"}}]
            return self._tool(f"remove_{m}_fee", "write", f"Remove the extra fee from {indefinite(m)}, if the {o}'s membership "
                              "level allows.", [self._id_param(m, self.main_pk)], effect, self._grant_span())
        table, pk = self._perk_table()
        effect += [{"require": f"count_rows('{table}', {{{self.main_pk}: {self.main_pk}}}) == 0",
                    "message": f"There is already {indefinite(p.kind)} for this {m}"},
                   {"insert": table, "as": "made", "values": {
                       pk: f"next_id('{self.pattern(p.kind)}')", self.owner_pk: f"{main}.{self.owner_pk}",
                       self.main_pk: self.main_pk, "amount": f"{main}.{amount}", "issued_on": "today"}},
                   {"return": {pk: f"made.{pk}", "amount": "made.amount"}}]
        return self._tool(f"issue_{p.kind}", "write", f"Give {indefinite(p.kind)} of {indefinite(m)}'s {amount.replace('_', ' ')}, if the "
                          f"{o}'s membership level allows.", [self._id_param(m, self.main_pk)], effect, self._grant_span())

    def perk_flow(self) -> dict[str, Any]:
        p, o, m = self.perk(), self.a.owner, self.sp.main
        allowed = f"membership_level in {quoted_list(p.allowed)}"
        profile = {"tool": f"get_{o}_details", "args": {self.owner_pk: {"result": f"owner.{self.owner_pk}"}}, "as": "profile"}
        if p.kind == "promo_code":
            table, pk = self._perk_table()
            return {"name": "get_promo_code", "category": "promo_code",
                    "goal": "request a new promo code",
                    "anchor": {"table": self.owners, **({"filter": f"row.{allowed}"} if p.allowed else {})},
                    "knows": {"email": "row.email"},
                    "steps": [{"use": "identify"}, profile,
                              {"tool": "issue_promo_code", "args": {self.owner_pk: {"result": f"owner.{self.owner_pk}"}},
                               "as": "issued"}],
                    "tells": {pk: f"issued.{pk}", "discount": "issued.discount"}}
        conds = [f"lookup('{self.owners}', row.{self.owner_pk}).{allowed}",
                 f"row.status in {quoted_list(tuple(self.editable_statuses()))}"]
        details = {"tool": f"get_{m}_details", "args": {self.main_pk: {"user": self.main_pk}}, "as": "details"}
        knows = {"email": self._email_of_main(), self.main_pk: f"row.{self.main_pk}"}
        if p.kind == "fee":
            conds.append("row.extra_fee != null")
            amount = self._amount_field()
            return {"name": f"remove_{m}_fee", "category": "fee",
                    "goal": f"remove the extra fee from my {m} {{{self.main_pk}}}",
                    "anchor": {"table": self.mains, "filter": " and ".join(conds)}, "knows": knows,
                    "steps": [{"use": "identify"}, profile, details,
                              {"tool": f"remove_{m}_fee", "args": {self.main_pk: {"user": self.main_pk}}, "as": "removed"}],
                    "tells": {amount: f"removed.{amount}"}}
        table, pk = self._perk_table()
        return {"name": f"get_{p.kind}", "category": p.kind,
                "goal": f"request {indefinite(p.kind)} for my {m} {{{self.main_pk}}}",
                "anchor": {"table": self.mains, "filter": " and ".join(conds)}, "knows": knows,
                "steps": [{"use": "identify"}, profile, details,
                          {"tool": f"issue_{p.kind}", "args": {self.main_pk: {"user": self.main_pk}}, "as": "issued"}],
                "tells": {pk: f"issued.{pk}", "amount": "issued.amount"}}


#: the remedy a text grants is what it is about, whatever words its title uses ("Bad Price"): its workflow
#: leads; an extra fee is said beside the total it is part of
PERKS = Feature("perks", Perks, read=lambda sp, arch, text, title: read_perk(sp, text),
                on=lambda kit: kit.perk() is not None, owner_fields=Perks.perk_owner_fields,
                main_fields=Perks.perk_main_fields, main_fields_after=Perks._amount_field,
                tables=Perks.perk_entity, writes=lambda kit: [kit.perk_tool()], flows=lambda kit: [kit.perk_flow()],
                leads=lambda kit: True)

__all__ = ["LEVELS", "PERKS", "Perk", "Perks", "read_perk"]
