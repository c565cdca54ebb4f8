"""Sessions of one customer, yes/no answers as boolean values, and the model user's scenario
contract (the open request only, the next one once the previous is settled)."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage

from gem_env.agents.understanding import GOING_ON, coerce, read_facts
from gem_env.agents.lookup import auth_finder
from gem_env.cli import main
from gem_env.agents.prechecks import memory, reads_since_write, records
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.llm_user import LLMUser, current_request, system_prompt
from gem_env.simulators.scenario import STOP
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.ground.rollout import run_rollout
from gem_env.stages.verify import verify
from gem_env.stages.tasks import Task, make_tasks
from gem_env.stages.tasks.owners import Owners
from gem_env.tools import CompiledDomain, compile_domain, load_domain
from gem_env.tools.render import ENDED

from conftest import pointless_writes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "domains"


@pytest.fixture(scope="module", params=["bank", "clinic", "shop"])
def domain(request: pytest.FixtureRequest) -> tuple[CompiledDomain, list[Task]]:
    compiled = compile_domain(load_domain(EXAMPLES / f"{request.param}.yaml"))
    sessions = []
    for seed in range(3):
        sessions += [t for t in make_tasks(compiled, per_domain=6, seed=seed)[0] if t.category == "multi_request"]
    return compiled, sessions


def test_a_session_stays_with_one_customer(domain: tuple[CompiledDomain, list[Task]]) -> None:
    compiled, sessions = domain
    owners = Owners(compiled)
    assert sessions
    for task in sessions:
        people = set()
        for action in task.gold_actions:
            for key, value in action.arguments.items():
                table = next((t for t, c in compiled.tables.items() if c.pk == key), None)
                row = owners.rows.get(table, {}).get(str(value)) if table else None
                owner = owners.of(table, row) if row else None
                if owner is not None:
                    people.add(owner)
        assert len(people) == 1, (task.id, people)
        assert len(task.scenario.requests) >= 3


def test_no_refusal_or_decline_of_a_write_the_session_made(domain: tuple[CompiledDomain, list[Task]]) -> None:
    compiled, sessions = domain
    for task in sessions:
        writes = [a.arguments for a in task.gold_actions if compiled.tools[a.tool].writes and a.ok]
        for held in [x.target for x in [*task.refusals, *task.declines]]:
            assert not [w for w in writes if all(str(w.get(k)) == str(v) for k, v in held.items())], task.id


@pytest.mark.parametrize("name", ["bank", "clinic", "shop"])
def test_no_request_makes_an_earlier_one_pointless(name: str) -> None:
    """A customer does not move an appointment and then cancel it, raise a card's limit and then
    freeze the card, or change a booking they just made; escalations stay (freeze, then close)."""
    compiled = compile_domain(load_domain(EXAMPLES / f"{name}.yaml"))
    sessions = [t for seed in range(4) for t in make_tasks(compiled, per_domain=6, seed=seed)[0]
                if len(t.scenario.requests) > 1]
    assert sessions
    assert [(t.id, p) for t in sessions for p in pointless_writes(compiled, t)] == []


def test_owners_follow_foreign_keys_to_the_person() -> None:
    compiled = compile_domain(load_domain(EXAMPLES / "clinic.yaml"))
    owners = Owners(compiled)
    assert owners.people == {"patients"}  # found by name and birth date, though it refers to a doctor
    refill = next(iter(owners.rows["refill_requests"].values()), None) or {}
    prescription = owners.rows["prescriptions"][str(refill["prescription_id"])] if refill else \
        next(iter(owners.rows["prescriptions"].values()))
    assert owners.of("prescriptions", prescription) == ("patients", str(prescription["patient_id"]))
    assert owners.of("doctors", next(iter(owners.rows["doctors"].values()))) is None  # nobody's: anyone may ask


@pytest.mark.parametrize("answer,value", [("Sure.", True), ("Yes please.", True), ("yes", True),
                                          ("Please don't.", False), ("No, thanks.", False),
                                          ("Sure, it's no.", False), ("It's yes.", True)])
def test_a_yes_or_no_answers_a_question_for_a_boolean(answer: str, value: bool) -> None:
    names = [("overdraft protection", "overdraft")]
    facts = read_facts(answer, names, ["overdraft"], frozenset({"overdraft"}))
    assert coerce(facts["overdraft"], "boolean") is value


def test_a_yes_or_no_is_no_value_for_other_questions() -> None:
    names = [("email", "email")]
    assert read_facts("Sure.", names, ["email"], frozenset({"overdraft"})) == {}
    assert read_facts("I don't know.", [("overdraft protection", "o")], ["o"], frozenset({"o"})) == {}


async def test_a_model_user_is_given_one_request_at_a_time(domain: tuple[CompiledDomain, list[Task]]) -> None:
    """The model user (a fake chat model that speaks as the scripted user would) sees only the
    open request's goal; the next appears once the assistant has settled the one before."""
    compiled, sessions = domain
    task = sessions[0]
    requests = task.scenario.requests
    scripted = ScriptedUser(task.scenario)
    shown: list[tuple[str, str]] = []

    async def chat(messages: list[BaseMessage]) -> AIMessage:
        system = messages[0]
        assert isinstance(system, SystemMessage)
        line = await scripted.reply(_conversation(messages))
        shown.append((system.content, line))
        return AIMessage(content=line)

    traj = await run_rollout(task, compiled, WorkflowAgent(compiled), LLMUser(chat, task.scenario, model_name="f"))
    assert traj.verification.passed, traj.verification.failed
    on = [next(i for i, r in enumerate(requests) if f"{r.goal}." in prompt) for prompt, _ in shown]
    assert on == sorted(on) and set(on) == set(range(len(requests)))  # each in turn, none skipped
    for (prompt, line), i in zip(shown, on):
        assert not [r.goal for r in requests[i + 1:] if r.goal not in requests[i].goal and r.goal in prompt]
        assert ("decline" in prompt) == (not requests[i].confirm)
        assert (f"never write {STOP}" in prompt) == (i < len(requests) - 1)
    assert STOP in shown[-1][1]


