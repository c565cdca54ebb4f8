"""How sessions open. A user who names their second request in their first message ("Once that's
done, I also need to freeze my card."): the workflow agent does the first, then offers the second
itself; the user says yes without saying it again; and a user whose assistant does not offer it
brings it up as something already mentioned. A user whose earlier try went wrong says so, the agent
acknowledges it once, and the user is relieved at the end. The sessions verify."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from gem_env.agents.understanding import read_facts
from gem_env.cli import main
from gem_env.agents import banks as B
from gem_env.simulators import phrases as P
from gem_env.simulators.scenario import Scenario
from gem_env.simulators.scripted import ScriptedUser
from gem_env.tools import compile_domain, load_domain

ROOT = Path(__file__).resolve().parents[1]
_OFFER = re.compile(r"\byou also mentioned\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, set[str]]]:
    """Each accepted trajectory with the write tools of its domain."""
    out = []
    for corpus in ("bank", "clinic", "shop"):
        run = tmp_path_factory.mktemp(corpus) / "run"
        assert main(["synthesize", str(ROOT / "examples" / "corpus" / corpus), "--out", str(run), "--quiet"]) == 0
        for line in (run / "trajectories.jsonl").open():
            traj = json.loads(line)
            compiled = compile_domain(load_domain(run / "domains" / f"{traj['task']['domain']}.json"))
            out.append((traj, {name for name, tool in compiled.tools.items() if tool.writes}))
    return out


def _named_later(first: str) -> bool:
    """Whether a first message names a later request in one of the user's ways."""
    return any(re.search(re.escape(t.split("{x}")[0]), first) for t in P.NAMED_LATER)


def test_the_agent_offers_the_request_named_at_the_start_and_the_user_takes_it_up(
        sessions: list[tuple[dict, set[str]]]) -> None:
    several = offered = 0
    for traj, writes in sessions:
        task, messages = traj["task"], traj["messages"]
        requests = task["scenario"].get("requests") or []
        several += len(requests) > 1
        users = [m["content"] for m in messages if m["role"] == "user"]
        spoken = [m for m in messages if m["role"] in ("user", "assistant") and not m.get("tool_calls")]
        offers = [i for i, m in enumerate(spoken) if m["role"] == "assistant" and _OFFER.search(m["content"] or "")]
        assert traj["verification"]["passed"], task["id"]
        if not _named_later(users[0]):
            assert not offers, task["id"]
            continue
        offered += 1
        assert len(offers) == 1, task["id"]  # once, where the first request was settled
        before = [m["content"] for m in spoken[:offers[0]] if m["role"] == "assistant"]
        assert not any("anything else" in s.lower() for s in before), task["id"]
        reply = spoken[offers[0] + 1]["content"]
        assert any(reply.startswith(y) for y in P.MOVE_ON), (task["id"], reply)
        # the second request is taken up from the offer: the user does not say it again, and when it
        # is one to do, the assistant writes before it next settles a request
        after = next((i for i, m in enumerate(spoken) if i > offers[0] + 1 and m["role"] == "assistant"
                      and "anything else" in (m["content"] or "").lower()), len(spoken))
        told_again = [m["content"] for m in spoken[offers[0] + 1:after] if m["role"] == "user"]
        named = next(s for s in re.split(r"(?<=[.?!])\s+", users[0]) if _named_later(s))
        assert not any(named in u for u in told_again), task["id"]
        if requests[1]["kind"] == "complete":
            start = messages.index(spoken[offers[0]])
            end = messages.index(spoken[after]) if after < len(spoken) else len(messages)
            wrote = [c["function"]["name"] for m in messages[start:end] for c in m.get("tool_calls") or []
                     if c["function"]["name"] in writes]
            assert wrote, task["id"]
    assert several and 3 <= offered < several / 2, (offered, several)  # one user in three with several requests, or so


def _user_who_names_the_second(requests: list[dict]) -> tuple[ScriptedUser, str]:
    for seed in range(60):
        user = ScriptedUser(Scenario(persona="a customer", goal="two things", knows={"email": "a@example.com"},
                                     requests=requests), seed=seed)
        first = asyncio.run(user.reply([{"role": "system", "content": "policy"}]))
        if _named_later(first):
            return user, first
    raise AssertionError("no user in 60 names their second request up front")


