"""One owner per transaction: the order page GET writes nothing, copies are made once by a POST."""

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.audit import Actor
from marketplace.models import AuditRecord
from marketplace.models.delivery import DeliveryCopy
from marketplace.orders import delivery
from marketplace.orders.payments import record_payment
from marketplace.web.db import GetWroteError, get_db
from tests.conftest import Web

FIN = Actor.system("finance-test")


@pytest.fixture(autouse=True)
def _deliveries(app, tmp_path):
    app.config["DELIVERY_DIR"] = str(tmp_path / "deliveries")


def _paid_report_order(app, shop):
    org, buyer = shop.buyer()
    product = shop.product(type="report")
    root = Path(app.config["DELIVERY_DIR"])
    delivery.upload_deliverable(
        shop.session,
        actor=FIN,
        operator_org_id=product.operator_id,
        product_id=product.id,
        filename="报告.md",
        content="# 报告\n正文".encode(),
        storage_dir=root,
    )
    order = shop.order(org, buyer, product)
    record_payment(
        shop.session,
        actor=FIN,
        order_id=order.id,
        method="bank_transfer",
        amount_fen=order.total_fen,
        external_id="T-TX-1",
    )
    shop.session.commit()
    return buyer, order


def _counts(session):
    session.expire_all()
    return (
        session.execute(select(func.count()).select_from(DeliveryCopy)).scalar_one(),
        session.execute(select(func.count()).select_from(AuditRecord)).scalar_one(),
    )


def _signed_in(app, user) -> Web:
    web = Web(app.test_client())
    web.login(user.email)
    return web


def test_two_concurrent_gets_of_the_order_page_answer_200_and_write_nothing(app, shop):
    buyer, order = _paid_report_order(app, shop)
    clients = [_signed_in(app, buyer), _signed_in(app, buyer)]
    before = _counts(shop.session)
    barrier = threading.Barrier(2)

    def get(web):
        barrier.wait(timeout=10)
        return web.get(f"/orders/{order.number}")

    with ThreadPoolExecutor(2) as pool:
        pages = list(pool.map(get, clients))
    assert [p.status_code for p in pages] == [200, 200]
    assert _counts(shop.session) == before  # no copy, no audit record: a GET never writes
    assert "报告.md" in pages[0].get_data(as_text=True)


def test_the_download_button_makes_the_copy_once_and_sends_to_its_link(app, shop):
    buyer, order = _paid_report_order(app, shop)
    web = _signed_in(app, buyer)
    ((line_id, item),) = delivery.files_awaiting_copy(shop.session, order)
    url = f"/orders/{order.number}/files/{line_id}/{item.id}"
    first, again = web.post(url), web.post(url)
    assert first.status_code == again.status_code == 302
    assert "/downloads/" in first.location and "/downloads/" in again.location
    copies, _audits = _counts(shop.session)
    assert copies == 1
    got = web.get(first.location)
    assert got.status_code == 200 and "PDXFP-" in got.get_data(as_text=True)
    page = web.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "已下载 1 / 5 次" in page


def test_a_get_that_would_write_is_refused(app, shop):
    """The request session refuses a flush during a GET (the guard behind 'a GET never writes')."""
    _buyer, order = _paid_report_order(app, shop)
    with app.test_request_context(f"/orders/{order.number}", method="GET"):
        db = get_db()
        with pytest.raises(GetWroteError):
            delivery.ensure_copies(db, actor=FIN, order=db.merge(order), storage_dir=Path(app.config["DELIVERY_DIR"]))
        db.rollback()
    assert _counts(shop.session)[0] == 0
