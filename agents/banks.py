"""The offline assistant's paraphrase banks, one per speech act.

A bank is a list of alternatives, or a tuple of such lists whose picks are joined (a lead, a body,
a question): the parts multiply, so two conversations rarely word a turn alike. Contracts the
conversation relies on (tests hold them): every `CLOSE` asks whether there is "anything else" (it
ends a request), every `QUESTION` asks to confirm in words the user and the agent both recognise,
and no part of a confirmation or a report asks the user for a fact.

A `Voiced` bank is worded per style: the agent holding a conversation keeps one style (`STYLES`,
picked by `speech.voice` from the conversation) from its first reply to its last, so a conversation
reads as one person, while another conversation's agent words the same turns its own way.
"""
from __future__ import annotations

import re
from typing import Callable

# plain: the neutral agent; warm: friendly, thanks and reassures; formal: courteous, full sentences;
# brisk: short, to the point
STYLES = ("plain", "warm", "formal", "brisk")


class Voiced(list):
    """A bank worded per style: as a list, every style's alternatives (what the contracts, and code
    that recognises the agent's words, read); `by_style` what an agent of each style says."""

    def __init__(self, **by_style: list[str]) -> None:
        assert set(by_style) == set(STYLES), sorted(by_style)
        super().__init__(x for style in STYLES for x in by_style[style])
        self.by_style = by_style

    def swapped(self, swaps: dict[str, str]) -> "Voiced":
        """The same bank with some alternatives worded otherwise, each in its place (so one seed picks
        the same alternative of either)."""
        return Voiced(**{s: [swaps.get(x, x) for x in alts] for s, alts in self.by_style.items()})

    def keep(self, fits: Callable[[str], bool]) -> "Voiced":
        """The alternatives that fit, per style (a style left with none keeps all of its own)."""
        return Voiced(**{s: [x for x in alts if fits(x)] or alts for s, alts in self.by_style.items()})


def kept(bank: list[str], fits: Callable[[str], bool]) -> list[str]:
    """The alternatives of `bank` that fit (per style, for a `Voiced` one)."""
    return bank.keep(fits) if isinstance(bank, Voiced) else [x for x in bank if fits(x)]


# most asks need no lead-in: a concise agent just asks (the empty entries weigh that)
ACK = Voiced(
    plain=["", "", "", "", "", "", "Sure.", "Of course.", "Happy to help.", "I can help with that.", "Certainly.",
           "No problem.", "Let's get that sorted.", "Absolutely.", "Okay.", "I can take care of that.",
           "Right, let's see.", "Sure thing.", "Glad to help."],
    warm=["", "", "", "", "Happy to help!", "Glad to help.", "Sure thing!", "Of course!", "I'd love to help.",
          "Let's sort this out."],
    formal=["", "", "", "", "Certainly.", "Of course.", "Glad to assist.", "I can assist with that.",
            "Thank you for getting in touch."],
    brisk=["", "", "", "", "", "Sure.", "Okay.", "Right.", "On it."],
)
ASK_Q = Voiced(
    plain=["Could you give me {x}?", "What's {x}, please?", "Could you tell me {x}?", "May I have {x}?",
           "Can you share {x}?", "What is {x}, please?", "Could you let me know {x}?", "Would you mind telling me {x}?",
           "Can you tell me {x}?", "Could you share {x} with me?", "What's {x}?", "Could you give me {x}, please?",
           "Can I have {x}?", "Could you send me {x}?", "Do you have {x} handy?"],
    warm=["Would you mind sharing {x}?", "Could I ask for {x}?", "Could you send over {x}?", "Can you let me know {x}?",
          "What's {x}, so I can get started?", "Would you share {x}?", "Could you share {x}, please?",
          "Mind telling me {x}?"],
    formal=["Could you please provide {x}?", "May I ask for {x}?", "Would you kindly provide {x}?",
            "May I have {x}, please?", "Would you please share {x}?", "Could you please tell me {x}?",
            "Might I have {x}?"],
    brisk=["What's {x}?", "Could I have {x}?", "What's {x}, please?", "Do you have {x} handy?", "Can I get {x}?",
           "Could you send me {x}?", "Can you give me {x}?"],
)
ASK = (ACK, ASK_Q)
# free text the assistant files (a summary, a note; {x}: "a short summary"): what it is about, asked
# for in the customer's words for the assistant to put down (never "Would you write me a short summary?")
ASK_NOTE = ["Could you tell me briefly what it's about, for {x}?", "What would you like me to put in {x}?",
            "In a sentence or two, what's it about, for {x}?", "Briefly, what's it about, so I can put it in {x}?",
            "What's it about, in a few words, for {x}?"]
