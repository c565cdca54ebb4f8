"""τ-bench retail data ⇄ the tables of `examples/domains/tau_retail.yaml`.

τ-bench (sierra-research/tau-bench, MIT) keeps its retail state as three nested JSON files:
users.json, orders.json and products.json. `load_retail` flattens them into rows for
`compile_domain(domain, data=rows)`; `export_retail` reads a sandbox back into the nested shape
(for the orders, users and products one asks about), so a final state can be compared with what
τ-bench's own tools produce.

    users            user_id, first_name, last_name, email, address (json), position
    payment_methods  id, user_id, source, brand, last_four, balance, position
    orders           order_id, user_id, address (json), fulfillments (json), status, position,
                     cancel_reason, exchange_items, exchange_new_items, exchange_payment_method_id,
                     exchange_price_difference, return_items, return_payment_method_id
    order_items      id, order_id, position, name, product_id, item_id, price, options (json)
    payment_history  id, order_id, seq, transaction_type, amount, payment_method_id
    products         product_id, name, position
    variants         item_id, product_id, options (json), available, price, position

`position`/`seq` keep τ-bench's list and dict orders (a user's orders list follows orders.json).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..tools import Sandbox
from ..tools.tables import quote

RETAIL_DATA = Path("external/taubench/tau-bench/tau_bench/envs/retail/data")
"""Where the data lives under the shared folder."""

ORDER_EXTRAS = ("cancel_reason", "exchange_items", "exchange_new_items", "exchange_payment_method_id",
                "exchange_price_difference", "return_items", "return_payment_method_id")
"""Order keys τ-bench's tools add; in this order after the seven keys every order has."""

_PAYMENT_METHOD_KEYS = ("source", "brand", "last_four", "balance", "id")
_ITEM_KEYS = ("name", "product_id", "item_id", "price", "options")
_HISTORY_KEYS = ("transaction_type", "amount", "payment_method_id")


def read_retail_json(data_dir: str | Path) -> dict[str, dict[str, Any]]:
    """τ-bench's three files as loaded by tau_bench.envs.retail.data.load_data."""
    data_dir = Path(data_dir)
    out = {}
    for name in ("users", "orders", "products"):
        path = data_dir / f"{name}.json"
        try:
            out[name] = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise FileNotFoundError(f"{path}: cannot read τ-bench data: {err.strerror or err}") from None
    return out


