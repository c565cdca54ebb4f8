"""The reward says no where the policy does: a change made without the customer's yes, a date no
calendar has, and pass^k over fewer tasks than it seems (round 62's review of the RL paths)."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.evaluate import format_table
from gem_env.io.corpus import iter_documents
from gem_env.passk import mean_over_tasks
from gem_env.simulators.base import asks_confirmation
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify

ROOT = Path(__file__).resolve().parents[1]


def _accepted(doc: str) -> list[tuple[Any, Any, Any]]:
    """(compiled, task, trajectory) of one example document's accepted conversations."""
    d = next(iter_documents([ROOT / "examples" / "corpus" / doc]))
    compiled = check_domain(OfflineExtractor().extract(d, Verdict(id=d.id, relevant=True, score=1.0, reason="t")))
    tasks, _ = make_tasks(compiled, per_domain=8, seed=0)
    jobs = [RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario)) for t in tasks]
    return [(compiled, t, traj) for t, traj in zip(tasks, asyncio.run(run_rollouts(jobs))) if traj.verification.passed]


def _first_write(compiled: Any, messages: list[dict[str, Any]]) -> int | None:
    return next((i for i, m in enumerate(messages) if m.get("role") == "assistant"
                 and any(compiled.tools[c["function"]["name"]].writes for c in m.get("tool_calls") or [])), None)


def _confirmed(compiled: Any, task: Any, messages: list[dict[str, Any]]) -> Any:
    return next(c for c in verify(task, messages, compiled).checks if c.name == "confirmed_before_write")


def test_a_change_made_without_the_customers_yes_fails_and_one_made_after_it_passes() -> None:
    found = [(c, t, tr) for c, t, tr in _accepted("bank/dispute-a-charge.md") if _first_write(c, tr.messages)]
    assert found, "the example sessions make changes"
    caught = 0
    for compiled, task, traj in found:
        assert _confirmed(compiled, task, traj.messages).passed
        at = _first_write(compiled, traj.messages)
        ask = max(i for i in range(at) if traj.messages[i].get("role") == "assistant"
                  and not traj.messages[i].get("tool_calls"))
        if not asks_confirmation(traj.messages[ask]["content"]) or traj.messages[ask + 1].get("role") != "user":
            continue
        dropped = traj.messages[:ask] + traj.messages[ask + 2:]  # the question and the yes gone
        check = _confirmed(compiled, task, dropped)
        assert not check.passed and check.evidence[0]["why"] == "made without asking the customer to confirm"
        assert not verify(task, dropped, compiled).passed
        together = [*traj.messages[:ask], {**traj.messages[at], "content": traj.messages[ask]["content"]},
                    *traj.messages[at + 1:]]  # "Shall I go ahead?" said in the message that makes the change
        assert not _confirmed(compiled, task, together).passed
        caught += 1
    assert caught


def test_an_impossible_date_is_a_failed_claim_not_a_crash() -> None:
    found = [(c, t, tr) for c, t, tr in _accepted("bank/dispute-a-charge.md")
             if any(m.get("role") == "assistant" and re.search(r"\bby (January|February|March) \d+, 2025", m.get("content") or "")
                    for m in tr.messages)]
    assert found, "the example's disputes tell the customer when to expect an answer"
    compiled, task, traj = found[0]
    messages = [{**m, "content": re.sub(r"\bby (January|February|March) \d+, 2025", "by February 30, 2025", m["content"])}
                if m.get("role") == "assistant" and isinstance(m.get("content"), str) else m for m in traj.messages]
    report = verify(task, messages, compiled)
    assert not report.passed
    assert "claims_grounded" in report.failed and "verification_error" not in report.failed


def test_verification_that_cannot_judge_a_message_fails_the_episode_with_the_error() -> None:
    compiled, task, traj = _accepted("bank/dispute-a-charge.md")[0]
    broken = [*traj.messages[:-1], {"role": "assistant", "content": None, "tool_calls": ["get_card_details"]}, traj.messages[-1]]
    report = verify(task, broken, compiled)
    assert not report.passed and report.failed == ["verification_error"]
    assert "Error" in report.checks[0].evidence["error"]


