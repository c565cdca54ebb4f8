"""Whether every amount, date and record id the assistant states has a source in the conversation.

A required output is checked by name (`verify._output_checks`); this check covers everything else
the assistant says that could be checked: "$1,259.04", "20%", "January 24, 2025", "DSP-77412". A
value is grounded when a source holds it: the policy (system prompt), what the user said, a tool
reply, a row the conversation's writes left, or what a write the user declined or the rules
refused would have made (run in the verification's scratch sandbox, whose state is rewound). An
amount may also be worked out from the sources' amounts (`_worked_out`: "3 nights at $419.68"). A
claim is grounded wherever its source stands (a confirmation says what a change will make before
the change's reply repeats it); a value with no source anywhere is made up. A date worked out by
the assistant ("the return window ends on ...") is grounded by a source's date and a period a
source states (`_date_worked_out`). A record's status said ("It's showing as open", "ACC-7,
which is closed") must be a status some source gives that record: the one the message last names by
id (what a change will make: the reply of the write on it), a refused write's target in a message
stating its rule, else any record of the conversation (`untied_statuses`). A date among a listed
record's details ("BLL-2 (issued on September 23, 2024)") must be one a reply gave that record
(`untied_listed_dates`).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Mapping

from ..agents.prechecks import records
from ..agents.understanding import canonical
from ..tools.referring import LISTED
from ..tools.render import date_words, is_money
from ..tools.expr_values import VALUE_FUNCTIONS
from ..tools.model import InsertStep, UpdateStep, every_step
from ..tools.sandbox import Sandbox
from ..tools.scratch import written_rows
from ..trajectory import Check
from .tasks import Task
from .verify_kinds import content_words
from .verify_text import message_text, said

_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?) ?%")
_MONTHS = ("January February March April May June July August September October November "
           "December").split()
_DATE = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}}), (\d{{4}})\b")
_ID = re.compile(r"\b[A-Z]{2,5}-\d{3,}\b")
#: a record's state said as the result of a change ("It now shows as frozen", "The status is now closed")
_STATE_SAID = re.compile(r"\b(?:status (?:now reads|is now|has changed to|now shows|reads|shows|is)|now shows as|"
                         r"it's now|it's showing as|it now shows as|now reads) ([a-z]+(?: [a-z]+)?)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.:-])\d[\d,]*(?:\.\d+)?")  # not a date's month or day, a time's minutes, an id's digits


def claims(text: str) -> list[tuple[str, str, str]]:
    """(kind, value, as said) of each checkable value in an assistant message: amounts and
    percentages (the number, normalised), dates (ISO; any way the agent wrote one with its year),
    record ids, a card's or account's last digits ("ending in 3968") and a street address's house
    number ("2974 Williams Isle")."""
    out = [("number", _plain(m.group(1)), m.group(0)) for m in _MONEY.finditer(text)]
    out += [("number", _plain(m.group(1)), m.group(0)) for m in _PERCENT.finditer(text)]
    out += [("date", _iso(*m.groups()), m.group(0)) for m in _DATE.finditer(canonical(text))]
    out += [("id", m.group(0), m.group(0)) for m in _ID.finditer(text)]
    out += [("digits", m.group(1), m.group(0)) for m in _ENDING.finditer(text)]
    out += [("street", m.group(0), m.group(0)) for m in _STREET.finditer(text)]
    return out


_ENDING = re.compile(r"\bending in (\d{4})\b")
#: a house number and the street's name after it: "2974 Williams Isle", "83065 Randy Isle"
_STREET = re.compile(r"(?<![\w$.,-])\d{1,6} [A-Z][a-z]+(?: [A-Z][a-z]+){1,2}\b")


def _street_holds(value: str, sources: list[str]) -> bool:
    """A house number is checked only where a source gives that street a number: the street said
    with another number is made up ("3074 Williams Isle" for 2974); "2 Platinum Reserve" names none."""
    number, street = value.split(" ", 1)
    numbered = [re.findall(rf"(?<![\w.])(\d+) {re.escape(street)}\b", s) for s in sources]
    return not any(numbered) or any(number in found for found in numbered)


def _iso(month: str, day: str, year: str) -> str:
    """A written date's parts ("January", "24", "2025") as ISO ("2025-01-24")."""
    return f"{year}-{_MONTHS.index(month) + 1:02d}-{int(day):02d}"


