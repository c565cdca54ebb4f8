"""Issue 9 point 5 / issue 11 point 2's measure: do a seeded row's dates come in the order their names
imply? (prints JSON)

Seeds, at several seeds, every archetype (specialised with its own keywords), every document of
examples/corpus, the support policies and tau2 banking (../shared/corpora) the offline extractor
keeps, and the hand-written domains of examples/domains, and lists every row where

- within: two date fields of one row are out of the order of their names: a record is made
  (booked_on, created_on, filed_on ...) before it starts (picked_up_at, check_in, issued_on,
  starts_at ...) or anything else happens to it (last_scanned_at), and starts before it ends
  (return_by, check_out, due_date, expires_on ...);
- parent: a date of a row falls before its parent row was made or began (a dispute filed before its
  transaction was posted, a card's charge before the card was issued);
- apart: two monthly records of one parent (bills, invoices, statements) fall under 28 days apart
  (a line's bills issued on Nov 13, 14 and 18), or two installments of one plan under 14 days;
- off_price: a monthly record's amount is not its parent's monthly price or fee (a line at $45.50 a
  month with a bill of $125.89);
- falls: a reading of one parent (a meter's, an odometer's: a table or number field named so) lower
  than the one before it by date (46719 on Jul 31, then 19788 on Dec 10).

Dates are compared by day where either is a date. A birth date is no event of the record.

    .venv/bin/python bench/date_order.py [--seeds 0 1 2 3 4] [--examples N]
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared")
CORPORA = [ROOT / "examples" / "corpus", SHARED / "corpora" / "support_policies.jsonl",
           SHARED / "corpora" / "tau2_banking_kb_docs.jsonl"]

_MADE = r"booked|created|placed|filed|requested|submitted|ordered|applied|registered|signed|added|reported|logged"
_START = (r"start|starts|started|begin|began|opened|issued|picked|pickup|check_in|checkin|borrowed|purchased|departure"
          r"|depart|departs|effective|shipped|sent|send|travel|since|enrolled|joined|posted|scheduled|from")
_END = (r"end|ends|ended|closed|due|return|returned|expires|expiry|expiration|check_out|checkout|until|reply"
        r"|delivered|arrival|arrive|arrives|completed|resolved|finished|paid|to|through")
_BORN = _MADE + r"|start|starts|started|began|opened|issued|since|enrolled|joined|posted"
TIERS = [re.compile(rf"(^|_)({words})(_|$)") for words in (_MADE, _START, _END)]
BORN = re.compile(rf"(^|_)({_BORN})(_|$)")
NO_EVENT = re.compile(r"birth|dob|born")
KINDS = ("within", "parent", "apart", "off_price", "falls")
READING = re.compile(r"reading|odometer|mileage|meter")
MONTHLY = re.compile(r"^(bills|invoices|statements|installments)$")


def tier(name: str) -> int | None:
    """0 made, 1 starts, 2 ends; None for a date whose name says no place (the last tier named wins:
    check_in_date starts, returned_on ends)."""
    if NO_EVENT.search(name):
        return None
    found = [(m.start(2), k) for k, rx in enumerate(TIERS) for m in rx.finditer(name)]
    return max(found)[1] if found else None


def _when(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _before(a: tuple[str, dt.datetime], b: tuple[str, dt.datetime], types: dict[str, str]) -> bool:
    """Whether a's date is strictly before b's (by day where either is a date)."""
    if "date" in (types[a[0]], types[b[0]]):
        return a[1].date() < b[1].date()
    return a[1] < b[1]


def out_of_order(domain: Any, rows: dict[str, list[dict]]) -> list[dict[str, Any]]:
    """Every row whose dates break the order their names imply (kind: within or parent)."""
    out: list[dict[str, Any]] = []
    entities = {e.name: e for e in domain.entities}
    index = {name: {r.get(e.primary_key): r for r in rows.get(name, [])} for name, e in entities.items()}
    for e in domain.entities:
        types = {f.name: f.type for f in e.fields if f.type in ("date", "datetime")}
        fks = [(f.name, f.foreign_key.split(".", 1)[0]) for f in e.fields if f.foreign_key]
        for r in rows.get(e.name, []):
            dates = [(n, w) for n in types if (w := _when(r.get(n))) is not None and not NO_EVENT.search(n)]
            ranked = [(d, tier(d[0])) for d in dates]
            for a, ta in ranked:
                for b, tb in ranked:
                    if (ta == 0 and tb is None or ta is not None and tb is not None and ta < tb) and _before(b, a, types):
                        out.append({"kind": "within", "table": e.name, "first": a[0], "then": b[0],
                                    "values": [r[a[0]], r[b[0]]], "status": r.get("status")})
            for key, table in fks:
                parent, pe = index.get(table, {}).get(r.get(key)), entities.get(table)
                if parent is None or pe is None:
                    continue
                ptypes = {f.name: f.type for f in pe.fields if f.type in ("date", "datetime") and BORN.search(f.name)
                          and not NO_EVENT.search(f.name)}
                born = [(n, w) for n in ptypes if (w := _when(parent.get(n))) is not None]
                for p in born:
                    for d in dates:
                        if _before(d, p, {**ptypes, **types}):
                            out.append({"kind": "parent", "table": e.name, "first": f"{table}.{p[0]}", "then": d[0],
                                        "values": [parent[p[0]], r[d[0]]], "status": r.get("status")})
        if MONTHLY.match(e.name) and fks:
            out += _monthly(e, rows.get(e.name, []), fks[0], index)
        if fks and types:
            out += _falls(e, rows.get(e.name, []), fks[0][0], next(iter(types)))
    return out


def _falls(e: Any, rows: list[dict], key: str, day: str) -> list[dict[str, Any]]:
    """A reading lower than the one before it, of one parent row, by the row's first date."""
    out: list[dict[str, Any]] = []
    for f in (f for f in e.fields if f.type in ("integer", "number")
              and (READING.search(f.name) or READING.search(e.name) and f.name in ("value", "reading"))):
        by_parent: dict[Any, list[tuple[dt.datetime, Any]]] = collections.defaultdict(list)
        for r in rows:
            if (w := _when(r.get(day))) is not None and isinstance(r.get(f.name), (int, float)):
                by_parent[r.get(key)].append((w, r[f.name]))
        for mine in by_parent.values():
            mine.sort(key=lambda x: x[0])
            out += [{"kind": "falls", "table": e.name, "first": f.name, "then": f.name, "values": [v1, v2],
                     "status": None} for (_, v1), (_, v2) in zip(mine, mine[1:]) if v2 < v1]
    return out


