"""What the workflow agent reads again after a write: only a read whose records the write may
have changed (the rows its footprint names, found through a record read before if need be), or a
listing a changed or new row may be in; never a read of other records, and never a value the
write made stale (`agents.prechecks.memory`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gem_env.agents.prechecks import ANY, New, footprint, memory, reads_since_write, tells_now
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.cli import main
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.tools import CompiledDomain, compile_domain, load_domain

from test_sessions import _called

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"


def _domain(path: str) -> CompiledDomain:
    doc = Document(id=Path(path).stem, text=(CORPUS / path).read_text())
    return check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))


def _card(card_id: str, status: str = "active") -> dict[str, Any]:
    return {"card_id": card_id, "customer_id": "CST-1", "status": status, "last4": card_id[-4:], "card_type": "debit",
            "spending_limit": 1000.0, "issued_on": "2024-08-22", "recent_charges": []}


def test_a_dispute_changes_only_the_card_its_charge_is_on() -> None:
    """A fraud dispute may freeze the card of its charge (found by the charge's card, not by an
    argument). A charge read before names that card: the other cards read stay known, that one is
    read again. With no record of the charge's card, any card may have changed."""
    compiled = _domain("bank/dispute-a-charge.md")
    keys = {n: t.pk for n, t in compiled.tables.items()}
    charges = [{"charge_id": "CHR-1", "card_id": "CRD-0002", "status": "posted", "merchant": "Northwind",
                "amount": 84.2, "posted_at": "2025-01-03T10:00:00"}]
    dispute = ("create_dispute", {"charge_id": "CHR-1", "reason": "fraud"},
               {"dispute_id": "DSP-1", "status": "open", "reply_by": "2025-01-29", "card_status": "frozen"})
    spec = compiled.tools["create_dispute"].spec
    assert footprint(spec, dispute[1], keys, [charges])["cards"][0] == {"CRD-0002"}
    assert footprint(spec, dispute[1], keys)["cards"][0] == {ANY}
    cards = [("get_card_details", {"card_id": c}, _card(c)) for c in ("CRD-0001", "CRD-0002", "CRD-0003")]
    listed = ("list_card_charges", {"card_id": "CRD-0002"}, charges)
    kept = reads_since_write(_called([*cards, listed, dispute]), compiled)
    # the charges of the frozen card still hold: the listing shows none of the card's own fields
    assert [(t, a) for t, a, _ in kept] == [("get_card_details", {"card_id": "CRD-0001"}),
                                            ("get_card_details", {"card_id": "CRD-0003"}),
                                            ("list_card_charges", {"card_id": "CRD-0002"})]
    assert reads_since_write(_called([*cards, dispute]), compiled) == []


def test_a_change_to_a_parent_leaves_the_listing_of_its_children_known() -> None:
    """Freezing a card changes its status, which a listing of its charges does not show; closing
    another card changes neither."""
    compiled = _domain("bank/dispute-a-charge.md")
    listed = ("list_card_charges", {"card_id": "CRD-0002"}, [{"charge_id": "CHR-1", "card_id": "CRD-0002",
                                                              "status": "posted", "amount": 5.5}])
    for write in [("freeze_card", {"card_id": "CRD-0002", "reason": "stolen"}, {"card_id": "CRD-0002", "status": "frozen"}),
                  ("close_card", {"card_id": "CRD-0009", "reason": "lost"}, {"card_id": "CRD-0009", "status": "closed"})]:
        assert len(reads_since_write(_called([listed, write]), compiled)) == 1, write[0]


