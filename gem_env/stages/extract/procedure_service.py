"""Service procedures: which steps of a company's help text a support agent carries out.

A *service procedure* tells a company's customer (or its staff) how something is done to a
record the company keeps for the customer -- an account, a payment, a reward, a claim, an alert --
in the company's app or site ("Go to Rewards in your account and select Redeem"). An agent on the
company's side does the act itself on the record (activate, cancel, redeem, export, convert); it
never works the customer's screen. So these are no tools of its:

- the way to the place of the act: signing in, opening, navigating, going to, visiting a section,
  using the app's own controls ("Sign in to your account", "Navigate to Financing > BNPL Platinum",
  "Open the analytics section", "Use the global filters");
- what the customer looks at on the screen ("Review the quote", "You will see a cancellation
  confirmation");
- the customer's confirmation of the act just done ("Confirm activation", "Confirm the cancellation"):
  the agent asks the customer's yes before it acts, which is that confirmation (as a step it became
  a flag, `activation_confirmed`, seeded already true on an inactive account).

A *how-to on one's own device* (wikiHow, Debian, OpenPI) is carried out by an assistant operating the
device, so each click is a step and stays one. What tells the two apart: the procedure's record is
one a company keeps for its customer (`SERVICE_RECORDS`), the text places the steps in the
customer's account or the company's app or site (`_APP_PLACE`: "in your account", "your perks portal",
"open Settings", "Activity"; a CV's summary or a diet plan is kept by no one), and it neither names a device of the
reader's own ("your phone", "your computer", "iPhone/iPad", "users on the system") nor spells out the presses on a screen
("Click the "Data tools" tab", "Tap Report", a URL to visit): those are how-tos worked on the reader's
screen, even when what they act on is an account with a company (wikiHow's "Delete a YouTube
Account"). A company's own help text says where the customer goes and what the service then does.

Decided (round 58, the banking help centre's one-table "kb doc" domains): a company's how-to becomes
a domain only where its agent has an act of its own on the customer's record -- cancel a payment,
stop a schedule, activate financing, redeem a reward, set an alert's threshold and delivery -- a tool
named for that act (`cancel_scheduled_payment`, `adjust_alert_threshold`), called after the
customer's yes. What the customer does on the company's screen is theirs: the way in, what they look
at, their own confirmation, and what they download or follow there (`_SCREEN_WORK`: "Download or
share a summary", "Follow the redemption flow"); what they choose or enter is a value the act takes. A text
whose every act is that (`company_form`: "Choose the source wallet ... Submit the conversion",
"Lock your dataset ... Export your packet", "Choose a split method") is rejected with the reason: no
company keeps a checklist of its customer's clicks, and its agent cannot do them. It was a
`do_step` checklist "marked done on your wallet's checklist", or opaque tools
(`follow_redemption_flow`, `download_share_summary`, `choose_method_appropriate`). A conversion or a
split a bank does itself is a service's tool (`service*.py`), not this text's steps.
"""
from __future__ import annotations

import re

from ...text import features as tf
from .steps import StepInfo

#: records a company keeps for its customer (the procedure's table, singular)
SERVICE_RECORDS = frozenset({
    "account", "alert", "bill", "booking", "card", "claim", "conversion", "dispute", "loan", "membership",
    "order", "payment", "plan", "policy", "redemption", "refund", "report", "reservation", "reward",
    "statement", "subscription", "summary", "transaction", "transfer", "wallet"})
#: the reader's own device or system, or the presses on its screen: a how-to done on it is operated step by step
#: (an account on it, "The root account can: ... Login to any accounts", is the system's, no company's)
_OWN_SCREEN = re.compile(r"\byour\s+(?:[\w-]+\s+)?(?:phone|smartphone|computer|pc|mac|laptop|tablet|device|console|"
                         r"tv|router|printer|desktop|keyboard|mouse)s?\b|\b(?:iphone|ipad|android)s?\b|"
                         r"\b(?:click|tap|double-click|right-click|swipe)(?:s|ed|ped|ping|ing)?\b|https?://|"
                         r"\b(?:root|administrator|admin)\s+(?:account|user|password)s?\b|"
                         r"\bon\s+(?:the|this|your)\s+(?:system|machine|computer)\b", re.IGNORECASE)
#: where a company's customer does things: their account with it, its app or site and their places
_APP_PLACE = re.compile(r"\b(?:accounts?|apps?|online|website|portal|dashboard|settings|menu|activity|mobile|profile)\b|"
                        r"\s[>\u203a]\s", re.IGNORECASE)
#: the verbs of getting to where the act is done, or of working the app's own controls
_WAY_IN = frozenset({"open", "navigate", "go", "sign", "log", "login", "access", "visit", "return", "scroll", "use",
                     "head", "launch"})
