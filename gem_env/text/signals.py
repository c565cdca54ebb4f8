"""Evidence that a text is about operating a machine (an app, a site, a shell, a game, a device)
rather than about the physical world, money terms or advice — the second half of what the filter
weighs (`features.py` gives the procedure's shape, this module what the steps act on).

What separated the filter's mistakes on the hand-labelled samples (bench/data/filter_labels*.jsonl):

- help-centre steps name interface targets: "Open *Activity* and select the payment", "Go to
  Cards > Virtual", "click the [Send Link] button", "call get_user_details" — an imperative verb
  aimed at a named control, a navigation path, a tool call;
- a run of shell lines is a procedure; one example line under "- List all keys:" is a cheat sheet;
- a title or heading that names a task ("How do I stop a recurring payment?", "Setting up bill
  pay") heads a procedure; a title asking about a fact ("Why was I charged a fee?") heads an FAQ
  answer; fee and rate pages are dense in amounts and percentages;
- hands-on articles name food, fabric, plants, bodies and animals, and their steps are paragraphs;
- game walkthroughs name the game (Pokémon, Wii, a video game, battles, quests): a machine too;
- an agent policy directs the agent about the user ("you have to authenticate the user", "you
  should transfer the user to a human agent") in long bullets that would otherwise read as an
  article's paragraphs;
- a setup in the shell chains its commands: a later line reuses a path or file an earlier one
  named ("mount /dev/sdb1 /mnt/foo", "cd /mnt/foo", "umount /dev/sdb1"), where a list of
  independent example commands does not;
- an information page's list items are statements ("The bonus is additive"), a procedure's are
  instructions.

Which of these counts weighs how much is learned (bench/train_filter.py), not set here.

Every count is over the cached `layout` and `tokens` passes, so it stays cheap.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import is_advice_heading, is_system_word, layout, segment_steps, step_lists
from .lexicons import _CODE_LINE
from .words import Lexicon, action_kind, leading_verb, tokens, verb_lemma

#: Interface nouns: what a person operating an app, a site or a program looks at.
UI_NOUNS = (
    "button", "menu", "tab", "screen", "icon", "settings", "dashboard", "app", "page", "window",
    "link", "toggle", "dropdown", "drop-down", "checkbox", "dialog", "popup", "pop-up", "form",
    "browser", "website", "web", "portal", "toolbar", "sidebar", "panel", "keyboard", "mouse",
    "cursor", "click", "tap", "online", "login", "log-in", "sign-in", "field", "textbox", "option",
    "options", "prompt", "terminal", "console", "command", "shortcut", "folder", "file", "email",
)
#: Verbs that operate an interface; a step opening with one and naming a control is a UI step.
UI_VERBS = frozenset(
    "click tap select press choose enter type open navigate go log sign toggle scroll drag swipe "
    "download install upload launch run save submit search filter export print copy paste "
    "check uncheck expand switch restart reboot boot configure edit set enable disable".split()
)
#: A game's world: a walkthrough operates the game (a machine) step by step. A regex, not a
#: `Lexicon`: the tokeniser splits "Pokémon".
_GAME = re.compile(
    r"\b(?:pok[eé]mon|nintendo|xbox|playstation|wii|minecraft|roblox|sims|ps[1-5]|gameboy|"
    r"animal crossing|mortal kombat|video ?games?|games?|gaming|gameplay|battles?|quests?|npcs?|"
    r"multiplayer|cheats?|joystick)\b", re.I)
#: Things hands-on articles act on: food, fabric, wood, plants, bodies, animals, the outdoors.
PHYSICAL_NOUNS = (
    "ingredient", "bowl", "pan", "pot", "oven", "stove", "flour", "sugar", "salt", "butter", "egg",
    "milk", "oil", "sauce", "cup", "tablespoon", "teaspoon", "recipe", "dough", "fabric", "thread",
    "needle", "yarn", "glue", "wood", "soil", "seed", "plant", "tree", "leaf", "garden", "flower",
    "hair", "skin", "face", "body", "muscle", "dog", "cat", "pet", "horse", "fish", "bird", "fire",
    "shelter", "knife", "rope", "tarp", "water", "food", "meal", "cloth", "towel", "brush", "paint",
    "stitch", "sew", "bake", "cook", "wash", "boil", "soak", "weather", "rain", "sun", "wild",
    "woods", "camp", "baby", "child", "friend", "partner", "feel", "emotion",
)
#: One pass over the words counts both vocabularies (they share no word).
_VOCABULARY = Lexicon({"ui": UI_NOUNS, "physical": PHYSICAL_NOUNS})
_UI_WORDS = frozenset(UI_NOUNS)
_WORD = re.compile(r"[a-z][a-z'-]*")

#: A named control: "Select *Save*", "choose 'Cancel'", "click the [Send] button", "Open Activity".
_TARGET = re.compile(r"\"[^\"\n]{1,30}\"|'[^'\n]{1,30}'|\*\*[^*\n]{1,30}\*\*|\[[^\]\n]{1,40}\]"
                     r"|(?<=[a-z,] )[A-Z][\w-]+")
#: Agent-console actions and tool calls: "[Pull up Account]", "get_user_details", "apply_credit_6831".
_BRACKET_ACTION = re.compile(r"\[[A-Z][^\]\n]{1,40}\](?!\()")
_SNAKE_NAME = re.compile(r"(?<![\w./-])([a-z]+)_[a-z0-9]+(?:_[a-z0-9]+){0,6}\b")
_MONEY = re.compile(r"\$\s?\d|\d(?:\.\d+)?\s?%|\b\d+(?:\.\d+)?\s?(?:percent|dollars)\b")
_HOW_DO_I = re.compile(r"^(?:how\s+(?:do|can|should)\s+(?:i|we|you)\b|how\s+to\b)", re.I)
#: A title that asks about a fact ("Why was I charged a fee?", "What can each role access?"): an
#: FAQ answer, where "How do I ...?" names a task.
_FACT_QUESTION = re.compile(r"^(?:why|what|when|where|which|who|whose|can|could|does|do|did|is|are|"
                            r"was|were|will|should|am)\b", re.I)
#: Verb kinds that change or move something; reading, advising and hands-on verbs are left out.
_TASK_KINDS = frozenset({"create", "update", "delete", "transfer", "verify", "navigate"})
#: An instruction to an agent (the reader) in a sentence that names the user it serves.
_DIRECTIVE = re.compile(r"\b(?:you|agents?|the assistant)\s+(?:should|must|have to|need to|can|"
                        r"may|are (?:not )?allowed to|will need to)\b", re.I)
_SERVED = re.compile(r"\bthe (?:user|customer|caller|client)s?\b(?!-)", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+")
#: A command line's prompt or quoting, stripped before its words are read.
_PROMPT = re.compile(r"^\s*(?:[$#]\s*|`)")
_SUBCOMMAND = re.compile(r"\s*(?:;|&&|\|\|?)\s*")


@dataclass(frozen=True, slots=True)
class MachineSignals:
    """Counts of machine-use and not-a-machine evidence; see `machine_signals`."""

    ui_nouns: int        # interface nouns anywhere (button, menu, screen, app, page)
    ui_steps: int        # instructions that open with an interface verb and name a control
    ui_run: int          # ... in the one list (or the prose) that has the most
    machine_run: int     # instructions naming a control or something a system keeps, in one list
    operate_run: int     # instructions in one list whose verb changes or moves something
    task_sections: int   # headings naming a task ("Cancel the schedule") over instruction items
    tool_actions: int    # distinct agent-console actions and tool names
    command_runs: int    # runs of two or more shell/code lines in a row
    game_words: int
    physical_nouns: int
    money: int           # amounts and percentages
    step_words: int      # mean words per step of the main procedure
    agent_directives: int  # sentences instructing an agent about the user it serves
    chained_commands: int  # command lines reusing a path or file an earlier command line named
    statement_items: int   # list items that state something rather than instruct
    list_items: int        # all list items


def machine_signals(text: str) -> MachineSignals:
    """Every count above, from the cached `layout` and `tokens` passes of `text`."""
    lay, vocabulary = layout(text), _VOCABULARY.counts(tokens(text).words)
    prose = [text[a:b].strip() for a, b in lay.sentences]
    instructions = instruction_lines(text)
    steps = segment_steps(text)
    runs = [[i for i in run if i.verb] for run in step_lists(text) if not is_advice_heading(run[0].section)]
    return MachineSignals(
        ui_nouns=vocabulary.get("ui", 0),
        ui_steps=sum(1 for s in instructions if _is_ui_step(s)),
        ui_run=max([sum(1 for i in run if _is_ui_step(i.text)) for run in runs]
                   + [sum(1 for s in prose if _is_ui_step(s))]),
        machine_run=max([sum(1 for i in run if _is_machine_step(i.text)) for run in runs] + [0]),
        operate_run=max([sum(1 for i in run if action_kind(i.verb) in _TASK_KINDS) for run in runs] + [0]),
        task_sections=sum(1 for sec in lay.sections if is_task_title(sec.title)
                          and not is_advice_heading(sec.title)
                          and any(i.verb for i in lay.items if sec.start <= i.start < sec.end)),
        tool_actions=len(set(_BRACKET_ACTION.findall(text)) | _tool_names(text)),
        command_runs=_command_runs(text),
        game_words=len(_GAME.findall(text)),
        physical_nouns=vocabulary.get("physical", 0),
        money=len(_MONEY.findall(text)),
        step_words=round(sum(len(s.text.split()) for s in steps) / len(steps)) if steps else 0,
        agent_directives=_agent_directives(text),
        chained_commands=_chained_commands(text),
        statement_items=sum(1 for i in lay.items if not i.verb),
        list_items=len(lay.items),
    )


def instruction_lines(text: str) -> list[str]:
    """The text's instructions: list items and prose sentences that open with a verb."""
    lay = layout(text)
    prose = (text[a:b].strip() for a, b in lay.sentences)
    return [i.text for i in lay.items if i.verb] + [s for s in prose if leading_verb(s)]


