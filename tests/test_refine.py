"""Stage 4, refinement: every operator makes verified variants with the offline agent, and the
agents that each variant is there to catch fail it."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from gem_env.agents.prechecks import said_forms
from gem_env.agents.refined import RefinedAgent
from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.backends import make_agent, make_task_user
from gem_env.cli import main
from gem_env.gym.env import AsyncToolUseEnv
from gem_env.io.taskset import load_task_set
from gem_env.stages.ground.episode import Limits
from gem_env.stages.ground.rollout import run_rollout
from conftest import pointless_writes
from gem_env.stages.refine.base import ORDER, NotApplicable
from gem_env.stages.refine.operators import parse_recipes, refine_task
from gem_env.stages.refine.run import RefineConfig, refine_run
from gem_env.stages.tasks import Task
from gem_env.tools import CompiledDomain

ROOT = Path(__file__).resolve().parents[1]
LIMITS = Limits(max_turns=14)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("refine") / "base"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out),
                 "--tasks-per-domain", "6"]) == 0
    return out


@pytest.fixture(scope="module")
def taskset(run: Path) -> tuple[list[Task], dict[str, CompiledDomain]]:
    return load_task_set(run)


def variant(taskset: Any, recipe: str, index: int = 0) -> tuple[Task, CompiledDomain]:
    tasks, domains = taskset
    for task in tasks[index:] + tasks[:index]:
        siblings = [t for t in tasks if t.domain == task.domain]
        try:
            return refine_task(task, domains[task.domain], parse_recipes(recipe)[0], siblings=siblings, seed=0)
        except NotApplicable:
            continue
    raise AssertionError(f"no task takes {recipe}")


def variants(taskset: Any, recipe: list[str], tasks: list[Task] | None = None) -> Iterator[tuple[Task, Task, CompiledDomain]]:
    """(parent, variant, its domain) for every task of `taskset` (or `tasks` of it) that `recipe` applies to."""
    every, domains = taskset
    for task in every if tasks is None else tasks:
        try:
            refined, compiled = refine_task(task, domains[task.domain], recipe,
                                            siblings=[t for t in every if t.domain == task.domain], seed=0)
        except NotApplicable:
            continue
        yield task, refined, compiled


async def roll(task: Task, compiled: CompiledDomain, agent: Any) -> Any:
    return await run_rollout(task, compiled, agent, make_task_user("scripted", task, seed=1), limits=LIMITS)


@pytest.mark.parametrize("recipe", [*ORDER, "chain+pitfall+distractors+miss_param+miss_func+tool_errors+long_context",
                                    # a slipped detail whose read first fails for a while: the retry is no second try
                                    "chain+change_of_mind+wrong_detail", "off_topic+wrong_detail+tool_errors"])
async def test_offline_agent_passes_every_operator(taskset: Any, recipe: str) -> None:
    task, compiled = variant(taskset, recipe)
    assert task.parent_id and task.ops == parse_recipes(recipe)[0] and task.category == "+".join(task.ops)
    traj = await roll(task, compiled, make_agent("workflow", compiled))
    assert traj.verification.passed, (traj.verification.failed, traj.messages)
    checks = {c.name for c in traj.verification.checks}
    expected = {"distractors": "no_distractor_called", "miss_param": "withheld_value_asked",
                "miss_func": "no_absent_tool_called", "tool_errors": "retried_after_error",
                "pitfall": "refusal_told", "change_of_mind": "change_confirmed",
                "wrong_detail": "detail_rechecked", "off_topic": "off_topic_declined"}
    assert {expected[o] for o in task.ops if o in expected} <= checks


@pytest.mark.parametrize("recipe", [*ORDER, "chain+miss_param+tool_errors"])
async def test_a_do_nothing_agent_fails(taskset: Any, recipe: str) -> None:
    class Idle:
        meta: dict[str, Any] = {"backend": "idle"}
        usage: dict[str, int] = {}

        async def act(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
            return {"role": "assistant", "content": "I see. Anything else?"}

    task, compiled = variant(taskset, recipe)
    traj = await roll(task, compiled, Idle())
    assert not traj.verification.passed


async def test_calling_a_distractor_fails(taskset: Any) -> None:
    task, compiled = variant(taskset, "distractors")
    distractor_of = {d: t for d in task.plan.distractors for t in compiled.tools if d != t and t in d}

    class Careless(RefinedAgent):
        def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
            out = super().reply(messages)
            for call in out.get("tool_calls") or []:
                swap = next((d for d, t in distractor_of.items() if t == call["function"]["name"]), None)
                call["function"]["name"] = swap or call["function"]["name"]
            return out

    traj = await roll(task, compiled, Careless(WorkflowAgent(compiled)))
    assert "no_distractor_called" in traj.verification.failed


async def test_inventing_a_withheld_value_fails(taskset: Any) -> None:
    task, compiled = variant(taskset, "miss_param")
    (key, value), = task.plan.withheld.items()

    action = next(a for a in task.gold_actions if value in json.dumps(a.arguments))

    class Guesser(RefinedAgent):  # opens with the call that takes the value, before anyone gave it
        def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
            if not any(m.get("tool_calls") for m in messages):
                return {"role": "assistant", "content": None, "tool_calls": [{"id": "guess", "type": "function",
                        "function": {"name": action.tool, "arguments": json.dumps(action.arguments)}}]}
            return super().reply(messages)

    traj = await roll(task, compiled, Guesser(WorkflowAgent(compiled)))
    assert "withheld_value_asked" in traj.verification.failed
    assert traj.verification.checks[-1].evidence[0]["why"] == "used before anyone gave it"


async def test_calling_an_absent_tool_fails(taskset: Any) -> None:
    task, compiled = variant(taskset, "miss_func")
    traj = await roll(task, compiled, WorkflowAgent(compiled))  # does not look at the turn's tool set
    assert {"no_absent_tool_called", "tool_calls_valid"} <= set(traj.verification.failed)


async def test_never_retrying_fails(taskset: Any) -> None:
    task, compiled = variant(taskset, "tool_errors")
    traj = await roll(task, compiled, WorkflowAgent(compiled))  # gives up on the first error
    assert "retried_after_error" in traj.verification.failed


async def test_refused_request_must_not_change_state(taskset: Any) -> None:
    task, compiled = variant(taskset, "pitfall")
    assert task.plan.refusals and task.followups
    assert any(not a.ok for a in task.gold_actions)
    traj = await roll(task, compiled, make_agent("workflow", compiled))
    assert traj.verification.passed
    said = " ".join(m.get("content") or "" for m in traj.messages if m["role"] == "assistant")
    rule = task.plan.refusals[0]  # as written or as said ("A closed card can't be changed"), maybe lower case
    assert any(form in said or f"{form[:1].lower()}{form[1:]}" in said for form in said_forms(rule)), said


def _changed(taskset: Any) -> tuple[Task, CompiledDomain, Any, dict[str, Any]]:
    """A change_of_mind variant, its change, and the gold write's arguments."""
    task, compiled = variant(taskset, "change_of_mind")
    (change,) = task.plan.changes
    write = next(a for a in task.gold_actions if a.tool == change.tool)
    return task, compiled, change, write.arguments


def test_a_change_of_mind_says_one_value_and_writes_another(taskset: Any) -> None:
    task, _, change, arguments = _changed(taskset)
    assert change.said != change.wanted and arguments[change.argument] == change.wanted
    assert task.scenario.knows[change.key] == change.said  # the user says the first value first


def _bank(*banks: list[str]) -> re.Pattern[str]:
    """The lines these banks of the user's say, whatever their values."""
    return re.compile("|".join(re.escape(t).replace(re.escape("{name}"), ".+").replace(re.escape("{v}"), ".+")
                               for bank in banks for t in bank))


class _WritesAtOnce(RefinedAgent):
    """Answers a user message holding `word` ("wrong": a correction), or a line of a bank (a change
    of mind), with the write at once, with these arguments, asking nothing."""

    def __init__(self, inner: Any, word: str | re.Pattern[str], tool: str, arguments: dict[str, Any]) -> None:
        super().__init__(inner)
        self.word = word
        self.call = {"id": "hasty", "type": "function", "function": {"name": tool, "arguments": json.dumps(arguments)}}

    def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        last = messages[-1]
        content = last.get("content") or ""
        if last.get("role") == "user" and (self.word in content if isinstance(self.word, str) else self.word.fullmatch(content)):
            return {"role": "assistant", "content": None, "tool_calls": [self.call]}
        return super().reply(messages)


@pytest.mark.parametrize("take", ["said", "wanted"])
async def test_writing_on_the_change_without_asking_again_fails(taskset: Any, take: str) -> None:
    task, compiled, change, arguments = _changed(taskset)
    from gem_env.simulators.phrases import CHANGE_MIND, CHANGE_REASON
    hasty = _WritesAtOnce(WorkflowAgent(compiled), _bank(CHANGE_MIND, CHANGE_REASON), change.tool,
                          {**arguments, change.argument: getattr(change, take)})
    traj = await roll(task, compiled, hasty)
    assert "change_confirmed" in traj.verification.failed
    (why,) = next(c for c in traj.verification.checks if c.name == "change_confirmed").evidence
    assert why["why"].startswith("wrote ")
    assert ("the value the user changed" in why["why"]) == (take == "said")
    assert why["why"].endswith("without asking again") == (take == "wanted")


