"""A user describes only records the service keeps. A scenario names the kinds of record of its
domain (`Scenario.records`: its tables' nouns); a fact named like "<noun>_<field>" of anything else
(a guide's `question_type`, `affiliate_name`, `root_certificate_public_key`) is said as itself ("The
question type is standard."), never as a record of the user's ("It's on my standard question.",
"It's on my root whose certificate public key is 0x11..."; the agent then read that value as a
`public_key`). The LLM user is told the same kinds."""
from __future__ import annotations

import asyncio
import re

from gem_env.simulators.llm_user import system_prompt
from gem_env.simulators.scenario import Scenario
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.refine.base import NotApplicable
from gem_env.stages.refine.operators import refine_task
from gem_env.stages.tasks import make_tasks
from gem_env.tools.render import record_nouns

from test_refine_howto import _domain

_AS_RECORD = re.compile(r"\bon my\b|\bwhose\b|\bcalled\b|\bthe one\b", re.IGNORECASE)


def _first(records: list[str], intent: str, knows: dict, seed: int) -> str:
    request = {"goal": intent, "intent": intent, "knows": knows, "opening": list(knows)}
    user = ScriptedUser(Scenario(goal=intent, knows=knows, requests=[request], records=records), seed=seed)
    return asyncio.run(user.reply([{"role": "system", "content": "policy"}]))


def test_a_fact_named_like_a_record_the_service_does_not_keep_is_said_as_itself() -> None:
    facts = [("set up a kahoot game", {"question_type": "standard"}, "question type"),
             ("cite a website", {"affiliate_name": "Family affiliate"}, "affiliate name"),
             ("set up a virtual private network", {"root_certificate_public_key": "0x118030B953E9BAF9"},
              "root certificate public key")]
    for intent, knows, name in facts:
        for seed in range(12):
            first = _first(["website", "game", "key"], intent, knows, seed)
            assert name in first.lower() and not _AS_RECORD.search(first), first


def test_a_record_the_service_keeps_is_still_described() -> None:
    """"That's the booking from Simmonsshire.", "It's on my card that shows as frozen.": unchanged
    (a status said as what the customer sees, round 57)."""
    for seed in range(12):
        first = _first(["booking", "customer"], "cancel my booking", {"booking_origin": "Simmonsshire"}, seed)
        assert "from Simmonsshire" in first and "origin" not in first, first
        first = _first(["card", "transaction"], "dispute my transaction", {"card_status": "frozen"}, seed)
        assert re.search(r"my card (?:that shows as|showing as|that's listed as) frozen", first) \
            and "status" not in first, first


def test_tasks_and_their_variants_tell_the_kinds_of_record_the_service_keeps() -> None:
    compiled = _domain("# How to Set Up a Kahoot Game\n\n1. Go to https://create.kahoot.it in a browser.\n"
                       "2. Choose the question type, such as standard.\n3. Type the game title in the Title box.\n"
                       "4. Click Save.\n")
    kinds = record_nouns(compiled.domain)
    assert "game" in kinds and "question" not in kinds, kinds
    tasks, _ = make_tasks(compiled, per_domain=6, seed=0)
    assert tasks and all(t.scenario.records == kinds for t in tasks)
    made = 0
    for task in tasks:
        parent = task.model_copy(update={"scenario": task.scenario.model_copy(update={"records": []})})
        try:  # a parent made before scenarios told the kinds: its variant is told them
            variant, _ = refine_task(parent, compiled, ["miss_param"], siblings=tasks, seed=0)
        except NotApplicable:
            continue
        made += 1
        assert variant.scenario.records == kinds and all(f.records == kinds for f in variant.followups)
    assert made
    assert "records of these kinds: games" in system_prompt(tasks[0].scenario)


def test_a_thing_the_request_names_by_its_name_is_not_said_again() -> None:
    """"Could you check if the blender is in stock? It's on my blender." (12 refined support
    sessions): the product's name is the request's words already."""
    request = {"kind": "lookup", "goal": "find out, for product PRD-1, whether it is in stock",
               "intent": "find out, for product PRD-1, whether it is in stock", "knows": {"product_name": "blender"},
               "opening": ["product_name"], "asks": ["in_stock"], "yes_no": ["in_stock"], "about": "the blender"}
    for seed in range(12):
        user = ScriptedUser(Scenario(goal="x", knows={}, requests=[request], records=["product", "order"]), seed=seed)
        first = asyncio.run(user.reply([{"role": "system", "content": "policy"}]))
        assert "blender" in first and "on my blender" not in first and first.count("blender") == 1, first
