"""A domain whose writes check a rule in the text's own words tries a refusal first: with three
tasks a domain, the kinds' rotation left the rule untested in three domains of four (issue 11)."""
from __future__ import annotations

from gem_env.stages.tasks.make import _kind_plan
from gem_env.stages.tasks.model import KINDS


def test_a_stated_rule_puts_the_refusal_among_a_small_domains_tasks() -> None:
    names = [f"domain-{k}" for k in range(40)]
    without = [n for n in names if "refuse" not in _kind_plan(n, KINDS, 3)[:3]]
    assert len(without) > 10  # the rotation alone leaves most out
    for name in names:
        plan = _kind_plan(name, KINDS, 3, rule_first=True)
        assert "refuse" in plan[:3], (name, plan)
        # the other kinds keep their turns, in the same order
        rest = [k for k in _kind_plan(name, KINDS, 3) if k != "refuse"]
        assert [k for k in plan if k != "refuse"][:len(rest) // 2] == rest[:len(rest) // 2]
