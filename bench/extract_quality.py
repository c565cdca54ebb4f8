"""Stage 2 quality on real text (offline backend): prints one JSON object.

- ``wikihow_steps``: on wikihow_goal_steps_1000.jsonl, the share of documents whose first workflow
  has exactly the given number of steps (the ``steps`` field) (target >= 0.9). Every document is
  extracted (wikiHow is hands-on, so the filter would drop most of it; this measures segmentation).
- ``kept``: on tau2_banking_kb_docs.jsonl and support_policies.jsonl, of the documents the offline
  filter keeps: the share yielding a compiling domain, with >= 1 write tool guarded by a
  precondition (any ``require``, and one from the text rather than the generic status guard),
  and with >= 1 admitted task (`gem_env.stages.tasks.make_tasks`).

- ``structure``: over the documents the offline filter keeps from tau2_banking_kb_docs.jsonl,
  support_policies.jsonl and examples/corpus, per compiled domain: tables, the share with >= 2
  tables linked by a foreign key (target >= 0.7), parameters per tool (target >= 1.8), enum
  parameters and ``require`` steps per domain, tools (also by path: service archetype or
  procedure fallback), **no-op tools** (target 0: a write tool that
  inserts, updates and deletes nothing, or a read tool returning the same expression over the same
  finds as an earlier tool) and **tools made from a tip or rule** (target 0: the tool's source
  sentence is a prohibition, advice or a rule about the assistant: "Don't...", "You should...",
  "make sure", "must not", "cannot"); ``text_products``: domains with a products table of the text's
  own products, with the title product's figures, with an ``open_``/``apply_for_`` tool, and the
  eligibility rules those tools carry; ``text_remedies``: domains with a remedy the text grants
  (an extra fee removed, a refund or credit, a promo code: ``service_perks.py``) and those whose
  remedy is ruled by membership level; ``issued_cards``: domains with an ``issue_<card>`` tool
  (``service_issue.py``) and the count and cap rules from the text those tools carry; ``bookings``:
  domains with a workflow booking from the catalog (``service_bookings.py``) and those where it is
  the first (what the title is about); ``customer_additions``: domains with a record the customer
  adds (``submit_reading``, ``add_line``: ``service_additions.py``) and the rules from the text
  those tools carry; ``exchanges``: domains where an item is exchanged for another variant of its
  product (``service_exchanges.py``), those where it is the first workflow, and the rules from the
  text that tool carries; ``tracking``: domains whose shipped records carry a carrier and a
  tracking number read by ``track_<main>`` (``service_tracking.py``); ``extensions``: domains whose
  record's period is extended to the customer's date (``service_extensions.py``), those that quote
  its price first, and the rules from the text the extending tool carries; ``routes``: domains whose
  bookings move to another flight (``service_rebooking.py``), that list the places served
  (``service_places.py``), that search trips with one stop (``service_connections.py``);
  ``certificates``: domains granting a compensation certificate (``service_certificates.py``).
- ``taubench_recall``: the first tau-bench's retail and airline policies (``wiki.md``) extracted
  offline; the share of their real tools (think/calculate left out: 26) that an extracted tool
  recovers, and of those tools' parameters, by the hand-judged map in
  ``bench/data/taubench_tool_map.json`` (target >= 0.6).
- ``procedure_names``: the procedure path on the wikiHow run (``bench/procedure_names.py``): the
  share of step tools whose name holds a token that is no verb or object noun of its step, the
  share of goals with a subtitle or capitalised common words, parameters per step tool besides
  the record id, and the run's accepted trajectories.

Run: python bench/extract_quality.py [--corpora DIR] [--external DIR] [--only structure,taubench_recall]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from gem_env.io.corpus import iter_documents
from gem_env.documents import Rejection, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.filter import OfflineFilter
from gem_env.stages.tasks import make_tasks
from gem_env.tools import Domain
from gem_env.documents import Document
from gem_env.tools.model import (DeleteStep, FindStep, ForEachStep, IfStep, InsertStep, RequireStep,
                                 ReturnStep, UpdateStep)

ROOT = Path(__file__).resolve().parents[1]
STATUS_GUARD = re.compile(r"\.status [!=]= '")


def guarded(domain: Domain, from_text: bool) -> bool:
    return any(t.kind == "write" and any(isinstance(s, RequireStep) and not (from_text and STATUS_GUARD.search(s.require))
                                         for s in t.effect or []) for t in domain.tools)


def text_steps(domain: Any) -> list[Any]:
    """The first workflow's steps for the text's steps: not the read a procedure opens with, which
    lists the customer's records by their email (round 40) or by the thing's own name (round 49):
    how their record is found, no step of the text."""
    steps = list(domain.workflows[0].steps)
    first = domain.tool(steps[0].tool) if steps else None
    find = first.effect[0] if first is not None and first.effect else None
    if steps and steps[0].span is None and getattr(find, "many", False) and \
            re.fullmatch(r"find_\w+_by_(?:email|name)", steps[0].tool):
        return steps[1:]
    return steps


def wikihow(path: Path) -> dict[str, Any]:
    ex = OfflineExtractor()
    total = exact = rejected = 0
    off: Counter[int] = Counter()
    started = time.perf_counter()
    for doc in iter_documents([path]):
        total += 1
        got = ex.extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="measured"))
        if isinstance(got, Rejection):
            rejected += 1
            continue
        diff = len(got.guide or text_steps(got)) - len(doc.meta["steps"])  # (the guide holds the steps no call does)
        exact += diff == 0
        if diff:
            off[diff] += 1
    return {"documents": total, "exact_step_count": exact, "share_exact": round(exact / total, 4),
            "rejected": rejected, "off_by": dict(sorted(off.items())), "target": 0.9,
            "seconds": round(time.perf_counter() - started, 1)}


def kept(path: Path) -> dict[str, Any]:
    f, ex = OfflineFilter(), OfflineExtractor()
    c: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for doc in iter_documents([path]):
        c["documents"] += 1
        verdict = f.judge(doc)
        if not verdict.relevant:
            continue
        c["kept"] += 1
        got = ex.extract(doc, verdict)
        if isinstance(got, Rejection):
            reasons[got.reason[:80]] += 1
            continue
        compiled = check_domain(got)
        if isinstance(compiled, str):
            reasons["does not compile"] += 1
            continue
        c["compiling"] += 1
        c["guarded_write"] += guarded(got, from_text=False)
        c["text_guarded_write"] += guarded(got, from_text=True)
        tasks, _ = make_tasks(compiled, per_domain=3, doc_id=doc.id)
        c["admitted"] += bool(tasks)
        c["admitted_write"] += any(t.kind == "write" for t in tasks)
    n = max(1, c["kept"])
    return {"documents": c["documents"], "kept": c["kept"],
            "share_compiling": round(c["compiling"] / n, 4),
            "share_guarded_write": round(c["guarded_write"] / n, 4),
            "share_text_guarded_write": round(c["text_guarded_write"] / n, 4),
            "share_admitted_task": round(c["admitted"] / n, 4),
            "share_admitted_write_task": round(c["admitted_write"] / n, 4),
            "extract_rejections": dict(reasons.most_common(5))}


RULE_SENTENCE = re.compile(
    r"^\W*(?:don'?t|do\s+not|never|always|avoid|remember|note|tip|make\s+sure|be\s+sure|you\s+(?:should|must|"
    r"can|may|have\s+to|need\s+to)|please)\b|\b(?:should\s+not|must\s+not|cannot|can't|may\s+not)\b", re.I)


def _all_steps(steps: list) -> list:
    out = []
    for s in steps or []:
        out.append(s)
        if isinstance(s, ForEachStep):
            out += _all_steps(s.do)
        elif isinstance(s, IfStep):
            out += _all_steps(s.then) + _all_steps(s.else_)
    return out


def noop_tools(domain: Domain) -> list[str]:
    """Write tools that change nothing; read tools that repeat an earlier tool's finds and return."""
    seen: set[str] = set()
    out = []
    for t in domain.tools:
        steps = _all_steps(t.effect or [])
        if t.kind == "write":
            if not any(isinstance(s, (InsertStep, UpdateStep, DeleteStep)) for s in steps):
                out.append(t.name)
            continue
        sig = json.dumps([[s.find, sorted(s.where)] for s in steps if isinstance(s, FindStep)]
                         + [s.return_ for s in steps if isinstance(s, ReturnStep)], sort_keys=True, default=str)
        if sig in seen:
            out.append(t.name)
        seen.add(sig)
    return out


