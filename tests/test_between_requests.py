"""Between a session's requests.

A refused request, where the service hands questions to a person: the workflow agent offers that in
place of "Anything else?"; a user whose next request is exactly that says yes (and the agent goes on
with it as that request), any other says no and brings their next request.

A later request about the same kind of record as an earlier one: when it needs the record's id
and the user has not given it, the workflow agent asks whether it is the record the earlier request
was about ("Is this for the same rental, RA-1?") instead of asking for the id; the user says yes
when it is (and the agent goes on with that record), or no and gives the other record's id. The
sessions verify. (The scripted users name another record's id with the request itself, so the
"no" is met with model users; it is checked here on the user and the agent directly.) The agent asks
so where it cannot list the user's records to choose from: in a procedure domain, which the example
corpus has none of since car rentals are a service (their customers' rentals are listed), so the
corpus here has one more document, a parking permit no archetype fits."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from gem_env.tools.referring import PROPOSED_RECORD
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.cli import main
from gem_env.gym import ToolUseEnv
from gem_env.simulators import phrases as P
from gem_env.simulators.scenario import Request, Scenario
from gem_env.simulators.scripted import ScriptedUser

ROOT = Path(__file__).resolve().parents[1]
SEEDS = range(8)


PERMIT = """# Extend a parking permit

Keep your Citywide Parking permit for longer by renewing the permit before it ends.

Each permit has a permit number (for example PP-558201), the car's plate number, the start and end dates and the daily rate.

1. Open Manage permit and enter your permit number and last name.
2. Select Extend permit and choose the new end date.
3. Check the price: the extra days use the daily rate of your agreement.
4. Confirm with the card used at purchase.

A permit can only be extended if the new end date is within 30 days of the original one and the bay is not booked by another customer. You must extend at least 2 hours before the original end time; otherwise late fees apply.
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> ToolUseEnv:
    out = tmp_path_factory.mktemp("examples") / "run"
    permit = out.parent / "permit.jsonl"
    permit.write_text(json.dumps({"id": "permit", "title": "Extend a parking permit", "text": PERMIT}) + "\n")
    assert main(["synthesize", str(ROOT / "examples" / "corpus"), str(permit), "--out", str(out), "--quiet"]) == 0
    return ToolUseEnv(str(out))


def _calls(messages: list[dict], writes: set[str]) -> list[tuple[int, dict]]:
    """(message index, arguments) of every tool call, in order; for a write, its reply's ids too
    (the record it made or changed)."""
    replies = {m["tool_call_id"]: m["content"] for m in messages if m["role"] == "tool"}
    out = []
    for i, m in enumerate(messages):
        for c in m.get("tool_calls") or [] if m["role"] == "assistant" else []:
            args = json.loads(c["function"]["arguments"] or "{}")
            reply = replies.get(c["id"], "") if c["function"]["name"] in writes else ""
            made = json.loads(reply) if reply.startswith("{") else {}
            out.append((i, {**{k: v for k, v in made.items() if k.endswith("_id")}, **args}))
    return out


def _verified_episode(env: ToolUseEnv, agent: WorkflowAgent, task: Any, seed: int) -> list[dict]:
    """The task's episode with the workflow agent and the scripted user, which verifies."""
    env.reset(seed=seed, options={"task_id": task.id})
    while True:
        *_, reward, terminated, truncated, info = env.step(agent.reply(env.messages))
        if terminated or truncated:
            break
    assert reward == 1.0, (task.id, seed, info["verification"])
    return env.messages


