"""Double-entry ledger: one balanced transaction per billed line, cash receipt, refund and payout.

Debits are positive, credits negative; every transaction's postings sum to zero. A sale accrues:
receivable(buyer) = vat_payable(operator) + platform_revenue(exchange) + payable(broker, authority, operator).
Cash moves later: a receipt clears the receivable into cash, a payout clears a payable out of cash.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from marketplace.bulk import insert_rows, insert_with_ids
from marketplace.models.base import utcnow
from marketplace.models.settlement import Account, BilledLine, LedgerPosting, LedgerTransaction

Posting = tuple[Account, int | None, int]  # account, organization, amount (debit > 0)


def sale_postings(line: BilledLine, *, exchange_id: int) -> list[Posting]:
    """The accrual of one billed line (a refund line carries negative parts and so reverses it)."""
    return [
        (Account.RECEIVABLE, line.buyer_org_id, line.gross_fen),
        (Account.VAT_PAYABLE, line.operator_id, -line.vat_fen),
        (Account.PLATFORM_REVENUE, exchange_id, -line.platform_fen),
        (Account.PAYABLE, line.broker_id, -line.broker_fen),
        (Account.PAYABLE, line.authority_id, -line.authority_fen),
        (Account.PAYABLE, line.operator_id, -line.operator_fen),
    ]


def cash_postings(*, buyer_org_id: int, amount_fen: int) -> list[Posting]:
    """Money received from a buyer (negative amount: money returned on a refund)."""
    return [(Account.CASH, None, amount_fen), (Account.RECEIVABLE, buyer_org_id, -amount_fen)]


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Those of `keys` already posted (posting is idempotent by key)."""
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        found |= set(session.execute(select(LedgerTransaction.key).where(LedgerTransaction.key.in_(chunk))).scalars())
    return found


def post(
    session: Session,
    *,
    key: str,
    period_id: int,
    postings: list[Posting],
    memo: str = "",
    billed_line_id: int | None = None,
    statement_id: int | None = None,
) -> LedgerTransaction:
    """Add one balanced transaction (zero postings are left out); refuses an unbalanced one."""
    kept = [p for p in postings if p[2] != 0]
    if sum(p[2] for p in kept) != 0:
        raise ValueError(f"unbalanced ledger transaction {key}: {kept}")
    txn = LedgerTransaction(
        key=key, period_id=period_id, billed_line_id=billed_line_id, statement_id=statement_id, memo=memo[:300]
    )
    session.add(txn)
    session.flush()
    session.add_all(
        LedgerPosting(transaction_id=txn.id, account=account, org_id=org, amount_fen=amount)
        for account, org, amount in kept
    )
    return txn


def post_many(session: Session, entries: list[dict]) -> None:
    """Add many balanced transactions in two bulk inserts (close of a month posts thousands).

    Each entry holds key, period_id, billed_line_id, statement_id, memo and postings.
    """
    if not entries:
        return
    for entry in entries:
        if sum(p[2] for p in entry["postings"]) != 0:
            raise ValueError(f"unbalanced ledger transaction {entry['key']}: {entry['postings']}")
    table = LedgerTransaction.__table__
    now = utcnow()
    rows = [
        {
            "key": e["key"],
            "period_id": e["period_id"],
            "billed_line_id": e.get("billed_line_id"),
            "statement_id": e.get("statement_id"),
            "memo": e.get("memo", "")[:300],
            "posted_at": now,
        }
        for e in entries
    ]
    ids = insert_with_ids(session, table, rows)
    postings = [
        {"transaction_id": txn_id, "account": account.value, "org_id": org, "amount_fen": amount}
        for txn_id, entry in zip(ids, entries, strict=True)
        for account, org, amount in entry["postings"]
        if amount != 0
    ]
    insert_rows(session, LedgerPosting.__table__, postings)


__all__ = ["existing_keys", "insert_rows", "post", "post_many", "sale_postings", "cash_postings"]
