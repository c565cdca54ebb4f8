"""Questions about a record of the customer's ("what's the balance of my savings account?"): the
read answering it, and how the assistant gets to the record -- its key said, the only one the
customer has, or the one they describe among theirs, opened one by one."""
from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from ...agents.candidates import candidate_ids, listed
from ...agents.ids import distinguishing, id_by_description, id_from_results, names_entry, record_lists
from ...agents.lookup import LookupPlan, finder_tools, lookup_plans, owner_lists
from ...simulators.scenario import Request
from ...tools import CompiledDomain, Sandbox
from ...tools.kinds import PROCEDURE_RECORDS
from ...tools.render import happened, is_count, part_happened, render, words
from .kinds import SECRET, Built, linked_row, lookup_tools
from .model import GoldAction
from .opened import description


_OWN_NAMES = frozenset({"first_name", "last_name", "full_name"})
"""A person's names: people do not ask a service what their own name is."""
_KNOWN_BY_HEART = ("phone", "address", "city", "zip", "postcode", "postal", "street", "birth", "since", "joined")
"""What a person knows of themselves: they ask about their points or level, not their own phone number
or when they joined."""
_ADDRESS_PART = re.compile(r"(?:^|_)(?:city|zip|postcode)$")
"""Part of an address ("shipping_zip"): asked about as the address, never alone."""


def lookup(compiled: CompiledDomain, table: str, row: dict[str, Any], sandbox: Sandbox,
           rng: random.Random) -> Built | str:
    """The user asks about one or two facts of their record; the answer must carry them."""
    found = lookup_tools(compiled).get(table)
    if found is None:
        return f"no tool looks up one {table} row by its key"
    tool, param = found
    key = row[compiled.tables[table].pk]
    result = sandbox.call(tool, {param: key})
    if not result.ok or not isinstance(result.value, dict):
        return f"{tool} gives no record for {key}"
    catalog = _catalog_of(compiled, table) if not _owned(compiled, sandbox, table, row) else None
    person = any(f.table == table for f in finder_tools(compiled))  # the customer, found by their email
    kept = _kept_by_the_procedure(compiled, table)
    own_name = f"{compiled.noun(table)}_name"  # what they call their package: nobody asks us what it is
    unasked = {own_name, "name"} if _a_person(compiled, table) else {own_name}  # nor who their contact is
    facts = [k for k, v in result.value.items()
             if k != param and k not in kept and not (catalog and names_entry(k, catalog.noun)) and k not in unasked
             and not k.endswith("_id")
             and not SECRET.search(k) and "email" not in k and k not in _OWN_NAMES and not _ADDRESS_PART.search(k)
             and not (person and any(w in k for w in _KNOWN_BY_HEART))
             and not (k == "reason" and catalog is None)  # what they filed it for, they said themselves
             and isinstance(v, (str, int, float, bool)) and render(v) and len(render(v)) <= 40]
    if not facts:
        return f"{tool} returns nothing a user would ask about"
    asks = sorted(rng.sample(facts, min(len(facts), rng.choice([1, 2]))), key=facts.index)
    noun = compiled.noun(table).replace("_", " ")
    knows: dict[str, Any] = {param: key}
    facts_of = ' and '.join(words(a) for a in asks)
    asked = [_asked(a, result.value[a]) for a in asks]
    goal = f"find out the {facts_of} of {noun} {render(key)}" if all(a.startswith("the ") for a in asked) \
        else f"find out, for {noun} {render(key)}, {' and '.join(asked)}"
    request = Request(kind="lookup", goal=goal, intent=goal, knows=knows,
                      opening=[param] if rng.random() < 0.5 else [], asks=asks,
                      yes_no=[a for a in asks if isinstance(result.value[a], bool)],
                      counts=[a for a in asks if is_count(a, result.value[a])])
    actions = [GoldAction(tool=tool, arguments={param: key}, result=result.value)]
    found = _found_by_finder(compiled, table, sandbox.lookup(table, key) or row, param, key, sandbox)
    searched = None if found is not None else _found_by_search(
        compiled, table, sandbox.lookup(table, key) or row, (tool, param, key), sandbox,
        f"find out the {facts_of} of my {noun}", frozenset(asks))
    if found is not None:  # the user names themselves, not the record: the assistant finds its id
        request.knows, request.opening = dict(found.arguments), list(found.arguments)
        own = any(f.table == table for f in finder_tools(compiled))
        request.about = "profile" if own else noun  # "the credit score on my profile", never "my customer profile"
        request.intent = f"find out the {facts_of} of my {request.about}"
        actions.insert(0, found)
    elif searched is not None:  # ... and describes the record among theirs: the assistant opens each
        finder, reads, (name, value) = searched
        request.knows = {**finder.arguments, name: value}
        request.opening, request.about = [*finder.arguments, name], noun
        request.intent = f"find out the {facts_of} of my {noun}"
        actions = [finder, *reads]
    elif catalog is not None:
        named = _named_in_catalog(catalog, actions[0], frozenset(asks), _a_person(compiled, table), sandbox)
        if named is not None:  # nobody's own record, which the customer names: the assistant finds it listed
            request.knows, request.about, actions = named
        request.opening = [] if named is not None else [param]  # else its id: nothing else picks it out
        if named is None and not _a_person(compiled, table):
            request.about = f"the {noun}"
    elif not _owned(compiled, sandbox, table, row) and not _a_person(compiled, table):
        request.about = f"the {noun}"  # a catalog's record: "the price of the product" (but "my doctor")
    return Built(request, actions, {a: render(result.value[a]) for a in asks}, unknown=asks,
                 workflow=f"lookup_{noun}", topic="lookup", record=(table, row))


