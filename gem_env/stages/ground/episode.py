"""One conversation's state: messages, its own sandbox, limits and why it ended.

Shared by the LangGraph rollout and the gym environment: both drive an `Episode` with `start`,
`execute` (an assistant message) and `user_turn`. Failures of the user simulator end the episode
with a recorded reason instead of raising; a malformed assistant message raises `ValueError` so
that the caller decides (the rollout records `agent_error`, the gym answers with an observation).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import time
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from ...simulators.base import UserSimulator
from ...text.signals import is_question_title
from ...text.words import doing, indefinite
from ...simulators.scenario import STOP, Scenario
from ..tasks import Task
from .plan import PlannedTools, tool_schemas
from ...tools import CompiledDomain, Domain
from ...tools.render import date_words, gerund, sentence_case, singular
from ...tools.scratch import give_back, take_sandbox
from ...tools.signed_in import signed_in_line
from ..verify_reuse import RecordedCall, RecordingSandbox
from .loops import LoopWatch, is_infrastructure
from .policy_lines import policy_lines

Termination = Literal["user_stop", "max_turns", "tool_errors", "agent_error", "user_error", "infra_error", "loop"]
"""``infra_error``: the LLM endpoint failed (not the party's fault; eval leaves it out of pass^k);
``loop``: the conversation went round in circles (see ``loops.LoopWatch``)."""


@dataclass(frozen=True)
class Limits:
    """``max_turns``: assistant messages an episode may take; ``max_tool_errors``: consecutive
    failed tool calls before it is cut."""

    max_turns: int = 30
    max_tool_errors: int = 5


def policy_prompt(domain: Domain, scenario: Scenario | None = None) -> str:
    """The assistant's system prompt, as a real service writes one: who it serves and what with, how
    to work, and the service's policy (`policy_lines`: every rule its tools enforce and outcome it
    tells). No internal ids: the domain's name never appears, and names in the policy text that are
    none of this service's tools are said in words. Made once per domain object; a task's customer
    who is signed in (`Scenario.signed_in`) is said after the clock, as an app's assistant is told."""
    prompt = _domain_prompt(domain)
    line = signed_in_line(scenario.signed_in) if scenario is not None else ""
    if not line:
        return prompt
    head, sep, rest = prompt.partition(_HOW_TO_WORK)
    return f"{head}\n{line}{sep}{rest}"


def _domain_prompt(domain: Domain) -> str:
    kept = _PROMPTS.get(id(domain))
    if kept is not None and kept[0]() is domain:
        return kept[1]
    prompt = _policy_prompt(domain.description, policy_lines(domain), frozenset(t.name for t in domain.tools),
                            tuple(w.goal for w in domain.workflows), domain.clock, tuple(domain.guide))
    key = id(domain)
    _PROMPTS[key] = (weakref.ref(domain, lambda ref: _PROMPTS.pop(key, None) if _PROMPTS.get(key, (None,))[0] is ref
                                 else None), prompt)
    return prompt


_PROMPTS: dict[int, tuple[weakref.ref, str]] = {}
"""`policy_prompt` by domain object (a domain is no dict key), dropped with the domain."""
_HOW_TO_WORK = "\n\nHow to work:"
"""Where the prompt's opening (who it serves, the clock, a signed-in customer) ends."""