def _conversation(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    """The model's prompt back as the conversation a scripted user reads (roles flipped back)."""
    out = [{"role": "system", "content": ""}]
    for m in messages[2:]:  # the system prompt and the greeting the model is shown
        out.append({"role": "user" if isinstance(m, AIMessage) else "assistant", "content": m.content})
    return out


def test_the_open_request_moves_on_when_the_assistant_settles_it() -> None:
    compiled = compile_domain(load_domain(EXAMPLES / "shop.yaml"))
    task = next(t for t in make_tasks(compiled, per_domain=6, seed=0)[0] if t.category == "multi_request")
    turns = [("user", "hi"), ("assistant", "Which order is it?"), ("user", "ORD-1")]
    assert current_request(task.scenario, turns) == 0
    turns += [("assistant", "Done, it is cancelled. Is there anything else I can help with?")]
    assert current_request(task.scenario, turns) == 1
    assert task.scenario.requests[1].goal in system_prompt(task.scenario, 1)
    assert task.scenario.requests[1].goal not in system_prompt(task.scenario, 0) \
        or task.scenario.requests[1].goal in task.scenario.requests[0].goal


async def test_a_session_reads_again_only_what_a_write_may_have_changed(
        domain: tuple[CompiledDomain, list[Task]]) -> None:
    compiled, sessions = domain
    for task in sessions:
        traj = await run_rollout(task, compiled, WorkflowAgent(compiled), ScriptedUser(task.scenario))
        assert traj.verification.passed, traj.verification.failed
        reads: set[str] = set()
        for m in traj.messages:
            for c in m.get("tool_calls") or []:
                fn = c["function"]
                if compiled.tools[fn["name"]].writes:
                    reads.clear()
                    continue
                call = f"{fn['name']}{fn['arguments']}"
                assert call not in reads, (task.id, call)  # read before, and nothing written since
                reads.add(call)


def _synthesized(factory: pytest.TempPathFactory, corpus: str) -> Path:
    """An offline run over one folder of the example corpus."""
    out = factory.mktemp(corpus) / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / corpus), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def airline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An offline run over the airline documents: a domain whose agent finds the customer by email."""
    return _synthesized(tmp_path_factory, "airline")


def test_who_the_customer_is_is_found_once_a_session(airline_run: Path) -> None:
    """A support agent remembers who it is talking to: after a write it does not find the customer
    by their email again (the write's reply is patched into what it read)."""
    wrote_then_went_on = 0
    for line in (airline_run / "trajectories.jsonl").open():
        traj = json.loads(line)
        compiled = compile_domain(load_domain(airline_run / "domains" / f"{traj['task']['domain']}.json"))
        finder = auth_finder(compiled)
        assert finder is not None and traj["verification"]["passed"]
        calls = [c["function"] for m in traj["messages"] for c in m.get("tool_calls") or []]
        finds = [f["arguments"] for f in calls if f["name"] == finder.tool]
        assert len(finds) == len(set(finds)), (traj["task"]["id"], finds)
        wrote_then_went_on += any(compiled.tools[f["name"]].writes for f in calls[:-1])
    assert wrote_then_went_on  # sessions with a write before a later request were looked at


@pytest.fixture(scope="module")
def bank_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An offline run over the bank documents (more sessions, to see both kinds of opening)."""
    out = tmp_path_factory.mktemp("bank") / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out), "--quiet"]) == 0
    return out


def test_a_user_who_said_they_have_several_things_is_not_asked_for_anything_else(airline_run: Path,
                                                                                   bank_run: Path) -> None:
    """A concise agent does not ask "anything else?" after each request when the user said at the
    start there are several; the requests still end where they did (every one verified)."""
    announced = unannounced = 0
    lines = [*(airline_run / "trajectories.jsonl").open(), *(bank_run / "trajectories.jsonl").open()]
    for line in lines:
        traj = json.loads(line)
        users = [m["content"] for m in traj["messages"] if m["role"] == "user"]
        said = " ".join(m["content"] for m in traj["messages"] if m["role"] == "assistant" and m.get("content"))
        if GOING_ON.search(users[0]):
            announced += 1
            assert "anything else" not in said.lower() and len(users) > 3, traj["task"]["id"]
        elif len(traj["task"]["scenario"]["requests"]) > 1:
            unannounced += 1
            # (a hand-off to a person ends the chat with who takes it from here, not "Anything else?")
            assert "anything else" in said.lower() or said.endswith("from here.")
        assert traj["verification"]["passed"]
    assert announced and unannounced


def test_a_refusal_names_the_action_in_the_goals_words(airline_run: Path) -> None:
    """"I can't change your booking to 3 bags", never the write tool's name in words ("update the
    booking bags"): a count the user said as "3 bags" is the 3 the goal's wording takes."""
    refusals = 0
    for line in (airline_run / "trajectories.jsonl").open():
        traj = json.loads(line)
        compiled = compile_domain(load_domain(airline_run / "domains" / f"{traj['task']['domain']}.json"))
        named = [" the ".join(n.split("_", 1)).replace("_", " ") for n, t in compiled.tools.items() if t.writes]
        for m in traj["messages"]:
            if m["role"] == "assistant" and m.get("content"):
                assert not [n for n in named if n in m["content"]], m["content"]
        refusals += bool(traj["task"]["refusals"])
    assert refusals


def test_a_count_the_request_says_is_neither_repeated_nor_asked(airline_run: Path) -> None:
    """"change my booking to 1 bag" is read as the 1 it says: the user does not add "The new bags
    is 1." and the agent does not ask how many (a count from an earlier request never wins)."""
    said = 0
    for line in (airline_run / "trajectories.jsonl").open():
        traj = json.loads(line)
        assert traj["verification"]["passed"]
        spoken = [(m["role"], m["content"]) for m in traj["messages"] if m["role"] in ("user", "assistant")
                  and m.get("content") and not m.get("tool_calls")]
        for (role, text), (_, reply) in zip(spoken, spoken[1:]):
            if role != "user":
                continue
            assert not re.search(r"\bnew bags (?:is|are)\b", text), text
            if re.search(r"\bto \d+ bags?\b", text):
                said += 1
                assert "how many" not in reply.lower(), (text, reply)
    assert said


def test_a_write_reply_is_patched_into_the_customer_read_and_a_new_record_joins_its_list(airline_run: Path) -> None:
    """The customer's bookings after booking one hold the new one (no second find by email); a
    reply that does not say what the list shows (its status) leaves the read to be made again."""
    compiled = compile_domain(load_domain(next((airline_run / "domains").glob("*.json"))))
    finder = auth_finder(compiled)
    write = next(n for n, t in compiled.tools.items() if t.writes)

    def messages(reply: dict[str, Any]) -> list[dict[str, Any]]:
        calls = [(finder.tool, {finder.param: "a@b.example"},
                  {"customer_id": "C-1", "bookings": [{"booking_id": "BKN-1", "status": "confirmed"}]}),
                 (write, {}, reply)]
        out = []
        for n, (tool, args, result) in enumerate(calls):
            out.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"c{n}", "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}]})
            out.append({"role": "tool", "tool_call_id": f"c{n}", "content": json.dumps(result)})
        return out

    kept = frozenset({finder.tool})
    [(tool, _, read)] = reads_since_write(messages({"booking_id": "BKN-1", "status": "cancelled"}), compiled, kept)
    assert tool == finder.tool and read["bookings"] == [{"booking_id": "BKN-1", "status": "cancelled"}]
    [(_, _, read)] = reads_since_write(messages({"booking_id": "BKN-2", "status": "confirmed"}), compiled, kept)
    assert read["bookings"][-1] == {"booking_id": "BKN-2", "status": "confirmed"}  # the new one joins the list
    assert reads_since_write(messages({"booking_id": "BKN-2"}), compiled, kept) == []  # its status unknown
    assert reads_since_write(messages({"booking_id": "BKN-1", "status": "cancelled"}), compiled) == []  # none kept


SHOPLET = {
    "name": "shoplet", "description": "Order help for a small shop (retail)", "clock": "2025-03-01T10:00:00",
    "entities": [
        {"name": "customers", "primary_key": "customer_id", "rows": 4,
         "fields": [{"name": "customer_id", "faker": {"provider": "bothify", "args": {"text": "C-####"}}},
                    {"name": "email", "unique": True, "faker": "email"}]},
        {"name": "orders", "primary_key": "order_id", "rows": 16,
         "fields": [{"name": "order_id", "faker": {"provider": "bothify", "args": {"text": "O-####"}}},
                    {"name": "customer_id", "foreign_key": "customers.customer_id"},
                    {"name": "status", "values": ["pending", "delivered"]}]}],
    "tools": [
        {"name": "find_customer_by_email", "kind": "read", "parameters": [{"name": "email", "type": "string"}],
         "effect": [{"find": "customers", "as": "c", "where": {"email": "email"}},
                    {"find": "orders", "as": "held", "where": {"customer_id": "c.customer_id"}, "many": True},
                    {"return": {"customer_id": "c.customer_id",
                                "orders": "project(held, ['order_id', 'status'])"}}]},
        {"name": "cancel_order", "kind": "write", "parameters": [{"name": "order_id", "type": "string"}],
         "effect": [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                    {"require": "o.status == 'pending'",
                     "message": "Only pending orders can be cancelled (this order is {o.status})"},
                    {"update": "orders", "row": "o", "set": {"status": "'cancelled'"}},
                    {"return": {"order_id": "o.order_id", "status": "'cancelled'"}}]}],
    "workflows": [{
        "name": "cancel_order", "goal": "Cancel your order {order_id}",
        "anchor": {"table": "orders", "filter": "row.status == 'pending'"},
        "knows": {"email": "lookup('customers', row.customer_id).email", "order_id": "row.order_id"},
        "steps": [{"tool": "find_customer_by_email", "args": {"email": {"user": "email"}}, "as": "me"},
                  {"tool": "cancel_order", "args": {"order_id": {"user": "order_id"}}, "as": "done"}],
        "tells": {"status": "done.status"}}]}


async def test_a_rule_seen_in_an_earlier_request_stops_the_write() -> None:
    """A refusal after a declined request: the agent reuses the earlier read of the customer (no
    write since) and must still see there that the order is not pending, so it never calls the write."""
    from gem_env.tools import parse_domain

    compiled = compile_domain(parse_domain(SHOPLET))
    found = []
    for seed in range(6):
        for t in make_tasks(compiled, per_domain=6, seed=seed)[0]:
            kinds = [r.kind for r in t.scenario.requests]
            if t.category == "multi_request" and ("decline", "refuse") in zip(kinds, kinds[1:]):
                found.append(t)
    assert found
    for task in found:
        traj = await run_rollout(task, compiled, WorkflowAgent(compiled), ScriptedUser(task.scenario))
        assert traj.verification.passed, traj.verification.failed


def test_a_session_gives_the_user_only_facts_its_requests_agree_on(
        domain: tuple[CompiledDomain, list[Task]]) -> None:
    """Another request's record id is not the user's answer while this request is open."""
    _, sessions = domain
    for task in sessions:
        for key, value in task.scenario.knows.items():
            assert all(r.knows[key] == value for r in task.scenario.requests if key in r.knows), (task.id, key)
        assert "email" in task.scenario.knows or "first_name" in task.scenario.knows  # who they are stays


async def test_the_model_user_contract_holds_over_an_openai_endpoint() -> None:
    """The same contract through the real client path (`make_user("llm", ...)`) against the local
    test server: each request body's system prompt holds the open request only."""
    import asyncio

    from gem_env.backends import make_user
    from gem_env.llm import LLMClient, LLMConfig
    from gem_env.testing import FakeOpenAIServer, Text

    compiled = compile_domain(load_domain(EXAMPLES / "shop.yaml"))
    task = next(t for t in make_tasks(compiled, per_domain=6, seed=0)[0] if t.category == "multi_request")
    requests = task.scenario.requests
    scripted = ScriptedUser(task.scenario)
    prompts: list[str] = []

    def answer(body: dict[str, Any]) -> Text:
        system, _greeting, *turns = body["messages"]
        prompts.append(system["content"])
        conversation = [{"role": "system", "content": ""}] + [
            {"role": "user" if m["role"] == "assistant" else "assistant", "content": m["content"]} for m in turns]
        return Text(asyncio.run(scripted.reply(conversation)))

    with FakeOpenAIServer(answer) as srv:
        client = LLMClient(LLMConfig(model="fake-user", base_url=srv.base_url, max_retries=0, timeout=10))
        try:
            traj = await run_rollout(task, compiled, WorkflowAgent(compiled), make_user("llm", task.scenario, client))
        finally:
            await client.aclose()
    assert traj.verification.passed, traj.verification.failed
    on = [next(i for i, r in enumerate(requests) if f"{r.goal}." in p) for p in prompts]
    assert on == sorted(on) and set(on) == set(range(len(requests)))


def test_a_session_brings_tools_it_has_not_used() -> None:
    """A request using only tools the session has used gives its place to a later kind's when one
    can still take it, a refused or declined write counts as no new tool, and a question about the
    record just changed is not asked with the read the session already made: over the example
    domains' tasks the gold uses more distinct tools than it did before (5.72)."""
    from gem_env.stages.tasks.session import _tools
    from types import SimpleNamespace
    counts = []
    for name in ("bank", "clinic", "shop"):
        compiled = compile_domain(load_domain(EXAMPLES / f"{name}.yaml"))
        ctx = SimpleNamespace(workflows=list(compiled.domain.workflows), compiled=compiled)
        for wf in ctx.workflows:
            writes = {s.tool for s in wf.steps if compiled.tools[s.tool].writes}
            assert not _tools(ctx, wf.name, "decline") & writes and _tools(ctx, wf.name) >= writes
        for seed in range(3):
            counts += [len({a.tool for a in t.gold_actions}) for t in make_tasks(compiled, per_domain=6, seed=seed)[0]]
    assert sum(counts) / len(counts) >= 5.85, sum(counts) / len(counts)


def test_a_handoff_after_a_setback_says_what_happened_in_the_customers_words(airline_run: Path, bank_run: Path) -> None:
    """After a refused or declined request, the summary the customer would give a colleague is what
    they wanted and what stopped it ("I wanted to freeze my card ... but was told no because it's
    closed"), not the seed's "a question about my booking ..."; about the record of the setback (a
    handoff about another order of theirs was passed on before; none after a new thing not made). The
    assistant writes its own note,
    of the same setback, without asking them for one ("The customer wanted to freeze their card,
    which our policy does not allow: ...")."""
    from gem_env.tools.render import FREE_TEXT
    seen = 0
    for line in [*(airline_run / "trajectories.jsonl").open(), *(bank_run / "trajectories.jsonl").open()]:
        traj = json.loads(line)
        reqs = traj["task"]["scenario"]["requests"]
        for prev, cur in zip(reqs, reqs[1:]):
            notes = [v for k, v in cur["knows"].items() if FREE_TEXT.search(k) and isinstance(v, str)]
            if cur["kind"] != "complete" or prev["kind"] not in ("refuse", "decline") or not notes:
                continue
            seen += 1
            opener = "I wanted to " if prev["kind"] == "refuse" else "I was going to "
            assert notes[0].startswith(opener) and prev["intent"].split()[0] in notes[0], (notes, prev["intent"])
            # the note is about the record the setback was about (its order, for an item), not another
            before = {**prev["found"], **prev["knows"]}
            assert all(v == before[k] for k, v in cur["knows"].items() if k.endswith("_id") and k in before), \
                (prev, cur)
            # and never under another record of theirs: a new booking declined was passed on as "my
            # question about my booking BKN-05352" (9 sessions of the dialogue bench's runs)
            ids = [v for k, v in cur["knows"].items() if k.endswith("_id")]
            assert not ids or any(v in before.values() for v in ids), (prev, cur)
            written = [v for m in traj["messages"] for c in m.get("tool_calls") or []
                       for k, v in json.loads(c["function"]["arguments"]).items() if FREE_TEXT.search(k)]
            lead = "The customer wanted to " if prev["kind"] == "refuse" else "The customer was about to "
            assert written and written[-1].startswith(lead) and prev["intent"].split()[0] in written[-1], written
            assert not any(re.search(r"\bsummary\b.*\?", m.get("content") or "") for m in traj["messages"]
                           if m["role"] == "assistant"), traj["task"]["id"]  # never asked of the customer
            assert traj["verification"]["passed"]
    assert seen


def test_the_note_after_a_setback_names_the_record(airline_run: Path, bank_run: Path) -> None:
    """The colleague reading the assistant's note learns which record it was about, also when the
    refusal named none ("The customer wanted to create a dispute for the charge (TRN-1), which our
    policy does not allow: ...", was without the id)."""
    from gem_env.tools.render import FREE_TEXT
    notes = [v for line in [*(airline_run / "trajectories.jsonl").open(), *(bank_run / "trajectories.jsonl").open()]
             for m in json.loads(line)["messages"] for c in m.get("tool_calls") or []
             for k, v in json.loads(c["function"]["arguments"]).items()
             if FREE_TEXT.search(k) and isinstance(v, str)
             and v.startswith(("The customer wanted to ", "The customer was about to "))]  # (the assistant's own)
    assert notes and all(re.search(r"\b[A-Z][A-Z0-9]{0,5}-\d+\b", n) for n in notes), notes


def test_a_note_after_a_refusal_says_the_state_the_rule_named() -> None:
    """A return refused because its order is pending: "... but was told no because the order is
    pending" (was "... but was told I don't qualify", as for a membership level)."""
    from types import SimpleNamespace as NS
    from gem_env.stages.tasks.model import Refusal
    from gem_env.stages.tasks.session import _what_happened
    refusal = Refusal(tool="create_return", target={"item_id": "ITM-1"}, values=["pending"],
                      reason="Only items from a delivered order can get a return; this order is pending")
    built = NS(request=NS(kind="refuse", intent="create a return for my item because it was damaged"),
               refusal=refusal, record=("items", {"item_id": "ITM-1", "status": "ordered"}))
    assert _what_happened([built]) == \
        "I wanted to create a return for my item because it was damaged but was told no because the order is pending"
    built.refusal = Refusal(tool="get_promo_code", target={"customer_id": "CST-1"}, values=["regular"],
                            reason="Only bronze, silver and gold members can get a new promo code")
    assert _what_happened([built]).endswith("but was told I don't qualify")
    # a flag the rule names in words, turned round (was "... but was told I don't qualify")
    built.request.intent = "extend my rental to return on 2025-01-25"
    built.refusal = Refusal(tool="extend_rental", target={"rental_id": "RA-1"}, values=["True"],
                            reason="A rental can only be extended if the car is not booked by another customer.")
    assert _what_happened([built]).endswith("but was told no because the car is booked by another customer")


def test_a_report_does_not_name_again_the_record_its_confirmation_named(airline_run: Path, bank_run: Path) -> None:
    """"I'll cancel your booking BKN-1 ... Should I proceed?" -> "Done. Your reference is booking
    BKN-1." said the record twice in two turns: the note naming it is left out."""
    from gem_env.agents import banks as B
    notes = [re.compile(re.escape(n).replace(re.escape("{what}"), r"(?P<what>[^.]+?)")) for n in B.NOTE]
    reports = 0
    for line in [*(airline_run / "trajectories.jsonl").open(), *(bank_run / "trajectories.jsonl").open()]:
        msgs = json.loads(line)["messages"]
        texts = [m["content"] for m in msgs if m["role"] == "assistant" and m.get("content")]
        for before, after in zip(texts, texts[1:]):
            if not re.search(r"proceed|go ahead|confirm|is that", before, re.IGNORECASE):
                continue
            reports += 1
            for m in (m for note in notes for m in note.finditer(after)):
                ids = re.findall(r"\b[A-Z][A-Z0-9]*-\d+\b", m.group("what"))
                assert not ids or not all(i in before for i in ids), (before, after)
    assert reports  # confirmations with the reply after them were looked at


def _called(calls: list[tuple[str, dict[str, Any], Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, (tool, args, result) in enumerate(calls):
        out.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{n}", "type": "function", "function": {"name": tool, "arguments": json.dumps(args)}}]})
        out.append({"role": "tool", "tool_call_id": f"c{n}", "content": json.dumps(result)})
    return out


def test_a_write_leaves_the_reads_of_other_records_true_and_patches_its_own(airline_run: Path) -> None:
    """After cancelling one booking the agent still knows the others it opened (it does not open
    them again), and the cancelled one as the reply says; a read of a table the write changed
    otherwise (a list a new record may join) is forgotten."""
    compiled = compile_domain(load_domain(next((airline_run / "domains").glob("*.json"))))
    booking = {"customer_id": "C-1", "status": "confirmed", "origin": "Yuberg", "bags": 1}
    reads = [("get_booking_details", {"booking_id": b}, {"booking_id": b, **booking}) for b in ("BKN-1", "BKN-2")]
    cancel = ("cancel_booking", {"booking_id": "BKN-1", "reason": "schedule change"},
              {"booking_id": "BKN-1", "status": "cancelled"})
    after = reads_since_write(_called([*reads, cancel]), compiled)
    assert [(a["booking_id"], r["status"]) for _, a, r in after] == [("BKN-1", "cancelled"), ("BKN-2", "confirmed")]
    # a reply that does not say a field the write set (status) leaves that record unknown
    quiet = (*cancel[:2], {"booking_id": "BKN-1"})
    assert [a["booking_id"] for _, a, _ in reads_since_write(_called([*reads, quiet]), compiled)] == ["BKN-2"]
    # a failed write changed nothing
    failed = (*cancel[:2], {"error": "Only a booking that is confirmed can be canceled"})
    assert len(reads_since_write(_called([*reads, failed]), compiled)) == 2


def test_only_a_record_a_write_may_have_changed_is_looked_at_again_before_a_write(airline_run: Path) -> None:
    """Reads kept after a write are marked to be opened again before a later write (`memory`'s
    second part) only where the write may have changed their row and its reply did not say it
    again: the cancelled booking (not once the reply says its status), not the other one it left
    alone, and nothing after a write to another table."""
    compiled = compile_domain(load_domain(next((airline_run / "domains").glob("*.json"))))
    booking = {"customer_id": "C-1", "status": "confirmed", "origin": "Yuberg", "bags": 1}
    reads = [("get_booking_details", {"booking_id": b}, {"booking_id": b, **booking}) for b in ("BKN-1", "BKN-2")]
    cancel = ("cancel_booking", {"booking_id": "BKN-1", "reason": "schedule change"}, {"booking_id": "BKN-1"})
    kept, stale = memory(_called([*reads, cancel]), compiled)
    assert [a["booking_id"] for _, a, r in kept if id(r) not in stale] == ["BKN-2"]  # BKN-1: marked or forgotten
    told = ("cancel_booking", {"booking_id": "BKN-1", "reason": "schedule change"},
            {"booking_id": "BKN-1", "status": "cancelled"})
    kept, stale = memory(_called([*reads, told]), compiled)
    assert not stale and [r["status"] for _, _, r in kept] == ["cancelled", "confirmed"]
    claim = ("create_claim", {"booking_id": "BKN-1", "reason": "delayed"}, {"claim_id": "CLM-1", "status": "open"})
    kept, stale = memory(_called([*reads, claim]), compiled)
    assert len(kept) == 2 and not stale


def test_a_write_forgets_a_read_that_depends_on_what_it_added() -> None:
    """Booking a slot adds an appointment: the slots listed as free before are no longer known."""
    compiled = compile_domain(load_domain(EXAMPLES / "clinic.yaml"))
    slots = ("list_available_slots", {"doctor_id": "DOC-1", "patient_id": "PAT-1"},
             {"slots": [{"slot_id": "SLT-1", "date": "2025-04-08"}, {"slot_id": "SLT-2", "date": "2025-04-09"}]})
    book = ("book_appointment", {"patient_id": "PAT-1", "slot_id": "SLT-1", "reason": "checkup"},
            {"appointment_id": "APT-1", "status": "scheduled"})
    assert reads_since_write(_called([slots]), compiled) != []
    assert reads_since_write(_called([slots, book]), compiled) == []


@pytest.fixture(scope="module")
def telecom_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An offline run over the telecom documents: customers with several lines, each with a price."""
    return _synthesized(tmp_path_factory, "telecom")


def test_a_question_across_the_customers_records_is_answered_with_the_one_that_has_the_most(
        telecom_run: Path, bank_run: Path) -> None:
    """"Which of my cards has the lowest spending limit?": the assistant opens (or remembers) each
    card the profile lists and names the one with the lowest limit and that limit; an answer
    naming another card fails verification. (Lines on one plan cost the same: a customer's lines
    may tie, and such a question is then not asked.)"""
    asked = 0
    for run, line in ((run, line) for run in (telecom_run, bank_run) for line in (run / "trajectories.jsonl").open()):
        traj = json.loads(line)
        texts = [m.get("content") or "" for m in traj["messages"]]
        at = next((i for i, t in enumerate(texts) if traj["messages"][i]["role"] == "user" and "which of my" in t), None)
        if at is None:
            continue
        asked += 1
        m = re.search(r"which of my (\w+) has the (highest|lowest) ([a-z ]+?)[?.]", texts[at])
        assert m, texts[at]
        answer = next(t for i, t in enumerate(texts) if i > at and traj["messages"][i]["role"] == "assistant" and t)
        task = Task.model_validate(traj["task"])
        compiled = compile_domain(load_domain(run / "domains" / f"{task.domain}.json"))
        opened = [json.loads(x["content"]) for x in traj["messages"][:at + 20] if x["role"] == "tool"]
        field = m.group(3).replace(" ", "_")
        key = f"{m.group(1)[:-1]}_id"
        records = {r[key]: r[field] for r in opened if isinstance(r, dict) and field in r and key in r}
        told = next(i for i, t in enumerate(texts) if i > at and traj["messages"][i]["role"] == "assistant" and t)
        gone = {r[key] for r in map(json.loads, (x["content"] for x in traj["messages"][:told] if x["role"] == "tool"))
                if isinstance(r, dict) and key in r and r.get("status") in ENDED}
        records = {k: v for k, v in records.items() if k not in gone}  # a closed line is left out
        best = (max if m.group(2) == "highest" else min)(records, key=records.get)
        assert best in answer and len(records) >= 2, (answer, records)
        assert verify(task, traj["messages"], compiled).passed
        wrong = next(k for k in records if k != best)
        messages = [dict(x) for x in traj["messages"]]
        i = next(i for i in range(at + 1, len(messages)) if messages[i]["role"] == "assistant" and messages[i].get("content"))
        messages[i]["content"] = f"Your {m.group(1)[:-1]} {wrong} has the {m.group(2)} {m.group(3)}. Anything else?"
        # (the line's id and price may have been told earlier in the session, so only the wrong
        # line named as the lowest is sure to fail)
        assert "named_the_most" in verify(task, messages, compiled).failed
        # every value listed, the wrong one called the lowest: not an answer either
        values = ", ".join(f"{k} has {v}" for k, v in records.items())
        messages[i]["content"] = f"Your {m.group(1)[:-1]} {wrong} has the {m.group(2)} {m.group(3)}. For comparison, {values}."
        assert verify(task, messages, compiled).failed == ["named_the_most"]
    assert asked


def test_a_user_does_not_give_their_email_again_in_a_later_request(airline_run: Path) -> None:
    """Who the user is, said once in a session, is not volunteered again with each request."""
    for line in (airline_run / "trajectories.jsonl").open():
        traj = json.loads(line)
        said = [m["content"] for m in traj["messages"] if m["role"] == "user" and "@" in (m.get("content") or "")]
        emails = [e for text in said for e in re.findall(r"[\w.+-]+@[\w-]+\.\w+", text)]
        assert len(emails) == len(set(emails)), (traj["id"], said)


def test_an_opening_announcing_several_things_is_not_called_a_quick_question() -> None:
    from gem_env.simulators import phrases as P
    from gem_env.simulators.scenario import Request, Scenario
    requests = [Request(goal="cancel my order", intent="cancel my order"), Request(goal="x", intent="check my order")]
    for seed in range(200):
        user = ScriptedUser(Scenario(persona="a busy customer", goal="g", requests=requests), seed=seed)
        first = asyncio.run(user.reply([{"role": "system", "content": "s"}]))
        if any(s in first for s in P.SEVERAL):
            assert "quick" not in first.lower(), first


def test_a_user_says_their_email_again_beside_another_persons() -> None:
    """Their own email is not repeated, unless the request also gives another person's email
    (which the assistant would otherwise take for theirs)."""
    from gem_env.simulators.scenario import Request, Scenario
    own, other = "lisa@example.com", "melissa@example.org"
    first = Request(goal="block my user", intent="block my user", knows={"email": own}, opening=["email"])
    plain = Request(kind="lookup", goal="g", intent="g", knows={"email": own}, opening=["email"], asks=["zip"],
                    about="customer profile")
    other_person = Request(kind="lookup", goal="g", intent="g", knows={"email": own, "user_email": other},
                           opening=["email", "user_email"], asks=["full_name"], about="user")
    for second, repeats in ((plain, False), (other_person, True)):
        user = ScriptedUser(Scenario(persona="a customer", goal="g", requests=[first, second]), seed=0)
        opening = asyncio.run(user.reply([{"role": "system", "content": "s"}]))
        reply = asyncio.run(user.reply([{"role": "system", "content": "s"}, {"role": "user", "content": opening},
                                        {"role": "assistant", "content": "Done. Anything else?"}]))
        assert (own in reply) == repeats, reply


ECO = """# EcoCard: Tracking Your Environmental Impact

## How to Access Your Reports
1. Navigate to the Environmental Impact section in your account dashboard.
2. Select the desired period (aligned to the monthly reporting cadence).
3. Download or share a summary for your records if needed.
"""


def _eco_own() -> CompiledDomain:
    """The same steps worked on the reader's own phone (round 58: the bank's page is the customer's own
    work in its app, rejected): a procedure domain whose records have only a status."""
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    text = ECO.replace("in your account dashboard", "on your phone")
    domain = OfflineExtractor().extract(Document(id="eco", title="EcoCard: Tracking Your Environmental Impact", text=text),
                                        Verdict(id="eco", relevant=True, score=1.0, reason="test"))
    return check_domain(domain)


def test_a_session_never_asks_the_same_question_twice() -> None:
    """A procedure domain whose records have only a status: its sessions asked "what's the status of
    my summary?" after the change and then again as a lookup of their own. Its status is what the
    steps leave, which nobody asks (`lookups._kept_by_the_procedure`): no lookup at all now."""
    tasks = [t for seed in range(3) for t in make_tasks(_eco_own(), per_domain=6, seed=seed)[0]]
    assert tasks and not [r for t in tasks for r in t.scenario.requests if r.kind == "lookup"]
    for t in [t for t in tasks if len(t.scenario.requests) > 1]:
        asked = [(r.kind, r.intent, sorted(r.knows.items()), r.asks) for r in t.scenario.requests]
        assert all(a not in asked[:i] for i, a in enumerate(asked)), [r.intent for r in t.scenario.requests]
        facts = [(str(sorted(r.knows.items())), f) for r in t.scenario.requests if r.kind == "lookup" for f in r.asks]
        assert len(facts) == len(set(facts)), [r.intent for r in t.scenario.requests]  # no fact of a record asked twice


def test_a_request_of_several_writes_is_said_by_its_last() -> None:
    """Selecting the period, then downloading the summary, is a download: offered, confirmed and
    reported as one ("I've selected the desired period." after "I'm ready to download ..." before)."""
    # (round 58: the bank's page is the customer's own work in its app, rejected with the reason; the
    # agent no longer "downloads the share summary")
    from gem_env.documents import Document, Rejection, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor
    got = OfflineExtractor().extract(Document(id="eco", title="EcoCard: Tracking Your Environmental Impact", text=ECO),
                                     Verdict(id="eco", relevant=True, score=1.0, reason="test"))
    assert isinstance(got, Rejection) and "customer's own work in the app" in got.reason, got


def test_the_ids_a_user_knows_for_one_request_belong_together() -> None:
    """After a declined fee removal on order ORD-A, the next request, a return of an item on order
    ORD-B, was told "my order id is ORD-A" (the declined request's order, meant for a handoff's
    note about it): the agent listed ORD-A's items, found none, and asked for the item id cold.
    Every id a request's user knows is its record's own: a record's link to another named id
    holds the same value."""
    from conftest import shared_path
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import check_domain
    from test_extract_services import RELEVANT, OfflineExtractor
    path = shared_path("corpora", "support_policies.jsonl")
    checked = 0
    for doc in (d for d in iter_documents([path]) if d.id.startswith("abcd-guideline:Order Issue/")):
        compiled = check_domain(OfflineExtractor().extract(doc, RELEVANT))
        checked += _linked_ids_agree(compiled)
        if checked >= 5:
            break
    assert checked


def _linked_ids_agree(compiled: Any) -> int:
    """How many pairs of ids a request's user knows are linked in the data (each asserted equal)."""
    tasks = [t for seed in range(4) for t in make_tasks(compiled, per_domain=30, seed=seed)[0]]
    keys = {table.pk: name for name, table in compiled.tables.items()}
    sandbox = compiled.new_sandbox()
    checked = 0
    for task in tasks:
        for request in task.scenario.requests:
            ids = {k: v for k, v in request.knows.items() if k.endswith("_id") and isinstance(v, str)}
            for key, value in ids.items():
                row = sandbox.lookup(keys[key], value) if key in keys else None
                for other, said in ids.items():
                    if row and other != key and row.get(other) is not None:
                        checked += 1
                        assert str(row[other]) == str(said), (task.id, key, value, other, said, row[other])
    sandbox.close()
    return checked


_CARD_STATUSES = frozenset({"active", "frozen", "closed", "blocked", "lost", "expired", "cancelled", "inactive"})


def test_what_a_write_did_to_another_record_is_not_shown_stale_or_promised_after(tmp_path: Path) -> None:
    """A fraud dispute freezes the card; its reply names the dispute (and `card_status`), not the
    card. A list of the customer's cards offered after it shows the card frozen (the customer's
    read is made again; it said "CRD-1 (active)" from the read before the dispute), and "For fraud,
    we'll also freeze the card" is said before the change, never after it as news (2 such replies
    in this run before)."""
    run = tmp_path / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(run), "--seed", "1",
                 "--quiet"]) == 0
    listed = fraud = 0
    for line in (run / "trajectories.jsonl").open():
        messages = json.loads(line)["messages"]
        status: dict[str, str] = {}  # card id -> its status, as the tool replies have shown it
        card_of: dict[str, str] = {}  # charge id -> its card
        calls = {c["id"]: c["function"] for m in messages for c in m.get("tool_calls") or []}
        after_write = False
        for m in messages:
            if m["role"] == "tool":
                fn, reply = calls[m["tool_call_id"]], json.loads(m["content"])
                for rec in records([reply]):
                    if next(iter(rec), None) == "card_id" and "status" in rec:  # a card's own record
                        status[rec["card_id"]] = rec["status"]
                        for listed_under in (v for v in rec.values() if isinstance(v, list)):  # its charges
                            card_of.update({c["charge_id"]: rec["card_id"] for c in listed_under if "charge_id" in c})
                    if "charge_id" in rec and "card_id" in rec:
                        card_of[rec["charge_id"]] = rec["card_id"]
                if isinstance(reply, dict) and "card_status" in reply:
                    charge = json.loads(fn["arguments"]).get("charge_id")
                    status[card_of[charge]] = reply["card_status"]
                    fraud += 1
                    after_write = True
            elif m["role"] == "assistant" and m.get("content") and not m.get("tool_calls"):
                if after_write:
                    assert not re.search(r"[Ff]or fraud,? we", m["content"]), m["content"]
                for card, said in re.findall(r"\b(CRD-\d+) \(([^)]*)\)", m["content"]):
                    told = set(said.split(", ")) & _CARD_STATUSES
                    listed += bool(told)
                    assert status.get(card) in told | {None} if told else True, (card, said, status.get(card), m["content"])
            elif m["role"] == "user":
                after_write = False
    assert fraud and listed  # fraud disputes and lists of cards were looked at



def test_a_write_that_changed_a_record_its_reply_does_not_name_leaves_the_customer_read_to_redo() -> None:
    """The bundled dispute guide: create_dispute may freeze the charge's card, and its reply names
    the dispute. The customer's read (their cards and statuses) is forgotten, so it is made again
    before their cards are listed; a freeze, whose reply is the card, is patched into it."""
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    doc = Document(id="dispute", text=(ROOT / "examples" / "corpus" / "bank" / "dispute-a-charge.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id="dispute", relevant=True, score=1.0, reason="t")))
    finder = auth_finder(compiled)
    customer = {"customer_id": "CST-1", "cards": [{"card_id": "CRD-1", "status": "active"}]}

    def after(write: str, args: dict[str, Any], reply: dict[str, Any]) -> list:
        out = []
        for n, (tool, a, result) in enumerate([(finder.tool, {finder.param: "a@b.example"}, customer), (write, args, reply)]):
            out.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"c{n}", "type": "function", "function": {"name": tool, "arguments": json.dumps(a)}}]})
            out.append({"role": "tool", "tool_call_id": f"c{n}", "content": json.dumps(result)})
        return reads_since_write(out, compiled, frozenset({finder.tool}))

    dispute = {"dispute_id": "DSP-1", "status": "open", "reply_by": "2025-01-29", "card_status": "frozen"}
    assert after("create_dispute", {"charge_id": "CHR-1", "reason": "fraud"}, dispute) == []
    [(_, _, read)] = after("freeze_card", {"card_id": "CRD-1", "reason": "stolen"}, {"card_id": "CRD-1", "status": "frozen"})
    assert read["cards"] == [{"card_id": "CRD-1", "status": "frozen"}]


