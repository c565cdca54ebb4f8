"""A how-to step that lasts longer than a visit is not reported done in it (review 59, row 11): "5. Wait
24 hours." (a golden shovel in Animal Crossing), "Try streaming for at least 3 months before returning
to cable" were answered at once "Okay, all done on my side." and all marked on the checklist. The
customer does the steps before the wait in the visit; the guidance says which step waits and how
long, asks to mark the steps before it, and the checklist marks only those."""
from __future__ import annotations

import json
import random
import re

from gem_env.agents import guided as G
from gem_env.documents import Document, Rejection
from gem_env.simulators import phrases as P
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.tools import Domain, compile_domain
from gem_env.tools.kinds import customer_step, takes_time

from howto_helpers import extracted, guide_domain, rolled_out

SHOVEL = Document(id="openpi:Golden-Shovel", title="How to Get a Golden Shovel in Animal Crossing Wild World", text=(
    "1. Buy two shovels from Tom Nook's store.\n2. Equip yourself with one of the shovels.\n"
    "3. Dig a hole with the shovel.\n4. Go into your inventory and select the other shovel.\n5. Wait 24 hours.\n"))
ROSES = Document(id="openpi:Golden-Roses", title="How to Get Golden Roses on Animal Crossing City Folk", text=(
    "1. Get a Golden Watering Can by having a perfect town for 15 days.\n"
    "2. Breed a Black Rose by planting two Red Roses right next to each other.\n"
    "3. Keep the Black Rose outside until it wilts.\n4. Water the Black Rose using the Golden Watering Can.\n"))
_ITEM = re.compile(r"^\d+\. (.+)$", re.M)


def test_a_steps_duration_is_read_from_its_words() -> None:
    assert takes_time("Wait 24 hours.") == "24 hours"
    assert takes_time("Try streaming for at least 3 months before returning to cable.") == "at least 3 months"
    assert takes_time("Do this routine for about 4 days or until the female gets fat.") == "about 4 days"
    assert takes_time("Let the glue dry overnight.") == "overnight"
    assert takes_time("Keep the Black Rose outside until it wilts.") == ""
    assert takes_time("Repeat until you have 1k of logs, then you can sell them for loads of GP!") == ""
    # done within the chat: minutes, a span in a condition, a thing's own length, a program's prompt
    for now in ("Wait 15 minutes and reconnect your battery.", "Leave your computer turned off for a few minutes.",
                "Email iTunes if you don't mind waiting a few days.", "Rent a car for 3 days.",
                "Request subject, to be signed as a server certificate for 825 days:",
                "Cut them until you have a full inventory.", "Wait until the light turns green.", "Click OK."):
        assert takes_time(now) is None, now


def test_the_visit_records_the_steps_before_a_wait_and_the_guide_keeps_the_rest() -> None:
    domain = guide_domain(SHOVEL)
    assert domain.guide[-1] == "Wait 24 hours."  # (the guide the prompt shows has it)
    marked = [s for w in domain.workflows for s in w.steps
              if customer_step(next(t.description for t in domain.tools if t.name == s.tool))]
    assert marked and not any("wait" in (s.span.text if s.span else "").lower() for s in marked), marked
    # a guide whose first step lasts 15 days leaves nothing to report done in a visit
    out = extracted(ROSES)
    assert isinstance(out, Rejection) and "longer than a visit" in out.reason, out


def test_the_guidance_says_which_step_waits_and_asks_to_mark_those_before_it() -> None:
    guide = ["Call your cable provider.", "Cancel your cable, but retain your high-speed Internet.",
             "Try streaming for at least 3 months before returning to cable.", "Try a new cable provider if you go back."]
    told = G.told(guide, guide[:2])
    assert told == guide  # ("Try ..." is no action verb of `_ACTS`: after a wait every step is told)
    assert G.later(told, G.marked(guide, guide[:2])) == 2
    assert G.later(told, G.marked(guide, guide)) == 0  # marked: a service's own step, said as before
    said = {G.confirm(random.Random(seed), "watch TV without cable", told, "your cable contract", later=2)
            for seed in range(20)}
    for s in said:
        assert "Step 3 takes at least 3 months, so it and the steps after it are for later." in s, s
        assert "steps 1 and 2" in s and G.GUIDANCE.search(s), s
        assert P.yes_to(s) is P.DONE_SO_FAR, s
    one = G.confirm(random.Random(0), "get a golden shovel", ["Buy two shovels.", "Dig a hole.", "Wait 24 hours."],
                    "your shovel", later=1)
    assert "Step 3 takes 24 hours, so it's for later." in one and "steps 1 and 2" in one, one
    again = G.effect(random.Random(0), "your shovel", 3, 1)
    assert P.yes_to(again) is P.DONE_SO_FAR and "steps 1 and 2" in again, again
    # without a wait: as before
    plain = G.confirm(random.Random(0), "get a golden shovel", ["Buy two shovels.", "Dig a hole."], "your shovel")
    assert "later" not in plain and P.yes_to(plain) is P.DONE_YES, plain
    assert "so far" in G.recorded("your shovel", 4, later=1) and "so far" not in G.recorded("your shovel", 4)


