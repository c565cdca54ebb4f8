"""Which sentences with "must" are rules on a record's state (gem_env/text/preconditions.py)."""
from __future__ import annotations

from gem_env.text.preconditions import rule_sentence, states_precondition


def test_instructions_obligations_and_remarks_are_no_preconditions() -> None:
    """Sentences of the Debian and wikiHow how-tos the assistant refused by ("The rule is: you need to
    check build scripts ..."): none says a state a record must be in."""
    for said in ("You need to check build scripts of the package and ensure to use CFLAGS for compiling binaries.",
                 "Lastly, a storage method must be chosen for the images to be created.",
                 "The usual way is to connect to it remotely; this will usually require setting up a server.",
                 "Setting up an OpenVPN client also requires creating a configuration file in /etc/openvpn/ .",
                 "The tunneling system must first be enabled by setting PermitTunnel to yes.",
                 "Once all plugins are correctly set up, the daemon configuration must be updated to describe access.",
                 "Apply unmarkauto to required packages, to prevent removal.",
                 "First, the user must authorize sharing their session."):
        assert not states_precondition(said, {"must"}), said
    assert not states_precondition("If your system mounts CDs automatically, unmount it before using wodim.",
                                   {"before", "if"})


def test_states_and_restrictions_are_preconditions() -> None:
    for said in ("Interpreter program packages: compatible interpreter must be available",
                 "In order to debug Debian packages with gdb, *-dbgsym packages need to be installed.",
                 "Ensure your account is eligible to use Gold Plan 12-month financing.",
                 "The games must be found before you play it."):
        assert states_precondition(said, {"must"}), said
    assert states_precondition("It can only be used when no packages of this architecture are installed.", {"only_if"})
    assert states_precondition("Enter an amount that is at least $100.", {"limit"})
    assert states_precondition("If you recently returned a purchase, wait for any point reversals to settle before "
                               "redeeming.", {"before", "if"})


def test_a_check_to_make_is_said_as_its_rule() -> None:
    """"Make sure that your microphone is working" was quoted as the refusal's rule ("Not yet done:
    Make sure ..."): the state it checks is the rule."""
    assert rule_sentence("Make sure that your microphone is working and connected first.") == \
        "Your microphone must be working and connected first."
    assert rule_sentence("Make sure that the two Sims have chemistry between them.") == \
        "The two Sims must have chemistry between them."
    said = "Make sure the company offers a return policy you're happy with."
    assert rule_sentence(said) == said
