"""The per-call shortcuts of a write's values equal the general code they stand for: a field's
specialised encoder (`Table.encoder`, a null passed through where the field may be empty) gives
what `Table.encode` gives or raises as it does, and a call's id spread (`seed.id_spread`, one
crc32 over the joined texts) is the crc32 folded value by value."""
from __future__ import annotations

import random
import zlib
from typing import Any

import pytest

from gem_env.tools import compile_domain, parse_domain
from gem_env.tools.errors import ExprError
from gem_env.tools.seed import _canonical, _spread_room, id_spread

from test_language import BASE

VALUES = [None, "", "text", "2025-03-01", "2025-03-01T10:00:00", 0, 3, -2, 2.5, 3.0, True, False,
          [1, "a"], {"k": 1.5}, "é漢"]


def _outcome(fn: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(value)
    except (ExprError, ValueError, TypeError) as err:
        return "raises", type(err)


@pytest.mark.parametrize("value", VALUES)
def test_a_fields_encoder_is_its_encode(value):
    notes = {"name": "notes", "primary_key": "note_id", "rows": 0,
             "fields": [{"name": "note_id"}, {"name": "text"}, {"name": "due", "type": "date", "nullable": True},
                        {"name": "n", "type": "integer", "nullable": True}, {"name": "x", "type": "number"},
                        {"name": "memo", "nullable": True}, {"name": "tags", "type": "json", "nullable": True}]}
    compiled = compile_domain(parse_domain({**BASE, "entities": BASE["entities"] + [notes]}))
    for t in compiled.tables.values():
        for name in t.fields:
            got, want = _outcome(t.encoder(name), value), _outcome(lambda v: t.encode(name, v), value)
            assert got == want and type(got[1]) is type(want[1]), (t.name, name, value)


def _folded(pattern: str, tool: str, args: dict[str, Any]) -> int:
    """The spread as a crc32 folded over the tool's name and each value's text."""
    h = zlib.crc32(tool.encode())
    for v in args.values():
        if v.__class__ is str:
            h = zlib.crc32(v.encode(), h)
        elif v is None:
            h = zlib.crc32(b"\x00", h)
        else:
            h = zlib.crc32(repr(_canonical(v)).encode(), h)
    return h % _spread_room(pattern)


def test_the_spread_is_the_crc32_folded_value_by_value():
    rng = random.Random(14)
    for _ in range(3000):
        args = {f"a{i}": rng.choice(VALUES + ["\x00", "ITM-77599"]) for i in range(rng.randrange(5))}
        pattern, tool = rng.choice(["RT-####", "X-", "DSP-#####"]), rng.choice(["create_return", "t", ""])
        assert id_spread(pattern, tool, args) == _folded(pattern, tool, args), (pattern, tool, args)


def test_an_inserts_reply_text_is_encode_of_its_object():
    """`insertplan._object_text` (a reply of the inserted row's fields, written as text) is `ENCODE`
    of the same object, whatever the values."""
    from gem_env.tools.insertplan import _object_text
    from gem_env.tools.jsontext import ENCODE

    rng = random.Random(3)
    texts = VALUES + ['quote " and \\ back', "line\nbreak\u2028", "\x00", float("1e300"), 10 ** 20]
    for _ in range(2000):
        obj = {rng.choice(["id", "é", 'k"', "a b", f"k{i}"]): rng.choice(texts) for i in range(rng.randrange(4))}
        keys = tuple(("{" if i == 0 else ",") + ENCODE(k) + ":" for i, k in enumerate(obj))
        assert _object_text(keys, obj.values()) == ENCODE(obj), obj
