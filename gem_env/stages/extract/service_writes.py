"""Write tools of a specialised archetype: every one changes a table, guarded by the text's rules."""
from __future__ import annotations

import json
import re
from typing import Any

from ...text.words import indefinite
from ...tools.render import participle, plain_words, plural
from .archetypes import tier_factor
from .specialise import ADDS_DAYS, STARTED


_CHANGE_WORDS = {"change", "update", "edit", "new", "replace"}
_PAY_DIFFERENCE = re.compile(r"\bpay(?:s|ing)?\b(?: for)? (?:the |any )?(?:fare |price )?difference\b", re.I)


def capped(caps: tuple[str, dict[str, int]], fields: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(the integer field named for what is counted, the field whose values the most depends on) of
    "at most 2 guests in `standard`, 3 in `deluxe` ..." (`Specialisation.caps`), or None."""
    noun, most = caps
    count = next((f for f in fields if f["name"] == noun and f.get("type") == "integer"), None)
    keyed = next((f for f in fields if f.get("values") and set(most) <= {str(v).lower() for v in f["values"]}), None)
    return (count, keyed) if count is not None and keyed is not None else None


def quoted_list(values: list[str] | tuple[str, ...]) -> str:
    """The expression text of a list of string literals (quotes in a value dropped)."""
    return "[" + ", ".join("'" + str(v).replace("'", "") + "'" for v in values) + "]"


_UPDATE_VERBS = {"change", "update", "modify", "modification", "edit", "amend"}


#: the customer a staff checklist speaks of ("Customer has no ...", "The customer must have ...")
_CUSTOMER_HAS = re.compile(r"^(?:the\s+)?(?:customer|cardholder|account\s?holder|member|client)\s+(?:must\s+have|has|have)\s+", re.I)


def own_voice(rule: str, verb: str, main: str, statuses: list[str] | tuple[str, ...]) -> str:
    """A checklist's requirement on the customer said to them as what the action needs: "Customer has
    no linked business savings accounts that are still OPEN (close those first)" -> "To close this
    account, you must have no linked business savings accounts that are still open (close those
    first)"; a status in capitals is said as a word."""
    said = rule.strip().rstrip(".")
    for s in statuses:
        said = re.sub(rf"\b{re.escape(s.upper())}\b", s, said)
    if not _CUSTOMER_HAS.match(said):
        return said
    return f"To {verb} this {main.replace('_', ' ')}, you must have {_CUSTOMER_HAS.sub('', said, count=1)}"


def _label(name: str, ptype: str) -> str:
    """How a message names a field: a count of things is "number of guests", not "guests"."""
    words = name.replace("_", " ")
    if ptype == "integer" and words.endswith("s") and not words.endswith("ss"):
        return f"number of {words}"
    return words


class WriteTools:
    """Mixin of `ToolKit` (service_tools.py): the write tools."""

    def write_tools(self) -> list[dict[str, Any]]:
        out = [self.action_tool(a, allowed) for a, allowed in self.actions()]
        out += [self.update_tool(f) for f in self.a.editable[:3]]
        if self.requests:
            out.append(self.request_tool())
        out += [t for f in self.features() for t in f.writes(self)]
        out.append(self.update_owner_address())
        if self.changes_email():
            out.append(self.update_owner_email())
        out.append(self.transfer_to_human())
        return out

    def changes_email(self) -> bool:
        """Whether the document is about changing the owner's email ("Change the email on your
        account"): its title names the email and a change."""
        return "email" in self.title_words and bool(self.title_words & _CHANGE_WORDS)

    def update_owner_email(self) -> dict[str, Any]:
        """The owner's email changed to a new one no other owner has (they are found by it)."""
        o, pk = self.a.owner, self.owner_pk
        row = f"{o}_row"
        taken = next((t for _, _, t in self.sp.sentences if re.search(r"\balready\b", t) and "email" in t.lower()), None)
        return self._tool(
            f"update_{o}_email", "write", f"Change {indefinite(o)}'s email address.",
            [self._id_param(o, pk), {"name": "new_email", "type": "string", "description": "the new email address"}],
            [{"find": self.owners, "as": row, "where": {pk: pk}, "error": f"No {o} with id {{{pk}}}"},
             {"require": "contains(new_email, '@') and contains(new_email, '.')", "message": "That is not an email address"},
             {"require": f"lower(new_email) != lower({row}.email)", "message": "That is already the email on file"},
             {"require": f"count_rows('{self.owners}', {{email: lower(new_email)}}) == 0",
              "message": (taken or "That email address is already used by another account")[:300]},
             {"update": self.owners, "row": row, "set": {"email": "lower(new_email)"}},
             {"return": f"project({row}, ['{pk}', 'email'])"}],
            self.span_for("email"))

    def blocked_rules(self, verbs: set[str] | None, allowed: list[str]) -> list[Any]:
        """The text's "a `suspended` line cannot change plan" rules (found facts, value ``(field,
        value, verb lemmas)``) for tools doing those verbs (None: any verb); never a status rule that
        would refuse every status the tool allows (a sentence that merely mentions it beside a
        negation: "is it still active?")."""
        return [f for f in self.sp.blocked_main
                if (verbs is None or f.value[2] & verbs)
                and not (f.value[0] == "status" and not set(allowed) - {f.value[1]})]

    def rule_conditions(self, row: str, verbs: set[str] | None, allowed: list[str]) -> list[tuple[str, Any]]:
        """(condition over `row`, the text it came from) for `blocked_rules` and "changes until 48
        hours before check-in", on tools doing those verbs (None: any verb): a tool's `require`
        steps and a workflow's anchor are the same conditions."""
        out = [(f"{row}.{f.value[0]} != '{f.value[1]}'", f) for f in self.blocked_rules(verbs, allowed)]
        d = self.sp.deadline
        if d is not None and (verbs is None or d.value[2] & verbs):  # type: ignore[index]
            out.append((f"days_between(today, {row}.{d.value[0]}) >= {d.value[1]}", d))  # type: ignore[index]
        age, paid = self.sp.min_age, self.sp.paid_up  # "active for at least 2 months", "no unpaid fees"
        if age is not None and (verbs is None or age.value[2] & verbs):  # type: ignore[index]
            out.append((f"days_between({row}.{age.value[0]}, today) >= {age.value[1]}", age))  # type: ignore[index]
        if paid is not None and (verbs is None or paid.value[1] & verbs):  # type: ignore[index]
            out.append((f"coalesce({row}.{paid.value[0]}, 0) == 0", paid))  # type: ignore[index]
        lock, when = self.sp.lock_hours, self.next_date()  # "Editing is locked within 13 hours of the upcoming occurrence"
        if lock is not None and when and (verbs is None or lock.value[1] & verbs):  # type: ignore[index]
            out.append((f"hours_between(now, {row}.{when}) >= {lock.value[0]}", lock))  # type: ignore[index]
        return out

    def raised_most(self, name: str) -> Any:
        """The text's most a number field may be raised to, as a multiple of its current value, where
        the word it names the field by is the field's ("current limit": spending_limit); None else."""
        most = self.sp.raise_most
        return most if most is not None and most.value[1] in name.split("_") else None  # type: ignore[index]

    def next_date(self) -> str | None:
        """The main record's date of what comes next (a payment's send date, a visit's start): its
        first date or date-time that is not when it started (`specialise.STARTED`)."""
        return next((f["name"] for f in self.a.main_fields if f.get("type") in ("date", "datetime")
                     and f["name"] not in STARTED), None)

    def _blocked_main(self, verbs: set[str], allowed: list[str]) -> list[dict[str, Any]]:
        """``require`` steps for the text's rules on tools doing those verbs."""
        out = []
        for cond, found in self.rule_conditions(f"{self.sp.main}_row", verbs, allowed):
            out.append({"require": cond, "message": found.text[:300]})
            self._cite(found)
        return out

    def action_tool(self, a: Any, allowed: list[str]) -> dict[str, Any]:
        m, pk, row = self.sp.main, self.main_pk, f"{self.sp.main}_row"
        params = [self._id_param(m, pk)]
        sets: dict[str, Any] = {"status": f"'{a.to_status}'"}
        if a.reasons:
            params.append({"name": "reason", "type": "string", "enum": list(a.reasons),
                           "description": f"why the {m} is {participle(a.verb)}"})
            sets["status_reason"] = "reason"
        period = self.sp.period_days.get(a.verb)  # "for 21 days each time"
        for fld, expr in a.also_set:
            if period is not None and ADDS_DAYS.search(expr):
                expr = ADDS_DAYS.sub(rf"add_days(\1, {period.value})", expr)
                self._cite(period)
            sets[fld] = re.sub(r"\br\.", f"{row}.", expr)
        kept = {fld: v for fld, v in self.status_values(a.to_status).items() if fld not in sets}
        sets.update({fld: json.dumps(v) for fld, v in kept.items()})
        only = self.sp.only_from.get(a.verb)
        message = only.text[:300] if only else f"Only {indefinite(m)} that is {' or '.join(allowed)} can be {participle(a.verb)}"
        late = self.late_fee(a.verb)
        charged: list[dict[str, Any]] = []
        if late is not None:  # "Late cancellations ... are charged a fee of $25, unless the visit was a vaccination."
            amount, hours, when, kind, exempt = late
            cond = f"hours_between(now, {row}.{when}) < {hours}" + (f" and {row}.{kind} != '{exempt}'" if exempt else "")
            charged.append({"if": cond, "then": [{"update": self.mains, "row": row, "set": {"late_fee": f"{amount:g}"}}]})
        fee_steps, _, fee_told = self.fee_charged(a.verb, row)  # "Early closure fee: $15 if closed within 30 days"
        charged += fee_steps
        if kept.get("balance") == 0 and "amount_paid_out" not in fee_told:  # what a closed account held goes to its owner
            charged.append({"let": {"amount_paid_out": f"{row}.balance"}})
            fee_told = {**fee_told, "amount_paid_out": "amount_paid_out"}
        effect = [{"find": self.mains, "as": row, "where": {pk: pk}, "error": f"No {m} with id {{{pk}}}"},
                  {"require": f"{row}.status in {quoted_list(allowed)}", "message": message + f" (this {m} is {{{row}.status}})"},
                  *self._blocked_main({a.verb}, allowed),
                  *self.action_guards(a, row),
                  *charged,
                  {"update": self.mains, "row": row, "set": sets},
                  *self._released(a, row),
                  {"return": {pk: f"{row}.{pk}", "status": f"{row}.status",
                              **{fld: f"{row}.{fld}" for fld, _ in a.also_set},
                              **{fld: f"{row}.{fld}" for fld, v in kept.items() if v is not None},  # no null noise
                              **({"late_fee": f"{row}.late_fee"} if late else {}), **fee_told}}]
        return self._tool(f"{a.verb}_{m}", "write", f"{a.verb.capitalize()} a {m} ({' or '.join(allowed)}); "
                          f"its status becomes {a.to_status}.", params, effect, self.span_for(a.verb, m)
                          or self.span_for(a.verb))

    def _released(self, a: Any, row: str) -> list[dict[str, Any]]:
        """The catalog entry's unit given back by an action that ends the record (`Action.releases`:
        a cancelled booking's seat, a returned loan's copy), where the record refers to an entry
        that counts its units."""
        units, key = self.units_of_record(), self.catalog_pk
        if not a.releases or units is None:
            return []
        return [{"find": self.catalogs, "as": "entry", "where": {key: f"{row}.{key}"}, "optional": True},
                {"if": "entry != null", "then": [{"update": self.catalogs, "row": "entry",
                                                   "set": {units: f"entry.{units} + {self.held(row)}"}}]}]

    def status_values(self, status: str) -> dict[str, Any]:
        """The main record's fields whose one value the seed gives a record in `status` (`by: {status:
        {closed: [0]}}`: a closed account's balance is paid out): an action to that status sets them,
        so a record closed in a session reads as the seeded closed ones do (and its reply shows the
        values that are not null: "balance": 0, not a cancelled order's tracking number)."""
        out = {}
        for f in self.entity(self.mains)["fields"]:
            case = f.get("by", {}).get("status", {}).get(status)
            if isinstance(case, list) and len(case) == 1 and f["name"] != "status":
                out[f["name"]] = case[0]
        return out

    def late_fee(self, verb: str) -> tuple[float, int, str, str | None, str | None] | None:
        """(fee, hours, the record's date-time, the field and value exempt) of doing `verb` late, as the
        text says ("charged a fee of $25, unless the visit was a vaccination" with "less than 24 hours
        away"), where the record has a date-time to be late for; None otherwise."""
        fee, hours = self.sp.late_fees.get(verb), self.sp.late_hours
        when = next((f["name"] for f in self.a.main_fields if f.get("type") == "datetime"), None)
        if fee is None or hours is None or when is None:
            return None
        self._cite(fee)
        self._cite(hours)
        amount, exempt = fee.value  # type: ignore[misc]
        kind = next((f["name"] for f in self.a.main_fields if f["name"].endswith("_type") and f.get("values")), None)
        return amount, int(hours.value), when, kind if exempt else None, exempt if kind else None  # type: ignore[arg-type]

    def caps(self) -> tuple[str, str, Any] | None:
        """(the counted field, the field its most depends on, `most(expr)`: the most for that field's
        value `expr`) of "at most 2 guests in `standard`, 3 in `deluxe` and 4 in a `suite`", where the
        record has an integer field named for what is counted and a field whose values are those named."""
        found = self.sp.caps
        if found is None:
            return None
        fields = capped(found.value, self.entity(self.mains)["fields"])
        if fields is None:
            return None
        self._cite(found)
        most = found.value[1]  # type: ignore[index]

        def most_of(expr: str) -> str:
            return "(" + " else ".join(f"{n} if {expr} == '{v}'" for v, n in most.items()) + f" else {max(most.values())})"
        return fields[0]["name"], fields[1]["name"], most_of

    def verb_limit(self, f: dict[str, Any]) -> tuple[str, Any] | None:
        """(the counter, the text's limit) of a change the text limits by the verb the archetype names
        it with ("An appointment can be rescheduled at most twice." -> reschedule_count < 2)."""
        limit = self.sp.times_limit.get(f.get("verb", ""))
        return (f"{f['verb']}_count", limit) if limit is not None else None

    def _cap_rules(self, name: str, row: str) -> list[dict[str, Any]]:
        """The `require` a change of `name` meets under `caps` (the new number, or the new kind)."""
        caps = self.caps()
        if caps is None or name not in caps[:2]:
            return []
        count, keyed, most_of = caps
        cond = f"{count} <= {most_of(f'{row}.{keyed}')}" if name == count else f"{row}.{count} <= {most_of(keyed)}"
        return [{"require": cond, "message": self.sp.caps.text[:300]}]  # type: ignore[union-attr]

    def action_guards(self, a: Any, row: str) -> list[dict[str, Any]]:
        """The `require` steps an action's own rules add (its tool's and its workflow's anchor): the
        text's limit on how often ("up to 2 times", in place of the archetype's guard), "No pending
        transactions for this account" (no child record left in that status), and "cannot be renewed
        if another member has placed a hold on it" (a request of another owner on the entry)."""
        out = self._times_limit(a, row) or ([{"require": re.sub(r"\br\.", f"{row}.", a.guard[0]),
                                              "message": a.guard[1]}] if a.guard else [])
        clear = self.sp.child_clear.get(a.verb)
        if clear is not None and self.children:  # "No pending transactions for this account"
            children = plural((self.sp.child or "").replace("_", " "))
            out.append({"require": f"count_rows('{self.children}', {{{self.main_pk}: {row}.{self.main_pk}, "
                                   f"status: '{clear.value}'}}) == 0",
                        "message": f"{indefinite(self.sp.main).capitalize()} with {clear.value} {children} "
                                   f"cannot be {participle(a.verb)}"})
            self._cite(clear)
        out += self._others_held(a, row)
        others = self.sp.others_request.get(a.verb)
        if others is not None and self.sp.request and self.a.request_on_catalog and self.catalogs:
            k, o = self.catalog_pk, self.owner_pk
            out.append({"require": f"len([x for x in rows('{self.requests}', {{{k}: {row}.{k}}}) if x.{o} != {row}.{o}]) == 0",
                        "message": others.text[:300]})
            self._cite(others)
        return out + self.fee_guards(a.verb, row)  # "the account balance must be at least the fee amount"

    def _others_held(self, a: Any, row: str) -> list[dict[str, Any]]:
        """"Customer has no linked business savings accounts that are still OPEN", "Customer must have
        at least one active business checking account remaining": the owner's records of that kind
        in that status, other than this one, none or at least one (`specialise._read_others`), when
        the record acted on is of the kind the text's action is about."""
        kind_field = self.a.opening.kind_field if self.a.opening else None
        fields = {f["name"] for f in self.entity(self.mains)["fields"]}
        out = []
        for found in self.sp.others_held.get(a.verb, []):
            kind, state, some, acted_on = found.value  # type: ignore[misc]
            if (kind or acted_on) and kind_field not in fields or self.owner_pk not in fields:
                continue
            o, pk = self.owner_pk, self.main_pk
            where = f"{o}: {row}.{o}" + (f", {kind_field}: '{kind}'" if kind else "") + f", status: '{state}'"
            others = f"len([x for x in rows('{self.mains}', {{{where}}}) if x.{pk} != {row}.{pk}])"
            # a rule of closing checking accounts holds for those only
            of_kind = f"{row}.{kind_field} != '{acted_on}' or " if acted_on else ""
            out.append({"require": f"{of_kind}{others} {'> 0' if some else '== 0'}",
                        "message": own_voice(found.text, a.verb, self.sp.main, self.statuses)[:300]})
            self._cite(found)
        return out

    def _times_limit(self, a: Any, row: str) -> list[dict[str, Any]]:
        """"Not more than twice a year", "up to 2 times": the counter the action increments stays under
        the text's N (in place of the archetype's own guard)."""
        limit = self.sp.times_limit.get(a.verb)
        counter = next((fld for fld, expr in a.also_set if re.fullmatch(rf"r\.{fld} \+ 1", expr)), None)
        if limit is None or counter is None:
            return []
        self._cite(limit)
        return [{"require": f"{row}.{counter} < {limit.value}", "message": limit.text[:300]}]

    def update_tool(self, f: dict[str, Any]) -> dict[str, Any]:
        m, pk, row = self.sp.main, self.main_pk, f"{self.sp.main}_row"
        name = f["name"]
        spec = next((x for x in self.entity(self.mains)["fields"] if x["name"] == name), {})
        ptype = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(f.get("type", "string"), "string")
        param = {"name": name, "type": ptype, "description": f.get("description", f"the new {name}")}
        if spec.get("values") and ptype == "string":
            param["enum"] = list(spec["values"])
        parts = list(f.get("parts", ()))  # changed with it, as one: an address's city and zip
        params = [param, *({"name": x, "type": "string", "description": f"the new {plain_words(x.split('_', 1)[-1])}"}
                           for x in parts)]
        editable = self.changeable_statuses()
        same = " and ".join(f"{x} == {row}.{x}" for x in [name, *parts])
        effect = [{"find": self.mains, "as": row, "where": {pk: pk}, "error": f"No {m} with id {{{pk}}}"},
                  {"require": f"{row}.status in {quoted_list(editable)}",
                   "message": f"{indefinite(m).capitalize()} that is {{{row}.status}} cannot be changed"},
                  *self._blocked_main(_UPDATE_VERBS | {name.split("_")[0]}, editable),
                  {"require": f"not ({same})" if parts else f"{name} != {row}.{name}",
                   "message": f"The {m} already has that {_label(name, ptype)}"}]
        if ptype in ("integer", "number"):
            effect.append({"require": f"{name} >= 0", "message": f"The {_label(name, ptype)} cannot be negative"})
        effect += self._cap_rules(name, row)
        if (most := self.raised_most(name)) is not None:  # "at most three times your current limit"
            effect.append({"require": f"{name} <= round({row}.{name} * {most.value[0]:g}, 2)",  # type: ignore[index]
                           "message": most.text[:300]})
            self._cite(most)
        effect += self.cycle_guards(name, row)  # "You cannot change plan more than once in the same billing cycle."
        counted = {}
        if (limited := self.verb_limit(f)) is not None:  # "at most twice"
            counter, limit = limited
            effect.append({"require": f"{row}.{counter} < {limit.value}", "message": limit.text[:300]})
            counted = {counter: f"{row}.{counter} + 1"}
            self._cite(limit)
        if (cap := self.cap_of(name)) is not None:
            effect.append({"require": f"{name} <= {cap.value}",
                           "message": f"A {m}'s {plain_words(name)} can be at most ${cap.value:,.0f}"})
            self._cite(cap)
        entry, following = self.followers(name, row)
        priced, told = self.tier_repriced(name, row)
        following.update(priced)
        recount, recounted = self._recount(name, row)
        effect += [*entry, *([{"let": {f"old_{f}": f"{row}.{f}" for f in priced}}] if priced else []), *recount,
                   *self.cycle_update(name, row, {name: name, **{x: x for x in parts}, **counted, **following}),
                   *recounted,
                   {"return": {pk: f"{row}.{pk}", name: f"{row}.{name}", **{x: f"{row}.{x}" for x in parts},
                               **{f: f"{row}.{f}" for f in following},
                               **told, **self.cycle_told(name, row), "status": f"{row}.status"}}]
        word = name.split("_")[0]
        return self._tool(f"update_{m}_{name}", "write", f"Change {indefinite(m)}'s {plain_words(name)}.",
                          [self._id_param(m, pk), *params], effect,
                          self.span_for(word, m) or self.span_for(word))

    def _recount(self, name: str, row: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(steps before, steps after the change) of an edit of the units a record holds (a booking's
        passengers): its entry must have the extra ones left, and its count follows."""
        units, kpk = self.units_of_record(), self.catalog_pk
        if name != self.a.units_held or units is None:
            return [], []
        return ([{"find": self.catalogs, "as": "held_on", "where": {kpk: f"{row}.{kpk}"}, "optional": True},
                 {"require": f"held_on == null or {name} - {row}.{name} <= held_on.{units}",
                  "message": self.short_of(self.sp.catalog, "held_on")},
                 {"let": {"held_before": f"{row}.{name}"}}],
                [{"if": "held_on != null", "then": [{"update": self.catalogs, "row": "held_on",
                                                     "set": {units: f"held_on.{units} - ({name} - held_before)"}}]}])

    def followers(self, name: str, row: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """What else an edit of the main record's field `name` changes, as (steps finding what it
        reads, {field: its new value}): a field copied from a catalog entry (`same_as`) moves the
        record to the entry of the new value, with everything else it copies from it (a
        membership moved to Premium takes Premium's plan id and fee); a field whose range follows
        the field's tier moves with it (`_tier_followers`)."""
        fields = self.entity(self.mains)["fields"]
        copied = next((x["same_as"] for x in fields if x["name"] == name and "same_as" in x), None)
        key, _, column = copied.partition(".") if copied else ("", "", "")
        target = next((x["foreign_key"].split(".")[0] for x in fields if x["name"] == key and x.get("foreign_key")), None)
        if target is None:
            return [], self._tier_followers(name, row)
        entry = f"new_{key.removesuffix('_id')}"
        find = {"find": target, "as": entry, "where": {column: name}, "error": f"No {plain_words(column)} {{{name}}}"}
        sets = {key: f"{entry}.{key}", **{x["name"]: f"{entry}.{x['same_as'].partition('.')[2]}" for x in fields
                                         if x["name"] != name and x.get("same_as", "").startswith(f"{key}.")}}
        return [find], sets

    def tier_repriced(self, name: str, row: str) -> tuple[dict[str, str], dict[str, str]]:
        """({field: its new value}, {what the reply tells: expression}) of a change of the tier `name`
        where an amount is priced by it (a booking's total by its cabin, `archetypes.tier_priced`)
        and the text says the customer pays the difference ("Cabin changes require the user to pay
        for the difference"): the amount moves to the new tier's price and the reply tells the
        difference paid (negative: refunded). Where the text says nothing, a change moves no money."""
        priced = [f["name"] for f in self.a.main_fields if f.get("tier") == name and "derived" in f]
        said = next(((a, b, t) for a, b, t in self.sp.sentences if _PAY_DIFFERENCE.search(t)
                     and re.search(rf"\b{re.escape(name.replace('_', ' '))}", t, re.I)), None)
        values = next((x.get("values") for x in self.entity(self.mains)["fields"] if x["name"] == name), None)
        if not priced or said is None or not values or len(values) < 2:
            return {}, {}
        self.spans.append(said[:2])
        new, old = tier_factor(name, values), tier_factor(f"{row}.{name}", values)
        sets = {f: f"round({row}.{f} * {new} / {old}, 2)" for f in priced}
        return sets, {"fare_difference": f"round({row}.{priced[0]} - old_{priced[0]}, 2)"}

    def _tier_followers(self, name: str, row: str) -> dict[str, str]:
        """The fields whose range follows the tier `name` sets (a line's monthly price its plan,
        `archetypes.tiered`), each as it becomes when the tier changes: moved by the difference
        between the two tiers' ranges, so it keeps its place within its tier (a Plus line at the
        low end of Plus's prices is at the low end of Unlimited's after an upgrade)."""
        out = {}
        for spec in self.entity(self.mains)["fields"]:
            by = spec.get("by", {}).get(name)
            if not by or spec.get("type") != "number" or not all("range" in b for b in by.values()):
                continue
            starts = f"zip({quoted_list(list(by))}, {[b['range'][0] for b in by.values()]})"  # (tier, its range's start)
            now, was = (f"sum([p[1] for p in {starts} if p[0] == {tier}])" for tier in (name, f"{row}.{name}"))
            out[spec["name"]] = f"round({row}.{spec['name']} + {now} - {was}, 2)"
        return out

    def request_tool(self) -> dict[str, Any]:
        if self.request_on_catalog():
            return self._catalog_request_tool()
        sp, r = self.sp, self.sp.request
        on_child = self.a.request_on_child and self.children
        noun, pk, table = (sp.child, self.child_pk, self.children) if on_child else (sp.main, self.main_pk, self.mains)
        row = f"{noun}_row"
        effect: list[dict[str, Any]] = [{"find": table, "as": row, "where": {pk: pk}, "error": f"No {noun} with id {{{pk}}}"}]
        if on_child:
            effect.append({"find": self.mains, "as": f"{sp.main}_row", "where": {self.main_pk: f"{row}.{self.main_pk}"}})
            effect += self._main_rules(f"{sp.main}_row")
            effect += self._child_rules(row)
        else:
            effect.append({"require": f"{row}.status in {quoted_list(self.request_statuses())}",
                           "message": f"{indefinite(noun).capitalize()} that is {{{row}.status}} cannot get {indefinite(r.replace('_', ' '))}"})
            if (least := sp.min_main) is not None:  # "an overdue balance of at least $100"
                effect.append({"require": f"{row}.{least.value[0]} >= {least.value[1]}", "message": least.text[:300]})  # type: ignore[index]
                self._cite(least)
        effect.append({"require": f"count_rows('{self.requests}', {{{pk}: {pk}}}) == 0",
                       "message": f"There is already {indefinite(r.replace('_', ' '))} for this {noun}"})
        reply = self.reply_by()
        effect.append({"insert": self.requests, "as": "filed", "values": {
            self.request_pk: f"next_id('{self.pattern(r)}')", pk: pk, "reason": "reason", "status": "'open'",
            "details": "details", "filed_on": "today", **reply}})
        result = {self.request_pk: f"filed.{self.request_pk}", "status": "filed.status",
                  **{k: f"filed.{k}" for k in reply}}
        freeze, allowed = next(((a, st) for a, st in self.actions() if a.verb == "freeze"), (None, []))
        if sp.freeze_on and freeze and sp.freeze_on.value in self.reasons:
            self._cite(sp.freeze_on)
            # only a card that can be frozen is: a closed one stays closed
            effect.append({"if": f"reason == '{sp.freeze_on.value}' and {sp.main}_row.status in {quoted_list(allowed)}",
                           "then": [{"update": self.mains, "row": f"{sp.main}_row",
                                     "set": {"status": f"'{freeze.to_status}'", "status_reason": "reason"}}]})
            result[f"{sp.main}_status"] = f"{sp.main}_row.status"
        effect.append({"return": result})
        params = [self._id_param(noun, pk),
                  {"name": "reason", "type": "string", "enum": self.reasons, "description": f"why the {r.replace('_', ' ')} is filed"},
                  {"name": "details", "type": "string", "required": False, "description": "what happened, in words"}]
        verb = self.a.request_verb
        return self._tool(f"{verb}_{r}", "write", f"{verb.capitalize()} {indefinite(r.replace('_', ' '))} for {indefinite(noun)}.",
                          params, effect, self.span_for(r) or self.span_for(verb))

    def _catalog_request_tool(self) -> dict[str, Any]:
        """A request a customer files on a catalog entry ("place a hold on a title"), under the
        archetype's condition on the entry (no copy on the shelf), one per customer and entry."""
        r, k, o, verb = self.sp.request, self.sp.catalog, self.a.owner, self.a.request_verb
        row, said = f"{k}_row", r.replace("_", " ")
        effect: list[dict[str, Any]] = [
            {"find": self.owners, "as": f"{o}_row", "where": {self.owner_pk: self.owner_pk},
             "error": f"No {o} with id {{{self.owner_pk}}}"},
            {"find": self.catalogs, "as": row, "where": {self.catalog_pk: self.catalog_pk},
             "error": f"No {k} with id {{{self.catalog_pk}}}"}]
        if self.a.request_when:
            cond, message = self.a.request_when
            effect.append({"require": cond.replace("R.", f"{row}."), "message": message.replace("R.", f"{row}.")})
        if (cap := self.sp.request_cap) is not None:  # "You can have at most 15 holds at once."
            self._cite(cap)
            held = " + ".join(f"count_rows('{self.requests}', {{{self.owner_pk}: {self.owner_pk}, status: '{st}'}})"
                              for st in self.open_request_statuses)
            effect.append({"require": f"{held} < {cap.value}", "message": cap.text[:300]})
        effect += [{"require": f"count_rows('{self.requests}', {{{self.owner_pk}: {self.owner_pk}, "
                               f"{self.catalog_pk}: {self.catalog_pk}}}) == 0",
                    "message": f"There is already {indefinite(said)} on this {k} for you"},
                   {"insert": self.requests, "as": "filed", "values": {
                       self.request_pk: f"next_id('{self.pattern(r)}')", self.owner_pk: self.owner_pk,
                       self.catalog_pk: self.catalog_pk, "reason": "reason", "status": "'open'", "details": "details",
                       "filed_on": "today", **self.reply_by()}},
                   {"return": {self.request_pk: f"filed.{self.request_pk}", "status": "filed.status", k: f"{row}.name"}}]
        params = [self._id_param(o, self.owner_pk), self._id_param(k, self.catalog_pk),
                  {"name": "reason", "type": "string", "enum": self.reasons, "description": f"how the {k} is wanted"},
                  {"name": "details", "type": "string", "required": False, "description": "anything else, in words"}]
        return self._tool(f"{verb}_{r}", "write", f"{verb.capitalize()} {indefinite(said)} on {indefinite(k)} for {indefinite(o)}.",
                          params, effect, self.span_for(r) or self.span_for(verb))

    def request_main_statuses(self) -> list[str]:
        """The statuses of the main record a request on its child is filed from (a delivered order)."""
        return [s for s in self.a.request_main_from if s in self.statuses]

    def _main_rules(self, row: str) -> list[dict[str, Any]]:
        """A request on a child needs its main record in one of `request_main_from` (a return, an
        item of a delivered order), with the text's sentence saying so where it has one."""
        allowed = self.request_main_statuses()
        if not allowed:
            return []
        noun = self.sp.request.split("_")[0]
        said = next(((s, e, t) for s, e, t in self.sp.sentences if re.search(r"\bmust\b|\bonly\b", t, re.I)
                     and re.search(rf"\b{noun}", t, re.I) and any(re.search(rf"\b{a}\b", t, re.I) for a in allowed)), None)
        if said is not None:
            self.spans.append(said[:2])
        m, r = self.sp.main, self.sp.request.replace("_", " ")
        message = re.sub(r"^\W+|[`*]", "", " ".join(said[2].split()))[:300] if said else \
            f"Only {self.sp.child.replace('_', ' ')}s from {indefinite(' or '.join(allowed))} {m} can get " \
            f"{indefinite(r)}; this {m} is {{{row}.status}}"
        return [{"require": f"{row}.status in {quoted_list(allowed)}", "message": message}]

    def _child_rules(self, row: str) -> list[dict[str, Any]]:
        sp, out = self.sp, []
        if self.a.request_from:
            out.append({"require": f"{row}.status in {quoted_list(self.a.request_from)}",
                        "message": f"{indefinite(sp.child.replace('_', ' ')).capitalize()} that is {{{row}.status}} "
                                   f"cannot get {indefinite(sp.request.replace('_', ' '))}"})
        for f in sp.blocked_child:
            out.append({"require": f"{row}.status != '{f.value}'", "message": f.text[:300]})
            self._cite(f)
        d = self.child_date()
        if sp.window_days and d:
            out.append({"require": f"days_between({row}.{d}, today) <= {int(sp.window_days.value)}",  # type: ignore[arg-type]
                        "message": sp.window_days.text[:300]})
            self._cite(sp.window_days)
        if sp.min_amount and any(f["name"] == "amount" for f in self.a.child_fields):
            out.append({"require": f"{row}.amount >= {sp.min_amount.value}", "message": sp.min_amount.text[:300]})
            self._cite(sp.min_amount)
        return out

    def update_owner_address(self) -> dict[str, Any]:
        o, pk = self.a.owner, self.owner_pk
        row = f"{o}_row"
        return self._tool(
            f"update_{o}_address", "write", f"Change {indefinite(o)}'s postal address.",
            [self._id_param(o, pk), {"name": "address", "type": "string", "description": "street and number"},
             {"name": "city", "type": "string", "description": "city or town"},
             {"name": "zip", "type": "string", "description": "zip or postal code"}],
            [{"find": self.owners, "as": row, "where": {pk: pk}, "error": f"No {o} with id {{{pk}}}"},
             {"require": "len(address) > 0 and len(zip) > 0", "message": "An address needs a street and a zip code"},
             {"update": self.owners, "row": row, "set": {"address": "address", "city": "city", "zip": "zip"}},
             {"return": f"project({row}, ['{pk}', 'address', 'city', 'zip'])"}],
            self.span_for("address"))

    def transfer_to_human(self) -> dict[str, Any]:
        o, pk = self.a.owner, self.owner_pk
        return self._tool(
            "transfer_to_human_agent", "write", "Hand the conversation to a human agent with a summary.",
            [self._id_param(o, pk), {"name": "summary", "type": "string", "description": "the request, in a sentence"}],
            [{"find": self.owners, "as": f"{o}_row", "where": {pk: pk}, "error": f"No {o} with id {{{pk}}}"},
             {"insert": "handoffs", "as": "handoff", "values": {"handoff_id": "next_id('HND-####')", pk: pk,
                                                              "summary": "summary", "created_at": "now"}},
             {"return": {"handoff_id": "handoff.handoff_id"}}],
            self.span_for("human") or self.span_for("transfer"))

