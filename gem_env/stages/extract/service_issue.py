"""A new card the service issues on request, under the limits the text states.

Many card texts are about getting more cards, not a named product: "Select **Create Virtual Card**
... The card is ready to use within 5 seconds", "Requesting Founder Cards: You can request up to
3", "Define a standard per-card cap up to $150,000". Such a text gets an `issue_<main>` tool taking
the owner and the new card's spending limit: its `require` steps are the limits the text states
(how many cards one may hold, the highest limit a card may have), each citing its sentence; the new
card is of the kind the text is about ("virtual", added to the kinds a card has) and starts active
today. Its workflow is anchored on the owners the count allows; the others are where refusals
come from. A text that neither speaks of creating, issuing, adding or requesting cards gets none of
it, and neither does a text whose title is about applying for or opening one (`service_products`).
"""
from __future__ import annotations

import re
from typing import Any

from .service_feature import Feature
from .service_products import _TITLE_CUES
from .specialise import Found, Specialisation

_ISSUE = re.compile(r"\b(?:creat(?:e|ing)|issu(?:e|ing)|add(?:ing)?|request(?:ing)?)\s+(?:an?\s+|new\s+|more\s+|"
                    r"additional\s+|instant\s+|one-time\s+(?:use\s+)?|up\s+to\s+\d+\s+)*(?:(virtual|employee|founder|"
                    r"team)\s+)?cards?\b|\b(?:add|create)\s+(?:virtual\s+)?card\b", re.I)
_TITLE_VERB = re.compile(r"\b(?:creat(?:e|ing)|issu(?:e|ing)|add(?:ing)?|request(?:ing)?)\b", re.I)
_KINDS = ("virtual",)
_COUNT = re.compile(r"\b(?:up\s+to|at\s+most|no\s+more\s+than|maximum\s+of)\s+\$?(\d{1,3})\b(?:\s+(?:active\s+)?"
                    r"(?:virtual\s+|employee\s+|founder\s+)?cards?\b|\s*(?:[.;]|$))", re.I | re.M)
_CAP = re.compile(r"\b(?:cap|limit)s?\b[^.\n]{0,60}?\b(?:up\s+to|not\s+to\s+exceed|maximum\s+of)\s+\$\s?(\d[\d,]*)",
                  re.I)


