"""The scripted user's words: paraphrase banks per intent and persona; values are written as people
write them by `tools/render.py`, the one home the assistant's wording shares.

Contracts the conversation relies on: a `YES` answer starts with a word the assistant reads as yes,
a no (`declining.decline`) says no in words it reads as no, and a fact is said as "<name> is <value>" (or as a
bare value when exactly one thing was asked), so the assistant can read it back exactly.
"""
from __future__ import annotations

import re
from typing import Any

from gem_env.tools.render import quoted_if_sentence, singular, spoken

__all__ = ["fact_said", "is_own", "said_value", "singular", "persona_style", "want_phrase", "is_negative"]

GREET = {
    "polite": ["Hello, ", "Good morning. ", "Hi, ", "Hello there. ", "Good afternoon, ", "Hi, good evening. "],
    "busy": ["Hi, quick one: ", "Hey. ", "Hi. ", "", "Quick question: ", "Hi, "],
    "careful": ["Hello. ", "Hi, ", "Good afternoon. ", "Hello, I hope you can help. ", "Good morning, "],
    "friendly": ["Hi there! ", "Hey there, ", "Hello! ", "Hi! ", "Hey! ", "Hiya! "],
    "direct": ["", "Hi. ", "Hello. ", "Hey. "],
    "frustrated": ["Hi. ", "Hello. ", "", "Hi, "],
}
#: what says the chat will be short, which a session of several requests is not
IN_A_HURRY = re.compile(r"quick (?:one|question)|only have a minute|sorted fast|keeping it short|between meetings",
                        re.IGNORECASE)
# a sentence of the persona's own, before the request: generic words only, so it never reads as
# (or changes) what the user wants
CONTEXT = {
    "polite": ["", "", "I hope you're well.", "Thank you for your time.", "I'd appreciate your help.",
               "Sorry to trouble you.", "I hope this is the right place to ask."],
    "busy": ["", "", "I only have a minute.", "I'm between meetings.", "I'm in a bit of a rush.",
             "Need this sorted fast.", "Keeping it short."],
    "careful": ["", "", "I want to get this right.", "I'd like to understand this properly.",
                "I've read the help pages but I'm still unsure.", "I'd like to go step by step.",
                "Please bear with me."],
    "friendly": ["", "", "Hope your day's going well!", "First time using this chat.", "Thanks in advance!",
                 "You're a lifesaver for being here.", "Hope you can help me out."],
    "direct": ["", "", "", "Straight to it."],
    # what went wrong before: the assistant hears it, so there is always one
    "frustrated": ["I tried to do this in the app and it didn't work.", "This is my second time contacting you about this.",
                   "I've been going round in circles with this.", "I couldn't get this to work on the website.",
                   "The app keeps giving me an error, so I'm trying here."],
}
# how a first message may end; each starts "Thanks"/"Thank" so the assistant reads where a fact ends
SIGN_OFF = ["", "", "", "Thanks.", "Thank you.", "Thanks so much.", "Thanks a lot!", "Thank you in advance."]
WANT = ["I'd like to {x}.", "I need to {x}.", "can you help me {x}?", "I want to {x}, please.",
        "I'm hoping to {x}.", "could you help me {x}?", "I'm trying to {x}.", "I was wondering if you could help me {x}.",
        "I'd like some help to {x}.", "is it possible to {x}?", "please help me {x}.", "I've been meaning to {x}.",
        "I'm looking to {x}.", "I'd love to {x}.", "I need your help to {x}.",
        "I would like to {x}, if that's possible."]
ABOUT = ["I have a question about {x}.", "I need some help with {x}.", "I'm calling about {x}.",
         "can you help me with {x}?", "I'm getting in touch about {x}.", "it's about {x}."]
# the same want as a request before, for another record ("my other booking")
AGAIN = ["in that case, could you {x} instead?", "then could you {x} instead?", "how about this: can you {x}?",
         "then I'd like to {x} instead.", "in that case, please {x}.", "so can you {x} instead?"]
# what a customer asks so that the request just refused can go through, when the want is a verb
# phrase ("unfreeze my card"), and that request asked again once it is cleared (nothing after the
# want: its values end it, as the assistant reads them)
CLEAR = ["then could you first {x}?", "in that case, can you {x}?", "then please {x}.", "then I'd like to {x}.",
         "so could you {x}?"]
CLEAR_SINCE = ["{since}, so could you {x}?", "{since}, so please {x}.", "{since}. Could you {x}, then?"]
"""What clears a refusal, with what changed since the hold ("I found it again, so could you unfreeze my card?")."""
RETRY = ["now can you {x}?", "so now could you {x}?", "can we try again? I'd like to {x}.", "now please {x}.",
         "now that that's done, could you {x}?"]
