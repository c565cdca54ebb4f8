"""Stage 1: keep documents that describe a multi-step procedure a tool-using assistant could
carry out for a user.

Two interchangeable backends return the same `Verdict`:

- `OfflineFilter` scores evidence in the text itself (`text.features`, `text.signals`) with a
  logistic model over the hand-made features in `FEATURES` plus learned weights for the words its
  instructions use (`text.signals.instruction_words`: "tap", "settings", ">" for an app; "stir",
  "soil" against) and, held closer to 0, for the words of the whole text (`text_words`:
  "minecraft", "inventory" for a game; "recipe" against); weights and threshold are data
  (`filter_weights.py`), trained by ``bench/train_filter.py`` on the hand-labelled samples v1 to
  v11 and the example corpus, and measured by ``bench/filter_quality.py`` on v12, which it never
  saw.
- `LLMFilter` asks a chat model through `gem_env.llm.LLMClient` with a judge prompt.
- `BandedFilter` is the offline filter with the documents it scores near its threshold (the
  uncertain band) sent to an `LLMFilter` when a model is configured (``--filter banded``).
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ..documents import Document, Verdict
from ..text import features as tf
from ..text.signals import instruction_words, is_question_title, is_task_title, machine_signals
from ..text.words import tokens
from . import filter_weights

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from ..llm import LLMClient, Usage

# ---------------------------------------------------------------- the offline model

#: The model's inputs, each scaled to [0, 1]: what it measures, and how a reason names it (fields
#: of `TextFeatures` / `MachineSignals` in braces). Positive evidence says "steps someone carries
#: out on a machine (an app, a site, a shell, a game, a device)"; negative evidence says
#: "reference, narrative, a cheat sheet, advice, or hands-on work without a machine".
FEATURES: dict[str, tuple[str, str]] = {
    "steps": ("instruction steps in the main procedure, 5+ -> 1", "{steps} steps"),
    "system_actions": ("share of those steps acting on a system, service or person", "system actions"),
    "system_steps": ("share of the steps naming something a system keeps", "steps on a system"),
    "system_nouns": ("such words per 100 words, 6+ -> 1", "system vocabulary"),
    "advice": ("the main list sits under Tips / Best practices / Benefits", "advice list"),
    "sequence": ("first / then / next / finally, 3+ -> 1", "sequencing words"),
    "heading": ("How to ..., Steps, a title that opens with a verb", "procedural heading"),
    "conditions": ("only / unless / cannot / must / within / before clauses, 4+ -> 1",
                   "{strong_conditions} conditions"),
    "fields": ("distinct named fields and identifiers, 5+ -> 1", "{fields} named fields"),
    "commands": ("shell or code lines that are not cheat-sheet examples, 4+ -> 1",
                 "{code_lines} command lines"),
    "command_runs": ("runs of 2+ command lines in a row, 2+ -> 1", "command sequences"),
    "examples": ("list items that only introduce a command example", "command cheat sheet"),
    "tables": ("share of lines in tables", "tables"),
    "physical": ("share of the steps that are hands-on verbs (stir, bake, fold)", "hands-on steps"),
    "physical_nouns": ("food, fabric, plants, bodies, animals per 100 words, 5+ -> 1",
                       "physical-world vocabulary"),
    "narrative": ("past-tense narrative markers per sentence", "past-tense narrative"),
    "dates": ("years and month names per 100 words, 3+ -> 1", "dates"),
    "ui_nouns": ("interface nouns (button, menu, screen, app) per 100 words, 4+ -> 1",
                 "interface vocabulary"),
    "ui_steps": ("instructions operating a named control (Select Save), 3+ -> 1",
                 "{ui_steps} interface steps"),
    "ui_share": ("share of the instructions that operate a named control", "mostly interface steps"),
    "ui_run": ("interface steps in one list or paragraph, 2+ -> 1", "{ui_run} interface steps in a row"),
    "machine_run": ("instructions on a system or a control in one list, 3+ -> 1",
                    "{machine_run} steps on a machine in a row"),
    "numbered_system": ("a numbered procedure whose steps name a system", "numbered steps on a system"),
    "numbered_physical": ("a numbered procedure of hands-on steps", "numbered hands-on steps"),
    "operate_run": ("instructions that change or move something in one list, 3+ -> 1",
                    "{operate_run} operating steps in a row"),
    "task_sections": ("headings naming a task over instruction items, 2+ -> 1", "task sections"),
    "task_title": ("the title names a task (How do I ..., Setting up ..., Cancel ...)", "task title"),
    "question_title": ("the title asks about a fact (Why was I charged ...?, What can ...?)",
                       "a question title (an FAQ answer)"),
    "tool_actions": ("agent-console actions and tool names, 3+ -> 1", "{tool_actions} tool actions"),
    "game": ("game-world words per 100 words, 3+ -> 1", "a game"),
    "money": ("amounts and percentages per 100 words, 5+ -> 1", "amounts and rates"),
    "long_steps": ("mean words per step, 60+ -> 1 (an article, not a procedure), unless the text "
                   "directs an agent (agent_policy)", "{step_words}-word steps"),
    "agent_policy": ("sentences instructing an agent about the user it serves, 4+ -> 1",
                     "{agent_directives} instructions to an agent"),
    "chained_commands": ("command lines reusing a path an earlier one named, 3+ -> 1",
                         "{chained_commands} chained commands"),
    "statements": ("share of the list items that state rather than instruct (4+ items)",
                   "{statement_items} of {list_items} items are statements"),
    "title_machine": ("the title names an app, a device, a platform or a game (on Android, in Excel, "
                      "for Wii)", "a title naming a machine"),
    "title_named": ("the title's goal is in or on a named thing (in Final Fantasy X-2, on Halo 3, "
                    "using Fraps)", "a title naming where it happens"),
}

#: What a title names when the text is about operating a machine: platforms, device classes,
#: well-known programs and sites, consoles and a few games (general knowledge; a how-to title
#: "... on Android" or "... in Minecraft" says what the steps act on, which short how-to steps
#: such as "Craft a bed." do not).
_TITLE_MACHINE = re.compile(
    r"\b(?:android|iphone|ipad|ipod|ios|mac|macos|os x|windows|linux|ubuntu|pc|computer|laptop|tablet|"
    r"smartphone|phone|app|apps|software|browser|chrome|firefox|safari|internet explorer|google|gmail|"
    r"yahoo|outlook|e-?mail|facebook|twitter|instagram|youtube|skype|whatsapp|snapchat|tumblr|pinterest|"
    r"linkedin|ebay|amazon|paypal|spotify|netflix|itunes|kindle|microsoft|word|excel|powerpoint|publisher|"
    r"photoshop|gimp|acrobat|pdf|website|web ?site|online|internet|wi-?fi|bluetooth|router|printer|tv|"
    r"dvd|usb|xbox|playstation|ps[1-5]|psp|nintendo|ds|3ds|wii|gamecube|game ?boy|steam|minecraft|"
    r"pok[eé]mon|roblox|sims|runescape|halo|animal crossing|video ?games?|calculator|camera|gps)\b", re.I)

#: A goal set in or on a named thing: a preposition then a capitalised word or a number, no article
#: ("... in Final Fantasy X-2", "... on Nintendo 64"; not "... in a Toyota Prius"). A wikiHow title's
#: " - " subtitle is left out. Places match too ("in Oregon"): the weight is learned.
_TITLE_NAMED = re.compile(r"\b(?:in|on|for|with|using|from)\s+(?!(?:a|an|the|your|my|his|her|their|its|this|"
                          r"that|A|An|The|Your)\b)[A-Z0-9]")

#: Features that are evidence against relevance; every other one is evidence for it. Training keeps
#: each weight on its side (a feature whose fitted weight would flip is left out, weight 0), so a
#: reason never cites, say, "3 interface steps" against a procedure.
EVIDENCE_AGAINST = frozenset({"advice", "examples", "tables", "physical", "physical_nouns", "narrative",
                              "dates", "numbered_physical", "money", "long_steps", "statements",
                              "question_title"})

#: Trained weights (bench/train_filter.py on v1 to v11 of the hand labels), committed as data.
BIAS, WEIGHTS, DEFAULT_THRESHOLD = filter_weights.BIAS, filter_weights.WEIGHTS, filter_weights.THRESHOLD
#: Learned weight of each word an instruction may use (unlisted words weigh 0).
WORDS: dict[str, float] = filter_weights.WORDS
#: Learned weight of each word the whole text may use (unlisted words weigh 0).
TEXT_WORDS: dict[str, float] = filter_weights.TEXT_WORDS


#: Words a reason could not explain anything by ("words such as 'of', 'and'"): left out of
#: `text_words`, as are numbers.
_FUNCTION_WORDS = frozenset(
    "a an the and or nor but of to in on at by for from with into onto as than so if is are was were be "
    "been being am it its it's this that these those there here which who whom whose i me my we us our "
    "you your yours he him his she her they them their one each all any some both such not no".split())


def text_words(text: str) -> frozenset[str]:
    """The distinct lower-case words of the whole text (the cached `tokens` pass the features
    already made) but function words and numbers: what `TEXT_WORDS` weighs."""
    return frozenset(w for w in tokens(text).words if w not in _FUNCTION_WORDS and not w.isdigit())


def _cap(x: float, top: float) -> float:
    return min(x, top) / top


def feature_values(doc: Document) -> tuple[dict[str, float], dict[str, int]]:
    """The model's inputs, each in [0, 1], and the raw counts they came from."""
    f, m = tf.features(doc.text), machine_signals(doc.text)
    heading = f.procedural_headings + (1 if doc.title and tf.is_procedural_heading(doc.title) else 0)
    lines = max(1, doc.text.count("\n") + 1)
    verbs, words, sents = max(1, f.step_verbs), max(1, f.words), max(1, f.sentences)
    agent_policy = _cap(m.agent_directives, 4)
    values = {
        "steps": _cap(f.step_verbs, 5),
        "system_actions": f.system_verbs / verbs if f.step_verbs >= 2 else 0.0,
        "system_steps": f.system_steps / max(1, f.steps),
        "system_nouns": _cap(100 * f.system_nouns / words, 6),
        "advice": float(f.advice),
        "sequence": _cap(f.sequence_words, 3),
        "heading": _cap(heading, 1),
        "conditions": _cap(f.strong_conditions, 4),
        "fields": _cap(f.fields, 5),
        "commands": _cap(max(0, f.code_lines - f.example_items), 4),
        "command_runs": _cap(m.command_runs, 2),
        "examples": _cap(f.example_items, 3),
        "tables": min(1.0, 2 * f.table_lines / lines),
        "physical": f.physical_verbs / verbs,
        "physical_nouns": _cap(100 * m.physical_nouns / words, 5),
        "narrative": min(1.0, f.past_tense / sents),
        "dates": _cap(100 * f.dates / words, 3),
        "ui_nouns": _cap(100 * m.ui_nouns / words, 4),
        "ui_steps": _cap(m.ui_steps, 3),
        "ui_share": m.ui_steps / max(1, f.instructions),
        "ui_run": _cap(m.ui_run, 2),
        "machine_run": _cap(m.machine_run, 3),
        "numbered_system": float(f.numbered) * f.system_steps / max(1, f.steps),
        "numbered_physical": float(f.numbered) * max(f.physical_verbs / verbs, _cap(100 * m.physical_nouns / words, 5)),
        "operate_run": _cap(m.operate_run, 3),
        "task_sections": _cap(m.task_sections, 2),
        "task_title": float(bool(doc.title) and is_task_title(doc.title)),
        "question_title": float(bool(doc.title) and is_question_title(doc.title)),
        "tool_actions": _cap(m.tool_actions, 3),
        "game": _cap(100 * m.game_words / words, 3),
        "money": _cap(100 * m.money / words, 5),
        # an agent policy's bullets are long because each carries its conditions: not an article
        "long_steps": _cap(m.step_words, 60) * (1.0 - agent_policy),
        "agent_policy": agent_policy,
        "chained_commands": _cap(m.chained_commands, 3),
        "statements": m.statement_items / m.list_items if m.list_items >= 4 else 0.0,
        "title_machine": float(bool(doc.title) and _TITLE_MACHINE.search(doc.title) is not None),
        "title_named": float(bool(doc.title) and _TITLE_NAMED.search(doc.title.split(" - ")[0]) is not None),
    }
    counts = {name: getattr(f, name) for name in f.__slots__} | {name: getattr(m, name) for name in m.__slots__}
    return values, counts