#: A word of an instruction, or a navigation arrow ("Settings > Payments").
_INSTRUCTION_WORD = re.compile(r"[a-z][a-z0-9_'-]*|[>»→]")


def instruction_words(text: str) -> frozenset[str]:
    """The distinct lower-case words of the text's instructions: what the filter's learned
    wording weights (`filter_weights.WORDS`) read — "tap", "settings", ">" on the side of an app,
    "stir", "soil" against it."""
    return frozenset(w for line in instruction_lines(text) for w in _INSTRUCTION_WORD.findall(line.lower()))


def is_task_title(title: str) -> bool:
    """Whether a title names a task on a service: "How do I stop a recurring payment?",
    "Automatic Sweep: Setting Up Your Sweep Program", "Cancel an order" — not "Understanding
    fees", "Reading your report", "Bronze Account features". The part after a colon counts."""
    title = title.rsplit(": ", 1)[-1].strip(" #")
    if _HOW_DO_I.match(title):
        return True
    first = title.split(None, 1)[0].lower() if title else ""
    verb = _gerund_verb(first) if first.endswith("ing") else leading_verb(title)
    return action_kind(verb) in _TASK_KINDS


def is_question_title(title: str) -> bool:
    """Whether a title asks about a fact rather than naming a task: "Why was I charged a transfer
    fee?", "User Roles: What Can Each Role Access and Modify?" — not "How do I add a payee?". The
    part after a colon counts, as in `is_task_title`."""
    title = title.rsplit(": ", 1)[-1].strip(" #")
    return bool(_FACT_QUESTION.match(title)) and not _HOW_DO_I.match(title)


