"""Analysis of a procedure's steps: each step's verb, object, kind, named fields and parameters."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ...text import features as tf
from .lexicon import (VERB_STATUS, _BREAK, _FRONTED, _LABEL_ACTIONS, _LABEL_LEAD, _MODAL, _NO_STATE_VERBS, _OPENABLE,
    _PARTICLES, _SNAKE_ID, _PLACEHOLDERS, _STOP, _SUBJECTS, _TOKEN, _TOOL_VERBS, _TO_SEE, _TO_VERB, _UI_LABEL, _UI_NOUNS,
    _WRITE_COMMUNICATE, _ident, _regular_participle, is_adverb, name_word, shown_after)

# ---------------------------------------------------------------- analysis of one step

_PRESS = frozenset({"select", "tap", "click", "press", "choose", "hit"})
"""Verbs of pressing a button: what follows, capitalised, may be the button's label."""
_LABEL_END = re.compile(r"\s+(?:and|then|to|from|for|or|in|on|with|if|under|next|at)\b|(?<!\d)[,.]|[,.](?!\d)|[;:()]|\s[-–—]\s")
"""Where a pressed label ends; a comma or point inside a number ("$5,500", "2.5") is the number's own."""


@dataclass
class StepInfo:
    step: tf.Step
    verb: str                       # lemma (or the step's first word when no verb is known)
    particle: str = ""
    kind: str = "read"              # read | write
    lexical_kind: str | None = None
    object_words: list[str] = field(default_factory=list)   # lemmas of the object phrase
    tool_id: str | None = None      # a tool identifier the text names ("open_bank_account_4821")
    param_ids: list[str] = field(default_factory=list)  # identifiers named beside it ("card_id, new_pin")
    known_verb: bool = True


def _words(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]


#: what comes before a tool called after the step's own ("use x_1114() then transfer_to_human_agents"):
#: another call, not a parameter of the first (it was asked of the user: "What is the transfer to human agents?")
_CALLED_NEXT = re.compile(r"\b(?:then|and\s+then|followed\s+by|before|after)\s+(?:call(?:ing)?\s+|us(?:e|ing)\s+)?$", re.I)


def analyse_step(step: tf.Step, text: str, tool_line: bool = False) -> StepInfo:
    """Verb, particle, action kind and object of one step.

    `tool_line` marks a line that names a tool ("Tool: request_limit_increase_8374"): the tool's
    name gives the verb and the identifiers listed after it its parameters.
    """
    body = text[step.start:step.end]
    tokens = _words(body)
    verb = step.verb if step.verb not in _STOP else None  # text.features may take "If the ..." for a verb
    if verb is not None and len(verb) < 2:  # "[N/A] (communication): Respond ...": an abbreviation
        verb = None
    pos = -1
    if verb:
        for i, (w, _) in enumerate(tokens):
            low = w.lower()
            if low == verb or (low[:1].isalpha() and tf.verb_lemma(low) == verb) or tf.lemma(low) == verb:
                pos = i
                break
    if verb in ("make", "be") and _ASSURE.match(body):
        verb, pos = _assured(body, tokens)
    known = verb is not None
    if verb is None:
        verb, pos = _fallback_verb(body, tokens)
    info = StepInfo(step=step, verb=_ident(verb or "handle", 20), known_verb=known)
    # "Use open_bank_account_4821 to open the account": the tool is named, the verb follows "to".
    ids = [m.group(0) for m in _SNAKE_ID.finditer(body)]
    tool_line = tool_line or bool(_TOOL_LINE.match(body))
    if verb in _TOOL_VERBS and not ids and body.rstrip().endswith(":"):  # "Call the tool:" + a code line
        ids = [m.group(0) for m in _SNAKE_ID.finditer(text, step.end, min(len(text), step.end + 200))][:1]
        if ids:
            body = body + " " + ids[0]
    if tool_line and ids:
        info.tool_id = ids[0]
        parts = [p for p in ids[0].split("_") if p.isalpha()]
        info.verb = tf.verb_lemma(parts[0]) or _ident(parts[0], 20)
        info.object_words = [tf.lemma(p) for p in parts[1:]][-3:]
        info.known_verb = tf.verb_lemma(parts[0]) is not None
        after = text[step.end:step.end + 800]
        listed = [m.group(0) for m in _SNAKE_ID.finditer(after)]
        info.param_ids = [i for i in dict.fromkeys(listed) if i != ids[0]][:6]
    elif verb in _TOOL_VERBS and ids:
        info.tool_id = ids[0]
        info.param_ids = list(dict.fromkeys(i for i in ids[1:] if not _CALLED_NEXT.search(body, 0, body.find(i))))[:6]
        m = _TO_VERB.search(body, body.find(ids[0]))
        inner = tf.verb_lemma(m.group(1)) if m else None
        head = tf.verb_lemma(ids[0].split("_")[0])
        info.verb = inner or head or info.verb
        after = body[m.end():] if m else body[body.find(ids[0]) + len(ids[0]):]
        info.object_words = _object(_words(after), 0)
    else:
        rest = tokens[pos + 1:] if pos >= 0 else tokens
        if rest and rest[0][0].lower() in _PARTICLES:
            info.particle = rest[0][0].lower()
            rest = rest[1:]
        joined = _joined_verb(rest)
        if joined is not None:  # "Scroll down and tap Safari": the tap is what the step does
            info.verb, info.particle, rest = joined
        if info.verb == "give":
            rest = _recipient(rest)
        info.object_words = _object(rest, 0)
    lk = tf.action_kind(info.verb)
    ui = lk in ("navigate", None) or info.verb in {"open", "press", "hit"}
    label = _UI_LABEL.search(body) if ui and not info.tool_id else None
    plain = _plain_label(body, tokens, pos) if ui and not info.tool_id and not label else None
    named = label is not None  # a button named the step: its label, not its object, says what it acts on
    if label or plain:  # "Tap **Freeze card**", "Select Extend rental": the button names the action
        said = plain or label.group("label") or label.group("b")
        words = re.findall(r"[A-Za-z0-9][A-Za-z0-9'‑-]*", said)
        action = tf.verb_lemma(words[0].lower()) if words and not _menu_item(said) else None
        if action and tf.action_kind(action) in _LABEL_ACTIONS and not _TO_SEE.search(body):
            info.verb, lk, named = action, tf.action_kind(action), True
            pressed_later = plain is not None and tokens[pos][0].lower() not in _PRESS  # "Open X and choose Cancel"
            info.object_words = [tf.lemma(w.lower()) for w in words[1:] if w.lower() not in _STOP and name_word(w)][:3] \
                or (info.object_words if pressed_later else [])  # a bare "Cancel" acts on the X opened
            info.particle = ""
        elif label:
            lk = "navigate"  # "Open **Manage booking**", "Select **Baggage**"
    elif info.verb in ("sign", "log") and info.particle in ("in", "on", "out", "into", ""):
        lk = "navigate"  # sign in, log in: getting to the place where the action is
    elif info.verb == "open" and not (set(info.object_words[-1:]) & _OPENABLE):
        lk = "navigate"  # "Open the record" (but "Open a savings account" creates one)
    if info.object_words and info.object_words[-1] in _UI_NOUNS and not info.tool_id and not named:
        lk = "navigate"  # "Open the mobile app", "Select the Settings tab"
    info.lexical_kind = lk
    if lk in ("create", "update", "delete", "transfer", "physical") or info.verb in _WRITE_COMMUNICATE:
        info.kind = "write"
    elif lk in ("read", "verify", "navigate", "communicate"):
        info.kind = "read"
    else:  # a verb outside the lexicon ("maintain", "hire"): a generic action that changes state
        info.kind = "write" if known else "read"
    if info.verb == "look" and info.particle in {"up", ""}:
        info.kind = "read"
    return info