class OfflineFilter:
    """Rules over the text's own structure; no network, deterministic, thousands of docs/s."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold

    def score(self, doc: Document) -> float:
        values, _ = feature_values(doc)
        words = sum(WORDS.get(w, 0.0) for w in sorted(instruction_words(doc.text)))
        vocabulary = sum(TEXT_WORDS.get(w, 0.0) for w in sorted(text_words(doc.text)))
        return _sigmoid(BIAS + words + vocabulary + sum(WEIGHTS[k] * v for k, v in values.items()))

    def judge(self, doc: Document) -> Verdict:
        values, counts = feature_values(doc)
        contrib = {k: WEIGHTS[k] * v for k, v in values.items() if v}
        # sorted: a frozenset's order follows the per-process string hash, and float sums follow it
        wording = {w: WORDS[w] for w in sorted(instruction_words(doc.text)) if w in WORDS}
        vocabulary = {w: TEXT_WORDS[w] for w in sorted(text_words(doc.text)) if w in TEXT_WORDS}
        score = _sigmoid(BIAS + sum(contrib.values()) + sum(wording.values()) + sum(vocabulary.values()))
        relevant = score >= self.threshold
        return Verdict(
            id=doc.id,
            relevant=relevant,
            score=round(score, 4),
            reason=_reason(contrib, counts, relevant, wording, vocabulary),
            labels=classify(doc, relevant),
        )


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


#: Evidence weaker than this (in log-odds) is not cited in a reason.
MIN_CITED = 0.15


def _reason(contrib: dict[str, float], counts: dict[str, int], relevant: bool,
            wording: dict[str, float], vocabulary: dict[str, float] | None = None) -> str:
    """The strongest evidence for the decision, then the strongest against it. The instructions'
    wording counts as one piece of evidence, and the whole text's vocabulary as another, each on
    the side its summed weight falls, citing the words that pull that way."""
    described = {k: FEATURES[k][1].format(**counts) for k in contrib}
    for key, weights, lead in (("wording", wording, "instructions worded "),
                               ("vocabulary", vocabulary or {}, "words such as ")):
        total = sum(weights.values())
        if weights and abs(total) >= MIN_CITED:
            side = sorted((w for w in weights if (weights[w] > 0) == (total > 0)),
                          key=lambda w: (-abs(weights[w]), w))
            contrib = contrib | {key: total}
            described[key] = lead + ", ".join(f"'{w}'" for w in side[:3])
    ranked = sorted((k for k in contrib if abs(contrib[k]) >= MIN_CITED), key=lambda k: -abs(contrib[k]))
    pro = [described[k] for k in ranked if (contrib[k] > 0) == relevant][:3]
    con = [described[k] for k in ranked if (contrib[k] > 0) != relevant][:2]
    head = ("procedure: " if relevant else "not a procedure: ") + (", ".join(pro) or "little evidence")
    return head + (f" (against: {', '.join(con)})" if con else "")


# ---------------------------------------------------------------- labels


def _phrases(spec: str) -> list[str]:
    """"a b|c d" -> single words a, b and the phrase "c d" (phrases after the first bar)."""
    words, *phrases = spec.split("|")
    return words.split() + phrases


DOMAINS = tf.Lexicon({name: _phrases(spec) for name, spec in {
    "banking": "bank banking debit deposit withdrawal wire loan mortgage apy apr overdraft checking balance funds "
               "savings atm statement bnpl installment installments interest cashback treasury "
               "|routing number|credit card|debit card|card limit|cash back|annual fee|credit score"
               "|buy now, pay later|bill pay|account tier|rewards card",
    "retail": "order shipping shipment delivery deliver return exchange cart checkout item "
              "product store coupon|promo code|tracking number",
    "airline": "flight airline baggage luggage boarding passenger seat cabin fare airport",
    "travel": "hotel room check-in check-out stay guest itinerary|rental car",
    # not "data", "text", "call" or "signal" alone (a bank's API guide syncs data and calls endpoints),
    # nor "phone number", which every service keeps
    "telecom": "mobile sim esim e-sim roaming carrier telecom|data plan|phone plan|mobile plan"
               "|text message|text messages|phone call|phone calls|mobile data|data allowance|signal strength",
    "health": "appointment clinic doctor patient prescription pharmacy refill medical dentist "
              "nurse symptom",
    "software": "install installation package command server file directory config "
                "configuration sudo apt kernel linux debian terminal shell script git program "
                "software app",
    "home": "kitchen recipe cook bake garden gardening clean cleaning furniture oven laundry paint",
    "library": "library borrow renew renewal hold fine catalogue catalog book|library card"
               "|loan period",
    "utility": "meter electricity utility outage energy tariff|meter reading|water bill|gas bill",
}.items()})

CATEGORIES = tf.Lexicon({name: _phrases(spec) for name, spec in {
    "account": "password username profile freeze unfreeze suspend membership|authorized user"
               "|verify identity|add a line|change plan|change your plan|credit limit"
               "|limit increase|change address|change the address|open an account"
               "|close an account|close your account",
    "payment": "payment pay refund charge dispute bill invoice transfer transaction fee redeem "
               "redemption",
    "order": "order return exchange shipping cart delivery",
    "booking": "book booking reservation appointment reschedule flight check-in",
    "troubleshooting": "troubleshoot troubleshooting error fail failure issue problem fix "
                       "doesn't won't can't|not working",
    "policy": "policy agent eligible eligibility terms allowed guideline",
}.items()})


def classify(doc: Document, relevant: bool) -> dict[str, str]:
    """Domain and task category by keyword lexicons; title words count three times."""
    domain = _best(DOMAINS, doc) or "general"
    category = _best(CATEGORIES, doc)
    if not relevant:
        category = "policy" if category == "policy" else "reference"
    return {"domain": domain, "category": category or "how-to"}


def _best(lexicon: tf.Lexicon, doc: Document, minimum: int = 2) -> str | None:
    """The label whose words the document uses most: a phrase counts once per word ("debit card"
    says banking more surely than "delivery" says retail), a title's words three times."""
    counts: dict[str, int] = {}
    for text, weight in ((doc.text, 1), (doc.title, 3)):
        for label, start, end in lexicon.matches(tf.tokens(text).words):
            counts[label] = counts.get(label, 0) + weight * (end - start)
    if not counts:
        return None
    label = max(counts, key=lambda k: counts[k])  # ties: the label listed first
    return label if counts[label] >= minimum else None