@lru_cache(maxsize=256)
def _policy_prompt(description: str, rules: tuple[str, ...], tools: frozenset[str],
                   goals: tuple[str, ...] = (), clock: str = "", guide: tuple[str, ...] = ()) -> str:
    """`policy_prompt` of what it reads of a domain: made once per domain, not per episode (every
    episode and every LLM agent asks for it). It says the domain's frozen now: the rules count from
    it ("within 60 days", "up to 24 hours before departure"), and the tools read it."""
    about = description.strip().rstrip(".")
    topics = re.findall(r"\(([^()]+)\)", about)
    topic = re.sub(r"\s+service$", "", topics[-1].strip()) if topics else ""  # "(cards service)": "our card service"
    topic = singular(topic) if topic.endswith("s") and " " not in topic else topic  # a noun before another is singular
    service = f" for our {topic} service" if topic and topic.lower() not in _GENERIC_TOPICS else ""
    about = re.sub(r"^(?:internal|external|faq|policy|guide)\s*:\s*", "", re.sub(r"\s*\([^()]*\)", "", about),
                   flags=re.IGNORECASE).strip()
    # a guide's title ("Bronze Saver Account: Adding authorized users") reads as one topic with a dash
    about = re.sub(r"\s*:\s+", " \u2014 ", about)
    product, dash, topic = about.partition(" \u2014 ")
    if dash and _NAMES_THE_GUIDE.fullmatch(topic):  # "...: Complete Guide" names the document
        about = product
    if dash and about == product and _is_name(product):
        # "Business Bronze Saver: Complete Guide": their product, and what the service does with it
        told = _what_they_do(goals, _theirs(product))
    else:
        told = _what_they_do(goals) if _NOT_A_TOPIC.search(about) else (_what_about(about) if about else "")
    lines = [f"You are a customer support assistant{service}." + (f" {told}" if told else ""), *_now(clock),
             "",
             "How to work:",
             "- Use the tools you have to look things up and make changes; never guess a value. Ask the "
             "customer for the details you need, only those the request needs.",
             "- Before any change, say in plain words what you will do and for which record, and wait for "
             "the customer's explicit yes. If they say no, change nothing.",
             "- If a policy rule does not allow a request, do not make the change: explain which rule applies.",
             "- Tell the customer the results in plain sentences. Never show tool names, field names or "
             "internal codes other than the reference numbers they need.",
             "- When you confirm or finish a change, say what the policy says happens next (timing, fees, "
             "refunds), in your own words and nothing more than it says.",
             "- Handle one request at a time; when it is settled, ask whether there is anything else, unless "
             "the customer has said they have more to go through."]
    if any(_FINDS_THE_CUSTOMER.match(t) for t in tools):  # the records have owners, whom the chat finds
        lines.insert(lines.index("- Handle one request at a time; when it is settled, ask whether there is anything "
                                 "else, unless the customer has said they have more to go through."),
                     "- Before telling the customer about a record they name by its number, or changing it, check "
                     "that it is theirs; if it is not, tell them nothing of it, change nothing and ask them to check "
                     "the number.")
    if rules:
        lines += ["", "Policy:", *(f"- {_in_words(' '.join(rule.split()), tools)}" for rule in rules)]  # one line each
    if guide:  # a how-to's steps, which its acts carry out one by one
        lines += ["", "The guide's steps, in order:", *(f"{k}. {step}" for k, step in enumerate(guide, 1))]
    return "\n".join(lines)


def _now(clock: str) -> list[str]:
    """"Today is Wednesday, January 15, 2025; the time is 12:00.", from the domain's frozen clock."""
    if not clock:
        return []
    now = dt.datetime.fromisoformat(clock)
    return [f"Today is {now:%A}, {date_words(now.date().isoformat())}; the time is {now:%H:%M}."]


#: a product's name: two to five capitalised words ("Blue Account", "BNPL Silver", "Business Gold Rewards Card")
_PRODUCT = re.compile(r"(?:[A-Z][\w'-]*\s+){1,4}[A-Z][\w'-]*")
#: a title's part that names the document, not what customers come about ("Complete Guide", "Getting
#: Started Guide", "API Integration Guide", "Complete Guide and Table of Contents", "FAQ")
_NAMES_THE_GUIDE = re.compile(r"(?:[\w-]+\s+){0,3}(?:guide|overview|faq|handbook|manual|introduction)"
                              r"(?:\s+and\s+table\s+of\s+contents)?", re.IGNORECASE)
_GENERIC_TOPICS = frozenset({"general", "misc", "other", "faq", "internal", "policy"})
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_FINDS_THE_CUSTOMER = re.compile(r"find_(?:customer|member|patient|guest|client|user|user_id)_by_email$"
                                 r"|find_\w+_by_name_zip$")
