"""An offline, deterministic user: paraphrase banks over its scenario, no model."""
from __future__ import annotations

import functools
import random
import re
import zlib
from typing import Any, Collection

from gem_env.tools.referring import (LISTED, ONLY_FITTING, ORDINALS, PEOPLE, PROPOSED_PART, PROPOSED_RECORD, RECORD_ID,
                                     SPOKEN, asking_for_id, described_part, field_of, listed_by_detail, moved,
                                     reference, role)
from gem_env.tools.patterns import compiled
from gem_env.tools.render import (FREE_TEXT, agree, cased, counted, happened, how_many, is_count, left_of,
                                   part_happened, plural, smooth, state_of, text_names, undangled, unquoted)
from gem_env.tools.reasons import of_person, own_words, reworded_in, says_reason

from . import phrases as P
from .declining import TALK_IT_OVER, decline
from .base import STOP, asks_confirmation, visible_turns
from gem_env.tools.offers import offer_asked
from .refined import says_not_found
from .reply_random import reply_random
from .scenario import Request, Scenario, humanize
from .writing import Hand

_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_REQUEST_START = re.compile(
    r"^(?:please|could|can|may|would|what|which|provide|tell|let me know|i need|i'll need|i will need)",
    re.IGNORECASE,
)
# "Anything else?", or an offer to go on with the request the user named at the start ("You also
# mentioned changing your address. Shall we do that now?")
_OFFER = re.compile(r"\byou (?:also )?mentioned\b", re.IGNORECASE)
_HANDOFF_OFFER = re.compile(r"\b(?:if you'd like|if it helps), I (?:can|could) |\bI can .+ if you'd like\.",
                            re.IGNORECASE)
"""The assistant offering, after a refusal, to hand the request to a person (it settles the request)."""
_CLOSING = re.compile(rf"\banything else\b|\bsomething else\b|{_OFFER.pattern}|{_HANDOFF_OFFER.pattern}", re.IGNORECASE)
ANNOUNCED = 0.6
"""The share of sessions with several requests whose user says so at the start (others just go on)."""
VAGUE = 3
"""One user in this many starts with what their request is about, not what they want ("I need some
help with my card."), and says what they want when asked (`_vague_noun`); chosen by who they are."""
NAMED_LATER = 3
"""One user in this many with several requests names the second in their first message, for after
the first ("Then, when that's done, I also need to change my address."); chosen by who they are."""
ASKS_AGAIN = 5
"""One user in this many asks again, before leaving, for the number of something made for them."""
_WHAT_TO_DO = re.compile(r"\bwhat would you like (?:me )?to do\b|\bwhat (?:can|shall) I do\b|\bwhat do you need\b",
                         re.IGNORECASE)
_ABOUT_NOUN = re.compile(r"\bmy ((?:[a-z]+ )?[a-z]+?)(?= because\b| to\b| for\b| from\b| with\b| on\b| at\b| and\b"
                         r"| in\b| ending\b| whose\b| that\b| which\b| called\b| of\b|[.,;]|$)")
_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _points_at(key: str) -> bool:
    """Whether a known fact describes a record ("order_shipping_address"), not an id, a new value or
    a one-word fact of the user's own."""
    return "_" in key and not (key == "id" or key.endswith("_id") or key.startswith("new_"))


def _describes(key: str, records: Collection[str]) -> bool:
    """Whether a known fact describes a record (`_points_at`) of a kind the service keeps, when the
    scenario says which (`Scenario.records`): "booking_origin" is a booking's, "question_type" or
    "root_certificate_public_key" is no question's or root's where there are none."""
    return _points_at(key) and (not records or any(key.startswith(f"{n.replace(' ', '_')}_") for n in records))


def own_records(text: str, knows: dict[str, Any]) -> str:
    """"a dispute for transaction because ..." -> "... for my transaction ...": a record whose id
    the intent leaves out (the user gives it when asked) is the user's own."""
    values = [str(v).replace("_", " ") for v in knows.values() if isinstance(v, str)]
    for key in knows:
        if key.endswith("_id") and len(key) > 3:
            noun = re.escape(humanize(key[:-3]))
            # (not a verb: "I didn't mean to order it")
            text = re.sub(rf"\b(for|on|of|from|to|with|about) ({noun})\b(?!\s+(?:it|them)\b)(?P<rest>[^.,;?!]*)",
                          lambda m: m.group(0) if any(f"{m.group(2)}{m.group('rest')}".startswith(v) for v in values)
                          else f"{m.group(1)} my {m.group(2)}{m.group('rest')}", text)
    return text


def in_words(text: str) -> str:
    """Free text as a person writes it: codes in words ("because of annual_fee" -> "... annual fee")."""
    return _CODE.sub(lambda m: m.group(0).replace("_", " "), text)


def requests(text: str) -> list[str]:
    """The sentences of an assistant message that ask the user for something (a value said in
    quotes asks nothing: 'The question is "Is the game free to use?".')."""
    return [s for s in _SENTENCE.split(unquoted(text.strip()))
            if s.rstrip().endswith("?") or _REQUEST_START.match(s.strip())]


def _pointed_at(key: str, head: str, said: str, intent: str, rng: random.Random, opening: list[str]) -> str:
    """"It's the booking from Lake Jacob." for `key` = booking_origin; the noun only when the request
    names the record with it ("my booking"), else "the one ...". Two opening facts with the same
    role ("from ... to ...") keep the "<name> is <value>" form, which says which field is meant."""
    field = field_of(key, head)
    prep = role(field)
    if prep is not None and sum(role(field_of(k)) == prep for k in opening) > 1:
        return rng.choice(P.DESCRIBE).format(name=humanize(key), v=said)
    if said[:1].isupper() and said.lower().split()[-1:] == humanize(head).lower().split()[-1:]:
        return rng.choice(P.REFER).format(ref=said)  # a name that says what it is: "It's my Light Blue Account."
    own = compiled(rf"\b(?:my|the|your) {re.escape(head)}\b", re.IGNORECASE).search(intent) is not None
    noun = humanize(head) if own and rng.random() < 0.5 else "one"
    frames = P.REFER if noun != "one" else [f for f in P.REFER if " my " not in f]
    return rng.choice(frames).format(ref=_described_as(field, said, noun, rng))


_STATE_FIELD = re.compile(r"(?:^|_)(?:status|state)$")


def _described_as(field: str, said: str, noun: str, rng: random.Random) -> str:
    """`referring.reference`, but a record told apart by its status is named by what the customer
    sees of it ("one that shows as processed", "card showing as closed"), never as if the service's
    word were their own ("the processed one", "my frozen account")."""
    if _STATE_FIELD.search(field) and re.fullmatch(r"[a-z][a-z -]*", said):
        return rng.choice(P.SHOWN_AS).format(noun=noun, v=said)
    return reference(field, said, noun)


def _said_again(text: str, noun: str) -> str:
    """`text` with the record named once: its second "my <noun>" is the name alone for a person
    named ("... of my doctor Jackie Morton, and whether Jackie Morton is accepting patients"), "it"
    for a thing; a person not named stays "my doctor" (a pronoun would need another verb)."""
    named = re.match(r"\S+ ([A-Z].*)$", noun)
    short = named.group(1) if named else None if PEOPLE.match(noun) else "it"
    first = text.find(f"my {noun}")
    if short is None or first < 0:
        return text
    at = first + len(f"my {noun}")
    return text[:at] + re.sub(rf"\bmy {re.escape(noun)}(?!\w)", short, text[at:], count=1)


def _not_mine(request: Request) -> bool:
    """A question about a record that is not the user's own (the lookup says "the product")."""
    return request.kind == "lookup" and request.about.startswith("the ")


def _theirs(bank: list[str]) -> list[str]:
    """The phrasings of a fact that do not claim it as the user's own ("The product id is ...")."""
    return [t for t in bank if not re.search(r"\bmy\b", t, re.IGNORECASE)] or bank


_MEASURES = frozenset("seconds minutes hours days weeks months years times".split())
"""Units a count field may be named by: "the days of my certificate" is a length, not things it has."""


@functools.lru_cache(maxsize=4096)
def _brief_names(texts: tuple[str, ...]) -> dict[str, str]:
    """`text_names` of a brief's goals, worked out once per brief: every reset of a task makes its
    user again (shared: read, never changed)."""
    return text_names(texts)



_PLURAL = re.compile(r"(?<![su])s$")
"""A field named by a plural noun ("last four digits", "bags"), not "status" or "address"."""

