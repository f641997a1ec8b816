"""Delivery: upload, watermarked copies, signed links that expire, download limit, tracing a leak."""

import csv
import hashlib
import io
import zipfile
from datetime import UTC, datetime

import pytest

from marketplace import clock
from marketplace.audit import Actor
from marketplace.errors import DomainError
from marketplace.orders import delivery
from marketplace.orders.payments import record_payment, record_refund
from marketplace.orders.trace import trace_leak
from marketplace.orders.watermark import find_fingerprints

FIN = Actor(None, "finance-test")
CSV = "企业名称,统一社会信用代码,信用等级\n示例甲公司,91350100000000001X,A\n示例乙公司,91350100000000002X,B\n"


@pytest.fixture
def paid(shop, tmp_path):
    org, user = shop.buyer()
    product = shop.product(type="package")
    item = delivery.upload_deliverable(shop.session, actor=FIN, operator_org_id=product.operator_id,
                                       product_id=product.id, filename="信用名单.csv", content=CSV.encode(),
                                       storage_dir=tmp_path)
    order = shop.order(org, user, product)
    record_payment(shop.session, actor=FIN, order_id=order.id, method="bank_transfer", amount_fen=order.total_fen,
                   external_id="B-1")
    return org, order, item, tmp_path


def test_upload_refuses_foreign_product_and_binary(shop, tmp_path):
    product = shop.product(type="package")
    stranger, _ = shop.buyer()
    with pytest.raises(DomainError) as e:
        delivery.upload_deliverable(shop.session, actor=FIN, operator_org_id=stranger.id, product_id=product.id,
                                    filename="a.csv", content=b"a,b\n", storage_dir=tmp_path)
    assert e.value.status == 404
    with pytest.raises(DomainError):
        delivery.upload_deliverable(shop.session, actor=FIN, operator_org_id=product.operator_id,
                                    product_id=product.id, filename="a.exe", content=b"MZ", storage_dir=tmp_path)


def test_copy_is_watermarked_and_traces_to_order(shop, paid):
    org, order, item, root = paid
    (copy,) = delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)
    assert delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)[0].id == copy.id
    data = (root / copy.stored_name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == copy.sha256 != item.sha256
    # a CSV is delivered as a ZIP: the data stays plain CSV (any reader opens it), the licence sits beside it
    assert copy.stored_name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == [item.filename, "授权说明.txt"]
        table, licence = z.read(item.filename), z.read("授权说明.txt").decode("utf-8")
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
    assert table.startswith(b"\xef\xbb\xbf") and not table.decode("utf-8-sig").startswith("#")
    assert rows[0][-1] == "数据指纹" and all(r[-1] == copy.fingerprint for r in rows[1:]) and len(rows) > 1
    assert org.name in licence and order.number in licence and copy.fingerprint in licence and "SHA-256" in licence
    assert find_fingerprints(data) == [copy.fingerprint]  # found inside the ZIP
    assert find_fingerprints(table) == [copy.fingerprint]  # and in the CSV taken out of it
    (hit,) = trace_leak(shop.session, content=data)
    assert hit.exact and hit.order.id == order.id and hit.buyer.id == org.id
    edited = table.replace("示例甲公司".encode(), "某公司".encode())
    (hit,) = trace_leak(shop.session, content=edited)
    assert not hit.exact and hit.order.number == order.number
    (hit,) = trace_leak(shop.session, fingerprint=copy.fingerprint.lower())
    assert hit.copy.id == copy.id


def test_download_limit_counted(shop, paid):
    org, order, item, root = paid
    (copy,) = delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)
    for _ in range(delivery.DOWNLOAD_LIMIT):
        got = delivery.take_download(shop.session, actor=FIN, buyer_org_id=org.id, copy_id=copy.id,
                                     storage_dir=root)
        assert hashlib.sha256(got.path.read_bytes()).hexdigest() == got.sha256 == copy.sha256
    with pytest.raises(DomainError) as e:
        delivery.take_download(shop.session, actor=FIN, buyer_org_id=org.id, copy_id=copy.id, storage_dir=root)
    assert "次数已用完" in e.value.text
    other, _ = shop.buyer()
    with pytest.raises(DomainError) as e:
        delivery.take_download(shop.session, actor=FIN, buyer_org_id=other.id, copy_id=copy.id, storage_dir=root)
    assert e.value.status == 404


def test_refund_stops_downloads(shop, paid):
    org, order, item, root = paid
    (copy,) = delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)
    record_refund(shop.session, actor=FIN, order_id=order.id, reason="退款")
    with pytest.raises(DomainError) as e:
        delivery.take_download(shop.session, actor=FIN, buyer_org_id=org.id, copy_id=copy.id, storage_dir=root)
    assert "退款" in e.value.text


def test_signed_link_expires_and_rejects_tampering(shop, paid):
    org, order, item, root = paid
    (copy,) = delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)
    token = delivery.download_token("s3cret", copy)
    assert delivery.read_token("s3cret", token) == copy.id
    with pytest.raises(DomainError) as e:
        delivery.read_token("other", token)
    assert e.value.status == 404


def test_signed_link_works_for_its_minutes_then_expires(shop, paid):
    org, order, item, root = paid
    (copy,) = delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)
    fixed = clock.FixedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    with clock.use_clock(fixed):
        token = delivery.download_token("s3cret", copy)
        fixed.advance(seconds=delivery.LINK_SECONDS)
        assert delivery.read_token("s3cret", token) == copy.id  # still inside its minutes
        fixed.advance(seconds=1)
        with pytest.raises(DomainError) as e:
            delivery.read_token("s3cret", token)
    assert "过期" in e.value.text


def test_copy_expires_after_download_window(shop, paid):
    from datetime import timedelta

    org, order, item, root = paid
    (copy,) = delivery.ensure_copies(shop.session, actor=FIN, order=order, storage_dir=root)
    copy.expires_at = copy.expires_at - timedelta(days=delivery.DOWNLOAD_DAYS + 1)
    shop.session.commit()
    shop.session.expire_all()
    with pytest.raises(DomainError) as e:
        delivery.take_download(shop.session, actor=FIN, buyer_org_id=org.id, copy_id=copy.id, storage_dir=root)
    assert "有效期" in e.value.text
