"""A how-to asks the customer for no secret, no code sent to them and no thing that is no value (review 61
§7, 34 of 1,530 sessions): "Could you tell me your phone number and the verification code?" (before the
step that sends it, a phishing pattern), "Mind telling me the brass key?" -> "sg23Dk52" (a key to a door
in a game), "What's the digit number?" -> "19257067" (of "a 3 digit number"), an SSH public key given as a
GPG key id. No parameter asks them and no record holds them."""
from __future__ import annotations

from gem_env.documents import Document
from gem_env.stages.extract.procedure_given import never_asked

from howto_helpers import guide_domain

MIXER = Document(id="wikihow-goal-step:840", title="How to Stream on Mixer App - Creating a Mixer Account", text=(
    "How to Stream on Mixer App - Creating a Mixer Account\n1. Go to https://mixer.com in a web browser.\n"
    "2. Click Sign In or tap the icon that resembles a person.\n3. Click or tap Sign in with Microsoft.\n"
    "4. Sign in with your Microsoft account or click or tap Create One.\n5. Enter your phone number and click or tap Next.\n"
    "6. Type a password and click or type Next.\n7. Select your region and birthday and click or tap Next.\n"
    "8. Check your email or text message.\n9. Enter the verification code and click or tap Next.\n"
    "10. Enter the characters and click or tap Next."))
VARROCK = Document(id="openpi:Get-Free-Stuff-in-Varrock", title="How to Get Free Stuff in Varrock", text=(
    "How to Get Free Stuff in Varrock\n1. Go to Varrock's East bank.\n"
    "2. Go to the north entrance of the bank and walk to the left (northwest).\n"
    "3. Open the door with a \"brass key\".\n4. Go down the ladder.\n"
    "5. Get the stuff off the ground that dead Hill Giants have dropped."))
GRAVITY = Document(id="openpi:Adjust-Gravity-on-Counter-Strike", title="How to Adjust Gravity on Counter Strike", text=(
    "How to Adjust Gravity on Counter Strike\n1. Open up Counter Strike on your computer.\n"
    "2. Enable the developer console.\n3. Begin a private game.\n4. Open the developers window mid-game.\n"
    "5. Add the phrase \"sv_gravity\" followed by a 3 digit number to change the gravity.\n"
    "6. Try out real gravities from across the solar system."))


def _fields(doc: Document) -> list[str]:
    domain = guide_domain(doc)
    params = [p.name for t in domain.tools for p in t.parameters]
    return [f.name for f in domain.entities[0].fields] + params


def test_no_code_sent_no_key_that_is_a_thing_no_count_of_digits() -> None:
    for doc, bad in ((MIXER, "verification_code"), (VARROCK, "brass_key"), (GRAVITY, "digit")):
        names = _fields(doc)
        assert not [n for n in names if bad in n], (doc.id, names)


def test_which_values_are_never_asked() -> None:
    asked = ["product key", "license_key", "promo code", "activation code", "phone_number", "cd_key", "key_id"]
    never = ["password", "pin", "verification code", "security_code", "one_time_code", "usb_key", "brass_key",
             "public_ssh_key", "host_key", "root_certificate_public_key", "raven_token", "digit_number"]
    assert [n for n in asked if never_asked(n)] == []
    assert [n for n in never if not never_asked(n)] == []