def _act_words(request: Request) -> str:
    """A request's change in the user's words without its reason or new value ("close my account",
    "change my booking"), so that the same change on two records reads as one."""
    words = own_records(in_words(request.intent), request.knows)
    return re.sub(r"\$?\d[\d,.]*", "#", re.split(r" (?:because|to|from|for|with) ", words, maxsplit=1)[0])


class ScriptedUser:
    """Brings its requests one at a time in its own words (never the task's goal string), answers
    what it is asked from what it knows (and says so when it does not know: it never invents),
    confirms or declines per the request, and once the assistant has settled the last request
    says thanks + STOP. Never stops in the reply that confirms.

    A request counts as settled when the assistant's message asks nothing more of the user, or
    asks whether there is anything else. A reply depends only on the conversation: wording varies
    with an RNG seeded from the scenario, ``seed`` and the turn number.
    """

    def __init__(self, scenario: Scenario, *, seed: int = 0, voice: str = "", continuing: bool = False) -> None:
        """`voice` tells apart users with the same brief (a task's id): two documents that yield
        the same scenario still get two people, each of whom words things the same on every run.
        `continuing`: the brief is a later request of a chat already under way (a refined task's
        follow-up), so its first message greets nobody and gives no email the chat already has."""
        self.scenario = scenario
        self._continuing = continuing
        self._before = ("", "")  # (the user's words, the assistant's) of the chat before a continuing brief
        self.meta: dict[str, Any] = {"backend": "scripted", "seed": seed}
        self._seed = f"{seed}\x00{voice}\x00{scenario.model_dump_json(exclude={'names', 'records'})}"  # names, records: only how words are said
        self._session = scenario.session()
        keys = [*scenario.knows, *(k for r in self._session for k in r.knows),
                *(k for k in scenario.unknown if k not in scenario.knows)]
        # longest names first, so "new email" is matched before (and instead of) "email"
        self._names = sorted({(humanize(k).lower(), k) for k in keys}, key=lambda p: (-len(p[0]), p[0]))
        values = {k: v for r in [scenario, *self._session] for k, v in r.knows.items()}
        asks = [(how_many(k), k) for k, v in values.items() if is_count(k, v)]  # "how many bags" asks the new bags
        asks += [("{} it's {}".format(*moved(k)), k) for k in dict.fromkeys(keys) if moved(k)]  # "the account it's coming from"
        asks += [(f"name of your {humanize(k[:-5]).lower()}", k) for k in dict.fromkeys(keys)  # "the name of your package"
                 if k.endswith("_name") and len(k) > 5]
        self._names = sorted([*self._names, *((q, k) for q, k in asks if [a for a, _ in asks].count(q) == 1)],
                             key=lambda p: (-len(p[0]), p[0]))
        self._style = P.persona_style(scenario.persona)
        self._vague = self._vague_noun()
        self._named_later = self._names_later()
        self._hand = Hand(self._seed)  # how they write dates, money and times
        # one user in five asks again for the number of something made for them before leaving
        self._asks_again = zlib.crc32(f"again\x00{self._seed}".encode()) % ASKS_AGAIN == 0
        # half the careful users ask what a change will do before they say yes or no to it
        self._asks_effect = self._style == "careful" and zlib.crc32(f"effect\x00{self._seed}".encode()) % 2 == 0
        self._asked: dict[str, tuple[str, ...]] = {}
        self._settled: dict[str, bool] = {}
        """`asked_keys` and `settles` per assistant text: every reply counts the requests settled
        so far, so without them each earlier message was read again on every turn."""
        # the names the brief writes with capitals, said so: "my iPhone", "an SSD", not "my iphone"
        self._spelled = {**_brief_names((scenario.goal, *(t for r in self._session for t in (r.goal, r.intent)))),
                         **scenario.names}

    def joins(self, messages: list[dict[str, Any]]) -> None:
        """The chat before a `continuing` brief's first message (a refined task's follow-up, whose user
        sees only its own part): a record it named is said as named before ("It's order ORD-1 again.")."""
        turns = visible_turns(messages)
        self._before = (" ".join(t for role, t in turns if role == "user"),
                        " ".join(t for role, t in turns if role == "assistant"))

    async def reply(self, messages: list[dict[str, Any]]) -> str:
        return cased(self._hand.write(self._reply(messages)), self._spelled)

    def _reply(self, messages: list[dict[str, Any]]) -> str:
        """The reply with dates, money and times as the words were built (`reply` writes them the
        user's way)."""
        turns = visible_turns(messages)
        rng = reply_random(self._seed, len(turns))
        spoken = [text for role, text in turns if role == "assistant"]
        if not spoken and self._continuing:
            told, heard = self._before
            return self._opening(self._session[0], rng, told=f"{self.scenario.knows.get('email', '')} {told}".strip(),
                                 heard=heard)
        vague = self._vague
        if not spoken and vague:
            greet, body = rng.choice(self._fitting(P.GREET)), rng.choice(P.VAGUE).format(noun=vague)
            if self._style == "frustrated":  # what went wrong before is said whatever the opening
                body = f"{rng.choice(P.CONTEXT['frustrated'])} {body}"
            if greet.rstrip().endswith((",", ":")) and not re.match(r"I\b|I'", body):
                body = body[:1].lower() + body[1:]
            return greet + body
        if vague and spoken and self._asked_what(spoken[-1]) and not self._said_request(turns):
            return self._opening(self._session[0], rng)  # asked what they want: said in full
        if not spoken:
            later = smooth(rng.choice(P.NAMED_LATER).format(x=self._named_later)) if self._named_later else ""
            greet, body = rng.choice(self._fitting(P.GREET)), self._opening(self._session[0], rng, first=True, then=later)
            if len(self._session) > 1 and rng.random() < ANNOUNCED:  # before the request, whose facts end it
                several = [s for s in P.SEVERAL if "minute" not in s] if "minute" in body else P.SEVERAL
                body = f"{rng.choice(several)} {body}"
                greet = "Hi, " if "quick" in greet.lower() else greet  # not "Quick question: I've got a few things"
            if greet.rstrip().endswith((",", ":")) and not re.match(r"I\b|I'", body):
                body = body[:1].lower() + body[1:]
            return greet + body
        said = P.asked_part(spoken[-1])
        if not said.strip():
            return rng.choice(P.NUDGES)
        settled = sum(self.settles(t) for t in spoken[:-1])
        session = self._session
        current = session[min(settled, len(session) - 1)]
        if self.settles(said):
            if settled + 1 < len(session):
                told = " ".join(text for role, text in turns if role == "user")
                nxt = session[settled + 1]
                if settled == 0 and self._named_later:  # the request they named at the start
                    if _OFFER.search(said):  # offered: yes, and the facts they would have given with it
                        return self._take_up(nxt, self._named_later, rng, told, named=True,
                                             setback=current.kind == "refuse" or not current.confirm)
                    return P.next_request(rng, self._opening(nxt, rng, told=told), told, last=len(self._session) == 2,
                                          question=False, mentioned=True)
                offered = _HANDOFF_OFFER.search(said) is not None
                if offered and (_offers(said, nxt.intent) or _passes_on(current, nxt)):  # the person they
                    # were going to ask for next
                    return self._take_up(nxt, in_words(nxt.intent), rng, told, setback=True)
                again = self._asked_before(settled + 1, session)
                heard = " ".join(text for role, text in turns if role == "assistant")
                body = self._opening(nxt, rng, again=again, told=told, heard=heard,
                                     other=not again and self._turned_down_before(settled + 1))
                return P.next_request(rng, body, told, last=settled + 2 == len(session),
                                      question=nxt.kind == "lookup", again=again, refused=P.is_negative(said),
                                      declined=not current.confirm, offered=offered, clears=nxt.clears,
                                      retry=nxt.retry)
            made, at = self._made(spoken)
            if made and self._asks_again and self._may_ask_again(made, spoken, at) \
                    and not any(P.asks_repeat(text) for role, text in turns if role == "user"):
                return rng.choice(P.ASK_REPEAT).format(x=made)
            goodbyes = self._goodbyes(said, current)
            if goodbyes is P.GOODBYES:  # the last went through
                goodbyes = self._relieved(rng, next((text for role, text in turns if role == "user"), "")) or goodbyes
            return f"{rng.choice(goodbyes)} {STOP}"
        if offer_asked(said):  # what the service offers once the request is done: as the scenario says
            return rng.choice(self._fitting(P.TAKES_OFFER if current.offer == "yes" else P.TURNS_DOWN_OFFER))
        email = self._value("email", current)
        if says_not_found(said) and isinstance(email, str) and email in said:  # their email is on nobody's record
            who = {k: v for k in WHO_ELSE if (v := self._value(k, current)) is not None}
            if "first_name" in who and "last_name" in who:  # it must be an old one: who they are, the other way
                return f"{rng.choice(P.OTHER_EMAIL)} {self._who(who, list(who), rng, P.NAME_UP_FRONT)}"
        same = PROPOSED_RECORD.search(said)
        if same:
            return self._same_record(same["noun"], same["id"], current, rng, again=bool(same["same"]))
        part = PROPOSED_PART.search(said)
        key = next((k for k in self.asked_keys(said) if moved(k)), None) if part else None
        if part and key is not None and (mine := self._value(key, current)) is not None:
            if str(mine) == part["id"]:  # "Is that the account it's going to?" of theirs: yes
                return rng.choice(P.THAT_ONE).format(noun=part["noun"])
            return f"{rng.choice(P.ANOTHER_ONE).format(noun=part['noun'])} {self._facts([key], current, rng)}"
        # "Of your 4 accounts, only ACC-2 (...) can be closed. I'll ...?", or before the next question
        # ("... would work for this. Which item is it?"): not theirs, said so first
        only = ONLY_FITTING.search(said)
        if only and (other := self._not_the_one(only["nouns"], only["id"], current, rng)) is not None:
            return other
        which = re.search(r"\bwhich\b", said, re.IGNORECASE) is not None
        asked = [] if P.guided(said) else self.asked_keys(said) or (self._which_one(said, current) if which else [])
        if asked:
            # a list the question shows, or, for a follow-up that shows none ("ACC-1, then. And the
            # account it's going to: which one is that?"), the one of the message before it
            listing = spoken[-2] if len(spoken) > 1 and not LISTED.search(said) else said
            pointed = self._by_detail(listing, asked, current, rng) if which else None
            return pointed or self._facts(asked, current, rng, which=which,
                                          listed=frozenset(dict(LISTED.findall(said))) if which else frozenset(),
                                          said=said)
        if asks_confirmation(said):
            # an id they put right after the assistant found nothing for a slip is theirs
            mine = {i for (r1, t1), (r2, t2) in zip(turns, turns[1:]) if r1 == "assistant" and r2 == "user"
                    and says_not_found(t1) for i in RECORD_ID.findall(t2)}
            wrong = self._wrong_record(said, current, mine)
            if wrong is not None:  # "I'll freeze card CRD-1 ..." of another card: not theirs
                noun, key, known = wrong
                return f"{rng.choice(P.ANOTHER_ONE).format(noun=noun)} " \
                       f"{P.fact_said('My {name} is {v}.', key, known, humanize(key))}"
            if self._asks_effect and not any(text in P.ASK_EFFECT for role, text in turns if role == "user"):
                return rng.choice(P.ASK_EFFECT)  # once, at the first change asked about
            if not current.confirm:  # no, and why: what the confirmation just told them, or their own reason
                return decline(said, rng, guided=P.guided(said), intent=in_words(current.intent), twin=current.twin,
                               person=self._asks_person_later(min(settled, len(session) - 1)))
            return rng.choice(P.yes_to(said))
        return rng.choice(P.DONT_KNOW)

    def _asks_person_later(self, index: int) -> bool:
        """Whether, after turning down request `index`, the user asks for a person about it later in
        the session (a note that they want to talk it over with someone), before turning down another."""
        for later in self._session[index + 1:]:
            if any(isinstance(v, str) and TALK_IT_OVER in v for v in later.knows.values()):
                return True
            if not later.confirm and later.kind != "refuse":
                return False
        return False

    def _vague_noun(self) -> str | None:
        """What the first request is about ("card"), when this user opens with it alone: one in
        `VAGUE`, by who they are, and only a request to change something that calls the record it is
        made on "my <noun>" (the assistant can tell what it does with those)."""
        if self._continuing or not self._session or self._session[0].kind not in ("complete", "refuse", "decline"):
            return None
        if zlib.crc32(self._seed.encode()) % VAGUE:
            return None
        request = self._session[0]  # the record the request is made on, as the request calls it: "my card"
        noun = next((humanize(k[:-3]) for k, v in {**request.found, **request.knows}.items()
                     if k.endswith("_id") and str(v) == request.anchor), None)
        m = _ABOUT_NOUN.search(in_words(request.intent))
        return noun if noun and m and m.group(1) == noun else None

    def _names_later(self) -> str:
        """The second request as this user names it in their first message ("change my address"),
        for one in `NAMED_LATER` with several requests, by who they are: only a change they ask for
        as a verb phrase (not "find out ..."), not the same change again on another record ("in that
        case ..."), nor one that clears a refusal they cannot see coming; "" for the others."""
        if self._continuing or self._vague or len(self._session) < 2 or self._session[1].kind == "lookup" \
                or self._session[1].clears:
            return ""
        if zlib.crc32(f"later\x00{self._seed}".encode()) % NAMED_LATER or self._asked_before(1):
            return ""
        bank, intent = P.want_phrase(own_records(in_words(self._session[1].intent), self._session[1].knows))
        if _act_words(self._session[1]) == _act_words(self._session[0]) and "my other" not in intent:
            intent = re.sub(r"\bmy\b", "my other", intent, count=1)  # ("close my account ... Then I also
            # need to close my other account")
        return intent if bank is P.WANT and intent.split(" ")[0] not in _FINDING else ""

    @staticmethod
    def _made(spoken: list[str]) -> tuple[str, int]:
        """What the assistant last said it made for the user ("dispute" of "The dispute ID is
        DSP-1.") and the index of the message that said it, or ("", -1)."""
        for at in range(len(spoken) - 1, -1, -1):
            m = _MADE.search(spoken[at])
            if m:
                return next(g for g in m.groups() if g).lower(), at
        return "", -1

    def _may_ask_again(self, made: str, spoken: list[str], at: int) -> bool:
        """Whether, before the goodbye, the number of what was made for them (`made`, told in
        `spoken[at]`) is one a person would ask for again: told at least two requests ago (a number
        just heard, or heard before one other short request, is still on the screen), and the
        assistant's last message is a plain close, not an offer to hand a refusal to a person (which
        wants an answer); and no other record of that kind was talked about since ("my dispute
        number" after asking about another dispute, or a list of numbers of that kind, is no longer
        the one made). Never a card's: the customer knows their card by its number, not the
        service's key for it ("what was my card number?" asks for the 16 digits)."""
        last = spoken[-1]
        if made == "card" or _HANDOFF_OFFER.search(last) or sum(self.settles(t) for t in spoken[at + 1:]) < 2:
            return False
        told = _MADE.search(spoken[at])
        given = RECORD_ID.findall(told[0])[0] if told else ""
        kind = given.split("-")[0]
        return not any(i.startswith(f"{kind}-") and i != given for t in spoken[at + 1:] for i in RECORD_ID.findall(t))

    def _asked_what(self, said: str) -> bool:
        """Whether the assistant asks what the user wants ("What would you like to do with your
        card?", or any question that asks for none of their facts and to confirm nothing)."""
        return bool(_WHAT_TO_DO.search(said)) or ("?" in said and not self.asked_keys(said)
                                                   and not asks_confirmation(said) and not _CLOSING.search(said))

    def _said_request(self, turns: list[tuple[str, str]]) -> bool:
        """Whether a user message after the vague first one said the first request (most of its words)."""
        wanted = set(re.findall(r"[a-z]+", smooth(in_words(self._session[0].intent)).lower()))
        return any(len(wanted & set(re.findall(r"[a-z]+", text.lower()))) >= 0.6 * len(wanted)
                   for role, text in turns[1:] if role == "user")

    def settles(self, text: str) -> bool:
        """Whether an assistant message settles the open request (nothing more is asked of the user)."""
        settled = self._settled.get(text)
        if settled is None:
            settled = self._settled[text] = bool(_CLOSING.search(text)) or not (
                self.asked_keys(text) or asks_confirmation(text) or requests(text))
        return settled

    def asked_keys(self, text: str) -> list[str]:
        """Keys the assistant asks for, in the order their names first appear in its requests."""
        keys = self._asked.get(text)
        if keys is None:
            keys = self._asked[text] = tuple(self._keys_in(text))
        return list(keys)

    def _keys_in(self, text: str) -> list[str]:
        asked = " ".join(requests(asking_for_id(text))).lower()
        found: list[tuple[int, str]] = []
        for name, key in self._names:
            m = compiled(rf"\b{re.escape(name)}\b").search(asked)
            if m:
                found.append((m.start(), key))
                asked = asked[:m.start()] + "#" * len(name) + asked[m.end():]
        if not found:  # any assistant's "Which card would you like to freeze?", "What's the order number?":
            # the record's ID, when they know it
            ids = {name: key for name, key in self._names if key.endswith("_id")}
            found = [(m.start(), ids[f"{noun} id"]) for pattern, at in ((_WHICH_NOUN, 0), (_NOUN_NUMBER, -1))
                     for m in pattern.finditer(asked) for noun in (m[1], m[1].split()[at]) if f"{noun} id" in ids][:1]
        return [k for _, k in sorted(found)]

    def _relieved(self, rng: random.Random, first: str = "") -> list[str] | None:
        """The goodbye, once the last request went through, of a customer for whom something was
        hard, else None (a plain thanks). A request refused here and not cleared: "at least that part
        is sorted" (a third of the customers; all the frustrated ones), or after a question, "well,
        that's something" (an answer sorts nothing). A frustrated customer (their
        trouble before was with the first request) whose requests all went through: relief half the
        time (the rest just thank), and to questions alone "at least I know now"; one who turned
        something down themselves has nothing to be relieved about; "much easier" only than the app
        or website their `first` message says failed them. A refused request that went through once
        cleared: half the customers say they got there in the end."""
        session = self._session
        held = sum(r.kind == "refuse" for r in session) > sum(r.retry for r in session)
        frustrated = self._style == "frustrated"
        if held:
            if not (frustrated or rng.random() < 1 / 3):
                return None
            return P.RELIEVED_AT_LAST if session[-1].kind != "lookup" else P.SOMETHING_AT_LEAST
        if frustrated:
            if any(not r.confirm and r.kind != "refuse" for r in session) or rng.random() < 0.5:
                return None
            if all(r.kind == "lookup" for r in session):
                return P.RELIEVED_ANSWERED
            return P.RELIEVED if re.search(r"\b(?:app|website)\b", first) else \
                [r for r in P.RELIEVED if "easier" not in r]
        return P.GOT_THERE if any(r.retry for r in session) and rng.random() < 0.5 else None

    @staticmethod
    def _goodbyes(said: str, current: Request) -> list[str]:
        """A close that fits how the last request ended: refused, declined by the user, or done."""
        if not current.confirm and current.kind != "refuse":
            return P.AFTER_DECLINE
        return P.UNDERSTOOD if P.is_negative(said) else P.GOODBYES

    def _asked_before(self, index: int, session: list[Request] | None = None) -> bool:
        """Whether the request just before wanted the same thing in the same words (the same change
        on another record, right after the first was refused or declined: "In that case, ...
        instead?"); questions and a hand-off to a person about it in between do not count, any other
        request does (after a booking, "in that case" would point at nothing)."""
        session = session or self._session
        if session[index].kind == "lookup":
            return False
        words = own_records(in_words(session[index].intent), session[index].knows)
        before = next((r for r in reversed(session[:index]) if r.kind != "lookup" and "summary" not in r.knows), None)
        # (after the same change done, "In that case, ... instead?" points at nothing: "Understood. In
        # that case, could you file a complaint for my other reservation instead?" after one filed)
        return before is not None and (before.kind == "refuse" or not before.confirm) \
            and own_records(in_words(before.intent), before.knows) == words

    def _turned_down_before(self, index: int) -> bool:
        """Whether request `index` asks for a change the user asked for earlier in the session on
        another record (turned down, refused or done): it is "my other account" they close now, not
        the one they kept (one turned down just before is `_asked_before`'s: "In that case, ...")."""
        now = self._session[index]
        if now.kind == "lookup" or now.retry or now.clears:
            return False
        words = _act_words(now)
        return any(_act_words(r) == words for r in self._session[:index] if r.kind != "lookup")

    def _fitting(self, bank: dict[str, list[str]]) -> list[str]:
        """The persona's greetings or words before the request, but "quick one" and the like for a
        session of more than two requests, which is no quick one."""
        options = bank[self._style]
        return [o for o in options if not P.IN_A_HURRY.search(o)] or options if len(self._session) > 2 else options

    def _opening(self, request: Request, rng: random.Random, *, first: bool = False, again: bool = False,
                 told: str = "", then: str = "", heard: str = "", other: bool = False) -> str:
        """A request in the user's words, the facts they volunteer after it and, on the first turn,
        a sentence of the persona's own before it; one asked before, about another record, as such
        ("In that case, could you change my other booking to 3 bags instead?"). Who they are (their
        own email), once `told` in the session, is not said again, unless the request also gives
        another person's email (which alone could be taken for theirs). `then`: a sentence naming
        the next request, said after the facts. A question about a record of a kind the assistant
        has named another of (`heard`: a dispute just filed), and never the user's, is about "my other
        dispute" (one named before is no other: "my other account" was not the account just closed)."""
        if request.kind == "lookup" and request.asks:
            param = next(iter(request.knows), "record")
            noun = request.about or humanize(param[:-3] if param.endswith("_id") else param)
            mine = request.knows.get(param)
            shape = re.match(r"[A-Za-z]+-", mine) if isinstance(mine, str) and param.endswith("_id") else None
            # (not of a record that is not theirs: "the flight", never "my other the flight")
            if shape and mine not in heard and re.search(rf"\b{shape.group(0)}\d", heard) and not noun.startswith("the "):
                noun = f"other {noun}"
            body = self._question(request, noun, rng)
        else:
            bank, intent = P.want_phrase(own_records(in_words(reworded_in(request.intent, request.knows)
                                                              or "get some help"), request.knows))
            if again and bank is P.WANT and re.search(r"\bmy\b", intent):
                bank, intent = P.AGAIN, re.sub(r"\bmy\b", "my other", intent, count=1)
            elif other and bank is P.WANT and re.search(r"\bmy\b", intent) and "my other" not in intent:
                intent = re.sub(r"\bmy\b", "my other", intent, count=1)
            elif bank is P.WANT and (request.clears or request.retry):
                bank = (P.CLEAR_SINCE if request.since else P.CLEAR) if request.clears else P.RETRY
            body = rng.choice(bank).format(x=intent, since=request.since)
        body = smooth(body[:1].upper() + body[1:])
        facts = self._opening_facts(request, body, rng, told, heard=heard)
        context, sign_off = (rng.choice(self._fitting(P.CONTEXT)), rng.choice(P.SIGN_OFF)) if first else ("", "")
        if re.search(r"\bthank", context, re.IGNORECASE):  # thanked already: "Thanks in advance! ... Thanks so much." once
            sign_off = ""
        return " ".join(p for p in (context, body, *facts, then, sign_off) if p)

    def _take_up(self, request: Request, intent: str, rng: random.Random, told: str, named: bool = False,
                 setback: bool = False) -> str:
        """Yes to the assistant's offer of `request`, with the facts they would have given with it
        (`named`: the user named it in their first message, so it is "the other thing"); a hand-off
        offered after a refusal or a no (`setback`) is about that request, which the assistant
        knows: no record's id with the yes (was "Yes, thanks. The account id is ACC-11619." of the
        account the refusal had just named, or an earlier request's payment of a new one refused)."""
        leave = {k for k in request.knows if k == "id" or k.endswith("_id")} \
            if setback and "summary" in request.knows else set()
        facts = self._opening_facts(request, intent, rng, told, leave)
        return " ".join([rng.choice(P.MOVE_ON if named else P.MOVE_ON_UNNAMED), *(f for f in facts if f)])

    def _opening_facts(self, request: Request, intent: str, rng: random.Random, told: str,
                       leave: Collection[str] = (), heard: str = "") -> list[str]:
        """The facts a user volunteers with a request (`intent`: how they said it, which are not said
        twice), but those it would `leave` out. A record's id the chat named before (`told` by the
        user, `heard` from the assistant) is said as one already named: "It's the same subscription,
        SBS-1." of an earlier request's, "It's loan LOAN-1, the one you mentioned." of one the
        assistant listed, never "The subscription ID is SBS-1." as if new."""
        # their own email once told is not said again, unless another email in the request could be taken for it
        told_email = "email" in request.knows and not any("email" in k for k in request.opening if k != "email") \
            and compiled(rf"(?<![\w.@-]){re.escape(str(request.knows['email']))}(?![\w@-])").search(told) is not None
        opening = [k for k in request.opening if k in request.knows and k not in leave
                   and not (k == "email" and told_email)]
        if any(_points_at(k) for k in opening):  # "the one whose ..." right after the request it points from
            opening.sort(key=lambda k: k == "email")
        facts = [self._who(request.knows, [k for k in opening if k in _WHO], rng, P.NAME_UP_FRONT)] \
            if {"first_name", "last_name"} <= set(opening) else []
        opening = [k for k in opening if k not in _WHO] if facts else opening
        facts += [agree(self._named_before(k, request, rng, told, heard)
                        or self._volunteered(k, request.knows[k], intent, rng, opening, not _not_mine(request),
                                             self.scenario.records))
                  for k in opening]
        return facts

    def _named_before(self, key: str, request: Request, rng: random.Random, told: str, heard: str) -> str:
        """The id of `key` said as a record the chat named already, or "" (not named, not an id, a
        record with a part in a move: "From my account ACC-1."): "again" of one the user named, an
        earlier request was about or the assistant named alone ("I've frozen your card CRD-1."), "the
        one you mentioned" of one the assistant only listed among others (`told`: the user's words so
        far, `heard`: the assistant's)."""
        value = request.knows[key]
        if not key.endswith("_id") or len(key) <= 3 or moved(key) or _not_mine(request) or not isinstance(value, str):
            return ""
        named = compiled(rf"(?<![\w-]){re.escape(value)}(?![\w-])")
        earlier = self._session[:self._session.index(request)] if request in self._session else []
        alone = any(named.search(s) and set(RECORD_ID.findall(s)) == {value} for s in re.split(r"(?<=[.!?])\s+", heard))
        again = alone or named.search(told) is not None or any(value in (r.knows.get(key), r.found.get(key))
                                                               for r in earlier)
        if not again and named.search(heard) is None:
            return ""
        return rng.choice(P.SAME_RECORD if again else P.MENTIONED).format(noun=humanize(key[:-3]), v=value)

    @staticmethod
    def _question(request: Request, noun: str, rng: random.Random) -> str:
        """A lookup in the user's words: the facts asked by name ("the status of my order"), a yes/no
        one as a question of the record ("... if my doctor is accepting patients", "... whether
        overdraft protection is on for my account"), never "the accepting patients of my doctor"."""
        if noun.startswith("the "):  # a record not the user's own (a catalog's): "the price of the product"
            bare = noun[4:]
            counted = left_of(request.asks[0]) if len(request.asks) == 1 and not request.yes_no else None
            kind = any(k.endswith("_type") and v == bare for k, v in request.knows.items())
            if counted and kind:  # an entry named by its kind: "how many suite rooms are left?"
                return rng.choice(P.ASK_LEFT_OF_KIND).format(things=f"{bare} {counted[0]}", how=counted[1])
            if counted and bare[:1].isupper():  # one entry by its name: "how many copies of Night Trains are available?"
                return rng.choice(P.ASK_LEFT_OF_ENTRY).format(things=counted[0], entry=bare, how=counted[1])
            asked = re.sub(rf"\bmy {re.escape(bare)}(?!\w)", f"the {bare}", ScriptedUser._question(request, bare, rng))
            if bare.islower() and bare.endswith("s") and not bare.endswith(("ss", "us", "is")):  # "the shoes are ..."
                asked = re.sub(r"\bit is\b", "they are", re.sub(rf"\b(the {re.escape(bare)}) is\b", r"\1 are", asked))
            return asked
        if request.compare:
            return rng.choice(P.ASK_WHICH).format(nouns=plural(noun), most=request.compare, x=humanize(request.asks[0]))
        # "how many failed logins my account has", never "the failed logins of my account"; a count
        # named as one ("data_count") stays "the data count of my package" (not "how many data"), and
        # a measure ("days", "times") is no number of things the record has
        counts = [a for a in request.asks if a in request.counts and not left_of(a)
                  and humanize(a) in (how_many(a) or "") and not _MEASURES & set(humanize(a).split())]
        if counts:
            things = how_many(counts[0])
            rest = request.model_copy(update={"asks": [a for a in request.asks if a != counts[0]], "counts": counts[1:]})
            if not rest.asks:
                return rng.choice(P.ASK_HOW_MANY).format(things=things, noun=noun)
            asked = ScriptedUser._question(rest, noun, rng)  # one sentence: "..., and how many ... it has?"
            return f"{asked[:-1]}{rng.choice(P.AND_HOW_MANY).format(things=things)}{asked[-1]}"
        plain = [a for a in request.asks if a not in request.yes_no]
        states = [a for a in request.asks if a in request.yes_no]
        # a moment named by what happened then; "when was my booking made?", never "... booked?"
        whens = [(a, verb if verb[:4] != noun[:4] else "made") for a in plain if (verb := happened(a))]
        if not states and len(plain) == 1 and whens:
            return rng.choice(P.ASK_WHEN).format(noun=noun, verb=whens[0][1])  # "when was my order placed?"
        parts = [(a, part) for a in plain if (part := part_happened(a))]
        if not states and len(plain) == 1 and parts:  # "when was my plan changed?"
            return rng.choice(P.ASK_PART_WHEN).format(part=parts[0][1][0], noun=noun, happens=parts[0][1][1])
        if not states and len(plain) == 1 and (counted := left_of(plain[0])):
            return rng.choice(P.ASK_LEFT).format(things=counted[0], how=counted[1], noun=noun)  # "how many seats are left on ..."
        if not states and len(plain) == 2 and len(whens) == 1:  # "the status of my claim and when it was filed"
            other = next(a for a in plain if a != whens[0][0])
            return rng.choice(P.ASK_FACT_AND_WHEN).format(x=humanize(other), noun=noun, verb=whens[0][1])
        if not states and len(plain) == 2 and len(parts) == 1 and not whens:  # "... and when its plan was changed"
            other = next(a for a in plain if a != parts[0][0])
            return rng.choice(P.ASK_FACT_AND_PART_WHEN).format(x=humanize(other), noun=noun, part=parts[0][1][0],
                                                               happens=parts[0][1][1])
        if not states:
            return rng.choice(P.ASK_FACTS).format(x=" and ".join(humanize(a) for a in plain), noun=noun,
                                                  be="are" if len(plain) > 1 or _PLURAL.search(humanize(plain[0]))
                                                  else "is")  # "what the last four digits of my card are"

        def one_state(key: str) -> str:
            said = humanize(undangled(key))  # "if my task is executed", not "... executed during"
            head = said.split()[0]
            doing = head.endswith("ing") or head in ("in", "on", "out", "under", "over", "at", "off") \
                or (said == head and head.endswith("ed"))  # "if my contact is verified"
            if head not in ("is", "has", "can") and not doing and (state := state_of(key)) is not None:
                return rng.choice(P.WHETHER_STATE).format(noun=noun, thing=state[0], be=state[1], state=state[2])
            bank = P.WHETHER_VERB if head in ("is", "has", "can") else P.WHETHER_DOING if doing else P.WHETHER_ON
            return rng.choice(bank).format(noun=noun, state=said)
        whether = " and ".join(one_state(key) for key in states)
        if not plain:
            return rng.choice(P.ASK_YES_NO).format(whether=whether)
        if len(plain) == 1 and whens:  # "when was my account opened, and is overdraft protection on?"
            return _said_again(rng.choice(P.ASK_WHEN_AND).format(noun=noun, verb=whens[0][1], whether=whether), noun)
        asked = rng.choice(P.ASK_FACTS_AND).format(x=" and ".join(humanize(a) for a in plain), noun=noun, whether=whether)
        return _said_again(asked, noun)

    @staticmethod
    def _who(knows: dict[str, Any], keys: list[str], rng: random.Random, bank: list[str] = P.FULL_NAME) -> str:
        """Who the user is, said whole: "My name is Leslie Harmon, and my zip code is 94110." (their
        name, then each other key in `keys`)."""
        rest = "".join(f", and my {SPOKEN.get(k, humanize(k))} is {P.said_value(k, knows[k])}"
                       for k in keys if k not in ("first_name", "last_name"))
        return rng.choice(bank).format(name=f"{knows['first_name']} {knows['last_name']}", rest=rest)

    @staticmethod
    def _volunteered(key: str, value: Any, intent: str, rng: random.Random, opening: list[str],
                     mine: bool = True, records: Collection[str] = ()) -> str:
        """A fact said up front. A key named for the record the request is about ("booking_origin"
        when the request says "my booking") points at that record as a person would ("It's the one
        from Lake Jacob."); one named for another record points at that one ("It's on my frozen
        card."), a record of a kind the service keeps (`records`: "question_type" of a guide with no
        questions is "My question type is standard."); a value the request already gives (as its reason, a count: "to 3 bags", or the new
        value: "to $1,164.14") is not said twice; anything else is "my <name> is <value>"."""
        said = P.said_value(key, value)
        if FREE_TEXT.search(key) and isinstance(value, str) and value:  # what they come to a person about
            return rng.choice(P.WHY_UP_FRONT).format(v=value.rstrip("."))
        if (part := described_part(key)) is not None:  # "It's coming from my savings account."
            way, noun, field = part
            return rng.choice(P.MOVED_DESCRIBED).format(way=way, prep=way.split()[1].capitalize(),
                                                        ref=reference(field, said, noun))
        head = key.split("_")[0]
        if isinstance(value, bool) and key.startswith("new_") and compiled(
                rf"\bturn (?:on|off) (?:the |my )?{re.escape(humanize(key[4:]))}\b", re.IGNORECASE).search(intent):
            return ""  # "turn on the overdraft protection" says it: never "The new overdraft protection is yes."
        # the request says it already ("... of the Harbor Everyday Saver Account"); one word that
        # describes a record may be there by chance ("compensation for the cancelled flights" is not
        # "my cancelled reservation"), so it is still said
        # (or in the plural: "because I'm moving banks" says the reason "moving bank")
        in_request = (len(said) > 4 or said.startswith("$")) and compiled(rf"(?<![\w-]){re.escape(said)}(?:e?s)?(?![\w-])", re.IGNORECASE).search(intent)
        described = _describes(key, records)
        if in_request and (not described or len(said.split()) > 1 or re.search(r"\d", said) or compiled(
                rf"(?<![\w-]){re.escape(said)} {re.escape(humanize(head))}\b", re.IGNORECASE).search(intent)):
            return ""  # (or said as the record's name: "the Standard plan")
        prepositions = "to|in|on|by|for(?: an?)?" if key.startswith("new_") else "on|by|for(?: an?)?"  # not "ending in 5954", a card's
        if said and compiled(rf"\b(?:{prepositions}) {re.escape(said)}(?![\w-])", re.IGNORECASE).search(intent):
            return ""  # a value the request already says ("... to $1,164.14", "... in black, size M", "... on May 2, 2025", "... for a consultation")
        # the record the request is about, pointed at ("It's the cancelled one."), never "The
        # reservation status is cancelled."
        if described and compiled(rf"\b{re.escape(head)}\b", re.IGNORECASE).search(intent):
            return _pointed_at(key, head, said, intent, rng, opening)
        ref = _described_as(field_of(key, head), said, humanize(head), rng) if described else ""
        # the record it is on: "It's on my frozen card.", not "The card status is frozen."; its own
        # number is said as one ("My rx number is RX-1."), a number of another kind is not ("It's my
        # line whose phone number is ...", not "The line phone number is ...")
        if ref == said and in_request:
            return ""  # a thing the request names by its name ("... if the blender is in stock"): never "It's on my blender."
        if ref and (" whose " not in ref or field_of(key, head) not in ("number", "code", "no")):
            return rng.choice(P.ON_RECORD).format(ref=ref)
        if said and _gives_reason(said, intent):
            return ""  # the reason the request gives ("... because it was lost")
        if is_count(key, value) and re.search(rf"\b{re.escape(counted(key, value))}\b", intent):
            return ""  # a count the request already says ("... to 3 bags"): never "the new bags is 3"
        if moved(key) and mine:  # "It's coming from my account ACC-1."
            noun, way = moved(key)  # type: ignore[misc]
            return rng.choice(P.MOVED_FACT).format(way=way, prep=way.split()[1].capitalize(), noun=noun, v=said)
        if key.endswith("_id") and len(key) > 3 and mine and rng.random() < 0.5:  # "It's for card CRD-1."
            return rng.choice(P.VOLUNTEER_ID).format(noun=humanize(key[:-3]), v=said)
        return P.fact_said(rng.choice(P.VOLUNTEER if mine else _theirs(P.VOLUNTEER)), key, value, humanize(key))

    def _value(self, key: str, current: Request) -> Any:
        """What the user knows of `key` for the open request; for the first, also what the request
        they named with it knows (an assistant may take both on at once)."""
        if key in current.knows:
            return current.knows[key]
        if self._named_later and current is self._session[0] and key in self._session[1].knows:
            return self._session[1].knows[key]
        if key.endswith("_id") and any(key in r.knows for r in self._session if r is not current):
            return None  # another request's record: not the one this request is about
        return self.scenario.knows.get(key)

    def _same_record(self, noun: str, said_id: str, current: Request, rng: random.Random, again: bool = True) -> str:
        """The answer to "Is this for the same rental, RA-1?" (`again`) or "Is that the rental you
        mean, RA-1?": yes when it is the open request's record, else no, with that record's id when
        they know it."""
        key = next((k for k in (*current.knows, *current.found) if k.endswith("_id")
                    and humanize(k[:-3]).lower() == noun), None)
        if key is None:
            return rng.choice(P.DONT_KNOW)
        known = self._value(key, current)
        mine = known if known is not None else current.found.get(key)
        if mine is not None and str(mine) == said_id:
            return rng.choice(P.SAME_ONE if again else P.THAT_ONE).format(noun=noun)
        other = rng.choice(P.ANOTHER_ONE).format(noun=noun)
        return other if known is None else f"{other} {P.fact_said('My {name} is {v}.', key, known, humanize(key))}"

    def _not_the_one(self, nouns: str, said_id: str, current: Request, rng: random.Random) -> str | None:
        """"No, not that one." (with their own id, when they know it) to a confirmation proposing the
        only one of their `nouns` a change fits, when the open request is about another (found by the
        assistant, or theirs to give); None when it is theirs, or they cannot tell."""
        noun = nouns[:-1] if nouns.endswith("s") else nouns
        key = next((k for k in (*current.knows, *current.found) if k.endswith("_id")
                    and humanize(k[:-3]).lower() == noun), None)
        known = self._value(key, current) if key is not None else None
        mine = known if known is not None or key is None else current.found.get(key)
        if mine is None or str(mine) == said_id:
            return None
        other = rng.choice(P.ANOTHER_ONE).format(noun=noun)
        return other if known is None else f"{other} {P.fact_said('My {name} is {v}.', key, known, humanize(key))}"

    def _wrong_record(self, said: str, current: Request,
                      mine: Collection[str] = frozenset()) -> tuple[str, str, str] | None:
        """(noun, key, their id) when a confirmation names records of a kind whose id the user
        knows for the open request, none of them theirs ("I'll freeze card CRD-1" when theirs is
        CRD-2): a customer says it is not the one. None otherwise; nor when it names one they said
        themselves (`mine`: the id they put right after a slip)."""
        named = RECORD_ID.findall(said)
        for key, known in current.knows.items():
            if not key.endswith("_id") or not isinstance(known, str) or "-" not in known:
                continue
            kind = [i for i in named if i.split("-")[0] == known.split("-")[0]]
            if kind and known not in kind and not any(i in mine for i in kind):
                return humanize(key[:-3]).lower(), key, known
        return None

    def _which_one(self, said: str, current: Request) -> list[str]:
        """Any assistant's "Which one would you like to freeze?", "Which of your cards ...?", naming
        no field: the id of the record the open request is about ("freeze my card": its card ID),
        when the user knows it."""
        if not _WHICH_ONE.search(" ".join(requests(said))):
            return []
        intent = f" {(current.intent or current.goal).lower()} "
        return [k for k in current.knows if k.endswith("_id") and f" {humanize(k[:-3]).lower()} " in intent][:1]

    def _by_detail(self, said: str, asked: list[str], current: Request, rng: random.Random) -> str | None:
        """The answer to "which of these?" by a detail the assistant listed that
        only the user's record has ("CRD-1 (debit, ending in 9237), CRD-2 (credit, ending in
        7152)": "The one ending in 9237.", "The debit one."; "RSR-1 (Seattle to New York), ...":
        "The Seattle to New York one."), as a customer who does not read ids out answers; None
        when nothing tells it apart (the id is said then). Where no single detail does, what does
        together: the month of a date ("The savings one opened in September."), an amount ("The one
        with $1,200 in it."), its place in a short list ("The second one."). Only what the assistant
        reads back to this record (`referring.listed_by_detail`, the rule it answers by) is said,
        against the list `said` shows (the question's, or the one before a follow-up that shows none)."""
        mine = self._value(asked[0], current) if len(asked) == 1 and asked[0].endswith("_id") else None
        options = dict(LISTED.findall(said))
        if not isinstance(mine, str) or mine not in options or len(options) < 2:
            return None
        # not by the value a field the request changes has now ("the one going to ..." of a new address,
        # "the one with the username shawd" of a new username, read as the new one)
        changing = {f"{r} " for k in current.knows if k.startswith("new_") and (r := role(k[4:]))} \
            | {f"{humanize(k[4:])} " for k in current.knows if k.startswith("new_")}
        tiers: list[list[str]] = [[], [], [], []]
        # nor, asking about the record, by a word the list shows that may be the answer ("the
        # status of my account?" ... "The closed one."; "when was it opened?" ... "The one opened in May.")
        asking = bool(current.asks) or (current.intent or current.goal).split(" ")[0] in _FINDING
        asked = " ".join(current.asks)

        def may_answer(kind: str) -> bool:
            return asking and (not current.asks or bool(_ANSWERS[kind].search(asked)))
        parts = [p.strip() for p in options[mine].split(", ")]
        for at, part in enumerate(parts):
            if _cut_name(parts, at) and not (at and _cut_name(parts[at - 1:at + 1], 1)):  # a name's first piece:
                part = _whole_name(parts, at)  # said whole ("the one at Sanchez, Flores and Johnson")
            said_as = _detail_tier(part)
            if said_as is not None and not part.startswith(tuple(changing)) and (part != parts[at] or not _cut_name(parts, at)) \
                    and not (said_as[0] == 0 and may_answer("kind") or said_as[0] == 3 and may_answer("status")):
                tiers[said_as[0]].append(said_as[1])
        said_as = [[rng.choice(P.BY_DETAIL if tier == 1 else P.BY_KIND).format(kind=_titled(p), detail=p) for p in ps]
                   for tier, ps in enumerate(tiers)]
        # a status is the service's word: said as what they see ("The one that shows as frozen.")
        said_as[3] = [rng.choice(P.BY_DETAIL).format(detail=rng.choice(P.SHOWN_AS).format(noun="", v=p).strip())
                      for p in tiers[3]]
        # a date by its month, or with its year or day where the month is not enough, alone or after
        # the record's kind ("The savings one opened in September."); an amount; its place in the list
        when = [[rng.choice(P.BY_DETAIL).format(detail=d) for d in ds]
                + [rng.choice(P.BY_KIND_AND).format(kind=k, detail=d) for d in ds for k in tiers[0]]
                for ds in ([] if may_answer("date") else _dated(options[mine]))]
        money = [] if may_answer("amount") else [rng.choice(P.BY_DETAIL).format(detail=d)
                                                 for d in _amounts(options[mine])]
        place = [rng.choice(P.BY_PLACE).format(place=p) for p in _places(list(options), mine)]
        for answers in (*said_as[:3], *when, money, said_as[3], place):
            fits = [a for a in answers if listed_by_detail(said, self._hand.write(a)) == mine]
            if fits:
                return rng.choice(fits)
        return None

    def _facts(self, asked: list[str], current: Request, rng: random.Random, which: bool = False,
               listed: Collection[str] = (), said: str = "") -> str:
        """The user's answer to a question for ``asked`` ("It's RX-1."; to a "which ...?", no "Sure.";
        an id the question `listed` is picked, "ACC-1, please.", never "My account id is ACC-1.")."""
        known = [(k, self._value(k, current)) for k in asked if self._value(k, current) is not None]
        unknown = [k for k in asked if self._value(k, current) is None]
        parts = []
        named = dict(known)
        if isinstance(named.get("first_name"), str) and isinstance(named.get("last_name"), str):
            parts.append(self._who(named, list(named), rng))
            known = []
        if len(known) == 1 and not unknown:
            k, v = known[0]
            if isinstance(v, bool):  # a setting: yes/no first, never a bare "yes." that reads as assent
                parts.append(rng.choice(P.SETTING_ON if v else P.SETTING_OFF))
            elif isinstance(v, str) and re.match(r"I\b", v):  # a note in their own words: said as it is
                parts.append(rng.choice(P.own_words_bank(said)).format(v=v))
            elif "reason" in k and isinstance(v, str) \
                    and (why := own_words(v, rng, person=of_person(current.intent or current.goal))) is not None:
                # asked why, they say it as a person does ("Because I don't need it anymore."), never
                # "The reason is no longer needed."
                parts.append(rng.choice(P.REASON_OWN_WORDS).format(v=why, V=why[:1].upper() + why[1:]))
            elif moved(k) and not _not_mine(current):  # "From ACC-1.", never "My source account id is ACC-1."
                noun, way = moved(k)  # type: ignore[misc]
                parts.append(rng.choice(P.MOVED_FACT).format(way=way, prep=way.split()[1].capitalize(), noun=noun,
                                                             v=P.said_value(k, v)))
            elif is_count(k, v):  # a number of things: "3 bags", never "the new bags is 3"
                c = counted(k, v)
                parts.append(rng.choice(P.COUNT_FACT).format(c=c, C=c[:1].upper() + c[1:]))
            else:  # words starting lower case ("a question about my order") never open the message bare
                bank = [t for t in P.ONE_FACT if not t.startswith("{v}")] \
                    if isinstance(v, str) and re.match(r"[a-z]+ ", v) else P.ONE_FACT
                bank = _theirs(bank) if _not_mine(current) else bank
                bank = [t for t in bank if not re.match(r"Sure|Of course", t)] if which else bank
                bank = P.PICKED if v in listed else bank
                parts.append(P.fact_said(rng.choice(bank), k, v, humanize(k)))
        elif len(known) > 1 and any(is_count(k, v) for k, v in known):  # "It's for 2 bags and 2 passengers."
            counts = [counted(k, v) for k, v in known if is_count(k, v)]
            parts += [P.fact_said("My {name} is {v}.", k, v, humanize(k)) for k, v in known if not is_count(k, v)]
            parts.append(f"It's for {' and '.join(counts)}.")
        elif len(known) == 2 and not unknown:
            (a, va), (b, vb) = known
            parts.append(rng.choice(P.MANY_FACTS).format(a=humanize(a), va=P.said_value(a, va),
                                                         b=humanize(b), vb=P.said_value(b, vb)))
        elif known:
            parts.append(" ".join(P.fact_said("My {name} is {v}.", k, v, humanize(k)) for k, v in known))
        parts += [rng.choice(P.NOT_TO_HAND if "email" in k else P.DONT_KNOW_FACT).format(name=humanize(k))
                  for k in unknown]
        # the account a move is from, not among those the assistant listed (the one a refusal is
        # about): "It's not one of those. From ACC-1.", never a bare "From ACC-1." as if picked
        theirs = str(known[0][1]) if len(known) == 1 and moved(known[0][0]) and not unknown else ""
        if len(listed) > 1 and theirs and theirs not in listed \
                and any(i.split("-")[0] == theirs.split("-")[0] for i in listed):
            parts.insert(0, rng.choice(P.NOT_LISTED).format(none="Neither" if len(listed) == 2 else "None"))
        return " ".join(parts)


