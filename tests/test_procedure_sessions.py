"""Sessions over what how-to text makes (wikiHow, Debian docs) go through: each case below failed a
real run's verification before its fix (the record, its words and values as those runs had them)."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gem_env.agents.lookup import recognise_lookup
from gem_env.agents.refined import NOT_FOUND, RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.simulators.scripted import ScriptedUser
from gem_env.simulators.writing import MONEY, Hand
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import RolloutJob, run_rollouts
from gem_env.stages.tasks import make_tasks
from gem_env.stages.verify import verify
from gem_env.tools import CompiledDomain, Domain, compile_domain

SMARTHOST = "mail sent by smarthost; received via SMTP or fetchmail"


def _find(var: str = "zapdos") -> dict[str, Any]:
    return {"find": "zapdoses", "as": var, "where": {"zapdos_id": "zapdos_id"}, "error": "No zapdos with that id"}


DOMAIN = {
    "name": "arcade", "description": "The screen program (software)", "clock": "2025-01-15T12:00:00", "seed": 3,
    "entities": [{"name": "zapdoses", "primary_key": "zapdos_id", "rows": 12, "fields": [
        {"name": "zapdos_id", "type": "string", "faker": {"provider": "bothify", "args": {"text": "ZAP-#####"}}},
        {"name": "status", "type": "string", "values": ["active", "closed"], "weights": [5, 1]},
        {"name": "times", "type": "integer", "range": [1, 3]},
        {"name": "option", "type": "string", "values": [SMARTHOST, "local delivery only"]},
        {"name": "passphrase", "type": "string", "values": ["i$5lYr+j)l"]}]}],
    "tools": [
        {"name": "get_zapdos", "description": "A zapdos's details.", "parameters": [{"name": "zapdos_id", "type": "string"}],
         "effect": [_find(), {"return": {"zapdos_id": "zapdos.zapdos_id", "status": "zapdos.status",
                                         "times": "zapdos.times", "option": "zapdos.option"}}]},
        {"name": "set_times", "description": "Set how many times it plays.", "kind": "write",
         "parameters": [{"name": "zapdos_id", "type": "string"}, {"name": "times", "type": "integer"}],
         "effect": [_find(), {"update": "zapdoses", "row": "zapdos", "set": {"times": "times"}},
                    {"return": {"zapdos_id": "zapdos.zapdos_id", "times": "zapdos.times"}}]},
        {"name": "select_option", "description": "Choose how mail is sent.", "kind": "write",
         "parameters": [{"name": "zapdos_id", "type": "string"},
                        {"name": "option", "type": "string", "enum": [SMARTHOST, "local delivery only"]}],
         "effect": [_find(), {"update": "zapdoses", "row": "zapdos", "set": {"option": "option"}},
                    {"return": {"zapdos_id": "zapdos.zapdos_id", "option": "zapdos.option"}}]},
        {"name": "enter_passphrase", "description": "Check the passphrase.",
         "parameters": [{"name": "zapdos_id", "type": "string"}, {"name": "passphrase", "type": "string"}],
         "effect": [_find(), {"require": "zapdos.passphrase == passphrase",
                              "message": "The passphrase does not match our records"},
                    {"return": {"zapdos_id": "zapdos.zapdos_id", "passphrase_confirmed": True}}]},
        {"name": "unlock_zapdos", "description": "Unlock it.", "kind": "write",
         "parameters": [{"name": "zapdos_id", "type": "string"}],
         "effect": [_find(), {"update": "zapdoses", "row": "zapdos", "set": {"status": "'unlocked'"}},
                    {"return": {"zapdos_id": "zapdos.zapdos_id", "status": "zapdos.status"}}]}],
    "workflows": [
        {"name": "play_times", "goal": "the screen program: set how many times it's played (zapdos {zapdos_id})",
         "anchor": {"table": "zapdoses", "filter": "row.status == 'active'"},
         "knows": {"zapdos_id": "row.zapdos_id", "times": "row.times + 1"},
         "steps": [{"tool": "set_times", "args": {"zapdos_id": {"user": "zapdos_id"}, "times": {"user": "times"}},
                    "as": "set"}],
         "tells": {"times": "set.times"}},
        {"name": "send_mail", "goal": "choose how my zapdos {zapdos_id} sends mail",
         "anchor": {"table": "zapdoses", "filter": "row.option == 'local delivery only'"},
         "knows": {"zapdos_id": "row.zapdos_id", "option": f"'{SMARTHOST}'"},
         "steps": [{"tool": "select_option", "args": {"zapdos_id": {"user": "zapdos_id"}, "option": {"user": "option"}},
                    "as": "chosen"}],
         "tells": {"option": "chosen.option"}},
        {"name": "unlock", "goal": "unlock my zapdos {zapdos_id} so that it plays",
         "anchor": {"table": "zapdoses", "filter": "row.status == 'active'"},
         "knows": {"zapdos_id": "row.zapdos_id", "passphrase": "row.passphrase"},
         "steps": [{"tool": "enter_passphrase", "args": {"zapdos_id": {"user": "zapdos_id"},
                                                         "passphrase": {"user": "passphrase"}}},
                   {"tool": "unlock_zapdos", "args": {"zapdos_id": {"user": "zapdos_id"}}, "as": "unlocked"}],
         "tells": {"status": "unlocked.status"}}]}


@pytest.fixture(scope="module")
def arcade() -> CompiledDomain:
    return compile_domain(Domain.model_validate(DOMAIN))


def test_a_count_answered_with_its_unit_first_is_the_number(arcade: CompiledDomain) -> None:
    """"3 times is what I need." was read as the times being "what I need", and the session gave up."""
    got = WorkflowAgent(arcade)._facts_in("3 times is what I need.", "How many times should it be?")
    assert got == {"times": "3"}


def test_a_choice_holding_a_semicolon_is_read_whole(arcade: CompiledDomain) -> None:
    """The option was read up to its ';' and the call refused: 'Input should be ...'."""
    got = WorkflowAgent(arcade)._facts_in(f"The option is {SMARTHOST}.", "What option would you like?")
    assert got["option"] == SMARTHOST


def test_a_record_is_asked_about_by_the_noun_its_key_names(arcade: CompiledDomain) -> None:
    """A table "zapdoses" keyed by `zapdos_id`: its records are a "zapdos" (singular() says "zapdose"),
    so "the status on my zapdos" was no question about one and started a write instead."""
    lookups = WorkflowAgent(arcade)._lookups
    found = recognise_lookup("Can you tell me the status on my zapdos, please?", lookups)
    assert found is not None and found.plan.tool == "get_zapdos" and found.asks == ["status"]


def test_what_the_request_is_about_is_no_pointer_at_a_record(arcade: CompiledDomain) -> None:
    """"It's about the screen program." was taken for "It's my zapdos whose ..." (which record) and
    the request answered as out of scope."""
    agent = WorkflowAgent(arcade)
    plan = agent.recognise("Hi, I'm in a bit of a rush. It's about the screen program.")
    assert plan is not None and plan.workflow.name == "play_times"
    assert agent.recognise("It's my zapdos whose status is active.") is None


def test_an_apostrophe_is_no_word_a_request_shares_with_a_goal(arcade: CompiledDomain) -> None:
    """"it's" left "s", whose singular is "": every request with an apostrophe shared that "word" with
    the goal, and "I want to be cool in an online game" was taken for it (an off-topic ask, refined)."""
    assert WorkflowAgent(arcade).recognise("That's great. Next, I want to be cool in an online game.") is None


def test_a_function_word_is_no_word_a_request_shares_with_a_goal(arcade: CompiledDomain) -> None:
    """"That's great. ... reserve a table at an Italian restaurant?" shared "that" with a Debian goal
    ("... so that it ...") and was taken for it."""
    agent = WorkflowAgent(arcade)
    assert agent.recognise("That's great. While I have you, can you help me reserve a table?") is None
    assert agent.recognise("Could you unlock my zapdos?").workflow.name == "unlock"


def test_a_passphrase_is_written_as_it_is_whatever_way_a_user_writes_money() -> None:
    """A user who writes "$5" as "5 dollars" gave the passphrase "i$5lYr+j)l" as "i5 dollarslYr+j)l"."""
    hand = Hand("someone")
    hand.money = MONEY[2]
    assert hand.write("My passphrase is i$5lYr+j)l.") == "My passphrase is i$5lYr+j)l."
    assert hand.write("It was $5.") == "It was 5 dollars."


def test_a_detail_found_wrong_twice_is_not_asked_for_again(arcade: CompiledDomain) -> None:
    """The user could not give the passphrase again: the agent asked them to check it and made the same
    call five times over until the episode was cut. Found nothing twice, it is the answer."""
    agent = RefinedAgent(WorkflowAgent(arcade))
    call = {"name": "enter_passphrase", "arguments": '{"zapdos_id": "ZAP-12345", "passphrase": "wrong-pass"}'}
    wrong = '{"error": "The passphrase does not match our records"}'

    def tried(n: int) -> dict[str, Any]:
        return {"role": "assistant", "content": None,
                "tool_calls": [{"id": f"call_{n}", "type": "function", "function": call}]}

    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "policy"},
        {"role": "user", "content": "Please unlock my zapdos ZAP-12345. My passphrase is wrong-pass."},
        tried(0), {"role": "tool", "tool_call_id": "call_0", "content": wrong}]
    first = agent.reply(messages)
    asked_again = {t.format(v="ZAP-12345") for t in NOT_FOUND}  # the passphrase is never read back
    assert first["content"] in asked_again
    messages += [first, {"role": "user", "content": "Sorry, I don't know that."}, tried(1),
                 {"role": "tool", "tool_call_id": "call_1", "content": wrong}]
    assert list(agent._unfounds(messages)) == [3]
    then = agent.reply(messages)
    assert not then.get("tool_calls") and then["content"] not in asked_again



def test_an_id_found_wrong_is_read_back_whatever_it_is_the_id_of() -> None:
    """A `password_id` is no secret: a slipped one (refine's wrong_detail) was not asked again, since
    its name holds "password", and the request failed (a wikiHow root-password guide)."""
    domain = compile_domain(Domain.model_validate({
        "name": "root", "description": "Root passwords", "clock": "2025-01-15T12:00:00", "seed": 1,
        "entities": [{"name": "passwords", "primary_key": "password_id", "rows": 3, "fields": [
            {"name": "password_id", "type": "string", "faker": {"provider": "bothify", "args": {"text": "PAS-#####"}}},
            {"name": "status", "type": "string", "values": ["active"]}]}],
        "tools": [{"name": "get_password", "description": "A password record.",
                   "parameters": [{"name": "password_id", "type": "string"}],
                   "effect": [{"find": "passwords", "as": "p", "where": {"password_id": "password_id"},
                               "error": "No password with that id"}, {"return": "p"}]}],
        "workflows": []}))
    slip = {"name": "get_password", "arguments": '{"password_id": "PAS-58410"}'}
    wrong_id = [{"role": "system", "content": "policy"}, {"role": "user", "content": "My password id is PAS-58410."},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "call_0", "type": "function", "function": slip}]},
                {"role": "tool", "tool_call_id": "call_0", "content": '{"error": "No password with that id"}'}]
    assert RefinedAgent(WorkflowAgent(domain))._unfound(wrong_id, 3) == "PAS-58410"


def test_every_kind_of_session_on_the_domain_verifies(arcade: CompiledDomain) -> None:
    tasks, rejected = make_tasks(arcade, per_domain=12, seed=5)
    assert len(tasks) >= 8, rejected
    jobs = [RolloutJob(t, arcade, RefinedAgent(WorkflowAgent(arcade)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    failed = [(t.id, [c.name for c in v.checks if not c.passed])
              for t, traj in zip(tasks, asyncio.run(run_rollouts(jobs)))
              if not (v := verify(t, traj.messages, arcade)).passed]
    assert not failed


def test_how_to_documents_whose_sessions_failed_now_verify(tmp_path, monkeypatch) -> None:
    """The wikiHow and Debian documents whose sessions failed verification (the cases above, in their
    own words): every admitted task is an accepted trajectory. Every document is taken as relevant:
    whether stage 1 keeps them is the filter's business (three score under its threshold since
    round 39), what the later stages make of them is this test's."""
    import json

    from conftest import shared_path

    from gem_env.cli import main
    from gem_env.stages.filter import OfflineFilter
    judge = OfflineFilter.judge
    monkeypatch.setattr(OfflineFilter, "judge",
                        lambda self, doc: judge(self, doc).model_copy(update={"relevant": True}))
    wanted = {"debian-reference:6.2.4.1", "debian-reference:6.3.5", "debian-reference:9.1.2",
              "debian-reference:1.1.4", "debian-handbook:sect.apt-frontends", "openpi:Make-a-Minute-to-Win-It-Game",
              "openpi:Get-Zapdos-in-Mystery-Dungeon-Blue", "openpi:Play-a-Sega-Genesis"}
    lines = [line for name in ("debian_docs_sections.jsonl", "wikihow_openpi_procedures.jsonl")
             for line in shared_path("corpora", name).read_text().splitlines() if json.loads(line)["id"] in wanted]
    assert len(lines) == len(wanted)
    corpus = tmp_path / "how_to.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    assert main(["synthesize", str(corpus), "--out", str(tmp_path / "run"), "--seed", "5", "--quiet"]) == 0
    counts = json.loads((tmp_path / "run" / "manifest.json").read_text())["counts"]
    assert counts["tasks_admitted"] >= 20 and counts["trajectories_accepted"] == counts["tasks_admitted"], counts


