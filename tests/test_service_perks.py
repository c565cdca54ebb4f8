"""A remedy the text grants by membership level (`gem_env.stages.extract.service_perks`)."""
from __future__ import annotations

from pathlib import Path

from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.service_perks import read_perk
from gem_env.stages.extract.specialise import Specialisation, sentences
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.tools.model import RequireStep

ROOT = Path(__file__).resolve().parents[1]
FEE_DOC = ROOT / "examples" / "corpus" / "shop" / "extra-fee-on-an-order.md"
RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")


def _perk(text: str):
    sp = Specialisation(main="order", child=None, request=None, catalog=None, sentences=sentences(text))
    read_perk(sp, text)
    return sp.perk.value if sp.perk else None


def _fee_domain() -> Domain:
    got = OfflineExtractor().extract(next(iter_documents([FEE_DOC])), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def test_the_levels_a_text_grants_and_refuses_a_remedy_are_read_from_its_lines():
    p = _perk(FEE_DOC.read_text())
    assert (p.kind, p.levels, p.allowed, p.refused) == ("fee", ("guest", "bronze", "silver", "gold"),
                                                        ("silver", "gold"), ("guest", "bronze"))
    promo = _perk("Promo codes usually last 14 days.\n- Ask for the membership level.\n"
                  "- Gold and Silver members qualify: we will generate a new code for 15% off.\n"
                  "- Guest members: apologise, you cannot help them.\n")
    assert (promo.kind, promo.allowed, promo.refused, promo.percent_off, promo.valid_days) == \
        ("promo_code", ("silver", "gold"), ("guest",), 15, 14)
    refund = _perk("- Ask the customer for their membership level.\n"
                   "- If they are bronze, silver or gold: tell them you can offer a refund now.\n"
                   "- A Guest customer must wait until the item arrives.\n")
    assert (refund.kind, refund.allowed, refund.refused) == ("refund", ("bronze", "silver", "gold"), ("guest",))


def test_no_remedy_without_a_level_refused_or_a_grant_that_depends_on_more():
    # a level whose grant needs more is neither allowed nor refused; nothing refused: no remedy
    assert _perk("- Gold members get unlimited returns.\n- Silver members: ask for the receipt, return "
                 "possible within 90 days.\n") is None
    # levels of membership are not a product's name
    assert _perk("The Gold Plus Saver Account always has its monthly fee waived. The Silver Saver "
                 "Account cannot.\n") is None
    # granted and refused, but nothing this module makes (an extension)
    assert _perk("- Gold members can always get an extension.\n- Bronze members cannot get one.\n") is None


def test_the_fee_tool_refuses_exactly_the_orders_its_rules_leave_out():
    d = _fee_domain()
    assert [f.values for f in d.entity("customers").fields if f.name == "membership_level"] == \
        [["guest", "bronze", "silver", "gold"]]
    tool = d.tool("remove_order_fee")
    rules = [s.message for s in tool.effect if isinstance(s, RequireStep)]
    assert rules[0] == "Only silver and gold members can get an extra fee removed"
    text = FEE_DOC.read_text()
    assert tool.span.text == text[tool.span.start:tool.span.end] and "Gold and Silver members" in tool.span.text
    compiled = check_domain(d)
    sb = compiled.new_sandbox()
    data = sb.dump(["customers", "orders"])
    seen = {"ok": 0, "level": 0, "fee": 0, "status": 0}
    for oid, order in sorted(data["orders"].items()):
        level = data["customers"][order["customer_id"]]["membership_level"]
        snap = sb.snapshot()
        got = sb.call("remove_order_fee", {"order_id": oid})
        if level not in ("silver", "gold"):
            seen["level"] += 1
            assert not got.ok and "Only silver and gold" in got.error
        elif order["status"] == "cancelled":
            seen["status"] += 1
            assert not got.ok and "cancelled" in got.error
        elif order["extra_fee"] is None:
            seen["fee"] += 1
            assert not got.ok and got.error == "This order has no extra fee to remove"
        else:
            seen["ok"] += 1
            assert got.ok, got.error
            after = sb.dump(["orders"])["orders"][oid]
            assert after["extra_fee"] is None and after["total"] == round(order["total"] - order["extra_fee"], 2)
            assert got.value == {"order_id": oid, "extra_fee": None, "total": after["total"]}
        sb.restore(snap)
    assert all(seen.values()), seen


def test_the_remedy_is_a_task_of_every_kind_and_a_refusal_names_the_level_rule():
    compiled = check_domain(_fee_domain())
    tasks, _ = make_tasks(compiled, per_domain=16, kinds=("complete", "refuse", "decline"))
    kinds = {t.category for t in tasks if t.workflow.split("+")[0] == "remove_order_fee"}
    assert {"complete", "refuse", "decline"} <= kinds
    reasons = {t.refusals[0].reason for t in tasks if t.category == "refuse" and t.refusals[0].tool == "remove_order_fee"}
    assert reasons and reasons <= {"Only silver and gold members can get an extra fee removed",
                                   "This order has no extra fee to remove", "An order that is cancelled cannot get an "
                                   "extra fee removed"}


def test_a_promo_code_handed_to_anyone_is_a_tool_without_a_level_rule():
    p = _perk("- Try to convince the customer that prices change.\n"
              "- If the customer keeps pushing, offer them a discount using [Promo Code].\n")
    assert (p.kind, p.levels, p.allowed, p.refused, p.percent_off, p.valid_days) == ("promo_code", (), (), (), 10, 30)
    assert _perk("- Explain that promo codes cannot be combined.\n") is None


def test_a_level_rule_is_quoted_after_a_colon_in_lower_case():
    from gem_env.agents.speech import _after_colon
    assert _after_colon("Only silver and gold members can get an extra fee removed") == \
        "only silver and gold members can get an extra fee removed"
    assert _after_colon("Gold members can always get one") == "Gold members can always get one"
