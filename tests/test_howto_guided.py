"""A how-to's steps that only the customer can take (plug in their Wii, catch a Vulpix, tap a button on
their phone) are guided, not claimed (s56 review items 1 and 2): the tool records what the customer
reports done, the assistant gives the steps and asks whether to mark them done on the checklist, and
its close says what the record now shows, never "I've connected a Wii to HD TV". A software guide's
own command tools stay service actions. A command dump or a supposition is no step."""
from __future__ import annotations

import random
import re

import pytest

from gem_env.agents import guided as G
from gem_env.documents import Document
from gem_env.simulators import phrases as P
from gem_env.tools import compile_domain
from gem_env.tools.kinds import customer_step

from howto_helpers import guide_domain, rolled_out

WII = Document(id="openpi:Connect-a-Wii", title="How to Connect a Wii to HD TV", text=(
    "1. Plug in your HDMI cord to the cable.\n"
    "2. Plug it into your TV's HDMI input.\n"
    "3. Plug it into your Wii's AV Composite Output instead of putting in the Composite cord.\n"
    "4. Plug your HDMI cord into the converter and your TV.\n"))
#: a claim of having done the customer's task ("I've connected a Wii to HD TV", "I have plugged ...")
_CLAIM = re.compile(r"\bI(?:'ve| have)(?: just| now)? (?!marked)(?:connected|plugged|done|taken care)\b", re.IGNORECASE)


def test_a_step_only_the_customer_can_take_is_recorded_not_done() -> None:
    """The step tools say they record what the customer did (an LLM agent reads it so too)."""
    writes = [t for t in guide_domain(WII).tools if t.kind == "write"]
    assert writes and all(customer_step(t.description) for t in writes), [t.description for t in writes]
    assert all("Carry out" not in t.description for t in writes)


async def test_the_assistant_guides_the_steps_and_says_what_the_record_shows() -> None:
    compiled = compile_domain(guide_domain(WII))
    trajectories = await rolled_out(compiled, per_domain=4)
    assert trajectories
    wrote = 0
    for traj in trajectories:
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        said = [m["content"] for m in traj.messages if m["role"] == "assistant" and not m.get("tool_calls")]
        assert not any(_CLAIM.search(s) for s in said), said
        calls = [i for i, m in enumerate(traj.messages) if m["role"] == "assistant" and m.get("tool_calls")
                 and any(c["function"]["name"] == "do_step" for c in m["tool_calls"])]
        if not calls:
            continue
        wrote += 1
        asked = [m["content"] for m in traj.messages[:calls[0]] if m["role"] == "assistant" and not m.get("tool_calls")]
        assert "Plug it into your TV's HDMI input." in asked[-1] and "checklist" in asked[-1], asked[-1]
        told = [m["content"] for m in traj.messages[:calls[0]] if m["role"] == "user"][-1]
        assert told in P.DONE_YES, told  # the customer says they did the steps before any is marked
        assert any("marked" in s and "checklist" in s for s in said[-2:]), said
    assert wrote


def test_guidance_leaves_out_lines_that_are_no_instruction() -> None:
    said = G.instructions(['#set_var EASYRSA_REQ_CN "ChangeMe"', "Request subject, to be signed for 825 days:",
                           "Suppose your hostname is foo, the login prompt looks as follows.",
                           "Once connected, the administrator can see what is going on.",
                           "Tap the icon that is blue", "Tap the icon that is blue"])
    assert said == ["Tap the icon that is blue."]


def test_a_yes_to_guidance_says_the_steps_are_done_and_reads_as_yes() -> None:
    from gem_env.agents.understanding import yes_or_no
    from gem_env.simulators.base import asks_confirmation
    for seed in range(8):
        text = G.confirm(random.Random(seed), "connect a Wii to HD TV", ["Plug it in."], "your Wii")
        assert asks_confirmation(text) and P.yes_to(text) is P.DONE_YES
        effect = G.effect(random.Random(seed), "your Wii")
        assert asks_confirmation(effect) and P.yes_to(effect) is P.DONE_YES
    assert all(yes_or_no(y) is True for y in P.DONE_YES)
    assert P.yes_to("I'll freeze your card CRD-1. Shall I go ahead?") is P.YES


@pytest.mark.parametrize("step", ['#set_var EASYRSA_SSL_CONF "$EASYRSA/openssl-easyrsa.cnf" #set_var EASYRSA_DIGEST "sha256"',
                                  "Suppose your hostname is foo, the login prompt looks as follows."])
def test_a_command_dump_or_a_supposition_is_no_step_to_call(step: str) -> None:
    doc = Document(id="d", title="How to Make a Certificate", text=(
        f"1. {step}\n2. Type the word yes to continue.\n3. Confirm the request details.\n"))
    calls = [str(s.args) for w in guide_domain(doc).workflows for s in w.steps]
    assert calls and not any("EASYRSA" in c or "suppose" in c.lower() for c in calls), calls
