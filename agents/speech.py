"""How the offline assistant words things: phrase banks, values as people read them, no internal
names. Every choice comes from an RNG the caller seeds from the conversation, so a replayed
conversation gets the same words."""
from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from gem_env.tools.render import render

ASK = ["Could you give me your {x}?", "What's your {x}, please?", "Happy to help with that. Could you tell me your {x}?",
       "Sure, I can look into that. What is your {x}?", "I can help. First, could you share your {x}?",
       "Of course. Can you tell me your {x}?", "Let me check that for you. What's your {x}?",
       "To find this I'll need a detail from you: what is your {x}?", "Glad to help. Which {x} is it?",
       "No problem. May I have your {x}?", "Certainly. Could you tell me your {x}?",
       "I'd be glad to look into it. What's the {x}?", "Let's sort this out. Could you share the {x}?"]
ASK_FOR = ["I can help you {action}. Could you give me your {x}?", "Sure, I can help you {action}. What's your {x}?",
           "Happy to help you {action}. First, may I have your {x}?",
           "Let's {action} together. Could you tell me your {x}?",
           "I'll help you {action}. To start, what is your {x}?"]
ASK_MORE = ["Thanks. Could you also give me your {x}?", "Got it. And what's your {x}?",
            "Thank you. One more thing: what is your {x}?", "Thanks! Could you tell me your {x} as well?",
            "Great, I've found it. Now, what's your {x}?", "Perfect. Next, could you give me your {x}?",
            "Thanks for that. Could you share your {x} too?", "Okay. And could you give me the {x}?"]
GIVE_UP = ["I'm sorry, I can't continue without your {x}.", "Unfortunately I can't go further without your {x}.",
           "Without your {x} I'm not able to go on, I'm afraid."]
CONFIRM = ["Just to confirm: I'll {action}{details}. Shall I go ahead?",
           "Here's what I'm about to do: {action}{details}. Would you like me to go ahead?",
           "I can {action}{details} now. Shall I proceed?",
           "Everything checks out. I'll {action}{details}. Do you want me to go ahead?",
           "Before I make the change: I'll {action}{details}. Is that okay?",
           "All set to {action}{details}. Should I go ahead?",
           "The next step is to {action}{details}. Would you like me to proceed?",
           "I'm ready to {action}{details}. Can you confirm you'd like me to do that?",
           "Thanks, that's everything I need. I'll now {action}{details}. Shall I proceed?"]
DONE = ["All done.", "Done!", "That's taken care of.", "Everything is set.", "I've completed that for you.",
        "That went through.", "Great, it's done.", "Your request to {action} is complete.",
        "I've finished: {action}, as you asked.", "Success! The request to {action} went through.",
        "That's done now.", "It worked."]
FOUND = ["Here's what I found.", "I've checked for you.", "I've looked it up.", "Thanks for waiting.", "Okay, I have it.",
         "I've gone through the record.", "Here are the details.", "I pulled that up for you."]
FACT = ["The {name} is {value}.", "Your {name} is {value}.", "{Name}: {value}.", "The {name} shows {value}.",
        "It shows the {name} as {value}.", "I can see the {name} is {value}.", "Its {name} is {value}."]
FACT_AFTER_WRITE = ["The {name} is now {value}.", "{Name}: {value}.", "Your {name} is {value}.",
                    "The {name} now reads {value}.", "You'll see the {name} as {value}.", "It now shows {name} {value}."]
CLOSE = ["Is there anything else I can help with?", "Anything else I can do for you today?",
         "Is there anything else you need?", "Can I help with anything else?", "Is there anything else I can do?",
         "Would you like help with anything else?", "Let me know if there's anything else you need.",
         "Is there anything else on your mind?"]
DECLINED = ["No problem, I won't make that change. Nothing has been changed.",
            "Understood, I'll leave it as it is. Nothing was changed.",
            "Okay, I've stopped there; your account is unchanged.",
            "That's fine, I haven't changed anything.", "Alright, I'll hold off. Everything stays as it was."]
REFUSE = ["I'm sorry, but I can't {action} for you: {reason}", "Unfortunately I'm not able to {action}: {reason}",
          "I checked, and I can't {action}: {reason}", "I'm afraid I can't {action} here. {Reason}",
          "I looked into it, but our policy doesn't allow me to {action}: {reason}"]
FAILED = ["I'm sorry, that didn't go through: {error}", "Unfortunately that step failed: {error}",
          "Something went wrong on our side: {error}"]
WELCOME = "You're welcome! Have a great day."

SENTENCE_BREAK = re.compile(r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)\s+")
_MONEY = re.compile(r"amount|price|balance|limit|fee|total|refund|cost|payment|charge|fare|deposit|credit")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MD = re.compile(r"[`*_]{1,2}([^`*_]+)[`*_]{1,2}")
_GUIDE = re.compile(r"^(?:check|make sure|verify|confirm|ensure|see|note)\b", re.IGNORECASE)


def pick(rng: random.Random, bank: list[str], **values: Any) -> str:
    text = rng.choice(bank)
    return text.format(**values, **{k.capitalize(): str(v)[:1].upper() + str(v)[1:] for k, v in values.items()})


def words(name: str) -> str:
    """A field or parameter name in words: `card_id` -> "card ID"."""
    w = name.replace("_", " ").strip()
    return re.sub(r"\bid\b", "ID", w)


