"""Helpers for settlement tests: parties, products, paid orders, usage bills and refunds inserted directly."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.models import Entitlement, Order, OrderLine, OrderStatus, OrgKind, Payment, PaymentKind, PricePlan
from marketplace.models.billing import BillStatus, UsageBill
from marketplace.models.commerce import PaymentMethod, UseType
from pricing import split_vat
from tests.factories import make_agreement, make_org, make_product, make_user

_seq = itertools.count(1)
ACTOR = Actor.system("test")


def at(day: str, hour: int = 4) -> datetime:
    """An aware UTC instant on a Shanghai day (04:00 UTC = 12:00 in Shanghai)."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


class Books:
    """Arranges the parties and the money sources a close takes in."""

    def __init__(self, session, *, platform_fee_bps=500, authority_share_bps=1000):
        self.session = session
        self.exchange = make_org(session, OrgKind.EXCHANGE)
        self.operator = make_org(session, OrgKind.OPERATOR)
        self.authority = make_org(session, OrgKind.AUTHORITY)
        self.broker = make_org(session, OrgKind.BROKER)
        self.buyer = make_org(session, OrgKind.ENTERPRISE)
        self.user = make_user(session, "buyer", org=self.buyer)
        self.finance = make_user(session, "finance", org=self.exchange)
        agreement = make_agreement(
            session,
            operator=self.operator,
            authority=self.authority,
            platform_fee_bps=platform_fee_bps,
            authority_share_bps=authority_share_bps,
        )
        self.product = make_product(
            session, agreement=agreement, type="api", plans=({"form": "per_call_flat", "unit_price_fen": "5"},)
        )
        self.plan = session.execute(select(PricePlan).where(PricePlan.product_id == self.product.id)).scalar_one()
        self.entitlement = Entitlement(buyer_org_id=self.buyer.id, product_id=self.product.id, plan_id=self.plan.id)
        session.add(self.entitlement)
        session.commit()

    def order(self, gross: int, *, paid: str, broker: bool = False, commission_bps: int = 0) -> Order:
        """A paid order with one line of `gross` fen, paid on the Shanghai day `paid`."""
        n = next(_seq)
        _, vat = split_vat(gross_fen=gross, rate_bps=600)
        order = Order(
            number=f"DD-T{n:06d}",
            buyer_org_id=self.buyer.id,
            user_id=self.user.id,
            status=OrderStatus.DELIVERED,
            use_type=UseType.INDUSTRY,
            bank_reference=f"REF{n:08d}",
            total_fen=gross,
            vat_fen=vat,
            submit_token=f"tok-{n}",
            paid_at=at(paid),
            payment_method=PaymentMethod.BANK_TRANSFER,
        )
        self.session.add(order)
        self.session.flush()
        self.session.add(
            OrderLine(
                order_id=order.id,
                product_id=self.product.id,
                plan_id=self.plan.id,
                operator_id=self.operator.id,
                broker_id=self.broker.id if broker else None,
                commission_bps=commission_bps if broker else 0,
                title=self.product.title,
                plan_name="方案",
                unit_price_fen=gross,
                amount_fen=gross,
                vat_fen=vat,
            )
        )
        self.session.add(
            Payment(
                order_id=order.id,
                method=PaymentMethod.BANK_TRANSFER,
                amount_fen=gross,
                external_id=f"BANK-{n}",
                created_at=at(paid),
            )
        )
        self.session.commit()
        return order

    def refund(self, order: Order, *, on: str) -> Payment:
        """A full refund of `order` recorded on the Shanghai day `on`."""
        order.status = OrderStatus.REFUNDED
        payment = Payment(
            order_id=order.id,
            kind=PaymentKind.REFUND,
            method=PaymentMethod.BANK_TRANSFER,
            amount_fen=-order.total_fen,
            external_id=f"refund:{order.number}",
            created_at=at(on),
        )
        self.session.add(payment)
        self.session.commit()
        return payment

    def bill(
        self,
        amount: int,
        *,
        period: str,
        issued: str,
        paid: bool = False,
        broker: bool = False,
        commission_bps: int = 0,
        adjusts: UsageBill | None = None,
    ) -> UsageBill:
        """A usage bill of `amount` fen for `period`, issued on the Shanghai day `issued`."""
        n = next(_seq)
        _, vat = split_vat(gross_fen=amount, rate_bps=600)
        sequence = (
            1
            + self.session.execute(
                select(func.count())
                .select_from(UsageBill)
                .where(UsageBill.entitlement_id == self.entitlement.id, UsageBill.period == period)
            ).scalar_one()
        )
        bill = UsageBill(
            number=f"ZD-T{n:06d}",
            period=period,
            sequence=sequence,
            adjusts_bill_id=adjusts.id if adjusts else None,
            entitlement_id=self.entitlement.id,
            buyer_org_id=self.buyer.id,
            product_id=self.product.id,
            plan_id=self.plan.id,
            operator_id=self.operator.id,
            broker_id=self.broker.id if broker else None,
            commission_bps=commission_bps if broker else 0,
            calls=amount // 5,
            amount_fen=amount,
            vat_fen=vat,
            issued_at=at(issued),
            due_date=date.fromisoformat(issued),
            bank_reference=f"BREF{n:08d}",
            status=BillStatus.PAID if paid else BillStatus.ISSUED,
        )
        self.session.add(bill)
        self.session.commit()
        return bill


@pytest.fixture
def books(session) -> Books:
    return Books(session)
