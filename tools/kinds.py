"""What kind of value a string field holds, read from its name: the head noun and its modifiers.

The last word of a name says what the value is (`ip_address` is an address, `host_name` a name)
and the words before it say of what: "ip" makes the address an IP address, "host" makes the name a
hostname, and `delivery_method` is a payment method only where the record is about paying. The
first word that matches a pattern is not the kind ("address" in `ip_address` once gave a street).
A name that is its head alone ("address") takes its modifier from the words the field is
described by ("IP-addresses to listen on").

A kind is a Faker provider call or a list of values; `Kind.others` draws a few values of it for a
change the user asks for (a different host name, not "<old> (updated)").
"""
from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from faker import Faker


@dataclass(frozen=True)
class Kind:
    """A Faker provider and its arguments, or a fixed list of values."""

    provider: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    values: tuple[str, ...] = ()

    def spec(self) -> dict[str, Any]:
        """The field-spec keys that seed this kind (`EntityField.faker` or `.values`)."""
        if self.values:
            return {"values": list(self.values)}
        return {"faker": {"provider": self.provider, "args": dict(self.args)} if self.args else self.provider}

    def draw(self, fake: Faker, rng: random.Random) -> Any:
        """One value: a list's drawn by `rng`, a provider's by `fake`."""
        if self.values:
            return rng.choice(self.values)
        return getattr(fake, self.provider)(**self.args)  # type: ignore[arg-type]

    def others(self, name: str, n: int = 3) -> list[str]:
        """Up to `n` distinct values of this kind, the same for the same field name (Faker seeded
        from the name): the values a user may ask a field to be changed to."""
        if self.values:
            return list(self.values)
        fake = Faker("en_US")
        fake.seed_instance(zlib.crc32(name.encode("utf-8")))
        out: list[str] = []
        for _ in range(n * 4):
            value = str(getattr(fake, self.provider)(**self.args))  # type: ignore[arg-type]
            if value not in out:
                out.append(value)
            if len(out) == n:
                break
        return out


def _k(provider: str, **args: Any) -> Kind:
    return Kind(provider, args)


def _v(*values: str) -> Kind:
    return Kind(values=values)


IPV4, IPV6, MAC = _k("ipv4_private"), _k("ipv6"), _k("mac_address")
HOSTNAME, DOMAIN, URL, EMAIL = _k("hostname"), _k("domain_name"), _k("url"), _k("email")
STREET, CITY, COUNTRY, POSTCODE = _k("street_address"), _k("city"), _k("country"), _k("postcode")
PERSON, FIRST, LAST, USER = _k("name"), _k("first_name"), _k("last_name"), _k("user_name")
FILE, EXTENSION, COMPANY = _k("file_name"), _k("file_extension"), _k("company")
PAYMENT = _v("card", "bank transfer", "cash")
TIERS = _v("basic", "silver", "gold")
PLANS = _v("basic", "standard", "premium")

#: beings a person names with a first name (a game character, a pet)
_BEINGS = frozenset("character pet dog cat puppy kitten baby horse avatar hero bird fish hamster rabbit".split())
#: things whose names are identifiers, not words of a language (a package, a bucket, a profile)
_TECHNICAL = frozenset(
    "package bucket repo repository branch project database db table container image volume service session "
    "module profile network ssid wifi printer queue tag key group channel team workspace "
    "process job task setting environment env instance cluster node pool bridge interface "
    "partition disk drive device share resource library plugin extension theme template script function class "
    "object index schema role policy".split())
#: what a name is a person's name of: a person's role ("author", "contact") or a part of it ("full", "middle")
_NAMED_PEOPLE = frozenset(
    "full middle maiden given family contact author owner customer holder member patient passenger person recipient "
    "sender cardholder beneficiary payee friend guest emergency applicant student employee driver agent officiant "
    "artist photographer lawyer attorney doctor dentist tutor coach trainer contractor realtor babysitter sitter "
    "witness sponsor mentor veterinarian vet plumber electrician teacher manager child parent spouse partner "
    "maintainer uploader developer admin administrator signer reviewer caller client tenant landlord "
    "buyer seller payer teammate opponent instructor speaker".split())