def value_text(name: str, value: Any) -> str:
    """A value as a person reads it: money with a dollar sign, dates written out."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _MONEY.search(name.lower()):
        return f"${value:,.2f}".replace(".00", "") if float(value) == int(value) else f"${value:,.2f}"
    text = render(value)
    if isinstance(value, str) and "_" in value and re.fullmatch(r"[a-z0-9_]+", value):
        return value.replace("_", " ")  # a code in words: "gift_card" -> "gift card"
    if _ISO_DATE.match(text):
        try:
            d = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return f"{d.strftime('%B')} {d.day}, {d.year}"
    return text


def fact(rng: random.Random, name: str, value: Any, *, after_write: bool) -> str:
    if isinstance(value, bool):
        n = words(name)
        return f"Yes, {n} applies." if value else f"No, {n} does not apply."
    return pick(rng, FACT_AFTER_WRITE if after_write else FACT, name=words(name), value=value_text(name, value))


_VERBS = frozenset(
    "add apply book buy cancel change check close complete create delete dispute enable disable extend file "
    "freeze increase lower make move open order pay raise reactivate redeem refill register remove renew replace "
    "report request reschedule reset return schedule send set sign start stop submit switch transfer unfreeze "
    "unlock update upgrade".split())


def action(goal: str, tool: str, known: dict[str, Any] | None = None) -> str:
    """What a workflow does, as the assistant says it: the goal's request sentence in the second
    person with the values the user gave ("move $800 from your savings account ending in 6013 ..."),
    else the write in words ("update the shipping address")."""
    known = known or {}
    text = re.sub(r"\s*\([^)]*\)", "", goal)
    sentences = [x.strip() for x in SENTENCE_BREAK.split(text) if x.strip()]
    ask = next((x for x in sentences if x.split(" ")[0].lower() in _VERBS), "")
    ask = ask.split(":")[0].strip().rstrip(".")
    if ask and all(m in known for m in re.findall(r"\{(\w+)\}", ask)):
        ask = re.sub(r"\{(\w+)\}", lambda m: value_text(m.group(1), known[m.group(1)]), ask)
        ask = re.sub(r"\bmy\b", "your", ask, flags=re.IGNORECASE).replace("$$", "$")
        if " it " not in f" {ask} ":
            return ask[:1].lower() + ask[1:]
    verb, _, rest = tool.replace("_", " ").partition(" ")
    return f"{verb} the {rest}" if rest else verb


def reason_text(message: str, values: list[str]) -> str:
    """A rule's text as a reason: markdown dropped, instructions to staff ("Check that ...") left out
    when the rule also says what is not allowed."""
    clean = _MD.sub(r"\1", message).strip()
    clean = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", lambda m: m.group(0).replace("_", " "), clean)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", clean) if s.strip()]
    # instructions to staff ("Check that the status is active.") are dropped only when the values
    # that break the rule are said instead; otherwise the whole rule is the reason
    kept = ([s for s in sentences if not _GUIDE.match(s)] or sentences) if values else sentences
    text = " ".join(kept).rstrip(".") + "."
    text = text[:1].lower() + text[1:] if text[1:2].islower() else text
    if values:
        text += " Right now it shows " + " and ".join(values) + "."
    return text


def details(args: dict[str, Any], secret: re.Pattern) -> str:
    """The values that matter in a confirmation, in words; secrets are never repeated."""
    parts = []
    for name, value in args.items():
        if secret.search(name) or value in (None, "", [], {}):
            continue
        if name == "id" or name.endswith("_id"):
            parts.append(f"{words(name[:-3] if name.endswith('_id') else name)} {render(value)}")
        else:
            parts.append(f"{words(name)} {value_text(name, value)}")
    return f" ({', '.join(parts)})" if parts else ""


def singular(noun: str) -> str:
    """"addresses" -> "address", "policies" -> "policy", "cards" -> "card"."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "shes", "ches", "xes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


WHICH = ["I can see {n} {nouns} here: {options}. Which {x} is it?",
         "There are {n} {nouns} on file: {options}. Could you tell me which {x} you mean?",
         "I found {n} {nouns}: {options}. Which {x} should I use?"]
_SHORT = re.compile(r"^[\w$.,:/ -]{1,40}$")


def which(rng: random.Random, key: str, records: list[dict[str, Any]]) -> str:
    """Asks which of several records the user means, each named by its key and a detail or two."""
    noun = words(key[:-3] if key.endswith("_id") else key)
    options = []
    for r in records[:6]:
        extra = [value_text(k, v) for k, v in r.items() if k != key and not k.endswith("_id")
                 and isinstance(v, (str, int, float)) and not isinstance(v, bool) and _SHORT.match(str(v))][:2]
        options.append(f"{r.get(key)}" + (f" ({', '.join(extra)})" if extra else ""))
    text = "; ".join(options[:-1]) + " and " + options[-1] if len(options) > 1 else options[0]
    return pick(rng, WHICH, n=len(records), nouns=noun + "s", options=text, x=words(key))



NOTE = ["This applies to {what}.", "For your records, that's {what}.", "That was for {what}.",
        "Your reference is {what}.", "This is on {what}."]


def record_note(rng: random.Random, result: Any) -> str:
    """A line naming the record a change touched and who it belongs to, as support replies do."""
    if not isinstance(result, dict):
        return ""
    ident = next(((k, v) for k, v in result.items() if (k == "id" or k.endswith("_id")) and isinstance(v, str)), None)
    if ident is None:
        return ""
    owner = next((v for k, v in result.items() if "email" in k and isinstance(v, str)), None)
    what = f"{words(ident[0][:-3] if ident[0].endswith('_id') else ident[0])} {ident[1]}"
    if owner:
        what += f", registered to {owner}"
    return pick(rng, NOTE, what=what)