def _menu_item(label: str) -> bool:
    """Whether a label names a menu's item, two things joined by "&" ("Update & Security",
    "Privacy & Security"): its first word is no action the press carries out ('updated'), as it is
    in "Save & Close"."""
    m = re.match(r"\s*[A-Za-z]+\s*&\s*([A-Za-z]+)", label)
    return m is not None and tf.verb_lemma(m.group(1)) is None


#: pressing verbs: the status a pressed button leaves is the action it carries out, not "clicked";
#: what one presses is a control, never a value the user gives ('Tap "Passwords"')
PRESSES = _PRESS - {"choose"}  # (a choice made is a state: "chosen")
_PURPOSE = re.compile(r"\b(?:in order )?to\s+([a-z]+)")
_QUOTED_LABEL = re.compile(r"[\"“”]\s*([A-Za-z][A-Za-z'-]*)")


def pressed_action(info: StepInfo, goal_verb: str | None) -> str | None:
    """The action a pressing step carries out: its purpose ("Press the blue arrow to *send* your
    message"), the verb of a label it presses ("Click on “*Save*.”"), else, for the procedure's last
    action, the verb of its goal ("How to *Uninstall* Twitch": "Click OK"); None when none of them
    leaves a state ('found' is none; a status 'clicked' or 'tapped' said nothing of the record)."""
    if info.verb not in PRESSES:
        return None
    body = info.step.text
    for found in (_PURPOSE.search(body), _QUOTED_LABEL.search(body)):
        verb = tf.verb_lemma(found.group(1)) if found else None
        if leaves_a_state(verb):
            return verb
    return goal_verb if leaves_a_state(goal_verb) else None


def leaves_a_state(verb: str | None) -> bool:
    """Whether a record is left in a state named by the verb ("saved", "installed", "chosen"): not
    by one that finds or shows it ('found', 'opened'), nor by a use of it, on a screen or with one's
    time ('used', 'typed', 'clicked', 'played', 'walked'), nor by a word the lexicon does not know as
    a verb whose participle is no English word ('xensourced', of "Xensource, the company behind Xen")."""
    if not verb or verb in PRESSES or verb in _NO_STATE_VERBS:
        return False
    if verb in VERB_STATUS or verb in _WRITE_COMMUNICATE or verb == "choose":
        return True
    kind = tf.action_kind(verb)
    if kind is None:
        return tf.known_word(_regular_participle(verb))
    return kind not in ("navigate", "read", "verify", "communicate")


def _joined_verb(rest: list[tuple[str, int]]) -> tuple[str, str, list[tuple[str, int]]] | None:
    """A verb with no object of its own joined to the next ("Scroll down and tap Safari", "Wait
    and then click OK"): the next verb, its particle and what follows it."""
    k = 0
    while k < len(rest) and rest[k][0].lower() in ("and", "then"):
        k += 1
    if k == 0 or k >= len(rest) - 1:
        return None
    verb = tf.verb_lemma(rest[k][0].lower())
    if verb is None or not rest[k][0][:1].islower():
        return None
    tail = rest[k + 1:]
    particle = ""
    if tail and tail[0][0].lower() in _PARTICLES:
        particle, tail = tail[0][0].lower(), tail[1:]
    return _ident(verb, 20), particle, tail


