"""What the workflow agent still knows of a record it read in an earlier request, field by field
(`agents.prechecks.recall`): a customer who describes it by a value no write since may have
changed (a line's phone number, after its plan was changed) is understood without opening their
other records again."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_turns import second_request

from gem_env.agents.prechecks import recall
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.tools import CompiledDomain

from test_sessions import _called

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"


def _domain(path: str) -> CompiledDomain:
    doc = Document(id=Path(path).stem, text=(CORPUS / path).read_text())
    return check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))


def _line(line_id: str, number: str) -> dict[str, Any]:
    return {"line_id": line_id, "customer_id": "CST-1", "status": "active", "phone_number": number,
            "plan": "unlimited", "monthly_price": 76.99, "started_on": "2024-06-29", "last_renewed_on": "2024-12-26",
            "plan_changed_on": None, "pending_plan": None, "pending_plan_starts_on": None, "recent_bills": []}


def test_a_plan_change_leaves_the_lines_number_and_status_known() -> None:
    """A plan change (in a branch: any line may have changed) may set a line's plan, price, pending
    plan and when it last changed, never its number or status: those are still known of every line
    read, and what the change's reply says of its own line."""
    compiled = _domain("telecom/change-your-plan.md")
    reads = [("get_line_details", {"line_id": i}, _line(i, n)) for i, n in (("LINE-1", "111-000-0001"),
                                                                          ("LINE-2", "111-000-0002"))]
    change = ("update_line_plan", {"line_id": "LINE-2", "plan": "basic 5gb"},
              {"line_id": "LINE-2", "plan": "unlimited", "monthly_price": 76.99, "pending_plan": "basic 5gb",
               "pending_plan_starts_on": "2025-01-25", "status": "active"})
    (_, latest), (_, older) = recall(_called([*reads, change]), compiled)
    assert latest["phone_number"] == "111-000-0002" and latest["status"] == "active"
    assert latest["pending_plan"] == "basic 5gb"  # as the change's reply says it
    assert not {"plan_changed_on", "pending_plan_starts_on", "recent_bills"} & set(latest) - set(change[2])
    assert "plan_changed_on" not in latest
    assert older["line_id"] == "LINE-1"
    assert recall(_called(reads), compiled)[0] == ("get_line_details", {k: v for k, v in reads[1][2].items()
                                                                         if k != "recent_bills"})


def _customer_with_lines(sb: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A customer with two lines or more whose line listed last is active and may change plan now."""
    lines = list(sb.dump(["lines"])["lines"].values())
    for owner, customer in sb.dump(["customers"])["customers"].items():
        found = json.loads(sb.call("find_customer_by_email", {"email": customer["email"]}).content)
        listed = [x["line_id"] for x in found.get("lines", [])]
        mine = {x["line_id"]: x for x in lines if x["customer_id"] == owner}
        last = mine.get(listed[-1]) if len(listed) >= 2 else None
        if last and last["status"] == "active" and not last.get("pending_plan") and last["plan"] != "basic 5gb" \
                and (last.get("plan_changed_on") or "") < (last.get("last_renewed_on") or "9"):
            return customer, last
    raise AssertionError("no customer with two lines, the last listed one active")


def _after_plan_change(then: str) -> tuple[list[dict[str, Any]], int, str, dict[str, Any]]:
    """(the messages, where the second request starts, what the agent said to it, the line) of a
    session that changed a line's plan, then asked `then` ({number}: the line's phone number)."""
    compiled = _domain("telecom/change-your-plan.md")
    sb = compiled.new_sandbox()
    customer, line = _customer_with_lines(sb)
    messages, start, said = second_request(
        WorkflowAgent(compiled), sb, f"Hi, I'd like to change the plan of my line to basic 5gb. The line id is "
                                     f"{line['line_id']}. My email is {customer['email']}.",
        then.format(number=line["phone_number"]))
    return messages, start, said, line


def _opened(messages: list[dict[str, Any]]) -> list[Any]:
    return [json.loads(c["function"]["arguments"])["line_id"] for m in messages for c in m.get("tool_calls") or []
            if c["function"]["name"] == "get_line_details"]


def test_the_line_described_by_its_number_is_not_looked_for_again_after_its_plan_changed() -> None:
    """The demo's customer changed the plan of one line, then asked to suspend "the one with the
    number ..." of that line: the agent opened their other line first, then that one again. It now
    knows which line it is and that it is still active (all a suspension's rule reads)."""
    messages, start, asked, line = _after_plan_change(
        "Thanks. Could you also suspend my line because of a lost phone? I mean the one with the number {number}.")
    assert _opened(messages[start:]) == []
    assert line["line_id"] in asked and line["phone_number"] in asked and "active" in asked


def test_a_field_the_change_may_have_set_is_read_again() -> None:
    """A second plan change reads when the plan last changed, which the first one set: the line is
    opened again, and only that line; asked its status, the agent answers from what it read."""
    messages, start, _, line = _after_plan_change(
        "Great. I would also like to change the plan of my line to unlimited. I mean the one with the number {number}.")
    assert _opened(messages[start:]) == [line["line_id"]]
    messages, start, told, line = _after_plan_change(
        "Great. Can you tell me what the status of my line is? I mean the one with the number {number}.")
    assert _opened(messages[start:]) == [] and "active" in told


def test_a_value_worked_out_from_other_records_a_write_changed_is_not_known() -> None:
    """An account's transfer allowance left today is counted from its transfers: after a transfer
    out of it, that and the balance the transfer set are no longer known of the account read
    before (a lookup once answered 2500 left, with 1700 left); its type still is."""
    from gem_env.tools import compile_domain, load_domain
    compiled = compile_domain(load_domain(CORPUS.parents[0] / "domains" / "bank.yaml"))
    read = ("get_account_balance", {"account_id": "ACC-1"},
            {"account_id": "ACC-1", "type": "money market", "status": "active", "balance": 10157.1,
             "pending_debits": 0, "transfer_allowance_left_today": 2500.0})
    transfer = ("transfer_between_accounts", {"customer_id": "MBR-1", "from_account_id": "ACC-1",
                                              "to_account_id": "ACC-2", "amount": 800},
                {"amount": 800, "from": {"account_id": "ACC-1", "balance": 9357.1},
                 "to": {"account_id": "ACC-2", "balance": 23757.4}, "transaction_ids": ["TXN-1", "TXN-2"]})
    [(_, view)] = recall(_called([read, transfer]), compiled)
    assert view["type"] == "money market"
    assert not {"balance", "transfer_allowance_left_today"} & set(view)
