"""The public price index: the median unit price per domain and charge form by month (pure figures).

An observation is one unit price (Decimal fen) in the unit its charge form compares in (`reference.unit_of`):
what a listed plan asks (`reference.unit_price_fen`: first tier, a prepaid package per call, a monthly
subscription counted as a year), or what a settled sale paid, amount / units (`sale_unit_price_fen`).
The index groups observations by source, domain, charge form and month and takes the median of each group
(the type-7 median of `reference.quantile`: the middle value, or the mean of the two middle values).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, TypeVar

from pricing.charge_forms import ChargeForm
from pricing.errors import N_, PricingError
from pricing.reference import quantile, unit_of

LISTED = "listed"  # the prices asked by the plans of listed products
SETTLED = "settled"  # the prices paid in the billed lines of closed settlement periods
SOURCES = (LISTED, SETTLED)
# Forms with a public unit price; 面议 and 公益免费 have none.
INDEX_FORMS = tuple(f for f in ChargeForm if f not in (ChargeForm.NEGOTIATED, ChargeForm.FREE_PUBLIC))
_STEP = Decimal("0.01")  # unit prices to 1/100 fen, as plans accept
_HALF = Decimal("0.5")
_YEAR_MONTHS = 12
MAX_MONTHS = 36

T = TypeVar("T")


class Observation(NamedTuple):
    """One unit price seen in one month (a tuple: the index makes one per product and month)."""

    source: str
    domain: str
    charge_form: str
    month: str  # YYYY-MM
    unit_price_fen: Decimal


@dataclass(frozen=True)
class IndexPoint:
    """The median of one month's observations and how many there were."""

    month: str
    count: int
    median: Decimal


@dataclass(frozen=True)
class IndexSeries:
    """The months of one source, domain and charge form, oldest first (months without observations left out)."""

    source: str
    domain: str
    charge_form: str
    unit: str
    points: tuple[IndexPoint, ...]

    @property
    def count(self) -> int:
        """Observations over all months."""
        return sum(p.count for p in self.points)


def median(values: Iterable[Decimal | int]) -> Decimal:
    """The median of the values (mean of the two middle ones for an even count); PricingError when empty."""
    ordered = sorted(Decimal(v) for v in values)
    if not ordered:
        raise PricingError("没有价格")
    return quantile(ordered, _HALF)


def month_of(day: date) -> str:
    """The month of a day as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def months_ending(last: date, count: int) -> list[str]:
    """The `count` months (1 to MAX_MONTHS) that end with the month of `last`, oldest first."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_MONTHS:
        raise PricingError(N_("月数必须在 1 到 %(max)s 之间"), params={"max": MAX_MONTHS})
    return [f"{y:04d}-{m:02d}" for y, m in (_shift(last.year, last.month, k) for k in range(1 - count, 1))]


def next_month_start(month: str) -> date:
    """The first day after a YYYY-MM month."""
    year, number = _shift(int(month[:4]), int(month[5:7]), 1)
    return date(year, number, 1)


def in_force(versions: Sequence[tuple[object, T]], instant: object) -> T | None:
    """The value of the latest version made before `instant` (versions as (made at, value)); None before the first."""
    made = [(at, value) for at, value in versions if at < instant]
    return max(made, key=lambda v: v[0])[1] if made else None


def in_force_at_each(versions: Sequence[tuple[object, T]], instants: Sequence[object]) -> list[T | None]:
    """`in_force` at each of ascending instants, in one pass over the versions sorted by when they were made."""
    ordered = sorted(versions, key=lambda v: v[0])
    out, current, index = [], None, 0
    for instant in instants:
        while index < len(ordered) and ordered[index][0] < instant:
            current = ordered[index][1]
            index += 1
        out.append(current)
    return out


def sale_units(
    form: ChargeForm | str,
    *,
    usage: bool,
    quantity: int = 0,
    package_calls: int = 0,
    calls: int = 0,
    records: int = 0,
) -> Decimal | None:
    """The units a settled line paid for, in its form's unit; None when the line has no unit price.

    A usage bill pays for calls (records under a per-record plan); only per-call and per-record plans
    bill usage at a unit price. An order line pays for `quantity` products, packages of `package_calls`
    calls, or months (a monthly subscription compares per year, as the listed price does).
    """
    form = ChargeForm(form)
    if form not in INDEX_FORMS:
        return None
    if usage:
        if unit_of(form) == "product" or form is ChargeForm.PREPAID_CALLS:
            return None
        units = records if form is ChargeForm.PER_RECORD else calls
    elif form is ChargeForm.PREPAID_CALLS:
        units = quantity * package_calls
    elif unit_of(form) != "product":
        return None  # per-call and per-record plans are paid through usage bills
    elif form is ChargeForm.SUBSCRIPTION_MONTH:
        return Decimal(quantity) / _YEAR_MONTHS if quantity > 0 else None
    else:
        units = quantity
    return Decimal(units) if units > 0 else None


def sale_unit_price_fen(amount_fen: int, units: Decimal | None) -> Decimal | None:
    """amount / units to 0.01 fen (half up); None without units or without a positive amount."""
    if units is None or units <= 0 or amount_fen <= 0:
        return None
    return (Decimal(amount_fen) / units).quantize(_STEP, rounding=ROUND_HALF_UP)


def index_series(observations: Iterable[Observation], months: Sequence[str]) -> list[IndexSeries]:
    """The median per source, domain, charge form and month (only the given months), largest series first."""
    wanted = set(months)
    groups: dict[tuple[str, str, str], dict[str, list[Decimal]]] = {}
    for o in observations:
        if o.month in wanted:
            groups.setdefault((o.source, o.domain, o.charge_form), {}).setdefault(o.month, []).append(o.unit_price_fen)
    out = [
        IndexSeries(
            source=source,
            domain=domain,
            charge_form=form,
            unit=unit_of(form),
            points=tuple(IndexPoint(m, len(by_month[m]), median(by_month[m])) for m in months if m in by_month),
        )
        for (source, domain, form), by_month in groups.items()
    ]
    out.sort(key=lambda s: (SOURCES.index(s.source) if s.source in SOURCES else 9, -s.count, s.domain, s.charge_form))
    return out