def test_a_correction_is_the_first_request_again_with_the_right_value(taskset: Any) -> None:
    """The first follow-up asks for the first request's write again, the corrected value in its
    place (never what the record held before); the gold writes both, in that order, and the
    brief's value is the first one."""
    from gem_env.stages.refine.correction import _held_before
    from gem_env.tools.render import render
    task, compiled = variant(taskset, "correction")
    (c,) = task.plan.corrections
    writes = [a for a in task.gold_actions if a.tool == c.tool]
    assert c.said != c.wanted and [a.arguments[c.argument] for a in writes] == [c.said, c.wanted]
    held = _held_before(compiled, writes[0], {c.argument, c.key.removeprefix("new_")})
    assert held and render(c.wanted) not in held  # not back to what the record held: no undo
    assert task.scenario.knows[c.key] == c.said and task.followups[0].knows[c.key] == c.wanted


async def test_a_correction_is_brought_as_one_and_made_after_asking(taskset: Any) -> None:
    from gem_env.simulators.phrases import CORRECTING
    task, compiled = variant(taskset, "correction")
    (c,) = task.plan.corrections
    traj = await roll(task, compiled, RefinedAgent(WorkflowAgent(compiled)))
    assert traj.verification.passed, traj.verification.failed
    users = [m["content"] for m in traj.messages if m["role"] == "user"]
    name = c.key.removeprefix("new_").replace("_", " ")
    assert any(u.startswith(tuple(x.format(name=name) for x in CORRECTING)) for u in users)


async def test_a_correction_written_without_asking_or_never_made_fails(taskset: Any) -> None:
    task, compiled = variant(taskset, "correction")
    (c,) = task.plan.corrections
    arguments = next(a.arguments for a in task.gold_actions if a.tool == c.tool and a.arguments[c.argument] == c.wanted)
    traj = await roll(task, compiled, _WritesAtOnce(WorkflowAgent(compiled), "wrong", c.tool, arguments))
    (why,) = next(ch for ch in traj.verification.checks if ch.name == "correction_made").evidence
    assert why["why"].endswith("without asking to confirm")
    plain = task.model_copy(update={"followups": []})  # the user never brings the correction
    traj = await roll(plain, compiled, RefinedAgent(WorkflowAgent(compiled)))
    (why,) = next(ch for ch in traj.verification.checks if ch.name == "correction_made").evidence
    assert why["why"].startswith("never wrote ") and "final_state" in traj.verification.failed


class _RetriesAtOnce(RefinedAgent):
    """Meets a read that found nothing by calling it again at once with `value`, saying nothing."""

    def __init__(self, inner: Any, said: str, value: str) -> None:
        super().__init__(inner)
        self.said, self.value = said, value

    def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        last = messages[-1]
        call = next((c for m in messages for c in m.get("tool_calls") or [] if c["id"] == last.get("tool_call_id")),
                    None) if last.get("role") == "tool" else None
        if call is not None and self.said in call["function"]["arguments"] and '"error"' in (last.get("content") or ""):
            arguments = call["function"]["arguments"].replace(self.said, self.value)
            return {"role": "assistant", "content": None, "tool_calls": [
                {"id": "again", "type": "function", "function": {"name": call["function"]["name"], "arguments": arguments}}]}
        return super().reply(messages)


@pytest.mark.parametrize("take", ["said", "right"])
async def test_meeting_a_slip_by_calling_again_without_asking_fails(taskset: Any, take: str) -> None:
    """Calling again with the right value is a guess when nobody said it (a list of the customer's
    cards read before shows it: then it is taken from there, and only not telling the user fails)."""
    for index in range(len(taskset[0])):
        task, compiled = variant(taskset, "wrong_detail", index)
        (mistake,) = task.plan.mistakes
        assert mistake.said != mistake.right and task.scenario.knows[mistake.key] == mistake.said
        traj = await roll(task, compiled, _RetriesAtOnce(WorkflowAgent(compiled), mistake.said, getattr(mistake, take)))
        if take == "said":
            break
        retry = next(i for i, m in enumerate(traj.messages)
                     if any(mistake.right in c["function"]["arguments"] for c in m.get("tool_calls") or []))
        if not any(mistake.right in (m.get("content") or "") for m in traj.messages[:retry]
                   if m["role"] in ("user", "tool")):
            break
    else:
        raise AssertionError("no variant whose right value nobody says")
    assert "detail_rechecked" in traj.verification.failed
    whys = [e["why"] for e in next(c for c in traj.verification.checks if c.name == "detail_rechecked").evidence]
    assert "called again without telling the user" in whys
    assert any(w.startswith("tried ") for w in whys) == (take == "said")
    assert any(w.endswith("before anyone said it") for w in whys) == (take == "right")


def test_off_topic_asks_are_wants_that_share_no_word_with_the_domain(taskset: Any) -> None:
    from gem_env.agents.plans import content_words
    from gem_env.simulators.phrases import OFF_TOPIC, WANT, want_phrase
    from gem_env.stages.refine.off_topic import domain_words
    assert all(want_phrase(a)[0] is WANT for a in OFF_TOPIC)  # "I'd like to bake a loaf of banana bread."
    task, compiled = variant(taskset, "off_topic")
    (ask,) = task.plan.off_topic
    assert not content_words(ask) & domain_words(compiled) and task.followups[0].goal == ask


def test_an_off_topic_ask_is_mostly_what_another_service_of_the_run_is_asked(run: Path, taskset: Any) -> None:
    from gem_env.stages.refine.run import load_source
    src = load_source(run)
    tasks, domains = taskset
    refined, _ = variant(taskset, "off_topic")
    task = next(t for t in tasks if t.id == refined.parent_id)
    elsewhere = src.asked_elsewhere(task.domain)
    # the example corpus is one bank's documents: another of them asks what this bank does, so none is
    # taken (`Source.asked_elsewhere`: other businesses only); the everyday asks stand in
    assert elsewhere == [] and src.asks[task.domain] and not any(re.search(r"\b[A-Z]+-\d+\b", a)
                                                                 for a in src.asks[task.domain])  # naming no record
    flight = "book a flight from Boston to Denver on March 3, 2025"
    siblings = [t for t in tasks if t.domain == task.domain]
    asked = [refine_task(task, domains[task.domain], ["off_topic"], siblings=siblings, seed=0, n=n,
                         elsewhere=[flight])[0].plan.off_topic[0] for n in range(12)]
    assert 6 <= asked.count(flight) < 12  # another service's ask most of the time, an everyday one now and then


