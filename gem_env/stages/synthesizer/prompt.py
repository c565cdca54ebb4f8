"""What the synthesizer model is asked: the document (and optionally a category) in, one reply out.

The same messages are the inputs of the SFT pairs `gem export --format synthesizer` writes, so a
model fine-tuned on them is served exactly as it was trained. The system prompt is short on
purpose: the served model has learnt the format from the targets, so the prompt only names it; the
long instructions and worked example a model that was *not* fine-tuned needs are in
`instructed_system_prompt` (the domain format of the LLM extractor plus `example_reply.json`), which
is what one would prompt a general model with to bootstrap training data.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from ...documents import Document
from ...simulators.scenario import STOP
from .format import FORMAT

EXAMPLE_FILE = Path(__file__).with_name("example_reply.json")
MARKER = "You write a whole tool-use training episode from one document"

REPLY_FORMAT = f"""\
{MARKER} in one reply: the domain (tables, tools with effects, workflows, policy), the task (the \
customer's requests in order) and the conversation in which an assistant carries them out with the tools.

REPLY: one JSON object {{"format": "{FORMAT}", "domain": DOMAIN, "task": TASK, "conversation": TURNS}}
- DOMAIN: a gem-env domain (entities with seed data, tools with declarative effects, workflows, \
policy), as in a `gem domain` file.
- TASK: {{"kind": the first request's kind, or "multi_request" for a session of mixed requests, \
"requests": [REQUEST, ...]}}, the customer's requests in the order they bring them (one to four).
- REQUEST: {{"kind": "complete" (the user wants it done and confirms; or "refuse": a rule forbids it; \
"decline": the user says no at the confirmation; "disambiguate": the user's first details fit several \
records; "lookup": the user asks about a record), "workflow": a workflow name of DOMAIN (a lookup: \
"lookup_<record>", "lookup_latest_<record>" or "compare_<record>"), "anchor": the primary key of the seed row the request is about, "offer": "yes" or \
"no" where the user answers what the assistant offers after the request is done}}.
- TURNS: the conversation, alternating user and assistant: {{"role": "user", "content": TEXT}} and \
{{"role": "assistant", "content": TEXT or null, "calls": [{{"tool": NAME, "arguments": {{...}}, \
"reply": what the tool returns}}]}}. The user states one request at a time, bringing up the next once \
the one before is settled, and answers questions; the assistant asks for what it needs, confirms \
before any write, calls the tools in the workflow's order and tells the results. The last turn is the \
user's, ending with {STOP}.
Every call is executed for real afterwards: replies you write are replaced by the tool's own, and \
sentences that quote values no tool returned are removed."""


@lru_cache(maxsize=1)
def example_reply() -> dict[str, Any]:
    """A reply that compiles, replays and verifies (tests keep it so)."""
    return json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))


def system_prompt() -> str:
    """What the served synthesizer model is asked with (and trained on)."""
    return REPLY_FORMAT


@lru_cache(maxsize=1)
def instructed_system_prompt() -> str:
    """`system_prompt` with the whole domain format and a worked example, for a model not fine-tuned."""
    from ..extract.llm import EXAMPLE_TEXT
    from ..extract.llm import system_prompt as domain_prompt
    domain_format = domain_prompt().split("Reply with the JSON object only.")[0]
    domain_format = domain_format.split("FORMAT\n", 1)[-1]
    example = json.dumps(example_reply(), ensure_ascii=False, separators=(",", ":"))
    return (f"{REPLY_FORMAT}\n\nDOMAIN FORMAT\n{domain_format}Reply with the JSON object only.\n\n"
            f"EXAMPLE\nDocument:\n{EXAMPLE_TEXT}\nReply:\n{example}")


def user_message(doc: Document, category: str | None = None, max_chars: int = 12_000) -> str:
    text = doc.text if len(doc.text) <= max_chars else doc.text[:max_chars] + "\n[... truncated]"
    title = f"Title: {doc.title}\n" if doc.title else ""
    wanted = f"Task category: {category}\n" if category else ""
    return f"{title}{wanted}Document:\n<<<\n{text}\n>>>\nReply:"


def synth_messages(doc: Document, category: str | None = None) -> list[BaseMessage]:
    return [SystemMessage(system_prompt()), HumanMessage(user_message(doc, category))]


def synth_chat(doc: Document, category: str | None = None) -> list[dict[str, str]]:
    """The same messages as OpenAI chat dicts (the input side of an SFT pair)."""
    return [{"role": "system", "content": system_prompt()},
            {"role": "user", "content": user_message(doc, category)}]