ASK_FOR_LEAD = Voiced(
    plain=["I can help you {action}.", "Sure, I can {action} for you.", "Happy to help you {action}.",
           "Let's {action}.", "I'll help you {action}.", "No problem, I can {action}.",
           "Of course. I can {action} for you.", "Okay, you'd like to {action}. I can do that."],
    warm=["I'd be happy to help you {action}.", "Happy to help you {action}!", "Glad to help you {action}.",
          "Sure, I'd love to help you {action}.", "Of course! Let's {action}."],
    formal=["Certainly, I can {action} for you.", "I would be glad to {action}.",
            "I'd be pleased to help you {action}.", "Of course. I can help you {action}."],
    brisk=["Sure, I can {action}.", "Okay, let's {action}.", "Let's {action}.", "I can {action}."],
)
ASK_FOR = (ASK_FOR_LEAD, ASK_Q)
#: a lead-in that offers help with what the customer does ("I can help you {action}.", "Let's
#: {action}."), not to do it ("Sure, I can {action} for you."): the one a guided request's question takes
HELPS = re.compile(r"\bhelp you\b|^(?:Of course! |Okay, )?[Ll]et's\b")
#: an acknowledgement that promises the assistant does it ("I can take care of that.")
DOES = re.compile(r"\bI can take care\b|^On it\b")
ASK_MORE_THANKS = Voiced(
    plain=["Thanks.", "Got it.", "Thank you.", "Great.", "Perfect.", "Okay.", "Thanks for that.", "Understood.",
           "Noted.", "Great, thanks.", "Lovely, thank you.", "Thanks, that helps."],
    warm=["Thank you so much.", "Lovely, thanks.", "Perfect, thank you!", "Brilliant, thanks.", "Wonderful, thank you.",
          "Thanks!"],
    formal=["Thank you.", "Thank you for that.", "Much appreciated.", "Thank you very much.", "Noted, thank you."],
    brisk=["Thanks.", "Got it.", "Okay.", "Right.", "Noted.", "Good."],
)
ASK_MORE_Q = Voiced(
    plain=["Could you also give me {x}?", "And what's {x}?", "And what is {x}?", "Could you tell me {x} as well?",
           "Now, what's {x}?", "Next, could you give me {x}?", "Could you share {x} too?", "And could you give me {x}?",
           "What would you like {x} to be?", "Can you also tell me {x}?"],
    warm=["Could you also share {x}?", "And could I have {x} too?", "Mind giving me {x} as well?",
          "Could you tell me {x} as well?", "What would you like {x} to be?", "And what's {x}?"],
    formal=["Could you also provide {x}?", "May I also have {x}?", "Might I also have {x}?",
            "Could you please also tell me {x}?", "What would you like {x} to be?"],
    brisk=["And what's {x}?", "Could I also have {x}?", "Can you also give me {x}?", "What's {x}?",
           "And could I get {x}?"],
)
ASK_MORE = (ASK_MORE_THANKS, ["", "", "", "", "", "", "Almost there."], ASK_MORE_Q)
# who the customer is, asked another way once they cannot give their email (`{x}`: "your first
# name, last name and zip code")
ASK_FALLBACK = ["No problem. Could you give me {x} instead?", "That's okay, I can find you another way: what are {x}?",
                "Not a problem. What are {x}, then?", "No worries. Could I have {x} instead?",
                "That's fine. Could you tell me {x}? I can look you up that way."]
NOT_ON_FILE = ["I couldn't find a profile under {v}. Could you give me {x} instead?",
               "Hmm, nothing comes up for {v}. Could I have {x}? I can look you up that way.",
               "I'm not finding anyone with the email {v}. What are {x}, then?",
               "There's no record of {v} on our side. Could you tell me {x} instead?"]
"""Asked when the email the customer gave finds nobody (`WorkflowAgent._ask`); each says it found
nothing (`says_not_found`) and asks the fallback finder's keys."""
GIVE_UP = ["I'm sorry, I can't continue without {x}.", "Unfortunately I can't go further without {x}.",
           "I'm not able to go on without {x}, I'm afraid.", "I'm afraid I can't do this without {x}, so I'll stop here.",
           "I can't finish this without {x}, sorry."]

CONFIRM_LEAD = Voiced(
    plain=["", "", "", "", "", "", "", "", "", "Thanks.", "Okay.", "All right."],
    warm=["", "", "", "", "", "Thanks.", "Thank you.", "Okay, thanks.", "All right."],
    formal=["", "", "", "", "", "Thank you.", "Very well.", "Certainly."],
    brisk=["", "", "", "", "", "", "", "Okay.", "Right."],
)
# what will happen, said as what the assistant will do (never "the next step is to": a process's
# words, not the customer's change)
CONFIRM_BODY = Voiced(
    plain=["I'll {action}.", "I'm about to {action}.", "Next, I'll {action}.", "Here's what I'll do: {action}.",
           "I'm ready to {action}.", "Just to confirm: I'll {action}.", "Before I go ahead: I'll {action}.",
           "This will {action}.", "So I'll go ahead and {action}.", "Once you confirm, I'll {action}.",
           "I'll now {action}.", "I'm going to {action}.", "The plan is to {action}.", "I'll just {action}.",
           "My plan is to {action}.", "From here, I'll {action}."],
    warm=["I'd be glad to {action}.", "I'm all set to {action}.", "Here's the plan: I'll {action}.",
          "So, I'll {action}.", "I'm happy to {action}.", "Right then, I'll {action}.", "We're ready to {action}.",
          "We'll {action}.", "I can take care of that: I'll {action}.", "I'm glad to {action}."],
    formal=["I will {action}.", "I am about to {action}.", "To confirm, I will {action}.", "I am prepared to {action}.",
            "With your approval, I will {action}.", "On your confirmation, I will {action}.", "I shall now {action}.",
            "I intend to {action}.", "I am ready to {action}.", "I will now {action}.", "I shall {action}.",
            "I will proceed to {action}."],
    brisk=["I'll {action}.", "I'm going to {action}.", "I'm about to {action}.", "I'm ready to {action}.", "Next I'll {action}.",
           "I can now {action}.", "Now I'll {action}."],
)
# the same for a how-to guide's title, which is what the customer asked for, not a step of it ("The
# next step is to support the ACLU"): of several steps confirmed at once, and of one; the same
# number of alternatives, in the same places
CONFIRM_BODY_STEPS = CONFIRM_BODY.swapped({
    "Here's what I'll do: {action}.": "Next come the steps to {action}.",
    "Once you confirm, I'll {action}.": "Next, I'd go through the steps to {action}.",
    "Here's the plan: I'll {action}.": "Here's the plan: I'd go through the steps to {action}.",
    "I'm all set to {action}.": "Next come the steps to {action}.",
    "On your confirmation, I will {action}.": "On your confirmation, I'd go through the steps to {action}.",
    "I intend to {action}.": "Next come the steps to {action}.",
    "Ready to {action}.": "Next come the steps to {action}.",
    "Next I'll {action}.": "Next, I'd go through the steps to {action}."})
