"""The procedure path of the offline extractor: one table, one workflow following the text's steps
(see offline.py for what it builds).

`ProcedureBuilder.build` runs named steps in order: name the entity, collect the text's
conditions, give each a step to guard, settle the status values, turn conditions into
preconditions, find each step's parameters, then make the entity, the tools and workflow
(procedure_tools.py), the policy, and the domain.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ...documents import Document, Rejection, Verdict
from ...tools import Domain, DomainError, parse_domain
from ...text import features as tf
from ...text.lexicons import _FINITE
from ...text.preconditions import rule_sentence, states_precondition
from ...tools.kinds import NAMED_BY, NAMED_WHEN_ASKED, PROCEDURE_RECORDS, alternatives, customer_step, one_of, takes_time
from ...tools.render import is_money
from .lexicon import (with_shown, OWNER_EMAILS, VERB_STATUS, _LIMIT, _NO_STATE_VERBS, _PARTICLES, _SECRET, _SHOWN, _STOP, _UPDATE_FIELD_VERBS,
    _WRITE_COMMUNICATE,
    _VERIFY_VERBS, _clean, _ident, _regular_participle, _span, _unique, bare_title, domain_slug, field_words,
    participle, plural)
from .steps import PRESSES, StepInfo, analyse_step, is_note, is_pointer, leaves_a_state, pressed_action, promote_action
from .procedure_service import SERVICE_RECORDS, agent_steps, company_form, is_service_procedure, only_choosing
from .procedure_values import _HOW_TO, _INITIAL, _goal_phrase, _list_expr, plain_title, said_title, status_values
from .procedure_fields import FieldRules, _Field, _Require, _title_object
from .procedure_given import Given, given_values, never_asked, no_value_told
from .procedure_own_name import request_names, seeded_names_fit
from .procedure_acts import step_act
from .procedure_tools import NOT_STARTED, ProcedureTools, read_result, said_step, without_lead_in

if TYPE_CHECKING:
    from .offline import OfflineExtractor

_SETTING_VERBS = _UPDATE_FIELD_VERBS | {"enable", "choose", "select", "pick", "raise", "lower", "increase", "decrease"}
#: the choices a step offers: "for push or email notifications", "to daily, weekly or monthly"
#: a conditional whose main clause is advice ("If a payment cannot be canceled, consider requesting a
#: return ..."): what to do when something fails, not a rule of its own
#: "Only a card in good standing can be upgraded": who or what may act, a rule on the record
_ONLY_WHOM = re.compile(r"^\W*only\s+(?!if\b|when\b|after\b|once\b|one\b|\d)[^.;:!?]{2,80}?\s(?:can|may|could|will)\s",
                        re.I)
_ADVICE = re.compile(r"^\W*(?:if|when)\b[^,.;]{3,120},\s*(?:consider|try|contact|reach\s+out|call|ask|request|"
                     r"you\s+(?:can|may|might|could|should)(?!'t|n't|\s*not)|it\s+may\s+help)\b", re.IGNORECASE)
_CHOICES = re.compile(r"\b(?:for|to|as|between)\s+(?P<list>(?:[A-Za-z][\w-]*,\s+)*[A-Za-z][\w-]*,?\s+(?:or|and)\s+"
                      r"[A-Za-z][\w-]*)(?:\s+(?P<noun>[a-z][\w-]*))?", re.I)
_NOT_CHOICES = frozenset("above below more less before after up down in out on off over under yes no the a an your "
                         "my it them this that".split())
#: the state a request's participle names when it names none of its own: a thing made is ready
_STATE_OF = {"made": "ready"}
#: a title's verb that says how the next one is done: "Force Eject a Disc" asks for the disc ejected
_FORCING = frozenset({"force"})
#: a fronted phrase of how a step is done: "Using a flashlight, " (the step's verb follows it)
_FRONTED_ING = re.compile(r"^\W*[A-Za-z]+ing\b[^,.;:]{0,60},\s*")
#: verbs of what the reader does once the procedure is done: "Enjoy your new look", "Try out real gravities"
_AFTERWARDS = frozenset({"enjoy", "try", "admire", "relax", "celebrate"})
_PREPOSITIONS = frozenset("to in for with on from by at as of into".split())
_FIGURE = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_LEADING = frozenset("your the a an my their its all any each".split())


def _object_words(phrase: str, noun: str) -> list[str]:
    """The setting a step's words name before its choices ("your alert threshold above or
    below" -> alert, threshold): words up to the first that is no noun of it, not the record itself."""
    out: list[str] = []
    for w in re.findall(r"[A-Za-z][\w-]*", phrase):
        low = w.lower()
        if not out and low in _LEADING:
            continue
        if low in _STOP or low in _NOT_CHOICES or low in _LEADING:
            break
        out.append(tf.lemma(low))
    return [] if out in ([noun], [tf.lemma(noun)]) else [_ident(w, 20) for w in out]


_DONE_WITHOUT = re.compile(r"\b(?:without|instead\s+of|no\s+need\s+(?:for|of))\s+(?:(?:the|their|your|its|his|her|"
                           r"any|a|an)\s+)?(?:[\w-]+\s+)?$", re.I)
"""What comes before a value a step does without ("Login to any accounts without their passwords"):
no parameter the user gives (they were asked for the passwords after setting a new one)."""


def _introducers(code: Any, named: list[Any]) -> list[Any]:
    """The named fields right before a value shaped like an id ("a permit number (for example
    PP-558201)": permit number): the phrase it is an example of."""
    return [f for f in named if f.kind == "named" and 0 <= code.start - (f.start + len(f.text)) <= 20]


_KEPT_BY_SERVICE = re.compile(r"(?:^|_)(?:status|state)$")
"""A field only the service knows the value of (an application's status): a step that names it
reads it, even one worded as the user confirming it."""


#: words before a field that make it nobody's value: a purpose or a manner ("for future reference",
#: "with as high level", "in every possible level") or any one of many ("each", "every", "any")
_NO_ONES = frozenset("for in on at with as every each any all".split())
#: heads of a measure or a kind of something ("a maximum amount of points", "the type of mail")
_MEASURES = frozenset("amount level type kind sort number degree lot variety quantity".split())


def _given_in_step(nf: Any, info: StepInfo, text: str) -> bool:
    """Whether a field the step's words name is a value someone could give in it, not words that only
    look like one: the step's own verb taken in ("Consider phone battery life": `consider_phone`), a
    purpose or any one of many ("for future reference", "in every possible level"), a measure or a
    kind of something ("arm yourself with as high level of armor", "a maximum amount of
    points"), or the subject of a clause that does not do the step ("An alternative method is to
    ...", "your Blockhead's status suggests ..."; not "a storage method must be chosen" of a choice).
    Each was asked of the customer ("May I also have the high level?")."""
    first = nf.text.split()[0].lower()
    if info.verb in (first, tf.verb_lemma(first)) and not re.search(r"[A-Za-z]", text[info.step.start:nf.start]):
        return False
    before = re.findall(r"[A-Za-z]+", text[max(info.step.start, nf.start - 20):nf.start].lower())[-1:]
    if before and before[0] in _NO_ONES and text[nf.start - 1:nf.start] not in "\"\u201c'\u2018":
        return False  # (not a quoted label: 'Select "No" for "Hide local mail name ..."')
    after = re.findall(r"[A-Za-z]+", text[nf.end:nf.end + 40].lower())[:4]
    word = after[0] if after else ""
    if word == "of":
        return tf.lemma(nf.name.split("_")[-1]) not in _MEASURES  # ("the host name of the smarthost": a field)
    lemma = tf.verb_lemma(word) if word else None
    if word in _FINITE or lemma and word in (lemma + "s", lemma + "es"):
        # ("a storage method must be chosen" in a step that chooses: the step's own thing)
        return any(tf.verb_lemma(w) == info.verb or w == participle(info.verb) for w in after[1:])
    return True


