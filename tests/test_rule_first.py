"""The last task of a service's domain whose writes check a rule in the text's own words refuses by
it when no task before did: with three tasks a domain, the kinds' rotation left a text's rule
untested in most domains. A how-to's sentences are its steps as often as its rules ("Collect at
least 5 of each fruit", "You will have to copy the magic cookie" became refusals): a procedure is
refused only in its rotation's turn."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from gem_env.io.corpus import iter_documents
from gem_env.documents import Document, Verdict
from gem_env.stages.extract.offline import OfflineExtractor, check_domain
from gem_env.stages.tasks import make_tasks
from gem_env.stages.tasks.make import _SERVICE, KINDS, _kind_plan
from gem_env.tools import Domain

TEXT = ("1. Plan your type of Minute to Win It game.\n"
        "2. You need to find the Minute to Win It games or your own games to play it.\n"
        "3. Get ready with the 60 seconds timer and your games' materials.\n"
        "4. Give the awards.\n")


def _tasks(doc_id: str, kinds: tuple[str, ...] = KINDS) -> list:
    domain = OfflineExtractor(archetypes=False).extract(
        Document(id=doc_id, text=TEXT, title="How to Make a Minute to Win It Game"),
        Verdict(id=doc_id, relevant=True, score=1.0, reason="test"))
    assert isinstance(domain, Domain), domain
    compiled = check_domain(domain)
    assert not isinstance(compiled, str), compiled
    assert "refuse" not in _kind_plan(domain.name, KINDS, 3)[:3]  # the rotation gives it no turn
    tasks, _ = make_tasks(compiled, per_domain=3, kinds=kinds)
    return tasks


def _example(doc_id: str) -> Any:
    corpus = Path(__file__).resolve().parents[1] / "examples" / "corpus"
    doc = next(d for d in iter_documents(corpus) if d.id == doc_id)
    compiled = check_domain(OfflineExtractor().extract(doc, Verdict(id=doc.id, relevant=True, score=1.0, reason="t")))
    assert not isinstance(compiled, str), compiled
    return compiled


def test_a_services_stated_rule_gets_a_refusal_among_a_small_domains_tasks() -> None:
    compiled = _example("bank/dispute-a-charge.md")
    assert "refuse" not in _kind_plan(compiled.domain.name, KINDS, 3)[:3]  # the rotation gives it no turn
    tasks, _ = make_tasks(compiled, per_domain=3)
    assert [r.reason for t in tasks for r in t.refusals] == ["Pending transactions cannot be disputed; wait until "
                                                             "they post."], [(t.category, t.refusals) for t in tasks]
    assert tasks[-1].category == "refuse"


def test_a_how_to_is_refused_only_in_its_turn() -> None:
    assert _SERVICE.search("Dispute a card charge (cards service) (banking)")  # as a run's domain says it
    assert not _SERVICE.search("How to Make a Minute to Win It Game")
    tasks = _tasks("b")
    assert len(tasks) == 3 and not any(t.refusals for t in tasks), [(t.category, t.refusals) for t in tasks]


def test_no_refusal_when_refusals_are_not_asked_for() -> None:
    tasks = _tasks("b", kinds=("complete", "lookup", "decline", "multi_request"))
    assert not any(t.refusals for t in tasks)


def test_the_added_refusal_is_by_a_rule_the_text_states_not_a_status_guard() -> None:
    """"A booking that is cancelled cannot be changed" guards any service's writes: a domain whose
    tasks hold no refusal gets none by it; its last task refuses by the text's own rule ("Light fares
    cannot be changed."), reached now that the bookings a rule besides their status leaves out are
    tried first (a cancelled one's guard used to end the search: a lookup came in its place)."""
    tasks, _ = make_tasks(_example("airline/change-a-booking.md"), per_domain=3)
    assert [t.category for t in tasks] == ["complete", "multi_request", "refuse"], \
        [(t.category, t.refusals) for t in tasks]
    assert [r.reason for r in tasks[-1].refusals] == ["Light fares cannot be changed."]
