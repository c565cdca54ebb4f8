"""Seed rows for a domain's tables: Faker with a fixed seed and the domain's frozen clock.

Tables are filled parents first so foreign keys always point at existing rows. Nothing here reads
the wall clock or global random state: dates come from `range` or a window before the domain's
clock, and Faker providers that read the clock are refused.
"""
from __future__ import annotations

import datetime as dt
import functools
import random
import re
import threading
import zlib
from collections import Counter
from typing import Any

from faker import Faker

from .errors import CompileError, ExprError
from .expr import compile_expr
from .kinds import kind_of
from .model import ByRange, Domain, Entity, EntityField, FakerSpec
from .render import FREE_TEXT
from .tables import Table

_CLOCK_PROVIDERS = re.compile(r"date|time|year|month|day|century|past|future|unix|iso8601")
#: (field-name pattern, faker provider[:its one argument]) for string fields without an explicit
#: source whose head noun says no kind (`kinds.kind_of`); a phone number is stored in one format,
#: as a service's database holds them
_BY_NAME = [
    (r"email", "email"), (r"phone", "numerify:%##-###-####"), (r"city", "city"),
    (r"zip|postal|postcode", "postcode"), (r"country", "country"), (r"state$", "state_abbr"),
    (r"street|address", "street_address"), (r"company|employer", "company"),
    (r"description|note|comment|reason|message", "sentence"), (r"title", "catch_phrase"),
    (r"url|website", "url"), (r"user_?name|login", "user_name"), (r"currency", "currency_code"),
    (r"iban", "iban"), (r"color|colour", "color_name"), (r"job", "job"),
]


_FIRST, _LAST = re.compile(r"(^|_)first_?name$"), re.compile(r"(^|_)last_?name$")
_FULL = re.compile(r"^(full_?)?name$|^(customer|holder|owner|member|patient|passenger|account_holder)_name$")
_EMAIL = re.compile(r"(^|_)email(_address)?$")
_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Jr|Sr)\.?|MD|DDS|DVM|PhD|I{2,3}|IV|V")
"""What Faker puts around a generated full name ("Dr. Valerie Moore", "John Hill MD"): a
customer's record holds their name alone."""
_PERSON_PROVIDERS = {"first_name", "last_name", "name", "email", "safe_email", "free_email"}
_BIRTH = re.compile(r"birth|(^|_)(dob|born)(_|$)")
"""A person's birth date: no event of their record (an account opens after its customer joined,
not after they were born)."""


def _name_part(row: dict[str, Any], pattern: re.Pattern) -> str | None:
    """The value of the row's field whose name `pattern` matches (a first or last name), if a string."""
    return next((v for k, v in row.items() if pattern.search(k) and isinstance(v, str) and v), None)


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


#: how many rows above its share a parent may hold ("share" = rows / parents, rounded up)
_ROOM = 2