#: things whose names are identifiers of a record's columns, and apps people open by name
_FIELDS = frozenset("field column variable property parameter attribute".split())
_APPS = frozenset("app application program".split())
_COMPANIES = frozenset("company business employer brand store shop vendor merchant bank organization organisation "
                       "firm supplier provider insurer lender dealer agency".split())
_HOSTS = frozenset("host server machine computer node relay gateway router mailserver".split())
_DOMAINS = frozenset("domain mail dns site web url".split())
_PAYING = re.compile(r"\b(?:pay|payment|payments|paying|paid|refund|refunds|bill|billing|bills|charge|charges|"
                     r"purchase|purchases|checkout|invoice|invoices|fee|fees|deposit|deposits|tuition|rent|"
                     r"donation|donations|subscription|order|orders|fund|funds|funding)\b", re.I)
_SHIPPING = re.compile(r"\b(?:ship|shipping|shipment|shipments|parcel|parcels|package|packages|order|orders|"
                       r"courier|postage|tracking)\b", re.I)
_MOBILE = re.compile(r"\b(?:phone|phones|mobile|cell|cellular|wireless|sim|smartphone|data\s+plan)\b", re.I)
#: one-word compounds split into modifier and head
_COMPOUNDS = {"hostname": ("host", "name"), "username": ("user", "name"), "filename": ("file", "name"),
              "mailname": ("mail", "name"), "nickname": ("nick", "name"), "surname": ("last", "name"),
              "ipaddress": ("ip", "address"), "ipaddr": ("ip", "address"), "macaddress": ("mac", "address"),
              "fqdn": ("host", "name"), "smarthost": ("host",),
              "website": ("web", "url"), "homepage": ("web", "url"), "zipcode": ("zip",), "postcode": ("zip",),
              "firstname": ("first", "name"), "lastname": ("last", "name"), "fullname": ("full", "name"),
              "filetype": ("file", "type")}
#: words after the head that do not change it ("address_line_1", "host_name_2")
_TAIL = frozenset("line new old current primary secondary default 1 2 3".split())


#: Debian package names (what `apt install` takes): a package is known by its name, never a number
DEBIAN_PACKAGES = _v(
    "coturn", "nginx", "apache2", "postfix", "exim4", "openssh-server", "vim", "emacs", "git", "curl", "rsync",
    "sudo", "aptitude", "build-essential", "python3", "samba", "bind9", "isc-dhcp-server", "slapd", "dovecot-imapd",
    "fetchmail", "cups", "chrony", "ufw", "lvm2", "mdadm", "grub-pc", "network-manager", "squid",
    "mariadb-server", "postgresql", "redis-server", "openvpn", "wireguard", "unattended-upgrades", "debootstrap",
    "xen-tools", "nfs-kernel-server", "apt-listchanges", "tmux")
LOCALES = _v(*(f"{code}.UTF-8" for code in (
    "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT", "nl_NL", "sv_SE", "da_DK", "fi_FI",
    "nb_NO", "pl_PL", "cs_CZ", "hu_HU", "ru_RU", "uk_UA", "tr_TR", "el_GR", "ja_JP", "ko_KR", "zh_CN", "zh_TW",
    "he_IL", "ar_EG", "hi_IN")))
#: how an extracted how-to's record table describes itself ("pages the procedure acts on")
PROCEDURE_RECORDS = "the procedure acts on"
#: how a how-to's tool for a step only the customer can take describes itself (a press on their
#: screen, plugging in their Wii, catching a Vulpix in their game): it records what the customer
#: reports done, it does not do it, and the assistant guides the step and says what the record shows
CUSTOMER_STEP = "Record that the customer has done"


def customer_step(description: str | None) -> bool:
    """Whether a tool described so records a step the customer takes themselves (`CUSTOMER_STEP`)."""
    return (description or "").startswith(CUSTOMER_STEP)


_COUNT = r"(?:\d+(?:[.,]\d+)?(?:\s*(?:-|to|or)\s*\d+)?|a\s+few|several|a\s+couple\s+of|two|three|four|five|six|seven|" \
         r"eight|nine|ten|twelve|fifteen|twenty|thirty|a|an|one)"