def _plain_label(body: str, tokens: list[tuple[str, int]], pos: int) -> str | None:
    """A button named without markup right after the verb that presses it: "Select Extend rental
    and choose ..." -> "Extend rental", "Tap Activate 6-Month Financing." -> "Activate 6-Month
    Financing", or pressed after getting to it: "Open the scheduled payment and choose Cancel." ->
    "Cancel"; its first word capitalised, up to a conjunction, a preposition or punctuation."""
    if pos < 0 or pos + 1 >= len(tokens):
        return None
    if tokens[pos][0].lower() not in _PRESS:  # "Open the scheduled payment and choose Cancel."
        then = _THEN_PRESS.search(body, tokens[pos][1])
        if then is None:
            return None
        at = then.end()
    else:
        first, at = tokens[pos + 1]
        if not first[:1].isupper():
            return None
    end = _LABEL_END.search(body, at)
    return body[at:end.start() if end else len(body)]


#: a button pressed after getting to it, in the same step: "... and choose Cancel"
_THEN_PRESS = re.compile(r"\band (?:then )?(?:select|tap|click|press|choose|hit)\s+(?=[A-Z])")


def _fallback_verb(body: str, tokens: list[tuple[str, int]]) -> tuple[str | None, int]:
    """The action of a step that does not open with a known instruction verb, and its token index.

    Skips a label ("Payment: ...") and a fronted clause ("For ELITE tier, ..."); then takes the
    verb after a modal ("The agent must first obtain ..." -> obtain; "Basic economy flights cannot
    be modified" -> modify), else the first content word ("Maintain sufficient funds").
    """
    at = 0
    label = _LABEL_LEAD.match(body)
    if label:
        at = label.end()
    lead = _LEAD_TO.match(body, at)
    if lead:  # "Be sure to clean out your can first": clean (not "can first" taken for a modal)
        idx = next((i for i, (_, p) in enumerate(tokens) if p >= lead.end()), -1)
        word = tokens[idx][0].lower() if idx >= 0 else ""
        if word.isalpha() and word not in _STOP:
            return tf.verb_lemma(word) or _base_form(word), idx
    fronted = _FRONTED.match(body, at)
    if fronted:
        at = fronted.end()
    modal = _MODAL.search(body, at, min(len(body), at + 120))
    if modal:
        word = modal["verb"].lower()
        base = (tf.verb_lemma(word) or tf.lemma(word)) if modal["be"] else word
        if base.isalpha() and base not in _STOP:
            idx = next((i for i, (_, p) in enumerate(tokens) if p >= modal.start("verb")), -1)
            return base, idx
    skip = next((i for i, (_, p) in enumerate(tokens) if p >= at), 0)
    if skip < len(tokens) and tokens[skip][0].lower() in ("have", "has"):  # "Have an Xbox 360 ...": a check
        return "check", skip  # (was `xbox_xbox`: the thing taken for the verb)
    for i, (w, _) in enumerate(tokens[skip:skip + 3], start=skip):
        low = w.lower()
        if low.isalpha() and low not in _STOP and len(low) > 1 and not is_adverb(low):  # "Always play ..."
            return _base_form(low), i
    return None, -1


#: words before a step's real verb that only stress it ("Be sure to", "Make sure you", "Remember to")
_LEAD_TO = re.compile(r"\W*(?:(?:or|and|then|also|now)\s+)?(?:be\s+sure|make\s+sure|be\s+certain|remember|don't\s+forget|"
                      r"be\s+careful)\s+(?:to|that\s+you|you)\s+", re.I)


_ASSURE = re.compile(r"\W*(?:(?:or|and|then|also|now)\s+)?(?:make|be)\s+(?:sure|certain)\b", re.I)


def _assured(body: str, tokens: list[tuple[str, int]]) -> tuple[str, int]:
    """The action of a step opening "Make sure ...": the verb it stresses ("Make sure to read the
    sidebar": read), a check of what one has ("Make sure you have an icon file"), else a check
    that something holds ("Make sure the topic isn't one we already have": ensure), never a
    making (it left records 'made')."""
    lead = _LEAD_TO.match(body)
    at = lead.end() if lead else _ASSURE.match(body).end()  # type: ignore[union-attr]
    idx = next((i for i, (_, p) in enumerate(tokens) if p >= at), -1)
    word = tokens[idx][0].lower() if idx >= 0 else ""
    if lead and word in ("have", "has"):
        return "check", idx
    if lead and word.isalpha() and word not in _STOP:
        return tf.verb_lemma(word) or _base_form(word), idx
    return "ensure", max(idx - 1, 0)


def _base_form(word: str) -> str:
    """The base form of a word used as a verb: simplemma's lemma, "-ing" stripped ("funding")."""
    lem = tf.lemma(word)
    if lem.endswith("ing") and len(lem) > 5:
        stem = lem[:-3]
        return stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem
    return lem


def _instruction(step: tf.Step) -> bool:
    """A step that opens with a verb, not with an identifier ("wire_transfer_in" is no "wire")."""
    return bool(step.verb) and not re.match(r"\W*[A-Za-z0-9]+_", step.text)