CONFIRM_BODY_HOW_TO = CONFIRM_BODY.swapped({"Here's what I'll do: {action}.": "Next up, I'll {action}.",
                                            "Once you confirm, I'll {action}.": "What I'd do next is {action}."})
# a request the service does not cover: said plainly, no tool called
OUT_OF_SCOPE = Voiced(
    plain=["I'm sorry, I can't help with that request: it is outside what I can do here.",
           "Unfortunately that's not something I can help with here.",
           "I'm afraid I can't help with that; it's outside what this service covers.",
           "Sorry, that's outside what I can do for you here.",
           "I'm not able to help with that, I'm afraid: it isn't something this service handles."],
    warm=["I'm so sorry, that's not something I can help with here.",
          "I wish I could help with that, but it's outside what I can do here."],
    formal=["I regret that this request is outside what I am able to help with.",
            "I'm afraid that is not a service I can provide here."],
    brisk=["Sorry, I can't help with that here.", "That's outside what I can do, sorry."],
)
# a request that names a record but no action ("I need some help with my card"); every one holds
# "what would you like to do" (the agent and the scripted user find the question by it)
WHAT_TO_DO = ["Of course. What would you like to do with your {noun}? I can help with {can}.",
              "Happy to help. What would you like to do with your {noun}? For example, I can help with {can}.",
              "Sure. I can help with {can}. What would you like to do with your {noun}?",
              "I can help with that. What would you like to do with your {noun}: {can}?"]
# what the service does, said after an out-of-scope reply ("{a}", "{b}": two of its actions as doings)
SCOPE = ["I can help with things like {a} or {b}.", "I can help you with {a} or {b}, for example.",
         "What I can do is help with things like {a} or {b}.", "", ""]
# asked again after the user changed a value ("could you make it $3,000 instead?")
CONFIRM_AGAIN = ["Sure, no problem. I'll {action} instead.", "Of course. I'll {action} instead.",
                 "Got it, so I'll {action} instead.", "No problem: I'll {action} instead.",
                 "Sure thing. Instead, I'll {action}.", "Understood. I'll {action} instead."]
DESCRIBE = Voiced(
    plain=["That's your {phrase}.", "For reference, it's the {phrase}.", "That would be the {phrase}.",
           "That's the {phrase}.", "I'm looking at your {phrase}.", "This is your {phrase}.",
           "It's the {phrase}, for reference.", "So we're clear, it's the {phrase}.", "I have it as your {phrase}.",
           "It's the {phrase}, to be clear.", "That one is the {phrase}."],
    warm=["Just so you know, that's your {phrase}.", "This one's your {phrase}.", "It's your {phrase}, for reference.",
          "I can see it's the {phrase}.", "So you know, it's the {phrase}.", "That one's your {phrase}.",
          "It's the {phrase}, just so we're sure."],
    formal=["For reference, this is the {phrase}.", "This concerns your {phrase}.", "This relates to the {phrase}.",
            "The record is your {phrase}.", "For your reference, it is the {phrase}.",
            "The record in question is the {phrase}.", "For clarity, this is your {phrase}."],
    brisk=["That's the {phrase}.", "It's your {phrase}.", "It's the {phrase}.", "That's your {phrase}.",
           "For reference: the {phrase}.", "That'd be the {phrase}."],
)
# a fee the service's text sets, told earlier in the chat, holding again
SAME_FEES = ["The same fees I mentioned earlier apply here too.", "As before, the fees I mentioned apply."]
# a refund or other terms told earlier in the chat, holding again (no fee among them)
SAME_TERMS = ["The terms I mentioned earlier apply to this one too.", "As before, the same terms apply.",
              "What I said earlier about that holds here too."]
# the fee this very call charges, worked out from the record read (a tiered early closure fee)
FEE_DUE = ["The {name} for this one comes to {v}.", "On this one, the {name} would be {v}.",
           "For this one, the {name} is {v}."]
FEE_NONE = ["No {name} applies to this one.", "There's no {name} on this one.", "This one has no {name} to pay."]
# what a change charges, worked out from the records read ("the fare difference"), and what a new
# record costs in all (a booking for three passengers, not the one fare the flight lists)
CHARGE_DUE = ["There's {v} to pay for the change.", "The change comes to {v}.", "That change costs {v}."]
CHARGE_BACK = ["You'll get {v} back for the change.", "That takes {v} off what you pay.",
               "The change brings your total down by {v}."]
# the latest record kept under one of the customer's, as a lookup answers about it
LATEST_UNDER = ["The latest {noun} on {under} is {v}.", "The most recent {noun} on {under} is {v}.",
                "I've checked {under}: the newest {noun} there is {v}.", "Looking at {under}, the last {noun} is {v}."]