_SPAN = rf"(?:(?:at\s+least|about|around|roughly|up\s+to|some|a\s+good)\s+)?{_COUNT}\s+(?:more\s+|full\s+|whole\s+)?" \
        r"(?:hours?|days?|nights?|weeks?|months?|years?)"
#: a step's words that say it lasts longer than a visit: a wait or a stretch of hours or more ("Wait 24
#: hours.", "Try streaming for at least 3 months", "Do this routine for about 4 days", "having a perfect
#: town for 15 days", "Let it dry overnight"), a change of nature or a game's to wait for ("Keep the
#: Black Rose outside until it wilts", "Train it until it evolves"), a store built up by repeating
#: ("Repeat until you have 1k of logs"). Minutes are not: a customer waits them out in the chat
_TAKES_TIME = re.compile(
    rf"\b(?:wait(?:ing)?|for|over)\s+(?P<span>{_SPAN})\b"
    r"|\b(?P<night>overnight|the\s+next\s+day|the\s+following\s+day)\b"
    r"|\buntil\s+(?:it|they|he|she|the\s+[\w-]+|your\s+[\w-]+)\s+(?:(?:is|are|has|have)\s+)?(?P<grows>wilts?|wilted|evolves?|evolved|"
    r"grows?|grown|ripens?|ripe|sprouts?|sprouted|blooms?|bloomed|hatch(?:es|ed)?|dries|dried|hardens?|hardened|"
    r"matures?|matured|heals?|healed|gets\s+fat|levels?\s+up)\b"
    r"|\brepeat(?:\s+[\w,]+){0,4}?\s+until\s+you\s+have\b", re.IGNORECASE)
#: words before a span that make it a condition or the length of a thing, not of the step: "Email
#: iTunes if you don't mind waiting a few days" (the email is sent now; the answer takes the days), "a
#: server certificate for 825 days", "Rent the car for 3 days", "book a room for two nights"
_NOT_THE_STEPS = re.compile(r"\b(?:if|unless|in\s+case|when)\b[^.;]*$|\b(?:certificate|valid|validity|expire|expires|rent|"
                            r"renting|book|booking|reserve|hire|lease|loan|licen[cs]e|subscription|warranty|pass|ticket|"
                            r"trial|stay|plan)\b[^.;]{0,25}$", re.IGNORECASE)


def takes_time(step: str) -> str | None:
    """How long a customer's step takes, where it lasts longer than a visit (`_TAKES_TIME`): its span
    as the step says it ("24 hours", "at least 3 months", "overnight"), "" where the step names none
    ("until it wilts", "repeat until you have 1k of logs"); None for a step done within the chat (a
    span in a condition, or a thing's own length, `_NOT_THE_STEPS`, is no wait). A line that ends
    in a colon is a program's prompt or a list's lead-in, no step ("... certificate for 825 days:")."""
    text = " ".join(step.split())
    if text.endswith(":"):
        return None
    for m in _TAKES_TIME.finditer(text):
        if _NOT_THE_STEPS.search(text[:m.start()]):
            continue
        if m.group("span"):
            return m.group("span")
        return m.group("night") or ""
    return None
#: a step taken only if it suits the reader ("Email iTunes if you don't mind waiting a few days.", "Get
#: iTunes support to call you if you'd like to talk on the phone.")
_IF_IT_SUITS = re.compile(r"\bif\s+you(?:['’]d|\s+would)?\s+(?:(?:rather|like|prefer|want|wish)\b|don['’]t\s+mind\b)",
                          re.IGNORECASE)


def alternatives(steps: Any) -> list[tuple[int, int]]:
    """The runs (start, end) of two or more steps in a row each taken only if it suits the reader
    (`_IF_IT_SUITS`): ways to one end, of which the customer takes one ("Email iTunes if you don't mind
    waiting a few days." "Get iTunes support to call you if you'd like to talk on the phone." "Start an
    online chat session if you want to talk with a representative."). A lone such step ("Give your text
    a background if you like.") is the guide's own step."""
    runs: list[tuple[int, int]] = []
    start = None
    texts = list(steps) + [""]
    for k, text in enumerate(texts):
        if _IF_IT_SUITS.search(text or ""):
            start = k if start is None else start
            continue
        if start is not None and k - start >= 2:
            runs.append((start, k))
        start = None
    return runs


