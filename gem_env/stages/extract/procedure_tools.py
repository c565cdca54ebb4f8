"""The procedure builder's tools and workflow: a get tool, then one tool and one workflow step per
step of the text, each with its parameters, preconditions and result."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...tools.kinds import CUSTOMER_STEP
from .lexicon import (without_pointer, VERB_STATUS, _BREAK, _EXPR_WORDS, _STOP, _SUBJECTS, _clean, _ident, _regular_participle, _span, _unique,
                      bare_title, is_adverb, name_word)
from .procedure_acts import ActTool
from .procedure_fields import _Require
from .procedure_values import _at_clock, _goal_phrase, _new_value
from .service_writes import quoted_list
from .steps import _CLAUSE, StepInfo
from ...text import features as tf
from ...text.lexicons import _FINITE
from ...text.words import indefinite

NOT_STARTED = "not started"
#: a request's verbs that make its thing or get it: a thing that has no name of the customer's before
#: the procedure ("take a picture", "choose a smartphone")
_MAKES = frozenset("make create take build write record draw film shoot design generate compose produce "
                   "choose buy pick get find order rent select".split())
#: words of a step that never tell its tool apart from another's
_NOT_NAMES = _STOP | _BREAK | _SUBJECTS | _CLAUSE | {"http", "https", "www", "com"}


def _step_words(text: str) -> list[str]:
    """A step's words after its verb, letters and numbers too."""
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9'’]*", text)[1:]


def _same_step(text: str) -> frozenset[str]:
    """What tells a step from another: its words' lemmas, not how often it is done ("again")."""
    return frozenset(tf.lemma(w) for w in re.findall(r"[A-Za-z0-9]+", text.lower()) if not is_adverb(w))


#: where a step's first clause ends; a comma that groups a number's thousands ("within $5,500") is the
#: number's own (cut there, the assistant said it would check the total "is within $5")
_LABEL_END = re.compile(r"[.!?;:](?:\s|$)|\s[(\u2013\u2014]|\s--?\s|(?<!\d),|,(?!\d{3}\b)")
#: what a label keeps of a step's words, a value's signs and an app's symbols too ("$100", "↵ Enter",
#: "☰", "UTC=yes"); anything else ends it ("autoremove|less": autoremove)
_LABEL_CHARS = re.compile(r"[\w\s\u2019,./+=$%&@#°€£\u2190-\u2bff-]+")
#: a step's clause is its label whole up to this many words ("confirm that you want to reset your
#: browser settings"; the 8-word cut made "confirm that you want")
_LABEL_WORDS = 14
#: words that open a clause of its own a longer label is cut before: a purpose, a time, a condition
#: ("buy tickets online| as soon as you know you're going")
_CLAUSE_STARTS = frozenset("so which until while when whenever because unless once if before after whether where "
                           "as".split())
#: words that open a clause of when or in which case a step is done, cut from its label at any length
_WHEN_CLAUSE = frozenset("when whenever while until once if unless because".split())
#: words a label does not end on ("... the package display limit as": as)
_DANGLING = frozenset("a an the your my their its his her this that these those and or but then to as if of for with "
                      "from by at into so when while than".split())
#: an ellipsis that is part of a control's name, before the words that go on ("Press the Reset
#: Firefox... button located at ...")
_NAME_ELLIPSIS = re.compile(r"(?:\.\.\.?|\u2026)(?=\s+[a-z])")


def _label_words(text: str) -> list[str]:
    """The words of a step's first clause, in the text's own words, its verb first: quotes dropped,
    an apostrophe typographic (the label is a quoted literal of the tool language), a fronted clause
    before the verb left out ("To exit the configuration program, |choose Exit"), a list of verbs
    kept whole ("Delete, compress or remove large files")."""
    plain = re.sub(r"[\"\u201c\u201d\u2018`]|'(?!\w)|(?<!\w)'", "", text.strip()).replace("'", "\u2019")
    plain = re.sub(r"(?<=\w)\(\d\w?\)", "", _NAME_ELLIPSIS.sub("", plain))  # (a manual's section: "run ssh(1) with -X")
    verb = tf.leading_verb(text)
    at = next((m.start() for m in re.finditer(r"[A-Za-z][\w-]*", plain) if tf.lemma(m.group(0).lower()) == verb
               and m.start() > 0 and re.search(r"[,:;]\s*$", plain[:m.start()])), 0)
    plain = plain[at:]
    clause = _LABEL_END.split(plain, maxsplit=1)[0]
    if len(clause.split()) < 2 and "," in plain[:len(clause) + 1]:  # (a list of verbs: "Delete, compress or remove")
        clause = re.split(r"[.!?;:](?:\s|$)|\s[(\u2013\u2014]|\s--?\s", plain, maxsplit=1)[0]
    kept = _LABEL_CHARS.match(clause)
    words = (kept.group(0) if kept else "").replace("_", " ").split()
    return words[next((k for k, w in enumerate(words) if tf.lemma(w.lower()) == verb), 0):]  # ("IMMEDIATELY use")