REQUESTS = [
    {"goal": "freeze my card CRD-1 because of lost", "intent": "freeze my card because of lost", "knows": {"card_id": "CRD-1"}, "opening": ["card_id"],
     "anchor": "CRD-1"},
    {"goal": "change the spending limit of my card CRD-2 to 4800",
     "intent": "change the spending limit of my card to $4,800", "knows": {"card_id": "CRD-2"},
     "opening": ["card_id"], "anchor": "CRD-2"},
]


def test_the_user_names_the_second_request_up_front_and_brings_it_up_when_not_offered() -> None:
    user, first = _user_who_names_the_second(REQUESTS)
    assert "spending limit" in first and "CRD-2" not in first  # what they want, not its facts yet
    history = [{"role": "system", "content": "policy"}, {"role": "user", "content": first}]
    offered = asyncio.run(user.reply([*history, {"role": "assistant", "content":
                                     "Done, your card is frozen. You also mentioned changing the spending limit "
                                     "of your card. Shall we do that now?"}]))
    assert any(offered.startswith(y) for y in P.MOVE_ON) and "CRD-2" in offered
    assert "spending limit" not in offered  # not said again
    plain = asyncio.run(user.reply([*history, {"role": "assistant", "content": "Done. Anything else?"}]))
    assert any(plain.startswith(b) for b in P.BRIDGE_MENTIONED) and "spending limit" in plain


def test_a_value_read_from_a_message_ends_where_the_next_request_begins() -> None:
    names = [("appointment id", "appointment_id")]
    for lead in ("Once that's done", "After that", "Then I also", "Also, after that"):
        text = f"My appointment id is APP-71077. {lead}, I'd like to book a visit."
        assert read_facts(text, names, [])["appointment_id"] == "APP-71077"


def test_an_address_named_for_later_is_read_whole() -> None:
    """"Apt." does not end a sentence: the later request named in the first message kept only
    "2996 Arthur Station Apt.", and the agent asked for the address, city and zip again."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    doc = Document(id="freeze", text=(ROOT / "examples" / "corpus" / "bank" / "freeze-a-card.md").read_text())
    domain = OfflineExtractor().extract(doc, Verdict(id="freeze", relevant=True, score=1.0, reason="test"))
    agent = WorkflowAgent(check_domain(domain))
    first = ("I'd like to freeze my card because it was lost. Once that's done, I also need to change my address "
             "to 2996 Arthur Station Apt. 745, Kennethton 86116.")
    later = agent._later_request(first)
    assert later is not None and later[0].endswith("Kennethton 86116.")
    assert "2996 Arthur Station Apt. 745, Kennethton 86116" in later[1]


def test_trouble_before_is_acknowledged_once_and_the_user_leaves_relieved(sessions: list[tuple[dict, set[str]]]) -> None:
    troubled = 0
    for traj, _ in sessions:
        spoken = [m["content"] for m in traj["messages"] if m["role"] in ("user", "assistant") and not m.get("tool_calls")]
        told = [s for s in spoken[1::2] if any(s.startswith(t) for t in B.TROUBLE)]
        frustrated = "frustrated" in traj["task"]["scenario"]["persona"]
        assert frustrated == any(c.lower() in spoken[0].lower() for c in P.CONTEXT["frustrated"]), traj["id"]  # "Hi, this is ..."
        if not frustrated:
            assert not told, traj["id"]
            continue
        troubled += 1
        assert told == [spoken[1]], traj["id"]  # the first reply, and only it
        ended = spoken[-1].replace("###STOP###", "").strip()
        assert ended in P.RELIEVED + P.RELIEVED_AT_LAST + P.RELIEVED_ANSWERED + P.SOMETHING_AT_LEAST + P.UNDERSTOOD + P.AFTER_DECLINE \
            + P.GOODBYES, ended  # (half the frustrated customers whose chat went smoothly just thank)
    assert troubled >= 3


def test_a_yes_to_a_handoff_offer_is_told_from_a_new_request() -> None:
    """After a refusal the agent offers a person: "Yes please, that's the other thing." takes it up
    (the transfer's "other account" is no request), "Okay, I understand. Another thing: could you
    help me transfer ...?" brings a request of its own (it was taken as a yes: the agent asked for a
    summary and the transfer was dropped)."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    agent = WorkflowAgent(compile_domain(load_domain(Path(__file__).resolve().parents[1] / "examples" / "domains" / "bank.yaml")))
    assert agent._not_another("Yes please, that's the other thing.", "talk_to_a_person")
    assert agent._not_another("Sure, let's do it. That's account ACC-1.", "talk_to_a_person")
    assert not agent._not_another("Okay, I understand. Another thing, though: could you help me transfer $200 to my "
                                  "other account?", "talk_to_a_person")


