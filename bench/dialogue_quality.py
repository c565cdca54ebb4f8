"""Issue 9's measure: what the accepted offline trajectories would teach a model (prints JSON).

Runs `gem synthesize` (offline extractor, scripted user, workflow agent) on tau2 banking, the
support policies (both in ../shared/corpora) and examples/corpus, then reads the accepted
trajectories: task-kind shares, arguments taken from earlier tool output, distinct-2gram ratios,
the most common assistant opening, snake_case / domain-id leaks into natural-language text, goal
strings pasted into first turns, consecutive identical tool replies, calls repeating an earlier
call with the same reply, and per-trajectory size. `replies_that_disagree` counts trajectories whose
tool replies do not hold together as a real service's data does (issue 11, `disagreements`).
For context, τ-bench's few-shot trajectories' assistant distinct-2gram beside ours at the same pool
size (a pooled ratio falls as the pool grows; the target stays the pooled figure), and what the
assistant's bigrams are made of (the 50 most common, their share, the share of distinct ones with a digit).

    .venv/bin/python bench/dialogue_quality.py [--run-dir DIR]   # DIR: measure an existing run instead
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared")
# ../shared beside the project (a worktree under /work/wt has it two levels up)
CORPORA = SHARED / "corpora"
# τ-bench's own few-shot trajectories (written by a strong model): the peer for distinct-2gram
PEER_FEW_SHOT = SHARED / "external" / "taubench" / "tau-bench" / "few_shot_data"
SOURCES = {
    "tau2_banking": CORPORA / "tau2_banking_kb_docs.jsonl",
    "support_policies": CORPORA / "support_policies.jsonl",
    "examples": ROOT / "examples" / "corpus",
}
_WORD = re.compile(r"[a-z0-9$']+(?:[.,][0-9]+)*")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_MASK = re.compile(r"\b[A-Z]{2,}-?\d+\b|\$?\d[\d,.:/-]*|\S+@\S+")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def _ngrams(texts: list[str], n: int = 2) -> tuple[int, int]:
    total, distinct = 0, set()
    for t in texts:
        words = _WORD.findall(t.lower())
        grams = list(zip(*(words[i:] for i in range(n))))
        total += len(grams)
        distinct.update(grams)
    return len(distinct), total


def _opening(text: str) -> str:
    return " ".join(text.lower().split()[:3])


def _spoken(messages: list[dict[str, Any]], role: str) -> list[str]:
    return [m["content"] for m in messages
            if m.get("role") == role and isinstance(m.get("content"), str) and m["content"].strip()
            and not m.get("tool_calls")]


def _scalars(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _scalars(v)]
    if isinstance(value, list):
        return [s for v in value for s in _scalars(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


def chained_argument(messages: list[dict[str, Any]]) -> bool:
    """Whether some tool-call argument is a value first seen in an earlier tool reply (not said by the
    user or in the system prompt)."""
    seen_tool: set[str] = set()
    said = " ".join(m.get("content") or "" for m in messages if m.get("role") in ("user", "system"))
    for m in messages:
        if m.get("role") == "tool":
            try:
                seen_tool.update(s for s in _scalars(json.loads(m.get("content") or "null")) if len(s) >= 3)
            except json.JSONDecodeError:
                pass
        for call in m.get("tool_calls") or []:
            try:
                args = json.loads(call["function"].get("arguments") or "{}")
            except json.JSONDecodeError:
                continue
            if any(s in seen_tool and s not in said for s in _scalars(args) if len(s) >= 3):
                return True
    return False


def repeated_reads(messages: list[dict[str, Any]]) -> int:
    """Tool calls that repeat an earlier call of the trajectory (same tool, same arguments) and get
    the same reply: a read that tells nothing new (issue 9: "a step that reads nothing new does not
    call a tool that returns the same record again")."""
    called: dict[str, tuple[str, str]] = {}
    seen: set[tuple[str, str, str]] = set()
    n = 0
    for m in messages:
        for c in m.get("tool_calls") or []:
            called[c.get("id")] = (c["function"]["name"], c["function"].get("arguments") or "")
        if m.get("role") == "tool" and m.get("tool_call_id") in called:
            key = (*called[m["tool_call_id"]], m.get("content") or "")
            n += key in seen
            seen.add(key)
    return n


_READ = re.compile(r"^(?:get|list|find|search|check|show|view|lookup)_")


_STATUS_CITED = re.compile(r"(?:an?|the) (.+?) that is .+? cannot (.+)$")
_SMALL = frozenset("a an the to of and or is are be can for in on with this that it its your you we our has have at by "
                   "from as not no only must".split())


def rule_citations(messages: list[dict[str, Any]], reasons: list[str]) -> tuple[int, int]:
    """(the task's refusal reasons the assistant gives (`verify_kinds.gives_reason`), and of them
    those its system prompt does not hold): the rule's words are not mostly in the prompt, and for a
    status rule the prompt has no "Only a <noun> that is ... can <act>" (a model trained on them
    learns to cite rules it was not given)."""
    from gem_env.stages.verify_kinds import gives_reason
    prompt = (messages[0].get("content") or "").lower() if messages and messages[0].get("role") == "system" else ""
    known = {w.rstrip(".") for w in re.findall(r"[a-z0-9$%.]+", prompt)}  # ("verified." ends a sentence)
    said = [m["content"] for m in messages if m.get("role") == "assistant" and isinstance(m.get("content"), str)]
    cited = outside = 0
    for rule in reasons:
        if not any(gives_reason(rule, [], text) for text in said):
            continue
        cited += 1
        status = _STATUS_CITED.match(rule.lower())
        if status and re.search(rf"only an? {re.escape(status[1])} that is [^.]* can {re.escape(status[2])}", prompt):
            continue
        words = {w.rstrip(".") for w in re.findall(r"[a-z0-9$%.]+", rule.lower()) if w not in _SMALL and len(w) > 2}
        outside += len(words - known) > 0.4 * len(words)
    return cited, outside


def echoed_reads(messages: list[dict[str, Any]]) -> int:
    """Reads of one record whose reply is a record a list showed whole earlier in the trajectory,
    with no other call (one that may write) between: opening it only echoes the list (a flight
    a search showed, opened again before the move). Tools are told apart by their names' verbs."""
    called: dict[str, str] = {}
    shown: list[Any] = []
    n = 0
    for m in messages:
        for c in m.get("tool_calls") or []:
            called[c.get("id")] = c["function"]["name"]
        if m.get("role") != "tool" or m.get("tool_call_id") not in called:
            continue
        if not _READ.match(called[m["tool_call_id"]]):
            shown = []
            continue
        try:
            reply = json.loads(m.get("content") or "")
        except ValueError:
            continue
        if isinstance(reply, dict):
            n += reply in shown
        elif isinstance(reply, list):
            shown += [r for r in reply if isinstance(r, dict)]
    return n


_BY_NAME = re.compile(r"^find_\w+_by_name")  # the customer could not give their email (`tasks.kinds.by_name`)


_OTHER_WRITING = re.compile(r"\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b|\b\d{1,2} [A-Z][a-z]+ \d{4}\b|\b\d{1,2}/\d{1,2}/\d{4}\b"
                            r"|\b\d{4}-\d\d-\d\d\b|\$\d{4,}|\bdollars\b|\b\d{1,2}(?::\d\d)?(?:am|pm|AM|PM)\b|\d (?:AM|PM)\b")


def session_features(records: list[dict[str, Any]]) -> dict[str, float]:
    """The share of sessions showing each of round 17's behaviours: a second request named in the
    first message and offered by the assistant; a user who writes dates, money or times their own
    way; a customer whose earlier try went wrong, acknowledged; a user who asks what a change will
    do; a user who asks again for the number of something made for them; and (round 18) an
    assistant asking whether a later request is about the record an earlier one was, and the
    share of those the user says is another record; an assistant offering, after a refusal, to
    hand the request to a person, and the share of sessions where the user took it up; (round 57)
    a refusal the customer clears, then the request done."""
    from gem_env.tools.referring import PROPOSED_RECORD
    from gem_env.agents.workflow_agent import HANDOFF_OFFERED
    from gem_env.agents import banks as B
    from gem_env.simulators import phrases as P
    repeat = tuple(q.split("{x}")[0] for q in P.ASK_REPEAT)
    counts = collections.Counter()
    for r in records:
        assistant, user = _spoken(r["messages"], "assistant"), _spoken(r["messages"], "user")
        counts["second_request_named_up_front_and_offered"] += any("you also mentioned" in t.lower() for t in assistant)
        counts["user_writing_values_their_own_way"] += any(_OTHER_WRITING.search(t) for t in user)
        counts["earlier_trouble_acknowledged"] += bool(assistant) and assistant[0].startswith(tuple(B.TROUBLE))
        counts["question_what_a_change_will_do"] += any(t in P.ASK_EFFECT for t in user)
        counts["number_asked_for_again"] += any(t.startswith(repeat) for t in user)
        same = [j for j, m in enumerate(r["messages"]) if m.get("role") == "assistant" and not m.get("tool_calls")
                and (p := PROPOSED_RECORD.search(m.get("content") or "")) and p["same"]]
        offers = [j for j, m in enumerate(r["messages"]) if m.get("role") == "assistant" and not m.get("tool_calls")
                  and HANDOFF_OFFERED.search(m.get("content") or "")]
        counts["handoff_offered_after_a_refusal"] += bool(offers)
        counts["handoff_offer_taken_up"] += any(
            (r["messages"][j + 1].get("content") or "").startswith(tuple(P.MOVE_ON)) for j in offers if j + 1 < len(r["messages"]))
        counts["asked_if_the_same_record_as_before"] += bool(same)
        counts["refusal_cleared_then_done"] += any(x.get("lifted_by") for x in r["task"].get("refusals") or [])
        counts["told_it_is_another_record"] += any(
            re.match(r"\W*(?:no|actually, no)\b", r["messages"][j + 1].get("content") or "", re.IGNORECASE)
            for j in same if j + 1 < len(r["messages"]))
    n = max(1, len(records))
    return {k: round(counts[k] / n, 3) for k in ("second_request_named_up_front_and_offered",
                                                 "user_writing_values_their_own_way", "earlier_trouble_acknowledged",
                                                 "question_what_a_change_will_do", "number_asked_for_again",
                                                 "asked_if_the_same_record_as_before", "told_it_is_another_record",
                                                 "handoff_offered_after_a_refusal", "handoff_offer_taken_up",
                                                 "refusal_cleared_then_done")}


def measure(records: list[dict[str, Any]]) -> dict[str, Any]:
    n = max(1, len(records))
    kinds = collections.Counter(str(r["task"].get("category")) for r in records)
    assistant = [t for r in records for t in _spoken(r["messages"], "assistant")]
    user = [t for r in records for t in _spoken(r["messages"], "user")]
    openings = collections.Counter(_opening(t) for t in assistant)
    top = openings.most_common(1)[0] if openings else ("", 0)
    first_turns = [next(iter(_spoken(r["messages"], "user")), "") for r in records]
    masked = [_MASK.sub("#", t).lower() for t in first_turns]
    snake = snake_spoken = ids = goal_pasted = same_replies = pairs = repeated = echoed = 0
    messages = calls = distinct_tools = chained = by_name = cited = uncited = 0
    four: list[int] = []  # distinct tools of each 4-request session (issue 11's aim: 8 or more)
    for r, first in zip(records, first_turns):
        domain = r["domain"]
        natural = [m.get("content") or "" for m in r["messages"]
                   if m.get("role") in ("system", "user", "assistant") and isinstance(m.get("content"), str)]
        snake += sum(len(_SNAKE.findall(t)) for t in natural)
        snake_spoken += sum(len(_SNAKE.findall(m.get("content") or "")) for m in r["messages"]
                            if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str))
        ids += sum(t.count(domain) for t in natural)
        goal = (r["task"].get("scenario") or {}).get("goal", "").strip().rstrip(".")
        goal_pasted += bool(goal) and goal.lower() in first.lower()
        replies = [m.get("content") for m in r["messages"] if m.get("role") == "tool"]
        pairs += max(0, len(replies) - 1)
        same_replies += sum(a == b for a, b in zip(replies, replies[1:]))
        repeated += repeated_reads(r["messages"])
        echoed += echoed_reads(r["messages"])
        reasons = [x["reason"] for x in r["task"].get("refusals") or []]
        cited, uncited = (a + b for a, b in zip((cited, uncited), rule_citations(r["messages"], reasons)))
        messages += len(r["messages"])
        tools = [c["function"]["name"] for m in r["messages"] for c in m.get("tool_calls") or []]
        calls += len(tools)
        distinct_tools += len(set(tools))
        if len((r["task"].get("scenario") or {}).get("requests") or []) == 4:
            four.append(len(set(tools)))
        by_name += any(_BY_NAME.match(t) for t in tools)
        chained += chained_argument(r["messages"])
    a_distinct, a_total = _ngrams(assistant)
    u_distinct, u_total = _ngrams(user)
    return {
        "trajectories": len(records),
        "kind_share": {k: round(v / n, 3) for k, v in sorted(kinds.items())},
        "share_with_argument_from_earlier_tool_output": round(chained / n, 3),
        "assistant_distinct_2gram_ratio": round(a_distinct / max(1, a_total), 3),
        "user_distinct_2gram_ratio": round(u_distinct / max(1, u_total), 3),
        "top_assistant_opening": top[0], "top_assistant_opening_share": round(top[1] / max(1, len(assistant)), 3),
        "first_user_turns_distinct_after_masking": round(len(set(masked)) / n, 3),
        "snake_case_in_natural_text": snake, "snake_case_in_user_and_assistant_text": snake_spoken,
        "domain_ids_in_natural_text": ids,
        "share_first_turns_with_goal_string": round(goal_pasted / n, 3),
        "share_consecutive_identical_tool_replies": round(same_replies / max(1, pairs), 3),
        "share_tool_calls_repeating_an_earlier_call_and_reply": round(repeated / max(1, calls), 3),
        "share_tool_calls_echoing_a_listed_record": round(echoed / max(1, calls), 3),
        "share_customer_found_by_name_and_zip": round(by_name / n, 3),
        "rules_cited": {"cited": cited, "not_in_the_system_prompt": uncited},
        "share_of_sessions_with": session_features(records),
        "mean_messages": round(messages / n, 2), "mean_tool_calls": round(calls / n, 2),
        "mean_distinct_tools": round(distinct_tools / n, 2),
        "four_request_sessions": {"sessions": len(four), "mean_distinct_tools": round(sum(four) / max(1, len(four)), 2),
                                  "with_8_or_more_tools": sum(t >= 8 for t in four)},
        "replies_that_disagree": dict(sorted(collections.Counter(k for r in records
                                                                 for k in disagreements(r["messages"])).items())),
    }


