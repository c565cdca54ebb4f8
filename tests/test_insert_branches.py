"""An `if` of updates after a compiled insert (`tools.insertplan`: written before the insert, its
condition evaluated once on the rows read) answers exactly as the steps: the same replies, errors,
rows, digests and id counters, on both branches, when a branch's update or the condition fails
(the steps answer), and on the demo's `create_dispute` that freezes the card of a fraud dispute."""
from __future__ import annotations

from typing import Any

import pytest

from gem_env.tools import compile_domain, load_domain
from gem_env.tools.plan import plan_for
from gem_env.tools.writeplan import MISS

from test_insert_plan import (FIND_ORDER, INSERT_NOTE, an_order, both, counters,  # noqa: F401 (a fixture)
                              demo_domains, insert_heads, notes_domain, same_call)
from test_write_plan import Counting, step_by_step

pytestmark = pytest.mark.usefixtures("every_call_runs")  # the executor's own paths: every write runs

FIND_CUSTOMER = {"find": "customers", "as": "c", "where": {"customer_id": "o.customer_id"}}
BRANCH = {"if": "text == 'vip'", "then": [{"update": "customers", "row": "c", "set": {"vip": "true"}}],
          "else": [{"update": "orders", "row": "o", "set": {"status": "'noted'", "total": "o.total + 1"}},
                   {"update": "customers", "row": "c", "set": {"vip": "false"}}]}
BRANCHED = [FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE, BRANCH,
            {"return": {"id": "n.note_id", "vip": "c.vip", "status": "o.status", "total": "o.total"}}]


@pytest.mark.parametrize("effect, compiled_insert", [
    (BRANCHED, True),
    ([FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE, BRANCH], True),  # no return
    # the condition reads the inserted row: it cannot be written before the insert
    ([FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE, {**BRANCH, "if": "n.text == 'vip'"}], False),
    # an updated value reads the inserted row
    ([FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE,
      {**BRANCH, "then": [{"update": "orders", "row": "o", "set": {"status": "n.text"}}]}], False),
    # the insert reads a row the if updates: it must see it as it was
    ([FIND_ORDER, FIND_CUSTOMER, {**INSERT_NOTE, "values": {**INSERT_NOTE["values"], "text": "o.status"}}, BRANCH],
     False),
    # a branch with a step other than an update
    ([FIND_ORDER, INSERT_NOTE, {"if": "text == 'a'", "then": [{"let": {"x": "1"}}], "else": []}], False),
    # a condition that reads a table
    ([FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE, {**BRANCH, "if": "count_rows('notes', {order_id: order_id}) > 1"}],
     False),
])
def test_which_ifs_after_an_insert_compile(effect, compiled_insert):
    assert ("note" in insert_heads(notes_domain(effect))) == compiled_insert


def counted(compiled: Any) -> Counting:
    head = plan_for(compiled.tools["note"]).single = Counting(insert_heads(compiled)["note"])
    return head


def test_both_branches_answer_as_the_steps():
    compiled = notes_domain(BRANCHED)
    head = counted(compiled)
    fast, slow = both(compiled)
    for text in ("vip", "plain", "vip", "other"):
        for order in (an_order(fast, "pending"), an_order(fast, "delivered"), "nope"):
            same_call(fast, slow, compiled, {"order_id": order, "text": text})
    assert head.answered == 8  # the existing orders, each text


def test_a_failing_branch_update_or_condition_leaves_the_answer_to_the_steps():
    refused = {**BRANCH, "then": [{"update": "orders", "row": "o", "set": {"total": "text"}}]}  # not a number
    raising = {**BRANCH, "if": "len(text) > 'a'"}
    for branch, ok in ((refused, {"plain": True, "vip": False}), (raising, {"plain": False, "vip": False})):
        compiled = notes_domain([FIND_ORDER, FIND_CUSTOMER, INSERT_NOTE, branch, {"return": "n.note_id"}])
        head = counted(compiled)
        real, outcomes = head.head.run, []
        head.head.run = lambda env, ctx: outcomes.append(real(env, ctx)) or outcomes[-1]
        fast, slow = both(compiled)
        for text, expected in ok.items():
            before = counters(fast)
            got = same_call(fast, slow, compiled, {"order_id": an_order(fast, "pending"), "text": text})
            assert got.ok == expected, (branch, text, got)
            if not expected:
                assert outcomes[-1] is MISS and counters(fast) == before


def test_the_demo_fraud_dispute_freezes_the_card_as_the_steps(demo_domains):  # noqa: F811
    """`create_dispute` of the dispute-a-charge domain: requires, the insert with a new id, then
    `if reason == 'fraud'` freezing the charge's card; over its charges and every reason."""
    path = next(p for p in demo_domains if p.name.startswith("bank_dispute-a-charge"))
    compiled = compile_domain(load_domain(path))
    assert "create_dispute" in insert_heads(compiled)
    head = plan_for(compiled.tools["create_dispute"]).single = Counting(insert_heads(compiled)["create_dispute"])
    spec = compiled.tools["create_dispute"].spec
    reasons = next(p.enum for p in spec.parameters if p.name == "reason")
    fast, slow = both(compiled)
    done = {True: 0, False: 0}  # calls answered ok, by whether the reason was fraud
    try:
        for i, charge in enumerate(sorted(fast.dump(["charges"])["charges"])):
            for reason in (reasons[i % len(reasons)], "fraud"):  # the second is refused: already disputed
                args = {"charge_id": charge, "reason": reason, "details": "seen twice"}
                a = fast.call("create_dispute", args)
                with step_by_step(compiled):
                    b = slow.call("create_dispute", args)
                assert (a.ok, a.error, a.value, a.content) == (b.ok, b.error, b.value, b.content), args
                assert fast.state_hash() == slow.state_hash() and counters(fast) == counters(slow), args
                done[reason == "fraud"] += a.ok
    finally:
        plan_for(compiled.tools["create_dispute"]).single = head.head
    assert fast.dump() == slow.dump() and fast.state_hash() == fast.recomputed_state_hash()
    assert head.answered >= 5 and done[True] >= 1 and done[False] >= 1, (head.answered, done)
