"""A transfer between the customer's own accounts: the accounts are found among theirs as any
account is (opened one by one, asked about by the part each plays), never by an ID the customer is
asked for cold ("What's the ID of the account it's going to?": 86 questions over the service runs
of round 50)."""
from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path

import pytest

from gem_env.agents import speech as S
from gem_env.agents.candidates import record_key
from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain
from gem_env.tools.referring import PROPOSED_PART

ROOT = Path(__file__).resolve().parents[1]
_COLD = re.compile(r"\bID of the account it's", re.IGNORECASE)


@pytest.fixture(scope="module")
def bank() -> CompiledDomain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "transfer-money.md"]))
    return check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))


def test_a_part_in_a_move_names_a_record_of_its_kind() -> None:
    keys = {"account_id", "card_id"}
    assert record_key("source_account_id", keys) == "account_id"
    assert record_key("destination_account_id", keys) == "account_id"
    assert record_key("card_id", keys) == "card_id"
    assert record_key("to_wallet_id", keys) == "to_wallet_id"  # no wallets: left as it is


def test_the_question_names_the_part_and_the_list_once() -> None:
    accounts = [{"account_id": "ACC-1", "account_type": "savings", "status": "open"},
                {"account_id": "ACC-2", "account_type": "checking", "status": "open"},
                {"account_id": "ACC-3", "account_type": "checking", "status": "frozen"}]
    rng = random.Random(0)
    first = S.which_moved(rng, "account_id", accounts, accounts[:2], ("account", "coming from"))
    assert "ACC-1 (" in first and "ACC-3" not in first and first.endswith("the account it's coming from?"), first
    again = S.which_moved(rng, "account_id", accounts, accounts[:2], ("account", "going to"), "ACC-1")
    assert "ACC-1" in again and "ACC-2" not in again and again.endswith("the account it's going to?"), again
    only = S.which_moved(rng, "account_id", accounts, accounts[1:2], ("account", "going to"))
    m = PROPOSED_PART.search(only)
    assert m is not None and m["id"] == "ACC-2" and m["way"] == "going to", only


def test_the_accounts_of_a_transfer_are_asked_about_not_their_ids(bank: CompiledDomain) -> None:
    tasks, rejected = make_tasks(bank, per_domain=20, seed=0)  # (a customer who knows the accounts only by
    assert len(tasks) >= 6, rejected  # their kind is one in a few: 12 tasks drew none once reasons fit the records)
    jobs = [RolloutJob(t, bank, RefinedAgent(WorkflowAgent(bank)), ScriptedUser(t.scenario), Limits()) for t in tasks]
    trajectories = asyncio.run(run_rollouts(jobs))
    asked = described = 0
    for task, traj in zip(tasks, trajectories):
        for m in traj.messages:  # "It's going to my savings account.": the account by its part, in words
            way = re.search(r"\b(?:coming from|going to|From|To) my (?!account\b)[\w ]*account\b", m.get("content") or "")
            if m["role"] == "user" and way:
                described += 1
                part = "coming from" if "from" in way.group(0).lower() else "going to"
                later = [a.get("content") or "" for a in traj.messages[traj.messages.index(m):] if a["role"] == "assistant"]
                assert not any(f"the account it's {part}?" in a for a in later), later  # not asked again
        said = [m["content"] for m in traj.messages[1:] if m["role"] == "assistant" and m.get("content")]
        assert not any(_COLD.search(s) for s in said), said
        asked += sum("the account it's" in s and s.endswith("?") for s in said)
        # the transfer's own request: from the user's message asking for it to the transfer
        msgs = traj.messages
        write = next((i for i, m in enumerate(msgs) for c in m.get("tool_calls") or []
                      if c["function"]["name"] == "transfer_funds"), None)
        if write is not None:
            start = max(i for i, m in enumerate(msgs[:write]) if m["role"] == "user" and "transfer" in m["content"])
            opened = [c["function"]["arguments"] for m in msgs[start:write] for c in m.get("tool_calls") or []
                      if c["function"]["name"] == "get_account_details"]
            assert len(opened) == len(set(opened)), opened  # each account opened once, for both parts
        result = verify(task, traj.messages, bank)
        assert result.passed, (task.id, [c.name for c in result.checks if not c.passed])
    assert asked >= 3 and described >= 1, (asked, described)



