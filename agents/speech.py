"""How the offline assistant words things: paraphrase banks (`banks.py`) filled with the task's own
values and nouns, results in sentences, values as people read them (`tools/render.py`), no internal
names. Every choice comes from an RNG the caller seeds from the conversation, so a replayed
conversation gets the same words."""
from __future__ import annotations

import hashlib
import random
import re
from functools import lru_cache
from typing import Any, Sequence

from gem_env.tools.kinds import NAMED_BY
from gem_env.tools.patterns import compiled
from gem_env.tools.referring import PEOPLE, moved, reference, role
from gem_env.tools.render import (CHARGED, FREE_TEXT, TOTAL, counted, happened, is_count, times_done, is_money, left_of, money, said_as,
                                   none_of, part_happened, participle, plain_words, plural, quoted_if_sentence, render,
                                   singular, smooth, spoken, state_of, undangled, when_words, words)

from . import banks as B
from .actions import SENTENCE_BREAK, VERBS, action, brief, done, past, thing_called, with_new_value
from .guidance import for_one_case
from .ids import names_entry, own_key
from .prechecks import addressed, as_said
from .banks import (ASK, ASK_FOR, ASK_MORE, CLOSE, FAILED, FOUND, GIVE_UP, LATEST_UNDER, LATEST_UNDER_UNNAMED,  # noqa: F401
                    NONE_UNDER, WELCOME)  # (the agent's banks)

__all__ = ["ASK", "ASK_FOR", "ASK_MORE", "CLOSE", "FAILED", "FOUND", "GIVE_UP", "SENTENCE_BREAK", "WELCOME", "action", "ask",
           "asked_for", "at_hand", "brief", "close", "confirm", "declined", "describe", "details", "fact", "facts_told", "looked", "past", "pick", "reason_text", "record_note",
           "refuse", "report", "singular", "thing_called", "which", "words"]

_MD = re.compile(r"[`*_]{1,2}([^`*_]+)[`*_]{1,2}")
_GUIDE = re.compile(r"^(?:check|make sure|verify|confirm|ensure|see|note)\b", re.IGNORECASE)
_PERSONAL = re.compile(r"email|name|phone|address|birth|pin|password|passcode|zip|postcode|ssn|username|city|country")


class Voice(random.Random):
    """The RNG of one reply, carrying the style (`banks.STYLES`) of the agent holding the conversation,
    what it has said so far (`told`), and the frame words the reply's sentences have used (`frames`)."""

    style: str | None = None
    told: str = ""
    frames: set[str]


def voice(seed: str, conversation: str, told: str = "") -> Voice:
    """The RNG of one reply (`seed`), in the style its `conversation` (its first message) gets: every
    reply of one conversation in one style; `told`: what the assistant has said in it so far."""
    rng = Voice(seed)
    rng.style = B.STYLES[hashlib.sha256(conversation.encode()).digest()[0] % len(B.STYLES)]
    rng.told, rng.frames = told, set()
    return rng


def voiced(rng: random.Random, bank: list[str]) -> list[str]:
    """The alternatives of `bank` the reply's style words it with (all of them for a bank worded one
    way, or an RNG of no style)."""
    style = getattr(rng, "style", None)
    return bank.by_style[style] if isinstance(bank, B.Voiced) and style else bank


def pick(rng: random.Random, bank: list[str] | tuple[list[str], ...], **values: Any) -> str:
    """One alternative of `bank` (of each part, joined, for a composed bank) in the reply's style
    (`voiced`), filled in; `{Name}` is the value with a capital letter. An alternative the
    conversation has already said word for word, or whose frame ("It shows ...", "All updated: ...")
    a sentence of this reply has used, gives way to another (`_fresh`)."""
    fill = {**values, **{k.capitalize(): str(v)[:1].upper() + str(v)[1:] for k, v in values.items()}}

    def filled(p: str) -> str:  # a sentence put after a colon goes on in lower case ("... I'm afraid: the booking ...")
        return p.format(**{**fill, **{k: _after_colon(str(fill[k])) for k in _AFTER_COLON.findall(p) if k in fill}})

    texts = []
    for part in bank if isinstance(bank, tuple) else (bank,):
        alternatives = voiced(rng, part)
        p = rng.choice(alternatives)
        if p and _stale(rng, p, filled(p)):
            # every alternative said already (the sixth "Anything else?" of a long chat): the shortest, which
            # a person says again without it reading as a canned line ("Is there anything else I may help
            # with?" twice did)
            fresh = _fresh(rng, alternatives, filled)
            p = fresh or (p if fresh is not None else _shortest(alternatives, filled))
        if p:
            texts.append(filled(p))
            if isinstance(rng, Voice):
                rng.frames |= _frame(p)
    text = " ".join(texts)
    return smooth(text[:1].upper() + text[1:])


def _stale(rng: random.Random, template: str, text: str) -> bool:
    """Whether an alternative would repeat the conversation word for word (`Voice.told`: "That has
    been completed." a second time, or a lead of three words or more: "I can confirm I have closed
    ...", then "I can confirm I have changed ...") or a frame word this reply has used ("Its status
    shows under review. It shows it was filed on ...")."""
    if not isinstance(rng, Voice):
        return False
    lead = _lead(template)
    return text.strip() in rng.told or bool(lead) and lead in rng.told or bool(_frame(template) & rng.frames)


def _fresh(rng: random.Random, alternatives: list[str], filled: Any) -> str | None:
    """Another alternative, drawn among those that repeat nothing (`_stale`), or None."""
    fresh = [a for a in alternatives if not a or not _stale(rng, a, filled(a))]
    return rng.choice(fresh) if fresh else None


def _shortest(alternatives: list[str], filled: Any) -> str:
    """The alternative of fewest words, filled in (the first of those as short)."""
    return min(alternatives, key=lambda a: len(filled(a).split()))


@lru_cache(maxsize=4096)
def _lead(template: str) -> str:
    """The words a template opens with before its first value, where they are three or more."""
    head = template.split("{", 1)[0].strip()
    return head if len(head.split()) >= 3 else ""


@lru_cache(maxsize=4096)
def _frame(template: str) -> frozenset[str]:
    """The words a template says itself, but for the common ones, without a plural's or verb's -s
    ("shows" is "show"): what makes two sentences read alike."""
    said = re.findall(r"[a-z']+", re.sub(r"\{\w+\}", " ", template).lower())
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in said if w not in _COMMON)


_COMMON = frozenset("""a an the is are was were be been it it's its i i'm i've i'll i'd you you're you'll your and or but
of to for on in at as by with from this that these those has have had now not no yes will could would should shall
we we'll our my me so do if then than there here what which how like please just also all any more new up out one
let's get""".split())


#: a thing's own name (`tools.kinds.NAMED_BY`): "the name of your PDF", not "your PDF name" (a user's is
#: their user name)
_THING_NAME = re.compile("(?:" + "|".join(sorted(set(NAMED_BY) - {"user"})) + ")_name")


def asked_for(keys: list[str]) -> str:
    """What the assistant asks for, with the determiner a person would use: "your email and the reason";
    free text the user writes is "a short summary"."""
    named = [f"a short {words(k)}" if FREE_TEXT.fullmatch(k) else
             "the ID of the {} it's {}".format(*moved(k)) if moved(k) else
             f"the name of your {words(k[:-5])}" if _THING_NAME.fullmatch(k) else
             f"{'your' if _PERSONAL.search(k) or k.endswith('_id') or k == 'id' else 'the'} {words(k)}" for k in keys]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def ask(rng: random.Random, keys: list[str], more: bool, action: str, booleans: frozenset[str],
        counts: dict[str, str] | None = None, *, lead: bool = True, finds: frozenset[str] = frozenset(),
        record: str = "", helps: bool = False) -> str:
    """The question for what the request still needs: a yes/no setting as an on-or-off question
    (never "what's the new overdraft protection?"), a count as how many (`counts`: key -> "how
    many bags"), a fact about the user with why it is needed, the first question of a request led
    in by what the assistant will do (`action`, unless not to `lead`: then it only says why), a
    later one (`more`) by thanks. `finds`: what the find tools take, the only facts asked "to find
    your records"; `record`: the noun of the record the request is about ("computer"). `helps`: the
    request's steps are the customer's to take (a guided how-to), so a lead-in says the assistant
    helps them ("I can help you build a hotel."), never that it does it ("Sure, I can build a hotel
    for you.", `B.HELPS`)."""
    what = asked_for(keys)
    leads = (B.ASK_FOR_LEAD.keep(B.HELPS.search), *B.ASK_FOR[1:]) if helps else B.ASK_FOR
    ask_bank = (B.kept(B.ACK, lambda a: not B.DOES.search(a)), *B.ASK[1:]) if helps else B.ASK
    own = _own_record(action, record)
    if len(keys) == 1 and keys[0] in (counts or {}):
        bank = B.ASK_COUNT if own else [q for q in B.ASK_COUNT if "{record}" not in q]
        return pick(rng, bank, n=counts[keys[0]], record=f"your {own}" if own else "it")  # type: ignore[index]
    if len(keys) == 1 and keys[0] in booleans:
        lead = pick(rng, B.ASK_MORE[0]) if more else pick(rng, leads[0], action=brief(action)) if action \
            else pick(rng, ask_bank[0])
        return f"{lead} {pick(rng, B.ASK_ON_OFF, x=what)}".strip()
    why = _why(rng, keys, own, finds)
    if more:
        text = pick(rng, _asks(B.ASK_MORE if not why else B.ASK_MORE[:1] + B.ASK_MORE[2:], what), x=what)
    elif action and lead and rng.random() < 0.5:
        text = pick(rng, _asks(leads, what), x=what, action=brief(action))
    else:
        text = pick(rng, _asks(ask_bank, what), x=what)
    return f"{text} {why}".strip()


def _asks(bank: tuple[list[str], ...], what: str) -> tuple[list[str], ...]:
    """The bank's questions that fit `what`: "what's a short summary?" asks nothing, so something
    the assistant files from the user's words ("a short summary") is asked for as what it is about
    (`B.ASK_NOTE`); a record's
    ID names a record that exists, so it is never "what would you like your account ID to be?", and
    who the user is is not theirs to choose ("what would you like your email to be?")."""
    questions = bank[-1]
    if what.startswith("a "):
        questions = B.ASK_NOTE
    names_a_record = what.endswith(" ID") or what.startswith("the ID of ")
    if names_a_record or (_WHO_ASKED.search(what) and " new " not in f" {what} "):  # nor "your email to be?"
        questions = B.kept(questions, lambda q: "to be?" not in q)
    return bank if questions == bank[-1] else (*bank[:-1], questions)


# who the user is, asked for: theirs to give, not to choose
_WHO_ASKED = re.compile(r"\b(?:email|phone|(?:first |last |user)?name|date of birth|zip)\b")
_OWN_RECORD = re.compile(r"\byour (?:other )?((?:[a-z]+ ){0,2}?[a-z]+?)(?= [A-Z]{2,}-\d|[.,;]|\s+(?:to|from|for|on|with|because|and|by)\b|$)")


def _own_record(action: str, record: str = "") -> str | None:
    """The customer's record the action names ("card" of "freeze your card CRD-1", "profile picture"
    of "hide your profile picture on Facebook"), up to the `record` noun where the words go on with
    what becomes of it ("computer" of "make your computer run faster"); None for a person or none."""
    own = _OWN_RECORD.search(action)
    if own is None or _PERSON.match(own.group(1)):
        return None
    said = own.group(1).split()
    noun = record.split()[-1] if record.split() else ""
    return " ".join(said[:said.index(noun) + 1] if noun in said else said)


def _why(rng: random.Random, keys: list[str], own: str | None = None, finds: frozenset[str] = frozenset()) -> str:
    """Why the facts asked for are needed, when the assistant can say it truly: who the user is
    finds their records (`own`, the one the request names: "your card") when a find tool takes it
    (`finds`; a shipping address or a business name a step needs finds nothing), a record's number
    picks the right one."""
    if all(_IDENTITY.search(k) and not k.startswith("new_") and k in finds for k in keys):
        records = f"your {own}" if own else "your records"
        return pick(rng, B.WHY_PERSONAL, records=records) if rng.random() < 0.7 else ""
    if len(keys) == 1 and keys[0].endswith("_id"):
        return pick(rng, B.WHY_RECORD, noun=moved(keys[0])[0] if moved(keys[0]) else words(keys[0][:-3]))
    return ""


def reason_text(message: str, values: list[str], rng: random.Random | None = None,
                named: list[tuple[str, Any, str]] | None = None, of: str = "") -> str:
    """A rule's text as a reason: markdown dropped, codes in words, instructions to staff ("Check
    that ...") left out when the values that break the rule are said instead, each for what its
    field means when the field is known (`named`: (field, value, record): "It already has 2
    renewals", not "It's 2"; "Your account ACC-1 is currently frozen." where the record needs
    naming; `of`: the noun of the record the refusal is of, which a date of it is said of)."""
    # names in words first, so the markdown below never reads "update_account_x" as emphasis
    clean = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", lambda m: m.group(0).replace("_", " "), message)
    clean = _MD.sub(r"\1", clean).strip()
    clean = addressed(clean)  # said to the customer: "needs your identity to be verified"
    # as a person says it: "A frozen card can't be changed", not "A card that is frozen cannot be changed"
    sentences = [as_said(s.strip()) for s in re.split(r"(?<=[.!?])\s+", clean) if s.strip()]
    kept = ([s for s in sentences if not _GUIDE.match(s)] or sentences) if values else sentences
    text = smooth(" ".join(kept).rstrip(".") + ".")
    if named and rng:  # a status or a state the rule's own words give ("this order is pending", "this
        # contact hasn't been verified yet") is not said again, but which record it is of is
        for k, v, ref, _ in _grouped(named):
            if ref and isinstance(v, bool) and _is_denied(text, k):
                text = _this_one(text, ref)
        return smooth(" ".join([text, *(_breaking(rng, k, v, ref, many, of) for k, v, ref, many in _grouped(named)
                                        if not (k.lower().endswith(("status", "state")) and _is_told(text, v))
                                        and not (v is False and _is_denied(text, k)))]))
    if values and not all(_is_told(text, v) for v in values):
        said = " and ".join(when_words(spoken("", v)) for v in values)
        text += " " + (pick(rng, B.SHOWS, values=said) if rng else f"Right now it shows as {said}.")
    return smooth(text)


