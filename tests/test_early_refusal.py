"""A rule the records read already break refuses a write before what it does not name is asked
(`agents.prechecks.blocking_rule` with the arguments known so far)."""
from __future__ import annotations

from pathlib import Path

from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain

ROOT = Path(__file__).resolve().parents[1]


def test_a_transfer_from_a_frozen_account_is_refused_before_asking_where_it_goes() -> None:
    """The agent read the source account (frozen), then asked for the account the money goes to,
    read it, and only then refused by the source's rule: a rule the records read already break
    refuses the write while what it does not name is still unknown (16 banking sessions)."""
    from gem_env.agents.prechecks import blocking_rule
    doc = Document(id="bank", text=(ROOT / "examples" / "corpus" / "bank" / "transfer-money.md").read_text())
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    keys = {n: t.pk for n, t in compiled.tables.items()}
    spec = compiled.tools["transfer_funds"].spec
    frozen = {"account_id": "ACC-1", "customer_id": "CST-1", "status": "frozen", "balance": 500.0}
    given = {"source_account_id": "ACC-1", "amount": 100}
    blocked = blocking_rule(spec, given, [frozen], {"today": "2025-01-15"}, keys)
    assert blocked is not None and "frozen" in blocked[1], blocked
    assert blocking_rule(spec, given, [{**frozen, "status": "open"}], {"today": "2025-01-15"}, keys) is None
