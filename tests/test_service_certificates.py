"""A compensation certificate the text's rules grant (`gem_env.stages.extract.service_certificates`)."""
from __future__ import annotations

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
POLICY = """# Airline agent policy

- Each reservation can have at most five passengers and checked bags cost $50 each.
- All reservations can be cancelled within 24 hours of booking, or if the airline cancelled the flight.

## Refunds and Compensation
Do not compensate if the user is regular member and has no travel insurance and flies (basic) economy.

Only compensate if the user is a silver/gold member or has travel insurance or flies business.

- If the user complains about cancelled flights in a reservation, the agent can offer a certificate as a gesture after confirming the facts, with the amount being $100 times the number of passengers.
- If the user complains about delayed flights in a reservation, the agent can offer a certificate as a gesture, with the amount being $50 times the number of passengers.
"""


def _domain(text: str) -> Domain:
    got = OfflineExtractor().extract(Document(id="airline", text=text, title="Airline agent policy"), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def test_a_certificate_is_granted_under_the_texts_rule_with_its_amount():
    d = _domain(POLICY)
    tool = d.tool("issue_certificate")
    assert [p.name for p in tool.parameters] == ["reservation_id", "reason"]
    assert tool.parameters[1].enum == ["cancelled flights", "delayed flights"]
    rules = {s.require: s.message for s in tool.effect if isinstance(s, RequireStep)}
    rule = ("customer_row.membership_level in ['silver', 'gold'] or reservation_row.travel_insurance "
            "or reservation_row.cabin == 'business'")
    # said to the customer, not the text's sentence to staff ("... the agent can offer a certificate")
    assert rules[rule] == ("A certificate can only be given to silver or gold members, for a reservation with "
                           "travel insurance, or for one in the business cabin.")
    assert d.entity("customers").field("membership_level").values == ["regular", "silver", "gold"]
    box = check_domain(d).new_sandbox()
    rows = box.rows("reservations", {})
    level = {c["customer_id"]: c["membership_level"] for c in box.rows("customers", {})}
    ok = next(r for r in rows if level[r["customer_id"]] == "gold")
    no = next(r for r in rows if level[r["customer_id"]] == "regular" and not r["travel_insurance"] and r["cabin"] != "business")
    got = box.call("issue_certificate", {"reservation_id": ok["reservation_id"], "reason": "delayed flights"}).value
    assert got["amount"] == 50 * ok["passengers"]
    assert not box.call("issue_certificate", {"reservation_id": ok["reservation_id"], "reason": "cancelled flights"}).ok
    assert not box.call("issue_certificate", {"reservation_id": no["reservation_id"], "reason": "cancelled flights"}).ok
    compiled = check_domain(d.model_copy(update={"workflows": [w for w in d.workflows if w.name == "issue_certificate"]}))
    assert make_tasks(compiled, per_domain=2, doc_id="airline")[0]


def test_a_text_naming_no_amount_for_a_certificate_gets_none():
    d = _domain(POLICY.replace("$100 times the number of passengers", "a fair amount")
                .replace("$50 times the number of passengers", "a fair amount"))
    assert "issue_certificate" not in {t.name for t in d.tools}
