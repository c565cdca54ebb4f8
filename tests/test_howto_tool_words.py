"""What a model reads in a how-to's tools says the record's kind in words with its right article (review 61
§4: "Look up a iphone_sim_card by its id.", "Marks the step done on the football_channel_package's
checklist", "Look up a application by its id.": 234 of 1,530 how-to sessions)."""
from __future__ import annotations

import re

from gem_env.documents import Document
from gem_env.stages.extract.procedure_tools import _one

from howto_helpers import guide_domain

GOPHONE = Document(id="wikihow-goal-step:25", title="How to Use a GoPhone Plan With an iPhone - iPhone through iPhone 3GS",
                   text=("How to Use a GoPhone Plan With an iPhone - iPhone through iPhone 3GS\n1. Get an old AT&T iPhone.\n"
                         "2. Get a prepaid AT&T GoPhone.\n3. Power down your iPhone.\n4. Remove the iPhone SIM card.\n"
                         "5. Remove the GoPhone SIM card.\n6. Replace the iPhone SIM card.\n7. Make a call.\n"
                         "8. Enable wireless data."))


def test_a_records_kind_is_said_in_words_with_its_article() -> None:
    domain = guide_domain(GOPHONE)
    said = [domain_text for t in domain.tools for domain_text in
            [t.description, *(p.description for p in t.parameters)]]
    assert any("Look up an iphone sim card by its id." == d for d in said), said
    assert not [d for d in said if re.search(r"\b[a-z]+_[a-z_]+\b", d) and "e.g." not in d], said
    assert not [d for d in said if re.search(r"\ba [aeio]", d)], said


def test_the_article_goes_by_how_the_first_word_is_said() -> None:
    assert [_one(w) for w in ("application", "email message", "html file", "sms", "usb drive", "dvd", "user", "hour",
                              "xbox", "couch")] == \
        ["an application", "an email message", "an html file", "an sms", "a usb drive", "a dvd", "a user", "an hour",
         "an xbox", "a couch"]
