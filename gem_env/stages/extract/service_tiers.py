"""Groups of products with their own terms, as a text lists them, and the fee an action charges by them.

Closing guidelines list their products in groups, each with its terms:

    - ENTRY TIER (Light Blue Account, Light Green Account, Green Fee-Free Account)
      - Early closure fee: $15 if closed within 30 days
      - Notice period: 0 days
    - MID TIER (Blue Account, Green Account (checking))
      - Early closure fee: $25 if closed within 60 days

Such a text gets its products as a field of the main record (`product`, seeded with the names the
groups list) and each group's terms as fields that follow it (`by: {product: ...}`): the group
(`tier`), the fee (`early_closure_fee`), how long after the record began the fee applies
(`early_closure_window_days`) and any other figure in days or dollars (`notice_period_days`). Fields
of the record, not a products table: the action's rule then reads only the record the assistant has
opened (`get_account_details`), so the assistant, and the task builder checking that a refusal can
be seen coming (`agents.prechecks.blocking_rule`, which never reads the database), know the fee and
whether it applies from that reply alone.

The action the fee is for ("if closed within") charges it when the record began within the window
of the domain's clock, else nothing (`fee_expr`); where the text says so, the fee is taken from the
record's balance ("The fee is deducted directly from the account balance"), which must hold it ("If
an early closure fee applies, the account balance must be at least the fee amount"), and a record
charged none must have nothing left ("otherwise, account balance must be $0"). The reply tells the
fee charged ($0 where none applies).

A group whose members are not names ("ELITE TIER (accounts with credit lines over $100,000)") is
left out; a text with fewer than two groups of names has no tiers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...text import features as tf
from .service_feature import Feature
from .specialise import Found, Specialisation

#: "- ENTRY TIER (Light Blue Account, Green Account (checking))": a group and its members
_GROUP = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]+(?P<group>[A-Z][A-Za-z]*(?:[ \t]+[A-Za-z]+){0,3})[ \t]*"
                    r"\((?P<members>.+)\)[ \t]*$", re.M)
#: "  - Early closure fee: $15 if closed within 30 days", "  - Notice period: 0 days"
_TERM = re.compile(r"^(?P<indent>[ \t]+)[-*+][ \t]+(?P<label>[A-Z][A-Za-z ]{2,40}?):[ \t]*(?P<value>\S.*?)[ \t]*$")
_MONEY = r"\$\s?(?P<amount>\d[\d,]*(?:\.\d+)?)"
_FEE_WINDOW = re.compile(rf"^{_MONEY}\s+if\s+(?P<verb>[a-z]+)\s+within\s+(?P<n>\d{{1,3}})\s+(?P<unit>day|week|month)s?\.?$",
                         re.I)
_AMOUNT = re.compile(rf"^{_MONEY}\.?$")
_DAYS = re.compile(r"^(?P<n>\d{1,3})\s+(?P<unit>day|week|month)s?\.?$", re.I)
_FEE_WORD = re.compile(r"\s*\bfee$", re.I)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
#: a member is a name: capitalised words ("Green Fee-Free Account", "Navy Blue"), not a phrase
_NAME = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z0-9][\w'’-]*){0,4}")
#: the word groups are named by ("ENTRY TIER"): the field that holds it
_GROUP_HEADS = frozenset("tier level class grade category plan".split())
#: "If an early closure fee applies, the account balance must be at least the fee amount"
_AT_LEAST_FEE = re.compile(r"\bmust\s+be\s+at\s+least\s+the\s+fee\b", re.I)
#: "otherwise, account balance (current_holdings) must be $0"
_ELSE_ZERO = re.compile(r"\botherwise,?\s+(?P<said>[^.;]*?\bmust\s+be\s+\$\s?0(?:\.00)?)\b", re.I)
_DEDUCTED = re.compile(r"\bfee\s+is\s+(?:deducted|taken|charged)\b[^.]*\bfrom\b", re.I)


@dataclass(frozen=True)
class Group:
    """One group the text lists: its name ("entry"), members and terms ({field: value})."""

    name: str
    members: tuple[str, ...]
    terms: dict[str, float | int]


@dataclass(frozen=True)
class Tiers:
    """The groups, the field their names go in (`tier`, or None), the fee (field, window field, verb
    lemma) where a term is a fee within a window, and the fields holding each term, in order."""

    groups: tuple[Group, ...]
    group_field: str | None
    fee: tuple[str, str, str] | None
    fields: tuple[tuple[str, str], ...]          # (field, type)


def _split(members: str) -> list[str]:
    """Members separated by commas outside brackets, each without its bracketed note."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(members):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(members[start:i])
            start = i + 1
    out.append(members[start:])
    return [" ".join(re.sub(r"\([^()]*\)", "", m).split()) for m in out]