WHO_ELSE = ("first_name", "last_name", "zip")
"""What a customer says of who they are when the email they gave finds nobody (the service's
fallback finder takes them)."""
_WHICH_NOUN = re.compile(r"\bwhich ([a-z]+(?: [a-z]+)?)\b")
_WHICH_ONE = re.compile(r"\bwhich (?:one|of (?:your|my|the|these|those) [a-z]+)\b", re.IGNORECASE)
_NOUN_NUMBER = re.compile(r"\b([a-z]+(?: [a-z]+)?) (?:number|reference)\b")
#: the details a customer points with among those listed (`referring.LISTED`), by how a person says
#: them: a kind ("the debit one"), a pointing phrase ("the one ending in 9237", "the one at
#: Meyer-Pratt", "the one going to 652 Patricia Mill", "the one at 318 Samantha Mall"), a name ("the
#: Seattle to New York one"), and last a status ("the frozen one": the service's word for the record,
#: which a customer says only when nothing of their own tells it apart); a date or an amount is not
#: said from a list (a person says "the one from August", which `S.which_when` asks). The id is read
#: out only when no listed detail tells the record apart (`ScriptedUser._by_detail`)
_STATUS = re.compile(r"(?:[a-z]+ )?(?:[a-z]+(?:ed|en)|active|inactive|open|pending|overdue|due)|paid off")
_KIND = re.compile(r"[a-z]+(?: [a-z]+)?")
_POINTING = re.compile(r"(?:ending in \d+|with the number [\d-]+|(?:going to|at) \d+ [A-Z].*|"
                       r"on the [a-z]+ (?:tier|plan|level|package)|"
                       r"(?:at|to|in|from|about|for|on|with) (?:the )?[A-Z\"][^\d]*)")
