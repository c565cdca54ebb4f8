"""The read-reply cache (`tools.read_cache`) changes nothing but speed: over random call sequences on
the example domains (and the τ-bench retail data when ../shared has it), run twice on fresh sandboxes
so that the second run meets the first's kept replies, with SQL run on the connection directly and
state hashes taken in between, every call gives the same ok/error, the same reply text and value,
and the same state digest as with the cache off; and it keeps what it may only."""
from __future__ import annotations

import json
import random
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from gem_env.tools import compile_domain, load_domain, parse_domain
from gem_env.tools import read_cache, write_memo

from test_language import BASE, P, tool
from test_sql_reply import arguments, value_pool

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = sorted((ROOT / "examples" / "domains").glob("*.yaml"))
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT.parent / "shared")


@contextmanager
def cache(on: bool) -> Iterator[None]:
    was = read_cache.enabled()
    read_cache.configure(enabled=on)
    try:
        yield
    finally:
        read_cache.configure(enabled=was)


def poke(sb: Any, rng: random.Random) -> None:
    """A change made by SQL on the connection, not by a call: a row's text column rewritten."""
    tables = [t for t in sb.tables.values()
              if any(f.type == "string" and f.name != t.pk and not f.foreign_key for f in t.entity.fields)]
    t = rng.choice(tables)
    col = rng.choice([f.name for f in t.entity.fields if f.type == "string" and f.name != t.pk and not f.foreign_key])
    keys = [r[0] for r in sb.conn.execute(f'SELECT "{t.pk}" FROM "{t.name}" ORDER BY 1 LIMIT 5')]
    if keys:
        sb.conn.execute(f'UPDATE "{t.name}" SET "{col}" = ? WHERE "{t.pk}" = ?', ["poked", rng.choice(keys)])


def run_pair(compiled: Any, seed: int, calls: int, pokes: bool = True, diverge: int | None = None
             ) -> tuple[int, int]:
    """The same random calls on a sandbox with the cache and one without (with `pokes`, some SQL
    run on the connections directly too; from call `diverge` on, other calls than `seed` makes);
    (hits, misses) of the cached side. The cached side has the write memo on too
    (`tools.write_memo`): a history run before is taken from it, and a call that leaves it runs
    the calls taken so far first."""
    rng = random.Random(seed)
    pool = value_pool(compiled)
    names = sorted(n for n, t in compiled.tools.items() if t.steps is not None) + ["no_such_tool"]
    cached, plain = compiled.new_sandbox(), compiled.new_sandbox()
    cached.checkpoint()
    plain.checkpoint()
    c = read_cache.domain_cache(compiled)
    hits, misses = c.hits, c.misses
    for i in range(calls):
        if i == diverge:
            rng = random.Random(seed * 7919 + i)
        name = rng.choice(names)
        args = arguments(rng, compiled.tools[name].spec, pool) if name in compiled.tools else {}
        roll = rng.random()
        if roll < 0.1:
            args = rng.choice(['{"bad json', "[1]", {**args, "extra": 1}])
        elif roll < 0.5:  # as a model writes them: JSON text, in one spelling or another
            args = json.dumps(args, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1]))
        with cache(True):
            a = cached.call(name, args)
        with cache(False):
            b = plain.call(name, args)
        assert (a.ok, a.error, a.error_kind) == (b.ok, b.error, b.error_kind), (name, args)
        assert a.content == b.content and a.value == b.value, (name, args)
        roll = rng.random()
        if roll < 0.03 and pokes:
            state = rng.getstate()
            poke(cached, rng)
            rng.setstate(state)
            poke(plain, rng)
        elif roll < 0.08:
            assert cached.state_hash() == plain.state_hash()
        elif roll < 0.1:
            cached.rewind()
            plain.rewind()
    assert cached.state_hash() == plain.state_hash()
    assert cached.recomputed_state_hash() == plain.recomputed_state_hash()  # (a poke may miss the log)
    assert cached.dump() == plain.dump()
    return c.hits - hits, c.misses - misses


def check_domain(compiled: Any, calls: int, seed: int) -> None:
    read_cache.clear()
    write_memo.clear()
    run_pair(compiled, seed, calls)
    run_pair(compiled, seed, calls)  # the same history again, with what the first run kept
    run_pair(compiled, seed + 1, calls, pokes=False)
    hits, _ = run_pair(compiled, seed + 1, calls, pokes=False)
    assert hits > calls // 10, hits  # (a poke gives a state of its own: nothing is shared after it)
    taken = write_memo.memo_of(compiled).hits
    for at in range(calls // 10, calls, calls // 10):  # a known history, then calls of another
        run_pair(compiled, seed + 1, calls, pokes=False, diverge=at)
    assert write_memo.memo_of(compiled).hits > taken + calls // 20


@pytest.mark.parametrize("path", DOMAINS, ids=[p.stem for p in DOMAINS])
def test_cached_reads_equal_uncached_on_example_domains(path):
    check_domain(compile_domain(load_domain(path)), calls=300, seed=13)


def test_cached_reads_equal_uncached_on_taubench_retail():
    from gem_env.importers.taubench import RETAIL_DATA, load_retail
    data = SHARED / RETAIL_DATA
    if not data.exists():
        pytest.skip(f"τ-bench data not found at {data} (../shared is absent on this machine)")
    compiled = compile_domain(load_domain(ROOT / "examples" / "domains" / "tau_retail.yaml"), data=load_retail(data))
    check_domain(compiled, calls=800, seed=3)


DOMAIN = {**BASE, "tools": [
    tool("get", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}}, {"return": "o"}],
         [P("order_id")], "read"),
    tool("age", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                 {"return": "today"}], [P("order_id")], "read"),
    tool("said_when", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"},
                        "error": "none as of {now}"}, {"return": "o.status"}], [P("order_id")], "read"),
    tool("lines_of", [{"return": "count_rows('lines', {order_id: order_id})"}], [P("order_id")], "read"),
    tool("cancel", [{"find": "orders", "as": "o", "where": {"order_id": "order_id"}},
                    {"update": "orders", "row": "o", "set": {"status": "'cancelled'"}}], [P("order_id")]),
    tool("add_line", [{"insert": "lines", "values": {"order_id": "order_id", "sku": "'X'", "qty": "1"}}],
         [P("order_id")]),
]}