SAY = ["{x}.", "{x}, and I need some help.", "{x}. Can you help?", "{x}. What can you do?"]
# each has a cue the assistant reads as a question about a record ("could you tell me", "what's the", ...);
# {be}: "is" of one field, "are" of two ("what the status and balance of my account are")
ASK_FACTS = ["could you tell me the {x} of my {noun}?", "I'd like to know the {x} on my {noun}.",
             "what's the {x} for my {noun}?", "can you tell me the {x} of my {noun}?",
             "I would like to know the {x} of my {noun}, please.", "could you tell me what the {x} of my {noun} {be}?",
             "can you tell me the {x} on my {noun}, please?", "I'd like to know what the {x} of my {noun} {be}.",
             "can you tell me what the {x} on my {noun} {be}?", "could you check what the {x} on my {noun} {be}?",
             "do you know what the {x} of my {noun} {be}?", "what's the {x} on my {noun} at the moment?",
             "what is the {x} listed on my {noun}?", "I would like to know the {x} you have for my {noun}.",
             "can you check what {x} my {noun} has?", "I'd like to know the {x} that's on my {noun}."]
# a moment named by what happened then (placed_on): "when was my order placed?"
ASK_WHEN = ["could you tell me when my {noun} was {verb}?", "when was my {noun} {verb}?",
            "do you know when my {noun} was {verb}?", "can you tell me when my {noun} was {verb}?",
            "I'd like to know when my {noun} was {verb}."]
# ... of a part of the record (plan_changed_on, pending_plan_starts_on): "when was my plan changed?"
ASK_PART_WHEN = ["could you tell me when the {part} on my {noun} {happens}?", "do you know when the {part} on my {noun} {happens}?",
                 "can you tell me when the {part} of my {noun} {happens}?", "I'd like to know when the {part} on my {noun} {happens}."]
ASK_FACT_AND_PART_WHEN = ["could you tell me the {x} of my {noun} and when its {part} {happens}?",
                          "I'd like to know the {x} of my {noun}, and when its {part} {happens}."]
# a count of what remains (seats_left, copies_available): "how many seats are left on the flight?"
ASK_LEFT = ["how many {things} are {how} on my {noun}?", "could you tell me how many {things} are {how} on my {noun}?",
            "I'd like to know how many {things} are {how} on my {noun}.", "do you know how many {things} are {how} on my {noun}?"]
# the same of a kind in a catalog ("suite rooms"), which is no one's
ASK_LEFT_OF_KIND = ["how many {things} are {how}?", "could you tell me how many {things} are {how}?",
                    "I'd like to know how many {things} are {how}.", "do you know how many {things} are {how}?"]
# ... of one entry of a catalog, by its name: "how many copies of Night Trains are available?"
ASK_LEFT_OF_ENTRY = ["how many {things} of {entry} are {how}?", "could you tell me how many {things} of {entry} are {how}?",
                     "I'd like to know how many {things} of {entry} are {how}.",
                     "do you know how many {things} of {entry} are {how}?"]
# a question across the user's records: which one has the most or least of something
ASK_WHICH = ["which of my {nouns} has the {most} {x}?", "could you tell me which of my {nouns} has the {most} {x}?",
             "I'd like to know which of my {nouns} has the {most} {x}.", "can you check which of my {nouns} has the {most} {x}?",
             "do you know which of my {nouns} has the {most} {x}?", "I'm trying to work out which of my {nouns} has the {most} {x}."]
# a yes/no fact asked as a question of the record: "if my doctor is accepting patients" (a state named
# by what the record does), "whether overdraft protection is on for my account" (a setting)
WHETHER_DOING = ["if my {noun} is {state}", "whether my {noun} is {state}", "if my {noun} is {state} at the moment"]
WHETHER_VERB = ["if my {noun} {state}", "whether my {noun} {state}"]  # "is_active": "if my account is active"
WHETHER_ON = ["whether {state} is on for my {noun}", "if my {noun} has {state} turned on", "if {state} is on for my {noun}"]
# the state a thing of the record is in ("locale_data_selected"), never "whether locale data selected is on"
WHETHER_STATE = ["whether the {thing} {be} {state} for my {noun}", "if the {thing} {be} {state} for my {noun}",
                 "if the {thing} {be} {state} on my {noun}"]
ASK_YES_NO = ["could you tell me {whether}?", "can you tell me {whether}?", "I'd like to know {whether}.",
              "do you know {whether}?", "could you check {whether}?", "I would like to know {whether}, please."]
# one fact and a moment ("the status of my claim and when it was filed"), never "the status and date filed"
ASK_FACT_AND_WHEN = ["could you tell me the {x} of my {noun} and when it was {verb}?",
                     "I'd like to know the {x} of my {noun}, and when it was {verb}.",
                     "can you tell me the {x} on my {noun}, and when it was {verb}?",
                     "what's the {x} of my {noun}, and when was it {verb}?"]
ASK_WHEN_AND = ["could you tell me when my {noun} was {verb}, and {whether}?",
                "I'd like to know when my {noun} was {verb}, and {whether}."]
# a count of the user's record: "how many failed logins my account has"
ASK_HOW_MANY = ["could you tell me {things} my {noun} has?", "I'd like to know {things} my {noun} has.",
                "do you know {things} my {noun} has?", "can you check {things} my {noun} has?"]
AND_HOW_MANY = [", and {things} it has", ", and also {things} it has"]
ASK_FACTS_AND = ["could you tell me the {x} of my {noun}, and {whether}?", "I'd like to know the {x} of my {noun}, and {whether}.",
                 "can you tell me the {x} of my {noun} and {whether}?"]