def _this_one(text: str, ref: str) -> str:
    """"This contact hasn't been verified yet." said of the one meant (`ref`: "contact Daniel Dunn"):
    "Your contact Daniel Dunn hasn't been verified yet." """
    noun = ref.split(" ", 1)[0]
    return re.sub(rf"\b([Tt])his {re.escape(noun)}\b", lambda m: ("Your" if m[1] == "T" else "your") + f" {ref}",
                  text, count=1)


def _is_told(text: str, value: Any) -> bool:
    """Whether a rule's text already says the record "is <value>" ("... this order is pending")."""
    return re.search(rf"\b(?:(?:this|your) [\w ]{{1,20}} is|it is|it's) {re.escape(when_words(spoken('', value)))}(?![\w-])",
                     text, re.IGNORECASE) is not None


def _is_denied(text: str, field: str) -> bool:
    """Whether a rule's text says a yes/no field does not hold ("... hasn't been verified yet", "...
    is not accepting patients"), as a refusal's reason states it."""
    return re.search(rf"(?:\bnot|n't|\bnever)\b(?: \w+){{0,2}} {re.escape(words(field).lower())}\b", text.lower()) is not None


def _grouped(named: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str, bool]]:
    """`named` with the records of one kind that show one value said together ("transactions
    TRN-1, TRN-2 and TRN-3", a rule's pending ones), marked as many."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for k, v, ref in named:
        noun, _, key = ref.rpartition(" ")
        groups.setdefault((k, str(v), noun if noun else ref), []).append(key if noun else "")
    out = []
    for (k, v, noun), keys in groups.items():
        keys = list(dict.fromkeys(keys))
        value = next(x for n, x, _ in named if n == k and str(x) == v)
        many = len(keys) > 1 and all(keys)
        out.append((k, value, f"{plural(noun)} {joined(keys)}" if many else f"{noun} {keys[0]}".strip(), many))
    return out


def _breaking(rng: random.Random, name: str, value: Any, record: str = "", many: bool = False, of: str = "") -> str:
    """A record value that breaks a rule, said for what its field means: a status as what the record
    is (named, "Your account ACC-1 is currently frozen.", when `record` says which; `many` records
    named at once: "Your transactions TRN-1 and TRN-2 are currently pending."), a count as how many
    it already has, anything else as a fact ("The balance comes to $40"); a date of the record the
    refusal is of (`of`: its noun, where no `record` is named) names it ("Your line was last renewed on ...")."""
    if name.lower().endswith(("status", "state")) and isinstance(value, str):
        said = when_words(spoken(name, value))
        return pick(rng, B.SHOWS_OF_MANY if many else B.SHOWS_OF, record=record, values=said) if record \
            else pick(rng, B.SHOWS, values=said)
    if is_count(name, value):
        return pick(rng, B.ALREADY, c=counted(name, value))
    if isinstance(value, bool):
        return _yes_no(rng, name, value, plain=True)
    # after the rule: "that" or "it" could be of what it says ("... the plan was changed on ... It was last renewed")
    noun, _, key = record.rpartition(" ")  # "line LINE-1", not "contact Daniel Dunn"
    return fact(rng, name, value, after_write=False, first=False,
                of=noun if not many and re.search(r"-\d", key) else "" if record else of)


def refuse(rng: random.Random, what: str, error: str, values: list[str],
           named: list[tuple[str, Any, str]] | None = None, *, looked: bool = True) -> str:
    """A refusal that names the action and cites the rule (and the values that break it); "I
    checked, and ..." only where something was `looked` up since the customer's last message."""
    leads = B.REFUSE_LEAD if looked else at_hand(B.REFUSE_LEAD)
    lead, body = rng.choice(voiced(rng, leads)), rng.choice(voiced(rng, B.REFUSE_BODY)).format(action=what)
    of = re.search(r"\byour ([a-z]+) [A-Z]{2,}-\d", what)  # "change the plan of your line LINE-1": "line"
    reason = reason_text(error, values, rng, named, of.group(1) if of else "")
    # "That's because ..." only of a statement ("a frozen card can't be changed"), never of an
    # instruction ("If you recently returned a purchase, wait ...")
    stated = reason.split(" ", 1)[0].lower().strip(",") in _STATES
    why = pick(rng, B.REFUSE_WHY if stated else B.REFUSE_WHY_AS_IS, reason=reason, after_colon=_after_colon(reason))
    return f"{smooth(f'{lead} {body}')} {why}"


_STATES = frozenset("a an the only this that these those your you you're it its it's there each every no any all "
                    "our we pending".split())


def _after_colon(sentence: str) -> str:
    """A sentence said after a colon goes on in lower case: "The rule is: a card that is frozen ...",
    "That didn't work: the booking ..." (only a word that is never a name is lowered: an article,
    a pronoun, a function word; never "I", an id, an acronym or a word that may name a thing: "Gold
    members ...")."""
    first, _, rest = sentence.partition(" ")
    return f"{first.lower()} {rest}" if first in _LOWERED and rest else sentence


_LOWERED = frozenset(("A An The Only There This That These Those Its It It's Your You You're Our We We're They "
                      "Their Each Every All Any Some No None Not Nothing Neither If When Once After Before Until "
                      "Unless While Please Sorry Unfortunately Something Someone Too More Most Less To Pending").split())
_AFTER_COLON = re.compile(r": \{(\w+)\}")


def declined(rng: random.Random) -> str:
    """The user said no: the assistant holds off, and says nothing changed unless it just did."""
    held = rng.choice(voiced(rng, B.DECLINED))
    after = B.LATER if re.search(r"\b(?:change|leave|as it is|as they are)", held) else B.UNCHANGED
    return smooth(" ".join(p for p in (held, rng.choice(voiced(rng, after))) if p))


_THANKS = re.compile(r"\bthank", re.IGNORECASE)
_GOES_ON = re.compile(r"(?:Next|From here|Now|So|Right then|I'll now|I will now|I shall now|I can now)\b")
"""A confirmation that goes on from something said before it ("Next, I'll ...", "So I'll ...")."""


def confirm(rng: random.Random, what: str, args: dict[str, Any], secret: re.Pattern,
            seen: list[dict[str, Any]] | None = None, guidance: list[str] | None = None, *,
            told: str = "", again: bool = False, owner: str = "", who: Any = None, how_to: int = 0,
            yours: frozenset[str] = frozenset(), due: Sequence[tuple[str, float]] = (),
            moved: Sequence[tuple[str, float, float]] = (), waits: Sequence[tuple[str, Any, Any]] = (),
            before: Sequence[str] = (), given: bool = True, only: str = "",
            terms: Sequence[tuple[str, Any]] = ()) -> str:
    """The confirmation before a write: what will happen in words, the values that matter that the
    action has not said yet, what the record read shows (`seen`: records read so far, so the user
    can tell it is the right one), what a quote read for this very call says it costs (`quoted`),
    the fees it works out for this record (`due`: (name, amount); "There's an early closure fee of $15
    on this one", "No early closure fee applies to this one"), the amounts it moves besides (`moved`:
    (name, new, old); "That takes the monthly fee up to $25.72."), the changes it leaves waiting
    (`waits`: (field, value, from when); "The switch to basic 5gb would start on February 11, 2025."),
    what the service's text says about a fee or a refund for it (`guidance`; when the chat so far,
    `told`, has it already: that it still holds), what it says happens besides in this request's
    case ("For fraud, we'll also freeze the card": said each time, it is this request's
    consequence), and a yes/no question on its own. `owner`: the key of the customer's own
    profile ("customer_id"), which is never described to them; `who`: the customer's own id (their
    name is theirs, not one of other customers a long reply lists). Asked `again` (the user changed a
    value at the first asking): the action as it is now, without the record and the terms said the
    first time. `terms`: (field, value) of what the catalog entry the call takes costs and asks,
    read for it ("Its monthly fee is $0 and its minimum opening deposit is $25."). `how_to`: the
    action is a how-to guide's title (what the customer asked for,
    never "the next step is to" it), of this many steps confirmed at once; 0 for another action.
    `yours`: ids of records that are the customer's only one of their kind, found through them
    ("your zapdos", not its number, or nothing where that is all there is to say). `before`: the
    assistant's earlier messages (a record they described is not described again, `describe`; none:
    the chat's first reply, which goes on from nothing). `given`: whether the customer has told
    anything the request needs (else nothing is thanked for: a signed-in customer's bare request).
    `only`: that the record is the only one of theirs the change fits (`only_fitting`), said first,
    in place of a lead ("Thanks, Ana. Of your 4 accounts, only ACC-2 (...) can be closed. I'll ...")."""
    if again:
        extra = details(args, secret, said=what, names=own_names(seen or []), yours=yours)
        return " ".join(p for p in (pick(rng, B.CONFIRM_AGAIN, action=what), extra, question(rng, what)) if p)
    seen = seen or []
    said_as = what
    note = _noted(args, what)  # "..., with a note that you'd like to talk to someone about it": one sentence
    if note is not None:
        said_as = f"{what}, with a note {note[1]}"
        args = {k: v for k, v in args.items() if k != note[0]}
    # the customer's own first name, not their doctor's read in the same request (whose is whose is
    # unknown without `owner`: then only when one name was read)
    firsts = [r["first_name"] for r in seen if isinstance(r.get("first_name"), str)
              and (not owner or own_key(r) == owner and (who is None or r.get(owner) == who))]
    first = firsts[0] if firsts and (owner or len(set(firsts)) == 1) else None
    lead = pick(rng, B.BY_NAME, first=first) if first and rng.random() < 0.4 else ""
    bodies = B.CONFIRM_BODY_STEPS if how_to > 1 else B.CONFIRM_BODY_HOW_TO if how_to else B.CONFIRM_BODY
    # the chat's first reply goes on from nothing; thanks are for what the customer has told
    bodies = bodies if before else bodies.keep(lambda x: not _GOES_ON.match(x))
    leads = B.CONFIRM_LEAD if given else B.CONFIRM_LEAD.keep(lambda x: not _THANKS.search(x))
    body = pick(rng, (bodies,) if lead or only else (leads, bodies), action=said_as)
    # a record the action names ("open a new Navy Blue account", "for one in navy, size M"): its number adds nothing
    named = {str(v) for r in seen if _named_in(r, what.lower()) for k, v in r.items() if k.endswith("_id")}
    extra = details({k: v for k, v in args.items() if not (k.endswith("_id") and str(v) in named)}, secret, said=what,
                    names=own_names(seen), yours=yours)
    quote = quoted(args, seen)
    described = describe(rng, args, [r for r in seen if r is not quote], secret, said=what, owner=owner, yours=yours,
                         before=before)
    priced = price(rng, quote) if quote else ""
    cases = [g for g in guidance or [] if for_one_case(g)]
    free = bool(due) and not any(amount for _, amount in due)  # no fee to pay: how one is taken is moot
    costs = [g for g in guidance or [] if _COSTS.search(g) and g not in cases and not (free and _FEES.search(g))]
    fresh = [g for g in costs if not told_before(g, told)]
    terms_said = guide(rng, fresh) or (rng.choice(B.SAME_FEES if any(_FEES.search(g) for g in costs) else B.SAME_TERMS)
                                       if costs else "")
    fees = [fee_due(rng, name, amount) for name, amount in due]
    fees += [pick(rng, B.MOVED_UP if new > old else B.MOVED_DOWN, x=words(name), v=money(new))
             for name, new, old in moved]
    later = [waiting(rng, name, value, start) for name, value, start in waits]
    return " ".join(p for p in (lead, only, body, extra, described, priced, its_terms(terms), *cases, *fees,
                                *later, terms_said, question(rng, what, body)) if p)


def its_terms(terms: Sequence[tuple[str, Any]]) -> str:
    """What a catalog entry costs and asks, as its details read ("Its annual fee is $0.00 and its
    variable APR is 20.49%.")."""
    parts = [f"its {words(name)} is {spoken(name, value)}" for name, value in terms if value not in (None, "")]
    if not parts:
        return ""
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return said[:1].upper() + said[1:] + "."


def waiting(rng: random.Random, name: str, value: Any, start: Any, made: bool = False) -> str:
    """A change left waiting for a date, with when it starts: one the write would leave ("The switch
    to basic 5gb would start on February 11, 2025."), or, `made`, has left ("Your plan changes to
    basic 5gb on February 11, 2025.")."""
    return pick(rng, B.PENDING if made else B.PENDING_AHEAD, x=words(name), v=spoken(name, value),
                d=spoken(f"{name}_starts_on", start))