# "Your redemption will process and appear on your account once completed.": what follows the steps
_OUTCOME = re.compile(r"^\W*(?:your|the|this|that|it|its|their|they|these|those)\b(?:(?!\b(?:agent|you)\b)[^.;:]){0,80}?"
                      r"\b(?:will|'ll)\s+(?:then\s+|now\s+|automatically\s+|usually\s+)?(?:be\s+)?[a-z]+", re.IGNORECASE)


#: a pointer to more text, alone or after a fronted clause: "See Section 9.3.6", "Please refer to
#: articles on Debian Wiki ...", "If this doesn't clear up your display, see Section 9.5.6"
_POINTER = re.compile(r"(?:^\W*|[,:;]\s+)(?:please\s+)?(?:see|refer\s+to)\b[^.]{0,60}?\b(?:sections?|chapters?|"
                      r"figures?|tables?|wiki|documentation|manuals?|articles?|pages?|the following)\b", re.IGNORECASE)


#: an item that only names a file, after its label: 'mc(1): "/etc/mc/mc.ext"' (a step `etc_mc`, "etc the mc")
_ONLY_A_PATH = re.compile(r"(?:[^:\n]{1,40}:\s*)?[\"'`“]?(?:[~.]|/(?!/))[\w./~-]+[\"'`”]?\W*")  # not a URL's "//", nor a full stop


def is_outcome(step: tf.Step) -> bool:
    """A list item that says what happens after the steps, to something other than the reader
    ("Your redemption will process and appear on your account"), or a remark between them ("Since
    the kernel remains under the control of the packaging system, ...", "Furthermore, the scripts
    ...", a sidebar's "CULTURE The good old days ..."), or a sentence that opens with a sequence
    word but asks nothing of anyone: not a step, so not a tool (they were `since_kernel_remains`, a
    write setting the status 'sinced', and `handle_list_module`)."""
    if step.marker == "sequence" and not step.verb and not _MODAL.search(step.text) \
            and not re.search(r"\byou\b", step.text, re.I):
        return True  # "Finally, the semodule -l command lists the modules": told in order, done by no one
    return bool(not step.verb and _OUTCOME.match(step.text) or _REMARK.match(step.text) or _POINTER.search(step.text)
                or _ONLY_A_PATH.fullmatch(step.text) or _GOT.fullmatch(step.text))


#: the end a guide cheers, no step: "You got a VS Seeker!", "You've unlocked the Final Story." (a cumulative
#: list had it inside its last step; alone it was told as a step and marked as `get_versus_seeker`)
_GOT = re.compile(r"\W*you(?:'ve|\s+have)?\s+(?:now\s+|just\s+|finally\s+)?(?:got|gotten|earned|unlocked|won(?![\'’]t)|"
                  r"obtained|received|caught|beaten|finished|completed)\b[^.!?]*[.!]+\s*", re.IGNORECASE)


#: how a remark opens, never an instruction: a connective, or a sidebar's capitalised label
_REMARK = re.compile(r"^\W*(?:(?:despite|since|furthermore|moreover|however|although|though|among|thus|therefore|"
                     r"hence|otherwise|meanwhile|unfortunately|fortunately|soon|whoa|indeed|sometimes|often|"
                     r"generally|typically|nowadays|today|currently|historically|traditionally|originally|"
                     r"similarly|likewise|besides|through)\b|"
                     # a sidebar's label alone: "Note"
                     r"(?:note|tip|warning|caution|important)\W*$|"
                     r"(?-i:NOTE|TIP|TOOL|CULTURE|WARNING|CAUTION|IMPORTANT|BACK TO BASICS|SECURITY|IN PRACTICE|"
                     r"GOING FURTHER|COMMUNITY|SPECIFIC CASE|QUICK LOOK|ALTERNATIVE|DEBIAN POLICY)\b(?!\s*:))",
                     re.IGNORECASE)


_TOOL_LINE = re.compile(r"^[ \t*#>-]*(?:\*\*)?(?:tool|function|api|endpoint)s?(?:\*\*)?\s*:\s*(?:\*\*)?`?"
                        r"(?P<id>[a-z][a-z0-9]*(?:_[a-z0-9]+)+)", re.I | re.M)


def procedure_steps(text: str) -> tuple[list[tf.Step], str]:
    """The main procedure's steps (`_steps_found`), without a heading's marks around them
    ("######Catch or trade for a Vulpix.", "Go to the download site [1]############": the marks were
    said as the step)."""
    steps, how = _steps_found(text)
    steps = [s for s in steps if not (s.marker == "sequence" and _CAPTION.match(text[text.rfind("\n", 0, s.start) + 1:s.start]))]
    steps = _without_output(steps, text)
    return [_tried(s, text) for s in _each_new(_unmarked(s) for s in steps)], how


#: a command at a shell prompt: the prompt alone on its line and the command on the next non-blank one
#: (the Debian handbook's "$ \n./easyrsa build-ca nopass"), or "$ command" on one line (the reference's)
_BARE_PROMPT = re.compile(r"^[ \t\xa0]*[$#][ \t\xa0]*\n(?:[ \t\xa0]*\n)*[ \t\xa0]*(\S[^\n]*)$", re.M)
_LINE_PROMPT = re.compile(r"^[ \t\xa0]*\$[ \t\xa0]+(\S[^\n]*)$", re.M)
_BLANK_LINE = re.compile(r"\n[ \t\xa0]*\n")


