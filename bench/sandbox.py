"""Sandbox speed on the τ-bench retail domain with its real data (prints JSON).

Targets (issue 2): reset < 200 µs, a simple read or write call < 60 µs, a full state hash < 10 ms
for ~10k rows. Needs ../shared (the τ-bench data); without it, says so and exits 0.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return round(statistics.median(samples) / 1000, 1)


def main() -> int:
    from gem_env.importers.taubench import RETAIL_DATA, load_retail
    from gem_env.tools import compile_domain, load_domain

    data_dir = SHARED / RETAIL_DATA
    if not data_dir.exists():
        print(json.dumps({"skipped": f"{data_dir} is absent"}))
        return 0
    t0 = time.perf_counter()
    compiled = compile_domain(load_domain(ROOT / "examples/domains/tau_retail.yaml"), data=load_retail(data_dir))
    compile_s = time.perf_counter() - t0
    sb = compiled.new_sandbox()
    orders = sb.dump(["orders"])["orders"]
    delivered = next(k for k, o in orders.items() if o["status"] == "delivered")
    user, first = next(iter(sb.dump(["users"])["users"].items()))
    email = first["email"]
    address = {"user_id": user, "address1": "1 Main St", "address2": "", "city": "Austin", "state": "TX",
               "country": "USA", "zip": "73301"}
    assert sb.call("get_order_details", {"order_id": delivered}).ok
    assert sb.call("modify_user_address", address).ok
    assert not sb.call("cancel_pending_order", {"order_id": delivered, "reason": "no longer needed"}).ok
    keep = []
    result = {
        "domain": "tau_retail",
        "rows": sum(compiled.row_counts.values()),
        "template_bytes": len(compiled.template),
        "compile_with_data_s": round(compile_s, 3),
        "reset_us": median_us(lambda: keep.append(compiled.new_sandbox()) or keep.pop().close(), 2000),
        "read_call_us": median_us(lambda: sb.call("get_user_details", {"user_id": user}), 5000),
        "read_order_details_us": median_us(lambda: sb.call("get_order_details", {"order_id": delivered}), 5000),
        "write_call_us": median_us(lambda: sb.call("modify_user_address", address), 5000),
        "failed_call_us": median_us(
            lambda: sb.call("cancel_pending_order", {"order_id": delivered, "reason": "no longer needed"}), 5000),
        "find_by_email_nocase_us": median_us(
            lambda: sb.call("find_user_id_by_email", {"email": email.upper()}), 5000),
        "invalid_args_call_us": median_us(lambda: sb.call("get_user_details", {"user_id": 5}), 5000),
        "state_hash_cold_ms": round(median_us(sb.recomputed_state_hash, 30) / 1000, 2),
        "state_hash_after_write_ms": round(median_us(
            lambda: sb.call("modify_user_address", address) and sb.state_hash(), 30) / 1000, 2),
        "state_hash_clean_us": median_us(sb.state_hash, 1000),
        "targets": {"reset_us": 200, "read_call_us": 60, "write_call_us": 60, "state_hash_cold_ms": 10},
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
