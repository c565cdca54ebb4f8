"""The offline assistant's paraphrase banks, one per speech act.

A bank is a list of alternatives, or a tuple of such lists whose picks are joined (a lead, a body,
a question): the parts multiply, so two conversations rarely word a turn alike. Contracts the
conversation relies on (tests hold them): every `CLOSE` asks whether there is "anything else" (it
ends a request), every `QUESTION` asks to confirm in words the user and the agent both recognise,
and no part of a confirmation or a report asks the user for a fact.
"""
from __future__ import annotations

# most asks need no lead-in: a concise agent just asks (the empty entries weigh that)
ACK = ["", "", "", "", "", "", "Sure.", "Of course.", "Happy to help.", "I can help with that.", "Certainly.",
       "No problem.", "Let's get that sorted.", "Absolutely.", "Okay.", "I can take care of that.", "Right, let's see."]
ASK_Q = ["Could you give me {x}?", "What's {x}, please?", "Could you tell me {x}?", "May I have {x}?",
         "Can you share {x}?", "What is {x}?", "Could you let me know {x}?", "Would you mind telling me {x}?",
         "Can you tell me {x}?", "Could you share {x} with me?", "What's {x}?"]
ASK = (ACK, ASK_Q)
# what the user is to write themselves (a summary, a note): asked to be written, never "tell me a short summary"
ASK_NOTE = ["Could you give me {x}?", "Could you write me {x} of what it's about?", "Would you mind writing {x}?",
            "In a sentence or two, could you give me {x}?", "Could you jot down {x} for me?",
            "Could I have {x} of what it's about?"]
ASK_FOR = (["I can help you {action}.", "Sure, I can {action} for you.", "Happy to help you {action}.",
            "Let's {action}.", "I'll help you {action}.", "No problem, I can {action}.",
            "Of course. I can {action} for you.", "Okay, you'd like to {action}. I can do that."],
           ASK_Q)
ASK_MORE = (["Thanks.", "Got it.", "Thank you.", "Great.", "Perfect.", "Okay.", "Thanks for that.", "Understood.",
             "Noted.", "Great, thanks.", "Lovely, thank you.", "Thanks, that helps."],
            ["", "", "", "", "", "", "Almost there."],
            ["Could you also give me {x}?", "And what's {x}?", "What is {x}?", "Could you tell me {x} as well?",
             "Now, what's {x}?", "Next, could you give me {x}?", "Could you share {x} too?", "And could you give me {x}?",
             "What would you like {x} to be?", "Can you also tell me {x}?"])
# who the customer is, asked another way once they cannot give their email (`{x}`: "your first
# name, last name and zip code")
ASK_FALLBACK = ["No problem. Could you give me {x} instead?", "That's okay, I can find you another way: what are {x}?",
                "Not a problem. What are {x}, then?", "No worries. Could I have {x} instead?",
                "That's fine. Could you tell me {x}? I can look you up that way."]
GIVE_UP = ["I'm sorry, I can't continue without {x}.", "Unfortunately I can't go further without {x}.",
           "I'm not able to go on without {x}, I'm afraid.", "I'm afraid I can't do this without {x}, so I'll stop here.",
           "I can't finish this without {x}, sorry."]

CONFIRM_LEAD = ["", "", "", "", "", "", "", "", "", "Thanks.", "Okay.", "All right."]
# what will happen, said as what the assistant will do (never "the next step is to": a process's
# words, not the customer's change)
CONFIRM_BODY = ["I'll {action}.", "I'm about to {action}.", "Next, I'll {action}.", "Here's what I'll do: {action}.",
                "I'm ready to {action}.", "Just to confirm: I'll {action}.", "Before I go ahead: I'll {action}.",
                "This will {action}.", "So I'll go ahead and {action}.", "Once you confirm, I'll {action}."]
# the same for a how-to guide's title, which is what the customer asked for, not a step of it ("The
# next step is to support the ACLU"): of several steps confirmed at once, and of one; the same
# number of alternatives, in the same places
CONFIRM_BODY_STEPS = [*CONFIRM_BODY[:3], "Next come the steps to {action}.", *CONFIRM_BODY[4:9],
                      "Next, I'd go through the steps to {action}."]