LATEST_UNDER_UNNAMED = ["Here is the latest {noun} on {under}.", "I've checked the most recent {noun} on {under}."]
NONE_UNDER = ["I don't see any {noun} on {under}.", "There are no {noun} on {under} yet."]
# an amount a change moves besides what it sets, as its new value ("That takes the monthly fee up to $25.72.")
MOVED_UP = ["That takes the {x} up to {v}.", "With it, the {x} goes up to {v}.", "The {x} would rise to {v}."]
MOVED_DOWN = ["That brings the {x} down to {v}.", "With it, the {x} goes down to {v}.", "The {x} would drop to {v}."]
CHARGE_NONE = ["There's nothing to pay for the change.", "The change costs nothing.", "No charge applies to the change."]
TOTAL_DUE = ["That comes to {v} in total.", "In all, that's {v}.", "The total comes to {v}."]
# what the call will change, as the record shows it before ("Right now, the cabin is business.")
NOW = Voiced(
    plain=["Right now, {x}.", "At the moment, {x}.", "Currently, {x}.", "As it stands, {x}.", "As of now, {x}."],
    warm=["At the moment, {x}.", "Right now, {x}."],
    formal=["At present, {x}.", "Currently, {x}.", "As things stand, {x}."],
    brisk=["Currently, {x}.", "Right now, {x}."],
)
BY_NAME = Voiced(
    plain=["Thanks, {first}.", "Thank you, {first}.", "Okay, {first}.", "Right, {first}.", "Great, {first}.",
           "Perfect, thanks {first}."],
    warm=["Thanks so much, {first}.", "Thank you, {first}.", "Thanks, {first}.", "Okay, thanks {first}."],
    formal=["Thank you, {first}.", "Very well, {first}.", "Thank you very much, {first}."],
    brisk=["Okay, {first}.", "Right, {first}.", "Thanks, {first}.", "Got it, {first}."],
)
QUESTION = Voiced(
    plain=["Shall I go ahead?", "Shall I proceed?", "Should I go ahead?", "Should I proceed?",
           "Do you want me to go ahead?", "Would you like me to proceed?", "Is that right?", "Is that correct?",
           "Is that okay?", "Can you confirm?", "Please confirm.", "Would you like me to go ahead?",
           "Do you want me to do it?", "Would you like me to do that?", "Shall I go ahead with it?"],
    warm=["Shall I go ahead?", "Would you like me to go ahead?", "Is that okay with you?", "Shall I go ahead, then?",
          "Is that okay?", "Do you want me to do that?", "Would you like me to do that now?", "Is that right?",
          "Would you like me to take care of it?"],
    formal=["Shall I proceed?", "Would you like me to proceed?", "Can you confirm?", "Could you confirm?",
            "Is that correct?", "Please confirm.", "Should I proceed?", "Could you confirm, please?",
            "Would you like me to proceed with this?", "Shall I proceed with this?"],
    brisk=["Shall I go ahead?", "Should I go ahead?", "Is that okay?", "Is that right?", "Please confirm.",
           "Shall I proceed?", "Shall I go ahead now?"],
)
QUESTION_VERB = Voiced(
    plain=["Do you want me to {verb} it?", "Would you like me to {verb} it now?", "Shall I go ahead and {verb} it?",
           "Should I go ahead and {verb} it?", "Do you want me to {verb} it now?", "Would you like me to {verb} it?",
           "Would you like me to go ahead and {verb} it?"],
    warm=["Would you like me to {verb} it?", "Shall I go ahead and {verb} it for you?",
          "Do you want me to {verb} it now?", "Would you like me to {verb} it for you?"],
    formal=["Would you like me to {verb} it?", "Shall I go ahead and {verb} it?", "Would you like me to {verb} it now?",
            "Do you want me to {verb} it today?"],
    brisk=["Do you want me to {verb} it?", "Should I go ahead and {verb} it?", "Do you want me to {verb} it now?",
           "Should I go ahead and {verb} it now?"],
)
DONE = Voiced(
    plain=["All done.", "Done!", "That's taken care of.", "Everything is set.", "That went through.",
           "Great, it's done.", "That's done now.", "It worked.", "Good news: that's complete.", "That's all sorted.",
           "Finished!", "That has gone through now.", "Okay, that's processed.", "Success, it's gone through.",
           "There we go.", "I've finished that for you.", "You're all set.", "It's all gone through.",
           "Done and dusted.", "That's sorted for you.", "All finished.", "That's gone through now."],
    warm=["All done for you!", "That's all done now.", "Wonderful, that's gone through.", "Good news: it's all done.",
          "There you go, all sorted!", "Lovely, that's done.", "That's gone through for you.", "Perfect, all done."],
    formal=["That has been completed.", "This is now complete.", "Your request has been processed.",
            "That is now complete.", "I have completed that.", "The request went through.",
            "This has been carried out.", "The request has been completed."],
    brisk=["Done.", "Done!", "All set.", "Sorted.", "That's through.", "Finished.", "Complete.", "It's done.",
           "That's done."],
)
DONE_SAID = Voiced(
    plain=["I've {past}.", "I've just {past}.", "Done: I've {past}.", "All set. I've {past}.",
           "That's complete: I've {past}.", "Good news, I've {past}.", "It's gone through; I've {past}.",
           "I've now {past}.", "Right, I've {past}."],
    warm=["Good news: I've {past}.", "All done! I've {past}.", "I've gone ahead and {past}.", "Lovely, I've {past}.",
          "There you go: I've {past}.", "Perfect, I've just {past}.", "I've {past} for you."],
    formal=["I have {past}.", "I have now {past}.", "As requested, I have {past}.", "I can confirm I have {past}.",
            "I have successfully {past}.", "I have just {past}."],
    brisk=["Done. I've {past}.", "I've {past}.", "Done: I've {past}.", "Okay, I've {past}."],
)
FOUND = Voiced(
    plain=["Here's what I found.", "I've checked for you.", "I've looked it up.", "Thanks for waiting.",
           "Okay, I have it.", "I've gone through the record.", "Here are the details.", "I pulled that up for you.",
           "I've got it here.", "Let me read that out for you.", "That's in front of me now.", "I checked our records.",
           "Here you go.", "I've had a look.", "I've found it.", "Here's the record.", "I've got the details.",
           "I've pulled the record."],
    warm=["Thanks so much for waiting!", "Here's what I found for you.", "Good news, I have it here.",
          "I've looked that up for you.", "Thanks for bearing with me.", "Here you go!", "I've found it for you.",
          "I've got that for you."],
    formal=["Thank you for waiting.", "I have retrieved the details.", "I have checked our records.",
            "Here is the information.", "I have looked into this for you.", "Thank you for your patience.",
            "The details are as follows.", "I have the record here."],
    brisk=["Here it is.", "I've found it.", "I've checked.", "Got it.", "", "I've found the record."],
)
# the same, when nothing was looked up for this request (an earlier one read the record): no "Thanks for waiting."
FOUND_AT_HAND = Voiced(
    plain=["Here are the details.", "Okay, I have it.", "I've got it here.", "Let me read that out for you.",
           "That's in front of me now.", "Here you go.", "", ""],
    warm=["Here you go!", "I have it right here.", "", ""],
    formal=["Here are the details.", "I have the details here.", "", ""],
    brisk=["", "", "Here it is."],
)
# the offer to go on with a request the user named in their first message ("{x}": "changing your
# address"); each says "you also mentioned", which is how the agent knows it made one
NEXT_UP = Voiced(
    plain=["You also mentioned {x}. Shall we do that now?", "You also mentioned {x}; shall we look at that next?",
           "Now, you also mentioned {x}. Shall we go ahead with that?",
           "And you also mentioned {x}. Would you like to do that now?",
           "You also mentioned {x}. Do you want to do that now?"],
    warm=["You also mentioned {x}; shall we take care of that now?",
          "You also mentioned {x}. Would you like to do that next?"],
    formal=["You also mentioned {x}. Shall we proceed with that now?",
            "You also mentioned {x}. Would you like to address that now?"],
    brisk=["You also mentioned {x}. Want to do that now?", "You also mentioned {x}. Shall we do that next?"],
)
# to a user whose earlier try went wrong, before the first reply; no "sorry" (a user hears that as a
# refusal when the reply also settles their request)
TROUBLE = ["That sounds frustrating; let's get it sorted now.", "Apologies for the trouble. I can take care of it here.",
           "I understand how annoying that is. Let's fix it now.", "Thanks for your patience with this. Let's sort it out.",
           "Apologies for the hassle; I'll help you with it here."]
