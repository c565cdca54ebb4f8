"""The prompt's "Policy:" block holds the text's sentences a support agent reads as rules
(`read_as_policy`), never a table row, a heading, a form's label, a placeholder, a cut sentence, a
click-path on the customer's screen or a step with a console or tool the service has none of; the
domain keeps every sentence the text states (its provenance, and what the task builder reads)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gem_env.documents import Verdict
from gem_env.io.corpus import iter_documents
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.ground.episode import policy_prompt
from gem_env.stages.ground.policy_lines import policy_lines, read_as_policy
from gem_env.tools import Domain

ROOT = Path(__file__).resolve().parents[1]


def _example(rel: str) -> Any:
    doc = next(iter_documents([ROOT / "examples" / "corpus" / rel]))
    return check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))


@pytest.mark.parametrize("text", [
    # placeholders, table rows, markdown left as it was
    "If approved, your initial BNPL Gold credit limit will fall between [value not available] and [value not available].",
    "| Fee waiver balance threshold | $500,000 | Balance required to waive the monthly maintenance fee |",
    "| 8-10 | HIGH | Must ask specific questions about location and time.",
    # headings, lead-ins and form labels
    "Tool signature (call directly; do not surface to the customer):",
    "Gather required inputs:",
    "Required Security Check",
    "Agent Tool Usage (Internal Only)",
    "Step 0: Confirm Requested Amount is Within Limits",
    "Threshold not met?",
    "Username - occasionally, the customer may not remember their username.",
    "amount: the required opening deposit amount confirmed with the customer.",
    "credit_type (string): Must be one of 'interest_correction', 'fee_refund', or 'goodwill_credit'",
    "Ongoing minimum balance: Not required",
    # cut sentences
    "If the status does not make sense (ie.",
    "Apologise, explain that the fee was",
    "there was a price surge at that time), and remember to mark the conversation as complete.",
    "% cash back on eligible purchases.",
    "There cannot be any change of product types, e.g.",
    "To get their username, you must That\u2019s it.",
    "Cannot be sequential (e.g., 1234, 4321)",
    "If the customer is not satisfied with your answer, and would like to change their refund",
    "Only if the customer authorizes transferring the opening deposit now.",
    "Required for Reg E provisional credit eligibility.",
    # a console, a tool or a step the service has none of
    "[Ask the Oracle] (kb query): To decide whether or not this is a valid error:",
    "If the Oracle says No, then the customer does not get the refund",
    "They must provide 3 out of 7 of the items below which you you enter into [Verify Identity]",
    "If the new item cannot be added, then apologize and mark the conversation as not successful in the survey.",
    "If yes, use transfer_funds_between_bank_accounts_7291 to transfer the required amount.",
    "Use the get_closure_reason_history_8293 tool to check for closure reasons within the past year.",
    "The API does not check these for the agent, so the agent must make sure the rules apply before calling the API!",
    "If the item is 'Order Received' > Then the company has received the order > Move onto the next step",
    # the customer's own screen, and text the policy does not show
    "Select **Spending Limit** and enter the desired amount within 55\u2013$150,000.",
    "Align the check within the on-screen guidelines; refocus by tapping the screen if needed.",
    "Verify the customer meets one of the eligible circumstances listed above",
    "Do not offer compensation for any other reason than the ones listed above.",
    "If this is not the case, proceed to Step 6.",
    "Note:** This parameter records metadata only; the agent must separately perform the indicated card action.",
])
def test_a_non_rule_is_no_line_of_the_policy(text: str) -> None:
    assert read_as_policy(text, frozenset({"transfer_funds"})) == ""


@pytest.mark.parametrize("text, said", [
    # a guideline's console tag, bold, a note's label and a bullet go; the sentence stays whole
    ("[Record Reason] (interaction): To change the phone number, they must be able to provide their current number.",
     "To change the phone number, they must be able to provide their current number."),
    ("Account Age**: The account must be at least 60 days old", "Account Age: The account must be at least 60 days old."),
    ("If the status is **flying**, the flight has taken off but not landed, cannot be booked.",
     "If the status is flying, the flight has taken off but not landed, cannot be booked."),
    ("Note: Third-party ATMs may have their own limits that Rho-Bank cannot override.",
     "Third-party ATMs may have their own limits that Rho-Bank cannot override."),
    ("`Light` fares cannot be changed.", "Light fares cannot be changed."),
    # a list's whole clause gets its stop; a fee's term is one
    ("Customer must be verified", "Customer must be verified."),
    ("Early closure fee: $15 if closed within 30 days", "Early closure fee: $15 if closed within 30 days."),
    ("Frequency**: Only one temporary increase per 24-hour period per card",
     "Frequency: Only one temporary increase per 24-hour period per card."),
    # an inline list's numbers close no bracket; a heading the sentence came with goes
    ("Eligibility requirements: 1) Customer must be verified, 2) Must have held their checking account for at least "
     "14 days.", "Eligibility requirements: 1) Customer must be verified, 2) Must have held their checking account for "
                 "at least 14 days."),
    ("Prerequisites for Mobile Data\n\nFor mobile data to work, the user must first have cellular service.",
     "For mobile data to work, the user must first have cellular service."),
    # an agent's own step and a tool the service has
    ("Do not apply credits for any other reason without supervisor approval.",
     "Do not apply credits for any other reason without supervisor approval."),
    ("Use transfer_funds to move money between the customer's accounts.",
     "Use transfer_funds to move money between the customer's accounts."),
    # a tool the service has under its own name ("transfer_funds")
    ("Use transfer_funds_between_bank_accounts_7291 to move the opening deposit.",
     "Use transfer_funds_between_bank_accounts_7291 to move the opening deposit."),
    ("Customer must be the owner of the debit card (verify user_id matches)",
     "Customer must be the owner of the debit card (verify user_id matches)."),
])
def test_a_rule_is_said_whole_without_its_markup(text: str, said: str) -> None:
    assert read_as_policy(text, frozenset({"transfer_funds"})) == said


def test_where_the_text_speaks_to_the_customer_their_steps_are_no_rules() -> None:
    """A product page's "Share referral invitations only with ..." is the customer's step; in an agent's guide "Confirm the
    rebate has not already been applied" is the agent's, and stays."""
    step = "Share referral invitations only with contacts who have given permission to receive them."
    assert read_as_policy(step, to_customer=True) == ""
    assert read_as_policy(step, to_customer=False) == step
    rule = "Self-referrals are not permitted."
    assert read_as_policy(rule, to_customer=True) == rule


