"""The write memo (`tools.write_memo`): a write call a sandbox has already made from the same state is
taken without running SQL, and SQLite catches up only when read; replies, ids, digests and rows are
the ones running every call gives."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gem_env.tools import compile_domain, load_domain, read_cache, write_memo

from conftest import write_memo_on as memo
from test_read_cache import cache

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bank() -> Any:
    return compile_domain(load_domain(ROOT / "examples" / "domains" / "bank.yaml"))


def active_cards(compiled: Any, n: int) -> list[tuple[str, str]]:
    """(customer, card) of `n` active cards of the template, each of another account."""
    sb = compiled.new_sandbox()
    rows = sb.conn.execute(
        "SELECT a.customer_id, c.card_id FROM cards c JOIN accounts a USING (account_id) "
        "WHERE c.status = 'active' GROUP BY c.account_id ORDER BY c.card_id LIMIT ?", [n]).fetchall()
    sb.close()
    assert len(rows) == n
    return [tuple(r) for r in rows]


def calls_of(cards: list[tuple[str, str]]) -> list[tuple[str, dict[str, str]]]:
    (m1, c1), (m2, c2) = cards[:2]
    return [("freeze_card", {"customer_id": m1, "card_id": c1}),
            ("report_card_lost", {"customer_id": m2, "card_id": c2}),  # a new card, id by pattern
            ("unfreeze_card", {"customer_id": m1, "card_id": c1}),
            ("unfreeze_card", {"customer_id": m1, "card_id": c1})]  # refused: active, not frozen


def fresh(compiled: Any) -> Any:
    sb = compiled.new_sandbox()
    sb.checkpoint()
    return sb


def test_a_history_run_before_is_taken_without_sql_and_caught_up_when_read(bank):
    read_cache.clear()
    write_memo.clear()
    calls = calls_of(active_cards(bank, 2))
    first, second = fresh(bank), fresh(bank)
    made = [first.call(t, a) for t, a in calls]
    assert write_memo.memo_of(bank).hits == 0
    ran = second._conn.total_changes
    taken = [second.call(t, a) for t, a in calls]
    assert write_memo.memo_of(bank).hits == len(calls)
    assert second._conn.total_changes == ran  # nothing ran in SQLite
    assert len(second.pending) == 3  # the refusal changed nothing: it waits for nothing
    assert [(r.ok, r.content) for r in taken] == [(r.ok, r.content) for r in made]
    assert not taken[-1].ok and "not frozen" in taken[-1].error
    assert second.state_hash() == first.state_hash()  # from the digest, still without SQL
    assert second.touched() == first.touched()
    assert second._conn.total_changes == ran
    assert second.dump() == first.dump()  # read: the calls run now
    assert not second.pending
    assert second.recomputed_state_hash() == first.state_hash()


def test_a_call_after_taken_ones_runs_them_first_and_draws_its_own_new_id(bank):
    """The call that leaves the memo's history runs on SQLite brought up to date, and a new id's
    spread is drawn from that call's own arguments, not the last one taken."""
    read_cache.clear()
    write_memo.clear()
    cards = active_cards(bank, 3)
    calls = calls_of(cards)
    leave = ("report_card_lost", {"customer_id": cards[2][0], "card_id": cards[2][1]})
    with memo(False):
        plain = fresh(bank)
        expected = [plain.call(t, a).content for t, a in [*calls, leave]]
    one = fresh(bank)
    for t, a in calls:
        one.call(t, a)
    other = fresh(bank)
    got = [other.call(t, a).content for t, a in calls]
    assert len(other.pending) == 3
    got.append(other.call(*leave).content)
    assert not other.pending
    assert got == expected
    assert other.state_hash() == plain.state_hash() and other.dump() == plain.dump()


def test_a_rewind_drops_the_taken_calls_unrun(bank):
    read_cache.clear()
    write_memo.clear()
    calls = calls_of(active_cards(bank, 2))
    template = fresh(bank).state_hash()
    first = fresh(bank)
    made = [first.call(t, a).content for t, a in calls]
    second = fresh(bank)
    for t, a in calls:
        second.call(t, a)
    ran = second._conn.total_changes
    second.rewind()
    assert not second.pending and second.state_hash() == template
    assert second._conn.total_changes == ran  # the taken calls never ran
    assert second.recomputed_state_hash() == template
    assert [second.call(t, a).content for t, a in calls] == made  # the same history again
    assert second.dump() == first.dump()


@pytest.mark.parametrize("switch", [memo, cache], ids=["memo_off", "read_cache_off"])
def test_off_or_without_the_read_cache_every_call_runs(bank, switch):
    calls = calls_of(active_cards(bank, 2))
    read_cache.clear()
    write_memo.clear()
    with switch(False):
        for _ in range(2):
            sb = fresh(bank)
            ran = sb._conn.total_changes
            for t, a in calls:
                sb.call(t, a)
            assert sb._conn.total_changes > ran and not sb.pending
    assert write_memo.memo_of(bank).hits == 0


def test_a_python_tool_reads_the_writes_taken_before_it():
    """A Python tool is never remembered, and it reads SQLite brought up to date."""
    import importlib.util
    import sys
    path = ROOT / "examples" / "domains" / "python_tools_demo.py"
    spec = importlib.util.spec_from_file_location("python_tools_demo", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("python_tools_demo", module)
    spec.loader.exec_module(module)
    c = module.build()
    assert {n for n, t in c.tools.items() if write_memo.remembers(t)} == {"add_purchase_points"}
    member = max(c.new_sandbox().dump(["members"])["members"].values(), key=lambda r: r["points"])
    earn = ("add_purchase_points", {"member_id": member["member_id"], "amount_spent": 20.75})
    fresh(c).call(*earn)
    sb = fresh(c)
    sb.call(*earn)
    assert sb.pending
    assert sb.call("points_summary", {"member_id": member["member_id"]}).value["points"] == member["points"] + 20
    assert not sb.pending
    assert sb.state_hash() == sb.recomputed_state_hash()
