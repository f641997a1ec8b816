"""Hole 4: an order is 已交付 only when delivery really happened; offline delivery is recorded and confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.audit import Actor
from marketplace.clock import today as today_local
from marketplace.errors import DomainError
from marketplace.models import AuditRecord, Order, OrderLine, OrderStatus, OrgKind, Role
from marketplace.models.delivery import OfflineDelivery, OfflineDeliveryStatus
from marketplace.orders.delivery import upload_deliverable
from marketplace.orders.offline import OfflineDeliveryIn, confirm_offline_receipt, record_offline_delivery
from marketplace.orders.payments import record_payment
from tests.factories import make_org, make_user

FIN = Actor(None, "finance-test")


def _paid(shop, product):
    org, user = shop.buyer()
    order = shop.order(org, user, product)
    record_payment(
        shop.session,
        actor=FIN,
        order_id=order.id,
        method="bank_transfer",
        amount_fen=order.total_fen,
        external_id=f"BANK-{order.id:04d}",
    )
    shop.session.expire_all()
    return shop.session.get(Order, order.id), org, user


def _line(shop, order) -> OrderLine:
    return shop.session.execute(select(OrderLine).where(OrderLine.order_id == order.id)).scalar_one()


def _operator_actor(shop, product) -> Actor:
    from marketplace.models import Organization

    user = make_user(shop.session, Role.OPERATOR, org=shop.session.get(Organization, product.operator_id))
    return Actor(user.id, user.email, user.org_id)


def _actions(shop, order) -> list[str]:
    return (
        shop.session.execute(
            select(AuditRecord.action)
            .where(AuditRecord.object_type == "order", AuditRecord.object_id == str(order.id))
            .order_by(AuditRecord.id)
        )
        .scalars()
        .all()
    )


def test_paid_package_without_files_is_not_delivered_until_a_file_is_there(shop, tmp_path):
    product = shop.product(type="package")
    order, _org, _user = _paid(shop, product)
    assert order.status == OrderStatus.PAID and order.delivered_at is None
    assert "order.deliver" not in _actions(shop, order)
    upload_deliverable(
        shop.session,
        actor=_operator_actor(shop, product),
        operator_org_id=product.operator_id,
        product_id=product.id,
        filename="d.csv",
        content=b"a,b\n1,2\n",
        storage_dir=tmp_path,
    )
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.DELIVERED
    assert _actions(shop, order)[-1] == "order.deliver"


def test_package_with_files_is_delivered_on_payment(shop, tmp_path):
    product = shop.product(type="package")
    upload_deliverable(
        shop.session,
        actor=Actor.system("t"),
        operator_org_id=product.operator_id,
        product_id=product.id,
        filename="d.csv",
        content=b"a,b\n1,2\n",
        storage_dir=tmp_path,
    )
    order, _org, _user = _paid(shop, product)
    assert order.status == OrderStatus.DELIVERED


def test_api_without_definition_is_not_delivered(shop):
    product = shop.product(type="api")
    order, _org, _user = _paid(shop, product)
    assert order.status == OrderStatus.PAID


def test_offline_delivery_recorded_then_confirmed_by_the_buyer(shop):
    product = shop.product(type="package", offline_delivery=True)
    order, org, user = _paid(shop, product)
    assert order.status == OrderStatus.PAID
    operator = _operator_actor(shop, product)
    line = _line(shop, order)
    data = OfflineDeliveryIn(
        method="加密硬盘交付", delivered_on=today_local(), reference="HT-2026-001", note="签收单已盖章"
    )
    record = record_offline_delivery(
        shop.session, actor=operator, operator_org_id=product.operator_id, line_id=line.id, data=data
    )
    shop.session.commit()
    assert record.status == OfflineDeliveryStatus.RECORDED
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.PAID  # recorded is not yet received
    buyer = Actor(user.id, user.email, org.id)
    confirm_offline_receipt(shop.session, actor=buyer, buyer_org_id=org.id, delivery_id=record.id)
    shop.session.commit()
    shop.session.expire_all()
    done = shop.session.get(Order, order.id)
    assert done.status == OrderStatus.DELIVERED and done.delivered_at is not None
    assert shop.session.get(OfflineDelivery, record.id).confirmed_by_id == user.id
    assert _actions(shop, order)[-3:] == ["offline_delivery.record", "offline_delivery.confirm", "order.deliver"]
    with pytest.raises(DomainError) as e:  # confirmed: the operator can no longer change it
        record_offline_delivery(
            shop.session, actor=operator, operator_org_id=product.operator_id, line_id=line.id, data=data
        )
    assert "已确认收货" in e.value.text


def test_offline_refusals(shop):
    product = shop.product(type="report", offline_delivery=True)
    order, org, user = _paid(shop, product)
    operator, line = _operator_actor(shop, product), _line(shop, order)
    other = make_org(shop.session, OrgKind.OPERATOR)

    def record(**kw):
        values = {"method": "现场交付", "delivered_on": today_local()} | kw
        return record_offline_delivery(
            shop.session,
            actor=operator,
            operator_org_id=kw.pop("op", product.operator_id),
            line_id=line.id,
            data=OfflineDeliveryIn(**values),
        )

    cases = [
        ({"method": " "}, "请填写交付方式", "method"),
        ({"method": "x" * 101}, "最多 100 个字", "method"),
        ({"delivered_on": today_local() + timedelta(days=1)}, "不能晚于今天", "delivered_on"),
        ({"delivered_on": None}, "请填写交付日期", "delivered_on"),
    ]
    for kw, needle, field in cases:
        with pytest.raises(DomainError) as e:
            record(**kw)
        assert needle in e.value.text and e.value.field == field
    with pytest.raises(DomainError) as e:
        record_offline_delivery(
            shop.session,
            actor=operator,
            operator_org_id=other.id,
            line_id=line.id,
            data=OfflineDeliveryIn(method="m", delivered_on=today_local()),
        )
    assert e.value.status == 404
    shop.session.rollback()
    assert shop.count(OfflineDelivery) == 0
    good = record()
    shop.session.commit()
    stranger, _ = shop.buyer()
    with pytest.raises(DomainError) as e:
        confirm_offline_receipt(
            shop.session, actor=Actor(None, "x", stranger.id), buyer_org_id=stranger.id, delivery_id=good.id
        )
    assert e.value.status == 404


def test_offline_delivery_of_a_file_product_is_refused_when_not_declared(shop):
    product = shop.product(type="package")
    order, _org, _user = _paid(shop, product)
    with pytest.raises(DomainError) as e:
        record_offline_delivery(
            shop.session,
            actor=_operator_actor(shop, product),
            operator_org_id=product.operator_id,
            line_id=_line(shop, order).id,
            data=OfflineDeliveryIn(method="m", delivered_on=today_local()),
        )
    assert "不是线下交付" in e.value.text


def test_offline_pages_record_then_confirm(web, shop):
    """Through the pages: the operator records the delivery, the buyer confirms; strangers get 404."""
    from marketplace.models import Organization

    product = shop.product(type="report", offline_delivery=True)
    order, org, buyer = _paid(shop, product)
    line = _line(shop, order)
    operator = make_user(shop.session, Role.OPERATOR, org=shop.session.get(Organization, product.operator_id))
    web.login(operator.email)
    assert order.number in web.get("/seller/offline").get_data(as_text=True)
    bad = web.post(f"/seller/offline/{line.id}", {"method": "交" * 101, "delivered_on": today_local().isoformat()})
    assert bad.status_code == 400 and "交付方式最多 100 个字，现在是 101 个" in bad.get_data(as_text=True)
    assert shop.count(OfflineDelivery) == 0
    ok = web.post(
        f"/seller/offline/{line.id}",
        {"method": "专线传输", "reference": "HT-9", "delivered_on": today_local().isoformat()},
    )
    assert ok.status_code == 302
    record = shop.session.execute(select(OfflineDelivery)).scalar_one()
    web.logout()
    other = make_user(shop.session, Role.OPERATOR)
    web.login(other.email)
    assert (
        web.post(f"/seller/offline/{line.id}", {"method": "x", "delivered_on": today_local().isoformat()}).status_code
        == 404
    )
    web.logout()
    stranger = make_user(shop.session, Role.BUYER)
    web.login(stranger.email)
    assert web.post(f"/orders/{order.number}/offline/{record.id}/confirm", {}).status_code == 404
    web.logout()
    web.login(buyer.email)
    page = web.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "专线传输" in page and "确认收货" in page
    assert web.post(f"/orders/{order.number}/offline/{record.id}/confirm", {}).status_code == 302
    shop.session.expire_all()
    assert shop.session.get(Order, order.id).status == OrderStatus.DELIVERED
