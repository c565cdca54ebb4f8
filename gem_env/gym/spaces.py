"""`JSONText`: the string space of the tool-use environment's actions and observations.

gymnasium's `spaces.Text` draws from a fixed charset (alphanumerics by default), so it rejects
JSON and most natural text. `JSONText` holds any `str` up to `max_length` characters; `sample()`
returns a valid action JSON (a short message, or a call of one of the space's tools with arguments
drawn from its schema) using the space's own `np_random`. Vector environments batch it as a tuple
of strings; with `AsyncVectorEnv(shared_memory=True)` each string travels as UTF-8 in a buffer of
`4 * max_length` bytes per sub-environment.
"""
from __future__ import annotations

import json
import multiprocessing as mp
from collections import abc
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium.spaces import Space
from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

DEFAULT_MAX_LENGTH = 1 << 17
_WORDS = ("hello", "order", "status", "please", "check", "thanks", "account", "help", "yes", "no")
_HEADER = 4  # bytes of the UTF-8 length in front of each shared-memory slot


class JSONText(Space[str]):
    """Any string of at most `max_length` characters; `sample()` gives a valid action JSON.

    `tools` are OpenAI function schemas (`{"type": "function", "function": {...}}`) that
    `sample()` may call; without tools it samples text messages only.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH, tools: Sequence[dict[str, Any]] = (),
                 seed: int | np.random.Generator | None = None):
        if max_length < 1:
            raise ValueError(f"max_length must be positive, got {max_length}")
        self.max_length = int(max_length)
        self.tools = tuple(tools)  # shared with the caller, never changed
        super().__init__(dtype=str, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any | None = None, probability: Any | None = None) -> str:
        """A valid action JSON: a text message, or (when the space has tools) one tool call."""
        if mask is not None or probability is not None:
            raise NotImplementedError("JSONText.sample takes no mask or probability")
        rng = self.np_random
        if self.tools and rng.random() < 0.5:
            fn = self.tools[int(rng.integers(len(self.tools)))]["function"]
            args = _sample_object(fn.get("parameters") or {}, rng)
            return json.dumps({"tool_calls": [{"name": fn["name"], "arguments": args}]})
        return json.dumps({"content": _sample_words(rng, 2, 8)})

    def to_jsonable(self, sample_n: Sequence[str]) -> list[str]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[str]) -> list[str]:
        return list(sample_n)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSONText) and other.max_length == self.max_length and other.tools == self.tools

    def __hash__(self) -> int:
        return hash((JSONText, self.max_length, len(self.tools)))

    def __repr__(self) -> str:
        return f"JSONText(max_length={self.max_length}, tools={len(self.tools)})"


def _sample_words(rng: np.random.Generator, low: int, high: int) -> str:
    return " ".join(_WORDS[int(i)] for i in rng.integers(len(_WORDS), size=int(rng.integers(low, high))))


def _sample_value(schema: dict[str, Any], rng: np.random.Generator) -> Any:
    """A value valid for a JSON-schema fragment of the kinds tool parameters use."""
    if schema.get("enum"):
        return schema["enum"][int(rng.integers(len(schema["enum"])))]
    kind = schema.get("type", "string")
    if kind == "integer":
        return int(rng.integers(0, 1000))
    if kind == "number":
        return round(float(rng.uniform(0, 1000)), 2)
    if kind == "boolean":
        return bool(rng.random() < 0.5)
    if kind == "array":
        return [_sample_value(schema.get("items") or {}, rng) for _ in range(int(rng.integers(0, 3)))]
    if kind == "object":
        return _sample_object(schema, rng)
    return _sample_words(rng, 1, 3)


def _sample_object(schema: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Every required property, and each optional one with probability 1/2."""
    required = set(schema.get("required") or ())
    return {name: _sample_value(prop, rng) for name, prop in (schema.get("properties") or {}).items()
            if name in required or rng.random() < 0.5}


# ---------------------------------------------------------------- AsyncVectorEnv(shared_memory=True)


@create_shared_memory.register(JSONText)
def _create_shared(space: JSONText, n: int = 1, ctx: ModuleType = mp) -> Any:
    return ctx.Array("B", n * (_HEADER + 4 * space.max_length))


@write_to_shared_memory.register(JSONText)
def _write_shared(space: JSONText, index: int, value: str, shared_memory: Any) -> None:
    slot = _HEADER + 4 * space.max_length
    data = value.encode("utf-8")
    if len(data) > slot - _HEADER:
        raise ValueError(f"observation of {len(value)} characters exceeds JSONText(max_length={space.max_length})")
    buf = np.frombuffer(shared_memory.get_obj(), dtype=np.uint8)
    start = index * slot
    buf[start:start + _HEADER] = np.frombuffer(len(data).to_bytes(_HEADER, "little"), dtype=np.uint8)
    buf[start + _HEADER:start + _HEADER + len(data)] = np.frombuffer(data, dtype=np.uint8)


class SharedTexts(abc.Sequence):
    """A live, read-only view of the strings in shared memory (`AsyncVectorEnv` reads it once).

    Indexing and iteration decode the current contents; `deepcopy` (what `AsyncVectorEnv(copy=True)`
    returns) gives a plain tuple of the strings.
    """

    def __init__(self, space: JSONText, shared_memory: Any, n: int):
        self._raw = memoryview(shared_memory.get_obj()).cast("B")
        self._slot = _HEADER + 4 * space.max_length
        self._n = n

    def _get(self, i: int) -> str:
        start = i * self._slot
        size = int.from_bytes(self._raw[start:start + _HEADER], "little")
        return bytes(self._raw[start + _HEADER:start + _HEADER + size]).decode("utf-8")

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        return tuple(self)[i] if isinstance(i, slice) else self._get(range(self._n)[i])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, abc.Sequence) and tuple(self) == tuple(other)

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:
        return tuple(self)


@read_from_shared_memory.register(JSONText)
def _read_shared(space: JSONText, shared_memory: Any, n: int = 1) -> SharedTexts:
    return SharedTexts(space, shared_memory, n)