def test_a_person_offered_after_a_refusal_is_taken_up_without_calling_it_the_other_thing() -> None:
    """The user was going to ask for a person next but never said so: "Yes please, that's the
    other thing." to the assistant's offer spoke of a request they had not named (16 banking and
    support sessions)."""
    requests = [REQUESTS[0], {"goal": "pass my question about my card CRD-1 to a person",
                              "intent": "pass my question about my card to a person", "knows": {"card_id": "CRD-1"},
                              "opening": [], "anchor": "CRD-1"}]
    offer = ("I'm sorry, but I can't freeze your card CRD-1. A card that is closed cannot be frozen. If it helps, "
             "I can ask a colleague to look into freezing your card with you.")
    answers = set()
    for answer in _answers_to(offer, requests, 40):
        assert any(answer.startswith(y) for y in P.MOVE_ON), answer
        answers.add(answer.split(".")[0])
    assert len(answers) >= 3 and not any("other thing" in a for a in answers), answers


def test_a_yes_to_a_person_after_a_refusal_says_no_record_id() -> None:
    """"Yes, thanks. The account id is ACC-11619." of the account the refusal had just named, or
    "It's for payment PYM-11021." of an earlier request's payment when the refused one was new
    (tau2 banking): the hand-off is about what was refused, which the assistant knows."""
    requests = [REQUESTS[0], {"goal": "pass my question about my card CRD-1 to a person",
                              "intent": "pass my question about my card to a person",
                              "knows": {"card_id": "CRD-1", "summary": "I wanted to freeze my card but was told no"},
                              "opening": ["card_id"], "anchor": "CRD-1"}]
    offer = ("I'm sorry, but I can't freeze your card CRD-1. A card that is closed cannot be frozen. If it helps, "
             "I can ask a colleague to look into freezing your card with you.")
    taken = 0
    for answer in _answers_to(offer, requests, 20):
        assert any(answer.startswith(y) for y in P.MOVE_ON) and "CRD-1" not in answer, answer
        taken += 1
    assert taken >= 5


def _answers_to(offer: str, requests: list[dict], seeds: int) -> list[str]:
    """What users of `seeds` seeds with these `requests` answer to the assistant's `offer` after
    their first message (those who named their second request up front left out)."""
    answers = []
    for seed in range(seeds):
        user = ScriptedUser(Scenario(persona="a customer", goal="two things", knows={"email": "a@example.com"},
                                     requests=requests), seed=seed)
        history = [{"role": "system", "content": "policy"}]
        first = asyncio.run(user.reply(history))
        if not _named_later(first):
            answers.append(asyncio.run(user.reply([*history, {"role": "user", "content": first},
                                                   {"role": "assistant", "content": offer}])))
    return answers


def test_an_amount_the_request_says_is_not_said_again_however_short() -> None:
    """"... transfer 100 dollars from my account to my other account. ... The amount is 100 dollars."
    (tau2 banking 450): "$100" is short, and was not looked for in the request."""
    requests = [{"goal": "transfer 100 from my account ACC-1 to my other account ACC-2",
                 "intent": "transfer $100 from my account to my other account",
                 "knows": {"amount": 100, "source_account_id": "ACC-1"}, "opening": ["amount", "source_account_id"],
                 "anchor": "ACC-1"}]
    for seed in range(20):
        user = ScriptedUser(Scenario(persona="a customer", goal="one thing", knows={"email": "a@example.com"},
                                     requests=requests), seed=seed)
        first = asyncio.run(user.reply([{"role": "system", "content": "policy"}]))
        assert "amount" not in first.lower(), first


def test_a_question_in_the_first_message_is_no_request_named_for_later() -> None:
    """"What's the monthly fee for my subscription, and also how many freezes this year it has?" asks
    now: it named no freeze for later (the agent offered "freezing your subscription"); the start of
    a subscription named after it is the later request."""
    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    doc = next(d for d in iter_documents([ROOT / "examples" / "corpus" / "more-businesses.jsonl"])
               if d.id == "gym-freeze-membership")
    domain = OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test"))
    agent = WorkflowAgent(check_domain(domain))
    first = ("Hello. What's the monthly fee for my membership, and also how many freezes this year it has? "
             "My email is a@example.org. And I also want to start a membership on the Standard plan, if we have time.")
    later = agent._later_request(first)
    assert later is not None and "start" in later[1] and "freez" not in later[1]
