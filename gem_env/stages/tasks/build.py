"""A task from one or more built requests: ids, scenario, merged gold and checks."""
from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from ...simulators.scenario import Scenario
from ...tools import CompiledDomain
from ...tools.render import domain_names, record_nouns
from .kinds import Built
from .model import Task

PERSONAS = [
    "a polite customer who answers questions briefly",
    "a busy person who wants this done quickly",
    "a careful customer who wants to understand what will happen",
    "a friendly customer who is not very technical",
    "a direct customer who gives one piece of information at a time",
    "a frustrated customer whose earlier attempt to sort this out went wrong",
]


def task_id(domain: str, workflow: str, key: str) -> str:
    digest = hashlib.sha256(f"{domain}\x00{workflow}\x00{key}".encode()).hexdigest()[:12]
    return f"{domain}.{workflow}.{digest}"


def session_goal(built: list[Built]) -> str:
    """The whole session in words, for readers of the task: each request and the decision it takes."""
    if len(built) == 1:
        return built[0].request.goal
    parts = []
    for i, b in enumerate(built, 1):
        r = b.request
        note = " (when asked to confirm, say no)" if not r.confirm else ""
        parts.append(f"({i}) {r.goal}{note}")
    return "One request at a time, bringing up the next only once the previous one is settled: " + "; ".join(parts)


def shared_knows(built: list[Built]) -> dict[str, Any]:
    """What the user knows across the session: facts every request that has them agrees on (who
    they are). A fact of one request's record (its id, its status) differs between requests and is
    only the user's while that request is open, so it is not given as the session's."""
    seen: dict[str, set[str]] = {}
    for b in built:
        for k, v in b.request.knows.items():
            seen.setdefault(k, set()).add(json.dumps(v, sort_keys=True, default=str))
    knows: dict[str, Any] = {}
    for b in built:
        knows.update({k: v for k, v in b.request.knows.items() if k not in knows and len(seen[k]) == 1})
    return knows


def make_task(compiled: CompiledDomain, built: list[Built], *, category: str, key: str, initial: str,
              final: str, seed: int, doc_id: str | None) -> Task:
    name = compiled.domain.name
    workflow = built[0].workflow if len(built) == 1 else "+".join(dict.fromkeys(b.workflow for b in built))
    tid = task_id(name, workflow if category in ("complete", "general") else f"{category}.{workflow}", key)
    rng = random.Random(f"{seed}\x00{tid}")
    knows = shared_knows(built)
    outputs: dict[str, str] = {}
    for i, b in enumerate(built, 1):
        outputs.update({(k if len(built) == 1 else f"{i}.{k}"): v for k, v in b.outputs.items()})
    for b in built:  # the row each request was made on, by its key
        if b.record is not None:
            b.request.anchor = str(b.record[1].get(compiled.tables[b.record[0]].pk))
    signed_in = {k: knows[k] for k in compiled.domain.signed_in if k in knows}
    for b in built:  # the service knows them already: not volunteered as the request's opening
        b.request.opening = [k for k in b.request.opening if k not in signed_in]
    first = built[0].request
    confirm = all(b.request.confirm for b in built) if len(built) == 1 else True
    scenario = Scenario(
        persona=rng.choice(PERSONAS), goal=session_goal(built), knows=knows, opening=first.opening,
        unknown=list(dict.fromkeys(k for b in built for k in b.unknown if k not in knows)),
        decisions={"confirm": confirm}, requests=[b.request for b in built],
        found={k: v for b in reversed(built) for k, v in b.request.found.items()}, signed_in=signed_in,
        names=domain_names(compiled.domain), records=record_nouns(compiled.domain))
    actions = [a for b in built for a in b.actions]
    writes = any(compiled.tools[a.tool].writes and a.ok for a in actions)
    task = Task(
        id=tid, domain=name, doc_id=doc_id, workflow=workflow, category=category, topic=built[0].topic,
        kind="write" if writes else "read", scenario=scenario, gold_actions=actions,
        state_tables=sorted(compiled.tables), initial_state_hash=initial, expected_state_hash=final,
        required_outputs=outputs, refusals=[b.refusal for b in built if b.refusal],
        declines=[b.decline for b in built if b.decline], ambiguities=[b.ambiguity for b in built if b.ambiguity],
        offers=[b.offer for b in built if b.offer], seed=seed)
    task._request_workflows = [b.workflow for b in built]
    return task
