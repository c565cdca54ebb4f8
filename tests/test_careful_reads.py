"""What a careful agent reads before a change, and says before the yes: the address on file before a
move ("Right now, the address is ..."), a shipping address before it is changed, and the new plan's
fee before a plan change, read from the plans listed ("That takes the monthly fee up to $25.72.").
An amount the write works out for itself (a balance after a transfer) is no read's, and is not said.
Also: a shipping address is no secret (SECRET once matched the "pin" in "shipping"), and a lookup
never asks for a zip or a city alone."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gem_env.agents.prechecks import prices_moved
from gem_env.cli import main
from gem_env.tools import compile_domain, load_domain
from gem_env.tools.render import SECRET

ROOT = Path(__file__).resolve().parents[1]
_MONEY = re.compile(r"\$([\d,]+\.\d\d)")


@pytest.fixture(scope="module")
def run(examples_run: Path) -> Path:
    return examples_run


def _confirmations(run: Path, write: re.Pattern) -> list[tuple[dict, list[dict], str]]:
    """(the write's arguments, the tool replies before it, the assistant's last words before it)."""
    out = []
    for line in (run / "trajectories.jsonl").open():
        messages = json.loads(line)["messages"]
        for i, m in enumerate(messages):
            for call in m.get("tool_calls") or []:
                if not write.fullmatch(call["function"]["name"]):
                    continue
                said = next(x["content"] for x in reversed(messages[:i]) if x["role"] == "assistant" and x.get("content"))
                replies = [json.loads(x["content"]) for x in messages[:i] if x["role"] == "tool"
                           and x["content"].startswith(("{", "["))]
                out.append((json.loads(call["function"]["arguments"]), replies, said))
    return out


@pytest.mark.parametrize("name", ["shipping_address", "shipping_city", "shipping_zip", "shopping_list", "sleeping_bag",
                                  "security_deposit", "pin_id"])
def test_a_name_with_pin_inside_a_word_is_no_secret(name: str) -> None:
    assert not SECRET.search(name)


@pytest.mark.parametrize("name", ["pin", "card_pin", "pin_code", "password", "new_password", "security_answer",
                                  "ssn", "cvv", "access_token", "client_secret", "passcode"])
def test_a_secret_is_still_one(name: str) -> None:
    assert SECRET.search(name)


def test_a_move_says_the_address_on_file_first(run: Path) -> None:
    seen = 0
    for args, replies, said in _confirmations(run, re.compile(r"update_(customer|member|patient|guest)_address")):
        key = next(k for k in args if k.endswith("_id"))
        profile = [r for r in replies if isinstance(r, dict) and r.get(key) == args[key] and "address" in r][-1]
        on_file = f"{profile['address']}, {profile['city']} {profile['zip']}"
        assert on_file in said and f"{args['address']}, {args['city']} {args['zip']}" in said, said
        assert said.index(on_file) > said.index(args["address"])  # the change first, then what it replaces
        seen += 1
    assert seen >= 10


def test_a_shipping_address_change_says_where_it_ships_now(run: Path) -> None:
    seen = 0
    for args, replies, said in _confirmations(run, re.compile(r"update_order_shipping_address")):
        order = [r for r in replies if isinstance(r, dict) and r.get("order_id") == args["order_id"]
                 and "shipping_address" in r][-1]
        assert f"{order['shipping_address']}, {order['shipping_city']} {order['shipping_zip']}" in said, said
        seen += 1
    assert seen >= 2


def test_a_plan_change_says_the_new_plans_fee_as_listed(run: Path) -> None:
    seen = 0
    for args, replies, said in _confirmations(run, re.compile(r"update_membership_plan")):
        plans = [p for r in replies if isinstance(r, list) for p in r if isinstance(p, dict) and "plan_name" in p]
        price = next(p["price"] for p in plans if p["plan_name"] == args["plan"])
        assert re.search(rf"monthly fee (?:goes |would )?(?:up|down|rise|drop)s? to \${price:,.2f}", said), said
        seen += 1
    assert seen >= 1


def test_no_amount_is_said_before_a_write_that_no_read_showed(run: Path) -> None:
    """Every dollar figure in a confirmation is one a tool reply before it holds, or one the user said
    (a new limit), or a sum of the text's own: never a balance the write would work out."""
    for line in (run / "trajectories.jsonl").open():
        messages = json.loads(line)["messages"]
        shown: set[float] = set()
        for m in messages:
            if m["role"] == "tool":
                shown |= {float(v) for v in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])", m["content"])}
            elif m["role"] == "assistant" and m.get("content") and re.search(r"\b(?:goes|would) (?:up|down|rise|drop)",
                                                                            m["content"]):
                for v in _MONEY.findall(m["content"]):
                    assert float(v.replace(",", "")) in shown, m["content"]


