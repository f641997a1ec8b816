"""Month-end billing run: one usage bill per postpaid entitlement with billable calls in the month.

Idempotent: a bill covers the month's billable events up to `last_event_id`; running again finds nothing new.
Usage that arrives after a bill was issued gets a supplementary bill (sequence 2, 3 …, adjusts_bill_id = the
first bill): the whole month is rated again and the supplementary bill carries the difference, so graduated
bands, volume tiers and the free quota stay right; an issued bill is never edited. A difference of zero or
less (e.g. a volume tier made cheaper by the late calls) gives a bill with nothing to pay (status paid).
"""

from __future__ import annotations

import calendar
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session

from marketplace.audit import Actor, record_audit, record_audits
from marketplace.billing.errors import BillingError
from marketplace.billing.month import MonthUsage, daily_units, month_usage
from marketplace.billing.notices import notify_bills_issued
from marketplace.billing.rating import is_postpaid_plan, rate_month
from marketplace.bulk import insert_with_ids
from marketplace.clock import today as today_local
from marketplace.heap import batch_job
from marketplace.i18n_marker import N_
from marketplace.models import Entitlement, OrderLine, Organization, PricePlan, Product, UseType
from marketplace.models.base import utcnow
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.orders.checkout import REF_ALPHABET
from marketplace.orders.common import vat_rate_bps
from marketplace.supply.caps import caps_by_day, caps_by_day_for
from pricing import ChargeForm, PlanTerms, UsageCharge, round_fen, split_vat
from pricing.metering import has_overage

DEFAULT_DUE_DAYS = 15
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    """A billing month: its text (YYYY-MM) and first and last Shanghai day."""

    text: str
    first: date
    last: date

    def days(self) -> list[str]:
        """Every day of the month as YYYY-MM-DD."""
        return [(self.first + timedelta(days=n)).isoformat() for n in range(self.last.day)]


def parse_period(text: str, *, today: date | None = None) -> Period:
    """A month that has ended (Asia/Shanghai), or BillingError."""
    match = _PERIOD.match((text or "").strip())
    if not match:
        raise BillingError(N_("账期格式应为 YYYY-MM，例如 2026-11"), field="period")
    year, month = int(match.group(1)), int(match.group(2))
    first = date(year, month, 1)
    last = first.replace(day=calendar.monthrange(year, month)[1])
    if last >= (today or today_local()):
        raise BillingError(N_("账期 %(period)s 尚未结束，月末之后才能出账"),
                           params={"period": text.strip()}, field="period")
    return Period(text.strip(), first, last)


def _units(terms: PlanTerms, month: MonthUsage, caps: dict[str, Decimal | None], daily: dict | None) -> dict:
    """Billable units per day; with one cap all month, the month's total on its first day: rate_month prices only
    the count per day in day order, so without a change of cap the split into days changes nothing (a property
    test checks it) and a month is rated in one step instead of thirty. daily: (calls, records) per day."""
    per_record = terms.form is ChargeForm.PER_RECORD
    if daily is None:
        return {min(caps): month.records if per_record else month.calls}
    return {day: records if per_record else calls for day, (calls, records) in daily.items()}


def _one_cap(caps: dict[str, Decimal | None]) -> bool:
    return len(set(caps.values())) <= 1


def _terms(run: _Run, ent) -> PlanTerms:
    """The pinned plan's terms, as _prefetch read them."""
    return run.cache[("plan", ent.plan_id)][1]


def _lines_json(charge: UsageCharge, earlier: list[UsageBill]) -> str:
    lines = [
        {
            "description": ln.description,
            "units": ln.units,
            "unit_price_fen": format(ln.unit_price_fen, "f"),
            "exact_fen": format(ln.exact_fen, "f"),
            "amount_fen": round_fen(ln.exact_fen),
        }
        for ln in charge.lines
    ]
    lines += [
        {
            "description": f"减：已出账单 {b.number}",
            "units": 0,
            "unit_price_fen": "0",
            "exact_fen": str(-b.amount_fen),
            "amount_fen": -b.amount_fen,
        }
        for b in earlier
    ]
    return json.dumps(lines, ensure_ascii=False)