def _adjacent(first: Any, then: Any, text: str) -> bool:
    """Whether named field `first` only modifies the named field right after it ("Apple ID password")."""
    return first is not then and first.kind == then.kind == "named" and first.end < then.start \
        and re.fullmatch(r" +", text[first.end:then.start]) is not None


#: a heading of what is done once the procedure is: "Post-activation checks", "After you apply", "Verify the outcome"
_AFTER_HEADING = re.compile(r"^\W*(?:post\W?\w+|after(?:wards)?|once|verify(?:ing)?\s+the\s+(?:outcome|result))\b", re.I)

#: a step of a path through menus: "Settings > Game Center > Apple ID"
_MENU_STEP = re.compile(r"\s*[>\u203a\u2192]\s*")


#: (verb, particle) of a step that reads a value out for the reader: "Write down all codes", "Note the score"
_READS_OUT = frozenset({("write", "down"), ("jot", "down"), ("note", ""), ("note", "down"), ("read", ""),
                        ("read", "out"), ("read", "off"), ("copy", "down"), ("record", "")})

#: states a record may be in that stop every change of it, as a service's text speaks of them
_BLOCKING = ("closed", "suspended", "archived", "expired", "on hold", "locked out")


#: a sentence about something, not to anyone: a subject, then its verb ("The petitioner is Montblanc",
#: "It should say it has taken a picture", "Sonic will ask the other members", "you will now unlock the
#: Final Story"); an obligation in the passive is an instruction ("the daemon configuration must be updated")
_STATEMENT = re.compile(r"^\W*(?:(?:the|a|an|this|that|these|those|it|they|there|he|she|his|her|its|their)\s+"
                        r"(?:[\w'’-]+\s+){0,3}?(?:is|are|was|were|will|would|can|could|has|have|had|"
                        r"(?:should|must)(?!\s+(?:first\s+|then\s+|also\s+)?be\b))|"
                        r"(?-i:[A-Z][\w'’-]*\s+(?:or\s+[A-Z][\w'’-]*\s+)?)will|you\s+will)\b", re.I)


#: a step that is no act of anyone's however it opens: a configuration or command dump (a directive
#: "#set_var", a shell variable "$EASYRSA", an environment name "EASYRSA_REQ_CN": the text's listing,
#: whose words a call's label mangled to "#set var EASYRSA SSL CONF ..."), or a supposition that sets
#: up an example ("Suppose your hostname is foo, the login prompt looks as follows.")
_NO_ACT = re.compile(r"(?:^|\s)#[a-z]+_[a-z_]+\b|\$[A-Za-z_{(]|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|"
                     r"^\W*(?:[Ss]uppose|[Aa]ssume|[Ii]magine)\b|"
                     # a program's prompt as the text shows it: its numbered choices of lines ("[1 - #include
                     # <abstractions/lightdm>] 2 - #include ...") and its keys ("(A)llow / [(D)eny] / (I)gnore")
                     r"#include\s*<|\(\w\)\w+\s*\]?\s*/\s*\[?\(\w\)\w+")
#: a step that is all a quotation of someone's words about the game, not an instruction ('"His most
#: annoying tactic is that when his HP goes below 50%, ...'): told, it was cut at 200 characters
_QUOTED = re.compile(r'^\s*["“](?P<said>[^"”]*)')
#: the longest step told whole (a step cut at 200 characters with "…" was told, and marked, mid-sentence);
#: longer, it is told up to its last sentence end within this
_LONGEST = 1200


