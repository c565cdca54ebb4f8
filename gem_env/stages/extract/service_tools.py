"""The tables and tools of a specialised archetype (see service.py)."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Sequence

from ...text import features as tf
from ...text.words import articled
from ...tools.expr import compile_expr, substitute
from ...tools.render import plural
from .archetypes import ENTRY_NAMES, PHONE, Action, Archetype, tier_priced, tiered
from .service_feature import Feature
from .service_flows import Flows
from .service_reads import ReadTools
from .service_registry import FEATURES, MIXINS
from .service_tiers import tiered_balance
from .service_writes import WriteTools, capped
from .specialise import Found, Specialisation, shift

#: a table or field name inside a tool's description ("its latest meter_readings"), said in words
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")

_RULE = re.compile(r"^\W*(?:don'?t|do\s+not|never|always|avoid|remember|note|tip|please|you\s+(?:should|must|can|may|"
                   r"have\s+to|need\s+to))\b|\b(?:cannot|can't|must|should|only|never|not|make\s+sure|be\s+sure)\b",
                   re.I)  # a rule, prohibition or tip (bench/extract_quality.py counts tools cited by one)
_TERMINAL = {"cancelled", "closed", "returned", "completed", "resolved", "paid off"}
#: done with, though not ended: a sent payment or a delivered order can no longer be edited
_SETTLED = {"sent", "delivered", "removed"}


def _said_fully(listed: list[str], own: tuple[str, ...]) -> tuple[str, ...]:
    """The text's reasons, each as the archetype says it where it names the same thing more fully
    ("lost" of a line's suspension is a "lost phone": the line itself was not lost)."""
    return tuple(dict.fromkeys(next((r for r in own if v.lower() in r.split()), v) for v in listed))


def id_pattern(noun: str, taken: frozenset[str] = frozenset()) -> str:
    """``CRD-#####`` from "card": the first letter and consonants; longer when an earlier noun of
    the domain has that code ("member" MMB-, "membership" MMBR-)."""
    letters = re.sub(r"[^a-z]", "", noun.lower())
    stem = letters[0] + re.sub(r"[aeiou]", "", letters[1:])
    if len(stem) < 3:  # a noun of few consonants is written whole: "loan", "line": LOAN-, LINE- (was LNX1-)
        stem = letters[:4]
        if f"{stem.upper().ljust(3, 'X')}-#####" not in taken:
            return f"{stem.upper().ljust(3, 'X')}-#####"
    for n in range(3, len(stem) + 1):
        code = stem[:n].upper().ljust(3, "X")
        if f"{code}-#####" not in taken:
            return f"{code}-#####"
    return f"{stem.upper().ljust(3, 'X')}{len(taken)}-#####"


def _words(text: str) -> set[str]:
    return {tf.lemma(w) for w in re.findall(r"[A-Za-z]+", text)}



#: a sentence about what the one before it names ("They have no relations ...")
_PRICED = re.compile(r"[$\u20ac\u00a3]\s?[1-9]")
"""A sum of money the text states (not "$0": a price of nothing is no term)."""
_PRICE_WORD = re.compile(r"\b(?:prices?|fees?|costs?|charged?|charges|deposit|pay)\b", re.IGNORECASE)
"""What says the sum is what something costs."""
_REFERS_BACK = re.compile(r"(?:They|These|Those|It|This|That|Both)\b(?! (?:is|are) (?:a|an|the)\b)")


class ToolKit(ReadTools, WriteTools, Flows, *MIXINS):  # type: ignore[misc]
    """One specialised archetype: its entities, tools (reads, writes), workflows and policy; the
    archetype's own parts, then those of each feature it has (`features`), in the registry's order."""

    def __init__(self, arch: Archetype, sp: Specialisation, *, clock: str, rows: int, title: str = "") -> None:
        if sp.action_reasons:  # the reasons the text lists for an action replace the archetype's
            arch = dataclasses.replace(arch, actions=tuple(
                dataclasses.replace(a, reasons=_said_fully(sp.action_reasons[a.verb].value, a.reasons))  # type: ignore[arg-type]
                if a.verb in sp.action_reasons else a for a in arch.actions))
        self.a, self.sp, self.clock, self.rows = arch, sp, clock, rows
        self.title, self.title_words = title, _words(title)
        self.text_words = {w for _, _, t in sp.sentences for w in _words(t)}
        self.spans: list[tuple[int, int]] = []
        o, m = arch.owner, sp.main
        self.owners, self.owner_pk = plural(o), f"{o}_id"
        self.mains, self.main_pk = plural(m), f"{m}_id"
        self.children = plural(sp.child) if sp.child else None
        self.child_pk = f"{sp.child}_id" if sp.child else None
        self.requests = plural(sp.request) if sp.request else None
        self.request_pk = f"{sp.request}_id" if sp.request else None
        self.catalogs = plural(sp.catalog) if sp.catalog else None
        self.catalog_pk = f"{sp.catalog}_id" if sp.catalog else None
        self.moves = plural(arch.move.record) if arch.move else None
        statuses = list(sp.statuses.value) if sp.statuses else list(arch.statuses)  # type: ignore[arg-type]
        for a in arch.actions:
            statuses += [s for s in (*a.from_statuses, a.to_status) if s not in statuses]
        if sp.request:  # a return is filed on an item of a delivered order, whatever statuses the text names
            statuses += [s for s in arch.request_main_from if s not in statuses]
        self.statuses = statuses
        self.reasons = list(sp.reasons.value) if sp.reasons else list(arch.request_reasons)  # type: ignore[arg-type]
        self.used: set[str] = set()
        self.made_tools: list[dict[str, Any]] = []
        for f in (sp.statuses, sp.reasons, *sp.action_reasons.values()):
            self._cite(f)
        self.patterns: dict[str, str] = {}
        for noun in (o, m, sp.child, sp.request, sp.catalog, arch.move.record if arch.move else None):
            if noun and noun not in self.patterns:
                found = sp.id_patterns.get(noun)
                self.patterns[noun] = str(found.value) if found else id_pattern(noun, frozenset(self.patterns.values()))

    # ------------------------------------------------------------------ helpers

    def features(self) -> list[Feature]:
        """The registered features this domain has (service_registry.py), in order."""
        return [f for f in FEATURES if f.on(self)]

    def _cite(self, found: Found | None) -> None:
        if found is not None:
            self.spans.append((found.start, found.end))

    def pattern(self, noun: str | None) -> str:
        got = self.sp.id_patterns.get(noun or "")
        self._cite(got)
        return self.patterns.get(noun or "") or id_pattern(noun or "id")

    def span_for(self, *words: str) -> dict[str, Any] | None:
        """The first sentence using all these words (lemmas) that says what is done, as a span; a
        rule about the operation ("cannot", "must", "only") is cited by the policy, not the tool."""
        want = {tf.lemma(w) for w in words if w}
        hits = [(start, end, text) for start, end, text in self.sp.sentences if want <= _words(text)]
        for start, end, text in [h for h in hits if not _RULE.search(h[2])][:1]:
            self.spans.append((start, end))
            return {"start": start, "end": end, "text": text}
        return None

    def new_main_values(self, given: dict[str, Any]) -> dict[str, Any]:
        """The values of a new main record the service makes for an owner: its id, the owner, the
        first status, `given`, then today for a date, off, zero (a limit's floor) or a made-up number."""
        values: dict[str, Any] = {self.main_pk: f"next_id('{self.pattern(self.sp.main)}')", self.owner_pk: self.owner_pk,
                                  "status": f"'{self.statuses[0]}'", **given}
        for f in self.a.main_fields:
            n, t = f["name"], f.get("type", "string")
            if n in values:
                continue
            if n.endswith("_on"):
                values[n] = "today"
            elif t == "boolean":
                values[n] = False
            elif t in ("number", "integer"):
                values[n] = f["range"][0] if n.endswith("limit") and f.get("range") else 0
            elif f.get("faker") == PHONE:  # a new line's number, from the fictional 555-01xx range, one no
                # line has yet (from the count of lines on: a seeded line may hold one of the range too)
                numbers = f"['212-555-01' + str(10 + (count_rows('{self.mains}', {{}}) + k) % 90) for k in {list(range(90))}]"
                values[n] = f"first([p for p in {numbers} if count_rows('{self.mains}', {{{n}: p}}) == 0])"
            elif "faker" in f:  # a card's last four digits: made by the bank, never asked for
                values[n] = f"str(1000 + count_rows('{self.mains}', {{}}))"
        return values

    def span_where(self, pattern: re.Pattern) -> dict[str, Any] | None:
        """`span_for` by a pattern: the first sentence it matches that says what is done, not a rule."""
        for start, end, text in self.sp.sentences:
            if pattern.search(text) and not _RULE.search(text):
                self.spans.append((start, end))
                return {"start": start, "end": end, "text": text}
        return None

    def _id_param(self, noun: str, pk: str) -> dict[str, Any]:
        example = self.pattern(noun).replace("#", "0")
        return {"name": pk, "type": "string", "description": f"the {noun.replace('_', ' ')} id, e.g. {example}"}

    def _tool(self, name: str, kind: str, description: str, params: list, effect: list,
              span: dict | None) -> dict[str, Any]:
        self.used.add(name)
        said = articled(_SNAKE.sub(lambda m: m.group(0).replace("_", " "), description))  # read by a model agent
        return {"name": name, "kind": kind, "description": said, "parameters": params, "effect": effect,
                **({"span": span} if span else {})}

    def actions(self) -> list[tuple[Action, list[str]]]:
        out = []
        for a in self.a.actions:
            only = self.sp.only_from.get(a.verb)
            self._cite(only)
            allowed = [s for s in (only.value if only else a.from_statuses) if s in self.statuses]  # type: ignore[union-attr]
            out.append((a, allowed or [self.statuses[0]]))
        return out

    def editable_statuses(self) -> list[str]:
        return [s for s in self.statuses if s not in _TERMINAL and s != "frozen" and s != "suspended"] or self.statuses[:1]

    def _requested_among(self, table: str) -> dict[str, Any]:
        """`among` for a request's key to `table`: the statuses its record may have for the request."""
        if table == self.mains:
            return {"among": {"status": self.request_statuses()}}
        if table == self.children:
            blocked = {f.value for f in self.sp.blocked_child}
            allowed = [s for s in (self.a.request_from or self.a.child_statuses) if s not in blocked]
            return {"among": {"status": allowed}} if allowed else {}
        return {}

    #: the statuses a request is seeded with, all of them still open (counted by "at most 15 holds at once")
    open_request_statuses = ["open", "under review"]

    def request_statuses(self) -> list[str]:
        """Where a request on the main record may be filed: the archetype's (a refill: a completed
        visit), else wherever the record is still in use."""
        return list(self.a.request_from) or self.editable_statuses()

    def directory(self) -> bool:
        """Whether the catalog is each owner's own (`Archetype.directory`: saved contacts)."""
        return self.a.directory and self.catalogs is not None and not self.products()

    def request_on_catalog(self) -> bool:
        """Whether requests are filed on a catalog entry (a hold on a title), not on a record of the customer's."""
        return self.a.request_on_catalog and self.catalogs is not None

    def changeable_statuses(self) -> list[str]:
        """Where a record's own fields may still be changed: not after it is settled (a refund for a
        delivered order is fine, a new shipping address is not)."""
        return [s for s in self.editable_statuses() if s not in _SETTLED] or self.editable_statuses()

    # ------------------------------------------------------------------ entities

    def entities(self) -> list[dict[str, Any]]:
        a, sp = self.a, self.sp
        owners = max(6, self.rows // 3)
        owner = {"name": self.owners, "primary_key": self.owner_pk, "rows": owners,
                 "fields": [{"name": self.owner_pk, "faker": {"provider": "bothify", "args": {"text": self.pattern(a.owner)}}},
                            {"name": "first_name"}, {"name": "last_name"}, {"name": "email", "unique": True, "faker": "email"},
                            {"name": "phone"}, {"name": "address"}, {"name": "city"}, {"name": "zip"},
                            {"name": "member_since", "type": "date"},
                            *(x for f in self.features() for x in f.owner_fields(self))]}
        # statuses a request or an action starts from are common enough for every workflow to find one
        acted = {*self.a.request_from, *(s for act, allowed in self.actions() for s in allowed)}
        main_fields = [{"name": self.main_pk, "faker": {"provider": "bothify", "args": {"text": self.pattern(sp.main)}}},
                       {"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}"},
                       {"name": "status", "values": self.statuses,
                        "weights": [6] + [3 if s in acted else 2 if s not in _TERMINAL else 1
                                               for s in self.statuses[1:]]},
                       {"name": "status_reason", **self._reasons_by_status()}]
        added = [(f.main_fields_after(self), f.main_fields(self)) for f in self.features()]
        for f in a.main_fields:
            f = dict(f)
            if (verb := f.pop("days_of", None)) is not None:  # a date a period of an action apart (a loan's)
                f["derived"] = f["derived"].replace("{days}", str(self.action_days(verb)))
            if f["name"] in sp.enums:
                f["values"] = list(sp.enums[f["name"]].value)  # type: ignore[arg-type]
                self._cite(sp.enums[f["name"]])
            if a.opening and f["name"] == a.opening.kind_field:
                f["values"] = self.kind_values(list(f["values"]))
                f.update(self.tier_kind_by())  # a Bronze Saver Account is a savings account
            if (fee := self.tier_fee_field()) is not None and f["name"] == self.fee_balance():
                f = tiered_balance(f, fee, f["name"])  # some with nothing left, some with less than their fee
            if (cap := self.cap_of(f["name"])) is not None and "range" in f:
                lo = min(f["range"][0], cap.value * 0.4)  # no card seeded above the text's cap ("at or below $1,250")
                f["range"] = [lo, cap.value]
            if sp.lock_hours is not None and f["name"] == self.next_date() and "range" in f:
                # "Editing is locked within 13 hours of the upcoming occurrence": some are that close
                days = -(-int(sp.lock_hours.value[0]) // 24)  # type: ignore[index]
                f["range"] = [shift(self.clock, 1, f["type"]), shift(self.clock, 2 * days + 4, f["type"])]
            main_fields.append(self._dated_by_status(f, self.statuses))
            main_fields += [x for after, fields in added if after == f["name"] for x in fields]
        main_fields += [x for after, fields in added if after is None for x in fields]
        late = [fee for act, _ in self.actions() if (fee := self.late_fee(act.verb)) is not None]
        if late:  # a late action's fee; a record of the kind the text exempts is one of its kinds ("vaccination")
            main_fields.append({"name": "late_fee", "type": "number", "default": None})
            for _, _, _, kind, exempt in late:
                for f in main_fields:
                    if f["name"] == kind and exempt not in f.get("values", []):
                        f["values"] = [*f["values"], exempt]
        for f in a.editable:  # "can be rescheduled at most twice": how often it was, counted
            if (limited := self.verb_limit(f)) is not None:
                main_fields.append({"name": limited[0], "type": "integer", "range": [0, int(limited[1].value)], "default": 0})
        if sp.caps is not None and (fields := capped(sp.caps.value, main_fields)) is not None:  # type: ignore[arg-type]
            count, keyed = fields  # seeded within the text's most: "at most 2 guests in standard" -> 1 or 2
            # a kind the record repeats of its catalog entry is known from the entry ("room_id.room_type")
            key = f"{self.catalog_pk}.{keyed['same_as'][8:]}" if keyed.get("same_as", "").startswith("catalog.") \
                and self.catalogs else keyed["name"]
            if "range" in count and "by" not in count:
                count["by"] = {key: {v: {"range": [count["range"][0], min(n, count["range"][1])]}
                                     for v, n in sp.caps.value[1].items()}}  # type: ignore[index]
        for name, kinds in sp.kinds.items():  # a kind the text lists for the record ("the fare type")
            # a record the service makes without one (a new card) has none; a booking asks for it
            main_fields.append({"name": name, "values": list(kinds.value), "default": None})  # type: ignore[arg-type]
            self._cite(kinds)
        if self.catalogs and (not self.children or self.products()):
            main_fields.append({"name": self.catalog_pk, "foreign_key": f"{self.catalogs}.{self.catalog_pk}",
                                # one of each entry an owner holds (a member borrows a title once)
                                **({"apart_by": self.owner_pk} if a.one_each else {})})
        main_fields = tiered(self._derived(self._same_as_catalog(main_fields)), one_price=True)
        out = [owner]
        if self.products():
            out.append(self.product_entity())
        elif self.catalogs:
            fields = tiered([dict(f) for f in a.catalog_fields])
            # an entry named from a list ("yoga mat", "Premium") is one entry: one row per name
            named = next((f for f in fields if f["name"] in ENTRY_NAMES and f.get("values")), None)
            if named is not None:
                named["unique"] = True
            # a directory's entries are its owners' own, a few each (a record of an owner refers
            # to one of theirs: the seed keeps a row's keys agreeing)
            owned = [{"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}", "cover": True}] \
                if self.directory() else []
            catalog = {"name": self.catalogs, "primary_key": self.catalog_pk,
                       "rows": 3 * owners if owned else min(12, len(named["values"])) if named else 12,
                       "fields": [{"name": self.catalog_pk, "faker": {"provider": "bothify",
                                                                    "args": {"text": self.pattern(sp.catalog)}}},
                                  *owned, *fields]}
            if given := next((r for f in self.features() if (r := f.catalog_rows(self))), None):
                catalog.update(rows=0, data=given)  # those rows and no more
            out.append(catalog)
        out += [t for f in self.features() for t in f.referred_tables(self)]
        out.append({"name": self.mains, "primary_key": self.main_pk, "rows": self.rows, "fields": main_fields})
        if self.children:
            out.append(self._child_entity())
        if self.requests:
            on = [(self.catalogs, self.catalog_pk), (self.owners, self.owner_pk)] if self.request_on_catalog() else \
                [(self.children, self.child_pk) if (a.request_on_child and self.children) else (self.mains, self.main_pk)]
            out.append({"name": self.requests, "primary_key": self.request_pk, "rows": 4, "fields": [
                {"name": self.request_pk, "faker": {"provider": "bothify", "args": {"text": self.pattern(sp.request)}}},
                # a request is of a record it can be filed on (a refill of a completed visit, a dispute of a
                # posted charge)
                *({"name": pk, "foreign_key": f"{table}.{pk}", **self._requested_among(table)} for table, pk in on),
                # true of the record it is filed on ("duplicate charge" only of a twin charge)
                {"name": "reason", "values": self.reasons, **self.seeded_reason(self.reasons, *on[-1])},
                {"name": "status", "values": self.open_request_statuses},
                {"name": "details", "default": None},
                {"name": "filed_on", "type": "date", **self._filed_after(on[0][1])},
                *self._reply_by_field()]})
        out += [t for f in self.features() for t in f.tables(self)]
        out.append({"name": "handoffs", "primary_key": "handoff_id", "rows": 0, "fields": [
            {"name": "handoff_id"}, {"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}"},
            {"name": "summary"}, {"name": "created_at", "type": "datetime"}]})
        return out

    def _filed_after(self, pk: str) -> dict[str, Any]:
        """`after` for a request's filed_on: the date of the record it is filed on that is past in
        every status it is filed from (a refill after the visit, a complaint after the check-in)."""
        fields = self.a.child_fields if pk == self.child_pk else self.a.main_fields if pk == self.main_pk else ()
        for f in fields:
            when = f.get("when", {})
            if self.a.request_from and all(s in when and when[s][1] <= 0 for s in self.a.request_from):
                return {"after": f"{pk}.{f['name']}"}
        return {}

    def _reply_by_field(self) -> list[dict[str, Any]]:
        """When the service replies to a request, only where the text says within how long ("we reply
        within 10 business days"): a field no text gives would be null in every reply. A seeded open
        request awaits its reply: the date falls after the clock, within the window."""
        if not self.sp.reply_days:
            return []
        days = int(self.sp.reply_days.value)  # type: ignore[arg-type]
        return [{"name": "reply_by", "type": "date",
                 "range": [shift(self.clock, 1, "date"), shift(self.clock, max(1, days * 7 // 5), "date")]}]

    def reply_by(self) -> dict[str, str]:
        """The `reply_by` value of a request filed now, where the requests have one."""
        if not self.sp.reply_days:
            return {}
        self._cite(self.sp.reply_days)
        return {"reply_by": f"add_business_days(today, {int(self.sp.reply_days.value)})"}  # type: ignore[arg-type]

    def _child_entity(self) -> dict[str, Any]:
        sp = self.sp
        fields = [{"name": self.child_pk, "faker": {"provider": "bothify", "args": {"text": self.pattern(sp.child)}}},
                  {"name": self.main_pk, "foreign_key": f"{self.mains}.{self.main_pk}",
                   **({"cover": True} if self.a.child_covers else {})},
                  {"name": "status", "values": list(self.a.child_statuses), "weights": [3] + [1] * (len(self.a.child_statuses) - 1),
                   **self._child_status_by()}]
        fields += [x for f in self.features() for x in f.child_fields(self)]
        for f in self.a.child_fields:
            f = dict(f)
            if f["type"] in ("date", "datetime") and sp.window_days:
                days = int(sp.window_days.value)  # type: ignore[arg-type]
                f["range"] = [shift(self.clock, -2 * days, f["type"]), shift(self.clock, 0, f["type"])]
            fields.append(self._dated_by_status(f, self.a.child_statuses))
        if self.catalogs and not self.products() and not self.variants_on():
            fields.append({"name": self.catalog_pk, "foreign_key": f"{self.catalogs}.{self.catalog_pk}"})
        return {"name": self.children, "primary_key": self.child_pk, "rows": self.rows * 2,
                "fields": self._derived(self._same_as_catalog(fields))}

    def _child_status_by(self) -> dict[str, Any]:
        """The child's statuses that its main record's status allows, as `by` on the main record's
        status (an item of a pending order, or of one out for delivery, is not returned yet); {}
        when the archetype allows any."""
        cases = {ms: [c for c in cs if c in self.a.child_statuses] for ms, cs in self.a.child_status_by.items()
                 if ms in self.statuses}
        for child, mains in self.a.child_status_only.items():
            for ms in (ms for ms in self.statuses if ms not in mains):
                cases[ms] = [c for c in cases.get(ms, self.a.child_statuses) if c != child]
        cases = {ms: cs for ms, cs in cases.items() if cs}
        return {"by": {f"{self.main_pk}.status": cases}} if cases else {}

    def _reasons_by_status(self) -> dict[str, Any]:
        """How a main record's status_reason is seeded: a frozen card's is one of the reasons a card
        is frozen for, a record never moved by a reasoned action has none."""
        cases = {a.to_status: list(a.reasons) for a in self.a.actions if a.reasons and a.to_status in self.statuses}
        if not cases:
            return {"default": None}
        # true of the record ("fees" only of an account held long enough to have paid some)
        true = {s: d["derived"] for s, rs in cases.items()
                if (d := self.seeded_reason(rs, self.mains, self.main_pk, "status_reason"))}
        derived = "status_reason"
        for s, e in reversed(list(true.items())):
            derived = f"({e} if status == '{s}' else {derived})"
        return {"by": {"status": cases}, **({"derived": derived} if true else {})}

    def _dated_by_status(self, f: dict[str, Any], statuses: Sequence[str]) -> dict[str, Any]:
        """A date that follows the row's status, in days from the clock (the archetype's `when`): a
        completed visit started before today, a scheduled one starts after it. A field with no source
        of its own dates the statuses `when` leaves out in the last 90 days, before the recent ones it
        names (a delivered order was placed before the pending ones), never null."""
        when = f.pop("when", None)
        if when:
            if not any(k in f for k in ("range", "faker", "values")):
                first = min(lo for lo, _ in when.values())
                last = first - 1 if -30 < first <= 0 else -1
                when = {**{s: (-90, last) for s in statuses if s not in when}, **when}
            f["by"] = {"status": {s: {"range": [shift(self.clock, lo, f["type"]), shift(self.clock, hi, f["type"])]}
                                  for s, (lo, hi) in when.items()}}
        return f

    def _derived(self, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fields the archetype derives from other rows, read through this domain's tables: a main
        record's from its catalog entry (`catalog`: a booking's total is the entry's rate times the
        nights) or its child records (`children`: an order's total is its items' sum), a child's
        from the record it belongs to (`main`: an item was bought when its order was placed).
        Seeded on their own where the domain has no such table or the row no key to it."""
        child = any(f["name"] == self.main_pk and f.get("foreign_key") for f in fields)
        refers = any(f["name"] == self.catalog_pk and f.get("foreign_key") for f in fields)
        whole: dict[str, str] = {}
        if child:
            whole["main"] = f"lookup('{self.mains}', {self.main_pk})"
        elif self.catalogs and refers and not self.products():
            whole["catalog"] = f"lookup('{self.catalogs}', {self.catalog_pk})"
        if self.children and not child:
            whole["children"] = f"rows('{self.children}', {{{self.main_pk}: {self.main_pk}}})"
        has = {"main": self.a.main_fields, "catalog": self.a.catalog_fields}  # what `main.x`, `catalog.x` may read
        out = []
        for f in fields:
            if "derived" in f:
                f = dict(f)
                source = f.pop("derived")
                tier = f.pop("tier", None)  # a fare by the cabin, not a range by it
                used = compile_expr(source)
                if used.names - {x["name"] for x in fields} - {"today", "now"} <= set(whole) and all(
                        field in {x["name"] for x in has[name]} for name, field in used.fields if name in has):
                    derived = tier_priced(substitute(source, whole), tier,
                                          next((x.get("values") for x in fields if x["name"] == tier), None))
                    f["derived"] = derived if child else self.with_fee(f["name"], derived)
            out.append(f)
        return out

    def _same_as_catalog(self, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Fields the archetype copies from the catalog entry a row refers to ("catalog.name": an
        item's product name is its product's) with the domain's key, where the row refers to one
        and the catalog has that field; elsewhere seeded on their own. A record of one of the text's
        products has that product's kind (an account of a savings product is a savings account)."""
        names = {f["name"] for f in self.a.catalog_fields} if self.catalogs and not self.products() else set()
        refers = any(f["name"] == self.catalog_pk and f.get("foreign_key") for f in fields)
        kind = self._kind_field() if self.products() and refers else None  # an account's type is its product's
        # ... and one of a kind none of the text's products is (a checking account beside its savings
        # products) is of none of them
        kinds = next((f.get("values") or [] for f in fields if f["name"] == kind), [])
        none_of = [v for v in kinds if v not in {self._kind_of(n) for n in self.sp.products.value}] if kind else []
        out = []
        for f in fields:
            if f["name"] == kind and "same_as" not in f:
                f = {**f, "same_as": f"{self.catalog_pk}.{kind}"}
            elif f["name"] == self.catalog_pk and none_of:
                f = {**f, "nullable": True, "by": {kind: {v: [None] for v in none_of}}}
            elif f.get("same_as", "").startswith("catalog."):
                f = dict(f)
                wanted = f.pop("same_as").removeprefix("catalog.")
                if refers and wanted in names:
                    f["same_as"] = f"{self.catalog_pk}.{wanted}"
            out.append(f)
        return out

    def action_days(self, verb: str) -> int:
        """The days an action adds to a date each time: the text's ("for 21 days each time"), else
        the archetype's (`add_days(r.due_date, 14)`)."""
        if (period := self.sp.period_days.get(verb)) is not None:
            return int(period.value)  # type: ignore[arg-type]
        act = next(x for x in self.a.actions if x.verb == verb)
        return next(int(m.group(1)) for _, expr in act.also_set if (m := re.search(r"add_days\(r\.\w+, (\d+)\)", expr)))

    def child_date(self) -> str | None:
        return next((f["name"] for f in self.a.child_fields if f["type"] in ("date", "datetime")), None)

    # ------------------------------------------------------------------ policy

    def policy(self) -> list[dict[str, Any]]:
        """The text's sentences that state a rule or a price ("Check the price: $35 for the first
        extra bag and $50 for each one after it.", "Minimum opening deposit: $25": what a change costs
        is policy the assistant is given, though no rule word says it); one that opens with a pronoun
        ("They have no relations and should not be confused.") with the sentence before it on the
        same line, which says what it is about."""
        rules: list[dict[str, Any]] = []
        before: tuple[int, int, str] | None = None
        for start, end, text in self.sp.sentences:
            if re.search(r"\b(?:only|must|cannot|can't|not|never|within|eligible|required?)\b", text, re.I) \
                    or _PRICED.search(text) and _PRICE_WORD.search(text):
                if before is not None and _REFERS_BACK.match(text) and start - before[1] == 1:
                    if rules and rules[-1]["span"]["start"] == before[0]:
                        rules.pop()
                    start, text = before[0], f"{before[2]} {text}"
                rules.append({"id": f"P{len(rules) + 1}", "text": text[:500],
                              "span": {"start": start, "end": end, "text": text}})
                self.spans.append((start, end))
            if len(rules) >= 40:
                break
            before = (start, end, text)
        return rules

    def tools(self) -> list[dict[str, Any]]:
        self.made_tools = self.read_tools() + self.write_tools()
        return self.made_tools