CONFIRM_BODY_HOW_TO = [*CONFIRM_BODY[:3], "Next up, I'll {action}.", *CONFIRM_BODY[4:9], "What I'd do next is {action}."]
# a request the service does not cover: said plainly, no tool called
OUT_OF_SCOPE = ["I'm sorry, I can't help with that request: it is outside what I can do here.",
                "Unfortunately that's not something I can help with here.",
                "I'm afraid I can't help with that; it's outside what this service covers.",
                "Sorry, that's outside what I can do for you here.",
                "I'm not able to help with that, I'm afraid: it isn't something this service handles."]
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
DESCRIBE = ["That's your {phrase}.", "For reference, it's the {phrase}.", "That would be the {phrase}.",
            "That's the {phrase}.", "I'm looking at your {phrase}.", "This is your {phrase}.",
            "It's the {phrase}, for reference."]
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
CHARGE_NONE = ["There's nothing to pay for the change.", "The change costs nothing.", "No charge applies to the change."]
TOTAL_DUE = ["That comes to {v} in total.", "In all, that's {v}.", "The total comes to {v}."]
# what the call will change, as the record shows it before ("Right now, the cabin is business.")
NOW = ["Right now, {x}.", "At the moment, {x}.", "Currently, {x}.", "As it stands, {x}."]
BY_NAME = ["Thanks, {first}.", "Thank you, {first}.", "Okay, {first}.", "Right, {first}."]
QUESTION = ["Shall I go ahead?", "Shall I proceed?", "Should I go ahead?", "Should I proceed?",
            "Do you want me to go ahead?", "Would you like me to proceed?", "Is that right?", "Is that correct?",
            "Is that okay?", "Can you confirm?", "Please confirm."]
QUESTION_VERB = ["Do you want me to {verb} it?", "Would you like me to {verb} it now?", "Shall I go ahead and {verb} it?",
                 "Should I go ahead and {verb} it?", "Do you want me to {verb} it now?", "Would you like me to {verb} it?"]
DONE = ["All done.", "Done!", "That's taken care of.", "Everything is set.", "That went through.", "Great, it's done.",
        "That's done now.", "It worked.", "Good news: that's complete.", "That's all sorted.", "Finished!",
        "That has gone through now.", "Okay, that's processed.", "Success, it's gone through.", "There we go.",
        "I've finished that for you.", "You're all set."]
DONE_SAID = ["I've {past}.", "I've just {past}.", "Done: I've {past}.", "All set. I've {past}.",
             "That's complete: I've {past}.", "Good news, I've {past}.", "It's gone through; I've {past}."]
FOUND = ["Here's what I found.", "I've checked for you.", "I've looked it up.", "Thanks for waiting.", "Okay, I have it.",
         "I've gone through the record.", "Here are the details.", "I pulled that up for you.", "I've got it here.",
         "Let me read that out for you.", "That's in front of me now.", "I checked our records.", "Here you go.",
         "I've had a look."]
# the same, when nothing was looked up for this request (an earlier one read the record): no "Thanks for waiting."
FOUND_AT_HAND = ["Here are the details.", "Okay, I have it.", "I've got it here.", "Let me read that out for you.",
                 "That's in front of me now.", "Here you go.", "", ""]
# the offer to go on with a request the user named in their first message ("{x}": "changing your
# address"); each says "you also mentioned", which is how the agent knows it made one
NEXT_UP = ["You also mentioned {x}. Shall we do that now?", "You also mentioned {x}; shall we look at that next?",
           "Now, you also mentioned {x}. Shall we go ahead with that?", "And you also mentioned {x}. Would you like to do that now?",
           "You also mentioned {x}. Do you want to do that now?"]
# to a user whose earlier try went wrong, before the first reply; no "sorry" (a user hears that as a
# refusal when the reply also settles their request)
TROUBLE = ["That sounds frustrating; let's get it sorted now.", "Apologies for the trouble. I can take care of it here.",
           "I understand how annoying that is. Let's fix it now.", "Thanks for your patience with this. Let's sort it out.",
           "Apologies for the hassle; I'll help you with it here."]
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
OFFER_HANDOFF = ["If you'd like, I can {x}.", "I can {x} if you'd like.", "If it helps, I can {x}.",
                 "If it helps, I could {x} instead."]
# the number of something made for the user, asked for again ("{x}": "dispute ID")
NUMBER_AGAIN = ["Of course: your {x} is {v}.", "Sure, it's {v}.", "No problem. The {x} is {v}.", "It's {v}."]
# short closes weigh more: a real agent says "Anything else?" far more often than a full sentence
CLOSE = ["Anything else?", "Anything else?", "Anything else?", "Anything else?", "Anything else today?",
         "Anything else I can do?", "Need anything else?", "Anything else I can help with?", "Is there anything else?"]
DECLINED = ["No problem, I won't make that change.", "Understood, I'll leave it as it is.",
            "Okay, I've stopped there.", "That's fine, I haven't changed anything.", "Alright, I'll hold off.",
            "Sure, I'll leave things as they are.", "Of course, I won't go ahead.", "Okay, no changes then.",
            "Got it, I'll leave that one.", "That's completely fine."]
UNCHANGED = ["Nothing has been changed.", "Your records are unchanged.", "Everything stays as it was.",
             "No change was made.", "It all stays exactly as it was.", "", "You can come back to it any time."]
LATER = ["", "", "You can come back to it any time.", "If you change your mind, just let me know."]
REFUSE_LEAD = ["I'm sorry, but", "Unfortunately,", "I checked, and", "I looked into it, and", "I'm afraid",
               "I've gone through this, and", "Sorry,", "I wish I could help here, but", "Having checked,"]
