"""record_payment, record_refund, cancel_order and public-use approval."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.errors import DomainError
from marketplace.keys import issue_api_key
from marketplace.models import ApiKey, Entitlement, Order, OrderStatus
from marketplace.models.payments import Payment
from marketplace.orders.approvals import approve_public_use, decline_public_use
from marketplace.orders.payments import cancel_order, record_payment, record_refund

FIN = Actor(None, "finance-test")


def _pay(shop, order, amount=None, ext="BANK-0001"):
    paid = record_payment(shop.session, actor=FIN, order_id=order.id, method="bank_transfer",
                          amount_fen=order.total_fen if amount is None else amount, external_id=ext)
    shop.session.commit()  # the test is the boundary
    return paid


def _entitlements(shop, order):
    shop.session.expire_all()
    return shop.session.execute(select(Entitlement).where(Entitlement.order_id == order.id)).scalars().all()


def test_payment_fulfils_the_order(shop, tmp_path):
    org, user = shop.buyer()
    product = shop.product()
    shop.attach(product, tmp_path)
    order = shop.order(org, user, product)
    paid = _pay(shop, order)
    assert paid.status == OrderStatus.DELIVERED and paid.paid_at is not None
    (ent,) = _entitlements(shop, order)
    assert ent.status == "active" and ent.buyer_org_id == org.id and ent.ends_at is None


def test_amount_mismatch_refused_nothing_changed(shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product())
    with pytest.raises(DomainError) as e:
        _pay(shop, order, amount=order.total_fen - 1)
    assert "不一致" in e.value.text and "¥100.00" in e.value.text
    shop.session.rollback()
    assert shop.session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT
    assert shop.count(Payment) == 0 and shop.count(Entitlement) == 0


def test_paying_twice_refused_and_same_receipt_is_idempotent(shop, tmp_path):
    org, user = shop.buyer()
    product = shop.product()
    shop.attach(product, tmp_path)
    order = shop.order(org, user, product)
    _pay(shop, order)
    assert _pay(shop, order).status == OrderStatus.DELIVERED  # the same receipt again: no change
    with pytest.raises(DomainError) as e:
        _pay(shop, order, ext="BANK-0002")
    assert "已支付" in e.value.text
    shop.session.rollback()
    assert shop.count(Payment) == 1 and len(_entitlements(shop, order)) == 1


def test_subscription_and_prepaid_terms(shop):
    org, user = shop.buyer()
    sub = shop.product(type="api", plans=({"form": "subscription_month", "price_fen": 5000, "period_months": 1},))
    pack = shop.product(type="api", plans=({"form": "prepaid_calls", "price_fen": 9000, "package_calls": 1000},))
    o1, o2 = shop.order(org, user, sub, quantity=3), shop.order(org, user, pack, quantity=2)
    _pay(shop, o1, ext="B1")
    _pay(shop, o2, ext="B2")
    (e1,), (e2,) = _entitlements(shop, o1), _entitlements(shop, o2)
    assert timedelta(days=88) <= e1.ends_at - e1.starts_at <= timedelta(days=92)
    assert e2.calls_total == 2000 and e2.ends_at is None


def test_refund_reverses_rights_and_keys(shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product(type="api", plans=({"form": "one_off", "price_fen": 500},)))
    _pay(shop, order)
    (ent,) = _entitlements(shop, order)
    key, _ = issue_api_key(shop.session, actor=FIN, entitlement=ent)
    shop.session.commit()
    refunded = record_refund(shop.session, actor=FIN, order_id=order.id, reason="重复购买")
    assert refunded.status == OrderStatus.REFUNDED and "重复购买" in refunded.note
    (ent,) = _entitlements(shop, order)
    assert ent.status == "ended"
    assert shop.session.get(ApiKey, key.id).status == "revoked"
    refund = shop.session.execute(select(Payment).where(Payment.kind == "refund")).scalar_one()
    assert refund.amount_fen == -500
    with pytest.raises(DomainError):
        record_refund(shop.session, actor=FIN, order_id=order.id, reason="again")


def test_refund_by_external_id_is_idempotent(shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product())
    _pay(shop, order)
    record_refund(shop.session, actor=FIN, order_id=order.id, external_id="re_1", reason="card refund")
    again = record_refund(shop.session, actor=FIN, order_id=order.id, external_id="re_1", reason="card refund")
    assert again.status == OrderStatus.REFUNDED and shop.count(Payment) == 2


def test_cancel_only_unpaid(shop):
    org, user = shop.buyer()
    order = shop.order(org, user, shop.product())
    other, _ = shop.buyer()
    with pytest.raises(DomainError) as e:
        cancel_order(shop.session, actor=FIN, order_id=order.id, reason="x", buyer_org_id=other.id)
    assert e.value.status == 404
    shop.session.rollback()
    assert cancel_order(shop.session, actor=FIN, order_id=order.id, reason="不需要了").status == "cancelled"
    with pytest.raises(DomainError):
        _pay(shop, order)


def test_public_use_approved_gives_free_entitlement(shop, tmp_path):
    org, user = shop.buyer()
    product = shop.product()
    shop.attach(product, tmp_path)
    order = shop.order(org, user, product, use_type="public", purpose="公益研究项目")
    stranger, _ = shop.buyer()
    with pytest.raises(DomainError) as e:
        approve_public_use(shop.session, actor=FIN, order_id=order.id, operator_org_id=stranger.id)
    assert e.value.status == 404
    shop.session.rollback()
    done = approve_public_use(shop.session, actor=FIN, order_id=order.id, operator_org_id=product.operator_id)
    assert done.status == OrderStatus.DELIVERED and done.total_fen == 0
    (ent,) = _entitlements(shop, order)
    assert ent.use_type == "public" and ent.source == "public"


def test_public_use_declined_needs_reason(shop):
    org, user = shop.buyer()
    product = shop.product()
    order = shop.order(org, user, product, use_type="public", purpose="公益研究项目")
    with pytest.raises(DomainError):
        decline_public_use(shop.session, actor=FIN, order_id=order.id, operator_org_id=product.operator_id, reason="")
    shop.session.rollback()
    done = decline_public_use(shop.session, actor=FIN, order_id=order.id, operator_org_id=product.operator_id,
                              reason="用途与公益无关")
    assert done.status == OrderStatus.CANCELLED and "用途与公益无关" in done.note
    assert not _entitlements(shop, order)
