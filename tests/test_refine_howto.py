"""Refining how-to sessions: a guide done on the customer's own record, found by their email (signed in)
or by the record's name. What a variant makes harder must be something this customer says, and a
chained session stays with their own records."""
from __future__ import annotations

import asyncio
import re

import pytest

from gem_env.agents.prechecks import is_rule
from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.refine.base import NotApplicable
from gem_env.stages.refine.operators import refine_task
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, Domain, compile_domain
from gem_env.tools.model import RequireStep

RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")
SSD = ("# How to Install an SSD in Your Laptop\n\n1. Shut down your laptop.\n"
       "2. Go to https://example.com/ssd-tool in a browser and download the tool.\n"
       "3. Type the serial number of your SSD.\n4. Place the SSD in the hard drive slot.\n5. Boot up your laptop.\n")
ROUTER = ("# How to Rename Your Router\n\n1. Go to http://192.168.0.1 in a browser.\n2. Click the Settings tab.\n"
          "3. Type the new network name in the Name box.\n4. Click Save.\n")


def _domain(text: str) -> CompiledDomain:
    title = text.splitlines()[0].lstrip("# ")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="x", title=title, text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    return compile_domain(domain)


@pytest.fixture(scope="module")
def ssd() -> CompiledDomain:
    return _domain(SSD)


@pytest.fixture(scope="module")
def router() -> CompiledDomain:
    return _domain(ROUTER)


def _variants(compiled: CompiledDomain, recipe: list[str]) -> tuple[list, int]:
    """The recipe's variants of every complete task, rolled out and verified; and how many did not apply."""
    tasks, _ = make_tasks(compiled, per_domain=12, seed=0)
    done, skipped = [], 0
    for task in (t for t in tasks if t.category == "complete"):
        try:
            variant, vc = refine_task(task, compiled, recipe, siblings=tasks, seed=0)
        except NotApplicable:
            skipped += 1
            continue
        traj = asyncio.run(run_rollouts([RolloutJob(variant, vc, RefinedAgent(WorkflowAgent(vc)),
                                                    ScriptedUser(variant.scenario), Limits())]))[0]
        done.append((variant, traj, verify(variant, traj.messages, vc)))
    return done, skipped


def test_a_missing_value_is_one_the_customer_gives(ssd: CompiledDomain, router: CompiledDomain) -> None:
    """Neither the email the session is signed in with (the assistant is told it), a value the guide
    itself states (its web address), nor the id of the customer's one record (their email lists only
    it) is withheld: the assistant would never ask for any of them, and nothing would be harder."""
    assert ssd.domain.signed_in == ["email"] and any("https://example.com/ssd-tool" in g for g in ssd.domain.guide)
    done, skipped = _variants(ssd, ["miss_param"])
    assert not done and skipped >= 6
    done, _ = _variants(router, ["miss_param"])  # the router's name and its new network name: theirs to say
    assert len(done) >= 6
    for variant, traj, result in done:
        (key, value), = variant.plan.withheld.items()
        assert key in ("router_name", "new_network_name"), key
        asked = next(i for i, m in enumerate(traj.messages) if m["role"] == "user" and value in m["content"])
        assert traj.messages[asked - 1]["role"] == "assistant" and "?" in traj.messages[asked - 1]["content"]
        assert result.passed, [c.name for c in result.checks if not c.passed]
        # what the customer offers instead is theirs to say: the other name, never the router's
        # internal id the parent's assistant found ("It's router ROU-23541.": all 60 such
        # goal-steps variants said one) nor an email the session is signed in with
        opening = next(m["content"] for m in traj.messages if m["role"] == "user")
        assert variant.scenario.opening and not re.search(r"\bROU-\d+", opening), opening
        assert not any(k in variant.scenario.opening for k in (*variant.scenario.found, *variant.scenario.signed_in))


def test_a_value_the_parent_leaves_out_already_makes_no_variant(router: CompiledDomain) -> None:
    """The parent's customer says only "rename my router" and is asked both names: withholding one
    while offering nothing else would be the parent again, so where the customer has nothing else
    of their own to offer, there is no variant."""
    from gem_env.stages.refine.base import DoesNotApply

    tasks, _ = make_tasks(router, per_domain=12, seed=0)
    task = next(t for t in tasks if t.category == "complete")
    knows = {k: v for k, v in task.scenario.knows.items() if k != "new_network_name"}
    alone = task.model_copy(update={"scenario": task.scenario.model_copy(update={"knows": knows})})
    with pytest.raises(DoesNotApply, match="leaves out every value"):
        refine_task(alone, router, ["miss_param"], siblings=tasks, seed=0)


def test_no_ambiguity_where_the_customers_one_record_is_found(ssd: CompiledDomain) -> None:
    """"It's for the active one" matches many customers' records, but their email lists only theirs:
    the assistant has nothing to ask, so the variant would be no harder."""
    done, skipped = _variants(ssd, ["ambiguity"])
    assert not done and skipped >= 6


def test_no_slip_of_the_signed_in_email(ssd: CompiledDomain) -> None:
    done, skipped = _variants(ssd, ["wrong_detail"])
    assert not done and skipped >= 6


def test_a_chained_session_asks_only_about_the_customers_own_record(router: CompiledDomain) -> None:
    """Records are found by their own name here: a chained question is about the customer's router,
    never another customer's one found by its name. The domain's only other request is "find out the
    network name of my router", which the rename has just set (`chain.settled`): no chain is made."""
    done, skipped = _variants(router, ["chain"])
    assert skipped >= 6
    for variant, traj, result in done:
        assert result.passed, [c.name for c in result.checks if not c.passed]
        asked = [m["content"] for m in traj.messages if m["role"] == "user"]
        names = {str(v) for s in (variant.scenario, *variant.followups) for k, v in s.knows.items() if k == "router_name"}
        assert len(names) == 1, names  # one router talked about in the whole session
        assert len({re.sub(r"^\W*\w+\W+", "", a) for a in asked}) == len(asked)  # no question asked twice


def test_a_search_that_finds_nothing_is_no_rule(router: CompiledDomain) -> None:
    """"No router with that name" says what the customer typed finds nothing; a rule of the data it is
    not (the refined assistant asks them to check it rather than refusing by it)."""
    spec = router.tools["find_routers_by_name"].spec
    step = next(s for s in spec.effect if isinstance(s, RequireStep))
    assert not is_rule(spec, step)