def test_a_later_request_is_asked_about_the_record_an_earlier_one_was(env: ToolUseEnv) -> None:
    agents = {name: WorkflowAgent(d) for name, d in env.core.domains.items()}
    same = other = 0
    for task in env.core.tasks:
        if len(task.scenario.requests) < 2:
            continue
        for seed in SEEDS:
            messages = _verified_episode(env, agents[task.domain], task, seed)
            tools = env.core.domains[task.domain].tools
            calls = _calls(messages, {n for n, t in tools.items() if t.writes})
            for i, m in enumerate(messages):
                asked = PROPOSED_RECORD.search(m.get("content") or "") if m["role"] == "assistant" else None
                if asked is None or not asked["same"]:  # (not the only record that fits)
                    continue
                key = f"{asked['noun'].replace(' ', '_')}_id"
                # a record earlier calls were about (or a write made): never one the agent made up
                assert asked["id"] in {str(a[key]) for j, a in calls if j < i and key in a}, (task.id, seed)
                answer = messages[i + 1]["content"]
                used = next((str(a[key]) for j, a in calls if j > i and key in a), None)
                if used is None:  # told at once from an earlier read of it (a cancel left its travel date as it was)
                    told = messages[i + 2]
                    used = asked["id"] if told["role"] == "assistant" and not told.get("tool_calls") else ""
                if any(answer.startswith(y.split("{")[0].rstrip(".,")) for y in P.SAME_ONE):
                    same += 1
                    assert used == asked["id"], (task.id, seed, answer)
                else:
                    other += 1
                    assert any(answer.startswith(n.split("{")[0].rstrip(".,")) for n in P.ANOTHER_ONE), answer
                    assert used != asked["id"] and used in answer, (task.id, seed, answer)
    # (the same record again is now mostly described by the customer, "the one ending in 3349",
    # since the agent opens up to six listed records: the yes is read in the test below)
    assert same + other >= 2, (same, other)


def _session(first_id: str, second_id: str) -> tuple[ScriptedUser, list[dict]]:
    """A user whose second request is about rental `second_id`, asked whether it is `first_id`."""
    requests = [Request(kind="complete", goal="extend my rental", intent="extend my rental",
                        knows={"rental_id": first_id}, opening=["rental_id"]),
                Request(kind="lookup", goal="find out the return date of my rental", intent="find out the "
                        "return date of my rental", knows={"rental_id": second_id}, asks=["return_date"])]
    user = ScriptedUser(Scenario(goal="two requests", requests=requests, knows={"rental_id": first_id}), seed=3)
    messages = [{"role": "system", "content": "policy"},
                {"role": "user", "content": f"I'd like to extend my rental {first_id}."},
                {"role": "assistant", "content": "All set: it's extended. Anything else?"},
                {"role": "user", "content": "What's the return date of my rental?"},
                {"role": "assistant", "content": f"Is this for the same rental, {first_id}?"}]
    return user, messages


@pytest.mark.parametrize("second", ["RA-1", "RA-2"])
def test_the_user_says_whether_it_is_the_same_record_and_the_agent_reads_the_answer(env: ToolUseEnv, second: str) -> None:
    user, messages = _session("RA-1", second)
    answer = asyncio.run(user.reply(messages))
    agent = WorkflowAgent(next(d for n, d in env.core.domains.items() if "rental" in n))  # its names: "rental id"
    read = agent._facts_in(answer, messages[-1]["content"])
    if second == "RA-1":
        assert any(answer.startswith(y.split("{")[0].rstrip(".,")) for y in P.SAME_ONE), answer
    else:
        assert any(answer.startswith(n.split("{")[0].rstrip(".,")) for n in P.ANOTHER_ONE), answer
        assert "RA-2" in answer
    assert read.get("rental_id") == second, (answer, read)


def test_a_question_naming_one_of_the_fitting_records_asks_which_and_a_confirmation_does_not() -> None:
    from gem_env.stages.verify_kinds import _asks_which
    fitting = ["CRD-1", "CRD-2", "CRD-3"]
    assert _asks_which("I see 3 cards: CRD-1 (active), CRD-2 (frozen) and CRD-3. Which card is it?", fitting)
    assert _asks_which("Is this for the same card as before, CRD-2?", fitting)
    assert not _asks_which("I'll freeze your card CRD-2. Shall I go ahead?", fitting)  # a guess put to a yes
    assert not _asks_which("Could you give me your card ID?", fitting)
    assert not _asks_which("Your card CRD-1 and card CRD-2 are both active.", fitting)


