"""The synthesizer's cost against the full LLM pipeline's, per verified trajectory.

Both run through `gem synthesize` against the local test server (`FakeOpenAIServer`, in this
process, with a fixed latency per request) whose scripted "models" answer correctly, so the figures
measure how many calls, tokens and seconds each way needs, not a model's quality:

- full pipeline (``--backend llm --user llm --agent llm``): the filter judges the document relevant,
  the extractor writes the worked example's domain (`stages.extract.llm.EXAMPLE_DOMAIN`), the agent
  is the offline workflow agent and the user the scripted user, both answering through the server;
- synthesizer (``--backend synthesizer``): the "fine-tuned model" answers each document with the
  target `gem export --format synthesizer` made from the pipeline's own run for that document.
  A fixed share of replies are spoilt as a real model's would be (imagined tool replies that are
  wrong, which replay must repair; an unknown tool, which must be rejected), so the survival share
  also checks the replay path; that share says nothing about a real model.

Token counts are the server's (four characters a token, message contents only).

Run: python bench/synthesizer.py [--docs 16] [--latency 0.2] [--tasks-per-domain 3]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gem_env.agents.workflow_agent import WorkflowAgent
from gem_env.cli import main
from gem_env.documents import Document
from gem_env.io.rundir import read_jsonl
from gem_env.simulators.llm_user import GREETING
from gem_env.simulators.llm_user import system_prompt as user_brief
from gem_env.simulators.scripted import ScriptedUser
from gem_env.stages.extract.llm import EXAMPLE_DOMAIN, EXAMPLE_TEXT
from gem_env.stages.extract.offline import domain_slug
from gem_env.stages.filter import JUDGE_SYSTEM
from gem_env.stages.synthesizer.prompt import MARKER
from gem_env.stages.synthesizer.stage import compile_reply_domain
from gem_env.stages.synthesizer.format import SynthReply
from gem_env.stages.tasks import make_tasks
from gem_env.testing import FakeOpenAIServer, JSONReply, Text, ToolCall, ToolCalls

VERDICT = {"relevant": True, "score": 0.9, "reason": "a procedure with steps", "domain": "retail",
           "category": "cancel"}
SPOILS = ["exact", "wrong_replies", "exact", "unknown_tool"]  # cycled over the documents


def corpus(folder: Path, n: int) -> tuple[Path, list[Document]]:
    docs = [Document(id=f"shop-{i:02d}", text=f"{EXAMPLE_TEXT}\n(Article {i}.)\n") for i in range(n)]
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    return path, docs


class Oracle:
    """The scripted models: every request answered by what a correct model would say."""

    def __init__(self, docs: list[Document], tasks_per_domain: int) -> None:
        self.scenarios: dict[str, Any] = {}
        self.compiled = None
        for doc in docs:
            reply = SynthReply(domain=EXAMPLE_DOMAIN, task={"requests": [{"workflow": "-", "anchor": "-"}]},
                               conversation=[{"role": "user"}, {"role": "user"}])
            compiled = compile_reply_domain(reply, domain_slug(doc.id), doc)
            self.compiled = self.compiled or compiled
            for task in make_tasks(compiled, per_domain=tasks_per_domain)[0]:
                for i in range(len(task.scenario.session())):  # the LLM user's brief, one request at a time
                    self.scenarios[user_brief(task.scenario, i)] = task.scenario
        self.targets: dict[str, str] = {}

    def __call__(self, body: dict[str, Any]) -> Any:
        system = body["messages"][0]["content"]
        if body.get("tools"):
            return self._agent(body["messages"])
        if system.startswith(JUDGE_SYSTEM[:40]):
            return JSONReply(VERDICT)
        if MARKER in system:
            doc_id = next(d for d in self.targets if f"(Article {int(d[-2:])}.)" in body["messages"][1]["content"])
            return Text(self.targets[doc_id])
        goal = self.scenarios.get(system)
        if goal is not None:
            return Text(self._user(goal, body["messages"][1:]))
        return JSONReply(EXAMPLE_DOMAIN)  # the extractor

    def _agent(self, messages: list[dict[str, Any]]) -> Any:
        msg = asyncio.run(WorkflowAgent(self.compiled).act(messages))
        calls = [ToolCall(c["function"]["name"], json.loads(c["function"]["arguments"]))
                 for c in msg.get("tool_calls") or []]
        return ToolCalls(calls, msg.get("content")) if calls else Text(msg.get("content") or "")

    @staticmethod
    def _user(scenario: Any, messages: list[dict[str, Any]]) -> str:
        """The scripted user, on the conversation seen from its side (roles flipped back)."""
        flipped = [{"role": "assistant" if m["role"] == "user" else "user", "content": m.get("content") or ""}
                   for m in messages if m["role"] in ("user", "assistant") and m.get("content") != GREETING]
        return asyncio.run(ScriptedUser(scenario).reply(flipped))


def spoil(target: dict[str, Any], how: str) -> dict[str, Any]:
    out = copy.deepcopy(target)
    calls = [c for t in out["conversation"] for c in t.get("calls", [])]
    if how == "wrong_replies" and calls and isinstance(calls[0]["reply"], dict):
        calls[0]["reply"] = {**calls[0]["reply"], "total": 1.25, "note": "imagined"}
    elif how == "unknown_tool" and calls:
        calls[-1]["tool"] = "imagined_tool"
    return out


def synthesize(args: list[str]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        rc = main(["synthesize", *args, "--quiet", "--cache-dir", "", "--model", "fake"])
    seconds = time.perf_counter() - started
    if rc != 0:
        raise SystemExit(f"gem synthesize failed ({rc})")
    return json.loads((Path(args[args.index("--out") + 1]) / "manifest.json").read_text()), seconds


def costs(manifest: dict[str, Any], seconds: float) -> dict[str, Any]:
    llm, verified = manifest["costs"]["llm"], manifest["counts"]["trajectories_accepted"]
    tokens = llm["prompt_tokens"] + llm["completion_tokens"]
    per = (lambda x: round(x / verified, 2)) if verified else (lambda x: None)
    made = verified + manifest["counts"]["trajectories_rejected"]
    return {"verified": verified, "trajectories": made,
            "per_trajectory": {"calls": round(llm["calls"] / made, 2) if made else None,
                               "tokens": round(tokens / made, 2) if made else None},
            "calls": llm["calls"], "prompt_tokens": llm["prompt_tokens"],
            "completion_tokens": llm["completion_tokens"], "wall_seconds": round(seconds, 2),
            "per_verified": {"calls": per(llm["calls"]), "prompt_tokens": per(llm["prompt_tokens"]),
                             "completion_tokens": per(llm["completion_tokens"]), "tokens": per(tokens),
                             "wall_seconds": per(seconds)}}


def doc_seconds(run_dir: Path) -> float:
    """The median wall time of one document through the pipeline (its own latency, no start-up)."""
    times = sorted(t["document_seconds"] for t in read_jsonl(run_dir / "timings.jsonl") if "document_seconds" in t)
    return round(times[len(times) // 2], 3) if times else 0.0


def compare(pipeline: dict[str, Any], synth: dict[str, Any]) -> dict[str, Any]:
    def ratio(key: str) -> float | None:
        a, b = synth["per_verified"][key], pipeline["per_verified"][key]
        return round(a / b, 3) if a is not None and b else None
    calls, tokens = ratio("calls"), ratio("tokens")

    def conservative(key: str) -> float | None:  # against the pipeline's cost per trajectory made, failed ones too
        a, b = synth["per_verified"][key], pipeline["per_trajectory"][key]
        return round(a / b, 3) if a is not None and b else None
    return {"calls_ratio": calls, "tokens_ratio": tokens, "wall_ratio": ratio("wall_seconds"),
            "vs_pipeline_per_trajectory_made": {"calls_ratio": conservative("calls"),
                                                "tokens_ratio": conservative("tokens")},
            "targets_met": {"calls_ratio <= 1/3": calls is not None and calls <= 1 / 3,
                            "tokens_ratio <= 1/2": tokens is not None and tokens <= 1 / 2}}


def synth_run(folder: Path, name: str, corpus_path: Path, url: list[str], oracle: Oracle, docs: list[Document],
              firsts: dict[str, dict[str, Any]], spoils: list[str]) -> dict[str, Any]:
    """The synthesizer backend over the corpus, the model's replies spoilt as `spoils` cycles."""
    mix = {}
    for i, doc in enumerate(docs):
        how = spoils[i % len(spoils)] if doc.id in firsts else "no_target"
        mix[how] = mix.get(how, 0) + 1
        oracle.targets[doc.id] = json.dumps(spoil(firsts.get(doc.id, {}), how))
    manifest, seconds = synthesize([str(corpus_path), "--out", str(folder / name), "--backend", "synthesizer", *url])
    out = costs(manifest, seconds)
    replies = manifest["counts"]["documents"]
    out["median_document_seconds"] = doc_seconds(folder / name)
    out["replies"] = dict(sorted(mix.items()))
    out["survival"] = {"replies": replies, "verified": out["verified"],
                       "share": round(out["verified"] / replies, 3) if replies else None,
                       "rejections": [f"{r['doc_id']}: {r['stage']}: {r['reason'][:120]}"
                                      for r in read_jsonl(folder / name / "rejected.jsonl")]}
    return out


