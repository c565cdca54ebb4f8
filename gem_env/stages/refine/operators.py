"""The operators by name, and how a recipe (operators joined by "+") turns a task into a variant."""
from __future__ import annotations

import hashlib
import random
from types import ModuleType
from typing import Any

from ...tools import CompiledDomain
from ...tools.render import record_nouns
from ..tasks import Task
from . import (ambiguity, chain, change_of_mind, correction, distractors, long_context, miss_func, miss_param, off_topic,
               pitfall, tool_errors, wrong_detail)
from .paraphrase import paraphrase_trajectory
from .paraphrase_agent import paraphrase_agent_trajectory
from .base import ORDER, Context, NotApplicable, compose, refinable, start

OPERATORS: dict[str, ModuleType] = {
    "chain": chain, "pitfall": pitfall, "distractors": distractors, "ambiguity": ambiguity, "miss_param": miss_param,
    "miss_func": miss_func, "tool_errors": tool_errors, "long_context": long_context, "change_of_mind": change_of_mind,
    "wrong_detail": wrong_detail, "off_topic": off_topic, "correction": correction,
}
DEFAULT_RECIPES = ["chain", "chain+pitfall", "chain+distractors", "chain+ambiguity", "chain+miss_param", "chain+miss_func",
                   "chain+tool_errors", "chain+long_context", "chain+change_of_mind",
                   "chain+wrong_detail", "chain+off_topic", "chain+correction"]
"""Every operator with `chain`: sessions long enough to teach, each category one harder skill."""
AFTER_ROLLOUT = {"paraphrase": paraphrase_trajectory, "paraphrase_agent": paraphrase_agent_trajectory}
"""Passes over a variant's verified conversation (LLM only: `paraphrase` the user's turns,
`paraphrase_agent` the assistant's): named in a recipe and its category, applied by whoever rolls
the variant out (`after_rollout`)."""


async def after_rollout(trajectory: Any, variant: Task, compiled: CompiledDomain, client: Any) -> str | None:
    """The variant's passes over its verified conversation, in `ORDER`; the first reason to reject
    it, or None."""
    for op in (o for o in ORDER if o in AFTER_ROLLOUT and o in variant.ops):
        why = await AFTER_ROLLOUT[op](trajectory, variant, compiled, client)
        if why is not None:
            return why
    return None


def parse_recipes(text: str) -> list[list[str]]:
    """"miss_param,chain+distractors" -> [["miss_param"], ["chain", "distractors"]], each in `ORDER`."""
    recipes = []
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        ops = [o.strip() for o in item.split("+") if o.strip()]
        unknown = [o for o in ops if o not in OPERATORS and o not in AFTER_ROLLOUT]
        if unknown:
            raise ValueError(f"unknown operator(s) {', '.join(unknown)}; known: {', '.join(ORDER)}")
        if len(set(ops)) != len(ops):
            raise ValueError(f"an operator is repeated in {item!r}")
        recipes.append(sorted(ops, key=ORDER.index))
    if not recipes:
        raise ValueError("no operators given")
    return recipes


def variant_seed(seed: int, task_id: str, recipe: list[str], n: int) -> str:
    return f"{seed}\x00{task_id}\x00{'+'.join(recipe)}\x00{n}"


def refine_task(task: Task, compiled: CompiledDomain, recipe: list[str], *, siblings: list[Task], seed: int,
                n: int = 0, derived: dict[str, CompiledDomain] | None = None,
                pool: dict[str, list[Task]] | None = None, elsewhere: list[str] = ()) -> tuple[Task, CompiledDomain]:
    """The variant of `task` that `recipe` makes (its number `n` among the task's variants), and
    the domain it runs on; `NotApplicable` says why there is none. `derived` and `pool` are caches
    (derived domains, admitted tasks per domain) shared by the variants of one domain; `elsewhere`
    is what customers of the run's other services ask (`off_topic`)."""
    why = refinable(task)
    if why is not None:
        raise NotApplicable(why)
    ctx = Context(siblings=siblings, rng=random.Random(variant_seed(seed, task.id, recipe, n)),
                  derived=derived if derived is not None else {}, pool=pool if pool is not None else {}, seed=seed,
                  elsewhere=list(elsewhere))
    v = start(task, compiled)
    for op in (o for o in recipe if o not in AFTER_ROLLOUT):
        try:
            v = OPERATORS[op].apply(v, ctx)
        except NotApplicable as err:
            raise type(err)(f"{op}: {err}") from None
        v.ops.append(op)
    v = compose(v)
    name = "+".join(recipe)
    digest = hashlib.sha256(variant_seed(seed, task.id, recipe, n).encode()).hexdigest()[:8]
    # the names the document writes with capitals go with every request the user makes ("iPhone"),
    # and the kinds of record the service keeps (a parent made before scenarios told them has none)
    told = {"names": task.scenario.names} if task.scenario.names else {}
    said = [p.scenario.model_copy(update={**told, "records": record_nouns(compiled.domain)}) for p in v.parts]
    # the customer the session is signed in as stays so, where the variant's user is still them
    signed_in = {k: val for k, val in task.scenario.signed_in.items() if said[0].knows.get(k, val) == val}
    if signed_in:
        said[0] = said[0].model_copy(update={"signed_in": signed_in})
    variant = v.task.model_copy(update={
        "id": f"{task.id}~{name}~{digest}", "parent_id": task.id, "ops": list(recipe), "category": name,
        "scenario": said[0], "followups": said[1:],
        "plan": v.plan, "seed": seed,
    })
    return variant, v.compiled