_ENDED = {"closed", "cancelled", "canceled", "removed", "terminated", "deleted", "expired", "deactivated"}


def _dicts(value: Any) -> Any:
    """Every mapping inside a decoded tool reply."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _dicts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _dicts(v)


def disagreements(messages: list[dict[str, Any]]) -> set[str]:
    """What in one trajectory's tool replies does not hold together (each named once):
    - compare_counting_ended: "which of my accounts has the lowest balance?" answered over a closed one;
    - closed_holding_balance: a closed record showing a balance;
    - bill_off_price / bills_under_a_month_apart: a line's bill not its monthly price, or two under 28 days apart;
    - installments_disagree: a plan's installments of different amounts, or due under 14 days apart;
    - fare_ignores_cabin: a premium or business booking at its flight's (economy) price;
    - size_of_unsized: a product of a kind sold in no sizes shown in a size (a coffee grinder "size M");
    - memo_amount: a payment's amount outside what its memo costs ("Rent" for $79.55)."""
    from gem_env.stages.extract.archetypes import _MEMO_AMOUNTS, _OPTIONS_BY_KIND
    unsized = {k for k, opts in _OPTIONS_BY_KIND.items() if not any("size" in o for o in opts)}
    out: set[str] = set()
    status: dict[str, str] = {}
    price: dict[str, float] = {}
    bills: dict[str, tuple[Any, Any, Any]] = {}
    for m in messages:
        if m.get("role") == "assistant" and m.get("content") and re.search(r"\b(highest|lowest)\b", m["content"]):
            said = m["content"].split("I've left out")[0]
            named = [i for i in status if i in said]
            if len(named) >= 2 and any(status[i] in _ENDED for i in named):
                out.add("compare_counting_ended")
        if m.get("role") != "tool":
            continue
        try:
            reply = json.loads(m.get("content") or "")
        except ValueError:
            continue
        for d in _dicts(reply):
            first = next(iter(d), None)
            if isinstance(d.get("status"), str) and isinstance(d.get(first), str):
                status[d[first]] = d["status"]
            if d.get("status") == "closed" and isinstance(d.get("balance"), (int, float)) and d["balance"]:
                out.add("closed_holding_balance")
            if "line_id" in d and isinstance(d.get("monthly_price"), (int, float)):
                price.setdefault(d["line_id"], d["monthly_price"])  # a bill before a plan change is at the old price
                for b in d.get("recent_bills") or []:
                    if isinstance(b, dict) and "bill_id" in b:
                        bills[b["bill_id"]] = (d["line_id"], b.get("amount"), b.get("issued_on"))
            if "bill_id" in d and "line_id" in d and "issued_on" in d:
                bills[d["bill_id"]] = (d["line_id"], d.get("amount"), d.get("issued_on"))
            ins = d.get("recent_installments")
            if isinstance(ins, list) and ins and all(isinstance(i, dict) for i in ins):
                due = sorted(str(i.get("due_date")) for i in ins)
                gaps = [(_day(b) - _day(a)).days for a, b in zip(due, due[1:]) if _day(a) and _day(b)]
                if len({i.get("amount") for i in ins}) > 1 or any(g < 14 for g in gaps):
                    out.add("installments_disagree")
            flight = d.get("flight")
            if d.get("cabin") not in (None, "economy") and isinstance(flight, dict) and d.get("passengers") \
                    and isinstance(d.get("total_paid"), (int, float)) and isinstance(flight.get("price"), (int, float)) \
                    and abs(d["total_paid"] - flight["price"] * d["passengers"]) < 0.02:
                out.add("fare_ignores_cabin")
            if d.get("product_name") in unsized and "size" in str(d.get("option", "")):
                out.add("size_of_unsized")
            if d.get("memo") in _MEMO_AMOUNTS and isinstance(d.get("amount"), (int, float)):
                lo, hi = _MEMO_AMOUNTS[d["memo"]]
                if not lo <= d["amount"] <= hi:
                    out.add("memo_amount")
    per_line: dict[Any, list] = collections.defaultdict(list)
    for line, amount, issued in bills.values():
        if line in price and amount != price[line]:
            out.add("bill_off_price")
        if _day(issued):
            per_line[line].append(_day(issued))
    if any((b - a).days < 28 for days in per_line.values() for a, b in zip(sorted(days), sorted(days)[1:])):
        out.add("bills_under_a_month_apart")
    return out