REFUSE_BODY = ["I can't {action}.", "I'm not able to {action}.", "I can't {action} for you.",
               "our policy doesn't allow me to {action}.", "this isn't possible right now: I can't {action}.",
               "I'm unable to {action}.", "we can't {action} at the moment."]
# the rule is quoted as it is written, as a sentence of its own or after a colon
REFUSE_WHY = ["The rule is: {after_colon}", "Here's the reason: {after_colon}", "{Reason}", "Our policy says: {after_colon}",
              "Here's why: {after_colon}", "Per our rules: {after_colon}", "That's down to this rule: {after_colon}"]
FAILED = ["I'm sorry, that didn't go through: {error}", "Unfortunately that step failed: {error}",
          "Something went wrong on our side: {error}", "That didn't work, I'm afraid: {error}",
          "The system turned that down: {error}"]
WELCOME = ["You're welcome! Have a great day.", "My pleasure. Take care!", "Glad I could help. Have a good one!",
           "You're very welcome. Bye for now!", "Happy to help. Have a lovely day."]
SHOWS = ["Right now it shows {values}.", "At the moment it's {values}.", "Our records show it as {values}.",
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
WHICH = ["I can see {n} {nouns} here: {options}. Which {x} is it?",
         "There are {n} {nouns} on file: {options}. Could you tell me which {x} you mean?",
         "I found {n} {nouns}: {options}. Which {x} should I use?",
         "You have {n} {nouns}: {options}. Which {x} do you mean?",
         "I see {n} {nouns} under your name: {options}. Could you tell me the {x} of the one you mean?",
         "There's more than one here, {n} {nouns}: {options}. Which {x} should I go with?"]
#: the same naming only the records the change can be made on (`speech.which_fitting`)
WHICH_FITTING = ["Of your {n} {nouns}, {k} {can}: {options}. Which {x} is it?",
                 "I can see {n} {nouns}; {k} of them {can}: {options}. Which {x} do you mean?",
                 "You have {n} {nouns}, and {k} {can}: {options}. Which {x} should I use?"]
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
NOTE = ["This applies to {what}.", "For your records, that's {what}.", "That was for {what}.",
        "Your reference is {what}.", "This is on {what}.", "It's recorded against {what}."]
# the start of an answer about one record; sometimes none, and the facts come first
COMPARED = ["Of your {n} {nouns}, {what} has the {most} {field}: {value}.", "{What} has the {most} {field}, at {value}.",
            "It's {what}: its {field} is {value}, the {most} of your {n} {nouns}.",
            "I've checked your {n} {nouns}; {what} has the {most} {field}, with {value}.",
            "Looking across your {n} {nouns}, the {most} {field} is on {what}: {value}."]
COMPARED_OTHERS = ["For comparison, {others}.", "The others: {others}.", "By comparison, {others}.", "{Others}."]
LOOKED = ["I've checked {what}.", "Here's what I see for {what}.", "I found {what}.", "Thanks, I have {what} here.",
          "I've pulled up {what}.", "Looking at {what} now.", "I have {what} up on my screen.",
          "Okay, {what} is in front of me.",
          "I've brought up {what}.", "I'm looking at {what}.", "Thanks for waiting; I have {what}.",
          "I've got {what} here.", "Right, I have {what}.", "Sure. I've looked at {what}.", "", "", ""]
# the same for a thing the customer named (a catalog's "water bottle"): never "I've opened the water bottle"
LOOKED_UP = ["I've checked {what}.", "Here's what I see for {what}.", "I found {what}.", "I've looked up {what}.",
             "Sure. I've looked at {what}.", "I have the details of {what} here.", "", "", ""]
# before a sentence of the service's own text; most of the time it stands alone
GUIDE_LEAD = ["", "", "", "Just so you know,", "Good to know:", "For what it's worth,", "As a heads-up,",
              "One thing to keep in mind:", "Also,"]
# a yes/no setting is asked as one, so a "yes" or "no, leave it off" answers it
# a count is asked as a number of things ("{n}": "how many bags"), never "what's the new bags?"
ASK_COUNT = ["{N} should {record} have?", "{N} would you like on {record}?", "{N} do you need?",
             "{N} should it be?", "{N} would you like?", "And {n} should it be?"]
ASK_ON_OFF = ["Should {x} be on or off?", "Do you want {x} on or off?", "Would you like {x} switched on, or off?",
              "Would you like {x} on, or off?", "Is {x} meant to be on or off?"]
# said after the question: why the assistant needs it, in the request's own terms (`{records}`: what
# the request is about, "your card"; "your records" when it names none)
WHY_PERSONAL = ["", "", "That's how I find {records}.", "I'll use it to pull up {records}.",
                "It lets me find {records}.", "I need it to look up {records}.", "That way I can see {records}."]
WHY_RECORD = ["", "That way I'll be working on the right {noun}.", "It makes sure I pick the right {noun}.",
              "I'll use it to open the right {noun}.", "That tells me exactly which {noun} you mean."]
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