def test_after_a_refusal_the_agent_offers_a_person_only_where_one_could_help(env: ToolUseEnv) -> None:
    """A colleague is offered after a refusal only where the rule leaves a person something to do ("call us
    instead"); a rule that forbids outright ("A frozen card can't be changed.") offers none: the customer
    then asks for a person themselves, as their brief says. Where offered, the customer takes it up or goes on."""
    from gem_env.agents.prechecks import rule_messages, states_rule
    from gem_env.agents.workflow_agent import HANDOFF_OFFERED, person_may
    taken = declined = outright = 0
    for task in env.core.tasks:
        if not any(r.kind == "refuse" for r in task.scenario.requests):
            continue
        agent = WorkflowAgent(env.core.domains[task.domain])
        handoff = agent._handoff
        rules = [r for t in env.core.domains[task.domain].tools.values() for r in rule_messages(t.spec)]
        for seed in SEEDS[:4]:
            messages = _verified_episode(env, agent, task, seed)
            for i, m in enumerate(messages):
                if m["role"] != "assistant" or not m.get("content"):
                    continue
                refused = next((r for r in rules if states_rule(r, m["content"])), "")  # the rule said
                if not HANDOFF_OFFERED.search(m["content"]):
                    if handoff is not None and refused and not person_may(refused) and P.is_negative(m["content"]):
                        outright += 1  # a refusal by a rule no colleague could get round, with no offer
                    continue
                assert refused and person_may(refused), m["content"]
                # offered as a colleague looking into what was refused: the customer asked no question
                assert handoff is not None and handoff[1] not in m["content"] and "colleague" in m["content"] \
                    or "our team" in m["content"], m["content"]
                assert "anything else" not in m["content"].lower()  # the offer closes the request
                if i + 1 == len(messages):
                    continue
                answer = messages[i + 1]["content"]
                later_calls = [c["function"]["name"] for n in messages[i + 1:] for c in n.get("tool_calls") or []]
                compiled = env.core.domains[task.domain]
                tool = next(st.tool for wf in compiled.domain.workflows if wf.name == handoff[0]
                            for st in wf.steps if st.tool in compiled.tools and compiled.tools[st.tool].writes)
                if any(answer.startswith(y) for y in P.MOVE_ON):
                    taken += 1  # the handoff is made, after the summary is asked and the user confirms
                    assert tool in later_calls, (task.id, seed)
                    # a person was not among what they named at the start: no "that's the other thing"
                    assert "other thing" not in answer, answer
                elif any(answer.startswith(b) for b in [*P.BRIDGE_AFTER_OFFER, *P.OFFER_NO]):
                    declined += 1  # no, and the next request (what clears the refusal: "No need, thanks. Then ...")
                else:  # the last request: a goodbye (or first the number of something made)
                    assert answer.endswith("###STOP###") or any(
                        answer.startswith(q.split("{")[0]) for q in P.ASK_REPEAT), answer
    assert outright >= 3, outright
    assert taken + declined == 0 or taken >= 1, (taken, declined)


def test_a_person_asked_for_after_a_refusal_gets_the_assistants_own_note(env: ToolUseEnv) -> None:
    """After a refusal the customer asks for a person themselves (no colleague is offered where the rule
    forbids outright, round 61); the assistant writes the note itself from what was refused and confirms
    it, never asking them what it is about (as an offer taken up did before: "Yes, please." then the
    confirmation, not "Could you give me a short summary?")."""
    from gem_env.agents.prechecks import rule_messages, states_rule
    from gem_env.agents.understanding import asks_confirmation
    asked = 0
    for task in env.core.tasks:
        if not any(r.kind == "refuse" for r in task.scenario.requests):
            continue
        agent = WorkflowAgent(env.core.domains[task.domain])
        rules = [r for t in env.core.domains[task.domain].tools.values() for r in rule_messages(t.spec)]
        for seed in SEEDS[:4]:
            messages = [m for m in _verified_episode(env, agent, task, seed)
                        if m["role"] in ("user", "assistant") and m.get("content") and not m.get("tool_calls")]
            for i, m in enumerate(messages[:-2]):
                if m["role"] == "assistant" and any(states_rule(r, m["content"]) for r in rules) \
                        and P.is_negative(m["content"]) and " a person" in messages[i + 1]["content"]:
                    ask = messages[i + 2]["content"]
                    asked += 1
                    assert asks_confirmation(ask) and "summary" not in ask and "what it's about" not in ask, ask
    assert asked >= 1


