"""Issue 9 point 5's measure: do seeded values follow their field's meaning? (prints JSON)

Runs `gem synthesize` (offline, seed 5) on six corpora, or reads existing runs (`--run-dirs`),
seeds each domain's tables as its compile does, and lists per field its name, type, description,
source and a few values, with the tasks' new values for a change (`new_*` in what the user knows).
A value contradicts its field by one of these stated rules (the first that matches counts):

- ip: a field named *ip* (ip_address, server_ip) whose value is no IPv4/IPv6 address;
- host_person: a host/domain/server/mail-name field holding a person's name ("David Gonzalez");
- thing_person: another `<thing>_name` field (file, package, device ...; not a person's nor a
  place's) holding a person's name;
- street_not_postal: a street address in a non-postal address field (mac_address, email_address ...);
- payment_method: a payment method ("card", "bank transfer") in a `*method` field of a record
  that is not about paying;
- tier_word: a tier word (basic, premium, silver ...) in a generic type/level/kind field;
- updated_suffix: a new value made as "<old> (updated)";
- sentence_value: a sentence (six words or more) in a field whose name is no text field;
- keyboard_key: any value of a `<key>_key` field that names a keyboard key (return_key, l_key): a
  step presses it, the user gives no value;
- key_password: a product, signing/SSH or API key (cd_key, public_key, openai_api_key) holding a
  password's shape ("Da31NY32");
- code_digits: a snippet or promotion code (html_code, promotional_code) holding only digits;
- balance_money: a number in a balance that is no money (white_balance, wii_fit_balance);
- faker_slug: a `*_name` holding Faker's random words joined ("behind-feeling-fast");
- made_up_thing: a `<thing>_name` holding "<First name>'s <thing>" or "<City> <thing>" ("Robert's power");
- exit_status_word: a word in an exit status (a command returns a number);
- fragment_name: a field (any value) whose name opens with an adverb, a gerund or preposition, or
  a number word (simply_type, using_physical_drive_number, one_level).

`--known` measures the values users know in the runs' tasks (`scenario.knows`, each request's too,
one per corpus, field and value) instead of the seeded tables.

The rules only count what reading the list found; read `fields` too.

    .venv/bin/python bench/seed_values.py [--run-dirs DIR ...] [--out DIR] [--fields] [--known]
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared")
CORPORA = {"debian_docs_sections": 300, "wikihow_openpi_procedures": 300, "wikihow_goal_steps_1000": 300,
           "tldr_pages_en": 1000, "support_policies": 300, "tau2_banking_kb_docs": 300}

_IP = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]+$", re.I)
_PERSON = re.compile(r"^[A-Z][a-z]+(?: [A-Z]\.?)?(?: [A-Z][a-z'-]+)+(?: \(updated\))?$")
_STREET = re.compile(r"^\d+ [A-Z][a-z]+")
_PAYMENT = {"card", "bank transfer", "cash", "credit card", "debit card", "paypal", "check", "cheque", "wire transfer"}
_TIERS = {"basic", "premium", "silver", "gold", "bronze", "platinum", "diamond"}  # not "standard": a standard anything
_PAYING = re.compile(r"pay|refund|bill|charge|purchase|checkout|order|invoice|fee|deposit|transfer|fund|donat|tuition"
                     r"|rent|price|cost|subscription|withdraw", re.I)
_HOSTISH = {"host", "hostname", "domain", "server", "fqdn", "mailname", "mail", "smarthost", "relay", "dns"}
_PEOPLE = {"customer", "holder", "owner", "member", "patient", "passenger", "user", "full", "first", "last", "contact",
           "person", "recipient", "sender", "account", "cardholder", "beneficiary", "payee", "friend", "guest",
           "emergency", "nick", "middle", "maiden", "applicant", "student", "employee", "driver", "author", "agent",
           "officiant", "artist", "photographer", "lawyer", "attorney", "doctor", "dentist", "tutor", "coach",
           "trainer", "contractor", "realtor", "babysitter", "sitter", "witness", "sponsor", "mentor", "veterinarian",
           "vet", "plumber", "electrician", "teacher", "manager", "child", "parent", "spouse", "partner", "name"}
_PLACES = {"city", "town", "country", "street", "place"}  # Faker's "West Alexander" is a city
_TEXTY = {"description", "note", "notes", "comment", "reason", "message", "question", "review", "text", "summary",
          "statement", "caption", "bio", "body", "details", "feedback", "explanation", "instructions", "content",
          "answer", "response", "title", "subject", "command", "condition", "quote", "line", "prompt", "query",
          "label", "sentence", "phrase", "excerpt", "request", "tip", "goal", "motto", "slogan"}
_KEYBOARD = {"return", "enter", "tab", "shift", "esc", "escape", "ctrl", "control", "alt", "option", "command",
             "cmd", "space", "spacebar", "backspace", "delete", "home", "end", "windows", "fn", "globe"}
_KEYISH = {"product", "license", "licence", "cd", "activation", "serial", "public", "private", "ssh", "gpg", "pgp",
           "signing", "maintainers", "maintainer", "certificate", "api"}
_PASSWORDISH = re.compile(r"^[A-Za-z]{2}\d{2}[A-Za-z]{2}\d{2}$")
_SNIPPETISH = {"html", "css", "embed", "promo", "promotional", "discount", "coupon", "voucher"}
_MONEYISH = {"account", "available", "current", "card", "outstanding", "remaining", "loan", "credit", "gift",
             "starting", "opening", "closing", "minimum", "statement", "due", "cash", "wallet", "savings", "checking",
             "new", "bank", "prepaid"}
_LEADS = {"using", "including", "following", "regarding", "considering", "entering", "typing", "selecting",
          "one", "two", "three", "four", "five", "simply", "just", "now", "then", "also", "easily",
          "in", "on", "at", "for", "with", "from", "by", "of", "to", "into"}


def _faker_words() -> tuple[set[str], set[str], tuple[str, ...]]:
    """Faker's lorem words, first names and city suffixes ("-chester", "-land")."""
    from faker.providers.address.en_US import Provider as Address
    from faker.providers.lorem.en_US import Provider as Lorem
    from faker.providers.person.en_US import Provider as Person
    return set(Lorem.word_list), set(Person.first_names), tuple(Address.city_suffixes)