def test_a_record_read_before_a_new_one_is_made_is_not_read_again(airline_run: Path) -> None:
    """Booking a flight adds a booking; it changes none read before. The booking opened in an
    earlier request is remembered (a comparison of the customer's bookings afterwards opened every
    one of them again), while a cancellation of it is not (its reply does not say every field)."""
    compiled = compile_domain(load_domain(airline_run / "domains" / "add-checked-baggage_md.json"))
    booking = {"booking_id": "BKN-1", "customer_id": "CST-1", "status": "confirmed", "bags": 1}

    def after(write: str, args: dict[str, Any], reply: dict[str, Any]) -> list:
        out = []
        for n, (tool, a, result) in enumerate([("get_booking_details", {"booking_id": "BKN-1"}, booking),
                                               (write, args, reply)]):
            out.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": f"c{n}", "type": "function", "function": {"name": tool, "arguments": json.dumps(a)}}]})
            out.append({"role": "tool", "tool_call_id": f"c{n}", "content": json.dumps(result)})
        return reads_since_write(out, compiled)

    booked = after("create_booking", {"customer_id": "CST-1", "flight_id": "FLG-1", "cabin": "economy", "bags": 0,
                                      "passengers": 1}, {"booking_id": "BKN-2", "status": "confirmed"})
    assert [(t, r) for t, _, r in booked] == [("get_booking_details", booking)]
    assert after("cancel_booking", {"booking_id": "BKN-1"}, {"booking_id": "BKN-1"}) == []


