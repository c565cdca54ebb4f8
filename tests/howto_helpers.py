"""What the how-to tests share: a guide read as a general how-to (`GENERAL`), extracted offline
(`extracted`, `guide_domain`), the texts of the steps its checklist marks (`marked_spans`), and its
tasks rolled out by the offline agent and the scripted user (`rolled_out`)."""
from __future__ import annotations

from typing import Any

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Rejection, Verdict
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.tools import CompiledDomain, Domain
from gem_env.tools.kinds import customer_step

#: stage 1's verdict on a how-to: relevant, of no service
GENERAL = Verdict(id="x", relevant=True, score=0.9, reason="steps", labels={"domain": "general"})


def extracted(doc: Document, verdict: Verdict = GENERAL) -> Domain | Rejection:
    """The offline extractor's domain of `doc` (no archetype), or its rejection."""
    return OfflineExtractor(archetypes=False).extract(doc, verdict)


def guide_domain(doc: Document, verdict: Verdict = GENERAL) -> Domain:
    """The domain extracted from `doc`; fails the test where the document is rejected."""
    domain = extracted(doc, verdict)
    assert isinstance(domain, Domain), domain
    return domain


def marked_spans(domain: Domain) -> list[str]:
    """The texts of the workflow steps whose tools record a step the customer takes (`customer_step`):
    the steps the checklist marks, in order."""
    return [s.span.text for w in domain.workflows for s in w.steps if s.span
            and customer_step(next(t.description for t in domain.tools if t.name == s.tool))]


async def rolled_out(compiled: CompiledDomain, per_domain: int = 3, seed: int = 0) -> list[Any]:
    """The trajectories of the domain's tasks (`make_tasks`), each rolled out by the offline agent
    and the scripted user, two at a time."""
    tasks, _ = make_tasks(compiled, per_domain=per_domain, seed=seed)
    jobs = [RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario), Limits()) for t in tasks]
    return await run_rollouts(jobs, concurrency=2)
