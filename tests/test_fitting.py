"""Which of the customer's records a request can be made on (`WorkflowAgent._fitting`), named when
the agent asks which one: also by the rules on a record above the one the write changes ("only
items from a delivered order can get a return": of five orders, the one delivered)."""
from __future__ import annotations

from pathlib import Path

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain

ROOT = Path(__file__).resolve().parents[1]


def _agent(path: str) -> WorkflowAgent:
    doc = Document(id=Path(path).stem, text=(ROOT / "examples" / "corpus" / path).read_text())
    return WorkflowAgent(check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0,
                                                                              reason="t"))))


def test_a_return_fits_only_the_orders_that_were_delivered() -> None:
    agent = _agent("shop/return-an-item.md")
    plan = next(p for p in agent._plans if any(s.tool == "create_return" for s in p.steps))
    orders = [{"order_id": "LG-1", "status": "pending"}, {"order_id": "LG-2", "status": "delivered"},
              {"order_id": "LG-3", "status": "cancelled"}]
    assert agent._fitting(plan, "order_id", orders) == [orders[1]]
    assert agent._fitting(plan, "order_id", [{"order_id": "LG-4"}]) == [{"order_id": "LG-4"}]  # status unknown