_BRIDGE_THANKS = ["Thanks!", "Great.", "Thank you.", "Perfect.", "Okay, thanks.", "Brilliant.", "Lovely, thanks.", "Good.",
                  "Thanks for that.", "Cheers.", "That's great."]
_BRIDGE_NEXT = ["One more thing: ", "Also, ", "While I have you, ", "There's one more thing: ", "Another thing: ", "Next, ",
                "Separately, ", "And one more: ", "I've got another question too: ", "Before I go, "]
BRIDGE = [f"{a} {b}" for a in _BRIDGE_THANKS for b in _BRIDGE_NEXT]
# the request they named at the start, brought up again when the assistant did not
# (no thanks or praise: the request before may have been refused or declined)
BRIDGE_MENTIONED = ["As I mentioned, ", "Like I said at the start, ", "As I said earlier, ", "Okay. Now, as I mentioned, "]
BRIDGE_AGAIN = ["Okay. ", "I see. ", "Fair enough. ", "Alright. ", "Understood. ", "Right. "]
# after the user's own "no" to a confirmation: nothing was done, so no "That's great."
BRIDGE_AFTER_DECLINE = [f"{a} {b}" for a in ["Okay.", "Alright.", "Thanks.", "Right, thanks.", "Okay, thanks for letting me know."]
                        for b in _BRIDGE_NEXT]
# after a refusal, what clears it asked for at once: the customer takes in the reason
BRIDGE_CLEAR = ["Oh, I see. ", "Ah, okay. ", "Oh, I didn't realise. ", "Right, I forgot about that. ", "I see. "]
# the refused request asked again, once what stopped it is cleared
BRIDGE_RETRY = ["Great, thanks. ", "Perfect. ", "Thanks. ", "Good. ", "Great. "]
# no to the assistant's offer to hand a refused request to a person, then the next request
OFFER_NO = ["No need, thanks.", "No, that's okay.", "That's alright, no need.", "No thanks, that's fine."]
BRIDGE_AFTER_OFFER = [f"{a} {b}" for a in OFFER_NO for b in _BRIDGE_NEXT]
BRIDGE_AFTER_NO = ["Okay, I understand. Another thing, though: ", "Fair enough. Separately, ",
                   "Alright, never mind that one. Next, ", "I see. In that case, something else: ",
                   "That's a pity, but okay. Also, "]
# a record described by what only it has (an opening key that is not an id), as a person points at it
# (`{ref}`: "booking from Lake Jacob", "one ending in 8225"); each starts "It"/"I"/"That" so the
# assistant reads where the value before it ends; none is a correction ("I mean the ..."), which a
# first message cannot be
REFER = ["It's the {ref}.", "It's for the {ref}.", "That's the {ref}.", "I'm talking about the {ref}.",
         "It's my {ref}.", "It's about my {ref}."]
# a record told apart by its status, as the customer sees it (after "the"/"my", for `REFER` and `ON_RECORD`)
SHOWN_AS = ["{noun} that shows as {v}", "{noun} showing as {v}", "{noun} that's listed as {v}"]
# the other record the request's record is on ("It's on my frozen card."), pointed at the same way
ON_RECORD = ["It's on my {ref}.", "That's on my {ref}."]
# the same when two facts have the same role ("from ... to ..."): "<name> is <value>", which names the field
DESCRIBE = ["It's the one whose {name} is {v}.", "I'm asking about the one where the {name} is {v}.",
            "It's the one where the {name} is {v}.", "It's for the one whose {name} is {v}."]
# each starts "My"/"The" so the assistant reads where the value before it ends
# said before the first request of a session with several, so the assistant knows more is coming
# (it then asks no "anything else?" between them); each names "a few/a couple of ... things"
# the second request named in the first message, for after the first ("{x}": "change my address");
# each says "also", which is how an assistant tells it from the first, and no word a record may hold
# ("Once that's done": a payment that goes out "once" read as the one described)
NAMED_LATER = ["After that, I'd also like to {x}.", "Then, when that's done, I also need to {x}.",
               "Also, after that, I'd like to {x}.", "Then I also need to {x}.", "And I also want to {x}, if we have time."]
# a careful user's question before a change is made (asked once in a session, then the yes or no)
ASK_EFFECT = ["Before you do, what exactly will that change?", "What will that do, exactly?",
              "Just so I understand, what happens when you do that?", "Sorry, what will change exactly if you do that?"]
# before the goodbye, a user asks again for the number of something made for them ("{x}": "dispute")
ASK_REPEAT = ["Sorry, could you repeat my {x} number before I go?", "Before I go, what was the {x} number again?",
              "I didn't write it down: what was my {x} number again?", "Could you give me that {x} number once more?"]
# yes to the assistant's offer to go on with it; "that's the other thing" only of a request named before
MOVE_ON = ["Yes, please.", "Yes, let's do that.", "Sure, let's do it.", "Yes please, that's the other thing.",
           "Yes, thanks.", "Yes, that would be great."]
MOVE_ON_UNNAMED = [m for m in MOVE_ON if "other thing" not in m]
SEVERAL = ["I've got a few things to sort out today.", "I have a couple of things today, if that's okay.",
           "I've got a few things I need help with.", "I have a few things to go through, if you have a minute.",
           "I have a couple of things to sort out."]
