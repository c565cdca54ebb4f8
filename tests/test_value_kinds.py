"""Seeded values follow their field's meaning (issue 9 point 5): the head noun of a field's name and
the modifier before it choose the kind, not the first word that matches ("ip_address" is an IP
address, "host_name" a hostname, a mail delivery method no payment method)."""
from __future__ import annotations

import ipaddress
import re

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.extract.procedure_values import _field_spec, _new_value
from gem_env.tools import Domain, Entity, EntityField, compile_domain
from gem_env.tools.expr import compile_expr
from gem_env.tools.kinds import kind_of
from gem_env.tools.seed import seed_rows

_HOSTNAME = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_PAYMENT = {"card", "bank transfer", "cash"}
_TIERS = {"basic", "premium", "silver", "gold"}


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def test_the_modifier_decides_the_heads_kind() -> None:
    assert kind_of("ip_address").spec() == {"faker": "ipv4_private"}
    assert kind_of("shipping_address").spec() == {"faker": "street_address"}
    assert kind_of("mail_address").spec() == {"faker": "email"}
    assert kind_of("host_name").spec() == {"faker": "hostname"}
    assert kind_of("hostname").spec() == {"faker": "hostname"}  # a compound is split
    assert kind_of("system_mail_name").spec() == {"faker": "domain_name"}
    assert "my-bucket" in kind_of("bucket_name").values  # an identifier of its thing, not random words
    assert kind_of("character_name").spec() == {"faker": "first_name"}
    assert kind_of("customer_name").spec() == {"faker": "name"}
    assert kind_of("file_type").spec() == {"faker": "file_extension"}
    assert kind_of("order_number") is None  # a head that says no kind: the caller's rules


def test_a_method_is_a_payment_method_only_where_the_record_is_about_paying() -> None:
    assert set(kind_of("payment_method").values) == _PAYMENT
    assert set(kind_of("method", "refunds Refund method").values) == _PAYMENT
    assert not set(kind_of("delivery_method", "deliveries Delivery method for local mail").values) & _PAYMENT
    assert not set(kind_of("contact_method").values) & _PAYMENT


def test_tier_words_only_for_tiers() -> None:
    for name in ("general_type", "particular_type", "one_level", "top_level", "skill_level", "access_type"):
        kind = kind_of(name)
        assert not set(kind.values) & _TIERS, (name, kind)
    assert set(kind_of("membership_level").values) <= _TIERS
    assert kind_of("skill_level").values == ("beginner", "intermediate", "advanced")


def test_a_bare_head_takes_its_modifier_from_the_description() -> None:
    assert kind_of("address", 'Set "IP-addresses to listen on for incoming SMTP connections"').spec() == \
        {"faker": "ipv4_private"}
    assert kind_of("address", "the customer's home address").spec() == {"faker": "street_address"}


def test_the_seeder_picks_by_kind_for_fields_without_a_source() -> None:
    fields = [EntityField(name="server_id", type="string"), EntityField(name="ip_address", type="string"),
              EntityField(name="host_name", type="string"), EntityField(name="user_name", type="string"),
              EntityField(name="delivery_method", type="string")]
    domain = Domain(name="mail", entities=[Entity(name="servers", primary_key="server_id", fields=fields, rows=8)],
                    tools=[])
    rows = seed_rows(domain, {}, 7)["servers"]
    assert all(_is_ip(r["ip_address"]) for r in rows), rows
    assert all(_HOSTNAME.match(r["host_name"]) for r in rows), rows
    assert all(" " not in r["user_name"] for r in rows), rows  # a username, not a person's name
    assert not {r["delivery_method"] for r in rows} & _PAYMENT
    assert seed_rows(domain, {}, 7)["servers"] == rows  # the same seed, the same rows


def test_the_extractors_field_specs_follow_the_kind() -> None:
    assert _field_spec("ip_address") == {"type": "string", "faker": "ipv4_private"}
    assert _field_spec("host_name") == {"type": "string", "faker": "hostname"}
    assert not set(_field_spec("delivery_method", "delivery Delivery method")["values"]) & _PAYMENT
    assert _field_spec("payment_method", "order Payment method")["values"] == ["card", "bank transfer", "cash"]
    assert _field_spec("order_number")["faker"]["provider"] == "bothify"  # the rules where the kind says nothing


def test_a_new_value_is_another_value_of_the_same_kind() -> None:
    """"Change my host name" gives another hostname, not "db-01.long.info (updated)"."""
    row = {"host_name": "db-01.long.info", "ip_address": "10.0.0.7"}
    for field in ("host_name", "ip_address"):
        expr = _new_value(field, "string", _field_spec(field))
        new = compile_expr(expr)({"row": row}, None)
        assert new != row[field] and "updated" not in new, (field, new)
        assert (_is_ip(new) if field == "ip_address" else bool(_HOSTNAME.match(new))), new
        assert _new_value(field, "string", _field_spec(field)) == expr  # the same every run


EXIM = ("Configure exim4 for mail via a smarthost.\n\n"
        "    Select \"mail sent by smarthost; received via SMTP or fetchmail\" for \"General type of mail "
        "configuration\".\n\n"
        "    Set \"System mail name:\" to its default as the FQDN.\n\n"
        "    Set \"IP-addresses to listen on for incoming SMTP connections:\" to its default as "
        "\"127.0.0.1 ; ::1\".\n\n"
        "    Set \"IP address or host name of the outgoing smarthost:\" to \"smtp.hostname.dom:587\".\n")


def test_an_exim_configuration_seeds_addresses_hosts_and_mail_names_as_they_are() -> None:
    """The Debian run that showed "ip_address": "742 Evergreen Terrace" and "host_name": "Samantha
    Townsend (updated)": every seeded and new value is of its field's kind."""
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id="exim", text=EXIM, title="The configuration of exim4"),
        Verdict(id="exim", relevant=True, score=1.0, reason="test"))
    assert isinstance(domain, Domain), domain
    compile_domain(domain)
    entity = next(e for e in domain.entities if any(f.name == "ip_address" for f in e.fields))
    rows = seed_rows(domain, {}, domain.seed)[entity.name]
    assert rows and all(_is_ip(r["ip_address"]) for r in rows)
    assert all(_HOSTNAME.match(r["host_name"]) for r in rows)
    assert all(_HOSTNAME.match(r["system_mail_name"]) for r in rows)
    knows = {k: v for w in domain.workflows for k, v in w.knows.items()}
    for k in ("new_ip_address", "new_host_name", "new_system_mail_name"):
        if k in knows:
            assert "updated" not in knows[k] and "Evergreen" not in knows[k], knows[k]
