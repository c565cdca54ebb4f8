"""A small library of service archetypes the offline extractor specialises with a document.

An archetype is what a real service of that kind keeps and offers: an owner (customer, patient,
member), the main thing they hold (card, order, reservation, appointment, line, loan, ...), its
records (transactions, items, flights), what a customer files about them (disputes, returns,
claims), a catalog (products, plans, doctors) and the operations a real API has on them. It holds
no text: `service.py` picks nouns among the candidates by what the document says, takes enums,
rules, id patterns and numbers from the document, and keeps a span for everything it took.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


ENTRY_NAMES = ("name", "title", "plan_name", "room_type")
"""Fields a catalog entry is known and asked for by (its name, or the kind it is: "a deluxe room")."""


@dataclass(frozen=True)
class Action:
    """A status change on the main record: ``cancel`` pending/confirmed -> cancelled."""

    verb: str
    from_statuses: tuple[str, ...]
    to_status: str
    reasons: tuple[str, ...] = ()
    also_set: tuple[tuple[str, str], ...] = ()   # (field, expression over the row `r`) besides status
    guard: tuple[str, str] | None = None          # (expression over `r`, message) it also requires
    releases: bool = False                        # gives the catalog entry's unit back (a cancelled
                                                  # booking's seat, a returned loan's copy)


@dataclass(frozen=True)
class Move:
    """An amount moved from one main record to another (money between accounts, points between
    cards): the `amount_field` of both changes and a `record` row of the move is inserted. The tool
    is `<verb>_<obj>` (transfer_funds) taking the two ids, the amount and an optional reference."""

    verb: str                            # transfer
    obj: str                             # funds
    record: str                          # the table of moves, singular: transfer
    amount_field: str                    # balance
    from_statuses: tuple[str, ...]       # a source must be in one of them (open)
    to_statuses: tuple[str, ...]         # so must a destination


@dataclass(frozen=True)
class Opening:
    """A new main record of a named product, for an owner the text's eligibility rules allow
    (service_products.py): ``open_account`` of a "Navy Blue Business Checking"."""

    verb: str                            # open, apply_for: the tool is <verb>_<main>
    kind_field: str                      # the main field a product sets (account_type)
    goal: str                            # how a customer asks: "open a new"


@dataclass(frozen=True)
class Addition:
    """A record the customer adds themselves with the values they give (service_additions.py):
    ``submit_reading`` of a value and the date taken, ``add_line`` on a plan."""

    verb: str                            # submit, add: the tool is <verb>_<record>
    on_child: bool                       # a record of the main one (a reading of an account), else a main one
    given: tuple[str, ...]               # the fields the customer gives


@dataclass(frozen=True)
class Exchange:
    """An item swapped for another variant of the same catalog entry (service_exchanges.py):
    ``exchange_item`` for "the navy, size M one"; the item becomes `old_status`, its replacement
    (a new item of the chosen variant) `new_status`. Before it ships, ``change_order_item`` makes
    the item itself another variant, when the text allows it."""

    verb: str                            # exchange: the tool is <verb>_<child>
    options: tuple[str, ...]             # options drawn for the variants (as many variants as options)
    from_statuses: tuple[str, ...]       # the main record's statuses an item is exchanged from (delivered)
    old_status: str
    new_status: str
    modify_from: tuple[str, ...] = ()    # ... and those it is changed in place from (pending: not shipped yet)
    by_kind: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the options of an entry of each kind
    other_kinds: tuple[str, ...] = ()    # ... and of an entry of a kind not listed


@dataclass(frozen=True)
class Extension:
    """A record held for a period whose end the customer moves later (service_extensions.py):
    ``extend_rental`` to the date they give, at `rate_field` per extra day."""

    verb: str                            # extend: the tool is <verb>_<main>
    end_field: str                       # the datetime the period ends (return_by)
    rate_field: str                      # the price of a day (daily_rate)
    from_statuses: tuple[str, ...]       # the statuses a record is extended in (active, reserved)


@dataclass(frozen=True)
class Places:
    """The places a catalog searched by where serves: its noun ("airport") and (code, city) of each."""

    noun: str
    served: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Archetype:
    key: str
    keywords: dict[str, float]           # word (lemma) -> weight; a document's score is their sum
    owner: str                           # customer, patient, member, user
    main: tuple[str, ...]                # noun candidates for the main record, first is the default
    main_fields: tuple[dict[str, Any], ...]
    statuses: tuple[str, ...]            # first is the usual state of a seeded record
    actions: tuple[Action, ...]
    editable: tuple[dict[str, Any], ...] = ()        # fields update_<main>_<field> changes ("verb": what the
                                                     # text calls changing it, "reschedule"; "parts": fields
                                                     # changed with it, an address's city and zip)
    child: tuple[str, ...] = ()
    child_fields: tuple[dict[str, Any], ...] = ()
    child_statuses: tuple[str, ...] = ("posted",)
    units_held: str | None = None        # the main record's field counting the catalog units it holds (a
                                         # booking's passengers: a seat each); else one a record
    child_covers: bool = False           # every main record has a child (an order its items; a card may have no charges)
    request: tuple[str, ...] = ()        # what the customer files about a child (or the main)
    request_verb: str = "create"
    request_reasons: tuple[str, ...] = ()
    request_on_child: bool = True
    request_on_catalog: bool = False     # filed by a customer on a catalog entry (a hold on a title)
    request_main_from: tuple[str, ...] = ()  # the main record's statuses a request on its child is filed from
                                             # (a return: an item of a delivered order)
    request_when: tuple[str, ...] = ()   # (condition on the entry, read as R.<field>; the refusal's message)
    request_from: tuple[str, ...] = ()   # the statuses a request is filed on (a payment plan: an overdue bill; a
                                         # return: an item not returned yet; a refill: a visit that took place; a
                                         # complaint or a claim: a stay or a trip under way);
                                         # default for a request on the main record: its editable statuses
    catalog: tuple[str, ...] = ()        # reference table: products, plans, doctors, flights
    catalog_fields: tuple[dict[str, Any], ...] = ()
    directory: bool = False              # the catalog is each owner's own (saved contacts, payees): an entry
                                         # belongs to one owner, is listed by their id, and only they use it
    book_verb: str | None = None         # book_<main> creates a main record from a catalog entry
    one_each: bool = False               # an owner's main records are of different catalog entries (a member's
                                         # loans of different titles: no two copies of one book at once)
    extras: tuple[str, ...] = field(default_factory=tuple)  # named extra tools, see service.py
    move: Move | None = None             # an amount moved between two main records
    opening: Opening | None = None       # a new main record of a product the text names
    addition: Addition | None = None     # a record the customer adds themselves
    exchange: Exchange | None = None     # a child swapped for another variant of its catalog entry
    tracked: tuple[str, ...] = ()        # statuses in which the main record is on its way, with a tracking number
    places: Places | None = None         # the places a catalog searched by where serves (airports)
    extension: Extension | None = None   # the end of the record's period moved later, at a daily rate
    child_status_by: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the child's statuses a main
                                         # record's status allows (a closed card's charges are all posted)
    child_status_only: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a child status only under
                                         # these main statuses, whatever others the text names (an item is
                                         # returned only from a delivered order, not one "out for delivery")
    sector: str = ""                     # the kind of service, where the archetype alone says it ("utility"),
                                         # over the filter's keyword vote ("banking" for a utility's payment plan)
    sectors: tuple[str, ...] = ()        # the kinds of service it can be part of: a keyword vote for another
                                         # ("our library service" for a shop's subscriptions) names none
    draws_on: str | None = None          # the archetype whose main record this one's draws on (a card on a
                                         # bank account): a text speaking of both gets both (service_pairs.py)

    def product_kinds(self) -> tuple[str, ...]:
        """The values of the main field a product sets (checking, savings); () without `opening`."""
        if self.opening is None:
            return ()
        return tuple(next(f["values"] for f in self.main_fields if f["name"] == self.opening.kind_field))


#: a closed card's or account's transactions are all posted: nothing is pending on it
_NOTHING_PENDING_ONCE_CLOSED = {s: ("posted",) for s in ("closed", "cancelled", "expired")}


#: a phone number as a service stores them, in one format (Faker's own mixes three)
PHONE = {"provider": "numerify", "args": {"text": "%##-###-####"}}


def _f(name: str, type: str = "string", **kw: Any) -> dict[str, Any]:
    """A field as the tool language writes it, plus ``when={status: (from, to)}``: a date that follows
    the row's status, in days from the domain's clock (`ToolKit._dated_by_status` makes it a `by`),
    and ``days_of=verb``: `{days}` in its `derived` is what that action adds to a date each time
    (`ToolKit.action_days`)."""
    return {"name": name, "type": type, **kw}


def tiered(fields: list[dict[str, Any]], *, one_price: bool = False) -> list[dict[str, Any]]:
    """Fields whose price follows a tier (``tier``: the field naming it, whose values are listed
    cheapest first, as the text lists them too: "Basic 5GB, Plus 20GB, Unlimited"): seeded `by`
    that field, each tier an equal slice of the price's range, so a suite never costs less than a
    standard room. `one_price`: each tier one price, the middle of its slice ending in .99 (every
    line on Plus costs what Plus costs; catalog entries of one kind may differ). Without the
    tier's values, the price keeps its whole range."""
    out = []
    for f in fields:
        tier = next((x for x in fields if x["name"] == f.get("tier")), None)
        f = {k: v for k, v in f.items() if k != "tier"}
        if tier is not None and tier.get("values") and f.get("range") and "by" not in f:
            lo, hi = f["range"]
            step = (hi - lo) / len(tier["values"])
            slices = [(round(lo + i * step, 2), round(lo + (i + 1) * step, 2)) for i in range(len(tier["values"]))]
            if one_price and "derived" not in f:
                slices = [(p, p) for p in (int((a + b) / 2) + 0.99 for a, b in slices)]
            f["by"] = {tier["name"]: {str(t): {"range": list(s)} for t, s in zip(tier["values"], slices)}}
        out.append(f)
    return out


