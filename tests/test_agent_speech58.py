"""Round 58's buyer review, the assistant's side: the only record a change fits is named in the one
confirmation (never "Is that the one you mean?" and then "Shall I go ahead?"), and the customer can
say "not that one" to it; the hand-off after a refusal offered as a colleague looking into what was
refused (never "pass your question" of a customer who asked none); whole questions for what the
assistant asks, in every style."""
from __future__ import annotations

import asyncio
import json
import random
import re

from gem_env.agents import banks as B
from gem_env.agents import speech as S
from gem_env.agents.workflow_agent import HANDOFF_OFFERED, _confirmation, _turned_down
from gem_env.simulators import phrases as P
from gem_env.simulators.scenario import Scenario
from gem_env.simulators.scripted import ScriptedUser, _offers
from gem_env.tools.referring import ANOTHER_RECORD, ONLY_FITTING, PROPOSED_RECORD

ACCOUNTS = {"account_id": "ACC-2", "account_type": "savings", "tier": "entry"}


def _folded(seed: int, action: str = "close your account") -> str:
    only = S.only_fitting(random.Random(seed), "account_id", ACCOUNTS, 4, action)
    return S.confirm(random.Random(seed), f"{action} ACC-2", {"account_id": "ACC-2"}, re.compile("x^"), only=only)


def test_the_only_record_that_fits_is_said_with_the_confirmation_and_read_alike() -> None:
    for seed in range(30):
        said = _folded(seed)
        found = ONLY_FITTING.search(said)
        assert found and found["id"] == "ACC-2" and found["nouns"] == "accounts", said
        assert said.count("?") <= 1 and not PROPOSED_RECORD.search(said), said  # one question: the go-ahead
        assert said.index("ACC-2 (savings") < said.index("close your account ACC-2"), said
        assert "can be closed" in said, said
    # a change not made on the record itself ("turn on the overdraft protection of your account")
    said = S.only_fitting(random.Random(0), "account_id", ACCOUNTS, 3,
                          "turn on the overdraft protection of your account")
    assert said.endswith("would work for this.") and ONLY_FITTING.search(said)["id"] == "ACC-2", said


def test_not_that_one_is_a_correction_and_a_plain_no_is_a_no() -> None:
    asked = _folded(0)
    for text in [*(a.format(noun="account") for a in P.ANOTHER_ONE), "No, not that one. My account is ACC-7."]:
        segment = [{"role": "assistant", "content": asked}, {"role": "user", "content": text}]
        assert _turned_down(segment) == {"ACC-2"}, text
        assert _confirmation(segment) is None, text  # no answer about the change yet
    for text in ("No, I'd rather not.", "No, I'd like to sleep on it before I decide.", "Nope, let's leave it."):
        segment = [{"role": "assistant", "content": asked}, {"role": "user", "content": text}]
        assert not ANOTHER_RECORD.search(text) and not _turned_down(segment), text
        assert _confirmation(segment) is False, text
    segment = [{"role": "assistant", "content": asked}, {"role": "user", "content": "Yes, go ahead."}]
    assert _confirmation(segment) is True and not _turned_down(segment)


def _user_answer(request: dict, seed: int, said: str = "") -> str:
    user = ScriptedUser(Scenario(persona="a customer", goal="one thing", knows={"email": "a@example.com"},
                                 requests=[request]), seed=seed)
    history = [{"role": "system", "content": "policy"}]
    history.append({"role": "user", "content": asyncio.run(user.reply(history))})
    history.append({"role": "assistant", "content": said or _folded(seed)})
    return asyncio.run(user.reply(history))


