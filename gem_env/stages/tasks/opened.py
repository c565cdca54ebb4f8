"""The task side of an assistant opening a customer's listed records one by one to find the one
they mean (`agents.candidates`): which ids get opened, what the user can say to describe theirs,
and the reads that go into the gold."""
from __future__ import annotations

from typing import Any

from ...agents.candidates import as_last_seen, candidate_ids, listed, record_key, ruled_out_by_listing
from ...agents.ids import distinguishing, id_by_description
from ...agents.lookup import lookup_plans
from ...tools import Sandbox, Workflow
from ...tools.referring import field_of, moved_key
from .model import GoldAction

Opened = dict[str, tuple[int, list[GoldAction]]]
"""{id key: (index of its first use in the gold, the reads that open each listed record)}."""


def _is_id(key: str) -> bool:
    return key == "id" or key.endswith("_id")


def first_use(wf: Workflow, key: str, value: Any, actions: list[GoldAction]) -> int | None:
    params = {name for s in wf.steps for name, b in s.args.items() if b.user == key}
    return next((i for i, a in enumerate(actions) if any(str(a.arguments.get(p)) == str(value) for p in params)),
                None)


def opened_ids(wf: Workflow, said: dict[str, Any], actions: list[GoldAction], sandbox: Sandbox,
               before: bytes | None = None) -> Opened:
    """The ids the user has not given that the assistant will look for by opening each record of
    a short list read before the id's first use, with those reads (on the state `before` the
    request's own changes, when given); not the records the list shows the change cannot be made
    on (`candidates.ruled_out_by_listing`), so a record refused for its status is no record the
    assistant opens to find: the user names it by its id."""
    compiled = sandbox.compiled
    by_key: dict[str, Any] = {}
    for lp in lookup_plans(compiled):
        by_key.setdefault(compiled.tables[lp.table].pk, lp)
    out: Opened = {}
    now = sandbox.snapshot() if before is not None else None
    try:
        if before is not None:
            sandbox.restore(before)
        for key, value in said.items():
            own = record_key(key, by_key)  # (the account a transfer is from: one of their accounts)
            first = first_use(wf, key, value, actions) if _is_id(key) and own in by_key else None
            recs = listed(own, [a.result for a in actions[:first]]) if first is not None else None
            # (not those the list shows the change cannot be made on: a frozen account, to close one)
            ruled = ruled_out_by_listing(compiled, wf, key, sandbox.clock) if own == key else None
            if ruled is not None:  # (as the latest reads show them, as the assistant judges them)
                seen = as_last_seen(own, [a.result for a in actions[:first]])
                ruled = (lambda rule, seen: lambda r: rule(seen(r)))(ruled, seen)
            ids = candidate_ids(own, recs, ruled) if recs else []
            if str(value) not in {str(i) for i in ids}:
                continue
            lk = by_key[own]
            reads = []
            for i in ids:
                got = sandbox.call(lk.tool, {lk.param: i})
                if not got.ok or not isinstance(got.value, dict):
                    break
                reads.append(GoldAction(tool=lk.tool, arguments={lk.param: i}, result=got.value))
            if len(reads) == len(ids):
                out[key] = (first, reads)  # type: ignore[assignment]
    finally:
        if now is not None:
            sandbox.restore(now)
    return out


def picked(key: str, reads: list[GoldAction], text: str) -> Any:
    """The id the assistant takes from the opened records by the user's words, or None."""
    return id_by_description(key, [[a.result for a in reads]], text)


def description(key: str, value: Any, reads: list[GoldAction], text: str,
                avoid: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(field, value) the user can describe their record by, among the opened ones ("account
    type: savings"), that the assistant's rule picks out with everything else the user says; never
    by an `avoid` field."""
    details = [a.result for a in reads]
    if (own := moved_key(key)) is not None:
        return _part_description(key, own, value, reads, avoid)
    mine = next((d for d in details if str(d.get(key)) == str(value)), None)
    if mine is None:
        return None
    noun = key[:-3] if key.endswith("_id") else key
    names = sorted(((f if f.startswith(noun) else f"{noun}_{f}", v) for f, v in distinguishing(mine, details, key)
                    if f not in avoid), key=lambda d: d[0].endswith("status"))
    for name, said in names:
        if str(picked(key, reads, f"{text} {said}")) == str(value):
            return name, said
    return None


def _part_description(key: str, own: str, value: Any, reads: list[GoldAction],
                      avoid: frozenset[str]) -> tuple[str, str] | None:
    """(fact, value) describing the record a move names by its part (`key`: "source_account_id", of
    the records keyed `own`), said after that part ("coming from my savings account":
    `source_account_type`), which the assistant's rule picks out by those words alone
    (`referring.part_words`)."""
    noun = own[:-3]
    details = [a.result for a in reads]
    mine = next((d for d in details if str(d.get(own)) == str(value)), None)
    if mine is None:
        return None
    part = key[:-len(own) - 1]
    for f, said in sorted(distinguishing(mine, details, own), key=lambda d: d[0].endswith("status")):
        if f not in avoid and str(picked(own, reads, said)) == str(value):
            return f"{part}_{noun}_{field_of(f, noun)}", said
    return None


def add_reads(actions: list[GoldAction], opened: Opened) -> None:
    """The opening reads into the gold, each set before the first use of the id it finds; a record
    is opened once for the two ids found among the same records (the accounts a transfer is from
    and to), and not again where the request read it already."""
    done: set[tuple[int, str, str]] = set()
    for first, reads in sorted(opened.values(), key=lambda o: -o[0]):
        # (nor one the request read already: the account a transfer is from, looked up before it)
        new = [a for a in reads if (first, a.tool, repr(a.arguments)) not in done
               and not any(b.tool == a.tool and b.arguments == a.arguments for b in actions[:first])]
        done.update((first, a.tool, repr(a.arguments)) for a in reads)
        actions[first:first] = new
