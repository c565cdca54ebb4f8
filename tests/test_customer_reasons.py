"""The customer's side of a chat says what a person would (buyer's review, round 57): a no at the
confirmation with a reason that fits what it was told; a pick from a list by what tells the record
apart, not its key; a number asked again only once another request came between; a status said as
what they see."""
from __future__ import annotations

import asyncio
import random
import re

from gem_env.agents.understanding import NO, YES
from gem_env.simulators.declining import NO_START, OWN, OWN_BY_ACT, PERSON, THIS_ONE, act, decline, reasons
from gem_env.simulators.scenario import Request, Scenario
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.verify_kinds import _NO as VERIFY_NO
from gem_env.tools.referring import listed_by_detail

_BARE = re.compile(r"^(?:No|No thanks|Actually, no|Nope|No, sorry),? (?:please don't|leave it as it is|not right now|"
                   r"I've changed my mind|let's leave it|don't change anything|not today)\.$")


def _declines(said: str, seeds: range = range(60)) -> list[str]:
    return [decline(said, random.Random(seed)) for seed in seeds]


def test_a_decline_is_read_as_no_by_the_assistant_and_the_verifier_and_is_never_bare() -> None:
    confirmations = [
        "I'll now transfer $8,200 from your account ACC-1 to your other account ACC-2. Would you like me to proceed?",
        "I'm about to close your account ACC-1 because of fees. It's the open savings account, with a $6,995.53 "
        "balance. Shall I go ahead?",
        "I'll open a new Green Account. Shall I go ahead?",
        "I'll pass your question about your card to a person, with a note that you need help. Please confirm.",
    ]
    for said in confirmations:
        for no in _declines(said):
            assert no.startswith(tuple(NO_START)), no
            assert NO.search(no) and VERIFY_NO.search(no) and not YES.match(no), no
            assert not _BARE.match(no), no
            assert len(no.split()) >= 5, no


def test_a_decline_answers_what_the_confirmation_named() -> None:
    """The money a transfer moves, what is left in an account being closed, a limit as it is now, the
    shop a charge is from, a fee it would cost: each is the reason most customers give."""
    cases = {
        "I'll now transfer $8,200 from your account ACC-1 to your other account ACC-2. Shall I go ahead?": "$8,200",
        "I'll close your account ACC-1 because of fees. That's your open savings account, with a $6,995.53 balance. "
        "Should I go ahead and close it?": "$6,995.53",
        "I'll change the spending limit of your card CRD-1 to $5,600. At the moment, the spending limit is "
        "$4,400. Would you like me to change it?": "$4,400",
        "I'll create a dispute for transaction TRN-1 because of fraud. It's the posted transaction at Palmer, Lee "
        "and Harrell, with an amount of $390.94. Should I proceed?": "Palmer, Lee and Harrell",
        "I'll close your account ACC-1. For this one, the early closure fee is $500. Can you confirm?": "$500",
        "I'll cancel your subscription SBS-1 because you're moving. It's your active subscription, with a $8.51 "
        "monthly fee and a $32.99 balance due. Shall I proceed?": "$32.99",
    }
    for said, value in cases.items():
        noes = _declines(said)
        told = [n for n in noes if value in n]
        assert len(told) >= len(noes) // 2, (value, noes)
        assert all(n in told or n.split(",", 1)[-1].strip() in OWN or n.split(", ", 2)[-1] in OWN for n in noes), noes


def test_what_a_record_holds_now_is_not_recited_when_long_or_to_the_cent() -> None:
    """"I'll keep it as 80999 Miranda Union Suite 072, East Michaelborough 67976 for now." and "keep it
    as 567.42 dollars": nobody reads an address or an amount to the cent back; they keep "it"."""
    for said in ("I'll change your address to 12 Oak Lane, Springfield 12345. Right now it's 80999 Miranda Union "
                 "Suite 072, East Michaelborough 67976. Shall I go ahead?",
                 "I'll change the spending limit of your card CRD-1 to $600. At the moment, the spending limit is "
                 "$567.42. Would you like me to change it?"):
        noes = _declines(said)
        assert not any("Miranda" in n or "567" in n for n in noes), noes
        assert any("keep it" in n or "leave it" in n or "current one" in n for n in noes), noes