def fee_due(rng: random.Random, name: str, amount: float) -> str:
    """A sum this very change costs (`prechecks.sums_due`): a fee, or that none applies ("The early
    closure fee for this one comes to $15."), what the change charges ("There's $998.54 to pay for
    the change.", "You'll get $120.00 back for the change."), or what a record it makes costs in
    all ("That comes to $1,385.09 in total.")."""
    if CHARGED.match(name):
        if amount < 0:
            return pick(rng, B.CHARGE_BACK, v=money(-amount))
        return pick(rng, B.CHARGE_DUE, v=money(amount)) if amount else pick(rng, B.CHARGE_NONE)
    if TOTAL.search(name):
        return pick(rng, B.TOTAL_DUE, v=money(amount))
    said = words(name)
    if not amount:
        return pick(rng, B.FEE_NONE, name=said)
    return pick(rng, B.FEE_DUE, name=said, v=money(amount))


def _noted(args: dict[str, Any], what: str) -> tuple[str, str] | None:
    """(the argument, how the action goes on with it) for the one note the user wrote for a
    colleague (a handoff's summary): in their words turned to the assistant's ("that you'd like to
    talk to someone about it", the record the action names being "it"), or quoted when it is not one
    sentence of their own ('saying "Charge at Acme not mine"'); None when there is none."""
    notes = [(k, v) for k, v in args.items() if FREE_TEXT.search(k) and not (k == "id" or k.endswith("_id"))
             and isinstance(v, str) and v.strip()]  # a message's id is no note
    if len(notes) != 1:
        return None
    key, text = notes[0]
    text = text.strip()
    if (told := _OF_THE_CUSTOMER.match(text)) and not re.search(r"[.!?]\s+\S|\"", text):
        # the assistant's own note on the customer, said to them as theirs ("that you were about to ...")
        # the customer is "you" all through: "... because they don't need it" said "because you don't need it"
        # (not where "them" is the customer after someone else's "they": "because they sent them the wrong item")
        rest, colon, rule = told.group(2).rstrip(".!").partition(": ")  # (after a colon: the service's rule,
        # whose "they" is not the customer: "pending transactions can't be disputed; wait until they post")
        # (a "them" with no "they" before it is the customer: "what the doctor told them at their visit")
        rest = rest if re.search(r"\bthey(?:'\w+)?\b.*\bthem\b", rest) \
            else _THEY_WORDS.sub(lambda m: _THEY_YOU[m[0].lower()], rest)
        rest += colon + rule
        rest = re.sub(r"\bwants to\b", "want to", rest)
        rest = re.sub(r"\b(but|and) was\b", r"\1 were", rest)
        return key, f"that you {_TO_YOU.get(told.group(1), told.group(1))} {rest}"
    if not _FIRST_PERSON_START.match(text) or re.search(r"[.!?]\s+\S|\"", text):
        return key, f'saying "{text.rstrip(".")}"'
    said = _FIRST_PERSON.sub(lambda m: _TO_SECOND[m.group(0).lower()], text.rstrip(".!"))
    said = re.sub(r"\byou would\b", "you'd", said)
    if said.startswith("you "):  # the same subject goes on: "you wanted ... but were told no"
        said = re.sub(r"\b(but|and) was\b", r"\1 were", said)
    # the record the action names ("your visit VST-1", or "your visit" alone) is "it"
    said = re.sub(r"\byour ((?:[a-z]+ ){1,2})([A-Z]{2,5}-\d+)\b",
                  lambda m: "it" if m.group(2) in what or re.search(rf"\byour {m.group(1).strip()}\b", what) else m.group(0),
                  said)
    return key, f"that {said}"


_THEY_YOU = {"they": "you", "them": "you", "their": "your", "theirs": "yours", "they're": "you're",
             "they've": "you've", "they'd": "you'd", "they'll": "you'll", "themselves": "yourself"}