def test_a_new_row_is_in_the_listings_of_its_own_parent_only() -> None:
    """A reading submitted for one account is among that account's readings, not another's: the
    other account's details (with its recent readings) stay known, this one's are read again."""
    compiled = _domain("utility/submit-a-meter-reading.md")
    keys = {n: t.pk for n, t in compiled.tables.items()}

    def account(account_id: str) -> dict[str, Any]:
        return {"account_id": account_id, "customer_id": "CST-1", "status": "active", "tariff": "standard",
                "recent_readings": [{"reading_id": f"RDN-{account_id[-1]}", "status": "actual", "value": 100,
                                     "read_at": "2025-01-01"}]}
    reads = [("get_account_details", {"account_id": a}, account(a)) for a in ("ACC-1", "ACC-2")]
    submit = ("submit_reading", {"account_id": "ACC-2", "value": 120, "read_at": "2025-01-14"},
              {"reading_id": "RDN-9", "status": "actual", "value": 120, "read_at": "2025-01-14"})
    [(rows, _)] = [v for t, v in footprint(compiled.tools["submit_reading"].spec, submit[1], keys).items() if t == "readings"]
    [new] = rows
    assert isinstance(new, New) and dict(new.values)["account_id"] == "ACC-2"
    assert [a for _, a, _ in reads_since_write(_called([*reads, submit]), compiled)] == [{"account_id": "ACC-1"}]


def test_an_exchanged_items_replacement_joins_the_order_the_item_was_read_in() -> None:
    """The replacement item goes into the exchanged item's order (a field of a record read before):
    another order's details stay known; the listing of that order's items does not. Without the
    item's order known, the new item may be in any order's listing."""
    compiled = _domain("shop/exchange-an-item.md")
    other = ("get_order_details", {"order_id": "ORD-1"},
             {"order_id": "ORD-1", "customer_id": "CST-1", "status": "pending", "total": 10.0,
              "recent_items": [{"item_id": "ITM-1", "status": "ordered"}]})
    items = ("list_order_items", {"order_id": "ORD-2"},
             [{"item_id": "ITM-2", "order_id": "ORD-2", "status": "ordered", "variant_id": "VAR-1",
               "option": "green, size M", "product_id": "PRD-1", "product_name": "water bottle", "amount": 20.0,
               "purchased_at": "2024-11-09T20:38:00"}])
    exchange = ("exchange_item", {"item_id": "ITM-2", "variant_id": "VAR-2"},
                {"new_item_id": "ITM-3", "option": "teal, size S", "status": "pending", "old_item_status": "exchanged"})
    assert [a for _, a, _ in reads_since_write(_called([other, items, exchange]), compiled)] == [{"order_id": "ORD-1"}]
    assert reads_since_write(_called([other, exchange]), compiled) == []


def test_a_field_shown_only_through_a_lookup_is_not_patched_by_the_reply() -> None:
    """A booking's details show its flight (looked up by the booking's flight id). Moving the
    booking to another flight is not patched into them (the reply says the new flight id, not the
    flight shown); a new cabin is."""
    compiled = _domain("airline/change-a-booking.md")
    spec = compiled.tools["get_booking_details"].spec
    assert any("lookup(" in json.dumps(step.model_dump(by_alias=True)) for step in spec.effect or [])
    booking = {"booking_id": "BKN-1", "customer_id": "CST-1", "status": "confirmed", "cabin": "economy",
               "flight_id": "FLG-1", "flight": {"flight_id": "FLG-1", "origin": "Seattle", "destination": "New York"}}
    read = ("get_booking_details", {"booking_id": "BKN-1"}, booking)
    moved = ("update_booking_flight", {"booking_id": "BKN-1", "flight_id": "FLG-2"},
             {"booking_id": "BKN-1", "flight_id": "FLG-2", "origin": "Seattle", "destination": "New York",
              "travel_date": "2025-03-01", "status": "confirmed"})
    assert reads_since_write(_called([read, moved]), compiled) == []
    cabin = ("update_booking_cabin", {"booking_id": "BKN-1", "cabin": "business"},
             {"booking_id": "BKN-1", "cabin": "business", "status": "confirmed"})
    [(_, _, kept)] = reads_since_write(_called([read, cabin]), compiled)
    assert kept["cabin"] == "business"


