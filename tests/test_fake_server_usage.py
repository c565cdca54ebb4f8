"""The fake server's token counts: the prompt's characters counted without joining its contents
give what the joined prompt gave (the numbers every recorded ``usage`` holds)."""
from __future__ import annotations

import json
from typing import Any

from gem_env.testing import Text, ToolCall, ToolCalls
from gem_env.testing.bodies import rough_tokens, usage_of


def joined_prompt_tokens(body: dict[str, Any]) -> int:
    """The count as it was made: the contents joined (a content that is not text as its JSON)."""
    return rough_tokens("".join(m["content"] if isinstance(m.get("content"), str) else json.dumps(m.get("content"))
                                for m in body.get("messages", [])))


def test_prompt_tokens_are_those_of_the_joined_prompt() -> None:
    bodies = [{}, {"messages": []}, {"messages": [{"role": "user", "content": "hi"}]},
              {"messages": [{"role": "system", "content": "Politique — 注文" * 9}, {"role": "user", "content": "où ?"},
                            {"role": "assistant", "content": None, "tool_calls": []}, {"role": "tool"},
                            {"role": "user", "content": [{"type": "text", "text": "é"}]}, {"role": "user", "content": ""}]}]
    for body in bodies:
        for reply in (Text("ok"), ToolCalls([ToolCall("f", {"a": "é"})])):
            usage = usage_of(body, reply)
            assert usage["prompt_tokens"] == joined_prompt_tokens(body)
            assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