def test_an_answer_to_what_to_do_is_a_request_not_a_value(env: ToolUseEnv) -> None:
    """"What would you like to do with your booking: ..., changing the cabin of your booking, ...?"
    names the cabin, but asks for no value: "I'm looking to change the cabin of my booking to
    economy." was sent whole as the new cabin (the tool refused it; the session failed)."""
    domain = next(d for name, d in env.core.domains.items() if name.startswith("airline_change-a-booking"))
    agent = WorkflowAgent(domain)
    asked = ("What would you like to do with your booking: canceling your booking, changing the cabin of your "
             "booking, creating a claim for your booking or moving your booking to the flight?")
    said = "I'm looking to change the cabin of my booking to economy."
    assert agent._facts_in(said, asked).get("cabin") in (None, "economy")


def test_only_who_the_customer_is_carries_over_to_the_next_request(env: ToolUseEnv) -> None:
    """A reason given for an earlier request (a dispute's, changed to "item not received") was said
    in a later refusal: "I'm not able to freeze your card ... because the item was not received"."""
    agent = WorkflowAgent(next(d for name, d in env.core.domains.items() if "dispute-a-charge" in name))
    assert agent._carried("email") and agent._carried("zip") and agent._carried("first_name")
    assert not agent._carried("reason") and not agent._carried("card_id") and not agent._carried("amount")