# ---------------------------------------------------------------- the LLM judge


class JudgeOutput(BaseModel):
    """What the judge model must answer, validated before use."""

    relevant: bool = Field(description="true if the document describes a multi-step procedure "
                                       "a tool-using assistant could carry out for a user")
    score: float = Field(ge=0.0, le=1.0, description="confidence that the document is relevant, 0 to 1")
    reason: str = Field(min_length=3, description="one short sentence naming the evidence")
    domain: str = Field(description="banking, retail, airline, travel, telecom, health, software, "
                                    "home, library, utility or general")
    category: str = Field(description="account, payment, order, booking, troubleshooting, how-to, "
                                      "policy or reference")


JUDGE_SYSTEM = """\
You screen documents for a pipeline that turns written procedures into tool-using agents.

Decide whether the document describes a MULTI-STEP PROCEDURE THAT A TOOL-USING ASSISTANT COULD \
CARRY OUT FOR A USER: two or more actions toward one goal, performed on a system or service \
(accounts, orders, bookings, payments, subscriptions, records, settings, software, shell \
commands), such as a help-centre article, an agent policy with procedures, or troubleshooting \
that ends in actions on the service.

Relevant (relevant=true), for example:
- "To cancel an order: 1. Look up the order by its order number. 2. Check it is still pending. \
3. Cancel it and refund the original payment method."
- an agent policy: authenticate the user, then modify a reservation only if conditions hold.
- system administration steps: edit a configuration file, restart the service, check its status.

Not relevant (relevant=false):
- reference prose: fee tables, product features, definitions, glossaries, specifications.
- news, announcements, company history, opinion, narrative.
- lists of independent tips or alternatives, and command cheat sheets of one-line examples.
- hands-on physical procedures no software could perform (recipes, crafts, sport, first aid).

Judge only from the document. Give `score` as your confidence that the document is relevant \
(high when relevant=true, low when false). Keep `reason` to one sentence naming the evidence \
(steps, actions, conditions, fields). Pick `domain` and `category` from the listed values."""