def _plain(number: str) -> str:
    s = number.replace(",", "")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _holds(kind: str, value: str, text: str) -> bool:
    """Whether a source text holds the value: a number as a whole number (1,200.50 = 1200.5), a
    date as ISO (a tool's date or date-time) or written out, an id as it is."""
    if kind == "number":
        return said(value, text)
    if kind == "date":
        return value in text or date_words(value) in text
    if kind == "digits":
        return re.search(rf"(?<![\d.,]){value}(?![\d,]|\.\d)", text) is not None
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text) is not None


def ungrounded(messages: list[dict[str, Any]], extra: list[str] = ()) -> list[dict[str, Any]]:
    """The assistant's claims no source holds: {"kind", "value", "said", "at"} each (message index).
    A date a person wrote their own way ("2 Feb 2025", "2/2/2025") is read as the assistant reads it."""
    sources = [message_text(m) for m in messages if m.get("role") in ("system", "user", "tool")] + list(extra)
    people = [message_text(m) for m in messages if m.get("role") in ("system", "user")]
    missing = []
    for i, m in enumerate(messages):
        if m.get("role") != "assistant" or not isinstance(m.get("content"), str):
            continue
        for kind, value, as_said in claims(m["content"]):
            if kind == "street":
                if _street_holds(value, sources):
                    continue
            elif any(_holds(kind, value, s) for s in sources):
                continue
            if kind == "date" and any(date_words(value) in canonical(s) for s in people):
                continue
            missing.append({"kind": kind, "value": value, "said": as_said, "at": i})
    return missing


def wrong_states(messages: list[dict[str, Any]], writes: set[str]) -> list[dict[str, Any]]:
    """A change's result said wrong: after a write (since the user last spoke), a state the assistant
    says the record now has that no reply from the write on holds, where some reply of the
    conversation knows it as a status ("It now shows as closed" when the freeze replied "frozen").
    A state said of a record the message names by id is the one the latest reply showing it gave
    (a lookup told after a later, unrelated change: one user turn holding a whole session)."""
    known: set[str] = set()
    shown: list[tuple[int, Any, str, str]] = []
    for i, m in enumerate(messages):
        if m.get("role") == "tool":
            _statuses(_json(message_text(m)), known)
            _status_records(_json(message_text(m)), i, shown)
    missing, turn, wrote = [], set(), False
    for i, m in enumerate(messages):
        role = m.get("role")
        if role == "user":
            turn, wrote = set(), False
        elif role == "tool":
            _statuses(_json(message_text(m)), turn)
        elif role == "assistant":
            if any((c.get("function") or {}).get("name") in writes for c in m.get("tool_calls") or []):
                turn, wrote = set(), True  # what the turn read before its change is the state it changed
            if wrote and turn and isinstance(m.get("content"), str):
                for found in _STATE_SAID.finditer(m["content"]):
                    words = found.group(1).lower()
                    state = next((w for w in (words, words.split()[0]) if w in known), None)
                    named = _ID.findall(m["content"], 0, found.start())
                    if named and _latest_status(shown, named[-1], i) == state:
                        continue
                    if state is not None and state not in turn:
                        missing.append({"kind": "state", "value": state, "said": found.group(0), "at": i})
    return missing