def rule_tools(domain: Domain) -> list[str]:
    """Tools whose source sentence (span, else description) is a rule, prohibition or tip."""
    return [t.name for t in domain.tools
            if RULE_SENTENCE.search((t.span.text if t.span and t.span.text else t.description) or "")]


def linked(domain: Domain) -> bool:
    """>= 2 tables, one referring to another by a foreign key."""
    return len(domain.entities) >= 2 and any(
        f.foreign_key and f.foreign_key.split(".")[0] != e.name for e in domain.entities for f in e.fields)


def structure(paths: list[Path]) -> dict[str, Any]:
    f, ex = OfflineFilter(), OfflineExtractor()
    c: Counter[str] = Counter()
    per_tool: list[int] = []
    noop_examples: list[str] = []
    rule_examples: list[str] = []
    for doc in iter_documents([str(p) for p in paths]):
        verdict = f.judge(doc)
        if not verdict.relevant:
            continue
        c["kept"] += 1
        got = ex.extract(doc, verdict)
        if isinstance(got, Rejection) or isinstance(check_domain(got), str):
            continue
        c["domains"] += 1
        c["tables"] += len(got.entities)
        c["linked"] += linked(got)
        c["tools"] += len(got.tools)
        path = "service" if " service)" in got.description else "procedure"
        c[f"{path}_domains"] += 1
        c[f"{path}_tools"] += len(got.tools)
        c["workflows"] += len(got.workflows)
        per_tool += [len(t.parameters) for t in got.tools]
        c["enums"] += sum(1 for t in got.tools for p in t.parameters if p.enum)
        c["requires"] += sum(1 for t in got.tools for s in _all_steps(t.effect or []) if isinstance(s, RequireStep))
        products = got.entity("products")
        if products is not None and products.data:  # the text's own products (service_products.py)
            c["product_domains"] += 1
            c["product_facts"] += any(len(r) > 2 and any(v is not None for v in r.values()) for r in products.data[:1])
            opener = next((t for t in got.tools if t.name.startswith(("open_", "apply_for_"))), None)
            c["open_tools"] += opener is not None
            c["eligibility_rules"] += sum(1 for s in (opener.effect if opener else []) if isinstance(s, RequireStep))
        level = any(f.name == "membership_level" for e in got.entities for f in e.fields)
        remedy = next((t for t in got.tools if t.name in ("issue_promo_code", "issue_refund", "issue_credit")
                       or t.name.startswith("remove_") and t.name.endswith("_fee")), None)
        c["remedy_domains"] += remedy is not None
        c["level_rules"] += remedy is not None and level
        issuer = next((t for t in got.tools if t.name.startswith("issue_") and t.name != "issue_refund"
                       and t.name not in ("issue_promo_code", "issue_credit", "issue_certificate")), None)
        booking = next((w for w in got.workflows if w.category == "book"), None)  # service_bookings.py
        c["booking_domains"] += booking is not None
        c["booking_first"] += bool(booking) and got.workflows[0] is booking
        adder = next((t for t in got.tools if t.name.startswith(("submit_", "add_"))), None) if path == "service" else None
        c["addition_domains"] += adder is not None
        c["addition_rules"] += sum(1 for s in (adder.effect if adder else []) if isinstance(s, RequireStep)
                                   and s.message.endswith("."))  # a sentence of the text, not a built-in check
        swap = next((w for w in got.workflows if w.category == "exchange"), None)  # service_exchanges.py
        swapper = next((t for t in got.tools if t.name.startswith("exchange_")), None) if swap else None
        c["exchange_domains"] += swap is not None
        c["exchange_first"] += bool(swap) and got.workflows[0] is swap
        c["exchange_rules"] += sum(1 for s in (swapper.effect if swapper else []) if isinstance(s, RequireStep)
                                   and s.message.endswith("."))  # a sentence of the text
        c["tracking_domains"] += any(t.name.startswith("track_") for t in got.tools) and path == "service"
        extend = next((w for w in got.workflows if w.category == "extend"), None)  # service_extensions.py
        extender = next((t for t in got.tools if extend and t.name == extend.steps[-1].tool), None)
        c["extension_domains"] += extend is not None
        c["extension_quoted"] += any(t.name.startswith("quote_") for t in got.tools) and extend is not None
        c["extension_rules"] += sum(1 for s in (extender.effect if extender else []) if isinstance(s, RequireStep)
                                    and s.message.endswith("."))  # a sentence of the text
        names = {t.name for t in got.tools} if path == "service" else set()
        c["rebooking_domains"] += any(re.fullmatch(r"update_\w+_flight", n) for n in names)
        c["places_domains"] += any(re.fullmatch(r"list_airports", n) for n in names)
        c["connections_domains"] += any(n.startswith("search_onestop_") for n in names)
        c["certificate_domains"] += "issue_certificate" in names
        c["issue_domains"] += issuer is not None
        c["issue_rules"] += sum(1 for s in (issuer.effect if issuer else []) if isinstance(s, RequireStep)
                                and "more than $0" not in s.message)
        noops, rules = noop_tools(got), rule_tools(got)
        c["noop_tools"] += len(noops)
        c["rule_tools"] += len(rules)
        noop_examples += [f"{doc.id}:{n}" for n in noops[:1]]
        rule_examples += [f"{doc.id}:{n}" for n in rules[:1]]
    n = max(1, c["domains"])
    return {"kept": c["kept"], "domains": c["domains"],
            "tables_per_domain": round(c["tables"] / n, 2),
            "share_linked_tables": round(c["linked"] / n, 3), "target_linked": 0.7,
            "tools_per_domain": round(c["tools"] / n, 2),
            "tools_per_domain_by_path": {p: round(c[f"{p}_tools"] / max(1, c[f"{p}_domains"]), 2)
                                         for p in ("service", "procedure")},
            "domains_by_path": {p: c[f"{p}_domains"] for p in ("service", "procedure")},
            "workflows_per_domain": round(c["workflows"] / n, 2),
            "params_per_tool": round(sum(per_tool) / max(1, len(per_tool)), 2), "target_params": 1.8,
            "enum_params_per_domain": round(c["enums"] / n, 2),
            "requires_per_domain": round(c["requires"] / n, 2),
            "noop_tools": c["noop_tools"], "rule_tools": c["rule_tools"],
            "text_products": {"domains": c["product_domains"], "with_facts": c["product_facts"],
                              "with_open_tool": c["open_tools"], "eligibility_rules": c["eligibility_rules"]},
            "text_remedies": {"domains": c["remedy_domains"], "with_level_rule": c["level_rules"]},
            "issued_cards": {"domains": c["issue_domains"], "limit_rules": c["issue_rules"]},
            "bookings": {"domains": c["booking_domains"], "first_workflow": c["booking_first"]},
            "customer_additions": {"domains": c["addition_domains"], "rules_from_text": c["addition_rules"]},
            "exchanges": {"domains": c["exchange_domains"], "first_workflow": c["exchange_first"],
                          "rules_from_text": c["exchange_rules"]},
            "tracking": {"domains": c["tracking_domains"]},
            "extensions": {"domains": c["extension_domains"], "quoted": c["extension_quoted"],
                           "rules_from_text": c["extension_rules"]},
            "routes": {"rebooking": c["rebooking_domains"], "places": c["places_domains"],
                       "connections": c["connections_domains"]},
            "certificates": {"domains": c["certificate_domains"]},
            "noop_examples": noop_examples[:5], "rule_examples": rule_examples[:5]}


