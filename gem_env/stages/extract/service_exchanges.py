"""Exchanging an item for another variant of the same catalog entry, under the text's rules.

"Exchange an item for another size or colour": the catalog's entries come in variants (a colour and
a size); an item is of one variant; `exchange_<child>` swaps it for another variant of the same
entry. The archetype says what can be exchanged (`archetypes.Exchange`); the text says whether the
service offers it ("swap it for the same product in another size or colour") and its rules, each a
`require` step citing its sentence where the text states it: only items from a delivered order,
never an out-of-stock variant. A text that does not speak of exchanging gets none of it.
"""
from __future__ import annotations

import re
from typing import Any

from ...text.words import indefinite
from .archetypes import ENTRY_NAMES
from .service_feature import Feature
from .service_writes import quoted_list
from .specialise import Found, Specialisation

_OFFERS = re.compile(r"\b(?:exchang|swap)\w*", re.I)
_VARIANT = re.compile(r"\b(?:sizes?|colou?rs?|variants?|options?)\b", re.I)
_MODIFIES = re.compile(r"\b(?:modif|chang)\w*", re.I)
_NO_STOCK = re.compile(r"\bout\s+of\s+stock\b|\bnot\s+in\s+stock\b|\bunavailable\b", re.I)


def read_exchange(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.exchanges` (the sentence offering it) and `sp.exchange_rules` when the text speaks of
    exchanging an item for another variant ("another size or colour")."""
    ex = arch.exchange
    if ex is None or not _VARIANT.search(text):
        return
    # "For a pending order, each item can be modified to ... a different product option"
    sp.modifies = next((Found(True, s, e, t) for s, e, t in sp.sentences if _MODIFIES.search(t)
                        and re.search(r"\bitems?\b", t, re.I) and _VARIANT.search(t)
                        and any(re.search(rf"\b{st}\b", t, re.I) for st in ex.modify_from)), None)
    if not (_OFFERS.search(title) or _OFFERS.search(text)):
        return
    offer = next(((s, e, t) for s, e, t in sp.sentences if _OFFERS.search(t) and _VARIANT.search(t)), None) \
        or next(((s, e, t) for s, e, t in sp.sentences if _OFFERS.search(t)), (0, 0, ""))
    sp.exchanges = Found(ex.verb, *offer)
    for start, end, s in sp.sentences:
        if _OFFERS.search(s) and any(re.search(rf"\b{st}\b", s, re.I) for st in ex.from_statuses):
            sp.exchange_rules.setdefault("from", Found(True, start, end, s))
        if _NO_STOCK.search(s):
            sp.exchange_rules.setdefault("in_stock", Found(True, start, end, s))


class Exchanges:
    """Mixin of `ToolKit` (service_tools.py): the variants table, its list tool, the
    `exchange_<child>` tool and its workflow."""

    def _variants_kept(self) -> bool:
        return self.a.exchange is not None and self.children is not None and self.catalogs is not None \
            and not self.products()

    def exchange(self) -> bool:
        return self.sp.exchanges is not None and self._variants_kept()

    def modify(self) -> bool:
        """Whether an item of an order not shipped yet may become another variant in place."""
        return self.sp.modifies is not None and self._variants_kept() and bool(self._modify_from())

    def variants_on(self) -> bool:
        return self.exchange() or self.modify()

    @property
    def variants(self) -> str:
        return f"{self.sp.catalog}_variants"

    def variant_entity(self) -> dict[str, Any]:
        """One row per variant: its entry and its option, one its entry's kind comes in (running
        shoes "black, size 9", a coffee grinder "brushed steel", an entry of a kind not listed a
        colour), the entry's n-th variant its kind's n-th option, so two variants of one entry never
        read the same."""
        ex = self.a.exchange
        options = list(ex.options)
        name = next((f["name"] for f in self.a.catalog_fields if f["name"] in ENTRY_NAMES), "name")
        kinds = f"coalesce({ {k: list(v) for k, v in ex.by_kind.items()}!r}[lower(lookup('{self.catalogs}', {self.catalog_pk}).{name})], " \
                f"{list(ex.other_kinds)!r})"
        nth = f"len([v for v in rows('{self.variants}', {{{self.catalog_pk}: {self.catalog_pk}}}) if v.variant_id < variant_id])"
        option: dict[str, Any] = {"name": "option", "values": options}
        if ex.by_kind and ex.other_kinds:
            option["derived"] = f"{kinds}[{nth} % len({kinds})]"
        return {"name": self.variants, "primary_key": "variant_id", "rows": len(options), "fields": [
            {"name": "variant_id", "faker": {"provider": "bothify", "args": {"text": "VAR-#####"}}},
            {"name": self.catalog_pk, "foreign_key": f"{self.catalogs}.{self.catalog_pk}"},
            option, {"name": "in_stock", "type": "boolean"}]}

    def variant_fields(self) -> list[dict[str, Any]]:
        """What an item says of its variant, before the fields copied from the entry: the variant,
        then the entry it is of (so the item's entry name and price follow)."""
        return [{"name": "variant_id", "foreign_key": f"{self.variants}.variant_id"},
                {"name": "option", "same_as": "variant_id.option",  # the variant's option as derived
                 "derived": f"lookup('{self.variants}', variant_id).option"},
                {"name": self.catalog_pk, "foreign_key": f"{self.catalogs}.{self.catalog_pk}",
                 "same_as": f"variant_id.{self.catalog_pk}"}]

    def list_variants(self) -> dict[str, Any]:
        k = self.sp.catalog
        return self._tool(
            f"list_{k}_variants", "read", f"The variants of a {k} (option and whether it is in stock).",
            [self._id_param(k, self.catalog_pk)],
            [{"find": self.catalogs, "as": f"{k}_row", "where": {self.catalog_pk: self.catalog_pk},
              "error": f"No {k} with id {{{self.catalog_pk}}}"},  # an id that is none: an error, not []
             {"find": self.variants, "as": "found", "many": True, "where": {self.catalog_pk: self.catalog_pk}},
             {"return": "project(found, ['variant_id', 'option', 'in_stock'])"}],
            self.span_for("size") or self.span_for("colour") or self.span_for("variant"))

    def _exchange_from(self) -> list[str]:
        return [s for s in self.a.exchange.from_statuses if s in self.statuses] or self.statuses[-1:]

    def _modify_from(self) -> list[str]:
        return [s for s in self.a.exchange.modify_from if s in self.statuses]

    def _swap_checks(self, item: str, new: str, stock: Found | None) -> list[dict[str, Any]]:
        """The new variant: found, of the item's product, not the one it is, in stock."""
        return [{"find": self.variants, "as": new, "where": {"variant_id": "variant_id"},
                 "error": "No variant with id {variant_id}"},
                {"require": f"{new}.{self.catalog_pk} == {item}.{self.catalog_pk}",
                 "message": f"An exchange is for another variant of the same {self.sp.catalog}"},
                {"require": f"{new}.variant_id != {item}.variant_id",
                 "message": f"That is the variant the {self.sp.child} already is"},
                {"require": f"{new}.in_stock",
                 "message": " ".join(stock.text.split())[:300] if stock else "That variant is out of stock"}]

    def modify_tool(self) -> dict[str, Any]:
        c, m = self.sp.child, self.sp.main
        item, order, new = f"{c}_row", f"{m}_row", "new_variant"
        said = self.sp.modifies
        self._cite(said)
        allowed = self._modify_from()
        effect: list[dict[str, Any]] = [
            {"find": self.children, "as": item, "where": {self.child_pk: self.child_pk},
             "error": f"No {c} with id {{{self.child_pk}}}"},
            {"find": self.mains, "as": order, "where": {self.main_pk: f"{item}.{self.main_pk}"}},
            {"require": f"{order}.status in {quoted_list(allowed)}",
             "message": f"Only {c}s of {indefinite(' or '.join(allowed))} {m} can be changed; this {m} is {{{order}.status}}"},
            {"require": f"{item}.status == '{self.a.child_statuses[0]}'",
             "message": f"This {c} is {{{item}.status}}, so it cannot be changed"},
            *self._swap_checks(item, new, self.sp.exchange_rules.get("in_stock")),
            {"update": self.children, "row": item, "set": {"variant_id": "variant_id", "option": f"{new}.option"}},
            {"return": {self.child_pk: f"{item}.{self.child_pk}", "option": f"{new}.option", "status": f"{item}.status"}}]
        params = [self._id_param(c, self.child_pk),
                  {"name": "variant_id", "type": "string", "description": "the variant it becomes, e.g. VAR-00000"}]
        span = {"start": said.start, "end": said.end, "text": said.text} if said.text else None
        return self._tool(f"change_{m}_{c}", "write",
                          f"Change {indefinite(c)} of {indefinite(' or '.join(allowed))} {m} to another variant of the same {self.sp.catalog}.",
                          params, effect, span)

    def modify_flow(self) -> dict[str, Any]:
        return self._swap_flow(f"change_{self.sp.main}_{self.sp.child}", "modify", self._modify_from(),
                               f"swap my {self.sp.child} {{{self.child_pk}}} for the one in {{new_option}}",
                               {"option": "swapped.option"})

    def exchange_tool(self) -> dict[str, Any]:
        ex, c, m = self.a.exchange, self.sp.child, self.sp.main
        rules = self.sp.exchange_rules
        item, order, new = f"{c}_row", f"{m}_row", "new_variant"
        allowed = self._exchange_from()
        from_rule = rules.get("from")
        stock_rule = rules.get("in_stock")
        self._cite(from_rule)
        self._cite(stock_rule)
        effect: list[dict[str, Any]] = [
            {"find": self.children, "as": item, "where": {self.child_pk: self.child_pk},
             "error": f"No {c} with id {{{self.child_pk}}}"},
            {"find": self.mains, "as": order, "where": {self.main_pk: f"{item}.{self.main_pk}"}},
            {"require": f"{order}.status in {quoted_list(allowed)}",
             "message": " ".join(from_rule.text.split())[:300] if from_rule else
             f"Only {c}s from {indefinite(' or '.join(allowed))} {m} can be exchanged; this {m} is {{{order}.status}}"},
            {"require": f"{item}.status == '{self.a.child_statuses[0]}'",
             "message": f"This {c} is {{{item}.status}}, so it cannot be exchanged"},
            *self._swap_checks(item, new, stock_rule),
            {"insert": self.children, "as": "swapped", "values": {
                self.child_pk: f"next_id('{self.pattern(c)}')", self.main_pk: f"{item}.{self.main_pk}",
                "status": f"'{ex.new_status}'", "variant_id": "variant_id", "option": f"{new}.option",
                **{f["name"]: f"{item}.{f['name']}" for f in self.a.child_fields},
                self.catalog_pk: f"{item}.{self.catalog_pk}"}},
            {"update": self.children, "row": item, "set": {"status": f"'{ex.old_status}'"}},
            {"return": {f"new_{self.child_pk}": f"swapped.{self.child_pk}", "option": "swapped.option",
                        "status": "swapped.status", f"old_{c}_status": f"'{ex.old_status}'"}}]
        params = [self._id_param(c, self.child_pk),
                  {"name": "variant_id", "type": "string", "description": "the variant to swap it for, e.g. VAR-00000"}]
        span = {"start": self.sp.exchanges.start, "end": self.sp.exchanges.end, "text": self.sp.exchanges.text} \
            if self.sp.exchanges.text else None
        self._cite(self.sp.exchanges)
        return self._tool(f"{ex.verb}_{c}", "write",
                          f"{ex.verb.capitalize()} a {c} for another variant of the same {self.sp.catalog}.",
                          params, effect, span)

    def exchange_flow(self) -> dict[str, Any]:
        ex = self.a.exchange
        return self._swap_flow(f"{ex.verb}_{self.sp.child}", ex.verb, self._exchange_from(),
                               f"{ex.verb} my {self.sp.child} {{{self.child_pk}}} for one in {{new_option}}",
                               {f"new_{self.child_pk}": f"swapped.new_{self.child_pk}"})

    def _swap_flow(self, tool: str, category: str, statuses: list[str], goal: str,
                   tells: dict[str, str]) -> dict[str, Any]:
        """The customer names the item and the option they want: the assistant lists the order's
        items, then the product's variants, and swaps it for the one in that option."""
        m, k = self.sp.main, self.sp.catalog
        others = f"[v for v in rows('{self.variants}', {{{self.catalog_pk}: row.{self.catalog_pk}}}) " \
                 f"if v.in_stock and v.variant_id != row.variant_id]"
        main_of = f"lookup('{self.mains}', row.{self.main_pk})"
        conds = [f"row.status == '{self.a.child_statuses[0]}'", f"{main_of}.status in {quoted_list(statuses)}",
                 f"len({others}) > 0"]
        return {"name": tool, "category": category, "goal": goal,
                "anchor": {"table": self.children, "filter": " and ".join(conds)},
                "knows": {"email": f"lookup('{self.owners}', {main_of}.{self.owner_pk}).email",
                          self.main_pk: f"row.{self.main_pk}", self.child_pk: f"row.{self.child_pk}",
                          "new_option": f"{others}[len(row.{self.child_pk}) % len({others})].option"},
                "steps": [{"use": "identify"},
                          {"tool": f"list_{m}_{self.children}", "args": {self.main_pk: {"user": self.main_pk}},
                           "as": "listed"},
                          {"tool": f"list_{k}_variants", "as": "variants", "args": {self.catalog_pk: {
                              "result": f"first([x.{self.catalog_pk} for x in listed if x.{self.child_pk} == "
                                        f"{self.child_pk}])"}}},
                          {"tool": tool, "as": "swapped", "args": {
                              self.child_pk: {"user": self.child_pk},
                              "variant_id": {"result": "first([v.variant_id for v in variants "
                                                       "if lower(v.option) == lower(new_option)])"}}}],
                "tells": tells}


#: variants of the catalog's entries, and an item swapped for another: exchanged (a new item) or modified in place
EXCHANGES = Feature("exchanges", Exchanges, read=read_exchange, on=Exchanges.variants_on,
                    child_fields=Exchanges.variant_fields, referred_tables=lambda kit: [kit.variant_entity()],
                    reads=lambda kit: [kit.list_variants()],
                    writes=lambda kit: [*([kit.exchange_tool()] if kit.exchange() else []),
                                        *([kit.modify_tool()] if kit.modify() else [])],
                    flows=lambda kit: [*([kit.exchange_flow()] if kit.exchange() else []),
                                       *([kit.modify_flow()] if kit.modify() else [])])

__all__ = ["EXCHANGES", "Exchanges", "read_exchange"]
