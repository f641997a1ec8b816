"""Trace a leaked file back to the order whose copy it is: by SHA-256 of the copy, or by its fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace.i18n_marker import N_
from marketplace.models import Order, Organization
from marketplace.models.delivery import Deliverable, DeliveryCopy
from marketplace.orders.common import OrderError
from marketplace.orders.watermark import FINGERPRINT_RE, find_fingerprints


@dataclass(frozen=True)
class TraceHit:
    """One copy a file or fingerprint matches, and how it matched."""

    copy: DeliveryCopy
    order: Order
    buyer: Organization
    deliverable: Deliverable
    exact: bool  # byte-identical to the copy delivered


def trace_leak(session: Session, *, content: bytes | None = None, fingerprint: str = "") -> list[TraceHit]:
    """Copies matching an uploaded file (exact hash, else fingerprints inside it) or a pasted fingerprint."""
    fingerprint = (fingerprint or "").strip().upper()
    if not content and not fingerprint:
        raise OrderError(N_("请上传文件或填写数字指纹"), field="fingerprint")
    if fingerprint and not FINGERPRINT_RE.fullmatch(fingerprint):
        raise OrderError(N_("数字指纹格式应为 PDXFP- 加 16 位十六进制字符"), field="fingerprint")
    hits: list[TraceHit] = []
    if content:
        digest = hashlib.sha256(content).hexdigest()
        exact = session.execute(select(DeliveryCopy).where(DeliveryCopy.sha256 == digest)).scalars().all()
        hits += [_hit(session, c, True) for c in exact]
        prints = [] if exact else find_fingerprints(content)
    else:
        prints = [fingerprint]
    if prints:
        found = session.execute(select(DeliveryCopy).where(DeliveryCopy.fingerprint.in_(prints))).scalars().all()
        hits += [_hit(session, c, False) for c in found]
    return hits


def _hit(session: Session, copy: DeliveryCopy, exact: bool) -> TraceHit:
    order = session.get(Order, copy.order_id)
    return TraceHit(copy=copy, order=order, buyer=session.get(Organization, order.buyer_org_id),
                    deliverable=session.get(Deliverable, copy.deliverable_id), exact=exact)
