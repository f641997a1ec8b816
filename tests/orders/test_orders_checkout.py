"""place_order: server pricing, VAT, refusals that change nothing, double submit, public use."""

import json

import pytest
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.models import (
    AuditRecord,
    Entitlement,
    Mandate,
    MandateProduct,
    Order,
    OrderLine,
    OrderStatus,
    OrgKind,
    PricePlan,
    UseType,
)
from marketplace.models.accounts import TaxpayerKind
from marketplace.orders.checkout import InvoiceIn
from tests.factories import make_org


def test_server_prices_the_order_with_general_vat(shop):
    org, user = shop.buyer()
    product = shop.product(plans=({"form": "subscription_month", "price_fen": 10600, "period_months": 1},))
    order = shop.order(org, user, product, quantity=3)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.total_fen == 31800 and order.vat_rate_bps == 600 and order.vat_fen == 1800
    assert order.number.startswith("PDX") and len(order.number) == 15
    assert len(order.bank_reference) == 8
    line = shop.session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalar_one()
    assert (line.unit_price_fen, line.quantity, line.amount_fen, line.vat_fen) == (10600, 3, 31800, 1800)
    assert order.invoice_taxpayer_id == org.uscc and order.invoice_kind == "special"


def test_small_scale_seller_charges_one_percent_vat(shop, session):
    from marketplace.models import Organization
    from tests.factories import make_agreement

    org, user = shop.buyer()
    agreement = make_agreement(session)
    operator = session.get(Organization, agreement.operator_id)
    operator.taxpayer_kind = TaxpayerKind.SMALL
    session.commit()
    product = shop.product(agreement=agreement, plans=({"form": "one_off", "price_fen": 10100},))
    order = shop.order(org, user, product)
    assert (order.total_fen, order.vat_rate_bps, order.vat_fen) == (10100, 100, 100)


def test_order_numbers_increase(shop):
    org, user = shop.buyer()
    product = shop.product()
    first, second = shop.order(org, user, product), shop.order(org, user, product)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert first.bank_reference != second.bank_reference


def test_double_submit_creates_one_order(shop):
    org, user = shop.buyer()
    product = shop.product()
    a = shop.order(org, user, product, token="same-token-123")
    b = shop.order(org, user, product, token="same-token-123", quantity=5)
    assert a.id == b.id and b.total_fen == 10000
    assert shop.count(Order) == 1


@pytest.mark.parametrize("quantity", [0, -1, 1001, 10**9])
def test_bad_quantity_refused_and_nothing_saved(shop, quantity):
    org, user = shop.buyer()
    product = shop.product(plans=({"form": "prepaid_calls", "price_fen": 10000, "package_calls": 1000},))
    with pytest.raises(DomainError) as e:
        shop.order(org, user, product, quantity=quantity)
    assert "1 到 1000" in e.value.text and e.value.field == "quantity"
    shop.session.rollback()
    assert shop.count(Order) == 0 and shop.count(OrderLine) == 0


def test_plan_of_another_product_refused(shop):
    org, user = shop.buyer()
    product, other = shop.product(), shop.product(plans=({"form": "one_off", "price_fen": 1},))
    with pytest.raises(DomainError) as e:
        shop.order(org, user, product, plan=shop.plan(other))
    assert "不属于该产品" in e.value.text
    shop.session.rollback()
    assert shop.count(Order) == 0


def test_unverified_buyer_refused(shop):
    org, user = shop.buyer(verified=False)
    with pytest.raises(DomainError) as e:
        shop.order(org, user, shop.product())
    assert "实名认证" in e.value.text
    shop.session.rollback()
    assert shop.count(Order) == 0


def test_negotiated_plan_needs_a_quote(shop):
    org, user = shop.buyer()
    product = shop.product(plans=({"form": "negotiated"},))
    with pytest.raises(DomainError) as e:
        shop.order(org, user, product)
    assert "询价" in e.value.text


def test_delisted_product_refused(shop):
    org, user = shop.buyer()
    with pytest.raises(DomainError) as e:
        shop.order(org, user, shop.product(status="delisted"))
    assert e.value.status == 404


def test_conditional_product_needs_an_approved_application(shop):
    org, user = shop.buyer()
    with pytest.raises(DomainError) as e:
        shop.order(org, user, shop.product(openness="conditional"))
    assert "有条件开放" in e.value.text


def test_invoice_taxpayer_id_must_be_the_buyers_code(shop):
    org, user = shop.buyer()
    with pytest.raises(DomainError) as e:
        shop.order(org, user, shop.product(), invoice=InvoiceIn(title="X", taxpayer_id="91350100MA2Y00000X"))
    assert e.value.field == "invoice_taxpayer_id"


def test_metered_plan_is_delivered_at_once_with_nothing_to_pay(shop):
    org, user = shop.buyer()
    product = shop.define(shop.product(type="api", plans=({"form": "per_call_flat", "unit_price_fen": "0.5"},)))
    order = shop.order(org, user, product)
    assert order.status == OrderStatus.DELIVERED and order.total_fen == 0
    ent = shop.session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalar_one()
    assert ent.status == "active" and ent.use_type == UseType.INDUSTRY


def test_public_use_waits_for_approval_at_zero(shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product(), use_type="public", purpose="城市交通治理公益研究")
    assert order.status == OrderStatus.AWAITING_APPROVAL and order.total_fen == 0 and order.vat_fen == 0
    assert shop.count(Entitlement) == 0


def test_broker_line_carries_the_mandate_commission(shop):
    from datetime import date, timedelta

    org, user = shop.buyer()
    broker = make_org(shop.session, OrgKind.BROKER)
    product = shop.product(broker_id=broker.id)
    with pytest.raises(DomainError):
        shop.order(org, user, product)  # no mandate yet
    shop.session.rollback()
    mandate = Mandate(operator_id=product.operator_id, broker_id=broker.id, commission_bps=800,
                      start_date=date.today() - timedelta(days=1), end_date=date.today() + timedelta(days=30))
    shop.session.add(mandate)
    shop.session.flush()
    shop.session.add(MandateProduct(mandate_id=mandate.id, product_id=product.id))
    shop.session.commit()
    order = shop.order(org, user, product)
    line = shop.session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalar_one()
    assert (line.broker_id, line.commission_bps) == (broker.id, 800)


def test_placing_is_audited(shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product())
    rec = shop.session.execute(select(AuditRecord).where(AuditRecord.action == "order.place")).scalar_one()
    assert rec.object_id == str(order.id) and json.loads(rec.summary)["after"]["number"] == order.number


def test_inactive_plan_refused(shop):
    org, user = shop.buyer()
    product = shop.product()
    plan = shop.plan(product)
    plan.active = False
    shop.session.commit()
    with pytest.raises(DomainError) as e:
        shop.order(org, user, product, plan=shop.session.get(PricePlan, plan.id))
    assert "停用" in e.value.text