def untied_listed_dates(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dates said among a listed record's details ("BLL-2 (issued on September 23, 2024)", as the
    assistant lists records to ask which) that no reply before the message gives that record: a
    date another record holds is not this one's. A record no reply has shown with a date of its
    own is not judged."""
    dates: dict[str, set[str]] = {}  # record id -> the days its own fields hold, as shown so far
    missing = []
    for i, m in enumerate(messages):
        if m.get("role") == "tool":
            _record_days(_json(message_text(m)), dates)
        elif m.get("role") == "assistant" and isinstance(m.get("content"), str):
            for ident, details in LISTED.findall(m["content"]):
                for found in _DATE.finditer(canonical(details)) if dates.get(ident) else ():
                    if _iso(*found.groups()) not in dates[ident]:
                        missing.append({"kind": "date", "value": _iso(*found.groups()), "said": found.group(0),
                                        "at": i, "record": ident})
    return missing


def untied_described_dates(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dates the assistant says after naming a record by id ("... reservation SI-2468. That's the
    checked-in reservation, checking in on January 13, 2025", "At present, it's set for ...") that
    are no day of the records it names, nor of the record its next call goes on to use (the flight
    a booking moves to), nor a day the user said (the new value) or the next call's arguments or
    reply hold (the day a change takes effect), nor a deadline (worked out elsewhere): a day another
    record holds is not this one's. A message naming a record no reply has shown with a date of its
    own is not judged."""
    dates: dict[str, set[str]] = {}  # record id -> the days its own fields hold, as shown so far
    said: set[str] = set()  # days the user said
    missing = []
    for i, m in enumerate(messages):
        if m.get("role") == "tool":
            _record_days(_json(message_text(m)), dates)
        elif m.get("role") == "user":
            said.update(_iso(*d.groups()) for d in _DATE.finditer(canonical(message_text(m))))
        elif m.get("role") == "assistant" and isinstance(m.get("content"), str):
            text = canonical(m["content"])
            named = list(_ID.finditer(text))
            if not named or not all(dates.get(x.group(0)) for x in named):
                continue
            later = _next_call_text(messages, i)
            ids = {x.group(0) for x in named} | set(_ID.findall(later))
            known = set().union(*(dates.get(x, set()) for x in ids)) | said | set(_ISO_DAY.findall(later))
            for found in _DATE.finditer(text, named[0].start()):
                day = _iso(*found.groups())
                if day not in known and not _DEADLINE.search(text[max(0, found.start() - 30):found.start()]):
                    missing.append({"kind": "date", "value": day, "said": found.group(0), "at": i,
                                    "record": named[0].group(0)})
    return missing


def _next_call_text(messages: list[dict[str, Any]], after: int) -> str:
    """The calls the assistant makes next after message `after` (names and arguments) and their
    replies (what a change it asked to confirm did: "your plan changes on ..."); calls answered
    only by errors are tried again, and the calls after them count too."""
    texts = []
    for j, m in enumerate(messages[after + 1:], after + 1):
        if m.get("role") == "assistant" and m.get("tool_calls"):
            replies = [message_text(r) for r in messages[j + 1:j + 1 + len(m["tool_calls"])] if r.get("role") == "tool"]
            texts.append(json.dumps([c.get("function", c) for c in m["tool_calls"]], default=str) + " ".join(replies))
            if not replies or not all(isinstance(reply := _json(r), dict) and "error" in reply for r in replies):
                break
    return " ".join(texts)


def _record_days(value: Any, into: dict[str, set[str]]) -> None:
    """The days (ISO) each record of a parsed reply holds in its own fields, under its id (its first
    field's value), the records nested in it included."""
    for record in records([value]):
        own = [v for v in record.values() if not isinstance(v, (dict, list))]
        if own and isinstance(own[0], str) and _ID.fullmatch(own[0]):
            into.setdefault(own[0], set()).update(v[:10] for v in own if isinstance(v, str) and _DAY_OR_TIME.match(v))


