"""A small hand-written domain that mixes declarative tools with ``@python_tool`` functions.

A café loyalty programme: members collect points on purchases and redeem them for rewards. The
entities and the simple tools are plain data (the same format as the YAML domains); the tools with
a little more logic are typed Python functions over `SandboxDB`. Both kinds go through the one
executor: arguments are validated against the schema, the call runs in a transaction, a refusal
(`ToolError`) or any other exception comes back to the agent as ``{"error": ...}`` and rolls back
whatever the call had written, and every call is logged.

    from python_tools_demo import build
    sandbox = build().new_sandbox()
    sandbox.call("redeem_reward", {"member_id": "MEM-12345", "reward_id": "RWD-04"})

Run it (``python examples/domains/python_tools_demo.py``) to see a few calls.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from gem_env.tools import CompiledDomain, SandboxDB, ToolError, compile_domain, parse_domain, python_tool

CLOCK = "2025-05-02T08:30:00"

DOMAIN = parse_domain({
    "name": "cafe_loyalty",
    "description": "Bean & Leaf café loyalty programme: points on purchases, rewards for points.",
    "clock": CLOCK,
    "seed": 5,
    "policy": [
        {"id": "earn", "text": "Members earn one point per whole dollar spent; at most 500 points per purchase."},
        {"id": "redeem", "text": "Rewards cost the points shown; at most 5 of one reward at a time, while stock lasts."},
    ],
    "entities": [
        {"name": "members", "primary_key": "member_id", "rows": 30, "fields": [
            {"name": "member_id", "faker": {"provider": "bothify", "args": {"text": "MEM-#####"}}},
            {"name": "name", "faker": "name"},
            {"name": "phone", "unique": True, "faker": {"provider": "numerify", "args": {"text": "555-###-####"}}},
            {"name": "points", "type": "integer", "range": [0, 900]},
            {"name": "tier", "values": ["bean", "roast", "reserve"], "weights": [6, 3, 1]},
            {"name": "joined_on", "type": "date", "range": ["2021-01-01", "2025-04-30"]},
        ]},
        {"name": "rewards", "primary_key": "reward_id", "fields": [  # rows: the fixed REWARDS below
            {"name": "reward_id"},
            {"name": "name", "unique": True},
            {"name": "cost_points", "type": "integer"},
            {"name": "stock", "type": "integer"},
        ]},
        {"name": "point_entries", "primary_key": "entry_id", "rows": 120, "fields": [
            {"name": "entry_id", "type": "integer"},
            {"name": "member_id", "foreign_key": "members.member_id"},
            {"name": "points", "type": "integer", "range": [3, 60]},
            {"name": "reason", "values": ["purchase", "birthday bonus"], "weights": [12, 1]},
            {"name": "on_date", "type": "date", "range": ["2025-01-01", "2025-05-01"]},
        ]},
    ],
    "tools": [
        {
            "name": "find_member_by_phone",
            "description": "Find a loyalty member by phone number.",
            "parameters": [{"name": "phone", "description": "Phone number as 555-123-4567"}],
            "effect": [
                {"find": "members", "as": "member", "where": {"phone": "phone"},
                 "error": "No member with phone number {phone}"},
                {"return": "member"},
            ],
        },
        {
            "name": "list_rewards",
            "description": "List the rewards with their cost in points and whether they are in stock.",
            "effect": [
                {"find": "rewards", "as": "rewards", "many": True, "order_by": ["cost_points"]},
                {"return": "rewards"},
            ],
        },
        {
            "name": "add_purchase_points",
            "description": "Credit points for a purchase: one point per whole dollar, at most 500.",
            "kind": "write",
            "parameters": [
                {"name": "member_id", "description": "The member, e.g. MEM-12345"},
                {"name": "amount_spent", "type": "number", "description": "Purchase total in dollars"},
            ],
            "effect": [
                {"find": "members", "as": "member", "where": {"member_id": "member_id"},
                 "error": "No member with id {member_id}"},
                {"require": "amount_spent >= 1", "message": "Purchases under one dollar earn no points"},
                {"let": {"earned": "min(int(amount_spent), 500)"}},
                {"update": "members", "row": "member", "set": {"points": "member.points + earned"}},
                {"insert": "point_entries", "values": {
                    "member_id": "member_id", "points": "earned", "reason": "'purchase'", "on_date": "today"}},
                {"return": {"member_id": "member_id", "earned": "earned", "points": "member.points"}},
            ],
        },
    ],
    "workflows": [
        {
            "name": "redeem_free_drink",
            "goal": "Use your loyalty points (phone {phone}) for one {reward}.",
            "category": "redeem",
            "anchor": {"table": "members", "filter": "row.points >= 150"},
            "knows": {"phone": "row.phone", "reward": "'Free latte'"},
            "steps": [
                {"tool": "find_member_by_phone", "args": {"phone": {"user": "phone"}}, "as": "member"},
                {"tool": "list_rewards", "as": "rewards"},
                {"tool": "points_summary", "args": {"member_id": {"result": "member.member_id"}}, "as": "summary"},
                {"tool": "redeem_reward",
                 "args": {"member_id": {"result": "member.member_id"},
                          "reward_id": {"result": "first(pick(rewards, 'name', reward)).reward_id"}},
                 "when": "first(pick(rewards, 'name', reward)).stock > 0",
                 "as": "redeemed"},
            ],
            "tells": {"points_left": "redeemed.points_left"},
        },
    ],
}, origin="python_tools_demo")


# The reward catalogue is fixed data rather than Faker rows: a hand-written domain can give some
# tables' rows directly (`compile_domain(..., data=...)`) and let the seeder fill the rest.
REWARDS = [
    {"reward_id": "RWD-01", "name": "Free drip coffee", "cost_points": 50, "stock": 40},
    {"reward_id": "RWD-02", "name": "Any drink upgrade", "cost_points": 80, "stock": 25},
    {"reward_id": "RWD-03", "name": "Free pastry", "cost_points": 100, "stock": 18},
    {"reward_id": "RWD-04", "name": "Free latte", "cost_points": 150, "stock": 30},
    {"reward_id": "RWD-05", "name": "Bag of house beans", "cost_points": 300, "stock": 6},
    {"reward_id": "RWD-06", "name": "Ceramic mug", "cost_points": 450, "stock": 0},
]


# ---------------------------------------------------------------- Python tools


@python_tool(kind="read")
def points_summary(db: SandboxDB, member_id: str) -> dict[str, Any]:
    """A member's points balance, tier, and what they earned and spent this year.

    Args:
        member_id: The member, e.g. MEM-12345
    """
    member = db.get("members", member_id)
    if member is None:
        raise ToolError(f"No member with id {member_id}")
    year = CLOCK[:4]
    entries = [e for e in db.find("point_entries", member_id=member_id) if e["on_date"].startswith(year)]
    return {
        "member_id": member_id,
        "points": member["points"],
        "tier": member["tier"],
        "earned_this_year": sum(e["points"] for e in entries if e["points"] > 0),
        "spent_this_year": -sum(e["points"] for e in entries if e["points"] < 0),
    }


@python_tool(kind="read")
def points_history(db: SandboxDB, member_id: str, since: str,
                   reason: Literal["purchase", "reward redeemed", "birthday bonus"] | None = None) -> list[dict]:
    """A member's point entries since a date, newest first.

    Args:
        member_id: The member, e.g. MEM-12345
        since: The first date to include, as YYYY-MM-DD
        reason: Only entries of this kind
    """
    start = dt.date.fromisoformat(since)  # a bad date raises ValueError: the executor reports it as an error
    entries = [e for e in db.find("point_entries", member_id=member_id)
               if dt.date.fromisoformat(e["on_date"]) >= start and (reason is None or e["reason"] == reason)]
    return sorted(entries, key=lambda e: (e["on_date"], e["entry_id"]), reverse=True)


@python_tool(kind="write")
def redeem_reward(db: SandboxDB, member_id: str, reward_id: str, quantity: int = 1) -> dict[str, Any]:
    """Redeem points for a reward: deducts the points, takes the reward from stock, logs the entry.

    Args:
        member_id: The member, e.g. MEM-12345
        reward_id: The reward, e.g. RWD-07 (see list_rewards)
        quantity: How many, 1 to 5
    """
    if not 1 <= quantity <= 5:
        raise ToolError(f"quantity must be between 1 and 5, not {quantity}")
    member = db.get("members", member_id)
    if member is None:
        raise ToolError(f"No member with id {member_id}")
    reward = db.get("rewards", reward_id)
    if reward is None:
        raise ToolError(f"No reward with id {reward_id}")
    cost = reward["cost_points"] * quantity
    if member["points"] < cost:
        raise ToolError(f"{quantity} x {reward['name']} costs {cost} points; the member has {member['points']}")
    # Points first, stock second: if the stock check refuses, the executor rolls the points back too.
    member = db.update("members", member_id, points=member["points"] - cost)
    if reward["stock"] < quantity:
        raise ToolError(f"Only {reward['stock']} x {reward['name']} left in stock")
    db.update("rewards", reward_id, stock=reward["stock"] - quantity)
    db.insert("point_entries", {"member_id": member_id, "points": -cost, "reason": "reward redeemed",
                                "on_date": CLOCK[:10]})
    return {"member_id": member_id, "reward": reward["name"], "quantity": quantity,
            "points_spent": cost, "points_left": member["points"]}


PYTHON_TOOLS = [points_summary, points_history, redeem_reward]


def build(seed: int | None = None) -> CompiledDomain:
    """Compile the demo domain with its Python tools."""
    return compile_domain(DOMAIN, python_tools=PYTHON_TOOLS, data={"rewards": REWARDS}, seed=seed)


if __name__ == "__main__":  # a short tour
    import json

    sandbox = build().new_sandbox()
    member = next(iter(sandbox.dump(["members"])["members"].values()))
    for tool, args in [
        ("find_member_by_phone", {"phone": member["phone"]}),
        ("points_summary", {"member_id": member["member_id"]}),
        ("add_purchase_points", {"member_id": member["member_id"], "amount_spent": 23.5}),
        ("redeem_reward", {"member_id": member["member_id"], "reward_id": "RWD-02", "quantity": 9}),
        ("points_history", {"member_id": member["member_id"], "since": "yesterday"}),
    ]:
        print(tool, json.dumps(args), "->", sandbox.call(tool, args).content)