async def test_serving_an_off_topic_ask_fails(taskset: Any) -> None:
    task, compiled = variant(taskset, "off_topic")
    read = next(a for a in task.gold_actions if not compiled.tools[a.tool].writes)

    class Eager(RefinedAgent):  # answers the ask with a lookup and a cheerful "sure"
        def reply(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
            last = messages[-1]
            if last.get("role") == "user" and task.plan.off_topic[0].split()[-1] in last.get("content", ""):
                return {"role": "assistant", "content": None, "tool_calls": [{"id": "eager", "type": "function",
                        "function": {"name": read.tool, "arguments": json.dumps(read.arguments)}}]}
            if last.get("role") == "tool" and last.get("tool_call_id") == "eager":
                return {"role": "assistant", "content": "Sure, I've looked into it. Anything else?"}
            return super().reply(messages)

    traj = await roll(task, compiled, Eager(WorkflowAgent(compiled)))
    whys = [e["why"] for e in next(c for c in traj.verification.checks if c.name == "off_topic_declined").evidence]
    assert whys == ["called a tool for it", "did not say it cannot help"]


def test_recipes_are_checked() -> None:
    assert parse_recipes("miss_param, long_context+chain") == [["miss_param"], ["chain", "long_context"]]
    for bad in ("", "nope", "chain+chain"):
        with pytest.raises(ValueError):
            parse_recipes(bad)


async def test_refined_run_reruns_byte_identical_and_resumes(run: Path, tmp_path: Path) -> None:
    cfg = RefineConfig(source=str(run), recipes=["chain+miss_param", "tool_errors+long_context"])
    first = await refine_run(run, tmp_path / "a", cfg)
    await refine_run(run, tmp_path / "b", cfg)
    files = ["tasks.jsonl", "trajectories.jsonl", "rejected.jsonl", "manifest.json"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first["counts"]["variants_verified"] > 0
    # a run killed after its first unit, with a torn line: resume ends where a full run does
    shutil.copytree(tmp_path / "a", tmp_path / "c")
    progress = (tmp_path / "c" / "progress.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "c" / "progress.jsonl").write_text(progress[0])
    with (tmp_path / "c" / "trajectories.jsonl").open("a") as fh:
        fh.write('{"torn": ')
    await refine_run(run, tmp_path / "c", cfg, resume=True)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name


def test_cli_refine_then_verify_and_eval(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "refined"
    assert main(["refine", str(run), "--out", str(out), "--ops", "chain+distractors,miss_func"]) == 0
    records = [json.loads(line) for line in (out / "trajectories.jsonl").open()]
    assert records and all(r["task"]["parent_id"] and r["meta"]["refine"]["ops"] for r in records)
    assert main(["verify", str(out)]) == 0
    assert main(["eval", str(out), "--out", str(tmp_path / "eval"), "--json"]) == 0
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert set(report["by_category"]) == {"chain+distractors", "miss_func"}
    assert all(g["pass^1"] == 1.0 for g in report["by_category"].values())


def test_a_tool_that_comes_mid_conversation_is_recorded_and_exported_true(run: Path, tmp_path: Path) -> None:
    """A missing function's record says where the tool came; its export is the turns before it,
    with the tools they had: never "I can't" under a tool list that holds the tool."""
    out = tmp_path / "refined"
    assert main(["refine", str(run), "--out", str(out), "--ops", "miss_func", "--quiet"]) == 0
    records = [json.loads(line) for line in (out / "trajectories.jsonl").open()]
    assert records
    for r in records:
        added = r["meta"]["tools_added"]
        hidden, at = r["task"]["plan"]["hidden"], added["message"]
        assert added["tools"] == hidden and r["messages"][at]["role"] == "user"
        before = [m for m in r["messages"][:at] if m["role"] == "assistant"]
        assert before[-1]["content"] and not before[-1].get("tool_calls")  # the "I can't"
        assert any(c["function"]["name"] in hidden for m in r["messages"][at:] for c in m.get("tool_calls") or [])
    assert main(["export", str(out), "--format", "openai", "--out", str(tmp_path / "x"), "--quiet"]) == 0
    exported = {e["id"]: e for e in map(json.loads, (tmp_path / "x" / "train.jsonl").open())}
    for r in records:
        e = exported[r["id"]]
        hidden = set(r["task"]["plan"]["hidden"])
        names = {t["function"]["name"] for t in e["tools"]}
        assert not names & hidden and names | hidden == {t["function"]["name"] for t in r["tools"]}
        assert e["messages"][-1]["role"] == "assistant" and not e["messages"][-1].get("tool_calls")
        assert not any(c["function"]["name"] in hidden for m in e["messages"] for c in m.get("tool_calls") or [])
        assert len(e["messages"]) < len(r["messages"])
        assert e["provenance"]["cut_at"] == {"message": r["meta"]["tools_added"]["message"],
                                             "of": len(r["messages"]), "tools_added": r["task"]["plan"]["hidden"]}


def test_cli_refine_bad_input(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["refine", str(run), "--out", str(tmp_path / "x"), "--ops", "chain+nope"]) == 2
    assert "unknown operator" in capsys.readouterr().err
    assert main(["refine", str(tmp_path / "missing"), "--out", str(tmp_path / "y")]) == 2


async def test_gym_shows_category_and_the_turns_tool_set(taskset: Any, tmp_path: Path) -> None:
    task, compiled = variant(taskset, "miss_func")
    env = AsyncToolUseEnv([task], domains={task.domain: compiled})
    _, info = await env.reset(seed=0)
    names = {s["function"]["name"] for s in info["tools_now"]}
    assert info["category"] == "miss_func" and task.plan.hidden[0] not in names
    _, _, _, _, info = await env.step({"content": "I'm sorry, I can't do that right now."})
    assert task.plan.hidden[0] in {s["function"]["name"] for s in info["tools_now"]}


def test_distractor_domains_of_long_names_stay_apart(tmp_path: Path) -> None:
    from gem_env.errors import GemError
    from gem_env.stages.refine.distractors import derived_name
    from gem_env.stages.refine.run import _write_domain

    a, b = "tau2-banking-kb_doc_business_checking_accounts_cobalt_blue_001", \
        "tau2-banking-kb_doc_business_checking_accounts_cobalt_blue_007"
    assert derived_name("bank") == "bank-dx" and derived_name("x" * 61) == "x" * 61 + "-dx"
    assert derived_name(a) != derived_name(b) and all(len(derived_name(n)) <= 64 for n in (a, b))
    assert derived_name(a) == derived_name(a) and derived_name(a).endswith("-dx")
    file = tmp_path / "d.json"
    _write_domain(file, "one\n")
    _write_domain(file, "one\n")  # the same domain again (a resumed run): fine
    with pytest.raises(GemError, match="two different domains"):
        _write_domain(file, "two\n")
    assert file.read_text() == "one\n"


def test_synthesize_refine_slot(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "bank"), "--out", str(out), "--limit", "2",
                 "--tasks-per-domain", "6", "--quiet", "--refine", "chain+distractors,miss_func"]) == 0
    tasks = [json.loads(line) for line in (out / "tasks.jsonl").open()]
    variants = [t for t in tasks if t["parent_id"]]
    assert variants and {t["category"] for t in variants} <= {"chain+distractors", "miss_func"}
    assert any(p.name.endswith("-dx.json") for p in (out / "domains").iterdir())
    assert main(["verify", str(out)]) == 0
    assert main(["synthesize", "x", "--out", str(tmp_path / "bad"), "--refine", "nope"]) == 2


@pytest.mark.parametrize("recipe", ["chain", "chain+pitfall"])
def test_chain_is_long_varied_and_says_what_changed(taskset: Any, recipe: str) -> None:
    """A session of several distinct requests; a later request's outputs are named "2.status" (the
    form verify strips), and a request about other records says what differs up front."""
    task, compiled = variant(taskset, recipe)
    parts = [task.scenario, *task.followups]
    assert len(parts) >= 4 and len({(p.goal, str(sorted(p.knows.items()))) for p in parts}) == len(parts)
    numbered = [k for k in task.required_outputs if re.fullmatch(r"\d+\.\w+", k)]
    assert numbered and all(k in numbered or "." not in k for k in task.required_outputs)
    known: dict[str, Any] = {}
    for p in parts:
        changed = {k for k, v in p.knows.items() if k in known and known[k] != v}
        assert changed <= set(p.opening), (changed, p.opening)
        known.update(p.knows)


async def test_chain_reads_with_lookups_of_other_tables(taskset: Any) -> None:
    """Lookups join a chain when they call a tool the session has not; their facts are read on the
    state the earlier requests left, and the offline agent still passes the session."""
    tasks, _ = taskset
    found = None
    for index in range(len(tasks)):
        task, compiled = variant(taskset, "chain", index)
        kinds = [r.kind for p in task.followups for r in p.requests]
        if "lookup" in kinds:
            found = (task, compiled)
            break
    assert found is not None, "no chain of the example corpus has a lookup"
    task, compiled = found
    parts = [task.scenario, *task.followups]
    n, asked = next((n, p.requests[0]) for n, p in enumerate(parts) if p.requests[0].kind == "lookup")
    assert asked.asks and all(f"{n + 1}.{a}" in task.required_outputs for a in asked.asks)
    traj = await roll(task, compiled, make_agent("workflow", compiled))
    assert traj.verification.passed, traj.verification.failed


async def test_a_lookup_that_starts_from_the_users_email_reads_the_finder_first(taskset: Any) -> None:
    """A lookup the user asks about their own record by email (never its key: "is my identity
    verified?") reads the record's key with the finder first, and the offline agent passes the
    session. (Chains took such lookups of the customer's own phone or city; customers no longer ask
    those, and a chain's lookups are of other tables: `test_chain_reads_with_lookups_of_other_tables`.)"""
    tasks, domains = taskset
    found = next(((t, n) for t in tasks for n, r in enumerate(t.scenario.session()) if r.kind == "lookup"
                  and set(r.knows) == {"email"} and not r.compare), None)
    assert found is not None, "no session of the example corpus has a lookup from the user's email"
    task, n = found
    compiled = domains[task.domain]
    email = task.scenario.session()[n].knows["email"]
    asks = task.scenario.session()[n].asks
    gold = task.gold_actions
    # the finder by email, then the read by the key its result holds, whose reply holds the facts asked
    pairs = [(a, b) for a, b in zip(gold, gold[1:]) if a.arguments == {"email": email}
             and all(str(v) in json.dumps(a.result) for v in b.arguments.values())
             and isinstance(b.result, dict) and set(asks) <= set(b.result)]
    assert pairs, [(a.tool, a.arguments) for a in gold]
    traj = await roll(task, compiled, make_agent("workflow", compiled))
    assert traj.verification.passed, traj.verification.failed


@pytest.mark.parametrize("recipe", ["miss_param", "ambiguity"])
async def test_withholding_applies_when_the_user_volunteers_nothing(taskset: Any, recipe: str) -> None:
    """A parent whose user opens with only what they want still gets the variant: a value they
    know is withheld (gone from the goal's words, given only when asked) and the rest volunteered."""
    tasks, domains = taskset
    complete = [t for t in tasks if not t.ops and t.category == "complete"]
    quiet = [t.model_copy(update={"scenario": t.scenario.model_copy(update={"opening": []})})  # opened quietly
             for t in complete]
    assert quiet, "no complete task in the example corpus"
    made = []
    for task in quiet:
        try:
            made.append(refine_task(task, domains[task.domain], [recipe], siblings=tasks, seed=0))
        except NotApplicable:
            continue
    assert len(made) * 2 >= len(quiet), f"{recipe} applies to {len(made)} of {len(quiet)} quiet tasks"
    variant_task, compiled = made[0]
    (key, value), = variant_task.plan.withheld.items()
    assert key not in variant_task.scenario.opening and value not in variant_task.scenario.goal
    assert variant_task.scenario.opening
    traj = await roll(variant_task, compiled, make_agent("workflow", compiled))
    assert traj.verification.passed, traj.verification.failed
    assert "withheld_value_asked" in {c.name for c in traj.verification.checks}


async def test_tasks_an_operator_does_not_apply_to_are_counted_apart(run: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`tried` counts the tasks an operator applies to; those it does not are `not_applicable`
    (stage ``not_applicable`` in rejected.jsonl), and `verified_share_of_all` still counts them."""
    from gem_env.stages.refine import pitfall
    from gem_env.stages.refine.base import DoesNotApply

    def no_refusal(v: Any, ctx: Any) -> Any:
        raise DoesNotApply("no request of this domain is refused on the session's state")
    monkeypatch.setattr(pitfall, "apply", no_refusal)
    manifest = await refine_run(run, tmp_path / "out", RefineConfig(source=str(run), recipes=["pitfall", "chain"]))
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").open()]
    g, chain = manifest["by_recipe"]["pitfall"], manifest["by_recipe"]["chain"]
    assert g["tried"] == 0 and g["verified"] == 0 and g["verified_share_of_all"] == 0.0
    assert g["not_applicable"] == chain["tried"] + chain["not_applicable"] > 0
    assert all(r["stage"] == "not_applicable" for r in rejected if r["category"] == "pitfall")
    assert "not_applicable: pitfall: no request" in next(iter(g["reasons"]))


def test_a_parent_whose_id_the_user_finds_by_lookup_is_refined(taskset: Any) -> None:
    """The replay takes the ids the user does not know from the parent's gold (the assistant
    finds them by a lookup first), so such a parent gets variants rather than a rejection."""
    from gem_env.stages.refine.base import start, task_part

    tasks, domains = taskset
    parent = next(t for t in tasks if t.category == "complete" and not t.ops
                  and "card_id" in {**t.scenario.session()[0].knows, **t.scenario.session()[0].found})
    task = start(parent, domains[parent.domain]).task  # a session's first request, as the task operators refine
    card = task.scenario.knows["card_id"]
    knows = {k: v for k, v in task.scenario.knows.items() if k != "card_id"}  # the user does not know it
    chained = task.model_copy(update={"scenario": task.scenario.model_copy(update={
        "knows": knows, "opening": [k for k in task.scenario.opening if k in knows], "found": {}})})
    found = task_part(chained, domains[task.domain]).found
    assert found["card_id"] == card and set(found) <= {"card_id", "email"}  # the email of one found by name
    got, _ = refine_task(chained, domains[task.domain], ["tool_errors"], siblings=tasks, seed=0)
    assert got.gold_actions == task.gold_actions and "card_id" not in got.scenario.knows


async def test_a_chain_stays_with_one_customer_who_greets_once(taskset: Any) -> None:
    """Every request of a chained session is about the same customer's records (or nobody's): one
    email in the whole session, as in a real chat; a follow-up request is brought without a new
    greeting or the email again, and a request the state no longer allows (unfreezing a card an
    earlier request closed) is refused with the rule, never "unknown name 'done'"."""
    from gem_env.simulators import phrases as P
    tasks, _ = taskset
    for index in range(0, len(tasks), 3):
        try:
            task, compiled = variant(taskset, "chain", index)
        except AssertionError:
            continue
        emails = {v for p in [task.scenario, *task.followups] for r in p.requests for k, v in r.knows.items()
                  if "email" in k}
        assert len(emails) <= 1, emails
        traj = await roll(task, compiled, make_agent("workflow", compiled))
        assert traj.verification.passed, traj.verification.failed
        users = [m["content"] for m in traj.messages if m["role"] == "user"]
        greetings = {g.strip().rstrip(",.:!") for style in P.GREET.values() for g in style if g.strip()}
        bridges = sorted({*P.BRIDGE, *P.BRIDGE_AFTER_NO, *P.BRIDGE_AFTER_DECLINE, *P.BRIDGE_AGAIN}, key=len, reverse=True)
        later = [(next(b for b in bridges if u.startswith(b)), u) for u in users[1:] if any(u.startswith(b) for b in bridges)]
        assert len(later) >= 2, users
        for b, u in later:
            rest = u[len(b):].strip()
            assert not any(rest.lower().startswith(g.lower()) for g in greetings), u
            assert not any(e in rest for e in emails), u
        leads = [P.lead_in(b) for b, _ in later[:6]]
        assert len(set(leads)) == len(leads), leads  # "While I have you, one more request." every time, before
        assert not any("unknown name" in (m.get("content") or "") for m in traj.messages)



def test_a_description_an_earlier_request_made_untrue_becomes_the_id(run: Path) -> None:
    """"It's on my frozen card", built on the initial state, named another card once the session had
    frozen one and unfrozen the other; the chained user now says the card's id instead."""
    from gem_env.stages.refine.base import _described_by
    from gem_env.tools import compile_domain, load_domain
    path = next(p for p in (run / "domains").glob("*.json") if "freeze_card" in p.read_text())
    compiled = compile_domain(load_domain(path))
    sandbox = compiled.new_sandbox()
    try:
        cards = list(sandbox.dump(["cards"])["cards"].values())
        frozen, active = next((f, a) for f in cards for a in cards if f["status"] == "frozen" and a["status"] == "active"
                              and a["customer_id"] == f["customer_id"]
                              and sum(c["status"] == "frozen" and c["customer_id"] == f["customer_id"] for c in cards) == 1)
        said = {"card_status": "frozen", "reason": "fraud"}
        assert _described_by("card_id", frozen["card_id"], said, compiled, sandbox) == []
        assert sandbox.call("freeze_card", {"card_id": active["card_id"], "reason": "stolen"}).ok
        assert _described_by("card_id", frozen["card_id"], said, compiled, sandbox) == ["card_status"]
    finally:
        sandbox.close()


def test_a_tool_error_falls_on_a_call_every_agent_makes(taskset: Any) -> None:
    """The failing call is the session's first or a write: a read the gold makes, the offline agent
    may answer from memory, and a failure never met fails `retried_after_error` for nothing."""
    tasks, domains = taskset
    for index in range(0, len(tasks), 2):
        task, compiled = variant(taskset, "chain+tool_errors", index)
        ok = [a for a in task.gold_actions if a.ok]
        for fault in task.plan.faults:
            assert fault.tool == ok[0].tool or compiled.tools[fault.tool].writes, fault


def test_a_withheld_value_is_one_no_other_fact_of_the_user_says(taskset: Any) -> None:
    """"a question about my order ORD-1" (a summary the user gives when asked) gave the withheld
    order id away; such a value is not the one withheld."""
    tasks, _ = taskset
    for index in range(0, len(tasks), 2):
        task, _ = variant(taskset, "chain+miss_param", index)
        (key, value), = task.plan.withheld.items()
        others = [str(v) for r in task.scenario.requests for k, v in r.knows.items() if k != key]
        assert not any(str(value) in o for o in others), (key, value, others)


def test_a_brief_is_said_in_the_users_words(run: Path) -> None:
    """Briefs that operators write (a refused request, a withheld value) were said as the goal with
    its ids and raw numbers pasted in ("transfer 700 from my account ACC-7 to my other account ACC-3"),
    or with a withheld value's name standing in ("from my account my source account id", "because of
    my reason")."""
    from gem_env.stages.refine.base import brief
    from gem_env.tools import compile_domain, load_domain
    domains = [compile_domain(load_domain(p)) for p in sorted((run / "domains").glob("*.json"))]
    wf = next(w for c in domains for w in c.domain.workflows if "{source_account_id}" in w.goal)
    knows = {"amount": 700, "source_account_id": "ACC-7", "destination_account_id": "ACC-3"}
    said = brief(wf, knows, "a customer").requests[0].intent
    assert "$700" in said and "ACC-" not in said and "account id" not in said, said
    said = brief(wf, knows, "a customer", withheld=("source_account_id",)).requests[0].intent
    assert "from my account to my other account" in said, said
    # a withheld amount is "some money" (was "transfer my amount ...", which the agent took for the amount)
    said = brief(wf, knows, "a customer", withheld=("amount",)).requests[0].intent
    assert said.startswith("transfer some money from my account"), said
    from gem_env.agents.workflow_agent import WorkflowAgent
    agent = WorkflowAgent(next(c for c in domains if wf in c.domain.workflows))
    assert agent.typed({"amount": "number"}, {"amount": "my amount", "reason": "moving"}) == {"reason": "moving"}
    reasoned = next(w for c in domains for w in c.domain.workflows if "because of {reason}" in w.goal)
    keys = {k: "x" for k in re.findall(r"\{(\w+)\}", reasoned.goal)}
    said = brief(reasoned, keys, "a customer", withheld=("reason",)).requests[0].intent
    assert "reason" not in said and "because" not in said, said


@pytest.mark.parametrize("recipe", ["chain+pitfall", "chain+miss_param"])
async def test_every_chained_task_of_the_bank_examples_verifies(taskset: Any, recipe: str) -> None:
    """Over every task, not the first that takes the recipe: after a refusal the agent offered a
    handoff, and the user's "Okay, I understand. Another thing: ..." was read as a yes to it (the
    agent asked for a summary, the user did not know one, the next request was dropped)."""
    tasks, domains = taskset
    failed = []
    for task in tasks:
        try:
            refined, compiled = refine_task(task, domains[task.domain], parse_recipes(recipe)[0],
                                            siblings=[t for t in tasks if t.domain == task.domain], seed=0)
        except NotApplicable:
            continue
        traj = await run_rollout(refined, compiled, make_agent("workflow", compiled),
                                 make_task_user("scripted", refined, seed=0))
        if not traj.verification.passed:
            failed.append(refined.id)
    assert not failed, failed


def test_a_chain_never_asks_a_question_twice(taskset: Any) -> None:
    """A chain joins sibling sessions: two of them could ask the status of the same account
    ("find out the status of my account ACC-1", later "... of account ACC-1": seen once in 200
    refined example trajectories)."""
    from gem_env.simulators.scenario import Request
    from gem_env.stages.tasks.session import asked_again
    mine = Request(kind="lookup", goal="x", intent="find out the status of my account ACC-1", asks=["status"],
                   knows={"email": "a@example.com", "account_id": "ACC-1"})
    bare = Request(kind="lookup", goal="x", intent="find out the status of account ACC-1", asks=["status"],
                   knows={"account_id": "ACC-1"})
    other = bare.model_copy(update={"knows": {"account_id": "ACC-2"}})
    assert asked_again(mine, bare) and not asked_again(mine, other)
    assert not asked_again(mine, bare.model_copy(update={"asks": ["balance"]}))
    chained = _chained(taskset)
    for refined, _ in chained:
        asked = refined.scenario.requests + [r for f in refined.followups for r in f.requests]
        assert not [(a.intent, b.intent) for i, b in enumerate(asked) for a in asked[:i] if asked_again(a, b)], refined.id
    assert chained


def test_a_rule_a_read_checks_is_not_a_detail_to_check_again() -> None:
    """A read refused by one of its rules ("Only delivered orders can be rated") answers the request:
    the assistant never asks the customer to double-check the order number they gave (a wikiHow
    refusal went round "I couldn't find CON-23538 ... Could you double-check it?" until the episode
    was cut); an error that is none of the tool's rules still is."""
    import yaml
    from gem_env.tools import Domain, compile_domain
    data = yaml.safe_load((Path(__file__).resolve().parent / "data" / "rollout_shop.yaml").read_text())
    data["tools"].append({"name": "check_rating", "description": "Whether an order can be rated.",
                          "parameters": [{"name": "order_id", "type": "string"}],
                          "effect": [{"find": "orders", "as": "order", "where": {"order_id": "order_id"},
                                      "error": "Order not found"},
                                     {"require": "order.status == 'delivered'", "message": "Only delivered orders can be rated"},
                                     {"return": {"order_id": "order.order_id"}}]})
    agent = RefinedAgent(WorkflowAgent(compile_domain(Domain.model_validate(data))))
    asked = [{"role": "system", "content": "policy"}, {"role": "user", "content": "Can order ORD-12345 be rated?"},
             {"role": "assistant", "content": None, "tool_calls": [
                 {"id": "call_0", "type": "function",
                  "function": {"name": "check_rating", "arguments": '{"order_id": "ORD-12345"}'}}]}]
    refused = asked + [{"role": "tool", "tool_call_id": "call_0", "content": '{"error": "Only delivered orders can be rated"}'}]
    unfound = asked + [{"role": "tool", "tool_call_id": "call_0", "content": '{"error": "Order not found"}'}]
    assert agent._unfound(refused, 3) is None
    assert agent._unfound(unfound, 3) == "ORD-12345"


def _parts_on(compiled: CompiledDomain, name: str, row: dict[str, Any]) -> Any:
    """A request of workflow `name` about `row`, as an operator builds it (the user's brief)."""
    from gem_env.stages.refine.base import Part, brief, workflow
    from gem_env.tools.expr import compile_expr
    wf = workflow(compiled, name)
    sandbox = compiled.new_sandbox()
    try:
        knows = {k: compile_expr(src)({**sandbox.clock, "row": row}, sandbox) for k, src in wf.knows.items()}
    finally:
        sandbox.close()
    return Part(wf.name, knows, brief(wf, knows, "a customer"))


def test_a_request_an_earlier_one_made_moot_does_not_join_a_session(run: Path) -> None:
    """"unfreeze my card CRD-1" right after the customer closed CRD-1 (built on the initial state,
    where it was frozen) was kept, and the agent refused it: 29 such refusals in 117 refined demo
    trajectories outside `pitfall` ("freeze my account" for the one just closed, ...). A request
    that changes something alone but nothing after the earlier ones does not compose."""
    from gem_env.stages.refine.base import Variant, compose
    from gem_env.tools import compile_domain, load_domain
    path = next(p for p in sorted((run / "domains").glob("*.json"))
                if '"unfreeze_card"' in p.read_text() and '"close_card"' in p.read_text())
    compiled = compile_domain(load_domain(path))
    sandbox = compiled.new_sandbox()
    try:
        frozen = next(c for c in sandbox.dump(["cards"])["cards"].values() if c["status"] == "frozen")
    finally:
        sandbox.close()
    wfs = {w.name for w in compiled.domain.workflows}
    assert {"close_card", "unfreeze_card"} <= wfs, wfs
    close, unfreeze = _parts_on(compiled, "close_card", frozen), _parts_on(compiled, "unfreeze_card", frozen)
    task = Task(id="t", domain=compiled.domain.name, workflow="close_card", kind="write", scenario=close.scenario,
                gold_actions=[], state_tables=[], initial_state_hash="", expected_state_hash="")
    with pytest.raises(NotApplicable, match="no longer changes anything"):
        compose(Variant(task=task, compiled=compiled, parts=[close, unfreeze]))
    # the other way round changes both times, but brings the card back only to close it: no customer
    # asks that either (`tasks.session.makes_earlier_pointless`)
    with pytest.raises(NotApplicable, match="pointless"):
        compose(Variant(task=task, compiled=compiled, parts=[unfreeze, close]))


def _chained(taskset: Any) -> list[tuple[Task, CompiledDomain]]:
    """Every task of the run that takes `chain`, refined (seed 0)."""
    tasks, domains = taskset
    out = []
    for task in tasks:
        try:
            out.append(refine_task(task, domains[task.domain], ["chain"],
                                   siblings=[t for t in tasks if t.domain == task.domain], seed=0))
        except NotApplicable:
            continue
    return out


def test_no_chained_request_makes_an_earlier_one_pointless(taskset: Any) -> None:
    """45 of the demo's 115 refined variants (all `chain`) moved a booking or changed a plan and
    then cancelled it, raised a card's limit and then froze the card: a later request changes the
    status of a record an earlier one changed a detail of. Such a request does not compose."""
    chained = _chained(taskset)
    assert len(chained) >= 3
    assert [(t.id, p) for t, compiled in chained for p in pointless_writes(compiled, t)] == []


def test_a_chain_asks_about_one_record_once_at_a_time(taskset: Any) -> None:
    """"find out the status of my account ACC-1" and next "find out the status and account type of
    account ACC-1" (20 of 417 refined variants): a person asks both at once. A question right after
    one about the same record does not join the chain."""
    pairs, chained = [], _chained(taskset)
    for refined, _ in chained:
        goals = [s.goal for s in [refined.scenario, *refined.followups]]
        about = [set(re.findall(r"\b[A-Z]{2,4}-\d+\b", g)) if g.startswith("find out") else set() for g in goals]
        pairs += [(a, b) for a, b, x, y in zip(goals, goals[1:], about, about[1:]) if x and x == y]
    assert len(chained) >= 3
    assert pairs == []


def test_a_pitfall_is_refused_by_the_rules_not_by_what_the_session_did(taskset: Any) -> None:
    """The refused request was often the first request again ("change the cabin of my booking
    BKN-1 to economy" right after it was done: 7 of 34 pitfall variants over two corpora), refused
    only because it was just done. It is now one the rules refuse on the initial state too."""
    from gem_env.stages.refine.base import Part, replay_alone
    made = 0
    for task, refined, compiled in variants(taskset, ["chain", "pitfall"]):
        made += 1
        refused = refined.followups[0]
        assert refused.goal != refined.scenario.goal, refined.id
        wf = next(w for w in compiled.domain.workflows
                  if any(not a.ok and a.tool in {s.tool for s in w.steps} for a in refined.gold_actions)
                  and set(w.knows) == set(refused.knows))
        part = Part(wf.name, refused.knows, refused)
        assert any(not a.ok for a in replay_alone(compiled, part)), (refined.id, refused.goal)
    assert made


async def test_a_missing_tool_is_said_as_what_it_would_do_and_the_user_only_hopes_it_is_back(taskset: Any) -> None:
    """Every miss_func variant said the one sentence "I'm sorry, I can't do that right now: the
    function I need for it isn't available to me at the moment." (a "function", and not what it
    cannot do), and the customer answered "It should work now" / "I think that's available again
    now" (which they cannot know). The assistant now says what it cannot do, in the request's words;
    the customer asks it to try again without claiming to know."""
    from gem_env.agents.actions import action, brief
    from gem_env.simulators.refined import RETRY, says_cannot
    tasks, _ = taskset
    said = []
    for index in range(0, len(tasks), 3):
        task, compiled = variant(taskset, "chain+miss_func", index)
        traj = await roll(task, compiled, make_agent("workflow", compiled))
        assert traj.verification.passed, traj.verification.failed
        hidden = task.plan.hidden[0]
        ways = [brief(action(w.goal, hidden, {})).split(" ")[0] for w in compiled.domain.workflows
                if hidden in {s.tool for s in w.steps}]
        n, cannot = next((n, m["content"]) for n, m in enumerate(traj.messages)
                         if m["role"] == "assistant" and says_cannot(m.get("content") or ""))
        assert "function" not in cannot and "do that" not in cannot, cannot
        assert any(f"can't {w} " in cannot or f"able to {w} " in cannot for w in ways), (cannot, ways)
        answer = traj.messages[n + 1]["content"]
        assert answer in RETRY and not re.search(r"should (?:work|be possible)|available again", answer), answer
        said.append(cannot)
    assert len(said) >= 2


def test_a_user_with_more_to_ask_does_not_say_they_are_leaving() -> None:
    """"Before I go, what was the handoff number again?" was followed by more requests in 30 of 117
    refined demo trajectories: the inner user thinks its session ends; the refined user, with
    requests still to bring, says the line without the leaving (and the inner user still reads it
    as it said it)."""
    from gem_env.simulators.refined import staying
    assert staying("Sorry, could you repeat my handoff number before I go?") == "Sorry, could you repeat my handoff number?"
    assert staying("Before I go, what was the claim number again?") == "What was the claim number again?"
    assert staying("Okay. Before I go, could you check it?") == "Okay. Could you check it?"
    assert staying("Sorry, I missed it: what was my claim number?") == "Sorry, I missed it: what was my claim number?"


def _loan_session(ask: str) -> Any:
    """A refined user over two inner users (a first request, then "renew my loan"), each of which
    says `ask` until it has been said, then leaves."""
    from gem_env.simulators.base import STOP
    from gem_env.simulators.refined import RefinedUser
    from gem_env.simulators.scenario import Request, Scenario

    class Inner:
        def __init__(self, first: str) -> None:
            self.first = first

        async def reply(self, messages: list[dict[str, Any]]) -> str:
            if not messages:
                return self.first
            return f"Thanks. {STOP}" if any(m.get("content") == ask for m in messages) else ask

    later = Scenario(goal="renew my loan", knows={}, requests=[Request(goal="renew my loan", intent="renew my loan")])
    return RefinedUser(Inner("Hi."), [later], lambda s, i: Inner("I'd like to renew my loan."))


async def test_the_inner_user_reads_its_line_as_it_said_it() -> None:
    """The inner user tells what it asked by its own lines: the line said without the leaving is
    shown to it as it said it (else it asked "What was the handoff number again?" until cut off)."""
    ask = "Is it all logged, before I go?"
    user = _loan_session(ask)
    talk = [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Done. It's HND-1. Anything else?"}]
    said = await user.reply(talk)
    assert said == "Is it all logged?", said
    talk += [{"role": "user", "content": said}, {"role": "assistant", "content": "It's HND-1. Anything else?"}]
    nxt = await user.reply(talk)
    assert "renew my loan" in nxt and "handoff" not in nxt, nxt


async def test_a_user_with_more_to_bring_asks_no_number_again() -> None:
    """"Could you give me that subscription number once more?" right after it was told, by a
    follow-up's user whose session goes on (70 of 302 refined support sessions, 12 twice): a number
    is asked again before leaving, so only by the last user; the others bring the next request."""
    ask = "Could you give me that handoff number once more?"
    user = _loan_session(ask)
    talk = [{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Done. It's HND-1. Anything else?"}]
    nxt = await user.reply(talk)
    assert "renew my loan" in nxt and "number" not in nxt, nxt
    talk += [{"role": "user", "content": nxt}, {"role": "assistant", "content": "Renewed. It's RNW-1. Anything else?"}]
    assert await user.reply(talk) == ask  # the last user may, before the goodbye


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Task], dict[str, CompiledDomain]]:
    out = tmp_path_factory.mktemp("refine") / "clinic"
    assert main(["synthesize", str(ROOT / "examples" / "corpus" / "clinic"), "--out", str(out),
                 "--tasks-per-domain", "6", "--quiet"]) == 0
    return load_task_set(out)


def test_a_time_changed_or_corrected_stays_on_its_side_of_now(clinic: Any) -> None:
    """"Sorry, my mistake: that was the wrong start time. ... to Dec 8, 2024 at 3:00 PM" when today
    is January 15, 2025 (and a change of mind to December 2, 2024): a nearby time was any the
    records held. It is now the closest other one on the same side of now."""
    import datetime as dt
    import random
    from gem_env.stages.refine.change_of_mind import _nearby
    from gem_env.stages.tasks import GoldAction
    tasks, domains = clinic
    moved = 0
    for compiled in domains.values():
        now = dt.datetime.fromisoformat(compiled.domain.clock)
        for name, tool in compiled.tools.items():
            param = next((p.name for p in tool.spec.parameters if p.name == "starts_at"), None)
            if not tool.writes or param is None:
                continue
            for seed in range(5):
                for was in ("2025-02-22T16:45:00", "2025-01-02T09:00:00"):
                    write = GoldAction(tool=name, arguments={param: was})
                    got = _nearby(was, f"new_{param}", compiled, write, param, random.Random(seed))
                    moved += bool(got)
                    for wanted in got:
                        w = dt.datetime.fromisoformat(wanted)
                        assert (w >= now) == (dt.datetime.fromisoformat(was) >= now), (name, was, got)
    assert moved, "no write of the clinic examples takes a start time"
    from gem_env.stages.refine.change_of_mind import _near_in_time
    now = dt.datetime(2025, 1, 15, 12)
    held = ["2024-12-08T15:00:00", "2025-03-30T09:00:00", "2025-02-22T16:30:00", "2025-01-10T10:00:00"]
    assert _near_in_time(dt.datetime(2025, 2, 22, 16, 45), held, now) == [
        "2025-02-22T16:30:00", "2025-03-30T09:00:00"]


def test_a_phone_number_changed_or_corrected_keeps_the_layout_it_was_written_in(monkeypatch: Any) -> None:
    """A change or a correction of "(536)821-3654" was "528-277-6961": another record's number, in
    that record's layout; a person writes the right number as they wrote the wrong one."""
    import random
    from types import SimpleNamespace

    from gem_env.stages.refine import change_of_mind as C
    held = ["528-277-6961", "(267)312-7711", "4465027489", "001-946-302-1134x55", "(536)821-3654"]
    monkeypatch.setattr(C, "_held", lambda compiled, names: held)
    param = SimpleNamespace(name="phone_number", enum=None)
    compiled = SimpleNamespace(tools={"update_phone": SimpleNamespace(spec=SimpleNamespace(parameters=[param]))},
                               domain=SimpleNamespace(clock="2025-01-15T09:00:00"))
    write = SimpleNamespace(tool="update_phone")
    for value in ("(536)821-3654", "3716301723", "205-894-6018"):
        near = C._nearby(value, "new_phone_number", compiled, write, "phone_number", random.Random(0))
        assert near and all(re.sub(r"\d", "9", n) == re.sub(r"\d", "9", value) and n != value for n in near), near
    # a value that is no number keeps the others as they are
    assert C._nearby("0606 Lee Street", "new_shipping_address", compiled, write, "phone_number",
                     random.Random(0)) != []
    # what the record held, laid out otherwise, is no correction but an undo
    from gem_env.stages.refine.correction import _as_held
    assert _as_held("(205)894-6018") == _as_held("205-894-6018") and _as_held("0606 Lee Street") == "0606 Lee Street"


def test_a_withheld_value_counts_as_given_however_the_user_writes_it() -> None:
    """A user who writes dates "2025-02-01" and times "1:30 PM" gave the withheld new start time,
    but the check looked only for the ISO text and rejected the session."""
    from types import SimpleNamespace as NS
    from gem_env.stages.refine.checks import _withheld
    from gem_env.stages.verify_text import said
    task = NS(plan=NS(withheld={"new_starts_at": "2025-02-01T13:30:00"}))
    call = {"id": "c1", "type": "function", "function": {"name": "update_starts_at",
                                                          "arguments": '{"starts_at": "2025-02-01T13:30:00"}'}}
    for written in ("2025-02-01 at 1:30 PM", "2/1/2025 at 1:30pm", "February 1, 2025 at 1:30 pm"):
        messages = [{"role": "system", "content": ""}, {"role": "assistant", "content": "What's the new start time?"},
                    {"role": "user", "content": f"It's {written}."}, {"role": "assistant", "content": None, "tool_calls": [call]}]
        assert _withheld(task, messages, said).passed, written
    messages[2]["content"] = "It's 2025-02-02 at 1:30 PM."
    assert not _withheld(task, messages, said).passed


def test_an_ambiguous_description_is_never_of_a_field_the_task_writes(tmp_path: Path, monkeypatch) -> None:
    """A complaint described by its narrative statement when the session writes a new one: the new
    statement was taken for the description and the old one written (wikiHow refine failures). The
    ambiguity is of another field, whatever the seed. The document is taken as relevant: the filter
    has dropped it since round 39 (a complaint filed with an agency), what refine does is this test's."""
    from gem_env.stages.filter import OfflineFilter
    judge = OfflineFilter.judge
    monkeypatch.setattr(OfflineFilter, "judge",
                        lambda self, doc: judge(self, doc).model_copy(update={"relevant": True}))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "complaint.md").write_text(
        "# How to File a Complaint Against a Real Estate Agent\n\n1. Determine whether your complaint is valid.\n"
        "2. Prepare your complaint.\n3. Write your narrative statement.\n4. Provide copies of your documents.\n"
        "5. Submit the complaint package.\n")
    assert main(["synthesize", str(tmp_path / "docs"), "--out", str(tmp_path / "run"), "--tasks-per-domain", "6"]) == 0
    tasks, domains = load_task_set(tmp_path / "run")
    task = next(t for t in tasks if t.category == "complete")
    given = {name for a in task.gold_actions for name in a.arguments or {}}
    assert "narrative_statement" in given
    from gem_env.stages.refine.ambiguity import _shared_attributes
    from gem_env.stages.refine.base import start
    compiled = domains[task.domain]
    table = next(wf for wf in compiled.domain.workflows if wf.name == task.workflow).anchor.table
    sandbox = compiled.new_sandbox()
    try:
        row = sandbox.lookup(table, task.scenario.found[compiled.tables[table].pk])
        rows = list(sandbox.dump([table])[table].values())
    finally:
        sandbox.close()
    shared = {field for field, _, _ in _shared_attributes(start(task, compiled), table, row, rows)}
    assert shared and "narrative_statement" not in shared, shared
    # and the customer's one complaint, which their email lists alone, is nothing to ask about
    with pytest.raises(NotApplicable, match="this one alone"):
        refine_task(task, compiled, ["ambiguity"], siblings=tasks, seed=0)


def test_a_variant_keeps_the_names_its_document_writes_with_capitals(taskset: Any) -> None:
    """A refined session's user said "my iphone" where the parent's says "my iPhone": every request
    of a variant carries the parent's `names`."""
    tasks, domains = taskset
    task = tasks[0].model_copy(update={"scenario": tasks[0].scenario.model_copy(update={"names": {"iphone": "iPhone"}})})
    made, _ = refine_task(task, domains[task.domain], ["chain"], siblings=[t for t in tasks if t.domain == task.domain],
                          seed=0)
    assert made.followups and all(s.names == {"iphone": "iPhone"} for s in [made.scenario, *made.followups])


def test_every_way_the_agent_declines_an_off_topic_ask_is_read_as_declining() -> None:
    """"I'm afraid that is not a service I can provide here." (the formal style's) failed
    `off_topic_declined` as "did not say it cannot help": every out-of-scope reply the agent may
    draw must read as one."""
    from gem_env.agents import banks as B
    from gem_env.stages.refine.checks import _CANNOT_HELP
    said = [x for alternatives in B.OUT_OF_SCOPE.by_style.values() for x in alternatives]
    assert said and all(_CANNOT_HELP.search(x) for x in said), [x for x in said if not _CANNOT_HELP.search(x)]


def _record_ids(p: Any) -> set[str]:
    return {str(v) for k, v in {**p.found, **p.knows}.items() if isinstance(v, str)
            and (k.endswith("_id") or k.endswith("_name") and not {"first", "last", "full"} & set(k.split("_")))}


def test_a_chain_asks_nothing_about_a_record_the_session_already_changed_or_asked_about(taskset: Any) -> None:
    """"I've closed your account." ... "I'd like to know the status of my account." (1,030 of 1,214 refined
    trajectories asked what the chat had settled: the status a change had just set, a price the
    confirmation gave, a fact asked twice). A question about a record an earlier request named does
    not join the chain; one only of yes-or-no flags an earlier change did not set or ask still does."""
    chained = _chained(taskset)
    settled = []
    for refined, _ in chained:
        parts = [refined.scenario, *refined.followups]
        for n, p in enumerate(parts[1:], start=1):
            req = p.requests[0]
            if req.kind != "lookup" and not p.goal.startswith("find out"):
                continue
            if req.kind == "lookup" and req.asks and set(req.asks) <= set(req.yes_no):
                continue
            if any(_record_ids(p) & _record_ids(e) for e in parts[:n]):
                settled.append((refined.id, p.goal))
    assert len(chained) >= 3 and sum(len(t.followups) for t, _ in chained) >= 10
    assert settled == []


def test_a_question_of_a_flag_the_change_did_not_touch_is_still_open(taskset: Any) -> None:
    """`chain.settled` on its own: a status question about the record the session changed is
    settled, one about another record is not, and one only of a yes-or-no flag is settled only when
    the earlier request set it (a confirmation never describes a record by a flag)."""
    from gem_env.simulators.scenario import Request, Scenario
    from gem_env.stages.refine.base import Part, Variant
    from gem_env.stages.refine.chain import settled
    tasks, domains = taskset
    task = tasks[0]
    compiled = domains[task.domain]
    write = next(w for w in compiled.domain.workflows if any(compiled.tools[s.tool].writes for s in w.steps))
    changed = Part(write.name, {"email": "a@example.com", "account_id": "ACC-1"}, Scenario(goal="x"))
    v = Variant(task=task, compiled=compiled, parts=[changed])

    def question(account: str, asks: list[str], yes_no: list[str]) -> Part:
        req = Request(kind="lookup", goal="find out", knows={"account_id": account}, asks=asks, yes_no=yes_no)
        return Part("", {"account_id": account}, Scenario(goal="find out", requests=[req]),
                    lookup=("get_account", "account_id", asks))
    assert settled(question("ACC-1", ["status"], []), v)
    assert not settled(question("ACC-2", ["status"], []), v)
    assert not settled(question("ACC-1", ["overdraft_protection"], ["overdraft_protection"]), v)
    v.parts.append(question("ACC-1", ["overdraft_protection"], ["overdraft_protection"]))  # asked once: settled
    assert settled(question("ACC-1", ["overdraft_protection"], ["overdraft_protection"]), v)
    set_it = Part(write.name, {"account_id": "ACC-3", "new_overdraft_protection": True}, Scenario(goal="x"))
    assert settled(question("ACC-3", ["overdraft_protection"], ["overdraft_protection"]),
                    Variant(task=task, compiled=compiled, parts=[set_it]))


def test_a_handoff_parent_is_no_failed_chain(taskset: Any) -> None:
    """A parent that hands the customer to a person ends the chat: `chain` does not apply to it (was a
    plain `NotApplicable`, so `bench/refine.py` counted support's three hand-off parents as tried and
    failed: 0.893)."""
    from gem_env.simulators.scenario import Scenario
    from gem_env.stages.refine import chain
    from gem_env.stages.refine.base import Context, DoesNotApply, Part, Variant
    import random
    tasks, domains = taskset
    compiled, handoff = next((c, w) for c in domains.values() for w in c.domain.workflows if w.category == "handoff")
    task = next(t for t in tasks if t.domain == compiled.domain.name)
    v = Variant(task=task, compiled=compiled, parts=[Part(handoff.name, {}, Scenario(goal="x"))])
    with pytest.raises(DoesNotApply, match="hand-off"):
        chain.apply(v, Context(siblings=[], rng=random.Random(0)))


def test_an_off_topic_ask_comes_from_another_business() -> None:
    """A bank's card desk declined "schedule a payment to Kyle White of $410 ..." (another document of
    the same bank's knowledge base) and transferred money the next minute: 62 of 117 off_topic
    variants declined what their own business does. Asks come from other businesses only."""
    from gem_env.stages.refine.off_topic import business
    from gem_env.stages.refine.run import Source
    assert business("tau2-banking-kb:doc_bank_accounts_(general)_00") == business("tau2-banking-kb:doc_credit_cards_07")
    assert business("abcd-guideline:Order Issue/Manage Cancel") == business("abcd-guideline:Product Defect/Initiate Refund")
    assert business("sierra-research+tau2-bench:data/tau2/domains/retail/policy.md") == "retail"
    assert business("sierra-research+tau-bench:tau_bench/envs/retail/wiki.md") == "retail"
    assert business("bank/freeze-a-card.md") == business("bank/transfer-money.md") != business("clinic/cancel.md")
    src = Source(units={}, domains={}, verified=set(), asks={"cards": ["freeze my card"], "payments": [
        "schedule a payment"], "flights": ["book a flight"]}, business={"cards": "bank", "payments": "bank",
                                                                       "flights": "airline"})
    assert src.asked_elsewhere("cards") == ["book a flight"]
    assert src.asked_elsewhere("flights") == ["freeze my card", "schedule a payment"]
    # two corpora's retailers are one kind of business: by the service their descriptions name
    src.asks["shop"], src.business["shop"] = ["exchange my item for one in navy"], "abcd-guideline"
    src.service.update({"shop": "retail", "retail": "retail", "flights": "airline"})
    src.asks["retail"], src.business["retail"] = ["return my blender"], "retail"
    assert "return my blender" not in src.asked_elsewhere("shop") and "book a flight" in src.asked_elsewhere("shop")


async def test_an_ambiguous_opening_fits_two_of_the_customers_records_and_the_assistant_asks_which(taskset: Any) -> None:
    """"I'd love to freeze my card because it was stolen. It's my card ending in 3349. It's the one that
    shows as active." of a customer with one card ending in 3349 (65 of 94 ambiguity variants were
    never asked which: the opening kept what singles the record out, or the attribute was shared only
    with other customers' records; 11 described it by a field no person uses: "the account that's lost
    card", "with 1 failed login"). What the customer says fits two or more of their own records, by a
    field a person names a record by, and the assistant asks which before it writes."""
    made = 0
    for task, refined, compiled in variants(taskset, ["chain", "ambiguity"]):
        made += 1
        (value,) = [str(x) for x in refined.plan.withheld.values()]
        traj = await roll(refined, compiled, make_agent("workflow", compiled))
        assert traj.verification.passed, traj.verification.failed
        said: list[str] = []
        for m in traj.messages:
            if m.get("role") == "assistant" and m.get("content"):
                said.append(m["content"])
            first = next((c for c in m.get("tool_calls") or [] if value in c["function"]["arguments"]
                          and compiled.tools[c["function"]["name"]].writes), None)
            if first is not None:
                assert any(re.search(r"\bwhich\b", c, re.I) and "?" in c for c in said), (refined.id, said)
                break
        opening = refined.scenario.requests[0].intent + " " + " ".join(str(refined.scenario.knows[k])
                                                                       for k in refined.scenario.opening)
        assert not re.search(r"\breason\b|\bfailed login|\bdays\b", opening), opening
    assert made >= 2


def test_a_withheld_value_of_a_list_of_changes_leaves_no_broken_sentence() -> None:
    """"set the alert threshold amount to $110.49, the transaction type to and the delivery preference
    to email" and "request a new card with a spending limit of some money" (`miss_param`): the item
    withheld goes whole, with its comma or "and"."""
    from gem_env.stages.refine.base import brief
    from gem_env.tools.model import Workflow

    def said(goal: str, knows: dict[str, Any], key: str) -> str:
        wf = Workflow.model_validate({"name": "w", "goal": goal, "anchor": {"table": "t"}, "knows": {}, "steps": []})
        return brief(wf, knows, "a customer", withheld=(key,)).goal
    three = ("set the alert threshold amount to {new_alert_threshold_amount}, the transaction type to "
             "{new_transaction_type} and the delivery preference to {new_delivery_preference}")
    knows = {"new_alert_threshold_amount": 110.49, "new_transaction_type": "debit", "new_delivery_preference": "email"}
    assert said(three, knows, "new_alert_threshold_amount") == \
        "set the transaction type to debit and the delivery preference to email"
    assert said(three, knows, "new_transaction_type") == \
        "set the alert threshold amount to 110.49 and the delivery preference to email"
    assert said(three, knows, "new_delivery_preference") == \
        "set the alert threshold amount to 110.49 and the transaction type to debit"
    assert said("set the limit to {a} and the type to {b}", {"a": 1, "b": "x"}, "a") == "set the type to x"
    assert said("set the limit to {a} and the type to {b}", {"a": 1, "b": "x"}, "b") == "set the limit to 1"
    assert said("request a new card with a spending limit of {spending_limit}", {"spending_limit": 5000},
                "spending_limit") == "request a new card"
    # one value said after its verb stays "some money" (the customer gives the amount when asked)
    assert said("transfer {amount} from my account", {"amount": 700}, "amount") == "transfer some money from my account"


def test_miss_param_never_withholds_half_of_who_the_customer_is(taskset: Any) -> None:
    """"The first name is Frederick. The zip is 59695." and then "what are your first name, last name
    and zip code?" (16 of 111 miss_param variants withheld half a name): a customer found by name and
    zip code says them together, and another value is withheld."""
    tasks = taskset[0]
    made = []
    named = [t for t in tasks if {"first_name", "last_name", "zip"} <= set(t.scenario.knows)]
    for _, refined, _ in variants(taskset, ["chain", "miss_param"], named):
        made.append(set(refined.plan.withheld))
    assert made and not [w for w in made if w & {"first_name", "last_name", "zip"}], made


def test_no_question_after_a_refusal_asks_about_the_refused_record(taskset: Any) -> None:
    """"I'm unable to change the overdraft protection of your account ACC-37206. A frozen account can't
    be changed." and two requests on "I'd like to find out the status of my account ACC-37206." (the
    refused request `pitfall` puts into a chain, about a record a later question of the chain asks of)."""
    made, asked = 0, []
    for task, refined, _ in variants(taskset, ["chain", "pitfall"]):
        made += 1
        refused, later = refined.followups[0], refined.followups[1:]
        asked += [(refined.id, p.goal) for p in later if (p.requests[0].kind == "lookup" or p.goal.startswith("find out"))
                  and _record_ids(p) & _record_ids(refused)]
    assert made and asked == []


def test_a_change_of_mind_never_changes_the_reason(taskset: Any) -> None:
    """"I'll freeze your account because of a lost card." / "Actually, make that because I think someone
    else has been using it." (44 of 89 change_of_mind variants changed a reason): a reason is what
    happened, not a choice; amounts, plans and addresses are changed."""
    changed = []
    for task, refined, _ in variants(taskset, ["chain", "change_of_mind"]):
        changed += [c.key for c in refined.plan.changes]
    assert changed and not [k for k in changed if "reason" in k], changed


def _rows_in(value: Any, compiled: CompiledDomain, initial: dict[str, dict[str, dict[str, Any]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, initial row) of every record a tool reply holds whole (a dict with a table's key and
    more), at any depth."""
    if isinstance(value, dict):
        for table, t in compiled.tables.items():
            key = value.get(t.pk)
            if len(value) > 3 and isinstance(key, str) and key in initial.get(table, {}):
                yield table, initial[table][key]
        for inner in value.values():
            yield from _rows_in(inner, compiled, initial)
    elif isinstance(value, list):
        for inner in value:
            yield from _rows_in(inner, compiled, initial)


async def test_a_long_reply_holds_only_the_customers_own_records(taskset: Any) -> None:
    """`long_context` padded the customer's lookup with seven accounts of six other customers (93 of
    117 variants): no service shows one customer another's records. The long replies are the
    customer's own records (and what those are of: a product, a flight), as the episode holds them."""
    from gem_env.stages.tasks.owners import Owners
    made, strangers = 0, []
    for _, refined, compiled in variants(taskset, ["chain", "long_context"]):
        owners = Owners(compiled)
        traj = await roll(refined, compiled, make_agent("workflow", compiled))
        assert traj.verification.passed, traj.verification.failed
        replies = [json.loads(m["content"]) for m in traj.messages if m["role"] == "tool" and m["content"].startswith("{")]
        top = [{k: v for k, v in r.items() if not isinstance(v, (dict, list))} for r in replies]
        who = {owners.of(t, r) for t, r in _rows_in(top, compiled, owners.rows)} - {None}  # whose the replies are
        assert len(who) == 1, who
        made += 1
        for reply in replies:
            strangers += [(refined.id, t, r[compiled.tables[t].pk]) for t, r in _rows_in(reply, compiled, owners.rows)
                          if owners.of(t, r) not in (None, *who)]
    assert made and strangers == [], strangers[:5]


def test_a_long_context_customer_with_too_few_records_is_no_long_context_task(taskset: Any) -> None:
    """Where the customer's own records cannot make the replies long, the operator does not apply
    (it took other customers' rows before)."""
    from gem_env.stages.refine import long_context
    from gem_env.stages.refine.base import DoesNotApply
    tasks, domains = taskset
    parent, refined, compiled = next(variants(taskset, ["long_context"]))
    assert sum(map(len, refined.plan.context_records.values())) >= 4
    few = long_context.ROWS
    try:
        long_context.ROWS = 3
        with pytest.raises(DoesNotApply, match="too few"):
            refine_task(parent, compiled, ["long_context"], siblings=tasks, seed=0)
    finally:
        long_context.ROWS = few


def test_a_write_that_would_act_twice_never_times_out(taskset: Any) -> None:
    """`transfer_funds` "timed out after 30 seconds" and was sent again at once (13 of 117 tool_errors
    variants: a transfer, a dispute, a hand-off a timeout may have made already). Such a write fails
    only as the service turns a call away before doing anything (429, 503), retried at once rightly;
    a timeout stays for reads and writes that set a value."""
    from gem_env.tools.model import InsertStep, every_step
    tasks, domains = taskset
    timed_out, made = [], []
    for seed in range(4):
        for task in tasks:
            try:
                refined, compiled = refine_task(task, domains[task.domain], ["tool_errors"], siblings=tasks, seed=seed)
            except NotApplicable:
                continue
            for f in refined.plan.faults:
                adds = any(isinstance(s, InsertStep) for s in every_step(compiled.tools[f.tool].spec.effect or []))
                made.append((adds, "timed out" in f.error))
                if adds and "timed out" in f.error:
                    timed_out.append((refined.id, f.tool))
    assert timed_out == [], timed_out
    assert (False, True) in made and (True, False) in made, made  # timeouts are still made; such writes still fail
    from gem_env.stages.refine.tool_errors import acts_again
    bank = domains["transfer-money_md"]
    assert [t for t in bank.tools if acts_again(bank, t)] == ["transfer_funds", "transfer_to_human_agent"]


def test_a_chain_asks_no_question_twice_in_the_same_words_nor_does_one_thing_twice(taskset: Any) -> None:
    """"I'd like to find out the status of my account." opened two requests of one session (two
    accounts; 42 sessions), and a chain opened a second Silver Plus Account after the first (the
    agent then read the address change's reply for the profile and made no deposit offer: 4 variants
    rejected) or moved money back to the account it came from. A question is asked once in its
    words; a change is not made twice to the same thing."""
    ids = re.compile(r"\b[A-Z][A-Z0-9]*-\d+\b")
    twice, made = [], 0
    for _, refined, compiled in variants(taskset, ["chain"]):
        made += 1
        requests = [r for s in [refined.scenario, *refined.followups] for r in s.requests[:1]]
        asked, done = set(), []
        for r in requests:
            if r.kind == "lookup" or r.goal.startswith("find out"):
                ask = ids.sub("X", r.goal).lower()
                twice += [(refined.id, r.goal)] if ask in asked else []
                asked.add(ask)
                continue
            verb = r.goal.split()[0]
            things = {v for k, v in {**r.found, **r.knows}.items() if isinstance(v, str) and k.endswith(("_id", "_name"))
                      and k.split("_")[0] not in {"customer", "first", "last", "full"}}
            twice += [(refined.id, r.goal) for w, t in done if w == verb and t & things]
            done.append((verb, things))
    assert made and twice == [], twice[:5]


async def test_a_long_context_variant_whose_replies_did_not_grow_is_not_applicable(run: Path, tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A verified long_context variant whose replies grew only 3.5x was recorded as rejected with its
    (passed) trajectory, and `gem verify` of the run reported it as a disagreement ("recorded
    passed=True in rejected, replayed passed=True"): it is no long-context task, nothing failed."""
    from gem_env.stages.refine import long_context
    monkeypatch.setattr(long_context, "MIN_GROWTH", 1000.0)  # no reply grows so much
    await refine_run(run, tmp_path / "r", RefineConfig(source=str(run), recipes=["long_context"]))
    rejected = [json.loads(line) for line in (tmp_path / "r" / "rejected.jsonl").open()]
    short = [r for r in rejected if "grew only" in r["reason"]]
    assert short and all(r["stage"] == "not_applicable" and "trajectory" not in r for r in short), short[:1]
    assert not [r for r in rejected if r["stage"] == "verify"]
    assert main(["verify", str(tmp_path / "r")]) == 0