#: what a tier costs against the first (cheapest) one, by its place in the list: an economy fare,
#: premium economy half as much again, business three times, first five
TIER_FACTORS = (1, 1.6, 3, 5)


def tier_priced(expr: str, tier: str | None, values: list[Any] | None) -> str:
    """A derived amount (`expr`) that follows a tier (``tier``: the field naming it, its `values`
    cheapest first): the first tier's amount times its `TIER_FACTORS` (a business fare is three
    economy ones). Unchanged without a tier or fewer than two of its values."""
    if not tier or not values or len(values) < 2:
        return expr
    return f"round(({expr}) * {tier_factor(tier, values)}, 2)"


def tier_factor(tier: str, values: list[Any]) -> str:
    """The expression of `TIER_FACTORS` for the tier the expression `tier` names (values cheapest first)."""
    cases = [f"{TIER_FACTORS[min(i, len(TIER_FACTORS) - 1)]} if {tier} == {str(v)!r}" for i, v in enumerate(values) if i]
    return f"({' else '.join(cases)} else 1)"


def _pick(values: tuple[str, ...]) -> dict[str, Any]:
    """A Faker source choosing among values people write in such a field (a memo, a subject line):
    free text in the schema, never lorem ipsum in the data."""
    return {"provider": "random_element", "args": {"elements": list(values)}}