def test_a_step_that_states_a_price_gives_the_price_as_policy() -> None:
    """"4. Check the price: $35 for the first extra bag and $50 for each one after it." is the
    customer's step on a page that speaks to them, and was left out with it, though the assistant
    changes bags (5 examples sessions in round 59); the price it states is policy. A step naming
    no price, or naming one with no sum, stays out; a label stating a sum ("Minimum opening
    deposit: $25") was kept, and is now also kept by the extraction, which had no rule word for it."""
    step = "Check the price: $35 for the first extra bag and $50 for each one after it."
    assert read_as_policy(step, to_customer=True) == "The price is $35 for the first extra bag and $50 for each one after it."
    assert read_as_policy("Review the fees: $5 a month for paper statements.", to_customer=True) \
        == "The fees are $5 a month for paper statements."
    assert read_as_policy("Check the status: it shows as shipped.", to_customer=True) == ""
    assert read_as_policy("Check the price before you pay.", to_customer=True) == ""
    bags = policy_lines(_example("airline/add-checked-baggage.md").domain)
    assert "The price is $35 for the first extra bag and $50 for each one after it." in bags, bags
    savings = policy_lines(_example("bank/open-a-savings-account.md").domain)
    assert "Minimum opening deposit: $25." in savings, savings


def test_the_policy_keeps_the_texts_rules_and_leaves_out_what_is_none() -> None:
    """The dispute page's rules stay, said as an agent reads them; its "Choose a reason: `fraud`, ..."
    (a step on the customer's form) goes from the prompt but stays in the domain, which says what
    the text says; every line is a whole sentence with no markup."""
    domain = _example("bank/dispute-a-charge.md").domain
    lines = policy_lines(domain)
    assert "You must dispute within 60 days of the statement date that first showed the charge." in lines
    assert "Charges under $5 are not eligible." in lines
    assert "We give you a dispute number (for example DSP-77031) and reply within 10 business days." in lines
    assert not any(line.startswith("Choose a reason") for line in lines), lines
    assert any(p.text.startswith("Choose a reason") for p in domain.policy)
    assert all(re.search(r"[.!?]\)?$", line) and not re.search(r"\*\*|`|\[|\|", line) for line in lines), lines


def test_a_sentence_a_tool_checks_stays_whatever_its_form() -> None:
    """A refusal cites the rule its tool checks: that sentence is in the prompt even where it reads
    as the customer's step ("Wait until ... before ..."), or the assistant would cite a rule it was not given."""
    data = _example("bank/dispute-a-charge.md").domain.model_dump(mode="json", by_alias=True, exclude_none=True)
    rule = "Wait until a pending charge posts before you dispute it."
    for tool in data["tools"]:
        for step in tool.get("effect") or []:
            if step.get("message") == "Pending transactions cannot be disputed; wait until they post.":
                step["message"] = rule
    for p in data["policy"]:
        if p["text"].startswith("Pending transactions"):
            p["text"] = rule
    domain = Domain.model_validate(data)
    assert read_as_policy(rule, to_customer=True) == ""
    assert rule in policy_lines(domain)
    assert f"- {rule}" in policy_prompt(domain).splitlines()


