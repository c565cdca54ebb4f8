"""One optional part of a service domain, declared once: a `Feature` record.

A feature (booking from the catalog, moving money, opening a product, a remedy by membership level,
...) is one module: a mixin of `ToolKit` (service_tools.py) with its methods, and a `Feature` naming
them: what it reads from the text, when it is on for a domain, and what it then adds to the owner,
main and child records' fields, to the tables, the read tools, the write tools and the workflows.
`ToolKit` builds each of those lists by walking the registry (`service_registry.FEATURES`) in
order, after the archetype's own parts; so a new feature is its module and one line there.

Each contribution is a function of the `ToolKit` (`kit`), called only when `on(kit)` holds, and
returns a list (empty when, say, a text names products but does not speak of opening one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Kit = Any  # a `ToolKit`: typed loosely, as the mixins are, so this module stands below them
Contribution = Callable[[Kit], list[dict[str, Any]]]


def _nothing(kit: Kit) -> list[dict[str, Any]]:
    return []


def _after_all(kit: Kit) -> str | None:
    return None


def _never(kit: Kit) -> bool:
    return False


def _reads_nothing(sp: Any, arch: Any, text: str, title: str) -> None:
    return None


def present(*made: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The tools or workflows made, without the None of one that could not be made."""
    return [m for m in made if m is not None]


@dataclass(frozen=True)
class Feature:
    """What a feature reads from the text and what it adds to a domain when `on`."""

    name: str
    mixin: type                      # its methods, a base of `ToolKit`
    on: Callable[[Kit], bool]        # whether the domain has it (the text asked, the archetype allows)
    #: fills the `Specialisation` from the text (sp, archetype, text, title), before the kit is made
    read: Callable[[Any, Any, str, str], None] = _reads_nothing
    owner_fields: Contribution = _nothing
    main_fields: Contribution = _nothing
    #: the archetype's main field those fields follow (None: after all of them)
    main_fields_after: Callable[[Kit], str | None] = _after_all
    child_fields: Contribution = _nothing   # after the child's status, before the archetype's fields
    #: tables the main records or their children refer to (made before them: variants of a product)
    referred_tables: Contribution = _nothing
    tables: Contribution = _nothing         # tables referring to the records (moves, refunds)
    #: the rows the catalog is seeded with (a timetable of routes); the first feature's that gives some
    catalog_rows: Contribution = _nothing
    reads: Contribution = _nothing
    writes: Contribution = _nothing
    flows: Contribution = _nothing
    #: its workflows come first, whatever the title's words (the remedy a text grants is what it is about)
    leads: Callable[[Kit], bool] = _never


__all__ = ["Feature", "present"]