def test_a_fault_the_customer_gave_is_not_fine_as_it_is() -> None:
    """"return my item because it was damaged", then "No, I've changed my mind; it's fine as it is.":
    a reason about a record apart from its twin never says it is fine after a fault."""
    said = "I'll create a return for your rain jacket because it was damaged. Shall I go ahead?"
    for intent in ("create a return for my item because it was damaged", "dispute my charge because of the wrong amount"):
        noes = {decline(said, random.Random(seed), intent=intent, twin=True) for seed in range(60)}
        assert not any("fine" in n or "happy" in n for n in noes), noes
    disputed = "I'll create a dispute for transaction TRN-1 because of the wrong amount. Shall I go ahead?"
    noes = {decline(disputed, random.Random(seed), intent="create a dispute for my transaction", twin=True)
            for seed in range(60)}
    assert not any("fine" in n or "happy" in n for n in noes), noes  # the fault said in the read-back
    said = "I'll change the plan of your line LIN-1 to Premium. Shall I go ahead?"
    noes = {decline(said, random.Random(seed), intent="change my plan to premium", twin=True) for seed in range(60)}
    assert any("fine" in n or "happy" in n for n in noes)  # a change with no fault may be fine as it is


def test_money_in_a_record_is_a_reason_to_wait_with_closing_it_only() -> None:
    """"I've still got $17,847.91 in there, so I'll move it out first." to turning on overdraft
    protection made no sense: the balance is a reason only when the record is to be closed."""
    said = ("I'll turn on the overdraft protection of your account ACC-1. That's your open checking account, with a "
            "$17,847.91 balance. Should I go ahead?")
    assert reasons(said) == [OWN_BY_ACT["details"]]  # (the customer's own reason, for a change of a setting)
    assert not any("$17,847.91" in n for n in _declines(said))
    assert not any("$0" in r for bank in reasons(
        "I'll close your account ACC-1. It's the open savings account, with a $0 balance. Shall I go ahead?")
        for r in bank)


def test_a_scripted_customer_who_declines_gives_a_reason_and_the_assistant_reads_the_no() -> None:
    request = Request(kind="decline", goal="transfer $100 from my account to my other account",
                      intent="transfer $100 from my account to my other account", confirm=False,
                      knows={"amount": 100})
    said = "This will transfer $100 from your account ACC-1 to your other account ACC-2. Please confirm."
    answers = set()
    for seed in range(30):
        user = ScriptedUser(Scenario(goal=request.goal, requests=[request], knows=request.knows), seed=seed)
        messages = [{"role": "user", "content": "Please transfer $100 to my savings."},
                    {"role": "assistant", "content": said}]
        answer = asyncio.run(user.reply(messages))
        if answer in ("Before you do, what exactly will that change?", "What will that do, exactly?",
                      "Just so I understand, what happens when you do that?",
                      "Sorry, what will change exactly if you do that?"):
            continue  # a careful customer asks first
        assert NO.search(answer) and VERIFY_NO.search(answer) and not _BARE.match(answer), answer
        answers.add(answer)
    assert len(answers) >= 10, answers
    assert any("100" in a for a in answers), answers


def _answers_to(listing: str, knows: dict[str, str], goal: str = "cancel my card", seeds: range = range(40)) -> list[str]:
    request = Request(kind="complete", goal=goal, intent=goal, knows=knows)
    out = []
    for seed in seeds:
        user = ScriptedUser(Scenario(goal=goal, requests=[request], knows=knows), seed=seed)
        messages = [{"role": "user", "content": goal.capitalize() + "."}, {"role": "assistant", "content": listing}]
        out.append(asyncio.run(user.reply(messages)))
    return out


def test_a_record_is_picked_by_what_tells_it_apart_never_by_its_key_when_something_does() -> None:
    listing = ("You have 5 cards, and 3 can be frozen: CRD-02892 (credit, ending in 1522), CRD-25576 (credit, "
               "ending in 2787) and CRD-53053 (debit, ending in 2251). Which card should I use?")
    answers = _answers_to(listing, {"card_id": "CRD-25576"})
    assert not any("CRD-" in a for a in answers), answers
    assert all(listed_by_detail(listing, a) == "CRD-25576" for a in answers), answers
    assert any("ending in 2787" in a for a in answers)