def _monthly(e: Any, rows: list[dict], fk: tuple[str, str], index: dict[str, dict]) -> list[dict[str, Any]]:
    """A parent's monthly records under 28 days apart (`apart`), and their amounts off its monthly
    price or fee (`off_price`)."""
    out: list[dict[str, Any]] = []
    key, table = fk
    day = next((f.name for f in e.fields if f.type in ("date", "datetime")), None)
    amount = next((f.name for f in e.fields if f.name in ("amount", "amount_due", "total")), None)
    by_parent: dict[Any, list[dict]] = collections.defaultdict(list)
    for r in rows:
        by_parent[r.get(key)].append(r)
    for pk, mine in by_parent.items():
        parent = index.get(table, {}).get(pk) or {}
        monthly = next((v for n, v in parent.items() if n.startswith("monthly_") and isinstance(v, (int, float))), None)
        if amount and monthly is not None:
            out += [{"kind": "off_price", "table": e.name, "first": f"{table}.monthly", "then": amount,
                     "values": [monthly, r[amount]], "status": r.get("status")} for r in mine if r.get(amount) != monthly]
        days = sorted(((w, r) for r in mine if day and (w := _when(r.get(day))) is not None), key=lambda x: x[0])
        out += [{"kind": "apart", "table": e.name, "first": day, "then": day, "values": [r1[day], r2[day]],
                 "status": r2.get("status")} for (w1, r1), (w2, r2) in zip(days, days[1:])
                if (w2 - w1).days < (14 if e.name == "installments" else 28)]
    return out


def archetype_domains() -> Iterator[tuple[str, Any]]:
    """Each archetype specialised with a text of its own keywords, as the offline extractor builds it."""
    from gem_env.stages.extract import service
    from gem_env.stages.extract.archetypes import ARCHETYPES
    from gem_env.stages.extract.offline import DEFAULT_CLOCK
    from gem_env.tools import parse_domain
    for arch in ARCHETYPES:
        built = service.build_service(arch, " ".join(arch.keywords) + ".", clock=DEFAULT_CLOCK, rows=24)
        built.pop("spans")
        yield f"archetype:{arch.key}", parse_domain({"name": arch.key, "clock": DEFAULT_CLOCK, "seed": 0, **built})


def corpus_domains(limit: int | None) -> Iterator[tuple[str, Any]]:
    """Every document of the corpora the offline filter and extractor keep, by its archetype."""
    from gem_env.io.corpus import iter_documents
    from gem_env.stages.extract.offline import OfflineExtractor
    from gem_env.stages.filter import OfflineFilter
    flt, ex = OfflineFilter(), OfflineExtractor()
    for source in CORPORA:
        if not source.exists():
            continue
        for n, doc in enumerate(iter_documents([source])):
            if limit is not None and n >= limit:
                break
            verdict = flt.judge(doc)
            if not verdict.relevant:
                continue
            got = ex.extract(doc, verdict)
            if hasattr(got, "entities"):
                kind = re.search(r"\((\w+) service\)", got.description or "")
                yield f"{kind.group(1) if kind else 'procedure'}", got


def example_domains() -> Iterator[tuple[str, Any]]:
    from gem_env.tools import load_domain
    for path in sorted((ROOT / "examples" / "domains").glob("*.yaml")):
        yield f"example:{path.stem}", load_domain(path)


def audit(domains: Iterator[tuple[str, Any]], seeds: list[int]) -> dict[str, Any]:
    from gem_env.tools.seed import seed_rows
    rows_seen: collections.Counter = collections.Counter()
    bad: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    pairs: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    examples: dict[str, list] = collections.defaultdict(list)
    for group, domain in domains:
        for seed in [*seeds, domain.seed]:
            rows = seed_rows(domain, {}, seed)
            rows_seen[group] += sum(len(v) for v in rows.values())
            found = out_of_order(domain, rows)
            keyed = {(x["kind"], x["table"], json.dumps(x["values"])): x for x in found}
            for x in found:
                pairs[group][f"{x['kind']} {x['table']}: {x['first']} > {x['then']}"] += 1
            for kind in KINDS:
                bad[group][kind] += len({(t, v) for (k, t, v) in keyed if k == kind})
            examples[group] += [dict(x, domain=domain.name, seed=seed) for x in found[:1] if len(examples[group]) < 2]
    return {"rows": sum(rows_seen.values()),
            "out_of_order": {k: sum(c[k] for c in bad.values()) for k in KINDS},
            "groups": {g: {"rows": rows_seen[g], **bad[g], "pairs": dict(pairs[g].most_common(6)),
                           "examples": examples[g]} for g in sorted(rows_seen) if sum(bad[g].values())}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--examples", type=int, default=None, help="documents per corpus at most")
    args = ap.parse_args(argv)
    domains = [*archetype_domains(), *example_domains(), *corpus_domains(args.examples)]
    json.dump(audit(iter(domains), args.seeds), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
