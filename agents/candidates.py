"""Reading a customer's records one by one: to find the one they describe, and to see a record
itself before changing it.

A list read (the customer's accounts: ids and statuses) often does not tell which record the user
means ("my savings account"); a support agent then opens each listed record until it sees the one
described, and asks which only when the details do not settle it. The offline agent does this
for a record id it lacks when the list holds at most `MOST` records and a tool reads one record by
that id; the task builder uses the same functions, so the gold, what the user says and what the
agent reads agree. Before a change, the agent likewise opens the record the write's rules read
when it has seen it only in a list's summary (`Records.unopened`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Collection

from gem_env.tools import CompiledDomain, Workflow
from gem_env.tools.referring import moved_key

from .ids import id_by_description, named_outright, record_lists
from .lookup import key_reads, lookup_plans, record_reader
from .plans import tool_effect
from .prechecks import Read, blocking_rule, listed_row, opened, rule_records, since_write

MOST = 6
"""Records an agent opens one by one; a longer list is asked about instead. A customer holds up
to a few more of a kind than the share (`tools.seed`: five or six cards), and one of five is
found by its last four digits as readily as one of four."""


def record_key(key: str, keys: Collection[str]) -> str:
    """The key of the records `key` names: itself, or for a record named by its part in a move
    the key of its kind among `keys` ("source_account_id" -> "account_id"). A transfer between the
    customer's own accounts is from one of the accounts listed, found as any account is."""
    base = moved_key(key) if key not in keys else None
    return base if base in keys else key


def listed(key: str, results: list[Any]) -> list[dict[str, Any]] | None:
    """The latest list in `results` holding several records told apart by `key`, or None."""
    for value in reversed(results):
        for recs in record_lists(value):
            if len({str(r.get(key)) for r in recs if r.get(key) not in (None, "")}) >= 2:
                return recs
    return None


def candidate_ids(key: str, records: list[dict[str, Any]],
                  ruled_out: Callable[[dict[str, Any]], bool] | None = None) -> list[Any]:
    """The ids of `records` to open, in list order, or [] when there are too many; without those
    whose listed values already rule them out for the change (`ruled_out`: a frozen account, for a
    close that needs an open one), unless that rules out all of them (then the customer means one
    the change is refused on, and each is opened as before)."""
    ids = list(dict.fromkeys(r[key] for r in records if isinstance(r.get(key), (str, int))))
    if len(ids) > MOST:
        return []
    if ruled_out is None:
        return ids
    out = {str(r[key]) for r in records if isinstance(r.get(key), (str, int)) and ruled_out(r)}
    return [i for i in ids if str(i) not in out] or ids