def output_of(text: str, start: int) -> re.Match[str] | None:
    """The command at a shell prompt whose output the line at `start` is, if it is one: a line of
    the paragraph under a "$ command" line, or, under a prompt alone on its line, a line after other
    output, every line since the command as short as a terminal's (a prose paragraph is one long
    line). "Write out database with 1 new entries / Data Base Updated" is what easyrsa prints, not a
    step; "Restart the service to use the new configuration." right after the command is the text's."""
    line = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    last = max((m for rx in (_BARE_PROMPT, _LINE_PROMPT) for m in rx.finditer(text, 0, line)),
               key=lambda m: m.end(), default=None)
    if last is None or last.group(1).rstrip().endswith("\\"):
        return None  # (a command continued on the line: "cut -d ':' -f 5| sort ...")
    between = text[last.end():line]
    if last.re is _LINE_PROMPT:
        return None if _BLANK_LINE.search(between) else last
    lines = [ln for ln in between.split("\n") if ln.strip()]
    return last if lines and not any(_PROSE_LINE.match(ln) for ln in lines + [text[line:end]]) else None


#: a line of prose, longer than a terminal's and of many words, ending as a sentence does ("Now we
#: prepare the public key infrastructure directory with the following command:"), not a long path a
#: program printed nor its menu of keys ("(A)llow / [(D)eny] / (I)gnore / (G)lob / ... / (F)inish")
_PROSE_LINE = re.compile(r"(?=.{81})(?!.*\s/\s)(?:\S+\s+){9}.*[.:!?]\s*$")


def _without_output(steps: list[tf.Step], text: str) -> list[tf.Step]:
    """Steps without the lines a program printed (`output_of`): a transcript's output lines are no
    steps, its commands are. Where no two acts are left ("10.2.2. Public Key Infrastructure:
    easy-rsa", whose only instruction-like lines were easyrsa's own: "Confirm request details: yes",
    "Write out database with 1 new entries" twice), the commands the section runs up to its last
    output are ('Run "./easyrsa build-ca nopass".')."""
    kept = [s for s in steps if output_of(text, s.start) is None]
    if len(kept) == len(steps) or sum(1 for s in kept if not is_note(s.text) and not is_pointer(s.text)
                                       and not _SIDEBAR.match(s.text)) >= 2:
        return kept
    dropped = [s for s in steps if s not in kept]
    # (a heading, not a "# comment" of the listing read as one: "# EASYRSA_PKI or EASYRSA dir ...")
    starts = [sec.start for sec in tf.layout(text).sections if output_of(text, sec.start) is None]
    at = bisect.bisect_right(starts, dropped[0].start) - 1
    begin = starts[at] if at >= 0 else 0
    commands = sorted((m for rx in (_BARE_PROMPT, _LINE_PROMPT) for m in rx.finditer(text, begin, dropped[-1].start)),
                      key=lambda m: m.start(1))
    runs = [tf.Step(f'Run "{m.group(1).strip()}".', m.start(1), m.end(1), "sentence", None, 0, "", "run")
            for m in commands if _RUNNABLE.match(m.group(1).strip())]
    # (where no commands take their place either, the steps stay as they were: "Try using -f." and "Use
    # --help ..." of dpkg's section, apt's and dpkg's own advice, left one purge, which no longer read as
    # the customer's guide: the assistant said "I've manipulated packages with dpkg")
    # (nor where they are a whole chapter's examples, not one procedure: 35 dpkg commands)
    return sorted(kept + runs, key=lambda s: s.start) if 2 <= len(runs) <= _MOST_RUN else steps


_MOST_RUN = 12


#: a sidebar's title, no step ("NOTE dpkg or apt ?", "CULTURE The Let's Encrypt Initiative")
_SIDEBAR = re.compile(r"(?:NOTE|TIP|CAUTION|CULTURE|SECURITY|BACK TO BASICS|GOING FURTHER|IN PRACTICE|ALTERNATIVE|QUICK LOOK)\b")
#: a command line as typed (a program's name first), not a comment or a config line ("# EASYRSA_PKI ...")
_RUNNABLE = re.compile(r"\.?/?[a-z][\w.+-]*(?:\s|$)")


#: a figure's or table's caption before the text taken for a step opening with a sequence word
#: ("Figure 4.16. First boot": read as "First, boot", the only step of a Debian section whose advice
#: is an apt upgrade); a caption that is an instruction ("Figure 3.3. Install the selected services")
#: stays a step
_CAPTION = re.compile(r"^\W*(?:figure|table|example|screenshot|image)\s+\d+(?:\.\d+)*\.?\s*$", re.IGNORECASE)


def _each_new(steps: Any) -> list[tf.Step]:
    """Steps that each repeat the steps before them whole ("1. Bend over and hold the frisbee." "2.
    Bend over and hold the frisbee. Teach running and grabbing." ...: an OpenPI guide's cumulative
    list) said as what each adds ("Teach running and grabbing"); the guide told every earlier step
    again inside each step."""
    out: list[tf.Step] = []
    before = ""
    for step in steps:
        said = step.text
        if before and said.startswith(before) and len(said) > len(before) + 3 and said[len(before)] in " \t\n":
            rest = said[len(before):]
            lead = len(rest) - len(rest.lstrip())
            step = replace(step, text=rest.strip(), start=step.start + len(before) + lead,
                           verb=tf.leading_verb(rest.strip()))
        out.append(step)
        before = said
    return out


#: a step that only introduces what the text shows after it ("For example, try the following")
_TRY_SHOWN = re.compile(r"\W*(?:(?:for\s+example|for\s+instance|e\.g\.),?\s+)?(?:try|do|run|type|execute|enter)\s+"
                        r"the\s+following(?:\s+commands?)?\W*", re.I)