def test_a_user_asked_for_an_id_gives_none_of_another_requests_record() -> None:
    """Asked "Which user ID is it?" in the first request (about the user called Gregory Shelton, by
    name), the customer gave the id of the user a later request was about; they do not know this
    one's id and do not give that one."""
    from gem_env.simulators.scenario import Request, Scenario
    first = Request(goal="remove my user called Gregory Shelton", knows={"email": "n@example.org", "full_name": "Gregory Shelton"})
    later = Request(goal="change the role of my user to editor", knows={"user_id": "USR-10034"})
    scenario = Scenario(goal=first.goal, knows={**first.knows, **later.knows}, requests=[first, later])
    user = ScriptedUser(scenario)
    messages = [{"role": "system", "content": ""}, {"role": "assistant", "content": "Hi! How can I help?"}]
    messages.append({"role": "user", "content": asyncio.run(user.reply(messages))})
    messages.append({"role": "assistant", "content": "Of your 3 users, 2 can be removed: USR-01486 (active, Gregory Shelton) "
                                                     "and USR-76296 (active, Mary Wheeler). Which user ID is it?"})
    answer = asyncio.run(user.reply(messages))
    assert "USR-10034" not in answer, answer


def test_a_question_about_another_record_of_a_kind_just_made_says_other() -> None:
    """"Can you tell me the status on my dispute?" right after a dispute was filed, about an older one,
    read as the one just filed; the customer now asks about "my other dispute" (never of one the
    assistant has named: "my other account" of the account just closed)."""
    from gem_env.simulators.scenario import Request, Scenario
    first = Request(goal="create a dispute for my transaction TRN-1", intent="create a dispute for my transaction",
                    knows={"email": "n@example.org", "transaction_id": "TRN-1"})
    later = Request(kind="lookup", goal="find out the status of dispute DSP-25208", asks=["status"],
                    knows={"dispute_id": "DSP-25208"})
    scenario = Scenario(goal=first.goal, knows={**first.knows, **later.knows}, requests=[first, later])
    # the user's own dispute named before (listed beside the new one) is no other
    for made, other in (("DSP-48813", True), ("", False), ("DSP-48813 (DSP-25208 is still open)", False)):
        user = ScriptedUser(scenario)
        messages = [{"role": "system", "content": ""}, {"role": "assistant", "content": "Hi! How can I help?"}]
        messages.append({"role": "user", "content": asyncio.run(user.reply(messages))})
        done = f"Done: I've created a dispute. Your dispute is {made}." if made else "Done: I've created a dispute."
        messages.append({"role": "assistant", "content": f"{done} Anything else?"})
        asked = asyncio.run(user.reply(messages))
        assert ("my other dispute" in asked) == other, asked


