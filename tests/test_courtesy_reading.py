"""What the assistant reads from a message is read from the request, never from its courtesies: a
model user says "Thanks for checking! Could you also freeze my account?", and "checking" there is
what they thank for, not the account kind (the scripted user's own courtesies were reworded for
it, `test_bridge_words`; a model's are not)."""
from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.understanding import unthanked
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import CompiledDomain, compile_domain
from gem_env.tools.sandbox import Sandbox
from conftest import drive_agent

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("said, read", [
    ("Thanks for checking! Could you also freeze my account?", "Thanks! Could you also freeze my account?"),
    ("Fair enough. Thanks for checking.", "Fair enough. Thanks."),
    ("Thank you so much for checking, can you close my savings account?", "Thank you so much, can you close my savings account?"),
    ("Thanks for that and could you close my checking account?", "Thanks and could you close my checking account?"),
    ("I appreciate you checking on that. Now please freeze my card.", "I appreciate it. Now please freeze my card."),
])
def test_what_a_thanks_is_for_is_left_out_and_the_request_kept(said: str, read: str) -> None:
    assert unthanked(said) == read


@pytest.mark.parametrize("said", ["Please close my checking account, thanks.", "I want a refund for my checking fee.",
                                  "Thanks in advance for closing my checking account.", "Thanks!"])
def test_a_request_that_thanks_is_read_whole(said: str) -> None:
    assert unthanked(said) == said


@pytest.fixture(scope="module")
def bank() -> CompiledDomain:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / "bank" / "transfer-money.md"]))
    return compile_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="test")))




def test_thanks_for_checking_picks_no_checking_account(bank: CompiledDomain) -> None:
    """A customer with an open checking and an open savings account asks about their savings, then
    "Thanks for checking! Could you also freeze my account?": which account is asked, both listed;
    the checking one is not taken (it was, read from the thanks)."""
    sandbox = Sandbox(bank)
    held = collections.defaultdict(list)
    for email, account, kind, status in sandbox.conn.execute(
            "SELECT c.email, a.account_id, a.account_type, a.status FROM customers c JOIN accounts a"
            " ON a.customer_id = c.customer_id ORDER BY c.email, a.account_id"):
        held[email].append((account, kind, status))
    email = next(e for e, rows in held.items() if sorted(k for _, k, s in rows if s == "open") == ["checking", "savings"])
    checking = next(a for a, k, s in held[email] if k == "checking" and s == "open")
    agent = WorkflowAgent(bank)
    messages: list[dict[str, Any]] = [{"role": "user", "content": f"What's the balance of my savings account? My email is {email}."}]
    drive_agent(agent, sandbox, messages)
    for courtesy in ("Thanks for checking! Could you also freeze my account?",
                     "Thank you for checking. I'd also like to freeze my account."):
        asked = [*messages, {"role": "user", "content": courtesy}]
        drive_agent(agent, sandbox, asked)
        said = asked[-1]["content"]
        assert "Which" in said and checking in said and said.count("ACC-") == 2, said
    # the same words as the request name the kind: then it is the checking one
    plain = [*messages, {"role": "user", "content": "Thanks! Could you also freeze my checking account?"}]
    drive_agent(agent, sandbox, plain)
    assert "Which" not in plain[-1]["content"], plain[-1]["content"]