def test_a_status_is_said_from_a_list_only_when_nothing_else_tells_the_record_apart() -> None:
    """"The frozen one." is the service's word; "The one ending in 8925." the customer's own."""
    listing = ("I have 2 cards here: CRD-1 (debit, ending in 8925, frozen) and CRD-2 (debit, ending in 2713, "
               "active). Which card should I use?")
    answers = _answers_to(listing, {"card_id": "CRD-1"})
    assert answers and all("ending in 8925" in a for a in answers), answers
    only_status = "I have 2 cards here: CRD-1 (debit, frozen) and CRD-2 (debit, active). Which card should I use?"
    answers = _answers_to(only_status, {"card_id": "CRD-1"})
    assert all(listed_by_detail(only_status, a) == "CRD-1" and "CRD-" not in a for a in answers), answers


def test_the_key_is_read_out_when_nothing_listed_tells_the_record_apart() -> None:
    """Alike in all but the key: "The second one." of a short list; the key read out of a long one."""
    listing = "You have 2 cards: CRD-1 (credit, ending in 1111) and CRD-2 (credit, ending in 1111). Which card is it?"
    answers = _answers_to(listing, {"card_id": "CRD-2"})
    assert all("second one" in a and listed_by_detail(listing, a) == "CRD-2" for a in answers), answers
    listing = ("You have 6 cards: " + ", ".join(f"CRD-{i} (credit, ending in 1111)" for i in range(1, 6))
               + " and CRD-6 (credit, ending in 1111). Which card is it?")
    answers = _answers_to(listing, {"card_id": "CRD-2"})
    assert all("CRD-2" in a for a in answers), answers


def _session_user(requests: list[Request], seed: int) -> ScriptedUser:
    knows = {k: v for r in requests for k, v in r.knows.items()}
    return ScriptedUser(Scenario(goal=requests[0].goal, requests=requests, knows=knows), seed=seed)


def test_a_number_is_asked_again_only_once_two_other_requests_came_between() -> None:
    """"Done! The case ID is HND-2301. Anything else?" "Sorry, could you repeat my case number?"
    asked for what was just said, and so did one asked after a single short request (47 of 702 in
    round 58's review): a customer who asks again has since talked about two other things, and asks
    at a plain close, not instead of answering an offer to hand a refusal to a person."""
    from gem_env.simulators import phrases as P
    dispute = Request(kind="complete", goal="create a dispute for my transaction", intent="create a dispute for my "
                      "transaction", knows={"transaction_id": "TRN-1"})
    freeze = Request(kind="complete", goal="freeze my card", intent="freeze my card", knows={"card_id": "CRD-1"})
    limit = Request(kind="complete", goal="change the spending limit of my card to 500", intent="change the spending "
                    "limit of my card to $500", knows={"card_id": "CRD-1", "new_spending_limit": 500})
    made = {"role": "assistant", "content": "Done. Your dispute number is DSP-1. Anything else?"}
    froze = [{"role": "user", "content": "Thanks. Also, please freeze my card."},
             {"role": "assistant", "content": "I've frozen your card. Anything else?"}]
    raised = [{"role": "user", "content": "And change its spending limit to $500, please."}]
    closes = {"plain": {"role": "assistant", "content": "The spending limit is now $500. Anything else?"},
              "offer": {"role": "assistant", "content": "I can't change the limit of a frozen card. If you'd like, "
                        "I can pass your question about your card to a person."}}
    one = again = 0
    for seed in range(200):
        user = _session_user([dispute, freeze], seed)
        said = asyncio.run(user.reply([{"role": "user", "content": "I'd like to dispute a charge."}, made, *froze]))
        one += P.asks_repeat(said)
        for close, reply in closes.items():
            user = _session_user([dispute, freeze, limit], seed)
            said = asyncio.run(user.reply([{"role": "user", "content": "I'd like to dispute a charge."}, made, *froze,
                                           *raised, reply]))
            if user._asks_again and close == "plain":
                assert P.asks_repeat(said) and "dispute" in said and "missed" not in said, said
                again += 1
            else:
                assert not P.asks_repeat(said), said
    assert one == 0 and again >= 10
    other = [{"role": "user", "content": "And when was my other dispute filed? It's DSP-7."},
             {"role": "assistant", "content": "Dispute DSP-7 was filed on May 2, 2024. Anything else?"}]
    for seed in range(100):  # "my dispute number" after talking about another dispute is no longer the one made
        user = _session_user([dispute, freeze, limit], seed)
        said = asyncio.run(user.reply([{"role": "user", "content": "I'd like to dispute a charge."}, made, *froze,
                                       *other[:1], other[1]]))
        assert not P.asks_repeat(said), said
    card = {"role": "assistant", "content": "Done. Your card ID is CRD-2. Anything else?"}
    for seed in range(100):  # a card is known by its number, not by the service's key for it
        user = _session_user([dispute, freeze, limit], seed)
        said = asyncio.run(user.reply([{"role": "user", "content": "I'd like a new card."}, card, *froze, *raised,
                                       closes["plain"]]))
        assert not P.asks_repeat(said), said


