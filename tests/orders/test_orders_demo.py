"""The orders demo builds files and orders in each state through the use cases."""

from sqlalchemy import select

from marketplace.models import Order, OrgKind, Role
from marketplace.models.delivery import Deliverable
from marketplace.orders.demo import load_orders_demo
from tests.factories import make_org, make_user


def test_orders_demo(shop, tmp_path):
    buyer_org = make_org(shop.session, OrgKind.ENTERPRISE)
    make_user(shop.session, Role.BUYER, org=buyer_org, email="buyer@demo.cn")
    make_user(shop.session, Role.FINANCE, email="finance@demo.cn")
    shop.product(type="package")
    shop.product(type="report")
    load_orders_demo(shop.session, {"buyer_a": buyer_org}, storage_dir=tmp_path)
    states = sorted(o.status.value for o in shop.session.execute(select(Order)).scalars())
    assert states == ["awaiting_approval", "awaiting_payment", "cancelled", "delivered", "delivered"]
    assert shop.count(Deliverable) == 2 and len(list((tmp_path / "masters").iterdir())) == 2
