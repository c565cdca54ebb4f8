"""The reason a customer gives is true of their records (buyer's review, round 59): nobody disputes
as "charged twice" a charge with no twin on the card, says a purchase of this morning never
arrived, closes an account opened last week "because of the fees", cancels a payment not yet sent
"because I was charged more", applies for a card they already hold, or asks for a hardship plan
and moves to a dearer plan in the same visit."""
from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

from gem_env.documents import Document, Verdict
from gem_env.io.corpus import iter_documents
from gem_env.simulators.scenario import Request
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import GoldAction
from gem_env.stages.tasks import kinds as K
from gem_env.stages.tasks.kinds import derive_knows
from gem_env.stages.tasks.make import anchor_rows
from gem_env.stages.tasks.owners import Owners
from gem_env.stages.tasks.session import _hard_up_and_spending, _reported_and_loosened
from gem_env.tools import CompiledDomain, Domain
from gem_env.tools.expr import compile_expr

ROOT = Path(__file__).resolve().parents[1]
RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
TODAY = dt.date(2025, 1, 15)  # the offline extractor's clock


def _compiled(title: str, text: str) -> CompiledDomain:
    got = OfflineExtractor().extract(Document(id=title, text=text, title=title), RELEVANT)
    assert isinstance(got, Domain), got
    return check_domain(got)


def _reasons(c: CompiledDomain, name: str, sandbox) -> dict[str, str]:
    """The reason given for each row the workflow is anchored on (by the row's key)."""
    wf = next(w for w in c.domain.workflows if w.name == name)
    pk = c.tables[wf.anchor.table].pk
    out = {}
    for row in anchor_rows(c, wf):
        knows = derive_knows(wf, sandbox.dump([wf.anchor.table])[wf.anchor.table][str(row[pk])], sandbox)
        assert isinstance(knows, dict), knows
        out[str(row[pk])] = knows["reason"]
    return out


def _dispute_text(title: str) -> str:
    return f"# {title}\n\n1. Open the card.\n2. Find the charge.\n3. Dispute the charge with a reason.\n"


def test_a_charge_is_disputed_as_charged_twice_only_with_its_twin_on_the_card() -> None:
    """"Charge disputes" picks "duplicate charge": the seed puts twins on some cards (the same
    merchant and amount a day or two apart), and the dispute is of the second of two; a charge with
    no twin is not anchored. Take the twin away and no row is left to say it of."""
    c = _compiled("Charge disputes", _dispute_text("Charge disputes"))
    sandbox = c.new_sandbox()
    try:
        charges = sandbox.dump(["charges"])["charges"]

        def earlier_twins(row: dict) -> list[str]:
            return [k for k, r in charges.items() if r["card_id"] == row["card_id"] and r["merchant"] == row["merchant"]
                    and r["amount"] == row["amount"] and r["posted_at"] < row["posted_at"]]
        said = _reasons(c, "create_dispute", sandbox)
        assert said and set(said.values()) == {"duplicate charge"}
        assert all(earlier_twins(charges[k]) for k in said)  # the second of two, never the first
        firsts = {k for key in said for k in earlier_twins(charges[key])}
        assert firsts and not firsts & set(said)
        wf = next(w for w in c.domain.workflows if w.name == "create_dispute")
        anchored = compile_expr(wf.anchor.filter)
        key = next(iter(said))
        assert anchored({**sandbox.clock, "row": sandbox.dump(["charges"])["charges"][key]}, sandbox)
        for other in earlier_twins(charges[key]):
            sandbox.conn.execute("UPDATE charges SET amount = amount + 1 WHERE charge_id = ?", (other,))
        assert not anchored({**sandbox.clock, "row": sandbox.dump(["charges"])["charges"][key]}, sandbox)
    finally:
        sandbox.close()


def test_a_purchase_never_arrived_only_a_week_after_it_was_posted() -> None:
    """"Dispute a charge" picks "item not received": not of a charge still pending, nor of one
    posted in the last 7 days; and a charge the card shows twice (the same merchant and amount) is
    a duplicate or nothing, never "not received", "fraud" or "wrong amount" (review61: three stories
    of one duplicate)."""
    c = _compiled("Dispute a charge", _dispute_text("Dispute a charge"))
    sandbox = c.new_sandbox()
    try:
        charges = sandbox.dump(["charges"])["charges"]
        said = _reasons(c, "create_dispute", sandbox)

        def twinned(row: dict) -> bool:
            return sum(r["card_id"] == row["card_id"] and r["merchant"] == row["merchant"] and r["amount"] == row["amount"]
                       for r in charges.values()) > 1
        late = {k for k, r in charges.items() if not twinned(r)
                and r["status"] != "pending" and (TODAY - dt.date.fromisoformat(r["posted_at"][:10])).days >= 7}
        assert {k for k, reason in said.items() if reason == "item not received"} == late & set(said)
        assert late & set(said) and set(said) - late  # both kinds of charge are there
        twins = {k for k in said if twinned(charges[k])}
        assert twins and {said[k] for k in twins} == {"duplicate charge"}
    finally:
        sandbox.close()


