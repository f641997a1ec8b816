"""Delivery of files: operators upload masters, each buyer gets a watermarked copy via expiring signed links."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace import clock
from marketplace.audit import Actor, record_audit
from marketplace.errors import NotFound
from marketplace.i18n_marker import N_
from marketplace.models import Order, OrderLine, OrderStatus, Organization, Product
from marketplace.models.base import utcnow
from marketplace.models.delivery import Deliverable, DeliveryCopy
from marketplace.orders.common import OrderError
from marketplace.orders.fulfilment import FILE_TYPES, line_products, mark_delivered_if_complete
from marketplace.orders.payments import PAID_STATES
from marketplace.orders.watermark import TEXT_KINDS, copy_name, new_fingerprint, watermark

MAX_UPLOAD = 20 * 1024 * 1024
DOWNLOAD_DAYS = 30  # copies can be downloaded for this long after payment
DOWNLOAD_LIMIT = 5  # downloads per copy
LINK_SECONDS = 600  # a signed link works this long


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ext(filename: str) -> str:
    ext = Path(filename or "").suffix.lower()
    if ext not in TEXT_KINDS:
        raise OrderError(N_("仅支持 CSV、TXT、Markdown、HTML 文件（交付时需逐份加水印）"), field="file")
    return ext


def upload_deliverable(session: Session, *, actor: Actor, operator_org_id: int, product_id: int, filename: str,
                       content: bytes, storage_dir: Path) -> Deliverable:
    """Attach a master file to the operator's own package or report product."""
    product = session.get(Product, product_id)
    if product is None or product.operator_id != operator_org_id:
        raise NotFound(N_("产品不存在"))
    if product.type not in FILE_TYPES:
        raise OrderError(N_("只有数据包和数据报告产品以文件交付"), field="file")
    ext = _ext(filename)
    if not content or len(content) > MAX_UPLOAD:
        raise OrderError(N_("文件为空或超过 20 MB"), field="file")
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OrderError(N_("文件须为 UTF-8 编码的文本"), field="file") from None
    digest = _sha256(content)
    stored = f"masters/{digest}{ext}"
    _write(storage_dir / stored, content)
    item = Deliverable(product_id=product.id, filename=Path(filename).name[:200], stored_name=stored,
                       media_type=TEXT_KINDS[ext], size=len(content), sha256=digest, uploaded_by_id=actor.user_id)
    session.add(item)
    session.flush()
    record_audit(session, actor=actor, action="deliverable.upload", object_type="deliverable", object_id=item.id,
                 org_id=operator_org_id, after={"product": product.slug, "file": item.filename, "sha256": digest})
    _deliver_waiting_orders(session, actor=actor, product_id=product.id)
    session.flush()
    return item


def _deliver_waiting_orders(session: Session, *, actor: Actor, product_id: int) -> None:
    """Paid orders that waited for this product's files are delivered now that a file is there."""
    waiting = session.execute(select(Order).join(OrderLine, OrderLine.order_id == Order.id)
                              .where(OrderLine.product_id == product_id, Order.status == OrderStatus.PAID)
                              .distinct()).scalars()
    for order in list(waiting):
        mark_delivered_if_complete(session, actor=actor, order=order)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def deliverables_of(session: Session, product_id: int) -> list[Deliverable]:
    """The active master files of a product."""
    return list(session.execute(select(Deliverable).where(Deliverable.product_id == product_id,
                                                          Deliverable.active.is_(True))
                                .order_by(Deliverable.id)).scalars())


def _order_files(session: Session, order: Order) -> list[tuple[int, Deliverable]]:
    """(order line id, master file) for every file a paid order delivers."""
    if order.status not in PAID_STATES:
        return []
    return [(line.id, item) for line, product in line_products(session, order) if product.type in FILE_TYPES
            for item in deliverables_of(session, product.id)]


def _copy_of(session: Session, line_id: int, deliverable_id: int) -> DeliveryCopy | None:
    return session.execute(select(DeliveryCopy).where(DeliveryCopy.order_line_id == line_id,
                                                      DeliveryCopy.deliverable_id == deliverable_id)).scalar()


def copies_of(session: Session, order: Order) -> list[DeliveryCopy]:
    """The buyer's copies already made for a paid order (reads only: the order page is a GET)."""
    found = [_copy_of(session, line_id, item.id) for line_id, item in _order_files(session, order)]
    return [c for c in found if c is not None]


def files_awaiting_copy(session: Session, order: Order) -> list[tuple[int, Deliverable]]:
    """(order line id, master file) of a paid order's files that have no copy for the buyer yet."""
    return [(line_id, item) for line_id, item in _order_files(session, order)
            if _copy_of(session, line_id, item.id) is None]


