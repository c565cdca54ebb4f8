"""Whose record a row is: the person a support session is with.

A session stays with one customer, as a real support chat does: every request in it is about
a record of that customer's (or about a shared record nobody owns, such as a catalogue row).
A row's owner is found by following foreign keys up to a person table: a table a read tool finds
one row of by what a person knows (their email, their name and birth date), or, in a domain
without such a tool, a table that refers to no other (the record a session there is about).
"""
from __future__ import annotations

from typing import Any

from ...tools import CompiledDomain
from ...tools.model import FindStep

Owner = tuple[str, str]
"""(person table, key of the person's row)."""


class Owners:
    """Owners of the rows of one compiled domain's initial data."""

    def __init__(self, compiled: CompiledDomain) -> None:
        self.compiled = compiled
        sandbox = compiled.new_sandbox()
        try:
            self.rows = sandbox.dump()
        finally:
            sandbox.close()
        self.refs = {name: [(f.name, *f.foreign_key.split(".", 1)) for f in t.entity.fields if f.foreign_key]
                     for name, t in compiled.tables.items()}
        self.people = _found_by_who(compiled) or {name for name, refs in self.refs.items() if not refs}
        self.found_by = {t: fields for t, fields in _listed_by(compiled).items() if t in self.people}
        """What a customer finds the rows of a person table by (a how-to's records: `owner_email`, a name)."""
        self.owner_email = {t: f for t, fields in self.found_by.items() for f, param in fields.items() if param == "email"}
        """A person table whose rows a customer lists by their email: the person is that email, so one
        customer's records are one owner's."""
        self._referrers: dict[str, dict[str, set[Owner]]] = {}  # table -> key -> owners of rows referring to it

    def of(self, table: str, row: dict[str, Any], depth: int = 0) -> Owner | None:
        """The owner of `row` of `table`, or None for a row no person owns."""
        pk = self.compiled.tables[table].pk
        if table in self.people:
            email = row.get(self.owner_email.get(table, ""))
            return ("email", email.lower()) if isinstance(email, str) and email else (table, str(row.get(pk)))
        if depth > len(self.compiled.tables):
            return None  # a cycle of references: no person at its end
        for field, parent, key in self.refs.get(table, []):
            value = row.get(field)
            if value in (None, ""):
                continue
            found = self._row(parent, key, value)
            if found is not None:
                owner = self.of(parent, found, depth + 1)
                if owner is not None:
                    return owner
        return None

    def _row(self, table: str, key: str, value: Any) -> dict[str, Any] | None:
        rows = self.rows.get(table, {})
        if key == self.compiled.tables[table].pk and str(value) in rows:
            return rows[str(value)]
        return next((r for r in rows.values() if str(r.get(key)) == str(value)), None)

    def allows(self, owner: Owner, table: str, row: dict[str, Any]) -> bool:
        """Whether a session with `owner` may be about this row: theirs, or nobody's that no other
        person's records point to (a payee that someone else's payments go to is theirs, not this
        customer's to ask about; one this customer's payments go to is)."""
        found = self.of(table, row)
        if found is not None:
            return found == owner
        users = self.referred_by(table, row)
        return not users or owner in users

    def referred_by(self, table: str, row: dict[str, Any]) -> set[Owner]:
        """The owners of the rows that refer to `row` by a foreign key."""
        if table not in self._referrers:
            self._referrers[table] = self._index_referrers(table)
        return self._referrers[table].get(str(row.get(self.compiled.tables[table].pk)), set())

    def _index_referrers(self, table: str) -> dict[str, set[Owner]]:
        pk = self.compiled.tables[table].pk
        out: dict[str, set[Owner]] = {}
        for child, refs in self.refs.items():
            for field, parent, key in refs:
                if parent != table or key != pk:
                    continue
                for r in self.rows.get(child, {}).values():
                    owner = self.of(child, r) if r.get(field) not in (None, "") else None
                    if owner is not None:
                        out.setdefault(str(r[field]), set()).add(owner)
        return out


def _found_by_who(compiled: CompiledDomain) -> set[str]:
    """Tables a read tool finds one row of, first thing, by fields other than its key."""
    out = set()
    for tool in compiled.tools.values():
        find = next((s for s in tool.spec.effect or [] if isinstance(s, FindStep)), None)
        if tool.writes or find is None or find.many:
            continue
        table = compiled.tables.get(find.find)
        if table is not None and find.where and table.pk not in find.where:
            out.add(find.find)
    return out


def _listed_by(compiled: CompiledDomain) -> dict[str, dict[str, str]]:
    """Tables a read tool lists rows of by one thing the customer says (their email, the record's
    name), with the field it is matched on and the parameter saying it."""
    out: dict[str, dict[str, str]] = {}
    for tool in compiled.tools.values():
        find = next((s for s in tool.spec.effect or [] if isinstance(s, FindStep)), None)
        if tool.writes or find is None or not find.many or len(find.where) != 1:
            continue
        (field, param), = find.where.items()
        if isinstance(param, str) and param in {p.name for p in tool.spec.parameters}:
            out.setdefault(find.find, {}).setdefault(field, param)
    return out
