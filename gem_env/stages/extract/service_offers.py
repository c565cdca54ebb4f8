"""A write the text tells the assistant to offer once a request's own write is done.

"Ask the customer if they would like you to transfer the opening deposit from their checking account
now. If yes, use transfer_funds_between_bank_accounts_7291 to transfer the required amount. If no,
inform them they have 30 days to fund the account (via internal transfer or external deposit) or
the account will be closed." (the personal and business savings opening procedures): the customer,
not the assistant, decides, and the two answers have two outcomes: the money moved, or the deadline
told. Read from the sentences, not per document:

- the offer sentence: the act ("transfer", the verb of the domain's move tool), what is moved ("the
  opening deposit") and from where ("their checking account": the owner's live record of that kind,
  held as long as the opening's rules ask);
- the section's write it follows: the opening of a product (the offer rides on `open_<main>`);
- the amount: the opened product's opening deposit, a catalog field (the text's figure for its
  title product where it states one, "Minimum opening deposit: $100"; else seeded per product);
- the "if no" line, said to the customer ("You have 30 days to fund the account, by internal
  transfer or external deposit, or it will be closed.").

The workflow gets a `WorkflowOffer`; the tasks decide who takes it (`tasks.offers`), the agent asks
it (`tools.offers.OFFER_ASKS`), verification holds the no to its line.
"""
from __future__ import annotations

import re
import zlib
from typing import Any

from .service_feature import Feature
from .specialise import Found, Specialisation

#: "Ask the customer if they would like you to transfer the opening deposit from their business
#: checking account now", "Ask the customer if they want you to transfer the opening deposit now from
#: their eligible business checking account"
_ASK = re.compile(r"\bask the customer (?:if|whether) they (?:would like|want) you to (?P<verb>transfer|move) "
                  r"the (?P<what>opening deposit|initial deposit)(?: now)? from their (?P<words>(?:[A-Za-z-]+ ){0,3}?)"
                  r"(?P<noun>account|card)\b", re.IGNORECASE)
#: "If no, inform them they have 30 days to fund the account (via internal transfer or external
#: deposit) or the account will be closed."
_IF_NO = re.compile(r"\bif no[,:]?\s+(?:inform|tell|advise|let) (?:them|the customer)(?: know)? (?:that )?"
                    r"(?P<line>they (?:have|must|need|will)\b[^.\n]+)", re.IGNORECASE)
#: what a deposit may be, seeded per product where the text states none
_DEPOSITS = (25, 50, 100, 250)


def read_offers(sp: Specialisation, arch: Any, text: str, title: str) -> None:
    """Fill `sp.offer`: (verb, what, kind words, the "if no" line) and the sentence that asks."""
    if arch.opening is None or arch.move is None:
        return
    asked = no = None
    for start, end, s in sp.sentences:
        if asked is None and (m := _ASK.search(s)):
            asked = (m, start, end, s)
        if no is None and (n := _IF_NO.search(s)):
            no = n.group("line")
    if asked is None or no is None:
        return
    m, start, end, s = asked
    if m.group("verb").lower() != arch.move.verb and m.group("verb").lower() != "move":
        return
    sp.offer = Found((m.group("verb").lower(), m.group("what").lower(), m.group("words").strip().lower(),
                      to_customer(no)), start, end, s)


def to_customer(line: str) -> str:
    """The text's line about the customer said to them: "they have 30 days to fund the account (via
    internal transfer or external deposit) or the account will be closed" -> "You have 30 days to
    fund the account, by internal transfer or external deposit, or it will be closed."."""
    out = line.strip().rstrip(".;")
    out = re.sub(r"^they\b", "You", out)
    out = re.sub(r"\btheir\b", "your", out)
    out = re.sub(r"\bthem\b", "you", out)
    out = re.sub(r"\s*\(via ([^)]+)\)\s*", r", by \1, ", out)
    out = re.sub(r",?\s*(?:;\s*)?(?:otherwise,?\s*)?(?:or\s+)?the (account|card) will be (closed|cancelled)\b",
                 r", or it will be \2", out)
    out = re.sub(r",\s*,", ",", out)
    return out[:1].upper() + out[1:] + "."