def untied_statuses(messages: list[dict[str, Any]], vocabulary: set[str], extra: list[str] = (),
                    writes: frozenset[str] | set[str] = frozenset(),
                    refused: list[tuple[list[str], str, list[str]]] = (),
                    sets: Mapping[str, frozenset[str]] | None = None) -> list[dict[str, Any]]:
    """Statuses the assistant says a record has ("It's showing as open") that no source gives it.
    A status is any word after "the status is/reads/shows" or "showing/listed as", and a value of a
    status field (the domain's `vocabulary`, or a record's) after "is (now)", "it's now", "shows",
    "reads" or "it/out/listed/marked as" (not "As requested, ...", "I'll now reset ..."); never in a
    rule's clause ("only while the order is pending"). It is said of the record
    the message last names by id before it: the status the last reply showing that record before
    the message gave it (a lookup may tell an earlier read), or, for what a change will make, the
    reply of the next write on it (of the `writes` tools: "It will start out as open" of the refill
    that call made) and the records that reply names as later shown (a replacement card), else a
    later reply or row of it or of a record made for it; where that write was refused (its reply an
    error), a status the write itself sets (`sets`: write -> the statuses its effect sets, "open" of
    a new refund), as the confirmation told it from the write's own definition. With no id named: in a message stating
    the rule of one of the task's `refused` writes ((target ids, reason, the values breaking it)
    each; `_states_rule`), "it" is that write's target, or a value breaking the rule; else any
    record of the conversation (a turn may tell what an earlier one read)."""
    records: list[tuple[int, Any, str, str]] = []  # (message index, first field's value, own fields as JSON, status)
    for i, m in enumerate(messages):
        if m.get("role") == "tool":
            _status_records(_json(message_text(m)), i, records)
    for text in extra:  # rows the writes left or would have made: of no one turn
        _status_records(_json(text), -1, records)
    pattern = _status_said(vocabulary | {s for *_, s in records})
    # the system prompt's own words: a how-to's step given to the customer as the guide says it ("Let
    # go of the button when the desk is lowered.") states no record's status
    prompt = " ".join(" ".join(message_text(m).split()) for m in messages if m.get("role") == "system").lower()
    missing = []
    for i, m in enumerate(messages):
        if m.get("role") != "assistant" or not isinstance(m.get("content"), str):
            continue
        for found in pattern.finditer(m["content"]):
            clause = _clause(m["content"], found.start())
            if _RULE_CLAUSE.search(clause):
                continue  # "the address can only be changed while the order is pending"
            if len(clause.split()) > 3 and " ".join(clause.split()).lower().strip(" .") in prompt:
                continue
            status = (found.group(1) or found.group(2)).lower()
            named = _ID.findall(m["content"], 0, found.start(1) if found.group(1) else found.start(2))
            if named and _OTHER_RECORD.search(clause):
                named = []  # "this order is pending", said after naming its item
            if named and re.search(r"\bwill\b", m["content"][:found.start()].rsplit(".", 1)[-1]):
                # what a change will make: the next write's reply on it and the records it names (a
                # replacement card) as later shown, else the record or one made for it later
                made: list[tuple[int, Any, str, str]] = []  # the records the write's reply shows
                write, text = _next_write_reply(messages, i, named[-1], writes) or ("", "")
                reply = _json(text)
                _status_records(reply, i, made)
                others = _ids_named(reply) - {key for _, key, _, _ in made}  # named there without a status
                refused_here = isinstance(reply, dict) and "error" in reply
                candidates = [*(s for *_, s in made), *((sets or {}).get(write, ()) if refused_here else ()),
                              *(s for at, key, _, s in records if (at < 0 or at > i) and key in others)] or [
                    s for at, _, held, s in records if (at < 0 or at > i) and _holds("id", named[-1], held)]
            elif named:  # the record itself (else one holding its id) as last shown before
                candidates = _as_shown(records, named[-1], i)
            else:  # a refusal's "it" is its target (or the value breaking its rule: "the order is pending"
                # of an item's exchange); else what a turn says may come from an earlier turn's read
                rules = [] if _OTHER_RECORD.search(clause) else [
                    (ids, values) for ids, reason, values in refused if _states_rule(reason, m["content"])]
                tied = [s for ids, _ in rules for t in ids for s in _as_shown(records, t, i)]
                candidates = [*tied, *(str(v).lower() for _, values in rules for v in values)] if tied \
                    else [s for *_, s in records]
            if status not in candidates:
                missing.append({"kind": "status", "value": status, "said": found.group(0), "at": i})
    return missing


def _states_rule(reason: str, text: str) -> bool:
    """Whether `text` states the rule `reason` (nearly all of its words: "A card that is frozen
    cannot be changed"), not only touches its subject ("a payment plan for your bill")."""
    rule = content_words(reason)
    return bool(rule) and len(rule & content_words(text)) >= 0.8 * len(rule)


def _as_shown(records: list[tuple[int, Any, str, str]], ident: str, at: int) -> list[str]:
    """The statuses of record `ident` (else of records holding its id) as the last reply before
    message `at` showed it; all of them where none before did."""
    of_it = ([(seen, s) for seen, key, _, s in records if key == ident]
             or [(seen, s) for seen, _, held, s in records if _holds("id", ident, held)])
    shown = [seen for seen, _ in of_it if 0 <= seen < at]
    return [s for seen, s in of_it if not shown or seen == max(shown)]


def _ids_named(value: Any) -> set[Any]:
    """The values of the id fields ("id", "*_id") anywhere in a parsed reply."""
    if isinstance(value, dict):
        return {v for k, v in value.items() if (k == "id" or str(k).endswith("_id")) and isinstance(v, (str, int))} \
            | {x for v in value.values() for x in _ids_named(v)}
    if isinstance(value, list):
        return {x for v in value for x in _ids_named(v)}
    return set()


