"""The gym's parsed actions (`parse_action(..., used_ids=)`) are recorded as they are instead of
being normalised a second time: the same messages and the same call ids as `normalize_assistant`,
and the general path still takes every other form."""
from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from gem_env.gym import ActionError, parse_action
from gem_env.stages.ground.episode import normalize_assistant, unique_call_id


def _random_action(rng: random.Random) -> Any:
    """An action in any of the forms the gym takes (short, full OpenAI, JSON text), with ids
    missing, repeated, or clashing with earlier ones, and texts empty, null or in parts."""
    def call() -> dict[str, Any]:
        args = rng.choice([{}, {"id": rng.randint(0, 3)}, '{"id": 1}', "not json", None, {"q": "é"}])
        name = rng.choice(["get_order", "a", "find"])
        short = rng.random() < 0.5
        out: dict[str, Any] = ({"name": name, "arguments": args} if short
                               else {"type": "function", "function": {"name": name, "arguments": args}})
        if rng.random() < 0.7:
            out["id"] = rng.choice(["call_0", "call_1", "call_2", "x", f"id{rng.randint(0, 4)}"])
        return out
    message: dict[str, Any] = {}
    if rng.random() < 0.3:
        message["role"] = "assistant"
    message["content"] = rng.choice([None, "", "Let me check.", [{"type": "text", "text": "parts"}]])
    if rng.random() < 0.7:
        message["tool_calls"] = [call() for _ in range(rng.randint(0, 3))]
    return json.dumps(message) if rng.random() < 0.2 else message


def test_a_parsed_action_with_the_episodes_ids_equals_normalising_it_again() -> None:
    rng = random.Random(5)
    adopted_some = renamed = 0
    for _ in range(200):  # one episode's worth of actions each: ids accumulate
        used_general: set[str] = set()
        used_fast: set[str] = set()
        for _ in range(rng.randint(1, 12)):
            action = _random_action(rng)
            try:
                parsed = parse_action(copy.deepcopy(action))
            except ActionError:
                with pytest.raises(ActionError):
                    parse_action(action, used_ids=used_fast)
                continue
            given = [c["id"] for c in parsed.get("tool_calls", ())]
            general = normalize_assistant(parsed, used_general)
            fast = parse_action(action, used_ids=used_fast)
            assert json.dumps(fast) == json.dumps(general)  # the same keys in the same order
            assert used_fast == used_general
            adopted_some += 1
            renamed += given != [c["id"] for c in fast.get("tool_calls", ())]
    assert adopted_some > 500 and renamed > 100  # ids clashed often


def test_unique_call_id_keeps_new_ids_and_renames_taken_or_missing_ones() -> None:
    used: set[str] = set()
    assert unique_call_id("a", used) == "a"
    assert unique_call_id("a", used) == "call_1"
    assert unique_call_id(None, used) == "call_2"
    assert unique_call_id("", used) == "call_3"
    used.add("call_5")
    assert unique_call_id("call_5", used) == "call_6"  # len(used) is 5, then the first free one


def test_the_general_path_still_takes_what_an_agent_returns() -> None:
    """`Episode.execute` (rollouts, integrations) normalises: arguments as objects, no ids."""
    used: set[str] = set()
    msg = normalize_assistant({"tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}, used)
    assert msg == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_0", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}]}
    with pytest.raises(ValueError):
        normalize_assistant({"content": 3}, used)
