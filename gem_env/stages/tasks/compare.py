"""Questions across a customer's records ("which of my accounts has the highest balance?"): the
assistant finds who the customer is, opens each record their profile lists, and answers with the
one that has the most (or least) of a number, and that number -- an answer no single read gives."""
from __future__ import annotations

import random
from typing import Any

from ...simulators.scenario import Request
from ...tools import CompiledDomain, Sandbox
from ...tools.render import ended, is_money, plural, render, words
from .kinds import SECRET, Built, lookup_tools
from .lookups import owner_listings
from .model import GoldAction

MOST = {"highest": max, "lowest": min}


def compare(compiled: CompiledDomain, table: str, row: dict[str, Any], sandbox: Sandbox,
            rng: random.Random) -> Built | str:
    """The owner of `row` asks which of their `table` records has the highest or lowest value of a
    number every one of them shows; the answer must carry that record's key and the value. Records
    that have ended (closed, cancelled: `render.ended`) are read but not compared."""
    found = lookup_tools(compiled).get(table)
    if found is None:
        return f"no tool looks up one {table} row by its key"
    tool, param = found
    for finder_call, ids in owner_listings(compiled, table, row, param, sandbox):
        if len(ids) < 2:
            continue
        reads = [GoldAction(tool=tool, arguments={param: i}, result=sandbox.call(tool, {param: i}).value) for i in ids]
        records = [a.result for a in reads]
        if not all(isinstance(r, dict) and "error" not in r for r in records):
            continue
        records = [r for r in records if not ended(r)]  # a closed account's balance is no longer theirs
        if len(records) < 2:
            continue
        numbers = _numbers(records, param)
        if not numbers:
            continue
        field = rng.choice(numbers)
        most = rng.choice(sorted(MOST))
        best = MOST[most](records, key=lambda r: r[field])
        noun = compiled.noun(table).replace("_", " ")
        goal = f"find out which of my {plural(noun)} has the {most} {words(field)}"
        request = Request(kind="lookup", goal=goal, intent=goal, knows=dict(finder_call.arguments),
                          opening=list(finder_call.arguments) if rng.random() < 0.5 else [], asks=[field], about=noun,
                          compare=most)
        return Built(request, [finder_call, *reads], {param: render(best[param]), field: render(best[field])},
                     unknown=[param, field], workflow=f"compare_{noun}", topic="lookup", record=(table, row))
    return f"no customer's {table} records are listed few enough, with a number that tells them apart"


def _numbers(records: list[dict[str, Any]], param: str) -> list[str]:
    """The amounts of money every record shows (a balance, a limit, a fee: what people compare their
    records by, not "the highest failed logins"), whose highest and lowest value each belong to one
    record only."""
    out = []
    for field in records[0]:
        values = [r.get(field) for r in records]
        if field == param or field.endswith("_id") or SECRET.search(field) \
                or not all(is_money(field, v) for v in values):
            continue
        if values.count(max(values)) == 1 and values.count(min(values)) == 1:
            out.append(field)
    return out
