"""A how-to's steps that only the customer can take, said as what they are: guidance, and a record.

A support assistant cannot plug in the customer's Wii, catch their Vulpix or tap a button on their
phone. A how-to's tools for such steps (`tools.kinds.CUSTOMER_STEP`: `do_step`, `click`, ... and a
step tool of its own on the customer's own thing) record the progress the customer reports; they do
not do the step. So the assistant:

- gives the steps as instructions and asks whether to mark them done on the record's checklist once
  the customer has done them (`confirm`): "Here's how to connect a Wii to HD TV: 1. Plug in your HDMI
  cord ... Once you've done them, would you like me to mark them done on the checklist for your Wii?";
- answers "what will that change?" with what the tools change: the checklist, nothing else (`effect`);
- after the customer says they are done and the calls are made, says what the record now shows
  (`recorded`: "mark the steps done on your Wii's checklist", said by the report as "I've marked
  the steps done ..."), never "I've connected a Wii to HD TV".

Every sentence here is true of the tools: the confirmation is a question the customer answers before
any write, the writes are the ones the gold makes, and what is said after them is what they recorded.
"""
from __future__ import annotations

import random
import re
from collections.abc import Sequence

from gem_env.tools.kinds import alternatives, customer_step, either, takes_time

#: a guide's line that is no instruction to say to a customer: a command or configuration dump
#: ("#set_var EASYRSA_SSL_CONF ...", "$EASYRSA/...", "key=value"), a program's output or prompt
#: ("Write out database with 1 new entries", "Request subject, to be signed as ...:"), or a line
#: cut off mid-word by the guide's length limit (no full stop, question or closing bracket)
_NOT_SAID = re.compile(r"#\w|\$[A-Za-z_{(]|\b[A-Z][A-Z0-9_]{2,}=|\b\d+ new entries\b|:\s*$|^\W*$")

#: a guide's line that says how things are, not what to do: a supposition ("Suppose your hostname is
#: foo, ..."), or a sentence that opens with its subject, a thing, and whose verb is a modal or "is"
#: ("The clients can also be configured ...", "Once connected, the administrator can see ...")
_STATEMENT = re.compile(r"^\W*(?:suppose|assume|imagine|note that)\b|"
                        r"^\W*(?:(?:when|once|if|after)\b[^,;:]{0,80},\s*)?(?:he|she|it|they|that|this|there)['’]s\b(?![^.]*[,;]\s+so\s)|"
                        r"^\W*(?:(?:when|once|if|after)\b[^,;:]{0,80},\s*)?(?:he|she|it|they)\s+(?:won['’]t|can['’]t|isn['’]t|aren['’]t)\b|"
                        r"^\W*you\s+(?:should|might|may|will)\s+be\s+\w+ing\b|^\W*you\s+can\s+even\b|"
                        r"^\W*(?:(?:[\w'-]+\s+){0,2}[\w'-]+,\s+)?(?:the|a|an|this|that|these|those|it|they|there)\s+"
                        r"(?:[\w'-]+\s+){0,3}?(?:can|could|may|might|will|would|is|are|was|were)\b", re.IGNORECASE)
_INTRO_TOPIC = ["Here are the steps for {topic}; they're yours to do on your side:",
                "These steps for {topic} are done on your side, so I'll walk you through them:",
                "I can't do these steps for you, but here's what to do for {topic}:"]
_INTRO = ["Here's how to {action}; these steps are yours to do on your side:",
          "These steps are done on your side, so I'll walk you through them. To {action}:",
          "I can't do these steps for you, but here's how to {action}:",
          "Here are the steps to {action}, which you do yourself:",
          "You'll do these steps yourself; here's how to {action}:"]
_ASK = ["Once you've done them, would you like me to mark them done on the checklist for {thing}?",
        "When you've been through them, shall I go ahead and mark them done on the checklist for {thing}?",
        "Let me know once they're done. Then, would you like me to mark them done on the checklist for {thing}?",
        "After you've finished them, do you want me to mark them done on the checklist for {thing}?"]
_ASK_ONE = ["Once you've done it, would you like me to mark it done on the checklist for {thing}?",
            "When that's done, shall I go ahead and mark it done on the checklist for {thing}?",
            "Let me know once it's done. Then, would you like me to mark it done on the checklist for {thing}?"]