class ProcedureBuilder(FieldRules, ProcedureTools):
    """Builds one domain; a fresh one per document."""

    def __init__(self, ex: OfflineExtractor, doc: Document, verdict: Verdict | None, text: str,
                 infos: list[StepInfo], truncated: bool) -> None:
        self.ex, self.doc, self.verdict, self.text, self.infos = ex, doc, verdict, text, infos
        self.truncated = truncated
        self.choices: dict[int, str] = {}   # id of a step made of alternatives -> its label (`_choice`)
        self.fields: dict[str, _Field] = {}
        self.windows: set[str] = set()
        self.limits: dict[str, str] = {}  # field -> the comparison its first limit made (">= 100.0")
        self.settings: dict[int, str] = {}  # step -> the setting it changes to a value the user chooses
        self.given: dict[str, Given] = {}   # field -> the value a step names that the user supplies
        self.own_name: str | None = None    # the record's own name field (`_own_name`)
        self.program: str | None = None     # the program the title names (`title_program`)
        self.game: str | None = None        # the game the title's task is done in (`title_game`)
        self.spans: list[tuple[int, int]] = []

    def _guide_line(self, info: StepInfo) -> str:
        """A step as the guide tells it, on one line: with the command or setting the text shows after
        a step that points at it (`lexicon.with_shown`)."""
        step = _whole(info.step.text)
        shown = " ".join(with_shown(step, self.text, info.step.end).split())
        return _whole(shown) if len(shown) <= _LONGEST else step

    def _choice(self, options: list[StepInfo]) -> StepInfo:
        """Alternatives (`tools.kinds.alternatives`) as the one step the customer takes: its span the
        run of them in the text, its label each way without what it suits (`tools.kinds.one_of`:
        "email iTunes, get iTunes support to call you or start an online chat session")."""
        first, last = options[0].step, options[-1].step
        said = one_of(i.step.text for i in options)
        info = analyse_step(replace(first, text=said, end=last.end, verb=tf.leading_verb(said)), self.text)
        self.choices[id(info)] = said[:1].lower() + said[1:].rstrip(".") if said[1:2].islower() else said.rstrip(".")
        return info

    def build(self) -> Domain | Rejection:
        self._name_entity()
        self.service = is_service_procedure(self.text, self.noun)
        # ways to one end the customer takes one of ("Email iTunes if you don't mind waiting a few days",
        # "Get iTunes support to call you if you'd like to talk on the phone", "Start an online chat
        # session if you want to talk with a representative"): the guide tells them as a choice, and the
        # checklist records the one step the customer takes, whichever way (`_choice`: every way was
        # marked done, of a customer who took one; then none was, of one who had taken one)
        runs = [] if self.service else alternatives(i.step.text for i in self.infos)
        options = {id(self.infos[k]) for a, b in runs for k in range(a, b)}
        chosen = {id(self.infos[a]): self._choice(self.infos[a:b]) for a, b in runs}
        acts = [chosen.get(id(i), i) for i in self.infos if id(i) in chosen or not is_note(i.step.text)
                and not is_pointer(i.step.text) and not self._no_instruction(i) and id(i) not in options]
        if not acts and not self.service:
            return Rejection(id=self.doc.id, stage="extract", reason=(
                "a guide whose every step is something to know, a pointer or a remark: nothing to do"))
        if not self.service and any(_CUT_EXAMPLE.search(i.step.text) for i in acts):
            return Rejection(id=self.doc.id, stage="extract", reason=(
                "a guide whose text lost what its steps show (a step ends at its example's \"(e.g.\"): "
                "told, its steps point at code or values nobody sees"))
        # a step that lasts longer than a visit ("Wait 24 hours.", "Try streaming for at least 3 months")
        # and the steps after it are done later: the guide tells them, and the visit records only the
        # steps before it (the customer cannot have waited 24 hours in the chat, nor be done with what
        # follows the wait). A guide whose first act is such a step leaves nothing to record in a visit
        wait = None if self.service else next((k for k, i in enumerate(acts) if takes_time(i.step.text) is not None), None)
        if wait == 0:
            return Rejection(id=self.doc.id, stage="extract", reason=(
                f"a guide whose first step lasts longer than a visit (\"{_clean(acts[0].step.text, 80)}\"): nothing "
                "the customer can do and report done in one"))
        acts = acts if wait is None else acts[:wait]
        if not self.service and self._customers_own() and company_form(self.text, self.noun, acts) \
                and any(i.kind == "write" for i in acts):
            return Rejection(id=self.doc.id, stage="extract", reason=(
                f"a company's how-to on the customer's {self.head} whose steps are the customer's own work in its "
                "app or site (what they choose, enter, submit or export): nothing for the service's agent to do, "
                "and no company keeps a checklist of them"))
        self.notes = [] if self.service or not acts else [i for i in self.infos if i not in acts]
        if self.notes:  # a step to understand, know or enjoy is no act: the guide says it, no call does it
            self.guide = [self._guide_line(i) for i in self.infos]
            self.infos = acts
            promote_action(self.infos)
        if self.service:
            kept = agent_steps(self.infos)
            choosing = only_choosing(kept, bare_title(self.doc.title))
            promote_action(kept)
            if not kept or choosing or any(i.kind == "write" for i in self.infos) and all(i.kind != "write" for i in kept):
                return Rejection(id=self.doc.id, stage="extract", reason=(
                    "a service's how-to whose every act is the customer's own work in the app (the way in, "
                    "what they look at, pick, download or follow, their own confirmation): nothing for the "
                    "service's agent to do"))
            self.infos = kept
        conditions = self._text_conditions()
        self._plan_writes()
        step_of, chosen = self._guarded_steps(conditions)
        self._settle_statuses(conditions, step_of, chosen)
        requires = self._requires(conditions, step_of, chosen)
        step_params = self._step_params(requires)
        self._progress_steps(requires, step_params)
        entity = self._entity()
        tools, workflow = self._tools_and_workflow(entity, requires, step_params)
        if not self.service and not any(t["kind"] == "write" for t in tools):
            # a guide none of whose steps a call records (each only reads the record: "gnome-terminal:
            # Preferences → Profiles → ..."): the assistant read it and said "The status is active.",
            # and the guide was never told
            return Rejection(id=self.doc.id, stage="extract", reason=(
                "a guide whose every step only reads the record: nothing the customer does is recorded, and "
                "its steps would never be told"))
        policy = self._policy(conditions)
        return self._domain(entity, tools, workflow, policy)

    # ---------------------------------------------------------------- the entity and its ids

    def _name_entity(self) -> None:
        """The entity's noun, table, key and id pattern (the text's own code, else PREFIX-#####)."""
        self.program = self.title_program()
        self.game = None if self.program else self.title_game()
        self.noun = "program" if self.program else "game" if self.game else self.entity_noun()
        # a record named as what identifies the customer is named in full: an email they copy is an
        # email message ("The email is EMA-06385" was read as the customer's email, and looked up by it)
        self.noun = _NAMED_IN_FULL.get(self.noun, self.noun)
        self.head = self.noun.split("_")[-1]  # a record named as the text names it ("card" of an iPhone SIM card)
        self.table = _ident(plural(self.noun), 40)
        self.pk = f"{_ident(self.noun, 30)}_id"
        prefix = re.sub(r"[^A-Z]", "", self.noun.upper())[:3] or "ID"
        named = tf.named_fields(self.text)
        # the phrase the text's example belongs to ("a permit number (for example PP-558201)") is the
        # id by another name: a step's "enter your permit number" asks for the id, not another field.
        # A value shaped like an id that no such phrase introduces is a standard's or a model's name
        # ("formatted according to RFC2822", "an ISO9660 image", "Hash: SHA512"), not a record's
        # number: the records were numbered ISO####, SHA#####
        example = next((c for c in named if c.kind == "code" and _introducers(c, named)), None)
        code = example.text.lstrip("#") if example else None
        self.id_names = {_ident(f.name) for f in _introducers(example, named)} if example else set()
        pattern = re.sub(r"\d", "#", code) if code and len(code) <= 16 else f"{prefix}-#####"
        if pattern.count("#") < 4:
            pattern += "##"
        self.pattern = pattern

    @staticmethod
    def _no_instruction(info: StepInfo) -> bool:
        """A step the text lists that asks nothing of anyone: no verb opens it and no words of it say
        an act ("Congratulations!", "Done!", "It should say it has taken a picture", a program's output
        line): it was a tool of its own taking only the record's id (`do_samus`, `say_picture`)."""
        if _NO_ACT.search(info.step.text):  # a command or configuration dump, a supposition: said by no call
            return True
        quoted = _QUOTED.match(info.step.text)
        if quoted and not info.tool_id and len(quoted["said"].split()) >= 6 and tf.leading_verb(quoted["said"]) is None:
            return True  # (someone's words quoted, no act in them)
        if info.step.verb is not None or info.tool_id or said_step(info.step.text) is not None:
            return False
        return bool(_STATEMENT.match(without_lead_in(info.step.text)) or re.fullmatch(r"\W*(?:[A-Za-z]+ed|done|congratulations)\W*",
                                                                    info.step.text, re.I))

    def _text_conditions(self) -> list[dict[str, Any]]:
        """The conditions the text states, one per clause, strongest kind first."""
        clauses: dict[int, dict[str, Any]] = {}
        found = tf.conditions(self.text)
        for c in found:
            if c.kind not in tf.STRONG_CONDITIONS and not (c.kind == "limit" and _LIMIT.search(c.text)):
                continue
            if c.text.rstrip().endswith(":"):  # "Verify all of the following before closing:" introduces a list
                continue
            if c.text.rstrip().endswith("?"):  # "Does the LDAP database require login?": a prompt asks, states no rule
                continue
            if _ADVICE.match(c.text):  # "If a payment cannot be canceled, consider requesting a return": what to do then
                continue
            if c.kind == "before" and not any(o.start == c.start and o.kind != "before" for o in found):
                continue  # "... by extending the rental before it ends": when to act, not a rule on the record
            entry = clauses.setdefault(c.start, {"start": c.start, "end": c.end, "text": c.text,
                                                 "kinds": set(), "amount": None, "unit": None})
            entry["kinds"].add(c.kind)
            if c.kind == "within" and c.amount:
                entry["amount"], entry["unit"] = c.amount, c.unit
        # an instruction, an obligation on the reader or a remark is no rule ("You need to check build
        # scripts ...", "The usual way is ..."): the assistant refused by them, quoting an imperative
        clauses = {k: e for k, e in clauses.items() if states_precondition(e["text"], e["kinds"])}
        lay = tf.layout(self.text)
        for a, b in sorted([(i.start, i.end) for i in lay.items] + list(lay.sentences)):
            if a not in clauses and _ONLY_WHOM.match(self.text[a:b]):  # no trigger word of its own
                clauses[a] = {"start": a, "end": b, "text": " ".join(self.text[a:b].split()), "kinds": {"only_if"},
                              "amount": None, "unit": None}
        return sorted(clauses.values(), key=lambda e: e["start"])

    def _plan_writes(self) -> None:
        """Tool names claimed so far (the get tool first), the write steps that leave the record in
        a state and those states; the writes whose verb names none (`leaves_a_state`: "Type the l
        key", "Use emacs") record that they are done (`unclaimed`, progress steps) and claim none."""
        self.tool_names: set[str] = set()
        self.step_words: dict[str, frozenset[str]] = {}  # a step tool's name -> its step's words (`_tool_name`)
        self.get_name = _unique(f"get_{_ident(self.noun, 50)}", self.tool_names)
        writes = [i for i in self.infos if i.kind == "write"]
        title = re.findall(r"[A-Za-z]+", re.sub(r"^how to\s+", "", bare_title(self.doc.title), flags=re.I))
        if title and title[0].lower() in _FORCING:
            title = title[1:]
        goal = tf.verb_lemma(title[0]) if title else None
        promoted = self._goal_step(writes, goal)
        if promoted is not None:
            writes = [i for i in self.infos if i.kind == "write"]
        statuses = [self._status_of(i, goal if i is writes[-1] else None) for i in writes]
        self.request_verb: str | None = None
        self.stateless_request = False
        done = self._request_done(writes[-1] if writes else None)
        if done and statuses:
            statuses[-1] = _STATE_OF.get(done, done)
        elif self.stateless_request and statuses and writes[-1].verb not in VERB_STATUS:
            statuses[-1] = None  # nor is the last step's own verb a state of it ("Dig up the shovel": 'dug')
        elif promoted is not None and statuses[-1] is None and goal:
            statuses[-1] = participle(goal)  # the step that does what the title asks leaves its state
        self.request_done = done if statuses else None
        writes, statuses = self._title_state_last(writes, statuses, goal or self.request_verb, promoted)
        last = max((k for k, s in enumerate(statuses) if s), default=None)
        statuses = self._record_states(writes, statuses, goal or self.request_verb)
        # what the steps do to things, the last's too when it leaves no state of the record ("Submit the
        # conversion" of a wallet): what a rule outside the steps is about ("your conversion amount")
        self.acts = [w for k, (w, s) in enumerate(zip(writes, statuses)) if s or k == last]
        self.writes = [w for w, s in zip(writes, statuses) if s]
        self.statuses = [s for s in statuses if s]
        self.unclaimed = {j for j, i in enumerate(self.infos) if i.kind == "write" and all(i is not w for w in self.writes)}
        self.first_prior = VERB_STATUS.get(self.writes[0].verb, (None, None))[1] if self.writes else None
        self.produced = set(self.statuses)

    def _title_state_last(self, writes: list[StepInfo], statuses: list[str | None], goal: str | None,
                          promoted: StepInfo | None) -> tuple[list[StepInfo], list[str | None]]:
        """The title's state ('printed', of "How to Print from Your iPhone") is reached when the
        procedure is done, not at the last write while steps remain ("Tap Install", then "Open the
        item", "Tap Share", ... "Follow the on-screen instructions"): it moves to the last step
        after that write that the reader carries out (`_carried_out`), made a write, and the write
        keeps its own verb's state, if any. It stays where it is when that write does the title's
        verb itself ("Transfer contacts from your phone" of "How to Transfer Your Phone Book"), or
        when only looking at the result ("Look at your swatches"), enjoying it or a remark
        ("Done!", "Microsoft no longer sends a box") follows."""
        if not statuses or not goal or statuses[-1] is None or writes[-1] is promoted:
            return writes, statuses
        state = participle(goal)
        if statuses[-1].split(" ")[0] not in (state, _STATE_OF.get(state)):
            return writes, statuses
        last = writes[-1]
        if last.verb == goal or re.search(rf"\b(?:{re.escape(goal)}|{re.escape(state)})\b", last.step.text, re.I):
            return writes, statuses
        at = next(j for j, i in enumerate(self.infos) if i is last)
        reading = tf.action_kind(goal) in ("read", "verify")
        later = [j for j in range(at + 1, len(self.infos)) if self._carried_out(self.infos[j], reading)]
        if not later:
            return writes, statuses
        self.infos = list(self.infos)
        self.infos[later[-1]] = replace(self.infos[later[-1]], kind="write")
        own = self._status_of(last, None)
        return [*writes, self.infos[later[-1]]], [*statuses[:-1], own, statuses[-1]]

    def _record_states(self, writes: list[StepInfo], statuses: list[str | None],
                       goal: str | None) -> list[str | None]:
        """The statuses that are states of the record: a state a service keeps of the record the step
        acts on (`VERB_STATUS`: "Lock the locker", not "Disable PDF permissions" of a PDF) or one the
        text speaks of the record in ("an installed package"), and the one the procedure leaves (the
        last) when it is what the request asks for ('chosen' of "Choose a smartphone") or its step
        acts on the record ("Start the postfix"). Each other step's own participle is no state of it
        (a code went 'written down', 'shut', then 'checked'; a Stoppie was left 'released' by "Release
        the front brake"): that step records that it is done (a progress step)."""
        last = max((k for k, s in enumerate(statuses) if s), default=None)
        return [s if s and (k == last and not self.stateless_request and self._leaves_record_in(w, s, goal)
                            or w.verb in VERB_STATUS and self.head in {tf.lemma(o) for o in w.object_words[-1:]}
                            or self._said_of_record(s)) else None
                for k, (w, s) in enumerate(zip(writes, statuses))]

    def _leaves_record_in(self, step: StepInfo, state: str, goal: str | None) -> bool:
        """Whether the last write's `state` is the record's: the request's own state (its verb's
        participle, or `request_done`), else a step that names the record ("Mount the unbootable
        system" of systems), not one about something else the reader does on the way ("Release the
        front brake" of a Stoppie, "Click Turn Bluetooth On" of a Jambox, "Return your foot to the
        accelerator" of a Prius: they were left 'released', 'turned', 'returned'). A verb or
        pressed label that names no object ("Click on “Save.”", "Tap Save & Close") acts on what is
        open, the record; one that does ("Click Clear History", "Tap ADD KEYBOARD") on that. A state
        a service keeps of a record a company keeps ('cancelled', of a payment's "Cancel the
        schedule") is the service's word for it."""
        first = state.split(" ")[0]
        if self.request_done and state == _STATE_OF.get(self.request_done, self.request_done):
            return True
        if goal and first in (participle(goal), _STATE_OF.get(participle(goal))):
            return True
        nouns = "|".join(re.escape(n) for n in sorted({self.head, plural(self.head)}))
        if re.search(rf"\b(?:{nouns})\b", step.step.text, re.I) or \
                step.verb in VERB_STATUS and tf.lemma(self.noun) in SERVICE_RECORDS:
            return True
        action = pressed_action(step, None) or step.verb
        label = re.search(rf"\b{re.escape(action)}\w*(?:\s*(?:&|and)\s+([A-Za-z]+))?\W*(?:$|[.!?,;:\u201d\"'])",
                          step.step.text, re.I)  # ("Save & Close": a second act, no object)
        return label is not None and (label.group(1) is None or tf.verb_lemma(label.group(1).lower()) is not None)

    @staticmethod
    def _carried_out(info: StepInfo, reading: bool) -> bool:
        """Whether a step is one the reader carries out: an instruction ("Click OK", "Wait 15
        minutes", "Choose a postage service"), not a look at the result ("Look at your swatches",
        "Review what will be uninstalled": unless the title asks to look, "How to Check if an
        iPhone Is Stolen"), the reader's enjoyment ("Enjoy unfiltered access") or a sentence whose
        verb the step analysis could not find ("Done!", "Sonic will ask the other members ..."), unless
        after a fronted "Using ...," phrase."""
        if not info.known_verb:  # "Using a flashlight, place the end ...": the instruction after the how
            fronted = _FRONTED_ING.match(info.step.text)
            return fronted is not None and tf.leading_verb(info.step.text[fronted.end():]) is not None
        if info.verb in _AFTERWARDS:
            return False
        return reading or info.lexical_kind not in ("read", "verify")

    def _goal_step(self, writes: list[StepInfo], goal: str | None) -> StepInfo | None:
        """The step after the last write that does what the title asks, by its verb ('Right-click on
        a bookmark and select "Delete"' of "How to Delete Bookmarks"), made a write: the record
        reaches the request's state there, not at the write before it ('deleted' was set by "Expand
        the categories", and the bookmark clicked after). None when no later step says the verb."""
        if not writes or not leaves_a_state(goal):
            return None
        last = next(j for j, i in enumerate(self.infos) if i is writes[-1])
        said = [j for j in range(last + 1, len(self.infos))
                if re.search(rf"\b{re.escape(goal or '')}\b", self.infos[j].step.text, re.I)]
        if not said:
            return None
        self.infos = list(self.infos)
        self.infos[said[-1]] = replace(self.infos[said[-1]], kind="write")
        return self.infos[said[-1]]

    def _request_done(self, last: StepInfo | None) -> str | None:
        """The status the procedure leaves once done, when its title is a request ("How to Display
        Hockey Cards" -> 'displayed', "How to Turn Off Voicemail" -> 'turned off'): what the steps
        do together, which the assistant says it has done, not the last write's own verb ('made',
        of "Make photocopies of your cards"; 'removed' after customising a toolbar). Not a verb
        that leaves no state (`leaves_a_state`: "use a load board"; "make money in school", though a
        thing made is 'ready': "make a macro diffuser" of a diffuser), nor a word known as no verb
        ("Merchant Using a Price Manipulation": 'merchanted'), nor over a write whose verb names a
        record's state of its own ("How do I stop a recurring payment?": its "Cancel the schedule"
        leaves it 'cancelled', the service's word, not 'stopped'), nor over a press that says what
        it does ("Press the blue arrow to send your message": 'sent'). A state a person says of the
        record only: not a look's ('found', 'checked', 'determined'; 'displayed' is one), a message
        verb's ('texted' of a heart), a verb's without its complement ('turned' of "turn documents into
        PDFs"), nor of a record the title's verb does not act on ("kill someone with a sword", the
        value of a vehicle determined); there the last step's own verb is none either
        (`stateless_request`), and the close says the request done, not a status."""
        title = bare_title(self.doc.title)
        if not _HOW_TO.match(title) or last is None or last.verb in VERB_STATUS or pressed_action(last, None):
            return None
        plain = plain_title(title, self.text)
        words = plain.split(" ")
        if words[0] in _FORCING and len(words) > 1:  # "force eject a disc": what is forced is the eject
            words = words[1:]
            plain = " ".join(words)
        verb = words[0]
        if not re.fullmatch(r"[a-z]+", verb) or tf.leading_verb(plain[:1].upper() + plain[1:]) != verb:
            return None
        if verb == "make" and not self._makes_record(words[1:]) or verb != "make" and not (
                leaves_a_state(verb) or verb in _SHOWN):  # (hockey cards 'displayed')
            self.stateless_request = tf.action_kind(verb) in ("read", "verify")  # a look: 'found', 'determined'
            return None
        particle = words[1] if len(words) > 1 and words[1] in _PARTICLES else ""
        if verb in _WRITE_COMMUNICATE or not particle and "into" in words or not self._title_acts_on_record(title):
            self.stateless_request = True  # 'texted' (a heart), 'turned' (of "turn documents into PDFs")
            return None
        self.request_verb = verb
        return f"{participle(verb)} {particle}".strip()

    def _title_acts_on_record(self, title: str) -> bool:
        """Whether what the title's verb acts on is the record, or the title names nothing else: not
        "Kill Someone With a Sword" of a sword, "Determine the Fair Market Value of a Vehicle" of a
        vehicle (the value is determined, not the vehicle)."""
        if self.program or self.game:  # (the game is where the task is done: "Zapdos" is no state of it)
            return self.game is None
        thing = _title_object(title, counted=True)
        if thing is None:
            return not re.search(r"\b(?:someone|somebody|people|person)\b", title, re.I)
        return self.head.startswith(tf.lemma(thing))  # (a clipped word: "Google Docs" of documents)

    def _makes_record(self, words: list[str]) -> bool:
        """Whether the thing a "make" step or request makes is the record ("make a macro diffuser"
        of a diffuser), not something else ("make money", "make your computer run faster")."""
        phrase = itertools.takewhile(lambda w: w not in _PREPOSITIONS, words)
        return self.head in {tf.lemma(w.lower()) for w in phrase}

    def _status_of(self, info: StepInfo, goal_verb: str | None) -> str | None:
        """The status a write step leaves: its verb's participle ("installed"), or for a press, the
        participle of what the press carries out (`pressed_action`); 'ready' for the record made
        ("Make a list" of a list); None when the verb leaves no state (`leaves_a_state`)."""
        action = pressed_action(info, goal_verb)
        if action is not None:
            return None if action in _NO_STATE_VERBS else participle(action)  # "Click Start": none
        if info.verb == "make" and self._makes_record(info.object_words[-1:]):
            return _STATE_OF["made"]
        if not leaves_a_state(info.verb) or info.lexical_kind == "navigate" and info.verb not in VERB_STATUS:
            return None
        return participle(info.verb) if not info.particle else f"{participle(info.verb)} {info.particle}"

    # ---------------------------------------------------------------- conditions -> steps

    def _guarded_steps(self, conditions: list[dict[str, Any]]) -> tuple[dict[int, int], list[int]]:
        """Which step each condition guards: its own step, else a write step it names, else the
        first write; and the conditions kept (those inside a step first)."""
        infos = self.infos
        step_of: dict[int, int] = {}
        in_step: list[int] = []
        # a rule outside the steps guards the main write only when it is about what the steps act on
        topic = {self.noun, plural(self.noun)} | {w for i in self.acts for w in i.object_words if len(w) > 2}
        about = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(topic)) + r")\b", re.I)
        for k, entry in enumerate(conditions):
            if _a_step_only(entry["text"]):
                continue
            inside = next((j for j, i in enumerate(infos)
                           if i.step.start <= entry["start"] < i.step.end or entry["start"] <= i.step.start < entry["end"]),
                          None)
            if inside is not None:
                in_step.append(k)
            elif self._checked_after(entry["start"]):
                continue
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
        return step_of, chosen

    def _checked_after(self, start: int) -> bool:
        """Whether a rule outside the steps lies, after them, under a heading that places it after the
        act ("## Post-activation checks: Initiate a test checkout ..."): a check once it is done, not a
        precondition of doing it (it was a flag `test_checkout_initiated` seeded true before activation)."""
        if start < self.infos[-1].step.end:
            return False
        heading = next((sec.title for sec in reversed(tf.layout(self.text).sections) if sec.start <= start), "")
        return bool(_AFTER_HEADING.match(heading))

    def _settle_statuses(self, conditions: list[dict[str, Any]], step_of: dict[int, int], chosen: list[int]) -> None:
        """Statuses the text names ("Check that the status is `active`. A `cancelled` card cannot be
        frozen") become the status field's values and preconditions on it, on steps no earlier write
        has changed the status for; then the initial status and a blocking one."""
        first_write = next((j for j, i in enumerate(self.infos) if i.kind == "write"), len(self.infos))
        produced = self.produced
        self.status_rules: dict[int, tuple[list[str], list[str]]] = {}
        for k in chosen:
            if step_of[k] <= first_write:
                pos, neg = status_values(conditions[k]["text"], self.noun)
                if pos or neg:
                    self.status_rules[k] = ([v for v in pos if v not in produced],
                                            [v for v in neg if v not in produced])
        wanted = next((r[0][0] for r in self.status_rules.values() if r[0]), None)
        first_prior = self.first_prior
        self.initial = wanted or (first_prior if first_prior and first_prior not in produced else next(
            s for s in (_INITIAL.get(self.head, "active"), "active", "pending", "open", "new", "draft",
                        "requested", "ready") if s not in produced))
        named = {v for pos, neg in self.status_rules.values() for v in pos + neg}
        self.blocking = next((s for s in _BLOCKING if s not in produced and s != self.initial and s not in named
                              and self._said_of_record(s)), None)

    def _said_of_record(self, state: str) -> bool:
        """Whether the text speaks of a record of this kind in `state` ("a closed account", "if your
        membership is suspended"): only then does a write refuse a record so (a closed weight, a
        closed Wii or an expired armour were refused in how-to sessions, a rule no text states). A
        verb before a determiner is no state said of it ("Set the workout time": no 'set' workout)."""
        nouns = "|".join(re.escape(n) for n in sorted({self.head, plural(self.head)}))
        st = re.escape(state).replace(r"\ ", r"\s+")
        return re.search(rf"\b{st}\s+(?!(?:the|a|an|your|my|this|that|its|their)\s)(?:\w+\s+)?(?:{nouns})\b|"
                         rf"\b(?:{nouns})\s+(?:\w+\s+){{0,3}}{st}\b", self.text, re.I) is not None

    def _requires(self, conditions: list[dict[str, Any]], step_of: dict[int, int],
                  chosen: list[int]) -> dict[int, list[_Require]]:
        """The preconditions per step; status values the rules name are kept for the status field."""
        requires: dict[int, list[_Require]] = {j: [] for j in range(len(self.infos))}
        self.extra_statuses: list[str] = []
        for k in sorted(chosen):
            e = conditions[k]
            span = (e["start"], e["end"])
            if not self.service and tf.lemma(self.head) not in SERVICE_RECORDS and k not in self.status_rules:
                # a guide to the reader's own thing (a game, a device, a package, a couch: no record a
                # company keeps for them) states what they do or need ("Make sure the area around you is
                # clear", "*-dbgsym packages need to be installed"), no rule its assistant keeps on a
                # record: made a flag seeded false, it refused the guidance asked for ("I can't prevent
                # injuries from playing Wii Fit ... the area around is not ensured")
                continue
            if k in self.status_rules:
                r = self._status_require(self.status_rules[k], e["text"], span)
            else:
                r = self.condition_require(e["text"], e["kinds"], e["amount"], e["unit"], span)
            if r is not None:
                r = replace(r, message=rule_sentence(r.message))  # "Your account must be eligible ...", not "Ensure ..."
                requires[step_of[k]].append(r)
        return requires

    def _status_require(self, rule: tuple[list[str], list[str]], text: str,
                        span: tuple[int, int]) -> _Require | None:
        pos, neg = rule
        if self.initial in pos:
            r = _Require(f"{{row}}.status in {_list_expr(pos)}", _clean(text), span)
        elif neg and self.initial not in neg:
            r = _Require(f"{{row}}.status not in {_list_expr(neg)}", _clean(text), span)
        else:
            return None
        self.extra_statuses += pos + neg
        return r

    # ---------------------------------------------------------------- parameters per step

    def _step_params(self, requires: dict[int, list[_Require]]) -> dict[int, list[tuple[str, str]]]:
        """Named fields per step, as parameters the user confirms ("match"), new values they give
        ("set") or values the tool looks up ("read"); a bare "verify" step gets a flag to check."""
        all_named = tf.named_fields(self.text)
        step_params: dict[int, list[tuple[str, str]]] = {}
        for j, info in enumerate(self.infos):
            seen = self._identifier_params(info)
            self._named_params(info, all_named, seen)
            if not seen and self._setting_param(info, seen):
                self.settings[j] = seen[0][0]
            self._given_params(info, seen)
            step_params[j] = seen
            if self.service and info.verb in _VERIFY_VERBS and not seen and not requires[j] \
                    and info.lexical_kind == "verify":  # the reader's own check is a step they do, not a flag
                requires[j].append(self._verified_flag(info))
        # what the user must give is not shown back by any tool, nor are secrets
        self.hidden = {f for params in step_params.values() for f, mode in params if mode == "match"}
        self.hidden |= {f for f in self.fields if _SECRET.search(f)}
        return {j: [(f, mode) for f, mode in params if not (mode == "read" and f in self.hidden)]
                for j, params in step_params.items()}

    def _identifier_params(self, info: StepInfo) -> list[tuple[str, str]]:
        """"Use reset_pin_6284 with parameters: card_id, new_pin"."""
        seen: list[tuple[str, str]] = []
        for pid in info.param_ids:
            new = pid.startswith("new_")
            if new and info.kind != "write":
                continue
            name = self.named_field(pid[4:] if new else pid, pid)
            if name is not None and all(name != f for f, _ in seen):
                seen.append((name, "set" if new else "match"))
        return seen

    def _setting_param(self, info: StepInfo, seen: list[tuple[str, str]]) -> bool:
        """A setting the step changes to a value the user chooses, when the text gives the choices
        ("Set delivery preferences for push or email notifications": `delivery_preference`, one of
        push / email) or a figure ("Adjust your alert threshold above or below $100": a number
        around 100); the step sets it from a `new_` parameter (it took no value before). Whether it
        found one."""
        if info.kind != "write" or info.verb not in _SETTING_VERBS or info.param_ids:
            return False
        body = self.text[info.step.start:info.step.end]
        verb = re.search(rf"\b{re.escape(info.verb)}\w*\s+", body, re.I)
        if verb is None:
            return False
        choice = _CHOICES.search(body, verb.end())
        values = [v.lower() for v in re.split(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", choice["list"])] if choice else []
        if 2 <= len(values) <= 6 and not set(values) & _NOT_CHOICES:
            thing = _object_words(body[verb.end():choice.start()], self.noun)
            if not thing and choice["noun"] and choice["noun"].lower() not in _STOP:
                # "Enable alerts for card-present, online, or international transactions" (not "from" of
                # "such as dpkg and debhelper from the backports": was a field `from_type`)
                thing = [tf.lemma(choice["noun"].lower()), "type"]
            if thing:
                name = "_".join(thing[-2:])
                if name not in self.fields:
                    name = self.add_field(name, {"type": "string", "values": list(dict.fromkeys(values)),
                                                 "description": _clean(body, 160)})
                seen.append((name, "set"))
            return bool(thing)
        figure = _FIGURE.search(body, verb.end())
        thing = _object_words(body[verb.end():figure.start()], self.noun) if figure else []
        if figure and thing and "_".join(thing[-2:]) not in self.fields:
            n = float(figure.group(1).replace(",", ""))
            name = "_".join(thing[-2:])
            if not is_money(name, n):  # a figure in dollars is money: said "$197.34", not "197.34"
                name += "_amount"
            name = self.add_field(name, {"type": "number", "range": [round(n / 2, 2), round(n * 2, 2)],
                                         "description": _clean(body, 160)})
            seen.append((name, "set"))
            return True
        return False

    def _given_params(self, info: StepInfo, seen: list[tuple[str, str]]) -> None:
        """The values the step's words name that the user supplies (`procedure_given`): a field each,
        which the step's tool takes and stores ("give"), or checks, for a password ("match")."""
        if info.param_ids or len(seen) >= 3:
            return
        body = self.text[info.step.start:info.step.end]
        for g in given_values(body, info.verb, info.object_words, self.noun, self.ex.document_seed(self.doc.id),
                              self.doc.title or ""):
            name = g.name
            if any(f.endswith(f"_{name}") for f, _ in seen):
                continue  # the step names it in full already ("Enter your Apple ID password": no other password)
            if name == f"{self.noun}_name" and info.verb in PRESSES and (
                    NAMED_BY.get(self.noun) is None or self.noun in NAMED_WHEN_ASKED and self._own_name() is None):
                continue  # "Click the picture you want to hide": the record itself, found already (the
                # customer was asked for a picture name, and the tool renamed the picture to it)
            own = f"{self.noun}_name"
            if (name == own or name.endswith(f"_{own}")) and self._own_name() == own:
                if all(own != f for f, _ in seen):  # "Select a document": which of theirs, by its own name
                    seen.append((own, "match"))  # (the tool checks it is this record's), no new name stored;
                continue  # "Select a CSV file" of a file: its name (a `csv_file_name` was asked beside it)
            if name in self.fields and (name not in self.given or self.given[name].mode != g.mode
                                        or self.given[name].choices != g.choices):
                continue  # a field of another kind by that name, or another value the text writes
            if name not in self.fields:
                spec = dict(g.spec)
                if g.mode == "give":
                    if len(g.choices) > 1:
                        spec["values"] = g.choices
                    else:
                        spec["default"] = None  # nothing given yet
                name = self.add_field(name, spec)
                self.given[name] = g
            if all(name != f for f, _ in seen):
                seen.append((name, g.mode))

    def _named_params(self, info: StepInfo, all_named: list[Any], seen: list[tuple[str, str]]) -> None:
        """The fields the step's text names, up to four in all."""
        text = self.text
        for nf in all_named:
            if not (info.step.start <= nf.start < info.step.end) or nf.kind != "named" or info.param_ids:
                continue
            if re.search(r"\bnew\s+(?:[\w-]+\s+)?$", text[max(0, nf.start - 20):nf.start], re.I):
                continue  # "a new 4-digit PIN" is not a value on file
            if _DONE_WITHOUT.search(text[max(0, nf.start - 40):nf.start]):
                continue  # "Login to any accounts without their passwords": what the step does without
            if info.verb in PRESSES and info.verb != "select":  # (a selection picks one: 'Select "No" for ...')
                continue  # 'Tap "Passwords" to view your stored passwords.': a control pressed, nothing given
            if _MENU_STEP.search(text[max(0, nf.start - 3):nf.start]) or _MENU_STEP.match(text, nf.end):
                continue  # "Go to your Settings > Game Center > Apple ID": a screen gone to, no value given
            if not _given_in_step(nf, info, text):
                continue
            # "Enter your Apple ID password": one value, the Apple ID's password (was three: the
            # Apple ID, asked as if a record's number, a password and the Apple ID password)
            if any(_adjacent(nf, o, text) for o in all_named):
                continue
            words = field_words(nf.name, text, nf.start, nf.end)
            lead = next((o for o in all_named if _adjacent(o, nf, text)), None)
            if lead is not None and words and not words.startswith(lead.name):
                words = f"{lead.name}_{words}"
            if words and no_value_told(words):
                continue  # (no field either: a read showed "brass_key": "sg23Dk52")
            name = self.named_field(words, nf.text) if words else None
            if name is None or any(name == s for s, _ in seen) or self._read_out_before(info, name) \
                    or self._made_by_steps(info, name) or never_asked(name):
                continue
            if info.kind == "write":  # "Update the address" sets it; "confirm with your PIN" checks it
                mode = "set" if info.verb in _UPDATE_FIELD_VERBS else "match"
            elif _KEPT_BY_SERVICE.search(name):
                mode = "read"   # "Confirm the application status": the service tells it; no user knows it
            elif info.lexical_kind in ("verify", "navigate", "communicate") or not info.known_verb:
                mode = "match"  # confirm / enter / provide: the user gives it, the tool checks it
            else:
                mode = "read"   # look up / check / find: the tool returns it
            seen.append((name, mode))
            if len(seen) >= 4:
                break

    def _read_out_before(self, info: StepInfo, name: str) -> bool:
        """Whether an earlier step reads out the value a field names ("Write down all codes" before
        "Search online for your DTC code"): the procedure produces it, so nobody is asked for it
        before it is read (the assistant asked "What is the DTC code?" up front)."""
        head = tf.lemma(name.split("_")[-1])
        at = next(j for j, i in enumerate(self.infos) if i is info)
        return any((i.verb, i.particle) in _READS_OUT and head in {tf.lemma(w) for w in i.object_words}
                   for i in self.infos[:at])

    def _made_by_steps(self, info: StepInfo, name: str) -> bool:
        """Whether the step, or one before it, makes what a field names ("Generate authentication keys
        locally and install the public key"): the key is the key pair the steps generate, which the
        customer does not have before them (the assistant asked "Could you send me the public key?" up
        front, and took a GPG key id for it)."""
        head = tf.lemma(name.split("_")[-1])
        at = next(j for j, i in enumerate(self.infos) if i is info)
        gets = re.compile(rf"\b{_GETS}\s+(?:[\w'’-]+\s+){{0,3}}?{re.escape(head)}s?\b", re.I)
        return any(i.verb in _MAKES and head in {tf.lemma(w) for w in i.object_words} or gets.search(i.step.text)
                   for i in self.infos[:at + 1])

    def _verified_flag(self, info: StepInfo) -> _Require:
        """"Verify the customer's identity": a flag on the record the step requires, named by the
        step's own verb ("Accept the terms" -> `terms_accepted`, not `terms_verified`)."""
        words = [w for w in info.object_words if w not in _STOP][-2:] or [self.noun]
        done = _regular_participle(info.verb)
        name = self.add_field("_".join(words) + "_" + done,
                              {"type": "boolean", "description": _clean(info.step.text, 160)},
                              lambda p: {"values": [True, False], "weights": [round(p, 3), round(1 - p, 3)]})
        # the reason in words, not the step quoted ("Not yet done: Make sure the company offers a return
        # policy ..."): the state it checks ("Your package must be signed ...") or the check itself
        said = rule_sentence(_clean(info.step.text))
        if said == _clean(info.step.text):
            said = f"The {' '.join(_said_words(words, info.step.text))} must be {done} first."
        return _Require(f"{{row}}.{name}", said, (info.step.start, info.step.end))

    def _progress_steps(self, requires: dict[int, list[_Require]],
                        step_params: dict[int, list[tuple[str, str]]]) -> None:
        """Read steps that would return what an earlier read step returned ("Check the list
        above", "Ask the customer") record instead that they are done: the record's `progress`
        moves to them, in the text's order. The first such read stays a read (it finds the record).
        So do writes that leave no state (`unclaimed`)."""
        seen: set[str] = set()
        self.progress: set[int] = set()
        # a step that takes nothing but the record is done by one of a few acts (`procedure_acts`), on
        # the customer's own thing; a service's agent acts on the company's record with its own tools
        self.step_acts = {j: act for j, info in enumerate(self.infos)
                          if not self.service and not step_params[j] and not info.tool_id
                          and (act := step_act(info, self._said(info))) is not None}
        for j, info in enumerate(self.infos):
            if info.kind != "read" and j not in self.unclaimed:
                continue
            params = step_params[j]
            if any(mode == "give" for _, mode in params) or j in self.unclaimed:
                self.progress.add(j)  # it stores what the user gave, or does what leaves no state
                continue
            reads = [f for f, mode in params if mode == "read"]
            signature = repr(read_result("row", self.pk, reads[-1] if reads else None,
                                         [f for f, mode in params if mode == "match"], bool(requires[j])))
            if signature in seen:
                self.progress.add(j)
            seen.add(signature)
        if self.progress or self.step_acts:
            self.progress_field = self.add_field("progress", {
                "type": "string", "values": [NOT_STARTED],
                "description": f"the last of the procedure's steps done for the {self.noun}"})

    # ---------------------------------------------------------------- entity, policy, domain

    def _entity(self) -> dict[str, Any]:
        self._seed_guards()
        self._own_name()
        first = [self.initial, *([self.blocking] if self.blocking else [])]
        states = list(dict.fromkeys([*first, *self.statuses, *self.extra_statuses]))
        weights = [16, 2][:len(first)] + [1] * (len(states) - len(first))
        fields = [
            {"name": self.pk, "type": "string", "faker": {"provider": "bothify", "args": {"text": self.pattern}},
             "description": f"{self.noun} id"},
            # (no email where the customer finds their own thing by its own name: `_finder_key`)
            *([{"name": "owner_email", "type": "string", "values": OWNER_EMAILS,
                "description": f"email of the customer the {self.noun} belongs to"}]
              if self._finder_key() == "email" else []),
            {"name": "status", "type": "string", "values": states, "weights": weights,
             "description": f"state of the {self.noun}"},
            *[f.spec for f in self.fields.values()],
        ]
        return {"name": self.table, "primary_key": self.pk, "rows": self.ex.rows, "fields": fields,
                "description": f"{plural(self.noun)} {PROCEDURE_RECORDS}"}

    def _own_name(self) -> str | None:
        """The field a thing known by its name is called by (`tools.kinds.NAMED_BY`: a package's
        name, a file's, a server's host name), made once: each record's its own, realistic of its
        kind, so the assistant and the customer speak of "package coturn", never of the record's
        number; a program the title names by its name goes by that name ("program Google Chrome").
        A thing the request names ("install the package ibus-mozc", "open CSV files") is called so
        (`request_names`). None for the customer's own things (found through them by email), or
        where the text's own field of that name is there already."""
        kind = NAMED_BY.get(self.noun)
        name = f"{self.noun}_name"
        if name in self.fields or self.own_name is not None:
            return self.own_name
        request = _goal_phrase(bare_title(self.doc.title), self.infos, self.writes, None, self.text, self.noun)
        named = [self.program or self.game] if self.program or self.game else request_names(request, self.noun, self.ex.document_seed(self.doc.id),
                                                                  " ".join(i.step.text for i in self.infos))
        if named:  # the customer's copy of the program the title names ("Google Chrome"), the package asked about
            self.fields[name] = _Field({"name": name, "type": "string", "values": named,
                                        "description": f"the {self.noun}'s name"})
            self.own_name = name
        elif kind is not None and seeded_names_fit(self.noun, self.text) and (
                self.noun not in NAMED_WHEN_ASKED or self._about_one_of_theirs()):
            self.fields[name] = _Field({"name": name, "type": "string", "unique": True, **kind.spec(),
                                        "description": f"the {self.noun}'s name"})
            self.own_name = name
        return self.own_name

    def _policy(self, conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every constraint sentence, with its span."""
        policy = []
        for k, e in enumerate(conditions[:40]):
            policy.append({"id": f"P{k + 1}", "text": _clean(e["text"], 500),
                           "span": _span(self.text, e["start"], e["end"])})
            self.spans.append((e["start"], e["end"]))
        return policy

    def _domain(self, entity: dict[str, Any], tools: list[dict[str, Any]], workflow: dict[str, Any],
                policy: list[dict[str, Any]]) -> Domain | Rejection:
        doc, text = self.doc, self.text
        spans = sorted(set(self.spans))
        labels = self.verdict.labels if self.verdict else {}
        description = _clean(said_title(bare_title(doc.title), text) or self.infos[0].step.text, 200)
        # the filter's domain label ("(banking)": "for our banking service") only where the tools do
        # the service's own work (a bank's "Activate 6-Month Financing"); where the steps are the
        # customer's (a guided how-to), the label is a vote of the guide's words, not a business its
        # assistant works for ("hold" and "book" made a runaway Prius a library's, "hotel" Animal
        # Crossing a travel firm's, "sim" The Sims a telecom's, as surely as "carrier" and "SIM" a
        # MetroPCS card): its prompt names no service ("You are a customer support assistant."),
        # never false, where a wrong one always is. ("(general)", not nothing: the prompt reads the
        # last bracket as the service, and a title's own would be one: "our hack free service")
        if labels.get("domain"):
            guided = any(customer_step(t.get("description")) for t in tools)
            description += f" ({'general' if guided else labels['domain']})"
        if self.truncated:
            description += f" [first {self.ex.max_steps} steps]"
        data = {
            "name": domain_slug(doc.id), "description": description, "clock": self.ex.clock,
            "seed": self.ex.document_seed(doc.id),
            "entities": [entity], "tools": tools, "workflows": [workflow], "policy": policy,
            # the customer's own thing, found through them: the app they do it in knows who they are
            "signed_in": ["email"] if "email" in workflow["knows"] else [],
            # the steps the acts carry out, as the text says them (`procedure_acts`)
            # (and where a step is no act: it is said there, and nowhere else)
            "guide": self.guide if self.notes else [self._guide_line(i) for i in self.infos] if self.step_acts else [],
            "provenance": {"doc_id": doc.id, "source": doc.source or None, "license": doc.license or None,
                           "spans": [_span(text, a, b) for a, b in spans]},
        }
        try:
            return parse_domain(data, origin=f"extracted from {doc.id}")
        except DomainError as err:
            return Rejection(id=doc.id, stage="extract", reason=f"invalid domain: {err}")


#: a step that states a precondition in its opening verb ("Make sure the microphone is connected",
#: "Do not unplug the drive", "Wait until the light turns green")
#: a record's kind that is a word the customer is known by (`signed_in`: their email), in full
_NAMED_IN_FULL = {"email": "email_message"}

#: a step cut where its example began ("... and give it an id like described in the previous
#: method.(e.g."): the scraped text lost the code its steps show
_CUT_EXAMPLE = re.compile(r"\((?:e\.g\.|i\.e\.|for\s+example|for\s+instance|example:?)\W*$", re.IGNORECASE)
#: verbs whose object the step brings into being ("Generate authentication keys", "Create a key pair")
_MAKES = frozenset({"generate", "create", "make", "produce"})
#: a thing a step gets, in any of its clauses ("Go back to Yoshi Village, once you've got them all, and get
#: the Raven Token so you can continue!"): the game gives it; no customer has a value of it to tell (the
#: assistant asked "What would you like the Raven Token to be?" after the customer said they were done)
_GETS = r"(?:get|gets|getting|got|obtain(?:s|ed)?|receive[sd]?|earn(?:s|ed)?|collect(?:s|ed)?|win|wins|won|unlock(?:s|ed)?)"
_CHECK_VERBS = frozenset({"make", "ensure", "check", "verify", "confirm", "wait", "be", "keep", "avoid", "do", "never"})
#: words that make an instruction conditional ("If the CDs are mounted, unmount them first", "File an
#: appeal within 30 days of the order")
_CONDITIONAL = re.compile(r"\b(?:if|only|unless|before|until|when|whenever|once|after|within|cannot|can't|must not"
                          r"|do not|don't)\b", re.IGNORECASE)


def _whole(text: str) -> str:
    """A step on one line, whole: up to `_LONGEST` characters, else up to its last sentence end
    within them (never cut mid-sentence with "…": "6999 is 70% of your…" was told and marked)."""
    said = _clean(text, len(text) + 1)
    if len(said) <= _LONGEST:
        return said
    ends = [m.end() for m in re.finditer(r"[.!?][\"”')\]]*(?=\s)", said[:_LONGEST])]
    return said[:ends[-1]] if ends else said[:_LONGEST].rsplit(" ", 1)[0]


def _said_words(lemmas: list[str], text: str) -> list[str]:
    """Lemmas as the text says them ("request detail" of "Confirm request details": request details)."""
    said = {tf.lemma(w): w for w in reversed(re.findall(r"[A-Za-z][\w-]*", text))}
    return [said.get(w, w) for w in lemmas]


def _a_step_only(sentence: str) -> bool:
    """Whether a condition's sentence is only a step to do, no rule about doing it: an instruction
    opening with an act ("Collect at least 5 of each fruit", "Go to your bag and select the stone
    required") with nothing that makes it conditional. Made rules, they refused a customer "Per our
    rules: Go to your bag and select the stone required. It is not gone."."""
    verb = tf.leading_verb(sentence)
    return verb is not None and verb not in _CHECK_VERBS and not _CONDITIONAL.search(sentence)