_NAME = re.compile(r"[A-Z][^\d]*")
_HANDLE = re.compile(r"(?:phone )?number [\d-]+|(?:username|email) \S+")  # "with the username kperkins"


def _detail_tier(part: str) -> tuple[int, str] | None:
    """How a listed detail is said, best first, and its words: 0 a kind ("The debit one."), 1 a
    pointing phrase ("The one at Meyer-Pratt.", "The one with the phone number 204-190-7965.", "The
    one with the username kperkins."), 2 a name ("The John Gross one."), 3 a status ("The frozen
    one."); None: not said (a date, an amount)."""
    if _HANDLE.fullmatch(part):
        return 1, f"with the {part}"
    if _STATUS.fullmatch(part):
        return 3, part
    for tier, pattern in enumerate((_KIND, _POINTING, _NAME)):
        if pattern.fullmatch(part):
            return tier, part
    return None


_ANSWERS = {"kind": re.compile(r"type|kind|categor|tier|plan|class|level|cabin|method"),
            "status": re.compile(r"status|state"),
            "date": re.compile(r"(?:^|_)(?:on|at|date|time|when|day)(?:_|$| )|opened|created|issued|started|posted|"
                               r"sent|due|booked|filed|placed"),
            "amount": re.compile(r"balance|amount|total|price|fee|limit|cost|sum")}