MAX_CHARS = 6000


def judge_messages(doc: Document) -> list[BaseMessage]:
    """The judge prompt for one document; long documents are cut at `MAX_CHARS`."""
    from langchain_core.messages import HumanMessage, SystemMessage

    text = doc.text if len(doc.text) <= MAX_CHARS else doc.text[:MAX_CHARS] + "\n[... truncated]"
    title = f"Title: {doc.title}\n" if doc.title else ""
    return [SystemMessage(JUDGE_SYSTEM), HumanMessage(f"{title}Document:\n<<<\n{text}\n>>>")]


class LLMFilter:
    """A chat model as judge, through `gem_env.llm.LLMClient` (structured output, bounded re-ask).

    A model that never produces a valid `JudgeOutput` makes the document irrelevant, with the
    last validation error as the reason ("llm: ...").
    """

    def __init__(self, client: LLMClient) -> None:
        self.client = client

    async def ajudge(self, doc: Document) -> tuple[Verdict, Usage]:
        result = await self.client.structured(judge_messages(doc), schema=JudgeOutput)
        out = result.value
        if out is None:
            return Verdict(id=doc.id, relevant=False, score=0.0, reason=f"llm: {result.error}"), result.usage
        category = out.category.strip().lower() or ("how-to" if out.relevant else "reference")
        verdict = Verdict(
            id=doc.id,
            relevant=out.relevant,
            score=out.score,
            reason=" ".join(out.reason.split())[:300],
            labels={"domain": out.domain.strip().lower() or "general", "category": category},
        )
        return verdict, result.usage


