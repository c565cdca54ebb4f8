"""The pipeline's refine slot (`gem synthesize --refine [OPS]`): after verify, each accepted
trajectory's task gets its variants, rolled out with the run's own agent and user backends and
verified; they join the document's tasks and trajectories, so the records stage writes them like
any other (a variant that cannot be made is a rejection of stage ``refine``)."""
from __future__ import annotations

import asyncio
from typing import Any

from ...tools import CompiledDomain
from .base import DoesNotApply, NotApplicable, refinable
from .long_context import check as long_enough
from .operators import after_rollout, parse_recipes, refine_task


class RefineStage:
    name = "refine"

    def __init__(self, cfg: Any, agent_client: Any = None, user_client: Any = None) -> None:
        self.cfg, self.agent_client, self.user_client = cfg, agent_client, user_client
        self.recipes = parse_recipes(",".join(cfg.refine))

    def _variants(self, s: Any) -> list[tuple[Any, CompiledDomain, Any]]:
        """(variant, its domain, parent trajectory) for every accepted task and recipe."""
        parents = [(t, traj) for t, traj, ok in zip(s.tasks, s.trajectories, s.accepted) if ok and refinable(t) is None]
        siblings = [t for t, _ in parents]
        derived: dict[str, CompiledDomain] = {}
        pool: dict[str, list[Any]] = {}
        out = []
        for task, trajectory in parents:
            for recipe in self.recipes:
                try:
                    variant, compiled = refine_task(task, s.compiled, recipe, siblings=siblings, seed=self.cfg.seed,
                                                    derived=derived, pool=pool)
                except NotApplicable as err:
                    s.unit.reject("not_applicable" if isinstance(err, DoesNotApply) else "refine", str(err),
                                  task=task.id, category="+".join(recipe))
                    continue
                out.append((variant, compiled, trajectory))
        return out

    async def run(self, s: Any) -> bool:
        from ...backends import make_agent, make_task_user
        from ..ground.episode import Limits
        from ..ground.rollout import run_rollout
        from ..ground.usage import EpisodeUsage

        variants = self._variants(s)
        limits = Limits(max_turns=self.cfg.max_turns, max_tool_errors=self.cfg.max_tool_errors)
        usages = [EpisodeUsage() for _ in variants]
        trajectories = await asyncio.gather(*(
            run_rollout(v, c, make_agent(self.cfg.agent, c, self.agent_client, usage=u),
                        make_task_user(self.cfg.user, v, self.user_client, seed=self.cfg.seed, usage=u),
                        limits=limits, usage=u)
            for (v, c, _), u in zip(variants, usages)))
        outage = next((u.outage for u in usages if u.outage is not None), None)
        if outage is not None:
            raise outage
        domains = {}
        for (variant, compiled, parent), trajectory in zip(variants, trajectories):
            trajectory.meta["backends"]["stages"] = self.cfg.backend
            trajectory.meta["refine"] = {"parent": variant.parent_id, "ops": variant.ops, "category": variant.category}
            s.add_usage(trajectory.meta["llm"])
            ok = trajectory.verification.passed
            short = long_enough(trajectory.messages, parent.messages) if ok and "long_context" in variant.ops else None
            if short is not None:  # verified, but no long-context task (nothing failed: not a rejection
                # by verification, which `gem verify` would replay as passed)
                s.unit.reject("not_applicable", f"long_context: {short}", task=variant.id, category=variant.category)
                continue
            if ok:  # the recipe's rewrites, by whichever model the run has
                why = await after_rollout(trajectory, variant, compiled, self.user_client or self.agent_client)
                if why is not None:
                    s.unit.reject("refine", why, task=variant.id, category=variant.category)
                    continue
            s.tasks.append(variant)
            s.trajectories.append(trajectory)
            s.accepted.append(ok)
            if compiled.domain.name != s.compiled.domain.name:  # gem verify replays rejected ones too
                domains[compiled.domain.name] = compiled
        if domains:  # derived domains (distractors) are written beside the document's own
            own = [s.unit.domain_file] if s.unit.domain_file else []
            s.unit.domain_file = own + [(f"{n}.json", d.domain.to_json() + "\n") for n, d in sorted(domains.items())]
        return True