def _next_write_reply(messages: list[dict[str, Any]], after: int, ident: str,
                      writes: frozenset[str] | set[str]) -> tuple[str, str] | None:
    """(tool name, reply text) of the first call of a `writes` tool after message `after` whose
    arguments hold `ident` (the change a confirmation spoke of), or None."""
    for j in range(after + 1, len(messages)):
        for call in messages[j].get("tool_calls") or [] if messages[j].get("role") == "assistant" else []:
            fn = call.get("function") or {}
            if fn.get("name") in writes and _holds("id", ident, str(fn.get("arguments") or "")):
                reply = next((r for r in messages[j + 1:] if r.get("role") == "tool"
                              and r.get("tool_call_id") == call.get("id")), None)
                return (fn["name"], message_text(reply)) if reply is not None else None
    return None


#: a clause about a record named by its kind, not the id the message named before it
_OTHER_RECORD = re.compile(r"^\s*(?:this|that|the|your) (?!status\b)[a-z]+(?: [a-z]+)? (?:is|shows|reads)\b",
                           re.IGNORECASE)
#: what makes a clause a rule, not a claim about a record
_RULE_CLAUSE = re.compile(r"\b(?:only|while|unless|if|until|must|cannot|can't|needs?|that is|that are)\b",
                          re.IGNORECASE)


def _clause(text: str, at: int) -> str:
    """The clause of `text` around position `at` (between the marks that end one)."""
    start = max(text.rfind(mark, 0, at) for mark in ".;:!?")
    ends = [e for e in (text.find(mark, at) for mark in ".;:!?") if e >= 0]
    return text[start + 1:min(ends, default=len(text))]


def _status_said(vocabulary: set[str]) -> re.Pattern[str]:
    """"the status reads X" / "showing as X" / "It will start out as X" with any word X (a known
    status first: "under review"), or a known status after a plainer verb ("ACC-7, which is
    closed", "At the moment it's open"), or any word after "records show <the record> as" ("Our
    records show your charge CHR-1 as pending"); not "told no because it's closed" (a note of the user's),
    nor of the request ("This is now complete." where a package's status may be complete)."""
    words = "|".join(map(re.escape, sorted({v.replace("_", " ") for v in vocabulary}, key=len, reverse=True)))
    words = words or "(?!)"
    return re.compile(rf"\b(?:status (?:now )?(?:is|reads|shows)(?: now)?|(?:showing|shows|listed|start out) as"
                      rf"|records show (?:[\w'-]+ ){{0,3}}[A-Z]{{2,5}}-\d+ as) "
                      rf"((?:{words})\b|[a-z]+)\b"
                      rf"|\b(?:(?<!\bThis )(?<!\bThat )is(?: now)?|(?<!because )it's(?: now)?|shows|reads|"
                      rf"(?:out|it|listed|marked) as) ({words})\b",
                      re.IGNORECASE)


def _status_records(value: Any, at: int, into: list[tuple[int, Any, str, str]]) -> None:
    """Each record of a parsed reply or row set that has a status: (`at`, its first field's value (its
    id), its own fields as JSON (not the records nested in it), the status spoken)."""
    if isinstance(value, dict):
        own = {k: v for k, v in value.items() if not isinstance(v, (dict, list))}
        held = json.dumps(own, default=str)
        for k, v in own.items():
            if _is_status(str(k)) and isinstance(v, str):
                into.append((at, next(iter(own.values())), held, v.lower().replace("_", " ")))
            elif v is True:  # a state said by a flag's last word ("disk_mounted": the disk is mounted)
                into.append((at, next(iter(own.values())), held, str(k).lower().rsplit("_", 1)[-1]))
        for v in value.values():
            if isinstance(v, (dict, list)):
                _status_records(v, at, into)
    elif isinstance(value, list):
        for v in value:
            _status_records(v, at, into)


def _latest_status(shown: list[tuple[int, Any, str, str]], ident: str, before: int) -> str | None:
    """The status the latest reply before message `before` showing record `ident` gave it."""
    return next((status for at, key, _, status in reversed(shown) if at < before and key == ident), None)