def test_a_write_leaves_the_fields_it_does_not_set_known() -> None:
    """Freezing an account sets its status (and a reason the details do not show): the details read
    before still tell when it was opened and its balance, and its status as the freeze's reply says
    it; asked when the account was opened, the agent answers from that read instead of opening the
    account again. A reply that does not say the status leaves the read to be made again."""
    compiled = _domain("bank/transfer-money.md")
    account = {"account_id": "ACC-1", "customer_id": "CST-1", "status": "open", "account_type": "checking",
               "balance": 120.5, "overdraft_protection": False, "opened_on": "2021-04-02", "recent_transactions": []}
    read = ("get_account_details", {"account_id": "ACC-1"}, account)
    freeze = ("freeze_account", {"account_id": "ACC-1", "reason": "lost card"}, {"account_id": "ACC-1", "status": "frozen"})
    other = ("get_account_details", {"account_id": "ACC-2"}, {**account, "account_id": "ACC-2"})
    [(_, _, untouched), _], stale = memory(_called([other, read, freeze]), compiled)
    assert tells_now(stale, untouched, [])
    # the freeze's reply says the status again (patched in): nothing is left to read again
    [(_, _, kept)], stale = memory(_called([read, freeze]), compiled)
    assert stale == {} and kept["status"] == "frozen" and tells_now(stale, kept, ["status", "opened_on"])
    # a reply that does not say the status leaves the read unknown: it is read again
    quiet = ("freeze_account", {"account_id": "ACC-1", "reason": "lost card"}, {"account_id": "ACC-1"})
    assert memory(_called([read, quiet]), compiled) == ([], {})


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("examples") / "run"
    assert main(["synthesize", str(CORPUS), "--out", str(out), "--quiet"]) == 0
    return out


def test_no_read_repeats_an_earlier_call_and_its_reply(examples_run: Path) -> None:
    """In the bundled examples' run no tool call repeats an earlier one with the same arguments
    and gets the same reply (11 did: a dispute that froze one card had every card opened again;
    a question about a record an earlier request had read had it read again)."""
    repeated, looked = [], 0
    for line in (examples_run / "trajectories.jsonl").open():
        traj = json.loads(line)
        assert traj["verification"]["passed"], traj["task"]["id"]
        replies = {m.get("tool_call_id"): m.get("content") for m in traj["messages"] if m["role"] == "tool"}
        seen: set[tuple[str, str, str]] = set()
        for m in traj["messages"]:
            for c in m.get("tool_calls") or []:
                key = (c["function"]["name"], c["function"]["arguments"], replies.get(c["id"]) or "")
                if key in seen:
                    repeated.append((traj["task"]["id"], key[:2]))
                seen.add(key)
                looked += 1
    assert looked and not repeated, repeated


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _patched_by_reply(messages: list[dict], read: dict, keys: set[str]) -> bool:
    """Whether a write's reply since the read names its record and says each of `keys` as the read
    now holds it (the memory takes such keys as known again)."""
    pk = next((k for k in read if k == "id" or k.endswith("_id")), None)
    said: dict[str, object] = {}
    for m in messages:
        if m.get("role") == "tool":
            try:
                reply = json.loads(m.get("content") or "")
            except json.JSONDecodeError:
                continue
            own = next((k for k in reply if k == "id" or k.endswith("_id")), None) if isinstance(reply, dict) else None
            if own == pk and str(reply[pk]) == str(read.get(pk)):  # (a refund's reply names its membership
                said.update(reply)  # by that key too, and its status is the refund's)
    return all(k in said and _sorted(said[k]) == _sorted(read.get(k)) for k in keys)