"""A read finding who the customer is (not a how-to's list of their records by email): the records
it reaches are someone's, told only to them."""


_NOT_A_TOPIC = re.compile(r"\s/\s|\b(?:polic(?:y|ies)|workflow|manual|guidelines?|handbook|faq|tau2|tau-bench)\b",
                          re.IGNORECASE)
"""A title that names the document or a place in a help centre's tree ("tau2 telecom main policy",
"Ordering Issue / Manage Cancel"), not what customers come about."""
_CUT_AT_VALUE = re.compile(r"\s+(?:to|because of|because|from|on|for|in|with|at|by)\s+(?:(?:the|a|an)\s+)?\{.*"
                           r"|\s+for\s+(?:the\s+)?one\b.*|\s*\{.*")
"""Where a goal's request ends and its values begin ("change my address| to {address}")."""
_BARE_NOUN_END = re.compile(r"\b(for|of|on|about|from) ([a-z]+)$")


def _what_they_do(goals: tuple[str, ...], about: str = "") -> str:
    """What customers come with, from what the service does for them (its workflows' requests, up
    to three: "... things like cancelling their order, creating a return for an item and changing
    their address"), for a title that says nothing of it; "" when no workflow is a request (or
    only what they come `about`, when given: "their Business Bronze Saver")."""
    done: list[str] = []
    objects: set[str] = set()  # "exchanging their item" is enough: not "swapping their item" too
    for goal in goals:
        text = re.sub(r"\s*\([^()]*\)", "", goal).strip()
        if re.match(r"(?:find out|pass|tell)\b", text, re.IGNORECASE) or ": " in text:
            continue  # a question or a handoff; a how-to's "Title: step" is its own topic
        text = _CUT_AT_VALUE.sub("", re.sub(r"\s*\{(?:\w+_id|id)\}", "", text)).strip(" ,.")
        text = _BARE_NOUN_END.sub(lambda m: f"{m.group(1)} {indefinite(m.group(2))}", text)
        verb, _, rest = _first_to_third(text).partition(" ")
        activity = f"{gerund(verb.lower())} {rest}".strip()  # a workflow's goal opens with its verb
        rest = re.sub(r"(?:^|\s+)(?:a new|an?|the|new)$", "", rest)  # "open a new {product_name}": its kind is unsaid
        if not rest:
            continue  # a verb alone ("transfer" of "Transfer {amount} from ...") says nothing
        if rest not in objects:
            objects.add(rest)
            done.append(activity)
        if len(done) == 3:
            break
    if not done:
        return f"Customers come to you about {about}." if about else ""
    listed = done[0] if len(done) == 1 else f"{', '.join(done[:-1])} and {done[-1]}"
    return f"Customers come to you about {about + ' and ' if about else ''}things like {listed}."


def _in_words(text: str, tools: frozenset[str]) -> str:
    """Policy text with names that are not this service's tools in words ("account_class" ->
    "account class", "open_bank_account_4821" -> "open bank account"): the source's own tool and
    field names mean nothing here."""
    return _SNAKE.sub(lambda m: m.group(0) if m.group(0) in tools
                      else re.sub(r"_\d+$", "", m.group(0)).replace("_", " "), text)


def _what_about(about: str) -> str:
    """What customers come with, from the document's title or the domain's description: a task as
    an activity ("... about things like returning an item"), a question as one ("... with questions
    like "Why was I charged a fee?""), a longer description as its own sentences. A guide's title
    that names a product first ("Blue Account: Managing your balance") says the product as theirs."""
    product, dash, topic = about.partition(" \u2014 ")
    if dash and _is_name(product) and topic:
        if is_question_title(topic):
            return f'Customers come to you about {_theirs(product)}, with questions like "{_third_person(topic)}"'
        topic = re.sub(r"^how to\s+", "", sentence_case(topic), flags=re.IGNORECASE)
        return f"Customers come to you about {_theirs(product)} and things like {doing(_third_person(topic))}."
    if is_question_title(about):
        return f'Customers come to you with questions like "{_third_person(about)}"'
    # "How do I stop a recurring payment?" -> "stopping a recurring payment" (was "... like how do I stop ...?.")
    how_to = re.match(r"how\s+(?:do\s+i|can\s+i|to)\s+(.+?)\??$", about, flags=re.IGNORECASE)
    if ". " in about or len(about.split()) > (20 if how_to else 12):  # a task is said as one however long
        return f"{about[:1].upper()}{about[1:]}."
    task = _first_to_third(_third_person(sentence_case(how_to.group(1) if how_to else about)))
    activity = doing(task)
    if how_to and activity == task:  # a verb the lexicon does not know: "things like how to sword cancel in halo 2"
        activity = f"how to {task}"
    return f"Customers come to you about things like {activity}."