def test_a_reason_in_the_users_words_describes_no_record() -> None:
    """"cancel my payment because I sent it to the wrong person": "sent" singled out the one payment
    whose status is sent, and a scheduled payment's cancellation was refused (a refined wikiHow chain)."""
    from gem_env.agents.ids import singled_out
    from gem_env.agents.workflow_agent import _REASON_CLAUSE
    listing = {"customer_id": "CST-1", "payments": [{"payment_id": "PYM-1", "status": "scheduled"},
                                                    {"payment_id": "PYM-2", "status": "scheduled"},
                                                    {"payment_id": "PYM-3", "status": "sent"}]}
    said = "Could you cancel my payment because I sent it to the wrong person? It's the one about \"Movie night\"."
    assert singled_out("payment_id", [listing], said) == ("PYM-3", "sent")  # what the words alone would pick
    assert singled_out("payment_id", [listing], _REASON_CLAUSE.sub(" ", said)) is None


def test_a_value_a_later_check_step_takes_is_asked_before_the_steps_begin() -> None:
    """"Select a file type and click Next." is a check step in the middle of the procedure: its file
    type was asked after six steps had run ("Thanks. And what's the file type?"), half-way through a
    change the customer had confirmed; it is asked with what the change needs, before the
    confirmation, which then says it."""
    from gem_env.documents import Document, Verdict
    from gem_env.stages.extract.offline import OfflineExtractor
    title = "How to Recover Deleted Files - Using a Recovery Tool"
    text = (f"{title}\n1. Go to https://www.piriform.com/recuva/download in a browser.\n"
            "2. Start the Recuva installer.\n3. Click Next to start the recovery wizard.\n"
            "4. Select a file type and click Next.\n5. Check the \"Enable Deep Scan\" box.\n6. Click Start.\n")
    domain = OfflineExtractor(archetypes=False).extract(Document(id="rec", title=title, text=text),
                                                        Verdict(id="rec", relevant=True, score=0.9, reason="steps"))
    assert isinstance(domain, Domain), domain
    compiled = compile_domain(domain)
    tasks, rejected = make_tasks(compiled, per_domain=6, seed=0)
    tasks = [t for t in tasks if t.category == "complete"]
    assert tasks, rejected
    jobs = [RolloutJob(t, compiled, RefinedAgent(WorkflowAgent(compiled)), ScriptedUser(t.scenario), Limits())
            for t in tasks]
    for task, traj in zip(tasks, asyncio.run(run_rollouts(jobs))):
        assert verify(task, traj.messages, compiled).passed
        said = [(i, m["content"]) for i, m in enumerate(traj.messages) if m["role"] == "assistant" and m.get("content")]
        asked = next(i for i, text in said if "file type" in text and "?" in text)
        first_step = next(i for i, m in enumerate(traj.messages) for c in m.get("tool_calls") or []
                          if c["function"]["name"] == "go_website")
        assert asked < first_step, said
        confirmation = next(text for i, text in said if asked < i < first_step)
        assert task.scenario.knows["file_type"] in confirmation, confirmation