#: the question where the steps at the end are for later (`later`): it names the steps done now
_ASK_NOW = ["Once you've done {first}, would you like me to mark them done on the checklist for {thing}?",
            "When you've been through {first}, shall I go ahead and mark them done on the checklist for {thing}?",
            "Let me know once {first} are done. Then, would you like me to mark them done on the checklist for {thing}?"]
_ASK_NOW_ONE = ["Once you've done {first}, would you like me to mark it done on the checklist for {thing}?",
                "When {first} is done, shall I go ahead and mark it done on the checklist for {thing}?"]
_EFFECT = ["Only the checklist for {thing} changes: once you've done the steps, I'll mark them done there. "
           "I can't do the steps themselves for you.",
           "Nothing on my side but the checklist for {thing}: I'll mark the steps done there once you've done them.",
           "It only updates the checklist for {thing}, marking the steps done that you've done yourself."]
_ASK_AGAIN = ["Would you like me to mark them done on the checklist once you've done them?",
              "Shall I go ahead and mark them done on the checklist when you've finished them?"]


#: how the assistant's guidance asks its question (every `_ASK`, `_ASK_ONE`, `_ASK_AGAIN`): the
#: guidance asks for nothing else, whatever its steps name ("Click the email you want to copy")
GUIDANCE = re.compile(r"\bmark (?:them|it) done on the checklist\b")


def guided(descriptions: Sequence[str | None]) -> bool:
    """Whether a request whose writes are described so is guided: any of them records a step only
    the customer can take (`tools.kinds.customer_step`)."""
    return any(customer_step(d) for d in descriptions)


def instructions(guide: Sequence[str]) -> list[str]:
    """The guide's steps as said to the customer: whole sentences, without the lines that are no
    instruction (`_NOT_SAID`) nor one said twice."""
    out: list[str] = []
    for line in guide:
        said = " ".join(line.split()).strip()
        if not said or _NOT_SAID.search(said) or _STATEMENT.search(said):
            continue
        if said[-1] not in ".!?)\"'":
            said += "."
        said = said if _COMMAND.match(said) else said[:1].upper() + said[1:]
        if said not in out:
            out.append(said)
    return out


def marked(guide: Sequence[str], spans: Sequence[str | None]) -> list[str]:
    """The steps a guided request's checklist marks, as the guide words them: for each of its writes,
    in order, the text it was made from (`spans`, the workflow step's span) as the guide line made
    of it (`_line_of`), else the span itself. The guidance tells exactly these, so the checklist the
    close says was marked holds the steps the customer was told and no others (a command such as
    "export EDITOR=mcedit" is told where the checklist marks it; a note it does not mark is left to
    the guide). Empty where a write has no span (a hand-written or model-written domain): the
    guide's instructions are said then."""
    if not spans or any(not s for s in spans):
        return []
    out: list[str] = []
    run = iter([g for g in guide if _RUN.match(g)])  # the lines of "try the following" steps, in order
    for span in spans:
        said = " ".join((span or "").split())
        line = (next(run, None) if _TRIED.fullmatch(said) else None) or _choice_of(said, guide) \
            or _line_of(said, guide) or said
        line = line if _COMMAND.match(line) else line[:1].upper() + line[1:]
        line = line.rstrip(" :")
        if line[-1] not in ".!?)\"'…`":
            line += "."
        out.append(line)  # (a step the guide gives twice, "Click Open.", is marked twice: told twice)
    return out