def ensure_copy(session: Session, *, actor: Actor, order: Order, line_id: int, deliverable_id: int,
                storage_dir: Path) -> DeliveryCopy:
    """The buyer's watermarked copy of one file of a paid order, made once; a concurrent repeat finds it."""
    wanted = [item for lid, item in _order_files(session, order) if lid == line_id and item.id == deliverable_id]
    if not wanted:
        raise NotFound(N_("文件不存在"))
    copy = _copy_of(session, line_id, deliverable_id)
    if copy is not None:
        return copy
    buyer = session.get(Organization, order.buyer_org_id)
    try:
        with session.begin_nested():
            return _make_copy(session, actor, order, line_id, wanted[0], buyer, storage_dir)
    except IntegrityError:  # the same copy made at the same moment by another request
        return _copy_of(session, line_id, deliverable_id)


def ensure_copies(session: Session, *, actor: Actor, order: Order, storage_dir: Path) -> list[DeliveryCopy]:
    """The buyer's watermarked copies of every file of a paid order (made on first need); the caller commits."""
    return [ensure_copy(session, actor=actor, order=order, line_id=line_id, deliverable_id=item.id,
                        storage_dir=storage_dir) for line_id, item in _order_files(session, order)]


def _make_copy(session: Session, actor: Actor, order: Order, line_id: int, item: Deliverable, buyer: Organization,
               storage_dir: Path) -> DeliveryCopy:
    fingerprint = new_fingerprint()
    ext = Path(item.stored_name).suffix
    data = watermark((storage_dir / item.stored_name).read_bytes(), ext=ext, licensee=buyer.name,
                     order_number=order.number, fingerprint=fingerprint, filename=item.filename)
    stored = f"copies/{fingerprint}{Path(copy_name(item.stored_name)).suffix}"
    _write(storage_dir / stored, data)
    copy = DeliveryCopy(order_id=order.id, order_line_id=line_id, deliverable_id=item.id, buyer_org_id=buyer.id,
                        fingerprint=fingerprint, sha256=_sha256(data), stored_name=stored, size=len(data),
                        downloads_allowed=DOWNLOAD_LIMIT,
                        expires_at=(order.paid_at or utcnow()) + timedelta(days=DOWNLOAD_DAYS))
    session.add(copy)
    session.flush()
    record_audit(session, actor=actor, action="delivery.copy", object_type="delivery_copy", object_id=copy.id,
                 org_id=buyer.id, after={"order": order.number, "file": item.filename, "fingerprint": fingerprint,
                                         "sha256": copy.sha256})
    return copy


class _ClockSigner(TimestampSigner):
    """Link timestamps from the exchange clock, so a test can move time instead of sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="pdx-delivery", signer=_ClockSigner)


def download_token(secret: str, copy: DeliveryCopy) -> str:
    """A signed link token for one copy; it expires after LINK_SECONDS."""
    return _serializer(secret).dumps({"c": copy.id, "o": copy.buyer_org_id})


def read_token(secret: str, token: str, *, max_age: int = LINK_SECONDS) -> int:
    """The copy id in a valid, unexpired token; refused otherwise."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise OrderError(N_("下载链接已过期，请回到订单页面重新获取")) from None
    except BadSignature:
        raise NotFound(N_("下载链接无效")) from None
    return int(data["c"])


@dataclass(frozen=True)
class Download:
    """A file ready to send."""

    path: Path
    filename: str
    media_type: str
    sha256: str


def take_download(session: Session, *, actor: Actor, buyer_org_id: int, copy_id: int,
                  storage_dir: Path) -> Download:
    """Count one download of the buyer's copy (refused when expired, used up, or the order was refunded)."""
    copy = session.get(DeliveryCopy, copy_id)
    if copy is None or copy.buyer_org_id != buyer_org_id:
        raise NotFound(N_("文件不存在"))
    order = session.get(Order, copy.order_id)
    if order.status not in PAID_STATES:
        raise OrderError(N_("订单已退款或关闭，文件不可下载"))
    if utcnow() >= copy.expires_at:
        raise OrderError(N_("下载有效期已过"))
    taken = session.execute(update(DeliveryCopy).where(DeliveryCopy.id == copy.id,
                                                       DeliveryCopy.downloads_used < DeliveryCopy.downloads_allowed)
                            .values(downloads_used=DeliveryCopy.downloads_used + 1, last_download_at=utcnow()))
    if taken.rowcount != 1:
        raise OrderError(N_("下载次数已用完（每份文件限 %(downloads_allowed)s 次）"),
                         params={"downloads_allowed": copy.downloads_allowed})
    item = session.get(Deliverable, copy.deliverable_id)
    record_audit(session, actor=actor, action="delivery.download", object_type="delivery_copy", object_id=copy.id,
                 org_id=buyer_org_id, after={"order": order.number, "fingerprint": copy.fingerprint})
    zipped = copy.stored_name.endswith(".zip") and not item.filename.lower().endswith(".zip")
    return Download(path=storage_dir / copy.stored_name, filename=copy_name(item.filename) if zipped else item.filename,
                    media_type="application/zip" if zipped else item.media_type, sha256=copy.sha256)
