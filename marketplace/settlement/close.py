"""Period close, confirmation and payouts: the use cases finance staff run. Each flushes; the caller commits."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import select
from sqlmodel import Session

from marketplace.audit import Actor, record_audit
from marketplace.billing.run import bill_usage
from marketplace.bulk import insert_with_ids
from marketplace.clock import today as today_local
from marketplace.errors import NotFound
from marketplace.heap import batch_job
from marketplace.i18n_marker import N_
from marketplace.models.base import utcnow
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.settlement import (
    Account,
    BilledLine,
    LineSource,
    PartyKind,
    PeriodStatus,
    SettlementPeriod,
    Statement,
    StatementStatus,
)
from marketplace.pause import pause_point
from marketplace.settlement import intake, ledger
from marketplace.settlement.periods import (
    SettlementConflict,
    SettlementError,
    confirmed_periods,
    exchange_org,
    lock_period,
    parse_period,
)
from marketplace.settlement.statements import build_statements, period_statements


def _post_lines(session: Session, rows: list[dict], *, period_id: int, exchange_id: int) -> None:
    """Add the billed lines and post their accrual; order lines and refunds move cash at once."""
    table = BilledLine.__table__
    entries = []
    for row, line_id in zip(rows, insert_with_ids(session, table, rows), strict=True):
        line = SimpleNamespace(**row, id=line_id)
        entries.append(
            {
                "key": f"billed_line:{line.id}",
                "period_id": period_id,
                "billed_line_id": line.id,
                "memo": line.description,
                "postings": ledger.sale_postings(line, exchange_id=exchange_id),
            }
        )
        if line.source != LineSource.USAGE_BILL:  # orders were paid at sale; refunds paid back now
            entries.append(
                {
                    "key": f"cash:billed_line:{line.id}",
                    "period_id": period_id,
                    "billed_line_id": line.id,
                    "memo": ("退款 " if line.gross_fen < 0 else "收款 ") + line.description,
                    "postings": ledger.cash_postings(buyer_org_id=line.buyer_org_id, amount_fen=line.gross_fen),
                }
            )
    ledger.post_many(session, entries)


def post_bill_receipts(session: Session, *, period_id: int) -> int:
    """Post the cash receipt of every taken-in usage bill that is paid and not yet received in the ledger."""
    rows = session.execute(
        select(BilledLine.id, BilledLine.buyer_org_id, BilledLine.gross_fen, UsageBill.number)
        .join(UsageBill, UsageBill.id == BilledLine.usage_bill_id)
        .where(BilledLine.source == LineSource.USAGE_BILL, UsageBill.status == BillStatus.PAID)
        .order_by(BilledLine.id)
    ).all()
    keys = {f"cash:billed_line:{row[0]}": row for row in rows}
    done = ledger.existing_keys(session, list(keys))
    ledger.post_many(
        session,
        [
            {
                "key": key,
                "period_id": period_id,
                "billed_line_id": line_id,
                "memo": f"收款 {number}",
                "postings": ledger.cash_postings(buyer_org_id=buyer, amount_fen=gross),
            }
            for key, (line_id, buyer, gross, number) in keys.items()
            if key not in done
        ],
    )
    return len(keys) - len(done)


@batch_job
def close_period(session: Session, *, period: str, actor: Actor, today: date | None = None) -> list[Statement]:
    """Close a month: bill usage, take lines in, split and post them, make the draft statements. Idempotent.

    Usage billed late for an earlier, confirmed month (supplementary bills) is billed here too, and taken in as
    adjustment lines of this period.

    A CONFIRMED period is locked: closing it again returns its statements unchanged. A CLOSED period closed
    again takes in what arrived since (e.g. a late bill) and completes its draft statements.
    """
    period = parse_period(period)
    row = lock_period(session, period)
    bill_usage(session, period=period, actor=actor, today=today, load=False)  # refuses a month not ended yet
    if row.status == PeriodStatus.CONFIRMED:
        return period_statements(session, period_id=row.id)
    exchange = exchange_org(session)
    confirmed, cache = confirmed_periods(session), {}
    for locked in sorted(p for p in confirmed if p < period):  # late usage of a locked month: its supplementary
        bill_usage(session, period=locked, actor=actor, today=today, load=False)  # an adjustment line here
    lines = intake.take_order_lines(session, period=row, confirmed=confirmed, cache=cache)
    lines += intake.take_usage_bills(session, period=row, confirmed=confirmed, cache=cache)
    _post_lines(session, lines, period_id=row.id, exchange_id=exchange.id)
    refunds = intake.take_refunds(session, period=row, confirmed=confirmed)
    _post_lines(session, refunds, period_id=row.id, exchange_id=exchange.id)
    pause_point("lines_posted")  # tests: a SIGKILL here, halfway through the close, leaves nothing
    receipts = post_bill_receipts(session, period_id=row.id)
    statements = build_statements(session, period=row, exchange_id=exchange.id)
    if lines or refunds or receipts or row.status == PeriodStatus.OPEN:
        before = row.status.value
        row.status, row.closed_at, row.closed_by_id = PeriodStatus.CLOSED, utcnow(), actor.user_id
        record_audit(
            session,
            actor=actor,
            action="settlement.close",
            object_type="settlement_period",
            object_id=row.id,
            before={"status": before},
            after={
                "period": period,
                "status": row.status.value,
                "new_lines": len(lines) + len(refunds),
                "receipts": receipts,
                "statements": len(statements),
            },
        )
    session.flush()
    return statements


def confirm_period(session: Session, *, period: str, actor: Actor) -> SettlementPeriod:
    """Confirm a closed period: its statements become final and the period is locked. Idempotent."""
    period = parse_period(period)
    row = lock_period(session, period)
    if row.status == PeriodStatus.CONFIRMED:
        return row
    if row.status != PeriodStatus.CLOSED:
        raise SettlementConflict(N_("请先结算该期间，再确认"))
    now = utcnow()
    for statement in period_statements(session, period_id=row.id):
        statement.status, statement.confirmed_at = StatementStatus.CONFIRMED, now
    row.status, row.confirmed_at, row.confirmed_by_id = PeriodStatus.CONFIRMED, now, actor.user_id
    record_audit(
        session,
        actor=actor,
        action="settlement.confirm",
        object_type="settlement_period",
        object_id=row.id,
        before={"status": "closed"},
        after={"period": period, "status": "confirmed"},
    )
    session.flush()
    return row


def _payout_postings(statement: Statement) -> list[ledger.Posting]:
    """Clear the party's payable (the operator's also its VAT) out of cash; the exchange moves its fee out."""
    org, kind = statement.party_org_id, statement.party_kind
    if kind == PartyKind.OPERATOR:
        payable = statement.total_fen - statement.vat_fen
        return [
            (Account.PAYABLE, org, payable),
            (Account.VAT_PAYABLE, org, statement.vat_fen),
            (Account.CASH, None, -statement.total_fen),
        ]
    account = Account.PLATFORM_REVENUE if kind == PartyKind.EXCHANGE else Account.PAYABLE
    return [(account, org, statement.total_fen), (Account.CASH, None, -statement.total_fen)]


def mark_statement_paid(
    session: Session, *, statement_id: int, payout_reference: str, payout_date: date, actor: Actor
) -> Statement:
    """Record the payout of a confirmed statement (reference and date) and post it. Idempotent per reference."""
    reference = (payout_reference or "").strip()
    if not reference or len(reference) > 120:
        raise SettlementError(N_("请填写付款流水号（最多120个字符）"), field="payout_reference")
    if not isinstance(payout_date, date):
        raise SettlementError(N_("请填写付款日期"), field="payout_date")
    today = today_local()
    if payout_date > today:  # a payout is recorded once made: its bank reference exists
        raise SettlementError(N_("付款日期不能晚于今天（%(today)s）"), field="payout_date",
                              params={"today": today.isoformat()})
    statement = session.execute(
        select(Statement)
        .where(Statement.id == statement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if statement is None:
        raise NotFound(N_("结算单不存在"))
    if statement.status == StatementStatus.PAID:
        if statement.payout_reference == reference:
            return statement
        raise SettlementConflict(N_("该结算单已付款"))
    if statement.status != StatementStatus.CONFIRMED:
        raise SettlementConflict(N_("结算单确认后才能登记付款"))
    ledger.post(
        session,
        key=f"payout:statement:{statement.id}",
        period_id=statement.period_id,
        statement_id=statement.id,
        postings=_payout_postings(statement),
        memo=f"付款 {reference}",
    )
    statement.status, statement.paid_at = StatementStatus.PAID, utcnow()
    statement.payout_reference, statement.payout_date = reference, payout_date
    record_audit(
        session,
        actor=actor,
        action="settlement.statement_paid",
        object_type="statement",
        object_id=statement.id,
        before={"status": "confirmed"},
        after={
            "number": statement.number,
            "status": "paid",
            "payout_reference": reference,
            "payout_date": payout_date.isoformat(),
            "total_fen": statement.total_fen,
        },
    )
    session.flush()
    return statement