def test_an_account_is_closed_for_its_fees_only_after_two_months() -> None:
    """An account opened last week (inside the early-closure window) is not closed "because of the
    fees": that needs statements; the next reason is given."""
    titles = [t for t in ("Close your account", "Closing an account", "Account closure", "How to close a bank account",
                          "Close a checking account", "Closing your savings account")
              if "fees" in str(next(w for w in _compiled(t, _close_text(t)).domain.workflows
                                     if w.name == "close_account").knows["reason"])]
    assert titles
    c = _compiled(titles[0], _close_text(titles[0]))
    sandbox = c.new_sandbox()
    try:
        accounts = sandbox.dump(["accounts"])["accounts"]
        said = _reasons(c, "close_account", sandbox)
        old = {k for k, r in accounts.items() if (TODAY - dt.date.fromisoformat(r["opened_on"])).days >= 60}
        assert {k for k, reason in said.items() if reason == "fees"} == old & set(said)
        assert old & set(said)
        key = next(k for k in old & set(said))
        sandbox.conn.execute("UPDATE accounts SET opened_on = ? WHERE account_id = ?", ("2025-01-10", key))
        assert _reasons(c, "close_account", sandbox)[key] != "fees"
    finally:
        sandbox.close()


def test_a_seeded_dispute_or_closed_account_gives_a_reason_its_record_bears_out() -> None:
    """The records the seed files itself agree with their reasons too (round 61: "duplicate charge"
    read back by `get_dispute_status` of a charge with no twin, 14 sessions): a seeded dispute is of
    a duplicate charge only on the later of two twins, of an item not received only on a charge
    posted a week ago or more; a seeded closed account was closed for its fees only if held two
    months or more. Over ten seeds, so each reason is drawn on rows it is false of."""
    from gem_env.tools.seed import seed_rows
    cards = _compiled("Dispute a charge", _dispute_text("Dispute a charge")).domain
    accounts = _compiled("Close your account", _close_text("Close your account")).domain
    said: collections.Counter = collections.Counter()
    for seed in range(10):
        rows = seed_rows(cards, {}, seed)
        charges = {r["charge_id"]: r for r in rows["charges"]}
        for d in rows["disputes"]:
            c = charges[d["charge_id"]]
            said[d["reason"]] += 1
            if d["reason"] == "duplicate charge":
                assert any(x["card_id"] == c["card_id"] and x["merchant"] == c["merchant"] and x["amount"] == c["amount"]
                           and x["posted_at"] < c["posted_at"] for x in charges.values()), (seed, d, c)
            if d["reason"] == "item not received":
                assert c["status"] != "pending" and (TODAY - dt.date.fromisoformat(c["posted_at"][:10])).days >= 7, (seed, d, c)
        for a in seed_rows(accounts, {}, seed)["accounts"]:
            said[a["status_reason"]] += a["status"] == "closed"
            if a["status"] == "closed" and a["status_reason"] == "fees":
                assert (TODAY - dt.date.fromisoformat(a["opened_on"])).days >= 60, (seed, a)
    assert said["fraud"] and said["item not received"] and said["fees"] and said["no longer needed"], said


