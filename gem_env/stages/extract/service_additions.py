"""A record the customer adds themselves, under the rules the text states.

"Submit a meter reading" adds a reading to the customer's account with the value and the date
they took it; "Add a line to your account" adds a line on the plan they choose. The archetype
says what can be added and what the customer gives (`archetypes.Addition`); the text says whether
the service offers it ("Select **Submit a reading**", "Add a line") and its rules, each a
`require` step citing its sentence: "Readings must be submitted within 5 days of the date they
were taken", "A reading lower than the last one cannot be accepted online", "An account can have
at most 5 lines", "no overdue bill". A text that does not speak of adding one gets none of it.
"""
from __future__ import annotations

import re
from typing import Any

from ...text.words import indefinite
from .service_writes import quoted_list
from .service_feature import Feature
from .specialise import _NEGATION, _UNIT_DAYS, _WINDOW, Found, Specialisation

_LOWER = re.compile(r"\b(?:lower|less|smaller)\s+than\s+(?:the|your)\s+(?:last|previous|latest|most\s+recent)\b", re.I)
_AT_MOST = re.compile(r"\b(?:at\s+most|no\s+more\s+than|up\s+to|a\s+maximum\s+of|cannot\s+have\s+more\s+than)\s+"
                      r"(\d{1,2})\s+(\w+?)s?\b", re.I)
_NO_STATE = re.compile(r"\bno\s+(?:\w+\s+){0,2}?(\w+)\s+(\w+?)s?\b", re.I)


