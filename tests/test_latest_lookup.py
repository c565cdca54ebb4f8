"""A question about the latest record kept under one of the customer's ("what's the amount of my
card's latest transaction?"): the read listing that record's children newest first answers it (before,
no request reached `list_card_transactions`, `list_line_bills` or `list_account_readings`: 34 of the
τ²-bench banking domains had a list read no task called). The assistant finds the card, lists its
transactions and tells the newest one's facts; the sessions verify."""
from __future__ import annotations

import json

from gem_env.agents.lookup import LATEST, latest_lists, recognise_lookup
from gem_env.stages.tasks import lookups as L
from gem_env.stages.tasks.make import _single
from gem_env.stages.tasks.model import Task

from test_extract_services import _rollouts, check_domain, extract


def test_a_list_read_newest_first_is_a_latest_lookup_and_a_details_read_is_not() -> None:
    compiled = check_domain(extract("bank/freeze-a-card.md")[1])
    plans = latest_lists(compiled)
    assert [(p.tool, p.noun, p.under, p.param) for p in plans] == \
        [("list_card_transactions", "transaction", "card", "card_id")]  # (get_card_details embeds a few: no)
    asked = recognise_lookup("Could you tell me the amount of my card's latest transaction?", plans)
    assert asked is not None and asked.asks == ["amount"] and LATEST.search("my last bill")


def test_the_latest_transaction_is_told_from_the_list_and_the_sessions_verify() -> None:
    compiled = check_domain(extract("bank/freeze-a-card.md")[1])
    plan = latest_lists(compiled)[0]
    sandbox = compiled.new_sandbox()
    cards = list(sandbox.dump(["cards"])["cards"].values())
    sandbox.close()
    tasks = [t for card in cards[:8]
             if isinstance(t := _single(compiled, "lookup", card["card_id"],
                                        lambda sb, rng, r=card: L.latest(compiled, plan, r, sb, rng),
                                        seed=0, doc_id=None, name=plan.tool), Task)]
    assert len(tasks) >= 3
    # a customer with several cards names theirs as they know it ("the card ending in 4782"), not by its id
    assert any("card_id" not in t.scenario.knows for t in tasks), [t.scenario.knows for t in tasks]
    done, passed = _rollouts(compiled, tasks)
    assert all(passed)
    for run in done:
        listed = [json.loads(m["content"]) for m in run.messages if m["role"] == "tool" and m["content"].startswith("[{")
                  and '"transaction_id"' in m["content"]]
        assert listed, "no list of transactions read"
        answer = [m["content"] for m in run.messages if m["role"] == "assistant" and m.get("content")][-1]
        assert listed[-1][0]["transaction_id"] in answer, answer  # the newest, named
