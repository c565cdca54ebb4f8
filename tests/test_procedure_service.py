"""A company's help text on the procedure path (tau2 banking's BNPL, EcoCard, EveryonePay pages): the
service's agent does the act on the customer's record, not the customer's clicks to it (was
`navigate_bnpl_platinum`, `sign_in_account`, `see_cancellation_confirmation`), nor the customer's own
"Confirm activation" (was a flag `activation_confirmed` seeded true on an inactive account). A how-to
worked on the reader's screen keeps every step."""
from __future__ import annotations

from gem_env.documents import Document, Rejection, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.procedure_service import is_service_procedure
from gem_env.stages.extract.steps import analyse_step, procedure_steps
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")

ACTIVATE = ("## Before you start\n"
            "- Ensure your account is eligible to use Gold Plan 12-month financing.\n\n"
            "## Activate 12-month financing\n"
            "1. Sign in to your account and open Settings.\n"
            "2. Navigate to Financing > Gold Plan.\n"
            "3. Select Activate 12-Month Financing and review the terms.\n"
            "4. Confirm activation.\n\n"
            "## Post-activation checks\n"
            "- Initiate a test checkout with an eligible purchase amount to ensure the 12-month financing "
            "option is offered.\n")


def _extract(text: str, title: str) -> Domain | Rejection:
    return OfflineExtractor(archetypes=False).extract(Document(id="d", text=text, title=title), RELEVANT)


def _compiled(domain: Domain | Rejection) -> Domain:
    assert isinstance(domain, Domain), domain
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    assert make_tasks(compiled, per_domain=3)[0]
    return domain


def test_a_service_procedure_is_the_act_on_the_record_not_the_way_to_it() -> None:
    domain = _compiled(_extract(ACTIVATE, "Gold Plan: How to Activate Your Financing"))
    steps = [t.name for t in domain.tools if not t.name.startswith(("get_", "find_"))]
    assert steps == ["activate_12_month_financing"], steps
    flags = [f.name for f in domain.entities[0].fields if f.type == "boolean"]
    # eligibility is a rule before the act; the customer's own confirmation and the check done
    # after it (under "Post-activation checks") are no preconditions
    assert flags == ["account_eligible"], flags


def test_what_the_customer_sees_is_no_step() -> None:
    text = ("## How to cancel\n"
            "- Open Activity and select the pending payment.\n"
            "- Choose Cancel and confirm.\n"
            "- You will see a cancellation confirmation in your activity once complete.\n")
    domain = _compiled(_extract(text, "Cancelling a payment"))
    assert [t.name for t in domain.tools][2:] == ["cancel_payment"], [t.name for t in domain.tools]


def test_a_how_to_pressed_on_a_screen_keeps_its_steps() -> None:
    screen = ACTIVATE.replace("Select Activate", "Tap Activate")
    assert not is_service_procedure(screen, "account")
    assert is_service_procedure(ACTIVATE, "account")
    assert not is_service_procedure(ACTIVATE, "file")  # a how-to on one's own things
    # a summary kept by no company: a CV's, written in no account or app
    assert not is_service_procedure("1. Place the summary at the top.\n2. Review the summary.\n", "summary")
    assert not is_service_procedure("The root account can:\n1. Login to any accounts on the system\n", "account")
    domain = _compiled(_extract(screen, "Gold Plan: How to Activate Your Financing"))
    # (its steps done by the acts of the customer's app, `procedure_acts`: going to the screen among them)
    assert "go_to" in [t.name for t in domain.tools], [t.name for t in domain.tools]


def test_a_service_text_of_nothing_but_the_customers_clicks_is_rejected() -> None:
    text = ("## Access and navigation\n"
            "- Sign in and open the liquidity dashboard from your main navigation\n"
            "- Use the global filters to refine by account, entity, or classification\n")
    got = _extract(text, "Reserve Account: Using the Liquidity Dashboard")
    assert isinstance(got, Rejection) and "customer's own work in the app" in got.reason, got
    # the act left is no act the agent knows: a read of the record dressed as the request
    text = ("## Using the Dashboard\n"
            "- Open the analytics section to review monthly spend, inflows, and net burn.\n"
            "- Categorize transactions to improve accuracy and trend visibility.\n")
    got = _extract(text, "Sky Account: Burn-Rate Analytics")
    assert isinstance(got, Rejection) and "customer's own work in the app" in got.reason, got