def retail_rows(data: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows for the domain's tables from τ-bench's nested {users, orders, products}."""
    users, payment_methods = [], []
    for upos, (user_id, u) in enumerate(data["users"].items()):
        users.append({"user_id": user_id, "first_name": u["name"]["first_name"],
                      "last_name": u["name"]["last_name"], "email": u["email"],
                      "address": u["address"], "position": upos})
        for ppos, (pm_id, pm) in enumerate(u["payment_methods"].items()):
            payment_methods.append({"id": pm_id, "user_id": user_id, "source": pm["source"],
                                    "brand": pm.get("brand"), "last_four": pm.get("last_four"),
                                    "balance": pm.get("balance"), "position": ppos})
    orders, items, history = [], [], []
    for opos, (order_id, o) in enumerate(data["orders"].items()):
        row = {"order_id": order_id, "user_id": o["user_id"], "address": o["address"],
               "fulfillments": o["fulfillments"], "status": o["status"], "position": opos}
        row.update({k: o.get(k) for k in ORDER_EXTRAS})
        orders.append(row)
        for ipos, it in enumerate(o["items"]):
            items.append({"id": len(items) + 1, "order_id": order_id, "position": ipos,
                          **{k: it[k] for k in _ITEM_KEYS}})
        for seq, p in enumerate(o["payment_history"]):
            history.append({"id": len(history) + 1, "order_id": order_id, "seq": seq,
                            **{k: p[k] for k in _HISTORY_KEYS}})
    products, variants = [], []
    for ppos, (product_id, p) in enumerate(data["products"].items()):
        products.append({"product_id": product_id, "name": p["name"], "position": ppos})
        for vpos, (item_id, v) in enumerate(p["variants"].items()):
            variants.append({"item_id": item_id, "product_id": product_id, "options": v["options"],
                             "available": v["available"], "price": v["price"], "position": vpos})
    return {"users": users, "payment_methods": payment_methods, "orders": orders,
            "order_items": items, "payment_history": history, "products": products,
            "variants": variants}


def load_retail(data_dir: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read τ-bench's retail data folder into rows for `compile_domain(domain, data=rows)`."""
    return retail_rows(read_retail_json(data_dir))


# ---------------------------------------------------------------- export


def _rows(sandbox: Sandbox, table: str, where: str, keys: list[str], order: str) -> list[dict[str, Any]]:
    """Rows of `table` whose `where` field is one of `keys`, in `order` (fields checked by the schema)."""
    t = sandbox.tables[table]
    fields = order.split(",")
    if where not in t.fields or any(o not in t.fields for o in fields):
        raise KeyError(f"{table} has no field {where!r} or {order!r}")
    order_sql = ", ".join(quote(o) for o in fields)
    out: list[dict[str, Any]] = []
    for i in range(0, len(keys), 500):  # SQLite's bound-parameter limit
        chunk = keys[i:i + 500]
        sql = f"{t.select_sql} WHERE {quote(where)} IN ({', '.join('?' * len(chunk))}) ORDER BY {order_sql}"
        out.extend(t.decode(r) for r in sandbox.conn.execute(sql, chunk))
    return out


def _group(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out


def export_orders(sandbox: Sandbox, order_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """{order_id: the order in τ-bench's shape, or None when absent}."""
    ids = list(dict.fromkeys(order_ids))
    found = {r["order_id"]: r for r in _rows(sandbox, "orders", "order_id", ids, "order_id")}
    items = _group(_rows(sandbox, "order_items", "order_id", ids, "order_id,position"), "order_id")
    history = _group(_rows(sandbox, "payment_history", "order_id", ids, "order_id,seq"), "order_id")
    out: dict[str, dict[str, Any] | None] = {}
    for oid in ids:
        o = found.get(oid)
        if o is None:
            out[oid] = None
            continue
        order = {"order_id": oid, "user_id": o["user_id"], "address": o["address"],
                 "items": [{k: it[k] for k in _ITEM_KEYS} for it in items.get(oid, [])],
                 "fulfillments": o["fulfillments"], "status": o["status"],
                 "payment_history": [{k: p[k] for k in _HISTORY_KEYS} for p in history.get(oid, [])]}
        order.update({k: o[k] for k in ORDER_EXTRAS if o[k] is not None})
        out[oid] = order
    return out


def export_users(sandbox: Sandbox, user_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """{user_id: the user in τ-bench's shape (payment methods by id, order ids), or None}."""
    ids = list(dict.fromkeys(user_ids))
    found = {r["user_id"]: r for r in _rows(sandbox, "users", "user_id", ids, "user_id")}
    methods = _group(_rows(sandbox, "payment_methods", "user_id", ids, "user_id,position"), "user_id")
    orders = _group(_rows(sandbox, "orders", "user_id", ids, "user_id,position"), "user_id")
    out: dict[str, dict[str, Any] | None] = {}
    for uid in ids:
        u = found.get(uid)
        if u is None:
            out[uid] = None
            continue
        out[uid] = {
            "name": {"first_name": u["first_name"], "last_name": u["last_name"]},
            "address": u["address"], "email": u["email"],
            "payment_methods": {pm["id"]: {k: pm[k] for k in _PAYMENT_METHOD_KEYS if pm[k] is not None}
                                for pm in methods.get(uid, [])},
            "orders": [o["order_id"] for o in orders.get(uid, [])],
        }
    return out


def export_products(sandbox: Sandbox, product_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """{product_id: the product in τ-bench's shape (variants by item id), or None}."""
    ids = list(dict.fromkeys(product_ids))
    found = {r["product_id"]: r for r in _rows(sandbox, "products", "product_id", ids, "product_id")}
    variants = _group(_rows(sandbox, "variants", "product_id", ids, "product_id,position"), "product_id")
    out: dict[str, dict[str, Any] | None] = {}
    for pid in ids:
        p = found.get(pid)
        out[pid] = None if p is None else {
            "name": p["name"], "product_id": pid,
            "variants": {v["item_id"]: {"item_id": v["item_id"], "options": v["options"],
                                        "available": v["available"], "price": v["price"]}
                         for v in variants.get(pid, [])},
        }
    return out


def export_retail(sandbox: Sandbox, *, orders: Iterable[str] = (), users: Iterable[str] = (),
                  products: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """The named orders, users and products of a sandbox in τ-bench's nested JSON shape."""
    return {"orders": export_orders(sandbox, orders), "users": export_users(sandbox, users),
            "products": export_products(sandbox, products)}


def export_all(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """The whole retail state in τ-bench's shape, keys in τ-bench's file order."""
    def ordered(table: str, key: str) -> list[str]:
        sql = f"SELECT {quote(key)} FROM {quote(sandbox.tables[table].name)} ORDER BY {quote('position')}"
        return [r[0] for r in sandbox.conn.execute(sql)]
    return export_retail(sandbox, orders=ordered("orders", "order_id"), users=ordered("users", "user_id"),
                         products=ordered("products", "product_id"))