def test_pass_hat_k_says_how_many_tasks_it_averages_over() -> None:
    got = mean_over_tasks([(3, 2), (2, 2), (1, 1), (2, 1)], 3)
    assert got["pass^3_tasks"] == 1 and got["pass^3"] == 0.0
    group = {"tasks": 4, "episodes": 8, "passed": 6, "success_rate": 0.75, **mean_over_tasks([(3, 2), (2, 2), (1, 1), (2, 1)], 1),
             **mean_over_tasks([(3, 2), (2, 2), (1, 1), (2, 1)], 3)}
    empty = {"tasks": 1, "episodes": 0, "passed": 0, "success_rate": 0.0}
    report = {"k": [1, 3], "overall": group, "by_domain": {"d": empty}, "by_category": {},
              "tool_calls": {"calls": 0, "errors": 0, "error_rate": 0.0, "invalid_calls": 0, "invalid_rate": 0.0,
                             "episodes_with_errors": 0, "calls_per_episode": 0.0},
              "costs": {"llm": {}, "seconds": {"wall": 0.0, "per_episode": 0.0}}, "terminations": {}, "failed_checks": {}}
    table = format_table(report)
    assert "all pass^3 over 1 of 4 tasks" in table
    row = next(line for line in table.splitlines() if line.startswith("domain d"))
    assert "%" not in row and "nan" not in row  # no scored episode: no 0.0% success


def test_a_cards_last_digits_and_a_house_number_said_wrong_are_made_up() -> None:
    from gem_env.stages.verify_claims import ungrounded
    reply = '{"card_id":"CRD-1","last4":"3968","address":"2974 Williams Isle Apt. 653","city":"Joshuabury"}'

    def said(text: str) -> list[dict[str, Any]]:
        return ungrounded([{"role": "system", "content": "You help customers of our bank."},
                           {"role": "user", "content": "Please move my card's address."},
                           {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
                            "function": {"name": "get_card", "arguments": "{}"}}]},
                           {"role": "tool", "tool_call_id": "c1", "content": reply},
                           {"role": "assistant", "content": text}])

    assert said("Your card ending in 3968 is sent to 2974 Williams Isle Apt. 653. You have 2 Platinum Reserve Accounts.") == []
    wrong = said("Your card ending in 5079 is sent to 3074 Williams Isle Apt. 653.")
    assert [(x["kind"], x["said"]) for x in wrong] == [("digits", "ending in 5079"), ("street", "3074 Williams Isle Apt")]


def test_a_timed_out_endpoint_is_said_to_have_timed_out() -> None:
    import httpx
    import openai
    from gem_env.llm.retry import describe
    request = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    try:
        try:
            raise httpx.ReadTimeout("", request=request)
        except httpx.ReadTimeout as cause:
            raise openai.APIConnectionError(request=request) from cause
    except openai.APIConnectionError as exc:
        assert describe(exc) == "request timed out (ReadTimeout)"


def test_a_status_read_before_a_later_change_is_told_of_its_own_record() -> None:
    """One user turn holding a whole session (TRL's): a lookup told after an unrelated change is
    the lookup's record's status; the changed record's state said wrong is still caught."""
    from gem_env.stages.verify_claims import wrong_states

    def call(i: str, name: str) -> dict[str, Any]:
        return {"role": "assistant", "content": None,
                "tool_calls": [{"id": i, "type": "function", "function": {"name": name, "arguments": "{}"}}]}

    head = [{"role": "user", "content": "Check claim CLM-74496, then cancel booking BKN-12360."},
            call("a", "get_claim"), {"role": "tool", "tool_call_id": "a", "content": '{"claim_id":"CLM-74496","status":"open"}'},
            call("b", "cancel_booking"),
            {"role": "tool", "tool_call_id": "b", "content": '{"booking_id":"BKN-12360","status":"cancelled"}'}]
    told = "Claim CLM-74496's status shows open. Booking BKN-12360 is cancelled."
    assert wrong_states([*head, {"role": "assistant", "content": told}], {"cancel_booking"}) == []
    wrong = "Booking BKN-12360 now shows as open."
    assert [x["value"] for x in wrong_states([*head, {"role": "assistant", "content": wrong}], {"cancel_booking"})] == ["open"]


def test_a_tool_name_said_to_the_customer_fails_the_episode() -> None:
    compiled, task, traj = _accepted("bank/dispute-a-charge.md")[0]
    name = next(n for n in compiled.tools if "_" in n)
    said = [*traj.messages[:-1], {"role": "assistant", "content": f"I ran {name} for you. Anything else?"}, traj.messages[-1]]
    check = next(c for c in verify(task, said, compiled).checks if c.name == "no_tool_names_said")
    assert not check.passed and check.evidence[0]["tool"] == name
    assert next(c for c in verify(task, traj.messages, compiled).checks if c.name == "no_tool_names_said").passed