"""What a question about the record (its `asks`) may be answered by among the details a list
shows: a customer asking when their account was opened does not point at it by its date."""
_LISTED_DATE = re.compile(r"(?:^|, )(?:(?P<verb>[a-z][a-z ]*? )?on )?(?P<month>[A-Z][a-z]+) (?P<day>\d{1,2}), (?P<year>\d{4})\b")
_LISTED_AMOUNT = re.compile(r"(?:^|, )(?P<what>balance|amount|total) (?P<v>\$[\d,]+(?:\.\d\d)?)(?=,|$)")


def _dated(details: str) -> list[list[str]]:
    """How a person says a date listed with their record, in turn from the plainest: by its month
    ("opened in December", "from March" of a bare date), its month and year, its month and day ("on
    January 5"); never the whole date read back. The assistant reads each against the list
    (`referring.listed_by_claims`)."""
    out: list[list[str]] = [[], [], []]
    for m in _LISTED_DATE.finditer(details):
        verb = (m["verb"] or "").strip()
        month = f"{verb} in {m['month']}" if verb else f"from {m['month']}"
        for level, said in enumerate((month, f"{month} {m['year']}", f"{verb} on {m['month']} {int(m['day'])}")):
            out[level].append(said.strip())
    return [level for level in out if level]


def _amounts(details: str) -> list[str]:
    """An amount listed with their record, as a person points with it: "with $16,335.47 in it" of
    a balance, "for $113.60" of a payment's amount or an order's total."""
    return [f"with {m['v']} in it" if m["what"] == "balance" else f"for {m['v']}"
            for m in _LISTED_AMOUNT.finditer(details)]