_LOREM, _FIRST_NAMES, _CITY_SUFFIXES = _faker_words()


def _fragment(field: str) -> bool:
    """Whether a field's name opens with a word no field is named by (module docstring)."""
    toks = _tokens(field.removeprefix("new_"))
    return len(toks) > 1 and (toks[0] in _LEADS or (toks[0].endswith("ly") and len(toks[0]) > 4
                                                    and toks[0] not in ("family", "early", "daily", "weekly")))


def _tokens(name: str) -> list[str]:
    return [t for t in name.lower().split("_") if t]


def _rule(field: str, entity: str, description: str, value: Any) -> str | None:
    """The first rule `value` breaks for its field (module docstring), or None."""
    toks = _tokens(field.removeprefix("new_"))
    head, mods = (toks[-1], toks[:-1]) if toks else ("", [])
    if head == "key" and len(mods) == 1 and (mods[0] in _KEYBOARD or len(mods[0]) == 1):
        return "keyboard_key"
    if head == "balance" and isinstance(value, (int, float)) and mods and mods[-1] not in _MONEYISH:
        return "balance_money"
    if not isinstance(value, str) or not value:
        return None
    if head == "key" and _KEYISH & set(mods) and _PASSWORDISH.match(value):
        return "key_password"
    if head == "code" and _SNIPPETISH & set(mods) and value.isdigit():
        return "code_digits"
    if head == "name" and re.fullmatch(r"[a-z]+(?:-[a-z]+)+", value) and set(value.split("-")) <= _LOREM:
        return "faker_slug"
    made = re.fullmatch(rf"([A-Z][a-z]+)('s)? {re.escape(mods[-1])}", value, re.I) if head == "name" and mods else None
    if made and (made[2] and made[1] in _FIRST_NAMES or not made[2] and made[1].endswith(_CITY_SUFFIXES)):
        return "made_up_thing"
    if head == "status" and mods[-1:] == ["exit"] and not value.isdigit():
        return "exit_status_word"
    if value.endswith("(updated)"):
        return "updated_suffix"
    if ({"ip", "ipv4", "ipv6"} & set(toks)) and not _IP.match(value):
        return "ip"
    if (_HOSTISH & set(toks) or field.endswith("mail_name")) and _PERSON.match(value) and "email" not in toks:
        return "host_person"
    if head == "name" and mods and mods[-1] not in _PEOPLE | _PLACES and _PERSON.match(value) \
            and not (set(mods) & _HOSTISH):
        return "thing_person"
    if head == "address" and mods and mods[-1] not in ("street", "home", "mailing", "billing", "shipping", "postal",
                                                       "delivery", "service", "new", "residential", "physical",
                                                       "business", "office", "return", "current") \
            and _STREET.match(value):
        return "street_not_postal"
    if "method" in head and value.lower() in _PAYMENT and not _PAYING.search(f"{field} {entity} {description}"):
        return "payment_method"
    if head in ("type", "level", "kind", "class", "category") and value.lower() in _TIERS \
            and not ({"tier", "plan", "membership", "subscription", "cabin", "seat", "fare", "account", "service"}
                     & set(toks)):
        return "tier_word"
    if len(value.split()) >= 6 and head not in _TEXTY and not (_TEXTY & set(toks)) and "@" not in value:
        return "sentence_value"
    return None


