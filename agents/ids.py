"""Record ids an assistant can take from what its tools returned instead of asking for them."""
from __future__ import annotations

import re
from typing import Any

from gem_env.tools.patterns import compiled
from gem_env.tools.referring import referenced_value, role


def own_key(record: dict[str, Any]) -> str | None:
    """The record's own id field: its first id-like field (an item's "item_id", not the
    "order_id" it also holds), so an order is not described or checked by one of its items."""
    return next((k for k in record if k == "id" or k.endswith("_id")), None)


def id_from_results(key: str, results: list[Any]) -> Any:
    """The one value of record id `key` that earlier tool results point to, or None.

    A result names it when it carries `key` as a field of its own (a customer found by email
    carries its customer_id) or lists records that all share one value of it (the only card a
    customer holds). Several values anywhere (a list of two cards) mean the user must say which.
    The assistant takes such an id from the results instead of asking the user for it, and the
    task builder leaves it out of what the user volunteers, so both must use this one rule."""
    if not (key == "id" or key.endswith("_id")):
        return None
    found: set[str] = set()
    values: list[Any] = []
    for result in results:
        own = [result[key]] if isinstance(result, dict) and isinstance(result.get(key), (str, int)) else []
        for recs in record_lists(result):
            own += [r[key] for r in recs if isinstance(r.get(key), (str, int))]
        for v in own:
            if str(v) not in found:
                found.add(str(v))
                values.append(v)
    return values[0] if len(values) == 1 else None