def _tried(step: tf.Step, text: str) -> tf.Step:
    """"For example, try the following" before the commands the text shows is the act of running them
    ('Run "script".'), not a note: taken for one, the guide told only the steps after it ("Press
    Ctrl-D to exit script") and never to start `script`. Without commands shown it stays a pointer."""
    if not _TRY_SHOWN.fullmatch(step.text):
        return step
    shown = shown_after(text, step.end)
    if not shown:
        return step
    said = ", then ".join(f"`{c}`" if '"' in c else f'"{c}"' for c in shown)
    return replace(step, text=f"Run {said}.", verb="run")


#: a heading's marks, not code's ("#include <stdio.h>", "#set var ...": one mark, no space)
_LEAD_MARKS = re.compile(r"^(?:#{2,}|#\s)\s*")
_TRAIL_MARKS = re.compile(r"\s*#{2,}$")


def _unmarked(step: tf.Step) -> tf.Step:
    lead, trail = _LEAD_MARKS.match(step.text), _TRAIL_MARKS.search(step.text)
    bare = step.text[lead.end() if lead else 0:trail.start() if trail else len(step.text)]
    if bare == step.text or not bare.strip():
        return step
    return replace(step, text=bare, start=step.start + (lead.end() if lead else 0),
                   end=step.end - (len(step.text) - trail.start() if trail else 0),
                   verb=tf.leading_verb(bare) if lead else step.verb)


def _steps_found(text: str) -> tuple[list[tf.Step], str]:
    """The main procedure's steps and where they came from.

    ``segment``: `text.features.segment_steps` found a run with instructions (or a numbered list);
    ``run``: another list run holds the instructions (the first list was conditions);
    ``instructions``: instruction items and sentences anywhere, in text order;
    ``tool``: no steps, but the text documents a tool ("Tool: request_limit_increase_8374"): a
    check sentence before it, if any, then the tool.
    """
    steps = _cut_names_joined(tf.segment_steps(text), text)
    if any(_instruction(s) for s in steps):
        return _one_section(steps, text), "segment"
    runs = [r for r in tf.step_lists(text) if len(r) >= 2 and sum(1 for s in r if _instruction(s)) >= 2]
    if runs:
        return max(runs, key=lambda r: (sum(1 for s in r if _instruction(s)), len(r))), "run"
    lay = tf.layout(text)
    found = [i for i in lay.items if _instruction(i)]
    for a, b in lay.sentences:
        body = text[a:b]
        verb = tf.leading_verb(body)
        if verb:
            lead = len(body) - len(body.lstrip())
            found.append(tf.Step(" ".join(body.split()), a + lead, b, "sentence", None, 0, "", verb))
    found.sort(key=lambda s: s.start)
    found = _one_section(found, text)
    if len(found) >= 2:
        return found, "instructions"
    m = _TOOL_LINE.search(text)
    if m:
        line_end = text.find("\n", m.start())
        line_end = len(text) if line_end < 0 else line_end
        tool = tf.Step(" ".join(text[m.start():line_end].split()), m.start(), line_end, "sentence",
                       None, 0, "", None)
        check = [s for s in found if s.end <= m.start() and tf.action_kind(s.verb) in ("verify", "read")]
        return check[:1] + [tool], "tool"
    if len(steps) >= 2 and steps[0].marker == "number":
        return steps, "segment"
    return [], "none"


#: how a step opens that asks the reader to know, see or feel something, nothing to do in the app:
#: "Understand what creating a data CD does", "Learn about the product pages", "Note the use of
#: inheritance", "Be aware ...", "Enjoy your new phone!", "See dpkg(8) for details", "To confirm ..., see
#: the list given below", a remark ("But this requires non-trivial efforts"), a pointer to what follows
#: ("Try the following:")
_NOTE = re.compile(r"^\W*(?:(?:also|now|then|finally|for\s+example|for\s+instance),?\s+|to\s+[^,.;:]{3,80},\s*)?(?:(?:understand|learn\b(?!\s+to\b)|be\s+aware|notice|realize|realise|"
                   r"keep\s+in\s+mind|enjoy|congratulations)\b|note(?:\s*[,:!.]|\s*$|\s+(?:that|how|what|whether|also|the\s+(?:use|fact|"
                   r"unexpected|difference))\b)|(?:know|remember)\s+(?:what|that|how|when|where|which|whether|if)\b|"
                   r"see\s+(?:[\"“]|/|[\w.-]+\(\d|(?:section|chapter|figure|table)\s+\d|the\s+(?:list|table|section|chapter|figure|example)s?\b|below\b|above\b)|but\s|"
                   r"(?:try|do)\s+the\s+following\W*$)", re.I)


def is_pointer(text: str) -> bool:
    """A step that only points to more text ("For further information ..., please refer to Section
    6.2.3"): no act, for the customer or a tool."""
    return _POINTER.search(text) is not None