def test_no_placeholder_console_tag_or_missing_tool_reaches_the_prompt() -> None:
    """A guideline's text the extractor kept as policy ("[Ask the Oracle] (kb query): ...", "which you
    enter into [Verify Identity]", "[value not available]") is in the domain and not in the prompt."""
    data = _example("shop/extra-fee-on-an-order.md").domain.model_dump(mode="json", by_alias=True, exclude_none=True)
    noise = ["[Ask the Oracle] (kb query): To decide whether or not this is a valid error:",
             "They must provide 3 out of 7 of the items below which you you enter into [Verify Identity]",
             "The standard repayment term is [value not available] months.",
             "Tool signature (call directly; do not surface to the customer):"]
    data["policy"] += [{"id": f"X{k}", "text": text} for k, text in enumerate(noise)]
    domain = Domain.model_validate(data)
    prompt = policy_prompt(domain)
    assert not re.search(r"Oracle|Verify Identity|value not available|Tool signature", prompt), prompt
    assert [p.text for p in domain.policy][-4:] == noise


def test_an_mcp_clients_instructions_give_the_policy_the_prompt_gives() -> None:
    """The MCP server's instructions listed the domain's raw policy text ("Choose a reason: `fraud`, ...");
    they give the same lines as the assistant's prompt."""
    pytest.importorskip("mcp")
    from gem_env.integrations.mcp_server import _instructions
    compiled = _example("bank/dispute-a-charge.md")
    said = [line[2:] for line in _instructions(compiled, "reset_sandbox").splitlines() if line.startswith("- ")]
    assert said == list(policy_lines(compiled.domain)) and not any("Choose a reason" in line for line in said)


def test_a_heading_or_a_cut_line_is_no_outcome_of_the_prompt() -> None:
    """The extra-fee page's title ("An extra fee on your order") and a line cut at its wrap
    ("Apologise, explain that the fee was") were listed as outcomes the assistant tells."""
    lines = policy_lines(_example("shop/extra-fee-on-an-order.md").domain)
    assert not any(line.startswith(("An extra fee on your order", "Apologise, explain")) for line in lines), lines
    assert "A cancelled order cannot have its fee removed, because nothing was charged." in lines


def test_an_eligibility_rule_no_tool_checks_is_left_out_of_the_prompt() -> None:
    """A checklist's requirement the sandbox does not check ("Customer must have the physical card in
    their possession", "Savings accounts ... are not eligible") stays in the text but not in the
    prompt: the assistant would be shown it and then write past it. One a check covers stays, known
    by a figure it states, a status it names, its words or a verified flag."""
    from gem_env.stages.ground.policy_lines import unenforced_eligibility
    checks = [("days_between(card_row.issued_on, today) >= 14", "The debit card must have been active for at least 14 days."),
              ("count_rows('transactions', {card_id: card_row.card_id, status: 'pending'}) == 0",
               "A card with pending transactions cannot be closed"),
              ("customer_row.verified", "A new account needs the customer's identity to be verified"),
              ("account_row.account_type != 'savings' or len([x for x in rows('accounts', {customer_id: "
               "account_row.customer_id, account_type: 'checking', status: 'open'})]) > 0",
               "To close this account, you must have at least one active business checking account remaining")]
    for enforced in ("Minimum card age: The debit card must have been active for at least 2 weeks.",
                     "No pending transactions: The card must not have any pending or processing transactions.",
                     "Customer must be verified.",
                     "Customer must have at least one active business checking account remaining.",
                     "Transfers arrive within 1 business day."):  # no requirement: a timing
        assert not unenforced_eligibility(enforced, checks), enforced
    for unchecked in ("Customer must have the physical card in their possession.",
                      "Card must not be expired (check expiration_date).",
                      "Some checks are not eligible for mobile deposit (for example, altered checks).",
                      "Account Age: The account must be at least 60 days old.",
                      "Customer cannot exceed 3 replacement cards per year."):
        assert unenforced_eligibility(unchecked, checks), unchecked
    d = _example("bank/freeze-a-card.md")
    lines = policy_lines(d.domain)
    assert lines and not any(unenforced_eligibility(x, [(s.require, s.message) for t in d.domain.tools
                                                        for s in t.effect if hasattr(s, "require")]) for x in lines)
