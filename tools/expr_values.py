"""The values of the expression language: JSON types, operators and the pure function library.

Every operator and function checks its operand types and raises `ExprError` with a message fit to
show an agent; none touches files, network or the clock.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from typing import Any, Callable

from .errors import ExprError


def typename(v: Any) -> str:
    return {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string",
            list: "list", dict: "object"}.get(type(v), type(v).__name__)


def number(v: Any, what: str) -> float | int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ExprError(f"{what} needs a number, got {typename(v)} {v!r}")
    return v


def text_of(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) or isinstance(b, str):
        return text_of(a) + text_of(b)
    if isinstance(a, list) and isinstance(b, list):
        return a + b
    return number(a, "'+'") + number(b, "'+'")


def _div(a: Any, b: Any) -> Any:
    if number(b, "'/'") == 0:
        raise ExprError("division by zero")
    return number(a, "'/'") / b


def _mod(a: Any, b: Any) -> Any:
    if number(b, "'%'") == 0:
        raise ExprError("division by zero")
    return number(a, "'%'") % b


def _compare(op: str) -> Callable[[Any, Any], bool]:
    import operator
    fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[op]

    def cmp(a: Any, b: Any) -> bool:
        try:
            return fn(a, b)
        except TypeError:
            raise ExprError(f"cannot compare {typename(a)} {op} {typename(b)}") from None
    return cmp


def _contains(a: Any, b: Any) -> bool:
    if isinstance(b, (list, dict)):
        return a in b
    if isinstance(b, str):
        return text_of(a) in b
    if b is None:
        return False
    raise ExprError(f"'in' needs a list, object or string on the right, got {typename(b)}")


BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": lambda a, b: number(a, "'-'") - number(b, "'-'"),
    "*": lambda a, b: number(a, "'*'") * number(b, "'*'"),
    "/": _div, "%": _mod,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": _compare("<"), "<=": _compare("<="), ">": _compare(">"), ">=": _compare(">="),
    "in": _contains, "not in": lambda a, b: not _contains(a, b),
}


def get_attr(value: Any, name: str) -> Any:
    """`row.field`; on a list, the field of every element."""
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, list):
        return [get_attr(v, name) for v in value]
    raise ExprError(f"cannot read field '{name}' of {typename(value)}")


def index_value(value: Any, key: Any) -> Any:
    if isinstance(value, list):
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExprError(f"a list index must be a whole number, got {typename(key)}")
        if not -len(value) <= key < len(value):
            raise ExprError(f"index {key} is out of range for a list of {len(value)}")
        return value[key]
    if isinstance(value, dict):
        return value.get(text_of(key))
    raise ExprError(f"cannot index {typename(value)}")


# ---------------------------------------------------------------- functions


def _list(v: Any, fn: str) -> list:
    if not isinstance(v, list):
        raise ExprError(f"{fn}() needs a list, got {typename(v)}")
    return v


def _sum(v: Any) -> Any:
    total: Any = 0
    for x in _list(v, "sum"):
        total = total + number(x, "sum()")
    return total


def _minmax(fn: Callable, name: str) -> Callable:
    def inner(*args: Any) -> Any:
        items = _list(args[0], name) if len(args) == 1 else list(args)
        if not items:
            raise ExprError(f"{name}() of an empty list")
        try:
            return fn(items)
        except TypeError:
            raise ExprError(f"{name}() needs values of one kind") from None
    return inner


def _round(x: Any, n: Any = 0) -> Any:
    r = round(number(x, "round()"), int(number(n, "round()")))
    return r if n else int(r)


def _int(x: Any) -> int:
    try:
        return int(float(x)) if isinstance(x, str) else int(number(x, "int()"))
    except ValueError:
        raise ExprError(f"int() cannot read {x!r}") from None


def _float(x: Any) -> float:
    try:
        return float(x) if isinstance(x, str) else float(number(x, "float()"))
    except ValueError:
        raise ExprError(f"float() cannot read {x!r}") from None


def _date(x: Any) -> str:
    try:
        return dt.datetime.fromisoformat(text_of(x)).date().isoformat()
    except ValueError:
        raise ExprError(f"date() cannot read {x!r}") from None


def _add_days(d: Any, n: Any) -> str:
    text = text_of(d)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ExprError(f"add_days() cannot read the date {d!r}") from None
    out = parsed + dt.timedelta(days=number(n, "add_days()"))
    return out.date().isoformat() if len(text) <= 10 else out.isoformat()


def _add_months(d: Any, n: Any) -> str:
    """The same day `n` calendar months on (the month's last day where it has no such day: a
    billing cycle starting on the 31st starts on February 28th)."""
    text = text_of(d)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ExprError(f"add_months() cannot read the date {d!r}") from None
    months = number(n, "add_months()")
    if months != int(months):
        raise ExprError(f"add_months() takes a whole number of months, got {n!r}")
    year, month = divmod(parsed.month - 1 + int(months), 12)
    year += parsed.year
    last = calendar.monthrange(year, month + 1)[1]
    out = parsed.replace(year=year, month=month + 1, day=min(parsed.day, last))
    return out.date().isoformat() if len(text) <= 10 else out.isoformat()


def _days_between(a: Any, b: Any) -> int:
    try:
        return (dt.datetime.fromisoformat(text_of(b)) - dt.datetime.fromisoformat(text_of(a))).days
    except ValueError:
        raise ExprError(f"days_between() cannot read {a!r} or {b!r}") from None


def _hours_between(a: Any, b: Any) -> float:
    """Hours from `a` to `b` (date-times, or dates at midnight), to the minute; negative when b < a."""
    try:
        delta = dt.datetime.fromisoformat(text_of(b)) - dt.datetime.fromisoformat(text_of(a))
    except ValueError:
        raise ExprError(f"hours_between() cannot read {a!r} or {b!r}") from None
    return round(delta.total_seconds() / 3600, 4)


def _parse_day(x: Any, fn: str) -> dt.date:
    try:
        return dt.datetime.fromisoformat(text_of(x)).date()
    except ValueError:
        raise ExprError(f"{fn}() cannot read the date {x!r}") from None


def _add_business_days(d: Any, n: Any) -> str:
    """`d` moved by `n` working days (Monday to Friday): Friday + 1 and Saturday + 1 are Monday."""
    day = _parse_day(d, "add_business_days")
    left = int(number(n, "add_business_days()"))
    step = 1 if left >= 0 else -1
    while left:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            left -= step
    return day.isoformat()


def _business_days_between(a: Any, b: Any) -> int:
    """Working days (Monday to Friday) after `a` up to and including `b`; negative when b < a."""
    start, end = _parse_day(a, "business_days_between"), _parse_day(b, "business_days_between")
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5 + sum(1 for k in range(1, extra + 1) if (start + dt.timedelta(days=k)).weekday() < 5)
    return sign * count


def _join(v: Any, sep: Any = ", ") -> str:
    return text_of(sep).join(text_of(x) for x in _list(v, "join"))


def format_id(pattern: str, n: int) -> str:
    """The `n`-th id of a pattern: ``'DSP-#####'`` -> DSP-10001, DSP-10002, ...; a pattern without
    ``#`` is a prefix (``'ORD-'`` -> ORD-1). The first run of ``#`` is the number, other ``#`` are kept."""
    m = re.search(r"#+", pattern)
    if not m:
        return f"{pattern}{n}"
    width = len(m.group(0))
    number = 10 ** (width - 1) + n if width > 1 else n
    return pattern[:m.start()] + str(number) + pattern[m.end():]