# a count said as a number of things: "3 bags", never "the new bags is 3" (`{c}`: "3 bags")
# (it leads, so the assistant reads the number whatever follows)
COUNT_FACT = ["{C}.", "{C}, please.", "{C} would be great.", "{C} should do it.", "{C}, thanks.", "{C} is what I need."]
VOLUNTEER = ["My {name} is {v}.", "The {name} is {v}.", "My {name}'s {v}.", "The {name}'s {v}.", "My {name}: {v}."]
# a record's id said up front as people say it, without "id" ("{noun}": "card"); half the time
VOLUNTEER_ID = ["It's for {noun} {v}.", "That's {noun} {v}.", "The {noun} is {v}.", "It's {noun} {v}.",
                "My {noun} number is {v}."]
# ... of a record an earlier request of the chat was about or the user named ("It's subscription SBS-1
# again."), or one only the assistant named (listed, refused), never as if new ("The subscription ID is SBS-1.")
SAME_RECORD = ["It's {noun} {v} again.", "That's {noun} {v} again.", "It's {noun} {v}, the same one as before.",
               "It's for {noun} {v} again."]
MENTIONED = ["It's {noun} {v}, the one you mentioned.", "That's {noun} {v}, which you mentioned earlier."]
MOVED_FACT = ["It's {way} {v}.", "{prep} {v}.", "{prep} my {noun} {v}.", "It's {way} my {noun} {v}."]
MOVED_DESCRIBED = ["It's {way} my {ref}.", "{prep} my {ref}.", "That's {way} my {ref}."]
"""... described by a value of its own: "It's coming from my savings account."."""
"""A record named by its part in a move ("the account it's coming from"): "From my account ACC-1."."""
# a reason asked for, in the user's own words (`{v}` "I don't need it anymore"; `{V}` capitalised)
REASON_OWN_WORDS = ["Because {v}.", "It's because {v}.", "Well, {v}.", "{V}.", "Honestly, {v}.", "Mainly because {v}."]
ONE_FACT = ["It's {v}.", "Sure, it's {v}.", "{v}.", "My {name} is {v}.", "The {name} is {v}.", "Sure. My {name} is {v}.",
            "Of course, it's {v}.", "That would be {v}.", "Okay, it's {v}.", "Sure, my {name} is {v}."]
# an id picked from those the assistant listed ("Which account is it?"): pointed at, not filled in as a form
# a record asked for from a list that does not show it (the one a refusal is about): said as not one of those
NOT_LISTED = ["It's not one of those.", "{none} of those, actually."]  # none: "Neither" of two, "None" of more
PICKED = ["It's {v}.", "{v}.", "That would be {v}.", "Okay, it's {v}.", "{v}, please.", "That's {v}."]
# a note the user writes in their own words, a sentence of its own ("I wanted to ... but was told no ..."); "Yes."
# opens it only after a yes/no question ("Could you tell me briefly what it's about?", `asks_yes_no`), never
# after "What's it about?"
OWN_WORDS = ["{v}.", "Sure. {v}.", "Okay. {v}.", "Of course. {v}.", "Yes. {v}."]
# what a request for a person is about, said with it ("I'd like to talk to a person about my card. The thing is,
# I do not recognise a charge on it."), so the assistant need not ask (`agents.understanding.SAID_WHY`)
WHY_UP_FRONT = ["The thing is, {v}.", "Basically, {v}.", "It's about this: {v}."]
_QUESTION = re.compile(r"[^.!?]*\?")
_YES_NO_OPENER = re.compile(r"\s*(?:(?:and|so|also|then|okay|ok|great|thanks),?\s+)*(?:could|can|would|will|do|does|did|is|"
                            r"are|was|were|may|might|shall|should|have|has|had)\b", re.IGNORECASE)


def asks_yes_no(said: str) -> bool:
    """Whether the last question in `said` is one a "yes" answers ("Could you tell me briefly what it's about?"),
    not a what-question ("What's it about, in a few words?")."""
    questions = _QUESTION.findall(said)
    return bool(questions) and _YES_NO_OPENER.match(questions[-1]) is not None


def own_words_bank(said: str) -> list[str]:
    """`OWN_WORDS` that answer the question in `said`: "Yes." only opens the answer to a yes/no question."""
    return OWN_WORDS if asks_yes_no(said) else [t for t in OWN_WORDS if not t.startswith("Yes")]
# a yes/no setting answered as people do: the first word says yes or no
SETTING_ON = ["Yes, turn it on.", "Yes, on please.", "Yes, I'd like it on.", "Yes please, switch it on.",
              "Yes, I want it on."]
SETTING_OFF = ["No, turn it off.", "No, off please.", "No, I'd like it off.", "No, switch it off please.",
               "No, I don't want it."]
MANY_FACTS = ["My {a} is {va}, and my {b} is {vb}.", "Sure. My {a} is {va} and my {b} is {vb}.",
              "The {a} is {va}, and the {b} is {vb}.", "Of course. The {a} is {va} and the {b} is {vb}."]
