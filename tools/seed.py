"""Seed rows for a domain's tables: Faker with a fixed seed and the domain's frozen clock.

Tables are filled parents first so foreign keys always point at existing rows. Nothing here reads
the wall clock or global random state: dates come from `range` or a window before the domain's
clock, and Faker providers that read the clock are refused.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import threading
from typing import Any

from faker import Faker

from .errors import CompileError
from .model import Domain, Entity, EntityField, FakerSpec
from .tables import Table

_CLOCK_PROVIDERS = re.compile(r"date|time|year|month|day|century|past|future|unix|iso8601")
_BY_NAME = [  # (field-name pattern, faker provider) for string fields without an explicit source
    (r"email", "email"), (r"first_?name", "first_name"), (r"last_?name", "last_name"),
    (r"(^|_)name$|full_?name", "name"), (r"phone", "phone_number"), (r"city", "city"),
    (r"zip|postal|postcode", "postcode"), (r"country", "country"), (r"state$", "state_abbr"),
    (r"street|address", "street_address"), (r"company|employer", "company"),
    (r"description|note|comment|reason|message", "sentence"), (r"title", "catch_phrase"),
    (r"url|website", "url"), (r"user_?name|login", "user_name"), (r"currency", "currency_code"),
    (r"iban", "iban"), (r"color|colour", "color_name"), (r"job", "job"),
]


def _topological(domain: Domain) -> list[Entity]:
    order: list[Entity] = []
    done: set[str] = set()
    visiting: set[str] = set()
    by_name = {e.name: e for e in domain.entities}

    def visit(e: Entity) -> None:
        if e.name in done:
            return
        if e.name in visiting:  # a cycle: the back-reference must be nullable, filled later or null
            return
        visiting.add(e.name)
        for f in e.fields:
            if f.foreign_key:
                parent = by_name[f.foreign_key.split(".", 1)[0]]
                if parent.name != e.name:
                    visit(parent)
        visiting.discard(e.name)
        done.add(e.name)
        order.append(e)

    for e in domain.entities:
        visit(e)
    return order


_local = threading.local()


def _faker(seed: int) -> Faker:
    """One Faker per thread (building one costs milliseconds), reseeded for every domain."""
    fake = getattr(_local, "faker", None)
    if fake is None:
        fake = _local.faker = Faker("en_US")
    fake.seed_instance(seed)
    return fake


class _Seeder:
    def __init__(self, domain: Domain, seed: int):
        self.domain = domain
        self.rng = random.Random(seed)
        self.fake = _faker(seed)
        self.clock = dt.datetime.fromisoformat(domain.clock)
        self.keys: dict[str, list[Any]] = {}

    def rows(self, e: Entity) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: dict[str, set] = {f.name: set() for f in e.fields if f.unique or f.name == e.primary_key}
        for i in range(e.rows):
            row = {}
            for f in e.fields:
                value = self.value(e, f, i)
                if f.name in seen:
                    tries = 0
                    while value in seen[f.name]:
                        tries += 1
                        if tries > 200:
                            raise CompileError(f"entities ({e.name}).{f.name}: cannot make {e.rows} unique "
                                               "values; widen its values/range/faker pattern or lower rows")
                        value = self.value(e, f, i)
                    seen[f.name].add(value)
                row[f.name] = value
            out.append(row)
        self.keys[e.name] = [r[e.primary_key] for r in out]
        return out

    def value(self, e: Entity, f: EntityField, i: int) -> Any:
        where = f"entities ({e.name}).{f.name}"
        if f.values is not None:
            if not f.values:
                raise CompileError(f"{where}: values is empty")
            if f.weights is not None and len(f.weights) != len(f.values):
                raise CompileError(f"{where}: weights and values differ in length")
            return self.rng.choices(f.values, weights=f.weights)[0]
        if f.range is not None:
            return self._in_range(f, where)
        if f.foreign_key:
            parent_keys = self.keys.get(f.foreign_key.split(".", 1)[0])
            if not parent_keys:
                if f.nullable:
                    return None
                raise CompileError(f"{where}: refers to {f.foreign_key} which has no rows")
            return self.rng.choice(parent_keys)
        if f.faker is not None:
            return self._faker(f.faker, where)
        if f.default is not None:
            return f.default
        return self._by_type(e, f, i)

    def _in_range(self, f: EntityField, where: str) -> Any:
        lo, hi = f.range  # type: ignore[misc]
        if f.type == "integer":
            return self.rng.randint(int(lo), int(hi))
        if f.type == "number":
            return round(self.rng.uniform(float(lo), float(hi)), 2)
        if f.type in ("date", "datetime"):
            try:
                a, b = dt.datetime.fromisoformat(str(lo)), dt.datetime.fromisoformat(str(hi))
            except ValueError:
                raise CompileError(f"{where}: range needs ISO dates, got {f.range}") from None
            return self._between(f, a, b)
        raise CompileError(f"{where}: range is for integer, number, date or datetime fields")

    def _between(self, f: EntityField, a: dt.datetime, b: dt.datetime) -> str:
        seconds = max(0, int((b - a).total_seconds()))
        t = a + dt.timedelta(seconds=self.rng.randint(0, seconds))
        return t.date().isoformat() if f.type == "date" else t.replace(microsecond=0).isoformat()

    def _faker(self, spec: str | FakerSpec, where: str) -> Any:
        provider, args = (spec, {}) if isinstance(spec, str) else (spec.provider, spec.args)
        if _CLOCK_PROVIDERS.search(provider):
            raise CompileError(f"{where}: faker provider '{provider}' reads the clock; use a date or "
                               "datetime field with a range instead")
        fn = getattr(self.fake, provider, None)
        if provider.startswith("_") or not callable(fn):
            raise CompileError(f"{where}: unknown faker provider '{provider}'")
        try:
            return fn(**args)
        except Exception as err:  # a provider's own argument checks
            raise CompileError(f"{where}: faker provider '{provider}' failed: {err}") from None

    def _by_type(self, e: Entity, f: EntityField, i: int) -> Any:
        t = f.type
        if t == "integer":
            return i + 1 if f.name == e.primary_key else self.rng.randint(1, 100)
        if t == "number":
            return round(self.rng.uniform(1, 500), 2)
        if t == "boolean":
            return self.rng.random() < 0.5
        if t == "date":
            return self._between(f, self.clock - dt.timedelta(days=365), self.clock)
        if t == "datetime":
            return self._between(f, self.clock - dt.timedelta(days=365), self.clock)
        if t == "json":
            return {}
        if f.name == e.primary_key or f.unique:
            prefix = re.sub(r"[^A-Z]", "", e.name.upper())[:3] or "ID"
            return self.fake.bothify(f"{prefix}-#####")
        for pattern, provider in _BY_NAME:
            if re.search(pattern, f.name, re.IGNORECASE):
                return getattr(self.fake, provider)()
        return self.fake.word()


def seed_rows(domain: Domain, tables: dict[str, Table], seed: int,
              given: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
    """Rows for every table, parents first; `given` tables are taken as they are (e.g. imported data)."""
    seeder = _Seeder(domain, seed)
    out: dict[str, list[dict]] = {}
    for e in _topological(domain):
        if given and e.name in given:
            rows = given[e.name]
            seeder.keys[e.name] = [r.get(e.primary_key) for r in rows]
        else:
            rows = seeder.rows(e)
        out[e.name] = rows
    return out
