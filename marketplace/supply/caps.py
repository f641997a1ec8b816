"""Cap prices (上限收费标准, R3): versioned rows per product and charge form, optionally trial."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import today as exchange_today
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, CapPrice, Product
from marketplace.supply.errors import NotFound, SupplyError
from pricing import CHARGE_FORM_LABELS, ChargeForm, format_unit_price

TRIAL_MAX_OPERATION = timedelta(days=365)  # R3: trial prices only in the first year of operation
CAPPED_FORMS = [f for f in ChargeForm if f not in (ChargeForm.NEGOTIATED, ChargeForm.FREE_PUBLIC)]


def _valid(cap: CapPrice, today: date) -> bool:
    return not (cap.trial and cap.trial_expires is not None and cap.trial_expires < today)


def current_cap(session: Session, product_id: int, charge_form: str, *, today: date | None = None) -> CapPrice | None:
    """The newest cap row in force for this product and charge form (expired trials skipped)."""
    today = today or exchange_today()
    rows = session.execute(
        select(CapPrice).where(CapPrice.product_id == product_id, CapPrice.charge_form == str(charge_form))
        .order_by(CapPrice.effective_from.desc(), CapPrice.id.desc())
    ).scalars()
    return next((cap for cap in rows if _valid(cap, today)), None)


# A tiered per-call plan without its own cap is held to the flat per-call cap (same unit: 元/次).
_FALLBACK = {ChargeForm.PER_CALL_GRADUATED: ChargeForm.PER_CALL_FLAT,
             ChargeForm.PER_CALL_VOLUME: ChargeForm.PER_CALL_FLAT}


def applicable_cap(session: Session, product_id: int, charge_form: str, *,
                   today: date | None = None) -> CapPrice | None:
    """The cap a plan of this form is checked against (its own, else the flat per-call one for tiers)."""
    cap = current_cap(session, product_id, charge_form, today=today)
    fallback = _FALLBACK.get(ChargeForm(charge_form))
    if cap is None and fallback is not None:
        cap = current_cap(session, product_id, fallback.value, today=today)
    return cap


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


def _check_trial(agreement: Agreement, trial_expires: date | None, today: date) -> None:
    started = agreement.operation_started or agreement.start_date
    if today - started >= TRIAL_MAX_OPERATION:
        raise SupplyError(f"运营单位自 {started.isoformat()} 起运营已满一年，不能设定试行收费标准", field="trial")
    if trial_expires is None or trial_expires <= today:
        raise SupplyError(N_("试行收费标准必须设定晚于今天的到期日"), field="trial_expires")


def set_cap(session: Session, *, actor: Actor, product_id: int, charge_form: str, cap_fen: Decimal,
            trial: bool = False, trial_expires: date | None = None, authority_id: int | None = None,
            today: date | None = None) -> CapPrice:
    """Add a new cap version for a product and charge form (the authority of its agreement only)."""
    today = today or exchange_today()
    product = session.get(Product, product_id)
    agreement = session.get(Agreement, product.agreement_id) if product else None
    if agreement is None or (authority_id is not None and agreement.authority_id != authority_id):
        raise NotFound(N_("数据产品不存在"))
    try:
        form = ChargeForm(charge_form)
    except ValueError:
        raise SupplyError(N_("请选择收费方式"), field="charge_form") from None
    if form not in CAPPED_FORMS:
        raise SupplyError(f"{CHARGE_FORM_LABELS[form]}不需要设定上限", field="charge_form")
    if not isinstance(cap_fen, Decimal) or not cap_fen.is_finite() or cap_fen < 0:
        raise SupplyError(N_("上限价格格式不正确"), field="cap")
    if trial:
        _check_trial(agreement, trial_expires, today)
    cap = CapPrice(product_id=product.id, charge_form=form.value, cap_fen=cap_fen, trial=trial,
                   trial_expires=trial_expires if trial else None, set_by_id=actor.user_id)
    session.add(cap)
    session.flush()
    record_audit(session, actor=actor, action="cap.set", object_type="cap_price", object_id=cap.id,
                 org_id=product.operator_id,
                 after={"product": product.slug, "form": form.value, "cap": format_unit_price(cap_fen),
                        "trial": trial, "trial_expires": cap.trial_expires})
    session.flush()
    return cap
