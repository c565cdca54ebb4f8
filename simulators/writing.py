"""How one person writes dates, amounts of money and times of day.

The user's words are built with one way of writing each ("January 24, 2025", "$4,800", "9:00 am");
people write them in several, and an assistant must turn any of them into what its tools take. Each
user keeps one way for each (chosen by who they are), applied to everything they write: "Jan 24,
2025", "24 January 2025", "1/24/2025" or "24 Jan 2025"; "$4800" or "4,800 dollars"; "9am" or "9:00 AM".
"""
from __future__ import annotations

import re
import zlib

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DATE = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}}), (\d{{4}})\b")
_MONEY = re.compile(r"(?<![\w$])\$(\d{1,3}(?:,\d{3})*)(\.\d\d)?(?![\w,]|\.\d)")  # not "i$5lYr" (a passphrase)
_TIME = re.compile(r"\b(\d{1,2}):(\d\d) (am|pm)\b")

# "2025-02-01" is how a database writes a date, not a customer typing to a person (round 61): no user writes it,
# though a check of what a user said still reads it (`every_way`: a model user may)
DATES = ["{month} {d}, {y}", "{mon} {d}, {y}", "{d} {month} {y}", "{m}/{d}/{y}", "{d} {mon} {y}"]
_READ_DATES = [*DATES, "{y}-{m:02d}-{d:02d}"]
MONEY = ["${amount}", "${plain}", "{amount} dollars"]
TIMES = ["{h}:{mm} {ap}", "{h}:{mm} {AP}", "{short}"]  # not "21:00": a record may hold a time so


class Hand:
    """One user's way of writing dates, money and times (index 0 of each: as the words were built)."""

    def __init__(self, who: str) -> None:
        code = zlib.crc32(f"hand\x00{who}".encode())
        self.date = DATES[code % len(DATES)]
        self.money = MONEY[code // 7 % len(MONEY)]
        self.time = TIMES[code // 31 % len(TIMES)]

    def write(self, text: str) -> str:
        """`text` with its dates, amounts and times written this user's way."""
        if self.date is not DATES[0]:
            text = _DATE.sub(self._date, text)
        if self.money is not MONEY[0]:
            text = _MONEY.sub(self._money, text)
        if self.time is not TIMES[0]:
            text = _TIME.sub(self._time, text)
        return text

    def _date(self, m: re.Match[str]) -> str:
        month = _MONTHS.index(m.group(1)) + 1
        return self.date.format(month=m.group(1), mon=m.group(1)[:3], d=int(m.group(2)), m=month, y=m.group(3))

    def _money(self, m: re.Match[str]) -> str:
        cents = m.group(2) or ""
        return self.money.format(amount=m.group(1) + cents, plain=m.group(1).replace(",", "") + cents)

    def _time(self, m: re.Match[str]) -> str:
        h, mm, ap = int(m.group(1)), m.group(2), m.group(3)
        short = f"{h}{ap}" if mm == "00" else f"{h}:{mm}{ap}"
        return self.time.format(h=h, mm=mm, ap=ap, AP=ap.upper(), short=short)


def every_way(text: str) -> list[str]:
    """`text` written each way a user may write its dates, amounts and times ("February 1, 2025
    at 1:30 pm" as "2025-02-01 at 1:30 PM", "2/1/2025 at 1:30pm", ...): what a check that a value
    was said by the user reads, whoever the user is."""
    out = [text]
    for date in _READ_DATES:
        for money in MONEY:
            for time in TIMES:
                hand = Hand.__new__(Hand)
                hand.date, hand.money, hand.time = date, money, time
                written = hand.write(text)
                if written not in out:
                    out.append(written)
    return out
