"""The scripted user's words: paraphrase banks per intent, and values written as people write them."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from gem_env.tools.render import render

GREET = {
    "polite": ["Hello, ", "Good morning. ", "Hi, ", "Hello there. "],
    "busy": ["Hi, quick one: ", "Hey. ", "Hi. ", ""],
    "careful": ["Hello. ", "Hi, ", "Good afternoon. "],
    "friendly": ["Hi there! ", "Hey there, ", "Hello! ", "Hi! "],
    "direct": ["", "Hi. ", "Hello. "],
}
WANT = ["I'd like to {x}.", "I need to {x}.", "can you help me {x}?", "I want to {x}, please.",
        "I'm hoping to {x}.", "could you help me {x}?", "I'm trying to {x}.", "I was wondering if you could help me {x}.",
        "I'd like some help to {x}."]
ABOUT = ["I have a question about {x}.", "I need some help with {x}.", "I'm calling about {x}.",
         "can you help me with {x}?"]
SAY = ["{x}.", "{x}, and I need some help.", "{x}. Can you help?"]
ASK_FACTS = ["could you tell me the {x} of my {noun}?", "I'd like to know the {x} on my {noun}.",
             "what's the {x} for my {noun}?", "can you tell me the {x} of my {noun}?",
             "I would like to know the {x} of my {noun}, please."]
BRIDGE = ["Thanks! One more thing: ", "Great. Also, ", "Thank you. While I have you, ", "Perfect. There's one more thing: ",
          "Thanks. Another thing: ", "Okay, thanks. Next, "]
VOLUNTEER = ["My {name} is {v}.", "The {name} is {v}.", "My {name} is {v}."]
ONE_FACT = ["It's {v}.", "Sure, it's {v}.", "{v}.", "My {name} is {v}.", "The {name} is {v}.", "Sure. My {name} is {v}.",
            "Yes, it's {v}.", "Of course, it's {v}."]
MANY_FACTS = ["My {a} is {va}, and my {b} is {vb}.", "Sure. My {a} is {va} and my {b} is {vb}.",
              "The {a} is {va}, and the {b} is {vb}."]
DONT_KNOW_FACT = ["I don't know my {name}, sorry.", "Sorry, I don't know my {name}.", "I'm afraid I don't know my {name}."]
YES = ["Yes, please go ahead.", "Yes, go ahead.", "Sure, do it.", "Yes please.", "That's fine, go ahead.",
       "Yep, sounds good.", "Okay, please proceed.", "Yes, that's right. Go ahead."]
NO = ["No, please don't.", "Actually, no. I've changed my mind.", "No, leave it as it is.", "No thanks, not right now.",
      "No, I'd rather not."]
NUDGES = ["Sorry, I didn't get a reply. Are you still there?", "Hello? I didn't see an answer."]
DONT_KNOW = ["Sorry, I don't know that.", "I'm not sure, sorry.", "I don't know, I'm afraid."]
GOODBYES = ["Thanks, that's all I needed.", "Great, thank you!", "Perfect, thanks for your help.", "That's everything, thanks.",
            "Okay, thank you. Bye!", "Got it, thanks a lot.", "Wonderful, thanks.", "Thanks so much, have a good day."]
UNDERSTOOD = ["Oh, I see. Thanks for explaining.", "Okay, I understand. Thanks anyway.", "That's a shame, but thanks.",
              "Alright, thanks for letting me know."]
_NEGATIVE = re.compile(r"\b(?:sorry|can't|cannot|unable|not able|unfortunately|won't|didn't go through)\b", re.I)
_MONEY = re.compile(r"amount|price|balance|limit|fee|total|refund|cost|payment|charge|fare|deposit")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VERBS = frozenset(
    "add apply ask book buy cancel change check choose close complete confirm contact create delete dispute download "
    "enable disable extend file find fix freeze get join link make move open order pay raise reactivate receive "
    "redeem refill register remove renew rent replace report request reschedule reset return schedule see send "
    "set setup sign sort start stop submit switch transfer unfreeze unlock update upgrade upload use verify view "
    "withdraw".split())


def said_value(key: str, value: Any) -> str:
    """A value as a person writes it: "March 3, 2025", "$1,200.50"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _MONEY.search(key.lower()):
        return f"${value:,.2f}".replace(".00", "") if float(value) == int(value) else f"${value:,.2f}"
    text = render(value)
    if _ISO_DATE.match(text):
        try:
            d = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return f"{d.strftime('%B')} {d.day}, {d.year}"
    return text


def persona_style(persona: str) -> str:
    for style in GREET:
        if style in persona:
            return style
    return "polite"


def want_phrase(intent: str) -> tuple[list[str], str]:
    """The bank that fits the intent's grammar: a verb phrase, a sentence, or a topic."""
    first = intent.split(" ")[0] if intent else ""
    if first in ("my", "I", "i", "I'm", "I've"):
        return SAY, intent[:1].upper() + intent[1:]
    if first.lower() in _VERBS and first.islower():
        return WANT, intent
    return ABOUT, intent


def is_negative(text: str) -> bool:
    return bool(_NEGATIVE.search(text))


def singular(noun: str) -> str:
    """"addresses" -> "address", "policies" -> "policy", "cards" -> "card"."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "shes", "ches", "xes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