def either(steps: Any) -> str:
    """Alternatives (`alternatives`) said as one step: "Then do whichever of these suits you: email
    iTunes if you don't mind waiting a few days; get iTunes support to call you if you'd like to talk
    on the phone; or start an online chat session if you want to talk with a representative." """
    said = [" ".join(s.split()).rstrip(" .;") for s in steps]
    said = [s[:1].lower() + s[1:] if s[1:2].islower() else s for s in said]
    return "Then do whichever of these suits you: " + "; ".join(said[:-1]) + "; or " + said[-1] + "."


def one_of(steps: Any) -> str:
    """Alternatives (`alternatives`) as the one step the customer takes, each way without what it
    suits ("Email iTunes, get iTunes support to call you or start an online chat session."): the
    checklist marks this step, true whichever way was taken."""
    said = [" ".join(s.split()) for s in steps]
    said = [s[:m.start()] if (m := _IF_IT_SUITS.search(s)) else s for s in said]
    said = [s.rstrip(" .;,") for s in said]
    said = [s if k == 0 or not s[1:2].islower() else s[:1].lower() + s[1:] for k, s in enumerate(said)]
    return ", ".join(said[:-1]) + " or " + said[-1] + "."


#: things a person knows by their name, not by a record number: the kind of that name (values enough
#: for a table's rows to be told apart; the record's field is `<noun>_name`): a how-to's customer
#: names the one they mean ("the photo IMG_2041.jpg", "my contact Jessica Miller"). Anything else a
#: how-to procedure acts on is the customer's own (their phone, their balcony), found through them by email.
NAMED_BY = {"package": DEBIAN_PACKAGES, "file": FILE, "document": _k("file_name", category="office"), "server": HOSTNAME, "host": HOSTNAME,
            "machine": HOSTNAME, "website": DOMAIN, "site": DOMAIN, "domain": DOMAIN,
            "locale": LOCALES,
            **dict.fromkeys(("picture", "photo", "image", "screenshot"), _k("bothify", text="IMG_####.jpg")),
            "video": _k("bothify", text="VID_####.mp4"), "pdf": _k("file_name", extension="pdf"),
            "spreadsheet": _k("file_name", extension="xlsx"), "presentation": _k("file_name", extension="pptx"),
            "song": _k("file_name", extension="mp3"), "user": USER, "contact": PERSON, "friend": PERSON}
#: a person's own device goes by the name it shows ("Maya's iPhone", as a phone names itself):
#: the one they mean among their devices, said as they would say it (never an email for it)
_DEVICES = {"iphone": "iPhone", "ipad": "iPad", "ipod": "iPod", "phone": "phone", "smartphone": "smartphone",
            "tablet": "tablet", "laptop": "laptop", "computer": "computer", "pc": "PC", "mac": "Mac",
            "macbook": "MacBook", "chromebook": "Chromebook", "kindle": "Kindle", "xbox": "Xbox", "tv": "TV",
            "television": "TV", "router": "router", "printer": "printer", "console": "console"}
_OWNERS = ("Maya", "Noah", "Elena", "Ben", "Grace", "Hiro", "Isla", "Jamal", "Priya", "Luca", "Olga", "Farid",
           "Chloe", "David", "Kim", "Ana", "Sofia", "Omar", "Lena", "Tom", "Aisha", "Leo", "Nora", "Sam",
           "Ivy", "Raj", "Zoe", "Max", "Mia", "Ella")
NAMED_BY.update({d: _v(*(f"{n}'s {said}" for n in _OWNERS)) for d, said in _DEVICES.items()})
#: things named only where the customer finds theirs by that name (a request about one they have): a
#: name that says whose it is ("Maya's iPhone") is never beside an email of someone else's, and one
#: picture's or friend's name is no answer to "take a picture" or "hide friends on Facebook"
NAMED_WHEN_ASKED = frozenset({*_DEVICES, "picture", "photo", "image", "screenshot", "video", "pdf", "spreadsheet",
                              "presentation", "song", "user", "contact", "friend"})