def test_a_record_told_apart_by_its_status_is_named_by_what_the_customer_sees() -> None:
    """"That's the processed one." / "It's for the frozen account.": the service's word said as the
    customer's own; the customer says what they see, and the assistant still finds it by the word."""
    intent = "change the shipping address of my order to 1 Main Street, Springfield 12345"
    said = {ScriptedUser._volunteered("order_status", "processed", intent, random.Random(seed), ["order_status"],
                                      records=["order"]) for seed in range(40)}
    assert all(re.search(r"\b(?:shows as|showing as|listed as) processed\b", s) for s in said), said
    assert not any(re.search(r"\b(?:the|my) processed\b|processed (?:one|order)", s) for s in said), said
    on = {ScriptedUser._volunteered("card_status", "closed", "create a dispute for my transaction", random.Random(seed),
                                    ["card_status"], records=["card", "transaction"]) for seed in range(40)}
    assert all("closed" in s and not re.search(r"\bclosed card\b", s) for s in on), on


def test_a_pick_says_the_date_amount_or_place_where_no_single_detail_tells_the_record_apart() -> None:
    """"Which account?" of accounts told apart only by when they were opened, their balance or
    their place in the list: the customer says "The savings one opened in September.", "The one
    with $1,200 in it." or "The second one.", never the key the assistant just listed (77 of 702 in
    round 58's review), and the assistant reads each back to the record meant."""
    by_date = ("Of your 4 accounts, 3 can be closed: ACC-37010 (checking, opened on December 23, 2024), ACC-61656 "
               "(savings, opened on September 22, 2024) and ACC-70181 (savings, opened on March 2, 2024). Which "
               "account should I close?")
    answers = _answers_to(by_date, {"account_id": "ACC-61656"})
    assert all("ACC-" not in a and listed_by_detail(by_date, a) == "ACC-61656" for a in answers), answers
    assert all(re.search(r"\bopened in September\b", a) for a in answers), answers
    by_money = ("You have 3 accounts, and 2 of them could be used here: ACC-1 (opened on June 2, 2024, balance "
                "$6,636.86) and ACC-2 (opened on June 26, 2024, balance $1,200). Which account should I use?")
    answers = _answers_to(by_money, {"account_id": "ACC-2"})
    assert all("ACC-" not in a and listed_by_detail(by_money, a) == "ACC-2" for a in answers), answers
    assert any("June 26" in a for a in answers), answers  # the day, where the month fits both
    alike = "I have 3 accounts here: ACC-1 (checking, open), ACC-2 (checking, open) and ACC-3 (checking, open). Which account is it?"
    answers = _answers_to(alike, {"account_id": "ACC-3"})
    assert all("last one" in a and listed_by_detail(alike, a) == "ACC-3" for a in answers), answers


def test_a_title_that_starts_with_the_is_said_once_with_its_article() -> None:
    """"I mean the The Glass Orchard one." read "the" twice: "the Glass Orchard one"."""
    listing = ("You have 2 loans: LOAN-1 (The Glass Orchard, due on May 3, 2025) and LOAN-2 (Night Trains, due on May "
               "3, 2025). Which loan do you mean?")
    answers = _answers_to(listing, {"loan_id": "LOAN-1"}, goal="renew my loan")
    assert answers and all("the The" not in a and "Glass Orchard one" in a and listed_by_detail(listing, a) == "LOAN-1"
                           for a in answers), answers


