"""The gymnasium environment over synthesized tasks, registered as `gem_env/ToolUse-v0`.

    import gymnasium as gym
    import gem_env.gym  # registers the id (or: gym.make("gem_env.gym:gem_env/ToolUse-v0", ...))
    env = gym.make("gem_env/ToolUse-v0", tasks="RUN/tasks.jsonl", user="scripted")

With `user="llm"` (and `user_llm={"model": ..., "base_url": ...}`) the made environment's spec is
marked nondeterministic.
"""
from gymnasium.envs.registration import register, registry

from .actions import ActionError, parse_action
from .env import AsyncToolUseEnv, ToolUseEnv
from .spaces import JSONText

ENV_ID = "gem_env/ToolUse-v0"

if ENV_ID not in registry:
    register(id=ENV_ID, entry_point="gem_env.gym.env:ToolUseEnv", nondeterministic=False)

__all__ = ["ENV_ID", "ActionError", "AsyncToolUseEnv", "JSONText", "ToolUseEnv", "parse_action"]
