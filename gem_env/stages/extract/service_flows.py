"""Workflows of a specialised archetype: a lookup, the status actions, an edit and a request,
all opening with the shared identification group (find the customer by email)."""
from __future__ import annotations

import re
import zlib
from typing import Any

from ...text import features as tf
from ...text.words import indefinite
from ...tools.expr import substitute
from ...tools.reasons import CHARGED_TWICE, FEES, LOST_BAGS, NEVER_CAME, OVERCHARGED, WHILE_FROZEN
from ...tools.render import plain_words
from .service_writes import _UPDATE_VERBS, quoted_list



#: words of every workflow's name or tools, or of any sentence: they tell nothing of what a text is about
_NOT_ABOUT = frozenset({"get", "find", "by", "email", "detail", "status", "check", "a", "an", "the", "to", "of",
                        "for", "my", "your", "on", "in", "and", "or", "with", "from", "other"})


def _shared(words: set[str], text: set[str]) -> int:
    """How many of `words` the text uses, a word counting when one of the two begins the other
    (three letters at least: "bag" and "baggage")."""
    return sum(1 for w in words if w in text or (len(w) >= 3 and any(t.startswith(w) or w.startswith(t)
                                                                       for t in text if len(t) >= 3)))



_CONCERNS: dict[str, tuple[tuple[tuple[str, ...] | None, str], ...]] = {
    "cards": ((None, "I do not recognise a charge on my {m}"),),
    "accounts": ((None, "I do not understand a fee on my {m}"),),
    "orders": ((None, "I have a problem with an item in my {m}"),),
    "reservations": ((("confirmed", "checked in"), "I need help with a special request for my {m}"),),
    "stays": ((None, "I have a question about the bill for my {m}"),),
    "appointments": ((("scheduled",), "I need to ask the clinic something before my {m}"),
                     (("completed",), "I have a question about what the doctor told me at my {m}")),
    "lines": ((None, "I think I was billed too much for my {m}"),),
    "subscriptions": ((None, "I have a question about the fee on my {m}"),),
    "loans": ((None, "I think there is a mistake on my {m}"),),
    "rentals": ((None, "I have a question about the charges on my {m}"),),
    "utility": ((None, "I think the last bill is too high for my {m}"),),
    "payments": ((None, "I need to check something about my {m}"),),
    "installments": ((None, "I would like to talk about the terms of my {m}"),),
    "profiles": ((("locked",), "I cannot get into my {m}"), (None, "I have a question about signing in to my {m}")),
    "access": ((None, "I have a question about what my {m} can do"),),
    "tickets": ((("open", "waiting"), "I have had no answer on my {m}"),),
}
"""What a customer hands over to a person about a record of each archetype, in their words, by the
record's status (None: any): each true of a record in that status ("before my visit" only of one
still to come, "no answer on my ticket" only of one still open); a record no concern fits is not
the one handed over."""
_ABOUT_CHILD = {"cards", "orders"}
"""Archetypes whose concern is about one of the record's own records (a charge, an item): only a
record that has one is handed over."""

_SINCE_FIELD = re.compile(r"opened|started|created|since|joined")
_WAIT_DAYS = 7
"""Days after a purchase before anyone can say it never arrived."""
_FEES_DAYS = 60
"""Days an account is held before its owner can say its fees are too high (two statements)."""

def _literals(values: list[Any]) -> str:
    """A list of values as the expression language writes it ([false], ['Basic', 'Plus'], [0])."""
    return "[" + ", ".join(("true" if v else "false") if isinstance(v, bool) else f"'{v}'" if isinstance(v, str)
                           else repr(v) for v in values) + "]"