def _is_status(name: str) -> bool:
    return name == "status" or name.endswith("_status")


def status_vocabulary(sandbox: Sandbox) -> set[str]:
    """Every value a status field of the domain is seeded with, lower case."""
    return {str(v).lower() for entity in sandbox.compiled.domain.entities for f in entity.fields
            if _is_status(f.name) for v in f.values or () if isinstance(v, str)}


def statuses_set(sandbox: Sandbox) -> dict[str, frozenset[str]]:
    """Write -> the statuses its effect sets as a fixed value ("'open'" of a new refund), lower case."""
    out: dict[str, frozenset[str]] = {}
    for name, tool in sandbox.compiled.tools.items():
        fixed = (re.fullmatch(r"'([^']+)'", str(e).strip()) for st in every_step(tool.spec.effect or [])
                 if isinstance(st, (InsertStep, UpdateStep))
                 for k, e in (st.values if isinstance(st, InsertStep) else st.set).items() if _is_status(k))
        if tool.writes:
            out[name] = frozenset(m.group(1).lower().replace("_", " ") for m in fixed if m)
    return out


def _statuses(value: Any, into: set[str]) -> set[str]:
    """The values of every status field in a parsed reply ("status", "card_status"), lower case."""
    if isinstance(value, dict):
        for k, v in value.items():
            if _is_status(str(k)) and isinstance(v, str):
                into.add(v.lower())
            _statuses(v, into)
    elif isinstance(value, list):
        for v in value:
            _statuses(v, into)
    return into


def claims_check(task: Task, messages: list[dict[str, Any]], sandbox: Sandbox) -> Check:
    """`claims_grounded`, with `sandbox` the conversation's replay (at its final state). Most
    conversations are settled by their messages; the rest read the rows their writes left, run the
    writes the task has declined or refused, and work amounts and deadlines out. Then a change's
    result said wrong (`wrong_states`)."""
    vocabulary = status_vocabulary(sandbox)
    writes = {name for name, tool in sandbox.compiled.tools.items() if tool.writes}
    refused = [([str(v) for v in r.target.values()], r.reason, r.values) for r in task.refusals]
    sets = statuses_set(sandbox)
    missing = ungrounded(messages) + untied_statuses(messages, vocabulary, (), writes, refused, sets)
    if missing:
        extra = _written_and_withheld(task, sandbox)
        missing = not_worked_out(ungrounded(messages, extra), messages, extra)
        missing += untied_statuses(messages, vocabulary, extra, writes, refused, sets)
    missing += wrong_states(messages, writes) + untied_listed_dates(messages) + untied_described_dates(messages)
    return Check(name="claims_grounded", passed=not missing,
                 evidence={"said_without_a_source": missing} if missing else None)


def not_worked_out(claims: list[dict[str, Any]], messages: list[dict[str, Any]],
                   extra: list[str] = ()) -> list[dict[str, Any]]:
    """The ungrounded claims that are not worked out from sources either: an amount from amounts
    (`_worked_out`), a deadline from a date and the policy's period (`_date_worked_out`)."""
    extra = list(extra)
    return [c for c in claims if not (c["kind"] == "number" and _worked_out(c["value"], messages, extra)
                                      or c["kind"] == "date" and _date_worked_out(c, messages, extra))]


def _written_and_withheld(task: Task, sandbox: Sandbox) -> list[str]:
    """The rows the replayed writes left, then each declined or refused write run on that state:
    its reply and the rows it leaves (what a confirmation said the change would make)."""
    touched = sandbox.touched() or {}
    texts = [json.dumps(written_rows(sandbox, touched, touched), default=str)]
    for withheld in [*task.declines, *task.refusals]:
        result = sandbox.call(withheld.tool, withheld.arguments or withheld.target)
        touched = sandbox.touched() or {}
        texts += [result.content, json.dumps(written_rows(sandbox, touched, touched), default=str)]
    return texts