class _Seeder:
    def __init__(self, domain: Domain, seed: int):
        self.domain = domain
        self.seed = seed
        self.rng = random.Random(seed)
        self.fake = _faker(seed)
        self.clock = dt.datetime.fromisoformat(domain.clock)
        self.keys: dict[str, list[Any]] = {}
        self.table_rows: dict[str, list[dict[str, Any]]] = {}
        self.entities = {e.name: e for e in domain.entities}
        self._index: dict[str, dict[Any, dict[str, Any]]] = {}  # "table.field" -> value -> row
        self._children: dict[tuple[str, str], Counter] = {}  # (table, foreign key field) -> parent key -> rows
        self._apart: dict[tuple[str, str, Any], set] = {}  # (table, foreign key field, owner) -> keys referred to
        self._decks: dict[tuple[str, str], list[Any]] = {}  # (table, field) -> values still to deal (`_dealt`)
        self._logins: dict[tuple[str, str], set[str]] = {}  # (table, field) -> usernames given (`_agree_login`)

    def rows(self, e: Entity) -> list[dict[str, Any]]:
        """The table's explicit `data` rows (missing fields generated), then its generated rows."""
        out: list[dict[str, Any]] = []
        seen: dict[str, set] = {f.name: set() for f in e.fields if f.unique or f.name == e.primary_key}
        for i, given in enumerate(e.data):
            unknown = set(given) - {f.name for f in e.fields}
            if unknown:
                raise CompileError(f"entities ({e.name}).data[{i}]: unknown field(s) {sorted(unknown)}; "
                                   f"fields: {', '.join(f.name for f in e.fields)}")
            out.append(self._row(e, i, seen, given))
        for i in range(len(e.data), len(e.data) + e.generated_rows):
            out.append(self._row(e, i, seen, {}))
        self.keys[e.name] = [r[e.primary_key] for r in out]
        self.table_rows[e.name] = out
        for f in e.fields:
            if f.every is not None:
                self._cycles(e, f, out, len(e.data))
        for f in e.fields:
            if f.rises_with is not None:
                _rising(e, f, out[len(e.data):])
        for f in e.fields:
            if f.twins is not None:
                self._twins(e, f, out[len(e.data):])
        return out

    def _twins(self, e: Entity, f: EntityField, rows: list[dict[str, Any]]) -> None:
        """`twins`: a share of the generated rows (at least one where a parent row holds two) made a
        repeat of another row of the same parent row (the table's first foreign key): the fields
        `same` copied from it and this date a few hours to `days` days after it, on another day (before
        it where that is past the clock), within the repeat's own window (its status's, after its parents began),
        so a pending charge stays days old and a posted one is no newer than the clock. A card
        charged twice by one merchant, as a duplicate-charge dispute is about. Drawn from the
        table's own random stream, so the tables after it are seeded as before."""
        spec = f.twins
        assert spec is not None
        fk = next(x.name for x in e.fields if x.foreign_key)
        rng = random.Random(f"{self.seed}:{e.name}:{f.name}:twins")
        groups: dict[Any, list[dict[str, Any]]] = {}
        for r in rows:
            if r.get(fk) is not None and _date(r.get(f.name)) is not None:
                groups.setdefault(r[fk], []).append(r)
        keys = sorted((k for k, g in groups.items() if len(g) > 1), key=str)
        rng.shuffle(keys)
        want, made = max(1, round(len(rows) * spec.share)), 0
        for k in keys:
            if made >= want:
                break
            pairs = [(s, r) for s in groups[k] for r in groups[k] if s is not r]
            rng.shuffle(pairs)
            for s, r in pairs:
                when = self._twin_date(e, f, s, r, spec.days, rng)
                if when is not None:
                    for name in spec.same:
                        r[name] = s[name]
                    r[f.name] = when
                    made += 1
                    break

    def _twin_date(self, e: Entity, f: EntityField, s: dict[str, Any], r: dict[str, Any], days: int,
                   rng: random.Random) -> str | None:
        """A date for `r` repeating `s`: up to `days` days after `s`'s, on a day of its own (or before,
        where after falls outside `r`'s window), inside `r`'s window and after the rows it refers to began; None when
        neither fits."""
        parents = [p for x in e.fields if x.foreign_key and r.get(x.name) is not None
                   and (p := self._parent_row(x.foreign_key, r[x.name])) is not None]
        bounds = self._bounds(e, f, parents, r)
        if bounds is None:
            return None
        day = f.type == "date"
        a, b = _date(bounds[0], day), _date(bounds[1], day)
        begun = _date(self._latest_parent_date(parents), day) if parents else None
        lo = max(x for x in (a, begun) if x is not None)  # type: ignore[type-var]
        base = _date(s[f.name], day)
        step = dt.timedelta(days=rng.randint(1, days)) if day else dt.timedelta(minutes=rng.randint(60, days * 24 * 60))
        # on another day than `s`: what a person tells the two apart by ("the one posted on December 25")
        one = dt.timedelta(days=1)
        later, earlier = base + step, base - step  # type: ignore[operator]
        later += one if later.date() == base.date() else dt.timedelta(0)  # type: ignore[union-attr]
        earlier -= one if earlier.date() == base.date() else dt.timedelta(0)  # type: ignore[union-attr]
        for when in (later, earlier):
            if lo <= when <= min(b, self.clock):  # type: ignore[operator]
                return when.date().isoformat() if day else when.replace(second=0, microsecond=0).isoformat()
        return None

    def _cycles(self, e: Entity, f: EntityField, rows: list[dict[str, Any]], given: int) -> None:
        """`every`: the generated rows of one parent row (the table's first foreign key) moved onto
        its cycle days (when it began + k * every days; `every` an expression over the parent row
        where the period is its own: a biweekly plan's installments; before `until`, where it says
        when they end: a plan's term), one row a cycle: a line's
        bills a month apart on its billing day, not days apart. The rows whose window ends first
        choose first (an overdue bill before a paid one); each takes the latest free cycle day on or
        before its drawn date, else the latest before its window ends (and, for a window ahead of
        the clock, not before it begins: a scheduled installment stays ahead); a row its parent has
        no cycle left for goes to another parent row (one its other keys agree with) that has, and
        where none has, the row is not seeded (lines too new for so many bills). Nothing is drawn,
        so the tables after it are seeded as before."""
        fk = next(x for x in e.fields if x.foreign_key)
        table, key = fk.foreign_key.split(".", 1)  # type: ignore[union-attr]
        taken: dict[Any, set[int]] = {}
        began: dict[Any, tuple[dt.datetime, int] | None] = {}
        last: dict[Any, int | None] = {}  # the parent row's last cycle before `until`, if it says
        period = compile_expr(f.every) if isinstance(f.every, str) else None
        until = compile_expr(f.until) if f.until else None

        def cycles(parent_key: Any) -> tuple[dt.datetime, int] | None:
            """(when the parent row began, its period in days)."""
            if parent_key not in began:
                parent = self._parent_row(fk.foreign_key, parent_key)  # type: ignore[arg-type]
                start = _date(self._latest_parent_date([parent]), True) if parent else None
                seeded = _Seeded(self.domain, self.table_rows)
                days = f.every if period is None else period(parent[1], seeded) if parent else None
                began[parent_key] = (start, int(days)) if start is not None and isinstance(days, (int, float)) \
                    and not isinstance(days, bool) and days >= 1 else None  # type: ignore[assignment]
                ends = _date(until(parent[1], seeded), True) if until is not None and parent else None
                last[parent_key] = ((ends - start).days - 1) // int(days) \
                    if ends is not None and began[parent_key] is not None else None  # type: ignore[operator]
            return began[parent_key]

        def free(parent_key: Any, drawn: dt.datetime, window: tuple[dt.datetime, dt.datetime]) -> int | None:
            got = cycles(parent_key)
            if got is None:
                return None
            start, every = got
            top = (window[1] - start).days // every
            if last[parent_key] is not None:  # the parent's cycles end (a plan's term is over)
                top = min(top, last[parent_key])  # type: ignore[type-var]
            low = max(0, -(-(window[0] - start).days // every)) if window[0] > self.clock else 0
            if top < low:
                return None
            want = min(top, max(low, (drawn - start).days // every))
            used = taken.setdefault(parent_key, set())
            return next((c for c in [*range(want, low - 1, -1), *range(want + 1, top + 1)] if c not in used), None)

        placed, dropped = [], set()
        for r in rows[given:]:
            drawn = _date(r.get(f.name))
            if drawn is None or r.get(fk.name) is None:
                continue
            parents = [p for x in e.fields if x.foreign_key and r.get(x.name) is not None
                       and (p := self._parent_row(x.foreign_key, r[x.name])) is not None]
            bounds = self._bounds(e, f, parents, r)
            placed.append((bounds or (drawn, self.clock), drawn, r, parents))
        placed.sort(key=lambda p: (p[0][1], -p[1].timestamp()))
        for ends, drawn, r, parents in placed:
            k = free(r[fk.name], drawn, ends)
            if k is None:  # another parent row, one the row's other keys agree with, that has a cycle left
                others = [(pe, pr) for pe, pr in parents if pe.name != table or pr.get(key) != r[fk.name]]
                known = {k_: v for k_, v in _known(others).items() if not k_.startswith(f"{table}.")}
                now = self._parent_row(fk.foreign_key, r[fk.name])  # type: ignore[arg-type]
                follows = [b.partition(".")[2] for x in e.fields for b in (x.by or {}) if b.startswith(f"{fk.name}.")]
                pool = sorted([p for p in _agreeing(self.entities[table], self.table_rows.get(table, []), known)
                               if now is None or all(p.get(x) == now[1].get(x) for x in follows)],
                              key=lambda p: zlib.crc32(f"{p.get(key)}:{r.get(e.primary_key)}".encode()))
                moved = next((p[key] for p in pool if free(p[key], drawn, ends) is not None), None)
                if moved is None:  # no parent row has a cycle left for it: not seeded
                    dropped.add(id(r))
                    continue
                r[fk.name] = moved
                k = free(moved, drawn, ends)
            taken[r[fk.name]].add(k)  # type: ignore[arg-type]
            start, every = began[r[fk.name]]  # type: ignore[misc]
            r[f.name] = (start + dt.timedelta(days=k * every)).date().isoformat()
        if dropped:
            rows[:] = [r for r in rows if id(r) not in dropped]
            self.keys[e.name] = [r[e.primary_key] for r in rows]

    def _row(self, e: Entity, i: int, seen: dict[str, set], given: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        parents: list[tuple[Entity, dict[str, Any]]] = []  # rows this one refers to, for consistency
        followed: set[str] = set()  # fields set by `by` from a field seeded before them
        for f in e.fields:
            if f.name in given:
                value = given[f.name]
                if f.name in seen and value in seen[f.name]:
                    raise CompileError(f"entities ({e.name}).data[{i}]: {f.name} {value!r} is not unique")
            elif f.by and next(iter(f.by)).partition(".")[0] in row:  # (or the foreign key "order_id.status" reads)
                value = self._by(e, f, row)
                followed.add(f.name)
            elif f.by and not f.own_source():
                value = None  # set below, from the field it follows
            else:
                value = self._fresh(e, f, i, parents, row)
                tries = 0
                while f.name in seen and value in seen[f.name]:
                    tries += 1
                    if tries > 200:
                        raise CompileError(f"entities ({e.name}).{f.name}: cannot make {e.generated_rows} unique "
                                           "values; widen its values/range/faker pattern or lower rows")
                    value = self._fresh(e, f, i, parents, row)
            if f.name in seen:
                seen[f.name].add(value)
            if f.foreign_key and value is not None:
                parent = self._parent_row(f.foreign_key, value)
                if parent is not None:
                    parents.append(parent)
            row[f.name] = value
        for f in e.fields:  # a value that follows a field seeded after it
            if f.by and f.name not in given and f.name not in followed:
                row[f.name] = self._by(e, f, row)
        for f in e.fields:  # what the referred row already says (an item's product name is its product's)
            if f.same_as and f.name not in given:
                referred = self._followed(e, f.same_as, row)
                if referred is not None:
                    row[f.name] = referred
        dated = [f for f in e.fields if f.type in ("date", "datetime") and f.name not in given and f.name not in seen]
        begun = self._latest_parent_date(parents) if parents and dated else None
        if begun is not None:
            begun = self._fit_cases(e, i, row, given, seen, parents, begun)
        for f in dated:  # dates in their order, whatever their source (a unique one is left as drawn)
            self._in_order(e, f, parents, row, begun)
        self._agree_person(e, row, given, seen)
        self._agree_login(e, i, row, given, seen, parents)
        return row

    def _fit_cases(self, e: Entity, i: int, row: dict[str, Any], given: dict[str, Any], seen: dict[str, set],
                   parents: list[tuple[Entity, dict[str, Any]]], begun: dt.datetime) -> dt.datetime:
        """A row whose status puts a date in a window that ends before a row it refers to began
        refers to another such row that began in time (an overdue bill of a line that started
        last week goes to an older line), else takes another allowed status whose window fits (a
        card issued two days ago has pending charges, not posted ones from last month); the fields
        that follow what changed are drawn again. The new draws come from the row's own random
        stream, so the rows after it are seeded as before. Left as it is where neither fits
        (`_in_order` then lets the window win). Returns when the rows it now refers to began."""
        for f in e.fields:
            if not f.by or f.name in given:
                continue
            (other, cases), = f.by.items()
            if "." in other or other in given or other in seen:
                continue
            day = f.type == "date"
            ends = _window_end(cases.get(str(row.get(other))), day)
            if ends is None or ends >= _date(begun, day):  # type: ignore[operator]
                continue
            rng = random.Random(f"{self.seed}:{e.name}:{i}:{other}")
            moved = self._refer_earlier(e, row, given, seen, parents, ends, day, rng)
            begun = self._latest_parent_date(parents)  # type: ignore[assignment]
            if moved:
                continue
            starts = _date(begun, day)
            fitting = [v for v in self._allowed(e, other, row)
                       if (end := _window_end(cases.get(str(v)), day)) is not None and end >= starts]  # type: ignore[operator]
            if not fitting:
                continue
            saved, self.rng = self.rng, rng
            try:
                row[other] = self.rng.choice(fitting)
                for g in e.fields:
                    if g.by and next(iter(g.by)) == other and g.name not in given:
                        row[g.name] = self._by(e, g, row)
            finally:
                self.rng = saved
        return begun

    def _refer_earlier(self, e: Entity, row: dict[str, Any], given: dict[str, Any], seen: dict[str, set],
                       parents: list[tuple[Entity, dict[str, Any]]], ends: dt.datetime, day: bool,
                       rng: random.Random) -> bool:
        """Point each foreign key whose row began after `ends` at another row that began by then,
        among those the other rows referred to agree with and that the key may be about, one holding
        fewer than its share of rows where there is one (as `_foreign_key` chooses); `parents`
        follows. A key some field of the row reads through (a charge's status follows its card's)
        moves only to a row alike in what is read (a posted charge of a closed card to an older
        closed card); not one the other rows referred to fix. Whether every such key now refers to a
        row that began in time."""
        for at, (pe, prow) in enumerate(parents):
            start = _date(min(self._past_dates(pe, prow), default=None), day)
            if start is None or start <= ends:
                continue
            key = pe.primary_key
            g = next((x for x in e.fields if x.foreign_key == f"{pe.name}.{key}" and row.get(x.name) == prow[key]), None)
            if g is None or g.name in given or g.name in seen:
                return False
            through = {read.partition(".")[2] for x in e.fields
                       for read in (next(iter(x.by)) if x.by else "", x.same_as or "") if read.startswith(g.name + ".")}
            known = _known(parents[:at] + parents[at + 1:])
            if g.foreign_key in known:
                return False
            candidates = self.table_rows.get(pe.name, [])
            children, cap = self._room(e, g, candidates)
            earlier = [r for r in _agreeing(pe, candidates, known)
                       if _among(g, r) and all(r.get(x) == prow.get(x) for x in through)
                       and (b := _date(min(self._past_dates(pe, r), default=None), day)) is not None and b <= ends]
            earlier = [r for r in earlier if children[r[key]] < cap] or earlier  # one over its share, if need be
            apart = [h.name for h in e.fields if h.apart_by == g.name and row.get(h.name) is not None]
            # (an owner the row's `apart_by` keys keep apart from: one who holds none of them yet)
            earlier = [r for r in earlier if not any(row[h] in self._apart.get((e.name, h, r[key]), ()) for h in apart)] \
                or earlier
            if not earlier:
                return False
            chosen = rng.choice(earlier)
            children[prow[key]] -= 1
            children[chosen[key]] += 1
            for h in apart:  # what the row refers to is now the new owner's
                self._apart.get((e.name, h, prow[key]), set()).discard(row[h])
                self._apart.setdefault((e.name, h, chosen[key]), set()).add(row[h])
            row[g.name] = chosen[key]
            parents[at] = (pe, chosen)
        return True

    def refer_in_time(self, e: Entity, f: EntityField, row: dict[str, Any], i: int) -> None:
        """A derived date that falls before a row the row refers to began (a loan borrowed 63 days
        before its due date, by a member who joined last month) moves the row to another that began
        by then, as `_refer_earlier` does; left as it is where none did. Drawn from the row's own
        random stream."""
        day = f.type == "date"
        when = _date(row.get(f.name), day)
        parents = [p for x in e.fields if x.foreign_key and row.get(x.name) is not None
                   and (p := self._parent_row(x.foreign_key, row[x.name])) is not None]
        begun = _date(self._latest_parent_date(parents), day) if parents else None
        if when is not None and begun is not None and begun > when:
            self._refer_earlier(e, row, {}, {}, parents, when, day, random.Random(f"{self.seed}:{e.name}:{i}:{f.name}"))

    def _allowed(self, e: Entity, name: str, row: dict[str, Any]) -> list[Any]:
        """The values a field of the row may take: those its `by` case lists for what it follows,
        else its `values` (none for a field drawn otherwise)."""
        f = next((x for x in e.fields if x.name == name), None)
        if f is None or f.values is None:
            return []
        if f.by:
            (other, cases), = f.by.items()
            case = cases.get(str(self._followed(e, other, row)))
            if isinstance(case, ByRange):
                return []
            if case:
                return list(case)
        return list(f.values)

    def _by(self, e: Entity, f: EntityField, row: dict[str, Any]) -> Any:
        """The value of a field that follows another field of its row (a frozen card's reason, a
        completed visit's past date); the field's own source where its case is not given (a
        foreign key: a row it may refer to)."""
        (other, cases), = f.by.items()  # type: ignore[union-attr]
        case = cases.get(str(self._followed(e, other, row)))
        if isinstance(case, ByRange):
            return self._in_range(f, f"entities ({e.name}).{f.name}.by.{other}", case.range)
        if case:
            return self.rng.choice(case)
        return self.value(e, f, 0) if f.own_source() or f.foreign_key else None

    def _followed(self, e: Entity, other: str, row: dict[str, Any]) -> Any:
        """The value `by` follows: a field of the row, or ("order_id.status") of the row its foreign
        key refers to (an item of a pending order is not returned yet); `same_as` reads the latter too."""
        if other in row or "." not in other:
            return row.get(other)
        key, _, field = other.partition(".")
        fk = next((x.foreign_key for x in e.fields if x.name == key), None)
        parent = self._parent_row(fk, row.get(key)) if fk else None
        return parent[1].get(field) if parent is not None else None

    def _agree_person(self, e: Entity, row: dict[str, Any], given: dict[str, Any], seen: dict[str, set]) -> None:
        """A person's generated full name and email follow their generated first and last name
        (grace.novak@… is Grace Novak), as a real customer table's would."""
        fields = {f.name: f for f in e.fields if f.type == "string" and f.name not in given
                  and f.values is None and not f.foreign_key
                  and (f.faker is None or (isinstance(f.faker, str) and f.faker in _PERSON_PROVIDERS))}
        first = next((row[n] for n in fields if _FIRST.search(n) and isinstance(row[n], str)), None)
        last = next((row[n] for n in fields if _LAST.search(n) and isinstance(row[n], str)), None)
        full = next((n for n in fields if _FULL.search(n)), None)
        if first is None or last is None:
            if full is None or not isinstance(row[full], str):
                return
            names = [w for w in row[full].split() if not _TITLE.fullmatch(w)]  # "Dr. Valerie Moore" -> Valerie Moore
            if len(names) != 2:
                return
            first, last = names
            row[full] = f"{first} {last}"
        elif full is not None:
            row[full] = f"{first} {last}"
        for name in fields:
            if _EMAIL.search(name) and isinstance(row[name], str) and "@" in row[name]:
                row[name] = self._email_for(first, last, row[name].rsplit("@", 1)[1], seen.get(name))

    def _agree_login(self, e: Entity, i: int, row: dict[str, Any], given: dict[str, Any], seen: dict[str, set],
                     parents: list[tuple[Entity, dict[str, Any]]]) -> None:
        """A generated username follows the name of the person the row is, or is of (Omar King's
        logins are omarking, kingo, ..., not another person's name), distinct within the field.
        Drawn from the row's own random stream, so the rows after it are seeded as before."""
        logins = [f.name for f in e.fields if f.name not in given and f.type == "string" and f.values is None
                  and f.faker == "user_name" and isinstance(row.get(f.name), str)]
        if not logins:
            return
        person = next(((first, last) for r in (row, *(parent for _, parent in parents))
                       if (first := _name_part(r, _FIRST)) and (last := _name_part(r, _LAST))), None)
        if person is None:
            return
        first, last = (re.sub(r"[^a-z]", "", s.lower()) for s in person)
        if not first or not last:
            return
        rng = random.Random(f"{self.seed}:{e.name}:{i}:login")
        for name in logins:
            taken = seen.get(name)
            if taken is None:
                taken = self._logins.setdefault((e.name, name), set())
            taken.discard(row[name])
            shapes = [f"{first}{last}", f"{first}.{last}", f"{first[0]}{last}", f"{last}{first[0]}",
                      f"{first}{last[0]}", f"{last}.{first}"]
            rng.shuffle(shapes)
            login = next((s for s in shapes if s not in taken), None)
            while login is None or login in taken:
                login = f"{rng.choice(shapes)}{rng.randint(1, 99)}"
            row[name] = login
            taken.add(login)

    def _email_for(self, first: str, last: str, host: str, taken: set | None) -> str:
        first, last = (re.sub(r"[^a-z]", "", s.lower()) or "user" for s in (first, last))
        local = self.rng.choice([f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}{last[0]}"])
        email, n = f"{local}@{host}", 1
        while taken is not None and email in taken:
            n += 1
            email = f"{local}{n}@{host}"
        if taken is not None:
            taken.add(email)
        return email

    def _fresh(self, e: Entity, f: EntityField, i: int, parents: list[tuple[Entity, dict[str, Any]]],
               row: dict[str, Any]) -> Any:
        if f.foreign_key and f.values is None and f.range is None:
            return self._foreign_key(e, f, parents, row)
        if f.type in ("date", "datetime") and f.values is None and f.range is None \
                and f.faker is None and "default" not in f.model_fields_set:
            return self._between(f, *self._window(e, f, parents, row))
        return self.value(e, f, i)

    def _window(self, e: Entity, f: EntityField, parents: list[tuple[Entity, dict[str, Any]]],
                row: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
        """Where a date the field does not bound itself falls: after the rows it refers to began,
        before the row's other past dates (a visit is booked before it took place; not the one it
        is `after`) and the clock, within the last year."""
        start = self._latest_parent_date(parents) if parents else None
        end = min([self.clock, *self._past_dates(e, row, but=(f.name, f.after))])
        year_ago = self.clock - dt.timedelta(days=365)
        lo = max(start, year_ago) if start else year_ago
        return (lo if lo <= end else end - dt.timedelta(days=1)), end

    def _in_order(self, e: Entity, f: EntityField, parents: list[tuple[Entity, dict[str, Any]]],
                  row: dict[str, Any], begun: dt.datetime | None) -> None:
        """Draw a generated date again where it falls before what it follows: the date its `after`
        names, always (past its window where the window ends before that date: a cancelled rental's
        return after its pick-up); `begun`, when the rows it refers to began, where its window
        reaches past it (a card's charge after the card was issued)."""
        when = _date(row.get(f.name))
        if when is None:
            return
        day = f.type == "date"  # a date falls on or after the day of a datetime it follows
        after = _date(self._followed(e, f.after, row), day) if f.after else None
        begun = _date(begun, day)
        if when >= max((x for x in (after, begun) if x is not None), default=when):
            return
        bounds = self._bounds(e, f, parents, row)
        if bounds is None:
            return
        a, b = bounds
        if begun is not None and begun > b:  # the window ends before the parents began: it wins
            begun = None
        floor = max((x for x in (after, begun) if x is not None), default=when)
        if when < floor:
            row[f.name] = self._between(f, max(a, floor), b) if floor <= b else self._between(f, floor, floor + (b - a))

    def _bounds(self, e: Entity, f: EntityField, parents: list[tuple[Entity, dict[str, Any]]],
                row: dict[str, Any]) -> tuple[dt.datetime, dt.datetime] | None:
        """The window the field's date was drawn from (its `by` case's range, its range or
        `_window`); None for a date listed in `values`, a default or a copy of the referred row's."""
        if f.same_as and self._followed(e, f.same_as, row) is not None:
            return None
        if f.by:
            (other, cases), = f.by.items()
            case = cases.get(str(self._followed(e, other, row)))
            if isinstance(case, ByRange):
                return _date(str(case.range[0])), _date(str(case.range[1]))  # type: ignore[return-value]
            if case:
                return None
        if f.values is not None or f.faker is not None or "default" in f.model_fields_set:
            return None
        if f.range is not None:
            return _date(str(f.range[0])), _date(str(f.range[1]))  # type: ignore[return-value]
        return self._window(e, f, parents, row)

    def _past_dates(self, e: Entity, row: dict[str, Any], but: tuple[str | None, ...] = ()) -> list[dt.datetime]:
        """The row's dates and times up to the clock, but the fields `but` and birth dates."""
        out = []
        for f in e.fields:
            if f.type in ("date", "datetime") and f.name not in but and not _BIRTH.search(f.name) \
                    and (when := _date(row.get(f.name))) is not None and when <= self.clock:
                out.append(when)
        return out

    def _parent_row(self, foreign_key: str, value: Any) -> tuple[Entity, dict[str, Any]] | None:
        table, key = foreign_key.split(".", 1)
        parent = self.entities.get(table)
        index = self._index.get(foreign_key)
        if index is None:
            index = self._index[foreign_key] = {}
            for r in self.table_rows.get(table, []):
                if isinstance(r.get(key), (str, int, float, bool)):
                    index.setdefault(r[key], r)
        row = index.get(value) if isinstance(value, (str, int, float, bool)) else None
        return (parent, row) if parent is not None and row is not None else None

    def _foreign_key(self, e: Entity, f: EntityField, parents: list[tuple[Entity, dict[str, Any]]],
                     row: dict[str, Any] | None = None) -> Any:
        """A key of an existing parent row, consistent with the rows this row already refers to:
        a card's account belongs to the card's customer, a dispute's card is its transaction's card;
        with `apart_by`, one no earlier row of the same owner refers to (a member borrows a title
        once), as far as the rows go."""
        table, key = f.foreign_key.split(".", 1)  # type: ignore[union-attr]
        candidates = self.table_rows.get(table)
        if not candidates:
            if f.nullable:
                return None
            raise CompileError(f"entities ({e.name}).{f.name}: refers to {f.foreign_key} which has no rows")
        known = _known(parents)
        if f.foreign_key in known:
            return known[f.foreign_key]
        agree = _agreeing(self.entities[table], candidates, known) or candidates
        if f.among:  # only rows the referring row can be about (a refill's visit took place)
            agree = [r for r in agree if _among(f, r)] or agree
        if f.apart_by and row is not None and row.get(f.apart_by) is not None:
            held = self._apart.setdefault((e.name, f.name, row[f.apart_by]), set())
            agree = [r for r in agree if r[key] not in held] or agree
        children, cap = self._room(e, f, candidates)
        if f.cover:  # a row without one first (an order holds an item)
            cap = 1 if any(children[r[key]] == 0 for r in agree) else cap
        chosen = self.rng.choice([r for r in agree if children[r[key]] < cap] or agree)[key]
        children[chosen] += 1
        if f.apart_by and row is not None and row.get(f.apart_by) is not None:
            self._apart[(e.name, f.name, row[f.apart_by])].add(chosen)
        return chosen

    def _room(self, e: Entity, f: EntityField, candidates: list[dict[str, Any]]) -> tuple[Counter, int]:
        """How many of `e`'s rows each parent holds through `f`, and how many it may hold: a few more
        than its share at most (a member has 1-5 memberships, not 8)."""
        children = self._children.setdefault((e.name, f.name), Counter())
        return children, -(-(len(e.data) + e.generated_rows) // max(1, len(candidates))) + _ROOM

    def _latest_parent_date(self, parents: list[tuple[Entity, dict[str, Any]]]) -> dt.datetime | None:
        """When the newest of the referred rows began: a row's dates come after its parents'.
        A parent's beginning is its earliest past date (an account's opening, not its next bill)."""
        starts = [x for x in (self._began(pe, pr) for pe, pr in parents) if x is not None]
        return max(starts) if starts else None

    def _began(self, e: Entity, row: dict[str, Any], depth: int = 0) -> dt.datetime | None:
        """When a row began: its earliest past date, else (a row with none: an installment due next
        month) when the rows it refers to began (its plan's start), so what is filed on it is
        filed after that."""
        past = self._past_dates(e, row)
        if past or depth > 3:
            return min(past) if past else None
        starts = [x for f in e.fields if f.foreign_key and row.get(f.name) is not None
                  and (p := self._parent_row(f.foreign_key, row[f.name])) is not None
                  and (x := self._began(p[0], p[1], depth + 1)) is not None]
        return max(starts) if starts else None

    def value(self, e: Entity, f: EntityField, i: int) -> Any:
        where = f"entities ({e.name}).{f.name}"
        if f.values is not None:
            if not f.values:
                raise CompileError(f"{where}: values is empty")
            if f.weights is not None and len(f.weights) != len(f.values):
                raise CompileError(f"{where}: weights and values differ in length")
            return self._dealt(e, f)
        if f.range is not None:
            return self._in_range(f, where)
        if f.foreign_key:
            return self._foreign_key(e, f, [])
        if f.faker is not None:
            return self._faker(f.faker, where)
        if "default" in f.model_fields_set:  # an explicit default, null included
            return f.default
        return self._by_type(e, f, i)

    def _dealt(self, e: Entity, f: EntityField) -> Any:
        """The next of a shuffled deck holding each value as often as its weight's share of the
        table's rows (largest remainders): 24 orders weighted 6:2:2:1 hold 4 delivered ones, never
        none by chance, so a workflow anchored on a rarer value still finds its rows."""
        deck = self._decks.get((e.name, f.name))
        if not deck:
            n = max(1, len(e.data) + e.generated_rows)
            weights = f.weights or [1.0] * len(f.values)  # type: ignore[arg-type]
            shares = [n * w / sum(weights) for w in weights]
            counts = [int(x) for x in shares]
            for j in sorted(range(len(shares)), key=lambda j: counts[j] - shares[j])[:n - sum(counts)]:
                counts[j] += 1
            deck = [v for v, c in zip(f.values, counts) for _ in range(c)]  # type: ignore[arg-type]
            self.rng.shuffle(deck)
            self._decks[(e.name, f.name)] = deck
        return deck.pop()

    def _in_range(self, f: EntityField, where: str, bounds: tuple[Any, Any] | None = None) -> Any:
        lo, hi = bounds or f.range  # type: ignore[misc]
        if f.type == "integer":
            return self.rng.randint(int(lo), int(hi))
        if f.type == "number":
            return round(self.rng.uniform(float(lo), float(hi)), 2)
        if f.type in ("date", "datetime"):
            try:
                a, b = dt.datetime.fromisoformat(str(lo)), dt.datetime.fromisoformat(str(hi))
            except ValueError:
                raise CompileError(f"{where}: range needs ISO dates, got {[lo, hi]}") from None
            return self._between(f, a, b)
        raise CompileError(f"{where}: range is for integer, number, date or datetime fields")

    def _between(self, f: EntityField, a: dt.datetime, b: dt.datetime) -> str:
        if f.hours is not None and f.type == "datetime":
            return self._at_hours(f.hours, a, b)
        seconds = max(0, int((b - a).total_seconds()))
        t = a + dt.timedelta(seconds=self.rng.randint(0, seconds))
        # to the minute: a time people say ("5:05 pm") and can type back, as records show it
        return t.date().isoformat() if f.type == "date" else t.replace(second=0, microsecond=0).isoformat()

    def _at_hours(self, hours: tuple[int, int], a: dt.datetime, b: dt.datetime) -> str:
        """A quarter hour within opening hours on a day between a and b (a visit at 9:45 am, not 3:56 am)."""
        slots = range(hours[0] * 4, hours[1] * 4)
        day0, days = a.replace(hour=0, minute=0, second=0, microsecond=0), max(0, (b.date() - a.date()).days)
        inside = [(d, q) for d in sorted({0, days}) for q in slots  # the first and last day may be cut short
                  if a <= day0 + dt.timedelta(days=d, minutes=15 * q) <= b]
        whole = max(0, days - 1) * len(slots)
        pick = self.rng.randrange(whole + len(inside)) if whole + len(inside) else None
        if pick is None:
            return a.replace(second=0, microsecond=0).isoformat()
        d, q = (1 + pick // len(slots), slots[pick % len(slots)]) if pick < whole else inside[pick - whole]
        return (day0 + dt.timedelta(days=d, minutes=15 * q)).isoformat()

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
        kind = kind_of(f.name, f"{e.name} {f.description}")
        if kind is not None:
            return kind.draw(self.fake, self.rng)
        for pattern, provider in _BY_NAME:
            if re.search(pattern, f.name, re.IGNORECASE):
                name, _, arg = provider.partition(":")
                return getattr(self.fake, name)(*([arg] if arg else []))
        return self.fake.word()


def _rising(e: Entity, f: EntityField, rows: list[dict[str, Any]]) -> None:
    """`rises_with`: the values of the rows of one parent row (the table's first foreign key) dealt
    again in the order of their dates, so a meter's readings only go up. The values stay the ones
    drawn and nothing is drawn, so the tables after it are seeded as before."""
    fk = next(x.name for x in e.fields if x.foreign_key)
    groups: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get(fk) is not None and r.get(f.name) is not None and _date(r.get(f.rises_with)) is not None:
            groups.setdefault(r[fk], []).append(r)
    for group in groups.values():
        values = sorted(r[f.name] for r in group)
        by_date = sorted(group, key=lambda r: _date(r[f.rises_with]))  # type: ignore[arg-type,return-value]
        for r, v in zip(by_date, values):
            r[f.name] = v


def _known(parents: list[tuple[Entity, dict[str, Any]]]) -> dict[str, Any]:
    """"table.field" -> the value the rows referred to fix: their keys and what they refer to (a
    card's account belongs to the card's customer, a dispute's card is its transaction's card)."""
    known: dict[str, Any] = {}
    for p_entity, p_row in parents:
        known[f"{p_entity.name}.{p_entity.primary_key}"] = p_row[p_entity.primary_key]
        for pf in p_entity.fields:
            if pf.foreign_key and p_row.get(pf.name) is not None:
                known[pf.foreign_key] = p_row[pf.name]
    return known


def _agreeing(target: Entity, candidates: list[dict[str, Any]], known: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of `target` whose own references agree with what is `known`."""
    return [r for r in candidates if all(r.get(tf.name) == known[tf.foreign_key] for tf in target.fields
                                         if tf.foreign_key and tf.foreign_key in known)]


def _among(f: EntityField, row: dict[str, Any]) -> bool:
    """Whether a row is one the foreign key `f` may refer to (its `among`)."""
    return not f.among or all(row.get(k) in vs for k, vs in f.among.items())


def _window_end(case: Any, day: bool) -> dt.datetime | None:
    """Where a `by` case's range ends (None for a case that is no range)."""
    return _date(str(case.range[1]), day) if isinstance(case, ByRange) else None


def _date(value: Any, day: bool = False) -> dt.datetime | None:
    """An ISO date or datetime (or a datetime) as a datetime, at midnight with `day`; else None."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if day else value


def seed_rows(domain: Domain, tables: dict[str, Table], seed: int,
              given: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
    """Rows for every table, parents first; `given` tables are taken as they are (e.g. imported data)."""
    seeder = _Seeder(domain, seed)
    out: dict[str, list[dict]] = {}
    for e in _topological(domain):
        if given and e.name in given:
            rows = given[e.name]
            seeder.keys[e.name] = [r.get(e.primary_key) for r in rows]
            seeder.table_rows[e.name] = rows
        else:
            rows = seeder.rows(e)
        out[e.name] = rows
    _derive(domain, out, set(given or ()), seeder)
    return out


class _Seeded:
    """The seeded tables as a derived field's expression reads them (`tools.expr.Runtime`)."""

    def __init__(self, domain: Domain, rows: dict[str, list[dict]]):
        self.keys = {e.name: e.primary_key for e in domain.entities}
        self.tables = rows

    def lookup(self, table: str, key: Any) -> dict | None:
        pk = self.keys[table]
        return next((dict(r) for r in self.tables.get(table, []) if r.get(pk) == key), None)

    def rows(self, table: str, where: dict[str, Any]) -> list[dict]:
        return [dict(r) for r in self.tables.get(table, []) if all(r.get(k) == v for k, v in where.items())]

    def count_rows(self, table: str, where: dict[str, Any]) -> int:
        return len(self.rows(table, where))

    def next_id(self, prefix: str) -> str:
        raise ExprError("a derived field makes no new id")


def _derive(domain: Domain, rows: dict[str, list[dict]], given: set[str], seeder: _Seeder | None = None) -> None:
    """Fields `derived` from others, once every table is seeded (an order's total is its items'
    sum, and items come after orders), in the order tables are seeded: a table's derived fields
    read its parents' as derived. The field's own name reads the value drawn from its source (an
    order without items keeps it: `... or total`); `today` and `now` read the domain's clock. Given tables, and values a `data` row gives,
    are left as they are."""
    seeded = _Seeded(domain, rows)
    clock = dt.datetime.fromisoformat(domain.clock)
    at = {"now": clock.isoformat(), "today": clock.date().isoformat()}  # as the sandbox's clock reads
    for e in _topological(domain):
        derived = [(f, compile_expr(f.derived)) for f in e.fields if f.derived is not None]
        if not derived or e.name in given:
            continue
        for i, row in enumerate(rows.get(e.name, [])):
            for f, expr in derived:
                if i < len(e.data) and f.name in e.data[i]:
                    continue
                try:
                    row[f.name] = expr({**at, **row} if expr.names & at.keys() else row, seeded)
                except ExprError as err:
                    raise CompileError(f"entities ({e.name}).{f.name}: derived {f.derived!r}: {err}") from None
                if seeder is not None and f.type in ("date", "datetime"):
                    seeder.refer_in_time(e, f, row, i)


_NEXT_ID = re.compile(r"next_id\(\s*'([^'\\]*)'\s*\)")


def id_counters(domain: Domain, seed: int) -> dict[str, int]:
    """Each `next_id` pattern's counter before the first new id, drawn from the seed: a domain's new
    records get ids like its seeded ones (DSP-53817), not DSP-10001 in every domain and episode."""
    out = {}
    for spec in domain.tools:
        for pattern in _NEXT_ID.findall(spec.model_dump_json()):
            run = re.search(r"#+", pattern)
            width = len(run.group(0)) if run else 0
            room = 9 * 10 ** (width - 1) if width > 1 else 1000  # ids a pattern's width holds
            out[pattern] = zlib.crc32(f"{seed}:{pattern}".encode()) % (room // 2)  # half left for new ones
    return out


def id_spread(pattern: str, tool: str, args: dict[str, Any]) -> int:
    """How far past its counter a call's new id of this pattern starts: drawn from the call's tool
    and validated arguments (in the parameters' order), so sessions of one domain that create
    different records get different ids (not the same RTR-12240 in every trajectory), while the
    same call replayed gets the same id. A crc32 folded over the values, each as text (a whole
    number as the amount it is: a model may write 3000 or 3000.0, a null as a zero byte), run once
    over the texts joined (a crc32 folded over parts is the crc32 of the parts joined). Free text
    (`render.FREE_TEXT`: a hand-off's summary) draws nothing: the same hand-off in other words is the
    same record."""
    text = [tool]
    for k, v in args.items():
        if not _free_text(k):
            text.append(v if v.__class__ is str else "\x00" if v is None else repr(_canonical(v)))
    return zlib.crc32("".join(text).encode()) % _spread_room(pattern)


@functools.lru_cache(maxsize=1024)
def _free_text(name: str) -> bool:
    return FREE_TEXT.search(name) is not None


def _canonical(value: Any) -> Any:
    """A number as the amount it is, containers through."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


@functools.lru_cache(maxsize=1024)
def _spread_room(pattern: str) -> int:
    """Up to 997 ids, a twentieth of what the pattern's width holds (DSP-#####: 90,000)."""
    run = re.search(r"#+", pattern)
    room = 9 * 10 ** (len(run.group(0)) - 1) if run and len(run.group(0)) > 1 else 20000
    return max(1, min(997, room // 20))
