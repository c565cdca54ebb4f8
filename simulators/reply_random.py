"""The per-reply RNG of the offline users: ``random.Random(f"{seed}\\x00{turn}")``, made cheaper.

Seeding from a str hashes the whole text with sha512 and builds the Mersenne state from the text
and its digest (`random.Random.seed`, version 2). A scripted user's seed is its scenario's JSON
(~2 KB) and it seeds once per reply, so the hash of the same text was taken again every turn.
Here the hash of ``f"{seed}\\x00"`` is kept per seed and continued with the turn (`hashlib`'s
``copy``), and the generator is seeded with the int that `random.Random.seed` would make of the
str: the same state, so the same draws (checked at import; where it differs, the str is used).
"""
from __future__ import annotations

import random
from functools import lru_cache
from hashlib import sha512
from typing import Any

__all__ = ["reply_random"]


@lru_cache(maxsize=256)
def _hashed_prefix(seed: str) -> Any:
    """sha512 of ``f"{seed}\x00"``'s UTF-8 bytes, to be continued (``copy``, ``update``). Keyed by
    the seed's own str object where it is one: its hash is kept, not taken again per turn."""
    return sha512(seed.encode() + b"\x00")


def _seeded_from_kept_hash(seed: object, turn: int) -> random.Random:
    text = str(seed)
    tail = str(turn).encode()
    digest = _hashed_prefix(text).copy()
    digest.update(tail)
    return random.Random(int.from_bytes(b"".join((text.encode(), b"\x00", tail, digest.digest()))))


def _seeded_from_text(seed: object, turn: int) -> random.Random:
    return random.Random(f"{seed}\x00{turn}")


EXACT = all(_seeded_from_kept_hash(s, t).getstate() == _seeded_from_text(s, t).getstate()
            for s, t in (("", 0), ("seed \u00e9\u4e2d", 12), (7, 3)))
"""Whether this Python seeds a str as `_seeded_from_kept_hash` assumes (CPython 3.11+ does)."""


def reply_random(seed: object, turn: int) -> random.Random:
    """``random.Random(f"{seed}\\x00{turn}")``: the same state, without hashing ``seed``'s text
    again for every ``turn`` (where this Python seeds otherwise: the str itself)."""
    return _seeded_from_kept_hash(seed, turn) if EXACT else _seeded_from_text(seed, turn)