def test_bags_are_claimed_lost_only_on_a_trip_that_checked_one() -> None:
    """"Lost baggage" of a booking with no bag checked is false: neither a seeded claim nor a
    customer's says it of one, the next reason is given."""
    from gem_env.stages.extract import service
    from gem_env.stages.extract.archetypes import ARCHETYPES
    from gem_env.stages.extract.offline import DEFAULT_CLOCK
    from gem_env.tools import compile_domain, parse_domain
    arch = next(a for a in ARCHETYPES if a.key == "reservations")
    built = service.build_service(arch, "Flight reservations: baggage, passenger, claim, airline.", clock=DEFAULT_CLOCK,
                                  rows=24)
    built.pop("spans")
    said: collections.Counter = collections.Counter()
    for seed in range(6):
        c = compile_domain(parse_domain({"name": "reservations", "clock": DEFAULT_CLOCK, "seed": seed, **built}))
        sandbox = c.new_sandbox()
        try:
            bookings = sandbox.dump(["reservations"])["reservations"]
            for claim in sandbox.dump(["claims"])["claims"].values():
                said[claim["reason"]] += 1
                assert claim["reason"] != "lost baggage" or bookings[claim["reservation_id"]]["bags"] > 0, claim
            for key, reason in _reasons(c, "create_claim", sandbox).items():
                said[reason] += 1
                assert reason != "lost baggage" or bookings[key]["bags"] > 0, (key, bookings[key])
        finally:
            sandbox.close()
    assert said["lost baggage"] and len(said) > 1, said


def test_a_refund_is_for_a_charge_while_frozen_only_on_a_membership_that_was_frozen() -> None:
    """Refund RFN-21818 "charged while frozen" on MMBR-75440, active with no freeze this year (round
    61's review): neither a seeded refund nor a customer's asks one for a charge while frozen of a
    membership never frozen (not frozen now, none this year); the next reason is given."""
    from gem_env.stages.extract import service
    from gem_env.stages.extract.archetypes import ARCHETYPES
    from gem_env.stages.extract.offline import DEFAULT_CLOCK
    from gem_env.tools import compile_domain, parse_domain
    arch = next(a for a in ARCHETYPES if a.key == "subscriptions")
    built = service.build_service(arch, "Gym membership: freeze your membership, refund, billing.", clock=DEFAULT_CLOCK,
                                  rows=24)
    built.pop("spans")
    said: collections.Counter = collections.Counter()
    for seed in range(6):
        c = compile_domain(parse_domain({"name": "subscriptions", "clock": DEFAULT_CLOCK, "seed": seed, **built}))
        sandbox = c.new_sandbox()
        try:
            held = sandbox.dump(["memberships"])["memberships"]
            frozen = {k for k, m in held.items() if m["status"] == "frozen" or m["freezes_this_year"] > 0}
            for refund in sandbox.dump(["refunds"])["refunds"].values():
                said[refund["reason"]] += 1
                assert refund["reason"] != "charged while frozen" or refund["membership_id"] in frozen, refund
            for key, reason in _reasons(c, "request_refund", sandbox).items():
                said[reason] += 1
                assert reason != "charged while frozen" or key in frozen, (key, held[key])
        finally:
            sandbox.close()
    assert said["charged while frozen"] and said["billing error"], said


def _close_text(title: str) -> str:
    return (f"# {title}\n\nYou can close your checking or savings account online. Move your balance first, "
            "then choose a reason for closing the account.\n")


def test_a_payment_not_yet_sent_is_never_cancelled_for_its_wrong_amount() -> None:
    """"I was charged more than I agreed to pay" of a payment only scheduled is false: whatever title
    picks it, a scheduled payment is cancelled for another reason."""
    seen = 0
    for title in ("Cancel a payment", "Cancel a scheduled payment", "Stop a payment", "Cancelling a transfer",
                  "Cancel a recurring payment", "Manage scheduled payments"):
        c = _compiled(title, f"# {title}\n\n1. Open your scheduled payments.\n2. Choose the payment to your contact.\n"
                             "3. Cancel the payment before it is sent, giving a reason.\n")
        wf = next((w for w in c.domain.workflows if w.name.startswith("cancel_")), None)
        if wf is None or "wrong amount" not in str(wf.knows.get("reason")):
            continue
        sandbox = c.new_sandbox()
        try:
            said = _reasons(c, wf.name, sandbox)
            assert said and "wrong amount" not in said.values(), said
            seen += 1
        finally:
            sandbox.close()
    assert seen


