"""The cap in force on a given day (R3), for rating each call under the cap of its own day.

Engineer A is adding `marketplace.supply.caps.cap_in_force(session, *, product_id, charge_form, on)`; this is
the same lookup written once for billing so the lead can swap the import. A cap row is in force on `on` when
it took effect on or before that Shanghai day (effective_from) and, if it is a trial price, has not expired
before that day; of those the newest wins.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from marketplace.models import CapPrice
from pricing import ChargeForm

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A tiered per-call plan without its own cap is held to the flat per-call cap (as supply.caps.applicable_cap).
_FALLBACK = {
    ChargeForm.PER_CALL_GRADUATED: ChargeForm.PER_CALL_FLAT,
    ChargeForm.PER_CALL_VOLUME: ChargeForm.PER_CALL_FLAT,
}


def _local_day(cap: CapPrice) -> date:
    moment = cap.effective_from
    return moment.astimezone(SHANGHAI).date() if moment.tzinfo else moment.date()


def _in_force(cap: CapPrice, on: date) -> bool:
    expired = cap.trial and cap.trial_expires is not None and cap.trial_expires < on
    return _local_day(cap) <= on and not expired


def cap_in_force(session: Session, *, product_id: int, charge_form: str, on: date) -> CapPrice | None:
    """The newest cap row of this product and charge form in force on day `on` (expired trials skipped)."""
    rows = session.execute(
        select(CapPrice)
        .where(CapPrice.product_id == product_id, CapPrice.charge_form == str(charge_form))
        .order_by(CapPrice.effective_from.desc(), CapPrice.id.desc())
    ).scalars()
    return next((cap for cap in rows if _in_force(cap, on)), None)


def _newest(rows: list[CapPrice], form: str, on: date) -> CapPrice | None:
    return next((cap for cap in rows if cap.charge_form == form and _in_force(cap, on)), None)


def caps_by_day(session: Session, *, product_id: int, charge_form: str, days: list[str]) -> dict[str, Decimal | None]:
    """The unit cap (fen) a plan of this form is held to on each day; None where no cap is in force.

    Same rule as cap_in_force, with the product's cap rows read once for the whole month.
    """
    fallback = _FALLBACK.get(ChargeForm(charge_form))
    rows = list(
        session.execute(
            select(CapPrice)
            .where(CapPrice.product_id == product_id)
            .order_by(CapPrice.effective_from.desc(), CapPrice.id.desc())
        ).scalars()
    )
    out: dict[str, Decimal | None] = {}
    for day in days:
        on = date.fromisoformat(day)
        cap = _newest(rows, str(charge_form), on)
        if cap is None and fallback is not None:
            cap = _newest(rows, fallback.value, on)
        out[day] = None if cap is None else Decimal(cap.cap_fen)
    return out