# ---------------------------------------------------------------- the uncertain band

#: Half-width of the uncertain band, in log-odds around the threshold: an offline score this close
#: to the threshold is a coin toss the model's own mistakes cluster in (bench/filter_quality.py
#: reports the share of documents and of out-of-fold errors inside it).
BAND = 1.0


def in_band(score: float, threshold: float = DEFAULT_THRESHOLD, band: float = BAND) -> bool:
    """Whether an offline score lies within `band` log-odds of the threshold."""
    return abs(_logit(score) - _logit(threshold)) < band


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


class BandedFilter:
    """The offline filter, with the documents it is unsure of sent to a chat model.

    Every document is scored offline; one whose score lies in the uncertain band (`in_band`) is
    judged by `llm` when one is given, and its verdict says so ("uncertain offline (0.41): ...").
    Without a model the band keeps the offline verdict, so offline runs are unchanged.
    """

    def __init__(self, offline: OfflineFilter | None = None, llm: LLMFilter | None = None,
                 band: float = BAND) -> None:
        self.offline, self.llm, self.band = offline or OfflineFilter(), llm, band

    def judge(self, doc: Document) -> Verdict:
        """The offline verdict (what the band falls back to without a model)."""
        return self.offline.judge(doc)

    async def ajudge(self, doc: Document) -> tuple[Verdict, Usage]:
        from ..llm import Usage

        verdict = self.offline.judge(doc)
        if self.llm is None or not in_band(verdict.score, self.offline.threshold, self.band):
            return verdict, Usage()
        judged, usage = await self.llm.ajudge(doc)
        reason = f"uncertain offline ({verdict.score:.2f}): {judged.reason}"
        return judged.model_copy(update={"reason": reason[:300]}), usage