def test_scope_is_the_tables_read_and_never_the_clock():
    compiled = compile_domain(parse_domain(DOMAIN))
    scopes = {n: read_cache.scope(t) for n, t in compiled.tools.items()}
    assert scopes == {"get": ("orders",), "age": None, "said_when": None, "lines_of": ("lines",),
                      "cancel": None, "add_line": None}


def test_a_write_to_another_table_keeps_the_reply_and_one_to_its_table_does_not():
    compiled = compile_domain(parse_domain(DOMAIN))
    read_cache.clear()
    c = read_cache.domain_cache(compiled)
    sb = compiled.new_sandbox()
    order = sorted(sb.dump(["orders"])["orders"])[0]
    with cache(True):
        first = sb.call("lines_of", {"order_id": order}).content
        sb.call("cancel", {"order_id": order})  # orders only: lines_of's reply stands
        assert sb.call("lines_of", {"order_id": order}).content == first and c.hits == 1
        sb.call("add_line", {"order_id": order})
        assert sb.call("lines_of", {"order_id": order}).content == str(int(first) + 1) and c.hits == 1
        other = compiled.new_sandbox()  # the template again, in another sandbox: kept
        assert other.call("lines_of", {"order_id": order}).content == first and c.hits == 2


def test_sql_on_the_connection_and_a_restore_are_states_of_their_own():
    compiled = compile_domain(parse_domain(DOMAIN))
    read_cache.clear()
    sb = compiled.new_sandbox()
    order = sorted(sb.dump(["orders"])["orders"])[0]
    snapshot = sb.snapshot()
    with cache(True):
        before = sb.call("get", {"order_id": order}).value
        sb.conn.execute("UPDATE orders SET status = 'poked' WHERE order_id = ?", [order])
        assert sb.call("get", {"order_id": order}).value["status"] == "poked"
        sb.restore(snapshot)
        assert sb.call("get", {"order_id": order}).value == before


def test_the_cache_is_bounded(monkeypatch):
    compiled = compile_domain(parse_domain(DOMAIN))
    read_cache.clear()
    monkeypatch.setattr(read_cache, "MAX_ENTRIES", 5)
    sb = compiled.new_sandbox()
    orders = sorted(sb.dump(["orders"])["orders"])
    with cache(True):
        for order in orders[:12]:
            sb.call("get", {"order_id": order})
    c = read_cache.domain_cache(compiled)
    assert len(c.replies) == 5 and c.bytes == sum(len(e[1]) for e in c.replies.values())
    stats = read_cache.stats()
    assert stats["replies"] >= 5 and stats["bytes"] >= c.bytes


def test_off_means_nothing_is_kept():
    compiled = compile_domain(parse_domain(DOMAIN))
    read_cache.clear()
    sb = compiled.new_sandbox()
    order = sorted(sb.dump(["orders"])["orders"])[0]
    with cache(False):
        sb.call("get", {"order_id": order})
        sb.call("get", {"order_id": order})
    c = read_cache.domain_cache(compiled)
    assert not c.replies and c.hits == 0



def test_writes_with_the_cache_off_are_not_forgotten_by_a_checkpoint():
    compiled = compile_domain(parse_domain(DOMAIN))
    read_cache.clear()
    template = compiled.new_sandbox()
    order = sorted(template.dump(["orders"])["orders"])[0]
    with cache(True):
        assert template.call("get", {"order_id": order}).value["status"] != "cancelled"  # kept
    sb = compiled.new_sandbox()
    with cache(False):
        sb.call("cancel", {"order_id": order})
        sb.checkpoint()
        sb.call("add_line", {"order_id": order})
        sb.rewind()
    with cache(True):
        assert sb.call("get", {"order_id": order}).value["status"] == "cancelled"


def test_a_hit_whose_entry_a_put_dropped_meanwhile_is_still_the_reply():
    """`DomainCache.get` takes no lock: a `put` of another thread may drop the entry between the
    lookup and the move to the end; the reply found is still given (the fallback of the move)."""
    from collections import OrderedDict

    class DroppedBeforeTheMove(OrderedDict):
        def move_to_end(self, key, last=True):
            self.pop(key)
            super().move_to_end(key, last)  # KeyError, as after a concurrent eviction

    c = read_cache.DomainCache()
    c.replies = DroppedBeforeTheMove()
    c.put(("t", "a", ()), (True, "[1]"))
    assert c.get(("t", "a", ())) == (True, "[1]") and c.hits == 1
    assert c.get(("t", "a", ())) is None  # gone: the next call works it out again
    assert c.get(("t", [1], ())) is None  # an unhashable key is never kept


def test_gets_and_puts_from_several_threads_keep_the_cache_consistent(monkeypatch):
    import threading

    monkeypatch.setattr(read_cache, "MAX_ENTRIES", 16)
    c = read_cache.DomainCache()
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(20000):
                key = ("t", rng.randrange(40), ())
                if c.get(key) is None:
                    c.put(key, (True, "x" * (key[1] + 1)))
        except BaseException as err:  # noqa: BLE001 -- reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(c.replies) <= 16 and c.bytes == sum(len(e[1]) for e in c.replies.values())