#: the verbs of looking at the screen
_LOOKING = frozenset({"see", "review", "view", "look", "watch"})
_CONFIRMING = frozenset({"confirm", "verify"})
#: the verbs of the customer's own hands on the app's screen: taking a file away, going through a
#: flow or a partner's steps ("Download or share a summary", "Follow the redemption flow to associate
#: your AWS account", "Complete the partner verification steps"). Not choosing or entering: what the
#: customer chooses or enters ("Choose the new plan", "Enter the amount") is a value the agent's act
#: takes from them
_SCREEN_WORK = frozenset({"download", "share", "print", "follow", "complete"})


def is_service_procedure(text: str, noun: str) -> bool:
    """Whether a procedure on records of kind `noun` is a company's service, not a how-to on one's device."""
    return tf.lemma(noun) in SERVICE_RECORDS and bool(_APP_PLACE.search(text)) and not _OWN_SCREEN.search(text)


#: the verbs of filling in a company's form or screen: choosing, entering, reviewing, submitting,
#: exporting, attaching ("Choose the source wallet", "Submit the conversion", "Export your packet")
_FORM_WORK = _SCREEN_WORK | frozenset({"choose", "select", "pick", "enter", "type", "fill", "review", "submit",
                                       "export", "attach", "lock", "verify", "confirm", "upload", "save"})


def company_form(text: str, noun: str, infos: list[StepInfo]) -> bool:
    """Whether a procedure is the customer's own work on a company's form: it acts on a record a
    company keeps for its customer (`SERVICE_RECORDS`: a wallet, a report, a bill), in a text worked
    on no screen or device of the reader's own, and every step is the filling in of a form or screen
    (`_FORM_WORK`: "Choose the source wallet and target currency. Enter an amount. Review the quote.
    Submit the conversion"): a company's help text even where it names no account or app. Those
    steps are no checklist the company keeps, nor tools of its agent. A how-to on things of one's
    own with a company's word ("Sort your cards. Hang the frames": hockey cards) is none."""
    return tf.lemma(noun) in SERVICE_RECORDS and not _OWN_SCREEN.search(text) and bool(infos) \
        and all(i.verb in _FORM_WORK for i in infos)


#: the verbs of picking what the screen shows or the form takes
_CHOOSING = frozenset({"choose", "select", "pick"})


def only_choosing(kept: list[StepInfo], title: str) -> bool:
    """Whether the agent's steps of a service procedure are only the customer's picks on a screen that
    no act of the title's follows ("Select the desired period" of "Tracking Your Environmental
    Impact", whose download was the customer's): it was `select_desired_period`, recording the pick.
    A pick under a title's act is the value the act takes ("Choose the start date" of "Freeze your
    gym membership": the freeze)."""
    part = re.split(r":\s+", title)[-1]
    part = re.sub(r"^how\s+(?:to|do\s+i|can\s+i)\s+", "", part.strip(), flags=re.IGNORECASE)
    return bool(kept) and all(i.verb in _CHOOSING and i.kind != "write" for i in kept) \
        and tf.leading_verb(part) is None


def agent_steps(infos: list[StepInfo]) -> list[StepInfo]:
    """The steps of a service procedure its agent carries out (see the module's docstring): without
    the way in, the looking and the customer's confirmation of an act done before it."""
    kept: list[StepInfo] = []
    acts: set[str] = set()
    for info in infos:
        if info.tool_id is None and _customers_own(info, acts):
            continue
        kept.append(info)
        if info.kind == "write":
            acts.add(info.verb)
    return kept


def _customers_own(info: StepInfo, acts: set[str]) -> bool:
    if info.verb in _WAY_IN and info.lexical_kind == "navigate":
        return True
    if info.verb in _LOOKING and info.kind == "read":
        return True
    if info.verb in _SCREEN_WORK:
        return True
    if info.verb in _CONFIRMING and acts and not _names_other(info, acts):
        return True  # "Confirm activation" after "Activate": the customer's yes to the act
    return False


def _names_other(info: StepInfo, acts: set[str]) -> bool:
    """Whether a confirming step names something other than an act done before it ("Confirm credit
    application status": a status, read; "Confirm activation": the activation)."""
    words = [w for w in info.object_words if w not in ("the", "your")]
    return bool(words) and not any(tf.verb_lemma(w) in acts or _act_noun(w, acts) for w in words)


def _act_noun(word: str, acts: set[str]) -> bool:
    """"activation" of activate, "cancellation" of cancel: the noun of an act (by its stem)."""
    stem = re.sub(r"(?:l?ation|ion|ment|al)$", "", word.lower())
    return any(len(stem) >= 4 and (a.startswith(stem) or stem.startswith(a.rstrip("e"))) for a in acts)