# the same, when the reply is guidance for steps only the customer can take (`guided`): the assistant
# goes through them with the customer, it takes care of nothing itself (one for one with `TROUBLE`)
TROUBLE_GUIDED = [t.replace("I can take care of it here.", "Let's go through it together.") for t in TROUBLE]
# the same, when the reply is a refusal: nothing promised
TROUBLE_THEN_NO = ["Sorry you had trouble with that.", "I understand how annoying that is.",
                   "Thanks for your patience with this.", "Sorry about the hassle so far."]
# a later request about the same kind of record as one the conversation was about: that one again?
# (`{noun}` "rental", `{id}` its id; the agent and the user read it by "the same {noun}, {id}?")
SAME_RECORD = (["", "", "", "Sure.", "Of course.", "Happy to check.", "Okay."],
               ["Is this for the same {noun}, {id}?", "Is that the same {noun} as before, {id}?",
                "Just to check: is this for the same {noun}, {id}?", "Are we talking about the same {noun}, {id}?",
                "Is it still the same {noun}, {id}?", "Is this about the same {noun} as before, {id}?"])
# after a refusal, where the service hands questions to a person: the offer, in place of "Anything
# else?" (`{x}` "pass your question to a person"; each says "if you'd like" or "if it helps", by
# which the agent and the user know it)
OFFER_HANDOFF = Voiced(
    plain=["If you'd like, I can {x}.", "I can {x} if you'd like.", "If it helps, I can {x}.",
           "If it helps, I could {x} instead."],
    warm=["If you'd like, I could {x}.", "If it helps, I could {x}.", "I can {x} if you'd like."],
    formal=["If you'd like, I can {x}.", "If it helps, I could {x}."],
    brisk=["I can {x} if you'd like.", "If it helps, I can {x}."],
)
# what the hand-off would do for a request refused ({doing}: "changing the spending limit of your card"),
# offered as `OFFER_HANDOFF`'s {x}: a colleague to look at what happened, never "pass your question
# about your card to a person" of a customer who asked no question
HANDOFF_HELP = Voiced(
    plain=["ask a colleague to look into {doing} with you", "have a colleague look into {doing} with you"],
    warm=["ask a colleague to look into {doing} with you", "get someone on our team to look into {doing} with you"],
    formal=["ask a colleague to look into {doing} with you", "ask a member of our team to look into {doing} with you"],
    brisk=["ask a colleague to look into {doing} with you", "have a colleague look into {doing} with you"],
)
# the number of something made for the user, asked for again ("{x}": "dispute ID")
NUMBER_AGAIN = ["Of course: your {x} is {v}.", "Sure, it's {v}.", "No problem. The {x} is {v}.", "It's {v}."]
# short closes weigh more: a real agent says "Anything else?" far more often than a full sentence
CLOSE = Voiced(
    plain=["Anything else?", "Anything else?", "Anything else?", "Anything else?", "Anything else today?",
           "Anything else I can do?", "Need anything else?", "Anything else I can help with?",
           "Is there anything else?", "Anything else for today?"],
    warm=["Anything else?", "Anything else?", "Anything else I can do for you?", "Can I help with anything else?",
          "Anything else at all?", "Anything else today?", "Is there anything else?", "Anything else on your mind?"],
    formal=["Anything else?", "Is there anything else?", "May I help with anything else?",
            "Anything else I can assist with?", "Is there anything else today?",
            "Is there anything else I may help with?"],
    brisk=["Anything else?", "Anything else?", "Anything else?", "Need anything else?", "Anything else today?",
           "Anything else I can do?", "Anything else for now?"],
)
# after a hand-off to a person, which ends the chat (no session goes on after one): who takes it from
# here, in place of "Anything else?" (each says "from here", by which `workflow_agent._settled` knows
# the request ended)
HANDED_OVER = Voiced(
    plain=["Someone from our team will take it from here.", "A colleague will pick it up from here.",
           "One of our team will take it on from here.", "A person on our team will follow up from here."],
    warm=["Someone from our team will take good care of it from here.", "A colleague will pick it up from here."],
    formal=["A member of our team will take the matter forward from here.",
            "A colleague will handle it from here."],
    brisk=["Someone will pick it up from here.", "A colleague takes it from here."],
)
DECLINED = Voiced(
    plain=["No problem, I won't make that change.", "Understood, I'll leave it as it is.", "Okay, I've stopped there.",
           "That's fine, I haven't changed anything.", "Alright, I'll hold off.",
           "Sure, I'll leave things as they are.", "Of course, I won't go ahead.", "Okay, no changes then.",
           "Got it, I'll leave that one.", "That's completely fine."],
    warm=["No problem at all; I won't change anything.", "That's absolutely fine, I'll leave it as it is.",
          "Of course, we'll leave it there.", "Totally fine, I'll hold off."],
    formal=["Understood. I will not proceed.", "Very well, I won't make the change.",
            "Certainly, I have made no changes.", "Understood; I shall leave things as they are."],
    brisk=["Okay, leaving it.", "Fine, no change.", "Got it, I'll hold off.", "Okay, stopping there."],
)
UNCHANGED = Voiced(
    plain=["Nothing has been changed.", "Your records are unchanged.", "Everything stays as it was.",
           "No change was made.", "It all stays exactly as it was.", "", "You can come back to it any time."],
    warm=["Nothing has changed, so no worries.", "Everything stays just as it was.", "",
          "You can come back to it any time."],
    formal=["No changes have been made.", "Your records remain unchanged.", ""],
    brisk=["Nothing changed.", "", ""],
)
LATER = Voiced(
    plain=["", "", "You can come back to it any time.", "If you change your mind, just let me know."],
    warm=["", "If you change your mind, just let me know.", "Just let me know if you'd like to do it later."],
    formal=["", "Should you change your mind, I'll be glad to help."],
    brisk=["", "", "Just say if you change your mind."],
)
REFUSE_LEAD = Voiced(
    plain=["I'm sorry, but", "Unfortunately,", "I checked, and", "I looked into it, and", "I'm afraid",
           "I've gone through this, and", "Sorry,", "I wish I could help here, but", "Having checked,"],
    warm=["I'm really sorry, but", "I'm so sorry, but", "I wish I had better news, but",
          "I've had a good look, and sadly"],
    formal=["I regret that", "I'm sorry to say that", "Having reviewed this,", "Regrettably,"],
    brisk=["Sorry,", "Unfortunately,", "I checked, and"],
)
REFUSE_BODY = Voiced(
    plain=["I can't {action}.", "I'm not able to {action}.", "I can't {action} for you.",
           "our policy doesn't allow me to {action}.", "this isn't possible right now: I can't {action}.",
           "I'm unable to {action}.", "we can't {action} at the moment."],
    warm=["I can't {action} this time.", "I'm not able to {action}.", "I can't {action} for you."],
    formal=["I am unable to {action}.", "I am not able to {action}.", "we are unable to {action}.",
            "our policy doesn't allow me to {action}."],
    brisk=["I can't {action}.", "I'm unable to {action}.", "that can't be done: I can't {action}."],
)
# why, as a support agent says it (never "The rule is:", "Reason:", "Our policy states:"): the rule's
# own words (`prechecks.as_said`), on their own or after "That's because"; an instruction or a
# condition ("If you recently returned ...") only on its own or after "Here's why:"
REFUSE_WHY = Voiced(
    plain=["{Reason}", "{Reason}", "That's because {after_colon}", "Here's why: {after_colon}",
           "You see, {after_colon}", "The thing is, {after_colon}"],
    warm=["{Reason}", "That's because {after_colon}", "You see, {after_colon}", "Here's why: {after_colon}"],
    formal=["{Reason}", "That is because {after_colon}", "{Reason}"],
    brisk=["{Reason}", "{Reason}", "That's because {after_colon}"],
)
REFUSE_WHY_AS_IS = Voiced(
    plain=["{Reason}", "{Reason}", "Here's why: {after_colon}"],
    warm=["{Reason}", "Here's why: {after_colon}"],
    formal=["{Reason}"],
    brisk=["{Reason}"],
)
# a record the customer named by its number that is not tied to them: nothing of it is told
NOT_YOURS = ["I can't find {noun} {v} among your records, so I can't share its details. Could you check the {x}?",
             "{Noun} {v} doesn't appear under your name, so I'm not able to tell you about it. Could you double-check "
             "the {x}?",
             "I'm sorry, {noun} {v} isn't one of yours, so I can't go into it. Could you check the {x} again?"]
