"""A write the service's text tells the assistant to offer once a request's own write is done ("Ask
the customer if they would like you to transfer the opening deposit from their checking account now.
If yes, use transfer_funds ... If no, inform them they have 30 days to fund the account ..."): read
from the text, decided per customer in the tasks, asked by the offline agent right after the write,
answered by the scripted customer as the task says, held by verification either way."""
from __future__ import annotations

import asyncio
import json
import re

import pytest

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.service_offers import to_customer
from gem_env.stages.ground.policy_lines import policy_lines
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools.offers import offer_asked
from test_extract_services import check_domain, extract_text

_OPENING = """# Internal: Opening Personal Savings Accounts

Procedure for opening personal savings accounts. Eligibility requirements: 1) Customer must be verified, 2) Customer must already have at least one active checking account, 3) Cannot have more than 5 personal savings accounts, 4) Must have held their checking account for at least 14 days. Steps: 1) Verify customer identity, 2) Check eligibility requirements, 3) Confirm account selection with customer, 4) Use open_bank_account_4821 to open the account (note: account_class must use the full official name ending with 'Account', e.g., 'Silver Plus Account', 'Gold Account'), 5) Ask the customer if they would like you to transfer the opening deposit from their checking account now. If yes, use transfer_funds_between_bank_accounts_7291 to transfer the required amount. If no, inform them they have 30 days to fund the account (via internal transfer or external deposit) or the account will be closed.
"""
_NO_OFFER = _OPENING.split(" 5) Ask")[0] + "\n"
_LINE = "You have 30 days to fund the account, by internal transfer or external deposit, or it will be closed."


@pytest.fixture(scope="module")
def opening():
    d = extract_text("Opening Personal Savings Accounts", _OPENING)
    compiled = check_domain(d)
    tasks, _ = make_tasks(compiled, per_domain=24, seed=0)
    offered = [t for t in tasks if t.offers]
    done = asyncio.run(run_rollouts([RolloutJob(t, compiled, WorkflowAgent(compiled), ScriptedUser(t.scenario))
                                     for t in offered], concurrency=4))
    return d, compiled, offered, done


def test_the_offer_is_read_from_the_text_with_its_act_values_and_no_line(opening):
    d, _, _, _ = opening
    wf = next(w for w in d.workflows if w.name == "open_account")
    offer = wf.offer
    assert offer is not None and offer.step.tool == "transfer_funds"
    # from the customer's own open checking account held as long as the opening asks, into the new one,
    # the product's opening deposit (a catalog field the list shows)
    assert "a.account_type == 'checking'" in offer.step.args["source_account_id"].result
    assert "days_between(a.opened_on, today) >= 14" in offer.step.args["source_account_id"].result
    assert offer.step.args["destination_account_id"].result == "opened.account_id"
    assert "opening_deposit" in offer.step.args["amount"].result
    assert offer.if_no == _LINE
    assert "transfer the opening deposit" in (offer.span.text if offer.span else "")
    products = d.entity("products")
    assert products is not None and all(row.get("opening_deposit", 0) > 0 for row in products.data)
    # the prompt tells a model agent both answers
    assert any(line.startswith("After opening the account, ask the customer whether they would like you to transfer "
                               "the opening deposit from their checking account") and line.endswith(_LINE)
               for line in policy_lines(d))
    # a text without the offer has none of it
    plain = extract_text("Opening Personal Savings Accounts", _NO_OFFER)
    assert all(w.offer is None for w in plain.workflows)
    assert all("opening_deposit" not in (f.name for f in e.fields) for e in plain.entities)


def test_the_no_line_is_said_to_the_customer():
    assert to_customer("they have 30 days to fund the account (via internal transfer or external deposit) or "
                       "the account will be closed") == _LINE
    assert to_customer("they have 30 days to fund the account via internal transfer or external deposit; "
                       "otherwise, the account will be closed") == \
        "You have 30 days to fund the account via internal transfer or external deposit, or it will be closed."


def test_both_answers_occur_and_the_gold_holds_the_offered_write_only_when_taken(opening):
    _, _, offered, _ = opening
    taken = [t for t in offered if t.offers[0].taken]
    declined = [t for t in offered if not t.offers[0].taken]
    assert taken and declined, [t.offers for t in offered]
    for t in offered:
        request = next(r for r in t.scenario.requests if r.offer)
        assert request.offer == ("yes" if t.offers[0].taken else "no")
        moved = [a for a in t.gold_actions if a.tool == "transfer_funds" and a.arguments == t.offers[0].arguments]
        assert len(moved) == (1 if t.offers[0].taken else 0)


