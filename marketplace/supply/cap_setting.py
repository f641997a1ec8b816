"""Setting a cap price (上限收费标准, R3): the authority of the product's agreement adds a new version."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.clock import SHANGHAI
from marketplace.clock import today as exchange_today
from marketplace.i18n_marker import N_
from marketplace.models import Agreement, CapPrice, Product
from marketplace.models.base import utcnow
from marketplace.supply.caps import CAPPED_FORMS, TRIAL_MAX_OPERATION
from marketplace.supply.errors import NotFound, SupplyError
from marketplace.supply.notices import notify_cap_change
from marketplace.supply.on_sale import refresh_sale_block
from pricing import CHARGE_FORM_LABELS, ChargeForm, format_unit_price


def _effective_from(effective_on: date | None, today: date) -> datetime:
    """Now for a cap that binds today; midnight (Asia/Shanghai) of a later first day."""
    if effective_on is None or effective_on == today:
        return utcnow()
    if effective_on < today:
        raise SupplyError(N_("生效日期不能早于今天"), field="effective_on")
    return datetime.combine(effective_on, time(0), SHANGHAI).astimezone(UTC)


def _check_trial(agreement: Agreement, trial_expires: date | None, today: date) -> None:
    started = agreement.operation_started or agreement.start_date
    if today - started >= TRIAL_MAX_OPERATION:
        raise SupplyError(N_("运营单位自 %(started)s 起运营已满一年，不能设定试行收费标准"),
                          params={"started": started.isoformat()}, field="trial")
    if trial_expires is None or trial_expires <= today:
        raise SupplyError(N_("试行收费标准必须设定晚于今天的到期日"), field="trial_expires")


def set_cap(session: Session, *, actor: Actor, product_id: int, charge_form: str, cap_fen: Decimal,
            trial: bool = False, trial_expires: date | None = None, authority_id: int | None = None,
            today: date | None = None, effective_on: date | None = None) -> CapPrice:
    """Add a new cap version for a product and charge form (the authority of its agreement only).

    `effective_on` (default today) is the first day the cap binds; from that day no plan, checkout, offer or
    rated call is above it, and plans above it leave the catalog (supply.on_sale)."""
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
        raise SupplyError(N_("%(charge_form)s不需要设定上限"),
                          params={"charge_form": CHARGE_FORM_LABELS[form]}, field="charge_form")
    if not isinstance(cap_fen, Decimal) or not cap_fen.is_finite() or cap_fen < 0:
        raise SupplyError(N_("上限价格格式不正确"), field="cap")
    if trial:
        _check_trial(agreement, trial_expires, today)
    cap = CapPrice(product_id=product.id, charge_form=form.value, cap_fen=cap_fen, trial=trial,
                   trial_expires=trial_expires if trial else None, set_by_id=actor.user_id,
                   effective_from=_effective_from(effective_on, today))
    session.add(cap)
    session.flush()
    refresh_sale_block(session, product, on=today)
    record_audit(session, actor=actor, action="cap.set", object_type="cap_price", object_id=cap.id,
                 org_id=product.operator_id,
                 after={"product": product.slug, "form": form.value, "cap": format_unit_price(cap_fen),
                        "trial": trial, "trial_expires": cap.trial_expires,
                        "effective_on": effective_on or today})
    notify_cap_change(session, product=product, cap=cap, effective_on=effective_on or today)
    session.flush()
    return cap
