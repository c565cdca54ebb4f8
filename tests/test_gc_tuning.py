"""`rollout_gc`: the tuned settings hold inside the block only; the default changes nothing."""
from __future__ import annotations

import gc

import pytest

from gem_env.stages.ground.gc_tuning import GEN0, rollout_gc


def test_tuned_freezes_setup_and_raises_gen0_inside_the_block_only() -> None:
    before = gc.get_threshold()
    setup = [[i] for i in range(1000)]  # tracked containers that exist when the batch starts
    with rollout_gc("tuned"):
        assert gc.get_threshold() == (GEN0, *before[1:])
        assert gc.get_freeze_count() >= len(setup)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_default_changes_nothing_and_an_unknown_mode_is_refused() -> None:
    before = gc.get_threshold()
    with rollout_gc("default"):
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    with pytest.raises(ValueError, match="unknown GC mode 'fast'"):
        with rollout_gc("fast"):
            pass
