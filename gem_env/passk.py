"""Unbiased pass@k and pass^k estimators over n trials of a task with c successes.

pass@k = 1 - C(n-c, k) / C(n, k): the chance that at least one of k trials drawn without replacement
passes (Chen et al., 2021). pass^k = C(c, k) / C(n, k): the chance that all k pass (τ-bench).
Over a task set both are the mean of the per-task values.
"""
from __future__ import annotations

from collections.abc import Iterable
from math import comb


def _check(n: int, c: int, k: int) -> None:
    if not 0 <= c <= n:
        raise ValueError(f"successes c={c} must be between 0 and n={n}")
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and the number of trials n={n}")


def pass_at_k(n: int, c: int, k: int) -> float:
    _check(n, c, k)
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    _check(n, c, k)
    return comb(c, k) / comb(n, k)


def mean_over_tasks(counts: Iterable[tuple[int, int]], k: int) -> dict[str, float]:
    """`pass@k` and `pass^k` averaged over tasks given as (n, c), and how many tasks they average
    over (``pass^k_tasks``): tasks with n < k (trials lost to infrastructure errors) are skipped."""
    usable = [(n, c) for n, c in counts if n >= k]
    if not usable:
        return {}
    return {f"pass@{k}": sum(pass_at_k(n, c, k) for n, c in usable) / len(usable),
            f"pass^{k}": sum(pass_hat_k(n, c, k) for n, c in usable) / len(usable),
            f"pass^{k}_tasks": len(usable)}