def test_every_read_the_agent_keeps_after_a_write_is_what_reading_it_again_gives(examples_run: Path) -> None:
    """After each write of every trajectory, each read the agent's memory keeps (patched by the
    write's reply, or left as it was) equals the same call made then on the replayed sandbox (lists
    in any order): the agent never tells a value a write made stale. (A booking's flight, shown
    through a lookup by its flight id, was kept after the booking moved to another flight.) And as
    first read, before any patch, it differs from that call only in the keys the memory marks
    stale or a write's reply since told again: a value it tells from an earlier read of a record a
    write changed (when the account was opened, after a freeze) is the value now."""
    compiled_of: dict[str, tuple[CompiledDomain, frozenset[str]]] = {}
    checked, wrong, told = 0, [], 0
    for line in (examples_run / "trajectories.jsonl").open():
        traj = json.loads(line)
        name = traj["task"]["domain"]
        if name not in compiled_of:
            compiled = compile_domain(load_domain(examples_run / "domains" / f"{name}.json"))
            compiled_of[name] = (compiled, WorkflowAgent(compiled)._kept)
        compiled, kept_tools = compiled_of[name]
        sandbox = compiled.new_sandbox()
        messages = traj["messages"]
        for i, m in enumerate(messages):
            for c in m.get("tool_calls") or []:
                sandbox.call(c["function"]["name"], c["function"]["arguments"])
                if not compiled.tools[c["function"]["name"]].writes:
                    continue
                upto = next(j for j in range(i, len(messages)) if messages[j].get("tool_call_id") == c["id"]) + 1
                kept, stale = memory(messages[:upto], compiled, kept_tools)
                first = iter(_first_read(messages[:upto], compiled)[::-1])  # (the latest of alike reads is the one kept)
                for tool, args, result in kept[::-1]:
                    checked += 1
                    fresh = sandbox.call(tool, json.dumps(args)).as_data()
                    if _sorted(fresh) != _sorted(result):
                        wrong.append((traj["task"]["id"], i, tool, args))
                    original = next(r for t, a, r in first if (t, a) == (tool, args))
                    if not (isinstance(fresh, dict) and isinstance(original, dict)):
                        continue  # (a list: equal to the call, above)
                    changed = {k for k in set(fresh) | set(original) if _sorted(fresh.get(k)) != _sorted(original.get(k))}
                    told += bool(changed)  # a read a write changed, kept as its reply patched it: now as above
                    if changed and id(result) not in stale and not _patched_by_reply(messages[:upto], result, changed):
                        wrong.append((traj["task"]["id"], i, tool, args, changed))
                    if stale.get(id(result)) is not None and changed - stale[id(result)] \
                            and not _patched_by_reply(messages[:upto], result, changed - stale[id(result)]):
                        wrong.append((traj["task"]["id"], i, tool, args, changed))
        sandbox.close()
    assert checked > 500 and told > 20 and not wrong, (told, wrong[:5])


def _first_read(messages: list[dict[str, Any]], compiled: CompiledDomain) -> list[tuple[str, dict[str, Any], Any]]:
    """Every read in `messages` that did not fail, with its reply as it came."""
    replies = {m.get("tool_call_id"): m.get("content") for m in messages if m.get("role") == "tool"}
    out = []
    for m in messages:
        for c in m.get("tool_calls") or []:
            name, reply = c["function"]["name"], json.loads(replies[c["id"]])
            if not compiled.tools[name].writes and not (isinstance(reply, dict) and set(reply) == {"error"}):
                out.append((name, json.loads(c["function"]["arguments"]), reply))
    return out


def test_a_record_a_search_showed_whole_is_not_opened_again_before_a_write() -> None:
    """Before a write the agent opens the record its rules read when a list showed only a summary
    of it; a flight search shows each flight whole, so the flight is not opened again (17 such
    echoing reads in the example corpus' sessions)."""
    from gem_env.agents.candidates import Records
    records = Records(_domain("airline/change-a-booking.md"))
    flight = {"flight_id": "FLG-2", "origin": "Seattle", "destination": "New York",
              "departure_date": "2025-02-27", "price": 97.12, "seats_left": 18}
    booking = {"booking_id": "BKN-1", "status": "confirmed", "passengers": 2, "flight_id": "FLG-1"}
    move = ("update_booking_flight", {"booking_id": "BKN-1", "flight_id": "FLG-2"})
    assert records.unopened(*move, [booking, [flight]]) is None
    summary = {k: flight[k] for k in ("flight_id", "price")}
    assert records.unopened(*move, [booking, [summary]]) == ("get_flight_details", {"flight_id": "FLG-2"})


