"""A how-to's steps as the few acts an app agent has: a step that takes nothing but the record is
done by one of a handful of tools that take what it acts on, in the guide's own words
(`click(setting_id, target="Troubleshooting Information")`, `open_app(setting_id, target="Firefox")`,
`do_step(stoppie_id, step="squeeze the front brakes")`), never by a tool of its own named from its
sentence (`click_on_troubleshoot_information`, `button_locate`).

Each act's effect holds its steps as rows (the progress each follows, its target, its label, the
status it leaves): a call is the procedure's next step only when a row of that act follows the
record's progress and names the call's target (compared without case or punctuation); else the
call is refused as data ("There is no 'Reset' to click at this point.") and nothing changes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...tools.kinds import CUSTOMER_STEP
from .lexicon import _UI_NOUNS
from .steps import StepInfo
from ...text import features as tf


@dataclass(frozen=True)
class Act:
    name: str      # the tool's name
    param: str     # what it takes besides the record's id
    verb: str      # how a refusal and the assistant say it ("to click", "I'll click ...")
    doc: str       # the tool's description
    described: str  # the parameter's description


CLICK = Act("click", "target", "click", f"{CUSTOMER_STEP} the guide's next step: clicked or tapped a button, "
            "link, icon or menu item it names.", "what the customer clicked, as the guide names it")
OPEN_APP = Act("open_app", "target", "open", f"{CUSTOMER_STEP} the guide's next step: opened an app, program or "
               "screen it names.", "what the customer opened, as the guide names it")
GO_TO = Act("go_to", "target", "go to", f"{CUSTOMER_STEP} the guide's next step: gone to a place, page or menu "
            "it names.", "where the customer went, as the guide names it")
DO_STEP = Act("do_step", "step", "do", f"{CUSTOMER_STEP} the guide's next step, one the other tools do not "
              "record (a physical act, a check, a wait).", "the step, in the guide's words")
ACTS = (CLICK, OPEN_APP, GO_TO, DO_STEP)

_CLICKS = frozenset({"click", "tap", "double-click", "doubleclick"})
_PRESSES = frozenset({"press", "hit", "select", "choose", "pick", "check", "uncheck", "toggle"})
_OPENS = frozenset({"open", "launch", "start", "run"})
_GOES = frozenset({"go", "navigate", "visit", "head", "browse", "access"})
#: what an app's control or place is called: a press or an opening of one of these is an app's act
_CONTROLS = _UI_NOUNS | {"icon", "key", "box", "checkbox", "field", "toolbar", "bar", "folder", "program",
                         "panel", "preferences", "options", "tool", "arrow", "switch", "toggle", "item",
                         "terminal", "console", "file", "explorer", "finder", "store"}
#: where what a control is called ends: a purpose, a place or another act in words ("Save button| to
#: save your settings", "Settings button| located at the right end", "Sign In| or tap the icon", a menu
#: path's "Settings → Keyboard → Input Sources| → click +"), not a label's own words ("Proceed to PayPal")
_PURPOSE = re.compile(r"\s+(?:(?:to|for|at|in|on|from|with|so|until|when|while|once|after|before|if|and|then|by|of|"
                      r"located|found|shown|displayed|next|below|above|beside|near|beneath|under|inside|this|it|which)"
                      r"\s+(?=[a-z])|"
                      r"(?:or|\u2192)\s+(?:tap|click|press|select|choose|hit)\b)")
#: the words before what is acted on: a place word, a determiner (lower case: "Tap This is a fake account"
#: presses "This is a fake account"), another verb of the same act ("Click or tap Sign in")
_LEAD = re.compile(r"^(?:(?:on|onto|to|into|in|at|the|a|an|your|its|their|this|that|up|down|over|back|out|"
                   r"(?:or|and)\s+(?:tap|click|double-click|press|select|choose))\s+)+")
#: a description of the thing rather than its name, kept whole with its purpose ("the email you want to
#: copy", "the location where you'd like to add a text field"): cut, it named nothing ("email you want")
_DESCRIBED = re.compile(r"\b(?:you|you\u2019d)\s+(?:want|wish|need|would\s+like|like)\b")
#: what a target is not: a purpose or a question in the place of a thing ("Click to choose a template",
#: "Choose how links are opened"), a second act ("Tap and hold the globe key")
_NO_THING = re.compile(r"^(?:to|how|what|which|where|whether|if|and|or)\b")


def step_act(info: StepInfo, label: str | None) -> tuple[Act, str] | None:
    """The act that does a step taking nothing but the record, and what it acts on as the text names
    it (its label after the verb: "click on Troubleshooting Information" -> Troubleshooting
    Information): a control by its name and kind, without a place or purpose after it ("Reset Firefox
    button"), or, where the text names none, the description whole with its determiner ("your icon",
    "the email you want to copy"); `do_step` with the whole label for any other act ("squeeze the
    front brakes") and where nothing is named ("click to choose a template"); None for a step with
    no label (it keeps a tool of its own)."""
    if not label:
        return None
    words = label.split()
    # the step's own verb where another comes first ("scroll down and tap Safari": a tap on Safari)
    pressed = words[0].lower() in _CLICKS | _PRESSES  # (what is pressed names the action: "select Extend rental")
    at = 0 if pressed else next((k for k, w in enumerate(words[:-1])
                                 if info.verb in (w.lower(), tf.verb_lemma(w.lower()))), 0)
    after = " ".join(words[at + 1:])
    verb = tf.verb_lemma(words[at].lower()) or words[at].lower()
    if _NO_THING.match(after) and (verb in _CLICKS | _PRESSES or not after.startswith("to ")) \
            and not re.match(r"(?:or|and)\s+(?:tap|click|double-click|press|select|choose)\b", after):
        return DO_STEP, label
    rest = _LEAD.sub("", after).strip().rstrip(".…")
    named = bool(rest) and (rest[:1].isupper() or any(c.isupper() for c in rest.split()[0]) or rest[:1].isdigit()
                            or not rest[:1].isalnum())
    if rest and not named and _DESCRIBED.search(rest):  # "the email you want to copy": whole, as the text says it
        rest = re.sub(r"^(?:on|onto|to|into|in|at)\s+", "", after).strip().rstrip(".…")
    else:
        rest = _PURPOSE.split(rest, maxsplit=1)[0].strip()  # "the Save button (to save your settings)"
        if rest and not named and len(rest.split()) == 1:  # a thing the text names by its kind only: its
            # description whole, what tells it apart too ("the icon on the top-right", "files to burn", "your icon")
            rest = re.split(r"\s+(?:and|then|while|once|when|so|until)\s+", re.sub(r"^(?:on|onto|to|into|in|at)\s+", "",
                                                                                after))[0].strip().rstrip(".…")
        elif rest and not named:  # a description with its determiner: "the search bar", "your profile picture"
            det = re.match(r"(?:(?:on|onto|to|into|in|at|up|down|over|back|out)\s+)*(the|a|an|your|its|their)\s+"
                           + re.escape(rest), after)
            rest = f"{det.group(1)} {rest}" if det else rest
    # a control named by its label (capitals, a number, a symbol) or by what it is ("the Settings icon")
    ui = bool(rest) and (named or tf.lemma(rest.split()[-1].lower()) in _CONTROLS or _DESCRIBED.search(rest))
    if rest and verb in _CLICKS:
        return CLICK, rest
    if ui and verb in _PRESSES:
        return CLICK, rest
    if ui and verb in _OPENS and (named or verb != "run" and not re.match(r"[a-z]+ing\b", rest)):
        return OPEN_APP, rest  # (not "run ssh with -X option", a command, nor "start destroying more boxes")
    if ui and verb in _GOES and re.match(r"\w+\s+(?:to|into)\b", label, re.I):
        return GO_TO, rest
    return DO_STEP, label


@dataclass
class ActTool:
    """An act's tool as its steps are added (`add_step`); `spec` is the tool."""

    act: Act
    name: str
    table: str
    noun: str
    id_param: dict[str, Any]
    find: dict[str, Any]
    row: str
    pk: str
    progress: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    guarded: list[dict[str, Any]] = field(default_factory=list)
    steady: list[dict[str, Any]] = field(default_factory=list)

    def add_step(self, after: str, target: str, label: str, status: str | None,
                 guards: list[dict[str, Any]], steady: list[dict[str, Any]] = ()) -> None:
        """One more step the act does: its row (the progress it follows, its target, its label and
        the status it leaves, if any), the rules checked when it is the step due (`guards`) and
        those on what no step changes (`steady`), checked at every call of the act."""
        self.steady += [c for c in steady if c not in self.steady]
        self.rows.append({"after": _literal(after), "target": _literal(target), "label": _literal(label),
                          "status": _literal(status)})
        if guards:
            self.guarded.append({"if": f"due.label == {_literal(label)}", "then": guards})

    def spec(self) -> dict[str, Any]:
        act, row, progress = self.act, self.row, self.progress
        refused = f"There is no '{{{act.param}}}' to {act.verb} at this point." if act is not DO_STEP \
            else f"'{{{act.param}}}' is not the next step at this point."
        return {
            "name": self.name, "kind": "write",
            "description": f"{act.doc} Marks the step done on the {self.noun.replace('_', ' ')}'s checklist; it does not do the step.",
            "parameters": [self.id_param, {"name": act.param, "type": "string", "description": act.described}],
            "effect": [
                self.find,
                *self.steady,
                {"let": {"steps": self.rows, "due": f"first([s for s in steps if s.after == {row}.{progress}])"}},
                {"require": f"due != null and plain(due.target) == plain({act.param})", "message": refused},
                *self.guarded,
                {"update": self.table, "row": row,
                 "set": {progress: "due.label", "status": f"coalesce(due.status, {row}.status)"}},
                {"return": {self.pk: f"{row}.{self.pk}", progress: f"{row}.{progress}", "status": f"{row}.status"}},
            ],
        }


def _literal(value: str | None) -> str:
    """A row's value as an expression literal (a string in quotes it does not hold)."""
    if value is None:
        return "null"
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "") + "'"