async def test_the_customer_reports_only_the_steps_before_the_wait_and_only_those_are_marked() -> None:
    domain = guide_domain(SHOVEL)
    compiled = compile_domain(domain)
    marks = {t.name for t in domain.tools if customer_step(t.description)}
    checked = 0
    for traj in await rolled_out(compiled, per_domain=4):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        texts = [(m["role"], m.get("content") or "") for m in traj.messages if not m.get("tool_calls")]
        guidance = [k for k, (r, c) in enumerate(texts) if r == "assistant" and G.GUIDANCE.search(c) and _ITEM.search(c)]
        if not guidance:
            continue
        told = _ITEM.findall(texts[guidance[-1]][1])
        assert told[-1] == "Wait 24 hours.", told
        assert "Step 5 takes 24 hours, so it's for later." in texts[guidance[-1]][1]
        ids = {c["id"] for m in traj.messages for c in m.get("tool_calls") or [] if c["function"]["name"] in marks}
        marked = [json.loads(m["content"])["progress"] for m in traj.messages
                  if m["role"] == "tool" and m.get("tool_call_id") in ids]
        if not marked:
            continue  # declined
        checked += 1
        assert len(marked) == 4 and not any("wait" in p for p in marked), marked
        answer = next(c for r, c in texts[guidance[-1] + 1:] if r == "user" and c in P.DONE_SO_FAR + P.DONE_YES)
        assert answer in P.DONE_SO_FAR, answer
        assert any("so far" in c for r, c in texts if r == "assistant"), texts
    assert checked


KEYS = Document(id="debian-reference:6.3.3", title="6.3.3. Connecting without remote passwords", text=(
    'One can avoid having to remember passwords for remote systems by\nusing "PubkeyAuthentication" (SSH-2 protocol).\n\n'
    '\u00a0\u00a0\u00a0 On the remote system, set the respective entries,\n"PubkeyAuthentication yes", in '
    '"/etc/ssh/sshd_config".\n\n\u00a0\u00a0\u00a0 Generate authentication keys locally and install the public key\n'
    'on the remote system by the following.\n\n\u00a0\u00a0\u00a0 $ ssh-keygen -t rsa\n'
    '$ cat .ssh/id_rsa.pub | ssh user1@remote "cat - >>.ssh/authorized_keys"\n\nYou can add options to the entries '
    'in "~/.ssh/authorized_keys" to\n\u00a0\u00a0\u00a0 limit hosts and to run specific commands. See sshd(8)\n'
    '"AUTHORIZED_KEYS FILE FORMAT".'))


async def test_a_value_the_steps_make_is_not_asked_of_the_customer_before_them() -> None:
    """"Could you send me the public key?" before the step "Generate authentication keys locally and
    install the public key" (review 59, row 19; the customer answered with a GPG key id)."""
    from gem_env.stages.filter import OfflineFilter
    domain = OfflineExtractor().extract(KEYS, OfflineFilter().judge(KEYS))
    assert isinstance(domain, Domain), domain
    assert not [p.name for t in domain.tools if t.kind == "write" for p in t.parameters if "key" in p.name
                and not p.name.endswith("_id")], [(t.name, [p.name for p in t.parameters]) for t in domain.tools]
    compiled = compile_domain(domain)
    for traj in await rolled_out(compiled, per_domain=3):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        guidance = next(k for k, m in enumerate(traj.messages) if m["role"] == "assistant"
                        and G.GUIDANCE.search(m.get("content") or ""))
        asked = [m["content"] for m in traj.messages[:guidance] if m["role"] == "assistant" and m.get("content")
                 and "?" in m["content"]]
        assert not any(re.search(r"public key", a) for a in asked), asked


YOSHI = Document(id="openpi:Find-the-5-Yoshi-Kids-in-Paper-Mario", title="How to Find the 5 Yoshi Kids in Paper Mario",
                 text=("1. She's stuck in a tree.\n2. Whack the tree until she falls down.\n3. Find the 5 Yoshi:\n"
                       "4. Go back to Yoshi Village, once you've got them all, and get the Raven Token so you can "
                       "continue!\n"))


async def test_a_thing_a_step_gets_is_no_value_the_customer_is_asked() -> None:
    """"What would you like the Raven Token to be?", asked after the customer said they were done, of the
    token the last step gets in the game (round 60's "left"): what a step gets is made by it, like what
    it generates; nobody has a value of it to tell."""
    domain = guide_domain(YOSHI)
    assert not [p.name for t in domain.tools for p in t.parameters if "token" in p.name], \
        [(t.name, [p.name for p in t.parameters]) for t in domain.tools]
    compiled = compile_domain(domain)
    for traj in await rolled_out(compiled, per_domain=3):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        assert not any(re.search(r"(?:what|which)\b[^.?!]*Raven Token[^.?!]*\?", m.get("content") or "", re.I)
                       for m in traj.messages if m["role"] == "assistant"), traj.id