# who the user is, said whole when asked for their first and last name ("My name is Leslie Harmon,
# and my zip code is 94110."): `rest` is the other facts asked, each led in by ", and my ..."
FULL_NAME = ["My name is {name}{rest}.", "I'm {name}{rest}.", "Sure, it's {name}{rest}.", "It's {name}{rest}.",
             "Of course. My name is {name}{rest}."]
# the same said unasked, in the first message (an answer's "Sure, it's ..." would not fit)
NAME_UP_FRONT = ["My name is {name}{rest}.", "I'm {name}{rest}.", "This is {name}{rest}."]
# the email (or another way in) they signed up with, which they do not have to hand
NOT_TO_HAND = ["Sorry, I don't have my {name} to hand.", "I can't remember which {name} I used, I'm afraid.",
               "Hmm, I'm not sure which {name} I signed up with.", "I'd rather not guess my {name}, I have a few."]
OTHER_EMAIL = ["Oh, I may have signed up with a different email.", "Hmm, that must be my old email then.",
               "Ah, I probably used another address back then.", "Odd, that's the one I usually use."]
"""Said before the name and zip code they are asked for once the email they gave found nobody."""
DONT_KNOW_FACT = ["I don't know my {name}, sorry.", "Sorry, I don't know my {name}.", "I'm afraid I don't know my {name}.",
                  "Hmm, I don't know my {name} offhand."]
# a value changed when asked to confirm (`RefinedUser`): never a word read as yes or no ("changed my
# mind", "hold off", "no"), so the assistant reads the new value and asks again
CHANGE_MIND = ["Actually, could you make the {name} {v} instead?", "Hmm, on second thought, can you make the {name} {v} instead?",
               "Sorry, one change first: could you make the {name} {v} instead?",
               "Wait, before you do that, could you make the {name} {v} instead?",
               "Just one thing: please make the {name} {v} instead."]
# the same of a reason, in the customer's own words (`tools.reasons`: "{v}" is "the item never arrived"),
# never "make the reason item not received instead"
CHANGE_REASON = ["Actually, make that because {v}.", "Hmm, on second thought, it's really because {v}.",
                 "Sorry, one change first: it's actually because {v}.",
                 "Wait, before you do that: it's more that {v}.", "Just one thing: the real reason is that {v}."]
# an opening that says only what the request is about (`ScriptedUser._vague_noun`)
VAGUE = ["I need some help with my {noun}.", "It's about my {noun}.", "Something's come up with my {noun}.",
         "Could you help me with my {noun}?", "I'm writing about my {noun}."]
# a value of a request just done, noticed wrong (`correction`): said before the request again
CORRECTING = ["Oh, sorry, I've just noticed I gave you the wrong {name}.", "Wait, I'm sorry, that was the wrong {name}.",
              "Hmm, actually I gave you the wrong {name}, sorry.", "Oops, I got the {name} wrong.",
              "Sorry, my mistake: that was the wrong {name}."]
# a detail said again, right, once the assistant found nothing for it (`RefinedUser`)
CORRECTED = ["Sorry, my mistake. My {name} is {v}.", "Oh, I must have typed it wrong. My {name} is {v}.",
             "Apologies, that was a typo. The {name} is {v}.", "Sorry about that. The right {name} is {v}."]
# everyday asks no customer service does (`off_topic`): said as a request, in the user's words
OFF_TOPIC = ["plan a birthday party for my sister", "learn a few tips for growing tomatoes",
             "arrange a taxi to the airport", "translate a short letter into Spanish",
             "know tomorrow's weather forecast for Chicago", "reserve a table at an Italian restaurant",
             "write a cover letter for a job application", "fix a leaky kitchen tap", "bake a loaf of banana bread",
             "choose a laptop for college", "solve a math homework problem", "pick a movie to watch tonight",
             "set up a reminder to water my plants", "find a good recipe for lasagna",
             "suggest a name for my new puppy", "plan a road trip along the coast",
             "recommend a board game for four people", "write a wedding toast for my brother",
             "find a piano teacher for my son", "check last night's basketball score"]
# a yes to a confirmation: each starts with a word the assistant reads as yes
_YES_START = ["Yes,", "Yeah,", "Yep,", "Sure,", "Okay,", "Absolutely,", "Correct,", "That's fine,",
              "Sounds good,", "Ok,"]
_YES_TAIL = ["go ahead.", "please go ahead.", "do it.", "that's right.", "please proceed.", "go for it.",
             "that's what I want.", "let's do that.", "please do."]
YES = [f"{a} {b}" for a in _YES_START for b in _YES_TAIL]
# a yes to guidance the assistant gave ("Here's how ...: 1. ... Once you've done them, would you like me
# to mark them done on the checklist?"): the customer has done the steps themselves and says so; each
# starts with a word the assistant reads as yes
DONE_YES = ["Yes, I've done them all now.", "Okay, all done on my side.", "Yep, I've followed every step.",
            "Yes, all done: please mark them.", "Okay, I've been through them all.", "Sure, they're all done now.",
            "Yes, that's all done.", "Okay, done. That worked."]
