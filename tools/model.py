"""The domain model: what a sandbox is compiled from.

A `Domain` is plain data (JSON or YAML). Hand-written domains, the offline extractor and the LLM
extractor all produce this one format; `compile_domain` turns it into a runnable sandbox.

Values inside effects, workflow bindings and conditions are *expressions* in the small language of
`expr.py` (strings such as ``"order.total - refund"`` or ``"'cancelled'"``); YAML numbers, booleans
and null are constants. See LANGUAGE.md for the whole tool language.
"""
from __future__ import annotations

from typing import Annotated, Any, Iterator, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_serializer, model_validator

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime", "json"]
ParamType = Literal["string", "integer", "number", "boolean", "array", "object"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---------------------------------------------------------------- provenance and policy


class Span(_Strict):
    """A character span of the source document a part was extracted from.

    Offsets may be left out when `text` quotes the document (as the LLM extractor asks for): the
    extractor, which has the document, locates the quote; a domain file is valid either way.
    """

    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    text: str = ""

    @model_validator(mode="after")
    def _offsets_or_quote(self) -> "Span":
        if (self.start is None) != (self.end is None):
            raise ValueError("a span gives both start and end, or neither (then text quotes the document)")
        if self.start is None and not self.text.strip():
            raise ValueError("a span needs start and end, or text: an exact quote of the document")
        if self.start is not None and self.end < self.start:  # type: ignore[operator]
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Provenance(_Strict):
    doc_id: str | None = None
    source: str | None = None
    license: str | None = None
    spans: list[Span] = Field(default_factory=list)


class PolicyRule(_Strict):
    id: str
    text: str
    span: Span | None = None


# ---------------------------------------------------------------- entities (tables)


class FakerSpec(_Strict):
    """A Faker provider call, e.g. ``{provider: bothify, args: {text: "ORD-####"}}``."""

    provider: str
    args: dict[str, Any] = Field(default_factory=dict)


class ByRange(_Strict):
    """A `by` case that seeds from a range instead of a list: ``{range: [lo, hi]}`` (a completed
    visit's start before the clock, a scheduled one's after)."""

    range: tuple[Any, Any]


class Twins(_Strict):
    """`twins` of a date field: some rows repeat another row of the same parent row in the fields
    `same`, dated up to `days` days apart (a charge a merchant put through twice)."""

    same: list[str] = Field(min_length=1, description="the fields a twin copies from the row it repeats")
    share: float = Field(gt=0, le=0.5, description="the share of the table's rows that repeat another")
    days: int = Field(default=2, ge=1, le=30, description="at most this many days after (or before) it")


class EntityField(_Strict):
    name: str
    type: FieldType = "string"
    description: str = ""
    nullable: bool = False
    unique: bool = False
    foreign_key: str | None = Field(default=None, description="'table.field' this field refers to")
    # How seed rows get a value (first that is set wins; default by type and name):
    faker: str | FakerSpec | None = None
    values: list[Any] | None = None
    weights: list[float] | None = None
    range: tuple[Any, Any] | None = Field(default=None, description="inclusive [min, max] for numbers and dates")
    hours: tuple[int, int] | None = Field(default=None, description="datetime fields: seeded at a quarter hour "
                                                                      "from the first hour to before the second "
                                                                      "(a clinic's visits, [8, 17])")
    default: Any = None
    same_as: str | None = Field(default=None, description="'fk_field.field': seeded as that field of the row "
                                                           "this row's foreign key fk_field refers to")
    derived: str | None = Field(default=None, description="the seeded value as an expression over the row "
                                                           "(lookup()/rows() read other tables): rate * nights")
    after: str | None = Field(default=None, description="date and datetime fields: a date field listed before it "
                                                         "(or 'fk_field.field' of the row a foreign key refers to) "
                                                         "it falls on or after, for every status: a return after "
                                                         "the pick-up, a refill after the visit")
    every: int | str | None = Field(default=None, description="date fields: the rows referring to one parent row (by "
                                                               "the table's first foreign key) fall this many days "
                                                               "apart, counted from when that row began (a line's bills "
                                                               "a month apart, on its billing day); or an expression "
                                                               "over the parent row: 14 if payment_frequency == "
                                                               "'biweekly' else 30")
    until: str | None = Field(default=None, description="date fields with `every`: an expression over the parent "
                                                        "row, the date its cycles end before (a plan's installments "
                                                        "within its term: add_days(started_on, 180))")
    rises_with: str | None = Field(default=None, description="integer and number fields: a date field of the "
                                                             "row; among the rows of one parent row (by the table's "
                                                             "first foreign key) the value rises with that date (a "
                                                             "meter's readings, an odometer's mileage)")
    twins: Twins | None = Field(default=None, description="date and datetime fields: a share of the rows (at "
                                                          "least one pair where a parent row holds two) repeat "
                                                          "another row of the same parent row (by the table's "
                                                          "first foreign key) in the fields `same`, this date up "
                                                          "to `days` days from it, each in its own status's "
                                                          "window: a card charged twice by one merchant")
    among: dict[str, list[Any]] | None = Field(
        default=None, description="foreign keys: {field of the referred table: [values]}: refers only to rows "
                                  "with one of those values (a refill to a completed visit); to any row when "
                                  "none has one")
    cover: bool = Field(default=False, description="foreign keys: every referred row gets one row of this table "
                                                     "before any gets a second, as far as the rows go (an order "
                                                     "holds at least one item)")
    apart_by: str | None = Field(default=None, description="foreign keys: a field of this table seeded before it "
                                                          "(the owner's key): no two rows with one value of it "
                                                          "refer to one row, as far as the rows go (a member's "
                                                          "loans are of different titles)")
    by: dict[str, dict[str, list[Any] | ByRange]] | None = Field(
        default=None, description="{other_field: {its value: [values] or {range: [lo, hi]}}}: seeded with one of "
                                  "the values listed (or in the range given) for the row's other_field (a frozen "
                                  "card's reason, a completed visit's past date); where none is given, from the "
                                  "field's own values/range/faker/default (a foreign key: a row it may refer to), else null")

    def own_source(self) -> bool:
        """Whether the field says how to seed it besides `by` (values, range, faker, a default)."""
        return self.values is not None or self.range is not None or self.faker is not None \
            or "default" in self.model_fields_set

    @model_validator(mode="after")
    def _explicit_null_default(self) -> "EntityField":
        """``default: null`` (written out) means: seed and insert null, so the field is nullable;
        so does `by` without a source of its own (rows whose other field has no case seed null) or
        with a case listing null (a pending order's tracking number)."""
        if "default" in self.model_fields_set and self.default is None or self.by and (
                not self.own_source() or any(isinstance(c, list) and None in c for c in next(iter(self.by.values())).values())):
            self.nullable = True
        return self

    @model_serializer(mode="wrap")
    def _keep_explicit_null_default(self, handler: Any) -> Any:
        """An explicit ``default: null`` survives ``exclude_none`` dumps (it changes seeding)."""
        out = handler(self)
        if isinstance(out, dict) and "default" in self.model_fields_set and self.default is None:
            out["default"] = None
        return out


class Entity(_Strict):
    name: str
    description: str = ""
    primary_key: str
    fields: list[EntityField]
    rows: int = Field(default=20, ge=0, le=1_000_000)
    data: list[dict[str, Any]] = Field(
        default_factory=list,
        description="explicit seed rows (reference tables: plans, fees, reasons); fields they leave out "
                    "are generated. With data, `rows` counts extra generated rows and defaults to 0")

    @model_validator(mode="after")
    def _no_generated_rows_beside_data(self) -> "Entity":
        """With `data` and no `rows`, none are generated: made explicit, so a domain written out and
        read back (which then sets `rows`) seeds the same table."""
        if self.data and "rows" not in self.model_fields_set:
            self.rows = 0
        return self

    @property
    def generated_rows(self) -> int:
        """How many rows Faker makes besides `data`."""
        return self.rows

    def field(self, name: str) -> EntityField | None:
        return next((f for f in self.fields if f.name == name), None)


# ---------------------------------------------------------------- tools and their effects

Expr = Union[str, int, float, bool, None, list, dict]
"""An expression: a string is parsed by expr.py; other JSON values are constants."""


class FindStep(_Strict):
    """Bind rows of `table` matching `where` (equality, or IN for a list value) and `filter`.

    A `where` key is a field, or a path into a json field (``address.zip``); keys listed in
    `nocase` compare without regard to (ASCII) case.
    """

    find: str = Field(description="table name")
    as_: str = Field(alias="as")
    where: dict[str, Expr] = Field(default_factory=dict)
    nocase: list[str] = Field(default_factory=list, description="where keys compared case-insensitively")
    filter: str | None = Field(default=None, description="expression over the row bound as `as`")
    many: bool = False
    optional: bool = Field(default=False, description="one row: bind null instead of failing when absent")
    order_by: list[str] = Field(default_factory=list, description="fields; prefix '-' for descending")
    limit: int | None = Field(default=None, ge=1)
    error: str | None = Field(default=None, description="message when a required single row is absent")


class RequireStep(_Strict):
    """Fail the call (and roll back) with `message` unless `require` is true."""

    require: str
    message: str


class InsertStep(_Strict):
    insert: str = Field(description="table name")
    values: dict[str, Expr]
    as_: str | None = Field(default=None, alias="as")


class UpdateStep(_Strict):
    """Update the row bound as `row` (a found row, or every row of a found list)."""

    update: str = Field(description="table name")
    row: str
    set: dict[str, Expr]


class DeleteStep(_Strict):
    delete: str = Field(description="table name")
    row: str


class LetStep(_Strict):
    """Bind names to computed values: ``{let: {diff: "new.price - old.price"}}``."""

    let: dict[str, Expr]


class ForEachStep(_Strict):
    for_each: str = Field(description="expression giving a list: a list argument or found rows")
    as_: str = Field(alias="as")
    do: list["Step"]


class IfStep(_Strict):
    """Run `then` when the condition holds, otherwise `else` (may be left out):
    ``{if: "reason == 'fraud'", then: [{update: cards, row: card, set: {status: "'frozen'"}}]}``."""

    if_: str = Field(alias="if")
    then: list["Step"]
    else_: list["Step"] = Field(default_factory=list, alias="else")


class ReturnStep(_Strict):
    return_: Expr = Field(alias="return")


STEP_KINDS = {
    "find": FindStep, "require": RequireStep, "insert": InsertStep, "update": UpdateStep,
    "delete": DeleteStep, "let": LetStep, "for_each": ForEachStep, "if": IfStep, "return": ReturnStep,
}
_KIND_OF_MODEL = {model: kind for kind, model in STEP_KINDS.items()}


def _step_kind(value: Any) -> str | None:
    """A step's kind is its one keyword (find, require, ...)."""
    if isinstance(value, dict):
        kinds = [k for k in STEP_KINDS if k in value]
        return kinds[0] if len(kinds) == 1 else None
    return _KIND_OF_MODEL.get(type(value))


Step = Annotated[
    Union[tuple(Annotated[model, Tag(kind)] for kind, model in STEP_KINDS.items())],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step needs exactly one of: " + ", ".join(STEP_KINDS),
    ),
]
ForEachStep.model_rebuild()
IfStep.model_rebuild()


