"""Procedure domains from a bank's help-centre pages (the τ²-bench banking knowledge base): what a
reviewer found said wrong in their sessions, each from a small page of the same shape."""
from __future__ import annotations

import asyncio

from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.documents import Document, Rejection, Verdict
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import Domain, compile_domain

RELEVANT = Verdict(id="x", relevant=True, score=0.9, reason="steps")


def _sessions(doc_id: str, title: str, text: str, per_domain: int = 8) -> tuple[Domain, list[tuple[object, list[dict]]]]:
    """The domain a page becomes and its sessions (task, messages), every one verified."""
    domain = OfflineExtractor().extract(Document(id=doc_id, title=title, text=text), RELEVANT)
    assert isinstance(domain, Domain), domain
    compiled = compile_domain(domain)
    tasks, _ = make_tasks(compiled, per_domain=per_domain, seed=0)
    assert tasks
    jobs = [RolloutJob(t, compiled, RefinedAgent(WorkflowAgent(compiled)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    runs = asyncio.run(run_rollouts(jobs))
    assert all(verify(t, r.messages, compiled).passed for t, r in zip(tasks, runs))
    return domain, [(t, r.messages) for t, r in zip(tasks, runs)]


def _said(sessions: list[tuple[object, list[dict]]], role: str = "assistant") -> str:
    return " ".join(m.get("content") or "" for _, ms in sessions for m in ms if m["role"] == role)


SPLIT = ("## Confirm the total and approach\n"
         "- Verify the total you plan to split is within $5,500. If it exceeds this, reduce the total or separate "
         "the split.\n"
         "- Choose a split method appropriate to the bill type:\n"
         "  - Restaurants: Consider itemized or percentage-based shares.\n"
         "  - Rent: Consider fixed shares (equal or custom) based on room size or agreements.\n\n"
         "### Review before sending\n"
         "- Confirm the sum of all shares equals the total and remains under $5,500.\n"
         "- Add clear notes so each participant understands their portion and the reason for their share.\n")


ALERTS = ("## Customizing alerts\n"
          "- Adjust your alert threshold above or below $1,500 to match your typical transaction sizes.\n"
          "- Set delivery preferences for push or email notifications in your account.\n")


def test_an_amount_with_a_thousands_comma_is_never_cut() -> None:
    from gem_env.stages.extract.procedure_tools import said_step
    assert said_step("Verify the total you plan to split is within $5,500. If it exceeds this, reduce it.") \
        == "verify the total you plan to split is within $5,500"
    assert said_step("Insert your key into the ignition slot, and turn it") == "insert your key into the ignition slot"
    # (the split page itself is the customer's own work in the app since round 58: rejected, its reason said)
    got = OfflineExtractor().extract(Document(id="split", title="Splitting restaurant or rent bills", text=SPLIT),
                                     RELEVANT)
    assert isinstance(got, Rejection) and "no company keeps a checklist" in got.reason, got
    domain, sessions = _sessions("alerts", "Spending Alerts on Hunter Green", ALERTS)
    import re
    every = domain.model_dump_json() + _said(sessions)
    assert "$1,500" in every and not re.search(r"\$1(?![,\d])", every)


INVESTOR = ("## Building Your Investor Packet\n"
            "- Choose the reporting period in your analytics or reporting section.\n"
            "- Add narrative context for material variances and one-time items.\n\n"
            "## Workflow Tips\n"
            "- Lock your dataset before exporting to prevent late changes.\n"
            "- Export your packet and store a versioned copy for audit consistency.\n")


def test_a_product_name_before_the_colon_stays_a_name() -> None:
    from gem_env.stages.extract.procedure_values import plain_title
    assert plain_title("Sky Blue: Preparing Investor Reports").startswith("Sky Blue: ")
    assert plain_title("Block a Website with an Internet Filter") == "block a website with an internet filter"
    # (the investor packet is the customer's own work in the app since round 58: rejected; a page of the
    # same product whose act is the service's keeps its name)
    got = OfflineExtractor().extract(Document(id="sky", title="Sky Blue: Preparing Investor Reports", text=INVESTOR),
                                     RELEVANT)
    assert isinstance(got, Rejection), got
    _, sessions = _sessions("sky", "Sky Blue: How to Activate Overdraft Protection", ACTIVATE)
    said = _said(sessions) + _said(sessions, "user")
    assert "sky Blue" not in said and "of the Sky Blue" not in said and "care of Sky Blue" not in said


ACTIVATE = ("## Activate overdraft protection\n"
            "1. Sign in to your account and open Settings.\n"
            "2. Navigate to Protection > Sky Blue.\n"
            "3. Select Activate Overdraft Protection and review the terms.\n"
            "4. Confirm activation.\n")

CLAIM = ("## AWS Credits\n- Value: $2,750.\n\n"
         "### How to Claim\n"
         "- Open your perks portal and locate the AWS benefit.\n"
         "- Follow the redemption flow to associate your AWS account.\n"
         "- Confirm credit application status in your perks portal after submission.\n")


def test_a_value_the_record_had_before_the_change_is_not_said_as_now_reached() -> None:
    import re
    # (the claim's steps are the customer's own in the perks portal since round 58: rejected; an alert
    # read before its change holds its status as well)
    got = OfflineExtractor().extract(Document(id="claim", title="Claiming AWS Credits", text=CLAIM), RELEVANT)
    assert isinstance(got, Rejection), got
    _, sessions = _sessions("alerts", "Spending Alerts on Hunter Green", ALERTS, per_domain=10)
    opened = 0
    for _, ms in sessions:
        before: dict[str, str] = {}
        for m in ms:
            if m["role"] == "tool" and '"progress": "not started"' in m["content"].replace('":"', '": "'):
                before = dict(re.findall(r'"(\w*status)":"([^"]+)"', m["content"]))
                opened += bool(before)
            if m["role"] == "assistant" and m.get("content"):
                for k, v in before.items():
                    name = k.replace("_", " ")
                    assert not re.search(rf"(?:now shows as|{name} is now|It's now) {v}\b", m["content"]), m["content"]
    assert opened  # (a record read before its change)


REDEEM = ("## Redemption Steps\n"
          "1. Go to Rewards in your account and select Redeem.\n"
          "2. Choose your redemption amount (at or above the minimum).\n\n"
          "## Tips for a Smooth Redemption\n"
          "- If you recently returned a purchase, wait for any point reversals to settle before redeeming.\n")


def test_a_refusal_asks_for_no_value_it_does_not_need() -> None:
    _, sessions = _sessions("eco", "EcoCard: Redeeming Points for Rewards", REDEEM, per_domain=10)
    refused = [ms for t, ms in sessions if t.category == "refuse"]
    assert refused
    for ms in refused:
        said = " ".join(m.get("content") or "" for m in ms if m["role"] == "assistant")
        assert "redemption amount" not in said, said  # the rule it refuses by reads the reward, not the amount
    asked = [ms for t, ms in sessions if t.category == "complete"]
    assert asked and all(any("redemption amount" in (m.get("content") or "") for m in ms) for ms in asked)


REDEEM_POINTS = ("## When You Can Redeem\n- You need at least $3,000 points available to initiate a redemption.\n\n"
                 "## How Value Is Calculated\n- Redemptions are valued at $0.01 per point.\n"
                 "- Example conversions:\n  - Redeeming 5,000 points yields 5,000 × $0.01 in value.\n"
                 "  - Redeeming 20,000 points yields 20,000 × $0.01 in value.\n\n" + REDEEM)


def test_an_amount_the_page_counts_in_points_is_said_in_points() -> None:
    """EcoCard's redemption amount was asked and said as money ("That would be $77.49.", "with the
    redemption amount set to $77.49") of a page whose redemptions are points, at least 3,000 of them
    (round 61's "left"): it is a number of the page's points, asked "how many", said as points."""
    from gem_env.stages.extract.procedure_fields import _in_points
    assert _in_points("redemption_amount", REDEEM_POINTS) == [3000, 5000, 20000]
    assert _in_points("refund_amount", REDEEM_POINTS) == []  # (an amount the page does not count in points)
    assert _in_points("redemption_amount", REDEEM) == []
    domain, sessions = _sessions("eco", "EcoCard: Redeeming Points for Rewards", REDEEM_POINTS, per_domain=10)
    fields = {f.name: f for f in domain.entities[0].fields}
    assert "redemption_amount" not in fields and fields["redemption_points"].type == "integer", list(fields)
    said = _said(sessions) + " " + _said(sessions, "user")
    assert "$" not in said.replace("$3,000 points", ""), said
    asked = [ms for t, ms in sessions if t.category == "complete"]
    assert asked and all(any("redemption points" in (m.get("content") or "") for m in ms if m["role"] == "assistant")
                         for ms in asked)
    for t, ms in sessions:  # the rule on the reward is still checked before any amount is asked
        if t.category == "refuse":
            assert "redemption points" not in _said([(t, ms)]), _said([(t, ms)])
