"""Stage 2, offline: a runnable domain from the text's own structure.

Two paths. A text about a service (scored against the archetypes in ``archetypes.py``: cards,
accounts, orders, reservations, appointments, lines, subscriptions, loans, utility, payments,
profiles, tickets, installments, access, rentals; what the title is about decides between those the text qualifies for)
becomes that service's multi-entity domain specialised with the text (``service.py``: its nouns,
listed values as enums, stated rules as ``require`` steps, ids in its pattern, spans for all of
it). A guideline for staff serving customers that fits no archetype is rejected with the reason
(its steps are the staff's console clicks: "[Ask the Oracle]", "[Select Answer]"; as the customer's
tools they made nonsense), and so is a command reference (a tldr page: each item one example
command, a task of its own, not a step of one procedure). A software guide that names commands or
the system's own files never takes a service's path. Any other procedure takes the path below
(``procedure.py``):

The document's main procedure (``procedure_steps``: ``text.features.segment_steps`` with fallbacks;
prose steps from the one section that holds the most instructions) becomes ONE workflow with one
workflow step per text step, in order, each calling a tool of its own. Everything acts on one main
entity table, the noun the steps act on (card, order, ...):

- the table has an id (a Faker ``bothify`` pattern), an owner email, the fields the text names, a
  ``status`` whose seeded values include a starting state on most rows (and the statuses the text
  names), and one field per condition the text states (a boolean flag, a date for "within N
  days", a number for "at least N", the status itself for "only `active` cards"); a thing known by
  its name (``tools.kinds.NAMED_BY``: a package, a file, a server, a site, a locale) also has
  ``<noun>_name``, unique and realistic of its kind (Debian package names, host names, ...);
- the record is the customer's own, so nobody is asked for its id (no person knows PAC-12345):
  the workflow opens with ``find_<entities>_by_email`` (the customer's records, with their names)
  and takes the id from that list, as a support agent would; the assistant speaks of "package
  coturn" by its name, or of the customer's only one as "your zapdos";
- ``get_<entity>`` finds a row by id, ``find_<entities>_by_email`` lists the customer's rows; each
  step's tool finds the row, checks its preconditions (``require``, with the text's sentence as the
  message) and the values the user must give ("confirm with your PIN"), then either returns what it
  looks up (read: look up, check, verify, navigate) or sets ``status`` to the verb's participle
  (write: freeze -> frozen, cancel -> cancelled, generic -> "<verb>ed"); a read step that would
  return what an earlier one did ("Ask the customer", "Review the terms") records instead that it is
  done, in order, on the row's ``progress`` (no tool repeats another); a UI label names the action
  ("Tap **Freeze card**"); tools never show back what the user must give, nor secrets;
- the workflow is anchored on rows where every precondition holds, the user knows their email (and
  the values the steps ask for), and the assistant must tell the final status (or, for a read-only
  procedure, the value looked up); the state a how-to title asks for ("deleted") is set at the
  step that does it, when a step after the last write says the title's verb.

So whatever procedure the text describes, the domain compiles and its workflow admits tasks:
conditions become data the seeded rows satisfy or break, never logic the extractor must get right.
Every tool, workflow step and policy rule carries the span of text it came from."""
from __future__ import annotations

import logging
import re
import zlib
from typing import Any

from pydantic import ValidationError

from ...documents import Document, Rejection, Verdict
from ...tools import CompileError, CompiledDomain, Domain, DomainError, compile_domain, parse_domain
from ...text import features as tf
from ...tools.errors import ExprError
from .lexicon import _clean, _is_english, _span, worded_title
# re-exported: callers and tests import these from here
from .lexicon import domain_slug, participle, plural  # noqa: F401
from .procedure_values import said_title, status_values  # noqa: F401
from .steps import analyse_step, is_outcome, procedure_steps, promote_action  # noqa: F401
from .procedure import ProcedureBuilder
from . import service

log = logging.getLogger(__name__)

STAGE = "extract"
DEFAULT_CLOCK = "2025-01-15T12:00:00"