def read_issues(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """`read_issuing` for an archetype whose main records are opened as products (cards, accounts)."""
    if arch.opening is not None:
        read_issuing(sp, text, title)


def read_issuing(sp: Specialisation, text: str, title: str) -> None:
    """Set `sp.issue_limits` from the text's sentences (a card's highest limit holds for any card),
    and `sp.issues` (the kind of card, or "" for any; the tool cites its own sentence) when the text
    speaks of getting new cards and its title is not about applying for a product."""
    for start, end, sentence in sp.sentences:
        if (c := _COUNT.search(sentence)) and "count" not in sp.issue_limits and re.search(r"\bcards?\b|request", sentence, re.I):
            sp.issue_limits["count"] = Found(int(c.group(1)), start, end, sentence)
        if (c := _CAP.search(sentence)) and "cap" not in sp.issue_limits and re.search(r"\b(?:per-card|card|spend)", sentence, re.I):
            sp.issue_limits["cap"] = Found(float(c.group(1).replace(",", "")), start, end, sentence)
    if _TITLE_CUES.search(title) or not (_ISSUE.search(title) or _ISSUE.search(text)):
        return
    low = (title + " " + text).lower()
    sp.issues = Found(next((k for k in _KINDS if f"{k} card" in low), ""), 0, 0, "")


class Issuing:
    """Mixin of `ToolKit` (service_tools.py): the `issue_<main>` tool and its workflow."""

    def issuing(self) -> bool:
        return self.sp.issues is not None and self._limit_field() is not None and self.a.opening is not None

    def _limit_field(self) -> str | None:
        """The main record's limit (a card's spending limit), which the text's cap bounds."""
        return next((f["name"] for f in self.a.main_fields if f["name"].endswith("limit")), None)

    def cap_of(self, field: str) -> Any:
        """The text's cap on the main record's `field` ("at or below $1,250" of a card's spending
        limit), or None: its tool's rule, its seeds and its change's new value keep within it."""
        cap = self.sp.issue_limits.get("cap")
        return cap if cap is not None and field == self._limit_field() else None

    def issue_in_title(self) -> bool:
        """The title speaks of getting cards ("How to Issue a Virtual Card", "Cards: How to Create Them")."""
        return bool(_TITLE_VERB.search(self.title) and re.search(r"\bcards?\b", self.title, re.I))

    def issue_kind(self) -> str:
        return str(self.sp.issues.value) if self.sp.issues else ""

    def _count_rule(self, owner: str) -> tuple[str, str] | None:
        got = self.sp.issue_limits.get("count")
        if got is None:
            return None
        kind = self.issue_kind()
        of_kind = f", {self.a.opening.kind_field}: '{kind}'" if kind else ""
        held = f"{kind} {self.mains}" if kind else self.mains
        return (f"count_rows('{self.mains}', {{{self.owner_pk}: {owner}.{self.owner_pk}, status: '{self.statuses[0]}'{of_kind}}})"
                f" < {got.value}", f"A customer can hold at most {got.value} {self.statuses[0]} {held}")

    def issue_tool(self) -> dict[str, Any]:
        m, o, limit = self.sp.main, self.a.owner, self._limit_field()
        kind_field, kind = self.a.opening.kind_field, self.issue_kind()
        owner = f"{o}_row"
        effect: list[dict[str, Any]] = [{"find": self.owners, "as": owner, "where": {self.owner_pk: self.owner_pk},
                                         "error": f"No {o} with id {{{self.owner_pk}}}"}]
        if (rule := self._count_rule(owner)) is not None:
            effect.append({"require": rule[0], "message": rule[1]})
            self._cite(self.sp.issue_limits["count"])
        effect.append({"require": f"{limit} > 0", "message": f"A {limit.replace('_', ' ')} must be more than $0"})
        if (cap := self.cap_of(limit)) is not None:
            effect.append({"require": f"{limit} <= {cap.value}",
                           "message": f"A {m}'s {limit.replace('_', ' ')} can be at most ${cap.value:,.0f}"})
            self._cite(cap)
        kinds = next(f["values"] for f in self.a.main_fields if f["name"] == kind_field)
        given: dict[str, Any] = {limit: limit, kind_field: f"'{kind or kinds[0]}'"}
        if self.products():  # a card of the text's own product ("Business Bronze Rewards Card" employee cards)
            title_product = self.sp.products.value[0].replace("'", "")
            given[self.catalog_pk] = f"first([p.{self.catalog_pk} for p in rows('{self.catalogs}', {{}}) " \
                                     f"if p.name == '{title_product}'])"
        effect += [{"insert": self.mains, "as": "made", "values": self.new_main_values(given)},
                   {"return": {self.main_pk: f"made.{self.main_pk}", "status": "made.status", kind_field: f"made.{kind_field}",
                               limit: f"made.{limit}"}}]
        described = f"{kind} {m}" if kind else m
        return self._tool(f"issue_{m}", "write", f"Issue a new {described} to a {o}, with a {limit.replace('_', ' ')}.",
                          [self._id_param(o, self.owner_pk),
                           {"name": limit, "type": "number", "description": f"the new {m}'s {limit.replace('_', ' ')}"}],
                          effect, self.span_where(_ISSUE))

    def kind_values(self, values: list[str]) -> list[str]:
        """A card's kinds with the kind the text issues ("virtual") among them."""
        kind = self.issue_kind()
        return values + [kind] if self.issuing() and kind and kind not in values else values

    def issue_flow(self) -> dict[str, Any]:
        m, limit = self.sp.main, self._limit_field()
        kind = self.issue_kind()
        cap = self.cap_of(limit)
        top = int(min(cap.value, 5000)) if cap else 5000
        # a round limit people ask for, by a stable trait of theirs, within the cap
        asked = f"[1000, 1500, 2000, 2500, 3000][len(row.email) % 5] * {top} / 5000"
        rule = self._count_rule("row")
        return {"name": f"issue_{m}", "category": "issue",
                "goal": f"request a new {kind + ' ' if kind else ''}{m} with a {limit.replace('_', ' ')} of {{{limit}}}",
                "anchor": {"table": self.owners, **({"filter": rule[0]} if rule else {})},
                "knows": {"email": "row.email", limit: f"round({asked}, 2)"},
                "steps": [{"use": "identify"},
                          {"tool": f"issue_{m}", "as": "issued",
                           "args": {self.owner_pk: {"result": f"owner.{self.owner_pk}"}, limit: {"user": limit}}}],
                "tells": {self.main_pk: f"issued.{self.main_pk}"}}


#: issued cards are what the text is about when its title speaks of getting them ("How to Issue a Virtual Card")
ISSUING = Feature("issuing", Issuing, read=read_issues, on=Issuing.issuing, writes=lambda kit: [kit.issue_tool()],
                  flows=lambda kit: [kit.issue_flow()], leads=Issuing.issue_in_title)

__all__ = ["ISSUING", "Issuing", "read_issues", "read_issuing"]