#: what a customer holds, named last in a product's name ("Blue Account", "Business Bronze Saver")
_HELD = re.compile(r"(?:\b|(?-i:(?<=[a-z])(?=[A-Z])))(?:account|card|saver|checking|savings|loan|mortgage|plan|membership|"
                   r"policy|line)s?$", re.IGNORECASE)  # "EcoCard" too


def _is_name(text: str) -> bool:
    """A product's or a feature's name: "Blue Account", "EcoCard", "Split-the-Bill" (one word with
    a capital inside it), not a sentence's first word ("Overview")."""
    return bool(_PRODUCT.fullmatch(text) or re.fullmatch(r"[A-Z][\w'-]*[-A-Z][\w'-]*", text))


def _theirs(product: str) -> str:
    """"their Blue Account" of a product a customer holds; a feature or an app is named as it is
    ("User Blocking", "Everyone Pay", "QR Transfers")."""
    return f"their {product}" if _HELD.search(product) else product


def _first_to_third(text: str) -> str:
    """The asker's "my" of a how-do-I title is the customer's: "change my PIN" -> "change their PIN",
    "unblock someone I blocked" -> "... they blocked"."""
    text = re.sub(r"\bI'(m|ve|d|ll)\b", lambda m: {"m": "they're", "ve": "they've", "d": "they'd", "ll": "they'll"}[m.group(1)],
                  text)
    return re.sub(r"\bI\b", "they", re.sub(r"\bmy\b", "their", re.sub(r"\bmyself\b", "themselves", text)))


def _third_person(text: str) -> str:
    """A how-to title addressed to the reader, about the customer: "add a line to your account" ->
    "add a line to their account"."""
    text = re.sub(r"\byou're\b", "they're", re.sub(r"\byou are\b", "they are", text, flags=re.IGNORECASE),
                  flags=re.IGNORECASE)
    return re.sub(r"\byour\b", "their", re.sub(r"\byourself\b", "themselves", text))


def normalize_assistant(message: Any, used_ids: set[str]) -> dict[str, Any]:
    """A clean OpenAI assistant message from what an agent returned, or ``ValueError`` saying why not.

    Arguments given as an object are serialized; missing or repeated call ids get fresh ones
    (``call_<n>``), which are added to ``used_ids``.
    """
    if not isinstance(message, dict):
        raise ValueError(f"an assistant message must be a dict, not {type(message).__name__}")
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise ValueError("assistant content must be a string or null")
    raw_calls = message.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise ValueError("tool_calls must be a list")
    calls = []
    for call in raw_calls:
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ValueError(f"a tool call needs function.name: {call!r}"[:200])
        args = fn.get("arguments")
        if not isinstance(args, str):
            args = json.dumps({} if args is None else args, ensure_ascii=False)
        calls.append({"id": unique_call_id(call.get("id"), used_ids), "type": "function",
                      "function": {"name": fn["name"], "arguments": args}})
    out: dict[str, Any] = {"role": "assistant", "content": content or (None if calls else "")}
    if calls:
        out["tool_calls"] = calls
    return out


def unique_call_id(call_id: Any, used_ids: set[str]) -> str:
    """``call_id`` when it is a new non-empty string, else the first free ``call_<n>`` (n from the
    number of ids used); added to ``used_ids``."""
    if not isinstance(call_id, str) or not call_id or call_id in used_ids:
        n = len(used_ids)
        while f"call_{n}" in used_ids:
            n += 1
        call_id = f"call_{n}"
    used_ids.add(call_id)
    return call_id


