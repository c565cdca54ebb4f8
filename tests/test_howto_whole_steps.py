"""A step is told whole, never cut mid-sentence with "…", and a quotation or a program's prompt is no step
(review 61 §6, 59 of 1,530 sessions: '4. "His most annoying tactic is that when his HP goes below 50%,
... is low enough that 6999 is 70% of your…', then marked "his most annoying tactic is" done; AppArmor's
prompt "[1 - #include <abstractions/lightdm>] ... (A)llow / [(D)eny] / ... Glob with (E)…" told three times)."""
from __future__ import annotations

from gem_env.documents import Document
from gem_env.stages.extract.procedure import _whole
from gem_env.tools import Domain

from howto_helpers import guide_domain

YIAZMAT = Document(id="openpi:Defeat-the-Yiazmat-in-Final-Fantasy-XII", title="How to Defeat the Yiazmat in Final Fantasy XII", text=(
    "How to Defeat the Yiazmat in Final Fantasy XII\n1. The petitioner is Montblanc, found in Clan Hall in Rabanastre.\n"
    "2. Take the Strahl (Balthier's Airship) to the Ridorana Cataract.\n3. Cast Decoy on the strongest character with high "
    "defense while others cast technique Expose until the maximum damage is 9999.\n4. \"His most annoying tactic is that "
    "when his HP goes below 50%, all attacks can only do 6999 damage (assuming your \"pre-cap\" damage [before being "
    "reduced to 9999] is low enough that 6999 is 70% of your damage) at most to him, so it becomes about using combo "
    "weapons rather than damage dealers.\n5. Note that you can leave the battlefield and return with Yiazmat having the "
    "same health.\n6. After a long battle, go back to Rabanastre to claim your reward."))
METROPCS = Document(id="wikihow-goal-step:375", title="How to Activate a MetroPCS Phone - Buying a New Phone", text=(
    "How to Activate a MetroPCS Phone - Buying a New Phone\n1. Go to the MetroPCS website.\n"
    "2. Choose the phone you want and click on \u201cAdd to Cart.\u201d\n"
    "3. Enter your shipping information, and click on \u201cContinue.\u201d Enter your payment information, then click "
    "on \u201cContinue.\u201d Review your order details, then click on \u201cSubmit.\u201d MetroPCS will then process your "
    "order and ship your phone.\n4. Turn on your phone when it arrives."))
APPARMOR = ("1. Start the application to be profiled.\n2. Select the \"Scan\" option to scan the system logs.\n"
            "3. [1 - #include <abstractions/lightdm>] 2 - #include <abstractions/openssl> 3 - owner /etc/ssl/openssl.cnf r, "
            "(A)llow / [(D)eny] / (I)gnore / (G)lob / Glob with (E)xtension / (N)ew / Abo(r)t / (F)inish\n"
            "4. Save the profile.\n")


def _spans(domain: Domain) -> list[str]:
    return [s.span.text for w in domain.workflows for s in w.steps if s.span]


def test_a_long_step_is_told_whole() -> None:
    domain = guide_domain(METROPCS)
    assert not [g for g in domain.guide if g.endswith("…")], domain.guide
    assert any(g.endswith("MetroPCS will then process your order and ship your phone.") for g in domain.guide), domain.guide


def test_a_quotation_or_a_programs_prompt_is_no_step() -> None:
    domain = guide_domain(YIAZMAT)
    assert not any("annoying tactic" in s for s in _spans(domain)), _spans(domain)
    assert not [g for g in domain.guide if g.endswith("…")], domain.guide
    domain = guide_domain(Document(id="apparmor", title="Creating an AppArmor profile", text=APPARMOR))
    assert not any("#include" in s for s in _spans(domain)), _spans(domain)
    assert any("Save the profile" in s for s in _spans(domain)), _spans(domain)


def test_a_step_longer_than_any_told_is_cut_at_a_sentence_end() -> None:
    text = "Do the first thing. " * 80 + "And then some more words without an end"
    said = _whole(text)
    assert said.endswith("Do the first thing.") and len(said) <= 1200, said[-40:]