def test_a_record_a_list_showed_whole_answers_a_question_about_it() -> None:
    """"What's the name of my contact? CNT-08817": the list of contacts read to find it showed the
    contact whole; opening it would only echo that list (20 banking sessions). After a write the
    list may be stale: the record is opened."""
    from gem_env.agents.candidates import Records
    records = Records(_domain("airline/change-a-booking.md"))
    flight = {"flight_id": "FLG-2", "origin": "Seattle", "destination": "New York",
              "departure_date": "2025-02-27", "price": 97.12, "seats_left": 18}
    search = ("search_flights", [flight])
    assert records.listed("get_flight_details", {"flight_id": "FLG-2"}, [search]) == flight
    assert records.listed("get_flight_details", {"flight_id": "FLG-3"}, [search]) is None
    partial = ("search_flights", [{k: flight[k] for k in ("flight_id", "price")}])
    assert records.listed("get_flight_details", {"flight_id": "FLG-2"}, [partial]) is None
    booked = ("create_booking", {"booking_id": "BKN-9", "status": "confirmed"})
    assert records.listed("get_flight_details", {"flight_id": "FLG-2"}, [search, booked]) is None


def test_what_a_conversation_leaves_known_is_worked_out_once_per_request(examples_run: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An agent's `Recollection` answers `memory`, `recall` and `made_rows` as they are worked out
    from the whole conversation, at every reply of every trajectory (the stale keys by the reads they
    are of); but it works out `memory` and `recall` once per prefix asked (the agent asks of the
    requests before the open one, which change only when one is settled), not once a reply, and
    `made_rows` from the calls new since the last reply (every reply read the whole conversation
    again: O(conversation) a reply, a third of the scripted agent's time)."""
    from gem_env.agents import prechecks
    from gem_env.agents.prechecks import Recollection, call_texts, made_rows, recall

    worked: dict[str, int] = {"memory": 0, "recall": 0, "made": 0}  # by the recollection (not the fresh answers)
    counting = [False]
    for name, fn, key in (("_memory_of", prechecks._memory_of, "memory"), ("_recall_of", prechecks._recall_of, "recall"),
                          ("_made_after", prechecks._made_after, "made")):
        def counted(*args: Any, _fn: Any = fn, _key: str = key) -> Any:
            worked[_key] += (len(args[1]) if _key == "made" else 1) if counting[0] else 0  # (made, calls, compiled)
            return _fn(*args)
        monkeypatch.setattr(prechecks, name, counted)

    def asked(ask: Any, *args: Any) -> Any:
        counting[0] = True
        try:
            return ask(*args)
        finally:
            counting[0] = False

    def stale_by_read(got: tuple[list[Any], dict[int, Any]]) -> list[Any]:
        return [got[1].get(id(r), "fresh") for _, _, r in got[0]]

    replies = prefixes = calls = 0
    for line in list((examples_run / "trajectories.jsonl").open())[:12]:
        traj = json.loads(line)
        compiled = compile_domain(load_domain(examples_run / "domains" / f"{traj['task']['domain']}.json"))
        kept_tools = WorkflowAgent(compiled)._kept
        recollection, seen = Recollection(compiled, kept_tools), set()
        messages = traj["messages"]
        for upto in (i for i, m in enumerate(messages) if m["role"] == "assistant"):
            so_far = messages[:upto]
            start = max((i + 1 for i, m in enumerate(so_far) if m["role"] == "user"), default=0) // 2  # some prefix
            fresh = memory(so_far[:start], compiled, kept_tools)
            got = asked(recollection.memory, so_far[:start])
            assert got[0] == fresh[0] and stale_by_read(got) == stale_by_read(fresh)
            assert asked(recollection.recall, so_far[:start]) == recall(so_far[:start], compiled)
            assert asked(recollection.made_rows, so_far) == made_rows(so_far, compiled)
            replies += 1
            seen.add(call_texts(so_far[:start]))
        prefixes += len(seen)
        calls += len(call_texts(messages[:max(i for i, m in enumerate(messages) if m["role"] == "assistant")]))
    assert worked["memory"] == worked["recall"] == prefixes < replies / 2
    assert worked["made"] == calls