def _seller(run: _Run, ent, product: Product) -> tuple[int | None, int]:
    """(broker_id, commission_bps) from the sale's order line (R6); a grant without an order has no broker."""
    if ent.order_id is None:
        return None, 0
    return run.cache.get(("seller", ent.order_id, product.id), (None, 0))


@dataclass(frozen=True)
class _Run:
    period: Period
    issued_on: date
    due_days: int
    actor: Actor
    last: list[int] = field(default_factory=list)  # the last bill number's sequence, once read
    cache: dict = field(default_factory=dict)


def _last_number(session: Session, period: Period) -> int:
    """The sequence of the period's highest bill number so far (0 when none)."""
    prefix = f"ZD{period.first:%Y%m}-"
    last = session.execute(select(func.max(UsageBill.number)).where(UsageBill.number.like(f"{prefix}%"))).scalar()
    return int(last[len(prefix) :]) if last else 0


def _next_number(session: Session, run: _Run) -> str:
    """The next bill number of the run's period; read once per run, then counted on (re-read after a clash)."""
    if not run.last:
        run.last.append(_last_number(session, run.period))
    run.last[0] += 1
    return f"ZD{run.period.first:%Y%m}-{run.last[0]:06d}"


def _bank_reference() -> str:
    # "ZD" + 8: two characters longer than an order's reference, so finance never confuses the two.
    # (One draw of 8 random bytes instead of eight secrets.choice calls; 256 % 31 leaves each letter within
    # 1/8 of uniform, ample for a payment note that is also checked unique.)
    return "ZD" + "".join(REF_ALPHABET[b % len(REF_ALPHABET)] for b in secrets.token_bytes(8))


def _plan(session: Session, plan_id: int) -> tuple[PricePlan, PlanTerms]:
    plan = session.get(PricePlan, plan_id)
    return plan, PlanTerms.from_dict(json.loads(plan.terms))


def _cached(run: _Run, key: tuple, load):
    """What the run already read about a plan, product or operator (the session's identity map is weak)."""
    if key not in run.cache:
        run.cache[key] = load()
    return run.cache[key]


def _cap_form(terms: PlanTerms) -> str:
    """The charge form whose cap holds the plan's unit price: a subscription's overage is a price per call."""
    return (ChargeForm.PER_CALL_FLAT if has_overage(terms) else terms.form).value


def _prefetch(session: Session, run: _Run, ents: list) -> None:
    """Plans, products, caps, operators' VAT rates and the sales' order lines of these entitlements in five queries."""
    plan_ids = {e.plan_id for e in ents}
    for plan in session.execute(select(PricePlan).where(PricePlan.id.in_(plan_ids))).scalars():
        run.cache[("plan", plan.id)] = (plan, PlanTerms.from_dict(json.loads(plan.terms)))
    products = session.execute(select(Product).where(Product.id.in_({e.product_id for e in ents}))).scalars().all()
    run.cache.update((("product", p.id), p) for p in products)
    caps = {(e.product_id, _cap_form(run.cache[("plan", e.plan_id)][1])) for e in ents}
    for key, by_day in caps_by_day_for(session, keys=caps, days=run.period.days()).items():
        run.cache[("caps", *key)] = by_day
    operators = {p.operator_id for p in products}
    kinds = session.execute(select(Organization.id, Organization.taxpayer_kind).where(Organization.id.in_(operators)))
    run.cache.update((("vat", org_id), vat_rate_bps(kind)) for org_id, kind in kinds)
    orders = sorted({e.order_id for e in ents if e.order_id is not None})
    for i in range(0, len(orders), 500):
        lines = session.execute(
            select(OrderLine.order_id, OrderLine.product_id, OrderLine.broker_id, OrderLine.commission_bps)
            .where(OrderLine.order_id.in_(orders[i : i + 500]))
            .order_by(OrderLine.id.desc())  # the first line of an order and product wins
        )
        run.cache.update((("seller", o, p), (broker, bps)) for o, p, broker, bps in lines)


