"""A customer's contacts (payees, recipients) are their own: a directory keyed to its owner, listed
by the owner's id, seeded consistently with the payments made to them, and a payment goes only to
one of the payer's contacts. Before, `list_contacts{}` listed every customer's contacts and a
customer's payments went to contacts nobody in particular held."""
from __future__ import annotations

import collections
import json
import random
import re

import pytest

from gem_env.agents.ids import singled_out
from gem_env.documents import Document, Verdict
from gem_env.simulators import phrases as P
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.extract.service_bookings import unavailable
from gem_env.stages.tasks.lookups import lookup
from gem_env.tools.model import RequireStep

from test_extract_services import _sessions_pass

TEXT = """## Schedule a payment
- Open Everyone Pay and choose a contact to send money to.
- Enter the amount and the date, then schedule the payment.
- You can cancel a scheduled payment before it is sent.

## Verify contacts
- A contact must be verified before the first payment.
- Verified contacts display a clear indicator so you can send with greater confidence.
"""


@pytest.fixture(scope="module")
def compiled():
    doc = Document(id="pay", text=TEXT, title="Schedule a payment to a contact")
    domain = OfflineExtractor().extract(doc, Verdict(id="pay", relevant=True, score=1.0, reason="test"))
    return check_domain(domain)


def test_the_contact_list_takes_its_owner_and_lists_only_theirs(compiled):
    spec = compiled.tools["list_contacts"].spec
    assert [p.name for p in spec.parameters if p.required] == ["customer_id"]
    sb = compiled.new_sandbox()
    contacts = sb.dump(["contacts"])["contacts"]
    owner = next(iter(contacts.values()))["customer_id"]
    listed = sb.call("list_contacts", {"customer_id": owner})
    assert listed.ok and listed.value
    assert {c["contact_id"] for c in listed.value} == {k for k, c in contacts.items() if c["customer_id"] == owner}
    assert "customer_id" not in listed.value[0]  # whose they are goes without saying
    assert not sb.call("list_contacts", {"customer_id": "CST-00000"}).ok  # no such customer: an error, not []
    sb.close()


def test_every_customer_has_a_few_contacts_and_pays_only_their_own(compiled):
    sb = compiled.new_sandbox()
    dump = sb.dump(["customers", "contacts", "payments"])
    held = collections.Counter(c["customer_id"] for c in dump["contacts"].values())
    assert set(held) == set(dump["customers"]) and min(held.values()) >= 1 and sum(held.values()) >= 2 * len(held)
    assert all(dump["contacts"][p["contact_id"]]["customer_id"] == p["customer_id"] for p in dump["payments"].values())
    sb.close()


def test_a_payment_to_another_customers_contact_is_refused(compiled):
    sb = compiled.new_sandbox()
    contacts = sb.dump(["contacts"])["contacts"]
    theirs = next(c for c in contacts.values() if c["verified"])
    me = next(c["customer_id"] for c in contacts.values() if c["customer_id"] != theirs["customer_id"])
    args = {"contact_id": theirs["contact_id"], "amount": 50, "memo": "Dinner split", "send_date": "2025-02-01",
            "frequency": "one-time"}
    refused = sb.call("schedule_payment", {"customer_id": me, **args})
    assert not refused.ok and refused.error == "This contact is not one of this customer's contacts"
    assert sb.call("schedule_payment", {"customer_id": theirs["customer_id"], **args}).ok
    sb.close()


def test_an_unverified_contact_is_refused_in_words(compiled):
    messages = [s.message for s in compiled.tools["schedule_payment"].spec.effect if isinstance(s, RequireStep)]
    assert "This contact hasn't been verified yet" in messages
    assert not any("not available" in m for m in messages)
    assert unavailable("doctor", "accepting_patients") == "This doctor is not accepting patients"
    assert unavailable("flight", "seats_left", count=True) == "This flight has no seats left"


def test_the_agent_lists_the_customers_own_contacts_and_pays_one_of_them(compiled):
    """... or refuses one not verified yet: the customer names any contact of theirs (it was only
    verified ones, so no session taught the refusal)."""
    tasks, done = _sessions_pass(compiled, "schedule_payment")
    assert any(r.reason == "This contact hasn't been verified yet" for t in tasks for r in t.refusals)
    calls = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for r in done for m in r.messages
             for c in m.get("tool_calls") or []]
    lists = [a for n, a in calls if n == "list_contacts"]
    assert lists and all(a.get("customer_id") for a in lists)
    # the list shows a contact as its details do (without its owner): the one chosen is not opened again
    for r in done:
        listed: set[str] = set()
        for m in r.messages:
            if m["role"] == "tool" and m["content"].startswith("[{\"contact_id\""):
                listed |= {c["contact_id"] for c in json.loads(m["content"])}
            for c in m.get("tool_calls") or []:
                if c["function"]["name"] == "get_contact_details":
                    assert json.loads(c["function"]["arguments"])["contact_id"] not in listed


def test_a_request_named_for_later_describes_no_record_by_its_lead_in():
    """"Once that's done, I also need to cancel my payment ... the one about "Gym membership"" named
    two payments: the one about a gym membership and the only one going out once."""
    payments = [{"payment_id": "PYM-1", "memo": "Gym membership", "frequency": "monthly"},
                {"payment_id": "PYM-2", "memo": "Groceries", "frequency": "one-time"},
                {"payment_id": "PYM-3", "memo": "Rent", "frequency": "weekly"}]
    for lead in P.NAMED_LATER:
        text = lead.format(x="cancel my payment") + ' I\'m talking about the payment about "Gym membership".'
        assert singled_out("payment_id", [payments], text)[0] == "PYM-1", lead


def test_nobody_asks_the_service_who_their_own_contact_is(compiled):
    """A question about one of their contacts never asks its name ("what's the name of my contact
    CNT-12345?"): people know who their contacts are."""
    sandbox = compiled.new_sandbox()
    built = [lookup(compiled, "contacts", row, sandbox, random.Random(seed))
             for seed, row in enumerate(sandbox.dump(["contacts"])["contacts"].values())]
    asked = [b.request.asks for b in built if not isinstance(b, str)]
    assert asked and all("name" not in a for a in asked), asked


def test_the_note_after_a_payment_refused_names_the_contact(compiled):
    """"The customer wanted to schedule the payment, which our policy does not allow: this contact
    hasn't been verified yet." told the colleague no record (the payment is new, the refusal names
    no contact): the note carries the id of the contact the customer named, the unverified one."""
    tasks, done = _sessions_pass(compiled, "schedule_payment", "transfer_to_human_agent")
    contacts = compiled.new_sandbox().dump(["contacts"])["contacts"]
    notes = [json.loads(c["function"]["arguments"])["summary"] for r in done for m in r.messages
             for c in m.get("tool_calls") or [] if "summary" in json.loads(c["function"]["arguments"])]
    refused = [n for n in notes if n.startswith("The customer wanted to schedule the payment")]
    assert refused
    for note in refused:
        ids = re.findall(r"\bCNT-\d+\b", note)
        assert len(ids) == 1 and contacts[ids[0]]["verified"] is False, note
