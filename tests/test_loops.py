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


def _spelled_out(msgs: list[dict]) -> str | None:
    """The loop rule read straight from its docstring, over the whole conversation: the reference
    the incremental watch must agree with."""
    said = [(m.get("role"), (m.get("content") or "") if m.get("role") == "tool"
             else " ".join((m.get("content") or "").split()).lower(),
             tuple(c["function"]["name"] + c["function"]["arguments"] for c in m.get("tool_calls") or []))
            for m in msgs if m.get("role") != "system"]
    for k in range(1, 7):
        if len(said) >= 3 * k and said[-k:] == said[-2 * k:-k] == said[-3 * k:len(said) - 2 * k]:
            return f"the last {k} message(s) repeated 3 times"
    for role in ("user", "assistant"):
        texts: list[str] = []
        for r, text, calls in reversed(said):
            if calls or len(texts) == 3:
                break
            if r == role:
                texts.append(text)
        if len(texts) == 3 and texts[0] and len(set(texts)) == 1:
            return f"the {role} said the same thing 3 times in a row: {texts[0][:80]!r}"
    return None


def test_the_watch_agrees_with_the_rule_spelled_out_on_random_conversations() -> None:
    import random
    rng = random.Random(7)
    pool = [say("user", "ok"), say("user", "OK "), say("user", "no"), say("assistant", "Done."),
            say("assistant", ""), call("a"), call("a", '{"x": 1}'), call("b"),
            {"role": "tool", "tool_call_id": "c", "content": "{}"},
            {"role": "tool", "tool_call_id": "c", "content": "[1]"}]
    found = 0
    for _ in range(300):
        msgs = [say("system", "s")] + [rng.choice(pool) for _ in range(rng.randint(0, 40))]
        watch = LoopWatch()
        for n in range(1, len(msgs) + 1):
            expected = _spelled_out(msgs[:n])
            assert watch.reason(msgs[:n]) == expected, msgs[:n]
            found += expected is not None
    assert found > 50  # the pool is small enough that loops of both kinds occur


def test_the_watch_agrees_with_the_rule_when_messages_arrive_several_at_a_time() -> None:
    """An episode checks after a step that added an assistant message and its tool replies (or a
    user reply): the runs and the cycle check kept up over chunks of any size, and over a
    conversation that is swapped for another (the watch starts again), say what the rule says."""
    import random
    rng = random.Random(11)
    pool = [say("user", "ok"), say("user", " Ok"), say("assistant", "Done."), say("assistant", "done.  "),
            say("assistant", ""), say("system", "s"), call("a"), call("a", '{"x": 1}'),
            {"role": "assistant", "content": "Checking.", "tool_calls": call("b")["tool_calls"] * 2},
            {"role": "tool", "tool_call_id": "c", "content": "{}"},
            {"role": "tool", "tool_call_id": "c", "content": "{ }"}]
    found = 0
    for _ in range(300):
        msgs = [say("system", "s")] + [rng.choice(pool) for _ in range(rng.randint(0, 60))]
        watch = LoopWatch()
        n = 1
        while n <= len(msgs):
            if rng.random() < 0.05:  # another conversation, shorter than the one watched
                n = rng.randint(1, n)
            expected = _spelled_out(msgs[:n])
            assert watch.reason(msgs[:n]) == expected, msgs[:n]
            found += expected is not None
            n += rng.randint(1, 4)
    assert found > 50


def test_the_watch_told_of_a_tool_step_agrees_with_the_rule() -> None:
    """`after_calls` (what an episode tells the watch after an assistant message with calls and
    their replies, without the watch reading them again) says what the rule says, whether or not
    the watch had seen everything before the step."""
    import random
    rng = random.Random(13)
    plain = [say("user", "ok"), say("user", " Ok"), say("assistant", "Done."), say("assistant", "")]
    steps = [(call("a"), ["{}"]), (call("a", '{"x": 1}'), ["{ }"]), (call("b"), ["{}"]),
             ({"role": "assistant", "content": "Checking.", "tool_calls": call("b")["tool_calls"] * 2},
              ["{}", "[1]"])]
    found = 0
    for _ in range(300):
        msgs, watch = [say("system", "s")], LoopWatch()
        for _ in range(rng.randint(1, 30)):
            if rng.random() < 0.3:
                msgs.append(rng.choice(plain))
                if rng.random() < 0.7:  # else the watch is behind when the next tool step comes
                    assert watch.reason(msgs) == _spelled_out(msgs)
                continue
            said, contents = rng.choice(steps)
            msgs = msgs + [said] + [{"role": "tool", "tool_call_id": "c", "content": c} for c in contents]
            calls = tuple(c["function"]["name"] + c["function"]["arguments"] for c in said["tool_calls"])
            expected = _spelled_out(msgs)
            assert watch.after_calls(msgs, said["content"], calls, contents) == expected, msgs
            found += expected is not None
    assert found > 50
