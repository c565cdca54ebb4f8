"""The gym tool step's short paths say what the general ones say: the observation of one reply, the
parse of a one-call action, the call ids a parsed message takes, the loop check's kept texts."""
import json

import pytest

from gem_env.gym import actions
from gem_env.gym.env import _tool_observation
from gem_env.stages.ground import loops
from gem_env.stages.ground.episode import unique_call_id


def _reply(call_id: str, content: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


@pytest.mark.parametrize("replies", [
    [_reply("call_1", '{"order_id": "A1", "status": "shipped"}')],
    [_reply("c\u00e9", 'quote " and \\ and \n and \u2603')],
    [_reply("a", "{}"), _reply("b", "[1, 2]")],
    [_reply("a", "x"), _reply("b", "y"), _reply("c", "\u00e9")],
])
def test_the_observation_is_the_json_of_the_replies_for_one_reply_and_several(replies):
    assert _tool_observation(replies) == json.dumps(replies, ensure_ascii=False)


def _one_call_message(action: dict) -> dict | None:
    """The message `one_call`'s parts make, as `Episode.execute_one` records it."""
    parts = actions.one_call(action)
    if parts is None:
        return None
    content, call_id, name, arguments = parts
    return {"role": "assistant", "content": content,
            "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}]}


@pytest.mark.parametrize("action", [
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_9", "type": "function", "function": {"name": "get_order", "arguments": '{"id": "A1"}'}}]},
    {"content": "", "tool_calls": [{"id": "c", "function": {"name": "get_order", "arguments": "not json"}}]},
    {"content": "Let me look.", "tool_calls": [{"id": "c\u00e9", "function": {"name": "x", "arguments": ""}}]},
])
def test_a_one_call_action_read_in_place_is_the_message_parse_action_makes(action):
    assert _one_call_message(action) == actions.parse_action(action, used_ids=set())


@pytest.mark.parametrize("action", [
    {"tool_calls": [{"name": "get_order", "arguments": {"id": "A1", "n": 2}}]},  # short form, args an object
    {"tool_calls": [{"id": "a", "function": {"name": "t", "arguments": {}}}]},
    {"tool_calls": [{"function": {"name": "t", "arguments": "{}"}}]},  # no id
    {"tool_calls": [{"id": 3, "function": {"name": "t", "arguments": "{}"}}]},
    {"tool_calls": [{"id": "a", "function": {"name": "", "arguments": "{}"}}]},
    {"tool_calls": [{"id": "a", "function": "t"}]},
    {"tool_calls": ["get_order"]},
    {"role": "user", "tool_calls": [{"id": "a", "function": {"name": "t", "arguments": "{}"}}]},
    {"content": [{"type": "text", "text": "parts"}], "tool_calls": [{"id": "a", "function": {"name": "t", "arguments": "{}"}}]},
    {"tool_calls": [{"id": "a", "function": {"name": "t", "arguments": "{}"}}] * 2},
    {"content": "just words"},
    '{"tool_calls": [{"id": "a", "function": {"name": "t", "arguments": "{}"}}]}',  # JSON text
])
def test_every_other_action_is_left_to_parse_action(action):
    assert actions.one_call(action) is None


def test_parsed_call_ids_are_what_unique_call_id_gives():
    for ids in (["call_0"], ["a", "b"], ["x"], ["x", "call_1", "y"], ["call_1", "call_2", "call_3"]):
        used_short: set[str] = {"call_1", "x"}
        used_general = set(used_short)
        action = {"role": "assistant", "content": "",
                  "tool_calls": [{"id": i, "type": "function", "function": {"name": "t", "arguments": "{}"}} for i in ids]}
        message = actions.parse_action(action, used_ids=used_short)
        assert [c["id"] for c in message["tool_calls"]] == [unique_call_id(i, used_general) for i in ids]
        assert used_short == used_general and message["content"] is None
    twice = {"tool_calls": [{"id": "a", "function": {"name": "t", "arguments": "{}"}}] * 2}
    used = {"x"}
    with pytest.raises(actions.ActionError, match="unique within a message"):
        actions.parse_action(twice, used_ids=used)
    assert used == {"x"}  # nothing taken by an action that is no message


def test_the_loop_checks_kept_texts_are_the_texts_normalised(monkeypatch):
    monkeypatch.setattr(loops, "_NORMALS_MAX", 3)
    monkeypatch.setattr(loops, "_NORMAL_MAX_CHARS", 20)
    loops._NORMALS.clear()
    texts = ["Hello  There", "  a\tB\nc ", "Hello  There", "x" * 30 + " Y", "one", "two", "three", "  a\tB\nc "]
    for _ in range(2):  # the second time from what was kept (and what the full table let go)
        for t in texts:
            assert loops._normal(t) == " ".join(t.split()).lower()
    assert len(loops._NORMALS) <= 3 and all(len(t) <= 20 for t in loops._NORMALS)
    loops._NORMALS.clear()


def _elementwise(source: str):
    """The expression built with list literals and calls evaluated element by element (the
    general closures the short forms stand for)."""
    from gem_env.tools import expr

    saved = expr._SCALARS, expr._SHORT_ARITIES
    node = expr.parse(source)
    try:
        expr._SCALARS = expr._SHORT_ARITIES = ()  # each element evaluated, every call with its list
        return expr.build(node)
    finally:
        expr._SCALARS, expr._SHORT_ARITIES = saved


@pytest.mark.parametrize("source,env", [
    ("status in ['open', 'pending']", {"status": "open"}),
    ("status in ['open', 1, 2.5, true, null]", {"status": None}),
    ("['a', 'b']", {}),
    ("[['a'], 'b']", {}),
    ("days_between(bought, today) <= 30", {"bought": "2024-01-01", "today": "2024-01-20"}),
    ("days_between(bought, today)", {"bought": 3, "today": "2024-01-20"}),
    ("round(amount, 2)", {"amount": 1.23456}),
    ("add_days(day, 'x')", {"day": "2024-01-01"}),
])
def test_constant_lists_and_two_argument_calls_answer_as_the_general_closures(source, env):
    from gem_env.tools import expr
    from gem_env.tools.errors import ExprError

    def outcome(fn):
        try:
            return fn(dict(env), None)
        except ExprError as err:
            return ("error", str(err))
    short = expr.build(expr.parse(source))
    assert outcome(short) == outcome(_elementwise(source))
    first = outcome(short)
    if isinstance(first, list):  # a fresh list each time: changing one does not change the next
        first.append("changed")
        assert outcome(short) == outcome(_elementwise(source))