def _bill_values(session: Session, run: _Run, ent, month: MonthUsage, earlier: list[UsageBill],
                 daily: dict | None = None) -> dict:
    """Rate the entitlement's month: the column values of its next bill (without number and bank reference)."""
    plan, terms = _cached(run, ("plan", ent.plan_id), lambda: _plan(session, ent.plan_id))
    product = _cached(run, ("product", ent.product_id), lambda: session.get(Product, ent.product_id))
    cap_form = _cap_form(terms)
    caps = _cached(
        run,
        ("caps", product.id, cap_form),
        lambda: caps_by_day(session, product_id=product.id, charge_form=cap_form, days=run.period.days()),
    )
    if daily is None and not _one_cap(caps):
        daily = daily_units(session, [ent.id], first=run.period.first, last=run.period.last)[ent.id]
    charge = rate_month(terms, units_by_day=_units(terms, month, caps, daily), cap_by_day=caps)
    amount = charge.amount_fen - sum(b.amount_fen for b in earlier)
    rate = _cached(
        run,
        ("vat", product.operator_id),
        lambda: vat_rate_bps(session.get(Organization, product.operator_id).taxpayer_kind),
    )
    _, vat = split_vat(gross_fen=amount, rate_bps=rate)
    broker_id, commission = _seller(run, ent, product)
    values = dict(
        period=run.period.text,
        sequence=len(earlier) + 1,
        adjusts_bill_id=earlier[0].id if earlier else None,
        entitlement_id=ent.id,
        buyer_org_id=ent.buyer_org_id,
        product_id=product.id,
        plan_id=plan.id,
        operator_id=product.operator_id,
        broker_id=broker_id,
        commission_bps=commission,
        # calls and records of a supplementary bill are the late ones: the bills of a month add up to it
        calls=month.calls - sum(b.calls for b in earlier),
        records=month.records - sum(b.records for b in earlier),
        last_event_id=month.last_id,
        amount_fen=amount,
        vat_fen=vat,
        vat_rate_bps=rate,
        lines=_lines_json(charge, earlier),
        receipts=month.receipts,
        due_date=run.issued_on + timedelta(days=run.due_days),
    )
    if amount <= 0:  # nothing to pay: within the free quota, or a credit from re-rating
        values.update(status=BillStatus.PAID)
    return values


def _audit_entry(bill) -> dict:
    return dict(
        action="bill.issue",
        object_type="usage_bill",
        object_id=bill.id,
        org_id=bill.buyer_org_id,
        after={
            "number": bill.number,
            "period": bill.period,
            "sequence": bill.sequence,
            "entitlement": bill.entitlement_id,
            "calls": bill.calls,
            "amount_fen": bill.amount_fen,
            "vat_fen": bill.vat_fen,
            "due_date": bill.due_date,
            "status": bill.status,
        },
    )


def _insert_all(session: Session, run: _Run, all_values: list[dict]) -> list[SimpleNamespace] | None:
    """Insert every bill in one bulk insert with one audit record per bill: the bills' column values (no ORM
    objects: a close issues hundreds); None on any clash (nothing kept).

    A clash (a concurrent run's bill, number or bank reference) rolls the savepoint back; the caller then inserts
    bill by bill, as before, and each clash is settled on its own.
    """
    table = UsageBill.__table__
    now = utcnow()
    rows = []
    for values in all_values:
        paid = values.get("status") == BillStatus.PAID
        rows.append(
            dict(
                values,
                status=values.get("status", BillStatus.ISSUED),
                number=_next_number(session, run),
                bank_reference=_bank_reference(),
                issued_at=now,
                paid_at=now if paid else None,
            )
        )
    try:
        with session.begin_nested():
            ids = insert_with_ids(session, table, rows)
    except IntegrityError:
        run.last.clear()
        return None
    made = [SimpleNamespace(**row, id=bill_id) for row, bill_id in zip(rows, ids, strict=True)]
    record_audits(session, actor=run.actor, entries=[_audit_entry(b) for b in made])
    return made


def _loaded(session: Session, made: list) -> list[UsageBill]:
    """The bills as ORM objects (by their ids' range, not a list of 800; the long texts load when read)."""
    if not made or isinstance(made[0], UsageBill):
        return made
    wanted = {b.id for b in made}
    query = (
        select(UsageBill)
        .where(UsageBill.id >= min(wanted), UsageBill.id <= max(wanted))
        .options(defer(UsageBill.lines), defer(UsageBill.receipts))
        .order_by(UsageBill.id)
    )
    return [bill for bill in session.execute(query).scalars() if bill.id in wanted]


