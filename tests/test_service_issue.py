"""A new card the service issues on request, under the limits the text states
(`gem_env.stages.extract.service_issue`)."""
from __future__ import annotations

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
VIRTUAL = """## Before you start
- You can keep up to 4 active virtual cards at the same time.
- Define a per-card cap up to $8,000 for each card.

## Create a virtual card
1. Open the cards section of the business banking app.
2. Select Create new virtual card and enter a spending limit.
3. The card is ready to use at once; freeze or close it any time, and dispute a charge on it if needed.
"""


def _domain(title: str, text: str) -> Domain:
    got = OfflineExtractor().extract(Document(id=title, text=text, title=title), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def test_a_text_about_creating_cards_gets_an_issue_tool_with_its_limits():
    d = _domain("Virtual Cards: How to Create Them", VIRTUAL)
    assert "virtual" in d.entity("cards").field("card_type").values
    tool = d.tool("issue_card")
    assert [p.name for p in tool.parameters] == ["customer_id", "spending_limit"]
    rules = {s.message: s.require for s in tool.effect if isinstance(s, RequireStep)}
    assert rules["A customer can hold at most 4 active virtual cards"] == \
        "count_rows('cards', {customer_id: customer_row.customer_id, status: 'active', card_type: 'virtual'}) < 4"
    assert rules["A card's spending limit can be at most $8,000"] == "spending_limit <= 8000.0"
    # the text's cap holds for a change of limit too
    update = {s.message for s in d.tool("update_card_spending_limit").effect if isinstance(s, RequireStep)}
    assert "A card's spending limit can be at most $8,000" in update
    assert d.workflows[0].name == "issue_card"  # what the title is about comes first


def test_the_issue_tool_makes_an_active_card_or_says_which_limit_stops_it():
    compiled = check_domain(_domain("Virtual Cards: How to Create Them", VIRTUAL))
    sb = compiled.new_sandbox()
    data = sb.dump(["customers", "cards"])
    seen_ok = seen_full = 0
    for cid in sorted(data["customers"]):
        held = sum(c["customer_id"] == cid and c["status"] == "active" and c["card_type"] == "virtual"
                   for c in data["cards"].values())
        snap = sb.snapshot()
        over = sb.call("issue_card", {"customer_id": cid, "spending_limit": 9000})
        got = sb.call("issue_card", {"customer_id": cid, "spending_limit": 2500})
        if held >= 4:
            seen_full += 1
            assert got.error == "A customer can hold at most 4 active virtual cards"
        else:
            seen_ok += 1
            assert over.error == "A card's spending limit can be at most $8,000"
            assert got.ok, got.error
            card = sb.dump(["cards"])["cards"][got.value["card_id"]]
            assert card == {**card, "customer_id": cid, "status": "active", "card_type": "virtual",
                            "spending_limit": 2500, "issued_on": "2025-01-15"}
        sb.restore(snap)
    assert seen_ok


def test_issuing_is_a_task_and_a_title_about_applying_gets_no_issue_tool():
    compiled = check_domain(_domain("Virtual Cards: How to Create Them", VIRTUAL))
    tasks, _ = make_tasks(compiled, per_domain=24, kinds=("complete", "decline"))
    assert {"complete", "decline"} <= {t.category for t in tasks if t.workflow.split("+")[0] == "issue_card"}
    applying = _domain("Apply for the Teal Rewards Card", "Apply for the Teal Rewards Card in the app. You can "
                       "request up to 3 cards. Freeze a card or dispute a charge at any time.")
    assert applying.tool("issue_card") is None