class OfflineExtractor:
    """Rules over the document's structure; deterministic, no network.

    `rows` is the seed row count of the main table (small: compiling is part of extracting).
    """

    def __init__(self, *, rows: int = 24, max_steps: int = 50, max_chars: int = 200_000,
                 max_conditions: int = 6, max_fields: int = 8, clock: str = DEFAULT_CLOCK,
                 seed: int = 0, archetypes: bool = True) -> None:
        self.archetypes = archetypes  # try the service archetypes (service.py) before the procedure
        self.rows = rows
        self.max_steps = max_steps
        self.max_chars = max_chars
        self.max_conditions = max_conditions
        self.max_fields = max_fields
        self.clock = clock
        self.seed = seed

    # -- public -------------------------------------------------------------------------------

    def document_seed(self, doc_id: str) -> int:
        """The seed plus a stable hash of the document id: two documents about one kind of service
        get the same tables, but not the same customers and records."""
        return self.seed + zlib.crc32(doc_id.encode("utf-8")) % 1_000_000

    def extract(self, doc: Document, verdict: Verdict | None = None) -> Domain | Rejection:
        """A domain that compiles, or a `Rejection` (stage ``extract``) saying why not. Never raises."""
        got = self.extract_compiled(doc, verdict)
        return got if isinstance(got, Rejection) else got.domain

    def extract_compiled(self, doc: Document, verdict: Verdict | None = None, *,
                         name: str | None = None) -> CompiledDomain | Rejection:
        """`extract`, keeping the compile check's result (the pipeline compiles each domain once),
        the domain named `name` (default: `domain_slug` of the document id)."""
        try:
            got = self._extract(doc, verdict, name)
        except Exception as err:  # a bug must not stop a corpus run; it is reported with the document
            log.debug("offline extraction failed on %s", doc.id, exc_info=True)  # the rejection says why
            return Rejection(id=doc.id, stage=STAGE, reason=f"internal error: {type(err).__name__}: {err}")
        if isinstance(got, (Rejection, CompiledDomain)):  # a service domain comes compiled (and named)
            return got
        if name is not None and name != got.name:
            got = got.model_copy(update={"name": name})
        compiled = check_domain(got)
        if isinstance(compiled, str):
            return Rejection(id=doc.id, stage=STAGE, reason=f"does not compile: {compiled}")
        return compiled

    # -- the rules ----------------------------------------------------------------------------

    def _reject(self, doc: Document, reason: str, **detail: Any) -> Rejection:
        return Rejection(id=doc.id, stage=STAGE, reason=reason, detail=detail)

    def _extract(self, doc: Document, verdict: Verdict | None,
                 name: str | None = None) -> Domain | CompiledDomain | Rejection:
        text = tf.without_embeds(doc.text or "")
        if not text.strip():
            return self._reject(doc, "empty text")
        if len(text) > self.max_chars:
            return self._reject(doc, f"text too long ({len(text)} characters > {self.max_chars})")
        if not _is_english(text):
            return self._reject(doc, "not English text (the offline extractor reads English only)")
        if self.archetypes and not _runs_commands(text, verdict):
            arch = service.pick(text, doc.title or "")
            if arch is not None:
                second = service.partner(arch, text, doc.title or "")
                got = self._from_archetype(arch, doc, verdict, text, name or domain_slug(doc.id), second)
                if second is not None and not isinstance(got, CompiledDomain):  # the first product alone
                    log.debug("archetypes %s and %s did not fit together in %s: %s", arch.key, second.key, doc.id, got)
                    got = self._from_archetype(arch, doc, verdict, text, name or domain_slug(doc.id))
                if isinstance(got, CompiledDomain):
                    return got
                log.debug("archetype %s did not fit %s: %s", arch.key, doc.id, got)
        if self.archetypes and service.serves_customers(text):
            return self._reject(doc, "a guideline for staff serving customers that fits no service archetype: "
                                     "its steps are the staff's own console actions, not operations a customer "
                                     "asks for")
        if tf.is_command_reference(text, doc.title or ""):
            n = len(tf.layout(text).items)
            return self._reject(doc, f"a command reference: {n} one-line example{'s' if n > 1 else ''}, each a task of "
                                     "its own; no procedure to follow")
        steps, how = procedure_steps(text)
        steps = [s for s in steps if not is_outcome(s)] or steps
        if not steps:
            return self._reject(doc, "no procedure: no list of steps, instruction sentences or named tool found")
        truncated = len(steps) > self.max_steps
        steps = steps[: self.max_steps]
        infos = [analyse_step(s, text, tool_line=(how == "tool" and k == len(steps) - 1))
                 for k, s in enumerate(steps)]
        numbered = steps[0].marker == "number" and steps[0].number == 1
        if not numbered and not any(i.known_verb for i in infos):
            return self._reject(doc, "no step opens with an instruction verb")
        promote_action(infos)
        worded = doc.model_copy(update={"title": worded_title(doc.title, text)})  # never "things like $"
        return ProcedureBuilder(self, worded, verdict, text, infos, truncated).build()


    def _from_archetype(self, arch: Any, doc: Document, verdict: Verdict | None, text: str,
                        name: str, second: Any = None) -> CompiledDomain | str:
        """The archetype's domain specialised with the text (with `second`'s beside it: `service.partner`),
        compiled (once); else why not."""
        built = service.build_service(arch, text, clock=self.clock, rows=self.rows, title=doc.title or "",
                                      second=second)
        spans = sorted(set(built.pop("spans")))
        title = worded_title(doc.title, text).strip()
        labels = verdict.labels if verdict else {}
        description = _clean(said_title(title, text) or text.strip().splitlines()[0], 200) + f" ({arch.key} service)"
        label = labels.get("domain")
        sector = arch.sector or (label if not arch.sectors or label in arch.sectors else None)
        if sector:
            description += f" ({sector})"
        data = {"name": name, "description": description, "clock": self.clock, "seed": self.document_seed(doc.id),
                **built,
                "provenance": {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                               "spans": [_span(text, a, b) for a, b in spans]}}
        try:
            domain = parse_domain(data, origin=f"extracted from {doc.id}")
        except DomainError as err:
            return f"invalid domain: {err}"
        return check_domain(domain)


def _runs_commands(text: str, verdict: Verdict | None) -> bool:
    """A software guide whose steps are commands or system files ("Compiling a Kernel", three or more
    command lines; "Set the /etc/apt/preferences file", two or more system paths): a procedure on
    one's own machine, never a service's customer request, whatever words it shares with one
    ("user", "package", "return" made it an orders or access service; "lines" of sources.list a
    phone-lines one)."""
    if not (verdict and verdict.labels.get("domain") == "software"):
        return False
    return tf.features(text).code_lines >= 3 or len(_SYSTEM_PATH.findall(text)) >= 2


#: a path into a Unix system's own tree ("/etc/apt/sources.list", "/usr/share/doc")
_SYSTEM_PATH = re.compile(r"(?<![\w:/.])/(?:etc|usr|var|dev|proc|sys|opt|boot|lib|bin|sbin|srv|mnt|root)/")


def check_domain(domain: Domain) -> CompiledDomain | str:
    """Compile a domain; the compiled domain, or the compile error as one line."""
    try:
        return compile_domain(domain)
    except (CompileError, DomainError, ExprError, ValidationError) as err:
        return "; ".join(line for line in str(err).splitlines() if line.strip())