# ... and the customer asked to change it: nothing of it is said, nothing changed
NOT_YOURS_TO_CHANGE = ["I can't find {noun} {v} among your records, so I can't make any changes to it. Could you check "
                       "the {x}?",
                       "{Noun} {v} doesn't appear under your name, so I'm not able to change it. Could you double-check "
                       "the {x}?",
                       "I'm sorry, {noun} {v} isn't one of yours, so I can't act on it. Could you check the {x} again?"]
FAILED = ["I'm sorry, that didn't go through: {error}", "Unfortunately that step failed: {error}",
          "Something went wrong on our side: {error}", "That didn't work, I'm afraid: {error}",
          "The system turned that down: {error}"]
WELCOME = Voiced(
    plain=["You're welcome! Have a great day.", "My pleasure. Take care!", "Glad I could help. Have a good one!",
           "You're very welcome. Bye for now!", "Happy to help. Have a lovely day."],
    warm=["You're so welcome! Have a wonderful day.", "It was a pleasure helping you. Take care!",
          "Anytime! Have a lovely day."],
    formal=["You're welcome. Have a good day.", "It was my pleasure. Goodbye.",
            "Thank you for contacting us. Have a good day."],
    brisk=["You're welcome. Bye!", "Welcome. Take care.", "Any time. Bye!"],
)
SHOWS = ["Right now it shows as {values}.", "At the moment it's {values}.", "Our records show it as {values}.",
         "This one is currently {values}.", "It's listed as {values} right now."]
