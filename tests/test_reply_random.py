"""The offline users' per-reply RNG (`simulators.reply_random`): the state of
``random.Random(f"{seed}\\x00{turn}")`` without hashing the seed's text every turn, and the str
itself where this Python would seed otherwise."""
from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators import reply_random as module
from gem_env.simulators.reply_random import reply_random
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.rollout import run_rollout
from gem_env.stages.tasks import make_tasks
from gem_env.tools import compile_domain, load_domain

SHOP = Path(__file__).resolve().parent / "data" / "rollout_shop.yaml"


def test_this_python_takes_the_kept_hash_path() -> None:
    assert module.EXACT


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.integers(-10**30, 10**30)), st.integers(0, 10**6))
def test_the_same_state_as_seeding_from_the_text(seed: object, turn: int) -> None:
    got = reply_random(seed, turn)
    assert got.getstate() == random.Random(f"{seed}\x00{turn}").getstate()
    assert reply_random(seed, turn).getstate() == got.getstate()  # and again, from the kept hash


def test_a_scripted_users_seed_gives_the_same_draws() -> None:
    compiled = compile_domain(load_domain(SHOP))
    task = make_tasks(compiled, per_domain=1, seed=0)[0][0]
    seed = ScriptedUser(task.scenario)._seed
    for turn in range(12):
        fast, plain = reply_random(seed, turn), random.Random(f"{seed}\x00{turn}")
        assert [fast.random() for _ in range(5)] == [plain.random() for _ in range(5)]


def test_without_the_kept_hash_path_users_say_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = compile_domain(load_domain(SHOP))
    tasks, _ = make_tasks(compiled, per_domain=3, seed=5)

    def conversations() -> list[list[dict[str, object]]]:
        return [asyncio.run(run_rollout(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))).messages
                for t in tasks]
    fast = conversations()
    monkeypatch.setattr(module, "EXACT", False)
    monkeypatch.setattr(module, "_seeded_from_kept_hash", None)  # the fallback must not touch it
    assert conversations() == fast