_THEY_WORDS = re.compile(r"\b(?:" + "|".join(sorted(_THEY_YOU, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_FIRST_PERSON_START = re.compile(r"^I(?:'m|'d|'ve|'ll)?\s")
_OF_THE_CUSTOMER = re.compile(r"^The customer (was|wanted|wants|is|has|had|needs|does|would|did)\s+(.+)$")
_TO_YOU = {"was": "were", "wants": "want", "is": "are", "has": "have", "needs": "need", "does": "do"}
_THIRD = {"i'm": "is", "i'd": "would", "i've": "has", "i'll": "will", "am": "is", "have": "has", "do": "does",
          "don't": "doesn't"}
_UNCHANGED = re.compile(r"^(?:\w*[^e]ed|was|wasn't|would|could|can|can't|cannot|will|won't|should|must|might|may|did"
                        r"|didn't)$")


def of_customer(note: str) -> str:
    """A note the customer wrote in the first person, as the colleague reading it is told of them
    ("I need help with my booking BKN-1" -> "The customer needs help with their booking BKN-1");
    `note` unchanged when it does not start with "I"."""
    m = re.match(r"^(I'm|I'd|I've|I'll|I)\s+(\S+)", note)
    if m is None:
        return note

    def agreeing(verb: str) -> str:  # the verb of "the customer", or of "I" left implicit ("but want to")
        low = verb.lower()
        if low in _THIRD:
            return _THIRD[low]
        if _UNCHANGED.match(low) or not low.isalpha():
            return verb
        return low[:-1] + "ies" if re.search(r"[^aeiou]y$", low) else low + "es" if re.search(r"(?:s|sh|ch|x|o)$", low) \
            else low + "s"
    if m.group(1) == "I":
        head = f"The customer {agreeing(m.group(2))}"
    else:
        head = f"The customer {_THIRD[m.group(1).lower()]} {m.group(2)}"
    rest = note[m.end():]
    rest = re.sub(r"\b(but|and) (want|need|have|do|am)\b", lambda x: f"{x.group(1)} {agreeing(x.group(2))}", rest)
    rest = re.sub(r"\bI(?:'m)\b", "they're", rest)
    rest = re.sub(r"\bI was\b", "they were", rest)
    rest = re.sub(r"\bI\b", "they", rest)
    rest = re.sub(r"\b(?:my|mine|me|myself)\b",
                  lambda x: {"my": "their", "mine": "theirs", "me": "them", "myself": "themselves"}[x.group(0)], rest)
    return head + rest
_TO_SECOND = {"i": "you", "i'm": "you're", "i'd": "you'd", "i've": "you've", "i'll": "you'll", "i am": "you are",
              "i was": "you were", "i wasn't": "you weren't",
              "me": "you", "my": "your", "mine": "yours", "myself": "yourself"}
_FIRST_PERSON = re.compile(r"\b(?:I am|I was|I wasn't|I'm|I'd|I've|I'll|I|me|my|mine|myself)\b(?!-)", re.IGNORECASE)


def quoted(args: dict[str, Any], seen: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The read that priced this very call, if one did: a reply that is no record (no id) and
    repeats every argument of it but the ids (a quote for extending to January 20), the latest."""
    given = {k: v for k, v in args.items() if not (k == "id" or k.endswith("_id"))}
    for record in reversed(seen):
        if given and own_key(record) is None and all(k in record and record[k] == v for k, v in given.items()):
            return record
    return None


_PRICE = ["The {c} come to {cost}, at {rate}.", "At {rate}, the {c} come to {cost}.",
          "That's {c} at {rate}: {cost} in all."]


def price(rng: random.Random, quote: dict[str, Any]) -> str:
    """What a quote says the call costs ("The 3 extra days come to $141.78, at your $47.26 daily
    rate."): its count and its last amount, at its other amount; "" without both."""
    count = next(((k, v) for k, v in quote.items() if is_count(k, v)), None)
    money = [(k, v) for k, v in quote.items() if is_money(k, v)]
    if count is None or len(money) < 2:
        return ""
    said = pick(rng, _PRICE, c=counted(*count), cost=spoken(*money[-1]), rate=f"your {spoken(*money[0])} {words(money[0][0])}")
    return said.replace(" come to", " comes to") if count[1] == 1 else said


def told_before(sentence: str, told: str) -> bool:
    """Whether the service's `sentence` was said earlier in the chat, alone or as one row of its
    table said with the others (`guide` joins rows on their first words)."""
    head = " ".join(sentence.split()[:_ROW_HEAD]).lower()
    return head in told.lower()


# verbs whose object an "it" names plainly ("close it", "freeze it"; not "pass it", "transfer it")
_IT_VERBS = frozenset("freeze unfreeze close cancel change update renew block unblock remove reschedule submit "
                      "suspend replace lock unlock reactivate extend return delete dispute upgrade downgrade".split())


def question(rng: random.Random, what: str, said: str = "") -> str:
    """The yes/no question closing a confirmation: half the time in the action's own verb ("Do
    you want me to freeze it?") where "it" names its object plainly, else a plain one; never
    "Please confirm." after a lead that `said` it already ("Once you confirm, I'll ...")."""
    verb = what.split(" ", 1)[0].lower()
    # (once every "Do you want me to change it?" of the style is said, a plain short one: never one said twice)
    if verb in _IT_VERBS and rng.random() < 0.5 \
            and any(not _stale(rng, a, a.format(verb=verb)) for a in voiced(rng, B.QUESTION_VERB)):
        obj = re.match(r"\S+ (?:your|the|my) (\w+(?: \w+)?)", what)
        person = obj is not None and (PEOPLE.match(obj.group(1)) or PEOPLE.match(obj.group(1).split()[0]))
        asked = pick(rng, B.QUESTION_VERB, verb=verb)
        return re.sub(r"\bit\b", "them", asked) if person else asked  # "block them", not "block it"
    return pick(rng, B.kept(B.QUESTION, lambda q: "confirm" not in q) if "confirm" in said.lower() else B.QUESTION)


_COSTS = re.compile(r"\b(?:fees?|charged?|refund(?:ed)?|cost|prices?)\b", re.IGNORECASE)
_FEES = re.compile(r"\bfees?\b", re.IGNORECASE)
_LOWER_START = re.compile(r"^(?:The|We|We'll|You|You'll|Your|If|Once|When|After|It|This|Each|All|Any|A|An)\b")


def guide(rng: random.Random, sentences: list[str]) -> str:
    """One of the service's own sentences (already in the agent's voice), sometimes led in. A
    sentence that is one row of a table ("The early closure fee is $15 if closed within 30 days",
    "... $25 if closed within 60 days") is said with its rows together, so no tier is told alone."""
    if not sentences:
        return ""
    sentence = _with_rows(rng.choice(sentences), sentences)
    lead = rng.choice(voiced(rng, B.GUIDE_LEAD))
    if lead and _LOWER_START.match(sentence):
        return f"{lead} {sentence[:1].lower()}{sentence[1:]}"
    return sentence


_ROW_HEAD = 5  # words two rows of one table share ("The early closure fee is")


def _with_rows(sentence: str, sentences: list[str]) -> str:
    """`sentence` with the other rows of its table (up to four), joined on what they share."""
    head = sentence.split()[:_ROW_HEAD]
    rows = [x for x in sentences if x.split()[:_ROW_HEAD] == head]
    if not 2 <= len(rows) <= 4 or len(head) < _ROW_HEAD:
        return sentence
    tails = [" ".join(x.split()[_ROW_HEAD:]).rstrip(".") for x in rows]
    return f"{' '.join(head)} {joined(tails)}."


_OWN_NAME = ("first_name", "last_name", "full_name")


def _names_field(key: str, action: str) -> bool:
    """Whether an action names a field of its record by the field's name ("remove the extra fee from
    your order" of `extra_fee`): what it holds is what the change is about, said by what follows
    ("That takes $12 off what you pay."), not a detail that tells the record apart."""
    return compiled(rf"\bthe {re.escape(words(key).lower())}\b").search(action.lower()) is not None


def describe(rng: random.Random, args: dict[str, Any], seen: list[dict[str, Any]], secret: re.Pattern,
             said: str = "", owner: str = "", yours: frozenset[str] = frozenset(), before: Sequence[str] = ()) -> str:
    """A sentence on the record a call targets, from what was read, so the user can tell it is the
    right one: a noun phrase built from up to three of its short facts that the call does not set
    ("your active debit card ending in 4782, with a $1,398.61 spending limit"; another person by
    their name: "your active user called Allen Davis"), then what a field the call sets holds now
    ("Right now, the cabin is business."). The customer's own profile (`owner`, its key) is not
    described to them; without an `owner`, no record with a person's name is; nor the customer's
    only record of its kind (`yours`) by its status alone ("For reference, it's the active unit."); nor
    a record a message `before` named and described so ("That's your open savings account, with an
    $11,313.27 balance." at the second change of the account)."""
    for name, value in args.items():
        if not (name == "id" or name.endswith("_id")):
            continue
        record = next((r for r in seen if r.get(name) == value and len(r) > 2 and own_key(r) == name), None)
        # what the call changes as the latest read that holds all of it shows it ("Right now, the address is ...")
        holding = next((r for r in seen if r.get(name) == value and own_key(r) == name
                        and all(k in r for k in args)), record)
        if record is not None and name == owner:  # their profile is not described to them, only what it holds
            return _now(rng, args, holding, secret)
        if record is None or not owner and any(k in record for k in _OWN_NAME):
            continue  # a person is not described to themselves by their own name
        entry = not any(k != name and (k == "id" or k.endswith("_id")) for k in record)  # a catalog's, no one's
        if entry and _entry_name(record) is not None:
            return _terms(record)  # a named catalog entry (a product, a plan) is no one's: its terms, not "your ..."
        # a status that only says it is its parent's ("ordered" of an order's item) tells nothing (an
        # item read inside its order's reply does not repeat the order's id: any record seen may name it)
        of_parent = {participle(k[:-3].split("_")[-1]) for r in (record, *seen) for k in r
                     if k.endswith("_id") and k != name}
        facts = [(k, v) for k, v in record.items()
                 if not (k in args or k == "id" or k.endswith("_id") or secret.search(k)
                         or k == "progress"  # how far a procedure's steps got: its bookkeeping, no description
                         or isinstance(v, (bool, dict, list)) or v in (None, "") or v in of_parent
                         or not _SHORT.match(str(v))
                         or re.search(r"\d", k) and not _LAST_DIGITS.search(k)
                         or said and _in_words(k, v, said)  # not what the action says already
                         or said and _names_field(k, said))]  # nor the field it acts on ("remove the extra fee")
        # what tells it apart (its kind, number, dates, amounts, what is left of it: "36 seats left"); a
        # tally of its past ("5 failed logins", "1 freeze this year") only where nothing else does
        facts = ([f for f in facts if not is_count(*f) or left_of(f[0])] or facts)[:3]
        if str(value) in yours and all(k.endswith(("status", "state")) for k, _ in facts):
            facts = []  # their only one: its status does not tell it apart from anything
        noun = words(name[:-3]) if name.endswith("_id") else "record"
        frames = B.kept(B.DESCRIBE, lambda f: "your" not in f) if entry else B.DESCRIBE  # "the flight", not "your"
        said_as = record_phrase(noun, facts) if facts else ""
        if said_as and any(smooth(said_as) in m and str(value) in m for m in before):
            said_as = ""
        if entry and said_as.startswith(f"{noun}, with "):  # only figures: "The flight has a price of $139.83."
            phrase = f"The {said_as.replace(', with ', ' has ', 1)}."
        else:
            phrase = pick(rng, frames, phrase=said_as) if said_as else ""
        return " ".join(p for p in (phrase, _now(rng, args, holding, secret)) if p)
    return ""


def _in_words(name: str, value: Any, text: str) -> bool:
    """Whether `text` already says this value (as written, or a date in words)."""
    low = text.lower()
    return any(w and w.lower() in low for w in {str(value), spoken(name, value), when_words(str(value))}
               if len(str(w)) >= 3)


def _named_in(record: dict[str, Any], what: str) -> bool:
    """Whether `what` (lower case) names the record: by its entry name, or by a description of
    several parts it holds ("navy, size M", a variant's option)."""
    name = _entry_name(record)
    return (isinstance(name, str) and name.lower() in what) or any(
        isinstance(v, str) and ", " in v and not k.endswith("_id") and v.lower() in what for k, v in record.items())


def _entry_name(record: dict[str, Any]) -> str | None:
    """What a catalog entry is called by ("name", "title", a plan's own "plan_name"; not the plan
    name a membership is on), or None."""
    own = own_key(record) or ""
    key = next((k for k in record if names_entry(k, own[:-3] if own.endswith("_id") else "")), None)
    return record[key] if key is not None and isinstance(record[key], str) else None


def entry_names(records: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the catalog entries among `records`, by their key's value ({"PRD-1": "Navy Blue"})."""
    named = {}
    for r in records:
        own, name = own_key(r), _entry_name(r)
        if own and name and r.get(own) is not None:
            named[str(r[own])] = name
    return named


def _terms(entry: dict[str, Any]) -> str:
    """What a catalog entry's figures say before one is taken ("The Harbor Everyday Saver Account has
    an annual percentage yield of 2.25% and a monthly fee of $0."; "The Premium plan has a price of
    $27.32."; "The deluxe room has ..."), or nothing without figures."""
    name = _entry_name(entry) or ""
    figures = [(k, v) for k, v in entry.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)
               and re.search(r"\d", str(v)) and v != name and not (k == "id" or k.endswith("_id"))][:3]  # "24hour help-desk"
    if not figures:
        return ""
    noun = next((k[:-5] for k in entry if k.endswith(("_name", "_type")) and entry[k] == name), "")  # "the deluxe room"
    called = f"{name} {noun}" if noun and not name.lower().endswith(noun) else name
    # "The Long Way North", once; a work is named by its title alone ("Winter at Larkspur has ...")
    the = "" if called.lower().startswith("the ") or any(_WORK.match(k) for k in entry) else "The "
    return smooth(f"{the}{called} has {joined([_figure(k, v) for k, v in figures])}.")


#: the key of a work, which is named by its title without an article ("I found Winter at Larkspur.")
_WORK = re.compile(r"^(?:title|book|film|movie|album|song|episode|podcast)_id$")


def _figure(name: str, value: Any) -> str:
    """"an annual fee of $0", but a count as one: "no copies available", "11 rooms left"."""
    if isinstance(value, int) and not is_money(name, value):
        return f"{value or 'no'} {words(name)}"
    said = words(name)
    if re.fullmatch(r"\d+(?:\.0+)?", str(value)) and re.search(r"[^s]s$", said) and not is_money(name, value):
        return f"{int(float(value))} {said}"  # "35 supported currencies", never "a supported currencies of 35"
    return f"a {said} of {spoken(name, value)}"


def _now(rng: random.Random, args: dict[str, Any], record: dict[str, Any], secret: re.Pattern) -> str:
    """What the one plain field the call sets shows before it, when the record read holds another
    value ("Right now, the plan name is Basic."): the user sees the change from what to what."""
    changed = [(k, record[k]) for k, v in args.items()
               if not (k == "id" or k.endswith("_id") or secret.search(k)) and k in record
               and not isinstance(record[k], (bool, dict, list)) and record[k] not in (None, "")
               and _SHORT.match(str(record[k])) and render(record[k]) != render(v)]
    if len(changed) > 1 and _STREET.match(changed[0][0]) and all(isinstance(v, str) for _, v in changed):
        # a street with its parts, said whole as the change will be ("12 Oak St, Springfield 12345")
        changed = [(changed[0][0], f"{changed[0][1]}, " + " ".join(str(v) for _, v in changed[1:]))]
    if len(changed) != 1:
        return ""
    name, value = changed[0]
    v = spoken(name, value)
    if is_count(name, value):
        said = f"it has {none_of(name) if value == 0 else counted(name, value)}"  # "it has no bags"
    elif _DATE_SAID.match(v):  # a date or a moment: when it is set for
        said = f"it's set for {v}"
    else:
        said = f"the {words(name)} is {v}"
    return pick(rng, B.NOW, x=said)


_LAST_DIGITS = re.compile(r"last_?(?:4|four|digits)")
_STREET = re.compile(r"^(?:\w+_)?(?:address|street)$")
_DURATION = re.compile(r"^[\d.,]+ (?:minute|hour|night|day|week|month|year)s?$")  # "4 nights", not "2 freezes this year"
_EVENT_NOUNS = {"birth": "born on", "expiry": "expiring on", "expiration": "expiring on", "renewal": "renewing on",
                "submission": "submitted on", "transaction": "made on", "transfer": "made on",
                "departure": "departing on", "arrival": "arriving on",
                "delivery": "delivered on", "payment": "paid on", "purchase": "bought on", "send": "to be sent on",
                "pay": "to be paid on", "ship": "shipping on"}
_MOVING = frozenset("travel start end depart arrive leave return visit stay".split())
_PHRASAL = re.compile(r"^(check|move|pick|sign|log|hand|set|start|end|turn)_(in|out|up|off|over|back)$")
_EVENT = re.compile(r"^(?P<verb>[a-z]+)_(?:on|at|date|time|datetime)$")  # never "payment time on ..."
#: events a pending record has not had yet: its date is when it is due
_NOT_YET = frozenset({"payment", "delivery", "purchase", "transfer", "transaction", "charge", "debit"})
#: statuses of a record still to happen
_PENDING = frozenset({"pending", "scheduled", "upcoming", "queued"})
_DEADLINE = re.compile(r"^(?P<verb>[a-z]+)(?:_(?P<particle>up|in|out|off|back|over))?_by$")
"""A date something is to be done by: "return_by", "pick_up_by"."""


_CLOCK = re.compile(r"^\d{2}:\d{2}$")
#: a reason on file that says no reason ("other"): the status is said alone
_NO_REASON = frozenset({"other", "others", "unknown", "none", "n/a", "na", "unspecified"})
# a reason a record is held as it is ("status_reason"): said with its status ("frozen because of travel"),
# never "with status reason travel"
_HELD_WHY = re.compile(r"^(?:\w+_)?reason$")


def _when_phrase(field: str, pending: bool = False) -> str:
    """What comes before a record's date in a description: "booked on", "starting" (starts_at),
    "due on", or the field's words + "on" ("check in on"). `pending`: the record is still to happen
    (a pending payment's "payment_time" is when it is due, never "paid on")."""
    if field in ("date", "day"):  # a slot's "date": "slot on April 8, 2025"
        return "on"
    m = _EVENT.match(field)
    verb = m.group("verb") if m else ""
    if pending and verb in _NOT_YET:
        return "due on"
    if verb.endswith("s") and not verb.endswith("ss"):  # "starts" -> "starting", "arrives" -> "arriving"
        base = verb[:-1]
        return f"{base[:-1] if base.endswith('e') and not base.endswith('ee') else base}ing"
    if verb in _EVENT_NOUNS:  # "birth_date" -> "born on", "expiry_date" -> "expiring on"
        return _EVENT_NOUNS[verb]
    if verb in _MOVING:  # "travel_date" -> "traveling on", "start_date" -> "starting on"
        return f"{_ing(verb)} on"
    if verb:
        return f"{verb} on"
    phrasal = _PHRASAL.match(field)
    if phrasal:  # "check_in" -> "checking in on", "move_out" -> "moving out on", "set_up" -> "setting up on"
        return f"{_ing(phrasal.group(1))} {phrasal.group(2)} on"
    deadline = _DEADLINE.match(field)
    if deadline:  # "return_by" -> "to be returned by" (never "return-by date on"), "due_by" -> "due by"
        verb, particle = deadline.group("verb"), deadline.group("particle")
        if verb in ("due", "reply", "response", "respond"):
            return "due by" if verb == "due" else "with a reply due by"
        return f"to be {participle(verb)}{f' {particle}' if particle else ''} by"
    if field.endswith(("_until", "_for")):  # "valid_until" -> "valid until", never "valid until on"
        return plain_words(field)
    happens = happened(field)  # "picked_up_at" -> "picked up on", never "picked up at on"
    return f"{happens or plain_words(field)} on"


def _ing(verb: str) -> str:
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou][aeiou][^aeiouwxy]", verb):  # "set" -> "setting", "log" -> "logging"
        return verb + verb[-1] + "ing"
    return verb + "ing"


_PARTICIPLE_STATUS = re.compile(r"^(?:\w+ed|frozen|closed|stolen|lost)$")
_AFTER_NOUN = re.compile(r"(?:in|on|under|at|out|past|awaiting)\b", re.IGNORECASE)
"""A state said with a preposition ("in arrears", "under review") follows the noun: never "the in
arrears account"."""


def record_phrase(noun: str, facts: list[tuple[str, Any]]) -> str:
    """A record as a noun phrase: a status or a kind before the noun; last digits, places and
    names after it as a person points at a thing (`tools.referring`), then dates; amounts and other
    facts in a "with" clause ("active debit card ending in 4782, opened on March 3, 2025, with a
    $1,398.61 spending limit"; "confirmed booking from Yuberg to West Anthony")."""
    before, after, dates, extra = [], [], [], []
    why = next((str(v) for k, v in facts if _HELD_WHY.match(k.lower()) and isinstance(v, str) and v
                and v.strip().lower() not in _NO_REASON), "")  # ("frozen", never "frozen because of other")
    held = next((spoken(k, v) for k, v in facts if k.lower().endswith("status") and isinstance(v, str)
                 and _PARTICIPLE_STATUS.match(spoken(k, v))), "") if why else ""
    pending = any(k.lower().endswith("status") and str(v).lower() in _PENDING for k, v in facts)
    for k, v in facts:
        low, text = k.lower(), spoken(k, v)
        if _HELD_WHY.match(low):  # "frozen because of travel" with its status below, or left out
            continue
        if held and low.endswith("status") and text == held:
            dates.insert(0, f"{held} because of {why}")  # "your membership on the Standard plan, frozen because ..."
            continue
        if (done := times_done(k, v)) is not None:  # "frozen twice this year"
            dates.append(done)
            continue
        if low.endswith(("status", "state")) and _AFTER_NOUN.match(text):  # "account that's in arrears"
            after.append(f"that's {text}")
        elif low.endswith(("status", "state", "type", "kind")) and len(text.split()) <= 2 \
                and noun.lower() not in text.lower().split():  # not "your order received order"
            before.append(re.sub(r"^(\w+ed) (in|out|up|off|over)$", r"\1-\2", text))  # "checked-in booking"
        elif low.endswith("status"):  # a status that names the record: 'order marked "order received"'
            after.append(f'marked "{text}"')
        elif role(low) == "called" and isinstance(v, str) and v == v.lower() and noun.lower() not in v.split():
            noun = text  # a thing's common name is the noun: "your desk lamp", not "your item called desk lamp"
        elif role(low) is not None and not (text.startswith("$") or is_count(k, v) or when_words(text) != text):
            after.append(reference(low, text, "").strip())  # "ending in 4782", "from Lake Jacob", "at Miller Ltd"
        elif isinstance(v, str) and when_words(v) != v:  # an ISO date or time
            dates.append(f"{_when_phrase(low, pending)} {when_words(v)}")
        elif low == "time" and isinstance(v, str) and _CLOCK.match(v) and dates:  # "on April 8, 2025 at 4:00 pm"
            dates[-1] += " at " + when_words(f"2000-01-01T{v}").split(" at ")[-1]
        elif is_count(k, v) and _DURATION.search(counted(k, v)):  # "for 4 nights", not "with 4 nights"
            dates.append(f"for {counted(k, v)}")
        elif is_count(k, v):
            extra.append(counted(k, v) if v else none_of(k))  # "with no renewals", not "with 0 renewals"
        elif text.startswith("$"):
            extra.append(f"a {text} {words(k)}" if low not in ("amount", "total", "price") else f"{text} in total"
                         if low == "total" else f"an amount of {text}" if low == "amount" else f"a price of {text}")
        else:
            extra.append(f"{words(k)} {when_words(text)}")
    withs = [a for a in after if a.startswith("with ")]  # "with the username jo5 and the number 248-689-9631"
    if len(withs) > 1:
        after = [a for a in after if a not in withs] + ["with " + joined([w[5:] for w in withs])]
    head = " ".join([*before, noun, *after])
    rest = dates + ([f"with {joined(extra)}"] if extra else [])
    return ", ".join([head, *rest])


def own_names(records: list[dict[str, Any]]) -> dict[str, str]:
    """{a record's id: its own name} for records known by a name of their own (a package's
    `package_name`, beside its `package_id`): "package coturn" is said, not its number."""
    out = {}
    for r in records:
        key = own_key(r)
        name = r.get(f"{key[:-3]}_name") if key and key.endswith("_id") else None
        if isinstance(name, str) and name and r.get(key) is not None:
            out[str(r[key])] = name
    return out


def details(args: dict[str, Any], secret: re.Pattern, said: str = "", names: dict[str, str] | None = None,
            yours: frozenset[str] = frozenset()) -> str:
    """The values of a call in a sentence ("This is for card CRD-1, with 4 passengers."), leaving
    out secrets, what `said` already says, and the user's own customer number; a reason in a
    sentence of its own ("I'll put the reason down as travel."). A record known by its own name
    (`names`, by id: `own_names`) is said by it ("This is for package coturn."), the customer's
    only one of its kind (`yours`, by id) as theirs ("This is for your zapdos, with 3 plays."), or
    not at all when nothing else is said."""
    ids, others, why = [], [], ""
    for name, value in args.items():
        if secret.search(name) or value in (None, "", [], {}) or isinstance(value, bool) and "turn " in said:
            continue
        text = render(value) if name == "id" or name.endswith("_id") else spoken(name, value)
        if (name == "id" or name.endswith("_id")) and names and str(value) in names:
            text = names[str(value)]
        if text and (text in said or when_words(text) in said):
            continue
        if name == "reason":  # unless told in words: "because the item was not received"
            why = "" if re.search(r"\b(?:because|due to)\b", said) else f"I'll put the reason down as {text}."
            continue
        if name == "id" or name.endswith("_id"):
            noun = words(name[:-3]) if name.endswith("_id") else "record"
            if str(value) in yours and not (names and str(value) in names):
                ids.append(f"your {noun}")
            elif not _PERSON.match(noun.lower() if name.endswith("_id") else ""):  # the user knows who they are
                # (a name that says its kind already: "Ben's iPhone", not "iPhone Ben's iPhone")
                ids.append(text if text.lower().endswith(f" {noun.lower()}") else f"{noun} {text}")
        elif is_count(name, value):
            others.append(counted(name, value))
        elif FREE_TEXT.search(name):  # free text the user gave: what a colleague will read
            others.append(f'a note saying "{text}"')
        else:
            others.append(f"the {words(name)} set to {text}" if isinstance(value, (int, float)) else
                          f'the {words(name)} "{text}"')
    if not others and all(i.startswith("your ") for i in ids):
        return why  # their only record of its kind, and nothing else: "This is for your unit." adds nothing
    notes_only = all(o.startswith("a note saying") for o in others)
    head = f"This is for {joined(ids)}" if ids else "I'll include" if notes_only else "That's with"
    tail = (", with " if ids else " ") + joined(others) if others else ""
    return " ".join(p for p in (smooth(f"{head}{tail}."), why) if p)


def id_words(key: str, taken: frozenset[str] = frozenset()) -> str:
    """A record's key in words, its record as the customer is told of it ("handoff_id": "case ID";
    `taken`: the nouns of the domain's own records, `said_as`)."""
    return f"{said_as(words(key[:-3]), taken)} ID" if key.endswith("_id") else words(key)


def joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_ID_AFTER = ["Your {noun} number is {v}.", "The reference for your {noun} is {v}.", "It's logged as {noun} {v}.",
             "Your new {noun} is {v}; keep that handy.", "You can quote {noun} {v} if you need to follow up.",
             "The {noun} ID is {v}.", "Your {noun} reference is {v}.", "I've logged it as {noun} {v}.",
             "For your records, your {noun} number is {v}.", "Your {noun} ID is {v}, should you need it."]
_NEW_THING = ["Your new {noun} is {v}.", "The new {noun} is {v}.", "The {noun} ID is {v}.", "That's {noun} {v}.",
              "It's {noun} {v}.", "Your new {noun}'s ID is {v}."]
# a noun placed among others of its kind ("second flight"): it takes "the"
_PLACED = re.compile(r"^(?:first|second|third|fourth|fifth|last|next|previous|original|other|connecting) \w")
_ID = ["The {noun} is {v}.", "That's {noun} {v}.", "It's {noun} {v}.", "The {noun} ID is {v}."]
_ID_NOW = ["The {noun} is now {v}.", "It's now set to {noun} {v}.", "Now it's {noun} {v}."]
_STATUS = ["It's {v}.", "The {name} is {v}.", "Its {name} shows {v}.", "It's showing as {v}.",
           "The {name} reads {v}.", "It's currently {v}.", "Right now it's {v}."]
#: ... of a record a change earlier in the chat set, asked about since: as it now is, never as just updated
_STATUS_SINCE = ["It's now {v}.", "The {name} is now {v}.", "It's {v} now."]
_STATUS_AFTER = ["It's now {v}.", "The {name} is now {v}.", "Its {name} has changed to {v}.",
                 "The {name} now reads {v}.", "It now shows as {v}."]
#: the state a how-to's steps leave, said of the user's thing: the title's state, never a status the
#: user never saw ("The status now reads grown.")
_THING_NOW = ["{Thing} is {v} now.", "{Thing} is now {v}.", "As of now, {thing} is {v}."]
_IT_NOW = ["It's {v} now.", "That's {v} now."]  # of a state named for the thing ("refunded" of a refund)
#: ... where the steps were the customer's and only their checklist was marked (a guided request): the
#: state as the checklist now shows it, never as seen in the world ("Your CD tray is ejected now.": the
#: assistant only knows what the customer said and what it marked)
_CHECKLIST_NOW = ["The checklist now shows {thing} as {v}.", "On the checklist, {thing} now shows as {v}.",
                  "The checklist now has {thing} down as {v}."]
#: ... a field that checklist's record holds besides ("The checklist now lists the notification type as standard.")
_CHECKLIST_TWO = ["The checklist now lists the {a} as {va} and the {b} as {vb}."]
_CHECKLIST_FACT = ["The checklist now lists the {name} as {v}.", "On the checklist, the {name} is now {v}."]
#: a status sentence of a person ("They're active.", never "It's active." of a user)
_THEY = {"It's": "They're", "it's": "they're", "Its": "Their", "It now shows": "They now show"}
_OF_PERSON = re.compile(r"\b(?:It now shows|It's|it's|Its)\b")
_WHEN = ["It was {n} {v}.", "That was {n} {v}.", "It shows it was {n} {v}.", "According to the record, it was {n} {v}."]
#: ... said after another fact: "that" would point at it ("The balance is $6,328.78. That was opened on ...")
_WHEN_AFTER = [w for w in _WHEN if not w.startswith("That")]
#: ... of a record named by its noun, where "it" could be another thing just said (a refusal's values)
_WHEN_OF = ["Your {s} was {n} {v}.", "The record shows your {s} was {n} {v}."]
_WHEN_SINCE = ["{N} {v}.", "On file: {n} {v}."]
#: a moment of a part of the record, named by it and what happened to it ("plan_changed_on")
_PART_WHEN = ["The {part} {happens} on {v}.", "Its {part} {happens} on {v}.", "The record shows the {part} {happens} on {v}."]
_WHEN_AHEAD = ["It's set to be {n} {v}.", "It's due to be {n} {v}.", "According to the record, it will be {n} {v}."]
# a deadline of the record ("reply_by"), never "Reply by January 29, 2025." (read as an order to the customer)
_BY = ["The {n} is due by {v}.", "The {n} is expected by {v}.", "The {n} is due no later than {v}.",
       "The {n} should come by {v}."]
_BY_VERB = ["It {n} by {v}.", "It's expected to {base} by {v}.", "It should {base} by {v}.", "Expect it to {base} by {v}."]
_IT_DOES = ["It {n} {v}.", "The record says it {n} {v}.", "According to the record, it {n} {v}.",
            "I can see it {n} {v}."]
_COUNT = ["There are {c}.", "That's {c}.", "It shows {c}.", "The record shows {c}.", "I can see {c}."]
# (no "I'm afraid": none may be good news, "no failed logins")
_COUNT_NONE = ["There are {c}.", "It shows {c}.", "The record shows {c}.", "I see {c} on record."]
_COUNT_ONE = ["There is {c}.", "That's {c}.", "It shows {c}.", "Just {c}.", "I can see {c}."]
_TIMES_DONE_SAID = ["It's been {c}.", "It has been {c}.", "The record shows it's been {c}."]
_NOT_DONE_SAID = ["It hasn't been {n}.", "It has not been {n}.", "The record shows it hasn't been {n}."]
_FACT = B.Voiced(
    plain=["The {name} is {v}.", "Your {name} is {v}.", "It lists {v} as the {name}.", "The {name} shows {v}.",
           "It shows the {name} as {v}.", "I can see the {name} is {v}.", "The {name} on file is {v}.",
           "We have the {name} as {v}.", "The record lists the {name} as {v}."],
    warm=["The {name} is {v}.", "Your {name} is {v}.", "I can see the {name} is {v}.", "Looking at it, the {name} is {v}.",
          "It has {v} as the {name}."],
    formal=["The {name} is {v}.", "The record lists the {name} as {v}.", "Our records show the {name} as {v}.",
            "The {name} on record is {v}.", "It lists {v} as the {name}."],
    brisk=["The {name} is {v}.", "The {name} on file is {v}.", "The {name} shows {v}."])
#: a value a change earlier in the chat set, asked about since (`fact`'s `since`)
_FACT_SINCE = ["The {name} is now {v}.", "The {name} is {v} now.", "As of now, the {name} is {v}."]
# of the record just changed, never "Your {name} is ..." ("Your priority is normal." of a case, "Your
# role is viewer." of another user)
_FACT_AFTER = B.Voiced(
    plain=["The {name} is now {v}.", "It's updated: the {name} is {v}.", "The {name} now reads {v}.",
           "You'll see the {name} as {v}.", "The {name} reads {v} now.", "It shows the {name} as {v}."],
    warm=["The {name} is now {v}.", "All updated: the {name} is {v}.", "You'll now see the {name} as {v}.",
          "The {name} is {v} now."],
    formal=["The {name} is now {v}.", "The record now lists the {name} as {v}.", "As of now, the {name} is {v}."],
    brisk=["The {name} is now {v}.", "The {name} is {v}."])
#: a charge of nothing, said as such (the value stays: it is what the call told)
_NOTHING_CHARGED = ["Nothing was charged: the {name} is {v}.", "There's no charge for it: the {name} is {v}.",
                    "It cost nothing extra; the {name} is {v}."]
#: a fee of nothing, read from a record ("Nothing was charged" is said only of a change)
_NO_FEE = ["There's no {name}: it's {v}.", "The {name} is {v}, so there's none to pay.", "It has no {name} ({v})."]
#: what a record held, paid out to its owner as it ended (a closed account's balance)
_PAID_OUT = ["The remaining {v} is paid out to you.", "The {v} left in it is paid out to you.",
             "Its remaining balance of {v} is paid out to you."]
_MONEY_FACT = B.Voiced(
    plain=["The {name} shown is {v}.", "Looking at it, the {name} is {v}.", "The {name} stands at {v}.",
           "The {name} is {v}."],
    warm=["I can see the {name} is {v}.", "The {name} is {v}.", "The {name} is listed at {v}."],
    formal=["The {name} stands at {v}.", "The {name} is {v}.", "The record shows the {name} as {v}."],
    brisk=["The {name} is {v}.", "That's {v} for the {name}."])
_YES = ["Yes, {subject} {be} {rest}.", "{Subject} {be} {rest}, yes.", "Good news: {subject} {be} {rest}.",
        "I can confirm {subject} {be} {rest}."]
#: a yes said plainly: the value that breaks a rule ("It is booked by another customer."), no cheer, no "yes"
_YES_PLAIN = ["{Subject} {be} {rest}.", "I can see {subject} {be} {rest}.", "From what I see, {subject} {be} {rest}."]
_NO = ["No, {subject} {be} not {rest}.", "{Subject} {be} not {rest}, I'm afraid.",
       "From what I see, {subject} {be} not {rest}."]
_NO_PLAIN = ["{Subject} {be} not {rest}.", "I can see {subject} {be} not {rest}.",
             "From what I see, {subject} {be} not {rest}."]
_ON = ["{Name} is on.", "Yes, {name} is turned on.", "{Name} is on for this one.", "You have {name} switched on."]
_ON_NOW = ["{Name} is now on.", "{Name} is switched on now.", "{Name} is turned on now."]
_OFF_NOW = ["{Name} is now off.", "{Name} is switched off now.", "{Name} is turned off now."]
_OFF = ["{Name} is not on.", "No, {name} isn't turned on.", "{Name} is off for this one.",
        "You don't have {name} switched on."]
#: a yes/no named for a thing a record has (not a setting one switches): "It doesn't have travel insurance."
_HELD = frozenset("insurance coverage warranty".split())
_HAS = ["{Subject} {has} {name}.", "Yes, {subject} {has} {name}.", "I can see {subject} {has} {name}."]
_HAS_NOT = ["{Subject} {lacks} have {name}.", "From what I see, {subject} {lacks} have {name}.",
            "I can see {subject} {lacks} have {name}."]


_DATE_SAID = re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}\b")


def fact(rng: random.Random, name: str, value: Any, *, after_write: bool, who: str = "it", own: bool = True,
         ahead: bool = False, thing: str = "", since: bool = False, first: bool = True, of: str = "", taken: frozenset[str] = frozenset(),
         checklist: bool = False) -> str:
    """One fact in a sentence that fits what the field means: a new record's number, a status, an
    amount, a count ("4 passengers"), a yes/no ("it is not eligible"), or a plain value. `ahead`:
    the value is a date after today ("It's set to be picked up on ...", not "It was ..."). `thing`:
    the record a how-to's steps changed, as the user calls it: its status after the change is said
    of it ("Your orchard is grown now."; `_THING_NOW`). `since`: a value a change earlier in the
    chat set, asked about since ("The balance is now $0.", never "All updated: ..."). `first`: no fact
    was said before it, so "that" points at the record ("That was filed on ..."), not at a value; `of`:
    the record's noun, to name it by where a pronoun could point elsewhere ("Your line was last renewed
    on ..."). `checklist`: the change marked steps the customer took on their checklist (a guided
    request): what it set is said as the checklist shows it (`_CHECKLIST_NOW`)."""
    n, low = words(name), name.lower()
    if isinstance(value, bool):
        return _yes_no(rng, name, value, who, after_write)
    if low == "id" or low.endswith("_id"):
        noun = said_as(words(name[:-3]), taken) if low.endswith("_id") else "reference"
        bank = _NEW_THING if after_write and noun.endswith(("card", "code")) else _ID_AFTER if after_write else _ID
        if noun.startswith("new "):  # "new item": never "your new new item"
            bank = [t for t in bank if "new {noun}" not in t]
        if _PLACED.match(noun):  # "The second flight is FLG-1.", never "It's second flight FLG-1."
            bank = [t for t in bank if re.search(r"(?:[Tt]he|[Yy]our(?: new)?) \{noun\}", t)]
        return pick(rng, bank, noun=noun, v=render(value))  # a thing made is no case to follow up: no "card number"
    v = quoted_if_sentence(spoken(name, value))
    # a date, given as the record holds it or already in words ("described" values are)
    dated = v != render(value) or _DATE_SAID.match(v) is not None
    if (done := times_done(name, value)) is not None:  # "It's been frozen twice this year."
        return pick(rng, _TIMES_DONE_SAID if value else _NOT_DONE_SAID, c=done, n=done[4:])
    if is_count(name, value):
        if value == 0:  # "There are no copies available.", never "0 copies"
            return pick(rng, _COUNT_NONE, c=none_of(name))
        return pick(rng, _COUNT_ONE if value == 1 else _COUNT, c=counted(name, value))
    if low.endswith("_by") and dated:  # "reply_by": a deadline
        head = words(name[:-3])  # "reply_by" -> "reply" (the field's own name reads "reply-by date")
        if head.endswith("s") and " " not in head and not head.endswith("ss"):  # "arrives_by": a verb
            return pick(rng, _BY_VERB, n=head, base=head[:-1], v=v)
        return pick(rng, _BY, n=head, v=v)
    head = low.split("_")[0]
    if re.search(r"_(?:on|at|by)$", low) and head.endswith("s") and not head.endswith("ss") and "_" in low:
        said = low.replace("_", " ")  # "starts_at": "It starts at 9:00 am", "It starts on March 2, 2025 at ..."
        return pick(rng, _IT_DOES, n=re.sub(r" at$", " on", said) if _DATE_SAID.match(v) else said, v=v)
    if (part := part_happened(low)) and dated:  # "plan_changed_on": "The plan was changed on ..."
        return pick(rng, _PART_WHEN, part=part[0], happens=part[1], v=v)
    if re.search(r"_(?:on|at|since)$", low) and dated:  # a date field named for its event
        said = low.replace("_", " ").replace(" at", " on")  # "It was placed on ...", not "date placed"
        if of and not ahead and not low.endswith("_since"):
            return pick(rng, _WHEN_OF, s=of, n=said, v=v)
        when = pick(rng, _WHEN_SINCE if low.endswith("_since") else _WHEN_AHEAD if ahead else _WHEN if first
                    else _WHEN_AFTER, n=said, v=v)
        # a person is "they" ("They were added on October 16, 2024."), as their other facts are said
        return re.sub(r"\b(It|it|That) (was|is|has)\b", lambda m: ("they" if m.group(1) == "it" else "They") + " "
                      + {"was": "were", "is": "are", "has": "have"}[m.group(2)], when) if who == "they" else when
    if low == "status" and after_write and thing:
        head = thing.split()[-1].lower()
        echoes = v.lower().startswith(head[:max(4, len(head) - 1)])  # "Your refund is now refunded."
        if checklist:  # "The checklist now has it down as refunded."
            return pick(rng, _CHECKLIST_NOW, thing="it" if echoes else thing, v=v)
        return pick(rng, _IT_NOW if echoes else _THING_NOW, thing=thing, Thing=thing[:1].upper() + thing[1:], v=v)
    if low.endswith(("status", "state")):
        said = pick(rng, _STATUS_SINCE if since else _STATUS_AFTER if after_write else _STATUS, name=n, v=v)
        return said if who in ("it", "you") else _OF_PERSON.sub(lambda m: _THEY[m.group(0)], said)  # "They're active."
    if _ZERO.fullmatch(v) and re.search(r"charge|fee", low):  # "the amount charged is $0"
        # what a change charged, or a fee a product has none of ("There's no monthly fee: it's $0.")
        return pick(rng, _NOTHING_CHARGED if after_write and not since else _NO_FEE, name=n, v=v)
    if v.startswith("$") and after_write and low.endswith("paid_out") and not _ZERO.fullmatch(v):
        return pick(rng, _PAID_OUT, v=v)
    if v.startswith("$") and (not after_write or _CHARGE.search(low)):  # a charge is no change of a field
        return pick(rng, _MONEY_FACT, name=n, v=v)
    bank = _FACT_SINCE if since else (_CHECKLIST_FACT if checklist else _FACT_AFTER) if after_write else _FACT
    if _IDENTITY.search(low) or not own:  # a contact's name is not "your name", a doctor's specialty not "your specialty"
        bank = B.kept(bank, lambda f: not f.startswith("Your "))
    said = pick(rng, bank, name=n, v=v)
    last = n.split()[-1].lower()
    if last.endswith("s") and not last.endswith(("ss", "us")):  # "The last four digits are 6583."
        said = re.sub(rf"({re.escape(n)}(?: on file| now)?) (is|shows|reads|comes|stands)\b",
                      lambda m: f"{m.group(1)} {_PLURAL_VERBS[m.group(2)]}", said, count=1, flags=re.I)
    return said


_PLURAL_VERBS = {"is": "are", "shows": "show", "reads": "read", "comes": "come", "stands": "stand"}


#: fields that say who someone is: "Your name is ..." would be the user's, whoever the record is
_IDENTITY = re.compile(r"(?:^|_)(?:name|email|phone|address|birth)$")

_STATE_PREPOSITIONS = frozenset({"in", "on", "out", "under", "over", "at", "off"})


def _yes_no(rng: random.Random, name: str, value: bool, who: str = "it", after_write: bool = False,
            plain: bool = False) -> str:
    """A yes/no fact that names the field and says its polarity ("it is not eligible"; of a person,
    `who` "they": "they are not accepting patients", or their name; of the customer's own profile,
    "you": "you are verified"); `plain`: a value breaking a rule, never "Good news" nor "No, ..."
    (no question was asked)."""
    yes, no = (_YES_PLAIN, _NO_PLAIN) if plain else (_YES, _NO)
    plural = who in ("they", "you")  # else "it" or a person's name ("Glenn Cortez is accepting patients")
    it, is_ = (who, "are" if plural else "is")
    name = undangled(name)  # "is_executed_during": "it is executed"
    head, _, rest = name.partition("_")
    if head in ("is", "has", "can") and rest:
        be = {"is": is_, "has": "have" if plural else "has", "can": "can"}[head]
        state = " ".join(words(w) for w in rest.split("_"))  # "relied on", never a date's "date relied"
        if head == "has" and not value:
            be, rest_words = "do" if plural else "does", f"have {state}"
        else:
            rest_words = state
        bank = yes if value else no
        return pick(rng, bank, subject=it, be=be, rest=rest_words)
    parts = name.lower().split("_")
    if (state := state_of(name)) is not None:  # "identity_verified"
        # "mailfrom_set": "the mailfrom is set" (never "... is on"); "the parameters are mounted"
        return pick(rng, yes if value else no, subject=f"the {state[0]}", be=state[1], rest=state[2])
    if len(parts) == 1 and parts[0].endswith("ed") and parts[0] not in ("needed", "required"):  # "verified"
        return pick(rng, yes if value else no, subject=it, be=is_, rest=parts[0])
    if len(parts) >= 2 and (parts[0].endswith("ing") or parts[0] in _STATE_PREPOSITIONS):
        # "accepting_patients": "it is not accepting patients"; "in_stock": "it is in stock"
        return pick(rng, yes if value else no, subject=it, be=is_, rest=words(name))
    if parts[-1] in _HELD:  # a thing a record has, not a setting: "It doesn't have travel insurance."
        return pick(rng, _HAS if value else _HAS_NOT, subject=it, name=words(name),
                    has="have" if plural else "has", lacks="don't" if plural else "doesn't")
    if after_write:  # a setting just changed: "Overdraft protection is now off.", not "No, it isn't on."
        return pick(rng, _ON_NOW if value else _OFF_NOW, name=words(name))
    return pick(rng, _ON if value else _OFF, name=words(name))


_LONG_ACTION = 12
"""Words past which an action said back once it is done is said by its head alone."""
_DETAIL = re.compile(r" (?:from|to|on|in|with|for|of|at|by) (?!(?:your|my|the|their|this) )")  # (not "of your card")


def headline(what: str) -> str:
    """An action as said once it is done: whole when short ("change the spending limit of your card
    to $2,600"), else up to its first detail ("book a flight", never again "from Seattle to New York
    on February 28, 2025 in premium with 3 bags for 3 passengers with a classic fare", which the
    confirmation said; "change the start time of your appointment", the time told as a fact)."""
    if len(what.split()) <= _LONG_ACTION:
        return what
    cut = next((m.start() for m in _DETAIL.finditer(what) if len(what[:m.start()].split()) >= 3), None)
    return what[:cut] if cut else what


def report(rng: random.Random, wrote: bool, what: str, facts: list[tuple[str, Any]], note: str = "",
           guidance: list[str] | None = None, *, going_on: bool = False, next_up: str = "",
           looked_now: bool = True, made: frozenset[str] | None = None, thing: str = "",
           kept: frozenset[str] = frozenset(), recorded: bool = False, taken: frozenset[str] = frozenset(),
           handed: bool = False, of: str = "", ending: str | None = None) -> str:
    """A result told in sentences: what was done (in words, with its values) or what was found (not
    "Thanks for waiting." unless something was looked up for it: `looked_now`), the facts the
    opening has not said yet, the record it touched (unless already named), what the service's
    text says happens next (`guidance`, after a change), and the close (`close`). `made`: the
    keys of the records the change made (`facts_told`); `thing`: a how-to's record as the user calls
    it ("your orchard"), whose status after the change is said of it (`fact`). `handed`: the request
    was handed to a person, which ends the chat: who takes it from here, never "Anything else?". `of`:
    the record a read is about ("your account ACC-1"), named in the opening where the first fact
    names nothing ("I've pulled up your account ACC-1. It's showing as frozen.")."""
    # a change that waits for a date (`pending_plan`) is not said as made ("I've changed the plan of
    # your line to basic 5gb."): the facts say what it becomes and when
    waits = any(k.startswith("pending_") and not k.endswith("_starts_on") and v not in (None, "") for k, v in facts)
    # a how-to's close whose record is left in no state it names says the request done, whatever its
    # verb ("I've texted a heart using symbols."), never only "There we go."
    request_done = done(what) if wrote and (recorded or thing and not waits and all(k != "status" for k, _ in facts)) \
        else ""  # (`recorded`: a guided request's steps marked done, said so whatever the record shows besides)
    if request_done:
        opener = pick(rng, B.DONE_SAID, past=request_done)
    elif wrote and what.split(" ")[0] in VERBS | {"turn"} and not waits and rng.random() < 0.6:
        opener = pick(rng, B.DONE_SAID, past=past(with_new_value(headline(what))))
    else:
        opener = pick(rng, B.DONE if wrote else B.FOUND if looked_now else B.FOUND_AT_HAND)
    # a value the opener says is not told again, nor a setting it says it turned on or off
    told = facts_told(rng, [(k, v) for k, v in facts
                            if not _says(opener, f"turned {'on' if v else 'off'} the {words(k).lower()}"
                                         if isinstance(v, bool) else spoken(k, v))],
                      after_write=wrote, made=made, thing=thing, kept=kept, taken=taken, checklist=recorded)
    if not wrote and of and told and NAMES_NOTHING.match(told[0]):  # never "It's showing as frozen." alone
        opener = pick(rng, B.kept(B.LOOKED if looked_now else B.LOOKED_AT_HAND, bool), what=of)
    said = " ".join([opener, *told])
    if note and any(ref in said for ref in re.findall(r"\b[A-Z]{2,}-\d+\b", note)):
        note = ""
    given = {k[:-3].replace("_", " ") for k, _ in facts if k.endswith("_id")}
    after = guide(rng, [r for g in guidance or [] if not _COSTS.search(g) for r in [past_given(g, given)] if r]) \
        if wrote else ""
    if ending is None:  # (`ending` given: what is asked in place of the close, an offer)
        ending = pick(rng, B.HANDED_OVER) if handed and not next_up else close(rng, going_on, next_up)
    return " ".join(p for p in (opener, *told, note, after, ending) if p)


NAMES_NOTHING = re.compile(r"(?:(?:Right now|Currently|At the moment|As of now),? )?(?:it|its|it's|that)\b",
                           re.IGNORECASE)
"""A fact said of "it", which names no record: an answer opening with it says first which record."""

_GIVES = re.compile(r"\b(?:give|send|email|issue|get)s? you (?:a|an|your) ((?:\w+ )?\w+) (?:number|id|reference)\b",
                    re.IGNORECASE)


def past_given(sentence: str, given: set[str]) -> str:
    """The service's `sentence` as said after the reply gave the number it promises (`given`: what
    numbers were told, "dispute"): what it says besides ("We'll give you a dispute number and reply
    within 10 business days." -> "We'll reply within 10 business days."), "" when that is all it says."""
    m = next((m for m in _GIVES.finditer(sentence) if {m.group(1).lower(), m.group(1).lower().split()[-1]} & given),
             None)
    if m is None:
        return sentence
    rest = re.match(r",? and (?!an? |the |your )(\w.+)$", sentence[m.end():])
    return f"{sentence[:m.start()]}{rest.group(1)}" if rest and m.start() else ""


def close(rng: random.Random, going_on: bool, next_up: str = "") -> str:
    """The question that ends a request ("Anything else?"); none when the user has said they have
    several things (`going_on`): a concise agent does not ask what it has been told. When the user
    named another request in their first message (`next_up`, as a doing: "changing your address"),
    the offer to go on with it instead ("You also mentioned changing your address. Shall we do that
    now?")."""
    if next_up:
        return pick(rng, B.NEXT_UP, x=next_up)
    return "" if going_on else pick(rng, CLOSE)


def facts_told(rng: random.Random, facts: list[tuple[str, Any]], *, after_write: bool, who: str = "it",
               own: bool = True, made: frozenset[str] | None = None, ahead: frozenset[str] = frozenset(),
               thing: str = "", since: bool = False, kept: frozenset[str] = frozenset(), taken: frozenset[str] = frozenset(),
               checklist: bool = False) -> list[str]:
    """Facts as sentences: one each ("The zip is 08585."), or two plain ones in one sentence,
    worded by the seed ("It lists 5547 Brown Squares as the address and 08585 as the zip.").
    `made`: the keys of the records a write made (None: any id after a write is one); another
    record's id after it is where the change points now ("The flight is now FLG-1."), not a new
    number to keep. `ahead`: the facts whose date is after today. `since`: facts a change earlier in
    the chat set (`fact`), said as they now are. `kept`: facts the record showed before the write
    too, said as they are, not as changed ("It now shows as complete." of a status it had). `checklist`:
    the change only marked the customer's steps on their checklist (`fact`)."""
    if kept and after_write:
        if all(k in kept for k, _ in facts):
            return facts_told(rng, facts, after_write=False, who=who, own=own, ahead=ahead, since=since, taken=taken)
        return [*facts_told(rng, [f for f in facts if f[0] not in kept], after_write=True, who=who, own=own,
                            made=made, ahead=ahead, thing=thing, since=since, taken=taken, checklist=checklist),
                *facts_told(rng, [f for f in facts if f[0] in kept], after_write=False, who=who, own=own,
                            ahead=ahead, since=since, taken=taken)]
    plain = [(k, v) for k, v in facts if not isinstance(v, bool) and not (k == "id" or k.endswith("_id"))
             and not is_count(k, v) and not re.search(r"_(?:on|at|by|since)$", k) and k != "status"]  # "It's closed."
    # sums a write reports with a charge among them are what the call charged, said as such; a charge
    # of nothing is said alone ("Nothing was charged")
    charged = after_write and any(_CHARGE.search(k) for k, _ in plain)
    sums = all(spoken(k, v).startswith("$") and not _ZERO.fullmatch(spoken(k, v)) for k, v in plain)
    if len(facts) == 2 and len(plain) == 2 and (sums or not charged) and rng.random() < 0.5:
        (a, va), (b, vb) = plain
        return [pick(rng, B.TWO_CHARGED if charged else (_CHECKLIST_TWO if checklist else B.TWO_FACTS_AFTER)
                     if after_write else B.TWO_FACTS,
                     a=words(a), b=words(b), va=spoken(a, va), vb=spoken(b, vb))]
    # a record just made (its new id among the facts) is described as it is, not as changed: "The
    # amount is $268.26.", never "The amount now reads $268.26." of a new refund
    new = {k for k, _ in facts if (k == "id" or k.endswith("_id"))
           and (made is None or k in made or k.removeprefix("new_") in made)}
    # a change that waits (`pending_plan`, with `pending_plan_starts_on`): what it becomes and when, at once
    starts = {k: v for k, v in facts if k.startswith("pending_") and k.endswith("_starts_on")}
    out = []
    for k, v in facts:
        if k in starts and k.removesuffix("_starts_on") in dict(facts):
            continue
        if f"{k}_starts_on" in starts:
            out.append(waiting(rng, k.removeprefix("pending_"), v, starts[f"{k}_starts_on"], made=True))
        elif after_write and k.endswith("_id") and k not in new:
            out.append(pick(rng, _ID_NOW, noun=words(k[:-3]), v=render(v)))
        else:
            out.append(fact(rng, k, v, after_write=after_write and (not new or k in new), who=who, own=own, ahead=k in ahead,
                            thing=thing, since=since, first=not out, taken=taken, checklist=checklist))
    return out


#: a sum a call charges or pays out (a fee, the amount charged, what is paid out), not a field it changed
_CHARGE = re.compile(r"charge|fee|paid_out|(?:^|_)cost$")
_ZERO = re.compile(r"\$0(?:\.00)?")


def _says(text: str, value: str) -> bool:
    """`value` is in `text` as whole words ("open" is not said by "opened")."""
    return bool(value) and compiled(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)").search(text) is not None


def which(rng: random.Random, key: str, records: list[dict[str, Any]]) -> str:
    """Asks which of several records the user means, each named by its key and what tells it from
    the others ("You have 3 active cards: CRD-1 (debit, ending in 4411), ..."; last digits as "ending
    in 4411", so a bare number is not read as a count or an amount)."""
    noun = words(key[:-3] if key.endswith("_id") else key)
    options, shared = _options(key, records)
    return pick(rng, B.WHICH, n=len(records), nouns=" ".join([*shared, noun + "s"]), options=options, x=words(key),
                noun=noun.lower())


def which_fitting(rng: random.Random, key: str, fitting: list[dict[str, Any]], of: int, action: str,
                  held: Sequence[Any] = ()) -> str:
    """Asks which record the user means, naming only the `fitting` ones of their `of` records: those
    the change (`action`, "cancel your order") can be made on ("Of your 6 orders, 2 can be
    cancelled: ..."; "would work for this" when the change is not made on the record itself, as a dispute for
    a transaction is). One that fits is proposed ("Is that the order you mean, ORD-1?"). `held`:
    the ids of those left out only because they already hold what the change sets, said as that
    ("2 can be changed to 2 bags (BKN-3 already has that)"), never as records it cannot be made on."""
    noun = words(key[:-3] if key.endswith("_id") else key)
    can = _can(noun, action, held)
    options, _ = _options(key, fitting)
    if len(fitting) == 1:
        return pick(rng, B.WHICH_ONLY_ONE, n=of, nouns=noun + "s", option=options,
                    can=can or "would work for this", noun=noun.lower(), id=fitting[0].get(key))
    return pick(rng, B.WHICH_FITTING, n=of, k=len(fitting), nouns=noun + "s", options=options,
                can=can or "would work for this", noun=noun.lower())


def only_fitting(rng: random.Random, key: str, fitting: dict[str, Any], of: int, action: str,
                 held: Sequence[Any] = ()) -> str:
    """The one record of the customer's `of` that the change (`action`, "close your account") can
    be made on, said before the confirmation that proposes it ("Of your 4 accounts, only ACC-2
    (savings, on the entry tier) can be closed."): the customer says yes or "not that one" to the
    one question that follows."""
    noun = words(key[:-3] if key.endswith("_id") else key)
    return pick(rng, B.ONLY_FITTING, n=of, nouns=noun.lower() + "s", option=_options(key, [fitting])[0],
                can=_can(noun, action, held) or "would work for this")


def which_moved(rng: random.Random, key: str, records: list[dict[str, Any]], fitting: list[dict[str, Any]],
                way: tuple[str, str], chosen: Any = None) -> str:
    """Asks which of the customer's records (`key`: their own key) is the one a move names by its
    part (`referring.moved`: ("account", "coming from")): "You have 4 accounts: ACC-1 (savings,
    ...), .... Which one is the account it's coming from?", naming only those the change can be
    made with where several but not all can ("Of your 4 accounts, 3 could work for this: ...") and
    asking about the one where one alone can ("..., only ACC-2 (...) could work for this. Is that the account it's
    going to?"). Once the list
    was said in the request, the other part is asked alone, after the id `chosen` for the first
    ("Thanks, that's ACC-1. And which one is the account it's going to?")."""
    noun, going = way
    if chosen is not None:
        return pick(rng, B.WHICH_MOVED_AGAIN, noun=noun, way=going, chosen=chosen)
    if len(fitting) == 1 < len(records):
        return pick(rng, B.WHICH_MOVED_ONLY, n=len(records), nouns=noun + "s", option=_options(key, fitting)[0],
                    noun=noun, way=going)
    shown = fitting if 1 < len(fitting) < len(records) else records
    options, shared = _options(key, shown)
    intro = pick(rng, B.WHICH_MOVED_FITTING, n=len(records), k=len(shown), nouns=noun + "s", options=options) \
        if len(shown) < len(records) else \
        pick(rng, B.WHICH_MOVED_ALL, n=len(records), nouns=" ".join([*shared, noun + "s"]), options=options)
    return f"{intro} {pick(rng, B.WHICH_MOVED_ASK, noun=noun, way=going)}"


LISTED_MOST = 6
"""Records a question naming them lists one by one ("... and 2 more" after them)."""

LISTED_DATED = 4
"""Records a question lists one by one when only a date tells them apart; more are asked about by
the month of that date (`which_when`)."""


def dated_apart(key: str, records: list[dict[str, Any]]) -> str | None:
    """The one date field that alone tells more than `LISTED_DATED` records apart, each in a month
    of its own (six overdue bills of $76.99, issued a month apart): what a person says which one
    they mean by, not a list of six dated ids; None otherwise."""
    if len(records) <= LISTED_DATED:
        return None
    details = [{k: w for k, _, w in _details(key, r)} for r in records]
    differing = {k for d in details for k in d if any(o.get(k) != d[k] for o in details)}
    field = next(iter(differing)) if len(differing) == 1 else None
    if field is None or not _DATE_FIELD.search(field.lower()):
        return None
    months = [str(r.get(field))[:7] for r in records]
    return field if all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months) and len(set(months)) == len(months) else None


def which_when(rng: random.Random, key: str, records: list[dict[str, Any]], field: str, of: int = 0,
               action: str = "") -> str:
    """Asks which of many records told apart only by the date `field` (`dated_apart`) the user
    means, by the month of that date or by its key: what they share said once, the span of their
    dates with the first and the last named by their keys ("Of your 11 bills, 6 would work for this, the
    overdue ones issued from June 25, 2024 (BLL-91894) to November 22, 2024 (BLL-93765). Which
    month's bill is it, or what is its bill ID?"). `records` are in date order, as said; `of` the
    customer's records they are the fitting ones of (0: all of them)."""
    noun = words(key[:-3] if key.endswith("_id") else key)
    kinds = [w for k, rank, w in sorted(_details(key, records[0]), key=lambda d: -d[1])
             if k != field and rank in (_KIND_RANK, _STATUS_RANK) and _ADJECTIVE_WORDS.match(w)]
    when = re.sub(r"(?:^| )on$", "", _when_phrase(field.lower()))
    first, last = records[0], records[-1]
    span = " ".join(w for w in [when, f"from {when_words(str(first[field]))} ({first[key]})",
                                f"to {when_words(str(last[field]))} ({last[key]})"] if w)
    if not of:
        return pick(rng, B.WHICH_WHEN, n=len(records), nouns=" ".join([*kinds, noun + "s"]), noun=noun.lower(),
                    span=span, x=words(key))
    return pick(rng, B.WHICH_WHEN_FITTING, n=of, k=len(records), nouns=noun + "s", noun=noun.lower(),
                span=" ".join(["the", *kinds, "ones", span]), can=_can(noun, action) or "would work for this", x=words(key))


def _can(noun: str, action: str, held: Sequence[Any] = ()) -> str:
    """"can be cancelled" of records a change (`action`, "cancel your order") is made on; "" when
    it is not made on the record itself (a dispute for a transaction). Where some records are left
    out only because they already hold what the change sets (`held`: their ids), what it sets is
    said, and they are named as having it ("can be changed to 2 bags (BKN-3 already has that)"):
    a booking with 2 bags can still be changed, just not to 2 bags."""
    verb, _, rest = action.partition(" ")
    m = re.match(rf"(?:your|the) {re.escape(noun.lower())}\b", rest)
    if m is None:
        return ""
    can = f"can be {participle(verb)}"
    if held:
        to = rest[m.end():]
        can += to if re.match(r" to [^()]+$", to) else " that way"
        can += f" ({joined([str(h) for h in held])} already {'has' if len(held) == 1 else 'have'} that)"
    return can


def _options(key: str, records: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """Records listed by their key and up to two details that tell them apart, six at most ("...
    and 2 more"), and the kind or status they all share, said once before the noun ("active"):
    "CRD-1 (debit, ending in 4411), CRD-2 (credit, ending in 9775) and CRD-3 (credit, ending in
    7152)"; a loan by its book's title and when it is due, not by a bare date; the status too,
    where the records' differ. Two records the details would say alike get one more that tells
    them apart (two bookings from San Francisco to Seattle, by their dates), and every other
    record of the list that has it, alike or not."""
    listed = records[:LISTED_MOST]
    details = [_details(key, r) for r in listed]
    whole = len(listed) == len(records) and len(listed) > 1
    said = [{(k, w) for k, _, w in d} for d in details]
    same = {k for k, _, w in details[0] if whole and all((k, w) in s for s in said)}
    # "active debit cards": the status, then the kind
    shared = [w for k, rank, w in sorted(details[0], key=lambda d: -d[1])
              if k in same and rank in (_KIND_RANK, _STATUS_RANK) and _ADJECTIVE_WORDS.match(w)]
    told = [_told(d, same, 2) for d in details]
    # the status too where the records' differ, beside a name and a kind ("credit, ending in 9237, frozen")
    shown_alike = {k for k, _, w in details[0] if all((k, w) in s for s in said)}
    if len(listed) > 1:
        told = [t + [x for x in d if x[1] == _STATUS_RANK and x[0] not in shown_alike and x not in t][:1]
                for t, d in zip(told, details)]
    apart = [list(t) for t in told]
    instead: set[str] = set()  # dates said in place of a status
    for group in _alike(told):  # one more detail, one the alike records do not all share: a date first
        shared_by_all = set.intersection(*(said[i] for i in group))
        for i in group:
            told[i] = _told(details[i], same | {k for k, w in shared_by_all}, 1, told[i], first=_DATE_RANK)
            if told[i] == apart[i]:  # twin charges: "posted" said more fully ("posted on December 24, ...")
                told[i] = _dated_status(told[i], details[i], same | {k for k, w in shared_by_all})
                instead |= {x[0] for x in told[i] if x not in apart[i]}
    # ... told of every record that has it, not of the alike ones only: a list dating some of its
    # records ("ACC-1 (savings, open), ACC-2 (checking, open, opened on November 8, 2024)") answers
    # "When was my account opened?" for some and hides it for the others; a date said instead of a
    # status is not said beside another one ("pending, posted on ...")
    more = {x[0] for t, a in zip(told, apart) for x in t if x not in a}
    told = [t + [x for x in d if x[0] in more and x[0] not in {y[0] for y in t}
                 and not (x[0] in instead and any(y[1] == _STATUS_RANK for y in t))]
            for t, d in zip(told, details)]
    # a date that says the status it is told beside says it alone ("posted on ...", not "posted, posted on ...")
    told = [[y for y in t if not (y[1] == _STATUS_RANK and any(x[1] == _DATE_RANK and _says(x[2], y[2]) for x in t))]
            for t in told]
    told = _without_one_day(listed, told) if whole else told
    quote = any(w.startswith('about "') for t in told for _, _, w in t)  # memos alike: all quoted or none
    options = []
    for r, t in zip(listed, told):
        t = sorted(t, key=lambda x: -1 if x[1] == _KIND_RANK else x[1])  # "debit, ending in 4411"
        options.append(f"{r.get(key)}" + (f" ({_phrase([w for _, _, w in t], quote)})" if t else ""))
    if len(records) > len(options):  # the count said is the count listed: "... and 2 more"
        return f"{', '.join(options)} and {len(records) - len(options)} more", shared
    return joined(options), shared


def _dated_status(told: list[tuple[str, int, str]], details: list[tuple[str, int, str]], same: set[str]) \
        -> list[tuple[str, int, str]]:
    """`told` with its status replaced by a date that says it and more ("posted" -> "posted on
    December 24, 2024 at 7:50 pm"), where the date is what tells the record from its twin."""
    for x in details:
        if x[1] == _DATE_RANK and x[0] not in same:
            for j, y in enumerate(told):
                if y[1] == _STATUS_RANK and _says(x[2], y[2]):
                    return [*told[:j], x, *told[j + 1:]]
    return told


def _without_one_day(records: list[dict[str, Any]], told: list[list[tuple[str, int, str]]]) \
        -> list[list[tuple[str, int, str]]]:
    """`told` without a moment every record has on one day ("purchased on January 14, 2025 at 5:47
    pm" of each item of one order) where the other details still tell them apart: a customer points
    at an item by what it is, not by the minute it was bought."""
    for k in {x[0] for t in told for x in t if x[1] == _DATE_RANK}:
        moments = [re.split(r"T| at ", str(r.get(k)), maxsplit=1) for r in records]  # ISO or said in words
        if len({m[0] for m in moments}) != 1 or not all(len(m) == 2 for m in moments):
            continue
        rest = [[x for x in t if x[0] != k] for t in told]
        if all(rest) and not _alike(rest):
            told = rest
    return told


def _told(details: list[tuple[str, int, str]], same: set[str], more: int,
          told: Sequence[tuple[str, int, str]] = (), first: int | None = None) -> list[tuple[str, int, str]]:
    """`told` and up to `more` of a record's `details` besides, in rank order (those of rank `first`
    before the others): none of a field in `same`, none a detail told already says ("Basic, on the
    Basic plan")."""
    out = list(told)
    for x in sorted(details, key=lambda x: (x[1] != first, x[1])):
        if len(out) == len(told) + more:
            break
        if x[0] not in same and all(x[0] != t[0] and not (_says(t[2], x[2]) or _says(x[2], t[2])) for t in out):
            out.append(x)
    return out


def _alike(told: list[list[tuple[str, int, str]]]) -> list[list[int]]:
    """The groups of records (their indexes) whose details told say the same."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, t in enumerate(told):
        if t:
            groups.setdefault(tuple(sorted(w for _, _, w in t)), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _phrase(words: list[str], quote: bool) -> str:
    """A record's details as said in a list: a trip as "San Francisco to Seattle" (not "from San
    Francisco, to Seattle"); a memo quoted when another in the list is."""
    if quote:
        words = [f'about "{w[6:]}"' if w.startswith("about ") and not w.startswith('about "') else w for w in words]
    start = next((w for w in words if w.startswith("from ")), None)
    end = next((w for w in words if w.startswith("to ")), None)
    if start is not None and end is not None:
        at = words.index(start)
        words = [w for w in words if w not in (start, end)]
        words.insert(min(at, len(words)), f"{start[5:]} to {end[3:]}")
    return ", ".join(words)


_KIND_RANK, _STATUS_RANK, _DATE_RANK = 2, 3, 4
_ADJECTIVE_WORDS = re.compile(r"^[a-z][a-z-]*(?: [a-z][a-z-]*)?$")
_KIND_FIELD = re.compile(r"type|kind|tier|level|class|category|frequency|priority|method|size|colou?r|channel|mode")
_HANDLE = re.compile(r"phone|email|username")
_DATE_FIELD = re.compile(r"(?:^|_)(?:on|at|date|day|time)$")


def _details(key: str, record: dict[str, Any]) -> list[tuple[str, int, str]]:
    """A listed record's short facts as said in a list, each with its rank (what a person points at
    a thing by comes first): a name, a title or last digits; a place or a party ("at Mcclain
    Group"); a kind; a status; a date with what it is ("due on January 25, 2025"); an amount or a
    count; anything else. A book on loan is its title (the record's nested entry), a payment its
    payee ("to Lisa Garrett")."""
    out = []
    for k, v in record.items():
        if k == key or k == "id" or k.endswith("_id") or isinstance(v, bool) or v in (None, ""):
            continue
        if isinstance(v, dict):
            name = _entry_name(v)
            if name is not None and _SHORT.match(name):  # money sent to a person: "to Lisa Garrett"
                out.append((k, 0, f"to {name}" if _PAID_TO.match(k) and "amount" in record else name))
            continue
        if not isinstance(v, (str, int, float)) or not _SHORT.match(str(v)):
            continue
        low, prep = k.lower(), role(k.lower())
        if _LAST_DIGITS.search(low):
            out.append((k, 0, f"ending in {v}"))
        elif prep == "called" and isinstance(v, str):
            out.append((k, 0, v))
        elif _HANDLE.search(low) and isinstance(v, str):  # a line by its phone number, said as what it is
            out.append((k, 0, f"{words(k)} {v}"))
        elif prep is not None and isinstance(v, str) and not v.startswith("$"):
            out.append((k, 1, reference(low, str(v), "").strip()))
        elif low.endswith(("status", "state")):
            out.append((k, _STATUS_RANK, str(v)))
        elif _KIND_FIELD.search(low) and isinstance(v, str):
            out.append((k, _KIND_RANK, v))
        elif _DATE_FIELD.search(low) and isinstance(v, str) and re.search(r"\d", v):
            pending = any(f.lower().endswith("status") and str(x).lower() in _PENDING for f, x in record.items())
            when = _when_phrase(low, pending)
            if when == "posted on" and pending:
                when = "made on"  # a pending charge has not posted: made then, still pending
            out.append((k, _DATE_RANK, f"{when} {v}"))
        elif (done := times_done(k, v)) is not None:  # "frozen twice this year", not "2 freezes this year"
            out.append((k, 5, done))
        elif is_count(k, v):
            out.append((k, 5, counted(k, v) if v else none_of(k)))
        elif is_money(k, v):
            out.append((k, 5, f"{words(k)} {spoken(k, v)}"))  # "balance $1,359.97"
        else:
            out.append((k, 6, when_words(spoken(k, v))))
    return out


_SHORT = re.compile(r"^[\w$.,:/ -]{1,40}$")
_PAID_TO = re.compile(r"^(?:contact|recipient|payee|beneficiary)$")


def record_note(rng: random.Random, result: Any, names: dict[str, str] | None = None,
                yours: frozenset[str] = frozenset()) -> str:
    """A line naming the record a change touched and who it belongs to, as support replies do; by
    its own name where it goes by one (`names`, by id: `own_names`); none for the customer's only
    one of its kind (`yours`): "This applies to your zapdos, registered to you" tells nothing."""
    if not isinstance(result, dict):
        return ""
    ident = next(((k, v) for k, v in result.items() if (k == "id" or k.endswith("_id")) and isinstance(v, str)), None)
    if ident is None:
        return ""
    noun = words(ident[0][:-3] if ident[0].endswith('_id') else ident[0])
    if _PERSON.match(noun.lower()) or ident[1] in yours:  # the user's own profile: not "This applies to customer CST-1"
        return ""
    owner = next((v for k, v in result.items() if "email" in k and isinstance(v, str)), None)
    named = {**(names or {}), **own_names([result])}
    what = f"{noun} {named.get(ident[1], ident[1])}"  # "package coturn", where it goes by a name
    if owner:
        what += f", registered to {owner}"
    return pick(rng, B.NOTE, what=what)


# people a record may be about, told of as "they" ("they are not accepting patients")
_PERSON = re.compile(r"^(?:customer|member|user|patient|guest|client|account holder|cardholder|profile)s?$")


def looked(rng: random.Random, noun: str, key: Any, called: str | None = None, *, own: bool = False,
           name: str | None = None, now: bool = True, named: bool = False) -> str:
    """The opening of an answer about one record ("Here's what I see for card CRD-1041."; the
    customer's `own` record is "your profile", not its internal number; a catalog entry or another
    person the customer named is called so: "I found the yoga mat.", "I found the Basic plan.", "I
    found Jackie Morton's details."; a record known by its own `name` by it: "package coturn", the
    customer's only one of its kind (`name` "") as theirs: "your zapdos"), or nothing. Unless it was
    read since the customer's last message (`now`), it is one at hand ("I still have account ACC-1
    here."), never one just retrieved. `named`: the answer's first fact names nothing ("It's currently
    under review."): the opening is said, never left out."""
    said = (lambda bank: B.kept(bank, bool)) if named else (lambda bank: bank)
    if called:
        if PEOPLE.match(noun):
            return pick(rng, said(B.LOOKED if now else B.LOOKED_AT_HAND), what=f"{called}'s details")
        # a one-word name is a tier, said with its noun: "the Basic plan", never "I found the Basic."
        entry = f"{called} {noun}" if " " not in called and called[:1].isupper() else called
        return pick(rng, said(B.LOOKED_UP if now else B.LOOKED_AT_HAND),
                    what=entry if _WORK.match(f"{noun}_id") else f"the {entry}")
    return pick(rng, said(B.LOOKED if now else B.LOOKED_AT_HAND),
                what="your profile" if own else f"your {noun}" if name == "" else name if name and noun.lower() in
                name.lower() else f"{noun} {name or render(key)}")  # ("Elena's iPhone", not "iPhone Elena's iPhone")


#: the words of an alternative that say something was just looked up ("I've pulled up", "I checked,
#: and", "Thanks for waiting"): said only where a call was made since the customer's last message
_LOOKS = re.compile(r"\b(?:checked|looked|pulled|found|retrieved|located|reviewed|brought up|opened|gone through|"
                    r"had a (?:good )?look|waiting|bearing with)\b|^(?:Got|Found|Checked)\b", re.IGNORECASE)


def at_hand(bank: list[str]) -> list[str]:
    """The alternatives of `bank` that claim no look: what an answer from what the assistant already
    has may say (a comparison of records read for earlier requests, a refusal by a rule it knows)."""
    return B.kept(bank, lambda x: not _LOOKS.search(x))