def test_a_records_noun_used_as_a_verb_is_not_made_the_users_record() -> None:
    """"I'm looking to cancel my order because I didn't mean to my order it." (the demo): "to order
    it" is a verb, not "to my order"."""
    from gem_env.simulators.scripted import own_records
    assert own_records("cancel the order because I didn't mean to order it", {"order_id": "ORD-1"}) \
        == "cancel the order because I didn't mean to order it"
    assert own_records("create a dispute for transaction because of fraud", {"transaction_id": "T-1"}) \
        == "create a dispute for my transaction because of fraud"


def test_the_few_records_a_change_fits_are_opened_and_told_apart_before_asking_which(tmp_path: Path) -> None:
    """"Of your 8 cards, 3 can be frozen: CRD-1, CRD-2 and CRD-3." named bare ids the customer may
    not know (the list of their cards shows ids and statuses): the agent now opens the few that fit
    and lists each by what tells it apart ("CRD-1 (debit, ending in 9237)"); the reads are not
    taken for the change's own result after the customer answers, by the id or by a detail only
    theirs has ("The one ending in 9237.")."""
    run = tmp_path / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus"), "--out", str(run), "--seed", "3", "--quiet"]) == 0
    asked = by_detail = 0
    for line in (run / "trajectories.jsonl").open():
        # the next step after the answer: a message, or a call (its arguments name the record)
        messages = [{**m, "content": m.get("content") or json.dumps(m.get("tool_calls"))}
                    for m in json.loads(line)["messages"] if m.get("content") or m.get("tool_calls")]
        for m, answer, then in zip(messages, messages[1:], messages[2:]):
            said = m["content"]
            fits = re.search(r"\b(\d+) (?:of them )?(?:can be \w+|qualify)[,:] (.*?)\. (?:Which|Could)", said)
            if m["role"] == "assistant" and fits and int(fits.group(1)) <= 4:
                asked += 1
                ids = re.findall(r"\b[A-Z]+-\d+\b", fits.group(2))
                assert len(ids) == int(fits.group(1)) and all(f"{i} (" in said for i in ids), said
                # a customer who answers by a detail only theirs has ("The one ending in 9237.") gets that record
                detail = re.search(r"the one (ending in \d+)|the (\w+) one", answer["content"], re.IGNORECASE)
                if detail and not re.search(r"\b[A-Z]+-\d+\b", answer["content"]):
                    by_detail += 1
                    meant = [i for i in ids if re.search(rf"{i} \([^)]*\b{detail.group(1) or detail.group(2)}\b", said)]
                    month = re.search(r"\b(January|February|March|April|May|June|July|August|September|October|"
                                      r"November|December)\b", answer["content"])  # "The checking one opened in November."
                    meant = [i for i in meant if not month or re.search(rf"{i} \([^)]*\b{month.group(1)}\b", said)]
                    assert len(meant) == 1 and meant[0] in then["content"], (said, answer["content"], then["content"])
    assert asked and by_detail