def read_addition(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Set `sp.adds` (the sentence offering it) and `sp.addition_rules` when the text speaks of
    adding the archetype's record ("submit a reading", "add a line")."""
    add = arch.addition
    if add is None:
        return
    noun = (sp.child if add.on_child else sp.main) or ""
    said = noun.split("_")[-1]  # "meter_reading" is said "reading"
    offer = re.compile(rf"\b{add.verb}(?:s|ted|ting|ing|ed)?\s+(?:\*\*)?(?:(?:a|an|your|the|new|another|one|\w+)\s+){{0,3}}"
                       rf"{said}s?\b", re.I)
    if not said or not (offer.search(title) or offer.search(text)):
        return
    sp.adds = next((Found(add.verb, s, e, t) for s, e, t in sp.sentences if offer.search(t)), Found(add.verb, 0, 0, ""))
    rules = sp.addition_rules
    for start, end, s in sp.sentences:
        low = s.lower()
        if (w := _WINDOW.search(s)) and said in low:
            rules.setdefault("window", Found(int(w.group(1)) * _UNIT_DAYS[w.group(3).lower()], start, end, s))
        if _LOWER.search(s) and _NEGATION.search(s):
            rules.setdefault("not_lower", Found(True, start, end, s))
        if (m := _AT_MOST.search(s)) and m.group(2).lower() == said:
            rules.setdefault("count", Found(int(m.group(1)), start, end, s))
        for m in _NO_STATE.finditer(s):  # "no overdue bill": a child in that state holds it back
            if sp.child and m.group(2).lower() == sp.child and m.group(1).lower() in arch.child_statuses:
                rules.setdefault("no_child_state", Found(m.group(1).lower(), start, end, s))


def _when(field: str) -> str:
    """How a request says a date it gives: "read on {read_at}" for read_at, else "on {x}"."""
    head = re.sub(r"_(?:at|on|date)$", "", field)
    return f"{head.replace('_', ' ')} on {{{field}}}" if head != field else f"on {{{field}}}"


class Additions:
    """Mixin of `ToolKit` (service_tools.py): the `<verb>_<record>` tool and its workflow."""

    def addition(self) -> bool:
        add = self.a.addition
        return self.sp.adds is not None and add is not None and (self.children is not None or not add.on_child)

    def _added(self) -> tuple[str, str, str]:
        """(noun, table, key) of what is added."""
        if self.a.addition.on_child:
            return self.sp.child, self.children, self.child_pk
        return self.sp.main, self.mains, self.main_pk

    def _given_fields(self) -> list[dict[str, Any]]:
        """The fields the customer gives, as the table has them (a line's plan names from the text)."""
        fields = self.a.child_fields if self.a.addition.on_child else self.entity(self.mains)["fields"]
        by_name = {f["name"]: f for f in fields}
        return [by_name[n] for n in self.a.addition.given if n in by_name]

    def _given_of(self, *types: str) -> str | None:
        """The first field the customer gives of one of these types (the reading's date, its value)."""
        return next((f["name"] for f in self._given_fields() if f.get("type") in types), None)

    def _rules(self, owner: str, main: str | None) -> list[tuple[str, str, Found]]:
        """(condition, message, its sentence) for each rule the text states; `owner` and `main`
        name the rows (or arguments) they read."""
        rules, out = self.sp.addition_rules, []
        noun, table, _ = self._added()
        date, number = self._given_of("date", "datetime"), self._given_of("integer", "number")
        if (w := rules.get("window")) is not None and date:
            out.append((f"days_between({date}, today) <= {w.value}", w.text[:300], w))
        if (low := rules.get("not_lower")) is not None and number and main:
            out.append((f"last_{noun} == null or {number} >= last_{noun}.{number}", low.text[:300], low))
        if (cap := rules.get("count")) is not None and not self.a.addition.on_child:
            ended = [s for s in self.statuses if s in ("closed", "cancelled", "removed")]
            held = f"len([x for x in rows('{table}', {{{self.owner_pk}: {owner}.{self.owner_pk}}}) " \
                   f"if x.status not in {quoted_list(ended)}])"
            out.append((f"{held} < {cap.value}", cap.text[:300], cap))
        if (state := rules.get("no_child_state")) is not None and self.children:
            due = f"sum([count_rows('{self.children}', {{{self.main_pk}: x.{self.main_pk}, status: '{state.value}'}}) " \
                  f"for x in rows('{self.mains}', {{{self.owner_pk}: {owner}.{self.owner_pk}}})])"
            out.append((f"{due} == 0", state.text[:300], state))
        return out

    def addition_tool(self) -> dict[str, Any]:
        add, o = self.a.addition, self.a.owner
        noun, table, key = self._added()
        verb = add.verb
        params = []
        given: dict[str, Any] = {}
        for f in self._given_fields():
            t = f.get("type", "string")
            p = {"name": f["name"], "type": {"integer": "integer", "number": "number", "boolean": "boolean"}.get(t, "string"),
                 "description": f.get("description") or f["name"].replace("_", " ") + (" (YYYY-MM-DD)" if t == "date" else "")}
            if f.get("values"):
                p["enum"] = list(f["values"])
            params.append(p)
            given[f["name"]] = f["name"]
        if add.on_child:
            m, row = self.sp.main, f"{self.sp.main}_row"
            allowed = self.changeable_statuses()
            effect: list[dict[str, Any]] = [
                {"find": self.mains, "as": row, "where": {self.main_pk: self.main_pk}, "error": f"No {m} with id {{{self.main_pk}}}"},
                {"require": f"{row}.status in {quoted_list(allowed)}",
                 "message": f"{indefinite(m).capitalize()} that is {{{row}.status}} cannot get a new {noun.replace('_', ' ')}"}]
            date, number = self._given_of("date", "datetime"), self._given_of("integer", "number")
            if date:
                effect.append({"require": f"days_between({date}, today) >= 0",
                               "message": f"{indefinite(noun.replace('_', ' ')).capitalize()} cannot be dated in the future"})
            if "not_lower" in self.sp.addition_rules and number:  # the last one: the latest, the highest that day
                effect.append({"find": table, "as": f"last_{noun}", "where": {self.main_pk: self.main_pk},
                               "order_by": [f"-{date}", f"-{number}"] if date else [f"-{number}"], "optional": True})
            params.insert(0, self._id_param(m, self.main_pk))
            values = {key: f"next_id('{self.pattern(noun)}')", self.main_pk: self.main_pk,
                      "status": f"'{self.a.child_statuses[0]}'", **given}
            owner = None
        else:
            owner = f"{o}_row"
            effect = [{"find": self.owners, "as": owner, "where": {self.owner_pk: self.owner_pk},
                       "error": f"No {o} with id {{{self.owner_pk}}}"}]
            params.insert(0, self._id_param(o, self.owner_pk))
            values = self.new_main_values({**given, **self._priced_like(given)})
        for cond, message, found in self._rules(owner or "", row if add.on_child else None):
            effect.append({"require": cond, "message": " ".join(message.split())})
            self._cite(found)
        made = self._made()  # what the service makes for a new line: its phone number
        effect += [{"insert": table, "as": "added", "values": values},
                   {"return": {key: f"added.{key}", "status": "added.status",
                               **{n: f"added.{n}" for n in [*given, *made]}}}]
        self._cite(self.sp.adds)
        span = {"start": self.sp.adds.start, "end": self.sp.adds.end, "text": self.sp.adds.text} if self.sp.adds.text else None
        whose = f"to {indefinite(self.sp.main)}" if add.on_child else f"for {indefinite(o)}"
        return self._tool(f"{verb}_{noun}", "write", f"{verb.capitalize()} {indefinite(noun.replace('_', ' '))} {whose}.",
                          params, effect, span)

    def _made(self) -> list[str]:
        """Fields of a new main record the service makes and the customer is told (a line's number)."""
        if self.a.addition.on_child:
            return []
        return [f["name"] for f in self.a.main_fields if "faker" in f and f["name"] not in self.a.addition.given]

    def _priced_like(self, given: dict[str, Any]) -> dict[str, Any]:
        """A new line's monthly price: what lines on the same plan pay (the given choice decides it)."""
        chosen = [n for n in given if any(f["name"] == n and f.get("values") for f in self.a.main_fields)]
        out = {}
        for f in self.a.main_fields:
            if f.get("type") == "number" and "default" not in f and not f["name"].endswith("limit") and chosen:
                n, c = f["name"], chosen[0]
                out[n] = f"coalesce(first([x.{n} for x in rows('{self.mains}', {{}}) if x.{c} == {c}]), 0)"
        return out

    def addition_flow(self) -> dict[str, Any]:
        add = self.a.addition
        noun, _, key = self._added()
        fields = self._given_fields()
        knows: dict[str, str] = {}
        words = []
        for f in fields:
            n, t = f["name"], f.get("type", "string")
            if f.get("values"):
                knows[n] = f"{quoted_list([str(v) for v in f['values']])}[len(row.email) % {len(f['values'])}]" \
                    if not add.on_child else f"'{f['values'][0]}'"
            elif t in ("date", "datetime"):
                knows[n] = "add_days(today, -1)"
            elif t in ("integer", "number"):  # the last reading plus some use
                past = f"[x.{n} for x in rows('{self.children}', {{{self.main_pk}: row.{self.main_pk}}})]" \
                    if add.on_child else "[]"
                knows[n] = f"coalesce(max({past}), 1000) + 150 + len(row.{self.main_pk}) * 37"
            else:
                continue
            words.append(n)
        said = " ".join(["of {%s}" % words[0]] + [_when(w) for w in words[1:]]) if words else ""
        if add.on_child:
            m = self.sp.main
            conds = [f"row.status in {quoted_list(self.changeable_statuses())}"]
            knows.update({"email": self._email_of_main(), self.main_pk: f"row.{self.main_pk}"})
            steps = [{"use": "identify"},
                     {"tool": f"get_{m}_details", "args": {self.main_pk: {"user": self.main_pk}}, "as": "details"},
                     {"tool": f"{add.verb}_{noun}", "as": "added",
                      "args": {self.main_pk: {"user": self.main_pk}, **{w: {"user": w} for w in words}}}]
            goal = f"{add.verb} a {noun.split('_')[-1]} {said} for my {m} {{{self.main_pk}}}"
            anchor = self.mains
        else:
            rules = self._rules("row", None)
            conds = [c for c, _, _ in rules]
            knows["email"] = "row.email"
            steps = [{"use": "identify"},
                     {"tool": f"{add.verb}_{noun}", "as": "added",
                      "args": {self.owner_pk: {"result": f"owner.{self.owner_pk}"}, **{w: {"user": w} for w in words}}}]
            goal = f"{add.verb} a new {noun} " + " ".join(f"on the {{{w}}} {w.split('_')[0]}" if f.get("values") else f"with {{{w}}}"
                                                        for w, f in zip(words, fields))
            anchor = self.owners
        return {"name": f"{add.verb}_{noun}", "category": add.verb, "goal": goal.strip(),
                "anchor": {"table": anchor, **({"filter": " and ".join(conds)} if conds else {})},
                "knows": knows, "steps": steps,
                "tells": {key: f"added.{key}", **{n: f"added.{n}" for n in self._made()}}}


ADDITIONS = Feature("additions", Additions, read=read_addition, on=Additions.addition,
                    writes=lambda kit: [kit.addition_tool()], flows=lambda kit: [kit.addition_flow()])

__all__ = ["ADDITIONS", "Additions", "read_addition"]