def test_prices_moved_says_a_copied_fee_and_never_a_worked_out_balance(run: Path) -> None:
    gym = compile_domain(load_domain(run / "domains" / "gym-freeze-membership.json"))
    keys = {t: gym.tables[t].pk for t in gym.tables}
    membership = {"membership_id": "M-1", "member_id": "MB-1", "status": "active", "plan": "Basic",
                  "plan_id": "P-1", "monthly_fee": 9.15}
    plans = [{"plan_id": "P-1", "plan_name": "Basic", "price": 9.15},
             {"plan_id": "P-2", "plan_name": "Premium", "price": 59.34}]
    args = {"membership_id": "M-1", "plan": "Premium"}
    spec = gym.tools["update_membership_plan"].spec
    assert prices_moved(spec, args, [membership, plans], {}, keys) == [("monthly_fee", 59.34, 9.15)]
    assert prices_moved(spec, args, [membership], {}, keys) == []  # the plans not read: nothing to say
    bank = compile_domain(load_domain(run / "domains" / "bank_transfer-money_md.json"))
    accounts = [{"account_id": a, "customer_id": "C-1", "status": "open", "kind": "checking", "balance": 500.0}
                for a in ("A-1", "A-2")]
    transfer = {"source_account_id": "A-1", "destination_account_id": "A-2", "amount": 100}
    assert prices_moved(bank.tools["transfer_funds"].spec, transfer, accounts, {},
                        {t: bank.tables[t].pk for t in bank.tables}) == []  # the balance after it: worked out


def test_a_lookup_never_asks_for_a_zip_or_a_city_alone(run: Path) -> None:
    asked = [a for line in (run / "tasks.jsonl").open() for r in json.loads(line)["scenario"].get("requests") or []
             if r.get("kind") == "lookup" for a in r.get("asks") or []]
    assert asked and not [a for a in asked if re.search(r"(?:^|_)(?:city|zip|postcode)$", a)]


def test_a_profile_read_does_not_put_a_move_in_every_session(run: Path) -> None:
    """Sessions take first a request bringing tools they have not used; a move reads the address on
    file, which is who the customer is, not what the request brings (counted, moves went into 63 of
    81 sessions)."""
    sessions = [json.loads(line)["workflow"].split("+") for line in (run / "tasks.jsonl").open()]
    moves = [s for s in sessions if any(re.fullmatch(r"change_(customer|member|patient|guest)_address", w) for w in s)]
    assert len(moves) < len(sessions) / 3, (len(moves), len(sessions))


def test_a_long_action_is_said_by_its_head_once_done() -> None:
    from gem_env.agents.speech import headline
    assert headline("book a flight from Seattle to New York on February 28, 2025 in premium with 3 bags for 3 "
                    "passengers with a classic fare") == "book a flight"
    assert headline("change the start time of your appointment to January 30, 2025 at 3:15 pm") \
        == "change the start time of your appointment"  # the record kept, the new time told as a fact
    assert headline("change the spending limit of your card to $2,600") == "change the spending limit of your card to $2,600"