#: the same of one record of several the request is about (a transfer's two accounts)
SHOWS_OF = ["Your {record} is currently {values}.", "Right now your {record} shows as {values}.",
            "Our records show your {record} as {values}."]
# a change that waits for a date (a downgrade, at the next billing cycle): what it becomes and when
PENDING = ["Your {x} changes to {v} on {d}.", "From {d}, your {x} will be {v}.", "The switch to {v} takes effect on {d}.",
           "Your new {x}, {v}, starts on {d}."]
# ... said before the change is made: it would wait
PENDING_AHEAD = ["The switch to {v} would start on {d}.", "Your {x} would change to {v} on {d}.",
                 "The change to {v} would take effect on {d}."]
SHOWS_OF_MANY = ["Your {record} are currently {values}.", "Right now your {record} show as {values}.",
                 "Our records show your {record} as {values}."]
# a count that has reached a rule's limit ("It already has 2 renewals.")
ALREADY = ["It already has {c}.", "It's had {c} already.", "It shows {c} already."]
WHICH = ["I can see {n} {nouns} here: {options}. Which {noun} is it?",
         "There are {n} {nouns} on file: {options}. Could you tell me which {noun} you mean?",
         "I have {n} {nouns} here: {options}. Which {noun} should I use?",
         "You have {n} {nouns}: {options}. Which {noun} do you mean?",
         "I see {n} {nouns} under your name: {options}. Which {noun} would that be?",
         "I found {n} {nouns}: {options}. Which {noun} should I go with?"]
#: ... of the record a move names by its part, among the customer's records (`speech.which_moved`; the
#: user hears "the account it's coming from" as asking for that key)
WHICH_MOVED_ALL = ["You have {n} {nouns}: {options}.", "I can see {n} {nouns} under your name: {options}.",
                   "There are {n} {nouns} on file: {options}."]
WHICH_MOVED_FITTING = ["Of your {n} {nouns}, {k} could work for this: {options}.",
                       "You have {n} {nouns}, and {k} of them could be used here: {options}."]
WHICH_MOVED_ONLY = ["Of your {n} {nouns}, only {option} could work for this. Is that the {noun} it's {way}?",
                    "You have {n} {nouns}, and only {option} could be used here. Is that the {noun} it's {way}?"]
WHICH_MOVED_ASK = ["Which one is the {noun} it's {way}?", "Which of them is the {noun} it's {way}?",
                   "Could you tell me which one is the {noun} it's {way}?"]
WHICH_MOVED_AGAIN = ["Thanks, that's {chosen}. And which one is the {noun} it's {way}?",
                     "Got it: {chosen}. And which is the {noun} it's {way}?",
                     "{chosen}, then. And the {noun} it's {way}: which one is that?"]
#: the same naming only the records the change can be made on (`speech.which_fitting`)
WHICH_FITTING = ["Of your {n} {nouns}, {k} {can}: {options}. Which {noun} is it?",
                 "I can see {n} {nouns}; {k} of them {can}: {options}. Which {noun} do you mean?",
                 "You have {n} {nouns}, and {k} {can}: {options}. Which {noun} should I use?"]
#: ... when many are told apart by a date alone, asked by its month (`speech.which_when`; "which month's"
#: is how the agent knows the answer is a month, `workflow_agent.MONTH_ASKED`)
WHICH_WHEN = ["You have {n} {nouns}, {span}. Which month's {noun} is it, or what is its {x}?",
              "I can see {n} {nouns}, {span}. Which month's {noun} do you mean, or do you have its {x}?",
              "There are {n} {nouns} here, {span}. Which month's {noun} should I use, or what is its {x}?"]
WHICH_WHEN_FITTING = ["Of your {n} {nouns}, {k} {can}, {span}. Which month's {noun} is it, or what is its {x}?",
                      "I can see {n} {nouns}; {k} of them {can}, {span}. Which month's {noun} do you mean, "
                      "or do you have its {x}?",
                      "You have {n} {nouns}, and {k} {can}, {span}. Which month's {noun} should I use, or what "
                      "is its {x}?"]
#: ... when one fits, proposed to be told yes or no (read as `referring.PROPOSED_RECORD`)
WHICH_ONLY_ONE = ["Of your {n} {nouns}, only {option} {can}. Is that the {noun} you mean, {id}?",
                  "Only one of your {n} {nouns} {can}: {option}. Is it the {noun} you mean, {id}?",
                  "You have {n} {nouns}, and only {option} {can}. Would that be the {noun} you mean, {id}?"]
#: ... said before the confirmation that proposes the change there, when one fits: one question, the
#: confirmation's, never "Is that the account you mean?" and then "Shall I go ahead?" (read as
#: `referring.ONLY_FITTING`)
ONLY_FITTING = ["Of your {n} {nouns}, only {option} {can}.", "You have {n} {nouns}, and only {option} {can}.",
                "Of the {n} {nouns} you have, only {option} {can}."]
NOTE = Voiced(
    plain=["This applies to {what}.", "For your records, that's {what}.", "That was for {what}.",
           "Your reference is {what}.", "This is on {what}.", "It's recorded against {what}."],
    warm=["Just for your records, that's {what}.", "That's all on {what}.", "This one was for {what}."],
    formal=["For your records, this concerns {what}.", "This has been recorded against {what}.",
            "This relates to {what}."],
    brisk=["Ref: {what}.", "That's {what}.", "On {what}."],
)
# the start of an answer about one record; sometimes none, and the facts come first
COMPARED = ["Of your {n} {nouns}, {what} has the {most} {field}: {value}.", "{What} has the {most} {field}, at {value}.",
            "It's {what}: its {field} is {value}, the {most} of your {n} {nouns}.",
            "I've checked your {n} {nouns}; {what} has the {most} {field}, with {value}.",
            "Looking across your {n} {nouns}, the {most} {field} is on {what}: {value}."]