_GUIDED = re.compile(r"\bmark (?:them|it) done on the checklist\b", re.IGNORECASE)
# a yes to guidance whose last steps are for later ("Step 5 takes 24 hours, so it's for later. Once
# you've done steps 1 to 4, ..."): the customer has done the steps before the wait, and says the rest
# waits; each starts with a word the assistant reads as yes
DONE_SO_FAR = ["Yes, I've done those now. The rest will have to wait.", "Okay, those are done; I'll do the rest later.",
               "Yep, I've done those so far.", "Yes, those are done: please mark them.",
               "Sure, I've done those. I'll come back to the rest."]
_FOR_LATER = re.compile(r"\b(?:it's|are) for later\b|\bfor later (?:can wait|stays? open)\b")


def asked_part(said: str) -> str:
    """What the assistant asks in `said`: guidance's numbered steps left out (a step's "Click the email
    you want to copy" asks nobody for their email)."""
    return re.sub(r"(?m)^\d+\. .*\n?", "", said) if _GUIDED.search(said) else said


def guided(said: str) -> bool:
    """Whether `said` is guidance the customer carries out themselves, asked to mark done (`DONE_YES`)."""
    return _GUIDED.search(said) is not None


def yes_to(said: str) -> list[str]:
    """The yeses that answer the assistant's `said`: that the steps are done, to guidance the
    customer carries out themselves (`DONE_YES`; the steps before a wait, `DONE_SO_FAR`), else `YES`."""
    if _GUIDED.search(said):
        return DONE_SO_FAR if _FOR_LATER.search(said) else DONE_YES
    return YES


# the answer to what the assistant offers once a request is done ("While we're at it, would you like me
# to transfer the $50 opening deposit ... now?"), in the persona's voice; each yes starts with a word the
# assistant reads as yes, each no with one it reads as no
TAKES_OFFER = {
    "polite": ["Yes, please, that would be helpful.", "Yes please, if you could.", "Yes, that would be great, thank you."],
    "busy": ["Yes, do it now.", "Sure, go ahead.", "Yep, do it."],
    "careful": ["Yes, please go ahead with that.", "Yes, that sounds sensible. Please do.", "Okay, yes, please."],
    "friendly": ["Yes please, that'd be great!", "Yes please, go for it!", "Sure, that would be lovely."],
    "direct": ["Yes, do that.", "Yes.", "Okay, do it."],
    "frustrated": ["Yes, might as well get it done.", "Yes, go ahead.", "Yes, fine, do it."],
}
TURNS_DOWN_OFFER = {
    "polite": ["No, thank you, I'll sort that out myself.", "No thanks, not right now.", "No, I'd rather leave it for now, thanks."],
    "busy": ["No, not now.", "Nah, I'll do it later.", "No, leave it for now."],
    "careful": ["No, I'd rather hold off on that for now.", "No, thank you. I'll arrange it myself.", "No, not just yet."],
    "friendly": ["No thanks, I'll take care of it myself!", "Nope, I'm good for now, thanks!", "No, that's okay, thank you!"],
    "direct": ["No.", "No, not now.", "No thanks."],
    "frustrated": ["No, I'll deal with that myself.", "No, not today.", "No, leave it."],
}
NUDGES = ["Sorry, I didn't get a reply. Are you still there?", "Hello? I didn't see an answer."]
# "Is this for the same rental, RA-1?": yes (each starts with a word the assistant reads as yes), or
# another record, whose id follows
SAME_ONE = ["Yes, that's the one.", "Yes, the same one.", "Yep, that one.", "Yes, that's right.", "Correct, the same {noun}.",
            "Yes, same {noun}."]
THAT_ONE = ["Yes, that's the one.", "Yep, that one.", "Yes, that's right.", "Yes, that's it.", "Yes, that {noun}."]
# the answer to "which of these?" by what the assistant listed that only the user's record has
BY_DETAIL = ["The one {detail}.", "It's the one {detail}.", "I mean the one {detail}.", "The one {detail}, please."]
BY_KIND = ["The {kind} one.", "It's the {kind} one.", "I mean the {kind} one."]
BY_KIND_AND = ["The {kind} one {detail}.", "It's the {kind} one {detail}.", "I mean the {kind} one {detail}."]
# a record picked by its place in a short list, when nothing listed with it tells it apart
BY_PLACE = ["The {place} one.", "It's the {place} one.", "I mean the {place} one.", "The {place} one, please."]
ANOTHER_ONE = ["No, a different one.", "No, it's another {noun}.", "No, not that one.", "Actually, no, a different {noun}."]
DONT_KNOW = ["Sorry, I don't know that.", "I'm not sure, sorry.", "I don't know, I'm afraid."]
_BYE_START = ["Thanks,", "Thank you,", "Great, thanks,", "Perfect, thank you,", "Brilliant, cheers,", "Lovely, thanks,",
              "Wonderful, thanks,", "Okay, thanks,", "Got it, thanks,", "All good, thank you,"]
_BYE_TAIL = ["that's all I needed.", "that's everything.", "that's it for me.", "nothing else today.", "have a good day.",
             "bye!", "I'm all set.", "that sorts it.", "take care."]
