"""Free text an agent writes for a colleague (a hand-off's summary) is checked as said, not to the
gold's letter: the same hand-off in other words is the same final state; a missing note, or a
hand-off for someone else, is not."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify

ROOT = Path(__file__).resolve().parents[1]


def _handoffs() -> list[tuple[Any, Any, Any]]:
    """(compiled, task, trajectory) of accepted conversations that hand the customer to a person."""
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "dispute-a-charge.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    tasks, _ = make_tasks(compiled, per_domain=12, seed=0)
    jobs = [RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario)) for t in tasks]
    return [(compiled, t, traj) for t, traj in zip(tasks, asyncio.run(run_rollouts(jobs)))
            if traj.verification.passed and any(c["function"]["name"] == "transfer_to_human_agent"
                                                for m in traj.messages for c in m.get("tool_calls") or [])]


def _with_handoff(messages: list[dict[str, Any]], **changed: Any) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        m = dict(m)
        if m.get("tool_calls"):
            calls = []
            for c in m["tool_calls"]:
                if c["function"]["name"] == "transfer_to_human_agent":
                    args = {**json.loads(c["function"]["arguments"]), **changed}
                    c = {**c, "function": {**c["function"], "arguments": json.dumps(args)}}
                calls.append(c)
            m["tool_calls"] = calls
        out.append(m)
    return out


def _final_state(compiled: Any, task: Any, messages: list[dict[str, Any]]) -> Any:
    return next(c for c in verify(task, messages, compiled).checks if c.name == "final_state")


def test_a_summary_in_other_words_is_the_same_hand_off_and_a_missing_one_is_not() -> None:
    found = _handoffs()
    assert found, "the example sessions hand a refused request to a person"
    for compiled, task, traj in found:
        own = _final_state(compiled, task, _with_handoff(traj.messages, summary="Customer could not freeze a card "
                                                         "and would like someone to look at it."))
        assert own.passed and "free_text_in_other_words" in own.evidence, own
        for empty in (" ", ".", "n/a", "See above."):  # a note that tells a colleague nothing
            assert not _final_state(compiled, task, _with_handoff(traj.messages, summary=empty)).passed, empty
        other = next(iter(sorted(compiled.new_sandbox().dump(["customers"])["customers"])))
        args = [json.loads(c["function"]["arguments"]) for m in traj.messages for c in m.get("tool_calls") or []
                if c["function"]["name"] == "transfer_to_human_agent"]
        if other != args[0]["customer_id"]:
            assert not _final_state(compiled, task, _with_handoff(traj.messages, customer_id=other)).passed