_MONEY_WORDS = re.compile(r"accountant|budget|afford|going out|money|finances|partner|family|\$", re.IGNORECASE)


def test_a_reason_of_the_customers_own_fits_what_the_change_does() -> None:
    """Reviewer (round 58): "I should run it past my accountant first." to unfreezing a card, "I need
    to talk it over with my family first." to a free promo code: money and a household's say only
    where money moves, something is bought or a record the household shares ends."""
    free = {"I'll unfreeze your card CRD-1. That's your frozen debit card ending in 0588. Shall I go ahead?":
            "unfreeze my card",
            "I'll issue a new promo code for your account. Shall I go ahead?": "request a new promo code",
            "I'll change your address to 1 Main St, Springfield 12345. At the moment, it's 2 Elm St. Shall I?":
            "change my address to 1 Main St, Springfield 12345",
            "I'll create a dispute for transaction TRN-1 because of fraud. Shall I go ahead?":
            "create a dispute for my transaction because of fraud"}
    for said, intent in free.items():
        noes = [decline(said, random.Random(seed), intent=intent) for seed in range(80)]
        assert not any(_MONEY_WORDS.search(n) for n in noes), [n for n in noes if _MONEY_WORDS.search(n)]
        assert len(set(noes)) >= 8, noes
    assert act("freeze my card because it was stolen") == "protect"
    assert "I'd rather wait until after the weekend." not in OWN_BY_ACT["protect"]  # (a stolen card is not left a weekend)
    paid = [decline("I'll transfer $2,000 from your account ACC-1 to your other account ACC-2. Shall I?",
                    random.Random(seed), intent="transfer $2,000 from my account to my other account")
            for seed in range(80)]
    assert any(re.search(r"budget|accountant|partner|family", n) for n in paid), paid


def test_a_change_made_on_another_record_of_theirs_is_turned_down_for_this_record_alone() -> None:
    """"with a $500 fee it isn't worth it for me", then the twin account with the same fee closed:
    with the same change made on another record in the visit (`twin`), the reason is what sets this
    one apart, never its fee, the money in it or a wait that would hold for both."""
    said = ("I'll close your account ACC-1 because it's no longer needed. It's the open savings account, with a "
            "$2,604.74 balance. For this one, the early closure fee is $500. Shall I go ahead?")
    noes = {decline(said, random.Random(seed), intent="close my account because it's no longer needed", twin=True)
            for seed in range(60)}
    assert not any("$" in n or "weekend" in n or "partner" in n for n in noes), noes
    assert all(any(r in n for r in THIS_ONE["ends"]) for n in noes), noes
    # a fact of this record alone still answers (the shop a charge is from)
    charge = ("I'll create a dispute for transaction TRN-1 because of fraud. It's the posted transaction at Palmer, "
              "Lee and Harrell, with an amount of $390.94. Should I proceed?")
    said_shop = [decline(charge, random.Random(seed), intent="create a dispute for my transaction", twin=True)
                 for seed in range(40)]
    assert any("Palmer, Lee and Harrell" in n for n in said_shop), said_shop


def test_a_customer_who_asks_a_person_about_it_later_wants_to_talk_it_over_first() -> None:
    """A no "until after the weekend", then a hand-off "... but want to talk it over with someone
    first": the no says what the note will."""
    request = Request(kind="decline", goal="close my account", intent="close my account", confirm=False,
                      knows={"account_id": "ACC-1"})
    person = Request(kind="complete", goal="pass my question about my account to a person",
                     intent="pass my question about my account to a person",
                     knows={"account_id": "ACC-1", "summary": "I was going to close my account but want to talk it "
                                                              "over with someone first"})
    said = "I'll close your account ACC-1. It's the open savings account. Shall I go ahead?"
    answers = set()
    for seed in range(30):
        user = ScriptedUser(Scenario(goal="close my account", requests=[request, person], knows=request.knows),
                            seed=seed)
        answer = asyncio.run(user.reply([{"role": "user", "content": "I'd like to close my account ACC-1."},
                                         {"role": "assistant", "content": said}]))
        if "?" in answer:
            continue  # a careful customer asks first
        answers.add(answer)
        assert any(answer.endswith(p) for p in PERSON), answer  # (the confirmation names no fact)
        assert NO.search(answer) and VERIFY_NO.search(answer), answer
    assert len(answers) >= 5, answers