GOODBYES = [f"{a} {b}" for a in _BYE_START for b in _BYE_TAIL]
UNDERSTOOD = ["Oh, I see. Thanks for explaining.", "Okay, I understand. Thanks anyway.", "That's a shame, but thanks.",
              "Alright, thanks for letting me know.", "Fair enough. Thanks for looking.",
              "Hmm, okay. I'll look into it myself then. Thanks.", "I see, that makes sense. Thank you."]
# the goodbye of a user whose earlier try went wrong, once everything went through; once the last
# request went through after one that did not, only the relief (nothing was "much easier")
RELIEVED = ["Finally, thank you for sorting that out.", "That's a relief, thanks.", "Great, that was much easier. Thank you.",
            "Thanks, I'm glad that's done."]
RELIEVED_AT_LAST = ["Thanks, I'm glad that's done at least.", "Okay, at least that part is sorted. Thanks.",
                    "Well, that's something. Thanks for your help."]
# the same, when the last request was a question (nothing was sorted or done)
SOMETHING_AT_LEAST = ["Well, that's something. Thanks for your help.", "Thanks, that helps at least.",
                      "Okay, good to know at least. Thanks."]
# a frustrated customer who only asked questions (what they could not find before), answered
RELIEVED_ANSWERED = ["Thanks, that's what I couldn't find.", "Good, at least I know now. Thanks.",
                     "Thanks, that clears it up at last."]
# a customer whose refused request went through once they cleared what stopped it
GOT_THERE = ["Great, glad we got there in the end. Thanks.", "Thanks for sticking with it, that's all sorted.",
             "Good, we got there in the end. Thank you."]
# (no reason of its own: the no gave one, which "I'd rather sleep on it" would say again or gainsay)
AFTER_DECLINE = ["Thanks for understanding. That's all for now.", "Great, thanks. I'll think it over.",
                 "Thanks, I'll come back if I change my mind.", "Perfect, thanks for not rushing me.",
                 "Okay, thanks. That's everything.", "Good to know, thanks. I'll decide later.",
                 "Okay, I'll leave it for now. Bye for now.",
                 "Fine, let's leave it there. Thank you.", "Thanks, that helps. I'll get back to you on it.",
                 "All right, I'll hold off for now. Thanks for your help.", "Okay, that's all for today. Thanks."]
_NEGATIVE = re.compile(r"\b(?:sorry|can't|cannot|unable|not able|unfortunately|didn't go through|isn't possible"
                       r"|doesn't allow|not possible|went wrong|didn't work|I'm afraid|regret|regrettably"
                       r"|wish I could|outside what"
                       r"|not in stock|out of stock|(?:not|isn't|aren't) available|unavailable"
                       r"|(?<!\d )failed(?!\s+[a-z-]+s\b))\b", re.I)  # not a count of "3 failed logins"
REQUEST_VERBS = frozenset(
    "add apply ask book buy cancel change check choose close complete confirm contact create delete dispute download "
    "enable disable extend file find fix freeze get join know learn link make move open order pay raise reactivate receive "
    "redeem refill register remove renew rent replace report request reschedule reset return schedule see send "
    "set setup sign sort pass start stop submit switch transfer turn unfreeze unlock update upgrade upload use verify "
    "view withdraw place suspend activate deactivate exchange track pause resume claim reserve block unblock "
    "increase decrease lower waive deposit enroll subscribe unsubscribe top split "
    # a how-to title's verbs ("Navigate Currency Conversions on ..."), never a noun opening a topic
    "navigate adjust configure prepare review export manage convert connect access edit modify select enter "
    "initiate purchase generate calculate authorize monitor customize "
    # a machine's: a reference text's task after its topic ("Real-Time Communication services: restart
    # the service ..."), which the customer asks for, not the topic
    "install uninstall reinstall restart reboot mount unmount build compile erase copy rename restore format "
    "print scan save".split())


_ASKED_AGAIN = tuple(q.split("{x}")[0] for q in ASK_REPEAT)  # how an `ASK_REPEAT` question starts


# a first message that says more requests are coming (`SEVERAL`, `NAMED_LATER`)
_MORE = re.compile("|".join([re.escape(s.rstrip(".")) for s in SEVERAL]
                            + [re.escape(t.rstrip(".")).replace(re.escape("{x}"), ".+?") for t in NAMED_LATER]),
                   re.IGNORECASE)


def announces_more(opening: str) -> bool:
    """Does the user's first message say there is more than one request ("I've got a few things ...",
    "After that, I'd also like to ...")?"""
    return _MORE.search(opening) is not None


def asks_repeat(text: str) -> bool:
    """Whether a user's line asks again for the number of something made for them (`ASK_REPEAT`)."""
    return text.startswith(_ASKED_AGAIN)


def said_value(key: str, value: Any) -> str:
    """A value as a person writes it ("March 3, 2025", "$1,200.50", "annual fee" for the code
    "annual_fee": the assistant maps a choice said in words back to the code its tool takes); a
    text that is a sentence of its own in quotes, so its last stop is seen to be part of it."""
    return quoted_if_sentence(spoken(key, value))


_MINE = re.compile(r"email|name|phone|address|birth|_id$|^id$|pin|password|zip|city|state|country|username|number")