#: words that start a phrase: where a long label with no clause of its own is cut ("place the long end
#: of the paper clip in the hole| on the very left")
_PHRASE_STARTS = frozenset("from for with in on by at into across through over under onto using".split())
#: what "to" goes on with when it opens a purpose, not a place ("to ease into the stop", not "to a Wailmer")
_NOT_PURPOSE = frozenset("a an the your my his her its our their this that these those all each every some any "
                         "it them him me us you".split())


def _whole(words: list[str]) -> list[str]:
    """A clause's words as a label: all of them up to `_LABEL_WORDS`, else cut before the first clause
    of its own (a purpose, a time, a second act: "use your Activity Monitor| to find out which ..."),
    else before the last phrase that starts in time, never mid-phrase; no function word at the end,
    no stop doubled ("Reset Firefox.." ). A clause of when or in which case is no part of the act at any
    length ("let go of the button| when the desk is lowered to your liking": the assistant said the
    desk "is lowered" before anything was done; "tap Layers| if you are using an app"), nor a sentence
    run on ("click the submit link button| this will open a ... page")."""
    when = next((k for k, w in enumerate(words) if k >= 2 and (w.lower() in _WHEN_CLAUSE or w.lower() == "as"
                 and [x.lower() for x in words[k + 1:k + 3]] == ["soon", "as"] or k >= 3 and w.lower() in ("this", "it")
                 and k + 1 < len(words) and words[k + 1].lower() == "will")), None)  # (a run-on: "button| this will open")
    words = words[:when] if when is not None else words
    if len(words) > _LABEL_WORDS:
        def opens_clause(k: int, w: str) -> bool:
            nxt = words[k + 1] if k + 1 < len(words) else ""
            if w in _CLAUSE_STARTS:
                return True
            if w == "to":  # a purpose: "to ease into the stop" (not "want to", nor a place "to a Wailmer")
                return nxt[:1].islower() and nxt.lower() not in _NOT_PURPOSE and not nxt[:1].isdigit() and \
                    words[k - 1].lower() not in ("want", "need", "how", "like", "wish", "able", "going", "back")
            return w in ("and", "then") and tf.leading_verb(nxt) is not None  # ("look at this phone| and think")
        window = [(k, w.lower()) for k, w in enumerate(words[:_LABEL_WORDS + 1]) if k >= 3]
        cut = min((k for k, w in window if opens_clause(k, w)), default=None)
        if cut is None:
            cut = max((k for k, w in window if w in _PHRASE_STARTS), default=_LABEL_WORDS)
        words = words[:cut]
    words = list(words)
    while words and words[-1].lower() in _DANGLING and words[-1] != "A":  # ("click A": a key, not an article)
        words.pop()
    if words:
        words[-1] = words[-1].rstrip(".,*-\u2026")
        if not words[-1]:
            words.pop()
    return words


def step_label(text: str) -> str | None:
    """A step as the record's progress says it, in the text's own words: its first clause, from its
    verb, whole up to 14 words, cut before a clause of its own where longer ("Insert your key into
    the ignition slot, and turn it ..." -> "insert your key into the ignition slot"; it was the
    tool's name, "insert key", which the assistant then quoted as the step). None when the step
    opens with no verb ("1, 2.915, ./run_exam")."""
    if tf.leading_verb(text) is None or not re.match(r"\W*[A-Za-z]", text):
        return None
    words = _whole(_label_words(text))
    if len(words) < 2 or tf.leading_verb(" ".join(words)) is None or words[0].lower() in _CLAUSE_STARTS | {"to", "but"}:
        return None  # (no verb found, a clause: "if the file sources.list mentions several distributions")
    first = words[0]
    label = " ".join([first[:1].lower() + first[1:] if first[1:].islower() or len(first) == 1 else first, *words[1:]])
    return without_pointer(label)  # ("restart NM| by the following")


#: words an instruction does not open with: a clause's ("the same patterns can ...", "with all 7 Chaos
#: Emeralds collected"), not a step to do
_NOT_OPENING = frozenset("a an the after before because but by for from if in into on once since so that these this "
                         "those though unless until when where whether which while with within without as at although "
                         "he she it they we i you your my their its our there here".split())


#: what comes before a step's instruction: when or in which case ("Once completed, ", "When ready, ",
#: "Before starting the battle, "), an ordinal ("First, ", "Finally, ")
_LEAD_IN = re.compile(r"^\W*(?:(?:once|when|after|before|if|while|as soon as|in|on|at|during|with|by now|for example|to)\b"
                      r"[^,.;:]{0,80}|first|then|next|now|finally|lastly|also|conversely),\s*", re.I)


