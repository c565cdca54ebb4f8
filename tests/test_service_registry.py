"""One registry of service features (`gem_env.stages.extract.service_registry`): each feature is a
`Feature` record; `ToolKit` lists the archetype's own parts, then each registered feature's, in order."""
from __future__ import annotations

from typing import Any

from gem_env.documents import Document, Verdict
from gem_env.stages.extract import service, service_tools
from gem_env.stages.extract.offline import OfflineExtractor
from gem_env.stages.extract.service_feature import Feature
from gem_env.stages.extract.service_registry import FEATURES, MIXINS
from gem_env.stages.extract.service_tools import ToolKit
from gem_env.tools import Domain

RELEVANT = Verdict(id="x", relevant=True, score=1.0, reason="test")
TRACK = """# Track an order
Open **Your orders** and select **Track parcel** to see the carrier's tracking number and the latest scan.
A pending order has no tracking number yet. Customers can also cancel a pending order or return a delivered item.
"""


def _domain(title: str, text: str) -> Domain:
    got = OfflineExtractor().extract(Document(id=title, text=text, title=title), RELEVANT)
    assert isinstance(got, Domain), got
    return got


def test_every_feature_is_registered_once_and_its_methods_are_the_kits():
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    assert set(MIXINS) <= set(ToolKit.__mro__)


def test_a_feature_on_adds_its_fields_and_tools_where_the_registry_puts_them():
    d = _domain("Track an order", TRACK)
    tools = [t.name for t in d.tools]
    assert tools.index("track_order") < tools.index("get_return_status")  # the features' reads, then the request's
    fields = [f.name for f in d.entity("orders").fields]
    assert fields[-3:] == ["carrier", "tracking_number", "last_scanned_at"]  # after the archetype's own fields


class _Notes:
    """A feature for the test: a note table, a read and a write tool, and a workflow that leads."""

    def note_table(self) -> list[dict[str, Any]]:
        return [{"name": "notes", "primary_key": "note_id", "rows": 0, "fields": [
            {"name": "note_id"}, {"name": self.owner_pk, "foreign_key": f"{self.owners}.{self.owner_pk}"},
            {"name": "text"}]}]

    def note_tools(self) -> list[dict[str, Any]]:
        pk = self.owner_pk
        return [self._tool("add_note", "write", "Add a note.", [self._id_param(self.a.owner, pk),
                                                               {"name": "text", "type": "string"}],
                           [{"insert": "notes", "as": "made", "values": {"note_id": "next_id('NTE-####')", pk: pk,
                                                                           "text": "text"}},
                            {"return": {"note_id": "made.note_id"}}], None)]


NOTES = Feature("notes", _Notes, on=lambda kit: kit.a.key == "orders", tables=_Notes.note_table,
                writes=_Notes.note_tools)


def test_a_new_feature_is_one_record_in_the_registry(monkeypatch):
    class Kit(ToolKit, _Notes):
        pass
    monkeypatch.setattr(service_tools, "FEATURES", (*FEATURES, NOTES))
    monkeypatch.setattr(service, "ToolKit", Kit)
    d = _domain("Track an order", TRACK)
    assert [t.name for t in d.entities][-2:] == ["notes", "handoffs"]
    tools = [t.name for t in d.tools]
    assert tools[-3:] == ["add_note", "update_customer_address", "transfer_to_human_agent"]
    monkeypatch.setattr(service_tools, "FEATURES", FEATURES)
    assert "add_note" not in [t.name for t in _domain("Track an order", TRACK).tools]