def _snake(label: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", label.lower()))


def read_tiers(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Fill `sp.tiers` with the groups the text lists, and `sp.tier_rules` with its sentences
    about the fee and the balance ("at_least", "else_zero", "deducted")."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    groups: list[tuple[str, list[str], dict[str, Any], int, int]] = []
    for i, line in enumerate(lines):
        m = _GROUP.match(line)
        if m is None:
            continue
        members = _split(m.group("members"))
        if not all(_NAME.fullmatch(x) for x in members) or not members:
            continue  # "accounts with credit lines over $100,000": no names
        terms: dict[str, Any] = {}
        end = i
        for j in range(i + 1, len(lines)):
            t = _TERM.match(lines[j])
            if lines[j].strip() == "":
                continue
            if not lines[j].startswith((" ", "\t")) or len(lines[j]) - len(lines[j].lstrip()) <= len(m.group("indent")):
                break
            end = j
            if t is None:
                continue
            terms[t.group("label").strip()] = t.group("value")
        groups.append((m.group("group"), members, terms, offsets[i], offsets[end + 1] - 1))
    if len(groups) < 2:
        return
    heads = {g[0].split()[-1].lower() for g in groups}
    group_field = next(iter(heads)) if len(heads) == 1 and next(iter(heads)) in _GROUP_HEADS else None
    fee: tuple[str, str, str] | None = None
    fields: dict[str, str] = {}
    made: list[Group] = []
    for name, members, terms, _, _ in groups:
        values: dict[str, float | int] = {}
        for label, value in terms.items():
            base = _snake(label)
            if (w := _FEE_WINDOW.match(value)) is not None:
                verb = tf.verb_lemma(w.group("verb").lower()) or tf.lemma(w.group("verb").lower())
                window = f"{_snake(_FEE_WORD.sub('', label)) or base}_window_days"  # early_closure_window_days
                if fee is None:
                    fee = (base, window, verb)
                if fee[0] != base:
                    continue
                values[base] = float(w.group("amount").replace(",", ""))
                values[window] = int(w.group("n")) * _UNIT_DAYS[w.group("unit").lower()]
                fields.setdefault(base, "number")
                fields.setdefault(window, "integer")
            elif (a := _AMOUNT.match(value)) is not None:
                values[base] = float(a.group("amount").replace(",", ""))
                fields.setdefault(base, "number")
            elif (d := _DAYS.match(value)) is not None:
                key = base if base.endswith("days") else f"{base}_days"
                values[key] = int(d.group("n")) * _UNIT_DAYS[d.group("unit").lower()]
                fields.setdefault(key, "integer")
        label = " ".join(w for w in name.split() if w.lower() != group_field).lower() if group_field else name
        made.append(Group(label, tuple(members), values))
    names = [m for g in made for m in g.members]
    if len(set(names)) != len(names):
        return  # a product in two groups: which terms hold is not said
    start, end = groups[0][3], groups[-1][4]
    sp.tiers = Found(Tiers(tuple(made), group_field, fee, tuple(fields.items())), start, end, text[start:end])
    for s0, s1, s in sp.sentences:
        found = Found(None, s0, s1, s)
        if _AT_LEAST_FEE.search(s) and "at_least" not in sp.tier_rules:
            said = re.split(r";\s*otherwise\b", s, maxsplit=1, flags=re.I)[0]
            sp.tier_rules["at_least"] = Found(said.strip(), s0, s1, s)
        if (z := _ELSE_ZERO.search(s)) and "else_zero" not in sp.tier_rules:
            said = " ".join(re.sub(r"\([^()]*\)", "", z.group("said")).split())
            sp.tier_rules["else_zero"] = Found(said, s0, s1, s)
        if _DEDUCTED.search(s) and "deducted" not in sp.tier_rules:
            sp.tier_rules["deducted"] = found


#: how often a record is of the kind the text's products are, and of a kind only a rule names
WEIGHT_LISTED, WEIGHT_APART = 2, 1


class TierTerms:
    """Mixin of `ToolKit` (service_tools.py): the product and its group's terms on the main record,
    and the fee the action they name charges."""

    def tiers(self) -> Tiers | None:
        found = self.sp.tiers
        return found.value if found is not None and not self.products() else None  # type: ignore[return-value]

    def has_tiers(self) -> bool:
        return self.tiers() is not None

    def tier_fields(self) -> list[dict[str, Any]]:
        """`product` seeded with the groups' members, then the group and each term, by product."""
        t = self.tiers()
        assert t is not None
        self._cite(self.sp.tiers)
        members = [m for g in t.groups for m in g.members]
        out: list[dict[str, Any]] = [{"name": "product", "values": members}]
        if apart := self.kinds_apart():  # the kind comes first; a record of another kind has no product
            kinds = {m: self._kind_of(m) for m in members}
            cases: dict[str, list[Any]] = {k: [m for m in members if kinds[m] == k] for k in dict.fromkeys(kinds.values())}
            out[0].update({"by": {self.a.opening.kind_field: {**cases, **{k: [None] for k in apart}}}, "nullable": True})
        if t.group_field:
            out.append({"name": t.group_field, "by": {"product": {m: [g.name] for g in t.groups for m in g.members}}})
        for name, kind in t.fields:
            cases = {m: [g.terms[name]] for g in t.groups for m in g.members if name in g.terms}
            out.append({"name": name, "type": kind, "by": {"product": cases}, "default": None})
        return out

    def tier_kind_by(self) -> dict[str, Any]:
        """`by` for the main record's kind (checking, savings) where a product sets it: each product's
        kind, by its name or the title's ("Closing Business Savings Accounts")."""
        t = self.tiers()
        if t is None or self.a.opening is None:
            return {}
        if apart := self.kinds_apart():  # the text's own kind the more common: its products' records
            values = self.a.product_kinds()
            return {"values": list(values), "weights": [WEIGHT_APART if v in apart else WEIGHT_LISTED for v in values]}
        return {"by": {"product": {m: [self._kind_of(m)] for g in t.groups for m in g.members}}}

    def kinds_apart(self) -> list[str]:
        """The kinds (checking) a rule over the owner's other records names that no product listed is
        of ("at least one active business checking account remaining", in a text listing savings
        products): records of them are seeded too, without a product, so the rule holds for some
        and not for others."""
        t = self.tiers()
        if t is None or self.a.opening is None:
            return []
        listed = {self._kind_of(m) for g in t.groups for m in g.members}
        named = [f.value[0] for held in self.sp.others_held.values() for f in held]  # type: ignore[index]
        return [k for k in dict.fromkeys(named) if k is not None and k not in listed]

    def tier_fee(self, verb: str) -> tuple[str, str, str] | None:
        """(fee field, window field, the record's date it runs from) of the fee `verb` charges."""
        t = self.tiers()
        if t is None or t.fee is None or t.fee[2] != verb:
            return None
        when = next((f["name"] for f in self.a.main_fields if f.get("type") in ("date", "datetime")), None)
        return (t.fee[0], t.fee[1], when) if when else None

    def tier_fee_field(self) -> str | None:
        """The fee field of an action's fee, where an action charges one."""
        t = self.tiers()
        return t.fee[0] if t is not None and t.fee is not None and any(self.tier_fee(a.verb) for a in self.a.actions) else None

    def _within(self, verb: str, row: str) -> str:
        """Whether the record `row` began within its product's window for the fee `verb` charges."""
        _, window, when = self.tier_fee(verb)  # type: ignore[misc]
        return f"days_between({row}.{when}, today) <= coalesce({row}.{window}, -1)"

    def fee_expr(self, verb: str, row: str) -> str | None:
        """The fee `verb` charges the record `row`: its product's, where it began within the window."""
        fee = self.tier_fee(verb)
        if fee is None:
            return None
        return f"(coalesce({row}.{fee[0]}, 0) if {self._within(verb, row)} else 0)"

    def fee_balance(self) -> str | None:
        """The main record's money field the fee is taken from, where the text says so."""
        said = self.sp.tier_rules.get("deducted")
        if said is None:
            return None
        low = said.text.lower()
        return next((f["name"] for f in self.a.main_fields if f.get("type") == "number"
                     and f["name"].replace("_", " ") in low), None)

    def fee_guards(self, verb: str, row: str) -> list[dict[str, Any]]:
        """The `require` steps of the text's balance rules for the fee: at least the fee where one
        applies, nothing left where none does. Each message says how long ago the record began
        against the window; the fee and the balance the rule reads are said beside it."""
        fee, balance = self.tier_fee(verb), self.fee_balance()
        if fee is None or balance is None:
            return []
        amount, window, when = fee
        within = self._within(verb, row)
        age = f"{{days_between({row}.{when}, today)}} days ago"
        out = []
        if (least := self.sp.tier_rules.get("at_least")) is not None:
            out.append({"require": f"(not ({within}) or {row}.{balance} >= coalesce({row}.{amount}, 0))",
                        "message": f"{least.value}; this {self.sp.main} was opened {age}, within the "
                                   f"{{{row}.{window}}} days the fee applies for"})
            self._cite(least)
        if (zero := self.sp.tier_rules.get("else_zero")) is not None:
            out.append({"require": f"({within} or {row}.{balance} == 0)",
                        "message": f"If no {amount.replace('_', ' ')} applies, {zero.value}; this {self.sp.main} "
                                   f"was opened {age}, after the {{coalesce({row}.{window}, 0)}} days a fee applies for"})
            self._cite(zero)
        return out

    def fee_charged(self, verb: str, row: str) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, str]]:
        """(steps binding the fee and what is left, the record's new values, the reply's fields) of
        an action charging its fee: taken from the balance, the rest paid out as closing does."""
        fee = self.fee_expr(verb, row)
        if fee is None:
            return [], {}, {}
        name = self.tier_fee(verb)[0]  # type: ignore[index]
        balance = self.fee_balance()
        self._cite(self.sp.tier_rules.get("deducted"))
        if balance is None:
            return [{"let": {name: fee}}], {}, {name: name}
        return ([{"let": {name: fee, "amount_paid_out": f"round({row}.{balance} - {name}, 2)"}}], {},
                {name: name, "amount_paid_out": "amount_paid_out"})


def tiered_balance(spec: dict[str, Any], fee: str, balance: str) -> dict[str, Any]:
    """The balance field seeded so the balance rules have records on each side: records with
    nothing left (a fifth: emptied before closing, as the text asks), a tenth with less
    than their fee, the rest as drawn."""
    if spec["name"] != balance or "range" not in spec or "derived" in spec:
        return spec
    lo, hi = spec["range"]
    empty, small = lo + (hi - lo) * 0.2, lo + (hi - lo) * 0.3
    return {**spec, "derived": f"0 if {balance} < {empty:g} else (round(({fee} or 0) * ({balance} - {empty:g}) / "
                                f"{small - empty:g}, 2) if {balance} < {small:g} else {balance})"}


#: a text listing groups of products with their terms
TIERS = Feature("tiers", TierTerms, read=read_tiers, on=TierTerms.has_tiers,
                main_fields=TierTerms.tier_fields)

__all__ = ["TIERS", "TierTerms", "Tiers", "read_tiers", "tiered_balance"]
