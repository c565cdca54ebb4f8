"""A reason in the customer's own words: "dispute it because the same charge went through twice",
not "because of duplicate charge". The user says it so half the time; the assistant maps it to the
tool's choice, restates that choice in its confirmation, and the session verifies."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from gem_env.agents.understanding import _NOT_GIVEN
from gem_env.cli import main
from gem_env.tools.reasons import OWN_WORDS, own_words, reason_in_words

ROOT = Path(__file__).resolve().parents[1]


def test_each_phrasing_reads_back_to_its_own_reason_alone() -> None:
    every = list(OWN_WORDS)
    for reason, phrasings in OWN_WORDS.items():
        for phrase in phrasings:
            assert reason_in_words(f"Please cancel it because {phrase}, thanks.", every) == reason, phrase
            # names no record, so it never picks one: not "my card", "my order"
            assert not re.search(r"\bmy (?:card|account|order|item|booking|line|bill|transaction)\b", phrase), phrase
            # never read as an answer the user cannot give ("I've no idea who this is" left a handoff's
            # summary untaken)
            assert not _NOT_GIVEN.search(phrase), phrase


def test_a_reason_people_say_as_it_is_has_no_own_words() -> None:
    assert own_words("other", random.Random(0)) is None
    assert reason_in_words("because of something else", ["other", "fraud"]) is None
    # the tool's choices decide: words of a reason it does not take are no answer
    assert reason_in_words("because someone stole it", ["lost", "no longer needed"]) is None
    assert reason_in_words("because SOMEONE  stole it", ["lost", "stolen"]) == "stolen"


@pytest.fixture(scope="module")
def trajectories(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = []
    for corpus in ("bank", "shop", "clinic"):
        run = tmp_path_factory.mktemp(corpus) / "run"
        assert main(["synthesize", str(ROOT / "examples" / "corpus" / corpus), "--out", str(run), "--quiet"]) == 0
        out += [json.loads(line) for line in (run / "trajectories.jsonl").open()]
    return out


def test_the_assistant_files_the_reason_the_user_put_in_their_own_words(trajectories: list[dict]) -> None:
    told = 0
    for traj in trajectories:
        assert traj["verification"]["passed"], traj["id"]
        for request in traj["task"]["scenario"]["requests"]:
            reason = request["knows"].get("reason")
            if not isinstance(reason, str) or not re.search(r"\bbecause\b", request["intent"]) \
                    or reason_in_words(request["intent"], [reason]) is None:
                continue
            told += 1
            users = [m["content"] for m in traj["messages"] if m["role"] == "user" and m.get("content")]
            assert any(reason_in_words(u, [reason]) for u in users), (traj["id"], request["intent"])
            calls = [json.loads(c["function"]["arguments"]) for m in traj["messages"] if m["role"] == "assistant"
                     for c in m.get("tool_calls") or ()]
            if request["kind"] in ("complete", "disambiguate"):  # the write was made with the tool's choice
                assert any(a.get("reason") == reason for a in calls), (traj["id"], reason)
            confirms = [m["content"] for m in traj["messages"] if m["role"] == "assistant" and m.get("content")
                        and all(re.search(rf"\b{w}\b", m["content"]) for w in reason.split())]  # "because the delivery was too slow"
            assert confirms or request["kind"] in ("refuse",), (traj["id"], reason)  # restated in the tool's words
    assert told >= 10



@pytest.mark.parametrize("seed", range(4))
def test_asked_why_the_user_answers_in_their_own_words_and_is_understood(seed: int) -> None:
    """"Could you tell me the reason?" is answered as a person would ("Well, I ordered it by
    accident."), never "The reason is ordered by mistake."; the agent reads it as the tool's choice."""
    import asyncio

    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Document, Verdict
    from gem_env.simulators.scenario import Request, Scenario
    from gem_env.simulators.scripted import ScriptedUser
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    doc = Document(id="shop", text=(ROOT / "examples" / "corpus" / "shop" / "track-an-order.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id="shop", relevant=True, score=1.0, reason="t")))
    choices = next(p.enum for t in compiled.tools.values() for p in t.spec.parameters if p.name == "reason")
    agent = WorkflowAgent(compiled)
    for reason in [c for c in choices if own_words(c, random.Random(0))]:
        request = Request(kind="complete", goal="cancel my order ORD-1", intent="cancel my order",
                          knows={"order_id": "ORD-1", "reason": reason}, opening=["order_id"])
        user = ScriptedUser(Scenario(goal="cancel", requests=[request], knows={"order_id": "ORD-1"}), seed=seed)
        asked = "Thanks. Could you tell me the reason as well?"
        answer = asyncio.run(user.reply([{"role": "system", "content": "policy"},
                                         {"role": "user", "content": "I'd like to cancel my order ORD-1."},
                                         {"role": "assistant", "content": asked}]))
        assert not re.search(r"\breason is\b", answer, re.I) and reason not in answer, answer
        assert agent._facts_in(answer, asked).get("reason") == reason, (answer, reason)


def test_a_reason_changed_at_the_confirmation_is_said_in_own_words_and_read_as_the_choice() -> None:
    """"Actually, make that because I ordered it by accident.", never "make the reason ordered by
    mistake instead"; the agent reads it as the tool's choice and asks again."""
    import asyncio

    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Document, Verdict
    from gem_env.simulators.refined import RefinedUser
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    class Inner:
        async def reply(self, messages: list) -> str:
            return "Yes, go ahead."

    doc = Document(id="shop", text=(ROOT / "examples" / "corpus" / "shop" / "track-an-order.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id="shop", relevant=True, score=1.0, reason="t")))
    choices = next(p.enum for t in compiled.tools.values() for p in t.spec.parameters if p.name == "reason")
    agent = WorkflowAgent(compiled)
    asked = "Just to confirm: I'll cancel your order ORD-1 because it's no longer needed. Shall I go ahead?"
    said = []
    for seed in range(4):
        for reason in [c for c in choices if own_words(c, random.Random(0))]:
            user = RefinedUser(Inner(), [], lambda s, i: Inner(), changes=[("reason", reason)], seed=seed)
            answer = asyncio.run(user.reply([{"role": "user", "content": "I'd like to cancel my order ORD-1."},
                                             {"role": "assistant", "content": asked}]))
            said.append(answer)
            assert "reason" not in answer.lower() or "real reason" in answer.lower(), answer
            assert reason not in answer, answer
            assert agent._facts_in(answer, asked).get("reason") == reason, (answer, reason)
    assert len(set(said)) > len(choices)  # worded several ways
    # a yes to the confirmation names no reason, even one said in words
    assert "reason" not in agent._facts_in("Yes, go ahead: I ordered it by accident.", asked)
