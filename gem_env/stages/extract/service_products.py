"""The products a service text names: their facts, and opening a new main record of one under the
eligibility rules the text states.

Many service texts are about a product or about getting one: "Green Rewards Card: Apply for a
Sustainable Business Credit Card", "Internal: Opening Business Checking Accounts". Such a text
names its products (the title's, and others it lists), states their facts in a table or a list
("| Annual fee | $100.00 |", "- Minimum opening deposit: $1,000") and says who may have one: "The
customer is at least 18 years old", "does not exceed 4 personal checking accounts", "has no
accounts with status CLOSED", "a balance of at least $500", "a minimum FICO threshold of 690".

Those become a `products` reference table seeded with the named products and the facts of the
title's product (as the text writes them), a workflow asking about two of those facts; and, when
the text speaks of opening or applying, the owner fields the rules read (`verified`,
`date_of_birth`, `credit_score`), an `open_<main>` tool whose `require` steps are the rules (each
citing its sentence) and a workflow whose anchor keeps the owners the rules allow (the others are
where refusals come from). A text that names no product, or neither states facts nor speaks of
opening, gets none of it.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ...tools.render import ENDED, is_count
from .service_feature import Feature, present
from .service_offers import DEPOSIT_FIELD
from ...text.words import indefinite
from .specialise import STARTED, Found, Specialisation

# the title is about getting one ("Opening Business Checking Accounts", "Apply for ..."), or the text says
# to open or apply for one; not "Account status is OPEN" or "opened on"
_TITLE_CUES = re.compile(r"\b(?:open(?:ing)?|apply(?:ing)?|application|get(?:ting)? started|sign(?:ing)? up|enrol(?:l)?(?:ing|ment)?)\b",
                         re.I)
_TEXT_CUES = re.compile(r"\b(?:open(?:ing)?|apply(?:ing)?\s+for|request(?:ing)?)\s+(?:a|an|your|the|one|new)\b[^.\n]{0,40}?"
                        r"\b(?:account|card)s?\b|\bcard\s+application\b|\bapplication\s+for\b", re.I)
_SUFFIX = r"(?:Account|Card|Checking|Savings|Saver)"
_NAME = re.compile(rf"\b((?:[A-Z][A-Za-z]+[ -]){{1,3}}{_SUFFIX})\b")
#: words that make a name generic ("Business Credit Card", "Personal Checking Account")
_GENERIC = frozenset("business personal credit debit checking savings saver account accounts card cards bank "
                     "virtual the your a an new existing internal opening open how what why our this each any "
                     "employee company corporate joint student secured old saved expired invalid no lost stolen damaged "
                     "replacement default primary other first physical".split())
# "account_class options include Navy Blue, Cobalt Blue, True Blue, etc."
_OPTIONS = re.compile(r"\boptions\s+(?:include|are)\s*:?\s+([^.\n(]+)", re.I)
_ITEMS = re.compile(r"\s*(?:,|;|\bor\b|\band\b)\s*")
#: words of a phrase, not a product's name ("Tips When Viewing Card", "Full Credit Card")
_PHRASE_WORDS = frozenset("when with for to of from in on at per how what why where tips tip full view viewing my "
                          "using use adding add manage managing management limit limits spending settings controls "
                          "features guide same that this these those may affect into your our startup pending "
                          "replacement temporary".split())
_VERIFIED = re.compile(r"\b(?:customer|identity|applicant|member)\b[^.]{0,40}\b(?:is|be|are|been)\s+verified\b", re.I)
_AGE = re.compile(r"\bat\s+least\s+(1[6-9]|2[01])\s+years\s+(?:old|of\s+age)\b|\b(1[6-9]|2[01])\s+years\s+of\s+age\s+or\s+older\b",
                  re.I)
_SCORE = re.compile(r"\b(?:FICO|credit\s+score)\b[^.\d]{0,40}?\$?\s?([3-8]\d{2})\b", re.I)
_MAX_COUNT = re.compile(r"\b(?:does\s+not\s+exceed|not\s+exceed|cannot\s+have\s+more\s+than|no\s+more\s+than|at\s+most|"
                        r"fewer\s+than|maximum\s+of)\s+(\d{1,2})\s+((?:[a-z]+\s+){0,3}?)(accounts?|cards?)\b", re.I)
_NO_STATUS = re.compile(r"\bno\s+(?:[a-z]+\s+){0,2}(?:accounts?|cards?)\s+(?:with\s+status\s+)?`?(closed|frozen|suspended)\b",
                        re.I)
#: "Customer must already have at least one active Rho-Bank checking account", "... at least one business
#: checking account with status OPEN": one of theirs must be live
_HOLDS = re.compile(r"\bhave\s+at\s+least\s+one\s+(?:(?P<state>active|open)\s+)?(?P<words>(?:[A-Za-z-]+\s+){0,3}?)(?:accounts?|cards?)"
                    r"(?(state)\b|\s+with\s+status\s+`?(?:active|open)\b)", re.I)
#: "Must have held their checking account for at least 14 days", "Existing business checking account must
#: have been open for at least 30 days": ... for that long
_HELD = re.compile(r"(?:\b(?:have|has)\s+held\s+(?:their|the|an?|your|his|her)\s+(?P<words>(?:[A-Za-z-]+\s+){0,3}?)(?:accounts?|cards?)"
                   r"|\bexisting\s+(?P<kind>(?:[A-Za-z-]+\s+){0,3}?)(?:accounts?|cards?)\s+must\s+have\s+been\s+open(?:ed)?)"
                   r"\s+for\s+at\s+least\s+(?P<n>\d{1,3})\s+(?P<unit>day|week|month|year)s?\b", re.I)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_MIN_BALANCE = re.compile(r"\bbalance\s+of\s+at\s+least\s+\$\s?(\d[\d,]*(?:\.\d+)?)", re.I)


#: a word in a product's name that says its kind ("Bronze Saver Account": savings; a rewards card
#: is a credit card, "Business Bronze Rewards Card" was seeded as a debit card)
_KIND_CUES = {"savings": "saver", "credit": "rewards?"}


def _product_names(text: str, title: str) -> list[str]:
    """The products a text names: its title's subject first ("Green Rewards Card: Apply ..."; else one
    the title holds: "Getting Started with Cobalt Blue Business Checking"), then names ending in
    Account/Card/Checking/Savings/Saver that carry a word of their own ("Navy Blue Business
    Checking", not "Business Credit Card")."""
    head = re.split(r"\s*(?::|\s-\s|—|\|)\s*", re.sub(r"^(?:Internal|FAQ):\s*", "", title.strip()))[0]
    # a name in the text counts mid-sentence ("a Navy Blue Business Checking account"), not where any
    # word is capitalised (a heading, a list item's first words: "Expired Card")
    inside = [m.group(1) for m in _NAME.finditer(text) if re.search(r"[a-z,('\"“]$", text[:m.start()].rstrip())]
    listed = [item for m in _OPTIONS.finditer(text) for item in _ITEMS.split(m.group(1))]
    first = _product(head, listed) or next(filter(None, (_product(m.group(1), listed) for m in _NAME.finditer(title))), None)
    out: list[str] = []
    for name in [first] + [_product(c, listed) for c in inside + listed]:
        if name and not any(n.lower() == name.lower() or n.lower().startswith(name.lower() + " ") for n in out):
            out.append(name)  # "Gold Saver" after "Gold Saver Account" is the same product
    return out[:6]


def _product(cand: str, listed: list[str]) -> str | None:
    """`cand` as a product name, or None: it ends in a product word (or is an option the text lists),
    has a word of its own and no phrase words; generic words before it are dropped."""
    own = cand in listed and re.fullmatch(r"(?:[A-Z][A-Za-z]+ ?){1,4}", cand.strip(" '\"“”")) is not None
    cand = " ".join(re.sub(r"[\s,;.]*\b(?:etc|and so on)\b.*$", "", cand).split()).strip(" '\"“”")
    words = cand.lower().replace("-", " ").split()
    if not (own or re.search(rf"{_SUFFIX}$", cand)) or len(words) > 5 or all(w in _GENERIC for w in words) \
            or _PHRASE_WORDS & set(words) or "/" in cand or not all(t[:1].isupper() or t[:1].isdigit() for t in cand.split()) \
            or any(w.endswith(("ing", "ed")) and w not in ("checking", "savings") for w in cand.lower().split()[:-1]):
        return None  # a phrase, not a name: "Activating a Debit Card", "Lost/Stolen Card", "Linked Checking Account"
    lead = 0
    while lead < len(words) - 1 and words[lead] in _GENERIC - {"business", "personal"}:
        lead += 1  # "The Navy Blue Account" -> "Navy Blue Account"
    name = " ".join(cand.split()[lead:])
    return name if len(name.split()) > 1 or not re.fullmatch(_SUFFIX, name) else None  # not a bare "Card"


# "| Annual fee | $100.00 |" and "- Minimum opening deposit: $1,000": a fact of the text's product
_FACT = re.compile(r"^[ \t]*(?:\|[ \t]*(?P<cell>[A-Za-z][^|\n]{2,50}?)[ \t]*\||[-*][ \t]+(?P<item>[A-Z][A-Za-z ()/-]{2,50}?):)"
                   r"[ \t]*(?P<value>\$?[ \t]?\d[\d,]*(?:\.\d+)?%?)[ \t]*(?:\||\.?[ \t]*$)", re.M)
_ACRONYMS = {"apy": "annual_percentage_yield", "apr": "annual_percentage_rate"}
MAX_FACTS = 6


def _facts(text: str) -> dict[str, Found]:
    """Field name -> the value as the text writes it, of each labelled figure (the first of a label)."""
    out: dict[str, Found] = {}
    for m in _FACT.finditer(text):
        label = m.group("cell") or m.group("item")
        words = re.findall(r"[a-z]+", re.sub(r"\([^)]*\)", "", label).lower())
        cut = next((i for i, w in enumerate(words) if i and w in _TRAILING), len(words))
        words = words[:min(cut, 4)]  # "purchase APR on carried balances" -> purchase_apr
        name = _ACRONYMS.get("_".join(words), "_".join(words))
        if not words or words[-1] in ("card", "account") or name in out or name in _RESERVED:
            continue
        value = m.group("value").replace(" ", "")
        if "score" in words:  # "Minimum credit score (required): $640": a score is not money
            value = value.lstrip("$")
        out[name] = Found(value, m.start(), m.end(), m.group(0).strip())
        if len(out) == MAX_FACTS:
            break
    return out


_RESERVED = frozenset({"name", "product_id", "status"})
#: where a label's name ends: the words that start its qualification
_TRAILING = frozenset("on upon for of per to in at with by from and or the a you your can if when".split())


def read_openings(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """`read_products` for an archetype whose main records are opened as products (cards, accounts)."""
    if arch.opening is not None:
        read_products(sp, text, title, arch.product_kinds())


def read_products(sp: Specialisation, text: str, title: str, kind_values: tuple[str, ...]) -> None:
    """Fill `sp.products`, `sp.product_facts`, `sp.opens` and `sp.eligibility`, and make the products
    the catalog, when the text names products and states their facts or speaks of opening one."""
    names = _product_names(text, title)
    opens = bool(_TITLE_CUES.search(title) or _TEXT_CUES.search(text))
    facts = _facts(text) if names else {}
    if not names or not (opens or facts):
        return
    sp.catalog = "product"
    sp.products = Found(names, 0, 0, "")
    sp.product_facts = facts
    sp.opens = opens
    if not opens:
        return
    for start, end, s in sp.sentences:
        def found(value: object) -> Found:
            return Found(value, start, end, s)
        if _VERIFIED.search(s):
            sp.eligibility.append(found(("verified",)))
        if m := _AGE.search(s):
            sp.eligibility.append(found(("min_age", int(m.group(1) or m.group(2)))))
        if m := _SCORE.search(s):
            sp.eligibility.append(found(("min_score", int(m.group(1)))))
        if m := _MAX_COUNT.search(s):
            n = int(m.group(1))
            kind = next((k for k in kind_values if k in m.group(2).lower()), None)
            sp.eligibility.append(found(("max_count", n, kind)))
        if m := _NO_STATUS.search(s):
            sp.eligibility.append(found(("no_status", m.group(1).lower())))
        if m := _MIN_BALANCE.search(s):
            kind = next((k for k in kind_values if k in s[:m.start()].lower()), None)
            sp.eligibility.append(found(("min_balance", float(m.group(1).replace(",", "")), kind)))
        if m := _HOLDS.search(s):
            kind = next((k for k in kind_values if k in m.group("words").lower()), None)
            sp.eligibility.append(Found(("holds", kind), start, end, s[m.start():m.end()]))
        if m := _HELD.search(s):
            kind = next((k for k in kind_values if k in (m.group("words") or m.group("kind")).lower()), None)
            days = int(m.group("n")) * _UNIT_DAYS[m.group("unit").lower()]
            sp.eligibility.append(Found(("held_for", days, kind), start, end, s[m.start():m.end()]))
    kept: dict[str, Found] = {}
    for f in sp.eligibility:  # the first sentence stating a kind of rule (a summary repeats the list)
        kept.setdefault(f.value[0], f)  # type: ignore[index]
    sp.eligibility = list(kept.values())


class Openings:
    """Mixin of `ToolKit` (service_tools.py): the product table, the owner fields the rules read,
    the `open_<main>` tool and its workflow."""

    def products(self) -> bool:
        """Whether the text's products are the catalog."""
        return self.a.opening is not None and self.sp.products is not None

    def opening(self) -> bool:
        return self.products() and self.sp.opens

    def _kind_field(self) -> str:
        return self.a.opening.kind_field

    def _kind_of(self, name: str) -> str:
        """A product's kind from its name ("Bronze Saver Account": savings), else the one the title
        names ("Opening Personal Checking Accounts"), else the text's most mentioned."""
        values = self.a.product_kinds()

        def named(text: str) -> list[str]:
            low = text.lower()
            return [v for v in values if v in low or re.search(rf"\b{_KIND_CUES.get(v, '$^')}\b", low)]
        counts = {v: sum(t.lower().count(v) for _, _, t in self.sp.sentences) for v in values}
        return (named(name) or named(self.title) or [max(values, key=lambda v: (counts[v], -values.index(v)))])[0]

    def product_entity(self) -> dict[str, Any]:
        kind = self._kind_field()
        self._cite_products()
        facts = self.sp.product_facts
        for f in facts.values():
            self._cite(f)
        names = self.sp.products.value
        # "up to 35 supported currencies": a number of things is a count ("35 supported currencies")
        counts = {f: int(v.value) for f, v in facts.items() if v.value.isdigit() and is_count(f, int(v.value))}
        deposits = self.deposit_rows()
        return {"name": self.catalogs, "primary_key": self.catalog_pk,
                "fields": [{"name": self.catalog_pk, "faker": {"provider": "bothify",
                                                              "args": {"text": self.pattern(self.sp.catalog)}}},
                           {"name": "name"}, {"name": kind, "values": list(self.a.product_kinds())},
                           # what a new one needs paid in, where the text offers to move it (service_offers)
                           *([{"name": DEPOSIT_FIELD, "type": "number"}] if deposits else []),
                           *[{"name": f, "default": None, **({"type": "integer"} if f in counts else {})}
                             for f in facts]],
                # the facts the text states are its title product's; another product's are not known
                "data": [{"name": n, kind: self._kind_of(n), **({DEPOSIT_FIELD: deposits[i]} if deposits else {}),
                          **{f: (counts.get(f, v.value) if i == 0 else None) for f, v in facts.items()}}
                         for i, n in enumerate(names)]}

    def facts_flow(self) -> dict[str, Any] | None:
        """A question about two facts of the title's product ("the annual fee and the annual
        percentage yield of the Green Rewards Card"), answered from its details."""
        asked = list(self.sp.product_facts)[:2]
        if not asked:
            return None
        k, product = self.sp.catalog, self.sp.products.value[0]
        pick = f"first([p.{self.catalog_pk} for p in offered if lower(p.name) == lower(product_name)])"
        said = " and the ".join(f.replace("_", " ") for f in asked)
        return {"name": f"ask_about_{k}", "category": "lookup",
                "goal": f"find out the {said} of the {{product_name}}",
                "anchor": {"table": self.catalogs, "filter": f"row.name == '{product}'"},
                "knows": {"product_name": "row.name"},
                "steps": [{"tool": f"list_{self.catalogs}", "args": {}, "as": "offered"},
                          {"tool": f"get_{k}_details", "args": {self.catalog_pk: {"result": pick}}, "as": "details"}],
                "tells": {f: f"details.{f}" for f in asked}}

    def _cite_products(self) -> None:
        """The first sentence naming each product."""
        for name in self.sp.products.value:
            hit = next(((s, e) for s, e, t in self.sp.sentences if name in t), None)
            if hit:
                self.spans.append(hit)

    def owner_rule_fields(self) -> list[dict[str, Any]]:
        """The owner fields the eligibility rules read, seeded so some owners pass and some do not."""
        if not self.opening():
            return []
        kinds = {f.value[0] for f in self.sp.eligibility}
        out = []
        if "verified" in kinds:
            out.append({"name": "verified", "type": "boolean", "values": [True, False], "weights": [4, 1]})
        if "min_age" in kinds:
            out.append({"name": "date_of_birth", "type": "date", "range": ["1950-01-01", _shift_years(self.clock, -16)]})
        if "min_score" in kinds:
            n = next(f.value[1] for f in self.sp.eligibility if f.value[0] == "min_score")
            out.append({"name": "credit_score", "type": "integer", "range": [max(300, n - 120), min(850, n + 130)]})
        return out

    def eligibility(self, row: str) -> list[tuple[str, str, Found]]:
        """(condition over the owner `row`, the message an assistant tells, the rule found) of each rule."""
        m, mains, opk = self.sp.main, self.mains, self.owner_pk
        plural = mains.replace("_", " ")
        out = []
        for f in self.sp.eligibility:
            rule = f.value
            if rule[0] == "verified":
                out.append((f"{row}.verified", f"A new {m} needs the customer's identity to be verified", f))
            elif rule[0] == "min_age":
                out.append((f"{row}.date_of_birth <= '{_shift_years(self.clock, -rule[1])}'",
                            f"A new {m} needs the customer to be at least {rule[1]} years old", f))
            elif rule[0] == "min_score":
                out.append((f"{row}.credit_score >= {rule[1]}", f"A new {m} needs a credit score of at least {rule[1]}", f))
            elif rule[0] == "max_count":
                kind = f", {self._kind_field()}: '{rule[2]}'" if rule[2] else ""
                held = f"{rule[2]} {plural}" if rule[2] else plural
                out.append((f"count_rows('{mains}', {{{opk}: {row}.{opk}{kind}}}) < {rule[1]}",
                            f"A customer can hold at most {rule[1]} {held}", f))
            elif rule[0] == "no_status" and rule[1] in self.statuses:
                out.append((f"count_rows('{mains}', {{{opk}: {row}.{opk}, status: '{rule[1]}'}}) == 0",
                            f"A new {m} cannot be opened for a customer with {'an' if rule[1][0] in 'aeiou' else 'a'} {rule[1]} {m}", f))
            elif rule[0] == "holds" and (held := self._held(row, rule[1])) is not None:
                out.append((*held, f))
            elif rule[0] == "held_for" and not any(g.value[0] == "holds" for g in self.sp.eligibility) \
                    and (held := self._held(row, rule[2])) is not None:
                out.append((*held, f))
            elif rule[0] == "min_balance" and any(x["name"] == "balance" for x in self.a.main_fields):
                first, kind = self.statuses[0], rule[2]
                of_kind = f" and x.{self._kind_field()} == '{kind}'" if kind else ""
                out.append((f"len([x for x in rows('{mains}', {{{opk}: {row}.{opk}}}) if x.status == '{first}'{of_kind} and "
                            f"x.balance >= {rule[1]}]) > 0",
                            f"A new {m} needs an existing {first} {kind + ' ' if kind else ''}{m} with a balance of at "
                            f"least ${rule[1]:,.0f}", f))
        return out

    def _held(self, row: str, kind: str | None) -> tuple[str, str] | None:
        """(condition, message) of "must already have at least one active checking account" and "must
        have held their checking account for at least 14 days" (`sp.eligibility` "holds" and
        "held_for", one rule where the text states both): one of the owner's records, live (the
        first status), of that kind, and opened that many days ago; None where the record has no
        kind field for a kind the text names, or no start date for a time it names."""
        fields = {x["name"]: x for x in self.a.main_fields}
        days = next((g.value[1] for g in self.sp.eligibility if g.value[0] == "held_for"), None)
        start = next((n for n in STARTED if fields.get(n, {}).get("type") == "date"), None)
        if kind and self._kind_field() not in fields or days and start is None:
            return None
        m, first, opk = self.sp.main, self.statuses[0], self.owner_pk
        conds = [f"x.status == '{first}'", *([f"x.{self._kind_field()} == '{kind}'"] if kind else []),
                 *([f"days_between(x.{start}, today) >= {days}"] if days else [])]
        said = f"{first} {kind + ' ' if kind else ''}{m.replace('_', ' ')}"
        return (f"len([x for x in rows('{self.mains}', {{{opk}: {row}.{opk}}}) if {' and '.join(conds)}]) > 0",
                f"A new {m.replace('_', ' ')} needs {indefinite(said)}" + (f" held for at least {days} days" if days else ""))

    def open_tool(self) -> dict[str, Any]:
        m, o, k = self.sp.main, self.a.owner, self.sp.catalog
        kind = self._kind_field()
        values = self.new_main_values({self.catalog_pk: self.catalog_pk, kind: f"{k}_row.{kind}"})
        effect: list[dict[str, Any]] = [
            {"find": self.owners, "as": f"{o}_row", "where": {self.owner_pk: self.owner_pk},
             "error": f"No {o} with id {{{self.owner_pk}}}"},
            {"find": self.catalogs, "as": f"{k}_row", "where": {self.catalog_pk: self.catalog_pk},
             "error": f"No {k} with id {{{self.catalog_pk}}}"}]
        for cond, message, found in self.eligibility(f"{o}_row"):
            effect.append({"require": cond, "message": message})
            self._cite(found)
        effect += [{"insert": self.mains, "as": "made", "values": values},
                   {"return": {self.main_pk: f"made.{self.main_pk}", "status": "made.status",
                               k: f"{k}_row.name", kind: f"made.{kind}"}}]
        verb = self.a.opening.verb
        return self._tool(f"{verb}_{m}", "write", f"{verb.replace('_', ' ').capitalize()} a new {m} of one of our {self.catalogs} "
                          f"for a {o}, if they are eligible.",
                          [self._id_param(o, self.owner_pk), self._id_param(k, self.catalog_pk)], effect,
                          self.span_for(verb.split("_")[0], m) or self.span_for(verb.split("_")[0]))

    def _holds(self, name: str) -> str:
        """Whether the anchored owner (`row`) holds a product named by `name` (an expression) in a
        record not ended (a closed card is no longer theirs)."""
        opk, cpk = self.owner_pk, self.catalog_pk
        ended = [s for s in self.statuses if s in ENDED]
        held = f"[x.{cpk} for x in rows('{self.mains}', {{{opk}: row.{opk}}}) if x.status not in {ended!r}]"
        return f"len([p for p in rows('{self.catalogs}', {{}}) if lower(p.name) == lower({name}) and p.{cpk} in {held}]) > 0"

    def open_flow(self) -> dict[str, Any]:
        m, o, opk = self.sp.main, self.a.owner, self.owner_pk
        verb = self.a.opening.verb
        names = self.sp.products.value
        # which of the products a customer asks for: one per customer, by a stable trait of theirs,
        # among those they do not hold already (nobody applies for a third EcoCard unasked)
        listed = "[" + ", ".join(f"'{n}'" for n in names) + "]"
        turned = "[" + ", ".join(f"{listed}[(len(row.email) + {i}) % {len(names)}]" for i in range(len(names))) + "]"
        product = f"first([n for n in {turned} if not ({self._holds('n')})])"
        conds = [cond for cond, _, _ in self.eligibility("row")]
        conds.append(f"{product} != null")
        pick = f"first([p.{self.catalog_pk} for p in offered if lower(p.name) == lower(product_name)])"
        noun = "" if any(re.search(rf"{_SUFFIX}$", n) for n in names) else f" {m}"  # "open a new Navy Blue account"
        terms, told = self.terms_read(pick)
        return {"name": f"{verb}_{m}", "category": verb,
                "goal": f"{self.a.opening.goal} {{product_name}}{noun}",
                "anchor": {"table": self.owners, **({"filter": " and ".join(conds)} if conds else {})},
                "knows": {"email": "row.email", "product_name": product},
                "steps": [{"use": "identify"},
                          {"tool": f"list_{self.catalogs}", "args": {}, "as": "offered"}, *terms,
                          {"tool": f"get_{o}_details", "args": {opk: {"result": f"owner.{opk}"}}, "as": "profile"},
                          {"tool": f"{verb}_{m}", "as": "opened",
                           "args": {opk: {"result": f"owner.{opk}"}, self.catalog_pk: {"result": pick}}}],
                "tells": {self.main_pk: f"opened.{self.main_pk}", **told},
                **({"offer": offer} if (offer := self.deposit_offer()) else {})}


def _shift_years(clock: str, years: int) -> str:
    """The date `years` from the clock's (Feb 29 -> Feb 28): who was born on or before it is that old."""
    d = dt.datetime.fromisoformat(clock).date()
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:
        return d.replace(year=d.year + years, day=28).isoformat()


#: the text's products are the catalog (the base makes its table: `ToolKit.entities`); opening one
#: is on when the text speaks of it
OPENINGS = Feature("openings", Openings, read=read_openings, on=Openings.products,
                   owner_fields=Openings.owner_rule_fields,
                   writes=lambda kit: [kit.open_tool()] if kit.opening() else [],
                   flows=lambda kit: present(kit.open_flow() if kit.opening() else None, kit.facts_flow()))

__all__ = ["OPENINGS", "Openings", "read_openings", "read_products"]