def every_step(steps: list[Any]) -> Iterator[Any]:
    """Each step of an effect in order, and the steps inside its conditions and loops after it."""
    for step in steps:
        yield step
        if isinstance(step, IfStep):
            yield from every_step([*step.then, *step.else_])
        elif isinstance(step, ForEachStep):
            yield from every_step(step.do)


class Parameter(_Strict):
    name: str
    type: ParamType = "string"
    description: str = ""
    required: bool = True
    enum: list[Any] | None = None
    items: "Parameter | None" = Field(default=None, description="element type of an array")
    default: Any = None

    @model_validator(mode="after")
    def _array_has_items(self) -> "Parameter":
        if self.type == "array" and self.items is None:
            self.items = Parameter(name="item", type="string")
        return self


class ToolSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    description: str = ""
    kind: Literal["read", "write"] = "read"
    parameters: list[Parameter] = Field(default_factory=list)
    effect: list[Step] | None = Field(default=None, description="None only for Python tools")
    span: Span | None = None


# ---------------------------------------------------------------- workflows


class Binding(_Strict):
    """Where a workflow step's argument comes from: exactly one of user / result / const."""

    user: str | None = Field(default=None, description="a key of what the user knows")
    result: str | None = Field(default=None, description="expression over earlier steps' results")
    const: Any = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Binding":
        given = [k for k in ("user", "result") if getattr(self, k) is not None]
        if len(given) > 1 or (given and "const" in self.model_fields_set):
            raise ValueError("a binding takes exactly one of user, result, const")
        if not given and "const" not in self.model_fields_set:
            raise ValueError("a binding needs one of user, result, const")
        return self