def as_last_seen(key: str, results: list[Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A listed record (told apart by `key`) with the values the latest of `results` showing it
    gave (in call order: a card listed as frozen that an unfreeze since showed active is active). A
    record shows itself by its key first: a transaction's account_id is not its account."""
    latest: dict[str, dict[str, Any]] = {}
    for value in results:
        rows = [value] if isinstance(value, dict) else []
        rows += [r for recs in record_lists(value) for r in recs]
        for r in rows:
            if isinstance(r, dict) and r and next(iter(r)) == key and r[key] not in (None, ""):
                latest.setdefault(str(r[key]), {}).update(r)

    def seen(record: dict[str, Any]) -> dict[str, Any]:
        now = latest.get(str(record.get(key)), {})
        return {**record, **{f: now[f] for f in record if f in now}}
    return seen


def clock_of(compiled: CompiledDomain) -> dict[str, Any]:
    """The frozen clock's names, as the sandbox gives them to every expression."""
    clock = dt.datetime.fromisoformat(compiled.domain.clock)
    return {"now": clock.isoformat(), "today": clock.date().isoformat()}


def ruled_out_by_listing(compiled: CompiledDomain, wf: Workflow, key: str, clock: dict[str, Any]
                         ) -> Callable[[dict[str, Any]], bool] | None:
    """Whether a listed record (`key`: the key the user's words give, one of the workflow's) is
    ruled out for the workflow's change by what the list itself shows of it: a rule of a write
    made on it that its listed values break ("Only an account that is open can be closed", of an
    account listed as frozen). A support agent does not open a record it already knows the change
    cannot be made on. None where nothing rules a record out this way: no write takes the record
    the key names, or the key names one by its part in a move (the account a transfer is from)."""
    keys = {name: t.pk for name, t in compiled.tables.items()}
    if key not in keys.values():
        return None
    writes = [(compiled.tools[s.tool].spec, p) for s in wf.steps
              if s.tool in compiled.tools and compiled.tools[s.tool].writes
              for p, b in s.args.items() if b.user == key]
    if not writes:
        return None
    return lambda record: any(blocking_rule(spec, {p: record.get(key)}, [record], clock, keys) is not None
                              for spec, p in writes)


def read_prefix(key: str, ids: list[Any], tool: str, results: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The records the candidate reads at the head of `results` ((tool, result) in call order)
    returned: reads of `tool` giving `ids` in order."""
    out: list[dict[str, Any]] = []
    for (name, result), want in zip(results, ids):
        if name != tool or not isinstance(result, dict) or str(result.get(key)) != str(want):
            break
        out.append(result)
    return out


class Records:
    """The offline agent's reads of single records of one compiled domain."""

    def __init__(self, compiled: CompiledDomain) -> None:
        self.compiled = compiled
        self.keys = {name: t.pk for name, t in compiled.tables.items()}
        self.effects = {name: tool_effect(name, tool) for name, tool in compiled.tools.items()}
        self.by_key: dict[str, Any] = {}  # record key -> the lookup reading one record by it
        for lp in lookup_plans(compiled):
            self.by_key.setdefault(self.keys[lp.table], lp)
        # a read of one record by its key -> (its key field, the fields it returns)
        self.returns = {lp.tool: (self.keys[lp.table], lp.fields) for lp in key_reads(compiled, derived=True)}

    def candidates(self, key: str, called: list[Read],
                   ruled_out: Callable[[dict[str, Any]], bool] | None = None) -> tuple[Any, list[Any]] | None:
        """(lookup plan, ids) of the listed records to open one by one to find the `key` the user
        means, or None (no list of several, too many, or no tool reads one by `key`); not those the
        list shows the change cannot be made on (`ruled_out`, `candidate_ids`)."""
        key = record_key(key, self.by_key)
        lk = self.by_key.get(key)
        recs = listed(key, [r for _, _, r in called]) if lk is not None else None
        ids = candidate_ids(key, recs, ruled_out) if recs else []
        return (lk, ids) if ids else None

    def passed_over(self, key: str, called: list[Read],
                    ruled_out: Callable[[dict[str, Any]], bool] | None) -> list[dict[str, Any]]:
        """The listed records `candidates` leaves unopened because the list shows the change cannot
        be made on them (as the list shows them): still the customer's, counted and told apart
        from the rest when asking which one they mean."""
        found = self.candidates(key, called, ruled_out) if ruled_out is not None else None
        if found is None:
            return []
        key = record_key(key, self.by_key)
        ids = {str(i) for i in found[1]}
        recs = listed(key, [r for _, _, r in called]) or []
        return [r for r in recs if r.get(key) not in (None, "") and str(r[key]) not in ids]

    def open(self, key: str, called: list[Read], ahead: list[tuple[str, Any]],
             before: list[Read], ruled_out: Callable[[dict[str, Any]], bool] | None = None
             ) -> tuple[list[Read], int, Any] | None:
        """The listed records opened so far to find the `key` the user means ((effect, arguments,
        record) each; one an earlier request read, unchanged since, is not read again), how many
        of the results `ahead` they took, and the id to open next (None when all are open); None
        when there is nothing to open. Not those the list shows the change cannot be made on
        (`ruled_out`)."""
        found = self.candidates(key, called, ruled_out)
        if found is None:
            return None
        lk, ids = found
        own = record_key(key, self.by_key)
        entries: list[Read] = []
        used = 0
        for i in ids:
            args = {lk.param: i}
            prior = next((r for t, a, r in reversed(before) if t == lk.tool and a == args), None)
            if prior is None:  # or this request's own read of it (the account a transfer is from, looked up first)
                prior = next((r for _, a, r in called if a == args and isinstance(r, dict)
                              and str(r.get(own)) == str(i)), None)
            if prior is None and used < len(ahead) and read_prefix(own, [i], lk.tool, ahead[used:used + 1]):
                prior, used = ahead[used][1], used + 1
            if prior is None:
                return entries, used, i
            entries.append((self.effects[lk.tool], args, prior))
        return entries, used, None

    def recalled(self, key: str, called: list[Read], still: list[tuple[str, dict[str, Any]]], text: str,
                 ruled_out: Callable[[dict[str, Any]], bool] | None = None) -> Any:
        """The id `key` of the listed record the user's `text` names outright (`named_outright`: "the
        one with the number 948-436-7959") among those an earlier request read, by a value no
        write since may have changed (`still`: `prechecks.recall`); None when it names none. A
        support agent who looked at that line before changing its plan knows its number: it does
        not open the customer's other lines to find it again. Where it still knows every one of
        them, by values no write since may have changed, it finds the one described by those too
        ("the savings one", after a transfer changed both accounts' balances). Only among those it would open
        (`ruled_out`: not one the list shows the change cannot be made on)."""
        found = self.candidates(key, called, ruled_out)
        if found is None:
            return None
        ids = {str(i) for i in found[1]}
        latest: dict[str, dict[str, Any]] = {}
        for _, record in still:
            if str(record.get(key)) in ids:
                latest.setdefault(str(record[key]), record)
        got = named_outright(key, list(latest.values()), text) if latest else None
        if got is None and len(latest) >= 2 and set(latest) == ids:
            # every one of them still known by what no write since may have changed ("the savings
            # one": an account's type): the one described is found without opening them all again
            got = id_by_description(key, [list(latest.values())], text)
        return got

    def unopened(self, write: str, args: dict[str, Any], seen: list[Any]) -> tuple[str, dict[str, Any]] | None:
        """(read, arguments) opening a record the write's rules read that the results `seen` hold
        only in a list's summary (not read by itself), or None."""
        for table, key in rule_records(self.compiled.tools[write].spec, args, self.keys):
            reader = record_reader(self.compiled, table)
            if reader is not None and not opened(seen, self.keys[table], key) \
                    and listed_row(seen, self.keys[table], key, reader.fields) is None:
                return reader.tool, {reader.param: key}
        return None

    def listed(self, tool: str, args: dict[str, Any], results: list[tuple[str, Any]]) -> dict[str, Any] | None:
        """The record a read of one record by its key (`tool`, `args`) would return, where a list
        among `results` ((tool, result) in call order) showed it whole after the last write: the
        contact a list of contacts showed, asked about by its id, is not opened again."""
        if tool not in self.returns:
            return None
        pk, fields = self.returns[tool]
        key = next(iter(args.values()), None) if len(args) == 1 else None
        return listed_row([r for _, r in since_write(results, self.compiled)], pk, key, fields)

    def opens(self, write: str, args: dict[str, Any], result: tuple[str, Any]) -> bool:
        """Whether `result` ((tool, record)) is the read `unopened` makes before the write."""
        tool, record = result
        for table, key in rule_records(self.compiled.tools[write].spec, args, self.keys):
            reader = record_reader(self.compiled, table)
            if reader is not None and reader.tool == tool != write and opened([record], self.keys[table], key):
                return True
        return False
