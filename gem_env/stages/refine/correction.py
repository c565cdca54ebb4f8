"""`correction`: once their first request is done, the user notices they gave a wrong value ("Oh,
sorry, I've just noticed I gave you the wrong shipping address.") and asks for it to be changed
to the right one. The assistant must make the change again with the new value, asking to confirm
first (`correction_made`); the gold writes both, and the final state holds the new value.

The value is one the user chooses (`change_of_mind._changeable`), and the write sets a field to it
as it is, changing no status (an update, not an insert or a sum: a second transfer corrects
nothing; nor a freeze's reason), so writing it again corrects it. Its new value is nearby (`change_of_mind._nearby`) and not what the record
held before the first write (that would be an undo), and the session must
compose with the request made twice (a write its rules refuse the second time is no correction).
"""
from __future__ import annotations

import re
from typing import Any

from ...simulators.phrases import said_value
from ...simulators.scenario import Request, Scenario, user_words
from ...tools import ToolSpec
from ...tools.render import render
from ...tools.model import UpdateStep
from ..ground.plan import Change
from ..tasks.kinds import goal_text
from .base import Context, DoesNotApply, NotApplicable, Part, Variant, compose, workflow
from .change_of_mind import _LAID_OUT, _changeable, _nearby, first_write


def apply(v: Variant, ctx: Context) -> Variant:
    part, write, read_before = first_write(v, "to correct")
    spec = v.compiled.tools[write.tool].spec
    keys = [(k, a) for k, a in _changeable(part, write, read_before) if _sets(spec, a)]
    if not keys:
        raise DoesNotApply("the first write sets no field to a value the user chooses")
    wf = workflow(v.compiled, part.workflow)
    for key, argument in keys:
        held = {_as_held(h) for h in _held_before(v.compiled, write, {argument, key.removeprefix("new_")})}
        for wanted in _nearby(part.knows[key], key, v.compiled, write, argument, ctx.rng):
            if _as_held(render(wanted)) in held:
                continue  # what the record held before: that would be an undo, not a correction
            redo = _redo(part, wf, key, wanted)
            trial = Variant(task=v.task, compiled=v.compiled, parts=[part, redo, *v.parts[1:]],
                            plan=v.plan.model_copy(deep=True))
            try:
                compose(trial)
            except NotApplicable:
                continue  # written twice, the request is refused or fails: no correction
            v.parts.insert(1, redo)
            v.plan.corrections = [*v.plan.corrections, Change(key=key, said=part.knows[key], wanted=wanted,
                                                              tool=write.tool, argument=argument)]
            return v
    raise DoesNotApply("no nearby value composes as a second write")


def _as_held(text: str) -> str:
    """A value as compared with what the record held: a number written in a layout by its digits
    ("(205)894-6018" is the "205-894-6018" it held: no correction, an undo)."""
    return re.sub(r"\D", "", text) if _LAID_OUT.match(text) else text


def _held_before(compiled: Any, write: Any, names: set[str]) -> set[str]:
    """The values the record the write changes held under these field names before it (its row in
    the domain's seed, found by a key among the write's arguments)."""
    sandbox = compiled.new_sandbox()
    try:
        out: set[str] = set()
        for table, rows in sandbox.dump().items():
            pk = compiled.tables[table].pk
            for row in rows.values():
                if any(row.get(pk) == value for name, value in write.arguments.items() if name == pk):
                    out |= {render(val) for name, val in row.items() if name in names}
        return out
    finally:
        sandbox.close()


def _sets(spec: ToolSpec, argument: str) -> bool:
    """Whether the tool's effect sets a field to the argument as it is, changing no status (a plain
    update: a new address or limit; not the reason a card was frozen for, which is no setting)."""
    return any(isinstance(st, UpdateStep) and argument in st.set.values() and not any("status" in f for f in st.set)
               for st in spec.effect or [])


def _redo(part: Part, wf: Any, key: str, wanted: Any) -> Part:
    """The request again with the right value, naming its record by its id (the assistant does not
    carry a record from one request to the next)."""
    knows = {**part.found, **part.knows, key: wanted}
    ids = [k for k in knows if (k == "id" or k.endswith("_id")) and k in {b.user for s in wf.steps
                                                                          for b in s.args.values()}]
    goal = goal_text(wf, knows)
    said = {k: val for k, val in knows.items() if k in ids or k == key}
    request = Request(kind="complete", goal=goal, intent=user_words(wf.goal, said, said_value), knows=knows,
                      opening=ids)
    scenario = Scenario(persona=part.scenario.persona, goal=goal, knows=knows, opening=ids, requests=[request])
    return Part(workflow=part.workflow, knows=knows, scenario=scenario)