def latest(compiled: CompiledDomain, plan: LookupPlan, row: dict[str, Any], sandbox: Sandbox,
           rng: random.Random) -> Built | str:
    """The user asks about the latest record kept under one of theirs ("the amount of my latest
    transaction on my card"), `row` the record it is under: the list read, newest first, answers;
    the facts of its first record must be told."""
    key = row.get(plan.param)
    result = sandbox.call(plan.tool, {plan.param: key})
    rows = [r for r in result.value if isinstance(r, dict)] if result.ok and isinstance(result.value, list) else []
    if not rows:
        return f"{plan.tool} lists nothing under {key}"
    first = rows[0]
    dates = [k for k in first if happened(k) or re.search(r"_(?:at|on)$", k)]
    if len(rows) > 1 and dates and rows[1].get(dates[0]) == first.get(dates[0]):
        return f"two {plan.noun}s under {key} are the latest"  # which is the latest is not one record
    facts = [k for k, v in first.items()
             if not (k == "id" or k.endswith("_id")) and not SECRET.search(k) and not _ADDRESS_PART.search(k)
             and isinstance(v, (str, int, float)) and not isinstance(v, bool) and render(v) and len(render(v)) <= 40]
    if not facts:
        return f"{plan.tool} lists nothing a user would ask about"
    asks = sorted(rng.sample(facts, min(len(facts), rng.choice([1, 2]))), key=facts.index)
    facts_of = " and ".join(words(a) for a in asks)
    about = f"{plan.under}'s latest {plan.noun}"  # "my card's latest transaction" ("my other card's ..." for another)
    request = Request(kind="lookup", goal=f"find out the {facts_of} of the latest {plan.noun} on {plan.under} "
                      f"{render(key)}", intent=f"find out the {facts_of} of my {about}", knows={plan.param: key},
                      opening=[plan.param], asks=asks, about=about,
                      counts=[a for a in asks if is_count(a, first[a])])
    actions = [GoldAction(tool=plan.tool, arguments={plan.param: key}, result=result.value)]
    parent = next((t for t, tb in compiled.tables.items() if tb.pk == plan.param), None)
    found = _found_by_finder(compiled, parent, row, plan.param, key, sandbox) if parent else None
    reader = lookup_tools(compiled).get(parent) if parent else None
    searched = None if found is not None or reader is None else _found_by_search(
        compiled, parent, row, (reader[0], plan.param, key), sandbox, request.intent, frozenset())
    if found is not None:  # their only one: the user names themselves, the assistant finds it
        request.knows, request.opening = dict(found.arguments), list(found.arguments)
        actions.insert(0, found)
    elif searched is not None:  # ... or describes theirs among several ("the card ending in 4782")
        finder, reads, (name, value) = searched
        request.knows, request.opening = {**finder.arguments, name: value}, [*finder.arguments, name]
        actions = [finder, *reads, *actions]
    return Built(request, actions, {a: render(first[a]) for a in asks}, unknown=asks,
                 workflow=f"lookup_latest_{plan.noun.replace(' ', '_')}", topic="lookup",
                 record=(plan.table, first))