def deposit_of(name: str, stated: str | None) -> float:
    """A product's opening deposit: the text's figure ("$1,000") for its title product, else one of
    `_DEPOSITS` by its name (stable across runs and machines)."""
    if stated and (m := re.search(r"\d[\d,]*(?:\.\d+)?", stated)):
        return float(m.group(0).replace(",", ""))
    return float(_DEPOSITS[zlib.crc32(name.encode()) % len(_DEPOSITS)])


DEPOSIT_FIELD = "opening_deposit"


class Offers:
    """Mixin of `ToolKit` (service_tools.py): the catalog's deposit field, and the offer on opening."""

    def offers(self) -> bool:
        return getattr(self.sp, "offer", None) is not None and self.opening() and bool(self.moves)

    def deposit_rows(self) -> list[float] | None:
        """Each catalog product's opening deposit, in the catalog's order (None: no offer)."""
        if not self.offers():
            return None
        stated = self.sp.product_facts.get("minimum_opening_deposit")
        self._cite(stated)
        return [deposit_of(n, str(stated.value) if stated and i == 0 else None)
                for i, n in enumerate(self.sp.products.value)]

    def deposit_offer(self) -> dict[str, Any] | None:
        """The offer on the opening workflow (whose product the user names: `product_name`, listed
        in `offered`; the new record: `opened`; the owner's profile: `profile`), or None."""
        if not self.offers():
            return None
        verb, what, words, if_no = self.sp.offer.value  # type: ignore[union-attr, misc]
        self._cite(self.sp.offer)
        mv, m, kind = self.a.move, self.sp.main, self._kind_field()
        kinds = [k for k in self.a.product_kinds() if k in words.split()]
        held = next((g.value[1] for g in self.sp.eligibility if g.value[0] == "held_for"), None)
        fields = {x["name"] for x in self.a.main_fields}
        start = next((n for n in ("opened_on", "opened_at") if n in fields), None)
        conds = [f"a.status == '{self.statuses[0]}'", *([f"a.{kind} == '{kinds[0]}'"] if kinds else []),
                 *([f"days_between(a.{start}, today) >= {held}"] if held and start else [])]
        listed = f"[a.{self.main_pk} for a in profile.{self.mains} if {' and '.join(conds)}]"
        source = f"first({listed})"
        amount = f"first([p.{DEPOSIT_FIELD} for p in offered if lower(p.name) == lower(product_name)])"
        fld = mv.amount_field
        # the customer can say yes where the money is there to move (no yes to a transfer that would
        # fail); whether they do is the task's draw (`tasks.offers`)
        enough = f"len([x for x in rows('{self.mains}', {{{self.main_pk}: {source}}}) if x.{fld} >= {amount}]) > 0"
        takes = f"{source} != null and {enough}"
        noun = m.replace("_", " ")
        said_kind = f"{kinds[0]} {noun}" if kinds else noun
        return {"step": {"tool": f"{mv.verb}_{mv.obj}", "as": "funded",
                         "args": {f"source_{m}_id": {"result": source}, f"destination_{m}_id": {"result": f"opened.{self.main_pk}"},
                                  "amount": {"result": amount}}},
                "offer": f"{verb} the {{amount}} {what} from your {said_kind} {{source}} into the new {noun}",
                "said": {"amount": amount, "source": source},
                "if_no": if_no, "takes": takes,
                "span": {"start": self.sp.offer.start, "end": self.sp.offer.end, "text": self.sp.offer.text}}  # type: ignore[union-attr]


#: the offer rides on the opening workflow (`Openings.open_flow`) and the catalog (`product_entity`)
OFFERS = Feature("offers", Offers, read=read_offers, on=lambda kit: False)

__all__ = ["DEPOSIT_FIELD", "OFFERS", "Offers", "deposit_of", "read_offers", "to_customer"]
