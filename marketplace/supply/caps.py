"""Cap prices (上限收费标准, R3): versioned rows per product and charge form, optionally trial."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from marketplace.clock import SHANGHAI
from marketplace.clock import today as exchange_today
from marketplace.models import CapPrice
from pricing import CapExceeded, ChargeForm, PlanTerms, check_cap

TRIAL_MAX_OPERATION = timedelta(days=365)  # R3: trial prices only in the first year of operation
CAPPED_FORMS = [f for f in ChargeForm if f not in (ChargeForm.NEGOTIATED, ChargeForm.FREE_PUBLIC)]


def _valid(cap: CapPrice, today: date) -> bool:
    return not (cap.trial and cap.trial_expires is not None and cap.trial_expires < today)


def _effective_day(cap: CapPrice) -> date:
    """The exchange's calendar day (Asia/Shanghai) from which a cap row applies."""
    moment = cap.effective_from if cap.effective_from.tzinfo else cap.effective_from.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).date()


def cap_in_force(session: Session, *, product_id: int, charge_form: str, on: date) -> CapPrice | None:
    """The cap in force for product X, charge form F on day D: the newest row effective by D (expired trials skipped).

    The one lookup every path uses (listing checks, catalog, checkout, quotes, gateway, settlement's rating).
    """
    rows = session.execute(
        select(CapPrice).where(CapPrice.product_id == product_id, CapPrice.charge_form == str(charge_form))
        .order_by(CapPrice.effective_from.desc(), CapPrice.id.desc())
    ).scalars()
    return next((cap for cap in rows if _effective_day(cap) <= on and _valid(cap, on)), None)


def current_cap(session: Session, product_id: int, charge_form: str, *, today: date | None = None) -> CapPrice | None:
    """The cap in force today for this product and charge form (see cap_in_force)."""
    return cap_in_force(session, product_id=product_id, charge_form=charge_form, on=today or exchange_today())


# A tiered per-call plan without its own cap is held to the flat per-call cap (same unit: 元/次).
_FALLBACK = {ChargeForm.PER_CALL_GRADUATED: ChargeForm.PER_CALL_FLAT,
             ChargeForm.PER_CALL_VOLUME: ChargeForm.PER_CALL_FLAT}


def applicable_cap(session: Session, product_id: int, charge_form: str, *, today: date | None = None,
                   offer: bool = False) -> CapPrice | None:
    """The cap a plan of this form is held to on that day: its own, else the flat per-call one for tiers;
    a quote offer (`offer`) without a cap of its form is held to the cap of 面议 (negotiated)."""
    on = today or exchange_today()
    cap = cap_in_force(session, product_id=product_id, charge_form=charge_form, on=on)
    fallback = ChargeForm.NEGOTIATED if offer else _FALLBACK.get(ChargeForm(charge_form))
    if cap is None and fallback is not None:
        cap = cap_in_force(session, product_id=product_id, charge_form=fallback.value, on=on)
    return cap


def caps_by_day(session: Session, *, product_id: int, charge_form: str, days: list[str]) -> dict[str, Decimal | None]:
    """The unit cap (fen) a plan of this form is held to on each day (applicable_cap's rule), rows read once.

    Usage billing rates each day's calls under that day's cap; None where no cap is in force.
    """
    return caps_by_day_for(session, keys={(product_id, str(charge_form))}, days=days)[(product_id, str(charge_form))]


def caps_by_day_for(
    session: Session, *, keys: set[tuple[int, str]], days: list[str]
) -> dict[tuple[int, str], dict[str, Decimal | None]]:
    """caps_by_day for several (product id, charge form) pairs, every product's cap rows read in one query."""
    rows: dict[int, list[CapPrice]] = {pid: [] for pid, _ in keys}
    for cap in session.execute(
        select(CapPrice)
        .where(CapPrice.product_id.in_(sorted(rows)))
        .order_by(CapPrice.effective_from.desc(), CapPrice.id.desc())
    ).scalars():
        rows[cap.product_id].append(cap)
    return {(pid, form): _caps_from_rows(rows[pid], form, days) for pid, form in keys}


def _caps_from_rows(rows: list[CapPrice], charge_form: str, days: list[str]) -> dict[str, Decimal | None]:
    """Per day, the cap of this form (else its fallback form) among one product's rows, newest first."""
    fallback = _FALLBACK.get(ChargeForm(charge_form))

    def newest(form: str, on: date) -> CapPrice | None:
        return next((c for c in rows if c.charge_form == form and _effective_day(c) <= on and _valid(c, on)), None)

    out: dict[str, Decimal | None] = {}
    for day in days:
        on = date.fromisoformat(day)
        cap = newest(str(charge_form), on)
        if cap is None and fallback is not None:
            cap = newest(fallback.value, on)
        out[day] = None if cap is None else Decimal(cap.cap_fen)
    return out


def cap_history(session: Session, product_id: int) -> list[CapPrice]:
    """Every cap row of a product, newest first."""
    return list(session.execute(select(CapPrice).where(CapPrice.product_id == product_id)
                                .order_by(CapPrice.id.desc())).scalars())


def current_caps(session: Session, product_id: int, *, today: date | None = None) -> dict[str, CapPrice]:
    """The cap in force per charge form."""
    out = {}
    for form in ChargeForm:
        cap = current_cap(session, product_id, form.value, today=today)
        if cap is not None:
            out[form.value] = cap
    return out


def cap_problem(terms: PlanTerms, cap: CapPrice | None) -> str | None:
    """Why a plan may not be sold under this cap (R3): "no_cap", "above_cap", or None (free and 面议 need none)."""
    if terms.form in (ChargeForm.FREE_PUBLIC, ChargeForm.NEGOTIATED):
        return None
    if cap is None:
        return "no_cap"
    try:
        check_cap(terms, cap_fen=cap.cap_fen)
    except CapExceeded:
        return "above_cap"
    return None
