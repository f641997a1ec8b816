"""From listing to paid statement, every figure worked out by hand (R2, R3, R7, R8, R9; issue 9).

October 2026 (all days Asia/Shanghai). One operator under one agreement (platform fee 5 %, authority share
10 %, general taxpayer: VAT 6 %) lists four API products:
  P1 per call flat ¥0.50 with 3 free calls a month; cap ¥0.50, lowered by the authority to ¥0.30 from 20 Oct
  P2 per call graduated: calls 1–5 at 12.5 fen, then 8 fen; cap 20 fen
  P3 per call volume: ≤ 10 calls a month at 40 fen each, more at 25 fen each; cap 40 fen
  P4 a prepaid package of 1,000 calls at ¥199.99, listed by a broker under a mandate with 8 % commission
Buyer A calls P1 and P2, buyer B calls P3 and buys one P4 package; buyer A buys two P4 packages and is
refunded. bill-usage and close-period for October, confirm; then two P2 calls dated 31 October reach the
books after the confirmation: a supplementary bill, an adjustment line in November. Close and confirm
November, pay out every statement, verify the ledger, export.

Hand rules: VAT = gross − round_half_up(gross / 1.06); the net is split 5 % / broker % / 10 % / rest by the
largest-remainder method (floors first, the leftover fen to the largest remainders, ties to the earlier
party in the order platform, broker, authority, operator). A statement's total is the party's share; the
operator's share includes the VAT it invoices.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.billing.payments import record_bill_paid
from marketplace.clock import FixedClock, use_clock
from marketplace.gateway.datasets import Table, define_dataset
from marketplace.gateway.provision import grant_access
from marketplace.models import Agreement, ApiKey, Entitlement, OrderLine, OrgKind, PaymentMethod, PricePlan, Role
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.metering import UsageEvent
from marketplace.models.settlement import (
    Account,
    BilledLine,
    LedgerPosting,
    LineSource,
    PartyKind,
    PeriodStatus,
    SettlementPeriod,
    Statement,
    StatementStatus,
)
from marketplace.orders.checkout import InvoiceIn, place_order
from marketplace.orders.payments import record_payment, record_refund
from marketplace.settlement.close import close_period, confirm_period, mark_statement_paid
from marketplace.settlement.exports import export_statement
from marketplace.settlement.verify import verify_ledger
from marketplace.supply.brokers import create_mandate, record_qualification
from marketplace.supply.cap_setting import set_cap
from tests.factories import make_agreement, make_org, make_product, make_user
from tests.gateway.conftest import LOOKUP, ROWS, USCC_A, USCC_NONE, auth, gw_app  # noqa: F401  (gw_app: fixture)

SYSTEM = Actor.system("scenario")
FLAT = {"form": "per_call_flat", "unit_price_fen": "50", "free_quota": 3}
GRADUATED = {
    "form": "per_call_graduated",
    "tiers": [{"up_to": 5, "unit_price_fen": "12.5"}, {"up_to": None, "unit_price_fen": "8"}],
}
VOLUME = {
    "form": "per_call_volume",
    "tiers": [{"up_to": 10, "unit_price_fen": "40"}, {"up_to": None, "unit_price_fen": "25"}],
}
PACKAGE = {"form": "prepaid_calls", "price_fen": 19999, "package_calls": 1000}


def noon(day: str) -> datetime:
    """12:00 in Shanghai on that day (04:00 UTC)."""
    return datetime.fromisoformat(f"{day}T04:00:00").replace(tzinfo=UTC)


def actor_of(user) -> Actor:
    return Actor(user_id=user.id, label=user.email, org_id=user.org_id)


# --- arranging: parties, listing, caps, mandate (1 September 2026) -----------------------------------------


def _arrange(session) -> SimpleNamespace:
    s = SimpleNamespace()
    s.exchange = make_org(session, OrgKind.EXCHANGE, name="示例数据交易所")
    s.operator = make_org(session, OrgKind.OPERATOR, name="示例授权运营公司")
    s.authority = make_org(session, OrgKind.AUTHORITY, name="示例数据管理局")
    s.broker = make_org(session, OrgKind.BROKER, name="示例数据经纪公司")
    s.buyer_a = make_org(session, OrgKind.ENTERPRISE, name="示例甲采购公司")
    s.buyer_b = make_org(session, OrgKind.ENTERPRISE, name="示例乙采购公司")
    s.finance = make_user(session, Role.FINANCE, org=s.exchange)
    s.user_a = make_user(session, Role.BUYER, org=s.buyer_a)
    s.user_b = make_user(session, Role.BUYER, org=s.buyer_b)
    s.official = make_user(session, Role.AUTHORITY, org=s.authority)
    agreement = make_agreement(
        session, operator=s.operator, authority=s.authority, platform_fee_bps=500, authority_share_bps=1000
    )
    agreement = session.get(Agreement, agreement.id)
    agreement.start_date, agreement.end_date = date(2026, 9, 1), date(2027, 12, 31)
    session.commit()
    s.p1, s.p2, s.p3 = (
        make_product(session, agreement=agreement, type="api", plans=(plan,), caps=False, title=title)
        for plan, title in (
            (FLAT, "企业基本信息按次查询"),
            (GRADUATED, "企业信用累进查询"),
            (VOLUME, "企业经营总量查询"),
        )
    )
    s.p4 = make_product(
        session,
        agreement=agreement,
        type="api",
        plans=(PACKAGE,),
        caps=False,
        title="企业风险次数包",
        broker_id=s.broker.id,
    )
    for product in (s.p1, s.p2, s.p3, s.p4):
        define_dataset(session, actor=SYSTEM, product=product, table=Table(tuple(ROWS[0]), ROWS), definition=LOOKUP)
    official = actor_of(s.official)
    for product, form, cap in (
        (s.p1, "per_call_flat", 50),
        (s.p2, "per_call_graduated", 20),
        (s.p3, "per_call_volume", 40),
        (s.p4, "prepaid_calls", 20000),
    ):
        set_cap(
            session,
            actor=official,
            product_id=product.id,
            charge_form=form,
            cap_fen=Decimal(cap),
            authority_id=s.authority.id,
        )
    # announced on 1 September: from 20 October P1 may charge at most ¥0.30 a call (below its ¥0.50 price)
    set_cap(
        session,
        actor=official,
        product_id=s.p1.id,
        charge_form="per_call_flat",
        cap_fen=Decimal(30),
        authority_id=s.authority.id,
        effective_on=date(2026, 10, 20),
    )
    record_qualification(
        session,
        actor=SYSTEM,
        broker_id=s.broker.id,
        cert_no="JJR-2026-0042",
        issuer="示例数据管理局",
        valid_from=date(2026, 1, 1),
        valid_to=date(2027, 12, 31),
    )
    create_mandate(
        session,
        actor=SYSTEM,
        operator_id=s.operator.id,
        broker_id=s.broker.id,
        product_ids=[s.p4.id],
        commission_bps=800,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 8, 31),
    )
    s.ent1, s.key1 = grant_access(session, actor=SYSTEM, buyer=s.buyer_a, product=s.p1)
    s.ent2, s.key2 = grant_access(session, actor=SYSTEM, buyer=s.buyer_a, product=s.p2)
    s.ent3, s.key3 = grant_access(session, actor=SYSTEM, buyer=s.buyer_b, product=s.p3)
    session.commit()
    return s


def _call(client, clock, slug, key, day, *, n=1, uscc=USCC_A, headers=None, at=None):
    clock.at = at or noon(day)
    return [
        client.get(f"/api/v1/data/{slug}?uscc={uscc}", headers={**auth(key), **(headers or {})}).status_code
        for _ in range(n)
    ]


def _buy_package(session, s, user, buyer, quantity, *, ordered: str, paid: str, token: str):
    with use_clock(FixedClock(noon(ordered))):
        order = place_order(
            session,
            actor=actor_of(user),
            buyer_org_id=buyer.id,
            product_id=s.p4.id,
            plan_id=_plan_id(session, s.p4),
            quantity=quantity,
            use_type="industry",
            purpose="贷前企业风险核查",
            invoice=InvoiceIn(title=buyer.name, taxpayer_id=buyer.uscc),
            submit_token=token,
        )
        session.commit()
    with use_clock(FixedClock(noon(paid))):
        record_payment(
            session,
            actor=actor_of(s.finance),
            order_id=order.id,
            method="bank_transfer",
            amount_fen=order.total_fen,
            external_id=f"BANK-{token}",
        )
        session.commit()
    return order


def _plan_id(session, product) -> int:
    return session.execute(select(PricePlan.id).where(PricePlan.product_id == product.id)).scalar_one()


def _ids(session, ent, day) -> list[str]:
    return list(
        session.execute(
            select(UsageEvent.request_id).where(
                UsageEvent.entitlement_id == ent.id, UsageEvent.day == day, UsageEvent.billable.is_(True)
            )
        ).scalars()
    )


def _sha(ids: list[str]) -> str:
    """The receipt as the buyer recomputes it from its own request log."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def _bills(session, ent) -> list[UsageBill]:
    session.expire_all()
    return list(
        session.execute(
            select(UsageBill).where(UsageBill.entitlement_id == ent.id).order_by(UsageBill.sequence)
        ).scalars()
    )