def words(name: str) -> list[str]:
    """A field name's words, compounds split: "new_hostname" -> [new, host, name]."""
    out: list[str] = []
    for w in re.findall(r"[a-z0-9]+", name.lower()):
        out.extend(_COMPOUNDS.get(w, (w,)))
    while len(out) > 1 and out[-1] in _TAIL:
        out.pop()
    return out


def _modifier_in(context: str, head: str) -> list[str]:
    """The word right before `head` where the description says it ("IP-addresses to listen on" -> ip)."""
    m = re.search(rf"([A-Za-z0-9]+)[\s-]+{head}(?:es|s)?\b", context, re.I)
    return words(m.group(1)) if m else []


def _name(m: str, context: str) -> Kind:
    if m in ("first", "given"):
        return FIRST
    if m in ("last", "family"):
        return LAST
    if m in ("user", "login", "account", "screen", "player", "gamer"):
        return USER
    if m in _HOSTS:
        return HOSTNAME
    if m in _DOMAINS:
        return DOMAIN
    if m in ("file", "document"):
        return FILE
    if m in _BEINGS or m == "nick":
        return FIRST
    if m in ("city", "town"):
        return CITY
    if m == "country":
        return COUNTRY
    if m in _COMPANIES:
        return COMPANY
    if m in _FIELDS:
        return _v("First Name", "Email", "Phone Number", "Signature", "Total")  # said as written (a code was said in words)
    if m in _APPS:
        return _v("Notes", "Calendar", "Spotify", "WhatsApp", "Google Maps")
    if m in _TECHNICAL:
        return _v(f"my-{m}", f"{m}-dev", f"{m}-backup", f"test-{m}", f"{m}-2024")
    if not m or m in _NAMED_PEOPLE or m in ("display", "public", "real"):
        return PERSON
    return thing_names(m)  # a session's, a DVD's, a party's: no person's name ("Barbara Duran")


def thing_names(thing: str) -> Kind:
    """Names a person gives a thing ("Work session", "Family DVD")."""
    return _v(*(f"{w} {thing}" for w in ("Main", "Work", "Family", "Summer", "Backup")))


def _address(m: str, context: str) -> Kind:
    if m in ("ip", "ipv4", "internet", "listen", "listening", "bind", "loopback"):
        return IPV4
    if m == "ipv6":
        return IPV6
    if m in ("mac", "hardware", "ethernet", "bluetooth", "wifi"):
        return MAC
    if m in ("email", "e", "mail", "reply", "forwarding", "sender", "recipient"):
        return EMAIL
    if m in ("web", "url", "site"):
        return URL
    if m in _HOSTS:
        return HOSTNAME
    return STREET


def _method(m: str, context: str) -> Kind:
    if m in ("payment", "pay", "billing", "refund", "funding", "deposit", "payout"):
        return PAYMENT
    if m in ("contact", "notification", "communication", "reply", "alert", "reminder"):
        return _v("email", "phone", "text message")
    if m in ("login", "sign", "auth", "authentication", "verification", "security", "unlock", "mfa"):
        return _v("password", "one-time code", "security key")
    if m in ("delivery", "shipping", "shipment") and _SHIPPING.search(context):
        return _v("standard", "express", "pickup")
    return PAYMENT if _PAYING.search(context) else _v("manual", "automatic")


def _type(m: str, context: str) -> Kind:
    if m == "file":
        return EXTENSION
    if m in ("mime", "content", "media"):
        return _k("mime_type")
    if m in ("access", "permission", "share"):
        return _v("read-only", "read-write")
    if m == "card":
        return _v("credit", "debit")
    if m in ("payment", "pay"):
        return PAYMENT
    if m in ("plan", "membership", "subscription", "tier", "room", "ticket", "seat", "fare"):
        return PLANS
    if m in ("connection", "network", "internet"):
        return _v("wired", "wireless")
    return _v("standard", "custom")


def _level(m: str, context: str) -> Kind:
    if m in ("skill", "experience", "difficulty", "proficiency", "fitness", "reading", "player", "expertise"):
        return _v("beginner", "intermediate", "advanced")
    if m in ("membership", "member", "tier", "loyalty", "rewards", "reward", "vip", "status"):
        return TIERS
    if m in ("access", "permission", "privilege", "clearance", "user"):
        return _v("read", "write", "admin")
    if m in ("log", "logging", "debug", "verbosity"):
        return _v("debug", "info", "warning", "error")
    return _v("low", "medium", "high")


