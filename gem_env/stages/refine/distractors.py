"""`distractors`: near-duplicate tools — a similar name, the same parameters, a description that
differs in a few words — that do something else, placed beside each of the domain's tools. The
right tool must be called; calling a distractor fails the variant (`no_distractor_called`, and a
write distractor changes nothing, so the final state differs too).

The variant runs on a derived domain (``<name>-dx``) holding the distractors; its tables and seed
are the parent's, so its initial state is the same.
"""
from __future__ import annotations

import hashlib
import random

from ...tools import CompileError, CompiledDomain, ToolSpec, compile_domain
from .base import Context, DoesNotApply, Variant

_NAMES = ["{name}_legacy", "{name}_request", "preview_{name}", "{name}_v1", "bulk_{name}"]
_WRITE_NOTE = (" Legacy endpoint: files the request for manual review by the back office; it does not "
               "make the change itself.")
_READ_NOTE = " Archive search: looks only at records closed more than a year ago."
_VALIDATING = ("find", "require", "let")


def _distractor(spec: ToolSpec, taken: set[str], rng: random.Random, validate: bool = True) -> ToolSpec:
    names = [p.format(name=spec.name) for p in _NAMES]
    rng.shuffle(names)
    name = next(n for n in names if n not in taken and len(n) <= 64)
    steps = [s for s in (spec.effect or []) if validate and type(s).__name__.lower().replace("step", "") in _VALIDATING]
    if spec.kind == "write":
        note, result = _WRITE_NOTE, {"status": "'queued for manual review'", "applied": False}
    else:
        note, result = _READ_NOTE, {"records": [], "note": "'no archived records match'"}
    effect = [s.model_dump(by_alias=True, exclude_none=True) for s in steps] + [{"return": result}]
    return ToolSpec.model_validate({"name": name, "description": (spec.description or spec.name).rstrip(".") + "." + note,
                                    "kind": spec.kind, "parameters": [p.model_dump() for p in spec.parameters],
                                    "effect": effect})


def derived_name(name: str) -> str:
    """``<name>-dx``, within a domain name's 64 characters: a long name is cut and keeps a digest
    of the whole, so two long names that share their first 52 characters stay apart."""
    if len(name) <= 61:
        return f"{name}-dx"
    return f"{name[:52]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}-dx"


def derived_domain(compiled: CompiledDomain, ctx: Context) -> tuple[CompiledDomain, list[str]]:
    """The domain with a distractor beside each declared tool: one per parent domain (names
    seeded by the domain's name), so every variant of the domain shares it."""
    domain = compiled.domain
    name = derived_name(domain.name)
    if name in ctx.derived:
        got = ctx.derived[name]
        return got, [t.name for t in got.domain.tools if domain.tool(t.name) is None]
    rng = random.Random(f"distractors\x00{domain.name}")
    taken = {t.name for t in domain.tools}
    tools: list[ToolSpec] = []
    for spec in domain.tools:
        tools.append(spec)
        if spec.effect is not None:
            extra = _distractor(spec, taken, rng)
            taken.add(extra.name)
            tools.append(extra)
    if len(tools) == len(domain.tools):
        raise DoesNotApply("no tool of the domain can get a distractor (python tools only)")
    try:
        derived = compile_domain(domain.model_copy(update={"name": name, "tools": tools}))
    except CompileError:  # a kept validating step needed a name a dropped step bound
        rng = random.Random(f"distractors\x00{domain.name}")
        tools = [x for spec in domain.tools
                 for x in ([spec, _distractor(spec, {t.name for t in domain.tools}, rng, validate=False)]
                           if spec.effect is not None else [spec])]
        derived = compile_domain(domain.model_copy(update={"name": name, "tools": tools}))
    ctx.derived[name] = derived
    return derived, [t.name for t in tools if domain.tool(t.name) is None]


def apply(v: Variant, ctx: Context) -> Variant:
    if not v.task.gold_actions:
        raise DoesNotApply("the task calls no tools")
    v.compiled, v.plan.distractors = derived_domain(v.compiled, ctx)
    return v