def record_lists(value: Any) -> list[list[dict[str, Any]]]:
    """Lists of records inside a tool result (the result itself, or a field of it)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [value]
    if isinstance(value, dict):
        return [lst for v in value.values() for lst in record_lists(v)]
    return []


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\(\)")


def distinguishing(record: dict[str, Any], records: list[dict[str, Any]], key: str) -> list[tuple[str, str]]:
    """(field, value) of `record`'s own words that no other record of `records` shares: what a
    person can name it by ("the one ending 4411", "my credit card"). Ids, dates and code are left out."""
    out = []
    for field, value in record.items():
        if field == key or field == "id" or field.endswith("_id") or not isinstance(value, str):
            continue
        # a value written as code ("check_status_bar()") is not how a person names a record
        if len(value.strip()) < 2 or _ISO.match(value) or len(value) > 40 or _CODE.search(value):
            continue
        if sum(str(r.get(field)).lower() == value.lower() for r in records) == 1:
            out.append((field, value))
    return out


def id_by_description(key: str, results: list[Any], text: str) -> Any:
    """The id `key` of the one record, in a list of earlier results holding several, that the
    user's words single out by a value only it has (said as a whole word), or None.

    The assistant takes the id from it instead of asking which one; the task builder lets the user
    describe a record instead of giving its id only when this rule finds it, so both use it."""
    got = singled_out(key, results, text)
    return got[0] if got is not None else None


def singled_out(key: str, results: list[Any], text: str) -> tuple[Any, str] | None:
    """`id_by_description`'s id and the words of the text that single the record out ("paid off"
    of "my plan that's paid off"): words that named one record do not describe another ("my
    scheduled installment" on that plan is not also its paid one)."""
    low = text.lower()
    for result in reversed(results):
        for recs in record_lists(result):
            if len({str(r.get(key)) for r in recs if isinstance(r.get(key), (str, int))}) < 2:
                continue
            hits = [(r, value) for r in recs for _, value in distinguishing(r, recs, key) if says(value, low)
                    and not contradicted(r, low)]
            if len({id(r) for r, _ in hits}) == 1 and isinstance(hits[0][0].get(key), (str, int)):
                return hits[0][0][key], hits[0][1]
    return None


#: the roles by which a person points at one record by a value only it has ("the line with the number
#: 948-436-7959", "the card ending in 9237", "the order going to 652 Patricia Mill")
_POINTING = frozenset({"with the number", "with the username", "going to", "ending in"})


def contradicted(record: dict[str, Any], low: str) -> bool:
    """Whether the lower-cased text points at a record by another value of one of this record's
    fields ("the one whose phone number is 948-436-7959", "the line with the number 948-436-7959"
    of a line whose phone number is 276-950-4149): that line is not the one meant, whatever else of
    it the text says ("... on the basic 5gb plan"). Only a pointing phrase counts: "my email is ..."
    is the customer's, not a record's."""
    for f, v in record.items():
        if isinstance(v, (str, int, float)) and not isinstance(v, bool) and f != "id" and not f.endswith("_id") \
                and not says(str(v), low):
            said = compiled(rf"\bwhose (?:\w+ )?{re.escape(f.replace('_', ' '))} is ([^,;?!]+?)(?:\.(?:\s|$)|[,;?!]|$)").search(low)
            value = said.group(1).strip() if said else referenced_value(f, low) if role(f) in _POINTING else None
            if value and not str(v).lower().startswith(value.lower()):  # ("576 jason park apt" of "... Apt. 442")
                return True
    return False


def named_outright(key: str, records: list[dict[str, Any]], text: str) -> Any:
    """The id `key` of the one record among `records` (opened so far) that the user's words name by
    a value no other record is likely to share: one with a digit or of several words, said whole
    ("the order whose shipping address is 576 Jason Park Apt. 442"), or one a pointing phrase gives
    ("the one with the username sancheza", "the one ending in 6984"). The assistant stops opening
    records there, as a person would; a one-word value (a status) needs them all. None otherwise."""
    low = text.lower()
    hits = [r for r in records if isinstance(r.get(key), (str, int)) and _names_outright(r, key, low)]
    return hits[0][key] if len(hits) == 1 else None


def named_by_entry(key: str, records: list[dict[str, Any]], text: str) -> Any:
    """The id `key` of the one record among `records` (opened so far) that lists an entry the
    user's words name outright (`named_outright`): a person names the charge ("the transaction at
    Goodwin, Smith and Adams"), not the card whose recent transactions show it. None when no
    record, or several, list one."""
    low = text.lower()
    hits = [r for r in records if isinstance(r.get(key), (str, int)) and any(
        _names_outright(e, own_key(e) or "", low) for entries in record_lists(r) for e in entries)]
    return hits[0][key] if len(hits) == 1 else None


def _names_outright(record: dict[str, Any], key: str, low: str) -> bool:
    """Whether the lower-cased text names `record` by a value of its own (not its `key`) that no
    other record is likely to share (a proper name among them: a user called Troy Scott), and no
    pointing phrase of it names another (`named_outright`)."""
    return any(says(v, low) for f, v in record.items()
               if f != key and f != "id" and not f.endswith("_id") and isinstance(v, str) and (
                   _pointed_by(f, v, low) or 6 <= len(v) <= 40 and not _ISO.match(v) and not _CODE.search(v)
                   and (re.search(r"\d", v) or len(v.split()) >= 3 or _PROPER.match(v) and role(f) == "called"))
               ) and not contradicted(record, low)


#: a proper name of several words ("Troy Scott"): one person's, as a user's full name is
_PROPER = re.compile(r"^[A-Z][a-z'-]+(?: [A-Z][a-z'-]+)+$")


def _pointed_by(field: str, value: str, low: str) -> bool:
    """Whether the lower-cased text points at `value` with a phrase that only one record answers
    ("the one with the username sancheza": a one-word value, but a username is one account's)."""
    return role(field) in _POINTING and (referenced_value(field, low) or "").lower() == value.lower()


def says(value: str, low: str) -> bool:
    """Whether lower-cased text `low` says `value` as a whole word: not as part of an email address
    ("stephaniegordon@example.org" says no username "stephaniegordon")."""
    return compiled(rf"(?<![\w@-]){re.escape(value.lower())}(?![\w@-])").search(low) is not None


def names_entry(field: str, noun: str) -> bool:
    """Whether `field` is what an entry of a catalog of `noun`s is called by: its "name" or "title",
    or "<noun>_name" (a plan's own plan_name; not the plan name a membership is on), or
    "<noun>_type" where the catalog has one entry of each kind (a hotel's "suite" room)."""
    own = noun.replace(" ", "_")
    return field in ("name", "title", f"{own}_name", f"{own}_type")