def test_a_tool_called_next_is_no_parameter_of_the_first() -> None:
    text = ("IMMEDIATELY use emergency_bureau_transfer_1114() then transfer_to_human_agents. "
            "Use empathetic, urgent language acknowledging the severity.\n")
    steps, _ = procedure_steps(text)
    info = analyse_step(steps[0], text)
    assert info.tool_id == "emergency_bureau_transfer_1114"
    assert info.param_ids == [], info.param_ids
    # a parameter named beside the tool stays one
    text = "Use reset_pin_6284 with parameters card_id, new_pin. Then tell the customer.\n"
    steps, _ = procedure_steps(text)
    assert analyse_step(steps[0], text).param_ids == ["card_id", "new_pin"]


def test_a_company_how_to_of_the_customers_own_steps_is_rejected_not_a_checklist() -> None:
    # a bank's page naming no app: the conversion is the customer's in the app; it was a `do_step`
    # checklist "marked done on your wallet's checklist", which no bank keeps
    text = ("## Converting funds step by step\n"
            "- Choose the source wallet and target currency\n"
            "- Enter an amount that is at least $100\n"
            "- Review the quote, which reflects the markup of 1.5%\n"
            "- Submit the conversion and note the confirmation details for reconciliation\n")
    got = _extract(text, "Navigating Currency Conversions on World Blue")
    assert isinstance(got, Rejection) and "no company keeps a checklist" in got.reason, got
    # the same steps on a thing of one's own stay the guide's checklist
    own = text.replace("source wallet", "source jar").replace("the conversion", "the mix")
    assert isinstance(_extract(own, "Mixing Paint Colours"), Domain)


def test_what_the_customer_downloads_or_picks_in_the_app_is_no_tool_of_the_agent() -> None:
    """"Select the desired period ... Download or share a summary" was `select_desired_period` and
    `download_share_summary` ("I'll download the share summary"); "Follow the redemption flow" was
    `follow_redemption_flow`. A value chosen for the agent's act stays ("Choose the start date" of a
    freeze; "Enter the amount" of a transfer)."""
    text = ("## How to Access Your Reports\n"
            "1. Navigate to the Environmental Impact section in your account dashboard.\n"
            "2. Select the desired period (aligned to the monthly reporting cadence).\n"
            "3. Download or share a summary for your records if needed.\n")
    got = _extract(text, "EcoCard: Tracking Your Environmental Impact")
    assert isinstance(got, Rejection) and "customer's own work in the app" in got.reason, got
    text = ("### How to Claim\n"
            "- Open your perks portal and locate the AWS benefit.\n"
            "- Follow the redemption flow to associate your AWS account.\n"
            "- Confirm credit application status in your perks portal after submission.\n")
    got = _extract(text, "Claiming AWS Credits and Stripe Discounts")
    assert isinstance(got, Rejection) and "customer's own work in the app" in got.reason, got
    text = ("1. Sign in to the Ironleaf app with your member number and email address.\n"
            "2. Open **Membership** and select **Freeze membership**.\n"
            "3. Choose the start date and the number of months.\n"
            "4. Review the freeze fee of $5 per month and confirm.\n")
    domain = _compiled(_extract(text, "Freeze your gym membership"))
    assert len(domain.tools) == 3, [t.name for t in domain.tools]


def test_a_preposition_of_degree_ends_the_tools_object() -> None:
    text = ("## Customizing alerts\n"
            "- Adjust your alert threshold above or below $100 to match your typical transaction sizes.\n"
            "- Set delivery preferences for push or email notifications in your account.\n")
    domain = _compiled(_extract(text, "Spending Alerts on Hunter Green"))
    assert "adjust_alert_threshold" in [t.name for t in domain.tools], [t.name for t in domain.tools]