#: a step that says how things are or will be, not what to do: a subject of its own with a finite
#: verb ("She's stuck in a tree.", "When you face him, he won't join your team at the first battle.",
#: "When you find the walrus with the backpack, that's Wendell."), what the reader will be or get
#: ("You should be holding no weapons.", "Once installation is complete, you might be prompted to
#: install DirectX 9.0c."), or an extra they may add ("You can even put music on for breeding."). Not
#: one that goes on to what to do ("There's a good chance you'll get launched over your bars, so strap
#: on your helmet"), nor "you should first do a minimal upgrade", "you can open the connection", nor an
#: option that is the guide's point ("You can also hold a dumbbell in your hands", of an advanced version)
_SAYS_HOW_IT_IS = re.compile(
    r"^\W*(?:(?:when|once|if|after|as\s+soon\s+as)\b[^,;:]{0,80},\s*)?"
    r"(?:(?:he|she|it|they|that|this|there)(?:['’]s\b|\s+(?:is|are|was|were|won['’]t|will|would|can['’]t|cannot|"
    r"doesn['’]t|don['’]t|isn['’]t|aren['’]t|has|have|had|should|might|may)\b)"
    r"|you(?:['’]ll|\s+(?:should|will|would|might|may|must))\s+(?:now\s+)?(?:be|get|see|notice|hear)\b"
    r"|you\s+can\s+even\b)", re.IGNORECASE)
_SO_DO = re.compile(r"[,;]\s+(?:so|then|and)\s+(?!you\b|it\b|that\b|they\b|he\b|she\b|there\b)[a-z]+", re.IGNORECASE)


#: a lead-in before a sentence's subject: a clause ("Once installation is complete, ...") or a word of
#: time ("Then a Message will be displayed ...", "By now it should be narrowed down ...")
_LEAD_IN = (r"(?:(?:when|once|if|after|as\s+soon\s+as)\b[^,;:]{0,80},\s*|(?:then|now|by\s+now|at\s+this\s+point|"
            r"for\s+a\s+split\s+second|soon|eventually),?\s+)?")
_LED_IN = re.compile(r"^\W*" + _LEAD_IN, re.IGNORECASE)
#: a sentence whose subject is a thing, said with a verb of being, having or giving ("Certain things give
#: you certain prizes.", "Kapp'n or Rover will talk to you ...", "Old package installers are taking up too
#: much space.", '"Asylum Aftermath" is the first mission.'); not the reader ("you", "we"), not a clause
#: ("Once Debian is installed"), nor a passive of what to do ("Then the loop can be started manually with ...")
_THING_IS = re.compile(
    r"^\W*" + _LEAD_IN + r"(?!(?:you|we|i|all|then|now|or|and|but|so|once|when|if|after|before|while|until|as|to|in|on|"
    r"at|for|with|by|from)\b)(?:[\"“][^\"”]{1,40}[\"”]|[\w'’-]+)(?:\s+(?:or\s+)?[\w'’-]+){0,4}?\s+"
    r"(?:is|are|was|were|will|would|gives?|has|have|(?:should|can|could|may|might)(?!\s+(?:then\s+|also\s+)?be\s+\w+ed\b))\b"
    r"|^\W*" + _LEAD_IN + r"(?:he|she|it|they|that|this|there)(?:['’]s\b|\s+(?:is|are|was|were|won['’]t|will|would|"
    r"can['’]t|cannot|should|might|may)\b)", re.IGNORECASE)


def says_how_a_thing_is(text: str) -> bool:
    """Whether a step is a sentence about a thing (`_THING_IS`), no verb of the reader's opening it nor
    opening what follows its lead-in ("Once you have entered, play the mini-game that you are forced
    to do" is the play)."""
    rest = text[_LED_IN.match(text).end():]
    m = _THING_IS.match(text)
    if not m or tf.leading_verb(text) is not None or tf.leading_verb(rest[:1].upper() + rest[1:]) is not None \
            or _SAYS_WHAT_TO_DO.search(text):
        return False
    subject = re.findall(r"[\w'’-]+", text[_LED_IN.match(text).end():m.end()])[:-1]
    first = subject[0] if subject else ""
    # (an instruction the lexicon's opening misses: "Ensure everything is mixed", "Blend until it is smooth",
    # "Await confirmation that the card is linked": a verb first, or a clause inside the "subject")
    return not (first and tf.verb_lemma(first) and not first.lower().endswith("ing")) \
        and first.lower() not in _BIDDING and not any(w.lower() in _CLAUSE_WORDS for w in subject)


_CLAUSE_WORDS = frozenset("that which who until unless so if when while because as than how what where why whether you we "
                          "and to not don't don’t after before".split())
#: a sentence about a thing that tells what to do ("Once these prerequisites are installed, the next step is
#: to test the dom0", "setting up this traffic limitation is achieved by running wondershaper")
_SAYS_WHAT_TO_DO = re.compile(r"\bstep\s+is\s+to\b|\bis\s+(?:achieved|done)\s+by\b", re.IGNORECASE)
#: words that open an instruction the lexicon does not know as a verb ("Remember to give your brain a
#: break", "Avoid antibiotics unless ...", "Be sure material has adhered ...", "Immediately have the
#: Songstress use Magical Masque")
_BIDDING = frozenset("be remember avoid talk treat do don't don’t never always immediately try keep make let have get "
                     "go take give put use".split())


def is_note(text: str) -> bool:
    """A step that is no act: something to understand, know or enjoy, or a pointer to more text
    (`_NOTE`), or a sentence that says how things are or will be (`_SAYS_HOW_IT_IS`, and of a thing,
    `says_how_a_thing_is`); it stays in the guide, and no tool call does it."""
    return bool(_NOTE.match(text)) or (bool(_SAYS_HOW_IT_IS.match(text)) or says_how_a_thing_is(text)) \
        and not _SO_DO.search(text)