def run(n_docs: int, latency: float, tasks_per_domain: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, docs = corpus(folder, n_docs)
        oracle = Oracle(docs, tasks_per_domain)
        with FakeOpenAIServer(oracle, latency=latency) as server:
            url = ["--base-url", server.base_url]
            full, full_s = synthesize([str(path), "--out", str(folder / "full"), "--backend", "llm", "--user", "llm",
                                       "--agent", "llm", "--tasks-per-domain", str(tasks_per_domain), *url])
            pipeline = {**costs(full, full_s), "median_document_seconds": doc_seconds(folder / "full")}
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["export", str(folder / "full"), "--format", "synthesizer", "--out", str(folder / "sft"),
                             "--corpus", str(path), "--quiet"]) == 0
            firsts: dict[str, dict[str, Any]] = {}
            for pair in read_jsonl(folder / "sft" / "train.jsonl"):
                firsts.setdefault(pair["doc_id"], json.loads(pair["messages"][-1]["content"]))
            ideal = synth_run(folder, "synth", path, url, oracle, docs, firsts, ["exact"])
            spoilt = synth_run(folder, "synth-spoilt", path, url, oracle, docs, firsts, SPOILS)
    return {
        "setup": {"documents": n_docs, "latency_s": latency, "tasks_per_domain_pipeline": tasks_per_domain,
                  "tokens": "server's count: message contents, 4 characters a token"},
        "pipeline": pipeline,
        "synthesizer": ideal, **compare(pipeline, ideal),
        "synthesizer_spoilt_replies": {**spoilt, **compare(pipeline, spoilt)},
    }


def cli() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=16)
    p.add_argument("--latency", type=float, default=0.2)
    p.add_argument("--tasks-per-domain", type=int, default=3)
    a = p.parse_args()
    json.dump(run(a.docs, a.latency, a.tasks_per_domain), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    cli()
