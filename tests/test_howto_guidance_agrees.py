"""The guidance a how-to's customer gets and the checklist the assistant then marks agree (s57 items 2
and 4): the numbered steps told are the steps the writes mark, in order, so "I've marked the steps done
on your map's checklist" is of steps the customer was told; a note the checklist does not mark ("Know
that ...") is not told as a step, and a command it marks is told. Before guidance, a customer whose
earlier try failed hears nothing the assistant would do itself ("I can take care of it here.")."""
from __future__ import annotations

import json
import re

import pytest

from gem_env.agents import banks as B
from gem_env.agents import guided as G
from gem_env.agents.workflow_agent import _heard_trouble
from gem_env.documents import Document
from gem_env.tools import compile_domain
from gem_env.tools.kinds import customer_step

from howto_helpers import guide_domain, rolled_out

HALO = Document(id="openpi:Halo", title="How to Get out of Maps on Halo 3", text=(
    "1. Make a Mongoose on Valhalla at the edge of the map (the water side).\n"
    "2. Know that the map edge is guarded by a force field.\n"
    "3. Make a Wraith about 2 meters back, then ram the accelerating Mongoose.\n"
    "4. For a split second the Mongoose will go out the map.\n"))
_ITEM = re.compile(r"^\d+\. (.+)$", re.M)


async def test_the_steps_told_are_the_steps_the_checklist_marks() -> None:
    domain = guide_domain(HALO)
    assert "Know that the map edge is guarded by a force field." in domain.guide  # (the prompt still has it)
    compiled = compile_domain(domain)
    marks = {t.name for t in domain.tools if customer_step(t.description)}
    checked = 0
    for traj in await rolled_out(compiled, per_domain=4):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        guidance = [m["content"] for m in traj.messages if m["role"] == "assistant" and m.get("content")
                    and G.GUIDANCE.search(m["content"])]
        if not guidance:
            continue
        told = _ITEM.findall(guidance[-1])
        assert not any(t.startswith("Know that") for t in told), told
        ids = {c["id"] for m in traj.messages for c in m.get("tool_calls") or [] if c["function"]["name"] in marks}
        marked = [json.loads(m["content"])["progress"] for m in traj.messages
                  if m["role"] == "tool" and m.get("tool_call_id") in ids]
        if not marked:
            continue  # declined: nothing marked
        checked += 1
        assert len(told) == len(marked), (told, marked)
        for step, line in zip(marked, told):
            assert line.lower().startswith(step.lower()), (step, line)
    assert checked


def test_a_marked_step_is_told_as_the_guide_words_it_and_a_note_is_not() -> None:
    guide = ["Then you can move your cursor.", "Know that the editor saves on exit.",
             "export EDITOR=mcedit export VISUAL=mcedit", "Start the editor.\u2026"]
    spans = ["Then you can move\n   your cursor.", "export EDITOR=mcedit\n export VISUAL=mcedit",
             "Start the editor.\u2026"]
    # (a command keeps its own first letter: "Export EDITOR=mcedit" is no command)
    assert G.marked(guide, spans) == ["Then you can move your cursor.", "export EDITOR=mcedit export VISUAL=mcedit.",
                                      "Start the editor.\u2026"]
    assert G.marked(guide, [*spans, None]) == []  # a write without its text: the guide's instructions then
    # a guide line said with what its text shows, or without its pointer, is the line of its step
    shown = ["Check results of the following command: \"aptitude search '~c'\".", "Start exim4."]
    assert G.marked(shown, ["Check results of the following\n command.", "Start exim4 by the following."]) == shown


def test_a_guided_reply_after_trouble_promises_nothing_the_assistant_does() -> None:
    messages = [{"role": "system", "content": "x"},
                {"role": "user", "content": "Hi, I tried to do this in the app and it didn't work."}]
    guidance = "Here's how to connect a Wii:\n1. Plug it in.\nOnce you've done it, would you like me to mark it done on the checklist for your Wii?"
    leads = set()
    for k in range(40):  # every lead the bank has (the seed is the customer's first words)
        first = {"role": "user", "content": f"Hi {k}, I tried to do this in the app and it didn't work."}
        out = _heard_trouble({"role": "assistant", "content": guidance}, [messages[0], first])
        leads.add(out["content"].split("Here's how")[0].strip())
    assert len(leads) == len(B.TROUBLE_GUIDED) and not any("take care of it" in lead for lead in leads), leads
    done = _heard_trouble({"role": "assistant", "content": "I've frozen your card."}, messages)
    assert done["content"].split(" I've frozen")[0] in B.TROUBLE  # a service's own act keeps its lead


def test_a_try_the_following_step_is_told_as_running_what_is_shown() -> None:
    """The step "For example, try the following" (its span) is the guide's 'Run "script".'; it was told
    as "1. For example, try the following." while the checklist marked "run script"."""
    guide = ['Run "script".', "Press Ctrl-D to exit script."]
    assert G.marked(guide, ["For example, try the following", "Press Ctrl-D to exit script."]) == guide
    assert G.instructions(["ls -l /etc", "open the file"]) == ["ls -l /etc.", "Open the file."]


POLE = Document(id="openpi:Pole", title="How to Rig a Fishing Pole for Bass Fishing", text=(
    "1. Select the right kind of rod for bass fishing.\n"
    "2. Pick a reel based on your skill level.\n"
    "3. Choose the right fishing line for bass.\n"
    "4. Thread the line through the ceramic guides on the pole.\n"
    "5. Tie a hook or lure at the end of the line.\n"))


PICTURE = Document(id="wikihow-goal-step:879", title="How to Hide Your Profile Picture on Facebook - Using a Computer",
                   text=("1. Open Facebook in your internet browser.\n2. Click your profile picture or name on the "
                         "top-left.\n3. Click the Photos tab on your profile page.\n4. Click the Albums tab on the "
                         "Photos page.\n5. Click the Profile Pictures album.\n6. Click the picture you want to hide.\n"
                         "7. Click the tiny globe icon below your name on the top-right.\n8. Select Only me on the "
                         "drop-down menu.\n"))


@pytest.mark.parametrize("doc,step,count", [(POLE, "Pick a reel based on your skill level.", 5),
                                            (PICTURE, "Click the picture you want to hide.", 8)])
async def test_a_step_that_checks_what_the_customer_gives_is_told_too(doc: Document, step: str, count: int) -> None:
    """"Pick a reel based on your skill level" (its tool checks the level the customer gives), "Click
    the picture you want to hide" (it checks the picture's name) were left out of the steps told, then
    called with the rest: the customer was told four steps of five."""
    domain = guide_domain(doc)
    compiled = compile_domain(domain)
    told_any = False
    for traj in await rolled_out(compiled, per_domain=3):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        guidance = [m["content"] for m in traj.messages if m["role"] == "assistant" and m.get("content")
                    and G.GUIDANCE.search(m["content"]) and _ITEM.search(m["content"])]
        if guidance:
            told = _ITEM.findall(guidance[-1])
            assert step in told, told
            assert len(told) == count, told
            told_any = True
    assert told_any