def test_a_list_a_record_read_showed_whole_is_not_listed_again(tmp_path: Path) -> None:
    """A card's details show its latest charges (up to 5); where they show fewer, that is every
    charge of the card, and the dispute's step that lists the card's charges would only echo them:
    the agent takes the list from the details (`listings.shown_whole`). Listed again only when the
    details showed the limit's worth (there may be more) or a write came between."""
    run = tmp_path / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus"), "--out", str(run), "--seed", "1", "--quiet"]) == 0
    taken = listed = 0
    for line in (run / "trajectories.jsonl").open():
        calls: list[list[Any]] = []
        for m in json.loads(line)["messages"]:
            calls += [[c["function"]["name"], json.loads(c["function"]["arguments"]), None] for c in m.get("tool_calls") or []]
            if m["role"] == "tool":
                calls[-1][2] = json.loads(m["content"])
        for i, (name, args, reply) in enumerate(calls):
            if name != "get_card_details" or not isinstance(reply, dict) or len(reply.get("recent_charges", [])) >= 5:
                continue
            later = []
            for n, a, _ in calls[i + 1:]:
                if n in ("create_dispute", "freeze_card", "unfreeze_card", "update_card_spending_limit", "report_card_lost"):
                    break
                later.append((n, a))
            again = [a for n, a in later if n == "list_card_charges" and a == {"card_id": args["card_id"]}]
            listed += len(again)
            taken += any(c[0] == "create_dispute" for c in calls[i + 1:])
    assert taken and listed == 0, (taken, listed)