def test_the_scripted_user_says_not_that_one_to_another_record_and_yes_to_theirs() -> None:
    """The customer whose account is another (one they know, or one only the assistant can find) says
    it is not that one at the confirmation; the customer whose account it is goes ahead, or says no
    to the change where their brief says so."""
    theirs = {"goal": "close my account ACC-2 because of fees", "intent": "close my account because of fees",
              "knows": {"account_id": "ACC-2"}, "anchor": "ACC-2"}
    known = {**theirs, "goal": "close my account ACC-7 because of fees", "knows": {"account_id": "ACC-7"},
             "anchor": "ACC-7"}
    found = {**theirs, "goal": "close my account ACC-7 because of fees", "knows": {}, "found": {"account_id": "ACC-7"},
             "anchor": "ACC-7"}
    declines = {**theirs, "confirm": False}
    for seed in range(12):
        said = _user_answer(theirs, seed)
        assert said.startswith(tuple(y.split(",")[0] for y in P.YES)) and "ACC-" not in said, said
        said = _user_answer(known, seed)
        assert ANOTHER_RECORD.search(said) and "ACC-7" in said, said
        said = _user_answer(found, seed)
        assert ANOTHER_RECORD.search(said) and "ACC-" not in said, said
        # said before another question (the item of the one order that fits): not theirs, said first
        asked = ("Of your 4 accounts, only ACC-2 (savings, open) would work for this. There are 2 cards on it: "
                 "CRD-1 (debit) and CRD-2 (credit). Which card do you mean?")
        said = _user_answer(known, seed, asked)
        assert ANOTHER_RECORD.search(said) and "ACC-7" in said, said
        said = _user_answer(declines, seed)
        assert said.lower().startswith(("no", "actually", "hmm", "on second", "let's not", "i'd rather", "please don't",
                                        "not right")) and not ANOTHER_RECORD.search(said), said


def test_the_hand_off_is_offered_as_a_colleague_looking_into_what_was_refused() -> None:
    refusal = ("I'm sorry, but I can't change the spending limit of your card CRD-1. A frozen card can't be changed. "
               "Your card CRD-1 is currently frozen.")
    seen = set()
    for seed in range(40):
        helps = S.pick(random.Random(seed), B.HANDOFF_HELP, doing="changing the spending limit of your card")
        offer = S.pick(random.Random(seed), B.OFFER_HANDOFF, x=helps[:1].lower() + helps[1:])
        seen.add(offer)
        assert HANDOFF_OFFERED.search(offer) and "question" not in offer, offer
        assert "changing the spending limit" in offer, offer
        said = f"{refusal} {offer}"
        assert _offers(said, "pass my question about my card to a person"), said  # the person they wanted next
        assert not _offers(said, "pass my question about my account to a person"), said  # another kind of record
        assert not _offers(said, "change the spending limit of my card to 4800"), said
    assert len(seen) >= 4


def test_every_ask_is_a_whole_question() -> None:
    terse = re.compile(r"^(?:\{X\}|And \{x\}|Also, \{x\}|Got \{x\}|Send me \{x\}|What is \{x\}\?$)")
    for bank in (B.ASK_Q, B.ASK_MORE_Q):
        for style in ("plain", "warm", "formal", "brisk"):
            for q in bank.by_style[style]:
                assert not terse.search(q), (style, q)
                # a question a person asks: a question word or a verb first, not a bare "{X}?"
                assert re.match(r"(?:And |Now, |Next, )?(?:[Ww]hat|[Cc]ould|Can|May|Would|Do|Might|Mind|Which)\b", q) \
                    and q.endswith("?"), (style, q)


def test_the_verifier_takes_the_only_one_that_fits_said_in_the_confirmation_as_asking_which() -> None:
    """The confirmation that says its record is the only one of all the customer's that the change
    fits leaves the choice to them (they can say "not that one"); one that names a record without
    saying so, or says so of fewer records than they have, does not."""
    from gem_env.stages.verify_kinds import _asks_which
    candidates = ["ACC-1", "ACC-2", "ACC-3", "ACC-4"]
    folded = ("Of your 4 accounts, only ACC-2 (savings, on the entry tier) can be closed. I'll close your account "
              "ACC-2. Shall I go ahead?")
    assert _asks_which(folded, candidates)
    assert _asks_which(folded.replace("Shall I go ahead?", "Please confirm."), candidates)
    assert not _asks_which("I'll close your account ACC-2. Shall I go ahead?", candidates)
    assert not _asks_which(folded.replace("4 accounts", "3 accounts"), candidates)
    assert not _asks_which(folded.replace("only ACC-2", "only ACC-9"), candidates)
    assert _asks_which("Of your 4 accounts, only ACC-2 (savings) can be closed. Is that the account you mean, ACC-2?",
                       candidates)  # (as it was asked before)