def test_nobody_applies_for_a_product_they_hold() -> None:
    """The product a customer applies for is one they do not hold yet; holding them all, they
    apply for none."""
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "open-a-savings-account.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain)
    c = check_domain(got)
    wf = next(w for w in c.domain.workflows if w.name == "open_account")
    sandbox = c.new_sandbox()
    try:
        data = sandbox.dump(["accounts", "products"])
        names = {k: r["name"] for k, r in data["products"].items()}
        row = anchor_rows(c, wf)[0]
        asked = derive_knows(wf, row, sandbox)["product_name"]
        account = next(k for k, a in data["accounts"].items() if a["customer_id"] == row["customer_id"])
        held = next(k for k, n in names.items() if n == asked)
        sandbox.conn.execute("UPDATE accounts SET product_id = ?, status = 'open' WHERE account_id = ?", (held, account))
        other = derive_knows(wf, row, sandbox)["product_name"]
        assert other != asked and other in names.values()
        for k, a in data["accounts"].items():  # every product held: nothing to apply for
            if a["customer_id"] == row["customer_id"] and k != account:
                sandbox.conn.execute("UPDATE accounts SET product_id = ?, status = 'open' WHERE account_id = ?",
                                     (next(p for p, n in names.items() if n == other), k))
                break
        assert isinstance(derive_knows(wf, row, sandbox), str)  # "user knowledge is empty"
    finally:
        sandbox.close()


def test_a_hardship_plan_and_a_dearer_plan_are_not_asked_for_in_one_visit() -> None:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "telecom" / "add-a-line.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain)
    c = check_domain(got)
    sandbox = c.new_sandbox()
    try:
        rows = sandbox.dump()
        ctx = SimpleNamespace(compiled=c, owners=SimpleNamespace(rows=rows))
        line = next(r for r in rows["lines"].values() if r["status"] == "active" and r["plan"] != "unlimited")
        dearer = next(p for p in ("unlimited", "Unlimited") if p in c.tables["lines"].fields["plan"].values)

        def built(reason: str | None, tool: str, args: dict) -> K.Built:
            res = sandbox.call(tool, args)
            assert res.ok, res.error
            knows = {"reason": reason} if reason else {}
            return K.Built(request=Request(goal="x", knows=knows),
                           actions=[GoldAction(tool=tool, arguments=args, ok=True, result=res.as_data())])
        snap = sandbox.snapshot()
        upgrade = built(None, "update_line_plan", {"line_id": line["line_id"], "plan": dearer})
        wf = next(w for w in c.domain.workflows if w.name == "request_payment_plan")
        bill = anchor_rows(c, wf)[0]
        plan_args = {"bill_id": bill["bill_id"], "reason": "hardship"}
        hard = built("hardship", "request_payment_plan", plan_args)
        sandbox.restore(snap)
        other = K.Built(request=Request(goal="x", knows={"reason": "billing error"}), actions=hard.actions)
        assert _hard_up_and_spending(ctx, [hard], upgrade)
        assert _hard_up_and_spending(ctx, [upgrade], hard)  # either order
        assert not _hard_up_and_spending(ctx, [other], upgrade)
        assert not _hard_up_and_spending(ctx, [hard], other)
        # a new line after a hardship plan is spending; after a line cancelled as too expensive, a swap
        added = K.Built(request=Request(goal="x"), actions=[GoldAction(
            tool="add_line", arguments={"customer_id": line["customer_id"], "plan": "Basic"}, ok=True,
            result={"line_id": "LINE-00001", "status": "active"})])
        dear = K.Built(request=Request(goal="x", knows={"reason": "too expensive"}), actions=[])
        assert _hard_up_and_spending(ctx, [hard], added)
        assert not _hard_up_and_spending(ctx, [dear], added)
        assert _hard_up_and_spending(ctx, [dear], upgrade)
    finally:
        sandbox.close()


def test_a_record_ended_to_clear_a_refusal_is_never_ended_for_a_claim_it_may_not_bear(monkeypatch) -> None:
    """An account closed to make room ("because of the fees"?) may have been opened last week: a
    way out is given only reasons that claim nothing of the record."""
    from gem_env.stages.tasks import session as S
    from gem_env.tools.reasons import claims
    assert claims("fees") and claims("duplicate charge") and claims("item not received") and claims("wrong amount")
    assert not claims("no longer needed") and not claims("moving bank") and not claims("fraud")
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "transfer-money.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain)
    c = check_domain(got)
    wf = next(w for w in c.domain.workflows if w.name == "close_account")
    assert S.LEAVING.search(wf.knows["reason"])  # its own reason ("moving bank") does not fit a customer who stays
    given: list[str] = []
    monkeypatch.setattr(S, "_given", lambda ctx, name, key, knows: given.append(knows["reason"]) or (lambda sb, rng: None))
    ctx = SimpleNamespace(compiled=c, workflows=c.domain.workflows)
    S._fitting_reasons(ctx, "close_account", "ACC-1", lambda sb, rng: None)
    enum = next(p.enum for s in wf.steps for p in c.tools[s.tool].spec.parameters if p.name == "reason" and p.enum)
    assert "fees" in enum and given == ["'no longer needed'"]