def told(guide: Sequence[str], spans: Sequence[str | None]) -> list[str]:
    """The steps a guided request's guidance tells: the ones its checklist marks (`marked`), in their
    order, and in their places among them every other action step of the guide (`_ACTS`: "Click the
    file that begins with EIE11_EN.", whose click the checklist has no write for, or "Check the box
    next to each desired notification type.", which a read looks at): the customer takes every step
    of the guide, so none is left out of the steps they are told (the Internet Explorer installer was
    never opened). A note the checklist does not mark ("Know that ...") stays left to the guide. The
    guide's instructions (`instructions`) where a write has no span."""
    marks = marked(guide, spans)
    if not marks:
        return instructions(guide)
    said = instructions(guide)
    # ways to one end the customer takes one of (`tools.kinds.alternatives`): told once, as a choice,
    # in the place of the first; the checklist marks none of them
    chosen = {a: either(guide[a:b]) for a, b in alternatives(guide)}
    among = {k for a, b in alternatives(guide) for k in range(a, b)}
    acts = [(k, line) for k, g in enumerate(guide) for line in ([chosen[k]] if k in chosen else instructions([g]))
            if k in chosen or k not in among and _ACTS.match(line) and line in said]
    at = [_index_of(" ".join((s or "").split()), guide) for s in spans]
    out: list[str] = []
    done = -1  # the last guide line told
    for mark, k in zip(marks, at):
        if k is not None and k > done:
            out += [line for j, line in acts if done < j < k and line not in marks]
            done = k
        out.append(mark)
    # after the last step marked: its other action steps, and from a step that lasts longer than a
    # visit on ("Try streaming for at least 3 months before returning to cable."), every step, each
    # for later (`later`): the checklist records none of them in this visit, yet they are the guide's
    rest = [(j, line) for j, g in enumerate(guide) if j > done
            for line in ([chosen[j]] if j in chosen else instructions([g])) if j in chosen or j not in among and line in said]
    wait = next((n for n, (_, line) in enumerate(rest) if takes_time(line) is not None), len(rest))
    out += [line for j, line in rest[:wait] if (j in chosen or _ACTS.match(line)) and line not in marks]
    out += [line for j, line in rest[wait:] if line not in marks and line not in out]
    return out


#: a sentence of the guide that says what must already be so before its steps can work: a thing that
#: needs to be installed, updated, created, enabled ... ("In order to debug Debian packages with gdb(1),
#: *-dbgsym packages need to be installed", "the Unix accounts must be created first"); not a supposition
#: or a case ("Let's assume ...", "If you receive ..."), not what a step does later ("... then needs to
#: be modified")
_NEEDED = re.compile(r"\b(?:needs?\s+to|has\s+to|have\s+to|must(?:\s+(?:first|already))?)\s+be\s+(?:\w+ly\s+)?"
                     r"(?:installed|updated|created|enabled|configured|mounted|loaded|set\s+up|running)\b", re.IGNORECASE)
_NOT_NEEDED = re.compile(r"^\W*(?:if|when|once|let['’]s|suppose|assume|imagine|unless)\b|\bthen\s+(?:needs?|has|have|must)\b",
                         re.IGNORECASE)
#: the words a sentence may open with that are no name, said in lower case after "Before you start:"
_OPENERS = frozenset("in for each every the a an all any your before to on with since as".split())


def needed_first(policy: Sequence[tuple[str, int]], first: int | None) -> list[str]:
    """What the guide says must already be so before its steps (`_NEEDED`), where it says it: of the
    guide's sentences (`policy`, each with its offset in the text), those stated before its first
    step told (`first`, that step's offset), said as the guidance's opening ("Before you start: in
    order to debug Debian packages with gdb(1), *-dbgsym packages need to be installed (e.g.
    coreutils-dbgsym in the case of coreutils)."). The customer was otherwise never told what the
    steps take for granted. None where no step has a place in the text (`first` None)."""
    if first is None:
        return []
    out = []
    for text, at in policy:
        said = " ".join(text.split())
        if at < first and _NEEDED.search(said) and not _NOT_NEEDED.search(said):
            word = said.split(" ", 1)[0]
            said = said[:1].lower() + said[1:] if word.lower() in _OPENERS else said
            out.append(said if said[-1] in ".!?" else said + ".")
    return out


#: a step said in the passive of what the reader is to do: "they need to be copied where appropriate"
_TO_BE_DONE = re.compile(r"\b(?:needs?|has|have|must)\s+(?:to\s+)?be\s+(?!able\b)\w+ed\b", re.IGNORECASE)


def read_told(span: str) -> bool:
    """Whether a step of the guide that only reads the record, called once the customer says yes, is
    told with the steps: where it says what to do, an instruction (`instructions`) that opens with an
    act (`_ACTS`) or says what is to be done ("After all certificates have been created ..., they need
    to be copied where appropriate: ..."); not a remark the extractor made a read of ("Once a bootable
    key has been prepared ..., a few extra operations are needed.", "Filter.d/*.conf .")."""
    said = instructions([span])
    return bool(said) and (_ACTS.match(said[0]) is not None or _TO_BE_DONE.search(said[0]) is not None)