COMPARED_OTHERS = ["For comparison, {others}.", "The others: {others}.", "By comparison, {others}.", "{Others}."]
LOOKED = Voiced(
    plain=["I've checked {what}.", "Here's what I see for {what}.", "I found {what}.", "Thanks, I have {what} here.",
           "I've pulled up {what}.", "Looking at {what} now.", "I have {what} up on my screen.",
           "Okay, {what} is in front of me.", "I've brought up {what}.", "I'm looking at {what}.",
           "Thanks for waiting; I have {what}.", "I've got {what} here.", "Right, I have {what}.",
           "Sure. I've looked at {what}.", "", "", "", "I've opened {what}.", "I've found {what} here."],
    warm=["Thanks for waiting! I have {what} here.", "Lovely, I've found {what}.", "I've pulled up {what} for you.",
          "I've had a look at {what}.", "", ""],
    formal=["I have located {what}.", "I have retrieved {what}.", "I have reviewed {what}.", "I have checked {what}.",
            "", ""],
    brisk=["I've found {what}.", "I've checked {what}.", "I've got {what}.", "", "", ""],
)
# the same for a thing the customer named (a catalog's "water bottle"): never "I've opened the water bottle"
LOOKED_UP = ["I've checked {what}.", "Here's what I see for {what}.", "I found {what}.", "I've looked up {what}.",
             "Sure. I've looked at {what}.", "I have the details of {what} here.", "", "", ""]
# the same when nothing was read since the customer's message: what an earlier read showed, or a
# change left, is at hand; never "I have retrieved account ACC-1." of a record no call just read
LOOKED_AT_HAND = Voiced(
    plain=["I still have {what} here.", "Here's what I have for {what}.", "I have {what} here from before.",
           "{What} is still up from earlier.", "", "", ""],
    warm=["I still have {what} right here.", "I have {what} here from before.", "", ""],
    formal=["I still have {what} at hand.", "I have the details of {what} here already.", "", ""],
    brisk=["Still have {what} here.", "", ""],
)
# before a sentence of the service's own text; most of the time it stands alone
GUIDE_LEAD = Voiced(
    plain=["", "", "", "Just so you know,", "Good to know:", "For what it's worth,", "As a heads-up,",
           "One thing to keep in mind:", "Also,"],
    warm=["", "", "", "Just so you know,", "A quick heads-up:", "Also, good to know:", "Helpful to know:"],
    formal=["", "", "", "For your information,", "Note that", "Of note:", "I should mention that"],
    brisk=["", "", "", "", "Note:", "Heads-up:", "Also,"],
)
# a yes/no setting is asked as one, so a "yes" or "no, leave it off" answers it
# a count is asked as a number of things ("{n}": "how many bags"), never "what's the new bags?"
ASK_COUNT = ["{N} should {record} have?", "{N} would you like on {record}?", "{N} do you need?",
             "{N} should it be?", "{N} would you like?", "And {n} should it be?"]
ASK_ON_OFF = ["Should {x} be on or off?", "Do you want {x} on or off?", "Would you like {x} switched on, or off?",
              "Would you like {x} on, or off?", "Is {x} meant to be on or off?"]
# said after the question: why the assistant needs it, in the request's own terms (`{records}`: what
# the request is about, "your card"; "your records" when it names none)
WHY_PERSONAL = Voiced(
    plain=["", "", "That's how I find {records}.", "I'll use it to pull up {records}.", "It lets me find {records}.",
           "I need it to look up {records}.", "That way I can see {records}.", "It's how I find {records}."],
    warm=["", "That way I can find {records}.", "It helps me find {records}.", "I'll use it to find {records}."],
    formal=["", "It lets me locate {records}.", "It's needed to locate {records}.", "With it I can locate {records}."],
    brisk=["", "", "", "To find {records}."],
)
WHY_RECORD = Voiced(
    plain=["", "That way I'll be working on the right {noun}.", "It makes sure I pick the right {noun}.",
           "I'll use it to open the right {noun}.", "That tells me exactly which {noun} you mean."],
    warm=["", "That way I'll be sure to work on the right {noun}.", "It helps me pick the right {noun}."],
    formal=["", "This ensures I work on the correct {noun}.", "It allows me to select the correct {noun}."],
    brisk=["", "", "That way I pick the right {noun}."],
)
# two facts of one record in one sentence (the values stay whole, each after its name or before "as")
TWO_FACTS = ["The {a} is {va} and the {b} is {vb}.", "It lists {va} as the {a} and {vb} as the {b}.",
             "I can see {va} for the {a}, and {vb} for the {b}.", "The {a} on file is {va}; the {b} is {vb}.",
             "It shows the {a} as {va} and the {b} as {vb}."]
#: two sums a write reports, a charge among them ("early_closure_fee", "amount_paid_out"): what this
#: call charged and paid, not a field that changed ("The early closure fee is now $500" read as if the
#: fee had gone up)
TWO_CHARGED = ["The {a} comes to {va} and the {b} to {vb}.", "That's {va} for the {a}, and {vb} for the {b}.",
               "The {a} was {va}, and the {b} {vb}."]
TWO_FACTS_AFTER = ["The {a} is now {va} and the {b} is {vb}.", "It now shows {va} as the {a} and {vb} as the {b}.",
                   "The {a} reads {va}, and the {b} {vb}."]
