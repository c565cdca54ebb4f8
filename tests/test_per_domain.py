"""What the runtime keeps per compiled domain is made once and dropped with the domain."""
from __future__ import annotations

import gc

from gem_env.tools.per_domain import PerDomain


class _Domain:
    pass


def test_one_object_per_domain_made_once_and_forgotten_with_it() -> None:
    made, forgotten = [], []
    kept: PerDomain[list] = PerDomain(lambda d: made.append(id(d)) or [], forgotten.append)
    a, b = _Domain(), _Domain()
    assert kept.get(a) is kept.get(a) and kept.get(a) is not kept.get(b) and len(made) == 2
    kept.get(a).append("x")
    del a
    gc.collect()
    assert forgotten == [["x"]] and len(kept.values()) == 1