def test_a_card_reported_misused_is_not_loosened_in_the_same_visit() -> None:
    """A fraud dispute on a card's charge (or a card frozen as lost) and that card unfrozen or its
    limit raised do not go in one session, either order; another card, or a wrong amount, may."""
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain)
    c = check_domain(got)
    owners = Owners(c)
    ctx = SimpleNamespace(compiled=c, owners=owners)
    rows = owners.rows
    sandbox = c.new_sandbox()
    try:
        def built(reason: str | None, tool: str, args: dict) -> K.Built:
            snap = sandbox.snapshot()
            res = sandbox.call(tool, args)
            sandbox.restore(snap)
            assert res.ok, res.error
            return K.Built(request=Request(goal="x", knows={"reason": reason} if reason else {}),
                           actions=[GoldAction(tool=tool, arguments=args, ok=True, result=res.as_data())])
        frozen = next(r for r in rows["cards"].values() if r["status"] == "frozen"
                      and any(t["card_id"] == r["card_id"] and t["status"] == "posted" for t in rows["transactions"].values()))
        charge = next(t for t in rows["transactions"].values() if t["card_id"] == frozen["card_id"] and t["status"] == "posted")
        other = next(r for r in rows["cards"].values() if r["status"] == "frozen" and r["card_id"] != frozen["card_id"])
        fraud = built("fraud", "create_dispute", {"transaction_id": charge["transaction_id"], "reason": "fraud", "details": "not me"})
        wrong = K.Built(request=Request(goal="x", knows={"reason": "wrong amount"}), actions=fraud.actions)
        unfreeze = built(None, "unfreeze_card", {"card_id": frozen["card_id"]})
        unfreeze_other = built(None, "unfreeze_card", {"card_id": other["card_id"]})
        assert _reported_and_loosened(ctx, [fraud], unfreeze)
        assert _reported_and_loosened(ctx, [unfreeze], fraud)  # either order
        assert not _reported_and_loosened(ctx, [fraud], unfreeze_other)
        assert not _reported_and_loosened(ctx, [wrong], unfreeze)
        active = next(r for r in rows["cards"].values() if r["status"] == "active")
        lost = built("lost", "freeze_card", {"card_id": active["card_id"], "reason": "lost"})
        raise_limit = built(None, "update_card_spending_limit",
                            {"card_id": active["card_id"], "spending_limit": active["spending_limit"] + 500})
        lower_limit = built(None, "update_card_spending_limit",
                            {"card_id": active["card_id"], "spending_limit": active["spending_limit"] - 100})
        assert _reported_and_loosened(ctx, [lost], raise_limit)
        assert not _reported_and_loosened(ctx, [lost], lower_limit)
    finally:
        sandbox.close()


def test_a_setback_on_a_record_closed_since_is_no_note_for_a_person() -> None:
    """"I was going to transfer $1,500 from my account to my other account but want to talk it
    over" handed to a person after that account was closed and paid out in the same visit (round
    61's runs, tau2 ...b8b3a81b3894): the latest setback's record ended by a later request leaves
    nothing to talk over; another record closed does not."""
    from gem_env.stages.tasks.session import _ended_since
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "transfer-money.md"]))
    got = OfflineExtractor().extract(doc, RELEVANT)
    assert isinstance(got, Domain)
    c = check_domain(got)
    owners = Owners(c)
    ctx = SimpleNamespace(compiled=c, owners=owners)
    accounts = owners.rows["accounts"]
    sandbox = c.new_sandbox()
    try:
        def closed(row: dict) -> K.Built:
            snap = sandbox.snapshot()
            res = sandbox.call("close_account", {"account_id": row["account_id"], "reason": "no longer needed"})
            sandbox.restore(snap)
            assert res.ok, res.error
            return K.Built(request=Request(goal="close", kind="complete"), record=("accounts", row),
                           actions=[GoldAction(tool="close_account", arguments={"account_id": row["account_id"]},
                                               ok=True, result=res.as_data())])
        a, b = [r for r in accounts.values() if r["status"] == "open"][:2]
        held = K.Built(request=Request(goal="transfer", kind="decline"), record=("accounts", a), actions=[])
        assert _ended_since(ctx, [held, closed(a)])
        assert not _ended_since(ctx, [held, closed(b)])
        assert not _ended_since(ctx, [closed(a), held])  # closed before: the setback came after
    finally:
        sandbox.close()