def test_the_goodbye_after_a_no_gives_no_second_reason() -> None:
    """"No, I need to check a couple of things on my side first." ... "Thanks. I want to check a couple
    of things first, so that's all." said the reason twice, and "I'd rather sleep on it" after "I've
    still got $865.85 in there" gave another: the no carries the reason, the goodbye none."""
    from gem_env.simulators import phrases as P
    reasons_said = re.compile(r"sleep on it|check a couple|partner|family|weekend|budget|read up", re.IGNORECASE)
    assert not [g for g in P.AFTER_DECLINE if reasons_said.search(g)]


def test_every_reason_of_the_customers_own_is_read_as_no() -> None:
    for reason in [*OWN, *(r for bank in THIS_ONE.values() for r in bank), *PERSON]:
        for start in NO_START:
            no = f"{start} {reason}"
            assert NO.search(no) and VERIFY_NO.search(no) and not YES.match(no), no
            assert not re.search(r"\b(?:yes|go ahead|please do|no longer needed)\b", reason, re.IGNORECASE), reason


def test_a_fact_named_still_answers_before_asking_a_person_about_it() -> None:
    said = "I'll close your account ACC-1. For this one, the early closure fee is $500. Can you confirm?"
    noes = [decline(said, random.Random(seed), intent="close my account", person=True) for seed in range(40)]
    assert any("$500" in n for n in noes) and any(n.endswith(tuple(PERSON)) for n in noes), noes
    assert all("$500" in n or n.endswith(tuple(PERSON)) for n in noes), noes


def test_the_same_change_named_for_later_is_on_my_other_record() -> None:
    """"I'm trying to close my account because the fees are too high. ... Then, when that's done, I
    also need to close my account because of fees." named one account twice."""
    first = Request(kind="decline", goal="close my account", intent="close my account because the fees are too high",
                    confirm=False, knows={"account_type": "savings"})
    second = Request(kind="complete", goal="close my account", intent="close my account because of fees",
                     knows={"account_type": "checking"})
    named = 0
    for seed in range(120):
        user = ScriptedUser(Scenario(goal="close my account", requests=[first, second], knows={}), seed=seed)
        opening = asyncio.run(user.reply([]))
        assert len(re.findall(r"close my account\b", opening)) <= 1, opening
        named += "close my other account" in opening
    assert named, "no user named the second account up front"


def test_the_same_change_after_one_done_is_asked_for_on_my_other_record_without_instead() -> None:
    """"I've just filed a complaint ..." then "Understood. In that case, could you file a complaint for
    my other reservation because of cleanliness instead?": "in that case ... instead" answers a no
    or a refusal only; after the change was made the customer asks for it on their other record."""
    first = Request(kind="complete", goal="file a complaint", intent="file a complaint for my reservation because "
                    "of cleanliness", knows={"reservation_id": "SI-4859"})
    second = Request(kind="complete", goal="file a complaint", intent="file a complaint for my reservation because "
                     "of cleanliness", knows={"reservation_id": "SI-9083"})
    asks = set()
    for seed in range(30):
        user = ScriptedUser(Scenario(goal="file a complaint", requests=[first, second], knows={}), seed=seed)
        user._named_later = ""  # (the second named in the first message is offered back instead)
        said = asyncio.run(user.reply([
            {"role": "user", "content": "I'd like to file a complaint for my reservation SI-4859."},
            {"role": "assistant", "content": "I'll file a complaint for reservation SI-4859 because of cleanliness. "
                                             "Shall I go ahead?"},
            {"role": "user", "content": "Yes, please."},
            {"role": "assistant", "content": "I've filed a complaint for the reservation. Anything else?"}]))
        assert "instead" not in said and "in that case" not in said.lower(), said
        assert "my other reservation" in said, said
        asks.add(said)
    assert len(asks) >= 5
    declined = first.model_copy(update={"kind": "decline", "confirm": False})
    user = ScriptedUser(Scenario(goal="file a complaint", requests=[declined, second], knows={}), seed=1)
    assert user._asked_before(1)  # after a no, "In that case, ... instead?" still