def _worked_out(value: str, messages: list[dict[str, Any]], extra: list[str]) -> bool:
    """An amount worked out from the sources' amounts, to the cent: the sum or difference of two
    ("a $60 fee and $123.45 more"), or one times a count ("3 nights at $419.68"). An amount is a money
    field of a tool's reply or a row ("price", "total_paid") or a dollar figure in words; a count is a
    whole number up to 1,000 anywhere in them (never a day or a year made into an amount)."""
    texts = [message_text(m) for m in messages if m.get("role") in ("system", "user", "tool")] + extra
    amounts: set[float] = set()
    for text in texts:
        amounts.update(round(float(n.replace(",", "")), 2) for n in _MONEY.findall(text))
        amounts.update(_money_fields(_json(text)))
    counts = {int(n) for text in texts for n in _NUMBER.findall(text) if n.isdigit() and 1 < int(n) <= 1000}
    target = round(float(value), 2)
    return any(round(target - a, 2) in amounts or round(a - target, 2) in amounts
               or any(round(a * k, 2) == target for k in counts) for a in amounts)


def _date_worked_out(claim: dict[str, Any], messages: list[dict[str, Any]], extra: list[str]) -> bool:
    """A date worked out from a record's date (or today's) and a period the policy states: "within 60
    days of the statement date" and a statement of 2025-01-15 give March 16, 2025 (days, business days, weeks,
    months, years, hours in whole days; either way from the date), said as a deadline ("by", "until",
    "ends on"). A period under two days counts for none: a date a day off a record's is a slip far
    more often than "within 24 hours" worked out."""
    said = canonical(messages[claim["at"]]["content"])
    before = [said[max(0, m.start() - 30):m.start()] for m in re.finditer(re.escape(claim["said"]), said)]
    if not any(_DEADLINE.search(words) for words in before):
        return False  # "checking in on ...", "purchased on ...": a record's date, not one worked out
    value = claim["value"]
    policy = [message_text(m) for m in messages if m.get("role") == "system"]
    periods = {p for text in policy for n, unit in _PERIOD.findall(text) if (p := _period(n, unit))[1] >= 2}
    if not periods:
        return False
    try:
        target = dt.date.fromisoformat(value)
    except ValueError:  # "February 30": no day to work out, a date no source holds
        return False
    records = [message_text(m) for m in messages if m.get("role") == "tool"] + extra
    for day in {d for text in policy + records for d in _days_in(text)}:
        try:
            start = dt.date.fromisoformat(day)
        except ValueError:
            continue
        months = (target.year - start.year) * 12 + target.month - start.month
        apart = {("days", abs((target - start).days)),
                 ("business days", abs(VALUE_FUNCTIONS["business_days_between"](day, value))),
                 ("months", abs(months) if target.day == start.day else -1)}
        if apart & periods:
            return True
    return False


_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DAY_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:]+)?$")  # a date field's value, or a date-time's
#: the words before a date that is worked out from a period: a deadline, a window's end, an arrival
_DEADLINE = re.compile(r"\b(?:by|until|till|before|after|through|ends?|ending|expires?|due|deadline|later than|"
                       r"arrives?|back)\b(?: on)?\W*$", re.IGNORECASE)

_NUMBER_WORDS = "one two three four five six seven eight nine ten eleven twelve".split()
_PERIOD = re.compile(rf"\b(\d+|{'|'.join(_NUMBER_WORDS)})[ -]"
                     r"(business days?|(?:calendar )?days?|weeks?|months?|years?|hours?)\b", re.IGNORECASE)


def _period(n: str, unit: str) -> tuple[str, int]:
    """("days" | "business days" | "months", how many) of a stated period ("2 weeks": 14 days)."""
    count = int(n) if n.isdigit() else _NUMBER_WORDS.index(n.lower()) + 1
    unit = unit.lower().rstrip("s").replace("calendar ", "")
    if unit == "business day":
        return "business days", count
    if unit in ("month", "year"):
        return "months", count * (12 if unit == "year" else 1)
    if unit == "hour":
        return "days", count // 24
    return "days", count * (7 if unit == "week" else 1)


def _days_in(text: str) -> list[str]:
    """The dates a text holds, ISO (a tool's dates and date-times, the prompt's "January 15, 2025")."""
    return _ISO_DAY.findall(text) + [_iso(*parts) for parts in _DATE.findall(text)]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _money_fields(value: Any, name: str = "") -> list[float]:
    """The amounts in a parsed reply or row: numbers under a money field's name (`is_money`)."""
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _money_fields(v, str(k))]
    if isinstance(value, list):
        return [x for v in value for x in _money_fields(v, name)]
    return [round(float(value), 2)] if is_money(name, value) else []