class Flows:
    """Mixin of `ToolKit` (service_tools.py): step groups and workflows."""

    def step_groups(self) -> dict[str, list[dict[str, Any]]]:
        return {"identify": [{"tool": f"find_{self.a.owner}_by_email", "args": {"email": {"user": "email"}},
                              "as": "owner"}]}

    def _email_of_main(self, row: str = "row") -> str:
        return f"lookup('{self.owners}', {row}.{self.owner_pk}).email"

    def workflows(self) -> list[dict[str, Any]]:
        out = [self.lookup_flow()]
        for a, allowed in self.actions():  # every tool a workflow: a tool no request reaches is never taught
            out.append(self.action_flow(a, allowed))
        editable = [f for f in self.a.editable if f"update_{self.sp.main}_{f['name']}" in self.used]
        out += [self.update_flow(f) for f in editable]
        out += [self.address_flow(), self.handoff_flow()]
        if self.requests:
            out.append(self.request_flow())
        first: list[dict[str, Any]] = []  # a feature's workflows that lead, whatever the title's words (`Feature.leads`)
        if self.changes_email():  # the document's own request: "Change the email on your account"
            first.append(self.email_flow())
        for f in self.features():
            (first if f.leads(self) else out).extend(f.flows(self))
        return first + sorted(out, key=self._relevance, reverse=True)

    def _relevance(self, wf: dict[str, Any]) -> tuple[int, int, int]:
        """What the document is about first: the title's words count for a workflow whose name
        (verb, object) and tools use them, then for one whose reasons do ("Report a lost phone":
        suspend a line for a lost phone), then the text's words (a word matching another that
        begins with it: "bag", "baggage"); lookups only when asked for."""
        words = set(wf["name"].split("_")) | {w for s in wf["steps"] if "tool" in s for w in s["tool"].split("_")}
        words = {tf.lemma(w) for w in words} - _NOT_ABOUT - {self.a.owner}
        reasons = next((a.reasons for a in self.a.actions if wf["name"] == f"{a.verb}_{self.sp.main}"), ())
        said = {tf.lemma(w) for r in reasons for w in r.split()} - _NOT_ABOUT - words
        return (_shared(words, self.title_words), _shared(said, self.title_words), _shared(words, self.text_words))

    def address_flow(self) -> dict[str, Any]:
        """The customer moves house (to the next customer's address, a real one of its kind): found by
        email, their id taken from that reply."""
        o, pk = self.a.owner, self.owner_pk
        moved = {f: f"first([r.{f} for r in rows('{self.owners}', {{}}) if r.{pk} > row.{pk} and r.city != row.city])"
                 for f in ("address", "city", "zip")}
        return {"name": f"change_{o}_address", "category": "update",
                "goal": "change my address to {address}, {city} {zip}",
                "anchor": {"table": self.owners, "filter": f"{moved['address']} != null"},
                "knows": {"email": "row.email", **moved},
                "steps": [{"use": "identify"},
                          {"tool": f"get_{o}_details", "args": {pk: {"result": f"owner.{pk}"}}, "as": "profile"},
                          {"tool": f"update_{o}_address", "as": "moved",
                           "args": {pk: {"result": f"owner.{pk}"}, "address": {"user": "address"},
                                    "city": {"user": "city"}, "zip": {"user": "zip"}}}],
                "tells": {"address": "moved.address + ', ' + moved.city + ' ' + moved.zip"}}  # all of it

    def email_flow(self) -> dict[str, Any]:
        """The customer changes their email: found by the old one, they give the new one (their name
        at another mail host, one no customer has)."""
        o, pk = self.a.owner, self.owner_pk
        new = "lower(row.first_name) + '.' + lower(row.last_name) + '@fastmail.com'"
        return {"name": f"change_{o}_email", "category": "update",
                "goal": "change my email to {new_email}",
                "anchor": {"table": self.owners, "filter": f"count_rows('{self.owners}', {{email: {new}}}) == 0"},
                "knows": {"email": "row.email", "new_email": new},
                "steps": [{"use": "identify"},
                          {"tool": f"update_{o}_email", "as": "changed",
                           "args": {pk: {"result": f"owner.{pk}"}, "new_email": {"user": "new_email"}}}],
                "tells": {"email": "changed.email"}}

    def handoff_flow(self) -> dict[str, Any]:
        """The customer asks for a person to take their question about one of their records: the
        assistant hands over with the request in a sentence that names the record."""
        pk, m = self.owner_pk, self.sp.main
        # in the customer's own words, what a person would hand over for this kind of record (no
        # apostrophe: a quoted literal); "I would like to talk to someone about ..." said nothing;
        # of a record in a status the concern is true of (not "before my visit" of one weeks ago)
        said = [(st if st is None else [x for x in st if x in self.statuses], text.format(m=m))
                for st, text in _CONCERNS.get(self.a.key, ((None, "I would like to talk to someone about my {m}"),))]
        said = [(st, text) for st, text in said if st is None or st] or [(None, f"I have a question about my {m}")]
        fits = [] if any(st is None for st, _ in said) else \
            [f"a.status in {quoted_list(sorted({x for st, _ in said for x in st or ()}))}"]
        if self.a.key in _ABOUT_CHILD and self.children:  # a charge on the card, an item in the order
            fits.append(f"count_rows('{self.children}', {{{self.main_pk}: a.{self.main_pk}}}) > 0")
        mine = f"first([a.{self.main_pk} for a in rows('{self.mains}', {{{pk}: row.{pk}}})" + \
            (f" if {' and '.join(fits)}" if fits else "") + "])"
        topic = f"'{said[-1][1]} '"
        for st, text in reversed(said[:-1]):
            topic = f"('{text} ' if lookup('{self.mains}', {mine}).status in {quoted_list(st)} else {topic})" \
                if st is not None else f"'{text} '"
        return {"name": "talk_to_a_person", "category": "handoff",
                "goal": f"pass my question about my {m} {{{self.main_pk}}} to a person",
                "anchor": {"table": self.owners, "filter": f"{mine} != null"},
                "knows": {"email": "row.email", self.main_pk: mine, "summary": f"{topic} + {mine}"},
                "steps": [{"use": "identify"},
                          {"tool": "transfer_to_human_agent", "as": "handed",
                           "args": {pk: {"result": f"owner.{pk}"}, "summary": {"user": "summary"}}}],
                "tells": {"handoff_id": "handed.handoff_id"}}

    def lookup_flow(self) -> dict[str, Any]:
        m, pk = self.sp.main, self.main_pk
        return {"name": f"check_{m}_status", "category": "lookup",
                "goal": f"find out the status of my {m} {{{pk}}}",
                "anchor": {"table": self.mains},
                "knows": {"email": self._email_of_main(), pk: f"row.{pk}"},
                "steps": [{"use": "identify"},
                          {"tool": f"get_{m}_details", "args": {pk: {"user": pk}}, "as": "details"}],
                "tells": {"status": "details.status"}}

    def _unblocked(self, verbs: set[str] | None, allowed: list[str]) -> list[str]:
        """Anchor conditions keeping rows the text's rules on those verbs (None: any verb) allow."""
        return [cond for cond, _ in self.rule_conditions("row", verbs, allowed)]

    def _catalog_request_flow(self) -> dict[str, Any]:
        """"place a hold on Devolved groupware for pickup": the customer names the entry, the
        assistant finds it in the catalog's list; one of the entries the condition allows, per customer."""
        r, k, opk, verb = self.sp.request, self.sp.catalog, self.owner_pk, self.a.request_verb
        when = self.a.request_when[0].replace("R.", "t.") if self.a.request_when else "true"
        open_names = f"[t.name for t in rows('{self.catalogs}', {{}}) if {when}]"
        pick = f"first([t.{self.catalog_pk} for t in offered if lower(t.name) == lower({k}_name)])"
        return {"name": f"{verb}_{r}", "category": r,
                "goal": f"{verb} {indefinite(r.replace('_', ' '))} on {{{k}_name}} for {{reason}}",
                "anchor": {"table": self.owners,
                           "filter": f"len({open_names}) > 0 and count_rows('{self.requests}', {{{opk}: row.{opk}}}) == 0"},
                "knows": {"email": "row.email", "reason": f"'{self._said_reason(self.reasons)}'",
                          f"{k}_name": f"{open_names}[len(row.email) % len({open_names})]"},
                "steps": [{"use": "identify"},
                          {"tool": f"list_{self.catalogs}", "args": {}, "as": "offered"},
                          {"tool": f"{verb}_{r}", "as": "filed",
                           "args": {opk: {"result": f"owner.{opk}"}, self.catalog_pk: {"result": pick},
                                    "reason": {"user": "reason"}}}],
                "tells": {self.request_pk: f"filed.{self.request_pk}"}}

    def _said_reason(self, reasons: Any) -> str:
        """The reason this service's customers give: one of the listed reasons chosen by the title
        (stable), so a corpus's customers do not all say the first one ('because of fraud')."""
        said = [r for r in reasons if r != "other"] or list(reasons)  # "because of other" says nothing
        return said[zlib.crc32(f"{self.title}|{reasons}".encode()) % len(said)]

    def _reason_of(self, reasons: Any, on: str) -> tuple[str, str | None]:
        """(expression, condition): the reason a customer gives for the anchored `row` (a record of
        kind `on`: "child", "main" or "owner"), true of their records: the title's reason
        (`_said_reason`) when the row bears it out, else the next listed one that it does
        (`_reason_holds`); the condition any of them needs (None: one holds of every row), for the
        anchor to keep only rows some reason fits. "Charged twice" of a charge with no twin on the
        card, "never arrived" of a purchase made this morning, "paying too much in fees" on an
        account opened last week are none of them said. A title's reason the seed makes true of some
        rows in every domain (`_seeded_so`: twin charges) is said alone, of those rows."""
        said = [r for r in reasons if r != "other"] or list(reasons)
        first = said.index(self._said_reason(reasons))
        if self._seeded_so(said[first]) and (cond := self._reason_holds(said[first], on)) not in (None, "false"):
            return f"'{said[first]}'", cond  # the seed makes rows it is true of (twin charges): on one of them
        chain: list[tuple[str, str | None]] = []
        for r in said[first:] + said[:first]:
            cond = self._reason_holds(r, on)
            if cond == "false":
                continue
            chain.append((r, cond))
            if cond is None:
                break
        if not chain:  # no reason is ever true here: the title's, as before
            return f"'{said[first]}'", None
        expr = "null" if chain[-1][1] is not None else f"'{chain[-1][0]}'"
        for r, cond in reversed(chain if chain[-1][1] is not None else chain[:-1]):
            expr = f"('{r}' if {cond} else {expr})"
        conds = list(dict.fromkeys(c for _, c in chain))
        needs = None if chain[-1][1] is None else conds[0] if len(conds) == 1 else "(" + " or ".join(f"({c})" for c in conds) + ")"
        return expr, needs  # (one clause of the anchor's `and`s: its `or`s in parentheses)

    def _seeded_so(self, reason: str) -> bool:
        """Whether the archetype's seed makes records a claiming `reason` is true of, in every domain
        (a card's charges hold twins: "charged twice" is said of the second of them)."""
        return bool(CHARGED_TWICE.search(reason)) and any(f.get("twins") for f in self.a.child_fields)

    def seeded_reason(self, reasons: Any, table: str, key: str, name: str = "reason") -> dict[str, Any]:
        """`derived` for the reason of a seeded row filed on a record of `table` (through its field
        `key`), where a listed reason claims something of that record (`_reason_holds`): the drawn
        reason when the record bears it out, else the next listed one that it does, so a seeded
        dispute never reads "duplicate charge" of a charge with no twin, nor "item not received" of
        a purchase made this morning; {} where every reason holds of any record. `name`: the field
        (a record's own `status_reason`, `key` then its own id)."""
        on = "child" if table == self.children else "main" if table == self.mains else None
        said = [str(r) for r in reasons]
        if on is None or any("'" in r for r in said):
            return {}
        conds = {r: self._reason_holds(r, on) for r in said}
        if all(c is None for c in conds.values()):
            return {}
        record = f"lookup('{table}', {key})"
        holds = {r: "true" if c is None else substitute(c, {"row": record}) for r, c in conds.items() if c != "false"}
        if not holds:
            return {}
        expr = name  # a reason not listed (none is): as drawn
        for i, r in reversed(list(enumerate(said))):
            chain = [x for x in said[i:] + said[:i] if x in holds]
            told = f"'{r}'"  # none holds of this record: as drawn, as before
            for x in reversed(chain):
                told = f"'{x}'" if holds[x] == "true" else f"('{x}' if {holds[x]} else {told})"
            expr = f"({told} if {name} == '{r}' else {expr})"
        return {"derived": expr}

    def _reason_holds(self, reason: str, on: str) -> str | None:
        """What the anchored `row` must show for a customer to give `reason` truly (an expression;
        None: any record may be said so; "false": none can): a twin charge (the same merchant and
        amount on the same card) for a duplicate charge; a purchase posted a week ago or more for
        one that never arrived; an account held two months or more for its fees being too high; a
        payment that has gone out for its amount being wrong ("I was charged more than I agreed"); a
        bag checked for one lost; a membership frozen now or this year for a charge while frozen. A charge with a twin is said to be a duplicate or nothing: "fraud"
        or "never arrived" of one of two same charges would tell another story than the card shows."""
        low = reason.lower()
        payee = next((f["name"] for f in self.a.child_fields if f.get("faker") == "company"), None)
        amount = next((f["name"] for f in self.a.child_fields if f["name"] == "amount"), None)
        same = f"{{{self.main_pk}: row.{self.main_pk}, {payee}: row.{payee}, {amount}: row.{amount}}}"
        if CHARGED_TWICE.search(low):
            if on != "child" or not (payee and amount):
                return "false"
            if (d := self.child_date()) is None:
                return f"count_rows('{self.children}', {same}) > 1"
            # the second of the two: the first one went through as it should
            return f"len([x for x in rows('{self.children}', {same}) if x.{d} < row.{d}]) > 0"
        alone = (f"count_rows('{self.children}', {same}) == 1" if on == "child" and payee and amount
                 and any(f.get("twins") for f in self.a.child_fields) else None)
        if NEVER_CAME.search(low):
            d = self.child_date() if on == "child" else None
            if d is None:
                return alone
            waited = f"days_between(date(row.{d}), today) >= {_WAIT_DAYS}"
            waited = f"row.status != 'pending' and {waited}" if "pending" in self.a.child_statuses else waited
            return f"{waited} and {alone}" if alone else waited
        if FEES.search(low) and on == "main":
            since = next((f["name"] for f in self.a.main_fields if f.get("type") == "date"
                          and _SINCE_FIELD.search(f["name"])), None)
            return f"days_between(date(row.{since}), today) >= {_FEES_DAYS}" if since else None
        if OVERCHARGED.search(low) and on == "main" and "scheduled" in self.statuses:
            return "row.status != 'scheduled'"  # a payment not yet sent has charged nobody
        if LOST_BAGS.search(low) and on == "main":  # a trip with no bag checked lost none
            bags = next((f["name"] for f in self.a.main_fields if f["name"] in ("bags", "checked_bags")), None)
            return f"row.{bags} > 0" if bags else None
        if WHILE_FROZEN.search(low) and on == "main" and "frozen" in self.statuses:
            # billed while on hold: of a membership frozen now or earlier this year, not one never frozen
            freezes = next((f["name"] for f in self.a.main_fields if f["name"].startswith("freezes")), None)
            return f"(row.status == 'frozen' or row.{freezes} > 0)" if freezes else "row.status == 'frozen'"
        return alone

    def action_flow(self, a: Any, allowed: list[str]) -> dict[str, Any]:
        m, pk = self.sp.main, self.main_pk
        knows = {"email": self._email_of_main(), pk: f"row.{pk}"}
        args: dict[str, Any] = {pk: {"user": pk}}
        conds = [f"row.status in {quoted_list(allowed)}"]
        if a.reasons:
            knows["reason"], needs = self._reason_of(a.reasons, "main")
            args["reason"] = {"user": "reason"}
            conds += [needs] if needs else []
        conds += [g["require"] for g in self.action_guards(a, "row")]
        conds += self._unblocked({a.verb}, allowed)
        if self.sp.others_held.get(a.verb) and (apart := self.kinds_apart()):
            # the text's closings are of its own products' kind; the other kind is there for the rule
            kinds = [k for k in self.a.product_kinds() if k not in apart]
            conds.append(f"row.{self.a.opening.kind_field} in {quoted_list(kinds)}")
        return {"name": f"{a.verb}_{m}", "category": a.verb,
                "goal": f"{a.verb} my {m} {{{pk}}}" + (" because of {reason}" if a.reasons else ""),
                "anchor": {"table": self.mains, "filter": " and ".join(conds)},
                "knows": knows,
                "steps": [{"use": "identify"},
                          {"tool": f"get_{m}_details", "args": {pk: {"user": pk}}, "as": "details"},
                          {"tool": f"{a.verb}_{m}", "args": args, "as": "done",
                           "when": f"details.status in {quoted_list(allowed)}"}],
                # what changed: a renewal keeps the loan active, its news is the new due date
                "tells": {a.also_set[0][0]: f"done.{a.also_set[0][0]}"} if a.to_status in allowed and a.also_set
                else {"status": "done.status", **self._fee_told(a.verb)}}

    def _fee_told(self, verb: str) -> dict[str, str]:
        """The fee an action charges by the record's product, told after it ($0 where none applies)."""
        fee = self.tier_fee(verb)
        return {fee[0]: f"done.{fee[0]}"} if fee else {}

    def update_flow(self, f: dict[str, Any]) -> dict[str, Any]:
        m, pk, name = self.sp.main, self.main_pk, f["name"]
        spec = next(x for x in self.entity(self.mains)["fields"] if x["name"] == name)
        t = spec.get("type", "string")
        if spec.get("values"):
            new = f"first([v for v in {quoted_list([str(v) for v in spec['values']])} if v != row.{name}])"
        elif t == "integer":
            new = f"row.{name} + 1"
        elif t == "number":  # a round figure about a quarter up ($4,841.73 -> $6,100), as people ask
            new = f"int(row.{name} * 1.25 / 100) * 100 + 100 if row.{name} >= 100 else round(row.{name} * 1.25 + 1, 2)"
        elif t == "boolean":
            new = f"not row.{name}"
        elif t in ("date", "datetime"):
            new = f"add_days(row.{name}, 7)"
        elif spec.get("faker") == "user_name":  # a new username of the owner's own name (every owner has one)
            owner = f"lookup('{self.owners}', row.{self.owner_pk})"
            new = f"lower({owner}.first_name) + '.' + lower({owner}.last_name) + str(10 + len(row.{name}))"
        else:  # a value of the field's own kind (a phone number for a phone number): the next record's
            new = f"first([r.{name} for r in rows('{self.mains}', {{}}) if r.{pk} > row.{pk} and r.{name} != row.{name}])"
        parts = list(f.get("parts", ()))  # changed with it (an address's city and zip): the same next record's
        moved = {x: f"first([r.{x} for r in rows('{self.mains}', {{}}) if r.{pk} > row.{pk} and r.{name} != row.{name}])"
                 for x in parts}
        editable = self.changeable_statuses()
        conds = [f"row.status in {quoted_list(editable)}"]
        # the rules its tool checks, not another action's ("credits only to checking accounts" kept no row)
        conds += self._unblocked(_UPDATE_VERBS | {name.split("_")[0]}, editable)
        conds += self._kind_allows(spec, new)
        if (limited := self.verb_limit(f)) is not None:  # "rescheduled at most twice"
            conds.append(f"row.{limited[0]} < {limited[1].value}")
        if self.cycle_rule("once", name) is not None:  # "once per billing cycle"
            conds.append(self.changed_before(name, "row"))
        if (most := self.raised_most(name)) is not None:  # "at most three times your current limit"
            conds.append(f"({new}) <= round(row.{name} * {most.value[0]:g}, 2)")
        if (cap := self.cap_of(name)) is not None:
            conds.append(f"({new}) <= {cap.value}")  # the raised limit stays within the text's cap ("at or below $1,250")
        if (caps := self.caps()) is not None and name in caps[:2]:  # the new number fits the room, or the room the number
            count, keyed, most_of = caps
            conds.append(f"{new} <= {most_of(f'row.{keyed}')}" if name == count else f"row.{count} <= {most_of(new)}")
        said = ", ".join([f"{{new_{name}}}", " ".join(f"{{new_{x}}}" for x in parts)]) if parts else f"{{new_{name}}}"
        # a count is changed as a number of things ("the number of nights", never "the nights")
        counted = f"number of {plain_words(name)}" if t == "integer" and re.fullmatch(r"[a-z]+[^s]s", name) \
            else plain_words(name)
        # a value that moves the record to another catalog entry (a plan) is looked up first, as a careful
        # agent does, so the new entry's terms are said before the yes ("That takes the monthly fee up to $25.72.")
        looked = [{"tool": f"list_{self.catalogs}", "args": {}, "as": "offered"}] \
            if self.followers(name, "row")[0] and f"list_{self.catalogs}" in self.used and not self.directory() else []
        return {"name": f"change_{m}_{name}", "category": "update",
                "goal": f"change the {counted} of my {m} {{{pk}}} to {said}",
                "anchor": {"table": self.mains, "filter": " and ".join(conds)},
                "knows": {"email": self._email_of_main(), pk: f"row.{pk}", f"new_{name}": new,
                          **{f"new_{x}": e for x, e in moved.items()}},
                "steps": [{"use": "identify"}, *looked,
                          {"tool": f"update_{m}_{name}", "args": {pk: {"user": pk}, name: {"user": f"new_{name}"},
                                                                 **{x: {"user": f"new_{x}"} for x in parts}},
                           "as": "changed"}],
                # what moves with it is told too ("your new monthly price is $54.99"); a change that
                # waits for the next billing cycle, as what will change and when
                "tells": self._waiting({name: " + ' ' + ".join([f"changed.{name} + ','", *(f"changed.{x}" for x in parts)])
                                        if parts else f"changed.{name}",
                                        **{x: f"changed.{x}" for x in self.followers(name, "row")[1]
                                           if not x.endswith("_id")}}, name)}

    def _kind_allows(self, spec: dict[str, Any], new: str) -> list[str]:
        """Anchor conditions keeping the records whose kind allows the field's `new` value: a field
        the seed gives a kind of record only some values of (`by` a field of the same row: a savings
        account's overdraft protection is always off) is not changed to another on that kind (no
        savings account has overdraft protection turned on)."""
        out = []
        for kind_field, cases in (spec.get("by") or {}).items():
            if "." in kind_field or kind_field == "status":
                continue
            for kind, values in cases.items():
                if isinstance(values, list) and values and all(isinstance(v, (bool, int, float, str)) for v in values):
                    out.append(f"(row.{kind_field} != {quoted_list([kind])[1:-1]} or ({new}) in {_literals(values)})")
        return out

    def _waiting(self, tells: dict[str, str], name: str) -> dict[str, str]:
        """`tells` of a change of `name` where a downgrade waits for the next billing cycle: the
        record's own values only when it changed now, else the tier scheduled and when it starts."""
        waiting = self.cycle_told(name, "changed")
        if not waiting:
            return tells
        pending = waiting[f"pending_{name}"]
        return {**{k: f"{v} if {pending} == null else null" for k, v in tells.items()}, **waiting}

    def request_flow(self) -> dict[str, Any]:
        if self.request_on_catalog():
            return self._catalog_request_flow()
        sp, r = self.sp, self.sp.request
        on_child = self.a.request_on_child and self.children
        said, needs = self._reason_of(self.reasons, "child" if on_child else "main")
        knows: dict[str, str] = {"reason": said}
        steps: list[dict[str, Any]] = [{"use": "identify"}]
        if on_child:
            main_of = f"lookup('{self.mains}', row.{self.main_pk})"
            knows.update({"email": f"lookup('{self.owners}', {main_of}.{self.owner_pk}).email",
                          self.main_pk: f"row.{self.main_pk}", self.child_pk: f"row.{self.child_pk}"})
            conds = [f"count_rows('{self.requests}', {{{self.child_pk}: row.{self.child_pk}}}) == 0"]
            conds += [f"row.status != '{f.value}'" for f in sp.blocked_child]
            if self.a.request_from:
                conds.append(f"row.status in {quoted_list(list(self.a.request_from))}")
            if main_statuses := self.request_main_statuses():
                conds.append(f"{main_of}.status in {quoted_list(main_statuses)}")
            d = self.child_date()
            if sp.window_days and d:
                conds.append(f"days_between(row.{d}, today) <= {int(sp.window_days.value)}")
            if sp.min_amount and any(f["name"] == "amount" for f in self.a.child_fields):
                conds.append(f"row.amount >= {sp.min_amount.value}")
            steps.append({"tool": f"list_{sp.main}_{self.children}", "args": {self.main_pk: {"user": self.main_pk}},
                          "as": "listed"})
            target, table = self.child_pk, self.children
        else:
            knows.update({"email": self._email_of_main(), self.main_pk: f"row.{self.main_pk}"})
            conds = [f"row.status in {quoted_list(self.request_statuses())}",
                     f"count_rows('{self.requests}', {{{self.main_pk}: row.{self.main_pk}}}) == 0"]
            if sp.min_main is not None:
                conds.append(f"row.{sp.min_main.value[0]} >= {sp.min_main.value[1]}")  # type: ignore[index]
            steps.append({"tool": f"get_{sp.main}_details", "args": {self.main_pk: {"user": self.main_pk}},
                          "as": "details"})
            target, table = self.main_pk, self.mains
        conds += [needs] if needs else []
        steps.append({"tool": f"{self.a.request_verb}_{r}", "as": "filed",
                      "args": {target: {"user": target}, "reason": {"user": "reason"}}})
        tells = {self.request_pk: f"filed.{self.request_pk}"}
        if sp.reply_days:
            tells["reply_by"] = "filed.reply_by"
        noun = (sp.child if on_child else sp.main).replace("_", " ")
        return {"name": f"{self.a.request_verb}_{r}", "category": r,
                "goal": f"{self.a.request_verb} {indefinite(r.replace('_', ' '))} for {noun} {{{target}}} because of {{reason}}",
                "anchor": {"table": table, "filter": " and ".join(conds)},
                "knows": knows, "steps": steps, "tells": tells}
