"""Whether a sentence a text states with a "must" is a precondition on a record's state, or an
instruction, an obligation on the reader, or a remark.

A how-to's sentences with "must", "need to", "have to" or "require" are mostly what to do ("You
need to check build scripts of the package ...", "Lastly, a storage method must be chosen ...",
"Setting up an OpenVPN client also requires creating a configuration file"): steps and advice,
which the procedure path had made rules the assistant refused by. A precondition says what state
something must be in ("compatible interpreter must be available", "In order to debug Debian
packages with gdb(1), *-dbgsym packages need to be installed"); "only if", "unless", "cannot" and
time windows are preconditions by their words and are not judged here.
"""
from __future__ import annotations

import re

from .words import leading_verb

#: the kinds of condition whose words make a clause a rule on their own (a limit on a value is one
#: said as an instruction too: "Enter an amount that is at least $100")
RESTRICTING = frozenset({"only_if", "unless", "cannot", "within", "limit"})

_MODAL = r"(?:must|needs?\s+to|ha(?:s|ve)\s+to|will\s+(?:have|need)\s+to|may\s+need\s+to|is\s+required\s+to|are\s+required\s+to)"
#: a modal before a state: "must be available", "need to have been installed", "must already be active"
_STATE_AFTER = re.compile(rf"\b{_MODAL}\s+(?:not\s+)?(?:already\s+|still\s+|first\s+)?(?:be|have|been)\b", re.I)
#: a modal before a doing: "you need to check ...", "they must edit ...", "the user must authorize ..."
_DOING_AFTER = re.compile(rf"\b{_MODAL}\s+(?:\w+ly\s+)?(?!be\b|have\b|been\b|not\b|already\b|still\b)[a-z]+", re.I)
#: how a passive obligation is carried out, which makes it a step ("must first be enabled by setting
#: PermitTunnel", "needs to be enabled with systemctl enable", "must also be updated accordingly")
_PARTICIPLE = r"(?:\w+(?:ed|en)|set|run|put|made|done|built|kept|sent|found|held|met|read|shut|cut|paid|told)"
_PASSIVE_HOW = re.compile(rf"\b{_MODAL}\s+(?:\w+\s+)?be\s+{_PARTICIPLE}(?:\s+\w+)?\s+(?:by|with|using|via|through|accordingly|"
                          rf"according|from|so\s+as\s+to|to\s+(?!be\b)[a-z]+)\b"
                          rf"|\b{_MODAL}\s+also\b|\balso\s+{_MODAL}", re.I)
#: a sentence that goes on from the one before, in a run of instructions ("Then you have to install
#: ...", "Lastly, a storage method must be chosen ...", "Finally, the user must also request it")
_IN_SEQUENCE = re.compile(r"^\W*(?:then|first|next|lastly|finally|now|afterwards|also|in\s+any\s+case|in\s+this\s+case)"
                          r"\b", re.I)
#: "require" as a state: "a PIN is required", "are required to"; else it says what something takes
#: ("this will usually require setting up ...", "the required operations"): a remark
_REQUIRED_STATE = re.compile(r"\b(?:is|are|be|been)\s+(?:\w+ly\s+)?required\b", re.I)
_REQUIRE_WORD = re.compile(r"\brequir(?:e|es|ed|ing|ement|ements)\b", re.I)
#: an instruction to check a state: "Ensure your account is eligible to use ...", "Make sure the printer is on"
_MAKE_SURE_STATE = re.compile(r"^\W*(?:make\s+sure|be\s+sure|ensure|check|verify|confirm)(?:\s+that)?\s+(?P<subject>[^,;:.\s]+(?:\s+[^,;:.\s]+){0,3}?)"
                              r"\s+(?P<be>is|are|has|have)\s+(?P<state>[^.;:]+)", re.I)
_OTHER_MUST = re.compile(r"\b(?:must|needs?\s+to|ha(?:s|ve)\s+to|eligib\w*)\b", re.I)


def states_precondition(clause: str, kinds: set[str]) -> bool:
    """Whether `clause`, holding conditions of `kinds`, states a precondition on a record's state.

    True when a restricting kind is among them ("only if", "unless", "cannot", a time window, a
    limit). Else
    not an instruction (it opens with a verb: "Update some tool chain packages ... if they are
    required", "Try streaming for at least 3 months before returning to cable", or one after a fronted
    "If ...,": "If your desktop system mounts CDs automatically, unmount it ... before using wodim"),
    unless one to make sure of a state ("Ensure your account is eligible ...") or to wait for one
    ("If you recently returned a purchase, wait for any point reversals to settle before
    redeeming"), and of a "must"
    kind: not one of a run
    of instructions ("Lastly, ...", "must also ..."), not a doing ("you need to check", "the
    user must authorize"), a passive doing said with how ("must first be enabled by setting ..."),
    nor "require" said of what something takes ("requires creating a configuration file"); a
    state after the modal ("must be available", "need to be installed") is one. A passive said with
    how or what for is a doing ("must be updated to describe ...", "must be compiled from ...")."""
    if kinds & RESTRICTING:
        return True
    verb = leading_verb(clause)
    if verb is not None:  # (waiting is for a state: "..., wait for any point reversals to settle before redeeming")
        return verb == "wait" or _MAKE_SURE_STATE.match(clause) is not None
    if "must" not in kinds:
        return True  # (a "before" with another kind: judged by its caller)
    if _IN_SEQUENCE.match(clause) or _PASSIVE_HOW.search(clause):
        return False
    if _REQUIRE_WORD.search(clause) and not _OTHER_MUST.search(clause):
        return bool(_REQUIRED_STATE.search(clause))
    if _STATE_AFTER.search(clause):
        return True
    return not _DOING_AFTER.search(clause)


def rule_sentence(clause: str) -> str:
    """A rule said as a rule, not as an instruction to check it: "Ensure your account is eligible to
    use Gold Plan financing." -> "Your account must be eligible to use Gold Plan financing.", "Make
    sure that the two Sims have chemistry" -> "The two Sims must have chemistry" (the
    assistant refused with "Here's the reason: Ensure your account is eligible ..."); any other
    sentence as it is."""
    m = _MAKE_SURE_STATE.match(clause)
    if m is None or leading_verb(clause) is None:
        return clause
    subject = m["subject"]
    verb = "be" if m["be"].lower() in ("is", "are") else "have"
    return f"{subject[:1].upper()}{subject[1:]} must {verb} {m['state'].rstrip()}{clause[m.end():]}"
