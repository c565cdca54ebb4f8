"""A record the customer names by its number is told only once it is tied to them (tau-bench's
"check that the order belongs to the user"): a request's status reply says whose it is (along what
it was filed on: a dispute's charge, the charge's card, the card's holder), the assistant compares
that with the customer the chat found, and another customer's record is not told (15 of 687 service
sessions in round 59 told a dispute or an extension whose link was never seen for the caller)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.understanding import read_facts
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import policy_prompt
from gem_env.tools import CompiledDomain, compile_domain
from gem_env.tools.sandbox import Sandbox
from conftest import drive_agent

ROOT = Path(__file__).resolve().parents[1]


def _domain(path: str) -> CompiledDomain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / path]))
    return compile_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test")))


@pytest.fixture(scope="module")
def bank() -> CompiledDomain:
    return _domain("bank/freeze-a-card.md")


def _disputes(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    """(dispute, its holder's id, their email), along the charge and its card."""
    return sandbox.conn.execute(
        "SELECT d.dispute_id, c.customer_id, c.email FROM disputes d JOIN transactions t ON t.transaction_id ="
        " d.transaction_id JOIN cards k ON k.card_id = t.card_id JOIN customers c ON c.customer_id = k.customer_id"
        " ORDER BY d.dispute_id").fetchall()


@pytest.mark.parametrize("path, tool", [("bank/freeze-a-card.md", "get_dispute_status"),
                                        ("shop/return-an-item.md", "get_return_status"),
                                        ("telecom/add-a-line.md", "get_payment_plan_status"),
                                        ("library/place-a-hold.md", "get_hold_status")])
def test_a_requests_status_says_whose_it_is(path: str, tool: str) -> None:
    compiled = _domain(path)
    sandbox = Sandbox(compiled)
    param = compiled.tools[tool].spec.parameters[0].name
    table = next(t for t, tb in compiled.tables.items() if tb.pk == param)
    owner = next(t for t in compiled.tables if t in ("customers", "members"))
    owner_pk = compiled.tables[owner].pk
    for (key,) in sandbox.conn.execute(f"SELECT {param} FROM {table}").fetchall():
        got = sandbox.call(tool, {param: key})
        assert got.ok and next(iter(got.value)) == param, got.value
        # the owner as the records link them: found by the owner's finder, the record is among theirs
        assert isinstance(got.value.get(owner_pk), str), got.value
    assert sandbox.lookup(owner, got.value[owner_pk]) is not None




def test_another_customers_dispute_is_not_told_and_the_number_asked_again(bank: CompiledDomain) -> None:
    sandbox = Sandbox(bank)
    rows = _disputes(sandbox)
    mine, holder, email = rows[0]
    other = next(d for d, c, _ in rows if c != holder)
    agent = WorkflowAgent(bank)
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": f"Could you tell me the status of my dispute {other} and when it was filed? "
                                    f"My email is {email}."}]
    drive_agent(agent, sandbox, messages)
    read = json.loads(messages[-2]["content"])
    assert read["dispute_id"] == other and read["customer_id"] != holder  # read, and seen not to be theirs
    said = messages[-1]["content"]
    assert other in said and "?" in said and read["status"] not in said and "filed" not in said, said
    # the right number then: told
    messages.append({"role": "user", "content": f"Oh, sorry. It's {mine}."})
    drive_agent(agent, sandbox, messages)
    told = json.loads(messages[-2]["content"])
    assert told["dispute_id"] == mine and told["customer_id"] == holder
    assert told["status"] in messages[-1]["content"], messages[-1]["content"]


def test_the_customers_own_dispute_is_told(bank: CompiledDomain) -> None:
    sandbox = Sandbox(bank)
    mine, _, email = _disputes(sandbox)[0]
    agent = WorkflowAgent(bank)
    messages: list[dict[str, Any]] = [{"role": "user", "content": f"Could you tell me the status of my dispute {mine}? "
                                                                  f"My email is {email}."}]
    drive_agent(agent, sandbox, messages)
    status = json.loads(messages[-2]["content"])["status"]
    assert status in messages[-1]["content"], messages[-1]["content"]


def test_the_one_id_in_an_answer_to_a_question_for_it_is_the_answer() -> None:
    names = [("dispute id", "dispute_id")]
    assert read_facts("Oh, sorry. It's DSP-72839.", names, ["dispute_id"]) == {"dispute_id": "DSP-72839"}
    assert "dispute_id" not in read_facts("Not DSP-1, it's DSP-2.", names, ["dispute_id"]) \
        or read_facts("Not DSP-1, it's DSP-2.", names, ["dispute_id"])["dispute_id"] != "DSP-1"


def test_the_prompt_says_to_tie_a_record_to_the_customer_where_the_chat_finds_them(bank: CompiledDomain) -> None:
    line = "check that it is theirs"
    assert line in policy_prompt(bank.domain)
    nobody = bank.domain.model_copy(update={"tools": [t for t in bank.domain.tools if not t.name.startswith("find_")]})
    assert line not in policy_prompt(nobody)