def _places(listed: list[str], mine: str) -> list[str]:
    """Their record's place in a short list, as a person points at it ("the second one", "the last
    one"), when nothing listed with it tells it apart."""
    if not 2 <= len(listed) <= len(ORDINALS):
        return []
    at = listed.index(mine)
    return ["last" if at == len(listed) - 1 and at > 1 else ORDINALS[at]]


def _titled(detail: str) -> str:
    """A name that starts with its own article said after "the": "the Glass Orchard one", never
    "the The Glass Orchard one"."""
    return detail[4:] if detail.startswith("The ") else detail


def _whole_name(parts: list[str], at: int) -> str:
    """The name a listing's commas split, from its first piece `at` ("at Sanchez", "Flores and
    Johnson": "at Sanchez, Flores and Johnson")."""
    end = at + 1
    while end < len(parts) and parts[end][:1].isupper():
        end += 1
    return ", ".join(parts[at:end])


def _cut_name(parts: list[str], at: int) -> bool:
    """Whether detail `at` is a piece of a name the listing's commas split ("at Lewis" and "King and
    Warner" of "at Lewis, King and Warner"): said alone, it would be half a name."""
    after = at + 1 < len(parts) and parts[at + 1][:1].isupper()
    before = at > 0 and parts[at][:1].isupper() and parts[at - 1].split()[-1][:1].isupper()
    return after or before