def _line(session, **where) -> BilledLine:
    query = select(BilledLine)
    for name, value in where.items():
        query = query.where(getattr(BilledLine, name) == value)
    return session.execute(query).scalar_one()


def _parts(line: BilledLine) -> tuple:
    return (
        line.gross_fen,
        line.vat_fen,
        line.net_fen,
        line.platform_fen,
        line.broker_fen,
        line.authority_fen,
        line.operator_fen,
    )


def _statements(session, period: str) -> dict:
    session.expire_all()
    rows = session.execute(
        select(Statement)
        .join(SettlementPeriod, SettlementPeriod.id == Statement.period_id)
        .where(SettlementPeriod.period == period)
    ).scalars()
    return {st.party_kind: st for st in rows}


def _yuan(fen: int) -> str:
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}¥{fen // 100:,}.{fen % 100:02d}"


def _cli(runner, *args) -> list[str]:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_from_listing_to_paid_statements_every_figure_by_hand(
    gw_app,  # noqa: F811
    session,
    client,
    runner,
    tmp_path,
    web,
):
    clock = FixedClock(noon("2026-09-01"))
    with use_clock(clock):
        s = _arrange(session)

        # --- October calls through the gateway -------------------------------------------------------------
        # P1, 5 Oct: 3 plain calls, one keyed call sent twice (counted once, R9), one 404 (not billable): 4
        assert _call(client, clock, s.p1.slug, s.key1, "2026-10-05", n=3) == [200] * 3
        assert _call(client, clock, s.p1.slug, s.key1, "2026-10-05", n=2, headers={"Idempotency-Key": "k-5"}) == [
            200,
            200,
        ]
        assert _call(client, clock, s.p1.slug, s.key1, "2026-10-05", uscc=USCC_NONE) == [404]
        assert _call(client, clock, s.p1.slug, s.key1, "2026-10-12", n=2) == [200, 200]
        # P1 from 20 Oct: the cap (¥0.30) is below the plan (¥0.50), so the gateway refuses the plan (R3) ...
        assert _call(client, clock, s.p1.slug, s.key1, "2026-10-21") == [403]
        assert _call(client, clock, s.p2.slug, s.key2, "2026-10-06", n=4) == [200] * 4
        assert _call(client, clock, s.p2.slug, s.key2, "2026-10-15", n=3) == [200] * 3
        assert _call(client, clock, s.p3.slug, s.key3, "2026-10-08", n=6) == [200] * 6
        assert _call(client, clock, s.p3.slug, s.key3, "2026-10-25", n=6) == [200] * 6
    # ... yet three calls of 21 Oct were answered by a worker that still held the key's old terms (its key
    # cache): metered as the billing tests meter them; the bill must price them at the cap of their day.
    for n in range(3):
        session.add(
            UsageEvent(
                request_id=f"req_cached_{n}",
                api_key_id=_key_id(session, s.ent1),
                entitlement_id=s.ent1.id,
                product_id=s.p1.id,
                buyer_org_id=s.buyer_a.id,
                plan_id=s.ent1.plan_id,
                day="2026-10-21",
                status=200,
                billable=True,
                records=1,
            )
        )
    session.commit()

    # --- October orders: a broker's package sale, and a sale refunded in the month ------------------------
    sale = _buy_package(
        session, s, s.user_b, s.buyer_b, 1, ordered="2026-10-09", paid="2026-10-10", token="scenario-sale-1"
    )
    refunded = _buy_package(
        session, s, s.user_a, s.buyer_a, 2, ordered="2026-10-16", paid="2026-10-16", token="scenario-sale-2"
    )
    with use_clock(FixedClock(noon("2026-10-18"))):
        record_refund(session, actor=actor_of(s.finance), order_id=refunded.id, reason="买方误购，全额退款")
        session.commit()
    # 1 × ¥199.99 = 19999; VAT = 19999 − round(19999 / 1.06 = 18866.98) = 19999 − 18867 = 1132
    assert (sale.total_fen, sale.vat_fen) == (19999, 1132)
    # 2 × ¥199.99 = 39998; VAT = 39998 − round(39998 / 1.06 = 37733.96) = 39998 − 37734 = 2264
    assert (refunded.total_fen, refunded.vat_fen) == (39998, 2264)

    # --- bill-usage 2026-10 through the CLI on 1 November --------------------------------------------------
    with use_clock(FixedClock(noon("2026-11-01"))):
        printed = _cli(runner, "bill-usage", "2026-10")
    [b1], [b2], [b3] = _bills(session, s.ent1), _bills(session, s.ent2), _bills(session, s.ent3)
    # P1: 4 + 2 + 3 = 9 calls; the 3 free ones come off 5 Oct: 1 × 50 + 2 × 50 + 3 × 30 (cap of 21 Oct) = 240
    # P2: 4 + 3 = 7 calls: 5 × 12.5 + 2 × 8 = 62.5 + 16 = 78.5 → rounded half-up once: 79
    # P3: 6 + 6 = 12 calls > 10: all at the second tier, 12 × 25 = 300
    assert printed == [
        f"ZD202610-000001 {s.buyer_a.uscc} 240",
        f"ZD202610-000002 {s.buyer_a.uscc} 79",
        f"ZD202610-000003 {s.buyer_b.uscc} 300",
    ]
    # VAT: 240 − round(226.42) = 14; 79 − round(74.53) = 4; 300 − round(283.02) = 17; due 1 Nov + 15 days
    assert [
        (b.number, b.calls, b.amount_fen, b.vat_rate_bps, b.vat_fen, b.due_date, b.status) for b in (b1, b2, b3)
    ] == [
        ("ZD202610-000001", 9, 240, 600, 14, date(2026, 11, 16), BillStatus.ISSUED),
        ("ZD202610-000002", 7, 79, 600, 4, date(2026, 11, 16), BillStatus.ISSUED),
        ("ZD202610-000003", 12, 300, 600, 17, date(2026, 11, 16), BillStatus.ISSUED),
    ]
    assert [(ln["description"], ln["units"], ln["amount_fen"]) for ln in json.loads(b1.lines)] == [
        ("免费额度", 3, 0),
        ("按次计费", 3, 150),
        ("按次计费（按当日上限收费标准 ¥0.30）", 3, 90),
    ]
    assert [(ln["units"], ln["exact_fen"]) for ln in json.loads(b2.lines)] == [(5, "62.5"), (2, "16")]
    receipts = {(b.number, r["day"]): (r["calls"], r["sha256"]) for b in (b1, b2, b3) for r in json.loads(b.receipts)}
    assert len(_ids(session, s.ent1, "2026-10-05")) == 4  # the 404 and the replayed retry are not in it
    assert receipts == {
        (b1.number, "2026-10-05"): (4, _sha(_ids(session, s.ent1, "2026-10-05"))),
        (b1.number, "2026-10-12"): (2, _sha(_ids(session, s.ent1, "2026-10-12"))),
        (b1.number, "2026-10-21"): (3, _sha(["req_cached_0", "req_cached_1", "req_cached_2"])),
        (b2.number, "2026-10-06"): (4, _sha(_ids(session, s.ent2, "2026-10-06"))),
        (b2.number, "2026-10-15"): (3, _sha(_ids(session, s.ent2, "2026-10-15"))),
        (b3.number, "2026-10-08"): (6, _sha(_ids(session, s.ent3, "2026-10-08"))),
        (b3.number, "2026-10-25"): (6, _sha(_ids(session, s.ent3, "2026-10-25"))),
    }

    # --- close-period 2026-10 through the CLI --------------------------------------------------------------
    with use_clock(FixedClock(noon("2026-11-02"))):
        printed = _cli(runner, "close-period", "2026-10")
    # Per line (gross, VAT, net, platform 5 %, broker, authority 10 %, operator rest):
    # sale 19999: net 18867 × 5 % = 943.35, × 8 % = 1509.36, × 10 % = 1886.7, × 77 % = 14527.59; floors
    #   943 + 1509 + 1886 + 14527 = 18865, 2 fen left → authority (.7) and operator (.59)
    # refunded sale 39998: net 37734 → 1886.7, 3018.72, 3773.4, 29055.18; floors sum 37732, 2 left → broker
    #   (.72) and platform (.7); the refund is its exact negative
    # bill 240: net 226 → 11.3, 22.6, 192.1 (85 %); floors 225, 1 left → authority (.6)
    # bill 79: net 75 → 3.75, 7.5, 63.75; floors 73, 2 left → platform (.75) and operator (.75, tie: later)
    # bill 300: net 283 → 14.15, 28.3, 240.55; floors 282, 1 left → operator (.55)
    sale_line = _line(session, source=LineSource.ORDER_LINE, order_line_id=_order_line_id(session, sale))
    refunded_line = _line(session, source=LineSource.ORDER_LINE, order_line_id=_order_line_id(session, refunded))
    refund_line = _line(session, source=LineSource.REFUND)
    assert _parts(sale_line) == (19999, 1132, 18867, 943, 1509, 1887, 14528)
    assert _parts(refunded_line) == (39998, 2264, 37734, 1887, 3019, 3773, 29055)
    assert _parts(refund_line) == (-39998, -2264, -37734, -1887, -3019, -3773, -29055)
    assert refund_line.adjusts_line_id == refunded_line.id and sale_line.commission_bps == 800  # from the mandate
    assert _parts(_line(session, usage_bill_id=b1.id)) == (240, 14, 226, 11, 0, 23, 192)
    assert _parts(_line(session, usage_bill_id=b2.id)) == (79, 4, 75, 4, 0, 7, 64)
    assert _parts(_line(session, usage_bill_id=b3.id)) == (300, 17, 283, 14, 0, 28, 241)
    # operator (remainder + VAT): (14528 + 1132) + (29055 + 2264) − (29055 + 2264) + (192 + 14) + (64 + 4)
    #   + (241 + 17) = 15660 + 206 + 68 + 258 = 16192
    # broker: 1509 + 3019 − 3019 = 1509; authority: 1887 + 3773 − 3773 + 23 + 7 + 28 = 1945
    # exchange: 943 + 1887 − 1887 + 11 + 4 + 14 = 972; and 16192 + 1509 + 1945 + 972 = 20618, the gross
    assert printed == [
        f"operator {s.operator.uscc} 16192",
        f"broker {s.broker.uscc} 1509",
        f"authority {s.authority.uscc} 1945",
        f"exchange {s.exchange.uscc} 972",
    ]
    october = _statements(session, "2026-10")
    # gross 19999 + 39998 − 39998 + 240 + 79 + 300 = 20618; VAT 1132 + 14 + 4 + 17 = 1167; net 20618 − 1167
    everyone = (6, 20618, 1167, 19451)
    assert {
        k: (st.line_count, st.gross_fen, st.vat_fen, st.net_fen, st.total_fen, st.status) for k, st in october.items()
    } == {
        PartyKind.OPERATOR: (*everyone, 16192, StatementStatus.DRAFT),
        PartyKind.BROKER: (3, 19999, 1132, 18867, 1509, StatementStatus.DRAFT),
        PartyKind.AUTHORITY: (*everyone, 1945, StatementStatus.DRAFT),
        PartyKind.EXCHANGE: (*everyone, 972, StatementStatus.DRAFT),
    }
    assert october[PartyKind.OPERATOR].number == f"JS202610-OP-{s.operator.uscc}"
    with use_clock(FixedClock(noon("2026-11-02"))):
        assert _cli(runner, "close-period", "2026-10") == printed  # closing again changes nothing
        confirm_period(session, period="2026-10", actor=actor_of(s.finance))
        session.commit()

    # --- a late call: answered at 23:50 on 31 October, it reaches the books after the confirmation ---------
    with use_clock(FixedClock(noon("2026-11-03"))) as late_clock:
        assert _call(
            client, late_clock, s.p2.slug, s.key2, "2026-10-31", n=2, at=datetime(2026, 10, 31, 15, 50, tzinfo=UTC)
        ) == [200, 200]
    # buyer A pays its P1 bill by bank transfer in November
    with use_clock(FixedClock(noon("2026-11-10"))):
        record_bill_paid(
            session,
            bill_id=b1.id,
            amount_fen=240,
            serial="BANK-ZD-1",
            method=PaymentMethod.BANK_TRANSFER,
            actor=actor_of(s.finance),
        )
        session.commit()

    # --- close November on 1 December: the late calls become a supplementary bill and an adjustment line --
    with use_clock(FixedClock(noon("2026-12-01"))):
        close_period(session, period="2026-11", actor=actor_of(s.finance))
        session.commit()
    first, late = _bills(session, s.ent2)
    # the month re-rated: 9 calls = 5 × 12.5 + 4 × 8 = 62.5 + 32 = 94.5 → 95 (half-up); minus 79 billed = 16
    # VAT 16 − round(15.09) = 1; due 1 Dec + 15 days
    assert (
        late.number,
        late.period,
        late.sequence,
        late.adjusts_bill_id,
        late.calls,
        late.amount_fen,
        late.vat_fen,
        late.due_date,
    ) == ("ZD202610-000004", "2026-10", 2, first.id, 2, 16, 1, date(2026, 12, 16))
    assert json.loads(late.receipts)[-1] == {
        "day": "2026-10-31",
        "calls": 2,
        "sha256": _sha(_ids(session, s.ent2, "2026-10-31")),
    }
    assert (first.amount_fen, first.calls) == (79, 7)  # an issued bill is never edited
    adjustment = _line(session, usage_bill_id=late.id)
    november = session.execute(select(SettlementPeriod).where(SettlementPeriod.period == "2026-11")).scalar_one()
    # net 15 → 0.75, 1.5, 12.75; floors 0 + 1 + 12 = 13, 2 left → platform (.75) and operator (.75)
    assert _parts(adjustment) == (16, 1, 15, 1, 0, 1, 13)
    assert (adjustment.period_id, adjustment.is_adjustment, adjustment.adjusts_line_id) == (
        november.id,
        True,
        _line(session, usage_bill_id=b2.id).id,
    )
    # November: operator 13 + 1 = 14, authority 1, exchange 1 (no broker on the line); 14 + 1 + 1 = 16
    nov = _statements(session, "2026-11")
    assert {k: (st.line_count, st.gross_fen, st.vat_fen, st.net_fen, st.total_fen) for k, st in nov.items()} == {
        PartyKind.OPERATOR: (1, 16, 1, 15, 14),
        PartyKind.AUTHORITY: (1, 16, 1, 15, 1),
        PartyKind.EXCHANGE: (1, 16, 1, 15, 1),
    }
    assert {k: (st.total_fen, st.status) for k, st in _statements(session, "2026-10").items()} == {
        PartyKind.OPERATOR: (16192, StatementStatus.CONFIRMED),
        PartyKind.BROKER: (1509, StatementStatus.CONFIRMED),
        PartyKind.AUTHORITY: (1945, StatementStatus.CONFIRMED),
        PartyKind.EXCHANGE: (972, StatementStatus.CONFIRMED),
    }  # October stays as confirmed
    with use_clock(FixedClock(noon("2026-12-01"))):
        confirm_period(session, period="2026-11", actor=actor_of(s.finance))
        session.commit()

    # --- pay out every statement ---------------------------------------------------------------------------
    with use_clock(FixedClock(noon("2026-12-03"))):
        for period, statements in (("2026-10", october), ("2026-11", nov)):
            for kind, st in statements.items():
                mark_statement_paid(
                    session,
                    statement_id=st.id,
                    payout_reference=f"PAY-{period}-{kind.value}",
                    payout_date=date(2026, 12, 3),
                    actor=actor_of(s.finance),
                )
        session.commit()
    paid = {
        **{("2026-10", k): st for k, st in _statements(session, "2026-10").items()},
        **{("2026-11", k): st for k, st in _statements(session, "2026-11").items()},
    }
    assert {(st.status, st.payout_reference, st.payout_date) for st in paid.values()} == {
        (StatementStatus.PAID, f"PAY-{p}-{k.value}", date(2026, 12, 3)) for p, k in paid
    }
    assert {p.period: p.status for p in session.execute(select(SettlementPeriod)).scalars()} == {
        "2026-10": PeriodStatus.CONFIRMED,
        "2026-11": PeriodStatus.CONFIRMED,
    }

    # --- the ledger, by hand -------------------------------------------------------------------------------
    # cash in: 19999 + 39998 − 39998 (refund) + 240 (bill paid) = 20239; out: the payouts 16192 + 1509 + 1945
    #   + 972 + 14 + 1 + 1 = 20634 → cash −395; still receivable: buyer A 79 + 16 = 95, buyer B 300
    # every payable, the VAT payable and the platform revenue are paid out to zero
    total = func.sum(LedgerPosting.amount_fen)
    balances = {
        (account, org): int(amount)
        for account, org, amount in session.execute(
            select(LedgerPosting.account, LedgerPosting.org_id, total)
            .group_by(LedgerPosting.account, LedgerPosting.org_id)
            .having(total != 0)
        )
    }
    assert balances == {
        (Account.CASH, None): -395,
        (Account.RECEIVABLE, s.buyer_a.id): 95,
        (Account.RECEIVABLE, s.buyer_b.id): 300,
    }
    assert verify_ledger(session).ok
    # transactions: 7 line accruals + 3 cash moves (2 orders, 1 refund) + 1 bill receipt + 7 payouts = 18
    assert _cli(runner, "verify-ledger") == ["ledger ok: 18 transactions, 7 billed lines, 7 statements"]

    # --- exports: the same totals as the statement; twice → the same bytes ---------------------------------
    for (period, kind), st in paid.items():
        xlsx = export_statement(session, statement=st, fmt="xlsx")
        ws = load_workbook(io.BytesIO(xlsx.content)).active
        totals = next([c.value for c in row] for row in ws.iter_rows() if row[0].value == "合计")
        assert [round(v * 100) for v in totals[-4:]] == [st.gross_fen, st.vat_fen, st.net_fen, st.total_fen]
        assert ws["B1"].value == st.number
        pdf = export_statement(session, statement=st, fmt="pdf")
        text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
        assert all(_yuan(v) in text for v in (st.gross_fen, st.vat_fen, st.net_fen, st.total_fen)), (period, kind)
        assert st.content_hash in text
        session.expire_all()
        assert export_statement(session, statement=st, fmt="xlsx").content == xlsx.content
        assert export_statement(session, statement=st, fmt="pdf").content == pdf.content
    printed = _cli(runner, "export-statements", "2026-10", "--format", "xlsx", "--out", str(tmp_path))
    assert sorted(printed) == sorted(
        str(tmp_path / f"statement-2026-10-{k.value}-{org.uscc}.xlsx")
        for k, org in (
            (PartyKind.OPERATOR, s.operator),
            (PartyKind.BROKER, s.broker),
            (PartyKind.AUTHORITY, s.authority),
            (PartyKind.EXCHANGE, s.exchange),
        )
    )
    written = tmp_path / f"statement-2026-10-operator-{s.operator.uscc}.xlsx"
    assert (
        written.read_bytes()
        == export_statement(session, statement=paid[("2026-10", PartyKind.OPERATOR)], fmt="xlsx").content
    )

    # --- the finance statement page shows the same figures and offers the three downloads -----------------
    web.login(s.finance.email)
    st = paid[("2026-10", PartyKind.OPERATOR)]
    page = web.get(f"/finance/settlement/statements/{st.id}").get_data(as_text=True)
    assert all(_yuan(v) in page for v in (20618, 1167, 19451, 16192)) and "PAY-2026-10-operator" in page
    assert all(f"/finance/statements/{st.id}/export.{fmt}" in page for fmt in ("pdf", "xlsx", "csv"))
    download = web.get(f"/finance/statements/{st.id}/export.pdf")
    assert download.status_code == 200 and download.data == export_statement(session, statement=st, fmt="pdf").content


def _key_id(session, ent: Entitlement) -> int:
    return session.execute(select(ApiKey.id).where(ApiKey.entitlement_id == ent.id)).scalars().first()


def _order_line_id(session, order) -> int:
    return session.execute(select(OrderLine.id).where(OrderLine.order_id == order.id)).scalar_one()