class Episode:
    """A task's conversation between a user simulator and an assistant, over a fresh sandbox.

    ``messages`` starts with the system message (the policy). ``turns`` counts assistant messages.
    The episode is ``done`` once ``termination`` is set: the user's STOP, the turn limit, too many
    consecutive tool errors, or an agent/user failure (``error`` says what).
    """

    def __init__(self, task: Task, compiled: CompiledDomain, user: UserSimulator, *,
                 max_turns: int = 30, max_tool_errors: int = 5, policy: str | None = None,
                 record_calls: bool = False) -> None:
        self.task = task
        self.compiled = compiled
        self.user = user
        # the turn limit is per request: a session's requests, a refined session's follow-up requests
        requests = max(1, len(task.scenario.requests)) + len(task.followups)
        self.limits = Limits(max_turns * requests, max_tool_errors)
        started = time.perf_counter()
        self.sandbox = take_sandbox(compiled)  # pooled per domain: handed back by `close`
        self._sandbox_open = True
        # every call recorded for verification to reuse, when asked (a rollout asks; the gym's
        # steps need not pay for it): `recorded_calls`
        self.recording = RecordingSandbox(self.sandbox) if record_calls else None
        self.tools = PlannedTools(self.recording or self.sandbox, task.plan)  # type: ignore[arg-type]
        self._all_tools = None if self.tools.may_hide else tool_schemas(compiled, self.tools.available([]))
        """The schemas of every turn when no tool is ever hidden (made once, not per step)."""
        self.policy = policy if policy is not None else policy_prompt(compiled.domain, task.scenario)
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": self.policy}]
        self.turns = 0
        self.tool_calls = 0
        self.tool_errors = 0
        self.termination: Termination | None = None
        self.error: str | None = None
        # "agent" is kept by whoever drives the assistant
        self.seconds = {"sandbox": time.perf_counter() - started, "user": 0.0, "agent": 0.0}
        self._consecutive_errors = 0
        self.call_ids: set[str] = set()
        self._loops = LoopWatch()

    @property
    def recorded_calls(self) -> list[RecordedCall] | None:
        """The sandbox calls so far with their results, when ``record_calls`` (`verify(...,
        recorded=)` reuses the reads); None otherwise."""
        return None if self.recording is None else self.recording.calls

    @property
    def done(self) -> bool:
        return self.termination is not None

    async def start(self) -> str:
        """The user's opening message."""
        if len(self.messages) > 1:
            raise RuntimeError("the episode has already started")
        return await self.user_turn()

    def execute(self, message: Any) -> list[dict[str, Any]]:
        """Record an assistant message and run its tool calls in the sandbox, in order.

        Returns the tool messages (empty when the message speaks to the user). Raises ``ValueError``
        for a malformed message, which is then not recorded.
        """
        self._check_open()
        return self.execute_normal(normalize_assistant(message, self.call_ids))

    def execute_normal(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        """`execute` for a message already in the form `normalize_assistant` gives, its call ids
        unique among `call_ids` (what `gem_env.gym.parse_action(..., used_ids=episode.call_ids)`
        returns): recorded as it is, not normalised again."""
        if self.termination is not None:
            self._check_open()
        messages = self.messages
        messages.append(msg)
        self.turns += 1
        calls = msg.get("tool_calls")
        if not calls:  # a spoken message is checked after the user's answer, which comes next
            if self._consecutive_errors >= self.limits.max_tool_errors:
                self.termination = "tool_errors"
            return []
        # without a plan a call is the sandbox's; a plan reads the conversation before this message
        tools = self.tools
        direct = tools.sandbox.call if tools.plan is None else None
        history = messages[:-1] if direct is None else messages
        clock, seconds = time.perf_counter, self.seconds
        replies, signed, contents = [], [], []
        for call in calls:
            fn = call["function"]
            name, arguments = fn["name"], fn["arguments"]
            started = clock()
            result = direct(name, arguments) if direct is not None else tools.call(name, arguments, history)
            seconds["sandbox"] += clock() - started
            if result.ok:
                self._consecutive_errors = 0
            else:
                self.tool_errors += 1
                self._consecutive_errors += 1
            content = result.content
            replies.append({"role": "tool", "tool_call_id": call["id"], "content": content})
            signed.append(name + arguments)
            contents.append(content)
        messages.extend(replies)
        self.tool_calls += len(calls)
        self._after_calls(messages, msg["content"], tuple(signed), contents)
        return replies

    def execute_one(self, content: str | None, call_id: str, name: str, arguments: str) -> str:
        """`execute_normal` of a message that makes one call, given by its parts (what
        `gem_env.gym.actions.one_call` reads; `call_id` not among `call_ids`, `content` None rather
        than empty): the message and its tool reply recorded, the reply's text returned. Most of a
        trainer's steps are this; it builds no list of replies."""
        if self.termination is not None:
            self._check_open()
        self.call_ids.add(call_id)
        messages = self.messages
        messages.append({"role": "assistant", "content": content, "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}]})
        self.turns += 1
        tools = self.tools
        started = time.perf_counter()
        if tools.plan is None:
            result = tools.sandbox.call(name, arguments)
        else:
            result = tools.call(name, arguments, messages[:-1])
        self.seconds["sandbox"] += time.perf_counter() - started
        if result.ok:
            self._consecutive_errors = 0
        else:
            self.tool_errors += 1
            self._consecutive_errors += 1
        text = result.content
        messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
        self.tool_calls += 1
        self._after_calls(messages, content, (name + arguments,), [text])
        return text

    def _after_calls(self, messages: list[dict[str, Any]], content: str | None, signed: tuple[str, ...],
                     contents: list[str]) -> None:
        """The episode's end after a message's calls were answered: too many errors in a row, the
        turn limit, or a loop (`signed`: each call's name and arguments; `contents`: the replies)."""
        if self._consecutive_errors >= self.limits.max_tool_errors:
            self.termination = "tool_errors"
        elif self.turns >= self.limits.max_turns:
            self.termination = "max_turns"
        else:
            reason = self._loops.after_calls(messages, content, signed, contents)
            if reason is not None:
                self.fail("loop", reason)

    def current_tools(self) -> list[dict[str, Any]]:
        """The OpenAI schemas of the tools the assistant has now (a refined task may hide some)."""
        if self._all_tools is not None:
            return list(self._all_tools)
        return tool_schemas(self.compiled, self.tools.available(self.messages))

    async def user_turn(self) -> str:
        """The user's reply to the conversation so far (appended); "" when the user failed."""
        self._check_open()
        started = time.perf_counter()
        try:
            text = await self.user.reply(self.messages)
            if not isinstance(text, str):
                raise TypeError(f"user simulator returned {type(text).__name__}, not str")
        except Exception as err:  # noqa: BLE001 -- any failure of the simulator ends the episode
            self.fail("infra_error" if is_infrastructure(err) else "user_error", err)
            return ""
        finally:
            self.seconds["user"] += time.perf_counter() - started
        self.messages.append({"role": "user", "content": text})
        if STOP in text:
            self.termination = "user_stop"
        elif self.turns >= self.limits.max_turns:
            self.termination = "max_turns"
        else:
            self._check_loop()
        return text

    def fail(self, reason: Termination, error: BaseException | str) -> None:
        """End the episode because a participant failed."""
        self.termination = reason
        self.error = error if isinstance(error, str) else f"{type(error).__name__}: {error}"

    def _check_loop(self) -> None:
        reason = self._loops.reason(self.messages)
        if reason is not None:
            self.fail("loop", reason)

    def close(self) -> None:
        """Hand the sandbox back to the domain's pool (once: a second close does nothing)."""
        if self._sandbox_open:
            self._sandbox_open = False
            give_back(self.compiled, self.sandbox)

    def _check_open(self) -> None:
        if self.done:
            raise RuntimeError(f"the episode has ended ({self.termination})")