def test_the_account_it_is_going_to_is_picked_from_the_list_shown_just_before(bank: CompiledDomain) -> None:
    """"ACC-1, then. And the account it's going to: which one is that?" shows no list; the
    customer points at the account in the list just before ("The one opened in June."), never reads
    out the key (11 of 702 in round 58's review), and the assistant reads it against that list."""
    tool = next(t for t in bank.tools.values() if any(p.name.startswith("destination") for p in t.spec.parameters))
    source, destination = (next(p.name for p in tool.spec.parameters if p.name.startswith(w)) for w in ("source", "dest"))
    listing = ("I can see 3 open accounts under your name: ACC-1 (checking, opened on August 6, 2024), ACC-2 "
               "(checking, opened on June 26, 2024) and ACC-3 (savings, opened on November 30, 2024). Which of them "
               "is the account it's coming from?")
    follow = "ACC-1, then. And the account it's going to: which one is that?"
    agent = WorkflowAgent(bank)
    assert agent._facts_in("The one opened in June.", follow, listing).get(destination) == "ACC-2"
    assert agent._facts_in("The one opened in June.", follow).get(destination) != "ACC-2"  # (no list: no pick)
    from gem_env.simulators.scenario import Request, Scenario
    from gem_env.tools.referring import listed_by_detail
    intent = "transfer $700 from my account to my other account"
    knows = {source: "ACC-1", destination: "ACC-2", "amount": 700}
    said = set()
    for seed in range(20):
        request = Request(kind="complete", goal=intent, intent=intent, knows=knows)
        user = ScriptedUser(Scenario(goal=intent, requests=[request], knows=knows), seed=seed)
        said.add(asyncio.run(user.reply([{"role": "user", "content": "I'd like to " + intent + "."},
                                         {"role": "assistant", "content": listing},
                                         {"role": "user", "content": "From the one opened in August."},
                                         {"role": "assistant", "content": follow}])))
    assert all("ACC-" not in a and listed_by_detail(listing, a) == "ACC-2" for a in said), said


def test_an_account_not_among_those_listed_is_said_to_be_none_of_them(bank: CompiledDomain) -> None:
    """Asked which of the accounts that could send money it is coming from, a customer whose account
    is not listed (it is closed: the refusal comes next) says so before naming it, never a bare
    "From ACC-19466." as if picked from the list; the assistant still reads the account."""
    from gem_env.simulators.scenario import Request, Scenario
    tool = next(t for t in bank.tools.values() if any(p.name.startswith("destination") for p in t.spec.parameters))
    source = next(p.name for p in tool.spec.parameters if p.name.startswith("source"))
    asked = ("You have 3 accounts, and 2 of them could be used here: ACC-57368 (opened on June 2, 2024, balance "
             "$13,236.86) and ACC-60579 (opened on April 26, 2024, balance $14,200.45). Could you tell me which one is "
             "the account it's coming from?")
    intent = "transfer $100 from my account to my other account"
    knows = {source: "ACC-19466", "amount": 100}
    agent = WorkflowAgent(bank)
    said = set()
    for seed in range(20):
        request = Request(kind="refuse", goal=intent, intent=intent, knows=knows)
        user = ScriptedUser(Scenario(goal=intent, requests=[request], knows=knows), seed=seed)
        said.add(asyncio.run(user.reply([{"role": "user", "content": "I'd like to " + intent + "."},
                                         {"role": "assistant", "content": asked}])))
    assert all(re.match(r"(?:It's not one of those|Neither of those)", a) and "ACC-19466" in a for a in said), said
    three = asked.replace("2 of them could be used here: ACC-57368", "3 of them could be used here: ACC-1 (opened on May "
                          "1, 2024, balance $5), ACC-57368").replace(") and ACC-60579", "), and ACC-60579")
    said = {asyncio.run(ScriptedUser(Scenario(goal=intent, requests=[Request(kind="refuse", goal=intent, intent=intent,
                                                                              knows=knows)], knows=knows), seed=seed)
                        .reply([{"role": "user", "content": "I'd like to " + intent + "."},
                                {"role": "assistant", "content": three}])) for seed in range(20)}
    assert not any("Neither" in a for a in said) and any("None of those" in a for a in said), said  # of three
    assert all(agent._facts_in(a, asked).get(source) == "ACC-19466" for a in said), said