def test_a_question_the_session_just_answered_is_not_asked() -> None:
    """"What's the status of my account?" right after freezing it, whose reply said it is frozen: the
    assistant answers from that reply, so the request brings no call and nothing new, and a session
    does not take it (another request takes its place). A fact the replies showed before it changed,
    or never showed, is still worth asking."""
    from gem_env.stages.tasks.kinds import Built
    from gem_env.stages.tasks.model import GoldAction
    from gem_env.stages.tasks.session import told_already
    from gem_env.simulators.scenario import Request

    compiled = compile_domain(load_domain(EXAMPLES / "bank.yaml"))
    sandbox = compiled.new_sandbox()
    row = sandbox.rows("accounts", {"status": "active"})[0]
    sandbox.close()
    acc = row["account_id"]
    froze = Built(Request(goal="freeze my account"), [
        GoldAction(tool="get_account_balance", arguments={"account_id": acc}, result={**row}),
        GoldAction(tool="update_account", arguments={"account_id": acc},
                   result={"account_id": acc, "status": "frozen"})])

    def question(**told: str) -> Built:
        return Built(Request(kind="lookup", goal="find out about my account"),
                     [GoldAction(tool="get_account_balance", arguments={"account_id": acc}, result={})],
                     outputs=told, record=("accounts", {**row, "status": "frozen"}))

    assert told_already(compiled, [froze], question(status="frozen"))
    assert told_already(compiled, [froze], question(status="frozen", type=row["type"]))
    assert not told_already(compiled, [froze], question(status="active"))  # what it showed before the change
    assert not told_already(compiled, [froze], question(status="frozen", opened_on="2099-01-01"))
    written = question(status="frozen")
    write = next(name for name, tool in compiled.tools.items() if tool.writes)
    written.actions.append(GoldAction(tool=write, arguments={"account_id": acc}))
    assert not told_already(compiled, [froze], written)  # a request that writes is no question