def test_the_agent_offers_right_after_the_write_and_does_what_the_answer_says(opening):
    _, compiled, offered, done = opening
    for t, r in zip(offered, done):
        v = verify(t, r.messages, compiled)
        assert v.passed, (t.id, [c for c in v.checks if not c.passed])
        spoken = [(i, m["content"]) for i, m in enumerate(r.messages)
                  if m["role"] == "assistant" and not m.get("tool_calls")]
        asked = [(i, text) for i, text in spoken if offer_asked(text)]
        assert len(asked) == 1, [text for _, text in spoken]
        at, text = asked[0]
        opened = max(i for i, m in enumerate(r.messages) if m["role"] == "tool" and '"product"' in (m["content"] or ""))
        assert opened < at and not any(m.get("tool_calls") for m in r.messages[opened + 1:at])  # right after the write
        amount, source = t.offers[0].arguments["amount"], t.offers[0].arguments["source_account_id"]
        assert f"${amount:,.0f}" in text and source in text  # with the values that matter
        after = " ".join(x for i, x in spoken if i > at)
        if t.offers[0].taken:
            assert "transferred" in after and _LINE not in after
        else:
            assert _LINE in after
            assert not any(c["function"]["name"] == "transfer_funds"  # (a transfer the customer asks for later is theirs)
                           and json.loads(c["function"]["arguments"]) == t.offers[0].arguments
                           for m in r.messages[at:] for c in m.get("tool_calls") or [])


def _without(messages: list[dict], drop) -> list[dict]:
    """The conversation with the messages `drop` picks left out (and the tool replies of calls left out)."""
    gone = {c["id"] for m in messages if drop(m) for c in m.get("tool_calls") or []}
    return [m for m in messages if not drop(m) and m.get("tool_call_id") not in gone]


def test_verification_rejects_a_skipped_offer_and_an_unsaid_no_line(opening):
    _, compiled, offered, done = opening
    taken = next((t, r) for t, r in zip(offered, done) if t.offers[0].taken)
    declined = next((t, r) for t, r in zip(offered, done) if not t.offers[0].taken)
    # taken, but the money never moved: the state differs from the gold
    t, r = taken
    skipped = _without(r.messages, lambda m: any(c["function"]["name"] == "transfer_funds"
                                                 for c in m.get("tool_calls") or []))
    v = verify(t, skipped, compiled)
    assert not v.passed and not next(c for c in v.checks if c.name == "final_state").passed
    # declined, and the line for a no never said
    t, r = declined
    silent = [{**m, "content": "No problem. Anything else?"} if m["role"] == "assistant" and _LINE in (m["content"] or "")
              else m for m in r.messages]
    v = verify(t, silent, compiled)
    assert not v.passed and not next(c for c in v.checks if c.name == "offer_answered").passed
    assert verify(t, r.messages, compiled).passed


def test_an_offer_is_no_confirmation_of_the_write_before_it():
    """The customer's no to the offer does not undo the yes to the opening (`_confirmation`)."""
    from gem_env.agents.workflow_agent import _confirmation
    segment = [{"role": "assistant", "content": "I'll open a new Gold Account. Shall I go ahead?"},
               {"role": "user", "content": "Yes, go ahead."},
               {"role": "assistant", "content": "Done. While we're at it, would you like me to transfer the $50 "
                                                "opening deposit from your checking account ACC-1 into the new account now?"},
               {"role": "user", "content": "No, not now."}]
    assert _confirmation(segment) is True
    assert offer_asked(segment[2]["content"]) and not offer_asked(segment[0]["content"])
    assert not offer_asked("We're ready to pass your question to a person. Would you like me to do that now?")


def test_the_customer_answers_the_offer_in_their_own_voice(opening):
    _, _, offered, done = opening
    answers = set()
    for t, r in zip(offered, done):
        spoken = [m for m in r.messages if m["role"] in ("user", "assistant") and not m.get("tool_calls")]
        at = next(i for i, m in enumerate(spoken) if m["role"] == "assistant" and offer_asked(m["content"]))
        answer = spoken[at + 1]["content"]
        assert answer and not re.search(r"\bdeposit\b|\b\$\d", answer)  # an answer, not the offer said back
        answers.add(answer)
    assert len(answers) >= 2


def test_a_refined_session_answers_the_offer_as_its_parent():
    """Refinement replays a session's requests again (`refine.base.compose`): the offered write joins
    its gold when the customer takes it, and the no's line is still held."""
    from gem_env.stages.refine.base import compose, start
    d = extract_text("Opening Personal Savings Accounts", _OPENING)
    compiled = check_domain(d)
    tasks, _ = make_tasks(compiled, per_domain=24, seed=0)
    single = [t for t in tasks if t.offers and len(t.scenario.requests) == 1]  # (`start` keeps a session's first)
    assert single
    for t in single:
        v = compose(start(t, compiled))
        assert [o.taken for o in v.task.offers] == [o.taken for o in t.offers]
        assert v.task.expected_state_hash == t.expected_state_hash
        assert json.dumps([a.arguments for a in v.task.gold_actions if a.tool == "transfer_funds"]) == \
            json.dumps([a.arguments for a in t.gold_actions if a.tool == "transfer_funds"])


def test_the_reads_the_offer_names_are_kept_for_it(opening):
    """A later opening in the same session reuses the profile and the product list read before: they
    are bound for the offer all the same (`Step.needed`; a chained second opening was made with no
    offer, and its no line never said)."""
    from gem_env.agents.plans import compile_plan
    d, compiled, _, _ = opening
    plan = compile_plan(next(w for w in d.workflows if w.name == "open_account"), compiled)
    assert {s.as_ for s in plan.steps if s.needed} >= {"offered", "profile"}