_WHO = ("first_name", "last_name", "zip")  # who the user is when they cannot give their email
# a number the assistant gives for something it made: "Your dispute number is DSP-1", "The dispute ID
# is DSP-1", "It's logged as dispute DSP-1", "Your new booking is BKN-1"
_MADE = re.compile(r"\b(?:your|the) (?:new )?([a-z]+(?: [a-z]+)?) (?:number|id|reference|ID) is [A-Z][A-Z0-9]*-\d+|"
                   r"\blogged as ([a-z]+) [A-Z][A-Z0-9]*-\d+|\byour new ([a-z]+) is [A-Z][A-Z0-9]*-\d+", re.IGNORECASE)
_FINDING = frozenset("find know check see get look".split())  # a request to learn something, not to change it


def _offers(said: str, intent: str) -> bool:
    """Whether the assistant's offer is the request the user was going to make (its words, "my"
    said "your"), read in the offer's own sentence: the refusal before it may name the next request's
    action too ("I'm unable to change the bags of your booking ... I can pass your question about
    your booking to a person if you'd like." is no offer to change another booking's bags)."""
    offer = next((x for x in re.split(r"(?<=[.!?])\s+", said) if _HANDOFF_OFFER.search(x)), said)
    wanted = set(re.findall(r"[a-z]{3,}", re.sub(r"\bmy\b", "your", in_words(intent).lower())))
    if _PASS_ON.match(in_words(intent)) and _TO_A_COLLEAGUE.search(offer):
        # the hand-off, offered as what a colleague would look into ("I can ask a colleague to look
        # into changing the limit of your card with you"): theirs when it is about the record the
        # refusal was about (their "my card" among its words)
        wanted -= _PASS_ON_WORDS
        return bool(wanted) and wanted <= set(re.findall(r"[a-z]{3,}", said.lower()))
    return bool(wanted) and wanted <= set(re.findall(r"[a-z]{3,}", offer.lower()))