def _day(text: Any) -> Any:
    import datetime as dt
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def peer_distinct_2gram() -> dict[str, Any]:
    """Assistant distinct-2gram of τ-bench's few-shot trajectories, and how many trajectories that
    pool holds: a pooled ratio falls as the pool grows, so ours is compared at the same size."""
    texts, count = [], 0
    for path in sorted(PEER_FEW_SHOT.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            count += 1
            texts += [ln[len("assistant: "):] for ln in json.loads(line)["messages_display"].split("\n")
                      if ln.startswith("assistant: ") and ln != "assistant: None"]
    distinct, total = _ngrams(texts)
    return {"trajectories": count, "assistant_distinct_2gram_ratio": round(distinct / max(1, total), 3)}


def distinct_2gram_at_size(records: list[dict[str, Any]], size: int, samples: int = 20) -> float:
    """Mean pooled assistant distinct-2gram over `samples` seeded draws of `size` trajectories."""
    rng = random.Random(0)
    ratios = []
    for _ in range(samples):
        pool = rng.sample(records, min(size, len(records)))
        distinct, total = _ngrams([t for r in pool for t in _spoken(r["messages"], "assistant")])
        ratios.append(distinct / max(1, total))
    return round(sum(ratios) / len(ratios), 3)


def peer_context(records: list[dict[str, Any]]) -> dict[str, Any]:
    if not PEER_FEW_SHOT.is_dir() or not records:
        return {}
    peer = peer_distinct_2gram()
    peer["ours_at_the_same_size"] = distinct_2gram_at_size(records, peer["trajectories"])
    return {"peer_tau_bench_few_shot": peer}


def bigram_context(records: list[dict[str, Any]], top: int = 50) -> dict[str, Any]:
    """What the assistant's bigrams are made of (context, not a metric): the most common ones, the
    share of all bigrams they make, and the share of distinct bigrams holding a digit (ids, values)."""
    counts: collections.Counter[tuple[str, ...]] = collections.Counter()
    for r in records:
        for t in _spoken(r["messages"], "assistant"):
            words = _WORD.findall(t.lower())
            counts.update(zip(words, words[1:]))
    total = sum(counts.values())
    if not total:
        return {}
    common = counts.most_common(top)
    return {"assistant_top_bigrams": [[" ".join(k), v] for k, v in common],
            "assistant_top_bigrams_share": round(sum(v for _, v in common) / total, 3),
            "assistant_distinct_bigrams_with_a_digit": round(
                sum(any(c.isdigit() for w in k for c in w) for k in counts) / len(counts), 3)}


def synthesize(corpus: Path, out: Path) -> dict[str, Any]:
    from gem_env.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        rc = main(["synthesize", str(corpus), "--out", str(out), "--concurrency", "2"])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        verify_rc = main(["verify", str(out), "--json"])
    verified = json.loads(buf.getvalue())
    manifest = json.loads((out / "manifest.json").read_text())
    return {"exit_code": rc, "verify_exit_code": verify_rc, "counts": manifest["counts"],
            "verify_disagreements": len(verified.get("disagreements", []))}


def load(run: Path) -> list[dict[str, Any]]:
    path = run / "trajectories.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dir", type=Path, help="measure this existing run directory only")
    ap.add_argument("--keep", type=Path, help="keep the run directories under this folder")
    args = ap.parse_args(argv)
    if args.run_dir:
        records = load(args.run_dir)
        print(json.dumps({**measure(records), **peer_context(records), **bigram_context(records)}, indent=1))
        return 0
    results: dict[str, Any] = {}
    everything: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for name, corpus in SOURCES.items():
            if not corpus.exists():
                results[name] = {"skipped": f"{corpus} is absent"}
                continue
            run = base / name
            info = synthesize(corpus, run)
            records = load(run)
            everything += [r for r in records if name != "examples"]
            results[name] = {**measure(records), "run": info}
    results["tau2_banking+support_policies"] = {**measure(everything), **peer_context(everything),
                                                **bigram_context(everything)}
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