def _kept_by_the_procedure(compiled: CompiledDomain, table: str) -> frozenset[str]:
    """Fields a procedure keeps for itself, which no customer asks about: how far its steps have
    got (`progress`), the flags of the conditions its steps check, each described by the text's
    own sentence ("Confirm activation.", "Initiate a test checkout with an eligible purchase
    amount ..."), never "is initiate test checkout on for my account?", and the status of a record
    a how-to's procedure acts on (`extract.procedure`): the state its steps leave, which the person
    who asked for them knows ("could you tell me the status of my page?" "It's created.")."""
    entity = compiled.domain.entity(table)
    if entity is None:
        return frozenset()
    procedure = (entity.description or "").endswith(PROCEDURE_RECORDS)
    return frozenset(f.name for f in entity.fields if f.name == "progress" and "procedure" in (f.description or "")
                     or f.name == "status" and procedure
                     or f.type == "boolean" and (f.description or "").rstrip().endswith("."))


_STATE_HEADS = frozenset("in on out under over at off is".split())


def _asked(field: str, value: Any) -> str:
    """A fact asked, as the task's goal says it: "the price", "when it was filed" (placed_on),
    "whether it is in stock" (a yes/no state), "whether overdraft protection is on" (a setting)."""
    if (verb := happened(field)) is not None:
        return f"when it was {verb}"
    if (part := part_happened(field)) is not None:
        return f"when its {part[0]} {part[1]}"
    if not isinstance(value, bool):
        return f"the {words(field)}"
    head, name = field.split("_")[0], words(field)
    if head in _STATE_HEADS or head.endswith(("ing", "ed")):
        return f"whether it is {name.removeprefix('is ')}"
    return f"whether {name} is on"


def known_by_key_only(compiled: CompiledDomain, table: str) -> bool:
    """Whether a row of `table` nobody owns is asked about by its key alone: an entry of a catalog
    the assistant cannot list by name (a flight, by its number), not a product or a person one
    names. A customer knows such a key only from a record of theirs that refers to it (their
    booking's flight)."""
    return table not in {f.table for f in finder_tools(compiled)} and not _a_person(compiled, table) \
        and _catalog_of(compiled, table) is None


def _catalog_of(compiled: CompiledDomain, table: str) -> LookupPlan | None:
    """The lookup of `table` when it is a catalog the assistant can list (`LookupPlan.catalog`)."""
    return next((p for p in lookup_plans(compiled) if p.table == table and p.catalog), None)


def _named_in_catalog(plan: LookupPlan, read: GoldAction, asks: frozenset[str], person: bool,
                      sandbox: Sandbox) -> tuple[dict[str, Any], str, list[GoldAction]] | None:
    """(what the customer knows: the entry's name, how they speak of it, the gold reads) for an
    entry of a catalog (`agents.lookup.LookupPlan.catalog`) its name alone picks out: "the price of
    the bluetooth speaker" (a name the list's filter takes) or 'the title "Dune"'; the assistant
    lists the catalog with the filters those words give and opens the entry only for facts the
    list does not show. None when the catalog has no such list or the name is not the entry's own."""
    if plan.catalog is None or not isinstance(read.result, dict):
        return None
    param, key, noun = plan.param, read.arguments[plan.param], plan.noun
    everything = sandbox.call(plan.catalog.tool, {})
    entries = record_lists(everything.value) if everything.ok else []
    entry = next((r for r in (entries[0] if entries else []) if str(r.get(param)) == str(key)), None)
    if entry is None:
        return None
    named = [(f, v) for f, v in distinguishing(entry, entries[0], param) if names_entry(f, noun)]
    if not named:
        return None
    field, name = named[0]
    # a one-word name is said with its kind ("the Standard plan", never "the price listed on the Standard")
    called = f"{name} {noun}" if re.fullmatch(r"[A-Z][\w-]*", name) and not name.lower().endswith(noun) else name
    spoken = f"{noun} {name}" if person else f"the {called}" if name in plan.catalog.names() else f'the {noun} "{name}"'
    args = plan.catalog.arguments(spoken)
    listed_ = sandbox.call(plan.catalog.tool, args)
    if not listed_.ok or (id_from_results(param, [listed_.value]) or id_by_description(param, [listed_.value], spoken)) != key:
        return None
    gold = [GoldAction(tool=plan.catalog.tool, arguments=args, result=listed_.value)]
    shown = next(r for recs in record_lists(listed_.value) for r in recs if str(r.get(param)) == str(key))
    if not asks <= set(shown):
        gold.append(read)
    knows = {field if field.startswith(noun.replace(" ", "_")) else f"{noun.replace(' ', '_')}_{field}": name}
    return knows, spoken, gold