def is_own(key: str) -> bool:
    """Whether a fact is the user's own (their email, their new address), said as "my ..."."""
    return bool(_MINE.search(key)) or key.startswith("new_")


def fact_said(template: str, key: str, value: Any, name: str) -> str:
    """A fact sentence: "my email" for what is the user's own, "the reason" for what is not; a
    name of several words is never contracted ("the order status's pending" reads wrong)."""
    if " " in name.strip() and re.search(r"\{name\}(?:'s|:)", template):
        template = re.sub(r"\{name\}(?:'s|:)", "{name} is", template)
    text = template.format(name=name, v=said_value(key, value))
    if _MINE.search(key):
        return text
    return re.sub(rf"\b([Mm])y (?={re.escape(name)}\b)", lambda m: "The " if m.group(1) == "M" else "the ", text)


def persona_style(persona: str) -> str:
    for style in GREET:
        if style in persona:
            return style
    return "polite"


_HANDOFF = re.compile(r"^pass my question about (.+?) to a person\b")


def want_phrase(intent: str) -> tuple[list[str], str]:
    """The bank that fits the intent's grammar: a verb phrase, a sentence, or a topic."""
    if _HANDOFF.match(intent):  # the service's "pass my question about my card to a person", as a customer asks
        return WANT, _HANDOFF.sub(r"talk to a person about \1", intent)
    first = intent.split(" ")[0] if intent else ""
    if first in ("my", "I", "i", "I'm", "I've"):
        return SAY, intent[:1].upper() + intent[1:]
    if first == "know":  # "I'm trying to know the status" reads wrong; "find out" fits every bank
        return WANT, "find out" + intent[4:]
    second = intent.split(" ")[1] if " " in intent else ""
    if first in ("after", "before", "during", "until", "since"):  # a moment: "after the first boot"
        return ABOUT, f"what to do {intent}"  # (never "I need your help to after the first boot")
    if first in _NO_VERB:
        return ABOUT, intent  # a topic: "the refund policy"
    if len(first) >= 7 and first.endswith("ing") and first not in REQUEST_VERBS:
        return ABOUT, intent  # a doing: "porting a package to the stable system" (not "I'd like to porting ...")
    if first.islower() and (first in REQUEST_VERBS or second in ("my", "the", "a", "an", "your", "our")):
        return WANT, intent  # a verb phrase: "lock my account"
    if first.islower() and not first.endswith("ing") and first not in _NO_VERB:
        return WANT, intent  # a how-to's task, lower case from its title: "identify songs using melody"
    return ABOUT, intent  # a topic: "preparing investor reports", "Spending Alerts on Hunter Green"


#: words a lower-case intent may open with that are no verb ("the refund policy", "your card")
_NO_VERB = frozenset("the a an my your our their his her its this that these those some any what which how why "
                     "when where who whose about for on in of with after before during until since without "
                     "via through into from by at".split())  # "after the first boot": never "I need to after ..."


def lead_in(bridge: str) -> str:
    """The part of a bridge that moves to the next request ("Another thing:"), without its thanks."""
    return next((n.strip() for n in _BRIDGE_NEXT if bridge.endswith(n)), bridge.strip())


def next_request(rng: Any, body: str, told: str, *, last: bool, question: bool, again: bool = False,
                 refused: bool = False, declined: bool = False, mentioned: bool = False,
                 offered: bool = False, clears: bool = False, retry: bool = False) -> str:
    """The next request of a session after the previous one is settled: a bridge that fits what
    happened (a setback: "In that case ..."; a no of the user's own: no "That's great."), one the user
    has not said yet (`told`), then the request's `body`; one `mentioned` at the start, as such; after
    a refusal the assistant `offered` to hand to a person, a no to that first. A request that
    `clears` what stopped the one refused, and that one asked again (`retry`), follow on from it
    ("Oh, I see. Could you unfreeze my card first, then?", "Great, thanks. Now can you ...?")."""
    if not (again or clears or retry or body.split(" ")[0] in ("I", "I'm", "I'd", "I've")):
        body = body[:1].lower() + body[1:]
    if mentioned:
        return rng.choice(BRIDGE_MENTIONED) + body
    if offered and (again or clears):  # the no to the offer first, then what they ask ("In that case, ...")
        return f"{rng.choice(OFFER_NO)} {body}"
    bridge = BRIDGE_CLEAR if clears else BRIDGE_RETRY if retry else BRIDGE_AGAIN if again else BRIDGE_AFTER_OFFER if offered else BRIDGE_AFTER_NO if refused \
        else BRIDGE_AFTER_DECLINE if declined else BRIDGE
    return rng.choice(unused_bridges(bridge, told, last=last, question=question)) + body


def unused_bridges(bridges: list[str], told: str, *, last: bool, question: bool) -> list[str]:
    """The bridges to the next request whose lead-in ("Another thing: ") the user has not said yet in
    the session, "Before I go" only before the last request, "another question" only before a
    question; all of them when none is left."""
    fresh = [b for b in bridges if lead_in(b) not in told and (last or "Before I go" not in b)
             and (question or "question" not in b)]
    return fresh or bridges


def is_negative(text: str) -> bool:
    return bool(_NEGATIVE.search(text))