_MEMOS = ("Rent", "Dinner split", "Utilities", "Birthday gift", "Gym membership", "Car repair", "Concert tickets",
          "Groceries", "Babysitting", "Phone bill", "Book club dues", "Holiday trip share", "Internet bill",
          "Piano lessons", "Cleaning service", "Movie night", "Team lunch", "Wedding gift")
#: what a payment for each memo costs: rent is no $79.55, a book club's dues no $478.92
_MEMO_AMOUNTS = {"Rent": (900, 2400), "Dinner split": (15, 80), "Utilities": (60, 250), "Birthday gift": (20, 150),
                 "Gym membership": (20, 90), "Car repair": (150, 1200), "Concert tickets": (40, 300),
                 "Groceries": (30, 250), "Babysitting": (40, 200), "Phone bill": (30, 120), "Book club dues": (10, 40),
                 "Holiday trip share": (150, 900), "Internet bill": (40, 100), "Piano lessons": (40, 200),
                 "Cleaning service": (60, 250), "Movie night": (10, 50), "Team lunch": (15, 120),
                 "Wedding gift": (50, 500)}
#: memos of a payment made once: a wedding gift or a dinner split is not sent every month
_ONE_OFF_MEMOS = ("Birthday gift", "Wedding gift", "Dinner split", "Concert tickets", "Car repair",
                  "Holiday trip share")
_SUBJECTS = ("Card declined at checkout", "Cannot sign in to the app", "Refund not received yet",
             "Wrong item delivered", "Parcel marked delivered but missing", "Charged twice for one order",
             "Reset email not arriving", "App closes on launch", "Question about my bill",
             "Order arrived damaged", "Cannot update my address", "Promo code not applied")

_PRODUCTS = ("wireless earbuds", "running shoes", "coffee grinder", "desk lamp", "backpack", "phone case",
             "water bottle", "yoga mat", "rain jacket", "blender", "bluetooth speaker", "office chair")
#: what each product costs: a water bottle is no $100.84, an office chair no $12
_PRODUCT_PRICES = {"wireless earbuds": (30, 200), "running shoes": (50, 180), "coffee grinder": (25, 150),
                   "desk lamp": (15, 90), "backpack": (30, 150), "phone case": (10, 45), "water bottle": (10, 40),
                   "yoga mat": (20, 90), "rain jacket": (40, 200), "blender": (30, 250), "bluetooth speaker": (25, 200),
                   "office chair": (80, 400)}

#: how many days apart a plan's payments fall
_PERIOD = "14 if payment_frequency == 'biweekly' else 30"
_MONTHS = "coalesce({'3 months': 3, '6 months': 6, '12 months': 12}[term], 6)"
#: a plan's last installment falls due within its term (a 6-month plan from May has none in April)
_TERM_ENDS = f"add_days(started_on, 30 * {_MONTHS})"

_RENTED = ("compact car", "midsize sedan", "SUV", "minivan", "pickup truck", "cargo van")

_OPTIONS = tuple(f"{colour}, size {size}" for colour in ("black", "white", "navy", "grey", "green", "red", "sand",
                                                         "teal", "olive", "plum") for size in ("S", "M", "L"))