def _insert(session: Session, run: _Run, values: dict) -> UsageBill | None:
    for _attempt in range(5):
        bill = UsageBill(number=_next_number(session, run), bank_reference=_bank_reference(), **values)
        try:
            with session.begin_nested():
                session.add(bill)
                session.flush()
        except IntegrityError:
            if _bill_exists(session, values["entitlement_id"], run.period.text, values["sequence"]):
                return None  # another run billed it meanwhile
            run.last.clear()
            continue  # number or bank reference taken meanwhile: read the last number again, draw again
        if bill.status == BillStatus.PAID:
            bill.paid_at = bill.issued_at
        record_audit(session, actor=run.actor, **_audit_entry(bill))
        return bill
    raise BillingError(N_("系统繁忙，请稍后重试"))


def _bill_exists(session: Session, entitlement_id: int, period: str, sequence: int) -> bool:
    return (
        session.execute(
            select(UsageBill.id).where(
                UsageBill.entitlement_id == entitlement_id, UsageBill.period == period, UsageBill.sequence == sequence
            )
        ).first()
        is not None
    )


def _totals(items) -> tuple[int, int]:
    """(calls, records) summed over bills."""
    items = list(items)
    return sum(i.calls for i in items), sum(i.records for i in items)


def _earlier_bills(session: Session, period: Period) -> dict[int, list[UsageBill]]:
    out: dict[int, list[UsageBill]] = {}
    for bill in session.execute(
        select(UsageBill).where(UsageBill.period == period.text).order_by(UsageBill.entitlement_id, UsageBill.sequence)
    ).scalars():
        out.setdefault(bill.entitlement_id, []).append(bill)
    return out


def _billable_entitlements(session: Session, ids: list[int]) -> list:
    """Industry-use entitlements under a postpaid plan (public use is free, R1), as plain rows (id, buyer_org_id,
    product_id, plan_id, order_id): a thousand ORM objects cost more than the rest of their bills."""
    if not ids:
        return []
    e = Entitlement.__table__.c
    rows = session.execute(
        select(e.id, e.buyer_org_id, e.product_id, e.plan_id, e.order_id, PricePlan.terms)
        .join(PricePlan, PricePlan.id == e.plan_id)
        .where(e.id.in_(ids), e.use_type == UseType.INDUSTRY)
        .order_by(e.id)
    ).all()
    postpaid: dict[str, bool] = {}
    for row in rows:
        if row.terms not in postpaid:
            postpaid[row.terms] = is_postpaid_plan(PlanTerms.from_dict(json.loads(row.terms)))
    return [row for row in rows if postpaid[row.terms]]


@batch_job
def bill_usage(
    session: Session, *, period: str, actor: Actor, today: date | None = None, due_days: int = DEFAULT_DUE_DAYS,
    load: bool = True,
) -> list:
    """Issue the month's usage bills not issued yet (first and supplementary); flushes, never commits.

    Returns the bills made as UsageBill objects, or (load=False, for the close, which reads its bills again
    anyway) as records of their column values.
    """
    issued_on = today or today_local()
    run = _Run(parse_period(period, today=issued_on), issued_on, due_days, actor)
    usage = month_usage(session, first=run.period.first, last=run.period.last)  # sealed receipts reused
    earlier = _earlier_bills(session, run.period)
    pending, ents = [], _billable_entitlements(session, sorted(usage))
    _prefetch(session, run, ents)
    varying = [e.id for e in ents if not _one_cap(run.cache[("caps", e.product_id, _cap_form(_terms(run, e)))])]
    daily = daily_units(session, varying, first=run.period.first, last=run.period.last) if varying else {}
    for ent in ents:
        month, before = usage[ent.id], earlier.get(ent.id, [])
        if before and (month.calls, month.records) == _totals(before):
            continue  # billed already: nothing arrived since (counts, not ids: PostgreSQL ids may commit out of order)
        pending.append(_bill_values(session, run, ent, month, before, daily.get(ent.id)))
    made = _insert_all(session, run, pending) if pending else []
    if made is None:  # a concurrent run got in first: bill by bill, skipping what it made
        made = [b for b in (_insert(session, run, values) for values in pending) if b is not None]
    notify_bills_issued(session, bills=made)
    session.flush()
    return _loaded(session, made) if load else made