def later(steps: Sequence[str], marks: Sequence[str]) -> int:
    """How many of the steps told (`told`), at their end, are for later: from the first that lasts
    longer than a visit (`tools.kinds.takes_time`: "Wait 24 hours.") on, where the checklist marks
    none of them. The customer does the steps before it in the visit; those after it follow the wait."""
    at = next((k for k, s in enumerate(steps) if takes_time(s) is not None and not set(steps[k:]) & set(marks)), None)
    return 0 if at is None else len(steps) - at


def _choice_of(span: str, guide: Sequence[str]) -> str | None:
    """The choice (`tools.kinds.either`) a step's text is made of: the run of alternatives it spans
    whole (the checklist's one step of them, `tools.kinds.one_of`), None if it spans none."""
    key = _key(span)
    return next((either(guide[a:b]) for a, b in alternatives(guide)
                 if all(_key(g) in key for g in guide[a:b])), None)


def _index_of(span: str, guide: Sequence[str]) -> int | None:
    """The index of the guide line a step's text was made from (`_line_of`; the first of the
    alternatives a choice spans), None if none."""
    if (choice := _choice_of(span, guide)) is not None:
        return next(a for a, b in alternatives(guide) if either(guide[a:b]) == choice)
    line = _line_of(span, guide)
    return next((k for k, g in enumerate(guide) if g == line), None) if line is not None else None


#: a guide line that tells the customer to do something: it opens with an instruction verb ("Click",
#: "Check the box", "Locate the element", "Go back to"), not with a note ("Know that", "Now that we
#: have covered ...") or a description; after its purpose ("To completely remove everything associated with a
#: package, use the -P or --purge option")
_ACTS = re.compile(r"(?:(?:then|next|now|finally|first),?\s+|to\s+[^,.;:]{3,80},\s+)?(?:click|tap|press|hit|open|close|go|select|choose|pick|type|"
                   r"enter|insert|add|remove|delete|check|uncheck|tick|find|locate|search|download|install|uninstall|run|"
                   r"create|make|get|put|set|save|turn|switch|use|copy|paste|drag|drop|scroll|swipe|sign|log|write|edit|"
                   r"change|plug|unplug|connect|disconnect|give|buy|sell|hire|wait|restart|reboot|start|stop|launch|"
                   r"exit|quit|navigate|visit|follow|move|place|hold|release|attach|detach|replace|upload|fill|"
                   r"confirm|accept|allow|enable|disable|rename|sort|zoom|mark|keep|let|leave|take|return|call|ask|tell|"
                   r"read|watch|look|listen|talk|speak|walk|jump|drive|pull|push|tie|cut|fold|pour|mix|wash|dry|"
                   r"apply|pay|send|register|join|update|upgrade|reset|clear|print|scan|record|share)\b",
                   re.IGNORECASE)


#: a step that only introduced what the text shows after it ("For example, try the following"): the
#: guide says it as running what is shown ('Run "script".'), the line the checklist marks
_TRIED = re.compile(r"\W*(?:(?:for\s+example|for\s+instance|e\.g\.),?\s+)?(?:try|do|run|type|execute|enter)\s+"
                    r"the\s+following(?:\s+commands?)?\W*", re.IGNORECASE)
_RUN = re.compile(r"Run [\"`]")
#: a line that is a command as typed ("export EDITOR=mcedit", "ls -l /etc"): its first letter stays as
#: it is (said "Export EDITOR=mcedit", it is no command the shell knows)
_COMMAND = re.compile(r"(?!(?:use|using|try|run|type|add|set|enter|pass|give|specify|select|choose|with)\b)"
                      r"[a-z][\w.+-]*\s+(?:[\w.-]*=\S|--?\w)")


def _line_of(span: str, guide: Sequence[str]) -> str | None:
    """The guide line made of a step's text: the same line; one cut short ("…"); one the guide said
    with what the text shows after it ('Check results of the following command: "aptitude search
    ..."') or without its pointer ("Start exim4." of "Start exim4 by the following."): the line all
    of whose words the step has, or that opens with the step's own words."""
    key = _key(span)
    for g in guide:
        if _key(g) == key or g in (f'Run "{key}".', f"Run `{key}`."):
            return g  # (a command the text shows at a prompt is the guide's 'Run "./easyrsa init-pki".')
    for g in guide:
        k = _key(g)
        if g.endswith("…") and key.startswith(_key(g[:-1])) or k.startswith(key.rstrip(".:") + ":"):
            return g
    words = set(_WORD.findall(key.lower()))
    fits = [g for g in guide if (w := set(_WORD.findall(g.lower()))) and w <= words]
    return max(fits, key=len) if fits else None