def test_an_id_said_as_a_word_is_said_in_the_request_and_read_from_it() -> None:
    """A plan's id "premium" in "switch my subscription to the {plan_id} plan": the customer says
    "... to the premium plan" (was "... to the plan. It's plan premium.", which the assistant did not
    read, and it switched to the plan the subscription already had). A code-like id is still left
    out, and no id is read from words the goal does not place it between."""
    from gem_env.agents.understanding import goal_values
    from gem_env.simulators.scenario import user_words

    goal = "switch my subscription to the {plan_id} plan"
    assert user_words(goal, {"plan_id": "premium"}) == "switch my subscription to the premium plan"
    assert user_words(goal, {"plan_id": "PLN-1"}) == "switch my subscription to the plan"
    assert goal_values(goal, "Hi. I need to switch my subscription to the premium plan.", {}) == {"plan_id": "premium"}
    assert goal_values(goal, "I need to switch my subscription to the plan.", {}) == {}
    assert goal_values("close my account {account_id} because of {reason}", "close my account because of fees",
                       {}) == {"reason": "fees"}


def test_a_session_after_a_refusal_a_decline_or_a_question_may_ask_which_one(airline_run: Path,
                                                                            bank_run: Path) -> None:
    """After the request a task is defined by (a refusal, a decline, a question), the customer's
    next change may name a record of which they have several ("close my card"), and the assistant
    must ask which: a follow-on of its own (`FOLLOW_ON`), not only in mixed sessions; verified."""
    asked = 0
    for run in (airline_run, bank_run):
        for line in (run / "trajectories.jsonl").open():
            traj = json.loads(line)
            task = Task.model_validate(traj["task"])
            if task.category in ("refuse", "decline", "lookup") \
                    and any(r.kind == "disambiguate" for r in task.scenario.requests[1:]):
                asked += 1
                assert task.scenario.requests[0].kind == task.category and task.ambiguities
                assert traj["verification"]["passed"], traj["id"]
    assert asked


def test_a_request_that_lets_the_assistant_ask_which_names_no_record_up_front() -> None:
    """"I want to request a payment plan for my bill. That's bill BLL-41140." then "Which line is
    it?": a later request about another bill named its id up front (`_say_new_keys`), though the
    user was to leave the assistant to ask which line; the bill's id already said which. No such
    request names up front the id of a record under another it knows."""
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain
    asked = 0
    for rel, seed in (("reference/pinecone-plan-features.md", 0), ("shop/exchange-an-item.md", 2)):
        doc = next(iter_documents([ROOT / "examples" / "corpus" / rel]))
        compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
        for task in make_tasks(compiled, per_domain=12, seed=seed)[0]:
            for r in task.scenario.requests:
                if r.kind == "disambiguate":
                    asked += 1
                    under = [k for k in r.opening if any(t.pk == k and t.pk != key and key in t.fields
                                                         for t in compiled.tables.values() for key in r.knows)
                             and k.endswith("_id")]
                    assert not under, (task.id, r.goal, r.opening)
    assert asked


def test_a_new_thing_not_made_is_not_passed_on_under_another_record() -> None:
    """A new booking declined, then "pass my question about my booking BKN-07211 to a person": the
    hand-off named a booking of theirs the setback was not about, and the assistant's note another
    record (9 sessions of the dialogue bench's runs: new subscriptions, memberships, payments). A
    note on what was not made is passed on under no other record: that hand-off is not asked."""
    from test_extract_services import extract

    from gem_env.stages.extract.offline import check_domain
    from gem_env.stages.tasks import make_tasks
    compiled = check_domain(extract("airline/add-checked-baggage.md")[1])
    tasks, _ = make_tasks(compiled, per_domain=3, seed=10)
    pairs = [(prev, cur) for t in tasks for prev, cur in zip(t.scenario.requests, t.scenario.requests[1:])
             if prev.kind in ("refuse", "decline") and cur.kind == "complete"]
    assert pairs
    for prev, cur in pairs:
        before = {**prev.found, **prev.knows}
        ids = [v for k, v in cur.knows.items() if k.endswith("_id")]
        assert not ids or any(v in before.values() for v in ids) or not any("summary" in k for k in cur.knows), \
            (prev.goal, cur.goal)


def test_a_customer_who_turned_down_a_person_after_a_refusal_does_not_ask_for_one_later(examples_run: Path) -> None:
    """After a refusal the assistant offers to pass the question to a person; a customer who goes on
    to something else has turned that down, and does not ask later in the chat to talk to a person
    about the same record (11 of 702 in round 58's review). One who takes the offer does so at once."""
    taken = 0
    for line in (examples_run / "tasks.jsonl").open():
        reqs = json.loads(line)["scenario"]["requests"]
        for i, req in enumerate(reqs):
            if req["kind"] != "refuse" or any(r.get("clears") for r in reqs[i + 1:]):
                continue
            refused = {v for k, v in {**req["found"], **req["knows"]}.items() if k.endswith("_id")}
            for j, later in enumerate(reqs[i + 1:], i + 1):
                about = {v for k, v in later["knows"].items() if k.endswith("_id")}
                if "summary" in later["knows"] and about & refused:
                    assert j == i + 1, [r["goal"] for r in reqs]
                    taken += 1
    assert taken