def _passes_on(refused: Request, nxt: Request) -> bool:
    """Whether `nxt` hands to a person a question about a record the `refused` request was about
    (the line the bill is on, the card the charge is on: ids it knows or the assistant found), so
    that the offer of a colleague after the refusal is it, whatever record the offer names."""
    ids = {str(v) for k, v in nxt.knows.items() if k.endswith("_id")}
    about = {str(v) for k, v in {**refused.found, **refused.knows}.items() if k.endswith("_id")}
    return _PASS_ON.match(in_words(nxt.intent)) is not None and bool(ids & about)


# a request to hand a question to a person ("pass my question about my card to a person"), and an
# offer of one made to a colleague, a person or someone on the team
_PASS_ON = re.compile(r"(?:pass|send|hand)\b.*\bto (?:a person|someone|a human|an agent)\b", re.IGNORECASE)
_PASS_ON_WORDS = frozenset("pass send hand question about your person someone human agent".split())
_TO_A_COLLEAGUE = re.compile(r"\b(?:colleague|a person|someone on our team|member of our team)\b", re.IGNORECASE)


def _gives_reason(said: str, intent: str) -> bool:
    """Whether the request gives `said` as its reason: "... because it was lost" for "lost", or in
    its own words, "... because the delivery was too slow" for "delivery too slow"."""
    if compiled(rf"\b(?:because|due to)\b[\w' ]{{0,12}}\b{re.escape(said)}(?![\w-])", re.IGNORECASE).search(intent) \
            or says_reason(intent, said):  # "... because someone stole it"
        return True
    clause = re.search(r"\b(?:because|due to)\b([^.;!?]*)", intent, re.IGNORECASE)
    wanted = set(re.findall(r"[a-z]+", said.lower()))
    return clause is not None and bool(wanted) and wanted <= set(re.findall(r"[a-z]+", clause.group(1).lower()))

