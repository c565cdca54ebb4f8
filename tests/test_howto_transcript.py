"""A transcript's output lines are no steps, its commands are (round 60's "left": the Debian handbook's
x509 section was told and marked as easyrsa's own output: "Confirm request details: yes", "Write out
database with 1 new entries Data Base Updated" twice, and never `./easyrsa build-ca`)."""
from __future__ import annotations

from gem_env.agents import guided as G
from gem_env.documents import Document
from gem_env.stages.extract.steps import output_of, procedure_steps

from howto_helpers import guide_domain, marked_spans


#: the handbook's layout: a prompt alone on its line, the command on the next, its output, prose as one
#: long line
EASYRSA = (
    "10.2.2. Public Key Infrastructure: easy-rsa\n\n"
    "The Falcot Corp administrators use this tool to create the required certificates, both for the server and "
    "the clients, on a machine not connected to the network.\n\n\n\n"
    "$ \nmake-cadir pki-falcot\n\n$ \ncd pki-falcot\n\n"
    "Now we prepare the public key infrastructure directory with the following command:\n\n\n\n"
    "$ \n./easyrsa init-pki\n\n\n\n"
    "init-pki complete; you may now create a CA or requests.\n"
    "Your newly created PKI dir is: /home/debian/pki-falcot/pki\n\n\n\n"
    "The certificate can now be signed, for the VPN server that is identified by the DNS name vpn.falcot.com "
    "as described in the section on virtual private networks:\n\n\n\n"
    "$ \n./easyrsa sign-req server vpn.falcot.com\n\n\n"
    "Using SSL: openssl OpenSSL 1.1.1k  25 Mar 2021\n\n\n"
    "You are about to sign the following certificate.\n"
    "Please check over the details shown below for accuracy. Note that this request\n"
    "has not been cryptographically verified.\n\n"
    "Type the word 'yes' to continue, or any other input to abort.\n"
    "  Confirm request details: \nyes\n\n"
    "Using configuration from /home/debian/pki-falcot/pki/easy-rsa-5603.87iCIa/tmp.u8r8Fj\n"
    "Write out database with 1 new entries\nData Base Updated\n\n")


def test_a_line_a_program_printed_is_its_output_and_prose_after_a_command_is_not() -> None:
    at = EASYRSA.index("Write out database")
    assert output_of(EASYRSA, at).group(1) == "./easyrsa sign-req server vpn.falcot.com"
    assert output_of(EASYRSA, EASYRSA.index("Type the word")) is not None
    assert output_of(EASYRSA, EASYRSA.index("Now we prepare")) is None  # (a long line of prose)
    prose = "# \nln -s /etc/prosody/conf.avail/falcot.com.cfg.lua /etc/prosody/conf.d/\n\nRestart the service to use it.\n"
    assert output_of(prose, prose.index("Restart")) is None  # right after the command: the text's own
    ref = "Place the key.\n\n$ ssh-add ~/.ssh/id_rsa\nEnter passphrase for /home/u/.ssh/id_rsa:\n\nPress ^D to end.\n"
    assert output_of(ref, ref.index("Enter passphrase")).group(1) == "ssh-add ~/.ssh/id_rsa"
    assert output_of(ref, ref.index("Press ^D")) is None  # (a paragraph of its own)


def test_a_transcripts_commands_are_the_steps_not_its_output() -> None:
    steps = [s.text for s in procedure_steps(EASYRSA)[0]]
    assert steps == ['Run "make-cadir pki-falcot".', 'Run "cd pki-falcot".', 'Run "./easyrsa init-pki".',
                     'Run "./easyrsa sign-req server vpn.falcot.com".'], steps
    # a step the text gives beside a listing keeps its place; the listing's output goes
    ref = ("Set it up.\n\nRun the agent first.\n\n$ ssh-add ~/.ssh/id_rsa\nEnter passphrase for /home/u/.ssh/id_rsa:\n"
           "Identity added: /home/u/.ssh/id_rsa\n\nPress ^D to end the session.\n")
    assert not any("passphrase" in s.text for s in procedure_steps(ref)[0])


def test_the_guidance_tells_and_marks_the_commands() -> None:
    doc = Document(id="debian-handbook:sect.x509-cert", title="10.2. X.509 certificates", text=EASYRSA)
    domain = guide_domain(doc)
    assert not any("Data Base" in g or "request details" in g for g in domain.guide), domain.guide
    spans = marked_spans(domain)
    told = G.told(domain.guide, spans)
    assert told[:2] == ['Run "make-cadir pki-falcot".', 'Run "cd pki-falcot".'], told
    assert 'Run "./easyrsa sign-req server vpn.falcot.com".' in told and len(told) == len(set(told)), told


def test_a_programs_menu_of_keys_is_output_and_a_step_after_its_purpose_is_told() -> None:
    """aa-genprof's questions ("[1 - #include <abstractions/nis>] 2 - capability net_bind_service, (A)llow
    / [(D)eny] / ...") were told and marked as steps: a long line of keys is no prose; and "To completely
    remove everything associated with a package, use the -P or --purge option" is an act told."""
    text = ("For this we will use aa-genprof dhclient .\n\n# \naa-genprof dhclient\n\nWriting updated profile.\n\n"
            "Severity:   8\n\n [1 - #include <abstractions/nis>]\n  2 - capability net_bind_service,\n"
            "(A)llow / [(D)eny] / (I)gnore / (G)lob / Glob with (E)xtension / (N)ew / Audi(t) / (O)wner permissions "
            "off / Abo(r)t / (F)inish\n\nA\n\n [1 - #include <abstractions/lightdm>]\n  2 - #include <abstractions/openssl>\n")
    assert output_of(text, text.index("[1 - #include <abstractions/lightdm>]")).group(1) == "aa-genprof dhclient"
    guide = ["Use dpkg -i to install it.",
             "To completely remove everything associated with a package, use the -P or --purge option."]
    assert G.told(guide, guide[:1]) == guide


def test_where_nothing_takes_the_outputs_place_the_steps_stay() -> None:
    """dpkg's section: "Try using -f." and "Use --help ..." are apt's and dpkg's output, and its one other
    act a purge; dropped, the guide was no longer the customer's ("I've manipulated packages with dpkg"
    said of the purge), and no commands at a prompt of its section take their place: it stays as it was."""
    text = ("5.2. Manipulating Packages with dpkg\n\nBut this program only has a partial view of the Debian universe "
            "and knows nothing of the other available packages and their dependencies.\n\n"
            "5.2.2. Package Removal\n\nThe APT commands will refuse to execute any action; this results in a message "
            "like this one, obtained after installing a new version of rdesktop:\n\n# \napt full-upgrade\n\n[...]\n"
            "The following packages have unmet dependencies:\nE: Unmet dependencies. Try using -f.\n\n"
            "To completely remove everything associated with a package, use the -P or --purge option, followed by the "
            "package name.\n")
    assert "Try using -f." in [s.text for s in procedure_steps(text)[0]]
