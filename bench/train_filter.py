"""Train the offline filter's logistic model on the hand labels v1 to v4 and write its weights.

    python bench/train_filter.py [--shared DIR] [--write]    # JSON summary on stdout

Data: bench/data/filter_labels.jsonl (v1, 200 documents), filter_labels_v2.jsonl (v2, 120) and
filter_labels_v3.jsonl (v3, 156; held out in round 1) and filter_labels_v4.jsonl (v4, 163; held out
in round 2), each scored once and then training data — never v5, which bench/filter_quality.py
scores once as the held-out sample (nor v4_second, a second labelling of v4 used only to measure
the labellers' agreement). v1 was
labelled under a narrower criterion ("a procedure a tool-using assistant could carry out");
`V1_UNDER_PUBLISHED_CRITERION` lists the v1 documents whose label differs under the published
one that v2-v5 use, with the reason.

Model: L2-regularised logistic regression over `gem_env.stages.filter.FEATURES` (every input in
[0, 1]), fitted by Newton's method in plain Python — deterministic, no dependency. The L2
strength is chosen by 5-fold cross-validation (folds by sha1 of the id); the threshold is the
one with the best F1 on the out-of-fold scores, so neither is set on the documents it is fitted
on. The chosen L2 is written with the weights, so bench/filter_quality.py can report the same
out-of-fold figures. With ``--write`` the weights go to gem_env/stages/filter_weights.py (committed; the filter
reads only that); without it (as `make bench` runs it) the script only reports. Training is
deterministic: the same labels and features give a byte-identical file.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import filter_quality as fq  # noqa: E402

from gem_env.stages.filter import EVIDENCE_AGAINST, FEATURES, feature_values  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS_PY = ROOT / "gem_env" / "stages" / "filter_weights.py"
L2_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5

#: v1 labels that differ under the published criterion ("multi-step operations involving the use
#: of an app, website, computer or other machine"), which v2, v3 and v4 are labelled under.
V1_UNDER_PUBLISHED_CRITERION = {
    "debian-reference:9.3.7": (True, "recording and replaying editor macros in Vim/Emacs is "
                                     "operating a program step by step (v1: done by hand)"),
    "openpi:Get-VS-Seeker-in-Pokémon-FireRed": (True, "a video-game walkthrough operates the game "
                                                     "(v1 excluded games)"),
    "openpi:Get-a-Prize-from-Wendell-(Animal-Crossing-City-Folk-for-Wii)": (
        True, "a video-game walkthrough operates the game (v1 excluded games)"),
    # v1 counted "troubleshooting that ends in actions on the service"; under the published
    # criterion as v3 and v4 read it, a list of independent causes and quick fixes is not one
    # multi-step operation (v3's near-twin doc_everyone_pay_qr_transfers_005 is labelled so).
    "tau2-banking-kb:doc_everyone_pay_qr_transfers_006": (
        False, "causes of a failed QR transfer and independent fixes (lower the amount, wait for "
               "the cap, keep the app open), not one operation"),
    "tau2-banking-kb:doc_everyone_pay_user_blocking_003": (
        False, "a security FAQ; its last answer lists three independent remedies"),
    "tau2-banking-kb:doc_everyone_pay_split-the-bill_006": (
        False, "reasons a member has not paid, things to look at, and alternative next steps"),
    # round 3: v1 was judged on the first ~400 characters; read in full under the published criterion
    "tau2-banking-kb:doc_bank_accounts_bank_accounts_(general)_037": (
        True, "after the Regulation E summary, agent flows per decline code: look up the card, "
              "verify, review the transaction history, order a replacement or transfer to a human"),
    "tau2-banking-kb:doc_credit_cards_credit_cards_(general)_015": (
        False, "provisional-credit eligibility rules and tier limits only; no action sequence "
               "(v3's reading: a policy of rules alone is not relevant)"),
    "tau2-banking-kb:doc_business_savings_accounts_emerald_saver_004": (
        False, "how an APY bonus works; the one machine action is linking a product in the settings "
               "(v3's reading: one app line among facts is not relevant)"),
}


def training_rows() -> list[dict]:
    """v1 (published-criterion labels) + v2 + v3 + v4, each {id, file, relevant}."""
    rows = []
    for r in fq.load_labels(fq.LABELS):
        relevant = V1_UNDER_PUBLISHED_CRITERION.get(r["id"], (r["relevant"], ""))[0]
        rows.append({"id": r["id"], "file": r["file"], "relevant": relevant})
    for path in (fq.LABELS_V2, fq.LABELS_V3, fq.LABELS_V4):
        rows += [{"id": r["id"], "file": r["file"], "relevant": r["relevant"]} for r in fq.load_labels(path)]
    return rows


def fit(xs: list[list[float]], ys: list[int], l2: float) -> list[float]:
    """Sign-constrained fit: each feature's weight stays on the side `EVIDENCE_AGAINST` gives it.

    Fit, drop the feature whose weight is furthest on the wrong side, refit, until none is; a
    dropped feature gets weight 0 (collinear features, e.g. interface steps and their share,
    otherwise trade signs and the reasons would cite evidence backwards).
    """
    signs = [-1.0 if name in EVIDENCE_AGAINST else 1.0 for name in FEATURES]
    active = list(range(len(signs)))
    while True:
        w = fit_unconstrained([[x[j] for j in active] for x in xs], ys, l2)
        wrong = [(signs[j] * w[1 + k], k) for k, j in enumerate(active) if signs[j] * w[1 + k] < 0]
        if not wrong:
            break
        del active[min(wrong)[1]]
    full = [w[0]] + [0.0] * len(signs)
    for k, j in enumerate(active):
        full[1 + j] = w[1 + k]
    return full


def fit_unconstrained(xs: list[list[float]], ys: list[int], l2: float, iterations: int = 25) -> list[float]:
    """Newton's method for L2-regularised logistic regression; w[0] is the (free) bias."""
    n = len(xs[0]) + 1
    w = [0.0] * n
    rows = [[1.0] + x for x in xs]
    for _ in range(iterations):
        grad = [l2 * w[j] if j else 0.0 for j in range(n)]
        hess = [[(l2 if i == j and i else 0.0) for j in range(n)] for i in range(n)]
        for row, y in zip(rows, ys):
            p = _sigmoid(sum(a * b for a, b in zip(w, row)))
            g, h = p - y, max(p * (1 - p), 1e-9)
            for i in range(n):
                if row[i]:
                    grad[i] += g * row[i]
                    hi, ri = hess[i], h * row[i]
                    for j in range(n):
                        if row[j]:
                            hi[j] += ri * row[j]
        step = _solve([r[:] for r in hess], grad)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-8:
            break
    return w


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is overwritten); a tiny ridge keeps it regular."""
    n = len(b)
    b = b[:]
    for i in range(n):
        a[i][i] += 1e-9
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(a[r][c]))
        a[c], a[p], b[c], b[p] = a[p], a[c], b[p], b[c]
        for r in range(c + 1, n):
            f = a[r][c] / a[c][c]
            if f:
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
                b[r] -= f * b[c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (b[r] - sum(a[r][k] * x[k] for k in range(r + 1, n))) / a[r][r]
    return x


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def score(w: list[float], x: list[float]) -> float:
    return _sigmoid(w[0] + sum(a * b for a, b in zip(w[1:], x)))


def fold_of(doc_id: str) -> int:
    return hashlib.sha1(doc_id.encode()).digest()[0] % FOLDS


def out_of_fold(rows: list[dict], xs: list[list[float]], ys: list[int], l2: float) -> list[float]:
    """Each document scored by the model fitted on the other folds."""
    folds = [fold_of(r["id"]) for r in rows]
    scores = [0.0] * len(rows)
    for k in range(FOLDS):
        train = [i for i, f in enumerate(folds) if f != k]
        w = fit([xs[i] for i in train], [ys[i] for i in train], l2)
        for i, f in enumerate(folds):
            if f == k:
                scores[i] = score(w, xs[i])
    return scores


def write_weights(w: list[float], threshold: float, summary: dict) -> None:
    names = list(FEATURES)
    lines = [
        '"""Weights of the offline filter\'s logistic model. Generated by bench/train_filter.py',
        "(L2-regularised logistic regression on the hand labels v1 + v2 + v3 + v4); do not edit by hand.",
        "",
        f"Trained on {summary['n']} documents ({summary['positives']} relevant), L2 = {summary['l2']};",
        f"5-fold out-of-fold F1 {summary['out_of_fold']['f1']} (P {summary['out_of_fold']['precision']}, "
        f"R {summary['out_of_fold']['recall']}) at the threshold below.",
        '"""',
        f"BIAS = {round(w[0], 3)}",
        f"L2 = {summary['l2']}",
        f"THRESHOLD = {threshold}",
        "WEIGHTS: dict[str, float] = {",
        *[f'    "{name}": {round(v, 3)},' for name, v in zip(names, w[1:])],
        "}",
        "",
    ]
    WEIGHTS_PY.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=fq.SHARED)
    p.add_argument("--write", action="store_true", help="write gem_env/stages/filter_weights.py")
    args = p.parse_args()
    corpora = args.shared / "corpora"
    if not corpora.is_dir():
        print(json.dumps({"skipped": f"{corpora} not found: the labels point into ../shared/corpora"}))
        return 0
    rows = training_rows()
    docs = fq.load_documents(rows, corpora)
    rows = [r for r in rows if r["id"] in docs]
    names = list(FEATURES)
    xs = [[feature_values(docs[r["id"]])[0][k] for k in names] for r in rows]
    ys = [int(r["relevant"]) for r in rows]
    by_l2 = {}
    for l2 in L2_GRID:
        oof = out_of_fold(rows, xs, ys, l2)
        t = fq.calibrate(list(zip(oof, map(bool, ys))))
        by_l2[l2] = (fq.metrics(list(zip(oof, map(bool, ys))), t), t)
    l2 = max(L2_GRID, key=lambda v: (by_l2[v][0]["f1"], v))
    oof_metrics, threshold = by_l2[l2]
    w = fit(xs, ys, l2)
    fitted = fq.metrics([(score(w, x), bool(y)) for x, y in zip(xs, ys)], threshold)
    summary = {"n": len(rows), "positives": sum(ys), "l2": l2, "threshold": threshold,
               "out_of_fold": oof_metrics, "fitted": fitted,
               "cv_f1_by_l2": {str(k): v[0]["f1"] for k, v in by_l2.items()},
               "weights": {n: round(v, 3) for n, v in zip(names, w[1:])}, "bias": round(w[0], 3)}
    if args.write:
        write_weights(w, threshold, summary)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
