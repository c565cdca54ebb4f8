"""Read tools of a specialised archetype: lookups that return projections, joined where natural."""
from __future__ import annotations

import re
from typing import Any

from ...text.words import indefinite
from .specialise import STARTED


_TERMS = re.compile(r"fee|apr$|_rate$|deposit|minimum|yield")
"""What a catalog entry's terms are called: what it costs and takes (an annual fee, an APR, an opening deposit)."""


def _fields(entity: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    return [f["name"] for f in entity["fields"] if f["name"] not in skip]


class ReadTools:
    """Mixin of `ToolKit` (service_tools.py): the read tools."""

    def entity(self, name: str) -> dict[str, Any]:
        if not hasattr(self, "_entities"):
            self._entities = self.entities()
        return next(e for e in self._entities if e["name"] == name)

    def read_tools(self) -> list[dict[str, Any]]:
        out = [self.find_owner_by_email(), self.find_owner_by_name_zip(),
               self.get_owner_details(), self.get_main_details()]
        if self.children:
            out.append(self.list_children())
        if self.catalogs:
            out.append(self.get_catalog_details())
            out.append(self.search_catalog() if "search_catalog" in self.a.extras else self.list_catalog())
        out += [t for f in self.features() for t in f.reads(self)]
        if self.requests:
            out.append(self.get_request_status())
        return out

    def held_list(self, profile: bool = False) -> str:
        """The owner's records as their profile lists them: id and status, and the kind (checking,
        savings) where a rule over the owner's other records reads it ("no linked business savings
        accounts that are still OPEN"); and, in the `profile` (which opening one reads before it), the
        kind and the date each was opened where opening one needs one held that long, so the rule can
        be seen from the list (not in what finding the customer shows: the assistant would find them
        again to see their accounts after a change; nor a balance: "an existing checking account with
        a balance of at least $100" is seen by opening them, and which has the most is a question of
        its own)."""
        kind = self.a.opening.kind_field if self.a.opening else None
        named = kind is not None and any(f.value[0] is not None or f.value[3] is not None  # type: ignore[index]
                                          for held in self.sp.others_held.values() for f in held)
        # "must already have at least one active checking account ... held for at least 14 days": the
        # kind and the date each was opened on, where opening one needs such an account
        holds = [f.value for f in self.sp.eligibility if f.value[0] in ("holds", "held_for")] \
            if profile and self.opening() else []
        named = named or kind is not None and any(v[-1] is not None for v in holds)
        more = f", {kind}: x.{kind}" if named else ""
        start = next((n for n in STARTED if any(f["name"] == n and f.get("type") == "date" for f in self.a.main_fields)), None)
        if start and any(v[0] == "held_for" for v in holds):
            more += f", {start}: x.{start}"
        return f"[{{{self.main_pk}: x.{self.main_pk}, status: x.status{more}}} for x in held]"

    def find_owner_by_email(self) -> dict[str, Any]:
        o, pk = self.a.owner, self.owner_pk
        return self._tool(
            f"find_{o}_by_email", "read", f"Find a {o} by email; returns their id, name and {self.mains}.",
            [{"name": "email", "type": "string", "description": f"the {o}'s email address"}],
            [{"find": self.owners, "as": o, "where": {"email": "email"}, "nocase": ["email"],
              "error": f"No {o} with email {{email}}"},
             {"find": self.mains, "as": "held", "many": True, "where": {pk: f"{o}.{pk}"}},
             {"return": {pk: f"{o}.{pk}", "first_name": f"{o}.first_name", "last_name": f"{o}.last_name",
                         self.mains: self.held_list()}}],
            self.span_for(o, "email") or self.span_for("email"))

    def find_owner_by_name_zip(self) -> dict[str, Any]:
        """Who the customer is when they do not have their email to hand (as a support desk asks:
        their name and zip code); the same reply as by email, with the email."""
        o, pk = self.a.owner, self.owner_pk
        return self._tool(
            f"find_{o}_by_name_zip", "read",
            f"Find a {o} by first name, last name and zip code; returns their id, name, email and {self.mains}.",
            [{"name": "first_name", "type": "string", "description": f"the {o}'s first name"},
             {"name": "last_name", "type": "string", "description": f"the {o}'s last name"},
             {"name": "zip", "type": "string", "description": "zip or postal code"}],
            [{"find": self.owners, "as": o, "where": {"first_name": "first_name", "last_name": "last_name", "zip": "zip"},
              "nocase": ["first_name", "last_name"], "error": f"No {o} with that name and zip code"},
             {"find": self.mains, "as": "held", "many": True, "where": {pk: f"{o}.{pk}"}},
             {"return": {pk: f"{o}.{pk}", "first_name": f"{o}.first_name", "last_name": f"{o}.last_name",
                         "email": f"{o}.email",
                         self.mains: self.held_list()}}],
            self.span_for("zip") or self.span_for(o, "name") or self.span_for(o))

    def get_owner_details(self) -> dict[str, Any]:
        o, pk = self.a.owner, self.owner_pk
        shown = _fields(self.entity(self.owners))
        return self._tool(
            f"get_{o}_details", "read", f"A {o}'s profile and their {self.mains} with status.",
            [self._id_param(o, pk)],
            [{"find": self.owners, "as": o, "where": {pk: pk}, "error": f"No {o} with id {{{pk}}}"},
             {"find": self.mains, "as": "held", "many": True, "where": {pk: pk}},
             {"return": {**{f: f"{o}.{f}" for f in shown},
                         self.mains: self.held_list(profile=True)}}],
            self.span_for(o, "profile") or self.span_for(o, "account"))

    def get_main_details(self) -> dict[str, Any]:
        m, pk = self.sp.main, self.main_pk
        shown = {f: f"{m}_row.{f}" for f in _fields(self.entity(self.mains), ("status_reason",))}
        effect: list[dict[str, Any]] = [{"find": self.mains, "as": f"{m}_row", "where": {pk: pk},
                                         "error": f"No {m} with id {{{pk}}}"}]
        if self.children:
            d = self.child_date()
            effect.append({"find": self.children, "as": "recent", "many": True, "where": {pk: pk},
                           "order_by": [f"-{d}"] if d else [], "limit": 5})
            keep = [self.child_pk, "status"] + [f["name"] for f in self.a.child_fields][:3]
            shown[f"recent_{self.children}"] = "[{" + ", ".join(f"{k}: c.{k}" for k in keep) + "} for c in recent]"
        if self.catalogs and not self.children:  # the entry it is of, not how many of it are left
            shown[self.sp.catalog] = f"project(lookup('{self.catalogs}', {m}_row.{self.catalog_pk}), " \
                                     f"{_fields(self.entity(self.catalogs), (self.units() or '', self.owner_pk))!r})"
        effect.append({"return": shown})
        return self._tool(f"get_{m}_details", "read", f"A {m}'s details"
                          + (f" with its latest {self.children}." if self.children else "."),
                          [self._id_param(m, pk)], effect, self.span_for(m))

    def list_children(self) -> dict[str, Any]:
        m, c = self.sp.main, self.sp.child
        d = self.child_date()
        keep = [f["name"] for f in self.entity(self.children)["fields"]]
        return self._tool(
            f"list_{m}_{self.children}", "read", f"The {self.children} of a {m}, newest first; optionally by status.",
            [self._id_param(m, self.main_pk),
             {"name": "status", "type": "string", "enum": list(self.a.child_statuses), "required": False,
              "description": f"only {self.children.replace('_', ' ')} in this status"}],
            [{"find": self.mains, "as": f"{m}_row", "where": {self.main_pk: self.main_pk},
              "error": f"No {m} with id {{{self.main_pk}}}"},  # an id that is none: an error, not []
             {"find": self.children, "as": "found", "many": True, "where": {self.main_pk: self.main_pk},
              "filter": "status == null or found.status == status", "order_by": [f"-{d}"] if d else []},
             {"return": f"project(found, {keep!r})"}],
            self.span_for(c) or self.span_for(m, c))

    def get_catalog_details(self) -> dict[str, Any]:
        """An entry's details; a directory's without its owner, as its list shows them (whose
        contact it is goes without saying, and what a list showed whole is not opened again)."""
        k, pk = self.sp.catalog, self.catalog_pk
        shown: Any = {f: f"{k}_row.{f}" for f in _fields(self.entity(self.catalogs), (self.owner_pk,))} \
            if self.directory() else f"{k}_row"
        return self._tool(
            f"get_{k}_details", "read", f"A {k}'s details.", [self._id_param(k, pk)],
            [{"find": self.catalogs, "as": f"{k}_row", "where": {pk: pk}, "error": f"No {k} with id {{{pk}}}"},
             {"return": shown}], self.span_for(k))

    def list_catalog(self) -> dict[str, Any]:
        """Every catalog entry, optionally narrowed by its first enumerated or yes/no field; of a
        directory, the entries of the owner whose id it takes (a customer's saved contacts)."""
        k, o, opk = self.sp.catalog, self.a.owner, self.owner_pk
        shown = self.listed_fields()
        by = next((f for f in self.a.catalog_fields if f.get("values") or f.get("type") == "boolean"), None)
        params: list[dict[str, Any]] = []
        effect: list[dict[str, Any]] = []
        find: dict[str, Any] = {"find": self.catalogs, "as": "all_rows", "many": True}
        description = f"The {self.catalogs} on offer (id and main facts)."
        if self.directory():
            params.append(self._id_param(o, opk))
            effect.append({"find": self.owners, "as": o, "where": {opk: opk},  # an id that is none: an error, not []
                           "error": f"No {o} with id {{{opk}}}"})
            find["where"] = {opk: opk}
            description = f"A {o}'s own {self.catalogs} (id and main facts)."
        if by is not None:
            n = by["name"]
            p = {"name": n, "type": "boolean" if by.get("type") == "boolean" else "string", "required": False,
                 "description": f"only {self.catalogs} with this {n.replace('_', ' ')}"}
            if by.get("values"):
                p["enum"] = list(by["values"])
            params.append(p)
            find["filter"] = f"{n} == null or all_rows.{n} == {n}"
        return self._tool(f"list_{self.catalogs}", "read", description, params,
                          [*effect, find, {"return": f"project(all_rows, {shown!r})"}], self.span_for(k))

    def listed_fields(self) -> list[str]:
        """What the catalog's list shows of an entry: its id and main facts."""
        return _fields(self.entity(self.catalogs), (self.owner_pk,))[:4]

    def terms_read(self, pick: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Before a write on the catalog entry the customer chose (`pick`: its id from the list), the
        entry's details read, as a careful agent does, where they hold terms its list does not show
        (an account's monthly fee and opening deposit), and those terms told: (steps, tells). None
        for a directory (a saved contact, shown whole) or an entry the list shows whole."""
        listed = self.listed_fields()
        terms = [f["name"] for f in self.entity(self.catalogs)["fields"] if f["name"] not in listed
                 and f["name"] != self.owner_pk and _TERMS.search(f["name"])] \
            if self.catalogs and not self.directory() and "search_catalog" not in self.a.extras else []
        if not terms:
            return [], {}
        return ([{"tool": f"get_{self.sp.catalog}_details", "args": {self.catalog_pk: {"result": pick}}, "as": "terms"}],
                {f: f"terms.{f}" for f in terms})

    def search_catalog(self) -> dict[str, Any]:
        k = self.sp.catalog
        date = next((f["name"] for f in self.a.catalog_fields if f["type"] == "date"), None)
        params = [{"name": "origin", "type": "string", "description": "city of departure"},
                  {"name": "destination", "type": "string", "description": "city of arrival"}]
        where: dict[str, Any] = {"origin": "origin", "destination": "destination"}
        if date:
            params.append({"name": "date", "type": "string", "required": False, "description": "YYYY-MM-DD"})
        effect = [{"find": self.catalogs, "as": "hits", "many": True, "where": where,
                   "nocase": ["origin", "destination"], **({"filter": f"date == null or hits.{date} == date"} if date else {})},
                  {"return": "hits"}]
        return self._tool(f"search_{self.catalogs}", "read", f"Search {self.catalogs} by origin, destination and date.",
                          params, effect, self.span_for(k))

    def get_request_status(self) -> dict[str, Any]:
        """A request's record by its number, with the id of the customer it is theirs (found along
        what it was filed on: a dispute's charge, its card, the card's holder), as an order's
        details carry its user in tau-bench: a number the customer gives may be someone else's, and
        the assistant tells a record only once it is tied to whom it is talking to."""
        r, pk = self.sp.request, self.request_pk
        steps: list[dict[str, Any]] = [{"find": self.requests, "as": f"{r}_row", "where": {pk: pk},
                                        "error": f"No {r.replace('_', ' ')} {{{pk}}}"}]
        fields = _fields(self.entity(self.requests))
        owner = f"{r}_row.{self.owner_pk}" if self.owner_pk in fields else None
        if owner is None:  # along what it is filed on: an item of a main record, or the main record
            on = self.child_pk if self.child_pk in fields else self.main_pk if self.main_pk in fields else None
            if on == self.child_pk:
                steps.append({"find": self.children, "as": "filed_on_row", "where": {on: f"{r}_row.{on}"}})
                steps.append({"find": self.mains, "as": "held_row", "where": {self.main_pk: f"filed_on_row.{self.main_pk}"}})
            elif on == self.main_pk:
                steps.append({"find": self.mains, "as": "held_row", "where": {on: f"{r}_row.{on}"}})
            owner = f"held_row.{self.owner_pk}" if on else None
        said = ", ".join(f"{f}: {r}_row.{f}" for f in fields if f != self.owner_pk)
        whose = f", {self.owner_pk}: {owner}" if owner else ""
        steps.append({"return": f"compact({{{said}{whose}}})"})
        return self._tool(
            f"get_{r}_status", "read", f"The status of {indefinite(r.replace('_', ' '))} and when we reply.",
            [self._id_param(r, pk)], steps, self.span_for(r))
