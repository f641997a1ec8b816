"""Statement rows written by hand in the agreed shape (the close-period use case writes the same rows)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from marketplace.models import OrgKind, Product
from marketplace.models.settlement import (
    BilledLine,
    LineSource,
    PartyKind,
    SettlementPeriod,
    Statement,
    StatementLine,
)
from tests.factories import make_agreement, make_org, make_product

CODES = {PartyKind.OPERATOR: "OP", PartyKind.BROKER: "BR", PartyKind.AUTHORITY: "AU", PartyKind.EXCHANGE: "EX"}
# (day, kind, reference, gross, vat, net, platform, broker, authority, operator, adjusts)
LINES = [
    ("2026-10-03", "order", "PDX202610030001", 10600, 600, 10000, 500, 800, 0, 8700, ""),
    ("2026-10-31", "usage", "ZD202610-000001", 1855, 105, 1750, 88, 140, 0, 1522, ""),
    ("2026-10-20", "refund", "PDX202610030001", -10600, -600, -10000, -500, -800, 0, -8700, "PDX202610030001"),
    ("2026-10-25", "order", "PDX202610250002", 31800, 1800, 30000, 1500, 2400, 0, 26100, ""),
]


@dataclass
class Settled:
    period: SettlementPeriod
    operator: object
    broker: object
    authority: object
    exchange: object
    buyer: object
    product: Product
    statements: dict  # PartyKind -> Statement


def _share(kind: PartyKind, line: tuple) -> int:
    _d, _k, _r, _g, vat, _n, platform, broker, authority, operator, _a = line
    return {
        PartyKind.OPERATOR: operator + vat,
        PartyKind.BROKER: broker,
        PartyKind.AUTHORITY: authority,
        PartyKind.EXCHANGE: platform,
    }[kind]


def settle_by_hand(session, *, period: str = "2026-10", made_at=datetime(2026, 11, 1, 2, 0, tzinfo=UTC)) -> Settled:
    """A closed period with four billed lines and one statement per party, each line on each statement."""
    operator, broker = make_org(session, OrgKind.OPERATOR), make_org(session, OrgKind.BROKER)
    authority, exchange = make_org(session, OrgKind.AUTHORITY), make_org(session, OrgKind.EXCHANGE)
    buyer = make_org(session, OrgKind.ENTERPRISE, name="示例智联科技有限公司")
    product = make_product(
        session, agreement=make_agreement(session, operator=operator, authority=authority), title="企业信用画像查询接口"
    )
    row = SettlementPeriod(period=period, status="closed", closed_at=made_at)
    session.add(row)
    session.flush()
    billed = []
    for i, line in enumerate(LINES):
        day, kind, ref, gross, vat, net, platform, brk, auth, op, _adj = line
        billed.append(
            BilledLine(
                period_id=row.id,
                source=LineSource.REFUND if kind == "refund" else LineSource.ORDER_LINE,
                source_key=f"test:{period}:{i}",
                occurred_on=date.fromisoformat(day),
                product_id=product.id,
                buyer_org_id=buyer.id,
                operator_id=operator.id,
                broker_id=broker.id,
                authority_id=authority.id,
                platform_fee_bps=500,
                commission_bps=800,
                gross_fen=gross,
                vat_fen=vat,
                net_fen=net,
                platform_fen=platform,
                broker_fen=brk,
                authority_fen=auth,
                operator_fen=op,
            )
        )
    session.add_all(billed)
    session.flush()
    billed[2].adjusts_line_id = billed[0].id  # the refund reverses the first sale
    statements = {}
    for kind, org in (
        (PartyKind.OPERATOR, operator),
        (PartyKind.BROKER, broker),
        (PartyKind.AUTHORITY, authority),
        (PartyKind.EXCHANGE, exchange),
    ):
        st = Statement(
            number=f"JS{period.replace('-', '')}-{CODES[kind]}-{org.uscc}",
            period_id=row.id,
            party_kind=kind,
            party_org_id=org.id,
            line_count=len(LINES),
            gross_fen=sum(x[3] for x in LINES),
            vat_fen=sum(x[4] for x in LINES),
            net_fen=sum(x[5] for x in LINES),
            total_fen=sum(_share(kind, x) for x in LINES),
            content_hash=f"{len(statements):x}" * 64,
            created_at=made_at,
        )
        session.add(st)
        session.flush()
        for line, bl in zip(LINES, billed, strict=True):
            day, k, ref, gross, vat, net, *_rest, adj = line
            detail = {
                "date": day,
                "kind": k,
                "reference": ref,
                "product": product.title,
                "buyer": buyer.name,
                "buyer_uscc": buyer.uscc,
                "gross_fen": gross,
                "vat_fen": vat,
                "net_fen": net,
                "share_fen": _share(kind, line),
                "adjusts": adj,
            }
            session.add(
                StatementLine(
                    statement_id=st.id,
                    billed_line_id=bl.id,
                    share_fen=_share(kind, line),
                    detail=json.dumps(detail, ensure_ascii=False),
                )
            )
        statements[kind] = st
    session.commit()
    return Settled(row, operator, broker, authority, exchange, buyer, product, statements)
