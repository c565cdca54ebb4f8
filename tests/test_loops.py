"""`loop_reason`: a conversation going round in circles is told from one that makes progress."""
from gem_env.stages.ground.loops import LoopWatch, loop_reason


def say(role: str, text: str) -> dict:
    return {"role": role, "content": text}


def call(name: str, args: str = "{}") -> dict:
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": "c", "type": "function", "function": {"name": name, "arguments": args}}]}


def test_a_party_repeating_itself_with_nothing_done_is_a_loop() -> None:
    msgs = [say("system", "s")] + [m for i in range(3) for m in (say("assistant", "Hello! How can I help?"),
                                                                  say("user", f"I need help {i}"))]
    assert "assistant said the same thing" in loop_reason(msgs)


def test_a_repeated_stretch_of_messages_is_a_loop() -> None:
    stretch = [call("get_order", '{"id": 1}'), {"role": "tool", "tool_call_id": "c", "content": "{}"},
               say("assistant", "Anything else?"), say("user", "Check it again.")]
    assert loop_reason([say("system", "s")] + stretch * 3) == "the last 4 message(s) repeated 3 times"


def test_progress_is_not_a_loop_however_long_the_conversation() -> None:
    msgs = [say("system", "s")]
    for i in range(200):
        msgs += [say("user", f"request {i}"), call("get_order", f'{{"id": {i}}}'),
                 {"role": "tool", "tool_call_id": "c", "content": str(i)}, say("assistant", "Done.")]
    assert loop_reason(msgs) is None  # "Done." three times, but a tool call came in between


def test_the_same_words_with_a_tool_call_between_are_not_a_loop() -> None:
    msgs = [say("assistant", "One moment."), call("a"), say("assistant", "One moment."),
            say("assistant", "One moment.")]
    assert loop_reason(msgs) is None


def test_a_watch_over_a_growing_conversation_says_what_a_fresh_check_says() -> None:
    stretch = [call("get_order", '{"id": 1}'), {"role": "tool", "tool_call_id": "c", "content": "{}"},
               say("assistant", "Anything else?"), say("user", "Check it again.")]
    talk = [say("assistant", "Hello! How can I help?"), say("user", "hm")] * 3
    msgs = [say("system", "s")] + [say("user", "hi"), call("a")] + stretch * 3 + talk
    watch = LoopWatch()
    verdicts = [watch.reason(msgs[:n]) for n in range(1, len(msgs) + 1)]
    assert verdicts == [loop_reason(msgs[:n]) for n in range(1, len(msgs) + 1)]
    assert any(verdicts) and not all(verdicts)
    assert watch.reason(msgs[:3]) == loop_reason(msgs[:3])  # a shorter conversation: it starts again