def _cut_names_joined(steps: list[tf.Step], text: str) -> list[tf.Step]:
    """Steps with an item that only goes on from the one before it joined to it: a list cut at a
    control's ellipsis ("5. Press the Reset Firefox..." "6. button located at the top right of the
    page."): one step, the press, not a step "button located at the top right"."""
    out: list[tf.Step] = []
    for s in steps:
        prev = out[-1] if out else None
        if prev is not None and re.search(r"(?:\.\.\.?|\u2026)\s*$", prev.text) and re.match(r"[a-z]", s.text) \
                and tf.leading_verb(s.text) is None:
            out[-1] = replace(prev, text=f"{prev.text} {s.text}", end=s.end)
            continue
        out.append(s)
    return out


#: headings that part one procedure into stages ("Step 2: Install", "Part 1"), not procedures of their own
_STAGE_HEADING = re.compile(r"^\W*(?:step|part|stage|phase|method)\s*\d", re.IGNORECASE)


def _one_section(steps: list[tf.Step], text: str) -> list[tf.Step]:
    """Steps read from prose, of the one section that holds the most instructions, when they lie
    in several: a reference text's sections are procedures of their own ("Install the SIP proxy",
    "Install the XMPP server"), not one chain of every instruction in it. A heading that names a
    task ("Install ...") wins a tie; sections that are stages of one procedure ("Step 2") stay one."""
    sections = tf.layout(text).sections
    if len(steps) < 2 or not sections or any(s.marker in ("number", "bullet") for s in steps) \
            or any(_STAGE_HEADING.match(sec.title) for sec in sections):
        return steps
    starts = [sec.start for sec in sections]
    groups: dict[int, list[tf.Step]] = {}
    for step in steps:
        groups.setdefault(bisect.bisect_right(starts, step.start) - 1, []).append(step)  # -1: before any heading
    if len(groups) < 2:
        return steps

    def rank(k: int) -> tuple[int, bool]:
        told = sum(1 for s in groups[k] if _instruction(s) and not is_outcome(s))
        return told, k >= 0 and tf.leading_verb(sections[k].title) is not None
    best = max(groups, key=rank)
    return groups[best] if rank(best)[0] >= 2 else steps


def promote_action(infos: list[StepInfo]) -> None:
    """A procedure without a state-changing step still ends in an action the assistant carries out
    for the user ("Contact support", "Provide the details", "Complete your withdrawal"): the last
    such step records it. Procedures that only look things up stay read-only."""
    if any(i.kind == "write" for i in infos):
        return
    for info in reversed(infos):
        if info.lexical_kind in ("navigate", "communicate") or (info.lexical_kind is None and info.known_verb):
            info.kind = "write"
            return


#: words opening a clause where an object would stand ("Wait until you hear a beep")
_CLAUSE = frozenset("until unless because while if when once whether so whenever wherever although though whereas".split())


#: the determiners that open give's second object ("Give the drive a label")
_SECOND_OBJECT = frozenset("a an the your some".split())


def _recipient(tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """What "give" acts on: the one given something, not the gift ("Give the drive a label": the
    drive, whose label it gets; "Give your text a background": the text). The words up to a second
    determiner after a noun; the whole phrase where there is none ("Give the form to the clerk")."""
    seen_noun = False
    for k, (w, _) in enumerate(tokens):
        low = w.lower()
        if low in _SECOND_OBJECT and seen_noun:
            return tokens[:k]
        if not w[:1].isalpha() or low in _BREAK:
            break
        seen_noun = seen_noun or low not in _STOP
    return tokens


#: a preposition of place or degree that ends the object ("Adjust your alert threshold above or below
#: $100": the threshold, never `adjust_threshold_above`)
_BEYOND = frozenset({"above", "below", "beyond", "beneath", "across", "through", "toward", "towards"})


def _object(tokens: list[tuple[str, int]], start: int) -> list[str]:
    """Lemmas of the noun phrase after the verb: "the customer's desired account_class selection"
    -> [customer, desired, account_class, selection]; "status of your order" -> [order, status]."""
    words: list[str] = []
    before_of: list[str] = []
    placeholder = False  # "Find something to use as ...": "something" was the object
    for w, _ in tokens[start:start + 12]:
        low = w.lower().replace("’", "'")
        if low == "of" and not before_of:
            if words:
                before_of, words = words, []
            continue  # "one of the channels": the channels
        if not low[:1].isalpha():
            if words or before_of or low in (".", "!", "?"):
                break  # a sentence's end: the verb has no object ('"Deschool." Be patient.': not "patient")
            continue
        if low in ("http", "https", "www"):  # "Go to https://...": a website (its address is a value)
            words.append("website")
            break
        if low in _SUBJECTS or low in _CLAUSE or (low in _BREAK | _BEYOND and (words or before_of or placeholder)):
            break  # "the computer you want to bypass", "Wait until you hear": a clause, no object
        if low in _PLACEHOLDERS:
            placeholder = True
            continue
        if low in _STOP or not name_word(low):
            continue  # "easily", "now", "the E and G notes"
        words.append(re.sub(r"'s$|'$", "", low))
        if len(words) >= 4:
            break
    out = _lemmas(words) + _lemmas(before_of) if before_of else _lemmas(words)
    return [w for w in out if w and w not in _STOP][:4]


def _lemmas(words: list[str]) -> list[str]:
    """Each word's lemma, but a participle before a noun stays one ("desired period", "scheduled
    payment": never "desire period")."""
    return [w if "_" in w or (w.endswith("ed") and i + 1 < len(words)) else tf.lemma(w)
            for i, w in enumerate(words)]
