"""The procedure path of the offline extractor: one table, one workflow following the text's steps
(see offline.py for what it builds)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...documents import Document, Rejection, Verdict
from ...tools import Domain, DomainError, parse_domain
from ...text import features as tf
from .lexicon import (OWNER_EMAILS, VERB_STATUS, _EXPR_WORDS, _LIMIT, _SECRET, _STOP, _UPDATE_FIELD_VERBS,
    _VERIFY_VERBS, _clean, _ident, _regular_participle, _span, _unique, domain_slug, participle, plural)
from .steps import StepInfo
from .procedure_values import _INITIAL, _at_clock, _goal_phrase, _list_expr, _new_value, status_values
from .procedure_fields import FieldRules, _Field, _Require

if TYPE_CHECKING:
    from .offline import OfflineExtractor


class ProcedureBuilder(FieldRules):
    """Builds one domain; a fresh one per document."""

    def __init__(self, ex: OfflineExtractor, doc: Document, verdict: Verdict | None, text: str,
                 infos: list[StepInfo], truncated: bool) -> None:
        self.ex, self.doc, self.verdict, self.text, self.infos = ex, doc, verdict, text, infos
        self.truncated = truncated
        self.fields: dict[str, _Field] = {}
        self.windows: set[str] = set()
        self.spans: list[tuple[int, int]] = []

    # ---------------------------------------------------------------- entity


    def build(self) -> Domain | Rejection:
        text, doc, infos = self.text, self.doc, self.infos
        self.noun = self.entity_noun()
        self.table = _ident(plural(self.noun), 40)
        self.pk = f"{_ident(self.noun, 30)}_id"
        id_key = self.pk
        prefix = re.sub(r"[^A-Z]", "", self.noun.upper())[:3] or "ID"
        code = next((f.text.lstrip("#") for f in tf.named_fields(text) if f.kind == "code"), None)
        pattern = re.sub(r"\d", "#", code) if code and len(code) <= 16 else f"{prefix}-#####"
        if pattern.count("#") < 4:
            pattern += "##"

        # the conditions the text states, one per clause, strongest kind first
        clauses: dict[int, dict[str, Any]] = {}
        for c in tf.conditions(text):
            if c.kind not in tf.STRONG_CONDITIONS and not (c.kind == "limit" and _LIMIT.search(c.text)):
                continue
            if c.text.rstrip().endswith(":"):  # "Verify all of the following before closing:" introduces a list
                continue
            entry = clauses.setdefault(c.start, {"start": c.start, "end": c.end, "text": c.text,
                                                 "kinds": set(), "amount": None, "unit": None})
            entry["kinds"].add(c.kind)
            if c.kind == "within" and c.amount:
                entry["amount"], entry["unit"] = c.amount, c.unit
        cond_list = sorted(clauses.values(), key=lambda e: e["start"])

        # tools per step: names, kinds
        tool_names: set[str] = set()
        get_name = _unique(f"get_{_ident(self.noun, 50)}", tool_names)
        writes = [i for i in infos if i.kind == "write"]
        statuses = [participle(i.verb) if not i.particle else f"{participle(i.verb)} {i.particle}"
                    for i in writes]
        first_prior = VERB_STATUS.get(writes[0].verb, (None, None))[1] if writes else None
        produced = set(statuses)

        # which step each condition guards: its own step, else a write step it names, else the first write
        step_of: dict[int, int] = {}
        in_step: list[int] = []
        # a rule outside the steps guards the main write only when it is about what the steps act on
        topic = {self.noun, plural(self.noun)} | {w for i in writes for w in i.object_words if len(w) > 2}
        about = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(topic)) + r")\b", re.I)
        for k, entry in enumerate(cond_list):
            inside = next((j for j, i in enumerate(infos)
                           if i.step.start <= entry["start"] < i.step.end or entry["start"] <= i.step.start < entry["end"]),
                          None)
            if inside is not None:
                in_step.append(k)
            else:
                low = entry["text"].lower()
                inside = next((j for j, i in enumerate(infos) if i.kind == "write" and
                               re.search(rf"\b{re.escape(i.verb)}|\b{re.escape(participle(i.verb))}\b", low)), None)
            if inside is None and about.search(entry["text"]):
                inside = next((j for j, i in enumerate(infos) if i.kind == "write"), len(infos) - 1)
            if inside is not None:  # other rules stay policy text only
                step_of[k] = inside
        chosen = (in_step + [k for k in step_of if k not in in_step])[: self.ex.max_conditions]
        self.n_conditions = len(chosen) + sum(1 for i in infos if i.verb in _VERIFY_VERBS)

        # statuses the text names ("Check that the status is `active`. A `cancelled` card cannot be
        # frozen"): they become the status field's values and preconditions on it, on steps no
        # earlier write has changed the status for
        first_write = next((j for j, i in enumerate(infos) if i.kind == "write"), len(infos))
        self.status_rules: dict[int, tuple[list[str], list[str]]] = {}
        for k in chosen:
            if step_of[k] <= first_write:
                pos, neg = status_values(cond_list[k]["text"], self.noun)
                if pos or neg:
                    self.status_rules[k] = ([v for v in pos if v not in produced],
                                            [v for v in neg if v not in produced])
        wanted = next((r[0][0] for r in self.status_rules.values() if r[0]), None)
        initial = wanted or (first_prior if first_prior and first_prior not in produced else next(
            s for s in (_INITIAL.get(self.noun, "active"), "active", "pending", "open", "new", "draft",
                        "requested", "ready") if s not in produced))
        named = {v for pos, neg in self.status_rules.values() for v in pos + neg}
        blocking = next(s for s in ("closed", "suspended", "archived", "expired", "on hold", "locked out")
                        if s not in produced and s != initial and s not in named)

        requires: dict[int, list[_Require]] = {j: [] for j in range(len(infos))}
        verb_words = {i.verb for i in infos} | {participle(i.verb) for i in infos}
        extra_statuses: list[str] = []
        for k in sorted(chosen):
            e = cond_list[k]
            span = (e["start"], e["end"])
            if k in self.status_rules:
                pos, neg = self.status_rules[k]
                if initial in pos:
                    r = _Require(f"{{row}}.status in {_list_expr(pos)}", _clean(e["text"]), span)
                elif neg and initial not in neg:
                    r = _Require(f"{{row}}.status not in {_list_expr(neg)}", _clean(e["text"]), span)
                else:
                    continue
                extra_statuses += pos + neg
            else:
                r = self.condition_require(e["text"], e["kinds"], e["amount"], e["unit"], span, verb_words)
            if r is not None:
                requires[step_of[k]].append(r)

        # named fields per step, as parameters the user confirms or new values they give
        all_named = tf.named_fields(text)
        step_params: dict[int, list[tuple[str, str]]] = {}   # step -> [(field, "match"|"set")]
        for j, info in enumerate(infos):
            seen: list[tuple[str, str]] = []
            for pid in info.param_ids:  # "Use reset_pin_6284 with parameters: card_id, new_pin"
                new = pid.startswith("new_")
                if new and info.kind != "write":
                    continue
                name = self.named_field(pid[4:] if new else pid, pid)
                if name is not None and all(name != f for f, _ in seen):
                    seen.append((name, "set" if new else "match"))
            for nf in all_named:
                if not (info.step.start <= nf.start < info.step.end) or nf.kind != "named" or info.param_ids:
                    continue
                if re.search(r"\bnew\s+(?:[\w-]+\s+)?$", text[max(0, nf.start - 20):nf.start], re.I):
                    continue  # "a new 4-digit PIN" is not a value on file
                name = self.named_field(nf.name, nf.text)
                if name is None or any(name == s for s, _ in seen):
                    continue
                if info.kind == "write":  # "Update the address" sets it; "confirm with your PIN" checks it
                    mode = "set" if info.verb in _UPDATE_FIELD_VERBS else "match"
                elif info.lexical_kind in ("verify", "navigate", "communicate") or not info.known_verb:
                    mode = "match"  # confirm / enter / provide: the user gives it, the tool checks it
                else:
                    mode = "read"   # look up / check / find: the tool returns it
                seen.append((name, mode))
                if len(seen) >= 4:
                    break
            step_params[j] = seen
            if info.verb in _VERIFY_VERBS and not seen and not requires[j] and info.lexical_kind == "verify":
                words = [w for w in info.object_words if w not in _STOP][-2:] or [self.noun]
                name = self.add_field("_".join(words) + "_verified",
                                      {"type": "boolean", "description": _clean(info.step.text, 160)},
                                      lambda p: {"values": [True, False], "weights": [round(p, 3), round(1 - p, 3)]})
                requires[j].append(_Require(f"{{row}}.{name}", _clean(f"Not yet done: {info.step.text}"),
                                            (info.step.start, info.step.end)))

        # what the user must give is not shown back by any tool, nor are secrets
        hidden = {f for params in step_params.values() for f, mode in params if mode == "match"}
        hidden |= {f for f in self.fields if _SECRET.search(f)}
        for j, params in step_params.items():
            step_params[j] = [(f, mode) for f, mode in params if not (mode == "read" and f in hidden)]

        # --- entity
        self._seed_guards()
        states = list(dict.fromkeys([initial, blocking, *statuses, *extra_statuses]))
        weights = [16, 2] + [1] * (len(states) - 2)
        entity_fields = [
            {"name": self.pk, "type": "string", "faker": {"provider": "bothify", "args": {"text": pattern}},
             "description": f"{self.noun} id"},
            {"name": "owner_email", "type": "string", "values": OWNER_EMAILS,
             "description": f"email of the customer the {self.noun} belongs to"},
            {"name": "status", "type": "string", "values": states, "weights": weights,
             "description": f"state of the {self.noun}"},
            *[f.spec for f in self.fields.values()],
        ]
        entity = {"name": self.table, "primary_key": self.pk, "rows": self.ex.rows, "fields": entity_fields,
                  "description": f"{plural(self.noun)} the procedure acts on"}

        # --- tools
        row = _ident(self.noun, 30)
        if row in _EXPR_WORDS or row == self.pk:
            row = "item"
        find = {"find": self.table, "as": row, "where": {self.pk: self.pk},
                "error": f"No {self.noun} with that id"}
        shown = {f["name"]: f"{row}.{f['name']}" for f in entity_fields if f["name"] not in hidden}
        result = {"return": shown}
        id_param = {"name": self.pk, "type": "string", "description": f"the {self.noun} id, e.g. {pattern.replace('#', '0')}"}
        first_mention = re.search(rf"\b{re.escape(self.noun)}", text, re.I)
        tools: list[dict[str, Any]] = [{
            "name": get_name, "kind": "read", "description": f"Look up a {self.noun} by its id.",
            "parameters": [id_param], "effect": [find, result],
            **({"span": _span(text, first_mention.start(), first_mention.end())} if first_mention else {}),
        }]
        wf_steps: list[dict[str, Any]] = []
        knows: dict[str, str] = {id_key: f"row.{self.pk}", "email": "row.owner_email"}
        anchor_conds = [f"row.status == '{initial}'"]
        write_seen = 0
        last_as = None
        last_write_as = None
        read_tell: tuple[str, str] | None = None
        new_values: dict[str, str] = {}  # field -> the user's key for the value an earlier step set
        checked: list[_Require] = []      # preconditions earlier read steps check
        for j, info in enumerate(infos):
            s = info.step
            self.spans.append((s.start, s.end))
            if info.tool_id and len(info.tool_id) <= 64:
                base = info.tool_id
            else:
                obj = [w for w in info.object_words if w][-2:] or [self.noun]
                base = "_".join([info.verb] + ([info.particle] if info.particle else []) + obj)
            name = _unique(_ident(base, 60), tool_names)
            params = [id_param]
            effect: list[dict[str, Any]] = [find]
            args: dict[str, Any] = {self.pk: {"user": id_key}}
            sets: dict[str, Any] = {}
            read_field: str | None = None
            for fname, mode in step_params[j]:
                ftype = self.fields[fname].spec.get("type", "string")
                ptype = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(ftype, "string")
                words = fname.replace("_", " ")
                if mode == "read":
                    read_field = fname
                elif mode == "match":
                    params.append({"name": fname, "type": ptype, "description": f"the {words} the user gives"})
                    effect.append({"require": f"{row}.{fname} == {fname}",
                                   "message": f"The {words} does not match our records"})
                    key = new_values.get(fname)
                    if key is None:
                        key = fname
                        knows.setdefault(fname, f"row.{fname}")
                    args[fname] = {"user": key}
                else:
                    pname = f"new_{fname}"[:40]
                    params.append({"name": pname, "type": ptype, "description": f"the new {words}"})
                    sets[fname] = pname
                    knows.setdefault(pname, _new_value(fname, ftype))
                    args[pname] = {"user": pname}
                    new_values[fname] = pname
            guards = requires[j]
            for r in guards:
                # the anchor filter runs outside a tool call, where now/today are not bound: the
                # clock is frozen, so its value is written in
                anchor_conds.append("(" + _at_clock(r.expr.replace("{row}", "row"), self.ex.clock) + ")")
                if r.span:
                    self.spans.append(r.span)
            if info.kind == "write":  # what the earlier checks established must still hold
                inherited = [r for r in checked if r.expr not in {g.expr for g in guards}
                             and not (write_seen and "{row}.status" in r.expr)]  # an earlier write moved it
                guards = inherited + guards
            else:
                checked += guards
            for r in guards:
                effect.append({"require": r.expr.replace("{row}", row), "message": r.message})
            if info.kind == "write":
                status = statuses[write_seen]
                prior = VERB_STATUS.get(info.verb, (None, None))[1] if write_seen == 0 else None
                if prior and prior == initial:
                    effect.insert(1, {"require": f"{row}.status == '{prior}'",
                                      "message": f"Only a {prior} {self.noun} can be {status}"})
                done = _regular_participle(info.verb) + (f" {info.particle}" if info.particle else "")
                effect.insert(1, {"require": f"{row}.status != '{blocking}'",
                                  "message": f"This {self.noun} is {blocking}; it cannot be {done}"})
                effect.append({"update": self.table, "row": row, "set": {"status": f"'{status}'", **sets}})
                write_seen += 1
            effect.append(result if info.kind == "write" else
                          _read_result(row, self.pk, read_field, [a for a in args if a != self.pk], bool(guards)))
            tools.append({
                "name": name, "kind": info.kind,
                "description": _clean(f"{s.text}" if len(s.text) <= 200 else s.text[:200], 300)
                               + ("" if info.kind == "read" else f" Sets the {self.noun}'s status to '{statuses[write_seen - 1]}'."),
                "parameters": params, "effect": effect, "span": _span(text, s.start, s.end),
            })
            as_name = f"r{j + 1}"
            wf_steps.append({"tool": name, "args": args, "as": as_name, "span": _span(text, s.start, s.end)})
            last_as = as_name
            if info.kind == "write":
                last_write_as = as_name
            else:
                read_tell = (as_name, read_field or "status")

        # --- workflow
        if last_write_as:
            tells = {"status": f"{last_write_as}.status"}
        else:
            as_name, fname = read_tell or (last_as, "status")
            tells = {fname: f"{as_name}.{fname}"}
        title = (doc.title or "").strip()
        phrase = _goal_phrase(title, infos, writes)
        goal = _clean(f"{phrase} ({self.noun} {{{id_key}}})".replace("{" + id_key + "}", "\x00"), 400)
        goal = goal.replace("\x00", "{" + id_key + "}")
        wf_name = _ident(writes[-1].verb + "_" + self.noun if writes else f"{infos[-1].verb}_{self.noun}", 50)
        category = (self.verdict.labels.get("category") if self.verdict else None) or (
            writes[-1].lexical_kind if writes else "lookup") or "general"
        first, last = infos[0].step, infos[-1].step
        workflow = {
            "name": wf_name, "goal": goal, "category": category,
            "anchor": {"table": self.table, "filter": " and ".join(anchor_conds)},
            "knows": knows, "steps": wf_steps, "tells": tells,
            "span": _span(text, first.start, last.end),
        }

        # --- policy: every constraint sentence, with its span
        policy = []
        for k, e in enumerate(cond_list[:40]):
            policy.append({"id": f"P{k + 1}", "text": _clean(e["text"], 500), "span": _span(text, e["start"], e["end"])})
            self.spans.append((e["start"], e["end"]))

        spans = sorted(set(self.spans))
        domain_name = domain_slug(doc.id)
        labels = self.verdict.labels if self.verdict else {}
        description = _clean(title or infos[0].step.text, 200)
        if labels.get("domain"):
            description += f" ({labels['domain']})"
        if self.truncated:
            description += f" [first {self.ex.max_steps} steps]"
        data = {
            "name": domain_name, "description": description, "clock": self.ex.clock,
            "seed": self.ex.document_seed(self.doc.id),
            "entities": [entity], "tools": tools, "workflows": [workflow], "policy": policy,
            "provenance": {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                           "spans": [_span(text, a, b) for a, b in spans]},
        }
        try:
            return parse_domain(data, origin=f"extracted from {doc.id}")
        except DomainError as err:
            return Rejection(id=doc.id, stage="extract", reason=f"invalid domain: {err}")


def _read_result(row: str, pk: str, read_field: str | None, confirmed: list[str], checked: bool) -> dict[str, Any]:
    """What a read step returns: the record's id and status, the value it looks up, and what it
    confirmed ("the PIN matches"), not the whole record again (`get_<entity>` does that)."""
    out: dict[str, Any] = {pk: f"{row}.{pk}", "status": f"{row}.status"}
    if read_field:
        out[read_field] = f"{row}.{read_field}"
    for name in confirmed:
        out[f"{name}_confirmed"] = True
    if checked and not confirmed:
        out["conditions_met"] = True
    return {"return": out}

