"""Many records told apart by a date alone (six overdue bills of the same amount, a month apart) are
not listed as six dated ids: the assistant says what they share and the span of their dates, the
first and last by their ids, and asks for the month (or the id); an answer by the month picks the
bill, which is still confirmed before the write."""
from __future__ import annotations

import calendar
import json
import re
from types import SimpleNamespace
from typing import Any

from agent_turns import until_spoken
from test_recalled_records import _domain

from gem_env.agents import speech as S
from gem_env.agents.workflow_agent import WorkflowAgent


class _Service:
    """The replies of a customer's telecom service, as `until_spoken` takes them from a sandbox: one
    customer with one line and eight bills, six of them overdue for the same amount a month apart."""

    BILLS = [{"bill_id": f"BLL-{i}0", "line_id": "LINE-1", "status": "overdue" if i <= 6 else "paid",
              "amount": 76.99, "issued_on": f"2024-{13 - i:02d}-22"} for i in range(1, 9)]

    def call(self, tool: str, arguments: str) -> Any:
        args = json.loads(arguments)
        replies = {
            "find_customer_by_email": {"customer_id": "CST-1", "first_name": "Anne", "last_name": "Robinson",
                                       "lines": [{"line_id": "LINE-1", "status": "active"}]},
            "list_line_bills": self.BILLS,
            "get_line_details": {"line_id": "LINE-1", "customer_id": "CST-1", "status": "active",
                                 "phone_number": "470-733-1688", "plan": "Unlimited", "monthly_price": 76.99},
            "request_payment_plan": {"payment_plan_id": "PYM-1", "status": "open"}}
        assert tool in replies, (tool, args)
        return SimpleNamespace(content=json.dumps(replies[tool]))


def test_many_bills_a_month_apart_are_asked_about_by_month() -> None:
    compiled = _domain("telecom/add-a-line.md")
    overdue = sorted((b for b in _Service.BILLS if b["status"] == "overdue"), key=lambda b: b["issued_on"])
    agent, service = WorkflowAgent(compiled), _Service()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "policy"},
        {"role": "user", "content": "Hi, I'd like to request a payment plan for my bill because of hardship. "
                                    "It's on my line LINE-1. My email is anne@example.com."}]
    asked = until_spoken(agent, service, messages)
    named = set(re.findall(r"\bBLL-\d+\b", asked))
    assert named == {overdue[0]["bill_id"], overdue[-1]["bill_id"]}, asked  # the first and last: never six ids
    assert "which month's bill" in asked.lower() and "bill ID" in asked
    meant = overdue[2]
    month = calendar.month_name[int(meant["issued_on"][5:7])]
    messages.append({"role": "user", "content": f"The one from {month}, please."})
    confirm = until_spoken(agent, service, messages)
    assert meant["bill_id"] in confirm and "?" in confirm
    messages.append({"role": "user", "content": "Yes, go ahead."})
    until_spoken(agent, service, messages)
    [call] = [c["function"] for m in messages for c in m.get("tool_calls") or []
              if c["function"]["name"] == "request_payment_plan"]
    assert json.loads(call["arguments"])["bill_id"] == meant["bill_id"]


def test_few_or_otherwise_different_records_are_still_listed() -> None:
    """Four bills, or bills that differ in more than their date, are listed one by one."""
    bills = [{"bill_id": f"BLL-{i}", "status": "overdue", "amount": 76.99, "issued_on": f"2024-0{i}-25"}
             for i in range(1, 7)]
    assert S.dated_apart("bill_id", bills) == "issued_on"
    assert S.dated_apart("bill_id", bills[:4]) is None
    assert S.dated_apart("bill_id", [{**b, "amount": 10.0 * i} for i, b in enumerate(bills)]) is None
    assert S.dated_apart("bill_id", [{**b, "issued_on": "2024-05-0" + str(i + 1)} for i, b in enumerate(bills)]) is None
