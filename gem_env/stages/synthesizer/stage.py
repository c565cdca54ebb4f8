"""`--backend synthesizer`: one model call per document, then parse, compile, replay and verify.

`SynthesizerStage` takes the place of extract, tasks and ground in the pipeline
(`gem_env.pipeline`). A reply that does not parse or whose domain does not compile is sent back once
with the error (`reask_message`, as the LLM extractor does); a second failure, or any later step that
fails, is a rejection of stage ``synthesizer`` whose ``detail.reached`` says how far the document got.
What gets to verification goes on to the pipeline's own verify and records stages.
"""
from __future__ import annotations

import copy
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from ...documents import Document, Verdict
from ...llm.structured import reask_message
from ...tools import CompiledDomain, DomainError, parse_domain
from ..extract.llm import locate_spans
from ..extract.offline import DEFAULT_CLOCK, check_domain
from .format import SynthReply, parse_synth_reply
from .prompt import synth_messages
from .replay import Stopped, ground_reply

STAGE = "synthesizer"
MAX_REASKS = 1
MAX_ROWS = 1000  # per table: a reply cannot make the sandbox huge (trained targets keep their own sizes)


def compile_reply_domain(reply: SynthReply, name: str, doc: Document, seed: int = 0) -> CompiledDomain | str:
    """The reply's domain under the run's name for it, compiled; or the error as one line.

    As the LLM extractor does, quoted spans are located in the document and the provenance is the
    document's; the reply's own ``seed`` and ``clock`` are kept (its anchor key is a seed row of
    them), defaulting to the run's seed and the extractor's clock.
    """
    data = copy.deepcopy(reply.domain)
    data["name"] = name
    data.setdefault("clock", DEFAULT_CLOCK)
    data.setdefault("seed", seed)
    for e in data.get("entities") or []:
        if isinstance(e, dict) and isinstance(e.get("rows"), int) and e["rows"] > MAX_ROWS:
            e["rows"] = MAX_ROWS
    data["provenance"] = {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                          "spans": locate_spans(data, doc.text)}
    try:
        domain = parse_domain(data, origin=f"{doc.id} reply")
    except (DomainError, ValueError) as err:
        return "; ".join(line for line in str(err).splitlines() if line.strip())
    return check_domain(domain)


class Unfiltered:
    """The synthesizer backend's filter: every document goes to the model, which was trained to
    write an episode for what the pipeline's filter kept. A separate filter (`gem filter`, then the
    kept documents) is the way to spare calls on a corpus with much that is not a procedure."""

    def judge(self, doc: Document) -> Verdict:
        return Verdict(id=doc.id, relevant=True, score=1.0, reason="not filtered: the synthesizer backend "
                       "asks its model about every document")


class SynthesizerStage:
    """See the module docstring. ``client`` is an `LLMClient` (its usage is counted per document)."""

    name = STAGE

    def __init__(self, client: Any, *, seed: int = 0, category: str | None = None) -> None:
        self.client, self.seed, self.category = client, seed, category

    async def run(self, s: Any) -> bool:
        got = await self._reply(s)
        if isinstance(got, Stopped):
            s.unit.reject(STAGE, f"{got.reached}: {got.reason}", detail={"reached": got.reached, **got.detail})
            return False
        reply, compiled = got
        s.compiled = compiled
        s.unit.domain_file = (f"{compiled.domain.name}.json", compiled.domain.to_json() + "\n")
        grounded = ground_reply(reply, compiled, seed=self.seed, doc_id=s.doc.id, llm=dict(s.llm))
        if isinstance(grounded, Stopped):
            s.unit.reject(STAGE, f"{grounded.reached}: {grounded.reason}",
                          detail={"reached": grounded.reached, **grounded.detail})
            return False
        task, trajectory = grounded
        s.tasks, s.trajectories = [task], [trajectory]
        return True

    async def _reply(self, s: Any) -> tuple[SynthReply, CompiledDomain] | Stopped:
        """The parsed reply and its compiled domain, re-asking at most once with the error."""
        messages = synth_messages(s.doc, self.category)
        stopped = Stopped("parse", "no reply")
        for attempt in range(MAX_REASKS + 1):
            answer, usage = await self.client.chat(messages)
            s.add_usage(usage)
            reply, error = parse_synth_reply(answer.text)
            if reply is None:
                stopped = Stopped("parse", error or "unreadable reply", {"attempts": attempt + 1})
            else:
                compiled = compile_reply_domain(reply, s.name, s.doc, self.seed)
                if not isinstance(compiled, str):
                    return reply, compiled
                error = f"the domain does not compile: {compiled}"
                stopped = Stopped("compile", error, {"attempts": attempt + 1})
            messages = [*messages, AIMessage(content=answer.text), HumanMessage(content=reask_message(error or ""))]
        return stopped
