"""Quota notifications, found by a scan of the quota counters (`flask notify-due`), never on the metered call.

The hot path stays as it is: a counter crossing 80 % or 100 % is noticed by the next scan, and each threshold
of each entitlement is told once (a dedupe key per entitlement and threshold; a counter never resets, a new
package is a new entitlement). Granted calls (calls_total) are a quota; a prepaid package is "running out".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.models import Entitlement, EntitlementStatus, PricePlan, Product
from marketplace.models.metering import QuotaCounter
from marketplace.notifications import Notice, notify_all
from pricing import ChargeForm, InvalidPlan, terms_from_json

LOW_SHARE = 80  # percent of the quota used that earns the first notice


def _quota(calls_total: int | None, terms_json: str) -> tuple[int | None, bool]:
    """The entitlement's quota as the gateway counts it (resolve.KeyInfo.quota), and whether it is prepaid."""
    if calls_total is not None:
        return calls_total, False
    try:
        terms = terms_from_json(terms_json)
    except InvalidPlan:
        return None, False
    if terms.form is ChargeForm.PREPAID_CALLS:
        return terms.package_calls, True
    return None, False


def _notice(row, quota: int, prepaid: bool) -> Notice | None:
    if row.used >= quota:
        threshold, kind = 100, "prepaid_out" if prepaid else "quota_100"
    elif row.used * 100 >= quota * LOW_SHARE:
        threshold, kind = LOW_SHARE, "prepaid_low" if prepaid else "quota_80"
    else:
        return None
    params = {"product": row.title, "used": row.used, "quota": quota, "remaining": max(0, quota - row.used)}
    return Notice(kind, (row.buyer_org_id,), params, subject_type="entitlement", subject_id=row.entitlement_id,
                  dedupe_key=f"quota:{row.entitlement_id}:{threshold}")


def notify_quota_thresholds(session: Session) -> int:
    """Tell buyers whose quota or prepaid package reached 80 % or 100 %, once per threshold and entitlement."""
    rows = session.execute(
        select(QuotaCounter.entitlement_id, QuotaCounter.used, Entitlement.calls_total, Entitlement.buyer_org_id,
               PricePlan.terms, Product.title)
        .join(Entitlement, Entitlement.id == QuotaCounter.entitlement_id)
        .join(PricePlan, PricePlan.id == Entitlement.plan_id)
        .join(Product, Product.id == Entitlement.product_id)
        .where(Entitlement.status == EntitlementStatus.ACTIVE, QuotaCounter.used > 0)
        .order_by(QuotaCounter.entitlement_id)).all()
    notices = []
    for row in rows:
        quota, prepaid = _quota(row.calls_total, row.terms)
        if quota:
            notice = _notice(row, quota, prepaid)
            if notice is not None:
                notices.append(notice)
    return notify_all(session, notices)