def _gerund_verb(word: str) -> str | None:
    """The action verb of a gerund: "setting" -> set, "closing" -> close, "adding" -> add."""
    stem = word[:-3]
    for cand in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""):
        if cand and action_kind(cand):
            return cand
    return None


def _is_ui_step(instruction: str) -> bool:
    """An instruction that operates an interface: its verb is a UI verb and a control is named
    (a capitalised, quoted or bracketed target, or an interface noun)."""
    if leading_verb(instruction) not in UI_VERBS:
        return False
    return bool(_TARGET.search(instruction)) or any(w in _UI_WORDS or w[:-1] in _UI_WORDS
                                                    for w in _words(instruction))


def _is_machine_step(instruction: str) -> bool:
    """An interface step, or an instruction naming something a system keeps (account, file)."""
    return _is_ui_step(instruction) or any(is_system_word(w) for w in _words(instruction))


def _words(s: str) -> list[str]:
    """Lower-case words of a short string (not `tokens`, whose cache holds whole documents)."""
    return _WORD.findall(s.lower())


def _tool_names(text: str) -> set[str]:
    """snake_case names that open with an action verb: tool calls ("get_user_details")."""
    return {m.group(0) for m in _SNAKE_NAME.finditer(text) if verb_lemma(m.group(1))}


def _agent_directives(text: str) -> int:
    """Sentences instructing an agent (`_DIRECTIVE`) that name the user it serves (`_SERVED`)."""
    if not _DIRECTIVE.search(text):  # most texts: one scan, no sentence split
        return 0
    return sum(1 for s in _SENTENCE.findall(text) if _DIRECTIVE.search(s) and _SERVED.search(s))


def _chained_commands(text: str) -> int:
    """Command lines (or `;`/`&&`/pipe parts of one) reusing a path or file name that an earlier
    command named: "mount -o loop disk.img old" ... "umount disk.img". Only arguments with a `/`
    or a `.` count (not subcommands such as `git lfs`), and never tldr's `{{placeholders}}`."""
    seen: set[str] = set()
    chained = 0
    for line in text.splitlines():
        if not _CODE_LINE.match(line):
            continue
        for part in _SUBCOMMAND.split(_PROMPT.sub("", line).strip("` ")):
            words = part.split()
            if words[:1] == ["sudo"]:
                words = words[1:]
            args = {w.strip("\"'") for w in words[1:] if not w.startswith("-") and "{{" not in w
                    and ("/" in w or "." in w.strip(".")) and len(w) > 2}
            chained += bool(args & seen)
            seen |= args
    return chained


def _command_runs(text: str) -> int:
    """Runs of two or more consecutive shell or code lines (blank lines between allowed)."""
    runs = length = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        if _CODE_LINE.match(line) or line.startswith(("    $", "    #", "\t$")):
            length += 1
            continue
        runs += length >= 2
        length = 0
    return runs + (length >= 2)
