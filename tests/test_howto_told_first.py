"""A guided request tells the guide's steps before any of them is called, and a guide none of whose steps
is recorded makes no domain (review 61 §8: "Is it possible to use Microsoft publisher?" -> `click_on_file
(participant.pptx)` before a word; "Could you please tell me the provider?" -> `call_cable_provider` at
once; "It's about the east Asian Ambiguous character width characters." -> "The status is active. Need
anything else?", the guide never told)."""
from __future__ import annotations

import re

from gem_env.agents import guided as G
from gem_env.documents import Document, Rejection
from gem_env.tools import compile_domain

from howto_helpers import extracted, guide_domain, rolled_out

PUBLISHER = Document(id="wikihow-goal-step:637", title="How to Use Microsoft Publisher - Saving Your Document", text=(
    "How to Use Microsoft Publisher - Saving Your Document\n"
    "1. Click on “File” and select “Save.” Type a name for your document in the “Save As” dialog box.\n"
    "2. Specify the location to which you want your document saved.\n"
    "3. Click on “Save.” Your document will now be saved."))
CABLE = Document(id="wikihow-goal-step:783", title="How to Watch TV Without Cable - Cutting the Cord", text=(
    "How to Watch TV Without Cable - Cutting the Cord\n1. Call your cable provider before you have decided to cut the cord.\n"
    "2. Get recommendations from others who have cut the cable cord.\n"
    "3. Cancel your cable, but retain your high-speed Internet.\n"
    "4. Try streaming for at least 3 months before returning to cable.\n5. Try a new cable provider if you go back."))
WIDTH = Document(id="debian-reference:8.4", title="8.4. East Asian Ambiguous Character Width Characters", text=(
    "8.4. East Asian Ambiguous Character Width Characters\nUnder the East Asian locale, the box drawing, Greek, and "
    "Cyrillic\n    characters may be displayed wider than your desired width to\ncause the unaligned terminal output "
    "(see Unicode Standard Annex #\n11).\n\n    You can work around this problem:\n\n  * gnome-terminal: Preferences → "
    "Profiles → Profile name →\n        Compatibility → Ambiguous-wide characters → Narrow\n\n  * ncurses: Set "
    "environment export NCURSES_NO_UTF8_ACS=0.\n"))
_FINDS = re.compile(r"^(?:find_|get_)")


async def test_no_step_of_the_guide_is_called_before_it_is_told() -> None:
    checked = 0
    for doc in (PUBLISHER, CABLE):
        domain = guide_domain(doc)
        compiled = compile_domain(domain)
        for traj in await rolled_out(compiled, per_domain=3):
            assert traj.verification.passed, (traj.id, traj.verification.failed)
            guidance = next((k for k, m in enumerate(traj.messages) if m["role"] == "assistant"
                             and G.GUIDANCE.search(m.get("content") or "") and "1. " in (m.get("content") or "")), None)
            assert guidance is not None, traj.id
            before = [c["function"]["name"] for m in traj.messages[:guidance] for c in m.get("tool_calls") or []]
            assert all(_FINDS.match(n) for n in before), (traj.id, before)
            checked += 1
    assert checked >= 4


def test_a_guide_whose_every_step_only_reads_makes_no_domain() -> None:
    out = extracted(WIDTH)
    assert isinstance(out, Rejection) and "only reads the record" in out.reason, out