_WORD = re.compile(r"[\w'’-]+")


def _key(text: str) -> str:
    """A guide line and the span it was cleaned from, alike (one space; braces as brackets)."""
    return " ".join(text.split()).translate(str.maketrans("{}", "()")).strip()


def confirm(rng: random.Random, action: str, steps: Sequence[str], thing: str, extra: str = "",
            later: int = 0, needed: Sequence[str] = ()) -> str:
    """The guidance before a guided request's writes: how to do it, and whether to mark the steps done
    on the record's checklist once the customer has done them (a yes/no question the customer answers
    before any write). `extra`: what else the confirmation says (the values given: "This is for your
    session, with the host key ..."). `later`: how many steps at the end are for later (`later`): the
    guidance says which step lasts how long, and asks to mark the steps before it once they are done
    ("Step 5 takes 24 hours, so it's for later. Once you've done steps 1 to 4, ..."). `needed`: what
    the guide says must already be so before its steps (`needed_first`), said before them."""
    listed = "\n".join(f"{k}. {s}" for k, s in enumerate(steps, 1))
    topic = action.removeprefix("take care of ") if action.startswith("take care of ") else ""
    intro = rng.choice(_INTRO_TOPIC).format(topic=topic) if topic else rng.choice(_INTRO).format(action=action)
    now = len(steps) - later
    if 0 < later and 0 < now:
        span = takes_time(steps[now]) or ""
        takes = "takes a night" if span == "overnight" else "waits for the next day" if span.endswith("day") and \
            span.startswith("the ") else f"takes {span}" if span else "takes a while"
        which = "it's" if later == 1 else "it and the steps after it are"
        first = "step 1" if now == 1 else f"steps 1 and 2" if now == 2 else f"steps 1 to {now}"
        ask = f"Step {now + 1} {takes}, so {which} for later. " + \
            rng.choice(_ASK_NOW_ONE if now == 1 else _ASK_NOW).format(first=first, thing=thing)
    else:
        ask = rng.choice(_ASK_ONE if len(steps) == 1 else _ASK).format(thing=thing)
    body = f"{intro}\n{listed}" if steps else intro.rstrip(":") + "."
    if needed:
        body = f"Before you start: {' '.join(needed)}\n{body}"
    return "\n".join(p for p in (body, extra, ask) if p)


def effect(rng: random.Random, thing: str, steps: int = 0, later: int = 0) -> str:
    """"What will that change?" of a guided request: the checklist, and that the steps are the customer's.
    Where the last `later` of the `steps` told are for later (`later`), the question again names the
    steps done now, and says the rest waits."""
    said = rng.choice(_EFFECT).format(thing=thing)
    now = steps - later
    if 0 < later and 0 < now:
        first = "step 1" if now == 1 else "steps 1 and 2" if now == 2 else f"steps 1 to {now}"
        return f"{said} Once you've done {first}, shall I go ahead and mark {'it' if now == 1 else 'them'} done on the checklist? " \
               f"{'The step' if later == 1 else 'The steps'} for later can wait."
    return f"{said} {rng.choice(_ASK_AGAIN)}"


def recorded(thing: str, steps: int, later: int = 0) -> str:
    """What a guided request's writes did, as an action the report says done ("I've marked the steps
    done on your Wii's checklist."); no count, since the guidance leaves out lines that are no
    instruction (a command's output) which the checklist still holds. `later`: steps told for later
    (`later`) stay open: what was marked is the steps done so far."""
    many = "the step" if steps <= 1 else "the steps"
    whose = f"{thing}'" if thing.endswith("s") else f"{thing}'s"
    if later:
        return f"mark {many} you've done so far on {whose} checklist; {'the step' if later == 1 else 'the steps'} " \
               f"for later {'stays' if later == 1 else 'stay'} open"
    return f"mark {many} done on {whose} checklist"
