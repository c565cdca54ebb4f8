"""What the workflow agent still knows of a record it read in an earlier request, field by field
(`agents.prechecks.recall`): a customer who describes it by a value no write since may have
changed (a line's phone number, after its plan was changed) is understood without opening their
other records again."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent_turns import until_spoken

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
    """A plan change (in a branch: any line may have changed) may set a line's plan, price and
    pending plan, never its number or status: those are still known of every line read."""
    compiled = _domain("telecom/change-your-plan.md")
    reads = [("get_line_details", {"line_id": i}, _line(i, n)) for i, n in (("LINE-1", "111-000-0001"),
                                                                          ("LINE-2", "111-000-0002"))]
    change = ("update_line_plan", {"line_id": "LINE-2", "plan": "basic 5gb"},
              {"line_id": "LINE-2", "plan": "unlimited", "monthly_price": 76.99, "pending_plan": "basic 5gb",
               "pending_plan_starts_on": "2025-01-25", "status": "active"})
    latest, older = recall(_called([*reads, change]), compiled)
    assert latest["phone_number"] == "111-000-0002" and latest["status"] == "active"
    assert not {"plan", "monthly_price", "pending_plan", "plan_changed_on", "recent_bills"} & set(latest)
    assert older["line_id"] == "LINE-1"
    assert recall(_called(reads), compiled)[0] == {k: v for k, v in reads[1][2].items() if k != "recent_bills"}


def test_the_line_described_by_its_number_is_not_looked_for_again_after_its_plan_changed() -> None:
    """The demo's customer changed the plan of one line, then asked to suspend "the one with the
    number ..." of that line: the agent opened their other line first, then that one again. It now
    knows which line it is, and reads only that one, for the rule on its status."""
    compiled = _domain("telecom/change-your-plan.md")
    sb = compiled.new_sandbox()
    lines = list(sb.dump(["lines"])["lines"].values())
    customers = sb.dump(["customers"])["customers"]
    for owner, customer in customers.items():
        found = json.loads(sb.call("find_customer_by_email", {"email": customer["email"]}).content)
        listed = [x["line_id"] for x in found.get("lines", [])]
        mine = {x["line_id"]: x for x in lines if x["customer_id"] == owner}
        last = mine.get(listed[-1]) if len(listed) >= 2 else None
        if last and last["status"] == "active" and not last.get("pending_plan") and last["plan"] != "basic 5gb" \
                and (last.get("plan_changed_on") or "") < (last.get("last_renewed_on") or "9"):
            break
    else:
        raise AssertionError("no customer with two lines, the last listed one active")
    agent = WorkflowAgent(compiled)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "policy"},
        {"role": "user", "content": f"Hi, I'd like to change the plan of my line to basic 5gb. The line id is "
                                    f"{last['line_id']}. My email is {customer['email']}."}]
    until_spoken(agent, sb, messages)
    messages.append({"role": "user", "content": "Yes, please go ahead."})
    assert "anything else" in until_spoken(agent, sb, messages).lower()
    start = len(messages)
    messages.append({"role": "user", "content": "Thanks. Could you also suspend my line because of a lost phone? "
                                                f"I mean the one with the number {last['phone_number']}."})
    asked = until_spoken(agent, sb, messages)
    opened = [json.loads(c["function"]["arguments"]) for m in messages[start:] for c in m.get("tool_calls") or []
              if c["function"]["name"] == "get_line_details"]
    assert opened == [{"line_id": last["line_id"]}], opened
    assert last["phone_number"] in asked