class WorkflowStep(_Strict):
    tool: str
    args: dict[str, Binding] = Field(default_factory=dict)
    as_: str | None = Field(default=None, alias="as", description="name of this step's result")
    when: str | None = Field(default=None, description="condition over user knowledge and results")
    span: Span | None = None


class Anchor(_Strict):
    """The row a task is instantiated on: a table and an optional filter over `row`."""

    table: str
    filter: str | None = None


class WorkflowOffer(_Strict):
    """A write the service's text tells the agent to offer once the workflow's own write is done
    ("Ask the customer if they would like you to transfer the opening deposit from their checking
    account now. If yes, use transfer_funds ... If no, inform them they have 30 days to fund the
    account"): the customer decides; on yes `step` is made, on no `if_no` is told."""

    step: WorkflowStep = Field(description="the offered write; its arguments may read the workflow's results")
    offer: str = Field(description="what is offered, to the customer, with {name} placeholders of `said`: "
                                   "\"move the {amount} opening deposit from your checking account {source} into it\"")
    said: dict[str, str] = Field(default_factory=dict, description="the values the offer names: name -> expression "
                                                                   "over the workflow's results")
    if_no: str = Field(default="", description="what the text says to tell a customer who says no, to them")
    takes: str = Field(default="true", description="whether this customer can take the offer (the money is there): "
                                                  "an expression over `row` (the anchor) and the workflow's results, "
                                                  "for the tasks, which draw whether they do")
    span: Span | None = None