def test_after_several_records_the_one_just_changed_is_asked_about() -> None:
    """"When was my appointment booked?" right after cancelling APP-2 (APP-1 and APP-2 were both
    opened to find it): the assistant asks "Is this for the same appointment, APP-2?" (it asked for
    the id cold, as if nothing had been said); with no change made, there is none to ask about."""
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    root = Path(__file__).resolve().parents[1]
    doc = Document(id="clinic", text=(root / "examples" / "corpus" / "clinic" / "cancel-an-appointment.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id="clinic", relevant=True, score=1.0, reason="t")))
    agent = WorkflowAgent(compiled)

    def call(n: int, tool: str, args: dict) -> list[dict]:
        return [{"role": "assistant", "content": None, "tool_calls": [
                    {"id": f"c{n}", "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}]},
                {"role": "tool", "tool_call_id": f"c{n}", "content": "{}"}]

    reads = call(0, "get_appointment_details", {"appointment_id": "APP-1"}) \
        + call(1, "get_appointment_details", {"appointment_id": "APP-2"})
    wrote = reads + call(2, "cancel_appointment", {"appointment_id": "APP-2", "reason": "conflict"})
    assert agent._last_changed("appointment_id", wrote) == {"APP-2"}
    assert agent._last_changed("appointment_id", reads) == set()


def test_an_offer_after_a_refusal_is_read_in_its_own_sentence_and_a_no_comes_first() -> None:
    """"I can't change the bags of your booking BKN-24565. ... If it helps, I can pass your question
    about your booking to a person.": the user's next request was to change another booking's bags,
    whose words the refusal holds, so the user took the offer as that request, could give no
    summary, and the session ended before its last request (2 of 36 airline and library sessions)."""
    import random

    from gem_env.simulators.scripted import _offers
    said = ("I wish I could help here, but I can't change the bags of your booking BKN-24565. Our policy says: "
            "a booking that is cancelled cannot be changed. If it helps, I can pass your question about your "
            "booking to a person.")
    assert not _offers(said, "change the bags of my booking to 3")
    assert _offers(said, "pass my question about my booking to a person")
    for seed in range(20):
        text = P.next_request(random.Random(seed), "In that case, please change my other booking to 3 bags.", "",
                              last=True, question=False, again=True, offered=True)
        assert text.split(".")[0] + "." in P.OFFER_NO and text.endswith("please change my other booking to 3 bags.")


def test_a_refusal_that_offers_the_person_named_at_the_start_leaves_the_note_to_the_assistant(env: ToolUseEnv) -> None:
    """"... I can't transfer the funds. ... You also mentioned passing your question about your
    account to a person. Want to do that now?" "Yes." was followed by "Could you write me a short
    summary?": the customer was asked to write the setback the assistant had just told. The note is
    the assistant's own, as after its own offer of a person."""
    from agent_turns import until_spoken
    compiled = next(d for name, d in env.core.domains.items() if name.startswith("bank_transfer-money"))
    sandbox = compiled.new_sandbox()
    rows = sandbox.dump()
    frozen = next(a for a in rows["accounts"].values() if a["status"] == "frozen")
    other = next(a for a in rows["accounts"].values()
                 if a["customer_id"] == frozen["customer_id"] and a["status"] == "open")
    email = rows["customers"][frozen["customer_id"]]["email"]
    agent = WorkflowAgent(compiled)
    messages = [{"role": "system", "content": "policy"},
                {"role": "user", "content": f"I'd like to transfer $50 from my account {frozen['account_id']} to my "
                                            f"account {other['account_id']}. I also want to talk to a person about my "
                                            f"account. My email is {email}."}]
    refusal = until_spoken(agent, sandbox, messages)
    assert "also mentioned" in refusal and "frozen" in refusal, refusal
    messages.append({"role": "user", "content": "Yes, please."})
    said = until_spoken(agent, sandbox, messages)
    # the assistant's own note, said to the customer as theirs
    assert "summary" not in said and f"that you wanted to transfer the funds (account {frozen['account_id']})" in said, said


def test_the_note_after_a_no_names_the_record_the_questions_before_it_named(env: ToolUseEnv) -> None:
    """"I'll freeze your card CRD-1 ... Shall I go ahead?" "What exactly will that change?" "Your
    card will be frozen ... Do you want me to freeze it now?" "No.": the note of the person asked
    for next read only the last question, which names no card ("The customer was about to freeze
    their card but wants to talk it over ..."); it names the card the questions before named."""
    from agent_turns import until_spoken
    compiled = next(d for name, d in env.core.domains.items() if name.startswith("bank_freeze-a-card"))
    sandbox = compiled.new_sandbox()
    rows = sandbox.dump()
    active = [c for c in rows["cards"].values() if c["status"] == "active"]
    # a customer with other active cards: the words said of the card ("active", "credit") fit them too
    card = next(c for c in active if sum(o["customer_id"] == c["customer_id"] for o in active) > 1)
    email = rows["customers"][card["customer_id"]]["email"]
    agent = WorkflowAgent(compiled)
    messages = [{"role": "system", "content": "policy"},
                {"role": "user", "content": f"Please freeze my card ending in {card['last4']} because it was stolen. "
                                            f"My email is {email}."}]
    said = []
    for answer in ("Before you do, what exactly will that change?", "No, don't change anything.",
                   "Can you help me talk to a person about my card?"):
        said.append(until_spoken(agent, sandbox, messages))
        messages.append({"role": "user", "content": answer})
    assert card["card_id"] in said[0] and card["card_id"] not in said[1], said  # the last question names no card
    note = until_spoken(agent, sandbox, messages)
    assert f"you were about to freeze your card ({card['card_id']})" in note \
        or f"freeze your card {card['card_id']}" in note, note
    assert "The customer" not in note and "their card" not in note, note  # said to them, not of them


def test_a_which_question_is_asked_twice_then_the_agent_says_it_cannot_go_on(env: ToolUseEnv) -> None:
    """"Which reservation is it?" names the kind; to a user who does not know the id the agent gave
    up only once two questions had said "reservation ID" (one wording of six): 20 questions to the
    end of the session, which failed. Two, then it says it cannot go on without knowing which."""
    from agent_turns import until_spoken
    compiled = next(d for name, d in env.core.domains.items() if name.startswith("shop_cancel-an-order"))
    sandbox = compiled.new_sandbox()
    rows = sandbox.dump()
    owner = next(c for c in rows["customers"].values()
                 if sum(o["customer_id"] == c["customer_id"] for o in rows["orders"].values()) > 2)
    agent = WorkflowAgent(compiled)
    messages = [{"role": "system", "content": "policy"},
                {"role": "user", "content": f"Can you tell me the status of my order? My email is {owner['email']}."}]
    asked = [until_spoken(agent, sandbox, messages)]
    for _ in range(3):
        messages.append({"role": "user", "content": "Sorry, I don't know my order id."})
        asked.append(until_spoken(agent, sandbox, messages))
    # two which-questions, then "I'm sorry, I can't continue without knowing which order you mean."
    assert all("LG-" in a for a in asked[:2]) and "knowing which order you mean" in asked[2] \
        and "LG-" not in asked[2], asked