def _carrier(m: str, context: str) -> Kind:
    if m in ("mobile", "phone", "cell", "wireless") or _MOBILE.search(context):
        return _v("Verizon", "AT&T", "T-Mobile")
    if m in ("shipping", "delivery", "parcel") or _SHIPPING.search(context):
        return _v("UPS", "FedEx", "USPS")
    return COMPANY


def _balance(m: str, context: str) -> Kind | None:
    """A camera's white balance is a setting; any other balance is money (a number field)."""
    return _v("auto", "daylight", "cloudy", "tungsten", "fluorescent") if m in ("white", "color", "colour") else None


def _code(m: str, context: str) -> Kind | None:
    """Code that is a snippet, a promotion's code, a car's trouble code; others are digits (a number field)."""
    if m in ("html", "css", "embed", "source", "javascript", "js", "snippet", "iframe", "widget"):
        return _v('<a href="https://example.com">Visit us</a>', '<img src="logo.png" alt="Logo">',
                  '<p style="color:red">Sale today</p>', '<div class="banner">Welcome</div>', "<br>")
    if m in ("promo", "promotional", "promotion", "discount", "coupon", "voucher", "referral", "offer"):
        return _v("SAVE20", "WELCOME10", "SPRING15", "FREESHIP", "EXTRA5")
    if m in ("dtc", "obd", "obd2", "trouble", "diagnostic", "engine"):
        return _k("bothify", text="P0###")
    return None


def _key(m: str, context: str) -> Kind | None:
    """A product key is five groups of five, a signing or SSH key is named by its id, an API
    key is a long token; another key is a secret (a password field)."""
    if m in ("product", "license", "licence", "cd", "activation", "serial", "registration", "windows", "steam"):
        return _k("bothify", text="#?#??-?##?#-??#?#-#?#??-?#??#", letters="BCDFGHJKMPQRTVWXY")
    if m in ("public", "private", "ssh", "gpg", "pgp", "signing", "maintainer", "maintainers", "certificate",
             "encryption", "archive", "repository", "host", "rsa"):
        return _k("hexify", text="0x^^^^^^^^^^^^^^^^", upper=True)
    if m in ("api", "access", "secret", "openai", "developer"):
        return _k("bothify", text="sk-????????????????????????", letters="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ")
    return None


def _status(m: str, context: str) -> Kind | None:
    """A command's exit status is a number it returns; another status is a stage (a status field)."""
    return _v("0", "1", "2") if m == "exit" else None


#: heads whose kind their modifier decides, and heads that are one kind whatever the modifier
_BY_HEAD = {"name": _name, "address": _address, "method": _method, "type": _type, "level": _level,
            "carrier": _carrier, "balance": _balance, "code": _code, "key": _key, "status": _status}
_FIXED = {"ip": IPV4, "ipv4": IPV4, "ipv6": IPV6, "mac": MAC, "host": HOSTNAME, "server": HOSTNAME,
          "domain": DOMAIN, "url": URL, "link": URL, "email": EMAIL, "user": USER, "tier": TIERS, "plan": PLANS,
          "city": CITY, "town": CITY, "country": COUNTRY, "zip": POSTCODE, "company": COMPANY, "employer": COMPANY,
          "street": STREET}


def kind_of(name: str, context: str = "") -> Kind | None:
    """The kind of a string field called `name`, or None where its head says nothing of one.

    `context` is what else is known of the field (its record's noun, its description): it decides
    a bare head's modifier and whether a method is a payment method."""
    ws = words(name)
    if not ws:
        return None
    head = next((h for h in (ws[-1], ws[-1][:-2], ws[-1][:-1]) if h in _BY_HEAD or h in _FIXED), None)  # hosts
    if head is None or head in _FIXED:
        return _FIXED.get(head)  # type: ignore[arg-type]
    mods = [w for w in ws[:-1] if w != "new"] or (_modifier_in(context, head) if head != "status" else [])
    return _BY_HEAD[head](mods[-1] if mods else "", context)
