"""The customer's courtesies say nothing about their records: "Okay, thanks for checking." before
"I'd like to close my account. It's the savings one." made the agent read the savings and the
checking account both as the one meant, and ask which."""
from __future__ import annotations

import re

from gem_env.simulators import phrases as P
from gem_env.stages.extract.archetypes import ARCHETYPES


def _kinds() -> set[str]:
    """Every listed value of an archetype's fields: the words a customer describes a record by."""
    out: set[str] = set()
    for arch in ARCHETYPES:
        for f in (*arch.main_fields, *arch.child_fields, *arch.catalog_fields):
            out |= {v.lower() for v in f.get("values") or [] if isinstance(v, str)}
    return out


def test_a_courtesy_names_no_kind_of_record() -> None:
    """After a no, after a refusal ("Fair enough. Thanks for checking." then the next request), at the end."""
    kinds = _kinds()
    assert {"checking", "savings", "debit", "credit"} <= kinds
    for bridge in (*P.BRIDGE_AFTER_DECLINE, *P.UNDERSTOOD, *P.GOODBYES):
        words = set(re.findall(r"[a-z]+", bridge.lower()))
        assert not words & kinds, bridge
