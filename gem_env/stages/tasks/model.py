"""The task record: a scenario for the user, gold actions, and what verification checks."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from ...simulators.scenario import Scenario
from ..ground.plan import EpisodePlan

KINDS = ("complete", "refuse", "decline", "lookup", "disambiguate", "multi_request")
"""Task categories this stage makes; later stages (refinement) may add their own strings."""


class GoldAction(BaseModel):
    tool: str
    arguments: dict[str, Any]
    ok: bool = True
    result: Any = None


class Refusal(BaseModel):
    """A write the assistant must not make, and the rule it must give as the reason."""

    tool: str
    target: dict[str, Any] = Field(description="arguments naming the record the write would touch")
    arguments: dict[str, Any] = Field(default_factory=dict, description="the write's arguments, as far as known")
    reason: str = Field(description="the rule's text")
    values: list[str] = Field(default_factory=list, description="the record values that break the rule")
    lifted_by: dict[str, Any] | None = Field(default=None, exclude_if=lambda v: v is None, description=(
        "the write (tool and target) of a later request of the user's that clears what stopped this one "
        "(the card unfrozen): the held write is made after it, when the user asks again, not before"))


class Decline(BaseModel):
    """A write the user turns down at the confirmation."""

    tool: str
    target: dict[str, Any]
    arguments: dict[str, Any] = Field(default_factory=dict, description="the write's arguments")


class Offered(BaseModel):
    """The write the text has the assistant offer once a request's own write is done (`WorkflowOffer`):
    made when the customer takes it (then in the gold), else not, and the text's line for a no told."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict, description="the offered write's arguments")
    taken: bool
    if_no: str = Field(default="", description="what the assistant must tell a customer who says no")
    values: list[str] = Field(default_factory=list, description="the line's figures (\"30 days\")")


class Ambiguity(BaseModel):
    """What the user first gave fits several records; the assistant must ask which before writing."""

    key: str = Field(description="what tells the records apart (a key the user knows), e.g. order_id")
    candidates: list[str] = Field(description="the fitting records' values of `key`")
    chosen: str = Field(default="", description="the one the user means")


class Task(BaseModel):
    id: str
    domain: str
    doc_id: str | None = None
    workflow: str
    category: str = Field(default="complete", description="the task kind (see KINDS), or a later stage's")
    topic: str = Field(default="general", description="the workflow's own category (cancel, modify, ...)")
    kind: Literal["read", "write"]
    scenario: Scenario
    gold_actions: list[GoldAction]
    state_tables: list[str] = Field(description="tables whose final state verification compares")
    initial_state_hash: str
    expected_state_hash: str
    required_outputs: dict[str, str] = Field(default_factory=dict)
    refusals: list[Refusal] = Field(default_factory=list)
    declines: list[Decline] = Field(default_factory=list)
    ambiguities: list[Ambiguity] = Field(default_factory=list)
    offers: list[Offered] = Field(default_factory=list, exclude_if=lambda v: not v, description=(
        "writes the assistant offers after a request's own, taken or turned down by the customer"))
    seed: int = 0
    # set by refinement (stages/refine): where the variant came from and how its episode differs
    parent_id: str | None = None
    ops: list[str] = Field(default_factory=list)
    plan: EpisodePlan | None = None
    followups: list[Scenario] = Field(default_factory=list, description="requests the user brings next")
    # each request's workflow (`Built.workflow`: a workflow, or a lookup's "lookup_<noun>"), in order, as
    # the task maker made them; not part of the record (a task read back has none): the synthesizer
    # names a session's requests by it (`stages.synthesizer.sessions`)
    _request_workflows: list[str] = PrivateAttr(default_factory=list)

    @property
    def request_workflows(self) -> list[str]:
        return list(self._request_workflows)

    @property
    def hides_tools(self) -> bool:
        """A refined task whose tool set changes mid-conversation (a tool comes back only once the
        assistant has said it cannot): an adapter with one fixed tool list cannot play it."""
        return self.plan is not None and bool(self.plan.hidden)

    def __eq__(self, other: object) -> bool:
        """Equal records (the request workflows, kept aside, are no part of one)."""
        if not isinstance(other, Task):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__
