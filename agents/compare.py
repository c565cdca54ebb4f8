"""Questions across the customer's records ("which of my accounts has the highest balance?"):
recognised by their shape, answered by finding who the customer is, opening each record their
profile lists (or remembering it, unchanged since), and telling the one with the most or least and
its value, beside the others'."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gem_env.tools.render import ended, plural, spoken, words

from . import banks as B
from . import speech as S
from .candidates import candidate_ids, listed
from .lookup import LookupPlan, named_fields, owner_listing
from .messages import call as _call, say as _say, tool_results as _tool_results

_WHICH = re.compile(r"\bwhich of my (?P<nouns>[a-z][a-z ]*?) has the (?P<most>highest|lowest) "
                    r"(?P<field>[a-z][a-z -]*?)(?=[?.!,]|$)", re.IGNORECASE)


@dataclass
class Comparison:
    plan: LookupPlan
    field: str
    most: str  # "highest" or "lowest"


def recognise_comparison(text: str, plans: list[LookupPlan]) -> Comparison | None:
    """"which of my <records> has the highest/lowest <field>", for records a read opens one by one
    and a field that read returns."""
    m = _WHICH.search(text)
    if m is None:
        return None
    for plan in plans:
        if not m.group("nouns").lower().endswith(plural(plan.noun)):
            continue
        fields = named_fields([f for f in plan.fields if f != plan.param], m.group("field").lower())
        if fields:
            return Comparison(plan, fields[0], m.group("most").lower())
    return None


def comparison_reply(cmp: Comparison, turn: Any, agent: Any) -> dict[str, Any]:
    """Find who the customer is, then open each of their records the profile lists, then answer."""
    plan = cmp.plan
    results = _tool_results(turn.segment)
    auth = agent.authentication(plan.table, turn)
    if isinstance(auth, list):
        return agent._ask(auth, turn)
    if auth is not None and not results:
        return _call(auth[0], auth[1], turn)
    got = owner_listing(turn, agent, results, agent._finders[0].param if agent._finders else plan.param)
    if not isinstance(got, tuple):
        return got
    recs = listed(plan.param, [got[1]])
    opened: list[dict[str, Any]] = []
    for key in candidate_ids(plan.param, recs) if recs else []:
        record = next((r for t, r in results if t == plan.tool and isinstance(r, dict)
                       and str(r.get(plan.param)) == str(key)), None)
        if record is None:  # or read by an earlier request, unchanged since
            record = next((r for t, a, r in reversed(turn.before) if t == plan.tool and a == {plan.param: key}), None)
        if record is None:
            return _call(plan.tool, {plan.param: key}, turn)
        opened.append(record)
    close = turn.close()
    have = [r for r in opened if isinstance(r.get(cmp.field), (int, float)) and not isinstance(r[cmp.field], bool)]
    gone = [r for r in have if ended(r)]  # a closed account's balance is no longer the customer's
    have = [r for r in have if not ended(r)]
    if len(have) < 2:
        return _say(f"I'm sorry, I can't compare that across your {plural(plan.noun)} here. {close}".strip())
    best = (max if cmp.most == "highest" else min)(have, key=lambda r: r[cmp.field])
    told = _told(turn.rng, cmp, best, [r for r in have if r is not best], turn.looked_now)
    return _say(" ".join(p for p in (told, _left_out(cmp, gone), close) if p))


def _left_out(cmp: Comparison, gone: list[dict[str, Any]]) -> str:
    """"I've left out ACC-1, which is closed." for the ended records not compared."""
    if not gone:
        return ""
    names = [str(r[cmp.plan.param]) for r in gone]
    status = {str(r.get("status")) for r in gone}
    named = S.joined(names)
    if len(status) == 1:
        return f"I've left out {named}, {'which is' if len(names) == 1 else 'which are'} {status.pop()}."
    return f"I've left out {named}, which {'is' if len(names) == 1 else 'are'} no longer in use."


def _told(rng: Any, cmp: Comparison, best: dict[str, Any], others: list[dict[str, Any]], looked: bool = True) -> str:
    """The record with the most and the others' values ("I've checked your 3 accounts; ..." only
    where some were `looked` up since the customer's last message)."""
    plan, field = cmp.plan, cmp.field
    said = [f"{r[plan.param]} has {spoken(field, r[field])}" for r in others]
    others_said = ", ".join(said[:-1]) + f" and {said[-1]}" if len(said) > 1 else said[0]
    # the winner's status when the records differ in it ("your closed line LINE-1": a closed line's
    # price is no offer to take up)
    status = best.get("status")
    state = f"{status} " if isinstance(status, str) and len(status.split()) == 1 \
        and any(r.get("status") != status for r in others) else ""
    lead = S.pick(rng, B.COMPARED if looked else S.at_hand(B.COMPARED), what=f"your {state}{plan.noun} {best[plan.param]}",
                  most=cmp.most, field=words(field), value=spoken(field, best[field]), n=len(others) + 1,
                  nouns=plural(plan.noun))
    bank = B.COMPARED_OTHERS if len(others) > 1 else [x for x in B.COMPARED_OTHERS if "others:" not in x]
    return f"{lead} {S.pick(rng, bank, others=others_said)}"