def _sorted(v: Any) -> list:
    try:
        return sorted(_list(v, "sorted"))
    except TypeError:
        raise ExprError("sorted() needs values of one kind") from None


def _index_by(rows: Any, key: Any, value: Any = None) -> dict:
    out = {}
    for row in _list(rows, "index_by"):
        k = text_of(get_attr(row, text_of(key)))
        out[k] = row if value is None else get_attr(row, text_of(value))
    return out


def _pick(rows: Any, fld: Any, value: Any) -> list:
    return [r for r in _list(rows, "pick") if get_attr(r, text_of(fld)) == value]


def _first(v: Any) -> Any:
    return _list(v, "first")[0] if v else None


def _last(v: Any) -> Any:
    return _list(v, "last")[-1] if v else None


def _zip(*lists: Any) -> list:
    ls = [_list(v, "zip") for v in lists]
    if len({len(v) for v in ls}) > 1:
        raise ExprError("zip() needs lists of the same length")
    return [list(t) for t in zip(*ls)]


def _unique(v: Any) -> list:
    out: list = []
    for x in _list(v, "unique"):
        if x not in out:
            out.append(x)
    return out


def _len(v: Any) -> int:
    if isinstance(v, (list, dict, str)):
        return len(v)
    if v is None:
        return 0
    raise ExprError(f"len() needs a list, object or string, got {typename(v)}")


def _project(v: Any, fields: Any) -> Any:
    """An object with only `fields` (in that order; absent ones null), or that of every object of a list."""
    names = [text_of(f) for f in _list(fields, "project")]
    if isinstance(v, list):
        return [_project(x, names) for x in v]
    if isinstance(v, dict):
        return {f: v.get(f) for f in names}
    raise ExprError(f"project() needs an object or a list of objects, got {typename(v)}")


def _compact(v: Any) -> Any:
    """An object without its null-valued keys, or that of every object of a list."""
    if isinstance(v, list):
        return [_compact(x) for x in v]
    if isinstance(v, dict):
        return {k: x for k, x in v.items() if x is not None}
    raise ExprError(f"compact() needs an object or a list of objects, got {typename(v)}")


def _only_chars(s: Any, allowed: Any) -> bool:
    chars = set(text_of(allowed))
    return all(c in chars for c in text_of(s))


def _plain(s: Any) -> str:
    """Text without case or punctuation, for comparing words said in another way ("the Reset
    Firefox.." and "reset firefox" are the same words): lowercase, letters and digits, one space."""
    return " ".join(re.findall(r"[^\W_]+", text_of(s).lower()))


def _coalesce(*args: Any) -> Any:
    return next((a for a in args if a is not None), None)


VALUE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _len, "count": _len, "sum": _sum, "min": _minmax(min, "min"), "max": _minmax(max, "max"),
    "abs": lambda x: abs(number(x, "abs()")), "round": _round,
    "lower": lambda s: text_of(s).lower(), "upper": lambda s: text_of(s).upper(),
    "str": text_of, "int": _int, "float": _float, "coalesce": _coalesce,
    "sorted": _sorted, "unique": _unique, "first": _first, "last": _last, "zip": _zip,
    "keys": lambda d: list(d) if isinstance(d, dict) else _list(d, "keys"),
    "values": lambda d: list(d.values()) if isinstance(d, dict) else _list(d, "values"),
    "index_by": _index_by, "pick": _pick, "project": _project, "compact": _compact,
    "only_chars": _only_chars, "plain": _plain,
    "count_of": lambda v, x: _list(v, "count_of").count(x),
    "contains": lambda a, b: _contains(b, a),
    "startswith": lambda s, p: text_of(s).startswith(text_of(p)),
    "date": _date, "add_days": _add_days, "add_months": _add_months, "days_between": _days_between, "hours_between": _hours_between,
    "add_business_days": _add_business_days, "business_days_between": _business_days_between,
    "join": _join,
}
