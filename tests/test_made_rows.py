"""The rows a conversation's writes added (`agents.prechecks.made_rows`): a bill that got a payment
plan earlier in the session no longer fits a second request for one, though no list read shows
the plan yet; it is neither offered again nor asked for again."""
from __future__ import annotations

from typing import Any

from agent_turns import second_request
from test_recalled_records import _domain

from gem_env.agents.prechecks import made_rows
from gem_env.agents.workflow_agent import WorkflowAgent

from test_sessions import _called


def _session(then: str) -> tuple[list[dict[str, Any]], int, str, str, list[str]]:
    """(messages, where the second request starts, what the agent said to it, the bill that got a
    plan, the overdue bills of its line) of a session that filed a payment plan for one of a line's
    overdue bills, then asked `then` ({line}: the line's id, {bill}: that bill's id)."""
    compiled = _domain("telecom/add-a-line.md")
    sb = compiled.new_sandbox()
    planned = {p["bill_id"] for p in sb.dump(["payment_plans"])["payment_plans"].values()}
    by_line: dict[str, list[str]] = {}
    for b in sb.dump(["bills"])["bills"].values():
        if b["status"] == "overdue" and b["bill_id"] not in planned:
            by_line.setdefault(b["line_id"], []).append(b["bill_id"])
    line_id, bills = next((k, v) for k, v in sorted(by_line.items()) if 2 <= len(v) <= 4)
    line = sb.dump(["lines"])["lines"][line_id]
    email = sb.dump(["customers"])["customers"][line["customer_id"]]["email"]
    messages, start, said = second_request(
        WorkflowAgent(compiled), sb, f"Hi, I'd like to request a payment plan for my bill because of hardship. The "
                                     f"bill id is {bills[0]}. It's on my line {line_id}. My email is {email}.",
        then.format(line=line_id, bill=bills[0]))
    return messages, start, said, bills[0], bills


def test_a_bill_with_a_plan_filed_in_the_session_is_not_offered_again() -> None:
    _, _, asked, filed, bills = _session("Thanks. I'd also like to request a payment plan for my bill because of "
                                         "hardship. It's on my line {line}.")
    assert filed not in asked
    assert bills[1] in asked, asked


def test_a_plan_asked_again_for_the_same_bill_is_refused_before_the_call() -> None:
    messages, start, said, _, _ = _session("Thanks. Could you also request a payment plan for my bill because of "
                                           "hardship? The bill id is {bill}. It's on my line {line}.")
    assert "already a payment plan" in said
    assert not [c for m in messages[start:] for c in m.get("tool_calls") or []
                if c["function"]["name"] == "request_payment_plan"]


def test_a_row_added_in_a_branch_or_changed_since_is_not_known_to_exist() -> None:
    """Only an insert every call makes counts, and only until a write may change rows of its table."""
    compiled = _domain("telecom/add-a-line.md")
    filed = ("request_payment_plan", {"bill_id": "BLL-1", "reason": "hardship"},
             {"payment_plan_id": "PYM-1", "status": "open"})
    [(table, row)] = made_rows(_called([filed]), compiled)
    assert table == "payment_plans" and row["bill_id"] == "BLL-1" and row["payment_plan_id"] == "PYM-1"
    failed = ("request_payment_plan", {"bill_id": "BLL-2", "reason": "hardship"}, {"error": "No bill"})
    assert len(made_rows(_called([filed, failed]), compiled)) == 1