def _a_person(compiled: CompiledDomain, table: str) -> bool:
    """Whether the table's rows are people (a doctor, a contact: named by Faker's names)."""
    return any(f.name == "name" and f.faker == "name" for f in compiled.tables[table].entity.fields)


def _owned(compiled: CompiledDomain, sandbox: Sandbox, table: str, row: dict[str, Any]) -> bool:
    """Whether the row belongs to a customer: it names its owner's email, or a customer's row is
    reached along foreign keys (a product of a catalog is neither)."""
    if any("email" in f.name for f in compiled.tables[table].entity.fields):
        return True
    return any(linked_row(compiled, sandbox, table, row, f.table) is not None for f in finder_tools(compiled))


def _found_by_finder(compiled: CompiledDomain, table: str, row: dict[str, Any], param: str, key: Any,
                     sandbox: Sandbox) -> GoldAction | None:
    """A read by what the row's owner knows (their email) whose result gives exactly this row's key:
    one finding the owner, or one listing the owner's records (`owner_lists`)."""
    for finder in [*finder_tools(compiled), *owner_lists(compiled)]:
        owner: dict[str, Any] | None = row if finder.table == table else None
        owner_pk = compiled.tables[finder.table].pk
        if owner is None and row.get(owner_pk) not in (None, ""):
            owner = sandbox.lookup(finder.table, row[owner_pk])
        value = owner.get(finder.field) if owner else None
        if value in (None, ""):
            continue
        result = sandbox.call(finder.tool, {finder.param: value})
        if result.ok and str(id_from_results(param, [result.value])) == str(key):
            return GoldAction(tool=finder.tool, arguments={finder.param: value}, result=result.value)
    return None


def _found_by_search(compiled: CompiledDomain, table: str, row: dict[str, Any], read: tuple[str, str, Any],
                     sandbox: Sandbox, intent: str, asks: frozenset[str]) -> tuple[GoldAction, list[GoldAction],
                                                                                 tuple[str, str]] | None:
    """(read by who the owner is, the reads opening each record it lists, what the user describes
    theirs by) when that read lists several records of `table`, few enough to open one by one (as
    `agents.candidates`), and one value only this record has, not among the facts asked, picks it out."""
    tool, param, key = read
    for finder, ids in owner_listings(compiled, table, row, param, sandbox):
        if str(key) not in {str(i) for i in ids}:
            continue
        reads = [GoldAction(tool=tool, arguments={param: i}, result=sandbox.call(tool, {param: i}).value) for i in ids]
        if not all(isinstance(a.result, dict) and "error" not in a.result for a in reads):
            continue
        said = description(param, key, reads, intent, asks)
        if said is None:
            continue
        if str(id_by_description(param, [finder.result], f"{intent} {said[1]}")) == str(key):
            reads = [a for a in reads if str(a.arguments[param]) == str(key)]  # the list shows which: open that one
        return finder, reads, said
    return None


def owner_listings(compiled: CompiledDomain, table: str, row: dict[str, Any], param: str,
                   sandbox: Sandbox) -> Iterator[tuple[GoldAction, list[Any]]]:
    """(the read by who the row's owner is, the `param` ids of the records it lists) for each such
    read that lists several records, few enough to open one by one (as `agents.candidates`)."""
    for finder in finder_tools(compiled):
        owner = linked_row(compiled, sandbox, table, row, finder.table)
        value = owner.get(finder.field) if owner else None
        if value in (None, ""):
            continue
        result = sandbox.call(finder.tool, {finder.param: value})
        recs = listed(param, [result.value]) if result.ok else None
        ids = candidate_ids(param, recs) if recs else []
        if ids:
            yield GoldAction(tool=finder.tool, arguments={finder.param: value}, result=result.value), ids
