"""A value the user gives agrees with what its field's name means: the name's head and modifier
decide its kind (a white balance is a setting, an HTML code a snippet, a session's name no
person's), a pressed key or a head that modifies a thing names no value, and a field's name
does not open with the words the phrase before it ran into (simply_type, using_physical_drive_number)."""
from __future__ import annotations

import re

from gem_env.stages.extract.lexicon import field_words
from gem_env.text import features as tf
from gem_env.tools.kinds import PERSON, kind_of
from test_procedure_naming import _procedure



def _values(name: str) -> list[str]:
    kind = kind_of(name)
    assert kind is not None, name
    return list(kind.values) or kind.others(name, 3)


def test_a_name_is_a_persons_only_where_its_head_names_people() -> None:
    """`specific_session_name` was "Barbara Duran", `run_make_name` "Christopher Miller"."""
    for name in ("contact_name", "author_name", "owner_name", "full_name", "name"):
        assert kind_of(name) == PERSON, name
    for name in ("power_name", "party_name", "article_name"):
        assert all(re.fullmatch(r"[A-Z][a-z]+ \w+", v) for v in _values(name)), name
    assert "session-dev" in _values("session_name")


def test_a_technical_things_name_is_no_run_of_random_words() -> None:
    """`template_name` was "behind-feeling-fast", `field_name` "piece-turn-also" (Faker's slug)."""
    assert all("template" in v for v in _values("template_name"))
    assert "Email" in _values("field_name") and "Notes" in _values("app_name")


def test_a_balance_code_key_and_exit_status_hold_what_they_name() -> None:
    """white_balance was 1810.35 (money), html_code 08572536 and promotional_code 63043029 (digits),
    public_key and cd_key "Da31NY32" (a password's shape), exit_status "pending"."""
    assert "daylight" in _values("white_balance") and kind_of("account_balance") is None  # money: a number
    assert all(v.startswith("<") for v in _values("html_code"))
    assert "SAVE20" in _values("promotional_code")
    assert all(re.fullmatch(r"0x[0-9A-F]{16}", v) for v in _values("kernel_maintainers_key"))
    assert all(re.fullmatch(r"(?:[0-9A-Z]{5}-){4}[0-9A-Z]{5}", v) for v in _values("cd_key"))
    assert all(v.startswith("sk-") for v in _values("openai_api_key"))
    assert _values("exit_status") == ["0", "1", "2"] and kind_of("status", "a command's exit status") is None


def _field(text: str, phrase: str) -> str | None:
    found = next(f for f in tf.named_fields(text) if phrase in f.text.lower())
    return field_words(found.name, text, found.start, found.end)


def test_a_pressed_key_or_a_head_modifying_a_thing_names_no_value() -> None:
    assert _field("Press the ⏎ Return key to open the full calculator.", "return") is None
    assert _field("Hold the Globe key and press F.", "globe") is None
    assert _field("Avoid standing on the edge of the Wii Fit balance board.", "balance") is None
    assert _field("Rename them and run make NAME=devel to generate a module.", "make") is None
    assert _field("Enter a promotional code if applicable.", "code") == "promotional_code"
    assert _field("Export the maintainer's signing key to a file.", "key") == "maintainer_signing_key"


def test_a_fields_name_drops_the_words_it_ran_into() -> None:
    assert _field("Install Ventoy using physical drive number 1 with NTFS.", "drive") == "physical_drive_number"
    assert _field("To install it on the MBR, simply type grub-install /dev/sda.", "type") is None
    assert _field("Back out one level in configuration mode.", "level") is None


def test_a_step_naming_a_things_name_offers_names_a_person_gives_it() -> None:
    """"Enter a name for the DVD": "Family DVD", not "Julie's DVD" or "Kennethchester DVD"."""
    text = "How to Burn a DVD\n1. Insert a blank disc.\n2. Enter a name for the DVD.\n3. Click Burn.\n"
    fields = {f.name: f for f in _procedure(text, "How to Burn a DVD").entities[0].fields}
    assert fields["dvd_name"].values and all(re.fullmatch(r"[A-Z][a-z]+ DVD", v) for v in fields["dvd_name"].values)