#: a step said as what someone has to do, or stressed: the instruction after its modal ("Then you have
#: to |install the appropriate firmware packages", "Or you can just easily |click the green + button",
#: "Be sure to |clean out your can first")
_MODAL_LEAD = re.compile(r"^\W*(?:(?:then|first|now|finally|next|so|or|and),?\s+)?(?:(?:you|we|the\s+user)\s+(?:will\s+|may\s+)?"
                         r"(?:also\s+|first\s+|then\s+)?(?:need\s+to|have\s+to|must|should|can|could)|be\s+sure\s+to|make\s+sure\s+to|"
                         r"remember\s+to|don[’']t\s+forget\s+to)\s+(?:(?:also|first|then|just|simply|easily|now)\s+)*",
                         re.I)


#: a clause of when with its subject and verb before the instruction, and no comma: "When you enter the
#: battle |use your Star Power" (the label was "enter the battle use your Star Power")
_WHEN_YOU = re.compile(r"^\W*(?:when|once|after|before|as\s+soon\s+as|while)\s+you\s+[a-z]+\s+", re.I)
#: words after which a verb's form is no instruction: a determiner, a preposition, a modal, a subject
_NOT_BEFORE_VERB = _NOT_OPENING | frozenset("to of can could should would will may might must do does".split())


def _after_when_clause(text: str) -> str:
    """The instruction after a comma-less clause of when (`_WHEN_YOU`), where a verb in its base form
    opens one within 8 words; else the text as it is."""
    m = _WHEN_YOU.match(text)
    if m is None:
        return text
    words = list(re.finditer(r"\S+", text[m.end():]))
    for k, w in enumerate(words[1:9], start=1):
        word, before = w.group(0), words[k - 1].group(0).lower()
        rest = text[m.end() + w.start():]
        if word.islower() and before not in _NOT_BEFORE_VERB and tf.leading_verb(rest) == word:
            return rest
    return text


def without_lead_in(text: str) -> str:
    """A step's words after what comes before its instruction: when or in which case, a modal or a
    stress ("Once completed, |select ...", "When you enter the battle |use ...", "you need to |change
    ...", "Be sure to |clean ...")."""
    return _MODAL_LEAD.sub("", _after_when_clause(_LEAD_IN.sub("", text, count=1)), count=1)


def said_step(text: str) -> str | None:
    """A step in the text's own words for an act to do (`procedure_acts`): its label (`step_label`),
    also after a lead-in or a modal ("Once completed, |select ...", "you need to |change ..."), else
    its first clause as written where the lexicon knows no verb to open it ("Hook up controller",
    "Plug in cord"); None for no words ("1, 2.915, ./run_exam")."""
    bare = without_lead_in(text)  # ("To G-Shot, |strafe to the left")
    label = step_label(bare)
    if label or not re.match(r"\W*[A-Za-z]", bare):
        return label
    plain = re.sub(r"[\"\u201c\u201d\u2018`]|'(?!\w)|(?<!\w)'", "", bare.strip()).replace("'", "\u2019")
    kept = _LABEL_CHARS.match(_LABEL_END.split(plain, maxsplit=1)[0])
    words = _whole((kept.group(0) if kept else "").replace("_", " ").split())
    if len(words) < 2 and not (re.fullmatch(r"[A-Za-z]+[.!]?", bare.strip()) and tf.leading_verb(words[0])):  # ("Wait.")
        return None
    if words[0].lower() in _NOT_OPENING | {"then", "but", "and", "or", "so"} or any(w.lower() in _FINITE for w in words[:3]):
        return None  # a clause, no instruction: "the same patterns can filter the list"
    first = words[0]
    return " ".join([first[:1].lower() + first[1:] if first[1:].islower() or len(first) == 1 else first, *words[1:]])


@dataclass
class _Flow:
    """What the workflow has gathered so far, step by step."""

    knows: dict[str, str]
    anchor_conds: list[str]
    tools: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    write_seen: int = 0
    last_as: str | None = None
    last_write_as: str | None = None
    read_tell: tuple[str, str] | None = None
    new_values: dict[str, str] = field(default_factory=dict)  # field -> the user's key for a value set earlier
    checked: list[_Require] = field(default_factory=list)      # preconditions earlier read steps check
    progress: str = NOT_STARTED  # the step a progress step must follow
    labels: set[str] = field(default_factory=set)  # the progress values given so far
    acts: dict[str, ActTool] = field(default_factory=dict)  # the act tools made so far, by act


@dataclass
class _Call:
    """One step's tool as it is being made: parameters, effect, workflow args, set fields."""

    params: list[dict[str, Any]]
    effect: list[dict[str, Any]]
    args: dict[str, Any]
    sets: dict[str, Any] = field(default_factory=dict)
    read_field: str | None = None


#: a first word said letter by letter, or a "you" / "wun" sound, that takes "a" ("a USB drive", "a one-time code")
_A_SOUND = frozenset({"usb", "url", "uri", "uefi", "ui", "uid", "uuid", "one", "once", "unix"})
#: a first word said letter by letter that has a vowel letter ("an XML file", "an Xbox")
_LETTERS = frozenset({"xml", "xbox", "x11", "xfce", "lcd", "led", "ssh"})