#: the variants a product of each kind comes in (a coffee grinder in colours and finishes, not in
#: sizes); a product of another kind (one the text names) comes in colours
_OPTIONS_BY_KIND = {
    "wireless earbuds": ("black", "white", "navy", "sand", "graphite", "sage green"),
    "running shoes": tuple(f"{c}, size {n}" for c in ("black", "white", "grey") for n in (8, 9, 10, 11)),
    "coffee grinder": ("matte black", "brushed steel", "white", "copper", "slate grey", "cream"),
    "desk lamp": ("black", "white", "brass", "walnut", "matte grey", "sage green"),
    "backpack": tuple(f"{c}, {v} L" for c in ("black", "navy", "olive") for v in (20, 28)),
    "phone case": tuple(f"{c}, for {m}" for c in ("clear", "black", "navy") for m in ("iPhone 15", "Pixel 8")),
    "water bottle": tuple(f"{v} ml, {c}" for v in (500, 750) for c in ("black", "teal", "white")),
    "yoga mat": tuple(f"{t} mm, {c}" for t in (4, 6) for c in ("plum", "teal", "charcoal")),
    "rain jacket": tuple(f"{c}, size {z}" for c in ("navy", "olive", "black") for z in ("S", "M", "L")),
    "blender": ("black", "white", "red", "brushed steel", "sage green", "cream"),
    "bluetooth speaker": ("black", "teal", "red", "white", "navy", "orange"),
    "office chair": ("black mesh", "grey mesh", "black leather", "grey fabric", "blue fabric", "white mesh"),
}
_COLOURS = ("black", "white", "navy", "grey", "green", "red", "sand", "teal")
_TITLES = ("The Quiet Harbor", "A Field Guide to Mosses", "Winter at Larkspur", "The Clockmaker's Daughter",
           "Rivers of Salt", "Bread Every Day", "The Long Way North", "Small Engines Explained", "Letters from Ostra",
           "The Glass Orchard", "Birds of the Coastal Plain", "A History of Maps", "Night Trains",
           "The Patient Gardener")

ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        key="cards", owner="customer", sectors=("banking", "retail"),
        keywords={"card": 3, "transaction": 2, "dispute": 3, "charge": 2, "statement": 1, "debit": 2,
                  "credit": 1, "fraud": 2, "freeze": 2, "pin": 1, "merchant": 2, "bank": 1, "limit": 1, "virtual": 1,
                  "replacement": 1, "reward": 1, "cashback": 1},
        main=("card",), statuses=("active", "frozen", "closed"),
        main_fields=(_f("last4", faker={"provider": "numerify", "args": {"text": "####"}},
                        description="last four digits of the card number"),
                     _f("card_type", values=["debit", "credit"]),
                     _f("spending_limit", "number", range=[500, 5000]),
                     _f("issued_on", "date")),
        actions=(Action("freeze", ("active",), "frozen", ("lost", "stolen", "suspicious activity")),
                 Action("unfreeze", ("frozen",), "active"),
                 Action("close", ("active", "frozen"), "closed", ("no longer needed", "lost", "stolen"))),
        editable=(_f("spending_limit", "number", description="the new spending limit"),),
        child=("transaction", "charge"),
        # a merchant now and then puts one charge through twice, a day or two apart: what a
        # duplicate-charge dispute is about (about 1 charge in 16 of a card's that reach support)
        child_fields=(_f("merchant", faker="company"), _f("amount", "number", range=[2, 400]),
                      _f("posted_at", "datetime", when={"pending": (-3, 0)},
                         twins={"same": ["merchant", "amount"], "share": 0.06, "days": 2})),
        child_statuses=("posted", "pending"),
        child_status_by=_NOTHING_PENDING_ONCE_CLOSED,
        request=("dispute",), request_verb="create",
        request_reasons=("fraud", "duplicate charge", "wrong amount", "item not received"),
        opening=Opening("apply_for", "card_type", "apply for a new"),
        draws_on="accounts",
    ),
    Archetype(
        key="accounts", owner="customer", sectors=("banking", "retail", "telecom"),
        keywords={"account": 2, "checking": 3, "savings": 3, "balance": 2, "deposit": 2, "transfer": 2,
                  "overdraft": 2, "bank": 1, "fee": 1, "withdrawal": 2, "beneficiary": 2, "payee": 2,
                  "interest": 1, "enrollment": 1, "link": 1, "wallet": 1, "verification": 1},
        main=("account",), statuses=("open", "frozen", "closed"),
        main_fields=(_f("account_type", values=["checking", "savings"]),
                     _f("balance", "number", range=[0, 20000], by={"status": {"closed": [0]}}),  # paid out
                     _f("overdraft_protection", "boolean", faker="pybool",  # a checking account's
                        by={"account_type": {"savings": [False]}}),
                     _f("opened_on", "date")),
        actions=(Action("freeze", ("open",), "frozen", ("suspected fraud", "lost card")),
                 Action("close", ("open",), "closed", ("no longer needed", "moving bank", "fees"))),
        editable=(_f("overdraft_protection", "boolean", description="turn overdraft protection on or off"),),
        child=("transaction",),
        child_fields=(_f("description", faker="company"), _f("amount", "number", range=[2, 2000]),
                      _f("posted_at", "datetime", when={"pending": (-3, 0)})),
        child_statuses=("posted", "pending"),
        child_status_by=_NOTHING_PENDING_ONCE_CLOSED,
        move=Move("transfer", "funds", "transfer", "balance", ("open",), ("open",)),
        opening=Opening("open", "account_type", "open a new"),
    ),
    Archetype(
        key="orders", owner="customer", sectors=("retail",),
        keywords={"order": 3, "item": 1, "product": 2, "shipping": 2, "ship": 1, "delivery": 2, "return": 2,
                  "exchange": 2, "refund": 1, "cart": 2, "package": 1, "retail": 2, "store": 1, "promo": 2,
                  "price": 1, "stock": 1, "purchase": 1, "track": 1, "parcel": 2, "carrier": 1},
        main=("order",), statuses=("pending", "processed", "delivered", "cancelled"),
        main_fields=(_f("shipping_address", faker="street_address"), _f("shipping_city", faker="city"),
                     _f("shipping_zip", faker="postcode"), _f("total", "number", range=[15, 900],  # drawn for an order without items
                                                             derived="round(sum([i.amount for i in children]), 2) or total"),
                     _f("payment_method", values=["credit card", "gift card", "paypal"]),
                     # a delivered order came within weeks (its items were bought when it was placed)
                     _f("placed_on", "date", when={"pending": (-4, 0), "processed": (-10, -5), "delivered": (-60, -5)})),
        actions=(Action("cancel", ("pending",), "cancelled", ("no longer needed", "ordered by mistake")),),
        editable=(_f("shipping_address", description="the new street address",
                     parts=("shipping_city", "shipping_zip")),
                  _f("payment_method", description="the new payment method")),
        child=("item",),
        child_fields=(_f("product_name", values=list(_PRODUCTS), same_as="catalog.name"),
                      _f("amount", "number", range=[5, 300], same_as="catalog.price"),
                      _f("purchased_at", "datetime",  # on the day its order was placed
                         derived="add_days(purchased_at, days_between(date(purchased_at), main.placed_on))")),
        child_statuses=("ordered", "returned"), child_covers=True,
        child_status_only={"returned": ("delivered",)},
        request=("return",), request_verb="create",
        request_reasons=("damaged", "wrong item", "no longer needed"), request_from=("ordered",),
        request_main_from=("delivered",),
        catalog=("product",),
        catalog_fields=(_f("name", values=list(_PRODUCTS)),
                        _f("price", "number", range=[5, 300],  # a product the text names: any price
                           by={"name": {p: {"range": list(r)} for p, r in _PRODUCT_PRICES.items()}}),
                        _f("in_stock", "boolean")),
        exchange=Exchange("exchange", _OPTIONS, ("delivered",), "exchanged", "pending", ("pending",),
                          by_kind=_OPTIONS_BY_KIND, other_kinds=_COLOURS),
        tracked=("shipped", "in transit", "processed", "delivered"),
    ),
    Archetype(
        key="reservations", owner="customer", sectors=("airline", "travel"),
        keywords={"reservation": 3, "booking": 3, "flight": 3, "seat": 2,
                  "baggage": 3, "bag": 2, "passenger": 3, "cabin": 2, "check": 1, "trip": 2, "airline": 3,
                  "fare": 2},
        main=("reservation", "booking"), statuses=("confirmed", "checked in", "cancelled"),
        main_fields=(_f("origin", faker="city", same_as="catalog.origin"),
                     _f("destination", faker="city", same_as="catalog.destination"),
                     _f("travel_date", "date", range=["2025-01-20", "2025-03-30"], same_as="catalog.departure_date"),
                     _f("cabin", values=["economy", "premium", "business"]),
                     _f("bags", "integer", range=[0, 2]), _f("passengers", "integer", range=[1, 4]),
                     # the flight's price is its economy fare; a cabin costs as its tier does
                     _f("total_paid", "number", range=[90, 2400], derived="round(catalog.price * passengers, 2)",
                        tier="cabin"),
                     _f("booked_on", "date")),
        actions=(Action("cancel", ("confirmed",), "cancelled", ("change of plan", "schedule change", "other"), releases=True),),
        editable=(_f("bags", "integer", description="the new number of checked bags"),
                  _f("cabin", description="the new cabin class"),
                  _f("passengers", "integer", description="the new number of passengers")),
        request=("claim",), request_verb="create", request_on_child=False, request_from=("checked in",),
        request_reasons=("delayed", "lost baggage", "cancelled by us"),
        catalog=("flight",),
        catalog_fields=(_f("origin", faker="city"), _f("destination", faker="city"),
                        _f("departure_date", "date", range=["2025-01-20", "2025-03-30"]),
                        _f("price", "number", range=[80, 900]), _f("seats_left", "integer", range=[0, 40])),
        book_verb="book", extras=("search_catalog",), units_held="passengers",
        places=Places("airport", (("JFK", "New York"), ("ORD", "Chicago"), ("SFO", "San Francisco"), ("SEA", "Seattle"))),
    ),
    Archetype(
        key="stays", owner="guest", sectors=("travel",),
        keywords={"hotel": 4, "room": 3, "guest": 3, "stay": 2, "night": 2, "suite": 2, "deluxe": 2,
                  "inn": 2, "resort": 2, "reservation": 2, "booking": 1, "check": 1, "confirmation": 1},
        main=("reservation", "booking", "stay"), statuses=("confirmed", "checked in", "cancelled"),
        main_fields=(_f("check_in", "date", range=["2025-01-20", "2025-03-30"], when={"checked in": (-3, 0)}),
                     _f("nights", "integer", range=[1, 7]),
                     _f("room_type", values=["standard", "deluxe", "suite"], same_as="catalog.room_type"),
                     _f("guests", "integer", range=[1, 4]),
                     _f("rate", values=["flexible", "non-refundable"]),
                     _f("total_paid", "number", range=[90, 2400], derived="round(catalog.nightly_rate * nights, 2)"),
                     _f("booked_on", "date")),
        actions=(Action("cancel", ("confirmed",), "cancelled", ("change of plan", "found another hotel", "other"),
                        releases=True),),
        editable=(_f("room_type", description="the new room type"),
                  _f("guests", "integer", description="the new number of guests"),
                  _f("nights", "integer", description="the new number of nights")),
        request=("complaint",), request_verb="file", request_on_child=False, request_from=("checked in",),
        request_reasons=("noise", "cleanliness", "billing error"),
        catalog=("room",),
        catalog_fields=(_f("room_type", values=["standard", "deluxe", "suite"]),
                        _f("nightly_rate", "number", range=[70, 450], tier="room_type"),
                        _f("rooms_left", "integer", range=[0, 12])),
        book_verb="book",
    ),
    Archetype(
        key="appointments", owner="patient", sectors=("health",),
        keywords={"appointment": 3, "clinic": 3, "doctor": 3, "patient": 3, "prescription": 3, "visit": 2,
                  "refill": 3, "reschedule": 2, "pharmacy": 2, "medication": 2, "health": 1},
        main=("appointment", "visit"), statuses=("scheduled", "completed", "cancelled"),
        main_fields=(_f("starts_at", "datetime", range=["2025-01-16T08:00:00", "2025-02-28T17:00:00"],
                        hours=(8, 17), when={"completed": (-60, -1)}),
                     _f("visit_type", values=["check-up", "follow-up", "consultation"]),
                     _f("booked_on", "date")),
        actions=(Action("cancel", ("scheduled",), "cancelled", ("feeling better", "conflict", "other")),),
        editable=(_f("starts_at", "datetime", description="the new start time (ISO)", verb="reschedule"),),
        request=("refill",), request_verb="request", request_on_child=False, request_from=("completed",),
        request_reasons=("running low", "lost medication"),
        catalog=("doctor",),
        catalog_fields=(_f("name", faker="name"), _f("specialty", values=["family medicine", "cardiology",
                                                                          "dermatology"]),
                        _f("accepting_patients", "boolean")),
        book_verb="book",
    ),
    Archetype(
        key="lines", owner="customer", sectors=("telecom",),
        keywords={"line": 2, "plan": 3, "phone": 2, "mobile": 3, "sim": 3, "data": 1, "roaming": 3,
                  "subscription": 1, "billing": 1, "upgrade": 2, "downgrade": 2, "telecom": 3},
        main=("line",), statuses=("active", "suspended", "closed"),
        main_fields=(_f("phone_number", faker=PHONE),
                     _f("plan", values=["Basic", "Plus", "Unlimited"]),  # "the plan", not "the plan name"
                     _f("monthly_price", "number", range=[10, 90], tier="plan"),
                     _f("started_on", "date")),
        actions=(Action("suspend", ("active",), "suspended", ("lost phone", "stolen phone", "travel")),
                 Action("resume", ("suspended",), "active"),
                 Action("cancel", ("active", "suspended"), "closed", ("moving", "too expensive", "other"))),
        editable=(_f("plan", description="the new plan"),),
        child=("bill",),
        # a line's bills: its monthly price, a month apart on its billing day (overdue ones over a month ago)
        child_fields=(_f("amount", "number", range=[10, 150], derived="main.monthly_price"),
                      _f("issued_on", "date", when={"overdue": (-90, -35)}, every=30)),
        child_statuses=("paid", "overdue"),
        request=("payment_plan",), request_verb="request", request_reasons=("hardship", "billing error"),
        request_from=("overdue",), addition=Addition("add", False, ("plan",)),
    ),
    Archetype(
        key="subscriptions", owner="member", sectors=("retail", "telecom", "health"),
        keywords={"membership": 3, "subscription": 3, "subscribe": 2, "gym": 3, "club": 2, "streaming": 3,
                  "trial": 2, "pause": 2, "member": 1, "freeze": 1, "renewal": 1, "tier": 1},
        main=("membership", "subscription"), statuses=("active", "frozen", "cancelled"),
        main_fields=(_f("plan", values=["Basic", "Standard", "Premium"], same_as="catalog.plan_name"),
                     _f("monthly_fee", "number", range=[5, 60], same_as="catalog.price"),
                     _f("freezes_this_year", "integer", range=[0, 2], default=0,
                        by={"status": {"frozen": [1, 2]}}),  # a frozen one was frozen this year
                     _f("balance_due", "number", values=[0, 9.15, 24.5, 54.26], weights=[5, 1, 1, 1]),
                     _f("started_on", "date")),
        actions=(Action("freeze", ("active",), "frozen", ("travel", "injury", "other"),
                        also_set=(("freezes_this_year", "r.freezes_this_year + 1"),)),
                 Action("unfreeze", ("frozen",), "active"),
                 Action("cancel", ("active", "frozen"), "cancelled", ("moving", "too expensive", "other"))),
        editable=(_f("plan", description="the new plan"),),
        request=("refund",), request_verb="request", request_on_child=False,
        request_reasons=("charged while frozen", "billing error"),
        catalog=("plan", "tier"),
        catalog_fields=(_f("plan_name", values=["Basic", "Standard", "Premium"]),
                        _f("price", "number", range=[5, 60], tier="plan_name")),
        book_verb="start",
    ),
    Archetype(
        key="loans", owner="member", sectors=("library", "banking"),
        keywords={"library": 3, "loan": 2, "book": 2, "hold": 3, "renew": 3, "borrow": 3, "due": 1,
                  "branch": 1, "overdue": 2, "title": 1},
        main=("loan",), statuses=("active", "returned", "overdue"),
        main_fields=(_f("title", values=list(_TITLES), same_as="catalog.name"),
                     # an active loan is due within a loan period; it was borrowed a loan period
                     # before its due date for each time it ran, the first and each renewal ({days}: what
                     # a renewal adds, the text's "for 21 days each time")
                     _f("due_date", "date", range=["2025-01-10", "2025-02-10"],
                        when={"overdue": (-20, -1), "active": (1, 14), "returned": (-40, 10)}),
                     _f("renewals", "integer", range=[0, 2]),
                     _f("borrowed_on", "date", derived="add_days(due_date, -{days} * (renewals + 1))", days_of="renew")),
        actions=(Action("renew", ("active",), "active",
                        also_set=(("due_date", "add_days(r.due_date, 14)"), ("renewals", "r.renewals + 1")),
                        guard=("r.renewals < 2", "A loan can be renewed twice at most")),
                 Action("return", ("active", "overdue"), "returned", releases=True)),
        request=("hold",), request_verb="place", request_on_child=False, request_on_catalog=True,
        request_reasons=("branch pickup", "home delivery"),
        request_when=("R.copies_available == 0", "A copy of {R.name} is on the shelf, so it can be borrowed now without a hold"),
        catalog=("title",), one_each=True,
        catalog_fields=(_f("name", values=list(_TITLES)), _f("copies_available", "integer", range=[0, 3])),
    ),
    Archetype(
        key="rentals", owner="customer",
        keywords={"rental": 3, "rent": 3, "hire": 2, "car": 2, "vehicle": 2, "plate": 2, "agreement": 1,
                  "extend": 2, "extension": 2, "daily": 1, "equipment": 2, "bike": 2, "locker": 2, "scooter": 2,
                  "pick": 1},
        main=("rental",), statuses=("active", "reserved", "returned", "cancelled"),
        main_fields=(_f("vehicle_type", values=list(_RENTED), description="what is rented"),
                     _f("plate_number", faker="license_plate"),
                     _f("picked_up_at", "datetime", hours=(8, 17),  # a cancelled one was to be picked up
                        when={"active": (-12, -1), "reserved": (2, 20), "returned": (-60, -20), "cancelled": (-30, 20)}),
                     _f("return_by", "datetime", hours=(8, 17), after="picked_up_at",
                        when={"active": (0, 9), "reserved": (22, 40), "returned": (-19, -1), "cancelled": (-28, 40)}),
                     _f("daily_rate", "number", range=[25, 140]), _f("booked_on", "date")),
        actions=(Action("cancel", ("reserved",), "cancelled", ("change of plan", "found another option", "other")),),
        extension=Extension("extend", "return_by", "daily_rate", ("active", "reserved")),
        sector="rental",
    ),
    Archetype(
        key="utility", owner="customer", sector="utility",
        keywords={"meter": 3, "reading": 2, "utility": 3, "electricity": 3, "energy": 4, "gas": 2, "water": 2,
                  "bill": 2, "payment": 1, "usage": 2, "tariff": 3, "outage": 2},
        main=("account",), statuses=("active", "in arrears", "closed"),
        main_fields=(_f("service_address", faker="street_address"), _f("balance_due", "number", range=[0, 600]),
                     _f("tariff", values=["standard", "economy", "fixed"]), _f("opened_on", "date")),
        actions=(Action("close", ("active",), "closed", ("moving out", "switching supplier")),),
        editable=(_f("tariff", description="the new tariff"),),
        child=("meter_reading", "reading"),
        child_fields=(_f("value", "integer", range=[1000, 90000], rises_with="read_at",
                         description="the meter's reading"),
                      _f("read_at", "date", description="the date the meter was read (YYYY-MM-DD)")),
        child_statuses=("actual", "estimated"),
        request=("payment_plan",), request_verb="request", request_on_child=False,
        request_reasons=("hardship", "high bill"), addition=Addition("submit", True, ("value", "read_at")),
    ),
    Archetype(
        key="payments", owner="customer", sectors=("banking", "retail", "utility"),
        keywords={"payment": 2, "send": 1, "money": 2, "contact": 2, "recipient": 2, "schedule": 2,
                  "recurring": 3, "split": 2, "qr": 2, "request": 1, "pay": 1, "block": 1, "rent": 1},
        main=("payment", "transfer"), statuses=("scheduled", "sent", "cancelled"),
        main_fields=(_f("amount", "number", range=[5, 900],  # what it is for says what it costs
                        by={"memo": {m: {"range": list(r)} for m, r in _MEMO_AMOUNTS.items()}}),
                     _f("memo", faker=_pick(_MEMOS)),
                     _f("send_date", "date", range=["2025-01-16", "2025-03-01"], when={"sent": (-40, -1)}),
                     _f("frequency", values=["one-time", "weekly", "monthly"],  # a gift is sent once
                        by={"memo": {m: ["one-time"] for m in _ONE_OFF_MEMOS}}),
                     _f("created_on", "date")),
        actions=(Action("cancel", ("scheduled",), "cancelled", ("no longer needed", "wrong amount", "wrong recipient")),),
        editable=(_f("amount", "number", description="the new amount"),
                  _f("send_date", "date", description="the new date (YYYY-MM-DD)"),
                  _f("frequency", description="how often it repeats")),
        catalog=("contact", "recipient"),
        catalog_fields=(_f("name", faker="name"), _f("email", faker="email"), _f("verified", "boolean")),
        directory=True, book_verb="schedule",
    ),
    Archetype(
        key="profiles", owner="customer",
        keywords={"username": 3, "password": 3, "login": 2, "log": 1, "sign": 1, "profile": 2, "factor": 2,
                  "recover": 2, "reset": 2, "phone": 1, "name": 1, "address": 1, "verify": 1, "code": 1},
        main=("account", "profile"), statuses=("active", "locked", "closed"),
        main_fields=(_f("username", faker="user_name"), _f("phone_number", faker=PHONE),
                     _f("two_factor", "boolean"), _f("failed_logins", "integer", range=[0, 5]),
                     _f("created_on", "date")),
        actions=(Action("lock", ("active",), "locked", ("suspicious activity", "lost phone")),
                 Action("unlock", ("locked",), "active", also_set=(("failed_logins", "0"),)),
                 Action("close", ("active", "locked"), "closed", ("no longer needed", "other"))),
        editable=(_f("phone_number", description="the new phone number"),
                  _f("username", description="the new username"),
                  _f("two_factor", "boolean", description="turn two-factor sign-in on or off")),
    ),
    Archetype(
        key="installments", owner="customer", sectors=("banking", "retail", "utility"),
        keywords={"bnpl": 3, "installment": 3, "financing": 3, "apr": 2, "autopay": 2, "repayment": 2,
                  "term": 1, "late": 1, "plan": 1, "due": 1, "purchase": 1, "promotional": 1, "checkout": 1},
        main=("plan",), statuses=("active", "paid off", "cancelled"),
        main_fields=(_f("merchant", faker="company"), _f("purchase_amount", "number", range=[120, 3000]),
                     _f("term", values=["3 months", "6 months", "12 months"]),
                     _f("payment_frequency", values=["biweekly", "monthly"]), _f("autopay", "boolean"),
                     _f("late_fees", "number", range=[0, 40], default=0), _f("started_on", "date")),
        actions=(Action("cancel", ("active",), "cancelled", ("no longer needed", "other")),),
        editable=(_f("autopay", "boolean", description="turn automatic payments on or off"),
                  _f("payment_frequency", description="how often you pay")),
        child=("installment",),
        # a plan's installments: its purchase spread over its term, one each period, due a period apart
        child_fields=(_f("amount", "number", range=[20, 500],
                         derived=f"round(main.purchase_amount * ({_PERIOD.replace('payment_frequency', 'main.payment_frequency')})"
                                 f" / (30 * {_MONTHS.replace('[term]', '[main.term]')}), 2)"),
                      _f("due_date", "date", range=["2025-01-20", "2025-04-30"], every=_PERIOD, until=_TERM_ENDS,
                         when={"paid": (-90, -1), "late": (-30, -1), "scheduled": (1, 100)})),
        child_statuses=("scheduled", "paid", "late"), child_covers=True,
        child_status_by={"paid off": ("paid",), "cancelled": ("paid",)},
        request=("extension",), request_verb="request", request_reasons=("hardship", "billing error"),
        request_from=("scheduled", "late"),
        request_main_from=("active",),  # a cancelled plan's installments are not due: none is extended
    ),
    Archetype(
        key="access", owner="customer",
        keywords={"authorized": 3, "permission": 3, "role": 2, "access": 2, "invite": 2, "invitation": 2,
                  "block": 2, "unblock": 3, "admin": 2, "viewer": 2, "revoke": 2, "user": 1},
        main=("user", "member", "contact"), statuses=("active", "blocked", "removed"),
        main_fields=(_f("full_name", faker="name"), _f("email", faker="email"),
                     _f("role", values=["viewer", "editor", "admin"]), _f("added_on", "date")),
        actions=(Action("block", ("active",), "blocked", ("spam", "unknown sender", "harassment")),
                 Action("unblock", ("blocked",), "active"),
                 Action("remove", ("active", "blocked"), "removed", ("no longer needed", "left the business"))),
        editable=(_f("role", description="the new role"),),
    ),
    Archetype(
        key="tickets", owner="customer",
        keywords={"ticket": 3, "issue": 1, "support": 2, "case": 2, "complaint": 3, "escalate": 2,
                  "troubleshoot": 2, "password": 2, "login": 2, "reset": 1, "refund": 2, "credit": 1},
        main=("ticket", "case"), statuses=("open", "waiting", "resolved", "closed"),
        main_fields=(_f("subject", faker=_pick(_SUBJECTS)), _f("priority", values=["low", "normal", "high"]),
                     _f("opened_on", "date")),
        actions=(Action("close", ("open", "waiting", "resolved"), "closed", ("resolved", "duplicate", "no reply")),
                 Action("reopen", ("resolved", "closed"), "open")),
        editable=(_f("priority", description="the new priority"),),
        request=("refund",), request_verb="issue", request_on_child=False,
        request_reasons=("defective", "late delivery", "goodwill"),
    ),
)
