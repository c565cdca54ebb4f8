"""What a guide takes for granted before its steps is told, and every step the assistant calls is told
(round 61's "left": Debian 12.5.2's "*-dbgsym packages need to be installed" was neither a refusal nor
said; the VPN guide's `certificate_create` was called once the customer said yes, its step "After all
certificates have been created ..., they need to be copied where appropriate" never told)."""
from __future__ import annotations

import json

from conftest import shared_path
from gem_env.agents import guided as G
from gem_env.documents import Document
from gem_env.stages.filter import OfflineFilter
from gem_env.tools import compile_domain

from howto_helpers import guide_domain, rolled_out


def _debian(doc_id: str) -> Document:
    with shared_path("corpora", "debian_docs_sections.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] == doc_id:
                return Document(id=row["id"], title=row.get("title"), text=row["text"])
    raise AssertionError(f"{doc_id} is not in the corpus")


async def _guidance(doc: Document) -> list[tuple[str, list[str]]]:
    """Each accepted trajectory's guidance, and the tools called after it."""
    domain = guide_domain(doc, OfflineFilter().judge(doc))
    out = []
    for traj in await rolled_out(compile_domain(domain), per_domain=3):
        assert traj.verification.passed, (traj.id, traj.verification.failed)
        at = next(k for k, m in enumerate(traj.messages) if m["role"] == "assistant"
                  and G.GUIDANCE.search(m.get("content") or "") and "1. " in (m.get("content") or ""))
        out.append((traj.messages[at]["content"],
                    [c["function"]["name"] for m in traj.messages[at:] for c in m.get("tool_calls") or []]))
    return out


def test_what_must_already_be_so_is_read_from_the_sentences_before_the_steps() -> None:
    policy = [("In order to debug Debian packages with gdb(1), *-dbgsym packages need to be installed "
               "(e.g. coreutils-dbgsym in the case of coreutils).", 100),
              ("Each Samba user needs an account on the server; the Unix accounts must be created first.", 200),
              ("Let's assume foo package was broken and needs to be replaced.", 250),       # a supposition
              ("If you receive a message, then you need to enable SELinux first.", 260),     # a case
              ("The /etc/nsswitch.conf file then needs to be modified.", 270),               # a later step
              ("The nagios-nrpe-plugin package needs to be installed on the Nagios server.", 900)]  # after them
    assert G.needed_first(policy, 500) == [
        "in order to debug Debian packages with gdb(1), *-dbgsym packages need to be installed (e.g. "
        "coreutils-dbgsym in the case of coreutils).",
        "each Samba user needs an account on the server; the Unix accounts must be created first."]
    assert G.needed_first(policy, None) == []  # (no step with a place in the text)
    said = G.confirm(__import__("random").Random(0), "debug the package", ["Fix bugs if needed."], "your package",
                     needed=G.needed_first(policy[:1], 500))
    assert said.startswith("Before you start: in order to debug Debian packages with gdb(1), *-dbgsym"), said
    assert "\n1. Fix bugs if needed." in said, said


async def test_the_dbgsym_packages_are_told_before_the_steps() -> None:
    for guidance, _ in await _guidance(_debian("debian-reference:12.5.2")):
        assert guidance.startswith("Before you start: in order to debug Debian packages with gdb(1), *-dbgsym "
                                   "packages need to be installed"), guidance


def test_a_read_step_is_told_where_it_says_what_to_do() -> None:
    assert G.read_told("After all certificates have been created, they need to be copied where appropriate.")
    assert G.read_told("Click on the file participant.pptx.")
    for remark in ("Once a bootable key has been prepared, a few extra operations are needed.",
                   "Filter.d/*.conf .", "On your computer, go to .", "First, you may either create a player or "
                   "enter your name.", "Then dpkg --set-selections restores the selection of packages."):
        assert not G.read_told(remark), remark


async def test_the_vpn_certificate_step_is_told_before_it_is_called() -> None:
    checked = 0
    for guidance, called in await _guidance(_debian("debian-handbook:sect.virtual-private-network")):
        if "certificate_create" in called:
            assert "After all certificates have been created" in guidance \
                and "they need to be copied where appropriate" in guidance, guidance
            checked += 1
    assert checked >= 2