def _one(words: str) -> str:
    """`words` with "a" or "an" by how the first word is said: "an iphone sim card", "an html file",
    "an sms", "a usb drive", "a dvd" (`indefinite` reads a word's letters: "a html file", "an usb
    drive")."""
    first = re.sub(r"[^a-z0-9]", "", words.split()[0].lower()) if words.split() else ""
    if first in _A_SOUND:
        return f"a {words}"
    if first in _LETTERS or first and not re.search(r"[aeiouy]", first):
        return f"{'an' if first[0] in 'aefhilmnorsx' else 'a'} {words}"
    return indefinite(words)


class ProcedureTools:
    """Mixin of the procedure builder (procedure.py): its tools and its one workflow."""

    def _tools_and_workflow(self, entity: dict[str, Any], requires: dict[int, list[_Require]],
                            step_params: dict[int, list[tuple[str, str]]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        self.row = _ident(self.noun, 30)
        # the record's kind in words, as the tools' descriptions and messages say it to a model reading
        # them ("Look up a iphone_sim_card by its id." was the table's noun)
        self.said = self.noun.replace("_", " ")
        if self.row in _EXPR_WORDS or self.row == self.pk:
            self.row = "item"
        self.find = {"find": self.table, "as": self.row, "where": {self.pk: self.pk},
                     "error": f"No {self.said} with that id"}
        self.result = {"return": {f["name"]: f"{self.row}.{f['name']}" for f in entity["fields"]
                                  if f["name"] not in self.hidden}}
        self.id_param = {"name": self.pk, "type": "string",
                         "description": f"the {self.said} id, e.g. {self.pattern.replace('#', '0')}"}
        # the record is the customer's own: the assistant finds it by what they call it, a name of
        # its own where each has one ("package coturn", "file report.docx"), else through them (their
        # email), as a support agent would, and takes its id from that list; nobody knows a made-up
        # FIL-00826. (No span: no step of the text; the listing tool carries the record's first mention.)
        key = self._finder_key()
        flow = _Flow(knows={self.pk: f"row.{self.pk}", key: f"row.{self.own_name if key != 'email' else 'owner_email'}"},
                     anchor_conds=[f"row.status == '{self.initial}'"])
        flow.tools.append(self._get_tool())
        flow.tools.append(self._find_by_email_tool() if key == "email" else self._find_by_name_tool())
        self.finder_name = flow.tools[-1]["name"]
        flow.steps.append({"tool": self.finder_name, "args": {key: {"user": key}}, "as": "mine"})
        self.moved = {"status", getattr(self, "progress_field", "progress")} | \
            {f for params in step_params.values() for f, mode in params if mode in ("set", "give")}
        first, later = self._settled_rules(requires, step_params)
        for j, info in enumerate(self.infos):
            ahead = tuple(r for r in later if r.expr not in {g.expr for g in requires[j]}) if j == first else ()
            self._step_tool(flow, j, info, requires[j], step_params[j], ahead)
        tools = [t.spec() if isinstance(t, ActTool) else t for t in flow.tools]
        return tools, self._workflow(flow)

    def _settled_rules(self, requires: dict[int, list[_Require]],
                       step_params: dict[int, list[tuple[str, str]]]) -> tuple[int | None, list[_Require]]:
        """The first step that changes the record, and the rules later steps check on what no step
        changes ("You need to find the games to play it" at step 2 of "Plan your game, ..."): their
        answer is the same before any step, so the first change checks them too, and a record they
        refuse is refused before anything is done to it (not half-way, after a step has changed it)."""
        changing = [j for j, info in enumerate(self.infos) if info.kind == "write" or j in self.progress
                    or j in self.step_acts]
        if not changing:
            return None, []
        moved = {"status", getattr(self, "progress_field", "progress")} | \
            {f for params in step_params.values() for f, mode in params if mode == "set"}
        checked = {r.expr for j in range(changing[0] + 1) for r in requires[j]}  # before any change already
        later: list[_Require] = []
        for j in range(changing[0] + 1, len(self.infos)):
            for r in requires[j]:
                fields = set(re.findall(r"\{row\}\.(\w+)", r.expr))
                if fields and not fields & moved and r.expr not in checked | {x.expr for x in later}:
                    later.append(r)
        return changing[0], later

    def _noun_span(self) -> dict[str, Any]:
        """The span of the text's first mention of the entity (the lookups' provenance), if any."""
        first_mention = re.search(rf"\b{re.escape(self.noun)}", self.text, re.I)
        return {"span": _span(self.text, first_mention.start(), first_mention.end())} if first_mention else {}

    def _get_tool(self) -> dict[str, Any]:
        return {
            "name": self.get_name, "kind": "read", "description": f"Look up {_one(self.said)} by its id.",
            "parameters": [self.id_param], "effect": [self.find, self.result], **self._noun_span(),
        }

    def _finder_key(self) -> str:
        """What the customer gives to find their record: its own name where no two records share
        one (`_own_name`'s kinds: a package's, a file's, a contact's) and the request is about one
        such thing that is there already ("password protect a PDF": "Which PDF?" "civil.pdf"); else
        their email: not for "hide friends on Facebook" (a friend's name picks none of them) nor
        "take a picture" (it has no name yet)."""
        spec = self.fields[self.own_name].spec if self.own_name else {}
        return self.own_name if spec.get("unique") and self._about_one_of_theirs() else "email"

    def _about_one_of_theirs(self) -> bool:
        """Whether the request is about one thing of the record's kind that the customer has already
        ("password protect a PDF", "print from your iPhone"), not many of them ("hide friends") nor
        one it makes or gets ("take a picture", "choose a smartphone")."""
        request = _goal_phrase(bare_title(self.doc.title), self.infos, self.writes, None, self.text, self.noun)
        one = re.search(rf"\b(?:a|an|the|my|your|this|that)\s+(?:[\w-]+\s+){{0,2}}?{re.escape(self.noun)}\b(?!s)",
                        request, re.I)
        verb = tf.lemma((re.findall(r"[a-z]+", request.lower()) or [""])[0])  # ("take a picture of ...": no leading_verb)
        makes = verb in _MAKES and not re.match(r"make (?:your|my) ", request, re.I)  # ("make your computer run faster")
        return bool(one) and not makes

    def _find_by_name_tool(self) -> dict[str, Any]:
        """The customer's record by its own name ("package coturn"): what a person calls the thing
        the procedure is done to, not an email for their own machine's package (the id, name and
        status, as the email list shows them)."""
        found = f"{self.row}_list"
        words = self.own_name.replace("_", " ")
        return {
            "name": _unique(f"find_{self.table}_by_name", self.tool_names), "kind": "read",
            "description": f"Find the {plural_words(self.table)} with this name (id, name and status of each).",
            "parameters": [{"name": self.own_name, "type": "string", "description": f"the {words}"}],
            "effect": [{"find": self.table, "as": found, "many": True, "where": {self.own_name: self.own_name},
                        "nocase": [self.own_name], "order_by": [self.pk]},
                       {"require": f"len({found}) > 0", "message": f"No {self.said} with that name"},
                       {"return": {self.table: f"project({found}, {[self.pk, self.own_name, 'status']!r})"}}],
            **self._noun_span(),
        }

    def _find_by_email_tool(self) -> dict[str, Any]:
        """The customer's records by their email: how a real service finds the record when the
        customer does not know its id (the id and status of each, not the whole record)."""
        found = f"{self.row}_list"
        shown = [self.pk, *([self.own_name] if self.own_name else []), "status"]
        return {
            "name": _unique(f"find_{self.table}_by_email", self.tool_names), "kind": "read",
            "description": f"List the {plural_words(self.table)} of the customer with this email "
                           f"(id{', name' if self.own_name else ''} and status of each).",
            "parameters": [{"name": "email", "type": "string", "description": "the customer's email address"}],
            "effect": [{"find": self.table, "as": found, "many": True, "where": {"owner_email": "email"},
                        "nocase": ["owner_email"], "order_by": [self.pk]},
                       {"require": f"len({found}) > 0", "message": f"No {plural_words(self.table)} for that email"},
                       {"return": {self.table: f"project({found}, {shown!r})"}}],
            **self._noun_span(),
        }

    def _tool_name(self, info: StepInfo) -> str:
        if info.tool_id and len(info.tool_id) <= 64:
            base = info.tool_id
        else:
            obj = list(dict.fromkeys(w for w in info.object_words if w))[-2:] or [self.noun]  # "Xbox/Xbox 360": one xbox
            base = "_".join([info.verb] + ([info.particle] if info.particle else []) + obj)
            base = _ident(base, 60)
            if base in self.tool_names:  # another step's name: this step's next words tell it apart
                said = set(base.split("_"))  # ("Click Proceed to PayPal": click_proceed_paypal, not click_proceed_2)
                more = [tf.lemma(w) for w in _step_words(info.step.text) if w[0].isalpha()
                        and name_word(w) and not {w.lower(), tf.lemma(w)} & _NOT_NAMES and tf.lemma(w) not in said]
                # else the letters or numbers it is done with ("Make the letter e" after "... b":
                # make_letter_e), else "again" for the same step done again (a second "Click Open.")
                more = more or [w.lower() for w in _step_words(info.step.text) if (len(w) == 1 or w.isdigit())
                                and w.lower() not in said and w.lower() not in _NOT_NAMES]
                if not more and self.step_words.get(base) == _same_step(info.step.text):
                    more = ["again"]
                if more:
                    base = _ident("_".join([base] + list(dict.fromkeys(more))[:2]), 60)
        name = _unique(_ident(base, 60), self.tool_names)
        self.step_words[name] = _same_step(info.step.text)
        return name

    def _step_tool(self, flow: _Flow, j: int, info: StepInfo, guards: list[_Require],
                   params: list[tuple[str, str]], ahead: tuple[_Require, ...] = ()) -> None:
        """One step: its tool (parameters, preconditions, update, result) and its workflow step;
        `ahead`: later steps' rules it checks first (`_settled_rules`)."""
        s = info.step
        self.spans.append((s.start, s.end))
        for r in guards:
            # the anchor filter runs outside a tool call, where now/today are not bound: the
            # clock is frozen, so its value is written in
            flow.anchor_conds.append("(" + _at_clock(r.expr.replace("{row}", "row"), self.ex.clock) + ")")
            if r.span:
                self.spans.append(r.span)
        if info.kind == "write":  # what the earlier checks established must still hold
            inherited = [r for r in flow.checked if r.expr not in {g.expr for g in guards}
                         and not (flow.write_seen and "{row}.status" in r.expr)]  # an earlier write moved it
            guards = inherited + guards
        else:
            flow.checked += guards
        guards = guards + [r for r in ahead if r.expr not in {g.expr for g in guards}]
        if j in self.step_acts:
            self._act_step(flow, j, info, guards)
            return
        name = self._tool_name(info)
        progress = j in self.progress
        call = _Call(params=[self.id_param], effect=[self.find], args={self.pk: {"user": self.pk}})
        for fname, mode in params:
            self._add_param(flow, call, fname, mode)
        for r in guards:
            call.effect.append({"require": r.expr.replace("{row}", self.row), "message": r.message})
        description = _clean(f"{s.text}" if len(s.text) <= 200 else s.text[:200], 300)
        if info.kind == "write" and not progress:
            tracked = hasattr(self, "progress_field")
            if tracked:  # the record's progress names this step, not the one before it
                call.sets[self.progress_field] = f"'{self._step_done(flow, name, info)}'"
            self._status_update(flow, call, info)
            description += f" Sets the {self.said}'s status to '{self.statuses[flow.write_seen - 1]}'" + \
                (" and records the step as done." if tracked else ".")
            call.effect.append(self.result)
        elif progress:
            description += self._progress_update(flow, call, name, info)
        else:
            call.effect.append(read_result(self.row, self.pk, call.read_field,
                                            [a for a in call.args if a != self.pk], bool(guards)))
        if (info.kind == "write" or progress) and self._customers_own():
            description = f"{CUSTOMER_STEP} this step of the guide: {description[:1].lower()}{description[1:]}"
        flow.tools.append({
            "name": name, "kind": "write" if progress else info.kind, "description": description,
            "parameters": call.params, "effect": call.effect, "span": _span(self.text, s.start, s.end),
        })
        as_name = f"r{j + 1}"
        flow.steps.append({"tool": name, "args": call.args, "as": as_name, "span": _span(self.text, s.start, s.end)})
        if progress:  # its result has no status for the workflow to tell
            return
        flow.last_as = as_name
        if info.kind == "write":
            flow.last_write_as = as_name
        else:
            flow.read_tell = (as_name, call.read_field or "status")

    def _customers_own(self) -> bool:
        """Whether the steps with tools of their own are the customer's to take (`CUSTOMER_STEP`): a
        how-to on their own thing (their game, their Wii, their balcony), not a company's service
        procedure nor a software guide, whose commands the service runs on the system it manages."""
        return not getattr(self, "service", False) and not (self.verdict and self.verdict.labels.get("domain") == "software")

    def _said(self, info: StepInfo) -> str | None:
        """A step's label as the checklist marks it: a choice's whole (`choices`: "email iTunes, get
        iTunes support to call you or start an online chat session", never its first way alone),
        else the step in the text's own words (`said_step`)."""
        return getattr(self, "choices", {}).get(id(info)) or said_step(info.step.text)

    def _act_step(self, flow: _Flow, j: int, info: StepInfo, guards: list[_Require]) -> None:
        """A step that takes nothing but the record, done by its act (`procedure_acts`): a row of the
        act's tool (the progress it follows, what it acts on, its label, the status it leaves) and
        its rules, checked when it is the step due; the workflow calls the act with the target the
        text names."""
        act, target = self.step_acts[j]
        tool = flow.acts.get(act.name)
        if tool is None:
            tool = ActTool(act, _unique(act.name, self.tool_names), self.table, self.noun, self.id_param, self.find,
                           self.row, self.pk, self.progress_field)
            flow.acts[act.name] = tool
            flow.tools.append(tool)  # (its spec once every step is in)
        checks = [{"require": r.expr.replace("{row}", self.row), "message": r.message} for r in guards]
        status = None
        if info.kind == "write" and j not in self.progress:
            status, first = self._status_checks(flow, info)
            checks = first + checks
        before = flow.progress
        label = self._said(info) or target
        while label in flow.labels:  # (the same step done again: "Click Open." twice)
            label += " again"
        flow.labels.add(label)
        flow.progress = label
        # a rule on what no step changes holds for every step the act does: checked first, where the
        # assistant sees it before the change (the record opened to check it), not only at its step
        steady = [c for c in checks if not set(re.findall(rf"\b{self.row}\.(\w+)", c["require"])) & self.moved]
        tool.add_step(before, target, label, status, [c for c in checks if c not in steady], steady)
        as_name = f"r{j + 1}"
        flow.steps.append({"tool": tool.name, "args": {self.pk: {"user": self.pk}, act.param: {"const": target}},
                           "as": as_name, "span": _span(self.text, info.step.start, info.step.end)})
        if status:
            flow.last_as = flow.last_write_as = as_name

    def _add_param(self, flow: _Flow, call: _Call, fname: str, mode: str) -> None:
        """A field the step reads (returned), checks (a parameter matched against the record) or sets
        (a `new_` parameter)."""
        ftype = self.fields[fname].spec.get("type", "string")
        ptype = {"integer": "integer", "number": "number", "boolean": "boolean"}.get(ftype, "string")
        words = fname.replace("_", " ")
        if mode == "read":
            call.read_field = fname
        elif mode == "match" and fname == self.own_name:
            # the record's own name ("Click the file you want to download"): the assistant has it from
            # the customer's list (it said "This is for file machine.css"), never asks it back
            call.params.append({"name": fname, "type": ptype, "description": f"the {words} of the {self.said}"})
            call.effect.append({"require": f"{self.row}.{fname} == {fname}",
                                "message": f"The {words} does not match our records"})
            call.args[fname] = {"result": f"first([r.{fname} for r in mine.{self.table} if r.{self.pk} == {self.pk}])"}
        elif mode == "match":
            call.params.append({"name": fname, "type": ptype, "description": f"the {words} the user gives"})
            call.effect.append({"require": f"{self.row}.{fname} == {fname}",
                                "message": f"The {words} does not match our records"})
            key = flow.new_values.get(fname)
            if key is None:
                key = fname
                flow.knows.setdefault(fname, f"row.{fname}")
            call.args[fname] = {"user": key}
        elif mode == "give":
            self._give_param(flow, call, fname, ptype)
        else:
            pname = new_param(fname)
            choices = self.fields[fname].spec.get("values")
            listed = choices and (fname not in self.given or self.given[fname].enum)  # a new name is any name
            call.params.append({"name": pname, "type": ptype, "description": f"the new {words}",
                                **({"enum": choices} if listed else {})})
            call.sets[fname] = pname
            flow.knows.setdefault(pname, f"first([v for v in {quoted_list(choices)} if v != row.{fname}])" if choices
                                  else _new_value(fname, ftype, self.fields[fname].spec))
            call.args[pname] = {"user": pname}
            flow.new_values[fname] = pname

    def _give_param(self, flow: _Flow, call: _Call, fname: str, ptype: str) -> None:
        """A value the step names that the user supplies (a URL, an option, a file name): a parameter
        named for it, stored in its field. The user's value is one of the field's values other than
        the record's (the next one). A value the text writes itself ("Type passwd", "Go to
        www.piriform.com/recuva/download") is the assistant's to read in the step, not the user's to
        be asked for: the workflow passes it as it is (the user knows it too, for a later check)."""
        given = self.given[fname]
        words = fname.replace("_", " ")
        choices = given.choices
        asked = len(choices) > 1
        call.params.append({"name": fname, "type": ptype,
                            "description": f"the {words} the user gives" if asked else f"the {words}",
                            **({"enum": choices} if given.enum else {})})
        call.sets[fname] = fname
        call.args[fname] = {"user": fname} if asked else {"const": choices[0]}
        if asked:
            nxt = choices[1:] + choices[:1]
            flow.knows.setdefault(fname, f"coalesce(first([p[1] for p in zip({_literals(choices)}, {_literals(nxt)})"
                                         f" if p[0] == row.{fname}]), {_literal(choices[0])})")
        else:
            flow.knows.setdefault(fname, _literal(choices[0]))
        flow.new_values[fname] = fname

    def _status_update(self, flow: _Flow, call: _Call, info: StepInfo) -> None:
        """A write step's status guards and update."""
        status, checks = self._status_checks(flow, info)
        call.effect[1:1] = checks
        call.effect.append({"update": self.table, "row": self.row, "set": {"status": f"'{status}'", **call.sets}})

    def _status_checks(self, flow: _Flow, info: StepInfo) -> tuple[str, list[dict[str, Any]]]:
        """The status the next status write leaves, and its guards (not blocked; the status its verb
        needs first); counts the write."""
        status = self.statuses[flow.write_seen]
        checks = []
        # the refusal says what the user asked for when the title is their request ("it cannot be
        # ejected" of "How to Eject the CD Tray"), not this step's own verb ("it cannot be turned off")
        done = self.request_done or _regular_participle(info.verb) + (f" {info.particle}" if info.particle else "")
        if self.blocking:  # (a state the text speaks of the record in)
            checks.append({"require": f"{self.row}.status != '{self.blocking}'",
                           "message": f"This {self.said} is {self.blocking}; it cannot be {done}"})
        prior = VERB_STATUS.get(info.verb, (None, None))[1] if flow.write_seen == 0 else None
        if prior and prior == self.initial:
            checks.append({"require": f"{self.row}.status == '{prior}'",
                           "message": f"Only {_one(f'{prior} {self.said}')} can be {status}"})
        flow.write_seen += 1
        return status, checks

    def _progress_update(self, flow: _Flow, call: _Call, name: str, info: StepInfo) -> str:
        """A step with nothing of its own to read records that it is done, after the one before it;
        it returns the new progress (the step in the text's words, `step_label`) and what it
        confirmed. Returns the description's addition."""
        before = flow.progress
        step = self._step_done(flow, name, info)
        order = "this step comes first" if before == NOT_STARTED else f"this step comes right after '{before}'"
        call.effect += [
            {"require": f"{self.row}.{self.progress_field} == '{before}'",
             "message": f"Out of order: {order}"},
            {"update": self.table, "row": self.row, "set": {self.progress_field: f"'{step}'", **call.sets}},
            {"return": {self.pk: f"{self.row}.{self.pk}", self.progress_field: f"{self.row}.{self.progress_field}",
                        **{f: f"{self.row}.{f}" for f in call.sets},
                        **{f"{a}_confirmed": True for a in call.args if a != self.pk and a not in call.sets.values()}}},
        ]
        return f" Records the step as done: the {self.said}'s progress becomes '{step}'."

    def _step_done(self, flow: _Flow, name: str, info: StepInfo) -> str:
        """The progress a step leaves when it is done: the step in the text's words (`step_label`),
        else its tool's name; a status write records itself too, so its reply does not show the step
        before it ("add_line_break" showed progress "add a picture to your page")."""
        step = step_label(info.step.text)
        step = step if step and step not in flow.labels else name.replace("_", " ")
        flow.labels.add(step)
        flow.progress = step
        return step

    def _workflow(self, flow: _Flow) -> dict[str, Any]:
        infos, writes = self.infos, self.writes
        if flow.last_write_as:
            tells = {"status": f"{flow.last_write_as}.status"}
        elif flow.read_tell and flow.read_tell[1] != "status" or flow.last_as and not self.unclaimed:
            as_name, fname = flow.read_tell or (flow.last_as, "status")
            tells = {fname: f"{as_name}.{fname}"}
        else:  # what it does leaves no state ("Use emacs"): the status a read saw is no news of it
            tells = {}
        title = bare_title(self.doc.title)
        # (a setting's step may leave no state of the record and only be recorded as done)
        settings = [f for f in (self.settings.get(j) for j, i in enumerate(infos) if i.kind == "write") if f]
        # "set the delivery preference to {new_delivery_preference}", not the text's "... for push or
        # email"; every setting the steps change, so the request says all it asks for
        told = [f"the {f.replace('_', ' ')} to {{{new_param(f)}}}" for f in settings]
        last_setting = self.settings.get(infos.index(writes[-1])) if writes else None
        verb = writes[-1].verb if settings == [last_setting] else "set"
        main = f"{verb} {', '.join(told[:-1])} and {told[-1]}" if len(told) > 1 else f"{verb} {told[0]}" if told else None
        phrase = _goal_phrase(title, infos, writes, main, self.text, self.noun)
        # the placeholders kept whole through `_clean` (it rewrites braces)
        slots = [self.pk] + [new_param(f) for f in settings]
        goal = f"{phrase} ({self.noun} {{{self.pk}}})"
        for i, slot in enumerate(slots):
            goal = goal.replace("{" + slot + "}", chr(i + 1))
        goal = _clean(goal, 400)
        for i, slot in enumerate(slots):
            goal = goal.replace(chr(i + 1), "{" + slot + "}")
        wf_name = _ident(writes[-1].verb + "_" + self.noun if writes else f"{infos[-1].verb}_{self.noun}", 50)
        category = (self.verdict.labels.get("category") if self.verdict else None) or (
            writes[-1].lexical_kind if writes else "lookup") or "general"
        first, last = infos[0].step, infos[-1].step
        return {
            "name": wf_name, "goal": goal, "category": category,
            "anchor": {"table": self.table, "filter": " and ".join(flow.anchor_conds)},
            "knows": flow.knows, "steps": flow.steps, "tells": tells,
            "span": _span(self.text, first.start, last.end),
        }


def _literal(value: Any) -> str:
    """A value as an expression's literal (a string in the quotes it does not hold)."""
    if not isinstance(value, str):
        return repr(value)
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "") + "'"


def _literals(values: list[Any]) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def new_param(field: str) -> str:
    """The parameter that carries a field's new value ("new_delivery_preference")."""
    return f"new_{field}"[:40]


def plural_words(table: str) -> str:
    return table.replace("_", " ")


def read_result(row: str, pk: str, read_field: str | None, confirmed: list[str], checked: bool) -> dict[str, Any]:
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
