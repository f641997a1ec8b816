"""Integers from the outside world, bounded to what an id column holds.

Ids are INTEGER columns: 64-bit on SQLite but 32-bit on PostgreSQL, where a bigger parameter fails the
whole query ("integer out of range"). A path value out of range is a page that does not exist (404); a
query or form value out of range is a bad request naming the parameter (400).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column
DB_INT_MIN = -(2**31)
MAX_PAGE = 10_000  # deeper pages are never linked; past it a page number is a mistake


def in_db_range(value: int) -> bool:
    """True when an id column can hold the value on every database."""
    return DB_INT_MIN <= value <= DB_INT_MAX


class BoundedIntConverter(IntegerConverter):
    """`<int:x>` that no longer matches above DB_INT_MAX, so the route answers 404 instead of 500."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


def coerce_db_int(value) -> int:
    """A WTForms `coerce` for id choices: ValueError (a field error, 400) when not a bounded integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value or "").strip()
        if not text.lstrip("-").isdigit() or len(text) > 20:
            raise ValueError("not an integer")
        number = int(text)
    if not in_db_range(number):
        raise ValueError("out of range")
    return number


def query_int(
    name: str, default: int | None = None, *, low: int = 1, high: int = DB_INT_MAX, args: Mapping | None = None
) -> int | None:
    """The integer query parameter `name` (default when absent); 400 naming it when not one in [low, high]."""
    from flask import request

    raw = ((args if args is not None else request.args).get(name) or "").strip()
    if not raw:
        return default
    if not raw.lstrip("-").isdigit() or len(raw) > 20 or not low <= int(raw) <= high:
        abort(400, description=_("参数 %(name)s 必须是 %(low)s 到 %(high)s 之间的整数", name=name, low=low, high=high))
    return int(raw)