class Workflow(_Strict):
    name: str
    goal: str = Field(description="the user's goal in words; {name} placeholders take user knowledge")
    anchor: Anchor
    knows: dict[str, str] = Field(
        default_factory=dict, description="user knowledge: name -> expression over `row`"
    )
    steps: list[WorkflowStep]
    tells: dict[str, str] = Field(
        default_factory=dict, description="facts the assistant must tell: name -> expression over results"
    )
    category: str = "general"
    span: Span | None = None
    offer: WorkflowOffer | None = Field(default=None, exclude_if=lambda v: v is None, description=(
        "a write the text tells the agent to offer once this workflow's write is done"))


# ---------------------------------------------------------------- domain


class Domain(_Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
    description: str = ""
    clock: str = Field(default="2025-01-15T12:00:00", description="the frozen 'now' (ISO 8601)")
    seed: int = 0
    entities: list[Entity]
    tools: list[ToolSpec]
    workflows: list[Workflow] = Field(default_factory=list)
    policy: list[PolicyRule] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)
    step_groups: dict[str, list[WorkflowStep]] = Field(
        default_factory=dict, description="named step lists workflows share with {use: NAME}")
    signed_in: list[str] = Field(default_factory=list, exclude_if=lambda v: not v, description=(
        "what the service knows of the customer before they say a word, as an app they are signed in to "
        "does: keys of the workflows' `knows` (e.g. `email`), told to the assistant at the start"))
    guide: list[str] = Field(default_factory=list, exclude_if=lambda v: not v, description=(
        "a how-to's steps in the text's own words, in order, told to the assistant in its prompt: what "
        "it reads to choose its acts (`click` what a step names)"))

    @model_validator(mode="before")
    @classmethod
    def _expand_workflow_shorthands(cls, data: Any) -> Any:
        from .macros import expand_domain  # `use` and `let` steps become plain workflow steps
        return expand_domain(data)

    @model_validator(mode="after")
    def _signed_in_known(self) -> Domain:
        known = {k for w in self.workflows for k in w.knows}
        unknown = [k for k in self.signed_in if k not in known]
        if unknown:
            raise ValueError(f"signed_in names {unknown}, which no workflow's `knows` has "
                             f"(known: {sorted(known)})")
        return self

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    def tool(self, name: str) -> ToolSpec | None:
        return next((t for t in self.tools if t.name == name), None)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True, indent=1)