def test_a_record_that_already_holds_the_value_asked_for_is_not_offered(tmp_path: Path) -> None:
    """"Change the plan of my line to Plus": of the customer's lines, one already on Plus is not among
    those offered (the change would be refused: "The line already has that plan")."""
    from conftest import shared_path
    corpus = shared_path("corpora", "support_policies.jsonl")
    run = tmp_path / "run"
    assert main(["synthesize", str(corpus), "--out", str(run), "--quiet"]) == 0
    lists = 0
    for line in (run / "trajectories.jsonl").open():
        messages = json.loads(line)["messages"]
        for i, m in enumerate(messages):
            said = m.get("content") or ""
            if m["role"] != "assistant" or not re.search(r"would work for this|could work for this|could be used here", said):
                continue
            asked = [x["content"] for x in messages[:i] if x["role"] == "user"][-1]
            wanted = re.search(r"change the plan of my \w+ to (\w+)", asked)
            if wanted:
                lists += 1
                assert f"on the {wanted.group(1)} plan" not in said, said
    assert lists >= 2


def test_a_record_is_told_apart_by_what_it_is_not_by_a_tally() -> None:
    import random as _random
    from gem_env.agents.speech import describe
    said = describe(_random.Random(0), {"account_id": "ACC-1", "phone": "555-0100"},
                    [{"account_id": "ACC-1", "customer_id": "C-1", "status": "active", "username": "adaml",
                      "failed_logins": 2, "created_on": "2025-01-08"}], re.compile("pin"), owner="customer_id")
    assert "failed logins" not in said and "adaml" in said, said
    only = describe(_random.Random(0), {"account_id": "ACC-1", "phone": "555-0100"},
                    [{"account_id": "ACC-1", "customer_id": "C-1", "failed_logins": 2}], re.compile("pin"),
                    owner="customer_id")
    assert "2 failed logins" in only, only  # nothing else tells it apart


def test_a_person_is_they_in_every_fact() -> None:
    import random as _random
    from gem_env.agents.speech import fact
    said = {fact(_random.Random(s), "added_on", "2024-10-16", after_write=False, who="they") for s in range(8)}
    assert all("they were added on" in x.lower() and "it was" not in x.lower() for x in said), said
    assert any("it was added on" in fact(_random.Random(s), "added_on", "2024-10-16", after_write=False).lower()
               for s in range(8))


def test_an_address_not_given_yet_leaves_the_action_in_words() -> None:
    """A hand-off note after a declined move said "update the order shipping address" (the tool's
    name in words): the address's parts left out with it, the goal's own words stay."""
    from gem_env.agents.actions import action
    goal = "change the shipping address of my order {order_id} to {new_shipping_address}, {new_shipping_city} {new_shipping_zip}"
    assert action(goal, "update_order_shipping_address", {"order_id": "LG-1"}) == \
        "change the shipping address of your order LG-1"
    assert action("change my address to {address}, {city} {zip}", "update_customer_address", {}) == "change your address"


def test_miss_param_never_leaves_out_one_part_of_an_address() -> None:
    """`miss_param` once left out the city alone: the user said "to 49747 Morgan Pine, my new shipping
    city 12179" and the assistant stored "my new shipping city" as the city (1 of 300 support variants
    failed verification)."""
    from gem_env.stages.refine.miss_param import _joined
    goal = "change the shipping address of my order {order_id} to {new_shipping_address}, {new_shipping_city} {new_shipping_zip}"
    assert [_joined(k, goal) for k in ("order_id", "new_shipping_address", "new_shipping_city", "new_shipping_zip")] \
        == [False, True, True, True]
    assert not _joined("new_limit", "change the spending limit of my card {card_id} to {new_limit}")


def test_a_purchase_says_what_the_entry_read_for_it_costs_before_the_yes(run: Path) -> None:
    """A flight booked: the confirmation says the flight's price as its read showed it ("This is for
    flight FLG-1. Its price is $389.47."), before the customer's yes."""
    seen = 0
    for args, replies, said in _confirmations(run, re.compile(r"create_booking")):
        flight = [r for r in replies if isinstance(r, dict) and r.get("flight_id") == args.get("flight_id") and "price" in r]
        flight += [x for r in replies if isinstance(r, list) for x in r
                   if isinstance(x, dict) and x.get("flight_id") == args.get("flight_id") and "price" in x]
        if flight:
            assert f"${flight[-1]['price']:,.2f}" in said, said
            seen += 1
    assert seen >= 2