def taubench_recall(external: Path) -> dict[str, Any]:
    spec = json.loads((ROOT / "bench" / "data" / "taubench_tool_map.json").read_text(encoding="utf-8"))
    aliases: dict[str, list[str]] = spec["aliases"]
    ex = OfflineExtractor()
    out: dict[str, Any] = {}
    hit_tools = total_tools = hit_params = total_params = 0
    schemas = {}
    for env in ("retail", "airline"):
        for t in json.loads((external / "tau-bench-tasks-json" / f"{env}_tool_schemas.json").read_text()):
            fn = t.get("function", t)
            schemas[(env, fn["name"])] = list(fn["parameters"]["properties"])
    for env in ("retail", "airline"):
        text = (external / "tau-bench" / "tau_bench" / "envs" / env / "wiki.md").read_text(encoding="utf-8")
        doc = Document(id=f"taubench-{env}", text=text, title=f"{env} agent policy")
        got = ex.extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="measured"))
        tools = {} if isinstance(got, Rejection) else {t.name: [p.name for p in t.parameters] for t in got.tools}
        matched = {}
        for real, rule in spec[env].items():
            name = next((n for n in tools if any(re.search(p, n) for p in rule["names"])), None)
            real_params = schemas[(env, real)]
            total_tools += 1
            total_params += len(real_params)
            if name is None:
                continue
            hit_tools += 1
            found = [p for p in real_params if p in tools[name] or set(aliases.get(p, [])) & set(tools[name])]
            hit_params += len(found)
            matched[real] = {"tool": name, "params": f"{len(found)}/{len(real_params)}"}
        out[env] = {"extracted_tools": sorted(tools), "matched": matched,
                    "missed": sorted(set(spec[env]) - set(matched))}
    out["tool_recall"] = round(hit_tools / max(1, total_tools), 3)
    out["param_recall"] = round(hit_params / max(1, total_params), 3)
    out["tools"], out["target"] = f"{hit_tools}/{total_tools}", 0.6
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    p.add_argument("--external", type=Path, default=ROOT.parent / "shared" / "external" / "taubench")
    p.add_argument("--only", default="wikihow_steps,kept,structure,taubench_recall,procedure_names")
    args = p.parse_args()
    if not args.corpora.is_dir():
        sys.exit(f"{args.corpora}: not found (the corpora live in ../shared/corpora)")
    parts = set(args.only.split(","))
    report: dict[str, Any] = {}
    if "wikihow_steps" in parts:
        report["wikihow_steps"] = wikihow(args.corpora / "wikihow_goal_steps_1000.jsonl")
    if "kept" in parts:
        report["kept"] = {name: kept(args.corpora / f"{name}.jsonl")
                          for name in ("tau2_banking_kb_docs", "support_policies")}
    if "structure" in parts:
        report["structure"] = structure([args.corpora / "tau2_banking_kb_docs.jsonl",
                                         args.corpora / "support_policies.jsonl", ROOT / "examples" / "corpus"])
    if "taubench_recall" in parts:
        report["taubench_recall"] = taubench_recall(args.external)
    if "procedure_names" in parts:
        import tempfile
        import procedure_names
        corpus = args.corpora / "wikihow_goal_steps_1000.jsonl"
        with tempfile.TemporaryDirectory() as tmp:
            procedure_names.synthesize(corpus, Path(tmp) / "run")
            got = procedure_names.measure(Path(tmp) / "run", corpus)
        report["procedure_names"] = {k: v for k, v in got.items() if not k.endswith("examples")}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
