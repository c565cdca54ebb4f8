"""Two products of one customer in one domain: a text that speaks of a card and the bank account it
draws on gets both archetypes' tables, tools and workflows.

A real bank customer holds accounts and cards, and a card draws on one of their accounts. Where a
document scores for both archetypes (`service.SURE_SCORE` each) and a sentence of it links the two
(names the drawing record beside the other qualified by a product kind: "your debit card and your
checking account"), the domain is the first archetype's (the one the text is most about) with the
second's added: the owner table and the hand-off log shared, the second's own tables, tools and
workflows beside the first's, the profile read listing both kinds of record, and the drawing record
keyed to the record it draws on (`<main>_id`, seeded among its owner's own). Where the two
archetypes name a table alike (both keep `transactions`), the one with another name for it takes
that (a card's become its charges). What is shared is the first's; what the second adds keeps its
spans, so the domain still says only what the text says of each.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from ...text import features as tf
from .archetypes import Archetype, ARCHETYPES
from .service_tools import plural
from .specialise import Specialisation

#: the statuses of a record that has ended: no card draws on a closed account
_ENDED = ("closed", "cancelled", "expired")


def partner(arch: Archetype, text: str, title: str, sure: float, score: Any) -> Archetype | None:
    """The archetype whose record `arch`'s draws on, or which draws on `arch`'s (`Archetype.draws_on`),
    when the text scores `sure` for it too, has the same owner, and links the two (`linked`)."""
    for other in ARCHETYPES:
        if other.key == arch.key or other.owner != arch.owner:
            continue
        if arch.draws_on != other.key and other.draws_on != arch.key:
            continue
        drawer, drawn = (arch, other) if arch.draws_on == other.key else (other, arch)
        if score(other, text, title) >= sure and linked(drawer, drawn, text):
            return other
    return None


def linked(drawer: Archetype, drawn: Archetype, text: str) -> bool:
    """Whether a sentence of the text names the drawing record (a card) beside the one it draws on,
    qualified by a product kind of it or as a bank's ("a debit card linked to your checking account",
    "the bank account your card draws on"), or, in a text naming the former, names the latter as
    linked ("The linked checking account must be OPEN"): the text speaks of both for one customer."""
    kinds = "|".join(re.escape(k) for k in (*drawn.product_kinds(), "bank"))
    mains = "|".join(re.escape(m.replace("_", " ")) for m in drawn.main)
    qualified = re.compile(rf"\b(?:{kinds})\s+(?:{mains})s?\b", re.I)
    if not {tf.lemma(w) for w in re.findall(r"[A-Za-z]+", text)} & set(drawer.main):
        return False  # a savings account's "linked checking account" is no card's
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        words = {tf.lemma(w) for w in re.findall(r"[A-Za-z]+", sentence)}
        if (words & set(drawer.main) or _BELONGS.search(sentence)) and qualified.search(sentence):
            return True
    return False


#: the record another one draws on, said as such ("The linked checking account must be OPEN", "the
#: corresponding checking accounts")
_BELONGS = re.compile(r"\b(?:linked|corresponding|associated|underlying)\s+(?:\w+\s+)?\w+\s+accounts?\b", re.I)


def tables_of(arch: Archetype, sp: Specialisation) -> set[str]:
    """The tables an archetype specialised with a text keeps, besides the owners' and the hand-offs'."""
    nouns = {sp.main, sp.child, sp.request, sp.catalog, arch.move.record if arch.move else None}
    return {plural(n) for n in nouns if n}


def part_ways(first: tuple[Archetype, Specialisation], second: tuple[Archetype, Specialisation]) -> bool:
    """Give the two distinct table names where they share one, in place: the child of the archetype
    that has another name for it takes that one (a card's transactions become its charges). False
    when a shared name is left."""
    (a, sa), (b, sb) = first, second
    for arch, sp, other, osp in ((b, sb, a, sa), (a, sa, b, sb)):
        taken = tables_of(other, osp)
        if sp.child and plural(sp.child) in taken:
            free = [c for c in arch.child if plural(c) not in taken]
            if free:
                sp.child = free[0]
    return not tables_of(a, sa) & tables_of(b, sb)


def merge(first: dict[str, Any], second: dict[str, Any], drawer: tuple[str, str],
          drawn: tuple[str, str], owner: str, *, text: str, second_main: str) -> dict[str, Any]:
    """The first archetype's built domain with the second's added (see the module's note). `drawer`
    and `drawn` are (table, main noun) of the record that draws on the other and of that other.
    Of the second's writes, only those the text says of its record (`said_of`) come along, with the
    workflows that use none of the others and the tables what is kept uses."""
    out = copy.deepcopy(first)
    second = _only_said(copy.deepcopy(second), {t["name"] for t in first["tools"]}, text, second_main)
    names = {e["name"] for e in out["entities"]}
    out["entities"] += [e for e in second["entities"] if e["name"] not in names]
    _key_to(out["entities"], drawer, drawn, owner)
    tools = {t["name"]: t for t in out["tools"]}
    own = {e["name"] for e in second["entities"]} - names
    for t in second["tools"]:
        if t["name"] not in tools:
            out["tools"].append(t)
        elif any(s.get("many") and s.get("find") in own for s in t["effect"]):  # the finders, the profile
            _list_also(tools[t["name"]], t, own)
    details = next((t for t in out["tools"] if t["name"] == f"get_{drawer[1]}_details"), None)
    if details is not None:
        _show_key(details, drawer, drawn)
    for t in out["tools"]:
        _ends_drawing(t, drawer, drawn, out["entities"])
    taken = {w["name"] for w in out["workflows"]}
    out["workflows"] += [w for w in second["workflows"] if w["name"] not in taken]
    for name, steps in (second.get("step_groups") or {}).items():
        out.setdefault("step_groups", {}).setdefault(name, steps)
    said = {p["text"] for p in out["policy"]}
    out["policy"] += [p for p in second["policy"] if p["text"] not in said]
    for i, p in enumerate(out["policy"], 1):
        p["id"] = f"P{i}"
    out["spans"] = list(out["spans"]) + [s for s in second["spans"] if s not in out["spans"]]
    return out


def said_of(tool: str, noun: str, text: str) -> bool:
    """Whether a sentence of the text says the tool's act of the record `noun` names ("close_account":
    a sentence with "close" and "account"; "update_account_overdraft_protection": "overdraft" and
    "account"), not of another record ("Temporarily freeze card during investigation" is no account's
    freeze)."""
    acts = {_stem(w) for w in tool.split("_")} - {_stem(w) for w in noun.split("_")} - _GENERIC
    record = _stem(noun.split("_")[-1])
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        words = [_stem(w) for w in re.findall(r"[A-Za-z]+", sentence)]
        at = [i for i, w in enumerate(words) if w == record]
        if any(abs(i - j) <= _NEAR for i in at for j, w in enumerate(words) if w in acts):
            return True
    return False


#: how many words apart an act and its record may be said ("close the customer's account", "the
#: account is then closed")
_NEAR = 3


#: words of a tool's name that name no act of its own
_GENERIC = frozenset({"update", "get", "list", "find", "by", "detail", "fund", "status"})


def _stem(word: str) -> str:
    """A word's lemma, "closing" and "freezing" as "close" and "freeze"."""
    lemma = tf.lemma(word.lower())
    return lemma[:-3] + "e" if lemma.endswith("ing") and len(lemma) > 5 else lemma


def _only_said(built: dict[str, Any], shared: set[str], text: str, main: str) -> dict[str, Any]:
    """The second archetype's domain with only the writes the text says of its record: its reads and
    the shared tools kept, the workflows using a dropped write left out, and its tables no kept tool
    or table refers to."""
    dropped = {t["name"] for t in built["tools"]
               if t["kind"] == "write" and t["name"] not in shared and not said_of(t["name"], main, text)}
    built["tools"] = [t for t in built["tools"] if t["name"] not in dropped]
    built["workflows"] = [w for w in built["workflows"] if not _uses(w, dropped, built.get("step_groups") or {})]
    used = {s.get(k) for t in built["tools"] for s in t["effect"] for k in ("find", "insert", "update", "delete")}
    used |= {w["anchor"]["table"] for w in built["workflows"]}
    kept = [e for e in built["entities"] if e["name"] in used]
    refs = {f["foreign_key"].split(".")[0] for e in kept for f in e["fields"] if f.get("foreign_key")}
    built["entities"] = [e for e in built["entities"] if e["name"] in used | refs]
    return built


def _uses(workflow: dict[str, Any], tools: set[str], groups: dict[str, Any]) -> bool:
    steps = [s for step in workflow["steps"] for s in (groups.get(step["use"], []) if "use" in step else [step])]
    return any(s.get("tool") in tools for s in steps)


def _key_to(entities: list[dict[str, Any]], drawer: tuple[str, str], drawn: tuple[str, str], owner: str) -> None:
    """The drawing record's key to the one it draws on, right after its owner's (so it is seeded
    among that owner's own, of whom each holds one), and among those not ended (a card on an open or frozen account, not a
    closed one, where the owner has one); one on an ended record has ended too (a card on a closed
    account is closed)."""
    table, _ = drawer
    drawn_table, drawn_main = drawn
    entity = next(e for e in entities if e["name"] == table)
    target = next(e for e in entities if e["name"] == drawn_table)
    live = next(([v for v in f["values"] if v not in _ENDED] for f in target["fields"]
                 if f["name"] == "status" and f.get("values")), None)
    field: dict[str, Any] = {"name": f"{drawn_main}_id", "foreign_key": f"{drawn_table}.{target['primary_key']}",
                             "description": f"the {drawn_main.replace('_', ' ')} it draws on"}
    if live:
        field["among"] = {"status": live}
    at = next((i + 1 for i, f in enumerate(entity["fields"]) if f["name"] == f"{owner}_id"), 1)
    entity["fields"].insert(at, field)
    status = next((f for f in entity["fields"] if f["name"] == "status" and f.get("values") and not f.get("by")), None)
    ended = [v for v in (status or {}).get("values", []) if v in _ENDED]
    gone = [v for f in target["fields"] if f["name"] == "status" for v in f.get("values") or [] if v in _ENDED]
    if status is not None and ended and gone:  # a card on a closed account is closed too
        status["by"] = {f"{drawn_main}_id.status": {v: [ended[0]] for v in gone}}
    for f in target["fields"]:  # every customer holds one at least: a card's own customer has one to draw on
        if f["name"] == f"{owner}_id" and f.get("foreign_key"):
            f["cover"] = True


def _ends_drawing(tool: dict[str, Any], drawer: tuple[str, str], drawn: tuple[str, str],
                  entities: list[dict[str, Any]]) -> None:
    """A write that ends a record others draw on (closing an account) ends those too (the cards on
    it are closed), so nothing later draws on a closed account."""
    table, main = drawer
    drawn_table, drawn_main = drawn
    status = next((f for e in entities if e["name"] == table for f in e["fields"] if f["name"] == "status"), {})
    ended = [v for v in status.get("values") or [] if v in _ENDED]
    if tool["kind"] != "write" or not ended:
        return
    for i, step in enumerate(tool["effect"]):
        said = str((step.get("set") or {}).get("status", "")).strip("'\"")
        if step.get("update") == drawn_table and said in _ENDED:
            key = f"{drawn_main}_id"
            tool["effect"][i + 1:i + 1] = [
                {"find": table, "as": f"drawing_{table}", "many": True, "where": {key: f"{step['row']}.{key}"}},
                {"update": table, "row": f"drawing_{table}", "set": {"status": repr(ended[0])}}]
            return


def _list_also(profile: dict[str, Any], other: dict[str, Any], own: set[str]) -> None:
    """A read of the customer (a finder, the profile) lists the second archetype's records too (a
    customer's accounts beside their cards): its find of them, renamed apart, and the list it returns."""
    ret = next(s for s in profile["effect"] if "return" in s)
    taken = {s.get("as") for s in profile["effect"]}
    for step in other["effect"]:
        if not (step.get("many") and step.get("find") in own):
            continue
        old, new = step["as"], step["as"] if step["as"] not in taken else f"{step['as']}_{step['find']}"
        other_ret = next(s for s in other["effect"] if "return" in s)["return"]
        for key, expr in other_ret.items():
            if key not in ret["return"] and re.search(rf"\b{re.escape(old)}\b", expr):
                ret["return"][key] = re.sub(rf"\b{re.escape(old)}\b", new, expr)
        profile["effect"].insert(profile["effect"].index(ret), {**step, "as": new})
    if "description" in profile and "description" in other:
        profile["description"] = _both(profile["description"], other["description"])


def _both(first: str, second: str) -> str:
    """"A customer's profile and their cards with status." + "... their accounts with status." ->
    "A customer's profile and their cards and accounts with status."."""
    a = re.search(r"their (\w+)", first)
    b = re.search(r"their (\w+)", second)
    if a and b and a.group(1) != b.group(1):
        return first.replace(f"their {a.group(1)}", f"their {a.group(1)} and {b.group(1)}", 1)
    return first


def _show_key(details: dict[str, Any], drawer: tuple[str, str], drawn: tuple[str, str]) -> None:
    """The drawing record's details show the key of the record it draws on (a card's account)."""
    found = next((s for s in details["effect"] if s.get("find") == drawer[0] and not s.get("many")), None)
    ret = next((s for s in details["effect"] if "return" in s), None)
    if found is None or ret is None:
        return
    key = f"{drawn[1]}_id"
    items = list(ret["return"].items())
    at = next((i + 1 for i, (k, _) in enumerate(items) if k.endswith("_id") and k != f"{drawer[1]}_id"), 1)
    items.insert(at, (key, f"{found['as']}.{key}"))
    ret["return"] = dict(items)


__all__ = ["linked", "merge", "part_ways", "partner", "tables_of"]