def _domain_fields(path: Path) -> list[dict[str, Any]]:
    """Each field of the domain's tables: name, type, description, source and its first seeded values."""
    from gem_env.tools import load_domain
    from gem_env.tools.seed import seed_rows
    domain = load_domain(path)
    rows = seed_rows(domain, {}, domain.seed)
    out = []
    for e in domain.entities:
        for f in e.fields:
            if f.name == e.primary_key or f.foreign_key or f.type not in ("string",):
                continue
            values = list(dict.fromkeys(r.get(f.name) for r in rows.get(e.name, [])))[:4]
            source = f.faker if f.faker is not None else ("values" if f.values is not None else "by name")
            out.append({"domain": domain.name, "entity": e.name, "field": f.name, "type": f.type,
                        "description": f.description, "source": source if isinstance(source, str)
                        else source.provider, "values": values})
    return out


def _new_values(run: Path) -> list[dict[str, Any]]:
    """The values users ask a field to be changed to (`new_*` in a task's knows), one per domain and name."""
    out, seen = [], set()
    tasks = run / "tasks.jsonl"
    if not tasks.exists():
        return out
    for line in tasks.open():
        t = json.loads(line)
        for k, v in (t.get("scenario") or {}).get("knows", {}).items():
            if k.startswith("new_") and (t["domain"], k) not in seen:
                seen.add((t["domain"], k))
                out.append({"domain": t["domain"], "entity": "", "field": k, "type": "new value",
                            "description": "", "source": "task", "values": [v]})
    return out


def _known_values(run: Path) -> list[dict[str, Any]]:
    """Every value users know in the run's tasks, one per field name and value."""
    out, seen = [], set()
    tasks = run / "tasks.jsonl"
    for line in tasks.open() if tasks.exists() else []:
        scenario = json.loads(line).get("scenario") or {}
        for knows in [scenario.get("knows", {})] + [r.get("knows", {}) for r in scenario.get("requests", [])]:
            for k, v in knows.items():
                if k.endswith("_id") or k == "email" or (k, json.dumps(v)) in seen:
                    continue
                seen.add((k, json.dumps(v)))
                out.append({"domain": "", "entity": "", "field": k, "type": "known", "description": "",
                            "source": "task", "values": [v]})
    return out


def measure(runs: dict[str, Path], known: bool = False) -> dict[str, Any]:
    counts: dict[str, collections.Counter] = {}
    flagged: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for corpus, run in runs.items():
        c = counts.setdefault(corpus, collections.Counter())
        found = _known_values(run) if known else \
            [f for p in sorted((run / "domains").glob("*.json")) for f in _domain_fields(p)] + _new_values(run)
        for f in found:
            c["fields"] += 1
            rules = [r for r in (_rule(f["field"], f["entity"], f["description"] or "", v) for v in f["values"]) if r]
            rules += ["fragment_name"] if _fragment(f["field"]) else []
            if rules:
                c[rules[0]] += 1
                flagged.append({"corpus": corpus, "rule": rules[0], **f})
            fields.append({"corpus": corpus, **f})
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    return {"total": dict(total), "per_corpus": {k: dict(v) for k, v in counts.items()},
            "flagged": flagged, "fields": fields}


def _synthesize(out: Path) -> dict[str, Path]:
    from gem_env.cli import main
    runs = {}
    for name, limit in CORPORA.items():
        run = out / name
        if not (SHARED / "corpora" / f"{name}.jsonl").exists():
            print(f"skipped: {SHARED / 'corpora' / name}.jsonl is absent", file=sys.stderr)
            continue
        rc = main(["synthesize", str(SHARED / "corpora" / f"{name}.jsonl"), "--out", str(run), "--limit", str(limit),
                   "--seed", "5"])
        if rc:
            raise SystemExit(f"synthesize {name} failed ({rc})")
        runs[name] = run
    return runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dirs", nargs="*", type=Path, help="existing runs (named by their folder) instead")
    ap.add_argument("--out", type=Path, help="where the runs go (default: a temporary folder)")
    ap.add_argument("--fields", action="store_true", help="also list every field (for reading by eye)")
    ap.add_argument("--known", action="store_true", help="measure the values users know in the tasks instead")
    args = ap.parse_args(argv)
    if args.run_dirs:
        runs = {p.name: p for p in args.run_dirs}
        report = measure(runs, args.known)
    elif args.out:
        report = measure(_synthesize(args.out), args.known)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = measure(_synthesize(Path(tmp)), args.known)
    if not args.fields:
        report.pop("fields")
    json.dump(report, sys.stdout, indent=1, default=str)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