def test_an_answer_whose_first_fact_names_nothing_says_first_which_record() -> None:
    """"It's currently under review." and "It's showing as frozen." answered a question about a
    record without naming it (12 of 702): the opening now says which record it is about."""
    named = 0
    for seed in range(30):
        said = S.report(random.Random(seed), False, "", [("status", "frozen")], of="your account ACC-1")
        fact = next(x for x in S.SENTENCE_BREAK.split(said) if "frozen" in x)
        assert "ACC-1" in said or not S.NAMES_NOTHING.match(fact), said  # "The status reads frozen." names its field
        named += "ACC-1" in said
        assert "ACC-1" not in said or said.index("ACC-1") < said.index("frozen"), said
        plain = S.report(random.Random(seed), False, "", [("status", "frozen")])
        assert "ACC-1" not in plain  # (nothing to name it by: as before)
        looked = S.looked(random.Random(seed), "dispute", "DSP-1", None, named=True)
        assert "DSP-1" in looked, looked
    assert named >= 5


def test_a_hand_off_note_names_a_catalog_entry_by_name() -> None:
    """"... with a note that you wanted to open the account (product PRD-85560)" read a catalog's
    internal number to the customer: a product is named as people name it (a person keeps their
    number, which the colleague needs: `test_contact_directory`)."""
    from pathlib import Path

    from gem_env.agents.workflow_agent import WorkflowAgent
    from gem_env.documents import Verdict
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor, check_domain

    root = Path(__file__).resolve().parents[1]
    doc = next(iter_documents([root / "examples" / "corpus" / "bank" / "open-a-savings-account.md"]))
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    agent = WorkflowAgent(compiled)
    rows = [{"product_id": "PRD-1", "name": "Gold Saver", "account_type": "savings"},
            {"customer_id": "CST-1", "first_name": "Ana", "last_name": "Lee"}]
    turn = type("T", (), {"prior": [m for i, row in enumerate(rows) for m in (
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{i}", "type": "function", "function": {"name": "x", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": f"c{i}", "content": json.dumps(row)})]})()
    assert agent._kinds(["PRD-1"], "open the account", turn) == "the Gold Saver product"
    assert agent._kinds(["ACC-1"], "open the account", turn) == "ACC-1"  # (nothing read names it: as before)


def test_a_colleague_offered_after_a_refusal_is_the_hand_off_about_the_same_records() -> None:
    """The offer names what was refused ("look into requesting a payment plan for your bill"); the
    customer whose next request hands their line (the bill's) to a person takes it up, as they did
    when the offer named the line; one about another line does not."""
    from gem_env.simulators.scenario import Request
    from gem_env.simulators.scripted import _passes_on
    refused = Request(goal="request a payment plan for bill BLL-1 because of billing error",
                      knows={"bill_id": "BLL-1"}, found={"line_id": "LINE-1"})
    handoff = Request(goal="pass my question about my line LINE-1 to a person",
                      intent="pass my question about my line to a person", knows={"line_id": "LINE-1"})
    assert _passes_on(refused, handoff)
    assert not _passes_on(refused, handoff.model_copy(update={"knows": {"line_id": "LINE-2"}}))
    assert not _passes_on(refused, Request(goal="suspend my line LINE-1", intent="suspend my line",
                                           knows={"line_id": "LINE-1"}))
